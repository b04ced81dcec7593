//! Ridge regression solved from the feature matrix itself, by a QR factorisation, rather than
//! from the normal equations.
//!
//! The normal equations square the condition number `k` of the (centred) features: with `k`
//! near `1e8` they keep no correct digit, while a QR factorisation of the features keeps about
//! `16 - log10(k)`. Tasks that need the last digits of the readout (a chaotic series generated
//! in closed loop for many steps, where every step's error is amplified) need this; everything
//! else is well served by the mergeable statistics. The price: every feature row is held at
//! once (`T x F` values), and the result cannot be merged from pieces.
//!
//! With an intercept, features and targets are centred first (the intercept is not
//! penalised). A ridge `lambda > 0` appends `sqrt(lambda) I` below the features (and zeros
//! below the targets): the least-squares solution of that stacked system is exactly the ridge
//! solution. With `lambda = 0`, collinear features make the factor singular: that is an error
//! asking for a ridge. The factorisation runs on one thread, so the result does not depend on
//! the number of threads.

use crate::error::{Error, Result};
use crate::readout::RidgeParams;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::qr::no_pivoting::{factor, solve as qr_solve};
use faer::{Mat, MatRef, Par};

/// Column means of `x`.
fn means(x: MatRef<'_, f64>) -> Vec<f64> {
    let t = x.nrows() as f64;
    (0..x.ncols())
        .map(|j| x.col(j).iter().sum::<f64>() / t)
        .collect()
}

/// The ridge solution `(W, b)` of features `x` (`T x F`) and targets `y` (`T x M`), checked
/// by the caller (same rows, finite values, `T >= 1`).
pub(crate) fn solve(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    params: RidgeParams,
) -> Result<(Mat<f64>, Vec<f64>)> {
    let (t, f, m) = (x.nrows(), x.ncols(), y.ncols());
    let (mx, my) = if params.fit_bias {
        (means(x), means(y))
    } else {
        (vec![0.0; f], vec![0.0; m])
    };
    let extra = if params.ridge > 0.0 { f } else { 0 };
    let root = params.ridge.sqrt();
    if t + extra < f {
        return Err(Error::Solve(format!(
            "least squares needs at least as many rows as features: {} rows for {f} features \
             (use a ridge > 0)",
            t + extra
        )));
    }
    let mut a = Mat::from_fn(t + extra, f, |i, j| {
        if i < t {
            x[(i, j)] - mx[j]
        } else if i - t == j {
            root
        } else {
            0.0
        }
    });
    let mut rhs = Mat::from_fn(
        t + extra,
        m,
        |i, j| if i < t { y[(i, j)] - my[j] } else { 0.0 },
    );
    let rows = t + extra;
    let block = factor::recommended_block_size::<f64>(rows, f);
    let mut coeff = Mat::zeros(block, f);
    factor::qr_in_place(
        a.as_mut(),
        coeff.as_mut(),
        Par::Seq,
        MemStack::new(&mut MemBuffer::new(factor::qr_in_place_scratch::<f64>(
            rows,
            f,
            block,
            Par::Seq,
            Default::default(),
        ))),
        Default::default(),
    );
    // the factor holds R in its upper triangle and the Householder vectors below it
    if extra == 0 {
        let diag: Vec<f64> = (0..f).map(|j| a[(j, j)].abs()).collect();
        let largest = diag.iter().fold(0.0f64, |m, v| m.max(*v));
        let floor = largest * f64::EPSILON * rows.max(f) as f64;
        if let Some(j) = diag.iter().position(|v| *v <= floor) {
            return Err(Error::Solve(format!(
                "feature {j} is a combination of the ones before it (or constant), and ridge = \
                 0: use a ridge > 0"
            )));
        }
    }
    qr_solve::solve_lstsq_in_place(
        a.as_ref(),
        coeff.as_ref(),
        a.as_ref(),
        rhs.as_mut(),
        Par::Seq,
        MemStack::new(&mut MemBuffer::new(
            qr_solve::solve_lstsq_in_place_scratch::<f64>(rows, f, block, m, Par::Seq),
        )),
    );
    let w = rhs.subrows(0, f).to_owned();
    if let Err(e) = crate::series::check_finite("least-squares solution", w.as_ref()) {
        return Err(Error::Solve(format!("the solution is not finite ({e})")));
    }
    let b = (0..m)
        .map(|j| my[j] - (0..f).map(|i| w[(i, j)] * mx[i]).sum::<f64>())
        .collect();
    Ok((w, b))
}
