//! What a render produced: where each plot sits and which data ranges it
//! shows, with the pixel ↔ data mapping the window uses for zoom and pan.
//! Small value types: the renderer writes them, the view and the window
//! read them.

use plotcast_protocol::{ChannelKind, Scale, View};

use crate::model::{valid, AxisView};

/// A rectangle in pixels (origin top left, `x, y` inclusive, `w × h` pixels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PixelRect {
    /// Left column.
    pub x: i32,
    /// Top row.
    pub y: i32,
    /// Width in pixels.
    pub w: u32,
    /// Height in pixels.
    pub h: u32,
}

impl PixelRect {
    /// True when the pixel position lies inside.
    pub fn contains(&self, px: f64, py: f64) -> bool {
        px >= f64::from(self.x)
            && py >= f64::from(self.y)
            && px < f64::from(self.x) + f64::from(self.w)
            && py < f64::from(self.y) + f64::from(self.h)
    }

    /// Right column (inclusive).
    pub fn right(&self) -> i32 {
        self.x + self.w as i32 - 1
    }

    /// Bottom row (inclusive).
    pub fn bottom(&self) -> i32 {
        self.y + self.h as i32 - 1
    }
}

/// One axis: a data range drawn over a span of pixels, linear or base-10 log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AxisMap {
    /// Transformed (log10 for log axes) low end.
    lo: f64,
    /// Transformed high end.
    hi: f64,
    log: bool,
}

impl AxisMap {
    pub(crate) fn new(range: (f64, f64), scale: Scale) -> Self {
        let log = scale == Scale::Log;
        let t = |v: f64| if log { v.log10() } else { v };
        Self {
            lo: t(range.0),
            hi: t(range.1),
            log,
        }
    }

    /// Transformed value; `None` where the axis cannot show it.
    #[inline]
    pub(crate) fn forward(&self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        if self.log {
            (v > 0.0).then(|| v.log10())
        } else {
            Some(v)
        }
    }

    #[inline]
    fn back(&self, t: f64) -> f64 {
        if self.log {
            10f64.powf(t)
        } else {
            t
        }
    }

    fn at_frac(&self, f: f64) -> f64 {
        self.back(self.lo + f * (self.hi - self.lo))
    }

    /// The range zoomed by `factor` (> 1 zooms in) around fraction `f`.
    fn zoomed(&self, factor: f64, f: f64) -> (f64, f64) {
        let c = self.lo + f * (self.hi - self.lo);
        let lo = c - (c - self.lo) / factor;
        let hi = c + (self.hi - c) / factor;
        (self.back(lo), self.back(hi))
    }

    /// The range shifted by fraction `f` of its span.
    fn shifted(&self, f: f64) -> (f64, f64) {
        let d = f * (self.hi - self.lo);
        (self.back(self.lo + d), self.back(self.hi + d))
    }
}

/// Pixel mapping of one plot: data → pixel (f64, not rounded), following
/// plotters' convention (low end at the first pixel, high end at the last).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mapping {
    pub(crate) rect: PixelRect,
    x: AxisMap,
    y: AxisMap,
    // px = x_origin + (t(x) - x.lo) * x_gain; py likewise (negative gain).
    x_origin: f64,
    x_gain: f64,
    y_origin: f64,
    y_gain: f64,
}

/// Pixel coordinates are kept within this distance of the origin: far
/// enough off screen that clipping is exact for anything visible, near
/// enough for fast integer rounding.
const FAR: f64 = 1e15;

impl Mapping {
    pub(crate) fn new(rect: PixelRect, x: AxisMap, y: AxisMap) -> Self {
        Self {
            rect,
            x,
            y,
            x_origin: f64::from(rect.x),
            x_gain: f64::from(rect.w.saturating_sub(1)) / (x.hi - x.lo),
            y_origin: f64::from(rect.bottom()),
            y_gain: -f64::from(rect.h.saturating_sub(1)) / (y.hi - y.lo),
        }
    }

    /// Pixel column (not rounded) of an x value the axis can show.
    #[inline]
    pub(crate) fn x_pixel(self, x: f64) -> Option<f64> {
        let tx = self.x.forward(x)?;
        let px = self.x_origin + (tx - self.x.lo) * self.x_gain;
        (!px.is_nan()).then(|| px.clamp(-FAR, FAR))
    }

    /// Pixel position of a data point; `None` for values the axes cannot
    /// show (NaN, infinities, non-positive on a log axis). Coordinates are
    /// clamped to ±1e15 pixels, which keeps every visible segment exact
    /// unless one end lies that far off screen on both axes.
    #[inline]
    pub(crate) fn pixel(self, x: f64, y: f64) -> Option<(f64, f64)> {
        let tx = self.x.forward(x)?;
        let ty = self.y.forward(y)?;
        let px = self.x_origin + (tx - self.x.lo) * self.x_gain;
        let py = self.y_origin + (ty - self.y.lo) * self.y_gain;
        if px.is_nan() || py.is_nan() {
            return None;
        }
        Some((px.clamp(-FAR, FAR), py.clamp(-FAR, FAR)))
    }
}

/// One plot of the figure as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotInfo {
    /// Channel id.
    pub channel: u32,
    /// Kind of the channel.
    pub kind: ChannelKind,
    /// The plotting area (inside the axes) in pixels.
    pub rect: PixelRect,
    /// Data ranges drawn: x from left to right, y from bottom to top
    /// (heatmaps: cell coordinates, column 0 left, row 0 bottom).
    pub view: AxisView,
    /// X axis scale.
    pub x_scale: Scale,
    /// Y axis scale.
    pub y_scale: Scale,
    /// False while the channel has no data yet.
    pub has_data: bool,
    /// Where the legend's entries were drawn (empty without a legend).
    pub legend: Vec<LegendHit>,
    /// The x range follows the data (no zoom, no fixed range).
    pub x_auto: bool,
    /// The y range follows the data.
    pub y_auto: bool,
}

impl PlotInfo {
    fn map_of(&self, view: &AxisView) -> Mapping {
        Mapping::new(
            self.rect,
            AxisMap::new(view.x, self.x_scale),
            AxisMap::new(view.y, self.y_scale),
        )
    }

    fn fracs(&self, px: f64, py: f64) -> (f64, f64) {
        let w = f64::from(self.rect.w.saturating_sub(1).max(1));
        let h = f64::from(self.rect.h.saturating_sub(1).max(1));
        (
            (px - f64::from(self.rect.x)) / w,
            (f64::from(self.rect.bottom()) - py) / h,
        )
    }

    /// Data coordinates under a pixel.
    pub fn to_data(&self, px: f64, py: f64) -> (f64, f64) {
        let m = self.map_of(&self.view);
        let (fx, fy) = self.fracs(px, py);
        (m.x.at_frac(fx), m.y.at_frac(fy))
    }

    /// Pixel position of a data point (`None` if the axes cannot show it).
    pub fn to_pixel(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        self.map_of(&self.view).pixel(x, y)
    }

    /// `from` zoomed by `factor` (> 1 zooms in, < 1 out) keeping the data
    /// point under pixel `(px, py)` in place. Returns `from` unchanged when
    /// the result would be degenerate.
    pub fn zoomed(&self, from: &AxisView, factor: f64, px: f64, py: f64) -> AxisView {
        if !(factor.is_finite() && factor > 0.0) {
            return *from;
        }
        let m = self.map_of(from);
        let (fx, fy) = self.fracs(px, py);
        let next = AxisView {
            x: m.x.zoomed(factor, fx.clamp(0.0, 1.0)),
            y: m.y.zoomed(factor, fy.clamp(0.0, 1.0)),
        };
        if usable(&next, self.x_scale, self.y_scale) {
            next
        } else {
            *from
        }
    }

    /// `from` moved so the content follows a drag of `(dx, dy)` pixels
    /// (right and down positive).
    pub fn panned(&self, from: &AxisView, dx_px: f64, dy_px: f64) -> AxisView {
        let m = self.map_of(from);
        let w = f64::from(self.rect.w.saturating_sub(1).max(1));
        let h = f64::from(self.rect.h.saturating_sub(1).max(1));
        let next = AxisView {
            x: m.x.shifted(-dx_px / w),
            y: m.y.shifted(dy_px / h),
        };
        if usable(&next, self.x_scale, self.y_scale) {
            next
        } else {
            *from
        }
    }
}

/// True when a view can be drawn (see [`valid`](crate::model::valid)):
/// finite, increasing, neither vanishing nor overflowing, positive on log
/// axes.
pub(crate) fn usable(view: &AxisView, xs: Scale, ys: Scale) -> bool {
    let ordered = |(lo, hi): (f64, f64)| lo < hi;
    ordered(view.x) && ordered(view.y) && valid(view.x, xs).is_some() && valid(view.y, ys).is_some()
}

/// Everything the window needs to know about a rendered frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenderInfo {
    /// Canvas width.
    pub width: u32,
    /// Canvas height.
    pub height: u32,
    /// Every plot drawn, in layout order.
    pub plots: Vec<PlotInfo>,
    /// Which plots were shown when they do not all fit.
    pub pages: PageInfo,
    /// What the overlay showed (readout, cursors, each plot's view), one
    /// line each, for scripts (`--ready-file`) and tests.
    pub notes: Vec<String>,
    /// Custom plots whose plot type failed (an error or a panic), shown in
    /// their cells instead of the plot.
    pub failures: Vec<PlotFailure>,
}

impl RenderInfo {
    /// The plot whose plotting area contains the pixel.
    pub fn channel_at(&self, px: f64, py: f64) -> Option<&PlotInfo> {
        self.plots.iter().find(|p| p.rect.contains(px, py))
    }

    /// What each plot shows, as the server's level of detail wants it
    /// ([`View`]): the plotting area in pixels and the ranges the user or
    /// the channel fixed (autoscaled axes say `None`: the server then
    /// reduces over the data's own extent, as the renderer scales).
    pub fn views(&self) -> Vec<View> {
        self.plots
            .iter()
            .map(|p| View {
                channel: p.channel,
                x_px: p.rect.x,
                width_px: p.rect.w,
                height_px: p.rect.h,
                x_range: (!p.x_auto).then_some(p.view.x),
                y_range: (!p.y_auto).then_some(p.view.y),
                x_log: p.x_scale == Scale::Log,
                y_log: p.y_scale == Scale::Log,
            })
            .collect()
    }

    /// The plot of a channel.
    pub fn plot(&self, channel: u32) -> Option<&PlotInfo> {
        self.plots.iter().find(|p| p.channel == channel)
    }
}

/// Where a legend entry was drawn, to find it again under a click.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendHit {
    /// The entry's row (swatch and text) in window pixels.
    pub rect: PixelRect,
    /// The trace's legend label.
    pub label: String,
}

/// Which plots a frame shows when they do not all fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageInfo {
    /// Page shown, from 0.
    pub page: usize,
    /// Pages in all (1 when everything fits).
    pub pages: usize,
    /// Channels in the layout.
    pub total: usize,
    /// Channels drawn.
    pub drawn: usize,
    /// Layout position of the first channel of the page.
    pub first: usize,
    /// Channels placed on the page.
    pub on_page: usize,
    /// One plot fills the window.
    pub focus: bool,
}

impl PageInfo {
    /// Channels not shown.
    pub fn hidden(&self) -> usize {
        self.total.saturating_sub(self.drawn)
    }

    /// The notice for the strip above the plots; `None` when every plot
    /// is shown.
    pub fn notice(&self) -> Option<String> {
        let hidden = self.hidden();
        if self.focus {
            return Some(format!(
                "1 of {} plots, full window ({hidden} not shown) · Enter or Esc: all plots",
                self.total
            ));
        }
        if self.pages > 1 {
            return Some(format!(
                "page {} of {}: plots {}–{} of {} ({hidden} not shown) · n/p: other pages (headless: --page N) · Enter: one plot full window",
                self.page + 1,
                self.pages,
                self.first + 1,
                self.first + self.on_page,
                self.total
            ));
        }
        (hidden > 0).then(|| {
            format!(
                "{hidden} of {} plots too small to draw: enlarge the window, or Enter on a plot to show it alone",
                self.total
            )
        })
    }
}

/// A plot type that could not draw its channel, as the render reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotFailure {
    /// The channel.
    pub channel: u32,
    /// The plot type that failed.
    pub plot_type: String,
    /// What went wrong: the error it returned, or `panicked: ...`.
    pub message: String,
}

/// A line plot at (100, 50), 401 × 201 pixels, for tests.
#[cfg(test)]
pub(crate) fn test_plot(xs: Scale, ys: Scale, view: AxisView) -> PlotInfo {
    PlotInfo {
        channel: 3,
        kind: ChannelKind::Line,
        rect: PixelRect {
            x: 100,
            y: 50,
            w: 401,
            h: 201,
        },
        view,
        x_scale: xs,
        y_scale: ys,
        has_data: true,
        legend: Vec::new(),
        x_auto: true,
        y_auto: true,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::view::drawn::test_plot as plot;

    fn near(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 * (1.0 + b.0.abs()) && (a.1 - b.1).abs() < 1e-9 * (1.0 + b.1.abs())
    }

    #[test]
    fn pixel_data_round_trip() {
        let p = plot(
            Scale::Linear,
            Scale::Log,
            AxisView {
                x: (0.0, 10.0),
                y: (1.0, 1000.0),
            },
        );
        let (px, py) = p.to_pixel(5.0, 10.0).unwrap();
        assert!((px - 300.0).abs() < 1e-9);
        assert!((py - (250.0 - 200.0 / 3.0)).abs() < 1e-9);
        let (x, y) = p.to_data(px, py);
        assert!(near((x, y), (5.0, 10.0)));
    }

    #[test]
    fn zoom_then_unzoom_round_trips() {
        for ys in [Scale::Linear, Scale::Log] {
            let view = AxisView {
                x: (-3.0, 7.0),
                y: (0.5, 50.0),
            };
            let p = plot(Scale::Linear, ys, view);
            let (px, py) = (180.0, 90.0);
            let before = p.to_data(px, py);
            let zoomed = p.zoomed(&view, 2.0, px, py);
            assert!(zoomed.x.1 - zoomed.x.0 < view.x.1 - view.x.0);
            // The point under the mouse stays under the mouse.
            let after = plot(Scale::Linear, ys, zoomed).to_data(px, py);
            assert!(near(before, after), "{before:?} vs {after:?}");
            let back = p.zoomed(&zoomed, 0.5, px, py);
            assert!(near(back.x, view.x) && near(back.y, view.y), "{back:?}");
        }
    }

    #[test]
    fn pan_round_trips_and_follows_the_mouse() {
        let view = AxisView {
            x: (0.0, 400.0),
            y: (0.0, 200.0),
        };
        let p = plot(Scale::Linear, Scale::Linear, view);
        let moved = p.panned(&view, 40.0, -20.0);
        // The content follows the mouse: dragging right brings smaller x
        // into view, dragging up brings smaller y into view.
        assert!(near(moved.x, (-40.0, 360.0)), "{moved:?}");
        assert!(near(moved.y, (-20.0, 180.0)), "{moved:?}");
        let back = p.panned(&moved, -40.0, 20.0);
        assert!(near(back.x, view.x) && near(back.y, view.y));
    }
}
