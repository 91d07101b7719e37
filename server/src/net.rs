//! The network thread: a named thread running a current-thread tokio
//! runtime that accepts viewers and owns every connection task.
//!
//! Shutdown: the owner cancels the token; the accept loop stops, each
//! connection says goodbye within the grace period (or is dropped), the
//! tracker is awaited, and the thread ends. Nothing is spawned and forgotten.

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

impl NetThread {
    pub(crate) fn start(
        listener: StdListener,
        hub: Arc<Hub>,
        cfg: NetConfig,
    ) -> Result<Self, ServerError> {
        listener
            .set_nonblocking(true)
            .map_err(ServerError::Runtime)?;
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
                runtime.block_on(run(listener, hub, Arc::new(cfg), token));
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

async fn run(listener: StdListener, hub: Arc<Hub>, cfg: Arc<NetConfig>, cancel: CancellationToken) {
    let listener = match TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!(target: "plotcast", "cannot serve viewers: {err}");
            return;
        }
    };
    let tracker = TaskTracker::new();
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
                let (pending, was_full) = handshakes.admit(next_id, &cancel);
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
                    Arc::clone(&hub),
                    Arc::clone(&cfg),
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
    drop(listener);
    tracker.close();
    let bound = cfg.shutdown_grace + Duration::from_secs(1);
    if timeout(bound, tracker.wait()).await.is_err() {
        // The runtime is dropped right after this, which drops the rest.
        tracing::warn!(target: "plotcast", "some connections did not stop within {} ms", bound.as_millis());
    }
}
