//! Node handles and edges of a model graph.

/// A node of a [`ModelBuilder`], returned when it is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeId(pub(crate) usize);

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
