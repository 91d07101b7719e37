//! `plotcast run -- CMD`: the command's stdout is plotted, its stderr
//! passes through, SIGINT and SIGTERM reach it, and plotcast exits with its
//! status.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write as _;
use std::time::Duration;

use common::{plotcast, with_headless_viewer, RUN_TIMEOUT};
use plotcast_testkit::procs::{self, Signal};
use plotcast_testkit::rgb::TAB_BLUE;
use plotcast_testkit::viewer_files::{launched_viewer_pngs, note, ready_notes};
use plotcast_testkit::{ComputationCommand, TempDir, ViewerCommand, Wait, Xvfb};

/// `plotcast run --no-viewer --wait 0 -- sh -c SCRIPT` (exits with the
/// command, serving no longer).
fn run_sh(script: &str) -> ComputationCommand {
    plotcast().args([
        "run",
        "--no-viewer",
        "--wait",
        "0",
        "--",
        "sh",
        "-c",
        script,
    ])
}

#[test]
fn plots_the_command_and_exits_with_its_status() {
    let dir = TempDir::new("cli-run");
    let cmd = with_headless_viewer(&dir).args([
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
    let mut running = cmd.spawn();
    let stdin = running.take_stdin();
    running.wait_for_png(dir.path(), "the sine", RUN_TIMEOUT, |img| {
        img.count_near(TAB_BLUE, 40) > 500
    });
    drop(stdin);
    let (status, said) = running.finish(RUN_TIMEOUT);
    assert_eq!(status.code(), Some(7), "the command's status: {said}");
    assert!(said.contains("to stderr"), "stderr passes through: {said}");
    assert!(said.contains("501 samples plotted in 1 plot"), "{said}");
    launched_viewer_pngs(dir.path(), &said);
}

#[test]
fn status_of_a_signal_and_of_a_missing_command() {
    let (status, said) = run_sh("echo 1; kill -KILL $$").spawn().finish(RUN_TIMEOUT);
    assert_eq!(
        status.code(),
        Some(128 + 9),
        "killed by signal 9, as a shell says: {said}"
    );

    let cmd = plotcast().args(["run", "--no-viewer", "--", "./no-such-program-here"]);
    let (status, said) = cmd.spawn().finish(RUN_TIMEOUT);
    assert_eq!(status.code(), Some(127), "{said}");
    assert!(said.contains("cannot run ./no-such-program-here"), "{said}");
}

/// A command that prints a number, says "ready" on stderr once its trap is
/// set, then prints numbers until interrupted.
const TRAPPING: &str = "echo 0; trap 'echo got-int >&2; exit 42' INT; echo ready >&2; \
                        i=0; while :; do echo $i; i=$((i+1)); sleep 0.02; done";

#[test]
fn sigint_is_forwarded_and_plotcast_exits_with_the_commands_status() {
    let mut running = run_sh(TRAPPING).spawn();
    running.wait_for_line("ready", Duration::from_secs(30));
    running.signal(Signal::INT);
    running.wait_for_line("got-int", Duration::from_secs(30));
    let (status, said) = running.finish(RUN_TIMEOUT);
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
    let mut running = run_sh("echo ready >&2; while :; do sleep 0.02; done").spawn();
    running.wait_for_line("ready", Duration::from_secs(30));
    running.signal(Signal::TERM);
    let (status, said) = running.finish(RUN_TIMEOUT);
    assert_eq!(status.code(), Some(128 + 15), "ended by SIGTERM: {said}");
}

#[test]
fn pipe_stops_at_sigint_and_says_so_in_its_status() {
    let cmd = plotcast().args(["pipe", "--no-viewer"]);
    let mut running = cmd.spawn();
    // stdin stays open: only the signal can end the run.
    running.serving_addr(Duration::from_secs(30));
    running.signal(Signal::INT);
    let status = running.wait_exit(
        "plotcast pipe to end at SIGINT although its input is still open",
        Duration::from_secs(30),
    );
    assert_eq!(status.code(), Some(130), "128 + SIGINT");
}

/// `plotcast` launching a viewer window on `x` that writes its ready file
/// (status line included) into `dir`.
///
/// A window, not a headless viewer: headless draws (and writes the ready
/// file) only when data arrives, so the status after the goodbye never
/// reaches its ready file; a window redraws when its status changes.
fn with_status_window(x: &Xvfb, dir: &TempDir) -> ComputationCommand {
    let viewer = ViewerCommand::new()
        .size(640, 480)
        .ready_file(dir.join("ready"));
    plotcast().viewer(&viewer).display(x)
}

/// The viewer's status line once it contains `words`.
fn status_saying(dir: &TempDir, words: &str) -> String {
    let ready = dir.join("ready");
    Wait::new(
        format!("the viewer's status line to say {words:?}"),
        RUN_TIMEOUT,
    )
    .for_state(|| {
        let lines = ready_notes(&ready);
        match note(&lines, "status") {
            Some(status) if status.contains(words) => Ok(status.to_owned()),
            _ => Err(lines.join("\n")),
        }
    })
}

/// Ends the window writing into `dir` (it outlives the computation, as a
/// user's window does) and waits until it is gone.
fn close_window(dir: &TempDir) {
    let marker = dir.path().display().to_string();
    for pid in procs::pids_with_cmdline(&marker) {
        let _ = procs::signal(pid, Signal::TERM);
    }
    procs::wait_all_gone(
        &marker,
        "the viewer window to close",
        Duration::from_secs(30),
    );
}

#[test]
fn a_pipe_stopped_by_sigint_tells_its_viewer_it_was_interrupted() {
    let Some(x) = Xvfb::start_or_skip(800, 600) else {
        return;
    };
    let dir = TempDir::new("cli-pipe-sigint");
    let mut running = with_status_window(&x, &dir).args(["pipe"]).spawn();
    let mut stdin = running.take_stdin();
    stdin.write_all(b"1\n2\n3\n").unwrap();
    // The window shows the data while the input is still open.
    status_saying(&dir, " · connected · ");
    running.signal(Signal::INT);
    let status = running.wait_exit("plotcast pipe to end at SIGINT", RUN_TIMEOUT);
    assert_eq!(status.code(), Some(130), "{}", running.said());
    let line = status_saying(&dir, "computation interrupted: SIGINT");
    assert!(
        !line.contains(" fps"),
        "no frame rate once it ended: {line}"
    );
    drop(stdin);
    close_window(&dir);
}

#[test]
fn a_failing_command_tells_its_viewer_it_failed() {
    let Some(x) = Xvfb::start_or_skip(800, 600) else {
        return;
    };
    let dir = TempDir::new("cli-run-fails");
    let cmd =
        with_status_window(&x, &dir).args(["run", "--", "sh", "-c", "echo 1; echo 2; exit 3"]);
    let mut running = cmd.spawn();
    let status = running.wait_exit("plotcast run to end with its command", RUN_TIMEOUT);
    assert_eq!(
        status.code(),
        Some(3),
        "the command's status: {}",
        running.said()
    );
    let line = status_saying(
        &dir,
        "computation interrupted: the command failed (exit status 3)",
    );
    assert!(!line.contains(" fps"), "{line}");
    close_window(&dir);
}
