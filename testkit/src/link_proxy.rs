//! A link emulator: a TCP proxy on loopback that delays every byte by a
//! fixed one-way time and, optionally, limits the bandwidth of each
//! direction, for tests and benchmarks of remote viewing (these machines'
//! kernels have no `tc netem`).
//!
//! ```text
//!  viewer ──▶ 127.0.0.1:proxy ──[ bottleneck B, delay d ]──▶ server
//!         ◀──                 ◀─[ bottleneck B, delay d ]───
//! ```
//!
//! Each direction models a link with a bottleneck of `B` bytes per second
//! followed by a propagation delay `d`: a chunk that arrives at time `a`
//! starts crossing the bottleneck when the chunks before it have crossed,
//! finishes `len / B` later, and is delivered `d` after that. Bytes waiting
//! for the bottleneck form the link's queue, bounded by `queue_bytes`: when
//! it is full the proxy stops reading, and TCP's flow control pushes back on
//! the sender, as a full router queue does (by drops) on a real link.
//!
//! Every connection gets its own pair of directions; everything runs on one
//! named thread with a current-thread runtime and stops when the
//! [`LinkProxy`] is dropped.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The shape of one emulated link (the same both ways).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkSpec {
    /// Propagation delay of each direction (half the round trip).
    pub one_way: Duration,
    /// Bottleneck bandwidth of each direction in bytes per second; `None`:
    /// as fast as loopback.
    pub bytes_per_sec: Option<f64>,
    /// Most bytes queued for the bottleneck of one direction.
    pub queue_bytes: usize,
}

impl LinkSpec {
    /// A link with the given one-way delay (each way) and ample bandwidth.
    pub fn one_way(delay: Duration) -> Self {
        Self::round_trip(delay * 2)
    }

    /// A link with the given round trip and ample bandwidth.
    pub fn round_trip(rtt: Duration) -> Self {
        Self {
            one_way: rtt / 2,
            bytes_per_sec: None,
            queue_bytes: 64 << 20,
        }
    }

    /// The same link limited to `mbit` megabits per second each way, with
    /// a queue of about a second at that rate.
    pub fn mbit(self, mbit: f64) -> Self {
        let bytes_per_sec = mbit * 1e6 / 8.0;
        Self {
            bytes_per_sec: Some(bytes_per_sec),
            queue_bytes: (bytes_per_sec as usize).max(256 << 10),
            ..self
        }
    }
}

/// Largest chunk read at once: small enough that bandwidth pacing is smooth.
const CHUNK: usize = 16 * 1024;

/// A running proxy; stops (closing every connection) when dropped.
#[derive(Debug)]
pub struct LinkProxy {
    addr: SocketAddr,
    cancel: CancellationToken,
    thread: Option<JoinHandle<()>>,
    /// Counters of both directions, over all connections.
    counters: Arc<Counters>,
}

/// What crossed the link, per direction (0: towards the clients, 1:
/// towards the target).
#[derive(Debug, Default)]
struct Counters {
    /// Bytes read from the sending side.
    entered: [AtomicU64; 2],
    /// Bytes written to the receiving side.
    delivered: [AtomicU64; 2],
    /// The most bytes that were in the link (entered, not delivered) at
    /// once, since the last reset.
    high_water: [AtomicU64; 2],
}

impl Counters {
    fn entered(&self, dir: usize, n: u64) {
        let entered = self.entered[dir].fetch_add(n, Ordering::SeqCst) + n;
        let delivered = self.delivered[dir].load(Ordering::SeqCst);
        self.high_water[dir].fetch_max(entered.saturating_sub(delivered), Ordering::SeqCst);
    }
}

impl LinkProxy {
    /// Starts a proxy on `127.0.0.1:0` that forwards to `target` (a
    /// loopback address) through the emulated link.
    ///
    /// # Errors
    /// When `target` is not a loopback address (network tests stay on this
    /// machine), or the listener or its thread cannot be set up.
    pub fn start(target: SocketAddr, spec: LinkSpec) -> io::Result<Self> {
        if !target.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the link emulator only forwards to loopback, not {target}"),
            ));
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let cancel = CancellationToken::new();
        let token = cancel.clone();
        let counters = Arc::new(Counters::default());
        let shared = Arc::clone(&counters);
        let thread = std::thread::Builder::new()
            .name(format!("link-proxy-{}", addr.port()))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(err) => {
                        eprintln!("link proxy: no runtime: {err}");
                        return;
                    }
                };
                runtime.block_on(serve(listener, target, spec, token, shared));
            })?;
        Ok(Self {
            addr,
            cancel,
            thread: Some(thread),
            counters,
        })
    }

    /// Bytes delivered to the clients so far (what a viewer received).
    pub fn bytes_to_clients(&self) -> u64 {
        self.counters.delivered[0].load(Ordering::Relaxed)
    }

    /// Bytes delivered to the target so far.
    pub fn bytes_to_target(&self) -> u64 {
        self.counters.delivered[1].load(Ordering::Relaxed)
    }

    /// The most bytes that were in the link towards the clients at once
    /// (read from the target, not yet delivered: the link's queue and
    /// what is on its wire), since the start or the last
    /// [`reset_high_water`](Self::reset_high_water). Bytes still in the
    /// kernel's socket buffers are not counted.
    pub fn max_in_flight_to_clients(&self) -> u64 {
        self.counters.high_water[0].load(Ordering::SeqCst)
    }

    /// Starts the high-water mark again from what is in the link now.
    pub fn reset_high_water(&self) {
        for dir in 0..2 {
            let now = self.counters.entered[dir]
                .load(Ordering::SeqCst)
                .saturating_sub(self.counters.delivered[dir].load(Ordering::SeqCst));
            self.counters.high_water[dir].store(now, Ordering::SeqCst);
        }
    }

    /// The address viewers connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for LinkProxy {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    target: SocketAddr,
    spec: LinkSpec,
    cancel: CancellationToken,
    counters: Arc<Counters>,
) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    let tracker = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let Ok((client, _)) = accepted else { continue };
        let (cancel, counters) = (cancel.clone(), Arc::clone(&counters));
        tracker.spawn(async move {
            let Ok(server) = TcpStream::connect(target).await else {
                return; // the client sees a closed connection
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::select! {
                () = cancel.cancelled() => {}
                () = async {
                    tokio::join!(
                        direction(cr, sw, spec, &counters, 1),
                        direction(sr, cw, spec, &counters, 0)
                    );
                } => {}
            }
        });
    }
    tracker.close();
    tracker.wait().await;
}

/// One direction: read, schedule through the bottleneck and the delay,
/// write when due. The end of the input is forwarded (as a half close)
/// after the bytes before it.
async fn direction(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    spec: LinkSpec,
    counters: &Counters,
    dir: usize,
) {
    let queue = Arc::new(Semaphore::new(spec.queue_bytes.max(CHUNK)));
    // Chunks in flight: bounded in bytes by the semaphore, not by count.
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>, usize)>();
    let reader = {
        let queue = Arc::clone(&queue);
        async move {
            let mut link_free = Instant::now();
            loop {
                let mut buf = vec![0u8; CHUNK];
                let n = match from.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                buf.truncate(n);
                counters.entered(dir, n as u64);
                // Room in the queue (the bottleneck's buffer) first.
                let Ok(permit) = queue.acquire_many(n as u32).await else {
                    break;
                };
                permit.forget();
                let now = Instant::now();
                let crossed = match spec.bytes_per_sec {
                    Some(bps) if bps > 0.0 => {
                        let start = link_free.max(now);
                        link_free = start + Duration::from_secs_f64(n as f64 / bps);
                        link_free
                    }
                    _ => now,
                };
                if tx.send((crossed + spec.one_way, buf, n)).is_err() {
                    break;
                }
            }
            // Dropping `tx` tells the writer the input ended.
        }
    };
    let writer = async move {
        let mut pending: VecDeque<(Instant, Vec<u8>, usize)> = VecDeque::new();
        while let Some(item) = rx.recv().await {
            pending.push_back(item);
            while let Some((due, bytes, n)) = pending.pop_front() {
                tokio::time::sleep_until(due).await;
                if to.write_all(&bytes).await.is_err() {
                    return;
                }
                counters.delivered[dir].fetch_add(n as u64, Ordering::SeqCst);
                queue.add_permits(n);
                while let Ok(next) = rx.try_recv() {
                    pending.push_back(next);
                }
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn echo_server() -> (SocketAddr, std::thread::JoinHandle<()>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let thread = std::thread::Builder::new()
            .name("echo-server".into())
            .spawn(move || {
                let (mut s, _) = listener.accept().unwrap();
                let mut buf = vec![0u8; 65536];
                loop {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if s.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
            })
            .expect("starting the echo server");
        (addr, thread)
    }

    #[test]
    fn a_round_trip_takes_the_configured_delay() {
        let (target, server) = echo_server();
        let proxy =
            LinkProxy::start(target, LinkSpec::round_trip(Duration::from_millis(80))).unwrap();
        let mut s = std::net::TcpStream::connect(proxy.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.set_nodelay(true).unwrap();
        for _ in 0..3 {
            let t = std::time::Instant::now();
            s.write_all(b"ping").unwrap();
            let mut got = [0u8; 4];
            s.read_exact(&mut got).unwrap();
            let rtt = t.elapsed();
            assert_eq!(&got, b"ping");
            // Never faster than the link; slower only by scheduling.
            assert!(rtt >= Duration::from_millis(80), "round trip {rtt:?}");
            assert!(rtt < Duration::from_secs(5), "round trip {rtt:?}");
        }
        drop(s);
        server.join().unwrap();
    }

    #[test]
    fn bandwidth_is_limited_and_order_kept() {
        let (target, server) = echo_server();
        // 8 Mbit/s = 1 MB/s each way; 400 kB echoed takes at least 0.4 s.
        let spec = LinkSpec::round_trip(Duration::from_millis(10)).mbit(8.0);
        let proxy = LinkProxy::start(target, spec).unwrap();
        let mut s = std::net::TcpStream::connect(proxy.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let data: Vec<u8> = (0..400_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let t = std::time::Instant::now();
        let mut writer = s.try_clone().unwrap();
        let sent = data.clone();
        let w = std::thread::Builder::new()
            .name("echo-writer".into())
            .spawn(move || writer.write_all(&sent).unwrap())
            .expect("starting the writer");
        let mut got = vec![0u8; data.len()];
        s.read_exact(&mut got).unwrap();
        w.join().unwrap();
        let took = t.elapsed();
        assert!(got == data, "bytes arrive whole and in order");
        // The proxy counts a chunk once its write returned, which may be
        // just after the client has read it.
        crate::wait::Wait::new("the proxy to count every byte", Duration::from_secs(10))
            .every(Duration::from_millis(5))
            .for_state(|| match proxy.bytes_to_clients() {
                n if n >= data.len() as u64 => Ok(()),
                n => Err(format!("{n} of {} bytes counted", data.len())),
            });
        assert_eq!(proxy.bytes_to_clients(), data.len() as u64);
        assert!(took >= Duration::from_millis(400), "took {took:?}");
        drop(s);
        server.join().unwrap();
    }

    #[test]
    fn only_loopback_targets() {
        let err = LinkProxy::start(
            "10.1.2.3:80".parse().unwrap(),
            LinkSpec::round_trip(Duration::ZERO),
        )
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
