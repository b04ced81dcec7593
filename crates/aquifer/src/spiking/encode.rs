//! Input encoders: analog series to spike trains (rate codes, delta modulation), or held
//! analog values for current injection.
//!
//! ```
//! use aquifer::spiking::encode::{delta, rate, RateCode};
//! let x = faer::Mat::from_fn(4, 1, |t, _| [0.0, 0.5, 0.5, 0.1][t]);
//! // every row for 10 steps, spiking with probability x per step
//! let spikes = rate(x.as_ref(), 10, 1.0, RateCode::Bernoulli, 7)?;
//! assert_eq!(spikes.nrows(), 40);
//! assert!((0..10).all(|t| spikes[(t, 0)] == 0.0));
//! // ON / OFF channels when the signal moves by 0.3 since the last event
//! let events = delta(x.as_ref(), 0.3)?;
//! assert_eq!((events[(1, 0)], events[(3, 1)]), (1.0, 1.0));
//! # Ok::<(), aquifer::Error>(())
//! ```

use crate::error::{check_positive, Error, Result};
use crate::series::check_series;
use faer::{Mat, MatRef};
use rand::RngExt;
use rand_distr::{Distribution, Poisson};

/// How a value becomes spikes per step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateCode {
    /// One spike with probability `min(gain x, 1)` (values below 0 never spike).
    Bernoulli,
    /// A Poisson number of spikes with mean `gain x` (may exceed 1).
    Poisson,
}

fn check_steps(steps: usize) -> Result<()> {
    if steps == 0 {
        return Err(Error::invalid("steps per row", 0, "must be >= 1"));
    }
    Ok(())
}

/// Rate coding: each row of `x` (`T x F`, values typically scaled to `[0, 1]`) becomes `steps`
/// rows of spike counts (`T steps x F`), drawn independently with the given code; seeded.
pub fn rate(
    x: MatRef<'_, f64>,
    steps: usize,
    gain: f64,
    code: RateCode,
    seed: u64,
) -> Result<Mat<f64>> {
    check_series("rate-coded series", x, None)?;
    check_steps(steps)?;
    check_positive("gain", gain)?;
    let mut rng = crate::rng::from_seed(seed);
    let mut out = Mat::zeros(x.nrows() * steps, x.ncols());
    for t in 0..x.nrows() {
        for k in 0..steps {
            for j in 0..x.ncols() {
                let mean = (gain * x[(t, j)]).max(0.0);
                out[(t * steps + k, j)] = match code {
                    RateCode::Bernoulli => {
                        if rng.random::<f64>() < mean.min(1.0) {
                            1.0
                        } else {
                            0.0
                        }
                    }
                    RateCode::Poisson if mean > 0.0 => Poisson::new(mean)
                        .map_err(|e| Error::invalid("Poisson mean", mean, &e.to_string()))?
                        .sample(&mut rng),
                    RateCode::Poisson => 0.0,
                };
            }
        }
    }
    Ok(out)
}

/// Delta modulation (threshold crossing): for each feature, an ON spike (column `j`) when the
/// signal has risen by `threshold` since the last event, an OFF spike (column `F + j`) when it
/// has fallen by `threshold`; the reference moves to the current value at each event. The first
/// row sets the reference. Output `T x 2F`.
pub fn delta(x: MatRef<'_, f64>, threshold: f64) -> Result<Mat<f64>> {
    check_series("delta-coded series", x, None)?;
    check_positive("threshold", threshold)?;
    let f = x.ncols();
    let mut out = Mat::zeros(x.nrows(), 2 * f);
    let mut reference: Vec<f64> = (0..f).map(|j| x[(0, j)]).collect();
    for t in 1..x.nrows() {
        for (j, r) in reference.iter_mut().enumerate() {
            let v = x[(t, j)];
            if v - *r >= threshold {
                out[(t, j)] = 1.0;
                *r = v;
            } else if *r - v >= threshold {
                out[(t, f + j)] = 1.0;
                *r = v;
            }
        }
    }
    Ok(out)
}

/// Holds each row of `x` for `steps` steps (`T steps x F`): analog current injection at a
/// slower pace than the liquid's steps.
pub fn hold(x: MatRef<'_, f64>, steps: usize) -> Result<Mat<f64>> {
    check_series("held series", x, None)?;
    check_steps(steps)?;
    Ok(Mat::from_fn(x.nrows() * steps, x.ncols(), |t, j| {
        x[(t / steps, j)]
    }))
}
