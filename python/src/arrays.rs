//! Reading what Python passes as data: numpy arrays in place, anything else
//! (lists, the buffer protocol, other dtypes or layouts) through numpy.
//!
//! A C-contiguous, aligned float64 or float32 numpy array is borrowed, not
//! copied: the publish that follows copies it once into the wire format,
//! as the Rust API does. Integer and bool arrays, non-native byte order,
//! float16 and long double are converted to float64 by numpy; strided or
//! Fortran-ordered arrays are copied in logical (C) order. Complex, object,
//! string and date arrays raise `TypeError`.

use std::borrow::Cow;
use std::fmt;

use numpy::prelude::*;
use numpy::{PyArrayDyn, PyReadonlyArrayDyn, PyUntypedArray};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyString};

/// Which argument of which channel is being read, for error messages
/// (formatted only when there is an error).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arg<'a> {
    /// Kind of the channel (`heatmap`, `line`, ...).
    pub(crate) kind: &'static str,
    /// Channel name.
    pub(crate) channel: &'a str,
    /// Argument name (`y`, `x`, `heights`, trace name, ...).
    pub(crate) name: &'a str,
}

impl fmt::Display for Arg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}: {}", self.kind, self.channel, self.name)
    }
}

/// The numbers of one array argument.
enum Data<'py> {
    /// Read in place (C-contiguous and aligned).
    F64(PyReadonlyArrayDyn<'py, f64>),
    /// Read in place (C-contiguous and aligned).
    F32(PyReadonlyArrayDyn<'py, f32>),
    /// Copied: another layout.
    Owned(Vec<f64>),
}

/// One array argument: its numbers and its shape.
pub(crate) struct Array<'py> {
    data: Data<'py>,
    shape: Vec<usize>,
}

/// Borrowed numbers in the dtype they came in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Values<'a> {
    /// float64 (or converted to it).
    F64(&'a [f64]),
    /// float32, as given.
    F32(&'a [f32]),
}

const CONTIGUOUS: &str = "checked C-contiguous and aligned when the array was read";

impl<'py> Array<'py> {
    /// The shape as numpy gives it.
    pub(crate) fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of values.
    pub(crate) fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// The values without conversion.
    pub(crate) fn values(&self) -> Values<'_> {
        match &self.data {
            Data::F64(a) => Values::F64(a.as_slice().expect(CONTIGUOUS)),
            Data::F32(a) => Values::F32(a.as_slice().expect(CONTIGUOUS)),
            Data::Owned(v) => Values::F64(v),
        }
    }

    /// The values as float64 (float32 is widened, a copy).
    pub(crate) fn f64(&self) -> Cow<'_, [f64]> {
        match self.values() {
            Values::F64(v) => Cow::Borrowed(v),
            Values::F32(v) => Cow::Owned(v.iter().map(|&x| f64::from(x)).collect()),
        }
    }

    /// Bytes of data, to decide whether a publish is worth releasing the
    /// GIL for.
    pub(crate) fn nbytes(&self) -> usize {
        match self.values() {
            Values::F64(v) => std::mem::size_of_val(v),
            Values::F32(v) => std::mem::size_of_val(v),
        }
    }

    /// Insists on a 1-D array.
    pub(crate) fn one_d(self, arg: Arg<'_>) -> PyResult<Self> {
        if self.shape.len() == 1 {
            return Ok(self);
        }
        let hint = if self.shape.len() == 2 {
            "; to draw each row, publish them as named traces, e.g. publish(a=m[0], b=m[1])"
        } else {
            ""
        };
        Err(PyValueError::new_err(format!(
            "{arg}: expected a 1-D array, got {}{hint}",
            describe_shape(&self.shape)
        )))
    }
}

/// `a 2-D array of shape (3, 4)`, `a scalar (0-D array)`.
pub(crate) fn describe_shape(shape: &[usize]) -> String {
    if shape.is_empty() {
        return "a scalar (0-D array)".into();
    }
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    let trailing = if shape.len() == 1 { "," } else { "" };
    format!(
        "a {}-D array of shape ({}{trailing})",
        shape.len(),
        dims.join(", ")
    )
}

/// Reads one array argument. See the module doc for what is copied.
///
/// # Errors
/// `TypeError` for values that are not real numbers (strings, complex,
/// objects, `None`), `ValueError` when numpy cannot make an array of them
/// (ragged lists).
pub(crate) fn read<'py>(obj: &Bound<'py, PyAny>, arg: Arg<'_>) -> PyResult<Array<'py>> {
    // The fast path: a float array, no Python calls.
    if let Ok(a) = obj.cast::<PyArrayDyn<f64>>() {
        return borrow_f64(a, arg);
    }
    if let Ok(a) = obj.cast::<PyArrayDyn<f32>>() {
        return borrow_f32(a, arg);
    }
    let py = obj.py();
    let array = match obj.cast::<PyUntypedArray>() {
        Ok(a) => a.clone(),
        Err(_) => as_numpy(obj, arg)?,
    };
    if let Ok(a) = array.cast::<PyArrayDyn<f64>>() {
        return borrow_f64(a, arg);
    }
    if let Ok(a) = array.cast::<PyArrayDyn<f32>>() {
        return borrow_f32(a, arg);
    }
    let dtype = array.dtype();
    match dtype.kind() {
        // Integers, bools, float16, long double, non-native byte order.
        b'i' | b'u' | b'b' | b'f' => {
            static FLOAT64: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
            let float64 = FLOAT64.import(py, "numpy", "float64")?;
            let converted = array.call_method1("astype", (float64,))?;
            let a = converted.cast::<PyArrayDyn<f64>>().map_err(|_| {
                PyTypeError::new_err(format!("{arg}: numpy did not convert {dtype} to float64"))
            })?;
            borrow_f64(a, arg)
        }
        _ => Err(PyTypeError::new_err(format!(
            "{arg}: expected real numbers (a float64, float32, integer or bool array, \
             a list of numbers, or an object with the buffer protocol), got an array of dtype {dtype}"
        ))),
    }
}

/// `numpy.asarray(obj)`, with errors that say which argument it was.
fn as_numpy<'py>(obj: &Bound<'py, PyAny>, arg: Arg<'_>) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = obj.py();
    let type_name = || {
        obj.get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string())
    };
    if obj.is_none() || obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "{arg}: expected an array of numbers, got {}",
            type_name()
        )));
    }
    static ASARRAY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let asarray = ASARRAY.import(py, "numpy", "asarray")?;
    let converted = asarray.call1((obj,)).map_err(|err| {
        let msg = format!(
            "{arg}: expected an array of numbers, got {} that numpy cannot read as one: {}",
            type_name(),
            err.value(py)
        );
        let new = if err.is_instance_of::<PyValueError>(py) {
            PyValueError::new_err(msg)
        } else {
            PyTypeError::new_err(msg)
        };
        new.set_cause(py, Some(err));
        new
    })?;
    converted.cast_into::<PyUntypedArray>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{arg}: numpy.asarray did not return an array for {}",
            type_name()
        ))
    })
}

fn borrow_f64<'py>(a: &Bound<'py, PyArrayDyn<f64>>, arg: Arg<'_>) -> PyResult<Array<'py>> {
    let shape = a.shape().to_vec();
    let ro = a.try_readonly().map_err(|e| borrow_error(arg, e))?;
    let data = if a.is_c_contiguous() && ro.as_slice().is_ok() {
        Data::F64(ro)
    } else {
        Data::Owned(ro.as_array().iter().copied().collect())
    };
    Ok(Array { data, shape })
}

fn borrow_f32<'py>(a: &Bound<'py, PyArrayDyn<f32>>, arg: Arg<'_>) -> PyResult<Array<'py>> {
    let shape = a.shape().to_vec();
    let ro = a.try_readonly().map_err(|e| borrow_error(arg, e))?;
    let data = if a.is_c_contiguous() && ro.as_slice().is_ok() {
        Data::F32(ro)
    } else {
        Data::Owned(ro.as_array().iter().map(|&x| f64::from(x)).collect())
    };
    Ok(Array { data, shape })
}

fn borrow_error(arg: Arg<'_>, err: numpy::BorrowError) -> PyErr {
    PyValueError::new_err(format!("{arg}: cannot read the array: {err}"))
}

/// Reads a 1-D argument.
pub(crate) fn read_1d<'py>(obj: &Bound<'py, PyAny>, arg: Arg<'_>) -> PyResult<Array<'py>> {
    read(obj, arg)?.one_d(arg)
}
