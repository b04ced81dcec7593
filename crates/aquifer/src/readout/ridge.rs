//! Ridge regression readout: `y = W_out^T x + b`, solved in closed form.
//!
//! With an intercept (the default, as ReservoirPy 0.4), features and targets are centred, the
//! regularisation `ridge * I` applies to `W_out` only (the intercept is not penalised), and
//! `b = mean_y - W_out^T mean_x`. Without an intercept the raw normal equations are solved and
//! `b = 0`. The system `(C + ridge I) W = D` is solved by Cholesky; if that fails (a singular or
//! numerically indefinite matrix, e.g. `ridge = 0` with collinear features) a symmetric
//! eigendecomposition gives the minimum-norm least-squares solution, and if even that fails the
//! error says so.
//!
//! ```
//! use aquifer::prelude::*;
//! // y = 2 x0 - x1 + 3
//! let x = Mat::from_fn(50, 2, |i, j| ((i * (j + 3)) % 7) as f64);
//! let y = Mat::from_fn(50, 1, |i, _| 2.0 * x[(i, 0)] - x[(i, 1)] + 3.0);
//! let mut r = Ridge::new(0.0)?;
//! r.fit(&[&x], &[&y], 0)?;
//! let w = r.weights().unwrap();
//! assert!((w[(0, 0)] - 2.0).abs() < 1e-9 && (r.intercept().unwrap()[0] - 3.0).abs() < 1e-9);
//! # Ok::<(), aquifer::Error>(())
//! ```

use crate::error::{check_non_negative, Error, Result};
use crate::io::{ModelFile, Tensor};
use crate::series::{check_pair_counts, check_pairs, check_series, views, AsSeries};
use crate::statistics::RidgeStats;
use crate::traits::{Fit, Persist, Run, Step, Targets};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Hyperparameters of a [`Ridge`] readout.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RidgeParams {
    /// L2 regularisation `ridge >= 0` on the weights (not on the intercept).
    pub ridge: f64,
    /// Whether to fit an (unpenalised) intercept `b` (ReservoirPy's `fit_bias`).
    #[serde(alias = "fit_intercept")]
    pub fit_bias: bool,
}

impl Default for RidgeParams {
    fn default() -> Self {
        RidgeParams {
            ridge: 1e-6,
            fit_bias: true,
        }
    }
}

impl RidgeParams {
    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        check_non_negative("ridge", self.ridge)
    }
}

/// A ridge regression readout. Unfitted until [`Fit::fit`] or [`Ridge::solve`] succeeds;
/// predicting before that is an [`Error::NotFitted`].
#[derive(Debug, Clone)]
pub struct Ridge {
    params: RidgeParams,
    stats: Option<RidgeStats>,
    weights: Option<Mat<f64>>,
    intercept: Vec<f64>,
}

impl Ridge {
    /// An unfitted readout with regularisation `ridge` and an intercept.
    pub fn new(ridge: f64) -> Result<Self> {
        Self::with_params(RidgeParams {
            ridge,
            ..Default::default()
        })
    }

    /// An unfitted readout with the given hyperparameters.
    pub fn with_params(params: RidgeParams) -> Result<Self> {
        params.validate()?;
        Ok(Ridge {
            params,
            stats: None,
            weights: None,
            intercept: Vec::new(),
        })
    }

    /// A fitted readout from given weights (`F x M`) and intercept (`M`).
    pub fn from_weights(
        weights: Mat<f64>,
        intercept: Vec<f64>,
        params: RidgeParams,
    ) -> Result<Self> {
        params.validate()?;
        if intercept.len() != weights.ncols() {
            return Err(Error::shape(
                "ridge intercept",
                format!("{} values", weights.ncols()),
                format!("{} values", intercept.len()),
            ));
        }
        crate::series::check_finite("ridge weights", weights.as_ref())?;
        crate::series::check_finite_slice("ridge intercept", &intercept)?;
        Ok(Ridge {
            params,
            stats: None,
            weights: Some(weights),
            intercept,
        })
    }

    /// The hyperparameters.
    pub fn params(&self) -> &RidgeParams {
        &self.params
    }
    /// The weights `W_out` (`F x M`), once fitted.
    pub fn weights(&self) -> Option<&Mat<f64>> {
        self.weights.as_ref()
    }
    /// The intercept `b` (`M`), once fitted.
    pub fn intercept(&self) -> Option<&[f64]> {
        self.weights.as_ref().map(|_| self.intercept.as_slice())
    }
    /// Statistics accumulated by [`Ridge::accumulate`] or [`Ridge::fit`].
    pub fn stats(&self) -> Option<&RidgeStats> {
        self.stats.as_ref()
    }
    /// Whether the readout can predict.
    pub fn is_fitted(&self) -> bool {
        self.weights.is_some()
    }

    /// Stores the fitted weights (`weights`, `F x M`) and `intercept` in `file`, if fitted.
    pub(crate) fn save_tensors(&self, file: &mut ModelFile) {
        if let Some(w) = &self.weights {
            file.tensors
                .insert("weights".into(), Tensor::matrix(w.as_ref()));
            file.tensors
                .insert("intercept".into(), Tensor::vector(self.intercept.clone()));
        }
    }

    /// A readout from what [`Ridge::save_tensors`] stored: fitted with `F x M` weights if
    /// `fitted`, else unfitted.
    pub(crate) fn load_tensors(
        file: &ModelFile,
        features: usize,
        outputs: usize,
        params: RidgeParams,
        fitted: bool,
    ) -> Result<Self> {
        if fitted {
            let weights = file.f64_matrix("weights", features, outputs)?;
            let intercept = file.f64_tensor("intercept", &[outputs])?.to_vec();
            Ridge::from_weights(weights, intercept, params)
        } else {
            Ridge::with_params(params)
        }
    }

    /// Adds a chunk (features, targets) to the accumulated statistics without solving; call
    /// [`Ridge::solve`] when all chunks are in.
    pub fn accumulate(
        &mut self,
        features: impl AsSeries,
        targets: impl AsSeries,
        warmup: usize,
    ) -> Result<()> {
        let (x, y) = (features.as_series(), targets.as_series());
        check_pairs(&[x], &[y], None, None)?;
        let chunk = RidgeStats::from_series(x, y, warmup)?;
        match &mut self.stats {
            Some(s) => s.merge(&chunk)?,
            None => self.stats = Some(chunk),
        }
        Ok(())
    }

    /// Solves from the statistics accumulated so far.
    pub fn solve(&mut self) -> Result<()> {
        let stats = self.stats.take().ok_or(Error::Empty {
            what: "ridge statistics (nothing accumulated yet)".into(),
        })?;
        let r = self.solve_stats(&stats);
        self.stats = Some(stats);
        r
    }

    /// Solves from statistics formed elsewhere and keeps them, as [`Ridge::accumulate`]
    /// would have.
    pub(crate) fn solve_owned_stats(&mut self, stats: RidgeStats) -> Result<()> {
        self.solve_stats(&stats)?;
        self.stats = Some(stats);
        Ok(())
    }

    /// Fits as [`Fit::fit`] does, but solves from the feature rows themselves by a QR
    /// factorisation instead of the normal equations: about twice the correct digits when the
    /// features are ill-conditioned (the normal equations square their condition number), at the
    /// price of holding every row after the warm-up at once. The readout keeps no statistics
    /// ([`Ridge::set_ridge`] then asks for a new fit).
    ///
    /// ```
    /// use aquifer::prelude::*;
    /// // y = 2 x0 - x1 + 3, with features whose scales differ by 1e6
    /// let x = Mat::from_fn(40, 2, |i, j| ((i * (j + 3)) % 7) as f64 * [1.0, 1e-6][j]);
    /// let y = Mat::from_fn(40, 1, |i, _| 2.0 * x[(i, 0)] - 1e6 * x[(i, 1)] + 3.0);
    /// let mut r = Ridge::new(0.0)?;
    /// r.fit_lstsq(&[&x], &[&y], 0)?;
    /// let w = r.weights().unwrap();
    /// assert!((w[(0, 0)] - 2.0).abs() < 1e-9 && (w[(1, 0)] + 1e6).abs() < 1e-3);
    /// # Ok::<(), aquifer::Error>(())
    /// ```
    pub fn fit_lstsq<'y, S: AsSeries + Sync>(
        &mut self,
        features: &[S],
        targets: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<()> {
        let targets = targets.into();
        let xs = views(features);
        let ys = targets.series("a ridge readout")?;
        check_pair_counts(&xs, ys)?;
        check_pairs(&xs, ys, Some(xs[0].ncols()), Some(ys[0].ncols()))?;
        let (f, m) = (xs[0].ncols(), ys[0].ncols());
        let mut rows = 0;
        for (i, (x, y)) in xs.iter().zip(ys).enumerate() {
            if x.nrows() != y.nrows() {
                return Err(Error::shape(
                    format!("targets of series {i}"),
                    format!("{} rows", x.nrows()),
                    format!("{} rows", y.nrows()),
                ));
            }
            rows += x.nrows().saturating_sub(warmup);
        }
        if rows == 0 {
            return Err(Error::Empty {
                what: format!("training rows after a warm-up of {warmup}"),
            });
        }
        let mut x_all = Mat::zeros(rows, f);
        let mut y_all = Mat::zeros(rows, m);
        let mut at = 0;
        for (x, y) in xs.iter().zip(ys) {
            let k = x.nrows().saturating_sub(warmup);
            if k > 0 {
                x_all
                    .as_mut()
                    .subrows_mut(at, k)
                    .copy_from(x.subrows(warmup, k));
                y_all
                    .as_mut()
                    .subrows_mut(at, k)
                    .copy_from(y.subrows(warmup, k));
                at += k;
            }
        }
        self.solve_lstsq(x_all, y_all)
    }

    /// Solves by QR from checked, stacked feature and target rows (see [`Ridge::fit_lstsq`]).
    pub(crate) fn solve_lstsq(&mut self, x: Mat<f64>, y: Mat<f64>) -> Result<()> {
        let (w, b) = super::lstsq::solve(x, y, self.params)?;
        self.weights = Some(w);
        self.intercept = b;
        self.stats = None;
        Ok(())
    }

    /// Changes the ridge and solves again from the statistics of the last [`Fit::fit`] (or
    /// accumulation), without the data. A readout loaded from a file, or solved from borrowed
    /// statistics ([`Ridge::solve_stats`]), has none: that is an error.
    pub fn set_ridge(&mut self, ridge: f64) -> Result<()> {
        let params = RidgeParams {
            ridge,
            ..self.params
        };
        params.validate()?;
        let stats = self.stats.as_ref().ok_or_else(|| Error::Unsupported {
            operation: "changing the ridge",
            reason: "the readout keeps no statistics (loaded from a file, or solved from \
                     statistics it was lent): fit it again"
                .into(),
        })?;
        let (w, b) = solve_ridge(stats, params)?;
        self.params = params;
        self.weights = Some(w);
        self.intercept = b;
        Ok(())
    }

    /// Solves from given statistics (e.g. merged from several workers).
    pub fn solve_stats(&mut self, stats: &RidgeStats) -> Result<()> {
        if stats.count() == 0 {
            return Err(Error::Empty {
                what: "ridge statistics".into(),
            });
        }
        let (w, b) = solve_ridge(stats, self.params)?;
        self.weights = Some(w);
        self.intercept = b;
        Ok(())
    }

    /// Predictions `X W_out + 1 b^T` for features `x` (`T x F`).
    pub(crate) fn predict(&self, x: impl AsSeries) -> Result<Mat<f64>> {
        let w = self.weights.as_ref().ok_or_else(not_fitted)?;
        let x = x.as_series();
        check_series("readout features", x, Some(w.nrows()))?;
        let mut y = Mat::zeros(x.nrows(), w.ncols());
        matmul(y.as_mut(), Accum::Replace, x, w.as_ref(), 1.0, Par::Seq);
        for j in 0..w.ncols() {
            let b = self.intercept[j];
            y.col_mut(j).iter_mut().for_each(|v| *v += b);
        }
        Ok(y)
    }

    /// Prediction for one feature vector, written into `out` (`M` values). No allocation.
    pub(crate) fn predict_into(&self, x: &[f64], out: &mut [f64]) -> Result<()> {
        let w = self.weights.as_ref().ok_or_else(not_fitted)?;
        if x.len() != w.nrows() || out.len() != w.ncols() {
            return Err(Error::shape(
                "readout step",
                format!("{} features -> {} outputs", w.nrows(), w.ncols()),
                format!("{} features -> {} outputs", x.len(), out.len()),
            ));
        }
        for (j, o) in out.iter_mut().enumerate() {
            let col = w.col_as_slice(j);
            *o = col.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() + self.intercept[j];
        }
        Ok(())
    }
}

impl Fit for Ridge {
    /// Fits on paired series (features `T_i x F`, targets `T_i x M`), discarding the first
    /// `warmup` rows of each. Series are reduced in parallel and merged in order; any statistics
    /// from earlier [`Ridge::accumulate`] calls are discarded.
    fn fit<'y, S: AsSeries + Sync>(
        &mut self,
        features: &[S],
        targets: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<()> {
        let targets = targets.into();
        let xs = views(features);
        let ys = targets.series("a ridge readout")?;
        // values and widths are checked while accumulating
        check_pair_counts(&xs, ys)?;
        let stats = reduce_stats(&xs, ys, warmup)?;
        self.solve_stats(&stats)?;
        self.stats = Some(stats);
        Ok(())
    }
}

impl Run for Ridge {
    type Output = Mat<f64>;
    /// Predictions `X W_out + 1 b^T` for features `x` (`T x F`); a readout has no state.
    fn run(&mut self, x: impl AsSeries) -> Result<Mat<f64>> {
        self.predict(x)
    }
    fn run_many<S: AsSeries + Sync>(&mut self, xs: &[S]) -> Result<Vec<Mat<f64>>> {
        let this = &*self;
        xs.par_iter().map(|x| this.predict(x)).collect()
    }
}

/// A fitted readout saves as the same part a ridge readout of a model graph does (kind `ridge`).
impl Step for Ridge {
    /// The prediction for one row of features `x`, written to `out` (the readout holds no
    /// state: a step only reads).
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        self.predict_into(x, out)
    }
}

impl Persist for Ridge {
    const KIND: &'static str = "ridge";
    fn to_part(&self) -> Result<ModelFile> {
        let w = self.weights.as_ref().ok_or_else(not_fitted)?;
        self.to_sized_part(w.nrows(), w.ncols())
    }
    fn from_part(part: &ModelFile) -> Result<Self> {
        Ok(Ridge::from_sized_part(part)?.0)
    }
}

/// The configuration part of a saved ridge readout.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedRidge {
    features: usize,
    outputs: usize,
    params: RidgeParams,
    fitted: bool,
}

impl Ridge {
    /// The readout as a part (kind `ridge`) for `features` inputs and `outputs` outputs, which
    /// an unfitted readout does not know by itself.
    pub(crate) fn to_sized_part(&self, features: usize, outputs: usize) -> Result<ModelFile> {
        let config = SavedRidge {
            features,
            outputs,
            params: self.params,
            fitted: self.is_fitted(),
        };
        let mut part = ModelFile::empty(Self::KIND);
        part.set_config(&config)?;
        self.save_tensors(&mut part);
        Ok(part)
    }

    /// Reads what [`Ridge::to_sized_part`] wrote: the readout, its features and outputs.
    pub(crate) fn from_sized_part(part: &ModelFile) -> Result<(Self, usize, usize)> {
        crate::traits::check_kind(part, Self::KIND)?;
        let c: SavedRidge = part.config_as()?;
        if c.features == 0 || c.outputs == 0 {
            return Err(Error::Data {
                source_name: "model file".into(),
                reason: "a ridge readout with no features or outputs".into(),
            });
        }
        let ridge = Ridge::load_tensors(part, c.features, c.outputs, c.params, c.fitted)?;
        Ok((ridge, c.features, c.outputs))
    }
}

fn not_fitted() -> Error {
    Error::NotFitted {
        what: "ridge readout".into(),
    }
}

/// Statistics of paired series, checked, formed in blocks in parallel and merged in order (see
/// [`RidgeStats::of_pairs`]).
pub(crate) fn reduce_stats(
    xs: &[MatRef<'_, f64>],
    ys: &[MatRef<'_, f64>],
    warmup: usize,
) -> Result<RidgeStats> {
    RidgeStats::of_pairs((xs[0].ncols(), ys[0].ncols()), xs, ys, warmup)
}

/// Solves the regularised normal equations from statistics.
fn solve_ridge(stats: &RidgeStats, params: RidgeParams) -> Result<(Mat<f64>, Vec<f64>)> {
    let f = stats.features();
    let normal = || {
        let (mut a, rhs) = if params.fit_bias {
            (stats.cxx().to_owned(), stats.cxy().to_owned())
        } else {
            (stats.xtx(), stats.xty())
        };
        for i in 0..f {
            a[(i, i)] += params.ridge;
        }
        (a, rhs)
    };
    let (a, rhs) = normal();
    let w = match cholesky_solve(a, rhs.as_ref()) {
        Some(w) => w,
        // not positive definite: the normal matrix again (the factorisation overwrote it)
        None => min_norm_solve(normal().0.as_ref(), rhs.as_ref())?,
    };
    if let Err(e) = crate::series::check_finite("ridge solution", w.as_ref()) {
        return Err(Error::Solve(format!("the solution is not finite ({e})")));
    }
    let b = if params.fit_bias {
        (0..stats.targets())
            .map(|j| {
                let wx: f64 = (0..f).map(|i| w[(i, j)] * stats.mean_x()[i]).sum();
                stats.mean_y()[j] - wx
            })
            .collect()
    } else {
        vec![0.0; stats.targets()]
    };
    Ok((w, b))
}

/// The solution of `a w = rhs` for a symmetric positive definite `a` (its lower half is read,
/// and factorised in place) by Cholesky, on one thread: a parallel factorisation sums in an
/// order that depends on the number of threads, and the solution must not. `None` if `a` is not
/// positive definite, or singular to working precision (a pivot below `n eps` times the
/// largest).
fn cholesky_solve(mut l: Mat<f64>, rhs: MatRef<'_, f64>) -> Option<Mat<f64>> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::cholesky::llt;
    let n = l.nrows();
    let mut mem = MemBuffer::new(llt::factor::cholesky_in_place_scratch::<f64>(
        n,
        Par::Seq,
        Default::default(),
    ));
    llt::factor::cholesky_in_place(
        l.as_mut(),
        Default::default(),
        Par::Seq,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .ok()?;
    // a pivot lost in rounding against the largest: numerically singular, so the solution
    // would be noise; the caller takes the minimum-norm one instead
    let pivots: Vec<f64> = (0..n).map(|i| l[(i, i)] * l[(i, i)]).collect();
    let largest = pivots.iter().fold(0.0f64, |m, &p| m.max(p));
    if pivots
        .iter()
        .any(|&p| p <= n as f64 * f64::EPSILON * largest)
    {
        return None;
    }
    let mut w = rhs.to_owned();
    let mut mem = MemBuffer::new(llt::solve::solve_in_place_scratch::<f64>(
        n,
        w.ncols(),
        Par::Seq,
    ));
    llt::solve::solve_in_place(l.as_ref(), w.as_mut(), Par::Seq, MemStack::new(&mut mem));
    Some(w)
}

/// Minimum-norm solution of a symmetric positive semi-definite system by eigendecomposition,
/// treating eigenvalues below `n eps max|lambda|` as zero (on one thread, as
/// [`cholesky_solve`]).
fn min_norm_solve(a: MatRef<'_, f64>, rhs: MatRef<'_, f64>) -> Result<Mat<f64>> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::evd;
    let n = a.nrows();
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let mut u = Mat::<f64>::zeros(n, n);
    let mut mem = MemBuffer::new(evd::self_adjoint_evd_scratch::<f64>(
        n,
        evd::ComputeEigenvectors::Yes,
        Par::Seq,
        Default::default(),
    ));
    evd::self_adjoint_evd(
        a,
        s.as_mut(),
        Some(u.as_mut()),
        Par::Seq,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| {
        Error::Solve(format!(
            "Cholesky failed and so did the eigendecomposition: {e:?}"
        ))
    })?;
    let s = s.column_vector();
    let max = s.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if !max.is_finite() || max == 0.0 {
        return Err(Error::Solve(
            "the regularised normal matrix is zero or not finite (constant features and ridge = 0?)".into(),
        ));
    }
    let tol = a.nrows() as f64 * f64::EPSILON * max;
    let mut proj = Mat::zeros(n, rhs.ncols());
    matmul(
        proj.as_mut(),
        Accum::Replace,
        u.transpose(),
        rhs,
        1.0,
        Par::Seq,
    );
    for i in 0..proj.nrows() {
        let inv = if s[i] > tol { 1.0 / s[i] } else { 0.0 };
        proj.row_mut(i).iter_mut().for_each(|v| *v *= inv);
    }
    let mut w = Mat::zeros(n, rhs.ncols());
    matmul(
        w.as_mut(),
        Accum::Replace,
        u.as_ref(),
        proj.as_ref(),
        1.0,
        Par::Seq,
    );
    Ok(w)
}
