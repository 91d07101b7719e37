//! What the network thread tells the drawing side while it runs
//! ([`NetEvent`]) and how it ended ([`NetOutcome`]).

/// What the network thread tells the drawing side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetEvent {
    /// The shared state changed (a batch, a layout, the connection status).
    Changed,
    /// The network thread is about to end; join it for the outcome.
    Finished,
}

/// How the network thread ended without an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetOutcome {
    /// It was asked to stop.
    Cancelled,
    /// The server said the computation ended (only without reconnect).
    Ended {
        /// The server's words.
        reason: String,
    },
    /// The connection was lost or never made (only without reconnect).
    Lost {
        /// Why.
        reason: String,
    },
}
