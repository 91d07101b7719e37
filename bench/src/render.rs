//! Section 7: the renderer at 1280 × 720.

use std::time::Instant;

use anyhow::Result;
use plotcast_protocol::{Array, ChannelKind, ChannelSpec, Frame, Layout, Part};
use plotcast_viewer::render::{render_with, RenderOptions};
use plotcast_viewer::state::{PlotState, ViewState};

use crate::common::Scale;
use crate::report::{percentile, Report, Row};

fn one_channel(kind: ChannelKind, nx: u32, ny: u32, y: Vec<f64>) -> PlotState {
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: "bench".into(),
        columns: 1,
        channels: vec![ChannelSpec::new(0, "data", kind)],
    });
    state.apply_frame(
        Frame {
            channel: 0,
            seq: 1,
            timestamp_us: 0,
            kind,
            nx,
            ny,
            range: None,
            parts: vec![Part {
                name: String::new(),
                first_index: 0,
                x: None,
                y: Array::from_f64(&y),
            }],
            lod: None,
        },
        Instant::now(),
    );
    state
}

fn time_ms(state: &PlotState, decimate: bool, rounds: usize) -> f64 {
    let view = ViewState::default();
    let options = RenderOptions {
        decimate,
        now_unix_us: Some(0),
        ..RenderOptions::default()
    };
    let mut rgb = Vec::new();
    let mut ms: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            render_with(state, &view, 1280, 720, &mut rgb, &options);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    percentile(&mut ms, 50.0)
}

/// Lines of 1e3, 1e5 and 1e6 points naive vs decimated, and a 512² heatmap.
pub fn renderer(report: &mut Report, scale: Scale) -> Result<()> {
    for n in [1_000usize, 100_000, 1_000_000] {
        let y: Vec<f64> = (0..n)
            .map(|i| (i as f64 * 0.001).sin() + (i as f64 * 0.37).sin() * 0.2)
            .collect();
        let state = one_channel(ChannelKind::Line, 0, 0, y);
        let rounds = scale.pick(if n == 1_000_000 { 7 } else { 21 }, 1);
        let decimated = time_ms(&state, true, rounds);
        let naive = time_ms(&state, false, rounds.min(scale.pick(5, 1)));
        let target = (n == 1_000_000).then(|| ("≤ 16 ms".to_owned(), decimated <= 16.0));
        report.add(Row {
            section: "7 render".into(),
            figure: format!("line of {n} points, decimated, 1280x720"),
            value: decimated,
            unit: "ms",
            reference: Some(("naive (every segment)".into(), naive)),
            target,
        });
    }
    let grid: Vec<f64> = (0..512 * 512)
        .map(|i| ((i % 512) as f64 * 0.02).sin() * ((i / 512) as f64 * 0.03).cos())
        .collect();
    let state = one_channel(ChannelKind::Heatmap, 512, 512, grid);
    let ms = time_ms(&state, true, scale.pick(21, 1));
    let empty = time_ms(&PlotState::default(), true, scale.pick(21, 1));
    report.add(Row {
        section: "7 render".into(),
        figure: "heatmap 512x512 with colorbar, 1280x720".into(),
        value: ms,
        unit: "ms",
        reference: Some(("empty figure".into(), empty)),
        target: Some(("≤ 5 ms".into(), ms <= 5.0)),
    });
    Ok(())
}
