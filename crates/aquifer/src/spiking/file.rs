//! Liquids (kind `liquid`) and liquid state machine classifiers (kind `lsm`) in the model file
//! format. A liquid stores its hyperparameters, `W_rec` (CSR) and `W_in`; a classifier stores
//! the liquid it starts from, the trained liquid and the trained layer. Round trips are bit
//! for bit; loading checks every shape and value.

use super::surrogate::{LsmClassifier, SurrogateParams, Tensors};
use super::{Liquid, LiquidParams};
use crate::error::{Error, Result};
use crate::grad::{Affine, Head, Layers};
use crate::io::{ModelFile, Tensor};
use crate::traits::{check_kind, Persist};
use serde::{Deserialize, Serialize};

/// The configuration part of a saved [`Liquid`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedLiquid {
    params: LiquidParams,
    inputs: usize,
}

impl Persist for Liquid {
    const KIND: &'static str = "liquid";

    fn to_part(&self) -> Result<ModelFile> {
        let mut file = ModelFile::empty(Self::KIND);
        file.insert_csr("w", self.w());
        file.tensors
            .insert("win".into(), Tensor::matrix(self.win().as_ref()));
        file.set_config(&SavedLiquid {
            params: *self.params(),
            inputs: self.input_dim(),
        })?;
        Ok(file)
    }

    fn from_part(file: &ModelFile) -> Result<Self> {
        check_kind(file, Self::KIND)?;
        let c: SavedLiquid = file.config_as()?;
        let n = c.params.units;
        // W_in must be in the file at these sizes before anything is allocated
        if file.shape_of("win") != Some(&[n, c.inputs]) || c.inputs == 0 {
            return Err(bad(format!(
                "`win` does not match {n} units and {} inputs",
                c.inputs
            )));
        }
        let w = file.csr("w", n, n)?;
        let win = file.f64_matrix("win", n, c.inputs)?;
        Liquid::from_matrices(&c.params, w, win)
    }
}

/// The configuration part of a saved [`LsmClassifier`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedLsm {
    params: SurrogateParams,
    classes: usize,
    fitted: bool,
    initial: serde_json::Value,
    liquid: serde_json::Value,
}

impl Persist for LsmClassifier {
    const KIND: &'static str = "lsm";

    fn to_part(&self) -> Result<ModelFile> {
        let mut file = ModelFile::empty(Self::KIND);
        let (_, initial) = file.embed("initial.", self.initial.to_part()?);
        let (_, liquid) = file.embed("liquid.", self.liquid.to_part()?);
        if let Some(t) = &self.tensors {
            // flat and row-major; a linear head stores an empty hidden layer
            let maps = t.head.maps();
            let (hidden, out) = match maps {
                [hidden, out] => (hidden.tensors(), out),
                _ => ([&[][..], &[][..]], &maps[0]),
            };
            let [w_out, b_out] = out.tensors();
            for (name, v) in [
                ("w_hid", hidden[0]),
                ("b_hid", hidden[1]),
                ("w_out", w_out),
                ("b_out", b_out),
            ] {
                file.tensors
                    .insert(format!("head.{name}"), Tensor::vector(v.to_vec()));
            }
        }
        file.set_config(&SavedLsm {
            params: self.params,
            classes: self.classes,
            fitted: self.tensors.is_some(),
            initial,
            liquid,
        })?;
        Ok(file)
    }

    fn from_part(file: &ModelFile) -> Result<Self> {
        check_kind(file, Self::KIND)?;
        let c: SavedLsm = file.config_as()?;
        let initial = Liquid::from_part(&file.part("initial.", Liquid::KIND, c.initial))?;
        let liquid = Liquid::from_part(&file.part("liquid.", Liquid::KIND, c.liquid))?;
        if (liquid.units(), liquid.input_dim()) != (initial.units(), initial.input_dim()) {
            return Err(bad(
                "the trained liquid and the initial one differ in size".into()
            ));
        }
        let mut lsm = LsmClassifier::new(initial, c.params, c.classes)?;
        if c.fitted {
            let d = c.params.bins * liquid.units();
            let (hid_in, hid) = match c.params.head {
                Head::Linear => (0, 0),
                Head::Mlp { hidden } => (d, hidden),
            };
            let out_in = if hid > 0 { hid } else { d };
            let read = |name: &str, len: usize| -> Result<Vec<f64>> {
                let v = file.f64_tensor(&format!("head.{name}"), &[len])?;
                crate::series::check_finite_slice(name, v)?;
                Ok(v.to_vec())
            };
            let mut maps = Vec::new();
            if hid > 0 {
                maps.push(Affine::from_parts(
                    read("w_hid", hid * hid_in)?,
                    read("b_hid", hid)?,
                    hid_in,
                ));
            }
            let (w_out, b_out) = (
                read("w_out", c.classes * out_in)?,
                read("b_out", c.classes)?,
            );
            maps.push(Affine::from_parts(w_out, b_out, out_in));
            let maps = maps
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .expect("lengths read above");
            lsm.tensors = Some(Tensors {
                win: liquid.win_flat().to_vec(),
                wrec: liquid.w().val().to_vec(),
                head: Layers::from_maps(maps).expect("the shapes of a head"),
            });
        }
        lsm.liquid = liquid;
        Ok(lsm)
    }
}

fn bad(reason: String) -> Error {
    Error::Data {
        source_name: "model file".into(),
        reason,
    }
}
