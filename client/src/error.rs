//! Why a connection to the server ended or could not be made.

use std::time::Duration;

use plotcast_protocol::{ProtocolError, RejectCode};
use thiserror::Error;

/// Errors of the network side. Each says what happened in words a user can
/// act on; the status line shows them as they are.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NetError {
    /// The server refused the handshake; retrying will not help.
    #[error("the server at {addr} rejected this viewer: {reason} ({code:?}, server protocol version {server_version})")]
    Rejected {
        /// Server address.
        addr: String,
        /// Machine-readable reason.
        code: RejectCode,
        /// The server's own words.
        reason: String,
        /// Protocol version of the server.
        server_version: u16,
    },

    /// The NATS relay refused this viewer's credentials (user and
    /// password, token, creds file, TLS certificate); retrying will not
    /// help.
    #[error("the relay at {addr} refused this viewer: {reason} (check the user and password in the address, --nats-token, --nats-creds or the TLS files)")]
    RelayAuth {
        /// The relay's address (without credentials).
        addr: String,
        /// What NATS said.
        reason: String,
    },

    /// The relay cannot be used as given: a credentials or TLS file that
    /// cannot be read, or a viewer built without NATS (cargo feature
    /// `nats`); retrying will not help.
    #[error("{0}")]
    RelaySetup(String),

    /// The TCP connection could not be made.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// Server address.
        addr: String,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// A step that depends on the server took too long.
    #[error("{what} timed out after {:.1} s", after.as_secs_f64())]
    Timeout {
        /// What we were waiting for.
        what: &'static str,
        /// How long we waited.
        after: Duration,
    },

    /// The server closed the connection without a goodbye.
    #[error("the server closed the connection")]
    Closed,

    /// The server sent something this viewer cannot accept.
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),

    /// The server sent what this viewer never asked for or agreed to; the
    /// connection is closed (and, with reconnect, made again).
    #[error("protocol violation by the server: {0}")]
    Violation(#[from] Violation),

    /// The server sent a valid message at the wrong moment.
    #[error("unexpected {got} message {when}")]
    Unexpected {
        /// The message's name.
        got: &'static str,
        /// Where in the conversation.
        when: &'static str,
    },

    /// Reading from or writing to the socket failed.
    #[error("connection error: {0}")]
    Io(#[from] std::io::Error),

    /// The network thread could not start.
    #[error("cannot start the network thread: {0}")]
    Start(std::io::Error),
}

/// What a server may not send: each closes the connection, named in the
/// message (PROTOCOL.md: flow control and the codec negotiation).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Violation {
    /// A batch end numbered beyond the batches this viewer asked for.
    #[error("batch {batch} arrived, but this viewer granted batches up to {granted} only")]
    BatchBeyondGrant {
        /// The batch's number.
        batch: u64,
        /// The highest batch asked for.
        granted: u64,
    },
    /// A data frame when every batch asked for had ended.
    #[error("a data frame arrived after all {granted} batches this viewer granted had ended")]
    DataBeyondGrant {
        /// The highest batch asked for.
        granted: u64,
    },
    /// A batch end whose number is not the next one.
    #[error("batch end {got} out of order: the next batch is {expected}")]
    BatchOutOfOrder {
        /// The number received.
        got: u64,
        /// The number due.
        expected: u64,
    },
    /// A `Welcome.codec` this viewer does not know.
    #[error("the welcome names codec {codec}, which this viewer does not know")]
    UnknownCodec {
        /// The codec named.
        codec: u8,
    },
    /// A `Welcome.codec` this viewer knows but did not offer.
    #[error("the welcome names codec {codec}, which this viewer did not offer")]
    CodecNotOffered {
        /// The codec named.
        codec: u8,
    },
    /// A data frame compressed with a codec the handshake did not settle on.
    #[error("a data frame compressed with codec {found} on a connection whose codec is {negotiated}{}", if *.negotiated == plotcast_protocol::CODEC_NONE { " (no compression)" } else { "" })]
    UnsettledCodec {
        /// The frame's codec.
        found: u8,
        /// The connection's (`Welcome.codec`).
        negotiated: u8,
    },
}

impl NetError {
    /// True for errors that reconnecting cannot fix.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            NetError::Rejected { .. }
                | NetError::RelayAuth { .. }
                | NetError::RelaySetup(_)
                | NetError::Start(_)
        )
    }
}

/// Why a viewer run (window or headless) did not end well. Each maps to an
/// exit status (see [`RunError::exit_code`]).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RunError {
    /// The network side failed for good (a rejection among others).
    #[error(transparent)]
    Net(#[from] NetError),

    /// `--timeout` expired.
    #[error("timed out after {:.1} s: {progress}", after.as_secs_f64())]
    Timeout {
        /// The timeout.
        after: Duration,
        /// What had been done and the connection status.
        progress: String,
    },

    /// The server went away (without reconnect) before the viewer was done.
    #[error("{reason}, {progress}")]
    ServerGone {
        /// What had been done.
        progress: String,
        /// How the connection ended.
        reason: String,
    },

    /// A PNG could not be written.
    #[error("cannot write {}: {reason}", path.display())]
    Image {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },

    /// The window could not be opened or drawn.
    #[error("window: {0}")]
    Window(String),

    /// A recording could not be written.
    #[error(transparent)]
    Record(#[from] crate::recording::recorder::RecordError),

    /// A recording could not be replayed.
    #[error(transparent)]
    Replay(#[from] crate::recording::replay::ReplayError),

    /// A replay or export was asked for something the recording does not
    /// have (a time past its end, a plot it does not hold), or CSV could
    /// not be written.
    #[error("{0}")]
    Usage(String),
}

impl RunError {
    /// The process exit status for this error: 2 for a rejection, 3 for a
    /// timeout, 1 otherwise (see `plotcast-viewer --help`).
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Net(NetError::Rejected { .. } | NetError::RelayAuth { .. }) => {
                crate::cli::EXIT_REJECTED
            }
            RunError::Timeout { .. } => crate::cli::EXIT_TIMEOUT,
            _ => crate::cli::EXIT_ERROR,
        }
    }
}

/// The connection status in words, for messages.
pub fn describe(connection: &crate::model::Connection) -> String {
    use crate::model::Connection;
    match connection {
        Connection::Connecting => "connecting".into(),
        Connection::Connected => "connected".into(),
        Connection::Unreachable {
            attempt, reason, ..
        } => format!("never connected ({reason}; attempt {attempt})"),
        Connection::Reconnecting { attempt, reason } => {
            format!("reconnecting (attempt {attempt}; {reason})")
        }
        Connection::Ended { reason } => format!("computation ended ({reason})"),
        Connection::Interrupted { reason } => format!("computation interrupted ({reason})"),
        Connection::Lost { reason } => format!("connection lost ({reason})"),
        Connection::Stopped => "the computation stopped without a goodbye".to_string(),
    }
}
