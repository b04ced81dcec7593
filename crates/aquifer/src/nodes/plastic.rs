//! Intrinsic plasticity (IP): a reservoir whose units adapt a gain `a_i` and a bias `b_i` so
//! that each unit's output follows a target distribution, trained without targets.
//!
//! The units integrate their net input with a leak, then apply the adapted nonlinearity:
//!
//! `z[t+1] = (1 - lr) z[t] + lr (W y[t] + Win u[t+1] + bias)`, `y[t+1] = f(a ⊙ z[t+1] + b)`
//!
//! and `fit` follows the published online rules at every step, with learning rate `eta`:
//!
//! - `tanh` units, Gaussian target of mean `mu` and standard deviation `sigma` (Schrauwen et al.
//!   2008): `Δb = -eta (-mu / sigma² + y / sigma² (2 sigma² + 1 - y² + mu y))`;
//! - `sigmoid` units, exponential target of mean `mu` (Triesch 2005):
//!   `Δb = eta (1 - (2 + 1 / mu) y + y² / mu)`;
//! - both: `Δa = eta / a + Δb z`.
//!
//! Defaults as ReservoirPy 0.4's `IPReservoir`: `mu = 0`, `sigma = 1`, `learning_rate = 5e-4`,
//! `epochs = 1`. Unlike it, each training series starts from the zero state and its first
//! `warmup` steps run without learning (ReservoirPy drops them unseen).
//!
//! ```
//! use aquifer::nodes::{IpParams, IpReservoir};
//! let mut ip = IpReservoir::builder().units(50).seed(1).build(1, IpParams {
//!     sigma: 0.2,
//!     epochs: 2,
//!     ..IpParams::default()
//! })?;
//! let u = aquifer::faer::Mat::from_fn(500, 1, |t, _| (t as f64 * 0.3).sin());
//! ip.fit(&[&u], 50)?;
//! let y = ip.run(&u)?;
//! assert_eq!(y.ncols(), 50);
//! # Ok::<(), aquifer::Error>(())
//! ```

use super::{LeakRate, Reservoir, ReservoirParams};
use crate::activation::Activation;
use crate::csr::Csr;
use crate::error::{check_positive, Error, Result};
use crate::io::{ModelFile, Tensor};
use crate::series::AsSeries;
use crate::traits::Persist;
use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

/// The learning of an [`IpReservoir`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IpParams {
    /// Mean of the target distribution (`tanh`: Gaussian; `sigmoid`: exponential, > 0).
    pub mu: f64,
    /// Standard deviation of the Gaussian target (`tanh` units).
    pub sigma: f64,
    /// Learning rate `eta`.
    pub learning_rate: f64,
    /// Passes over the training series.
    pub epochs: usize,
}

impl Default for IpParams {
    fn default() -> Self {
        IpParams {
            mu: 0.0,
            sigma: 1.0,
            learning_rate: 5e-4,
            epochs: 1,
        }
    }
}

impl IpParams {
    fn validate(&self, activation: Activation) -> Result<()> {
        check_positive("learning_rate", self.learning_rate)?;
        if !self.mu.is_finite() {
            return Err(Error::invalid("mu", self.mu, "must be finite"));
        }
        match activation {
            Activation::Tanh => check_positive("sigma", self.sigma),
            Activation::Sigmoid if self.mu <= 0.0 => Err(Error::invalid(
                "mu",
                self.mu,
                "the exponential target of sigmoid units needs a mean > 0",
            )),
            Activation::Sigmoid => Ok(()),
            other => Err(Error::invalid(
                "activation",
                format!("{other:?}"),
                "intrinsic plasticity needs tanh (Gaussian target) or sigmoid (exponential)",
            )),
        }
    }
}

/// A reservoir with intrinsic plasticity (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct IpReservoir {
    w: Csr,
    win: Mat<f64>,
    bias: Vec<f64>,
    leak: f64,
    activation: Activation,
    params: IpParams,
    gain: Vec<f64>,
    shift: Vec<f64>,
    /// The leaky net inputs `z`.
    internal: Vec<f64>,
    /// The outputs `y`.
    out: Vec<f64>,
    /// Scratch: the next outputs.
    next: Vec<f64>,
}

impl IpReservoir {
    /// A builder of the recurrent part (as a [`Reservoir`]'s, with a scalar leak rate and
    /// `tanh` or `sigmoid` units); [`IpBuild::build`] takes the learning parameters.
    pub fn builder() -> IpBuild {
        IpBuild::default()
    }

    /// The IP reservoir with the matrices of `reservoir` (its leak rate must be a scalar), gains
    /// 1 and biases 0.
    pub fn from_reservoir(reservoir: &Reservoir, params: IpParams) -> Result<Self> {
        let leak = match reservoir.leak_rate() {
            LeakRate::Scalar(v) => *v,
            LeakRate::PerUnit(_) => {
                return Err(Error::invalid(
                    "leak_rate",
                    "per unit",
                    "an IP reservoir takes one scalar leak rate",
                ))
            }
        };
        params.validate(reservoir.activation())?;
        let n = reservoir.units();
        Ok(IpReservoir {
            w: reservoir.w().clone(),
            win: reservoir.win().clone(),
            bias: reservoir.bias().to_vec(),
            leak,
            activation: reservoir.activation(),
            params,
            gain: vec![1.0; n],
            shift: vec![0.0; n],
            internal: vec![0.0; n],
            out: vec![0.0; n],
            next: vec![0.0; n],
        })
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.out.len()
    }

    /// Features of the input.
    pub fn input_dim(&self) -> usize {
        self.win.ncols()
    }

    /// The learned gains `a` and biases `b`.
    pub fn gain_and_bias(&self) -> (&[f64], &[f64]) {
        (&self.gain, &self.shift)
    }

    /// The learning parameters.
    pub fn params(&self) -> &IpParams {
        &self.params
    }

    /// One step: reads the input `u`, returns the outputs `y`.
    pub fn step(&mut self, u: &[f64]) -> Result<&[f64]> {
        if u.len() != self.input_dim() {
            return Err(Error::shape(
                "IP reservoir input",
                format!("{} values", self.input_dim()),
                format!("{} values", u.len()),
            ));
        }
        crate::series::check_finite_slice("IP reservoir input", u)?;
        let (rp, ci, v) = (
            self.w.symbolic().row_ptr(),
            self.w.symbolic().col_idx(),
            self.w.val(),
        );
        for i in 0..self.units() {
            let (s, e) = (rp[i] as usize, rp[i + 1] as usize);
            let mut net = self.bias[i];
            for k in s..e {
                net += v[k] * self.out[ci[k] as usize];
            }
            for (j, uj) in u.iter().enumerate() {
                net += self.win[(i, j)] * uj;
            }
            let z = (1.0 - self.leak) * self.internal[i] + self.leak * net;
            self.internal[i] = z;
            self.next[i] = self.activation.apply(self.gain[i] * z + self.shift[i]);
        }
        std::mem::swap(&mut self.out, &mut self.next);
        Ok(&self.out)
    }

    /// Moves the gains and biases one step along the rule, from the current `z` and `y`.
    fn learn(&mut self) {
        let p = self.params;
        let eta = p.learning_rate;
        for i in 0..self.units() {
            let (z, y) = (self.internal[i], self.out[i]);
            let db = match self.activation {
                Activation::Sigmoid => 1.0 - (2.0 + 1.0 / p.mu) * y + y * y / p.mu,
                _ => {
                    let s2 = p.sigma * p.sigma;
                    -(-(p.mu / s2) + (y / s2) * (2.0 * s2 + 1.0 - y * y + p.mu * y))
                }
            };
            let da = 1.0 / self.gain[i] + db * z;
            self.gain[i] += eta * da;
            self.shift[i] += eta * db;
        }
    }

    /// Unsupervised training: `epochs` passes over the series, each from the zero state, the
    /// gains and biases updated at every step after the first `warmup`. Leaves the zero state.
    pub fn fit<S: AsSeries>(&mut self, xs: &[S], warmup: usize) -> Result<()> {
        super::check_training_inputs(xs, self.input_dim())?;
        let mut u = vec![0.0; self.input_dim()];
        for _ in 0..self.params.epochs {
            for x in xs {
                let x = x.as_series();
                self.reset();
                for t in 0..x.nrows() {
                    u.iter_mut().enumerate().for_each(|(j, v)| *v = x[(t, j)]);
                    self.step(&u)?;
                    if t >= warmup {
                        self.learn();
                    }
                }
                if let Some(i) = self.gain.iter().position(|g| !g.is_finite() || *g <= 0.0) {
                    return Err(Error::invalid(
                        "learning_rate",
                        self.params.learning_rate,
                        &format!("too large: the gain of unit {i} left (0, inf)"),
                    ));
                }
            }
        }
        self.reset();
        Ok(())
    }

    /// The outputs at every step of `x` (`T x units`) from the current state, which moves on.
    pub fn run(&mut self, x: impl AsSeries) -> Result<Mat<f64>> {
        let (inputs, units) = (self.input_dim(), self.units());
        super::step_through("IP reservoir", x.as_series(), inputs, units, |u, y| {
            y.copy_from_slice(self.step(u)?);
            Ok(())
        })
    }

    /// Back to the zero state (net inputs and outputs).
    pub fn reset(&mut self) {
        self.internal.fill(0.0);
        self.out.fill(0.0);
    }

    /// The state: the net inputs `z`, then the outputs `y` (`2 N` values).
    pub fn state(&self) -> Vec<f64> {
        [self.internal.as_slice(), self.out.as_slice()].concat()
    }

    /// Sets the state (as [`IpReservoir::state`] gives it).
    pub fn set_state(&mut self, state: &[f64]) -> Result<()> {
        let n = self.units();
        if state.len() != 2 * n {
            return Err(Error::shape(
                "IP reservoir state",
                format!("{} values (net inputs, outputs)", 2 * n),
                format!("{} values", state.len()),
            ));
        }
        crate::series::check_finite_slice("IP reservoir state", state)?;
        self.internal.copy_from_slice(&state[..n]);
        self.out.copy_from_slice(&state[n..]);
        Ok(())
    }
}

/// The builder of an [`IpReservoir`]: the recurrent part's hyperparameters (those of a
/// [`Reservoir`]; a scalar leak rate, `tanh` or `sigmoid` units, noise not used).
#[derive(Debug, Clone, Default)]
pub struct IpBuild {
    params: ReservoirParams,
}

impl IpBuild {
    super::reservoir::reservoir_setters!(params);

    /// The recurrent part's hyperparameters gathered so far.
    pub fn params(&self) -> &ReservoirParams {
        &self.params
    }

    /// Builds the reservoir for inputs of `inputs` features, learning by `params`.
    pub fn build(&self, inputs: usize, params: IpParams) -> Result<IpReservoir> {
        params.validate(self.params.activation)?;
        IpReservoir::from_reservoir(&self.params.build(inputs)?, params)
    }
}

/// The configuration part of a saved [`IpReservoir`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedIp {
    units: usize,
    inputs: usize,
    leak_rate: f64,
    activation: Activation,
    params: IpParams,
}

impl Persist for IpReservoir {
    const KIND: &'static str = "ip_reservoir";

    /// The IP reservoir as a model-file part (kind `ip_reservoir`): `W` (CSR), `win`, `bias`,
    /// the learned `gain` and `shift`, and the state.
    fn to_part(&self) -> Result<ModelFile> {
        let mut file = ModelFile::empty(Self::KIND);
        file.insert_csr("w", &self.w);
        let t = &mut file.tensors;
        t.insert("win".into(), Tensor::matrix(self.win.as_ref()));
        t.insert("bias".into(), Tensor::vector(self.bias.clone()));
        t.insert("gain".into(), Tensor::vector(self.gain.clone()));
        t.insert("shift".into(), Tensor::vector(self.shift.clone()));
        t.insert("state".into(), Tensor::vector(self.state()));
        file.set_config(&SavedIp {
            units: self.units(),
            inputs: self.input_dim(),
            leak_rate: self.leak,
            activation: self.activation,
            params: self.params,
        })?;
        Ok(file)
    }

    fn from_part(file: &ModelFile) -> Result<Self> {
        crate::traits::check_kind(file, Self::KIND)?;
        let c: SavedIp = file.config_as()?;
        let (n, f) = (c.units, c.inputs);
        if n == 0 || f == 0 || n > u32::MAX as usize {
            return Err(Error::Data {
                source_name: "model file".into(),
                reason: format!("absurd IP reservoir sizes: {n} units, {f} inputs"),
            });
        }
        let w = file.csr("w", n, n)?;
        let win = file.f64_matrix("win", n, f)?;
        let bias = file.f64_tensor("bias", &[n])?.to_vec();
        let reservoir =
            Reservoir::from_matrices(w, win, bias, LeakRate::Scalar(c.leak_rate), c.activation)?;
        let mut ip = IpReservoir::from_reservoir(&reservoir, c.params)?;
        ip.gain = finite(file.f64_tensor("gain", &[n])?, "gain")?;
        ip.shift = finite(file.f64_tensor("shift", &[n])?, "shift")?;
        ip.set_state(file.f64_tensor("state", &[2 * n])?)?;
        Ok(ip)
    }
}

fn finite(v: &[f64], what: &str) -> Result<Vec<f64>> {
    crate::series::check_finite_slice(what, v)?;
    Ok(v.to_vec())
}

/// Mean and standard deviation of each column of `y`.
pub fn column_moments(y: MatRef<'_, f64>) -> Vec<(f64, f64)> {
    (0..y.ncols())
        .map(|j| {
            let n = y.nrows() as f64;
            let m = y.col(j).iter().sum::<f64>() / n;
            let v = y.col(j).iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
            (m, v.sqrt())
        })
        .collect()
}
