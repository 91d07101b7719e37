//! Zoom and pan: a wheel notch or a drag on a drawn plot becomes that
//! plot's manual view.
//!
//! Time series are read along x: the wheel zooms the x axis of line and
//! series plots and their y range keeps following the data in view
//! ([`ViewState::y_follows`]), as PlotJuggler and Rerun do; a modifier
//! zooms y or both. Heatmaps and scatter plots zoom both axes.

use plotcast_protocol::ChannelKind;

use super::drawn::RenderInfo;
use super::ViewState;

/// Which axes a zoom changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoomAxes {
    /// The axes the plot's kind zooms by default: x for lines and series,
    /// both for heatmaps and scatter plots.
    Default,
    /// Only y.
    Y,
    /// Both.
    Both,
}

impl RenderInfo {
    /// Mouse-wheel zoom of both axes (see [`zoom_axes`](Self::zoom_axes)).
    pub fn zoom(&self, view: &mut ViewState, px: f64, py: f64, factor: f64) -> Option<u32> {
        self.zoom_axes(view, px, py, factor, ZoomAxes::Both)
    }

    /// Mouse-wheel zoom: zooms `axes` of the plot under `(px, py)` by
    /// `factor` (> 1 in) around that point, starting from its current
    /// manual view or the drawn ranges, and stores the result in `view`.
    /// Returns the channel.
    pub fn zoom_axes(
        &self,
        view: &mut ViewState,
        px: f64,
        py: f64,
        factor: f64,
        axes: ZoomAxes,
    ) -> Option<u32> {
        let plot = self.channel_at(px, py)?;
        let channel = plot.channel;
        let from = current(view, channel, plot);
        let zoomed = plot.zoomed(&from, factor, px, py);
        let along_x = matches!(plot.kind, ChannelKind::Line | ChannelKind::Series);
        let next = match axes {
            ZoomAxes::Default if along_x => {
                view.y_follows.insert(channel);
                crate::model::AxisView {
                    x: zoomed.x,
                    y: from.y,
                }
            }
            ZoomAxes::Y => {
                view.y_follows.remove(&channel);
                crate::model::AxisView {
                    x: from.x,
                    y: zoomed.y,
                }
            }
            ZoomAxes::Default | ZoomAxes::Both => {
                view.y_follows.remove(&channel);
                zoomed
            }
        };
        view.manual.insert(channel, next);
        Some(channel)
    }

    /// Drag pan: moves `channel`'s view by `(dx, dy)` pixels (as the mouse
    /// moved since the last call) and stores it in `view`; only along x
    /// while its y range follows the data.
    pub fn pan(&self, view: &mut ViewState, channel: u32, dx_px: f64, dy_px: f64) -> Option<u32> {
        let plot = self.plot(channel)?;
        let from = current(view, channel, plot);
        let dy_px = if view.y_follows.contains(&channel) {
            0.0
        } else {
            dy_px
        };
        view.manual
            .insert(channel, plot.panned(&from, dx_px, dy_px));
        Some(channel)
    }
}

/// Where a zoom or pan of `plot` starts: its manual view, with the drawn
/// y range while y follows the data (the manual one is stale then).
fn current(
    view: &ViewState,
    channel: u32,
    plot: &super::drawn::PlotInfo,
) -> crate::model::AxisView {
    let mut from = view.manual.get(&channel).copied().unwrap_or(plot.view);
    if view.y_follows.contains(&channel) {
        from.y = plot.view.y;
    }
    from
}

#[cfg(test)]
mod tests {
    use plotcast_protocol::Scale;

    use super::*;
    use crate::model::AxisView;
    use crate::view::drawn::test_plot;

    fn near(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 * (1.0 + b.0.abs()) && (a.1 - b.1).abs() < 1e-9 * (1.0 + b.1.abs())
    }

    #[test]
    fn render_info_helpers_write_the_view_state() {
        let view = AxisView {
            x: (0.0, 1.0),
            y: (0.0, 1.0),
        };
        let plot = test_plot(Scale::Linear, Scale::Linear, view);
        let info = RenderInfo {
            width: 640,
            height: 480,
            plots: vec![plot],
            ..RenderInfo::default()
        };
        let mut state = ViewState::default();
        assert_eq!(info.zoom(&mut state, 10.0, 10.0, 2.0), None);
        assert_eq!(info.zoom(&mut state, 300.0, 150.0, 2.0), Some(3));
        let zoomed = state.manual[&3];
        assert!((zoomed.x.1 - zoomed.x.0 - 0.5).abs() < 1e-9);
        assert_eq!(info.pan(&mut state, 3, 0.0, 0.0), Some(3));
        assert!(near(state.manual[&3].x, zoomed.x));
        // Degenerate requests leave the view alone.
        let same = info.plots[0].zoomed(&view, f64::NAN, 300.0, 150.0);
        assert_eq!(same, view);
        let same = info.plots[0].zoomed(&view, 1e300, 300.0, 150.0);
        assert_eq!(same, view);
    }
}
