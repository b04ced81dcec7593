//! A [`Model`] in a model file (kind `model`): its nodes, each stored as the part it gives
//! ([`Persist::to_part`]) under `nodes.<index>.`, its edges and outputs, and everything that
//! evolves in time (node states, delayed values), so that a loaded model continues exactly
//! where the saved one stopped.

use super::builder::{ModelBuilder, Spec};
use super::edge::{Edge, NodeId};
use super::run::Model;
use crate::error::{Error, Result};
use crate::io::{ModelFile, Tensor};
use crate::model::node::Slot;
use crate::traits::Persist;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The configuration part of a saved [`Model`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedGraph {
    nodes: Vec<SavedNode>,
    edges: Vec<SavedEdge>,
    outputs: Vec<usize>,
    /// Per node, the slot of its most recent value in `history.<index>`.
    history_pos: Vec<usize>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedNode {
    name: String,
    /// `input`, or the kind of the node's part.
    kind: String,
    /// An input node's features.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dim: Option<usize>,
    /// The configuration of the node's part.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    config: Value,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedEdge {
    from: usize,
    to: usize,
    delay: usize,
}

fn bad(reason: String) -> Error {
    Error::Data {
        source_name: "model file".into(),
        reason,
    }
}

/// A model saves every node, edge and delayed value; [`Persist::load`] gives back a model
/// whose outputs, and online training, continue bit for bit. Every node must be one of
/// Aquifer's (a node of your own makes saving fail with [`Error::CannotSave`]). Reservoir
/// noise streams go on where they were.
///
/// ```
/// use aquifer::prelude::*;
/// use aquifer::model::Model;
/// let mut b = Model::builder();
/// let u = b.input("u", 1);
/// let r = b.node("reservoir", Reservoir::builder().units(50).seed(3).build(1)?);
/// let out = b.ridge("readout", RidgeParams::default(), 1);
/// b.chain(&[u, r, out]);
/// let mut model = b.build()?;
/// let x = faer::Mat::from_fn(300, 1, |t, _| (t as f64 * 0.2).sin());
/// let y = faer::Mat::from_fn(300, 1, |t, _| (t as f64 * 0.2 + 0.2).sin());
/// model.fit(&[x.clone()], &[y], 50)?;
/// let path = std::env::temp_dir().join("aquifer-doc-model.aqm");
/// model.save(&path)?;
/// let mut loaded = Model::load(&path)?;
/// assert_eq!(loaded.run(&x)?, model.run(&x)?);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), aquifer::Error>(())
/// ```
impl Persist for Model {
    const KIND: &'static str = "model";

    fn to_part(&self) -> Result<ModelFile> {
        let mut file = ModelFile::empty(Self::KIND);
        let mut nodes = Vec::with_capacity(self.slots.len());
        for (i, slot) in self.slots.iter().enumerate() {
            let name = self.names[i].clone();
            nodes.push(match slot.to_part().map_err(|e| self.in_node(i, e))? {
                None => SavedNode {
                    name,
                    kind: "input".into(),
                    dim: Some(self.dims[i]),
                    config: Value::Null,
                },
                Some(part) => {
                    let (kind, config) = file.embed(&format!("nodes.{i}."), part);
                    SavedNode {
                        name,
                        kind,
                        dim: None,
                        config,
                    }
                }
            });
            if self.max_delay[i] > 0 {
                file.tensors.insert(
                    format!("history.{i}"),
                    Tensor::F64 {
                        shape: vec![self.max_delay[i], self.dims[i]],
                        data: self.hist[i].clone(),
                    },
                );
            }
            file.tensors
                .insert(format!("output.{i}"), Tensor::vector(self.cur[i].clone()));
        }
        let config = SavedGraph {
            nodes,
            edges: self
                .incoming
                .iter()
                .flatten()
                .map(|e| SavedEdge {
                    from: e.from.0,
                    to: e.to.0,
                    delay: e.delay,
                })
                .collect(),
            outputs: self.outputs.clone(),
            history_pos: self.hist_pos.clone(),
        };
        file.set_config(&config)?;
        Ok(file)
    }

    /// Rebuilds a model from a part, checking kinds, wiring, shapes and values.
    fn from_part(file: &ModelFile) -> Result<Self> {
        crate::traits::check_kind(file, Self::KIND)?;
        let c: SavedGraph = file.config_as()?;
        let n = c.nodes.len();
        // Sizes that the model allocates must be those of tensors present in the file, so a
        // forged configuration cannot make it allocate more than the file holds.
        for (i, node) in c.nodes.iter().enumerate() {
            if node.kind == "input"
                && node
                    .dim
                    .is_some_and(|d| file.shape_of(&format!("output.{i}")) != Some(&[d]))
            {
                return Err(bad(format!(
                    "input node `{}`: its dimension does not match tensor `output.{i}`",
                    node.name
                )));
            }
        }
        let mut max_delay = vec![0usize; n];
        for e in &c.edges {
            if let Some(m) = max_delay.get_mut(e.from) {
                *m = (*m).max(e.delay);
            }
        }
        for (i, &d) in max_delay.iter().enumerate() {
            let stored = file
                .shape_of(&format!("history.{i}"))
                .and_then(|s| s.first().copied());
            if d > 0 && stored != Some(d) {
                return Err(bad(format!(
                    "node {i} feeds an edge delayed by {d} steps but tensor `history.{i}` does \
                     not hold {d} steps"
                )));
            }
        }
        let mut b = ModelBuilder::default();
        for (i, node) in c.nodes.into_iter().enumerate() {
            let spec = if node.kind == "input" {
                Spec::Input(
                    node.dim
                        .ok_or_else(|| bad(format!("input node `{}` has no `dim`", node.name)))?,
                )
            } else {
                let part = file.part(&format!("nodes.{i}."), &node.kind, node.config);
                let slot = Slot::from_part(&part).map_err(|e| {
                    let reason = match e {
                        Error::Data { reason, .. } => reason,
                        other => other.to_string(),
                    };
                    bad(format!("node `{}`: {reason}", node.name))
                })?;
                match slot {
                    Slot::Fixed(n) => Spec::Node(n),
                    Slot::Offline(n) => Spec::Offline(n),
                    Slot::Online(n) => Spec::Online(n),
                    Slot::Input => unreachable!("parts are nodes"),
                }
            };
            b.add_spec(&node.name, spec);
        }
        let check = |i: usize, what: &str| {
            if i < n {
                Ok(NodeId(i))
            } else {
                Err(bad(format!("{what} names node {i} of {n}")))
            }
        };
        for e in &c.edges {
            let (from, to) = (check(e.from, "an edge")?, check(e.to, "an edge")?);
            b.edges.push(Edge {
                from,
                to,
                delay: e.delay,
            });
        }
        for &o in &c.outputs {
            b.outputs.push(check(o, "the output list")?);
        }
        let mut model = b.build()?;
        if c.history_pos.len() != n {
            return Err(bad(format!(
                "history_pos has {} entries for {n} nodes",
                c.history_pos.len()
            )));
        }
        for i in 0..n {
            let d = model.max_delay[i];
            if d > 0 {
                let h = file.f64_tensor(&format!("history.{i}"), &[d, model.dims[i]])?;
                crate::series::check_finite_slice("delayed values", h)?;
                model.hist[i].copy_from_slice(h);
            }
            if c.history_pos[i] >= d.max(1) {
                return Err(bad(format!(
                    "history position {} of node {i} is outside its {d} delayed steps",
                    c.history_pos[i]
                )));
            }
            model.hist_pos[i] = c.history_pos[i];
            let out = file.f64_tensor(&format!("output.{i}"), &[model.dims[i]])?;
            crate::series::check_finite_slice("node outputs", out)?;
            model.cur[i].copy_from_slice(out);
        }
        Ok(model)
    }
}
