//! A child process that cannot outlive its test: killed and reaped when
//! its guard drops, and waited for with a timeout.

use std::process::{Child, ExitStatus};
use std::time::Duration;

use crate::wait::poll_for;

/// A child that is killed and reaped when the guard drops, so a failing
/// test leaves no process behind.
#[derive(Debug)]
pub struct KillOnDrop(pub Child);

impl KillOnDrop {
    /// The child's pid.
    pub fn pid(&self) -> i32 {
        pid_of(&self.0)
    }

    /// Waits for the child to exit.
    ///
    /// # Panics
    /// When it is still running after `timeout` (it is killed on drop),
    /// naming `what` was awaited.
    pub fn wait_exit(&mut self, what: &str, timeout: Duration) -> ExitStatus {
        wait_timeout(&mut self.0, timeout)
            .unwrap_or_else(|| panic!("timed out after {timeout:?} waiting for {what}"))
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The pid of a child, as the signal and `/proc` helpers take it.
pub fn pid_of(child: &Child) -> i32 {
    i32::try_from(child.id()).expect("pids fit in an i32 (pid_max is at most 2^22)")
}

/// Waits for a child to exit, at most `timeout`; `None` if it is still
/// running then.
pub fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    poll_for(timeout, || child.try_wait().ok().flatten())
}
