//! Every example, run for a bounded number of steps (`PLOTCAST_STEPS`) with
//! its auto-launched viewer in headless mode: the run ends by itself and the
//! PNGs the viewer wrote show the plots.

use std::path::{Path, PathBuf};
use std::time::Duration;

use plotcast_testkit::viewer_files::launched_viewer_pngs;
use plotcast_testkit::{ComputationCommand, Rgb, TempDir, ViewerCommand};

const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs an example with its viewer launched headless; returns the PNGs.
fn run_with_headless_viewer(name: &str, steps: u64, dir: &TempDir) -> Vec<PathBuf> {
    let viewer = ViewerCommand::new()
        .headless()
        .size(800, 600)
        .frames(100_000)
        .out(dir.join("f{n}.png"));
    let mut example = ComputationCommand::example(name)
        .steps(steps)
        .viewer(&viewer)
        .spawn();
    let status = example.wait_exit(
        &format!("example {name} to finish {steps} steps"),
        RUN_TIMEOUT,
    );
    let said = example.said().to_owned();
    assert!(status.success(), "example {name} failed: {status}\n{said}");
    // The headless viewer renders what it got and exits when the server
    // says goodbye; its files are complete once it is gone.
    launched_viewer_pngs(dir.path(), &said)
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
    let files = run_with_headless_viewer("heat", 600, &dir);
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
    let files = run_with_headless_viewer("lorenz", 20_000, &dir);
    assert_shows_plot("lorenz", files.last().expect("a frame"), 0.002);
}

#[test]
fn random_walk_streams_histogram_and_msd() {
    let dir = TempDir::new("random_walk");
    let files = run_with_headless_viewer("random_walk", 200, &dir);
    assert_shows_plot("random_walk", files.last().expect("a frame"), 0.005);
}

#[test]
fn interrupt_runs_to_its_step_limit() {
    let dir = TempDir::new("interrupt");
    let files = run_with_headless_viewer("interrupt", 100, &dir);
    assert_shows_plot("interrupt", files.last().expect("a frame"), 0.002);
}

#[test]
fn remote_needs_the_token_and_serves_with_it() {
    let dir = TempDir::new("remote");
    // All interfaces are bound, but every byte of this test stays on
    // loopback: the viewer connects to 127.0.0.1.
    let mut server = ComputationCommand::example("remote")
        .steps(3000)
        .addr("0.0.0.0:0")
        .token("test-token-123")
        .no_viewer()
        .spawn();
    let addr = server.serving_addr(RUN_TIMEOUT);

    let wrong = ViewerCommand::new()
        .source(addr)
        .headless()
        .frames(1)
        .timeout_secs(20)
        .no_reconnect()
        .token("wrong")
        .out(dir.join("wrong.png"))
        .run(RUN_TIMEOUT);
    assert_eq!(
        wrong.status.code(),
        Some(2),
        "a wrong token is a rejection (exit 2)"
    );
    assert!(
        wrong.stderr.to_lowercase().contains("token"),
        "the rejection says why: {}",
        wrong.stderr
    );
    assert!(
        !dir.join("wrong.png").exists(),
        "nothing rendered without the token"
    );

    let good = ViewerCommand::new()
        .source(addr)
        .headless()
        .frames(2)
        .timeout_secs(30)
        .size(800, 600)
        .token("test-token-123")
        .out(dir.join("f{n}.png"))
        .run(RUN_TIMEOUT);
    assert!(
        good.status.success(),
        "viewer with the token failed: {}",
        good.stderr
    );
    assert_shows_plot("remote", &dir.join("f2.png"), 0.002);
}

/// The big example: a 2048² field and a million-point line. The headless
/// viewer tells the server its plot sizes, so what arrives is reduced (the
/// frames it counts are far fewer bytes than published), and the PNG shows
/// the field and the line.
#[test]
fn big_streams_reduced_to_the_viewers_plots() {
    let dir = TempDir::new("big");
    let files = run_with_headless_viewer("big", 3, &dir);
    let last = files.last().expect("a frame");
    assert_shows_plot("big", last, 0.05);
    assert!(
        Rgb::read_png(last).distinct_colours() > 50,
        "big: the field's colormap has many colours"
    );
}

/// Four ranks publish tiles and traces through a real nats-server; a viewer
/// of the run, connected only to NATS, draws them as one picture.
#[test]
fn tiles_publishes_four_ranks_through_nats_into_one_picture() {
    let nats = plotcast_testkit::NatsServer::start("tiles-example");
    let dir = TempDir::new("tiles");
    let mut example = ComputationCommand::example("tiles")
        // 20 ms a step: long enough for the viewer to start and count its
        // frames while the ranks publish (a relay viewer waits for a run to
        // come back, so it does not end when the run does).
        .steps(1000)
        .args([&nats.url])
        .spawn();
    // A viewer of the run, as on another machine: one picture of the four.
    let out = dir.join("tiles.png");
    let finished = ViewerCommand::new()
        .source(format!("{}/tiles", nats.url))
        .headless()
        .size(800, 600)
        .frames(10)
        .out(&out)
        .timeout_secs(120)
        .current_dir(dir.path())
        .run(RUN_TIMEOUT);
    finished.assert_success("the viewer of run tiles");
    let status = example.wait_exit("the tiles example to finish 1000 steps", RUN_TIMEOUT);
    assert!(
        status.success(),
        "tiles failed: {status}\n{}",
        example.said()
    );
    assert_shows_plot("tiles", &out, 0.2);
    let img = Rgb::read_png(&out);
    // Four traces (a legend entry per rank): blue, orange, green, red.
    for colour in [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]] {
        assert!(img.count_near(colour, 20) > 50, "a trace in {colour:?}");
    }
}
