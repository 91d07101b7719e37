//! The traces of a channel's data (a line's parts, a series' named
//! histories) and what can be read off them: labels, the shown traces,
//! the point nearest to an x, the x extent.

use std::borrow::Cow;
use std::collections::BTreeSet;

use plotcast_protocol::{ChannelKind, Frame, Scale};

use super::history::SeriesHistory;
use super::plot_state::ChannelData;
use crate::model::Extent;

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
    /// Position among all the channel's traces (hidden ones included),
    /// which picks its colour.
    pub index: usize,
    pub points: TracePoints<'a>,
}

fn frame_traces(frame: &Frame) -> Vec<Trace<'_>> {
    frame
        .parts
        .iter()
        .enumerate()
        .map(|(i, p)| Trace {
            label: trace_label(i, &p.name),
            index: i,
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
    hidden: Option<&BTreeSet<String>>,
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
                index: i,
                points: TracePoints::History(s),
            })
            .collect(),
        ChannelData::Snapshot(_) => Vec::new(),
    };
    let total = all.len();
    let shown = all
        .into_iter()
        .filter(|t| !hidden.is_some_and(|h| h.contains(&t.label)))
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

/// The x extent of a channel's shown data (for linked axes).
pub fn data_x_extent(
    data: &ChannelData,
    scale: Scale,
    hidden: Option<&BTreeSet<String>>,
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
}
