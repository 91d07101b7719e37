//! [`UserEvent`]: what other threads tell the window's event loop.

use crate::net::NetEvent;

/// Events sent to the event loop (through its `EventLoopProxy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserEvent {
    /// From the network thread: see [`NetEvent`].
    Net(NetEvent),
    /// A line for the status line (and the terminal): what an export
    /// wrote, or why it could not.
    Notice(String),
}
