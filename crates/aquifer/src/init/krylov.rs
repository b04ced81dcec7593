//! The largest eigenvalue modulus of a sparse matrix by the Krylov-Schur method (Stewart 2002):
//! Arnoldi steps with a twice-repeated Gram-Schmidt, thick restarts that keep the Ritz vectors of
//! the largest Ritz values, and a residual test on the leading ones.
//!
//! Written here rather than taken from faer's `partial_eigen` because the random matrices of a
//! reservoir are its hardest case (the dominant eigenvalues sit on the rim of a filled disk,
//! with many near-ties of modulus): faer 0.24's solver failed to converge on them for some
//! subspace sizes, and this one runs its products through the reservoir's own CSR kernel, split
//! between two threads as a reservoir step is. Restarting with an orthonormal basis of the kept
//! Ritz vectors (real and imaginary parts of a complex pair) avoids reordering a real Schur form.

use super::Csr;
use crate::error::{Error, Result};
use crate::kernel::{self, CsrView};
use faer::linalg::matmul::matmul;
use faer::{Accum, Col, Mat, Par};
use rand_distr::Distribution;

/// Settings of a Krylov-Schur run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KrylovSchur {
    /// Largest basis size before a restart.
    pub basis: usize,
    /// Ritz vectors kept at a restart (one or two more when that would split a complex pair);
    /// at most `basis - 3`.
    pub keep: usize,
    /// Leading Ritz values (by modulus) that must have converged.
    pub leading: usize,
    /// Relative residual `||W y - theta y|| / |theta_max|` below which a Ritz pair has converged.
    pub tol: f64,
    /// Matrix-vector products before giving up.
    pub max_products: usize,
}

/// What a run found: the largest modulus (`None` if it did not converge) and the number of
/// matrix-vector products it took.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    pub modulus: Option<f64>,
    pub products: usize,
}

impl KrylovSchur {
    /// The largest eigenvalue modulus of the square matrix `w` (at least `basis + 2` rows), from a
    /// fixed pseudo-random start vector.
    pub(crate) fn dominant_modulus(&self, w: &Csr) -> Result<Outcome> {
        let n = w.nrows();
        let m = self.basis;
        assert!(n == w.ncols() && n > m + 1 && self.keep + 3 <= m && self.leading >= 1);
        kernel::with_product(CsrView::new(w), |product| self.run(w, product))
    }

    fn run(&self, w: &Csr, product: &mut dyn FnMut(&[f64], &mut [f64])) -> Result<Outcome> {
        let n = w.nrows();
        let m = self.basis;
        let mut v = Mat::<f64>::zeros(n, m + 1);
        let mut h = Mat::<f64>::zeros(m + 1, m);
        // a fixed pseudo-random start: deterministic, and not orthogonal to the dominant
        // eigenvectors of a structured matrix
        let mut rng = crate::rng::stream(0x5eed_5eed, 0);
        let mut start = Col::<f64>::from_fn(n, |_| rand_distr::StandardNormal.sample(&mut rng));
        let norm = start.norm_l2();
        start /= faer::Scale(norm);
        v.col_mut(0).copy_from(&start);
        let mut wv = Col::<f64>::zeros(n);
        let mut coef = Col::<f64>::zeros(m + 1);
        let mut k = 0;
        let mut products = 0;
        loop {
            for j in k..m {
                let x = v.col(j).try_as_col_major().expect("columns are contiguous");
                let y = wv.as_mut().try_as_col_major_mut().expect("contiguous");
                product(x.as_slice(), y.as_slice_mut());
                products += 1;
                let before = wv.norm_l2();
                let basis = v.as_ref().subcols(0, j + 1);
                coef.fill(0.0);
                for _ in 0..2 {
                    let mut c = Col::<f64>::zeros(j + 1);
                    matmul(
                        c.as_mut(),
                        Accum::Replace,
                        basis.transpose(),
                        wv.as_ref(),
                        1.0,
                        Par::Seq,
                    );
                    matmul(wv.as_mut(), Accum::Add, basis, c.as_ref(), -1.0, Par::Seq);
                    for i in 0..=j {
                        coef[i] += c[i];
                    }
                }
                let beta = wv.norm_l2();
                for i in 0..=j {
                    h[(i, j)] = coef[i];
                }
                h[(j + 1, j)] = beta;
                if beta <= 1e-13 * before || before == 0.0 {
                    // the Krylov space is invariant: its Ritz values are eigenvalues of `w`, and
                    // a generic start vector reaches every eigenvalue
                    let hj = h.as_ref().submatrix(0, 0, j + 1, j + 1).to_owned();
                    let modulus = eigenvalues(hj.as_ref())?
                        .iter()
                        .fold(0.0, |a: f64, z| a.max(z.norm()));
                    return Ok(Outcome {
                        modulus: Some(modulus),
                        products,
                    });
                }
                let mut next = v.col_mut(j + 1);
                next.copy_from(&wv);
                next /= faer::Scale(beta);
            }
            let hm = h.as_ref().subrows(0, m).to_owned();
            let eig = hm
                .eigen()
                .map_err(|e| Error::Eigen(format!("Krylov-Schur projected eigenproblem: {e:?}")))?;
            let (vals, vecs) = (eig.S(), eig.U());
            let mut order: Vec<usize> = (0..m).collect();
            order.sort_by(|&a, &b| vals[b].norm().total_cmp(&vals[a].norm()));
            let rho = vals[order[0]].norm();
            // residual of the Ritz pair i: |h[m, :] y_i| / ||y_i||
            let residual = |i: usize| {
                let mut r = faer::c64::new(0.0, 0.0);
                let mut yy = 0.0;
                for c in 0..m {
                    r += vecs[(c, i)] * h[(m, c)];
                    yy += vecs[(c, i)].norm_sqr();
                }
                r.norm() / yy.sqrt()
            };
            let leading = complete_pairs(&order, self.leading, |i| vals[i].im);
            if rho > 0.0
                && order[..leading]
                    .iter()
                    .all(|&i| residual(i) <= self.tol * rho)
            {
                return Ok(Outcome {
                    modulus: Some(rho),
                    products,
                });
            }
            if products >= self.max_products {
                return Ok(Outcome {
                    modulus: None,
                    products,
                });
            }
            // thick restart on an orthonormal basis of the kept Ritz vectors
            let kept = complete_pairs(&order, self.keep, |i| vals[i].im);
            let chosen = &order[..kept];
            let mut columns: Vec<Col<f64>> = Vec::with_capacity(kept + 1);
            for &i in chosen {
                let z = vals[i];
                let partner_kept = chosen.iter().any(|&j| j != i && vals[j] == z.conj());
                if z.im == 0.0 {
                    columns.push(vecs.col(i).map(|z| z.re));
                } else if z.im > 0.0 || !partner_kept {
                    // a pair's real and imaginary parts span both of its vectors
                    columns.push(vecs.col(i).map(|z| z.re));
                    columns.push(vecs.col(i).map(|z| z.im));
                }
            }
            let kept = columns.len(); // at most keep + 2 < basis
            let y = Mat::<f64>::from_fn(m, kept, |r, c| columns[c][r]);
            let q = y.qr().compute_thin_Q();
            let t = q.transpose() * &hm * &q;
            let b = h.as_ref().row(m) * &q;
            let kept_basis = v.as_ref().subcols(0, m) * &q;
            let last = v.col(m).to_owned();
            v.as_mut().subcols_mut(0, kept).copy_from(&kept_basis);
            v.col_mut(kept).copy_from(&last);
            h.fill(0.0);
            h.as_mut().submatrix_mut(0, 0, kept, kept).copy_from(&t);
            h.as_mut().row_mut(kept).subcols_mut(0, kept).copy_from(&b);
            k = kept;
        }
    }
}

/// How many entries of `order` to take so that at least `count` are taken and no complex pair
/// is split (its two members are adjacent in an order by modulus).
fn complete_pairs(order: &[usize], count: usize, im: impl Fn(usize) -> f64) -> usize {
    let count = count.min(order.len());
    let pairs_open = order[..count].iter().filter(|&&i| im(i) > 0.0).count()
        != order[..count].iter().filter(|&&i| im(i) < 0.0).count();
    if pairs_open && count < order.len() {
        count + 1
    } else {
        count
    }
}

fn eigenvalues(a: faer::MatRef<'_, f64>) -> Result<Vec<faer::c64>> {
    a.eigenvalues()
        .map_err(|e| Error::Eigen(format!("Krylov-Schur projected eigenproblem: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::{csr_from_sorted, random_sparse, ring, spectral_radius_dense, Values};

    const SETTINGS: KrylovSchur = KrylovSchur {
        basis: 40,
        keep: 16,
        leading: 2,
        tol: 1e-10,
        max_products: 3000,
    };

    fn exact(w: &Csr) -> f64 {
        spectral_radius_dense(w.to_dense().as_ref()).unwrap()
    }

    #[test]
    fn matches_the_dense_solver_on_random_matrices() {
        for (values, seed) in [
            (Values::normal(0.0, 1.0), 1),
            (Values::uniform(-1.0, 1.0), 2),
            (Values::bernoulli(0.5), 3),
            (Values::uniform(0.0, 1.0), 4), // a real, isolated dominant eigenvalue
        ] {
            let w = random_sparse(400, 400, values, 0.05, seed).unwrap();
            let run = SETTINGS.dominant_modulus(&w).unwrap();
            let (est, truth) = (run.modulus.unwrap(), exact(&w));
            assert!(
                (est - truth).abs() < 1e-9 * truth,
                "{values:?}: {est} vs {truth}"
            );
            assert!(run.products < SETTINGS.max_products);
        }
    }

    #[test]
    fn products_split_over_two_threads_give_the_same_bits() {
        let w = random_sparse(500, 500, Values::normal(0.0, 1.0), 0.1, 9).unwrap();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let serial = one.install(|| SETTINGS.dominant_modulus(&w).unwrap());
        let split = two.install(|| SETTINGS.dominant_modulus(&w).unwrap());
        assert_eq!(
            serial.modulus.unwrap().to_bits(),
            split.modulus.unwrap().to_bits()
        );
        assert_eq!(serial.products, split.products);
    }

    #[test]
    fn an_invariant_krylov_space_gives_exact_eigenvalues() {
        // diagonal with three distinct values: the Krylov space has dimension 3
        let entries: Vec<_> = (0..300).map(|i| (i, i, [0.5, -2.0, 1.5][i % 3])).collect();
        let d = csr_from_sorted(300, 300, &entries).unwrap();
        let run = SETTINGS.dominant_modulus(&d).unwrap();
        assert_eq!(run.products, 3);
        assert!((run.modulus.unwrap() - 2.0).abs() < 1e-12);
        // rank one u v^T: radius |v . u|
        let u: Vec<f64> = (0..200).map(|i| ((i % 7) as f64 - 3.0) / 10.0).collect();
        let v: Vec<f64> = (0..200).map(|i| ((i % 5) as f64 - 1.0) / 10.0).collect();
        let mut entries = Vec::new();
        for (i, ui) in u.iter().enumerate() {
            for (j, vj) in v.iter().enumerate() {
                if ui * vj != 0.0 {
                    entries.push((i, j, ui * vj));
                }
            }
        }
        let r1 = csr_from_sorted(200, 200, &entries).unwrap();
        let dot: f64 = u.iter().zip(&v).map(|(a, b)| a * b).sum();
        let got = SETTINGS.dominant_modulus(&r1).unwrap().modulus.unwrap();
        assert!(
            (got - dot.abs()).abs() < 1e-12 * dot.abs(),
            "{got} vs {dot}"
        );
    }

    #[test]
    fn a_spectrum_without_gaps_is_reported_as_not_converged() {
        // a cyclic permutation: all 500 eigenvalues on the unit circle, no Ritz value converges
        // before the cap, and the caller falls back to the dense solver
        let w = ring(500, 1.0).unwrap();
        let capped = KrylovSchur {
            max_products: 300,
            ..SETTINGS
        };
        let run = capped.dominant_modulus(&w).unwrap();
        assert!(run.modulus.is_none() && run.products >= 300);
        assert!((crate::init::spectral_radius(&w).unwrap() - 1.0).abs() < 1e-12);
    }
}
