//! Clocks across machines: the round trip and the offset between two
//! peers' clocks, estimated from Ping/Pong exchanges the way NTP does.
//!
//! ```text
//!   this side          t0 ──Ping{sent_us: t0}──▶ t1           other side
//!                      t3 ◀──Pong{t0, t1, t2}─── t2
//!   round trip = (t3 - t0) - (t2 - t1)
//!   offset     = ((t1 - t0) + (t2 - t3)) / 2      (other clock - this clock)
//! ```
//!
//! The offset of one exchange is exact when the two directions take equally
//! long; queueing makes them differ, and the error is at most half the
//! round trip. So the estimator keeps the exchanges of a sliding window and
//! believes the one with the smallest round trip: the one least disturbed
//! by queues.

use std::collections::VecDeque;

use thiserror::Error;

use crate::{Ping, Pong, MAX_CLOCK_OFFSET_US};

impl Ping {
    /// A ping leaving now (`sent_us` is the caller's clock).
    pub fn at(nonce: u64, sent_us: u64) -> Self {
        Self { nonce, sent_us }
    }
}

impl Pong {
    /// The answer to `ping`, which arrived at `received_us` and is answered
    /// at `sent_us` (the answering side's clock).
    pub fn answer(ping: &Ping, received_us: u64, sent_us: u64) -> Self {
        Self {
            nonce: ping.nonce,
            ping_sent_us: ping.sent_us,
            received_us,
            sent_us,
        }
    }
}

/// One Ping/Pong exchange, reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSample {
    /// Time on the wire, both ways (the answering side's own delay removed).
    pub round_trip_us: u64,
    /// The other clock minus this one, in µs.
    pub offset_us: i64,
}

/// Why a Pong is not a clock sample: its timestamps cannot be right (a
/// broken or hostile peer). The receiver ignores it and keeps its
/// estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ImpossibleSample {
    /// The other side says it answered before it received the ping.
    #[error("the peer answered {held_us} µs before it received the ping")]
    AnsweredBeforeReceived {
        /// How long before (µs).
        held_us: u64,
    },
    /// The peer claims to have held the ping longer than the whole
    /// exchange took (or the pong arrived before its ping left).
    #[error("its round trip is negative ({round_trip_us} µs)")]
    NegativeRoundTrip {
        /// The round trip it gives (µs, saturated).
        round_trip_us: i64,
    },
    /// A round trip longer than this connection has existed.
    #[error("its round trip of {round_trip_us} µs is longer than the connection has existed ({connected_us} µs)")]
    LongerThanConnection {
        /// The round trip it gives (µs).
        round_trip_us: u64,
        /// How long the connection has existed (µs).
        connected_us: u64,
    },
    /// Clocks further apart than any plausible clock error.
    #[error("its clock offset of {offset_us} µs is beyond ±{MAX_CLOCK_OFFSET_US} µs (24 h)")]
    OffsetTooLarge {
        /// The offset it gives (µs, saturated).
        offset_us: i64,
    },
}

/// `value` as an i64, saturated.
fn saturate(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

impl ClockSample {
    /// The sample of an exchange: `pong` answered a ping of ours and arrived
    /// at `received_us` (our clock), on a connection that has existed for
    /// `connected_us`.
    ///
    /// # Errors
    /// [`ImpossibleSample`] when the timestamps cannot be right: a negative
    /// round trip, one longer than the connection has existed, an answer
    /// before the ping arrived, or clocks more than
    /// [`MAX_CLOCK_OFFSET_US`] apart. Believing such a sample would show a
    /// clock offset of `i64::MAX` and ages of centuries.
    pub fn from_pong(
        pong: &Pong,
        received_us: u64,
        connected_us: u64,
    ) -> Result<Self, ImpossibleSample> {
        let [t0, t1, t2, t3] = [
            pong.ping_sent_us,
            pong.received_us,
            pong.sent_us,
            received_us,
        ]
        .map(i128::from);
        if t2 < t1 {
            return Err(ImpossibleSample::AnsweredBeforeReceived {
                held_us: u64::try_from(t1 - t2).unwrap_or(u64::MAX),
            });
        }
        let round_trip = (t3 - t0) - (t2 - t1);
        let Ok(round_trip_us) = u64::try_from(round_trip) else {
            return Err(ImpossibleSample::NegativeRoundTrip {
                round_trip_us: saturate(round_trip),
            });
        };
        if round_trip_us > connected_us {
            return Err(ImpossibleSample::LongerThanConnection {
                round_trip_us,
                connected_us,
            });
        }
        let offset = ((t1 - t0) + (t2 - t3)) / 2;
        if offset.abs() > i128::from(MAX_CLOCK_OFFSET_US) {
            return Err(ImpossibleSample::OffsetTooLarge {
                offset_us: saturate(offset),
            });
        }
        Ok(Self {
            round_trip_us,
            // Within ±24 h: exact.
            offset_us: saturate(offset),
        })
    }
}

/// Exchanges remembered by default: at a ping every second or two, the
/// best of the last half minute or so.
pub const DEFAULT_CLOCK_WINDOW: usize = 16;

/// Keeps the last exchanges and believes the one with the smallest round
/// trip.
#[derive(Debug, Clone)]
pub struct ClockEstimator {
    window: usize,
    samples: VecDeque<ClockSample>,
    last: Option<ClockSample>,
}

impl Default for ClockEstimator {
    fn default() -> Self {
        Self::new(DEFAULT_CLOCK_WINDOW)
    }
}

impl ClockEstimator {
    /// An estimator over the last `window` exchanges (at least 1).
    pub fn new(window: usize) -> Self {
        Self {
            window: window.max(1),
            samples: VecDeque::new(),
            last: None,
        }
    }

    /// Adds an exchange, forgetting the oldest beyond the window.
    pub fn add(&mut self, sample: ClockSample) {
        if self.samples.len() == self.window {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
        self.last = Some(sample);
    }

    /// The exchange with the smallest round trip in the window.
    pub fn best(&self) -> Option<ClockSample> {
        self.samples.iter().copied().min_by_key(|s| s.round_trip_us)
    }

    /// The other clock minus ours (µs), from the best exchange.
    pub fn offset_us(&self) -> Option<i64> {
        self.best().map(|s| s.offset_us)
    }

    /// The smallest round trip in the window (µs): the link's own delay,
    /// with as little queueing as was seen.
    pub fn min_round_trip_us(&self) -> Option<u64> {
        self.best().map(|s| s.round_trip_us)
    }

    /// The round trip of the newest exchange (µs).
    pub fn last_round_trip_us(&self) -> Option<u64> {
        self.last.map(|s| s.round_trip_us)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// One exchange between a local clock and a remote one that runs
    /// `skew` µs ahead, with the given one-way delays and remote hold time.
    fn exchange(at: u64, skew: i64, up: u64, hold: u64, down: u64) -> ClockSample {
        let t0 = at;
        let t1 = (t0 + up) as i64 + skew;
        let t2 = t1 + hold as i64;
        let t3 = t0 + up + hold + down;
        let pong = Pong {
            nonce: 1,
            ping_sent_us: t0,
            received_us: t1 as u64,
            sent_us: t2 as u64,
        };
        ClockSample::from_pong(&pong, t3, u64::MAX).unwrap()
    }

    #[test]
    fn symmetric_delay_gives_the_exact_offset() {
        let s = exchange(1_000_000_000, 5_000_000, 25_000, 300, 25_000);
        assert_eq!(s.offset_us, 5_000_000);
        assert_eq!(s.round_trip_us, 50_000);
        let s = exchange(1_000_000_000, -7_000_000, 1_000, 0, 1_000);
        assert_eq!(s.offset_us, -7_000_000);
    }

    #[test]
    fn the_least_queued_exchange_wins_under_asymmetric_delay() {
        // A viewer clock 3 s behind the server; downstream queues of up to
        // 200 ms (data in flight) on most exchanges, one quiet exchange.
        let skew = 3_000_000;
        let mut est = ClockEstimator::new(8);
        let mut jitter = 0x2545_f491_4f6c_dd1d_u64;
        for k in 0..8u64 {
            jitter ^= jitter << 13;
            jitter ^= jitter >> 7;
            jitter ^= jitter << 17;
            let queue = if k == 5 { 0 } else { 50_000 + jitter % 150_000 };
            est.add(exchange(k * 1_000_000, skew, 20_000, 100, 20_000 + queue));
        }
        assert_eq!(est.min_round_trip_us(), Some(40_000));
        assert_eq!(est.offset_us(), Some(skew));
        // Without the quiet exchange, the error is bounded by half the
        // asymmetry of the best one.
        let mut est = ClockEstimator::new(4);
        for queue in [90_000, 30_000, 60_000, 120_000] {
            est.add(exchange(0, skew, 20_000, 0, 20_000 + queue));
        }
        let err = (est.offset_us().unwrap() - skew).abs();
        assert_eq!(est.min_round_trip_us(), Some(70_000));
        assert!(err <= 15_000, "offset error {err} µs");
    }

    #[test]
    fn the_window_forgets_and_nonsense_is_refused() {
        let mut est = ClockEstimator::new(2);
        est.add(exchange(0, 0, 1_000, 0, 1_000));
        est.add(exchange(0, 0, 10_000, 0, 10_000));
        est.add(exchange(0, 0, 5_000, 0, 5_000));
        assert_eq!(est.min_round_trip_us(), Some(10_000));
        assert_eq!(est.last_round_trip_us(), Some(10_000));
        let back_in_time = Pong {
            nonce: 1,
            ping_sent_us: 100,
            received_us: 5,
            sent_us: 6,
        };
        assert_eq!(
            ClockSample::from_pong(&back_in_time, 50, u64::MAX),
            Err(ImpossibleSample::NegativeRoundTrip { round_trip_us: -51 })
        );
        let held_backwards = Pong {
            nonce: 1,
            ping_sent_us: 0,
            received_us: 9,
            sent_us: 5,
        };
        assert_eq!(
            ClockSample::from_pong(&held_backwards, 50, u64::MAX),
            Err(ImpossibleSample::AnsweredBeforeReceived { held_us: 4 })
        );
    }

    /// The samples of a broken or hostile peer are refused, each with its
    /// reason; the estimate keeps what it had.
    #[test]
    fn impossible_samples_are_refused() {
        let now = 1_700_000_000_000_000u64;
        let pong = |t0: u64, t1: u64, t2: u64| Pong {
            nonce: 1,
            ping_sent_us: t0,
            received_us: t1,
            sent_us: t2,
        };
        let connected = 10_000_000; // 10 s
                                    // From the far future: an offset of about 2^63 µs.
        let far = pong(now - 1_000, u64::MAX - 1, u64::MAX);
        let err = ClockSample::from_pong(&far, now, connected).unwrap_err();
        assert!(
            matches!(err, ImpossibleSample::OffsetTooLarge { offset_us } if offset_us > 1 << 62),
            "{err}"
        );
        assert!(err.to_string().contains("beyond"), "{err}");
        // Just past ±24 h either way; just within is believed.
        let day = MAX_CLOCK_OFFSET_US as u64;
        for (t1, ok) in [
            (now + day + 1, false),
            (now - day - 1, false),
            (now + day, true),
            (now - day, true),
        ] {
            let got = ClockSample::from_pong(&pong(now, t1, t1), now, connected);
            assert_eq!(
                got.is_ok(),
                ok,
                "offset {}: {got:?}",
                t1 as i128 - now as i128
            );
        }
        // Held 5 s of an exchange that took 1 s: negative (this used to be
        // taken as a round trip of 0, the best sample of all).
        let held = pong(now - 1_000_000, now, now + 5_000_000);
        let err = ClockSample::from_pong(&held, now, connected).unwrap_err();
        assert_eq!(
            err,
            ImpossibleSample::NegativeRoundTrip {
                round_trip_us: -4_000_000
            }
        );
        // A ping "sent" an hour ago on a connection of 10 s.
        let old = pong(now - 3_600_000_000, now - 1_000, now - 1_000);
        let err = ClockSample::from_pong(&old, now, connected).unwrap_err();
        assert_eq!(
            err,
            ImpossibleSample::LongerThanConnection {
                round_trip_us: 3_600_000_000,
                connected_us: connected
            }
        );
        // The pong of the issue: i64::MAX offset, 9.2·10^18 µs ages.
        let issue = pong(now, i64::MAX as u64, i64::MAX as u64);
        assert!(ClockSample::from_pong(&issue, now + 500, connected).is_err());
        // A sane one beside them is believed.
        let sane = ClockSample::from_pong(&pong(now, now + 250, now + 300), now + 600, connected);
        assert_eq!(
            sane,
            Ok(ClockSample {
                round_trip_us: 550,
                offset_us: -25
            })
        );
    }
}
