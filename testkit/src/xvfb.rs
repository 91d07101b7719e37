//! A private X server (Xvfb) for real-window tests, and screenshots of its
//! root window through `xwd`.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::procs::{wait_until, KillOnDrop};
pub use crate::rgb::Rgb;

/// A running Xvfb on its own display; killed on drop.
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

    fn launch(width: u32, height: u32) -> Result<Self, Unavailable> {
        use std::io::BufRead;
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
        let (tx, rx) = std::sync::mpsc::channel();
        // A thread, so that a hung Xvfb cannot hang the test: we wait on
        // the channel with a deadline.
        std::thread::spawn(move || {
            let mut line = String::new();
            let read = std::io::BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(read.map(|_| line));
        });
        let line = match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => return Err(format!("reading Xvfb's display number: {e}")),
            Err(_) => return Err("Xvfb did not start within 10 s".into()),
        };
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
        let out = Command::new("xwd")
            .args(["-root", "-silent", "-display", &self.display()])
            .stdin(Stdio::null())
            .output()
            .expect("running xwd (apt-get install x11-apps)");
        assert!(
            out.status.success(),
            "xwd failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        parse_xwd(&out.stdout).unwrap_or_else(|e| panic!("unreadable xwd output: {e}"))
    }

    /// Waits until a screenshot satisfies `cond`, and returns it.
    ///
    /// # Panics
    /// After `timeout`, with `what` in the message.
    pub fn wait_for_screen(
        &self,
        timeout: Duration,
        what: &str,
        mut cond: impl FnMut(&Rgb) -> bool,
    ) -> Rgb {
        let mut last = None;
        wait_until(timeout, what, || {
            let shot = self.screenshot();
            let ok = cond(&shot);
            last = Some(shot);
            ok
        });
        last.expect("at least one screenshot was taken")
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM lets Xvfb remove its socket and lock file (SIGKILL, the
        // fallback of `KillOnDrop`, would leave them behind in /tmp).
        let child = &mut self.server.0;
        let Ok(pid) = i32::try_from(child.id()) else {
            return;
        };
        if crate::procs::signal(pid, crate::procs::Signal::TERM).is_ok() {
            let end = std::time::Instant::now() + Duration::from_secs(5);
            while std::time::Instant::now() < end {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// Runs `xdotool` with `args` on `display` (synthetic mouse and keys).
///
/// # Panics
/// When xdotool cannot run or fails: a window test cannot go on without
/// its input.
pub fn xdotool(display: &str, args: &[&str]) {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("xdotool {args:?}: {e} (apt-get install xdotool)"));
    assert!(
        out.status.success(),
        "xdotool {args:?}: {}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Decodes an X Window Dump (the format `xwd` writes) of a 24- or 32-bit
/// true-colour ZPixmap.
///
/// # Errors
/// A message saying which part is unexpected.
pub fn parse_xwd(data: &[u8]) -> Result<Rgb, String> {
    let field = |i: usize| -> Result<u32, String> {
        data.get(i * 4..i * 4 + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| "header too short".to_string())
    };
    let header_size = field(0)? as usize;
    let (format, width, height) = (field(2)?, field(4)?, field(5)?);
    let (byte_order, bpp, stride) = (field(7)?, field(11)?, field(12)? as usize);
    // Field 13 is the visual class; the masks follow it.
    let (red_mask, green_mask, blue_mask) = (field(14)?, field(15)?, field(16)?);
    let ncolors = field(19)? as usize;
    if format != 2 || bpp != 32 {
        return Err(format!(
            "format {format}, {bpp} bits per pixel; want ZPixmap, 32"
        ));
    }
    let start = header_size + ncolors * 12;
    let need = start + stride * height as usize;
    if data.len() < need {
        return Err(format!("{} bytes, need {need}", data.len()));
    }
    let channel = |px: u32, mask: u32| -> u8 { ((px & mask) >> mask.trailing_zeros()) as u8 };
    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height as usize {
        let row = &data[start + y * stride..];
        for x in 0..width as usize {
            let b = [row[x * 4], row[x * 4 + 1], row[x * 4 + 2], row[x * 4 + 3]];
            let px = if byte_order == 0 {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            };
            rgb.extend_from_slice(&[
                channel(px, red_mask),
                channel(px, green_mask),
                channel(px, blue_mask),
            ]);
        }
    }
    Ok(Rgb {
        width,
        height,
        data: rgb,
    })
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
