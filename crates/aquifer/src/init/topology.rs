//! Structured reservoir matrices: orthogonal (Haar), ring and line.

use super::{csr_from_sorted, Csr};
use crate::error::{Error, Result};
use faer::Mat;
use rand_distr::Distribution;

/// A random orthogonal `n x n` matrix drawn from the Haar measure (QR of a Gaussian matrix with
/// the signs of `R`'s diagonal folded into `Q`), multiplied by `scale`. All its eigenvalues have
/// modulus `|scale|`, so `scale` is its spectral radius.
pub fn orthogonal(n: usize, scale: f64, seed: u64) -> Result<Mat<f64>> {
    if n == 0 {
        return Err(Error::invalid("units", 0, "must be >= 1"));
    }
    crate::error::check_non_negative("scale", scale)?;
    let mut rng = crate::rng::from_seed(seed);
    let normal = rand_distr::StandardNormal;
    let g = Mat::<f64>::from_fn(n, n, |_, _| normal.sample(&mut rng));
    let qr = g.qr();
    let mut q = qr.compute_Q();
    let r = qr.R();
    for j in 0..n {
        let s = if r[(j, j)] < 0.0 { -scale } else { scale };
        q.col_mut(j).iter_mut().for_each(|v| *v *= s);
    }
    Ok(q)
}

/// The ring: unit `i` receives from unit `i - 1` (and unit 0 from unit `n - 1`) with `weight`.
/// A permutation matrix times `weight`; its spectral radius is `|weight|`.
pub fn ring(n: usize, weight: f64) -> Result<Csr> {
    if n == 0 {
        return Err(Error::invalid("units", 0, "must be >= 1"));
    }
    let entries: Vec<_> = (0..n).map(|i| (i, (i + n - 1) % n, weight)).collect();
    let mut sorted = entries;
    sorted.sort_by_key(|e| (e.0, e.1));
    csr_from_sorted(n, n, &sorted)
}

/// The line (delay line): unit `i` receives from unit `i - 1` with `weight`, unit 0 from none.
/// Nilpotent: its spectral radius is 0, so it cannot be rescaled to a radius.
pub fn line(n: usize, weight: f64) -> Result<Csr> {
    if n == 0 {
        return Err(Error::invalid("units", 0, "must be >= 1"));
    }
    let entries: Vec<_> = (1..n).map(|i| (i, i - 1, weight)).collect();
    csr_from_sorted(n, n, &entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orthogonal_is_orthogonal_and_reproducible() {
        let q = orthogonal(50, 1.0, 9).unwrap();
        let qtq = q.transpose() * &q;
        for i in 0..50 {
            for j in 0..50 {
                let e = if i == j { 1.0 } else { 0.0 };
                assert!((qtq[(i, j)] - e).abs() < 1e-12);
            }
        }
        assert_eq!(q, orthogonal(50, 1.0, 9).unwrap());
        let r =
            crate::init::spectral_radius_dense(orthogonal(40, 0.7, 1).unwrap().as_ref()).unwrap();
        assert!((r - 0.7).abs() < 1e-10);
    }

    #[test]
    fn ring_and_line() {
        let r = ring(5, 0.5).unwrap();
        let d = r.to_dense();
        assert_eq!(d[(0, 4)], 0.5);
        assert_eq!(d[(3, 2)], 0.5);
        assert!((crate::init::spectral_radius(&r).unwrap() - 0.5).abs() < 1e-12);
        let l = line(5, 1.0).unwrap();
        assert_eq!(l.compute_nnz(), 4);
        assert_eq!(l.to_dense()[(0, 4)], 0.0);
    }
}
