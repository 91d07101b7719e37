//! The plot type `vortex-flow`: a colour map of the flow's speed, velocity
//! arrows over it, and the vortex centres (red: counter-clockwise, blue:
//! clockwise), in the physical coordinates the computation sends as
//! `bounds`. Shared by the viewer and by the test that compares its
//! picture with a render of the same data.

use plotcast_viewer::plot_types::{CustomData, PlotArea, PlotResult, PlotType};
use plotcast_viewer::plotters::prelude::*;
use plotcast_viewer::AxisView;

/// Draws a `vortex-flow` channel: arrays `u`, `v` (`nx × ny`, row 0 at the
/// bottom), `vortex_x`, `vortex_y`, `gamma`, and `bounds` (x0, x1, y0, y1).
pub struct VortexFlow;

/// The domain the data covers: `bounds` if the frame has it, else the grid.
fn bounds(data: &CustomData<'_>) -> Option<[f64; 4]> {
    match data.array("bounds").as_deref() {
        Some(&[x0, x1, y0, y1]) => Some([x0, x1, y0, y1]),
        _ => {
            let (nx, ny) = data.grid_size()?;
            Some([0.0, nx as f64, 0.0, ny as f64])
        }
    }
}

impl PlotType for VortexFlow {
    /// The axes show the physical domain.
    fn extent(&self, data: &CustomData<'_>) -> Option<AxisView> {
        let [x0, x1, y0, y1] = bounds(data)?;
        Some(AxisView {
            x: (x0, x1),
            y: (y0, y1),
        })
    }

    fn draw(&self, plot: &PlotArea<'_, '_>, data: &CustomData<'_>) -> PlotResult {
        let (u, v) = (data.grid("u")?, data.grid("v")?);
        let (nx, ny) = data.grid_size().ok_or("the flow has no grid")?;
        let [x0, x1, y0, y1] = bounds(data).ok_or("the flow has no bounds")?;
        let (dx, dy) = ((x1 - x0) / nx as f64, (y1 - y0) / ny as f64);
        let speed: Vec<f64> = u.iter().zip(v.iter()).map(|(a, b)| a.hypot(*b)).collect();
        let max = speed.iter().copied().fold(0.0, f64::max).max(1e-12);
        let area = plot.area();

        // 1. The speed, one rectangle per cell, through the channel's
        //    colormap (the computation asked for magma).
        let colormap = data.colormap();
        for j in 0..ny {
            for i in 0..nx {
                let [r, g, b] = colormap.color(speed[j * nx + i] / max);
                let (cx, cy) = (x0 + i as f64 * dx, y0 + j as f64 * dy);
                area.draw(&Rectangle::new(
                    [(cx, cy), (cx + dx, cy + dy)],
                    RGBColor(r, g, b).filled(),
                ))?;
            }
        }

        // 2. Arrows on every fourth cell, as long as the spacing for the
        //    fastest flow, in pixels so they keep their direction on screen.
        let (upx_x, upx_y) = plot.units_per_px();
        let spacing_px = (4.0 * dx / upx_x).min(4.0 * dy / upx_y);
        let arrow = WHITE.mix(0.85).stroke_width(1);
        for j in (2..ny).step_by(4) {
            for i in (2..nx).step_by(4) {
                let k = j * nx + i;
                let len = 0.9 * spacing_px * speed[k] / max;
                if len < 2.0 {
                    continue;
                }
                let (ex, ey) = (u[k] / speed[k], v[k] / speed[k]);
                let (cx, cy) = (x0 + (i as f64 + 0.5) * dx, y0 + (j as f64 + 0.5) * dy);
                let tip = (cx + ex * len * upx_x, cy + ey * len * upx_y);
                area.draw(&PathElement::new(vec![(cx, cy), tip], arrow))?;
                let head = (0.3 * len).min(7.0);
                for side in [-0.5f64, 0.5] {
                    let a = ey.atan2(ex) + std::f64::consts::PI + side;
                    let end = (
                        tip.0 + head * a.cos() * upx_x,
                        tip.1 + head * a.sin() * upx_y,
                    );
                    area.draw(&PathElement::new(vec![tip, end], arrow))?;
                }
            }
        }

        // 3. The vortex centres, a fixed size in pixels whatever the zoom.
        let (xs, ys, gamma) = (
            data.values("vortex_x"),
            data.values("vortex_y"),
            data.values("gamma"),
        );
        for ((&x, &y), &g) in xs.iter().zip(ys.iter()).zip(gamma.iter()) {
            let color = if g > 0.0 {
                RGBColor(230, 40, 40)
            } else {
                RGBColor(40, 110, 240)
            };
            area.draw(&Circle::new((x, y), 6, color.filled()))?;
            area.draw(&Circle::new((x, y), 6, WHITE.stroke_width(2)))?;
        }

        // 4. A caption in the corner, with the viewer's font.
        let caption = format!("max speed {max:.2} m/s");
        let style = ("sans-serif", plot.text_size()).into_font().color(&WHITE);
        let view = plot.view();
        let at = (view.x.0 + 8.0 * upx_x, view.y.1 - 6.0 * upx_y);
        area.draw(&Text::new(caption, at, style))?;
        Ok(())
    }
}
