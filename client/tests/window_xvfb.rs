//! The viewer in window mode on a real X server (Xvfb): it opens a window,
//! draws the fake server's heatmap, and a screenshot of the X root window
//! (taken with `xwd`) shows it.
//!
//! A second test drives the window with `xdotool` (wheel zoom, `a`, drag,
//! space, `s`, `q`).
//!
//! Needs the Debian packages `xvfb` (Xvfb), `x11-apps` (xwd) and `xdotool`.
//! Without them the tests print "skipped: ..." and pass; CI installs them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{heatmap_frame, FakeServer, Rgb, Script, Viewer, VIRIDIS_HIGH, VIRIDIS_LOW};

const LIMIT: Duration = Duration::from_secs(60);

/// An Xvfb server on a display of its own, killed on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    /// Starts Xvfb on a display it picks itself (`-displayfd`: it writes the
    /// number once it accepts connections); `Err` says why not.
    fn start() -> Result<Self, String> {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run Xvfb ({e}); install the xvfb package"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
            let _ = tx.send(line);
        });
        let xvfb = |display| Self { child, display };
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(line) if line.trim().parse::<u32>().is_ok() => Ok(xvfb(format!(":{}", line.trim()))),
            Ok(line) => {
                drop(xvfb(String::new()));
                Err(format!("Xvfb did not start (it said {line:?})"))
            }
            Err(_) => {
                drop(xvfb(String::new()));
                Err("Xvfb did not report a display within 20 s".into())
            }
        }
    }

    /// A screenshot of the root window.
    fn screenshot(&self) -> Result<Rgb, String> {
        let out = Command::new("xwd")
            .args(["-root", "-silent", "-display", &self.display])
            .output()
            .map_err(|e| format!("cannot run xwd ({e}); install the x11-apps package"))?;
        if !out.status.success() {
            return Err(format!(
                "xwd failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        parse_xwd(&out.stdout)
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM lets Xvfb remove its socket and lock file; SIGKILL is the
        // fallback.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Decodes an XWD dump (ZPixmap, 24 or 32 bits per pixel, true colour).
///
/// ```text
/// header: 25 × u32 big-endian (header_size, file_version, pixmap_format,
///         depth, width, height, xoffset, byte_order, bitmap_unit,
///         bit_order, bitmap_pad, bits_per_pixel, bytes_per_line,
///         visual_class, red_mask, green_mask, blue_mask, bits_per_rgb,
///         colormap_entries, ncolors, window w/h/x/y, border)
///         then the window name up to header_size
/// colours: ncolors × 12 bytes
/// pixels: height × bytes_per_line, in byte_order (0: LSB first)
/// ```
fn parse_xwd(data: &[u8]) -> Result<Rgb, String> {
    let field = |i: usize| -> Result<u32, String> {
        data.get(i * 4..i * 4 + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| "XWD header truncated".to_string())
    };
    let (header_size, version, format) = (field(0)? as usize, field(1)?, field(2)?);
    if version != 7 || format != 2 {
        return Err(format!(
            "unsupported XWD: version {version}, pixmap format {format}"
        ));
    }
    let (width, height) = (field(4)?, field(5)?);
    let lsb_first = field(7)? == 0;
    let bpp = field(11)? as usize;
    let bytes_per_line = field(12)? as usize;
    let masks = [field(14)?, field(15)?, field(16)?];
    let ncolors = field(19)? as usize;
    if bpp != 32 && bpp != 24 {
        return Err(format!("unsupported XWD: {bpp} bits per pixel"));
    }
    let start = header_size + ncolors * 12;
    let need = start + bytes_per_line * height as usize;
    if data.len() < need {
        return Err(format!("XWD truncated: {} of {need} bytes", data.len()));
    }
    let step = bpp / 8;
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    for row in 0..height as usize {
        let line = &data[start + row * bytes_per_line..];
        for col in 0..width as usize {
            let b = &line[col * step..col * step + step];
            let mut word = [0u8; 4];
            word[..step].copy_from_slice(b);
            let px = if lsb_first {
                u32::from_le_bytes(word)
            } else {
                u32::from_be_bytes(word) >> (8 * (4 - step))
            };
            for mask in masks {
                pixels.push(((px & mask) >> mask.trailing_zeros()) as u8);
            }
        }
    }
    Ok(Rgb {
        width,
        height,
        pixels,
    })
}

#[test]
fn window_shows_the_heatmap_under_xvfb() {
    let xvfb = match Xvfb::start() {
        Ok(xvfb) => xvfb,
        Err(why) => {
            eprintln!("skipped: no X server for the window test: {why}");
            return;
        }
    };
    // Left half low, right half high: both ends of viridis on screen.
    let mut script = Script::heatmap("xvfb", 7, 0.0);
    script.batch = std::sync::Arc::new(|n| {
        vec![heatmap_frame(1, n, 40, 30, |c, _| {
            f64::from(u8::from(c >= 20))
        })]
    });
    let server = FakeServer::start(script);
    let dir = common::temp_dir("xvfb");
    let ready = dir.join("ready");
    let mut viewer = Viewer::spawn(
        &[
            &server.addr.to_string(),
            "--ready-file",
            ready.to_str().unwrap(),
            "--size",
            "960x640",
            "--timeout",
            "120",
        ],
        &[("DISPLAY", &xvfb.display), ("WAYLAND_DISPLAY", "")],
    );
    let end = Instant::now() + LIMIT;
    while !ready.exists() {
        assert!(
            Instant::now() < end,
            "the viewer presented nothing within {LIMIT:?}"
        );
        if let Some(finished) = viewer.try_finished() {
            panic!(
                "the viewer exited early ({:?}):\n{}",
                finished.status, finished.stderr
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Presenting is asynchronous on the X server: poll screenshots.
    let shot_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viewer-xvfb.png");
    let (mut low, mut high) = (0.0, 0.0);
    while Instant::now() < end {
        let shot = xvfb
            .screenshot()
            .unwrap_or_else(|e| panic!("screenshot: {e}"));
        low = shot.share_near(VIRIDIS_LOW, 12);
        high = shot.share_near(VIRIDIS_HIGH, 12);
        shot.save_png(&shot_path);
        if low > 0.05 && high > 0.05 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("screenshot: {}", shot_path.display());
    let stderr = viewer.kill();
    assert!(
        low > 0.05 && high > 0.05,
        "the screenshot ({}) does not show the heatmap: {:.1} % dark, {:.1} % bright pixels; viewer stderr:\n{stderr}",
        shot_path.display(),
        low * 100.0,
        high * 100.0
    );
    assert!(
        server
            .seen
            .readies
            .load(std::sync::atomic::Ordering::SeqCst)
            >= 1
    );
    common::cleanup(&dir);
}

/// Runs `xdotool` on the test's display.
fn xdotool(display: &str, args: &[&str]) {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .unwrap_or_else(|e| panic!("xdotool {args:?}: {e}"));
    assert!(
        out.status.success(),
        "xdotool {args:?}: {}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Polls screenshots until `check` accepts one; panics with `what`.
fn await_screen(xvfb: &Xvfb, what: &str, check: impl Fn(&Rgb) -> bool) -> Rgb {
    let end = Instant::now() + LIMIT;
    loop {
        let shot = xvfb
            .screenshot()
            .unwrap_or_else(|e| panic!("screenshot: {e}"));
        if check(&shot) {
            return shot;
        }
        if Instant::now() > end {
            let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viewer-xvfb-failed.png");
            shot.save_png(&path);
            panic!(
                "{what}: not seen within {LIMIT:?} (last screenshot: {})",
                path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn window_reacts_to_wheel_keys_and_drag() {
    let xvfb = match Xvfb::start() {
        Ok(xvfb) => xvfb,
        Err(why) => {
            eprintln!("skipped: no X server for the window test: {why}");
            return;
        }
    };
    if Command::new("xdotool").arg("version").output().is_err() {
        eprintln!("skipped: xdotool is not installed (Debian package xdotool)");
        return;
    }
    let mut script = Script::heatmap("keys", 8, 0.0);
    script.batch = std::sync::Arc::new(|n| {
        vec![heatmap_frame(1, n, 40, 30, |c, _| {
            f64::from(u8::from(c >= 20))
        })]
    });
    let server = FakeServer::start(script);
    let dir = common::temp_dir("xvfb-keys");
    let ready = dir.join("ready");
    let mut viewer = Viewer::spawn_in(
        &dir,
        &[
            &server.addr.to_string(),
            "--ready-file",
            ready.to_str().unwrap(),
            "--size",
            "960x640",
            "--timeout",
            "120",
        ],
        &[("DISPLAY", &xvfb.display), ("WAYLAND_DISPLAY", "")],
    );
    let end = Instant::now() + LIMIT;
    while !ready.exists() {
        assert!(
            Instant::now() < end,
            "the viewer presented nothing within {LIMIT:?}"
        );
        if let Some(finished) = viewer.try_finished() {
            panic!(
                "the viewer exited early ({:?}):\n{}",
                finished.status, finished.stderr
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let d = xvfb.display.as_str();
    let row = 320;
    let low_in_row = |shot: &Rgb| shot.row_count_near(row, VIRIDIS_LOW, 12);
    let start = await_screen(&xvfb, "the heatmap", |s| low_in_row(s) > 200);
    let low0 = low_in_row(&start);
    let high_in_row = |shot: &Rgb| shot.row_count_near(row, VIRIDIS_HIGH, 12);
    let high0 = high_in_row(&start);

    // Wheel up over the dark half zooms in around the cursor: the dark part
    // of the row grows.
    xdotool(d, &["mousemove", "200", "320"]);
    for _ in 0..3 {
        xdotool(d, &["click", "4"]);
    }
    await_screen(&xvfb, "zoom in", |s| low_in_row(s) > low0 + 100);
    // Without a window manager nobody gives the window the keyboard focus.
    xdotool(d, &["search", "--name", "^plotcast", "windowfocus"]);
    // `a` goes back to autoscale.
    xdotool(d, &["key", "a"]);
    await_screen(&xvfb, "autoscale", |s| low_in_row(s).abs_diff(low0) < 10);
    // Dragging right pans the content right: the bright right half moves
    // partly out of the plot.
    xdotool(d, &["mousemove", "300", "320", "mousedown", "1"]);
    xdotool(d, &["mousemove", "400", "320"]);
    xdotool(d, &["mousemove", "450", "320", "mouseup", "1"]);
    await_screen(&xvfb, "drag pan", |s| high_in_row(s) + 100 < high0);
    xdotool(d, &["key", "a"]);
    await_screen(&xvfb, "autoscale after pan", |s| {
        low_in_row(s).abs_diff(low0) < 10
    });

    // Space pauses the display while the network keeps asking for data.
    xdotool(d, &["key", "space"]);
    let readies = server
        .seen
        .readies
        .load(std::sync::atomic::Ordering::SeqCst);
    server.wait_for("Ready messages while paused", LIMIT, |s| {
        s.readies.load(std::sync::atomic::Ordering::SeqCst) > readies + 5
    });
    xdotool(d, &["key", "space"]);

    // `s` saves a PNG of the window in the working directory, `q` quits.
    xdotool(d, &["key", "s"]);
    let end = Instant::now() + LIMIT;
    let saved = loop {
        let found = std::fs::read_dir(&dir).unwrap().find_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            (name.starts_with("plotcast-") && name.ends_with(".png")).then_some(name)
        });
        if let Some(name) = found {
            break dir.join(name);
        }
        assert!(
            Instant::now() < end,
            "`s` saved no PNG in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let png = common::read_png(&saved);
    assert_eq!((png.width, png.height), (960, 640));
    assert!(png.share_near(VIRIDIS_LOW, 12) > 0.05);
    xdotool(d, &["key", "q"]);
    let run = viewer.wait(LIMIT);
    assert!(run.status.success(), "q: {:?}\n{}", run.status, run.stderr);
    assert!(
        run.stdout.contains("saved plotcast-"),
        "stdout: {}",
        run.stdout
    );
    server.wait_for("goodbye", LIMIT, |s| {
        s.goodbyes.load(std::sync::atomic::Ordering::SeqCst) == 1
    });
    common::cleanup(&dir);
}

#[test]
fn window_keeps_the_last_frame_when_the_computation_ends() {
    let xvfb = match Xvfb::start() {
        Ok(xvfb) => xvfb,
        Err(why) => {
            eprintln!("skipped: no X server for the window test: {why}");
            return;
        }
    };
    let mut script = Script::heatmap("ending", 9, 0.0);
    script.batch = std::sync::Arc::new(|n| {
        vec![heatmap_frame(1, n, 40, 30, |c, _| {
            f64::from(u8::from(c >= 20))
        })]
    });
    script.batches_then_close = Some(2);
    script.goodbye = true;
    let server = FakeServer::start(script);
    // As the server launches it: no reconnect, the window stays.
    let mut viewer = Viewer::spawn(
        &[
            &server.addr.to_string(),
            "--no-reconnect",
            "--size",
            "960x640",
            "--timeout",
            "120",
        ],
        &[("DISPLAY", &xvfb.display), ("WAYLAND_DISPLAY", "")],
    );
    server.wait_closed(LIMIT);
    drop(server);
    // The window redraws once for the status change; give it a moment, then
    // it must still be there, showing the last data.
    std::thread::sleep(Duration::from_millis(500));
    let shot = await_screen(&xvfb, "the last frame after the end", |s| {
        s.share_near(VIRIDIS_LOW, 12) > 0.05 && s.share_near(VIRIDIS_HIGH, 12) > 0.05
    });
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viewer-xvfb-ended.png");
    shot.save_png(&path);
    eprintln!("screenshot: {}", path.display());
    if let Some(finished) = viewer.try_finished() {
        panic!(
            "the viewer closed when the computation ended ({:?}):\n{}",
            finished.status, finished.stderr
        );
    }
    let stderr = viewer.kill();
    assert!(
        stderr.contains("server said goodbye"),
        "the viewer did not see the goodbye:\n{stderr}"
    );
}
