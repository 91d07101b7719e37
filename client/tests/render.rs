//! Renderer tests on fixed data: sizes, ink inside every plot, colorbar,
//! decimation against the naive drawing, bad values, tiny canvases, and a
//! few demo PNGs to look at (written to the temporary folder when
//! `PLOTCAST_KEEP_TEST_FILES` is set).
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, GridCell, Layout, Scale};
use plotcast_testkit::frames::{frame, part};
use plotcast_testkit::Rgb;
use plotcast_viewer::colormap::Colormap;
use plotcast_viewer::model::{ChannelData, Connection, PlotState, SeriesHistory, SeriesSet};
use plotcast_viewer::render::{
    ink_fraction, render, render_with, render_words, words_to_rgb, RenderOptions, BACKGROUND,
};
use plotcast_viewer::view::{PixelRect, PlotInfo, RenderInfo, ViewState};

fn heat_frame(channel: u32, nx: u32, ny: u32, f: impl Fn(f64, f64) -> f64) -> Frame {
    let mut v = Vec::with_capacity((nx * ny) as usize);
    for j in 0..ny {
        for i in 0..nx {
            v.push(f(
                f64::from(i) / f64::from(nx),
                f64::from(j) / f64::from(ny),
            ));
        }
    }
    Frame {
        nx,
        ny,
        ..frame(channel, ChannelKind::Heatmap, vec![part("", None, &v)])
    }
}

/// The demo figure: heatmap, multi-series line, append series, histogram.
fn demo_state() -> PlotState {
    let mut heat = ChannelSpec::new(0, "temperature", ChannelKind::Heatmap);
    heat.options.title = "Temperature field".into();
    heat.options.x_label = "x cell".into();
    heat.options.y_label = "y cell".into();
    let mut line = ChannelSpec::new(1, "profile", ChannelKind::Line);
    line.options.title = "Profiles along y = 0.5".into();
    line.options.x_label = "x".into();
    line.options.y_label = "T".into();
    let mut series = ChannelSpec::new(2, "energy", ChannelKind::Series);
    series.options.title = "Energy (append series)".into();
    series.options.x_label = "time [s]".into();
    series.options.y_label = "E".into();
    let mut bars = ChannelSpec::new(3, "hist", ChannelKind::Bars);
    bars.options.title = "Histogram of T".into();
    bars.options.x_label = "T".into();
    bars.options.y_label = "count".into();
    let layout = Layout {
        title: "heat equation — step 4200".into(),
        columns: 2,
        channels: vec![heat, line, series, bars],
    };
    let mut state = PlotState::default();
    state.set_layout(layout);
    let now = Instant::now();
    state.apply_frame(
        heat_frame(0, 128, 96, |x, y| {
            ((6.0 * x).sin() * (4.0 * y).cos() + 2.0 * (x - 0.5) * (y - 0.3)).tanh()
        }),
        now,
    );
    let xs: Vec<f64> = (0..400).map(|i| f64::from(i) / 399.0).collect();
    let a: Vec<f64> = xs.iter().map(|x| (6.0 * x).sin()).collect();
    let b: Vec<f64> = xs
        .iter()
        .map(|x| 0.6 * (9.0 * x).cos() * (-x).exp())
        .collect();
    state.apply_frame(
        frame(
            1,
            ChannelKind::Line,
            vec![
                part("t = 1.0", Some(&xs), &a),
                part("t = 2.0", Some(&xs), &b),
            ],
        ),
        now,
    );
    let t: Vec<f64> = (0..2000).map(|i| 100.0 + f64::from(i) * 0.01).collect();
    let kinetic: Vec<f64> = t
        .iter()
        .map(|t| 1.0 + 0.3 * (t * 0.7).sin() + 0.05 * (t * 13.0).sin())
        .collect();
    let potential: Vec<f64> = t.iter().map(|t| 0.8 - 0.3 * (t * 0.7).sin()).collect();
    state.data.insert(
        2,
        ChannelData::Series(SeriesSet::from_series([
            SeriesHistory::from_points("kinetic", &t, &kinetic),
            SeriesHistory::from_points("potential", &t, &potential),
        ])),
    );
    let edges: Vec<f64> = (0..=30).map(|i| -1.0 + f64::from(i) * 2.0 / 30.0).collect();
    let heights: Vec<f64> = (0..30)
        .map(|i| {
            let c = -1.0 + (f64::from(i) + 0.5) * 2.0 / 30.0;
            1000.0 * (-c * c * 3.0).exp()
        })
        .collect();
    state.apply_frame(
        frame(3, ChannelKind::Bars, vec![part("", Some(&edges), &heights)]),
        now,
    );
    state.status.server_name = "heat".into();
    state.status.address = "127.0.0.1:7931".into();
    state.status.connection = Connection::Connected;
    state.status.fps = 59.8;
    state.status.frames_received = 12345;
    state.status.frames_skipped = 67;
    state
}

fn options() -> RenderOptions {
    RenderOptions {
        now_unix_us: Some(1_250_000),
        ..RenderOptions::default()
    }
}

/// Renders `state` unzoomed at `w × h`, with the test's options.
fn draw(state: &PlotState, w: u32, h: u32, out: &mut Vec<u8>) -> RenderInfo {
    render_with(state, &ViewState::default(), w, h, out, &options())
}

fn inner(rect: PixelRect) -> PixelRect {
    PixelRect {
        x: rect.x + 1,
        y: rect.y + 1,
        w: rect.w.saturating_sub(2),
        h: rect.h.saturating_sub(2),
    }
}

/// Writes a rendered image to the temporary folder for a person to look
/// at, only when `PLOTCAST_KEEP_TEST_FILES` is set (tests leave no files
/// behind otherwise, and parallel runs cannot clash).
fn keep_png(name: &str, width: u32, height: u32, rgb: &[u8]) {
    Rgb::from_rgb(width, height, rgb.to_vec()).keep(name);
}

#[test]
fn demo_figure_has_every_plot_and_is_saved() {
    let state = demo_state();
    let mut out = Vec::new();
    let info = draw(&state, 1280, 720, &mut out);
    assert_eq!(out.len(), 1280 * 720 * 3);
    assert_eq!(info.plots.len(), 4);
    for plot in &info.plots {
        let ink = ink_fraction(&out, 1280, inner(plot.rect), BACKGROUND);
        assert!(
            ink > 0.005,
            "plot {} has too little ink: {ink}",
            plot.channel
        );
        assert!(plot.rect.w > 300 && plot.rect.h > 150, "{plot:?}");
    }
    // The heatmap fills its area completely.
    let heat = info.plot(0).unwrap();
    assert!(ink_fraction(&out, 1280, inner(heat.rect), BACKGROUND) > 0.99);
    keep_png("render_demo.png", 1280, 720, &out);
}

fn pixel(out: &[u8], width: u32, x: i32, y: i32) -> [u8; 3] {
    let i = (y as usize * width as usize + x as usize) * 3;
    [out[i], out[i + 1], out[i + 2]]
}

#[test]
fn heatmap_has_a_viridis_colorbar_right_of_the_plot() {
    let mut spec = ChannelSpec::new(7, "field", ChannelKind::Heatmap);
    spec.options.y_range = Some((0.0, 1.0));
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: String::new(),
        columns: 0,
        channels: vec![spec],
    });
    state.apply_frame(heat_frame(7, 64, 64, |x, _| x), Instant::now());
    let (w, h) = (800, 600);
    let mut out = Vec::new();
    let info = render(&state, &ViewState::default(), w, h, &mut out);
    let plot: &PlotInfo = info.plot(7).unwrap();
    let viridis = Colormap::viridis();
    let close = |a: [u8; 3], b: [u8; 3]| a.iter().zip(b).all(|(p, q)| p.abs_diff(q) <= 2);
    // Scan right of the plot for a column whose top is yellow and bottom purple.
    let mid_y = plot.rect.y + plot.rect.h as i32 / 2;
    let found = (plot.rect.right() + 2..w as i32).find(|&x| {
        close(pixel(&out, w, x, plot.rect.y + 1), viridis.color(1.0))
            && close(
                pixel(&out, w, x, plot.rect.bottom() - 1),
                viridis.color(0.0),
            )
            && close(pixel(&out, w, x, mid_y), viridis.color(0.5))
    });
    assert!(
        found.is_some(),
        "no viridis colorbar right of {:?}",
        plot.rect
    );
    // Column 0 of the grid (value 0) is at the left, the last at the right.
    assert!(close(
        pixel(&out, w, plot.rect.x + 1, mid_y),
        viridis.color(0.0)
    ));
    assert!(close(
        pixel(&out, w, plot.rect.right() - 1, mid_y),
        viridis.color(63.0 / 64.0)
    ));
}

fn big_line_state(n: usize) -> PlotState {
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: String::new(),
        columns: 0,
        channels: vec![ChannelSpec::new(1, "noise", ChannelKind::Line)],
    });
    // A noisy oscillation: many points per pixel column, with spikes.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let y: Vec<f64> = (0..n)
        .map(|i| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let noise = (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            (i as f64 * 2e-5).sin() + 0.3 * noise + if i % 99_991 == 0 { 2.0 } else { 0.0 }
        })
        .collect();
    state.apply_frame(
        frame(1, ChannelKind::Line, vec![part("", None, &y)]),
        Instant::now(),
    );
    state
}

/// Decimation changes (almost) nothing: rendering a 1e6-point line with and
/// without decimation at 1280×720 must give the same picture, allowing at
/// most 0.5 % of the plot area's pixels to differ (anti-aliased edges blend
/// in a different order when overlapping segments are dropped), and the
/// set of inked pixels in every column must span the same rows within
/// one pixel.
#[test]
fn decimated_million_point_line_matches_naive_drawing() {
    let state = big_line_state(1_000_000);
    let view = ViewState::default();
    let (w, h) = (1280u32, 720u32);
    let mut naive = Vec::new();
    let mut fast = Vec::new();
    let info = render_with(
        &state,
        &view,
        w,
        h,
        &mut naive,
        &RenderOptions {
            decimate: false,
            ..options()
        },
    );
    render_with(&state, &view, w, h, &mut fast, &options());
    let rect = info.plots[0].rect;
    let mut differ = 0usize;
    for y in rect.y..=rect.bottom() {
        for x in rect.x..=rect.right() {
            if pixel(&naive, w, x, y) != pixel(&fast, w, x, y) {
                differ += 1;
            }
        }
    }
    let total = rect.w as usize * rect.h as usize;
    let share = differ as f64 / total as f64;
    eprintln!("decimated vs naive: {differ} of {total} plot pixels differ");
    assert!(
        share <= 0.005,
        "{differ} of {total} pixels differ ({:.3} %)",
        share * 100.0
    );
    let inked = |buf: &[u8], x: i32| {
        let rows: Vec<i32> = (rect.y..=rect.bottom())
            .filter(|&y| pixel(buf, w, x, y)[0] < 200)
            .collect();
        (rows.first().copied(), rows.last().copied())
    };
    for x in rect.x..=rect.right() {
        let (a, b) = (inked(&naive, x), inked(&fast, x));
        let near = |p: Option<i32>, q: Option<i32>| match (p, q) {
            (Some(p), Some(q)) => (p - q).abs() <= 1,
            (None, None) => true,
            _ => false,
        };
        assert!(
            near(a.0, b.0) && near(a.1, b.1),
            "column {x}: naive {a:?}, decimated {b:?}"
        );
    }
}

#[test]
fn bad_values_and_odd_frames_do_not_panic() {
    let bad = [
        f64::NAN,
        f64::INFINITY,
        -f64::INFINITY,
        1.0,
        f64::NAN,
        2.0,
        f64::MAX,
        -f64::MAX,
        0.0,
        -1.0,
    ];
    let kinds = [
        ChannelKind::Line,
        ChannelKind::Scatter,
        ChannelKind::Bars,
        ChannelKind::Heatmap,
        ChannelKind::Series,
    ];
    let mut channels = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        for (j, scale) in [Scale::Linear, Scale::Log].into_iter().enumerate() {
            let mut spec = ChannelSpec::new((i * 2 + j) as u32, format!("{kind:?}"), *kind);
            spec.options.x_scale = scale;
            spec.options.y_scale = scale;
            if j == 1 {
                spec.options.y_range = Some((f64::NAN, -3.0));
                spec.options.cell = Some(GridCell {
                    row: 9,
                    col: 9,
                    rows: 1,
                    cols: 1,
                });
            }
            channels.push(spec);
        }
    }
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: "bad".into(),
        columns: 0,
        channels: channels.clone(),
    });
    let now = Instant::now();
    for spec in &channels {
        let f = match spec.kind {
            ChannelKind::Heatmap => Frame {
                nx: 5,
                ny: 2,
                range: Some((f64::NAN, 1.0)),
                ..frame(spec.id, spec.kind, vec![part("", None, &bad)])
            },
            ChannelKind::Bars => frame(
                spec.id,
                spec.kind,
                vec![part("a", Some(&bad[..9]), &bad[..8]), part("b", None, &bad)],
            ),
            _ => frame(
                spec.id,
                spec.kind,
                vec![part("a", Some(&bad), &bad), part("", None, &bad)],
            ),
        };
        state.apply_frame(f, now);
    }
    let mut view = ViewState::default();
    view.manual.insert(
        0,
        plotcast_viewer::model::AxisView {
            x: (f64::NAN, 1.0),
            y: (2.0, 2.0),
        },
    );
    let mut out = Vec::new();
    for (w, h) in [
        (1280, 720),
        (640, 480),
        (300, 200),
        (1, 1),
        (0, 0),
        (31, 17),
        (2000, 30),
        (40, 900),
    ] {
        let info = render_with(&state, &view, w, h, &mut out, &options());
        assert_eq!(out.len(), (w * h * 3) as usize);
        for p in &info.plots {
            assert!(p.view.x.0.is_finite() && p.view.x.0 < p.view.x.1, "{p:?}");
            assert!(p.view.y.0.is_finite() && p.view.y.0 < p.view.y.1, "{p:?}");
        }
    }
}

#[test]
fn every_size_from_tiny_to_large_renders() {
    let state = demo_state();
    let mut out = Vec::new();
    for w in [1u32, 2, 5, 33, 64, 100, 160, 240, 333, 480, 640, 1024] {
        for h in [1u32, 3, 24, 25, 50, 80, 120, 200, 360, 481] {
            render_with(&state, &ViewState::default(), w, h, &mut out, &options());
            assert_eq!(out.len(), (w * h * 3) as usize);
        }
    }
    let info = render(&state, &ViewState::default(), 640, 480, &mut out);
    assert_eq!(info.plots.len(), 4, "all four plots fit at 640x480");
    keep_png("render_demo_small.png", 640, 480, &out);
}

#[test]
fn waiting_channels_and_empty_layouts_draw() {
    let mut state = PlotState::default();
    let mut out = Vec::new();
    let info = render(&state, &ViewState::default(), 640, 480, &mut out);
    assert!(info.plots.is_empty());
    state.set_layout(Layout {
        title: String::new(),
        columns: 0,
        channels: vec![ChannelSpec::new(1, "later", ChannelKind::Line)],
    });
    let info = render(&state, &ViewState::default(), 640, 480, &mut out);
    assert_eq!(info.plots.len(), 1);
    assert!(!info.plots[0].has_data);
    // "waiting for data" is written inside the empty plot.
    assert!(ink_fraction(&out, 640, inner(info.plots[0].rect), BACKGROUND) > 0.001);
}

#[test]
fn manual_view_and_fixed_ranges_are_respected() {
    let mut spec = ChannelSpec::new(1, "fixed", ChannelKind::Line);
    spec.options.x_range = Some((-10.0, 10.0));
    spec.options.y_range = Some((0.0, 5.0));
    let mut log = ChannelSpec::new(2, "log", ChannelKind::Scatter);
    log.options.y_scale = Scale::Log;
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: String::new(),
        columns: 0,
        channels: vec![spec, log],
    });
    let now = Instant::now();
    state.apply_frame(
        frame(1, ChannelKind::Line, vec![part("", None, &[1.0, 2.0, 3.0])]),
        now,
    );
    state.apply_frame(
        frame(
            2,
            ChannelKind::Scatter,
            vec![part("", Some(&[1.0, 2.0, 3.0]), &[0.0, 10.0, 1000.0])],
        ),
        now,
    );
    let mut out = Vec::new();
    let mut view = ViewState::default();
    let info = render(&state, &view, 900, 400, &mut out);
    assert_eq!(info.plot(1).unwrap().view.x, (-10.0, 10.0));
    assert_eq!(info.plot(1).unwrap().view.y, (0.0, 5.0));
    let log_view = info.plot(2).unwrap().view;
    assert!(
        log_view.y.0 > 0.0 && log_view.y.0 < 10.0 && log_view.y.1 > 1000.0,
        "{log_view:?}"
    );
    // Zoom with the helper, then the next render draws exactly that view.
    let r = info.plot(1).unwrap().rect;
    let (cx, cy) = (
        f64::from(r.x) + f64::from(r.w) / 2.0,
        f64::from(r.y) + f64::from(r.h) / 2.0,
    );
    assert_eq!(info.zoom(&mut view, cx, cy, 2.0), Some(1));
    let info2 = render(&state, &view, 900, 400, &mut out);
    assert_eq!(info2.plot(1).unwrap().view, view.manual[&1]);
    let v = view.manual[&1];
    assert!((v.x.1 - v.x.0 - 10.0).abs() < 0.1, "{v:?}");
}

/// Zoomed in on lines, series, bars and the heatmap: data stays inside the
/// plotting areas (no ink in the strip just left of each plot's box, where
/// only tick marks may appear). Kept as `render_zoom.png` (see `keep_png`).
#[test]
fn zoomed_views_are_clipped_to_the_plot() {
    let state = demo_state();
    let mut out = Vec::new();
    let info = draw(&state, 1280, 720, &mut out);
    let mut view = ViewState::default();
    for plot in &info.plots {
        let r = plot.rect;
        let (cx, cy) = (
            f64::from(r.x) + f64::from(r.w) * 0.3,
            f64::from(r.y) + f64::from(r.h) * 0.6,
        );
        info.zoom(&mut view, cx, cy, 3.0);
        info.pan(&mut view, plot.channel, 25.0, -10.0);
    }
    let zoomed = render_with(&state, &view, 1280, 720, &mut out, &options());
    keep_png("render_zoom.png", 1280, 720, &out);
    for plot in &zoomed.plots {
        assert_eq!(Some(plot.view), view.manual.get(&plot.channel).copied());
        // A thin strip above the box (inside the plot title's margin) stays white.
        let above = PixelRect {
            x: plot.rect.x + 2,
            y: plot.rect.y - 4,
            w: plot.rect.w - 4,
            h: 2,
        };
        assert_eq!(ink_fraction(&out, 1280, above, BACKGROUND), 0.0, "{plot:?}");
    }
}

/// Scatter with two series, a log-scale line, a diverging heatmap, bars
/// from centres with two overlaid series, at 960×640: `/tmp/render_demo2.png`.
#[test]
fn second_demo_scatter_log_diverging_bars() {
    let mut scatter = ChannelSpec::new(0, "clusters", ChannelKind::Scatter);
    scatter.options.x_label = "position x [m]".into();
    scatter.options.y_label = "position y [m]".into();
    let mut log = ChannelSpec::new(1, "residual", ChannelKind::Line);
    log.options.y_scale = Scale::Log;
    log.options.x_label = "iteration".into();
    log.options.y_label = "residual".into();
    let mut heat = ChannelSpec::new(2, "vorticity", ChannelKind::Heatmap);
    heat.options.colormap = "RdBu_r".into();
    let mut bars = ChannelSpec::new(3, "spectrum", ChannelKind::Bars);
    bars.options.x_label = "mode".into();
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: String::new(),
        columns: 0,
        channels: vec![scatter, log, heat, bars],
    });
    let now = Instant::now();
    let pts = |cx: f64, cy: f64, k: u32| -> (Vec<f64>, Vec<f64>) {
        (0..300)
            .map(|i| {
                let a = f64::from(i * k) * 0.618;
                let r = (f64::from(i) / 300.0).sqrt();
                (cx + r * a.cos(), cy + r * a.sin() * 0.6)
            })
            .unzip()
    };
    let (ax, ay) = pts(0.0, 0.0, 7);
    let (bx, by) = pts(1.5, 1.0, 11);
    state.apply_frame(
        frame(
            0,
            ChannelKind::Scatter,
            vec![part("A", Some(&ax), &ay), part("B", Some(&bx), &by)],
        ),
        now,
    );
    let res: Vec<f64> = (0..500)
        .map(|i| 10f64.powf(-f64::from(i) / 60.0) * (1.0 + 0.3 * (f64::from(i) * 0.3).sin()))
        .collect();
    state.apply_frame(frame(1, ChannelKind::Line, vec![part("", None, &res)]), now);
    state.apply_frame(
        heat_frame(2, 200, 100, |x, y| {
            ((x - 0.5) * 12.0).sin() * ((y - 0.5) * 8.0).cos() * 3.0
        }),
        now,
    );
    let c: Vec<f64> = (1..=20).map(f64::from).collect();
    let h1: Vec<f64> = c.iter().map(|k| 100.0 / k).collect();
    let h2: Vec<f64> = c.iter().map(|k| 60.0 / k.sqrt()).collect();
    state.apply_frame(
        frame(
            3,
            ChannelKind::Bars,
            vec![part("run 1", Some(&c), &h1), part("run 2", Some(&c), &h2)],
        ),
        now,
    );
    state.status.connection = Connection::Ended {
        reason: "finished normally".into(),
    };
    state.status.paused = true;
    let mut out = Vec::new();
    let info = draw(&state, 960, 640, &mut out);
    assert_eq!(info.plots.len(), 4);
    for plot in &info.plots {
        assert!(
            ink_fraction(&out, 960, inner(plot.rect), BACKGROUND) > 0.003,
            "{plot:?}"
        );
    }
    keep_png("render_demo2.png", 960, 640, &out);
}

/// Ranges whose span overflows f64 or sits near the smallest subnormal, in a
/// frame, in the layout and in the data: each render finishes (it used to
/// spin forever in the colour-bar ticks, or overflow in the tick step).
#[test]
fn extreme_ranges_render_in_bounded_time() {
    type Case = (Option<(f64, f64)>, Option<(f64, f64)>, Vec<f64>);
    let cases: Vec<Case> = vec![
        (Some((-1e308, 1e308)), None, vec![0.0, 1.0]),
        (None, Some((-1e308, 1e308)), vec![0.0, 1.0]),
        (Some((0.0, 5e-324)), None, vec![0.0, 1.0]),
        (Some((1e-320, 2e-320)), None, vec![0.0, 1.0]),
        (None, None, vec![-1e308, 1e308]),
        (None, None, vec![0.0, 5e-324]),
        (None, None, vec![-f64::MAX, f64::MAX]),
    ];
    for (i, (frame_range, layout_range, values)) in cases.into_iter().enumerate() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name(format!("render-case-{i}"))
            .spawn(move || {
                let mut heat = ChannelSpec::new(0, "h", ChannelKind::Heatmap);
                heat.options.y_range = layout_range;
                let mut line = ChannelSpec::new(1, "l", ChannelKind::Line);
                line.options.y_range = frame_range;
                let mut state = PlotState::default();
                state.set_layout(Layout {
                    title: "t".into(),
                    columns: 0,
                    channels: vec![heat, line],
                });
                let f = Frame {
                    nx: 2,
                    ny: 1,
                    range: frame_range,
                    ..frame(0, ChannelKind::Heatmap, vec![part("", None, &values)])
                };
                state.apply_frame(f, Instant::now());
                let f = frame(1, ChannelKind::Line, vec![part("", None, &values)]);
                state.apply_frame(f, Instant::now());
                let mut out = Vec::new();
                let info = draw(&state, 640, 480, &mut out);
                let _ = tx.send(info.plots.len());
            })
            .expect("starting a render thread");
        let plots = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("case {i}: the render hung or panicked"));
        assert_eq!(plots, 2, "case {i}: both plots drawn");
    }
}

/// The window draws on softbuffer's words, PNGs and Python on RGB bytes:
/// the same figure (heatmap, lines, series, bars, the readout under the
/// mouse and the help overlay over them) must be the same picture in both.
#[test]
fn the_window_words_and_the_rgb_render_are_one_picture() {
    let state = demo_state();
    let (w, h) = (900u32, 620u32);
    let mut view = ViewState::default();
    view.ui.hover = Some((300.0, 200.0));
    for help in [false, true] {
        view.ui.help = help;
        let mut rgb = Vec::new();
        let from_rgb = render_with(&state, &view, w, h, &mut rgb, &options());
        // Extra words past the canvas are left alone.
        let mut words = vec![0xdead_beef_u32; (w * h) as usize + 7];
        let from_words = render_words(&state, &view, w, h, &mut words, &options());
        assert!(words[(w * h) as usize..].iter().all(|&x| x == 0xdead_beef));
        let mut converted = Vec::new();
        words_to_rgb(&words[..(w * h) as usize], &mut converted);
        // Plotters blends translucent lines (the crosshair) with its own
        // rounding per pixel format: a level apart in a few pixels.
        let mut differ = 0;
        for (i, (a, b)) in converted
            .chunks_exact(3)
            .zip(rgb.chunks_exact(3))
            .enumerate()
        {
            let apart = a
                .iter()
                .zip(b)
                .map(|(x, y)| x.abs_diff(*y))
                .max()
                .unwrap_or(0);
            let (x, y) = (i as u32 % w, i as u32 / w);
            assert!(
                apart <= 1,
                "help {help}: ({x}, {y}) is {a:?} in words, {b:?} in RGB"
            );
            differ += usize::from(apart > 0);
        }
        assert!(
            differ <= 16,
            "help {help}: {differ} pixels a level apart between words and RGB"
        );
        assert_eq!(from_words.plots.len(), 4, "help {help}: every plot drawn");
        assert_eq!(
            format!("{:?}", from_words.plots),
            format!("{:?}", from_rgb.plots),
            "help {help}: the same plots in the same places"
        );
        assert!(
            ink_fraction(&rgb, w, PixelRect { x: 0, y: 0, w, h }, BACKGROUND) > 0.05,
            "help {help}: something drawn"
        );
    }
    // Too few words: nothing drawn, nothing touched.
    let mut short = vec![7u32; 10];
    let info = render_words(&state, &view, w, h, &mut short, &options());
    assert!(info.plots.is_empty());
    assert!(short.iter().all(|&x| x == 7));
}
