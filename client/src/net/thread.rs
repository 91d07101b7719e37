//! The network thread: a named thread running a `current_thread` tokio
//! runtime that connects, reconnects with backoff, and keeps the shared
//! [`PlotState`](crate::model::PlotState) up to date.
//!
//! It tells the drawing side about changes through a wake callback
//! (`EventLoopProxy::send_event` in window mode, a channel in headless mode);
//! wake-ups carry no data and may be merged, the data is in [`Shared`]. The
//! thread is stopped by [`NetHandle::shutdown`] (or on drop): it says
//! goodbye to the server, best effort, and returns how it ended.

use std::sync::Arc;
use std::thread::{self, JoinHandle};

use plotcast_protocol::GoodbyeCode;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::config::NetConfig;
use super::event::{NetEvent, NetOutcome};
use super::link::{End, Link};
use crate::error::NetError;
use crate::model::Connection;
use crate::net::shared::Shared;
use crate::recording::recorder::Recorder;

/// Name of the network thread.
pub const THREAD_NAME: &str = "plotcast-viewer-net";

/// Owns the network thread; stops and joins it on drop.
#[derive(Debug)]
pub struct NetHandle {
    cancel: CancellationToken,
    thread: Option<JoinHandle<Result<NetOutcome, NetError>>>,
}

impl NetHandle {
    /// Starts the network thread. `wake` is called from that thread.
    ///
    /// # Errors
    /// [`NetError::Start`] when the thread cannot be created.
    pub fn spawn(
        cfg: NetConfig,
        shared: Arc<Shared>,
        wake: impl Fn(NetEvent) + Send + Sync + 'static,
    ) -> Result<Self, NetError> {
        Self::spawn_recording(cfg, shared, wake, None)
    }

    /// Starts the network thread with a recorder, which it owns: every
    /// message it receives is offered to the recorder, and the recording
    /// is finished (flushed) when the thread ends.
    ///
    /// # Errors
    /// [`NetError::Start`] when the thread cannot be created.
    pub fn spawn_recording(
        cfg: NetConfig,
        shared: Arc<Shared>,
        wake: impl Fn(NetEvent) + Send + Sync + 'static,
        mut recorder: Option<Recorder>,
    ) -> Result<Self, NetError> {
        let cancel = CancellationToken::new();
        let token = cancel.clone();
        let thread = thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || {
                let result = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(NetError::Start)
                    .and_then(|rt| {
                        rt.block_on(async {
                            match &cfg.relay {
                                Some(relay) => {
                                    super::relay::run(
                                        &cfg,
                                        relay,
                                        &shared,
                                        &wake,
                                        &token,
                                        &mut recorder,
                                    )
                                    .await
                                }
                                None => {
                                    supervise(&cfg, &shared, &wake, &token, &mut recorder).await
                                }
                            }
                        })
                    });
                if let Some(recorder) = recorder.as_mut() {
                    recorder.finish();
                    let status = recorder.status();
                    shared.update(|s| s.status.recording = Some(status));
                }
                wake(NetEvent::Finished);
                result
            })
            .map_err(NetError::Start)?;
        Ok(Self {
            cancel,
            thread: Some(thread),
        })
    }

    /// True once the thread has ended (its outcome is ready).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Asks the thread to stop (it says goodbye to the server) without
    /// waiting for it.
    pub fn stop(&self) {
        self.cancel.cancel();
    }

    /// Stops the thread and waits for it.
    ///
    /// # Errors
    /// The error that ended the thread, if one did before the stop.
    pub fn shutdown(mut self) -> Result<NetOutcome, NetError> {
        self.cancel.cancel();
        self.join_thread()
    }

    /// Waits for the thread to end by itself (after [`NetEvent::Finished`]).
    ///
    /// # Errors
    /// The error that ended the thread.
    pub fn join(mut self) -> Result<NetOutcome, NetError> {
        self.join_thread()
    }

    fn join_thread(&mut self) -> Result<NetOutcome, NetError> {
        match self.thread.take().map(JoinHandle::join) {
            None => Ok(NetOutcome::Cancelled),
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
        }
    }
}

impl Drop for NetHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(thread) = self.thread.take() {
            // The outcome was not wanted; a panic there was already printed.
            let _ = thread.join();
        }
    }
}

/// Connects, and reconnects with backoff, until cancelled or (without
/// reconnect) the first connection ends.
async fn supervise(
    cfg: &NetConfig,
    shared: &Shared,
    wake: &(dyn Fn(NetEvent) + Send + Sync),
    cancel: &CancellationToken,
    recorder: &mut Option<Recorder>,
) -> Result<NetOutcome, NetError> {
    let mut presented = shared.subscribe_presented();
    let mut backoff = cfg.backoff_initial;
    let mut attempt = 0u32;
    // Why the last established session ended: shown while reconnecting,
    // rather than the "connection refused" of every later attempt.
    let mut session_end: Option<Connection> = None;
    shared.update(|s| {
        s.status.address = cfg.addr.clone();
        s.status.connection = Connection::Connecting;
    });
    wake(NetEvent::Changed);
    // Whether any connection of this viewer got through: until one does,
    // a failure is "cannot connect", not "connection lost".
    let mut ever_welcomed = false;
    loop {
        let mut welcomed = false;
        let mut link = Link {
            cfg,
            shared,
            wake,
            presented: &mut presented,
            cancel,
            recorder,
        };
        let result = link.run(&mut welcomed).await;
        // What waits for a tick is written now: the session is over.
        if let Some(recorder) = recorder.as_mut() {
            recorder.tick(std::time::Instant::now());
        }
        ever_welcomed |= welcomed;
        if welcomed {
            backoff = cfg.backoff_initial;
            attempt = 0;
            session_end = None;
        }
        let error = match result {
            Ok(End::Cancelled) => return Ok(NetOutcome::Cancelled),
            // A goodbye for a fault (protocol error, timeout, dropped as
            // stalled) is a lost connection, not the end of the computation.
            Ok(End::Goodbye { code, reason }) if !ends_normally(code) => {
                let reason = if reason.is_empty() {
                    format!("the server closed the connection ({code:?})")
                } else {
                    format!("the server closed the connection: {reason}")
                };
                warn!(addr = %cfg.addr, %reason, "server dropped this viewer");
                if !cfg.reconnect {
                    set_connection(
                        shared,
                        wake,
                        Connection::Lost {
                            reason: reason.clone(),
                        },
                    );
                    return Ok(NetOutcome::Lost { reason });
                }
                session_end = Some(Connection::Reconnecting {
                    attempt: 0,
                    reason: reason.clone(),
                });
                reason
            }
            Ok(End::Goodbye { code, reason }) => {
                let reason = if reason.is_empty() {
                    format!("{code:?}")
                } else {
                    reason
                };
                info!(addr = %cfg.addr, %reason, "server said goodbye");
                let ended = if code == GoodbyeCode::Interrupted {
                    Connection::Interrupted {
                        reason: reason.clone(),
                    }
                } else {
                    Connection::Ended {
                        reason: reason.clone(),
                    }
                };
                if !cfg.reconnect {
                    set_connection(shared, wake, ended);
                    return Ok(NetOutcome::Ended { reason });
                }
                session_end = Some(ended);
                format!("computation ended: {reason}")
            }
            Err(err) if err.is_fatal() || !cfg.reconnect => {
                let reason = err.to_string();
                // A clean close without a goodbye: the computation's process
                // went away (Ctrl-C, kill, crash), not the network.
                let connection = if matches!(err, NetError::Closed) && welcomed {
                    Connection::Stopped
                } else if !ever_welcomed {
                    Connection::Unreachable {
                        attempt: attempt + 1,
                        reason: reason.clone(),
                        retrying: false,
                    }
                } else {
                    Connection::Lost {
                        reason: reason.clone(),
                    }
                };
                set_connection(shared, wake, connection);
                return if err.is_fatal() {
                    Err(err)
                } else {
                    Ok(NetOutcome::Lost { reason })
                };
            }
            Err(err) if welcomed => {
                warn!(addr = %cfg.addr, "connection lost: {err}; reconnecting");
                let reason = format!("connection lost: {err}");
                session_end = Some(Connection::Reconnecting {
                    attempt: 0,
                    reason: reason.clone(),
                });
                reason
            }
            // A server that breaks the protocol in its welcome is not
            // merely unreachable: said as loudly as a lost connection.
            Err(err @ NetError::Violation(_)) => {
                warn!(addr = %cfg.addr, attempt, "no connection: {err}; reconnecting");
                err.to_string()
            }
            Err(err) => {
                info!(addr = %cfg.addr, attempt, "no connection: {err}");
                err.to_string()
            }
        };
        attempt += 1;
        // After a goodbye the status keeps saying "computation ended" while
        // we wait for a new server; after a loss it counts the attempts.
        let connection = match &session_end {
            Some(ended @ (Connection::Ended { .. } | Connection::Interrupted { .. })) => {
                ended.clone()
            }
            Some(Connection::Reconnecting { reason, .. }) => Connection::Reconnecting {
                attempt,
                reason: reason.clone(),
            },
            _ if !ever_welcomed => Connection::Unreachable {
                attempt,
                reason: error,
                retrying: true,
            },
            _ => Connection::Reconnecting {
                attempt,
                reason: error,
            },
        };
        set_connection(shared, wake, connection);
        tokio::select! {
            () = cancel.cancelled() => return Ok(NetOutcome::Cancelled),
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(cfg.backoff_max);
    }
}

/// True for the goodbyes of a computation that ended (or a server that
/// closed normally), false for faults.
fn ends_normally(code: GoodbyeCode) -> bool {
    matches!(
        code,
        GoodbyeCode::Normal | GoodbyeCode::ComputationEnded | GoodbyeCode::Interrupted
    )
}

fn set_connection(
    shared: &Shared,
    wake: &(dyn Fn(NetEvent) + Send + Sync),
    connection: Connection,
) {
    shared.update(|s| s.status.connection = connection);
    wake(NetEvent::Changed);
}
