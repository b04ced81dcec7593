//! Gated models in the model file format (kind `gated`): hyperparameters, the fixed recurrent
//! matrices (CSR), the trained weights, the head and the internal state. A round trip predicts
//! bit for bit; loading checks every shape and value. Files written before the training
//! hyperparameters and the state were stored load with the default training and a zero state.

use super::{GatedModel, GatedParams, GatedReservoir, GatedTraining, LayerWeights, Loss};
use crate::error::{Error, Result};
use crate::grad::Affine;
use crate::io::{ModelFile, Tensor};
use crate::traits::Persist;
use faer::Mat;
use serde::{Deserialize, Serialize};

/// The configuration part of a saved [`GatedModel`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedGated {
    params: GatedParams,
    inputs: usize,
    outputs: usize,
    loss: Loss,
    sequence: bool,
    #[serde(default)]
    training: GatedTraining,
    #[serde(default = "trained")]
    fitted: bool,
}

/// Files without the `fitted` key were written after training.
fn trained() -> bool {
    true
}

fn bad(reason: String) -> Error {
    Error::Data {
        source_name: "model file".into(),
        reason,
    }
}

impl Persist for GatedModel {
    const KIND: &'static str = "gated";

    fn to_part(&self) -> Result<ModelFile> {
        let r = &self.reservoir;
        let mut file = ModelFile::empty(Self::KIND);
        for (l, w) in r.weights().iter().enumerate() {
            file.insert_csr(&format!("layers.{l}.w"), r.recurrent(l));
            let tensors = &mut file.tensors;
            tensors.insert(format!("layers.{l}.w_in"), Tensor::matrix(w.w_in.as_ref()));
            if !w.b_in.is_empty() {
                tensors.insert(format!("layers.{l}.b_in"), Tensor::vector(w.b_in.clone()));
            }
            tensors.insert(format!("layers.{l}.w_g"), Tensor::matrix(w.w_g.as_ref()));
            tensors.insert(format!("layers.{l}.b_g"), Tensor::vector(w.b_g.clone()));
        }
        let tensors = &mut file.tensors;
        tensors.insert("head.w".into(), Tensor::matrix(self.head.weights()));
        tensors.insert("head.b".into(), Tensor::vector(self.head.bias().to_vec()));
        for (l, s) in self.state.iter().enumerate() {
            tensors.insert(format!("state.{l}"), Tensor::matrix(s.as_ref()));
        }
        let config = SavedGated {
            params: *r.params(),
            inputs: r.input_dim(),
            outputs: self.head.outputs(),
            loss: self.loss,
            sequence: self.sequence,
            training: self.training,
            fitted: self.fitted,
        };
        file.set_config(&config)?;
        Ok(file)
    }

    fn from_part(file: &ModelFile) -> Result<Self> {
        crate::traits::check_kind(file, Self::KIND)?;
        let c: SavedGated = file.config_as()?;
        c.params.validate()?;
        c.training.validate()?;
        let (h, layers) = (c.params.units, c.params.layers);
        // sizes must be those of tensors present in the file before anything is allocated
        if file.shape_of("head.w") != Some(&[c.outputs, h]) || c.outputs == 0 || c.inputs == 0 {
            return Err(bad(format!(
                "the head does not match {} outputs of {h} units",
                c.outputs
            )));
        }
        if layers > 1 && file.shape_of(&format!("layers.{}.w_g", layers - 1)) != Some(&[h, h]) {
            return Err(bad(format!("{layers} layers are not all in the file")));
        }
        let mut w = Vec::with_capacity(layers);
        let mut weights = Vec::with_capacity(layers);
        for l in 0..layers {
            w.push(file.csr(&format!("layers.{l}.w"), h, h)?);
            let fan_in = if l == 0 { c.inputs } else { h };
            let lw = LayerWeights {
                w_in: file.f64_matrix(&format!("layers.{l}.w_in"), h, fan_in)?,
                b_in: if c.params.input_bias {
                    file.f64_tensor(&format!("layers.{l}.b_in"), &[h])?.to_vec()
                } else {
                    Vec::new()
                },
                w_g: file.f64_matrix(&format!("layers.{l}.w_g"), h, h)?,
                b_g: file.f64_tensor(&format!("layers.{l}.b_g"), &[h])?.to_vec(),
            };
            crate::series::check_finite("w_in", lw.w_in.as_ref())?;
            crate::series::check_finite_slice("b_in", &lw.b_in)?;
            crate::series::check_finite("w_g", lw.w_g.as_ref())?;
            crate::series::check_finite_slice("b_g", &lw.b_g)?;
            weights.push(lw);
        }
        // `outputs x units`, row-major, as the head holds it
        let head_w = file.f64_tensor("head.w", &[c.outputs, h])?.to_vec();
        let head_b = file.f64_tensor("head.b", &[c.outputs])?.to_vec();
        crate::series::check_finite_slice("head weights", &head_w)?;
        crate::series::check_finite_slice("head bias", &head_b)?;
        let head = Affine::from_parts(head_w, head_b, h).expect("shapes read above");
        let state = (0..layers)
            .map(|l| {
                let name = format!("state.{l}");
                if file.shape_of(&name).is_none() {
                    return Ok(Mat::zeros(1, h));
                }
                let m = file.f64_matrix(&name, 1, h)?;
                crate::series::check_finite("gated state", m.as_ref())?;
                Ok(m)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(GatedModel {
            reservoir: GatedReservoir {
                params: c.params,
                inputs: c.inputs,
                w,
                weights,
            },
            head,
            loss: c.loss,
            sequence: c.sequence,
            training: c.training,
            fitted: c.fitted,
            state,
            report: None,
        })
    }
}
