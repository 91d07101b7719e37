//! The clock offset from the smallest delay of each direction, kept apart.
//!
//! NTP's rule ([`crate::ClockEstimator`]) believes the one exchange with the
//! smallest round trip; on a link saturated with data every exchange has a
//! queue in its downstream leg, and the offset is off by half of it. But
//! the two directions need not be clean in the same exchange: the upstream
//! (viewer to server) carries only small control messages and is nearly
//! always clean, and the downstream is clean whenever a message leaves the
//! server on an empty link (the server sends its clock messages when the
//! link has room, and a ping whenever it probes the path's round trip with
//! nothing in flight). So each direction keeps its own windowed minimum:
//!
//! ```text
//!   up   = t1 - t0 of a pong to our ping          = d_up   + offset
//!   down = t3 - t2 of that pong, or the arrival of
//!          any message carrying the other side's
//!          send time (a ping's sent_us) minus it   = d_down - offset
//!   offset     = (min up - min down) / 2    (other clock minus ours)
//!   round trip =  min up + min down
//! ```
//!
//! Every sample can only be late (queued, read late), never early, so a
//! minimum only gets better. It assumes equal propagation both ways, as NTP
//! does. A sample is a signed µs difference of two clocks; one beyond
//! ±[`MAX_CLOCK_OFFSET_US`] plus a minute is impossible and ignored.

use std::time::{Duration, Instant};

use crate::{ClockSample, Pong, Windowed, MAX_CLOCK_OFFSET_US};

/// How long a minimum stands: long enough to hold a few of the server's
/// path probes (one per 10 s on a saturated link), short enough to follow
/// a clock that drifts or a path that changes.
pub const ONE_WAY_WINDOW: Duration = Duration::from_secs(30);

/// Largest plausible one-way sample (µs): the offset limit plus a minute
/// of delay.
const MAX_SAMPLE_US: i64 = MAX_CLOCK_OFFSET_US + 60_000_000;

/// The clock offset and round trip from the minimum delay of each
/// direction.
#[derive(Debug, Clone)]
pub struct OneWayDelays {
    window: Duration,
    up: Windowed<i64>,
    down: Windowed<i64>,
}

impl Default for OneWayDelays {
    fn default() -> Self {
        Self::new(ONE_WAY_WINDOW)
    }
}

impl OneWayDelays {
    /// Minima over the last `window`.
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            up: Windowed::min(),
            down: Windowed::min(),
        }
    }

    /// A pong to our ping, already checked by [`ClockSample::from_pong`],
    /// that arrived at `received_us` (our clock): one sample each way.
    pub fn pong(&mut self, pong: &Pong, received_us: u64, now: Instant) {
        let up = i128::from(pong.received_us) - i128::from(pong.ping_sent_us);
        let down = i128::from(received_us) - i128::from(pong.sent_us);
        self.add_up(up, now);
        self.add_down(down, now);
    }

    /// A message stamped `sent_us` by the other side's clock arrived at
    /// `received_us` by ours (a ping from the other side).
    pub fn arrived(&mut self, sent_us: u64, received_us: u64, now: Instant) {
        self.add_down(i128::from(received_us) - i128::from(sent_us), now);
    }

    fn add_up(&mut self, us: i128, now: Instant) {
        if let Some(us) = plausible(us) {
            self.up.add(us, now, self.window);
        }
    }

    fn add_down(&mut self, us: i128, now: Instant) {
        if let Some(us) = plausible(us) {
            self.down.add(us, now, self.window);
        }
    }

    /// The other clock minus ours (µs), once both directions have a sample.
    pub fn offset_us(&self) -> Option<i64> {
        Some((self.up.best()? - self.down.best()?) / 2)
    }

    /// The path's round trip (µs): the two smallest one-way delays.
    pub fn round_trip_us(&self) -> Option<u64> {
        u64::try_from(self.up.best()? + self.down.best()?).ok()
    }

    /// As a [`ClockSample`] (for code that shows either estimate).
    pub fn estimate(&self) -> Option<ClockSample> {
        Some(ClockSample {
            round_trip_us: self.round_trip_us()?,
            offset_us: self.offset_us()?,
        })
    }
}

fn plausible(us: i128) -> Option<i64> {
    i64::try_from(us)
        .ok()
        .filter(|us| us.abs() <= MAX_SAMPLE_US)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Some time after the epoch, µs.
    const T0: u64 = 1_800_000_000_000_000;

    /// A pong whose legs took `up` and `down` µs, between a local clock
    /// and a remote one `skew` µs ahead.
    fn pong(at: u64, skew: i64, up: u64, down: u64) -> (Pong, u64) {
        let t1 = ((at + up) as i64 + skew) as u64;
        let pong = Pong {
            nonce: 1,
            ping_sent_us: at,
            received_us: t1,
            sent_us: t1 + 500,
        };
        (pong, at + up + 500 + down)
    }

    #[test]
    fn queued_downstream_legs_do_not_move_the_offset() {
        // A remote clock 3 s behind; every pong queued 100-300 ms on the
        // way down, except that one ping from the server crossed an empty
        // link (its probe).
        let skew = -3_000_000;
        let now = Instant::now();
        let mut clock = OneWayDelays::default();
        let mut ntp = crate::ClockEstimator::default();
        for k in 0..10u64 {
            let queue = 100_000 + (k * 37_000) % 200_000;
            let (p, t3) = pong(T0 + k * 1_000_000, skew, 150_000, 150_000 + queue);
            clock.pong(&p, t3, now);
            ntp.add(ClockSample::from_pong(&p, t3, u64::MAX).unwrap());
        }
        // NTP is off by half the smallest queue.
        assert!((ntp.offset_us().unwrap() - skew).abs() >= 50_000);
        // The server's ping on an empty link: sent at its clock, arrives
        // 150 ms later by ours.
        let sent = (T0 as i64 + 20_000_000 + skew) as u64;
        clock.arrived(sent, T0 + 20_000_000 + 150_000, now);
        assert_eq!(clock.offset_us(), Some(skew));
        assert_eq!(clock.round_trip_us(), Some(300_000));
    }

    #[test]
    fn minima_expire_with_the_window() {
        let t0 = Instant::now();
        let mut clock = OneWayDelays::new(Duration::from_secs(30));
        clock.add_up(1_000, t0);
        clock.add_down(1_000, t0);
        clock.add_up(5_000, t0 + Duration::from_secs(20));
        clock.add_down(3_000, t0 + Duration::from_secs(20));
        assert_eq!(clock.round_trip_us(), Some(2_000));
        clock.add_up(9_000, t0 + Duration::from_secs(40));
        clock.add_down(9_000, t0 + Duration::from_secs(40));
        assert_eq!(clock.round_trip_us(), Some(8_000));
    }

    #[test]
    fn nothing_until_both_directions_have_a_sample() {
        let mut clock = OneWayDelays::default();
        clock.arrived(100, 200, Instant::now());
        assert_eq!(clock.offset_us(), None);
        clock.add_up(i128::MAX, Instant::now());
        assert_eq!(clock.offset_us(), None, "an impossible sample is ignored");
    }
}
