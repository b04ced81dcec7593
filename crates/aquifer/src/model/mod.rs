//! Models: nodes wired together and driven through time. [`Esn`] is the classic echo state
//! network; [`Model`] wires any nodes into a graph with delays and feedback.

pub mod classifier;
pub mod esn;
pub mod graph;
pub mod node;
pub mod ops;

pub use classifier::EsnClassifier;
pub use esn::{Esn, EsnBuilder};
pub use graph::{Edge, Model, ModelBuilder, ModelState, NodeId, Outputs};
pub use node::RidgeNode;
pub use ops::Edges;
