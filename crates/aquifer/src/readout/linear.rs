//! The linear map shared by the online readouts: `y = W^T x + b`, with `W` stored one output
//! per row so that predicting and updating touch contiguous memory.

use crate::error::{Error, Result};
use crate::io::{ModelFile, Tensor};
use crate::series::{check_finite_slice, check_pairs};
use faer::{Mat, MatRef};

/// `y = W^T x + b` with `W` stored transposed (`M x F`, row-major) and `b` (`M`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Linear {
    pub(crate) features: usize,
    pub(crate) outputs: usize,
    /// Row `m` holds the weights of output `m`.
    pub(crate) w: Vec<f64>,
    pub(crate) bias: Vec<f64>,
}

/// A dot product with four independent accumulators (vectorises, and does not depend on the
/// compiler reassociating a single sum).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let chunks = n / 4;
    for c in 0..chunks {
        for k in 0..4 {
            acc[k] += a[4 * c + k] * b[4 * c + k];
        }
    }
    let mut tail = 0.0;
    for i in 4 * chunks..n {
        tail += a[i] * b[i];
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

impl Linear {
    pub(crate) fn zeros(features: usize, outputs: usize) -> Result<Self> {
        if features == 0 {
            return Err(Error::invalid("readout input dimension", 0, "must be >= 1"));
        }
        if outputs == 0 {
            return Err(Error::invalid(
                "readout output dimension",
                0,
                "must be >= 1",
            ));
        }
        Ok(Linear {
            features,
            outputs,
            w: vec![0.0; features * outputs],
            bias: vec![0.0; outputs],
        })
    }

    /// Stores the weights (`M x F`) as `w` and the bias as `bias`.
    pub(crate) fn save(&self, file: &mut ModelFile) {
        file.tensors.insert(
            "w".into(),
            Tensor::F64 {
                shape: vec![self.outputs, self.features],
                data: self.w.clone(),
            },
        );
        file.tensors
            .insert("bias".into(), Tensor::vector(self.bias.clone()));
    }

    /// Reads what [`Linear::save`] stored, checking shapes and values.
    pub(crate) fn load(file: &ModelFile, features: usize, outputs: usize) -> Result<Self> {
        let w = file.f64_tensor("w", &[outputs, features])?.to_vec();
        let bias = file.f64_tensor("bias", &[outputs])?.to_vec();
        let mut linear = Linear::zeros(features, outputs)?;
        check_finite_slice("readout weights", &w)?;
        check_finite_slice("readout bias", &bias)?;
        linear.w = w;
        linear.bias = bias;
        Ok(linear)
    }

    pub(crate) fn check_io(&self, what: &'static str, x: &[f64], y: &[f64]) -> Result<()> {
        if x.len() != self.features {
            return Err(Error::shape(
                what,
                format!("{} features", self.features),
                format!("{} features", x.len()),
            ));
        }
        if y.len() != self.outputs {
            return Err(Error::shape(
                what,
                format!("{} outputs", self.outputs),
                format!("{} outputs", y.len()),
            ));
        }
        Ok(())
    }

    /// Checks sizes and finiteness of one training sample (`name` is "RLS", "LMS"...).
    pub(crate) fn check_sample(
        &self,
        name: &str,
        step: usize,
        x: &[f64],
        y: &[f64],
        out: &[f64],
    ) -> Result<()> {
        self.check_io("online readout training step", x, y)?;
        self.check_io("online readout output buffer", x, out)?;
        if let Some(j) = x.iter().chain(y).position(|v| !v.is_finite()) {
            let (what, col, value) = if j < x.len() {
                ("features", j, x[j])
            } else {
                ("target", j - x.len(), y[j - x.len()])
            };
            return Err(Error::NonFinite {
                what: format!("{name} {what}"),
                row: step,
                col,
                value,
            });
        }
        Ok(())
    }

    /// Runs `step(x_t, y_t, out_t)` over the rows of a series pair; returns the outputs.
    pub(crate) fn train_series(
        (features, outputs): (usize, usize),
        x: MatRef<'_, f64>,
        y: MatRef<'_, f64>,
        mut step: impl FnMut(&[f64], &[f64], &mut [f64]) -> Result<()>,
    ) -> Result<Mat<f64>> {
        check_pairs(&[x], &[y], Some(features), Some(outputs))?;
        let mut xr = vec![0.0; features];
        let mut yr = vec![0.0; outputs];
        let mut out = vec![0.0; outputs];
        let mut res = Mat::zeros(x.nrows(), outputs);
        for t in 0..x.nrows() {
            xr.iter_mut().enumerate().for_each(|(j, v)| *v = x[(t, j)]);
            yr.iter_mut().enumerate().for_each(|(j, v)| *v = y[(t, j)]);
            step(&xr, &yr, &mut out)?;
            out.iter().enumerate().for_each(|(j, v)| res[(t, j)] = *v);
        }
        Ok(res)
    }

    /// `out = W^T x + b`, sizes already checked.
    #[inline]
    pub(crate) fn predict(&self, x: &[f64], out: &mut [f64]) {
        for (m, o) in out.iter_mut().enumerate() {
            *o = dot(&self.w[m * self.features..(m + 1) * self.features], x) + self.bias[m];
        }
    }

    /// The weights as `F x M`.
    pub(crate) fn weights(&self) -> Mat<f64> {
        Mat::from_fn(self.features, self.outputs, |f, m| {
            self.w[m * self.features + f]
        })
    }

    /// Checks that the weights stayed finite after an update.
    pub(crate) fn check_finite(&self, what: &'static str, step: usize) -> Result<()> {
        if let Some(i) = self.w.iter().chain(&self.bias).position(|v| !v.is_finite()) {
            let value = self
                .w
                .iter()
                .chain(&self.bias)
                .nth(i)
                .copied()
                .unwrap_or(0.0);
            return Err(Error::NonFinite {
                what: format!("{what} weights (training diverged)"),
                row: step,
                col: i,
                value,
            });
        }
        Ok(())
    }
}
