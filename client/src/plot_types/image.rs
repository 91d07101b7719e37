//! The built-in `image` plot type: an RGB image.

use plotters::prelude::*;

use crate::plot_types::{CustomData, DataError, PlotArea, PlotResult, PlotType};

/// Draws part `rgb` (`3 × nx × ny` values in 0..=1, row 0 at the bottom) as
/// an image filling the grid `0..nx` × `0..ny` of the area's data
/// coordinates, nearest neighbour (each image pixel a crisp block when
/// zoomed in). Values outside 0..=1 are clamped, NaN is drawn black.
#[derive(Debug, Clone, Copy, Default)]
pub struct Image;

impl PlotType for Image {
    fn draw(&self, plot: &PlotArea<'_, '_>, data: &CustomData<'_>) -> PlotResult {
        let Some((nx, ny)) = data.grid_size() else {
            return Err(DataError::NoGrid {
                nx: data.frame().nx,
                ny: data.frame().ny,
            }
            .into());
        };
        let rgb = data.get("rgb")?;
        let cells = nx as u64 * ny as u64;
        if rgb.len() as u64 != 3 * cells {
            return Err(format!(
                "array \"rgb\" has {} values, a {nx}x{ny} RGB image needs {}",
                rgb.len(),
                3 * cells
            )
            .into());
        }
        let view = plot.view();
        let (w, h) = plot.size_px();
        let (upx_x, upx_y) = plot.units_per_px();
        // Pixel coordinates within the area; data x at column c is
        // x0 + c * units_per_px (the axes map the range onto 0..=w-1).
        let pixels = plot.area().strip_coord_spec();
        let level = |v: f64| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        let column_cells: Vec<Option<usize>> = (0..w)
            .map(|c| cell(view.x.0 + f64::from(c) * upx_x, nx))
            .collect();
        for r in 0..h {
            // Row 0 of the area is its top: the highest y.
            let y = view.y.1 - f64::from(r) * upx_y;
            let Some(j) = cell(y, ny) else { continue };
            for (c, i) in column_cells.iter().enumerate() {
                let Some(i) = *i else { continue };
                let k = 3 * (j * nx + i);
                let color = RGBColor(level(rgb[k]), level(rgb[k + 1]), level(rgb[k + 2]));
                pixels.draw_pixel((c as i32, r as i32), &color)?;
            }
        }
        Ok(())
    }
}

/// The cell holding coordinate `v` on an axis of `n` cells.
fn cell(v: f64, n: usize) -> Option<usize> {
    (v >= 0.0 && v < n as f64).then(|| (v.floor() as usize).min(n - 1))
}
