//! What the scenarios share besides the test kit (the parts of
//! `plotcast-testkit` they use are re-exported here): the helper publisher
//! process, a publishing thread, and a small deterministic random source.
//!
//! Every wait here has a deadline and panics with what it waited for.

use std::io::Write;
use std::net::SocketAddr;
use std::process::{ChildStdin, Command, Stdio};
use std::thread;
use std::time::Duration;

use plotcast_testkit::{Background, KillOnDrop, OutputLines};

pub use plotcast_testkit::procs::{fd_count, status_bytes, thread_names};
pub use plotcast_testkit::test_peer::{hello_bytes, TIMEOUT};
pub use plotcast_testkit::viewer_files::numbered_pngs;
pub use plotcast_testkit::wire::{messages, read_until_closed, wire};
pub use plotcast_testkit::{stalled_peer, wait_until, Nagger, TestPeer};

/// Reads batches with `good` until every one of `attackers` has finished,
/// checking that each brings a newer frame than the one before (`last`,
/// updated): a good viewer stays fresh throughout an attack. Returns how
/// many batches it read.
///
/// # Panics
/// When a batch brings no newer frame, or does not come in time.
pub fn read_fresh_until_done<T>(
    good: &mut TestPeer,
    last: &mut u64,
    attackers: &[thread::JoinHandle<T>],
) -> u32 {
    let mut fresh = 0;
    while !attackers.iter().all(thread::JoinHandle::is_finished) {
        let seq = good.batch().last_seq();
        assert!(seq > *last, "the good viewer got frame {seq} after {last}");
        *last = seq;
        fresh += 1;
    }
    fresh
}

/// The helper publisher built with this test binary (cargo builds a
/// package's binaries before its integration tests).
pub const PUBLISHER_BIN: &str = env!("CARGO_BIN_EXE_plotcast-test-publisher");

/// Bytes in a MiB, for printing figures.
pub const MIB: f64 = 1024.0 * 1024.0;

/// A small deterministic random source (xorshift64*): every run of a
/// scenario sees the same "random" pauses and bytes, so a failure can be
/// replayed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A source seeded with `seed` (any value; zero is remapped).
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }

    /// A duration in `0..max`, with millisecond steps.
    pub fn millis(&mut self, max_ms: u64) -> Duration {
        Duration::from_millis(self.below(max_ms.max(1)))
    }
}

/// A thread of this process that publishes a line of `values` points every
/// `interval` (its first value counts the publishes), until dropped.
pub struct Publishing {
    _thread: Background,
}

impl Publishing {
    /// Starts publishing to `line`.
    pub fn start(line: plotcast::Line, values: usize, interval: Duration) -> Self {
        let mut ys: Vec<f64> = (0..values).map(|i| (i as f64 * 0.01).sin()).collect();
        let thread = Background::repeat("publishing", move || {
            ys[0] += 1.0;
            line.publish(&ys);
            thread::sleep(interval);
        });
        Self { _thread: thread }
    }
}

/// The helper publisher (`tests/bin/plotcast-test-publisher.rs`) running in
/// its own process, killed and reaped on drop.
pub struct Publisher {
    child: KillOnDrop,
    stdin: ChildStdin,
    stdout: OutputLines,
    /// Where it serves viewers.
    pub addr: SocketAddr,
}

impl Publisher {
    /// Starts one with `args` and waits until it serves.
    ///
    /// # Panics
    /// When it does not print its address within [`TIMEOUT`].
    pub fn start(args: &[&str]) -> Self {
        Self::try_start(args).unwrap_or_else(|e| panic!("the helper publisher did not start: {e}"))
    }

    /// Starts one, or says why it did not start.
    pub fn try_start(args: &[&str]) -> Result<Self, String> {
        let mut child = KillOnDrop(
            Command::new(PUBLISHER_BIN)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .map_err(|e| format!("cannot run {PUBLISHER_BIN}: {e}"))?,
        );
        let stdin = child.0.stdin.take().expect("the child's stdin is piped");
        let stdout = child.0.stdout.take().expect("the child's stdout is piped");
        let mut stdout = OutputLines::read(stdout, "publisher-stdout");
        let first = stdout
            .try_next_line(TIMEOUT)
            .ok_or_else(|| format!("no address printed within {TIMEOUT:?} (args {args:?})"))?;
        let addr = first
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("unexpected first line {first:?}"))?;
        Ok(Self {
            child,
            stdin,
            stdout,
            addr,
        })
    }

    /// Its pid.
    pub fn pid(&self) -> i32 {
        self.child.pid()
    }

    /// Sends a command and returns the value of the answer `<cmd-word> V`.
    ///
    /// # Panics
    /// When no answer comes within [`TIMEOUT`].
    pub fn ask(&mut self, command: &str, answer: &str) -> String {
        writeln!(self.stdin, "{command}").expect("writing to the helper publisher");
        self.stdin.flush().expect("flushing the helper's stdin");
        let line = self
            .stdout
            .next_line(&format!("the answer to {command:?}"), TIMEOUT);
        line.strip_prefix(answer)
            .and_then(|rest| rest.strip_prefix(' '))
            .unwrap_or_else(|| panic!("expected {answer:?} in answer to {command:?}, got {line:?}"))
            .to_owned()
    }

    /// Viewers it serves now (handshake done).
    pub fn viewers(&mut self) -> usize {
        self.ask("viewers", "viewers")
            .parse()
            .expect("a viewer count")
    }

    /// Publishes made so far.
    pub fn published(&mut self) -> u64 {
        self.ask("published", "published")
            .parse()
            .expect("a publish count")
    }

    /// Waits until it serves exactly `n` viewers.
    pub fn wait_viewers(&mut self, n: usize, within: Duration) {
        let what = format!("the publisher to serve {n} viewers");
        wait_until(&what, within, || self.viewers() == n);
    }

    /// Resident memory now.
    pub fn rss(&self) -> u64 {
        status_bytes(self.pid(), "VmRSS")
    }

    /// Peak resident memory so far.
    pub fn peak_rss(&self) -> u64 {
        status_bytes(self.pid(), "VmHWM")
    }

    /// Peak virtual memory so far (a large reservation shows here even when
    /// it is never touched).
    pub fn peak_virtual(&self) -> u64 {
        status_bytes(self.pid(), "VmPeak")
    }

    /// Asks it to exit and waits, at most [`TIMEOUT`].
    ///
    /// # Panics
    /// When it does not exit cleanly in time.
    pub fn quit(mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let status = self
            .child
            .wait_exit("the helper publisher to exit", TIMEOUT);
        assert!(
            status.success(),
            "the helper publisher exited with {status}"
        );
    }

    /// Kills it with SIGKILL and reaps it.
    pub fn kill(mut self) {
        self.child
            .0
            .kill()
            .expect("SIGKILL to the helper publisher");
        let _ = self.child.0.wait();
    }
}
