//! A two-thread team for work done in rounds, each round cut into a few pieces: the calling
//! thread and one helper take pieces as they come, so the round ends as soon as both have
//! nothing left. A reservoir step or a Krylov product lasts a few to a few hundred
//! microseconds, with short serial work between them; waking a rayon worker for each costs as
//! much as it saves, so the helper lives for the whole run instead.
//!
//! The team never makes a run slower than one thread by much, whatever else the machine runs:
//!
//! - the caller never waits for the helper to *start*: every piece the helper has not taken,
//!   the caller takes itself; it waits only for a piece the helper is already computing;
//! - the helper waits for the next round by spinning briefly, then yielding, then sleeping for
//!   growing intervals (up to [`MAX_NAP`]): a helper that gets no core costs the caller nothing
//!   but one atomic operation per piece, and one that gets a core again joins the next round;
//! - the caller measures: every [`EPOCH`] (or less often while running alone wins) it times
//!   rounds shared with the helper against rounds it runs alone, for [`PROBE`] each, and runs
//!   the next epoch the faster way, timing a shared epoch as it goes and turning lone as soon
//!   as sharing gets slower. On a busy machine, or for work too small to share, it runs alone
//!   (touching no atomic) and the helper sleeps.
//!
//! The protocol, written once here. `state` holds the round's tag (`round + 1`) and the next
//! free piece; `finished` holds the tag and the number of pieces done. For round `k` the caller
//! writes what the pieces read, resets `finished`, publishes the tag with piece 0 (release),
//! then takes pieces by compare-and-swap on `state` until none is left, and waits until
//! `finished` counts every piece (acquire). The helper takes pieces the same way and counts
//! each one done (release). A piece is taken by exactly one thread; the round cannot end before
//! every piece is done, so what a piece reads stays valid while it runs. If the caller unwinds,
//! the helper is told to stop.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The most pieces a round may have.
pub(crate) const MAX_PIECES: usize = 255;
/// How long the helper spins for the next round before yielding.
const SPIN: Duration = Duration::from_micros(50);
/// How long it then yields before sleeping.
const YIELD: Duration = Duration::from_micros(200);
/// Its first and longest sleep.
const FIRST_NAP: Duration = Duration::from_micros(100);
const MAX_NAP: Duration = Duration::from_millis(2);
/// How long the caller spins for a piece the helper computes before yielding its core.
const WAIT_SPIN: Duration = Duration::from_micros(20);
/// Time between two measurements of shared against lone rounds.
const EPOCH: Duration = Duration::from_millis(50);
/// The shortest timing of shared or lone rounds...
const PROBE: Duration = Duration::from_millis(2);
/// ... and the fewest rounds in it.
const MIN_ROUNDS: u32 = 16;
/// Shared rounds run before a measurement, to wake the helper.
const WARM: usize = 8;
/// Lone rounds run untimed before the lone rounds of a measurement.
const ALONE_WARM: usize = 4;
/// Shared rounds must be this much faster than lone ones to be chosen.
const MARGIN: f64 = 0.97;
/// The longest epoch, reached after lone decisions in a row.
const MAX_EPOCH: Duration = Duration::from_millis(400);
/// A timed window of a shared epoch this much slower than lone rounds ends the sharing for the
/// epoch.
const BAIL: f64 = 1.1;

struct Shared {
    /// `tag << 8 | next free piece`.
    state: AtomicU64,
    /// `tag << 8 | pieces done by the helper`.
    finished: AtomicU64,
    stop: AtomicBool,
    pieces: u64,
    /// The round being shared (written before its tag is published).
    round: AtomicUsize,
}

impl Shared {
    /// Takes the next free piece of the round tagged `tag` (any round if `None`): its round
    /// tag and index.
    fn take(&self, tag: Option<u64>) -> Option<(u64, u64)> {
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            let (t, p) = (s >> 8, s & 0xff);
            if p >= self.pieces || tag.is_some_and(|k| k != t) {
                return None;
            }
            match self
                .state
                .compare_exchange_weak(s, s + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Some((t, p)),
                Err(now) => s = now,
            }
        }
    }
}

/// The caller's side of a running team (see [`with_team`]).
pub(crate) struct Rounds<'a, W> {
    shared: &'a Shared,
    work: &'a W,
    helper: std::thread::Thread,
    tag: u64,
    /// Rounds run so far.
    k: usize,
    /// The length of the next lone epoch.
    epoch: Duration,
    /// Where the round falls in the measurement cycle.
    phase: Phase,
}

/// The measurement cycle of [`Rounds`]: wake the helper, time shared rounds, time lone rounds
/// (after a few untimed ones, so that both start with warm caches), then run an epoch the faster
/// way. Each timing lasts at least [`PROBE`] (longer than a scheduler's time slice, so that a
/// busy machine shows in it). A shared epoch is timed as it goes and turns lone at once if it
/// becomes slower than the lone rounds were; each lone decision in a row doubles the next
/// epoch, up to [`MAX_EPOCH`], so that a busy machine is probed less and less often.
#[derive(Debug, Clone, Copy)]
enum Phase {
    Warm { left: usize },
    Shared(Timing),
    AloneWarm { left: usize, shared: Duration },
    Alone { timing: Timing, shared: Duration },
    Run { until: Instant, mode: Mode },
}

/// Rounds counted since an instant.
#[derive(Debug, Clone, Copy)]
struct Timing {
    since: Instant,
    rounds: u32,
}

impl Timing {
    fn start() -> Self {
        Timing {
            since: Instant::now(),
            rounds: 0,
        }
    }
    /// Counts a round; the time of one round once the timing has lasted long enough.
    fn count(&mut self, at_least: Duration) -> Option<Duration> {
        self.rounds += 1;
        let elapsed = self.since.elapsed();
        (self.rounds >= MIN_ROUNDS && elapsed >= at_least).then(|| elapsed / self.rounds)
    }
}

/// How the rounds of an epoch run.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Shared, timed by windows against the lone time of one round.
    Shared {
        window: Timing,
        alone: Duration,
    },
    Alone,
}

impl<W: Fn(usize, usize) + Sync> Rounds<'_, W> {
    /// Runs round `k` (the rounds are numbered from 0 in call order): every piece `p` of it,
    /// `work(k, p)`, on this thread or shared with the helper. Everything written before the
    /// call is visible to the pieces; everything they wrote is visible after it.
    pub(crate) fn round(&mut self) {
        let k = self.k;
        self.k += 1;
        self.phase = match self.phase {
            Phase::Warm { left } => {
                if left == WARM {
                    self.helper.unpark();
                }
                self.shared_round(k);
                match left - 1 {
                    0 => Phase::Shared(Timing::start()),
                    left => Phase::Warm { left },
                }
            }
            Phase::Shared(mut timing) => {
                self.shared_round(k);
                match timing.count(PROBE) {
                    Some(shared) => Phase::AloneWarm {
                        left: ALONE_WARM,
                        shared,
                    },
                    None => Phase::Shared(timing),
                }
            }
            Phase::AloneWarm { left, shared } => {
                self.lone_round(k);
                match left - 1 {
                    0 => Phase::Alone {
                        timing: Timing::start(),
                        shared,
                    },
                    left => Phase::AloneWarm { left, shared },
                }
            }
            Phase::Alone { mut timing, shared } => {
                self.lone_round(k);
                match timing.count(PROBE) {
                    None => Phase::Alone { timing, shared },
                    Some(alone) if shared.as_secs_f64() < MARGIN * alone.as_secs_f64() => {
                        self.epoch = EPOCH;
                        Phase::Run {
                            until: Instant::now() + EPOCH,
                            mode: Mode::Shared {
                                window: Timing::start(),
                                alone,
                            },
                        }
                    }
                    Some(_) => {
                        let until = Instant::now() + self.epoch;
                        self.epoch = (self.epoch * 2).min(MAX_EPOCH);
                        Phase::Run {
                            until,
                            mode: Mode::Alone,
                        }
                    }
                }
            }
            Phase::Run { until, mode } => {
                let mode = match mode {
                    Mode::Alone => {
                        self.lone_round(k);
                        Mode::Alone
                    }
                    Mode::Shared { mut window, alone } => {
                        self.shared_round(k);
                        match window.count(PROBE) {
                            None => Mode::Shared { window, alone },
                            Some(shared) if shared > alone.mul_f64(BAIL) => Mode::Alone,
                            Some(_) => Mode::Shared {
                                window: Timing::start(),
                                alone,
                            },
                        }
                    }
                };
                match mode {
                    _ if Instant::now() < until => Phase::Run { until, mode },
                    // a helper that was sharing is awake: measure at once
                    Mode::Shared { .. } => Phase::Shared(Timing::start()),
                    Mode::Alone => Phase::Warm { left: WARM },
                }
            }
        };
    }

    /// Every piece of round `k` on this thread, without a word to the helper.
    fn lone_round(&mut self, k: usize) {
        for p in 0..self.shared.pieces as usize {
            (self.work)(k, p);
        }
    }

    /// Round `k` shared with the helper (see the [module documentation](self)).
    fn shared_round(&mut self, k: usize) {
        let sh = self.shared;
        self.tag += 1;
        let tag = self.tag;
        sh.finished.store(tag << 8, Ordering::Relaxed);
        sh.round.store(k, Ordering::Relaxed);
        sh.state.store(tag << 8, Ordering::Release);
        let mut mine = 0;
        while let Some((_, p)) = sh.take(Some(tag)) {
            (self.work)(k, p as usize);
            mine += 1;
        }
        let all = (tag << 8) | (sh.pieces - mine);
        if sh.finished.load(Ordering::Acquire) != all {
            let start = Instant::now();
            let mut spins = 0u32;
            while sh.finished.load(Ordering::Acquire) != all {
                spins = spins.wrapping_add(1);
                if spins.is_multiple_of(64) && start.elapsed() > WAIT_SPIN {
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
            }
        }
    }
}

/// Sets a flag when dropped, so that the helper stops waiting if the caller unwinds.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// The helper's loop: takes pieces while there are any, and waits for more with a growing
/// back-off.
fn help(sh: &Shared, work: &(impl Fn(usize, usize) + Sync)) {
    let mut idle = Instant::now();
    let mut nap = FIRST_NAP;
    let mut polls = 0u32;
    loop {
        if let Some((_, p)) = sh.take(None) {
            work(sh.round.load(Ordering::Relaxed), p as usize);
            sh.finished.fetch_add(1, Ordering::Release);
            idle = Instant::now();
            nap = FIRST_NAP;
            continue;
        }
        if sh.stop.load(Ordering::Acquire) {
            return;
        }
        polls = polls.wrapping_add(1);
        if !polls.is_multiple_of(64) {
            std::hint::spin_loop();
            continue;
        }
        let waited = idle.elapsed();
        if waited < SPIN {
            std::hint::spin_loop();
        } else if waited < SPIN + YIELD {
            std::thread::yield_now();
        } else {
            std::thread::park_timeout(nap);
            nap = (nap * 2).min(MAX_NAP);
        }
    }
}

/// Runs `body` beside a helper thread; every [`Rounds::round`] that `body` starts runs
/// `work(round, piece)` for `pieces` pieces (at most [`MAX_PIECES`]), shared between the two
/// threads. The helper ends with `body`.
pub(crate) fn with_team<R, W: Fn(usize, usize) + Sync>(
    pieces: usize,
    work: W,
    body: impl FnOnce(&mut Rounds<'_, W>) -> R,
) -> R {
    assert!((1..=MAX_PIECES).contains(&pieces));
    let shared = Shared {
        // tag 0, every piece taken: nothing to do until the first round
        state: AtomicU64::new(pieces as u64),
        finished: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        pieces: pieces as u64,
        round: AtomicUsize::new(0),
    };
    std::thread::scope(|scope| {
        let _stop = StopOnDrop(&shared.stop);
        let (sh, w) = (&shared, &work);
        let helper = scope.spawn(move || help(sh, w)).thread().clone();
        body(&mut Rounds {
            shared: &shared,
            work: &work,
            helper,
            tag: 0,
            k: 0,
            epoch: EPOCH,
            phase: Phase::Warm { left: WARM },
        })
    })
}

/// Cuts `0..rows` into `pieces` ranges of about equal cost, `cost_before(r)` being the cost of
/// rows `..r` (nondecreasing): the first row of each piece, and `rows` at the end.
pub(crate) fn cut(rows: usize, pieces: usize, cost_before: impl Fn(usize) -> u64) -> Vec<usize> {
    let total = cost_before(rows);
    let mut bounds = vec![0];
    for k in 1..pieces {
        let goal = total * k as u64 / pieces as u64;
        // the first row whose prefix cost reaches the goal, after the previous bound
        let (mut lo, mut hi) = (*bounds.last().expect("starts at 0"), rows);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if cost_before(mid) < goal {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        bounds.push(lo);
    }
    bounds.push(rows);
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn every_piece_of_every_round_runs_once_after_what_the_caller_wrote() {
        let published = AtomicU64::new(0);
        let seen: Vec<AtomicU64> = (0..100 * 5).map(|_| AtomicU64::new(u64::MAX)).collect();
        let runs = AtomicUsize::new(0);
        with_team(
            5,
            |k, p| {
                seen[k * 5 + p].store(published.load(Ordering::Relaxed), Ordering::Relaxed);
                runs.fetch_add(1, Ordering::Relaxed);
            },
            |rounds| {
                for k in 0..100u64 {
                    published.store(k * 3, Ordering::Relaxed);
                    rounds.round();
                }
            },
        );
        assert_eq!(runs.load(Ordering::Relaxed), 500);
        for (i, s) in seen.iter().enumerate() {
            assert_eq!(s.load(Ordering::Relaxed), 3 * (i / 5) as u64);
        }
    }

    #[test]
    fn a_sleeping_helper_leaves_the_work_to_the_caller() {
        // rounds far apart: the helper falls asleep between them, and every round still runs
        // every piece
        let count = AtomicUsize::new(0);
        with_team(
            3,
            |_, _| {
                count.fetch_add(1, Ordering::Relaxed);
            },
            |rounds| {
                for _ in 0..5 {
                    rounds.round();
                    std::thread::sleep(Duration::from_millis(3));
                }
            },
        );
        assert_eq!(count.load(Ordering::Relaxed), 15);
    }

    #[test]
    fn cuts_balance_the_cost() {
        // cost of row r is r: prefix r (r - 1) / 2
        let b = cut(100, 4, |r| (r * r.saturating_sub(1) / 2) as u64);
        assert_eq!((b[0], b[4], b.len()), (0, 100, 5));
        assert!(b.windows(2).all(|w| w[0] <= w[1]));
        assert!((49..=51).contains(&b[1]) && (70..=72).contains(&b[2]));
        assert_eq!(cut(10, 1, |r| r as u64), vec![0, 10]);
    }
}
