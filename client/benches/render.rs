//! The renderer at 1280×720: lines of 1e3, 1e5 and 1e6 points drawn naively
//! (every segment) and decimated (min/max per pixel column), and a 512×512
//! heatmap blitted through viridis: `cargo bench -p plotcast-viewer --bench render`.
//!
//! Each iteration renders the whole figure (frame, ticks, status line), so
//! the figures are what a window pays per frame.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Layout, Part};
use plotcast_viewer::model::PlotState;
use plotcast_viewer::render::{render_with, RenderOptions};
use plotcast_viewer::view::ViewState;

const W: u32 = 1280;
const H: u32 = 720;

fn state_with(spec: ChannelSpec, frame: Frame) -> PlotState {
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: "bench".into(),
        columns: 0,
        channels: vec![spec],
    });
    state.apply_frame(frame, Instant::now());
    state
}

fn line_state(n: usize) -> PlotState {
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / n as f64;
            (40.0 * t).sin() + 0.2 * (7919.0 * t * t).sin()
        })
        .collect();
    let frame = Frame::new(
        1,
        1,
        1,
        ChannelKind::Line,
        vec![Part::from_f64("y", None, &y)],
    );
    state_with(ChannelSpec::new(1, "line", ChannelKind::Line), frame)
}

fn heatmap_state(n: u32) -> PlotState {
    let mut v = Vec::with_capacity((n * n) as usize);
    for j in 0..n {
        for i in 0..n {
            v.push((f64::from(i) * 0.05).sin() * (f64::from(j) * 0.03).cos());
        }
    }
    let frame = Frame {
        nx: n,
        ny: n,
        ..Frame::new(
            1,
            1,
            1,
            ChannelKind::Heatmap,
            vec![Part::from_f64("", None, &v)],
        )
    };
    state_with(ChannelSpec::new(1, "heat", ChannelKind::Heatmap), frame)
}

fn lines(c: &mut Criterion) {
    let view = ViewState::default();
    let mut group = c.benchmark_group("line_1280x720");
    for n in [1_000usize, 100_000, 1_000_000] {
        let state = line_state(n);
        let mut out = Vec::new();
        for (name, decimate) in [("naive", false), ("decimated", true)] {
            let options = RenderOptions {
                decimate,
                now_unix_us: Some(2),
                ..RenderOptions::default()
            };
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| black_box(render_with(&state, &view, W, H, &mut out, &options)))
            });
        }
    }
    group.finish();
}

fn heatmap(c: &mut Criterion) {
    let view = ViewState::default();
    let state = heatmap_state(512);
    let mut out = Vec::new();
    let options = RenderOptions {
        decimate: true,
        now_unix_us: Some(2),
        ..RenderOptions::default()
    };
    c.bench_function("heatmap_512x512_at_1280x720", |b| {
        b.iter(|| black_box(render_with(&state, &view, W, H, &mut out, &options)))
    });
}

fn empty(c: &mut Criterion) {
    // The fixed cost: frame, ticks, title and status line with no data.
    let view = ViewState::default();
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: "bench".into(),
        columns: 0,
        channels: vec![ChannelSpec::new(1, "line", ChannelKind::Line)],
    });
    let mut out = Vec::new();
    let options = RenderOptions {
        decimate: true,
        now_unix_us: Some(2),
        ..RenderOptions::default()
    };
    c.bench_function("empty_plot_at_1280x720", |b| {
        b.iter(|| black_box(render_with(&state, &view, W, H, &mut out, &options)))
    });
}

fn readout(c: &mut Criterion) {
    // The mouse over a 1e5-point line: nearest point, crosshair, text box.
    let state = line_state(100_000);
    let mut out = Vec::new();
    let options = RenderOptions {
        decimate: true,
        now_unix_us: Some(2),
        ..RenderOptions::default()
    };
    let plain = ViewState::default();
    let info = render_with(&state, &plain, W, H, &mut out, &options);
    let rect = info.plots[0].rect;
    let mut hover = ViewState::default();
    hover.ui.hover = Some((
        f64::from(rect.x) + f64::from(rect.w) * 0.6,
        f64::from(rect.y) + f64::from(rect.h) * 0.5,
    ));
    let mut group = c.benchmark_group("readout_line_1e5_1280x720");
    for (name, view) in [("without", &plain), ("with", &hover)] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(render_with(&state, view, W, H, &mut out, &options)))
        });
    }
    group.finish();
}

criterion_group!(benches, lines, heatmap, empty, readout);
criterion_main!(benches);
