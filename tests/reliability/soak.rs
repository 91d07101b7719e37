//! Soak: for 20 s (60 s when `CI` is set, or `PLOTCAST_SOAK_SECS`), a new
//! connection every 100 ms, each doing one of: read a few batches and
//! leave; ask and stall (never read) for up to 3 s, past the 2 s
//! heartbeat; connect and never handshake; vanish in the middle of a batch
//! (closing with data unread: a reset); send half a hello and go.
//!
//! Promise: when the churn stops, the server is back where it started:
//! no viewer left, as many file descriptors and threads as before, and
//! resident memory within a generous bound of its baseline.
//!
//! The server runs in the helper publisher process: descriptors, threads
//! and memory are whole-process figures.

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use crate::support::{
    fd_count, hello_bytes, stalled_peer, thread_names, wait_until, Publisher, Rng, TestPeer, MIB,
    TIMEOUT,
};

const TICK: Duration = Duration::from_millis(100);
const RSS_GROWTH_LIMIT: f64 = 64.0 * MIB;

/// How long the churn lasts.
fn soak_duration() -> Duration {
    if let Some(secs) = std::env::var("PLOTCAST_SOAK_SECS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        return Duration::from_secs(secs);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    Duration::from_secs(if ci { 60 } else { 20 })
}

/// What the peers of the churn do.
const KINDS: [&str; 5] = [
    "read a few batches",
    "stall",
    "never handshake",
    "vanish mid-batch",
    "half a hello",
];

#[test]
fn churn_leaves_memory_fds_and_threads_at_baseline() {
    let soak = soak_duration();
    let mut publisher = Publisher::start(&[
        "--values",
        "4096",
        "--interval-ms",
        "10",
        "--heartbeat-interval-ms",
        "500",
        "--heartbeat-timeout-ms",
        "2000",
    ]);
    let addr = publisher.addr;
    let pid = publisher.pid();
    // One whole viewer life first, so what the server builds lazily is in
    // the baseline.
    {
        let mut warm = TestPeer::connect(addr);
        warm.batch().last_seq();
        warm.batch().last_seq();
    }
    publisher.wait_viewers(0, TIMEOUT);
    let baseline_rss = publisher.rss();
    let baseline_fds = fd_count(pid);
    let baseline_threads = thread_names(pid);

    let mut rng = Rng::new(10);
    let mut held: Vec<(TcpStream, Instant)> = Vec::new();
    let mut counts = [0usize; KINDS.len()];
    let (mut fresh, mut most_held, mut most_viewers) = (0u64, 0usize, 0usize);
    let end = Instant::now() + soak;
    while Instant::now() < end {
        let tick = Instant::now();
        // Dropping a socket closes it.
        held.retain(|(_, until)| *until > tick);
        let kind = rng.below(KINDS.len() as u64) as usize;
        counts[kind] += 1;
        match kind {
            0 => {
                let mut c = TestPeer::connect(addr);
                for _ in 0..=rng.below(3) {
                    c.batch().last_seq();
                    fresh += 1;
                }
            }
            1 => held.push((stalled_peer(addr), tick + rng.millis(3000))),
            2 => {
                let s = TcpStream::connect_timeout(&addr, TIMEOUT)
                    .unwrap_or_else(|e| panic!("soak: cannot connect: {e}"));
                held.push((s, tick + rng.millis(1000)));
            }
            3 => {
                let mut c = TestPeer::connect(addr);
                c.ready();
                c.io.recv(TIMEOUT, "the start of a batch")
                    .expect("the start of a batch");
            }
            _ => {
                let mut s = TcpStream::connect_timeout(&addr, TIMEOUT)
                    .unwrap_or_else(|e| panic!("soak: cannot connect: {e}"));
                // The server may already have given up on it.
                let _ = s.write_all(&hello_bytes(None)[..10]);
                held.push((s, tick + rng.millis(500)));
            }
        }
        most_held = most_held.max(held.len());
        most_viewers = most_viewers.max(publisher.viewers());
        // Pacing, not synchronisation: one new peer per tick.
        thread::sleep((tick + TICK).saturating_duration_since(Instant::now()));
    }
    drop(held);

    publisher.wait_viewers(0, TIMEOUT);
    wait_until(
        "the server's file descriptors to return to their baseline",
        TIMEOUT,
        || fd_count(pid) <= baseline_fds,
    );
    wait_until(
        "the server's threads to return to their baseline",
        TIMEOUT,
        || thread_names(pid).len() <= baseline_threads.len(),
    );
    let rss = publisher.rss();
    let growth = rss.saturating_sub(baseline_rss) as f64;
    let peers: Vec<String> = KINDS
        .iter()
        .zip(counts)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    println!(
        "soak: {} s, {} peers ({}); at most {most_held} held open and {most_viewers} viewers at once; \
         {fresh} batches read. After: RSS {:.1} -> {:.1} MiB (growth {:.1} MiB), fds {baseline_fds} -> {}, \
         threads {} -> {}",
        soak.as_secs(),
        counts.iter().sum::<usize>(),
        peers.join(", "),
        baseline_rss as f64 / MIB,
        rss as f64 / MIB,
        growth / MIB,
        fd_count(pid),
        baseline_threads.len(),
        thread_names(pid).len(),
    );
    assert!(
        growth < RSS_GROWTH_LIMIT,
        "after the soak the server's RSS is {:.1} MiB above its baseline",
        growth / MIB
    );
    assert_eq!(
        thread_names(pid),
        baseline_threads,
        "the same threads as before"
    );
    assert!(fresh > 0, "the soak read batches");
    publisher.quit();
}
