//! Readable axes (issue 21 item 5), rendered: ticks 60–120 px apart
//! where the data's mapping puts their values, labels with the data's
//! precision and a factor or offset shown once, log axes with decades and
//! labelled multiples, legends away from the data and the newest points,
//! a colorbar label, and a readout box that stays in its plot.
//!
//! Each test checks what was drawn (pixels, and the ticks the renderer
//! chose through `render::plot_ticks`) and writes its PNG to
//! `target/test-output/` for a person to look at.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Instant;

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Layout, Part, Scale};
use plotcast_viewer::colormap::Colormap;
use plotcast_viewer::model::{ChannelData, PlotState, SeriesHistory, SeriesSet};
use plotcast_viewer::render::{plot_ticks, render_colorbar, render_with, save_png, RenderOptions};
use plotcast_viewer::view::{PixelRect, PlotInfo, RenderInfo, ViewState};

const ORANGE: [u8; 3] = [0xff, 0x7f, 0x0e];
/// The readout box's frame.
const READOUT_FRAME: [u8; 3] = [160, 160, 160];

fn part(name: &str, x: Option<&[f64]>, y: &[f64]) -> Part {
    Part::from_f64(name, x, y)
}

fn line_frame(channel: u32, parts: Vec<Part>) -> Frame {
    Frame::new(channel, 1, 1, ChannelKind::Line, parts)
}

fn state_of(columns: u16, specs: Vec<ChannelSpec>, frames: Vec<Frame>) -> PlotState {
    let mut state = PlotState::default();
    state.set_layout(Layout {
        title: String::new(),
        columns,
        channels: specs,
    });
    for f in frames {
        assert!(state.apply_frame(f, Instant::now()));
    }
    state
}

/// An RGB8 picture and its width.
struct Picture {
    rgb: Vec<u8>,
    width: u32,
    height: u32,
}

impl Picture {
    fn at(&self, x: i32, y: i32) -> [u8; 3] {
        assert!(x >= 0 && y >= 0 && x < self.width as i32 && y < self.height as i32);
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    fn dark(&self, x: i32, y: i32) -> bool {
        self.at(x, y).iter().all(|&c| c < 110)
    }

    /// Pixels inside `r` (clipped to the picture) for which `f` holds.
    fn count(&self, r: PixelRect, f: impl Fn([u8; 3]) -> bool) -> usize {
        let mut n = 0;
        for y in r.y.max(0)..(r.y + r.h as i32).min(self.height as i32) {
            for x in r.x.max(0)..(r.x + r.w as i32).min(self.width as i32) {
                if f(self.at(x, y)) {
                    n += 1;
                }
            }
        }
        n
    }

    /// Pixels of anti-aliased text in `r` (small glyphs are grey).
    fn inked_in(&self, r: PixelRect) -> usize {
        self.count(r, |p| p.iter().all(|&c| c < 170))
    }
}

fn near(p: [u8; 3], color: [u8; 3]) -> bool {
    p.iter().zip(color).all(|(a, b)| a.abs_diff(b) <= 12)
}

fn output_dir() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().map_or(tmp.clone(), |t| t.join("test-output"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn keep(name: &str, picture: &Picture) {
    let path = output_dir().join(format!("axes_render-{name}.png"));
    save_png(&path, picture.width, picture.height, &picture.rgb).unwrap();
    eprintln!("wrote {}", path.display());
}

fn draw(
    state: &PlotState,
    view: &ViewState,
    size: (u32, u32),
    name: &str,
) -> (RenderInfo, Picture) {
    let mut rgb = Vec::new();
    let options = RenderOptions {
        now_unix_us: Some(2_000_000),
        ..RenderOptions::default()
    };
    let info = render_with(state, view, size.0, size.1, &mut rgb, &options);
    let picture = Picture {
        rgb,
        width: size.0,
        height: size.1,
    };
    keep(name, &picture);
    (info, picture)
}

fn rect(x: i32, y: i32, w: i32, h: i32) -> PixelRect {
    PixelRect {
        x,
        y,
        w: w.max(0) as u32,
        h: h.max(0) as u32,
    }
}

/// Pixel column of x and row of y on a plot, rounded as the renderer
/// rounds (`floor(v + 1e-3)`).
fn col_of(plot: &PlotInfo, x: f64) -> i32 {
    (plot.to_pixel(x, plot.view.y.0).unwrap().0 + 1e-3).floor() as i32
}

fn row_of(plot: &PlotInfo, y: f64) -> i32 {
    (plot.to_pixel(plot.view.x.0, y).unwrap().1 + 1e-3).floor() as i32
}

/// Item 1: ticks 60–120 px apart, chosen by the renderer, drawn where the
/// plot's mapping puts their values: the tick mark under x = 400 is in the
/// very column a vertical trace at x = 400 was drawn in, and the mark
/// beside y = 3 in the row of a horizontal trace at y = 3. Labels are
/// drawn under and beside their marks; 0–4 gets at least four labels.
#[test]
fn ticks_are_spaced_by_pixels_and_sit_where_the_data_is() {
    let mut energy = ChannelSpec::new(1, "energy", ChannelKind::Line);
    energy.options.x_range = Some((0.0, 1000.0));
    energy.options.y_range = Some((0.0, 4.0));
    energy.options.x_label = "time [s]".into();
    energy.options.y_label = "E".into();
    let t: Vec<f64> = (0..=1000).map(f64::from).collect();
    let e: Vec<f64> = t.iter().map(|t| 2.0 + 1.5 * (t * 0.01).sin()).collect();
    let state = state_of(
        0,
        vec![energy],
        vec![line_frame(
            1,
            vec![
                part("", Some(&t), &e),
                part("", Some(&[400.0, 400.0]), &[0.0, 4.0]),
                part("", Some(&[0.0, 1000.0]), &[3.0, 3.0]),
            ],
        )],
    );
    let size = (1000, 700);
    let (info, pic) = draw(&state, &ViewState::default(), size, "ticks");
    let plot = info.plot(1).unwrap();
    let r = plot.rect;
    let (x, y) = plot_ticks(plot, size);
    assert!(y.labels().len() >= 4, "0–4 shows {:?}", y.labels());
    assert!(x.labels().contains(&"400"), "{:?}", x.labels());
    assert!(
        y.labels().iter().any(|l| l.parse() == Ok(3.0)),
        "{:?}",
        y.labels()
    );
    for (ticks, pixels, along) in [
        (&x, f64::from(r.w - 1), plot.view.x),
        (&y, f64::from(r.h - 1), plot.view.y),
    ] {
        let values: Vec<f64> = ticks.labelled().map(|t| t.value).collect();
        for w in values.windows(2) {
            let px = (w[1] - w[0]) / (along.1 - along.0) * pixels;
            assert!(
                (59.9..120.0).contains(&px),
                "{:?}: {px} px apart",
                ticks.labels()
            );
        }
        assert!(
            values.iter().all(|v| (along.0..=along.1).contains(v)),
            "{values:?}"
        );
    }
    // The orange trace (x = 400) and its tick mark share a column; the
    // green one (y = 3) and its mark share a row.
    let c = col_of(plot, 400.0);
    let mid = r.y + r.h as i32 / 3;
    assert!(
        near(pic.at(c, mid), ORANGE),
        "trace at x = 400 not in column {c}"
    );
    assert!(!near(pic.at(c - 1, mid), ORANGE) && !near(pic.at(c + 1, mid), ORANGE));
    let green = [0x2c, 0xa0, 0x2c];
    let row = row_of(plot, 3.0);
    assert!(
        near(pic.at(r.x + 10, row), green),
        "trace at y = 3 not in row {row}"
    );
    assert!(!near(pic.at(r.x + 10, row - 1), green) && !near(pic.at(r.x + 10, row + 1), green));
    for tick in x.labelled() {
        let c = col_of(plot, tick.value);
        assert!(
            pic.dark(c, r.bottom() + 2),
            "no mark under {} at column {c}",
            tick.label
        );
        assert!(
            !pic.dark(c + 2, r.bottom() + 2),
            "mark under {} is wider",
            tick.label
        );
        // Its label just below, centred on the mark.
        let below = rect(c - 20, r.bottom() + 8, 40, 20);
        assert!(
            pic.inked_in(below) > 8,
            "no label glyphs under {}",
            tick.label
        );
    }
    for tick in y.labelled() {
        let row = row_of(plot, tick.value);
        assert!(
            pic.dark(r.x - 2, row),
            "no mark beside {} at row {row}",
            tick.label
        );
        assert!(
            !pic.dark(r.x - 2, row + 2),
            "mark beside {} is thicker",
            tick.label
        );
        let left = rect(r.x - 60, row - 8, 52, 16);
        assert!(
            pic.inked_in(left) > 8,
            "no label glyphs beside {}",
            tick.label
        );
    }
    // Between two ticks there are no marks.
    let between = (col_of(plot, 400.0) + col_of(plot, 500.0)) / 2;
    assert!(!pic.dark(between, r.bottom() + 2));

    // Four plots about 250 px tall (where users saw only "0" and "2" on
    // an energy axis over 0–4): every unit is labelled. At 640×420 every
    // plot still gets two labels per axis.
    let grid = state_of(
        2,
        (1..=4)
            .map(|i| {
                let mut spec = ChannelSpec::new(i, format!("energy {i}"), ChannelKind::Line);
                spec.options.y_range = Some((-0.2, 4.1));
                spec.options.x_label = "time [s]".into();
                spec
            })
            .collect(),
        (1..=4)
            .map(|i| line_frame(i, vec![part("", Some(&t), &e)]))
            .collect(),
    );
    for (size, least) in [((1280, 720), 5), ((640, 420), 2)] {
        let name = format!("ticks-{}x{}", size.0, size.1);
        let (info, _) = draw(&grid, &ViewState::default(), size, &name);
        assert_eq!(info.plots.len(), 4);
        for plot in &info.plots {
            let (x, y) = plot_ticks(plot, size);
            assert!(y.labels().len() >= least, "{size:?}: {:?}", y.labels());
            assert!(x.labels().len() >= 2, "{size:?}: {:?}", x.labels());
        }
    }
}

/// Item 2: labels carry the data's precision; a common ×10ⁿ factor or an
/// offset is written once at the axis end, never "6e5" or "1e7/9e6" in
/// the labels, and its glyphs are drawn there.
#[test]
fn labels_have_the_datas_precision_and_a_factor_or_offset_once() {
    let mut big = ChannelSpec::new(1, "counts", ChannelKind::Line);
    big.options.y_range = Some((0.0, 6.2e5));
    let mut stamps = ChannelSpec::new(2, "timestamps", ChannelKind::Line);
    stamps.options.x_label = "unix time [s]".into();
    let near_1e7 = ChannelSpec::new(3, "near 1e7", ChannelKind::Line);
    let x: Vec<f64> = (0..=100).map(f64::from).collect();
    let y: Vec<f64> = x.iter().map(|v| v * 6000.0).collect();
    let ts: Vec<f64> = x.iter().map(|v| 1.7e9 + v).collect();
    let wave: Vec<f64> = x.iter().map(|v| (v * 0.1).sin()).collect();
    let high: Vec<f64> = x.iter().map(|v| 9.0e6 + v * 1.0e4).collect();
    let state = state_of(
        1,
        vec![big, stamps, near_1e7],
        vec![
            line_frame(1, vec![part("", Some(&x), &y)]),
            line_frame(2, vec![part("", Some(&ts), &wave)]),
            line_frame(3, vec![part("", Some(&x), &high)]),
        ],
    );
    let size = (900, 1000);
    let (info, pic) = draw(&state, &ViewState::default(), size, "labels");
    // 0 … 6.2e5: "0 1 2 … 6" and "×10⁵" above the plot's top left.
    let plot = info.plot(1).unwrap();
    let (_, y) = plot_ticks(plot, size);
    assert_eq!(y.note, "×10⁵");
    assert!(
        y.labels().iter().all(|l| !l.contains('e') && l.len() <= 3),
        "{:?}",
        y.labels()
    );
    assert!(y.labels().contains(&"6"), "{:?}", y.labels());
    let r = plot.rect;
    assert!(
        pic.inked_in(rect(r.x - 2, r.y - 24, 60, 21)) > 15,
        "no factor drawn above the plot"
    );
    // Timestamps: short labels and "+1.7×10⁹" at the right end of the axis.
    let plot = info.plot(2).unwrap();
    let (x, _) = plot_ticks(plot, size);
    assert_eq!(x.note, "+1.7×10⁹");
    assert!(x.labels().iter().all(|l| l.len() <= 3), "{:?}", x.labels());
    let r = plot.rect;
    // Below the tick labels' row, which ends about 18 px under the box.
    let end = rect(r.right() - 90, r.bottom() + 18, 92, 24);
    assert!(pic.inked_in(end) > 15, "no offset drawn at the axis end");
    // 9e6 … 1e7: one factor, labels like "0.90".
    let plot = info.plot(3).unwrap();
    let (_, y) = plot_ticks(plot, size);
    assert!(y.note == "×10⁶" || y.note == "×10⁷", "{}", y.note);
    assert!(
        y.labels()
            .iter()
            .all(|l| !l.contains('e') && !l.contains('/')),
        "{:?}",
        y.labels()
    );
}

/// Item 3: a log axis over decades labels the decades and marks their
/// 2…9 multiples with short unlabelled ticks; one over 0.5–1 labels the
/// multiples 0.5 … 1.
#[test]
fn log_axes_mark_decades_and_label_multiples_on_short_ranges() {
    let mut short = ChannelSpec::new(1, "efficiency", ChannelKind::Line);
    short.options.y_scale = Scale::Log;
    short.options.y_range = Some((0.5, 1.0));
    let mut wide = ChannelSpec::new(2, "residual", ChannelKind::Line);
    wide.options.y_scale = Scale::Log;
    wide.options.y_range = Some((1e-6, 1.0));
    let x: Vec<f64> = (0..200).map(f64::from).collect();
    let eff: Vec<f64> = x.iter().map(|v| 0.55 + 0.4 * v / 200.0).collect();
    let res: Vec<f64> = x.iter().map(|v| 10f64.powf(-v / 35.0)).collect();
    let state = state_of(
        2,
        vec![short, wide],
        vec![
            line_frame(1, vec![part("", Some(&x), &eff)]),
            line_frame(2, vec![part("", Some(&x), &res)]),
        ],
    );
    let size = (1100, 600);
    let (info, pic) = draw(&state, &ViewState::default(), size, "log");
    let plot = info.plot(1).unwrap();
    let (_, y) = plot_ticks(plot, size);
    let labels = y.labels();
    assert!(labels.len() >= 4, "{labels:?}");
    for l in &labels {
        assert!(
            ["0.5", "0.6", "0.7", "0.8", "0.9", "1"].contains(l),
            "{labels:?}"
        );
    }
    for tick in y.labelled() {
        let row = row_of(plot, tick.value);
        let left = rect(plot.rect.x - 40, row - 8, 34, 16);
        assert!(
            pic.inked_in(left) > 8,
            "no label glyphs beside {}",
            tick.label
        );
    }
    let plot = info.plot(2).unwrap();
    let r = plot.rect;
    let (_, y) = plot_ticks(plot, size);
    assert_eq!(
        y.labels(),
        ["10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰"]
    );
    let minors: Vec<f64> = y
        .ticks
        .iter()
        .filter(|t| t.label.is_empty())
        .map(|t| t.value)
        .collect();
    assert_eq!(minors.len(), 6 * 8, "{minors:?}");
    // Mark lengths, out from the box: a decade's is longer than 2×10⁻³'s.
    let mark = |row: i32| (2..12).take_while(|&d| pic.dark(r.x - d, row)).count();
    let (major, minor) = (mark(row_of(plot, 1e-3)), mark(row_of(plot, 2e-3)));
    assert!(
        minor >= 2 && major > minor,
        "major {major} px, minor {minor} px"
    );
}

/// A line plot's rising traces fill its upper right and lower left.
fn dense_pair() -> (PlotState, Vec<f64>, Vec<f64>, Vec<f64>) {
    let x: Vec<f64> = (0..=400).map(|i| f64::from(i) / 400.0).collect();
    let a: Vec<f64> = x.iter().map(|v| v * v * v).collect();
    let b: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, v)| v * v * v + 0.15 * ((i * 7919 % 101) as f64 / 101.0))
        .collect();
    let state = state_of(
        0,
        vec![ChannelSpec::new(1, "pair", ChannelKind::Line)],
        vec![line_frame(
            1,
            vec![part("model", Some(&x), &a), part("measured", Some(&x), &b)],
        )],
    );
    (state, x, a, b)
}

/// The box the legend's entries fill.
fn legend_box(plot: &PlotInfo) -> PixelRect {
    let first = plot.legend.first().unwrap().rect;
    let last = plot.legend.last().unwrap().rect;
    rect(
        first.x,
        first.y,
        first.w as i32,
        last.y + last.h as i32 - first.y,
    )
}

/// Item 4: the legend goes where the traces are not (not the upper right
/// that curves rising to the right fill), and never over an append
/// series' newest point, even where that is the corner with least ink.
#[test]
fn the_legend_avoids_the_data_and_the_newest_points() {
    let (state, x, a, b) = dense_pair();
    let (info, pic) = draw(&state, &ViewState::default(), (900, 600), "legend-best");
    let plot = info.plot(1).unwrap();
    let boxed = legend_box(plot);
    let inside = |px: (f64, f64)| boxed.contains(px.0, px.1);
    let covered = x
        .iter()
        .zip(&a)
        .chain(x.iter().zip(&b))
        .filter(|&(&x, &y)| plot.to_pixel(x, y).is_some_and(inside))
        .count();
    assert_eq!(covered, 0, "legend at {boxed:?} covers {covered} points");
    let r = plot.rect;
    assert!(
        boxed.x < r.x + r.w as i32 / 2,
        "legend on the right: {boxed:?}"
    );
    // The legend's text is drawn where its hits say.
    assert!(pic.inked_in(boxed) > 30);

    // Series on 0 … 1.05: "low" fills the lower part, "high" the upper
    // part up to 80 % of x, then a flat line at 1.0 to its newest point in
    // the upper right. By ink alone the legend would go there, over the
    // newest point (a line, against dense noise everywhere else).
    let n: usize = 2000;
    let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let noise = |i: usize| ((i * 7919) % 997) as f64 / 997.0;
    let low: Vec<f64> = (0..n).map(|i| 0.6 * noise(i)).collect();
    let mut high_t: Vec<f64> = t[..n * 8 / 10].to_vec();
    let mut high: Vec<f64> = (0..high_t.len())
        .map(|i| 0.68 + 0.37 * noise(i + 5))
        .collect();
    high_t.extend([n as f64 * 0.8, (n - 1) as f64]);
    high.extend([1.0, 1.0]);
    let mut spec = ChannelSpec::new(2, "energies", ChannelKind::Series);
    spec.options.y_range = Some((0.0, 1.05));
    let mut state = state_of(0, vec![spec], vec![]);
    state.data.insert(
        2,
        ChannelData::Series(SeriesSet::from_series([
            SeriesHistory::from_points("low", &t, &low),
            SeriesHistory::from_points("high", &high_t, &high),
        ])),
    );
    let (info, pic) = draw(&state, &ViewState::default(), (900, 600), "legend-newest");
    let plot = info.plot(2).unwrap();
    let boxed = legend_box(plot);
    let newest = plot.to_pixel((n - 1) as f64, 1.0).unwrap();
    let (nx, ny) = (
        (newest.0 + 1e-3).floor() as i32,
        (newest.1 + 1e-3).floor() as i32,
    );
    assert!(
        !rect(
            boxed.x - 8,
            boxed.y - 8,
            boxed.w as i32 + 16,
            boxed.h as i32 + 16
        )
        .contains(f64::from(nx), f64::from(ny)),
        "legend {boxed:?} over the newest point ({nx}, {ny})"
    );
    // The newest point is drawn in its series' colour, not washed out.
    let around = rect(nx - 2, ny - 2, 5, 5);
    // (Lines are anti-aliased: orange-ish, not exactly orange.)
    let orange_ish = |p: [u8; 3]| p[0] > 230 && p[2] < 200 && p[1] < 210;
    assert!(
        pic.count(around, orange_ish) > 0,
        "newest point ({nx}, {ny}) not visible"
    );
    // The corner with the least ink holds the newest point: the legend
    // went elsewhere, and is still drawn.
    assert_eq!(plot.legend.len(), 2);
    let r = plot.rect;
    let upper_right = boxed.x > r.x + r.w as i32 / 2 && boxed.y < r.y + r.h as i32 / 3;
    assert!(!upper_right, "legend in the upper right: {boxed:?}");
}

/// Item 5: a colorbar's label is drawn rotated (reading upwards) to the
/// right of its tick labels; an empty label draws nothing there.
#[test]
fn a_colorbar_label_is_drawn_rotated_beside_the_tick_labels() {
    let size = (220, 500);
    let mut with = Picture {
        rgb: Vec::new(),
        width: size.0,
        height: size.1,
    };
    let bar = render_colorbar(
        (0.0, 3.0e5),
        "temperature [K]",
        Colormap::viridis(),
        size,
        &mut with.rgb,
    );
    keep("colorbar-label", &with);
    let mut without = Picture {
        rgb: Vec::new(),
        width: size.0,
        height: size.1,
    };
    let bar2 = render_colorbar(
        (0.0, 3.0e5),
        "",
        Colormap::viridis(),
        size,
        &mut without.rgb,
    );
    keep("colorbar-no-label", &without);
    assert_eq!(bar, bar2);
    assert!(bar.w > 5 && bar.h > 300, "{bar:?}");
    // The bar is painted with viridis, high at the top.
    assert!(near(
        with.at(bar.x + bar.w as i32 / 2, bar.y + 1),
        [253, 231, 37]
    ));
    // Tick labels: dark pixels right of the bar in both.
    let labels = rect(bar.x + bar.w as i32 + 2, bar.y, 60, bar.h as i32);
    assert!(with.inked_in(labels) > 50 && without.inked_in(labels) > 50);
    // Where the two differ is the label: right of the tick labels, a
    // column of glyphs taller than wide.
    let mut diff = Vec::new();
    for y in 0..size.1 as i32 {
        for x in 0..size.0 as i32 {
            if with.at(x, y) != without.at(x, y) {
                diff.push((x, y));
            }
        }
    }
    assert!(diff.len() > 100, "no label drawn");
    let (x0, x1) = (
        diff.iter().map(|p| p.0).min().unwrap(),
        diff.iter().map(|p| p.0).max().unwrap(),
    );
    let (y0, y1) = (
        diff.iter().map(|p| p.1).min().unwrap(),
        diff.iter().map(|p| p.1).max().unwrap(),
    );
    assert!(
        y1 - y0 > 4 * (x1 - x0),
        "label not rotated: {x0}..{x1} × {y0}..{y1}"
    );
    let last_tick_label = (bar.x + bar.w as i32..size.0 as i32)
        .rev()
        .find(|&x| (bar.y..=bar.bottom()).any(|y| without.dark(x, y)))
        .unwrap();
    assert!(
        x0 > last_tick_label,
        "label {x0} overlaps the tick labels (to {last_tick_label})"
    );
    // Centred on the bar, vertically.
    let centre = (y0 + y1) / 2;
    assert!(
        (centre - (bar.y + bar.h as i32 / 2)).abs() <= 3,
        "{y0}..{y1} vs {bar:?}"
    );
    // The factor of the ticks ("×10⁵") above the bar.
    assert!(without.inked_in(rect(bar.x - 2, bar.y - 24, 60, 21)) > 10);
}

/// Item 6: the readout box stays inside the plot it reads, near every
/// edge and corner: flipped to the other side of the cursor, or pushed in.
#[test]
fn the_readout_box_stays_inside_its_plot() {
    let (state, ..) = dense_pair();
    let mut two = state_of(
        2,
        vec![
            ChannelSpec::new(1, "pair", ChannelKind::Line),
            ChannelSpec::new(2, "other", ChannelKind::Line),
        ],
        vec![],
    );
    two.data = state.data.clone();
    let x: Vec<f64> = (0..50).map(f64::from).collect();
    two.apply_frame(line_frame(2, vec![part("", Some(&x), &x)]), Instant::now());
    let size = (1000, 500);
    let (info, plain) = draw(&two, &ViewState::default(), size, "readout-plain");
    let r = info.plot(1).unwrap().rect;
    let spots = [
        ("bottom-right", r.right() - 3, r.bottom() - 3),
        ("top-right", r.right() - 3, r.y + 3),
        ("bottom-left", r.x + 3, r.bottom() - 3),
        ("middle", r.x + r.w as i32 / 2, r.y + r.h as i32 / 2),
    ];
    // Markers on the read points may reach a few pixels past the area.
    let grown = rect(r.x - 7, r.y - 7, r.w as i32 + 14, r.h as i32 + 14);
    for (name, px, py) in spots {
        let mut view = ViewState::default();
        view.ui.hover = Some((f64::from(px), f64::from(py)));
        let (info, pic) = draw(&two, &view, size, &format!("readout-{name}"));
        assert!(
            info.notes.iter().any(|n| n.starts_with("readout")),
            "{name}: no readout"
        );
        let frame = pic.count(r, |p| p == READOUT_FRAME);
        assert!(frame > 100, "{name}: no readout box in the plot");
        let mut outside = 0;
        for y in 0..size.1 as i32 {
            for x in 0..size.0 as i32 {
                let moved = pic.at(x, y) != plain.at(x, y);
                if moved && !grown.contains(f64::from(x), f64::from(y)) {
                    outside += 1;
                }
            }
        }
        assert_eq!(
            outside, 0,
            "{name}: the readout drew {outside} pixels outside {r:?}"
        );
    }
}
