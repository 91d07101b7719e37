//! A framed plotcast connection on a blocking socket, every read under a
//! deadline, and raw-byte helpers for tests that speak the wire directly.
//!
//! [`Conn`] is the transport of the test [`TestPeer`](crate::test_peer::TestPeer);
//! tests that send hostile or hand-made bytes use it (or [`wire`] and
//! [`messages`]) on their own.

use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use plotcast_protocol::FrameCodec;
use plotcast_protocol::{
    decode, encode, Goodbye, Message, ProtocolError, Reject, DEFAULT_MAX_FRAME_BYTES,
};
use tokio_util::codec::Decoder;

/// Why a test peer's step failed. Every variant names what was awaited.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// Nothing (or not enough) arrived in time.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        after: Duration,
    },
    /// The server closed the connection (end of stream).
    #[error("connection closed while waiting for {what}")]
    Closed {
        /// What was awaited.
        what: String,
    },
    /// The socket failed (a reset, for example).
    #[error("socket error while waiting for {what}: {source}")]
    Io {
        /// What was awaited.
        what: String,
        /// What the system said.
        source: io::Error,
    },
    /// The bytes were not a valid frame or message (a torn or corrupt frame).
    #[error("torn or corrupt frame while waiting for {what}: {source}")]
    Protocol {
        /// What was awaited.
        what: String,
        /// What the decoder said.
        source: ProtocolError,
    },
    /// The server refused the handshake.
    #[error("the server rejected us ({:?}): {}", .0.code, .0.reason)]
    Rejected(Reject),
    /// The server said goodbye.
    #[error("the server said goodbye ({:?}) while we waited for {what}: {}", .goodbye.code, .goodbye.reason)]
    Goodbye {
        /// What was awaited.
        what: String,
        /// The goodbye.
        goodbye: Goodbye,
    },
    /// A message that has no place here.
    #[error("unexpected {got:?} while waiting for {what}")]
    Unexpected {
        /// What was awaited.
        what: String,
        /// What came instead.
        got: Box<Message>,
    },
}

impl PeerError {
    /// Whether the connection is gone (closed or reset by the server).
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed { .. } | Self::Io { .. })
    }
}

/// The wire bytes of `msg`.
///
/// # Panics
/// When the message cannot be encoded (test messages always can).
pub fn wire(msg: &Message) -> Bytes {
    encode(msg).expect("test messages encode")
}

/// Every whole message in `bytes` (a byte stream a server sent).
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

/// A framed connection: messages out, messages in under deadlines.
#[derive(Debug)]
pub struct Conn {
    /// The socket.
    pub stream: TcpStream,
    /// Largest single read; a test may shrink it so frames arrive split at
    /// arbitrary byte boundaries.
    pub chunk: usize,
    /// A pause after every read that got bytes: a slow reader (default none).
    pub pace: Duration,
    codec: FrameCodec,
    buf: BytesMut,
    /// Reads land here first: zeroed once, not on every read.
    scratch: Vec<u8>,
}

impl Conn {
    /// Wraps a connected socket; accepts frames up to the viewer's default
    /// limit.
    pub fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            chunk: 256 * 1024,
            pace: Duration::ZERO,
            codec: FrameCodec::new(DEFAULT_MAX_FRAME_BYTES),
            buf: BytesMut::new(),
            scratch: Vec::new(),
        }
    }

    /// Sends one message.
    ///
    /// # Errors
    /// [`PeerError::Io`] when the socket refuses it.
    pub fn send(&mut self, msg: &Message) -> Result<(), PeerError> {
        self.stream
            .write_all(&wire(msg))
            .map_err(|source| PeerError::Io {
                what: format!("sending a {}", msg.name()),
                source,
            })
    }

    /// The next message, within `within`.
    ///
    /// # Errors
    /// [`PeerError::Timeout`], [`PeerError::Closed`],
    /// [`PeerError::Io`] or [`PeerError::Protocol`], naming `what`.
    pub fn recv(&mut self, within: Duration, what: &str) -> Result<Message, PeerError> {
        let deadline = Instant::now() + within;
        loop {
            let body = self
                .codec
                .decode(&mut self.buf)
                .map_err(|source| protocol(what, source))?;
            if let Some(body) = body {
                return decode(body).map_err(|source| protocol(what, source));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(PeerError::Timeout {
                    what: what.into(),
                    after: within,
                });
            }
            self.read_some(left, what)?;
        }
    }

    /// The next message if one comes within `within`, else `None`.
    ///
    /// # Errors
    /// As [`recv`](Self::recv), except that silence is not an error.
    pub fn poll(&mut self, within: Duration) -> Result<Option<Message>, PeerError> {
        match self.recv(within, "a message") {
            Ok(msg) => Ok(Some(msg)),
            Err(PeerError::Timeout { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// One read of at most [`chunk`](Self::chunk) bytes, waiting at most
    /// `left`; a timeout is not an error here (the caller's deadline decides).
    fn read_some(&mut self, left: Duration, what: &str) -> Result<(), PeerError> {
        let chunk = self.chunk.max(1);
        if self.scratch.len() < chunk {
            self.scratch.resize(chunk, 0);
        }
        self.stream
            .set_read_timeout(Some(left))
            .map_err(|source| io_error(what, source))?;
        match self.stream.read(&mut self.scratch[..chunk]) {
            Ok(0) => Err(PeerError::Closed { what: what.into() }),
            Ok(n) => {
                self.buf.extend_from_slice(&self.scratch[..n]);
                if !self.pace.is_zero() {
                    std::thread::sleep(self.pace);
                }
                Ok(())
            }
            Err(e) if is_timeout(&e) || e.kind() == ErrorKind::Interrupted => Ok(()),
            Err(source) => Err(io_error(what, source)),
        }
    }
}

fn protocol(what: &str, source: ProtocolError) -> PeerError {
    PeerError::Protocol {
        what: what.into(),
        source,
    }
}

fn io_error(what: &str, source: io::Error) -> PeerError {
    PeerError::Io {
        what: what.into(),
        source,
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
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

/// Reads raw bytes until the server closes the connection (end of stream
/// or reset), within `bound` from now.
///
/// # Panics
/// When the connection is still open after `bound`.
pub fn read_until_closed(stream: &mut TcpStream, bound: Duration, what: &str) -> Closed {
    const HEAD: usize = 64 * 1024;
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
                let keep = n.min(HEAD.saturating_sub(head.len()));
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
