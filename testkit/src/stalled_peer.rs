//! Peers that stall: they handshake, ask for data and never read it, the
//! worst case for a server (its writes to them block), and a nagger that
//! keeps asking on their behalf so the server always has something to
//! write.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use crate::background::Background;
use crate::test_peer::{ready_bytes, TestPeer};

/// A peer that handshakes, asks for one batch and never reads again.
///
/// # Panics
/// When the handshake fails.
pub fn stalled_peer(addr: SocketAddr) -> TcpStream {
    TestPeer::connect(addr)
        .try_into_stalled()
        .unwrap_or_else(|e| panic!("a stalled peer of {addr}: {e}"))
}

/// A peer that handshakes, asks for batches up to `up_to` (as many as the
/// server allows) and never reads: the worst a stalled viewer can do.
///
/// # Panics
/// When the handshake or the request fails.
pub fn stalled_peer_asking(addr: SocketAddr, up_to: u64) -> TcpStream {
    let mut stream = stalled_peer(addr);
    stream
        .write_all(&ready_bytes(up_to))
        .unwrap_or_else(|e| panic!("asking {addr} for batches up to {up_to}: {e}"));
    stream
}

/// Keeps asking stalled viewers for batches (a `Ready` on each, every
/// `every`) without ever reading, so the server always has something to
/// write to them, until dropped (or for ten minutes at most).
#[derive(Debug)]
pub struct Nagger {
    _thread: Background,
}

impl Nagger {
    /// Starts nagging clones of `streams` (their first request was batch 1).
    ///
    /// # Panics
    /// When a socket cannot be cloned or the thread cannot start.
    pub fn start(streams: &[TcpStream], every: Duration) -> Self {
        let mut clones: Vec<TcpStream> = streams
            .iter()
            .map(|s| s.try_clone().expect("cloning a socket"))
            .collect();
        let until = Instant::now() + Duration::from_secs(600);
        let thread = Background::spawn("nagger", move |stop| {
            let mut n = 2;
            while !stop.load(Ordering::Relaxed) && Instant::now() < until {
                let ready = ready_bytes(n);
                for s in &mut clones {
                    // The server may have dropped it: nothing to do then.
                    let _ = s.write_all(&ready);
                }
                n += 1;
                thread::sleep(every);
            }
        });
        Self { _thread: thread }
    }
}
