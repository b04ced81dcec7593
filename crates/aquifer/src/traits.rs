//! The shared vocabulary: what every model family does, under one name and one call shape.
//!
//! Read this module first. Every family (echo state networks, model graphs, gated reservoirs,
//! liquid state machines, readouts) implements the traits below that fit what it does, with
//! the same method names and arguments; what differs between families is only which traits
//! they implement and which [`Targets`] they learn.
//!
//! | trait | methods | meaning |
//! |---|---|---|
//! | [`Fit`] | `fit(x, y, warmup)` | train offline on a set of series; replaces what an earlier `fit` learned |
//! | [`PartialFit`] | `partial_fit(x, y)` | learn online along one series, step by step; usable after every call |
//! | [`Run`] | `run(x)`, `run_many(xs)` | outputs for a series from the current state (state moves on); for many series, each from the current state (state unchanged) |
//! | [`Classify`] | `classify(xs)` | one class per series |
//! | [`Step`] | `step(x, out)` | one time step from the internal state |
//! | [`Stateful`] | `reset()`, `state()`, `set_state(s)` | the internal state |
//! | [`Persist`] | `save(path)`, `load(path)`, `to_part()`, `from_part(part)` | the model file format |
//!
//! Hyperparameters follow one path everywhere: a parameters value (or a builder) is checked
//! once when the model is built, then `fit` trains it in place. A model that needs training
//! refuses to run before it with [`Error::NotFitted`](crate::Error::NotFitted).
//!
//! Nodes of a [`Model`](crate::model::Model) graph implement [`Node`] (what a node *is*:
//! dimensions, a step, a whole-series run, state). Readouts additionally implement how they
//! learn: [`OfflineReadout`] (closed form from accumulated statistics) or [`OnlineReadout`]
//! (at every step). A node of your own only needs [`Node`]:
//!
//! ```
//! use aquifer::prelude::*;
//! use aquifer::model::Model;
//!
//! /// Squares its input, feature by feature.
//! #[derive(Debug)]
//! struct Square(usize);
//!
//! impl Node for Square {
//!     fn input_dim(&self) -> usize { self.0 }
//!     fn output_dim(&self) -> usize { self.0 }
//!     fn step(&mut self, x: &[f64], out: &mut [f64]) -> aquifer::Result<()> {
//!         out.iter_mut().zip(x).for_each(|(o, v)| *o = v * v);
//!         Ok(())
//!     }
//!     fn reset(&mut self) {}
//!     fn state(&self) -> Vec<f64> { Vec::new() }
//!     fn set_state(&mut self, _: &[f64]) -> aquifer::Result<()> { Ok(()) }
//! }
//!
//! let mut b = Model::builder();
//! let u = b.input("u", 1);
//! let sq = b.node("square", Square(1));
//! let out = b.ridge("readout", RidgeParams::default(), 1);
//! b.chain(&[u, sq, out]);
//! let mut model = b.build()?;
//! let x = Mat::from_fn(50, 1, |t, _| t as f64 / 50.0);
//! let y = Mat::from_fn(50, 1, |t, _| 3.0 * (t as f64 / 50.0).powi(2) + 1.0);
//! model.fit(&[x.clone()], &[y.clone()], 0)?;
//! let pred = model.run(&x)?;
//! assert!((pred.get("readout").unwrap()[(10, 0)] - y[(10, 0)]).abs() < 1e-6);
//! # Ok::<(), aquifer::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::io::ModelFile;
use crate::series::AsSeries;
use faer::{Mat, MatRef};
use std::path::Path;

/// A node of a model graph. Its input at each step is the concatenation of what its incoming
/// edges carry; its output is what its outgoing edges carry.
pub trait Node: std::any::Any + Send + std::fmt::Debug {
    /// Features of the input.
    fn input_dim(&self) -> usize;
    /// Features of the output.
    fn output_dim(&self) -> usize;
    /// One step: reads `x` (`input_dim`), writes `out` (`output_dim`).
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()>;
    /// A whole series (`T x input_dim`) from the current state; returns `T x output_dim`. The
    /// default steps row by row; nodes with a faster path override it with identical results.
    fn run(&mut self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let mut out = Mat::zeros(x.nrows(), self.output_dim());
        let mut xr = vec![0.0; self.input_dim()];
        let mut yr = vec![0.0; self.output_dim()];
        for t in 0..x.nrows() {
            xr.iter_mut().enumerate().for_each(|(j, v)| *v = x[(t, j)]);
            self.step(&xr, &mut yr)?;
            yr.iter().enumerate().for_each(|(j, v)| out[(t, j)] = *v);
        }
        Ok(out)
    }
    /// Back to the initial state.
    fn reset(&mut self);
    /// The state (a reservoir's units; nothing for stateless nodes).
    fn state(&self) -> Vec<f64>;
    /// Sets the state.
    fn set_state(&mut self, state: &[f64]) -> Result<()>;
    /// The node's type, named in errors.
    fn type_name(&self) -> &'static str {
        std::any::type_name::<Self>()
    }
}

/// A readout that learns in closed form: statistics of (features, targets) are accumulated
/// over series, then solved once.
pub trait OfflineReadout: Node {
    /// Adds rows of features (`T x input_dim`) and targets (`T x output_dim`), after the first
    /// `warmup`, to the statistics. The first call after a solve starts new statistics. A
    /// model hands a long series over in consecutive pieces of rows (in time order), each with
    /// the warm-up rows it still holds, so that memory does not grow with the series.
    fn accumulate(&mut self, x: MatRef<'_, f64>, y: MatRef<'_, f64>, warmup: usize) -> Result<()>;
    /// Solves from what was accumulated.
    fn solve(&mut self) -> Result<()>;
    /// Takes what was accumulated as mergeable statistics, without solving (the next
    /// [`OfflineReadout::accumulate`] starts new ones).
    fn take_statistics(&mut self) -> Result<crate::statistics::RidgeStats>;
    /// Solves from statistics formed elsewhere (e.g. merged from several processes).
    fn solve_statistics(&mut self, stats: crate::statistics::RidgeStats) -> Result<()>;
    /// Whether the readout has been solved and can produce outputs.
    fn is_fitted(&self) -> bool;
    /// The weights (`input_dim x output_dim`) and bias (`output_dim`), once fitted.
    fn weights(&self) -> Option<(Mat<f64>, Vec<f64>)>;
}

/// A readout that learns at every step (RLS, LMS; FORCE when its output feeds back).
pub trait OnlineReadout: Node {
    /// One learning step from features `x` and target `y`; writes the output of the updated
    /// weights into `out`.
    fn train_step(&mut self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()>;
    /// The current weights (`input_dim x output_dim`) and bias (`output_dim`).
    fn weights(&self) -> (Mat<f64>, Vec<f64>);
}

/// What a model learns to produce for a set of input series.
#[derive(Debug, Clone)]
pub enum Targets<'a> {
    /// One target series per input series, with as many rows (`T_i x O`): an output at every
    /// step (forecasting, sequence-to-sequence).
    Series(Vec<MatRef<'a, f64>>),
    /// One target row per input series (`n x O`): a value at the last step.
    Last(MatRef<'a, f64>),
    /// One class per input series, each `< classes`.
    Classes {
        /// The class of each series.
        labels: &'a [usize],
        /// Number of classes.
        classes: usize,
    },
}

impl Targets<'_> {
    /// How many input series these targets cover.
    pub fn len(&self) -> usize {
        match self {
            Targets::Series(s) => s.len(),
            Targets::Last(m) => m.nrows(),
            Targets::Classes { labels, .. } => labels.len(),
        }
    }
    /// Whether they cover no series.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Outputs a model needs for them: target columns, or the number of classes.
    pub fn outputs(&self) -> usize {
        match self {
            Targets::Series(s) => s.first().map_or(0, |m| m.ncols()),
            Targets::Last(m) => m.ncols(),
            Targets::Classes { classes, .. } => *classes,
        }
    }
    /// A short name for errors ("series", "last values", "classes").
    pub fn kind(&self) -> &'static str {
        match self {
            Targets::Series(_) => "target series",
            Targets::Last(_) => "last-step targets",
            Targets::Classes { .. } => "class labels",
        }
    }
    /// The target series, or an [`Error::UnsupportedTargets`] naming `model`.
    pub(crate) fn series(&self, model: &'static str) -> Result<&[MatRef<'_, f64>]> {
        match self {
            Targets::Series(s) => Ok(s),
            other => Err(other.unsupported(model, "target series")),
        }
    }
    /// Labels and class count, or an [`Error::UnsupportedTargets`] naming `model`.
    pub(crate) fn classes(&self, model: &'static str) -> Result<(&[usize], usize)> {
        match self {
            Targets::Classes { labels, classes } => Ok((labels, *classes)),
            other => Err(other.unsupported(model, "class labels")),
        }
    }
    pub(crate) fn unsupported(&self, model: &'static str, expected: &'static str) -> Error {
        Error::UnsupportedTargets {
            model,
            given: self.kind(),
            expected,
        }
    }
}

impl<'a, S: AsSeries> From<&'a [S]> for Targets<'a> {
    fn from(s: &'a [S]) -> Self {
        Targets::Series(s.iter().map(|m| m.as_series()).collect())
    }
}

impl<'a, S: AsSeries, const N: usize> From<&'a [S; N]> for Targets<'a> {
    fn from(s: &'a [S; N]) -> Self {
        Targets::from(&s[..])
    }
}

impl<'a, S: AsSeries> From<&'a Vec<S>> for Targets<'a> {
    fn from(s: &'a Vec<S>) -> Self {
        Targets::from(&s[..])
    }
}

/// Offline training on a set of series.
pub trait Fit {
    /// Trains on input series `x` (each `T_i x input_dim`) towards `y` (target series for
    /// each, a last-step value for each, or a class for each: see [`Targets`]), discarding the
    /// first `warmup` steps of each series where the model learns from every step. Replaces
    /// whatever an earlier `fit` learned. A family that learns only some kinds of targets
    /// refuses the others with [`Error::UnsupportedTargets`].
    fn fit<'y, S: AsSeries + Sync>(
        &mut self,
        x: &[S],
        y: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<()>;
}

/// Online learning along a series, step by step: the model is usable after every call, and a
/// later call goes on learning from where this one stopped.
pub trait PartialFit {
    /// What a call returns: the outputs produced while learning.
    type Output;
    /// Learns from input series `x` and target series `y` (as many rows), one step at a time.
    fn partial_fit(&mut self, x: impl AsSeries, y: impl AsSeries) -> Result<Self::Output>;
}

/// Running a model over series.
pub trait Run {
    /// What a run returns for one series.
    type Output;
    /// The outputs for `x` from the current state; the state moves on to the end of `x`.
    fn run(&mut self, x: impl AsSeries) -> Result<Self::Output>;
    /// The outputs for each series, each from the current state, which is left unchanged.
    /// Series run in parallel where the family can.
    fn run_many<S: AsSeries + Sync>(&mut self, xs: &[S]) -> Result<Vec<Self::Output>>;
}

/// Classification: one class per series.
pub trait Classify {
    /// The class of each series (the highest score at its last step).
    fn classify<S: AsSeries + Sync>(&self, xs: &[S]) -> Result<Vec<usize>>;
}

/// One time step from the internal state.
pub trait Step {
    /// Reads one input row `x`, moves the state one step and writes the output row `out`.
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()>;
}

/// The internal state that [`Run`] and [`Step`] move on.
pub trait Stateful {
    /// The state's type.
    type State;
    /// Back to the initial state.
    fn reset(&mut self);
    /// A copy of the state.
    fn state(&self) -> Self::State;
    /// Sets the state (checked against the model's shapes).
    fn set_state(&mut self, state: &Self::State) -> Result<()>;
}

/// Saving and loading through the model file format (a versioned, checksummed file of named
/// tensors and a JSON header; see [`io`](crate::io)). Every model and trained readout saves
/// the same way and loads back bit for bit; damaged files are refused with an error.
pub trait Persist: Sized {
    /// The kind written in the file's header (e.g. `"esn"`).
    const KIND: &'static str;
    /// The model as a model-file part: configuration and named tensors.
    fn to_part(&self) -> Result<ModelFile>;
    /// Rebuilds the model from a part, checking kinds, shapes and values.
    fn from_part(part: &ModelFile) -> Result<Self>;
    /// Saves to `path`, atomically.
    fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::io::write(path, &self.to_part()?)
    }
    /// Loads what [`Persist::save`] wrote.
    fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_part(&crate::io::read(path)?)
    }
}

/// Checks that a part holds `kind`.
pub(crate) fn check_kind(part: &ModelFile, kind: &str) -> Result<()> {
    if part.kind == kind {
        Ok(())
    } else {
        Err(Error::Data {
            source_name: "model file".into(),
            reason: format!("holds a `{}`, not a `{kind}`", part.kind),
        })
    }
}
