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

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use plotcast::Server;
use plotcast_testkit::procs::{self, wait_timeout, KillOnDrop};
use plotcast_testkit::{bins, TempDir};

use crate::support::{presented, wait_until, Publishing};

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
        let server = Server::builder()
            .title("dead-peers")
            .use_env(false)
            .launch_viewer(false)
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
    fn viewer(&self, dir: &Path) -> KillOnDrop {
        let ready = dir.join("ready");
        let log = File::create(dir.join("viewer.log")).expect("creating the viewer's log");
        let viewer = KillOnDrop(
            Command::new(bins::viewer())
                .arg(self.server.local_addr().to_string())
                .args(["--headless", "--no-reconnect", "--size", "320x240"])
                .arg("--out")
                .arg(dir.join("f.png"))
                .arg("--ready-file")
                .arg(&ready)
                .env_remove("PLOTCAST_TOKEN")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("starting plotcast-viewer"),
        );
        wait_until(VIEWER_START, "the viewer to draw 3 frames", || {
            presented(&ready) >= 3
        });
        assert_eq!(self.server.viewer_count(), 1, "the viewer is connected");
        viewer
    }

    /// Waits until no viewer is left; returns how long that took from
    /// `since`, and the reason the last one ended for.
    fn wait_dropped(&self, since: Instant, bound: Duration, what: &str) -> (Duration, String) {
        wait_until(bound, what, || self.server.viewer_count() == 0);
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
    let mut viewer = fixture.viewer(dir.path());

    procs::signal(viewer.pid(), procs::Signal::STOP).expect("SIGSTOP to the viewer");
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
    procs::signal(viewer.pid(), procs::Signal::CONT).expect("SIGCONT to the viewer");
    let status = wait_timeout(&mut viewer.0, Duration::from_secs(30))
        .expect("the thawed viewer exits within 30 s once its server dropped it");
    let log = std::fs::read_to_string(dir.path().join("viewer.log")).unwrap_or_default();
    assert!(
        status.success(),
        "the thawed viewer had frames and lost its server: exit 0, got {status}\n{log}"
    );
    assert_eq!(fixture.server.viewer_count(), 0, "back to the baseline");
}

#[test]
fn a_killed_viewer_process_is_dropped_at_once() {
    let fixture = Fixture::start();
    let dir = TempDir::new("dead-peer-kill");
    assert_eq!(fixture.server.viewer_count(), 0, "baseline");
    let mut viewer = fixture.viewer(dir.path());

    viewer.0.kill().expect("SIGKILL to the viewer");
    let killed = Instant::now();
    viewer.0.wait().expect("reaping the killed viewer");
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
