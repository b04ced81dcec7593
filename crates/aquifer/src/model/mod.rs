//! Models: nodes wired together and driven through time.

pub mod esn;

pub use esn::{Esn, EsnBuilder};
