//! One connection to a server, from TCP connect to its end.
//!
//! ```text
//! viewer                                  server
//! Hello{version, token, peer_name}  ───▶
//!                                   ◀───  Welcome | Reject
//!                                   ◀───  Layout
//! Ready{1}                          ───▶
//!                                   ◀───  [Layout] Data* BatchEnd{1}
//! (draw it, then)  Ready{2}         ───▶  ...
//! Ping / Pong either way, at any time; Goodbye either way to close.
//! ```
//!
//! Only one batch is in flight: the next `Ready` goes out once the drawing
//! side has presented the previous batch (see [`crate::shared`]). Pings are
//! answered here, independently of drawing, and silence longer than the
//! heartbeat timeout of the `Welcome` ends the connection.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use plotcast_protocol::{
    decode, encode, FrameCodec, Goodbye, GoodbyeCode, Hello, Message, Ping, Pong, Ready, Welcome,
    VERSION,
};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{sleep_until, timeout};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::activity::ActivityReader;
use crate::error::NetError;
use crate::net::{NetConfig, NetEvent};
use crate::peer_text::{clean, clean_in_place, MAX_LABEL_CHARS, MAX_REASON_CHARS};
use crate::shared::Shared;
use crate::state::Connection;

/// Largest frame accepted before the `Welcome`: a stranger on the port must
/// not make the viewer reserve memory.
const HANDSHAKE_MAX_FRAME_BYTES: usize = 64 * 1024;

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
}

type Frames = FramedRead<ActivityReader<OwnedReadHalf>, FrameCodec>;

impl Link<'_> {
    /// Runs one connection to its end. `welcomed` is set once the handshake
    /// succeeded, so the caller can reset its backoff.
    pub(crate) async fn run(&mut self, welcomed: &mut bool) -> Result<End, NetError> {
        let Some((mut frames, mut write, welcome)) = self.handshake().await? else {
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
        self.shared.update(|s| {
            s.reset_session();
            s.status.server_name = welcome.server_name.clone();
            s.status.connection = Connection::Connected;
        });
        (self.wake)(NetEvent::Changed);
        let result = self.serve(&mut frames, &mut write, &welcome).await;
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
    async fn handshake(
        &mut self,
    ) -> Result<Option<(Frames, OwnedWriteHalf, Result<Welcome, End>)>, NetError> {
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
            FrameCodec::new(HANDSHAKE_MAX_FRAME_BYTES),
        );
        let hello = Message::Hello(Hello {
            version: VERSION,
            token: cfg.token.clone(),
            peer_name: cfg.peer_name.clone(),
        });
        send(&mut write, &hello, cfg.handshake_timeout).await?;
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
        Ok(Some((frames, write, welcome)))
    }

    /// The conversation after the handshake.
    async fn serve(
        &mut self,
        frames: &mut Frames,
        write: &mut OwnedWriteHalf,
        welcome: &Welcome,
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
        let mut wire_batch = 1u64;
        send(
            write,
            &Message::Ready(Ready { batch: wire_batch }),
            heartbeat_timeout,
        )
        .await?;
        // The shared batch number the drawing side must present before the
        // next Ready; `None` while a batch is in flight.
        let mut awaiting: Option<u64> = None;
        loop {
            let target = awaiting.unwrap_or(u64::MAX);
            let silent_until = frames.get_ref().last_activity() + heartbeat_timeout;
            tokio::select! {
                () = self.cancel.cancelled() => return Ok(End::Cancelled),
                () = sleep_until(silent_until) => {
                    // Bytes of a large frame may have arrived meanwhile.
                    if frames.get_ref().last_activity() + heartbeat_timeout <= tokio::time::Instant::now() {
                        return Err(NetError::Timeout {
                            what: "heartbeat (nothing from the server)",
                            after: heartbeat_timeout,
                        });
                    }
                }
                _ = ping.tick() => {
                    nonce += 1;
                    send(write, &Message::Ping(Ping { nonce }), heartbeat_timeout).await?;
                }
                shown = self.presented.wait_for(|&p| p >= target), if awaiting.is_some() => {
                    drop(shown);
                    awaiting = None;
                    wire_batch += 1;
                    send(write, &Message::Ready(Ready { batch: wire_batch }), heartbeat_timeout).await?;
                }
                next = frames.next() => {
                    let body = match next {
                        None => return Err(NetError::Closed),
                        Some(body) => body?,
                    };
                    match decode(body)? {
                        Message::Ping(Ping { nonce }) => {
                            send(write, &Message::Pong(Pong { nonce }), heartbeat_timeout).await?;
                        }
                        Message::Pong(_) => {}
                        Message::Layout(layout) => {
                            self.shared.update(|s| s.set_layout(layout));
                            (self.wake)(NetEvent::Changed);
                        }
                        Message::Data(frame) => {
                            let now = Instant::now();
                            // A frame for a channel the layout does not list is
                            // dropped by the state (a peer cannot grow it).
                            self.shared.update(|s| s.apply_frame(frame, now));
                        }
                        Message::BatchEnd(end) => {
                            if end.batch != wire_batch || awaiting.is_some() {
                                warn!(got = end.batch, expected = wire_batch, "batch end out of turn");
                            }
                            let offset = i128::from(end.server_time_us) - i128::from(unix_now_us());
                            let offset = i64::try_from(offset).unwrap_or(if offset < 0 { i64::MIN } else { i64::MAX });
                            self.shared.update(|s| {
                                s.status.frames_skipped += end.skipped;
                                s.status.clock_offset_us = offset;
                            });
                            awaiting = Some(self.shared.finish_batch());
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

/// Microseconds since the Unix epoch, by this machine's clock.
pub fn unix_now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
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
