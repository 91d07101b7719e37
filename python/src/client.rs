//! `Client`: the viewer side in Python. It runs the viewer's own network
//! thread (Rust, never holding the GIL) and hands Python the newest state
//! as an [`Update`] of numpy arrays, latest value wins: the server sends a
//! batch only after the previous one was taken with `latest()`, so a
//! consumer slower than the computation skips values and never queues
//! them, exactly as the window does.
//!
//! ```python
//! with plotcast.Client("127.0.0.1:47800") as client:
//!     for update in client:
//!         print(update.batch, update["temperature"]["values"].mean())
//! ```

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use clap::Parser as _;
use plotcast_viewer::cli::Cli;
use plotcast_viewer::net::{NetConfig, NetEvent, NetHandle, Shared};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::update::{connection_name, status_dict, Update};

/// How often a waiting call wakes to check for Ctrl-C: well under the
/// 100 ms within which the user expects KeyboardInterrupt.
const SIGNAL_CHECK: Duration = Duration::from_millis(20);

/// Wake-ups from the network thread: a counter and a condition variable,
/// so a waiting Python thread (GIL released) sleeps until something
/// changed instead of polling.
#[derive(Debug, Default)]
struct Wakes {
    state: Mutex<WakeState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct WakeState {
    /// The network thread has ended (asked to, or the stream ended).
    finished: bool,
}

impl Wakes {
    fn lock(&self) -> MutexGuard<'_, WakeState> {
        plotcast_protocol::util::lock(&self.state)
    }

    fn notify(&self, event: NetEvent) {
        let mut state = self.lock();
        if event == NetEvent::Finished {
            state.finished = true;
        }
        drop(state);
        self.changed.notify_all();
    }
}

/// The running network side.
struct Running {
    shared: Arc<Shared>,
    net: NetHandle,
}

/// A viewer of a running computation, in Python: `latest()` returns the
/// newest values of every channel as numpy arrays, `wait_for_update()`
/// waits for newer ones, and iterating yields each newer state until the
/// computation ends. Data is always full resolution (bit-identical to what
/// was published). The network runs on a Rust thread that never holds the
/// GIL.
///
/// address: "host:port" (a server started with plotcast.Server) or
/// "nats://[user:password@]host:port/RUN" (a run relayed through NATS).
/// token: the server's access token (default: $PLOTCAST_TOKEN).
/// name: shown in the server's logs. reconnect: reconnect when the
/// server goes away (default True); False keeps the final state once the
/// computation ends, and iteration stops there.
#[pyclass(name = "Client", module = "plotcast", frozen)]
pub struct PyClient {
    running: Mutex<Option<Running>>,
    wakes: Arc<Wakes>,
    /// The batch number of the last `latest()`.
    taken: Mutex<u64>,
    address: String,
    reconnect: bool,
}

impl PyClient {
    fn running(&self) -> MutexGuard<'_, Option<Running>> {
        plotcast_protocol::util::lock(&self.running)
    }

    fn shared(&self) -> PyResult<Arc<Shared>> {
        self.running()
            .as_ref()
            .map(|r| Arc::clone(&r.shared))
            .ok_or_else(|| PyRuntimeError::new_err("the client is closed"))
    }

    fn taken(&self) -> u64 {
        *plotcast_protocol::util::lock(&self.taken)
    }

    /// Whether `latest()` would return something new: a newer batch, or
    /// the end of the stream not yet seen.
    fn has_news(&self, shared: &Shared) -> bool {
        shared.batch() > self.taken() || (self.wakes.lock().finished && !self.end_seen())
    }

    fn end_seen(&self) -> bool {
        // `taken` is set past every batch once the final state was taken.
        self.taken() == u64::MAX
    }
}

/// The command-line parser of the viewer, so that an address means the
/// same here as for `plotcast-viewer` (host:port forms, nats:// runs,
/// $PLOTCAST_TOKEN and $PLOTCAST_NATS_* in the environment).
fn net_config(address: &str, token: Option<String>, reconnect: bool) -> PyResult<NetConfig> {
    let mut args = vec!["plotcast.Client".to_owned(), address.to_owned()];
    if let Some(token) = token {
        args.extend(["--token".to_owned(), token]);
    }
    let cli = Cli::try_parse_from(&args).map_err(|e| {
        let text = e.to_string();
        let first = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("invalid address");
        PyValueError::new_err(format!(
            "{address:?}: {}",
            first.trim_start_matches("error: ")
        ))
    })?;
    if cli.replay_file().is_some() {
        return Err(PyValueError::new_err(format!(
            "{address:?} is not a server address (host:port) or a NATS run (nats://host:port/RUN)"
        )));
    }
    let cfg = plotcast_viewer::options::net_config(&cli);
    Ok(NetConfig {
        // Bit-identical values: no level of detail, no overview.
        level_of_detail: false,
        overview: None,
        reconnect,
        peer_name: match plotcast_protocol::util::host_name() {
            Some(host) => format!("plotcast.Client@{host}"),
            None => format!("plotcast.Client@pid{}", std::process::id()),
        },
        ..cfg
    })
}

#[pymethods]
impl PyClient {
    #[new]
    #[pyo3(signature = (address, *, token = None, name = None, reconnect = true))]
    fn new(
        py: Python<'_>,
        address: &str,
        token: Option<String>,
        name: Option<String>,
        reconnect: bool,
    ) -> PyResult<Self> {
        let mut cfg = net_config(address, token, reconnect)?;
        if let Some(name) = name {
            cfg.peer_name = name;
        }
        let shown = cfg.addr.clone();
        let wakes = Arc::new(Wakes::default());
        let shared = Arc::new(Shared::default());
        let waker = Arc::clone(&wakes);
        let net = py
            .detach(|| NetHandle::spawn(cfg, Arc::clone(&shared), move |e| waker.notify(e)))
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok(Self {
            running: Mutex::new(Some(Running { shared, net })),
            wakes,
            taken: Mutex::new(0),
            address: shown,
            reconnect,
        })
    }

    /// The address watched (a NATS run without its password).
    #[getter]
    fn address(&self) -> &str {
        &self.address
    }

    /// Whether the computation has ended (finished, interrupted, stopped or
    /// lost) and this client will not reconnect.
    #[getter]
    fn ended(&self) -> bool {
        self.wakes.lock().finished
    }

    /// The connection's status now, as `Update.status` gives it, also
    /// before any data arrived: why a connection failed (a wrong address,
    /// a refused token) is here.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let status = self.shared()?.update(|s| s.status.clone());
        let age = status
            .newest_age(plotcast_viewer::clock::now_us())
            .map(|a| a.as_secs_f64());
        status_dict(py, &status, age)
    }

    /// The newest state: an Update with every channel's newest values, or
    /// None before the first layout arrived. Never waits. Taking it tells
    /// the server that this consumer is ready for the next values.
    fn latest(&self, py: Python<'_>) -> PyResult<Option<Update>> {
        let shared = self.shared()?;
        let ended = self.ended();
        let (plot, batch) = py.detach(|| shared.snapshot());
        // Everything up to `batch` is consumed: the network thread may ask
        // for the next batch (the window says this after drawing).
        shared.presented(batch);
        *plotcast_protocol::util::lock(&self.taken) = if ended { u64::MAX } else { batch };
        if plot.layout_version == 0 {
            return Ok(None);
        }
        Ok(Some(Update::new(plot, batch, ended)))
    }

    /// Waits until something newer than the last latest() arrived, or the
    /// stream ended: returns True then, False when `timeout` (seconds)
    /// passed first. The GIL is released while waiting; Ctrl-C raises
    /// KeyboardInterrupt within 100 ms.
    #[pyo3(signature = (timeout = None))]
    fn wait_for_update(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let deadline = match timeout {
            Some(t) if t.is_finite() && t >= 0.0 => {
                Some(Instant::now() + Duration::from_secs_f64(t.min(1e9)))
            }
            Some(_) => {
                return Err(PyValueError::new_err(
                    "timeout must be a number of seconds >= 0, or None",
                ))
            }
            None => None,
        };
        let shared = self.shared()?;
        loop {
            if self.has_news(&shared) {
                return Ok(true);
            }
            if self.end_seen() {
                // The final state was taken: nothing will come.
                return Ok(false);
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return Ok(false);
            }
            let slice = deadline.map_or(SIGNAL_CHECK, |d| (d - now).min(SIGNAL_CHECK));
            py.detach(|| {
                let state = self.wakes.lock();
                if shared.batch() <= self.taken() && !state.finished {
                    // A wake between the check and this wait is not lost:
                    // the slice is short.
                    drop(self.wakes.changed.wait_timeout(state, slice));
                }
            });
            py.check_signals()?;
        }
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// The next newer state (waits for it); stops once the computation
    /// ended and its final state was returned.
    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Update>> {
        loop {
            if self.end_seen() {
                return Ok(None);
            }
            self.wait_for_update(py, None)?;
            if let Some(update) = self.latest(py)? {
                return Ok(Some(update));
            }
            if self.end_seen() {
                return Ok(None);
            }
        }
    }

    /// Stops the network thread (says goodbye to the server). Idempotent.
    fn close(&self, py: Python<'_>) {
        let running = self.running().take();
        if let Some(running) = running {
            py.detach(|| drop(running.net.shutdown()));
        }
        self.wakes.notify(NetEvent::Finished);
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        let state = match self.running().as_ref() {
            None => "closed".to_owned(),
            Some(r) => connection_name(&r.shared.update(|s| s.status.connection.clone())).into(),
        };
        format!(
            "plotcast.Client({:?}, {state}{})",
            self.address,
            if self.reconnect { "" } else { ", no reconnect" }
        )
    }
}

impl Drop for PyClient {
    fn drop(&mut self) {
        if let Some(running) = self.running().take() {
            drop(running.net.shutdown());
        }
    }
}
