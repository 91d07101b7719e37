//! Heatmaps are not drawn as rectangles: each pixel of the plotting area
//! samples the `nx × ny` grid (nearest neighbour) and goes through the
//! colormap straight into the RGB buffer.
//!
//! Orientation follows matplotlib's `imshow(origin="lower")`: the grid is
//! row-major with row 0 first, and row 0 is drawn at the bottom; column 0
//! is at the left. Axes are in cell coordinates: cell `(i, j)` covers
//! `x ∈ [i, i+1)`, `y ∈ [j, j+1)`. The grid fills its plot (no fixed aspect
//! ratio), which suits live viewing of any window shape.

use std::borrow::Cow;

use plotcast_protocol::{Frame, Scale};

use super::canvas::Pixel;
use crate::colormap::{Colormap, ValueScale};
use crate::model::AxisView;
use crate::model::{resolve, valid, Extent, Pad};
use crate::view::drawn::PixelRect;

/// Background outside the grid (when zoomed or panned past its edge).
const OUTSIDE: [u8; 3] = [255, 255, 255];

/// A heatmap frame's grid, ready to sample. A frame reduced for the
/// viewer's view (level of detail) carries fewer cells than the grid it
/// stands for: `full` is that grid's size and `window` the cells of it the
/// carried ones cover (`x0, x1, y0, y1`); otherwise both are the grid's own.
#[derive(Debug)]
pub(crate) struct Grid<'a> {
    pub values: Cow<'a, [f64]>,
    pub nx: usize,
    pub ny: usize,
    pub full: (usize, usize),
    pub window: (usize, usize, usize, usize),
}

impl<'a> Grid<'a> {
    /// The grid of a heatmap frame, if it has one.
    pub(crate) fn of(frame: &'a Frame) -> Option<Self> {
        let part = frame.parts.first()?;
        let (nx, ny) = (frame.nx as usize, frame.ny as usize);
        let (full, window) = match frame.lod.as_ref().and_then(|l| l.grid) {
            Some(g) if g.is_valid() => (
                (g.full_nx as usize, g.full_ny as usize),
                (g.x0 as usize, g.x1 as usize, g.y0 as usize, g.y1 as usize),
            ),
            _ => ((nx, ny), (0, nx, 0, ny)),
        };
        (nx > 0 && ny > 0).then(|| Self {
            values: part.y.to_f64(),
            nx,
            ny,
            full,
            window,
        })
    }

    /// Value of cell (column `i`, row `j`); NaN if the frame was short.
    #[inline]
    fn at(&self, i: usize, j: usize) -> f64 {
        self.values
            .get(j * self.nx + i)
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// The value standing for cell (`i`, `j`) of the full grid, and whether
    /// it is that cell's own (false when the frame was reduced and the
    /// value stands for a block of cells); `None` outside what the frame
    /// carries.
    pub(crate) fn value_of_cell(&self, i: usize, j: usize) -> Option<(f64, bool)> {
        let (x0, x1, y0, y1) = self.window;
        if !(x0 <= i && i < x1 && y0 <= j && j < y1) {
            return None;
        }
        let (w, h) = (x1 - x0, y1 - y0);
        // The block a cell went into, by its centre, as the server reduces.
        let block = |c: usize, out: usize, of: usize| (2 * c + 1) * out / (2 * of.max(1));
        let (ci, cj) = (block(i - x0, self.nx, w), block(j - y0, self.ny, h));
        Some((self.at(ci, cj), w == self.nx && h == self.ny))
    }

    /// The value range to colour: `range` if drawable, else min/max of
    /// the finite values (clipped to what an axis can show), else (0, 1).
    /// A flat grid gets ±0.5 around its value.
    pub(crate) fn value_range(&self, range: Option<(f64, f64)>) -> (f64, f64) {
        if let Some(range) = range.filter(|(lo, hi)| lo < hi) {
            if let Some(range) = valid(range, Scale::Linear) {
                return range;
            }
        }
        // A plain loop (no Option per value): this runs over every cell of
        // every heatmap frame.
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &v in self.values.iter() {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        let mut extent = Extent::default();
        if lo <= hi {
            extent.add(lo, Scale::Linear);
            extent.add(hi, Scale::Linear);
        }
        resolve(None, extent, Scale::Linear, Pad::NONE)
    }
}

/// Calls `color(column, row)` (relative to `rect`) for every pixel of
/// `rect` inside the canvas.
pub(crate) fn paint<P: Pixel>(
    out: &mut [P],
    width: u32,
    height: u32,
    rect: PixelRect,
    mut color: impl FnMut(u32, u32) -> [u8; 3],
) {
    let x0 = rect.x.max(0);
    let x1 = (rect.x + rect.w as i32).min(width as i32);
    let y0 = rect.y.max(0);
    let y1 = (rect.y + rect.h as i32).min(height as i32);
    for y in y0..y1 {
        let start = y as usize * width as usize + x0 as usize;
        let end = y as usize * width as usize + x1.max(x0) as usize;
        let Some(row) = out.get_mut(start..end) else {
            return;
        };
        for (k, px) in row.iter_mut().enumerate() {
            *px = P::of(color((x0 - rect.x) as u32 + k as u32, (y - rect.y) as u32));
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn heatmap<P: Pixel>(
    out: &mut [P],
    width: u32,
    height: u32,
    rect: PixelRect,
    grid: &Grid<'_>,
    view: &AxisView,
    cmap: &Colormap,
    scale: &ValueScale,
) {
    // Which cell each pixel column and row samples (at the pixel centre):
    // the view is in cells of the full grid; the carried cells cover
    // `start..end` of them, `count` cells for that span.
    let cells = |n: u32,
                 lo: f64,
                 hi: f64,
                 (start, end, count): (usize, usize, usize),
                 flip: bool|
     -> Vec<Option<usize>> {
        let (start, span) = (start as f64, (end - start) as f64);
        (0..n)
            .map(|k| {
                let f = (f64::from(k) + 0.5) / f64::from(n.max(1));
                let v = if flip {
                    hi - f * (hi - lo)
                } else {
                    lo + f * (hi - lo)
                };
                let at = (v - start) / span * count as f64;
                (at >= 0.0 && at < count as f64).then_some(at as usize)
            })
            .collect()
    };
    // The colormap's entries as pixels, looked up as `Colormap::color`.
    let table: [P; 256] = std::array::from_fn(|i| P::of(cmap.entry(i)));
    let bad = P::of(cmap.color(f64::NAN));
    let pixel = |v: f64| Colormap::index(scale.t(v)).map_or(bad, |i| table[i]);
    let (wx0, wx1, wy0, wy1) = grid.window;
    let cols = cells(rect.w, view.x.0, view.x.1, (wx0, wx1, grid.nx), false);
    let rows = cells(rect.h, view.y.0, view.y.1, (wy0, wy1, grid.ny), true);
    let cells_count = grid.nx.saturating_mul(grid.ny);
    if cells_count <= rect.w as usize * rect.h as usize {
        // Fewer cells than pixels: colour each cell once, then copy rows of
        // colours; a pixel row that samples the same cell row as the one
        // above is a plain copy of it.
        // Row-major like the grid (a short frame's missing cells are NaN).
        let mut colors: Vec<P> = Vec::with_capacity(cells_count);
        let carried = &grid.values[..grid.values.len().min(cells_count)];
        colors.extend(carried.iter().map(|&v| pixel(v)));
        colors.resize(cells_count, bad);
        let outside = P::of(OUTSIDE);
        paint_rows(
            out,
            width,
            height,
            rect,
            &rows,
            |r, first_col, line| match r {
                Some(j) => {
                    let cell_row = &colors[j * grid.nx..(j + 1) * grid.nx];
                    for (px, c) in line.iter_mut().zip(&cols[first_col..]) {
                        *px = c.map_or(outside, |i| cell_row[i]);
                    }
                }
                None => line.fill(outside),
            },
        );
    } else {
        paint_rows(out, width, height, rect, &rows, |r, first_col, line| {
            let outside = P::of(OUTSIDE);
            for (px, c) in line.iter_mut().zip(&cols[first_col..]) {
                *px = match (c, r) {
                    (Some(i), Some(j)) => pixel(grid.at(*i, j)),
                    _ => outside,
                };
            }
        });
    }
}

/// Paints `rect` row by row, clipped to the canvas: `fill(rows[r],
/// first_col, pixels)` gets the visible part of pixel row `r` of `rect`,
/// which starts at column `first_col` of `rect`. Rows whose key equals the
/// previous row's are copied instead of painted again.
fn paint_rows<P: Pixel>(
    out: &mut [P],
    width: u32,
    height: u32,
    rect: PixelRect,
    rows: &[Option<usize>],
    mut fill: impl FnMut(Option<usize>, usize, &mut [P]),
) {
    let x0 = rect.x.max(0);
    let x1 = (rect.x + rect.w as i32).min(width as i32);
    let y0 = rect.y.max(0);
    let y1 = (rect.y + rect.h as i32).min(height as i32);
    if x1 <= x0 || y1 <= y0 {
        return;
    }
    let first_col = (x0 - rect.x) as usize;
    let stride = width as usize;
    let row_len = (x1 - x0) as usize;
    let mut previous: Option<(usize, Option<usize>)> = None;
    for y in y0..y1 {
        let key = rows.get((y - rect.y) as usize).copied().flatten();
        let start = y as usize * stride + x0 as usize;
        if start + row_len > out.len() {
            return;
        }
        match previous {
            Some((prev_start, prev_key)) if prev_key == key => {
                out.copy_within(prev_start..prev_start + row_len, start);
            }
            _ => fill(key, first_col, &mut out[start..start + row_len]),
        }
        previous = Some((start, key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotcast_protocol::{Array, ChannelKind, Part};

    fn frame(nx: u32, ny: u32, values: &[f64]) -> Frame {
        Frame {
            channel: 0,
            seq: 0,
            timestamp_us: 0,
            kind: ChannelKind::Heatmap,
            nx,
            ny,
            range: None,
            parts: vec![Part {
                name: String::new(),
                first_index: 0,
                x: None,
                y: Array::from_f64(values),
            }],
            lod: None,
        }
    }

    #[test]
    fn row_zero_is_at_the_bottom() {
        let f = frame(1, 2, &[0.0, 1.0]);
        let grid = Grid::of(&f).expect("grid");
        let (w, h) = (4u32, 4u32);
        let mut out = vec![0u32; (w * h) as usize];
        let cmap = Colormap::viridis();
        let view = AxisView {
            x: (0.0, 1.0),
            y: (0.0, 2.0),
        };
        let rect = PixelRect { x: 0, y: 0, w, h };
        let scale = ValueScale::new(0.0, 1.0);
        heatmap(&mut out, w, h, rect, &grid, &view, &cmap, &scale);
        assert_eq!(out[0], u32::of(cmap.color(1.0))); // top row: row 1 (value 1)
        let last = out.len() - 1;
        assert_eq!(out[last], u32::of(cmap.color(0.0))); // bottom row: row 0
    }

    #[test]
    fn value_range_ignores_bad_values() {
        let f = frame(2, 2, &[f64::NAN, 1.0, f64::INFINITY, 3.0]);
        let grid = Grid::of(&f).expect("grid");
        assert_eq!(grid.value_range(None), (1.0, 3.0));
        assert_eq!(grid.value_range(Some((0.0, 10.0))), (0.0, 10.0));
        assert_eq!(grid.value_range(Some((5.0, 5.0))), (1.0, 3.0));
        let f = frame(1, 1, &[f64::NAN]);
        assert_eq!(Grid::of(&f).expect("grid").value_range(None), (0.0, 1.0));
    }

    /// Paints a 2 × 2 grid (values 0, 1 / 2, 3) into `rect` on a 4 × 4
    /// canvas; returns the canvas.
    fn blit_2x2(rect: PixelRect) -> Vec<u32> {
        let f = frame(2, 2, &[0.0, 1.0, 2.0, 3.0]);
        let mut out = vec![0u32; 4 * 4];
        let view = AxisView {
            x: (0.0, 2.0),
            y: (0.0, 2.0),
        };
        let grid = Grid::of(&f).expect("grid");
        let scale = ValueScale::new(0.0, 3.0);
        heatmap(
            &mut out,
            4,
            4,
            rect,
            &grid,
            &view,
            &Colormap::viridis(),
            &scale,
        );
        out
    }

    #[test]
    fn a_rect_past_the_canvas_edges_is_clipped() {
        let cmap = Colormap::viridis();
        let px = |out: &[u32], x: usize, y: usize| super::super::canvas::rgb_of(out[y * 4 + x]);
        // 4 × 4 pixels starting 2 left of and 2 above the canvas: only the
        // bottom-right cell (column 1, row 0: value 1) is on the canvas.
        let out = blit_2x2(PixelRect {
            x: -2,
            y: -2,
            w: 4,
            h: 4,
        });
        assert_eq!(px(&out, 0, 0), cmap.color(1.0 / 3.0));
        assert_eq!(px(&out, 1, 1), cmap.color(1.0 / 3.0));
        assert_eq!(px(&out, 2, 0), [0, 0, 0], "right of the rect: untouched");
        assert_eq!(px(&out, 0, 2), [0, 0, 0], "below the rect: untouched");
        // Starting at (2, 2) and running off the right and bottom edges: the
        // top-left cell (column 0, row 1: value 2) is what shows.
        let out = blit_2x2(PixelRect {
            x: 2,
            y: 2,
            w: 4,
            h: 4,
        });
        assert_eq!(px(&out, 2, 2), cmap.color(2.0 / 3.0));
        assert_eq!(px(&out, 3, 3), cmap.color(2.0 / 3.0));
        assert_eq!(px(&out, 1, 1), [0, 0, 0]);
    }
}
