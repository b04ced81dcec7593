//! Aquifer's own nodes in a [`Model`](super::Model) graph: the [`Node`] and readout
//! implementations of reservoirs, ES2Ns, IP and local-plasticity reservoirs, NVARs, ridge, RLS and LMS readouts,
//! and their model-file parts.

use crate::error::{Error, Result};
use crate::io::ModelFile;
use crate::nodes::{Es2n, IpReservoir, LocalReservoir, Nvar, Reservoir};
use crate::readout::stream::StatsStream;
use crate::readout::{Lms, Ridge, RidgeStats, Rls};
use crate::traits::{Node, OfflineReadout, OnlineReadout, Persist};
use faer::{Mat, MatRef};

/// A node of a built graph, by how it learns.
#[derive(Debug)]
pub(crate) enum Slot {
    /// A placeholder for columns of the input series.
    Input,
    /// A node that is never trained (reservoirs, user nodes).
    Fixed(Box<dyn Node>),
    /// A readout trained in closed form by `fit`.
    Offline(Box<dyn OfflineReadout>),
    /// A readout trained at every step by `partial_fit`.
    Online(Box<dyn OnlineReadout>),
}

impl Slot {
    /// The node, unless this is an input.
    pub(crate) fn node(&self) -> Option<&dyn Node> {
        match self {
            Slot::Input => None,
            Slot::Fixed(n) => Some(n.as_ref()),
            Slot::Offline(n) => Some(n.as_ref()),
            Slot::Online(n) => Some(n.as_ref()),
        }
    }
    /// The node, mutably, unless this is an input.
    pub(crate) fn node_mut(&mut self) -> Option<&mut dyn Node> {
        match self {
            Slot::Input => None,
            Slot::Fixed(n) => Some(n.as_mut()),
            Slot::Offline(n) => Some(n.as_mut()),
            Slot::Online(n) => Some(n.as_mut()),
        }
    }
    /// Whether the node learns (offline or online).
    pub(crate) fn is_trained(&self) -> bool {
        matches!(self, Slot::Offline(_) | Slot::Online(_))
    }
    /// Whether the node can produce outputs (an offline readout before its first fit cannot).
    pub(crate) fn is_ready(&self) -> bool {
        match self {
            Slot::Offline(n) => n.is_fitted(),
            _ => true,
        }
    }
    /// A readout's weights and bias.
    pub(crate) fn weights(&self) -> Option<(Mat<f64>, Vec<f64>)> {
        match self {
            Slot::Offline(n) => n.weights(),
            Slot::Online(n) => Some(n.weights()),
            _ => None,
        }
    }

    /// The node as a model-file part: Aquifer's own nodes are recognised by their type;
    /// other nodes cannot be saved.
    pub(crate) fn to_part(&self) -> Result<Option<ModelFile>> {
        let Some(node) = self.node() else {
            return Ok(None);
        };
        let any: &dyn std::any::Any = node;
        if let Some(r) = any.downcast_ref::<Reservoir>() {
            r.to_part().map(Some)
        } else if let Some(r) = any.downcast_ref::<Nvar>() {
            r.to_part().map(Some)
        } else if let Some(r) = any.downcast_ref::<Es2n>() {
            r.to_part().map(Some)
        } else if let Some(r) = any.downcast_ref::<IpReservoir>() {
            r.to_part().map(Some)
        } else if let Some(r) = any.downcast_ref::<LocalReservoir>() {
            r.to_part().map(Some)
        } else if let Some(r) = any.downcast_ref::<RidgeNode>() {
            r.to_part().map(Some)
        } else if let Some(r) = any.downcast_ref::<Rls>() {
            r.to_part().map(Some)
        } else if let Some(r) = any.downcast_ref::<Lms>() {
            r.to_part().map(Some)
        } else {
            Err(Error::CannotSave {
                what: format!("a node of type `{}`", node.type_name()),
            })
        }
    }

    /// Rebuilds one of Aquifer's nodes from its model-file part.
    pub(crate) fn from_part(part: &ModelFile) -> Result<Self> {
        Ok(match part.kind.as_str() {
            "reservoir" => Slot::Fixed(Box::new(Reservoir::from_part(part)?)),
            "nvar" => Slot::Fixed(Box::new(Nvar::from_part(part)?)),
            "es2n" => Slot::Fixed(Box::new(Es2n::from_part(part)?)),
            "ip_reservoir" => Slot::Fixed(Box::new(IpReservoir::from_part(part)?)),
            "local_reservoir" => Slot::Fixed(Box::new(LocalReservoir::from_part(part)?)),
            "ridge" => Slot::Offline(Box::new(RidgeNode::from_part(part)?)),
            "rls" => Slot::Online(Box::new(Rls::from_part(part)?)),
            "lms" => Slot::Online(Box::new(Lms::from_part(part)?)),
            other => {
                return Err(Error::Data {
                    source_name: "model file".into(),
                    reason: format!("unknown node kind `{other}`"),
                })
            }
        })
    }
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
}

impl Node for LocalReservoir {
    fn output_dim(&self) -> usize {
        self.units()
    }
    fn input_dim(&self) -> usize {
        LocalReservoir::input_dim(self)
    }
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        out.copy_from_slice(LocalReservoir::step(self, x)?);
        Ok(())
    }
    fn run(&mut self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        LocalReservoir::run(self, x)
    }
    fn reset(&mut self) {
        LocalReservoir::reset(self)
    }
    fn state(&self) -> Vec<f64> {
        LocalReservoir::state(self).to_vec()
    }
    fn set_state(&mut self, state: &[f64]) -> Result<()> {
        LocalReservoir::set_state(self, state)
    }
}

impl Node for Nvar {
    fn output_dim(&self) -> usize {
        Nvar::output_dim(self)
    }
    fn input_dim(&self) -> usize {
        Nvar::input_dim(self)
    }
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        Nvar::step(self, x, out)
    }
    fn run(&mut self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        Nvar::run(self, x)
    }
    fn reset(&mut self) {
        Nvar::reset(self)
    }
    fn state(&self) -> Vec<f64> {
        Nvar::state(self)
    }
    fn set_state(&mut self, state: &[f64]) -> Result<()> {
        Nvar::set_state(self, state)
    }
}

impl Node for Es2n {
    fn output_dim(&self) -> usize {
        self.units()
    }
    fn input_dim(&self) -> usize {
        Es2n::input_dim(self)
    }
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        out.copy_from_slice(Es2n::step(self, x)?);
        Ok(())
    }
    fn run(&mut self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        Es2n::run(self, x)
    }
    fn reset(&mut self) {
        Es2n::reset(self)
    }
    fn state(&self) -> Vec<f64> {
        Es2n::state(self).to_vec()
    }
    fn set_state(&mut self, state: &[f64]) -> Result<()> {
        Es2n::set_state(self, state)
    }
}

impl Node for IpReservoir {
    fn output_dim(&self) -> usize {
        self.units()
    }
    fn input_dim(&self) -> usize {
        IpReservoir::input_dim(self)
    }
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        out.copy_from_slice(IpReservoir::step(self, x)?);
        Ok(())
    }
    fn run(&mut self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        IpReservoir::run(self, x)
    }
    fn reset(&mut self) {
        IpReservoir::reset(self)
    }
    fn state(&self) -> Vec<f64> {
        IpReservoir::state(self)
    }
    fn set_state(&mut self, state: &[f64]) -> Result<()> {
        IpReservoir::set_state(self, state)
    }
}

/// A ridge readout in a graph: trained by [`Model::fit`](super::Model::fit).
#[derive(Debug, Clone)]
pub struct RidgeNode {
    pub(crate) ridge: Ridge,
    features: usize,
    outputs: usize,
    /// The statistics being formed, from the first `accumulate` after a solve.
    stream: Option<StatsStream>,
}

impl RidgeNode {
    /// A readout of `features` inputs and `outputs` outputs around `ridge` (fitted or not:
    /// a fitted one must have those shapes, which [`Model`](super::Model) checks).
    pub fn new(ridge: Ridge, features: usize, outputs: usize) -> Self {
        RidgeNode {
            ridge,
            features,
            outputs,
            stream: None,
        }
    }
    /// The ridge readout.
    pub fn ridge(&self) -> &Ridge {
        &self.ridge
    }
    /// Changes the ridge and solves again from the statistics of the last fit
    /// ([`Ridge::set_ridge`]).
    pub fn set_ridge(&mut self, ridge: f64) -> Result<()> {
        self.ridge.set_ridge(ridge)
    }
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
}

impl OfflineReadout for RidgeNode {
    /// Pushes the rows into one stream of statistics, so that a series handed over in pieces
    /// gives the same statistics, bit for bit, as handed over whole.
    fn accumulate(&mut self, x: MatRef<'_, f64>, y: MatRef<'_, f64>, warmup: usize) -> Result<()> {
        RidgeStats::check_shapes((self.features, self.outputs), x, y, warmup, 0)?;
        crate::series::check_finite("readout features", x)?;
        crate::series::check_finite("readout targets", y)?;
        let rows = x.nrows() - warmup;
        let (f, m) = (self.features, self.outputs);
        let stream = match &mut self.stream {
            Some(stream) => stream,
            None => self.stream.insert(StatsStream::new(f, m, Some(rows))?),
        };
        stream.push(x.subrows(warmup, rows), y.subrows(warmup, rows))
    }
    fn solve(&mut self) -> Result<()> {
        let stats = self.stream.take().ok_or(Error::Empty {
            what: "ridge statistics (nothing accumulated yet)".into(),
        })?;
        self.ridge.solve_owned_stats(stats.finish()?)
    }
    fn take_statistics(&mut self) -> Result<RidgeStats> {
        let stats = self.stream.take().ok_or(Error::Empty {
            what: "ridge statistics (nothing accumulated yet)".into(),
        })?;
        stats.finish()
    }
    fn solve_statistics(&mut self, stats: RidgeStats) -> Result<()> {
        if (stats.features(), stats.targets()) != (self.features, self.outputs) {
            return Err(Error::shape(
                "readout statistics (features x targets)",
                format!("{} x {}", self.features, self.outputs),
                format!("{} x {}", stats.features(), stats.targets()),
            ));
        }
        self.ridge.solve_owned_stats(stats)
    }
    fn is_fitted(&self) -> bool {
        self.ridge.is_fitted()
    }
    fn weights(&self) -> Option<(Mat<f64>, Vec<f64>)> {
        let w = self.ridge.weights()?.clone();
        Some((w, self.ridge.intercept()?.to_vec()))
    }
}

impl Persist for RidgeNode {
    const KIND: &'static str = Ridge::KIND;
    fn to_part(&self) -> Result<ModelFile> {
        self.ridge.to_sized_part(self.features, self.outputs)
    }
    fn from_part(part: &ModelFile) -> Result<Self> {
        let (ridge, features, outputs) = Ridge::from_sized_part(part)?;
        Ok(RidgeNode::new(ridge, features, outputs))
    }
}

/// Checks that a stateless node is given an empty state.
pub(crate) fn stateless(state: &[f64]) -> Result<()> {
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
        }

        impl OnlineReadout for $t {
            fn train_step(&mut self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
                <$t>::train_step(self, x, y, out)
            }
            fn weights(&self) -> (Mat<f64>, Vec<f64>) {
                (<$t>::weights(self), self.intercept().to_vec())
            }
        }
    };
}

online_node!(Rls);
online_node!(Lms);
