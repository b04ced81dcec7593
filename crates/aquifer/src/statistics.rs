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
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Accum, Mat, MatMut, MatRef};
use serde::{Deserialize, Serialize};

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
    /// Statistics from their parts (`cxx` and `cxy` column-major), every shape and value
    /// checked.
    pub(crate) fn from_parts(
        features: usize,
        targets: usize,
        count: u64,
        mean_x: Vec<f64>,
        mean_y: Vec<f64>,
        cxx: Vec<f64>,
        cxy: Vec<f64>,
    ) -> Result<Self> {
        RidgeStats::try_from(StatsRepr {
            features,
            targets,
            count,
            mean_x,
            mean_y,
            cxx,
            cxy,
        })
    }

    /// Empty statistics for `features` inputs and `targets` outputs; refused, with
    /// [`Error::TooLarge`], if this machine could not hold them.
    pub fn new(features: usize, targets: usize) -> Result<Self> {
        crate::memory::check(
            || format!("ridge statistics of {features} features"),
            crate::memory::values(features + targets, features + targets, 1),
        )?;
        Ok(RidgeStats {
            features,
            targets,
            count: 0,
            mean_x: vec![0.0; features],
            mean_y: vec![0.0; targets],
            cxx: Mat::zeros(features, features),
            cxy: Mat::zeros(features, targets),
        })
    }

    /// Statistics of the rows of `x` (`T x F`) and `y` (`T x M`) after the first `warmup`.
    pub fn from_series(x: MatRef<'_, f64>, y: MatRef<'_, f64>, warmup: usize) -> Result<Self> {
        let mut s = RidgeStats::new(x.ncols(), y.ncols())?;
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

    /// Statistics of one block of rows (checked), on this thread. The block is centred in
    /// place (it is a copy the caller owns) and `Cxx` formed from the centred rows in one
    /// symmetric product: no cancellation however large the means, and one product per block.
    #[cfg(test)]
    pub(crate) fn of_block(x: MatMut<'_, f64>, y: MatMut<'_, f64>) -> Self {
        let mut s = RidgeStats::new(x.ncols(), y.ncols()).expect("a small block");
        s.set_to_block(x, y);
        s
    }

    /// [`RidgeStats::of_block`] written over these statistics (of the same widths), so that a
    /// stream of blocks allocates nothing.
    pub(crate) fn set_to_block(&mut self, mut x: MatMut<'_, f64>, mut y: MatMut<'_, f64>) {
        debug_assert!(x.ncols() == self.features && y.ncols() == self.targets);
        self.count = x.nrows() as u64;
        self.mean_x = centre_columns(x.rb_mut());
        self.mean_y = centre_columns(y.rb_mut());
        // one thread: blocks are formed in parallel, and each the same way whatever the threads
        let par = faer::Par::Seq;
        let (x, y) = (x.rb(), y.rb());
        triangular::matmul(
            self.cxx.as_mut(),
            BlockStructure::TriangularLower,
            Accum::Replace,
            x.transpose(),
            BlockStructure::Rectangular,
            x,
            BlockStructure::Rectangular,
            1.0,
            par,
        );
        symmetrise_lower(self.cxx.as_mut());
        matmul(
            self.cxy.as_mut(),
            Accum::Replace,
            x.transpose(),
            y,
            1.0,
            par,
        );
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

/// Subtracts from each column its mean (summed in four interleaved lanes); returns the means.
fn centre_columns(mut a: MatMut<'_, f64>) -> Vec<f64> {
    let t = a.nrows();
    (0..a.ncols())
        .map(|j| {
            let col = a.rb_mut().col_mut(j);
            let mean = sum_in_lanes(t, |i| col[i]) / t as f64;
            col.iter_mut().for_each(|v| *v -= mean);
            mean
        })
        .collect()
}
