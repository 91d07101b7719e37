//! The interaction features in a real window under Xvfb, driven with
//! `xdotool`: a hover shows a readout of the published values that keeps
//! up with streaming data, clicking a legend entry hides its trace, the
//! help overlay opens and closes, a zoomed series follows new data until
//! panned away (and `f` resumes it), and two linked series plots zoom and
//! pan together.
//!
//! The viewer's `--ready-file` carries what its overlay shows (`readout
//! …`, `view …`, `legend …`, `hidden …`, `status …`); screenshots check
//! the pixels. Needs `xvfb`, `x11-apps` and `xdotool` (skips without them
//! outside CI).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Layout, Part};
use plotcast_testkit::frames::{frame, part, series_frame, unix_us};
use plotcast_testkit::rgb::{Rect, TAB_ORANGE as ORANGE};
use plotcast_testkit::viewer_files::note;
use plotcast_testkit::{FakeServer, Rgb, Script, TempDir, ViewerProcess, Wait, Xvfb};

const LIMIT: Duration = Duration::from_secs(60);

const HELP_BACKGROUND: [u8; 3] = [250, 250, 235];

/// The viewer's window on an Xvfb display, with its ready file.
struct Window {
    xvfb: Xvfb,
    viewer: ViewerProcess,
    _dir: TempDir,
}

impl Window {
    /// Opens a window on `server` and waits for its first frame;
    /// `no_reconnect` as when a computation launches the viewer.
    fn open(xvfb: Xvfb, server: &FakeServer, name: &str, no_reconnect: bool) -> Self {
        let dir = TempDir::new(name);
        let mut viewer = server.viewer();
        if no_reconnect {
            viewer = viewer.no_reconnect();
        }
        let viewer = viewer
            .ready_file(dir.join("ready"))
            .size(960, 640)
            .timeout_secs(180)
            .display(&xvfb)
            .current_dir(&dir)
            .spawn();
        let mut w = Self {
            xvfb,
            viewer,
            _dir: dir,
        };
        w.await_notes("the first frame", |l| !l.is_empty());
        w
    }

    fn xdo(&self, args: &[&str]) {
        self.xvfb.xdotool(args);
    }

    fn key_until(
        &mut self,
        key: &str,
        what: &str,
        check: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        self.viewer.key_until(&self.xvfb, key, what, LIMIT, check)
    }

    fn mouse(&self, x: f64, y: f64) {
        self.xdo(&[
            "mousemove",
            &format!("{}", x.round()),
            &format!("{}", y.round()),
        ]);
    }

    /// Waits until the ready file's lines pass `check`.
    fn await_notes(&mut self, what: &str, check: impl Fn(&[String]) -> bool) -> Vec<String> {
        self.viewer.wait_for_notes(what, LIMIT, check)
    }

    /// Waits until the ready file's lines, as `key` reads them, stop
    /// changing (wheel or motion events may still be coming in).
    fn await_settled<T>(
        &mut self,
        what: &str,
        key: impl Fn(&[String]) -> T,
        same: impl Fn(&T, &T) -> bool,
    ) -> Vec<String> {
        Wait::new(what, LIMIT)
            .every(Duration::from_millis(400))
            .for_settled(|| self.viewer.notes(), |a, b| same(&key(a), &key(b)))
    }

    fn await_screen(&self, what: &str, check: impl Fn(&Rgb) -> bool) -> Rgb {
        self.xvfb.wait_for_screen(what, LIMIT, check)
    }

    fn save(&self, shot: &Rgb, name: &str) {
        let path =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("window-interaction-{name}.png"));
        shot.write_png(&path);
        eprintln!("screenshot: {}", path.display());
    }

    /// Quits the viewer (`q`), checks it exited cleanly, and returns the
    /// display for the next window.
    fn quit(self) -> Xvfb {
        self.xvfb.focus("plotcast");
        self.xdo(&["key", "q"]);
        let finished = self.viewer.wait(LIMIT);
        finished.assert_success("q");
        self.xvfb
    }
}

/// A plot's `view` note: mode, x range, y range, and its rectangle.
#[derive(Debug, Clone, PartialEq)]
struct View {
    mode: String,
    x: (f64, f64),
    rect: (f64, f64, f64, f64),
}

fn view(lines: &[String], channel: u32) -> Option<View> {
    let rest = note(lines, &format!("view {channel}"))?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| words[i].parse::<f64>().unwrap();
    Some(View {
        mode: words[0].to_owned(),
        x: (num(1), num(2)),
        rect: (num(6), num(7), num(8), num(9)),
    })
}

impl View {
    fn centre(&self) -> (f64, f64) {
        (
            self.rect.0 + self.rect.2 / 2.0,
            self.rect.1 + self.rect.3 / 2.0,
        )
    }
}

fn received(lines: &[String]) -> u64 {
    note(lines, "received").map_or(0, |v| v.parse().unwrap())
}

/// A plot's rectangle (as the ready file gives it) in whole pixels.
fn px(rect: (f64, f64, f64, f64)) -> Rect {
    (rect.0 as u32, rect.1 as u32, rect.2 as u32, rect.3 as u32)
}

/// Pixels of `color` (±12 per channel) inside a rectangle of a screenshot.
fn count_in(shot: &Rgb, rect: (f64, f64, f64, f64), color: [u8; 3]) -> usize {
    shot.count_near_in(px(rect), color, 12)
}

/// A line frame of traces `parts`, published now.
fn line_frame(channel: u32, seq: u64, parts: Vec<Part>) -> Frame {
    Frame {
        seq,
        timestamp_us: unix_us(),
        ..frame(channel, ChannelKind::Line, parts)
    }
}

/// One line plot: trace `a` is flat at the batch number (so a still
/// cursor reads a growing value), `b` is 1000 + x.
fn line_script() -> Script {
    let mut script = Script::heatmap("readout", 21, 0.0);
    script.layout = Layout {
        title: "readout".into(),
        columns: 0,
        channels: vec![ChannelSpec::new(1, "pair", ChannelKind::Line)],
    };
    script.batch = Arc::new(|n| {
        let x: Vec<f64> = (0..=100).map(f64::from).collect();
        let a = vec![n as f64; x.len()];
        let b: Vec<f64> = x.iter().map(|v| 1000.0 + v).collect();
        let traces = vec![part("a", Some(&x), &a), part("b", Some(&x), &b)];
        vec![line_frame(1, n, traces)]
    });
    script
}

#[test]
fn hover_readout_legend_click_and_help_overlay() {
    let Some(xvfb) = Xvfb::start_with_input_or_skip(1280, 800) else {
        return;
    };
    let server = FakeServer::start(line_script());
    let mut w = Window::open(xvfb, &server, "win-readout", false);
    let lines = w.await_notes("the line plot", |l| {
        view(l, 1).is_some() && note(l, "legend 1").is_some()
    });
    let plot = view(&lines, 1).unwrap();
    // Hover over the middle of the plot, at x = 50: the readout shows
    // both traces there, b = 1050.
    let (cx, cy) = plot.centre();
    w.mouse(cx, cy);
    let reading = |l: &[String]| -> Option<u64> {
        let r = note(l, "readout")?;
        (r.starts_with("pair | x = 50 | a = ") && r.ends_with(" | b = 1050"))
            .then(|| r.split("a = ").nth(1)?.split(' ').next()?.parse().ok())
            .flatten()
    };
    let lines = w.await_notes("a readout of the hovered values", |l| reading(l).is_some());
    let first = reading(&lines).unwrap();
    // The mouse stays still while data streams: the readout keeps up.
    w.await_notes("the readout following new data", |l| {
        reading(l).is_some_and(|n| n > first + 5)
    });
    let shot = w.await_screen("the readout box", |s| {
        let box_area = px((cx + 16.0, cy + 16.0, 80.0, 60.0));
        s.count_in(box_area, |p| p.iter().all(|&c| c < 100)) > 20
    });
    w.save(&shot, "readout");

    // Clicking the legend entry of b hides it: no orange left in the plot.
    assert!(
        count_in(&shot, plot.rect, ORANGE) > 50,
        "b is not drawn to begin with"
    );
    let entry = lines
        .iter()
        .filter_map(|l| l.strip_prefix("legend 1 "))
        .find(|l| l.ends_with(" b"))
        .expect("a legend entry for b");
    let e: Vec<f64> = entry
        .split_whitespace()
        .take(4)
        .map(|v| v.parse().unwrap())
        .collect();
    w.mouse(e[0] + e[2] / 2.0, e[1] + e[3] / 2.0);
    w.xdo(&["click", "1"]);
    w.await_notes("b hidden", |l| note(l, "hidden 1") == Some("b"));
    let shot = w.await_screen("b gone from the plot", |s| {
        // The legend's own (greyed) entry is inside the plot: leave it out.
        let (x, y, pw, ph) = plot.rect;
        count_in(s, (x, y + e[3] * 3.0, pw, ph - e[3] * 3.0), ORANGE) == 0
    });
    w.save(&shot, "legend-hidden");

    // h opens the help overlay, Esc closes it (and does not quit).
    w.key_until("h", "the help overlay", |l| {
        l.iter().any(|n| n == "help shown")
    });
    let shot = w.await_screen("the help box", |s| {
        count_in(s, (380.0, 270.0, 200.0, 100.0), HELP_BACKGROUND) > 5000
    });
    w.save(&shot, "help");
    w.key_until("Escape", "the help closed", |l| {
        !l.iter().any(|n| n == "help shown")
    });
    w.quit();
}

/// Two series plots linked on x ("t"): 300 points in the first batch, then
/// one more per batch, at t = index.
fn series_script() -> Script {
    let mut script = Script::heatmap("follow", 22, 0.0);
    let spec = |id: u32, name: &str| {
        let mut s = ChannelSpec::new(id, name, ChannelKind::Series);
        s.options.link_x = "t".into();
        s
    };
    script.layout = Layout {
        title: "follow".into(),
        columns: 1,
        channels: vec![spec(1, "s1"), spec(2, "s2")],
    };
    script.batch = Arc::new(|n| {
        let (first, count) = if n == 1 { (0, 300) } else { (300 + n - 2, 1) };
        let t: Vec<f64> = (first..first + count).map(|i| i as f64).collect();
        let sin: Vec<f64> = t.iter().map(|v| (v / 20.0).sin()).collect();
        let cos: Vec<f64> = t.iter().map(|v| (v / 20.0).cos()).collect();
        vec![
            series_frame(1, first, &t, &sin),
            series_frame(2, first, &t, &cos),
        ]
    });
    script
}

#[test]
fn zoomed_series_follow_new_data_and_linked_plots_move_together() {
    let Some(xvfb) = Xvfb::start_with_input_or_skip(1280, 800) else {
        return;
    };
    let server = FakeServer::start(series_script());
    let mut w = Window::open(xvfb, &server, "win-follow", false);
    let lines = w.await_notes("both series plots", |l| {
        view(l, 1).is_some_and(|v| v.x.1 >= 300.0) && view(l, 2).is_some()
    });
    let p1 = view(&lines, 1).unwrap();
    assert_eq!(p1.mode, "auto");
    // Linked from the start: the same x range.
    assert_eq!(p1.x, view(&lines, 2).unwrap().x);

    // Wheel zoom with the mouse at the right edge (the newest point).
    let (x, y, pw, ph) = p1.rect;
    w.mouse(x + pw - 3.0, y + ph / 2.0);
    for _ in 0..3 {
        w.xdo(&["click", "4"]);
    }
    let lines = w.await_notes("a zoomed view following the newest data", |l| {
        view(l, 1).is_some_and(|v| v.mode == "following" && v.x.1 - v.x.0 < 0.7 * (p1.x.1 - p1.x.0))
    });
    assert_eq!(
        view(&lines, 2).unwrap().x,
        view(&lines, 1).unwrap().x,
        "the linked plot zoomed along"
    );
    // Wheel events may still be coming in: wait for the width to settle.
    let width = |l: &[String]| view(l, 1).map_or(0.0, |v| v.x.1 - v.x.0);
    let lines = w.await_settled("the zoomed view", width, |a, b| {
        *a > 0.0 && (b - a).abs() < 1e-6 * b
    });
    let zoomed = view(&lines, 1).unwrap();
    assert!(
        note(&lines, "status").is_some_and(|s| s.contains("follow the newest data")),
        "{lines:?}"
    );
    let lines = w.await_notes("the view moving with new data", |l| {
        view(l, 1).is_some_and(|v| v.mode == "following" && v.x.1 > zoomed.x.1 + 20.0)
    });
    let moved = view(&lines, 1).unwrap();
    w.save(&w.xvfb.screenshot(), "following");
    let (a, b) = (moved.x.1 - moved.x.0, zoomed.x.1 - zoomed.x.0);
    assert!(
        (a - b).abs() < 1e-6 * b,
        "width kept: {moved:?} after {zoomed:?}"
    );
    assert_eq!(view(&lines, 2).unwrap().x, moved.x);

    // Drag right: the view pans back in time, away from the newest point.
    let (cx, cy) = p1.centre();
    w.mouse(cx, cy);
    w.xdo(&["mousedown", "1"]);
    w.mouse(cx + 100.0, cy);
    w.mouse(cx + 250.0, cy);
    w.xdo(&["mouseup", "1"]);
    w.await_notes("a frozen view", |l| {
        view(l, 1).is_some_and(|v| v.mode == "frozen")
    });
    // Motion events may still be coming in: wait for the view to settle.
    let x_range = |l: &[String]| view(l, 1).map(|v| v.x);
    let lines = w.await_settled("the frozen view", x_range, |a, b| a.is_some() && a == b);
    let frozen = view(&lines, 1).unwrap();
    assert_eq!(frozen.mode, "frozen");
    assert_eq!(
        view(&lines, 2).unwrap().x,
        frozen.x,
        "the linked plot panned along"
    );
    assert!(
        note(&lines, "status").is_some_and(|s| s.contains("frozen (f: follow")),
        "{lines:?}"
    );
    // New data keeps coming; the frozen view stays where it is.
    let count = received(&lines);
    let lines = w.await_notes("more data", |l| received(l) > count + 60);
    assert_eq!(view(&lines, 1).unwrap().x, frozen.x);
    w.save(&w.xvfb.screenshot(), "frozen");

    // `f` follows again: the right edge jumps to the newest point.
    let lines = w.key_until("f", "following again", |l| {
        view(l, 1).is_some_and(|v| v.mode == "following" && v.x.1 > frozen.x.1 + 100.0)
    });
    assert_eq!(view(&lines, 2).unwrap().x, view(&lines, 1).unwrap().x);
    // `a`: autoscale everywhere.
    w.key_until("a", "autoscale", |l| {
        view(l, 1).is_some_and(|v| v.mode == "auto" && v.x.0 == 0.0)
    });
    let shot = w.xvfb.screenshot();
    w.save(&shot, "follow");
    w.quit();
}

/// The status line after the end: "computation finished" (not in red)
/// after a goodbye, "stopped without a goodbye" after a bare close.
#[test]
fn status_line_tells_a_finished_computation_from_a_lost_one() {
    // Anti-aliased text: count pixels by hue, not by exact colour. The
    // status strip: the bottom 30 rows of the 960x640 window.
    let count = |s: &Rgb, hue: fn(i32, i32, i32) -> bool| {
        s.count_in((0, 610, 960, 30), |[r, g, b]| {
            hue(i32::from(r), i32::from(g), i32::from(b))
        })
    };
    let red = |r: i32, g: i32, b: i32| r > g + 120 && r > b + 120;
    let blue = |r: i32, g: i32, b: i32| b > r + 50 && b > g + 20;
    let Some(mut xvfb) = Xvfb::start_with_input_or_skip(1280, 800) else {
        return;
    };
    for goodbye in [true, false] {
        let mut script = line_script();
        script.batches_then_close = Some(3);
        script.goodbye = goodbye;
        let server = FakeServer::start(script);
        let mut w = Window::open(xvfb, &server, "win-end", true);
        let want = if goodbye {
            "computation finished: simulation finished (fake)"
        } else {
            "computation stopped without a goodbye"
        };
        w.await_notes("the end in the status line", |l| {
            note(l, "status").is_some_and(|s| s.contains(want))
        });
        let shot = w.await_screen("the status line redrawn", |s| {
            !goodbye || count(s, blue) > 20
        });
        assert_eq!(
            count(&shot, red),
            0,
            "red in the status line (goodbye: {goodbye})"
        );
        w.save(&shot, if goodbye { "finished" } else { "stopped" });
        drop(server);
        xvfb = w.quit();
    }
}
