//! The leaky-integrator echo state reservoir.
//!
//! # Equation
//!
//! ```text
//! x[t+1] = (1 - lr) x[t] + lr (f(W x[t] + Win (u[t+1] + s_in ξ) + b) + s_rc ξ')
//! ```
//!
//! with `x[0] = 0`, `W` sparse `N x N`, `Win` `N x F`, `b` a bias vector, `lr` the leak rate
//! (scalar or one per unit), `f` the activation, and `ξ, ξ'` standard normal noise with gains
//! `s_in` (`noise_in`) and `s_rc` (`noise_rc`), both 0 by default.
//!
//! # Defaults, side by side with ReservoirPy 0.4.2
//!
//! Aquifer's defaults are ReservoirPy 0.4.2's `Reservoir` defaults, so that a model ported from
//! it behaves the same; the random draws differ (another generator), not the distributions.
//!
//! | parameter | Aquifer | ReservoirPy 0.4.2 |
//! |---|---|---|
//! | `W` values | normal(0, 1) | `W=normal` |
//! | `rc_connectivity` | 0.1 | 0.1 |
//! | `spectral_radius` | 1.0 (rescaled exactly) | `sr=1.0` |
//! | `leak_rate` | 1.0 | `lr=1.0` |
//! | `Win` values | bernoulli(+/-1, p = 0.5) | `Win=bernoulli` |
//! | `input_connectivity` | 0.1 | 0.1 |
//! | `input_scaling` | 1.0 | 1.0 |
//! | bias | none | `bias=0.0` |
//! | activation | tanh | tanh |
//! | noise | `noise_in`, `noise_rc` (Gaussian gains, 0 by default) | removed in 0.4 |
//! | initial state | zeros | zeros |
//!
//! Beyond ReservoirPy: per-unit leak rates, a random or constant bias
//! ([`BiasInit`]), input and state noise with their own seeded stream, and spectral radii of
//! large sparse matrices computed by a converged Krylov-Schur solver.
//!
//! ```
//! use aquifer::prelude::*;
//! let mut r = Reservoir::builder().units(100).leak_rate(0.3).seed(1).build(1)?;
//! let u = aquifer::series::column(&[0.1, 0.2, 0.3]);
//! let states = r.run(&u)?;                 // 3 x 100, and the state is now the last row
//! assert_eq!((states.nrows(), states.ncols()), (3, 100));
//! assert_eq!(r.state(), states.row(2).iter().copied().collect::<Vec<_>>().as_slice());
//! # Ok::<(), aquifer::Error>(())
//! ```

use crate::activation::Activation;
use crate::error::{check_connectivity, check_non_negative, Error, Result};
use crate::init::{self, Csr, InputScaling, Values};
use crate::kernel::{self, CsrView, Dynamics, Leak, BLOCK};
use crate::rng::{self, ChaCha8Rng};
use crate::series::{check_finite_slice, check_series, views, AsSeries};
use faer::{Mat, MatMut, MatRef};
use rand::RngExt;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Leak rate of the units: one for all, or one per unit. Each must lie in (0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LeakRate {
    /// The same leak rate for every unit.
    Scalar(f64),
    /// One leak rate per unit.
    PerUnit(Vec<f64>),
}

impl From<f64> for LeakRate {
    fn from(v: f64) -> Self {
        LeakRate::Scalar(v)
    }
}

impl From<Vec<f64>> for LeakRate {
    fn from(v: Vec<f64>) -> Self {
        LeakRate::PerUnit(v)
    }
}

impl LeakRate {
    fn validate(&self, units: usize) -> Result<()> {
        let check = |v: f64| {
            if v > 0.0 && v <= 1.0 {
                Ok(())
            } else {
                Err(Error::invalid("leak_rate", v, "must lie in (0, 1]"))
            }
        };
        match self {
            LeakRate::Scalar(v) => check(*v),
            LeakRate::PerUnit(v) => {
                if v.len() != units {
                    return Err(Error::shape(
                        "per-unit leak_rate",
                        format!("{units} values"),
                        format!("{} values", v.len()),
                    ));
                }
                v.iter().try_for_each(|&x| check(x))
            }
        }
    }

    fn as_leak(&self) -> Leak<'_> {
        match self {
            LeakRate::Scalar(v) => Leak::Scalar(*v),
            LeakRate::PerUnit(v) => Leak::PerUnit(v),
        }
    }
}

/// How the bias vector `b` is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum BiasInit {
    /// No bias.
    None,
    /// The same value for every unit.
    Constant {
        /// The value.
        value: f64,
    },
    /// Random values at a connectivity, multiplied by `scaling`.
    Random {
        /// Distribution of the nonzero values.
        values: Values,
        /// Fraction of units with a nonzero bias.
        connectivity: f64,
        /// Gain (ReservoirPy's `bias_scaling`).
        scaling: f64,
    },
}

/// Hyperparameters of a [`Reservoir`]. Build one with [`Reservoir::builder`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReservoirParams {
    /// Number of units `N`.
    pub units: usize,
    /// Target spectral radius of `W`; `None` keeps `W` as drawn.
    pub spectral_radius: Option<f64>,
    /// Leak rate (scalar or per unit), in (0, 1].
    pub leak_rate: LeakRate,
    /// Input gain (scalar or per input feature).
    pub input_scaling: InputScaling,
    /// Fraction of nonzero entries of `Win`.
    pub input_connectivity: f64,
    /// Fraction of nonzero entries of `W`.
    pub rc_connectivity: f64,
    /// Distribution of `W`'s nonzero values.
    pub w_values: Values,
    /// Distribution of `Win`'s nonzero values.
    pub win_values: Values,
    /// The bias vector.
    pub bias: BiasInit,
    /// Activation `f`.
    pub activation: Activation,
    /// Gain of Gaussian noise added to the inputs.
    pub noise_in: f64,
    /// Gain of Gaussian noise added to the activations.
    pub noise_rc: f64,
    /// Seed of every random object of the reservoir.
    pub seed: u64,
}

impl Default for ReservoirParams {
    fn default() -> Self {
        ReservoirParams {
            units: 100,
            spectral_radius: Some(1.0),
            leak_rate: LeakRate::Scalar(1.0),
            input_scaling: InputScaling::Scalar(1.0),
            input_connectivity: 0.1,
            rc_connectivity: 0.1,
            w_values: Values::normal(0.0, 1.0),
            win_values: Values::bernoulli(0.5),
            bias: BiasInit::None,
            activation: Activation::Tanh,
            noise_in: 0.0,
            noise_rc: 0.0,
            seed: 0,
        }
    }
}

impl ReservoirParams {
    /// Checks every hyperparameter for an input of `inputs` features.
    pub fn validate(&self, inputs: usize) -> Result<()> {
        if self.units == 0 {
            return Err(Error::invalid("units", 0, "must be >= 1"));
        }
        if self.units > u32::MAX as usize {
            return Err(Error::invalid("units", self.units, "must fit in u32"));
        }
        if inputs == 0 {
            return Err(Error::invalid("input dimension", 0, "must be >= 1"));
        }
        check_connectivity("rc_connectivity", self.rc_connectivity)?;
        crate::memory::check(
            || format!("a reservoir of {} units", self.units),
            self.memory(inputs),
        )?;
        if let Some(sr) = self.spectral_radius {
            check_non_negative("spectral_radius", sr)?;
        }
        self.leak_rate.validate(self.units)?;
        self.input_scaling.gains(inputs)?;
        check_connectivity("input_connectivity", self.input_connectivity)?;
        check_connectivity("rc_connectivity", self.rc_connectivity)?;
        self.w_values.validate()?;
        self.win_values.validate()?;
        match &self.bias {
            BiasInit::None => {}
            BiasInit::Constant { value } => {
                if !value.is_finite() {
                    return Err(Error::invalid("bias", value, "must be finite"));
                }
            }
            BiasInit::Random {
                values,
                connectivity,
                scaling,
            } => {
                values.validate()?;
                check_connectivity("bias connectivity", *connectivity)?;
                if !scaling.is_finite() {
                    return Err(Error::invalid("bias_scaling", scaling, "must be finite"));
                }
            }
        }
        check_non_negative("noise_in", self.noise_in)?;
        check_non_negative("noise_rc", self.noise_rc)?;
        Ok(())
    }

    /// The most bytes the reservoir takes while it is built and run, for inputs of `inputs`
    /// features: `W` (its nonzeros, drawn then stored), `Win`, the eigenvalue solver's work (a
    /// dense copy of `W` up to 3000 units, a Krylov basis above) and the state buffers.
    /// [`build`](Self::build) refuses, with [`Error::TooLarge`], a reservoir this machine could
    /// not hold (see [`memory`](crate::memory)).
    ///
    /// ```
    /// use aquifer::nodes::ReservoirParams;
    /// let p = ReservoirParams { units: 10_000, rc_connectivity: 0.1, ..Default::default() };
    /// // ten million nonzeros of 12 bytes, drawn then stored
    /// assert!(p.memory(1) > 240_000_000 && p.memory(1) < 260_000_000);
    /// ```
    pub fn memory(&self, inputs: usize) -> u128 {
        use crate::memory::values;
        let n = self.units;
        let nnz = (n as f64 * n as f64 * self.rc_connectivity).ceil() as u128;
        let w = nnz.saturating_mul(2 * (8 + 4));
        let eig = if n <= 3000 {
            values(n, n, 3)
        } else {
            values(n, 64, 1)
        };
        w.saturating_add(values(n, inputs, 1))
            .saturating_add(eig)
            .saturating_add(values(n, 16, 1))
    }

    /// Why a drawn `W` has spectral radius 0 (and cannot be scaled to `sr`): its values are all
    /// zero, or it is too sparse to hold a cycle.
    fn degenerate(&self, w: &Csr, sr: f64) -> Error {
        if w.val().iter().all(|&v| v == 0.0) {
            return Error::invalid(
                "w_values",
                format!("{:?}", self.w_values),
                "draws only zeros, so W cannot be scaled to a spectral radius",
            );
        }
        let n = self.units;
        Error::InvalidParameter {
            name: "rc_connectivity",
            value: self.rc_connectivity.to_string(),
            reason: format!(
                "too sparse for {n} units: the drawn W has {} nonzeros and no cycle (spectral \
                 radius 0), so it cannot be scaled to spectral_radius {sr}; use \
                 rc_connectivity >= {:.2} or more units",
                w.val().len(),
                (2.0 / n as f64).min(1.0)
            ),
        }
    }

    /// Draws the matrices and returns the reservoir, for inputs of `inputs` features.
    pub fn build(&self, inputs: usize) -> Result<Reservoir> {
        self.build_with(inputs, GivenMatrices::default())
    }

    /// Like [`build`](Self::build), but uses the matrices in `given` instead of drawing them:
    /// the way to import a reservoir built elsewhere (ReservoirPy, published weights) and
    /// reproduce it exactly. A given `W` is still rescaled when `spectral_radius` is `Some`:
    /// set it to `None` to use `W` as it is. A given `Win` is used as it is (`input_scaling`,
    /// `input_connectivity` and `win_values` only shape drawn matrices), as is a given bias.
    ///
    /// ```
    /// use aquifer::prelude::*;
    /// use aquifer::nodes::GivenMatrices;
    /// let w = init::ring(3, 0.5)?;
    /// let params = ReservoirParams { units: 3, spectral_radius: None, ..Default::default() };
    /// let given = GivenMatrices { w: Some(w), ..Default::default() };
    /// let r = params.build_with(1, given)?;
    /// assert_eq!(r.w().val(), &[0.5, 0.5, 0.5]);
    /// # Ok::<(), aquifer::Error>(())
    /// ```
    pub fn build_with(&self, inputs: usize, given: GivenMatrices) -> Result<Reservoir> {
        self.validate(inputs)?;
        let n = self.units;
        let drawn = given.w.is_none();
        let mut w = match given.w {
            Some(w) => {
                if w.nrows() != n || w.ncols() != n {
                    return Err(Error::shape(
                        "given W",
                        format!("{n} x {n}"),
                        format!("{} x {}", w.nrows(), w.ncols()),
                    ));
                }
                w
            }
            None => init::random_sparse(
                n,
                n,
                self.w_values,
                self.rc_connectivity,
                rng::derive(self.seed, 1),
            )?,
        };
        if let Some(sr) = self.spectral_radius {
            init::scale_spectral_radius(&mut w, sr).map_err(|e| match e {
                Error::InvalidParameter {
                    name: "spectral_radius",
                    ..
                } if drawn => self.degenerate(&w, sr),
                e => e,
            })?;
        }
        let win = match given.win {
            Some(win) => {
                if win.nrows() != n || win.ncols() != inputs {
                    return Err(Error::shape(
                        "given Win",
                        format!("{n} x {inputs}"),
                        format!("{} x {}", win.nrows(), win.ncols()),
                    ));
                }
                win
            }
            None => init::input_matrix(
                n,
                inputs,
                self.win_values,
                self.input_connectivity,
                &self.input_scaling,
                rng::derive(self.seed, 2),
            )?,
        };
        let bias = match (given.bias, &self.bias) {
            (Some(b), _) => b,
            (None, BiasInit::None) => vec![0.0; n],
            (None, BiasInit::Constant { value }) => vec![*value; n],
            (
                None,
                BiasInit::Random {
                    values,
                    connectivity,
                    scaling,
                },
            ) => init::bias(
                n,
                *values,
                *connectivity,
                *scaling,
                rng::derive(self.seed, 3),
            )?,
        };
        let mut r =
            Reservoir::from_matrices(w, win, bias, self.leak_rate.clone(), self.activation)?;
        r.set_noise(self.noise_in, self.noise_rc, rng::derive(self.seed, 4))?;
        Ok(r)
    }
}

/// Matrices given to [`ReservoirParams::build_with`] instead of drawn; `None` draws that one.
#[derive(Debug, Clone, Default)]
pub struct GivenMatrices {
    /// The recurrent matrix `W` (`N x N`).
    pub w: Option<Csr>,
    /// The input matrix `Win` (`N x F`).
    pub win: Option<Mat<f64>>,
    /// The bias `b` (`N` values).
    pub bias: Option<Vec<f64>>,
}

/// Fluent builder of a [`Reservoir`] (a thin layer over [`ReservoirParams`]).
#[derive(Debug, Clone, Default)]
pub struct ReservoirBuilder {
    params: ReservoirParams,
}

/// Setters of every reservoir hyperparameter, for a builder that keeps its [`ReservoirParams`]
/// in the field `$field` (used by [`ReservoirBuilder`], the ESN builder and the builders of the other reservoirs).
macro_rules! reservoir_setters {
    ($field:ident) => {
        /// Number of units.
        pub fn units(mut self, v: usize) -> Self {
            self.$field.units = v;
            self
        }
        /// Target spectral radius of `W` (`None`: keep `W` as drawn).
        pub fn spectral_radius(mut self, v: impl Into<Option<f64>>) -> Self {
            self.$field.spectral_radius = v.into();
            self
        }
        /// Leak rate: a scalar (`0.3`) or one value per unit (`vec![...]`).
        pub fn leak_rate(mut self, v: impl Into<$crate::nodes::LeakRate>) -> Self {
            self.$field.leak_rate = v.into();
            self
        }
        /// Input gain: a scalar or one value per input feature.
        pub fn input_scaling(mut self, v: impl Into<$crate::init::InputScaling>) -> Self {
            self.$field.input_scaling = v.into();
            self
        }
        /// Fraction of nonzero entries of `Win`.
        pub fn input_connectivity(mut self, v: f64) -> Self {
            self.$field.input_connectivity = v;
            self
        }
        /// Fraction of nonzero entries of `W`.
        pub fn rc_connectivity(mut self, v: f64) -> Self {
            self.$field.rc_connectivity = v;
            self
        }
        /// Distribution of `W`'s values.
        pub fn w_values(mut self, v: $crate::init::Values) -> Self {
            self.$field.w_values = v;
            self
        }
        /// Distribution of `Win`'s values.
        pub fn win_values(mut self, v: $crate::init::Values) -> Self {
            self.$field.win_values = v;
            self
        }
        /// The bias vector.
        pub fn bias(mut self, v: $crate::nodes::BiasInit) -> Self {
            self.$field.bias = v;
            self
        }
        /// Activation of the units.
        pub fn activation(mut self, v: $crate::activation::Activation) -> Self {
            self.$field.activation = v;
            self
        }
        /// Gain of the Gaussian input noise.
        pub fn noise_in(mut self, v: f64) -> Self {
            self.$field.noise_in = v;
            self
        }
        /// Gain of the Gaussian state noise.
        pub fn noise_rc(mut self, v: f64) -> Self {
            self.$field.noise_rc = v;
            self
        }
        /// Seed of every random object.
        pub fn seed(mut self, v: u64) -> Self {
            self.$field.seed = v;
            self
        }
        /// Every reservoir hyperparameter at once (e.g. read from a configuration).
        pub fn reservoir_params(mut self, params: $crate::nodes::ReservoirParams) -> Self {
            self.$field = params;
            self
        }
    };
}
pub(crate) use reservoir_setters;

impl ReservoirBuilder {
    reservoir_setters!(params);

    /// The hyperparameters gathered so far.
    pub fn params(&self) -> &ReservoirParams {
        &self.params
    }

    /// Builds the reservoir for inputs of `inputs` features.
    pub fn build(&self, inputs: usize) -> Result<Reservoir> {
        self.params.build(inputs)
    }
}

/// A leaky-integrator echo state reservoir (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Reservoir {
    w: Csr,
    win: Mat<f64>,
    bias: Vec<f64>,
    leak_rate: LeakRate,
    activation: Activation,
    noise_in: f64,
    noise_rc: f64,
    noise_seed: u64,
    noise_rng: ChaCha8Rng,
    state: Vec<f64>,
    /// Per-step scratch (drive, next state, noise): allocated once.
    scratch: Vec<f64>,
    /// Per-step buffer of the noisy input (`F` values).
    noisy_input: Vec<f64>,
}

impl Reservoir {
    /// A builder with the default hyperparameters.
    pub fn builder() -> ReservoirBuilder {
        ReservoirBuilder::default()
    }

    /// A reservoir from given matrices: `w` (`N x N`), `win` (`N x F`), `bias` (`N`).
    /// Use it to import a reservoir built elsewhere and reproduce it exactly.
    pub fn from_matrices(
        w: Csr,
        win: Mat<f64>,
        bias: Vec<f64>,
        leak_rate: LeakRate,
        activation: Activation,
    ) -> Result<Self> {
        let n = w.nrows();
        if n == 0 {
            return Err(Error::invalid("units", 0, "must be >= 1"));
        }
        if w.ncols() != n {
            return Err(Error::shape(
                "W",
                format!("{n} x {n}"),
                format!("{n} x {}", w.ncols()),
            ));
        }
        if win.nrows() != n || win.ncols() == 0 {
            return Err(Error::shape(
                "Win",
                format!("{n} x F with F >= 1"),
                format!("{} x {}", win.nrows(), win.ncols()),
            ));
        }
        if bias.len() != n {
            return Err(Error::shape(
                "bias",
                format!("{n} values"),
                format!("{} values", bias.len()),
            ));
        }
        if w.symbolic().row_nnz().is_some() {
            return Err(Error::invalid(
                "W",
                "a non-compact CSR matrix",
                "W must be compact (no per-row nonzero counts); rebuild it with SparseRowMat::new",
            ));
        }
        check_finite_slice("W", w.val())?;
        crate::series::check_finite("Win", win.as_ref())?;
        check_finite_slice("bias", &bias)?;
        leak_rate.validate(n)?;
        // Checked once here so the kernel's unchecked loads are sound.
        CsrView::new(&w);
        Ok(Reservoir {
            w,
            win,
            bias,
            leak_rate,
            activation,
            noise_in: 0.0,
            noise_rc: 0.0,
            noise_seed: 0,
            noise_rng: rng::from_seed(0),
            state: vec![0.0; n],
            scratch: vec![0.0; 3 * n],
            noisy_input: Vec::new(),
        })
    }

    /// Sets Gaussian noise gains on the inputs and on the activations, and their seed.
    pub fn set_noise(&mut self, noise_in: f64, noise_rc: f64, seed: u64) -> Result<()> {
        check_non_negative("noise_in", noise_in)?;
        check_non_negative("noise_rc", noise_rc)?;
        self.noise_in = noise_in;
        self.noise_rc = noise_rc;
        self.noise_seed = seed;
        self.noise_rng = rng::from_seed(seed);
        Ok(())
    }

    /// How many 32-bit words the noise stream has used since its seed.
    pub(crate) fn noise_position(&self) -> u128 {
        self.noise_rng.get_word_pos()
    }

    /// Moves the noise stream to `words` words after its seed.
    pub(crate) fn set_noise_position(&mut self, words: u128) {
        self.noise_rng = rng::from_seed(self.noise_seed);
        self.noise_rng.set_word_pos(words);
    }

    /// Noise gains `(noise_in, noise_rc)` and the seed of their stream.
    pub fn noise(&self) -> (f64, f64, u64) {
        (self.noise_in, self.noise_rc, self.noise_seed)
    }

    /// Number of units `N`.
    pub fn units(&self) -> usize {
        self.w.nrows()
    }
    /// Number of input features `F`.
    pub fn input_dim(&self) -> usize {
        self.win.ncols()
    }
    /// The recurrent matrix `W`.
    pub fn w(&self) -> &Csr {
        &self.w
    }
    /// The values of `W`'s nonzero entries, to change in place (its pattern stays).
    pub(crate) fn w_values_mut(&mut self) -> &mut [f64] {
        self.w.val_mut()
    }
    /// The input matrix `Win` (`N x F`).
    pub fn win(&self) -> &Mat<f64> {
        &self.win
    }
    /// The bias vector.
    pub fn bias(&self) -> &[f64] {
        &self.bias
    }
    /// The leak rate.
    pub fn leak_rate(&self) -> &LeakRate {
        &self.leak_rate
    }
    /// The activation.
    pub fn activation(&self) -> Activation {
        self.activation
    }
    /// The current state `x[t]`.
    pub fn state(&self) -> &[f64] {
        &self.state
    }

    /// Sets the current state.
    pub fn set_state(&mut self, state: &[f64]) -> Result<()> {
        if state.len() != self.units() {
            return Err(Error::shape(
                "reservoir state",
                format!("{} values", self.units()),
                format!("{} values", state.len()),
            ));
        }
        check_finite_slice("reservoir state", state)?;
        self.state.copy_from_slice(state);
        Ok(())
    }

    /// Resets the state to zeros and restarts the noise streams from their seed.
    pub fn reset(&mut self) {
        self.state.iter_mut().for_each(|v| *v = 0.0);
        self.noise_rng = rng::from_seed(self.noise_seed);
    }

    fn dynamics(&self) -> Dynamics<'_> {
        dynamics_of(
            &self.w,
            &self.win,
            &self.bias,
            &self.leak_rate,
            self.activation,
        )
    }

    /// One step with input `u` (`F` values); returns the new state. Gives the same states as
    /// [`Reservoir::run`], bit for bit (without noise).
    pub fn step(&mut self, u: &[f64]) -> Result<&[f64]> {
        let f = self.input_dim();
        if u.len() != f {
            return Err(Error::shape(
                "input",
                format!("{f} values"),
                format!("{} values", u.len()),
            ));
        }
        check_finite_slice("input", u)?;
        // Taken out for the step and put back: no allocation, no copy of the noise generator.
        let mut state = std::mem::take(&mut self.state);
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut noisy = std::mem::take(&mut self.noisy_input);
        let u = if self.noise_in > 0.0 {
            noisy.clear();
            noisy.extend(
                u.iter()
                    .map(|&v| v + self.noise_in * self.noise_rng.sample::<f64, _>(StandardNormal)),
            );
            &noisy[..]
        } else {
            u
        };
        // Built from the fields (not `self.dynamics()`) so that the noise generator can be
        // borrowed mutably beside it.
        let d = dynamics_of(
            &self.w,
            &self.win,
            &self.bias,
            &self.leak_rate,
            self.activation,
        );
        let noise_rc = (self.noise_rc > 0.0).then_some((&mut self.noise_rng, self.noise_rc));
        kernel::step(&d, u, &mut state, &mut scratch, noise_rc);
        self.state = state;
        self.scratch = scratch;
        self.noisy_input = noisy;
        Ok(&self.state)
    }

    /// Runs over a series (`T x F`) from the current state; returns all states (`T x N`) and
    /// leaves the reservoir in the last one.
    ///
    /// From 32,000 nonzeros in `W` (and 256 steps), each step may be shared with a helper
    /// thread, when that is measured to be faster and the [thread budget](crate::parallel)
    /// allows two; the states are the same bit for bit.
    pub fn run(&mut self, x: impl AsSeries) -> Result<Mat<f64>> {
        let x = x.as_series();
        let mut out = Mat::zeros(x.nrows(), self.units());
        self.run_to(x, out.as_mut())?;
        Ok(out)
    }

    /// [`Reservoir::run`] into `out` (`T x N`): a caller running a long series chunk by chunk
    /// reuses one buffer.
    pub(crate) fn run_to(&mut self, x: MatRef<'_, f64>, out: MatMut<'_, f64>) -> Result<()> {
        let mut state = std::mem::take(&mut self.state);
        let mut rng = self.noise_rng.clone();
        let done = self.run_into(x, &mut state, &mut rng, out);
        self.state = state;
        if done.is_ok() {
            self.noise_rng = rng;
        }
        done
    }

    /// Runs over a series from `state` (left in the last state) with the noise generator
    /// `rng`, without changing the reservoir. Input noise is drawn step by step (all features
    /// of a step, then the next step) as [`Reservoir::step`] does, so that a series run in
    /// pieces gets the same noise as run whole.
    pub(crate) fn run_from(
        &self,
        x: MatRef<'_, f64>,
        state: &mut [f64],
        rng: &mut ChaCha8Rng,
    ) -> Result<Mat<f64>> {
        let mut out = Mat::zeros(x.nrows(), self.units());
        self.run_into(x, state, rng, out.as_mut())?;
        Ok(out)
    }

    /// [`Reservoir::run_from`] writing the states into `out` (`T x N`).
    pub(crate) fn run_into(
        &self,
        x: MatRef<'_, f64>,
        state: &mut [f64],
        rng: &mut ChaCha8Rng,
        out: MatMut<'_, f64>,
    ) -> Result<()> {
        check_series("input series", x, Some(self.input_dim()))?;
        if out.nrows() != x.nrows() || out.ncols() != self.units() {
            return Err(Error::shape(
                "states",
                format!("{} x {}", x.nrows(), self.units()),
                format!("{} x {}", out.nrows(), out.ncols()),
            ));
        }
        let noisy = (self.noise_in > 0.0).then(|| {
            let mut m = x.to_owned();
            for t in 0..m.nrows() {
                for j in 0..m.ncols() {
                    m[(t, j)] += self.noise_in * rng.sample::<f64, _>(StandardNormal);
                }
            }
            m
        });
        let u = noisy.as_ref().map_or(x, |m| m.as_ref());
        let noise_rc = (self.noise_rc > 0.0).then_some((rng, self.noise_rc));
        kernel::run_series(&self.dynamics(), u, state, out, noise_rc);
        Ok(())
    }

    /// The noise generator a series of [`Reservoir::run_many`] gets: series `i` draws from
    /// its own stream.
    pub(crate) fn series_rng(&self, i: usize) -> ChaCha8Rng {
        rng::stream(self.noise_seed, i as u64 + 1)
    }

    /// Whether the reservoir adds noise (to its input or its state).
    pub(crate) fn is_noisy(&self) -> bool {
        self.noise_in > 0.0 || self.noise_rc > 0.0
    }

    /// Runs many series in parallel, each from the current state; returns their states and
    /// leaves the reservoir's state unchanged.
    ///
    /// Without noise, series are propagated together in blocks of 8 (each nonzero of `W` is
    /// loaded once for the whole block) and blocks are spread over the rayon pool; every series
    /// gets exactly (bit for bit) the states that [`Reservoir::run`] would give it. With noise,
    /// series `i` draws its noise from its own stream derived from the noise seed and `i`.
    pub fn run_many<S: AsSeries + Sync>(&self, series: &[S]) -> Result<Vec<Mat<f64>>> {
        let xs = views(series);
        if xs.is_empty() {
            return Err(Error::Empty {
                what: "list of series".into(),
            });
        }
        for (i, x) in xs.iter().enumerate() {
            check_series(&format!("input series {i}"), *x, Some(self.input_dim()))?;
        }
        if self.is_noisy() {
            return xs
                .par_iter()
                .enumerate()
                .map(|(i, x)| {
                    let mut state = self.state.clone();
                    crate::parallel::serial(|| {
                        self.run_from(*x, &mut state, &mut self.series_rng(i))
                    })
                })
                .collect();
        }
        let n = self.units();
        let d = self.dynamics();
        // One series alone would fill one lane of a block: the single-series kernel (split
        // over two threads for large reservoirs) gives the same states, bit for bit, faster.
        if let [x] = xs[..] {
            let mut state = self.state.clone();
            let mut out = Mat::zeros(x.nrows(), n);
            kernel::run_series(&d, x, &mut state, out.as_mut(), None);
            return Ok(vec![out]);
        }
        // Group series of similar lengths into blocks, keeping the output order; a few series
        // (at most LONE_MAX) run alone side by side instead, which was measured faster than one
        // block with lanes to spare (N = 1000, 2 threads: 2 series 2.4x, 4 series 1.26x; from 6
        // series on, blocks are as fast or faster). Each task allocates its own outputs, so that
        // the first touch of their pages (a large share of the time: the states of 64 series of
        // 1000 steps at N = 500 are 256 MB) is spread over the threads.
        let mut order: Vec<usize> = (0..xs.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(xs[i].nrows()));
        let alone_from = if order.len() <= LONE_MAX {
            0
        } else {
            order.len()
        };
        let (blocked, alone) = order.split_at(alone_from);
        let tasks: Vec<&[usize]> = blocked.chunks(BLOCK).chain(alone.chunks(1)).collect();
        let done: Vec<Vec<(usize, Mat<f64>)>> = tasks
            .par_iter()
            .map(|task| {
                let us: Vec<MatRef<'_, f64>> = task.iter().map(|&i| xs[i]).collect();
                let mut os: Vec<Mat<f64>> = us.iter().map(|u| Mat::zeros(u.nrows(), n)).collect();
                if let ([u], [o]) = (&us[..], &mut os[..]) {
                    let mut state = self.state.clone();
                    crate::parallel::serial(|| {
                        kernel::run_series(&d, *u, &mut state, o.as_mut(), None)
                    });
                } else {
                    let mut views: Vec<_> = os.iter_mut().map(|m| m.as_mut()).collect();
                    kernel::run_block(&d, &us, &self.state, &mut views);
                }
                task.iter().copied().zip(os).collect()
            })
            .collect();
        let mut outs: Vec<Option<Mat<f64>>> = (0..xs.len()).map(|_| None).collect();
        for (i, m) in done.into_iter().flatten() {
            outs[i] = Some(m);
        }
        Ok(outs
            .into_iter()
            .map(|m| m.expect("each series is in one block"))
            .collect())
    }
}

/// Up to this many series, [`Reservoir::run_many`] runs each alone rather than in a block.
const LONE_MAX: usize = 4;

/// The kernel's view of a reservoir's parts. Only for the parts of a [`Reservoir`]: its `W` was
/// checked by `CsrView::new` in `from_matrices` and is never mutated afterwards, so the column
/// indices need not be scanned again at every step.
fn dynamics_of<'a>(
    w: &'a Csr,
    win: &'a Mat<f64>,
    bias: &'a [f64],
    leak_rate: &'a LeakRate,
    act: Activation,
) -> Dynamics<'a> {
    Dynamics {
        // SAFETY: see above.
        w: unsafe { CsrView::trusted(w) },
        win: win.as_ref(),
        bias,
        leak: leak_rate.as_leak(),
        act,
    }
}
