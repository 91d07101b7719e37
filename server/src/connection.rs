//! One viewer's connection: handshake, then a reader and a writer running
//! side by side in the connection's task.
//!
//! ```text
//! viewer                         server
//!   Hello{version,token,name} ─▶  (within handshake_timeout, ≤ 4 KiB)
//!                             ◀─  Welcome, Layout        (or Reject, close)
//!   Ready{n}                  ─▶  the viewer may take batches up to n
//!                             ◀─  [Layout] Data… BatchEnd{k}   for each k ≤ n,
//!                                 sent when something changed (newest values)
//!                             ◀─  Ping every heartbeat_interval (between frames)
//!   Pong / Ping / Ready …     ─▶  any message is a sign of life, and so
//!                                 is the viewer taking batch data
//! ```
//!
//! Flow control: the viewer keeps a window of batches in flight by raising
//! `n` as it draws; the server never runs more than
//! `MAX_BATCHES_IN_FLIGHT` batches ahead of the batches it had sent when
//! the viewer's latest `Ready` arrived, so a viewer that stops asking costs
//! a bounded number of batches. Pongs to our pings carry the viewer's clock
//! (NTP style): the statistics show the round trip and the offset between
//! the two clocks.
//!
//! A viewer is dropped `heartbeat_timeout` after its last sign of life.
//! The writer only ever writes whole frames; a frame is abandoned half-way
//! only when the whole connection is dropped (peer gone, write stalled for
//! the heartbeat timeout, over the stalled-write budget, or shutdown grace
//! over), and then the socket is closed.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use plotcast_protocol::util::{lock, unix_now_us};
use plotcast_protocol::{
    encode, ClockSample, FrameCodec, Message, RejectCode, CODECS_LZ4_SHUFFLE, CODECS_U8_CODES,
    CODEC_LZ4_SHUFFLE, CODEC_NONE, CONTROL_MAX_FRAME_BYTES, HANDSHAKE_MAX_FRAME_BYTES,
};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::{timeout, timeout_at};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use crate::conn_state::{Control, Reader, Shared};
use crate::handshake::{drain, handshake, refuse, Refusal};
use crate::hub::Hub;
use crate::net_config::{configure_socket, NetConfig};
use crate::pending::PendingGuard;
use crate::stats::ViewerStats;
use crate::writer::write_loop;

/// How long a viewer dropped for the stalled-write budget gets to take its
/// goodbye.
const BUDGET_GOODBYE_WAIT: Duration = Duration::from_secs(1);

/// Serves one accepted connection until it ends; never panics, never
/// outlives `shutdown` by more than the configured grace.
pub(crate) async fn serve(
    stream: TcpStream,
    addr: SocketAddr,
    conn_id: u64,
    hub: Arc<Hub>,
    cfg: Arc<NetConfig>,
    shutdown: CancellationToken,
    pending: PendingGuard,
) {
    let accepted = Instant::now();
    configure_socket(&stream, &cfg);
    let (rd, mut wr) = stream.into_split();
    let mut reader = FramedRead::new(rd, FrameCodec::new(HANDSHAKE_MAX_FRAME_BYTES));

    let hello = match handshake(&mut reader, &cfg, &pending.cut, &shutdown).await {
        Ok(hello) => hello,
        Err(refusal) => {
            refuse(&mut reader, &mut wr, refusal, addr, &shutdown).await;
            return;
        }
    };
    drop(pending);
    let stats = Arc::new(ViewerStats::new(addr, hello.peer_name.clone()));
    let Some(registration) = hub.register(conn_id, &stats, cfg.max_viewers) else {
        let reason = format!(
            "the server already has its maximum of {} viewers",
            cfg.max_viewers
        );
        let refusal = Refusal::reject(RejectCode::Full, reason);
        refuse(&mut reader, &mut wr, refusal, addr, &shutdown).await;
        return;
    };
    tracing::info!(target: "plotcast", %addr, peer = %hello.peer_name, "viewer connected");
    reader
        .decoder_mut()
        .set_max_frame_bytes(CONTROL_MAX_FRAME_BYTES);

    let shared = Arc::new(Shared {
        conn_id,
        control: Mutex::new(Control::after(&hello)),
        wake: Notify::new(),
        stats: Arc::clone(&stats),
        conn: shutdown.child_token(),
        reason: Mutex::new(None),
        mid_frame: AtomicBool::new(false),
        goodbye: Mutex::new(None),
        codec: if hello.codecs & CODECS_LZ4_SHUFFLE != 0 {
            CODEC_LZ4_SHUFFLE
        } else {
            CODEC_NONE
        },
        u8_codes: hello.codecs & CODECS_U8_CODES != 0,
        overview: hello.overview,
    });
    let write_side = async {
        let evicted = {
            let writer = write_loop(&mut wr, &shared, &hub, &cfg, &shutdown);
            tokio::pin!(writer);
            tokio::select! {
                () = &mut writer => false,
                () = shared.conn.cancelled() => {
                    if shutdown.is_cancelled() {
                        // Let the writer finish its frame and say goodbye, briefly.
                        if timeout(cfg.shutdown_grace, &mut writer).await.is_err() {
                            shared.end("server stopped; the viewer did not take the goodbye in time");
                        }
                    }
                    true
                }
            }
            // The writer, and the frames it held, are dropped here.
        };
        if evicted {
            say_goodbye_if_due(&mut wr, &shared, &shutdown).await;
        }
    };
    tokio::join!(
        read_loop(&mut reader, &shared, &cfg, &hub, accepted),
        write_side
    );
    // The server stopped: the goodbye is written and our side shut; what
    // the viewer sent meanwhile (an acknowledgement, a Ready) must be read
    // before the socket closes, or the kernel resets the connection and
    // the viewer may lose the goodbye (it then says "stopped without a
    // goodbye"). The viewer closes when it reads the goodbye.
    if shutdown.is_cancelled() {
        drain(&mut reader, cfg.shutdown_grace).await;
    }
    let reason = lock(&shared.reason)
        .take()
        .unwrap_or_else(|| "connection ended".into());
    registration.end(reason.clone());
    tracing::info!(target: "plotcast", %addr, peer = %hello.peer_name,
        frames = stats.frames_sent.load(Ordering::Relaxed),
        skipped = stats.frames_skipped.load(Ordering::Relaxed),
        "viewer disconnected: {reason}");
}

/// After the writer was stopped for the stalled-write budget: the goodbye
/// that says why, when the writer stood between frames (mid-frame nothing
/// can follow: the frame is torn), then our side of the connection closes.
async fn say_goodbye_if_due(wr: &mut OwnedWriteHalf, sh: &Shared, shutdown: &CancellationToken) {
    let Some(goodbye) = lock(&sh.goodbye).take() else {
        return;
    };
    let farewell = async {
        if !sh.mid_frame.load(Ordering::Relaxed) {
            if let Ok(bytes) = encode(&Message::Goodbye(goodbye)) {
                let _ = timeout(BUDGET_GOODBYE_WAIT, wr.write_all(&bytes)).await;
            }
        }
        let _ = timeout(BUDGET_GOODBYE_WAIT, wr.shutdown()).await;
    };
    tokio::select! {
        () = shutdown.cancelled() => {}
        () = farewell => {}
    }
}

/// Reads the viewer's messages; `connected` is when its connection was
/// accepted (no round trip on it can be longer than it has existed).
async fn read_loop(
    reader: &mut Reader,
    sh: &Shared,
    cfg: &NetConfig,
    hub: &Hub,
    connected: Instant,
) {
    let ms = cfg.heartbeat_timeout.as_millis();
    let mut impossible_seen = false;
    let mut last_message = Instant::now();
    // The last sign of life: a message, or the viewer taking batch data (a
    // viewer busy receiving one long batch over a slow link sends nothing
    // until it ends).
    let last_life = |last_message: Instant| {
        sh.stats
            .last_write()
            .map_or(last_message, |w| w.max(last_message))
    };
    loop {
        let deadline = last_life(last_message) + cfg.heartbeat_timeout;
        let next = tokio::select! {
            () = sh.conn.cancelled() => return,
            next = timeout_at(deadline.into(), reader.next()) => next,
        };
        let body = match next {
            // Data taken since the deadline was set moves it.
            Err(_) if last_life(last_message) + cfg.heartbeat_timeout > Instant::now() => continue,
            Err(_) => return sh.end(format!("no sign of life for {ms} ms (heartbeat timeout)")),
            Ok(None) => return sh.end("connection closed by the viewer"),
            Ok(Some(Err(err))) => return sh.end(format!("read failed: {err}")),
            Ok(Some(Ok(body))) => {
                last_message = Instant::now();
                body
            }
        };
        match plotcast_protocol::decode(body) {
            Ok(Message::Ready(ready)) => {
                lock(&sh.control).ready(ready);
                sh.wake.notify_one();
            }
            Ok(Message::Ack(ack)) => {
                let now = Instant::now();
                let mut control = lock(&sh.control);
                let link = &mut control.link;
                // Room for a batch, or for a clock message (which needs
                // the queue empty, so opens later).
                let had_room = (link.has_room(now), link.has_room_now(now));
                if let Err(err) = link.ack(ack.received_bytes, now) {
                    drop(control);
                    return sh.end(format!("protocol error: {err}"));
                }
                let opened =
                    (!had_room.0 && link.has_room(now)) || (!had_room.1 && link.has_room_now(now));
                sh.stats.link(link);
                drop(control);
                // The writer may be waiting for this room (a wake-up while
                // it was not waiting is kept for its next wait).
                if opened {
                    sh.wake.notify_one();
                }
            }
            Ok(Message::View(view)) => {
                let channels = hub.channel_count();
                lock(&sh.control).view(view, channels);
                sh.wake.notify_one();
            }
            Ok(Message::Ping(ping)) => {
                lock(&sh.control).pong_due = Some((ping, unix_now_us()));
                sh.wake.notify_one();
            }
            Ok(Message::Pong(pong)) => {
                let connected_us =
                    u64::try_from(connected.elapsed().as_micros()).unwrap_or(u64::MAX);
                match ClockSample::from_pong(&pong, unix_now_us(), connected_us) {
                    // Ignored, and said once: a broken viewer sends many.
                    Err(err) => {
                        if !impossible_seen {
                            impossible_seen = true;
                            tracing::warn!(target: "plotcast", peer = %sh.stats.peer_name,
                                "clock sample ignored (and any more from this viewer): {err}");
                        }
                    }
                    Ok(sample) => {
                        let mut control = lock(&sh.control);
                        control.clock.add(sample);
                        let best = control.clock.best();
                        drop(control);
                        if let Some(best) = best {
                            let rtt = best.round_trip_us.min(u64::MAX - 1);
                            sh.stats.rtt_us.store(rtt, Ordering::Relaxed);
                            // Theirs minus ours: the viewer's clock offset.
                            sh.stats
                                .clock_offset_us
                                .store(best.offset_us, Ordering::Relaxed);
                        }
                    }
                }
            }
            Ok(Message::Goodbye(bye)) => {
                return sh.end(format!(
                    "the viewer said goodbye ({:?}): {}",
                    bye.code, bye.reason
                ))
            }
            Ok(other) => {
                return sh.end(format!(
                    "protocol error: unexpected {} message from a viewer",
                    other.name()
                ))
            }
            Err(err) => return sh.end(format!("protocol error: {err}")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::pending::PendingHandshakes;
    use plotcast_protocol::{Hello, VERSION};
    use std::io::Write;

    /// A connection whose task is dropped without finishing (a panic
    /// unwinds the same way; so does the runtime stopping) must not leave
    /// its viewer registered: a ghost would hold a `max_viewers` slot and
    /// make `finish()` wait for it.
    #[test]
    fn a_dropped_connection_task_leaves_no_ghost_viewer() {
        let hub = Arc::new(Hub::new("t".into(), 0, 1, 10, None));
        let cfg = Arc::new(NetConfig {
            token: None,
            max_viewers: 1,
            handshake_timeout: Duration::from_secs(5),
            heartbeat_interval: Duration::from_secs(2),
            heartbeat_timeout: Duration::from_secs(6),
            shutdown_grace: Duration::from_millis(100),
            notsent_lowat_bytes: 128 * 1024,
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut peer = std::net::TcpStream::connect(addr).unwrap();
        let hello = Message::Hello(Hello {
            version: VERSION,
            token: None,
            peer_name: "ghost".into(),
            codecs: 0,
            overview: None,
        });
        peer.write_all(&encode(&hello).unwrap()).unwrap();
        let (stream, from) = listener.accept().unwrap();
        stream.set_nonblocking(true).unwrap();

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let shutdown = CancellationToken::new();
        let handshakes = PendingHandshakes::new(4);
        runtime.block_on(async {
            let stream = TcpStream::from_std(stream).unwrap();
            let (pending, _) = handshakes.admit(1, &shutdown);
            let conn = serve(
                stream,
                from,
                1,
                Arc::clone(&hub),
                Arc::clone(&cfg),
                shutdown.clone(),
                pending,
            );
            tokio::spawn(conn);
            let deadline = Instant::now() + Duration::from_secs(20);
            while lock(&hub.viewers).is_empty() {
                assert!(Instant::now() < deadline, "the viewer never registered");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        // The runtime stops with the connection's task still running.
        drop(runtime);
        assert!(lock(&hub.viewers).is_empty(), "a ghost viewer is left");
        let ended = lock(&hub.ended);
        assert_eq!(ended.len(), 1);
        assert!(ended[0].reason.contains("ended abruptly"), "{:?}", ended[0]);
        drop(peer);
    }
}
