//! Data drawn in pixel space inside a plotting area: lines (decimated),
//! scatter points (one marker per distinct pixel), bars.

use plotters::prelude::*;

use super::canvas::Area;
use super::decimate::{snap, Clipper, Decimator, Paths, PointSink};
use super::DrawError;
use crate::model::{min_max, MinMax};
use crate::view::drawn::{Mapping, PixelRect};

/// matplotlib's "tab10" colour cycle.
pub(crate) const CYCLE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// Colour of the `i`-th series.
pub(crate) fn series_color(i: usize) -> RGBColor {
    CYCLE[i % CYCLE.len()]
}

/// The polylines (and lone points) of a line, clipped to the plotting area,
/// decimated per pixel column when `decimate` is set.
pub(crate) fn line_paths(
    map: &Mapping,
    points: impl Iterator<Item = (f64, f64)>,
    decimate: bool,
) -> Paths {
    let mut clipper = Clipper::new(map.rect);
    if decimate {
        let mut dec = Decimator::new(map.rect);
        for (x, y) in points {
            match map.pixel(x, y) {
                Some((px, py)) => dec.push((snap(px), snap(py)), &mut clipper),
                None => dec.brk(&mut clipper),
            }
        }
        dec.finish(&mut clipper);
    } else {
        for (x, y) in points {
            match map.pixel(x, y) {
                Some((px, py)) => clipper.point((snap(px), snap(py))),
                None => clipper.brk(),
            }
        }
    }
    clipper.finish()
}

/// [`line_paths`] with decimation, for lines whose x never decreases (y
/// only, or sorted x): each pixel column holds one contiguous index range,
/// found by galloping search, and its extremes come from a tight min/max
/// pass over that range of `y` instead of per-point bookkeeping. Ranges
/// holding values the axes cannot show go through the general path, so
/// the result equals [`line_paths`] (up to the order of equal extremes).
/// `x(i)` must be finite and non-decreasing (and positive on a log axis).
pub(crate) fn line_paths_sorted(map: &Mapping, x: impl Fn(usize) -> f64, y: &[f64]) -> Paths {
    let mut clipper = Clipper::new(map.rect);
    let mut dec = Decimator::new(map.rect);
    sorted_run(map, &mut dec, &mut clipper, x, y);
    dec.finish(&mut clipper);
    clipper.finish()
}

/// [`line_paths_sorted`] over consecutive runs of one line (an append
/// series' chunks): x never decreases within or across runs.
pub(crate) fn line_paths_sorted_runs<'a>(
    map: &Mapping,
    runs: impl Iterator<Item = (&'a [f64], &'a [f64])>,
) -> Paths {
    let mut clipper = Clipper::new(map.rect);
    let mut dec = Decimator::new(map.rect);
    for (x, y) in runs {
        // The decimator's open column carries over a run boundary.
        sorted_run(
            map,
            &mut dec,
            &mut clipper,
            |i| x[i],
            &y[..x.len().min(y.len())],
        );
    }
    dec.finish(&mut clipper);
    clipper.finish()
}

/// One contiguous run of a sorted line into the decimator.
fn sorted_run(
    map: &Mapping,
    dec: &mut Decimator,
    clipper: &mut Clipper,
    x: impl Fn(usize) -> f64,
    y: &[f64],
) {
    let n = y.len();
    let keyer = Decimator::new(map.rect);
    let key = |i: usize| keyer.column(snap(map.x_pixel(x(i)).unwrap_or(0.0)));
    let push = |i: usize, dec: &mut Decimator, clipper: &mut Clipper| match map.pixel(x(i), y[i]) {
        Some((px, py)) => dec.push((snap(px), snap(py)), clipper),
        None => dec.brk(clipper),
    };
    let mut i = 0;
    while i < n {
        let k = key(i);
        // Gallop, then bisect, to the end of this column's run.
        let mut step = 1;
        while i + step < n && key(i + step) == k {
            step *= 2;
        }
        let (mut lo, mut hi) = (i + step / 2, (i + step).min(n));
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if key(mid) == k {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let end = hi;
        let run = &y[i..end];
        let MinMax {
            lo: min,
            hi: max,
            finite,
        } = min_max(run);
        let showable = finite && map.pixel(x(i), min).is_some();
        if showable && run.len() > 4 {
            let at_min = i + run.iter().position(|&v| v == min).unwrap_or(0);
            let at_max = i + run.iter().position(|&v| v == max).unwrap_or(0);
            let mut picks = [i, at_min, at_max, end - 1];
            picks.sort_unstable();
            let mut last = usize::MAX;
            for p in picks {
                if p != last {
                    push(p, dec, clipper);
                    last = p;
                }
            }
        } else {
            for t in i..end {
                push(t, dec, clipper);
            }
        }
        i = end;
    }
}

/// Draws polylines and lone points.
pub(crate) fn draw_paths(root: &Area<'_>, paths: Paths, color: RGBColor) -> Result<(), DrawError> {
    for line in paths.lines {
        root.draw(&PathElement::new(line, color.stroke_width(1)))?;
    }
    for dot in paths.dots {
        root.draw(&Circle::new(dot, 1, color.filled()))?;
    }
    Ok(())
}

/// Draws scatter markers; several points on one pixel get one marker.
pub(crate) fn draw_points(
    root: &Area<'_>,
    map: &Mapping,
    points: impl Iterator<Item = (f64, f64)>,
    color: RGBColor,
    radius: i32,
) -> Result<(), DrawError> {
    let r = map.rect;
    let (w, h) = (r.w as usize, r.h as usize);
    let mut seen = vec![false; w * h];
    let mut centres = Vec::new();
    for (x, y) in points {
        let Some((px, py)) = map.pixel(x, y) else {
            continue;
        };
        let (px, py) = (snap(px), snap(py));
        let (cx, cy) = (px - f64::from(r.x), py - f64::from(r.y));
        if cx < 0.0 || cy < 0.0 || cx >= w as f64 || cy >= h as f64 {
            continue;
        }
        let idx = cy as usize * w + cx as usize;
        if !seen[idx] {
            seen[idx] = true;
            centres.push((px as i32, py as i32));
        }
    }
    // Marker centres lie inside the area; a marker may overlap the box by
    // its radius, as matplotlib's unclipped markers do.
    let style = color.mix(0.85).filled();
    for centre in centres {
        root.draw(&Circle::new(centre, radius, style))?;
    }
    Ok(())
}

/// One bar in data coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bar {
    pub x0: f64,
    pub x1: f64,
    pub height: f64,
}

/// Bars of a part: `n` heights with `n + 1` edges, `n` centres, or none
/// (centres at 0, 1, ...).
pub(crate) fn bars_of(heights: &[f64], x: Option<&[f64]>) -> Vec<Bar> {
    let n = heights.len();
    match x {
        Some(edges) if edges.len() == n + 1 => (0..n)
            .map(|i| Bar {
                x0: edges[i],
                x1: edges[i + 1],
                height: heights[i],
            })
            .collect(),
        Some(centres) if centres.len() == n => {
            let mut sorted: Vec<f64> = centres.iter().copied().filter(|v| v.is_finite()).collect();
            sorted.sort_by(f64::total_cmp);
            let step = sorted
                .windows(2)
                .map(|w| w[1] - w[0])
                .filter(|d| *d > 0.0)
                .fold(f64::INFINITY, f64::min);
            let width = if step.is_finite() { step * 0.8 } else { 0.8 };
            centres
                .iter()
                .zip(heights)
                .map(|(&c, &h)| Bar {
                    x0: c - width / 2.0,
                    x1: c + width / 2.0,
                    height: h,
                })
                .collect()
        }
        _ => heights
            .iter()
            .enumerate()
            .map(|(i, &h)| Bar {
                x0: i as f64 - 0.4,
                x1: i as f64 + 0.4,
                height: h,
            })
            .collect(),
    }
}

/// Draws bars from `base` (0, or the bottom of a log axis) up to each height.
pub(crate) fn draw_bars(
    root: &Area<'_>,
    map: &Mapping,
    bars: &[Bar],
    base: f64,
    color: RGBColor,
    alpha: f64,
) -> Result<(), DrawError> {
    let r = map.rect;
    let clamp_x = |v: f64| v.clamp(f64::from(r.x), f64::from(r.right()));
    let clamp_y = |v: f64| v.clamp(f64::from(r.y), f64::from(r.bottom()));
    let style = color.mix(alpha).filled();
    for bar in bars {
        let (Some(a), Some(b)) = (map.pixel(bar.x0, base), map.pixel(bar.x1, bar.height)) else {
            continue;
        };
        // Columns [x0, x_end): adjacent bars tile exactly; wide bars give
        // up their last column as a white gap that keeps them apart.
        let x0 = snap(a.0.min(b.0));
        let mut x_end = snap(a.0.max(b.0));
        if x_end - x0 >= 4.0 {
            x_end -= 1.0;
        }
        let x_end = x_end.max(x0 + 1.0);
        let (x0, x_end) = (clamp_x(x0), (x_end).min(f64::from(r.right()) + 1.0));
        if x_end <= x0 || x_end <= f64::from(r.x) {
            continue;
        }
        let (y0, y1) = (clamp_y(snap(a.1.min(b.1))), clamp_y(snap(a.1.max(b.1))));
        root.draw(&Rectangle::new(
            [(x0 as i32, y0 as i32), (x_end as i32, y1 as i32 + 1)],
            style,
        ))?;
    }
    Ok(())
}

/// Fraction of a rectangle's pixels differing from `bg` (used by tests and
/// the bench's sanity checks).
pub fn ink_fraction(rgb: &[u8], width: u32, rect: PixelRect, bg: [u8; 3]) -> f64 {
    let mut ink = 0usize;
    let mut all = 0usize;
    for y in rect.y.max(0)..(rect.y + rect.h as i32) {
        for x in rect.x.max(0)..(rect.x + rect.w as i32).min(width as i32) {
            let i = (y as usize * width as usize + x as usize) * 3;
            if let Some(px) = rgb.get(i..i + 3) {
                all += 1;
                if px != bg {
                    ink += 1;
                }
            }
        }
    }
    if all == 0 {
        0.0
    } else {
        ink as f64 / all as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::view::drawn::AxisMap;
    use plotcast_protocol::Scale;
    use std::collections::BTreeSet;

    /// Every pixel a set of polylines passes through (vertices and the
    /// straight runs between them, as plotters draws them).
    fn covered(paths: &Paths) -> BTreeSet<(i32, i32)> {
        let mut set: BTreeSet<(i32, i32)> = paths.dots.iter().copied().collect();
        for line in &paths.lines {
            for w in line.windows(2) {
                let (a, b) = (w[0], w[1]);
                let steps = (b.0 - a.0).abs().max((b.1 - a.1).abs()).max(1);
                for s in 0..=steps {
                    let t = f64::from(s) / f64::from(steps);
                    let x = f64::from(a.0) + t * f64::from(b.0 - a.0);
                    let y = f64::from(a.1) + t * f64::from(b.1 - a.1);
                    set.insert((x.round() as i32, y.round() as i32));
                }
            }
        }
        set
    }

    #[test]
    fn sorted_fast_path_covers_what_the_general_path_covers() {
        let n = 200_000;
        let y: Vec<f64> = (0..n)
            .map(|i| match i {
                5000..=5003 | 77_777 => f64::NAN,
                90_000 => f64::INFINITY,
                _ => ((i as f64) * 1e-4).sin() + 0.1 * ((i * 7919 % 1000) as f64 / 1000.0),
            })
            .collect();
        let rect = PixelRect {
            x: 50,
            y: 20,
            w: 700,
            h: 400,
        };
        for (lo, hi) in [(0.0, n as f64), (1000.0, 3000.0), (-5e4, 1e5)] {
            let map = Mapping::new(
                rect,
                AxisMap::new((lo, hi), Scale::Linear),
                AxisMap::new((-1.0, 1.2), Scale::Linear),
            );
            let general = line_paths(
                &map,
                y.iter().enumerate().map(|(i, &v)| (i as f64, v)),
                true,
            );
            let naive = line_paths(
                &map,
                y.iter().enumerate().map(|(i, &v)| (i as f64, v)),
                false,
            );
            let fast = line_paths_sorted(&map, |i| i as f64, &y);
            assert_eq!(covered(&fast), covered(&general), "range {lo}..{hi}");
            assert_eq!(covered(&fast), covered(&naive), "range {lo}..{hi}");
        }
    }

    /// An append series kept in chunks draws what the same points drawn in
    /// one piece draw, whatever the chunk boundaries (a pixel column split
    /// across two chunks included).
    #[test]
    fn runs_cover_what_one_piece_covers() {
        let n = 50_000;
        let x: Vec<f64> = (0..n).map(|i| i as f64 * 0.01).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| match i {
                700 | 31_000 => f64::NAN,
                _ => ((i as f64) * 3e-3).sin() + 0.2 * ((i * 7919 % 997) as f64 / 997.0),
            })
            .collect();
        let rect = PixelRect {
            x: 40,
            y: 10,
            w: 600,
            h: 300,
        };
        let map = Mapping::new(
            rect,
            AxisMap::new((0.0, n as f64 * 0.01), Scale::Linear),
            AxisMap::new((-1.2, 1.4), Scale::Linear),
        );
        let whole = line_paths(&map, x.iter().copied().zip(y.iter().copied()), true);
        for cut in [1, 333, 4096, 12_345] {
            let mut runs = Vec::new();
            let mut at = 0;
            while at < n {
                let end = (at + cut + at % 7).min(n);
                runs.push((&x[at..end], &y[at..end]));
                at = end;
            }
            let chunked = line_paths_sorted_runs(&map, runs.into_iter());
            assert_eq!(covered(&chunked), covered(&whole), "runs of about {cut}");
        }
    }

    #[test]
    fn bars_from_edges_centres_and_nothing() {
        let h = [1.0, 2.0];
        assert_eq!(
            bars_of(&h, Some(&[0.0, 1.0, 3.0]))[1],
            Bar {
                x0: 1.0,
                x1: 3.0,
                height: 2.0
            }
        );
        let c = bars_of(&h, Some(&[10.0, 20.0]));
        assert_eq!((c[0].x0, c[0].x1), (6.0, 14.0));
        assert_eq!(
            bars_of(&h, None)[1],
            Bar {
                x0: 0.6,
                x1: 1.4,
                height: 2.0
            }
        );
        // A mismatched x falls back to indices rather than panicking.
        assert_eq!(bars_of(&h, Some(&[1.0])).len(), 2);
    }
}
