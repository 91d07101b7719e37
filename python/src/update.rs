//! `Update`: one state of a computation as a `Client` received it, as
//! plain Python data: the layout, every channel's newest values as
//! read-only numpy arrays, and the status.
//!
//! The arrays are built when first asked for (`channels`, `update[name]`)
//! and kept: one copy of the received bytes per array, and arrays that
//! come out bit-identical to what was published, in the dtype it was
//! published in (float64, or float32 for float32 publishes and for a
//! heatmap that crossed a slow link as 16-bit or 8-bit codes: `coded`
//! says so).

use std::sync::OnceLock;

use numpy::PyArray1;
use plotcast_protocol::{Array, ChannelKind, ChannelOptions, DType, Frame, Scale};
use plotcast_viewer::model::{ChannelData, Connection, PlotState, SeriesHistory, Status};
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{IntoPyDict as _, PyDict, PyList};

/// One state of the computation as a Client received it. Read-only.
#[pyclass(name = "Update", module = "plotcast", frozen)]
pub struct Update {
    pub(crate) plot: PlotState,
    batch: u64,
    ended: bool,
    /// True age of the newest frame when the update was taken (seconds).
    age: Option<f64>,
    channels: OnceLock<Py<PyDict>>,
}

impl Update {
    pub(crate) fn new(plot: PlotState, batch: u64, ended: bool) -> Self {
        let age = plot
            .status
            .newest_age(plotcast_viewer::clock::now_us())
            .map(|a| a.as_secs_f64());
        Self {
            plot,
            batch,
            ended,
            age,
            channels: OnceLock::new(),
        }
    }
}

#[pymethods]
impl Update {
    /// Batches received so far (grows with every newer state).
    #[getter]
    fn batch(&self) -> u64 {
        self.batch
    }

    /// The figure's title.
    #[getter]
    fn title(&self) -> &str {
        &self.plot.layout.title
    }

    /// Grid columns of the figure (0: automatic).
    #[getter]
    fn columns(&self) -> u16 {
        self.plot.layout.columns
    }

    /// Whether the computation has ended (this is its final state).
    #[getter]
    fn ended(&self) -> bool {
        self.ended
    }

    /// Every channel in creation order: a dict with "name", "kind",
    /// "plot_type" and "options" (title, x_label, y_label, log_x, log_y,
    /// x_range, y_range, cell, colormap, history_points, link_x,
    /// value_label, extent, tile).
    #[getter]
    fn layout<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for spec in &self.plot.layout.channels {
            let d = PyDict::new(py);
            d.set_item("name", &spec.name)?;
            d.set_item("kind", spec.kind.name())?;
            d.set_item("plot_type", &spec.plot_type)?;
            d.set_item("options", options(py, &spec.options)?)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The newest data of every channel that has some, by name: a dict
    /// with "kind", "seq", "timestamp" (seconds since the epoch),
    /// "reduced", "coded" and, by kind, "values" and "range" (heatmap),
    /// "traces" (line, scatter, bars: name → {"x", "y"}), "series"
    /// (name → {"x", "y"}, the kept window), "arrays", "nx", "ny",
    /// "plot_type" (custom, quiver, image).
    #[getter]
    fn channels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        if let Some(done) = self.channels.get() {
            return Ok(done.bind(py).clone());
        }
        let all = PyDict::new(py);
        for spec in &self.plot.layout.channels {
            let Some(data) = self.plot.data.get(&spec.id) else {
                continue;
            };
            let d = match data {
                ChannelData::Snapshot(frame) => snapshot(py, frame, &spec.plot_type)?,
                ChannelData::Series(set) => series(py, set.series())?,
            };
            all.set_item(&spec.name, d)?;
        }
        // Another thread may have built it meanwhile: keep the first.
        Ok(self.channels.get_or_init(|| all.unbind()).bind(py).clone())
    }

    /// How the connection stands: "connection" (connecting, connected,
    /// unreachable, reconnecting, ended, interrupted, stopped, lost),
    /// "reason", "age" (seconds: the true age of the newest frame, on the
    /// server's clock), "round_trip" (seconds), "received" (frames),
    /// "skipped" (frames the server skipped because this consumer was
    /// busy: latest value wins), "server".
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        status_dict(py, &self.plot.status, self.age)
    }

    fn __getitem__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        match self.channels(py)?.get_item(name)? {
            Some(v) => Ok(v),
            None => Err(PyKeyError::new_err(format!(
                "no data for channel {name:?} (channels with data: {})",
                self.plot
                    .layout
                    .channels
                    .iter()
                    .filter(|c| self.plot.data.contains_key(&c.id))
                    .map(|c| format!("{:?}", c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    fn __contains__(&self, name: &str) -> bool {
        self.plot
            .layout
            .channels
            .iter()
            .any(|c| c.name == name && self.plot.data.contains_key(&c.id))
    }

    fn __repr__(&self) -> String {
        format!(
            "plotcast.Update(batch={}, {:?}, {} channels with data{})",
            self.batch,
            self.plot.layout.title,
            self.plot.data.len(),
            if self.ended { ", ended" } else { "" }
        )
    }
}

/// The status as `Update.status` and `Client.status` give it.
pub(crate) fn status_dict<'py>(
    py: Python<'py>,
    s: &Status,
    age: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("connection", connection_name(&s.connection))?;
    let reason = match &s.connection {
        Connection::Unreachable { reason, .. }
        | Connection::Reconnecting { reason, .. }
        | Connection::Ended { reason }
        | Connection::Interrupted { reason }
        | Connection::Lost { reason } => Some(reason.as_str()),
        _ => None,
    };
    d.set_item("reason", reason)?;
    d.set_item("age", age)?;
    d.set_item("round_trip", s.round_trip.map(|r| r.as_secs_f64()))?;
    d.set_item("received", s.frames_received)?;
    d.set_item("skipped", s.frames_skipped)?;
    d.set_item("server", &s.server_name)?;
    Ok(d)
}

fn options<'py>(py: Python<'py>, o: &ChannelOptions) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("title", &o.title)?;
    d.set_item("x_label", &o.x_label)?;
    d.set_item("y_label", &o.y_label)?;
    d.set_item("log_x", o.x_scale == Scale::Log)?;
    d.set_item("log_y", o.y_scale == Scale::Log)?;
    d.set_item("x_range", o.x_range)?;
    d.set_item("y_range", o.y_range)?;
    d.set_item("cell", o.cell.map(|c| (c.row, c.col, c.rows, c.cols)))?;
    d.set_item("colormap", &o.colormap)?;
    d.set_item("history_points", o.history_points)?;
    d.set_item("link_x", (!o.link_x.is_empty()).then_some(&o.link_x))?;
    d.set_item("value_label", &o.value_label)?;
    d.set_item("extent", o.extent.map(|[a, b, c, e]| (a, b, c, e)))?;
    d.set_item("tile", o.tile.map(|[a, b, c, e]| (a, b, c, e)))?;
    Ok(d)
}

/// A received array as a read-only numpy array of its dtype: one copy of
/// its little-endian bytes, viewed as float64 or float32.
fn array<'py>(py: Python<'py>, a: &Array) -> PyResult<Bound<'py, PyAny>> {
    let dtype = match a.dtype() {
        DType::F64 => "<f8",
        // Codes are decoded to float32 on arrival: these two never reach
        // here, and are named for what they are.
        DType::F32 => "<f4",
        DType::U16 => "<u2",
        DType::U8 => "|u1",
    };
    let bytes = PyArray1::<u8>::from_slice(py, a.le_bytes());
    let typed = bytes.call_method1("view", (dtype,))?;
    read_only(&typed)?;
    Ok(typed)
}

fn read_only(a: &Bound<'_, PyAny>) -> PyResult<()> {
    a.call_method(
        "setflags",
        (),
        Some(&[("write", false)].into_py_dict(a.py())?),
    )?;
    Ok(())
}

fn f64_array<'py>(py: Python<'py>, values: Vec<f64>) -> PyResult<Bound<'py, PyAny>> {
    let a = PyArray1::from_vec(py, values).into_any();
    read_only(&a)?;
    Ok(a)
}

fn snapshot<'py>(py: Python<'py>, f: &Frame, plot_type: &str) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("kind", f.kind.name())?;
    d.set_item("seq", f.seq)?;
    d.set_item("timestamp", f.timestamp_us as f64 / 1e6)?;
    d.set_item("reduced", f.lod.is_some())?;
    d.set_item(
        "coded",
        f.parts
            .iter()
            .any(|p| p.y.coded_bits() > 0 || p.x.as_ref().is_some_and(|x| x.coded_bits() > 0)),
    )?;
    match f.kind {
        ChannelKind::Heatmap => {
            let values = match f.parts.first() {
                Some(p) => {
                    let a = array(py, &p.y)?;
                    if p.y.len() == f.nx as usize * f.ny as usize {
                        let shaped =
                            a.call_method1("reshape", ((f.ny as usize, f.nx as usize),))?;
                        read_only(&shaped)?;
                        shaped
                    } else {
                        a
                    }
                }
                None => py.None().into_bound(py),
            };
            d.set_item("values", values)?;
            d.set_item("range", f.range)?;
        }
        ChannelKind::Custom => {
            let arrays = PyDict::new(py);
            for p in &f.parts {
                arrays.set_item(&p.name, array(py, &p.y)?)?;
            }
            d.set_item("arrays", arrays)?;
            d.set_item("nx", f.nx)?;
            d.set_item("ny", f.ny)?;
            d.set_item("plot_type", plot_type)?;
        }
        ChannelKind::Line | ChannelKind::Scatter | ChannelKind::Bars | ChannelKind::Series => {
            let traces = PyDict::new(py);
            for p in &f.parts {
                let t = PyDict::new(py);
                match &p.x {
                    Some(x) => t.set_item("x", array(py, x)?)?,
                    None => t.set_item("x", py.None())?,
                }
                t.set_item("y", array(py, &p.y)?)?;
                traces.set_item(&p.name, t)?;
            }
            d.set_item("traces", traces)?;
        }
    }
    Ok(d)
}

fn series<'py>(py: Python<'py>, all: &[SeriesHistory]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("kind", ChannelKind::Series.name())?;
    d.set_item("reduced", all.iter().any(SeriesHistory::is_reduced))?;
    d.set_item("coded", false)?;
    let out = PyDict::new(py);
    for s in all {
        let (mut x, mut y) = (Vec::with_capacity(s.len()), Vec::with_capacity(s.len()));
        for (xs, ys) in s.runs() {
            x.extend_from_slice(xs);
            y.extend_from_slice(ys);
        }
        let t = PyDict::new(py);
        t.set_item("x", f64_array(py, x)?)?;
        t.set_item("y", f64_array(py, y)?)?;
        out.set_item(&s.name, t)?;
    }
    d.set_item("series", out)?;
    Ok(d)
}

/// The connection state as a word (`Update.status["connection"]`).
pub(crate) fn connection_name(c: &Connection) -> &'static str {
    match c {
        Connection::Connecting => "connecting",
        Connection::Connected => "connected",
        Connection::Unreachable { .. } => "unreachable",
        Connection::Reconnecting { .. } => "reconnecting",
        Connection::Ended { .. } => "ended",
        Connection::Interrupted { .. } => "interrupted",
        Connection::Stopped => "stopped",
        Connection::Lost { .. } => "lost",
    }
}
