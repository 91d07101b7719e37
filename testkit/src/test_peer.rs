//! The protocol test peer: a typed viewer on a blocking socket, speaking
//! the wire protocol directly (not the viewer program of `client/`), written
//! once for the server's tests, the reliability suite and the benchmarks.
//!
//! ```text
//! TestPeer::connect ─▶ Hello          ◀─ Welcome, Layout
//! ready()           ─▶ Ready{n}                        (requests in flight)
//! read_batch()                        ◀─ [Layout] Data… BatchEnd{n}  (Pings answered)
//! batch()            = ready() + read_batch(): the one place that decides
//!                      how many requests are in flight
//! ```
//!
//! Every step has a `try_` form that returns a [`PeerError`] (for the
//! benchmarks, and for tests that expect a failure) and a short form that
//! panics with that error's message (for tests). Every wait has a
//! deadline.

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bytes::Bytes;
use plotcast_protocol::util::unix_now_us;
use plotcast_protocol::{BatchEnd, Frame, Hello, Layout, Message, Pong, Ready, Welcome, VERSION};

use crate::conn::Conn;
use crate::peer_error::PeerError;
use crate::wire::wire;

/// The longest a single step may take (a connect, a handshake, a batch):
/// generous, since tests run beside each other on two loaded cores.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The name test peers give in their Hello.
pub const PEER_NAME: &str = "test-client";

/// A Hello of this protocol version with `token`.
pub fn hello(token: Option<&str>) -> Hello {
    Hello {
        version: VERSION,
        token: token.map(str::to_owned),
        peer_name: PEER_NAME.into(),
        codecs: 0,
        overview: None,
    }
}

/// The wire bytes of [`hello`].
pub fn hello_bytes(token: Option<&str>) -> Bytes {
    wire(&Message::Hello(hello(token)))
}

/// The wire bytes of `Ready { batch }`.
pub fn ready_bytes(batch: u64) -> Bytes {
    wire(&Message::Ready(Ready::up_to(batch)))
}

/// One answered batch.
#[derive(Debug)]
pub struct Batch {
    /// The layout that came with it, if the layout changed.
    pub layout: Option<Layout>,
    /// Data frames, in order.
    pub frames: Vec<Frame>,
    /// The end marker.
    pub end: BatchEnd,
}

impl Batch {
    /// The frame of channel `id`, if the batch has one.
    pub fn frame(&self, id: u32) -> Option<&Frame> {
        self.frames.iter().find(|f| f.channel == id)
    }

    /// The sequence number of the last frame.
    ///
    /// # Panics
    /// When the batch has no frame.
    pub fn last_seq(&self) -> u64 {
        self.frames
            .last()
            .map(|f| f.seq)
            .expect("a batch with at least one frame")
    }

    /// Array bytes carried by the frames (x and y values).
    pub fn array_bytes(&self) -> u64 {
        self.frames
            .iter()
            .flat_map(|f| &f.parts)
            .map(|p| (p.y.le_bytes().len() + p.x.as_ref().map_or(0, |x| x.le_bytes().len())) as u64)
            .sum()
    }
}

/// A connected, handshaken viewer.
#[derive(Debug)]
pub struct TestPeer {
    /// The connection (send raw messages, read single ones).
    pub io: Conn,
    /// The server's welcome.
    pub welcome: Welcome,
    /// The newest layout received.
    pub layout: Layout,
    /// Pings received (and answered, unless `answer_pings` is false).
    pub pings: u64,
    /// Whether pings met while reading a batch are answered (default true).
    pub answer_pings: bool,
    /// How long one batch may take.
    pub timeout: Duration,
    /// Requests sent and not answered yet, oldest first.
    in_flight: VecDeque<u64>,
    next_batch: u64,
}

impl TestPeer {
    /// Connects without a token.
    ///
    /// # Panics
    /// When the server does not welcome us within [`TIMEOUT`].
    pub fn connect(addr: SocketAddr) -> Self {
        Self::connect_with(addr, None)
    }

    /// Connects with `token`.
    ///
    /// # Panics
    /// When the server does not welcome us within [`TIMEOUT`].
    pub fn connect_with(addr: SocketAddr, token: Option<&str>) -> Self {
        Self::try_connect(addr, hello(token))
            .unwrap_or_else(|e| panic!("connecting to {addr}: {e}"))
    }

    /// Connects, sends `hello`, and reads the Welcome and the first Layout.
    ///
    /// # Errors
    /// [`PeerError::Rejected`] with the server's rejection, or any
    /// failure to connect or read.
    pub fn try_connect(addr: SocketAddr, hello: Hello) -> Result<Self, PeerError> {
        let stream =
            TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|source| PeerError::Io {
                what: format!("a connection to {addr}"),
                source,
            })?;
        let _ = stream.set_nodelay(true);
        let mut io = Conn::new(stream);
        // A Hello with an overview grants batch 1.
        let granted = u64::from(hello.overview.is_some());
        io.send(&Message::Hello(hello))?;
        let welcome = match io.recv(TIMEOUT, "the welcome")? {
            Message::Welcome(w) => w,
            Message::Reject(r) => return Err(PeerError::Rejected(r)),
            other => return Err(unexpected("the welcome", other)),
        };
        let layout = match io.recv(TIMEOUT, "the layout after the welcome")? {
            Message::Layout(l) => l,
            other => return Err(unexpected("the layout after the welcome", other)),
        };
        Ok(Self {
            io,
            welcome,
            layout,
            pings: 0,
            answer_pings: true,
            timeout: TIMEOUT,
            in_flight: (1..=granted).collect(),
            next_batch: granted + 1,
        })
    }

    /// Our address.
    ///
    /// # Panics
    /// When the socket has none (it is connected, so it has).
    pub fn local_addr(&self) -> SocketAddr {
        self.io.stream.local_addr().expect("a connected socket")
    }

    /// The channel id of `name` in the current layout.
    ///
    /// # Panics
    /// When the layout has no such channel.
    pub fn channel(&self, name: &str) -> u32 {
        self.layout
            .channels
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("channel {name} not in layout {:?}", self.layout))
            .id
    }

    /// Sends `Ready` for the next batch without waiting; returns its number.
    ///
    /// # Panics
    /// When the socket refuses it.
    pub fn ready(&mut self) -> u64 {
        self.try_ready().unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`ready`](Self::ready), returning the error.
    ///
    /// # Errors
    /// [`PeerError::Io`] when the socket refuses it.
    pub fn try_ready(&mut self) -> Result<u64, PeerError> {
        let n = self.next_batch;
        self.io.send(&Message::Ready(Ready::up_to(n)))?;
        self.next_batch += 1;
        self.in_flight.push_back(n);
        Ok(n)
    }

    /// Asks for a batch and reads it.
    ///
    /// # Panics
    /// On any failure (see [`try_batch`](Self::try_batch)).
    pub fn batch(&mut self) -> Batch {
        self.try_batch().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Asks for a batch and reads it: the one place that decides how many
    /// requests are in flight (here one: a new request only when none is
    /// waiting; `Ready { n }` grants batches up to `n`, so each `ready()`
    /// grants exactly one more).
    ///
    /// # Errors
    /// As [`try_read_batch`](Self::try_read_batch).
    pub fn try_batch(&mut self) -> Result<Batch, PeerError> {
        if self.in_flight.is_empty() {
            self.try_ready()?;
        }
        self.try_read_batch(|| {})
    }

    /// Reads the batch answering the oldest request in flight.
    ///
    /// # Panics
    /// On any failure (see [`try_read_batch`](Self::try_read_batch)).
    pub fn read_batch(&mut self) -> Batch {
        self.try_read_batch(|| {}).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Reads the batch answering the oldest request in flight, answering
    /// pings on the way (unless [`answer_pings`](Self::answer_pings) is
    /// off); `pause` runs between messages (a slow reader). A layout in
    /// the batch replaces [`layout`](Self::layout).
    ///
    /// # Errors
    /// [`PeerError::Unexpected`] when the end marker answers another
    /// request or counts other frames, or for a message that has no place
    /// in a batch; [`PeerError::Goodbye`] when the server ends the
    /// connection; timeouts and socket errors.
    ///
    /// # Panics
    /// When no request is in flight (a mistake in the test).
    pub fn try_read_batch(&mut self, mut pause: impl FnMut()) -> Result<Batch, PeerError> {
        let &n = self
            .in_flight
            .front()
            .expect("reading a batch with no request in flight: call ready() first");
        let what = format!("batch {n}");
        let deadline = Instant::now() + self.timeout;
        let mut layout = None;
        let mut frames = Vec::new();
        loop {
            let left = deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1));
            match self.io.recv(left, &what)? {
                Message::Layout(l) => {
                    self.layout = l.clone();
                    layout = Some(l);
                }
                Message::Data(f) => frames.push(f),
                Message::BatchEnd(end) => {
                    if end.batch != n || end.frames as usize != frames.len() {
                        let got = Box::new(Message::BatchEnd(end));
                        return Err(PeerError::Unexpected {
                            what: format!("the end of {what} with {} frames", frames.len()),
                            got,
                        });
                    }
                    self.in_flight.pop_front();
                    return Ok(Batch {
                        layout,
                        frames,
                        end,
                    });
                }
                Message::Ping(p) => {
                    self.pings += 1;
                    if self.answer_pings {
                        let now = unix_now_us();
                        self.io.send(&Message::Pong(Pong::answer(&p, now, now)))?;
                    }
                }
                Message::Goodbye(goodbye) => return Err(PeerError::Goodbye { what, goodbye }),
                other => return Err(unexpected(&what, other)),
            }
            pause();
        }
    }

    /// Reads until the server closes the connection, answering nothing:
    /// pings are counted, anything else is an error. A viewer gone silent.
    ///
    /// # Errors
    /// [`PeerError::Timeout`] when the connection is still open after
    /// `within`, [`PeerError::Unexpected`] for a message other than a
    /// ping.
    pub fn wait_closed(&mut self, within: Duration) -> Result<(), PeerError> {
        let what = "the server to close the connection";
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.io.recv(left, what) {
                Ok(Message::Ping(_)) => self.pings += 1,
                Ok(other) => return Err(unexpected(what, other)),
                Err(err) if err.is_closed() => return Ok(()),
                Err(err) => return Err(err),
            }
        }
    }

    /// Asks for one batch and gives the socket back without reading
    /// anything more: a viewer that stalls, the worst case for a server.
    ///
    /// # Errors
    /// [`PeerError::Io`] when the request cannot be sent.
    pub fn try_into_stalled(mut self) -> Result<TcpStream, PeerError> {
        self.try_ready()?;
        let _ = self.io.stream.set_read_timeout(None);
        Ok(self.io.stream)
    }
}

fn unexpected(what: &str, got: Message) -> PeerError {
    PeerError::Unexpected {
        what: what.into(),
        got: Box::new(got),
    }
}
