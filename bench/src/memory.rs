//! Section 6: memory with 100 stalled viewers under a heavy publish rate.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::common::{server, wait_viewers, Scale};
use crate::procfs::rss_bytes;
use crate::report::{Report, Row};
use crate::viewer::stalled;

/// 100 stalled viewers, 1 MiB frames at 500 Hz: growth of resident memory.
pub fn stalled_memory(report: &mut Report, scale: Scale) -> Result<()> {
    let secs = scale.pick(30.0, 1.0);
    let server = server("bench-memory")?;
    let line = server.line("y");
    let mut conns = Vec::new();
    for _ in 0..100 {
        conns.push(stalled(server.local_addr())?);
    }
    wait_viewers(&server, 100)?;
    let ys: Vec<f64> = (0..131_072).map(|i| i as f64).collect();
    // Warm up: the first frames go out, the stalled sockets fill.
    for _ in 0..50 {
        line.publish(&ys);
        std::thread::sleep(Duration::from_millis(2));
    }
    let base = rss_bytes();
    let mut peak = base;
    let start = Instant::now();
    let period = Duration::from_millis(2);
    let mut next = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < secs {
        line.publish(&ys);
        n += 1;
        if n.is_multiple_of(25) {
            peak = peak.max(rss_bytes());
        }
        next += period;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let still = server.viewer_count();
    drop(server);
    drop(conns);
    let growth = peak.saturating_sub(base) as f64 / (1024.0 * 1024.0);
    report.add(Row {
        section: "6 memory".into(),
        figure: format!(
            "RSS growth, 100 stalled viewers ({still} still connected), 1 MiB frames at {rate:.0} Hz for {secs:.0} s"
        ),
        value: growth,
        unit: "MiB",
        reference: Some(("one private frame per viewer".into(), 100.0)),
        target: Some(("< 50 MiB".into(), growth < 50.0)),
    });
    Ok(())
}
