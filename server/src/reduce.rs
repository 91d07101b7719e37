//! Data reduced to what a viewer's view can show (level of detail).
//!
//! Lines and append series keep, per pixel column, the points the
//! renderer's own decimation keeps (first, lowest, highest, last), binned
//! with exactly the arithmetic the renderer maps with: drawing the reduced
//! line gives the same pixels as drawing every point. Scatter keeps one
//! point per pixel (and the extremes, so autoscaling sees the same data
//! extent). Heatmaps keep at most one cell per pixel of the visible cells,
//! each standing for a block by its most extreme value (a single hot or
//! cold cell survives), its mean, its maximum or its minimum, as the
//! channel chooses.
//!
//! These functions are pure and run on a blocking thread of the network
//! runtime, never on the computation's thread.

use std::cell::RefCell;

use plotcast_protocol::{ArrayRef, GridWindow, View, U16_NAN, U16_TOP, U8_NAN, U8_TOP};

use crate::heatmap_blocks::{
    finite_extent, first_of, highest, lowest, mean_blocks, min_max_blocks, Blocks,
};

/// How a heatmap block is reduced to one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum HeatmapReduce {
    /// The value farthest from the middle of the colour range: hot and
    /// cold spots both survive (the default).
    #[default]
    Extreme,
    /// The mean of the finite values: smooth, but a single hot cell fades.
    Mean,
    /// The largest value.
    Max,
    /// The smallest value.
    Min,
}

/// Values a pixel column may keep (first, lowest, highest, last).
const POINTS_PER_COLUMN: usize = 4;

/// Pixel coordinates are clamped here by the renderer (see its Mapping).
const FAR: f64 = 1e15;

/// Largest magnitude the renderer draws on a linear axis and on a log one.
const MAX_MAGNITUDE: f64 = 1e300;
const MAX_LOG_MAGNITUDE: f64 = 1e150;
const MIN_SPAN: f64 = 1e-290;
const MIN_RELATIVE_SPAN: f64 = 1e-12;

/// The renderer's rounding of a pixel coordinate (`floor(v + 1e-3)`).
/// Pixels are clamped to ±[`FAR`], far inside the range where truncation
/// is exact; written out because `f64::floor` is a library call on
/// baseline x86-64 (no SSE4.1), a third of a line's reduction. Only the
/// sign of a zero may differ from `floor`, and pixels are compared and
/// truncated, never shown.
#[inline]
fn snap(v: f64) -> f64 {
    let v = v + 1e-3;
    let t = v as i64 as f64;
    if t > v {
        t - 1.0
    } else {
        t
    }
}

/// One axis as the renderer maps it: the same operations in the same
/// order, so a value falls in the same pixel on both sides.
#[derive(Debug, Clone, Copy)]
struct Axis {
    lo: f64,
    gain: f64,
    origin: f64,
    log: bool,
}

impl Axis {
    /// The axis drawing `range` over `pixels` starting at `origin`.
    fn new(range: (f64, f64), log: bool, origin: f64, pixels: u32) -> Self {
        let t = |v: f64| if log { v.log10() } else { v };
        let (lo, hi) = (t(range.0), t(range.1));
        Self {
            lo,
            gain: f64::from(pixels.saturating_sub(1)) / (hi - lo),
            origin,
            log,
        }
    }

    /// The (unrounded) pixel of `v`, `None` where the axis cannot show it.
    fn pixel(&self, v: f64) -> Option<f64> {
        if !v.is_finite() || (self.log && v <= 0.0) {
            return None;
        }
        let t = if self.log { v.log10() } else { v };
        let p = self.origin + (t - self.lo) * self.gain;
        (!p.is_nan()).then(|| p.clamp(-FAR, FAR))
    }
}

/// The range the renderer autoscales an axis to, for data from `lo` to
/// `hi` with `pad` added on both sides; `None` when the renderer would fall
/// back to a default (flat or extreme data): then nothing is reduced.
fn autoscale(lo: f64, hi: f64, log: bool, pad: f64) -> Option<(f64, f64)> {
    let (lo_limit, hi_limit) = if log {
        (1.0 / MAX_LOG_MAGNITUDE, MAX_LOG_MAGNITUDE)
    } else {
        (-MAX_MAGNITUDE, MAX_MAGNITUDE)
    };
    if !(lo_limit..=hi_limit).contains(&lo) || !(lo_limit..=hi_limit).contains(&hi) {
        return None;
    }
    let t = |v: f64| if log { v.log10() } else { v };
    let back = |v: f64| if log { 10f64.powf(v) } else { v };
    let (tlo, thi) = (t(lo), t(hi));
    let span = thi - tlo;
    if !(span > MIN_RELATIVE_SPAN * tlo.abs().max(thi.abs()) && span > MIN_SPAN) {
        return None;
    }
    let range = (back(tlo - pad * span), back(thi + pad * span));
    let ok = range.0.is_finite()
        && range.1.is_finite()
        && range.0 < range.1
        && (range.0 >= lo_limit && range.1 <= hi_limit);
    ok.then_some(range)
}

/// The finite (positive on a log axis) extent of `values`.
fn extent(values: impl Iterator<Item = f64>, log: bool) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Where a point falls for the renderer's decimation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    OffLeft,
    At(i64),
    OffRight,
    /// Not drawable (NaN, or not positive on a log axis): a break.
    Break,
}

/// One line (or series) reduced: its x and y values.
pub(crate) type Xy = (Vec<f64>, Vec<f64>);

/// Lines (and append series) reduced for `view`: per part, the points the
/// renderer's decimation keeps. `parts` are (x or `None` for the index, y).
/// `None` when the view asks for full data, the data is small enough
/// already, or its extent is one the renderer does not autoscale normally.
///
/// `lookahead_px` more pixel columns right of the plot are reduced as if
/// they were on screen: an append series zoomed in x and following its
/// newest data slides left before the next reduction arrives (a round trip
/// later), and the points that come into view must be there in detail,
/// not as the one run that stands for everything off the right edge
/// (drawn as a straight ramp to the newest point).
pub(crate) fn reduce_lines(
    parts: &[(Option<&[f64]>, &[f64])],
    view: &View,
    pad_x: f64,
    lookahead_px: u32,
) -> Option<Vec<Xy>> {
    reduce_lines_with(parts, view, pad_x, lookahead_px, true)
}

/// [`reduce_lines`], walking the pixel columns of sorted x (or of the
/// index) run by run when `by_runs`, else point by point; both give the
/// same points (a test holds them to it).
pub(crate) fn reduce_lines_with(
    parts: &[(Option<&[f64]>, &[f64])],
    view: &View,
    pad_x: f64,
    lookahead_px: u32,
    by_runs: bool,
) -> Option<Vec<Xy>> {
    if view.is_full() {
        return None;
    }
    let total: usize = parts.iter().map(|(_, y)| y.len()).sum();
    let columns = view.width_px as usize + lookahead_px as usize + 2;
    if total <= POINTS_PER_COLUMN * columns {
        return None;
    }
    // Sorted finite x (the index is) fall in pixel columns in order: each
    // column's points are found by binary search and reduced by a loop
    // over y alone, instead of mapping every point to its pixel. A log x
    // axis maps through `log10`, whose rounding is not promised monotonic:
    // point by point there.
    let sorted = by_runs
        && !view.x_log
        && parts
            .iter()
            .all(|&(x, y)| x.is_none_or(|x| x.len() == y.len() && sorted_finite(x)));
    let x_of = |x: Option<&[f64]>, i: usize| x.map_or(i as f64, |x| x[i]);
    let range = match view.x_range {
        Some(r) => r,
        None if sorted => {
            let ends = parts
                .iter()
                .filter(|(_, y)| !y.is_empty())
                .map(|&(x, y)| x.map_or((0.0, (y.len() - 1) as f64), |x| (x[0], x[y.len() - 1])));
            let (lo, hi) = ends.reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))?;
            autoscale(lo, hi, false, pad_x)?
        }
        None => {
            let all = parts
                .iter()
                .flat_map(|(x, y)| (0..y.len()).map(move |i| x_of(*x, i)));
            let (lo, hi) = extent(all, view.x_log)?;
            autoscale(lo, hi, view.x_log, pad_x)?
        }
    };
    let axis = Axis::new(range, view.x_log, f64::from(view.x_px), view.width_px);
    let (left, right) = (
        f64::from(view.x_px) - 1.0,
        f64::from(view.x_px) + f64::from(view.width_px) + f64::from(lookahead_px),
    );
    let y_ok = |y: f64| y.is_finite() && (!view.y_log || y > 0.0);
    let x_column = |x: f64| match axis.pixel(x) {
        None => Column::Break,
        Some(p) => {
            let p = snap(p);
            if p < left {
                Column::OffLeft
            } else if p > right {
                Column::OffRight
            } else {
                Column::At(p as i64)
            }
        }
    };
    let column = |x: f64, y: f64| match x_column(x) {
        _ if !y_ok(y) => Column::Break,
        c => c,
    };
    let runs: Option<Vec<Vec<Run>>> = sorted
        .then(|| {
            parts
                .iter()
                .map(|&(x, y)| column_runs(y.len(), |i| x_column(x_of(x, i)), y, view.y_log))
                .collect()
        })
        .flatten();
    // Zoomed in far enough that the visible points (lookahead included)
    // are few: every one of them is sent, so the user sees the raw values
    // (off screen still only where the line leaves and its extremes).
    let visible: usize = match &runs {
        Some(runs) => runs
            .iter()
            .zip(parts)
            .flat_map(|(runs, &(_, y))| runs.iter().map(move |r| (r, y)))
            .filter(|(r, _)| matches!(r.column, Column::At(_)))
            .map(|(r, y)| match r.extremes {
                Some(_) => r.end - r.start,
                None => y[r.start..r.end].iter().filter(|&&v| y_ok(v)).count(),
            })
            .sum(),
        None => parts
            .iter()
            .map(|&(x, y)| {
                (0..y.len())
                    .filter(|&i| matches!(column(x_of(x, i), y[i]), Column::At(_)))
                    .count()
            })
            .sum(),
    };
    let keep_visible = visible <= POINTS_PER_COLUMN * columns;
    let reduced = parts
        .iter()
        .enumerate()
        .map(|(k, &(x, y))| {
            let mut out = Reduced::new(x, y, keep_visible);
            match runs.as_ref().map(|runs| &runs[k]) {
                // Kept whole, a run is the points one column holds.
                Some(runs) if !keep_visible => {
                    for r in runs {
                        match r.extremes {
                            Some((min, max)) => out.run(r.column, r.start, r.end, min, max),
                            None => (r.start..r.end).for_each(|i| out.point(r.column, i, y_ok)),
                        }
                    }
                }
                _ => (0..y.len()).for_each(|i| out.point(x_column(x_of(x, i)), i, y_ok)),
            }
            out.finish()
        })
        .collect::<Vec<_>>();
    let kept: usize = reduced.iter().map(|(_, y)| y.len()).sum();
    (kept < total).then_some(reduced)
}

/// Whether `x` is finite and never decreases.
fn sorted_finite(x: &[f64]) -> bool {
    x.iter().all(|v| v.is_finite()) && x.windows(2).all(|w| w[0] <= w[1])
}

/// The points of one part in one pixel column, consecutive.
#[derive(Debug, Clone, Copy)]
struct Run {
    column: Column,
    start: usize,
    end: usize,
    /// Indices of the first lowest and first highest y; `None` when a y in
    /// the run is not drawable (it is then reduced point by point).
    extremes: Option<(usize, usize)>,
}

/// Order of columns along a sorted x: left of the plot, its pixels, right.
fn column_rank(c: Column) -> i64 {
    match c {
        Column::OffLeft => i64::MIN,
        Column::At(p) => p,
        Column::OffRight | Column::Break => i64::MAX,
    }
}

/// The runs of `n` points whose columns (`column_of` the index) never
/// decrease: each run's end found by binary search. `None` if a point's
/// x cannot be drawn (a pixel beyond what the axis computes).
fn column_runs(
    n: usize,
    column_of: impl Fn(usize) -> Column,
    y: &[f64],
    y_log: bool,
) -> Option<Vec<Run>> {
    let mut runs = Vec::new();
    let mut start = 0;
    while start < n {
        let column = column_of(start);
        if column == Column::Break {
            return None;
        }
        let rank = column_rank(column);
        let (mut lo, mut hi) = (start + 1, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if column_rank(column_of(mid)) <= rank {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let extremes = extremes(&y[start..lo], y_log).map(|(a, b)| (start + a, start + b));
        runs.push(Run {
            column,
            start,
            end: lo,
            extremes,
        });
        start = lo;
    }
    Some(runs)
}

/// Positions of the first lowest and the first highest of `y` (as a scan
/// with strict comparisons keeps), `None` if a value is not drawable.
/// Lanes the compiler vectorises find the values, then the positions.
fn extremes(y: &[f64], y_log: bool) -> Option<(usize, usize)> {
    const LANES: usize = 8;
    let (mut lo, mut hi) = ([f64::INFINITY; LANES], [f64::NEG_INFINITY; LANES]);
    let mut bad = [false; LANES];
    let chunks = y.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for k in 0..LANES {
            let v = chunk[k];
            // NaN and infinities give NaN; on a log axis, so do v <= 0.
            let drawable = (v * 0.0 == 0.0) & (!y_log | (v > 0.0));
            bad[k] |= !drawable;
            lo[k] = if v < lo[k] { v } else { lo[k] };
            hi[k] = if v > hi[k] { v } else { hi[k] };
        }
    }
    let drawable = |v: f64| v.is_finite() && (!y_log || v > 0.0);
    if bad.contains(&true) || !tail.iter().all(|&v| drawable(v)) {
        return None;
    }
    let min = lo.iter().chain(tail).fold(f64::INFINITY, |m, &v| m.min(v));
    let max = hi
        .iter()
        .chain(tail)
        .fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    Some((first_equal(y, min)?, first_equal(y, max)?))
}

/// The position of the first value of `y` equal to `of`: whole chunks
/// compared at once (the compiler vectorises them), where a value-by-value
/// search cost as much as finding the extremes.
fn first_equal(y: &[f64], of: f64) -> Option<usize> {
    const LANES: usize = 8;
    let mut start = 0;
    for chunk in y.chunks_exact(LANES) {
        if chunk.iter().fold(false, |seen, &v| seen | (v == of)) {
            break;
        }
        start += LANES;
    }
    Some(start + y[start..].iter().position(|&v| v == of)?)
}

/// One part's reduced points as they are found.
struct Reduced<'a> {
    x: Option<&'a [f64]>,
    y: &'a [f64],
    keep_visible: bool,
    group: Group,
    xs: Vec<f64>,
    ys: Vec<f64>,
}

impl<'a> Reduced<'a> {
    fn new(x: Option<&'a [f64]>, y: &'a [f64], keep_visible: bool) -> Self {
        Self {
            x,
            y,
            keep_visible,
            group: Group::default(),
            xs: Vec::new(),
            ys: Vec::new(),
        }
    }

    /// Point `i`, whose x falls in `c`.
    fn point(&mut self, c: Column, i: usize, y_ok: impl Fn(f64) -> bool) {
        let (x, y) = (self.x, self.y);
        let c = if y_ok(y[i]) { c } else { Column::Break };
        if c == Column::Break {
            self.group.flush(x, y, &mut self.xs, &mut self.ys);
            // Runs of breaks draw as one.
            if !self.ys.last().is_some_and(|v| v.is_nan()) {
                self.xs.push(f64::NAN);
                self.ys.push(f64::NAN);
            }
            return;
        }
        if self.keep_visible && matches!(c, Column::At(_)) {
            self.group.flush(x, y, &mut self.xs, &mut self.ys);
            self.xs.push(x.map_or(i as f64, |x| x[i]));
            self.ys.push(y[i]);
            return;
        }
        self.group.add(c, i, y[i], x, y, &mut self.xs, &mut self.ys);
    }

    /// Points `start..end`, all drawable and in column `c` (which the
    /// points before and after are not in), lowest at `min`, highest at
    /// `max`.
    fn run(&mut self, c: Column, start: usize, end: usize, min: usize, max: usize) {
        self.group.flush(self.x, self.y, &mut self.xs, &mut self.ys);
        self.group = Group {
            column: Some(c),
            first: start,
            min,
            max,
            last: end - 1,
        };
    }

    fn finish(mut self) -> Xy {
        self.group.flush(self.x, self.y, &mut self.xs, &mut self.ys);
        (self.xs, self.ys)
    }
}

/// The points of one pixel column seen so far: indices of the first, the
/// lowest, the highest and the last.
#[derive(Debug, Default)]
struct Group {
    column: Option<Column>,
    first: usize,
    min: usize,
    max: usize,
    last: usize,
}

impl Group {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        c: Column,
        i: usize,
        v: f64,
        x: Option<&[f64]>,
        y: &[f64],
        xs: &mut Vec<f64>,
        ys: &mut Vec<f64>,
    ) {
        if self.column != Some(c) {
            self.flush(x, y, xs, ys);
            *self = Self {
                column: Some(c),
                first: i,
                min: i,
                max: i,
                last: i,
            };
            return;
        }
        // Strict comparisons: the first of equal extremes, as the renderer.
        if v < y[self.min] {
            self.min = i;
        }
        if v > y[self.max] {
            self.max = i;
        }
        self.last = i;
    }

    fn flush(&mut self, x: Option<&[f64]>, y: &[f64], xs: &mut Vec<f64>, ys: &mut Vec<f64>) {
        // Off screen the renderer draws only where the line leaves and comes
        // back, but it autoscales y over every point: the extremes stay.
        if self.column.take().is_none() {
            return;
        }
        let mut keep = [self.first, self.min, self.max, self.last];
        keep.sort_unstable();
        let mut previous = usize::MAX;
        for i in keep {
            if i != previous {
                xs.push(x.map_or(i as f64, |x| x[i]));
                ys.push(y[i]);
                previous = i;
            }
        }
    }
}

/// Scatter points reduced for `view`: one per pixel inside the plotting
/// area, plus the points holding the extremes of x and y (autoscale must see
/// the same extent). `None` when not worth it or not possible.
pub(crate) fn reduce_scatter(parts: &[(&[f64], &[f64])], view: &View) -> Option<Vec<Xy>> {
    if view.is_full() {
        return None;
    }
    let total: usize = parts.iter().map(|(_, y)| y.len()).sum();
    let pixels = view.width_px as usize * view.height_px as usize;
    if total <= pixels / 4 {
        return None;
    }
    let axis_range =
        |given: Option<(f64, f64)>, log: bool, values: &mut dyn Iterator<Item = f64>| match given {
            Some(r) => Some(r),
            None => {
                let (lo, hi) = extent(values, log)?;
                autoscale(lo, hi, log, 0.05)
            }
        };
    let xr = axis_range(
        view.x_range,
        view.x_log,
        &mut parts.iter().flat_map(|(x, _)| x.iter().copied()),
    )?;
    let yr = axis_range(
        view.y_range,
        view.y_log,
        &mut parts.iter().flat_map(|(_, y)| y.iter().copied()),
    )?;
    let ax = Axis::new(xr, view.x_log, 0.0, view.width_px);
    // The renderer's y axis runs upwards from the bottom row; mirrored
    // here, which keeps the same pixel rows.
    let ay = Axis::new(yr, view.y_log, 0.0, view.height_px);
    let (w, h) = (view.width_px as usize, view.height_px as usize);
    let mut seen = vec![false; w * h];
    let reduced = parts
        .iter()
        .map(|&(x, y)| {
            let extremes = extreme_indices(x, y);
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
            for i in 0..y.len().min(x.len()) {
                let keep = match (ax.pixel(x[i]), ay.pixel(y[i])) {
                    (Some(px), Some(py)) => {
                        let (px, py) = (snap(px), snap(py));
                        if px >= 0.0 && py >= 0.0 && (px as usize) < w && (py as usize) < h {
                            let at = py as usize * w + px as usize;
                            !std::mem::replace(&mut seen[at], true)
                        } else {
                            false
                        }
                    }
                    _ => false,
                };
                if keep || extremes.contains(&i) {
                    xs.push(x[i]);
                    ys.push(y[i]);
                }
            }
            (xs, ys)
        })
        .collect::<Vec<_>>();
    let kept: usize = reduced.iter().map(|(_, y)| y.len()).sum();
    (kept < total).then_some(reduced)
}

/// Indices of the finite minimum and maximum of x and of y.
fn extreme_indices(x: &[f64], y: &[f64]) -> [usize; 4] {
    let arg = |v: &[f64], better: fn(f64, f64) -> bool| {
        let mut best: Option<usize> = None;
        for (i, &value) in v.iter().enumerate() {
            if value.is_finite() && best.is_none_or(|b| better(value, v[b])) {
                best = Some(i);
            }
        }
        best.unwrap_or(usize::MAX)
    };
    [
        arg(x, |a, b| a < b),
        arg(x, |a, b| a > b),
        arg(y, |a, b| a < b),
        arg(y, |a, b| a > b),
    ]
}

/// A heatmap reduced for a view: its cells (f32: a colormap needs far less
/// precision), its size, the cells of the full grid it covers, and the
/// colour range of the full data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReducedGrid {
    pub(crate) values: Vec<f32>,
    pub(crate) nx: u32,
    pub(crate) ny: u32,
    pub(crate) window: GridWindow,
    pub(crate) range: Option<(f64, f64)>,
}

/// The heatmap `values` (`nx × ny`, row 0 first) reduced for `view` (x and
/// y ranges in cell coordinates): at most one cell per pixel of the visible
/// cells. `range` is the colour range the viewer would use (fixed, or
/// `None` for the data's own, which is then computed over the full grid
/// and sent along). `None` when the visible cells already fit the pixels
/// and are the whole grid.
pub(crate) fn reduce_heatmap(
    values: &[f64],
    nx: u32,
    ny: u32,
    view: &View,
    mode: HeatmapReduce,
    range: Option<(f64, f64)>,
) -> Option<ReducedGrid> {
    if view.is_full() || nx == 0 || ny == 0 || values.len() != nx as usize * ny as usize {
        return None;
    }
    let cells = |r: Option<(f64, f64)>, n: u32| -> (u32, u32) {
        match r {
            Some((a, b)) if a.is_finite() && b.is_finite() && a < b => {
                let lo = a.floor().clamp(0.0, f64::from(n - 1)) as u32;
                let hi = b.ceil().clamp(f64::from(lo + 1), f64::from(n)) as u32;
                (lo, hi)
            }
            _ => (0, n),
        }
    };
    let (x0, x1) = cells(view.x_range, nx);
    let (y0, y1) = cells(view.y_range, ny);
    let (cols, rows) = (x1 - x0, y1 - y0);
    let whole = (x0, x1, y0, y1) == (0, nx, 0, ny);
    if whole && cols <= view.width_px && rows <= view.height_px {
        return None;
    }
    let (rnx, rny) = (
        cols.min(view.width_px.max(1)),
        rows.min(view.height_px.max(1)),
    );
    // Which output column each visible column falls in, by its centre: a
    // viewer drawing `rnx` pixels samples each pixel's centre, so the cell
    // it would sample in the full grid lies in the block it gets.
    let block = |c: u32, out: u32, of: u32| {
        ((2 * u64::from(c) + 1) * u64::from(out) / (2 * u64::from(of))) as usize
    };
    let out_col: Vec<usize> = (0..cols).map(|c| block(c, rnx, cols)).collect();
    let out_row: Vec<usize> = (0..rows).map(|r| block(r, rny, rows)).collect();
    let blocks = Blocks {
        nx: nx as usize,
        x0: x0 as usize,
        y0: y0 as usize,
        out_col: &out_col,
        out_row: &out_row,
        out_nx: rnx as usize,
        out_ny: rny as usize,
    };
    let window = GridWindow {
        full_nx: nx,
        full_ny: ny,
        x0,
        x1,
        y0,
        y1,
    };
    let grid = |picked: &[f64], range| ReducedGrid {
        values: picked
            .iter()
            // Beyond f32 the colour is the range's end anyway; NaN stays
            // NaN through both.
            .map(|&v| v.clamp(f64::from(f32::MIN), f64::from(f32::MAX)) as f32)
            .collect(),
        nx: rnx,
        ny: rny,
        window,
        range,
    };
    let widen = |(lo, hi): (f64, f64)| {
        if lo < hi {
            (lo, hi)
        } else {
            (lo - 0.5, lo + 0.5)
        }
    };
    // The colour range is the data's own and every cell is in a block: one
    // pass finds each block's lowest and highest, which give the grid's
    // extent and every mode but the mean.
    if mode == HeatmapReduce::Mean {
        let range = range.or_else(|| finite_extent(values).map(widen));
        return Some(grid(&mean_blocks(values, &blocks), range));
    }
    BLOCK_EXTREMES.with_borrow_mut(|(min, max)| {
        min_max_blocks(values, &blocks, min, max);
        let range = match range {
            Some(r) => Some(r),
            None if whole => grid_extent(values, min, max).map(widen),
            None => finite_extent(values).map(widen),
        };
        let mid = range.map_or(0.0, |(lo, hi)| lo / 2.0 + hi / 2.0);
        let picked = match mode {
            HeatmapReduce::Max => max,
            HeatmapReduce::Min => min,
            _ => {
                extreme_of(values, &blocks, min, max, mid);
                min
            }
        };
        Some(grid(picked, range))
    })
}

thread_local! {
    /// Each block's lowest and highest cell, kept between reductions on
    /// a thread: a 560×300 view's are 2.7 MB, which fresh allocations
    /// paid for again in page faults at every reduction. Reductions run
    /// on the network runtime's blocking threads, so each keeps the
    /// largest it reduced until the runtime retires it (10 s idle).
    static BLOCK_EXTREMES: RefCell<(Vec<f64>, Vec<f64>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// The finite extent of a grid from its blocks' lowest and highest cells
/// (the blocks covering it all): of equal extremes the first in the grid,
/// as [`finite_extent`] gives.
fn grid_extent(values: &[f64], min: &[f64], max: &[f64]) -> Option<(f64, f64)> {
    let (lo, hi) = (lowest(min)?, highest(max)?);
    // Only a zero has two encodings: the grid's first zero is the one.
    let first_zero = || values.iter().copied().find(|&v| v == 0.0);
    let lo = if lo == 0.0 {
        first_zero().unwrap_or(lo)
    } else {
        lo
    };
    let hi = if hi == 0.0 {
        first_zero().unwrap_or(hi)
    } else {
        hi
    };
    Some((lo, hi))
}

/// Per block, the farther from `mid` of its lowest and its highest cell
/// (`min`, `max`), written over `min`; of two as far (or with no middle)
/// the one that comes first in the block, row-major. Those two hold the
/// cell farthest from the middle: a single hot or cold cell survives, and
/// the choice needs no second pass over the grid.
fn extreme_of(values: &[f64], blocks: &Blocks<'_>, min: &mut [f64], max: &[f64], mid: f64) {
    let key = |v: f64| (v - mid).abs();
    for (k, (lo, &hi)) in min.iter_mut().zip(max).enumerate() {
        let (klo, khi) = (key(*lo), key(hi));
        if lo.is_nan() || klo > khi || lo.to_bits() == hi.to_bits() {
            // The lowest stays.
        } else if khi > klo {
            *lo = hi;
        } else {
            let (rows, cols) = blocks.cells_of(k % blocks.out_nx, k / blocks.out_nx);
            let (a, b) = (*lo, hi);
            *lo = first_of(values, blocks, rows, cols, |v| v == a || v == b).unwrap_or(a);
        }
    }
}

/// Heatmap values as codes over their colour range, as they travel.
#[derive(Debug)]
pub(crate) enum Codes {
    /// 16-bit codes (`plotcast_protocol::DType::U16`).
    U16(Vec<u16>),
    /// 8-bit codes (`plotcast_protocol::DType::U8`).
    U8(Vec<u8>),
}

impl Codes {
    /// The codes as an array to encode.
    pub(crate) fn array(&self) -> ArrayRef<'_> {
        match self {
            Codes::U16(c) => ArrayRef::U16(c),
            Codes::U8(c) => ArrayRef::U8(c),
        }
    }
}

/// Heatmap values as `bits`-bit codes (16, or 8) over `(lo, hi)` (see
/// `plotcast_protocol::DType::U16` and `U8`): steps of 1/65534 of the
/// range, 256 times finer than a colormap's, or 1/254, about one
/// colormap step; values outside clamp to its ends.
pub(crate) fn quantise<T: Copy + Into<f64>>(values: &[T], (lo, hi): (f64, f64), bits: u8) -> Codes {
    let code = |top: f64| {
        let scale = if hi > lo { top / (hi - lo) } else { 0.0 };
        move |v: T| {
            let v: f64 = v.into();
            (!v.is_nan()).then(|| ((v - lo) * scale).round().clamp(0.0, top))
        }
    };
    if bits == 8 {
        let code = code(f64::from(U8_TOP));
        Codes::U8(
            values
                .iter()
                .map(|&v| code(v).map_or(U8_NAN, |q| q as u8))
                .collect(),
        )
    } else {
        let code = code(f64::from(U16_TOP));
        Codes::U16(
            values
                .iter()
                .map(|&v| code(v).map_or(U16_NAN, |q| q as u16))
                .collect(),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn view(width: u32, height: u32) -> View {
        View {
            channel: 0,
            x_px: 57,
            width_px: width,
            height_px: height,
            x_range: None,
            y_range: None,
            x_log: false,
            y_log: false,
        }
    }

    #[test]
    fn a_long_line_keeps_at_most_four_points_per_column() {
        let y: Vec<f64> = (0..100_000).map(|i| (i as f64 * 1e-3).sin()).collect();
        let r = reduce_lines(&[(None, &y)], &view(400, 300), 0.0, 0).unwrap();
        let (xs, ys) = &r[0];
        assert!(ys.len() <= 4 * 402, "{} points kept", ys.len());
        assert_eq!(
            (xs[0], *xs.last().unwrap()),
            (0.0, 99_999.0),
            "the ends stay"
        );
        let lo_hi = |v: &[f64]| {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            (lo, v.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        };
        assert_eq!(lo_hi(ys), lo_hi(&y), "the extremes stay");
        // A short line is not worth reducing.
        assert!(reduce_lines(&[(None, &y[..500])], &view(400, 300), 0.0, 0).is_none());
        // NaN runs stay as one break.
        let mut gappy = y.clone();
        gappy[50_000..50_010].fill(f64::NAN);
        let r = reduce_lines(&[(None, &gappy)], &view(400, 300), 0.0, 0).unwrap();
        assert_eq!(r[0].1.iter().filter(|v| v.is_nan()).count(), 1);
    }

    #[test]
    fn zoomed_in_far_enough_every_point_is_kept() {
        let y: Vec<f64> = (0..1_000_000).map(|i| (i as f64 * 7e-3).sin()).collect();
        let mut v = view(400, 300);
        v.x_range = Some((500_000.0, 501_000.0));
        let r = reduce_lines(&[(None, &y)], &v, 0.0, 0).unwrap();
        let (xs, _) = &r[0];
        for i in 500_000..=501_000 {
            assert!(
                xs.binary_search_by(|x| x.total_cmp(&(i as f64))).is_ok(),
                "point {i} dropped"
            );
        }
        // Off screen, a few points per side stay (where the line leaves,
        // and its extremes for autoscale).
        assert!(xs.len() < 1001 + 20, "{} kept", xs.len());
    }

    #[test]
    fn a_hot_cell_survives_extreme_reduction_and_fades_in_the_mean() {
        let (nx, ny) = (1000u32, 800u32);
        let mut v = vec![0.0; (nx * ny) as usize];
        v[(400 * nx + 600) as usize] = 10.0;
        v[(100 * nx + 100) as usize] = -3.0;
        let r = reduce_heatmap(&v, nx, ny, &view(200, 160), HeatmapReduce::Extreme, None).unwrap();
        assert_eq!((r.nx, r.ny), (200, 160));
        assert_eq!(r.range, Some((-3.0, 10.0)), "colour range of the full data");
        assert!(r.values.contains(&10.0) && r.values.contains(&-3.0));
        let m = reduce_heatmap(&v, nx, ny, &view(200, 160), HeatmapReduce::Mean, None).unwrap();
        let hi = m.values.iter().copied().fold(f32::MIN, f32::max);
        assert!(hi < 1.0, "the mean spreads a hot cell: {hi}");
        // Zoomed into a few cells: full resolution of those cells.
        let mut zoom = view(200, 160);
        zoom.x_range = Some((595.5, 605.2));
        zoom.y_range = Some((398.0, 402.0));
        let z = reduce_heatmap(&v, nx, ny, &zoom, HeatmapReduce::Extreme, None).unwrap();
        assert_eq!(
            (
                z.window.x0,
                z.window.x1,
                z.window.y0,
                z.window.y1,
                z.nx,
                z.ny
            ),
            (595, 606, 398, 402, 11, 4)
        );
        assert_eq!(z.values[(2 * 11 + 5) as usize], 10.0);
        // A grid that fits needs nothing.
        assert!(reduce_heatmap(
            &v[..100],
            10,
            10,
            &view(200, 160),
            HeatmapReduce::Extreme,
            None
        )
        .is_none());
    }

    #[test]
    fn scatter_keeps_one_point_per_pixel_and_the_extremes() {
        let n = 200_000;
        let x: Vec<f64> = (0..n).map(|i| (i % 1000) as f64).collect();
        let y: Vec<f64> = (0..n).map(|i| (i / 1000) as f64).collect();
        let r = reduce_scatter(&[(&x, &y)], &view(100, 50)).unwrap();
        assert!(r[0].0.len() <= 100 * 50 + 4, "{} kept", r[0].0.len());
        let xmax = r[0].0.iter().copied().fold(f64::MIN, f64::max);
        let ymax = r[0].1.iter().copied().fold(f64::MIN, f64::max);
        assert_eq!((xmax, ymax), (999.0, 199.0));
    }
}
