//! The inner loops of heatmap reduction (see `reduce.rs`): a grid's
//! finite extent, and its blocks reduced to one value each, in one pass
//! over the visible rows that the compiler vectorises.
//!
//! The result is exactly that of visiting every cell in row-major order and
//! keeping, per block, the first cell with the best key (strictly better
//! replaces): each column first keeps its best cell down the rows of a
//! block (the topmost of equal keys), then the columns of a block are
//! merged, equal keys going to the upper row, then to the left column.
//!
//! A leaf: `reduce.rs` chooses the key (extreme, max, min) and the blocks.

use std::cmp::Ordering;

/// Lanes of the extent loop: independent minima and maxima the compiler
/// keeps in vector registers.
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
}

/// Per block, the first finite cell (row-major) whose `key` is greatest
/// (NaN where a block has no finite cell).
pub(crate) fn pick_blocks(
    values: &[f64],
    blocks: &Blocks<'_>,
    key: impl Fn(f64) -> f64 + Copy,
) -> Vec<f64> {
    let cols = blocks.out_col.len();
    let mut out = vec![f64::NAN; blocks.out_nx * blocks.out_ny];
    // Per column, the topmost cell of the band with the greatest key; NaN:
    // none yet (a non-finite cell is never kept).
    let mut best = vec![f64::NAN; cols];
    let mut first = 0;
    while first < blocks.out_row.len() {
        let out_row = blocks.out_row[first];
        let end = first
            + blocks.out_row[first..]
                .iter()
                .take_while(|&&r| r == out_row)
                .count();
        best.fill(f64::NAN);
        for row in first..end {
            // One stored array and selects, no branch: the compiler
            // vectorises this loop, where all the time goes.
            for (&v, b) in blocks.line(values, row).iter().zip(best.iter_mut()) {
                let take = finite(v) & ((key(v) > key(*b)) | b.is_nan());
                *b = if take { v } else { *b };
            }
        }
        let out = &mut out[out_row * blocks.out_nx..(out_row + 1) * blocks.out_nx];
        let mut c = 0;
        while c < cols {
            let j = blocks.out_col[c];
            let start = c;
            let mut pick: Option<f64> = None;
            let mut tied = false;
            while c < cols && blocks.out_col[c] == j {
                let v = best[c];
                if !v.is_nan() {
                    match pick {
                        None => pick = Some(v),
                        Some(p) if key(v) > key(p) => pick = Some(v),
                        // Equal keys of different values (a hot and a cold
                        // cell as far from the middle, 0.0 and -0.0): the
                        // upper one wins, and the columns do not say which.
                        Some(p)
                            if key(v).partial_cmp(&key(p)) != Some(Ordering::Less)
                                && v.to_bits() != p.to_bits() =>
                        {
                            tied = true;
                        }
                        Some(_) => {}
                    }
                }
                c += 1;
            }
            if tied {
                pick = first_best(values, blocks, first..end, start..c, key);
            }
            if let Some(v) = pick {
                out[j] = v;
            }
        }
        first = end;
    }
    out
}

/// The first finite cell (row-major) with the greatest key among `rows`
/// × `cols` of the visible cells: a plain scan, for blocks whose columns
/// tie.
fn first_best(
    values: &[f64],
    blocks: &Blocks<'_>,
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
    key: impl Fn(f64) -> f64,
) -> Option<f64> {
    let mut pick: Option<f64> = None;
    for row in rows {
        for &v in &blocks.line(values, row)[cols.clone()] {
            if finite(v) && pick.is_none_or(|p| key(v) > key(p)) {
                pick = Some(v);
            }
        }
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
