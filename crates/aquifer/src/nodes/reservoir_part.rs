//! A [`Reservoir`] in a model file: its matrices, leak rates, noise settings and state.

use super::{LeakRate, Reservoir};
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::io::{ModelFile, Tensor};
use crate::traits::Persist;
use serde::{Deserialize, Serialize};

/// The configuration part of a saved [`Reservoir`] (its tensors hold the matrices and state).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SavedReservoir {
    pub(crate) units: usize,
    pub(crate) inputs: usize,
    pub(crate) activation: Activation,
    /// Scalar leak rate, or `None` when the per-unit rates are in the tensor `leak_rate`.
    pub(crate) leak_rate: Option<f64>,
    pub(crate) noise_in: f64,
    pub(crate) noise_rc: f64,
    pub(crate) noise_seed: u64,
    /// Words of the noise stream used so far (0 in files that predate it).
    #[serde(default)]
    pub(crate) noise_position: u64,
}

impl Persist for Reservoir {
    const KIND: &'static str = "reservoir";

    /// The reservoir as a model-file part (kind `reservoir`): `W` as CSR (`w.row_ptr`,
    /// `w.col_idx`, `w.values`), `win`, `bias`, `state`, and per-unit `leak_rate` if any.
    /// The noise stream goes on where it was.
    fn to_part(&self) -> Result<ModelFile> {
        let (n, f) = (self.units(), self.input_dim());
        let (noise_in, noise_rc, noise_seed) = self.noise();
        let mut file = ModelFile::empty(Self::KIND);
        file.insert_csr("w", self.w());
        let t = &mut file.tensors;
        t.insert("win".into(), Tensor::matrix(self.win().as_ref()));
        t.insert("bias".into(), Tensor::vector(self.bias().to_vec()));
        t.insert("state".into(), Tensor::vector(self.state().to_vec()));
        let leak_rate = match self.leak_rate() {
            LeakRate::Scalar(v) => Some(*v),
            LeakRate::PerUnit(v) => {
                t.insert("leak_rate".into(), Tensor::vector(v.clone()));
                None
            }
        };
        let config = SavedReservoir {
            units: n,
            inputs: f,
            activation: self.activation(),
            leak_rate,
            noise_in,
            noise_rc,
            noise_seed,
            noise_position: u64::try_from(self.noise_position())
                .map_err(|_| Error::invalid("noise position", "above 2^64", "cannot be saved"))?,
        };
        file.set_config(&config)?;
        Ok(file)
    }

    /// Rebuilds a reservoir from a part, checking shapes and values.
    fn from_part(file: &ModelFile) -> Result<Self> {
        crate::traits::check_kind(file, Self::KIND)?;
        Self::from_saved(&file.config_as()?, file)
    }
}

impl Reservoir {
    pub(crate) fn from_saved(c: &SavedReservoir, file: &ModelFile) -> Result<Self> {
        let (n, f) = (c.units, c.inputs);
        if n == 0 || f == 0 || n > u32::MAX as usize {
            return Err(Error::Data {
                source_name: "model file".into(),
                reason: format!("absurd reservoir sizes: {n} units, {f} inputs"),
            });
        }
        let w = file.csr("w", n, n)?;
        let win = file.f64_matrix("win", n, f)?;
        let bias = file.f64_tensor("bias", &[n])?.to_vec();
        let leak = match c.leak_rate {
            Some(v) => LeakRate::Scalar(v),
            None => LeakRate::PerUnit(file.f64_tensor("leak_rate", &[n])?.to_vec()),
        };
        let mut reservoir = Reservoir::from_matrices(w, win, bias, leak, c.activation)?;
        reservoir.set_noise(c.noise_in, c.noise_rc, c.noise_seed)?;
        reservoir.set_noise_position(c.noise_position.into());
        reservoir.set_state(file.f64_tensor("state", &[n])?)?;
        Ok(reservoir)
    }
}
