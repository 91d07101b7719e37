//! The custom channels Python publishes through, as Rust has them:
//! `Quiver` (a vector field), `Image` (RGB pixels) and `Custom` (named
//! arrays drawn by a plot type of the viewer: one of your own viewer, see
//! the README's "Custom plots").
//!
//! Arrays are read in place when they are C-contiguous float64/float32
//! (uint8 too for images), as for the stock channels (see `arrays`), and
//! the Rust publish copies them once without waiting for a viewer.

use numpy::{PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::{describe_shape, read, Arg, Values};
use crate::open::Open;

fn repr(kind: &str, name: &str) -> String {
    format!("<plotcast.{kind} {name:?}>")
}

/// A vector field channel: arrows (u, v) on a grid, coloured by magnitude
/// (the viewer's built-in `quiver` plot type).
///
/// Made by Server.quiver(name, ...); cheap to share between threads.
#[pyclass(frozen, module = "plotcast", name = "Quiver")]
pub(crate) struct PyQuiver {
    pub(crate) handle: plotcast::Quiver,
    pub(crate) open: Open,
}

#[pymethods]
impl PyQuiver {
    /// The channel's name.
    #[getter]
    fn name(&self) -> &str {
        self.handle.name()
    }

    /// Publishes the field: u and v are 2-D arrays of the same shape
    /// (ny, nx), row 0 at the bottom (as Heatmap.publish), float64 or
    /// float32 (other real dtypes are converted). Never waits for a viewer.
    ///
    /// Raises ValueError for shapes that are not 2-D, differ or are empty,
    /// TypeError for values that are not real numbers, RuntimeError once
    /// the server is closed.
    #[pyo3(signature = (u, v, /))]
    fn publish(&self, py: Python<'_>, u: &Bound<'_, PyAny>, v: &Bound<'_, PyAny>) -> PyResult<()> {
        self.open.check()?;
        let h = &self.handle;
        let arg = |name| Arg {
            kind: "quiver",
            channel: h.name(),
            name,
        };
        let (a, b) = (read(u, arg("u"))?, read(v, arg("v"))?);
        let &[ny, nx] = a.shape() else {
            return Err(PyValueError::new_err(format!(
                "{}: expected a 2-D array of shape (ny, nx), got {}",
                arg("u"),
                describe_shape(a.shape())
            )));
        };
        if a.shape() != b.shape() || nx == 0 || ny == 0 {
            return Err(PyValueError::new_err(format!(
                "quiver {:?}: u and v must be non-empty and of one shape, got {} and {}",
                h.name(),
                describe_shape(a.shape()),
                describe_shape(b.shape())
            )));
        }
        match (a.values(), b.values()) {
            (Values::F32(u), Values::F32(v)) => py.detach(|| h.publish_f32(u, v, nx, ny)),
            _ => {
                let (u, v) = (a.f64(), b.f64());
                py.detach(|| h.publish(&u, &v, nx, ny));
            }
        }
        Ok(())
    }

    fn __repr__(&self) -> String {
        repr("Quiver", self.handle.name())
    }
}

/// An RGB image channel (the viewer's built-in `image` plot type).
///
/// Made by Server.image(name, ...); cheap to share between threads.
#[pyclass(frozen, module = "plotcast", name = "Image")]
pub(crate) struct PyImage {
    pub(crate) handle: plotcast::Image,
    pub(crate) open: Open,
}

#[pymethods]
impl PyImage {
    /// The channel's name.
    #[getter]
    fn name(&self) -> &str {
        self.handle.name()
    }

    /// Publishes pixels: an array of shape (ny, nx, 3) in image order (the
    /// top row first, as image files, cameras and matplotlib's imshow
    /// have them), uint8 (0 to 255) or floats in 0 to 1 (values outside
    /// are clamped by the viewer). Never waits for a viewer.
    ///
    /// Raises ValueError for another shape or an empty image, TypeError
    /// for values that are not real numbers, RuntimeError once the server
    /// is closed.
    #[pyo3(signature = (rgb, /))]
    fn publish(&self, py: Python<'_>, rgb: &Bound<'_, PyAny>) -> PyResult<()> {
        self.open.check()?;
        let h = &self.handle;
        let bad_shape = |shape: &[usize]| {
            PyValueError::new_err(format!(
                "image {:?}: rgb: expected an array of shape (ny, nx, 3), got {}",
                h.name(),
                describe_shape(shape)
            ))
        };
        // uint8 pixels in place: the common case of a camera or a file.
        if let Ok(bytes) = rgb.extract::<PyReadonlyArrayDyn<'_, u8>>() {
            let shape = bytes.shape().to_vec();
            let &[ny, nx, 3] = &shape[..] else {
                return Err(bad_shape(&shape));
            };
            if nx == 0 || ny == 0 {
                return Err(bad_shape(&shape));
            }
            match bytes.as_slice() {
                Ok(pixels) => py.detach(|| h.publish_rgb(pixels, nx, ny)),
                // Strided: copied in logical (C) order first.
                Err(_) => {
                    let pixels: Vec<u8> = bytes.as_array().iter().copied().collect();
                    py.detach(|| h.publish_rgb(&pixels, nx, ny));
                }
            }
            return Ok(());
        }
        let arg = Arg {
            kind: "image",
            channel: h.name(),
            name: "rgb",
        };
        let a = read(rgb, arg)?;
        let &[ny, nx, 3] = a.shape() else {
            return Err(bad_shape(a.shape()));
        };
        if nx == 0 || ny == 0 {
            return Err(bad_shape(a.shape()));
        }
        match a.values() {
            Values::F32(v) => py.detach(|| h.publish_rgb_f32(v, nx, ny)),
            Values::F64(v) => {
                let narrow: Vec<f32> = v.iter().map(|&x| x as f32).collect();
                py.detach(|| h.publish_rgb_f32(&narrow, nx, ny));
            }
        }
        Ok(())
    }

    fn __repr__(&self) -> String {
        repr("Image", self.handle.name())
    }
}

/// A custom channel: named arrays, drawn by a plot type of the viewer
/// (the built-in "quiver" and "image", or one your own viewer registers).
///
/// Made by Server.custom(name, plot_type, ...); cheap to share between
/// threads.
#[pyclass(frozen, module = "plotcast", name = "Custom")]
pub(crate) struct PyCustom {
    pub(crate) handle: plotcast::Custom,
    pub(crate) open: Open,
}

#[pymethods]
impl PyCustom {
    /// The channel's name.
    #[getter]
    fn name(&self) -> &str {
        self.handle.name()
    }

    /// The plot type that draws it.
    #[getter]
    fn plot_type(&self) -> String {
        self.handle.plot_type()
    }

    /// Publishes named arrays together (they replace the previous ones
    /// together, latest value wins): `arrays` maps names to arrays of any
    /// length, float64 or float32 (other real dtypes are converted; the
    /// arrays are flattened in C order), and `grid=(nx, ny)` gives the
    /// grid they are laid out on, if any. Never waits for a viewer.
    ///
    ///     flow.publish({"u": u, "v": v}, grid=(nx, ny))
    ///
    /// Raises TypeError for a name that is not a str or values that are
    /// not real numbers, RuntimeError once the server is closed.
    #[pyo3(signature = (arrays, /, grid = None))]
    fn publish(&self, arrays: &Bound<'_, PyDict>, grid: Option<(usize, usize)>) -> PyResult<()> {
        self.open.check()?;
        let h = &self.handle;
        let mut names = Vec::with_capacity(arrays.len());
        let mut read_arrays = Vec::with_capacity(arrays.len());
        for (key, value) in arrays.iter() {
            let name: String = key.extract().map_err(|_| {
                PyTypeError::new_err(format!("custom {:?}: array names must be str", h.name()))
            })?;
            let arg = Arg {
                kind: "custom",
                channel: h.name(),
                name: "arrays",
            };
            read_arrays.push(read(&value, arg)?);
            names.push(name);
        }
        let values: Vec<Values<'_>> = read_arrays.iter().map(|a| a.values()).collect();
        let refs: Vec<(&str, &dyn plotcast::Values)> = names
            .iter()
            .zip(&values)
            .map(|(n, v)| {
                let v: &dyn plotcast::Values = match v {
                    Values::F64(v) => v,
                    Values::F32(v) => v,
                };
                (n.as_str(), v)
            })
            .collect();
        let (nx, ny) = grid.unwrap_or((0, 0));
        // Under the GIL: the arrays are borrowed from Python objects.
        h.publish(&refs, nx, ny);
        Ok(())
    }

    fn __repr__(&self) -> String {
        repr("Custom", self.handle.name())
    }
}
