//! Placing the figure's channels in a grid of subplots.
//!
//! A channel with a [`GridCell`] goes where it says (spanning rows and
//! columns). The others fill the free cells in reading order. Without any
//! explicit cell the grid has `layout.columns` columns, or, when that is 0,
//! a near-square shape (`ceil(sqrt(n))` columns), as matplotlib's
//! `subplots` users usually choose.

use plotcast_protocol::{GridCell, Layout};

use crate::view::drawn::PixelRect;

/// Largest grid side accepted from a layout; cells beyond it are ignored so
/// a hostile layout cannot make the viewer allocate a huge occupancy map.
const MAX_SIDE: usize = 64;

/// Grid cell of every channel, in layout order (`None`: no room for it).
pub(crate) fn place(layout: &Layout) -> (usize, usize, Vec<Option<GridCell>>) {
    let n = layout.channels.len();
    if n == 0 {
        return (0, 0, Vec::new());
    }
    let explicit = |c: &GridCell| {
        let (r, col) = (usize::from(c.row), usize::from(c.col));
        let (rows, cols) = (usize::from(c.rows.max(1)), usize::from(c.cols.max(1)));
        (r + rows <= MAX_SIDE && col + cols <= MAX_SIDE).then_some((r, col, rows, cols))
    };
    let mut columns = usize::from(layout.columns).min(MAX_SIDE);
    let mut rows = 0;
    for cell in layout
        .channels
        .iter()
        .filter_map(|c| c.options.cell.as_ref())
    {
        if let Some((r, c, h, w)) = explicit(cell) {
            columns = columns.max(c + w);
            rows = rows.max(r + h);
        }
    }
    let auto = layout
        .channels
        .iter()
        .filter(|c| c.options.cell.as_ref().and_then(explicit).is_none())
        .count();
    if columns == 0 {
        columns = ((auto as f64).sqrt().ceil() as usize).clamp(1, MAX_SIDE);
    }
    let mut occupied = vec![vec![false; columns]; MAX_SIDE];
    let mut cells = vec![None; n];
    for (i, spec) in layout.channels.iter().enumerate() {
        if let Some((r, c, h, w)) = spec.options.cell.as_ref().and_then(explicit) {
            for row in occupied.iter_mut().skip(r).take(h) {
                for slot in row.iter_mut().skip(c).take(w) {
                    *slot = true;
                }
            }
            cells[i] = Some(GridCell {
                row: r as u16,
                col: c as u16,
                rows: h as u16,
                cols: w as u16,
            });
        }
    }
    let mut next = 0usize;
    for (i, spec) in layout.channels.iter().enumerate() {
        if spec.options.cell.is_some() && cells[i].is_some() {
            continue;
        }
        while next < MAX_SIDE * columns && occupied[next / columns][next % columns] {
            next += 1;
        }
        if next >= MAX_SIDE * columns {
            break;
        }
        let (r, c) = (next / columns, next % columns);
        occupied[r][c] = true;
        rows = rows.max(r + 1);
        cells[i] = Some(GridCell {
            row: r as u16,
            col: c as u16,
            rows: 1,
            cols: 1,
        });
    }
    (rows, columns, cells)
}

/// Pixel rectangle of a grid cell inside `area` divided into `rows × columns`.
pub(crate) fn cell_rect(area: PixelRect, rows: usize, columns: usize, cell: GridCell) -> PixelRect {
    let edge = |start: i32, len: u32, parts: usize, i: usize| {
        start + (f64::from(len) * i as f64 / parts.max(1) as f64).round() as i32
    };
    let (r0, c0) = (usize::from(cell.row), usize::from(cell.col));
    let (r1, c1) = (
        r0 + usize::from(cell.rows.max(1)),
        c0 + usize::from(cell.cols.max(1)),
    );
    let x0 = edge(area.x, area.w, columns, c0);
    let x1 = edge(area.x, area.w, columns, c1.min(columns));
    let y0 = edge(area.y, area.h, rows, r0);
    let y1 = edge(area.y, area.h, rows, r1.min(rows));
    PixelRect {
        x: x0,
        y: y0,
        w: (x1 - x0).max(0) as u32,
        h: (y1 - y0).max(0) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotcast_protocol::{ChannelKind, ChannelSpec};

    fn layout(n: u32, columns: u16) -> Layout {
        Layout {
            title: String::new(),
            columns,
            channels: (0..n)
                .map(|i| ChannelSpec::new(i, format!("c{i}"), ChannelKind::Line))
                .collect(),
        }
    }

    #[test]
    fn near_square_auto_grid() {
        let (rows, cols, cells) = place(&layout(4, 0));
        assert_eq!((rows, cols), (2, 2));
        assert!(cells.iter().all(Option::is_some));
        let (rows, cols, _) = place(&layout(5, 0));
        assert_eq!((rows, cols), (2, 3));
        let (rows, cols, _) = place(&layout(3, 1));
        assert_eq!((rows, cols), (3, 1));
    }

    #[test]
    fn explicit_cells_and_fill() {
        let mut l = layout(3, 0);
        l.channels[0].options.cell = Some(GridCell {
            row: 0,
            col: 0,
            rows: 1,
            cols: 2,
        });
        let (rows, cols, cells) = place(&l);
        assert_eq!(cols, 2);
        assert_eq!(rows, 2);
        assert_eq!(
            cells[1],
            Some(GridCell {
                row: 1,
                col: 0,
                rows: 1,
                cols: 1
            })
        );
        assert_eq!(
            cells[2],
            Some(GridCell {
                row: 1,
                col: 1,
                rows: 1,
                cols: 1
            })
        );
        let area = PixelRect {
            x: 0,
            y: 0,
            w: 100,
            h: 50,
        };
        let r = cell_rect(
            area,
            rows,
            cols,
            cells[0].unwrap_or(GridCell {
                row: 0,
                col: 0,
                rows: 1,
                cols: 1,
            }),
        );
        assert_eq!((r.x, r.y, r.w, r.h), (0, 0, 100, 25));
    }

    #[test]
    fn hostile_cells_are_ignored() {
        let mut l = layout(2, 0);
        l.channels[0].options.cell = Some(GridCell {
            row: 60000,
            col: 60000,
            rows: 9,
            cols: 9,
        });
        let (rows, cols, cells) = place(&l);
        assert!(rows <= MAX_SIDE && cols <= MAX_SIDE);
        assert!(cells.iter().all(Option::is_some));
    }
}
