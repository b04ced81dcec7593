//! `Study`: the hyperparameter search with a Python objective. Trials of a batch run in
//! parallel on the core's threads; each calls the objective with the GIL taken for the call
//! (the objective's own Aquifer calls release it again).

use crate::errors::{compute, json_error, lock, to_py};
use aquifer::search::{Evaluation, Instance, Params, Study as RustStudy, StudySpec};
use aquifer::Error;
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Mutex;

/// The TPE sampler with its default settings, as JSON.
#[pyfunction]
pub fn default_sampler() -> String {
    serde_json::to_string(&aquifer::search::Sampler::Tpe(Default::default()))
        .expect("a sampler serialises")
}

/// A study: its spec, its finished trials, and perhaps its records file.
#[pyclass(module = "aquifer._aquifer", frozen)]
pub struct Study {
    inner: Mutex<RustStudy>,
}

fn objective_error(py: Python<'_>, e: PyErr) -> Error {
    let text = e
        .value(py)
        .str()
        .map(|s| s.to_string())
        .unwrap_or_else(|_| "an exception".into());
    Error::Objective(format!(
        "{}: {text}",
        e.get_type(py)
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    ))
}

#[pymethods]
impl Study {
    /// A study from its spec as JSON; with `records`, every trial is appended to that JSON-lines
    /// file as it finishes.
    #[staticmethod]
    #[pyo3(signature = (spec, records = None))]
    fn new(spec: &str, records: Option<PathBuf>) -> PyResult<Self> {
        let spec: StudySpec = serde_json::from_str(spec).map_err(|e| json_error("study", e))?;
        let study = match records {
            Some(path) => RustStudy::recorded(spec, &path),
            None => RustStudy::new(spec),
        }
        .map_err(to_py)?;
        Ok(Study {
            inner: Mutex::new(study),
        })
    }

    /// A study resumed from its records file (its trials kept, numbering continued).
    #[staticmethod]
    fn resume(path: PathBuf) -> PyResult<Self> {
        Ok(Study {
            inner: Mutex::new(RustStudy::resume(&path).map_err(to_py)?),
        })
    }

    /// The spec, as JSON.
    fn spec(&self) -> PyResult<String> {
        let s = lock(&self.inner).map_err(to_py)?;
        Ok(serde_json::to_string(s.spec()).expect("a spec serialises"))
    }

    /// The finished trials, as JSON.
    fn trials(&self) -> PyResult<String> {
        let s = lock(&self.inner).map_err(to_py)?;
        Ok(serde_json::to_string(s.trials()).expect("trials serialise"))
    }

    /// The best trial, as JSON (`null` before any succeeded).
    fn best(&self) -> PyResult<String> {
        let s = lock(&self.inner).map_err(to_py)?;
        Ok(serde_json::to_string(&s.best()).expect("a trial serialises"))
    }

    /// What trial `number` is to run: its hyperparameters as JSON and its instances' seeds
    /// (for trials run elsewhere, told back with `tell`).
    fn ask(&self, number: usize) -> PyResult<(String, Vec<u64>)> {
        let s = lock(&self.inner).map_err(to_py)?;
        let (params, instances) = s.ask(number).map_err(to_py)?;
        let json = serde_json::to_string(&params).expect("parameters serialise");
        Ok((json, instances.iter().map(|i| i.seed).collect()))
    }

    /// Records trial `number` from its instances' losses (a string for a failed instance,
    /// which ends the list) and its time; returns the trial as JSON, or `None` if it is
    /// recorded already.
    fn tell(
        &self,
        py: Python<'_>,
        number: usize,
        params: &str,
        results: Vec<Bound<'_, PyAny>>,
        seconds: f64,
    ) -> PyResult<Option<String>> {
        let params: Params =
            serde_json::from_str(params).map_err(|e| json_error("parameters", e))?;
        let mut told = Vec::with_capacity(results.len());
        for r in &results {
            if let Ok(loss) = r.extract::<f64>() {
                told.push(Ok(Evaluation::from(loss)));
            } else {
                told.push(Err(r.str()?.to_string()));
            }
        }
        let trial = compute(py, || {
            lock(&self.inner)?.tell(number, &params, told, seconds)
        })?;
        Ok(trial.map(|t| serde_json::to_string(&t).expect("a trial serialises")))
    }

    /// Runs trials `0..trials` (those finished already are kept); the objective is called as
    /// `objective(params_json, seed)` and returns a float.
    fn optimize(&self, py: Python<'_>, trials: usize, objective: Py<PyAny>) -> PyResult<()> {
        compute(py, || {
            let mut study = lock(&self.inner)?;
            let call = |p: &Params, i: &Instance| -> aquifer::Result<Evaluation> {
                let json = serde_json::to_string(p).expect("parameters serialise");
                Python::attach(|py| {
                    let out = objective
                        .call1(py, (json, i.seed))
                        .map_err(|e| objective_error(py, e))?;
                    let loss: f64 = out.extract(py).map_err(|e: PyErr| objective_error(py, e))?;
                    Ok(loss.into())
                })
            };
            study.optimize(trials, call).map(|_| ())
        })
    }
}

/// Calls `f()` with at most `threads` threads for the Aquifer work inside it (1: all of it on
/// the calling thread), and returns its result.
#[pyfunction]
pub fn call_with_threads(py: Python<'_>, threads: usize, f: Py<PyAny>) -> PyResult<Py<PyAny>> {
    let budget = aquifer::parallel::Parallelism::threads(threads).map_err(to_py)?;
    py.detach(|| budget.install(|| Python::attach(|py| f.call0(py))))
        .map_err(to_py)?
}

/// The threads Aquifer's parallel work may use here.
#[pyfunction]
pub fn current_threads() -> usize {
    aquifer::parallel::Parallelism::current()
}
