//! SIGINT and SIGTERM: what `plotcast` does with them.
//!
//! `run` forwards them to the command, except when the kernel sent them:
//! Ctrl-C in a terminal signals the whole foreground process group, so the
//! command already has it, and a second copy would hit a program that
//! handles the first one gracefully ("press Ctrl-C again to force quit").
//! `pipe` stops reading at the first signal (the rest is plotted and the
//! viewer gets the final values), and quits at once at the second.

use std::sync::atomic::{AtomicI32, Ordering};

use rustix::process::{kill_process, Pid, Signal};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::{Handle, SignalsInfo};
use signal_hook::low_level::siginfo::Cause;
use tokio_util::sync::CancellationToken;

/// What a signal does.
#[derive(Debug, Clone)]
pub enum OnSignal {
    /// Forward it to this process (unless the terminal already did).
    Forward(Pid),
    /// Cancel reading; a second signal exits at once.
    Stop(CancellationToken),
}

/// SIGINT and SIGTERM, caught from the moment this is created.
pub struct Watch {
    signals: SignalsInfo<WithOrigin>,
    /// The last signal received (0: none).
    pub caught: AtomicI32,
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
            caught: AtomicI32::new(0),
        })
    }

    /// A handle that ends [`run`](Self::run).
    pub fn handle(&self) -> Handle {
        self.signals.handle()
    }

    /// Handles signals until the handle is closed.
    pub fn run(&mut self, on: &OnSignal) {
        for origin in self.signals.forever() {
            let sig = origin.signal;
            let first = self.caught.swap(sig, Ordering::SeqCst) == 0;
            match on {
                OnSignal::Forward(pid) => {
                    if origin.cause != Cause::Kernel {
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
