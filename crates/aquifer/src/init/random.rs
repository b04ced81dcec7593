//! Random dense and sparse matrices.

use super::{csr_from_sorted, Csr};
use crate::error::{check_connectivity, check_probability, Error, Result};
use faer::Mat;
use rand::RngExt;
use rand_distr::Distribution;
use serde::{Deserialize, Serialize};

/// The distribution of the nonzero values of a random matrix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "lowercase", deny_unknown_fields)]
pub enum Values {
    /// Uniform on `[low, high)`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Normal with mean and standard deviation.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (>= 0).
        std: f64,
    },
    /// `+1` with probability `p`, `-1` otherwise (ReservoirPy's `bernoulli`).
    Bernoulli {
        /// Probability of `+1`.
        p: f64,
    },
}

impl Values {
    /// Uniform on `[low, high)`.
    pub fn uniform(low: f64, high: f64) -> Self {
        Values::Uniform { low, high }
    }
    /// Normal with the given mean and standard deviation.
    pub fn normal(mean: f64, std: f64) -> Self {
        Values::Normal { mean, std }
    }
    /// `+1` with probability `p`, `-1` otherwise.
    pub fn bernoulli(p: f64) -> Self {
        Values::Bernoulli { p }
    }

    /// Checks the distribution's parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Values::Uniform { low, high } => {
                if !(low.is_finite() && high.is_finite() && low < high) {
                    return Err(Error::invalid(
                        "uniform bounds",
                        format!("[{low}, {high})"),
                        "need finite low < high",
                    ));
                }
            }
            Values::Normal { mean, std } => {
                if !mean.is_finite() {
                    return Err(Error::invalid("normal mean", mean, "must be finite"));
                }
                crate::error::check_non_negative("normal std", std)?;
            }
            Values::Bernoulli { p } => check_probability("bernoulli p", p)?,
        }
        Ok(())
    }

    /// Draws `n` values.
    pub(crate) fn sample_n(&self, rng: &mut crate::rng::ChaCha8Rng, n: usize) -> Result<Vec<f64>> {
        self.validate()?;
        Ok(match *self {
            Values::Uniform { low, high } => {
                let d = rand::distr::Uniform::new(low, high).map_err(|e| {
                    Error::invalid("uniform bounds", format!("[{low}, {high})"), &e.to_string())
                })?;
                (0..n).map(|_| d.sample(rng)).collect()
            }
            Values::Normal { mean, std } => {
                let d = rand_distr::Normal::new(mean, std)
                    .map_err(|e| Error::invalid("normal std", std, &e.to_string()))?;
                (0..n).map(|_| d.sample(rng)).collect()
            }
            Values::Bernoulli { p } => (0..n)
                .map(|_| if rng.random_bool(p) { 1.0 } else { -1.0 })
                .collect(),
        })
    }
}

/// Positions (row-major linear indices, sorted) of the nonzeros of a `rows x cols` matrix at the
/// given connectivity: exactly `round(connectivity * rows * cols)` of them (at least one), chosen
/// uniformly without replacement, as `scipy.sparse.random` does.
fn nonzero_positions(
    rows: usize,
    cols: usize,
    connectivity: f64,
    rng: &mut crate::rng::ChaCha8Rng,
) -> Result<Vec<usize>> {
    check_connectivity("connectivity", connectivity)?;
    let total = rows
        .checked_mul(cols)
        .ok_or_else(|| Error::invalid("matrix size", format!("{rows} x {cols}"), "too large"))?;
    if total == 0 {
        return Ok(Vec::new());
    }
    let nnz = ((connectivity * total as f64).round() as usize).clamp(1, total);
    // positions, values and entries of the nonzeros, and a bitmap of the positions
    crate::memory::check(
        || format!("a random {rows} x {cols} matrix with {nnz} nonzeros"),
        (nnz as u128 * 32).saturating_add(total as u128 / 8),
    )?;
    if nnz == total {
        return Ok((0..total).collect());
    }
    let mut pos = rand::seq::index::sample(rng, total, nnz).into_vec();
    if total / 64 <= 8 * nnz {
        // sorted by a bitmap of the positions (`total` bits, at most 8 words per position):
        // a linear scan instead of an `n log n` sort
        let mut bits = vec![0u64; total.div_ceil(64)];
        for &p in &pos {
            bits[p / 64] |= 1 << (p % 64);
        }
        pos.clear();
        for (w, &word) in bits.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                pos.push(w * 64 + word.trailing_zeros() as usize);
                word &= word - 1;
            }
        }
    } else {
        pos.sort_unstable();
    }
    Ok(pos)
}

/// A sparse random matrix: nonzero positions uniform at the given connectivity, values from
/// `values`. The same seed gives the same matrix as [`random_dense`].
///
/// ```
/// use aquifer::init::{random_sparse, Values};
/// let w = random_sparse(100, 100, Values::normal(0.0, 1.0), 0.1, 7)?;
/// assert_eq!(w.compute_nnz(), 1000);
/// # Ok::<(), aquifer::Error>(())
/// ```
pub fn random_sparse(
    rows: usize,
    cols: usize,
    values: Values,
    connectivity: f64,
    seed: u64,
) -> Result<Csr> {
    values.validate()?;
    let mut rng = crate::rng::from_seed(seed);
    let pos = nonzero_positions(rows, cols, connectivity, &mut rng)?;
    let vals = values.sample_n(&mut rng, pos.len())?;
    let entries: Vec<_> = pos
        .iter()
        .zip(vals)
        .map(|(&p, v)| (p / cols, p % cols, v))
        .collect();
    csr_from_sorted(rows, cols, &entries)
}

/// A dense random matrix; equal to `random_sparse(...).to_dense()` with the same arguments.
pub fn random_dense(
    rows: usize,
    cols: usize,
    values: Values,
    connectivity: f64,
    seed: u64,
) -> Result<Mat<f64>> {
    values.validate()?;
    crate::memory::check(
        || format!("a {rows} x {cols} matrix"),
        crate::memory::values(rows, cols, 1),
    )?;
    let mut rng = crate::rng::from_seed(seed);
    let pos = nonzero_positions(rows, cols, connectivity, &mut rng)?;
    let vals = values.sample_n(&mut rng, pos.len())?;
    let mut m = Mat::zeros(rows, cols);
    for (&p, v) in pos.iter().zip(vals) {
        m[(p / cols, p % cols)] = v;
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_and_dense_agree_and_are_reproducible() {
        let v = Values::uniform(-1.0, 1.0);
        let s = random_sparse(30, 40, v, 0.2, 3).unwrap();
        let d = random_dense(30, 40, v, 0.2, 3).unwrap();
        assert_eq!(s.to_dense(), d);
        assert_eq!(s.compute_nnz(), 240);
        let s2 = random_sparse(30, 40, v, 0.2, 3).unwrap();
        assert_eq!(s.val(), s2.val());
        let s3 = random_sparse(30, 40, v, 0.2, 4).unwrap();
        assert_ne!(s.val(), s3.val());
    }

    #[test]
    fn value_distributions() {
        let n = 200;
        let u = random_dense(n, n, Values::uniform(2.0, 3.0), 1.0, 1).unwrap();
        assert!(u
            .col_iter()
            .flat_map(|c| c.iter().copied().collect::<Vec<_>>())
            .all(|x| (2.0..3.0).contains(&x)));
        let g = random_dense(n, n, Values::normal(1.0, 2.0), 1.0, 1).unwrap();
        let vals: Vec<f64> = (0..n * n).map(|k| g[(k / n, k % n)]).collect();
        let mean = vals.iter().sum::<f64>() / vals.len() as f64;
        let var = vals.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / vals.len() as f64;
        assert!((mean - 1.0).abs() < 0.05, "mean {mean}");
        assert!((var.sqrt() - 2.0).abs() < 0.05, "std {}", var.sqrt());
        let b = random_sparse(n, n, Values::bernoulli(0.8), 0.5, 1).unwrap();
        let plus = b.val().iter().filter(|&&x| x == 1.0).count() as f64 / b.val().len() as f64;
        assert!(b.val().iter().all(|&x| x == 1.0 || x == -1.0));
        assert!((plus - 0.8).abs() < 0.02, "fraction of +1: {plus}");
    }

    #[test]
    fn invalid_arguments_are_errors() {
        let v = Values::uniform(-1.0, 1.0);
        for c in [0.0, -0.1, 1.5, f64::NAN] {
            assert!(matches!(
                random_sparse(10, 10, v, c, 0),
                Err(Error::InvalidParameter {
                    name: "connectivity",
                    ..
                })
            ));
        }
        assert!(random_dense(10, 10, Values::uniform(1.0, -1.0), 0.5, 0).is_err());
        assert!(random_dense(10, 10, Values::normal(0.0, -1.0), 0.5, 0).is_err());
        assert!(random_dense(10, 10, Values::bernoulli(1.5), 0.5, 0).is_err());
    }
}
