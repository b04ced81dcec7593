//! The datasets and metrics, as functions of the native module.

use crate::arrays::{list_to_numpy, to_numpy, view};
use crate::errors::{compute, json_error, to_py};
use crate::nodes::{AnyNode, Node};
use aquifer::datasets as ds;
use aquifer::metrics::{self, Norm};
use aquifer::Error;
use numpy::{PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use serde::de::DeserializeOwned;

type Arr<'py> = Bound<'py, PyArray2<f64>>;

fn params<T: DeserializeOwned>(what: &str, json: &str) -> PyResult<T> {
    serde_json::from_str(json).map_err(|e| json_error(&format!("{what} parameters"), e))
}

/// A generated series: `name` is a system's function name, `params` its parameters as JSON.
#[pyfunction]
pub fn generate<'py>(
    py: Python<'py>,
    name: &str,
    n_timesteps: usize,
    params_json: &str,
) -> PyResult<Arr<'py>> {
    macro_rules! system {
        ($f:path, $t:ty) => {{
            let p: $t = params(name, params_json)?;
            compute(py, move || $f(&p, n_timesteps))?
        }};
    }
    let m = match name {
        "mackey_glass" => system!(ds::mackey_glass, ds::MackeyGlass),
        "lorenz" => system!(ds::lorenz, ds::Lorenz),
        "rossler" => system!(ds::rossler, ds::Rossler),
        "multiscroll" => system!(ds::multiscroll, ds::Multiscroll),
        "rabinovich_fabrikant" => system!(ds::rabinovich_fabrikant, ds::RabinovichFabrikant),
        "double_scroll" => system!(ds::double_scroll, ds::DoubleScroll),
        "lorenz96" => system!(ds::lorenz96, ds::Lorenz96),
        "henon_map" => system!(ds::henon_map, ds::Henon),
        "logistic_map" => system!(ds::logistic_map, ds::Logistic),
        "kuramoto_sivashinsky" => system!(ds::kuramoto_sivashinsky, ds::KuramotoSivashinsky),
        other => {
            return Err(to_py(Error::invalid(
                "dataset",
                other,
                "is not a generated system",
            )))
        }
    };
    to_numpy(py, m)
}

/// NARMA: the input series and the target series.
#[pyfunction]
pub fn narma<'py>(
    py: Python<'py>,
    n_timesteps: usize,
    params_json: &str,
) -> PyResult<(Arr<'py>, Arr<'py>)> {
    let p: ds::Narma = params("narma", params_json)?;
    let (u, y) = compute(py, move || ds::narma(&p, n_timesteps))?;
    Ok((to_numpy(py, u)?, to_numpy(py, y)?))
}

/// A sum of sines of the given frequencies.
#[pyfunction]
pub fn mso(
    py: Python<'_>,
    n_timesteps: usize,
    frequencies: Vec<f64>,
    normalize: bool,
) -> PyResult<Arr<'_>> {
    to_numpy(
        py,
        compute(py, move || ds::mso(n_timesteps, &frequencies, normalize))?,
    )
}

/// A shipped real series: `sunspots_monthly`, `sunspots_yearly`, `santafe_laser`.
#[pyfunction]
pub fn real_series<'py>(py: Python<'py>, name: &str) -> PyResult<Arr<'py>> {
    let m = match name {
        "sunspots_monthly" => compute(py, ds::sunspots_monthly)?,
        "sunspots_yearly" => compute(py, ds::sunspots_yearly)?,
        "santafe_laser" => compute(py, ds::santafe_laser)?,
        other => {
            return Err(to_py(Error::invalid(
                "dataset",
                other,
                "is not a shipped series",
            )))
        }
    };
    to_numpy(py, m)
}

type Split<'py> = (Vec<Arr<'py>>, Vec<usize>, Vec<Arr<'py>>, Vec<usize>);

/// Japanese vowels: training series and labels (270), test series and labels (370).
#[pyfunction]
pub fn japanese_vowels(py: Python<'_>) -> PyResult<Split<'_>> {
    let jv = compute(py, ds::japanese_vowels)?;
    Ok((
        list_to_numpy(py, jv.train)?,
        jv.train_labels,
        list_to_numpy(py, jv.test)?,
        jv.test_labels,
    ))
}

/// The 8x8 digits: images (one row of 64 values each) and labels.
#[pyfunction]
pub fn digits(py: Python<'_>) -> PyResult<(Arr<'_>, Vec<usize>)> {
    let d = compute(py, ds::digits)?;
    Ok((to_numpy(py, d.images)?, d.labels))
}

/// MNIST-1D: training rows and labels, test rows and labels.
#[pyfunction]
pub fn mnist1d(py: Python<'_>) -> PyResult<(Arr<'_>, Vec<usize>, Arr<'_>, Vec<usize>)> {
    let d = compute(py, ds::mnist1d)?;
    Ok((
        to_numpy(py, d.train)?,
        d.train_labels,
        to_numpy(py, d.test)?,
        d.test_labels,
    ))
}

/// `mse`, `rmse`, `mae`, `r2`, or `nrmse` with a norm (`range`, `std`, `var`, `mean`, `iqr`).
#[pyfunction]
#[pyo3(signature = (name, y, y_hat, norm = "range"))]
pub fn metric(
    py: Python<'_>,
    name: &str,
    y: PyReadonlyArray2<'_, f64>,
    y_hat: PyReadonlyArray2<'_, f64>,
    norm: &str,
) -> PyResult<f64> {
    let (a, b) = (view(&y), view(&y_hat));
    let norm = match norm {
        "range" => Norm::Range,
        "std" => Norm::Std,
        "var" => Norm::Var,
        "mean" => Norm::Mean,
        "iqr" => Norm::Iqr,
        other => {
            return Err(to_py(Error::invalid(
                "norm",
                other,
                "must be range, std, var, mean or iqr",
            )))
        }
    };
    match name {
        "mse" => compute(py, || metrics::mse(a, b)),
        "rmse" => compute(py, || metrics::rmse(a, b)),
        "mae" => compute(py, || metrics::mae(a, b)),
        "r2" => compute(py, || metrics::r2(a, b)),
        "nrmse" => compute(py, || metrics::nrmse(a, b, norm)),
        other => Err(to_py(Error::invalid("metric", other, "is not a metric"))),
    }
}

/// Steps until the normalised error first exceeds `threshold` (normalised by `sigma` per
/// column when given, else by the truth's standard deviation).
#[pyfunction]
#[pyo3(signature = (y, y_hat, threshold, sigma = None))]
pub fn valid_prediction_time(
    py: Python<'_>,
    y: PyReadonlyArray2<'_, f64>,
    y_hat: PyReadonlyArray2<'_, f64>,
    threshold: f64,
    sigma: Option<Vec<f64>>,
) -> PyResult<usize> {
    let (a, b) = (view(&y), view(&y_hat));
    compute(py, || match &sigma {
        Some(s) => metrics::valid_prediction_time_scaled(a, b, threshold, s),
        None => metrics::valid_prediction_time(a, b, threshold),
    })
}

/// The largest Lyapunov exponent of a system (`lorenz`, `rossler`, `multiscroll`,
/// `rabinovich_fabrikant`, `double_scroll`, `lorenz96`, `kuramoto_sivashinsky`,
/// `mackey_glass`) with its parameters as JSON, by Benettin's method over `time` time units.
#[pyfunction]
pub fn largest_lyapunov_exponent(
    py: Python<'_>,
    name: &str,
    params_json: &str,
    time: f64,
) -> PyResult<f64> {
    use aquifer::datasets::lyapunov::{self, System};
    let system = match name {
        "lorenz" => System::Lorenz(params(name, params_json)?),
        "rossler" => System::Rossler(params(name, params_json)?),
        "multiscroll" => System::Multiscroll(params(name, params_json)?),
        "rabinovich_fabrikant" => System::RabinovichFabrikant(params(name, params_json)?),
        "double_scroll" => System::DoubleScroll(params(name, params_json)?),
        "lorenz96" => System::Lorenz96(params(name, params_json)?),
        "kuramoto_sivashinsky" => System::KuramotoSivashinsky(params(name, params_json)?),
        "mackey_glass" => System::MackeyGlass(params(name, params_json)?),
        other => {
            return Err(to_py(Error::invalid(
                "system",
                other,
                "has no Lyapunov estimate (a flow: lorenz, rossler, multiscroll, \
                 rabinovich_fabrikant, double_scroll, lorenz96, kuramoto_sivashinsky, \
                 mackey_glass)",
            )))
        }
    };
    compute(py, move || {
        lyapunov::largest_lyapunov_exponent(&system, time)
    })
}

/// Memory capacity of a leaky reservoir of one input: per delay, and the total.
#[pyfunction]
pub fn memory_capacity(
    py: Python<'_>,
    reservoir: &Node,
    max_delay: usize,
    train: usize,
    test: usize,
    ridge: f64,
    seed: u64,
) -> PyResult<(Vec<f64>, f64)> {
    let AnyNode::Reservoir(mut r) = reservoir.value()? else {
        return Err(to_py(Error::Unsupported {
            operation: "memory capacity",
            reason: "it is measured on a leaky reservoir".into(),
        }));
    };
    let mc = compute(py, move || {
        metrics::memory_capacity(&mut r, max_delay, train, test, ridge, seed)
    })?;
    Ok((mc.per_delay, mc.total))
}

/// A WAV file's mono samples in [-1, 1] and its sample rate.
#[pyfunction]
pub fn read_wav(
    py: Python<'_>,
    path: std::path::PathBuf,
) -> PyResult<(Bound<'_, numpy::PyArray1<f64>>, u32)> {
    let wav = compute(py, move || aquifer::audio::read_wav(&path))?;
    Ok((
        crate::arrays::vec_to_numpy(py, wav.samples)?,
        wav.sample_rate,
    ))
}

/// MFCCs (`frames x n_mfcc`) of samples, with the parameters as JSON.
#[pyfunction]
pub fn mfcc<'py>(
    py: Python<'py>,
    samples: numpy::PyReadonlyArray1<'py, f64>,
    sample_rate: u32,
    params_json: &str,
) -> PyResult<Arr<'py>> {
    let p: aquifer::audio::MfccParams = params("mfcc", params_json)?;
    let s = crate::arrays::vector(&samples);
    to_numpy(
        py,
        compute(py, move || aquifer::audio::mfcc(&s, sample_rate, &p))?,
    )
}

/// Samples plus seeded white noise at `snr_db`.
#[pyfunction]
pub fn add_noise<'py>(
    py: Python<'py>,
    samples: numpy::PyReadonlyArray1<'py, f64>,
    snr_db: f64,
    seed: u64,
) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
    let s = crate::arrays::vector(&samples);
    let out = compute(py, move || aquifer::audio::add_noise(&s, snr_db, seed))?;
    crate::arrays::vec_to_numpy(py, out)
}
