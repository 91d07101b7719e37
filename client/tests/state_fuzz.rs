//! Random sequences of decoded messages, with extreme numbers and hostile
//! text, fed into the viewer's state and renderer: nothing panics, every
//! render finishes, and what the state holds stays within its bounds.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use plotcast_protocol::{Array, ChannelKind, ChannelSpec, Frame, GridCell, Layout, Part, Scale};
use plotcast_viewer::model::{
    AxisView, ChannelData, PlotState, DEFAULT_HISTORY_POINTS, MAX_SERIES_PER_CHANNEL,
};
use plotcast_viewer::render::{render_with, RenderOptions};
use plotcast_viewer::view::ViewState;
use proptest::prelude::*;

const NASTY: [f64; 14] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    -f64::MAX,
    1e308,
    -1e308,
    5e-324,
    -5e-324,
    0.0,
    -0.0,
    1.0,
    -1.0,
    1e-300,
];

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => prop::sample::select(NASTY.to_vec()),
        2 => -1e6..1e6f64,
        1 => any::<f64>(),
    ]
}

fn range() -> impl Strategy<Value = Option<(f64, f64)>> {
    prop::option::of((number(), number()))
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z]{1,8}",
        Just("\u{1b}[2J\u{1b}]0;x\u{7}".to_string()),
        "\\PC{0,40}",
        (0usize..5000).prop_map(|n| "w".repeat(n)),
    ]
}

fn kind() -> impl Strategy<Value = ChannelKind> {
    prop::sample::select(ChannelKind::ALL.to_vec())
}

fn scale() -> impl Strategy<Value = Scale> {
    prop_oneof![Just(Scale::Linear), Just(Scale::Log)]
}

fn spec() -> impl Strategy<Value = ChannelSpec> {
    (
        0u32..5,
        kind(),
        (text(), text(), text()),
        (scale(), scale(), range(), range()),
        prop::option::of((0u16..5, 0u16..5, 0u16..3, 0u16..3)),
        prop::sample::select(vec![0u32, 1, 5, 4096, 100_000, u32::MAX]),
    )
        .prop_map(
            |(id, kind, (title, x_label, name), (xs, ys, xr, yr), cell, history)| {
                let mut spec = ChannelSpec::new(id, name, kind);
                spec.options.title = title;
                spec.options.x_label = x_label;
                spec.options.x_scale = xs;
                spec.options.y_scale = ys;
                spec.options.x_range = xr;
                spec.options.y_range = yr;
                spec.options.cell = cell.map(|(row, col, rows, cols)| GridCell {
                    row,
                    col,
                    rows,
                    cols,
                });
                spec.options.history_points = history;
                spec
            },
        )
}

/// A frame as the decoder can deliver it: shapes follow the protocol's
/// rules for the kind, everything else is arbitrary.
fn frame(kind: ChannelKind) -> impl Strategy<Value = Frame> {
    (
        0u32..5,
        Just(kind),
        prop::collection::vec(number(), 0..40),
        (1u32..6, 1u32..6),
        prop::collection::vec((text(), any::<bool>()), 1..4),
        prop::sample::select(vec![0u64, 1, 1000, u64::MAX - 3, u64::MAX]),
        (any::<u64>(), range()),
    )
        .prop_map(
            |(channel, kind, values, (nx, ny), names, first, (ts, range))| {
                let n = values.len();
                let parts = if kind == ChannelKind::Heatmap {
                    let cells = (nx * ny) as usize;
                    let y: Vec<f64> = (0..cells)
                        .map(|i| values.get(i).copied().unwrap_or(0.5))
                        .collect();
                    vec![Part {
                        name: String::new(),
                        first_index: 0,
                        x: None,
                        y: Array::from_f64(&y),
                    }]
                } else {
                    names
                        .into_iter()
                        .map(|(name, with_x)| {
                            let x = match kind {
                                ChannelKind::Scatter | ChannelKind::Series => Some(values.clone()),
                                ChannelKind::Bars if with_x => {
                                    let mut e = values.clone();
                                    e.push(values.last().copied().unwrap_or(0.0) + 1.0);
                                    Some(e)
                                }
                                _ if with_x => Some(values.iter().rev().copied().collect()),
                                _ => None,
                            };
                            Part {
                                name,
                                first_index: first,
                                x: x.map(|x| Array::from_f64(&x)),
                                y: Array::from_f64(&values[..n]),
                            }
                        })
                        .collect()
                };
                let (nx, ny) = if kind == ChannelKind::Heatmap {
                    (nx, ny)
                } else {
                    (0, 0)
                };
                Frame {
                    channel,
                    seq: ts,
                    timestamp_us: ts,
                    kind,
                    nx,
                    ny,
                    range: if kind == ChannelKind::Heatmap {
                        range
                    } else {
                        None
                    },
                    parts,
                    lod: None,
                }
            },
        )
}

#[derive(Debug, Clone)]
enum Op {
    Layout(Vec<ChannelSpec>, u16),
    /// A frame of every kind for one channel: the one whose kind the
    /// layout says is applied (most frames then land), unless `stray`.
    Data(Vec<Frame>, bool),
    /// Many new series names at once.
    Names(u32, usize),
    View(u32, (f64, f64), (f64, f64)),
    Render(u32, u32),
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (prop::collection::vec(spec(), 0..6), 0u16..4).prop_map(|(s, c)| Op::Layout(s, c)),
        8 => (
            (frame(ChannelKind::Line), frame(ChannelKind::Scatter), frame(ChannelKind::Heatmap), frame(ChannelKind::Bars), frame(ChannelKind::Series))
                .prop_map(|(a, b, c, d, e)| vec![a, b, c, d, e]),
            prop::bool::weighted(0.1),
        ).prop_map(|(f, stray)| Op::Data(f, stray)),
        1 => (0u32..8, 1usize..400).prop_map(|(c, n)| Op::Names(c, n)),
        1 => (0u32..8, (number(), number()), (number(), number())).prop_map(|(c, x, y)| Op::View(c, x, y)),
        2 => (prop::sample::select(vec![0u32, 1, 33, 90, 200, 640]), prop::sample::select(vec![0u32, 1, 24, 70, 150, 480])).prop_map(|(w, h)| Op::Render(w, h)),
        1 => Just(Op::Reset),
    ]
}

fn check_bounds(state: &PlotState) {
    for (id, data) in &state.data {
        let spec = state.spec(*id).unwrap_or_else(|| {
            panic!("data kept for channel {id}, which the layout does not list")
        });
        match data {
            ChannelData::Snapshot(f) => assert_eq!(f.kind, spec.kind),
            ChannelData::Series(set) => {
                assert_eq!(spec.kind, ChannelKind::Series);
                assert!(set.series().len() <= MAX_SERIES_PER_CHANNEL);
                let window = match spec.options.history_points as usize {
                    0 => DEFAULT_HISTORY_POINTS,
                    n => n,
                };
                for s in set.series() {
                    assert!(
                        s.len() <= window,
                        "{} points in a window of {window}",
                        s.len()
                    );
                    assert!(s.name.chars().count() <= 201 && !s.name.chars().any(char::is_control));
                }
            }
        }
    }
    for spec in &state.layout.channels {
        for t in [
            &spec.name,
            &spec.options.title,
            &spec.options.x_label,
            &spec.options.y_label,
        ] {
            assert!(!t.chars().any(char::is_control), "{t:?}");
        }
    }
}

/// Runs the random sequences on a thread of their own, so that a render
/// that never ends fails the test within a bound instead of hanging it (a
/// log axis of 600 decades once made plotters' tick search spin).
#[test]
fn random_messages_never_break_the_state_or_the_renderer() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("state-fuzz".into())
        .spawn(move || {
            let config = ProptestConfig {
                cases: 48,
                ..ProptestConfig::default()
            };
            let mut runner = proptest::test_runner::TestRunner::new(config);
            let result = runner.run(&prop::collection::vec(op(), 1..50), |ops| {
                run(ops);
                Ok(())
            });
            let _ = tx.send(result.map_err(|e| e.to_string()));
        })
        .expect("a thread for the cases");
    match rx.recv_timeout(std::time::Duration::from_secs(600)) {
        Ok(Ok(())) => {}
        Ok(Err(failure)) => panic!("{failure}"),
        Err(_) => panic!("a case did not finish within 600 s: a render hangs"),
    }
}

fn run(ops: Vec<Op>) {
    let mut state = PlotState::default();
    let mut view = ViewState::default();
    let mut out = Vec::new();
    let options = RenderOptions {
        now_unix_us: Some(u64::MAX),
        ..RenderOptions::default()
    };
    for op in ops {
        match op {
            Op::Layout(channels, columns) => state.set_layout(Layout {
                title: "\u{1b}[31mred".into(),
                columns,
                channels,
            }),
            Op::Data(frames, stray) => {
                let channel = frames[0].channel;
                let kind = state.spec(channel).map(|s| s.kind);
                for frame in frames {
                    if stray || Some(frame.kind) == kind {
                        state.apply_frame(frame, Instant::now());
                    }
                }
            }
            Op::Names(channel, n) => {
                for i in 0..n {
                    let f = Frame {
                        channel,
                        seq: i as u64,
                        timestamp_us: 0,
                        kind: ChannelKind::Series,
                        nx: 0,
                        ny: 0,
                        range: None,
                        parts: vec![Part {
                            name: format!("name {i}"),
                            first_index: 0,
                            x: Some(Array::from_f64(&[1.0])),
                            y: Array::from_f64(&[2.0]),
                        }],
                        lod: None,
                    };
                    state.apply_frame(f, Instant::now());
                }
            }
            Op::View(channel, x, y) => {
                view.manual.insert(channel, AxisView { x, y });
            }
            Op::Render(w, h) => {
                render_with(&state, &view, w, h, &mut out, &options);
            }
            Op::Reset => state.reset_session(),
        }
        check_bounds(&state);
        let _ = state.status.newest_age(0);
        let _ = state.status.newest_age(u64::MAX);
    }
    render_with(&state, &view, 320, 240, &mut out, &options);
}
