//! The hot loops of the reservoir: a CSR matrix-vector product fused with the leaky update, for
//! one series and for a block of series propagated together; and the sparse products of the
//! gated cell (CSR times a batch) and of the liquid (spikes through `W_rec`).
//!
//! These are written by hand because they are the reason Aquifer exists: the per-step cost of a
//! reservoir is the gather over the nonzeros of `W`, and no sparse library fuses it with the
//! activation and leak, or propagates a block of series so that each nonzero is loaded once for
//! all of them. Both kernels accumulate a row in the same order (four interleaved partial sums,
//! combined as `(a0 + a1) + (a2 + a3)`), so a series gives bit-identical states whether it is run
//! alone or inside a block.

use crate::activation::Activation;
use crate::csr::Csr;
use crate::rng::ChaCha8Rng;
use crate::team;
use faer::{Mat, MatMut, MatRef};
use rand::RngExt;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Below this many nonzeros a step is too short to split across threads: waking the rayon pool
/// costs tens of microseconds per step (measured: at N = 500, c = 0.1 a split step is 3x slower;
/// at N = 1000 it is 1.15x faster).
const PARALLEL_NNZ: usize = 60_000;
/// Rows per parallel task when a step is split across threads.
const PARALLEL_ROWS: usize = 128;
/// Number of series propagated together by [`run_block`].
pub(crate) const BLOCK: usize = 8;
/// Steps of states gathered contiguously before they are written to the `T x N` (column-major)
/// output: writing one step straight into it would touch `N` cache lines `T` doubles apart.
const TILE: usize = 8;
/// From this many nonzeros, [`run_series`] may share each step with a helper thread (measured
/// on 2 cores: at N = 500, c = 0.1, 25,000 nonzeros, a shared step is no faster than a lone one;
/// at N = 1000, 100,000 nonzeros, 1.5x faster).
const TEAM_NNZ: usize = 32_000;
/// Below this many steps, starting the helper thread and measuring whether it helps costs more
/// than it saves.
const TEAM_MIN_STEPS: usize = 256;
/// Nonzeros per piece of a split step (between 2 and [`MAX_TEAM_PIECES`] pieces): more
/// pieces balance the two threads better when one is interrupted, and cost an atomic
/// operation each.
const PIECE_NNZ: usize = 12_000;
const MAX_TEAM_PIECES: usize = 8;
use faer::reborrow::ReborrowMut;

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

    /// The view without rescanning the column indices, for a matrix already checked by
    /// [`CsrView::new`] and not modified since (a reservoir's `W` is immutable once built).
    ///
    /// # Safety
    /// `CsrView::new(w)` must have succeeded on this same, unmodified matrix.
    pub(crate) unsafe fn trusted(w: &'a Csr) -> Self {
        let sym = w.symbolic();
        CsrView {
            row_ptr: sym.row_ptr(),
            col_idx: sym.col_idx(),
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
        // Constant indices only, so that the accumulators stay in registers.
        let (cr, vr) = (cc.remainder(), vc.remainder());
        // SAFETY (three loads): as above.
        if !cr.is_empty() {
            a[0] += vr[0] * unsafe { *x.get_unchecked(cr[0] as usize) };
        }
        if cr.len() > 1 {
            a[1] += vr[1] * unsafe { *x.get_unchecked(cr[1] as usize) };
        }
        if cr.len() > 2 {
            a[2] += vr[2] * unsafe { *x.get_unchecked(cr[2] as usize) };
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
        let [a0, a1, a2, a3] = &mut a;
        #[inline(always)]
        fn axpy(acc: &mut [f64; BLOCK], w: f64, xr: &[f64; BLOCK]) {
            for s in 0..BLOCK {
                acc[s] += w * xr[s];
            }
        }
        for (c, v) in (&mut cc).zip(&mut vc) {
            axpy(a0, v[0], row(c[0]));
            axpy(a1, v[1], row(c[1]));
            axpy(a2, v[2], row(c[2]));
            axpy(a3, v[3], row(c[3]));
        }
        // Constant indices only, so that the accumulators stay in registers.
        let (cr, vr) = (cc.remainder(), vc.remainder());
        if !cr.is_empty() {
            axpy(a0, vr[0], row(cr[0]));
        }
        if cr.len() > 1 {
            axpy(a1, vr[1], row(cr[1]));
        }
        if cr.len() > 2 {
            axpy(a2, vr[2], row(cr[2]));
        }
        for s in 0..BLOCK {
            out[s] = (a0[s] + a1[s]) + (a2[s] + a3[s]);
        }
    }
}

/// Runs `body` with a product `y = W x` that, for matrices of at least [`TEAM_NNZ`] nonzeros
/// and a [budget](crate::parallel) of two threads or more, is split by rows between the calling
/// thread and one helper thread (as [`run_series_team`] does for steps): an iterative solver
/// asks for hundreds of products of a few hundred microseconds, with short serial work between
/// them, and a rayon wake-up per product costs as much as it saves. Each row is summed as in
/// the reservoir step, so the product does not depend on the split.
pub(crate) fn with_product<R>(
    w: CsrView<'_>,
    body: impl FnOnce(&mut dyn FnMut(&[f64], &mut [f64])) -> R,
) -> R {
    if w.nnz() < TEAM_NNZ || crate::parallel::budget() < 2 {
        return body(&mut |x, y| {
            assert!(x.len() == w.ncols && y.len() == w.nrows());
            dot_rows_dispatch(w, x, y, 0)
        });
    }
    let bounds = pieces_of(w);
    let x_ptr = AtomicPtr::new(std::ptr::null_mut::<f64>());
    let y_ptr = AtomicPtr::new(std::ptr::null_mut::<f64>());
    let work = |_, p: usize| {
        let (first, end) = (bounds[p], bounds[p + 1]);
        // SAFETY: for each product the caller published `x` (read only) and `y` before
        // starting the round and touches neither until it ends; each piece writes its own
        // rows of `y`.
        unsafe {
            let x = std::slice::from_raw_parts(x_ptr.load(Ordering::Relaxed), w.ncols);
            let y = std::slice::from_raw_parts_mut(
                y_ptr.load(Ordering::Relaxed).add(first),
                end - first,
            );
            dot_rows_dispatch(w, x, y, first);
        }
    };
    team::with_team(bounds.len() - 1, work, |rounds| {
        body(&mut |x: &[f64], y: &mut [f64]| {
            assert!(x.len() == w.ncols && y.len() == w.nrows());
            x_ptr.store(x.as_ptr() as *mut f64, Ordering::Relaxed);
            y_ptr.store(y.as_mut_ptr(), Ordering::Relaxed);
            rounds.round();
        })
    })
}

/// The rows of `w` cut into pieces of about [`PIECE_NNZ`] nonzeros for a team: the first row
/// of each piece, then the number of rows.
fn pieces_of(w: CsrView<'_>) -> Vec<usize> {
    let pieces = (w.nnz() / PIECE_NNZ).clamp(2, MAX_TEAM_PIECES);
    team::cut(w.nrows(), pieces, |r| w.row_ptr[r] as u64)
}

#[inline(always)]
fn dot_rows(w: CsrView<'_>, x: &[f64], out: &mut [f64], first_row: usize) {
    assert!(first_row + out.len() <= w.nrows() && x.len() >= w.ncols);
    for (k, o) in out.iter_mut().enumerate() {
        *o = w.row_dot(first_row + k, x);
    }
}

dispatch!(
    fn dot_rows_dispatch(w: CsrView<'_>, x: &[f64], out: &mut [f64], first_row: usize)
        = dot_rows for ["avx2" if "avx2"]
);

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

dispatch!(
    fn step_rows_dispatch(
        w: CsrView<'_>,
        prev: &[f64],
        drive: &[f64],
        out: &mut [f64],
        first_row: usize,
        leak: Leak<'_>,
        act: Activation,
        noise: Option<&[f64]>,
    ) = step_rows for ["avx2" if "avx2"]
);

/// Everything that defines a reservoir's update, borrowed for a run.
#[derive(Clone, Copy)]
pub(crate) struct Dynamics<'a> {
    pub w: CsrView<'a>,
    /// `N x F`, column-major (each input's weights contiguous).
    pub win: MatRef<'a, f64>,
    pub bias: &'a [f64],
    pub leak: Leak<'a>,
    pub act: Activation,
}

impl Dynamics<'_> {
    fn units(&self) -> usize {
        self.w.nrows()
    }

    /// `out = Win u + b`, summing over inputs in order, then adding the bias: the one place the
    /// drive is computed, so that every path agrees bit for bit.
    #[inline(always)]
    pub(crate) fn drive_into(&self, u: impl Fn(usize) -> f64, out: &mut [f64]) {
        for j in 0..self.win.ncols() {
            let uj = u(j);
            let col = self.win.col(j);
            let col = col
                .try_as_col_major()
                .expect("Win is column-major")
                .as_slice();
            // the first input assigns (Win has at least one column), the others accumulate
            if j == 0 {
                for (o, w) in out.iter_mut().zip(col) {
                    *o = w * uj;
                }
            } else {
                for (o, w) in out.iter_mut().zip(col) {
                    *o += w * uj;
                }
            }
        }
        for (o, b) in out.iter_mut().zip(self.bias) {
            *o += b;
        }
    }

    /// One step: `out = (1 - lr) prev + lr (f(W prev + drive) + noise)`. Large matrices are
    /// split by rows across the rayon pool; the result does not depend on it.
    #[inline(always)]
    fn step(&self, prev: &[f64], drive: &[f64], out: &mut [f64], noise: Option<&[f64]>) {
        if self.w.nnz() >= PARALLEL_NNZ && crate::parallel::budget() > 1 {
            let d = *self;
            out.par_chunks_mut(PARALLEL_ROWS)
                .enumerate()
                .for_each(|(c, chunk)| {
                    let first = c * PARALLEL_ROWS;
                    let noise = noise.map(|z| &z[first..first + chunk.len()]);
                    step_rows_dispatch(d.w, prev, drive, chunk, first, d.leak, d.act, noise)
                });
        } else {
            step_rows(self.w, prev, drive, out, 0, self.leak, self.act, noise)
        }
    }
}

/// Fills `buf` with `gain`-scaled standard normal noise.
#[inline(always)]
pub(crate) fn fill_noise(buf: &mut [f64], gain: f64, rng: &mut ChaCha8Rng) {
    for v in buf.iter_mut() {
        let z: f64 = rng.sample(StandardNormal);
        *v = gain * z;
    }
}

/// One step from `state` with input `u`, written back into `state`. `scratch` holds `3 N`.
pub(crate) fn step(
    d: &Dynamics<'_>,
    u: &[f64],
    state: &mut [f64],
    scratch: &mut [f64],
    noise_rc: Option<(&mut ChaCha8Rng, f64)>,
) {
    let n = d.units();
    assert!(u.len() == d.win.ncols() && state.len() == n && scratch.len() >= 3 * n);
    let (drive, rest) = scratch.split_at_mut(n);
    let (next, z) = rest.split_at_mut(n);
    d.drive_into(|j| u[j], drive);
    let noise = noise_rc.map(|(rng, gain)| {
        fill_noise(&mut z[..n], gain, rng);
        &z[..n]
    });
    d.step(state, drive, next, noise);
    state.copy_from_slice(next);
}

/// Buffers step `slot` of series `s`: unit `i`'s value `values[i * width + s]` goes to
/// `tile[(s * n + i) * TILE + slot]`, so that each unit's run of steps is contiguous.
#[inline(always)]
fn buffer_step(tile: &mut [f64], values: &[f64], n: usize, width: usize, s: usize, slot: usize) {
    let base = &mut tile[s * n * TILE..(s + 1) * n * TILE];
    for i in 0..n {
        base[i * TILE + slot] = values[i * width + s];
    }
}

/// Writes the first `steps` buffered steps of series `s` to rows `t0..t0 + steps` of `out`,
/// one contiguous run per unit (column).
#[inline(always)]
fn flush_tile(tile: &[f64], n: usize, s: usize, t0: usize, steps: usize, mut out: MatMut<'_, f64>) {
    let base = &tile[s * n * TILE..(s + 1) * n * TILE];
    for i in 0..n {
        let src = &base[i * TILE..i * TILE + steps];
        let mut col = out.as_mut().col_mut(i).subrows_mut(t0, steps);
        // an element loop, not `copy_from_slice`: a memcpy call per 8 values costs more than
        // it copies
        match col.rb_mut().try_as_col_major_mut() {
            Some(dst) => dst
                .as_slice_mut()
                .iter_mut()
                .zip(src)
                .for_each(|(d, v)| *d = *v),
            None => src.iter().enumerate().for_each(|(k, v)| col[k] = *v),
        }
    }
}

#[inline(always)]
fn run_series_impl(
    d: &Dynamics<'_>,
    u: MatRef<'_, f64>,
    state: &mut [f64],
    mut out: MatMut<'_, f64>,
    mut noise_rc: Option<(&mut ChaCha8Rng, f64)>,
) {
    let n = d.units();
    let mut prev = state.to_vec();
    let mut next = vec![0.0; n];
    let mut drive = vec![0.0; n];
    let mut z = vec![0.0; if noise_rc.is_some() { n } else { 0 }];
    let mut tile = vec![0.0; TILE * n];
    for t in 0..u.nrows() {
        d.drive_into(|j| u[(t, j)], &mut drive);
        let noise = match &mut noise_rc {
            Some((rng, gain)) => {
                fill_noise(&mut z, *gain, rng);
                Some(z.as_slice())
            }
            None => None,
        };
        d.step(&prev, &drive, &mut next, noise);
        buffer_step(&mut tile, &next, n, 1, 0, t % TILE);
        if t % TILE == TILE - 1 || t + 1 == u.nrows() {
            flush_tile(&tile, n, 0, t - t % TILE, t % TILE + 1, out.as_mut());
        }
        std::mem::swap(&mut prev, &mut next);
    }
    state.copy_from_slice(&prev);
}

/// A pair of raw buffers shared by the two threads of [`run_series_team`].
struct Shared {
    bufs: [*mut f64; 2],
    drive: *const f64,
    noise: *const f64,
    n: usize,
}

// SAFETY: the threads touch disjoint rows of the buffer being written and only read the others;
// the round protocol of `team::with_team` (release/acquire on its state) orders every write
// before every read of the same element.
unsafe impl Sync for Shared {}

/// Like [`run_series_impl`], with each step cut into pieces of rows that this thread and one
/// helper take as they come (see [`team`]): a step of a mid-size reservoir lasts a few
/// microseconds, far less than a rayon wake-up. The states are the same, bit for bit (each row
/// is computed the same way, whoever computes it).
fn run_series_team(
    d: &Dynamics<'_>,
    u: MatRef<'_, f64>,
    state: &mut [f64],
    mut out: MatMut<'_, f64>,
    mut noise_rc: Option<(&mut ChaCha8Rng, f64)>,
) {
    let n = d.units();
    let t_len = u.nrows();
    let bounds = pieces_of(d.w);
    let mut buf0 = state.to_vec();
    let mut buf1 = vec![0.0; n];
    let mut drive = vec![0.0; n];
    let mut z = vec![0.0; n];
    let with_noise = noise_rc.is_some();
    let shared = Shared {
        bufs: [buf0.as_mut_ptr(), buf1.as_mut_ptr()],
        drive: drive.as_mut_ptr(),
        noise: z.as_mut_ptr(),
        n,
    };
    let mut tile = vec![0.0; TILE * n];
    let (dd, sh) = (*d, &shared);
    let work = |t: usize, p: usize| {
        let (first, len) = (bounds[p], bounds[p + 1] - bounds[p]);
        // SAFETY: during step t a piece only writes its rows of the next buffer and reads the
        // previous buffer, the drive and the noise, which the calling thread finished writing
        // before starting round t and leaves alone until it ends.
        unsafe {
            let prev = std::slice::from_raw_parts(sh.bufs[t % 2], sh.n);
            let next = std::slice::from_raw_parts_mut(sh.bufs[(t + 1) % 2].add(first), len);
            let drive = std::slice::from_raw_parts(sh.drive, sh.n);
            let noise = with_noise.then(|| std::slice::from_raw_parts(sh.noise.add(first), len));
            step_rows_dispatch(dd.w, prev, drive, next, first, dd.leak, dd.act, noise);
        }
    };
    team::with_team(bounds.len() - 1, work, |rounds| {
        for t in 0..t_len {
            // SAFETY: round t - 1 has ended, so no piece reads the drive or the noise buffer
            // while they are rewritten.
            unsafe {
                let drive = std::slice::from_raw_parts_mut(sh.drive as *mut f64, sh.n);
                d.drive_into(|j| u[(t, j)], drive);
                if let Some((rng, gain)) = &mut noise_rc {
                    fill_noise(
                        std::slice::from_raw_parts_mut(sh.noise as *mut f64, sh.n),
                        *gain,
                        rng,
                    );
                }
            }
            rounds.round();
            // SAFETY: every piece of step t is written; the next round has not started.
            let next = unsafe { std::slice::from_raw_parts(sh.bufs[(t + 1) % 2], sh.n) };
            buffer_step(&mut tile, next, n, 1, 0, t % TILE);
            if t % TILE == TILE - 1 || t + 1 == t_len {
                flush_tile(&tile, n, 0, t - t % TILE, t % TILE + 1, out.as_mut());
            }
        }
    });
    let last = if t_len % 2 == 0 { &buf0 } else { &buf1 };
    state.copy_from_slice(last);
}

dispatch!(
    fn run_series_dispatch(
        d: &Dynamics<'_>,
        u: MatRef<'_, f64>,
        state: &mut [f64],
        out: MatMut<'_, f64>,
        noise_rc: Option<(&mut ChaCha8Rng, f64)>,
    ) = run_series_impl for ["avx2" if "avx2"]
);

/// Runs one series `u` (`T x F`) from `state`, writing every state into `out` (`T x N`) and the
/// last one back into `state`. No allocation inside the time loop.
pub(crate) fn run_series(
    d: &Dynamics<'_>,
    u: MatRef<'_, f64>,
    state: &mut [f64],
    out: MatMut<'_, f64>,
    noise_rc: Option<(&mut ChaCha8Rng, f64)>,
) {
    let n = d.units();
    assert!(u.ncols() == d.win.ncols() && state.len() == n);
    assert!(out.nrows() == u.nrows() && out.ncols() == n);
    // Two threads per step pay off from a few thousand nonzeros, if the budget allows two (not
    // inside work already parallel, such as series run side by side).
    if d.w.nnz() >= TEAM_NNZ && u.nrows() >= TEAM_MIN_STEPS && crate::parallel::budget() >= 2 {
        run_series_team(d, u, state, out, noise_rc);
        return;
    }
    run_series_dispatch(d, u, state, out, noise_rc)
}

#[inline(always)]
fn block_step(d: &Dynamics<'_>, prev: &[f64], drive: &[f64], out: &mut [f64]) {
    let n = d.units();
    let mut acc = [0.0; BLOCK];
    for i in 0..n {
        d.w.row_dot_block(i, prev, &mut acc);
        let o = &mut out[i * BLOCK..(i + 1) * BLOCK];
        let dr = &drive[i * BLOCK..(i + 1) * BLOCK];
        for s in 0..BLOCK {
            o[s] = acc[s] + dr[s];
        }
    }
    d.act.apply_in_place(out);
    for i in 0..n {
        let lr = d.leak.at(i);
        let keep = 1.0 - lr;
        let o = &mut out[i * BLOCK..(i + 1) * BLOCK];
        let p = &prev[i * BLOCK..(i + 1) * BLOCK];
        for s in 0..BLOCK {
            o[s] = keep * p[s] + lr * o[s];
        }
    }
}

#[inline(always)]
fn run_block_impl(
    d: &Dynamics<'_>,
    us: &[MatRef<'_, f64>],
    start: &[f64],
    outs: &mut [MatMut<'_, f64>],
) {
    let n = d.units();
    let t_max = us.iter().map(|u| u.nrows()).max().unwrap_or(0);
    let mut prev = vec![0.0; n * BLOCK];
    for (k, v) in start.iter().enumerate() {
        prev[k * BLOCK..(k + 1) * BLOCK].fill(*v);
    }
    let mut next = vec![0.0; n * BLOCK];
    let mut drive = vec![0.0; n * BLOCK];
    let mut one = vec![0.0; n];
    let mut tile = vec![0.0; TILE * n * BLOCK];
    for t in 0..t_max {
        for (s, u) in us.iter().enumerate() {
            if t < u.nrows() {
                d.drive_into(|j| u[(t, j)], &mut one);
                for (k, v) in one.iter().enumerate() {
                    drive[k * BLOCK + s] = *v;
                }
            }
        }
        let slot = t % TILE;
        block_step(d, &prev, &drive, &mut next);
        for s in 0..outs.len() {
            buffer_step(&mut tile, &next, n, BLOCK, s, slot);
        }
        if slot == TILE - 1 || t + 1 == t_max {
            let t0 = t - slot;
            for (s, out) in outs.iter_mut().enumerate() {
                let steps = out.nrows().saturating_sub(t0).min(slot + 1);
                if steps > 0 {
                    flush_tile(&tile, n, s, t0, steps, out.as_mut());
                }
            }
        }
        std::mem::swap(&mut prev, &mut next);
    }
}

dispatch!(
    fn run_block_dispatch(
        d: &Dynamics<'_>,
        us: &[MatRef<'_, f64>],
        start: &[f64],
        outs: &mut [MatMut<'_, f64>],
    ) = run_block_impl for ["avx2" if "avx2"]
);

/// Runs up to [`BLOCK`] series together from the same `start` state, each nonzero of `W` loaded
/// once per step for all of them. Per series, bit-identical to [`run_series`] without noise.
pub(crate) fn run_block(
    d: &Dynamics<'_>,
    us: &[MatRef<'_, f64>],
    start: &[f64],
    outs: &mut [MatMut<'_, f64>],
) {
    let n = d.units();
    assert!(us.len() <= BLOCK && us.len() == outs.len() && start.len() == n);
    for (u, o) in us.iter().zip(outs.iter()) {
        assert!(u.ncols() == d.win.ncols() && o.nrows() == u.nrows() && o.ncols() == n);
    }
    run_block_dispatch(d, us, start, outs)
}

// Products of a CSR matrix with a batch stored by columns (the gated cell's forward and
// backward passes): each nonzero adds a contiguous column of `B` values.

/// `a += h W^T` for a batch `h` (`B x H`) and a CSR `W` (`H x H`): column `i` of `a` gains
/// `W[i, j]` times column `j` of `h` (contiguous columns of `B` values).
pub(crate) fn add_batch_product(a: &mut Mat<f64>, h: &Mat<f64>, w: &Csr) {
    let sym = w.symbolic();
    let (row_ptr, col, val) = (sym.row_ptr(), sym.col_idx(), w.val());
    for i in 0..w.nrows() {
        let ai = a.col_as_slice_mut(i);
        for k in row_ptr[i] as usize..row_ptr[i + 1] as usize {
            let (hj, v) = (h.col_as_slice(col[k] as usize), val[k]);
            ai.iter_mut().zip(hj).for_each(|(x, &y)| *x += v * y);
        }
    }
}

/// `d += da W` for a batch `da` (`B x H`) and a CSR `W` (`H x H`): column `j` of `d` gains
/// `W[i, j]` times column `i` of `da`.
pub(crate) fn add_batch_transpose_product(d: &mut Mat<f64>, da: &Mat<f64>, w: &Csr) {
    let sym = w.symbolic();
    let (row_ptr, col, val) = (sym.row_ptr(), sym.col_idx(), w.val());
    for i in 0..w.nrows() {
        let di = da.col_as_slice(i);
        for k in row_ptr[i] as usize..row_ptr[i + 1] as usize {
            let v = val[k];
            d.col_as_slice_mut(col[k] as usize)
                .iter_mut()
                .zip(di)
                .for_each(|(x, &y)| *x += v * y);
        }
    }
}

/// The input a set of spiking neurons sends: `rec[i] += W[i, j]` for every neuron `j` in
/// `active`, read from `W` stored by source (`fan_out`, row `j`: the synapses out of `j`), so
/// the cost is the synapses of the neurons that spiked.
pub(crate) fn add_spikes_by_source(fan_out: &Csr, active: &[u32], rec: &mut [f64]) {
    let sym = fan_out.symbolic();
    let (col, val) = (sym.col_idx(), fan_out.val());
    for &j in active {
        let range = sym.row_range(j as usize);
        for (&i, &w) in col[range.clone()].iter().zip(&val[range]) {
            rec[i as usize] += w;
        }
    }
}

/// `rec = W s` for a dense 0/1 spike vector `s`, row by row (the reference the event-driven
/// path is checked against).
pub(crate) fn spikes_dense_product(w: &Csr, spikes: &[f64], rec: &mut [f64]) {
    let sym = w.symbolic();
    let (col, val) = (sym.col_idx(), w.val());
    for (i, r) in rec.iter_mut().enumerate() {
        let range = sym.row_range(i);
        let mut acc = 0.0;
        for (&j, &w) in col[range.clone()].iter().zip(&val[range]) {
            acc += w * spikes[j as usize];
        }
        *r = acc;
    }
}
