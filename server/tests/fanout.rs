//! Fan-out, freshness and shutdown, over real sockets on 127.0.0.1.
#![allow(clippy::unwrap_used)]

use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use plotcast_protocol::util::unix_now_us;
use plotcast_protocol::{ChannelKind, GoodbyeCode, Message, Ping, Pong};
use plotcast_testkit::frames::first_value;
use plotcast_testkit::test_peer::{hello, TIMEOUT};
use plotcast_testkit::{
    server_builder, stalled_peer, start_server, wait_until, Batch, Nagger, PeerError, TestPeer,
    Wait,
};

#[test]
fn stalled_reader_does_not_block_publish_and_others_get_the_latest() {
    let server = start_server("test");
    let heat = server.line("big");
    let stalled = stalled_peer(server.local_addr());
    let nagger = Nagger::start(std::slice::from_ref(&stalled), Duration::from_millis(5));
    let mut good = TestPeer::connect(server.local_addr());
    let mut values = vec![0.0f64; 100_000 / 8];
    let started = Instant::now();
    let mut last = None;
    for i in 1..=10_000u32 {
        values[0] = f64::from(i);
        heat.publish(&values);
        if i % 1000 == 0 {
            // The good viewer keeps getting fresh data meanwhile.
            let b = good.batch();
            last = b.frames.last().map(|f| (f.seq, first_value(f)));
        }
    }
    let publish_time = started.elapsed();
    assert!(
        publish_time < Duration::from_secs(60),
        "publish took {publish_time:?}"
    );
    // The last batch was asked for after the last publish: it holds it.
    assert_eq!(last, Some((10_000, 10_000.0)));
    assert_eq!(server.stats().channels[0].publishes, 10_000);
    drop(nagger);
    drop(stalled);
}

#[test]
fn hundred_stalled_clients_do_not_block_publish() {
    // A publish that waited for a stalled viewer would wait until the
    // viewer is dropped: a minute here, far beyond the bound below.
    let server = server_builder("test")
        .max_viewers(128)
        .heartbeat_timeout(Duration::from_secs(60))
        .start()
        .unwrap();
    let line = server.line("l");
    // Every stalled client asks once, then never reads again.
    let clients: Vec<_> = (0..100)
        .map(|_| stalled_peer(server.local_addr()))
        .collect();
    wait_until("100 viewers registered", TIMEOUT, || {
        server.viewer_count() == 100
    });
    // 400 KB frames: a few of them fill a stalled viewer's socket buffers.
    let values = vec![1.0f64; 50_000];
    let started = Instant::now();
    for _ in 0..500 {
        line.publish(&values);
    }
    let took = started.elapsed();
    eprintln!("500 publishes beside 100 stalled viewers took {took:?}");
    // About 0.1 s unloaded in a debug build; generous for a loaded machine.
    assert!(
        took < Duration::from_secs(30),
        "500 publishes took {took:?}: publishing waits for stalled viewers"
    );
    assert_eq!(server.stats().channels[0].publishes, 500);
    let mut good = TestPeer::connect(server.local_addr());
    let b = good.batch();
    assert_eq!(b.frames[0].seq, 500);
    assert_eq!(server.viewer_count(), 101, "no stalled viewer was dropped");
    drop(clients);
}

#[test]
fn late_join_gets_the_newest_value_and_reconnect_a_full_snapshot() {
    let server = start_server("test");
    let a = server.line("a");
    let b = server.heatmap("b");
    let s = server.series("s");
    for i in 0..50 {
        a.publish(&[f64::from(i)]);
    }
    b.publish(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3, 2);
    s.extend(&[0.0, 1.0, 2.0], &[10.0, 11.0, 12.0]);

    let mut first = TestPeer::connect(server.local_addr());
    assert_eq!(first.layout.channels.len(), 3);
    assert_eq!(first.layout.title, "test");
    let batch = first.batch();
    assert_eq!(batch.end.skipped, 0, "a new viewer skips nothing");
    assert_eq!(batch.frames.len(), 3, "a full snapshot: {batch:?}");
    let fa = batch.frame(first.channel("a")).unwrap();
    assert_eq!((fa.seq, first_value(fa)), (50, 49.0));
    let fb = batch.frame(first.channel("b")).unwrap();
    assert_eq!((fb.kind, fb.nx, fb.ny), (ChannelKind::Heatmap, 3, 2));
    let session = first.welcome.session_id;
    drop(first);

    // Only `a` changes; a reconnecting viewer still gets everything.
    a.publish(&[100.0]);
    let mut again = TestPeer::connect(server.local_addr());
    assert_eq!(again.welcome.session_id, session);
    let batch = again.batch();
    assert_eq!(batch.frames.len(), 3, "reconnect gets a full snapshot");
    assert_eq!(first_value(batch.frame(again.channel("a")).unwrap()), 100.0);
    let series = batch.frame(again.channel("s")).unwrap();
    assert_eq!(series.parts[0].first_index, 0);
    assert_eq!(series.parts[0].y.to_f64().as_ref(), &[10.0, 11.0, 12.0]);
}

#[test]
fn batches_wait_for_news_and_count_skipped_values() {
    let server = start_server("test");
    let a = server.line("a");
    a.publish(&[0.0]);
    let mut c = TestPeer::connect(server.local_addr());
    c.batch();
    // Nothing new: the request stays open.
    c.ready();
    assert!(
        c.io.poll(Duration::from_millis(300)).unwrap().is_none(),
        "answered without news"
    );
    for i in 1..=10 {
        a.publish(&[f64::from(i)]);
    }
    let b = c.read_batch();
    // The batch may have been cut after the first of the ten publishes.
    let seq = b.frames[0].seq;
    assert!((2..=11).contains(&seq));
    assert_eq!(b.end.skipped, seq - 2);
    let b = if seq == 11 { b } else { c.batch() };
    assert_eq!(b.frames[0].seq, 11);
    assert_eq!(first_value(&b.frames[0]), 10.0);
    let stats = server.stats();
    assert_eq!(stats.viewers.len(), 1);
    let v = &stats.viewers[0];
    assert_eq!(v.peer_name, "test-client");
    assert_eq!(v.addr, c.local_addr());
    assert_eq!(v.frames_sent + v.frames_skipped, 11);
    assert!(v.bytes_sent > 0);
}

#[test]
fn new_channels_come_with_a_fresh_layout() {
    let server = server_builder("test").columns(3).start().unwrap();
    let mut c = TestPeer::connect(server.local_addr());
    assert!(c.layout.channels.is_empty());
    assert_eq!(c.layout.columns, 3);
    c.ready();
    let late = server
        .channel("late")
        .title("Late")
        .x_label("t")
        .log_y()
        .cell(1, 2)
        .link_x("time")
        .scatter();
    late.publish(&[1.0, 2.0], &[3.0, 4.0]);
    let mut b = c.read_batch();
    if b.frames.is_empty() {
        b = c.batch();
    }
    let spec = &c.layout.channels[0];
    assert_eq!(
        (spec.name.as_str(), spec.options.title.as_str(), spec.kind),
        ("late", "Late", ChannelKind::Scatter)
    );
    assert_eq!(spec.options.y_scale, plotcast::Scale::Log);
    assert_eq!(spec.options.cell.map(|g| (g.row, g.col)), Some((1, 2)));
    assert_eq!(spec.options.link_x, "time");
    assert_eq!(
        b.frames[0].parts[0].x.as_ref().unwrap().to_f64().as_ref(),
        &[1.0, 2.0]
    );
}

#[test]
fn paused_series_viewer_gets_every_point_in_the_window_in_order() {
    let server = start_server("test");
    let s = server.channel("energy").history_points(1000).series();
    let mut c = TestPeer::connect(server.local_addr());
    let id = c.channel("energy");
    assert_eq!(c.layout.channels[0].options.history_points, 1000);
    let mut received: Vec<(u64, f64)> = Vec::new();
    let collect = |b: &Batch, received: &mut Vec<(u64, f64)>| {
        for f in b.frames.iter().filter(|f| f.channel == id) {
            for p in &f.parts {
                let t = p.x.as_ref().unwrap().to_f64();
                for (k, (t, y)) in t.iter().zip(p.y.iter()).enumerate() {
                    assert_eq!(*t, y, "time and value travel together");
                    received.push((p.first_index + k as u64, y));
                }
            }
        }
    };
    // Live: interleaved pushes and batches.
    for i in 0..300 {
        s.push(f64::from(i), f64::from(i));
        if i % 37 == 0 {
            let b = c.batch();
            collect(&b, &mut received);
        }
    }
    // Pause within the window, then resume.
    for i in 300..800 {
        s.push(f64::from(i), f64::from(i));
    }
    let b = c.batch();
    collect(&b, &mut received);
    let idx: Vec<u64> = received.iter().map(|r| r.0).collect();
    assert_eq!(
        idx,
        (0..800).collect::<Vec<_>>(),
        "every point, in order, no duplicates"
    );
    // Pause past the window: the oldest 500 are lost and counted.
    for i in 800..2300 {
        s.push(f64::from(i), f64::from(i));
    }
    let b = c.batch();
    assert_eq!(b.end.skipped, 500);
    received.clear();
    collect(&b, &mut received);
    let idx: Vec<u64> = received.iter().map(|r| r.0).collect();
    assert_eq!(idx, (1300..2300).collect::<Vec<_>>());
    assert!(received.iter().all(|(i, y)| *i as f64 == *y));
}

#[test]
fn heartbeats_measure_round_trips_and_answer_pings() {
    let server = server_builder("test")
        .heartbeat_interval(Duration::from_millis(100))
        .heartbeat_timeout(Duration::from_secs(2))
        .start()
        .unwrap();
    let mut c = TestPeer::connect(server.local_addr());
    assert_eq!(c.welcome.heartbeat_interval_ms, 100);
    assert_eq!(c.welcome.heartbeat_timeout_ms, 2000);
    match c.io.recv(TIMEOUT, "a ping").unwrap() {
        Message::Ping(p) => {
            // A viewer whose clock runs 5 s ahead of the server's.
            let ahead = unix_now_us() + 5_000_000;
            c.io.send(&Message::Pong(Pong::answer(&p, ahead, ahead)))
                .unwrap()
        }
        other => panic!("expected a ping, got {other:?}"),
    }
    wait_until("a round trip in the stats", TIMEOUT, || {
        server.stats().viewers[0].round_trip.is_some()
    });
    let viewer = &server.stats().viewers[0];
    let rtt = viewer.round_trip.unwrap();
    let offset = viewer
        .clock_offset_us
        .expect("a clock offset with the round trip");
    // The offset is off by at most half the round trip.
    let error = (offset - 5_000_000).unsigned_abs();
    assert!(
        error <= rtt.as_micros() as u64 / 2 + 1000,
        "viewer clock offset {offset} µs, round trip {rtt:?}"
    );
    let sent_us = unix_now_us();
    c.io.send(&Message::Ping(Ping::at(77, sent_us))).unwrap();
    loop {
        match c.io.recv(TIMEOUT, "the pong").unwrap() {
            Message::Pong(p) => {
                assert_eq!(p.nonce, 77);
                assert_eq!(p.ping_sent_us, sent_us, "the ping's time is echoed");
                assert!(p.received_us >= sent_us && p.sent_us >= p.received_us);
                break;
            }
            Message::Ping(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn silent_viewer_is_dropped_after_the_heartbeat_timeout() {
    // Long enough that a loaded machine sees the viewer registered first.
    let heartbeat_timeout = Duration::from_secs(2);
    let server = server_builder("test")
        .heartbeat_interval(Duration::from_millis(200))
        .heartbeat_timeout(heartbeat_timeout)
        .start()
        .unwrap();
    let started = Instant::now();
    let mut c = TestPeer::connect(server.local_addr());
    // Registered before the welcome was sent.
    assert_eq!(server.viewer_count(), 1);
    // Read (pings) but never answer: the server must hang up.
    c.wait_closed(TIMEOUT).unwrap();
    let took = started.elapsed();
    assert!(
        took >= heartbeat_timeout && took < heartbeat_timeout + Duration::from_secs(8),
        "dropped after {took:?}"
    );
    wait_until("the viewer gone from the stats", TIMEOUT, || {
        server.viewer_count() == 0
    });
}

#[test]
fn viewer_that_stops_reading_is_dropped_when_writes_stall() {
    let server = server_builder("test")
        .heartbeat_interval(Duration::from_millis(200))
        .heartbeat_timeout(Duration::from_secs(1))
        .start()
        .unwrap();
    let line = server.line("big");
    let stalled = stalled_peer(server.local_addr());
    // It keeps asking (so it is alive) but never reads.
    let nagger = Nagger::start(std::slice::from_ref(&stalled), Duration::from_millis(5));
    let values = vec![0.5f64; 1 << 20];
    // Publishing all along, so the server always has a write to stall on.
    Wait::new("the stalled writer to be dropped", TIMEOUT)
        .every(Duration::from_millis(20))
        .until(|| {
            line.publish(&values);
            server.viewer_count() == 0
        });
    let ended = server.stats().ended;
    assert!(ended[0].reason.contains("accepted no data"), "{ended:?}");
    drop(nagger);
}

#[test]
fn max_viewers_is_enforced() {
    let server = server_builder("test").max_viewers(1).start().unwrap();
    let _first = TestPeer::connect(server.local_addr());
    match TestPeer::try_connect(server.local_addr(), hello(None)) {
        Err(PeerError::Rejected(r)) => {
            assert_eq!(r.code, plotcast_protocol::RejectCode::Full);
            assert!(r.reason.contains("maximum of 1 viewers"), "{}", r.reason);
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn drop_says_goodbye() {
    let server = start_server("test");
    let mut c = TestPeer::connect(server.local_addr());
    wait_until("the viewer registered", TIMEOUT, || {
        server.viewer_count() == 1
    });
    drop(server);
    match c.io.recv(TIMEOUT, "the goodbye").unwrap() {
        Message::Goodbye(g) => assert_eq!(g.code, GoodbyeCode::ComputationEnded),
        other => panic!("expected a goodbye, got {other:?}"),
    }
    let end = c.io.recv(TIMEOUT, "the close").unwrap_err();
    assert!(end.is_closed(), "{end}");
}

#[test]
fn drop_with_hundred_stalled_clients_is_quick_and_frees_the_port() {
    let server = server_builder("test").max_viewers(128).start().unwrap();
    let addr = server.local_addr();
    let line = server.line("l");
    let clients: Vec<_> = (0..100).map(|_| stalled_peer(addr)).collect();
    wait_until("100 viewers registered", TIMEOUT, || {
        server.viewer_count() == 100
    });
    // Large enough that the writers block mid-frame.
    line.publish(&vec![2.0f64; 4 << 20]);
    // Not a synchronisation: it only gives the writers time to get stuck
    // mid-frame, which makes the drop harder; the bound holds either way.
    thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    drop(server);
    let took = started.elapsed();
    eprintln!("drop with 100 stalled viewers took {took:?}");
    assert!(took < Duration::from_secs(5), "drop took {took:?}");
    let rebound = TcpListener::bind(addr);
    assert!(rebound.is_ok(), "port {addr} not freed: {rebound:?}");
    drop(clients);
}

#[test]
fn invalid_shapes_are_counted_not_sent() {
    let server = start_server("test");
    let h = server.heatmap("h");
    h.publish(&[1.0, 2.0, 3.0], 2, 2);
    h.publish_f32(&[1.0, 2.0, 3.0, 4.0], 2, 2);
    let stats = server.stats();
    assert_eq!(
        (stats.channels[0].invalid, stats.channels[0].publishes),
        (1, 1)
    );
    let mut c = TestPeer::connect(server.local_addr());
    let b = c.batch();
    assert_eq!(
        b.frames[0].parts[0].y.dtype(),
        plotcast_protocol::DType::F32
    );
    // Same name, same kind: the same channel.
    assert_eq!(server.heatmap("h").id(), h.id());
    // Same name, other kind: a separate channel.
    assert_ne!(server.line("h").id(), h.id());
}

#[test]
fn bars_and_traces() {
    let server = start_server("test");
    let bars = server.bars("hist");
    let line = server.line("multi");
    bars.publish_edges(&[0.0, 1.0, 2.0], &[5.0, 7.0]);
    line.publish_traces(&[
        plotcast::Trace::y("a", &[1.0, 2.0]),
        plotcast::Trace::xy("b", &[0.0, 1.0, 2.0], &[3.0, 4.0, 5.0]),
    ]);
    let mut c = TestPeer::connect(server.local_addr());
    let b = c.batch();
    let hist = b.frame(c.channel("hist")).unwrap();
    assert_eq!(hist.parts[0].x.as_ref().unwrap().len(), 3);
    let multi = b.frame(c.channel("multi")).unwrap();
    let names: Vec<_> = multi.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn finish_waits_for_viewers_to_get_the_final_values() {
    let server = start_server("test");
    let line = server.line("l");
    let mut c = TestPeer::connect(server.local_addr());
    line.publish(&[1.0]);
    c.ready();
    // The viewer is asking: finish lets it get the final value, then says goodbye.
    let reader = thread::Builder::new()
        .name("viewer".into())
        .spawn(move || {
            let b = c.read_batch();
            let goodbye = c.io.recv(TIMEOUT, "the goodbye").unwrap();
            (b, goodbye)
        })
        .unwrap();
    let started = Instant::now();
    assert!(
        server.finish(TIMEOUT),
        "the viewer was not brought up to date"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let (b, goodbye) = reader.join().unwrap();
    assert_eq!(first_value(&b.frames[0]), 1.0);
    assert!(matches!(goodbye, Message::Goodbye(_)), "{goodbye:?}");

    // A viewer that never asks is waited for only until the timeout.
    let server = start_server("test");
    let line = server.line("l");
    let _silent = TestPeer::connect(server.local_addr());
    wait_until("the viewer registered", TIMEOUT, || {
        server.viewer_count() == 1
    });
    line.publish(&[2.0]);
    let started = Instant::now();
    assert!(!server.finish(Duration::from_millis(300)));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(10),
        "{took:?}"
    );
}

#[test]
fn slow_but_steady_viewer_survives_a_batch_longer_than_the_heartbeat_timeout() {
    let heartbeat_timeout = Duration::from_secs(1);
    let server = server_builder("test")
        .heartbeat_interval(Duration::from_millis(200))
        .heartbeat_timeout(heartbeat_timeout)
        .start()
        .unwrap();
    let line = server.line("big");
    line.publish(&vec![3.0f64; 2 << 20]); // 16 MiB
    let mut c = TestPeer::connect(server.local_addr());
    // Pacing, about 6 MiB/s: the batch takes well over the timeout, and the
    // viewer sends nothing while it lasts.
    c.io.chunk = 64 * 1024;
    c.io.pace = Duration::from_millis(10);
    c.timeout = Duration::from_secs(60);
    let started = Instant::now();
    let b = c.batch();
    assert_eq!(b.frames.len(), 1);
    assert!(
        started.elapsed() > heartbeat_timeout,
        "the read was not slow enough to test anything"
    );
    assert_eq!(server.viewer_count(), 1, "{:?}", server.stats().ended);
}

#[test]
fn handles_and_server_are_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    fn check_server<T: Send + Sync>() {}
    check::<plotcast::Heatmap>();
    check::<plotcast::Line>();
    check::<plotcast::Scatter>();
    check::<plotcast::Bars>();
    check::<plotcast::Series>();
    check_server::<plotcast::Server>();
    // Handles outlive the server harmlessly.
    let server = start_server("test");
    let line = server.line("l");
    drop(server);
    line.publish(&[1.0]);
}

#[test]
fn a_viewer_that_stalls_then_reads_but_never_sends_is_dropped_one_timeout_after_its_last_sign_of_life(
) {
    let heartbeat_timeout = Duration::from_secs(3);
    let server = server_builder("test")
        .heartbeat_interval(Duration::from_millis(300))
        .heartbeat_timeout(heartbeat_timeout)
        .start()
        .unwrap();
    let line = server.line("big");
    line.publish(&vec![1.0f64; 2 << 20]); // 16 MiB: the writes block
    let mut c = TestPeer::connect(server.local_addr());
    // The viewer's last message ever: it asks for a batch...
    c.ready();
    // ... stops reading for half a second, so the server's write blocks ...
    thread::sleep(Duration::from_millis(500));
    // ... then reads everything, answering nothing.
    c.answer_pings = false;
    let batch = c.read_batch();
    assert_eq!(batch.frames.len(), 1);
    let last_sign_of_life = Instant::now();
    c.wait_closed(TIMEOUT).unwrap();
    let after = last_sign_of_life.elapsed();
    eprintln!("dropped {after:?} after the last sign of life (timeout {heartbeat_timeout:?})");
    // One timeout after the data was taken, not two (a heartbeat that
    // restarts its full timeout after every write progress drops it at
    // about twice the timeout).
    assert!(
        after < heartbeat_timeout + Duration::from_millis(1500),
        "dropped {after:?} after its last sign of life; the heartbeat timeout is {heartbeat_timeout:?}"
    );
    assert!(after > heartbeat_timeout / 2, "dropped too soon: {after:?}");
    wait_until("the viewer gone from the stats", TIMEOUT, || {
        server.viewer_count() == 0
    });
    let ended = server.stats().ended;
    assert!(ended[0].reason.contains("heartbeat timeout"), "{ended:?}");
}

#[test]
fn round_trips_longer_than_the_ping_interval_are_measured() {
    let server = server_builder("test")
        .heartbeat_interval(Duration::from_millis(100))
        .heartbeat_timeout(Duration::from_secs(5))
        .start()
        .unwrap();
    let mut c = TestPeer::connect(server.local_addr());
    // Every ping is answered 400 ms late, as a long link would (the
    // pong's timestamps say the ping arrived just now): four more pings
    // leave meanwhile.
    let mut answered = 0;
    while answered < 3 {
        if let Message::Ping(p) = c.io.recv(TIMEOUT, "a ping").unwrap() {
            thread::sleep(Duration::from_millis(400));
            let now = unix_now_us();
            c.io.send(&Message::Pong(Pong::answer(&p, now, now)))
                .unwrap();
            answered += 1;
        }
    }
    wait_until("a round trip in the stats", TIMEOUT, || {
        server.stats().viewers[0].round_trip.is_some()
    });
    let rtt = server.stats().viewers[0].round_trip.unwrap();
    assert!(rtt >= Duration::from_millis(400), "round trip {rtt:?}");
}

#[test]
fn a_refused_publish_takes_no_sequence_number() {
    let server = start_server("test");
    let h = server.heatmap("h");
    h.publish(&[1.0, 2.0, 3.0, 4.0], 2, 2);
    let mut c = TestPeer::connect(server.local_addr());
    assert_eq!(c.batch().frames[0].seq, 1);
    h.publish(&[1.0, 2.0, 3.0], 2, 2); // wrong shape: refused
    h.publish(&[5.0, 6.0, 7.0, 8.0], 2, 2);
    let b = c.batch();
    assert_eq!(b.frames[0].seq, 2, "the refused publish took no number");
    assert_eq!(
        b.end.skipped, 0,
        "nothing the viewer could have seen was skipped"
    );
    let stats = server.stats();
    assert_eq!(stats.viewers[0].frames_skipped, 0);
    let ch = &stats.channels[0];
    assert_eq!((ch.publishes, ch.invalid, ch.seq), (2, 1, 2));
    // A series name too long to encode is refused too, and the channel
    // keeps working.
    let s = server.series("s");
    s.push_to(&"n".repeat(2000), 0.0, 1.0);
    s.push(0.0, 2.0);
    let b = c.batch();
    let id = c.channel("s");
    assert_eq!(b.frame(id).map(|f| f.parts.len()), Some(1));
    assert_eq!(server.stats().channels[1].invalid, 1);
}

#[test]
fn viewers_stalled_on_their_own_frames_are_dropped_beyond_the_budget() {
    const FRAME_VALUES: usize = 256 * 1024; // 2 MiB frames
    const BUDGET: usize = 5 << 20; // room for two of them
    let server = server_builder("test")
        .max_viewers(16)
        .heartbeat_timeout(Duration::from_secs(60))
        .stalled_write_budget_bytes(BUDGET)
        .start()
        .unwrap();
    let line = server.line("big");
    let mut values = vec![0.0f64; FRAME_VALUES];
    let mut stalled = Vec::new();
    for i in 0..5 {
        // Each stalled viewer joins after its own publish: it is stuck
        // on a frame no other viewer holds.
        values[0] = f64::from(i);
        line.publish(&values);
        let (held, ended) = {
            let s = server.stats();
            (s.stalled_write_bytes, s.ended.len())
        };
        stalled.push(stalled_peer(server.local_addr()));
        wait_until("the new viewer's writer to hold its frame", TIMEOUT, || {
            let s = server.stats();
            s.stalled_write_bytes > held || s.ended.len() > ended
        });
    }
    let stats = server.stats();
    assert!(
        stats.stalled_write_bytes <= BUDGET as u64,
        "{} bytes held, budget {BUDGET}",
        stats.stalled_write_bytes
    );
    wait_until("three viewers dropped for the budget", TIMEOUT, || {
        server.stats().ended.len() == 3
    });
    let stats = server.stats();
    for ended in &stats.ended {
        assert!(
            ended.reason.contains("budget of 5.0 MiB"),
            "{}",
            ended.reason
        );
    }
    assert_eq!(server.viewer_count(), 2, "the two newest stay");
    // The dropped ones are closed: the first one joined first.
    let closed = plotcast_testkit::wire::read_until_closed(&mut stalled[0], TIMEOUT, "the first");
    assert!(closed.total > 0, "it had received part of its frame");
    // Publishing and a reading viewer go on.
    line.publish(&values);
    let mut good = TestPeer::connect(server.local_addr());
    assert_eq!(good.batch().frames.len(), 1);
}

/// Flow control: one `Ready` grants a window of batches, each sent as news
/// arrives (newest values, no waiting for another request), and a viewer
/// that asks for far more is held to `MAX_BATCHES_IN_FLIGHT` beyond what
/// was sent when its request arrived.
#[test]
fn a_window_of_batches_flows_and_is_capped() {
    use plotcast_protocol::{Ready, MAX_BATCHES_IN_FLIGHT};
    let server = start_server("test");
    let line = server.line("l");
    let mut c = TestPeer::connect(server.local_addr());
    c.io.send(&Message::Ready(Ready::up_to(1_000_000))).unwrap();
    let next_end = |c: &mut TestPeer, within: Duration| loop {
        match c.io.recv(within, "a batch end") {
            Ok(Message::BatchEnd(end)) => return Some(end),
            Ok(Message::Data(_) | Message::Layout(_) | Message::Ping(_)) => {}
            Ok(other) => panic!("unexpected {other:?}"),
            Err(PeerError::Timeout { .. }) => return None,
            Err(err) => panic!("{err}"),
        }
    };
    for k in 1..=MAX_BATCHES_IN_FLIGHT {
        line.publish(&[k as f64]);
        let end = next_end(&mut c, TIMEOUT).expect("a batch within the window");
        assert_eq!(end.batch, k, "batches are numbered in order");
    }
    line.publish(&[99.0]);
    assert!(
        next_end(&mut c, Duration::from_millis(500)).is_none(),
        "a batch beyond the cap was sent"
    );
    // Raising the grant releases the newest value at once.
    c.io.send(&Message::Ready(Ready::up_to(MAX_BATCHES_IN_FLIGHT + 1)))
        .unwrap();
    let end = next_end(&mut c, TIMEOUT).expect("the batch after the grant");
    assert_eq!(end.batch, MAX_BATCHES_IN_FLIGHT + 1);
}
