//! Whether a server is still open, shared by the server and every channel
//! made on it: once `close()` (or `finish()`) has stopped it, the
//! channels' methods raise the error the server's do, instead of
//! publishing into a server nobody can reach.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pyo3::exceptions::PyRuntimeError;
use pyo3::PyErr;
use pyo3::PyResult;

/// The error of every method called after the server closed.
pub(crate) fn closed_error() -> PyErr {
    PyRuntimeError::new_err("the plotcast server is closed")
}

/// Open until [`close`](Self::close); cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Open(Arc<AtomicBool>);

impl Open {
    /// A server that has just started.
    pub(crate) fn new() -> Self {
        Self(Arc::new(AtomicBool::new(true)))
    }

    /// The server stopped: every later [`check`](Self::check) fails.
    pub(crate) fn close(&self) {
        self.0.store(false, Ordering::Release);
    }

    /// `Ok` while the server is open.
    ///
    /// # Errors
    /// [`closed_error`] once it is closed.
    pub(crate) fn check(&self) -> PyResult<()> {
        if self.0.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(closed_error())
        }
    }
}
