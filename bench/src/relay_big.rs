//! Section 11, the big workload through NATS: `plotcast_workloads::big`
//! (a 2048² field and a 10⁶-point line, as `examples/big.rs` and section 9)
//! published through a nats-server and drawn by the real viewer,
//! `plotcast-viewer nats://…/RUN --headless` of this build, whose
//! connection to nats-server goes through the link emulator at 20 Mbit/s
//! and 50 ms round trip:
//!
//! ```text
//! computation ──loopback──▶ nats-server ◀──20 Mbit/s, 50 ms── plotcast-viewer --headless
//! computation ◀──20 Mbit/s, 50 ms── plotcast-viewer --headless --compress   (the reference)
//! ```
//!
//! Frames larger than one NATS message are in the bucket as an overview,
//! and the viewer asks the computation for its view (PROTOCOL.md, "Relay
//! through NATS"). The reference is the same viewer on the same link
//! connected to the computation directly. Frames drawn per second come
//! from the viewer's ready file (`presented N`, rewritten at most every
//! 100 ms), the age of what it shows from the same file (`age_us`, read
//! when a new frame is there; the window's two halves say whether it
//! grows), bytes from the emulator's count towards the viewer.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use plotcast_testkit::link_proxy::LinkProxy;
use plotcast_testkit::nats_server::NatsServer;
use plotcast_testkit::viewer_files::{note, ready_notes};
use plotcast_testkit::{KillOnDrop, TempDir};

use crate::common::{server, Scale};
use crate::lod::{slow_link, BigPublisher};
use crate::relayed::{relay_server, SECTION};
use crate::report::{percentile, Report, Row};

/// The run the big workload is published under.
const RUN: &str = "bench-big";

/// The target: through NATS the viewer draws at least this share of the
/// frames a second it draws connected directly over the same link.
const KEEP_UP: f64 = 0.9;

/// What one viewer drew in the measured window.
struct Drawn {
    fps: f64,
    bytes_per_frame: f64,
    first_after_secs: f64,
    /// The viewer's own age of what it showed (ms), one sample per ready
    /// file rewrite.
    ages_ms: Vec<f64>,
    publishes_per_sec: f64,
    /// Bytes to the viewer, per second, as megabits.
    mbit_per_sec: f64,
    /// Through NATS: overviews put and view requests answered per second.
    relay: Option<(f64, f64)>,
}

/// The ages a viewer showed, ms: whether they grow shows in the halves.
struct Ages {
    p50: f64,
    p99: f64,
    p99_first_half: f64,
    p99_second_half: f64,
}

impl Drawn {
    fn ages(&self) -> Ages {
        let half = self.ages_ms.len() / 2;
        let p99 = |samples: &[f64]| percentile(&mut samples.to_vec(), 99.0);
        Ages {
            p50: percentile(&mut self.ages_ms.clone(), 50.0),
            p99: p99(&self.ages_ms),
            p99_first_half: p99(&self.ages_ms[..half]),
            p99_second_half: p99(&self.ages_ms[half..]),
        }
    }
}

/// The big workload through NATS and, as the reference, directly.
pub fn big_through_nats(report: &mut Report, scale: Scale, viewer: &Path) -> Result<()> {
    let nats = NatsServer::start("bench-relay-big");
    let nats = &nats;
    let secs = scale.pick(15.0, 1.0);
    let first_within = Duration::from_secs(scale.pick(60, 180));
    // The smoke run checks the relay path only: the reference adds
    // nothing to that and a debug build draws slowly.
    let direct = if scale.smoke {
        None
    } else {
        Some(draw(viewer, None, secs, first_within, false)?)
    };
    let relay = draw(viewer, Some(nats), secs, first_within, scale.smoke)?;
    let (puts, requests) = relay.relay.unwrap_or_default();
    report.add(Row {
        section: SECTION.into(),
        figure: format!(
            "big workload through NATS, viewer at 20 Mbit/s, 50 ms: frames/s drawn by plotcast-viewer --headless (first after {:.2} s; {:.0} publishes/s, {puts:.1} overviews put/s, {requests:.1} views answered/s)",
            relay.first_after_secs, relay.publishes_per_sec
        ),
        value: relay.fps,
        unit: "fps",
        reference: direct.as_ref().map(|d| {
            (
                format!(
                    "direct on the same link (--compress; first after {:.2} s, {:.0} publishes/s)",
                    d.first_after_secs, d.publishes_per_sec,
                ),
                d.fps,
            )
        }),
        // Section 9's ≥ 10 frames/s is the drawing loop's; this viewer
        // also writes each frame as a PNG, which caps both ways alike.
        target: direct.as_ref().map(|d| {
            (
                format!("≥ {:.0} % of direct", KEEP_UP * 100.0),
                relay.fps >= KEEP_UP * d.fps,
            )
        }),
    });
    let ages = relay.ages();
    report.add(Row {
        section: SECTION.into(),
        figure: format!(
            "big workload through NATS: age of what the viewer shows, p99 (p50 {:.0} ms; p99 {:.0} ms in the first half of the window, {:.0} ms in the second)",
            ages.p50, ages.p99_first_half, ages.p99_second_half
        ),
        value: ages.p99,
        unit: "ms",
        reference: direct.as_ref().map(|d| {
            let direct = d.ages();
            (
                format!(
                    "direct on the same link (p50 {:.0} ms; halves {:.0} / {:.0} ms)",
                    direct.p50, direct.p99_first_half, direct.p99_second_half
                ),
                direct.p99,
            )
        }),
        target: None,
    });
    report.add(Row {
        section: SECTION.into(),
        figure: format!(
            "big workload through NATS: bytes to the viewer per frame drawn ({:.1} Mbit/s of the link's 20)",
            relay.mbit_per_sec
        ),
        value: relay.bytes_per_frame,
        unit: "bytes",
        reference: direct.as_ref().map(|d| {
            (
                format!("direct on the same link ({:.1} Mbit/s)", d.mbit_per_sec),
                d.bytes_per_frame,
            )
        }),
        target: None,
    });
    Ok(())
}

/// Runs the big workload, a link emulator and a headless viewer (through
/// `nats` when given, else directly) and measures `secs` of drawing after
/// the first frame.
fn draw(
    viewer: &Path,
    nats: Option<&NatsServer>,
    secs: f64,
    first_within: Duration,
    smoke: bool,
) -> Result<Drawn> {
    let server = match nats {
        Some(nats) => relay_server(nats, RUN, false)?,
        None => server("bench-big-direct")?,
    };
    let big = BigPublisher::on(server)?;
    let target = match nats {
        Some(nats) => SocketAddr::from(([127, 0, 0, 1], nats.port)),
        None => big.server().local_addr(),
    };
    let proxy = LinkProxy::start(target, slow_link())?;
    let dir = TempDir::new("bench-relay-big");
    let mut command = Command::new(viewer);
    match nats {
        Some(_) => command.arg(format!("nats://{}/{RUN}", proxy.addr())),
        // A viewer compresses by itself only when the server is on another
        // machine; this link stands for one.
        None => command.arg(proxy.addr().to_string()).arg("--compress"),
    };
    let log = std::fs::File::create(dir.join("viewer.log"))?;
    let ready = dir.join("ready");
    let child = command
        .args(["--headless", "--size", "1280x720", "--timeout", "600"])
        .arg("--out")
        .arg(dir.join("big.png"))
        .arg("--ready-file")
        .arg(&ready)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("starting the headless viewer")?;
    let child = KillOnDrop(child);
    let started = Instant::now();
    let presented = |lines: &[String]| -> u64 {
        note(lines, "presented")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    while presented(&ready_notes(&ready)) == 0 {
        anyhow::ensure!(
            started.elapsed() < first_within,
            "no frame drawn within {first_within:?}; the viewer said: {}",
            std::fs::read_to_string(dir.join("viewer.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let first_after_secs = started.elapsed().as_secs_f64();
    let counts = |b: &BigPublisher| {
        let stats = b.server().stats();
        let publishes = stats.channels.first().map_or(0, |c| c.publishes);
        let relay = stats.relay.map_or((0, 0), |r| (r.overviews, r.requests));
        (publishes, relay)
    };
    let (frames0, bytes0, t0) = (
        presented(&ready_notes(&ready)),
        proxy.bytes_to_clients(),
        Instant::now(),
    );
    let (publishes0, relay0) = counts(&big);
    let mut ages_ms = Vec::new();
    let mut last = frames0;
    while t0.elapsed().as_secs_f64() < secs {
        std::thread::sleep(Duration::from_millis(50));
        let lines = ready_notes(&ready);
        let n = presented(&lines);
        if n > last {
            last = n;
            if let Some(age) = note(&lines, "age_us").and_then(|a| a.parse::<f64>().ok()) {
                ages_ms.push(age / 1e3);
            }
        }
    }
    let frames1 = presented(&ready_notes(&ready));
    let bytes1 = proxy.bytes_to_clients();
    let elapsed = t0.elapsed().as_secs_f64();
    let (publishes1, relay1) = counts(&big);
    drop(child);
    drop(proxy);
    drop(big);
    let frames = frames1.saturating_sub(frames0);
    // A debug build's viewer (the smoke run) may take longer than the
    // smoke window for one big frame: its first one proved the path.
    anyhow::ensure!(frames > 0 || smoke, "the viewer drew nothing in {secs} s");
    let per_sec = |a: u64, b: u64| b.saturating_sub(a) as f64 / elapsed;
    Ok(Drawn {
        fps: frames as f64 / elapsed,
        bytes_per_frame: bytes1.saturating_sub(bytes0) as f64 / frames.max(1) as f64,
        mbit_per_sec: bytes1.saturating_sub(bytes0) as f64 * 8.0 / 1e6 / elapsed,
        first_after_secs,
        ages_ms,
        publishes_per_sec: per_sec(publishes0, publishes1),
        relay: nats.map(|_| (per_sec(relay0.0, relay1.0), per_sec(relay0.1, relay1.1))),
    })
}
