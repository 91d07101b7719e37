//! A small typed viewer for tests: blocking std sockets with deadlines, so
//! every wait is bounded and fails with a clear message.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use plotcast::{Server, ServerBuilder};
use plotcast_protocol::{
    decode, encode, BatchEnd, Frame, FrameCodec, Hello, Layout, Message, Ready, Welcome,
    DEFAULT_MAX_FRAME_BYTES, VERSION,
};
use tokio_util::codec::Decoder;

/// The longest any single wait in a test may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A builder that ignores the environment and launches no viewer.
pub fn builder() -> ServerBuilder {
    Server::builder()
        .title("test")
        .use_env(false)
        .launch_viewer(false)
}

/// A default test server.
pub fn server() -> Server {
    builder().start().expect("test server starts")
}

/// The wire bytes of a Hello.
pub fn hello_bytes(token: Option<&str>) -> Bytes {
    encode(&Message::Hello(Hello {
        version: VERSION,
        token: token.map(str::to_owned),
        peer_name: "test-client".into(),
    }))
    .unwrap()
}

/// Polls `cond` until it holds, panicking with `what` after `TIMEOUT`.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out after {TIMEOUT:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Reads frames from a raw stream.
pub struct FrameReader {
    pub stream: TcpStream,
    buf: BytesMut,
    codec: FrameCodec,
}

impl FrameReader {
    pub fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            buf: BytesMut::new(),
            codec: FrameCodec::new(DEFAULT_MAX_FRAME_BYTES),
        }
    }

    /// The next message, `Ok(None)` at a clean end of stream, `Err` on a
    /// socket error; panics with `what` when nothing comes within `within`.
    pub fn next_within(
        &mut self,
        within: Duration,
        what: &str,
    ) -> std::io::Result<Option<Message>> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(body) = self.codec.decode(&mut self.buf).unwrap() {
                return Ok(Some(decode(body).unwrap()));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out after {within:?} waiting for {what}"
            );
            self.stream.set_read_timeout(Some(left)).unwrap();
            let mut chunk = [0u8; 64 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(None),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Whether a message arrives within `within` (without panicking).
    pub fn poll(&mut self, within: Duration) -> Option<Message> {
        if let Some(body) = self.codec.decode(&mut self.buf).unwrap() {
            return Some(decode(body).unwrap());
        }
        self.stream.set_read_timeout(Some(within)).unwrap();
        let mut chunk = [0u8; 64 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(n) if n > 0 => {
                self.buf.extend_from_slice(&chunk[..n]);
                self.codec
                    .decode(&mut self.buf)
                    .unwrap()
                    .map(|b| decode(b).unwrap())
            }
            _ => None,
        }
    }

    pub fn next(&mut self, what: &str) -> Message {
        self.next_within(TIMEOUT, what)
            .unwrap_or_else(|e| panic!("socket error waiting for {what}: {e}"))
            .unwrap_or_else(|| panic!("connection closed while waiting for {what}"))
    }

    pub fn send(&mut self, msg: &Message) {
        self.stream.write_all(&encode(msg).unwrap()).unwrap();
    }
}

/// One answered batch.
#[derive(Debug)]
pub struct Batch {
    pub layout: Option<Layout>,
    pub frames: Vec<Frame>,
    pub end: BatchEnd,
}

impl Batch {
    pub fn frame(&self, channel: u32) -> Option<&Frame> {
        self.frames.iter().find(|f| f.channel == channel)
    }
}

/// A typed viewer.
pub struct Client {
    pub io: FrameReader,
    pub welcome: Welcome,
    pub layout: Layout,
    pub pings: u64,
    next_batch: u64,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Self {
        Self::connect_with(addr, None)
    }

    pub fn connect_with(addr: SocketAddr, token: Option<&str>) -> Self {
        let stream =
            TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect to the test server");
        stream.set_nodelay(true).unwrap();
        let mut io = FrameReader::new(stream);
        io.stream.write_all(&hello_bytes(token)).unwrap();
        let welcome = match io.next("welcome") {
            Message::Welcome(w) => w,
            other => panic!("expected a welcome, got {other:?}"),
        };
        let layout = match io.next("layout after welcome") {
            Message::Layout(l) => l,
            other => panic!("expected a layout, got {other:?}"),
        };
        Self {
            io,
            welcome,
            layout,
            pings: 0,
            next_batch: 1,
        }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.io.stream.local_addr().unwrap()
    }

    /// Sends `Ready` without waiting.
    pub fn ready(&mut self) -> u64 {
        let n = self.next_batch;
        self.next_batch += 1;
        self.io.send(&Message::Ready(Ready { batch: n }));
        n
    }

    /// Reads the batch answering `n`, answering pings on the way.
    pub fn read_batch(&mut self, n: u64) -> Batch {
        let mut batch = Batch {
            layout: None,
            frames: Vec::new(),
            end: BatchEnd {
                batch: 0,
                server_time_us: 0,
                frames: 0,
                skipped: 0,
            },
        };
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = self
                .io
                .next_within(left.max(Duration::from_millis(1)), &format!("batch {n}"))
                .unwrap_or_else(|e| panic!("socket error waiting for batch {n}: {e}"))
                .unwrap_or_else(|| panic!("connection closed while waiting for batch {n}"));
            match msg {
                Message::Layout(l) => {
                    self.layout = l.clone();
                    batch.layout = Some(l);
                }
                Message::Data(f) => batch.frames.push(f),
                Message::BatchEnd(end) => {
                    assert_eq!(end.batch, n, "batch end answers the wrong request");
                    assert_eq!(
                        end.frames as usize,
                        batch.frames.len(),
                        "frame count in batch end"
                    );
                    batch.end = end;
                    return batch;
                }
                Message::Ping(p) => {
                    self.pings += 1;
                    self.io
                        .send(&Message::Pong(plotcast_protocol::Pong { nonce: p.nonce }));
                }
                other => panic!("unexpected message in a batch: {other:?}"),
            }
        }
    }

    /// Asks for a batch and reads it.
    pub fn batch(&mut self) -> Batch {
        let n = self.ready();
        self.read_batch(n)
    }

    /// The channel id of `name` in the current layout.
    pub fn channel(&self, name: &str) -> u32 {
        self.layout
            .channels
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("channel {name} not in layout {:?}", self.layout))
            .id
    }
}

/// A raw connection that handshakes and then does whatever the test wants
/// (typically: never reads again).
pub fn raw_handshaken(addr: SocketAddr) -> TcpStream {
    let c = Client::connect(addr);
    c.io.stream.set_read_timeout(None).unwrap();
    c.io.stream
}

/// The first value of a frame's first part.
pub fn first_value(frame: &Frame) -> f64 {
    frame.parts[0].y.iter().next().expect("a non-empty frame")
}
