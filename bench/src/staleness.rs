//! Section 5: how old a frame is when the viewer has finished drawing it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use plotcast_viewer::render::render;
use plotcast_viewer::state::{PlotState, ViewState};

use crate::common::{server, wait_viewers, Scale};
use crate::report::{percentile, Report, Row};
use plotcast_protocol::util::unix_now_us;

use crate::viewer::connect;

/// A viewer that renders every batch at 1280 × 720 and notes each frame's
/// age (server publish time to end of drawing) while a publisher sends a
/// heatmap and a line every millisecond.
pub fn staleness(report: &mut Report, scale: Scale) -> Result<()> {
    let secs = scale.pick(5.0, 0.5);
    let server = server("bench-staleness")?;
    let heat = server.heatmap("field");
    let line = server.line("profile");
    let stop = Arc::new(AtomicBool::new(false));
    let mut viewer = connect(server.local_addr(), "bench-render")?;
    wait_viewers(&server, 1)?;
    let publisher = {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("bench-publisher".into())
            .spawn(move || {
                let n = 256;
                let mut grid = vec![0.0f64; n * n];
                let mut ys = vec![0.0f64; 10_000];
                let mut k = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    grid[k % (n * n)] += 1.0;
                    let at = k % ys.len();
                    ys[at] = (k as f64).sin();
                    heat.publish(&grid, n, n);
                    line.publish(&ys);
                    k += 1;
                    std::thread::sleep(Duration::from_millis(1));
                }
            })?
    };
    let mut state = PlotState::default();
    let view = ViewState::default();
    let mut rgb = Vec::new();
    let (mut ages_ms, mut render_ms) = (Vec::new(), Vec::new());
    // Age when drawing starts: what plotcast itself adds (publish interval,
    // pull round trip, transfer, decode), without the drawing.
    let mut start_ages_ms = Vec::new();
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        let batch = viewer.try_batch()?;
        if let Some(layout) = batch.layout {
            state.set_layout(layout);
        }
        let frames = batch.frames;
        let stamps: Vec<u64> = frames.iter().map(|f| f.timestamp_us).collect();
        for f in frames {
            state.apply_frame(f, Instant::now());
        }
        let t = Instant::now();
        let begun = unix_now_us();
        start_ages_ms.extend(
            stamps
                .iter()
                .map(|&ts| begun.saturating_sub(ts) as f64 / 1e3),
        );
        render(&state, &view, 1280, 720, &mut rgb);
        render_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let done = unix_now_us();
        ages_ms.extend(
            stamps
                .iter()
                .map(|&ts| done.saturating_sub(ts) as f64 / 1e3),
        );
    }
    stop.store(true, Ordering::Relaxed);
    let _ = publisher.join();
    drop(server);
    let period = percentile(&mut render_ms, 50.0);
    let period_p99 = percentile(&mut render_ms, 99.0);
    let start_p50 = percentile(&mut start_ages_ms, 50.0);
    let start_p99 = percentile(&mut start_ages_ms, 99.0);
    let p50 = percentile(&mut ages_ms, 50.0);
    let p99 = percentile(&mut ages_ms, 99.0);
    report.add(Row {
        section: "5 staleness".into(),
        figure: format!(
            "frame age at end of drawing, p50 ({} frames)",
            ages_ms.len()
        ),
        value: p50,
        unit: "ms",
        reference: Some(("render period (median)".into(), period)),
        target: None,
    });
    report.add(Row {
        section: "5 staleness".into(),
        figure: "frame age at end of drawing, p99".into(),
        value: p99,
        unit: "ms",
        reference: Some(("render period (median)".into(), period)),
        target: Some(("p99 ≤ render period + 1 ms".into(), p99 <= period + 1.0)),
    });
    report.add(Row {
        section: "5 staleness".into(),
        figure: "render time p99 (drawing jitter on this machine)".into(),
        value: period_p99,
        unit: "ms",
        reference: Some(("render period (median)".into(), period)),
        target: None,
    });
    report.add(Row {
        section: "5 staleness".into(),
        figure: format!("frame age when drawing starts, p99 (p50 {start_p50:.2} ms)"),
        value: start_p99,
        unit: "ms",
        reference: Some(("publish interval".into(), 1.0)),
        target: None,
    });
    Ok(())
}
