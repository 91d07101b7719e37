//! Connecting to the NATS relay: the options async-nats gets (every node
//! for failover, a 5 s ping so a dead node is noticed in seconds, the
//! credentials and TLS files), one attempt at a time, and the client's
//! events passed on through a bounded queue.
//!
//! The first connection is attempted without async-nats'
//! `retry_on_initial_connect`, which would turn a wrong password into an
//! endless silent retry: here an unreachable relay is retried by the
//! caller, saying so, and refused credentials end the viewer with a
//! message. Once connected, async-nats reconnects by itself, to any node.

use std::time::Duration;

use async_nats::{Client, ConnectErrorKind, ConnectOptions, Event};
use tokio::sync::mpsc;

use super::address::UrlAuth;
use super::config::RelayConfig;

/// The client pings the server this often: a dead node is noticed in
/// about two intervals (the default of 60 s takes minutes).
pub const NATS_PING_INTERVAL: Duration = Duration::from_secs(5);

/// Limit on one TCP and NATS handshake.
pub const NATS_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Client events waiting for the source; more are dropped (they only
/// update the status, and the connection state is read again anyway).
pub const EVENT_QUEUE: usize = 64;

/// Why an attempt failed.
#[derive(Debug)]
pub enum ConnectFailure {
    /// The relay refused the credentials: retrying will not help.
    Refused(String),
    /// A credentials file or the address cannot be used: retrying will
    /// not help either.
    Setup(String),
    /// The relay could not be reached (or the files cannot be read):
    /// try again later.
    Unreachable(String),
}

/// The options for async-nats, events going to `events`.
async fn options(
    cfg: &RelayConfig,
    peer_name: &str,
    events: mpsc::Sender<Event>,
) -> Result<ConnectOptions, ConnectFailure> {
    let tls_files = cfg
        .tls_ca
        .iter()
        .chain(cfg.tls_client.iter().flat_map(|(cert, key)| [cert, key]));
    for path in tls_files {
        if let Err(e) = std::fs::metadata(path) {
            return Err(ConnectFailure::Setup(format!(
                "cannot read the TLS file {}: {e}",
                path.display()
            )));
        }
    }
    let mut opts = ConnectOptions::new();
    if let Some(path) = &cfg.creds {
        opts = opts.credentials_file(path).await.map_err(|e| {
            ConnectFailure::Setup(format!(
                "cannot read the NATS credentials file {}: {e}",
                path.display()
            ))
        })?;
    }
    if let Some(token) = &cfg.token {
        opts = opts.token(token.clone());
    }
    match &cfg.address.auth {
        Some(UrlAuth::UserPassword(user, pass)) => {
            opts = opts.user_and_password(user.clone(), pass.clone());
        }
        Some(UrlAuth::Token(token)) => opts = opts.token(token.clone()),
        None => {}
    }
    if let Some(ca) = &cfg.tls_ca {
        opts = opts.add_root_certificates(ca.clone()).require_tls(true);
    }
    if let Some((cert, key)) = &cfg.tls_client {
        opts = opts.add_client_certificate(cert.clone(), key.clone());
    }
    if cfg.address.tls {
        opts = opts.require_tls(true);
    }
    Ok(opts
        .name(peer_name)
        .ping_interval(NATS_PING_INTERVAL)
        .connection_timeout(NATS_CONNECT_TIMEOUT)
        .max_reconnects(None)
        .reconnect_delay_callback(|attempt| {
            Duration::from_millis((attempt as u64).saturating_mul(100).min(1000))
        })
        .event_callback(move |event| {
            let events = events.clone();
            async move {
                // A full queue already says what the source needs to know.
                let _ = events.try_send(event);
            }
        }))
}

/// One attempt at connecting to any node of the relay.
///
/// # Errors
/// [`ConnectFailure::Refused`] for refused credentials,
/// [`ConnectFailure::Setup`] for a credentials file that cannot be read,
/// [`ConnectFailure::Unreachable`] otherwise.
pub async fn connect(
    cfg: &RelayConfig,
    peer_name: &str,
    events: mpsc::Sender<Event>,
) -> Result<Client, ConnectFailure> {
    let opts = options(cfg, peer_name, events).await?;
    let urls = cfg.address.urls();
    let addrs = urls
        .iter()
        .map(|u| u.parse::<async_nats::ServerAddr>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConnectFailure::Setup(format!("bad relay address: {e}")))?;
    opts.connect(addrs).await.map_err(|err| match err.kind() {
        ConnectErrorKind::AuthorizationViolation | ConnectErrorKind::Authentication => {
            ConnectFailure::Refused(err.to_string())
        }
        _ => ConnectFailure::Unreachable(err.to_string()),
    })
}
