//! Trained gated models in the model file format (kind `gated`): hyperparameters, the fixed
//! recurrent matrices (CSR), the trained weights and the head. A round trip predicts bit for
//! bit; loading checks every shape and value.

use super::{GatedModel, GatedParams, GatedReservoir, LayerWeights, Loss};
use crate::error::{Error, Result};
use crate::io::{ModelFile, Tensor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The configuration part of a saved [`GatedModel`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedGated {
    params: GatedParams,
    inputs: usize,
    outputs: usize,
    loss: Loss,
    sequence: bool,
}

fn bad(reason: String) -> Error {
    Error::Data {
        source_name: "model file".into(),
        reason,
    }
}

impl GatedModel {
    /// Saves the trained model to a model file, atomically.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::io::write(path, &self.to_model_file()?)
    }

    /// Loads a model saved by [`GatedModel::save`], checking every part of the file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_model_file(&crate::io::read(path)?)
    }

    /// The model as a [`ModelFile`].
    pub fn to_model_file(&self) -> Result<ModelFile> {
        let r = &self.reservoir;
        let mut tensors = BTreeMap::new();
        for (l, w) in r.weights().iter().enumerate() {
            let csr = r.recurrent(l);
            let sym = csr.symbolic();
            tensors.insert(
                format!("layers.{l}.w.row_ptr"),
                Tensor::U32 {
                    shape: vec![csr.nrows() + 1],
                    data: sym.row_ptr().to_vec(),
                },
            );
            tensors.insert(
                format!("layers.{l}.w.col_idx"),
                Tensor::U32 {
                    shape: vec![sym.col_idx().len()],
                    data: sym.col_idx().to_vec(),
                },
            );
            tensors.insert(
                format!("layers.{l}.w.values"),
                Tensor::vector(csr.val().to_vec()),
            );
            tensors.insert(format!("layers.{l}.w_in"), Tensor::matrix(w.w_in.as_ref()));
            if !w.b_in.is_empty() {
                tensors.insert(format!("layers.{l}.b_in"), Tensor::vector(w.b_in.clone()));
            }
            tensors.insert(format!("layers.{l}.w_g"), Tensor::matrix(w.w_g.as_ref()));
            tensors.insert(format!("layers.{l}.b_g"), Tensor::vector(w.b_g.clone()));
        }
        tensors.insert("head.w".into(), Tensor::matrix(self.head_w.as_ref()));
        tensors.insert("head.b".into(), Tensor::vector(self.head_b.clone()));
        let config = SavedGated {
            params: *r.params(),
            inputs: r.input_dim(),
            outputs: self.head_b.len(),
            loss: self.loss,
            sequence: self.sequence,
        };
        let mut file = ModelFile::empty("gated");
        file.tensors = tensors;
        file.set_config(&config)?;
        Ok(file)
    }

    /// Rebuilds a model from a [`ModelFile`], checking kinds, shapes and values.
    pub fn from_model_file(file: &ModelFile) -> Result<Self> {
        if file.kind != "gated" {
            return Err(bad(format!("holds a `{}`, not a `gated` model", file.kind)));
        }
        let c: SavedGated = file.config_as()?;
        c.params.validate()?;
        let (h, layers) = (c.params.hidden, c.params.layers);
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
            let nnz = file
                .shape_of(&format!("layers.{l}.w.col_idx"))
                .and_then(|s| s.first().copied())
                .unwrap_or(0);
            w.push(crate::init::csr_from_parts(
                h,
                h,
                file.u32_tensor(&format!("layers.{l}.w.row_ptr"), &[h + 1])?
                    .to_vec(),
                file.u32_tensor(&format!("layers.{l}.w.col_idx"), &[nnz])?
                    .to_vec(),
                file.f64_tensor(&format!("layers.{l}.w.values"), &[nnz])?
                    .to_vec(),
            )?);
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
            crate::series::check_finite_slice("recurrent weights", w[l].val())?;
            weights.push(lw);
        }
        let head_w = file.f64_matrix("head.w", c.outputs, h)?;
        let head_b = file.f64_tensor("head.b", &[c.outputs])?.to_vec();
        crate::series::check_finite("head weights", head_w.as_ref())?;
        crate::series::check_finite_slice("head bias", &head_b)?;
        Ok(GatedModel {
            reservoir: GatedReservoir {
                params: c.params,
                inputs: c.inputs,
                w,
                weights,
            },
            head_w,
            head_b,
            loss: c.loss,
            sequence: c.sequence,
        })
    }
}
