//! Channel options given as Python keyword arguments
//! (`s.line("loss", y_label="loss", log_y=True)`).

use plotcast::{ChannelOptions, Colormap, GridCell, Scale};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The options every kind takes, in the order the docs list them.
const COMMON: [&str; 8] = [
    "title", "x_label", "y_label", "log_x", "log_y", "x_range", "y_range", "cell",
];

/// Reads the keyword options of a channel of `kind` (`colormap` only for
/// heatmaps, `history_points` only for series).
///
/// # Errors
/// `TypeError` for an unknown option or a value of the wrong type,
/// `ValueError` for a value out of range or a colormap no viewer draws.
pub(crate) fn channel_options(
    kind: &'static str,
    name: &str,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<ChannelOptions> {
    let mut out = ChannelOptions::default();
    let Some(options) = options else {
        return Ok(out);
    };
    for (key, value) in options.iter() {
        let key: String = key.extract()?;
        let bad = |expected: &str| {
            PyTypeError::new_err(format!(
                "{kind} {name:?}: option {key}= expects {expected}, got {}",
                value
                    .get_type()
                    .name()
                    .map_or_else(|_| "?".to_owned(), |n| n.to_string())
            ))
        };
        if value.is_none() {
            // None means "the default", so callers can pass options through.
            continue;
        }
        match key.as_str() {
            "title" => out.title = value.extract().map_err(|_| bad("a str"))?,
            "x_label" => out.x_label = value.extract().map_err(|_| bad("a str"))?,
            "y_label" => out.y_label = value.extract().map_err(|_| bad("a str"))?,
            "colormap" if kind == "heatmap" => {
                let given: String = value.extract().map_err(|_| bad("a str"))?;
                let map: Colormap = given
                    .parse()
                    .map_err(|err| PyValueError::new_err(format!("{kind} {name:?}: {err}")))?;
                out.colormap = map.name().to_owned();
            }
            "value_label" if kind == "heatmap" => {
                out.value_label = value.extract().map_err(|_| bad("a str"))?
            }
            "tile" if kind == "heatmap" => {
                let t: (u32, u32, u32, u32) = value
                    .extract()
                    .map_err(|_| bad("(x0, y0, global_nx, global_ny)"))?;
                if t.2 == 0 || t.3 == 0 {
                    return Err(PyValueError::new_err(format!(
                        "{kind} {name:?}: tile=(x0, y0, global_nx, global_ny) needs a global \
                         grid of at least 1 x 1, got {t:?}"
                    )));
                }
                out.tile = Some([t.0, t.1, t.2, t.3]);
            }
            "extent" if kind == "heatmap" => {
                let e: (f64, f64, f64, f64) = value
                    .extract()
                    .map_err(|_| bad("(left, right, bottom, top)"))?;
                let e = [e.0, e.1, e.2, e.3];
                if !(e.iter().all(|v| v.is_finite()) && e[0] != e[1] && e[2] != e[3]) {
                    return Err(PyValueError::new_err(format!(
                        "{kind} {name:?}: extent=(left, right, bottom, top) must be finite, \
                         with left != right and bottom != top, got {e:?}"
                    )));
                }
                out.extent = Some(e);
            }
            "link_x" if matches!(kind, "line" | "scatter" | "bars" | "series") => {
                out.link_x = value.extract().map_err(|_| bad("a str"))?
            }
            "log_x" => out.x_scale = scale(value.extract().map_err(|_| bad("a bool"))?),
            "log_y" => out.y_scale = scale(value.extract().map_err(|_| bad("a bool"))?),
            "x_range" => {
                let r = value.extract().map_err(|_| bad("a (min, max) pair"))?;
                out.x_range = Some(range(kind, name, &key, r)?);
            }
            "y_range" => {
                let r = value.extract().map_err(|_| bad("a (min, max) pair"))?;
                out.y_range = Some(range(kind, name, &key, r)?);
            }
            "cell" => {
                let c: Vec<u16> = value
                    .extract()
                    .map_err(|_| bad("(row, col) or (row, col, rows, cols) of small integers"))?;
                out.cell = Some(match c[..] {
                    [row, col] => GridCell {
                        row,
                        col,
                        rows: 1,
                        cols: 1,
                    },
                    [row, col, rows, cols] if rows > 0 && cols > 0 => GridCell {
                        row,
                        col,
                        rows,
                        cols,
                    },
                    _ => {
                        return Err(PyValueError::new_err(format!(
                            "{kind} {name:?}: cell= expects (row, col) or (row, col, rows, cols) \
                             with rows, cols >= 1, got {c:?}"
                        )))
                    }
                });
            }
            "history_points" if kind == "series" => {
                let n: usize = value.extract().map_err(|_| bad("a positive int"))?;
                if n == 0 {
                    return Err(PyValueError::new_err(format!(
                        "{kind} {name:?}: history_points must be at least 1"
                    )));
                }
                out.history_points = u32::try_from(n).unwrap_or(u32::MAX);
            }
            _ => {
                let mut known = COMMON.to_vec();
                match kind {
                    "heatmap" => known.extend(["colormap", "value_label", "extent", "tile"]),
                    "series" => known.extend(["history_points", "link_x"]),
                    "line" | "scatter" | "bars" => known.push("link_x"),
                    _ => {}
                }
                return Err(PyTypeError::new_err(format!(
                    "{kind} {name:?}: unknown option {key}=; the options are {}",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(out)
}

fn scale(log: bool) -> Scale {
    if log {
        Scale::Log
    } else {
        Scale::Linear
    }
}

fn range(kind: &str, name: &str, key: &str, (lo, hi): (f64, f64)) -> PyResult<(f64, f64)> {
    if lo.is_finite() && hi.is_finite() && lo < hi {
        Ok((lo, hi))
    } else {
        Err(PyValueError::new_err(format!(
            "{kind} {name:?}: {key}= needs finite min < max, got ({lo}, {hi})"
        )))
    }
}
