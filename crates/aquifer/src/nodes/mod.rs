//! Nodes: the building blocks that step a state through time.

pub mod reservoir;
pub(crate) mod reservoir_part;

pub use reservoir::{
    BiasInit, GivenMatrices, LeakRate, Reservoir, ReservoirBuilder, ReservoirParams,
};
