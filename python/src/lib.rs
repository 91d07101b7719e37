//! The `plotcast` Python package's native module (`plotcast._plotcast`).
//!
//! It wraps the Rust server library so that a Python loop gets the same
//! promises as a Rust one: publishing copies the data once and never waits
//! for a viewer, Ctrl-C stops the loop at once, and the viewer window
//! survives with the last plot. The network thread is Rust's own and never
//! takes the GIL; calls that can wait release it and check for signals.
//!
//! ```python
//! import numpy as np, plotcast
//! with plotcast.Server(title="heat") as s:
//!     temp = s.heatmap("temperature", colormap="viridis")
//!     energy = s.series("energy")
//!     for step in range(1000):
//!         temp.publish(grid)
//!         energy.push(step, grid.sum())
//! ```
//!
//! Built by maturin (`pip install ./python ./python/viewer`); `cargo build`
//! only compiles it. Layout:
//! - `server`: `Server`: options, channels, `stats`, `finish`, `close`.
//! - `channels`: the handles `Heatmap`, `Line`, `Scatter`, `Bars`, `Series`.
//! - `custom_channels`: `Quiver`, `Image`, `Custom` (named arrays for a
//!   plot type of the viewer).
//! - `parts`: the forms `publish` takes for traces, and their checks.
//! - `arrays`: numpy arrays read in place, anything else through numpy.
//! - `options`: channel options from keyword arguments.
//! - `open`: whether the server is still open, shared with its channels.
//! - `stats`: statistics and launch state as plain Python data.
//! - `client`: `Client`, the viewer side: the viewer's network thread,
//!   latest value wins, waits that Ctrl-C interrupts.
//! - `update`: `Update`, one received state as numpy arrays and dicts.
//! - `render`: `render`, `render_png`: the stock viewer's picture of an
//!   `Update` (for notebooks).

#![warn(missing_docs)]

mod arrays;
mod channels;
mod client;
mod custom_channels;
mod open;
mod options;
mod parts;
mod render;
mod server;
mod stats;
mod update;

use pyo3::prelude::*;

/// Logs of the Rust side go to stderr when RUST_LOG is set (for example
/// `RUST_LOG=plotcast=debug`); otherwise warnings only. Colours only when
/// stderr is a terminal (not in a log file, a pipe or a notebook).
fn init_logging() {
    use std::io::IsTerminal as _;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    // Another extension may have installed a subscriber already: keep it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Live plots for long computations: publish numpy arrays to a viewer
/// window without ever waiting for it.
#[pymodule]
fn _plotcast(m: &Bound<'_, PyModule>) -> PyResult<()> {
    init_logging();
    m.add_class::<server::PyServer>()?;
    m.add_function(wrap_pyfunction!(server::interrupt_open, m)?)?;
    m.add_class::<channels::PyHeatmap>()?;
    m.add_class::<channels::PyLine>()?;
    m.add_class::<channels::PyScatter>()?;
    m.add_class::<channels::PyBars>()?;
    m.add_class::<channels::PySeries>()?;
    m.add_class::<custom_channels::PyQuiver>()?;
    m.add_class::<custom_channels::PyImage>()?;
    m.add_class::<custom_channels::PyCustom>()?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<update::Update>()?;
    m.add_function(wrap_pyfunction!(render::render, m)?)?;
    m.add_function(wrap_pyfunction!(render::render_png, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
