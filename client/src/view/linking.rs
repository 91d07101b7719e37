//! Linked x axes: plots of one link group share their x range.
//!
//! A group comes from the server (`ChannelSpec::link_x`, set with the
//! library's `.link_x("time")`), or from the viewer's `l` key, which puts
//! every series plot in one group. Zooming or panning one member stores
//! the new x range for the whole group; every member draws it, each with
//! its own y range. Unzoomed, the members share the union of their data's
//! x extents, so they line up from the first frame.

use std::collections::HashMap;

use plotcast_protocol::{ChannelSpec, Scale};

use super::state::{members, x_key, ViewState, XKey};
use crate::model::{data_x_extent, PlotState};

/// The x range a plot must show because of its group, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GroupX {
    /// The group's zoomed range, drawn as it is.
    Fixed((f64, f64)),
    /// The union of the members' data extents, padded like an autoscale.
    Extent((f64, f64)),
}

/// The group x range of every linked channel in `state`, for the renderer.
pub fn group_ranges(state: &PlotState, view: &ViewState) -> HashMap<u32, GroupX> {
    let link_all = view.ui.link_all;
    let mut by_key: HashMap<XKey, Vec<&ChannelSpec>> = HashMap::new();
    for spec in &state.layout.channels {
        let key = x_key(spec, link_all);
        if key.is_group() {
            by_key.entry(key).or_default().push(spec);
        }
    }
    let mut out = HashMap::new();
    for (key, specs) in by_key {
        let range = match view.ui.linked.manual.get(&key) {
            Some(&x) => Some(GroupX::Fixed(x)),
            None => {
                let mut lo_hi: Option<(f64, f64)> = None;
                for spec in &specs {
                    let scale = view.ui.scales_of(spec).0;
                    let Some(data) = state.data.get(&spec.id) else {
                        continue;
                    };
                    let hidden = view.ui.hidden_of(spec.id);
                    if let Some((lo, hi)) = data_x_extent(data, scale, hidden) {
                        lo_hi = Some(match lo_hi {
                            Some((a, b)) => (a.min(lo), b.max(hi)),
                            None => (lo, hi),
                        });
                    }
                }
                lo_hi.map(GroupX::Extent)
            }
        };
        if let Some(range) = range {
            for spec in specs {
                out.insert(spec.id, range);
            }
        }
    }
    out
}

/// After the user zoomed or panned `channel` (its new range is in
/// `view.manual`): a linked plot hands its x range to its group.
pub fn after_move(view: &mut ViewState, state: &PlotState, channel: u32) {
    let Some(spec) = state.spec(channel) else {
        return;
    };
    let key = x_key(spec, view.ui.link_all);
    if let (true, Some(m)) = (key.is_group(), view.manual.get(&channel)) {
        let x = m.x;
        set_group_x(view, state, &key, x);
    }
}

/// Gives group `key` the x range `x`, also in the zoomed views of its
/// members (the next zoom or pan of any of them starts from it).
pub fn set_group_x(view: &mut ViewState, state: &PlotState, key: &XKey, x: (f64, f64)) {
    for spec in members(&state.layout, key, view.ui.link_all) {
        if let Some(m) = view.manual.get_mut(&spec.id) {
            m.x = x;
        }
    }
    view.ui.linked.manual.insert(key.clone(), x);
}

/// True when a group range suits a plot's x scale (a linear range that
/// reaches 0 or below cannot be drawn on a log axis).
pub fn suits(range: (f64, f64), scale: Scale) -> bool {
    range.0 < range.1 && (scale == Scale::Linear || range.0 > 0.0)
}
