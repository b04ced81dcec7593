//! Nodes: the building blocks that step a state through time.

pub mod es2n;
pub mod local;
pub mod nvar;
pub mod plastic;
pub mod reservoir;
pub(crate) mod reservoir_part;

pub use es2n::{Es2n, Es2nBuilder};
pub use local::{LocalBuild, LocalParams, LocalReservoir, LocalRule};
pub use nvar::{Monomials, Nvar, NvarBuilder, NvarParams};
pub use plastic::{IpBuild, IpParams, IpReservoir};
pub use reservoir::{
    BiasInit, GivenMatrices, LeakRate, Reservoir, ReservoirBuilder, ReservoirParams,
};

/// The outputs of a node that steps row by row over `x` (`T x inputs`): `step` reads one input
/// row and writes one output row (`outputs` values). Checks the series and the memory first;
/// allocates two row buffers and the result, nothing per step.
pub(crate) fn step_through(
    what: &str,
    x: faer::MatRef<'_, f64>,
    inputs: usize,
    outputs: usize,
    mut step: impl FnMut(&[f64], &mut [f64]) -> crate::error::Result<()>,
) -> crate::error::Result<faer::Mat<f64>> {
    crate::series::check_series(&format!("{what} input series"), x, Some(inputs))?;
    crate::memory::check(
        || format!("{what} outputs of {} x {outputs}", x.nrows()),
        crate::memory::values(x.nrows(), outputs, 1),
    )?;
    let mut out = faer::Mat::zeros(x.nrows(), outputs);
    let mut u = vec![0.0; inputs];
    let mut y = vec![0.0; outputs];
    for t in 0..x.nrows() {
        u.iter_mut().enumerate().for_each(|(j, v)| *v = x[(t, j)]);
        step(&u, &mut y)?;
        y.iter().enumerate().for_each(|(i, v)| out[(t, i)] = *v);
    }
    Ok(out)
}

/// Checks the input series of an unsupervised `fit`: at least one, each of `inputs` features
/// and finite.
pub(crate) fn check_training_inputs<S: crate::series::AsSeries>(
    xs: &[S],
    inputs: usize,
) -> crate::error::Result<()> {
    if xs.is_empty() {
        return Err(crate::error::Error::Empty {
            what: "list of training series".into(),
        });
    }
    for (i, x) in xs.iter().enumerate() {
        crate::series::check_series(&format!("input series {i}"), x.as_series(), Some(inputs))?;
    }
    Ok(())
}
