//! Axis ranges: autoscale from the data, fixed ranges from the channel spec,
//! and the user's manual view, in that order of precedence (manual wins).

use plotcast_protocol::Scale;

/// The x and y ranges a plot shows (or a plot type says its data spans).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AxisView {
    /// Shown x range.
    pub x: (f64, f64),
    /// Shown y range.
    pub y: (f64, f64),
}

/// Running min/max of the values an axis can show.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Extent {
    bounds: Option<(f64, f64)>,
}

impl Extent {
    /// Includes `v` if the axis can show it (finite; positive on log axes).
    #[inline]
    pub(crate) fn add(&mut self, v: f64, scale: Scale) {
        if !v.is_finite() || (scale == Scale::Log && v <= 0.0) {
            return;
        }
        self.bounds = Some(match self.bounds {
            Some((lo, hi)) => (lo.min(v), hi.max(v)),
            None => (v, v),
        });
    }

    /// Includes every value of a slice.
    pub(crate) fn add_all(&mut self, values: impl IntoIterator<Item = f64>, scale: Scale) {
        for v in values {
            self.add(v, scale);
        }
    }

    /// Includes every value of a slice; fast when all are finite (and
    /// positive on log axes), exact either way.
    pub(crate) fn add_slice(&mut self, values: &[f64], scale: Scale) {
        let m = min_max(values);
        if values.is_empty() {
            return;
        }
        if m.finite && (scale == Scale::Linear || m.lo > 0.0) {
            self.add(m.lo, scale);
            self.add(m.hi, scale);
        } else {
            self.add_all(values.iter().copied(), scale);
        }
    }

    pub(crate) fn get(&self) -> Option<(f64, f64)> {
        self.bounds
    }
}

/// Minimum and maximum of a slice, and whether every value is finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MinMax {
    pub lo: f64,
    pub hi: f64,
    pub finite: bool,
}

/// [`MinMax`] of a slice in one pass, four independent lanes so the loop
/// vectorises (f64::min/max and a branch on finiteness do not). NaN never
/// wins a comparison, and `v * 0.0` turns any NaN or infinity into a NaN
/// that marks the slice as not finite.
pub(crate) fn min_max(values: &[f64]) -> MinMax {
    let mut lo = [f64::INFINITY; 4];
    let mut hi = [f64::NEG_INFINITY; 4];
    let mut bad = [0.0f64; 4];
    let chunks = values.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..4 {
            let v = c[k];
            lo[k] = if v < lo[k] { v } else { lo[k] };
            hi[k] = if v > hi[k] { v } else { hi[k] };
            bad[k] += v * 0.0;
        }
    }
    for (k, &v) in rest.iter().enumerate() {
        lo[k] = if v < lo[k] { v } else { lo[k] };
        hi[k] = if v > hi[k] { v } else { hi[k] };
        bad[k] += v * 0.0;
    }
    let pick = |a: [f64; 4], f: fn(f64, f64) -> f64| a.iter().copied().fold(a[0], f);
    MinMax {
        lo: pick(lo, f64::min),
        hi: pick(hi, f64::max),
        finite: bad.iter().all(|b| *b == 0.0),
    }
}

/// Margins added around autoscaled data, as fractions of the span.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pad {
    pub low: f64,
    pub high: f64,
}

impl Pad {
    /// matplotlib's default 5 % on both sides.
    pub(crate) const DEFAULT: Pad = Pad {
        low: 0.05,
        high: 0.05,
    };
    /// Tight: the data touches the edges.
    pub(crate) const NONE: Pad = Pad {
        low: 0.0,
        high: 0.0,
    };
}

/// Largest magnitude a drawn range may reach. plotters' tick code divides
/// and multiplies spans and steps; keeping every end within ±1e300 leaves
/// it ample headroom, where a span such as `1e308 - (-1e308)` overflows to
/// infinity and made its tick search spin.
pub(crate) const MAX_MAGNITUDE: f64 = 1e300;

/// Largest magnitude on a log axis (and the reciprocal, the smallest):
/// plotters counts decades as `ln(high / low)`, which must stay finite (a
/// log axis from 1e-300 to 1e300 made its tick search spin).
pub(crate) const MAX_LOG_MAGNITUDE: f64 = 1e150;

/// Smallest span a drawn range may have, absolutely and relative to its
/// magnitude: below that the tick step underflows and its reciprocal
/// overflows (a range near the smallest subnormal did).
pub(crate) const MIN_SPAN: f64 = 1e-290;
const MIN_RELATIVE_SPAN: f64 = 1e-12;

/// The range to draw: a valid fixed range if given, else the data extent
/// with padding, else a default. Whatever comes in (peer data, a peer's
/// layout, a user's zoom), what comes out passes [`valid`].
pub(crate) fn resolve(
    fixed: Option<(f64, f64)>,
    data: Extent,
    scale: Scale,
    pad: Pad,
) -> (f64, f64) {
    if let Some(range) = fixed.and_then(|r| valid(r, scale)) {
        return range;
    }
    let log = scale == Scale::Log;
    let fallback = if log { (1.0, 10.0) } else { (0.0, 1.0) };
    let Some((lo, hi)) = data.get() else {
        return fallback;
    };
    // Data beyond the drawable magnitudes is clipped by the plot, not
    // allowed to stretch the axis past what plotters can tick.
    let (lo_limit, hi_limit) = if log {
        (1.0 / MAX_LOG_MAGNITUDE, MAX_LOG_MAGNITUDE)
    } else {
        (-MAX_MAGNITUDE, MAX_MAGNITUDE)
    };
    let (lo, hi) = (lo.clamp(lo_limit, hi_limit), hi.clamp(lo_limit, hi_limit));
    let t = |v: f64| if log { v.log10() } else { v };
    let back = |v: f64| if log { 10f64.powf(v) } else { v };
    let (tlo, thi) = (t(lo), t(hi));
    let span = thi - tlo;
    let range = if span > MIN_RELATIVE_SPAN * tlo.abs().max(thi.abs()) && span > MIN_SPAN {
        (back(tlo - pad.low * span), back(thi + pad.high * span))
    } else {
        // A flat line: centre it in a span that still reads sensibly.
        let half = if log { 0.5 } else { (tlo.abs() * 0.1).max(0.5) };
        (back(tlo - half), back(thi + half))
    };
    valid(range, scale)
        .or_else(|| valid((range.0.max(lo_limit), range.1.min(hi_limit)), scale))
        .unwrap_or(fallback)
}

/// `range` in increasing order if it is drawable on that scale: finite,
/// within ±[`MAX_MAGNITUDE`] (on log axes between the reciprocal of
/// [`MAX_LOG_MAGNITUDE`] and it), and a span that is neither vanishing
/// (below [`MIN_SPAN`] or a 1e-12 fraction of its magnitude) nor
/// overflowing.
pub(crate) fn valid((a, b): (f64, f64), scale: Scale) -> Option<(f64, f64)> {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let bounded = match scale {
        Scale::Linear => lo >= -MAX_MAGNITUDE && hi <= MAX_MAGNITUDE,
        Scale::Log => lo >= 1.0 / MAX_LOG_MAGNITUDE && hi <= MAX_LOG_MAGNITUDE,
    };
    let span = hi - lo;
    let ok = bounded
        && span >= MIN_SPAN
        && span > MIN_RELATIVE_SPAN * lo.abs().max(hi.abs())
        && (scale == Scale::Linear || hi / lo > 1.0 + MIN_RELATIVE_SPAN);
    ok.then_some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_finds_extremes_and_bad_values() {
        let v: Vec<f64> = (0..103).map(|i| ((i * 37) % 101) as f64 - 50.0).collect();
        assert_eq!(
            min_max(&v),
            MinMax {
                lo: -50.0,
                hi: 50.0,
                finite: true
            }
        );
        let mut w = v.clone();
        w[102] = f64::NAN;
        let m = min_max(&w);
        assert!(!m.finite && m.lo == -50.0);
        w[102] = f64::NEG_INFINITY;
        assert!(!min_max(&w).finite);
        assert!(min_max(&[]).finite);
        let mut e = Extent::default();
        e.add_slice(&w, Scale::Linear);
        assert_eq!(e.get(), Some((-50.0, 50.0)));
        let mut e = Extent::default();
        e.add_slice(&v, Scale::Log);
        assert_eq!(e.get(), Some((1.0, 50.0)));
    }

    #[test]
    fn autoscale_pads_and_skips_bad_values() {
        let mut e = Extent::default();
        e.add_all([1.0, f64::NAN, 3.0, f64::INFINITY, -1.0], Scale::Linear);
        assert_eq!(resolve(None, e, Scale::Linear, Pad::DEFAULT), (-1.2, 3.2));
        let mut e = Extent::default();
        e.add_all([-5.0, 0.0, 10.0, 1000.0], Scale::Log);
        let (lo, hi) = resolve(None, e, Scale::Log, Pad::NONE);
        assert!((lo - 10.0).abs() < 1e-9 && (hi - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn fixed_wins_when_valid_and_flat_data_gets_a_span() {
        let e = Extent::default();
        assert_eq!(
            resolve(Some((2.0, 1.0)), e, Scale::Linear, Pad::DEFAULT),
            (1.0, 2.0)
        );
        assert_eq!(
            resolve(Some((-1.0, 1.0)), e, Scale::Log, Pad::DEFAULT),
            (1.0, 10.0)
        );
        assert_eq!(
            resolve(Some((f64::NAN, 1.0)), e, Scale::Linear, Pad::DEFAULT),
            (0.0, 1.0)
        );
        let mut e = Extent::default();
        e.add(5.0, Scale::Linear);
        assert_eq!(resolve(None, e, Scale::Linear, Pad::DEFAULT), (4.5, 5.5));
        let mut e = Extent::default();
        e.add_all([1e300, -1e300, f64::MAX, f64::MIN], Scale::Linear);
        let (lo, hi) = resolve(None, e, Scale::Linear, Pad::DEFAULT);
        assert!(lo.is_finite() && hi.is_finite() && lo < hi);
    }

    #[test]
    fn every_range_that_comes_out_is_drawable() {
        let nasty = [
            (-1e308, 1e308),
            (-f64::MAX, f64::MAX),
            (0.0, 5e-324),
            (1e-320, 2e-320),
            (1e300, 1e300 + 1e290),
            (f64::MIN_POSITIVE, 2.0 * f64::MIN_POSITIVE),
            (1.0, 1.0 + 1e-15),
            (-0.0, 0.0),
            (f64::NAN, f64::INFINITY),
            (1e-300, 1e300),
            (5e-324, f64::MAX),
        ];
        for scale in [Scale::Linear, Scale::Log] {
            for &(a, b) in &nasty {
                assert_eq!(
                    valid((a, b), scale).map(|_| ()),
                    valid((b, a), scale).map(|_| ())
                );
                let mut e = Extent::default();
                e.add(a, scale);
                e.add(b, scale);
                for fixed in [None, Some((a, b))] {
                    let r = resolve(fixed, e, scale, Pad::DEFAULT);
                    assert!(valid(r, scale) == Some(r), "{a}..{b} {scale:?} gave {r:?}");
                }
            }
        }
        assert!(valid((-1e308, 1e308), Scale::Linear).is_none());
        assert!(valid((0.0, 5e-324), Scale::Linear).is_none());
        assert_eq!(valid((2.0, 1.0), Scale::Linear), Some((1.0, 2.0)));
    }
}
