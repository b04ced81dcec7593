//! Ridge regression solved from the feature matrix itself, by a QR factorisation, rather than
//! from the normal equations.
//!
//! The normal equations square the condition number `k` of the (centred) features: with `k`
//! near `1e8` they keep no correct digit, while a QR factorisation of the features keeps about
//! `16 - log10(k)`. Tasks that need the last digits of the readout (a chaotic series generated
//! in closed loop for many steps, where every step's error is amplified) need this; everything
//! else is well served by the mergeable statistics. The price: every feature row is held at
//! once (`T x F` values, centred and factored in place: no second copy), and the result cannot
//! be merged from pieces.
//!
//! With an intercept, features and targets are centred first (the intercept is not
//! penalised). The ridge solution with `lambda > 0` is the least-squares solution of the
//! features with `sqrt(lambda) I` appended below them (and zeros below the targets). Rather
//! than copy every row into that taller matrix, the rows are factored where they are,
//! `X = Q R`, the targets turned by `Q^T`, and the small system `[R; sqrt(lambda) I]`
//! (`2F x F`) factored in turn: the same solution, since `Q` is orthogonal. With
//! `lambda = 0`, collinear features make the factor singular: that is an error asking for a
//! ridge. The factorisation runs on one thread, so the result does not depend on the number of
//! threads.

use crate::error::{Error, Result};
use crate::readout::RidgeParams;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::householder::{
    apply_block_householder_sequence_transpose_on_the_left_in_place_scratch as turn_scratch,
    apply_block_householder_sequence_transpose_on_the_left_in_place_with_conj as turn,
};
use faer::linalg::qr::no_pivoting::{factor, solve as qr_solve};
use faer::{Conj, Mat, MatMut, MatRef, Par};

/// Subtracts each column's mean from it; returns the means.
fn centre(mut x: MatMut<'_, f64>) -> Vec<f64> {
    let t = x.nrows() as f64;
    (0..x.ncols())
        .map(|j| {
            let mean = x.as_ref().col(j).iter().sum::<f64>() / t;
            x.as_mut().col_mut(j).iter_mut().for_each(|v| *v -= mean);
            mean
        })
        .collect()
}

/// Factors `a` in place (Householder vectors below R); returns the block coefficients.
fn qr(mut a: MatMut<'_, f64>) -> Mat<f64> {
    let (rows, cols) = (a.nrows(), a.ncols());
    let block = factor::recommended_block_size::<f64>(rows, cols);
    let mut coeff = Mat::zeros(block, rows.min(cols));
    factor::qr_in_place(
        a.as_mut(),
        coeff.as_mut(),
        Par::Seq,
        MemStack::new(&mut MemBuffer::new(factor::qr_in_place_scratch::<f64>(
            rows,
            cols,
            block,
            Par::Seq,
            Default::default(),
        ))),
        Default::default(),
    );
    coeff
}

/// The least-squares solution of a factored `a` (`rows >= cols`) towards `rhs`, in the first
/// `cols` rows of `rhs`.
fn solve_factored(a: MatRef<'_, f64>, coeff: MatRef<'_, f64>, mut rhs: MatMut<'_, f64>) {
    let (rows, cols) = (a.nrows(), a.ncols());
    let m = rhs.ncols();
    qr_solve::solve_lstsq_in_place(
        a,
        coeff,
        a,
        rhs.as_mut(),
        Par::Seq,
        MemStack::new(&mut MemBuffer::new(
            qr_solve::solve_lstsq_in_place_scratch::<f64>(rows, cols, coeff.nrows(), m, Par::Seq),
        )),
    );
}

/// The ridge solution `(W, b)` of features `x` (`T x F`) and targets `y` (`T x M`), checked
/// by the caller (same rows, finite values, `T >= 1`); both are overwritten.
pub(crate) fn solve(
    mut x: Mat<f64>,
    mut y: Mat<f64>,
    params: RidgeParams,
) -> Result<(Mat<f64>, Vec<f64>)> {
    let (t, f, m) = (x.nrows(), x.ncols(), y.ncols());
    let (mx, my) = if params.fit_bias {
        (centre(x.as_mut()), centre(y.as_mut()))
    } else {
        (vec![0.0; f], vec![0.0; m])
    };
    let w = if params.ridge > 0.0 {
        // the rows reduced to R (F x F, or all T rows when fewer), the targets turned alike
        let (top, turned) = if t > f {
            let coeff = qr(x.as_mut());
            turn(
                x.as_ref(),
                coeff.as_ref(),
                Conj::No,
                y.as_mut(),
                Par::Seq,
                MemStack::new(&mut MemBuffer::new(turn_scratch::<f64>(
                    t,
                    coeff.nrows(),
                    m,
                ))),
            );
            let r = Mat::from_fn(f, f, |i, j| if i <= j { x[(i, j)] } else { 0.0 });
            (r, y.subrows(0, f).to_owned())
        } else {
            (x, y)
        };
        let k = top.nrows();
        let root = params.ridge.sqrt();
        let mut a = Mat::from_fn(k + f, f, |i, j| {
            if i < k {
                top[(i, j)]
            } else if i - k == j {
                root
            } else {
                0.0
            }
        });
        let mut rhs = Mat::from_fn(k + f, m, |i, j| if i < k { turned[(i, j)] } else { 0.0 });
        let coeff = qr(a.as_mut());
        solve_factored(a.as_ref(), coeff.as_ref(), rhs.as_mut());
        rhs.subrows(0, f).to_owned()
    } else {
        if t < f {
            return Err(Error::Solve(format!(
                "least squares needs at least as many rows as features: {t} rows for {f} \
                 features (use a ridge > 0)"
            )));
        }
        let coeff = qr(x.as_mut());
        // the factor holds R in its upper triangle: a tiny diagonal entry is a feature that
        // the ones before it already span
        let diag: Vec<f64> = (0..f).map(|j| x[(j, j)].abs()).collect();
        let largest = diag.iter().fold(0.0f64, |m, v| m.max(*v));
        let floor = largest * f64::EPSILON * t.max(f) as f64;
        if let Some(j) = diag.iter().position(|v| *v <= floor) {
            return Err(Error::Solve(format!(
                "feature {j} is a combination of the ones before it (or constant), and ridge = \
                 0: use a ridge > 0"
            )));
        }
        solve_factored(x.as_ref(), coeff.as_ref(), y.as_mut());
        y.subrows(0, f).to_owned()
    };
    if let Err(e) = crate::series::check_finite("least-squares solution", w.as_ref()) {
        return Err(Error::Solve(format!("the solution is not finite ({e})")));
    }
    let b = (0..m)
        .map(|j| my[j] - (0..f).map(|i| w[(i, j)] * mx[i]).sum::<f64>())
        .collect();
    Ok((w, b))
}
