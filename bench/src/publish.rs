//! Sections 1 and 2: what `publish()` costs the computation.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::common::{server, wait_viewers, Scale};
use crate::report::{percentile, Report, Row};
use crate::viewer::{spawn_reader, stalled, ReaderTotals};

/// Section 1: publish cost for 1e3 and 1e5 points with 0, 1 and 100
/// (stalled) viewers, next to a memcpy of the same bytes in the same loop.
pub fn publish_cost(report: &mut Report, scale: Scale) -> Result<()> {
    for (n, iters) in [
        (1_000usize, scale.pick(20_000, 300)),
        (100_000, scale.pick(2_000, 30)),
    ] {
        for viewers in ["0 viewers", "1 reading viewer", "100 stalled viewers"] {
            let server = server("bench-publish")?;
            let line = server.line("y");
            let stop = Arc::new(AtomicBool::new(false));
            let mut reader = None;
            let mut stalled_conns = Vec::new();
            match viewers {
                "1 reading viewer" => {
                    reader = Some(spawn_reader(
                        server.local_addr(),
                        stop.clone(),
                        Arc::new(ReaderTotals::default()),
                        |_| {},
                    )?);
                    wait_viewers(&server, 1)?;
                }
                "100 stalled viewers" => {
                    for _ in 0..100 {
                        stalled_conns.push(stalled(server.local_addr())?);
                    }
                    wait_viewers(&server, 100)?;
                }
                _ => {}
            }
            let mut ys: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let mut dst = vec![0.0f64; n];
            let mut publish_ns = Vec::with_capacity(iters);
            let mut memcpy_ns = Vec::with_capacity(iters);
            for i in 0..iters {
                ys[i % n] = i as f64;
                let t0 = Instant::now();
                dst.copy_from_slice(black_box(&ys));
                black_box(&dst);
                let t1 = Instant::now();
                line.publish(black_box(&ys));
                let t2 = Instant::now();
                memcpy_ns.push((t1 - t0).as_nanos() as f64);
                publish_ns.push((t2 - t1).as_nanos() as f64);
            }
            stop.store(true, Ordering::Relaxed);
            drop(server);
            if let Some(r) = reader {
                let _ = r.join();
            }
            drop(stalled_conns);
            let p50 = percentile(&mut publish_ns, 50.0) / 1000.0;
            let p99 = percentile(&mut publish_ns, 99.0) / 1000.0;
            let m50 = percentile(&mut memcpy_ns, 50.0) / 1000.0;
            let m99 = percentile(&mut memcpy_ns, 99.0) / 1000.0;
            let section = "1 publish".to_owned();
            report.add(Row {
                section: section.clone(),
                figure: format!("publish {n} f64, {viewers}, median"),
                value: p50,
                unit: "µs",
                reference: Some(("memcpy median".into(), m50)),
                target: Some(("≤ 2x memcpy".into(), p50 <= 2.0 * m50)),
            });
            let p99_target = if n == 1_000 {
                Some(("p99 ≤ 10 µs".into(), p99 <= 10.0))
            } else {
                None
            };
            report.add(Row {
                section,
                figure: format!("publish {n} f64, {viewers}, p99"),
                value: p99,
                unit: "µs",
                reference: Some(("memcpy p99".into(), m99)),
                target: p99_target,
            });
        }
    }
    Ok(())
}

const N: usize = 256;

/// One Jacobi sweep of the 256 × 256 grid into `out` (interior cells and
/// the held centre; the boundary stays as it is: zero).
fn sweep(grid: &[f64], out: &mut [f64]) {
    for j in 1..N - 1 {
        for i in 1..N - 1 {
            let k = j * N + i;
            out[k] = 0.25 * (grid[k - 1] + grid[k + 1] + grid[k - N] + grid[k + N]);
        }
    }
    out[N * N / 2 + N / 2] = 1.0;
}

/// The fixed numeric kernel: `steps` Jacobi sweeps of a 256 × 256 grid,
/// publishing the grid every 10 sweeps when a handle is given.
fn kernel(grid: &mut [f64], next: &mut [f64], steps: usize, heat: Option<&plotcast::Heatmap>) {
    for s in 0..steps {
        sweep(grid, next);
        grid.copy_from_slice(next);
        if let (Some(h), 0) = (heat, s % 10) {
            h.publish(grid, N, N);
        }
    }
}

/// The same kernel publishing through lent frames: every 10th sweep is
/// written straight into a frame (`Heatmap::frame`), published, and read
/// back as the grid, where the plain kernel copies from its `next` buffer:
/// the same work as not publishing at all.
fn kernel_lent(grid: &mut [f64], next: &mut [f64], steps: usize, heat: &plotcast::Heatmap) {
    for s in 0..steps {
        if s % 10 == 0 {
            // A lent buffer holds an earlier frame (or zeros): its boundary
            // is zero like every grid's.
            let mut frame = heat.frame(N, N);
            sweep(grid, &mut frame);
            grid.copy_from_slice(&frame.publish());
        } else {
            sweep(grid, next);
            grid.copy_from_slice(next);
        }
    }
}

/// Section 2: the kernel's wall time with a viewer attached, next to the
/// same kernel publishing to nobody and to no plotcast at all, interleaved
/// round by round so drift of the machine hits all three alike.
///
/// The kernel publishes its 512 KiB grid every 10 sweeps, about a thousand
/// frames a second: far more than anyone watches, so the copy each publish
/// makes is a visible share of the loop (section 1 measures it). The target
/// is on what attaching a viewer costs (viewer vs none); the cost of
/// publishing at all is printed beside it.
pub fn compute_slowdown(report: &mut Report, scale: Scale) -> Result<()> {
    let steps = scale.pick(1000, 40);
    let rounds = scale.pick(41, 1);
    let watched_server = server("bench-compute")?;
    let watched_heat = watched_server.heatmap("grid");
    let alone_server = server("bench-compute-alone")?;
    let alone_heat = alone_server.heatmap("grid");
    let paced_server = server("bench-compute-60hz")?;
    let paced_heat = paced_server.heatmap("grid");
    let lent_server = server("bench-compute-lent")?;
    let lent_heat = lent_server.heatmap("grid");
    let mut grid = vec![0.0f64; 256 * 256];
    let mut next = grid.clone();
    let mut time = |h: Option<&plotcast::Heatmap>, lent: bool| {
        let t = Instant::now();
        match h {
            Some(h) if lent => kernel_lent(&mut grid, &mut next, steps, h),
            h => kernel(&mut grid, &mut next, steps, h),
        }
        t.elapsed().as_secs_f64()
    };
    time(None, false); // warm up caches and the allocator
    let (mut bare, mut alone, mut watched, mut paced, mut lent) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // A real window viewer (the viewer binary under Xvfb, drawing at its
    // default 60 Hz): what a user's setup costs the computation. Started
    // first: under cargo it builds the viewer, which can take longer than
    // the readers below wait for a batch (they got nothing in one run).
    let window_server = server("bench-compute-window")?;
    let window_heat = window_server.heatmap("grid");
    let window = crate::window::spawn_window_viewer(window_server.local_addr(), &[])?;
    if window.is_some() {
        wait_viewers(&window_server, 1)?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let totals = Arc::new(ReaderTotals::default());
    let reader = spawn_reader(
        watched_server.local_addr(),
        stop.clone(),
        totals.clone(),
        |_| {},
    )?;
    // A viewer that takes a batch every 16 ms, as a window drawing at
    // 60 Hz does.
    let paced_totals = Arc::new(ReaderTotals::default());
    let paced_reader = spawn_reader(
        paced_server.local_addr(),
        stop.clone(),
        paced_totals.clone(),
        |_| std::thread::sleep(Duration::from_millis(16)),
    )?;
    wait_viewers(&watched_server, 1)?;
    wait_viewers(&paced_server, 1)?;
    let mut windowed = Vec::new();
    for _ in 0..rounds {
        bare.push(time(None, false));
        alone.push(time(Some(&alone_heat), false));
        lent.push(time(Some(&lent_heat), true));
        watched.push(time(Some(&watched_heat), false));
        paced.push(time(Some(&paced_heat), false));
        if window.is_some() {
            windowed.push(time(Some(&window_heat), false));
        }
    }
    drop(window);
    drop(window_server);
    stop.store(true, Ordering::Relaxed);
    drop(watched_server);
    drop(alone_server);
    drop(paced_server);
    drop(lent_server);
    let _ = reader.join();
    let _ = paced_reader.join();
    let bare = percentile(&mut bare, 50.0) * 1000.0;
    let alone = percentile(&mut alone, 50.0) * 1000.0;
    let lent = percentile(&mut lent, 50.0) * 1000.0;
    let watched = percentile(&mut watched, 50.0) * 1000.0;
    let paced = percentile(&mut paced, 50.0) * 1000.0;
    let slowdown = watched / alone - 1.0;
    let paced_slowdown = paced / alone - 1.0;
    report.add(Row {
        section: "2 compute".into(),
        figure: format!(
            "{steps} sweeps 256², publishing every 10th, no viewer (cost of the copies)"
        ),
        value: alone,
        unit: "ms",
        reference: Some(("no plotcast".into(), bare)),
        target: None,
    });
    let lent_cost = lent / bare - 1.0;
    report.add(Row {
        section: "2 compute".into(),
        figure: format!(
            "{steps} sweeps 256², publishing every 10th through lent frames (Heatmap::frame: written in place, no copy), no viewer"
        ),
        value: lent,
        unit: "ms",
        reference: Some(("no plotcast".into(), bare)),
        target: Some((
            format!(
                "slowdown ≤ 1% with an owned-buffer publish (measured {:+.1}%)",
                lent_cost * 100.0
            ),
            lent_cost <= 0.01,
        )),
    });
    report.add(Row {
        section: "2 compute".into(),
        figure: format!(
            "{steps} sweeps 256², publishing every 10th, 1 viewer reading all it can ({} frames got)",
            totals.frames.load(Ordering::Relaxed)
        ),
        value: watched,
        unit: "ms",
        reference: Some(("publishing, no viewer".into(), alone)),
        target: Some((
            format!(
                "slowdown ≤ 1% (measured {:+.1}%; {:+.1}% vs no plotcast)",
                slowdown * 100.0,
                (watched / bare - 1.0) * 100.0
            ),
            slowdown <= 0.01,
        )),
    });
    report.add(Row {
        section: "2 compute".into(),
        figure: format!(
            "{steps} sweeps 256², publishing every 10th, 1 viewer taking a batch every 16 ms ({} frames got)",
            paced_totals.frames.load(Ordering::Relaxed)
        ),
        value: paced,
        unit: "ms",
        reference: Some(("publishing, no viewer".into(), alone)),
        target: Some((
            format!(
                "slowdown ≤ 1% (measured {:+.1}%; {:+.1}% vs no plotcast)",
                paced_slowdown * 100.0,
                (paced / bare - 1.0) * 100.0
            ),
            paced_slowdown <= 0.01,
        )),
    });
    if !windowed.is_empty() {
        let windowed = percentile(&mut windowed, 50.0) * 1000.0;
        let window_slowdown = windowed / alone - 1.0;
        report.add(Row {
            section: "2 compute".into(),
            figure: format!(
                "{steps} sweeps 256², publishing every 10th, a real window viewer at 60 Hz (Xvfb)"
            ),
            value: windowed,
            unit: "ms",
            reference: Some(("publishing, no viewer".into(), alone)),
            target: Some((
                format!(
                    "slowdown ≤ 2% (measured {:+.1}%; {:+.1}% vs no plotcast)",
                    window_slowdown * 100.0,
                    (windowed / bare - 1.0) * 100.0
                ),
                window_slowdown <= 0.02,
            )),
        });
    }
    Ok(())
}
