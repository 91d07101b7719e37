//! The channel handles Python publishes through: `Heatmap`, `Line`,
//! `Scatter`, `Bars`, `Series`.
//!
//! Each wraps the Rust handle and knows whether its server is still open:
//! after `close()` every publishing method raises the error the server's
//! methods raise. `publish` reads the arrays in place when
//! they are C-contiguous float64/float32 (see `arrays`), checks shapes so
//! that a mistake raises, and calls the Rust publish, which copies the data
//! once and never waits for a viewer. For large arrays the GIL is released
//! during that copy so other Python threads run meanwhile.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::arrays::{describe_shape, read, read_1d, Arg, Values};
use crate::open::Open;
use crate::parts::{Kind, Parts};

/// Publishes of at least this many bytes release the GIL during the copy:
/// below it, releasing and taking the GIL back costs more than it frees.
const DETACH_BYTES: usize = 256 * 1024;

/// Runs `f`, without the GIL when `bytes` is large.
fn copy<R: Send>(py: Python<'_>, bytes: usize, f: impl FnOnce() -> R + Send) -> R {
    if bytes >= DETACH_BYTES {
        py.detach(f)
    } else {
        f()
    }
}

fn repr(kind: &str, name: &str) -> String {
    format!("<plotcast.{kind} {name:?}>")
}

/// A heatmap channel: publish 2-D arrays of shape (ny, nx), drawn through a
/// colormap (row 0 at the bottom, like matplotlib's origin="lower").
///
/// Made by Server.heatmap(name, ...); cheap to share between threads.
#[pyclass(frozen, module = "plotcast", name = "Heatmap")]
pub(crate) struct PyHeatmap {
    pub(crate) handle: plotcast::Heatmap,
    pub(crate) open: Open,
}

#[pymethods]
impl PyHeatmap {
    /// The channel's name.
    #[getter]
    fn name(&self) -> &str {
        self.handle.name()
    }

    /// Publishes a grid: a 2-D array of shape (ny, nx) of float64 or float32
    /// (other real dtypes are converted). `range=(lo, hi)` fixes the colour
    /// range of this frame (otherwise the channel's y_range, else
    /// autoscale; float32 with range= is widened to float64, a copy).
    /// Never waits for a viewer.
    ///
    /// Raises ValueError for a shape that is not 2-D or an empty grid,
    /// TypeError for values that are not real numbers, RuntimeError once
    /// the server is closed.
    #[pyo3(signature = (values, /, range = None))]
    fn publish(
        &self,
        py: Python<'_>,
        values: &Bound<'_, PyAny>,
        range: Option<(f64, f64)>,
    ) -> PyResult<()> {
        self.open.check()?;
        let h = &self.handle;
        let arg = Arg {
            kind: "heatmap",
            channel: h.name(),
            name: "values",
        };
        let a = read(values, arg)?;
        let &[ny, nx] = a.shape() else {
            return Err(PyValueError::new_err(format!(
                "{arg}: expected a 2-D array of shape (ny, nx), got {}",
                describe_shape(a.shape())
            )));
        };
        if nx == 0 || ny == 0 {
            return Err(PyValueError::new_err(format!(
                "{arg}: the grid is empty ({})",
                describe_shape(a.shape())
            )));
        }
        let bytes = a.nbytes();
        match (range, a.values()) {
            (None, Values::F64(v)) => copy(py, bytes, || h.publish(v, nx, ny)),
            (None, Values::F32(v)) => copy(py, bytes, || h.publish_f32(v, nx, ny)),
            (Some((lo, hi)), _) => {
                if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                    return Err(PyValueError::new_err(format!(
                        "{arg}: range= needs finite lo < hi, got ({lo}, {hi})"
                    )));
                }
                let v = a.f64();
                copy(py, bytes, || h.publish_with_range(&v, nx, ny, (lo, hi)));
            }
        }
        Ok(())
    }

    fn __repr__(&self) -> String {
        repr("Heatmap", self.handle.name())
    }
}

/// Publishes traces of a line, scatter or bars channel.
fn publish_parts(
    py: Python<'_>,
    kind: Kind,
    channel: &str,
    args: &Bound<'_, PyTuple>,
    traces: Option<&Bound<'_, PyDict>>,
    single: impl FnOnce(Option<&[f64]>, Values<'_>) + Send,
    many: impl FnOnce(&[plotcast::Trace<'_>]) + Send,
) -> PyResult<()> {
    let parts = Parts::read(kind, channel, args, traces)?;
    let bytes = parts.nbytes();
    if let [part] = &parts.parts[..] {
        if part.name.is_empty() {
            let x = part.x.as_ref().map(|x| x.f64());
            let y = part.y.values();
            copy(py, bytes, || single(x.as_deref(), y));
            return Ok(());
        }
    }
    let data = parts.f64();
    copy(py, bytes, || {
        let traces: Vec<plotcast::Trace<'_>> = data
            .iter()
            .map(|(name, x, y)| plotcast::Trace {
                name,
                x: x.as_deref(),
                y,
            })
            .collect();
        many(&traces);
    });
    Ok(())
}

/// Widens float32 values when the Rust call takes float64 only.
fn widen(values: Values<'_>, f: impl FnOnce(&[f64])) {
    match values {
        Values::F64(v) => f(v),
        Values::F32(v) => f(&v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>()),
    }
}

/// A channel class whose `publish` takes traces: arrays as positional
/// arguments or named ones (line, scatter, bars). `$single` publishes one
/// unnamed trace (`$x` optional, `$y` the values) through the handle `$h`.
macro_rules! traces_channel {
    (
        $(#[$doc:meta])*
        $py:ident($inner:ty), $name:literal, $kind:expr,
        $(#[$publish_doc:meta])*
        |$h:ident, $x:ident, $y:ident| $single:expr
    ) => {
        $(#[$doc])*
        #[pyclass(frozen, module = "plotcast", name = $name)]
        pub(crate) struct $py {
            pub(crate) handle: $inner,
            pub(crate) open: Open,
        }

        #[pymethods]
        impl $py {
            /// The channel's name.
            #[getter]
            fn name(&self) -> &str {
                self.handle.name()
            }

            $(#[$publish_doc])*
            #[pyo3(signature = (*args, **traces))]
            fn publish(
                &self,
                py: Python<'_>,
                args: &Bound<'_, PyTuple>,
                traces: Option<&Bound<'_, PyDict>>,
            ) -> PyResult<()> {
                self.open.check()?;
                let $h = &self.handle;
                let single = |$x: Option<&[f64]>, $y: Values<'_>| $single;
                publish_parts(py, $kind, $h.name(), args, traces, single, |traces| {
                    $h.publish_traces(traces)
                })
            }

            fn __repr__(&self) -> String {
                repr($name, self.handle.name())
            }
        }
    };
}

traces_channel! {
    /// A line channel: one or more named traces, y against index or against x.
    ///
    /// Made by Server.line(name, ...); cheap to share between threads.
    PyLine(plotcast::Line), "Line", Kind::Line,
    /// Publishes the line's traces, replacing the previous ones:
    ///
    ///     line.publish(y)                  # y against its index
    ///     line.publish(x, y)               # y against x (equal lengths)
    ///     line.publish(train=y1, test=y2)  # named traces, with a legend
    ///     line.publish(x, train=y1, test=y2)   # named traces sharing x
    ///     line.publish({"train": y1, "test": (x2, y2)})
    ///
    /// Arrays are 1-D float64 or float32 (other real dtypes, lists and
    /// buffer-protocol objects are converted). Never waits for a viewer.
    /// Raises ValueError for wrong shapes or lengths, TypeError otherwise.
    |h, x, y| match (x, y) {
        (None, Values::F64(y)) => h.publish(y),
        (None, Values::F32(y)) => h.publish_f32(y),
        (Some(x), y) => widen(y, |y| h.publish_xy(x, y)),
    }
}

traces_channel! {
    /// A scatter channel: points of one or more named traces.
    ///
    /// Made by Server.scatter(name, ...); cheap to share between threads.
    PyScatter(plotcast::Scatter), "Scatter", Kind::Scatter,
    /// Publishes points, replacing the previous ones:
    ///
    ///     scatter.publish(x, y)
    ///     scatter.publish(a=(x1, y1), b=(x2, y2))   # named traces
    ///     scatter.publish(x, a=y1, b=y2)            # named traces sharing x
    ///
    /// x and y are 1-D arrays of equal length. Never waits for a viewer.
    /// Raises ValueError for wrong shapes or lengths, TypeError otherwise.
    |h, x, y| {
        // Parts::read insists on x for scatter.
        if let Some(x) = x {
            widen(y, |y| h.publish(x, y));
        }
    }
}

traces_channel! {
    /// A bars channel: bar heights, or a histogram with bin edges.
    ///
    /// Made by Server.bars(name, ...); cheap to share between threads.
    PyBars(plotcast::Bars), "Bars", Kind::Bars,
    /// Publishes bars, replacing the previous ones:
    ///
    ///     bars.publish(heights)                 # at positions 0, 1, 2, ...
    ///     bars.publish(heights, edges)          # n + 1 bin edges, or n centres
    ///     bars.publish(*numpy.histogram(w, bins=50))
    ///     bars.publish(a=(h1, edges), b=(h2, edges))   # named sets
    ///
    /// Never waits for a viewer. Raises ValueError for wrong shapes or
    /// lengths, TypeError otherwise.
    |h, edges, heights| match edges {
        None => widen(heights, |y| h.publish(y)),
        Some(e) => widen(heights, |y| h.publish_edges(e, y)),
    }
}

/// An append-mode series channel: points accumulate in a bounded window
/// (history_points), and every viewer receives every point it has not seen
/// that is still in it. Several named series can share one channel.
///
/// Made by Server.series(name, ...); cheap to share between threads.
#[pyclass(frozen, module = "plotcast", name = "Series")]
pub(crate) struct PySeries {
    pub(crate) handle: plotcast::Series,
    pub(crate) open: Open,
}

fn number(channel: &str, name: &str, value: &Bound<'_, PyAny>) -> PyResult<f64> {
    value.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "series {channel:?}: {name} expects a number, got {}",
            value
                .get_type()
                .name()
                .map_or_else(|_| "?".to_owned(), |n| n.to_string())
        ))
    })
}

#[pymethods]
impl PySeries {
    /// The channel's name.
    #[getter]
    fn name(&self) -> &str {
        self.handle.name()
    }

    /// Appends one point at time (or step) t:
    ///
    ///     energy.push(t, e)                 # the channel's default series
    ///     metrics.push(step, loss=l, acc=a) # named series, one legend entry each
    ///
    /// Values are numbers (Python or numpy scalars). Never waits for a viewer.
    #[pyo3(signature = (t, y = None, /, **named))]
    fn push(
        &self,
        t: &Bound<'_, PyAny>,
        y: Option<&Bound<'_, PyAny>>,
        named: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.open.check()?;
        let h = &self.handle;
        let t = number(h.name(), "t", t)?;
        let named = named.filter(|n| !n.is_empty());
        if y.is_none() && named.is_none() {
            return Err(PyTypeError::new_err(format!(
                "series {:?}: push() takes push(t, y) or push(t, name=y, ...)",
                h.name()
            )));
        }
        if let Some(y) = y {
            h.push(t, number(h.name(), "y", y)?);
        }
        if let Some(named) = named {
            for (key, value) in named.iter() {
                let key: String = key.extract()?;
                let v = number(h.name(), &key, &value)?;
                h.push_to(&key, t, v);
            }
        }
        Ok(())
    }

    /// Appends many points: t and y are 1-D arrays of equal length.
    ///
    ///     energy.extend(ts, ys)
    ///     metrics.extend(steps, loss=losses, acc=accs)
    ///
    /// Raises ValueError for unequal lengths or shapes that are not 1-D.
    #[pyo3(signature = (t, y = None, /, **named))]
    fn extend(
        &self,
        py: Python<'_>,
        t: &Bound<'_, PyAny>,
        y: Option<&Bound<'_, PyAny>>,
        named: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.open.check()?;
        let h = &self.handle;
        let channel = h.name();
        fn arg<'a>(channel: &'a str, name: &'a str) -> Arg<'a> {
            Arg {
                kind: "series",
                channel,
                name,
            }
        }
        let named = named.filter(|n| !n.is_empty());
        if y.is_none() && named.is_none() {
            return Err(PyTypeError::new_err(format!(
                "series {channel:?}: extend() takes extend(t, y) or extend(t, name=y, ...)"
            )));
        }
        let ts = read_1d(t, arg(channel, "t"))?;
        let mut columns = Vec::new();
        if let Some(y) = y {
            columns.push((String::new(), read_1d(y, arg(channel, "y"))?));
        }
        if let Some(named) = named {
            for (key, value) in named.iter() {
                let key: String = key.extract()?;
                let a = read_1d(&value, arg(channel, &key))?;
                columns.push((key, a));
            }
        }
        for (name, ys) in &columns {
            if ys.len() != ts.len() {
                let which = if name.is_empty() { "y" } else { name };
                return Err(PyValueError::new_err(format!(
                    "series {channel:?}: t has {} values but {which} has {}",
                    ts.len(),
                    ys.len()
                )));
            }
        }
        let t64 = ts.f64();
        let data: Vec<_> = columns
            .iter()
            .map(|(n, ys)| (n.as_str(), ys.f64()))
            .collect();
        let bytes = (data.len() + 1) * t64.len() * 8;
        copy(py, bytes, || {
            for (name, ys) in &data {
                if name.is_empty() {
                    h.extend(&t64, ys);
                } else {
                    h.extend_to(name, &t64, ys);
                }
            }
        });
        Ok(())
    }

    fn __repr__(&self) -> String {
        repr("Series", self.handle.name())
    }
}
