//! Spectral radius: exact (dense eigenvalues), Krylov-Schur estimate for large sparse matrices,
//! rescaling, and fast spectral initialisation.
//!
//! Power iteration is not used: the dominant eigenvalues of a random reservoir are usually a
//! complex-conjugate pair of equal modulus, on which it does not converge.

use super::krylov::KrylovSchur;
use super::random::{random_sparse, Values};
use super::Csr;
use crate::error::{check_connectivity, check_non_negative, Error, Result};
use faer::MatRef;

/// Matrices up to this size use the exact dense eigenvalue solver.
const DENSE_LIMIT: usize = 300;
/// Krylov-Schur settings for sparse matrices. Random reservoirs converge in a few hundred
/// products (their dominant eigenvalues sit on the rim of a filled disk, so convergence is slow
/// but steady); the cap bounds the time of a pathological matrix.
const KRYLOV: KrylovSchur = KrylovSchur {
    basis: 60,
    keep: 24,
    leading: 2,
    tol: 1e-10,
    max_products: 5000,
};
/// Up to this size, a matrix on which the Krylov-Schur solver does not converge falls back to
/// the dense solver (a few seconds at this size).
const DENSE_FALLBACK_LIMIT: usize = 3000;

/// The spectral radius (largest eigenvalue modulus) of a dense square matrix, exactly (up to
/// rounding) from all its eigenvalues. Computed on one thread: a parallel Hessenberg reduction
/// sums in an order that depends on the number of threads, and a reservoir's weights must not.
pub fn spectral_radius_dense(w: MatRef<'_, f64>) -> Result<f64> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::evd;
    check_square(w.nrows(), w.ncols())?;
    let n = w.nrows();
    if n == 0 {
        return Ok(0.0);
    }
    let (mut re, mut im) = (
        faer::diag::Diag::<f64>::zeros(n),
        faer::diag::Diag::<f64>::zeros(n),
    );
    let no = evd::ComputeEigenvectors::No;
    let mut mem = MemBuffer::new(evd::evd_scratch::<f64>(
        n,
        no,
        no,
        faer::Par::Seq,
        Default::default(),
    ));
    evd::evd_real(
        w,
        re.as_mut(),
        im.as_mut(),
        None,
        None,
        faer::Par::Seq,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| Error::Eigen(format!("dense eigenvalue solver: {e:?}")))?;
    let (re, im) = (re.column_vector(), im.column_vector());
    Ok((0..n).map(|i| re[i].hypot(im[i])).fold(0.0, f64::max))
}

/// The spectral radius of a sparse square matrix from a Krylov-Schur (restarted Arnoldi)
/// iteration with a deterministic start vector, converged to a relative residual of `1e-10` on
/// its leading Ritz values. Fails with [`Error::Eigen`] if it does not converge.
pub fn spectral_radius_sparse(w: &Csr) -> Result<f64> {
    let n = w.nrows();
    check_square(n, w.ncols())?;
    if n == 0 || w.compute_nnz() == 0 {
        return Ok(0.0);
    }
    if n <= KRYLOV.basis + 1 {
        return spectral_radius_dense(w.to_dense().as_ref());
    }
    let run = KRYLOV.dominant_modulus(w)?;
    run.modulus.ok_or_else(|| {
        Error::Eigen(format!(
            "Krylov-Schur did not converge on the {n} x {n} matrix in {} products; \
             use spectral_radius_dense for this matrix",
            run.products
        ))
    })
}

/// The spectral radius of a sparse square matrix: exact for small matrices (n <= 300), a
/// converged Krylov-Schur estimate otherwise (falling back to the dense solver up to n = 3000
/// if the estimate does not converge).
pub fn spectral_radius(w: &Csr) -> Result<f64> {
    check_square(w.nrows(), w.ncols())?;
    if w.nrows() <= DENSE_LIMIT {
        return spectral_radius_dense(w.to_dense().as_ref());
    }
    match spectral_radius_sparse(w) {
        Err(Error::Eigen(_)) if w.nrows() <= DENSE_FALLBACK_LIMIT => {
            spectral_radius_dense(w.to_dense().as_ref())
        }
        other => other,
    }
}

/// Rescales `w` in place so that its spectral radius is `target`; returns the radius it had.
///
/// Errors if `target` is negative or not finite, or if `w`'s radius is 0 (a nilpotent matrix
/// cannot be rescaled to a nonzero radius).
pub fn scale_spectral_radius(w: &mut Csr, target: f64) -> Result<f64> {
    check_non_negative("spectral_radius", target)?;
    let current = spectral_radius(w)?;
    if current == 0.0 {
        if target == 0.0 {
            return Ok(0.0);
        }
        return Err(Error::invalid(
            "spectral_radius",
            target,
            "the matrix has spectral radius 0 (nilpotent), it cannot be rescaled",
        ));
    }
    let factor = target / current;
    w.val_mut().iter_mut().for_each(|v| *v *= factor);
    Ok(current)
}

/// Fast spectral initialisation (Gallicchio, Micheli & Pedrelli 2018): a sparse `n x n` matrix
/// with values uniform in `(-a, a)`, `a = 6 sr / (sqrt(12) sqrt(connectivity n))`, whose
/// spectral radius is close to `sr` for large `n` (circular law) without any eigenvalue solve.
pub fn fast_spectral_init(n: usize, sr: f64, connectivity: f64, seed: u64) -> Result<Csr> {
    check_non_negative("spectral_radius", sr)?;
    check_connectivity("connectivity", connectivity)?;
    if n == 0 {
        return Err(Error::invalid("units", 0, "must be >= 1"));
    }
    let a = 6.0 * sr / (12f64.sqrt() * (connectivity * n as f64).sqrt());
    if a == 0.0 {
        return super::csr_from_sorted(n, n, &[]);
    }
    random_sparse(n, n, Values::uniform(-a, a), connectivity, seed)
}

fn check_square(r: usize, c: usize) -> Result<()> {
    if r != c {
        return Err(Error::shape(
            "spectral radius",
            "a square matrix",
            format!("{r} x {c}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn krylov_matches_dense_on_a_random_reservoir() {
        let w = random_sparse(600, 600, Values::uniform(-1.0, 1.0), 0.05, 11).unwrap();
        let exact = spectral_radius_dense(w.to_dense().as_ref()).unwrap();
        let est = spectral_radius_sparse(&w).unwrap();
        assert!(
            (exact - est).abs() / exact < 1e-8,
            "exact {exact} estimate {est}"
        );
    }

    #[test]
    fn rescaling_hits_the_target() {
        let mut w = random_sparse(100, 100, Values::normal(0.0, 1.0), 0.2, 5).unwrap();
        scale_spectral_radius(&mut w, 1.25).unwrap();
        let r = spectral_radius_dense(w.to_dense().as_ref()).unwrap();
        assert!((r - 1.25).abs() < 1e-6);
        let mut big = random_sparse(1500, 1500, Values::uniform(-1.0, 1.0), 0.02, 5).unwrap();
        scale_spectral_radius(&mut big, 0.8).unwrap();
        let r = spectral_radius_sparse(&big).unwrap();
        assert!((r - 0.8).abs() < 1e-3, "{r}");
    }

    #[test]
    fn fast_spectral_init_is_close_for_large_n() {
        let w = fast_spectral_init(1000, 0.9, 0.1, 3).unwrap();
        let r = spectral_radius(&w).unwrap();
        assert!((r - 0.9).abs() < 0.05, "radius {r}");
        assert!(fast_spectral_init(10, -1.0, 0.1, 0).is_err());
        assert!(fast_spectral_init(10, 1.0, 0.0, 0).is_err());
    }

    #[test]
    fn nilpotent_cannot_be_rescaled() {
        let mut l = crate::init::line(10, 1.0).unwrap();
        assert_eq!(spectral_radius(&l).unwrap(), 0.0);
        assert!(scale_spectral_radius(&mut l, 0.9).is_err());
        assert!(scale_spectral_radius(&mut l, -0.5).is_err());
    }
}
