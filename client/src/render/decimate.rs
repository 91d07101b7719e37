//! Lines in pixel space: min/max decimation per pixel column and clipping
//! to the plotting area.
//!
//! A line of a million points crosses perhaps a thousand pixel columns.
//! Within one column the drawn line is a vertical run from the lowest to the
//! highest point the line visits there, plus the segments entering and
//! leaving the column. So of each run of consecutive points in the same
//! column it is enough to keep the first, the minimum, the maximum and the
//! last (in their original order): the line stays connected and covers the
//! same pixels. Points far off screen to the left or right only need their
//! first and last point. Pixel positions are rounded the way plotters rounds
//! them before grouping, so a group really is one column.
//!
//! ```text
//!   data ─▶ Mapping::to_pixel ─▶ [Decimator] ─▶ Clipper ─▶ polylines (i32)
//! ```

use crate::view::drawn::PixelRect;

/// A point in pixel space, already rounded to whole pixels.
pub(crate) type Px = (f64, f64);

/// Receives a stream of points with breaks (a NaN or a gap in the data).
pub(crate) trait PointSink {
    /// The next point of the current piece of line.
    fn point(&mut self, p: Px);
    /// Ends the current piece: the next point starts a new one.
    fn brk(&mut self);
}

/// Rounds a pixel coordinate the way plotters does (`floor(v + 1e-3)`).
/// `f64::floor` is a libm call on baseline x86-64 and dominated the line
/// pipeline; coordinates are within ±1e15 (see `Mapping::pixel`), so an
/// integer round trip is exact.
#[inline]
pub(crate) fn snap(v: f64) -> f64 {
    let v = v + 1e-3;
    let t = v as i64 as f64;
    if t > v {
        t - 1.0
    } else {
        t
    }
}

/// The pixel column of a point, or which side off screen it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    OffLeft,
    At(i64),
    OffRight,
}

#[derive(Debug, Clone, Copy)]
struct Group {
    column: Column,
    first: Px,
    min: Px,
    min_at: usize,
    max: Px,
    max_at: usize,
    last: Px,
    count: usize,
}

/// Min/max-per-column decimation, forwarding the kept points to a sink.
#[derive(Debug)]
pub(crate) struct Decimator {
    left: f64,
    right: f64,
    group: Option<Group>,
}

impl Decimator {
    /// A decimator for a plotting area spanning columns `rect.x ..= rect.right()`.
    pub(crate) fn new(rect: PixelRect) -> Self {
        Self {
            left: f64::from(rect.x) - 1.0,
            right: f64::from(rect.right()) + 1.0,
            group: None,
        }
    }

    /// Column of a (snapped) pixel x.
    #[inline]
    pub(crate) fn column(&self, x: f64) -> Column {
        if x < self.left {
            Column::OffLeft
        } else if x > self.right {
            Column::OffRight
        } else {
            Column::At(x as i64)
        }
    }

    /// Adds a point.
    #[inline]
    pub(crate) fn push(&mut self, p: Px, sink: &mut impl PointSink) {
        let column = self.column(p.0);
        if let Some(g) = &mut self.group {
            if g.column == column {
                // Selects rather than branches: on noisy data these
                // comparisons are unpredictable, and mispredictions were
                // most of the cost per point.
                g.count += 1;
                let below = p.1 < g.min.1;
                let above = p.1 > g.max.1;
                g.min = if below { p } else { g.min };
                g.min_at = if below { g.count } else { g.min_at };
                g.max = if above { p } else { g.max };
                g.max_at = if above { g.count } else { g.max_at };
                g.last = p;
                return;
            }
        }
        self.flush(sink);
        self.group = Some(Group {
            column,
            first: p,
            min: p,
            min_at: 1,
            max: p,
            max_at: 1,
            last: p,
            count: 1,
        });
    }

    /// Ends the current piece of line.
    pub(crate) fn brk(&mut self, sink: &mut impl PointSink) {
        self.flush(sink);
        sink.brk();
    }

    /// Emits what is pending.
    pub(crate) fn finish(&mut self, sink: &mut impl PointSink) {
        self.flush(sink);
    }

    fn flush(&mut self, sink: &mut impl PointSink) {
        let Some(g) = self.group.take() else { return };
        sink.point(g.first);
        if g.count == 1 {
            return;
        }
        if matches!(g.column, Column::At(_)) {
            // Segments between off-screen points of one side stay off
            // screen, so only on-screen columns need their extremes.
            let (a, b) = if g.min_at <= g.max_at {
                ((g.min, g.min_at), (g.max, g.max_at))
            } else {
                ((g.max, g.max_at), (g.min, g.min_at))
            };
            for (p, at) in [a, b] {
                if at != 1 && at != g.count {
                    sink.point(p);
                }
            }
        }
        sink.point(g.last);
    }
}

/// A clipped line ready for plotters: polylines and lone points.
#[derive(Debug, Default)]
pub(crate) struct Paths {
    /// Polylines of at least two points.
    pub(crate) lines: Vec<Vec<(i32, i32)>>,
    /// Points drawn on their own (a piece of line with a single point).
    pub(crate) dots: Vec<(i32, i32)>,
}

/// Clips segments to the plotting area and assembles integer polylines.
#[derive(Debug)]
pub(crate) struct Clipper {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    prev: Option<Px>,
    current: Vec<(i32, i32)>,
    paths: Paths,
    piece_len: usize,
}

impl Clipper {
    pub(crate) fn new(rect: PixelRect) -> Self {
        Self {
            x0: f64::from(rect.x),
            y0: f64::from(rect.y),
            x1: f64::from(rect.right()),
            y1: f64::from(rect.bottom()),
            prev: None,
            current: Vec::new(),
            paths: Paths::default(),
            piece_len: 0,
        }
    }

    fn inside(&self, p: Px) -> bool {
        p.0 >= self.x0 && p.0 <= self.x1 && p.1 >= self.y0 && p.1 <= self.y1
    }

    /// Liang–Barsky: the part of segment a→b inside the area.
    fn clip(&self, a: Px, b: Px) -> Option<(Px, Px)> {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let mut t0 = 0.0f64;
        let mut t1 = 1.0f64;
        for (p, q) in [
            (-dx, a.0 - self.x0),
            (dx, self.x1 - a.0),
            (-dy, a.1 - self.y0),
            (dy, self.y1 - a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
                if t0 > t1 {
                    return None;
                }
            }
        }
        let at = |t: f64| (a.0 + t * dx, a.1 + t * dy);
        Some((at(t0), at(t1)))
    }

    fn end_polyline(&mut self) {
        let line = std::mem::take(&mut self.current);
        if line.len() >= 2 {
            self.paths.lines.push(line);
        }
    }

    /// Ends everything and returns the polylines and lone dots.
    pub(crate) fn finish(mut self) -> Paths {
        self.brk();
        self.paths
    }
}

fn to_i(p: Px) -> (i32, i32) {
    (p.0.round() as i32, p.1.round() as i32)
}

impl PointSink for Clipper {
    fn point(&mut self, p: Px) {
        self.piece_len += 1;
        let Some(prev) = self.prev.replace(p) else {
            return;
        };
        if prev == p {
            return;
        }
        let Some((a, b)) = self.clip(prev, p) else {
            self.end_polyline();
            return;
        };
        let (a, b) = (to_i(a), to_i(b));
        if self.current.last() != Some(&a) {
            self.end_polyline();
            self.current.push(a);
        }
        if self.current.last() != Some(&b) {
            self.current.push(b);
        }
    }

    fn brk(&mut self) {
        if self.piece_len == 1 {
            if let Some(p) = self.prev {
                if self.inside(p) {
                    self.paths.dots.push(to_i(p));
                }
            }
        }
        self.end_polyline();
        self.prev = None;
        self.piece_len = 0;
    }
}

/// Collects points and breaks (`None`), for tests.
#[cfg(test)]
impl PointSink for Vec<Option<Px>> {
    fn point(&mut self, p: Px) {
        self.push(Some(p));
    }
    fn brk(&mut self) {
        self.push(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECT: PixelRect = PixelRect {
        x: 10,
        y: 10,
        w: 100,
        h: 100,
    };

    #[test]
    fn snap_is_floor() {
        for v in [
            -3.5,
            -3.0,
            -0.2,
            0.0,
            0.9989,
            0.9995,
            7.25,
            1e14 + 0.5,
            -1e15,
        ] {
            assert_eq!(snap(v), (v + 1e-3).floor(), "{v}");
        }
    }

    #[test]
    fn keeps_first_extremes_last_in_order() {
        let mut d = Decimator::new(RECT);
        let mut out: Vec<Option<Px>> = Vec::new();
        for (i, y) in [50.0, 20.0, 80.0, 60.0, 55.0].iter().enumerate() {
            d.push((30.0 + i as f64 * 0.1, *y), &mut out);
        }
        d.push((31.0, 40.0), &mut out);
        d.finish(&mut out);
        let ys: Vec<f64> = out.iter().flatten().map(|p| p.1).collect();
        assert_eq!(ys, vec![50.0, 20.0, 80.0, 55.0, 40.0]);
    }

    #[test]
    fn off_screen_runs_keep_only_their_ends() {
        let mut d = Decimator::new(RECT);
        let mut out: Vec<Option<Px>> = Vec::new();
        for i in 0..1000 {
            d.push((-5000.0 + i as f64, (i % 7) as f64 * 100.0), &mut out);
        }
        d.push((50.0, 50.0), &mut out);
        d.finish(&mut out);
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn breaks_split_lines() {
        let mut d = Decimator::new(RECT);
        let mut out: Vec<Option<Px>> = Vec::new();
        d.push((20.0, 20.0), &mut out);
        d.brk(&mut out);
        d.push((20.0, 30.0), &mut out);
        d.finish(&mut out);
        assert_eq!(out, vec![Some((20.0, 20.0)), None, Some((20.0, 30.0))]);
    }

    #[test]
    fn clipper_clips_to_the_area() {
        let mut c = Clipper::new(RECT);
        c.point((0.0, 60.0));
        c.point((200.0, 60.0));
        c.point((200.0, 500.0));
        c.brk();
        c.point((50.0, 50.0));
        c.brk();
        let paths = c.finish();
        assert_eq!(paths.lines, vec![vec![(10, 60), (109, 60)]]);
        assert_eq!(paths.dots, vec![(50, 50)]);
    }

    #[test]
    fn clipper_survives_huge_coordinates() {
        let mut c = Clipper::new(RECT);
        c.point((-1e15, -1e15));
        c.point((1e15, 1e15));
        let lines = c.finish().lines;
        assert_eq!(lines.len(), 1);
        assert!(lines[0]
            .iter()
            .all(|&(x, y)| (10..=109).contains(&x) && (10..=109).contains(&y)));
    }
}
