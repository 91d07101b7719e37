//! Remote viewing through the link emulator (`plotcast_testkit::link_proxy`): a
//! real server in this process, a real headless viewer process, a proxy on
//! loopback that delays every byte.
//!
//! - The frame age the viewer shows is true end to end, even when the
//!   viewer's clock is seconds off the server's: the clock offset comes
//!   from Ping/Pong exchanges, not from assuming one clock.
//! - The frame rate does not collapse to one frame per round trip: the
//!   viewer keeps a window of batches in flight.
//!
//! Bounds are loose (a slow, shared machine must pass); the benchmark's
//! "remote" section measures the figures.

use std::time::{Duration, Instant};

use plotcast_testkit::link_proxy::{LinkProxy, LinkSpec};
use plotcast_testkit::viewer_files::{note, ready_figure, ready_notes};
use plotcast_testkit::{server_builder, Background, TempDir, ViewerCommand, ViewerProcess, Wait};

/// A server publishing a 64×48 heatmap as fast as it can, until dropped.
struct Publishing {
    server: plotcast::Server,
    _thread: Background,
}

impl Publishing {
    fn start() -> Self {
        let server = server_builder("remote")
            .heartbeat_timeout(Duration::from_secs(30))
            .start()
            .expect("server starts");
        let heat = server.heatmap("field");
        let mut grid = vec![0.0; 64 * 48];
        let mut k = 0u64;
        let thread = Background::repeat("publisher", move || {
            k += 1;
            grid[(k % 3072) as usize] = k as f64;
            heat.publish(&grid, 64, 48);
            std::thread::sleep(Duration::from_millis(2));
        });
        Self {
            server,
            _thread: thread,
        }
    }
}

/// Starts a headless viewer on `addr` writing its ready file in `dir`, with
/// its clock shifted by `skew_ms`.
fn viewer(addr: std::net::SocketAddr, dir: &TempDir, skew_ms: i64) -> ViewerProcess {
    ViewerCommand::new()
        .source(addr)
        .headless()
        .size(320, 240)
        .timeout_secs(120)
        .out(dir.join("f.png"))
        .ready_file(dir.join("ready"))
        .env("PLOTCAST_TEST_CLOCK_SKEW_MS", skew_ms.to_string())
        .spawn()
}

#[test]
fn the_age_shown_is_true_end_to_end_behind_a_long_link_and_a_wrong_clock() {
    let publishing = Publishing::start();
    let one_way = Duration::from_millis(50);
    let proxy = LinkProxy::start(
        publishing.server.local_addr(),
        LinkSpec::round_trip(one_way * 2),
    )
    .expect("link proxy");
    let dir = TempDir::new("remote-age");
    let skew_ms: i64 = 3_000; // the viewer's clock runs 3 s ahead
    let viewer = viewer(proxy.addr(), &dir, skew_ms);
    let ready = dir.join("ready");
    // Several pings must have come back before the offset is believed.
    Wait::new("frames and a measured round trip", Duration::from_secs(60))
        .until(|| viewer.presented() >= 20 && ready_figure(&ready, "round_trip_us").is_some());
    // Not a synchronisation: the clock estimator keeps refining its offset
    // from the pings of the next seconds, and the check is of a settled one.
    std::thread::sleep(Duration::from_secs(3));
    let deadline = Instant::now() + Duration::from_secs(60);
    for _ in 0..5 {
        let left = deadline.saturating_duration_since(Instant::now());
        let [age, published, shown, rtt] =
            Wait::new("a consistent ready file", left).for_value(|| {
                let figures = ["age_us", "newest_publish_us", "shown_us", "round_trip_us"]
                    .map(|k| ready_figure(&ready, k));
                let [Some(a), Some(p), Some(s), Some(r)] = figures else {
                    return None;
                };
                Some([a, p, s, r])
            });
        // The viewer's "shown" is on its own (skewed) clock.
        let true_age = shown - skew_ms * 1000 - published;
        eprintln!("shown age {age} µs, true age {true_age} µs, round trip {rtt} µs");
        assert!(
            age >= one_way.as_micros() as i64,
            "the age shown ({age} µs) is less than the one-way delay"
        );
        let error = (age - true_age).abs();
        assert!(
            error * 5 <= true_age,
            "the age shown ({age} µs) is more than 20 % off the true age ({true_age} µs)"
        );
        assert!(
            rtt >= 2 * one_way.as_micros() as i64,
            "round trip {rtt} µs below the link's"
        );
        // Not a synchronisation: five readings spread over time.
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn the_frame_rate_does_not_collapse_to_one_frame_per_round_trip() {
    let publishing = Publishing::start();
    let rtt = Duration::from_millis(200);
    let proxy =
        LinkProxy::start(publishing.server.local_addr(), LinkSpec::round_trip(rtt)).expect("proxy");
    let dir = TempDir::new("remote-rate");
    let mut viewer = viewer(proxy.addr(), &dir, 0);
    let ready = dir.join("ready");
    viewer.wait_presented(5, Duration::from_secs(60));
    let (start, t0) = (viewer.presented(), Instant::now());
    // The measurement: frames presented over four seconds.
    std::thread::sleep(Duration::from_secs(4));
    let frames = viewer.presented() - start;
    let secs = t0.elapsed().as_secs_f64();
    let fps = frames as f64 / secs;
    let one_in_flight = 1.0 / rtt.as_secs_f64();
    let window = ready_figure(&ready, "window").unwrap_or(0);
    eprintln!("{fps:.1} frames/s through a {rtt:?} round trip (window {window})");
    assert!(window >= 3, "window {window}: not covering the round trip");
    assert!(
        fps > 2.0 * one_in_flight,
        "{fps:.1} frames/s: no better than one batch per round trip ({one_in_flight:.1}/s)"
    );
}

/// A server publishing a smooth 256×160 field (327 KB of f64) 30 times a
/// second, until dropped: the heat demo's size, at a rate a 5 Mbit/s link
/// cannot carry.
struct SlowField {
    server: plotcast::Server,
    thread: Option<Background>,
}

/// Bytes of one SlowField frame on the wire, about (the cells, a header).
const FIELD_FRAME_BYTES: u64 = 256 * 160 * 8 + 200;

impl SlowField {
    fn start() -> Self {
        let server = server_builder("slow-link")
            .heartbeat_timeout(Duration::from_secs(30))
            .start()
            .expect("server starts");
        let heat = server.heatmap("field");
        let mut grid = vec![0.0; 256 * 160];
        let mut t = 0.0f64;
        let thread = Background::repeat("field publisher", move || {
            t += 0.033;
            for (i, v) in grid.iter_mut().enumerate() {
                let (x, y) = ((i % 256) as f64 / 40.0, (i / 256) as f64 / 40.0);
                *v = (x + t).sin() * (y - t).cos();
            }
            heat.publish(&grid, 256, 160);
            std::thread::sleep(Duration::from_millis(33));
        });
        Self {
            server,
            thread: Some(thread),
        }
    }

    /// Stops publishing (the server stays).
    fn stop(&mut self) {
        self.thread = None;
    }
}

fn percentile(values: &mut [i64], p: f64) -> i64 {
    values.sort_unstable();
    values[((values.len() - 1) as f64 * p).round() as usize]
}

/// 5 Mbit/s with 150 ms each way (an intercontinental link), a publisher
/// faster than the link: the server keeps about one bandwidth-delay
/// product in flight (the emulator counts the bytes in it), so no stale
/// frames queue in the network and the age does not grow; the clock offset
/// stays right to 5 ms although the link is saturated.
#[test]
fn a_slow_far_link_holds_no_standing_queue_and_the_age_stays_honest() {
    let mut publishing = SlowField::start();
    let one_way = Duration::from_millis(150);
    let spec = LinkSpec {
        // The proxy never stops reading: every byte in flight is counted
        // by it, none hides in the kernel's buffers.
        queue_bytes: 16 << 20,
        ..LinkSpec::one_way(one_way).mbit(5.0)
    };
    let rate = spec.bytes_per_sec.expect("a bandwidth") as u64;
    let proxy = LinkProxy::start(publishing.server.local_addr(), spec).expect("link proxy");
    let dir = TempDir::new("slow-link");
    let skew_ms: i64 = 3_000;
    let viewer = viewer(proxy.addr(), &dir, skew_ms);
    let ready = dir.join("ready");
    Wait::new(
        "the first frames over the slow link",
        Duration::from_secs(60),
    )
    .until(|| viewer.presented() >= 3);

    // Readings every half second for 60 s (the measurement, not a wait).
    let start = Instant::now();
    let mut readings: Vec<(f64, i64, i64, i64)> = Vec::new();
    let mut offsets_ok = 0;
    let mut best_offset_error = i64::MAX;
    let mut coded_seen = 0;
    while start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(500));
        let notes = ready_notes(&ready);
        if note(&notes, "status").is_some_and(|s| s.contains(CODED)) {
            coded_seen += 1;
        }
        let figures = ["age_us", "newest_publish_us", "shown_us", "clock_offset_us"]
            .map(|k| ready_figure(&ready, k));
        let [Some(age), Some(published), Some(shown), Some(offset)] = figures else {
            continue;
        };
        let true_age = shown - skew_ms * 1000 - published;
        readings.push((start.elapsed().as_secs_f64(), age, true_age, offset));
        // Server clock minus the viewer's: -3 s.
        let offset_error = (offset + skew_ms * 1000).abs();
        best_offset_error = best_offset_error.min(offset_error);
        if start.elapsed() > Duration::from_secs(10) && offset_error <= 5_000 {
            offsets_ok += 1;
        }
    }
    let window = |from: f64, to: f64| -> Vec<i64> {
        readings
            .iter()
            .filter(|r| r.0 >= from && r.0 < to)
            .map(|r| r.2)
            .collect()
    };
    let (mut early, mut late) = (window(10.0, 20.0), window(50.0, 60.0));
    assert!(
        early.len() >= 5 && late.len() >= 5,
        "too few readings: {readings:?}"
    );
    let (early_p90, late_p90) = (percentile(&mut early, 0.9), percentile(&mut late, 0.9));
    let transfer_us = (FIELD_FRAME_BYTES * 1_000_000 / rate) as i64;
    let in_flight = proxy.max_in_flight_to_clients();
    let bdp = rate * 2 * one_way.as_millis() as u64 / 1000;
    eprintln!(
        "true age p90 {early_p90} µs at 10-20 s, {late_p90} µs at 50-60 s; one frame's transfer \
         {transfer_us} µs; most bytes in the link {in_flight} (bdp {bdp}); clock offset right \
         to 5 ms in {offsets_ok} readings (best error {best_offset_error} µs)"
    );
    assert!(
        late_p90 <= early_p90 + 100_000,
        "the age grew: p90 {early_p90} µs at 10-20 s, {late_p90} µs at 50-60 s"
    );
    // One way, one frame on the wire, and a second frame's worth of slack
    // for a loaded machine; a standing queue of three batches (what a
    // batch window alone keeps here) is well above.
    let bound = (one_way.as_micros() as i64) + 2 * transfer_us + 300_000;
    assert!(
        late_p90 <= bound,
        "true age p90 {late_p90} µs, above one way + two frames' transfer + 300 ms ({bound} µs)"
    );
    let flight_bound = bdp + bdp / 4 + FIELD_FRAME_BYTES + 32 * 1024;
    assert!(
        in_flight <= flight_bound,
        "{in_flight} bytes were in the link at once, above 1.25 bdp + one frame ({flight_bound})"
    );
    for &(at, shown_age, true_age, _) in readings.iter().filter(|r| r.0 >= 10.0) {
        assert!(
            (shown_age - true_age).abs() * 10 <= true_age,
            "at {at:.1} s the age shown ({shown_age} µs) is more than 10 % off the true age \
             ({true_age} µs)"
        );
    }
    assert!(
        offsets_ok >= 5,
        "the clock offset was right to 5 ms in only {offsets_ok} readings (best error \
         {best_offset_error} µs): {readings:?}"
    );
    // Quality fits the link: the field went as 8-bit codes (its 16-bit
    // ones would not cross in two drawing periods either), and the
    // status line said so; once it stops changing, its exact values come.
    assert!(
        coded_seen >= 10,
        "the status said '{CODED}' in only {coded_seen} readings"
    );
    publishing.stop();
    Wait::new(
        "the exact values once the field stopped changing",
        Duration::from_secs(30),
    )
    .for_state(|| {
        let notes = ready_notes(&ready);
        match note(&notes, "status") {
            Some(status) if !status.contains(CODED) => Ok(()),
            other => Err(format!("status: {other:?}")),
        }
    });
}

/// What the status line says while heatmaps are shown as codes.
const CODED: &str = "8-bit codes for the link";
