//! Custom channels in the renderer: plot types draw in data coordinates
//! that agree with the axes and with zoom; unknown plot types get a
//! placeholder; a plot type that panics or fails is shown as its error
//! while the other plots keep drawing; the built-in quiver and image.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Layout};
use plotcast_testkit::frames::{self, custom_frame};
use plotcast_testkit::Rgb;
use plotcast_viewer::model::{AxisView, PlotState};
use plotcast_viewer::plot_types::{CustomData, PlotArea, PlotResult, PlotType};
use plotcast_viewer::plotters::prelude::*;
use plotcast_viewer::render::{
    ink_fraction, placeholder_lines, render_with, RenderOptions, BACKGROUND,
};
use plotcast_viewer::view::{PixelRect, RenderInfo, ViewState};
use plotcast_viewer::PlotTypes;

const W: u32 = 900;
const H: u32 = 600;

fn line_frame(channel: u32) -> Frame {
    let y: Vec<f64> = (0..200).map(|i| (f64::from(i) / 20.0).sin()).collect();
    frames::line_frame(channel, &y)
}

fn state(channels: Vec<ChannelSpec>, frames: Vec<Frame>) -> PlotState {
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: "custom".into(),
        columns: 0,
        channels,
    });
    for frame in frames {
        assert!(state.apply_frame(frame, Instant::now()));
    }
    state
}

fn draw(state: &PlotState, view: &ViewState, plots: PlotTypes) -> (Vec<u8>, RenderInfo) {
    let mut out = Vec::new();
    let options = RenderOptions {
        now_unix_us: Some(2_000_000),
        plots,
        ..RenderOptions::default()
    };
    let info = render_with(state, view, W, H, &mut out, &options);
    (out, info)
}

/// Writes the render to the temporary folder to look at, when
/// `PLOTCAST_KEEP_TEST_FILES` is set.
fn keep(name: &str, rgb: &[u8]) {
    Rgb::from_rgb(W, H, rgb.to_vec()).keep(&format!("plotcast-custom-{name}.png"));
}

fn pixel(rgb: &[u8], x: i32, y: i32) -> [u8; 3] {
    let i = (y as usize * W as usize + x as usize) * 3;
    [rgb[i], rgb[i + 1], rgb[i + 2]]
}

/// Fills a square of ±0.5 around data point (x, y), in pure red.
struct Marker {
    x: f64,
    y: f64,
}

impl PlotType for Marker {
    fn extent(&self, _: &CustomData<'_>) -> Option<AxisView> {
        Some(AxisView {
            x: (0.0, 10.0),
            y: (0.0, 10.0),
        })
    }

    fn draw(&self, plot: &PlotArea<'_, '_>, _: &CustomData<'_>) -> PlotResult {
        let (x, y) = (self.x, self.y);
        plot.area().draw(&Rectangle::new(
            [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
            RED.filled(),
        ))?;
        // Far outside the view: clipped to the plotting area.
        plot.area().draw(&Rectangle::new(
            [(-100.0, -100.0), (-50.0, 100.0)],
            BLUE.filled(),
        ))?;
        Ok(())
    }
}

#[test]
fn plot_types_draw_in_the_coordinates_of_the_axes_and_of_zoom() {
    let spec = ChannelSpec::custom(0, "m", "marker");
    let s = state(vec![spec], vec![custom_frame(0, 0, 0, &[])]);
    let plots = PlotTypes::default().with("marker", Marker { x: 7.0, y: 3.0 });
    let (rgb, info) = draw(&s, &ViewState::default(), plots.clone());
    assert!(info.failures.is_empty(), "{:?}", info.failures);
    let plot = info.plot(0).expect("a custom plot with axes is a plot");
    assert_eq!(plot.view.x, (0.0, 10.0));
    let (px, py) = plot.to_pixel(7.0, 3.0).unwrap();
    assert_eq!(pixel(&rgb, px as i32, py as i32), [255, 0, 0]);
    // Nothing blue leaks out of the area (the blue rectangle lies left of it).
    let blue = rgb.chunks(3).filter(|p| *p == [0, 0, 255]).count();
    assert_eq!(blue, 0, "drawing outside the area is clipped");

    // Zoomed in around (7, 3): the marker follows the new mapping.
    let mut view = ViewState::default();
    let (zx, zy) = plot.to_pixel(7.0, 3.0).unwrap();
    info.zoom(&mut view, zx, zy, 3.0).unwrap();
    let (rgb, info) = draw(&s, &view, plots);
    let plot = info.plot(0).unwrap();
    assert!(plot.view.x.1 - plot.view.x.0 < 4.0, "{:?}", plot.view);
    let (px, py) = plot.to_pixel(7.4, 3.4).unwrap();
    assert_eq!(pixel(&rgb, px as i32, py as i32), [255, 0, 0]);
    let (px, py) = plot.to_pixel(7.6, 3.0).unwrap();
    assert_ne!(pixel(&rgb, px as i32, py as i32), [255, 0, 0]);
}

struct Boom;

impl PlotType for Boom {
    fn draw(&self, _: &PlotArea<'_, '_>, data: &CustomData<'_>) -> PlotResult {
        let v = data.values("v");
        // An out-of-bounds index: the kind of bug a plot type has.
        let _ = v[v.len() + 3];
        Ok(())
    }
}

struct Fails;

impl PlotType for Fails {
    fn draw(&self, _: &PlotArea<'_, '_>, data: &CustomData<'_>) -> PlotResult {
        data.grid("temperature")?;
        Ok(())
    }
}

fn cell_of(info: &RenderInfo, channel: u32) -> PixelRect {
    info.plot(channel).unwrap().rect
}

#[test]
fn a_panicking_or_failing_plot_type_is_contained_and_shown() {
    let channels = vec![
        ChannelSpec::new(0, "line", ChannelKind::Line),
        ChannelSpec::custom(1, "boom", "boom"),
        ChannelSpec::custom(2, "fails", "fails"),
        ChannelSpec::custom(3, "quiver", "quiver"),
    ];
    let u = [1.0, 0.0, -1.0, 0.5];
    let v = [0.0, 1.0, 0.5, -1.0];
    let frames = vec![
        line_frame(0),
        custom_frame(1, 2, 2, &[("v", &[1.0])]),
        custom_frame(2, 2, 2, &[("pressure", &[0.0; 4])]),
        custom_frame(3, 2, 2, &[("u", &u), ("v", &v)]),
    ];
    let s = state(channels, frames);
    let plots = PlotTypes::default().with("boom", Boom).with("fails", Fails);
    for round in 0..2 {
        // Twice: a plot that panicked once is drawn (and contained) again.
        let (rgb, info) = draw(&s, &ViewState::default(), plots.clone());
        keep("failures", &rgb);
        let messages: Vec<(u32, &str)> = info
            .failures
            .iter()
            .map(|f| (f.channel, f.message.as_str()))
            .collect();
        assert_eq!(messages.len(), 2, "round {round}: {messages:?}");
        assert_eq!(messages[0].0, 1);
        assert!(
            messages[0].1.starts_with("panicked: index out of bounds"),
            "{messages:?}"
        );
        assert!(messages[0].1.contains("custom_render.rs"), "{messages:?}");
        assert_eq!(messages[1].0, 2);
        assert!(
            messages[1].1.contains("no array named \"temperature\"")
                && messages[1].1.contains("pressure"),
            "{messages:?}"
        );
        // The other plots drew: the line and the built-in quiver.
        for channel in [0, 3] {
            let ink = ink_fraction(&rgb, W, cell_of(&info, channel), BACKGROUND);
            assert!(ink > 0.004, "channel {channel}: ink {ink}");
        }
        // The failures are written in their cells, on a pale red panel.
        for channel in [1, 2] {
            let r = cell_of(&info, channel);
            let panel = pixel(&rgb, r.x + r.w as i32 - 3, r.y + r.h as i32 - 3);
            assert_eq!(panel, [253, 236, 234], "channel {channel}");
            let text = ink_fraction(&rgb, W, r, [253, 236, 234]);
            assert!(
                text > 0.01,
                "channel {channel}: the message is drawn ({text})"
            );
        }
    }
}

#[test]
fn an_unknown_plot_type_gets_a_placeholder_naming_it() {
    let channels = vec![
        ChannelSpec::custom(0, "flow", "vortex"),
        ChannelSpec::new(1, "line", ChannelKind::Line),
    ];
    let s = state(
        channels,
        vec![custom_frame(0, 2, 1, &[("u", &[1.0, 2.0])]), line_frame(1)],
    );
    let (rgb, info) = draw(&s, &ViewState::default(), PlotTypes::default());
    keep("placeholder", &rgb);
    assert!(info.failures.is_empty(), "a placeholder is not a failure");
    assert!(info.plot(0).is_none(), "no axes, nothing to zoom");
    let line = info.plot(1).unwrap();
    assert!(ink_fraction(&rgb, W, line.rect, BACKGROUND) > 0.004);
    // The panel: light grey, with text on it, left of the line plot.
    let grey = rgb.chunks(3).filter(|p| *p == [246, 246, 246]).count();
    assert!(grey > 20_000, "placeholder panel: {grey} px");
    let frame = custom_frame(0, 2, 1, &[("u", &[1.0, 2.0])]);
    let lines = placeholder_lines("vortex", Some(&frame));
    assert!(lines[0].contains("\"vortex\""), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains(".plot(\"vortex\"")),
        "says how to get a viewer that draws it: {lines:?}"
    );
    assert_eq!(lines.last().unwrap(), "data #1: u (2) on a 2x1 grid");
}

#[test]
fn built_in_image_and_quiver_draw_their_data() {
    let channels = vec![
        ChannelSpec::custom(0, "picture", "image"),
        ChannelSpec::custom(1, "field", "quiver"),
    ];
    // 2×2 pixels, row 0 (bottom): red, green; row 1 (top): blue, white.
    let rgb = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
    let (nx, ny) = (24u32, 16u32);
    let n = (nx * ny) as usize;
    let u: Vec<f64> = (0..n).map(|k| ((k % 24) as f64 - 12.0) / 12.0).collect();
    let v: Vec<f64> = (0..n).map(|k| ((k / 24) as f64 - 8.0) / 8.0).collect();
    let s = state(
        channels,
        vec![
            custom_frame(0, 2, 2, &[("rgb", &rgb)]),
            custom_frame(1, nx, ny, &[("u", &u), ("v", &v)]),
        ],
    );
    let (out, info) = draw(&s, &ViewState::default(), PlotTypes::default());
    assert!(info.failures.is_empty(), "{:?}", info.failures);
    let image = info.plot(0).unwrap();
    assert_eq!((image.view.x, image.view.y), ((0.0, 2.0), (0.0, 2.0)));
    let at = |x: f64, y: f64| {
        let (px, py) = image.to_pixel(x, y).unwrap();
        pixel(&out, px as i32, py as i32)
    };
    assert_eq!(at(0.5, 0.5), [255, 0, 0]);
    assert_eq!(at(1.5, 0.5), [0, 255, 0]);
    assert_eq!(at(0.5, 1.5), [0, 0, 255]);
    assert_eq!(at(1.5, 1.5), [255, 255, 255]);
    let quiver = info.plot(1).unwrap();
    let ink = ink_fraction(&out, W, quiver.rect, BACKGROUND);
    assert!(ink > 0.02, "arrows: {ink}");
    keep("builtins", &out);
}
