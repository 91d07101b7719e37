//! The wheel zooms time along x: on a series (or line) plot it narrows x
//! and the y range keeps following the data in view, so a zoomed signal
//! never runs off its plot because of values elsewhere in its history;
//! Shift zooms y, Ctrl both; heatmaps and scatter plots zoom both axes.

use std::sync::Arc;

use plotcast_protocol::{Array, ChannelKind, ChannelSpec, Frame, Layout, Part};
use plotcast_viewer::model::{ChannelData, PlotState, SeriesHistory, SeriesSet};
use plotcast_viewer::render::{render_with, RenderOptions};
use plotcast_viewer::view::{RenderInfo, ViewState, ZoomAxes};

const SIZE: (u32, u32) = (1000, 700);

/// A series of ±20 that is ±1 near its end, and a heatmap beside it.
fn state() -> PlotState {
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: String::new(),
        columns: 2,
        channels: vec![
            ChannelSpec::new(1, "signal", ChannelKind::Series),
            ChannelSpec::new(2, "field", ChannelKind::Heatmap),
        ],
    });
    let t: Vec<f64> = (0..2000).map(f64::from).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&t| {
            if t < 1500.0 {
                20.0 * (t * 0.1).sin()
            } else {
                (t * 0.1).sin()
            }
        })
        .collect();
    let set = SeriesSet::from_series([SeriesHistory::from_points("", &t, &y)]);
    state.data.insert(1, ChannelData::Series(set));
    let cells: Vec<f64> = (0..100).map(f64::from).collect();
    let frame = Frame {
        channel: 2,
        seq: 1,
        timestamp_us: 0,
        kind: ChannelKind::Heatmap,
        nx: 10,
        ny: 10,
        range: None,
        parts: vec![Part {
            name: String::new(),
            first_index: 0,
            x: None,
            y: Array::from_f64(&cells),
        }],
        lod: None,
    };
    state.data.insert(2, ChannelData::Snapshot(Arc::new(frame)));
    state
}

fn draw(state: &PlotState, view: &ViewState) -> RenderInfo {
    let options = RenderOptions {
        now_unix_us: Some(1),
        ..RenderOptions::default()
    };
    render_with(state, view, SIZE.0, SIZE.1, &mut Vec::new(), &options)
}

/// A point near the right end of a plot's area, vertically centred.
fn near_right(info: &RenderInfo, channel: u32) -> (f64, f64) {
    let r = info.plot(channel).expect("drawn").rect;
    (
        f64::from(r.x) + 0.95 * f64::from(r.w),
        f64::from(r.y) + 0.5 * f64::from(r.h),
    )
}

#[test]
fn the_wheel_zooms_x_of_a_series_and_y_follows_the_data_in_view() {
    let state = state();
    let mut view = ViewState::default();
    let info = draw(&state, &view);
    let before = info.plot(1).expect("drawn").view;
    assert!(before.y.0 < -19.0 && before.y.1 > 19.0, "{before:?}");
    let (px, py) = near_right(&info, 1);
    let mut info = info;
    for _ in 0..10 {
        info.zoom_axes(&mut view, px, py, 1.25, ZoomAxes::Default)
            .expect("over the plot");
        info = draw(&state, &view);
    }
    let after = info.plot(1).expect("drawn").view;
    assert!(
        after.x.1 - after.x.0 < 0.15 * (before.x.1 - before.x.0),
        "{after:?}"
    );
    assert!(after.x.0 > 1500.0, "zoomed into the quiet end: {after:?}");
    // y fits the ±1 in view, not the ±20 elsewhere, nor a zoomed ±20.
    assert!(
        after.y.0 > -1.5 && after.y.1 < 1.5 && after.y.1 > 0.9,
        "{after:?}"
    );
    assert!(
        info.plot(1).expect("drawn").y_auto,
        "y still follows the data"
    );
    // Shift: y alone; the x range stays.
    info.zoom_axes(&mut view, px, py, 2.0, ZoomAxes::Y)
        .expect("over the plot");
    let info = draw(&state, &view);
    let y_zoomed = info.plot(1).expect("drawn").view;
    assert_eq!(y_zoomed.x, after.x);
    assert!(
        y_zoomed.y.1 - y_zoomed.y.0 < 0.6 * (after.y.1 - after.y.0),
        "{y_zoomed:?}"
    );
    assert!(!info.plot(1).expect("drawn").y_auto);
}

#[test]
fn ctrl_zooms_both_axes_and_a_heatmap_always_zooms_both() {
    let state = state();
    let mut view = ViewState::default();
    let info = draw(&state, &view);
    let before = info.plot(1).expect("drawn").view;
    let (px, py) = near_right(&info, 1);
    info.zoom_axes(&mut view, px, py, 2.0, ZoomAxes::Both)
        .expect("over the plot");
    let both = draw(&state, &view).plot(1).expect("drawn").view;
    assert!(both.x.1 - both.x.0 < 0.6 * (before.x.1 - before.x.0));
    assert!(both.y.1 - both.y.0 < 0.6 * (before.y.1 - before.y.0));
    let heat = info.plot(2).expect("drawn").view;
    let (hx, hy) = near_right(&info, 2);
    info.zoom_axes(&mut view, hx, hy, 2.0, ZoomAxes::Default)
        .expect("over the heatmap");
    let zoomed = draw(&state, &view).plot(2).expect("drawn").view;
    assert!(
        zoomed.x.1 - zoomed.x.0 < 0.6 * (heat.x.1 - heat.x.0),
        "{zoomed:?}"
    );
    assert!(
        zoomed.y.1 - zoomed.y.0 < 0.6 * (heat.y.1 - heat.y.0),
        "{zoomed:?}"
    );
}
