//! [`PlotType`] and what it draws with: the channel's data
//! ([`CustomData`]) and a plotters area in data coordinates ([`PlotArea`]).

use std::borrow::Cow;
use std::error::Error;
use std::ops::Range;

use plotcast_protocol::{ChannelSpec, Frame, Scale};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::colormap::Colormap;
use crate::model::AxisView;

/// What a plot type's `draw` returns: any error (plotters' drawing errors,
/// [`DataError`], your own) is shown in the plot's cell.
pub type PlotResult = Result<(), Box<dyn Error + Send + Sync>>;

/// How a custom channel is drawn. Implement it and register it with
/// [`Viewer::plot`](crate::Viewer::plot) under the plot-type name the
/// computation gives the channel.
///
/// `draw` runs on the viewer's drawing thread for every frame drawn, so it
/// should take about as long as drawing the data with plotters takes (no
/// I/O, no sleeping). It must be `Send + Sync` because one instance serves
/// every channel of its plot type.
pub trait PlotType: Send + Sync + 'static {
    /// The data ranges the standard axes show (before the user zooms or
    /// pans), or `None` for a plot without axes. The channel's fixed
    /// ranges (`x_range`, `y_range` options of the computation) take
    /// precedence over it.
    ///
    /// The default: the grid `0..nx` × `0..ny` in cell coordinates (as a
    /// heatmap) when the frame has grid dimensions, else no axes.
    fn extent(&self, data: &CustomData<'_>) -> Option<AxisView> {
        let (nx, ny) = data.grid_size()?;
        Some(AxisView {
            x: (0.0, nx as f64),
            y: (0.0, ny as f64),
        })
    }

    /// Draws the newest data into `plot` (see [`PlotArea`]).
    ///
    /// # Errors
    /// Anything: it is shown in the plot's cell instead of the plot.
    fn draw(&self, plot: &PlotArea<'_, '_>, data: &CustomData<'_>) -> PlotResult;
}

/// A missing or mis-shaped array, as the helpers of [`CustomData`] report
/// it (and the plot's cell shows it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The frame has no array of that name.
    #[error("no array named {name:?} in the frame (it has: {available})")]
    Missing {
        /// The name asked for.
        name: String,
        /// The names the frame has.
        available: String,
    },
    /// The frame has no grid dimensions (`nx` or `ny` is 0).
    #[error("the frame has no grid ({nx}x{ny}); publish it with grid dimensions")]
    NoGrid {
        /// Columns.
        nx: u32,
        /// Rows.
        ny: u32,
    },
    /// The array's length is not that of the grid.
    #[error("array {name:?} has {len} values, the {nx}x{ny} grid needs {cells}")]
    NotAGrid {
        /// The array.
        name: String,
        /// Its length.
        len: usize,
        /// Columns.
        nx: u32,
        /// Rows.
        ny: u32,
        /// `nx × ny`.
        cells: u64,
    },
}

/// The newest data of one custom channel.
#[derive(Debug, Clone, Copy)]
pub struct CustomData<'a> {
    spec: &'a ChannelSpec,
    frame: &'a Frame,
}

impl<'a> CustomData<'a> {
    /// The data of `frame`, a frame of the channel `spec`.
    pub fn new(spec: &'a ChannelSpec, frame: &'a Frame) -> Self {
        Self { spec, frame }
    }

    /// The channel: name, title, axis labels, colormap and the other
    /// options the computation set.
    pub fn spec(&self) -> &'a ChannelSpec {
        self.spec
    }

    /// The received frame itself (sequence number, publish time, arrays
    /// with their element types).
    pub fn frame(&self) -> &'a Frame {
        self.frame
    }

    /// Names of the arrays, in the order they were published.
    pub fn names(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.frame.parts.iter().map(|p| p.name.as_str())
    }

    /// The array called `name` as f64 (borrowed when it arrived as aligned
    /// f64, converted otherwise), or `None`.
    pub fn array(&self, name: &str) -> Option<Cow<'a, [f64]>> {
        self.frame
            .parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.y.to_f64())
    }

    /// The array called `name`, or an empty one.
    pub fn values(&self, name: &str) -> Cow<'a, [f64]> {
        self.array(name).unwrap_or(Cow::Borrowed(&[]))
    }

    /// The array called `name`.
    ///
    /// # Errors
    /// [`DataError::Missing`] naming the arrays the frame has.
    pub fn get(&self, name: &str) -> Result<Cow<'a, [f64]>, DataError> {
        self.array(name).ok_or_else(|| DataError::Missing {
            name: name.to_owned(),
            available: match self.names().collect::<Vec<_>>().join(", ") {
                list if list.is_empty() => "no arrays".to_owned(),
                list => list,
            },
        })
    }

    /// The grid dimensions `(nx, ny)`, when both are above 0.
    pub fn grid_size(&self) -> Option<(usize, usize)> {
        let (nx, ny) = (self.frame.nx as usize, self.frame.ny as usize);
        (nx > 0 && ny > 0).then_some((nx, ny))
    }

    /// The array called `name` as an `nx × ny` grid (row-major, row 0 at
    /// the bottom): checked to have exactly `nx × ny` values.
    ///
    /// # Errors
    /// [`DataError::Missing`], [`DataError::NoGrid`], [`DataError::NotAGrid`].
    pub fn grid(&self, name: &str) -> Result<Cow<'a, [f64]>, DataError> {
        let (nx, ny) = (self.frame.nx, self.frame.ny);
        if nx == 0 || ny == 0 {
            return Err(DataError::NoGrid { nx, ny });
        }
        let values = self.get(name)?;
        let cells = u64::from(nx) * u64::from(ny);
        if values.len() as u64 != cells {
            return Err(DataError::NotAGrid {
                name: name.to_owned(),
                len: values.len(),
                nx,
                ny,
                cells,
            });
        }
        Ok(values)
    }

    /// The colormap the channel asked for (`colormap` option; viridis when
    /// none or unknown).
    pub fn colormap(&self) -> Colormap {
        Colormap::by_name(&self.spec.options.colormap)
    }
}

/// One axis of a [`PlotArea`]: the shown data range mapped onto the
/// plot's pixels exactly as the viewer maps the built-in kinds (so zoom,
/// pan and the axes' ticks agree with what a plot type draws), linear or
/// base-10 logarithmic.
#[derive(Debug, Clone, PartialEq)]
pub struct DataAxis {
    range: (f64, f64),
    /// The range transformed (log10 on a log axis).
    lo: f64,
    hi: f64,
    log: bool,
}

impl DataAxis {
    /// An axis showing `range` on a `scale`.
    pub fn new(range: (f64, f64), scale: Scale) -> Self {
        let log = scale == Scale::Log;
        let t = |v: f64| if log { v.log10() } else { v };
        Self {
            range,
            lo: t(range.0),
            hi: t(range.1),
            log,
        }
    }

    /// Where `value` falls, as a fraction of the range (0 at the low end,
    /// 1 at the high end); `None` for a value the axis cannot show (NaN,
    /// infinities, non-positive on a log axis).
    pub fn fraction(&self, value: f64) -> Option<f64> {
        if !value.is_finite() || (self.log && value <= 0.0) {
            return None;
        }
        let t = if self.log { value.log10() } else { value };
        Some((t - self.lo) / (self.hi - self.lo))
    }
}

/// Pixel coordinates stay within this of the area, so plotters' i32
/// arithmetic never overflows; anything that far out is clipped anyway.
const FAR_PX: f64 = 1e7;

impl Ranged for DataAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        // A value the axis cannot show goes far outside the area.
        let f = self.fraction(*value).unwrap_or(-FAR_PX);
        let px = f64::from(limit.0) + f * f64::from(limit.1 - limit.0);
        px.clamp(-FAR_PX, FAR_PX).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // The viewer draws the ticks; this serves plotters' own meshes.
        RangedCoordf64::from(self.range.0..self.range.1).key_points(hint)
    }

    fn range(&self) -> Range<f64> {
        self.range.0..self.range.1
    }
}

/// The coordinate system of a [`PlotArea`]: data coordinates.
pub type DataCoord = Cartesian2d<DataAxis, DataAxis>;

/// Where a plot type draws: a plotters [`DrawingArea`] over the plot's
/// rectangle in data coordinates, and what it shows.
///
/// With standard axes the coordinates are the shown data ranges (the
/// extent, or the user's zoom and pan): `(x, y)` in data units lands where
/// the axes' ticks say. Without axes ([`PlotType::extent`] returned
/// `None`) they are the unit square: x from 0 (left) to 1 (right), y from
/// 0 (bottom) to 1 (top). Drawing is clipped to the rectangle; it starts
/// with the background (white, and the grid lines of the axes) under it.
///
/// Text: the viewer's embedded font is registered with plotters as
/// `"sans-serif"`; [`text_size`](Self::text_size) is the size of the
/// axes' tick labels.
pub struct PlotArea<'a, 'b> {
    pub(crate) area: &'a DrawingArea<BitMapBackend<'b>, DataCoord>,
    pub(crate) view: AxisView,
    pub(crate) scales: (Scale, Scale),
    pub(crate) size: (u32, u32),
    pub(crate) axes: bool,
    pub(crate) text_size: f64,
}

impl std::fmt::Debug for PlotArea<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlotArea")
            .field("view", &self.view)
            .field("scales", &self.scales)
            .field("size", &self.size)
            .field("axes", &self.axes)
            .finish_non_exhaustive()
    }
}

impl<'b> PlotArea<'_, 'b> {
    /// The plotters drawing area, in data coordinates.
    pub fn area(&self) -> &DrawingArea<BitMapBackend<'b>, DataCoord> {
        self.area
    }

    /// The data ranges shown: x from left to right, y from bottom to top.
    pub fn view(&self) -> AxisView {
        self.view
    }

    /// The axes' scales (the channel's `log_x` / `log_y` options).
    pub fn scales(&self) -> (Scale, Scale) {
        self.scales
    }

    /// Width and height of the area in pixels.
    pub fn size_px(&self) -> (u32, u32) {
        self.size
    }

    /// Data units per pixel along x and y (on a linear axis; for a log axis
    /// the decades per pixel), for sizing marks in pixels.
    pub fn units_per_px(&self) -> (f64, f64) {
        let span = |(lo, hi): (f64, f64), scale: Scale| match scale {
            Scale::Log => hi.log10() - lo.log10(),
            Scale::Linear => hi - lo,
        };
        let (w, h) = self.size;
        (
            span(self.view.x, self.scales.0) / f64::from(w.saturating_sub(1).max(1)),
            span(self.view.y, self.scales.1) / f64::from(h.saturating_sub(1).max(1)),
        )
    }

    /// Whether the standard axes frame the area.
    pub fn has_axes(&self) -> bool {
        self.axes
    }

    /// Pixel size of the axes' tick labels, for text of your own.
    pub fn text_size(&self) -> f64 {
        self.text_size
    }
}
