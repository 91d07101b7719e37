//! A framed plotcast connection on a blocking socket, every read under a
//! deadline: the transport of the [`TestPeer`](crate::TestPeer), and of
//! tests that send hand-made messages and read single ones.

use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use plotcast_protocol::{decode, FrameCodec, Message, ProtocolError, DEFAULT_MAX_FRAME_BYTES};
use tokio_util::codec::Decoder;

use crate::peer_error::PeerError;
use crate::wire::{is_timeout, wire};

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
