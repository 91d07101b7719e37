//! The inner loops of heatmap reduction (see `reduce.rs`): a grid's
//! finite extent, and each block's lowest and highest cell, in one pass
//! over the visible rows that the compiler vectorises.
//!
//! The result is exactly that of visiting every cell in row-major order and
//! keeping, per block, the first lowest and the first highest finite cell
//! (strictly better replaces): each column first keeps its extremes down
//! the rows of a block, then the columns of a block are merged, left
//! column first. Equal values differ only in a zero's sign: a block whose
//! extreme is zero takes its first zero.
//!
//! A leaf: `reduce.rs` chooses the blocks and what a block shows (its
//! extreme, maximum, minimum or mean).

use std::ops::Range;

/// Lanes of the extent and band loops: independent minima and maxima the
/// compiler keeps in vector registers.
const LANES: usize = 8;

#[inline(always)]
fn finite(v: f64) -> bool {
    // NaN for NaN and both infinities; written so because the compiler
    // vectorises this form (`is_finite` became integer tests).
    v * 0.0 == 0.0
}

/// The finite minimum and maximum of `values`; of equal extremes (0.0 and
/// -0.0) the first, as a sequential scan with strict comparisons keeps.
pub(crate) fn finite_extent(values: &[f64]) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = ([f64::INFINITY; LANES], [f64::NEG_INFINITY; LANES]);
    let chunks = values.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for k in 0..LANES {
            let v = chunk[k];
            let ok = finite(v);
            lo[k] = if ok & (v < lo[k]) { v } else { lo[k] };
            hi[k] = if ok & (v > hi[k]) { v } else { hi[k] };
        }
    }
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in lo.into_iter().chain(hi).chain(tail.iter().copied()) {
        if finite(v) {
            min = if v < min { v } else { min };
            max = if v > max { v } else { max };
        }
    }
    if min > max {
        return None;
    }
    // Lanes lose the order between zeros of either sign: the first wins.
    let first_zero = || values.iter().copied().find(|&v| v == 0.0);
    if min == 0.0 {
        min = first_zero().unwrap_or(min);
    }
    if max == 0.0 {
        max = first_zero().unwrap_or(max);
    }
    Some((min, max))
}

/// Where the blocks are: the visible cells `x0..x1` × `y0..y1` of a grid
/// `nx` wide, and which output column (`out_col`, per visible column) and
/// row (`out_row`, per visible row) each falls in.
pub(crate) struct Blocks<'a> {
    pub(crate) nx: usize,
    pub(crate) x0: usize,
    pub(crate) y0: usize,
    pub(crate) out_col: &'a [usize],
    pub(crate) out_row: &'a [usize],
    pub(crate) out_nx: usize,
    pub(crate) out_ny: usize,
}

impl Blocks<'_> {
    fn line<'v>(&self, values: &'v [f64], row: usize) -> &'v [f64] {
        let start = (self.y0 + row) * self.nx + self.x0;
        &values[start..start + self.out_col.len()]
    }

    /// The visible rows that fall in each output row, in output-row order.
    fn bands(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        let mut first = 0;
        std::iter::from_fn(move || {
            let &out_row = self.out_row.get(first)?;
            let end = first
                + self.out_row[first..]
                    .iter()
                    .take_while(|&&r| r == out_row)
                    .count();
            let rows = first..end;
            first = end;
            Some(rows)
        })
    }

    /// The visible rows and columns of output cell (`j`, `out_row`).
    pub(crate) fn cells_of(&self, j: usize, out_row: usize) -> (Range<usize>, Range<usize>) {
        let span = |of: &[usize], k: usize| {
            of.partition_point(|&o| o < k)..of.partition_point(|&o| o <= k)
        };
        (span(self.out_row, out_row), span(self.out_col, j))
    }
}

/// The lower of a value and a pick so far, the pick if equal or NaN: one
/// instruction, no branch.
fn lower(v: f64, pick: f64) -> f64 {
    if v < pick {
        v
    } else {
        pick
    }
}

/// [`lower`]'s counterpart.
fn higher(v: f64, pick: f64) -> f64 {
    if v > pick {
        v
    } else {
        pick
    }
}

/// The lowest of picks, each finite or NaN (`None` if all are NaN); which
/// of two equal zeros is the caller's to settle.
pub(crate) fn lowest(picks: &[f64]) -> Option<f64> {
    fold_lanes(picks, f64::INFINITY, lower)
}

/// [`lowest`]'s counterpart.
pub(crate) fn highest(picks: &[f64]) -> Option<f64> {
    fold_lanes(picks, f64::NEG_INFINITY, higher)
}

/// `keep` over `picks` from `none`, in lanes the compiler vectorises.
fn fold_lanes(picks: &[f64], none: f64, keep: impl Fn(f64, f64) -> f64) -> Option<f64> {
    let mut acc = [none; LANES];
    let chunks = picks.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for k in 0..LANES {
            acc[k] = keep(chunk[k], acc[k]);
        }
    }
    let pick = acc
        .into_iter()
        .chain(tail.iter().copied())
        .fold(none, |p, v| keep(v, p));
    (pick != none).then_some(pick)
}

/// Per block, its first lowest and first highest finite cell (NaN where a
/// block has no finite cell), row-major, into `min` and `max` (cleared
/// first: a caller keeps them to reuse their memory, which a fresh
/// megabyte would cost in page faults at every reduction).
pub(crate) fn min_max_blocks(
    values: &[f64],
    blocks: &Blocks<'_>,
    min: &mut Vec<f64>,
    max: &mut Vec<f64>,
) {
    let cols = blocks.out_col.len();
    let n = blocks.out_nx * blocks.out_ny;
    min.clear();
    max.clear();
    min.reserve(n);
    max.reserve(n);
    // Where each output column's visible columns start (and the last ends).
    let starts: Vec<usize> = (0..=blocks.out_nx)
        .map(|j| blocks.out_col.partition_point(|&o| o < j))
        .collect();
    // Per visible column, the band's lowest and highest cell.
    let (mut low, mut high) = (vec![f64::NAN; cols], vec![f64::NAN; cols]);
    // Bands come in output-row order and none is empty (there are no more
    // output rows than visible rows, and each takes the rows whose centres
    // fall in it), so each band's blocks follow the last.
    for rows in blocks.bands() {
        let clean = column_extremes(values, blocks, rows.clone(), &mut low, &mut high);
        if !clean {
            careful_column_extremes(values, blocks, rows.clone(), &mut low, &mut high);
        }
        for ends in starts.windows(2) {
            let cols = ends[0]..ends[1];
            min.push(merge(
                values,
                blocks,
                rows.clone(),
                cols.clone(),
                &low,
                f64::INFINITY,
                lower,
            ));
            max.push(merge(
                values,
                blocks,
                rows.clone(),
                cols,
                &high,
                f64::NEG_INFINITY,
                higher,
            ));
        }
    }
    debug_assert_eq!(min.len(), n, "every output row has a band");
}

/// Per visible column, the lowest and highest cell of `rows`, the first
/// of equal ones; `false` where an infinity was seen, which this fast loop
/// cannot tell from the finite values (then nothing it wrote holds).
fn column_extremes(
    values: &[f64],
    blocks: &Blocks<'_>,
    rows: Range<usize>,
    low: &mut [f64],
    high: &mut [f64],
) -> bool {
    let cols = low.len();
    let mut infinite = false;
    // Columns in chunks kept in registers down the band's rows, then
    // stored once: one load per cell, where updating the per-column arrays
    // row by row cost a load and a store per cell besides. `v < lo ? v :
    // lo` is one instruction (NaN never taken, the earlier of equals kept).
    let mut c = 0;
    while c < cols {
        let width = LANES.min(cols - c);
        let (mut lo, mut hi) = ([f64::INFINITY; LANES], [f64::NEG_INFINITY; LANES]);
        for row in rows.clone() {
            let line = &blocks.line(values, row)[c..c + width];
            if let Ok(line) = <&[f64; LANES]>::try_from(line) {
                for k in 0..LANES {
                    let v = line[k];
                    lo[k] = if v < lo[k] { v } else { lo[k] };
                    hi[k] = if v > hi[k] { v } else { hi[k] };
                }
            } else {
                for (k, &v) in line.iter().enumerate() {
                    lo[k] = if v < lo[k] { v } else { lo[k] };
                    hi[k] = if v > hi[k] { v } else { hi[k] };
                }
            }
        }
        for k in 0..width {
            // Untouched: the column has no finite cell (or an infinity,
            // which the check below catches).
            infinite |= (lo[k] == f64::NEG_INFINITY) | (hi[k] == f64::INFINITY);
            low[c + k] = if lo[k] == f64::INFINITY {
                f64::NAN
            } else {
                lo[k]
            };
            high[c + k] = if hi[k] == f64::NEG_INFINITY {
                f64::NAN
            } else {
                hi[k]
            };
        }
        c += width;
    }
    !infinite
}

/// [`column_extremes`] for bands holding infinities: each cell tested.
fn careful_column_extremes(
    values: &[f64],
    blocks: &Blocks<'_>,
    rows: Range<usize>,
    low: &mut [f64],
    high: &mut [f64],
) {
    low.fill(f64::NAN);
    high.fill(f64::NAN);
    for row in rows {
        let line = blocks.line(values, row);
        for ((&v, lo), hi) in line.iter().zip(low.iter_mut()).zip(high.iter_mut()) {
            let ok = finite(v);
            *lo = if ok & ((v < *lo) | lo.is_nan()) {
                v
            } else {
                *lo
            };
            *hi = if ok & ((v > *hi) | hi.is_nan()) {
                v
            } else {
                *hi
            };
        }
    }
}

/// One block's pick from its columns' picks (`best[cols]`, each finite or
/// NaN): the first that `keep` prefers to every other, NaN when all are
/// NaN. `keep` starts from `none` (an infinity no pick can be). Equal
/// values are the same value but for a zero's sign: a block whose pick is
/// zero takes its first zero.
fn merge(
    values: &[f64],
    blocks: &Blocks<'_>,
    rows: Range<usize>,
    cols: Range<usize>,
    best: &[f64],
    none: f64,
    keep: impl Fn(f64, f64) -> f64,
) -> f64 {
    // `keep(v, pick)` with a strict comparison never takes a NaN nor a
    // later equal value, and needs no branch (testing each pick for NaN
    // mispredicted at every block).
    let pick = best[cols.clone()].iter().fold(none, |p, &v| keep(v, p));
    if pick == none {
        return f64::NAN;
    }
    if pick == 0.0 {
        return first_of(values, blocks, rows, cols, |v| v == 0.0).unwrap_or(pick);
    }
    pick
}

/// Per block, the mean of its finite cells (NaN where it has none), summed
/// in row-major order.
pub(crate) fn mean_blocks(values: &[f64], blocks: &Blocks<'_>) -> Vec<f64> {
    let n = blocks.out_nx * blocks.out_ny;
    let (mut sum, mut count) = (vec![0.0f64; n], vec![0u32; n]);
    for (row, &out_row) in blocks.out_row.iter().enumerate() {
        let at = out_row * blocks.out_nx;
        let (sum, count) = (
            &mut sum[at..at + blocks.out_nx],
            &mut count[at..at + blocks.out_nx],
        );
        for (&v, &j) in blocks.line(values, row).iter().zip(blocks.out_col) {
            if finite(v) {
                sum[j] += v;
                count[j] += 1;
            }
        }
    }
    sum.iter()
        .zip(&count)
        .map(|(&s, &c)| if c > 0 { s / f64::from(c) } else { f64::NAN })
        .collect()
}

/// The first cell (row-major) among `rows` × `cols` of the visible cells
/// that is `wanted`.
pub(crate) fn first_of(
    values: &[f64],
    blocks: &Blocks<'_>,
    rows: Range<usize>,
    cols: Range<usize>,
    wanted: impl Fn(f64) -> bool,
) -> Option<f64> {
    rows.flat_map(|row| blocks.line(values, row)[cols.clone()].iter().copied())
        .find(|&v| wanted(v))
}
