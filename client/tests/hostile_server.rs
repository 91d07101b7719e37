//! The viewer binary against servers that send what no honest plotcast
//! server sends: escape sequences and megabytes of text, ranges whose span
//! overflows f64, channels the layout never listed, and a run that is stuck
//! where only the `--timeout` watchdog can end it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use plotcast_protocol::{Reject, RejectCode, VERSION};
use plotcast_testkit::frames::heatmap_frame;
use plotcast_testkit::{FakeServer, Script, TempDir};

/// Generous bound for runs that take a second or two when all is well.
const RUN_LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_rejection_with_escape_sequences_and_a_huge_reason_is_printed_safely() {
    let mut script = Script::heatmap("alpha", 1, 0.0);
    // Just under the viewer's 64 KiB limit before the Welcome.
    let reason = format!("\u{1b}]0;pwned\u{7}\u{1b}[2J{}", "A".repeat(60_000));
    script.reject = Some(Reject {
        code: RejectCode::BadToken,
        reason,
        server_version: VERSION,
    });
    let server = FakeServer::start(script);
    let run = server
        .viewer()
        .headless()
        .no_reconnect()
        .timeout_secs(30)
        .run(RUN_LIMIT);
    run.assert_exit_code(2, "the run");
    assert!(
        !run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{7}'),
        "control characters reached the terminal: {:?}",
        &run.stderr[..run.stderr.len().min(300)]
    );
    assert!(
        run.stderr.contains("\\u{1b}]0;pwned"),
        "the escaped reason is shown: {:?}",
        &run.stderr[..run.stderr.len().min(300)]
    );
    let longest = run.stderr.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 2_000, "a {longest}-byte line reached stderr");
}

#[test]
fn ranges_whose_span_overflows_render_and_the_run_ends() {
    let mut script = Script::heatmap("alpha", 1, 0.0);
    script.layout.channels[0].options.y_range = Some((-1e308, 1e308));
    script.batch = Arc::new(|n| {
        let mut f = heatmap_frame(1, n, 4, 3, |c, r| match (c + r) % 3 {
            0 => -1e308,
            1 => 1e308,
            _ => 5e-324,
        });
        f.range = match n % 3 {
            0 => Some((-1e308, 1e308)),
            1 => Some((0.0, 5e-324)),
            _ => None,
        };
        // A frame for a channel the layout never listed: ignored.
        let mut stray = f.clone();
        stray.channel = 77;
        vec![f, stray]
    });
    let server = FakeServer::start(script);
    let dir = TempDir::new("overflow");
    let run = server
        .viewer()
        .headless()
        .frames(3)
        .size(400, 300)
        .out(dir.join("f{n}.png"))
        .timeout_secs(30)
        .run(RUN_LIMIT);
    run.assert_success("the run");
    for n in 1..=3 {
        assert!(dir.join(format!("f{n}.png")).exists(), "frame {n}");
    }
}

/// A write that never completes (the output is a FIFO nobody reads, as a
/// hung network file system would behave): the headless loop cannot check
/// its deadline, so the watchdog must end the run with the timeout status.
#[test]
fn timeout_fires_while_the_viewer_is_stuck() {
    let server = FakeServer::start(Script::heatmap("alpha", 1, 0.5));
    let dir = TempDir::new("stuck");
    let out = dir.join("f.png");
    let fifo = dir.join("f.png.part");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", fifo.display());
    let run = server
        .viewer()
        .headless()
        .frames(1)
        .out(&out)
        .timeout_secs(1)
        .run(RUN_LIMIT);
    run.assert_exit_code(3, "the run");
    assert!(
        run.stderr.contains("timed out after 1.0 s"),
        "message:\n{}",
        run.stderr
    );
    assert!(
        run.elapsed < Duration::from_secs(30),
        "the watchdog took {:?}",
        run.elapsed
    );
}
