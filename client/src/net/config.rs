//! [`NetConfig`]: the settings of the network side.

use std::time::Duration;

use plotcast_protocol::DEFAULT_MAX_FRAME_BYTES;

use super::relay::config::RelayConfig;

/// Settings of the network side.
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// Server address, `host:port`; for a relayed run, its address
    /// without credentials (`nats://host:4222/run`).
    pub addr: String,
    /// Read a run relayed through NATS instead of connecting to a server.
    pub relay: Option<RelayConfig>,
    /// Access token for the handshake.
    pub token: Option<String>,
    /// Name sent in the handshake (shown in the server's logs).
    pub peer_name: String,
    /// Reconnect when the server goes away (a viewer started by hand);
    /// `false` keeps the final state (a viewer launched by the server).
    pub reconnect: bool,
    /// Largest frame accepted from the server after the handshake.
    pub max_frame_bytes: usize,
    /// Ask for compressed data frames: `Some(true)` always, `Some(false)`
    /// never, `None` when the server is not on this machine.
    pub compress: Option<bool>,
    /// Tell the server how each plot is drawn, so it sends data reduced to
    /// what the plot can show (level of detail); `false`: full data.
    pub level_of_detail: bool,
    /// The canvas the drawing side will draw on (pixels): with level of
    /// detail on a compressed (remote) connection, the Hello asks for an
    /// overview, so the first batch comes right after the layout, reduced
    /// for it, one round trip sooner. `None`: the first batch waits for
    /// the first Views.
    pub overview: Option<(u32, u32)>,
    /// Acknowledge the bytes received (`Ack`), so the server keeps about
    /// one bandwidth-delay product in flight and a slow link queues no
    /// stale frames; `false`: only whole batches bound what is in flight
    /// (as before protocol version 4).
    pub acknowledge: bool,
    /// Limit on one TCP connect.
    pub connect_timeout: Duration,
    /// Limit on the wait for `Welcome` after `Hello`.
    pub handshake_timeout: Duration,
    /// How often we ping the server.
    pub ping_interval: Duration,
    /// Silence after which the server is taken for gone, when its `Welcome`
    /// does not say.
    pub heartbeat_timeout: Duration,
    /// First pause between reconnect attempts; doubled after each failure.
    pub backoff_initial: Duration,
    /// Longest pause between reconnect attempts.
    pub backoff_max: Duration,
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            addr: format!("{}:{}", crate::cli::DEFAULT_HOST, crate::cli::DEFAULT_PORT),
            relay: None,
            token: None,
            peer_name: default_peer_name(),
            reconnect: true,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            compress: None,
            level_of_detail: true,
            overview: None,
            acknowledge: true,
            connect_timeout: Duration::from_secs(5),
            handshake_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(2),
            heartbeat_timeout: Duration::from_secs(10),
            backoff_initial: Duration::from_millis(200),
            backoff_max: Duration::from_secs(2),
        }
    }
}

/// `plotcast-viewer@<hostname>` (or `@pid<N>` when the host has no name).
pub fn default_peer_name() -> String {
    match plotcast_protocol::util::host_name() {
        Some(host) => format!("plotcast-viewer@{host}"),
        None => format!("plotcast-viewer@pid{}", std::process::id()),
    }
}
