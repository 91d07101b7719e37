//! The interaction features through the renderer, on fixed data: the value
//! readout (lines, series, heatmap, bars), A/B cursors, legend clicks that
//! hide traces (and the autoscale that ignores them), linked x axes, log
//! toggles, the help overlay, and pages of plots when they do not all fit.
//! The PNGs are written to the test's temporary folder for a look.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Instant;

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Layout, Part, Scale};
use plotcast_testkit::frames::{self, part};
use plotcast_viewer::model::{ChannelData, PlotState, SeriesHistory, SeriesSet};
use plotcast_viewer::render::{render_with, save_png, RenderOptions};
use plotcast_viewer::view::interaction::Clicked;
use plotcast_viewer::view::{follow, interaction, linking};
use plotcast_viewer::view::{RenderInfo, ViewState};

const W: u32 = 1000;
const H: u32 = 700;

/// A frame of `channel` published 1 µs after the epoch.
fn frame(channel: u32, kind: ChannelKind, nx: u32, ny: u32, parts: Vec<Part>) -> Frame {
    Frame {
        nx,
        ny,
        timestamp_us: 1,
        ..frames::frame(channel, kind, parts)
    }
}

fn state_of(specs: Vec<ChannelSpec>, frames: Vec<Frame>) -> PlotState {
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: "interaction".into(),
        columns: 0,
        channels: specs,
    });
    for f in frames {
        assert!(state.apply_frame(f, Instant::now()));
    }
    state
}

fn draw(state: &PlotState, view: &ViewState, name: &str) -> (RenderInfo, Vec<u8>) {
    let mut rgb = Vec::new();
    let options = RenderOptions {
        decimate: true,
        now_unix_us: Some(2_000_000),
        ..RenderOptions::default()
    };
    let info = render_with(state, view, W, H, &mut rgb, &options);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("interaction-{name}.png"));
    save_png(&path, W, H, &rgb).unwrap();
    (info, rgb)
}

fn note<'a>(info: &'a RenderInfo, head: &str) -> Option<&'a str> {
    info.notes
        .iter()
        .find_map(|n| n.strip_prefix(head).map(str::trim_start))
}

/// Pixels of `color` (within 10 per channel) inside the rectangle.
fn count_color(rgb: &[u8], rect: plotcast_viewer::view::PixelRect, color: [u8; 3]) -> usize {
    let mut n = 0;
    for y in rect.y..rect.y + rect.h as i32 {
        for x in rect.x..rect.x + rect.w as i32 {
            let i = (y as usize * W as usize + x as usize) * 3;
            if rgb[i..i + 3]
                .iter()
                .zip(color)
                .all(|(a, b)| a.abs_diff(b) <= 10)
            {
                n += 1;
            }
        }
    }
    n
}

/// Pixels darker than mid-grey inside the rectangle (text).
fn dark_pixels(rgb: &[u8], rect: plotcast_viewer::view::PixelRect) -> usize {
    let mut n = 0;
    for y in rect.y..rect.y + rect.h as i32 {
        for x in rect.x..rect.x + rect.w as i32 {
            let i = (y as usize * W as usize + x as usize) * 3;
            if rgb[i..i + 3].iter().all(|&c| c < 100) {
                n += 1;
            }
        }
    }
    n
}

const BLUE: [u8; 3] = [0x1f, 0x77, 0xb4];
const ORANGE: [u8; 3] = [0xff, 0x7f, 0x0e];

/// One line plot, traces `a` (y = x) and `b` (y = 100 + x) over x = 0..100.
fn two_traces() -> PlotState {
    let x: Vec<f64> = (0..=100).map(f64::from).collect();
    let b: Vec<f64> = x.iter().map(|v| 100.0 + v).collect();
    state_of(
        vec![ChannelSpec::new(1, "pair", ChannelKind::Line)],
        vec![frame(
            1,
            ChannelKind::Line,
            0,
            0,
            vec![part("a", Some(&x), &x), part("b", Some(&x), &b)],
        )],
    )
}

#[test]
fn hovering_a_line_plot_reads_every_trace_at_the_nearest_x() {
    let state = two_traces();
    let mut view = ViewState::default();
    let (info, _) = draw(&state, &view, "line-plain");
    let plot = &info.plots[0];
    let (px, py) = plot.to_pixel(30.2, 50.0).unwrap();
    view.ui.hover = Some((px, py));
    let (info, rgb) = draw(&state, &view, "line-readout");
    let readout = note(&info, "readout").expect("a readout note");
    assert!(
        readout.contains("x = 30 ") && readout.contains("a = 30 ") && readout.ends_with("b = 130"),
        "{readout}"
    );
    // The box is drawn beside the cursor: text pixels there.
    let near = plotcast_viewer::view::PixelRect {
        x: px as i32 + 16,
        y: py as i32 + 16,
        w: 60,
        h: 40,
    };
    assert!(
        dark_pixels(&rgb, near) > 20,
        "no readout text near the cursor"
    );
    // Off the plots: no readout.
    view.ui.hover = Some((2.0, 2.0));
    let (info, _) = draw(&state, &view, "line-off");
    assert!(note(&info, "readout").is_none());
}

#[test]
fn readouts_of_series_heatmap_and_bars() {
    let t: Vec<f64> = (0..1000).map(|i| f64::from(i) * 0.5).collect();
    let y: Vec<f64> = t.iter().map(|v| v * 2.0).collect();
    let mut grid = Vec::new();
    for j in 0..10 {
        for i in 0..20 {
            grid.push(f64::from(i) + 100.0 * f64::from(j));
        }
    }
    let mut state = state_of(
        vec![
            ChannelSpec::new(1, "energy", ChannelKind::Series),
            ChannelSpec::new(2, "field", ChannelKind::Heatmap),
            ChannelSpec::new(3, "hist", ChannelKind::Bars),
        ],
        vec![
            frame(2, ChannelKind::Heatmap, 20, 10, vec![part("", None, &grid)]),
            frame(
                3,
                ChannelKind::Bars,
                0,
                0,
                vec![part("", Some(&[0.0, 1.0, 2.0, 4.0]), &[5.0, 7.0, 3.0])],
            ),
        ],
    );
    state.data.insert(
        1,
        ChannelData::Series(SeriesSet::from_series([SeriesHistory::from_points(
            "", &t, &y,
        )])),
    );
    let mut view = ViewState::default();
    let (info, _) = draw(&state, &view, "kinds");
    let at = |channel: u32, x: f64, y: f64| {
        let p = info.plots.iter().find(|p| p.channel == channel).unwrap();
        p.to_pixel(x, y).unwrap()
    };
    view.ui.hover = Some(at(1, 250.1, 10.0));
    let (got, _) = draw(&state, &view, "readout-series");
    let r = note(&got, "readout").unwrap();
    assert!(r.contains("x = 250 ") && r.ends_with("y = 500"), "{r}");
    view.ui.hover = Some(at(2, 7.5, 3.5));
    let (got, _) = draw(&state, &view, "readout-heatmap");
    let r = note(&got, "readout").unwrap();
    assert!(
        r.contains("column 7, row 3") && r.contains("value = 307"),
        "{r}"
    );
    view.ui.hover = Some(at(3, 3.0, 1.0));
    let (got, _) = draw(&state, &view, "readout-bars");
    let r = note(&got, "readout").unwrap();
    assert!(r.contains("bin [2, 4): height 3"), "{r}");
}

#[test]
fn clicking_a_legend_entry_hides_the_trace_and_autoscale_ignores_it() {
    let state = two_traces();
    let mut view = ViewState::default();
    let (info, rgb) = draw(&state, &view, "legend-both");
    let plot = info.plots[0].clone();
    assert_eq!(plot.legend.len(), 2);
    assert!(count_color(&rgb, plot.rect, ORANGE) > 50);
    assert!(
        plot.view.y.1 > 190.0,
        "b is in the autoscale: {:?}",
        plot.view
    );
    let entry = plot.legend.iter().find(|e| e.label == "b").unwrap().rect;
    let (cx, cy) = (
        f64::from(entry.x) + 5.0,
        f64::from(entry.y + entry.h as i32 / 2),
    );
    let clicked = view.click(&info, &state, cx, cy);
    assert_eq!(
        clicked,
        Clicked::Legend {
            channel: 1,
            label: "b".into()
        }
    );
    let (info, rgb) = draw(&state, &view, "legend-b-hidden");
    let plot = &info.plots[0];
    // Only the legend's own swatch area could still hold orange: none.
    assert_eq!(count_color(&rgb, plot.rect, ORANGE), 0, "b still drawn");
    assert!(count_color(&rgb, plot.rect, BLUE) > 50, "a not drawn");
    assert!(
        plot.view.y.1 < 110.0,
        "autoscale still includes b: {:?}",
        plot.view
    );
    assert_eq!(note(&info, "hidden"), Some("1 b"));
    // A second click shows it again.
    view.click(&info, &state, cx, cy);
    let (info, _) = draw(&state, &view, "legend-again");
    assert!(info.plots[0].view.y.1 > 190.0);
}

#[test]
fn two_cursors_show_values_and_deltas() {
    let state = two_traces();
    let mut view = ViewState::default();
    let (info, _) = draw(&state, &view, "cursors-none");
    let plot = info.plots[0].clone();
    for x in [20.3, 70.1] {
        let (px, py) = plot.to_pixel(x, 60.0).unwrap();
        let clicked = view.click(&info, &state, px, py);
        assert!(
            matches!(clicked, Clicked::Cursor { channel: 1, .. }),
            "{clicked:?}"
        );
    }
    let (info, _) = draw(&state, &view, "cursors");
    let c = note(&info, "cursors").unwrap();
    for want in [
        "A: x = 20",
        "B: x = 70",
        "Δx = 50",
        "a: A 20, B 70, Δy = 50",
        "b: A 120, B 170, Δy = 50",
    ] {
        assert!(c.contains(want), "{want} missing in {c}");
    }
    assert!(view.escape());
    let (info, _) = draw(&state, &view, "cursors-cleared");
    assert!(note(&info, "cursors").is_none());
}

fn series_spec(id: u32, link: &str) -> ChannelSpec {
    let mut spec = ChannelSpec::new(id, format!("s{id}"), ChannelKind::Series);
    spec.options.link_x = link.into();
    spec
}

fn series_data(state: &mut PlotState, id: u32, from: f64, to: f64) {
    let t: Vec<f64> = (0..=100)
        .map(|i| from + (to - from) * f64::from(i) / 100.0)
        .collect();
    let y: Vec<f64> = t.iter().map(|v| v.sin()).collect();
    let set = SeriesSet::from_series([SeriesHistory::from_points("", &t, &y)]);
    state.data.insert(id, ChannelData::Series(set));
}

#[test]
fn linked_series_share_x_from_the_start_and_when_zoomed() {
    let mut state = state_of(
        vec![series_spec(1, "t"), series_spec(2, "t"), series_spec(3, "")],
        vec![],
    );
    series_data(&mut state, 1, 0.0, 50.0);
    series_data(&mut state, 2, 20.0, 100.0);
    series_data(&mut state, 3, 0.0, 10.0);
    let mut view = ViewState::default();
    let (info, _) = draw(&state, &view, "linked");
    let x_of =
        |info: &RenderInfo, id: u32| info.plots.iter().find(|p| p.channel == id).unwrap().view.x;
    assert_eq!(x_of(&info, 1), (0.0, 100.0));
    assert_eq!(x_of(&info, 2), (0.0, 100.0));
    assert_eq!(x_of(&info, 3), (0.0, 10.0));
    // Zoom plot 1 (as the wheel does): plot 2 follows, plot 3 does not.
    let p1 = info.plots.iter().find(|p| p.channel == 1).unwrap();
    let (px, py) = p1.to_pixel(30.0, 0.0).unwrap();
    assert_eq!(info.zoom(&mut view, px, py, 2.0), Some(1));
    linking::after_move(&mut view, &state, 1);
    follow::after_move(&mut view, &state, 1);
    let (info, _) = draw(&state, &view, "linked-zoomed");
    let zoomed = x_of(&info, 1);
    assert!((zoomed.1 - zoomed.0 - 50.0).abs() < 1e-6, "{zoomed:?}");
    assert_eq!(x_of(&info, 2), zoomed);
    assert_eq!(x_of(&info, 3), (0.0, 10.0));
    // `l` links every series plot; `a` unzooms them all.
    interaction::toggle_link_all(&mut view, &state);
    let (info, _) = draw(&state, &view, "linked-all");
    assert_eq!(x_of(&info, 3), x_of(&info, 1));
    assert!(info.notes.iter().any(|n| n == "link all"));
    view.autoscale();
    let (info, _) = draw(&state, &view, "linked-all-auto");
    assert_eq!(x_of(&info, 3), (0.0, 100.0));
}

#[test]
fn a_zoomed_series_follows_new_data_until_panned_away() {
    let mut state = state_of(vec![series_spec(1, "")], vec![]);
    series_data(&mut state, 1, 0.0, 100.0);
    let mut view = ViewState::default();
    let (info, _) = draw(&state, &view, "follow-auto");
    // Wheel zoom at the right edge: the newest point stays in view.
    let plot = &info.plots[0];
    let (px, py) = plot.to_pixel(99.5, 0.0).unwrap();
    info.zoom(&mut view, px, py, 4.0).unwrap();
    follow::after_move(&mut view, &state, 1);
    assert_eq!(follow::mode(&view, &state, 1), follow::XMode::Following);
    series_data(&mut state, 1, 0.0, 200.0);
    follow::advance(&mut view, &state);
    let (info, _) = draw(&state, &view, "follow-following");
    let x = info.plots[0].view.x;
    assert!(x.0 < 200.0 && 200.0 <= x.1 && x.1 - x.0 < 30.0, "{x:?}");
    assert!(note(&info, "view 1").unwrap().starts_with("following "));
    // A pan to the left freezes it.
    info.pan(&mut view, 1, 300.0, 0.0).unwrap();
    follow::after_move(&mut view, &state, 1);
    let frozen = view.manual[&1].x;
    series_data(&mut state, 1, 0.0, 300.0);
    follow::advance(&mut view, &state);
    let (info, _) = draw(&state, &view, "follow-frozen");
    assert_eq!(info.plots[0].view.x, frozen);
    assert!(note(&info, "view 1").unwrap().starts_with("frozen"));
}

#[test]
fn log_toggle_and_help_overlay() {
    let state = two_traces();
    let mut view = ViewState::default();
    assert_eq!(view.toggle_log(&state, 1, false), Some(1));
    let (info, _) = draw(&state, &view, "log-y");
    assert_eq!(info.plots[0].y_scale, Scale::Log);
    assert_eq!(info.plots[0].x_scale, Scale::Linear);
    view.toggle_log(&state, 1, false);
    view.ui.help = true;
    let (info, rgb) = draw(&state, &view, "help");
    assert_eq!(info.plots[0].y_scale, Scale::Linear);
    assert!(info.notes.iter().any(|n| n == "help shown"));
    let centre = plotcast_viewer::view::PixelRect {
        x: W as i32 / 2 - 100,
        y: H as i32 / 2 - 50,
        w: 200,
        h: 100,
    };
    assert!(
        count_color(&rgb, centre, [250, 250, 235]) > 5000,
        "no help box in the middle"
    );
}

#[test]
fn a_hundred_plots_go_on_pages_and_say_how_many_are_hidden() {
    let specs: Vec<ChannelSpec> = (0..100)
        .map(|i| ChannelSpec::new(i, format!("c{i}"), ChannelKind::Line))
        .collect();
    let frames = (0..100)
        .map(|i| {
            frame(
                i,
                ChannelKind::Line,
                0,
                0,
                vec![part("", None, &[0.0, f64::from(i)])],
            )
        })
        .collect();
    let state = state_of(specs, frames);
    let mut view = ViewState::default();
    let (info, _) = draw(&state, &view, "pages-1");
    let pages = info.pages;
    assert!(pages.pages > 1 && pages.drawn > 0, "{pages:?}");
    assert_eq!(pages.drawn + pages.hidden(), 100);
    assert_eq!(info.plots.len(), pages.drawn);
    assert_eq!(info.plots[0].channel, 0);
    assert!(
        note(&info, "page")
            .unwrap()
            .starts_with(&format!("1 of {} shown {}", pages.pages, pages.drawn)),
        "{:?}",
        info.notes
    );
    view.turn_page(true, pages.pages);
    let (info, _) = draw(&state, &view, "pages-2");
    assert_eq!(info.plots[0].channel as usize, pages.drawn);
    view.toggle_focus(Some(57));
    let (info, _) = draw(&state, &view, "pages-focus");
    assert_eq!(info.plots.len(), 1);
    assert_eq!(info.plots[0].channel, 57);
    assert!(info.pages.focus && info.pages.hidden() == 99);
}
