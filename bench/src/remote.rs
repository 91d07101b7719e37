//! Section 8: remote viewing. The heat workload behind the link emulator
//! (`plotcast_testkit::link_proxy`) at round trips of 0 to 200 ms, watched by the
//! viewer library's own network side and a drawing loop capped at 60 Hz:
//! frames shown per second and the age of what is shown; then slow far
//! links (`slow_links`: 5 and 20 Mbit/s). Then the CPU a
//! real window viewer takes on the local link, paced to 60 Hz and
//! unlimited, when an X server (Xvfb) is at hand.

use std::time::{Duration, Instant};

use anyhow::Result;
use plotcast_testkit::link_proxy::{LinkProxy, LinkSpec};

use crate::common::{wait_viewers, Scale};
use crate::draw_loop::{watch, Watch};
use crate::heat_publisher::HeatPublisher;
use crate::report::{percentile, Report, Row};
use crate::window::spawn_window_viewer;

/// The refresh cap of these measurements.
const CAP_HZ: f64 = 60.0;

/// Section 8.
pub fn remote(report: &mut Report, scale: Scale) -> Result<()> {
    let secs = scale.pick(8.0, 0.5);
    let period_ms = 1e3 / CAP_HZ;
    let mut local_fps = None;
    for rtt_ms in [0u64, 20, 50, 100, 200] {
        let heat = HeatPublisher::start("bench-remote")?;
        let rtt = Duration::from_millis(rtt_ms);
        // RTT 0 is the direct connection, without the proxy.
        let proxy = (rtt_ms > 0)
            .then(|| LinkProxy::start(heat.addr(), LinkSpec::round_trip(rtt)))
            .transpose()?;
        let addr = proxy.as_ref().map_or(heat.addr(), LinkProxy::addr);
        let watched = watch(addr, Watch::new(Some(CAP_HZ), secs))?;
        anyhow::ensure!(watched.frames > 0, "no frame drawn at {rtt_ms} ms");
        drop(proxy);
        drop(heat);
        let fps = watched.fps();
        let base = *local_fps.get_or_insert(fps);
        let mut ages: Vec<f64> = watched.ages_ms.iter().map(|(_, a)| *a).collect();
        let (p50, p99) = (percentile(&mut ages, 50.0), percentile(&mut ages, 99.0));
        let one_way = rtt_ms as f64 / 2.0;
        // A 330 kB batch crosses loopback in well under a millisecond.
        let bound = one_way + 2.0 * period_ms + 1.0;
        let section = "8 remote".to_string();
        report.add(Row {
            section: section.clone(),
            figure: format!(
                "frames/s shown at {rtt_ms} ms round trip (60 Hz cap, window {}, measured round trip {:.1} ms)",
                watched.window,
                watched.round_trip_ms.unwrap_or(f64::NAN)
            ),
            value: fps,
            unit: "fps",
            reference: Some(("frames/s at 0 ms".into(), base)),
            target: (rtt_ms > 0).then(|| ("≥ 0.9× the 0 ms rate".into(), fps >= 0.9 * base)),
        });
        report.add(Row {
            section: section.clone(),
            figure: format!("displayed age p50 / p99 at {rtt_ms} ms (p50 {p50:.1} ms)"),
            value: p99,
            unit: "ms",
            reference: Some(("one way + 2 draw periods + transfer".into(), bound)),
            target: Some(("p99 within the bound".into(), p99 <= bound)),
        });
    }
    age_over_time(report, scale)?;
    crate::slow_links::slow_links(report, scale)?;
    window_cpu(report, scale)?;
    Ok(())
}

/// Whether the displayed age grows over a long run at 200 ms.
fn age_over_time(report: &mut Report, scale: Scale) -> Result<()> {
    let secs = scale.pick(60.0, 1.0);
    let heat = HeatPublisher::start("bench-remote-long")?;
    let proxy = LinkProxy::start(
        heat.addr(),
        LinkSpec::round_trip(Duration::from_millis(200)),
    )?;
    let watched = watch(proxy.addr(), Watch::new(Some(CAP_HZ), secs))?;
    anyhow::ensure!(watched.frames > 0, "no frame drawn at 200 ms");
    let tenth = secs / 6.0;
    let mut first = watched.ages_between(0.0, tenth);
    let mut last = watched.ages_between(secs - tenth, secs + 1.0);
    let first_p99 = percentile(&mut first, 99.0);
    let last_p99 = percentile(&mut last, 99.0);
    report.add(Row {
        section: "8 remote".into(),
        figure: format!(
            "displayed age p99 in the last {tenth:.0} s of {secs:.0} s at 200 ms ({:.1} fps)",
            watched.fps()
        ),
        value: last_p99,
        unit: "ms",
        reference: Some((format!("p99 in the first {tenth:.0} s"), first_p99)),
        target: Some((
            "does not grow (≤ first + 1 draw period)".into(),
            last_p99 <= first_p99 + 1e3 / CAP_HZ,
        )),
    });
    Ok(())
}

/// CPU of a real window viewer on the local heat workload, paced to 60 Hz
/// and unlimited, under Xvfb.
fn window_cpu(report: &mut Report, scale: Scale) -> Result<()> {
    let secs = scale.pick(10.0, 1.0);
    let mut cpu = Vec::new();
    for max_fps in ["60", "0"] {
        let heat = HeatPublisher::start("bench-window")?;
        let Some(window) = spawn_window_viewer(heat.addr(), &["--max-fps", max_fps])? else {
            return Ok(());
        };
        wait_viewers(&heat.server, 1)?;
        std::thread::sleep(Duration::from_secs(1)); // window up, first frames drawn
        let before = window.cpu_secs();
        let t = Instant::now();
        std::thread::sleep(Duration::from_secs_f64(secs));
        cpu.push((window.cpu_secs() - before) / t.elapsed().as_secs_f64());
    }
    report.add(Row {
        section: "8 remote".into(),
        figure: "window viewer CPU on the local heat demo, 60 Hz cap (Xvfb)".into(),
        value: cpu[0] * 100.0,
        unit: "% of a core",
        reference: Some(("unlimited (--max-fps 0)".into(), cpu[1] * 100.0)),
        target: Some(("≤ 20 % of a core".into(), cpu[0] <= 0.20)),
    });
    Ok(())
}
