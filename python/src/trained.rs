//! The gradient-trained models: the gated reservoir (ESGP) and the liquid state machine.

use crate::arrays::{list_to_numpy, to_numpy, view, views};
use crate::errors::{compute, json_error, lock, to_py};
use aquifer::gated::{GatedModel, GatedParams, GatedTraining};
use aquifer::grad::TrainingReport;
use aquifer::spiking::{Liquid, LiquidParams, LsmClassifier, SurrogateParams};
use aquifer::traits::{Classify, Fit, Run, Stateful, Targets};
use numpy::{PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde::de::DeserializeOwned;
use std::sync::Mutex;

fn parse<T: DeserializeOwned>(what: &str, json: &str) -> PyResult<T> {
    serde_json::from_str(json).map_err(|e| json_error(what, e))
}

/// The default hyperparameters of `kind` (`gated`, `gated_training`, `liquid`, `surrogate`) as
/// JSON, for the Python layer to override by name.
#[pyfunction]
pub fn default_params(kind: &str) -> PyResult<String> {
    let v = match kind {
        "gated" => serde_json::to_string(&GatedParams::default()),
        "gated_training" => serde_json::to_string(&GatedTraining::default()),
        "liquid" => serde_json::to_string(&LiquidParams::default()),
        "surrogate" => serde_json::to_string(&SurrogateParams::default()),
        other => {
            return Err(to_py(aquifer::Error::invalid(
                "parameter kind",
                other,
                "must be gated, gated_training, liquid or surrogate",
            )))
        }
    };
    Ok(v.expect("parameters serialise"))
}

type Report = Option<(Vec<f64>, Vec<f64>, usize)>;

fn report(r: Option<&TrainingReport>) -> Report {
    r.map(|r| {
        (
            r.train_loss.clone(),
            r.validation_loss.clone(),
            r.best_epoch,
        )
    })
}

/// A gated reservoir with its linear head, trained end to end by backpropagation through time.
#[pyclass(module = "aquifer._aquifer", frozen)]
pub struct Gated {
    inner: Mutex<GatedModel>,
}

#[pymethods]
impl Gated {
    /// An untrained model for `inputs` features and `outputs` values (or classes).
    #[staticmethod]
    fn build(params: &str, training: &str, inputs: usize, outputs: usize) -> PyResult<Self> {
        let p: GatedParams = parse("gated reservoir hyperparameters", params)?;
        let t: GatedTraining = parse("gated training hyperparameters", training)?;
        let m = GatedModel::new(&p, t, inputs, outputs).map_err(to_py)?;
        Ok(Gated {
            inner: Mutex::new(m),
        })
    }

    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: Vec<u8>) -> PyResult<Self> {
        Ok(Gated {
            inner: crate::files::from_bytes(py, data)?,
        })
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        crate::files::to_bytes(py, &self.inner)
    }

    /// Trains towards target series (an output at every step), after `warmup` steps.
    fn fit_series(
        &self,
        py: Python<'_>,
        xs: Vec<PyReadonlyArray2<'_, f64>>,
        ys: Vec<PyReadonlyArray2<'_, f64>>,
        warmup: usize,
    ) -> PyResult<()> {
        let (xv, yv) = (views(&xs), views(&ys));
        compute(py, || {
            lock(&self.inner)?.fit(&xv, Targets::Series(yv.clone()), warmup)
        })
    }

    /// Trains towards one target row per series (`n x O`), the last step's output.
    fn fit_last(
        &self,
        py: Python<'_>,
        xs: Vec<PyReadonlyArray2<'_, f64>>,
        y: PyReadonlyArray2<'_, f64>,
    ) -> PyResult<()> {
        let (xv, yv) = (views(&xs), view(&y));
        compute(py, || lock(&self.inner)?.fit(&xv, Targets::Last(yv), 0))
    }

    /// Trains to classify each series (softmax cross-entropy on the last step's scores).
    fn fit_classes(
        &self,
        py: Python<'_>,
        xs: Vec<PyReadonlyArray2<'_, f64>>,
        labels: Vec<usize>,
        classes: usize,
    ) -> PyResult<()> {
        let xv = views(&xs);
        compute(py, || {
            lock(&self.inner)?.fit(
                &xv,
                Targets::Classes {
                    labels: &labels,
                    classes,
                },
                0,
            )
        })
    }

    /// Outputs for a series from the current state (which moves on).
    fn run<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let xv = view(&x);
        to_numpy(py, compute(py, || lock(&self.inner)?.run(xv))?)
    }

    /// Outputs of each series, each from the current state.
    fn run_many<'py>(
        &self,
        py: Python<'py>,
        xs: Vec<PyReadonlyArray2<'py, f64>>,
    ) -> PyResult<Vec<Bound<'py, PyArray2<f64>>>> {
        let xv = views(&xs);
        list_to_numpy(py, compute(py, || lock(&self.inner)?.run_many(&xv))?)
    }

    /// The class of each series.
    fn classify(&self, py: Python<'_>, xs: Vec<PyReadonlyArray2<'_, f64>>) -> PyResult<Vec<usize>> {
        let xv = views(&xs);
        compute(py, || lock(&self.inner)?.classify(&xv))
    }

    fn reset(&self) -> PyResult<()> {
        lock(&self.inner).map_err(to_py)?.reset();
        Ok(())
    }

    /// Training and validation losses per epoch, and the epoch kept.
    fn report(&self) -> PyResult<Report> {
        Ok(report(lock(&self.inner).map_err(to_py)?.report()))
    }
}

/// A liquid state machine classifier: a LIF liquid and the readout of its binned rates,
/// trained together by surrogate gradients.
#[pyclass(module = "aquifer._aquifer", frozen)]
pub struct Lsm {
    inner: Mutex<LsmClassifier>,
}

#[pymethods]
impl Lsm {
    /// An untrained classifier of `classes` classes for `inputs` features.
    #[staticmethod]
    fn build(
        py: Python<'_>,
        liquid: &str,
        training: &str,
        inputs: usize,
        classes: usize,
    ) -> PyResult<Self> {
        let lp: LiquidParams = parse("liquid hyperparameters", liquid)?;
        let sp: SurrogateParams = parse("surrogate training hyperparameters", training)?;
        let m = compute(py, move || {
            LsmClassifier::new(Liquid::new(&lp, inputs)?, sp, classes)
        })?;
        Ok(Lsm {
            inner: Mutex::new(m),
        })
    }

    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: Vec<u8>) -> PyResult<Self> {
        Ok(Lsm {
            inner: crate::files::from_bytes(py, data)?,
        })
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        crate::files::to_bytes(py, &self.inner)
    }

    /// Trains on series and their classes.
    fn fit(
        &self,
        py: Python<'_>,
        xs: Vec<PyReadonlyArray2<'_, f64>>,
        labels: Vec<usize>,
        classes: usize,
    ) -> PyResult<()> {
        let xv = views(&xs);
        compute(py, || {
            lock(&self.inner)?.fit(
                &xv,
                Targets::Classes {
                    labels: &labels,
                    classes,
                },
                0,
            )
        })
    }

    /// Class scores of each series (`1 x classes` each).
    fn run_many<'py>(
        &self,
        py: Python<'py>,
        xs: Vec<PyReadonlyArray2<'py, f64>>,
    ) -> PyResult<Vec<Bound<'py, PyArray2<f64>>>> {
        let xv = views(&xs);
        list_to_numpy(py, compute(py, || lock(&self.inner)?.run_many(&xv))?)
    }

    /// The class of each series.
    fn classify(&self, py: Python<'_>, xs: Vec<PyReadonlyArray2<'_, f64>>) -> PyResult<Vec<usize>> {
        let xv = views(&xs);
        compute(py, || lock(&self.inner)?.classify(&xv))
    }

    /// Training and validation losses per epoch, and the epoch kept.
    fn report(&self) -> PyResult<Report> {
        Ok(report(lock(&self.inner).map_err(to_py)?.report()))
    }
}
