//! What the window shows is the data, in a real window under Xvfb with a
//! real computation: the wheel zooms a series along x and its y range fits
//! what is in view; `e` saves every value in view (fetched again when the
//! window's copy is reduced), without hidden traces; x or y over a heatmap
//! says why nothing changes; the window is titled with the figure's title;
//! a computation interrupted says so in amber, with no frame rate; a viewer
//! that never connected says it cannot connect, not that a connection was
//! lost. Needs `xvfb`, `x11-apps` and `xdotool` (skips without them
//! outside CI).

use std::time::Duration;

use plotcast_testkit::viewer_files::note;
use plotcast_testkit::{TempDir, ViewerCommand, ViewerProcess, Wait, Xvfb};

const LIMIT: Duration = Duration::from_secs(90);

/// `sin` at two amplitudes: ±20 for t < 40 000, ±1 after.
fn signal(t: f64) -> f64 {
    let a = if t < 40_000.0 { 20.0 } else { 1.0 };
    a * (t * 0.05).sin()
}

struct Window {
    xvfb: Xvfb,
    viewer: ViewerProcess,
    dir: TempDir,
}

impl Window {
    fn open(xvfb: Xvfb, source: &str, name: &str) -> Self {
        let dir = TempDir::new(name);
        let viewer = ViewerCommand::new()
            .source(source)
            .ready_file(dir.join("ready"))
            .size(1000, 700)
            .timeout_secs(240)
            .display(&xvfb)
            .current_dir(&dir)
            .spawn();
        Self { xvfb, viewer, dir }
    }

    fn notes_until(&mut self, what: &str, check: impl Fn(&[String]) -> bool) -> Vec<String> {
        self.viewer.wait_for_notes(what, LIMIT, check)
    }

    /// A plot's `view` note: x range, y range and rectangle.
    fn view(lines: &[String], channel: u32) -> Option<[f64; 8]> {
        let rest = note(lines, &format!("view {channel}"))?;
        let words: Vec<&str> = rest.split_whitespace().filter(|w| *w != "at").collect();
        let mut out = [0.0; 8];
        for (k, w) in words.iter().skip(1).take(8).enumerate() {
            out[k] = w.parse().ok()?;
        }
        Some(out)
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
        self.xvfb.xdotool(&[
            "mousemove",
            &format!("{}", x.round()),
            &format!("{}", y.round()),
        ]);
    }
}

fn status(lines: &[String]) -> String {
    note(lines, "status").unwrap_or_default().to_owned()
}

#[test]
fn a_real_computation_in_a_window_shows_its_data_as_it_is() {
    let Some(xvfb) = Xvfb::start_with_input_or_skip(1100, 800) else {
        return;
    };
    let server = plotcast::Server::builder()
        .title("trust demo")
        .use_env(false)
        .launch_viewer(false)
        .start()
        .expect("server starts");
    let series = server.channel("signal").history_points(50_000).series();
    let field = server.heatmap("field");
    for i in 0..50_000 {
        let t = f64::from(i);
        series.push_to("a", t, signal(t));
        series.push_to("b", t, signal(t) + 0.5);
    }
    field.publish(&vec![1.0; 64 * 64], 64, 64);
    let mut w = Window::open(xvfb, &server.local_addr().to_string(), "window-trust");
    let lines = w.notes_until("both plots drawn with their data", |l| {
        Window::view(l, 0).is_some_and(|v| v[1] > 49_000.0) && Window::view(l, 1).is_some()
    });

    // The figure's title names the window.
    let names = || {
        let out = std::process::Command::new("xdotool")
            .args(["search", "--name", "plotcast", "getwindowname"])
            .env("DISPLAY", w.xvfb.display())
            .output()
            .expect("xdotool runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    Wait::new("the window titled with the figure's title", LIMIT)
        .poll(|| {
            Some(names()).filter(|n| n.lines().any(|l| l.starts_with("trust demo — plotcast")))
        })
        .unwrap_or_else(|| panic!("window names: {:?}", names()));

    // The wheel near the right end of the series: x narrows, y fits the
    // ±1 (and +0.5) in view, not the ±20 before.
    let [x0, x1, ..] = Window::view(&lines, 0).expect("series view");
    let [.., rx, ry, rw, rh] = Window::view(&lines, 0).expect("series view");
    w.mouse(rx + 0.97 * rw, ry + 0.5 * rh);
    for _ in 0..12 {
        w.xvfb.xdotool(&["click", "4"]);
    }
    let lines = w.notes_until("the series zoomed in x", |l| {
        Window::view(l, 0).is_some_and(|v| v[1] - v[0] < 0.2 * (x1 - x0) && v[0] > 40_500.0)
    });
    let v = Window::view(&lines, 0).expect("series view");
    assert!(v[2] > -2.0 && v[3] < 2.0, "y fits the data in view: {v:?}");

    // Hide trace b from the legend, then `e`: every value of a in view.
    let legend = lines
        .iter()
        .find(|l| l.starts_with("legend 0 ") && l.ends_with(" b"))
        .cloned()
        .expect("a legend entry for b");
    let nums: Vec<f64> = legend
        .split_whitespace()
        .skip(2)
        .take(4)
        .map(|s| s.parse().expect("a number"))
        .collect();
    w.mouse(nums[0] + nums[2] / 2.0, nums[1] + nums[3] / 2.0);
    w.xvfb.xdotool(&["click", "1"]);
    w.notes_until("b hidden", |l| {
        note(l, "hidden 0").is_some_and(|h| h.contains('b'))
    });
    w.mouse(rx + 0.5 * rw, ry + 0.5 * rh);
    let lines = w.key_until("e", "the export said what it wrote", |l| {
        status(l).contains("saved ")
    });
    let said = status(&lines);
    let v = Window::view(&lines, 0).expect("series view");
    let csv = std::fs::read_dir(w.dir.path())
        .expect("the viewer's folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "csv"))
        .unwrap_or_else(|| panic!("no CSV written; status: {said}"));
    let text = std::fs::read_to_string(&csv).expect("the CSV");
    let rows: Vec<(String, f64)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].parse().expect("t"))
        })
        .collect();
    assert!(
        rows.iter().all(|(s, _)| s == "a"),
        "hidden b left out: {said}"
    );
    let expected = (v[0].ceil() as i64..=v[1].floor() as i64).count();
    assert_eq!(rows.len(), expected, "every point of a in view ({said})");
    assert!(said.contains("hidden, not saved: b"), "{said}");

    // y over the heatmap says why nothing changes.
    let [.., hx, hy, hw, hh] = Window::view(&lines, 1).expect("heatmap view");
    w.mouse(hx + hw / 2.0, hy + hh / 2.0);
    w.key_until("y", "the reason y does nothing on a heatmap", |l| {
        status(l).contains("a heatmap has no log axes")
    });

    // Interrupted: amber words, no frame rate.
    server.interrupted("SIGINT");
    drop(server);
    let lines = w.notes_until("the interrupted computation", |l| {
        status(l).contains("computation interrupted: SIGINT")
    });
    assert!(!status(&lines).contains(" fps"), "{}", status(&lines));
    w.viewer.kill();
}

#[test]
fn a_window_that_never_connected_says_it_cannot_connect() {
    let Some(xvfb) = Xvfb::start_or_skip(900, 600) else {
        return;
    };
    let port = plotcast_testkit::nats_server::free_port();
    let mut w = Window::open(xvfb, &format!("127.0.0.1:{port}"), "window-unreachable");
    let lines = w.notes_until("the status after a failed attempt", |l| {
        status(l).contains("cannot connect to")
    });
    let said = status(&lines);
    assert!(
        said.contains("retrying") && !said.contains("lost"),
        "{said}"
    );
    w.viewer.kill();
}
