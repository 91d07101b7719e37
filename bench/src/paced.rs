//! Section 11's fixed workload: a noisy 8 KiB line published at a fixed
//! rate on a named thread, in turns to one or more computations (one
//! measured, one its reference), which measures what each computation
//! spends on it: its own CPU, the server's network thread's (`plotcast-net`, with
//! its blocking helpers, which carry the same name), each publish's wall
//! time, and how often it was preempted.
//!
//! ```text
//! |- warm A -|- warm B -|- A window 1 -|- B window 1 -|- A window 2 -| ...
//!                        CPU and preemptions per window; publish times pooled
//! ```
//!
//! The CPU figure is the median of the windows': a burst of other work on
//! a shared machine moves one window, not the figure.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::procfs::{this_thread_cpu_ns, this_thread_preemptions, thread_cpu_ns};
use crate::report::percentile;

/// The line's length (8 KiB of f64) ...
pub const VALUES: usize = 1024;
/// ... and how often it is published.
pub const RATE_HZ: f64 = 200.0;
/// Distinct lines published in turn (noisy, so compression does what it
/// does on real data), made before the clock starts.
const VARIANTS: usize = 64;

/// The workload in words, for figures.
pub fn workload() -> String {
    format!("{} KiB line at {RATE_HZ:.0} Hz", VALUES * 8 / 1024)
}

/// What one window cost.
struct Window {
    secs: f64,
    publisher_cpu_ns: u64,
    net_cpu_ns: u64,
    preemptions: u64,
}

/// What a paced publisher measured.
pub struct Paced {
    /// Each measured publish's wall time, µs.
    pub publish_us: Vec<f64>,
    /// Publishes, warm-up included.
    pub published: u64,
    windows: Vec<Window>,
}

impl Paced {
    /// The computation's CPU (publisher + `plotcast-net`), % of a core:
    /// the median of the windows'.
    pub fn cpu_percent(&self) -> f64 {
        let mut each: Vec<f64> = self
            .windows
            .iter()
            .map(|w| (w.publisher_cpu_ns + w.net_cpu_ns) as f64 / w.secs / 1e7)
            .collect();
        percentile(&mut each, 50.0)
    }

    /// CPU ms per second of the publishing thread and of `plotcast-net`,
    /// over all windows.
    pub fn ms_per_sec(&self) -> (f64, f64) {
        let secs = self.measured_secs();
        let per_sec = |ns: u64| ns as f64 / secs / 1e6;
        (
            per_sec(self.windows.iter().map(|w| w.publisher_cpu_ns).sum()),
            per_sec(self.windows.iter().map(|w| w.net_cpu_ns).sum()),
        )
    }

    /// Seconds measured (the windows').
    pub fn measured_secs(&self) -> f64 {
        self.windows.iter().map(|w| w.secs).sum()
    }

    /// Times the publishing thread was preempted while measured (on 2
    /// cores, often by the thread a publish wakes).
    pub fn preemptions(&self) -> u64 {
        self.windows.iter().map(|w| w.preemptions).sum()
    }

    /// Median and p99 of the publish times, µs.
    pub fn publish_p50_p99(&self) -> (f64, f64) {
        let mut times = self.publish_us.clone();
        (percentile(&mut times, 50.0), percentile(&mut times, 99.0))
    }

    /// The longest publish, µs (0 when none was measured).
    pub fn publish_max(&self) -> f64 {
        self.publish_us.iter().copied().fold(0.0, f64::max)
    }
}

/// The workload's lines: random walks.
pub fn lines() -> Vec<Vec<f64>> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    (0..VARIANTS)
        .map(|_| {
            let mut y = 0.0;
            (0..VALUES)
                .map(|_| {
                    y += noise();
                    y
                })
                .collect()
        })
        .collect()
}

/// A reading of the counters at a window's edge.
struct Mark {
    at: Instant,
    publisher_cpu_ns: u64,
    net_cpu_ns: u64,
    preemptions: u64,
}

impl Mark {
    fn now() -> Self {
        Self {
            at: Instant::now(),
            publisher_cpu_ns: this_thread_cpu_ns(),
            net_cpu_ns: thread_cpu_ns("plotcast-net"),
            preemptions: this_thread_preemptions(),
        }
    }

    fn since(&self, start: &Self) -> Window {
        Window {
            secs: self.at.duration_since(start.at).as_secs_f64(),
            publisher_cpu_ns: self.publisher_cpu_ns - start.publisher_cpu_ns,
            net_cpu_ns: self.net_cpu_ns - start.net_cpu_ns,
            preemptions: self.preemptions - start.preemptions,
        }
    }
}

/// One stretch of publishing to one computation.
struct Slot {
    target: usize,
    secs: f64,
    measured: bool,
}

/// Publishes the workload at [`RATE_HZ`] on a thread of its own, to one
/// of `lines` at a time, in turns: a warm-up of `warm` seconds shared
/// among them, then `windows` measured windows of `window_secs` each.
/// While one computation publishes the others are idle, so the network
/// threads' CPU in a window is the publishing one's; and taking turns
/// puts each computation beside the others through the same moments of
/// a shared machine. One [`Paced`] per line.
///
/// # Errors
/// When the thread cannot be started or panics.
pub fn publish_paced(
    lines: &[plotcast::Line],
    warm: f64,
    windows: usize,
    window_secs: f64,
) -> Result<Vec<Paced>> {
    let targets = lines.to_vec();
    let n = targets.len();
    let mut slots: Vec<Slot> = (0..n)
        .map(|target| Slot {
            target,
            secs: warm / n as f64,
            measured: false,
        })
        .collect();
    for _ in 0..windows {
        slots.extend((0..n).map(|target| Slot {
            target,
            secs: window_secs,
            measured: true,
        }));
    }
    let thread = std::thread::Builder::new()
        .name("bench-relay-pub".into())
        .spawn(move || {
            let values = self::lines();
            let period = Duration::from_secs_f64(1.0 / RATE_HZ);
            let mut paced: Vec<Paced> = (0..n)
                .map(|_| Paced {
                    publish_us: Vec::with_capacity(
                        (windows as f64 * window_secs * RATE_HZ) as usize + 16,
                    ),
                    published: 0,
                    windows: Vec::with_capacity(windows),
                })
                .collect();
            let mut next = Instant::now();
            let mut k = 0usize;
            for slot in &slots {
                let start = Mark::now();
                let end = start.at + Duration::from_secs_f64(slot.secs);
                let out = &mut paced[slot.target];
                while Instant::now() < end {
                    let t = Instant::now();
                    targets[slot.target].publish(&values[k % VARIANTS]);
                    let took = t.elapsed().as_secs_f64() * 1e6;
                    out.published += 1;
                    if slot.measured {
                        out.publish_us.push(took);
                    }
                    k += 1;
                    next += period;
                    let now = Instant::now();
                    if next > now {
                        std::thread::sleep(next - now);
                    } else {
                        // Late (a loaded machine): no burst to catch up.
                        next = now;
                    }
                }
                if slot.measured {
                    out.windows.push(Mark::now().since(&start));
                }
            }
            paced
        })?;
    thread
        .join()
        .map_err(|_| anyhow::anyhow!("the publisher thread panicked"))
}
