//! The viewer binary against a server whose clock samples cannot be right
//! (a Pong from the far future, a negative round trip, a round trip longer
//! than the connection): each is ignored, the clock estimate and the frame
//! ages stay sane, and the log says so once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use plotcast_protocol::Pong;
use plotcast_testkit::frames::unix_us;
use plotcast_testkit::viewer_files::ready_figure;
use plotcast_testkit::{FakeServer, Script, TempDir};

/// Generous bound for runs that take a second or two when all is well.
const RUN_LIMIT: Duration = Duration::from_secs(60);

const SECOND_US: u64 = 1_000_000;
const HOUR_US: u64 = 3_600 * SECOND_US;

#[test]
fn impossible_clock_samples_leave_the_estimate_sane() {
    let now = unix_us();
    let pong = |ping_sent_us, received_us, sent_us| Pong {
        nonce: 1,
        ping_sent_us,
        received_us,
        sent_us,
    };
    let mut script = Script::heatmap("alpha", 1, 0.5);
    script.early_pongs = vec![
        // From the far future: an offset of i64::MAX (the issue's).
        pong(now, i64::MAX as u64, i64::MAX as u64),
        // Held 5 s of an exchange that took 1 s: a negative round trip,
        // with clocks an hour apart (once taken as a round trip of 0, the
        // best sample of all).
        pong(
            now - SECOND_US,
            now + HOUR_US,
            now + HOUR_US + 5 * SECOND_US,
        ),
        // A ping "sent" two hours ago, on a connection just made.
        pong(now - 2 * HOUR_US, now + HOUR_US, now + HOUR_US),
    ];
    // Each of them, believed, would make the offset an hour or more.
    let server = FakeServer::start(script);
    let dir = TempDir::new("clock");
    let ready = dir.join("ready");
    let run = server
        .viewer()
        .headless()
        .frames(3)
        .size(320, 240)
        .out(dir.join("f{n}.png"))
        .ready_file(&ready)
        .timeout_secs(30)
        .run(RUN_LIMIT);
    run.assert_success("the run");
    let offset = ready_figure(&ready, "clock_offset_us").expect("the clock offset");
    assert!(
        offset.unsigned_abs() < SECOND_US,
        "clock offset {offset} µs; stderr:\n{}",
        run.stderr
    );
    let age = ready_figure(&ready, "age_us").expect("the age of the newest frame");
    assert!(
        (0..60 * SECOND_US as i64).contains(&age),
        "age {age} µs; stderr:\n{}",
        run.stderr
    );
    // Three ignored, said once (with the first one's reason).
    let said = run.stderr.matches("clock sample ignored").count();
    assert_eq!(said, 1, "said once; stderr:\n{}", run.stderr);
}
