//! Replay in a real window (Xvfb): a recording of a bright band moving
//! right, one column block per recorded moment, is opened with
//! `plotcast-viewer FILE`, and the keys (Home, →, End, ←, space, `]`)
//! move the band on screen; `e` exports the plot under the cursor as CSV,
//! the wheel zooms the replayed frame, `s` saves it, `q` quits.
//!
//! Needs Xvfb, xwd and xdotool (see `plotcast_testkit::xvfb`); without them
//! the test says it skipped, except in CI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Layout, Message};
use plotcast_testkit::frames::{frame, part};
use plotcast_testkit::rgb::VIRIDIS_HIGH;
use plotcast_testkit::viewer_files::file_named;
use plotcast_testkit::Xvfb;
use plotcast_testkit::{wait_for, RecordingFile, Rgb, TempDir, ViewerCommand};

const LIMIT: Duration = Duration::from_secs(60);
const NX: u32 = 40;
const NY: u32 = 30;
/// Recorded moments: the band covers columns 4k..4k+4 at moment k.
const MOMENTS: u64 = 10;

/// Writes the recording: a layout, then one heatmap per 200 ms.
fn write_recording(path: &Path) {
    let mut file = RecordingFile::new(0, true);
    file.message(
        0,
        &Message::Layout(Layout {
            title: "band".into(),
            columns: 0,
            channels: vec![ChannelSpec::new(0, "band", ChannelKind::Heatmap)],
        }),
    );
    for k in 0..MOMENTS {
        let values: Vec<f64> = (0..NY)
            .flat_map(|_| (0..NX).map(move |c| f64::from(u8::from(u64::from(c) / 4 == k))))
            .collect();
        let band = Frame {
            seq: k + 1,
            timestamp_us: k,
            nx: NX,
            ny: NY,
            range: Some((0.0, 1.0)),
            ..frame(0, ChannelKind::Heatmap, vec![part("", None, &values)])
        };
        file.data(200_000 * (k + 1), &band);
    }
    file.save(path);
}

/// Mean column of the bright pixels in screen row `row` (None: none).
fn band_x(shot: &Rgb, row: u32) -> Option<f64> {
    let xs: Vec<u32> = (0..shot.width)
        .filter(|&x| {
            let p = shot.pixel(x, row);
            p.iter().zip(VIRIDIS_HIGH).all(|(a, b)| a.abs_diff(b) <= 12)
        })
        .collect();
    (!xs.is_empty()).then(|| xs.iter().map(|&x| f64::from(x)).sum::<f64>() / xs.len() as f64)
}

/// Waits until a screenshot shows the band where `check` accepts it, and
/// returns its position.
fn await_band(xvfb: &Xvfb, what: &str, check: impl Fn(f64) -> bool) -> f64 {
    let shot = xvfb.wait_for_screen(what, LIMIT, |s| band_x(s, 300).is_some_and(&check));
    band_x(&shot, 300).expect("the screenshot that passed shows the band")
}

#[test]
fn replay_window_steps_plays_exports_and_zooms_with_the_keys() {
    let Some(xvfb) = Xvfb::start_with_input_or_skip(1280, 800) else {
        return;
    };
    let dir = TempDir::new("replay-window");
    let file = dir.join("band.plotcast");
    write_recording(&file);
    let ready = dir.join("ready");
    let mut viewer = ViewerCommand::new()
        .recording(&file)
        .ready_file(&ready)
        .size(960, 640)
        .timeout_secs(120)
        .display(&xvfb)
        .current_dir(&dir)
        .spawn();
    viewer.wait_presented(1, LIMIT);
    // It opens at the end: the band is at the right.
    let last = await_band(&xvfb, "the band at the end", |x| x > 600.0);
    xvfb.focus("plotcast");
    xvfb.xdotool(&["key", "Home"]);
    let first = await_band(&xvfb, "Home: the band at the left", |x| x < 200.0);
    xvfb.xdotool(&["key", "Right"]);
    let second = await_band(&xvfb, "→: the band one step right", |x| {
        x > first + 30.0 && x < first + 150.0
    });
    xvfb.xdotool(&["key", "Left"]);
    await_band(&xvfb, "←: the band back", |x| (x - first).abs() < 5.0);
    xvfb.xdotool(&["key", "End"]);
    await_band(&xvfb, "End: the band at the right", |x| {
        (x - last).abs() < 5.0
    });
    xvfb.xdotool(&["key", "Left"]);
    await_band(&xvfb, "← from the end", |x| x < last - 30.0 && x > second);

    // Play from the start at 4×: the band travels right by itself.
    xvfb.xdotool(&["key", "Home"]);
    await_band(&xvfb, "Home again", |x| (x - first).abs() < 5.0);
    xvfb.xdotool(&["key", "bracketright", "bracketright", "space"]);
    await_band(&xvfb, "playing: the band reaches the right", |x| {
        (x - last).abs() < 5.0
    });

    // `e` over the plot writes the visible data of the replayed frame.
    xvfb.xdotool(&["mousemove", "400", "300"]);
    xvfb.xdotool(&["key", "e"]);
    let csv = wait_for("`e` to write a CSV", LIMIT, || {
        file_named(dir.path(), "plotcast-band-", ".csv")
    });
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "column,row,value");
    assert_eq!(rows.len() as u32, 1 + NX * NY, "every cell is visible");
    let bright: Vec<&str> = rows.iter().copied().filter(|r| r.ends_with(",1")).collect();
    assert!(
        bright.iter().all(|r| r.starts_with("36,")
            || r.starts_with("37,")
            || r.starts_with("38,")
            || r.starts_with("39,")),
        "{bright:?}"
    );

    // The wheel zooms the replayed frame around the cursor: over the band,
    // zooming in widens it on screen.
    // Row 290, not the mouse's row 300: the readout's crosshair is there.
    let width = |shot: &Rgb| shot.row_count_near(290, VIRIDIS_HIGH, 12);
    let before = width(&xvfb.screenshot());
    xvfb.xdotool(&["mousemove", &format!("{}", last as i64), "300"]);
    for _ in 0..3 {
        xvfb.xdotool(&["click", "4"]);
    }
    xvfb.wait_for_screen("zoomed band", LIMIT, |s| width(s) > before + 40);
    xvfb.xdotool(&["key", "s"]);
    xvfb.xdotool(&["key", "q"]);
    let run = viewer.wait(LIMIT);
    run.assert_success("q");
    assert!(
        run.stdout.contains("saved plotcast-band-"),
        "stdout: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("saved plotcast-") && run.stdout.contains(".png"),
        "stdout: {}",
        run.stdout
    );
}
