//! A real window viewer for the benchmarks: the `plotcast-viewer` binary of
//! this build in an Xvfb display, and its CPU time from `/proc`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result};
use plotcast_testkit::xvfb::Xvfb;
use plotcast_testkit::KillOnDrop;

/// A window viewer in its own X server; both stop when dropped.
pub struct WindowViewer {
    // Field order: the viewer goes before its display.
    viewer: KillOnDrop,
    _x: Xvfb,
}

impl WindowViewer {
    /// CPU seconds the viewer process used so far.
    pub fn cpu_secs(&self) -> f64 {
        process_cpu_secs(self.viewer.0.id())
    }
}

/// Starts the viewer binary in a window on a private Xvfb, connected to
/// `addr`, with `args` added; `None` (with a note) without a viewer binary
/// or an X server.
pub fn spawn_window_viewer(addr: SocketAddr, args: &[&str]) -> Result<Option<WindowViewer>> {
    let Some(viewer) = viewer_binary()? else {
        return Ok(None);
    };
    let Some(x) = xvfb() else {
        return Ok(None);
    };
    let child = Command::new(viewer)
        .arg(addr.to_string())
        .args(["--size", "1280x720", "--no-reconnect"])
        .args(args)
        .env("DISPLAY", x.display())
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting the window viewer")?;
    Ok(Some(WindowViewer {
        viewer: KillOnDrop(child),
        _x: x,
    }))
}

/// The `plotcast-viewer` binary beside this benchmark, built with cargo
/// (same profile) when the benchmark runs under cargo; `None`, with a note,
/// when there is none.
pub fn viewer_binary() -> Result<Option<PathBuf>> {
    let exe = std::env::current_exe().context("the benchmark's own path")?;
    let dir = exe.parent().context("the benchmark's folder")?;
    let path = dir.join("plotcast-viewer");
    if let Ok(cargo) = std::env::var("CARGO") {
        let release = dir.ends_with("release");
        let target = dir.parent().context("the target folder")?;
        let mut command = Command::new(cargo);
        for (name, _) in std::env::vars_os() {
            if set_by_cargo_run(&name.to_string_lossy()) {
                command.env_remove(&name);
            }
        }
        let status = command
            .args([
                "build",
                "--quiet",
                "-p",
                "plotcast-viewer",
                "--bin",
                "plotcast-viewer",
            ])
            .args(release.then_some("--release"))
            .arg("--target-dir")
            .arg(target)
            .status()
            .context("running cargo to build the viewer")?;
        anyhow::ensure!(status.success(), "building the viewer failed");
    }
    if path.exists() {
        Ok(Some(path))
    } else {
        eprintln!(
            "note: no {} (run the benchmark with cargo): rows that run the viewer binary skipped",
            path.display()
        );
        Ok(None)
    }
}

/// The variables `cargo run` gives the program it runs (its package's:
/// CARGO_MANIFEST_DIR, CARGO_PKG_NAME, ...), which a cargo started by the
/// program must not inherit: ring's build script reruns when they change,
/// so with them the viewer's build and the next `cargo run` would each
/// rebuild ring, rustls, async-nats and everything above them (minutes
/// each time).
fn set_by_cargo_run(name: &str) -> bool {
    name.starts_with("CARGO_MANIFEST_")
        || name.starts_with("CARGO_PKG_")
        || [
            "CARGO_CRATE_NAME",
            "CARGO_BIN_NAME",
            "CARGO_PRIMARY_PACKAGE",
            "OUT_DIR",
        ]
        .contains(&name)
}

/// A private X server, or `None` with a note when there is none (outside
/// CI; in CI a missing Xvfb fails, see `Xvfb::start`).
pub fn xvfb() -> Option<Xvfb> {
    match Xvfb::start(1400, 900) {
        Ok(x) => Some(x),
        Err(why) => {
            eprintln!("note: {why}: window rows skipped");
            None
        }
    }
}

/// CPU seconds (user + system) used so far by process `pid`.
fn process_cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are the 12th and 13th fields after the name.
    (ticks(11) + ticks(12)) as f64 / 100.0
}
