//! One connection to a server, from TCP connect to its end.
//!
//! ```text
//! viewer                                  server
//! Hello{version, token, peer_name}  ───▶
//!                                   ◀───  Welcome | Reject
//!                                   ◀───  Layout
//! Ready{W}                          ───▶
//!                                   ◀───  [Layout] Data* BatchEnd{1}
//!                                   ◀───  [Layout] Data* BatchEnd{2} ...
//! (drew batch k)  Ready{k + W}      ───▶  ...
//! Ping / Pong either way, at any time; Goodbye either way to close.
//! ```
//!
//! A window of `W` batches runs ahead of what the drawing side has
//! presented (see [`crate::net::flow`] for its size and [`crate::net::shared`] for
//! the presented signal). Pings go out every `ping_interval`; their pongs
//! give the round trip and the offset to the server's clock
//! ([`ClockEstimator`]), so frame ages are true end to end. Pings from the
//! server are answered here, independently of drawing, and silence longer
//! than the heartbeat timeout of the `Welcome` ends the connection.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use plotcast_protocol::{
    decode, encode, ClockEstimator, ClockSample, FrameCodec, Goodbye, GoodbyeCode, Hello, Message,
    Ping, Pong, Ready, View, Welcome, CODECS_LZ4_SHUFFLE, LENGTH_PREFIX_BYTES, VERSION,
    WELCOME_MAX_FRAME_BYTES,
};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{sleep_until, timeout};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::clock;
use crate::error::NetError;
use crate::model::Connection;
use crate::net::activity::ActivityReader;
use crate::net::flow::FlowControl;
use crate::net::shared::Shared;
use crate::net::{NetConfig, NetEvent};
use crate::peer_text::{clean, clean_in_place, MAX_LABEL_CHARS, MAX_REASON_CHARS};
use crate::recording::recorder::Recorder;

/// How long a best-effort `Goodbye` may take when closing.
const GOODBYE_TIMEOUT: Duration = Duration::from_millis(300);

/// How a connection ended without an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// We were asked to stop (window closed, enough frames).
    Cancelled,
    /// The server said goodbye.
    Goodbye {
        /// Its code.
        code: GoodbyeCode,
        /// Its words.
        reason: String,
    },
}

/// Everything one connection needs from the network thread.
pub(crate) struct Link<'a> {
    pub(crate) cfg: &'a NetConfig,
    pub(crate) shared: &'a Shared,
    pub(crate) wake: &'a (dyn Fn(NetEvent) + Send + Sync),
    pub(crate) presented: &'a mut watch::Receiver<u64>,
    pub(crate) cancel: &'a CancellationToken,
    /// Writes what arrives to a recording file (`--record`).
    pub(crate) recorder: &'a mut Option<Recorder>,
}

type Frames = FramedRead<ActivityReader<OwnedReadHalf>, FrameCodec>;

/// A connection that got past the Hello.
struct Handshaken {
    frames: Frames,
    write: OwnedWriteHalf,
    /// The Welcome, or the Goodbye of a server that is already stopping.
    welcome: Result<Welcome, End>,
    /// Hello to Welcome: a round trip with no data in flight.
    round_trip: Duration,
}

impl Link<'_> {
    /// Runs one connection to its end. `welcomed` is set once the handshake
    /// succeeded, so the caller can reset its backoff.
    pub(crate) async fn run(&mut self, welcomed: &mut bool) -> Result<End, NetError> {
        let Some(Handshaken {
            mut frames,
            mut write,
            welcome,
            round_trip,
        }) = self.handshake().await?
        else {
            return Ok(End::Cancelled);
        };
        let welcome = match welcome {
            Ok(welcome) => welcome,
            Err(end) => return Ok(end),
        };
        *welcomed = true;
        frames
            .decoder_mut()
            .set_max_frame_bytes(self.cfg.max_frame_bytes);
        debug!(server = %welcome.server_name, session = welcome.session_id, "connected");
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.session(&welcome, Instant::now());
        }
        self.shared.update(|s| {
            s.reset_session();
            s.status.server_name = welcome.server_name.clone();
            s.status.connection = Connection::Connected;
        });
        (self.wake)(NetEvent::Changed);
        let result = self
            .serve(&mut frames, &mut write, &welcome, round_trip)
            .await;
        if matches!(result, Ok(End::Cancelled)) {
            let bye = Message::Goodbye(Goodbye {
                code: GoodbyeCode::Normal,
                reason: "viewer closed".into(),
            });
            // Best effort: the server notices the closed socket anyway. Then
            // read until the server closes too: closing a socket with unread
            // data sends a reset, which can destroy the goodbye before the
            // server has read it.
            let _ = timeout(GOODBYE_TIMEOUT, async {
                send(&mut write, &bye, GOODBYE_TIMEOUT).await?;
                write.shutdown().await?;
                while let Some(Ok(_)) = frames.next().await {}
                Ok::<(), NetError>(())
            })
            .await;
        }
        result
    }

    /// Connects and exchanges Hello / Welcome. `None` when cancelled;
    /// `Err(End)` inside when the server said goodbye instead of welcome.
    async fn handshake(&mut self) -> Result<Option<Handshaken>, NetError> {
        let cfg = self.cfg;
        let connect = timeout(cfg.connect_timeout, TcpStream::connect(cfg.addr.as_str()));
        let stream = tokio::select! {
            () = self.cancel.cancelled() => return Ok(None),
            connected = connect => match connected {
                Err(_) => return Err(NetError::Timeout { what: "connecting", after: cfg.connect_timeout }),
                Ok(Err(source)) => return Err(NetError::Connect { addr: cfg.addr.clone(), source }),
                Ok(Ok(stream)) => stream,
            },
        };
        stream.set_nodelay(true)?;
        let (read, mut write) = stream.into_split();
        let mut frames = FramedRead::new(
            ActivityReader::new(read),
            FrameCodec::new(WELCOME_MAX_FRAME_BYTES),
        );
        let compress = match cfg.compress {
            Some(yes) => yes,
            // Off on this machine (copying is cheaper than compressing),
            // on across a network.
            None => !stream_peer_is_loopback(&write),
        };
        let hello = Message::Hello(Hello {
            version: VERSION,
            token: cfg.token.clone(),
            peer_name: cfg.peer_name.clone(),
            codecs: if compress { CODECS_LZ4_SHUFFLE } else { 0 },
        });
        send(&mut write, &hello, cfg.handshake_timeout).await?;
        let hello_sent = Instant::now();
        let first = tokio::select! {
            () = self.cancel.cancelled() => return Ok(None),
            first = timeout(cfg.handshake_timeout, frames.next()) => first,
        };
        let body = match first {
            Err(_) => {
                return Err(NetError::Timeout {
                    what: "waiting for the server's welcome",
                    after: cfg.handshake_timeout,
                })
            }
            Ok(None) => return Err(NetError::Closed),
            Ok(Some(body)) => body?,
        };
        let welcome = match decode(body)? {
            Message::Welcome(mut welcome) => {
                clean_in_place(&mut welcome.server_name, MAX_LABEL_CHARS);
                Ok(welcome)
            }
            Message::Reject(reject) => {
                return Err(NetError::Rejected {
                    addr: cfg.addr.clone(),
                    code: reject.code,
                    reason: clean(&reject.reason, MAX_REASON_CHARS).into_owned(),
                    server_version: reject.server_version,
                })
            }
            Message::Goodbye(bye) => Err(End::Goodbye {
                code: bye.code,
                reason: clean(&bye.reason, MAX_REASON_CHARS).into_owned(),
            }),
            other => {
                return Err(NetError::Unexpected {
                    got: other.name(),
                    when: "instead of a welcome",
                })
            }
        };
        Ok(Some(Handshaken {
            frames,
            write,
            welcome,
            round_trip: hello_sent.elapsed(),
        }))
    }

    /// The conversation after the handshake.
    async fn serve(
        &mut self,
        frames: &mut Frames,
        write: &mut OwnedWriteHalf,
        welcome: &Welcome,
        handshake_round_trip: Duration,
    ) -> Result<End, NetError> {
        let heartbeat_timeout = heartbeat_timeout(welcome.heartbeat_timeout_ms, self.cfg);
        // Ping often enough that a quiet but healthy server is never taken
        // for a dead one, whatever timeout it announced.
        let ping_every = self
            .cfg
            .ping_interval
            .min(heartbeat_timeout / 3)
            .max(Duration::from_millis(10));
        let mut ping =
            tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut nonce = 0u64;
        let mut flow = FlowControl::new();
        flow.add_round_trip(handshake_round_trip);
        let mut clock = ClockEstimator::default();
        // Batches applied before this connection (across reconnects): what
        // the drawing side presents is counted from here.
        let base = self.shared.batch();
        let mut batch_bytes = 0u64;
        // Level of detail: before asking for data, the server should know
        // how big each plot is drawn, so that even the first frame comes
        // reduced (a 4096² heatmap is 128 MiB raw). So the first Ready
        // waits until the drawing side has drawn this connection's layout
        // and its views went out, or VIEWS_WAIT passed.
        let mut views = self.shared.subscribe_views();
        views.borrow_and_update();
        let mut sent_views: HashMap<u32, View> = HashMap::new();
        let mut layout_seen = None::<u64>;
        let mut first_grant_at = None::<tokio::time::Instant>;
        let mut granting = !self.cfg.level_of_detail;
        if granting {
            self.grant(write, &mut flow, base, heartbeat_timeout)
                .await?;
        }
        loop {
            let silent_until = frames.get_ref().last_activity() + heartbeat_timeout;
            let first_grant_wait = first_grant_at.filter(|_| !granting);
            let record_tick = self.recorder.as_ref().and_then(Recorder::next_tick);
            tokio::select! {
                () = self.cancel.cancelled() => return Ok(End::Cancelled),
                () = sleep_until(record_tick.unwrap_or_else(Instant::now).into()), if record_tick.is_some() => {
                    self.record_tick();
                }
                () = sleep_until(silent_until) => {
                    // Bytes of a large frame may have arrived meanwhile.
                    if frames.get_ref().last_activity() + heartbeat_timeout <= tokio::time::Instant::now() {
                        return Err(NetError::Timeout {
                            what: "heartbeat (nothing from the server)",
                            after: heartbeat_timeout,
                        });
                    }
                }
                () = sleep_until(first_grant_wait.unwrap_or_else(tokio::time::Instant::now)), if first_grant_wait.is_some() => {
                    // Nothing drawn in time (a minimised window): full data.
                    granting = true;
                    self.grant(write, &mut flow, base, heartbeat_timeout).await?;
                }
                changed = views.changed(), if self.cfg.level_of_detail => {
                    if changed.is_err() {
                        continue;
                    }
                    let current = views.borrow_and_update().clone();
                    let for_this_layout = layout_seen.is_some_and(|v| current.layout_version >= v);
                    if for_this_layout {
                        for view in &current.views {
                            if sent_views.get(&view.channel) != Some(view) {
                                send(write, &Message::View(*view), heartbeat_timeout).await?;
                                sent_views.insert(view.channel, *view);
                            }
                        }
                        if !granting {
                            granting = true;
                            self.grant(write, &mut flow, base, heartbeat_timeout).await?;
                        }
                    }
                }
                _ = ping.tick() => {
                    nonce += 1;
                    let msg = Message::Ping(Ping::at(nonce, clock::now_us()));
                    send(write, &msg, heartbeat_timeout).await?;
                }
                changed = self.presented.changed() => {
                    if changed.is_ok() && granting {
                        self.grant(write, &mut flow, base, heartbeat_timeout).await?;
                    }
                }
                next = frames.next() => {
                    let body = match next {
                        None => return Err(NetError::Closed),
                        Some(body) => body?,
                    };
                    let arrived_us = clock::now_us();
                    batch_bytes += (body.len() + LENGTH_PREFIX_BYTES) as u64;
                    let msg = decode(body.clone())?;
                    if let Some(recorder) = self.recorder.as_mut() {
                        recorder.message(&body, &msg, Instant::now());
                    }
                    match msg {
                        Message::Ping(ping) => {
                            let pong = Pong::answer(&ping, arrived_us, clock::now_us());
                            send(write, &Message::Pong(pong), heartbeat_timeout).await?;
                        }
                        Message::Pong(pong) => {
                            // Control messages are not batch data.
                            batch_bytes = batch_bytes.saturating_sub(PONG_WIRE_BYTES);
                            if let Some(sample) = ClockSample::from_pong(&pong, arrived_us) {
                                clock.add(sample);
                                flow.pong(sample.round_trip_us);
                                self.shared.update(|s| {
                                    s.status.clock_offset_us = clock.offset_us().unwrap_or(0);
                                    s.status.round_trip = clock.min_round_trip_us().map(Duration::from_micros);
                                });
                                // A new round trip may widen the window.
                                if granting {
                                    self.grant(write, &mut flow, base, heartbeat_timeout).await?;
                                }
                            }
                        }
                        Message::Layout(layout) => {
                            let version = self.shared.update(|s| {
                                s.set_layout(layout);
                                s.layout_version
                            });
                            if layout_seen.is_none() {
                                first_grant_at = Some(tokio::time::Instant::now() + VIEWS_WAIT);
                            }
                            layout_seen = Some(version);
                            (self.wake)(NetEvent::Changed);
                        }
                        Message::Data(frame) => {
                            let now = Instant::now();
                            // A frame for a channel the layout does not list is
                            // dropped by the state (a peer cannot grow it).
                            self.shared.update(|s| s.apply_frame(frame, now));
                        }
                        Message::BatchEnd(end) => {
                            let reader = frames.get_mut();
                            let on_wire = reader.first_since_mark().map_or(Duration::ZERO, |t| t.elapsed());
                            reader.mark();
                            flow.batch_end(batch_bytes, on_wire);
                            batch_bytes = 0;
                            if end.batch > flow.granted() {
                                warn!(got = end.batch, granted = flow.granted(), "batch the viewer did not ask for");
                            }
                            let window = flow.window(self.shared.draw_period());
                            self.shared.update(|s| {
                                s.status.frames_skipped = s.status.frames_skipped.saturating_add(end.skipped);
                                s.status.window = window;
                            });
                            self.shared.finish_batch();
                            (self.wake)(NetEvent::Changed);
                        }
                        Message::Goodbye(bye) => {
                            let reason = clean(&bye.reason, MAX_REASON_CHARS).into_owned();
                            return Ok(End::Goodbye { code: bye.code, reason });
                        }
                        other => {
                            return Err(NetError::Unexpected {
                                got: other.name(),
                                when: "after the handshake",
                            });
                        }
                    }
                }
            }
        }
    }

    /// Writes what the recorder holds for this tick and shows its figures.
    fn record_tick(&mut self) {
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.tick(Instant::now());
            let status = recorder.status();
            self.shared.update(|s| s.status.recording = Some(status));
        }
    }

    /// Asks for more batches if the drawing side has caught up (or the
    /// window grew).
    async fn grant(
        &mut self,
        write: &mut OwnedWriteHalf,
        flow: &mut FlowControl,
        base: u64,
        limit: Duration,
    ) -> Result<(), NetError> {
        let drawn = (*self.presented.borrow_and_update()).saturating_sub(base);
        let period = self.shared.draw_period();
        if let Some(batch) = flow.grant(drawn, period) {
            let ready = Ready {
                batch,
                interval_us: pacing_interval_us(period),
            };
            send(write, &Message::Ready(ready), limit).await?;
        }
        Ok(())
    }
}

/// The pacing interval asked of the server: a little under the drawing
/// period, so batches arrive spread out at about the rate they are drawn
/// (a burst would merge into one frame) and a drawing slot rarely finds
/// nothing new.
fn pacing_interval_us(draw_period: Duration) -> u32 {
    u32::try_from(draw_period.as_micros() * 4 / 5).unwrap_or(u32::MAX)
}

/// How long the first Ready waits for the drawing side to draw the layout
/// (and so tell the server how big each plot is).
const VIEWS_WAIT: Duration = Duration::from_millis(500);

/// Bytes of a Pong frame on the wire (prefix, header of four varints up
/// to 9 bytes each, padding), subtracted from a batch's byte count.
const PONG_WIRE_BYTES: u64 = 48;

/// Whether the connection goes to this machine.
fn stream_peer_is_loopback(write: &OwnedWriteHalf) -> bool {
    write.peer_addr().is_ok_and(|a| a.ip().is_loopback())
}

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

/// Writes one message within `limit`. Control messages are tiny: a write
/// that cannot finish means the server stopped reading.
async fn send(write: &mut OwnedWriteHalf, msg: &Message, limit: Duration) -> Result<(), NetError> {
    let bytes = encode(msg)?;
    match timeout(limit, write.write_all(&bytes)).await {
        Ok(written) => Ok(written?),
        Err(_) => Err(NetError::Timeout {
            what: "sending to the server",
            after: limit,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_heartbeat_timeouts_are_clamped() {
        let cfg = NetConfig::default();
        assert_eq!(heartbeat_timeout(0, &cfg), cfg.heartbeat_timeout);
        assert_eq!(heartbeat_timeout(6000, &cfg), Duration::from_secs(6));
        assert_eq!(heartbeat_timeout(u32::MAX, &cfg), MAX_HEARTBEAT_TIMEOUT);
        assert_eq!(heartbeat_timeout(1, &cfg), MIN_HEARTBEAT_TIMEOUT);
    }
}
