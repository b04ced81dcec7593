//! The sparse matrix type of every reservoir, liquid and gated cell: compressed sparse rows
//! with `u32` indices, and its checked constructors. It sits below [`init`](crate::init) (which
//! draws such matrices), the kernels (which multiply by them) and [`io`](crate::io) (which
//! stores them).

use crate::error::{Error, Result};

/// A sparse matrix in compressed sparse row form with `u32` indices.
pub type Csr = faer::sparse::SparseRowMat<u32, f64>;

/// Builds a [`Csr`] from a dense matrix, keeping its nonzero entries.
pub fn csr_from_dense(m: faer::MatRef<'_, f64>) -> Result<Csr> {
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
) -> Result<Csr> {
    if rows > u32::MAX as usize || cols > u32::MAX as usize || entries.len() > u32::MAX as usize {
        return Err(Error::invalid(
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
) -> Result<Csr> {
    let bad = |reason: String| Error::Data {
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
