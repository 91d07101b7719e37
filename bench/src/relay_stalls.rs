//! Section 11, publish never waits for NATS: a relayed computation
//! publishes the fixed workload (`paced.rs`) while its NATS side goes
//! wrong in steps, and each publish's wall time is taken; a computation
//! without the relay (direct mode, one protocol viewer reading) publishes
//! the same in turns with it, window by window, as the reference.
//!
//! ```text
//! relayed computation ──put──▶ nats-server ──watch──▶ plotcast-viewer --headless (a process)
//! direct computation ──▶ one protocol viewer        (the reference, taking turns)
//!
//!  up ─▶ viewer SIGSTOPped ─▶ nats-server SIGSTOPped ─▶ nats-server killed ─▶ restarted
//!                                                          (SIGCONT first)     puts again?
//! ```
//!
//! A publish that waited on NATS would last as long as the relay's
//! JetStream timeout (3 s) or its reconnection delay (up to 1 s); one
//! that does not lasts microseconds, with the odd scheduler preemption
//! of a few milliseconds on a shared 2-core machine. The relay's counters
//! (`Server::stats().relay`) say what it did meanwhile.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use plotcast::RelayStats;
use plotcast_testkit::nats_server::NatsServer;
use plotcast_testkit::procs::Signal;
use plotcast_testkit::{TempDir, ViewerCommand};

use crate::common::{server, Scale};
use crate::paced::{lines, publish_paced, workload, Paced};
use crate::relayed::{relay_puts, relay_server, wait_relayed, SECTION};
use crate::report::{Report, Row};
use crate::viewer::Readers;

/// This part's nats-server (it is stopped and killed here).
const NATS_NAME: &str = "bench-relay-stalls";
const RUN: &str = "bench-stalls";

/// The target: no publish longer than this. A publish that waited for a
/// hung nats-server would last until the relay's 3 s JetStream timeout;
/// the publishing thread preempted by the computation's network thread
/// (waking to relay what was published) or another process lasts a few
/// milliseconds on this 2-core machine.
const MAX_PUBLISH_US: f64 = 50_000.0;

/// How long the relay may take to put again once nats-server is back.
const RESUME_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the viewer may take to draw the run's first frame.
const FIRST_FRAME_TIMEOUT: Duration = Duration::from_secs(60);

/// The measured windows of each step.
#[derive(Clone, Copy)]
struct Timing {
    windows: usize,
    window_secs: f64,
}

/// What one step measured.
struct Step {
    paced: Paced,
    reference: Paced,
    puts_per_sec: f64,
    skipped: u64,
    failed: u64,
    /// Clock and view requests the relay answered.
    requests: u64,
    connected: bool,
}

/// Publish times while NATS is up, a subscriber stopped, nats-server
/// stopped and nats-server killed; then how soon the relay puts again
/// once it is back. `viewer`: the viewer binary, the stopped subscriber
/// (without it that step is skipped).
pub fn stalls(report: &mut Report, scale: Scale, viewer: Option<&Path>) -> Result<()> {
    let timing = Timing {
        windows: scale.pick(4, 1),
        window_secs: scale.pick(0.5, 0.2),
    };
    let mut nats = NatsServer::start(NATS_NAME);
    let measured = relay_server(&nats, RUN, false)?;
    let reference = server("bench-stalls-ref")?;
    let mut readers = Readers::default();
    readers.grow_to(&reference, 1)?;
    let targets = [measured.line("y"), reference.line("y")];
    targets[0].publish(&lines()[0]);
    wait_relayed(&measured, 3)?;
    let dir = TempDir::new("bench-relay-stalls");
    let mut subscriber = viewer.map(|viewer| {
        ViewerCommand::program(viewer)
            .source(format!("nats://127.0.0.1:{}/{RUN}", nats.port))
            .headless()
            .size(320, 200)
            .out(dir.join("stalls.png"))
            .timeout_secs(600)
            .ready_file(dir.join("ready"))
            // Its debug log would be written to a pipe while it runs.
            .env("RUST_LOG", "warn")
            .spawn()
    });
    if let Some(subscriber) = &mut subscriber {
        subscriber.wait_presented(1, FIRST_FRAME_TIMEOUT);
    }
    // Both computations warm, then unmeasured.
    publish_paced(&targets, scale.pick(1.0, 0.1), 0, 0.0)?;
    let who = if subscriber.is_some() {
        "a viewer process watching"
    } else {
        "nobody watching (no viewer binary)"
    };

    let up = step(&measured, &targets, timing)?;
    row(report, &format!("NATS up, {who}"), &up);

    if let Some(subscriber) = &subscriber {
        // It stays stopped to the end: the steps below have a stalled
        // subscriber too.
        subscriber.signal(Signal::STOP);
        let stalled = step(&measured, &targets, timing)?;
        row(
            report,
            "the viewer watching through NATS SIGSTOPped (a stalled subscriber)",
            &stalled,
        );
    } else {
        eprintln!("note: no viewer binary: the stalled-subscriber row of section 11 skipped");
    }

    nats.pause(true);
    let paused = step(&measured, &targets, timing);
    nats.pause(false);
    row(
        report,
        "nats-server SIGSTOPped (hung: puts unanswered)",
        &paused?,
    );

    nats.kill();
    let down = step(&measured, &targets, timing)?;
    row(
        report,
        "nats-server killed (connection refused: reconnecting)",
        &down,
    );

    resumed(report, &mut nats, &measured, &targets[0])?;
    drop(subscriber);
    drop((measured, reference));
    Ok(())
}

/// Publishes in turns for `timing`'s windows and reads the relay's
/// counters around it.
fn step(measured: &plotcast::Server, targets: &[plotcast::Line], timing: Timing) -> Result<Step> {
    let counters = || measured.stats().relay.context("the server relays");
    let before = counters()?;
    let t0 = Instant::now();
    let [paced, reference]: [Paced; 2] =
        publish_paced(targets, 0.0, timing.windows, timing.window_secs)?
            .try_into()
            .map_err(|_| anyhow::anyhow!("one measurement per computation"))?;
    let after: RelayStats = counters()?;
    Ok(Step {
        paced,
        reference,
        puts_per_sec: after.puts.saturating_sub(before.puts) as f64 / t0.elapsed().as_secs_f64(),
        skipped: after.skipped.saturating_sub(before.skipped),
        failed: after.failed.saturating_sub(before.failed),
        requests: after.requests.saturating_sub(before.requests),
        connected: after.connected,
    })
}

/// A step's row: the p99 publish time beside the reference's.
fn row(report: &mut Report, condition: &str, step: &Step) {
    let (p50, p99) = step.paced.publish_p50_p99();
    let max = step.paced.publish_max();
    let (r50, r99) = step.reference.publish_p50_p99();
    report.add(Row {
        section: SECTION.into(),
        figure: format!(
            "publish time p99, {}, {condition} (p50 {p50:.1}, max {max:.0} µs over {} publishes, the publisher preempted {} times; relay meanwhile: {:.0} puts/s, {} skipped, {} failed, {} requests answered, {})",
            workload(),
            step.paced.publish_us.len(),
            step.paced.preemptions(),
            step.puts_per_sec,
            step.skipped,
            step.failed,
            step.requests,
            if step.connected { "connected" } else { "not connected" },
        ),
        value: p99,
        unit: "µs",
        reference: Some((
            format!(
                "direct computation, 1 viewer, taking turns (p50 {r50:.1}, max {:.0} µs, preempted {} times)",
                step.reference.publish_max(),
                step.reference.preemptions()
            ),
            r99,
        )),
        target: Some((
            format!("never waits: max ≤ {:.0} ms", MAX_PUBLISH_US / 1e3),
            max <= MAX_PUBLISH_US,
        )),
    });
}

/// Restarts nats-server (same port, same store) and measures how soon
/// the relay puts again, publishing meanwhile; beside how soon
/// nats-server itself says it is ready.
fn resumed(
    report: &mut Report,
    nats: &mut NatsServer,
    measured: &plotcast::Server,
    line: &plotcast::Line,
) -> Result<()> {
    let values = lines();
    let puts0 = relay_puts(measured);
    let t0 = Instant::now();
    nats.restart(true);
    let ready = t0.elapsed().as_secs_f64();
    let mut k = 0usize;
    let back = plotcast_testkit::poll_until(RESUME_TIMEOUT, || {
        line.publish(&values[k % values.len()]);
        k += 1;
        relay_puts(measured) > puts0
    });
    anyhow::ensure!(
        back,
        "the relay put nothing within {RESUME_TIMEOUT:?} of nats-server's restart: {:?}",
        measured.stats().relay
    );
    let resumed = t0.elapsed().as_secs_f64();
    report.add(Row {
        section: SECTION.into(),
        figure: "nats-server restarted after the kill: relay putting again after".into(),
        value: resumed,
        unit: "s",
        reference: Some(("nats-server ready (its /healthz)".into(), ready)),
        target: None,
    });
    Ok(())
}
