//! `plotcast run -- CMD`: the command's stdout is plotted, its stderr
//! passes through, SIGINT and SIGTERM reach it, and plotcast exits with its
//! status.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{plotcast, viewer_pngs, wait_for_png, with_headless_viewer, Running};
use plotcast_testkit::TempDir;
use rustix::process::{kill_process, Pid, Signal};

fn signal(running: &Running, signal: Signal) {
    let pid = Pid::from_raw(running.child.pid()).expect("a pid");
    kill_process(pid, signal).expect("signalling plotcast");
}

#[test]
fn plots_the_command_and_exits_with_its_status() {
    let dir = TempDir::new("cli-run");
    let mut cmd = with_headless_viewer(&dir);
    cmd.args([
        "run",
        "--x",
        "step",
        "--",
        "sh",
        "-c",
        // Its stdin is plotcast's: it waits for the test to close it.
        "echo step value; seq 0 500 | awk '{print $1, sin($1/40)}'; echo 'to stderr' >&2; \
         read _; exit 7",
    ]);
    let mut running = Running::start(cmd);
    let stdin = running.child.0.stdin.take();
    wait_for_png(&dir, "the sine", &mut running, |img| {
        img.count_near([31, 119, 180], 40) > 500
    });
    drop(stdin);
    let (status, said) = running.finish();
    assert_eq!(status.code(), Some(7), "the command's status: {said}");
    assert!(said.contains("to stderr"), "stderr passes through: {said}");
    assert!(said.contains("501 samples plotted in 1 plot"), "{said}");
    viewer_pngs(&dir, &said);
}

#[test]
fn status_of_a_signal_and_of_a_missing_command() {
    let mut cmd = plotcast();
    cmd.args([
        "run",
        "--no-viewer",
        "--",
        "sh",
        "-c",
        "echo 1; kill -KILL $$",
    ]);
    let (status, said) = Running::start(cmd).finish();
    assert_eq!(
        status.code(),
        Some(128 + 9),
        "killed by signal 9, as a shell says: {said}"
    );

    let mut cmd = plotcast();
    cmd.args(["run", "--no-viewer", "--", "./no-such-program-here"]);
    let (status, said) = Running::start(cmd).finish();
    assert_eq!(status.code(), Some(127), "{said}");
    assert!(said.contains("cannot run ./no-such-program-here"), "{said}");
}

/// A command that prints a number, says "ready" on stderr once its trap is
/// set, then prints numbers until interrupted.
const TRAPPING: &str = "echo 0; trap 'echo got-int >&2; exit 42' INT; echo ready >&2; \
                        i=0; while :; do echo $i; i=$((i+1)); sleep 0.02; done";

#[test]
fn sigint_is_forwarded_and_plotcast_exits_with_the_commands_status() {
    let mut cmd = plotcast();
    cmd.args(["run", "--no-viewer", "--", "sh", "-c", TRAPPING]);
    let mut running = Running::start(cmd);
    running.wait_for_line("ready", Duration::from_secs(30));
    signal(&running, Signal::INT);
    running.wait_for_line("got-int", Duration::from_secs(30));
    let (status, said) = running.finish();
    assert_eq!(
        status.code(),
        Some(42),
        "the command's status after its trap: {said}"
    );
    assert!(
        said.contains("plotted in 1 plot"),
        "plotcast summed up: {said}"
    );
}

#[test]
fn sigterm_is_forwarded_too() {
    let mut cmd = plotcast();
    cmd.args([
        "run",
        "--no-viewer",
        "--",
        "sh",
        "-c",
        "echo ready >&2; while :; do sleep 0.02; done",
    ]);
    let mut running = Running::start(cmd);
    running.wait_for_line("ready", Duration::from_secs(30));
    signal(&running, Signal::TERM);
    let (status, said) = running.finish();
    assert_eq!(status.code(), Some(128 + 15), "ended by SIGTERM: {said}");
}

#[test]
fn pipe_stops_at_sigint_and_says_so_in_its_status() {
    let mut cmd = plotcast();
    cmd.args(["pipe", "--no-viewer"]);
    let mut running = Running::start(cmd);
    // stdin stays open: only the signal can end the run.
    running.address();
    signal(&running, Signal::INT);
    let status =
        plotcast_testkit::procs::wait_timeout(&mut running.child.0, Duration::from_secs(30))
            .expect("plotcast pipe ends at SIGINT although its input is still open");
    assert_eq!(status.code(), Some(130), "128 + SIGINT");
}
