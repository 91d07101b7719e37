//! Level of detail: what a viewer draws ([`View`]) and what a reduced data
//! frame stands for ([`Lod`]).
//!
//! A remote viewer draws a few hundred pixels per plot. It tells the server,
//! per plot, the pixel size of its plotting area and the data ranges it
//! shows; the server then sends data reduced to what that view can show,
//! whenever that is smaller than the raw value:
//!
//! ```text
//! line, series: per pixel column the first, lowest, highest and last point
//!               (the drawing is the same as drawing every point)
//! scatter:      one point per pixel (and the extremes, for autoscale)
//! heatmap:      at most one cell per pixel of the visible cells, each the
//!               block's most extreme value (or mean, min, max: per channel)
//! ```
//!
//! A reduced data frame says so in its [`Lod`]: for a heatmap, the grid it
//! stands for and the cells it covers; for an append series, that its
//! points replace the viewer's history instead of extending it.

use serde::{Deserialize, Serialize};

/// Viewer → server: how one plot is drawn now. Sent when a plot is first
/// drawn and whenever its size or visible ranges change (resize, zoom,
/// pan); the server keeps the newest per channel and connection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// Channel id.
    pub channel: u32,
    /// Left pixel column of the plotting area (lines are binned by the
    /// same arithmetic the renderer maps with, so the origin matters).
    pub x_px: i32,
    /// Plotting area width in pixels; 0 asks for full data (no reduction).
    pub width_px: u32,
    /// Plotting area height in pixels.
    pub height_px: u32,
    /// The x range drawn, when the viewer chose it (zoom, pan, a fixed
    /// range); `None`: the viewer autoscales to the data.
    pub x_range: Option<(f64, f64)>,
    /// The y range drawn, likewise.
    pub y_range: Option<(f64, f64)>,
    /// The x axis is logarithmic.
    pub x_log: bool,
    /// The y axis is logarithmic.
    pub y_log: bool,
}

impl View {
    /// A view that asks for full data for `channel`.
    pub fn full(channel: u32) -> Self {
        Self {
            channel,
            x_px: 0,
            width_px: 0,
            height_px: 0,
            x_range: None,
            y_range: None,
            x_log: false,
            y_log: false,
        }
    }

    /// True when this view asks for no reduction.
    pub fn is_full(&self) -> bool {
        self.width_px == 0 || self.height_px == 0
    }
}

/// The cells of a heatmap a reduced frame covers: its grid stands for the
/// cells `x0..x1` × `y0..y1` of a `full_nx × full_ny` grid (row 0 first, as
/// always), each of its cells for an equal share of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GridWindow {
    /// Columns of the full grid.
    pub full_nx: u32,
    /// Rows of the full grid.
    pub full_ny: u32,
    /// First column covered.
    pub x0: u32,
    /// One past the last column covered.
    pub x1: u32,
    /// First row covered.
    pub y0: u32,
    /// One past the last row covered.
    pub y1: u32,
}

impl GridWindow {
    /// Whether the window is consistent (non-empty, inside the grid).
    pub fn is_valid(&self) -> bool {
        self.x0 < self.x1 && self.x1 <= self.full_nx && self.y0 < self.y1 && self.y1 <= self.full_ny
    }
}

/// What a reduced data frame stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lod {
    /// Values the frame's arrays stand for in the raw data (over all parts).
    pub source_values: u64,
    /// Heatmaps: the grid and cells the frame covers.
    pub grid: Option<GridWindow>,
    /// Append series: the points replace the viewer's history of each
    /// series sent (instead of extending it).
    pub replace: bool,
    /// Append series: per part, the index after the last raw point the
    /// part covers (the next point the viewer expects).
    pub ends: Vec<u64>,
}
