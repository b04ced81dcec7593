//! Metrics: errors, normalised errors, R², valid prediction time, classification accuracy and
//! confusion, memory capacity and effective spectral radius.
//!
//! Errors compare a truth `y` and a prediction `y_hat` of the same shape `T x D`. Pooled metrics
//! average over all values (as ReservoirPy's `mse`, `rmse`, `nrmse`); the `_per_dim` variants
//! return one value per column.

use crate::error::{check_non_negative, Error, Result};
use crate::nodes::Reservoir;
use crate::readout::Ridge;
use crate::series::{check_series, AsSeries};
use crate::traits::Fit;
use faer::{Mat, MatRef};
use rand::RngExt;

fn check_pair(y: MatRef<'_, f64>, y_hat: MatRef<'_, f64>) -> Result<()> {
    check_series("truth", y, None)?;
    check_series("prediction", y_hat, Some(y.ncols()))?;
    if y.nrows() != y_hat.nrows() {
        return Err(Error::shape(
            "prediction",
            format!("({}, {})", y.nrows(), y.ncols()),
            format!("({}, {})", y_hat.nrows(), y_hat.ncols()),
        ));
    }
    Ok(())
}

fn mean_of(y: MatRef<'_, f64>, y_hat: MatRef<'_, f64>, f: impl Fn(f64) -> f64) -> f64 {
    let mut s = 0.0;
    for j in 0..y.ncols() {
        for i in 0..y.nrows() {
            s += f(y[(i, j)] - y_hat[(i, j)]);
        }
    }
    s / (y.nrows() * y.ncols()) as f64
}

/// Mean squared error over all values.
pub fn mse(y: impl AsSeries, y_hat: impl AsSeries) -> Result<f64> {
    let (y, yh) = (y.as_series(), y_hat.as_series());
    check_pair(y, yh)?;
    Ok(mean_of(y, yh, |d| d * d))
}

/// Root mean squared error.
pub fn rmse(y: impl AsSeries, y_hat: impl AsSeries) -> Result<f64> {
    mse(y, y_hat).map(f64::sqrt)
}

/// Mean absolute error.
pub fn mae(y: impl AsSeries, y_hat: impl AsSeries) -> Result<f64> {
    let (y, yh) = (y.as_series(), y_hat.as_series());
    check_pair(y, yh)?;
    Ok(mean_of(y, yh, f64::abs))
}

/// How an RMSE is normalised by [`nrmse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// By `max(y) - min(y)` (ReservoirPy's default).
    Range,
    /// By the standard deviation of `y`.
    Std,
    /// By the variance of `y`.
    Var,
    /// By the mean of `y`.
    Mean,
    /// By the interquartile range `q3 - q1` of `y` (linear interpolation of quantiles).
    Iqr,
}

fn values(y: MatRef<'_, f64>) -> Vec<f64> {
    (0..y.ncols())
        .flat_map(|j| y.col(j).iter().copied().collect::<Vec<_>>())
        .collect()
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (pos - lo as f64) * (sorted[hi] - sorted[lo])
}

fn norm_value(v: &mut [f64], norm: Norm) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    match norm {
        Norm::Range => {
            let (lo, hi) = v
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
                    (l.min(*x), h.max(*x))
                });
            hi - lo
        }
        Norm::Std => var.sqrt(),
        Norm::Var => var,
        Norm::Mean => mean,
        Norm::Iqr => {
            v.sort_by(f64::total_cmp);
            quantile(v, 0.75) - quantile(v, 0.25)
        }
    }
}

/// RMSE divided by a statistic of the truth (pooled over all values). Errors if that statistic
/// is 0 (e.g. a constant truth with [`Norm::Range`]).
///
/// ```
/// use aquifer::metrics::{nrmse, Norm};
/// let y = aquifer::series::column(&[0., 1., 2., 3.]);
/// let y_hat = aquifer::series::column(&[0., 1., 2., 4.]);
/// assert!((nrmse(&y, &y_hat, Norm::Range)? - 0.5 / 3.0).abs() < 1e-15);
/// # Ok::<(), aquifer::Error>(())
/// ```
pub fn nrmse(y: impl AsSeries, y_hat: impl AsSeries, norm: Norm) -> Result<f64> {
    let (y, yh) = (y.as_series(), y_hat.as_series());
    let e = rmse(y, yh)?;
    let d = norm_value(&mut values(y), norm);
    if d == 0.0 || !d.is_finite() {
        return Err(Error::invalid(
            "nrmse normaliser",
            d,
            &format!("{norm:?} of the truth must be finite and nonzero"),
        ));
    }
    Ok(e / d)
}

/// Coefficient of determination per column: `1 - SS_res / SS_tot`.
pub fn r2_per_dim(y: impl AsSeries, y_hat: impl AsSeries) -> Result<Vec<f64>> {
    let (y, yh) = (y.as_series(), y_hat.as_series());
    check_pair(y, yh)?;
    (0..y.ncols())
        .map(|j| {
            let c = y.col(j);
            let mean = c.iter().sum::<f64>() / y.nrows() as f64;
            let ss_tot: f64 = c.iter().map(|v| (v - mean).powi(2)).sum();
            let ss_res: f64 = (0..y.nrows()).map(|i| (c[i] - yh[(i, j)]).powi(2)).sum();
            if ss_tot == 0.0 {
                return Err(Error::invalid(
                    "r2",
                    format!("column {j}"),
                    "the truth is constant",
                ));
            }
            Ok(1.0 - ss_res / ss_tot)
        })
        .collect()
}

/// Pooled coefficient of determination: `1 - sum SS_res / sum SS_tot` over all columns (each
/// column centred on its own mean).
pub fn r2(y: impl AsSeries, y_hat: impl AsSeries) -> Result<f64> {
    let (y, yh) = (y.as_series(), y_hat.as_series());
    check_pair(y, yh)?;
    let (mut res, mut tot) = (0.0, 0.0);
    for j in 0..y.ncols() {
        let c = y.col(j);
        let mean = c.iter().sum::<f64>() / y.nrows() as f64;
        tot += c.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
        res += (0..y.nrows())
            .map(|i| (c[i] - yh[(i, j)]).powi(2))
            .sum::<f64>();
    }
    if tot == 0.0 {
        return Err(Error::invalid("r2", "all columns", "the truth is constant"));
    }
    Ok(1.0 - res / tot)
}

/// Valid prediction time: the number of steps before the normalised error
/// `e(t) = sqrt(mean_d ((y_d(t) - y_hat_d(t)) / sigma_d)^2)` first exceeds `threshold`, where
/// `sigma_d` is the standard deviation of column `d` of the truth (Pathak et al. 2018 use 0.4).
/// Returns `T` if it never does. [`valid_prediction_time_scaled`] takes `sigma` given (the
/// attractor's, over a long trajectory) instead; [`lyapunov_times`] converts steps.
pub fn valid_prediction_time(
    y: impl AsSeries,
    y_hat: impl AsSeries,
    threshold: f64,
) -> Result<usize> {
    let y = y.as_series();
    let sigma: Vec<f64> = (0..y.ncols())
        .map(|j| {
            let c = y.col(j);
            let m = c.iter().sum::<f64>() / y.nrows() as f64;
            (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / y.nrows() as f64).sqrt()
        })
        .collect();
    valid_prediction_time_scaled(y, y_hat, threshold, &sigma)
}

/// [`valid_prediction_time`] with the per-column scale `sigma` given: the standard deviation of
/// the attractor over a long trajectory, so that the figure does not depend on the test
/// window (a short window's own spread can be far from the attractor's).
///
/// ```
/// use aquifer::faer::Mat;
/// use aquifer::metrics::{lyapunov_times, valid_prediction_time_scaled};
/// let y = Mat::from_fn(100, 1, |t, _| (t as f64 / 10.0).sin());
/// let y_hat = Mat::from_fn(100, 1, |t, _| (t as f64 / 10.0).sin() + 0.01 * t as f64);
/// // the error passes 0.4 x 0.5 = 0.2 after step 20
/// assert_eq!(valid_prediction_time_scaled(&y, &y_hat, 0.4, &[0.5])?, 21);
/// // 21 steps of 0.02 time units, largest Lyapunov exponent 0.9056 (Lorenz-63)
/// assert!((lyapunov_times(21, 0.02, 0.9056) - 0.380).abs() < 1e-3);
/// # Ok::<(), aquifer::Error>(())
/// ```
pub fn valid_prediction_time_scaled(
    y: impl AsSeries,
    y_hat: impl AsSeries,
    threshold: f64,
    sigma: &[f64],
) -> Result<usize> {
    let (y, yh) = (y.as_series(), y_hat.as_series());
    check_pair(y, yh)?;
    crate::error::check_positive("threshold", threshold)?;
    if sigma.len() != y.ncols() {
        return Err(Error::shape(
            "valid prediction time scale",
            format!("{} values (one per column)", y.ncols()),
            format!("{} values", sigma.len()),
        ));
    }
    if let Some(j) = sigma.iter().position(|s| !(*s > 0.0 && s.is_finite())) {
        return Err(Error::invalid(
            "valid_prediction_time",
            format!("column {j}"),
            "its scale must be finite and > 0 (is the truth constant?)",
        ));
    }
    for t in 0..y.nrows() {
        let e = (0..y.ncols())
            .map(|j| ((y[(t, j)] - yh[(t, j)]) / sigma[j]).powi(2))
            .sum::<f64>()
            / y.ncols() as f64;
        if e.sqrt() > threshold {
            return Ok(t);
        }
    }
    Ok(y.nrows())
}

/// `steps` samples `dt` time units apart in Lyapunov times: `steps x dt x exponent`, with
/// `exponent` the system's largest Lyapunov exponent (per time unit; see
/// [`crate::datasets::lyapunov`]).
pub fn lyapunov_times(steps: usize, dt: f64, exponent: f64) -> f64 {
    steps as f64 * dt * exponent
}

/// Counts of a classifier's decisions: how many series of each true class went to each
/// predicted class.
///
/// ```
/// use aquifer::metrics::Confusion;
///
/// let c = Confusion::new(&[0, 0, 1, 2], &[0, 1, 1, 2], 3).unwrap();
/// assert_eq!(c.count(0, 1), 1); // one series of class 0 taken for class 1
/// assert_eq!(c.correct(), 3);
/// assert_eq!(c.accuracy(), 0.75);
/// assert_eq!(c.recall(0), Some(0.5));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    classes: usize,
    /// `counts[truth * classes + predicted]`.
    counts: Vec<usize>,
}

impl Confusion {
    /// Counts the pairs `(truth[i], predicted[i])` of classes below `classes`.
    pub fn new(truth: &[usize], predicted: &[usize], classes: usize) -> Result<Self> {
        if truth.len() != predicted.len() {
            return Err(Error::shape(
                "predicted classes",
                format!("{} (one per true class)", truth.len()),
                predicted.len().to_string(),
            ));
        }
        if truth.is_empty() {
            return Err(Error::Empty {
                what: "list of classes".into(),
            });
        }
        if let Some(&c) = truth.iter().chain(predicted).find(|&&c| c >= classes) {
            return Err(Error::invalid(
                "class",
                c,
                &format!("must be below the number of classes, {classes}"),
            ));
        }
        let mut counts = vec![0; classes * classes];
        for (&t, &p) in truth.iter().zip(predicted) {
            counts[t * classes + p] += 1;
        }
        Ok(Confusion { classes, counts })
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// How many series of class `truth` were predicted as `predicted`.
    pub fn count(&self, truth: usize, predicted: usize) -> usize {
        self.counts[truth * self.classes + predicted]
    }

    /// The number of series counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The number of series predicted as their true class.
    pub fn correct(&self) -> usize {
        (0..self.classes).map(|c| self.count(c, c)).sum()
    }

    /// The fraction of series predicted as their true class.
    pub fn accuracy(&self) -> f64 {
        self.correct() as f64 / self.total() as f64
    }

    /// The fraction of class `class`'s series predicted as such; `None` if it had none.
    pub fn recall(&self, class: usize) -> Option<f64> {
        let row: usize = (0..self.classes).map(|p| self.count(class, p)).sum();
        (row > 0).then(|| self.count(class, class) as f64 / row as f64)
    }
}

/// The fraction of `predicted` equal to `truth`, element by element.
pub fn accuracy(truth: &[usize], predicted: &[usize]) -> Result<f64> {
    let classes = truth.iter().chain(predicted).max().map_or(0, |m| m + 1);
    Ok(Confusion::new(truth, predicted, classes)?.accuracy())
}

/// Result of [`memory_capacity`].
#[derive(Debug, Clone)]
pub struct MemoryCapacity {
    /// Squared correlation between `u[t - k]` and its reconstruction, for `k = 1..=max_delay`.
    pub per_delay: Vec<f64>,
    /// Their sum, the memory capacity.
    pub total: f64,
}

/// Memory capacity (Jaeger 2001): drive the reservoir (one input) with i.i.d. uniform input in
/// [-1, 1], train a ridge readout to output `u[t - k]` for every delay `k = 1..=max_delay` (one
/// solve, a column per delay), and sum the squared correlations on held-out steps. For `N`
/// units, it is at most `N`.
///
/// The reservoir is reset first and left in its last test state.
pub fn memory_capacity(
    reservoir: &mut Reservoir,
    max_delay: usize,
    train: usize,
    test: usize,
    ridge: f64,
    seed: u64,
) -> Result<MemoryCapacity> {
    if reservoir.input_dim() != 1 {
        return Err(Error::shape(
            "memory capacity reservoir",
            "1 input",
            format!("{} inputs", reservoir.input_dim()),
        ));
    }
    reservoir.reset();
    memory_capacity_of(|u| reservoir.run(u), max_delay, train, test, ridge, seed)
}

/// [`memory_capacity`] of any state-producing system: `states` maps the input series (`T x 1`)
/// to the states (`T x N`), from the system's initial state (an [`Es2n`](crate::nodes::Es2n),
/// a graph's node...).
pub fn memory_capacity_of(
    states: impl FnOnce(MatRef<'_, f64>) -> Result<Mat<f64>>,
    max_delay: usize,
    train: usize,
    test: usize,
    ridge: f64,
    seed: u64,
) -> Result<MemoryCapacity> {
    if max_delay == 0 {
        return Err(Error::invalid("max_delay", 0, "must be >= 1"));
    }
    if train <= max_delay || test == 0 {
        return Err(Error::invalid(
            "train",
            train,
            "needs train > max_delay and test >= 1",
        ));
    }
    check_non_negative("ridge", ridge)?;
    let washout = max_delay.max(100);
    let total = washout + train + test;
    let mut rng = crate::rng::from_seed(seed);
    let u: Vec<f64> = (0..total)
        .map(|_| rng.random::<f64>() * 2.0 - 1.0)
        .collect();
    let states = states(crate::series::column(&u).as_ref())?;
    let x_train = states.subrows(washout, train);
    let x_test = states.subrows(washout + train, test);
    // every delay is a column of one target: one ridge solve (one factorisation) for all
    let target =
        |start: usize, len: usize| Mat::from_fn(len, max_delay, |i, k| u[start + i - k - 1]);
    let mut r = Ridge::new(ridge)?;
    r.fit(&[x_train], &[target(washout, train).as_ref()], 0)?;
    let pred = r.predict(x_test)?;
    let truth = target(washout + train, test);
    let per_delay: Vec<f64> = (0..max_delay)
        .map(|k| {
            let (a, b): (Vec<f64>, Vec<f64>) = (
                truth.col(k).iter().copied().collect(),
                pred.col(k).iter().copied().collect(),
            );
            squared_correlation(&a, &b)
        })
        .collect();
    let total = per_delay.iter().sum();
    Ok(MemoryCapacity { per_delay, total })
}

fn squared_correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let ma = a.iter().sum::<f64>() / n;
    let mb = b.iter().sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    if saa == 0.0 || sbb == 0.0 {
        0.0
    } else {
        // rounding can push a perfect correlation a hair above 1
        (sab * sab / (saa * sbb)).min(1.0)
    }
}

/// Effective spectral radius of a leaky reservoir (Jaeger et al. 2007): the spectral radius of
/// the linearised update `(1 - lr) I + lr W` around the origin, which governs the echo state
/// property when `lr < 1`. Exact for `N <= 300`, a converged Krylov-Schur estimate above.
pub fn effective_spectral_radius(w: &crate::init::Csr, leak_rate: f64) -> Result<f64> {
    if !(leak_rate > 0.0 && leak_rate <= 1.0) {
        return Err(Error::invalid("leak_rate", leak_rate, "must lie in (0, 1]"));
    }
    let n = w.nrows();
    let (row_ptr, col_idx) = (w.symbolic().row_ptr(), w.symbolic().col_idx());
    let mut entries = Vec::with_capacity(w.compute_nnz() + n);
    let mut row = Vec::new();
    for i in 0..n {
        row.clear();
        row.push((i, 1.0 - leak_rate));
        for k in row_ptr[i] as usize..row_ptr[i + 1] as usize {
            row.push((col_idx[k] as usize, leak_rate * w.val()[k]));
        }
        row.sort_by_key(|e| e.0);
        for (j, v) in row.iter().copied() {
            match entries.last_mut() {
                Some((li, lj, lv)) if *li == i && *lj == j => *lv += v,
                _ => entries.push((i, j, v)),
            }
        }
    }
    let m = crate::csr::csr_from_sorted(n, n, &entries)?;
    crate::init::spectral_radius(&m)
}
