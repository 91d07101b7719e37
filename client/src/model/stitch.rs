//! Heatmap tiles of several processes stitched into one grid: domain
//! decomposition, where each process computes a block of the global grid
//! (`ChannelOptions::tile = [x0, y0, global_nx, global_ny]`).
//!
//! ```text
//!  global grid (row 0 first)         tiles: [x0, y0] + their own nx × ny
//!  ┌────────┬────────┐
//!  │ rank0  │ rank1  │  y0 = 0        a cell no tile covers is NaN (not drawn);
//!  ├────────┼────────┤                a tile that reaches past the grid is cut;
//!  │ rank2  │ rank3  │  y0 = ny/2     a tile reduced to an overview (`lod.grid`)
//!  └────────┴────────┘                is sampled at each cell's centre
//! ```
//!
//! Raw tiles of a grid of at most [`MAX_STITCHED_SIDE`] cells a side give
//! exactly the grid one process would have published. Otherwise the
//! result is sampled to at most that many cells a side and says so in its
//! `lod` (a grid window over the whole global grid), as a reduced frame
//! from a server would.

use plotcast_protocol::{Array, ChannelKind, DType, Frame, GridWindow, Lod, Part};

/// Largest side of a stitched grid: 2048² cells of f64 are 32 MiB.
pub const MAX_STITCHED_SIDE: u32 = 2048;

/// One process's tile: where it starts in the global grid, and its frame.
#[derive(Debug, Clone, Copy)]
pub struct Tile<'a> {
    /// First column in the global grid.
    pub x0: u32,
    /// First row in the global grid.
    pub y0: u32,
    /// The process's newest heatmap frame of the channel.
    pub frame: &'a Frame,
}

/// A tile's grid as sampled: its full size, the window of it the frame's
/// `nx × ny` cells cover, and its values.
struct Sampled {
    x0: u64,
    y0: u64,
    full: (u64, u64),
    window: (u64, u64, u64, u64),
    nx: u64,
    ny: u64,
    values: Vec<f64>,
}

impl Sampled {
    fn of(tile: &Tile<'_>) -> Option<Self> {
        let f = tile.frame;
        let part = f.parts.first()?;
        let (nx, ny) = (u64::from(f.nx), u64::from(f.ny));
        if f.kind != ChannelKind::Heatmap || nx == 0 || ny == 0 || part.y.len() as u64 != nx * ny {
            return None;
        }
        let (full, window) = match f.lod.as_ref().and_then(|l| l.grid) {
            Some(g) if g.is_valid() => (
                (u64::from(g.full_nx), u64::from(g.full_ny)),
                (
                    u64::from(g.x0),
                    u64::from(g.x1),
                    u64::from(g.y0),
                    u64::from(g.y1),
                ),
            ),
            Some(_) => return None,
            None => ((nx, ny), (0, nx, 0, ny)),
        };
        Some(Self {
            x0: u64::from(tile.x0),
            y0: u64::from(tile.y0),
            full,
            window,
            nx,
            ny,
            values: part.y.to_f64().into_owned(),
        })
    }

    /// The value at global cell (gx, gy), if this tile holds it.
    fn at(&self, gx: u64, gy: u64) -> Option<f64> {
        let (lx, ly) = (gx.checked_sub(self.x0)?, gy.checked_sub(self.y0)?);
        let (wx0, wx1, wy0, wy1) = self.window;
        if lx >= self.full.0 || ly >= self.full.1 || lx < wx0 || lx >= wx1 || ly < wy0 || ly >= wy1
        {
            return None;
        }
        let cx = (lx - wx0) * self.nx / (wx1 - wx0);
        let cy = (ly - wy0) * self.ny / (wy1 - wy0);
        self.values
            .get(usize::try_from(cy * self.nx + cx).ok()?)
            .copied()
    }
}

/// Stitches `tiles` into one heatmap frame of channel `channel` over a
/// `global_nx × global_ny` grid; `None` when the grid is empty or no tile
/// is a heatmap with a consistent grid. Later tiles win where tiles
/// overlap.
pub fn stitch(channel: u32, global_nx: u32, global_ny: u32, tiles: &[Tile<'_>]) -> Option<Frame> {
    if global_nx == 0 || global_ny == 0 {
        return None;
    }
    let sampled: Vec<Sampled> = tiles.iter().filter_map(Sampled::of).collect();
    if sampled.is_empty() {
        return None;
    }
    let (out_nx, out_ny) = (
        global_nx.min(MAX_STITCHED_SIDE),
        global_ny.min(MAX_STITCHED_SIDE),
    );
    let raw = tiles.iter().all(|t| t.frame.lod.is_none());
    let exact = raw && out_nx == global_nx && out_ny == global_ny;
    // Each output cell takes the global cell under its centre.
    let centre = |o: u32, out: u32, global: u32| -> u64 {
        (2 * u64::from(o) + 1) * u64::from(global) / (2 * u64::from(out))
    };
    let gxs: Vec<u64> = (0..out_nx).map(|o| centre(o, out_nx, global_nx)).collect();
    let mut values = vec![f64::NAN; out_nx as usize * out_ny as usize];
    for tile in &sampled {
        let xs: Vec<(usize, u64)> = gxs
            .iter()
            .enumerate()
            .filter(|&(_, &g)| g >= tile.x0 && g < tile.x0 + tile.full.0)
            .map(|(i, &g)| (i, g))
            .collect();
        for oy in 0..out_ny {
            let gy = centre(oy, out_ny, global_ny);
            if gy < tile.y0 || gy >= tile.y0 + tile.full.1 {
                continue;
            }
            let row = oy as usize * out_nx as usize;
            for &(ox, gx) in &xs {
                if let Some(v) = tile.at(gx, gy) {
                    values[row + ox] = v;
                }
            }
        }
    }
    let f64_tiles = tiles.iter().all(|t| {
        t.frame
            .parts
            .first()
            .is_some_and(|p| p.y.dtype() == DType::F64)
    });
    let y = if exact && f64_tiles {
        Array::from_f64(&values)
    } else {
        let bytes: Vec<u8> = values
            .iter()
            .flat_map(|&v| (v as f32).to_le_bytes())
            .collect();
        Array::from_le_bytes(DType::F32, bytes.into()).ok()?
    };
    let source_values = tiles
        .iter()
        .map(|t| match &t.frame.lod {
            Some(lod) => lod.source_values,
            None => u64::from(t.frame.nx) * u64::from(t.frame.ny),
        })
        .sum();
    let lod = (!exact).then(|| Lod {
        source_values,
        grid: Some(GridWindow {
            full_nx: global_nx,
            full_ny: global_ny,
            x0: 0,
            x1: global_nx,
            y0: 0,
            y1: global_ny,
        }),
        replace: false,
        ends: Vec::new(),
    });
    Some(Frame {
        channel,
        seq: tiles
            .iter()
            .map(|t| t.frame.seq)
            .fold(0, u64::saturating_add),
        timestamp_us: tiles
            .iter()
            .map(|t| t.frame.timestamp_us)
            .max()
            .unwrap_or(0),
        kind: ChannelKind::Heatmap,
        nx: out_nx,
        ny: out_ny,
        range: union_range(tiles),
        parts: vec![Part {
            name: String::new(),
            first_index: 0,
            x: None,
            y,
        }],
        lod,
    })
}

/// The tiles' value ranges together when every tile has one (a fixed or
/// full-data range); else none (autoscale over the stitched values).
fn union_range(tiles: &[Tile<'_>]) -> Option<(f64, f64)> {
    tiles.iter().try_fold(None, |acc: Option<(f64, f64)>, t| {
        let (lo, hi) = t.frame.range?;
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        Some(Some(acc.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi)))))
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heatmap(nx: u32, ny: u32, values: &[f64]) -> Frame {
        plotcast_testkit::frames::grid_frame(9, nx, ny, values)
    }

    fn values(f: &Frame) -> Vec<f64> {
        f.parts[0].y.iter().collect()
    }

    #[test]
    fn four_tiles_give_the_whole_grid_and_holes_are_nan() {
        // A 4 × 2 grid whose value is 10 × row + column.
        let whole: Vec<f64> = (0..2)
            .flat_map(|r| (0..4).map(move |c| f64::from(10 * r + c)))
            .collect();
        let block = |x0: usize, y0: usize| -> Vec<f64> {
            let mut v = Vec::new();
            for r in y0..y0 + 1 {
                for c in x0..x0 + 2 {
                    v.push(whole[r * 4 + c]);
                }
            }
            v
        };
        let frames: Vec<Frame> = [(0, 0), (2, 0), (0, 1), (2, 1)]
            .iter()
            .map(|&(x, y)| heatmap(2, 1, &block(x, y)))
            .collect();
        let tiles: Vec<Tile<'_>> = [(0, 0), (2, 0), (0, 1), (2, 1)]
            .iter()
            .zip(&frames)
            .map(|(&(x0, y0), frame)| Tile { x0, y0, frame })
            .collect();
        let stitched = stitch(3, 4, 2, &tiles).expect("a grid");
        assert_eq!((stitched.nx, stitched.ny, stitched.channel), (4, 2, 3));
        assert_eq!(values(&stitched), whole);
        assert!(stitched.lod.is_none(), "raw tiles stitch exactly");
        assert_eq!(stitched.parts[0].y.dtype(), DType::F64);
        // Without the last tile its cells are holes.
        let three = stitch(3, 4, 2, &tiles[..3]).expect("a grid");
        let v = values(&three);
        assert!(v[6].is_nan() && v[7].is_nan() && v[5] == 11.0);
    }

    #[test]
    fn tiles_past_the_grid_are_cut_and_bad_ones_ignored() {
        let big = heatmap(3, 3, &[1.0; 9]);
        let bad = heatmap(5, 5, &[2.0; 3]);
        let tiles = [
            Tile {
                x0: 1,
                y0: 1,
                frame: &big,
            },
            Tile {
                x0: 0,
                y0: 0,
                frame: &bad,
            },
        ];
        let f = stitch(0, 2, 2, &tiles).expect("a grid");
        let v = values(&f);
        assert!(v[0].is_nan() && v[3] == 1.0);
        assert!(stitch(0, 0, 2, &tiles).is_none());
        assert!(stitch(0, 2, 2, &tiles[1..]).is_none());
    }

    #[test]
    fn huge_grids_are_sampled_and_say_so() {
        let mut tile = heatmap(2, 2, &[1.0, 2.0, 3.0, 4.0]);
        // An overview standing for a 4096 × 4096 tile.
        tile.lod = Some(Lod {
            source_values: 1 << 24,
            grid: Some(GridWindow {
                full_nx: 4096,
                full_ny: 4096,
                x0: 0,
                x1: 4096,
                y0: 0,
                y1: 4096,
            }),
            replace: false,
            ends: Vec::new(),
        });
        tile.range = Some((0.0, 4.0));
        let f = stitch(
            1,
            8192,
            4096,
            &[Tile {
                x0: 0,
                y0: 0,
                frame: &tile,
            }],
        )
        .expect("grid");
        assert_eq!((f.nx, f.ny), (MAX_STITCHED_SIDE, MAX_STITCHED_SIDE));
        let grid = f.lod.as_ref().and_then(|l| l.grid).expect("a window");
        assert_eq!((grid.full_nx, grid.full_ny), (8192, 4096));
        assert_eq!(f.range, Some((0.0, 4.0)));
        let v = values(&f);
        let n = MAX_STITCHED_SIDE as usize;
        assert_eq!(v[0], 1.0);
        assert_eq!(v[n / 2 - 1], 2.0);
        assert!(v[n / 2].is_nan(), "right half: no tile");
        assert_eq!(v[(n - 1) * n], 3.0);
    }
}
