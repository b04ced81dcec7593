//! Local plasticity: a reservoir whose recurrent weights `W` learn by a local rule, without
//! targets, then run as an ordinary [`Reservoir`].
//!
//! The units follow the reservoir's equation, `x[t+1] = (1 - a) x[t] + a f(W x[t] + Win
//! u[t+1] + b)`. During [`LocalReservoir::fit`], after each step every *nonzero* entry `W_ij`
//! moves by a rule of its presynaptic value `x = x_j[t]` (the state `W` read) and its
//! postsynaptic value `y = y_i = x_i[t+1]` (the new state), with learning rate `eta`:
//!
//! | rule            | `ΔW_ij`                     |
//! |-----------------|-----------------------------|
//! | `oja`           | `eta y (x - y W_ij)`        |
//! | `anti-oja`      | `-eta y (x - y W_ij)`       |
//! | `hebbian`       | `eta x y`                   |
//! | `anti-hebbian`  | `-eta x y`                  |
//! | `bcm`           | `eta x y (y - theta)`       |
//!
//! With `synapse_normalization`, each row of `W` is then rescaled to unit Euclidean norm. The
//! zero entries stay zero: the sparsity pattern is kept. The first `warmup` steps of each
//! training series run without learning.
//!
//! Parameters and defaults as ReservoirPy 0.4's `LocalPlasticityReservoir` (`local_rule =
//! "oja"`, `eta = 1e-3`, `bcm_theta = 0`, `synapse_normalization = false`, `epochs = 1`; `W`
//! uniform on `[-1, 1)`, `Win` and the bias Bernoulli ±1). Unlike it, the state advances during
//! training (ReservoirPy 0.4.2's never does, so its rules see a zero presynaptic state and
//! learn nothing but decay), each series starts from the zero state, and a rule that makes
//! `W` overflow is an error that leaves `W` as it was.
//!
//! ```
//! use aquifer::nodes::{LocalParams, LocalReservoir, LocalRule};
//! let mut local = LocalReservoir::builder()
//!     .units(50)
//!     .seed(1)
//!     .build(1, LocalParams { rule: LocalRule::Oja, epochs: 2, ..LocalParams::default() })?;
//! let before = local.reservoir().w().val().to_vec();
//! let u = aquifer::faer::Mat::from_fn(300, 1, |t, _| (t as f64 * 0.3).sin());
//! local.fit(&[&u], 20)?;
//! assert_ne!(local.reservoir().w().val(), &before[..]);
//! let states = local.run(&u)?;
//! assert_eq!(states.ncols(), 50);
//! # Ok::<(), aquifer::Error>(())
//! ```

use super::{BiasInit, Reservoir, ReservoirParams};
use crate::error::{check_positive, Error, Result};
use crate::init::Values;
use crate::io::ModelFile;
use crate::series::AsSeries;
use crate::traits::Persist;
use faer::Mat;
use serde::{Deserialize, Serialize};

/// A local learning rule (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocalRule {
    /// `ΔW_ij = eta y (x - y W_ij)`: Hebbian growth with a decay that bounds the weights.
    Oja,
    /// `ΔW_ij = -eta y (x - y W_ij)` (Babinec & Pospíchal 2007).
    AntiOja,
    /// `ΔW_ij = eta x y`.
    Hebbian,
    /// `ΔW_ij = -eta x y`.
    AntiHebbian,
    /// `ΔW_ij = eta x y (y - theta)` with the threshold `bcm_theta`.
    Bcm,
}

impl LocalRule {
    /// Every rule, in ReservoirPy's order.
    pub const ALL: [LocalRule; 5] = [
        LocalRule::Oja,
        LocalRule::AntiOja,
        LocalRule::Hebbian,
        LocalRule::AntiHebbian,
        LocalRule::Bcm,
    ];

    /// The change of a weight `w` from presynaptic `x` and postsynaptic `y` values.
    #[inline]
    pub fn delta(self, eta: f64, theta: f64, w: f64, x: f64, y: f64) -> f64 {
        match self {
            LocalRule::Oja => eta * y * (x - y * w),
            LocalRule::AntiOja => -eta * y * (x - y * w),
            LocalRule::Hebbian => eta * x * y,
            LocalRule::AntiHebbian => -eta * x * y,
            LocalRule::Bcm => eta * x * y * (y - theta),
        }
    }
}

/// The learning of a [`LocalReservoir`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LocalParams {
    /// The rule (ReservoirPy's `local_rule`).
    #[serde(alias = "local_rule")]
    pub rule: LocalRule,
    /// Learning rate `eta`.
    #[serde(alias = "eta")]
    pub learning_rate: f64,
    /// The threshold `theta` of the BCM rule.
    pub bcm_theta: f64,
    /// Whether each row of `W` is rescaled to unit norm after every update.
    pub synapse_normalization: bool,
    /// Passes over the training series.
    pub epochs: usize,
}

impl Default for LocalParams {
    fn default() -> Self {
        LocalParams {
            rule: LocalRule::Oja,
            learning_rate: 1e-3,
            bcm_theta: 0.0,
            synapse_normalization: false,
            epochs: 1,
        }
    }
}

impl LocalParams {
    /// Checks every parameter (errors name it).
    pub fn validate(&self) -> Result<()> {
        check_positive("learning_rate", self.learning_rate)?;
        if !self.bcm_theta.is_finite() {
            return Err(Error::invalid(
                "bcm_theta",
                self.bcm_theta,
                "must be finite",
            ));
        }
        Ok(())
    }
}

/// A reservoir whose `W` learns by a local rule (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct LocalReservoir {
    reservoir: Reservoir,
    params: LocalParams,
}

impl LocalReservoir {
    /// A builder with ReservoirPy's `LocalPlasticityReservoir` defaults.
    pub fn builder() -> LocalBuild {
        LocalBuild::default()
    }

    /// The local reservoir that trains the matrices of `reservoir`.
    pub fn from_reservoir(reservoir: Reservoir, params: LocalParams) -> Result<Self> {
        params.validate()?;
        Ok(LocalReservoir { reservoir, params })
    }

    /// The reservoir, with the learned `W`.
    pub fn reservoir(&self) -> &Reservoir {
        &self.reservoir
    }

    /// The reservoir with the learned `W`, to use as any other.
    pub fn into_reservoir(self) -> Reservoir {
        self.reservoir
    }

    /// The learning parameters.
    pub fn params(&self) -> &LocalParams {
        &self.params
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.reservoir.units()
    }

    /// Features of the input.
    pub fn input_dim(&self) -> usize {
        self.reservoir.input_dim()
    }

    /// Unsupervised training: `epochs` passes over the series, each from the zero state, `W`
    /// updated after every step past the first `warmup`. Leaves the zero state. If `W` leaves
    /// the finite range (a learning rate too large for the rule), it is restored and the error
    /// names the learning rate.
    pub fn fit<S: AsSeries>(&mut self, xs: &[S], warmup: usize) -> Result<()> {
        super::check_training_inputs(xs, self.input_dim())?;
        let saved = self.reservoir.w().val().to_vec();
        let learned = self.learn(xs, warmup);
        self.reservoir.reset();
        if learned.is_err() {
            self.reservoir.w_values_mut().copy_from_slice(&saved);
        }
        learned
    }

    fn learn<S: AsSeries>(&mut self, xs: &[S], warmup: usize) -> Result<()> {
        let n = self.units();
        let p = self.params;
        let w = self.reservoir.w().symbolic();
        let (row_ptr, col_idx) = (w.row_ptr().to_vec(), w.col_idx().to_vec());
        let mut u = vec![0.0; self.input_dim()];
        let (mut pre, mut post) = (vec![0.0; n], vec![0.0; n]);
        for _ in 0..p.epochs {
            for x in xs {
                let x = x.as_series();
                self.reservoir.reset();
                for t in 0..x.nrows() {
                    u.iter_mut().enumerate().for_each(|(j, v)| *v = x[(t, j)]);
                    pre.copy_from_slice(self.reservoir.state());
                    post.copy_from_slice(self.reservoir.step(&u)?);
                    if t < warmup {
                        continue;
                    }
                    let values = self.reservoir.w_values_mut();
                    for i in 0..n {
                        let row = row_ptr[i] as usize..row_ptr[i + 1] as usize;
                        let y = post[i];
                        for k in row.clone() {
                            let x = pre[col_idx[k] as usize];
                            values[k] +=
                                p.rule.delta(p.learning_rate, p.bcm_theta, values[k], x, y);
                        }
                        if p.synapse_normalization {
                            let norm = values[row.clone()]
                                .iter()
                                .map(|v| v * v)
                                .sum::<f64>()
                                .sqrt();
                            if norm > 0.0 {
                                values[row].iter_mut().for_each(|v| *v /= norm);
                            }
                        }
                    }
                }
                if let Some(k) = self.reservoir.w().val().iter().position(|v| !v.is_finite()) {
                    let i = row_ptr.partition_point(|&s| s as usize <= k) - 1;
                    return Err(Error::invalid(
                        "learning_rate",
                        p.learning_rate,
                        &format!(
                            "too large for the {:?} rule: row {i} of W overflowed (W is left as it was)",
                            p.rule
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// One step: reads the input `u`, returns the new state.
    pub fn step(&mut self, u: &[f64]) -> Result<&[f64]> {
        self.reservoir.step(u)
    }

    /// The states at every step of `x` (`T x units`) from the current state, which moves on.
    pub fn run(&mut self, x: impl AsSeries) -> Result<Mat<f64>> {
        self.reservoir.run(x)
    }

    /// The states of each series from the current state (left unchanged), in parallel.
    pub fn run_many<S: AsSeries + Sync>(&self, series: &[S]) -> Result<Vec<Mat<f64>>> {
        self.reservoir.run_many(series)
    }

    /// Back to the zero state.
    pub fn reset(&mut self) {
        self.reservoir.reset()
    }

    /// The current state.
    pub fn state(&self) -> &[f64] {
        self.reservoir.state()
    }

    /// Sets the current state.
    pub fn set_state(&mut self, state: &[f64]) -> Result<()> {
        self.reservoir.set_state(state)
    }
}

/// The builder of a [`LocalReservoir`]: the reservoir's hyperparameters (ReservoirPy's
/// `LocalPlasticityReservoir` defaults) and the learning.
#[derive(Debug, Clone)]
pub struct LocalBuild {
    params: ReservoirParams,
}

impl Default for LocalBuild {
    fn default() -> Self {
        LocalBuild {
            params: ReservoirParams {
                w_values: Values::uniform(-1.0, 1.0),
                bias: BiasInit::Random {
                    values: Values::bernoulli(0.5),
                    connectivity: 1.0,
                    scaling: 1.0,
                },
                ..ReservoirParams::default()
            },
        }
    }
}

impl LocalBuild {
    super::reservoir::reservoir_setters!(params);

    /// The reservoir's hyperparameters gathered so far.
    pub fn params(&self) -> &ReservoirParams {
        &self.params
    }

    /// Builds the reservoir for inputs of `inputs` features, learning by `local`.
    pub fn build(&self, inputs: usize, local: LocalParams) -> Result<LocalReservoir> {
        local.validate()?;
        LocalReservoir::from_reservoir(self.params.build(inputs)?, local)
    }
}

/// The configuration part of a saved [`LocalReservoir`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedLocal {
    reservoir: serde_json::Value,
    params: LocalParams,
}

impl Persist for LocalReservoir {
    const KIND: &'static str = "local_reservoir";

    /// The local reservoir as a model-file part (kind `local_reservoir`): its reservoir's
    /// tensors under `reservoir.` (with the learned `W`) and the learning parameters.
    fn to_part(&self) -> Result<ModelFile> {
        let mut file = ModelFile::empty(Self::KIND);
        let (_, reservoir) = file.embed("reservoir.", self.reservoir.to_part()?);
        file.set_config(&SavedLocal {
            reservoir,
            params: self.params,
        })?;
        Ok(file)
    }

    fn from_part(file: &ModelFile) -> Result<Self> {
        crate::traits::check_kind(file, Self::KIND)?;
        let c: SavedLocal = file.config_as()?;
        let reservoir =
            Reservoir::from_part(&file.part("reservoir.", Reservoir::KIND, c.reservoir))?;
        LocalReservoir::from_reservoir(reservoir, c.params)
    }
}
