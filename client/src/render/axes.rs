//! One plot's frame: title, axis labels, ticks, grid and a box around the
//! plotting area, laid out here and drawn with plotters' lines and text
//! (not its mesh: ticks are [`ticks`](super::ticks)' and
//! [`tick_format`](super::tick_format)'s). Data is drawn afterwards, in
//! pixel space, inside the rectangle [`draw_axes`] returns; ticks go
//! through the same [`Mapping`] as the data, so a tick labelled v sits
//! where v is drawn.
//!
//! ```text
//!            Title
//!   ×10⁵                              (y factor/offset, once)
//!     6 ┤┌──────────────────────────┐
//!  y  4 ┤│- - - - - - - - - - - - - │  grid at labelled ticks
//!     2 ┤│- - - - - - - - - - - - - │
//!       └┴────┬─────┬─────┬─────┬───┘
//!             0    20    40    60   +1.7×10⁹   (x factor/offset, once)
//!                     x label
//! ```

use plotcast_protocol::{ChannelSpec, Scale};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use super::canvas::Area;
use super::decimate::snap;
use super::font::{text, TextSizes};
use super::ticks::{axis_ticks, AxisTicks, LabelRoom, Tick};
use super::{DrawError, INK};
use crate::model::AxisView;
use crate::view::drawn::{AxisMap, Mapping, PixelRect, PlotInfo};

/// Grid line colour (matplotlib-like light grey).
const GRID: RGBColor = RGBColor(225, 225, 225);

/// What the frame of one plot shows.
pub(crate) struct AxesSpec<'s> {
    pub title: &'s str,
    pub x_label: &'s str,
    pub y_label: &'s str,
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub x_scale: Scale,
    pub y_scale: Scale,
    /// Grid lines at the labelled ticks (off for heatmaps).
    pub grid: bool,
}

impl<'s> AxesSpec<'s> {
    /// The frame of a channel's plot showing `shown` on the given scales:
    /// the channel's title and labels, grid lines on (heatmaps turn them
    /// off).
    pub(crate) fn of_channel(
        spec: &'s ChannelSpec,
        shown: AxisView,
        x_scale: Scale,
        y_scale: Scale,
    ) -> Self {
        Self {
            title: spec.display_title(),
            x_label: &spec.options.x_label,
            y_label: &spec.options.y_label,
            x: shown.x,
            y: shown.y,
            x_scale,
            y_scale,
            grid: true,
        }
    }
}

/// Pixel sizes of a frame's parts, scaled with the figure's text.
pub(super) struct Metrics {
    /// Margin around the frame in its cell.
    pub(super) pad: i32,
    /// Length of a major tick mark, outside the box.
    pub(super) tick_len: i32,
    /// Length of a minor tick mark.
    pub(super) minor_len: i32,
    /// Space between tick marks, labels and descriptions.
    pub(super) gap: i32,
    /// Height of a row of tick labels.
    pub(super) label_h: i32,
    /// Room of an axis description across its axis.
    pub(super) desc_w: i32,
    /// Height of the row of a y axis' factor or offset.
    pub(super) note_h: i32,
}

impl Metrics {
    pub(super) fn of(sizes: &TextSizes) -> Self {
        let px = |v: f64, min: f64| (v * sizes.scale).round().max(min) as i32;
        Self {
            pad: px(8.0, 0.0),
            tick_len: px(4.0, 3.0),
            minor_len: px(2.5, 2.0),
            gap: px(3.0, 2.0),
            label_h: sizes.tick.round() as i32,
            desc_w: (sizes.desc * 1.5).round() as i32,
            note_h: (sizes.tick * 1.3).round() as i32,
        }
    }
}

/// Width of a text in the renderer's font.
pub(super) fn text_width(s: &str, size: f64) -> f64 {
    // The embedded font's kept glyphs; plotters' layout when it is missing.
    match super::glyphs::layout_box(s, size) {
        Some(((x0, _), (x1, _))) => f64::from((x1 - x0).unsigned_abs()),
        None => text(size, INK)
            .font
            .box_size(s)
            .map_or(0.0, |(w, _)| f64::from(w)),
    }
}

/// The ticks of an axis `length` pixels long: labels along x need their
/// width and a gap of most of an em, along y their height and half an em.
pub(super) fn ticks_for(
    range: (f64, f64),
    scale: Scale,
    length: i32,
    along_x: bool,
    sizes: &TextSizes,
) -> AxisTicks {
    let size = sizes.tick;
    let width = |s: &str| text_width(s, size);
    let height = |_: &str| size;
    let room = if along_x {
        LabelRoom {
            extent: &width,
            gap_px: size * 0.8,
        }
    } else {
        LabelRoom {
            extent: &height,
            gap_px: size * 0.5,
        }
    };
    // From the first pixel to the last, as `Mapping` spans them.
    let span = f64::from((length - 1).max(0));
    axis_ticks(range, scale, span, &room)
}

/// The ticks a render drew on a plot's axes, `(x, y)`: the computation of
/// [`draw_axes`] again, on the plot's area and ranges, for tests and tools
/// that check where ticks went. `canvas`: the size of the rendered figure.
pub fn plot_ticks(plot: &PlotInfo, canvas: (u32, u32)) -> (AxisTicks, AxisTicks) {
    if !super::font::ensure_registered() {
        return Default::default();
    }
    let sizes = TextSizes::for_canvas(canvas.0, canvas.1);
    let w = i32::try_from(plot.rect.w).unwrap_or(i32::MAX);
    let h = i32::try_from(plot.rect.h).unwrap_or(i32::MAX);
    (
        ticks_for(plot.view.x, plot.x_scale, w, true, &sizes),
        ticks_for(plot.view.y, plot.y_scale, h, false, &sizes),
    )
}

/// Where a frame's parts go.
struct Layout {
    rect: PixelRect,
    x: AxisTicks,
    y: AxisTicks,
}

/// Places the plotting area in `cell`: room for the title, the y labels
/// (as wide as the widest of this height's ticks), the x labels and the
/// rows of the descriptions and of the factor/offset notes.
fn layout(cell: PixelRect, spec: &AxesSpec<'_>, sizes: &TextSizes) -> Layout {
    let m = Metrics::of(sizes);
    let caption_h = if spec.title.is_empty() {
        0
    } else {
        // As plotters' `titled` lays out a caption.
        let th = (sizes.caption / 1.24) as i32;
        th + 2 * (th / 2).min(5)
    };
    let top0 = cell.y + m.pad / 2 + caption_h;
    let right = cell.x + cell.w as i32 - m.pad - (sizes.tick / 2.0) as i32;
    // Box line, marks, labels.
    let x_axis_h = 1 + m.tick_len + m.gap + m.label_h + m.gap;
    let desc_row = (sizes.desc * 1.4).round() as i32;
    let y_desc = if spec.y_label.is_empty() { 0 } else { m.desc_w };
    // Whether the x axis needs the row below its labels depends on its
    // ticks, which depend on the width left by the y labels: settle it in
    // at most two rounds.
    let mut x_row = !spec.x_label.is_empty();
    let mut round = 0;
    loop {
        let bottom =
            cell.y + cell.h as i32 - m.pad / 2 - x_axis_h - if x_row { desc_row } else { 0 };
        let mut top = top0;
        let mut y = ticks_for(spec.y, spec.y_scale, bottom - top, false, sizes);
        if !y.note.is_empty() {
            top += m.note_h;
            y = ticks_for(spec.y, spec.y_scale, bottom - top, false, sizes);
        }
        let widest = y
            .labelled()
            .map(|t| text_width(&t.label, sizes.tick))
            .fold(0.0, f64::max)
            .ceil() as i32;
        let left = cell.x + m.pad / 2 + y_desc + widest + m.gap + m.tick_len + 1;
        let x = ticks_for(spec.x, spec.x_scale, right - left, true, sizes);
        let needs_row = !spec.x_label.is_empty() || !x.note.is_empty();
        round += 1;
        if needs_row == x_row || round == 2 {
            return Layout {
                rect: PixelRect {
                    x: left,
                    y: top,
                    w: (right - left).max(0) as u32,
                    h: (bottom - top).max(0) as u32,
                },
                x,
                y,
            };
        }
        x_row = needs_row;
    }
}

/// Draws the frame of a plot in `cell`; returns the plotting area.
///
/// # Errors
/// Drawing failures of plotters (which never happen with the bitmap
/// backend in practice, but are passed on rather than unwrapped).
pub(crate) fn draw_axes(
    root: &Area<'_>,
    cell: PixelRect,
    spec: &AxesSpec<'_>,
    sizes: &TextSizes,
) -> Result<PixelRect, DrawError> {
    let m = Metrics::of(sizes);
    let Layout { rect, x, y } = layout(cell, spec, sizes);
    if !spec.title.is_empty() {
        let th = (sizes.caption / 1.24) as i32;
        let left = cell.x + m.pad / 2;
        let right = cell.x + cell.w as i32 - m.pad - (sizes.tick / 2.0) as i32;
        let style = text(sizes.caption, INK).pos(Pos::new(HPos::Center, VPos::Top));
        let at = ((left + right) / 2, cell.y + m.pad / 2 + (th / 2).min(5));
        root.draw_text(spec.title, &style, at)?;
    }
    if rect.w < 2 || rect.h < 2 {
        return Ok(rect);
    }
    let frame = Frame {
        root,
        cell,
        rect,
        map: Mapping::new(
            rect,
            AxisMap::new(spec.x, spec.x_scale),
            AxisMap::new(spec.y, spec.y_scale),
        ),
        x_lo: spec.x.0,
        m,
        sizes,
    };
    if spec.grid {
        frame.draw_grid(&x, &y)?;
    }
    let desc_top = frame.draw_x(&x)?;
    frame.draw_y(&y)?;
    if !spec.x_label.is_empty() {
        let style = text(sizes.desc, INK).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw_text(spec.x_label, &style, (rect.x + rect.w as i32 / 2, desc_top))?;
    }
    if !spec.y_label.is_empty() {
        let style = text(sizes.desc, INK)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let at = (
            cell.x + frame.m.pad / 2 + frame.m.desc_w / 2,
            rect.y + rect.h as i32 / 2,
        );
        root.draw_text(spec.y_label, &style, at)?;
    }
    Ok(rect)
}

/// A laid-out frame being drawn.
struct Frame<'a, 'r, 'b> {
    root: &'r Area<'b>,
    cell: PixelRect,
    rect: PixelRect,
    map: Mapping,
    /// An x value the map can show, to read rows with.
    x_lo: f64,
    m: Metrics,
    sizes: &'a TextSizes,
}

impl Frame<'_, '_, '_> {
    /// Pixel column of an x value, rounded as the data is (`snap`);
    /// `None` outside the area.
    fn col(&self, v: f64) -> Option<i32> {
        let r = self.rect;
        self.map
            .x_pixel(v)
            .map(|p| snap(p) as i32)
            .filter(|c| (r.x..=r.right()).contains(c))
    }

    /// Pixel row of a y value, as [`Frame::col`].
    fn row(&self, v: f64) -> Option<i32> {
        let r = self.rect;
        self.map
            .pixel(self.x_lo, v)
            .map(|p| snap(p.1) as i32)
            .filter(|row| (r.y..=r.bottom()).contains(row))
    }

    /// Grid lines at the labelled ticks, inside the area (not on its
    /// edges, where the box is).
    fn draw_grid(&self, x: &AxisTicks, y: &AxisTicks) -> Result<(), DrawError> {
        let r = self.rect;
        for c in x.labelled().filter_map(|t| self.col(t.value)) {
            if c > r.x && c < r.right() {
                let line = PathElement::new(vec![(c, r.y), (c, r.bottom())], GRID);
                self.root.draw(&line)?;
            }
        }
        for row in y.labelled().filter_map(|t| self.row(t.value)) {
            if row > r.y && row < r.bottom() {
                let line = PathElement::new(vec![(r.x, row), (r.right(), row)], GRID);
                self.root.draw(&line)?;
            }
        }
        Ok(())
    }

    fn mark_len(&self, tick: &Tick) -> i32 {
        if tick.major || !tick.label.is_empty() {
            self.m.tick_len
        } else {
            self.m.minor_len
        }
    }

    /// The x axis: marks below the box (its line is the row under the
    /// area), labels centred under them and kept inside the cell, the
    /// factor/offset at the right end below them (where matplotlib puts
    /// it). Returns the top of the row below the labels.
    fn draw_x(&self, x: &AxisTicks) -> Result<i32, DrawError> {
        let (r, m, cell) = (self.rect, &self.m, self.cell);
        let label = text(self.sizes.tick, INK);
        let marks_top = r.bottom() + 2;
        let labels_top = marks_top + m.tick_len + m.gap;
        for tick in &x.ticks {
            let Some(c) = self.col(tick.value) else {
                continue;
            };
            for k in 0..self.mark_len(tick) {
                self.root.draw_pixel((c, marks_top + k), &INK)?;
            }
            if !tick.label.is_empty() {
                let half = (text_width(&tick.label, self.sizes.tick) / 2.0).ceil() as i32;
                let cx = c.min(cell.x + cell.w as i32 - 1 - half).max(cell.x + half);
                let style = label.pos(Pos::new(HPos::Center, VPos::Top));
                self.root.draw_text(&tick.label, &style, (cx, labels_top))?;
            }
        }
        let below = labels_top + m.label_h + m.gap;
        if !x.note.is_empty() {
            let style = label.pos(Pos::new(HPos::Right, VPos::Top));
            self.root
                .draw_text(&x.note, &style, (r.right() + 1, below))?;
        }
        Ok(below)
    }

    /// The y axis: marks left of the box, labels right-aligned beside
    /// them, the factor/offset above the area's top left corner.
    fn draw_y(&self, y: &AxisTicks) -> Result<(), DrawError> {
        let (r, m) = (self.rect, &self.m);
        let label = text(self.sizes.tick, INK);
        let marks_right = r.x - 2;
        for tick in &y.ticks {
            let Some(row) = self.row(tick.value) else {
                continue;
            };
            for k in 0..self.mark_len(tick) {
                self.root.draw_pixel((marks_right - k, row), &INK)?;
            }
            if !tick.label.is_empty() {
                let style = label.pos(Pos::new(HPos::Right, VPos::Center));
                let at = (marks_right - m.tick_len - m.gap + 1, row);
                self.root.draw_text(&tick.label, &style, at)?;
            }
        }
        if !y.note.is_empty() {
            let style = label.pos(Pos::new(HPos::Left, VPos::Bottom));
            self.root
                .draw_text(&y.note, &style, (r.x - 1, r.y - 1 - m.gap - 2))?;
        }
        Ok(())
    }
}

/// Draws the box around a plotting area (one pixel outside it, so data
/// drawn or blitted inside never covers it).
pub(crate) fn draw_box(root: &Area<'_>, rect: PixelRect) -> Result<(), DrawError> {
    if rect.w == 0 || rect.h == 0 {
        return Ok(());
    }
    root.draw(&Rectangle::new(
        [
            (rect.x - 1, rect.y - 1),
            (rect.x + rect.w as i32, rect.y + rect.h as i32),
        ],
        INK.stroke_width(1),
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes() -> TextSizes {
        TextSizes::for_canvas(1280, 720)
    }

    fn spec(x: (f64, f64), y: (f64, f64), xs: Scale, ys: Scale) -> AxesSpec<'static> {
        AxesSpec {
            title: "t",
            x_label: "x",
            y_label: "y",
            x,
            y,
            x_scale: xs,
            y_scale: ys,
            grid: true,
        }
    }

    const CELL: PixelRect = PixelRect {
        x: 0,
        y: 0,
        w: 640,
        h: 400,
    };

    /// The old labels these replace: "1.0" for 1 on 0..1 stays, "2e6" on
    /// 0..1e7 becomes "0.25" or so with "×10⁷" once (matplotlib's factor
    /// is the largest tick's), "1e-5" on a log axis "10⁻⁵".
    #[test]
    fn tick_labels_read_well() {
        assert!(super::super::font::ensure_registered());
        let l = layout(
            CELL,
            &spec((0.0, 1.0), (0.0, 1e7), Scale::Linear, Scale::Linear),
            &sizes(),
        );
        assert!(l.x.labels().contains(&"1.0"), "{:?}", l.x.labels());
        assert!(l.x.labels().contains(&"0.2"), "{:?}", l.x.labels());
        assert_eq!(l.y.note, "×10⁷");
        let numbers =
            l.y.labels()
                .iter()
                .map(|s| s.parse::<f64>())
                .collect::<Result<Vec<_>, _>>();
        assert!(
            numbers.is_ok_and(|v| v.len() >= 4 && v.iter().all(|&v| v <= 1.0)),
            "{:?}",
            l.y.labels()
        );
        let l = layout(
            CELL,
            &spec((1e-6, 1.0), (1.0, 1e4), Scale::Log, Scale::Log),
            &sizes(),
        );
        assert!(l.x.labels().contains(&"10⁻⁵"), "{:?}", l.x.labels());
        assert!(l.y.labels().contains(&"100"), "{:?}", l.y.labels());
        // Zero prints as zero, unsigned, at the decimals of its neighbours
        // (the old formatter printed "0" beside "0.25").
        let l = layout(
            CELL,
            &spec((-1.0, 1.0), (-3.0, 3.0), Scale::Linear, Scale::Linear),
            &sizes(),
        );
        assert!(l.x.labels().contains(&"0.00"), "{:?}", l.x.labels());
        assert!(l.x.labels().contains(&"\u{2212}0.25"), "{:?}", l.x.labels());
        assert!(l.y.labels().contains(&"2"), "{:?}", l.y.labels());
    }

    /// The layout leaves room for the y labels it draws and a row for the
    /// y factor: the area starts right of the widest label.
    #[test]
    fn the_area_leaves_room_for_labels_and_notes() {
        assert!(super::super::font::ensure_registered());
        let s = sizes();
        let plain = layout(
            CELL,
            &spec((0.0, 1.0), (0.0, 4.0), Scale::Linear, Scale::Linear),
            &s,
        );
        let big = layout(
            CELL,
            &spec((0.0, 1.0), (0.0, 6e5), Scale::Linear, Scale::Linear),
            &s,
        );
        assert!(plain.y.note.is_empty());
        assert_eq!(big.y.note, "×10⁵");
        assert!(big.rect.y > plain.rect.y, "a row for the factor");
        let widest = plain
            .y
            .labelled()
            .map(|t| text_width(&t.label, s.tick))
            .fold(0.0, f64::max);
        assert!(
            f64::from(plain.rect.x) > widest + s.desc,
            "{:?}",
            plain.rect
        );
        assert_eq!(
            plot_ticks_of(
                &plain,
                &spec((0.0, 1.0), (0.0, 4.0), Scale::Linear, Scale::Linear)
            ),
            (plain.x.clone(), plain.y.clone())
        );
    }

    /// What [`plot_ticks`] computes from a plot's info equals what the
    /// layout drew.
    fn plot_ticks_of(l: &Layout, s: &AxesSpec<'_>) -> (AxisTicks, AxisTicks) {
        let plot = PlotInfo {
            rect: l.rect,
            view: AxisView { x: s.x, y: s.y },
            x_scale: s.x_scale,
            y_scale: s.y_scale,
            ..crate::view::drawn::test_plot(
                Scale::Linear,
                Scale::Linear,
                AxisView { x: s.x, y: s.y },
            )
        };
        plot_ticks(&plot, (1280, 720))
    }
}
