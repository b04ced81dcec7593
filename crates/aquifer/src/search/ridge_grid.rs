//! A ridge readout for every ridge value of a grid at once: one eigendecomposition of the
//! training statistics, `Cxx = Q diag(s) Q^T`, gives `W(r) = Q diag(1 / (s + r)) Q^T Cxy` for
//! any `r`, and the validation features rotated once, `A = (X - mean) Q`, give each ridge's
//! predictions `A diag(1 / (s + r)) Q^T Cxy` for the cost of a product by the readout's width.
//! A search solves for the ridge this way instead of sampling it.

use crate::error::{Error, Result};
use crate::readout::RidgeStats;
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

/// The eigendecomposition of a readout's training statistics (see the [module
/// documentation](self)).
///
/// ```
/// use aquifer::search::RidgeGrid;
/// use aquifer::readout::RidgeStats;
/// let x = aquifer::faer::Mat::from_fn(200, 3, |t, j| ((t * (j + 1)) as f64 * 0.1).sin());
/// let y = aquifer::faer::Mat::from_fn(200, 1, |t, _| x[(t, 0)] - 2.0 * x[(t, 2)] + 0.5);
/// let grid = RidgeGrid::new(&RidgeStats::from_series(x.as_ref(), y.as_ref(), 0)?, true)?;
/// let predictions = grid.predict(x.as_ref(), &[1e-8, 1.0])?;
/// assert!((predictions[0][(10, 0)] - y[(10, 0)]).abs() < 1e-6);
/// # Ok::<(), aquifer::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RidgeGrid {
    /// Eigenvectors of the normal matrix (columns).
    q: Mat<f64>,
    /// Its eigenvalues.
    s: Vec<f64>,
    /// `Q^T` times the cross-products of features and targets.
    c: Mat<f64>,
    mean_x: Vec<f64>,
    mean_y: Vec<f64>,
    fit_bias: bool,
    /// Eigenvalues of `Cxx + r I` at or below this count as zero (minimum-norm solution).
    tol: f64,
}

impl RidgeGrid {
    /// The decomposition of `stats` for a readout with (`fit_bias`) or without an intercept.
    pub fn new(stats: &RidgeStats, fit_bias: bool) -> Result<Self> {
        use faer::dyn_stack::{MemBuffer, MemStack};
        use faer::linalg::evd;
        let f = stats.features();
        let (a, rhs) = if fit_bias {
            (stats.cxx().to_owned(), stats.cxy().to_owned())
        } else {
            (stats.xtx(), stats.xty())
        };
        let mut s = faer::diag::Diag::<f64>::zeros(f);
        let mut q = Mat::<f64>::zeros(f, f);
        let mut mem = MemBuffer::new(evd::self_adjoint_evd_scratch::<f64>(
            f,
            evd::ComputeEigenvectors::Yes,
            Par::Seq,
            Default::default(),
        ));
        evd::self_adjoint_evd(
            a.as_ref(),
            s.as_mut(),
            Some(q.as_mut()),
            Par::Seq,
            MemStack::new(&mut mem),
            Default::default(),
        )
        .map_err(|e| Error::Eigen(format!("statistics of the ridge grid: {e:?}")))?;
        let s: Vec<f64> = s.column_vector().iter().copied().collect();
        let largest = s.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if !largest.is_finite() {
            return Err(Error::Solve(
                "the features' statistics are not finite".into(),
            ));
        }
        let mut c = Mat::zeros(f, rhs.ncols());
        matmul(
            c.as_mut(),
            Accum::Replace,
            q.transpose(),
            rhs.as_ref(),
            1.0,
            Par::Seq,
        );
        Ok(RidgeGrid {
            q,
            s,
            c,
            mean_x: stats.mean_x().to_vec(),
            mean_y: stats.mean_y().to_vec(),
            fit_bias,
            tol: f as f64 * f64::EPSILON * largest,
        })
    }

    /// `1 / (s_i + ridge)`, or 0 for a direction the regularised matrix does not see.
    fn inverse(&self, ridge: f64) -> Vec<f64> {
        self.s
            .iter()
            .map(|&v| {
                let d = v + ridge;
                if d > self.tol {
                    1.0 / d
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// The readout's weights (`F x M`) and intercept at `ridge`.
    pub fn weights(&self, ridge: f64) -> (Mat<f64>, Vec<f64>) {
        let inv = self.inverse(ridge);
        let scaled = Mat::from_fn(self.c.nrows(), self.c.ncols(), |i, j| {
            inv[i] * self.c[(i, j)]
        });
        let mut w = Mat::zeros(self.q.nrows(), self.c.ncols());
        matmul(
            w.as_mut(),
            Accum::Replace,
            self.q.as_ref(),
            scaled.as_ref(),
            1.0,
            Par::Seq,
        );
        let b = if self.fit_bias {
            (0..w.ncols())
                .map(|j| {
                    self.mean_y[j]
                        - (0..w.nrows())
                            .map(|i| w[(i, j)] * self.mean_x[i])
                            .sum::<f64>()
                })
                .collect()
        } else {
            vec![0.0; w.ncols()]
        };
        (w, b)
    }

    /// The predictions for the features `x` (`T x F`) at each ridge value of `ridges`.
    pub fn predict(&self, x: MatRef<'_, f64>, ridges: &[f64]) -> Result<Vec<Mat<f64>>> {
        let f = self.q.nrows();
        if x.ncols() != f {
            return Err(Error::shape(
                "validation features",
                format!("(_, {f})"),
                format!("({}, {})", x.nrows(), x.ncols()),
            ));
        }
        if let Some(r) = ridges.iter().find(|r| !(r.is_finite() && **r >= 0.0)) {
            return Err(Error::invalid("ridge", r, "must be finite and >= 0"));
        }
        // A = (X - mean) Q (or X Q without an intercept), once
        let centred = Mat::from_fn(x.nrows(), f, |t, i| {
            x[(t, i)] - if self.fit_bias { self.mean_x[i] } else { 0.0 }
        });
        let mut a = Mat::zeros(x.nrows(), f);
        matmul(
            a.as_mut(),
            Accum::Replace,
            centred.as_ref(),
            self.q.as_ref(),
            1.0,
            Par::Seq,
        );
        let m = self.c.ncols();
        Ok(ridges
            .iter()
            .map(|&r| {
                let inv = self.inverse(r);
                let scaled = Mat::from_fn(f, m, |i, j| inv[i] * self.c[(i, j)]);
                let mut p = Mat::zeros(x.nrows(), m);
                matmul(
                    p.as_mut(),
                    Accum::Replace,
                    a.as_ref(),
                    scaled.as_ref(),
                    1.0,
                    Par::Seq,
                );
                if self.fit_bias {
                    for j in 0..m {
                        for t in 0..x.nrows() {
                            p[(t, j)] += self.mean_y[j];
                        }
                    }
                }
                p
            })
            .collect())
    }
}

/// `count` ridge values evenly spaced in log scale from `low` to `high` (both included).
pub fn log_grid(low: f64, high: f64, count: usize) -> Result<Vec<f64>> {
    if !(low.is_finite() && high.is_finite() && low > 0.0 && low <= high) {
        return Err(Error::invalid(
            "ridge grid",
            format!("{low}..{high}"),
            "needs 0 < low <= high",
        ));
    }
    if count == 0 {
        return Err(Error::invalid("ridge grid", 0, "needs at least one value"));
    }
    if count == 1 {
        return Ok(vec![low]);
    }
    let (a, b) = (low.log10(), high.log10());
    // 12 significant digits: 1e-10, 1e-9, ... rather than 9.999999999999996e-11
    Ok((0..count)
        .map(|k| {
            let v = 10f64.powf(a + (b - a) * k as f64 / (count - 1) as f64);
            format!("{v:.11e}").parse().unwrap_or(v)
        })
        .collect())
}
