//! [`Windowed`]: the best (lowest or highest) value seen over a sliding
//! window of time, as BBR's bandwidth and round-trip filters keep it. The
//! viewer's clock filter keeps minimum one-way delays with it, the server's
//! link model its best delivery rate.
//!
//! ```text
//!  samples (time, value), each better than every one before it is
//!  dropped as it comes:   max: 9 ─ 7 ─ 4 ─ 2   (front is the best)
//!  the front ages out after the window: the best of the rest stands
//! ```
//!
//! Each value is pushed and popped once: constant time per sample, memory
//! bounded by the samples within one window.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The best of the values added over the last window of time.
#[derive(Debug, Clone)]
pub struct Windowed<T> {
    /// `(time, value)`, best at the front; each entry is the best of what
    /// came from its time on.
    samples: VecDeque<(Instant, T)>,
    /// Highest is best (else lowest).
    highest: bool,
}

impl<T: PartialOrd + Copy> Windowed<T> {
    /// Keeps the lowest value.
    pub fn min() -> Self {
        Self {
            samples: VecDeque::new(),
            highest: false,
        }
    }

    /// Keeps the highest value.
    pub fn max() -> Self {
        Self {
            samples: VecDeque::new(),
            highest: true,
        }
    }

    /// Adds `value`, seen at `now`, and forgets what is older than
    /// `window` then. An older value no better than this one can never be
    /// the best again and goes at once.
    pub fn add(&mut self, value: T, now: Instant, window: Duration) {
        let highest = self.highest;
        let no_better = |old: T| if highest { old <= value } else { old >= value };
        while self.samples.back().is_some_and(|&(_, v)| no_better(v)) {
            self.samples.pop_back();
        }
        self.samples.push_back((now, value));
        while self
            .samples
            .front()
            .is_some_and(|&(at, _)| now.saturating_duration_since(at) > window)
        {
            self.samples.pop_front();
        }
    }

    /// The best value kept (it may be older than the window when nothing
    /// was added since).
    pub fn best(&self) -> Option<T> {
        self.samples.front().map(|&(_, v)| v)
    }

    /// The best value seen within `window` before `at`.
    pub fn best_within(&self, at: Instant, window: Duration) -> Option<T> {
        self.samples
            .iter()
            .find(|&&(t, _)| at.saturating_duration_since(t) <= window)
            .map(|&(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Duration = Duration::from_secs(2);

    fn at(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    #[test]
    fn the_best_stands_until_it_ages_out_then_the_best_after_it() {
        let t0 = Instant::now();
        let mut max = Windowed::max();
        for (ms, v) in [(0, 5.0), (500, 9.0), (1000, 7.0), (1500, 4.0)] {
            max.add(v, at(t0, ms), W);
        }
        assert_eq!(max.best(), Some(9.0));
        max.add(1.0, at(t0, 2600), W); // 9.0 (500 ms) is 2.1 s old: gone
        assert_eq!(max.best(), Some(7.0));
        assert_eq!(max.best_within(at(t0, 3400), W), Some(4.0));
        assert_eq!(max.best_within(at(t0, 5000), W), None);
    }

    #[test]
    fn min_keeps_the_lowest() {
        let t0 = Instant::now();
        let mut min = Windowed::min();
        for (ms, v) in [(0, 30_i64), (100, 10), (200, 20), (300, 10)] {
            min.add(v, at(t0, ms), W);
        }
        assert_eq!(min.best(), Some(10));
        // The newer of two equal values is kept: it ages out later.
        min.add(50, at(t0, 2250), W);
        assert_eq!(min.best(), Some(10));
        min.add(50, at(t0, 2350), W);
        assert_eq!(min.best(), Some(50));
    }
}
