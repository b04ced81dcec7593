//! Model files: the bytes every object saves and pickles through.

use crate::errors::{compute, lock};
use aquifer::io::ModelFile;
use aquifer::traits::Persist;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Mutex;

/// The model file's bytes of the value behind `m`.
pub fn to_bytes<'py, T: Persist + Send>(
    py: Python<'py>,
    m: &Mutex<T>,
) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = compute(py, || lock(m)?.to_part()?.to_bytes())?;
    Ok(PyBytes::new(py, &bytes))
}

/// The value a model file's bytes hold, checked (format, version, checksum, kind, shapes).
pub fn from_bytes<T: Persist + Send>(py: Python<'_>, data: Vec<u8>) -> PyResult<Mutex<T>> {
    compute(py, move || T::from_part(&ModelFile::from_bytes(&data)?)).map(Mutex::new)
}

/// The kind of model a model file's bytes hold (checked: format, version, checksum).
#[pyfunction]
pub fn kind_of(py: Python<'_>, data: Vec<u8>) -> PyResult<String> {
    compute(py, move || {
        Ok(aquifer::io::ModelFile::from_bytes(&data)?.kind)
    })
}

/// The configuration a model file's bytes hold, as JSON.
#[pyfunction]
pub fn describe(py: Python<'_>, data: Vec<u8>) -> PyResult<String> {
    compute(py, move || {
        Ok(aquifer::io::ModelFile::from_bytes(&data)?
            .config
            .to_string())
    })
}
