//! Hyperparameter search: spaces, samplers (random and TPE), studies run in parallel and
//! recorded line by line, resumable, and the ridge solved in closed form over a grid.
//!
//! A [`Study`] draws each trial's hyperparameters from a [`StudySpec`]'s spaces with its
//! [`Sampler`] and calls an objective (any closure: an ESN, a graph, a gated or liquid model)
//! once per instance, each with its own seed. The trials of a batch are drawn from the trials
//! of the batches before it, so the samples depend on the seed and the batch size only, never
//! on threads, interruptions or resumptions. A failing trial is recorded with its error and the
//! study goes on.

mod records;
mod ridge_grid;
mod space;
mod spec;
mod study;
mod tpe;

pub use records::{read as read_records, Records, Trial};
pub use ridge_grid::{log_grid, RidgeGrid};
pub use space::{Params, Space, Value};
pub use spec::{Direction, Sampler, StudySpec};
pub use study::{Evaluation, Instance, OnTrial, Study};
pub use tpe::TpeParams;
