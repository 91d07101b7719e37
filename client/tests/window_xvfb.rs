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
use std::process::Command;
use std::time::{Duration, Instant};

use common::{heatmap_frame, FakeServer, Rgb, Script, Viewer, VIRIDIS_HIGH, VIRIDIS_LOW};
use plotcast_testkit::xvfb::{xdotool, Xvfb};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn window_shows_the_heatmap_under_xvfb() {
    let xvfb = match Xvfb::start(1280, 800) {
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
        &[("DISPLAY", &xvfb.display()), ("WAYLAND_DISPLAY", "")],
    );
    viewer.wait_presented(&ready, LIMIT, "the viewer");
    // Presenting is asynchronous on the X server: poll screenshots.
    let shot_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viewer-xvfb.png");
    let (mut low, mut high) = (0.0, 0.0);
    let end = Instant::now() + LIMIT;
    while Instant::now() < end {
        let shot = xvfb.screenshot();
        low = shot.share_near(VIRIDIS_LOW, 12);
        high = shot.share_near(VIRIDIS_HIGH, 12);
        shot.write_png(&shot_path);
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

/// Polls screenshots until `check` accepts one; panics with `what`.
fn await_screen(xvfb: &Xvfb, what: &str, check: impl Fn(&Rgb) -> bool) -> Rgb {
    let end = Instant::now() + LIMIT;
    loop {
        let shot = xvfb.screenshot();
        if check(&shot) {
            return shot;
        }
        if Instant::now() > end {
            let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viewer-xvfb-failed.png");
            shot.write_png(&path);
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
    let xvfb = match Xvfb::start(1280, 800) {
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
        &[("DISPLAY", &xvfb.display()), ("WAYLAND_DISPLAY", "")],
    );
    viewer.wait_presented(&ready, LIMIT, "the viewer");
    let display = xvfb.display();
    let d = display.as_str();
    // Not the mouse's row (320): the readout's crosshair is drawn there.
    let row = 300;
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
    let xvfb = match Xvfb::start(1280, 800) {
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
        &[("DISPLAY", &xvfb.display()), ("WAYLAND_DISPLAY", "")],
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
    shot.write_png(&path);
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
