//! Section 9: level of detail and compression on a slow link. The big
//! workload (a 2048² field, a million-point line, three series, as
//! `examples/big.rs`) behind the link emulator at 20 Mbit/s and 50 ms round
//! trip, watched by the viewer library with and without level of detail;
//! the first frame of a 4096² heatmap on that link; ten viewers of one size
//! sharing reductions, and the network thread's CPU per reduced frame; and
//! what compression gives and costs on the heat and big frames.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Result;
use bytes::BytesMut;
use plotcast_protocol::{
    compress_data, encode_data, ArrayRef, ChannelKind, FrameRef, Message, PartRef, View,
};
use plotcast_testkit::link_proxy::{LinkProxy, LinkSpec};
use plotcast_testkit::test_peer::TestPeer;
use plotcast_workloads::big::{BigChannels, LINE, N};

use crate::common::{server, wait_viewers, Scale};
use crate::draw_loop::{watch, Watch};
use crate::procfs::thread_cpu_secs;
use crate::report::{percentile, Report, Row};

const SECTION: &str = "9 level of detail";

/// The slow link of this section (and of section 11's big workload): 20
/// Mbit/s each way, 50 ms round trip.
pub(crate) fn slow_link() -> LinkSpec {
    LinkSpec::round_trip(Duration::from_millis(50)).mbit(20.0)
}

/// Bytes of values one publish of the big workload carries (field, line).
const RAW_FRAME_BYTES: f64 = ((N * N + LINE) * 8) as f64;

/// The big workload (`plotcast_workloads::big`, as `examples/big.rs`) on a
/// thread of its own, publishing as fast as it runs.
pub(crate) struct BigPublisher {
    server: plotcast::Server,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl BigPublisher {
    pub(crate) fn start() -> Result<Self> {
        Self::on(server("bench-big")?)
    }

    /// The workload publishing on `server` (section 11 gives one that
    /// publishes through NATS).
    pub(crate) fn on(server: plotcast::Server) -> Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let mut big = BigChannels::new(&server);
        let thread = std::thread::Builder::new()
            .name("bench-big".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    big.step();
                }
            })?;
        Ok(Self {
            server,
            stop,
            thread: Some(thread),
        })
    }

    /// The server it publishes on.
    pub(crate) fn server(&self) -> &plotcast::Server {
        &self.server
    }
}

impl Drop for BigPublisher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Section 9.
pub fn lod(report: &mut Report, scale: Scale) -> Result<()> {
    big_over_a_slow_link(report, scale)?;
    first_frame_of_a_4096_heatmap(report)?;
    shared_reductions(report, scale)?;
    compression(report, scale)?;
    Ok(())
}

fn big_over_a_slow_link(report: &mut Report, scale: Scale) -> Result<()> {
    for lod in [true, false] {
        let secs = scale.pick(if lod { 20.0 } else { 10.0 }, 1.0);
        let big = BigPublisher::start()?;
        let proxy = LinkProxy::start(big.server.local_addr(), slow_link())?;
        let how = Watch {
            compress: Some(true),
            level_of_detail: lod,
            first_within: Duration::from_secs(scale.pick(30, 10)),
            ..Watch::new(Some(60.0), secs)
        };
        let before = proxy.bytes_to_clients();
        let published = |b: &BigPublisher| b.server.stats().channels[0].publishes;
        let (p0, t0) = (published(&big), Instant::now());
        let watched = watch(proxy.addr(), how)?;
        let publish_rate = (published(&big) - p0) as f64 / t0.elapsed().as_secs_f64();
        let bytes = (proxy.bytes_to_clients() - before) as f64;
        drop(proxy);
        drop(big);
        let label = if lod {
            "level of detail, compressed"
        } else {
            "full data (--full-resolution), compressed"
        };
        let mut ages: Vec<f64> = watched.ages_ms.iter().map(|(_, a)| *a).collect();
        let (p50, p99) = (percentile(&mut ages, 50.0), percentile(&mut ages, 99.0));
        report.add(Row {
            section: SECTION.into(),
            figure: format!(
                "big workload at 20 Mbit/s, 50 ms: frames/s shown ({label}; first after {:.2} s; {publish_rate:.0} publishes/s; window {}, round trip {:.0} ms)",
                watched.first_frame_after.map_or(f64::NAN, |d| d.as_secs_f64()),
                watched.window,
                watched.round_trip_ms.unwrap_or(f64::NAN)
            ),
            value: watched.fps(),
            unit: "fps",
            reference: None,
            target: lod.then(|| ("≥ 10 frames/s".into(), watched.fps() >= 10.0)),
        });
        if watched.frames == 0 {
            continue;
        }
        report.add(Row {
            section: SECTION.into(),
            figure: format!("big workload: displayed age p99 ({label}; p50 {p50:.0} ms)"),
            value: p99,
            unit: "ms",
            reference: None,
            target: lod.then(|| ("p99 ≤ 300 ms".into(), p99 <= 300.0)),
        });
        let per_frame = bytes / watched.frames as f64;
        report.add(Row {
            section: SECTION.into(),
            figure: format!("big workload: bytes on the wire per frame shown ({label})"),
            value: per_frame,
            unit: "bytes",
            reference: Some(("raw values of one publish".into(), RAW_FRAME_BYTES)),
            target: lod.then(|| ("≤ 1/20 of raw".into(), per_frame * 20.0 <= RAW_FRAME_BYTES)),
        });
    }
    Ok(())
}

fn first_frame_of_a_4096_heatmap(report: &mut Report) -> Result<()> {
    let server = server("bench-4096")?;
    let heat = server.heatmap("field");
    let n = 4096usize;
    let grid: Vec<f64> = (0..n * n)
        .map(|k| ((k % n) as f64 * 0.01).sin() * ((k / n) as f64 * 0.013).cos())
        .collect();
    heat.publish(&grid, n, n);
    let proxy = LinkProxy::start(server.local_addr(), slow_link())?;
    let how = Watch {
        compress: Some(true),
        first_within: Duration::from_secs(30),
        ..Watch::new(Some(60.0), 0.1)
    };
    let watched = watch(proxy.addr(), how)?;
    let first = watched
        .first_frame_after
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
    report.add(Row {
        section: SECTION.into(),
        figure: "4096² heatmap at 20 Mbit/s, 50 ms: connect to first frame drawn".into(),
        value: first,
        unit: "ms",
        reference: Some((
            "128 MiB raw at 20 Mbit/s".into(),
            (n * n * 8) as f64 * 8.0 / 20e6 * 1e3,
        )),
        target: Some(("≤ 1 s".into(), first <= 1000.0)),
    });
    Ok(())
}

fn shared_reductions(report: &mut Report, scale: Scale) -> Result<()> {
    let publishes = scale.pick(40u64, 3);
    let server = server("bench-shared")?;
    let heat = server.heatmap("field");
    let line = server.line("signal");
    let view = |channel: u32| View {
        channel,
        x_px: 60,
        width_px: 560,
        height_px: 300,
        x_range: None,
        y_range: None,
        x_log: false,
        y_log: false,
    };
    let mut viewers = Vec::new();
    for _ in 0..10 {
        let mut c = crate::viewer::connect(server.local_addr(), "bench-lod")?;
        c.io.send(&Message::View(view(heat.id())))?;
        c.io.send(&Message::View(view(line.id())))?;
        viewers.push(c);
    }
    wait_viewers(&server, 10)?;
    // A field that varies along both axes, as a simulation's does (with
    // every row alike, each block's picks came in the same order in every
    // band, which flattered the reduction's branches).
    let grid: Vec<f64> = (0..N * N)
        .map(|k| ((k % N) as f64 * 0.01).sin() * ((k / N) as f64 * 0.013).cos())
        .collect();
    let signal: Vec<f64> = (0..LINE).map(|i| (i as f64 * 1e-4).sin()).collect();
    // The first batch of each viewer may come before its views did.
    let take = |c: &mut TestPeer| -> Result<()> { c.try_batch().map(drop).map_err(Into::into) };
    heat.publish(&grid, N, N);
    line.publish(&signal);
    viewers.iter_mut().try_for_each(take)?;
    let reducing = |server: &plotcast::Server| {
        let stats = server.stats();
        let channels = stats.channels.iter();
        (
            channels.clone().map(|c| c.reductions).sum::<u64>(),
            channels.map(|c| c.reducing.as_secs_f64()).sum::<f64>(),
        )
    };
    let (before, reducing_before) = reducing(&server);
    let cpu = thread_cpu_secs("plotcast-net");
    for _ in 0..publishes {
        heat.publish(&grid, N, N);
        line.publish(&signal);
        viewers.iter_mut().try_for_each(take)?;
    }
    let cpu = thread_cpu_secs("plotcast-net") - cpu;
    let (after, reducing_after) = reducing(&server);
    let reductions = after - before;
    let reducing_ms = (reducing_after - reducing_before) / publishes as f64 * 1e3;
    report.add(Row {
        section: SECTION.into(),
        figure: "frames reduced per publish, 10 viewers of one size (2048² field + 10⁶-point line)"
            .into(),
        value: reductions as f64 / publishes as f64,
        unit: "reductions",
        reference: Some(("channels published".into(), 2.0)),
        target: Some(("one per channel".into(), reductions <= 2 * publishes)),
    });
    report.add(Row {
        section: SECTION.into(),
        figure: "network-thread CPU per reduced frame (10 viewers served from it)".into(),
        value: cpu / reductions.max(1) as f64 * 1e3,
        unit: "ms",
        reference: None,
        target: None,
    });
    // What memory bandwidth allows: reading the published values once.
    let read_ms = streaming_read_ms(&[&grid, &signal], scale.pick(20, 3));
    let per_publish = cpu / publishes as f64 * 1e3;
    report.add(Row {
        section: SECTION.into(),
        figure: format!(
            "network-thread CPU to reduce one publish (field + line, {:.1} MB; {:.2} reductions per publish)",
            RAW_FRAME_BYTES / 1e6,
            reductions as f64 / publishes as f64
        ),
        value: per_publish,
        unit: "ms",
        reference: Some((
            "one streaming read of those bytes (min/max loop)".into(),
            read_ms,
        )),
        target: Some((
            "≤ 1.5× the streaming read".into(),
            per_publish <= 1.5 * read_ms,
        )),
    });
    // The figure above holds the sends to ten viewers too; the server's
    // own clock around its reductions gives the reducing alone.
    report.add(Row {
        section: SECTION.into(),
        figure: "of which reducing and encoding (the server's clock around its reductions)".into(),
        value: reducing_ms,
        unit: "ms",
        reference: Some((
            "one streaming read of those bytes (min/max loop)".into(),
            read_ms,
        )),
        target: None,
    });
    Ok(())
}

/// Median milliseconds of one pass over `arrays` finding their finite
/// minimum and maximum: a plain loop the compiler vectorises, the least
/// any reduction of those values must cost.
fn streaming_read_ms(arrays: &[&[f64]], rounds: usize) -> f64 {
    const LANES: usize = 8;
    let mut times: Vec<f64> = (0..rounds.max(1))
        .map(|_| {
            let t = Instant::now();
            let (mut lo, mut hi) = ([f64::INFINITY; LANES], [f64::NEG_INFINITY; LANES]);
            for values in arrays {
                let chunks = std::hint::black_box(*values).chunks_exact(LANES);
                for chunk in chunks {
                    for k in 0..LANES {
                        let v = chunk[k];
                        let finite = v.abs() < f64::INFINITY;
                        lo[k] = if finite && v < lo[k] { v } else { lo[k] };
                        hi[k] = if finite && v > hi[k] { v } else { hi[k] };
                    }
                }
            }
            std::hint::black_box((lo, hi));
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    percentile(&mut times, 50.0)
}

/// One data frame of `values` as the server encodes it.
fn data_frame(kind: ChannelKind, nx: u32, ny: u32, values: &[f64]) -> Result<bytes::Bytes> {
    let parts = [PartRef {
        name: "",
        first_index: 0,
        x: None,
        y: ArrayRef::F64(values),
    }];
    let mut out = BytesMut::new();
    encode_data(
        &FrameRef {
            channel: 0,
            seq: 1,
            timestamp_us: 0,
            kind,
            nx,
            ny,
            range: None,
            parts: &parts,
            lod: None,
        },
        &mut out,
    )?;
    Ok(out.freeze())
}

fn compression(report: &mut Report, scale: Scale) -> Result<()> {
    let rounds = scale.pick(20, 2);
    // The heat demo's field after a while, and the big workload's field
    // and line.
    let (nx, ny) = (256usize, 160usize);
    let mut u = vec![0.0f64; nx * ny];
    let mut next = u.clone();
    for step in 0..3000 {
        for j in 1..ny - 1 {
            for i in 1..nx - 1 {
                let k = j * nx + i;
                next[k] = u[k] + 0.2 * (u[k - 1] + u[k + 1] + u[k - nx] + u[k + nx] - 4.0 * u[k]);
            }
        }
        next[(ny / 2) * nx + nx / 2 + step % 50] += 1.0;
        std::mem::swap(&mut u, &mut next);
    }
    let field: Vec<f64> = (0..N * N)
        .map(|k| {
            let (x, y) = ((k % N) as f64 / N as f64, (k / N) as f64 / N as f64);
            let r = ((x - 0.5).powi(2) + (y - 0.5).powi(2)).sqrt();
            (40.0 * r).sin() * (-3.0 * r).exp() + 0.2 * (25.0 * x).cos()
        })
        .collect();
    let line: Vec<f64> = (0..LINE)
        .map(|i| (i as f64 * 2e-4).sin() + 0.05 * ((i * 2_654_435_761) % 1000) as f64 / 1000.0)
        .collect();
    for (name, frame) in [
        (
            "heat demo field 256×160 f64",
            data_frame(ChannelKind::Heatmap, nx as u32, ny as u32, &u)?,
        ),
        (
            "big field 2048² f64",
            data_frame(ChannelKind::Heatmap, N as u32, N as u32, &field)?,
        ),
        (
            "10⁶-point noisy line f64",
            data_frame(ChannelKind::Line, 0, 0, &line)?,
        ),
    ] {
        let mut packed_len = frame.len();
        let t = Instant::now();
        for _ in 0..rounds {
            packed_len = compress_data(&frame)?.map_or(frame.len(), |p| p.len());
        }
        let secs = t.elapsed().as_secs_f64() / f64::from(rounds);
        report.add(Row {
            section: SECTION.into(),
            figure: format!(
                "compression of a {name}: size after / before ({:.0} MB/s)",
                frame.len() as f64 / secs / 1e6
            ),
            value: packed_len as f64 / frame.len() as f64,
            unit: "ratio",
            reference: None,
            target: None,
        });
    }
    Ok(())
}
