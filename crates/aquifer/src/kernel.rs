//! The hot loops of the reservoir: a CSR matrix-vector product fused with the leaky update, for
//! one series and for a block of series propagated together.
//!
//! These are written by hand because they are the reason Aquifer exists: the per-step cost of a
//! reservoir is the gather over the nonzeros of `W`, and no sparse library fuses it with the
//! activation and leak, or propagates a block of series so that each nonzero is loaded once for
//! all of them. Both kernels accumulate a row in the same order (four interleaved partial sums,
//! combined as `(a0 + a1) + (a2 + a3)`), so a series gives bit-identical states whether it is run
//! alone or inside a block.

use crate::activation::Activation;
use crate::init::Csr;
use rayon::prelude::*;

/// Below this many nonzeros a step is too short to split across threads.
const PARALLEL_NNZ: usize = 200_000;
/// Rows per parallel task when a step is split across threads.
const PARALLEL_ROWS: usize = 128;
/// Number of series propagated together by [`block_step`].
pub(crate) const BLOCK: usize = 8;

/// Leak rate: one for all units, or one per unit.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Leak<'a> {
    Scalar(f64),
    PerUnit(&'a [f64]),
}

impl Leak<'_> {
    #[inline(always)]
    fn at(&self, i: usize) -> f64 {
        match self {
            Leak::Scalar(lr) => *lr,
            Leak::PerUnit(v) => v[i],
        }
    }
}

/// Borrowed CSR arrays; constructing it checks the invariants the unchecked loads rely on.
#[derive(Clone, Copy)]
pub(crate) struct CsrView<'a> {
    row_ptr: &'a [u32],
    col_idx: &'a [u32],
    val: &'a [f64],
    ncols: usize,
}

impl<'a> CsrView<'a> {
    pub(crate) fn new(w: &'a Csr) -> Self {
        let sym = w.symbolic();
        let row_ptr = sym.row_ptr();
        let col_idx = sym.col_idx();
        // faer's constructors check sorted, in-range indices and monotone row pointers; these
        // asserts only document (and cheaply recheck) what the unchecked loads below rely on.
        assert!(sym.row_nnz().is_none(), "CSR matrices must be compact");
        assert_eq!(row_ptr.len(), w.nrows() + 1);
        assert_eq!(row_ptr[w.nrows()] as usize, col_idx.len());
        assert!(col_idx.iter().all(|&c| (c as usize) < w.ncols()));
        CsrView {
            row_ptr,
            col_idx,
            val: w.val(),
            ncols: w.ncols(),
        }
    }

    fn nrows(&self) -> usize {
        self.row_ptr.len() - 1
    }

    fn nnz(&self) -> usize {
        self.val.len()
    }

    /// `sum_k W[i, k] x[k]` with four interleaved accumulators.
    #[inline(always)]
    fn row_dot(&self, i: usize, x: &[f64]) -> f64 {
        debug_assert!(x.len() >= self.ncols);
        let (s, e) = (self.row_ptr[i] as usize, self.row_ptr[i + 1] as usize);
        let cols = &self.col_idx[s..e];
        let vals = &self.val[s..e];
        let mut a = [0.0f64; 4];
        let mut cc = cols.chunks_exact(4);
        let mut vc = vals.chunks_exact(4);
        for (c, v) in (&mut cc).zip(&mut vc) {
            // SAFETY: every column index is < ncols <= x.len() (checked in `new` and by callers).
            unsafe {
                a[0] += v[0] * *x.get_unchecked(c[0] as usize);
                a[1] += v[1] * *x.get_unchecked(c[1] as usize);
                a[2] += v[2] * *x.get_unchecked(c[2] as usize);
                a[3] += v[3] * *x.get_unchecked(c[3] as usize);
            }
        }
        for (j, (c, v)) in cc.remainder().iter().zip(vc.remainder()).enumerate() {
            // SAFETY: as above.
            a[j] += v * unsafe { *x.get_unchecked(*c as usize) };
        }
        (a[0] + a[1]) + (a[2] + a[3])
    }

    /// The same sum for [`BLOCK`] series at once: `x` is `ncols x BLOCK` row-major.
    #[inline(always)]
    fn row_dot_block(&self, i: usize, x: &[f64], out: &mut [f64; BLOCK]) {
        debug_assert!(x.len() >= self.ncols * BLOCK);
        let (s, e) = (self.row_ptr[i] as usize, self.row_ptr[i + 1] as usize);
        let cols = &self.col_idx[s..e];
        let vals = &self.val[s..e];
        let mut a = [[0.0f64; BLOCK]; 4];
        let mut cc = cols.chunks_exact(4);
        let mut vc = vals.chunks_exact(4);
        let row = |c: u32| -> &[f64; BLOCK] {
            let o = c as usize * BLOCK;
            // SAFETY: c < ncols, so o + BLOCK <= ncols * BLOCK <= x.len().
            unsafe { &*(x.as_ptr().add(o) as *const [f64; BLOCK]) }
        };
        for (c, v) in (&mut cc).zip(&mut vc) {
            for j in 0..4 {
                let xr = row(c[j]);
                for s in 0..BLOCK {
                    a[j][s] += v[j] * xr[s];
                }
            }
        }
        for (j, (c, v)) in cc.remainder().iter().zip(vc.remainder()).enumerate() {
            let xr = row(*c);
            for s in 0..BLOCK {
                a[j][s] += v * xr[s];
            }
        }
        for s in 0..BLOCK {
            out[s] = (a[0][s] + a[1][s]) + (a[2][s] + a[3][s]);
        }
    }
}

/// Leaky update of a range of units after the activation has been applied to `out`:
/// `out[i] = (1 - lr_i) prev[i] + lr_i (out[i] + noise[i])`.
#[inline(always)]
fn leaky(out: &mut [f64], prev: &[f64], leak: Leak<'_>, offset: usize, noise: Option<&[f64]>) {
    match (leak, noise) {
        (Leak::Scalar(lr), None) => {
            let keep = 1.0 - lr;
            for (o, p) in out.iter_mut().zip(prev) {
                *o = keep * p + lr * *o;
            }
        }
        _ => {
            for (k, (o, p)) in out.iter_mut().zip(prev).enumerate() {
                let lr = leak.at(offset + k);
                let f = match noise {
                    Some(n) => *o + n[k],
                    None => *o,
                };
                *o = (1.0 - lr) * p + lr * f;
            }
        }
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn step_rows(
    w: CsrView<'_>,
    prev: &[f64],
    drive: &[f64],
    out: &mut [f64],
    first_row: usize,
    leak: Leak<'_>,
    act: Activation,
    noise: Option<&[f64]>,
) {
    for (k, o) in out.iter_mut().enumerate() {
        let i = first_row + k;
        *o = w.row_dot(i, prev) + drive[i];
    }
    act.apply_in_place(out);
    let n = out.len();
    leaky(out, &prev[first_row..first_row + n], leak, first_row, noise);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
fn step_rows_avx2(
    w: CsrView<'_>,
    prev: &[f64],
    drive: &[f64],
    out: &mut [f64],
    first_row: usize,
    leak: Leak<'_>,
    act: Activation,
    noise: Option<&[f64]>,
) {
    step_rows(w, prev, drive, out, first_row, leak, act, noise)
}

#[allow(clippy::too_many_arguments)]
fn step_rows_dispatch(
    w: CsrView<'_>,
    prev: &[f64],
    drive: &[f64],
    out: &mut [f64],
    first_row: usize,
    leak: Leak<'_>,
    act: Activation,
    noise: Option<&[f64]>,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { step_rows_avx2(w, prev, drive, out, first_row, leak, act, noise) };
        return;
    }
    step_rows(w, prev, drive, out, first_row, leak, act, noise)
}

/// One reservoir step for one series:
/// `out = (1 - lr) prev + lr (f(W prev + drive) + noise)`, where `drive = Win u + b`.
///
/// Large matrices are split by rows across the rayon pool; the result does not depend on it.
pub(crate) fn step(
    w: CsrView<'_>,
    prev: &[f64],
    drive: &[f64],
    out: &mut [f64],
    leak: Leak<'_>,
    act: Activation,
    noise: Option<&[f64]>,
) {
    let n = w.nrows();
    assert!(prev.len() == w.ncols && w.ncols == n && drive.len() == n && out.len() == n);
    if let Some(z) = noise {
        assert_eq!(z.len(), n);
    }
    if w.nnz() >= PARALLEL_NNZ && rayon::current_num_threads() > 1 {
        out.par_chunks_mut(PARALLEL_ROWS)
            .enumerate()
            .for_each(|(c, chunk)| {
                let first = c * PARALLEL_ROWS;
                let noise = noise.map(|z| &z[first..first + chunk.len()]);
                step_rows_dispatch(w, prev, drive, chunk, first, leak, act, noise)
            });
    } else {
        step_rows_dispatch(w, prev, drive, out, 0, leak, act, noise)
    }
}

#[inline(always)]
fn block_step_impl(
    w: CsrView<'_>,
    prev: &[f64],
    drive: &[f64],
    out: &mut [f64],
    leak: Leak<'_>,
    act: Activation,
) {
    let n = w.nrows();
    let mut acc = [0.0; BLOCK];
    for i in 0..n {
        w.row_dot_block(i, prev, &mut acc);
        let o = &mut out[i * BLOCK..(i + 1) * BLOCK];
        let d = &drive[i * BLOCK..(i + 1) * BLOCK];
        for s in 0..BLOCK {
            o[s] = acc[s] + d[s];
        }
    }
    act.apply_in_place(out);
    for i in 0..n {
        let lr = leak.at(i);
        let keep = 1.0 - lr;
        let o = &mut out[i * BLOCK..(i + 1) * BLOCK];
        let p = &prev[i * BLOCK..(i + 1) * BLOCK];
        for s in 0..BLOCK {
            o[s] = keep * p[s] + lr * o[s];
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn block_step_avx2(
    w: CsrView<'_>,
    prev: &[f64],
    drive: &[f64],
    out: &mut [f64],
    leak: Leak<'_>,
    act: Activation,
) {
    block_step_impl(w, prev, drive, out, leak, act)
}

/// One step for [`BLOCK`] series at once; `prev`, `drive` and `out` are `n x BLOCK` row-major
/// (unit-major, series contiguous). Per series, bit-identical to [`step`] without noise.
pub(crate) fn block_step(
    w: CsrView<'_>,
    prev: &[f64],
    drive: &[f64],
    out: &mut [f64],
    leak: Leak<'_>,
    act: Activation,
) {
    let n = w.nrows();
    assert!(w.ncols == n && prev.len() == n * BLOCK && drive.len() == n * BLOCK);
    assert_eq!(out.len(), n * BLOCK);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { block_step_avx2(w, prev, drive, out, leak, act) };
        return;
    }
    block_step_impl(w, prev, drive, out, leak, act)
}
