//! Readouts: linear maps from features to outputs, and how they learn.

pub mod ridge;
mod stats;

pub use ridge::{Ridge, RidgeParams};
pub use stats::RidgeStats;
