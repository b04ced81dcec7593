//! `Esn`: a reservoir and a ridge readout, the main job's fast path (series harvested in
//! parallel, statistics merged in order).

use crate::arrays::{
    list_to_numpy, to_numpy, vec_to_numpy, vector, view, views, weights_to_numpy, Arr2, Weights,
};
use crate::errors::{compute, json_error, lock, to_py};
use crate::nodes::{AnyNode, Node};
use aquifer::model::Esn as RustEsn;
use aquifer::readout::{Ridge, RidgeParams};
use aquifer::traits::{Fit, Run, Stateful};
use aquifer::Error;
use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Mutex;

/// An echo state network: reservoir, optional input-to-readout, ridge readout.
#[pyclass(module = "aquifer._aquifer", frozen)]
pub struct Esn {
    inner: Mutex<RustEsn>,
}

impl Esn {
    pub fn wrap(e: RustEsn) -> Self {
        Esn {
            inner: Mutex::new(e),
        }
    }
}

#[pymethods]
impl Esn {
    /// A network around an existing leaky reservoir (a `Node`), with an unfitted readout.
    #[staticmethod]
    fn from_reservoir(
        reservoir: &Node,
        readout: &str,
        input_to_readout: bool,
        outputs: usize,
    ) -> PyResult<Self> {
        let AnyNode::Reservoir(r) = reservoir.value()? else {
            return Err(to_py(Error::Unsupported {
                operation: "building an ESN",
                reason: "an ESN holds a leaky reservoir; put other nodes in a model graph".into(),
            }));
        };
        let p: RidgeParams =
            serde_json::from_str(readout).map_err(|e| json_error("ridge hyperparameters", e))?;
        let ridge = Ridge::with_params(p).map_err(to_py)?;
        Ok(Esn::wrap(
            RustEsn::new(r, ridge, input_to_readout, outputs).map_err(to_py)?,
        ))
    }

    /// The network saved in a model file's bytes.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: Vec<u8>) -> PyResult<Self> {
        Ok(Esn {
            inner: crate::files::from_bytes(py, data)?,
        })
    }

    /// The model file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        crate::files::to_bytes(py, &self.inner)
    }

    #[getter]
    fn input_dim(&self) -> PyResult<usize> {
        Ok(lock(&self.inner).map_err(to_py)?.input_dim())
    }

    #[getter]
    fn output_dim(&self) -> PyResult<usize> {
        Ok(lock(&self.inner).map_err(to_py)?.output_dim())
    }

    #[getter]
    fn units(&self) -> PyResult<usize> {
        Ok(lock(&self.inner).map_err(to_py)?.reservoir().units())
    }

    #[getter]
    fn is_fitted(&self) -> PyResult<bool> {
        Ok(lock(&self.inner).map_err(to_py)?.readout().is_fitted())
    }

    /// Fits the readout on the series' states (harvested in parallel, each from the current
    /// state), discarding `warmup` steps of each; `qr` solves by a QR factorisation of the
    /// states (every row held once; about twice the correct digits on ill-conditioned states;
    /// no statistics kept) rather than from their statistics.
    #[pyo3(signature = (xs, ys, warmup, qr=false))]
    fn fit(
        &self,
        py: Python<'_>,
        xs: Vec<PyReadonlyArray2<'_, f64>>,
        ys: Vec<PyReadonlyArray2<'_, f64>>,
        warmup: usize,
        qr: bool,
    ) -> PyResult<()> {
        let (xv, yv) = (views(&xs), views(&ys));
        compute(py, || {
            let mut e = lock(&self.inner)?;
            if qr {
                e.fit_lstsq(&xv, &yv, warmup)
            } else {
                e.fit(&xv, &yv, warmup)
            }
        })
    }

    /// The readout statistics (a `ridge-statistics` model file's bytes) of the series, each
    /// from `state` (default: the current one), after `warmup` steps of each, and the state
    /// after the last series: a piece of a fit that merges with others
    /// (`merge_statistics`) and is solved once (`fit_statistics`). The network's own state is
    /// left unchanged.
    #[pyo3(signature = (xs, ys, warmup, state=None))]
    fn statistics<'py>(
        &self,
        py: Python<'py>,
        xs: Vec<PyReadonlyArray2<'py, f64>>,
        ys: Vec<PyReadonlyArray2<'py, f64>>,
        warmup: usize,
        state: Option<Vec<f64>>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyArray1<f64>>)> {
        let (xv, yv) = (views(&xs), views(&ys));
        let (bytes, last) = compute(py, || {
            let mut e = lock(&self.inner)?;
            crate::stats::from_state(&mut *e, state.as_ref(), |e| {
                crate::stats::to_bytes(&e.statistics(&xv, &yv, warmup)?)
            })
        })?;
        Ok((PyBytes::new(py, &bytes), vec_to_numpy(py, last)?))
    }

    /// Solves the readout from statistics (`statistics`, merged); the state is unchanged.
    fn fit_statistics(&self, py: Python<'_>, data: Vec<u8>) -> PyResult<()> {
        compute(py, || {
            let stats = crate::stats::from_bytes(&data)?;
            lock(&self.inner)?.fit_statistics(&stats)
        })
    }

    /// The outputs for a series from the current state (which moves on).
    fn run<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let xv = view(&x);
        let out = compute(py, || lock(&self.inner)?.run(xv))?;
        to_numpy(py, out)
    }

    /// The outputs of each series, each from the current state (left unchanged), in parallel.
    fn run_many<'py>(
        &self,
        py: Python<'py>,
        xs: Vec<PyReadonlyArray2<'py, f64>>,
    ) -> PyResult<Vec<Bound<'py, PyArray2<f64>>>> {
        let xv = views(&xs);
        let out = compute(py, || lock(&self.inner)?.run_many(&xv))?;
        list_to_numpy(py, out)
    }

    /// The reservoir's states for a series (and the outputs), from the current state.
    fn run_with_states<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<(Arr2<'py>, Arr2<'py>)> {
        let xv = view(&x);
        let (y, s) = compute(py, || lock(&self.inner)?.run_with_states(xv))?;
        Ok((to_numpy(py, y)?, to_numpy(py, s)?))
    }

    /// Warms up on `warm` (input series), then runs `n` steps feeding each output back as the
    /// next input.
    fn generate<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        warm: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let wv = view(&warm);
        let out = compute(py, || lock(&self.inner)?.generate(n, wv))?;
        to_numpy(py, out)
    }

    /// Runs `n` steps from the current state, feeding outputs back, starting from input `first`.
    fn free_run<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        first: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let f = vector(&first);
        let out = compute(py, || lock(&self.inner)?.free_run(n, &f))?;
        to_numpy(py, out)
    }

    /// Changes the ridge and solves the readout again from the last fit's statistics.
    fn set_ridge(&self, py: Python<'_>, ridge: f64) -> PyResult<()> {
        compute(py, || lock(&self.inner)?.set_ridge(ridge))
    }

    /// Back to a zero reservoir state (the readout stays fitted).
    fn reset(&self) -> PyResult<()> {
        lock(&self.inner).map_err(to_py)?.reset();
        Ok(())
    }

    /// The reservoir's state.
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let s = lock(&self.inner).map_err(to_py)?.state();
        vec_to_numpy(py, s)
    }

    /// Sets the reservoir's state.
    fn set_state(&self, state: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
        let s = vector(&state);
        lock(&self.inner)
            .map_err(to_py)?
            .set_state(&s)
            .map_err(to_py)
    }

    /// The readout's weights (`features x outputs`) and bias, or None before `fit`.
    fn weights<'py>(&self, py: Python<'py>) -> PyResult<Weights<'py>> {
        let e = lock(&self.inner).map_err(to_py)?;
        let r = e.readout();
        let w = match (r.weights(), r.intercept()) {
            (Some(w), Some(b)) => Some((w.clone(), b.to_vec())),
            _ => None,
        };
        weights_to_numpy(py, w)
    }

    /// The reservoir, as a `Node` (a copy).
    fn reservoir(&self) -> PyResult<Node> {
        let e = lock(&self.inner).map_err(to_py)?;
        Ok(Node::wrap(AnyNode::Reservoir(e.reservoir().clone())))
    }
}
