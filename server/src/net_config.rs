//! Settings of the network side, and the socket options they set.
//!
//! A leaf: the accept loop, each connection, its handshake and its writer
//! all read these settings, so they live below all of them.

use std::io;
use std::time::Duration;

use tokio::net::TcpStream;

/// Settings of the network side.
#[derive(Debug, Clone)]
pub(crate) struct NetConfig {
    pub(crate) token: Option<String>,
    pub(crate) max_viewers: usize,
    pub(crate) handshake_timeout: Duration,
    pub(crate) heartbeat_interval: Duration,
    pub(crate) heartbeat_timeout: Duration,
    pub(crate) shutdown_grace: Duration,
    pub(crate) notsent_lowat_bytes: u32,
}

/// TCP_NODELAY, and on Linux a low not-sent water mark so the kernel does
/// not queue seconds of stale frames.
pub(crate) fn configure_socket(stream: &TcpStream, cfg: &NetConfig) {
    if let Err(err) = stream.set_nodelay(true) {
        tracing::debug!(target: "plotcast", "cannot set TCP_NODELAY: {err}");
    }
    if let Err(err) = set_notsent_lowat(stream, cfg.notsent_lowat_bytes) {
        tracing::debug!(target: "plotcast", "cannot set TCP_NOTSENT_LOWAT: {err}");
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_notsent_lowat(stream: &TcpStream, bytes: u32) -> io::Result<()> {
    socket2::SockRef::from(stream).set_tcp_notsent_lowat(bytes)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_notsent_lowat(_stream: &TcpStream, _bytes: u32) -> io::Result<()> {
    Ok(())
}
