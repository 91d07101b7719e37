//! Dead peers: a real `plotcast-viewer --headless` process, mid-stream, is
//! frozen with SIGSTOP (alive to the kernel, silent to the server, like a
//! peer behind a pulled cable), or killed with SIGKILL.
//!
//! Promise: the frozen viewer is dropped by the heartbeat (2 s here) within
//! the bound, the killed one at once (its kernel closes the socket), the
//! viewer count returns to its baseline, and `stats().ended` says why.
//!
//! The server runs in this process (its counters are per server, so tests
//! beside this one do not disturb them); the viewers are child processes,
//! reaped before the test ends.

use std::path::Path;
use std::time::{Duration, Instant};

use plotcast::Server;
use plotcast_testkit::procs::Signal;
use plotcast_testkit::{server_builder, TempDir, ViewerCommand, ViewerProcess};

use crate::support::{wait_until, Publishing};

const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(2);
/// Heartbeat timeout plus generous slack: the server may first see write
/// progress from just before the freeze, then needs one more timeout.
const FROZEN_DROP_BOUND: Duration = Duration::from_secs(2 + 8);
/// "At once", on a loaded machine.
const KILLED_DROP_BOUND: Duration = Duration::from_secs(3);
/// A debug viewer may take a while to start beside other tests.
const VIEWER_START: Duration = Duration::from_secs(60);

/// A server with a short heartbeat, publishing a line every 10 ms.
struct Fixture {
    server: Server,
    _publishing: Publishing,
}

impl Fixture {
    fn start() -> Self {
        let server = server_builder("dead-peers")
            .heartbeat_interval(Duration::from_millis(500))
            .heartbeat_timeout(HEARTBEAT_TIMEOUT)
            .start()
            .expect("the dead-peers server starts");
        let publishing = Publishing::start(server.line("wave"), 10_000, Duration::from_millis(10));
        Self {
            server,
            _publishing: publishing,
        }
    }

    /// Starts a headless viewer process and waits until it is connected and
    /// has drawn a few frames (it is mid-stream).
    fn viewer(&self, dir: &Path) -> ViewerProcess {
        let mut viewer = ViewerCommand::new()
            .source(self.server.local_addr())
            .headless()
            .no_reconnect()
            .size(320, 240)
            .out(dir.join("f.png"))
            .ready_file(dir.join("ready"))
            .spawn();
        viewer.wait_presented(3, VIEWER_START);
        assert_eq!(self.server.viewer_count(), 1, "the viewer is connected");
        viewer
    }

    /// Waits until no viewer is left; returns how long that took from
    /// `since`, and the reason the last one ended for.
    fn wait_dropped(&self, since: Instant, bound: Duration, what: &str) -> (Duration, String) {
        wait_until(what, bound, || self.server.viewer_count() == 0);
        let took = since.elapsed();
        let stats = self.server.stats();
        let ended = stats
            .ended
            .last()
            .unwrap_or_else(|| panic!("{what}: stats().ended is empty"));
        assert!(
            ended.viewer.peer_name.starts_with("plotcast-viewer@"),
            "the ended viewer is ours: {:?}",
            ended.viewer.peer_name
        );
        assert!(ended.viewer.frames_sent > 0, "it was mid-stream");
        (took, ended.reason.clone())
    }
}

#[test]
fn a_frozen_viewer_process_is_dropped_by_the_heartbeat() {
    let fixture = Fixture::start();
    let dir = TempDir::new("dead-peer-stop");
    assert_eq!(fixture.server.viewer_count(), 0, "baseline");
    let viewer = fixture.viewer(dir.path());

    viewer.signal(Signal::STOP);
    let frozen = Instant::now();
    let (took, reason) =
        fixture.wait_dropped(frozen, FROZEN_DROP_BOUND, "the frozen viewer to be dropped");
    println!(
        "dead peers: SIGSTOPped viewer dropped after {} ms (heartbeat timeout {} ms): {reason}",
        took.as_millis(),
        HEARTBEAT_TIMEOUT.as_millis()
    );
    // A frozen process's kernel still acknowledges every byte: only the
    // heartbeat (or a write that stops progressing) can tell.
    assert!(
        reason.contains("heartbeat timeout") || reason.contains("accepted no data"),
        "the reason names the heartbeat or the stalled write: {reason:?}"
    );
    assert!(
        took >= HEARTBEAT_TIMEOUT / 2,
        "dropped after {took:?}, sooner than any heartbeat rule allows"
    );

    // Thawed, it finds its connection gone and (with --no-reconnect) exits
    // by itself, successfully since it drew frames; it is reaped here.
    viewer.signal(Signal::CONT);
    // Within 30 s once its server dropped it.
    let run = viewer.wait(Duration::from_secs(30));
    assert!(
        run.status.success(),
        "the thawed viewer had frames and lost its server: exit 0, got {}\n{}",
        run.status,
        run.stderr
    );
    assert_eq!(fixture.server.viewer_count(), 0, "back to the baseline");
}

#[test]
fn a_killed_viewer_process_is_dropped_at_once() {
    let fixture = Fixture::start();
    let dir = TempDir::new("dead-peer-kill");
    assert_eq!(fixture.server.viewer_count(), 0, "baseline");
    let viewer = fixture.viewer(dir.path());

    viewer.signal(Signal::KILL);
    let killed = Instant::now();
    viewer.wait(Duration::from_secs(30));
    let (took, reason) =
        fixture.wait_dropped(killed, KILLED_DROP_BOUND, "the killed viewer to be dropped");
    println!(
        "dead peers: SIGKILLed viewer dropped after {} ms: {reason}",
        took.as_millis()
    );
    assert!(
        !reason.contains("heartbeat timeout"),
        "a killed peer is noticed by its closed socket, not the heartbeat: {reason:?}"
    );
    assert_eq!(fixture.server.viewer_count(), 0, "back to the baseline");
}
