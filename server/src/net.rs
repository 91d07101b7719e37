//! The network thread: a named thread running a current-thread tokio
//! runtime that accepts viewers (when the server listens) and runs the
//! relay through NATS (when it has one), and owns every connection task.
//!
//! Shutdown: the owner cancels the token; the accept loop stops, each
//! connection says goodbye within the grace period (or is dropped), the
//! relay puts its goodbye within its own bound, the tracker is awaited, and
//! the thread ends. Nothing is spawned and forgotten.

use std::net::TcpListener as StdListener;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::connection::serve;
use crate::hub::Hub;
use crate::net_config::NetConfig;
use crate::pending::PendingHandshakes;
use crate::relay::{RelayConfig, RelayShared};
use crate::ServerError;

/// Connections allowed to be in their handshake at once; beyond that the
/// oldest pending handshake is cut (see `pending.rs`).
const MAX_PENDING_HANDSHAKES: usize = 128;

/// Owns the network thread; stopping it is bounded in time.
#[derive(Debug)]
pub(crate) struct NetThread {
    cancel: CancellationToken,
    thread: Option<JoinHandle<()>>,
}

/// The relay a network thread runs, if any: where it publishes, and what
/// it shares with `Server::stats`.
pub(crate) type RelayStart = (Arc<RelayConfig>, Arc<RelayShared>);

impl NetThread {
    /// Starts the thread: it accepts viewers on `listener` (if any) and
    /// runs the relay (if any).
    pub(crate) fn start(
        listener: Option<StdListener>,
        hub: Arc<Hub>,
        cfg: NetConfig,
        relay: Option<RelayStart>,
    ) -> Result<Self, ServerError> {
        if let Some(listener) = &listener {
            listener
                .set_nonblocking(true)
                .map_err(ServerError::Runtime)?;
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("plotcast-net")
            .build()
            .map_err(ServerError::Runtime)?;
        let cancel = CancellationToken::new();
        let token = cancel.clone();
        let thread = thread::Builder::new()
            .name("plotcast-net".into())
            .spawn(move || {
                runtime.block_on(run(listener, hub, Arc::new(cfg), relay, token));
            })
            .map_err(ServerError::Runtime)?;
        Ok(Self {
            cancel,
            thread: Some(thread),
        })
    }

    /// Stops everything and waits for the thread.
    pub(crate) fn stop(&mut self) {
        self.cancel.cancel();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!(target: "plotcast", "the network thread panicked");
            }
        }
    }
}

impl Drop for NetThread {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn run(
    listener: Option<StdListener>,
    hub: Arc<Hub>,
    cfg: Arc<NetConfig>,
    relay: Option<RelayStart>,
    cancel: CancellationToken,
) {
    let tracker = TaskTracker::new();
    if let Some((relay_cfg, shared)) = relay {
        start_relay(&tracker, relay_cfg, shared, &hub, &cancel);
    }
    match listener {
        Some(listener) => accept_loop(listener, &hub, &cfg, &tracker, &cancel).await,
        None => cancel.cancelled().await,
    }
    tracker.close();
    let bound = cfg.shutdown_grace.max(crate::relay::STOP_TIMEOUT) + Duration::from_secs(1);
    if timeout(bound, tracker.wait()).await.is_err() {
        // The runtime is dropped right after this, which drops the rest.
        tracing::warn!(target: "plotcast", "some connections did not stop within {} ms", bound.as_millis());
    }
}

#[cfg(feature = "nats")]
fn start_relay(
    tracker: &TaskTracker,
    cfg: Arc<RelayConfig>,
    shared: Arc<RelayShared>,
    hub: &Arc<Hub>,
    cancel: &CancellationToken,
) {
    hub.relayed
        .store(true, std::sync::atomic::Ordering::Relaxed);
    tracker.spawn(crate::relay::run(
        cfg,
        shared,
        Arc::clone(hub),
        cancel.clone(),
    ));
}

/// Without the `nats` feature the builder refuses NATS settings, so there
/// is never a relay to start.
#[cfg(not(feature = "nats"))]
fn start_relay(
    _tracker: &TaskTracker,
    _cfg: Arc<RelayConfig>,
    _shared: Arc<RelayShared>,
    _hub: &Arc<Hub>,
    _cancel: &CancellationToken,
) {
}

/// Accepts viewers until cancelled; each connection is a task of
/// `tracker`.
async fn accept_loop(
    listener: StdListener,
    hub: &Arc<Hub>,
    cfg: &Arc<NetConfig>,
    tracker: &TaskTracker,
    cancel: &CancellationToken,
) {
    let listener = match TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!(target: "plotcast", "cannot serve viewers: {err}");
            return cancel.cancelled().await;
        }
    };
    let handshakes = PendingHandshakes::new(MAX_PENDING_HANDSHAKES);
    let mut next_id: u64 = 0;
    let mut cut: u64 = 0;
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, addr)) => {
                next_id += 1;
                // Strangers cannot pile up connections that never handshake.
                let (pending, was_full) = handshakes.admit(next_id, cancel);
                if was_full {
                    // Under a flood this happens thousands of times: warn at
                    // 1, 2, 4, 8, ... so the log shows it without drowning.
                    cut += 1;
                    if cut.is_power_of_two() {
                        tracing::warn!(target: "plotcast", %addr,
                            "{MAX_PENDING_HANDSHAKES} handshakes in progress: cut the oldest to make room ({cut} cut so far)");
                    }
                }
                tracing::debug!(target: "plotcast", %addr, "accepted a connection");
                tracker.spawn(serve(
                    stream,
                    addr,
                    next_id,
                    Arc::clone(hub),
                    Arc::clone(cfg),
                    cancel.clone(),
                    pending,
                ));
            }
            Err(err) => {
                // Usually out of file descriptors: back off instead of spinning.
                tracing::warn!(target: "plotcast", "accept failed: {err}");
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            }
        }
    }
}
