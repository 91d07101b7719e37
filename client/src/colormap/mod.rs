//! Colormaps: a value in `[0, 1]` to an RGB colour, the way matplotlib maps it.
//!
//! Each map is a 256-entry lookup table (see `tables.rs`).
//! As in matplotlib, `t` picks entry `floor(t * 256)` (clipped to 255), values
//! below 0 take the first colour and values above 1 the last. Any name may
//! end in `_r` for the reversed map. An unknown or empty name gives viridis.

mod tables;

use self::tables::{COOLWARM, GRAY, INFERNO, MAGMA, PLASMA, RDBU, VIRIDIS};

/// Colour of cells that hold NaN or infinity: a neutral mid grey that none of
/// the sequential maps produce (gray and the diverging maps pass near it;
/// matplotlib leaves such cells transparent instead).
pub const BAD_COLOR: [u8; 3] = [160, 160, 160];

/// Names accepted by [`Colormap::by_name`] (each also with `_r`).
pub const NAMES: [&str; 7] = [
    "viridis", "magma", "inferno", "plasma", "coolwarm", "RdBu", "gray",
];

/// A colormap: a lookup table, possibly reversed.
#[derive(Debug, Clone, Copy)]
pub struct Colormap {
    table: &'static [[u8; 3]; 256],
    reversed: bool,
}

impl Default for Colormap {
    fn default() -> Self {
        Self::viridis()
    }
}

impl Colormap {
    /// matplotlib's default map.
    pub fn viridis() -> Self {
        Self {
            table: &VIRIDIS,
            reversed: false,
        }
    }

    /// The map of that name, read as the protocol's list says
    /// ([`plotcast_protocol::colormap`]: any case, `_r` reverses); viridis
    /// when the name is empty or unknown (a peer's name is drawn, never
    /// refused: the computation's side refuses unknown names).
    pub fn by_name(name: &str) -> Self {
        use plotcast_protocol::colormap::Colormap as Named;
        let named: Named = name.trim().parse().unwrap_or_default();
        let table = match named.name().trim_end_matches("_r") {
            "magma" => &MAGMA,
            "inferno" => &INFERNO,
            "plasma" => &PLASMA,
            "coolwarm" => &COOLWARM,
            "RdBu" => &RDBU,
            "gray" => &GRAY,
            _ => &VIRIDIS,
        };
        Self {
            table,
            reversed: named.is_reversed(),
        }
    }

    /// Colour of `t` (0 = low end, 1 = high end); NaN gives [`BAD_COLOR`].
    #[inline]
    pub fn color(&self, t: f64) -> [u8; 3] {
        Self::index(t).map_or(BAD_COLOR, |index| self.entry(index))
    }

    /// The table entry of `t` (see [`Colormap::entry`]); `None` for NaN.
    #[inline]
    pub fn index(t: f64) -> Option<usize> {
        // Same rule as matplotlib's Colormap.__call__ for N = 256.
        (!t.is_nan()).then(|| (t * 256.0).clamp(0.0, 255.0) as usize)
    }

    /// Table entry `index` (0..=255), honouring reversal.
    #[inline]
    pub fn entry(&self, index: usize) -> [u8; 3] {
        let index = index.min(255);
        if self.reversed {
            self.table[255 - index]
        } else {
            self.table[index]
        }
    }
}

/// Maps values of a fixed range to table indices quickly (one multiply).
#[derive(Debug, Clone, Copy)]
pub struct ValueScale {
    lo: f64,
    scale: f64,
}

impl ValueScale {
    /// A scale sending `lo` to 0 and `hi` to 1; a degenerate or non-finite
    /// range sends everything to the middle.
    pub fn new(lo: f64, hi: f64) -> Self {
        let span = hi - lo;
        if span.is_finite() && span > 0.0 && lo.is_finite() {
            Self {
                lo,
                scale: 1.0 / span,
            }
        } else {
            Self {
                lo: 0.0,
                scale: 0.0,
            }
        }
    }

    /// Position of `v` in the range (0..1 inside; NaN stays NaN).
    #[inline]
    pub fn t(&self, v: f64) -> f64 {
        if self.scale == 0.0 {
            if v.is_finite() {
                0.5
            } else {
                f64::NAN
            }
        } else if v.is_finite() {
            (v - self.lo) * self.scale
        } else {
            f64::NAN
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: [u8; 3], b: [u8; 3]) -> bool {
        a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 1)
    }

    #[test]
    fn viridis_endpoints_match_matplotlib() {
        let map = Colormap::viridis();
        assert!(close(map.color(0.0), [0x44, 0x01, 0x54]));
        assert!(close(map.color(1.0), [0xfd, 0xe7, 0x25]));
        // matplotlib: viridis(0.5) = #21918c
        assert!(close(map.color(0.5), [0x21, 0x91, 0x8c]));
    }

    #[test]
    fn out_of_range_and_nan() {
        let map = Colormap::viridis();
        assert_eq!(map.color(-3.0), map.color(0.0));
        assert_eq!(map.color(7.0), map.color(1.0));
        assert_eq!(map.color(f64::NAN), BAD_COLOR);
    }

    #[test]
    fn names_reversal_and_fallback() {
        let unknown = Colormap::by_name("no-such-map");
        assert_eq!(unknown.color(0.3), Colormap::viridis().color(0.3));
        assert_eq!(
            Colormap::by_name("").color(0.9),
            Colormap::viridis().color(0.9)
        );
        let rdbu = Colormap::by_name("RdBu");
        let rdbu_r = Colormap::by_name("rdbu_r");
        assert_eq!(rdbu.color(0.0), rdbu_r.color(1.0));
        // RdBu runs from dark red to dark blue (ColorBrewer #67001f .. #053061).
        assert!(close(rdbu.color(0.0), [0x67, 0x00, 0x1f]));
        assert!(close(rdbu.color(1.0), [0x05, 0x30, 0x61]));
        for name in NAMES {
            assert_eq!(Colormap::by_name(name).table.len(), 256);
        }
    }

    #[test]
    fn value_scale_degenerate() {
        let s = ValueScale::new(2.0, 2.0);
        assert_eq!(s.t(2.0), 0.5);
        assert!(s.t(f64::INFINITY).is_nan());
        let s = ValueScale::new(0.0, 4.0);
        assert_eq!(s.t(1.0), 0.25);
    }
}
