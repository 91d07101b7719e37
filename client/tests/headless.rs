//! The viewer binary in headless mode against a fake server on 127.0.0.1:
//! PNG output, rejection, timeout, the server going away and coming back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::Ordering;
use std::time::Duration;

use plotcast_protocol::{Reject, RejectCode, VERSION};
use plotcast_testkit::rgb::{VIRIDIS_HIGH, VIRIDIS_LOW};
use plotcast_testkit::{FakeServer, Rgb, Script, TempDir, ViewerCommand};

/// Generous bound for a run that should take well under a second (CI
/// machines are slow and builds may run beside the tests).
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// Share of the image a full-size heatmap covers at least.
const HEATMAP_SHARE: f64 = 0.10;

#[test]
fn headless_writes_one_png_per_frame_and_exits_0() {
    let server = FakeServer::start(Script::heatmap("alpha", 1, 0.0));
    let dir = TempDir::new("frames");
    let out = dir.join("f{n}.png");
    let run = server
        .viewer()
        .headless()
        .frames(3)
        .out(&out)
        .size(640, 480)
        .timeout_secs(50)
        .run(RUN_LIMIT);
    run.assert_success("the run");
    for n in 1..=3 {
        let png = Rgb::read_png(&dir.join(format!("f{n}.png")));
        assert_eq!((png.width, png.height), (640, 480), "frame {n} size");
        let share = png.share_near(VIRIDIS_LOW, 12);
        assert!(
            share > HEATMAP_SHARE,
            "frame {n}: only {:.1} % of the pixels have the heatmap's colour",
            share * 100.0
        );
    }
    assert!(!dir.join("f4.png").exists(), "a fourth frame was written");
    // A small window on loopback: the viewer asked for little beyond the
    // 3 frames it drew (a fake server that always has news sends every
    // batch asked for).
    let granted = server.seen.max_granted.load(Ordering::SeqCst);
    assert!(
        (3..=3 + 4).contains(&granted),
        "the viewer asked for batches up to {granted}"
    );
    server.wait_for("pong to the server's ping", RUN_LIMIT, |s| {
        s.pongs.load(Ordering::SeqCst) >= 1
    });
    server.wait_for("goodbye", RUN_LIMIT, |s| {
        s.goodbyes.load(Ordering::SeqCst) == 1
    });
    let hellos = server.hellos();
    assert_eq!(hellos.len(), 1, "one connection");
    assert!(
        hellos[0].1.starts_with("plotcast-viewer@"),
        "peer name {:?}",
        hellos[0].1
    );
}

#[test]
fn token_travels_in_the_hello() {
    let server = FakeServer::start(Script::heatmap("alpha", 1, 0.0));
    let dir = TempDir::new("token");
    let out = dir.join("f.png");
    let run = server
        .viewer()
        .headless()
        .frames(1)
        .out(&out)
        .env("PLOTCAST_TOKEN", "s3cret")
        .run(RUN_LIMIT);
    run.assert_success("the run");
    assert!(out.exists());
    let hellos = server.hellos();
    assert_eq!(hellos[0].0.as_deref(), Some("s3cret"));
}

#[test]
fn rejection_prints_the_reason_and_exits_2() {
    let mut script = Script::heatmap("alpha", 1, 0.0);
    script.reject = Some(Reject {
        code: RejectCode::BadToken,
        reason: "bad token: ask the person running the computation (zebra-17)".into(),
        server_version: VERSION,
    });
    let server = FakeServer::start(script);
    let dir = TempDir::new("reject");
    // Reconnect is on: a rejection must still end the viewer at once.
    let run = server
        .viewer()
        .headless()
        .out(dir.join("f.png"))
        .token("wrong")
        .run(RUN_LIMIT);
    run.assert_exit_code(2, "the run");
    assert!(
        run.stderr
            .contains("bad token: ask the person running the computation (zebra-17)"),
        "stderr lacks the server's reason:\n{}",
        run.stderr
    );
    assert_eq!(server.hellos().len(), 1, "no retry after a rejection");
}

#[test]
fn timeout_without_data_exits_3_with_a_message() {
    let mut script = Script::heatmap("alpha", 1, 0.0);
    script.answer_ready = false;
    let server = FakeServer::start(script);
    let dir = TempDir::new("timeout");
    let run = server
        .viewer()
        .headless()
        .frames(1)
        .timeout_secs(2)
        .out(dir.join("f.png"))
        .run(RUN_LIMIT);
    run.assert_exit_code(3, "the run");
    assert!(
        run.stderr.contains("timed out after 2.0 s") && run.stderr.contains("0 of 1 frames"),
        "unclear timeout message:\n{}",
        run.stderr
    );
    assert!(
        run.elapsed >= Duration::from_secs(2) && run.elapsed < Duration::from_secs(15),
        "took {:?}",
        run.elapsed
    );
    assert!(!dir.join("f.png").exists());
}

#[test]
fn no_reconnect_exits_when_the_server_goes_away() {
    let mut script = Script::heatmap("alpha", 1, 0.0);
    script.batches_then_close = Some(2);
    let server = FakeServer::start(script);
    let dir = TempDir::new("noreconnect");
    let out = dir.join("last.png");
    let run = server
        .viewer()
        .headless()
        .no_reconnect()
        .out(&out)
        .timeout_secs(50)
        .run(RUN_LIMIT);
    // Two frames rendered, then the server left: success, last PNG kept.
    run.assert_success("the run");
    assert!(Rgb::read_png(&out).share_near(VIRIDIS_LOW, 12) > HEATMAP_SHARE);
    // A computation that ends says goodbye: same success, and the viewer
    // reports the server's words in its log.
    let mut script = Script::heatmap("alpha", 1, 0.0);
    script.batches_then_close = Some(1);
    script.goodbye = true;
    let server = FakeServer::start(script);
    let run = server
        .viewer()
        .headless()
        .no_reconnect()
        .out(&out)
        .run(RUN_LIMIT);
    run.assert_success("the run");
    assert!(
        run.stderr
            .contains("computation ended (simulation finished (fake))"),
        "stderr:\n{}",
        run.stderr
    );
    // A goodbye for a fault (here: dropped as stalled) is a lost
    // connection, not a finished computation.
    let mut script = Script::heatmap("alpha", 1, 0.0);
    script.batches_then_close = Some(1);
    script.goodbye = true;
    script.goodbye_code = plotcast_protocol::GoodbyeCode::Other;
    let server = FakeServer::start(script);
    let run = server
        .viewer()
        .headless()
        .no_reconnect()
        .out(&out)
        .run(RUN_LIMIT);
    assert!(
        run.stderr.contains(
            "connection lost (the server closed the connection: simulation finished (fake))"
        ) && !run.stderr.contains("computation ended"),
        "stderr:\n{}",
        run.stderr
    );
    // Asked for more than the server gave: failure, with the reason.
    let mut script = Script::heatmap("alpha", 1, 0.0);
    script.batches_then_close = Some(1);
    let server = FakeServer::start(script);
    let run = server
        .viewer()
        .headless()
        .no_reconnect()
        .frames(5)
        .out(&out)
        .run(RUN_LIMIT);
    run.assert_exit_code(1, "the run");
    assert!(
        run.stderr.contains("connection lost") && run.stderr.contains("1 of 5 frames"),
        "stderr:\n{}",
        run.stderr
    );
}

#[test]
fn reconnects_to_a_new_server_on_the_same_port() {
    // Server A: dark heatmap, goes away (listener too) after two batches.
    let mut a = Script::heatmap("server-a", 0xA, 0.0);
    a.batches_then_close = Some(2);
    let server_a = FakeServer::start(a);
    let addr = server_a.addr;
    let dir = TempDir::new("restart");
    let out = dir.join("f{n}.png");
    let viewer = ViewerCommand::new()
        .source(addr)
        .headless()
        .frames(4)
        .out(&out)
        .size(480, 360)
        .timeout_secs(50)
        .spawn();
    server_a.wait_closed(RUN_LIMIT);
    drop(server_a);
    // Batches that arrive together merge into one frame (latest value
    // wins), so A's two batches show as one or two frames.
    let from_a = (1..=2)
        .take_while(|n| dir.join(format!("f{n}.png")).exists())
        .count();
    assert!(from_a >= 1, "A's data was drawn before it closed");
    // Server B on the same port, another session, bright heatmap.
    let server_b = FakeServer::start_on(addr, Script::heatmap("server-b", 0xB, 1.0));
    let run = viewer.wait(RUN_LIMIT);
    run.assert_success("the run");
    for n in 1..=from_a {
        let png = Rgb::read_png(&dir.join(format!("f{n}.png")));
        assert!(
            png.share_near(VIRIDIS_LOW, 12) > HEATMAP_SHARE,
            "frame {n} shows A"
        );
        assert!(
            png.share_near(VIRIDIS_HIGH, 12) < HEATMAP_SHARE,
            "frame {n} shows only A"
        );
    }
    for n in from_a + 1..=4 {
        let png = Rgb::read_png(&dir.join(format!("f{n}.png")));
        assert!(
            png.share_near(VIRIDIS_HIGH, 12) > HEATMAP_SHARE,
            "frame {n} (after the restart) does not show B's data"
        );
        assert!(
            png.share_near(VIRIDIS_LOW, 12) < HEATMAP_SHARE,
            "frame {n} still shows A's data: the old session leaked"
        );
    }
    assert_eq!(server_b.hellos().len(), 1, "one connection to B");
}

#[test]
fn a_silent_server_is_noticed_by_the_heartbeat() {
    // The server welcomes, then neither sends data nor answers pings, like a
    // peer behind a pulled cable.
    let mut script = Script::heatmap("alpha", 1, 0.0);
    script.answer_ready = false;
    script.heartbeats = false;
    script.heartbeat_timeout_ms = 1_000;
    let server = FakeServer::start(script);
    let dir = TempDir::new("heartbeat");
    let run = server
        .viewer()
        .headless()
        .no_reconnect()
        .out(dir.join("f.png"))
        .timeout_secs(30)
        .run(RUN_LIMIT);
    run.assert_exit_code(1, "the run");
    assert!(
        run.stderr.contains("heartbeat") && run.stderr.contains("timed out after 1.0 s"),
        "stderr:\n{}",
        run.stderr
    );
    assert!(
        run.elapsed < Duration::from_secs(15),
        "took {:?}",
        run.elapsed
    );
}
