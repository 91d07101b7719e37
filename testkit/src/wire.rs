//! The protocol as raw bytes, for tests that speak the wire directly: a
//! message's bytes, the messages in a byte stream, and reading a socket
//! until the server closes it.

use std::io::{self, ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use plotcast_protocol::{decode, encode, FrameCodec, Message, DEFAULT_MAX_FRAME_BYTES};
use tokio_util::codec::Decoder;

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

/// Whether a read error is the end of a read timeout, not a failure.
pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}
