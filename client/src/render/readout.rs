//! Reading values off a plot: the data point nearest to a position, per
//! trace, and the texts of the value readout (under the mouse) and of the
//! A/B cursors.
//!
//! Lines and series are searched by x (each trace's point nearest to the
//! cursor's x, as a vertical crosshair reads them): binary search when x
//! is sorted, which append series and index-only lines always are, a scan
//! otherwise. Scatter plots take each trace's point nearest in pixels,
//! heatmaps the cell under the cursor, bars the bin under it. Everything
//! is recomputed at every draw from the newest data, so a still cursor
//! over a streaming plot reads the newest values.

use std::borrow::Cow;

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, Scale};
use plotters::style::RGBColor;

use super::info::PlotInfo;
use super::plots::{bars_of, series_color};
use super::ranges::Extent;
use super::INK;
use crate::interaction::Interaction;
use crate::state::{ChannelData, SeriesHistory};

/// The legend label of trace `i`: its name, or "series N" when unnamed.
pub fn trace_label(i: usize, name: &str) -> String {
    if name.is_empty() {
        format!("series {}", i + 1)
    } else {
        name.to_owned()
    }
}

/// The points of one trace, however they are stored.
pub(crate) enum TracePoints<'a> {
    /// y only: x is the index.
    Indexed(Cow<'a, [f64]>),
    /// x and y of equal length.
    Xy(Cow<'a, [f64]>, Cow<'a, [f64]>),
    /// An append series.
    History(&'a SeriesHistory),
}

/// One trace of a channel: label, colour and points.
pub(crate) struct Trace<'a> {
    pub label: String,
    pub color: RGBColor,
    pub points: TracePoints<'a>,
}

fn frame_traces(frame: &Frame) -> Vec<Trace<'_>> {
    frame
        .parts
        .iter()
        .enumerate()
        .map(|(i, p)| Trace {
            label: trace_label(i, &p.name),
            color: series_color(i),
            points: match &p.x {
                Some(x) => {
                    let (x, y) = (x.to_f64(), p.y.to_f64());
                    let n = x.len().min(y.len());
                    TracePoints::Xy(cut(x, n), cut(y, n))
                }
                None => TracePoints::Indexed(p.y.to_f64()),
            },
        })
        .collect()
}

fn cut(v: Cow<'_, [f64]>, n: usize) -> Cow<'_, [f64]> {
    match v {
        Cow::Borrowed(s) => Cow::Borrowed(&s[..n]),
        Cow::Owned(mut o) => {
            o.truncate(n);
            Cow::Owned(o)
        }
    }
}

/// The shown traces of a line, scatter or series channel (hidden ones
/// left out; heatmaps and bars have none), and how many there are in all.
pub(crate) fn shown_traces<'a>(
    data: &'a ChannelData,
    channel: u32,
    ui: &Interaction,
) -> (Vec<Trace<'a>>, usize) {
    let all = match data {
        ChannelData::Snapshot(f) if matches!(f.kind, ChannelKind::Line | ChannelKind::Scatter) => {
            frame_traces(f)
        }
        ChannelData::Series(set) => set
            .series()
            .iter()
            .enumerate()
            .map(|(i, s)| Trace {
                label: trace_label(i, &s.name),
                color: series_color(i),
                points: TracePoints::History(s),
            })
            .collect(),
        ChannelData::Snapshot(_) => Vec::new(),
    };
    let total = all.len();
    let shown = all
        .into_iter()
        .filter(|t| !ui.is_hidden(channel, &t.label))
        .collect();
    (shown, total)
}

/// Axis transform for distances: log10 on a log axis.
fn forward(v: f64, scale: Scale) -> Option<f64> {
    match scale {
        _ if !v.is_finite() => None,
        Scale::Log if v > 0.0 => Some(v.log10()),
        Scale::Log => None,
        Scale::Linear => Some(v),
    }
}

/// True when `xs` is finite and never decreases. One pass without early
/// exit inside blocks, so it vectorises: it runs over every point of the
/// hovered trace at every draw. A NaN fails `<=`; an infinity can only sit
/// at an end of a non-decreasing run, so checking the ends covers it.
fn is_sorted(xs: &[f64]) -> bool {
    let ends_finite = match (xs.first(), xs.last()) {
        (Some(a), Some(b)) => a.is_finite() && b.is_finite(),
        _ => true,
    };
    if !ends_finite {
        return false;
    }
    let mut start = 0;
    while start + 1 < xs.len() {
        let end = (start + 4096).min(xs.len() - 1);
        let ok = xs[start..end]
            .iter()
            .zip(&xs[start + 1..=end])
            .fold(true, |ok, (a, b)| ok & (a <= b));
        if !ok {
            return false;
        }
        start = end;
    }
    true
}

/// Index of the value in `xs` nearest to `target` (by the axis's
/// distance); binary search when `xs` is finite and sorted.
fn nearest_in_slice(xs: &[f64], target: f64, scale: Scale) -> Option<(usize, f64)> {
    let t = forward(target, scale)?;
    let dist = |v: f64| forward(v, scale).map(|f| (f - t).abs());
    if is_sorted(xs) {
        let i = xs.partition_point(|&v| v < target);
        return [i.checked_sub(1), Some(i).filter(|&i| i < xs.len())]
            .into_iter()
            .flatten()
            .filter_map(|i| dist(xs[i]).map(|d| (i, d)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
    }
    xs.iter()
        .enumerate()
        .filter_map(|(i, &v)| dist(v).map(|d| (i, d)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// The point of a trace nearest to `x` along the x axis.
pub(crate) fn nearest_point(points: &TracePoints<'_>, x: f64, scale: Scale) -> Option<(f64, f64)> {
    match points {
        TracePoints::Indexed(y) => {
            if y.is_empty() || !x.is_finite() {
                return None;
            }
            let i = x.round().clamp(0.0, (y.len() - 1) as f64) as usize;
            Some((i as f64, y[i]))
        }
        TracePoints::Xy(xs, ys) => nearest_in_slice(xs, x, scale).map(|(i, _)| (xs[i], ys[i])),
        TracePoints::History(h) => h
            .runs()
            .filter_map(|(t, y)| {
                let t = &t[..t.len().min(y.len())];
                nearest_in_slice(t, x, scale).map(|(i, d)| ((t[i], y[i]), d))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(p, _)| p),
    }
}

/// The point of a trace nearest to pixel `(px, py)` (scatter plots).
fn nearest_in_pixels(
    points: &TracePoints<'_>,
    plot: &PlotInfo,
    px: f64,
    py: f64,
) -> Option<(f64, f64)> {
    let mut best: Option<((f64, f64), f64)> = None;
    let mut consider = |x: f64, y: f64| {
        if let Some((qx, qy)) = plot.to_pixel(x, y) {
            let d = (qx - px).powi(2) + (qy - py).powi(2);
            if best.is_none_or(|(_, b)| d < b) {
                best = Some(((x, y), d));
            }
        }
    };
    match points {
        TracePoints::Indexed(y) => y
            .iter()
            .enumerate()
            .for_each(|(i, &v)| consider(i as f64, v)),
        TracePoints::Xy(x, y) => x.iter().zip(y.iter()).for_each(|(&a, &b)| consider(a, b)),
        TracePoints::History(h) => h.points().for_each(|(a, b)| consider(a, b)),
    }
    best.map(|(p, _)| p)
}

/// The x of the point nearest to `x` in the first shown trace of a line
/// or series channel: where a click places a cursor.
pub fn nearest_x(data: &ChannelData, plot: &PlotInfo, x: f64, ui: &Interaction) -> Option<f64> {
    shown_traces(data, plot.channel, ui)
        .0
        .first()
        .and_then(|t| nearest_point(&t.points, x, plot.x_scale))
        .map(|(x, _)| x)
}

/// The x extent of a channel's shown data (for linked axes).
pub fn data_x_extent(
    data: &ChannelData,
    scale: Scale,
    hidden: Option<&std::collections::BTreeSet<String>>,
) -> Option<(f64, f64)> {
    let mut ext = Extent::default();
    let is_hidden = |label: &str| hidden.is_some_and(|h| h.contains(label));
    match data {
        ChannelData::Series(set) => {
            for (i, s) in set.series().iter().enumerate() {
                if !is_hidden(&trace_label(i, &s.name)) {
                    for (t, _) in s.runs() {
                        ext.add_slice(t, scale);
                    }
                }
            }
        }
        ChannelData::Snapshot(f) => {
            for (i, p) in f.parts.iter().enumerate() {
                if is_hidden(&trace_label(i, &p.name)) {
                    continue;
                }
                match &p.x {
                    Some(x) => ext.add_slice(&x.to_f64(), scale),
                    None if !p.y.is_empty() => {
                        ext.add(0.0, scale);
                        ext.add((p.y.len() - 1) as f64, scale);
                        ext.add(1.0_f64.min((p.y.len() - 1) as f64), scale);
                    }
                    None => {}
                }
            }
        }
    }
    ext.get()
}

/// Formats a value to the precision a span of `span` needs (a thousandth
/// of it), without trailing zeros; scientific for huge or tiny values.
pub(crate) fn fmt_at(v: f64, span: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else {
            format!("{v}")
        };
    }
    let a = v.abs();
    if v == 0.0 {
        return "0".into();
    }
    if !(1e-4..1e15).contains(&a) {
        return trim_exp(format!("{v:.5e}"));
    }
    let resolution = if span.is_finite() && span > 0.0 {
        span * 1e-4
    } else {
        a * 1e-6
    };
    // At least 6 significant digits, at most 12 decimals.
    let by_span = (-resolution.log10()).ceil();
    let by_digits = 5.0 - a.log10().floor();
    let decimals = by_span.max(by_digits).clamp(0.0, 12.0) as usize;
    trim(format!("{v:.decimals$}"))
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn trim_exp(s: String) -> String {
    match s.split_once('e') {
        Some((m, e)) => format!("{}e{e}", trim(m.to_string())),
        None => s,
    }
}

/// What the readout under the mouse shows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Readout {
    /// Text lines and their colours; the first is the plot's title.
    pub lines: Vec<(String, RGBColor)>,
    /// Points marked on the plot (pixels) with their trace's colour.
    pub markers: Vec<((f64, f64), RGBColor)>,
}

impl Readout {
    /// One line for scripts: the texts joined by " | ".
    pub(crate) fn summary(&self) -> String {
        let texts: Vec<&str> = self.lines.iter().map(|(t, _)| t.as_str()).collect();
        texts.join(" | ")
    }
}

/// The readout of the plot under pixel `(px, py)`.
pub(crate) fn readout(
    spec: &ChannelSpec,
    data: &ChannelData,
    plot: &PlotInfo,
    px: f64,
    py: f64,
    ui: &Interaction,
) -> Option<Readout> {
    let (x, y) = plot.to_data(px, py);
    let xspan = plot.view.x.1 - plot.view.x.0;
    let yspan = plot.view.y.1 - plot.view.y.0;
    let mut out = Readout {
        lines: vec![(spec.display_title().to_owned(), INK)],
        markers: Vec::new(),
    };
    match (plot.kind, data) {
        (ChannelKind::Heatmap, ChannelData::Snapshot(f)) => {
            let (nx, ny) = (f.nx as usize, f.ny as usize);
            if !(x >= 0.0 && y >= 0.0 && x < nx as f64 && y < ny as f64) {
                return None;
            }
            let (i, j) = (x as usize, y as usize);
            let values = f.parts.first()?.y.to_f64();
            let v = values.get(j * nx + i).copied().unwrap_or(f64::NAN);
            out.lines.push((format!("column {i}, row {j}"), INK));
            out.lines.push((
                format!("x = {}, y = {}", fmt_at(x, xspan), fmt_at(y, yspan)),
                INK,
            ));
            out.lines
                .push((format!("value = {}", fmt_at(v, v.abs() * 1e-2)), INK));
        }
        (ChannelKind::Bars, ChannelData::Snapshot(f)) => {
            let single = f.parts.len() == 1;
            for (k, part) in f.parts.iter().enumerate() {
                let label = trace_label(k, &part.name);
                if ui.is_hidden(plot.channel, &label) {
                    continue;
                }
                let heights = part.y.to_f64();
                let xs = part.x.as_ref().map(|a| a.to_f64());
                let Some(bar) = bars_of(&heights, xs.as_deref())
                    .into_iter()
                    .find(|b| b.x0.min(b.x1) <= x && x < b.x0.max(b.x1))
                else {
                    continue;
                };
                let bin = format!("[{}, {})", fmt_at(bar.x0, xspan), fmt_at(bar.x1, xspan));
                let height = fmt_at(bar.height, yspan);
                let color = if single { INK } else { series_color(k) };
                let text = if single {
                    format!("bin {bin}: height {height}")
                } else {
                    format!("{label}: bin {bin}, height {height}")
                };
                out.lines.push((text, color));
            }
            if out.lines.len() == 1 {
                out.lines
                    .push((format!("no bin at x = {}", fmt_at(x, xspan)), INK));
            }
        }
        (ChannelKind::Line | ChannelKind::Scatter | ChannelKind::Series, _) => {
            let (traces, total) = shown_traces(data, plot.channel, ui);
            let scatter = plot.kind == ChannelKind::Scatter;
            let found: Vec<(&Trace<'_>, (f64, f64))> = traces
                .iter()
                .filter_map(|t| {
                    let p = if scatter {
                        nearest_in_pixels(&t.points, plot, px, py)
                    } else {
                        nearest_point(&t.points, x, plot.x_scale)
                    };
                    p.map(|p| (t, p))
                })
                .collect();
            if found.is_empty() {
                return None;
            }
            let same_x = found.windows(2).all(|w| w[0].1 .0 == w[1].1 .0);
            let single = total == 1;
            if same_x && !scatter {
                out.lines
                    .push((format!("x = {}", fmt_at(found[0].1 .0, xspan)), INK));
            }
            for (t, (px_, py_)) in &found {
                let name = if single { "y" } else { t.label.as_str() };
                let text = if same_x && !scatter {
                    format!("{name} = {}", fmt_at(*py_, yspan))
                } else {
                    format!(
                        "{name}: x = {}, y = {}",
                        fmt_at(*px_, xspan),
                        fmt_at(*py_, yspan)
                    )
                };
                out.lines.push((text, if single { INK } else { t.color }));
                if let Some(at) = plot
                    .to_pixel(*px_, *py_)
                    .filter(|&(a, b)| plot.rect.contains(a, b))
                {
                    out.markers.push((at, t.color));
                }
            }
        }
        _ => return None,
    }
    Some(out)
}

/// The texts of a plot's A/B cursors: positions, Δx, and per trace the
/// values at each cursor and Δy. Empty without cursors.
pub(crate) fn cursor_lines(
    data: Option<&ChannelData>,
    plot: &PlotInfo,
    a: Option<f64>,
    b: Option<f64>,
    ui: &Interaction,
) -> Vec<(String, RGBColor)> {
    let xspan = plot.view.x.1 - plot.view.x.0;
    let yspan = plot.view.y.1 - plot.view.y.0;
    let mut lines = Vec::new();
    if let Some(a) = a {
        lines.push((format!("A: x = {}", fmt_at(a, xspan)), CURSOR_A));
    }
    if let Some(b) = b {
        lines.push((format!("B: x = {}", fmt_at(b, xspan)), CURSOR_B));
    }
    if let (Some(a), Some(b)) = (a, b) {
        lines.push((format!("Δx = {}", fmt_at(b - a, xspan)), INK));
    }
    let Some(data) = data else {
        return lines;
    };
    let (traces, total) = shown_traces(data, plot.channel, ui);
    let single = total == 1;
    for t in &traces {
        let at = |x: Option<f64>| {
            x.and_then(|x| nearest_point(&t.points, x, plot.x_scale))
                .map(|p| p.1)
        };
        let (ya, yb) = (at(a), at(b));
        let name = if single { "y" } else { t.label.as_str() };
        let text = match (ya, yb) {
            (Some(ya), Some(yb)) => format!(
                "{name}: A {}, B {}, Δy = {}",
                fmt_at(ya, yspan),
                fmt_at(yb, yspan),
                fmt_at(yb - ya, yspan)
            ),
            (Some(y), None) | (None, Some(y)) => format!("{name} = {}", fmt_at(y, yspan)),
            (None, None) => continue,
        };
        lines.push((text, if single { INK } else { t.color }));
    }
    lines
}

/// Colour of cursor A.
pub(crate) const CURSOR_A: RGBColor = RGBColor(0xc0, 0x00, 0x70);
/// Colour of cursor B.
pub(crate) const CURSOR_B: RGBColor = RGBColor(0x00, 0x80, 0x80);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_by_binary_search_and_by_scan_agree() {
        let sorted: Vec<f64> = (0..1000).map(|i| f64::from(i) * 0.5).collect();
        let mut shuffled = sorted.clone();
        shuffled.swap(10, 900);
        for target in [-3.0, 0.2, 0.3, 100.26, 499.4, 1e9] {
            let (i, _) =
                nearest_in_slice(&sorted, target, Scale::Linear).unwrap_or((usize::MAX, 0.0));
            let (k, _) =
                nearest_in_slice(&shuffled, target, Scale::Linear).unwrap_or((usize::MAX, 0.0));
            assert_eq!(sorted[i], shuffled[k], "target {target}");
        }
        assert_eq!(nearest_in_slice(&[], 1.0, Scale::Linear), None);
        // On a log axis distances are ratios: 10 is nearer to 30 than 55 is.
        let (i, _) = nearest_in_slice(&[10.0, 55.0], 30.0, Scale::Log).unwrap_or((9, 0.0));
        assert_eq!(i, 1);
        let (i, _) = nearest_in_slice(&[10.0, 100.0], 30.0, Scale::Log).unwrap_or((9, 0.0));
        assert_eq!(i, 0);
    }

    #[test]
    fn order_check() {
        let v: Vec<f64> = (0..10_000).map(f64::from).collect();
        assert!(is_sorted(&v) && is_sorted(&[]) && is_sorted(&[1.0]));
        for bad in [4095, 4096, 4097, 9999] {
            let mut w = v.clone();
            w[bad] = -1.0;
            assert!(!is_sorted(&w), "{bad}");
            w[bad] = f64::NAN;
            assert!(!is_sorted(&w), "NaN at {bad}");
        }
        assert!(!is_sorted(&[f64::NEG_INFINITY, 1.0]));
        assert!(!is_sorted(&[1.0, f64::INFINITY]));
    }

    #[test]
    fn values_read_at_the_precision_of_the_view() {
        assert_eq!(fmt_at(42.5, 10.0), "42.5");
        assert_eq!(fmt_at(1.0 / 3.0, 1.0), "0.333333");
        assert_eq!(fmt_at(1_700_000_000.25, 10.0), "1700000000.25");
        assert_eq!(fmt_at(0.0, 1.0), "0");
        assert_eq!(fmt_at(-2e-7, 1e-6), "-2e-7");
        assert_eq!(fmt_at(f64::NAN, 1.0), "NaN");
    }
}
