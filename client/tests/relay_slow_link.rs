//! A relayed run read over a slow link: a viewer whose connection to
//! nats-server goes through the link emulator (20 Mbit/s, 50 ms) while
//! the computation puts big values faster than the link carries them.
//! Latest value wins: what the viewer shows stays young and does not grow
//! older over the run (a watch that pushes every value to the viewer
//! queued them in nats-server and the age grew by seconds), new values
//! keep coming, and the ones replaced before the viewer read them are
//! counted as skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod relay_common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Layout, Part};
use plotcast_testkit::frames::unix_us;
use plotcast_testkit::link_proxy::{LinkProxy, LinkSpec};
use plotcast_testkit::{NatsServer, RelayPublisher};
use plotcast_viewer::model::{ChannelData, PlotState};
use relay_common::RelayView;

/// Points of each value: about 300 KB of noise (LZ4 cannot shrink it).
const POINTS: usize = 37_500;

/// Values put per second: 15 × 300 KB = 4.5 MB/s, nearly twice what the
/// 20 Mbit/s link carries.
const PUTS_PER_SEC: u64 = 15;

/// How long ages are measured for, once the first value is shown.
const WINDOW: Duration = Duration::from_secs(10);

/// Bound on the age of what is shown in the window's second half. Once
/// over the link a value takes about 0.25 s (a fetch's round trip and
/// 300 KB at 20 Mbit/s); a value queued behind others grew past 3 s within
/// 10 s on this load. Loose for a slow, shared machine drawing in a debug
/// build.
const MAX_AGE: Duration = Duration::from_millis(2500);

/// A line of noise, stamped now.
fn noisy(seq: u64, seed: &mut u64) -> Frame {
    let values: Vec<f64> = (0..POINTS)
        .map(|_| {
            // A 64-bit LCG: noise enough that compression does not help.
            *seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (*seed >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect();
    Frame::new(
        0,
        seq,
        unix_us(),
        ChannelKind::Line,
        vec![Part::from_f64("noise", None, &values)],
    )
}

/// The publish time and seq of the value shown.
fn shown(plot: &PlotState) -> Option<(u64, u64)> {
    match plot.data.get(&0) {
        Some(ChannelData::Snapshot(f)) => Some((f.timestamp_us, f.seq)),
        _ => None,
    }
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied().unwrap_or(0.0)
}

#[test]
fn a_viewer_behind_a_slow_link_shows_the_newest_value_and_its_age_does_not_grow() {
    let nats = NatsServer::start("relay-slow-link");
    let publisher = RelayPublisher::start(&nats.url, "slow", "rank0");
    publisher.hello("slow link");
    publisher.layout(&Layout {
        title: "slow link".into(),
        columns: 0,
        channels: vec![ChannelSpec::new(0, "noise", ChannelKind::Line)],
    });
    let link = LinkSpec::round_trip(Duration::from_millis(50)).mbit(20.0);
    let proxy = LinkProxy::start(SocketAddr::from(([127, 0, 0, 1], nats.port)), link)
        .expect("the link emulator starts");
    let mut view = RelayView::start(&format!("nats://{}/slow", proxy.addr()));

    let mut seed = 7u64;
    let mut seq = 0u64;
    let period = Duration::from_micros(1_000_000 / PUTS_PER_SEC);
    let mut next_put = Instant::now();
    let mut put = |seq: &mut u64, next_put: &mut Instant| {
        if Instant::now() >= *next_put {
            *seq += 1;
            publisher.data(&noisy(*seq, &mut seed));
            *next_put += period;
        }
    };
    let first_within = Instant::now() + Duration::from_secs(60);
    while shown(&view.draw()).is_none() {
        assert!(
            Instant::now() < first_within,
            "no value shown within 60 s: {:?}",
            view.draw().status
        );
        put(&mut seq, &mut next_put);
        std::thread::sleep(Duration::from_millis(5));
    }

    // (seconds into the window, age of what is shown in ms), one sample
    // per iteration; the seqs shown.
    let mut ages: Vec<(f64, f64)> = Vec::new();
    let mut seqs = std::collections::BTreeSet::new();
    let start = Instant::now();
    while start.elapsed() < WINDOW {
        put(&mut seq, &mut next_put);
        let plot = view.draw();
        if let Some((published_us, shown_seq)) = shown(&plot) {
            let age_ms = unix_us().saturating_sub(published_us) as f64 / 1e3;
            ages.push((start.elapsed().as_secs_f64(), age_ms));
            seqs.insert(shown_seq);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let plot = view.draw();
    view.stop();

    let half = WINDOW.as_secs_f64() / 2.0;
    let quarter = WINDOW.as_secs_f64() / 4.0;
    let worst_late = ages
        .iter()
        .filter(|(t, _)| *t >= half)
        .map(|(_, a)| *a)
        .fold(0.0, f64::max);
    let early = median(
        ages.iter()
            .filter(|(t, _)| *t < quarter)
            .map(|(_, a)| *a)
            .collect(),
    );
    let late = median(
        ages.iter()
            .filter(|(t, _)| *t >= 3.0 * quarter)
            .map(|(_, a)| *a)
            .collect(),
    );
    let summary = format!(
        "{seq} values put, {} shown in the window, ages (ms) median first quarter {early:.0}, \
         last quarter {late:.0}, worst of the second half {worst_late:.0}; status {:?}",
        seqs.len(),
        plot.status
    );
    eprintln!("{summary}");
    assert!(
        worst_late < MAX_AGE.as_secs_f64() * 1e3,
        "what is shown grew old: {summary}"
    );
    assert!(
        late < early + 1000.0,
        "the age of what is shown keeps growing: {summary}"
    );
    // 300 KB at 20 Mbit/s is 0.12 s: even fetched one by one after each
    // draw, values come several a second; one a second is the floor.
    assert!(
        seqs.len() as f64 >= WINDOW.as_secs_f64(),
        "new values stopped coming: {summary}"
    );
    assert!(
        plot.status.frames_skipped > 0,
        "values replaced before the viewer read them are counted: {summary}"
    );
}
