//! What the user chose in the window beyond zoom and pan: the mouse
//! position (for the value readout), A/B cursors, hidden traces, axis
//! scales toggled from the keyboard, the help overlay, the page of plots
//! shown and the plot shown alone. It lives in
//! [`ViewState::ui`](crate::state::ViewState::ui), so the renderer (window
//! and headless alike) draws whatever it says; the window changes it from
//! keys and mouse (see [`crate::keys`]).
//!
//! Following the newest data is in [`crate::follow`], shared x axes in
//! [`crate::linking`].

use std::collections::{BTreeSet, HashMap};

use plotcast_protocol::{ChannelKind, ChannelSpec, Scale};

use crate::follow::Follow;
use crate::linking::Linked;
use crate::render::{nearest_x, RenderInfo};
use crate::state::{PlotState, ViewState};

/// The two cursors of one plot, as data x positions.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Cursors {
    /// Cursor A.
    pub a: Option<f64>,
    /// Cursor B.
    pub b: Option<f64>,
}

impl Cursors {
    /// Places a cursor at `x`: A first, then B; with both placed, the
    /// nearer one moves.
    pub fn place(&mut self, x: f64) {
        match (self.a, self.b) {
            (None, _) => self.a = Some(x),
            (Some(_), None) => self.b = Some(x),
            (Some(a), Some(b)) => {
                if (x - a).abs() <= (x - b).abs() {
                    self.a = Some(x);
                } else {
                    self.b = Some(x);
                }
            }
        }
    }
}

/// Everything the user chose besides each plot's zoom and pan.
#[derive(Debug, Clone, Default)]
pub struct Interaction {
    /// Mouse position in window pixels, while it is over the window: the
    /// plot under it shows a value readout and a crosshair.
    pub hover: Option<(f64, f64)>,
    /// A/B cursors per channel id.
    pub cursors: HashMap<u32, Cursors>,
    /// Hidden traces per channel id, by legend label.
    pub hidden: HashMap<u32, BTreeSet<String>>,
    /// Axis scales (x, y) the user toggled, per channel id; absent: the
    /// channel's own.
    pub scales: HashMap<u32, (Scale, Scale)>,
    /// Which zoomed views follow the newest data.
    pub follow: Follow,
    /// `l`: every series plot shares one x axis.
    pub link_all: bool,
    /// X ranges of link groups.
    pub linked: Linked,
    /// The help overlay is shown.
    pub help: bool,
    /// Page of plots shown (from 0) when they do not all fit.
    pub page: usize,
    /// The one plot shown full-window, if any.
    pub focus: Option<u32>,
}

impl Interaction {
    /// The hidden traces of a channel.
    pub fn hidden_of(&self, channel: u32) -> Option<&BTreeSet<String>> {
        self.hidden.get(&channel).filter(|h| !h.is_empty())
    }

    /// True when the trace with this legend label is hidden.
    pub fn is_hidden(&self, channel: u32, label: &str) -> bool {
        self.hidden.get(&channel).is_some_and(|h| h.contains(label))
    }

    /// The axis scales a channel is drawn with.
    pub fn scales_of(&self, spec: &ChannelSpec) -> (Scale, Scale) {
        if spec.kind == ChannelKind::Heatmap {
            return (Scale::Linear, Scale::Linear);
        }
        self.scales
            .get(&spec.id)
            .copied()
            .unwrap_or((spec.x_scale, spec.y_scale))
    }

    /// Shows or hides one trace.
    pub fn toggle_trace(&mut self, channel: u32, label: &str) {
        let set = self.hidden.entry(channel).or_default();
        if !set.remove(label) {
            set.insert(label.to_owned());
        }
    }
}

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
    /// the channel.
    pub fn toggle_log(&mut self, state: &PlotState, channel: u32, x_axis: bool) -> Option<u32> {
        let spec = state.spec(channel)?;
        if spec.kind == ChannelKind::Heatmap {
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
        if next == (spec.x_scale, spec.y_scale) {
            self.ui.scales.remove(&channel);
        } else {
            self.ui.scales.insert(channel, next);
        }
        self.manual.remove(&channel);
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
