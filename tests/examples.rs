//! Every example, run for a bounded number of steps (`PLOTCAST_STEPS`) with
//! its auto-launched viewer in headless mode: the run ends by itself and the
//! PNGs the viewer wrote show the plots.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use plotcast_testkit::procs::{wait_timeout, wait_until, KillOnDrop};
use plotcast_testkit::rgb::Rgb;
use plotcast_testkit::viewer_files::numbered_pngs;
use plotcast_testkit::{bins, TempDir};

const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs an example with its viewer launched headless; returns the PNGs.
fn run_with_headless_viewer(name: &str, steps: u64, args: &[&str], dir: &TempDir) -> Vec<PathBuf> {
    let out = dir.path().join("f{n}.png");
    let mut child = KillOnDrop(
        Command::new(bins::example(name))
            .args(args)
            .env("PLOTCAST_STEPS", steps.to_string())
            .env("PLOTCAST_VIEWER", bins::viewer())
            .env(
                "PLOTCAST_VIEWER_ARGS",
                format!(
                    "--headless --size 800x600 --frames 100000 --out {}",
                    out.display()
                ),
            )
            .env_remove("PLOTCAST_NO_VIEWER")
            .env_remove("PLOTCAST_ADDR")
            .env_remove("PLOTCAST_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start example {name}: {e}")),
    );
    let status = wait_timeout(&mut child.0, RUN_TIMEOUT).unwrap_or_else(|| {
        panic!("example {name} did not finish {steps} steps in {RUN_TIMEOUT:?}")
    });
    assert!(status.success(), "example {name} failed: {status}");
    // The headless viewer renders what it got and exits when the server
    // says goodbye; its files are complete once it is gone.
    let marker = out.display().to_string();
    wait_until(
        Duration::from_secs(30),
        "the headless viewer to exit",
        || {
            plotcast_testkit::procs::pids_with_cmdline(&marker)
                .into_iter()
                .all(|pid| !plotcast_testkit::procs::alive(pid))
        },
    );
    let files: Vec<PathBuf> = numbered_pngs(dir.path())
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert!(
        !files.is_empty(),
        "example {name}: the viewer wrote no PNG in {}",
        dir.path().display()
    );
    files
}

fn assert_shows_plot(name: &str, png: &Path, min_colour: f64) {
    let img = Rgb::read_png(png);
    assert_eq!((img.width, img.height), (800, 600), "{name}: PNG size");
    let colour = img.colour_fraction();
    assert!(
        colour >= min_colour,
        "{name}: only {:.3}% coloured pixels in {} (want ≥ {:.3}%)",
        colour * 100.0,
        png.display(),
        min_colour * 100.0
    );
}

#[test]
fn heat_streams_heatmap_profile_and_energy() {
    let dir = TempDir::new("heat");
    let files = run_with_headless_viewer("heat", 600, &[], &dir);
    let last = files.last().expect("at least one frame");
    // The heatmap fills a large part of the figure with colormap colours.
    assert_shows_plot("heat", last, 0.05);
    assert!(
        Rgb::read_png(last).distinct_colours() > 50,
        "heat: a colormap has many colours"
    );
}

#[test]
fn lorenz_streams_phase_line_and_series() {
    let dir = TempDir::new("lorenz");
    let files = run_with_headless_viewer("lorenz", 20_000, &[], &dir);
    assert_shows_plot("lorenz", files.last().expect("a frame"), 0.002);
}

#[test]
fn random_walk_streams_histogram_and_msd() {
    let dir = TempDir::new("random_walk");
    let files = run_with_headless_viewer("random_walk", 200, &[], &dir);
    assert_shows_plot("random_walk", files.last().expect("a frame"), 0.005);
}

#[test]
fn interrupt_runs_to_its_step_limit() {
    let dir = TempDir::new("interrupt");
    let files = run_with_headless_viewer("interrupt", 100, &[], &dir);
    assert_shows_plot("interrupt", files.last().expect("a frame"), 0.002);
}

#[test]
fn remote_needs_the_token_and_serves_with_it() {
    let dir = TempDir::new("remote");
    // All interfaces are bound, but every byte of this test stays on
    // loopback: the viewer connects to 127.0.0.1.
    let mut server = KillOnDrop(
        Command::new(bins::example("remote"))
            .env("PLOTCAST_STEPS", "3000")
            .env("PLOTCAST_ADDR", "0.0.0.0:0")
            .env("PLOTCAST_TOKEN", "test-token-123")
            .env("PLOTCAST_NO_VIEWER", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting the remote example"),
    );
    let stderr = server.0.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut said = String::new();
    let port = loop {
        let line = rx
            .recv_timeout(RUN_TIMEOUT)
            .unwrap_or_else(|_| panic!("remote example printed no address; it said:\n{said}"));
        said.push_str(&line);
        said.push('\n');
        if let Some(rest) = line.split("serving on ").nth(1) {
            break rest
                .trim()
                .rsplit(':')
                .next()
                .expect("HOST:PORT")
                .to_owned();
        }
    };
    let addr = format!("127.0.0.1:{port}");

    let wrong = Command::new(bins::viewer())
        .args([
            &addr,
            "--headless",
            "--frames",
            "1",
            "--timeout",
            "20",
            "--no-reconnect",
        ])
        .args(["--token", "wrong", "--out"])
        .arg(dir.path().join("wrong.png"))
        .output()
        .expect("running the viewer");
    assert_eq!(
        wrong.status.code(),
        Some(2),
        "a wrong token is a rejection (exit 2)"
    );
    let text = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        text.to_lowercase().contains("token"),
        "the rejection says why: {text}"
    );
    assert!(
        !dir.path().join("wrong.png").exists(),
        "nothing rendered without the token"
    );

    let good = Command::new(bins::viewer())
        .args([
            &addr,
            "--headless",
            "--frames",
            "2",
            "--timeout",
            "30",
            "--size",
            "800x600",
        ])
        .args(["--token", "test-token-123", "--out"])
        .arg(dir.path().join("f{n}.png"))
        .output()
        .expect("running the viewer");
    assert!(
        good.status.success(),
        "viewer with the token failed: {}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert_shows_plot("remote", &dir.path().join("f2.png"), 0.002);
}

/// The big example: a 2048² field and a million-point line. The headless
/// viewer tells the server its plot sizes, so what arrives is reduced (the
/// frames it counts are far fewer bytes than published), and the PNG shows
/// the field and the line.
#[test]
fn big_streams_reduced_to_the_viewers_plots() {
    let dir = TempDir::new("big");
    let files = run_with_headless_viewer("big", 3, &[], &dir);
    let last = files.last().expect("a frame");
    assert_shows_plot("big", last, 0.05);
    assert!(
        Rgb::read_png(last).distinct_colours() > 50,
        "big: the field's colormap has many colours"
    );
}
