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

use plotcast_protocol::{ChannelKind, ChannelSpec};
use plotters::style::RGBColor;

use super::heatmap::Grid;
use super::plots::{bars_of, series_color};
use super::INK;
use crate::model::{nearest_point, shown_traces, trace_label, ChannelData, Trace, TracePoints};
use crate::view::{Interaction, PlotInfo};

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
            // The plot's coordinates are cells of the full grid, also when
            // the frame carries a grid reduced to the view.
            let grid = Grid::of(f)?;
            let (nx, ny) = grid.full;
            if !(x >= 0.0 && y >= 0.0 && x < nx as f64 && y < ny as f64) {
                return None;
            }
            let (i, j) = (x as usize, y as usize);
            let (v, exact) = grid.value_of_cell(i, j)?;
            out.lines.push((format!("column {i}, row {j}"), INK));
            let (dx, dy) = match spec.options.valid_extent() {
                // Data coordinates of the cell's centre.
                Some([left, right, bottom, top]) => (
                    left + (i as f64 + 0.5) * (right - left) / nx as f64,
                    bottom + (j as f64 + 0.5) * (top - bottom) / ny as f64,
                ),
                None => (x, y),
            };
            let spans = match spec.options.valid_extent() {
                Some([left, right, bottom, top]) => (
                    xspan * (right - left).abs() / nx as f64,
                    yspan * (top - bottom).abs() / ny as f64,
                ),
                None => (xspan, yspan),
            };
            out.lines.push((
                format!("x = {}, y = {}", fmt_at(dx, spans.0), fmt_at(dy, spans.1)),
                INK,
            ));
            let value = fmt_at(v, v.abs() * 1e-2);
            let bits = f.parts.first().map_or(0, |p| p.y.coded_bits());
            out.lines.push(if exact && bits > 0 {
                // Codes over the colour range: a slow link.
                (
                    format!(
                        "value ≈ {value} ({bits}-bit for the link; exact when the plot stops changing)"
                    ),
                    INK,
                )
            } else if exact {
                (format!("value = {value}"), INK)
            } else {
                // A reduced grid: the value stands for a block of cells.
                (
                    format!("value ≈ {value} (a block of cells; zoom in for this cell's)"),
                    INK,
                )
            });
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
            let (traces, total) = shown_traces(data, ui.hidden_of(plot.channel));
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
                out.lines
                    .push((text, if single { INK } else { series_color(t.index) }));
                if let Some(at) = plot
                    .to_pixel(*px_, *py_)
                    .filter(|&(a, b)| plot.rect.contains(a, b))
                {
                    out.markers.push((at, series_color(t.index)));
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
    let (traces, total) = shown_traces(data, ui.hidden_of(plot.channel));
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
        lines.push((text, if single { INK } else { series_color(t.index) }));
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
    fn values_read_at_the_precision_of_the_view() {
        assert_eq!(fmt_at(42.5, 10.0), "42.5");
        assert_eq!(fmt_at(1.0 / 3.0, 1.0), "0.333333");
        assert_eq!(fmt_at(1_700_000_000.25, 10.0), "1700000000.25");
        assert_eq!(fmt_at(0.0, 1.0), "0");
        assert_eq!(fmt_at(-2e-7, 1e-6), "-2e-7");
        assert_eq!(fmt_at(f64::NAN, 1.0), "NaN");
    }
}
