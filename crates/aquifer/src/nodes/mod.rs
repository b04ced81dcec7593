//! Nodes: the building blocks that step a state through time.

pub mod es2n;
pub mod nvar;
pub mod plastic;
pub mod reservoir;
pub(crate) mod reservoir_part;

pub use es2n::{Es2n, Es2nBuilder};
pub use nvar::{Monomials, Nvar, NvarBuilder, NvarParams};
pub use plastic::{IpBuild, IpParams, IpReservoir};
pub use reservoir::{
    BiasInit, GivenMatrices, LeakRate, Reservoir, ReservoirBuilder, ReservoirParams,
};
