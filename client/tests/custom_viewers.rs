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

use std::time::{Duration, Instant};

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Layout};
use plotcast_testkit::frames::custom_frame;
use plotcast_testkit::procs::wait_all_gone;
use plotcast_testkit::rgb::Rect;
use plotcast_testkit::{
    bins, start_server, wait_for_file, Background, ComputationCommand, Rgb, TempDir, ViewerCommand,
};
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
    flow.options.title = field::TITLE.into();
    flow.options.x_label = field::X_LABEL.into();
    flow.options.y_label = field::Y_LABEL.into();
    flow.options.colormap = "magma".into();
    let mut speed = ChannelSpec::new(1, "max speed", ChannelKind::Series);
    speed.options.x_label = "t [s]".into();
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
        seq: steps,
        timestamp_us: 1,
        ..custom_frame(0, field::NX as u32, field::NY as u32, &arrays)
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

/// A render's plot rectangle as the image helpers take it.
fn rect_of(rect: PixelRect) -> Rect {
    (rect.x as u32, rect.y as u32, rect.w, rect.h)
}

#[test]
fn the_vortex_pair_draws_what_its_plot_type_draws() {
    let dir = TempDir::new("vortex-pair");
    let steps = 150;
    // Both binaries land in target/<profile>/examples/: the computation
    // finds its viewer by name there (ServerBuilder::viewer_bin).
    let vortex_viewer = bins::package_example("plotcast-viewer", "vortex_viewer");
    let out = dir.join("f.png");
    let viewer = ViewerCommand::program(vortex_viewer)
        .headless()
        .size(SIZE.0, SIZE.1)
        .out(&out);
    let mut computation = ComputationCommand::example("vortex")
        .steps(steps)
        .viewer_args(&viewer)
        .spawn();
    let status = computation.wait_exit(&format!("vortex to finish {steps} steps"), RUN_TIMEOUT);
    assert!(
        status.success(),
        "vortex failed: {status}\n{}",
        computation.said()
    );
    let marker = out.display().to_string();
    wait_all_gone(&marker, "vortex_viewer to exit", Duration::from_secs(30));
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
    let colours = png.distinct_colours_in(rect_of(rect));
    assert!(colours > 100, "only {colours} colours in the flow plot");
    // And it is the plot type's drawing of the final data, pixel for pixel.
    let render = Rgb::from_rgb(SIZE.0, SIZE.1, rgb);
    let diff = png.difference_in(&render, rect_of(rect));
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
    let mut computation = ComputationCommand::example("vortex")
        .steps(100_000)
        .no_viewer()
        .addr("127.0.0.1:0")
        .spawn();
    let addr = computation.serving_addr(RUN_TIMEOUT);
    let run = ViewerCommand::new()
        .source(addr)
        .headless()
        .frames(3)
        .timeout_secs(60)
        .size(SIZE.0, SIZE.1)
        .out(dir.join("p{n}.png"))
        .run(RUN_TIMEOUT);
    assert!(
        run.status.success(),
        "the stock viewer failed: {}\n{}",
        run.status,
        run.stderr
    );
    let png = Rgb::read_png(&dir.join("p3.png"));

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
        png.distinct_colours_in(rect_of(series)) > 5,
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

#[test]
fn a_panicking_plot_type_is_contained_in_a_running_viewer() {
    let server = start_server("panics");
    let wave = server.line("wave");
    let bad = server.custom("bad", "panics");
    let mut k = 0.0f64;
    let publisher = Background::repeat("publisher", move || {
        let y: Vec<f64> = (0..300).map(|i| (f64::from(i) / 30.0 + k).sin()).collect();
        wave.publish(&y);
        bad.publish(&[("n", &[1.0f64, 2.0])], 0, 0);
        k += 0.1;
        std::thread::sleep(Duration::from_millis(5));
    });
    let dir = TempDir::new("panics");
    let out = dir.join("b{n}.png");
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
    drop(publisher);
    assert_eq!(
        format!("{code:?}"),
        format!("{:?}", std::process::ExitCode::SUCCESS)
    );
    let last = dir.join("b3.png");
    wait_for_file(&last, Duration::from_secs(60));
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
    let blue = png.count_near_in(rect_of(wave), [0x1f, 0x77, 0xb4], 0);
    assert!(blue > 200, "the line is drawn ({blue} px)");
    let corner = png.pixel(
        (bad.x + bad.w as i32 - 3) as u32,
        (bad.y + bad.h as i32 - 3) as u32,
    );
    assert_eq!(corner, [253, 236, 234], "the error panel");
    assert!(
        png.distinct_colours_in(rect_of(bad)) > 3,
        "the error's text"
    );
}
