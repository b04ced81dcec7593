//! ReservoirPy's graph operators on node handles: `a >> b` (edge), `a >> k >> b` (edge delayed
//! by `k` steps), `[a, b] >> c` (fan-in), `a >> [b, c]` (fan-out), `a << b` (feedback from `b`
//! into `a`, delay 1) and `x & y` (both), collected into [`Edges`] and added with
//! [`ModelBuilder::add`](super::ModelBuilder::add).
//!
//! ```
//! use aquifer::model::Model;
//! use aquifer::prelude::*;
//! let mut b = Model::builder();
//! let u = b.input("u", 1);
//! let r = b.node("reservoir", Reservoir::builder().units(20).build(2)?);
//! let out = b.ridge("readout", RidgeParams::default(), 1);
//! b.add((u >> r >> out) & (r << out));
//! let model = b.build()?;
//! assert_eq!(model.output_names(), ["readout"]);
//! # Ok::<(), aquifer::Error>(())
//! ```

use super::graph::edge::{Edge, NodeId};
use std::ops::{BitAnd, Shl, Shr};

/// Edges built with the graph operators, waiting to be added to a builder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edges {
    pub(crate) edges: Vec<Edge>,
    /// The nodes the next `>>` starts from.
    heads: Vec<NodeId>,
    /// The delay of the next `>>`.
    delay: usize,
}

impl Edges {
    fn from_heads(heads: Vec<NodeId>) -> Self {
        Edges {
            edges: Vec::new(),
            heads,
            delay: 0,
        }
    }

    fn then(mut self, to: &[NodeId]) -> Self {
        for &t in to {
            for &h in &self.heads {
                self.edges.push(Edge {
                    from: h,
                    to: t,
                    delay: self.delay,
                });
            }
        }
        self.heads = to.to_vec();
        self.delay = 0;
        self
    }

    /// The edges, in the order they were written.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }
}

impl Shr<NodeId> for NodeId {
    type Output = Edges;
    fn shr(self, to: NodeId) -> Edges {
        Edges::from_heads(vec![self]).then(&[to])
    }
}

impl Shr<usize> for NodeId {
    type Output = Edges;
    fn shr(self, delay: usize) -> Edges {
        Edges {
            delay,
            ..Edges::from_heads(vec![self])
        }
    }
}

impl<const N: usize> Shr<[NodeId; N]> for NodeId {
    type Output = Edges;
    fn shr(self, to: [NodeId; N]) -> Edges {
        Edges::from_heads(vec![self]).then(&to)
    }
}

impl<const N: usize> Shr<NodeId> for [NodeId; N] {
    type Output = Edges;
    fn shr(self, to: NodeId) -> Edges {
        Edges::from_heads(self.to_vec()).then(&[to])
    }
}

impl Shr<NodeId> for Edges {
    type Output = Edges;
    fn shr(self, to: NodeId) -> Edges {
        self.then(&[to])
    }
}

impl<const N: usize> Shr<[NodeId; N]> for Edges {
    type Output = Edges;
    fn shr(self, to: [NodeId; N]) -> Edges {
        self.then(&to)
    }
}

impl Shr<usize> for Edges {
    type Output = Edges;
    fn shr(mut self, delay: usize) -> Edges {
        self.delay = delay;
        self
    }
}

/// `receiver << sender`: feedback, an edge from `sender` to `receiver` with a delay of 1.
impl Shl<NodeId> for NodeId {
    type Output = Edges;
    fn shl(self, sender: NodeId) -> Edges {
        let mut e = Edges::from_heads(vec![self]);
        e.edges.push(Edge {
            from: sender,
            to: self,
            delay: 1,
        });
        e
    }
}

impl BitAnd<Edges> for Edges {
    type Output = Edges;
    fn bitand(mut self, other: Edges) -> Edges {
        self.edges.extend(other.edges);
        self.heads.extend(other.heads);
        self.delay = 0;
        self
    }
}
