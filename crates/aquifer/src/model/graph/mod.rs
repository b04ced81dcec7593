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

mod builder;
pub(crate) mod edge;
mod file;
mod run;
mod schedule;

pub use builder::ModelBuilder;
pub use edge::{Edge, NodeId};
pub use run::{Model, ModelState, Outputs};
