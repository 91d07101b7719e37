//! Zoom and pan: a wheel notch or a drag on a drawn plot becomes that
//! plot's manual view.

use super::drawn::RenderInfo;
use super::ViewState;

impl RenderInfo {
    /// Mouse-wheel zoom: zooms the plot under `(px, py)` by `factor` (> 1
    /// in) around that point, starting from its current manual view or the
    /// drawn ranges, and stores the result in `view`. Returns the channel.
    pub fn zoom(&self, view: &mut ViewState, px: f64, py: f64, factor: f64) -> Option<u32> {
        let plot = self.channel_at(px, py)?;
        let from = view.manual.get(&plot.channel).copied().unwrap_or(plot.view);
        view.manual
            .insert(plot.channel, plot.zoomed(&from, factor, px, py));
        Some(plot.channel)
    }

    /// Drag pan: moves `channel`'s view by `(dx, dy)` pixels (as the mouse
    /// moved since the last call) and stores it in `view`.
    pub fn pan(&self, view: &mut ViewState, channel: u32, dx_px: f64, dy_px: f64) -> Option<u32> {
        let plot = self.plot(channel)?;
        let from = view.manual.get(&channel).copied().unwrap_or(plot.view);
        view.manual
            .insert(channel, plot.panned(&from, dx_px, dy_px));
        Some(channel)
    }
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
