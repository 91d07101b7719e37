//! Errors of the server library.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use thiserror::Error;

/// Why a [`Server`](crate::Server) could not start.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address we tried.
        addr: SocketAddr,
        /// What the system said.
        source: io::Error,
    },

    /// `PLOTCAST_ADDR` (or the builder's address) is not a socket address.
    #[error("invalid bind address {value:?} (from {origin}): expected HOST:PORT, for example 0.0.0.0:9000")]
    BadAddr {
        /// The text we got.
        value: String,
        /// Where it came from.
        origin: &'static str,
    },

    /// A non-loopback bind without an access token, when generating one was
    /// turned off.
    #[error("binding {addr} exposes the computation beyond this machine and needs an access token: set one with Server::builder().token(..) or PLOTCAST_TOKEN, allow a generated one, or opt out explicitly with .insecure_no_token() on a trusted network")]
    TokenRequired {
        /// The non-loopback address.
        addr: SocketAddr,
    },

    /// A setting is out of range.
    #[error("invalid setting {name}: {reason}")]
    Config {
        /// The setting.
        name: &'static str,
        /// The rule it breaks.
        reason: String,
    },

    /// The network thread or its runtime could not be started.
    #[error("cannot start the plotcast network thread: {0}")]
    Runtime(#[source] io::Error),

    /// The system random source could not be read.
    #[error("cannot read random bytes for the session id or token: {0}")]
    Random(#[source] io::Error),

    /// `PLOTCAST_NATS` (or the builder's [`nats`](crate::ServerBuilder::nats))
    /// names something that is not a NATS server's URL. Passwords in it are
    /// shown as `***`.
    #[error("invalid NATS server URL {value:?} (from {origin}): {reason}; expected nats://HOST:PORT (tls:// for TLS), several separated by commas")]
    NatsUrl {
        /// The text we got, credentials masked.
        value: String,
        /// Where it came from.
        origin: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A run or process name that is not a single NATS subject token.
    #[error("invalid NATS {what} name (from {origin}): {reason}")]
    NatsName {
        /// `run` or `process`.
        what: &'static str,
        /// Where it came from.
        origin: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A file NATS authentication needs (credentials, TLS certificate or
    /// key) cannot be read.
    #[error("cannot read the NATS {what} {path}: {source}")]
    NatsFile {
        /// Which file (`credentials file`, `TLS root CA`, ...).
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
}

/// Why a channel could not be created (the `try_` kind methods of
/// [`ChannelBuilder`](crate::ChannelBuilder), such as
/// [`try_line`](crate::ChannelBuilder::try_line)). The kind methods
/// without `try_` log it instead and return a handle whose publishes are
/// dropped.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// With this channel, the figure's layout (every channel's name and
    /// options) would be larger than a viewer accepts.
    #[error("cannot add channel {name:?}: with it the layout of {} channels would take {len} bytes, more than the {max} a viewer accepts; use fewer channels, or shorter names, titles and labels", channels + 1)]
    LayoutTooLarge {
        /// The channel's name.
        name: String,
        /// Channels the layout already has.
        channels: usize,
        /// Bytes the layout would take with it (its encoded header).
        len: u64,
        /// The limit (`plotcast_protocol::MAX_HEADER_BYTES`).
        max: u64,
    },

    /// The channel's description breaks a rule of the protocol.
    #[error("cannot add channel {name:?}: {source}")]
    Invalid {
        /// The channel's name.
        name: String,
        /// The rule it breaks.
        source: plotcast_protocol::ProtocolError,
    },
}

/// Why the viewer could not be launched. The computation goes on either way:
/// these are reported once, never returned from `start()`.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SpawnError {
    /// No `plotcast-viewer` binary was found anywhere we looked.
    #[error("plotcast-viewer was not found (looked in: {searched}); build it with `cargo build --release -p plotcast-viewer` in the plotcast workspace or install it with `cargo install --path client`, then start it by hand with `plotcast-viewer {addr}` or set PLOTCAST_VIEWER=/path/to/plotcast-viewer; the computation goes on without a window")]
    NotFound {
        /// What was searched, for the message.
        searched: String,
        /// The address to connect to.
        addr: String,
    },

    /// The viewer binary named with
    /// [`ServerBuilder::viewer_bin`](crate::ServerBuilder::viewer_bin) was
    /// not found next to the computation (and it does not run under cargo,
    /// which would have built it).
    #[error("the viewer {name} was not found (looked in: {searched}); build it next to the computation (`cargo build --release --bin {name}`, or `--example {name}` if it is an example) or name its path with ServerBuilder::viewer_path; the computation goes on without a window")]
    BinNotFound {
        /// The binary's name.
        name: String,
        /// Where we looked.
        searched: String,
    },

    /// The binary exists but could not be started.
    #[error("cannot start the viewer {path}: {source}")]
    Start {
        /// The binary.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },

    /// Building the viewer with cargo failed.
    #[error("building plotcast-viewer with cargo failed: {0}")]
    Build(String),
}
