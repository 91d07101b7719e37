//! Why a step of the test peer failed: every variant names what was
//! awaited, so a failing test says what it was waiting for.

use std::io;
use std::time::Duration;

use plotcast_protocol::{Goodbye, Message, ProtocolError, Reject};

/// Why a test peer's step failed. Every variant names what was awaited.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// Nothing (or not enough) arrived in time.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        after: Duration,
    },
    /// The server closed the connection (end of stream).
    #[error("connection closed while waiting for {what}")]
    Closed {
        /// What was awaited.
        what: String,
    },
    /// The socket failed (a reset, for example).
    #[error("socket error while waiting for {what}: {source}")]
    Io {
        /// What was awaited.
        what: String,
        /// What the system said.
        source: io::Error,
    },
    /// The bytes were not a valid frame or message (a torn or corrupt frame).
    #[error("torn or corrupt frame while waiting for {what}: {source}")]
    Protocol {
        /// What was awaited.
        what: String,
        /// What the decoder said.
        source: ProtocolError,
    },
    /// The server refused the handshake.
    #[error("the server rejected us ({:?}): {}", .0.code, .0.reason)]
    Rejected(Reject),
    /// The server said goodbye.
    #[error("the server said goodbye ({:?}) while we waited for {what}: {}", .goodbye.code, .goodbye.reason)]
    Goodbye {
        /// What was awaited.
        what: String,
        /// The goodbye.
        goodbye: Goodbye,
    },
    /// A message that has no place here.
    #[error("unexpected {got:?} while waiting for {what}")]
    Unexpected {
        /// What was awaited.
        what: String,
        /// What came instead.
        got: Box<Message>,
    },
}

impl PeerError {
    /// Whether the connection is gone (closed or reset by the server).
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed { .. } | Self::Io { .. })
    }
}
