//! Sections 1 and 2: what `publish()` costs the computation.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

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

/// The fixed numeric kernel: `steps` Jacobi sweeps of a 256 × 256 grid,
/// publishing the grid every 10 sweeps when a handle is given.
fn kernel(grid: &mut [f64], next: &mut [f64], steps: usize, heat: Option<&plotcast::Heatmap>) {
    const N: usize = 256;
    for s in 0..steps {
        for j in 1..N - 1 {
            for i in 1..N - 1 {
                let k = j * N + i;
                next[k] = 0.25 * (grid[k - 1] + grid[k + 1] + grid[k - N] + grid[k + N]);
            }
        }
        next[N * N / 2 + N / 2] = 1.0;
        grid.copy_from_slice(next);
        if let (Some(h), 0) = (heat, s % 10) {
            h.publish(grid, N, N);
        }
    }
}

/// Section 2: the kernel's wall time with a viewer attached, next to the
/// same kernel publishing to nobody and to no plotcast at all.
pub fn compute_slowdown(report: &mut Report, scale: Scale) -> Result<()> {
    let steps = scale.pick(400, 40);
    let rounds = scale.pick(7, 1);
    let server = server("bench-compute")?;
    let heat = server.heatmap("grid");
    let mut grid = vec![0.0f64; 256 * 256];
    let mut next = grid.clone();
    let mut time = |h: Option<&plotcast::Heatmap>| {
        let t = Instant::now();
        kernel(&mut grid, &mut next, steps, h);
        t.elapsed().as_secs_f64()
    };
    time(None); // warm up caches and the allocator
    let (mut bare, mut alone, mut watched) = (Vec::new(), Vec::new(), Vec::new());
    let stop = Arc::new(AtomicBool::new(false));
    let totals = Arc::new(ReaderTotals::default());
    let reader = spawn_reader(server.local_addr(), stop.clone(), totals.clone(), |_| {})?;
    wait_viewers(&server, 1)?;
    for _ in 0..rounds {
        // Interleaved, so drift of the machine hits all three alike.
        bare.push(time(None));
        watched.push(time(Some(&heat)));
    }
    stop.store(true, Ordering::Relaxed);
    drop(server);
    let _ = reader.join();
    let server = crate::common::server("bench-compute-alone")?;
    let heat = server.heatmap("grid");
    for _ in 0..rounds {
        alone.push(time(Some(&heat)));
    }
    drop(server);
    let bare = percentile(&mut bare, 50.0) * 1000.0;
    let alone = percentile(&mut alone, 50.0) * 1000.0;
    let watched = percentile(&mut watched, 50.0) * 1000.0;
    let slowdown = watched / bare - 1.0;
    report.add(Row {
        section: "2 compute".into(),
        figure: format!("{steps} sweeps 256², publishing, no viewer"),
        value: alone,
        unit: "ms",
        reference: Some(("no plotcast".into(), bare)),
        target: None,
    });
    report.add(Row {
        section: "2 compute".into(),
        figure: format!(
            "{steps} sweeps 256², publishing, 1 viewer reading ({} frames got)",
            totals.frames.load(Ordering::Relaxed)
        ),
        value: watched,
        unit: "ms",
        reference: Some(("no plotcast".into(), bare)),
        target: Some((
            format!("slowdown ≤ 1% (measured {:+.1}%)", slowdown * 100.0),
            slowdown <= 0.01,
        )),
    });
    Ok(())
}
