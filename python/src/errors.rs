//! Errors crossing into Python, and the one way every long call runs: without the GIL, with a
//! Rust panic turned into an exception instead of reaching the interpreter.

use pyo3::create_exception;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

create_exception!(
    _aquifer,
    AquiferError,
    PyValueError,
    "An error of Aquifer's (a `ValueError`): its message names the problem (a shape, a value, a \
     hyperparameter, a damaged file)."
);
create_exception!(
    _aquifer,
    NotFittedError,
    AquiferError,
    "A model was used before it was trained."
);

/// The Python exception for an Aquifer error: `NotFittedError` for an untrained model, `OSError`
/// for files, `AquiferError` (a `ValueError`) for everything else.
pub fn to_py(e: aquifer::Error) -> PyErr {
    match e {
        aquifer::Error::NotFitted { .. } => NotFittedError::new_err(e.to_string()),
        aquifer::Error::Io { .. } => PyOSError::new_err(e.to_string()),
        other => AquiferError::new_err(other.to_string()),
    }
}

/// An error of invalid hyperparameters written as JSON by the Python layer.
pub fn json_error(what: &str, e: serde_json::Error) -> PyErr {
    AquiferError::new_err(format!("invalid {what}: {e}"))
}

/// Runs `f` with the GIL released (other Python threads run meanwhile); an error becomes its
/// exception and a panic becomes an `AquiferError` naming it.
pub fn compute<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> aquifer::Result<T> + Send,
) -> PyResult<T> {
    py.detach(|| catch_unwind(AssertUnwindSafe(f)))
        .map_err(|panic| {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            AquiferError::new_err(format!("internal error (please report it): {msg}"))
        })?
        .map_err(to_py)
}

/// A lock on an object's Rust value; a value left inconsistent by an internal error is refused.
pub fn lock<T>(m: &std::sync::Mutex<T>) -> aquifer::Result<std::sync::MutexGuard<'_, T>> {
    m.lock().map_err(|_| aquifer::Error::Unsupported {
        operation: "calling",
        reason: "this object was left inconsistent by an internal error in an earlier call; \
                 rebuild or reload it"
            .into(),
    })
}

/// Panics inside the GIL-free section, as an internal error would: the tests check that it
/// reaches Python as an `AquiferError`, not as an abort.
#[pyfunction]
pub fn _panic_in_rust(py: Python<'_>) -> PyResult<()> {
    compute(py, || -> aquifer::Result<()> {
        panic!("a deliberate panic")
    })
}
