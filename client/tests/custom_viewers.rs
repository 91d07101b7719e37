//! Custom plots end to end: the `vortex` computation with its own viewer
//! (`vortex_viewer`, started by name) through the real binaries in headless
//! mode, its picture compared with an in-process render of the same data;
//! the stock viewer on the same computation showing the placeholder; and a
//! viewer whose plot type panics, run through `Viewer::run_with`, drawing
//! the other plot and the error.
#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "../../examples/vortex/field.rs"]
mod field;
#[path = "../examples/vortex_viewer/flow_plot.rs"]
mod flow_plot;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use plotcast_protocol::{Array, ChannelKind, ChannelSpec, Frame, Layout, Part};
use plotcast_testkit::procs::{pids_with_cmdline, wait_timeout, wait_until, KillOnDrop};
use plotcast_testkit::rgb::Rgb;
use plotcast_testkit::{bins, TempDir};
use plotcast_viewer::model::PlotState;
use plotcast_viewer::plot_types::{CustomData, PlotArea, PlotResult, PlotType};
use plotcast_viewer::render::{render_with, RenderOptions};
use plotcast_viewer::view::{PixelRect, RenderInfo, ViewState};
use plotcast_viewer::{PlotTypes, Viewer};

const SIZE: (u32, u32) = (900, 600);
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// The layout the vortex computation sends (see `examples/vortex/main.rs`).
fn vortex_layout() -> Layout {
    let mut flow = ChannelSpec::custom(0, field::CHANNEL, field::PLOT_TYPE);
    flow.title = field::TITLE.into();
    flow.x_label = field::X_LABEL.into();
    flow.y_label = field::Y_LABEL.into();
    flow.colormap = "magma".into();
    let mut speed = ChannelSpec::new(1, "max speed", ChannelKind::Series);
    speed.x_label = "t [s]".into();
    Layout {
        title: "vortex".into(),
        columns: 0,
        channels: vec![flow, speed],
    }
}

/// The flow frame the computation publishes after `steps` steps.
fn vortex_frame(steps: u64) -> Frame {
    let vortices = field::after(steps);
    let (mut u, mut v) = (Vec::new(), Vec::new());
    vortices.field(&mut u, &mut v);
    let arrays: [(&str, &[f64]); 6] = [
        ("u", &u),
        ("v", &v),
        ("vortex_x", &vortices.x),
        ("vortex_y", &vortices.y),
        ("gamma", &vortices.gamma),
        ("bounds", &field::BOUNDS),
    ];
    Frame {
        channel: 0,
        seq: steps,
        timestamp_us: 1,
        kind: ChannelKind::Custom,
        nx: field::NX as u32,
        ny: field::NY as u32,
        range: None,
        parts: arrays
            .iter()
            .map(|(name, values)| Part {
                name: (*name).into(),
                first_index: 0,
                x: None,
                y: Array::from_f64(values),
            })
            .collect(),
        lod: None,
    }
}

fn render_state(state: &PlotState, plots: PlotTypes) -> (Vec<u8>, RenderInfo) {
    let mut out = Vec::new();
    let options = RenderOptions {
        plots,
        ..RenderOptions::default()
    };
    let info = render_with(
        state,
        &ViewState::default(),
        SIZE.0,
        SIZE.1,
        &mut out,
        &options,
    );
    (out, info)
}

/// Share of the pixels of `rect` that differ between a PNG and a render.
fn difference_in(png: &Rgb, rgb: &[u8], rect: PixelRect) -> f64 {
    let mut differ = 0usize;
    for y in rect.y..rect.y + rect.h as i32 {
        for x in rect.x..rect.x + rect.w as i32 {
            let i = (y as usize * SIZE.0 as usize + x as usize) * 3;
            if png.pixel(x as u32, y as u32) != [rgb[i], rgb[i + 1], rgb[i + 2]] {
                differ += 1;
            }
        }
    }
    differ as f64 / (rect.w as f64 * rect.h as f64)
}

fn distinct_colours_in(png: &Rgb, rect: PixelRect) -> usize {
    let mut seen = std::collections::HashSet::new();
    for y in rect.y..rect.y + rect.h as i32 {
        for x in rect.x..rect.x + rect.w as i32 {
            seen.insert(png.pixel(x as u32, y as u32));
        }
    }
    seen.len()
}

#[test]
fn the_vortex_pair_draws_what_its_plot_type_draws() {
    let dir = TempDir::new("vortex-pair");
    let steps = 150;
    // Both binaries land in target/<profile>/examples/: the computation
    // finds its viewer by name there (ServerBuilder::viewer_bin).
    bins::package_example("plotcast-viewer", "vortex_viewer");
    let out = dir.path().join("f.png");
    let mut computation = KillOnDrop(
        Command::new(bins::example("vortex"))
            .env("PLOTCAST_STEPS", steps.to_string())
            .env(
                "PLOTCAST_VIEWER_ARGS",
                format!(
                    "--headless --size {}x{} --out {}",
                    SIZE.0,
                    SIZE.1,
                    out.display()
                ),
            )
            .env_remove("PLOTCAST_VIEWER")
            .env_remove("PLOTCAST_NO_VIEWER")
            .env_remove("PLOTCAST_ADDR")
            .env_remove("PLOTCAST_TOKEN")
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let status = wait_timeout(&mut computation.0, RUN_TIMEOUT)
        .unwrap_or_else(|| panic!("vortex did not finish {steps} steps in {RUN_TIMEOUT:?}"));
    assert!(status.success(), "vortex failed: {status}");
    let marker = out.display().to_string();
    wait_until(Duration::from_secs(30), "vortex_viewer to exit", || {
        let pids = pids_with_cmdline(&marker);
        pids.iter().all(|&pid| !plotcast_testkit::procs::alive(pid))
    });
    assert!(
        out.exists(),
        "vortex_viewer wrote no PNG at {}",
        out.display()
    );
    let png = Rgb::read_png(&out);
    assert_eq!((png.width, png.height), SIZE);

    let mut state = PlotState::default();
    state.set_layout(vortex_layout());
    assert!(state.apply_frame(vortex_frame(steps), Instant::now()));
    let plots = PlotTypes::default().with(field::PLOT_TYPE, flow_plot::VortexFlow);
    let (rgb, info) = render_state(&state, plots);
    assert!(info.failures.is_empty(), "{:?}", info.failures);
    let rect = info.plot(0).expect("the flow plot has axes").rect;
    // The custom drawing is there: a colour map, arrows, markers.
    let colours = distinct_colours_in(&png, rect);
    assert!(colours > 100, "only {colours} colours in the flow plot");
    // And it is the plot type's drawing of the final data, pixel for pixel.
    let diff = difference_in(&png, &rgb, rect);
    assert!(
        diff < 0.001,
        "{:.3}% of the flow plot differs from a render of the same data ({})",
        diff * 100.0,
        out.display()
    );
}

#[test]
fn the_stock_viewer_shows_a_placeholder_for_the_vortex_flow() {
    let dir = TempDir::new("vortex-stock");
    let mut computation = KillOnDrop(
        Command::new(bins::example("vortex"))
            .env("PLOTCAST_STEPS", "100000")
            .env("PLOTCAST_NO_VIEWER", "1")
            .env("PLOTCAST_ADDR", "127.0.0.1:0")
            .env_remove("PLOTCAST_TOKEN")
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = computation.0.stderr.take().unwrap();
    let mut line = String::new();
    BufReader::new(stderr).read_line(&mut line).unwrap();
    let addr = line
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    let out = dir.path().join("p{n}.png");
    let status = Command::new(bins::viewer())
        .args([&addr, "--headless", "--frames", "3", "--timeout", "60"])
        .args(["--size", &format!("{}x{}", SIZE.0, SIZE.1)])
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "the stock viewer failed: {status}");
    let png = Rgb::read_png(&dir.path().join("p3.png"));

    // The same figure rendered here with the stock plot types.
    let mut state = PlotState::default();
    state.set_layout(vortex_layout());
    assert!(state.apply_frame(vortex_frame(1), Instant::now()));
    let (rgb, info) = render_state(&state, PlotTypes::default());
    assert!(info.plot(0).is_none() && info.failures.is_empty());
    let panel = [246, 246, 246];
    let ours = rgb.chunks(3).filter(|p| *p == panel).count();
    let theirs = png.count_near(panel, 0);
    assert!(ours > 50_000, "the placeholder panel: {ours} px");
    assert!(
        theirs.abs_diff(ours) < ours / 50,
        "the stock viewer's placeholder panel has {theirs} px, a render of it {ours}"
    );
    // Not a single colour of the flow plot's magma map at its brightest.
    assert_eq!(png.count_near([252, 253, 191], 2), 0);
    // The other plot keeps drawing: the series has its line.
    let series = info.plot(1).unwrap().rect;
    assert!(
        distinct_colours_in(&png, series) > 5,
        "the series plot is drawn"
    );
}

/// A plot type with a bug.
struct Panics;

impl PlotType for Panics {
    fn draw(&self, _: &PlotArea<'_, '_>, data: &CustomData<'_>) -> PlotResult {
        let n = data.values("n");
        assert!(n.len() > 10, "not enough values: {}", n.len());
        Ok(())
    }
}

fn wait_for_png(path: &Path) {
    wait_until(Duration::from_secs(60), "the viewer's PNG", || {
        path.exists()
    });
}

#[test]
fn a_panicking_plot_type_is_contained_in_a_running_viewer() {
    let server = plotcast::Server::builder()
        .title("panics")
        .use_env(false)
        .launch_viewer(false)
        .start()
        .unwrap();
    let wave = server.line("wave");
    let bad = server.custom("bad", "panics");
    let stop = Arc::new(AtomicBool::new(false));
    let publisher = {
        let stop = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("publisher".into())
            .spawn(move || {
                let mut k = 0.0f64;
                while !stop.load(Ordering::Relaxed) {
                    let y: Vec<f64> = (0..300).map(|i| (f64::from(i) / 30.0 + k).sin()).collect();
                    wave.publish(&y);
                    bad.publish(&[("n", &[1.0f64, 2.0])], 0, 0);
                    k += 0.1;
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
            .unwrap()
    };
    let dir = TempDir::new("panics");
    let out = dir.path().join("b{n}.png");
    let addr = server.local_addr().to_string();
    let code = Viewer::new().plot("panics", Panics).run_with([
        "panics-viewer".as_ref(),
        addr.as_ref(),
        "--headless".as_ref(),
        "--frames".as_ref(),
        "3".as_ref(),
        "--timeout".as_ref(),
        "60".as_ref(),
        "--size".as_ref(),
        "900x600".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ] as [&std::ffi::OsStr; 11]);
    stop.store(true, Ordering::Relaxed);
    publisher.join().unwrap();
    assert_eq!(
        format!("{code:?}"),
        format!("{:?}", std::process::ExitCode::SUCCESS)
    );
    let last = dir.path().join("b3.png");
    wait_for_png(&last);
    let png = Rgb::read_png(&last);

    // Where the plots are: the same layout rendered here.
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: "panics".into(),
        columns: 0,
        channels: vec![
            ChannelSpec::new(0, "wave", ChannelKind::Line),
            ChannelSpec::custom(1, "bad", "panics"),
        ],
    });
    let (_, info) = render_state(&state, PlotTypes::default().with("panics", Panics));
    let wave = info.plot(0).unwrap().rect;
    let bad = info.plot(1).unwrap().rect;
    // The line is drawn in its colour; the bad plot shows the error panel
    // with text on it.
    let blue = (wave.y..wave.y + wave.h as i32)
        .flat_map(|y| (wave.x..wave.x + wave.w as i32).map(move |x| (x, y)))
        .filter(|&(x, y)| png.pixel(x as u32, y as u32) == [0x1f, 0x77, 0xb4])
        .count();
    assert!(blue > 200, "the line is drawn ({blue} px)");
    let corner = png.pixel(
        (bad.x + bad.w as i32 - 3) as u32,
        (bad.y + bad.h as i32 - 3) as u32,
    );
    assert_eq!(corner, [253, 236, 234], "the error panel");
    assert!(distinct_colours_in(&png, bad) > 3, "the error's text");
}
