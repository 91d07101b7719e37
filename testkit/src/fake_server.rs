//! A scripted fake plotcast server for the viewer's tests, built directly
//! on the protocol crate: it welcomes, sends a layout and answers `Ready`
//! with the batches of its [`Script`], or misbehaves as the script says,
//! and records what the viewer sent ([`Seen`]).
//!
//! ```text
//! viewer ── Hello ──▶ fake   (Seen::hellos)
//!        ◀─ Welcome, Layout, Ping ──
//!        ── Ready{n} ──▶      ◀─ Data… BatchEnd  (Script::batch(k), k ≤ n)
//!        ── Pong / View / Goodbye ──▶  (counted in Seen)
//! ```
//!
//! It runs on a named thread with a current-thread runtime; every
//! connection is a task it owns, cancelled and awaited on drop.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use futures_util::StreamExt;
use plotcast_protocol::{
    compress_data, decode, encode, BatchEnd, FrameCodec, Goodbye, Message, Ping, Pong, Welcome,
    CONTROL_MAX_FRAME_BYTES, VERSION,
};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::fake_script::{Breach, Script};
use crate::frames::unix_us;
use crate::viewer_command::ViewerCommand;
use crate::wait::wait_until;

/// What the fake server saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// The token and peer name of every `Hello`.
    pub hellos: Mutex<Vec<(Option<String>, String)>>,
    /// `Ready` messages received.
    pub readies: AtomicU64,
    /// The highest batch number any viewer asked for.
    pub max_granted: AtomicU64,
    /// Batches sent, over all connections.
    pub batches: AtomicU64,
    /// Views the viewer sent (level of detail), in order.
    pub views: Mutex<Vec<plotcast_protocol::View>>,
    /// `Pong` messages received.
    pub pongs: AtomicU64,
    /// `Goodbye` messages received.
    pub goodbyes: AtomicU64,
    /// With [`Script::first_frame_then_wait`]: answers whose first frame
    /// the viewer acknowledged before the rest was written.
    pub first_frames_acked: AtomicU64,
}

/// A fake server on its own thread and runtime.
#[derive(Debug)]
pub struct FakeServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// What it saw so far.
    pub seen: Arc<Seen>,
    cancel: CancellationToken,
    closed: mpsc::Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Starts on a free loopback port.
    ///
    /// # Panics
    /// When it cannot listen or its thread cannot start.
    pub fn start(script: Script) -> Self {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), script)
    }

    /// Starts on `addr` (for a restart on the same port).
    ///
    /// # Panics
    /// When it cannot listen or its thread cannot start.
    pub fn start_on(addr: SocketAddr, script: Script) -> Self {
        let std_listener = std::net::TcpListener::bind(addr)
            .unwrap_or_else(|e| panic!("fake server cannot bind {addr}: {e}"));
        std_listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("fake server at {addr}: {e}"));
        let addr = std_listener
            .local_addr()
            .unwrap_or_else(|e| panic!("fake server at {addr}: {e}"));
        let seen = Arc::new(Seen::default());
        let cancel = CancellationToken::new();
        let (closed_tx, closed) = mpsc::channel();
        let (seen2, cancel2) = (seen.clone(), cancel.clone());
        let thread = std::thread::Builder::new()
            .name(format!("fake-server-{addr}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap_or_else(|e| panic!("fake server at {addr}: no runtime: {e}"));
                rt.block_on(async move {
                    let listener = TcpListener::from_std(std_listener)
                        .unwrap_or_else(|e| panic!("fake server at {addr}: {e}"));
                    let tracker = TaskTracker::new();
                    let script = Arc::new(script);
                    loop {
                        tokio::select! {
                            () = cancel2.cancelled() => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                let (script, seen, cancel) = (script.clone(), seen2.clone(), cancel2.clone());
                                tracker.spawn(async move {
                                    // Connection errors only end that connection.
                                    let _ = serve(stream, &script, &seen, &cancel).await;
                                });
                            }
                        }
                    }
                    drop(listener);
                    tracker.close();
                    tracker.wait().await;
                });
                let _ = closed_tx.send(());
            })
            .unwrap_or_else(|e| panic!("cannot start the fake server's thread: {e}"));
        Self {
            addr,
            seen,
            cancel,
            closed,
            thread: Some(thread),
        }
    }

    /// Waits until the server closed itself (`batches_then_close`).
    ///
    /// # Panics
    /// When it has not within `limit`.
    pub fn wait_closed(&self, limit: Duration) {
        self.closed.recv_timeout(limit).unwrap_or_else(|e| {
            panic!(
                "fake server at {} did not close within {limit:?}: {e}",
                self.addr
            )
        });
    }

    /// Waits until `cond` holds on what the server saw.
    ///
    /// # Panics
    /// After `timeout`, naming `what` was awaited.
    pub fn wait_for(&self, what: &str, timeout: Duration, cond: impl Fn(&Seen) -> bool) {
        wait_until(&format!("the fake server to see {what}"), timeout, || {
            cond(&self.seen)
        });
    }

    /// The viewer program, to be pointed at this server.
    pub fn viewer(&self) -> ViewerCommand {
        ViewerCommand::new().source(self.addr)
    }

    /// The token and peer name of every `Hello` so far.
    pub fn hellos(&self) -> Vec<(Option<String>, String)> {
        self.seen
            .hellos
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The number behind one of the counters of what it saw.
    pub fn count(&self, counter: impl Fn(&Seen) -> &AtomicU64) -> u64 {
        counter(&self.seen).load(Ordering::SeqCst)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The connection's writing half, counting the bytes written (what the
/// viewer's acknowledgements count).
struct Out {
    write: tokio::net::tcp::OwnedWriteHalf,
    bytes: u64,
}

impl Out {
    async fn all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write.write_all(bytes).await?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    async fn send(&mut self, msg: &Message) -> std::io::Result<()> {
        self.all(&message_bytes(msg)?).await
    }
}

fn message_bytes(msg: &Message) -> std::io::Result<bytes::Bytes> {
    encode(msg).map_err(std::io::Error::other)
}

/// A data frame's bytes, compressed when the breach says so.
fn data_bytes(
    frame: plotcast_protocol::Frame,
    breach: Option<Breach>,
) -> std::io::Result<bytes::Bytes> {
    let bytes = message_bytes(&Message::Data(frame))?;
    if breach != Some(Breach::CompressedData) {
        return Ok(bytes);
    }
    compress_data(&bytes)
        .map_err(std::io::Error::other)?
        .ok_or_else(|| std::io::Error::other("the script's frames do not compress"))
}

/// Reads the viewer's messages until an `Ack` of `bytes` comes (true) or
/// 5 s passed (false); readies, pongs and views are counted as the main
/// loop counts them, pings left unanswered.
async fn acked(
    frames: &mut FramedRead<tokio::net::tcp::OwnedReadHalf, FrameCodec>,
    bytes: u64,
    seen: &Seen,
) -> std::io::Result<bool> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let next = tokio::select! {
            () = tokio::time::sleep_until(deadline) => return Ok(false),
            next = frames.next() => next,
        };
        let Some(Ok(body)) = next else {
            return Ok(false);
        };
        match decode(body).map_err(std::io::Error::other)? {
            Message::Ack(ack) if ack.received_bytes >= bytes => return Ok(true),
            // Cumulative: the next one, after this batch, covers it.
            Message::Ready(ready) => {
                seen.readies.fetch_add(1, Ordering::SeqCst);
                seen.max_granted.fetch_max(ready.batch, Ordering::SeqCst);
            }
            Message::Pong(_) => {
                seen.pongs.fetch_add(1, Ordering::SeqCst);
            }
            Message::View(view) => seen
                .views
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(view),
            _ => {}
        }
    }
}

async fn serve(
    stream: TcpStream,
    script: &Script,
    seen: &Seen,
    cancel: &CancellationToken,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, write) = stream.into_split();
    let mut out = Out { write, bytes: 0 };
    let mut frames = FramedRead::new(read, FrameCodec::new(CONTROL_MAX_FRAME_BYTES));
    let bad = |what: &str| std::io::Error::other(what.to_owned());
    let hello = match frames.next().await {
        Some(Ok(body)) => decode(body).map_err(std::io::Error::other)?,
        _ => return Err(bad("no hello")),
    };
    let Message::Hello(hello) = hello else {
        return Err(bad("first message is not a hello"));
    };
    seen.hellos
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push((hello.token, hello.peer_name));
    if let Some(reject) = &script.reject {
        out.send(&Message::Reject(reject.clone())).await?;
        return out.write.shutdown().await;
    }
    let welcome = Welcome {
        version: VERSION,
        server_name: script.server_name.clone(),
        session_id: script.session_id,
        heartbeat_interval_ms: 1000,
        heartbeat_timeout_ms: script.heartbeat_timeout_ms,
        codec: script.welcome_codec,
    };
    out.send(&Message::Welcome(welcome)).await?;
    out.send(&Message::Layout(script.layout.clone())).await?;
    if script.heartbeats {
        out.send(&Message::Ping(Ping::at(42, unix_us()))).await?;
    }
    for pong in &script.early_pongs {
        out.send(&Message::Pong(*pong)).await?;
    }
    let (mut sent, mut first_grant) = (0u64, None);
    loop {
        let next = tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            next = frames.next() => next,
        };
        let Some(Ok(body)) = next else { return Ok(()) };
        match decode(body).map_err(std::io::Error::other)? {
            Message::Ready(ready) => {
                seen.readies.fetch_add(1, Ordering::SeqCst);
                seen.max_granted.fetch_max(ready.batch, Ordering::SeqCst);
                let window = *first_grant.get_or_insert(ready.batch);
                if script
                    .batches_then_close
                    .is_some_and(|n| ready.batch >= n + window)
                {
                    // The viewer drew our last batch: go away, listener too.
                    if script.goodbye {
                        let bye = Goodbye {
                            code: script.goodbye_code,
                            reason: "simulation finished (fake)".into(),
                        };
                        out.send(&Message::Goodbye(bye)).await?;
                        out.write.shutdown().await?;
                    }
                    cancel.cancel();
                    return Ok(());
                }
                if !script.answer_ready {
                    continue;
                }
                let last = match script.batches_then_close {
                    Some(n) => ready.batch.min(n),
                    None => ready.batch,
                };
                let last = last + u64::from(script.breach == Some(Breach::BatchBeyondGrant));
                // One write for the whole answer: a batch beyond the grant
                // arrives with the granted ones, before the viewer could
                // have drawn them and asked for more.
                let mut answer = Vec::new();
                // Where the answer's first data frame ends, when it is to
                // be written apart.
                let mut first_frame_end = None;
                let split = script.first_frame_then_wait && sent > 0;
                while sent < last {
                    sent += 1;
                    let batch = (script.batch)(sent);
                    let count = batch.len() as u32;
                    for frame in batch {
                        answer.extend_from_slice(&data_bytes(frame, script.breach)?);
                        if split && first_frame_end.is_none() {
                            first_frame_end = Some(answer.len());
                        }
                    }
                    let repeat = script.breach == Some(Breach::RepeatedBatchEnd) && sent == 2;
                    let end = BatchEnd {
                        batch: if repeat { 1 } else { sent },
                        server_time_us: unix_us(),
                        frames: count,
                        skipped: 0,
                    };
                    answer.extend_from_slice(&message_bytes(&Message::BatchEnd(end))?);
                    seen.batches.fetch_add(1, Ordering::SeqCst);
                }
                if let Some(end) = first_frame_end {
                    out.all(&answer[..end]).await?;
                    if acked(&mut frames, out.bytes, seen).await? {
                        seen.first_frames_acked.fetch_add(1, Ordering::SeqCst);
                    }
                    out.all(&answer[end..]).await?;
                } else {
                    out.all(&answer).await?;
                }
            }
            Message::Ping(ping) => {
                if script.heartbeats {
                    let pong = Pong::answer(&ping, unix_us(), unix_us());
                    out.send(&Message::Pong(pong)).await?;
                }
            }
            Message::Pong(_) => {
                seen.pongs.fetch_add(1, Ordering::SeqCst);
            }
            Message::Goodbye(_) => {
                seen.goodbyes.fetch_add(1, Ordering::SeqCst);
                return Ok(());
            }
            // This fake sends batches as granted, whatever is in flight.
            Message::Ack(_) => {}
            // Level of detail: this fake always sends full data.
            Message::View(view) => {
                seen.views
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(view);
            }
            _ => return Err(bad("unexpected message")),
        }
    }
}
