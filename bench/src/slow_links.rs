//! Section 8, slow far links: the heat demo and the big workload behind
//! the link emulator at 5 Mbit/s with 150 ms one way (an intercontinental
//! link) and 20 Mbit/s with 25 ms one way, compressed as a remote viewer
//! asks, watched by the viewer library at 60 Hz. Each figure against what
//! the link allows, measured in the same run: the true age (publish to
//! shown, one machine's clock) against one way + one frame's transfer + 2
//! drawing periods; the age the viewer displays against the true one; the
//! first frame against one round trip + 2 frames' transfer; the frame rate
//! against the link's rate over the bytes per frame; the most bytes the
//! emulator held against one bandwidth-delay product plus a frame.

use std::time::{Duration, Instant};

use anyhow::Result;
use plotcast_testkit::link_proxy::{LinkProxy, LinkSpec};

use crate::common::Scale;
use crate::draw_loop::{watch, Watch, Watched};
use crate::heat_publisher::HeatPublisher;
use crate::lod::BigPublisher;
use crate::report::{percentile, Report, Row};

const SECTION: &str = "8 remote";

/// Drawing period at the 60 Hz cap, ms.
const PERIOD_MS: f64 = 1e3 / 60.0;

/// Seconds of start-up after the first frame, told apart in the age row.
const START_SECS: f64 = 2.0;

/// One slow link of the section.
struct Slow {
    label: &'static str,
    mbit: f64,
    one_way: Duration,
}

const LINKS: [Slow; 2] = [
    Slow {
        label: "5 Mbit/s, 150 ms one way",
        mbit: 5.0,
        one_way: Duration::from_millis(150),
    },
    Slow {
        label: "20 Mbit/s, 25 ms one way",
        mbit: 20.0,
        one_way: Duration::from_millis(25),
    },
];

/// The workloads watched.
#[derive(Clone, Copy, PartialEq)]
enum Workload {
    Heat,
    Big,
}

/// Section 8's slow-link rows.
pub fn slow_links(report: &mut Report, scale: Scale) -> Result<()> {
    let secs = scale.pick(20.0, 1.0);
    for link in &LINKS {
        for workload in [Workload::Heat, Workload::Big] {
            one(report, scale, secs, link, workload)?;
        }
    }
    Ok(())
}

fn one(
    report: &mut Report,
    scale: Scale,
    secs: f64,
    link: &Slow,
    workload: Workload,
) -> Result<()> {
    // The publisher lives as long as the watch: dropped at the end.
    let (heat, big);
    let (addr, name) = match workload {
        Workload::Heat => {
            heat = HeatPublisher::start("bench-slow-heat")?;
            (heat.addr(), "heat")
        }
        Workload::Big => {
            big = BigPublisher::start()?;
            (big.server().local_addr(), "big")
        }
    };
    let spec = LinkSpec {
        // The emulator never stops reading: every byte in flight is in it.
        queue_bytes: 64 << 20,
        ..LinkSpec::one_way(link.one_way).mbit(link.mbit)
    };
    let rate = spec.bytes_per_sec.unwrap_or(f64::INFINITY);
    let proxy = LinkProxy::start(addr, spec)?;
    let how = Watch {
        compress: Some(true),
        first_within: Duration::from_secs(scale.pick(30, 10)),
        ..Watch::new(Some(60.0), secs)
    };
    let t0 = Instant::now();
    let watched = watch(proxy.addr(), how)?;
    let elapsed = t0.elapsed().as_secs_f64();
    let bytes = proxy.bytes_to_clients() as f64;
    let in_flight = proxy.max_in_flight_to_clients() as f64;
    drop(proxy);
    let what = format!("{name} at {}", link.label);
    if watched.frames == 0 {
        report.add(Row {
            section: SECTION.into(),
            figure: format!("{what}: frames/s shown (no frame in {elapsed:.0} s)"),
            value: 0.0,
            unit: "fps",
            reference: None,
            target: Some(("a frame".into(), false)),
        });
        return Ok(());
    }
    rows(
        report, &what, link, rate, bytes, in_flight, &watched, workload,
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn rows(
    report: &mut Report,
    what: &str,
    link: &Slow,
    rate: f64,
    bytes: f64,
    in_flight: f64,
    watched: &Watched,
    workload: Workload,
) {
    let one_way_ms = link.one_way.as_secs_f64() * 1e3;
    // Bytes per frame shown, over the whole run (start-up included).
    let frame_bytes = bytes / watched.frames as f64;
    let transfer_ms = frame_bytes / rate * 1e3;
    let mut ages: Vec<f64> = watched.ages_ms.iter().map(|(_, a)| *a).collect();
    let (p50, p99) = (percentile(&mut ages, 50.0), percentile(&mut ages, 99.0));
    let bound = one_way_ms + transfer_ms + 2.0 * PERIOD_MS;
    // Where the slowest draws are: start-up (the overview, the rate not
    // yet known) or the steady state.
    let mut settled = watched.ages_between(START_SECS, f64::INFINITY);
    let settled_p99 = percentile(&mut settled, 99.0);
    let slowest_at_start = watched
        .ages_ms
        .iter()
        .filter(|&&(t, a)| t < START_SECS && a > p99)
        .count();
    let slowest = watched.ages_ms.iter().filter(|&&(_, a)| a > p99).count();
    let add = |report: &mut Report, figure: String, value, unit, reference, target| {
        report.add(Row {
            section: SECTION.into(),
            figure,
            value,
            unit,
            reference,
            target,
        });
    };
    add(
        report,
        format!(
            "{what}: true age p99 (p50 {p50:.0} ms; after the first {START_SECS:.0} s p99 \
             {settled_p99:.0} ms, {slowest_at_start} of the {slowest} draws over p99 before; \
             {frame_bytes:.0} bytes per frame)"
        ),
        p99,
        "ms",
        Some((
            "one way + one frame's transfer + 2 draw periods".into(),
            bound,
        )),
        Some(("≤ the bound".into(), p99 <= bound)),
    );
    let mut errors: Vec<f64> = watched
        .ages_ms
        .iter()
        .zip(&watched.shown_ages_ms)
        .skip(watched.frames as usize / 5) // after the clock settled
        .map(|((_, t), s)| (s - t).abs() / t.max(1.0) * 100.0)
        .collect();
    let error_p99 = percentile(&mut errors, 99.0);
    add(
        report,
        format!("{what}: displayed age's error against the true age, p99 (last 80 %)"),
        error_p99,
        "%",
        None,
        Some(("≤ 10 %".into(), error_p99 <= 10.0)),
    );
    let first_ms = watched
        .first_frame_after
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
    let first_bound = 2.0 * one_way_ms + 2.0 * transfer_ms;
    add(
        report,
        format!("{what}: first frame after connecting"),
        first_ms,
        "ms",
        Some(("one round trip + 2 frames' transfer".into(), first_bound)),
        Some(("≤ the bound".into(), first_ms <= first_bound)),
    );
    let link_fps = (rate / frame_bytes).min(60.0);
    let fps = watched.fps();
    let mut target = (
        "≥ 0.8 × link rate / bytes per frame".to_string(),
        fps >= 0.8 * link_fps,
    );
    if workload == Workload::Big && link.mbit >= 20.0 {
        target = (
            format!("{} and ≥ 15 frames/s", target.0),
            target.1 && fps >= 15.0,
        );
    }
    add(
        report,
        format!("{what}: frames/s shown (window {})", watched.window),
        fps,
        "fps",
        Some(("link rate / bytes per frame".into(), link_fps)),
        Some(target),
    );
    let bdp = rate * 2.0 * link.one_way.as_secs_f64();
    add(
        report,
        format!("{what}: most bytes in the link at once"),
        in_flight,
        "bytes",
        Some((
            "one bandwidth-delay product + one frame".into(),
            bdp + frame_bytes,
        )),
        Some((
            "≤ 1.25 × bdp + one frame".into(),
            in_flight <= 1.25 * bdp + frame_bytes,
        )),
    );
}
