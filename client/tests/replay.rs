//! Replay of recordings written with the protocol crate's writer: the
//! state at any time is what a live viewer had then, whichever way the
//! position got there; sessions, goodbyes, the player's controls and the
//! CSV export of a whole series beyond the viewer's window.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use plotcast_protocol::{
    ArrayRef, ChannelKind, ChannelSpec, FrameRef, Goodbye, GoodbyeCode, Layout, Message, PartRef,
    Welcome, VERSION,
};
use plotcast_testkit::{RecordingFile, TempDir};
use plotcast_viewer::model::{ChannelData, Connection, PlotState};
use plotcast_viewer::recording::player::{Control, Player};
use plotcast_viewer::recording::{Recording, Replay};

const MS: u64 = 1000;

struct Writer(RecordingFile);

impl Writer {
    fn new() -> Self {
        Self(RecordingFile::new(1, false))
    }

    fn msg(&mut self, time_us: u64, msg: Message) {
        self.0.message(time_us, &msg);
    }

    fn session(&mut self, time_us: u64, name: &str, history: u32) {
        self.msg(
            time_us,
            Message::Welcome(Welcome {
                version: VERSION,
                server_name: name.into(),
                session_id: 1,
                heartbeat_interval_ms: 1000,
                heartbeat_timeout_ms: 6000,
                codec: 0,
            }),
        );
        let mut series = ChannelSpec::new(1, "energy", ChannelKind::Series);
        series.options.history_points = history;
        self.msg(
            time_us,
            Message::Layout(Layout {
                title: name.into(),
                columns: 0,
                channels: vec![ChannelSpec::new(0, "wave", ChannelKind::Line), series],
            }),
        );
    }

    /// Line value `seq` (ys all equal to seq) and series point `seq - 1`.
    fn step(&mut self, time_us: u64, seq: u64) {
        for (channel, kind) in [(0, ChannelKind::Line), (1, ChannelKind::Series)] {
            let v = [seq as f64; 4];
            let t = [seq as f64 / 10.0];
            let part = match kind {
                ChannelKind::Series => PartRef {
                    name: "",
                    first_index: seq - 1,
                    x: Some(ArrayRef::F64(&t)),
                    y: ArrayRef::F64(&v[..1]),
                },
                _ => PartRef {
                    name: "",
                    first_index: 0,
                    x: None,
                    y: ArrayRef::F64(&v),
                },
            };
            self.0.frame(
                time_us,
                &FrameRef {
                    channel,
                    seq,
                    timestamp_us: seq,
                    kind,
                    nx: 0,
                    ny: 0,
                    range: None,
                    parts: &[part],
                    lod: None,
                },
            );
        }
    }

    fn save(self, path: &Path) {
        self.0.save(path);
    }
}

/// Two sessions: "first" steps 1..=5 at 100..500 ms then says goodbye at
/// 550 ms; "second" starts at 1 s with one step at 1.1 s.
fn two_sessions(path: &Path) {
    let mut w = Writer::new();
    w.session(10 * MS, "first", 0);
    for seq in 1..=5 {
        w.step(seq * 100 * MS, seq);
    }
    w.msg(
        550 * MS,
        Message::Goodbye(Goodbye {
            code: GoodbyeCode::ComputationEnded,
            reason: "done".into(),
        }),
    );
    w.session(1000 * MS, "second", 0);
    w.step(1100 * MS, 1);
    w.save(path);
}

/// What a state shows: the line's value, the series' points, the
/// session's name, whether it ended.
fn shown(state: &PlotState) -> (Option<f64>, Vec<(f64, f64)>, String, bool) {
    let line = match state.data.get(&0) {
        Some(ChannelData::Snapshot(f)) => Some(f.parts[0].y.iter().next().unwrap()),
        _ => None,
    };
    let series = match state.data.get(&1) {
        Some(ChannelData::Series(set)) => set.series()[0].points().collect(),
        _ => Vec::new(),
    };
    let ended = matches!(state.status.connection, Connection::Ended { .. });
    (line, series, state.status.server_name.clone(), ended)
}

#[test]
fn the_state_at_a_time_does_not_depend_on_how_the_position_got_there() {
    let dir = TempDir::new("replay");
    let path = dir.join("two.plotcast");
    two_sessions(&path);
    let rec = Recording::open(&path, false).unwrap();
    assert_eq!(rec.span(), Duration::from_millis(1100));
    assert_eq!(rec.first_data_time(), Duration::from_millis(100));
    let times: Vec<u64> = vec![0, 250, 450, 150, 500, 560, 999, 1000, 1200, 300, 100, 99];
    let mut moving = Replay::new(Recording::open(&path, false).unwrap());
    for &ms in &times {
        let t = Duration::from_millis(ms);
        moving.seek(t).unwrap();
        let mut fresh = Replay::new(Recording::open(&path, false).unwrap());
        fresh.seek(t).unwrap();
        assert_eq!(shown(moving.state()), shown(fresh.state()), "at {ms} ms");
    }
    let at = |ms: u64| {
        let mut r = Replay::new(Recording::open(&path, false).unwrap());
        r.seek(Duration::from_millis(ms)).unwrap();
        shown(r.state())
    };
    let (line, series, name, ended) = at(250);
    assert_eq!(
        (line, series.len(), name.as_str(), ended),
        (Some(2.0), 2, "first", false)
    );
    assert_eq!(series, vec![(0.1, 1.0), (0.2, 2.0)]);
    assert_eq!(at(99).0, None, "nothing before the first data");
    let (line, series, _, ended) = at(560);
    assert_eq!((line, series.len(), ended), (Some(5.0), 5, true));
    // A new session starts from nothing.
    let (line, series, name, ended) = at(1000);
    assert_eq!(
        (line, series.len(), name.as_str(), ended),
        (None, 0, "second", false)
    );
    let (line, series, _, _) = at(5000);
    assert_eq!((line, series.len()), (Some(1.0), 1));
    assert_eq!(
        rec.next_time(Duration::from_millis(100)),
        Some(Duration::from_millis(200))
    );
    assert_eq!(
        rec.previous_time(Duration::from_millis(200)),
        Some(Duration::from_millis(100))
    );
    assert_eq!(rec.next_time(Duration::from_millis(1100)), None);
}

#[test]
fn the_player_steps_jumps_plays_and_changes_speed() {
    let dir = TempDir::new("replay");
    let path = dir.join("player.plotcast");
    two_sessions(&path);
    let mut p = Player::new(Replay::new(Recording::open(&path, false).unwrap())).unwrap();
    let pos = |p: &Player| p.replay().position().as_millis();
    assert_eq!(pos(&p), 1100, "opens at the end");
    let t0 = Instant::now();
    p.control(Control::Home, t0).unwrap();
    assert_eq!(pos(&p), 100);
    p.control(Control::StepForward, t0).unwrap();
    assert_eq!(pos(&p), 200);
    p.control(Control::StepBack, t0).unwrap();
    p.control(Control::StepBack, t0).unwrap();
    assert_eq!(pos(&p), 10, "back to the welcome");
    p.control(Control::JumpForward, t0).unwrap();
    assert_eq!(pos(&p), 120);
    p.control(Control::End, t0).unwrap();
    assert_eq!(pos(&p), 1100);
    // Play at the end starts over from the first data, at 2x.
    p.control(Control::Faster, t0).unwrap();
    p.control(Control::PlayPause, t0).unwrap();
    assert!(p.is_playing());
    assert_eq!(pos(&p), 100);
    p.advance(t0 + Duration::from_millis(100)).unwrap();
    assert_eq!(pos(&p), 300);
    assert_eq!(shown(&p.plot_state()).0, Some(3.0));
    let status = p.plot_state().status.replay.unwrap();
    assert!(status.playing && status.speed == 2.0);
    let wake = p.next_wake(t0 + Duration::from_millis(100)).unwrap();
    assert!(
        wake <= t0 + Duration::from_millis(200),
        "wakes for the next record or the clock"
    );
    // Speed changes keep the position continuous.
    p.control(Control::Slower, t0 + Duration::from_millis(100))
        .unwrap();
    p.advance(t0 + Duration::from_millis(200)).unwrap();
    assert_eq!(pos(&p), 400);
    p.advance(t0 + Duration::from_secs(10)).unwrap();
    assert_eq!(pos(&p), 1100);
    assert!(!p.is_playing(), "stops at the end");
    for _ in 0..20 {
        p.control(Control::Faster, t0).unwrap();
    }
    assert_eq!(p.speed(), plotcast_viewer::recording::player::MAX_SPEED);
    for _ in 0..40 {
        p.control(Control::Slower, t0).unwrap();
    }
    assert_eq!(p.speed(), plotcast_viewer::recording::player::MIN_SPEED);
}

#[test]
fn a_series_exports_whole_beyond_the_viewers_window() {
    let dir = TempDir::new("replay");
    let path = dir.join("window.plotcast");
    let mut w = Writer::new();
    w.session(0, "small window", 3);
    for seq in 1..=10 {
        w.step(seq * 100 * MS, seq);
    }
    w.save(&path);
    let mut r = Replay::new(Recording::open(&path, false).unwrap());
    r.seek(Duration::from_secs(5)).unwrap();
    assert_eq!(
        shown(r.state()).1.len(),
        3,
        "the replay shows the window, like a live viewer"
    );
    let csv = dir.join("energy.csv");
    let _ = std::fs::remove_file(&csv);
    let rows = plotcast_viewer::recording::export::run(
        Recording::open(&path, false).unwrap(),
        "energy",
        Some(0.55),
        Some(&csv),
    )
    .unwrap();
    assert_eq!(rows, 5, "every point up to --at");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text, "t,y\n0.1,1\n0.2,2\n0.3,3\n0.4,4\n0.5,5\n");
    let err = plotcast_viewer::recording::export::run(
        Recording::open(&path, false).unwrap(),
        "nope",
        None,
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no plot named \"nope\"") && err.contains("\"wave\", \"energy\""),
        "{err}"
    );
    let err = plotcast_viewer::recording::export::run(
        Recording::open(&path, false).unwrap(),
        "wave",
        Some(60.0),
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("past the end of the recording (1.000 s)"),
        "{err}"
    );
}
