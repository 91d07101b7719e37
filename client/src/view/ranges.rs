//! Which ranges a plot shows. In order of precedence: the user's zoom and
//! pan, a link group's x range, the channel's fixed ranges, and autoscale
//! over its shown data (padded by kind, widened to a link group's shared
//! extent). The renderer computes the data's extents and draws what this
//! resolves; the rules for single ranges (padding, what can be drawn) are
//! the model's ([`crate::model`]'s `resolve` and `valid`).

use plotcast_protocol::{ChannelKind, ChannelSpec, Scale};

use super::drawn::usable;
use super::linking::{suits, GroupX};
use super::state::Interaction;
use crate::model::{resolve, valid, AxisView, Extent, Pad};

/// What the user chose for one channel: its zoom, its link group's x
/// range, and (in `ui`) hidden traces and toggled scales.
pub(crate) struct ChannelView<'v> {
    pub manual: Option<&'v AxisView>,
    pub group_x: Option<GroupX>,
    pub ui: &'v Interaction,
    /// Zoomed in x only: y follows the data in view.
    pub y_follows: bool,
}

/// Autoscale padding of each axis, by kind: lines and series end at their
/// data in x; bars start at 0 and keep a little room at their outer end.
pub(crate) fn pads(kind: ChannelKind, y_ext: &Extent, ys: Scale) -> (Pad, Pad) {
    match kind {
        ChannelKind::Line | ChannelKind::Series => (Pad::NONE, Pad::DEFAULT),
        ChannelKind::Bars => {
            let (lo, hi) = y_ext.get().unwrap_or((0.0, 1.0));
            let y_pad = if ys == Scale::Log {
                Pad::DEFAULT
            } else {
                Pad {
                    low: if lo >= 0.0 { 0.0 } else { 0.05 },
                    high: if hi <= 0.0 { 0.0 } else { 0.05 },
                }
            };
            (
                Pad {
                    low: 0.02,
                    high: 0.02,
                },
                y_pad,
            )
        }
        _ => (Pad::DEFAULT, Pad::DEFAULT),
    }
}

/// The x range a line, scatter, bars or series plot shows, from the
/// extent of its shown data and what the user and the channel chose, and
/// whether it follows the data.
pub(crate) fn shown_x(
    spec: &ChannelSpec,
    view: &ChannelView<'_>,
    (xs, ys): (Scale, Scale),
    x_ext: Extent,
    x_pad: Pad,
) -> ((f64, f64), bool) {
    let mut x = resolve(spec.options.x_range, x_ext, xs, x_pad);
    match view.group_x {
        Some(GroupX::Extent(ext)) if spec.options.x_range.is_none() && suits(ext, xs) => {
            let mut group = x_ext;
            group.add(ext.0, xs);
            group.add(ext.1, xs);
            x = resolve(None, group, xs, x_pad);
        }
        _ => {}
    }
    let manual = view.manual.filter(|m| usable(m, xs, ys));
    if let Some(m) = manual {
        x = m.x;
    }
    if let Some(GroupX::Fixed(fixed)) = view.group_x {
        if let Some(fixed) = valid(fixed, xs).filter(|&r| suits(r, xs)) {
            x = fixed;
        }
    }
    let auto = manual.is_none()
        && view.group_x.is_none()
        && spec.options.x_range.and_then(|r| valid(r, xs)).is_none();
    (x, auto)
}

/// The y range: the user's (zoomed or panned in y), else the channel's
/// fixed range, else autoscale over `y_ext` (the shown data within the
/// shown x range, when that is not the data's own); and whether it follows
/// the data.
pub(crate) fn shown_y(
    spec: &ChannelSpec,
    view: &ChannelView<'_>,
    (xs, ys): (Scale, Scale),
    y_ext: Extent,
    y_pad: Pad,
) -> ((f64, f64), bool) {
    let manual = view.manual.filter(|m| !view.y_follows && usable(m, xs, ys));
    match manual {
        Some(m) => (m.y, false),
        None => (
            resolve(spec.options.y_range, y_ext, ys, y_pad),
            spec.options.y_range.and_then(|r| valid(r, ys)).is_none(),
        ),
    }
}
