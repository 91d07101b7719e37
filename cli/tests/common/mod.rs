//! Running the real `plotcast` binary in tests, with a headless viewer
//! writing PNGs or with none, through the test kit's computation command
//! (stderr collected, every wait bounded).
#![allow(dead_code)]

use std::io::Write;
use std::process::ExitStatus;
use std::time::Duration;

use plotcast_testkit::{ComputationCommand, Rgb, TempDir, ViewerCommand};

/// The longest a plotcast run in a test may take.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// The `plotcast` binary under test (cargo builds this package's binary
/// before its tests).
pub fn plotcast() -> ComputationCommand {
    ComputationCommand::program(env!("CARGO_BIN_EXE_plotcast"), "plotcast")
}

/// `plotcast` set up to launch a headless viewer that writes `f{n}.png`
/// into `dir`.
pub fn with_headless_viewer(dir: &TempDir) -> ComputationCommand {
    let viewer = ViewerCommand::new()
        .headless()
        .size(800, 600)
        .frames(100_000)
        .timeout_secs(60)
        .out(dir.join("f{n}.png"));
    plotcast().viewer(&viewer)
}

/// Runs plotcast with `input` on stdin to its end; returns status and
/// stderr.
///
/// # Panics
/// When it does not end within [`RUN_TIMEOUT`] or its input cannot be
/// written.
pub fn run_with_input(cmd: ComputationCommand, input: &[u8]) -> (ExitStatus, String) {
    let mut running = cmd.spawn();
    let mut stdin = running.take_stdin();
    let input = input.to_vec();
    // A writer of its own: plotcast may stop reading before the input ends.
    let writer = std::thread::Builder::new()
        .name("plotcast-input".into())
        .spawn(move || stdin.write_all(&input))
        .expect("starting the input writer");
    let out = running.finish(RUN_TIMEOUT);
    writer
        .join()
        .expect("the input writer")
        .expect("writing plotcast's input");
    out
}

/// Runs plotcast with `input` on stdin, keeps stdin open until the
/// headless viewer writing into `dir` has written a PNG that passes
/// `shows` (the newest one is polled), then closes it. Returns the status,
/// stderr and that PNG.
///
/// Waiting for the picture while the input is still open keeps the check
/// independent of when the viewer renders its last frame relative to the
/// server's goodbye.
///
/// # Panics
/// When no PNG shows `what` or plotcast does not end within
/// [`RUN_TIMEOUT`].
pub fn run_until_png(
    cmd: ComputationCommand,
    input: &[u8],
    dir: &TempDir,
    what: &str,
    shows: impl Fn(&Rgb) -> bool,
) -> (ExitStatus, String, Rgb) {
    let mut running = cmd.spawn();
    let mut stdin = running.take_stdin();
    stdin.write_all(input).expect("writing plotcast's input");
    let png = running.wait_for_png(dir.path(), what, RUN_TIMEOUT, shows);
    drop(stdin);
    let (status, said) = running.finish(RUN_TIMEOUT);
    (status, said, png)
}
