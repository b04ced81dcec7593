//! Ridge statistics crossing the boundary as model-file bytes (kind `ridge-statistics`,
//! checksummed): what distributed fits send between processes, merged here.

use crate::errors::{compute, to_py};
use aquifer::io::ModelFile;
use aquifer::readout::RidgeStats;
use aquifer::traits::{Persist, Stateful};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Statistics from their bytes (checked).
pub fn from_bytes(data: &[u8]) -> aquifer::Result<RidgeStats> {
    RidgeStats::from_part(&ModelFile::from_bytes(data)?)
}

/// The bytes of statistics.
pub fn to_bytes(stats: &RidgeStats) -> aquifer::Result<Vec<u8>> {
    stats.to_part()?.to_bytes()
}

/// Runs `f` (a harvest of statistics) on `m` from `start` (default: its current state) and
/// returns what `f` gave with the state `m` ended in; `m`'s own state is restored, whatever
/// `f` returned: a piece of a fit that another process continues.
pub fn from_state<M: Stateful, T>(
    m: &mut M,
    start: Option<&M::State>,
    f: impl FnOnce(&mut M) -> aquifer::Result<T>,
) -> aquifer::Result<(T, M::State)> {
    let before = m.state();
    if let Some(s) = start {
        m.set_state(s)?;
    }
    let out = f(m);
    let last = m.state();
    m.set_state(&before)?;
    Ok((out?, last))
}

/// Statistics merged in the order given (each a `ridge-statistics` model file's bytes).
#[pyfunction]
pub fn merge_statistics<'py>(
    py: Python<'py>,
    parts: Vec<Vec<u8>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let out = compute(py, move || {
        let mut it = parts.iter();
        let first = it.next().ok_or(aquifer::Error::Empty {
            what: "statistics to merge".into(),
        })?;
        let mut acc = from_bytes(first)?;
        for p in it {
            acc.merge(&from_bytes(p)?)?;
        }
        to_bytes(&acc)
    })?;
    Ok(PyBytes::new(py, &out))
}

/// `(count, features, targets)` of statistics.
#[pyfunction]
pub fn statistics_shape(data: Vec<u8>) -> PyResult<(u64, usize, usize)> {
    let s = from_bytes(&data).map_err(to_py)?;
    Ok((s.count(), s.features(), s.targets()))
}
