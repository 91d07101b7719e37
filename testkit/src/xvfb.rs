//! A private X server (Xvfb) for real-window tests: started on a display
//! number of its own, screenshots of its root window (`xwd`), synthetic
//! mouse and keys (`xdotool`), and the rule that decides whether a window
//! test may skip (never in CI).
//!
//! ```no_run
//! use std::time::Duration;
//! use plotcast_testkit::Xvfb;
//!
//! let Some(x) = Xvfb::start_or_skip(1280, 800) else { return };
//! x.xdotool(&["mousemove", "200", "320"]);
//! x.wait_for_screen("a plot", Duration::from_secs(60), |shot| {
//!     shot.colour_fraction() > 0.01
//! });
//! ```

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::kill_on_drop::{pid_of, wait_timeout, KillOnDrop};
use crate::output_lines::OutputLines;
use crate::procs::{self, Signal};
use crate::rgb::Rgb;
use crate::wait::Wait;
use crate::xwd::parse_xwd;

/// A running Xvfb on its own display; stopped on drop.
#[derive(Debug)]
pub struct Xvfb {
    display: u32,
    server: KillOnDrop,
}

/// Why no X server could be started (the test says so and skips; never in
/// CI, see [`Xvfb::start`]).
pub type Unavailable = String;

/// The programs the window tests run, with the Debian package of each.
pub const X_TOOLS: [(&str, &str); 3] = [
    ("Xvfb", "xvfb"),
    ("xwd", "x11-apps"),
    ("xdotool", "xdotool"),
];

/// How long Xvfb may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one xdotool or xwd run may take: they answer at once unless the
/// X server hangs, and a hung tool must not hang the test.
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);

/// Whether we run in CI (the `CI` variable set, and not to `false` or `0`):
/// there a window test that cannot run must fail, not skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Whether `program` can be run (found on `PATH` and executable).
pub fn installed(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            dir.join(program)
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// Checks that `program` is installed; outside CI a missing one is
/// reported as [`Unavailable`] (the test skips).
///
/// # Errors
/// Outside CI, when it is missing.
///
/// # Panics
/// In CI ([`in_ci`]), when it is missing: a window test must run there.
pub fn require(program: &str) -> Result<(), Unavailable> {
    if installed(program) {
        return Ok(());
    }
    let package = X_TOOLS
        .iter()
        .find(|(p, _)| *p == program)
        .map_or(program, |(_, package)| package);
    let why = format!("{program} is not installed (Debian package {package})");
    assert!(!in_ci(), "CI is set, so the window tests must run: {why}");
    Err(why)
}

/// Runs `program` with `args` on `display` and returns its stdout.
///
/// # Panics
/// When it cannot run, fails, or takes longer than [`TOOL_TIMEOUT`].
fn run_x_tool(program: &str, display: &str, args: &[&str]) -> Vec<u8> {
    let mut child = Command::new(program)
        .args(args)
        .env("DISPLAY", display)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} {args:?}: {e} (apt-get install xdotool x11-apps)"));
    let pid = pid_of(&child);
    // Read while it runs: a screenshot is megabytes, more than a pipe holds.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::Builder::new()
        .name(format!("{program}-{pid}-out"))
        .spawn(move || {
            let mut bytes = Vec::new();
            let _ = std::io::Read::read_to_end(&mut stdout, &mut bytes);
            bytes
        })
        .unwrap_or_else(|e| panic!("cannot start the {program} reader: {e}"));
    let mut stderr = OutputLines::read(
        child.stderr.take().expect("piped stderr"),
        &format!("{program}-{pid}-err"),
    );
    let mut child = KillOnDrop(child);
    let status = child.wait_exit(&format!("{program} {args:?}"), TOOL_TIMEOUT);
    let said = stderr.to_end(TOOL_TIMEOUT).to_owned();
    assert!(status.success(), "{program} {args:?}: {status}: {said}");
    reader
        .join()
        .unwrap_or_else(|_| panic!("the {program} reader panicked"))
}

impl Xvfb {
    /// Starts `Xvfb -screen 0 WxHx24` on a display number Xvfb picks
    /// itself (`-displayfd`: race-free when tests start servers in
    /// parallel) and waits until it is ready.
    ///
    /// # Errors
    /// Outside CI: when Xvfb is not installed or does not come up within
    /// 10 s (the caller skips its test).
    ///
    /// # Panics
    /// In CI ([`in_ci`]): when any of [`X_TOOLS`] is missing or Xvfb does
    /// not come up, since a skipped window test would pass there unseen.
    pub fn start(width: u32, height: u32) -> Result<Self, Unavailable> {
        if in_ci() {
            for (program, _) in X_TOOLS {
                require(program)?;
            }
        }
        let started = Self::launch(width, height);
        if let Err(why) = &started {
            assert!(!in_ci(), "CI is set, so the window tests must run: {why}");
        }
        started
    }

    /// [`start`](Self::start) for a window test: `None`, after saying
    /// "skipped: ..." on stderr, when there is no X server outside CI (the
    /// test returns and passes).
    ///
    /// # Panics
    /// In CI, as [`start`](Self::start).
    pub fn start_or_skip(width: u32, height: u32) -> Option<Self> {
        Self::start(width, height)
            .map_err(|why| eprintln!("skipped: no X server for the window test: {why}"))
            .ok()
    }

    /// [`start_or_skip`](Self::start_or_skip) for a test that drives the
    /// window with xdotool: it skips, outside CI, also when xdotool is
    /// missing.
    ///
    /// # Panics
    /// In CI, as [`start`](Self::start).
    pub fn start_with_input_or_skip(width: u32, height: u32) -> Option<Self> {
        if let Err(why) = require("xdotool") {
            eprintln!("skipped: {why}");
            return None;
        }
        Self::start_or_skip(width, height)
    }

    fn launch(width: u32, height: u32) -> Result<Self, Unavailable> {
        let child = Command::new("Xvfb")
            // Xvfb writes the display number it took to fd 1 once it
            // accepts connections.
            .args(["-displayfd", "1"])
            .args(["-screen", "0", &format!("{width}x{height}x24")])
            .args(["-nolisten", "tcp", "-noreset"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run Xvfb (apt-get install xvfb x11-apps): {e}"))?;
        let mut server = KillOnDrop(child);
        let stdout = server.0.stdout.take().ok_or("Xvfb has no stdout")?;
        // A reader thread, so that a hung Xvfb cannot hang the test.
        let mut lines = OutputLines::read(stdout, &format!("xvfb-{}", server.pid()));
        let line = lines
            .try_next_line(START_TIMEOUT)
            .ok_or_else(|| format!("Xvfb did not start within {START_TIMEOUT:?}"))?;
        let display = line
            .trim()
            .parse()
            .map_err(|_| format!("Xvfb did not start (it said {line:?})"))?;
        Ok(Self { display, server })
    }

    /// The `DISPLAY` value, e.g. `:93`.
    pub fn display(&self) -> String {
        format!(":{}", self.display)
    }

    /// A screenshot of the root window.
    ///
    /// # Panics
    /// When `xwd` fails or its output is not a 24/32-bit ZPixmap.
    pub fn screenshot(&self) -> Rgb {
        let out = run_x_tool("xwd", &self.display(), &["-root", "-silent"]);
        parse_xwd(&out).unwrap_or_else(|e| panic!("unreadable xwd output: {e}"))
    }

    /// Waits until a screenshot satisfies `cond` (one every 50 ms), and
    /// returns it.
    ///
    /// # Panics
    /// After `timeout`, with `what` in the message and the path of the last
    /// screenshot, saved to look at.
    pub fn wait_for_screen(
        &self,
        what: &str,
        timeout: Duration,
        mut cond: impl FnMut(&Rgb) -> bool,
    ) -> Rgb {
        static FAILED: AtomicU32 = AtomicU32::new(0);
        Wait::new(what, timeout)
            .every(Duration::from_millis(50))
            .for_state(|| {
                let shot = self.screenshot();
                if cond(&shot) {
                    return Ok(shot);
                }
                let n = FAILED.fetch_add(1, Ordering::Relaxed) % 2;
                let path = std::env::temp_dir().join(format!(
                    "plotcast-screen-{}-{}-{n}.png",
                    std::process::id(),
                    self.display
                ));
                shot.write_png(&path);
                Err(format!("the screenshot {}", path.display()))
            })
    }

    /// Runs `xdotool` with `args` on this display (synthetic mouse and
    /// keys).
    ///
    /// # Panics
    /// When xdotool cannot run, fails or hangs: a window test cannot go on
    /// without its input.
    pub fn xdotool(&self, args: &[&str]) {
        run_x_tool("xdotool", &self.display(), args);
    }

    /// Gives the keyboard to the window whose name matches `name` (a
    /// regular expression) and returns once it has it: without a window
    /// manager nobody else does.
    ///
    /// # Panics
    /// As [`xdotool`](Self::xdotool).
    pub fn focus(&self, name: &str) {
        self.xdotool(&["search", "--name", name, "windowfocus", "--sync"]);
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM lets Xvfb remove its socket and lock file (SIGKILL, the
        // fallback of `KillOnDrop`, would leave them behind in /tmp).
        if procs::signal(self.server.pid(), Signal::TERM).is_ok() {
            let _ = wait_timeout(&mut self.server.0, Duration::from_secs(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_skips_outside_ci_and_fails_in_ci() {
        let outcome = std::panic::catch_unwind(|| require("plotcast-no-such-program"));
        if in_ci() {
            let err = outcome.expect_err("in CI a missing tool is a failure");
            let text = err.downcast_ref::<String>().cloned().unwrap_or_default();
            assert!(
                text.contains("plotcast-no-such-program is not installed"),
                "{text}"
            );
        } else {
            let why = outcome
                .expect("outside CI a missing tool is no failure")
                .expect_err("the tool is missing");
            assert!(why.contains("not installed"), "{why}");
        }
        assert!(installed("sh"), "sh is on PATH");
    }
}
