//! Frames per second as the drawing side measures them.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Window over which the rate is measured.
const WINDOW: Duration = Duration::from_secs(2);

/// Most presents remembered (bounds memory at absurd frame rates).
const MAX_SAMPLES: usize = 1024;

/// Counts presented frames over the last two seconds.
#[derive(Debug, Default, Clone)]
pub struct FpsMeter {
    presents: VecDeque<Instant>,
}

impl FpsMeter {
    /// Records a frame presented at `now`.
    pub fn record(&mut self, now: Instant) {
        if self.presents.len() == MAX_SAMPLES {
            self.presents.pop_front();
        }
        self.presents.push_back(now);
    }

    /// Frames per second at `now`: 0 without at least two recent frames.
    pub fn fps(&mut self, now: Instant) -> f64 {
        while self
            .presents
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) > WINDOW)
        {
            self.presents.pop_front();
        }
        match (self.presents.front(), self.presents.back()) {
            (Some(&first), Some(&last)) if self.presents.len() >= 2 && last > first => {
                (self.presents.len() - 1) as f64 / (last - first).as_secs_f64()
            }
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_rate_and_decay() {
        let start = Instant::now();
        let mut meter = FpsMeter::default();
        for i in 0..=20 {
            meter.record(start + Duration::from_millis(50 * i));
        }
        let fps = meter.fps(start + Duration::from_secs(1));
        assert!((fps - 20.0).abs() < 1e-6, "{fps}");
        assert_eq!(meter.fps(start + Duration::from_secs(10)), 0.0);
    }
}
