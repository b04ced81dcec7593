//! Readouts: linear maps from features to outputs, and how they learn: in closed form from
//! mergeable statistics ([`Ridge`]), online at every step ([`Rls`], [`Lms`]), or by gradient
//! descent on fixed features ([`GradientReadout`]: linear or MLP).

pub mod gradient;
mod linear;
pub mod lms;
mod lstsq;
pub mod ridge;
pub mod rls;
mod stats_file;
pub(crate) mod stream;

pub use crate::statistics::RidgeStats;
pub use gradient::{GradientParams, GradientReadout, Head, TrainingReport};
pub use lms::{Lms, LmsParams};
pub use ridge::{Ridge, RidgeParams};
pub use rls::{Rls, RlsParams};
