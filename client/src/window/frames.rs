//! When the window draws and what it has drawn: the [`Pacer`] (one draw
//! per display refresh at most), the frame rate, and the batches drawn and
//! acknowledged to the network thread.

use std::time::{Duration, Instant};

use crate::net::Shared;
use crate::pacing::{FpsMeter, Pacer};

/// Longest time without a redraw: the status line (frame age, fps,
/// connection) is redrawn at least this often.
const STATUS_REFRESH: Duration = Duration::from_secs(1);

/// The window's drawing clock and counters.
pub(super) struct Frames {
    /// When the next draw may happen.
    pub(super) pacer: Pacer,
    /// Measures frames that showed a new batch (status refreshes and
    /// redraws for zoom or pan do not count).
    fps: FpsMeter,
    /// Presents in all (what the `--ready-file` counts).
    pub(super) presented: u64,
    /// Presents that showed a new batch (what `--frames` counts).
    pub(super) batches_shown: u64,
    /// When the window was last drawn, and the batch it showed.
    last_draw: Option<Instant>,
    drawn_batch: u64,
    /// The newest batch acknowledged to the network thread.
    acked_batch: u64,
}

impl Frames {
    pub(super) fn new(pacer: Pacer) -> Self {
        Self {
            pacer,
            fps: FpsMeter::default(),
            presented: 0,
            batches_shown: 0,
            last_draw: None,
            drawn_batch: 0,
            acked_batch: 0,
        }
    }

    /// Frames per second now.
    pub(super) fn fps(&mut self, now: Instant) -> f64 {
        self.fps.fps(now)
    }

    /// Tells the network thread that everything up to `batch` was dealt
    /// with, and how long a frame takes here.
    pub(super) fn acknowledge(&mut self, shared: &Shared, batch: u64) {
        self.acked_batch = self.acked_batch.max(batch);
        shared.set_draw_period(self.pacer.draw_period());
        shared.presented(batch);
    }

    /// A draw of `batch` started at `started` was presented; `counts`: it
    /// showed live data (not a paused copy).
    pub(super) fn presented(&mut self, started: Instant, batch: u64, counts: bool) {
        self.presented += 1;
        if batch > self.drawn_batch && counts {
            self.fps.record(started);
            self.batches_shown += 1;
        }
        self.drawn_batch = batch;
        self.last_draw = Some(started);
        self.pacer.drew(started, Instant::now());
    }

    /// Nothing could be drawn (a minimised window): count it as a draw so
    /// the status refresh does not ask again on every turn of the loop.
    pub(super) fn skipped(&mut self, now: Instant) {
        self.last_draw = Some(now);
        self.pacer.drew(now, now);
    }

    /// When the status line must be redrawn even without news.
    pub(super) fn status_refresh(&self) -> Option<Instant> {
        self.last_draw.map(|t| t + STATUS_REFRESH)
    }

    /// Paused: acknowledges what arrived at the drawing rate (the newest
    /// data keeps coming without being drawn). Returns when to come back
    /// for this, if batches wait.
    pub(super) fn ack_paused(&mut self, shared: &Shared, now: Instant) -> Option<Instant> {
        let batch = shared.batch();
        if batch <= self.acked_batch {
            return None;
        }
        if !self.pacer.is_due() && self.pacer.slot().is_none_or(|slot| now >= slot) {
            self.pacer.drew(now, now);
            self.acknowledge(shared, batch);
        }
        (batch > self.acked_batch)
            .then(|| self.pacer.slot())
            .flatten()
    }
}
