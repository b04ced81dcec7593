//! # Aquifer: reservoir computing in Rust
//!
//! Echo state networks and their building blocks: sparse random reservoirs with leaky
//! integrator units, closed-form ridge readouts trained from mergeable statistics, chaotic
//! datasets, real benchmark series and the metrics of the field.
//!
//! A series is a `T x F` matrix ([`faer::Mat<f64>`]): one row per time step, one column per
//! feature, as numpy's `(timesteps, features)` in ReservoirPy.
//!
//! ```
//! use aquifer::prelude::*;
//!
//! let series = datasets::mackey_glass(&MackeyGlass::default(), 2500)?;   // 2500 x 1
//! let (x, y) = datasets::forecasting(&series, 1)?;                         // one step ahead
//! let ((x_train, y_train), (x_test, y_test)) = datasets::split(&x, &y, 2000)?;
//!
//! let mut esn = Esn::builder()
//!     .units(300).spectral_radius(0.9).leak_rate(0.3).ridge(1e-7).seed(42)
//!     .build(1, 1)?;                                 // input and output dimensions
//! esn.fit(&[x_train], &[y_train], 100)?;            // series, targets, warmup
//! let y_pred = esn.run(&x_test)?;
//! let err = metrics::nrmse(&y_test, &y_pred, Norm::Range)?;
//! assert!(err < 1e-2, "NRMSE {err}");
//! let generated = esn.generate(100, &x_test)?;      // warm up on x_test, then free-run
//! assert_eq!(generated.nrows(), 100);
//! # Ok::<(), aquifer::Error>(())
//! ```
#![warn(missing_docs)]
// Numerical code indexes matrices and parallel arrays by position; iterator rewrites of those
// loops read worse.
#![allow(clippy::needless_range_loop)]

#[macro_use]
mod dispatch;
pub mod activation;
pub mod audio;
pub mod classify;
mod csr;
pub mod datasets;
pub mod error;
pub mod gated;
pub mod grad;
pub mod init;
pub mod io;
mod kernel;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod nodes;
pub mod parallel;
pub mod readout;
pub mod rng;
pub mod scaler;
pub mod search;
pub mod series;
mod size;
pub mod spiking;
mod statistics;
mod team;
pub mod traits;

pub use error::{Error, Result};
pub use faer;

/// The names most programs need.
pub mod prelude {
    pub use crate::activation::Activation;
    pub use crate::datasets::{self, Lorenz, MackeyGlass, Narma};
    pub use crate::error::{Error, Result};
    pub use crate::grad::Scheduled;
    pub use crate::init::{self, InputScaling, Values};
    pub use crate::metrics::{self, Norm};
    pub use crate::model::{Esn, EsnBuilder};
    pub use crate::nodes::{BiasInit, LeakRate, Reservoir, ReservoirParams};
    pub use crate::readout::{Ridge, RidgeParams, RidgeStats};
    pub use crate::series::AsSeries;
    pub use crate::traits::{
        Classify, Fit, Node, OfflineReadout, OnlineReadout, PartialFit, Persist, Run, Stateful,
        Step, Targets,
    };
    pub use faer::Mat;
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// The model guide's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/models.md")]
struct ModelGuideDoctests;

/// The liquid state machine guide's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/spiking.md")]
struct SpikingGuideDoctests;

/// The core guide's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/core.md")]
struct CoreGuideDoctests;

/// The search guide's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/search.md")]
struct SearchGuideDoctests;

/// The NVAR guide's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/nvar.md")]
struct NvarGuideDoctests;

/// The gated reservoir guide's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/gated.md")]
struct GatedGuideDoctests;
