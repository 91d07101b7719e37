//! A colorbar's axis beside a heatmap: value ticks and labels on its
//! right (the linear ticks of [`ticks`](super::ticks)) and the factor or
//! offset they share above the bar. The bar's colours are painted after
//! plotters (`Blit::Colorbar`).
//!
//! ```text
//!  ×10⁵
//!  ┌──┐
//!  │██├ 3.0
//!  │██├ 2.5
//!  │██├ 2.0
//!  └──┘
//! ```

use plotcast_protocol::Scale;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{text_width, ticks_for, Area, Metrics};
use super::decimate::snap;
use super::font::{text, TextSizes};
use super::{DrawError, INK};
use crate::view::drawn::{AxisMap, Mapping, PixelRect};

/// Width of a colorbar's bar.
fn bar_width(sizes: &TextSizes) -> u32 {
    (16.0 * sizes.scale).round().max(6.0) as u32
}

/// The width a colorbar of `range` needs beside a plot about `height`
/// pixels tall: bar, ticks and tick labels.
pub(crate) fn colorbar_width(range: (f64, f64), height: u32, sizes: &TextSizes) -> u32 {
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
    let w = bar_width(sizes) as i32 + 1 + m.tick_len + m.gap + widest + m.gap;
    w.max(0) as u32
}

/// The axis of a colorbar in `cell`: value ticks on the right, a factor or
/// offset above the bar. Returns the bar's rectangle.
pub(crate) fn draw_colorbar_axis(
    root: &Area<'_>,
    cell: PixelRect,
    range: (f64, f64),
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
    }
    if !ticks.note.is_empty() {
        let at = style.pos(Pos::new(HPos::Left, VPos::Bottom));
        root.draw_text(&ticks.note, &at, (bar.x - 1, bar.y - 1 - m.gap - 2))?;
    }
    Ok(bar)
}
