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
}

/// The ranges a plot shows, and whether each follows the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Shown {
    pub view: AxisView,
    /// Autoscaled: neither the user's zoom, a link group's range, nor a
    /// fixed range of the channel.
    pub x_auto: bool,
    pub y_auto: bool,
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

/// The ranges a line, scatter, bars or series plot shows, from its data's
/// extents (`ext`, shown traces only) and what the user and the channel
/// chose.
pub(crate) fn shown(
    spec: &ChannelSpec,
    view: &ChannelView<'_>,
    (xs, ys): (Scale, Scale),
    (x_ext, y_ext): (Extent, Extent),
    (x_pad, y_pad): (Pad, Pad),
) -> Shown {
    let mut shown = AxisView {
        x: resolve(spec.options.x_range, x_ext, xs, x_pad),
        y: resolve(spec.options.y_range, y_ext, ys, y_pad),
    };
    match view.group_x {
        Some(GroupX::Extent(ext)) if spec.options.x_range.is_none() && suits(ext, xs) => {
            let mut group = x_ext;
            group.add(ext.0, xs);
            group.add(ext.1, xs);
            shown.x = resolve(None, group, xs, x_pad);
        }
        _ => {}
    }
    let manual = view.manual.filter(|m| usable(m, xs, ys));
    if let Some(m) = manual {
        shown = *m;
    }
    if let Some(GroupX::Fixed(x)) = view.group_x {
        if let Some(x) = valid(x, xs).filter(|&x| suits(x, xs)) {
            shown.x = x;
        }
    }
    Shown {
        view: shown,
        x_auto: manual.is_none()
            && view.group_x.is_none()
            && spec.options.x_range.and_then(|r| valid(r, xs)).is_none(),
        y_auto: manual.is_none() && spec.options.y_range.and_then(|r| valid(r, ys)).is_none(),
    }
}
