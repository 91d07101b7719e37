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

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use plotcast_testkit::frames::heatmap_frame;
use plotcast_testkit::rgb::{VIRIDIS_HIGH, VIRIDIS_LOW};
use plotcast_testkit::viewer_files::file_named;
use plotcast_testkit::{wait_for, FakeServer, Rgb, Script, TempDir, ViewerCommand, Wait, Xvfb};

const LIMIT: Duration = Duration::from_secs(60);

/// Left half low, right half high: both ends of viridis on screen.
fn halves(name: &str, session: u64) -> Script {
    let mut script = Script::heatmap(name, session, 0.0);
    script.batch = Arc::new(|n| {
        vec![heatmap_frame(1, n, 40, 30, |c, _| {
            f64::from(u8::from(c >= 20))
        })]
    });
    script
}

/// A 960×640 window on `xvfb` showing `server`.
fn window(server: &FakeServer, xvfb: &Xvfb) -> ViewerCommand {
    server
        .viewer()
        .size(960, 640)
        .timeout_secs(120)
        .display(xvfb)
}

#[test]
fn window_shows_the_heatmap_under_xvfb() {
    let Some(xvfb) = Xvfb::start_or_skip(1280, 800) else {
        return;
    };
    let server = FakeServer::start(halves("xvfb", 7));
    let dir = TempDir::new("xvfb");
    let mut viewer = window(&server, &xvfb).ready_file(dir.join("ready")).spawn();
    viewer.wait_presented(1, LIMIT);
    // Presenting is asynchronous on the X server: poll screenshots.
    let shot_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viewer-xvfb.png");
    let (mut low, mut high) = (0.0, 0.0);
    Wait::new("the heatmap on screen", LIMIT)
        .every(Duration::from_millis(100))
        .poll(|| {
            let shot = xvfb.screenshot();
            low = shot.share_near(VIRIDIS_LOW, 12);
            high = shot.share_near(VIRIDIS_HIGH, 12);
            shot.write_png(&shot_path);
            (low > 0.05 && high > 0.05).then_some(())
        });
    eprintln!("screenshot: {}", shot_path.display());
    let stderr = viewer.kill();
    assert!(
        low > 0.05 && high > 0.05,
        "the screenshot ({}) does not show the heatmap: {:.1} % dark, {:.1} % bright pixels; viewer stderr:\n{stderr}",
        shot_path.display(),
        low * 100.0,
        high * 100.0
    );
    assert!(server.count(|s| &s.readies) >= 1);
}

#[test]
fn window_reacts_to_wheel_keys_and_drag() {
    let Some(xvfb) = Xvfb::start_with_input_or_skip(1280, 800) else {
        return;
    };
    let server = FakeServer::start(halves("keys", 8));
    let dir = TempDir::new("xvfb-keys");
    let mut viewer = window(&server, &xvfb)
        .ready_file(dir.join("ready"))
        .current_dir(&dir)
        .spawn();
    viewer.wait_presented(1, LIMIT);
    // Not the mouse's row (320): the readout's crosshair is drawn there.
    let row = 300;
    let low_in_row = |shot: &Rgb| shot.row_count_near(row, VIRIDIS_LOW, 12);
    let start = xvfb.wait_for_screen("the heatmap", LIMIT, |s| low_in_row(s) > 200);
    let low0 = low_in_row(&start);
    let high_in_row = |shot: &Rgb| shot.row_count_near(row, VIRIDIS_HIGH, 12);
    let high0 = high_in_row(&start);

    // Wheel up over the dark half zooms in around the cursor: the dark part
    // of the row grows.
    xvfb.xdotool(&["mousemove", "200", "320"]);
    for _ in 0..3 {
        xvfb.xdotool(&["click", "4"]);
    }
    xvfb.wait_for_screen("zoom in", LIMIT, |s| low_in_row(s) > low0 + 100);
    xvfb.focus("plotcast");
    // `a` goes back to autoscale.
    xvfb.xdotool(&["key", "a"]);
    xvfb.wait_for_screen("autoscale", LIMIT, |s| low_in_row(s).abs_diff(low0) < 10);
    // Dragging right pans the content right: the bright right half moves
    // partly out of the plot.
    xvfb.xdotool(&["mousemove", "300", "320", "mousedown", "1"]);
    xvfb.xdotool(&["mousemove", "400", "320"]);
    xvfb.xdotool(&["mousemove", "450", "320", "mouseup", "1"]);
    xvfb.wait_for_screen("drag pan", LIMIT, |s| high_in_row(s) + 100 < high0);
    xvfb.xdotool(&["key", "a"]);
    xvfb.wait_for_screen("autoscale after pan", LIMIT, |s| {
        low_in_row(s).abs_diff(low0) < 10
    });

    // Space pauses the display while the network keeps asking for data.
    xvfb.xdotool(&["key", "space"]);
    let readies = server.count(|s| &s.readies);
    server.wait_for("Ready messages while paused", LIMIT, |s| {
        s.readies.load(std::sync::atomic::Ordering::SeqCst) > readies + 5
    });
    xvfb.xdotool(&["key", "space"]);

    // `s` saves a PNG of the window in the working directory, `q` quits.
    xvfb.xdotool(&["key", "s"]);
    let saved = wait_for("`s` to save a PNG", LIMIT, || {
        file_named(dir.path(), "plotcast-", ".png")
    });
    let png = Rgb::read_png(&saved);
    assert_eq!((png.width, png.height), (960, 640));
    assert!(png.share_near(VIRIDIS_LOW, 12) > 0.05);
    xvfb.xdotool(&["key", "q"]);
    let run = viewer.wait(LIMIT);
    run.assert_success("q");
    assert!(
        run.stdout.contains("saved plotcast-"),
        "stdout: {}",
        run.stdout
    );
    server.wait_for("goodbye", LIMIT, |s| {
        s.goodbyes.load(std::sync::atomic::Ordering::SeqCst) == 1
    });
}

#[test]
fn window_keeps_the_last_frame_when_the_computation_ends() {
    let Some(xvfb) = Xvfb::start_or_skip(1280, 800) else {
        return;
    };
    let mut script = halves("ending", 9);
    script.batches_then_close = Some(2);
    script.goodbye = true;
    let server = FakeServer::start(script);
    // As the server launches it: no reconnect, the window stays.
    let mut viewer = window(&server, &xvfb).no_reconnect().spawn();
    server.wait_closed(LIMIT);
    drop(server);
    // The window redraws once for the status change; once the viewer has
    // seen the end, it must still be there, showing the last data.
    viewer.wait_for_log("server gone; keeping the last frame", LIMIT);
    let shot = xvfb.wait_for_screen("the last frame after the end", LIMIT, |s| {
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
