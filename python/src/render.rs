//! `render` and `render_png`: the stock viewer's picture of an `Update`,
//! drawn by the viewer's own renderer (the one its window and its PNG
//! files use), for notebooks and for checks in scripts.

use numpy::PyArray1;
use plotcast_viewer::render::{png_bytes, render as draw};
use plotcast_viewer::view::ViewState;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::update::Update;

/// The largest side accepted (pixels): a typo must not allocate gigabytes.
const MAX_SIDE: u32 = 16_384;

fn size_of((width, height): (u32, u32)) -> PyResult<(u32, u32)> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(PyValueError::new_err(format!(
            "size must be (width, height) in pixels, each 1 to {MAX_SIDE}; got ({width}, {height})"
        )));
    }
    Ok((width, height))
}

/// Draws the update as the viewer would at `size` (width, height) into
/// RGB8 pixels, with the GIL released.
fn pixels(py: Python<'_>, update: &Update, size: (u32, u32)) -> PyResult<(u32, u32, Vec<u8>)> {
    let (w, h) = size_of(size)?;
    let rgb = py.detach(|| {
        let mut out = Vec::new();
        draw(&update.plot, &ViewState::default(), w, h, &mut out);
        out
    });
    Ok((w, h, rgb))
}

/// The stock viewer's picture of `update` (a Client's Update) at `size`
/// (width, height): a uint8 array of shape (height, width, 3).
#[pyfunction]
#[pyo3(signature = (update, size = (800, 600)), text_signature = "(update, size=(800, 600))")]
pub fn render<'py>(
    py: Python<'py>,
    update: &Update,
    size: (u32, u32),
) -> PyResult<Bound<'py, PyAny>> {
    let (w, h, rgb) = pixels(py, update, size)?;
    PyArray1::from_vec(py, rgb)
        .into_any()
        .call_method1("reshape", ((h as usize, w as usize, 3usize),))
}

/// As render(), encoded as a PNG (bytes): what a notebook shows.
#[pyfunction]
#[pyo3(signature = (update, size = (800, 600)), text_signature = "(update, size=(800, 600))")]
pub fn render_png<'py>(
    py: Python<'py>,
    update: &Update,
    size: (u32, u32),
) -> PyResult<Bound<'py, PyBytes>> {
    let (w, h, rgb) = pixels(py, update, size)?;
    let png = py
        .detach(|| png_bytes(w, h, &rgb))
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(PyBytes::new(py, &png))
}
