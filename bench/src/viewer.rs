//! Viewers for benchmarks: the protocol test peer of `plotcast-testkit` on
//! blocking sockets, so the figures measure plotcast's server and not a GUI.

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Result;
use plotcast_protocol::Frame;
use plotcast_testkit::test_peer::{hello, TestPeer};

use crate::common::wait_viewers;

/// How long a benchmark viewer waits for one batch.
const BATCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Connects a viewer called `name` and completes the handshake.
pub fn connect(addr: SocketAddr, name: &str) -> Result<TestPeer> {
    let mut hello = hello(None);
    hello.peer_name = name.to_owned();
    let mut client = TestPeer::try_connect(addr, hello)?;
    client.timeout = BATCH_TIMEOUT;
    Ok(client)
}

/// A viewer that handshakes, asks for one batch, and then never reads
/// again: the worst case for a server that must not wait for it.
pub fn stalled(addr: SocketAddr) -> Result<TcpStream> {
    Ok(connect(addr, "stalled")?.try_into_stalled()?)
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
    let mut v = connect(addr, "bench-reader")?;
    Ok(std::thread::Builder::new()
        .name("bench-viewer".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                // The server's goodbye at the end of a section ends the loop.
                let Ok(batch) = v.try_batch() else { break };
                on_batch(&batch.frames);
                totals
                    .frames
                    .fetch_add(batch.frames.len() as u64, Ordering::Relaxed);
                totals
                    .bytes
                    .fetch_add(batch.array_bytes(), Ordering::Relaxed);
            }
        })?)
}

/// Protocol viewers reading flat out, stopped and joined when dropped
/// (after their server: its goodbye ends their reads).
#[derive(Default)]
pub struct Readers {
    stop: Arc<AtomicBool>,
    totals: Arc<ReaderTotals>,
    threads: Vec<JoinHandle<()>>,
}

impl Readers {
    /// Connects more until there are `n`, and waits until the server
    /// counts them.
    ///
    /// # Errors
    /// When one cannot connect, or the server does not count them within
    /// 30 s.
    pub fn grow_to(&mut self, server: &plotcast::Server, n: usize) -> Result<()> {
        while self.threads.len() < n {
            self.add(server.local_addr(), |_| {})?;
        }
        wait_viewers(server, n)
    }

    /// Connects one more to `addr`, calling `on_batch` with each batch it
    /// reads.
    ///
    /// # Errors
    /// When it cannot connect.
    pub fn add(
        &mut self,
        addr: SocketAddr,
        on_batch: impl FnMut(&[Frame]) + Send + 'static,
    ) -> Result<()> {
        let (stop, totals) = (self.stop.clone(), self.totals.clone());
        self.threads
            .push(spawn_reader(addr, stop, totals, on_batch)?);
        Ok(())
    }

    /// Data frames received by all so far.
    pub fn frames(&self) -> u64 {
        self.totals.frames.load(Ordering::Relaxed)
    }
}

impl Drop for Readers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The server's goodbye ends a read in progress (the server is
        // dropped before this); a reader between reads sees `stop`.
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
