//! Matrix initialisers: random dense and sparse matrices, input matrices and biases, spectral
//! radius and its rescaling, fast spectral initialisation, and structured topologies.
//!
//! Every generator takes an explicit `seed` and returns the same matrix for the same seed. Sparse
//! matrices are CSR with `u32` indices ([`Csr`]), the layout of Aquifer's reservoir kernel.
//!
//! ```
//! use aquifer::init::{self, Values};
//! let mut w = init::random_sparse(200, 200, Values::uniform(-1.0, 1.0), 0.1, 42)?;
//! init::scale_spectral_radius(&mut w, 0.9)?;
//! assert!((init::spectral_radius(&w)? - 0.9).abs() < 1e-9);
//! # Ok::<(), aquifer::Error>(())
//! ```

mod input;
mod krylov;
pub mod networks;
mod random;
mod spectral;
mod topology;

pub use input::{bias, input_matrix, InputScaling};
pub use random::{random_dense, random_sparse, Values};
pub use spectral::{
    fast_spectral_init, scale_spectral_radius, spectral_radius, spectral_radius_dense,
    spectral_radius_sparse,
};
pub use topology::{line, orthogonal, ring};

pub(crate) use crate::csr::csr_from_sorted;
pub use crate::csr::{csr_from_dense, csr_from_parts, Csr};
