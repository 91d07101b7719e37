//! A minimal viewer for benchmarks: blocking sockets on its own thread,
//! speaking the protocol directly so the figures measure plotcast's server
//! and not a GUI.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use bytes::BytesMut;
use plotcast_protocol::{
    decode, encode, Frame, FrameCodec, Hello, Message, Pong, Ready, DEFAULT_MAX_FRAME_BYTES,
    VERSION,
};
use tokio_util::codec::Decoder;

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// A connected, handshaken viewer.
pub struct BenchViewer {
    /// The newest layout received and not yet taken.
    pub layout: Option<plotcast_protocol::Layout>,
    stream: TcpStream,
    codec: FrameCodec,
    buf: BytesMut,
    /// Socket reads land here first: zeroed once, where reading straight
    /// into `buf` safely would mean zeroing its spare capacity every read.
    scratch: Vec<u8>,
    batch: u64,
}

impl BenchViewer {
    /// Connects and completes the handshake (Welcome and first Layout read).
    pub fn connect(addr: SocketAddr, name: &str) -> Result<Self> {
        let stream = TcpStream::connect(addr).with_context(|| format!("connect {addr}"))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut viewer = Self {
            layout: None,
            stream,
            codec: FrameCodec::new(DEFAULT_MAX_FRAME_BYTES),
            buf: BytesMut::with_capacity(1 << 20),
            scratch: vec![0; 256 * 1024],
            batch: 0,
        };
        viewer.send(&Message::Hello(Hello {
            version: VERSION,
            token: None,
            peer_name: name.to_owned(),
        }))?;
        match viewer.next()? {
            Message::Welcome(_) => Ok(viewer),
            Message::Reject(r) => bail!("rejected: {}", r.reason),
            other => bail!("expected welcome, got {}", other.name()),
        }
    }

    fn send(&mut self, msg: &Message) -> Result<()> {
        self.stream.write_all(&encode(msg)?)?;
        Ok(())
    }

    /// Sends `Ready` for the next batch.
    pub fn request(&mut self) -> Result<()> {
        self.batch += 1;
        let batch = self.batch;
        self.send(&Message::Ready(Ready { batch }))
    }

    /// Reads the next message, answering pings on the way.
    pub fn next(&mut self) -> Result<Message> {
        loop {
            if let Some(body) = self.codec.decode(&mut self.buf)? {
                match decode(body)? {
                    Message::Ping(p) => self.send(&Message::Pong(Pong { nonce: p.nonce }))?,
                    msg => return Ok(msg),
                }
                continue;
            }
            let n = self.stream.read(&mut self.scratch)?;
            if n == 0 {
                bail!("server closed the connection");
            }
            self.buf.extend_from_slice(&self.scratch[..n]);
        }
    }

    /// Requests and reads one whole batch; returns its data frames and the
    /// number of bytes they carried.
    pub fn batch(&mut self) -> Result<(Vec<Frame>, u64)> {
        self.request()?;
        let mut frames = Vec::new();
        let mut bytes = 0u64;
        loop {
            match self.next()? {
                Message::Data(f) => {
                    bytes += f
                        .parts
                        .iter()
                        .map(|p| {
                            p.y.le_bytes().len() as u64
                                + p.x.as_ref().map_or(0, |x| x.le_bytes().len() as u64)
                        })
                        .sum::<u64>();
                    frames.push(f);
                }
                Message::Layout(l) => self.layout = Some(l),
                Message::BatchEnd(_) => return Ok((frames, bytes)),
                Message::Goodbye(g) => bail!("goodbye: {}", g.reason),
                _ => {}
            }
        }
    }
}

/// A viewer that handshakes, asks for one batch, and then never reads
/// again: the worst case for a server that must not wait for it.
pub fn stalled(addr: SocketAddr) -> Result<TcpStream> {
    let mut v = BenchViewer::connect(addr, "stalled")?;
    v.request()?;
    Ok(v.stream)
}

/// Totals of a reader thread, readable while it runs.
#[derive(Default)]
pub struct ReaderTotals {
    /// Data frames received.
    pub frames: AtomicU64,
    /// Array bytes received.
    pub bytes: AtomicU64,
}

/// Runs a viewer that reads batches as fast as it can until `stop` (or the
/// server goes away), calling `on_batch` with each.
pub fn spawn_reader(
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    totals: Arc<ReaderTotals>,
    mut on_batch: impl FnMut(&[Frame]) + Send + 'static,
) -> Result<std::thread::JoinHandle<()>> {
    let mut v = BenchViewer::connect(addr, "bench-reader")?;
    Ok(std::thread::Builder::new()
        .name("bench-viewer".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                // The server's goodbye at the end of a section ends the loop.
                let Ok((batch, b)) = v.batch() else { break };
                on_batch(&batch);
                totals
                    .frames
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
                totals.bytes.fetch_add(b, Ordering::Relaxed);
            }
        })?)
}
