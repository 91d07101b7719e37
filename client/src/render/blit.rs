//! [`Blit`]: what is painted into the canvas's words after plotters is done
//! with it (heatmaps, colorbars), and the custom plots drawn after those.

use super::canvas::{Paint, Pixel, Pixels};
use super::custom::CustomJob;
use super::heatmap::{heatmap, paint, Grid};
use crate::colormap::{Colormap, ValueScale};
use crate::model::AxisView;
use crate::view::{PixelRect, PlotFailure};

/// Something to paint into the canvas after plotters has finished.
#[derive(Debug)]
pub(crate) enum Blit<'a> {
    /// A heatmap's plotting area.
    Heatmap {
        rect: PixelRect,
        grid: Grid<'a>,
        view: AxisView,
        cmap: Colormap,
        scale: ValueScale,
    },
    /// A colorbar: the map from bottom (low) to top (high).
    Colorbar { rect: PixelRect, cmap: Colormap },
    /// A custom plot (drawn by [`run_jobs`], after the others).
    Custom(Box<CustomJob<'a>>),
}

impl Paint for Blit<'_> {
    /// Paints into a canvas `width` pixels wide.
    fn paint<P: Pixel>(&self, out: &mut [P], width: u32, height: u32) {
        match self {
            Blit::Heatmap {
                rect,
                grid,
                view,
                cmap,
                scale,
            } => heatmap(out, width, height, *rect, grid, view, cmap, scale),
            Blit::Colorbar { rect, cmap } => {
                let h = f64::from(rect.h.max(1));
                paint(out, width, height, *rect, |_, row| {
                    cmap.color(1.0 - (f64::from(row) + 0.5) / h)
                });
            }
            Blit::Custom(_) => {}
        }
    }
}

/// Runs the custom jobs among `blits`; returns the failures.
pub(crate) fn run_jobs(
    blits: &[Blit<'_>],
    out: &mut Pixels<'_>,
    width: u32,
    height: u32,
) -> Vec<(PixelRect, PlotFailure)> {
    blits
        .iter()
        .filter_map(|blit| match blit {
            Blit::Custom(job) => job.run(out, width, height).err().map(|f| (job.rect, f)),
            _ => None,
        })
        .collect()
}
