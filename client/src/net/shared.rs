//! The state shared by the network thread and the drawing side, and the
//! "presented" signal that paces the batches.
//!
//! ```text
//! network thread                         drawing side (window or headless)
//! ──────────────                         ─────────────────────────────────
//! apply batch to PlotState (lock)
//! batch += 1, wake the drawing side ───▶ snapshot() → (PlotState clone, batch)
//!                                        render, present / write the PNG
//!                                   ◀─── presented(batch), draw_period(d)
//! send Ready { drawn + window }
//! ```
//!
//! The lock is held only to apply one message or to clone a snapshot, never
//! across I/O or an `.await`. Batch numbers here count every batch applied
//! since the viewer started (across reconnects), so an acknowledgement from
//! an old connection can never release a batch of a new one early. The
//! drawing side also says how long it takes per frame, which sizes the
//! window of batches in flight (see [`crate::net::flow`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use plotcast_protocol::View;
use tokio::sync::watch;

use crate::model::PlotState;

/// How the drawing side draws each plot (for the server's level of
/// detail), and the layout version it drew.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Views {
    /// `PlotState::layout_version` of the drawing.
    pub layout_version: u64,
    /// One per plot drawn.
    pub views: Vec<View>,
}

/// The newest state plus the number of batches applied to it.
#[derive(Debug, Default)]
struct Latest {
    plot: PlotState,
    batch: u64,
}

/// What the network thread and the drawing side share.
#[derive(Debug)]
pub struct Shared {
    latest: Mutex<Latest>,
    presented: watch::Sender<u64>,
    /// The drawing side's time per frame, in µs.
    draw_period_us: AtomicU64,
    /// How the plots are drawn; the network thread sends what changed.
    views: watch::Sender<Views>,
}

/// The drawing period assumed until the drawing side says: one 60 Hz frame.
pub const DEFAULT_DRAW_PERIOD: Duration = Duration::from_micros(16_667);

impl Default for Shared {
    fn default() -> Self {
        Self::new(PlotState::default())
    }
}

impl Shared {
    /// Shared state starting from `plot`, nothing applied or presented yet.
    pub fn new(plot: PlotState) -> Self {
        Self {
            latest: Mutex::new(Latest { plot, batch: 0 }),
            presented: watch::Sender::new(0),
            draw_period_us: AtomicU64::new(DEFAULT_DRAW_PERIOD.as_micros() as u64),
            views: watch::Sender::new(Views::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Latest> {
        // A panic while holding the lock leaves a PlotState that is still
        // memory-safe and at worst half-updated: keep showing it.
        plotcast_protocol::util::lock(&self.latest)
    }

    /// Runs `f` on the state under the lock (keep `f` short: no I/O).
    pub fn update<R>(&self, f: impl FnOnce(&mut PlotState) -> R) -> R {
        f(&mut self.lock().plot)
    }

    /// Counts one more batch as applied and returns its number.
    pub fn finish_batch(&self) -> u64 {
        let mut latest = self.lock();
        latest.batch += 1;
        latest.batch
    }

    /// Number of batches applied so far.
    pub fn batch(&self) -> u64 {
        self.lock().batch
    }

    /// A copy of the newest state and the number of the last batch in it.
    pub fn snapshot(&self) -> (PlotState, u64) {
        let latest = self.lock();
        (latest.plot.clone(), latest.batch)
    }

    /// Tells the network thread that everything up to `batch` was drawn.
    pub fn presented(&self, batch: u64) {
        self.presented.send_if_modified(|seen| {
            let newer = batch > *seen;
            if newer {
                *seen = batch;
            }
            newer
        });
    }

    /// Records how long the drawing side takes per frame: the longer of its
    /// refresh cap and its drawing time.
    pub fn set_draw_period(&self, period: Duration) {
        let us = u64::try_from(period.as_micros()).unwrap_or(u64::MAX);
        self.draw_period_us.store(us.max(1), Ordering::Relaxed);
    }

    /// The drawing side's time per frame.
    pub fn draw_period(&self) -> Duration {
        Duration::from_micros(self.draw_period_us.load(Ordering::Relaxed))
    }

    /// Records how the plots were drawn (after a render of the state with
    /// `layout_version`); wakes the network thread only when it changed.
    pub fn set_views(&self, layout_version: u64, views: Vec<View>) {
        let next = Views {
            layout_version,
            views,
        };
        self.views.send_if_modified(|current| {
            let changed = *current != next;
            if changed {
                *current = next;
            }
            changed
        });
    }

    /// A receiver of the views, for the network thread.
    pub fn subscribe_views(&self) -> watch::Receiver<Views> {
        self.views.subscribe()
    }

    /// A receiver of the presented batch numbers, for the network thread.
    pub fn subscribe_presented(&self) -> watch::Receiver<u64> {
        self.presented.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presented_never_goes_back() {
        let shared = Shared::default();
        let rx = shared.subscribe_presented();
        shared.presented(3);
        shared.presented(2);
        assert_eq!(*rx.borrow(), 3);
    }

    #[test]
    fn batches_count_across_updates() {
        let shared = Shared::default();
        shared.update(|s| s.status.frames_received = 7);
        assert_eq!(shared.finish_batch(), 1);
        assert_eq!(shared.finish_batch(), 2);
        let (plot, batch) = shared.snapshot();
        assert_eq!((plot.status.frames_received, batch), (7, 2));
    }
}
