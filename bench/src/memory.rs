//! Section 6: memory with 100 stalled viewers under a heavy publish rate.
//!
//! A stalled viewer's connection keeps the frame it was halfway through
//! writing (a half-written frame is never abandoned: the stream would be
//! corrupt) until the heartbeat drops it. So the cost depends on when the
//! viewers stall: all on the same frame (they share one buffer), or each on
//! a different one (one frame each: the worst case, 100 MiB here, which the
//! stalled-write budget caps at 64 MiB by dropping the longest-stalled
//! viewers). Both are measured, from a baseline taken before any viewer
//! connects, with the drop by heartbeat turned off so the stall lasts the
//! whole run.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::common::{server, wait_viewers, Scale};
use crate::procfs::rss_bytes;
use crate::report::{Report, Row};
use crate::viewer::stalled;

const VIEWERS: usize = 100;

/// 100 stalled viewers, 1 MiB frames at 500 Hz: growth of resident memory.
pub fn stalled_memory(report: &mut Report, scale: Scale) -> Result<()> {
    let secs = scale.pick(30.0, 1.0);
    let budget = plotcast::DEFAULT_STALLED_WRITE_BUDGET_BYTES as f64 / (1024.0 * 1024.0);
    for staggered in [false, true] {
        let (growth, rate, still) = run(secs, staggered)?;
        let how = if staggered {
            "joined one per publish (each stuck on its own frame: worst case)"
        } else {
            "joined together (stuck on the same frame)"
        };
        report.add(Row {
            section: "6 memory".into(),
            figure: format!(
                "RSS growth (peak), {VIEWERS} stalled viewers {how}, {still} still connected, \
                 1 MiB frames at {rate:.0} Hz for {secs:.0} s"
            ),
            value: growth,
            unit: "MiB",
            reference: Some(("one 1 MiB frame per viewer".into(), VIEWERS as f64)),
            target: Some((
                format!("≤ stalled-write budget ({budget:.0} MiB)"),
                growth <= budget,
            )),
        });
    }
    Ok(())
}

/// Peak RSS growth in MiB, the publish rate, and the viewers connected at
/// the end.
fn run(secs: f64, staggered: bool) -> Result<(f64, f64, usize)> {
    let server = server("bench-memory")?;
    let line = server.line("y");
    let ys: Vec<f64> = (0..131_072).map(|i| i as f64).collect();
    // Warm the publish path (its recycled buffer) before the baseline.
    for _ in 0..10 {
        line.publish(&ys);
    }
    let base = rss_bytes();
    let mut peak = base;
    let mut conns: Vec<TcpStream> = Vec::new();
    if !staggered {
        for _ in 0..VIEWERS {
            conns.push(stalled(server.local_addr())?);
        }
        wait_viewers(&server, VIEWERS)?;
    }
    let start = Instant::now();
    let period = Duration::from_millis(2);
    let mut next = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < secs {
        line.publish(&ys);
        n += 1;
        if staggered && conns.len() < VIEWERS {
            // Joins now and is sent the frame just published, which it
            // never reads.
            conns.push(stalled(server.local_addr())?);
        }
        if n.is_multiple_of(25) {
            peak = peak.max(rss_bytes());
        }
        next += period;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    peak = peak.max(rss_bytes());
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let still = server.viewer_count();
    drop(server);
    drop(conns);
    let growth = peak.saturating_sub(base) as f64 / (1024.0 * 1024.0);
    Ok((growth, rate, still))
}
