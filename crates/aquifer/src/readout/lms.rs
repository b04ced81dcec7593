//! Least mean squares: the cheapest online readout, a stochastic-gradient step per sample.
//!
//! Each step on features `x` and target `y`, with learning rate `eta`:
//!
//! ```text
//! e = W^T x + b - y        (a-priori error)
//! W <- W - eta x e^T
//! b <- b - eta e           (if the bias is fitted)
//! ```
//!
//! and the step returns the a-posteriori output with the updated weights. This is ReservoirPy
//! 0.4's rule, except that ReservoirPy returns its output with the previous step's bias. It
//! converges when `0 < eta < 2 / |x|^2` roughly; a diverging run is an error, not NaN weights.
//!
//! ```
//! use aquifer::prelude::*;
//! use aquifer::readout::{Lms, LmsParams};
//! let mut lms = Lms::new(2, 1, LmsParams { learning_rate: 0.1, ..Default::default() })?;
//! let mut out = [0.0];
//! for t in 0..3000 {
//!     let x = [(t % 7) as f64 / 7.0, (t % 5) as f64 / 5.0];
//!     lms.train_step(&x, &[2.0 * x[0] - x[1] + 3.0], &mut out)?;
//! }
//! assert!((lms.weights().0[(0, 0)] - 2.0).abs() < 1e-2);
//! # Ok::<(), aquifer::Error>(())
//! ```

use super::linear::Linear;
use crate::error::{check_positive, Result};
use crate::io::ModelFile;
use crate::series::AsSeries;
use crate::traits::{PartialFit, Persist};
use faer::Mat;
use serde::{Deserialize, Serialize};

/// Hyperparameters of an [`Lms`] readout (defaults: ReservoirPy 0.4's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LmsParams {
    /// Learning rate `eta > 0`.
    pub learning_rate: f64,
    /// Whether to learn the bias.
    pub fit_bias: bool,
}

impl Default for LmsParams {
    fn default() -> Self {
        LmsParams {
            learning_rate: 1e-6,
            fit_bias: true,
        }
    }
}

impl LmsParams {
    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        check_positive("learning_rate", self.learning_rate)
    }
}

/// A least-mean-squares readout (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Lms {
    params: LmsParams,
    linear: Linear,
    steps: usize,
    err: Vec<f64>,
}

/// The configuration part of a saved [`Lms`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedLms {
    features: usize,
    outputs: usize,
    params: LmsParams,
    steps: usize,
}

impl Lms {
    /// A readout from `features` inputs to `outputs` outputs, with zero weights.
    pub fn new(features: usize, outputs: usize, params: LmsParams) -> Result<Self> {
        params.validate()?;
        Ok(Lms {
            params,
            linear: Linear::zeros(features, outputs)?,
            steps: 0,
            err: vec![0.0; outputs],
        })
    }

    /// The hyperparameters.
    pub fn params(&self) -> &LmsParams {
        &self.params
    }
    /// The weights `W` (`F x M`).
    pub(crate) fn weights(&self) -> Mat<f64> {
        self.linear.weights()
    }
    /// The bias `b` (`M`).
    pub(crate) fn intercept(&self) -> &[f64] {
        &self.linear.bias
    }
    /// Input and output dimensions.
    pub(crate) fn dims(&self) -> (usize, usize) {
        (self.linear.features, self.linear.outputs)
    }
    /// Training steps taken so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// `out = W^T x + b`.
    pub(crate) fn predict_into(&self, x: &[f64], out: &mut [f64]) -> Result<()> {
        self.linear.check_io("LMS input", x, out)?;
        self.linear.predict(x, out);
        Ok(())
    }

    /// One learning step on features `x` and target `y`; writes the a-posteriori output into
    /// `out`.
    pub(crate) fn train_step(&mut self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.linear.check_sample("LMS", self.steps, x, y, out)?;
        let f = self.linear.features;
        let eta = self.params.learning_rate;
        self.linear.predict(x, &mut self.err);
        for (e, t) in self.err.iter_mut().zip(y) {
            *e -= t;
        }
        for m in 0..self.linear.outputs {
            let c = eta * self.err[m];
            for (w, xi) in self.linear.w[m * f..(m + 1) * f].iter_mut().zip(x) {
                *w -= c * xi;
            }
        }
        if self.params.fit_bias {
            for (b, e) in self.linear.bias.iter_mut().zip(&self.err) {
                *b -= eta * e;
            }
        }
        self.steps += 1;
        self.linear.check_finite("LMS", self.steps - 1)?;
        self.linear.predict(x, out);
        Ok(())
    }
}

impl Persist for Lms {
    const KIND: &'static str = "lms";
    /// The readout as a model-file part: weights, bias and the step count.
    fn to_part(&self) -> Result<ModelFile> {
        let config = SavedLms {
            features: self.linear.features,
            outputs: self.linear.outputs,
            params: self.params,
            steps: self.steps,
        };
        let mut file = ModelFile::empty(Self::KIND);
        file.set_config(&config)?;
        self.linear.save(&mut file);
        Ok(file)
    }

    /// Rebuilds a readout from [`Lms::to_part`]'s output, checking shapes and values.
    fn from_part(file: &ModelFile) -> Result<Self> {
        crate::traits::check_kind(file, Self::KIND)?;
        let c: SavedLms = file.config_as()?;
        c.params.validate()?;
        Ok(Lms {
            params: c.params,
            linear: Linear::load(file, c.features, c.outputs)?,
            steps: c.steps,
            err: vec![0.0; c.outputs],
        })
    }
}

impl PartialFit for Lms {
    type Output = Mat<f64>;
    /// Learns from a whole series of features (`T x F`) and targets (`T x M`); returns the
    /// a-posteriori outputs (`T x M`).
    fn partial_fit(&mut self, x: impl AsSeries, y: impl AsSeries) -> Result<Mat<f64>> {
        Linear::train_series(self.dims(), x.as_series(), y.as_series(), |x, y, out| {
            self.train_step(x, y, out)
        })
    }
}
