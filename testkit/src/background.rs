//! A named thread that runs until told to stop, owned by a handle: the
//! publishing loops and naggers of the tests, stopped and joined when the
//! handle drops (a failing test leaves no thread behind).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

/// A named thread whose loop checks the flag it is given; dropping the
/// handle raises the flag and joins the thread.
#[derive(Debug)]
pub struct Background {
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Background {
    /// Starts `body` on a thread called `name`.
    ///
    /// # Panics
    /// When the thread cannot be started.
    pub fn spawn(name: &str, body: impl FnOnce(&AtomicBool) + Send + 'static) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name(name.into())
            .spawn(move || body(&flag))
            .unwrap_or_else(|e| panic!("cannot start the {name} thread: {e}"));
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// Starts a thread called `name` that runs `step` until stopped: a
    /// loop that only acts (publishes, sends) and has no state to hand back.
    ///
    /// # Panics
    /// When the thread cannot be started.
    pub fn repeat(name: &str, mut step: impl FnMut() + Send + 'static) -> Self {
        Self::spawn(name, move |stop| {
            while !stop.load(Ordering::Relaxed) {
                step();
            }
        })
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
