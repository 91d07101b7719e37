//! The straightforward heatmap reduction (every cell visited in row-major
//! order, one accumulator per output cell), kept to check that the
//! vectorised one (`reduce.rs`, `heatmap_blocks.rs`) gives exactly the
//! same frames, on random grids with NaN, infinities, signed zeros, ties
//! and sizes that do not divide. Lines likewise: the reduction that walks
//! the pixel columns of sorted x run by run against the one that maps
//! every point.

use plotcast_protocol::{GridWindow, View};

use crate::reduce::{reduce_heatmap, reduce_lines_with, HeatmapReduce, ReducedGrid};

/// One output cell's reduction so far.
#[derive(Debug, Clone, Copy)]
struct Acc {
    mode: HeatmapReduce,
    /// The first lowest and first highest finite cell, and when each came
    /// (in finite cells seen).
    low: (f64, u32),
    high: (f64, u32),
    sum: f64,
    count: u32,
}

impl Acc {
    fn new(mode: HeatmapReduce) -> Self {
        Self {
            mode,
            low: (f64::NAN, 0),
            high: (f64::NAN, 0),
            sum: 0.0,
            count: 0,
        }
    }

    fn add(&mut self, v: f64) {
        if !v.is_finite() {
            return;
        }
        if self.low.0.is_nan() || v < self.low.0 {
            self.low = (v, self.count);
        }
        if self.high.0.is_nan() || v > self.high.0 {
            self.high = (v, self.count);
        }
        self.count += 1;
        self.sum += v;
    }

    fn value(&self, mid: f64) -> f64 {
        let (low, high) = (self.low, self.high);
        match self.mode {
            HeatmapReduce::Mean if self.count > 0 => self.sum / f64::from(self.count),
            HeatmapReduce::Mean => f64::NAN,
            HeatmapReduce::Max => high.0,
            HeatmapReduce::Min => low.0,
            // The farther from the middle of the lowest and the highest;
            // as far (or no middle): the one that came first.
            HeatmapReduce::Extreme => {
                let (kl, kh) = ((low.0 - mid).abs(), (high.0 - mid).abs());
                let high_farther = kh > kl;
                if kl > kh || (!high_farther && low.1 <= high.1) {
                    low.0
                } else {
                    high.0
                }
            }
        }
    }
}

/// The finite extent, first of equal extremes kept.
fn extent(values: &[f64]) -> Option<(f64, f64)> {
    values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((if v < lo { v } else { lo }, if v > hi { v } else { hi })),
        })
}

fn reference(
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
    let range = range.or_else(|| {
        extent(values).map(|(lo, hi)| {
            if lo < hi {
                (lo, hi)
            } else {
                (lo - 0.5, lo + 0.5)
            }
        })
    });
    let mid = range.map_or(0.0, |(lo, hi)| lo / 2.0 + hi / 2.0);
    let block = |c: u32, out: u32, of: u32| {
        ((2 * u64::from(c) + 1) * u64::from(out) / (2 * u64::from(of))) as usize
    };
    let out_col: Vec<usize> = (0..cols).map(|c| block(c, rnx, cols)).collect();
    let mut acc = vec![Acc::new(mode); rnx as usize * rny as usize];
    for row in y0..y1 {
        let out_row = block(row - y0, rny, rows);
        let line = &values[(row * nx) as usize..((row + 1) * nx) as usize];
        let out = &mut acc[out_row * rnx as usize..(out_row + 1) * rnx as usize];
        for (c, &v) in line[x0 as usize..x1 as usize].iter().enumerate() {
            out[out_col[c]].add(v);
        }
    }
    let values = acc
        .iter()
        .map(|a| {
            let v = a.value(mid);
            if v.is_nan() {
                f32::NAN
            } else {
                v.clamp(f64::from(f32::MIN), f64::from(f32::MAX)) as f32
            }
        })
        .collect();
    Some(ReducedGrid {
        values,
        nx: rnx,
        ny: rny,
        window: GridWindow {
            full_nx: nx,
            full_ny: ny,
            x0,
            x1,
            y0,
            y1,
        },
        range,
    })
}

/// A small deterministic generator (xorshift64*): no dependency, and a
/// failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Mostly a few distinct values (so ties are common), sometimes NaN,
    /// ±inf, ±0, huge or tiny ones.
    fn value(&mut self, palette: &[f64]) -> f64 {
        match self.below(40) {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => -0.0,
            4 => 0.0,
            5 => f64::MAX,
            6 => -f64::MIN_POSITIVE,
            7..=9 => (self.next() as f64 / u64::MAX as f64 - 0.5) * 1e6,
            _ => palette[self.below(palette.len() as u64) as usize],
        }
    }
}

/// Bit-exact comparison (NaN equal to NaN, -0.0 unequal to 0.0).
fn same(a: &ReducedGrid, b: &ReducedGrid) -> bool {
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let range_bits = |r: Option<(f64, f64)>| r.map(|(lo, hi)| (lo.to_bits(), hi.to_bits()));
    (a.nx, a.ny, a.window) == (b.nx, b.ny, b.window)
        && range_bits(a.range) == range_bits(b.range)
        && bits(&a.values) == bits(&b.values)
}

#[test]
fn the_vectorised_reduction_gives_exactly_the_straightforward_frames() {
    let modes = [
        HeatmapReduce::Extreme,
        HeatmapReduce::Mean,
        HeatmapReduce::Max,
        HeatmapReduce::Min,
    ];
    for seed in 1..400u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let (nx, ny) = (1 + rng.below(67) as u32, 1 + rng.below(53) as u32);
        // Few distinct values: equal keys of different values (1 and -1
        // about a middle of 0) are common.
        let palette: Vec<f64> = match rng.below(4) {
            0 => vec![1.0, -1.0, 0.5, -0.5],
            1 => vec![-0.0, 0.0, 2.0, -2.0],
            // Neighbouring floats whose distances from a far middle round
            // equal.
            2 => vec![1.0, 1.0f64.next_up(), 1.0f64.next_down(), 8e16, -1e16],
            _ => (0..8).map(|_| rng.below(9) as f64 - 4.0).collect(),
        };
        let values: Vec<f64> = (0..nx * ny).map(|_| rng.value(&palette)).collect();
        let range = |rng: &mut Rng, n: u32| match rng.below(3) {
            0 => None,
            _ => {
                let a = rng.below(u64::from(n)) as f64 + 0.3;
                Some((a, a + 0.5 + rng.below(u64::from(n)) as f64))
            }
        };
        let view = View {
            channel: 0,
            x_px: 3,
            width_px: 1 + rng.below(40) as u32,
            height_px: 1 + rng.below(40) as u32,
            x_range: range(&mut rng, nx),
            y_range: range(&mut rng, ny),
            x_log: false,
            y_log: false,
        };
        let fixed = match rng.below(5) {
            0 => Some((-1.0, 1.0)),
            1 => Some((0.0, f64::NAN)),
            2 => Some((-f64::MAX, f64::MAX)),
            _ => None,
        };
        // The whole grid in view too: its blocks then give the extent.
        let whole = View {
            x_range: None,
            y_range: None,
            ..view
        };
        for (mode, view) in modes.into_iter().flat_map(|m| [(m, view), (m, whole)]) {
            let fast = reduce_heatmap(&values, nx, ny, &view, mode, fixed);
            let slow = reference(&values, nx, ny, &view, mode, fixed);
            let equal = match (&fast, &slow) {
                (Some(a), Some(b)) => same(a, b),
                (None, None) => true,
                _ => false,
            };
            assert!(
                equal,
                "seed {seed}, {nx}×{ny}, {mode:?}, view {view:?}, range {fixed:?}:\n\
                 fast {fast:?}\nslow {slow:?}"
            );
        }
    }
}

#[test]
fn lines_reduced_run_by_run_give_exactly_the_points_of_the_point_by_point_walk() {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let mut reduced = 0;
    for seed in 1..600u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let palette: Vec<f64> = (0..1 + rng.below(6))
            .map(|_| rng.below(9) as f64 - 4.0)
            .collect();
        let parts: Vec<(Option<Vec<f64>>, Vec<f64>)> = (0..1 + rng.below(3))
            .map(|_| {
                let n = rng.below(4000) as usize;
                let y: Vec<f64> = (0..n)
                    .map(|i| match rng.below(4) {
                        // Smooth stretches, so columns hold runs of a trend.
                        0 => (i as f64 * 0.01).sin(),
                        _ if rng.below(8) == 0 => rng.value(&palette),
                        _ => palette[rng.below(palette.len() as u64) as usize],
                    })
                    .collect();
                let x = (rng.below(2) == 0).then(|| {
                    // Sorted, with repeats and jumps.
                    let mut at = rng.below(100) as f64 - 50.0;
                    (0..n)
                        .map(|_| {
                            at += [0.0, 0.25, 1.0, 7.5][rng.below(4) as usize];
                            at
                        })
                        .collect()
                });
                (x, y)
            })
            .collect();
        let view = View {
            channel: 0,
            x_px: rng.below(50) as i32,
            width_px: 1 + rng.below(300) as u32,
            height_px: 100,
            x_range: match rng.below(3) {
                0 => None,
                _ => {
                    let a = rng.below(3000) as f64 - 500.0;
                    Some((a, a + 1.0 + rng.below(3000) as f64))
                }
            },
            y_range: None,
            x_log: false,
            y_log: rng.below(3) == 0,
        };
        let lookahead = [0, 0, 7, 40][rng.below(4) as usize];
        let borrowed: Vec<(Option<&[f64]>, &[f64])> =
            parts.iter().map(|(x, y)| (x.as_deref(), &y[..])).collect();
        let runs = reduce_lines_with(&borrowed, &view, 0.0, lookahead, true);
        let points = reduce_lines_with(&borrowed, &view, 0.0, lookahead, false);
        let same = match (&runs, &points) {
            (Some(a), Some(b)) => a
                .iter()
                .zip(b)
                .all(|((ax, ay), (bx, by))| bits(ax) == bits(bx) && bits(ay) == bits(by)),
            (None, None) => true,
            _ => false,
        };
        assert!(
            same,
            "seed {seed}, view {view:?}, lookahead {lookahead}:\nruns {runs:?}\npoints {points:?}"
        );
        reduced += usize::from(runs.is_some());
    }
    // The comparison means something only if most cases were reduced.
    assert!(reduced > 300, "only {reduced} of 599 cases were reduced");
}
