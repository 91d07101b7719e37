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
//! After the handshake the conversation is a [`Session`]; here is the
//! connect, the Hello and Welcome, and the goodbye when the viewer closes.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use plotcast_protocol::{
    decode, FrameCodec, Goodbye, GoodbyeCode, Hello, Message, Overview, Welcome,
    CODECS_LZ4_SHUFFLE, CODECS_U8_CODES, CODEC_LZ4_SHUFFLE, CODEC_NONE, VERSION,
    WELCOME_MAX_FRAME_BYTES,
};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::FramedRead;
use tracing::debug;

use super::activity::ActivityReader;
use super::event::NetEvent;
use super::link::{send, End, Frames, Link};
use super::session::Session;
use crate::error::{NetError, Violation};
use crate::model::Connection;
use crate::peer_text::{clean, clean_in_place, MAX_LABEL_CHARS, MAX_REASON_CHARS};

/// How long a best-effort `Goodbye` may take when closing.
const GOODBYE_TIMEOUT: Duration = Duration::from_millis(300);

/// A connection that got past the Hello.
struct Handshaken {
    frames: Frames,
    write: OwnedWriteHalf,
    /// The Welcome, or the Goodbye of a server that is already stopping.
    welcome: Result<Welcome, End>,
    /// Hello to Welcome: a round trip with no data in flight.
    round_trip: Duration,
    /// When the TCP connection was made.
    connected_at: Instant,
    /// The Hello asked for an overview (batch 1 is granted).
    overview: bool,
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
            connected_at,
            overview,
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
        let result = Session::new(
            self,
            &mut frames,
            &mut write,
            &welcome,
            round_trip,
            connected_at,
            overview,
        )
        .run()
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
        let connected_at = Instant::now();
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
        // 8-bit heatmap codes are read always; the server sends them only
        // over a link too slow for 16-bit ones.
        let compression = if compress { CODECS_LZ4_SHUFFLE } else { 0 };
        let hello_codecs = compression | CODECS_U8_CODES;
        let hello = Message::Hello(Hello {
            version: VERSION,
            token: cfg.token.clone(),
            peer_name: cfg.peer_name.clone(),
            codecs: hello_codecs,
            // Only across a network: here the Views are back within a
            // millisecond, and the first picture is then exact.
            overview: cfg
                .overview
                .filter(|_| cfg.level_of_detail && compress)
                .map(|(width_px, height_px)| Overview {
                    width_px,
                    height_px,
                }),
        });
        let overview = matches!(&hello, Message::Hello(h) if h.overview.is_some());
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
                check_codec(welcome.codec, hello_codecs)?;
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
            connected_at,
            overview,
        }))
    }
}

/// The server's choice of codec must be one this viewer offered in its
/// `Hello.codecs` (or none): it could not read another.
fn check_codec(codec: u8, offered: u8) -> Result<(), Violation> {
    let bit = match codec {
        CODEC_NONE => return Ok(()),
        CODEC_LZ4_SHUFFLE => CODECS_LZ4_SHUFFLE,
        _ => return Err(Violation::UnknownCodec { codec }),
    };
    if offered & bit == 0 {
        return Err(Violation::CodecNotOffered { codec });
    }
    Ok(())
}

/// Whether the connection goes to this machine.
fn stream_peer_is_loopback(write: &OwnedWriteHalf) -> bool {
    write.peer_addr().is_ok_and(|a| a.ip().is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_welcome_codec_is_one_offered() {
        assert_eq!(check_codec(CODEC_NONE, 0), Ok(()));
        assert_eq!(check_codec(CODEC_NONE, CODECS_LZ4_SHUFFLE), Ok(()));
        assert_eq!(check_codec(CODEC_LZ4_SHUFFLE, CODECS_LZ4_SHUFFLE), Ok(()));
        assert_eq!(
            check_codec(CODEC_LZ4_SHUFFLE, 0),
            Err(Violation::CodecNotOffered { codec: 1 })
        );
        assert_eq!(
            check_codec(7, 0xFF),
            Err(Violation::UnknownCodec { codec: 7 })
        );
    }
}
