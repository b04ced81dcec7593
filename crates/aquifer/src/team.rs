//! A two-thread team for work split in rounds: the calling thread and one helper that waits
//! between rounds by spinning. A reservoir step or a Krylov product lasts a few to a few hundred
//! microseconds, with short serial work between them; waking a rayon worker for each costs as
//! much as it saves, so the helper stays awake for the whole run instead.
//!
//! The protocol, written once here: for round `k` the caller publishes what the helper reads,
//! stores `go = k + 1` (release), does its own part, and waits for `done = k + 1` (acquire),
//! which the helper stores after its part. Between rounds neither thread touches what the other
//! writes. If the caller unwinds, the helper is told to stop.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The caller's side of a running team (see [`with_helper`]).
pub(crate) struct Rounds<'a> {
    go: &'a AtomicUsize,
    done: &'a AtomicUsize,
    k: usize,
}

impl Rounds<'_> {
    /// Runs round `k`: starts the helper's part, runs `mine` on this thread, and returns once
    /// the helper has finished its part. Everything written before the call is visible to the
    /// helper; everything the helper wrote is visible after it.
    pub(crate) fn round<R>(&mut self, mine: impl FnOnce() -> R) -> R {
        self.go.store(self.k + 1, Ordering::Release);
        let r = mine();
        while self.done.load(Ordering::Acquire) <= self.k {
            std::hint::spin_loop();
        }
        self.k += 1;
        r
    }
}

/// Sets a flag when dropped, so that the helper stops waiting if the caller unwinds.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Runs `body` beside a helper thread that runs `helper(k)` for every round `k` that `body`
/// starts with [`Rounds::round`]; the helper ends with `body`.
pub(crate) fn with_helper<R>(
    helper: impl Fn(usize) + Sync,
    body: impl FnOnce(&mut Rounds<'_>) -> R,
) -> R {
    let go = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let _stop = StopOnDrop(&stop);
        scope.spawn(|| {
            let mut k = 0;
            loop {
                while go.load(Ordering::Acquire) <= k {
                    if stop.load(Ordering::Acquire) {
                        return;
                    }
                    std::hint::spin_loop();
                }
                helper(k);
                k += 1;
                done.store(k, Ordering::Release);
            }
        });
        body(&mut Rounds {
            go: &go,
            done: &done,
            k: 0,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn every_round_runs_both_parts_in_order() {
        let published = AtomicU64::new(0);
        let seen: Vec<AtomicU64> = (0..100).map(|_| AtomicU64::new(0)).collect();
        let total = with_helper(
            |k| {
                let v = published.load(Ordering::Relaxed);
                seen[k].store(v, Ordering::Relaxed);
            },
            |rounds| {
                let mut sum = 0;
                for k in 0..100u64 {
                    published.store(k * 3, Ordering::Relaxed);
                    sum += rounds.round(|| k);
                }
                sum
            },
        );
        assert_eq!(total, (0..100).sum::<u64>());
        for (k, s) in seen.iter().enumerate() {
            assert_eq!(s.load(Ordering::Relaxed), 3 * k as u64);
        }
    }
}
