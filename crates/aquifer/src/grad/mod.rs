//! What every model trained by gradient descent shares (the gated reservoir, the liquid's
//! surrogate-gradient training and the gradient readouts): the Adam optimiser and
//! gradient-norm clipping ([`adam`]), the MSE and softmax cross-entropy losses with their
//! gradients ([`loss`]), the epoch loop with its seeded mini-batches, validation split and
//! early stopping ([`schedule`]), and the linear or MLP layers that read features
//! ([`head`]).
//!
//! Parameters are flat `f64` slices (one per tensor); a model hands its tensors and their
//! gradients to [`Adam::step`] in a fixed order.
//!
//! ```
//! use aquifer::grad::{Adam, AdamParams};
//! // minimise (w - 3)^2
//! let mut w = vec![0.0_f64];
//! let mut adam = Adam::new(AdamParams { learning_rate: 0.1, ..Default::default() }, &[1])?;
//! for _ in 0..500 {
//!     let grad = vec![2.0 * (w[0] - 3.0)];
//!     adam.step(&mut [&mut w[..]], &[&grad[..]])?;
//! }
//! assert!((w[0] - 3.0).abs() < 1e-3);
//! # Ok::<(), aquifer::Error>(())
//! ```

pub mod adam;
pub mod head;
pub mod loss;
pub mod schedule;

pub(crate) use crate::classify::argmax;
pub use adam::{clip_grad_norm, Adam, AdamParams};
pub use head::{Affine, Head, Layers, Pass};
pub use loss::{mse, softmax_cross_entropy};
pub use schedule::{batches, validation_split, EarlyStopping, Schedule, Scheduled, TrainingReport};

use faer::Mat;

/// A matrix's values, row-major (the layout [`Adam`] sees).
pub(crate) fn flatten(m: &Mat<f64>) -> Vec<f64> {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)]))
        .collect()
}

/// Writes row-major values back into a matrix of the same shape.
pub(crate) fn unflatten(v: &[f64], m: &mut Mat<f64>) {
    let c = m.ncols();
    for i in 0..m.nrows() {
        for j in 0..c {
            m[(i, j)] = v[i * c + j];
        }
    }
}
