//! The user's commands beyond zoom and pan, as changes of [`ViewState`]:
//! a click (a legend entry hides or shows its trace, a click on a line or
//! series places an A/B cursor), log axes toggled from the keyboard, Esc,
//! autoscale, one plot alone, pages, and `l` (link every series plot's x
//! axis). The window maps its keys and mouse to these (see
//! [`crate::view::keys`]); following the newest data is in
//! [`crate::view::follow`], shared x axes in [`crate::view::linking`].

use plotcast_protocol::{ChannelKind, Scale};

use super::drawn::{PlotInfo, RenderInfo};
use super::linking::set_group_x;
use super::state::{Cursors, Interaction, ViewState, XKey};
use crate::model::{nearest_point, shown_traces, ChannelData, PlotState};

/// Where a click landed, and what it did.
#[derive(Debug, Clone, PartialEq)]
pub enum Clicked {
    /// A legend entry: the trace was hidden or shown again.
    Legend {
        /// Channel id.
        channel: u32,
        /// The trace's legend label.
        label: String,
    },
    /// A cursor was placed on a line or series plot at data x.
    Cursor {
        /// Channel id.
        channel: u32,
        /// Where (snapped to the nearest point of the first shown trace).
        x: f64,
    },
    /// Nothing to do there.
    Nothing,
}

impl ViewState {
    /// A click (press and release without a drag) at window pixel
    /// `(px, py)` on the frame described by `info`, showing `state`.
    pub fn click(&mut self, info: &RenderInfo, state: &PlotState, px: f64, py: f64) -> Clicked {
        for plot in &info.plots {
            if let Some(entry) = plot.legend.iter().find(|e| e.rect.contains(px, py)) {
                self.ui.toggle_trace(plot.channel, &entry.label);
                return Clicked::Legend {
                    channel: plot.channel,
                    label: entry.label.clone(),
                };
            }
        }
        let Some(plot) = info.channel_at(px, py) else {
            return Clicked::Nothing;
        };
        if !matches!(plot.kind, ChannelKind::Line | ChannelKind::Series) {
            return Clicked::Nothing;
        }
        let (x, _) = plot.to_data(px, py);
        let snapped = state
            .data
            .get(&plot.channel)
            .and_then(|data| nearest_x(data, plot, x, &self.ui))
            .unwrap_or(x);
        self.ui
            .cursors
            .entry(plot.channel)
            .or_default()
            .place(snapped);
        Clicked::Cursor {
            channel: plot.channel,
            x: snapped,
        }
    }

    /// `x` / `y`: toggles a log axis of the plot under the cursor. Its
    /// zoom is dropped (a linear range need not suit a log axis). Returns
    /// the channel; `None` for a plot without log axes (see
    /// [`no_log_axes`]).
    pub fn toggle_log(&mut self, state: &PlotState, channel: u32, x_axis: bool) -> Option<u32> {
        let spec = state.spec(channel)?;
        if no_log_axes(spec.kind).is_some() {
            return None;
        }
        let (xs, ys) = self.ui.scales_of(spec);
        let flip = |s: Scale| match s {
            Scale::Linear => Scale::Log,
            Scale::Log => Scale::Linear,
        };
        let next = if x_axis {
            (flip(xs), ys)
        } else {
            (xs, flip(ys))
        };
        if next == (spec.options.x_scale, spec.options.y_scale) {
            self.ui.scales.remove(&channel);
        } else {
            self.ui.scales.insert(channel, next);
        }
        self.manual.remove(&channel);
        self.y_follows.remove(&channel);
        Some(channel)
    }

    /// Esc: closes the help overlay, else clears the cursors, else leaves
    /// the one-plot view. False when there was nothing to clear.
    pub fn escape(&mut self) -> bool {
        if self.ui.help {
            self.ui.help = false;
        } else if self.ui.cursors.values().any(|c| *c != Cursors::default()) {
            self.ui.cursors.clear();
        } else if self.ui.focus.is_some() {
            self.ui.focus = None;
        } else {
            return false;
        }
        true
    }

    /// `a`: every plot back to autoscale (which shows the newest data);
    /// hidden traces, log toggles and cursors stay.
    pub fn autoscale(&mut self) {
        self.manual.clear();
        self.y_follows.clear();
        self.ui.follow.clear();
        self.ui.linked.manual.clear();
    }

    /// Enter: shows the plot under the cursor alone, or all plots again.
    pub fn toggle_focus(&mut self, channel: Option<u32>) {
        self.ui.focus = match (self.ui.focus, channel) {
            (Some(_), _) => None,
            (None, channel) => channel,
        };
    }

    /// PgDn / PgUp: the next or previous page of plots (the renderer
    /// keeps the page within range and says which one it drew).
    pub fn turn_page(&mut self, forward: bool, pages: usize) {
        self.ui.focus = None;
        let last = pages.saturating_sub(1);
        self.ui.page = if forward {
            (self.ui.page + 1).min(last)
        } else {
            self.ui.page.min(last).saturating_sub(1)
        };
    }
}

/// Why a plot of `kind` has no log axes to toggle, if it has none.
pub fn no_log_axes(kind: ChannelKind) -> Option<&'static str> {
    match kind {
        ChannelKind::Heatmap => Some("a heatmap has no log axes (its axes are its grid)"),
        ChannelKind::Custom => {
            Some("a custom plot's axes are its plot type's (set log scales in the computation)")
        }
        ChannelKind::Line | ChannelKind::Scatter | ChannelKind::Bars | ChannelKind::Series => None,
    }
}

/// `l`: links (or unlinks) the x axes of every series plot. Linking
/// takes the x range of the first zoomed series plot, if any, for all.
pub fn toggle_link_all(view: &mut ViewState, state: &PlotState) {
    view.ui.link_all = !view.ui.link_all;
    if !view.ui.link_all {
        view.ui.linked.manual.remove(&XKey::AllSeries);
        return;
    }
    let zoomed = state
        .layout
        .channels
        .iter()
        .filter(|s| s.kind == ChannelKind::Series)
        .find_map(|s| view.manual.get(&s.id).map(|m| (s.id, m.x)));
    if let Some((channel, x)) = zoomed {
        set_group_x(view, state, &XKey::AllSeries, x);
        super::follow::after_move(view, state, channel);
    }
}

/// The x of the point nearest to `x` in the first shown trace of a line
/// or series channel: where a click places a cursor.
pub fn nearest_x(data: &ChannelData, plot: &PlotInfo, x: f64, ui: &Interaction) -> Option<f64> {
    shown_traces(data, ui.hidden_of(plot.channel))
        .0
        .first()
        .and_then(|t| nearest_point(&t.points, x, plot.x_scale))
        .map(|(x, _)| x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_alternate_then_move_the_nearer() {
        let mut c = Cursors::default();
        c.place(1.0);
        c.place(5.0);
        assert_eq!((c.a, c.b), (Some(1.0), Some(5.0)));
        c.place(4.0);
        assert_eq!((c.a, c.b), (Some(1.0), Some(4.0)));
        c.place(0.0);
        assert_eq!((c.a, c.b), (Some(0.0), Some(4.0)));
    }

    #[test]
    fn escape_clears_one_layer_at_a_time() {
        let mut v = ViewState::default();
        v.ui.help = true;
        v.ui.cursors.insert(
            1,
            Cursors {
                a: Some(1.0),
                b: None,
            },
        );
        v.ui.focus = Some(1);
        assert!(v.escape() && !v.ui.help && v.ui.focus.is_some());
        assert!(v.escape() && v.ui.cursors.is_empty());
        assert!(v.escape() && v.ui.focus.is_none());
        assert!(!v.escape());
    }

    #[test]
    fn pages_stay_in_range() {
        let mut v = ViewState::default();
        v.turn_page(false, 3);
        assert_eq!(v.ui.page, 0);
        for _ in 0..5 {
            v.turn_page(true, 3);
        }
        assert_eq!(v.ui.page, 2);
        v.turn_page(false, 2);
        assert_eq!(v.ui.page, 0);
    }
}
