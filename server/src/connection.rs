//! One viewer's connection: handshake, then a reader and a writer running
//! side by side in the connection's task.
//!
//! ```text
//! viewer                         server
//!   Hello{version,token,name} ─▶  (within handshake_timeout, ≤ 4 KiB)
//!                             ◀─  Welcome, Layout        (or Reject, close)
//!   Ready{n}                  ─▶  waits until something changed, then
//!                             ◀─  [Layout] Data… BatchEnd{n}
//!                             ◀─  Ping every heartbeat_interval (between frames)
//!   Pong / Ping / Ready …     ─▶  any message counts as liveness
//! ```
//!
//! The writer only ever writes whole frames; a frame is abandoned half-way
//! only when the whole connection is dropped (peer gone, write stalled for
//! the heartbeat timeout, or shutdown grace over), and then the socket is
//! closed.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use plotcast_protocol::util::{lock, unix_now_us};
use plotcast_protocol::{
    encode, BatchEnd, FrameCodec, Goodbye, GoodbyeCode, Message, Ping, Pong, RejectCode, Welcome,
    CONTROL_MAX_FRAME_BYTES, HANDSHAKE_MAX_FRAME_BYTES, VERSION,
};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::{interval_at, timeout, MissedTickBehavior};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use crate::batch::{collect, Cursors};
use crate::handshake::{handshake, refuse, Refusal};
use crate::hub::Hub;
use crate::net::NetConfig;
use crate::pending::PendingGuard;
use crate::stats::ViewerStats;

pub(crate) type Reader = FramedRead<OwnedReadHalf, FrameCodec>;

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
    crate::net::configure_socket(&stream, &cfg);
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
    let registered = {
        let mut viewers = lock(&hub.viewers);
        let room = viewers.len() < cfg.max_viewers;
        if room {
            viewers.insert(conn_id, Arc::clone(&stats));
        }
        room
    };
    if !registered {
        let reason = format!(
            "the server already has its maximum of {} viewers",
            cfg.max_viewers
        );
        let refusal = Refusal::reject(RejectCode::Full, reason);
        refuse(&mut reader, &mut wr, refusal, addr, &shutdown).await;
        return;
    }
    tracing::info!(target: "plotcast", %addr, peer = %hello.peer_name, "viewer connected");
    reader
        .decoder_mut()
        .set_max_frame_bytes(CONTROL_MAX_FRAME_BYTES);

    let shared = Shared {
        control: Mutex::new(Control::default()),
        wake: Notify::new(),
        stats: Arc::clone(&stats),
        conn: shutdown.child_token(),
        reason: Mutex::new(None),
    };
    let write_side = async {
        let writer = write_loop(&mut wr, &shared, &hub, &cfg, &shutdown);
        tokio::pin!(writer);
        tokio::select! {
            () = &mut writer => {}
            () = shared.conn.cancelled() => {
                if shutdown.is_cancelled() {
                    // Let the writer finish its frame and say goodbye, briefly.
                    if timeout(cfg.shutdown_grace, &mut writer).await.is_err() {
                        shared.end("server stopped; the viewer did not take the goodbye in time");
                    }
                }
            }
        }
    };
    tokio::join!(read_loop(&mut reader, &shared, &cfg), write_side);
    let reason = lock(&shared.reason)
        .take()
        .unwrap_or_else(|| "connection ended".into());
    hub.viewer_ended(conn_id, reason.clone());
    tracing::info!(target: "plotcast", %addr, peer = %hello.peer_name,
        frames = stats.frames_sent.load(Ordering::Relaxed),
        skipped = stats.frames_skipped.load(Ordering::Relaxed),
        "viewer disconnected: {reason}");
}

/// What the reader tells the writer.
#[derive(Debug, Default)]
struct Control {
    /// The latest `Ready` not yet answered.
    ready: Option<u64>,
    /// A viewer ping to answer.
    pong_due: Option<u64>,
    /// Our last ping and when it left.
    ping_out: Option<(u64, Instant)>,
}

/// State shared by the reader and writer of one connection.
struct Shared {
    control: Mutex<Control>,
    wake: Notify,
    stats: Arc<ViewerStats>,
    /// Cancelled when either side ends (or the server stops).
    conn: CancellationToken,
    /// Why the connection ended: the first reason wins.
    reason: Mutex<Option<String>>,
}

impl Shared {
    fn end(&self, reason: impl Into<String>) {
        lock(&self.reason).get_or_insert_with(|| reason.into());
        self.conn.cancel();
    }
}

async fn read_loop(reader: &mut Reader, sh: &Shared, cfg: &NetConfig) {
    let ms = cfg.heartbeat_timeout.as_millis();
    loop {
        let next = tokio::select! {
            () = sh.conn.cancelled() => return,
            next = timeout(cfg.heartbeat_timeout, reader.next()) => next,
        };
        let body = match next {
            // A viewer busy receiving one long batch over a slow link sends
            // nothing until it ends; while our writes progress it is alive.
            Err(_) if sh.stats.since_write() < cfg.heartbeat_timeout => continue,
            Err(_) => return sh.end(format!("no message for {ms} ms (heartbeat timeout)")),
            Ok(None) => return sh.end("connection closed by the viewer"),
            Ok(Some(Err(err))) => return sh.end(format!("read failed: {err}")),
            Ok(Some(Ok(body))) => body,
        };
        match plotcast_protocol::decode(body) {
            Ok(Message::Ready(ready)) => {
                lock(&sh.control).ready = Some(ready.batch);
                sh.wake.notify_one();
            }
            Ok(Message::Ping(ping)) => {
                lock(&sh.control).pong_due = Some(ping.nonce);
                sh.wake.notify_one();
            }
            Ok(Message::Pong(pong)) => {
                let mut control = lock(&sh.control);
                if let Some((nonce, sent)) = control.ping_out {
                    if nonce == pong.nonce {
                        control.ping_out = None;
                        let rtt = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX - 1);
                        sh.stats.rtt_us.store(rtt, Ordering::Relaxed);
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

/// Writes `buf` completely; fails if the peer accepts nothing for `stall`.
async fn write_progress(
    wr: &mut OwnedWriteHalf,
    buf: &[u8],
    stall: Duration,
    progress: Option<&ViewerStats>,
) -> io::Result<()> {
    let mut off = 0;
    while off < buf.len() {
        match timeout(stall, wr.write(&buf[off..])).await {
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the viewer accepted no data for {} ms", stall.as_millis()),
                ))
            }
            Ok(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(Ok(n)) => {
                off += n;
                if let Some(stats) = progress {
                    stats.wrote_now();
                }
            }
            Ok(Err(err)) => return Err(err),
        }
    }
    Ok(())
}

/// Writes one whole frame and counts its bytes; `batch` marks frames of a
/// batch (layout, data, batch end).
async fn send(
    wr: &mut OwnedWriteHalf,
    bytes: Bytes,
    stall: Duration,
    stats: &ViewerStats,
    batch: bool,
) -> Result<(), String> {
    // Only batch data counts as progress: pings alone would fill the kernel
    // buffer of a half-open peer for a long time.
    write_progress(wr, &bytes, stall, Some(stats).filter(|_| batch))
        .await
        .map_err(|e| e.to_string())?;
    stats
        .bytes_sent
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    Ok(())
}

async fn write_loop(
    wr: &mut OwnedWriteHalf,
    sh: &Shared,
    hub: &Hub,
    cfg: &NetConfig,
    shutdown: &CancellationToken,
) {
    if let Err(err) = write_loop_inner(wr, sh, hub, cfg, shutdown).await {
        sh.end(format!("write failed: {err}"));
    }
}

async fn write_loop_inner(
    wr: &mut OwnedWriteHalf,
    sh: &Shared,
    hub: &Hub,
    cfg: &NetConfig,
    shutdown: &CancellationToken,
) -> Result<(), String> {
    let stall = cfg.heartbeat_timeout;
    let stats = &*sh.stats;
    let msg = |m: Message| encode(&m).map_err(|e| e.to_string());

    let welcome = msg(Message::Welcome(Welcome {
        version: VERSION,
        server_name: hub.title.clone(),
        session_id: hub.session_id,
        heartbeat_interval_ms: u32::try_from(cfg.heartbeat_interval.as_millis())
            .unwrap_or(u32::MAX),
        heartbeat_timeout_ms: u32::try_from(cfg.heartbeat_timeout.as_millis()).unwrap_or(u32::MAX),
    }))?;
    send(wr, welcome, stall, stats, false).await?;
    let mut cur = Cursors::default();
    let (version, layout, count) = hub.layout_frame();
    send(wr, layout, stall, stats, false).await?;
    cur.layout_version = version;
    cur.layout_channels = count;

    let mut ping = interval_at(
        tokio::time::Instant::now() + cfg.heartbeat_interval,
        cfg.heartbeat_interval,
    );
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut nonce: u64 = 0;
    let mut pending: Option<u64> = None;
    loop {
        // The control state is the truth; the notification only wakes us.
        let (ready, pong) = {
            let mut control = lock(&sh.control);
            (control.ready.take(), control.pong_due.take())
        };
        if let Some(nonce) = pong {
            send(wr, msg(Message::Pong(Pong { nonce }))?, stall, stats, false).await?;
        }
        if ready.is_some() {
            pending = ready;
        }
        // Register for the wake-up before looking, so a publish between the
        // look and the wait is not missed (see `Hub::notify`).
        let news = hub.news.notified();
        tokio::pin!(news);
        let waiting = pending.map(|_| {
            news.as_mut().enable();
            hub.wait_guard()
        });
        if let Some(n) = pending {
            let version = hub.version.load(Ordering::SeqCst);
            let batch = collect(hub, &mut cur);
            if !batch.frames.is_empty() {
                drop(waiting);
                for frame in batch.frames {
                    send(wr, frame, stall, stats, true).await?;
                }
                // Counted before the end marker, so a viewer that read it sees them.
                stats
                    .frames_sent
                    .fetch_add(u64::from(batch.data_frames), Ordering::Relaxed);
                stats
                    .frames_skipped
                    .fetch_add(batch.skipped, Ordering::Relaxed);
                stats.batches.fetch_add(1, Ordering::Relaxed);
                let end = msg(Message::BatchEnd(BatchEnd {
                    batch: n,
                    server_time_us: unix_now_us(),
                    frames: batch.data_frames,
                    skipped: batch.skipped,
                }))?;
                send(wr, end, stall, stats, true).await?;
                hub.viewer_synced(stats, version);
                pending = None;
                continue;
            }
            hub.viewer_synced(stats, version);
        }
        tokio::select! {
            biased;
            () = shutdown.cancelled() => {
                let bye = msg(Message::Goodbye(Goodbye {
                    code: GoodbyeCode::ComputationEnded,
                    reason: "the server stopped".into(),
                }))?;
                send(wr, bye, stall, stats, false).await?;
                let _ = wr.shutdown().await;
                sh.end("server stopped (goodbye sent)");
                return Ok(());
            }
            () = sh.conn.cancelled() => return Ok(()),
            () = sh.wake.notified() => {}
            _ = ping.tick() => {
                nonce += 1;
                lock(&sh.control).ping_out = Some((nonce, Instant::now()));
                send(wr, msg(Message::Ping(Ping { nonce }))?, stall, stats,false).await?;
            }
            () = &mut news, if pending.is_some() => {}
        }
    }
}
