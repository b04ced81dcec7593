//! The edge-of-stability echo state network (ES2N; Ceni & Gallicchio, *Neurocomputing*, 2024):
//!
//! `x[t+1] = (1 - beta) O x[t] + beta f(W x[t] + Win u[t+1] + b)`
//!
//! where `O` is a random orthogonal matrix (Haar, seeded) and `beta` (`proximity`) in `(0, 1]`
//! sets how close the dynamics stay to the orthogonal, norm-preserving map: small `beta` keeps
//! the state near the edge of stability, which lengthens the reservoir's memory. `beta = 1` is
//! a plain echo state reservoir without leak.
//!
//! `W`, `Win`, the bias and the activation are drawn as a [`Reservoir`]'s (every
//! [`ReservoirParams`] field applies but `leak_rate`, which `proximity` replaces); `O` is drawn
//! from a seed derived from `seed`. ReservoirPy 0.4's `ES2N` names `beta` `proximity` too.
//!
//! ```
//! use aquifer::nodes::Es2n;
//!
//! let mut es2n = Es2n::builder().units(50).proximity(0.1).seed(3).build(1)?;
//! let u = aquifer::faer::Mat::from_fn(100, 1, |t, _| (t as f64 * 0.3).sin());
//! let states = es2n.run(&u)?;
//! assert_eq!((states.nrows(), states.ncols()), (100, 50));
//! # Ok::<(), aquifer::Error>(())
//! ```

use super::{LeakRate, Reservoir, ReservoirParams};
use crate::error::{Error, Result};
use crate::io::{ModelFile, Tensor};
use crate::series::AsSeries;
use crate::traits::Persist;
use faer::Mat;
use serde::{Deserialize, Serialize};

/// Fluent builder of an [`Es2n`].
#[derive(Debug, Clone)]
pub struct Es2nBuilder {
    params: ReservoirParams,
    proximity: f64,
}

impl Default for Es2nBuilder {
    fn default() -> Self {
        Es2nBuilder {
            params: ReservoirParams::default(),
            proximity: 1.0,
        }
    }
}

impl Es2nBuilder {
    super::reservoir::reservoir_setters!(params);

    /// `beta` in `(0, 1]`: the weight of the nonlinear update against the orthogonal map.
    pub fn proximity(mut self, beta: f64) -> Self {
        self.proximity = beta;
        self
    }

    /// Builds the ES2N for inputs of `inputs` features.
    pub fn build(&self, inputs: usize) -> Result<Es2n> {
        let beta = self.proximity;
        if !(beta > 0.0 && beta <= 1.0) {
            return Err(Error::invalid("proximity", beta, "must be in (0, 1]"));
        }
        if !matches!(self.params.leak_rate, LeakRate::Scalar(v) if v == 1.0) {
            return Err(Error::invalid(
                "leak_rate",
                "set",
                "an ES2N has no leak rate: `proximity` takes its place",
            ));
        }
        let units = self.params.units;
        crate::memory::check(
            || format!("an ES2N's orthogonal matrix of {units} x {units}"),
            crate::memory::values(units, units, 2),
        )?;
        let inner = self.params.build(inputs)?;
        let o =
            crate::init::orthogonal(units, 1.0, crate::rng::derive(self.params.seed, ORTHOGONAL))?;
        Ok(Es2n::from_parts(inner, o, beta))
    }
}

/// The component of the seed from which `O` is drawn.
const ORTHOGONAL: u64 = 0xE525;

/// An edge-of-stability echo state reservoir (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Es2n {
    /// `W`, `Win`, bias and activation, without leak: its step gives `f(W x + Win u + b)`.
    inner: Reservoir,
    o: Mat<f64>,
    beta: f64,
    state: Vec<f64>,
    /// Scratch: `O x`.
    rotated: Vec<f64>,
}

impl Es2n {
    /// A builder with the default hyperparameters (those of [`Reservoir`], `proximity` 1).
    pub fn builder() -> Es2nBuilder {
        Es2nBuilder::default()
    }

    fn from_parts(inner: Reservoir, o: Mat<f64>, beta: f64) -> Self {
        let n = inner.units();
        Es2n {
            inner,
            o,
            beta,
            state: vec![0.0; n],
            rotated: vec![0.0; n],
        }
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.inner.units()
    }

    /// Features of the input.
    pub fn input_dim(&self) -> usize {
        self.inner.input_dim()
    }

    /// `beta`.
    pub fn proximity(&self) -> f64 {
        self.beta
    }

    /// The orthogonal matrix `O`.
    pub fn orthogonal(&self) -> &Mat<f64> {
        &self.o
    }

    /// The recurrent part (`W`, `Win`, bias, activation).
    pub fn reservoir(&self) -> &Reservoir {
        &self.inner
    }

    /// One step: reads the input `u`, returns the new state.
    pub fn step(&mut self, u: &[f64]) -> Result<&[f64]> {
        let n = self.units();
        // O x, column by column (O is column-major)
        self.rotated.fill(0.0);
        for (j, &xj) in self.state.iter().enumerate() {
            if xj != 0.0 {
                let col = self.o.col_as_slice(j);
                self.rotated
                    .iter_mut()
                    .zip(col)
                    .for_each(|(r, o)| *r += o * xj);
            }
        }
        self.inner.set_state(&self.state)?;
        let drive = self.inner.step(u)?;
        let (keep, beta) = (1.0 - self.beta, self.beta);
        for i in 0..n {
            self.state[i] = keep * self.rotated[i] + beta * drive[i];
        }
        Ok(&self.state)
    }

    /// The states at every step of `x` (`T x units`) from the current state, which moves on.
    pub fn run(&mut self, x: impl AsSeries) -> Result<Mat<f64>> {
        let (inputs, units) = (self.input_dim(), self.units());
        super::step_through("ES2N", x.as_series(), inputs, units, |u, y| {
            y.copy_from_slice(self.step(u)?);
            Ok(())
        })
    }

    /// Back to the zero state.
    pub fn reset(&mut self) {
        self.state.fill(0.0);
    }

    /// The state.
    pub fn state(&self) -> &[f64] {
        &self.state
    }

    /// Sets the state (`units` finite values).
    pub fn set_state(&mut self, state: &[f64]) -> Result<()> {
        if state.len() != self.units() {
            return Err(Error::shape(
                "ES2N state",
                format!("{} values", self.units()),
                format!("{} values", state.len()),
            ));
        }
        crate::series::check_finite_slice("ES2N state", state)?;
        self.state.copy_from_slice(state);
        Ok(())
    }
}

/// The configuration part of a saved [`Es2n`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedEs2n {
    proximity: f64,
    reservoir: (String, serde_json::Value),
}

impl Persist for Es2n {
    const KIND: &'static str = "es2n";

    /// The ES2N as a model-file part (kind `es2n`): the recurrent part under `reservoir.`, `O`
    /// and the state.
    fn to_part(&self) -> Result<ModelFile> {
        let mut file = ModelFile::empty(Self::KIND);
        let reservoir = file.embed("reservoir.", self.inner.to_part()?);
        file.tensors
            .insert("orthogonal".into(), Tensor::matrix(self.o.as_ref()));
        file.tensors
            .insert("state".into(), Tensor::vector(self.state.clone()));
        file.set_config(&SavedEs2n {
            proximity: self.beta,
            reservoir,
        })?;
        Ok(file)
    }

    fn from_part(file: &ModelFile) -> Result<Self> {
        crate::traits::check_kind(file, Self::KIND)?;
        let c: SavedEs2n = file.config_as()?;
        if !(c.proximity > 0.0 && c.proximity <= 1.0) {
            return Err(Error::Data {
                source_name: "model file".into(),
                reason: format!("ES2N proximity {} outside (0, 1]", c.proximity),
            });
        }
        let (kind, config) = c.reservoir;
        let inner = Reservoir::from_part(&file.part("reservoir.", &kind, config))?;
        let n = inner.units();
        let o = file.f64_matrix("orthogonal", n, n)?;
        let mut es2n = Es2n::from_parts(inner, o, c.proximity);
        es2n.set_state(file.f64_tensor("state", &[n])?)?;
        Ok(es2n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_is_the_published_equation() {
        let mut e = Es2n::builder()
            .units(20)
            .proximity(0.3)
            .input_connectivity(1.0)
            .seed(4)
            .build(2)
            .unwrap();
        let u = Mat::from_fn(15, 2, |t, j| ((t + j) as f64 * 0.7).sin());
        let states = e.run(&u).unwrap();
        // written out: x' = (1 - beta) O x + beta tanh(W x + Win u + b)
        let (w, win, b) = (e.reservoir().w(), e.reservoir().win(), e.reservoir().bias());
        let dense_w = w.to_dense();
        let o = e.orthogonal();
        let mut x = vec![0.0; 20];
        for t in 0..15 {
            let next: Vec<f64> = (0..20)
                .map(|i| {
                    let ox: f64 = (0..20).map(|j| o[(i, j)] * x[j]).sum();
                    let wx: f64 = (0..20).map(|j| dense_w[(i, j)] * x[j]).sum();
                    let wu: f64 = (0..2).map(|j| win[(i, j)] * u[(t, j)]).sum();
                    0.7 * ox + 0.3 * (wx + wu + b[i]).tanh()
                })
                .collect();
            for i in 0..20 {
                assert!(
                    (next[i] - states[(t, i)]).abs() < 1e-13,
                    "step {t}, unit {i}"
                );
            }
            x = next;
        }
    }

    #[test]
    fn parameters_are_checked_and_it_saves() {
        assert!(matches!(
            Es2n::builder().proximity(0.0).build(1),
            Err(Error::InvalidParameter {
                name: "proximity",
                ..
            })
        ));
        assert!(matches!(
            Es2n::builder().proximity(1.5).build(1),
            Err(Error::InvalidParameter {
                name: "proximity",
                ..
            })
        ));
        assert!(matches!(
            Es2n::builder().leak_rate(0.3).build(1),
            Err(Error::InvalidParameter {
                name: "leak_rate",
                ..
            })
        ));
        let mut e = Es2n::builder()
            .units(30)
            .proximity(0.05)
            .seed(1)
            .build(1)
            .unwrap();
        let u = Mat::from_fn(40, 1, |t, _| (t as f64 * 0.2).cos());
        e.run(u.subrows(0, 20)).unwrap();
        let back = Es2n::from_part(&e.to_part().unwrap()).unwrap();
        let (mut a, mut b) = (e.clone(), back);
        assert_eq!(
            a.run(u.subrows(20, 20)).unwrap(),
            b.run(u.subrows(20, 20)).unwrap()
        );
        // the same seed, the same network
        let again = Es2n::builder()
            .units(30)
            .proximity(0.05)
            .seed(1)
            .build(1)
            .unwrap();
        assert_eq!(again.orthogonal(), e.orthogonal());
    }
}
