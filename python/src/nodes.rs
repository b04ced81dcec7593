//! `Node`: one of Aquifer's graph nodes (reservoirs, NVAR, readouts) held by Python.

use crate::arrays::{
    list_to_numpy, to_numpy, vec_to_numpy, vector, view, views, weights_to_numpy, Weights,
};
use crate::errors::{compute, json_error, lock, to_py};
use aquifer::io::ModelFile;
use aquifer::model::RidgeNode;
use aquifer::nodes::{
    Es2n, IpParams, IpReservoir, LeakRate, LocalParams, LocalReservoir, Nvar, NvarParams,
    Reservoir, ReservoirParams,
};
use aquifer::readout::{Lms, LmsParams, Ridge, RidgeParams, Rls, RlsParams};
use aquifer::traits::{PartialFit, Persist};
use aquifer::Error;
use faer::Mat;
use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Mutex;

/// Every node kind Python can hold, by value.
#[derive(Debug, Clone)]
pub enum AnyNode {
    Reservoir(Reservoir),
    Es2n(Es2n),
    Ip(IpReservoir),
    Local(LocalReservoir),
    Nvar(Nvar),
    Ridge(RidgeNode),
    Rls(Rls),
    Lms(Lms),
}

/// How a node enters a graph: by how it learns (a value moved once into the builder).
#[allow(clippy::large_enum_variant)]
pub enum GraphNode {
    Fixed(Box<dyn aquifer::traits::Node>),
    Offline(RidgeNode),
    Rls(Rls),
    Lms(Lms),
}

macro_rules! each {
    ($self:expr, $n:ident => $body:expr) => {
        match $self {
            AnyNode::Reservoir($n) => $body,
            AnyNode::Es2n($n) => $body,
            AnyNode::Ip($n) => $body,
            AnyNode::Local($n) => $body,
            AnyNode::Nvar($n) => $body,
            AnyNode::Ridge($n) => $body,
            AnyNode::Rls($n) => $body,
            AnyNode::Lms($n) => $body,
        }
    };
}

impl AnyNode {
    fn node(&mut self) -> &mut dyn aquifer::traits::Node {
        each!(self, n => n)
    }
    fn node_ref(&self) -> &dyn aquifer::traits::Node {
        each!(self, n => n)
    }
    /// The kind written in model files.
    pub fn kind(&self) -> &'static str {
        match self {
            AnyNode::Reservoir(_) => Reservoir::KIND,
            AnyNode::Es2n(_) => Es2n::KIND,
            AnyNode::Ip(_) => IpReservoir::KIND,
            AnyNode::Local(_) => LocalReservoir::KIND,
            AnyNode::Nvar(_) => Nvar::KIND,
            AnyNode::Ridge(_) => RidgeNode::KIND,
            AnyNode::Rls(_) => Rls::KIND,
            AnyNode::Lms(_) => Lms::KIND,
        }
    }
    pub fn to_part(&self) -> aquifer::Result<ModelFile> {
        each!(self, n => n.to_part())
    }
    /// The node a part holds, if it is one of the kinds above.
    pub fn from_part(part: &ModelFile) -> aquifer::Result<Option<Self>> {
        Ok(Some(match part.kind.as_str() {
            k if k == Reservoir::KIND => AnyNode::Reservoir(Reservoir::from_part(part)?),
            k if k == Es2n::KIND => AnyNode::Es2n(Es2n::from_part(part)?),
            k if k == IpReservoir::KIND => AnyNode::Ip(IpReservoir::from_part(part)?),
            k if k == LocalReservoir::KIND => AnyNode::Local(LocalReservoir::from_part(part)?),
            k if k == Nvar::KIND => AnyNode::Nvar(Nvar::from_part(part)?),
            k if k == RidgeNode::KIND => AnyNode::Ridge(RidgeNode::from_part(part)?),
            k if k == Rls::KIND => AnyNode::Rls(Rls::from_part(part)?),
            k if k == Lms::KIND => AnyNode::Lms(Lms::from_part(part)?),
            _ => return Ok(None),
        }))
    }
    pub fn into_graph_node(self) -> GraphNode {
        match self {
            AnyNode::Reservoir(n) => GraphNode::Fixed(Box::new(n)),
            AnyNode::Es2n(n) => GraphNode::Fixed(Box::new(n)),
            AnyNode::Ip(n) => GraphNode::Fixed(Box::new(n)),
            AnyNode::Local(n) => GraphNode::Fixed(Box::new(n)),
            AnyNode::Nvar(n) => GraphNode::Fixed(Box::new(n)),
            AnyNode::Ridge(n) => GraphNode::Offline(n),
            AnyNode::Rls(n) => GraphNode::Rls(n),
            AnyNode::Lms(n) => GraphNode::Lms(n),
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> PyResult<T> {
    serde_json::from_str(json).map_err(|e| json_error(what, e))
}

/// A node: a reservoir (leaky, ES2N, intrinsic or local plasticity), an NVAR, or a readout
/// (ridge, RLS, LMS). Built by the `aquifer` package's node classes.
#[pyclass(module = "aquifer._aquifer", frozen)]
pub struct Node {
    inner: Mutex<AnyNode>,
}

impl Node {
    pub fn wrap(n: AnyNode) -> Self {
        Node {
            inner: Mutex::new(n),
        }
    }
    /// A copy of the node's Rust value.
    pub fn value(&self) -> PyResult<AnyNode> {
        Ok(lock(&self.inner).map_err(to_py)?.clone())
    }
}

#[pymethods]
impl Node {
    /// A reservoir of `kind` ("reservoir", "es2n", "ip", "local") for `inputs` features, from
    /// its hyperparameters as JSON (`ReservoirParams`) and those of its kind.
    #[staticmethod]
    fn reservoir(
        py: Python<'_>,
        kind: &str,
        params: &str,
        extra: &str,
        inputs: usize,
    ) -> PyResult<Self> {
        let p: ReservoirParams = parse("reservoir hyperparameters", params)?;
        let node = match kind {
            "reservoir" => compute(py, || p.build(inputs).map(AnyNode::Reservoir))?,
            "es2n" => {
                let beta: f64 = parse("ES2N proximity", extra)?;
                compute(py, || {
                    Es2n::builder()
                        .reservoir_params(p)
                        .proximity(beta)
                        .build(inputs)
                        .map(AnyNode::Es2n)
                })?
            }
            "ip" => {
                let ip: IpParams = parse("intrinsic plasticity hyperparameters", extra)?;
                compute(py, || {
                    IpReservoir::builder()
                        .reservoir_params(p)
                        .build(inputs, ip)
                        .map(AnyNode::Ip)
                })?
            }
            "local" => {
                let local: LocalParams = parse("local plasticity hyperparameters", extra)?;
                compute(py, || {
                    LocalReservoir::builder()
                        .reservoir_params(p)
                        .build(inputs, local)
                        .map(AnyNode::Local)
                })?
            }
            other => {
                return Err(to_py(Error::invalid(
                    "reservoir kind",
                    other,
                    "must be reservoir, es2n, ip or local",
                )))
            }
        };
        Ok(Node::wrap(node))
    }

    /// A reservoir from given matrices: `W` as CSR arrays (`indptr`, `indices`, `data`, `N x N`),
    /// `Win` (`N x F`), `bias` (`N`), leak rate and activation.
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn reservoir_from_matrices(
        py: Python<'_>,
        n: usize,
        indptr: Vec<i64>,
        indices: Vec<i64>,
        data: PyReadonlyArray1<'_, f64>,
        win: PyReadonlyArray2<'_, f64>,
        bias: PyReadonlyArray1<'_, f64>,
        leak_rate: &str,
        activation: &str,
    ) -> PyResult<Self> {
        let to_u32 = |what: &'static str, v: Vec<i64>| -> PyResult<Vec<u32>> {
            v.into_iter()
                .map(|i| {
                    u32::try_from(i)
                        .map_err(|_| to_py(Error::invalid(what, i, "must fit in 32 bits")))
                })
                .collect()
        };
        let (indptr, indices) = (
            to_u32("W's indptr", indptr)?,
            to_u32("W's indices", indices)?,
        );
        let (data, bias) = (vector(&data), vector(&bias));
        let lr: LeakRate = parse("leak rate", leak_rate)?;
        let act = parse("activation", activation)?;
        let win = view(&win).to_owned();
        let r = compute(py, move || {
            let w = aquifer::init::csr_from_parts(n, n, indptr, indices, data)?;
            Reservoir::from_matrices(w, win, bias, lr, act)
        })?;
        Ok(Node::wrap(AnyNode::Reservoir(r)))
    }

    /// An NVAR for `inputs` features from `NvarParams` as JSON.
    #[staticmethod]
    fn nvar(py: Python<'_>, params: &str, inputs: usize) -> PyResult<Self> {
        let p: NvarParams = parse("NVAR hyperparameters", params)?;
        Ok(Node::wrap(compute(py, || {
            p.build(inputs).map(AnyNode::Nvar)
        })?))
    }

    /// A ridge readout fitted on `xs` towards `ys`, discarding `warmup` steps of each.
    #[staticmethod]
    fn fit_ridge(
        py: Python<'_>,
        params: &str,
        xs: Vec<PyReadonlyArray2<'_, f64>>,
        ys: Vec<PyReadonlyArray2<'_, f64>>,
        warmup: usize,
    ) -> PyResult<Self> {
        use aquifer::traits::Fit;
        let p: RidgeParams = parse("ridge hyperparameters", params)?;
        let (xv, yv) = (views(&xs), views(&ys));
        let node = compute(py, || {
            let first = xv.first().ok_or(Error::Empty {
                what: "training series".into(),
            })?;
            let (features, outputs) = (first.ncols(), yv.first().map_or(0, |y| y.ncols()));
            let mut ridge = Ridge::with_params(p)?;
            ridge.fit(&xv, &yv, warmup)?;
            Ok(AnyNode::Ridge(RidgeNode::new(ridge, features, outputs)))
        })?;
        Ok(Node::wrap(node))
    }

    /// An untrained RLS readout of `features` inputs and `outputs` outputs.
    #[staticmethod]
    fn rls(params: &str, features: usize, outputs: usize) -> PyResult<Self> {
        let p: RlsParams = parse("RLS hyperparameters", params)?;
        Ok(Node::wrap(AnyNode::Rls(
            Rls::new(features, outputs, p).map_err(to_py)?,
        )))
    }

    /// An untrained LMS readout of `features` inputs and `outputs` outputs.
    #[staticmethod]
    fn lms(params: &str, features: usize, outputs: usize) -> PyResult<Self> {
        let p: LmsParams = parse("LMS hyperparameters", params)?;
        Ok(Node::wrap(AnyNode::Lms(
            Lms::new(features, outputs, p).map_err(to_py)?,
        )))
    }

    /// The node saved in a model file's bytes.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: Vec<u8>) -> PyResult<Self> {
        let node = compute(py, move || {
            let part = ModelFile::from_bytes(&data)?;
            AnyNode::from_part(&part)?.ok_or_else(|| Error::Data {
                source_name: "model file".into(),
                reason: format!("holds a `{}`, not a node", part.kind),
            })
        })?;
        Ok(Node::wrap(node))
    }

    /// The model file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = compute(py, || lock(&self.inner)?.to_part()?.to_bytes())?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The kind written in model files.
    #[getter]
    fn kind(&self) -> PyResult<&'static str> {
        Ok(lock(&self.inner).map_err(to_py)?.kind())
    }

    #[getter]
    fn input_dim(&self) -> PyResult<usize> {
        Ok(lock(&self.inner).map_err(to_py)?.node_ref().input_dim())
    }

    #[getter]
    fn output_dim(&self) -> PyResult<usize> {
        Ok(lock(&self.inner).map_err(to_py)?.node_ref().output_dim())
    }

    /// The outputs for a series from the current state (which moves on).
    fn run<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let xv = view(&x);
        let out = compute(py, || {
            let mut n = lock(&self.inner)?;
            let dim = n.node_ref().input_dim();
            aquifer::series::check_series("input series", xv, Some(dim))?;
            n.node().run(xv)
        })?;
        to_numpy(py, out)
    }

    /// The outputs for each series, each from the current state (left unchanged); reservoirs
    /// run the series in parallel.
    fn run_many<'py>(
        &self,
        py: Python<'py>,
        xs: Vec<PyReadonlyArray2<'py, f64>>,
    ) -> PyResult<Vec<Bound<'py, PyArray2<f64>>>> {
        let xv = views(&xs);
        let out = compute(py, || {
            let n = lock(&self.inner)?;
            match &*n {
                AnyNode::Reservoir(r) => r.run_many(&xv),
                other => xv
                    .iter()
                    .map(|x| {
                        let dim = other.node_ref().input_dim();
                        aquifer::series::check_series("input series", *x, Some(dim))?;
                        other.clone().node().run(*x)
                    })
                    .collect(),
            }
        })?;
        list_to_numpy(py, out)
    }

    /// Trains a plastic reservoir (intrinsic or local plasticity) on series, without targets.
    fn fit_unsupervised(
        &self,
        py: Python<'_>,
        xs: Vec<PyReadonlyArray2<'_, f64>>,
        warmup: usize,
    ) -> PyResult<()> {
        let xv = views(&xs);
        compute(py, || match &mut *lock(&self.inner)? {
            AnyNode::Ip(r) => r.fit(&xv, warmup),
            AnyNode::Local(r) => r.fit(&xv, warmup),
            other => Err(Error::Unsupported {
                operation: "fit without targets",
                reason: format!("a `{}` does not learn from its inputs alone", other.kind()),
            }),
        })
    }

    /// Online learning (RLS, LMS) along a series towards its targets; returns the outputs.
    fn partial_fit<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
        y: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (xv, yv) = (view(&x), view(&y));
        let out: Mat<f64> = compute(py, || match &mut *lock(&self.inner)? {
            AnyNode::Rls(r) => r.partial_fit(xv, yv),
            AnyNode::Lms(r) => r.partial_fit(xv, yv),
            other => Err(Error::Unsupported {
                operation: "partial_fit",
                reason: format!(
                    "a `{}` does not learn online (RLS and LMS do)",
                    other.kind()
                ),
            }),
        })?;
        to_numpy(py, out)
    }

    /// Changes a ridge readout's ridge and solves it again from its last fit's statistics.
    fn set_ridge(&self, py: Python<'_>, ridge: f64) -> PyResult<()> {
        compute(py, || match &mut *lock(&self.inner)? {
            AnyNode::Ridge(r) => r.set_ridge(ridge),
            other => Err(Error::Unsupported {
                operation: "set_ridge",
                reason: format!("a `{}` is not a ridge readout", other.kind()),
            }),
        })
    }

    /// Back to the initial state.
    fn reset(&self) -> PyResult<()> {
        lock(&self.inner).map_err(to_py)?.node().reset();
        Ok(())
    }

    /// A copy of the state.
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let s = lock(&self.inner).map_err(to_py)?.node_ref().state();
        vec_to_numpy(py, s)
    }

    /// Sets the state.
    fn set_state(&self, state: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
        let s = vector(&state);
        lock(&self.inner)
            .map_err(to_py)?
            .node()
            .set_state(&s)
            .map_err(to_py)
    }

    /// A readout's weights (`features x outputs`) and bias, or None before training.
    fn weights<'py>(&self, py: Python<'py>) -> PyResult<Weights<'py>> {
        use aquifer::traits::{OfflineReadout, OnlineReadout};
        let w = match &*lock(&self.inner).map_err(to_py)? {
            AnyNode::Ridge(r) => OfflineReadout::weights(r),
            AnyNode::Rls(r) => Some(OnlineReadout::weights(r)),
            AnyNode::Lms(r) => Some(OnlineReadout::weights(r)),
            _ => None,
        };
        weights_to_numpy(py, w)
    }

    /// A leaky reservoir's matrices: `W` as CSR arrays (`indptr`, `indices`, `data`), `Win`,
    /// `bias`; None for other nodes.
    #[allow(clippy::type_complexity)]
    fn matrices<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<
        Option<(
            Vec<u32>,
            Vec<u32>,
            Bound<'py, PyArray1<f64>>,
            Bound<'py, PyArray2<f64>>,
            Bound<'py, PyArray1<f64>>,
        )>,
    > {
        let n = lock(&self.inner).map_err(to_py)?;
        let r = match &*n {
            AnyNode::Reservoir(r) => r,
            AnyNode::Local(l) => l.reservoir(),
            _ => return Ok(None),
        };
        let w = r.w();
        let (indptr, indices) = (
            w.symbolic().row_ptr().to_vec(),
            w.symbolic().col_idx().to_vec(),
        );
        Ok(Some((
            indptr,
            indices,
            vec_to_numpy(py, w.val().to_vec())?,
            to_numpy(py, r.win().clone())?,
            vec_to_numpy(py, r.bias().to_vec())?,
        )))
    }

    fn __repr__(&self) -> PyResult<String> {
        let n = lock(&self.inner).map_err(to_py)?;
        Ok(format!(
            "<aquifer node `{}`: {} -> {}>",
            n.kind(),
            n.node_ref().input_dim(),
            n.node_ref().output_dim()
        ))
    }
}
