//! What the scenarios share: a typed raw-socket viewer with deadlines, the
//! helper publisher process, `/proc` figures of a process, and a small
//! deterministic random source.
//!
//! Every wait here has a deadline and panics with what it waited for.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use plotcast_protocol::{
    decode, encode, BatchEnd, Frame, FrameCodec, Hello, Message, Pong, Ready,
    DEFAULT_MAX_FRAME_BYTES, VERSION,
};
use plotcast_suite::procs::KillOnDrop;
use tokio_util::codec::Decoder;

/// The longest a single step may take (a connect, a batch, a reply of the
/// helper): generous, since the suite runs beside other tests on two cores.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The helper publisher built with this test binary (cargo builds a
/// package's binaries before its integration tests).
pub const PUBLISHER_BIN: &str = env!("CARGO_BIN_EXE_plotcast-test-publisher");

/// Bytes in a MiB, for printing figures.
pub const MIB: f64 = 1024.0 * 1024.0;

/// A small deterministic random source (xorshift64*): every run of a
/// scenario sees the same "random" pauses and bytes, so a failure can be
/// replayed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A source seeded with `seed` (any value; zero is remapped).
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }

    /// A duration in `0..max`, with millisecond steps.
    pub fn millis(&mut self, max_ms: u64) -> Duration {
        Duration::from_millis(self.below(max_ms.max(1)))
    }
}

/// The wire bytes of `msg`.
pub fn wire(msg: &Message) -> Bytes {
    encode(msg).expect("test messages encode")
}

/// The wire bytes of a `Hello`.
pub fn hello_bytes(token: Option<&str>) -> Bytes {
    wire(&Message::Hello(Hello {
        version: VERSION,
        token: token.map(str::to_owned),
        peer_name: "reliability-test".into(),
    }))
}

/// The wire bytes of `Ready { batch }`.
pub fn ready_bytes(batch: u64) -> Bytes {
    wire(&Message::Ready(Ready { batch }))
}

/// Every whole message in `bytes` (a byte stream a peer sent).
///
/// # Panics
/// When the bytes are not a sequence of valid frames.
pub fn messages(bytes: &[u8]) -> Vec<Message> {
    let mut codec = FrameCodec::new(DEFAULT_MAX_FRAME_BYTES);
    let mut buf = BytesMut::from(bytes);
    let mut out = Vec::new();
    while let Some(body) = codec
        .decode(&mut buf)
        .expect("the server sends well-formed frames")
    {
        out.push(decode(body).expect("the server sends valid messages"));
    }
    out
}

/// Reads framed messages from a socket, every read under a deadline.
pub struct FrameReader {
    /// The socket.
    pub stream: TcpStream,
    buf: BytesMut,
    codec: FrameCodec,
    /// Largest single read; a test may shrink it to split frames.
    pub chunk: usize,
}

impl FrameReader {
    /// Wraps a connected socket.
    pub fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            buf: BytesMut::new(),
            codec: FrameCodec::new(DEFAULT_MAX_FRAME_BYTES),
            chunk: 64 * 1024,
        }
    }

    /// The next message; panics with `what` when none comes within
    /// `within`, the connection ends, or the bytes are not a valid frame
    /// (a torn or corrupt frame).
    pub fn next_within(&mut self, within: Duration, what: &str) -> Message {
        let deadline = Instant::now() + within;
        let mut chunk = vec![0u8; self.chunk.max(1)];
        loop {
            let body = self
                .codec
                .decode(&mut self.buf)
                .unwrap_or_else(|e| panic!("torn or corrupt frame while waiting for {what}: {e}"));
            if let Some(body) = body {
                return decode(body).unwrap_or_else(|e| {
                    panic!("undecodable message while waiting for {what}: {e}")
                });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out after {within:?} waiting for {what}"
            );
            self.stream
                .set_read_timeout(Some(left))
                .expect("setting a read timeout");
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!("connection closed while waiting for {what}"),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if is_timeout(&e) || e.kind() == ErrorKind::Interrupted => {}
                Err(e) => panic!("socket error while waiting for {what}: {e}"),
            }
        }
    }

    /// Sends one message.
    pub fn send(&mut self, msg: &Message) {
        self.stream
            .write_all(&wire(msg))
            .expect("writing to the server");
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// One answered batch.
#[derive(Debug)]
pub struct Batch {
    /// Data frames, in order.
    pub frames: Vec<Frame>,
    /// The end marker.
    pub end: BatchEnd,
}

/// A typed viewer on a raw socket.
pub struct Client {
    /// Its reader.
    pub io: FrameReader,
    next_batch: u64,
}

impl Client {
    /// Connects and handshakes.
    ///
    /// # Panics
    /// When the server does not welcome us within [`TIMEOUT`].
    pub fn connect(addr: SocketAddr, token: Option<&str>) -> Self {
        let stream = TcpStream::connect_timeout(&addr, TIMEOUT)
            .unwrap_or_else(|e| panic!("cannot connect to the server at {addr}: {e}"));
        stream.set_nodelay(true).expect("setting TCP_NODELAY");
        let mut io = FrameReader::new(stream);
        io.stream
            .write_all(&hello_bytes(token))
            .expect("sending the hello");
        match io.next_within(TIMEOUT, "the welcome") {
            Message::Welcome(_) => {}
            other => panic!("expected a welcome, got {other:?}"),
        }
        match io.next_within(TIMEOUT, "the layout after the welcome") {
            Message::Layout(_) => {}
            other => panic!("expected a layout, got {other:?}"),
        }
        Self { io, next_batch: 1 }
    }

    /// Asks for the next batch without waiting; returns its number.
    pub fn ready(&mut self) -> u64 {
        let n = self.next_batch;
        self.next_batch += 1;
        self.io.send(&Message::Ready(Ready { batch: n }));
        n
    }

    /// Reads the batch answering `n`, answering pings on the way; `pause`
    /// is called between messages (a slow reader).
    pub fn read_batch_with(&mut self, n: u64, mut pause: impl FnMut()) -> Batch {
        let deadline = Instant::now() + TIMEOUT;
        let mut frames = Vec::new();
        loop {
            let left = deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1));
            match self.io.next_within(left, &format!("batch {n}")) {
                // A new channel's layout may come first; these scenarios
                // publish one channel and need only its frames.
                Message::Layout(_) => {}
                Message::Data(f) => frames.push(f),
                Message::BatchEnd(end) => {
                    assert_eq!(end.batch, n, "the batch end answers another request");
                    assert_eq!(
                        end.frames as usize,
                        frames.len(),
                        "the batch end counts another number of frames"
                    );
                    return Batch { frames, end };
                }
                Message::Ping(p) => self.io.send(&Message::Pong(Pong { nonce: p.nonce })),
                other => panic!("unexpected message in batch {n}: {other:?}"),
            }
            pause();
        }
    }

    /// Asks for a batch and reads it.
    pub fn batch(&mut self) -> Batch {
        let n = self.ready();
        self.read_batch_with(n, || {})
    }

    /// The sequence number of the newest frame of a one-channel batch.
    pub fn next_seq(&mut self) -> u64 {
        let b = self.batch();
        b.frames
            .last()
            .map(|f| f.seq)
            .expect("a batch answers with at least one frame")
    }
}

/// A viewer that handshakes, asks for data and never reads a byte.
pub fn stalled_viewer(addr: SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect_timeout(&addr, TIMEOUT)
        .unwrap_or_else(|e| panic!("cannot connect to the server at {addr}: {e}"));
    s.write_all(&hello_bytes(None)).expect("sending the hello");
    s.write_all(&ready_bytes(1)).expect("sending a ready");
    s
}

/// Keeps asking every stalled viewer for batches (a Ready each 100 ms)
/// without ever reading, so the server always has something to write to
/// them, until dropped.
pub struct Nagger {
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Nagger {
    /// Starts nagging clones of `streams`.
    pub fn start(streams: &[TcpStream]) -> Self {
        let mut clones: Vec<TcpStream> = streams
            .iter()
            .map(|s| s.try_clone().expect("cloning a socket"))
            .collect();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("nagger".into())
            .spawn(move || {
                let mut n = 2;
                // Bounded: 10 minutes of nagging at most.
                while !flag.load(Ordering::Relaxed) && n < 6000 {
                    let ready = ready_bytes(n);
                    for s in &mut clones {
                        // The server may have dropped it: nothing to do then.
                        let _ = s.write_all(&ready);
                    }
                    n += 1;
                    thread::sleep(Duration::from_millis(100));
                }
            })
            .expect("starting the nagger thread");
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Nagger {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A thread of this process that publishes a line of `values` points every
/// `interval` (its first value counts the publishes), until dropped.
pub struct Publishing {
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Publishing {
    /// Starts publishing to `line`.
    pub fn start(line: plotcast::Line, values: usize, interval: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("publishing".into())
            .spawn(move || {
                let mut ys: Vec<f64> = (0..values).map(|i| (i as f64 * 0.01).sin()).collect();
                let mut k = 0.0;
                while !flag.load(Ordering::Relaxed) {
                    k += 1.0;
                    ys[0] = k;
                    line.publish(&ys);
                    thread::sleep(interval);
                }
            })
            .expect("starting the publishing thread");
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Publishing {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How a connection ended, seen by the peer.
#[derive(Debug)]
pub struct Closed {
    /// From the call until the end of stream (or reset).
    pub after: Duration,
    /// Bytes received in all.
    pub total: usize,
    /// The first 64 KiB received.
    pub head: Vec<u8>,
}

/// Reads until the server closes the connection (end of stream or reset),
/// within `bound` from now.
///
/// # Panics
/// When the connection is still open after `bound`.
pub fn read_until_closed(stream: &mut TcpStream, bound: Duration, what: &str) -> Closed {
    let started = Instant::now();
    let deadline = started + bound;
    let mut head = Vec::new();
    let mut total = 0;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "{what}: the connection is still open after {bound:?} ({total} bytes received)"
        );
        stream
            .set_read_timeout(Some(left))
            .expect("setting a read timeout");
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                total += n;
                let keep = n.min((64 * 1024usize).saturating_sub(head.len()));
                head.extend_from_slice(&chunk[..keep]);
            }
            Err(e) if is_timeout(&e) || e.kind() == ErrorKind::Interrupted => {}
            // A reset is a close too (the server closed with unread data).
            Err(_) => break,
        }
    }
    Closed {
        after: started.elapsed(),
        total,
        head,
    }
}

/// Polls `cond` every 10 ms until it holds.
///
/// # Panics
/// After `timeout`, with `what` in the message.
pub fn wait_until(timeout: Duration, what: &str, cond: impl FnMut() -> bool) {
    plotcast_suite::procs::wait_until(timeout, what, cond);
}

/// A `/proc/<pid>/status` field in bytes (`VmRSS`, `VmHWM`, `VmPeak`, ...).
///
/// # Panics
/// When the process or the field does not exist.
pub fn status_bytes(pid: i32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("cannot read /proc/{pid}/status: {e}"));
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"));
    kib * 1024
}

/// Open file descriptors of a process.
pub fn fd_count(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap_or_else(|e| panic!("cannot list /proc/{pid}/fd: {e}"))
        .count()
}

/// The names of a process's threads, sorted.
pub fn thread_names(pid: i32) -> Vec<String> {
    let dir = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap_or_else(|e| panic!("cannot list /proc/{pid}/task: {e}"));
    let mut names: Vec<String> = dir
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .map(|name| name.trim().to_owned())
        .collect();
    names.sort();
    names
}

/// The helper publisher (`src/bin/plotcast-test-publisher.rs`) running in
/// its own process, killed and reaped on drop.
pub struct Publisher {
    child: KillOnDrop,
    stdin: ChildStdin,
    lines: Receiver<String>,
    /// Where it serves viewers.
    pub addr: SocketAddr,
}

impl Publisher {
    /// Starts one with `args` and waits until it serves.
    ///
    /// # Panics
    /// When it does not print its address within [`TIMEOUT`].
    pub fn start(args: &[&str]) -> Self {
        Self::try_start(args).unwrap_or_else(|e| panic!("the helper publisher did not start: {e}"))
    }

    /// Starts one, or says why it did not start.
    pub fn try_start(args: &[&str]) -> Result<Self, String> {
        let mut child = KillOnDrop(
            Command::new(PUBLISHER_BIN)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .map_err(|e| format!("cannot run {PUBLISHER_BIN}: {e}"))?,
        );
        let stdin = child.0.stdin.take().expect("the child's stdin is piped");
        let stdout = child.0.stdout.take().expect("the child's stdout is piped");
        // A reader thread, so every wait for a line can have a deadline.
        let (tx, lines) = mpsc::channel();
        thread::Builder::new()
            .name("publisher-stdout".into())
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            })
            .expect("starting the stdout reader thread");
        let first = lines
            .recv_timeout(TIMEOUT)
            .map_err(|_| format!("no address printed within {TIMEOUT:?} (args {args:?})"))?;
        let addr = first
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("unexpected first line {first:?}"))?;
        Ok(Self {
            child,
            stdin,
            lines,
            addr,
        })
    }

    /// Its pid.
    pub fn pid(&self) -> i32 {
        self.child.pid()
    }

    /// Sends a command and returns the value of the answer `<cmd-word> V`.
    ///
    /// # Panics
    /// When no answer comes within [`TIMEOUT`].
    pub fn ask(&mut self, command: &str, answer: &str) -> String {
        writeln!(self.stdin, "{command}").expect("writing to the helper publisher");
        self.stdin.flush().expect("flushing the helper's stdin");
        let line = self.lines.recv_timeout(TIMEOUT).unwrap_or_else(|_| {
            panic!("the helper publisher did not answer {command:?} within {TIMEOUT:?}")
        });
        line.strip_prefix(answer)
            .and_then(|rest| rest.strip_prefix(' '))
            .unwrap_or_else(|| panic!("expected {answer:?} in answer to {command:?}, got {line:?}"))
            .to_owned()
    }

    /// Viewers it serves now (handshake done).
    pub fn viewers(&mut self) -> usize {
        self.ask("viewers", "viewers")
            .parse()
            .expect("a viewer count")
    }

    /// Publishes made so far.
    pub fn published(&mut self) -> u64 {
        self.ask("published", "published")
            .parse()
            .expect("a publish count")
    }

    /// Waits until it serves exactly `n` viewers.
    pub fn wait_viewers(&mut self, n: usize, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let now = self.viewers();
            if now == n {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the publisher serves {now} viewers, not {n}, after {within:?}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Resident memory now.
    pub fn rss(&self) -> u64 {
        status_bytes(self.pid(), "VmRSS")
    }

    /// Peak resident memory so far.
    pub fn peak_rss(&self) -> u64 {
        status_bytes(self.pid(), "VmHWM")
    }

    /// Peak virtual memory so far (a large reservation shows here even when
    /// it is never touched).
    pub fn peak_virtual(&self) -> u64 {
        status_bytes(self.pid(), "VmPeak")
    }

    /// Asks it to exit and waits, at most [`TIMEOUT`].
    ///
    /// # Panics
    /// When it does not exit cleanly in time.
    pub fn quit(mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let status = plotcast_suite::procs::wait_timeout(&mut self.child.0, TIMEOUT)
            .unwrap_or_else(|| panic!("the helper publisher did not exit within {TIMEOUT:?}"));
        assert!(
            status.success(),
            "the helper publisher exited with {status}"
        );
    }

    /// Kills it with SIGKILL and reaps it.
    pub fn kill(mut self) {
        self.child
            .0
            .kill()
            .expect("SIGKILL to the helper publisher");
        let _ = self.child.0.wait();
    }
}

pub use plotcast_suite::viewer_files::{numbered_pngs, presented};
