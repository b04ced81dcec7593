//! How many threads Aquifer uses, and the one way to choose it.
//!
//! Every parallel path reads the same budget: the reservoir step split between two threads,
//! series run side by side ([`Run::run_many`](crate::traits::Run::run_many)), ridge
//! statistics, gated and spiking batches, Krylov products. The budget is, in order:
//!
//! 1. inside [`Parallelism::install`], the threads it was given;
//! 2. inside work Aquifer already runs in parallel (one series of a `run_many`, one batch), or
//!    inside a rayon worker thread of your own, one;
//! 3. otherwise rayon's global pool: the machine's cores, or `RAYON_NUM_THREADS`.
//!
//! Results never depend on it: every path gives the same bits with 1, 2 or 64 threads.
//!
//! ```
//! use aquifer::parallel::Parallelism;
//! use aquifer::prelude::*;
//! let x = faer::Mat::from_fn(300, 1, |t, _| (t as f64 * 0.1).sin());
//! let mut reservoir = Reservoir::builder().units(100).seed(1).build(1)?;
//! let states = Parallelism::threads(1)?.install(|| {
//!     assert_eq!(Parallelism::current(), 1);
//!     reservoir.run(&x)
//! })??;
//! reservoir.reset();
//! assert_eq!(states, reservoir.run(&x)?);
//! # Ok::<(), aquifer::Error>(())
//! ```

use crate::error::{Error, Result};
use std::cell::Cell;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

/// How many threads a computation may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parallelism {
    /// rayon's pool: the machine's cores, or `RAYON_NUM_THREADS`.
    #[default]
    Auto,
    /// At most this many threads (1: everything on the calling thread).
    Threads(NonZeroUsize),
}

thread_local! {
    /// The budget [`Parallelism::install`] or [`serial`] set on this thread, if any.
    static BUDGET: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Pools built for [`Parallelism::Threads`], kept for the next call.
static POOLS: Mutex<Vec<(usize, Arc<rayon::ThreadPool>)>> = Mutex::new(Vec::new());

/// Restores the previous budget of this thread when dropped (also on unwinding).
struct Restore(Option<usize>);

impl Drop for Restore {
    fn drop(&mut self) {
        BUDGET.with(|b| b.set(self.0));
    }
}

fn with_budget<R>(threads: usize, f: impl FnOnce() -> R) -> R {
    let _restore = Restore(BUDGET.with(|b| b.replace(Some(threads))));
    f()
}

impl Parallelism {
    /// At most `n` threads; an error for 0.
    pub fn threads(n: usize) -> Result<Self> {
        NonZeroUsize::new(n)
            .map(Parallelism::Threads)
            .ok_or_else(|| Error::invalid("threads", 0, "must be >= 1 (or auto)"))
    }

    /// Everything on the calling thread.
    pub fn sequential() -> Self {
        Parallelism::Threads(NonZeroUsize::MIN)
    }

    /// The threads available to code running here (see the [module documentation](self)).
    pub fn current() -> usize {
        budget()
    }

    /// Runs `f` with this many threads (`Auto`: rayon's global pool size): every parallel
    /// path inside it, and rayon's parallel iterators, use at most that many, and `f` itself
    /// runs on one of them, so that the thread calling a parallel region takes part in it
    /// instead of waiting beside the pool (on a machine with as many threads as cores, a waiting
    /// caller and a pool's idle workers would contend for the cores). A pool of `n` threads is
    /// built on first use and kept; an error if the system refuses the threads. Inside a pool
    /// already (a worker, or a nested `install`), `Auto` runs `f` as it is.
    pub fn install<R: Send>(self, f: impl FnOnce() -> R + Send) -> Result<R> {
        let n = match self {
            Parallelism::Auto if BUDGET.with(Cell::get).is_some() => return Ok(f()),
            Parallelism::Auto if rayon::current_thread_index().is_some() => return Ok(f()),
            Parallelism::Auto => rayon::current_num_threads(),
            Parallelism::Threads(n) => n.get(),
        };
        let pool = {
            let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
            match pools.iter().find(|(k, _)| *k == n) {
                Some((_, p)) => Arc::clone(p),
                None => {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(n)
                        .thread_name(|i| format!("aquifer-{i}"))
                        .build()
                        .map_err(|e| Error::Unsupported {
                            operation: "starting threads",
                            reason: format!("{n} threads: {e}"),
                        })?;
                    let pool = Arc::new(pool);
                    pools.push((n, Arc::clone(&pool)));
                    pool
                }
            }
        };
        Ok(pool.install(|| with_budget(n, f)))
    }
}

impl std::str::FromStr for Parallelism {
    type Err = Error;
    /// `auto`, or a number of threads (>= 1).
    fn from_str(s: &str) -> Result<Self> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Parallelism::Auto);
        }
        let n: usize = s
            .trim()
            .parse()
            .map_err(|_| Error::invalid("threads", s, "must be a number >= 1 or `auto`"))?;
        Parallelism::threads(n)
    }
}

impl std::fmt::Display for Parallelism {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Parallelism::Auto => f.write_str("auto"),
            Parallelism::Threads(n) => write!(f, "{n}"),
        }
    }
}

/// The threads the code running on this thread may use.
pub(crate) fn budget() -> usize {
    if let Some(b) = BUDGET.with(Cell::get) {
        return b;
    }
    if rayon::current_thread_index().is_some() {
        1
    } else {
        rayon::current_num_threads()
    }
}

/// Runs `f` as one item of work already running in parallel: everything in it runs on this
/// thread.
pub(crate) fn serial<R>(f: impl FnOnce() -> R) -> R {
    with_budget(1, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn the_budget_follows_install_and_parallel_work() {
        let outer = budget();
        assert!(outer >= 1);
        let seen = Parallelism::threads(3)
            .unwrap()
            .install(|| {
                let inner: Vec<usize> = (0..8).into_par_iter().map(|_| serial(budget)).collect();
                (budget(), rayon::current_num_threads(), inner)
            })
            .unwrap();
        assert_eq!((seen.0, seen.1), (3, 3));
        assert!(seen.2.iter().all(|&b| b == 1));
        assert_eq!(budget(), outer, "restored after install");
        let one = Parallelism::sequential().install(budget).unwrap();
        assert_eq!(one, 1);
        assert_eq!(Parallelism::Auto.install(budget).unwrap(), outer);
        // auto inside an install keeps the installed budget
        let nested = Parallelism::threads(3)
            .unwrap()
            .install(|| Parallelism::Auto.install(budget).unwrap())
            .unwrap();
        assert_eq!(nested, 3);
    }

    #[test]
    fn parsing_and_printing() {
        assert_eq!("auto".parse::<Parallelism>().unwrap(), Parallelism::Auto);
        assert_eq!(
            "4".parse::<Parallelism>().unwrap(),
            Parallelism::threads(4).unwrap()
        );
        assert!("0".parse::<Parallelism>().is_err());
        assert!("two".parse::<Parallelism>().is_err());
        assert_eq!(Parallelism::threads(2).unwrap().to_string(), "2");
    }
}
