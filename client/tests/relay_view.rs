//! A relayed run through a real nats-server, end to end: a viewer of
//! `nats://127.0.0.1:PORT/RUN` draws what a direct viewer of the same
//! data draws; four processes' tiles and traces make one picture equal to
//! one process publishing the whole; a viewer started before its run
//! waits and says so; overview frames are asked for the view drawn; a
//! recording of a relayed run replays as it was shown. The publisher is
//! the test kit's `RelayPublisher`, written to PROTOCOL.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod relay_common;

use std::time::{Duration, Instant};

use plotcast_protocol::{ChannelKind, ChannelSpec, GoodbyeCode, GridWindow, Layout, Lod};
use plotcast_testkit::{NatsServer, RelayPublisher, TempDir, ViewerCommand};
use plotcast_viewer::model::{ChannelData, Connection};
use plotcast_viewer::recording::{RecordOptions, Recorder, Recording, Replay};
use relay_common::{
    assert_same_picture, block, chunk, complete, direct, field, heatmap, line, picture,
    relay_config, series_points, tiled, RelayView,
};

const WAIT: Duration = Duration::from_secs(60);

fn layout(channels: Vec<ChannelSpec>) -> Layout {
    Layout {
        title: "heat".into(),
        columns: 0,
        channels,
    }
}

#[test]
fn one_process_through_the_relay_draws_what_a_direct_viewer_draws() {
    let nats = NatsServer::start("relay-view-one");
    let publisher = RelayPublisher::start(&nats.url, "run1", "rank0");
    let layout = layout(vec![
        ChannelSpec::new(0, "wave", ChannelKind::Line),
        ChannelSpec::new(1, "T", ChannelKind::Heatmap),
        ChannelSpec::new(2, "energy", ChannelKind::Series),
    ]);
    let xs: Vec<f64> = (0..400).map(|i| f64::from(i) * 0.05).collect();
    let frames = vec![
        line(
            0,
            1,
            &[
                ("sin", xs.iter().map(|x| x.sin()).collect()),
                ("cos", xs.iter().map(|x| x.cos()).collect()),
            ],
        ),
        heatmap(1, 1, 80, 60, &field(80, 60)),
        chunk(
            2,
            0,
            &(0..300).map(|i| f64::from(i).sqrt()).collect::<Vec<_>>(),
        ),
        chunk(
            2,
            300,
            &(300..500).map(|i| f64::from(i).sqrt()).collect::<Vec<_>>(),
        ),
    ];
    publisher.hello("heat");
    publisher.layout(&layout);
    publisher.data(&frames[0]);
    publisher.data(&frames[1]);
    publisher.chunk(&frames[2]);
    publisher.chunk(&frames[3]);

    let mut view = RelayView::start(&format!("nats://127.0.0.1:{}/run1", nats.port));
    let (plot, took) = view.timed("the relayed run's three plots", WAIT, |p| {
        complete(p, 3) && series_points(p, "energy") == 500
    });
    eprintln!(
        "relay: first complete frame {:.0} ms after start",
        took.as_secs_f64() * 1e3
    );
    assert_same_picture(
        &picture(&plot),
        &picture(&direct(&layout, &frames)),
        "one-process",
    );
    assert_eq!(plot.status.connection, Connection::Connected);
    let relay = plot.status.relay.clone().expect("relay status");
    assert_eq!(relay.server, format!("127.0.0.1:{}", nats.port));
    assert_eq!((relay.run.as_str(), relay.processes), ("run1", 1));

    // Clock pings through the relay give a round trip (and the offset
    // that makes the age true across machines).
    let plot = view.wait("a clock sample", WAIT, |p| p.status.round_trip.is_some());
    assert!(plot
        .status
        .round_trip
        .is_some_and(|rtt| rtt < Duration::from_secs(2)));

    // Live: newer values replace older ones; the newest is what is drawn.
    for seq in 2..=30u64 {
        publisher.data(&line(0, seq, &[("sin", vec![seq as f64; 3])]));
    }
    let newest = view.wait("the newest line value", WAIT, |p| {
        p.layout
            .channels
            .first()
            .and_then(|c| match p.data.get(&c.id) {
                Some(ChannelData::Snapshot(f)) => Some(f.seq == 30),
                _ => None,
            })
            .unwrap_or(false)
    });
    assert!(newest.status.frames_received >= 2);
    publisher.bye(GoodbyeCode::ComputationEnded, "finished");
    view.wait("the run to end", WAIT, |p| {
        matches!(p.status.connection, Connection::Ended { .. })
    });
}

#[test]
fn four_processes_draw_one_picture_equal_to_the_whole() {
    let nats = NatsServer::start("relay-view-four");
    let (gnx, gny) = (64u32, 48u32);
    let whole = field(gnx, gny);
    let tiles = [(0, 0), (32, 0), (0, 24), (32, 24)];
    let traces: Vec<Vec<f64>> = (0..4)
        .map(|k| {
            (0..200)
                .map(|i| (f64::from(i) * 0.03 + f64::from(k)).sin())
                .collect()
        })
        .collect();
    let publishers: Vec<RelayPublisher> = tiles
        .iter()
        .enumerate()
        .map(|(k, &(x0, y0))| {
            let p = RelayPublisher::start(&nats.url, "mpi", &format!("rank{k}"));
            p.hello("heat");
            p.layout(&layout(vec![
                tiled(0, "T", [x0, y0, gnx, gny]),
                ChannelSpec::new(1, "loss", ChannelKind::Line),
            ]));
            p.data(&heatmap(
                0,
                1,
                32,
                24,
                &block(&whole, gnx, (x0, y0, 32, 24)),
            ));
            p.data(&line(1, 1, &[("", traces[k].clone())]));
            p
        })
        .collect();
    let mut view = RelayView::start(&format!("nats://127.0.0.1:{}/mpi", nats.port));
    let (plot, took) = view.timed("four processes in one view", WAIT, |p| {
        complete(p, 2)
            && p.status.relay.as_ref().is_some_and(|r| r.processes == 4)
            && p.data.values().all(|d| match d {
                ChannelData::Snapshot(f) => f.kind != ChannelKind::Line || f.parts.len() == 4,
                ChannelData::Series(_) => false,
            })
            && p.data.values().any(|d| match d {
                ChannelData::Snapshot(f) => {
                    f.kind == ChannelKind::Heatmap && f.parts[0].y.iter().all(|v| !v.is_nan())
                }
                ChannelData::Series(_) => false,
            })
    });
    eprintln!(
        "relay: four processes complete {:.0} ms after start",
        took.as_secs_f64() * 1e3
    );
    let whole_layout = layout(vec![
        ChannelSpec::new(0, "T", ChannelKind::Heatmap),
        ChannelSpec::new(1, "loss", ChannelKind::Line),
    ]);
    let names: Vec<(&str, Vec<f64>)> = ["rank0", "rank1", "rank2", "rank3"]
        .into_iter()
        .zip(traces.iter().cloned())
        .collect();
    let reference = direct(
        &whole_layout,
        &[heatmap(0, 1, gnx, gny, &whole), line(1, 1, &names)],
    );
    assert_same_picture(&picture(&plot), &picture(&reference), "four-processes");
    // One of them ends: the others go on, its trace says so.
    publishers[2].bye(GoodbyeCode::ComputationEnded, "done");
    let plot = view.wait("rank2 marked finished", WAIT, |p| {
        p.data.values().any(|d| match d {
            ChannelData::Snapshot(f) => f.parts.iter().any(|p| p.name == "rank2 (finished)"),
            ChannelData::Series(_) => false,
        })
    });
    assert_eq!(plot.status.connection, Connection::Connected);
    // Another stops answering (hung or gone without a goodbye): after three
    // ping intervals its trace says it is stale.
    publishers[3].answer(false);
    let plot = view.wait("rank3 marked stale", WAIT, |p| {
        p.data.values().any(|d| match d {
            ChannelData::Snapshot(f) => f.parts.iter().any(|p| p.name == "rank3 (stale)"),
            ChannelData::Series(_) => false,
        })
    });
    let relay = plot.status.relay.expect("relay status");
    assert_eq!((relay.processes, relay.ended, relay.stale), (4, 1, 1));
}

#[test]
fn a_viewer_started_before_its_run_waits_and_then_shows_it() {
    let nats = NatsServer::start("relay-view-late");
    let dir = TempDir::new("relay-late");
    let out = dir.join("late.png");
    let addr = format!("nats://127.0.0.1:{}/late", nats.port);
    let mut viewer = ViewerCommand::new()
        .source(&addr)
        .headless()
        .frames(1)
        .out(&out)
        .timeout_secs(90)
        .spawn();
    let waiting = format!("waiting for run late on 127.0.0.1:{}", nats.port);
    viewer.wait_for_log(&waiting, WAIT);
    let publisher = RelayPublisher::start(&nats.url, "late", "p0");
    let started = Instant::now();
    publisher.hello("late");
    publisher.layout(&layout(vec![ChannelSpec::new(
        0,
        "wave",
        ChannelKind::Line,
    )]));
    publisher.data(&line(0, 1, &[("", vec![1.0, 3.0, 2.0])]));
    let finished = viewer.wait(WAIT);
    finished.assert_success("the late run's viewer");
    eprintln!(
        "relay: run published, PNG written {:.0} ms later",
        started.elapsed().as_secs_f64() * 1e3
    );
    assert!(out.is_file(), "{}", finished.stderr);
    assert!(finished.stderr.contains(&waiting), "{}", finished.stderr);
}

#[test]
fn overview_frames_are_asked_for_the_view_drawn() {
    let nats = NatsServer::start("relay-view-lod");
    let publisher = RelayPublisher::start(&nats.url, "big", "p0");
    publisher.hello("big");
    publisher.layout(&layout(vec![ChannelSpec::new(
        0,
        "T",
        ChannelKind::Heatmap,
    )]));
    let full = 1024u32;
    let window = || Lod {
        source_values: u64::from(full) * u64::from(full),
        grid: Some(GridWindow {
            full_nx: full,
            full_ny: full,
            x0: 0,
            x1: full,
            y0: 0,
            y1: full,
        }),
        replace: false,
        ends: Vec::new(),
    };
    let mut overview = heatmap(0, 1, 8, 8, &field(8, 8));
    overview.lod = Some(window());
    let mut detail = heatmap(0, 1, 400, 300, &field(400, 300));
    detail.lod = Some(window());
    // Replies of about 1 MB come in 16 KiB messages.
    publisher.split_replies(16 * 1024);
    publisher.overview(&overview, &detail);
    let mut view = RelayView::start(&format!("nats://127.0.0.1:{}/big", nats.port));
    let plot = view.wait("the detail answered for the view", WAIT, |p| {
        p.data.values().any(|d| match d {
            ChannelData::Snapshot(f) => f.nx == 400,
            ChannelData::Series(_) => false,
        })
    });
    assert!(publisher.views_asked() >= 1);
    let ChannelData::Snapshot(f) = plot.data.values().next().unwrap() else {
        panic!("a heatmap");
    };
    assert_eq!(f.parts[0].y.len(), 400 * 300);
}

#[test]
fn a_recording_of_a_relayed_run_replays_as_it_was_shown() {
    let nats = NatsServer::start("relay-view-record");
    let dir = TempDir::new("relay-record");
    let path = dir.join("run.plotcast");
    let mut publishers = Vec::new();
    for k in 0..2u32 {
        let p = RelayPublisher::start(&nats.url, "rec", &format!("w{k}"));
        p.hello("rec");
        p.layout(&layout(vec![
            ChannelSpec::new(0, "loss", ChannelKind::Line),
            ChannelSpec::new(1, "energy", ChannelKind::Series),
        ]));
        p.data(&line(0, 1, &[("", vec![1.0, f64::from(k), 2.0])]));
        p.chunk(&chunk(1, 0, &[1.0, 2.0, 3.0 + f64::from(k)]));
        publishers.push(p);
    }
    let mut cfg = relay_config(&format!("nats://127.0.0.1:{}/rec", nats.port));
    cfg.level_of_detail = false;
    let recorder = Recorder::create(&RecordOptions::new(&path)).unwrap();
    let mut view = RelayView::start_with(cfg, Some(recorder));
    let live = view.wait("both processes recorded", WAIT, |p| {
        complete(p, 2) && series_points(p, "energy") == 6
    });
    // A tick passes, so that what waits for it is in the file.
    std::thread::sleep(Duration::from_millis(300));
    view.stop();
    let mut replay = Replay::new(Recording::open(&path, false).unwrap());
    let span = replay.recording().span();
    replay.seek(span).unwrap();
    assert_same_picture(&picture(replay.state()), &picture(&live), "record-replay");
}
