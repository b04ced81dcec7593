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

/// A sparse matrix in compressed sparse row form with `u32` indices.
pub type Csr = faer::sparse::SparseRowMat<u32, f64>;

/// Builds a [`Csr`] from a dense matrix, keeping its nonzero entries.
pub fn csr_from_dense(m: faer::MatRef<'_, f64>) -> crate::Result<Csr> {
    let mut entries = Vec::new();
    for i in 0..m.nrows() {
        for j in 0..m.ncols() {
            let v = m[(i, j)];
            if v != 0.0 {
                entries.push((i, j, v));
            }
        }
    }
    csr_from_sorted(m.nrows(), m.ncols(), &entries)
}

/// Builds a [`Csr`] from entries sorted by (row, column), without duplicates.
pub(crate) fn csr_from_sorted(
    rows: usize,
    cols: usize,
    entries: &[(usize, usize, f64)],
) -> crate::Result<Csr> {
    if rows > u32::MAX as usize || cols > u32::MAX as usize || entries.len() > u32::MAX as usize {
        return Err(crate::Error::invalid(
            "matrix size",
            format!("{rows} x {cols} with {} nonzeros", entries.len()),
            "indices must fit in u32",
        ));
    }
    let mut row_ptr = vec![0u32; rows + 1];
    for &(i, _, _) in entries {
        row_ptr[i + 1] += 1;
    }
    for i in 0..rows {
        row_ptr[i + 1] += row_ptr[i];
    }
    let col_idx = entries.iter().map(|&(_, j, _)| j as u32).collect();
    let val = entries.iter().map(|&(_, _, v)| v).collect();
    let symbolic =
        faer::sparse::SymbolicSparseRowMat::new_checked(rows, cols, row_ptr, None, col_idx);
    Ok(Csr::new(symbolic, val))
}

/// Builds a [`Csr`] from its arrays, checking them (monotone row pointers, sorted in-range
/// column indices) so that invalid input is an error rather than a panic.
pub fn csr_from_parts(
    rows: usize,
    cols: usize,
    row_ptr: Vec<u32>,
    col_idx: Vec<u32>,
    values: Vec<f64>,
) -> crate::Result<Csr> {
    let bad = |reason: String| crate::Error::Data {
        source_name: "CSR matrix".into(),
        reason,
    };
    if row_ptr.len() != rows + 1 || row_ptr[0] != 0 {
        return Err(bad(format!(
            "row pointers: {} values starting at {:?}, expected {} starting at 0",
            row_ptr.len(),
            row_ptr.first(),
            rows + 1
        )));
    }
    if col_idx.len() != values.len() || row_ptr[rows] as usize != col_idx.len() {
        return Err(bad(format!(
            "{} column indices, {} values, last row pointer {}",
            col_idx.len(),
            values.len(),
            row_ptr[rows]
        )));
    }
    for i in 0..rows {
        let (s, e) = (row_ptr[i] as usize, row_ptr[i + 1] as usize);
        if s > e || e > col_idx.len() {
            return Err(bad(format!("row pointers decrease at row {i}")));
        }
        let row = &col_idx[s..e];
        if row.iter().any(|&c| c as usize >= cols) || row.windows(2).any(|w| w[0] >= w[1]) {
            return Err(bad(format!(
                "column indices of row {i} are out of range or not strictly increasing"
            )));
        }
    }
    let symbolic =
        faer::sparse::SymbolicSparseRowMat::new_checked(rows, cols, row_ptr, None, col_idx);
    Ok(Csr::new(symbolic, values))
}
