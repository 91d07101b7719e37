//! The first batch of a viewer that asked for an overview in its Hello:
//! every plot reduced for its share of the viewer's canvas, sent right after
//! the Layout, before the viewer has drawn anything or sent a View. The
//! first picture then comes one round trip after connecting instead of two;
//! the viewer's own Views follow and each channel is sent again for them.

use std::collections::HashMap;

use plotcast_protocol::{Layout, Overview, View};

/// The view version an overview's views carry: above any real one, so a
/// channel sent for the overview counts as sent for another view when the
/// viewer's own View arrives (and is sent again for it).
pub(crate) const OVERVIEW_VIEW: u64 = u64::MAX;

/// Share of a plot's cell its data area takes (the rest is axes, labels,
/// title): a little under what the viewer draws, never above.
const AREA_SHARE: (u32, u32) = (85, 75);

/// Smallest cell the reference viewer draws a plot in; below, it pages.
const MIN_CELL: (u32, u32) = (90, 70);

/// Cell of the reference viewer's pages.
const PAGE_CELL: (u32, u32) = (240, 160);

/// Views of every channel of `layout` for a `canvas`: the plots in a grid
/// of `layout.columns` columns (or the square root of their number), or,
/// when such cells would be too small for axes, on pages of readable
/// cells, as the reference viewer places them; each the size of its cell
/// less its axes, whole ranges, linear axes.
pub(crate) fn overview_views(layout: &Layout, canvas: Overview) -> HashMap<u32, (View, u64)> {
    let n = layout.channels.len() as u32;
    if n == 0 {
        return HashMap::new();
    }
    let square = |n: u32| (f64::from(n).sqrt().ceil() as u32).max(1);
    let mut columns = match u32::from(layout.columns) {
        0 => square(n),
        c => c.min(n),
    };
    let mut rows = n.div_ceil(columns).max(1);
    if canvas.width_px / columns < MIN_CELL.0 || canvas.height_px / rows < MIN_CELL.1 {
        columns = (canvas.width_px / PAGE_CELL.0).max(1);
        rows = (canvas.height_px / PAGE_CELL.1).max(1);
        if columns * rows >= n {
            columns = square(n);
            rows = n.div_ceil(columns).max(1);
        }
    }
    let width = (canvas.width_px / columns * AREA_SHARE.0 / 100).max(1);
    let height = (canvas.height_px / rows * AREA_SHARE.1 / 100).max(1);
    layout
        .channels
        .iter()
        .map(|c| {
            let view = View {
                channel: c.id,
                x_px: 0,
                width_px: width,
                height_px: height,
                x_range: None,
                y_range: None,
                x_log: false,
                y_log: false,
            };
            (c.id, (view, OVERVIEW_VIEW))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use plotcast_protocol::{ChannelKind, ChannelOptions, ChannelSpec};

    fn layout(n: u32, columns: u16) -> Layout {
        Layout {
            title: "t".into(),
            columns,
            channels: (0..n)
                .map(|id| ChannelSpec {
                    id,
                    name: format!("c{id}"),
                    kind: ChannelKind::Heatmap,
                    plot_type: String::new(),
                    options: ChannelOptions::default(),
                })
                .collect(),
        }
    }

    #[test]
    fn each_plot_gets_its_share_of_the_canvas() {
        let canvas = Overview {
            width_px: 1280,
            height_px: 720,
        };
        let views = overview_views(&layout(3, 0), canvas);
        assert_eq!(views.len(), 3);
        // 2 columns, 2 rows.
        let (v, version) = views[&1];
        assert_eq!((v.width_px, v.height_px), (544, 270));
        assert_eq!(version, OVERVIEW_VIEW);
        let (v, _) = overview_views(&layout(2, 1), canvas)[&0];
        assert_eq!((v.width_px, v.height_px), (1088, 270));
        // 20 000 plots: pages of 5 × 4 cells of 256 × 180 pixels.
        let (v, _) = overview_views(&layout(20_000, 0), canvas)[&0];
        assert_eq!((v.width_px, v.height_px), (217, 135));
        assert!(overview_views(&layout(0, 0), canvas).is_empty());
    }
}
