//! Live statistics: per viewer and per channel.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::link_model::LinkModel;

/// Counters one connection updates as it goes.
#[derive(Debug)]
pub(crate) struct ViewerStats {
    pub(crate) addr: SocketAddr,
    pub(crate) peer_name: String,
    pub(crate) connected_since: SystemTime,
    pub(crate) frames_sent: AtomicU64,
    pub(crate) frames_skipped: AtomicU64,
    pub(crate) bytes_sent: AtomicU64,
    pub(crate) batches: AtomicU64,
    /// Round trip of the least queued recent ping, in µs (`u64::MAX`: none
    /// yet).
    pub(crate) rtt_us: AtomicU64,
    /// The viewer's clock minus ours, in µs, from the same ping
    /// (`i64::MIN`: none yet).
    pub(crate) clock_offset_us: AtomicI64,
    /// The hub version this viewer has been sent everything of.
    pub(crate) synced: AtomicU64,
    /// From the viewer's acknowledgements (0: it sends none): the link's
    /// delivery rate (bytes/s), the in-flight cap, the most in flight.
    pub(crate) delivery_rate_bps: AtomicU64,
    pub(crate) in_flight_cap: AtomicU64,
    pub(crate) max_in_flight: AtomicU64,
    /// Reference point of `last_write_ms`.
    started: Instant,
    /// When a write of batch data last made progress, in ms since
    /// `started` (`u64::MAX`: never).
    last_write_ms: AtomicU64,
}

impl ViewerStats {
    pub(crate) fn new(addr: SocketAddr, peer_name: String) -> Self {
        Self {
            addr,
            peer_name,
            connected_since: SystemTime::now(),
            frames_sent: AtomicU64::new(0),
            frames_skipped: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            rtt_us: AtomicU64::new(u64::MAX),
            clock_offset_us: AtomicI64::new(i64::MIN),
            synced: AtomicU64::new(0),
            delivery_rate_bps: AtomicU64::new(0),
            in_flight_cap: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            started: Instant::now(),
            last_write_ms: AtomicU64::new(u64::MAX),
        }
    }

    /// Publishes what the link model learned.
    pub(crate) fn link(&self, link: &LinkModel) {
        let rate = link.rate_bps().map_or(0, |r| r as u64);
        self.delivery_rate_bps.store(rate, Ordering::Relaxed);
        self.in_flight_cap.store(link.cap(), Ordering::Relaxed);
        self.max_in_flight
            .store(link.max_in_flight(), Ordering::Relaxed);
    }

    /// Records that a write to this viewer just made progress.
    pub(crate) fn wrote_now(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        self.last_write_ms.store(ms, Ordering::Relaxed);
    }

    /// When a write of batch data last made progress (`None`: never).
    pub(crate) fn last_write(&self) -> Option<Instant> {
        match self.last_write_ms.load(Ordering::Relaxed) {
            u64::MAX => None,
            ms => Some(self.started + Duration::from_millis(ms)),
        }
    }

    pub(crate) fn snapshot(&self) -> ViewerInfo {
        let rtt = self.rtt_us.load(Ordering::Relaxed);
        let offset = self.clock_offset_us.load(Ordering::Relaxed);
        ViewerInfo {
            addr: self.addr,
            peer_name: self.peer_name.clone(),
            connected_since: self.connected_since,
            frames_sent: self.frames_sent.load(Ordering::Relaxed),
            frames_skipped: self.frames_skipped.load(Ordering::Relaxed),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            batches: self.batches.load(Ordering::Relaxed),
            round_trip: (rtt != u64::MAX).then(|| Duration::from_micros(rtt)),
            clock_offset_us: (offset != i64::MIN).then_some(offset),
            link: match self.in_flight_cap.load(Ordering::Relaxed) {
                0 => None,
                cap => Some(LinkInfo {
                    delivery_rate_bps: self.delivery_rate_bps.load(Ordering::Relaxed),
                    in_flight_cap: cap,
                    max_in_flight: self.max_in_flight.load(Ordering::Relaxed),
                }),
            },
        }
    }
}

/// One connected viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ViewerInfo {
    /// The viewer's address.
    pub addr: SocketAddr,
    /// The name the viewer gave in its handshake.
    pub peer_name: String,
    /// When the handshake completed.
    pub connected_since: SystemTime,
    /// Data frames sent.
    pub frames_sent: u64,
    /// Values the viewer never got because newer ones replaced them (and
    /// series points that fell out of the window before it asked).
    pub frames_skipped: u64,
    /// Bytes written to the viewer (all messages).
    pub bytes_sent: u64,
    /// Batches answered.
    pub batches: u64,
    /// Time on the wire of a ping and its pong (the viewer's own delay in
    /// answering excluded), the least queued of the recent ones; pings may
    /// overlap, so round trips longer than the ping interval are measured
    /// too.
    pub round_trip: Option<Duration>,
    /// The viewer's clock minus the server's, in µs, estimated from the
    /// same pings (NTP style); off by at most half the round trip.
    pub clock_offset_us: Option<i64>,
    /// The link as the viewer's byte acknowledgements show it (`None`: the
    /// viewer sends none, and only the batch bound limits what is in
    /// flight).
    pub link: Option<LinkInfo>,
}

/// A viewer's link, learned from its acknowledgements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkInfo {
    /// Bytes per second the link delivers (0: not measured yet).
    pub delivery_rate_bps: u64,
    /// Most bytes in flight when a batch may start: one bandwidth-delay
    /// product, at least 64 KiB.
    pub in_flight_cap: u64,
    /// The most bytes that were in flight (a batch on top of the cap).
    pub max_in_flight: u64,
}

/// A viewer that disconnected, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndedViewer {
    /// Its figures at the end.
    pub viewer: ViewerInfo,
    /// Why the connection ended (peer closed, heartbeat timeout, stalled
    /// writes, protocol error, server stopped).
    pub reason: String,
    /// When it ended.
    pub ended_at: SystemTime,
}

/// How many ended viewers [`Stats::ended`] remembers.
pub const ENDED_VIEWERS_KEPT: usize = 16;

/// One channel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChannelStats {
    /// Channel id.
    pub id: u32,
    /// Channel name.
    pub name: String,
    /// Kind name (`heatmap`, `line`, ...).
    pub kind: &'static str,
    /// Successful `publish`/`push` calls.
    pub publishes: u64,
    /// Publishes dropped because their shape was wrong.
    pub invalid: u64,
    /// The last sequence number handed out (for series: points pushed).
    pub seq: u64,
    /// Frames reduced for a viewer's view (level of detail). Viewers with
    /// the same view share one reduced frame: with ten viewers of one
    /// window size this grows by one per publish, not ten.
    pub reductions: u64,
    /// Time spent in those reductions, encoding the reduced frames
    /// included (sending them not): what level of detail costs the
    /// network thread's helpers.
    pub reducing: Duration,
}

/// A snapshot of the server's figures, from [`Server::stats`](crate::Server::stats).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Connected viewers (handshake done), oldest first.
    pub viewers: Vec<ViewerInfo>,
    /// Channels in creation order.
    pub channels: Vec<ChannelStats>,
    /// The last viewers that disconnected (at most
    /// [`ENDED_VIEWERS_KEPT`]), oldest first.
    pub ended: Vec<EndedViewer>,
    /// Bytes held now by writes that viewers have not taken yet, each
    /// shared frame counted once; bounded by the stalled-write budget
    /// ([`ServerBuilder::stalled_write_budget_bytes`](crate::ServerBuilder::stalled_write_budget_bytes)).
    pub stalled_write_bytes: u64,
    /// The relay through NATS, when the server publishes through one
    /// ([`ServerBuilder::nats`](crate::ServerBuilder::nats)).
    pub relay: Option<RelayStats>,
}

/// The relay through NATS: what it put, what it skipped, how it fares.
/// Every counter counts from the server's start.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RelayStats {
    /// The run published under.
    pub run: String,
    /// This process's label within the run.
    pub process: String,
    /// Connected to a NATS server now.
    pub connected: bool,
    /// Values stored (bucket puts and series chunks, acknowledged).
    pub puts: u64,
    /// Bytes of the values stored.
    pub bytes: u64,
    /// Snapshot values never put because a newer one replaced them first
    /// (latest value wins: NATS slower than the computation, or away).
    pub skipped: u64,
    /// Puts that failed (NATS away, slow or refusing; each is retried with
    /// the newest value), and frames too large to relay even reduced.
    pub failed: u64,
    /// Frames put as an overview (reduced) because they were larger than
    /// one NATS message.
    pub overviews: u64,
    /// Chunks of append series stored in the series stream.
    pub series_chunks: u64,
    /// Series points that left their window before the relay could put
    /// them (a long outage): gaps in the stream.
    pub series_points_skipped: u64,
    /// Requests answered (clock, view).
    pub requests: u64,
    /// Requests that could not be answered (not a Ping or View body, an
    /// unknown channel, no data yet).
    pub bad_requests: u64,
    /// The last error: a failed put, a refused connection, an
    /// authentication failure.
    pub last_error: Option<String>,
}
