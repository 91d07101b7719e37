//! Section 5: how old a frame is when the viewer has finished drawing it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;

use crate::common::{server, Scale};
use crate::draw_loop::{watch, Watch};
use crate::report::{percentile, Report, Row};

/// A viewer that renders the newest state at 1280 × 720 as fast as it can
/// and notes the age of what each draw shows (server publish time to end of
/// drawing) while a publisher sends a heatmap and a line every millisecond.
pub fn staleness(report: &mut Report, scale: Scale) -> Result<()> {
    let secs = scale.pick(5.0, 0.5);
    let server = server("bench-staleness")?;
    let heat = server.heatmap("field");
    let line = server.line("profile");
    let stop = Arc::new(AtomicBool::new(false));
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
    // The viewer library's own network side and a drawing loop that draws
    // every new state as soon as it can (no refresh cap): the same flow
    // control as the real viewer.
    let watched = watch(server.local_addr(), Watch::new(None, secs))?;
    anyhow::ensure!(watched.frames > 0, "no frame drawn");
    let mut render_ms = watched.render_ms;
    let mut start_ages_ms = watched.start_ages_ms;
    let mut ages_ms: Vec<f64> = watched.ages_ms.iter().map(|(_, a)| *a).collect();
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
