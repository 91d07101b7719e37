//! When the window draws: at most once per display refresh.
//!
//! Data may arrive hundreds of times a second; no display shows more than
//! its refresh rate, and every extra frame costs CPU the computation may
//! need. So a change only marks a draw as due; the draw happens at the
//! next refresh slot, showing the newest state at that moment (latest value
//! wins at the drawing side too: changes between two slots replace each
//! other, they never queue).
//!
//! The pacer also measures how long drawing takes; the longer of that and
//! the refresh period is the drawing period that sizes the window of
//! batches in flight (see [`crate::net::flow`]).

use std::time::{Duration, Instant};

/// The refresh rate assumed when the display does not report one.
pub const DEFAULT_REFRESH_HZ: f64 = 60.0;

/// Decides when the next draw may happen.
#[derive(Debug, Clone)]
pub struct Pacer {
    /// Shortest time between two draws; `None`: unlimited.
    period: Option<Duration>,
    /// When the last draw started.
    last: Option<Instant>,
    /// Something new waits to be drawn.
    due: bool,
    /// Smoothed time one draw takes.
    draw_time: Option<Duration>,
}

impl Pacer {
    /// A pacer allowing `max_fps` draws a second (`None` or a non-positive
    /// rate: unlimited).
    pub fn new(max_fps: Option<f64>) -> Self {
        let period = max_fps
            .filter(|f| f.is_finite() && *f > 0.0)
            .map(|f| Duration::from_secs_f64(1.0 / f));
        Self {
            period,
            last: None,
            due: false,
            draw_time: None,
        }
    }

    /// The shortest time between two draws, if limited.
    pub fn period(&self) -> Option<Duration> {
        self.period
    }

    /// Marks a draw as due (new data, a status change, user input).
    pub fn request(&mut self) {
        self.due = true;
    }

    /// True when a draw is due.
    pub fn is_due(&self) -> bool {
        self.due
    }

    /// The earliest time the next draw may start.
    pub fn slot(&self) -> Option<Instant> {
        match (self.last, self.period) {
            (Some(last), Some(period)) => Some(last + period),
            _ => None,
        }
    }

    /// True when a due draw may happen at `now`.
    pub fn should_draw(&self, now: Instant) -> bool {
        self.due && self.slot().is_none_or(|slot| now >= slot)
    }

    /// When to wake up for the next due draw (`None`: nothing due, or it
    /// may happen at once).
    pub fn wake_at(&self) -> Option<Instant> {
        if self.due {
            self.slot()
        } else {
            None
        }
    }

    /// Records a draw (or, while paused, an acknowledgement standing for
    /// one) that started at `started` and ended at `ended`.
    pub fn drew(&mut self, started: Instant, ended: Instant) {
        self.due = false;
        self.last = Some(started);
        let took = ended.saturating_duration_since(started);
        self.draw_time = Some(match self.draw_time {
            None => took,
            Some(old) => old.mul_f64(0.8) + took.mul_f64(0.2),
        });
    }

    /// Time per frame: the refresh period or the drawing time, whichever
    /// is longer.
    pub fn draw_period(&self) -> Duration {
        let period = self.period.unwrap_or(Duration::ZERO);
        period.max(self.draw_time.unwrap_or(Duration::ZERO))
    }
}

/// The draws per second to allow: `--max-fps` if given (0: unlimited),
/// else the display's refresh rate, else [`DEFAULT_REFRESH_HZ`].
pub fn max_fps(option: Option<u32>, display_millihertz: Option<u32>) -> Option<f64> {
    match option {
        Some(0) => None,
        Some(fps) => Some(f64::from(fps)),
        None => Some(
            display_millihertz
                .filter(|&mhz| mhz >= 1000)
                .map_or(DEFAULT_REFRESH_HZ, |mhz| f64::from(mhz) / 1000.0),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_at_most_once_per_period_and_only_when_due() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut pacer = Pacer::new(Some(50.0));
        assert!(!pacer.should_draw(t0), "nothing due");
        pacer.request();
        assert!(pacer.should_draw(t0), "the first draw is never held back");
        pacer.drew(t0, t0 + ms(3));
        // Many changes within one period make one draw at the slot.
        pacer.request();
        pacer.request();
        assert!(!pacer.should_draw(t0 + ms(10)));
        assert_eq!(pacer.wake_at(), Some(t0 + ms(20)));
        assert!(pacer.should_draw(t0 + ms(20)));
        pacer.drew(t0 + ms(20), t0 + ms(23));
        assert_eq!(pacer.wake_at(), None, "nothing due after drawing");
        assert_eq!(pacer.draw_period(), ms(20));
    }

    #[test]
    fn a_slow_draw_sets_the_period_and_unlimited_never_waits() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(Some(60.0));
        pacer.request();
        pacer.drew(t0, t0 + Duration::from_millis(40));
        assert_eq!(pacer.draw_period(), Duration::from_millis(40));
        let mut free = Pacer::new(None);
        free.request();
        free.drew(t0, t0);
        free.request();
        assert!(free.should_draw(t0));
        assert_eq!(free.wake_at(), None);
    }

    #[test]
    fn the_rate_comes_from_the_option_then_the_display() {
        assert_eq!(max_fps(Some(0), Some(144_000)), None);
        assert_eq!(max_fps(Some(30), Some(144_000)), Some(30.0));
        assert_eq!(max_fps(None, Some(144_000)), Some(144.0));
        assert_eq!(max_fps(None, Some(0)), Some(60.0));
        assert_eq!(max_fps(None, None), Some(60.0));
    }
}
