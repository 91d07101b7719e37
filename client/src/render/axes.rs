//! One plot's frame drawn with plotters: title, axis labels, ticks, grid and
//! a box around the plotting area. Data is drawn afterwards, in pixel space,
//! inside the rectangle this returns.

use plotcast_protocol::{ChannelSpec, Scale};
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::font::{text, TextSizes};
use super::{DrawError, INK};
use crate::model::AxisView;
use crate::view::drawn::PixelRect;

/// The drawing area type of the renderer.
pub(crate) type Area<'b> = DrawingArea<BitMapBackend<'b>, Shift>;

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
    /// Grid lines at the major ticks (off for heatmaps).
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

/// A tick label: as few decimals as the tick spacing needs, scientific
/// notation for very large or very small magnitudes.
pub(crate) fn tick_label(v: f64, lo: f64, hi: f64, ticks: usize, scale: Scale) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".to_string();
    }
    let mag = lo.abs().max(hi.abs());
    if scale == Scale::Log {
        let a = v.abs();
        return if (1e-3..1e5).contains(&a) {
            trim(format!("{v:.3}"))
        } else {
            format!("{v:.0e}")
        };
    }
    let step = nice_step(lo, hi, ticks).max(f64::MIN_POSITIVE);
    if !(1e-3..1e5).contains(&mag) {
        let digits = (mag.log10().floor() - step.log10().floor()).clamp(0.0, 6.0) as usize;
        let s = format!("{v:.digits$e}");
        return match s.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim(mantissa.to_string())),
            None => s,
        };
    }
    let decimals = (-step.log10() - 1e-9).ceil().clamp(0.0, 8.0) as usize;
    let s = format!("{v:.decimals$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        "0".to_string()
    } else {
        s
    }
}

/// The spacing plotters 0.3 picks for at most `max_points` ticks on a
/// linear axis (a 1, 2 or 5 times a power of ten), so labels get exactly the
/// decimals their spacing needs.
fn nice_step(lo: f64, hi: f64, max_points: usize) -> f64 {
    let span = (hi - lo).abs();
    if !(span.is_finite() && span > 0.0) || max_points == 0 {
        return 1.0;
    }
    let mut scale = 10f64.powf(span.log10().floor());
    if 1 + (span / scale).floor() as usize > max_points {
        scale *= 10.0;
    }
    for _ in 0..40 {
        let old = scale;
        for next in [2.0, 5.0, 10.0] {
            let step = old / next;
            let left = (lo / step).ceil() * step;
            let right = (hi / step).floor() * step;
            if (1.0 + (right - left) / step).round() as usize > max_points {
                return scale;
            }
            scale = step;
        }
    }
    scale
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Number of tick labels that fit along `pixels`.
fn tick_count(pixels: f64, per_label: f64) -> usize {
    ((pixels / per_label).floor() as usize).clamp(2, 10)
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
    let area = root.clone().shrink((cell.x, cell.y), (cell.w, cell.h));
    let tick_style = text(sizes.tick, INK);
    let est_ticks_y = tick_count(f64::from(cell.h) * 0.7, sizes.tick * 2.6);
    let est_ticks_x = tick_count(f64::from(cell.w) * 0.75, sizes.tick * 6.5);
    let widest = [
        spec.y.0,
        spec.y.1,
        (spec.y.0 + spec.y.1) / 2.0,
        -spec.y.1.abs(),
    ]
    .iter()
    .map(|&v| tick_label(v, spec.y.0, spec.y.1, est_ticks_y, spec.y_scale))
    .map(|s| {
        area.estimate_text_size(&s, &tick_style)
            .map(|(w, _)| w)
            .unwrap_or(0)
    })
    .max()
    .unwrap_or(0);
    let desc_room = |label: &str| {
        if label.is_empty() {
            0.0
        } else {
            sizes.desc * 1.5
        }
    };
    let y_area = f64::from(widest) + 12.0 + desc_room(spec.y_label);
    let x_area = sizes.tick * 1.4 + 6.0 + desc_room(spec.x_label) * 0.8;
    let pad = (8.0 * sizes.scale).round() as u32;

    let mut builder = ChartBuilder::on(&area);
    builder
        .margin_top(pad / 2)
        .margin_right(pad + sizes.tick as u32 / 2)
        .margin_left(pad / 2)
        .margin_bottom(pad / 2)
        .x_label_area_size(x_area as u32)
        .y_label_area_size(y_area as u32);
    if !spec.title.is_empty() {
        builder.caption(spec.title, text(sizes.caption, INK));
    }
    let (x, y) = (spec.x, spec.y);
    let rect = match (spec.x_scale, spec.y_scale) {
        (Scale::Linear, Scale::Linear) => finish(
            builder.build_cartesian_2d(x.0..x.1, y.0..y.1)?,
            spec,
            sizes,
            est_ticks_x,
            est_ticks_y,
        )?,
        (Scale::Log, Scale::Linear) => finish(
            builder.build_cartesian_2d((x.0..x.1).log_scale(), y.0..y.1)?,
            spec,
            sizes,
            est_ticks_x,
            est_ticks_y,
        )?,
        (Scale::Linear, Scale::Log) => finish(
            builder.build_cartesian_2d(x.0..x.1, (y.0..y.1).log_scale())?,
            spec,
            sizes,
            est_ticks_x,
            est_ticks_y,
        )?,
        (Scale::Log, Scale::Log) => finish(
            builder.build_cartesian_2d((x.0..x.1).log_scale(), (y.0..y.1).log_scale())?,
            spec,
            sizes,
            est_ticks_x,
            est_ticks_y,
        )?,
    };
    Ok(rect)
}

fn finish<X, Y>(
    mut chart: ChartContext<'_, BitMapBackend<'_>, Cartesian2d<X, Y>>,
    spec: &AxesSpec<'_>,
    sizes: &TextSizes,
    ticks_x: usize,
    ticks_y: usize,
) -> Result<PixelRect, DrawError>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let (pixel_x, pixel_y) = chart.plotting_area().get_pixel_range();
    let rect = PixelRect {
        x: pixel_x.start,
        y: pixel_y.start,
        w: (pixel_x.end - pixel_x.start).max(0) as u32,
        h: (pixel_y.end - pixel_y.start).max(0) as u32,
    };
    let fx = |v: &f64| tick_label(*v, spec.x.0, spec.x.1, ticks_x, spec.x_scale);
    let fy = |v: &f64| tick_label(*v, spec.y.0, spec.y.1, ticks_y, spec.y_scale);
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(ticks_x)
        .y_labels(ticks_y)
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .label_style(text(sizes.tick, INK))
        .axis_desc_style(text(sizes.desc, INK))
        .axis_style(INK)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .set_all_tick_mark_size(4);
    if !spec.x_label.is_empty() {
        mesh.x_desc(spec.x_label);
    }
    if !spec.y_label.is_empty() {
        mesh.y_desc(spec.y_label);
    }
    if !spec.grid {
        mesh.disable_mesh();
    }
    mesh.draw()?;
    Ok(rect)
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

/// The axis of a colorbar in `cell`: value ticks on the right; returns the
/// bar's rectangle.
pub(crate) fn draw_colorbar_axis(
    root: &Area<'_>,
    cell: PixelRect,
    range: (f64, f64),
    sizes: &TextSizes,
) -> Result<PixelRect, DrawError> {
    let area = root.clone().shrink((cell.x, cell.y), (cell.w, cell.h));
    let bar_w = (16.0 * sizes.scale).round().max(6.0) as u32;
    let ticks = tick_count(f64::from(cell.h), sizes.tick * 2.6);
    let fmt = |v: &f64| tick_label(*v, range.0, range.1, ticks, Scale::Linear);
    let mut chart = ChartBuilder::on(&area)
        .margin_right(0)
        .right_y_label_area_size(cell.w.saturating_sub(bar_w))
        .build_cartesian_2d(RangedCoordf64::from(0.0..1.0), range.0..range.1)?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(ticks)
        .y_label_formatter(&fmt)
        .label_style(text(sizes.tick, INK))
        .axis_style(INK)
        .set_all_tick_mark_size(4)
        .draw()?;
    Ok(PixelRect {
        x: px.start,
        y: py.start,
        w: (px.end - px.start).max(0) as u32,
        h: (py.end - py.start).max(0) as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_read_well() {
        assert_eq!(tick_label(0.5, 0.0, 1.0, 5, Scale::Linear), "0.5");
        assert_eq!(tick_label(1.0, 0.0, 1.0, 5, Scale::Linear), "1.0");
        assert_eq!(tick_label(2.0, -3.0, 3.0, 8, Scale::Linear), "2");
        assert_eq!(nice_step(-3.0, 3.0, 8), 1.0);
        assert_eq!(nice_step(0.0, 1.0, 5), 0.5);
        assert_eq!(nice_step(0.0, 100.0, 6), 20.0);
        assert_eq!(tick_label(20.0, 0.0, 100.0, 5, Scale::Linear), "20");
        assert_eq!(tick_label(1.0e-17, -1.0, 1.0, 5, Scale::Linear), "0");
        assert_eq!(tick_label(2.0e6, 0.0, 1.0e7, 5, Scale::Linear), "2e6");
        assert_eq!(tick_label(100.0, 1.0, 1e4, 5, Scale::Log), "100");
        assert_eq!(tick_label(1e-5, 1e-6, 1.0, 5, Scale::Log), "1e-5");
    }
}
