//! SIGINT and SIGTERM: what `plotcast` does with them.
//!
//! `run` forwards them to the command, except when the kernel sent them:
//! Ctrl-C in a terminal signals the whole foreground process group, so the
//! command already has it, and a second copy would hit a program that
//! handles the first one gracefully ("press Ctrl-C again to force quit").
//! Once the command has exited nothing is forwarded (its pid may be
//! another process's by then). `pipe` stops reading at the first signal
//! (the rest is plotted and the viewer gets the final values), and quits
//! at once at the second.
//!
//! Either way a signal ends the serving that follows the end of the input
//! when no viewer was launched ([`Caught::wait`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::process::{kill_process, Pid, Signal};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::{Handle, SignalsInfo};
use signal_hook::low_level::siginfo::Cause;
use tokio_util::sync::CancellationToken;

/// What a signal does.
#[derive(Debug, Clone)]
pub enum OnSignal {
    /// Forward it to the command (unless the terminal already did, or the
    /// command has exited).
    Forward {
        /// The command's process.
        pid: Pid,
        /// Set once the command has been waited for.
        exited: Arc<AtomicBool>,
    },
    /// Cancel reading; a second signal exits at once.
    Stop(CancellationToken),
}

/// The signals caught so far, for the threads that wait for one.
#[derive(Debug, Default)]
pub struct Caught {
    last: Mutex<i32>,
    changed: Condvar,
}

impl Caught {
    fn lock(&self) -> MutexGuard<'_, i32> {
        self.last.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The last signal received (0: none).
    pub fn last(&self) -> i32 {
        *self.lock()
    }

    /// Records `sig`; whether it is the first.
    fn record(&self, sig: i32) -> bool {
        let first = std::mem::replace(&mut *self.lock(), sig) == 0;
        self.changed.notify_all();
        first
    }

    /// Waits until a signal has been caught (at once if one was), at most
    /// `limit` (`None`: for as long as it takes). Returns the signal, or 0
    /// when the limit came first.
    pub fn wait(&self, limit: Option<Duration>) -> i32 {
        let deadline = limit.map(|l| Instant::now() + l);
        let mut last = self.lock();
        while *last == 0 {
            last = match deadline {
                None => self
                    .changed
                    .wait(last)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    match self.changed.wait_timeout(last, left) {
                        Ok((guard, _)) => guard,
                        Err(poisoned) => poisoned.into_inner().0,
                    }
                }
            };
        }
        *last
    }
}

/// SIGINT and SIGTERM, caught from the moment this is created.
pub struct Watch {
    signals: SignalsInfo<WithOrigin>,
    caught: Arc<Caught>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("caught", &self.caught)
            .finish_non_exhaustive()
    }
}

impl Watch {
    /// Installs the handlers (before the child starts, so a signal at any
    /// moment is handled).
    ///
    /// # Errors
    /// When the handlers cannot be installed.
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            signals: SignalsInfo::new([SIGINT, SIGTERM])?,
            caught: Arc::new(Caught::default()),
        })
    }

    /// What has been caught, shared with the signal thread.
    pub fn caught(&self) -> Arc<Caught> {
        Arc::clone(&self.caught)
    }

    /// Handles the signals on a thread of their own, as `on` says, until
    /// the returned guard is dropped.
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn start(mut self, on: OnSignal) -> std::io::Result<SignalThread> {
        let handle = self.signals.handle();
        let thread = std::thread::Builder::new()
            .name("plotcast-signals".into())
            .spawn(move || self.run(&on))?;
        Ok(SignalThread {
            handle,
            thread: Some(thread),
        })
    }

    fn run(&mut self, on: &OnSignal) {
        for origin in self.signals.forever() {
            let sig = origin.signal;
            let first = self.caught.record(sig);
            match on {
                OnSignal::Forward { pid, exited } => {
                    if origin.cause != Cause::Kernel && !exited.load(Ordering::SeqCst) {
                        if let Some(signal) = Signal::from_named_raw(sig) {
                            // The child may be gone already: nothing to do.
                            let _ = kill_process(*pid, signal);
                        }
                    }
                }
                OnSignal::Stop(cancel) if first => cancel.cancel(),
                OnSignal::Stop(_) => {
                    eprintln!("plotcast: interrupted again, quitting at once");
                    std::process::exit(128 + sig);
                }
            }
        }
    }
}

/// The signal thread; dropping this stops and joins it.
#[derive(Debug)]
pub struct SignalThread {
    handle: Handle,
    thread: Option<JoinHandle<()>>,
}

impl Drop for SignalThread {
    fn drop(&mut self) {
        self.handle.close();
        if let Some(thread) = self.thread.take() {
            // A panic there has been printed already; nothing left to do.
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_ends_at_a_signal_or_its_limit() {
        let caught = Caught::default();
        assert_eq!(caught.wait(Some(Duration::from_millis(20))), 0);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| caught.wait(None));
            assert!(caught.record(SIGINT));
            assert_eq!(waiter.join().ok(), Some(SIGINT));
        });
        assert!(!caught.record(SIGTERM), "the second signal");
        assert_eq!(caught.wait(None), SIGTERM, "caught already: at once");
    }
}
