//! Readouts: linear maps from features to outputs, and how they learn: in closed form from
//! mergeable statistics ([`Ridge`]), or online at every step ([`Rls`], [`Lms`]).

mod linear;
pub mod lms;
pub mod ridge;
pub mod rls;
mod stats;

pub use lms::{Lms, LmsParams};
pub use ridge::{Ridge, RidgeParams};
pub use rls::{Rls, RlsParams};
pub use stats::RidgeStats;
