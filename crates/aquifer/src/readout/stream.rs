//! Ridge statistics formed from rows as they come.
//!
//! The rows of every series after its warmup, in order, are cut into blocks of exactly
//! [`BLOCK_ROWS`] rows (the last block may be shorter); the statistics of each block are formed
//! on one thread and merged in block order. So the statistics are the same, bit for bit,
//! however the rows arrive (whole series, chunks of one long recording, many short series) and
//! whatever the number of threads, and memory holds a few blocks of rows, never the whole
//! data: this is what lets a fit stream a series of any length.

use crate::error::Result;
use crate::statistics::RidgeStats;
use faer::{Mat, MatRef};
use rayon::prelude::*;

/// Rows per block of statistics. A block costs `F^2` to merge against `BLOCK_ROWS F^2` to form,
/// and holds `BLOCK_ROWS (F + M)` values while it waits.
pub(crate) const BLOCK_ROWS: usize = 1024;

/// Statistics of whole series, formed by a [`StatsStream`].
impl RidgeStats {
    /// Adds the rows of `x` and `y` after the first `warmup` to the statistics (formed in
    /// blocks, see [`RidgeStats::of_pairs`]).
    pub fn accumulate(
        &mut self,
        x: MatRef<'_, f64>,
        y: MatRef<'_, f64>,
        warmup: usize,
    ) -> Result<()> {
        let chunk = Self::of_pairs((self.features(), self.targets()), &[x], &[y], warmup)?;
        self.merge(&chunk)
    }

    /// Statistics of paired series (`x_i`: `T_i x F`, `y_i`: `T_i x M`) after the first `warmup`
    /// rows of each, checked (widths, lengths, finite values, each named by its series). The rows
    /// are cut into blocks of [`BLOCK_ROWS`] in order, formed in
    /// parallel and merged in order: the result does not depend on the number of threads, and is
    /// the same as that of the same rows streamed in any pieces.
    pub(crate) fn of_pairs(
        dims: (usize, usize),
        xs: &[MatRef<'_, f64>],
        ys: &[MatRef<'_, f64>],
        warmup: usize,
    ) -> Result<Self> {
        let mut rows = 0;
        for (i, (x, y)) in xs.iter().zip(ys).enumerate() {
            Self::check_shapes(dims, *x, *y, warmup, i)?;
            crate::series::check_finite(&format!("input series {i}"), *x)?;
            crate::series::check_finite(&format!("target series {i}"), *y)?;
            rows += x.nrows() - warmup;
        }
        let mut stream = StatsStream::new(dims.0, dims.1, Some(rows))?;
        for (x, y) in xs.iter().zip(ys) {
            let r = x.nrows() - warmup;
            stream.push(x.subrows(warmup, r), y.subrows(warmup, r))?;
        }
        stream.finish()
    }
}

/// Statistics of rows pushed in order (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub(crate) struct StatsStream {
    x: Mat<f64>,
    y: Mat<f64>,
    /// Rows waiting in `x` and `y`.
    filled: usize,
    /// The most rows the buffer may hold (a whole number of blocks).
    max_rows: usize,
    /// The statistics of the blocks of one flush, reused from flush to flush.
    blocks: Vec<RidgeStats>,
    total: RidgeStats,
}

impl StatsStream {
    /// A stream of rows of `features` and `targets` values. Its buffer holds one block per
    /// thread of the [budget](crate::parallel) (blocks are formed in parallel), and no more than
    /// `rows_hint` rows when the number of rows to come is known.
    /// Refuses, with [`Error::TooLarge`](crate::Error::TooLarge), statistics this machine could
    /// not hold.
    pub(crate) fn new(features: usize, targets: usize, rows_hint: Option<usize>) -> Result<Self> {
        let blocks = crate::parallel::budget().clamp(1, 16);
        crate::memory::check(
            || format!("ridge statistics of {features} features"),
            Self::memory(features, targets),
        )?;
        let max_rows = blocks * BLOCK_ROWS;
        let cap = rows_hint.map_or(max_rows, |r| r.clamp(1, max_rows));
        Ok(StatsStream {
            x: Mat::zeros(cap, features),
            y: Mat::zeros(cap, targets),
            filled: 0,
            max_rows,
            blocks: Vec::new(),
            total: RidgeStats::new(features, targets)?,
        })
    }

    /// The most bytes statistics of `features x targets` take while they are formed: the
    /// total, one block's statistics per thread, the solve's copies, and the rows waiting.
    pub(crate) fn memory(features: usize, targets: usize) -> u128 {
        use crate::memory::values;
        let blocks = crate::parallel::budget().clamp(1, 16);
        let width = features + targets;
        values(width, width, blocks + 3).saturating_add(values(blocks * BLOCK_ROWS, width, 1))
    }

    /// Rows the buffer holds: pushing this many at a time wastes no copy.
    pub(crate) fn capacity(&self) -> usize {
        self.x.nrows()
    }

    /// Appends rows (`x`: `T x F`, `y`: `T x M`, already checked).
    pub(crate) fn push(&mut self, x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> Result<()> {
        debug_assert!(x.nrows() == y.nrows() && x.ncols() == self.x.ncols());
        let mut at = 0;
        while at < x.nrows() {
            if self.filled == self.capacity() {
                self.make_room(x.nrows() - at)?;
            }
            let take = (self.capacity() - self.filled).min(x.nrows() - at);
            self.x
                .as_mut()
                .subrows_mut(self.filled, take)
                .copy_from(x.subrows(at, take));
            self.y
                .as_mut()
                .subrows_mut(self.filled, take)
                .copy_from(y.subrows(at, take));
            self.filled += take;
            at += take;
        }
        Ok(())
    }

    /// Frees the full buffer for `pending` more rows: forms its blocks, or, when it holds a
    /// partial block (more rows came than the hint said), grows it to whole blocks so that
    /// every block but the last is full.
    fn make_room(&mut self, pending: usize) -> Result<()> {
        if self.filled.is_multiple_of(BLOCK_ROWS) {
            return self.flush();
        }
        let rows = (self.filled + pending).next_multiple_of(BLOCK_ROWS);
        self.grow(rows.min(self.max_rows));
        Ok(())
    }

    /// Makes room for `rows` rows, keeping those waiting.
    fn grow(&mut self, rows: usize) {
        let keep = |m: &Mat<f64>| {
            let mut bigger = Mat::zeros(rows, m.ncols());
            bigger
                .as_mut()
                .subrows_mut(0, self.filled)
                .copy_from(m.as_ref().subrows(0, self.filled));
            bigger
        };
        (self.x, self.y) = (keep(&self.x), keep(&self.y));
    }

    /// Forms and merges the statistics of the waiting rows, in blocks (the last one shorter
    /// only at the end).
    fn flush(&mut self) -> Result<()> {
        let filled = self.filled;
        let n_blocks = filled.div_ceil(BLOCK_ROWS);
        let (f, m) = (self.total.features(), self.total.targets());
        while self.blocks.len() < n_blocks {
            self.blocks.push(RidgeStats::new(f, m)?);
        }
        let (x, y) = (
            self.x.as_mut().subrows_mut(0, filled),
            self.y.as_mut().subrows_mut(0, filled),
        );
        // blocks of rows, each centred in place and formed on one thread
        x.par_row_chunks_mut(BLOCK_ROWS)
            .zip(y.par_row_chunks_mut(BLOCK_ROWS))
            .zip(&mut self.blocks[..n_blocks])
            .for_each(|((x, y), b)| crate::parallel::serial(|| b.set_to_block(x, y)));
        for b in &self.blocks[..n_blocks] {
            self.total.merge(b)?;
        }
        self.filled = 0;
        Ok(())
    }

    /// The statistics of every row pushed.
    pub(crate) fn finish(mut self) -> Result<RidgeStats> {
        if self.filled > 0 {
            self.flush()?;
        }
        Ok(self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statistics_do_not_depend_on_how_the_rows_arrive() {
        let rows = 3 * BLOCK_ROWS + 77;
        let x = Mat::from_fn(rows, 5, |i, j| {
            ((i * (j + 2)) as f64 * 0.013).sin() + j as f64
        });
        let y = Mat::from_fn(rows, 2, |i, j| ((i + 5 * j) as f64 * 0.021).cos());
        let streamed = |pieces: &[usize], hint: Option<usize>| {
            let mut s = StatsStream::new(5, 2, hint).unwrap();
            let mut at = 0;
            for &p in pieces.iter().cycle() {
                let take = p.min(rows - at);
                s.push(x.subrows(at, take), y.subrows(at, take)).unwrap();
                at += take;
                if at == rows {
                    break;
                }
            }
            s.finish().unwrap()
        };
        let whole = streamed(&[rows], Some(rows));
        assert_eq!(whole.count(), rows as u64);
        for (pieces, hint) in [
            (&[1, 7, 1000][..], None),
            (&[3000][..], Some(10)),
            (&[BLOCK_ROWS][..], Some(BLOCK_ROWS + 1)),
            (&[555][..], Some(rows)),
        ] {
            assert_eq!(streamed(pieces, hint), whole, "{pieces:?} {hint:?}");
        }
        // and they are the statistics of the rows, up to rounding
        let direct = RidgeStats::of_block(x.clone().as_mut(), y.clone().as_mut());
        for (a, b) in whole.mean_x().iter().zip(direct.mean_x()) {
            assert!((a - b).abs() < 1e-12);
        }
        let (c, d) = (whole.cxx(), direct.cxx());
        for j in 0..5 {
            for i in 0..5 {
                assert!((c[(i, j)] - d[(i, j)]).abs() < 1e-9 * d[(i, i)].abs().max(1.0));
            }
        }
    }
}
