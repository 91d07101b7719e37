//! The handshake of a new connection, and refusing one.
//!
//! ```text
//! viewer                              server
//!   Hello{magic,version,token,name} ─▶  read with a 4 KiB frame limit,
//!                                       within handshake_timeout
//!                                  ◀─  Welcome (see connection.rs)
//!                                  ◀─  or Reject{code,reason}, FIN, brief drain
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::StreamExt;
use plotcast_protocol::{
    encode, Hello, Message, ProtocolError, Reject, RejectCode, MAX_NAME_BYTES, MAX_TOKEN_BYTES,
    VERSION,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use crate::access::token_ok;
use crate::conn_state::Reader;
use crate::net_config::NetConfig;

/// A refused handshake: what to tell the peer (if anything) and what to log.
pub(crate) struct Refusal {
    reject: Option<Reject>,
    reason: String,
}

impl Refusal {
    pub(crate) fn reject(code: RejectCode, reason: String) -> Self {
        Self {
            reject: Some(Reject {
                code,
                reason: reason.clone(),
                server_version: VERSION,
            }),
            reason,
        }
    }

    fn close(reason: String) -> Self {
        Self {
            reject: None,
            reason,
        }
    }
}

/// Reads and checks the Hello. `cut` ends the wait early: it is cancelled
/// when the server stops (`shutdown`) or evicts this pending handshake.
pub(crate) async fn handshake(
    reader: &mut Reader,
    cfg: &NetConfig,
    cut: &CancellationToken,
    shutdown: &CancellationToken,
) -> Result<Hello, Refusal> {
    let next = tokio::select! {
        () = cut.cancelled() => return Err(Refusal::close(if shutdown.is_cancelled() {
            "server stopped during the handshake".into()
        } else {
            "handshake cut: too many handshakes in progress, this one the oldest".into()
        })),
        next = timeout(cfg.handshake_timeout, reader.next()) => next,
    };
    let ms = cfg.handshake_timeout.as_millis();
    let body = match next {
        Err(_) => {
            return Err(Refusal::reject(
                RejectCode::BadHandshake,
                format!("no handshake within {ms} ms"),
            ))
        }
        Ok(None) => return Err(Refusal::close("closed before the handshake".into())),
        Ok(Some(Err(ProtocolError::Io(err)))) => {
            return Err(Refusal::close(format!(
                "read error during the handshake: {err}"
            )))
        }
        Ok(Some(Err(err))) => {
            return Err(Refusal::reject(
                RejectCode::BadHandshake,
                format!("bad handshake: {err}"),
            ))
        }
        Ok(Some(Ok(body))) => body,
    };
    match plotcast_protocol::decode(body) {
        Ok(Message::Hello(hello)) => {
            if let Some(refusal) = over_limits(&hello) {
                Err(refusal)
            } else if token_ok(cfg.token.as_deref(), hello.token.as_deref()) {
                Ok(hello)
            } else {
                let reason = if hello.token.is_none() {
                    "this server requires an access token (plotcast-viewer --token TOKEN, or PLOTCAST_TOKEN)"
                } else {
                    "wrong access token"
                };
                Err(Refusal::reject(RejectCode::BadToken, reason.into()))
            }
        }
        Ok(other) => Err(Refusal::reject(
            RejectCode::BadHandshake,
            format!("expected a hello, got a {} message", other.name()),
        )),
        Err(err @ ProtocolError::BadMagic { .. }) => Err(Refusal::close(err.to_string())),
        Err(ProtocolError::UnsupportedVersion { peer, ours }) => Err(Refusal::reject(
            RejectCode::Version,
            format!(
                "protocol version mismatch: the viewer speaks version {peer}, this server speaks version {ours}; use matching plotcast and plotcast-viewer versions"
            ),
        )),
        Err(err) => Err(Refusal::reject(
            RejectCode::BadHandshake,
            format!("bad handshake: {err}"),
        )),
    }
}

/// The Hello limits of PROTOCOL.md: a longer name or token is a malformed
/// handshake (Reject code 4), checked before the token is compared.
fn over_limits(hello: &Hello) -> Option<Refusal> {
    let too_long = |what: &str, len: usize, max: usize| {
        Refusal::reject(
            RejectCode::BadHandshake,
            format!("bad handshake: the {what} is {len} bytes, the limit is {max}"),
        )
    };
    if hello.peer_name.len() > MAX_NAME_BYTES {
        return Some(too_long("peer name", hello.peer_name.len(), MAX_NAME_BYTES));
    }
    match &hello.token {
        Some(token) if token.len() > MAX_TOKEN_BYTES => {
            Some(too_long("access token", token.len(), MAX_TOKEN_BYTES))
        }
        _ => None,
    }
}

/// Reads and drops what the peer still sends, until it closes its side
/// or `within` passed (at most 256 KiB): closing a socket with unread
/// bytes makes the kernel send RST, not FIN, and an RST can destroy the
/// last message we wrote (a rejection, a goodbye) before the peer reads
/// it.
pub(crate) async fn drain(reader: &mut Reader, within: Duration) {
    let mut sink = [0u8; 4096];
    let mut budget = 256 * 1024usize;
    let drain = async {
        while budget > 0 {
            match reader.get_mut().read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => budget = budget.saturating_sub(n),
            }
        }
    };
    let _ = timeout(within, drain).await;
}

/// Sends the rejection (if any), closes our side, and drains what the peer
/// still sends for a moment so the kernel closes with FIN, not RST (an RST
/// could destroy the rejection before the peer reads it).
pub(crate) async fn refuse(
    reader: &mut Reader,
    wr: &mut OwnedWriteHalf,
    refusal: Refusal,
    addr: SocketAddr,
    shutdown: &CancellationToken,
) {
    if shutdown.is_cancelled() {
        tracing::debug!(target: "plotcast", %addr, "connection closed: {}", refusal.reason);
    } else {
        tracing::warn!(target: "plotcast", %addr, "connection refused: {}", refusal.reason);
    }
    let linger = async {
        if let Some(reject) = refusal.reject {
            if let Ok(bytes) = encode(&Message::Reject(reject)) {
                let _ = timeout(Duration::from_secs(1), wr.write_all(&bytes)).await;
            }
        }
        let _ = wr.shutdown().await;
        drain(reader, Duration::from_millis(500)).await;
    };
    tokio::select! {
        () = shutdown.cancelled() => {}
        () = linger => {}
    }
}
