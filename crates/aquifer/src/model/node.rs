//! What a [`Model`](super::Model) needs from a node: dimensions, a step, a whole-series run,
//! state, and, for readouts, how it learns.

use crate::error::{Error, Result};
use crate::io::ModelFile;
use crate::nodes::Reservoir;
use crate::readout::{Lms, Ridge, RidgeParams, Rls};
use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

/// How a node learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Learning {
    /// Never trained (reservoirs).
    Fixed,
    /// Trained in closed form by [`Model::fit`](super::Model::fit) (ridge).
    Offline,
    /// Trained at every step by [`Model::partial_fit`](super::Model::partial_fit) (RLS, LMS).
    Online,
}

/// A node of a model graph. Its input at each step is the concatenation of what its incoming
/// edges carry; its output is what its outgoing edges carry.
pub trait Node: Send + std::fmt::Debug {
    /// Features of the output.
    fn output_dim(&self) -> usize;
    /// Features of the input.
    fn input_dim(&self) -> usize;
    /// One step: reads `x` (`input_dim`), writes `out` (`output_dim`).
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()>;
    /// A whole series (`T x input_dim`) from the current state; returns `T x output_dim`. The
    /// default steps row by row; nodes with a faster path override it with identical results.
    fn run(&mut self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let mut out = Mat::zeros(x.nrows(), self.output_dim());
        let mut xr = vec![0.0; self.input_dim()];
        let mut yr = vec![0.0; self.output_dim()];
        for t in 0..x.nrows() {
            xr.iter_mut().enumerate().for_each(|(j, v)| *v = x[(t, j)]);
            self.step(&xr, &mut yr)?;
            yr.iter().enumerate().for_each(|(j, v)| out[(t, j)] = *v);
        }
        Ok(out)
    }
    /// Back to the initial state.
    fn reset(&mut self);
    /// The state (a reservoir's units; nothing for stateless readouts).
    fn state(&self) -> Vec<f64>;
    /// Sets the state.
    fn set_state(&mut self, state: &[f64]) -> Result<()>;
    /// How the node learns.
    fn learning(&self) -> Learning {
        Learning::Fixed
    }
    /// Whether the node can produce outputs (an offline readout before its first fit cannot).
    fn is_ready(&self) -> bool {
        true
    }
    /// Offline: accumulates a series of features and targets (after `warmup` rows).
    fn accumulate(
        &mut self,
        _x: MatRef<'_, f64>,
        _y: MatRef<'_, f64>,
        _warmup: usize,
    ) -> Result<()> {
        Err(Error::Graph("this node does not train offline".into()))
    }
    /// Offline: solves from what was accumulated, then forgets it.
    fn solve(&mut self) -> Result<()> {
        Ok(())
    }
    /// A readout's trained weights (`F x M`) and bias (`M`); `None` for other nodes or before
    /// training.
    fn weights(&self) -> Option<(Mat<f64>, Vec<f64>)> {
        None
    }
    /// Online: one learning step; writes the output with the updated weights.
    fn train_step(&mut self, _x: &[f64], _y: &[f64], _out: &mut [f64]) -> Result<()> {
        Err(Error::Graph("this node does not train online".into()))
    }
    /// The node as a model-file part (kind, configuration, tensors), for
    /// [`Model::save`](super::Model::save). Aquifer's nodes implement it; by default a node
    /// cannot be saved.
    fn to_part(&self) -> Result<ModelFile> {
        Err(Error::Graph(format!(
            "a node of type `{}` cannot be saved",
            std::any::type_name::<Self>()
        )))
    }
}

/// Rebuilds one of Aquifer's nodes from its model-file part.
pub(crate) fn node_from_part(part: &ModelFile) -> Result<Box<dyn Node>> {
    Ok(match part.kind.as_str() {
        "reservoir" => Box::new(Reservoir::from_part(part)?),
        "ridge" => Box::new(RidgeNode::from_part(part)?),
        "rls" => Box::new(Rls::from_part(part)?),
        "lms" => Box::new(Lms::from_part(part)?),
        other => {
            return Err(Error::Data {
                source_name: "model file".into(),
                reason: format!("unknown node kind `{other}`"),
            })
        }
    })
}

impl Node for Reservoir {
    fn output_dim(&self) -> usize {
        self.units()
    }
    fn input_dim(&self) -> usize {
        Reservoir::input_dim(self)
    }
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        out.copy_from_slice(Reservoir::step(self, x)?);
        Ok(())
    }
    fn run(&mut self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        Reservoir::run(self, x)
    }
    fn reset(&mut self) {
        Reservoir::reset(self)
    }
    fn state(&self) -> Vec<f64> {
        Reservoir::state(self).to_vec()
    }
    fn set_state(&mut self, state: &[f64]) -> Result<()> {
        Reservoir::set_state(self, state)
    }
    fn to_part(&self) -> Result<ModelFile> {
        Reservoir::to_part(self)
    }
}

/// A ridge readout in a graph: trained by [`Model::fit`](super::Model::fit).
#[derive(Debug, Clone)]
pub struct RidgeNode {
    pub(crate) ridge: Ridge,
    features: usize,
    outputs: usize,
    accumulated: bool,
}

impl RidgeNode {
    pub(crate) fn new(ridge: Ridge, features: usize, outputs: usize) -> Self {
        RidgeNode {
            ridge,
            features,
            outputs,
            accumulated: false,
        }
    }
    /// The ridge readout.
    pub fn ridge(&self) -> &Ridge {
        &self.ridge
    }

    fn from_part(part: &ModelFile) -> Result<Self> {
        let c: SavedRidge = part.config_as()?;
        if c.features == 0 || c.outputs == 0 {
            return Err(Error::Data {
                source_name: "model file".into(),
                reason: "a ridge readout with no features or outputs".into(),
            });
        }
        let ridge = Ridge::load_tensors(part, c.features, c.outputs, c.params, c.fitted)?;
        Ok(RidgeNode::new(ridge, c.features, c.outputs))
    }
}

/// The configuration part of a saved [`RidgeNode`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedRidge {
    features: usize,
    outputs: usize,
    params: RidgeParams,
    fitted: bool,
}

impl Node for RidgeNode {
    fn output_dim(&self) -> usize {
        self.outputs
    }
    fn input_dim(&self) -> usize {
        self.features
    }
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        self.ridge.predict_into(x, out)
    }
    fn run(&mut self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        self.ridge.predict(x)
    }
    fn reset(&mut self) {}
    fn state(&self) -> Vec<f64> {
        Vec::new()
    }
    fn set_state(&mut self, state: &[f64]) -> Result<()> {
        stateless(state)
    }
    fn learning(&self) -> Learning {
        Learning::Offline
    }
    fn is_ready(&self) -> bool {
        self.ridge.is_fitted()
    }
    fn accumulate(&mut self, x: MatRef<'_, f64>, y: MatRef<'_, f64>, warmup: usize) -> Result<()> {
        if !self.accumulated {
            self.ridge = Ridge::with_params(*self.ridge.params())?;
            self.accumulated = true;
        }
        self.ridge.partial_fit(x, y, warmup)
    }
    fn solve(&mut self) -> Result<()> {
        self.accumulated = false;
        self.ridge.solve()
    }
    fn weights(&self) -> Option<(Mat<f64>, Vec<f64>)> {
        let w = self.ridge.weights()?.clone();
        Some((w, self.ridge.intercept()?.to_vec()))
    }
    fn to_part(&self) -> Result<ModelFile> {
        let config = SavedRidge {
            features: self.features,
            outputs: self.outputs,
            params: *self.ridge.params(),
            fitted: self.ridge.is_fitted(),
        };
        let mut part = ModelFile::empty("ridge");
        part.set_config(&config)?;
        self.ridge.save_tensors(&mut part);
        Ok(part)
    }
}

fn stateless(state: &[f64]) -> Result<()> {
    if state.is_empty() {
        Ok(())
    } else {
        Err(Error::shape(
            "readout state",
            "0 values",
            format!("{} values", state.len()),
        ))
    }
}

macro_rules! online_node {
    ($t:ty) => {
        impl Node for $t {
            fn output_dim(&self) -> usize {
                self.dims().1
            }
            fn input_dim(&self) -> usize {
                self.dims().0
            }
            fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
                self.predict_into(x, out)
            }
            fn reset(&mut self) {}
            fn state(&self) -> Vec<f64> {
                Vec::new()
            }
            fn set_state(&mut self, state: &[f64]) -> Result<()> {
                stateless(state)
            }
            fn learning(&self) -> Learning {
                Learning::Online
            }
            fn train_step(&mut self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
                <$t>::train_step(self, x, y, out)
            }
            fn weights(&self) -> Option<(Mat<f64>, Vec<f64>)> {
                Some((<$t>::weights(self), self.intercept().to_vec()))
            }
            fn to_part(&self) -> Result<ModelFile> {
                <$t>::to_part(self)
            }
        }
    };
}

online_node!(Rls);
online_node!(Lms);
