//! `plotcast.Server`: starts the Rust server, makes channels, waits for
//! viewers at the end, and closes.
//!
//! Nothing here takes the GIL from the network side: the Rust server runs
//! its own threads and never calls into Python. Every call that can wait
//! (`start`, `finish`, `close`) releases the GIL, and `finish` waits in
//! short slices, checking for signals between them, so Ctrl-C interrupts it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use plotcast::{ChannelError, ServerError, ViewerLaunch, VIEWER_BIN};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::channels::{PyBars, PyHeatmap, PyLine, PyScatter, PySeries};
use crate::custom_channels::{PyCustom, PyImage, PyQuiver};
use crate::open::{closed_error, Open};
use crate::options::channel_options;
use crate::stats;

/// How long `finish` waits between two checks for Ctrl-C.
const SIGNAL_SLICE: Duration = Duration::from_millis(50);

/// A live plot server: binds a port (loopback by default), launches the
/// viewer window, and serves the channels you create to every viewer.
/// Publishing never waits for a viewer or the network.
///
///     with plotcast.Server(title="heat") as s:
///         temp = s.heatmap("temperature", colormap="magma")
///         for step in range(n):
///             temp.publish(grid)
///
/// Leaving the `with` block normally waits up to finish_timeout seconds
/// for viewers to receive the final values (see finish()); leaving it by an
/// exception (Ctrl-C included) closes at once. The viewer window stays
/// open, showing the last frame.
///
/// Arguments (all optional, keyword-only but title):
///     title: figure title (default: the script's name).
///     bind: "HOST:PORT" to listen on (default "127.0.0.1:0", any free
///         port; PLOTCAST_ADDR overrides it). A non-loopback address needs
///         an access token: one is generated and printed unless given.
///     token: access token viewers must present (or PLOTCAST_TOKEN).
///     insecure_no_token: serve a non-loopback address without a token.
///     viewer: True (default) launches plotcast-viewer: PLOTCAST_VIEWER
///         if set, else the one in this Python's bin/ folder (where
///         `pip install ./python/viewer` puts it), else next to the
///         interpreter or on PATH; False launches none
///         (PLOTCAST_NO_VIEWER=1 does too); a path launches that binary.
///     columns: columns of the figure grid (0: the viewer chooses).
///     max_viewers: viewers served at once (default 64).
///     history_points: default window of append series (default 100000).
///     finish_timeout: seconds leaving the `with` block waits (default 5).
///     use_env: whether PLOTCAST_* environment variables are read.
///     handshake_timeout, heartbeat_interval, heartbeat_timeout,
///     shutdown_grace: seconds (defaults 2, 2, 6 and 0.2).
///
/// Raises OSError when the address cannot be bound, ValueError for a bad
/// address or setting.
#[pyclass(frozen, module = "plotcast", name = "Server")]
pub(crate) struct PyServer {
    /// `None` once closed. An `Arc`, so that a wait can run without this
    /// lock: a thread holding the GIL may be blocked on the lock, and a
    /// waiter that needed both would deadlock.
    inner: Mutex<Option<Arc<plotcast::Server>>>,
    /// Shared with every channel made here: closed by `close()`.
    open: Open,
    address: String,
    port: u16,
    token: Option<String>,
    session_id: u64,
    finish_timeout: f64,
}

fn secs(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero() || name == "timeout")
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "{name} must be a positive number of seconds, got {value}"
            ))
        })
}

fn server_error(err: ServerError) -> PyErr {
    match err {
        ServerError::Bind { .. } | ServerError::Runtime(_) | ServerError::Random(_) => {
            PyOSError::new_err(err.to_string())
        }
        ServerError::BadAddr { .. }
        | ServerError::TokenRequired { .. }
        | ServerError::Config { .. } => PyValueError::new_err(err.to_string()),
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

/// A channel the server could not add: the arguments are fine, the
/// figure is full (ValueError, as for other channel arguments).
fn channel_error(err: ChannelError) -> PyErr {
    PyValueError::new_err(err.to_string())
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The viewer `pip install` put beside this Python: its scripts folder
/// (a venv's bin/), then the folder of `sys.executable` as invoked. The Rust
/// search looks next to the resolved executable, which for a venv is the
/// base interpreter's folder, not the venv's bin/.
fn viewer_beside_python(py: Python<'_>) -> PyResult<Option<PathBuf>> {
    let scripts: Option<String> = py
        .import("sysconfig")?
        .call_method1("get_path", ("scripts",))?
        .extract()?;
    let executable: Option<String> = py.import("sys")?.getattr("executable")?.extract()?;
    let candidates = scripts
        .map(PathBuf::from)
        .into_iter()
        .chain(
            executable
                .as_deref()
                .and_then(|e| Path::new(e).parent().map(Path::to_path_buf)),
        )
        .map(|dir| dir.join(VIEWER_BIN));
    Ok(candidates.into_iter().find(|p| is_executable(p)))
}

impl PyServer {
    fn lock(&self) -> MutexGuard<'_, Option<Arc<plotcast::Server>>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The running server, or an error once closed.
    fn server(&self) -> PyResult<Arc<plotcast::Server>> {
        self.lock()
            .as_ref()
            .map(Arc::clone)
            .ok_or_else(closed_error)
    }

    fn builder(
        &self,
        kind: &'static str,
        name: &str,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<plotcast::ChannelBuilder> {
        let options = channel_options(kind, name, options)?;
        self.server()?
            .channel(name)
            .options(options)
            .map_err(|err| PyValueError::new_err(format!("{kind} {name:?}: {err}")))
    }
}

#[pymethods]
impl PyServer {
    #[new]
    #[pyo3(signature = (
        title = None, *, bind = None, token = None, insecure_no_token = false,
        viewer = None, columns = 0, max_viewers = 64, history_points = 100_000,
        finish_timeout = 5.0, use_env = true, handshake_timeout = 2.0,
        heartbeat_interval = 2.0, heartbeat_timeout = 6.0, shutdown_grace = 0.2,
        nats = None, run = None, process = None, plotter = None, python = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        title: Option<String>,
        bind: Option<String>,
        token: Option<String>,
        insecure_no_token: bool,
        viewer: Option<&Bound<'_, PyAny>>,
        columns: u16,
        max_viewers: usize,
        history_points: usize,
        finish_timeout: f64,
        use_env: bool,
        handshake_timeout: f64,
        heartbeat_interval: f64,
        heartbeat_timeout: f64,
        shutdown_grace: f64,
        nats: Option<String>,
        run: Option<String>,
        process: Option<String>,
        plotter: Option<String>,
        python: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let title = match title {
            Some(t) => t,
            None => default_title(py),
        };
        let mut b = plotcast::Server::builder()
            .title(title)
            .columns(columns)
            .max_viewers(max_viewers)
            .history_points(history_points)
            .use_env(use_env)
            .handshake_timeout(secs("handshake_timeout", handshake_timeout)?)
            .heartbeat_interval(secs("heartbeat_interval", heartbeat_interval)?)
            .heartbeat_timeout(secs("heartbeat_timeout", heartbeat_timeout)?)
            .shutdown_grace(secs("shutdown_grace", shutdown_grace)?);
        secs("timeout", finish_timeout)
            .map_err(|_| PyValueError::new_err("finish_timeout must be >= 0 seconds"))?;
        if let Some(addr) = bind {
            b = b.bind(addr);
        }
        if let Some(token) = token {
            b = b.token(token);
        }
        if let Some(urls) = nats {
            b = b.nats(urls);
        }
        if let Some(run) = run {
            b = b.run(run);
        }
        if let Some(process) = process {
            b = b.process(process);
        }
        if insecure_no_token {
            b = b.insecure_no_token();
        }
        if let Some(plotter) = &plotter {
            if viewer.is_some_and(|v| !v.is_instance_of::<pyo3::types::PyBool>()) {
                return Err(PyValueError::new_err(
                    "give either viewer= (a viewer binary) or plotter= (a Python plotter class), not both",
                ));
            }
            if viewer.is_some_and(|v| v.extract::<bool>().is_ok_and(|b| !b)) {
                b = b.launch_viewer(false);
            } else {
                let (program, lead) = plotter_command(py, plotter, python)?;
                b = b.viewer_command(program, lead);
            }
        } else if python.is_some() {
            return Err(PyValueError::new_err(
                "python= is the interpreter a plotter= class runs in: give plotter= too",
            ));
        }
        let explicit = plotter.is_some()
            || viewer.is_some_and(|v| !v.is_instance_of::<pyo3::types::PyBool>())
            || (use_env && std::env::var_os("PLOTCAST_VIEWER").is_some_and(|v| !v.is_empty()));
        match viewer {
            _ if plotter.is_some() => {}
            None => b = auto_viewer(py, b, use_env)?,
            Some(v) if v.is_instance_of::<pyo3::types::PyBool>() => {
                if v.extract::<bool>()? {
                    b = auto_viewer(py, b, use_env)?;
                } else {
                    b = b.launch_viewer(false);
                }
            }
            Some(v) => {
                let path: PathBuf = v.extract().map_err(|_| {
                    PyTypeError::new_err(
                        "viewer= expects True, False or the path of a plotcast-viewer binary",
                    )
                })?;
                b = b.viewer_path(path);
            }
        }
        let searched = !explicit;
        let server = py.detach(|| b.start()).map_err(server_error)?;
        if searched && matches!(server.viewer_launch(), ViewerLaunch::NotFound { .. }) {
            // The library's hint speaks of cargo; a Python user installs the
            // viewer with pip.
            eprintln!(
                "plotcast: for Python, install the viewer into this environment with \
                 `pip install ./python/viewer` from the plotcast source"
            );
        }
        let addr = server.local_addr();
        let server = Arc::new(server);
        remember(&server);
        Ok(Self {
            address: addr.to_string(),
            port: addr.port(),
            token: server.token().map(str::to_owned),
            session_id: server.session_id(),
            inner: Mutex::new(Some(server)),
            open: Open::new(),
            finish_timeout,
        })
    }

    /// Says how the computation ended when it did not finish (interrupted
    /// or failed): viewers show it as such, not as a normal finish, once
    /// the server closes. Leaving a ``with`` block by an exception, and an
    /// uncaught exception ending the program, say so by themselves.
    fn interrupted(&self, reason: &str) -> PyResult<()> {
        self.server()?.interrupted(reason);
        Ok(())
    }

    /// The address viewers connect to, "HOST:PORT".
    #[getter]
    fn address(&self) -> &str {
        &self.address
    }

    /// The port the server listens on.
    #[getter]
    fn port(&self) -> u16 {
        self.port
    }

    /// The access token viewers must present, or None.
    #[getter]
    fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The random id of this run.
    #[getter]
    fn session_id(&self) -> u64 {
        self.session_id
    }

    /// Whether close() or finish() has stopped the server.
    #[getter]
    fn closed(&self) -> bool {
        self.lock().is_none()
    }

    /// What became of the viewer launch: a dict with "state" ("launched"
    /// with "path" and "pid", "disabled", "building", "not_found" with
    /// "hint", "failed" with "error").
    #[getter]
    fn viewer_launch<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        stats::launch(py, &self.server()?.viewer_launch())
    }

    /// A heatmap channel (publish 2-D arrays). Options: title, x_label,
    /// y_label, log_x, log_y, x_range, y_range (the colour range),
    /// cell=(row, col[, rows, cols]), colormap ("viridis", "magma",
    /// "inferno", "plasma", "coolwarm", "RdBu", "gray"; "_r" reverses;
    /// another name raises ValueError),
    /// value_label (the colourbar's label), extent=(left, right, bottom,
    /// top) (data coordinates of the grid, as matplotlib's imshow),
    /// tile=(x0, y0, global_nx, global_ny) (this process's part of a grid
    /// computed by several processes of a run through NATS).
    /// Asking again for the same name returns the same channel (the first
    /// call's options stay). Every kind raises ValueError when the figure
    /// cannot take another channel: with it, the layout (every channel's
    /// name and options) would be larger than a viewer accepts (1 MiB,
    /// some 20 000 to 50 000 channels).
    #[pyo3(signature = (name, /, **options))]
    #[pyo3(
        text_signature = "($self, name, /, *, title=None, x_label=None, y_label=None, log_x=False, log_y=False, x_range=None, y_range=None, cell=None, colormap=None, value_label=None, extent=None, tile=None)"
    )]
    fn heatmap(&self, name: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<PyHeatmap> {
        Ok(PyHeatmap {
            handle: self
                .builder("heatmap", name, options)?
                .try_heatmap()
                .map_err(channel_error)?,
            open: self.open.clone(),
        })
    }

    /// A line channel (one or more traces). Options as for heatmap():
    /// title, x_label, y_label, log_x, log_y, x_range, y_range, cell; and
    /// link_x: plots (line, scatter, bars, series) whose link_x names the
    /// same group share their x range (zoom one, all follow).
    #[pyo3(signature = (name, /, **options))]
    #[pyo3(
        text_signature = "($self, name, /, *, title=None, x_label=None, y_label=None, log_x=False, log_y=False, x_range=None, y_range=None, cell=None, link_x=None)"
    )]
    fn line(&self, name: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<PyLine> {
        Ok(PyLine {
            handle: self
                .builder("line", name, options)?
                .try_line()
                .map_err(channel_error)?,
            open: self.open.clone(),
        })
    }

    /// A scatter channel. Options as for line().
    #[pyo3(signature = (name, /, **options))]
    #[pyo3(
        text_signature = "($self, name, /, *, title=None, x_label=None, y_label=None, log_x=False, log_y=False, x_range=None, y_range=None, cell=None, link_x=None)"
    )]
    fn scatter(&self, name: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<PyScatter> {
        Ok(PyScatter {
            handle: self
                .builder("scatter", name, options)?
                .try_scatter()
                .map_err(channel_error)?,
            open: self.open.clone(),
        })
    }

    /// A bars / histogram channel. Options as for line().
    #[pyo3(signature = (name, /, **options))]
    #[pyo3(
        text_signature = "($self, name, /, *, title=None, x_label=None, y_label=None, log_x=False, log_y=False, x_range=None, y_range=None, cell=None, link_x=None)"
    )]
    fn bars(&self, name: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<PyBars> {
        Ok(PyBars {
            handle: self
                .builder("bars", name, options)?
                .try_bars()
                .map_err(channel_error)?,
            open: self.open.clone(),
        })
    }

    /// An append-mode series channel (push points). Options as for line(),
    /// plus history_points: the points kept per series (default: the
    /// server's history_points).
    #[pyo3(signature = (name, /, **options))]
    #[pyo3(
        text_signature = "($self, name, /, *, title=None, x_label=None, y_label=None, log_x=False, log_y=False, x_range=None, y_range=None, cell=None, history_points=None, link_x=None)"
    )]
    fn series(&self, name: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<PySeries> {
        Ok(PySeries {
            handle: self
                .builder("series", name, options)?
                .try_series()
                .map_err(channel_error)?,
            open: self.open.clone(),
        })
    }

    /// A vector field channel (arrows (u, v) on a grid, coloured by
    /// magnitude). Options as for line(): title, x_label, y_label, cell.
    #[pyo3(signature = (name, /, **options))]
    #[pyo3(
        text_signature = "($self, name, /, *, title=None, x_label=None, y_label=None, log_x=False, log_y=False, x_range=None, y_range=None, cell=None)"
    )]
    fn quiver(&self, name: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<PyQuiver> {
        Ok(PyQuiver {
            handle: self
                .builder("quiver", name, options)?
                .try_quiver()
                .map_err(channel_error)?,
            open: self.open.clone(),
        })
    }

    /// An RGB image channel (publish (ny, nx, 3) arrays). Options as for
    /// line(): title, x_label, y_label, cell.
    #[pyo3(signature = (name, /, **options))]
    #[pyo3(
        text_signature = "($self, name, /, *, title=None, x_label=None, y_label=None, log_x=False, log_y=False, x_range=None, y_range=None, cell=None)"
    )]
    fn image(&self, name: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<PyImage> {
        Ok(PyImage {
            handle: self
                .builder("image", name, options)?
                .try_image()
                .map_err(channel_error)?,
            open: self.open.clone(),
        })
    }

    /// A custom channel: named arrays drawn by the viewer's plot type
    /// `plot_type` ("quiver", "image", or one a viewer of your own
    /// registers: see the README's "Custom plots"). A plot-type name is 1
    /// to 64 ASCII letters, digits, _, -, . or :. Options as for line().
    #[pyo3(signature = (name, plot_type, /, **options))]
    #[pyo3(
        text_signature = "($self, name, plot_type, /, *, title=None, x_label=None, y_label=None, log_x=False, log_y=False, x_range=None, y_range=None, cell=None)"
    )]
    fn custom(
        &self,
        name: &str,
        plot_type: &str,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyCustom> {
        if let Err(err) = plotcast_protocol::custom::check_plot_type(plot_type) {
            return Err(PyValueError::new_err(format!("custom {name:?}: {err}")));
        }
        Ok(PyCustom {
            handle: self
                .builder("custom", name, options)?
                .try_custom(plot_type)
                .map_err(channel_error)?,
            open: self.open.clone(),
        })
    }

    /// Viewers connected now.
    fn viewer_count(&self) -> PyResult<usize> {
        Ok(self.server()?.viewer_count())
    }

    /// Current figures as plain data: {"viewers": [...], "channels": [...],
    /// "ended": [...]}. A viewer: addr, peer_name, connected_since (Unix
    /// seconds), frames_sent, frames_skipped, bytes_sent, batches,
    /// round_trip (seconds or None); ended ones add reason and ended_at. A
    /// channel: id, name, kind, publishes, invalid, seq. "relay": None, or
    /// when publishing through NATS: run, process, connected, puts, bytes,
    /// skipped, failed, overviews, series_chunks, series_points_skipped,
    /// requests, bad_requests, last_error.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.server()?;
        let figures = py.detach(|| s.stats());
        stats::stats(py, &figures)
    }

    /// Ends the run gracefully: waits up to `timeout` seconds until every
    /// viewer that is asking for data has received the final values (and
    /// for a just-launched viewer to connect), then closes the server.
    /// Returns whether every viewer was up to date. Ctrl-C interrupts the
    /// wait (KeyboardInterrupt; the server is closed). Does nothing and
    /// returns False when already closed.
    #[pyo3(signature = (timeout = 5.0))]
    fn finish(&self, py: Python<'_>, timeout: f64) -> PyResult<bool> {
        let total = secs("timeout", timeout)?;
        let Some(server) = self.lock().as_ref().map(Arc::clone) else {
            return Ok(false);
        };
        let deadline = Instant::now() + total;
        let synced = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let slice = left.min(SIGNAL_SLICE);
            if py.detach(|| server.wait_synced(slice)) {
                break true;
            }
            if left.is_zero() {
                break false;
            }
            if let Err(interrupted) = py.check_signals() {
                drop(server);
                self.close(py);
                return Err(interrupted);
            }
        };
        drop(server);
        self.close(py);
        Ok(synced)
    }

    /// Stops the server at once: says goodbye to every viewer (bounded by
    /// shutdown_grace), closes connections and frees the port. The viewer
    /// window stays open with the last frame. Afterwards the channels'
    /// publish, push and extend raise RuntimeError, as the server's
    /// methods do. Safe to call twice.
    fn close(&self, py: Python<'_>) {
        self.open.close();
        let server = self.lock().take();
        // The last reference stops the network thread: without the GIL.
        py.detach(move || drop(server));
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Normal exit: finish(finish_timeout). Exit by an exception (Ctrl-C
    /// included): close(), and viewers show the computation as
    /// interrupted, naming the exception.
    #[pyo3(signature = (exc_type, exc_value, _traceback))]
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        exc_value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        match exc_type {
            None => {
                self.finish(py, self.finish_timeout)?;
            }
            Some(exc_type) => {
                if let Some(server) = self.lock().as_ref() {
                    server.interrupted(exception_words(exc_type, exc_value));
                }
                self.close(py);
            }
        }
        Ok(false)
    }

    fn __repr__(&self) -> String {
        let state = if self.closed() { " closed" } else { "" };
        format!("<plotcast.Server {}{state}>", self.address)
    }
}

/// Every server made in this process that may still be open: when an
/// uncaught exception ends the program, the package's exit hook says so to
/// their viewers ([`interrupt_open`]) before they are dropped.
static OPEN: Mutex<Vec<std::sync::Weak<plotcast::Server>>> = Mutex::new(Vec::new());

fn remember(server: &Arc<plotcast::Server>) {
    let mut open = lock_open(&OPEN);
    open.retain(|s| s.strong_count() > 0);
    open.push(Arc::downgrade(server));
}

/// The lock, also after a panic elsewhere (the list stays usable).
fn lock_open<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `_interrupt_open(reason)`: every server still open says `reason` as its
/// goodbye (the package calls it at exit when an exception ended the
/// program).
#[pyfunction]
#[pyo3(name = "_interrupt_open")]
pub(crate) fn interrupt_open(reason: &str) {
    for server in lock_open(&OPEN).iter().filter_map(std::sync::Weak::upgrade) {
        server.interrupted(reason);
    }
}

/// How an exception ended the `with` block, for the viewers:
/// `KeyboardInterrupt`, or `ValueError: the message` (cut to a line).
fn exception_words(exc_type: &Bound<'_, PyAny>, exc_value: Option<&Bound<'_, PyAny>>) -> String {
    let name = exc_type
        .getattr("__name__")
        .and_then(|n| n.extract::<String>())
        .unwrap_or_else(|_| "an exception".into());
    let message = exc_value
        .and_then(|v| v.str().ok())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let message: String = message
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    if message.is_empty() {
        name
    } else {
        format!("{name}: {message}")
    }
}

/// The builder with the viewer found beside this Python, unless the user
/// named one through `PLOTCAST_VIEWER`.
fn auto_viewer(
    py: Python<'_>,
    b: plotcast::ServerBuilder,
    use_env: bool,
) -> PyResult<plotcast::ServerBuilder> {
    let named = use_env && std::env::var_os("PLOTCAST_VIEWER").is_some_and(|v| !v.is_empty());
    if named {
        return Ok(b);
    }
    Ok(match viewer_beside_python(py)? {
        Some(path) => b.viewer_path(path),
        None => b,
    })
}

/// The script's name (`heat` for `python heat.py`, `pkg` for `python -m
/// pkg`), else "python".
fn default_title(py: Python<'_>) -> String {
    let argv0 = py
        .import("sys")
        .and_then(|sys| sys.getattr("argv"))
        .and_then(|argv| argv.get_item(0))
        .ok()
        .filter(|a| a.is_instance_of::<PyString>())
        .and_then(|a| a.extract::<String>().ok())
        .unwrap_or_default();
    let path = Path::new(&argv0);
    // `python -m pkg` runs pkg/__main__.py: the package names the run.
    let named = match path.file_stem() {
        Some(stem) if stem == "__main__" => path.parent().and_then(Path::file_name),
        stem => stem,
    };
    named
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty() && s != "-c")
        .unwrap_or_else(|| "python".into())
}

/// The interpreter and its arguments that run a plotter class:
/// `[*python, "-m", "plotcast.view", "--plotter", plotter]`, the address
/// following. `python` defaults to this interpreter (`sys.executable`). The
/// class is named by import path and imported by the new interpreter:
/// nothing is pickled (a pickle from elsewhere runs arbitrary code).
fn plotter_command(
    py: Python<'_>,
    plotter: &str,
    python: Option<Vec<String>>,
) -> PyResult<(PathBuf, Vec<String>)> {
    let Some((module, class)) = plotter.split_once(':') else {
        return Err(PyValueError::new_err(format!(
            "plotter={plotter:?}: name the class as \"package.module:Class\""
        )));
    };
    if module.trim().is_empty() || class.trim().is_empty() {
        return Err(PyValueError::new_err(format!(
            "plotter={plotter:?}: name the class as \"package.module:Class\""
        )));
    }
    let mut python = match python {
        Some(list) if list.is_empty() => {
            return Err(PyValueError::new_err(
                "python= must name an interpreter, e.g. [sys.executable]",
            ))
        }
        Some(list) => list,
        None => vec![py
            .import("sys")?
            .getattr("executable")?
            .extract::<String>()?],
    };
    let program = PathBuf::from(python.remove(0));
    python.extend(
        ["-m", "plotcast.view", "--plotter", plotter]
            .into_iter()
            .map(str::to_owned),
    );
    Ok((program, python))
}
