//! Reading a run relayed through NATS (`plotcast-viewer
//! nats://host:4222/RUN`): the network thread's other source, beside the
//! direct connection. PROTOCOL.md, "Relay through NATS", is the layout
//! read here; the model merges the run's processes (`model::RunSet`).
//!
//! ```text
//!  address.rs   nats://[user:pass@]host:port[,host2:port2]/RUN   (always built)
//!  config.rs    RelayConfig: the address, creds, token, TLS files (always built)
//!  connect.rs   ConnectOptions, one attempt, auth failures told apart   ┐
//!  bucket.rs    the KV watch (headers only), a value fetched, the series │
//!               stream (plain or hub domain)                             │
//!  fetches.rs   which values to fetch, when the viewer is ready for them │
//!  streams.rs   those opened, and opened again, in the background        │ feature
//!  requests.rs  clock pings and view requests in flight                  │ `nats`
//!  parts.rs     a reply of several messages put back together            │
//!  state.rs     the status line's connection state                       │
//!  record.rs    the merged messages a recorder gets                      │
//!  source.rs    the loop: one method per event                           ┘
//! ```

pub mod address;
pub mod config;

#[cfg(feature = "nats")]
pub mod bucket;
#[cfg(feature = "nats")]
pub mod connect;
#[cfg(feature = "nats")]
mod fetches;
#[cfg(feature = "nats")]
pub mod parts;
#[cfg(feature = "nats")]
mod record;
#[cfg(feature = "nats")]
pub mod requests;
#[cfg(feature = "nats")]
mod source;
#[cfg(feature = "nats")]
pub mod state;
#[cfg(feature = "nats")]
mod streams;

pub use address::{is_relay_address, RelayAddress, UrlAuth, DEFAULT_NATS_PORT};
pub use config::RelayConfig;

use tokio_util::sync::CancellationToken;

use super::config::NetConfig;
use super::event::{NetEvent, NetOutcome};
use super::shared::Shared;
use crate::error::NetError;
use crate::recording::recorder::Recorder;

/// Whether this viewer reads relayed runs (cargo feature `nats`).
pub const SUPPORTED: bool = cfg!(feature = "nats");

/// Reads the run until cancelled: connects (retrying while the relay
/// cannot be reached, saying so), then runs the relay source.
///
/// # Errors
/// [`NetError::RelayAuth`] when the relay refuses the credentials,
/// [`NetError::RelaySetup`] when built without NATS.
#[cfg(feature = "nats")]
pub(crate) async fn run(
    cfg: &NetConfig,
    relay: &RelayConfig,
    shared: &Shared,
    wake: &(dyn Fn(NetEvent) + Send + Sync),
    cancel: &CancellationToken,
    recorder: &mut Option<Recorder>,
) -> Result<NetOutcome, NetError> {
    use crate::model::Connection;
    use connect::{connect, ConnectFailure, EVENT_QUEUE};

    let server = relay.address.server().to_owned();
    let set = |connection: Connection| {
        shared.update(|s| s.status.connection = connection);
        wake(NetEvent::Changed);
    };
    shared.update(|s| {
        s.status.address = cfg.addr.clone();
        s.status.relay = Some(crate::model::RelayStatus {
            server: server.clone(),
            run: relay.address.run.clone(),
            ..Default::default()
        });
        s.status.connection = Connection::Connecting;
    });
    wake(NetEvent::Changed);
    let (events_tx, events) = tokio::sync::mpsc::channel(EVENT_QUEUE);
    let mut backoff = cfg.backoff_initial;
    let mut attempt = 0u32;
    let client = loop {
        let result = tokio::select! {
            () = cancel.cancelled() => return Ok(NetOutcome::Cancelled),
            result = connect(relay, &cfg.peer_name, events_tx.clone()) => result,
        };
        attempt += 1;
        match result {
            Ok(client) => break client,
            Err(ConnectFailure::Refused(reason)) => {
                let err = NetError::RelayAuth {
                    addr: server.clone(),
                    reason,
                };
                set(Connection::Unreachable {
                    attempt,
                    reason: err.to_string(),
                    retrying: false,
                });
                return Err(err);
            }
            Err(ConnectFailure::Setup(reason)) => {
                set(Connection::Unreachable {
                    attempt,
                    reason: reason.clone(),
                    retrying: false,
                });
                return Err(NetError::RelaySetup(reason));
            }
            Err(ConnectFailure::Unreachable(why)) => {
                let reason = format!("cannot connect to the relay {server}: {why}");
                tracing::info!(attempt, "{reason}");
                set(Connection::Unreachable {
                    attempt,
                    reason: reason.clone(),
                    retrying: cfg.reconnect,
                });
                if !cfg.reconnect {
                    return Ok(NetOutcome::Lost { reason });
                }
            }
        }
        tokio::select! {
            () = cancel.cancelled() => return Ok(NetOutcome::Cancelled),
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(cfg.backoff_max);
    };
    let env = source::Env {
        cfg,
        relay,
        shared,
        wake,
        cancel,
        recorder,
    };
    source::Source::new(env, client, events).run().await
}

/// Without NATS support: says so.
///
/// # Errors
/// Always [`NetError::RelaySetup`].
#[cfg(not(feature = "nats"))]
pub(crate) async fn run(
    cfg: &NetConfig,
    _relay: &RelayConfig,
    _shared: &Shared,
    _wake: &(dyn Fn(NetEvent) + Send + Sync),
    _cancel: &CancellationToken,
    _recorder: &mut Option<Recorder>,
) -> Result<NetOutcome, NetError> {
    Err(NetError::RelaySetup(format!(
        "{}: this viewer was built without NATS support (cargo feature `nats`)",
        cfg.addr
    )))
}
