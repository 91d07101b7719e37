//! Follow latest: a series plot zoomed in x keeps moving with new data.
//!
//! Unzoomed (autoscale) a plot always shows all its data, the newest
//! included. Once zoomed or panned, a series plot *follows* when the right
//! edge of its x range is at (or past) the newest point: before every
//! draw its x range slides so that the newest point keeps its place. A
//! pan or zoom that leaves the newest point off the right edge *freezes*
//! the view on the data it shows; `f` makes it follow again (its right
//! edge jumps to the newest point, its width stays) and `a` returns every
//! plot to autoscale. Linked plots (see [`crate::view::linking`]) follow as one.

use plotcast_protocol::{ChannelKind, Scale};

use super::linking::set_group_x;
use super::state::{members, x_key, XKey};
use crate::model::{ChannelData, PlotState};
use crate::view::ViewState;

/// How close to the newest point (a fraction of the x span) the right edge
/// must be for a view to follow: a zoom with the mouse near the right edge
/// moves that edge a little, and should not stop the following.
pub const FOLLOW_TOLERANCE: f64 = 0.02;

/// What a plot's x range does, for the status line and scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XMode {
    /// Autoscale: all the data, the newest included.
    Auto,
    /// Zoomed and following the newest data.
    Following,
    /// Zoomed and frozen (a series plot that stopped following).
    Frozen,
    /// Zoomed (a plot that is not a series: nothing to follow).
    Zoomed,
}

impl XMode {
    /// One word for it.
    pub fn word(self) -> &'static str {
        match self {
            XMode::Auto => "auto",
            XMode::Following => "following",
            XMode::Frozen => "frozen",
            XMode::Zoomed => "zoomed",
        }
    }
}

/// X of the newest point of a series channel: the last point appended to
/// any of its shown series (`None` for other kinds, or no data).
pub fn newest_x(state: &PlotState, view: &ViewState, channel: u32) -> Option<f64> {
    let Some(ChannelData::Series(set)) = state.data.get(&channel) else {
        return None;
    };
    set.series()
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            let label = crate::model::trace_label(*i, &s.name);
            !view.ui.is_hidden(channel, &label)
        })
        .filter_map(|(_, s)| s.runs().last().and_then(|(t, _)| t.last().copied()))
        .filter(|t| t.is_finite())
        .reduce(f64::max)
}

fn key_newest(state: &PlotState, view: &ViewState, key: &XKey) -> Option<f64> {
    members(&state.layout, key, view.ui.link_all)
        .filter_map(|spec| newest_x(state, view, spec.id))
        .reduce(f64::max)
}

fn has_series(state: &PlotState, view: &ViewState, key: &XKey) -> bool {
    members(&state.layout, key, view.ui.link_all).any(|s| s.kind == ChannelKind::Series)
}

fn key_scale(state: &PlotState, view: &ViewState, key: &XKey) -> Scale {
    members(&state.layout, key, view.ui.link_all)
        .next()
        .map_or(Scale::Linear, |spec| view.ui.scales_of(spec).0)
}

/// The x range the user gave `key`, if zoomed.
fn current_x(view: &ViewState, key: &XKey) -> Option<(f64, f64)> {
    match key {
        XKey::Channel(id) => view.manual.get(id).map(|m| m.x),
        group => view.ui.linked.manual.get(group).copied(),
    }
}

fn set_x(view: &mut ViewState, state: &PlotState, key: &XKey, x: (f64, f64)) {
    match key {
        XKey::Channel(id) => {
            if let Some(m) = view.manual.get_mut(id) {
                m.x = x;
            }
        }
        group => set_group_x(view, state, group, x),
    }
}

/// `x` moved so that its right edge is `gap` beyond `newest`, same width
/// (on a log axis: same ratio).
fn slid(x: (f64, f64), newest: f64, gap: f64, scale: Scale) -> (f64, f64) {
    let right = newest + gap;
    match scale {
        Scale::Log if x.0 > 0.0 && right > 0.0 => (right * (x.0 / x.1), right),
        _ => (right - (x.1 - x.0), right),
    }
}

/// `to` moved back towards `from` so that the step is a whole number of
/// pixel columns of a plot `width` pixels wide (at least the step asked
/// for, so the newest point stays in view). The server reduces a series
/// per pixel column of the view it was told about; a view that moved by a
/// fraction of a column would re-bin those columns and lose extremes (a
/// dense trace drawn thinner than it is).
fn whole_columns(from: (f64, f64), to: (f64, f64), width: u32, scale: Scale) -> (f64, f64) {
    let log = scale == Scale::Log && from.0 > 0.0 && to.0 > 0.0;
    let t = |v: f64| if log { v.log10() } else { v };
    let back = |v: f64| if log { 10f64.powf(v) } else { v };
    let span = t(from.1) - t(from.0);
    let per_column = span / f64::from(width.saturating_sub(1).max(1));
    if !(per_column.is_finite() && per_column > 0.0) {
        return to;
    }
    let columns = ((t(to.0) - t(from.0)) / per_column - 1e-9).ceil();
    let shifted = (
        back(t(from.0) + columns * per_column),
        back(t(from.1) + columns * per_column),
    );
    if shifted.0.is_finite() && shifted.1.is_finite() && shifted.0 < shifted.1 {
        shifted
    } else {
        to
    }
}

/// Before each draw: slides every following view to the newest data, by
/// whole pixel columns of the plots as last drawn ([`Follow::drawn`]).
///
/// [`Follow::drawn`]: crate::view::Follow::drawn
pub fn advance(view: &mut ViewState, state: &PlotState) {
    let gaps: Vec<(XKey, f64)> = view
        .ui
        .follow
        .gaps
        .iter()
        .map(|(k, g)| (k.clone(), *g))
        .collect();
    for (key, gap) in gaps {
        let (Some(newest), Some(x)) = (key_newest(state, view, &key), current_x(view, &key)) else {
            continue;
        };
        let scale = key_scale(state, view, &key);
        let mut next = slid(x, newest, gap, scale);
        let width = members(&state.layout, &key, view.ui.link_all)
            .find_map(|spec| view.ui.follow.widths.get(&spec.id).copied());
        if let Some(width) = width {
            next = whole_columns(x, next, width, scale);
        }
        set_x(view, state, &key, next);
    }
}

/// After the user zoomed or panned `channel` (and [`crate::view::linking`] has
/// stored a group's range): the view follows when its right edge is at or
/// past the newest point, and freezes otherwise.
pub fn after_move(view: &mut ViewState, state: &PlotState, channel: u32) {
    let Some(spec) = state.spec(channel) else {
        return;
    };
    let key = x_key(spec, view.ui.link_all);
    if !has_series(state, view, &key) {
        return;
    }
    let (Some(x), Some(newest)) = (current_x(view, &key), key_newest(state, view, &key)) else {
        view.ui.follow.gaps.remove(&key);
        return;
    };
    let tolerance = FOLLOW_TOLERANCE * (x.1 - x.0);
    if x.0 < newest && newest <= x.1 + tolerance {
        view.ui.follow.gaps.insert(key, (x.1 - newest).max(0.0));
    } else {
        view.ui.follow.gaps.remove(&key);
    }
}

/// `f`: the zoomed series plot `channel` (or, when `None` or not such a
/// plot, every zoomed series plot) follows the newest data again: its
/// right edge jumps to the newest point. Returns how many views changed.
pub fn resume(view: &mut ViewState, state: &PlotState, channel: Option<u32>) -> usize {
    let link_all = view.ui.link_all;
    let mut keys: Vec<XKey> = Vec::new();
    for spec in &state.layout.channels {
        let key = x_key(spec, link_all);
        if !keys.contains(&key) && current_x(view, &key).is_some() && has_series(state, view, &key)
        {
            keys.push(key);
        }
    }
    if let Some(key) = channel
        .and_then(|c| state.spec(c))
        .map(|spec| x_key(spec, link_all))
        .filter(|key| keys.contains(key))
    {
        keys = vec![key];
    }
    let mut changed = 0;
    for key in keys {
        let (Some(x), Some(newest)) = (current_x(view, &key), key_newest(state, view, &key)) else {
            continue;
        };
        let scale = key_scale(state, view, &key);
        set_x(view, state, &key, slid(x, newest, 0.0, scale));
        view.ui.follow.gaps.insert(key, 0.0);
        changed += 1;
    }
    changed
}

/// What the x range of `channel` does now.
pub fn mode(view: &ViewState, state: &PlotState, channel: u32) -> XMode {
    let Some(spec) = state.spec(channel) else {
        return XMode::Auto;
    };
    let key = x_key(spec, view.ui.link_all);
    let zoomed = current_x(view, &key).is_some() || view.manual.contains_key(&channel);
    if !zoomed {
        XMode::Auto
    } else if !has_series(state, view, &key) {
        XMode::Zoomed
    } else if view.ui.follow.is_following(&key) {
        XMode::Following
    } else {
        XMode::Frozen
    }
}

/// The status line's words about zoomed series plots: how many follow the
/// newest data and how many are frozen (`None` when no series plot is
/// zoomed).
pub fn summary(view: &ViewState, state: &PlotState) -> Option<(usize, usize)> {
    let (mut following, mut frozen) = (0, 0);
    for spec in &state.layout.channels {
        if spec.kind != ChannelKind::Series {
            continue;
        }
        match mode(view, state, spec.id) {
            XMode::Following => following += 1,
            XMode::Frozen => frozen += 1,
            XMode::Auto | XMode::Zoomed => {}
        }
    }
    (following + frozen > 0).then_some((following, frozen))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::{AxisView, SeriesHistory, SeriesSet};
    use plotcast_protocol::{ChannelSpec, Layout};

    fn series_state(points: usize) -> PlotState {
        let mut state = PlotState::default();
        state.set_layout(Layout {
            title: String::new(),
            columns: 0,
            channels: vec![ChannelSpec::new(1, "s", ChannelKind::Series)],
        });
        let t: Vec<f64> = (0..points).map(|i| i as f64).collect();
        let set = SeriesSet::from_series([SeriesHistory::from_points("", &t, &t)]);
        state.data.insert(1, ChannelData::Series(set));
        state
    }

    #[test]
    fn a_view_at_the_right_edge_follows_and_a_panned_one_freezes() {
        let state = series_state(101); // newest x = 100
        let mut view = ViewState::default();
        let zoom = |x| AxisView { x, y: (0.0, 1.0) };
        view.manual.insert(1, zoom((80.0, 100.5)));
        after_move(&mut view, &state, 1);
        assert_eq!(mode(&view, &state, 1), XMode::Following);
        let later = series_state(151);
        advance(&mut view, &later);
        let x = view.manual[&1].x;
        assert!(
            (x.1 - 150.5).abs() < 1e-9 && (x.0 - 130.0).abs() < 1e-9,
            "{x:?}"
        );
        // Panned away from the newest point: frozen, and stays put.
        view.manual.insert(1, zoom((50.0, 70.0)));
        after_move(&mut view, &later, 1);
        assert_eq!(mode(&view, &later, 1), XMode::Frozen);
        advance(&mut view, &series_state(200));
        assert_eq!(view.manual[&1].x, (50.0, 70.0));
        assert_eq!(summary(&view, &later), Some((0, 1)));
        // `f` resumes: the right edge jumps to the newest point.
        assert_eq!(resume(&mut view, &series_state(200), None), 1);
        assert_eq!(view.manual[&1].x, (179.0, 199.0));
        assert_eq!(mode(&view, &later, 1), XMode::Following);
    }
}
