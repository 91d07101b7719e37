//! [`ViewState`]: what the user chose over the model, as plain values:
//! each plot's zoom and pan, and everything else the window lets the user
//! change (readout position, cursors, hidden traces, log toggles, which
//! views follow the newest data, linked x ranges, help, pages, the plot
//! shown alone). The renderer (window and headless alike) draws whatever
//! it says; the files beside this one change it.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use plotcast_protocol::{ChannelKind, ChannelSpec, Layout, Scale};

use crate::model::AxisView;

/// Interaction state, owned by the drawing side: per-channel zoom/pan
/// (absent: autoscale) and the rest of the user's choices.
#[derive(Debug, Clone, Default)]
pub struct ViewState {
    /// Manual view per channel id.
    pub manual: HashMap<u32, AxisView>,
    /// Plots zoomed in x only: their y range follows the data in view
    /// (the `y` of their manual view is not used).
    pub y_follows: BTreeSet<u32>,
    /// Everything else the user chose (readout, cursors, hidden traces,
    /// log toggles, follow, links, help, pages).
    pub ui: Interaction,
}

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
    /// A line the status line shows until the given time (what an export
    /// wrote, or why not).
    pub notice: Option<(String, Instant)>,
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
            .unwrap_or((spec.options.x_scale, spec.options.y_scale))
    }

    /// Shows or hides one trace.
    pub fn toggle_trace(&mut self, channel: u32, label: &str) {
        let set = self.hidden.entry(channel).or_default();
        if !set.remove(label) {
            set.insert(label.to_owned());
        }
    }
}

/// The zoomed views that follow the newest data: x key → how far the right
/// edge stays beyond the newest point (data units, ≥ 0).
#[derive(Debug, Clone, Default)]
pub struct Follow {
    pub(super) gaps: HashMap<XKey, f64>,
    /// Width in pixels of each plot as last drawn: a following view slides
    /// by whole pixel columns (see `follow::advance`).
    pub(super) widths: HashMap<u32, u32>,
}

impl Follow {
    /// Forgets every following view (autoscale follows by itself).
    pub fn clear(&mut self) {
        self.gaps.clear();
    }

    /// True when the views of `key` follow the newest data.
    pub fn is_following(&self, key: &XKey) -> bool {
        self.gaps.contains_key(key)
    }

    /// Records how wide each plot was drawn (its plotting area in pixels).
    pub fn drawn(&mut self, plots: impl IntoIterator<Item = (u32, u32)>) {
        self.widths.clear();
        self.widths.extend(plots);
    }
}

/// Whose x range a plot shows: its own, or a link group's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum XKey {
    /// Not linked: the plot's own.
    Channel(u32),
    /// A link group named by the server.
    Group(String),
    /// Every series plot (`l`).
    AllSeries,
}

impl XKey {
    /// True for a group of plots (not a single plot).
    pub fn is_group(&self) -> bool {
        !matches!(self, XKey::Channel(_))
    }
}

/// The x key of a channel. Heatmaps are never linked (their axes are cell
/// indices).
pub fn x_key(spec: &ChannelSpec, link_all: bool) -> XKey {
    match spec.kind {
        ChannelKind::Heatmap => XKey::Channel(spec.id),
        ChannelKind::Series if link_all => XKey::AllSeries,
        _ if !spec.options.link_x.is_empty() => XKey::Group(spec.options.link_x.clone()),
        _ => XKey::Channel(spec.id),
    }
}

/// The channels that share `key`'s x range.
pub fn members<'l>(
    layout: &'l Layout,
    key: &'l XKey,
    link_all: bool,
) -> impl Iterator<Item = &'l ChannelSpec> + 'l {
    layout
        .channels
        .iter()
        .filter(move |spec| x_key(spec, link_all) == *key)
}

/// Group x ranges: chosen by the user (zoom, pan, follow), and the shared
/// autoscale extent of each group.
#[derive(Debug, Clone, Default)]
pub struct Linked {
    /// X range the user gave a group.
    pub manual: HashMap<XKey, (f64, f64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_groups_and_link_all() {
        let mut a = ChannelSpec::new(1, "a", ChannelKind::Series);
        let mut b = ChannelSpec::new(2, "b", ChannelKind::Line);
        let h = ChannelSpec::new(3, "h", ChannelKind::Heatmap);
        assert_eq!(x_key(&a, false), XKey::Channel(1));
        assert_eq!(x_key(&a, true), XKey::AllSeries);
        assert_eq!(x_key(&b, true), XKey::Channel(2));
        a.options.link_x = "t".into();
        b.options.link_x = "t".into();
        assert_eq!(x_key(&a, false), XKey::Group("t".into()));
        assert_eq!(x_key(&b, false), XKey::Group("t".into()));
        assert_eq!(x_key(&h, true), XKey::Channel(3));
        let layout = Layout {
            title: String::new(),
            columns: 0,
            channels: vec![a, b, h],
        };
        let key = XKey::Group("t".into());
        assert_eq!(members(&layout, &key, false).count(), 2);
    }
}
