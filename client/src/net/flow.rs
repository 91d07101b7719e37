//! Flow control: how many batches the viewer keeps in flight.
//!
//! The viewer asks for data with `Ready { batch: n }`, meaning "send batches
//! up to number n". With one batch in flight every frame costs a round trip
//! (at 200 ms, 5 frames a second), so the viewer lets a window of `W`
//! batches run ahead of what it has drawn: after drawing batch `k` it asks
//! for `k + W`. The server still builds each batch from the newest values
//! when it sends it, so a window never queues stale data on the server, and
//! a window sized to the link queues little in the network either.
//!
//! ```text
//! W = 1 + ceil((R + T) / P), clamped to 1..=MAX_BATCHES_IN_FLIGHT
//!   R: the link's round trip: the smallest of the handshake's (taken
//!      before any data flows, so no queue is in it) and the last few
//!      pings'
//!   T: a batch's transfer time at the measured bandwidth (a batch asked
//!      for arrives R + T later)
//!   P: the time per batch: the drawing period (refresh cap or render time,
//!      whichever is longer), or T when the link's bandwidth is the limit
//! ```
//!
//! Keeping the handshake's round trip matters on slow links: there a pong
//! queues behind batch data, and a round trip taken from it alone would
//! make the window larger, the queue longer, the next round trip longer,
//! and so on. A ping answered while the link is idle brings a clean sample
//! too.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use plotcast_protocol::MAX_BATCHES_IN_FLIGHT;

/// Round-trip samples remembered (at a ping a second: the last 16 s).
const RTT_SAMPLES: usize = 16;

/// Bandwidth samples remembered (one per large batch).
const RATE_SAMPLES: usize = 9;

/// How long a bandwidth sample counts. Without an age limit the few
/// large batches of the start (the overview, measured while TCP was still
/// opening its window) stayed the median for the whole connection when
/// later batches were all small: at 200 ms they made a 46 kB batch look
/// 26 ms long and held the window at 10 where 60 Hz needs 14 (47 frames/s
/// instead of 58, in about half the runs).
const RATE_WINDOW: Duration = Duration::from_secs(2);

/// Batches smaller than this say nothing about the bandwidth: their time on
/// the wire is latency, not bytes.
const MIN_RATE_SAMPLE_BYTES: u64 = 64 * 1024;

/// One connection's flow control.
#[derive(Debug, Clone)]
pub struct FlowControl {
    /// Highest batch number asked for (0: none yet).
    granted: u64,
    /// Batch ends received.
    received: u64,
    rtt_us: VecDeque<u64>,
    /// The handshake's round trip: no data was in flight.
    quiet_rtt_us: Option<u64>,
    /// Bandwidth samples and when they were taken.
    rate_bps: VecDeque<(Instant, f64)>,
    /// Smoothed bytes per batch.
    batch_bytes: f64,
}

impl Default for FlowControl {
    fn default() -> Self {
        Self::new()
    }
}

impl FlowControl {
    /// A connection that has asked for nothing yet.
    pub fn new() -> Self {
        Self {
            granted: 0,
            received: 0,
            rtt_us: VecDeque::with_capacity(RTT_SAMPLES),
            quiet_rtt_us: None,
            rate_bps: VecDeque::with_capacity(RATE_SAMPLES),
            batch_bytes: 0.0,
        }
    }

    /// Batches granted before any Ready (the Hello's overview grants one).
    pub fn granted_by_hello(&mut self, batches: u64) {
        self.granted = self.granted.max(batches);
    }

    /// Batch ends received on this connection.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The highest batch number asked for.
    pub fn granted(&self) -> u64 {
        self.granted
    }

    /// A round trip measured without data in flight (the handshake).
    pub fn add_round_trip(&mut self, rtt: Duration) {
        let us = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX);
        self.quiet_rtt_us = Some(self.quiet_rtt_us.map_or(us, |q| q.min(us)));
    }

    /// A ping's round trip on the wire (queues included).
    pub fn pong(&mut self, rtt_us: u64) {
        if self.rtt_us.len() == RTT_SAMPLES {
            self.rtt_us.pop_front();
        }
        self.rtt_us.push_back(rtt_us);
    }

    /// A batch of `bytes` ended at `now`, its bytes having taken `on_wire`
    /// to arrive.
    pub fn batch_end(&mut self, bytes: u64, on_wire: Duration, now: Instant) {
        self.received += 1;
        self.batch_bytes = if self.received == 1 {
            bytes as f64
        } else {
            0.8 * self.batch_bytes + 0.2 * bytes as f64
        };
        while self
            .rate_bps
            .front()
            .is_some_and(|&(at, _)| now.saturating_duration_since(at) > RATE_WINDOW)
        {
            self.rate_bps.pop_front();
        }
        let secs = on_wire.as_secs_f64();
        if bytes >= MIN_RATE_SAMPLE_BYTES && secs > 1e-4 {
            if self.rate_bps.len() == RATE_SAMPLES {
                self.rate_bps.pop_front();
            }
            self.rate_bps.push_back((now, bytes as f64 / secs));
        }
    }

    /// The link's round trip as flow control sees it.
    pub fn round_trip(&self) -> Option<Duration> {
        self.rtt_us
            .iter()
            .copied()
            .chain(self.quiet_rtt_us)
            .min()
            .map(Duration::from_micros)
    }

    /// Measured bandwidth in bytes per second: the median of the large
    /// batches of the last [`RATE_WINDOW`] (a median, because a batch that
    /// arrived partly buffered looks faster than the link).
    pub fn bandwidth_bps(&self) -> Option<f64> {
        if self.rate_bps.is_empty() {
            return None;
        }
        let mut sorted: Vec<f64> = self.rate_bps.iter().map(|&(_, rate)| rate).collect();
        sorted.sort_by(f64::total_cmp);
        Some(sorted[sorted.len() / 2])
    }

    /// Time one batch takes on the wire at the measured bandwidth.
    pub fn transfer_time(&self) -> Duration {
        match self.bandwidth_bps() {
            Some(bps) if bps > 0.0 => Duration::from_secs_f64((self.batch_bytes / bps).min(60.0)),
            _ => Duration::ZERO,
        }
    }

    /// The window for a drawing side that takes `draw_period` per frame.
    pub fn window(&self, draw_period: Duration) -> u64 {
        let Some(rtt) = self.round_trip() else {
            return 2; // no measurement yet: a little pipelining, no flood
        };
        let transfer = self.transfer_time();
        let per_batch = draw_period.max(transfer).max(Duration::from_micros(100));
        let ahead = ((rtt + transfer).as_secs_f64() / per_batch.as_secs_f64()).ceil();
        (1.0 + ahead).clamp(1.0, MAX_BATCHES_IN_FLIGHT as f64) as u64
    }

    /// The `Ready` number to send now that batches up to `consumed` (of
    /// this connection) have been drawn, if it asks for more than before.
    pub fn grant(&mut self, consumed: u64, draw_period: Duration) -> Option<u64> {
        let want = consumed
            .min(self.received)
            .saturating_add(self.window(draw_period));
        (want > self.granted).then(|| {
            self.granted = want;
            want
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME_60HZ: Duration = Duration::from_micros(16_667);

    #[test]
    fn the_window_covers_the_round_trip_at_the_drawing_rate() {
        let mut flow = FlowControl::new();
        assert_eq!(flow.window(FRAME_60HZ), 2, "before any measurement");
        flow.add_round_trip(Duration::from_micros(200));
        assert_eq!(flow.window(FRAME_60HZ), 2, "loopback");
        for (rtt_ms, want) in [(20, 3), (50, 4), (100, 7), (200, 13)] {
            let mut flow = FlowControl::new();
            flow.add_round_trip(Duration::from_millis(rtt_ms));
            assert_eq!(flow.window(FRAME_60HZ), want, "{rtt_ms} ms");
        }
        let mut flow = FlowControl::new();
        flow.add_round_trip(Duration::from_secs(5));
        assert_eq!(flow.window(FRAME_60HZ), MAX_BATCHES_IN_FLIGHT);
        // A slow renderer needs fewer batches ahead.
        let mut flow = FlowControl::new();
        flow.add_round_trip(Duration::from_millis(100));
        assert_eq!(flow.window(Duration::from_millis(50)), 3);
    }

    #[test]
    fn grants_follow_what_was_drawn_and_never_shrink() {
        let mut flow = FlowControl::new();
        flow.add_round_trip(Duration::from_millis(50));
        assert_eq!(flow.grant(0, FRAME_60HZ), Some(4));
        assert_eq!(flow.grant(0, FRAME_60HZ), None, "nothing new drawn");
        // Drawn batches count only once they arrived.
        assert_eq!(flow.grant(3, FRAME_60HZ), None);
        for _ in 0..3 {
            flow.batch_end(1000, Duration::from_micros(10), Instant::now());
        }
        assert_eq!(flow.grant(3, FRAME_60HZ), Some(7));
        // A shorter round trip later never takes back what was asked.
        flow.add_round_trip(Duration::from_micros(100));
        assert_eq!(flow.grant(3, FRAME_60HZ), None);
        assert_eq!(flow.granted(), 7);
    }

    /// A 20 Mbit/s link with 50 ms round trip, batches of 250 kB (100 ms on
    /// the wire): pongs queue behind batch data, but the handshake's quiet
    /// round trip keeps the window small instead of growing with its own
    /// queue.
    #[test]
    fn a_bandwidth_limited_link_gets_a_small_window() {
        let bps = 20e6 / 8.0;
        let batch = 250_000u64;
        let on_wire = Duration::from_secs_f64(batch as f64 / bps);
        let mut flow = FlowControl::new();
        flow.add_round_trip(Duration::from_millis(50));
        let start = Instant::now();
        for i in 0..40u64 {
            flow.batch_end(batch, on_wire, start + on_wire * i as u32);
            // A pong that waited behind 1.5 batches of data.
            let queued = Duration::from_secs_f64(batch as f64 * 1.5 / bps);
            flow.pong((Duration::from_millis(50) + queued).as_micros() as u64);
        }
        assert_eq!(flow.round_trip(), Some(Duration::from_millis(50)));
        // One batch on the wire, one asked for: the next arrives 150 ms
        // after it is asked for, one every 100 ms.
        assert_eq!(flow.window(FRAME_60HZ), 3);
        assert!((flow.transfer_time().as_secs_f64() - 0.1).abs() < 0.01);
        // An idle link's ping can still bring the round trip down.
        flow.pong(30_000);
        assert_eq!(flow.round_trip(), Some(Duration::from_millis(30)));
    }

    /// 200 ms round trip, no bandwidth limit: the overview's large batches
    /// crawl while TCP opens its window, then every batch is small (too
    /// small to say anything about the bandwidth). Once the start's
    /// samples are old the window is the round trip's at 60 Hz again.
    #[test]
    fn the_starts_slow_batches_do_not_size_the_window_for_good() {
        let mut flow = FlowControl::new();
        flow.add_round_trip(Duration::from_millis(201));
        let start = Instant::now();
        // Two 80 kB batches at 400 kB/s: 200 ms each.
        for i in 0..2 {
            let at = start + Duration::from_millis(200 * (i + 1));
            flow.batch_end(80_000, Duration::from_millis(200), at);
        }
        // Batches of 46 kB at 48 a second: T = 115 ms by the start's rate.
        let small = |flow: &mut FlowControl, at| {
            flow.batch_end(46_000, Duration::from_millis(2), at);
        };
        small(&mut flow, start + Duration::from_millis(500));
        assert!(flow.window(FRAME_60HZ) < 5, "sized by the start's rate");
        small(&mut flow, start + Duration::from_millis(2500));
        assert_eq!(flow.bandwidth_bps(), None, "the start's samples are old");
        assert_eq!(flow.window(FRAME_60HZ), 14);
    }
}
