//! One full-resolution snapshot of a server on a connection of its own:
//! what the window's export (`e`) writes when the data it shows was
//! reduced to the view.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::config::NetConfig;
use super::event::NetEvent;
use super::shared::Shared;
use super::thread::NetHandle;
use crate::error::NetError;
use crate::model::PlotState;

/// Connects with `cfg` asking for every value (no level of detail, no
/// reconnect), waits for the first batch and returns the state it gave.
///
/// # Errors
/// The connection's error, [`NetError::Closed`] when the server went away
/// first, [`NetError::Timeout`] when no batch came within `timeout`.
pub fn fetch_full(cfg: &NetConfig, timeout: Duration) -> Result<PlotState, NetError> {
    let cfg = NetConfig {
        level_of_detail: false,
        reconnect: false,
        peer_name: format!("{} (export)", cfg.peer_name),
        ..cfg.clone()
    };
    let shared = Arc::new(Shared::default());
    let (tx, rx) = mpsc::channel();
    let net = NetHandle::spawn(cfg, Arc::clone(&shared), move |event| {
        // The receiver is gone only once this function returned.
        let _ = tx.send(event);
    })?;
    let deadline = Instant::now() + timeout;
    loop {
        if shared.batch() >= 1 {
            let (state, _) = shared.snapshot();
            // Its outcome is of no interest once the data is here.
            let _ = net.shutdown();
            return Ok(state);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(NetEvent::Changed) => {}
            Ok(NetEvent::Finished) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(net.join().err().unwrap_or(NetError::Closed));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                net.stop();
                return Err(NetError::Timeout {
                    what: "fetching the full data",
                    after: timeout,
                });
            }
        }
    }
}
