//! The merge model of relayed runs (`model::RunSet`), fed the bytes a
//! NATS bucket and stream would deliver: traces per process, tiles
//! stitched, processes that end, hostile values, several runs. No NATS
//! here: the end-to-end tests are `relay_view.rs` and `relay_faults.rs`.

use std::time::{Duration, Instant};

use bytes::Bytes;
use plotcast_protocol::relay::{Entry, Names, ProcessInfo, RELAY_VERSION};
use plotcast_protocol::{
    ChannelKind, ChannelOptions, ChannelSpec, Frame, Goodbye, GoodbyeCode, Layout, Message, Ping,
};
use plotcast_testkit::frames::{grid_frame, lines_frame, series_frame};
use plotcast_testkit::relay_publisher::body;
use plotcast_viewer::model::{ChannelData, PlotState, RunSet, MAX_PROCESSES};

fn info(process: &str, session_id: u64) -> ProcessInfo {
    ProcessInfo {
        relay_version: RELAY_VERSION,
        protocol_version: plotcast_protocol::VERSION,
        title: "heat".into(),
        process: process.into(),
        host: "node".into(),
        pid: 1,
        session_id,
        started_us: 0,
    }
}

fn line(channel: u32, seq: u64, parts: &[(&str, &[f64])]) -> Frame {
    lines_frame(channel, seq, parts)
}

fn heatmap(channel: u32, nx: u32, ny: u32, values: &[f64]) -> Frame {
    grid_frame(channel, nx, ny, values)
}

/// Points `first..` of an append series, at times `first..` too.
fn series(channel: u32, first: u64, values: &[f64]) -> Frame {
    let t: Vec<f64> = (first..first + values.len() as u64)
        .map(|i| i as f64)
        .collect();
    series_frame(channel, first, &t, values)
}

/// One process's keys, written to a run set as a watcher delivers them.
struct Proc {
    names: Names,
}

impl Proc {
    fn new(run: &str, process: &str) -> Self {
        Self {
            names: Names::new(run, process).expect("names"),
        }
    }

    fn put(&self, runs: &mut RunSet, entry: Entry, value: Bytes) {
        runs.apply_entry(&self.names.key(entry), Some(&value), Instant::now());
    }

    fn start(&self, runs: &mut RunSet, channels: Vec<ChannelSpec>) {
        let hello = info(&self.names.process, 7).encode().expect("hello");
        self.put(runs, Entry::Hello, hello.into());
        let layout = Layout {
            title: "heat".into(),
            columns: 0,
            channels,
        };
        self.put(runs, Entry::Layout, body(&Message::Layout(layout)));
    }

    fn data(&self, runs: &mut RunSet, frame: &Frame) {
        self.put(
            runs,
            Entry::Data(frame.channel),
            body(&Message::Data(frame.clone())),
        );
    }

    fn chunk(&self, runs: &mut RunSet, frame: &Frame) {
        let subject = self.names.series_subject(frame.channel);
        runs.apply_chunk(
            &subject,
            &body(&Message::Data(frame.clone())),
            Instant::now(),
        );
    }

    fn bye(&self, runs: &mut RunSet, code: GoodbyeCode, reason: &str) {
        let bye = Message::Goodbye(Goodbye {
            code,
            reason: reason.into(),
        });
        self.put(runs, Entry::Bye, body(&bye));
    }
}

/// `rank0` of `run`, publishing one value of a line `loss`.
fn loss_process(runs: &mut RunSet) -> Proc {
    let p = Proc::new("run", "rank0");
    p.start(runs, vec![ChannelSpec::new(0, "loss", ChannelKind::Line)]);
    p.data(runs, &line(0, 1, &[("", &[1.0])]));
    p
}

fn build(runs: &mut RunSet) -> PlotState {
    let mut state = PlotState::default();
    runs.build(&mut state, Instant::now());
    state
}

fn snapshot<'a>(state: &'a PlotState, name: &str) -> &'a Frame {
    let spec = state
        .layout
        .channels
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no plot {name:?} in {:?}", names(state)));
    match state.data.get(&spec.id) {
        Some(ChannelData::Snapshot(frame)) => frame,
        other => panic!("{name}: {other:?}"),
    }
}

fn names(state: &PlotState) -> Vec<String> {
    state
        .layout
        .channels
        .iter()
        .map(|c| c.name.clone())
        .collect()
}

fn part_names(frame: &Frame) -> Vec<String> {
    frame.parts.iter().map(|p| p.name.clone()).collect()
}

fn values(frame: &Frame) -> Vec<f64> {
    frame.parts[0].y.iter().collect()
}

#[test]
fn one_process_is_shown_exactly_as_a_direct_viewer_shows_it() {
    let mut runs = RunSet::new("run");
    let rank0 = Proc::new("run", "rank0");
    let channels = vec![
        ChannelSpec::new(0, "loss", ChannelKind::Line),
        ChannelSpec::new(1, "T", ChannelKind::Heatmap),
    ];
    rank0.start(&mut runs, channels.clone());
    let (l, h) = (
        line(0, 3, &[("train", &[1.0, 2.0]), ("test", &[3.0])]),
        heatmap(1, 2, 2, &[1.0, 2.0, 3.0, 4.0]),
    );
    rank0.data(&mut runs, &l);
    rank0.data(&mut runs, &h);
    let merged = build(&mut runs);
    let mut direct = PlotState::default();
    direct.set_layout(Layout {
        title: "heat".into(),
        columns: 0,
        channels,
    });
    direct.apply_frame(l, Instant::now());
    direct.apply_frame(h, Instant::now());
    assert_eq!(merged.layout, direct.layout);
    for spec in &direct.layout.channels {
        let (ChannelData::Snapshot(a), ChannelData::Snapshot(b)) =
            (&merged.data[&spec.id], &direct.data[&spec.id])
        else {
            panic!("snapshots");
        };
        assert_eq!(a, b, "{}", spec.name);
    }
}

#[test]
fn a_channel_of_several_processes_is_one_plot_with_a_trace_each() {
    let mut runs = RunSet::new("run");
    for label in ["rank10", "rank2", "rank1"] {
        let p = Proc::new("run", label);
        p.start(
            &mut runs,
            vec![ChannelSpec::new(4, "loss", ChannelKind::Line)],
        );
        p.data(&mut runs, &line(4, 1, &[("", &[1.0, 2.0])]));
    }
    let rank3 = Proc::new("run", "rank3");
    rank3.start(
        &mut runs,
        vec![ChannelSpec::new(0, "loss", ChannelKind::Line)],
    );
    rank3.data(
        &mut runs,
        &line(0, 1, &[("train", &[1.0]), ("test", &[2.0])]),
    );
    let state = build(&mut runs);
    assert_eq!(names(&state), ["loss"]);
    let loss = snapshot(&state, "loss");
    assert_eq!(
        part_names(loss),
        ["rank1", "rank2", "rank3/train", "rank3/test", "rank10"]
    );
    assert_eq!(runs.status("h:4222").processes, 4);
    // One process ends, another is interrupted: their traces say so.
    Proc::new("run", "rank2").bye(&mut runs, GoodbyeCode::ComputationEnded, "done");
    Proc::new("run", "rank10").bye(&mut runs, GoodbyeCode::Interrupted, "KeyboardInterrupt");
    let mut state2 = state.clone();
    runs.build(&mut state2, Instant::now());
    let loss = snapshot(&state2, "loss");
    assert_eq!(
        part_names(loss),
        [
            "rank1",
            "rank2 (finished)",
            "rank3/train",
            "rank3/test",
            "rank10 (interrupted: KeyboardInterrupt)"
        ]
    );
    let status = runs.status("h:4222");
    assert_eq!((status.processes, status.ended), (4, 2));
}

#[test]
fn tiles_stitched_equal_the_whole_grid_and_untiled_heatmaps_stay_apart() {
    let (nx, ny) = (6u32, 4u32);
    let whole: Vec<f64> = (0..nx * ny).map(f64::from).collect();
    let mut runs = RunSet::new("run");
    for (k, (x0, y0)) in [(0u32, 0u32), (3, 0), (0, 2), (3, 2)]
        .into_iter()
        .enumerate()
    {
        let tile: Vec<f64> = (y0..y0 + 2)
            .flat_map(|r| (x0..x0 + 3).map(move |c| f64::from(r * nx + c)))
            .collect();
        let p = Proc::new("run", &format!("rank{k}"));
        let tiled = ChannelOptions {
            tile: Some([x0, y0, nx, ny]),
            ..ChannelOptions::default()
        };
        p.start(
            &mut runs,
            vec![
                ChannelSpec::with_options(0, "T", ChannelKind::Heatmap, tiled),
                ChannelSpec::new(1, "u", ChannelKind::Heatmap),
            ],
        );
        p.data(&mut runs, &heatmap(0, 3, 2, &tile));
        p.data(&mut runs, &heatmap(1, 1, 1, &[f64::from(k as u32)]));
    }
    let state = build(&mut runs);
    assert_eq!(
        names(&state),
        ["T", "u [rank0]", "u [rank1]", "u [rank2]", "u [rank3]"]
    );
    let t = snapshot(&state, "T");
    assert_eq!((t.nx, t.ny), (nx, ny));
    assert_eq!(values(t), whole);
    assert!(t.lod.is_none());
    assert_eq!(values(snapshot(&state, "u [rank2]")), [2.0]);
}

#[test]
fn series_of_several_processes_are_traces_and_gaps_are_counted() {
    let mut runs = RunSet::new("run");
    let (a, b) = (Proc::new("run", "a"), Proc::new("run", "b"));
    for p in [&a, &b] {
        p.start(
            &mut runs,
            vec![ChannelSpec::new(2, "energy", ChannelKind::Series)],
        );
    }
    a.chunk(&mut runs, &series(2, 0, &[1.0, 2.0]));
    b.chunk(&mut runs, &series(2, 0, &[5.0]));
    // Points 2..10 of a fell out of the stream: a gap of 8.
    a.chunk(&mut runs, &series(2, 10, &[3.0]));
    // A repeat changes nothing.
    a.chunk(&mut runs, &series(2, 0, &[1.0, 2.0]));
    let state = build(&mut runs);
    let spec = &state.layout.channels[0];
    let Some(ChannelData::Series(set)) = state.data.get(&spec.id) else {
        panic!("a series");
    };
    let got: Vec<(String, Vec<f64>)> = set
        .series()
        .iter()
        .map(|s| (s.name.clone(), s.points().map(|(_, y)| y).collect()))
        .collect();
    assert_eq!(
        got,
        [("a".into(), vec![1.0, 2.0, 3.0]), ("b".into(), vec![5.0])]
    );
    assert_eq!(state.status.frames_skipped, 8);
}

#[test]
fn hostile_keys_and_values_are_skipped_and_counted() {
    let mut runs = RunSet::new("run");
    let p = loss_process(&mut runs);
    let now = Instant::now();
    let garbage = Bytes::from_static(&[0xff; 40]);
    // Keys of no known shape.
    for key in [
        "run.rank0.what",
        "run.rank0.d.x",
        "run",
        "run.bad name.hello",
    ] {
        runs.apply_entry(key, Some(&garbage), now);
    }
    // Values that do not decode or do not fit their key.
    p.put(&mut runs, Entry::Data(0), garbage.clone());
    p.put(&mut runs, Entry::Layout, garbage.clone());
    p.put(&mut runs, Entry::Hello, garbage.clone());
    p.put(
        &mut runs,
        Entry::Data(0),
        body(&Message::Ping(Ping::at(1, 2))),
    );
    p.put(
        &mut runs,
        Entry::Data(9),
        body(&Message::Data(line(9, 1, &[("", &[1.0])]))),
    );
    p.put(
        &mut runs,
        Entry::Data(3),
        body(&Message::Data(line(0, 1, &[("", &[1.0])]))),
    );
    // A value longer than a relay message.
    p.put(&mut runs, Entry::Data(0), Bytes::from(vec![0u8; 2 << 20]));
    // A hello of another relay version.
    let mut newer = info("rank9", 1);
    newer.relay_version = RELAY_VERSION + 1;
    Proc::new("run", "rank9").put(
        &mut runs,
        Entry::Hello,
        newer.encode().expect("hello").into(),
    );
    // A stream message that is not a series chunk.
    runs.apply_chunk("plotcast.series.run.rank0.0", &garbage, now);
    runs.apply_chunk("plotcast.series.run", &garbage, now);
    // Keys of other runs are not this viewer's business.
    runs.apply_entry("other.rank0.hello", Some(&garbage), now);
    let refused = runs.refused();
    assert_eq!(refused.bad_keys, 5, "{refused:?}");
    assert_eq!(refused.bad_values, 7, "{refused:?}");
    assert_eq!(
        (refused.oversized, refused.other_version),
        (1, 1),
        "{refused:?}"
    );
    let state = build(&mut runs);
    assert_eq!(part_names(snapshot(&state, "loss")), [""]);
    assert_eq!(values(snapshot(&state, "loss")), [1.0]);
    assert_eq!(state.status.relay, None, "the status is the network side's");
    assert_eq!(runs.status("h").refused, refused.total());
}

#[test]
fn invented_processes_cannot_grow_the_viewer_without_bound() {
    let mut runs = RunSet::new("run");
    let now = Instant::now();
    for i in 0..MAX_PROCESSES + 10 {
        let label = format!("p{i}");
        let key = Names::new("run", &label).expect("names").key(Entry::Hello);
        runs.apply_entry(
            &key,
            Some(&info(&label, 1).encode().expect("hello").into()),
            now,
        );
    }
    assert_eq!(runs.processes().len(), MAX_PROCESSES);
    assert_eq!(runs.refused().too_many, 10);
}

#[test]
fn a_new_session_starts_afresh_and_silent_processes_go_stale() {
    let mut runs = RunSet::new("run");
    let p = loss_process(&mut runs);
    p.bye(&mut runs, GoodbyeCode::ComputationEnded, "done");
    assert!(runs.processes().values().all(|p| p.end.is_some()));
    // The same session again changes nothing; a new one forgets the old.
    p.put(
        &mut runs,
        Entry::Hello,
        info("rank0", 7).encode().expect("hello").into(),
    );
    assert!(runs.processes().values().all(|p| p.end.is_some()));
    p.put(
        &mut runs,
        Entry::Hello,
        info("rank0", 8).encode().expect("hello").into(),
    );
    let fresh = runs.processes().values().next().expect("a process");
    assert!(fresh.end.is_none() && fresh.layout.is_none() && fresh.frames.is_empty());
    // Nothing heard for three ping intervals: stale.
    let q = Proc::new("run", "rank1");
    q.start(
        &mut runs,
        vec![ChannelSpec::new(0, "loss", ChannelKind::Line)],
    );
    runs.check_stale(Instant::now() + Duration::from_secs(4));
    assert!(runs.processes().values().all(|p| p.stale));
    let state = build(&mut runs);
    assert_eq!(names(&state), ["loss"]);
}

#[test]
fn a_pattern_shows_each_run_in_a_column_with_titles_prefixed() {
    let mut runs = RunSet::new("sweep-*");
    for run in ["sweep-10", "sweep-2"] {
        let p = Proc::new(run, "w0");
        p.start(
            &mut runs,
            vec![
                ChannelSpec::new(0, "loss", ChannelKind::Line),
                ChannelSpec::new(1, "acc", ChannelKind::Line),
            ],
        );
        p.data(&mut runs, &line(0, 1, &[("", &[1.0])]));
    }
    Proc::new("other", "w0").start(&mut runs, vec![ChannelSpec::new(0, "x", ChannelKind::Line)]);
    let state = build(&mut runs);
    assert_eq!(
        names(&state),
        [
            "sweep-2: loss",
            "sweep-2: acc",
            "sweep-10: loss",
            "sweep-10: acc"
        ]
    );
    assert_eq!(state.layout.columns, 2);
    let cells: Vec<(u16, u16)> = state
        .layout
        .channels
        .iter()
        .map(|c| c.options.cell.map(|g| (g.row, g.col)).expect("a cell"))
        .collect();
    assert_eq!(cells, [(0, 0), (1, 0), (0, 1), (1, 1)]);
    // One trace per run's plot: the names stay as published.
    assert_eq!(part_names(snapshot(&state, "sweep-10: loss")), [""]);
    assert_eq!(runs.status("h").runs, 2);
    // Plot ids stay with their plots when a run joins.
    let id = state.layout.channels[2].id;
    Proc::new("sweep-1", "w0").start(
        &mut runs,
        vec![ChannelSpec::new(0, "loss", ChannelKind::Line)],
    );
    let later = build(&mut runs);
    let again = later
        .layout
        .channels
        .iter()
        .find(|c| c.name == "sweep-10: loss")
        .expect("still there");
    assert_eq!(again.id, id);
}
