//! Test helpers: a small fake plotcast server built directly on the
//! protocol crate, a runner for the viewer binary with a deadline, and PNG
//! pixel checks.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use plotcast_protocol::{
    decode, encode, Array, BatchEnd, ChannelKind, ChannelSpec, Frame, FrameCodec, Goodbye,
    GoodbyeCode, Layout, Message, Part, Ping, Pong, Reject, Welcome, CONTROL_MAX_FRAME_BYTES,
    VERSION,
};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The viewer binary under test.
pub const VIEWER: &str = env!("CARGO_BIN_EXE_plotcast-viewer");

/// viridis(0) and viridis(1), as matplotlib draws them.
pub const VIRIDIS_LOW: [u8; 3] = [68, 1, 84];
pub const VIRIDIS_HIGH: [u8; 3] = [253, 231, 37];

/// What the fake server does.
#[derive(Clone)]
pub struct Script {
    pub server_name: String,
    pub session_id: u64,
    /// Refuse every viewer with this.
    pub reject: Option<Reject>,
    pub layout: Layout,
    /// The frames of batch `n` (n from 1, per connection). The fake
    /// server always has news: it sends every batch the viewer asks for.
    pub batch: Arc<dyn Fn(u64) -> Vec<Frame> + Send + Sync>,
    /// False: never answer `Ready` (the viewer gets a layout, no data).
    pub answer_ready: bool,
    /// Send only this many batches; once the viewer asks for more than its
    /// first `Ready` window beyond them (so it has drawn the last one),
    /// close every connection and the listener.
    pub batches_then_close: Option<u64>,
    /// With `batches_then_close`: say `Goodbye { ComputationEnded }` first
    /// (a computation that finished) instead of just closing (a crash).
    pub goodbye: bool,
    /// The code of that goodbye (`ComputationEnded` unless a test says).
    pub goodbye_code: GoodbyeCode,
    /// Heartbeat timeout announced in the `Welcome`.
    pub heartbeat_timeout_ms: u32,
    /// False: ignore pings and send none (a server that hangs).
    pub heartbeats: bool,
}

impl Script {
    /// One 32×24 heatmap whose every cell holds `value` (range 0..1).
    pub fn heatmap(server_name: &str, session_id: u64, value: f64) -> Self {
        let mut spec = ChannelSpec::new(1, "field", ChannelKind::Heatmap);
        spec.title = format!("{server_name} field");
        spec.y_range = Some((0.0, 1.0));
        Self {
            server_name: server_name.into(),
            session_id,
            reject: None,
            layout: Layout {
                title: server_name.into(),
                columns: 0,
                channels: vec![spec],
            },
            batch: Arc::new(move |n| vec![heatmap_frame(1, n, 32, 24, |_, _| value)]),
            answer_ready: true,
            batches_then_close: None,
            goodbye: false,
            goodbye_code: GoodbyeCode::ComputationEnded,
            heartbeat_timeout_ms: 10_000,
            heartbeats: true,
        }
    }
}

/// A heatmap frame with range 0..1 and values from `f(col, row)`.
pub fn heatmap_frame(
    channel: u32,
    seq: u64,
    nx: u32,
    ny: u32,
    f: impl Fn(u32, u32) -> f64,
) -> Frame {
    let mut values = Vec::with_capacity((nx * ny) as usize);
    for row in 0..ny {
        for col in 0..nx {
            values.push(f(col, row));
        }
    }
    Frame {
        channel,
        seq,
        timestamp_us: unix_us(),
        kind: ChannelKind::Heatmap,
        nx,
        ny,
        range: Some((0.0, 1.0)),
        parts: vec![Part {
            name: String::new(),
            first_index: 0,
            x: None,
            y: Array::from_f64(&values),
        }],
        lod: None,
    }
}

pub fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// What the fake server saw.
#[derive(Default)]
pub struct Seen {
    pub hellos: Mutex<Vec<(Option<String>, String)>>,
    pub readies: AtomicU64,
    /// The highest batch number any viewer asked for.
    pub max_granted: AtomicU64,
    /// Batches sent, over all connections.
    pub batches: AtomicU64,
    /// Views the viewer sent (level of detail), in order.
    pub views: Mutex<Vec<plotcast_protocol::View>>,
    pub pongs: AtomicU64,
    pub goodbyes: AtomicU64,
}

/// A fake server on its own thread and runtime.
pub struct FakeServer {
    pub addr: SocketAddr,
    pub seen: Arc<Seen>,
    cancel: CancellationToken,
    closed: mpsc::Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Starts on a free loopback port.
    pub fn start(script: Script) -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap(), script)
    }

    /// Starts on `addr` (for a restart on the same port).
    pub fn start_on(addr: SocketAddr, script: Script) -> Self {
        let std_listener = std::net::TcpListener::bind(addr)
            .unwrap_or_else(|e| panic!("fake server cannot bind {addr}: {e}"));
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
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
                    .unwrap();
                rt.block_on(async move {
                    let listener = TcpListener::from_std(std_listener).unwrap();
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
            .unwrap();
        Self {
            addr,
            seen,
            cancel,
            closed,
            thread: Some(thread),
        }
    }

    /// Waits until the server closed itself (`batches_then_close`).
    pub fn wait_closed(&self, limit: Duration) {
        self.closed.recv_timeout(limit).unwrap_or_else(|e| {
            panic!(
                "fake server at {} did not close within {limit:?}: {e}",
                self.addr
            )
        });
    }

    /// Waits until `cond` holds on what the server saw.
    pub fn wait_for(&self, what: &str, limit: Duration, cond: impl Fn(&Seen) -> bool) {
        let end = Instant::now() + limit;
        while !cond(&self.seen) {
            assert!(
                Instant::now() < end,
                "fake server: no {what} within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
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

async fn send(stream: &mut tokio::net::tcp::OwnedWriteHalf, msg: &Message) -> std::io::Result<()> {
    let bytes = encode(msg).map_err(std::io::Error::other)?;
    stream.write_all(&bytes).await
}

async fn serve(
    stream: TcpStream,
    script: &Script,
    seen: &Seen,
    cancel: &CancellationToken,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
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
        .unwrap()
        .push((hello.token, hello.peer_name));
    if let Some(reject) = &script.reject {
        send(&mut write, &Message::Reject(reject.clone())).await?;
        return write.shutdown().await;
    }
    let welcome = Welcome {
        version: VERSION,
        server_name: script.server_name.clone(),
        session_id: script.session_id,
        heartbeat_interval_ms: 1000,
        heartbeat_timeout_ms: script.heartbeat_timeout_ms,
        codec: 0,
    };
    send(&mut write, &Message::Welcome(welcome)).await?;
    send(&mut write, &Message::Layout(script.layout.clone())).await?;
    if script.heartbeats {
        send(&mut write, &Message::Ping(Ping::at(42, unix_us()))).await?;
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
                        send(&mut write, &Message::Goodbye(bye)).await?;
                        write.shutdown().await?;
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
                while sent < last {
                    sent += 1;
                    let batch = (script.batch)(sent);
                    let count = batch.len() as u32;
                    for frame in batch {
                        send(&mut write, &Message::Data(frame)).await?;
                    }
                    let end = BatchEnd {
                        batch: sent,
                        server_time_us: unix_us(),
                        frames: count,
                        skipped: 0,
                    };
                    send(&mut write, &Message::BatchEnd(end)).await?;
                    seen.batches.fetch_add(1, Ordering::SeqCst);
                }
            }
            Message::Ping(ping) => {
                if script.heartbeats {
                    let pong = Pong::answer(&ping, unix_us(), unix_us());
                    send(&mut write, &Message::Pong(pong)).await?;
                }
            }
            Message::Pong(_) => {
                seen.pongs.fetch_add(1, Ordering::SeqCst);
            }
            Message::Goodbye(_) => {
                seen.goodbyes.fetch_add(1, Ordering::SeqCst);
                return Ok(());
            }
            // Level of detail: this fake always sends full data.
            Message::View(view) => {
                seen.views.lock().unwrap().push(view);
            }
            _ => return Err(bad("unexpected message")),
        }
    }
}

/// A running viewer process, killed if the test ends early.
pub struct Viewer {
    child: Child,
    out: Option<JoinHandle<String>>,
    err: Option<JoinHandle<String>>,
    started: Instant,
}

/// The end of a viewer run.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Viewer {
    pub fn spawn(args: &[&str], envs: &[(&str, &str)]) -> Self {
        Self::spawn_in(&std::env::temp_dir(), args, envs)
    }

    /// Like [`Viewer::spawn`], in working directory `dir`.
    pub fn spawn_in(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(VIEWER);
        cmd.current_dir(dir);
        cmd.args(args)
            .env_remove("PLOTCAST_TOKEN")
            .env("RUST_LOG", "plotcast_viewer=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {VIEWER}: {e}"));
        let read_all = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = pipe.read_to_string(&mut text);
                text
            })
        };
        let out = child.stdout.take().map(|p| read_all(Box::new(p)));
        let err = child.stderr.take().map(|p| read_all(Box::new(p)));
        Self {
            child,
            out,
            err,
            started: Instant::now(),
        }
    }

    /// The end of the run, if the process has exited.
    pub fn try_finished(&mut self) -> Option<Finished> {
        let status = self.child.try_wait().unwrap()?;
        let elapsed = self.started.elapsed();
        let stdout = self
            .out
            .take()
            .map(|t| t.join().unwrap())
            .unwrap_or_default();
        let stderr = self
            .err
            .take()
            .map(|t| t.join().unwrap())
            .unwrap_or_default();
        Some(Finished {
            status,
            stdout,
            stderr,
            elapsed,
        })
    }

    /// Waits until `ready` (the viewer's `--ready-file`) exists: the
    /// window presented its first frame.
    ///
    /// # Panics
    /// After `limit`, naming `what`, or as soon as the viewer exits.
    pub fn wait_presented(&mut self, ready: &Path, limit: Duration, what: &str) {
        let end = Instant::now() + limit;
        while !ready.exists() {
            assert!(
                Instant::now() < end,
                "{what} presented nothing within {limit:?}"
            );
            if let Some(finished) = self.try_finished() {
                panic!(
                    "the viewer exited early ({:?}):\n{}",
                    finished.status, finished.stderr
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the process to exit; kills it and panics after `limit`.
    pub fn wait(mut self, limit: Duration) -> Finished {
        let end = Instant::now() + limit;
        loop {
            if let Some(finished) = self.try_finished() {
                return finished;
            }
            if Instant::now() >= end {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let stderr = self
                    .err
                    .take()
                    .map(|t| t.join().unwrap())
                    .unwrap_or_default();
                panic!("viewer still running after {limit:?}; killed. stderr:\n{stderr}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process and returns its stderr.
    pub fn kill(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.err
            .take()
            .map(|t| t.join().unwrap())
            .unwrap_or_default()
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits until `path` exists; panics after `limit`.
pub fn wait_for_file(path: &Path, limit: Duration) {
    let end = Instant::now() + limit;
    while !path.exists() {
        assert!(
            Instant::now() < end,
            "{} did not appear within {limit:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A fresh, empty directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "plotcast-viewer-test-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub use plotcast_testkit::rgb::Rgb;

/// Decodes a PNG into RGB8.
pub fn read_png(path: &Path) -> Rgb {
    Rgb::read_png(path)
}

/// Removes a test directory, unless `PLOTCAST_TEST_KEEP` is set (to look at
/// the images).
pub fn cleanup(dir: &Path) {
    if std::env::var_os("PLOTCAST_TEST_KEEP").is_some() {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(dir);
    }
}
