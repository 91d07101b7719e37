//! One connection after the handshake: the conversation with the server,
//! one method per message or event.
//!
//! A window of `W` batches runs ahead of what the drawing side has
//! presented (see [`super::flow`] for its size and [`super::shared`] for
//! the presented signal). Pings go out every `ping_interval`; their pongs
//! give the round trip and the offset to the server's clock
//! ([`ClockEstimator`]), so frame ages are true end to end. Pings from the
//! server are answered here, independently of drawing, and silence longer
//! than the heartbeat timeout of the `Welcome` ends the connection.
//!
//! Level of detail: before asking for data, the server should know how big
//! each plot is drawn, so that even the first frame comes reduced (a 4096²
//! heatmap is 128 MiB raw). So the first `Ready` waits until the drawing
//! side has drawn this connection's layout and its views went out, or
//! [`VIEWS_WAIT`] passed.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use plotcast_protocol::{
    decode_on, Ack, BatchEnd, ClockEstimator, ClockSample, Frame, Layout, Message, OneWayDelays,
    Ping, Pong, ProtocolError, Ready, View, Welcome, LENGTH_PREFIX_BYTES,
};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::watch;
use tokio::time::sleep_until;
use tracing::warn;

use super::config::NetConfig;
use super::event::NetEvent;
use super::flow::FlowControl;
use super::link::{send, End, Frames, Link};
use super::shared::Views;
use crate::clock;
use crate::error::{NetError, Violation};
use crate::peer_text::{clean, MAX_REASON_CHARS};
use crate::recording::recorder::Recorder;

/// How long the first Ready waits for the drawing side to draw the layout
/// (and so tell the server how big each plot is).
pub const VIEWS_WAIT: Duration = Duration::from_millis(500);

/// Bytes received between two acknowledgements: fine enough that the
/// server's in-flight bound is close to one bandwidth-delay product on a
/// slow link (8 KiB is 13 ms at 5 Mbit/s).
const ACK_BYTES: u64 = 8 * 1024;

/// Shortest time between two acknowledgements: on a fast link, bytes come
/// faster than acknowledging each 8 KiB is worth (a few hundred a second
/// at most, and one at every batch end).
const ACK_MIN_INTERVAL: Duration = Duration::from_millis(4);

/// Bytes of a Pong frame on the wire (prefix, header of four varints up
/// to 9 bytes each, padding), subtracted from a batch's byte count.
const PONG_WIRE_BYTES: u64 = 48;

/// How long what already arrived is read for a goodbye after the
/// connection failed.
const GOODBYE_AFTER_ERROR: Duration = Duration::from_millis(200);

/// Shortest heartbeat timeout taken from a server: below this, a busy but
/// healthy link would be declared dead.
pub const MIN_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(1);

/// Longest heartbeat timeout taken from a server: a server cannot switch
/// off the viewer's detection of a dead link by announcing 49 days.
pub const MAX_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(60);

/// The silence after which the server is taken for gone: what its Welcome
/// announced, clamped to a sane range, or our own setting when it says 0.
pub fn heartbeat_timeout(announced_ms: u32, cfg: &NetConfig) -> Duration {
    match announced_ms {
        0 => cfg.heartbeat_timeout,
        ms => {
            Duration::from_millis(u64::from(ms)).clamp(MIN_HEARTBEAT_TIMEOUT, MAX_HEARTBEAT_TIMEOUT)
        }
    }
}

/// The pacing interval asked of the server: a little under the drawing
/// period, so batches arrive spread out at about the rate they are drawn
/// (a burst would merge into one frame) and a drawing slot rarely finds
/// nothing new.
fn pacing_interval_us(draw_period: Duration) -> u32 {
    u32::try_from(draw_period.as_micros() * 4 / 5).unwrap_or(u32::MAX)
}

/// The state of one conversation with a server.
pub(crate) struct Session<'s, 'a> {
    link: &'s mut Link<'a>,
    frames: &'s mut Frames,
    write: &'s mut OwnedWriteHalf,
    heartbeat_timeout: Duration,
    flow: FlowControl,
    clock: ClockEstimator,
    /// The offset from each direction's smallest delay (see
    /// [`OneWayDelays`]): what the status shows once it has both.
    one_way: OneWayDelays,
    /// Pings sent.
    nonce: u64,
    /// Batches applied before this connection (across reconnects): what
    /// the drawing side presents is counted from here.
    base: u64,
    /// Bytes of the batch being received.
    batch_bytes: u64,
    /// How the drawing side draws each plot, and what we told the server.
    views: watch::Receiver<Views>,
    sent_views: HashMap<u32, View>,
    /// The layout version of this connection's first layout, once seen.
    layout_seen: Option<u64>,
    /// When the first Ready goes out even without views.
    first_grant_at: Option<tokio::time::Instant>,
    /// Ready messages go out (the views were sent, or waiting timed out).
    granting: bool,
    /// When the TCP connection was made: no round trip on it is longer.
    connected_at: Instant,
    /// A pong was ignored as impossible (said once in the log).
    impossible_seen: bool,
    /// The codec the Welcome settled on: data frames come in it or
    /// uncompressed.
    codec: u8,
    /// Bytes acknowledged, and when (None: acknowledgements are off).
    acked: Option<(u64, tokio::time::Instant)>,
    /// An acknowledgement held back by [`ACK_MIN_INTERVAL`].
    ack_due: Option<tokio::time::Instant>,
}

impl<'s, 'a> Session<'s, 'a> {
    /// A session on a welcomed connection.
    pub(crate) fn new(
        link: &'s mut Link<'a>,
        frames: &'s mut Frames,
        write: &'s mut OwnedWriteHalf,
        welcome: &Welcome,
        handshake_round_trip: Duration,
        connected_at: Instant,
        overview: bool,
    ) -> Self {
        let mut flow = FlowControl::new();
        flow.add_round_trip(handshake_round_trip);
        // The Hello asked for an overview: batch 1 is on its way.
        if overview {
            flow.granted_by_hello(1);
        }
        let mut views = link.shared.subscribe_views();
        views.borrow_and_update();
        Self {
            heartbeat_timeout: heartbeat_timeout(welcome.heartbeat_timeout_ms, link.cfg),
            base: link.shared.batch(),
            granting: !link.cfg.level_of_detail,
            link,
            frames,
            write,
            flow,
            clock: ClockEstimator::default(),
            one_way: OneWayDelays::default(),
            nonce: 0,
            batch_bytes: 0,
            views,
            sent_views: HashMap::new(),
            layout_seen: None,
            first_grant_at: None,
            connected_at,
            impossible_seen: false,
            codec: welcome.codec,
            acked: None,
            ack_due: None,
        }
    }

    /// Runs the conversation to its end.
    pub(crate) async fn run(mut self) -> Result<End, NetError> {
        match self.converse().await {
            Err(NetError::Io(err)) => self.goodbye_after(err).await,
            other => other,
        }
    }

    /// A write or read failed: the server may have closed right after its
    /// goodbye (a reset can fail our next write while the goodbye still
    /// waits, unread, in the receive buffer). What arrived is read for a
    /// moment, for the goodbye; without one the error stands.
    async fn goodbye_after(&mut self, err: std::io::Error) -> Result<End, NetError> {
        match unread_goodbye(self.frames, self.codec, GOODBYE_AFTER_ERROR).await {
            Some(end) => Ok(end),
            None => Err(NetError::Io(err)),
        }
    }

    /// The conversation until it ends or fails.
    async fn converse(&mut self) -> Result<End, NetError> {
        // Ping often enough that a quiet but healthy server is never taken
        // for a dead one, whatever timeout it announced.
        let ping_every = self
            .link
            .cfg
            .ping_interval
            .min(self.heartbeat_timeout / 3)
            .max(Duration::from_millis(10));
        let mut ping =
            tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let bytes_signal = self.frames.get_ref().signal();
        // Acknowledging starts before the first Ready, so the server holds
        // even the first batches to what the link carries.
        if self.link.cfg.acknowledge {
            self.ack().await?;
        }
        if self.granting {
            self.grant().await?;
        }
        let lod = self.link.cfg.level_of_detail;
        loop {
            let silent_until = self.frames.get_ref().last_activity() + self.heartbeat_timeout;
            let first_grant_wait = self.first_grant_at.filter(|_| !self.granting);
            let record_tick = self.link.recorder.as_ref().and_then(Recorder::next_tick);
            let now = tokio::time::Instant::now();
            let ack_due = self.ack_due;
            tokio::select! {
                () = self.link.cancel.cancelled() => return Ok(End::Cancelled),
                () = bytes_signal.notified() => self.on_bytes().await?,
                () = sleep_until(ack_due.unwrap_or(now)), if ack_due.is_some() => {
                    self.ack_due = None;
                    self.ack().await?;
                }
                () = sleep_until(record_tick.unwrap_or_else(Instant::now).into()), if record_tick.is_some() => {
                    self.record_tick();
                }
                () = sleep_until(silent_until) => self.check_heartbeat()?,
                () = sleep_until(first_grant_wait.unwrap_or(now)), if first_grant_wait.is_some() => {
                    // Nothing drawn in time (a minimised window): full data.
                    self.granting = true;
                    self.grant().await?;
                }
                changed = self.views.changed(), if lod => {
                    if changed.is_ok() {
                        self.on_views().await?;
                    }
                }
                _ = ping.tick() => self.ping().await?,
                changed = self.link.presented.changed() => {
                    if changed.is_ok() && self.granting {
                        self.grant().await?;
                    }
                }
                next = self.frames.next() => {
                    let body = match next {
                        None => return Err(NetError::Closed),
                        Some(body) => body?,
                    };
                    if let Some(end) = self.on_message(body).await? {
                        return Ok(end);
                    }
                }
            }
        }
    }

    /// The server was silent for a heartbeat timeout: gone, unless bytes
    /// of a large frame arrived meanwhile.
    fn check_heartbeat(&self) -> Result<(), NetError> {
        let silent_since = self.frames.get_ref().last_activity();
        if silent_since + self.heartbeat_timeout <= tokio::time::Instant::now() {
            return Err(NetError::Timeout {
                what: "heartbeat (nothing from the server)",
                after: self.heartbeat_timeout,
            });
        }
        Ok(())
    }

    /// Sends one control message.
    async fn send(&mut self, msg: &Message) -> Result<(), NetError> {
        send(self.write, msg, self.heartbeat_timeout).await
    }

    /// Acknowledges every byte received so far, and asks to be told when
    /// the next [`ACK_BYTES`] arrived.
    async fn ack(&mut self) -> Result<(), NetError> {
        self.ack_then(ACK_BYTES).await
    }

    /// Acknowledges every byte received so far, and asks to be told when
    /// `next` more bytes arrived. At a batch end that is the next batch's
    /// first bytes: their acknowledgement, sent before the rest of the
    /// batch arrives, gives the server a round trip that does not include
    /// the batch's own transfer (acknowledged only after its first 8 KiB,
    /// every round trip measured held 13 ms or more of transfer at
    /// 5 Mbit/s, and the cap, sized from the smallest, kept that much
    /// queue at the bottleneck: 20 ms of age at 5 Mbit/s, 150 ms one way).
    async fn ack_then(&mut self, next: u64) -> Result<(), NetError> {
        let received = self.frames.get_ref().bytes_read();
        if self.acked.is_none_or(|(acked, _)| received > acked) {
            let ack = Ack {
                received_bytes: received,
            };
            self.send(&Message::Ack(ack)).await?;
        }
        self.acked = Some((received, tokio::time::Instant::now()));
        self.frames.get_mut().signal_at(received + next);
        Ok(())
    }

    /// [`ACK_BYTES`] more arrived: acknowledge them, or soon (at most one
    /// acknowledgement per [`ACK_MIN_INTERVAL`]).
    async fn on_bytes(&mut self) -> Result<(), NetError> {
        let Some((_, at)) = self.acked else {
            return Ok(());
        };
        let next = at + ACK_MIN_INTERVAL;
        if next > tokio::time::Instant::now() {
            self.ack_due.get_or_insert(next);
            return Ok(());
        }
        self.ack().await
    }

    async fn ping(&mut self) -> Result<(), NetError> {
        self.nonce += 1;
        let msg = Message::Ping(Ping::at(self.nonce, clock::now_us()));
        self.send(&msg).await
    }

    /// The drawing side drew with new views: tell the server the ones that
    /// changed (once this connection's layout was drawn), then start
    /// asking for data.
    async fn on_views(&mut self) -> Result<(), NetError> {
        let current = self.views.borrow_and_update().clone();
        let for_this_layout = self
            .layout_seen
            .is_some_and(|v| current.layout_version >= v);
        if !for_this_layout {
            return Ok(());
        }
        for view in &current.views {
            if self.sent_views.get(&view.channel) != Some(view) {
                self.send(&Message::View(*view)).await?;
                self.sent_views.insert(view.channel, *view);
            }
        }
        if !self.granting {
            self.granting = true;
            self.grant().await?;
        }
        Ok(())
    }

    /// Asks for more batches if the drawing side has caught up (or the
    /// window grew).
    async fn grant(&mut self) -> Result<(), NetError> {
        let drawn = (*self.link.presented.borrow_and_update()).saturating_sub(self.base);
        let period = self.link.shared.draw_period();
        if let Some(batch) = self.flow.grant(drawn, period) {
            let ready = Ready {
                batch,
                interval_us: pacing_interval_us(period),
            };
            self.send(&Message::Ready(ready)).await?;
        }
        Ok(())
    }

    /// Writes what the recorder holds for this tick and shows its figures.
    fn record_tick(&mut self) {
        if let Some(recorder) = self.link.recorder.as_mut() {
            recorder.tick(Instant::now());
            let status = recorder.status();
            self.link
                .shared
                .update(|s| s.status.recording = Some(status));
        }
    }

    /// One message from the server; `Some` when it ends the connection.
    async fn on_message(&mut self, body: Bytes) -> Result<Option<End>, NetError> {
        let arrived_us = clock::now_us();
        self.batch_bytes += (body.len() + LENGTH_PREFIX_BYTES) as u64;
        let msg = decode_on(body.clone(), self.codec).map_err(|err| match err {
            ProtocolError::CodecNotNegotiated { found, negotiated } => {
                NetError::from(Violation::UnsettledCodec { found, negotiated })
            }
            err => err.into(),
        })?;
        if let Some(recorder) = self.link.recorder.as_mut() {
            recorder.message(&body, &msg, Instant::now());
        }
        match msg {
            Message::Ping(ping) => {
                let pong = Pong::answer(&ping, arrived_us, clock::now_us());
                self.send(&Message::Pong(pong)).await?;
                // The server pings when the link has room: a clean
                // downstream delay.
                self.one_way
                    .arrived(ping.sent_us, arrived_us, std::time::Instant::now());
                self.show_clock();
            }
            Message::Pong(pong) => self.on_pong(&pong, arrived_us).await?,
            Message::Layout(layout) => self.on_layout(layout),
            Message::Data(frame) => self.on_data(frame)?,
            Message::BatchEnd(end) => {
                self.on_batch_end(&end)?;
                // The whole batch arrived: the server may send the next.
                if self.acked.is_some() {
                    self.ack_due = None;
                    self.ack_then(1).await?;
                }
            }
            Message::Goodbye(bye) => {
                let reason = clean(&bye.reason, MAX_REASON_CHARS).into_owned();
                return Ok(Some(End::Goodbye {
                    code: bye.code,
                    reason,
                }));
            }
            other => {
                return Err(NetError::Unexpected {
                    got: other.name(),
                    when: "after the handshake",
                });
            }
        }
        Ok(None)
    }

    /// A pong: a round trip and a clock sample.
    async fn on_pong(&mut self, pong: &Pong, arrived_us: u64) -> Result<(), NetError> {
        // Control messages are not batch data.
        self.batch_bytes = self.batch_bytes.saturating_sub(PONG_WIRE_BYTES);
        let connected_us =
            u64::try_from(self.connected_at.elapsed().as_micros()).unwrap_or(u64::MAX);
        let sample = match ClockSample::from_pong(pong, arrived_us, connected_us) {
            Ok(sample) => sample,
            // The estimate stays what it was; a broken server sends many.
            Err(err) => {
                if !self.impossible_seen {
                    self.impossible_seen = true;
                    warn!("clock sample ignored (and any more from this server): {err}");
                }
                return Ok(());
            }
        };
        self.clock.add(sample);
        self.one_way
            .pong(pong, arrived_us, std::time::Instant::now());
        self.flow.pong(sample.round_trip_us);
        self.show_clock();
        // A new round trip may widen the window.
        if self.granting {
            self.grant().await?;
        }
        Ok(())
    }

    /// Shows the clock offset and the path's round trip: from each
    /// direction's smallest delay once both have one, else NTP's best
    /// exchange.
    fn show_clock(&mut self) {
        let best = self.one_way.estimate().or_else(|| self.clock.best());
        let Some(best) = best else { return };
        self.link.shared.update(|s| {
            s.status.clock_offset_us = best.offset_us;
            s.status.round_trip = Some(Duration::from_micros(best.round_trip_us));
        });
    }

    fn on_layout(&mut self, layout: Layout) {
        let version = self.link.shared.update(|s| {
            s.set_layout(layout);
            s.layout_version
        });
        if self.layout_seen.is_none() {
            self.first_grant_at = Some(tokio::time::Instant::now() + VIEWS_WAIT);
        }
        self.layout_seen = Some(version);
        (self.link.wake)(NetEvent::Changed);
    }

    fn on_data(&mut self, frame: Frame) -> Result<(), Violation> {
        // Data belongs to a batch asked for: with every granted batch
        // ended, nothing more may come (a server cannot make the viewer
        // take more than it asked).
        let granted = self.flow.granted();
        if self.flow.received() >= granted {
            return Err(Violation::DataBeyondGrant { granted });
        }
        let now = Instant::now();
        // A frame for a channel the layout does not list is dropped by
        // the state (a peer cannot grow it).
        self.link.shared.update(|s| s.apply_frame(frame, now));
        Ok(())
    }

    fn on_batch_end(&mut self, end: &BatchEnd) -> Result<(), Violation> {
        let granted = self.flow.granted();
        if end.batch > granted {
            return Err(Violation::BatchBeyondGrant {
                batch: end.batch,
                granted,
            });
        }
        let expected = self.flow.received() + 1;
        if end.batch != expected {
            return Err(Violation::BatchOutOfOrder {
                got: end.batch,
                expected,
            });
        }
        let reader = self.frames.get_mut();
        let on_wire = reader
            .first_since_mark()
            .map_or(Duration::ZERO, |t| t.elapsed());
        reader.mark();
        self.flow
            .batch_end(self.batch_bytes, on_wire, Instant::now());
        self.batch_bytes = 0;
        let window = self.flow.window(self.link.shared.draw_period());
        let skipped = end.skipped;
        self.link.shared.update(|s| {
            s.status.frames_skipped = s.status.frames_skipped.saturating_add(skipped);
            s.status.window = window;
        });
        self.link.shared.finish_batch();
        (self.link.wake)(NetEvent::Changed);
        Ok(())
    }
}

/// A goodbye among the messages that already arrived (read for at most
/// `within`; others are dropped: the connection is over).
async fn unread_goodbye(frames: &mut Frames, codec: u8, within: Duration) -> Option<End> {
    let deadline = tokio::time::Instant::now() + within;
    while let Ok(Some(Ok(body))) = tokio::time::timeout_at(deadline, frames.next()).await {
        if let Ok(Message::Goodbye(bye)) = decode_on(body, codec) {
            let reason = clean(&bye.reason, MAX_REASON_CHARS).into_owned();
            return Some(End::Goodbye {
                code: bye.code,
                reason,
            });
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::net::activity::ActivityReader;
    use plotcast_protocol::{encode, FrameCodec, Goodbye, GoodbyeCode, Ping};
    use tokio::io::AsyncWriteExt;
    use tokio_util::codec::FramedRead;

    #[tokio::test]
    async fn a_goodbye_before_a_reset_is_still_read() {
        // The server writes a ping and its goodbye, then closes with
        // unread bytes of ours in its buffer: the kernel resets the
        // connection (SO_LINGER 0 does the same at once). Our next write
        // fails; the goodbye must still be found.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let (read, mut write) = client.into_split();
        let mut server = server;
        let ping = encode(&Message::Ping(Ping::at(1, 2))).unwrap();
        let bye = Message::Goodbye(Goodbye {
            code: GoodbyeCode::Interrupted,
            reason: "interrupted: SIGINT".into(),
        });
        server.write_all(&ping).await.unwrap();
        server.write_all(&encode(&bye).unwrap()).await.unwrap();
        // A zero linger never blocks (tokio deprecates the call for
        // non-zero ones, which block the thread on drop).
        #[allow(deprecated)]
        server.set_linger(Some(Duration::ZERO)).unwrap();
        drop(server);
        // Our write fails once the reset arrived.
        let failed = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if write.write_all(b"x").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
        assert!(failed.is_ok(), "writing never failed after the reset");
        let mut frames: Frames =
            FramedRead::new(ActivityReader::new(read), FrameCodec::new(1 << 20));
        let end = unread_goodbye(&mut frames, 0, Duration::from_secs(5)).await;
        match end {
            Some(End::Goodbye { code, reason }) => {
                assert_eq!(code, GoodbyeCode::Interrupted);
                assert_eq!(reason, "interrupted: SIGINT");
            }
            other => panic!("expected the goodbye, got {other:?}"),
        }
    }

    #[test]
    fn announced_heartbeat_timeouts_are_clamped() {
        let cfg = NetConfig::default();
        assert_eq!(heartbeat_timeout(0, &cfg), cfg.heartbeat_timeout);
        assert_eq!(heartbeat_timeout(6000, &cfg), Duration::from_secs(6));
        assert_eq!(heartbeat_timeout(u32::MAX, &cfg), MAX_HEARTBEAT_TIMEOUT);
        assert_eq!(heartbeat_timeout(1, &cfg), MIN_HEARTBEAT_TIMEOUT);
    }
}
