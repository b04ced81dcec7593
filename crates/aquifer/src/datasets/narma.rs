//! NARMA: nonlinear autoregressive moving average tasks.

use crate::error::{Error, Result};
use faer::Mat;
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// Parameters of a NARMA system of order `n`:
///
/// ```text
/// y[t+1] = a1 y[t] + a2 y[t] sum_{i=0}^{n-1} y[t-i] + b u[t-n+1] u[t] + c,   u[t] ~ U[0, 0.5]
/// ```
///
/// [`Narma::narma10`] gives the classic NARMA-10 of Atiya & Parlos (2000)
/// (`a1 = 0.3, a2 = 0.05, b = 1.5, c = 0.1`). The default uses ReservoirPy's constants
/// (order 30, `a1 = 0.2, a2 = 0.04, b = 1.5, c = 0.001`). ReservoirPy's code sums
/// `y[t-n..t-1]` and multiplies `u[t-n]`, one step off the equation it documents; Aquifer
/// implements the equation as written above.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Narma {
    /// Order `n` (>= 1).
    pub order: usize,
    /// `a1`.
    pub a1: f64,
    /// `a2`.
    pub a2: f64,
    /// `b`.
    pub b: f64,
    /// `c`.
    pub c: f64,
    /// Steps run and discarded before the returned series, so it starts on the attractor.
    pub transient: usize,
    /// Upper bound of the uniform input (ReservoirPy and the literature: 0.5).
    pub u_max: f64,
    /// Seed of the input.
    pub seed: u64,
}

impl Default for Narma {
    fn default() -> Self {
        Narma {
            order: 30,
            a1: 0.2,
            a2: 0.04,
            b: 1.5,
            c: 0.001,
            transient: 200,
            u_max: 0.5,
            seed: 0,
        }
    }
}

impl Narma {
    /// The classic NARMA-10 (Atiya & Parlos 2000).
    pub fn narma10() -> Self {
        Narma {
            order: 10,
            a1: 0.3,
            a2: 0.05,
            b: 1.5,
            c: 0.1,
            ..Default::default()
        }
    }
}

/// A NARMA input series `u` and its output `y` (`T x 1` each), aligned so that row `t` of `y`
/// is `y[t+1]`, which depends on `u[0..=t]`: an ESN reading `u[t]` must output `y` row `t`.
///
/// ```
/// use aquifer::datasets::{narma, Narma};
/// let (u, y) = narma(&Narma::narma10(), 500)?;
/// assert_eq!((u.nrows(), y.nrows()), (500, 500));
/// # Ok::<(), aquifer::Error>(())
/// ```
pub fn narma(p: &Narma, n_timesteps: usize) -> Result<(Mat<f64>, Mat<f64>)> {
    if p.order == 0 {
        return Err(Error::invalid("order", 0, "must be >= 1"));
    }
    super::chaos::check_steps(n_timesteps, 2)?;
    for (name, v) in [("a1", p.a1), ("a2", p.a2), ("b", p.b), ("c", p.c)] {
        if !v.is_finite() {
            return Err(Error::invalid(name, v, "must be finite"));
        }
    }
    if !(p.u_max.is_finite() && p.u_max > 0.0) {
        return Err(Error::invalid("u_max", p.u_max, "must be finite and > 0"));
    }
    let total = p.transient + n_timesteps;
    let mut rng = crate::rng::from_seed(p.seed);
    let u: Vec<f64> = (0..total).map(|_| rng.random::<f64>() * p.u_max).collect();
    // y[t] for t in 0..=total; y[t + 1] uses u[t] and u[t - n + 1] (zero before the start).
    let mut y = vec![0.0; total + 1];
    for t in 0..total {
        let window_sum: f64 = y[(t + 1).saturating_sub(p.order)..=t].iter().sum();
        let u_lag = if t + 1 >= p.order {
            u[t + 1 - p.order]
        } else {
            0.0
        };
        let next = p.a1 * y[t] + p.a2 * y[t] * window_sum + p.b * u_lag * u[t] + p.c;
        if !next.is_finite() {
            return Err(Error::Data {
                source_name: format!("NARMA-{}", p.order),
                reason: format!(
                    "the system diverged at step {} (try other constants or seed)",
                    t + 1
                ),
            });
        }
        y[t + 1] = next;
    }
    let s = p.transient;
    Ok((
        Mat::from_fn(n_timesteps, 1, |i, _| u[s + i]),
        Mat::from_fn(n_timesteps, 1, |i, _| y[s + i + 1]),
    ))
}
