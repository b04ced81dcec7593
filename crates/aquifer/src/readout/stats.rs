//! Sufficient statistics of ridge regression, accumulated per series or chunk and merged.
//!
//! Offline training is a reduction: each series (or chunk, or worker) accumulates statistics,
//! these are merged (associative, serialisable), and the readout is solved once. The statistics
//! are the count, the means of `x` and `y`, and the **centred** cross-products
//! `Cxx = sum (x - mean_x)(x - mean_x)^T` and `Cxy = sum (x - mean_x)(y - mean_y)^T`; the raw
//! `sum x`, `sum y`, `X^T X` and `X^T Y` follow from them ([`RidgeStats::sum_x`],
//! [`RidgeStats::xtx`], ...). Storing them centred and merging with the pairwise update of Chan,
//! Golub & LeVeque (1979) avoids the cancellation of `X^T X - n mean mean^T` when features have
//! large means (raw inputs fed to the readout, unnormalised data).

use crate::error::{Error, Result};
use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Mat, MatMut, MatRef};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows per block when centring a chunk before the cross-product.
const ROW_BLOCK: usize = 2048;
/// Largest tolerated ratio of a raw to a centred sum of squares in the fast path (at most about
/// three decimal digits lost to cancellation).
const MAX_CANCELLATION: f64 = 1e3;

/// Sufficient statistics of a linear least-squares problem `y ~ W^T x + b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StatsRepr", into = "StatsRepr")]
pub struct RidgeStats {
    features: usize,
    targets: usize,
    count: u64,
    mean_x: Vec<f64>,
    mean_y: Vec<f64>,
    cxx: Mat<f64>,
    cxy: Mat<f64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsRepr {
    features: usize,
    targets: usize,
    count: u64,
    mean_x: Vec<f64>,
    mean_y: Vec<f64>,
    /// Column-major `features x features`.
    cxx: Vec<f64>,
    /// Column-major `features x targets`.
    cxy: Vec<f64>,
}

impl From<RidgeStats> for StatsRepr {
    fn from(s: RidgeStats) -> Self {
        let flat = |m: &Mat<f64>| {
            (0..m.ncols())
                .flat_map(|j| m.col_as_slice(j).to_vec())
                .collect()
        };
        StatsRepr {
            features: s.features,
            targets: s.targets,
            count: s.count,
            cxx: flat(&s.cxx),
            cxy: flat(&s.cxy),
            mean_x: s.mean_x,
            mean_y: s.mean_y,
        }
    }
}

impl TryFrom<StatsRepr> for RidgeStats {
    type Error = Error;
    fn try_from(r: StatsRepr) -> Result<Self> {
        let (f, m) = (r.features, r.targets);
        let bad = |what: &str, want: usize, got: usize| {
            Error::shape(
                format!("ridge statistics {what}"),
                format!("{want} values"),
                format!("{got} values"),
            )
        };
        if r.mean_x.len() != f {
            return Err(bad("mean_x", f, r.mean_x.len()));
        }
        if r.mean_y.len() != m {
            return Err(bad("mean_y", m, r.mean_y.len()));
        }
        if Some(r.cxx.len()) != f.checked_mul(f) {
            return Err(bad("cxx", f * f, r.cxx.len()));
        }
        if Some(r.cxy.len()) != f.checked_mul(m) {
            return Err(bad("cxy", f * m, r.cxy.len()));
        }
        for (name, v) in [
            ("mean_x", &r.mean_x),
            ("mean_y", &r.mean_y),
            ("cxx", &r.cxx),
            ("cxy", &r.cxy),
        ] {
            crate::series::check_finite_slice(&format!("ridge statistics {name}"), v)?;
        }
        Ok(RidgeStats {
            features: f,
            targets: m,
            count: r.count,
            mean_x: r.mean_x,
            mean_y: r.mean_y,
            cxx: MatRef::from_column_major_slice(&r.cxx, f, f).to_owned(),
            cxy: MatRef::from_column_major_slice(&r.cxy, f, m).to_owned(),
        })
    }
}

impl RidgeStats {
    /// Empty statistics for `features` inputs and `targets` outputs.
    pub fn new(features: usize, targets: usize) -> Self {
        RidgeStats {
            features,
            targets,
            count: 0,
            mean_x: vec![0.0; features],
            mean_y: vec![0.0; targets],
            cxx: Mat::zeros(features, features),
            cxy: Mat::zeros(features, targets),
        }
    }

    /// Statistics of the rows of `x` (`T x F`) and `y` (`T x M`) after the first `warmup`.
    pub fn from_series(x: MatRef<'_, f64>, y: MatRef<'_, f64>, warmup: usize) -> Result<Self> {
        let mut s = RidgeStats::new(x.ncols(), y.ncols());
        s.accumulate(x, y, warmup)?;
        Ok(s)
    }

    /// Number of feature columns.
    pub fn features(&self) -> usize {
        self.features
    }
    /// Number of target columns.
    pub fn targets(&self) -> usize {
        self.targets
    }
    /// Number of rows accumulated.
    pub fn count(&self) -> u64 {
        self.count
    }
    /// Mean of the features.
    pub fn mean_x(&self) -> &[f64] {
        &self.mean_x
    }
    /// Mean of the targets.
    pub fn mean_y(&self) -> &[f64] {
        &self.mean_y
    }
    /// Centred `sum (x - mean_x)(x - mean_x)^T`.
    pub fn cxx(&self) -> MatRef<'_, f64> {
        self.cxx.as_ref()
    }
    /// Centred `sum (x - mean_x)(y - mean_y)^T`.
    pub fn cxy(&self) -> MatRef<'_, f64> {
        self.cxy.as_ref()
    }
    /// `sum x`.
    pub fn sum_x(&self) -> Vec<f64> {
        self.mean_x.iter().map(|m| m * self.count as f64).collect()
    }
    /// `sum y`.
    pub fn sum_y(&self) -> Vec<f64> {
        self.mean_y.iter().map(|m| m * self.count as f64).collect()
    }
    /// Raw `X^T X = Cxx + n mean_x mean_x^T`.
    pub fn xtx(&self) -> Mat<f64> {
        let n = self.count as f64;
        Mat::from_fn(self.features, self.features, |i, j| {
            self.cxx[(i, j)] + n * self.mean_x[i] * self.mean_x[j]
        })
    }
    /// Raw `X^T Y = Cxy + n mean_x mean_y^T`.
    pub fn xty(&self) -> Mat<f64> {
        let n = self.count as f64;
        Mat::from_fn(self.features, self.targets, |i, j| {
            self.cxy[(i, j)] + n * self.mean_x[i] * self.mean_y[j]
        })
    }

    /// Adds the rows of `x` and `y` after the first `warmup` to the statistics.
    pub fn accumulate(
        &mut self,
        x: MatRef<'_, f64>,
        y: MatRef<'_, f64>,
        warmup: usize,
    ) -> Result<()> {
        self.accumulate_series(x, y, warmup, 0)
    }

    /// Checks the widths of series `series` against `features` and `targets`, and that `warmup`
    /// leaves rows.
    pub(crate) fn check_shapes(
        (features, targets): (usize, usize),
        x: MatRef<'_, f64>,
        y: MatRef<'_, f64>,
        warmup: usize,
        series: usize,
    ) -> Result<()> {
        if x.ncols() != features {
            return Err(Error::shape(
                format!("features of series {series}"),
                format!("(_, {})", features),
                format!("({}, {})", x.nrows(), x.ncols()),
            ));
        }
        if y.ncols() != targets || y.nrows() != x.nrows() {
            return Err(Error::shape(
                format!("targets of series {series}"),
                format!("({}, {})", x.nrows(), targets),
                format!("({}, {})", y.nrows(), y.ncols()),
            ));
        }
        if warmup >= x.nrows() {
            return Err(Error::WarmupTooLong {
                warmup,
                len: x.nrows(),
                series,
            });
        }
        Ok(())
    }

    pub(crate) fn accumulate_series(
        &mut self,
        x: MatRef<'_, f64>,
        y: MatRef<'_, f64>,
        warmup: usize,
        series: usize,
    ) -> Result<()> {
        let chunk = Self::of_series((self.features, self.targets), x, y, warmup, series)?;
        if self.count == 0 {
            *self = chunk;
            return Ok(());
        }
        self.merge(&chunk)
    }

    /// The statistics of one series, checked against the widths `(features, targets)`.
    pub(crate) fn of_series(
        dims: (usize, usize),
        x: MatRef<'_, f64>,
        y: MatRef<'_, f64>,
        warmup: usize,
        series: usize,
    ) -> Result<Self> {
        Self::check_shapes(dims, x, y, warmup, series)?;
        let what = format!("input series {series}");
        crate::series::check_finite(&what, x.subrows(0, warmup))?;
        crate::series::check_finite(&format!("target series {series}"), y)?;
        let x = x.subrows(warmup, x.nrows() - warmup);
        let y = y.subrows(warmup, y.nrows() - warmup);
        let (mean_x, xty) = column_pass(x, y, &what, warmup)?;
        Ok(Self::of_chunk(x, y, mean_x, xty))
    }

    /// Statistics of one chunk.
    ///
    /// Fast path: the raw `X^T X` (lower half only, one symmetric product) and `X^T Y` on the data
    /// as given, then centred by subtracting `n mean mean^T`. That subtraction cancels digits
    /// when a feature's squared mean dwarfs its variance, so the cancellation is measured on the
    /// diagonals and, past [`MAX_CANCELLATION`], the chunk is recomputed on centred copies.
    fn of_chunk(x: MatRef<'_, f64>, y: MatRef<'_, f64>, mean_x: Vec<f64>, xty: Mat<f64>) -> Self {
        let (t, f, m) = (x.nrows(), x.ncols(), y.ncols());
        let mean_y = col_means(y);
        let par = faer::get_global_parallelism();
        let n = t as f64;
        let mut cxx = Mat::zeros(f, f);
        let mut cxy = xty;
        triangular::matmul(
            cxx.as_mut(),
            BlockStructure::TriangularLower,
            Accum::Replace,
            x.transpose(),
            BlockStructure::Rectangular,
            x,
            BlockStructure::Rectangular,
            1.0,
            par,
        );
        let raw_diag: Vec<f64> = (0..f).map(|j| cxx[(j, j)]).collect();
        for j in 0..f {
            for i in j..f {
                cxx[(i, j)] -= n * mean_x[i] * mean_x[j];
            }
            for k in 0..m {
                cxy[(j, k)] -= n * mean_x[j] * mean_y[k];
            }
        }
        let y_raw: Vec<f64> = (0..m)
            .map(|k| y.col(k).iter().map(|v| v * v).sum())
            .collect();
        let y_centred: Vec<f64> = (0..m)
            .map(|k| y.col(k).iter().map(|v| (v - mean_y[k]).powi(2)).sum())
            .collect();
        let cancels = |raw: f64, centred: f64| raw > 0.0 && raw > MAX_CANCELLATION * centred;
        let unstable = (0..f).any(|j| cancels(raw_diag[j], cxx[(j, j)]))
            || (0..m).any(|k| cancels(y_raw[k], y_centred[k]));
        if unstable {
            cxx.fill(0.0);
            cxy.fill(0.0);
            centred_products(x, y, &mean_x, &mean_y, cxx.as_mut(), cxy.as_mut(), par);
        }
        symmetrise_lower(cxx.as_mut());
        RidgeStats {
            features: f,
            targets: m,
            count: t as u64,
            mean_x,
            mean_y,
            cxx,
            cxy,
        }
    }

    /// Merges `other` into `self` (pairwise update of Chan, Golub & LeVeque). Associative and
    /// commutative up to rounding; merging statistics of parts equals accumulating the whole.
    pub fn merge(&mut self, other: &RidgeStats) -> Result<()> {
        if other.features != self.features || other.targets != self.targets {
            return Err(Error::shape(
                "merged ridge statistics",
                format!("{} features, {} targets", self.features, self.targets),
                format!("{} features, {} targets", other.features, other.targets),
            ));
        }
        if other.count == 0 {
            return Ok(());
        }
        if self.count == 0 {
            *self = other.clone();
            return Ok(());
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let dx: Vec<f64> = other
            .mean_x
            .iter()
            .zip(&self.mean_x)
            .map(|(b, a)| b - a)
            .collect();
        let dy: Vec<f64> = other
            .mean_y
            .iter()
            .zip(&self.mean_y)
            .map(|(b, a)| b - a)
            .collect();
        let w = na * nb / n;
        for j in 0..self.features {
            for i in 0..self.features {
                self.cxx[(i, j)] += other.cxx[(i, j)] + w * dx[i] * dx[j];
            }
        }
        for j in 0..self.targets {
            for i in 0..self.features {
                self.cxy[(i, j)] += other.cxy[(i, j)] + w * dx[i] * dy[j];
            }
        }
        for (m, d) in self.mean_x.iter_mut().zip(&dx) {
            *m += d * nb / n;
        }
        for (m, d) in self.mean_y.iter_mut().zip(&dy) {
            *m += d * nb / n;
        }
        self.count += other.count;
        Ok(())
    }
}

/// One pass over the columns of `x`, in parallel: checks that every value is finite (naming the
/// first that is not, at its row in the whole series), and returns the column means and the raw
/// `X^T Y`. Fusing these reads `x` once instead of three times.
fn column_pass(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    what: &str,
    row_offset: usize,
) -> Result<(Vec<f64>, Mat<f64>)> {
    let (t, m) = (x.nrows(), y.ncols());
    let y_cols: Vec<Vec<f64>> = (0..m).map(|k| y.col(k).iter().copied().collect()).collect();
    let per_column: Vec<Result<(f64, Vec<f64>)>> = (0..x.ncols())
        .into_par_iter()
        .map(|j| {
            let col: Vec<f64>;
            let xs = match x.col(j).try_as_col_major() {
                Some(c) => c.as_slice(),
                None => {
                    col = x.col(j).iter().copied().collect();
                    &col
                }
            };
            let sum = sum_in_lanes(t, |i| xs[i]);
            if !sum.is_finite() {
                if let Some(i) = xs.iter().position(|v| !v.is_finite()) {
                    return Err(Error::NonFinite {
                        what: what.to_string(),
                        row: i + row_offset,
                        col: j,
                        value: xs[i],
                    });
                }
            }
            let dots = y_cols
                .iter()
                .map(|yk| sum_in_lanes(t, |i| xs[i] * yk[i]))
                .collect();
            Ok((sum / t as f64, dots))
        })
        .collect();
    let mut means = Vec::with_capacity(x.ncols());
    let mut xty = Mat::zeros(x.ncols(), m);
    for (j, r) in per_column.into_iter().enumerate() {
        let (mean, dots) = r?;
        means.push(mean);
        for (k, d) in dots.into_iter().enumerate() {
            xty[(j, k)] = d;
        }
    }
    Ok((means, xty))
}

/// `sum_{i < n} f(i)` in four interleaved partial sums, so that the loop vectorises.
#[inline(always)]
fn sum_in_lanes(n: usize, f: impl Fn(usize) -> f64) -> f64 {
    let mut a = [0.0f64; 4];
    let body = n - n % 4;
    for i in (0..body).step_by(4) {
        for (l, al) in a.iter_mut().enumerate() {
            *al += f(i + l);
        }
    }
    (body..n).for_each(|i| a[i % 4] += f(i));
    (a[0] + a[1]) + (a[2] + a[3])
}

fn col_means(a: MatRef<'_, f64>) -> Vec<f64> {
    let t = a.nrows() as f64;
    (0..a.ncols())
        .map(|j| a.col(j).iter().sum::<f64>() / t)
        .collect()
}

/// Lower halves of the centred products, by blocks of rows copied and centred.
fn centred_products(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    mean_x: &[f64],
    mean_y: &[f64],
    mut cxx: MatMut<'_, f64>,
    mut cxy: MatMut<'_, f64>,
    par: faer::Par,
) {
    let t = x.nrows();
    let mut xc = Mat::<f64>::zeros(ROW_BLOCK.min(t), x.ncols());
    let mut yc = Mat::<f64>::zeros(ROW_BLOCK.min(t), y.ncols());
    let mut start = 0;
    while start < t {
        let rows = ROW_BLOCK.min(t - start);
        center_into(
            xc.as_mut().subrows_mut(0, rows),
            x.subrows(start, rows),
            mean_x,
        );
        center_into(
            yc.as_mut().subrows_mut(0, rows),
            y.subrows(start, rows),
            mean_y,
        );
        let xb = xc.as_ref().subrows(0, rows);
        let yb = yc.as_ref().subrows(0, rows);
        triangular::matmul(
            cxx.as_mut(),
            BlockStructure::TriangularLower,
            Accum::Add,
            xb.transpose(),
            BlockStructure::Rectangular,
            xb,
            BlockStructure::Rectangular,
            1.0,
            par,
        );
        matmul(cxy.as_mut(), Accum::Add, xb.transpose(), yb, 1.0, par);
        start += rows;
    }
}

/// Copies the lower half of a square matrix onto its upper half, by tiles so that both the
/// reads (down columns) and the writes (along rows) stay in cache.
fn symmetrise_lower(mut a: MatMut<'_, f64>) {
    const B: usize = 32;
    let n = a.ncols();
    for jb in (0..n).step_by(B) {
        for ib in (jb..n).step_by(B) {
            for j in jb..(jb + B).min(n) {
                for i in ib.max(j + 1)..(ib + B).min(n) {
                    a[(j, i)] = a[(i, j)];
                }
            }
        }
    }
}

fn center_into(mut dst: MatMut<'_, f64>, src: MatRef<'_, f64>, mean: &[f64]) {
    for j in 0..src.ncols() {
        let mu = mean[j];
        for (d, s) in dst.as_mut().col_mut(j).iter_mut().zip(src.col(j).iter()) {
            *d = s - mu;
        }
    }
}
