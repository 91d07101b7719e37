//! A colorbar's axis beside a heatmap: value ticks and labels on its
//! right (the linear ticks of [`ticks`](super::ticks)), the factor or
//! offset they share above the bar, and the colorbar's own label, rotated
//! to read upwards beside the tick labels (matplotlib's `cbar.set_label`).
//! The bar's colours are painted after plotters ([`Blit::Colorbar`]).
//!
//! ```text
//!  ×10⁵
//!  ┌──┐
//!  │██├ 3.0   t
//!  │██├ 2.5   e
//!  │██├ 2.0   m
//!  └──┘       p      (label rotated, reads upwards)
//! ```

use plotcast_protocol::Scale;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use super::axes::{draw_box, text_width, ticks_for, Metrics};
use super::blit::Blit;
use super::canvas::Area;
use super::canvas::Pixels;
use super::decimate::snap;
use super::font::{text, TextSizes};
use super::{DrawError, INK};
use crate::colormap::Colormap;
use crate::view::drawn::{AxisMap, Mapping, PixelRect};

/// Width of a colorbar's bar.
fn bar_width(sizes: &TextSizes) -> u32 {
    (16.0 * sizes.scale).round().max(6.0) as u32
}

/// The width a colorbar of `range` needs beside a plot about `height`
/// pixels tall: bar, ticks, tick labels and, unless empty, its `label`.
pub(crate) fn colorbar_width(
    range: (f64, f64),
    label: &str,
    height: u32,
    sizes: &TextSizes,
) -> u32 {
    let m = Metrics::of(sizes);
    let h = i32::try_from(height).unwrap_or(i32::MAX);
    // The bar ends up a little shorter than the cell: the widest labels
    // of either height.
    let widest = [h, h * 4 / 5]
        .into_iter()
        .flat_map(|h| {
            let ticks = ticks_for(range, Scale::Linear, h, false, sizes);
            let widths: Vec<f64> = ticks
                .labelled()
                .map(|t| text_width(&t.label, sizes.tick))
                .collect();
            widths
        })
        .fold(0.0, f64::max)
        .ceil() as i32;
    let label_room = if label.is_empty() {
        0
    } else {
        m.gap + m.desc_w
    };
    let w = bar_width(sizes) as i32 + 1 + m.tick_len + m.gap + widest + m.gap + label_room;
    w.max(0) as u32
}

/// The axis of a colorbar in `cell`: value ticks on the right, a factor or
/// offset above the bar, and `label` (unless empty) beside the tick labels,
/// reading upwards (matplotlib's `cbar.set_label`). Returns the bar's
/// rectangle.
pub(crate) fn draw_colorbar_axis(
    root: &Area<'_>,
    cell: PixelRect,
    range: (f64, f64),
    label: &str,
    sizes: &TextSizes,
) -> Result<PixelRect, DrawError> {
    let m = Metrics::of(sizes);
    let bar = PixelRect {
        w: bar_width(sizes).min(cell.w),
        ..cell
    };
    if bar.w == 0 || bar.h < 2 {
        return Ok(bar);
    }
    let ticks = ticks_for(range, Scale::Linear, bar.h as i32, false, sizes);
    let map = Mapping::new(
        bar,
        AxisMap::new((0.0, 1.0), Scale::Linear),
        AxisMap::new(range, Scale::Linear),
    );
    let style = text(sizes.tick, INK);
    // The box's right line is the column after the bar.
    let marks_left = bar.x + bar.w as i32 + 1;
    let labels_left = marks_left + m.tick_len + m.gap;
    let mut widest = 0.0f64;
    for tick in &ticks.ticks {
        let Some(r) = map
            .pixel(0.0, tick.value)
            .map(|p| snap(p.1) as i32)
            .filter(|r| (bar.y..=bar.bottom()).contains(r))
        else {
            continue;
        };
        for k in 0..m.tick_len {
            root.draw_pixel((marks_left + k, r), &INK)?;
        }
        let at = style.pos(Pos::new(HPos::Left, VPos::Center));
        root.draw_text(&tick.label, &at, (labels_left, r))?;
        widest = widest.max(text_width(&tick.label, sizes.tick));
    }
    if !ticks.note.is_empty() {
        let at = style.pos(Pos::new(HPos::Left, VPos::Bottom));
        root.draw_text(&ticks.note, &at, (bar.x - 1, bar.y - 1 - m.gap - 2))?;
    }
    if !label.is_empty() {
        let at = text(sizes.desc, INK)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let x = labels_left + widest.ceil() as i32 + m.gap + m.desc_w / 2;
        root.draw_text(label, &at, (x, bar.y + bar.h as i32 / 2))?;
    }
    Ok(bar)
}

/// A colorbar on its own: a white `width` × `height` canvas (RGB8 in
/// `out`) with the colorbar's axis for `range` and its `label` drawn as a
/// figure draws them beside a heatmap, the bar painted with `cmap`.
/// Returns the bar's rectangle. For tests and for looking at the
/// colorbar's layout without a heatmap channel.
pub fn render_colorbar(
    range: (f64, f64),
    label: &str,
    cmap: Colormap,
    (width, height): (u32, u32),
    out: &mut Vec<u8>,
) -> PixelRect {
    out.clear();
    out.resize(width as usize * height as usize * 3, 255);
    let mut out = Pixels::Rgb(out);
    if width < 32 || height < 24 || !super::font::ensure_registered() {
        return PixelRect::default();
    }
    let sizes = TextSizes::for_canvas(width, height);
    // Room above the bar for the ticks' factor or offset.
    let margin = (20.0 * sizes.scale).round() as i32;
    let top = margin + (sizes.tick * 1.3).round() as i32;
    let cell = PixelRect {
        x: margin,
        y: top,
        w: width.saturating_sub(2 * margin as u32),
        h: height.saturating_sub((top + margin) as u32),
    };
    let drawn = out.with_area((width, height), |root| {
        draw_colorbar_axis(root, cell, range, label, &sizes)
            .and_then(|bar| draw_box(root, bar).map(|()| bar))
    });
    let bar = match drawn {
        Some(Ok(bar)) => bar,
        Some(Err(e)) => {
            super::log_failure("a colorbar", &e);
            return PixelRect::default();
        }
        None => return PixelRect::default(),
    };
    out.paint(&Blit::Colorbar { rect: bar, cmap }, width, height);
    bar
}
