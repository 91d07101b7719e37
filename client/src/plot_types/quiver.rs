//! The built-in `quiver` plot type: a vector field as arrows.

use plotcast_protocol::Scale;
use plotters::prelude::*;

use crate::colormap::Colormap;
use crate::plot_types::{CustomData, PlotArea, PlotResult, PlotType};

/// Draws parts `u` and `v` (`nx × ny` each, row 0 at the bottom) as arrows
/// at the cell centres, in cell coordinates like a heatmap. Arrows are
/// thinned to about one per [`Arrows::spacing_px`] pixels (always on the
/// same cells, so they do not jump while panning), point in the vector's
/// direction on screen, are as long as the spacing for the largest
/// magnitude shown, and are coloured by magnitude (0 to the largest shown)
/// through the lower 85 % of the channel's colormap.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiver;

impl PlotType for Quiver {
    fn draw(&self, plot: &PlotArea<'_, '_>, data: &CustomData<'_>) -> PlotResult {
        let (nx, ny) = data.grid_size().unwrap_or((0, 0));
        let u = data.grid("u")?;
        let v = data.grid("v")?;
        let arrows = Arrows {
            colormap: Some(data.colormap()),
            ..Arrows::default()
        };
        draw_arrows(plot, &u, &v, nx, ny, &arrows)
    }
}

/// How [`draw_arrows`] draws.
#[derive(Debug, Clone, Copy)]
pub struct Arrows {
    /// Pixels between neighbouring arrows, at least (the grid is thinned).
    pub spacing_px: f64,
    /// Colour by magnitude through this map; `None`: [`Arrows::color`].
    pub colormap: Option<Colormap>,
    /// The colour of every arrow when there is no colormap.
    pub color: RGBColor,
}

impl Default for Arrows {
    fn default() -> Self {
        Self {
            spacing_px: 22.0,
            colormap: None,
            color: BLACK,
        }
    }
}

/// Draws the vector field `(u, v)` on an `nx × ny` grid (row-major, row 0
/// at the bottom) as arrows centred on the cells of the area's data
/// coordinates (cell `(i, j)` spans `x ∈ [i, i+1)`, `y ∈ [j, j+1)`).
/// Only the cells in view are drawn; non-finite vectors are skipped.
///
/// # Errors
/// plotters' drawing errors.
pub fn draw_arrows(
    plot: &PlotArea<'_, '_>,
    u: &[f64],
    v: &[f64],
    nx: usize,
    ny: usize,
    style: &Arrows,
) -> PlotResult {
    if nx == 0 || ny == 0 || u.len() < nx * ny || v.len() < nx * ny {
        return Ok(());
    }
    let view = plot.view();
    let (upx_x, upx_y) = plot.units_per_px();
    if plot.scales() != (Scale::Linear, Scale::Linear) || !(upx_x > 0.0 && upx_y > 0.0) {
        return Err("quiver plots need linear axes".into());
    }
    // Cells per arrow along each axis: at least the spacing apart on screen.
    let stride = |units_per_px: f64| {
        let px_per_cell = 1.0 / units_per_px;
        (style.spacing_px / px_per_cell).ceil().clamp(1.0, 1e6) as usize
    };
    let (sx, sy) = (stride(upx_x), stride(upx_y));
    // Whole strides, so the arrows sit on the same cells whatever the view.
    let cells = |(lo, hi): (f64, f64), n: usize, s: usize| {
        let first = (lo.max(0.0) / s as f64).floor() as usize * s;
        let last = (hi.min(n as f64).max(0.0).ceil() as usize).min(n);
        (first..last).step_by(s)
    };
    let shown: Vec<(usize, usize)> = cells(view.y, ny, sy)
        .flat_map(|j| cells(view.x, nx, sx).map(move |i| (i, j)))
        .collect();
    let magnitude = |k: usize| u[k].hypot(v[k]);
    let max = shown
        .iter()
        .map(|&(i, j)| magnitude(j * nx + i))
        .filter(|m| m.is_finite())
        .fold(0.0f64, f64::max);
    if max <= 0.0 {
        return Ok(());
    }
    // The longest arrow spans the smaller of the two spacings, a bit less.
    let longest_px = 0.9 * (sx as f64 / upx_x).min(sy as f64 / upx_y);
    let area = plot.area();
    for (i, j) in shown {
        let k = j * nx + i;
        let (du, dv, m) = (u[k], v[k], magnitude(k));
        if !m.is_finite() {
            continue;
        }
        let color = match style.colormap {
            Some(map) => {
                // The lower 85 % of the map: the bright end of the usual
                // maps (viridis' yellow) is hard to see on white.
                let [r, g, b] = map.color(0.85 * m / max);
                RGBColor(r, g, b)
            }
            None => style.color,
        };
        // Direction in pixels (x right, y up), then back to data units.
        let scale = longest_px / max;
        let (px, py) = (du * scale, dv * scale);
        let (cx, cy) = (i as f64 + 0.5, j as f64 + 0.5);
        let tail = (cx - px / 2.0 * upx_x, cy - py / 2.0 * upx_y);
        let tip = (cx + px / 2.0 * upx_x, cy + py / 2.0 * upx_y);
        let len_px = px.hypot(py);
        let stroke = color.stroke_width(1);
        area.draw(&PathElement::new(vec![tail, tip], stroke))?;
        if len_px >= 3.0 {
            let head = (len_px * 0.3).clamp(3.0, 10.0);
            let angle = py.atan2(px);
            for side in [-1.0f64, 1.0] {
                let a = angle + std::f64::consts::PI - side * 0.45;
                let end = (
                    tip.0 + head * a.cos() * upx_x,
                    tip.1 + head * a.sin() * upx_y,
                );
                area.draw(&PathElement::new(vec![tip, end], stroke))?;
            }
        } else {
            area.draw(&Circle::new(tip, 1, color.filled()))?;
        }
    }
    Ok(())
}
