//! The live edge of a zoomed series that follows its newest data: what a
//! viewer with level of detail draws equals a drawing of every point.
//!
//! A following view slides right before the server's next reduction (made
//! for the view a round trip ago) arrives, so the newest points come into
//! view from what the server sent as off screen. Those must be there in
//! detail: once they were one run standing for everything right of the
//! edge, drawn as a straight ramp to the newest point.
//!
//! Each case drives a real server through the protocol test client the way
//! the viewer does (a View after each drawing, one batch in flight), for a
//! zoom level, an append rate and a history window, and compares the
//! series' pixels with a drawing of the same ranges from all the points.

use std::time::Instant;

use plotcast_protocol::{ChannelKind, Message};
use plotcast_testkit::TestPeer;
use plotcast_viewer::model::{ChannelData, PlotState, SeriesHistory, SeriesSet};
use plotcast_viewer::render::{render_with, RenderOptions};
use plotcast_viewer::view::{follow, PlotInfo, RenderInfo, ViewState};

const SIZE: (u32, u32) = (1000, 600);
/// The first series colour (matplotlib's C0), what the trace is drawn in.
const TRACE: [u8; 3] = [31, 119, 180];

/// A wiggly signal: a ramp drawn over any stretch of it is far from it.
fn signal(i: usize) -> f64 {
    let t = i as f64;
    (t * 0.05).sin() * 10.0 + (t * 0.731).sin() * 3.0 + (t * 0.0007).cos() * 20.0
}

fn options() -> RenderOptions {
    RenderOptions {
        now_unix_us: Some(1_000_000),
        ..RenderOptions::default()
    }
}

fn render(state: &PlotState, view: &ViewState) -> (Vec<u8>, RenderInfo) {
    let mut rgb = Vec::new();
    let info = render_with(state, view, SIZE.0, SIZE.1, &mut rgb, &options());
    (rgb, info)
}

/// Pixels of the trace inside the plot.
fn trace_mask(rgb: &[u8], plot: &PlotInfo) -> Vec<bool> {
    let r = plot.rect;
    let mut mask = vec![false; r.w as usize * r.h as usize];
    for row in 0..r.h as usize {
        for col in 0..r.w as usize {
            let (x, y) = (r.x as usize + col, r.y as usize + row);
            let k = (y * SIZE.0 as usize + x) * 3;
            mask[row * r.w as usize + col] = rgb[k..k + 3] == TRACE;
        }
    }
    mask
}

/// Trace pixels of `a` with no trace pixel of `b` within `reach` pixels.
fn unmatched(a: &[bool], b: &[bool], w: usize, reach: usize) -> usize {
    let h = a.len() / w;
    (0..a.len())
        .filter(|&k| a[k])
        .filter(|&k| {
            let (row, col) = (k / w, k % w);
            let rows = row.saturating_sub(reach)..=(row + reach).min(h - 1);
            !rows.into_iter().any(|r| {
                (col.saturating_sub(reach)..=(col + reach).min(w - 1)).any(|c| b[r * w + c])
            })
        })
        .count()
}

/// A state holding every point of the window, as a full-resolution viewer
/// has it.
fn full_state(layout: &plotcast_protocol::Layout, id: u32, from: usize, to: usize) -> PlotState {
    let mut state = PlotState::default();
    state.set_layout(layout.clone());
    let t: Vec<f64> = (from..to).map(|i| i as f64).collect();
    let y: Vec<f64> = (from..to).map(signal).collect();
    let set = SeriesSet::from_series([SeriesHistory::from_points("", &t, &y)]);
    state.data.insert(id, ChannelData::Series(set));
    state
}

struct Case {
    window: usize,
    /// Following the newest data, or frozen on an older stretch.
    follow: bool,
    /// Points on screen when zoomed (the zoom level).
    shown: f64,
    /// Points pushed between two drawings (the append rate).
    per_step: usize,
}

fn follow_and_compare(case: &Case) {
    let server = plotcast::Server::builder()
        .title("live edge")
        .use_env(false)
        .launch_viewer(false)
        .start()
        .expect("server starts");
    let series = server.channel("s").history_points(case.window).series();
    let push = |from: usize, n: usize| {
        for i in from..from + n {
            series.push(i as f64, signal(i));
        }
        from + n
    };
    let mut pushed = push(0, case.window);
    let mut c = TestPeer::connect(server.local_addr());
    let id = c.channel("s");
    let mut state = PlotState::default();
    let apply = |state: &mut PlotState, c: &mut TestPeer| {
        let batch = c.batch();
        if let Some(layout) = batch.layout {
            state.set_layout(layout);
        }
        for f in batch.frames {
            assert_eq!(f.kind, ChannelKind::Series);
            assert!(state.apply_frame(f, Instant::now()), "frame applied");
        }
    };
    state.set_layout(c.layout.clone());
    apply(&mut state, &mut c);
    // Zoom to the newest `shown` points, right edge on the newest: the
    // view follows.
    let newest = (pushed - 1) as f64;
    let right = if case.follow {
        newest
    } else {
        newest - 2.0 * case.shown
    };
    let mut view = ViewState::default();
    view.manual.insert(
        id,
        plotcast_viewer::AxisView {
            x: (right - case.shown, right),
            y: (-40.0, 40.0),
        },
    );
    follow::after_move(&mut view, &state, id);
    let mode = follow::mode(&view, &state, id);
    let expected = if case.follow {
        follow::XMode::Following
    } else {
        follow::XMode::Frozen
    };
    assert_eq!(mode, expected);
    let (_, mut info) = render(&state, &view);
    let widths = |info: &RenderInfo| {
        info.plots
            .iter()
            .map(|p| (p.channel, p.rect.w))
            .collect::<Vec<_>>()
    };
    view.ui.follow.drawn(widths(&info));
    let mut reduced_frames = 0;
    for step in 0..6 {
        // The view of the last drawing goes out, then new points arrive:
        // the server reduces for a view the data has already left.
        let v = *info
            .views()
            .iter()
            .find(|v| v.channel == id)
            .expect("the plot was drawn");
        c.io.send(&Message::View(v)).expect("view sent");
        pushed = push(pushed, case.per_step);
        let total = pushed;
        let batch = c.batch();
        reduced_frames += batch.frames.iter().filter(|f| f.lod.is_some()).count();
        for f in batch.frames {
            state.apply_frame(f, Instant::now());
        }
        follow::advance(&mut view, &state);
        let (rgb, drawn) = render(&state, &view);
        let full = full_state(&c.layout, id, total.saturating_sub(case.window), total);
        let (full_rgb, full_info) = render(&full, &view);
        let (plot, full_plot) = (
            drawn.plot(id).expect("drawn"),
            full_info.plot(id).expect("drawn"),
        );
        assert_eq!(plot.view, full_plot.view, "step {step}: the same ranges");
        let (a, b) = (trace_mask(&rgb, plot), trace_mask(&full_rgb, full_plot));
        let w = plot.rect.w as usize;
        let ink = b.iter().filter(|&&p| p).count();
        let differ = a.iter().zip(&b).filter(|(p, q)| p != q).count();
        // The same pixels: a following view slides by whole pixel columns,
        // so the server's columns stay the viewer's. A value exactly on a
        // column boundary may round the other way after the slide; a ramp
        // or a thinned trace misses thousands.
        let (extra, missing) = (unmatched(&a, &b, w, 1), unmatched(&b, &a, w, 1));
        assert!(
            differ * 1000 <= ink && extra == 0 && missing == 0,
            "step {step} of window {} showing {} points, {} per step ({}): {differ} of {ink} \
             trace pixels differ, {extra} drawn pixels not near the full drawing, {missing} of \
             its pixels not near the drawn ones",
            case.window,
            case.shown,
            case.per_step,
            if case.follow { "following" } else { "frozen" },
        );
        view.ui.follow.drawn(widths(&drawn));
        info = drawn;
    }
    assert!(reduced_frames > 0, "the server reduced what it sent");
    // Following, the newest point is on screen.
    let shown = view.manual[&id].x;
    if case.follow {
        assert!(
            shown.0 < (pushed - 1) as f64 && (pushed - 1) as f64 <= shown.1,
            "{shown:?}"
        );
    }
}

#[test]
fn a_zoomed_series_following_or_frozen_draws_what_all_its_points_draw() {
    for case in [
        Case {
            window: 100_000,
            follow: true,
            shown: 4_000.0,
            per_step: 300,
        },
        Case {
            window: 20_000,
            follow: true,
            shown: 2_500.0,
            per_step: 40,
        },
        Case {
            window: 60_000,
            follow: true,
            shown: 15_000.0,
            per_step: 2_000,
        },
        Case {
            window: 60_000,
            follow: false,
            shown: 5_000.0,
            per_step: 700,
        },
    ] {
        follow_and_compare(&case);
    }
}
