//! Where an axis puts its ticks: nice linear steps like matplotlib's
//! `MaxNLocator` (1, 2, 2.5, 5, 10 × 10ⁿ, only ticks inside the range) and,
//! on log axes, decades with their 2…9 multiples like `LogLocator`, with
//! the multiples labelled when the range spans less than about a decade.
//! What the labels say is [`tick_format`](super::tick_format)'s.
//!
//! Density comes from pixels: labelled ticks 60–120 px apart
//! ([`TICK_SPACING_PX`]), further when their labels need the room
//! (checked with the labels' measured size), closer only so that a small
//! plot still gets two.
//!
//! ```text
//!  linear 0 … 4 over 600 px     0   0.5  1.0  …  4.0     (75 px apart)
//!  log 1e-6 … 1 over 300 px     10⁻⁶ 10⁻⁵ … 10⁰, minor ticks 2…9 unlabelled
//!  log 0.5 … 1                  0.5 0.6 0.7 0.8 0.9 1    (multiples labelled)
//! ```

use plotcast_protocol::Scale;

use super::tick_format::{log_label, plain_enough, pow10, LinearFormat};

/// The least distance between labelled ticks of a linear axis, in pixels:
/// the step is the smallest nice one at least this far apart, so ticks
/// land 60–120 px apart, about 85 on average (consecutive steps differ by
/// up to a factor of two: no narrower window is possible). Wider labels
/// push them further apart.
pub const TICK_SPACING_PX: f64 = 60.0;

/// Labelled decades may sit closer than linear ticks (their labels are
/// short), but not closer than this.
const MIN_DECADE_PX: f64 = 30.0;

/// Below this many pixels per decade the 2…9 multiples are not marked.
const MIN_MINOR_DECADE_PX: f64 = 12.0;

/// The mantissas of linear steps (matplotlib's `MaxNLocator` steps; 10 is
/// the next decade's 1).
const MANTISSAS: [&str; 4] = ["1", "2", "2.5", "5"];

/// At most this many ticks are ever made for an axis.
const MAX_TICKS: f64 = 1000.0;

/// Decade strides of a log axis with too many decades to label each.
const STRIDES: [i32; 13] = [1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000];

/// Multiples of a decade labelled when a log axis spans less than about a
/// decade, densest first (matplotlib's `LogFormatter` sublabels).
const ALL: &[u32] = &[1, 2, 3, 4, 5, 6, 7, 8, 9];
const SOME: &[u32] = &[1, 2, 3, 4, 6];
const FEW: &[u32] = &[1, 2, 5];
const DECADES: &[u32] = &[1];

/// One tick of an axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Where it is, in data units.
    pub value: f64,
    /// What it says; empty for an unlabelled (minor) tick.
    pub label: String,
    /// A major tick: every linear tick, labelled decades on log axes.
    pub major: bool,
}

/// The ticks of one axis, in increasing order, and the text shown once at
/// its end: a common factor and an offset ("×10⁶", "+1.7×10⁹"), or empty.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AxisTicks {
    /// Every tick, labelled or not.
    pub ticks: Vec<Tick>,
    /// The factor and offset every label shares; empty when there is none.
    pub note: String,
}

impl AxisTicks {
    /// The labelled ticks.
    pub fn labelled(&self) -> impl Iterator<Item = &Tick> + '_ {
        self.ticks.iter().filter(|t| !t.label.is_empty())
    }

    /// The labels, in order.
    pub fn labels(&self) -> Vec<&str> {
        self.labelled().map(|t| t.label.as_str()).collect()
    }
}

/// The room labels need along an axis.
pub struct LabelRoom<'a> {
    /// The pixels a label takes along the axis (its width along x, its
    /// height along y).
    pub extent: &'a dyn Fn(&str) -> f64,
    /// The least space between two labels, in pixels.
    pub gap_px: f64,
}

/// The ticks of an axis showing `range` on `scale` over `length_px` pixels
/// (the distance from the first pixel to the last). Non-finite, empty or
/// reversed ranges and log ranges reaching 0 get linear ticks or none.
pub fn axis_ticks(
    range: (f64, f64),
    scale: Scale,
    length_px: f64,
    room: &LabelRoom<'_>,
) -> AxisTicks {
    let (lo, hi) = (range.0.min(range.1), range.0.max(range.1));
    if !(lo.is_finite() && hi.is_finite() && lo < hi && length_px >= 1.0) {
        return AxisTicks::default();
    }
    let log = scale == Scale::Log && lo > 0.0;
    let axis = Axis {
        lo,
        hi,
        length: length_px,
        log,
    };
    if log {
        if let Some(ticks) = log_ticks(&axis, room) {
            return ticks;
        }
    }
    linear_ticks(&axis, room)
}

/// The range and its pixels.
struct Axis {
    lo: f64,
    hi: f64,
    length: f64,
    log: bool,
}

impl Axis {
    fn px(&self, v: f64) -> f64 {
        let f = if self.log {
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        f * self.length
    }

    /// True when no two labels overlap (nor come closer than the gap).
    fn fits(&self, ticks: &AxisTicks, room: &LabelRoom<'_>) -> bool {
        let mut previous: Option<(f64, f64)> = None;
        for tick in ticks.labelled() {
            let (at, half) = (self.px(tick.value), (room.extent)(&tick.label) / 2.0);
            if let Some((p, h)) = previous {
                if (at - p).abs() < h + half + room.gap_px {
                    return false;
                }
            }
            previous = Some((at, half));
        }
        true
    }
}

/// A linear step `MANTISSAS[m] × 10^e`.
#[derive(Debug, Clone, Copy)]
struct Step {
    m: usize,
    e: i32,
}

impl Step {
    /// The smallest step of at least `raw`.
    fn at_least(raw: f64) -> Option<Step> {
        if !(raw.is_finite() && raw > 0.0) {
            return None;
        }
        // log10 can be off by one next to a power of ten: start below.
        let mut step = Step {
            m: 0,
            e: raw.log10().floor() as i32 - 1,
        };
        for _ in 0..12 {
            if step.value() >= raw * (1.0 - 1e-12) {
                return Some(step);
            }
            step = step.larger();
        }
        None
    }

    /// Its value, the double nearest to the decimal (so 0.1 is 0.1).
    fn value(self) -> f64 {
        format!("{}e{}", MANTISSAS[self.m], self.e)
            .parse()
            .unwrap_or(f64::NAN)
    }

    fn larger(self) -> Step {
        if self.m + 1 < MANTISSAS.len() {
            Step {
                m: self.m + 1,
                ..self
            }
        } else {
            Step {
                m: 0,
                e: self.e + 1,
            }
        }
    }

    fn smaller(self) -> Step {
        if self.m > 0 {
            Step {
                m: self.m - 1,
                ..self
            }
        } else {
            Step {
                m: MANTISSAS.len() - 1,
                e: self.e - 1,
            }
        }
    }
}

/// The multiples of `step` inside `[lo, hi]`; `None` when there would be
/// too many, or when doubles cannot tell them apart.
fn multiples(lo: f64, hi: f64, step: f64) -> Option<Vec<f64>> {
    if !(step.is_finite() && step > 0.0) {
        return None;
    }
    // A tick within rounding noise of an end is inside.
    let first = (lo / step - 1e-9).ceil();
    let last = (hi / step + 1e-9).floor();
    let exact = 2f64.powi(52);
    if !(first.abs() < exact && last.abs() < exact) {
        return None;
    }
    if last < first {
        return Some(Vec::new());
    }
    if last - first > MAX_TICKS {
        return None;
    }
    let values: Vec<f64> = (0..=(last - first) as usize)
        .map(|i| (first + i as f64) * step)
        .collect();
    let distinct = values.windows(2).all(|w| w[0] < w[1]);
    (distinct && values.iter().all(|v| v.is_finite())).then_some(values)
}

/// The linear ticks of `step`, labelled.
fn linear_at(axis: &Axis, step: Step) -> Option<AxisTicks> {
    let values = multiples(axis.lo, axis.hi, step.value())?;
    let format = LinearFormat::new(&values, (axis.lo, axis.hi));
    Some(AxisTicks {
        ticks: values
            .iter()
            .map(|&value| Tick {
                value,
                label: format.label(value),
                major: true,
            })
            .collect(),
        note: format.note(),
    })
}

/// matplotlib's `MaxNLocator` with its bins from pixels: the smallest nice
/// step whose ticks are [`TICK_SPACING_PX`] apart and whose labels fit;
/// a finer one only to get two ticks on a small plot.
fn linear_ticks(axis: &Axis, room: &LabelRoom<'_>) -> AxisTicks {
    let span = axis.hi - axis.lo;
    // On a log axis (too short for decades) the spacing is kept where
    // ticks crowd most, at the top: d(px)/dv = length / (ln(hi/lo) · hi).
    let units_per_px = if axis.log {
        (axis.hi / axis.lo).ln() * axis.hi / axis.length
    } else {
        span / axis.length
    };
    let preferred = Step::at_least(TICK_SPACING_PX * units_per_px);
    let Some(preferred) = preferred else {
        return AxisTicks::default();
    };
    let mut step = preferred;
    let mut chosen = AxisTicks::default();
    for _ in 0..24 {
        if let Some(ticks) = linear_at(axis, step).filter(|t| axis.fits(t, room)) {
            chosen = ticks;
            break;
        }
        step = step.larger();
    }
    let mut finer = preferred;
    while chosen.ticks.len() < 2 {
        finer = finer.smaller();
        match linear_at(axis, finer).filter(|t| axis.fits(t, room)) {
            Some(ticks) if ticks.ticks.len() >= 2 => chosen = ticks,
            Some(_) => {}
            None => break,
        }
    }
    chosen
}

/// Log ticks: decades (every `stride`-th labelled) and, where there is
/// room, their 2…9 multiples, those in `labelled` labelled too. `None`
/// when the range holds fewer than two labels in every labelling that fits
/// (then linear ticks are placed on the log axis, as matplotlib does).
fn log_ticks(axis: &Axis, room: &LabelRoom<'_>) -> Option<AxisTicks> {
    let (a, b) = (axis.lo.log10(), axis.hi.log10());
    let decades = b - a;
    if !(decades.is_finite() && decades > 0.0) {
        return None;
    }
    let px_per_decade = axis.length / decades;
    let inside = ((b + 1e-9).floor() - (a - 1e-9).ceil() + 1.0).max(0.0);
    let mut candidates: Vec<(i32, &[u32])> = Vec::new();
    if decades <= 0.4 {
        candidates.push((1, ALL));
    }
    if decades <= 1.0 || inside < 2.0 {
        candidates.extend([(1, SOME), (1, FEW)]);
    }
    for stride in STRIDES {
        if f64::from(stride) * px_per_decade >= MIN_DECADE_PX || stride == 1000 {
            candidates.push((stride, DECADES));
        }
    }
    let mut fallback = None;
    for (stride, labelled) in candidates {
        let ticks = log_set(axis, a, b, stride, labelled);
        if !axis.fits(&ticks, room) {
            continue;
        }
        if ticks.labelled().count() >= 2 {
            return Some(ticks);
        }
        fallback.get_or_insert(ticks);
    }
    if decades <= 1.0 {
        None
    } else {
        fallback
    }
}

/// The ticks of one log labelling (see [`log_ticks`]).
fn log_set(axis: &Axis, a: f64, b: f64, stride: i32, labelled: &[u32]) -> AxisTicks {
    let px_per_decade = axis.length / (b - a);
    let multiples = stride == 1 && px_per_decade >= MIN_MINOR_DECADE_PX;
    let other_decades = px_per_decade >= 4.0;
    let (e0, e1) = ((a - 1e-9).floor() as i32, (b + 1e-9).ceil() as i32);
    let (lo, hi) = (axis.lo * (1.0 - 1e-12), axis.hi * (1.0 + 1e-12));
    // (m, e, labelled)
    let mut marks: Vec<(u32, i32, bool)> = Vec::new();
    for e in e0..=e1 {
        for m in 1..=9u32 {
            let decade = m == 1;
            let label = if decade {
                e.rem_euclid(stride) == 0
            } else {
                labelled.contains(&m)
            };
            let shown = label || (decade && other_decades) || (!decade && multiples);
            if !shown {
                continue;
            }
            let v = value_of(m, e);
            if v >= lo && v <= hi {
                marks.push((m, e, label));
            }
        }
    }
    let plain = plain_enough(
        marks
            .iter()
            .filter(|k| k.2)
            .map(|&(m, e, _)| value_of(m, e)),
    );
    AxisTicks {
        ticks: marks
            .into_iter()
            .map(|(m, e, label)| Tick {
                value: value_of(m, e),
                label: if label {
                    log_label(m, e, plain)
                } else {
                    String::new()
                },
                major: m == 1 && label,
            })
            .collect(),
        note: String::new(),
    }
}

/// `m × 10^e`, the double nearest to the decimal.
fn value_of(m: u32, e: i32) -> f64 {
    if m == 1 {
        pow10(e)
    } else {
        format!("{m}e{e}").parse().unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels 8 px per character wide, 12 px apart at least (x axis).
    fn along_x(range: (f64, f64), scale: Scale, px: f64) -> AxisTicks {
        let extent = |s: &str| 8.0 * s.chars().count() as f64;
        let room = LabelRoom {
            extent: &extent,
            gap_px: 12.0,
        };
        axis_ticks(range, scale, px, &room)
    }

    fn spacing(t: &AxisTicks, range: (f64, f64), px: f64) -> f64 {
        (t.ticks[1].value - t.ticks[0].value) / (range.1 - range.0) * px
    }

    #[test]
    fn linear_ticks_are_nice_and_about_a_hundred_pixels_apart() {
        let t = along_x((0.0, 4.0), Scale::Linear, 600.0);
        assert_eq!(
            t.labels(),
            ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0"]
        );
        for (range, px) in [
            ((0.0, 4.0), 300.0),
            ((-3.3, 17.0), 800.0),
            ((0.1, 0.37), 450.0),
        ] {
            let t = along_x(range, Scale::Linear, px);
            let d = spacing(&t, range, px);
            assert!((59.9..120.0).contains(&d), "{range:?} over {px}: {d} px");
            assert!(t
                .ticks
                .iter()
                .all(|k| k.value >= range.0 && k.value <= range.1));
        }
        // A small plot still gets two ticks.
        let t = along_x((0.0, 4.0), Scale::Linear, 90.0);
        assert!(t.ticks.len() >= 2, "{:?}", t.labels());
    }

    #[test]
    fn wide_labels_push_ticks_apart() {
        let extent = |s: &str| 12.0 * s.chars().count() as f64;
        let room = LabelRoom {
            extent: &extent,
            gap_px: 12.0,
        };
        // 0.02 steps would be 60 px apart, but "123.42" needs 84 px, and
        // 0.025 ones 75 px apart, but "123.425" needs 96.
        let t = axis_ticks((123.4, 123.5), Scale::Linear, 300.0, &room);
        assert_eq!(t.labels(), ["123.40", "123.45", "123.50"]);
    }

    #[test]
    fn log_axes_label_decades_or_their_multiples() {
        let t = along_x((1e-6, 1.0), Scale::Log, 500.0);
        assert_eq!(
            t.labels(),
            ["10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰"]
        );
        assert!(t.ticks.iter().filter(|k| k.label.is_empty()).count() >= 6 * 8);
        let t = along_x((0.5, 1.0), Scale::Log, 500.0);
        assert_eq!(t.labels(), ["0.5", "0.6", "0.7", "0.8", "0.9", "1"]);
        let t = along_x((1.0, 1e4), Scale::Log, 500.0);
        assert_eq!(t.labels(), ["1", "10", "100", "1000", "10000"]);
        // Hundreds of decades: a stride, bounded work.
        let t = along_x((1e-300, 1e300), Scale::Log, 400.0);
        let n = t.labels().len();
        assert!((2..=15).contains(&n), "{:?}", t.labels());
        // Too narrow for two log labels: linear ticks on the log axis.
        let t = along_x((0.95, 1.05), Scale::Log, 400.0);
        assert!(t.labels().len() >= 3, "{:?}", t.labels());
    }

    #[test]
    fn odd_ranges_give_few_ticks_and_never_hang() {
        for range in [
            (0.0, 0.0),
            (f64::NAN, 1.0),
            (-1e308, 1e308),
            (0.0, 5e-324),
            (1e-320, 2e-320),
            (1e20, 1e20 + 1e5),
            (1.0, 1.0 + 1e-15),
        ] {
            for scale in [Scale::Linear, Scale::Log] {
                let t = along_x(range, scale, 500.0);
                assert!(t.ticks.len() <= 1000, "{range:?}");
            }
        }
    }
}
