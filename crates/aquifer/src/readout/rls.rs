//! Recursive least squares: an online readout learning at every step (FORCE learning when its
//! output feeds back into the reservoir).
//!
//! With `P0 = I / alpha`, forgetting factor `lambda` and `S0 = 0`, each step on a feature vector
//! `x` and a target `y`:
//!
//! ```text
//! p = P x,  d = lambda + x.p,  k = p / d              (gain; equals P_next x)
//! P <- (P - p p^T / d) / lambda
//! e = W^T x + b - y                                   (a-priori error)
//! W <- W - k e^T
//! S <- lambda S + 1,  b <- b - e / S                  (running bias, if fitted)
//! ```
//!
//! and the step returns the a-posteriori output `W^T x + b` with the updated weights. This is
//! ReservoirPy 0.4's rule (Sussillo and Abbott 2009; Waegeman et al. 2012), except that
//! ReservoirPy returns its output with the bias of the previous step, and computes `k` as
//! `P_next x` with a second matrix-vector product. The rank-1 update is done as `P -= u u^T`
//! with `u = p / sqrt(d)`, which keeps `P` exactly symmetric in floating point; a step costs two
//! passes over `P` and allocates nothing.
//!
//! ```
//! use aquifer::readout::{Rls, RlsParams};
//! // y = 2 x0 - x1 + 3, learned online
//! let mut rls = Rls::new(2, 1, RlsParams { alpha: 1e-2, ..Default::default() })?;
//! let mut out = [0.0];
//! for t in 0..200 {
//!     let x = [(t % 7) as f64 / 7.0, (t % 5) as f64 / 5.0];
//!     rls.train_step(&x, &[2.0 * x[0] - x[1] + 3.0], &mut out)?;
//! }
//! let w = rls.weights();
//! assert!((w[(0, 0)] - 2.0).abs() < 1e-2 && (w[(1, 0)] + 1.0).abs() < 1e-2);
//! assert!((rls.intercept()[0] - 3.0).abs() < 2e-2);
//! # Ok::<(), aquifer::Error>(())
//! ```

use super::linear::{dot, Linear};
use crate::error::{check_positive, Error, Result};
use crate::series::AsSeries;
use faer::Mat;
use serde::{Deserialize, Serialize};

/// Hyperparameters of an [`Rls`] readout (defaults: ReservoirPy 0.4's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RlsParams {
    /// `P0 = I / alpha`; small values trust the first samples more. `> 0`.
    pub alpha: f64,
    /// Forgetting factor in `(0, 1]`; below 1 past samples weigh less.
    pub forgetting: f64,
    /// Whether to learn the running bias.
    pub fit_bias: bool,
}

impl Default for RlsParams {
    fn default() -> Self {
        RlsParams {
            alpha: 1e-6,
            forgetting: 1.0,
            fit_bias: true,
        }
    }
}

impl RlsParams {
    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        check_positive("alpha", self.alpha)?;
        if !(self.forgetting > 0.0 && self.forgetting <= 1.0) {
            return Err(Error::invalid(
                "forgetting",
                self.forgetting,
                "must lie in (0, 1]",
            ));
        }
        Ok(())
    }
}

/// A recursive-least-squares readout (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Rls {
    params: RlsParams,
    linear: Linear,
    /// The inverse correlation estimate `P` (`F x F`, symmetric).
    p: Mat<f64>,
    s: f64,
    steps: usize,
    /// Scratch: `P x`, the scaled gain and the error.
    px: Vec<f64>,
    err: Vec<f64>,
}

impl Rls {
    /// A readout from `features` inputs to `outputs` outputs, with zero weights.
    pub fn new(features: usize, outputs: usize, params: RlsParams) -> Result<Self> {
        params.validate()?;
        let linear = Linear::zeros(features, outputs)?;
        let diag = 1.0 / params.alpha;
        if !diag.is_finite() {
            return Err(Error::invalid(
                "alpha",
                params.alpha,
                "1 / alpha must be finite",
            ));
        }
        Ok(Rls {
            params,
            linear,
            p: Mat::from_fn(features, features, |i, j| if i == j { diag } else { 0.0 }),
            s: 0.0,
            steps: 0,
            px: vec![0.0; features],
            err: vec![0.0; outputs],
        })
    }

    /// The hyperparameters.
    pub fn params(&self) -> &RlsParams {
        &self.params
    }
    /// The weights `W` (`F x M`).
    pub fn weights(&self) -> Mat<f64> {
        self.linear.weights()
    }
    /// The bias `b` (`M`).
    pub fn intercept(&self) -> &[f64] {
        &self.linear.bias
    }
    /// Input and output dimensions.
    pub fn dims(&self) -> (usize, usize) {
        (self.linear.features, self.linear.outputs)
    }
    /// Training steps taken so far.
    pub fn steps(&self) -> usize {
        self.steps
    }
    /// The current estimate `P` (`F x F`).
    pub fn p(&self) -> &Mat<f64> {
        &self.p
    }

    /// `out = W^T x + b`.
    pub fn predict_into(&self, x: &[f64], out: &mut [f64]) -> Result<()> {
        self.linear.check_io("RLS input", x, out)?;
        self.linear.predict(x, out);
        Ok(())
    }

    /// One learning step on features `x` and target `y`; writes the a-posteriori output into
    /// `out`. Non-finite inputs, and weights that diverge, are errors (the readout is then left
    /// as it was before the step only for input errors).
    pub fn train_step(&mut self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.linear.check_sample("RLS", self.steps, x, y, out)?;
        let f = self.linear.features;
        let lambda = self.params.forgetting;
        // p = P x (P symmetric: column j dotted with x)
        for j in 0..f {
            self.px[j] = dot(col(&self.p, j), x);
        }
        let d = lambda + dot(&self.px, x);
        if !(d > 0.0 && d.is_finite()) {
            return Err(Error::NonFinite {
                what: "RLS denominator lambda + x'Px (P lost positive definiteness)".into(),
                row: self.steps,
                col: 0,
                value: d,
            });
        }
        // a-priori error with the current weights
        self.linear.predict(x, &mut self.err);
        for (e, t) in self.err.iter_mut().zip(y) {
            *e -= t;
        }
        // W <- W - k e^T with k = p / d
        let inv_d = 1.0 / d;
        for m in 0..self.linear.outputs {
            let c = self.err[m] * inv_d;
            let row = &mut self.linear.w[m * f..(m + 1) * f];
            for (w, p) in row.iter_mut().zip(&self.px) {
                *w -= c * p;
            }
        }
        if self.params.fit_bias {
            self.s = lambda * self.s + 1.0;
            let inv_s = 1.0 / self.s;
            for (b, e) in self.linear.bias.iter_mut().zip(&self.err) {
                *b -= e * inv_s;
            }
        }
        // P <- (P - u u^T) / lambda with u = p / sqrt(d): exactly symmetric
        let scale = inv_d.sqrt();
        for v in self.px.iter_mut() {
            *v *= scale;
        }
        let inv_lambda = 1.0 / lambda;
        for j in 0..f {
            let uj = self.px[j];
            let c = col_mut(&mut self.p, j);
            if lambda == 1.0 {
                for (pij, ui) in c.iter_mut().zip(&self.px) {
                    *pij -= ui * uj;
                }
            } else {
                for (pij, ui) in c.iter_mut().zip(&self.px) {
                    *pij = (*pij - ui * uj) * inv_lambda;
                }
            }
        }
        self.steps += 1;
        self.linear.check_finite("RLS", self.steps - 1)?;
        self.linear.predict(x, out);
        Ok(())
    }

    /// Learns from a whole series of features (`T x F`) and targets (`T x M`), one step per
    /// row; returns the a-posteriori outputs (`T x M`).
    pub fn train(&mut self, x: impl AsSeries, y: impl AsSeries) -> Result<Mat<f64>> {
        Linear::train_series(self.dims(), x.as_series(), y.as_series(), |x, y, out| {
            self.train_step(x, y, out)
        })
    }
}

fn col(m: &Mat<f64>, j: usize) -> &[f64] {
    m.col(j)
        .try_as_col_major()
        .expect("an owned matrix has contiguous columns")
        .as_slice()
}

fn col_mut(m: &mut Mat<f64>, j: usize) -> &mut [f64] {
    m.col_mut(j)
        .try_as_col_major_mut()
        .expect("an owned matrix has contiguous columns")
        .as_slice_mut()
}
