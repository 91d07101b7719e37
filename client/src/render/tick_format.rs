//! What tick labels say: matplotlib's `ScalarFormatter` on linear axes (the
//! fewest decimals that tell the ticks apart, with an offset and a common
//! ×10ⁿ factor shown once at the axis end instead of in every label) and
//! `LogFormatter`-style labels on log axes.
//!
//! ```text
//!   1.7e9 + 0 … 100 s        ticks "0 20 40 60 80 100",  note "+1.7×10⁹"
//!   0 … 6e5                  ticks "0 1 2 3 4 5 6",      note "×10⁵"
//!   0 … 4                    ticks "0.0 0.5 1.0 … 4.0",  no note
//! ```

/// Below 10^LOW and from 10^HIGH on, linear labels get a common factor.
/// matplotlib's default is (-5, 6); 6 would still write "600000" in every
/// label, so the factor starts one digit earlier here.
const POWER_LIMITS: (i32, i32) = (-4, 5);

/// An offset is used when it saves at least this many digits per label
/// (matplotlib's `axes.formatter.offset_threshold`).
const OFFSET_THRESHOLD: i32 = 4;

/// The minus sign of labels (matplotlib's `axes.unicode_minus`): as wide
/// as a digit, so negative labels line up.
const MINUS: char = '\u{2212}';

/// The labels of a linear axis: `(value - offset) / 10^oom` with a fixed
/// number of decimals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LinearFormat {
    offset: f64,
    oom: i32,
    decimals: usize,
}

impl LinearFormat {
    /// The format for ticks at `locs` on an axis showing `view`
    /// (matplotlib's `ScalarFormatter.set_locs`).
    pub(crate) fn new(locs: &[f64], view: (f64, f64)) -> Self {
        let (vmin, vmax) = (view.0.min(view.1), view.0.max(view.1));
        let inside: Vec<f64> = locs
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v >= vmin && *v <= vmax)
            .collect();
        let offset = compute_offset(&inside);
        let oom = order_of_magnitude(&inside, offset, (vmin, vmax));
        let decimals = decimals(locs, offset, oom, (vmin, vmax));
        Self {
            offset,
            oom,
            decimals,
        }
    }

    /// The label of a tick at `v`.
    pub(crate) fn label(&self, v: f64) -> String {
        let mut x = (v - self.offset) / pow10(self.oom);
        // Rounding noise of the offset subtraction must not print "-0.0"
        // or "1e-17" (matplotlib's ScalarFormatter does the same).
        if x.abs() < 1e-8 {
            x = 0.0;
        }
        let s = format!("{x:.prec$}", prec = self.decimals);
        with_minus(&s)
    }

    /// The text shown once at the axis end: "×10⁶", "+1.7×10⁹", both, or
    /// nothing (matplotlib's `get_offset`).
    pub(crate) fn note(&self) -> String {
        let mut note = String::new();
        if self.oom != 0 {
            note.push('×');
            note.push_str(&power_of_ten(self.oom));
        }
        if self.offset != 0.0 {
            if self.offset > 0.0 {
                note.push('+');
            }
            note.push_str(&with_minus(&sci(self.offset)));
        }
        note
    }
}

/// matplotlib's `_compute_offset`: the leading digits all ticks share,
/// when they are at least [`OFFSET_THRESHOLD`] digits.
fn compute_offset(locs: &[f64]) -> f64 {
    let (Some(lmin), Some(lmax)) = (
        locs.iter().copied().reduce(f64::min),
        locs.iter().copied().reduce(f64::max),
    ) else {
        return 0.0;
    };
    if lmin == lmax || (lmin <= 0.0 && 0.0 <= lmax) {
        return 0.0;
    }
    let (abs_min, abs_max) = (lmin.abs().min(lmax.abs()), lmin.abs().max(lmax.abs()));
    let sign = lmin.signum();
    let oom_max = abs_max.log10().ceil() as i32;
    // Down from the largest power until the two ends differ in their
    // leading digits; bounded: f64 has fewer than 700 decades.
    let differ = (0..700)
        .map(|k| oom_max - k)
        .find(|&oom| (abs_min / pow10(oom)).floor() != (abs_max / pow10(oom)).floor());
    let Some(mut oom) = differ.map(|o| o + 1) else {
        return 0.0;
    };
    if (abs_max - abs_min) / pow10(oom) <= 1e-2 {
        // Straddling a multiple of a large power of ten.
        let Some(o) = (0..700)
            .map(|k| oom_max - k)
            .find(|&o| abs_max - abs_min > pow10(o))
        else {
            return 0.0;
        };
        oom = o + 1;
    }
    let lead = (abs_max / pow10(oom)).floor();
    if lead >= pow10(OFFSET_THRESHOLD - 1) {
        sign * lead * pow10(oom)
    } else {
        0.0
    }
}

/// matplotlib's `_set_order_of_magnitude`: the common factor's exponent.
fn order_of_magnitude(locs: &[f64], offset: f64, (vmin, vmax): (f64, f64)) -> i32 {
    let Some(val) = locs.iter().map(|v| v.abs()).reduce(f64::max) else {
        return 0;
    };
    let oom = if offset != 0.0 {
        (vmax - vmin).log10().floor()
    } else if val == 0.0 {
        0.0
    } else {
        val.log10().floor()
    };
    if !oom.is_finite() {
        return 0;
    }
    let oom = oom as i32;
    if oom <= POWER_LIMITS.0 || oom >= POWER_LIMITS.1 {
        oom
    } else {
        0
    }
}

/// matplotlib's `_set_format`: as few decimals as keep the labels exact
/// to a thousandth of their range.
fn decimals(locs: &[f64], offset: f64, oom: i32, view: (f64, f64)) -> usize {
    let scale = pow10(oom);
    let scaled: Vec<f64> = locs.iter().map(|v| (v - offset) / scale).collect();
    // With fewer than two ticks the view's ends give the range.
    let for_range: Vec<f64> = if scaled.len() < 2 {
        let ends = [(view.0 - offset) / scale, (view.1 - offset) / scale];
        scaled.iter().copied().chain(ends).collect()
    } else {
        scaled.clone()
    };
    let max = for_range.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = for_range.iter().copied().fold(f64::INFINITY, f64::min);
    let mut range = max - min;
    if range == 0.0 || !range.is_finite() {
        range = for_range.iter().map(|v| v.abs()).fold(0.0, f64::max);
    }
    if range == 0.0 || !range.is_finite() {
        range = 1.0;
    }
    let range_oom = range.log10().floor() as i32;
    let thresh = 1e-3 * pow10(range_oom);
    let mut sigfigs = (3 - range_oom).max(0);
    while sigfigs >= 0 {
        let d = pow10(sigfigs);
        let worst = scaled
            .iter()
            .map(|v| (v - (v * d).round() / d).abs())
            .fold(0.0, f64::max);
        if worst < thresh {
            sigfigs -= 1;
        } else {
            break;
        }
    }
    (sigfigs + 1).clamp(0, 20) as usize
}

/// The label of `m × 10^e` on a log axis: plain ("0.5", "1", "300") when
/// `plain`, else "10⁻⁵" or "2×10⁶" (matplotlib's `LogFormatterSciNotation`).
pub(crate) fn log_label(m: u32, e: i32, plain: bool) -> String {
    if plain {
        let v = f64::from(m) * pow10(e);
        let decimals = (-e).max(0) as usize;
        return format!("{v:.decimals$}");
    }
    if m == 1 {
        power_of_ten(e)
    } else {
        format!("{m}×{}", power_of_ten(e))
    }
}

/// True when every value reads well written out (0.001 … 10000): a log
/// axis then labels "0.01 0.1 1 10" rather than "10⁻² 10⁻¹ 10⁰ 10¹".
pub(crate) fn plain_enough(values: impl IntoIterator<Item = f64>) -> bool {
    values.into_iter().all(|v| (1e-3..=1e4).contains(&v.abs()))
}

/// "10⁶", "10⁻³".
pub(crate) fn power_of_ten(e: i32) -> String {
    format!("10{}", superscript(e))
}

/// An integer in superscript digits.
pub(crate) fn superscript(e: i32) -> String {
    e.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            other => other,
        })
        .collect()
}

/// A value in scientific notation with up to 11 significant digits:
/// "1.7×10⁹", "10⁹" (matplotlib's `format_data` with math text).
fn sci(v: f64) -> String {
    let s = format!("{v:.10e}");
    let Some((mantissa, exp)) = s.split_once('e') else {
        return s;
    };
    let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
    let exp: i32 = exp.parse().unwrap_or(0);
    match mantissa {
        m if exp == 0 => m.to_string(),
        "1" => power_of_ten(exp),
        "-1" => format!("-{}", power_of_ten(exp)),
        m => format!("{m}×{}", power_of_ten(exp)),
    }
}

fn with_minus(s: &str) -> String {
    s.replace('-', &MINUS.to_string())
}

/// 10^e, exact for every power a double can hold (parsed, not multiplied).
pub(crate) fn pow10(e: i32) -> f64 {
    format!("1e{e}").parse().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(locs: &[f64], view: (f64, f64)) -> (Vec<String>, String) {
        let f = LinearFormat::new(locs, view);
        (locs.iter().map(|&v| f.label(v)).collect(), f.note())
    }

    #[test]
    fn decimals_tell_the_ticks_apart_and_no_more() {
        let (l, note) = labels(&[0.0, 0.5, 1.0, 1.5, 2.0], (-0.1, 2.1));
        assert_eq!(l, ["0.0", "0.5", "1.0", "1.5", "2.0"]);
        assert_eq!(note, "");
        let (l, _) = labels(&[0.0, 1.0, 2.0, 3.0, 4.0], (0.0, 4.0));
        assert_eq!(l, ["0", "1", "2", "3", "4"]);
        let (l, _) = labels(&[0.25, 0.5, 0.75], (0.2, 0.8));
        assert_eq!(l, ["0.25", "0.50", "0.75"]);
        // Negative values get a real minus sign; -0 prints as 0.
        let (l, _) = labels(&[-1.0, -0.0, 1.0], (-1.0, 1.0));
        assert_eq!(l, ["\u{2212}1", "0", "1"]);
    }

    #[test]
    fn large_values_share_a_factor_shown_once() {
        let locs: Vec<f64> = (0..=6).map(|k| f64::from(k) * 1e5).collect();
        let (l, note) = labels(&locs, (0.0, 6e5));
        assert_eq!(l, ["0", "1", "2", "3", "4", "5", "6"]);
        assert_eq!(note, "×10⁵");
        let locs = [9.0e6, 9.25e6, 9.5e6, 9.75e6, 1.0e7];
        let (l, note) = labels(&locs, (8.9e6, 1.01e7));
        assert_eq!(l, ["0.900", "0.925", "0.950", "0.975", "1.000"]);
        assert_eq!(note, "×10⁷");
        assert!(l.iter().all(|s| !s.contains('e')));
        let locs = [1e-5, 2e-5, 3e-5];
        let (l, note) = labels(&locs, (0.0, 3.5e-5));
        assert_eq!(
            (l, note.as_str()),
            (vec!["1".into(), "2".into(), "3".into()], "×10⁻⁵")
        );
    }

    #[test]
    fn timestamps_get_an_offset() {
        let locs: Vec<f64> = (0..=5).map(|k| 1.7e9 + f64::from(k) * 20.0).collect();
        let (l, note) = labels(&locs, (1.7e9 - 3.0, 1.7e9 + 103.0));
        assert_eq!(l, ["0", "20", "40", "60", "80", "100"]);
        assert_eq!(note, "+1.7×10⁹");
        // Negative values: a negative offset.
        let neg: Vec<f64> = locs.iter().map(|v| -v).rev().collect();
        let (l, note) = labels(&neg, (-1.7e9 - 103.0, -1.7e9 + 3.0));
        assert_eq!(l[0], "\u{2212}100");
        assert_eq!(note, "\u{2212}1.7×10⁹");
    }

    #[test]
    fn log_labels() {
        assert_eq!(log_label(5, -1, true), "0.5");
        assert_eq!(log_label(1, 0, true), "1");
        assert_eq!(log_label(3, 2, true), "300");
        assert_eq!(log_label(1, -5, false), "10⁻⁵");
        assert_eq!(log_label(2, 6, false), "2×10⁶");
        assert!(plain_enough([0.001, 1.0, 1e4]));
        assert!(!plain_enough([1e-5, 1.0]));
    }
}
