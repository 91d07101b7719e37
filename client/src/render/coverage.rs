//! [`Coverage`]: where a plot's traces put their ink, counted on a coarse
//! grid while they are drawn, and the points nothing may hide (each append
//! series' newest point). The legend reads it to go where it hides least
//! (matplotlib's `loc="best"`).
//!
//! It lives in the renderer, filled from the pixel paths the traces are
//! drawn with: the model and the view know nothing of it.
//!
//! ```text
//!  plot area in 4×4 px cells      counts: trace pixels per cell
//!  ┌───────────────────────┐
//!  │ 0 0 0 0 3 5 2 0 0 0 0 │      ink_in(box) = Σ counts × overlap
//!  │ 0 0 2 6 1 0 4 3 0 0 0 │      keep_clear: newest points (◆)
//!  │ 4 5 1 0 0 0 0 1 5 6 ◆ │
//!  └───────────────────────┘
//! ```

use super::decimate::{snap, Paths};
use super::plots::Bar;
use crate::view::drawn::{Mapping, PixelRect};

/// Side of a grid cell, in pixels.
const CELL_PX: i32 = 4;

/// Ink per cell of a plotting area, and the points to keep clear.
#[derive(Debug, Clone)]
pub(crate) struct Coverage {
    rect: PixelRect,
    cols: usize,
    counts: Vec<u32>,
    keep_clear: Vec<(i32, i32)>,
}

impl Coverage {
    /// Nothing drawn yet in `rect`.
    pub(crate) fn new(rect: PixelRect) -> Self {
        let cols = (rect.w as usize).div_ceil(CELL_PX as usize);
        let rows = (rect.h as usize).div_ceil(CELL_PX as usize);
        Self {
            rect,
            cols,
            counts: vec![0; cols * rows],
            keep_clear: Vec::new(),
        }
    }

    fn cell(&self, x: i32, y: i32) -> Option<usize> {
        let (cx, cy) = (x - self.rect.x, y - self.rect.y);
        if cx < 0 || cy < 0 || cx >= self.rect.w as i32 || cy >= self.rect.h as i32 {
            return None;
        }
        Some((cy / CELL_PX) as usize * self.cols + (cx / CELL_PX) as usize)
    }

    fn add_pixel(&mut self, x: i32, y: i32, weight: u32) {
        if let Some(i) = self.cell(x, y) {
            self.counts[i] = self.counts[i].saturating_add(weight);
        }
    }

    /// The pixels of a line's paths (one per step along each segment).
    pub(crate) fn add_paths(&mut self, paths: &Paths) {
        for line in &paths.lines {
            for w in line.windows(2) {
                let ((x0, y0), (x1, y1)) = (w[0], w[1]);
                let steps = (x1 - x0).abs().max((y1 - y0).abs()).max(1);
                for s in 0..steps {
                    let t = f64::from(s) / f64::from(steps);
                    let x = f64::from(x0) + t * f64::from(x1 - x0);
                    let y = f64::from(y0) + t * f64::from(y1 - y0);
                    self.add_pixel(x.round() as i32, y.round() as i32, 1);
                }
            }
            if let Some(&(x, y)) = line.last() {
                self.add_pixel(x, y, 1);
            }
        }
        for &(x, y) in &paths.dots {
            self.add_pixel(x, y, 1);
        }
    }

    /// Scatter markers of `radius` at the points the axes can show.
    pub(crate) fn add_points(
        &mut self,
        map: &Mapping,
        points: impl Iterator<Item = (f64, f64)>,
        radius: i32,
    ) {
        for (x, y) in points {
            // Only markers centred inside are drawn (see `draw_points`).
            let Some((px, py)) = map.pixel(x, y).map(|(a, b)| (snap(a), snap(b))) else {
                continue;
            };
            if self.rect.contains(px, py) {
                let (px, py) = (px as i32, py as i32);
                self.add_area(px - radius, py - radius, px + radius, py + radius);
            }
        }
    }

    /// Bars from `base` to their heights.
    pub(crate) fn add_bars(&mut self, map: &Mapping, bars: &[Bar], base: f64) {
        for bar in bars {
            let (Some(a), Some(b)) = (map.pixel(bar.x0, base), map.pixel(bar.x1, bar.height))
            else {
                continue;
            };
            // Pixels far off the area (up to ±1e15) are brought near it
            // before they become integers.
            let r = self.rect;
            let near_x =
                |v: f64| snap(v).clamp(f64::from(r.x) - 1.0, f64::from(r.right()) + 1.0) as i32;
            let near_y =
                |v: f64| snap(v).clamp(f64::from(r.y) - 1.0, f64::from(r.bottom()) + 1.0) as i32;
            let (x0, x1) = (near_x(a.0.min(b.0)), near_x(a.0.max(b.0)));
            let (y0, y1) = (near_y(a.1.min(b.1)), near_y(a.1.max(b.1)));
            self.add_area(x0, y0, x1, y1);
        }
    }

    /// Every pixel of the rectangle from `(x0, y0)` to `(x1, y1)`
    /// (inclusive), clipped to the area.
    fn add_area(&mut self, x0: i32, y0: i32, x1: i32, y1: i32) {
        let r = self.rect;
        let (x0, x1) = (x0.max(r.x), x1.min(r.right()));
        let (y0, y1) = (y0.max(r.y), y1.min(r.bottom()));
        if x0 > x1 || y0 > y1 {
            return;
        }
        // Cell by cell: a bar as tall as the plot costs its cells, not its
        // pixels.
        let mut cy = y0;
        while cy <= y1 {
            let cell_bottom = r.y + ((cy - r.y) / CELL_PX + 1) * CELL_PX - 1;
            let ry = (cell_bottom.min(y1) - cy + 1) as u32;
            let mut cx = x0;
            while cx <= x1 {
                let cell_right = r.x + ((cx - r.x) / CELL_PX + 1) * CELL_PX - 1;
                let rx = (cell_right.min(x1) - cx + 1) as u32;
                self.add_pixel(cx, cy, rx * ry);
                cx = cell_right + 1;
            }
            cy = cell_bottom + 1;
        }
    }

    /// A point nothing may cover (a series' newest point), if inside.
    pub(crate) fn keep_clear(&mut self, map: &Mapping, x: f64, y: f64) {
        if let Some((px, py)) = map.pixel(x, y) {
            let (px, py) = (snap(px) as i32, snap(py) as i32);
            if self.rect.contains(f64::from(px), f64::from(py)) {
                self.keep_clear.push((px, py));
            }
        }
    }

    /// The ink under `r`: each cell's count times the share of it `r`
    /// covers.
    pub(crate) fn ink_in(&self, r: PixelRect) -> f64 {
        let a = self.rect;
        let (x0, x1) = (r.x.max(a.x), (r.x + r.w as i32).min(a.x + a.w as i32));
        let (y0, y1) = (r.y.max(a.y), (r.y + r.h as i32).min(a.y + a.h as i32));
        if x0 >= x1 || y0 >= y1 {
            return 0.0;
        }
        let cell = |v: i32, origin: i32| ((v - origin) / CELL_PX) as usize;
        // Cells at the area's right and bottom edges may be cut short.
        let (a_right, a_bottom) = (a.x + a.w as i32, a.y + a.h as i32);
        let mut ink = 0.0;
        for row in cell(y0, a.y)..=cell(y1 - 1, a.y) {
            let top = a.y + row as i32 * CELL_PX;
            let h = (top + CELL_PX).min(y1) - top.max(y0);
            let cell_h = (top + CELL_PX).min(a_bottom) - top;
            for col in cell(x0, a.x)..=cell(x1 - 1, a.x) {
                let left = a.x + col as i32 * CELL_PX;
                let w = (left + CELL_PX).min(x1) - left.max(x0);
                let cell_w = (left + CELL_PX).min(a_right) - left;
                let share = f64::from(w * h) / f64::from(cell_w * cell_h);
                ink += f64::from(self.counts[row * self.cols + col]) * share;
            }
        }
        ink
    }

    /// A pixel nothing may cover.
    #[cfg(test)]
    pub(crate) fn keep_clear_px(&mut self, at: (i32, i32)) {
        self.keep_clear.push(at);
    }

    /// True when `r`, grown by `margin` pixels, holds a point to keep clear.
    pub(crate) fn hides_kept(&self, r: PixelRect, margin: i32) -> bool {
        self.keep_clear.iter().any(|&(x, y)| {
            x >= r.x - margin
                && x < r.x + r.w as i32 + margin
                && y >= r.y - margin
                && y < r.y + r.h as i32 + margin
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AREA: PixelRect = PixelRect {
        x: 10,
        y: 20,
        w: 100,
        h: 50,
    };

    #[test]
    fn ink_is_counted_where_it_was_drawn() {
        let mut c = Coverage::new(AREA);
        assert_eq!(c.counts.len(), 25 * 13);
        let paths = Paths {
            lines: vec![vec![(10, 20), (49, 20)]],
            dots: vec![(100, 60)],
        };
        c.add_paths(&paths);
        let left = PixelRect {
            x: 10,
            y: 20,
            w: 40,
            h: 4,
        };
        assert!((c.ink_in(left) - 40.0).abs() < 1e-9, "{}", c.ink_in(left));
        let right = PixelRect { x: 60, ..left };
        assert_eq!(c.ink_in(right), 0.0);
        // Off the area counts nothing, and does not panic.
        c.add_area(-50, -50, 5, 5);
        c.add_area(10, 60, 13, 69);
        let corner = PixelRect {
            x: 10,
            y: 60,
            w: 4,
            h: 10,
        };
        assert!(
            (c.ink_in(corner) - 40.0).abs() < 1e-9,
            "{}",
            c.ink_in(corner)
        );
    }

    #[test]
    fn kept_points_are_found_with_a_margin() {
        let mut c = Coverage::new(AREA);
        c.keep_clear_px((105, 30));
        let near = PixelRect {
            x: 80,
            y: 20,
            w: 20,
            h: 20,
        };
        assert!(!c.hides_kept(near, 0));
        assert!(c.hides_kept(near, 6));
    }
}
