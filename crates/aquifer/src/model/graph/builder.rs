//! Building a model graph: nodes, readouts and edges are declared, then checked and wired
//! into a [`Model`] (each node's input width, the orders that run it, its delayed values).

use super::edge::{Edge, NodeId};
use super::run::Model;
use super::schedule::topological;
use crate::error::{Error, Result};
use crate::model::node::{RidgeNode, Slot};
use crate::readout::{Lms, LmsParams, Ridge, RidgeParams, Rls, RlsParams};
use crate::traits::{Node, OfflineReadout, OnlineReadout};

#[derive(Debug)]
pub(super) enum Spec {
    Input(usize),
    Node(Box<dyn Node>),
    Offline(Box<dyn OfflineReadout>),
    Online(Box<dyn OnlineReadout>),
    Ridge(RidgeParams, usize),
    Rls(RlsParams, usize),
    Lms(LmsParams, usize),
}

impl Model {
    /// An empty builder.
    pub fn builder() -> ModelBuilder {
        ModelBuilder::default()
    }
}

/// Builds a [`Model`] (see the [module documentation](self)).
#[derive(Debug, Default)]
pub struct ModelBuilder {
    names: Vec<String>,
    specs: Vec<Spec>,
    pub(super) edges: Vec<Edge>,
    pub(super) outputs: Vec<NodeId>,
}

impl ModelBuilder {
    pub(super) fn add_spec(&mut self, name: &str, spec: Spec) -> NodeId {
        self.names.push(name.to_string());
        self.specs.push(spec);
        NodeId(self.specs.len() - 1)
    }

    /// An input node of `dim` features: it takes that many columns of the input series.
    pub fn input(&mut self, name: &str, dim: usize) -> NodeId {
        self.add_spec(name, Spec::Input(dim))
    }
    /// Any node, e.g. a [`Reservoir`](crate::nodes::Reservoir).
    pub fn node(&mut self, name: &str, node: impl Node + 'static) -> NodeId {
        self.add_spec(name, Spec::Node(Box::new(node)))
    }
    /// A node already boxed (one of several kinds chosen at run time).
    pub fn boxed_node(&mut self, name: &str, node: Box<dyn Node>) -> NodeId {
        self.add_spec(name, Spec::Node(node))
    }
    /// A readout of your own that learns in closed form, trained by [`Model::fit`].
    pub fn offline_readout(&mut self, name: &str, node: impl OfflineReadout + 'static) -> NodeId {
        self.add_spec(name, Spec::Offline(Box::new(node)))
    }
    /// A readout of your own that learns at every step, trained by [`Model::partial_fit`].
    pub fn online_readout(&mut self, name: &str, node: impl OnlineReadout + 'static) -> NodeId {
        self.add_spec(name, Spec::Online(Box::new(node)))
    }
    /// A ridge readout of `outputs` features, trained by [`Model::fit`].
    pub fn ridge(&mut self, name: &str, params: RidgeParams, outputs: usize) -> NodeId {
        self.add_spec(name, Spec::Ridge(params, outputs))
    }
    /// An RLS readout of `outputs` features, trained by [`Model::partial_fit`].
    pub fn rls(&mut self, name: &str, params: RlsParams, outputs: usize) -> NodeId {
        self.add_spec(name, Spec::Rls(params, outputs))
    }
    /// An LMS readout of `outputs` features, trained by [`Model::partial_fit`].
    pub fn lms(&mut self, name: &str, params: LmsParams, outputs: usize) -> NodeId {
        self.add_spec(name, Spec::Lms(params, outputs))
    }

    /// Adds edges written with the graph operators (see [`ops`](super::ops)), e.g.
    /// `b.add((u >> r >> out) & (r << out))`.
    pub fn add(&mut self, edges: crate::model::ops::Edges) -> &mut Self {
        self.edges.extend(edges.edges);
        self
    }
    /// An edge without delay (ReservoirPy's `from >> to`).
    pub fn connect(&mut self, from: NodeId, to: NodeId) -> &mut Self {
        self.connect_delayed(from, to, 0)
    }
    /// An edge carrying `from`'s output `delay` steps late (`from >> delay >> to`).
    pub fn connect_delayed(&mut self, from: NodeId, to: NodeId, delay: usize) -> &mut Self {
        self.edges.push(Edge { from, to, delay });
        self
    }
    /// Edges without delay along a chain (`a >> b >> c`).
    pub fn chain(&mut self, nodes: &[NodeId]) -> &mut Self {
        for w in nodes.windows(2) {
            self.connect(w[0], w[1]);
        }
        self
    }
    /// Edges from each of `sources` to `to`, concatenated in this order (`[a, b] >> to`).
    pub fn merge(&mut self, sources: &[NodeId], to: NodeId) -> &mut Self {
        for &s in sources {
            self.connect(s, to);
        }
        self
    }
    /// A feedback edge with a delay of one step (ReservoirPy's `to << from`).
    pub fn feedback(&mut self, from: NodeId, to: NodeId) -> &mut Self {
        self.connect_delayed(from, to, 1)
    }
    /// Marks a node as an output (by default, the nodes without outgoing edges, and the
    /// trained readouts).
    pub fn output(&mut self, node: NodeId) -> &mut Self {
        self.outputs.push(node);
        self
    }

    /// Checks the graph and builds the model.
    pub fn build(self) -> Result<Model> {
        let n = self.specs.len();
        if n == 0 {
            return Err(Error::Empty {
                what: "model graph (no nodes)".into(),
            });
        }
        let names = self.names;
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() || names[..i].contains(name) {
                return Err(Error::DuplicateNode { name: name.clone() });
            }
        }
        for e in &self.edges {
            if let Some(other) = [e.from.0, e.to.0].into_iter().find(|&i| i >= n) {
                return Err(Error::Wiring {
                    node: format!("#{other}"),
                    problem: "belongs to another builder (an edge names it)",
                });
            }
        }
        let mut incoming: Vec<Vec<Edge>> = vec![Vec::new(); n];
        for e in &self.edges {
            incoming[e.to.0].push(*e);
        }
        // output dimensions, known without inputs
        let dims: Vec<usize> = self
            .specs
            .iter()
            .map(|s| match s {
                Spec::Input(d) => *d,
                Spec::Node(node) => node.output_dim(),
                Spec::Offline(node) => node.output_dim(),
                Spec::Online(node) => node.output_dim(),
                Spec::Ridge(_, m) | Spec::Rls(_, m) | Spec::Lms(_, m) => *m,
            })
            .collect();
        let mut slots = Vec::with_capacity(n);
        let mut inputs = Vec::new();
        for (i, spec) in self.specs.into_iter().enumerate() {
            let name = &names[i];
            let fan_in: usize = incoming[i].iter().map(|e| dims[e.from.0]).sum();
            if dims[i] == 0 {
                return Err(Error::Wiring {
                    node: name.clone(),
                    problem: "has no output features",
                });
            }
            let slot = match spec {
                Spec::Input(_) => {
                    if !incoming[i].is_empty() {
                        return Err(Error::Wiring {
                            node: name.clone(),
                            problem: "is an input and cannot receive edges",
                        });
                    }
                    inputs.push(i);
                    Slot::Input
                }
                other => {
                    if incoming[i].is_empty() {
                        return Err(Error::Wiring {
                            node: name.clone(),
                            problem: "receives no edge",
                        });
                    }
                    let check = |node: &dyn Node| {
                        if node.input_dim() == fan_in {
                            Ok(())
                        } else {
                            Err(Error::WidthMismatch {
                                node: name.clone(),
                                expected: node.input_dim(),
                                got: fan_in,
                            })
                        }
                    };
                    match other {
                        Spec::Node(node) => {
                            check(node.as_ref())?;
                            Slot::Fixed(node)
                        }
                        Spec::Offline(node) => {
                            check(node.as_ref())?;
                            Slot::Offline(node)
                        }
                        Spec::Online(node) => {
                            check(node.as_ref())?;
                            Slot::Online(node)
                        }
                        Spec::Ridge(p, m) => Slot::Offline(Box::new(RidgeNode::new(
                            Ridge::with_params(p)?,
                            fan_in,
                            m,
                        ))),
                        Spec::Rls(p, m) => Slot::Online(Box::new(Rls::new(fan_in, m, p)?)),
                        Spec::Lms(p, m) => Slot::Online(Box::new(Lms::new(fan_in, m, p)?)),
                        Spec::Input(_) => unreachable!("handled above"),
                    }
                }
            };
            slots.push(slot);
        }
        let zero_delay: Vec<Edge> = self
            .edges
            .iter()
            .copied()
            .filter(|e| e.delay == 0)
            .collect();
        let order = topological(n, &zero_delay).map_err(|cycle| {
            let path: Vec<&str> = cycle.iter().map(|&i| names[i].as_str()).collect();
            Error::Cycle {
                nodes: path.iter().map(|p| p.to_string()).collect(),
            }
        })?;
        let trained: Vec<usize> = (0..n).filter(|&i| slots[i].is_trained()).collect();
        let mut outputs: Vec<usize> = self.outputs.iter().map(|o| o.0).collect();
        if outputs.is_empty() {
            outputs = (0..n)
                .filter(|&i| {
                    trained.contains(&i)
                        || (!inputs.contains(&i) && !self.edges.iter().any(|e| e.from.0 == i))
                })
                .collect();
        }
        // Whole-series orders: all edges (running), and without edges out of offline
        // readouts (fitting, where those emit their targets).
        let full_order = topological(n, &self.edges).ok();
        let offline_free: Vec<Edge> = self
            .edges
            .iter()
            .copied()
            .filter(|e| !matches!(slots[e.from.0], Slot::Offline(_)))
            .collect();
        let fit_order = topological(n, &offline_free).ok();
        let mut max_delay = vec![0; n];
        for e in &self.edges {
            max_delay[e.from.0] = max_delay[e.from.0].max(e.delay);
        }
        let in_dims: Vec<usize> = (0..n)
            .map(|i| incoming[i].iter().map(|e| dims[e.from.0]).sum())
            .collect();
        let mut model = Model {
            names,
            slots,
            dims,
            incoming,
            order,
            full_order,
            fit_order,
            inputs,
            outputs,
            trained,
            max_delay,
            hist: Vec::new(),
            hist_pos: vec![0; n],
            cur: Vec::new(),
            xbuf: in_dims.iter().map(|&d| vec![0.0; d]).collect(),
        };
        model.hist = (0..n)
            .map(|i| vec![0.0; model.max_delay[i] * model.dims[i]])
            .collect();
        model.cur = model.dims.iter().map(|&d| vec![0.0; d]).collect();
        Ok(model)
    }
}
