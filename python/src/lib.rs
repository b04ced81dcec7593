//! The native part of the `aquifer` Python package (`aquifer._aquifer`): Aquifer's nodes,
//! model graphs, echo state networks, datasets and metrics, with numpy arrays in and out. The
//! Python package (`python/aquifer`) gives them ReservoirPy's vocabulary.

mod arrays;
mod data;
mod errors;
mod esn;
mod files;
mod graph;
mod nodes;
mod search;
mod stats;
mod trained;

use pyo3::prelude::*;

#[pymodule]
fn _aquifer(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("AquiferError", py.get_type::<errors::AquiferError>())?;
    m.add("NotFittedError", py.get_type::<errors::NotFittedError>())?;
    m.add_class::<nodes::Node>()?;
    m.add_class::<graph::Graph>()?;
    m.add_class::<esn::Esn>()?;
    m.add_class::<trained::Gated>()?;
    m.add_class::<trained::Lsm>()?;
    m.add_class::<search::Study>()?;
    m.add_class::<arrays::Buffer>()?;
    m.add_class::<arrays::VecBuffer>()?;
    for f in [
        wrap_pyfunction!(data::generate, m)?,
        wrap_pyfunction!(data::narma, m)?,
        wrap_pyfunction!(data::mso, m)?,
        wrap_pyfunction!(data::real_series, m)?,
        wrap_pyfunction!(data::japanese_vowels, m)?,
        wrap_pyfunction!(data::digits, m)?,
        wrap_pyfunction!(data::mnist1d, m)?,
        wrap_pyfunction!(data::metric, m)?,
        wrap_pyfunction!(data::valid_prediction_time, m)?,
        wrap_pyfunction!(data::read_wav, m)?,
        wrap_pyfunction!(data::mfcc, m)?,
        wrap_pyfunction!(data::add_noise, m)?,
        wrap_pyfunction!(data::largest_lyapunov_exponent, m)?,
        wrap_pyfunction!(data::memory_capacity, m)?,
        wrap_pyfunction!(stats::merge_statistics, m)?,
        wrap_pyfunction!(stats::statistics_shape, m)?,
        wrap_pyfunction!(files::kind_of, m)?,
        wrap_pyfunction!(files::describe, m)?,
        wrap_pyfunction!(trained::default_params, m)?,
        wrap_pyfunction!(search::default_sampler, m)?,
        wrap_pyfunction!(search::call_with_threads, m)?,
        wrap_pyfunction!(search::current_threads, m)?,
        wrap_pyfunction!(errors::_panic_in_rust, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}
