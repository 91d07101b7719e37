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
use plotcast_testkit::viewer_files::ready_figure;
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
