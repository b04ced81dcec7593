//! Models as graphs of nodes: chains, fan-in and fan-out, delayed edges and feedback loops.
//!
//! A [`Model`] is built with a [`ModelBuilder`]: input nodes (placeholders for the columns of
//! the data), nodes ([`Reservoir`](crate::nodes::Reservoir) or any [`Node`]), readouts
//! (ridge, RLS, LMS, created with the input dimension the graph gives them), and edges. An
//! edge carries its source's output `k >= 0` steps late; a node's input is the concatenation
//! of its incoming edges in the order they were added. Edges without delay must not form a
//! cycle; delayed edges may (feedback).
//!
//! Data: the columns of an input series are the input nodes' features, in the order the input
//! nodes were declared; the columns of a target series are the trained readouts' outputs, in
//! the order the readouts were declared. Outputs come back by name.
//!
//! State: every node keeps its state between calls (`run` continues where the last call
//! stopped), and so does every delayed edge (its last `k` values). [`Model::reset`] returns
//! to the initial state: zero states and zero delayed values. Before a step, a delayed edge
//! whose source has not produced `k` outputs yet carries zeros.
//!
//! Training: [`Model::fit`] trains ridge readouts in closed form. Each series is harvested
//! from the state the model had when `fit` was called; every trained readout emits its target
//! during the harvest (teacher forcing), so a readout that feeds back into a reservoir through
//! a delay-`k` edge gives that reservoir the target `k` steps late, as it will see its own
//! predictions later. When, with readouts teacher-forced, no cycle remains, each node runs over
//! whole series (the reservoir's fast path); otherwise the model steps. After `fit` the model is
//! in the state the last training series left it in. [`Model::partial_fit`] steps the model
//! and updates every online readout (RLS, LMS) at each step, with their own outputs fed
//! forward and back (FORCE learning when they feed back).
//!
//! ```
//! use aquifer::prelude::*;
//! use aquifer::model::Model;
//! // An echo state network with output feedback, trained to continue a sine.
//! let mut b = Model::builder();
//! let reservoir = Reservoir::builder().units(100).spectral_radius(0.9).leak_rate(0.5)
//!     .input_connectivity(1.0).seed(1).build(1)?;
//! let r = b.node("reservoir", reservoir);
//! let out = b.ridge("readout", RidgeParams { ridge: 1e-8, fit_bias: true }, 1);
//! b.connect(r, out).feedback(out, r);
//! let mut model = b.build()?;
//! let y = faer::Mat::from_fn(1000, 1, |t, _| (t as f64 * 0.1).sin());
//! let no_input = faer::Mat::<f64>::zeros(1000, 0);
//! model.fit(&[no_input], &[y.clone()], 100)?;
//! model.reset();
//! let generated = model.generate(200, y.subrows(0, 300))?;
//! let truth = |t: usize| ((300 + t) as f64 * 0.1).sin();
//! let g = generated.get("readout").unwrap();
//! assert!((0..200).all(|t| (g[(t, 0)] - truth(t)).abs() < 1e-2));
//! # Ok::<(), aquifer::Error>(())
//! ```

use super::node::{RidgeNode, Slot};
use crate::error::{Error, Result};
use crate::readout::{Lms, LmsParams, Ridge, RidgeParams, Rls, RlsParams};
use crate::series::{check_pairs, check_series, views, AsSeries};
use crate::traits::{
    Fit, Node, OfflineReadout, OnlineReadout, PartialFit, Run, Stateful, Step, Targets,
};
use faer::{Mat, MatRef};

mod file;

/// A node of a [`ModelBuilder`], returned when it is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeId(usize);

/// An edge: `to` receives `from`'s output `delay` steps late.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// The source.
    pub from: NodeId,
    /// The destination.
    pub to: NodeId,
    /// Delay in steps.
    pub delay: usize,
}

#[derive(Debug)]
enum Spec {
    Input(usize),
    Node(Box<dyn Node>),
    Offline(Box<dyn OfflineReadout>),
    Online(Box<dyn OnlineReadout>),
    Ridge(RidgeParams, usize),
    Rls(RlsParams, usize),
    Lms(LmsParams, usize),
}

/// Builds a [`Model`] (see the [module documentation](self)).
#[derive(Debug, Default)]
pub struct ModelBuilder {
    names: Vec<String>,
    specs: Vec<Spec>,
    edges: Vec<Edge>,
    outputs: Vec<NodeId>,
}

impl ModelBuilder {
    fn add_spec(&mut self, name: &str, spec: Spec) -> NodeId {
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
    pub fn add(&mut self, edges: super::ops::Edges) -> &mut Self {
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

/// Kahn's topological order of `n` nodes; on a cycle, the nodes of one cycle in order.
fn topological(n: usize, edges: &[Edge]) -> std::result::Result<Vec<usize>, Vec<usize>> {
    let mut indeg = vec![0usize; n];
    for e in edges {
        indeg[e.to.0] += 1;
    }
    let mut order = Vec::with_capacity(n);
    let mut ready: Vec<usize> = (0..n).rev().filter(|&i| indeg[i] == 0).collect();
    while let Some(i) = ready.pop() {
        order.push(i);
        for e in edges.iter().filter(|e| e.from.0 == i) {
            indeg[e.to.0] -= 1;
            if indeg[e.to.0] == 0 {
                ready.push(e.to.0);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Walk backwards along edges inside the remaining nodes until a node repeats.
    let left: Vec<bool> = (0..n).map(|i| indeg[i] > 0).collect();
    let mut path = vec![(0..n).find(|&i| left[i]).expect("a node is left")];
    loop {
        let cur = *path.last().expect("non-empty");
        let prev = edges
            .iter()
            .find(|e| e.to.0 == cur && left[e.from.0])
            .expect("a node on a cycle has a predecessor on it")
            .from
            .0;
        if let Some(pos) = path.iter().position(|&p| p == prev) {
            let mut cycle: Vec<usize> = path[pos..].to_vec();
            cycle.reverse();
            cycle.push(cycle[0]);
            return Err(cycle);
        }
        path.push(prev);
    }
}

/// Named outputs of a model, in the order of its output nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    /// `(name, series)` pairs.
    pub series: Vec<(String, Mat<f64>)>,
}

impl Outputs {
    /// The series of the output named `name`.
    pub fn get(&self, name: &str) -> Option<&Mat<f64>> {
        self.series.iter().find(|(n, _)| n == name).map(|(_, m)| m)
    }
}

/// What a pass does with the trained nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every node predicts.
    Run,
    /// Offline readouts record their features and emit their targets.
    Fit,
    /// Online readouts learn and emit their outputs.
    PartialFit,
    /// Every trained readout emits the teacher signal (generation warm-up).
    Teacher,
}

/// A snapshot of everything that evolves in time.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    states: Vec<Vec<f64>>,
    hist: Vec<Vec<f64>>,
    hist_pos: Vec<usize>,
    cur: Vec<Vec<f64>>,
}

/// A model: nodes wired by edges with delays (see the [module documentation](self)).
#[derive(Debug)]
pub struct Model {
    names: Vec<String>,
    slots: Vec<Slot>,
    dims: Vec<usize>,
    incoming: Vec<Vec<Edge>>,
    /// Topological order of the edges without delay (for stepping).
    order: Vec<usize>,
    /// Topological order of all edges, if acyclic (whole-series running).
    full_order: Option<Vec<usize>>,
    /// The same without edges out of offline readouts (whole-series fitting).
    fit_order: Option<Vec<usize>>,
    inputs: Vec<usize>,
    outputs: Vec<usize>,
    trained: Vec<usize>,
    max_delay: Vec<usize>,
    /// Per node, its last `max_delay` outputs (a ring; `hist_pos` is the most recent slot).
    hist: Vec<Vec<f64>>,
    hist_pos: Vec<usize>,
    /// Per node, its output at the current step.
    cur: Vec<Vec<f64>>,
    /// Per node, its gathered input.
    xbuf: Vec<Vec<f64>>,
}

impl Model {
    /// An empty builder.
    pub fn builder() -> ModelBuilder {
        ModelBuilder::default()
    }

    /// Columns of an input series (the input nodes' features).
    pub fn input_dim(&self) -> usize {
        self.inputs.iter().map(|&i| self.dims[i]).sum()
    }
    /// Columns of a target series (the trained readouts' outputs).
    pub fn target_dim(&self) -> usize {
        self.trained.iter().map(|&i| self.dims[i]).sum()
    }
    /// Names of the output nodes, in order.
    pub fn output_names(&self) -> Vec<&str> {
        self.outputs
            .iter()
            .map(|&i| self.names[i].as_str())
            .collect()
    }
    fn index(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| Error::UnknownNode { name: name.into() })
    }
    /// The trained weights (`F x M`) and bias of the readout named `name`.
    pub fn weights(&self, name: &str) -> Result<Option<(Mat<f64>, Vec<f64>)>> {
        let i = self.index(name)?;
        Ok(self.slots[i].weights())
    }
    /// The state of the node named `name`.
    pub fn node_state(&self, name: &str) -> Result<Vec<f64>> {
        let i = self.index(name)?;
        Ok(self.slots[i].node().map_or_else(Vec::new, |n| n.state()))
    }
    /// Sets the state of the node named `name`.
    pub fn set_node_state(&mut self, name: &str, state: &[f64]) -> Result<()> {
        let i = self.index(name)?;
        match self.slots[i].node_mut() {
            Some(node) => node.set_state(state),
            None => Err(Error::Wiring {
                node: name.into(),
                problem: "is an input and has no state",
            }),
        }
    }

    /// Back to the initial state: every node reset, every delayed edge zero.
    fn reset_all(&mut self) {
        for slot in &mut self.slots {
            if let Some(node) = slot.node_mut() {
                node.reset();
            }
        }
        for h in &mut self.hist {
            h.iter_mut().for_each(|v| *v = 0.0);
        }
        self.hist_pos.iter_mut().for_each(|p| *p = 0);
        for c in &mut self.cur {
            c.iter_mut().for_each(|v| *v = 0.0);
        }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            states: self
                .slots
                .iter()
                .map(|s| s.node().map_or_else(Vec::new, |n| n.state()))
                .collect(),
            hist: self.hist.clone(),
            hist_pos: self.hist_pos.clone(),
            cur: self.cur.clone(),
        }
    }

    fn restore(&mut self, s: &Snapshot) -> Result<()> {
        for (slot, state) in self.slots.iter_mut().zip(&s.states) {
            if let Some(node) = slot.node_mut() {
                node.set_state(state)?;
            }
        }
        self.hist.clone_from(&s.hist);
        self.hist_pos.clone_from(&s.hist_pos);
        self.cur.clone_from(&s.cur);
        Ok(())
    }

    /// `y_i(t - k)` for `k >= 1` from node `i`'s ring.
    fn delayed(&self, i: usize, k: usize) -> &[f64] {
        let d = self.max_delay[i];
        let slot = (self.hist_pos[i] + d - (k - 1)) % d;
        let m = self.dims[i];
        &self.hist[i][slot * m..(slot + 1) * m]
    }

    fn push_history(&mut self, i: usize, y: &[f64]) {
        let d = self.max_delay[i];
        if d == 0 {
            return;
        }
        let m = self.dims[i];
        self.hist_pos[i] = (self.hist_pos[i] + 1) % d;
        let slot = self.hist_pos[i];
        self.hist[i][slot * m..(slot + 1) * m].copy_from_slice(y);
    }

    /// Column offset of trained node `i` in a target row.
    fn target_offset(&self, i: usize) -> usize {
        self.trained
            .iter()
            .take_while(|&&j| j != i)
            .map(|&j| self.dims[j])
            .sum()
    }

    fn check_ready(&self) -> Result<()> {
        for (i, slot) in self.slots.iter().enumerate() {
            if !slot.is_ready() {
                return Err(Error::NotFitted {
                    what: format!("readout `{}`", self.names[i]),
                });
            }
        }
        Ok(())
    }

    /// One step. `u`: the input row; `target`: the target row (for `Fit`, `PartialFit`,
    /// `Teacher`); `features`: per offline node, where to record its input (for `Fit`).
    fn step_once(
        &mut self,
        u: &[f64],
        target: Option<&[f64]>,
        mode: Mode,
        features: &mut [Vec<f64>],
    ) -> Result<()> {
        let mut off = 0;
        for &i in &self.inputs {
            let d = self.dims[i];
            self.cur[i].copy_from_slice(&u[off..off + d]);
            off += d;
        }
        for oi in 0..self.order.len() {
            let i = self.order[oi];
            if matches!(self.slots[i], Slot::Input) {
                continue;
            }
            // gather the input
            let mut x = std::mem::take(&mut self.xbuf[i]);
            let mut at = 0;
            for e in &self.incoming[i] {
                let src = if e.delay == 0 {
                    &self.cur[e.from.0][..]
                } else {
                    self.delayed(e.from.0, e.delay)
                };
                x[at..at + src.len()].copy_from_slice(src);
                at += src.len();
            }
            // the target columns of this node (no allocation: a slice of the caller's row)
            let teacher = match target {
                Some(t) if self.slots[i].is_trained() => {
                    let o = self.target_offset(i);
                    Some(&t[o..o + self.dims[i]])
                }
                _ => None,
            };
            let out = &mut self.cur[i];
            let result = match (&mut self.slots[i], mode, teacher) {
                (Slot::Offline(_), Mode::Fit, Some(t)) => {
                    features[i].extend_from_slice(&x);
                    out.copy_from_slice(t);
                    Ok(())
                }
                (Slot::Offline(_) | Slot::Online(_), Mode::Teacher, Some(t)) => {
                    out.copy_from_slice(t);
                    Ok(())
                }
                (Slot::Online(node), Mode::PartialFit, Some(t)) => node.train_step(&x, t, out),
                (slot, _, _) => match slot.node_mut() {
                    Some(node) => node.step(&x, out),
                    None => unreachable!("inputs are skipped above"),
                },
            };
            self.xbuf[i] = x;
            result.map_err(|e| self.in_node(i, e))?;
        }
        for i in 0..self.slots.len() {
            if self.max_delay[i] > 0 {
                let y = std::mem::take(&mut self.cur[i]);
                self.push_history(i, &y);
                self.cur[i] = y;
            }
        }
        Ok(())
    }

    /// Names the node an error came from.
    fn in_node(&self, i: usize, e: Error) -> Error {
        match e {
            e @ Error::InNode { .. } => e,
            e => Error::InNode {
                node: self.names[i].clone(),
                source: Box::new(e),
            },
        }
    }

    /// Runs whole series node by node in `order` (no cycle among the edges it follows).
    /// Returns every node's output series.
    fn pass_series(
        &mut self,
        order: &[usize],
        u: MatRef<'_, f64>,
        target: Option<MatRef<'_, f64>>,
        mode: Mode,
        warmup: usize,
    ) -> Result<Vec<Mat<f64>>> {
        let t_len = u.nrows();
        let n = self.slots.len();
        let mut out: Vec<Mat<f64>> = (0..n).map(|_| Mat::zeros(0, 0)).collect();
        let mut off = 0;
        for &i in &self.inputs {
            let d = self.dims[i];
            out[i] = u.subcols(off, d).to_owned();
            off += d;
        }
        if mode == Mode::Fit {
            // teacher forcing: offline readouts emit their targets, known in advance
            let tgt = target.expect("targets when fitting");
            for &i in &self.trained {
                if matches!(self.slots[i], Slot::Offline(_)) {
                    let o = self.target_offset(i);
                    out[i] = tgt.subcols(o, self.dims[i]).to_owned();
                }
            }
        }
        for &i in order {
            if matches!(self.slots[i], Slot::Input) {
                continue;
            }
            let in_dim = self.xbuf[i].len();
            let mut x = Mat::zeros(t_len, in_dim);
            let mut at = 0;
            for e in &self.incoming[i] {
                let (a, k, d) = (e.from.0, e.delay, self.dims[e.from.0]);
                for t in 0..t_len {
                    if t >= k {
                        for j in 0..d {
                            x[(t, at + j)] = out[a][(t - k, j)];
                        }
                    } else {
                        let past = self.delayed(a, k - t);
                        for j in 0..d {
                            x[(t, at + j)] = past[j];
                        }
                    }
                }
                at += d;
            }
            let y = match (&mut self.slots[i], mode) {
                (Slot::Offline(node), Mode::Fit) => {
                    let y = std::mem::replace(&mut out[i], Mat::zeros(0, 0));
                    let r = node.accumulate(x.as_ref(), y.as_ref(), warmup);
                    r.map_err(|e| self.in_node(i, e))?;
                    y
                }
                (slot, _) => {
                    let node = slot.node_mut().expect("inputs are skipped above");
                    let y = node.run(x.as_ref());
                    y.map_err(|e| self.in_node(i, e))?
                }
            };
            out[i] = y;
        }
        // the delayed edges and current outputs continue from the end of the series
        for i in 0..n {
            let d = self.max_delay[i];
            let first = t_len.saturating_sub(d);
            for t in first..t_len {
                let row: Vec<f64> = out[i].row(t).iter().copied().collect();
                self.push_history(i, &row);
            }
            if t_len > 0 {
                let last: Vec<f64> = out[i].row(t_len - 1).iter().copied().collect();
                self.cur[i].copy_from_slice(&last);
            }
        }
        Ok(out)
    }

    /// Steps over whole series; returns every node's output series.
    fn pass_steps(
        &mut self,
        u: MatRef<'_, f64>,
        target: Option<MatRef<'_, f64>>,
        mode: Mode,
        warmup: usize,
    ) -> Result<Vec<Mat<f64>>> {
        let t_len = u.nrows();
        let n = self.slots.len();
        let mut out: Vec<Mat<f64>> = (0..n).map(|i| Mat::zeros(t_len, self.dims[i])).collect();
        let mut features: Vec<Vec<f64>> = vec![Vec::new(); n];
        let mut ur = vec![0.0; u.ncols()];
        let mut tr = vec![0.0; target.map_or(0, |t| t.ncols())];
        for t in 0..t_len {
            ur.iter_mut().enumerate().for_each(|(j, v)| *v = u[(t, j)]);
            if let Some(tg) = target {
                tr.iter_mut().enumerate().for_each(|(j, v)| *v = tg[(t, j)]);
            }
            self.step_once(&ur, target.map(|_| &tr[..]), mode, &mut features)?;
            for (i, o) in out.iter_mut().enumerate() {
                for (j, v) in self.cur[i].iter().enumerate() {
                    o[(t, j)] = *v;
                }
            }
        }
        if mode == Mode::Fit {
            for k in 0..self.trained.len() {
                let i = self.trained[k];
                let f = self.xbuf[i].len();
                let o = self.target_offset(i);
                let tg = target.expect("targets when fitting");
                let y = tg.subcols(o, self.dims[i]);
                let Slot::Offline(node) = &mut self.slots[i] else {
                    continue;
                };
                let x = Mat::from_fn(t_len, f, |t, j| features[i][t * f + j]);
                let r = node.accumulate(x.as_ref(), y, warmup);
                r.map_err(|e| self.in_node(i, e))?;
            }
        }
        Ok(out)
    }

    fn collect_outputs(&self, all: Vec<Mat<f64>>) -> Outputs {
        let mut all: Vec<Option<Mat<f64>>> = all.into_iter().map(Some).collect();
        Outputs {
            series: self
                .outputs
                .iter()
                .map(|&i| {
                    (
                        self.names[i].clone(),
                        all[i].take().unwrap_or_else(|| Mat::zeros(0, 0)),
                    )
                })
                .collect(),
        }
    }

    /// Closed-loop generation for a model whose trained readouts feed back and which has no
    /// input nodes: for each row of `warm` (the teacher: columns of a target series) the
    /// readouts emit the teacher while the rest of the model steps; then the model runs free
    /// for `n` steps and those outputs are returned.
    pub fn generate(&mut self, n: usize, warm: impl AsSeries) -> Result<Outputs> {
        if !self.inputs.is_empty() {
            return Err(Error::Unsupported {
                operation: "generate",
                reason: "the model has input nodes (generation needs readouts that feed back \
                         instead)"
                    .into(),
            });
        }
        let warm = warm.as_series();
        check_series("warm-up teacher series", warm, Some(self.target_dim()))?;
        self.check_ready()?;
        let none = Mat::<f64>::zeros(warm.nrows(), 0);
        self.pass_steps(none.as_ref(), Some(warm), Mode::Teacher, 0)?;
        let free = Mat::<f64>::zeros(n, 0);
        let all = self.pass_steps(free.as_ref(), None, Mode::Run, 0)?;
        Ok(self.collect_outputs(all))
    }
}

impl Run for Model {
    type Output = Outputs;

    /// Runs the model over an input series (columns: the input nodes' features) from the
    /// current state; returns the output nodes' series.
    fn run(&mut self, x: impl AsSeries) -> Result<Outputs> {
        let x = x.as_series();
        check_input(x, self.input_dim())?;
        self.check_ready()?;
        let all = match self.full_order.clone() {
            Some(order) => self.pass_series(&order, x, None, Mode::Run, 0)?,
            None => self.pass_steps(x, None, Mode::Run, 0)?,
        };
        Ok(self.collect_outputs(all))
    }

    /// Runs several series, each from the current state, which is left unchanged; returns
    /// their outputs in order.
    fn run_many<S: AsSeries + Sync>(&mut self, inputs: &[S]) -> Result<Vec<Outputs>> {
        let start = self.snapshot();
        let mut all = Vec::with_capacity(inputs.len());
        for x in inputs {
            self.restore(&start)?;
            match self.run(x.as_series()) {
                Ok(o) => all.push(o),
                Err(e) => {
                    self.restore(&start)?;
                    return Err(e);
                }
            }
        }
        self.restore(&start)?;
        Ok(all)
    }
}

impl Fit for Model {
    /// Fits every ridge readout on paired input and target series (see the
    /// [module documentation](self) for teacher forcing and state).
    fn fit<'y, S: AsSeries + Sync>(
        &mut self,
        inputs: &[S],
        targets: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<()> {
        let targets = targets.into();
        let xs = views(inputs);
        let ys = targets.series("a model graph")?.to_vec();
        check_pairs(&xs, &ys, None, Some(self.target_dim()))?;
        if !self.slots.iter().any(|s| matches!(s, Slot::Offline(_))) {
            return Err(Error::Unsupported {
                operation: "fit",
                reason: "the model has no offline readout (online readouts learn with \
                         partial_fit)"
                    .into(),
            });
        }
        for (k, (x, y)) in xs.iter().zip(&ys).enumerate() {
            check_input(*x, self.input_dim())?;
            if x.nrows() != y.nrows() {
                return Err(Error::shape(
                    format!("target series {k}"),
                    format!("{} rows", x.nrows()),
                    format!("{} rows", y.nrows()),
                ));
            }
            if warmup >= x.nrows() {
                return Err(Error::WarmupTooLong {
                    warmup,
                    len: x.nrows(),
                    series: k,
                });
            }
        }
        let start = self.snapshot();
        let order = self.fit_order.clone();
        for (k, (x, y)) in xs.iter().zip(&ys).enumerate() {
            if k > 0 {
                self.restore(&start)?;
            }
            match &order {
                Some(order) => self.pass_series(order, *x, Some(*y), Mode::Fit, warmup)?,
                None => self.pass_steps(*x, Some(*y), Mode::Fit, warmup)?,
            };
        }
        for i in 0..self.slots.len() {
            if let Slot::Offline(node) = &mut self.slots[i] {
                node.solve().map_err(|e| self.in_node(i, e))?;
            }
        }
        Ok(())
    }
}

impl PartialFit for Model {
    type Output = Outputs;

    /// Steps the model over a series pair and updates every online readout at each step;
    /// returns the outputs produced while learning.
    fn partial_fit(&mut self, x: impl AsSeries, y: impl AsSeries) -> Result<Outputs> {
        let (x, y) = (x.as_series(), y.as_series());
        check_input(x, self.input_dim())?;
        check_series("target series", y, Some(self.target_dim()))?;
        if x.nrows() != y.nrows() {
            return Err(Error::shape(
                "target series",
                format!("{} rows", x.nrows()),
                format!("{} rows", y.nrows()),
            ));
        }
        if let Some(&i) = self
            .trained
            .iter()
            .find(|&&i| matches!(&self.slots[i], Slot::Offline(n) if !n.is_fitted()))
        {
            return Err(Error::Unsupported {
                operation: "partial_fit",
                reason: format!(
                    "readout `{}` learns with fit, not partial_fit (which trains the online \
                     readouts)",
                    self.names[i]
                ),
            });
        }
        let all = self.pass_steps(x, Some(y), Mode::PartialFit, 0)?;
        Ok(self.collect_outputs(all))
    }
}

impl Step for Model {
    /// One step: `x` holds the input nodes' features, `out` receives the output nodes'
    /// values side by side, in the order of [`Model::output_names`].
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        let width: usize = self.outputs.iter().map(|&i| self.dims[i]).sum();
        if x.len() != self.input_dim() || out.len() != width {
            return Err(Error::shape(
                "model step",
                format!("{} inputs -> {width} outputs", self.input_dim()),
                format!("{} inputs -> {} outputs", x.len(), out.len()),
            ));
        }
        crate::series::check_finite_slice("model input row", x)?;
        self.check_ready()?;
        self.step_once(x, None, Mode::Run, &mut [])?;
        let mut at = 0;
        for &i in &self.outputs {
            out[at..at + self.dims[i]].copy_from_slice(&self.cur[i]);
            at += self.dims[i];
        }
        Ok(())
    }
}

/// Everything in a [`Model`] that evolves in time: every node's state and every delayed
/// edge's values.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelState(Snapshot);

impl Stateful for Model {
    type State = ModelState;
    /// Back to the initial state: every node reset, every delayed edge zero.
    fn reset(&mut self) {
        self.reset_all()
    }
    fn state(&self) -> ModelState {
        ModelState(self.snapshot())
    }
    fn set_state(&mut self, state: &ModelState) -> Result<()> {
        let s = &state.0;
        let same = s.states.len() == self.slots.len()
            && s.hist
                .iter()
                .zip(&self.hist)
                .all(|(a, b)| a.len() == b.len())
            && s.cur.iter().zip(&self.cur).all(|(a, b)| a.len() == b.len());
        if !same {
            return Err(Error::shape(
                "model state",
                "the state of a model with this graph",
                "the state of another model",
            ));
        }
        let start = self.snapshot();
        self.restore(s).inspect_err(|_| {
            // a node refused its state: leave the model as it was
            let _ = self.restore(&start);
        })
    }
}

fn check_input(x: MatRef<'_, f64>, dim: usize) -> Result<()> {
    if x.ncols() != dim {
        return Err(Error::shape(
            "model input series",
            format!("{dim} columns"),
            format!("{} columns", x.ncols()),
        ));
    }
    crate::series::check_finite("model input series", x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::Reservoir;

    #[test]
    fn whole_series_and_stepping_agree() {
        // u -> r1 -> r2, u -(2)-> r2, r1 -(1)-> readout, r2 -> readout: acyclic with delays
        let build = || {
            let mut b = Model::builder();
            let u = b.input("u", 1);
            let r1 = Reservoir::builder().units(30).seed(1).build(1).unwrap();
            let r2 = Reservoir::builder().units(20).seed(2).build(31).unwrap();
            let (r1, r2) = (b.node("r1", r1), b.node("r2", r2));
            let out = b.ridge("readout", RidgeParams::default(), 1);
            b.connect(u, r1)
                .connect(r1, r2)
                .connect_delayed(u, r2, 2)
                .connect_delayed(r1, out, 1)
                .connect(r2, out);
            b.build().unwrap()
        };
        let x = Mat::from_fn(300, 1, |t, _| (t as f64 * 0.2).sin());
        let y = Mat::from_fn(300, 1, |t, _| (t as f64 * 0.2 + 0.2).sin());
        let mut a = build();
        let mut b = build();
        let order = a.fit_order.clone().expect("acyclic");
        a.pass_series(&order, x.as_ref(), Some(y.as_ref()), Mode::Fit, 10)
            .unwrap();
        b.pass_steps(x.as_ref(), Some(y.as_ref()), Mode::Fit, 10)
            .unwrap();
        for m in [&mut a, &mut b] {
            if let Slot::Offline(node) = &mut m.slots[3] {
                node.solve().unwrap();
            }
        }
        assert_eq!(a.weights("readout").unwrap(), b.weights("readout").unwrap());
        assert_eq!(a.hist, b.hist);
        assert_eq!(a.cur, b.cur);
        let order = a.full_order.clone().expect("acyclic");
        let sa = a
            .pass_series(&order, x.as_ref(), None, Mode::Run, 0)
            .unwrap();
        let sb = b.pass_steps(x.as_ref(), None, Mode::Run, 0).unwrap();
        // reservoir states: the same bits; the readout: a matrix product against dot products
        assert_eq!(sa[1..3], sb[1..3]);
        let diff = (&sa[3] - &sb[3]).norm_max();
        assert!(
            diff <= 1e-12 * sb[3].norm_max(),
            "readout differs by {diff}"
        );
    }
}
