//! Chaotic and oscillating systems.
//!
//! Continuous systems are integrated with classic fourth-order Runge-Kutta on a fixed internal
//! step (at most `max_dt`, an integer fraction of the sampling step `h`), and sampled every `h`,
//! starting with the initial condition as row 0. ReservoirPy integrates the same systems with
//! scipy's adaptive RK45; trajectories of chaotic systems from two integrators agree only for a
//! while, but both sample the same attractor.

use crate::error::{Error, Result};
use faer::Mat;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Longest Mackey-Glass history (`tau / h` samples) accepted.
const MAX_HISTORY: usize = 100_000_000;

/// The frequencies of the multiple superimposed oscillators (MSO) benchmark.
pub const MSO_FREQUENCIES: [f64; 8] = [0.2, 0.311, 0.42, 0.51, 0.63, 0.74, 0.85, 0.97];

/// At least one step, and no more than this machine could hold (`n x cols` values).
pub(crate) fn check_steps(n: usize, cols: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::invalid("n_timesteps", 0, "must be >= 1"));
    }
    crate::memory::check(
        || format!("a series of {n} steps x {cols} columns"),
        crate::memory::values(n, cols, 1),
    )
}

fn check_finite_params(params: &[(&'static str, f64)]) -> Result<()> {
    for &(name, v) in params {
        if !v.is_finite() {
            return Err(Error::invalid(name, v, "must be finite"));
        }
    }
    Ok(())
}

fn check_h(h: f64) -> Result<()> {
    if !(h.is_finite() && h > 0.0) {
        return Err(Error::invalid("h", h, "must be finite and > 0"));
    }
    Ok(())
}

/// Integrates `dx/dt = f(x)` with RK4 and returns `n` samples every `h` (row 0 = `x0`).
fn integrate<const D: usize>(
    name: &str,
    x0: [f64; D],
    h: f64,
    n: usize,
    max_dt: f64,
    f: impl Fn(&[f64; D]) -> [f64; D],
) -> Result<Mat<f64>> {
    check_steps(n, D)?;
    check_h(h)?;
    let sub = (h / max_dt).ceil().max(1.0) as usize;
    let dt = h / sub as f64;
    let mut out = Mat::zeros(n, D);
    let mut x = x0;
    let add = |a: &[f64; D], k: &[f64; D], s: f64| -> [f64; D] {
        std::array::from_fn(|i| a[i] + s * k[i])
    };
    for t in 0..n {
        for (j, v) in x.iter().enumerate() {
            out[(t, j)] = *v;
        }
        if let Some(j) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::Data {
                source_name: name.to_string(),
                reason: format!("the trajectory diverged at step {t}, variable {j}"),
            });
        }
        for _ in 0..sub {
            let k1 = f(&x);
            let k2 = f(&add(&x, &k1, dt / 2.0));
            let k3 = f(&add(&x, &k2, dt / 2.0));
            let k4 = f(&add(&x, &k3, dt));
            x = std::array::from_fn(|i| {
                x[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])
            });
        }
    }
    Ok(out)
}

/// How [`mackey_glass`] advances one step of size `h`, with `x(t - tau)` read from a history of
/// `floor(tau / h)` past samples and held constant during the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MgScheme {
    /// Classic fourth-order Runge-Kutta (ReservoirPy up to 0.3, and the usual benchmark series).
    #[default]
    Rk4,
    /// The update of ReservoirPy 0.4.x (`_mg_rk4` there), kept to reproduce its series exactly:
    /// `k1 = -b h x + a x_tau / (1 + x_tau^n)`, `k2 = 2 k1 - b h k1`, `k3 = 2 k1 - b h k2`,
    /// `k4 = k1 - b h k3`, `x + (k1 + k2 + k3 + k4) / 6`. It is not the RK4 of the equation
    /// (the delayed term is not multiplied by `h`, and the `k3`, `k4` corrections are doubled),
    /// but it gives a Mackey-Glass-like chaotic series.
    #[serde(rename = "reservoirpy04")]
    ReservoirPy04,
}

/// Mackey-Glass delay differential equation `dx/dt = a x(t-tau) / (1 + x(t-tau)^n) - b x(t)`,
/// one step of size `h` per sample ([`MgScheme`]), with ReservoirPy's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MackeyGlass {
    /// Delay `tau` (17: mild chaos; 30: stronger).
    pub tau: usize,
    /// `a`.
    pub a: f64,
    /// `b`.
    pub b: f64,
    /// Exponent `n`.
    pub n: f64,
    /// Initial value.
    pub x0: f64,
    /// Time step of the integration.
    pub h: f64,
    /// Integration steps per sample: the series keeps every `subsample`-th value, so samples
    /// are `h x subsample` time units apart (e.g. `h = 0.1, subsample = 10`: one sample per time
    /// unit from a finer integration, as Jaeger & Haas 2004). 1 keeps every step.
    pub subsample: usize,
    /// Seed of the random history, used when `history` is `None`.
    pub seed: u64,
    /// The integration scheme.
    pub scheme: MgScheme,
    /// Past values (at least `floor(tau / h)`, most recent last). If `None`, a random history
    /// `x0 + 0.2 (U[0,1) - 0.5)` is drawn, as in ReservoirPy. Pass ReservoirPy's history to
    /// reproduce its series exactly.
    pub history: Option<Vec<f64>>,
}

impl Default for MackeyGlass {
    fn default() -> Self {
        MackeyGlass {
            tau: 17,
            a: 0.2,
            b: 0.1,
            n: 10.0,
            x0: 1.2,
            h: 1.0,
            subsample: 1,
            seed: 0,
            scheme: MgScheme::Rk4,
            history: None,
        }
    }
}

/// A Mackey-Glass series (`T x 1`).
///
/// ```
/// use aquifer::datasets::{mackey_glass, MackeyGlass};
/// let s = mackey_glass(&MackeyGlass::default(), 1000)?;
/// assert_eq!(s.nrows(), 1000);
/// assert_eq!(s[(0, 0)], 1.2);
/// # Ok::<(), aquifer::Error>(())
/// ```
pub fn mackey_glass(p: &MackeyGlass, n_timesteps: usize) -> Result<Mat<f64>> {
    check_steps(n_timesteps, 1)?;
    check_h(p.h)?;
    check_finite_params(&[("a", p.a), ("b", p.b), ("n", p.n), ("x0", p.x0)])?;
    if p.subsample == 0 || p.subsample > 1_000_000 {
        return Err(Error::invalid(
            "subsample",
            p.subsample,
            "must be between 1 and 1,000,000 integration steps per sample",
        ));
    }
    let len_f = (p.tau as f64 / p.h).floor();
    if len_f > MAX_HISTORY as f64 {
        return Err(Error::invalid(
            "h",
            p.h,
            &format!("tau / h = {len_f} past samples to keep; at most {MAX_HISTORY}"),
        ));
    }
    let len = len_f as usize;
    let mut history: VecDeque<f64> = match &p.history {
        Some(h) => {
            if h.len() < len {
                return Err(Error::invalid(
                    "history",
                    format!("{} values", h.len()),
                    &format!("needs at least floor(tau / h) = {len} values"),
                ));
            }
            crate::series::check_finite_slice("Mackey-Glass history", h)?;
            h[h.len() - len..].iter().copied().collect()
        }
        None => {
            let mut rng = crate::rng::from_seed(p.seed);
            (0..len)
                .map(|_| p.x0 + 0.2 * (rng.random::<f64>() - 0.5))
                .collect()
        }
    };
    let eq = |xt: f64, xtau: f64| -p.b * xt + p.a * xtau / (1.0 + xtau.powf(p.n));
    let every = p.subsample;
    let mut out = Mat::zeros(n_timesteps, 1);
    let mut xt = p.x0;
    for i in 0..(n_timesteps - 1) * every + 1 {
        if i % every == 0 {
            out[(i / every, 0)] = xt;
        }
        let xtau = if p.tau == 0 {
            0.0
        } else {
            let v = history.pop_front().unwrap_or(xt);
            history.push_back(xt);
            v
        };
        let h = p.h;
        xt = match p.scheme {
            MgScheme::Rk4 => {
                let k1 = h * eq(xt, xtau);
                let k2 = h * eq(xt + 0.5 * k1, xtau);
                let k3 = h * eq(xt + 0.5 * k2, xtau);
                let k4 = h * eq(xt + k3, xtau);
                xt + k1 / 6.0 + k2 / 3.0 + k3 / 3.0 + k4 / 6.0
            }
            MgScheme::ReservoirPy04 => {
                let bh = -p.b * h;
                let k1 = bh * xt + p.a * xtau / (1.0 + xtau.powf(p.n));
                let k2 = 2.0 * k1 + bh * k1;
                let k3 = 2.0 * k1 + bh * k2;
                let k4 = k1 + bh * k3;
                xt + (k1 + k2 + k3 + k4) / 6.0
            }
        };
    }
    Ok(out)
}

/// Lorenz (1963) system: `x' = sigma (y - x)`, `y' = x (rho - z) - y`, `z' = x y - beta z`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Lorenz {
    /// `rho`.
    pub rho: f64,
    /// `sigma`.
    pub sigma: f64,
    /// `beta`.
    pub beta: f64,
    /// Initial condition.
    pub x0: [f64; 3],
    /// Sampling step.
    pub h: f64,
}

impl Default for Lorenz {
    fn default() -> Self {
        Lorenz {
            rho: 28.0,
            sigma: 10.0,
            beta: 8.0 / 3.0,
            x0: [1.0, 1.0, 1.0],
            h: 0.03,
        }
    }
}

/// A Lorenz trajectory (`T x 3`).
pub fn lorenz(p: &Lorenz, n_timesteps: usize) -> Result<Mat<f64>> {
    check_finite_params(&[("rho", p.rho), ("sigma", p.sigma), ("beta", p.beta)])?;
    let (s, r, b) = (p.sigma, p.rho, p.beta);
    integrate("Lorenz", p.x0, p.h, n_timesteps, 0.005, |v| {
        [
            s * (v[1] - v[0]),
            v[0] * (r - v[2]) - v[1],
            v[0] * v[1] - b * v[2],
        ]
    })
}

/// Rossler (1976) system: `x' = -y - z`, `y' = x + a y`, `z' = b + z (x - c)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rossler {
    /// `a`.
    pub a: f64,
    /// `b`.
    pub b: f64,
    /// `c`.
    pub c: f64,
    /// Initial condition.
    pub x0: [f64; 3],
    /// Sampling step.
    pub h: f64,
}

impl Default for Rossler {
    fn default() -> Self {
        Rossler {
            a: 0.2,
            b: 0.2,
            c: 5.7,
            x0: [-0.1, 0.0, 0.02],
            h: 0.1,
        }
    }
}

/// A Rossler trajectory (`T x 3`).
pub fn rossler(p: &Rossler, n_timesteps: usize) -> Result<Mat<f64>> {
    check_finite_params(&[("a", p.a), ("b", p.b), ("c", p.c)])?;
    let (a, b, c) = (p.a, p.b, p.c);
    integrate("Rossler", p.x0, p.h, n_timesteps, 0.01, |v| {
        [-v[1] - v[2], v[0] + a * v[1], b + v[2] * (v[0] - c)]
    })
}

/// Chen's double-scroll (multiscroll) system: `x' = a (y - x)`,
/// `y' = (c - a) x - x z + c y`, `z' = x y - b z`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Multiscroll {
    /// `a`.
    pub a: f64,
    /// `b`.
    pub b: f64,
    /// `c`.
    pub c: f64,
    /// Initial condition.
    pub x0: [f64; 3],
    /// Sampling step.
    pub h: f64,
}

impl Default for Multiscroll {
    fn default() -> Self {
        Multiscroll {
            a: 40.0,
            b: 3.0,
            c: 28.0,
            x0: [-0.1, 0.5, -0.6],
            h: 0.01,
        }
    }
}

/// A multiscroll trajectory (`T x 3`).
pub fn multiscroll(p: &Multiscroll, n_timesteps: usize) -> Result<Mat<f64>> {
    check_finite_params(&[("a", p.a), ("b", p.b), ("c", p.c)])?;
    let (a, b, c) = (p.a, p.b, p.c);
    integrate("multiscroll", p.x0, p.h, n_timesteps, 0.002, |v| {
        [
            a * (v[1] - v[0]),
            (c - a) * v[0] - v[0] * v[2] + c * v[1],
            v[0] * v[1] - b * v[2],
        ]
    })
}

/// Rabinovich-Fabrikant system: `x' = y (z - 1 + x^2) + gamma x`,
/// `y' = x (3 z + 1 - x^2) + gamma y`, `z' = -2 z (alpha + x y)`. Defaults as ReservoirPy's
/// `rabinovich_fabrikant`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RabinovichFabrikant {
    /// `alpha`.
    pub alpha: f64,
    /// `gamma`.
    pub gamma: f64,
    /// Initial condition.
    pub x0: [f64; 3],
    /// Sampling step.
    pub h: f64,
}

impl Default for RabinovichFabrikant {
    fn default() -> Self {
        RabinovichFabrikant {
            alpha: 1.1,
            gamma: 0.89,
            x0: [-1.0, 0.0, 0.5],
            h: 0.05,
        }
    }
}

/// A Rabinovich-Fabrikant trajectory (`T x 3`), RK4 with steps of at most 0.0005.
pub fn rabinovich_fabrikant(p: &RabinovichFabrikant, n_timesteps: usize) -> Result<Mat<f64>> {
    check_finite_params(&[("alpha", p.alpha), ("gamma", p.gamma)])?;
    let (a, g) = (p.alpha, p.gamma);
    integrate(
        "Rabinovich-Fabrikant",
        p.x0,
        p.h,
        n_timesteps,
        0.0005,
        |v| {
            let (x, y, z) = (v[0], v[1], v[2]);
            [
                y * (z - 1.0 + x * x) + g * x,
                x * (3.0 * z + 1.0 - x * x) + g * y,
                -2.0 * z * (a + x * y),
            ]
        },
    )
}

/// The double-scroll electronic circuit (Chang, Gauthier et al.; the second system of
/// next-generation reservoir computing): with `dV = V1 - V2` and
/// `g = dV / r2 + ir sinh(beta dV)`, `V1' = V1 / r1 - g`, `V2' = g - I`, `I' = V2 - r4 I`.
/// Defaults as ReservoirPy's `doublescroll` (`ir` is its `2 I_r`), sampled every `h` (ReservoirPy
/// samples `n` points evenly over `[0, n h]`, so its spacing is `n h / (n - 1)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DoubleScroll {
    /// `R1`.
    pub r1: f64,
    /// `R2`.
    pub r2: f64,
    /// `R4`.
    pub r4: f64,
    /// `2 I_r`.
    pub ir: f64,
    /// `beta`.
    pub beta: f64,
    /// Initial condition `(V1, V2, I)`.
    pub x0: [f64; 3],
    /// Sampling step.
    pub h: f64,
}

impl Default for DoubleScroll {
    fn default() -> Self {
        DoubleScroll {
            r1: 1.2,
            r2: 3.44,
            r4: 0.193,
            ir: 2.0 * 2.25e-5,
            beta: 11.6,
            x0: [0.37926545, 0.058339, -0.08167691],
            h: 0.25,
        }
    }
}

/// A double-scroll circuit trajectory (`T x 3`: `V1`, `V2`, `I`), RK4 with steps of at most
/// 0.0025.
pub fn double_scroll(p: &DoubleScroll, n_timesteps: usize) -> Result<Mat<f64>> {
    check_finite_params(&[
        ("r1", p.r1),
        ("r2", p.r2),
        ("r4", p.r4),
        ("ir", p.ir),
        ("beta", p.beta),
    ])?;
    for (name, v) in [("r1", p.r1), ("r2", p.r2)] {
        if v == 0.0 {
            return Err(Error::invalid(name, v, "a resistance must not be 0"));
        }
    }
    let q = p.clone();
    integrate("double scroll", p.x0, p.h, n_timesteps, 0.0025, move |v| {
        let dv = v[0] - v[1];
        let g = dv / q.r2 + q.ir * (q.beta * dv).sinh();
        [v[0] / q.r1 - g, g - v[2], v[1] - q.r4 * v[2]]
    })
}

/// Lorenz-96 system: `x_i' = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F`, cyclic in `i`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Lorenz96 {
    /// Dimension `N` (>= 4).
    pub n: usize,
    /// Forcing `F`.
    pub f: f64,
    /// Perturbation of the first variable when `x0` is `None`.
    pub df: f64,
    /// Sampling step.
    pub h: f64,
    /// Initial condition (`N` values); `None`: all `F`, the first `F + dF`.
    pub x0: Option<Vec<f64>>,
    /// Samples run and discarded before the returned series.
    pub warmup: usize,
}

impl Default for Lorenz96 {
    fn default() -> Self {
        Lorenz96 {
            n: 36,
            f: 8.0,
            df: 0.01,
            h: 0.01,
            x0: None,
            warmup: 0,
        }
    }
}

/// A Lorenz-96 trajectory (`T x N`), sampled every `h` (ReservoirPy's version multiplies the
/// time span by `h` twice; this one samples at `h` as documented).
pub fn lorenz96(p: &Lorenz96, n_timesteps: usize) -> Result<Mat<f64>> {
    check_steps(n_timesteps, p.n.max(1))?;
    check_h(p.h)?;
    check_finite_params(&[("f", p.f), ("df", p.df)])?;
    let n = p.n;
    if n < 4 {
        return Err(Error::invalid("n", n, "Lorenz-96 needs N >= 4"));
    }
    let mut x = match &p.x0 {
        Some(v) => {
            if v.len() != n {
                return Err(Error::shape(
                    "Lorenz-96 x0",
                    format!("{n} values"),
                    format!("{} values", v.len()),
                ));
            }
            crate::series::check_finite_slice("Lorenz-96 x0", v)?;
            v.clone()
        }
        None => {
            let mut v = vec![p.f; n];
            v[0] += p.df;
            v
        }
    };
    let deriv = |v: &[f64], out: &mut [f64]| {
        for i in 0..n {
            out[i] = (v[(i + 1) % n] - v[(i + n - 2) % n]) * v[(i + n - 1) % n] - v[i] + p.f;
        }
    };
    let sub = (p.h / 0.005).ceil().max(1.0) as usize;
    let dt = p.h / sub as f64;
    let total = p.warmup + n_timesteps;
    let mut out = Mat::zeros(n_timesteps, n);
    let (mut k1, mut k2, mut k3, mut k4, mut tmp) = (
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
    );
    for t in 0..total {
        if t >= p.warmup {
            for j in 0..n {
                out[(t - p.warmup, j)] = x[j];
            }
        }
        if let Some(j) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::Data {
                source_name: "Lorenz-96".into(),
                reason: format!("the trajectory diverged at step {t}, variable {j}"),
            });
        }
        for _ in 0..sub {
            deriv(&x, &mut k1);
            tmp.iter_mut()
                .zip(&x)
                .zip(&k1)
                .for_each(|((t, x), k)| *t = x + dt / 2.0 * k);
            deriv(&tmp, &mut k2);
            tmp.iter_mut()
                .zip(&x)
                .zip(&k2)
                .for_each(|((t, x), k)| *t = x + dt / 2.0 * k);
            deriv(&tmp, &mut k3);
            tmp.iter_mut()
                .zip(&x)
                .zip(&k3)
                .for_each(|((t, x), k)| *t = x + dt * k);
            deriv(&tmp, &mut k4);
            for i in 0..n {
                x[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
        }
    }
    Ok(out)
}

/// Henon map: `x[n+1] = 1 - a x[n]^2 + y[n]`, `y[n+1] = b x[n]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Henon {
    /// `a`.
    pub a: f64,
    /// `b`.
    pub b: f64,
    /// Initial condition.
    pub x0: [f64; 2],
}

impl Default for Henon {
    fn default() -> Self {
        Henon {
            a: 1.4,
            b: 0.3,
            x0: [0.0, 0.0],
        }
    }
}

/// A Henon map series (`T x 2`).
pub fn henon_map(p: &Henon, n_timesteps: usize) -> Result<Mat<f64>> {
    check_steps(n_timesteps, 2)?;
    check_finite_params(&[
        ("a", p.a),
        ("b", p.b),
        ("x0[0]", p.x0[0]),
        ("x0[1]", p.x0[1]),
    ])?;
    let mut out = Mat::zeros(n_timesteps, 2);
    let (mut x, mut y) = (p.x0[0], p.x0[1]);
    for t in 0..n_timesteps {
        out[(t, 0)] = x;
        out[(t, 1)] = y;
        (x, y) = (1.0 - p.a * x * x + y, p.b * x);
    }
    Ok(out)
}

/// Logistic map `x[n+1] = r x[n] (1 - x[n])`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Logistic {
    /// `r` (> 0).
    pub r: f64,
    /// Initial value in (0, 1).
    pub x0: f64,
}

impl Default for Logistic {
    fn default() -> Self {
        Logistic { r: 3.9, x0: 0.5 }
    }
}

/// A logistic map series (`T x 1`).
pub fn logistic_map(p: &Logistic, n_timesteps: usize) -> Result<Mat<f64>> {
    check_steps(n_timesteps, 1)?;
    if !(p.r.is_finite() && p.r > 0.0) {
        return Err(Error::invalid("r", p.r, "must be finite and > 0"));
    }
    if !(p.x0 > 0.0 && p.x0 < 1.0) {
        return Err(Error::invalid("x0", p.x0, "must lie in (0, 1)"));
    }
    let mut out = Mat::zeros(n_timesteps, 1);
    let mut x = p.x0;
    for t in 0..n_timesteps {
        out[(t, 0)] = x;
        x = p.r * x * (1.0 - x);
    }
    Ok(out)
}

/// Multiple superimposed oscillators: `s[t] = sum_k sin(f_k t)` for `t = 0, 1, ...`
/// (MSO-k uses the first k of [`MSO_FREQUENCIES`]). With `normalize`, the series is scaled
/// into [-1, 1] by its min and max.
pub fn mso(n_timesteps: usize, frequencies: &[f64], normalize: bool) -> Result<Mat<f64>> {
    check_steps(n_timesteps, 1)?;
    if frequencies.is_empty() {
        return Err(Error::Empty {
            what: "list of MSO frequencies".into(),
        });
    }
    crate::series::check_finite_slice("MSO frequencies", frequencies)?;
    let mut out = Mat::from_fn(n_timesteps, 1, |t, _| {
        frequencies
            .iter()
            .map(|f| (f * t as f64).sin())
            .sum::<f64>()
    });
    if normalize {
        let col = out.col(0);
        let (lo, hi) = col
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                (l.min(*v), h.max(*v))
            });
        if hi > lo {
            out.col_mut(0)
                .iter_mut()
                .for_each(|v| *v = 2.0 * (*v - lo) / (hi - lo) - 1.0);
        }
    }
    Ok(out)
}
