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

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{unix_us, FakeServer, Rgb, Script, Viewer};
use plotcast_protocol::{Array, ChannelKind, ChannelSpec, Frame, Layout, Part};
use plotcast_testkit::xvfb::{xdotool, Xvfb};

const LIMIT: Duration = Duration::from_secs(60);

const ORANGE: [u8; 3] = [0xff, 0x7f, 0x0e];
const HELP_BACKGROUND: [u8; 3] = [250, 250, 235];

fn start_xvfb() -> Option<Xvfb> {
    match Xvfb::start(1280, 800) {
        Ok(xvfb) => Some(xvfb),
        Err(why) => {
            eprintln!("skipped: no X server for the window test: {why}");
            None
        }
    }
}

/// The viewer's window on an Xvfb display, with its ready file.
struct Window {
    xvfb: Xvfb,
    viewer: Viewer,
    ready: PathBuf,
    dir: PathBuf,
}

impl Window {
    fn open(xvfb: Xvfb, server: &FakeServer, name: &str) -> Self {
        let dir = common::temp_dir(name);
        let ready = dir.join("ready");
        let viewer = Viewer::spawn_in(
            &dir,
            &[
                &server.addr.to_string(),
                "--ready-file",
                ready.to_str().unwrap(),
                "--size",
                "960x640",
                "--timeout",
                "180",
            ],
            &[("DISPLAY", &xvfb.display()), ("WAYLAND_DISPLAY", "")],
        );
        let mut w = Self {
            xvfb,
            viewer,
            ready,
            dir,
        };
        w.await_notes("the first frame", |_| true);
        w
    }

    fn display(&self) -> String {
        self.xvfb.display()
    }

    fn xdo(&self, args: &[&str]) {
        xdotool(&self.display(), args);
    }

    /// Gives the window the keyboard (no window manager does it here).
    fn focus(&self) {
        self.xdo(&["search", "--name", "^plotcast", "windowfocus"]);
    }

    /// Presses `key` until the ready file shows its effect: without a
    /// window manager, keyboard focus set by xdotool is occasionally not
    /// in place yet when the key arrives on a loaded machine, and the key
    /// is lost. Each attempt waits long enough that a slow viewer is not
    /// mistaken for a lost key.
    fn key_until(
        &mut self,
        key: &str,
        what: &str,
        check: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        for _ in 0..3 {
            self.focus();
            std::thread::sleep(Duration::from_millis(100));
            self.xdo(&["key", key]);
            let end = Instant::now() + Duration::from_secs(15);
            while Instant::now() < end {
                if let Ok(text) = std::fs::read_to_string(&self.ready) {
                    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
                    if check(&lines) {
                        return lines;
                    }
                }
                std::thread::sleep(Duration::from_millis(30));
            }
        }
        self.await_notes(what, check)
    }

    fn mouse(&self, x: f64, y: f64) {
        self.xdo(&[
            "mousemove",
            &format!("{}", x.round()),
            &format!("{}", y.round()),
        ]);
    }

    /// Polls the ready file until `check` accepts its lines.
    fn await_notes(&mut self, what: &str, check: impl Fn(&[String]) -> bool) -> Vec<String> {
        let end = Instant::now() + LIMIT;
        let mut last = Vec::new();
        loop {
            if let Ok(text) = std::fs::read_to_string(&self.ready) {
                last = text.lines().map(str::to_owned).collect();
                if check(&last) {
                    return last;
                }
            }
            if let Some(finished) = self.viewer.try_finished() {
                panic!(
                    "{what}: the viewer exited ({:?}):\n{}",
                    finished.status, finished.stderr
                );
            }
            assert!(
                Instant::now() < end,
                "{what}: not in the ready file within {LIMIT:?}; last:\n{}",
                last.join("\n")
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    fn await_screen(&self, what: &str, check: impl Fn(&Rgb) -> bool) -> Rgb {
        let end = Instant::now() + LIMIT;
        loop {
            let shot = self.xvfb.screenshot();
            if check(&shot) {
                return shot;
            }
            if Instant::now() > end {
                let path =
                    Path::new(env!("CARGO_TARGET_TMPDIR")).join("window-interaction-failed.png");
                shot.write_png(&path);
                panic!(
                    "{what}: not seen within {LIMIT:?} (last screenshot: {})",
                    path.display()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn save(&self, shot: &Rgb, name: &str) {
        let path =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("window-interaction-{name}.png"));
        shot.write_png(&path);
        eprintln!("screenshot: {}", path.display());
    }

    fn quit(mut self) {
        self.quit_and_keep_display();
    }

    /// Quits the viewer (`q`) and checks it exited cleanly.
    fn quit_and_keep_display(&mut self) {
        self.focus();
        self.xdo(&["key", "q"]);
        let end = Instant::now() + LIMIT;
        let finished = loop {
            if let Some(finished) = self.viewer.try_finished() {
                break finished;
            }
            assert!(Instant::now() < end, "q did not quit within {LIMIT:?}");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(
            finished.status.success(),
            "q: {:?}\n{}",
            finished.status,
            finished.stderr
        );
        common::cleanup(&self.dir);
    }

    /// The display, for the next window.
    fn into_display(self) -> Xvfb {
        self.xvfb
    }
}

/// The text after `head ` in the first line that starts with it.
fn note<'a>(lines: &'a [String], head: &str) -> Option<&'a str> {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(head)?.strip_prefix(' '))
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

/// Pixels of `color` (±12 per channel) inside a rectangle of a screenshot.
fn count_in(shot: &Rgb, rect: (f64, f64, f64, f64), color: [u8; 3]) -> usize {
    let (x0, y0, w, h) = (rect.0 as u32, rect.1 as u32, rect.2 as u32, rect.3 as u32);
    let mut n = 0;
    for y in y0..(y0 + h).min(shot.height) {
        for x in x0..(x0 + w).min(shot.width) {
            let i = ((y * shot.width + x) * 3) as usize;
            if shot.data[i..i + 3]
                .iter()
                .zip(color)
                .all(|(a, b)| a.abs_diff(b) <= 12)
            {
                n += 1;
            }
        }
    }
    n
}

fn line_frame(channel: u32, seq: u64, parts: Vec<Part>) -> Frame {
    Frame {
        channel,
        seq,
        timestamp_us: unix_us(),
        kind: ChannelKind::Line,
        nx: 0,
        ny: 0,
        range: None,
        lod: None,
        parts,
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
        let part = |name: &str, y: &[f64]| Part {
            name: name.into(),
            first_index: 0,
            x: Some(Array::from_f64(&x)),
            y: Array::from_f64(y),
        };
        vec![line_frame(1, n, vec![part("a", &a), part("b", &b)])]
    });
    script
}

#[test]
fn hover_readout_legend_click_and_help_overlay() {
    let Some(xvfb) = start_xvfb() else { return };
    let server = FakeServer::start(line_script());
    let mut w = Window::open(xvfb, &server, "win-readout");
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
        let box_area = (cx + 16.0, cy + 16.0, 80.0, 60.0);
        let dark = (0..60u32)
            .flat_map(|dy| (0..80u32).map(move |dx| (dx, dy)))
            .filter(|(dx, dy)| {
                let (x, y) = (box_area.0 as u32 + dx, box_area.1 as u32 + dy);
                let i = ((y * s.width + x) * 3) as usize;
                s.data[i..i + 3].iter().all(|&c| c < 100)
            })
            .count();
        dark > 20
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

fn series_frame(channel: u32, first: u64, t: &[f64], y: &[f64]) -> Frame {
    Frame {
        channel,
        seq: first + t.len() as u64,
        timestamp_us: unix_us(),
        kind: ChannelKind::Series,
        nx: 0,
        ny: 0,
        range: None,
        lod: None,
        parts: vec![Part {
            name: String::new(),
            first_index: first,
            x: Some(Array::from_f64(t)),
            y: Array::from_f64(y),
        }],
    }
}

/// Two series plots linked on x ("t"): 300 points in the first batch, then
/// one more per batch, at t = index.
fn series_script() -> Script {
    let mut script = Script::heatmap("follow", 22, 0.0);
    let spec = |id: u32, name: &str| {
        let mut s = ChannelSpec::new(id, name, ChannelKind::Series);
        s.link_x = "t".into();
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
    let Some(xvfb) = start_xvfb() else { return };
    let server = FakeServer::start(series_script());
    let mut w = Window::open(xvfb, &server, "win-follow");
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
    let mut previous = width(&lines);
    let lines = loop {
        std::thread::sleep(Duration::from_millis(400));
        let lines = w.await_notes("the zoomed view", |l| view(l, 1).is_some());
        let now = width(&lines);
        if (now - previous).abs() < 1e-6 * now {
            break lines;
        }
        previous = now;
    };
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
    let lines = w.await_notes("a frozen view", |l| {
        view(l, 1).is_some_and(|v| v.mode == "frozen")
    });
    // Motion events may still be coming in: wait for the view to settle.
    let mut previous = view(&lines, 1).unwrap().x;
    let lines = loop {
        std::thread::sleep(Duration::from_millis(400));
        let lines = w.await_notes("the frozen view", |l| view(l, 1).is_some());
        let now = view(&lines, 1).unwrap().x;
        if now == previous {
            break lines;
        }
        previous = now;
    };
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
    // Anti-aliased text: count pixels by hue, not by exact colour.
    let count = |s: &Rgb, hue: fn(i32, i32, i32) -> bool| {
        let mut n = 0;
        for y in 610..640u32 {
            for x in 0..960u32 {
                let i = ((y * s.width + x) * 3) as usize;
                let (r, g, b) = (s.data[i] as i32, s.data[i + 1] as i32, s.data[i + 2] as i32);
                n += usize::from(hue(r, g, b));
            }
        }
        n
    };
    let red = |r: i32, g: i32, b: i32| r > g + 120 && r > b + 120;
    let blue = |r: i32, g: i32, b: i32| b > r + 50 && b > g + 20;
    let Some(mut xvfb) = start_xvfb() else { return };
    for goodbye in [true, false] {
        let mut script = line_script();
        script.batches_then_close = Some(3);
        script.goodbye = goodbye;
        let server = FakeServer::start(script);
        let dir = common::temp_dir("win-end");
        let ready = dir.join("ready");
        let viewer = Viewer::spawn_in(
            &dir,
            &[
                &server.addr.to_string(),
                "--no-reconnect",
                "--ready-file",
                ready.to_str().unwrap(),
                "--size",
                "960x640",
                "--timeout",
                "120",
            ],
            &[("DISPLAY", &xvfb.display()), ("WAYLAND_DISPLAY", "")],
        );
        let mut w = Window {
            xvfb,
            viewer,
            ready,
            dir,
        };
        let want = if goodbye {
            "computation finished: simulation finished (fake)"
        } else {
            "computation stopped without a goodbye"
        };
        w.await_notes("the end in the status line", |l| {
            note(l, "status").is_some_and(|s| s.contains(want))
        });
        // The status strip: the bottom 30 rows of the 960x640 window.
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
        w.quit_and_keep_display();
        xvfb = w.into_display();
    }
}
