//! Many plots: pages, and one plot full-window.
//!
//! The figure's grid (see `layout_grid`) is drawn as it is when every
//! cell is big enough for axes. When some are not (about a hundred
//! channels in a 1280×720 window), the plots go on pages instead: a grid
//! of readable cells (at least about 240×160 pixels at the reference text
//! size), in layout order, one page at a time (n/p or PgDn/PgUp in the
//! window, `--page N` headless). One plot can also fill the window (Enter). A
//! notice strip always says what is not shown and how to reach it.

use plotcast_protocol::Layout;

use super::layout_grid;
use crate::view::drawn::PixelRect;
use crate::view::PageInfo;

/// Smallest cell that still gets axes; smaller cells are not drawn.
pub(crate) const MIN_CELL_W: u32 = 90;
/// See [`MIN_CELL_W`].
pub(crate) const MIN_CELL_H: u32 = 70;

/// Cell size of a paged grid at the reference text size (scaled with it).
const PAGE_CELL_W: f64 = 240.0;
const PAGE_CELL_H: f64 = 160.0;

/// Where each shown channel goes: `(layout index, cell)`.
pub(crate) struct Arrangement {
    pub cells: Vec<(usize, PixelRect)>,
    pub info: PageInfo,
}

impl Arrangement {
    /// True when the notice strip is needed (before counting what drew).
    pub(crate) fn needs_notice(&self) -> bool {
        self.info.focus || self.info.pages > 1 || self.info.on_page < self.info.total
    }
}

fn fits(r: &PixelRect) -> bool {
    r.w >= MIN_CELL_W && r.h >= MIN_CELL_H
}

/// Places the channels of `layout` in `area`: the layout's own grid when
/// every cell fits, else page `page` (clamped) of a paged grid; only
/// `focus` when it names a channel of the layout.
pub(crate) fn arrange(
    layout: &Layout,
    area: PixelRect,
    page: usize,
    focus: Option<u32>,
    text_scale: f64,
) -> Arrangement {
    let total = layout.channels.len();
    let mut info = PageInfo {
        pages: 1,
        total,
        ..PageInfo::default()
    };
    if let Some(index) = focus.and_then(|id| layout.channels.iter().position(|c| c.id == id)) {
        info.focus = true;
        info.first = index;
        info.on_page = 1;
        return Arrangement {
            cells: vec![(index, area)],
            info,
        };
    }
    let (rows, columns, cells) = layout_grid::place(layout);
    let placed: Vec<(usize, PixelRect)> = cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.map(|c| (i, layout_grid::cell_rect(area, rows, columns, c))))
        .collect();
    if placed.len() == total && placed.iter().all(|(_, r)| fits(r)) {
        info.on_page = total;
        return Arrangement {
            cells: placed,
            info,
        };
    }
    let scale = text_scale.clamp(0.6, 2.0);
    let cols = ((f64::from(area.w) / (PAGE_CELL_W * scale)).floor() as usize).max(1);
    let rows = ((f64::from(area.h) / (PAGE_CELL_H * scale)).floor() as usize).max(1);
    let (cols, rows) = if cols * rows >= total {
        // Everything fits once explicit cells are dropped.
        let c = ((total as f64).sqrt().ceil() as usize).max(1);
        (c, total.div_ceil(c).max(1))
    } else {
        (cols, rows)
    };
    let per_page = cols * rows;
    info.pages = total.div_ceil(per_page).max(1);
    info.page = page.min(info.pages - 1);
    info.first = info.page * per_page;
    info.on_page = per_page.min(total - info.first);
    let cells = (0..info.on_page)
        .map(|k| {
            let cell = plotcast_protocol::GridCell {
                row: (k / cols) as u16,
                col: (k % cols) as u16,
                rows: 1,
                cols: 1,
            };
            (
                info.first + k,
                layout_grid::cell_rect(area, rows, cols, cell),
            )
        })
        .collect();
    Arrangement { cells, info }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotcast_protocol::{ChannelKind, ChannelSpec};

    fn layout(n: u32) -> Layout {
        Layout {
            title: String::new(),
            columns: 0,
            channels: (0..n)
                .map(|i| ChannelSpec::new(i, format!("c{i}"), ChannelKind::Line))
                .collect(),
        }
    }

    const AREA: PixelRect = PixelRect {
        x: 0,
        y: 30,
        w: 1280,
        h: 640,
    };

    #[test]
    fn a_few_plots_use_the_layout_grid() {
        let a = arrange(&layout(4), AREA, 3, None, 1.0);
        assert_eq!((a.info.pages, a.info.page, a.cells.len()), (1, 0, 4));
        assert!(!a.needs_notice());
    }

    #[test]
    fn a_hundred_plots_go_on_pages_of_readable_cells() {
        let a = arrange(&layout(100), AREA, 0, None, 1.0);
        assert!(a.info.pages > 1, "{:?}", a.info);
        assert!(a.cells.iter().all(|(_, r)| r.w >= 240 && r.h >= 160));
        let per_page = a.cells.len();
        let last = arrange(&layout(100), AREA, 999, None, 1.0);
        assert_eq!(last.info.page, last.info.pages - 1);
        assert_eq!(last.info.first + last.info.on_page, 100);
        assert_eq!(last.info.first, (last.info.pages - 1) * per_page);
        let mut info = a.info;
        info.drawn = per_page;
        let notice = info.notice().unwrap_or_default();
        assert!(
            notice.contains(&format!("({} not shown)", 100 - per_page)),
            "{notice}"
        );
        assert!(notice.contains("page 1 of"), "{notice}");
    }

    #[test]
    fn focus_shows_one_plot_in_the_whole_area() {
        let a = arrange(&layout(100), AREA, 0, Some(42), 1.0);
        assert_eq!(a.cells, vec![(42, AREA)]);
        assert!(a.info.focus && a.needs_notice());
        // An unknown channel (gone from the layout) shows the grid again.
        let a = arrange(&layout(4), AREA, 0, Some(42), 1.0);
        assert!(!a.info.focus && a.cells.len() == 4);
    }
}
