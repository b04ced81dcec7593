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
//! with `u = p / sqrt(d)`, which keeps `P` exactly symmetric in floating point. Only its upper
//! triangle is stored, and each step's update is applied during the next step's `P x`: a step
//! reads and writes half of `P` once and allocates nothing.
//!
//! ```
//! use aquifer::prelude::*;
//! use aquifer::readout::{Rls, RlsParams};
//! // y = 2 x0 - x1, learned online
//! let params = RlsParams { alpha: 1e-2, fit_bias: false, ..Default::default() };
//! let mut rls = Rls::new(2, 1, params)?;
//! let mut out = [0.0];
//! for t in 0..200 {
//!     let x = [(t % 7) as f64 / 7.0, (t % 5) as f64 / 5.0];
//!     rls.train_step(&x, &[2.0 * x[0] - x[1]], &mut out)?;
//! }
//! let (w, _bias) = rls.weights();
//! assert!((w[(0, 0)] - 2.0).abs() < 1e-3 && (w[(1, 0)] + 1.0).abs() < 1e-3);
//! # Ok::<(), aquifer::Error>(())
//! ```

use super::linear::{dot, Linear};
use crate::error::{check_positive, Error, Result};
use crate::io::{ModelFile, Tensor};
use crate::series::{check_finite_slice, AsSeries};
use crate::traits::{PartialFit, Persist};
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
    /// The inverse correlation estimate `P` (`F x F`, symmetric): its upper triangle packed by
    /// columns (column `j` holds `P[0..=j, j]` from offset `j (j + 1) / 2`), before the pending
    /// update.
    packed: Vec<f64>,
    /// The last step's update `P <- (P - u u^T) / lambda`, applied lazily in the same pass as
    /// the next step's `P x`, so that a step reads and writes `P` once.
    u: Vec<f64>,
    pending: bool,
    s: f64,
    steps: usize,
    /// Scratch: `P x` and the error.
    px: Vec<f64>,
    err: Vec<f64>,
}

/// The configuration part of a saved [`Rls`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedRls {
    features: usize,
    outputs: usize,
    params: RlsParams,
    steps: usize,
    pending: bool,
    s: f64,
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
            packed: (0..features)
                .flat_map(|j| (0..=j).map(move |i| if i == j { diag } else { 0.0 }))
                .collect(),
            u: vec![0.0; features],
            pending: false,
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
    /// The current estimate `P` (`F x F`, exactly symmetric).
    pub fn p(&self) -> Mat<f64> {
        let inv_lambda = 1.0 / self.params.forgetting;
        let at = |i: usize, j: usize| {
            let (i, j) = if i <= j { (i, j) } else { (j, i) };
            let v = self.packed[j * (j + 1) / 2 + i];
            if self.pending {
                pending_update(v, self.u[i], self.u[j], inv_lambda)
            } else {
                v
            }
        };
        let f = self.linear.features;
        Mat::from_fn(f, f, at)
    }

    /// `out = W^T x + b`.
    pub(crate) fn predict_into(&self, x: &[f64], out: &mut [f64]) -> Result<()> {
        self.linear.check_io("RLS input", x, out)?;
        self.linear.predict(x, out);
        Ok(())
    }

    /// One learning step on features `x` and target `y`; writes the a-posteriori output into
    /// `out`. Non-finite inputs, and weights that diverge, are errors (the readout is then left
    /// as it was before the step only for input errors).
    pub(crate) fn train_step(&mut self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.linear.check_sample("RLS", self.steps, x, y, out)?;
        let f = self.linear.features;
        let lambda = self.params.forgetting;
        // p = P x, applying the previous step's rank-1 update on the way
        symmetric_update_matvec(
            &mut self.packed,
            self.pending.then_some(&self.u[..]),
            1.0 / lambda,
            x,
            &mut self.px,
        );
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
        // P <- (P - u u^T) / lambda with u = p / sqrt(d) (exactly symmetric), applied lazily
        let scale = inv_d.sqrt();
        for (u, p) in self.u.iter_mut().zip(&self.px) {
            *u = p * scale;
        }
        self.pending = true;
        self.steps += 1;
        self.linear.check_finite("RLS", self.steps - 1)?;
        self.linear.predict(x, out);
        Ok(())
    }
}

/// One element of `(P - u u^T) / lambda`; the same expression for `(i, j)` and `(j, i)`
/// (`ui * uj == uj * ui`), and exact for `lambda = 1` (a product by 1 rounds to itself).
#[inline(always)]
fn pending_update(p: f64, ui: f64, uj: f64, inv_lambda: f64) -> f64 {
    (p - ui * uj) * inv_lambda
}

/// `P <- (P - u u^T) / lambda` (if `u` is given) and `out = P x`, in one pass over the packed
/// upper triangle. Column `j` contributes `P[..=j, j] . x[..=j]` to `out[j]` and
/// `x[j] P[..j, j]` to `out[..j]`. This pass is the cost of an RLS step: `F (F + 1) / 2` values
/// read and written once (360 KB at F = 300, resident in L2). Compiled for AVX2 when the CPU
/// has it, without fused multiply-adds, so results do not depend on the machine.
fn symmetric_update_matvec(
    packed: &mut [f64],
    u: Option<&[f64]>,
    inv_lambda: f64,
    x: &[f64],
    out: &mut [f64],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { symmetric_update_matvec_avx2(packed, u, inv_lambda, x, out) };
        return;
    }
    symmetric_update_matvec_generic(packed, u, inv_lambda, x, out)
}

/// The AVX2 form of [`symmetric_update_matvec_generic`]: lane `k` of each vector is the
/// generic code's `acc[k]`, with the same operations in the same order, so both give the same
/// bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn symmetric_update_matvec_avx2(
    packed: &mut [f64],
    u: Option<&[f64]>,
    inv_lambda: f64,
    x: &[f64],
    out: &mut [f64],
) {
    use std::arch::x86_64::*;
    let Some(u) = u else {
        return symmetric_update_matvec_generic(packed, None, inv_lambda, x, out);
    };
    let f = x.len();
    assert!(u.len() == f && out.len() == f && packed.len() == f * (f + 1) / 2);
    out.iter_mut().for_each(|v| *v = 0.0);
    let vinv = _mm256_set1_pd(inv_lambda);
    let mut off = 0;
    for j in 0..f {
        let (uj, xj) = (u[j], x[j]);
        let (vuj, vxj) = (_mm256_set1_pd(uj), _mm256_set1_pd(xj));
        let split = j - j % 4;
        let col = packed[off..off + j + 1].as_mut_ptr();
        let mut acc = _mm256_setzero_pd();
        // SAFETY: every offset below is < j, within the column (length j + 1), `u`, `x` and
        // `out` (length f > j); the asserted lengths make the pointers valid.
        unsafe {
            let (up, xp, op) = (u.as_ptr(), x.as_ptr(), out.as_mut_ptr());
            let mut i = 0;
            while i < split {
                let h = _mm256_loadu_pd(col.add(i));
                let uu = _mm256_loadu_pd(up.add(i));
                let v = _mm256_mul_pd(_mm256_sub_pd(h, _mm256_mul_pd(uu, vuj)), vinv);
                _mm256_storeu_pd(col.add(i), v);
                acc = _mm256_add_pd(acc, _mm256_mul_pd(v, _mm256_loadu_pd(xp.add(i))));
                let o = _mm256_loadu_pd(op.add(i));
                _mm256_storeu_pd(op.add(i), _mm256_add_pd(o, _mm256_mul_pd(vxj, v)));
                i += 4;
            }
        }
        let mut lanes = [0.0f64; 4];
        // SAFETY: `lanes` holds four f64.
        unsafe { _mm256_storeu_pd(lanes.as_mut_ptr(), acc) };
        let mut tail = 0.0;
        let colr = &mut packed[off..off + j + 1];
        for i in split..j {
            let v = pending_update(colr[i], u[i], uj, inv_lambda);
            colr[i] = v;
            tail += v * x[i];
            out[i] += xj * v;
        }
        colr[j] = pending_update(colr[j], uj, uj, inv_lambda);
        let diag = colr[j];
        off += j + 1;
        out[j] += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail + diag * xj;
    }
}

#[inline(always)]
fn symmetric_update_matvec_generic(
    packed: &mut [f64],
    u: Option<&[f64]>,
    inv_lambda: f64,
    x: &[f64],
    out: &mut [f64],
) {
    let f = x.len();
    out.iter_mut().for_each(|v| *v = 0.0);
    let mut off = 0;
    for j in 0..f {
        let (head, rest) = packed[off..off + j + 1].split_at_mut(j);
        off += j + 1;
        let xj = x[j];
        let (xh, outh) = (&x[..j], &mut out[..j]);
        let split = j - j % 4;
        let mut acc = [0.0f64; 4];
        let mut tail = 0.0;
        let diag = match u {
            Some(u) => {
                let (uj, uh) = (u[j], &u[..j]);
                let (hb, ht) = head.split_at_mut(split);
                let (ob, ot) = outh.split_at_mut(split);
                for (((h, uu), xx), o) in hb
                    .chunks_exact_mut(4)
                    .zip(uh.chunks_exact(4))
                    .zip(xh.chunks_exact(4))
                    .zip(ob.chunks_exact_mut(4))
                {
                    for k in 0..4 {
                        let v = pending_update(h[k], uu[k], uj, inv_lambda);
                        h[k] = v;
                        acc[k] += v * xx[k];
                        o[k] += xj * v;
                    }
                }
                for (((h, uu), xx), o) in ht
                    .iter_mut()
                    .zip(&uh[split..])
                    .zip(&xh[split..])
                    .zip(ot.iter_mut())
                {
                    let v = pending_update(*h, *uu, uj, inv_lambda);
                    *h = v;
                    tail += v * xx;
                    *o += xj * v;
                }
                rest[0] = pending_update(rest[0], uj, uj, inv_lambda);
                rest[0]
            }
            None => {
                let (hb, ht) = head.split_at(split);
                let (ob, ot) = outh.split_at_mut(split);
                for ((h, xx), o) in hb
                    .chunks_exact(4)
                    .zip(xh.chunks_exact(4))
                    .zip(ob.chunks_exact_mut(4))
                {
                    for k in 0..4 {
                        acc[k] += h[k] * xx[k];
                        o[k] += xj * h[k];
                    }
                }
                for ((h, xx), o) in ht.iter().zip(&xh[split..]).zip(ot.iter_mut()) {
                    tail += h * xx;
                    *o += xj * h;
                }
                rest[0]
            }
        };
        out[j] += (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail + diag * xj;
    }
}

impl Persist for Rls {
    const KIND: &'static str = "rls";
    /// The readout as a model-file part: weights, bias, `P` and the step count, so that
    /// training continues after loading exactly as it would have.
    fn to_part(&self) -> Result<ModelFile> {
        let config = SavedRls {
            features: self.linear.features,
            outputs: self.linear.outputs,
            params: self.params,
            steps: self.steps,
            pending: self.pending,
            s: self.s,
        };
        let mut file = ModelFile::empty(Self::KIND);
        file.set_config(&config)?;
        self.linear.save(&mut file);
        file.tensors
            .insert("p_packed".into(), Tensor::vector(self.packed.clone()));
        file.tensors
            .insert("u".into(), Tensor::vector(self.u.clone()));
        Ok(file)
    }

    /// Rebuilds a readout from [`Rls::to_part`]'s output, checking shapes and values.
    fn from_part(file: &ModelFile) -> Result<Self> {
        crate::traits::check_kind(file, Self::KIND)?;
        let c: SavedRls = file.config_as()?;
        c.params.validate()?;
        let (f, m) = (c.features, c.outputs);
        let packed_len = f
            .checked_add(1)
            .and_then(|g| g.checked_mul(f))
            .map(|v| v / 2)
            .ok_or_else(|| Error::invalid("RLS features", f, "too large"))?;
        let packed = file.f64_tensor("p_packed", &[packed_len])?.to_vec();
        let u = file.f64_tensor("u", &[f])?.to_vec();
        check_finite_slice("RLS P", &packed)?;
        check_finite_slice("RLS pending update", &u)?;
        if !c.s.is_finite() || c.s < 0.0 {
            return Err(Error::invalid(
                "RLS bias normaliser",
                c.s,
                "must be finite and >= 0",
            ));
        }
        let linear = Linear::load(file, f, m)?;
        Ok(Rls {
            params: c.params,
            linear,
            packed,
            u,
            pending: c.pending,
            s: c.s,
            steps: c.steps,
            px: vec![0.0; f],
            err: vec![0.0; m],
        })
    }
}

impl PartialFit for Rls {
    type Output = Mat<f64>;
    /// Learns from a whole series of features (`T x F`) and targets (`T x M`), one step per
    /// row; returns the a-posteriori outputs (`T x M`).
    fn partial_fit(&mut self, x: impl AsSeries, y: impl AsSeries) -> Result<Mat<f64>> {
        Linear::train_series(self.dims(), x.as_series(), y.as_series(), |x, y, out| {
            self.train_step(x, y, out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_avx2_pass_equals_the_generic_one_bit_for_bit() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            for f in 1..14 {
                for inv_lambda in [1.0, 1.0 / 0.97] {
                    let val = |k: usize| ((k * 7919 % 1000) as f64 / 500.0 - 1.0) * 0.3;
                    let packed: Vec<f64> = (0..f * (f + 1) / 2).map(val).collect();
                    let u: Vec<f64> = (0..f).map(|i| val(i + 17)).collect();
                    let x: Vec<f64> = (0..f).map(|i| val(3 * i + 5)).collect();
                    let (mut pa, mut pb) = (packed.clone(), packed);
                    let (mut oa, mut ob) = (vec![0.0; f], vec![0.0; f]);
                    symmetric_update_matvec_generic(&mut pa, Some(&u), inv_lambda, &x, &mut oa);
                    // SAFETY: AVX2 is available, checked above.
                    unsafe {
                        symmetric_update_matvec_avx2(&mut pb, Some(&u), inv_lambda, &x, &mut ob)
                    };
                    assert_eq!(pa, pb, "P, f = {f}");
                    assert_eq!(oa, ob, "P x, f = {f}");
                }
            }
        }
    }
}
