//! Plot data as CSV: one plot of a recording at a time (`--export`), or
//! the visible part of the plot under the cursor (the window's `e` key).
//!
//! Columns by kind (a first `series` column only when the plot has named
//! traces; numbers as Rust prints them, which reads back to the same f64;
//! NaN as an empty field, infinities as `inf` and `-inf`):
//!
//! | kind    | columns                                                   |
//! |---------|-----------------------------------------------------------|
//! | line    | `x,y` (x is the index when the plot has no x values)       |
//! | scatter | `x,y`                                                     |
//! | series  | `t,y`                                                     |
//! | bars    | `x_low,x_high,height` with edges, `x,height` with centres, `index,height` without x |
//! | heatmap | `column,row,value` (column 0 left, row 0 the first row published, drawn at the bottom) |
//!
//! "Visible" means: lines and series with x in the shown x range (the
//! stretch of the curve on screen), scatter points inside the shown box,
//! bars overlapping the x range, heatmap cells overlapping the shown cells.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame};

use crate::error::RunError;
use crate::model::{trace_label, AxisView, ChannelData, PlotState, SeriesSet};
use crate::options::{unused_file_name, write_atomically};
use crate::recording::replay::{Recording, Replay};

/// Why CSV could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write CSV: {0}")]
pub struct ExportError(String);

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> Self {
        Self(e.to_string())
    }
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        Self(e.to_string())
    }
}

/// A number as CSV text (see the module doc): the shortest text that
/// reads back to the same f64, whole numbers without a fraction, very
/// large or small ones with an exponent (`1e-300`, not 300 zeros).
pub fn number(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v}")
    } else {
        format!("{v:?}")
    }
}

/// Writes `data` of the plot `spec` as CSV to `out`; with `visible`, only
/// what lies in that view. Returns the rows written (header excluded).
///
/// # Errors
/// [`ExportError`] when writing fails.
pub fn write_csv<W: Write>(
    out: W,
    spec: &ChannelSpec,
    data: &ChannelData,
    visible: Option<&AxisView>,
) -> Result<u64, ExportError> {
    write_shown_csv(out, spec, data, visible, None)
}

/// [`write_csv`] leaving out the traces whose legend labels are `hidden`
/// (hidden from the legend in the window).
///
/// # Errors
/// [`ExportError`] when writing fails.
pub fn write_shown_csv<W: Write>(
    out: W,
    spec: &ChannelSpec,
    data: &ChannelData,
    visible: Option<&AxisView>,
    hidden: Option<&BTreeSet<String>>,
) -> Result<u64, ExportError> {
    let shown = |i: usize, name: &str| !hidden.is_some_and(|h| h.contains(&trace_label(i, name)));
    let mut w = csv::Writer::from_writer(out);
    let in_x = |x: f64| visible.is_none_or(|v| x >= v.x.0 && x <= v.x.1);
    let in_y = |y: f64| visible.is_none_or(|v| y >= v.y.0 && y <= v.y.1);
    let mut rows = 0u64;
    match data {
        ChannelData::Series(set) => {
            let named = set.series().len() > 1 || set.series().iter().any(|s| !s.name.is_empty());
            header(&mut w, named, &["t", "y"])?;
            for (i, s) in set.series().iter().enumerate() {
                if !shown(i, &s.name) {
                    continue;
                }
                for (t, y) in s.points().filter(|&(t, _)| in_x(t)) {
                    row(&mut w, named.then_some(&s.name), &[number(t), number(y)])?;
                    rows += 1;
                }
            }
        }
        ChannelData::Snapshot(frame) => {
            rows = write_snapshot(&mut w, spec, frame, visible, &in_x, &in_y, &shown)?;
        }
    }
    w.flush()?;
    Ok(rows)
}

fn write_snapshot<W: Write>(
    w: &mut csv::Writer<W>,
    spec: &ChannelSpec,
    frame: &Frame,
    visible: Option<&AxisView>,
    in_x: &dyn Fn(f64) -> bool,
    in_y: &dyn Fn(f64) -> bool,
    shown: &dyn Fn(usize, &str) -> bool,
) -> Result<u64, ExportError> {
    let mut rows = 0u64;
    let named = frame.parts.len() > 1 || frame.parts.iter().any(|p| !p.name.is_empty());
    match spec.kind {
        ChannelKind::Heatmap => {
            header(w, false, &["column", "row", "value"])?;
            let Some(part) = frame.parts.first() else {
                return Ok(0);
            };
            let (nx, ny) = (frame.nx as usize, frame.ny as usize);
            // Cells overlapping the view (cell c spans [c, c + 1)).
            let span = |n: usize, range: Option<(f64, f64)>| match range {
                None => (0, n),
                Some((lo, hi)) => (
                    lo.floor().clamp(0.0, n as f64) as usize,
                    hi.ceil().clamp(0.0, n as f64) as usize,
                ),
            };
            let (c0, c1) = span(nx, visible.map(|v| v.x));
            let (r0, r1) = span(ny, visible.map(|v| v.y));
            let values = part.y.to_f64();
            for r in r0..r1 {
                for c in c0..c1 {
                    let v = values.get(r * nx + c).copied().unwrap_or(f64::NAN);
                    row(w, None, &[c.to_string(), r.to_string(), number(v)])?;
                    rows += 1;
                }
            }
        }
        ChannelKind::Bars => {
            let shape = |p: &plotcast_protocol::Part| match &p.x {
                Some(x) if x.len() == p.y.len() + 1 => 2,
                Some(x) if x.len() == p.y.len() => 1,
                _ => 0,
            };
            let columns: &[&str] = match frame.parts.first().map_or(0, shape) {
                2 => &["x_low", "x_high", "height"],
                1 => &["x", "height"],
                _ => &["index", "height"],
            };
            header(w, named, columns)?;
            for (k, part) in frame.parts.iter().enumerate() {
                if !shown(k, &part.name) {
                    continue;
                }
                let heights = part.y.to_f64();
                let x = part.x.as_ref().map(|x| x.to_f64());
                for (i, &h) in heights.iter().enumerate() {
                    let cells = match (&x, shape(part)) {
                        (Some(x), 2) if in_range(visible, x[i], x[i + 1]) => {
                            vec![number(x[i]), number(x[i + 1]), number(h)]
                        }
                        (Some(x), 1) if in_x(x[i]) => vec![number(x[i]), number(h)],
                        (_, 0) if in_x(i as f64) => vec![i.to_string(), number(h)],
                        _ => continue,
                    };
                    row(w, named.then_some(&part.name), &cells)?;
                    rows += 1;
                }
            }
        }
        ChannelKind::Line | ChannelKind::Scatter | ChannelKind::Series => {
            header(w, named, &["x", "y"])?;
            let boxed = spec.kind == ChannelKind::Scatter;
            for (k, part) in frame.parts.iter().enumerate() {
                if !shown(k, &part.name) {
                    continue;
                }
                let ys = part.y.to_f64();
                let xs = part.x.as_ref().map(|x| x.to_f64());
                for (i, &y) in ys.iter().enumerate() {
                    let x = xs.as_ref().map_or(i as f64, |xs| xs[i]);
                    if !in_x(x) || (boxed && !in_y(y)) {
                        continue;
                    }
                    row(w, named.then_some(&part.name), &[number(x), number(y)])?;
                    rows += 1;
                }
            }
        }
        // A custom channel's named arrays, one row per element: what they
        // mean is the plot type's business.
        ChannelKind::Custom => {
            header(w, false, &["array", "index", "value"])?;
            for part in &frame.parts {
                for (i, v) in part.y.iter().enumerate() {
                    row(w, None, &[part.name.clone(), i.to_string(), number(v)])?;
                    rows += 1;
                }
            }
        }
    }
    Ok(rows)
}

/// True when `[lo, hi]` overlaps the visible x range (always without one).
fn in_range(visible: Option<&AxisView>, lo: f64, hi: f64) -> bool {
    visible.is_none_or(|v| lo.max(hi) >= v.x.0 && lo.min(hi) <= v.x.1)
}

fn header<W: Write>(
    w: &mut csv::Writer<W>,
    named: bool,
    columns: &[&str],
) -> Result<(), ExportError> {
    let mut fields: Vec<&str> = Vec::with_capacity(columns.len() + 1);
    if named {
        fields.push("series");
    }
    fields.extend_from_slice(columns);
    Ok(w.write_record(&fields)?)
}

fn row<W: Write>(
    w: &mut csv::Writer<W>,
    name: Option<&String>,
    cells: &[String],
) -> Result<(), ExportError> {
    match name {
        Some(name) => w.write_record(std::iter::once(name).chain(cells))?,
        None => w.write_record(cells)?,
    }
    Ok(())
}

/// `plotcast-viewer FILE --export CHANNEL`: writes the plot named
/// `channel` as it was at `at` seconds (default: the end) to `csv`
/// (default: standard output); an append series whole, every point
/// recorded up to then. Returns the rows written.
///
/// # Errors
/// [`RunError::Usage`] for a time past the end, an unknown plot (the
/// message lists the plots), a plot without data then, or a CSV file that
/// cannot be written; [`RunError::Replay`] when a record cannot be read.
pub fn run(
    rec: Recording,
    channel: &str,
    at: Option<f64>,
    csv: Option<&Path>,
) -> Result<u64, RunError> {
    let span = rec.span();
    let t = match at {
        None => span,
        Some(at) => Duration::try_from_secs_f64(at)
            .ok()
            .filter(|t| *t <= span)
            .ok_or_else(|| {
                RunError::Usage(format!(
                    "--at {at} is past the end of the recording ({:.3} s)",
                    span.as_secs_f64()
                ))
            })?,
    };
    let mut replay = Replay::new(rec);
    replay.seek(t)?;
    let state = replay.state();
    let Some(spec) = state.layout.channels.iter().find(|c| c.name == channel) else {
        let names: Vec<String> = state
            .layout
            .channels
            .iter()
            .map(|c| format!("{:?}", c.name))
            .collect();
        return Err(RunError::Usage(format!(
            "no plot named {channel:?} at {:.3} s; the plots are: {}",
            t.as_secs_f64(),
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        )));
    };
    let data = if spec.kind == ChannelKind::Series {
        let mut set = SeriesSet::default();
        for frame in replay.recording().series_frames(spec.id, t) {
            for part in &frame.parts {
                set.append(part, usize::MAX);
            }
        }
        ChannelData::Series(set)
    } else {
        state.data.get(&spec.id).cloned().ok_or_else(|| {
            RunError::Usage(format!(
                "the plot {channel:?} has no data yet at {:.3} s",
                t.as_secs_f64()
            ))
        })?
    };
    let fail = |e: ExportError| RunError::Usage(e.to_string());
    match csv {
        None => write_csv(std::io::stdout().lock(), spec, &data, None).map_err(fail),
        Some(path) => {
            let mut rows = 0;
            write_atomically(path, |tmp| {
                let file = std::fs::File::create(tmp).map_err(|e| e.to_string())?;
                rows = write_csv(std::io::BufWriter::new(file), spec, &data, None)
                    .map_err(|e| e.to_string())?;
                Ok(())
            })?;
            Ok(rows)
        }
    }
}

/// A file name for a plot's export from the window:
/// `plotcast-<name>-<unix time>.csv`, the name reduced to letters, digits,
/// `-` and `_`, and a number added if that file exists.
pub fn window_file_name(name: &str, unix_secs: u64) -> std::path::PathBuf {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    let clean = if clean.is_empty() {
        "plot".to_owned()
    } else {
        clean
    };
    unused_file_name(&format!("plotcast-{clean}-{unix_secs}"), "csv")
}

/// What the window's `e` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The file.
    pub path: PathBuf,
    /// Rows written (header excluded).
    pub rows: u64,
    /// The plot's name.
    pub plot: String,
    /// Legend labels of traces hidden in the window, left out.
    pub hidden: Vec<String>,
    /// The x range written (the plot's view).
    pub x: (f64, f64),
    /// The data came from a full-resolution fetch, not from the view's
    /// reduced data.
    pub fetched: bool,
    /// What was written is still reduced to the view (min/max per pixel
    /// column, or a coarser grid): the full data could not be had (through
    /// a relay, the bucket holds an overview of a big frame). Said, never
    /// passed off as every value.
    pub reduced: bool,
}

impl Exported {
    /// One line for the status line and the terminal.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "saved {}: {} rows of {} in view (x {} to {})",
            self.path.display(),
            self.rows,
            self.plot,
            number(self.x.0),
            number(self.x.1),
        );
        if self.reduced {
            text.push_str(
                ", REDUCED to the view as drawn, not every value (the full data could not be fetched)",
            );
        } else if self.fetched {
            text.push_str(", every value (fetched at full resolution)");
        }
        if !self.hidden.is_empty() {
            text.push_str(&format!("; hidden, not saved: {}", self.hidden.join(", ")));
        }
        text
    }
}

/// The window's `e`: writes the data of `channel` within `visible` as CSV
/// in the working directory, leaving out the `hidden` traces. `fetched`
/// says the state came from a full-resolution fetch.
///
/// # Errors
/// A message for the user: no data yet, or the file could not be written.
pub fn export_visible(
    state: &PlotState,
    channel: u32,
    visible: &AxisView,
    hidden: Option<&BTreeSet<String>>,
    fetched: bool,
    unix_secs: u64,
) -> Result<Exported, String> {
    let (Some(spec), Some(data)) = (state.spec(channel), state.data.get(&channel)) else {
        return Err("that plot has no data yet".into());
    };
    let path = window_file_name(&spec.name, unix_secs);
    let mut rows = 0;
    write_atomically(&path, |tmp| {
        let file = std::fs::File::create(tmp).map_err(|e| e.to_string())?;
        let out = std::io::BufWriter::new(file);
        rows =
            write_shown_csv(out, spec, data, Some(visible), hidden).map_err(|e| e.to_string())?;
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(Exported {
        path,
        rows,
        plot: spec.display_title().to_owned(),
        hidden: hidden
            .map(|h| h.iter().cloned().collect())
            .unwrap_or_default(),
        x: visible.x,
        fetched: fetched && !data.is_reduced(),
        reduced: data.is_reduced(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use plotcast_protocol::Part;

    use super::*;
    use crate::model::SeriesHistory;

    fn csv_of(spec: &ChannelSpec, data: &ChannelData, visible: Option<&AxisView>) -> (String, u64) {
        let mut out = Vec::new();
        let rows = write_csv(&mut out, spec, data, visible).unwrap();
        (String::from_utf8(out).unwrap(), rows)
    }

    fn frame(kind: ChannelKind, parts: Vec<Part>, nx: u32, ny: u32) -> ChannelData {
        ChannelData::Snapshot(Arc::new(Frame {
            nx,
            ny,
            ..Frame::new(0, 1, 0, kind, parts)
        }))
    }

    fn part(name: &str, x: Option<&[f64]>, y: &[f64]) -> Part {
        Part::from_f64(name, x, y)
    }

    #[test]
    fn every_kind_has_its_columns_and_numbers_read_back() {
        let spec = |kind| ChannelSpec::new(0, "p", kind);
        let line = frame(
            ChannelKind::Line,
            vec![part("", None, &[0.1, f64::NAN, 1e-300])],
            0,
            0,
        );
        assert_eq!(
            csv_of(&spec(ChannelKind::Line), &line, None),
            ("x,y\n0,0.1\n1,\n2,1e-300\n".into(), 3)
        );
        let two = frame(
            ChannelKind::Scatter,
            vec![
                part("a, b", Some(&[1.0]), &[2.0]),
                part("c", Some(&[3.0]), &[f64::INFINITY]),
            ],
            0,
            0,
        );
        assert_eq!(
            csv_of(&spec(ChannelKind::Scatter), &two, None).0,
            "series,x,y\n\"a, b\",1,2\nc,3,inf\n"
        );
        let heat = frame(
            ChannelKind::Heatmap,
            vec![part("", None, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])],
            3,
            2,
        );
        let (text, rows) = csv_of(&spec(ChannelKind::Heatmap), &heat, None);
        assert_eq!(rows, 6);
        assert!(
            text.starts_with("column,row,value\n0,0,1\n1,0,2\n2,0,3\n0,1,4\n"),
            "{text}"
        );
        let edges = frame(
            ChannelKind::Bars,
            vec![part("", Some(&[0.0, 1.0, 2.0]), &[5.0, 6.0])],
            0,
            0,
        );
        assert_eq!(
            csv_of(&spec(ChannelKind::Bars), &edges, None).0,
            "x_low,x_high,height\n0,1,5\n1,2,6\n"
        );
        let bare = frame(ChannelKind::Bars, vec![part("", None, &[5.0])], 0, 0);
        assert_eq!(
            csv_of(&spec(ChannelKind::Bars), &bare, None).0,
            "index,height\n0,5\n"
        );
        let series = ChannelData::Series(SeriesSet::from_series([SeriesHistory::from_points(
            "",
            &[0.5, 1.5],
            &[10.0, 11.0],
        )]));
        assert_eq!(
            csv_of(&spec(ChannelKind::Series), &series, None).0,
            "t,y\n0.5,10\n1.5,11\n"
        );
        for v in [
            0.1 + 0.2,
            1e-300,
            -2.5e20,
            123456.789,
            f64::MIN_POSITIVE,
            5e-324,
            -0.0,
        ] {
            let back: f64 = number(v).parse().unwrap();
            assert_eq!(back.to_bits(), v.to_bits(), "{v:?} as {}", number(v));
        }
        assert_eq!(number(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn visible_parts_only() {
        let view = AxisView {
            x: (0.5, 2.5),
            y: (0.0, 10.0),
        };
        let spec = |kind| ChannelSpec::new(0, "p", kind);
        let line = frame(
            ChannelKind::Line,
            vec![part("", None, &[1.0, 20.0, 3.0, 4.0])],
            0,
            0,
        );
        // A line keeps its points in the x range whatever their y.
        assert_eq!(
            csv_of(&spec(ChannelKind::Line), &line, Some(&view)).0,
            "x,y\n1,20\n2,3\n"
        );
        let scatter = frame(
            ChannelKind::Scatter,
            vec![part("", Some(&[1.0, 2.0]), &[20.0, 3.0])],
            0,
            0,
        );
        assert_eq!(
            csv_of(&spec(ChannelKind::Scatter), &scatter, Some(&view)).0,
            "x,y\n2,3\n"
        );
        let heat = frame(
            ChannelKind::Heatmap,
            vec![part("", None, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])],
            3,
            2,
        );
        let cells = AxisView {
            x: (1.2, 1.8),
            y: (1.1, 2.0),
        };
        assert_eq!(
            csv_of(&spec(ChannelKind::Heatmap), &heat, Some(&cells)).0,
            "column,row,value\n1,1,5\n"
        );
    }

    #[test]
    fn reduced_data_is_said_never_passed_off_as_every_value() {
        let exported = |fetched, reduced| Exported {
            path: "p.csv".into(),
            rows: 10,
            plot: "field".into(),
            hidden: Vec::new(),
            x: (0.0, 1.0),
            fetched,
            reduced,
        };
        let said = exported(false, true).describe();
        assert!(
            said.contains("REDUCED") && !said.contains("every value (fetched"),
            "{said}"
        );
        let said = exported(true, false).describe();
        assert!(
            said.contains("every value (fetched at full resolution)"),
            "{said}"
        );
        assert!(!exported(false, false).describe().contains("REDUCED"));
    }

    #[test]
    fn window_file_names_are_safe() {
        let p = window_file_name("a/b c", 7);
        assert_eq!(p, std::path::PathBuf::from("plotcast-a_b_c-7.csv"));
        assert_eq!(
            window_file_name("", 7),
            std::path::PathBuf::from("plotcast-plot-7.csv")
        );
    }
}
