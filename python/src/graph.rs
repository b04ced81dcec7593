//! `Graph`: a model graph (nodes wired by edges with delays) held by Python.

use crate::arrays::{to_numpy, vec_to_numpy, view, views, weights_to_numpy, Weights};
use crate::errors::{compute, json_error, lock, to_py};
use crate::nodes::{GraphNode, Node};
use aquifer::model::{Model, ModelState, NodeId, Outputs};
use aquifer::traits::{Fit, PartialFit, Run, Stateful, Step};
use aquifer::Error;
use faer::Mat;
use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Mutex;

type Named<'py> = Vec<(String, Bound<'py, PyArray2<f64>>)>;

fn named(py: Python<'_>, o: Outputs) -> PyResult<Named<'_>> {
    o.series
        .into_iter()
        .map(|(n, m)| Ok((n, to_numpy(py, m)?)))
        .collect()
}

/// A model graph.
#[pyclass(module = "aquifer._aquifer", frozen)]
pub struct Graph {
    inner: Mutex<Model>,
}

impl Graph {
    pub fn wrap(m: Model) -> Self {
        Graph {
            inner: Mutex::new(m),
        }
    }
}

#[pymethods]
impl Graph {
    /// Builds a graph from its nodes, each `(name, tag, payload, dim)`: tag `input` (payload
    /// None, `dim` features), `node` (payload a `Node`), or `ridge` / `rls` / `lms` (payload the
    /// readout's hyperparameters as JSON, `dim` outputs); `edges` as `(from, to, delay)`
    /// indices; `outputs` the output nodes' indices.
    #[staticmethod]
    fn build(
        py: Python<'_>,
        nodes: Vec<(String, String, Bound<'_, PyAny>, usize)>,
        edges: Vec<(usize, usize, usize)>,
        outputs: Vec<usize>,
    ) -> PyResult<Self> {
        let mut b = Model::builder();
        let mut ids: Vec<NodeId> = Vec::with_capacity(nodes.len());
        for (name, tag, payload, dim) in &nodes {
            let id = match tag.as_str() {
                "input" => b.input(name, *dim),
                "node" => {
                    let node = payload.cast::<Node>()?.get().value()?;
                    match node.into_graph_node() {
                        GraphNode::Fixed(n) => b.boxed_node(name, n),
                        GraphNode::Offline(r) => b.offline_readout(name, r),
                        GraphNode::Rls(r) => b.online_readout(name, r),
                        GraphNode::Lms(r) => b.online_readout(name, r),
                    }
                }
                "ridge" | "rls" | "lms" => {
                    let json: String = payload.extract()?;
                    let bad = |e| json_error(&format!("{tag} hyperparameters"), e);
                    match tag.as_str() {
                        "ridge" => b.ridge(name, serde_json::from_str(&json).map_err(bad)?, *dim),
                        "rls" => b.rls(name, serde_json::from_str(&json).map_err(bad)?, *dim),
                        _ => b.lms(name, serde_json::from_str(&json).map_err(bad)?, *dim),
                    }
                }
                other => {
                    return Err(to_py(Error::invalid(
                        "graph node tag",
                        other,
                        "must be input, node, ridge, rls or lms",
                    )))
                }
            };
            ids.push(id);
        }
        let id = |i: usize| {
            ids.get(i).copied().ok_or_else(|| {
                to_py(Error::invalid(
                    "node index",
                    i,
                    "names no node of the graph",
                ))
            })
        };
        for (from, to, delay) in edges {
            b.connect_delayed(id(from)?, id(to)?, delay);
        }
        for o in outputs {
            b.output(id(o)?);
        }
        Ok(Graph::wrap(compute(py, || b.build())?))
    }

    /// The graph saved in a model file's bytes.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: Vec<u8>) -> PyResult<Self> {
        Ok(Graph {
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
    fn target_dim(&self) -> PyResult<usize> {
        Ok(lock(&self.inner).map_err(to_py)?.target_dim())
    }

    #[getter]
    fn output_names(&self) -> PyResult<Vec<String>> {
        let m = lock(&self.inner).map_err(to_py)?;
        Ok(m.output_names().into_iter().map(String::from).collect())
    }

    #[getter]
    fn trained_names(&self) -> PyResult<Vec<String>> {
        let m = lock(&self.inner).map_err(to_py)?;
        Ok(m.trained_names().into_iter().map(String::from).collect())
    }

    /// Fits the offline readouts (teacher forcing), each series from the current state.
    fn fit(
        &self,
        py: Python<'_>,
        xs: Vec<PyReadonlyArray2<'_, f64>>,
        ys: Vec<PyReadonlyArray2<'_, f64>>,
        warmup: usize,
    ) -> PyResult<()> {
        let (xv, yv) = (views(&xs), views(&ys));
        compute(py, || lock(&self.inner)?.fit(&xv, &yv, warmup))
    }

    /// The statistics of each offline readout (name, `ridge-statistics` bytes) over the
    /// series, each from `state` (bytes from an earlier call; default: the current state),
    /// after `warmup` steps of each, and the state after the last series (bytes): a piece of a
    /// fit that merges with others and is solved once. The model's own state is left
    /// unchanged.
    #[pyo3(signature = (xs, ys, warmup, state=None))]
    #[allow(clippy::type_complexity)]
    fn statistics<'py>(
        &self,
        py: Python<'py>,
        xs: Vec<PyReadonlyArray2<'py, f64>>,
        ys: Vec<PyReadonlyArray2<'py, f64>>,
        warmup: usize,
        state: Option<Vec<u8>>,
    ) -> PyResult<(Vec<(String, Bound<'py, PyBytes>)>, Bound<'py, PyBytes>)> {
        let (xv, yv) = (views(&xs), views(&ys));
        let (out, last) = compute(py, || {
            let mut m = lock(&self.inner)?;
            let start = state.as_deref().map(state_from_bytes).transpose()?;
            let (stats, last) = crate::stats::from_state(&mut *m, start.as_ref(), |m| {
                m.statistics(&xv, &yv, warmup)?
                    .into_iter()
                    .map(|(name, s)| Ok((name, crate::stats::to_bytes(&s)?)))
                    .collect::<aquifer::Result<Vec<_>>>()
            })?;
            Ok((stats, state_to_bytes(&last)?))
        })?;
        let named = out
            .into_iter()
            .map(|(name, b)| (name, PyBytes::new(py, &b)))
            .collect();
        Ok((named, PyBytes::new(py, &last)))
    }

    /// Solves every offline readout from statistics by readout name; the state is unchanged.
    fn fit_statistics(&self, py: Python<'_>, parts: Vec<(String, Vec<u8>)>) -> PyResult<()> {
        compute(py, || {
            let stats = parts
                .iter()
                .map(|(name, b)| Ok((name.clone(), crate::stats::from_bytes(b)?)))
                .collect::<aquifer::Result<Vec<_>>>()?;
            lock(&self.inner)?.fit_statistics(&stats)
        })
    }

    /// Online learning along one series; returns the outputs produced while learning.
    fn partial_fit<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
        y: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Named<'py>> {
        let (xv, yv) = (view(&x), view(&y));
        let out = compute(py, || lock(&self.inner)?.partial_fit(xv, yv))?;
        named(py, out)
    }

    /// The output nodes' series for an input series, from the current state.
    fn run<'py>(&self, py: Python<'py>, x: PyReadonlyArray2<'py, f64>) -> PyResult<Named<'py>> {
        let xv = view(&x);
        let out = compute(py, || lock(&self.inner)?.run(xv))?;
        named(py, out)
    }

    /// The outputs of each series, each from the current state (left unchanged).
    fn run_many<'py>(
        &self,
        py: Python<'py>,
        xs: Vec<PyReadonlyArray2<'py, f64>>,
    ) -> PyResult<Vec<Named<'py>>> {
        let xv = views(&xs);
        let out = compute(py, || lock(&self.inner)?.run_many(&xv))?;
        out.into_iter().map(|o| named(py, o)).collect()
    }

    /// Closed loop for `n` steps after warming up on `warm`. A graph with inputs runs `warm`
    /// (input series) and then feeds its output back as its next input (the output must have
    /// as many features as the input); a graph without inputs takes `warm` as the teacher
    /// signal of its readouts, which feed back.
    fn generate<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        warm: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Named<'py>> {
        let wv = view(&warm);
        let out = compute(py, || {
            let mut m = lock(&self.inner)?;
            if m.input_dim() == 0 {
                return m.generate(n, wv);
            }
            feed_back(&mut m, n, wv)
        })?;
        named(py, out)
    }

    /// Changes the ridge of the readout `name` and solves it again from the last fit's
    /// statistics.
    fn set_ridge(&self, py: Python<'_>, name: &str, ridge: f64) -> PyResult<()> {
        compute(py, || lock(&self.inner)?.set_ridge(name, ridge))
    }

    /// Back to the initial state: every node reset, every delayed edge zero.
    fn reset(&self) -> PyResult<()> {
        lock(&self.inner).map_err(to_py)?.reset();
        Ok(())
    }

    /// The state of the node named `name`.
    fn node_state<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let s = lock(&self.inner)
            .map_err(to_py)?
            .node_state(name)
            .map_err(to_py)?;
        vec_to_numpy(py, s)
    }

    /// Sets the state of the node named `name`.
    fn set_node_state(&self, name: &str, state: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
        let s = crate::arrays::vector(&state);
        lock(&self.inner)
            .map_err(to_py)?
            .set_node_state(name, &s)
            .map_err(to_py)
    }

    /// The weights (`features x outputs`) and bias of the readout named `name` (None before
    /// it is trained).
    fn weights<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Weights<'py>> {
        let w = lock(&self.inner)
            .map_err(to_py)?
            .weights(name)
            .map_err(to_py)?;
        weights_to_numpy(py, w)
    }
}

/// Runs `warm`, then feeds the single output back as the next input: the `n` outputs that
/// follow `warm` (the first is the prediction made at its last step, as `Esn::generate`).
fn feed_back(m: &mut Model, n: usize, warm: faer::MatRef<'_, f64>) -> aquifer::Result<Outputs> {
    let names: Vec<String> = m.output_names().into_iter().map(String::from).collect();
    let width = m.input_dim();
    let out = m.run(warm)?;
    let [(name, last)] = &out.series[..] else {
        return Err(Error::Unsupported {
            operation: "generate",
            reason: format!(
                "the model has {} outputs; feeding back needs one",
                names.len()
            ),
        });
    };
    if last.ncols() != width {
        return Err(Error::Unsupported {
            operation: "generate",
            reason: format!(
                "output `{name}` has {} features and the input {width}; feeding back needs as many",
                last.ncols()
            ),
        });
    }
    let mut x: Vec<f64> = (0..width).map(|j| last[(last.nrows() - 1, j)]).collect();
    let mut y = vec![0.0; width];
    let mut gen = Mat::zeros(n, width);
    for t in 0..n {
        if t > 0 {
            m.step(&x, &mut y)?;
            std::mem::swap(&mut x, &mut y);
        }
        for (j, v) in x.iter().enumerate() {
            gen[(t, j)] = *v;
        }
    }
    Ok(Outputs {
        series: vec![(name.clone(), gen)],
    })
}

/// A model's state as bytes (JSON: exact for every finite float), for another process.
fn state_to_bytes(state: &ModelState) -> aquifer::Result<Vec<u8>> {
    serde_json::to_vec(state).map_err(|e| Error::Data {
        source_name: "model state".into(),
        reason: e.to_string(),
    })
}

fn state_from_bytes(bytes: &[u8]) -> aquifer::Result<ModelState> {
    serde_json::from_slice(bytes).map_err(|e| Error::Data {
        source_name: "model state".into(),
        reason: e.to_string(),
    })
}
