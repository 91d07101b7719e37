//! The arguments of `publish` for line, scatter and bars channels: one
//! unnamed trace (`publish(y)`, `publish(x, y)`), named traces
//! (`publish(a=y1, b=y2)` or `publish({"a": y1})`), and an x shared by
//! named traces (`publish(x, a=y1, b=y2)`), read and checked against the
//! kind's shape rules so that a mistake raises instead of being dropped.

use std::borrow::Cow;

use plotcast_protocol::MAX_NAME_BYTES;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::arrays::{read_1d, Arg, Array};

/// The kinds that take traces, and how their positional arguments read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `publish(y)`, `publish(x, y)`; x optional.
    Line,
    /// `publish(x, y)`; x required.
    Scatter,
    /// `publish(heights)`, `publish(heights, edges)`: the order
    /// `numpy.histogram` returns.
    Bars,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Line => "line",
            Kind::Scatter => "scatter",
            Kind::Bars => "bars",
        }
    }

    fn x_name(self) -> &'static str {
        match self {
            Kind::Bars => "edges",
            _ => "x",
        }
    }

    fn y_name(self) -> &'static str {
        match self {
            Kind::Bars => "heights",
            _ => "y",
        }
    }

    fn usage(self) -> &'static str {
        match self {
            Kind::Line => {
                "publish(y), publish(x, y), publish(name=y, ...), publish(x, name=y, ...) \
                 or publish({name: y or (x, y), ...})"
            }
            Kind::Scatter => {
                "publish(x, y), publish(name=(x, y), ...), publish(x, name=y, ...) \
                 or publish({name: (x, y), ...})"
            }
            Kind::Bars => {
                "publish(heights), publish(heights, edges), publish(name=heights, ...) \
                 or publish({name: heights or (heights, edges), ...})"
            }
        }
    }
}

/// A trace's name, x and y as float64.
pub(crate) type TraceData<'a> = (&'a str, Option<Cow<'a, [f64]>>, Cow<'a, [f64]>);

/// One trace as read from Python.
pub(crate) struct Part<'py> {
    /// Legend name ("" for the unnamed trace).
    pub(crate) name: String,
    /// x values, bin edges or centres.
    pub(crate) x: Option<Array<'py>>,
    /// y values or heights.
    pub(crate) y: Array<'py>,
}

/// Everything one `publish` call passed.
pub(crate) struct Parts<'py> {
    pub(crate) parts: Vec<Part<'py>>,
    /// The x of `publish(x, a=y1, b=y2)`, for traces without their own.
    pub(crate) shared_x: Option<Array<'py>>,
}

impl<'py> Parts<'py> {
    /// Reads and checks the arguments of `publish`.
    ///
    /// # Errors
    /// `TypeError` for a call that fits none of the forms or values that
    /// are not numbers, `ValueError` for wrong shapes or lengths.
    pub(crate) fn read(
        kind: Kind,
        channel: &str,
        args: &Bound<'py, PyTuple>,
        traces: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Self> {
        let usage = || {
            PyTypeError::new_err(format!(
                "{} {channel:?}: publish() takes {}",
                kind.name(),
                kind.usage()
            ))
        };
        let traces = traces.filter(|t| !t.is_empty());
        let arg = |name| Arg {
            kind: kind.name(),
            channel,
            name,
        };
        let mut out = Parts {
            parts: Vec::new(),
            shared_x: None,
        };
        match (args.len(), traces) {
            (1, None) => {
                let first = args.get_item(0)?;
                if let Ok(dict) = first.cast::<PyDict>() {
                    out.named(kind, channel, dict)?;
                } else {
                    let y = read_1d(&first, arg(kind.y_name()))?;
                    out.parts.push(Part {
                        name: String::new(),
                        x: None,
                        y,
                    });
                }
            }
            (2, None) => {
                let (a, b) = (args.get_item(0)?, args.get_item(1)?);
                let (x, y) = match kind {
                    Kind::Bars => (b, a),
                    _ => (a, b),
                };
                let y = read_1d(&y, arg(kind.y_name()))?;
                let x = read_1d(&x, arg(kind.x_name()))?;
                out.parts.push(Part {
                    name: String::new(),
                    x: Some(x),
                    y,
                });
            }
            (0, Some(traces)) => out.named(kind, channel, traces)?,
            (1, Some(traces)) if kind != Kind::Bars => {
                out.shared_x = Some(read_1d(&args.get_item(0)?, arg(kind.x_name()))?);
                out.named(kind, channel, traces)?;
            }
            _ => return Err(usage()),
        }
        if out.parts.is_empty() {
            return Err(usage());
        }
        out.check(kind, channel)?;
        Ok(out)
    }

    fn named(&mut self, kind: Kind, channel: &str, traces: &Bound<'py, PyDict>) -> PyResult<()> {
        for (key, value) in traces.iter() {
            let name: String = key.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "{} {channel:?}: trace names must be str, got {key:?}",
                    kind.name()
                ))
            })?;
            if name.len() > MAX_NAME_BYTES {
                return Err(PyValueError::new_err(format!(
                    "{} {channel:?}: trace name of {} bytes is longer than the limit of {MAX_NAME_BYTES}",
                    kind.name(),
                    name.len()
                )));
            }
            let arg = Arg {
                kind: kind.name(),
                channel,
                name: &name,
            };
            let (x, y) = match value.cast::<PyTuple>() {
                Ok(pair) if pair.len() == 2 => {
                    let (a, b) = (pair.get_item(0)?, pair.get_item(1)?);
                    let (x, y) = match kind {
                        Kind::Bars => (b, a),
                        _ => (a, b),
                    };
                    (Some(read_1d(&x, arg)?), read_1d(&y, arg)?)
                }
                Ok(other) => {
                    return Err(PyTypeError::new_err(format!(
                        "{arg}: a tuple trace must be ({}, {}), got a tuple of {} items",
                        if kind == Kind::Bars { "heights" } else { "x" },
                        if kind == Kind::Bars { "edges" } else { "y" },
                        other.len()
                    )))
                }
                Err(_) => (None, read_1d(&value, arg)?),
            };
            self.parts.push(Part { name, x, y });
        }
        Ok(())
    }

    /// The x of a part: its own, else the shared one.
    pub(crate) fn x_of<'a>(&'a self, part: &'a Part<'py>) -> Option<&'a Array<'py>> {
        part.x.as_ref().or(self.shared_x.as_ref())
    }

    fn check(&self, kind: Kind, channel: &str) -> PyResult<()> {
        for part in &self.parts {
            let trace = if part.name.is_empty() {
                String::new()
            } else {
                format!(" trace {:?}", part.name)
            };
            let (n, x) = (part.y.len(), self.x_of(part).map(Array::len));
            let (xn, yn) = (kind.x_name(), kind.y_name());
            let problem = match (kind, x) {
                (Kind::Scatter, None) => Some("needs x values: publish(x, y) or name=(x, y)".to_owned()),
                (Kind::Line | Kind::Scatter, Some(m)) if m != n => {
                    Some(format!("{xn} has {m} values but {yn} has {n}"))
                }
                (Kind::Bars, Some(m)) if m != n + 1 && m != n => Some(format!(
                    "{m} {xn} for {n} {yn}: give n + 1 bin edges (as numpy.histogram returns) or n bar centres"
                )),
                _ => None,
            };
            if let Some(problem) = problem {
                return Err(PyValueError::new_err(format!(
                    "{} {channel:?}{trace}: {problem}",
                    kind.name()
                )));
            }
        }
        Ok(())
    }

    /// Bytes of data in all parts.
    pub(crate) fn nbytes(&self) -> usize {
        let own: usize = self
            .parts
            .iter()
            .map(|p| p.y.nbytes() + p.x.as_ref().map_or(0, Array::nbytes))
            .sum();
        own + self.shared_x.as_ref().map_or(0, Array::nbytes)
    }

    /// The parts as float64 slices, ready for `publish_traces`.
    pub(crate) fn f64(&self) -> Vec<TraceData<'_>> {
        self.parts
            .iter()
            .map(|p| (p.name.as_str(), self.x_of(p).map(Array::f64), p.y.f64()))
            .collect()
    }
}
