//! numpy arrays in and out. Inputs are read in place (any strides: C or Fortran order, views);
//! outputs hand the result's buffer to numpy without a copy.

use faer::{Mat, MatRef};
use numpy::ndarray::{ArrayView1, ArrayView2, ShapeBuilder};
use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

/// A float64 array's values as a faer view, without copying. The numpy borrow (`a`) keeps the
/// array alive and unborrowed mutably from Rust while the view is used.
pub fn view<'a>(a: &'a PyReadonlyArray2<'_, f64>) -> MatRef<'a, f64> {
    let v = a.as_array();
    let (rows, cols) = v.dim();
    let s = v.strides();
    // SAFETY: `ptr`, the shape and the strides (in elements) describe exactly the numpy
    // array's values, which live as long as the borrow `a`.
    unsafe { MatRef::from_raw_parts(v.as_ptr(), rows, cols, s[0], s[1]) }
}

/// Views of several arrays (series of different lengths).
pub fn views<'a>(xs: &'a [PyReadonlyArray2<'_, f64>]) -> Vec<MatRef<'a, f64>> {
    xs.iter().map(view).collect()
}

/// Owns the buffer of a matrix handed to numpy (the array's base object).
#[pyclass(module = "aquifer._aquifer", frozen)]
pub struct Buffer(Mat<f64>);

/// Owns the buffer of a vector handed to numpy.
#[pyclass(module = "aquifer._aquifer", frozen)]
pub struct VecBuffer(Vec<f64>);

/// A `T x F` matrix as a numpy array of shape `(T, F)` over the same memory (column-major
/// strides: Fortran order when the columns are contiguous).
pub fn to_numpy(py: Python<'_>, m: Mat<f64>) -> PyResult<Bound<'_, PyArray2<f64>>> {
    let (rows, cols) = (m.nrows(), m.ncols());
    let col_stride = m.col_stride().max(0) as usize;
    let owner = Bound::new(py, Buffer(m))?;
    let ptr = owner.get().0.as_ptr();
    // SAFETY: the view describes the matrix's values (row stride 1, its column stride), which
    // the `Buffer` owns; numpy keeps the buffer alive as the array's base.
    let array = unsafe {
        let v = ArrayView2::from_shape_ptr((rows, cols).strides((1, col_stride.max(1))), ptr);
        PyArray2::borrow_from_array(&v, owner.into_any())
    };
    Ok(array)
}

/// A vector as a 1-D numpy array over the same memory.
pub fn vec_to_numpy(py: Python<'_>, v: Vec<f64>) -> PyResult<Bound<'_, PyArray1<f64>>> {
    let owner = Bound::new(py, VecBuffer(v))?;
    let data = &owner.get().0;
    // SAFETY: as in `to_numpy`, the `VecBuffer` owns the values for the array's lifetime.
    let array = unsafe {
        let v = ArrayView1::from_shape_ptr(data.len(), data.as_ptr());
        PyArray1::borrow_from_array(&v, owner.clone().into_any())
    };
    Ok(array)
}

/// Several matrices as numpy arrays.
pub fn list_to_numpy(py: Python<'_>, ms: Vec<Mat<f64>>) -> PyResult<Vec<Bound<'_, PyArray2<f64>>>> {
    ms.into_iter().map(|m| to_numpy(py, m)).collect()
}

/// A 1-D float64 array's values.
pub fn vector(a: &PyReadonlyArray1<'_, f64>) -> Vec<f64> {
    a.as_array().iter().copied().collect()
}

/// A 2-D float64 numpy array.
pub type Arr2<'py> = Bound<'py, PyArray2<f64>>;
/// A 1-D float64 numpy array.
pub type Arr1<'py> = Bound<'py, PyArray1<f64>>;
/// A readout's weights and bias, if trained.
pub type Weights<'py> = Option<(Arr2<'py>, Arr1<'py>)>;

/// Weights and bias as numpy arrays.
pub fn weights_to_numpy(py: Python<'_>, w: Option<(Mat<f64>, Vec<f64>)>) -> PyResult<Weights<'_>> {
    w.map(|(w, b)| Ok((to_numpy(py, w)?, vec_to_numpy(py, b)?)))
        .transpose()
}
