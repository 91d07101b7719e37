//! Section 11, the computation's cost. Through NATS: one computation
//! publishes the fixed workload (`paced.rs`) while subscribers are added
//! between the cases (1, 10, 100, 1000 key-value watchers,
//! `subscribers.rs`); directly: one publishes it to 1, 10 and 60 viewers
//! reading flat out (`viewer.rs`). Beside each, taking turns with it
//! window by window, a reference computation publishes the same to one
//! reader (through NATS, on a nats-server of its own), so the ratio holds
//! when the shared machine's load moves. The cost is the computation's:
//! its publishing thread and its network thread, never the subscribers',
//! the viewers' or nats-server's.

use std::time::Instant;

use anyhow::{Context, Result};
use plotcast_testkit::nats_server::NatsServer;

use crate::common::{server, Scale};
use crate::paced::{lines, publish_paced, workload, Paced};
use crate::procfs::child_cpu_secs;
use crate::relayed::{relay_puts, relay_server, wait_relayed, SECTION};
use crate::report::{Report, Row};
use crate::subscribers::Subscribers;
use crate::viewer::Readers;

/// The measured computation's nats-server, and what its command line
/// holds (its configuration folder, `plotcast-nats-<name>-…`).
const NATS_NAME: &str = "bench-relay-cost";
const NATS_MARKER: &str = "plotcast-nats-bench-relay-cost-";

/// The target: through NATS the cost with N subscribers, as a ratio to
/// the reference taking turns with it, stays within this share above the
/// same ratio with one subscriber. Two identical computations taking turns
/// differ by up to about 15 % on this 2-core machine (the 1-subscriber
/// case shows it); direct mode grows 2.5 times from 1 viewer to 10.
const GROWTH: f64 = 0.2;

/// How long each case publishes: a warm-up, then windows (taking turns
/// with the reference) whose median CPU is the figure.
#[derive(Clone, Copy)]
struct Timing {
    warm: f64,
    windows: usize,
    window_secs: f64,
}

/// One measured case.
struct Case {
    readers: usize,
    paced: Paced,
    /// The reference computation, one reader, in the same turns.
    reference: Paced,
    /// Values each reader got per value published.
    per_reader: f64,
    /// Relay: the share of values put, and the CPU of the measured
    /// computation's nats-server while it published (% of a core).
    relay: Option<(f64, f64)>,
}

/// The cost part of section 11.
pub fn cost(report: &mut Report, scale: Scale) -> Result<()> {
    let timing = Timing {
        warm: scale.pick(1.0, 0.1),
        windows: scale.pick(10, 1),
        window_secs: scale.pick(0.5, 0.2),
    };
    let direct_counts: &[usize] = scale.pick(&[1, 10, 60], &[1, 3]);
    let relay_counts: &[usize] = scale.pick(&[1, 10, 100, 1000], &[1, 3]);
    let relay = relay_cases(relay_counts, timing)?;
    let direct = direct_cases(direct_counts, timing)?;
    let what = workload();
    let ratio = |case: &Case| case.paced.cpu_percent() / case.reference.cpu_percent();
    // The ratio with one subscriber, which the others are read against.
    let base = relay.iter().find(|c| c.readers == 1).map(ratio);
    for case in &relay {
        let (put, nats_cpu) = case.relay.unwrap_or_default();
        let (_, net_ms) = case.paced.ms_per_sec();
        let puts_per_sec = put * crate::paced::RATE_HZ;
        let figure = format!(
            "through NATS, {} subscriber{}, {what}: computation CPU, median of windows (publisher {:.2} + plotcast-net {net_ms:.2} ms/s; {:.0} % of values put, {:.0} µs of plotcast-net per put; each subscriber got {:.0} % of them; nats-server {nats_cpu:.0} % of a core)",
            case.readers,
            plural(case.readers),
            case.paced.ms_per_sec().0,
            put * 100.0,
            net_ms * 1e3 / puts_per_sec.max(1.0),
            case.per_reader * 100.0 / put.max(1e-9),
        );
        let target = base
            .filter(|_| !scale.smoke && case.readers > 1)
            .map(|base| {
                let bound = base * (1.0 + GROWTH);
                (
                    format!(
                        "does not grow: ratio ≤ {bound:.2}x (1 subscriber's {base:.2}x + {:.0} %)",
                        GROWTH * 100.0
                    ),
                    ratio(case) <= bound,
                )
            });
        rows(
            report,
            figure,
            case,
            "through NATS, 1 subscriber, taking turns",
            target,
        );
    }
    for case in &direct {
        let figure = format!(
            "direct, {} viewer{} reading flat out, {what}: computation CPU, median of windows (publisher {:.2} + plotcast-net {:.2} ms/s; each viewer got {:.0} % of the values)",
            case.readers,
            plural(case.readers),
            case.paced.ms_per_sec().0,
            case.paced.ms_per_sec().1,
            case.per_reader * 100.0
        );
        rows(report, figure, case, "direct, 1 viewer, taking turns", None);
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A case's two rows: the computation's CPU, and the publish time.
fn rows(
    report: &mut Report,
    figure: String,
    case: &Case,
    reference: &str,
    target: Option<(String, bool)>,
) {
    report.add(Row {
        section: SECTION.into(),
        figure,
        value: case.paced.cpu_percent(),
        unit: "% of a core",
        reference: Some((reference.into(), case.reference.cpu_percent())),
        target,
    });
    let (p50, p99) = case.paced.publish_p50_p99();
    let (r50, _) = case.reference.publish_p50_p99();
    report.add(Row {
        section: SECTION.into(),
        figure: format!(
            "  … publish time median (p99 {p99:.1} µs; {} publishes, the publisher preempted {} times)",
            case.paced.publish_us.len(),
            case.paced.preemptions()
        ),
        value: p50,
        unit: "µs",
        reference: Some(("reference's median".into(), r50)),
        target: None,
    });
}

/// Direct mode: viewers added between the cases; the reference has one.
fn direct_cases(counts: &[usize], timing: Timing) -> Result<Vec<Case>> {
    let mut readers = Readers::default();
    let mut reference_reader = Readers::default();
    let measured = server("bench-relay-direct")?;
    let reference = server("bench-relay-direct-ref")?;
    let lines = [measured.line("y"), reference.line("y")];
    reference_reader.grow_to(&reference, 1)?;
    let mut cases = Vec::new();
    for &n in counts {
        readers.grow_to(&measured, n)?;
        let before = readers.frames();
        let [paced, reference]: [Paced; 2] =
            publish_paced(&lines, timing.warm, timing.windows, timing.window_secs)?
                .try_into()
                .map_err(|_| anyhow::anyhow!("one measurement per computation"))?;
        let got = readers.frames() - before;
        cases.push(Case {
            readers: n,
            per_reader: got as f64 / n as f64 / paced.published.max(1) as f64,
            paced,
            reference,
            relay: None,
        });
    }
    drop((measured, reference));
    Ok(cases)
}

/// A relayed computation and its subscribers.
struct Relayed {
    server: plotcast::Server,
    subscribers: Subscribers,
}

impl Relayed {
    fn start(nats: &NatsServer, run: &str) -> Result<Self> {
        let server = relay_server(nats, run, false)?;
        server.line("y").publish(&lines()[0]);
        wait_relayed(&server, 3)?;
        Ok(Self {
            server,
            subscribers: Subscribers::start(&nats.url, run, None)?,
        })
    }

    fn puts(&self) -> u64 {
        relay_puts(&self.server)
    }
}

/// Through NATS: subscribers added between the cases; the reference has
/// one, on a nats-server of its own (nats-server 2.15 allows 1000
/// consumers per stream by default, and a thousand is what the measured
/// one gets).
fn relay_cases(counts: &[usize], timing: Timing) -> Result<Vec<Case>> {
    let (nats, reference_nats) = (
        NatsServer::start(NATS_NAME),
        NatsServer::start("bench-relay-ref"),
    );
    let mut measured = Relayed::start(&nats, "bench-cost")?;
    let mut reference = Relayed::start(&reference_nats, "bench-cost-ref")?;
    reference.subscribers.grow_to(1)?;
    let lines = [measured.server.line("y"), reference.server.line("y")];
    let mut cases = Vec::new();
    for &n in counts {
        let t = Instant::now();
        measured
            .subscribers
            .grow_to(n)
            .with_context(|| format!("starting {n} subscribers"))?;
        eprintln!(
            "  {n} subscriber{} watching ({:.1} s to add them)",
            plural(n),
            t.elapsed().as_secs_f64()
        );
        let (values0, _) = measured.subscribers.totals();
        let puts0 = measured.puts();
        let nats0 = child_cpu_secs(NATS_MARKER);
        let [paced, reference]: [Paced; 2] =
            publish_paced(&lines, timing.warm, timing.windows, timing.window_secs)?
                .try_into()
                .map_err(|_| anyhow::anyhow!("one measurement per computation"))?;
        let (values1, _) = measured.subscribers.totals();
        let published = paced.published.max(1) as f64;
        // Its share of the turns: half the warm-up and its windows.
        let active_secs = timing.warm / 2.0 + paced.measured_secs();
        let nats_cpu = (child_cpu_secs(NATS_MARKER) - nats0) / active_secs * 100.0;
        cases.push(Case {
            readers: n,
            per_reader: (values1 - values0) as f64 / n as f64 / published,
            relay: Some(((measured.puts() - puts0) as f64 / published, nats_cpu)),
            paced,
            reference,
        });
    }
    Ok(cases)
}
