//! `aquifer bench science`: the field's benchmark tasks with fixed seeds, each beside its
//! literature value, written as a Markdown table (and its values as JSON, which `--quick
//! --check` compares a reduced run against).

mod capacity;
mod chaos;
mod classification;
mod mackey_glass;
pub mod ngrc;

use crate::error::Result;
use aquifer::model::{Esn, EsnBuilder};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// The page's text before the table.
pub const PREAMBLE: &str = "# The field's benchmark tasks

Written by `aquifer bench science --out docs/science.md --values docs/science.json` (run from the
repository's root, release build); every row runs 3 seeds (0, 1, 2) and shows their mean and
spread, beside the literature's value with its source and a verdict. `aquifer bench science
--quick --check docs/science.json` runs a reduced version of every row (smaller reservoirs and
series) and fails if one moves out of tolerance of the committed values (CI runs it).

More rows (Jaeger & Haas's Mackey-Glass, Lorenz and Kuramoto-Sivashinsky valid times, Santa Fe
and sunspots, the gated and spiking tasks) and ReservoirPy's values side by side are still to
come.

";

/// Seeds of every row.
pub const SEEDS: [u64; 3] = [0, 1, 2];

/// One row of the table: a task's figure over the seeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// A stable identifier (for `--check`).
    pub id: String,
    /// The task.
    pub task: String,
    /// The setup, enough to rerun it.
    pub setup: String,
    /// The figure's name (`NRMSE`, `accuracy`...).
    pub metric: String,
    /// The literature's value and its source.
    pub literature: String,
    /// Aquifer's value per seed.
    pub values: Vec<f64>,
    /// Whether a larger value is better.
    pub higher_is_better: bool,
    /// The verdict beside the literature.
    pub verdict: String,
    /// Wall time of the row (s).
    pub seconds: f64,
}

impl Row {
    /// Mean over the seeds.
    pub fn mean(&self) -> f64 {
        self.values.iter().sum::<f64>() / self.values.len() as f64
    }
    /// Standard deviation over the seeds.
    pub fn spread(&self) -> f64 {
        let m = self.mean();
        (self.values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / self.values.len() as f64).sqrt()
    }
}

/// The sizes of a run: the full table, or the reduced one CI checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// The published sizes.
    Full,
    /// Smaller reservoirs and series, seconds in all.
    Quick,
}

pub(super) fn esn(
    units: usize,
    lr: f64,
    sr: f64,
    input_scaling: f64,
    ridge: f64,
    seed: u64,
) -> EsnBuilder {
    Esn::builder()
        .units(units)
        .leak_rate(lr)
        .spectral_radius(sr)
        .input_scaling(input_scaling)
        .ridge(ridge)
        .seed(seed)
}

pub(super) fn timed(f: impl FnOnce() -> Result<Row>) -> Result<Row> {
    let t = Instant::now();
    let mut row = f()?;
    row.seconds = t.elapsed().as_secs_f64();
    Ok(row)
}

/// Every row, in the table's order, with a callback after each task.
pub fn run_all(size: Size, data: &Path, mut done: impl FnMut(&str)) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    rows.extend(mackey_glass::minimal_esn(size)?);
    rows.extend(mackey_glass::jaeger_haas(size)?);
    done("Mackey-Glass");
    rows.extend(capacity::narma10(size)?);
    done("NARMA-10");
    rows.extend(capacity::memory_capacity(size)?);
    done("memory capacity");
    rows.extend(ngrc::lorenz_rows(size)?);
    rows.extend(chaos::valid_times(size)?);
    done("Lorenz and Kuramoto-Sivashinsky");
    rows.extend(classification::japanese_vowels(size)?);
    done("Japanese vowels");
    rows.extend(classification::spoken_digits(size, data)?);
    done("spoken digits");
    Ok(rows)
}

/// The number of tasks `run_all` reports.
pub const TASKS: u64 = 6;

/// The table as Markdown.
pub fn markdown(rows: &[Row], total: f64) -> String {
    let mut s = String::from(
        "| task | setup | metric | literature | Aquifer (3 seeds) | verdict | time (s) |\n\
         |---|---|---|---|---:|---|---:|\n",
    );
    for r in rows {
        let pct = r.metric == "accuracy";
        let fmt = |v: f64| {
            if pct {
                format!("{:.1}%", 100.0 * v)
            } else if v.abs() >= 0.01 && v.abs() < 1000.0 {
                format!("{v:.3}")
            } else {
                format!("{v:.2e}")
            }
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} +/- {} | {} | {:.1} |\n",
            r.task,
            r.setup,
            r.metric,
            r.literature,
            fmt(r.mean()),
            fmt(r.spread()),
            r.verdict,
            r.seconds
        ));
    }
    s.push_str(&format!("\nWhole table: {total:.1} s.\n"));
    s
}

/// Committed values: per row, the full run's mean and the quick run's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Committed {
    /// Row id, full mean, quick mean (None where that run has no such row).
    pub rows: Vec<(String, Option<f64>, Option<f64>)>,
}

/// Rows of a quick run out of tolerance of the committed quick values: 2% relative, 10% for
/// valid times, or 2.5 points of accuracy (the runs are seeded; a machine with other vector
/// units rounds differently, which a chaotic closed loop or one flipped decision can show).
pub fn check(quick: &[Row], committed: &Committed) -> Vec<String> {
    let mut bad = Vec::new();
    for r in quick {
        match committed.rows.iter().find(|(id, _, _)| *id == r.id) {
            Some((_, _, Some(q))) => {
                let m = r.mean();
                let tolerance = if r.metric == "accuracy" {
                    0.025
                } else if r.metric.starts_with("valid time") {
                    // whole steps of a chaotic closed loop: one rounding can move a trial
                    0.1 * q.abs()
                } else {
                    0.02 * q.abs()
                };
                let within = (m - q).abs() <= tolerance;
                if !within {
                    bad.push(format!("{}: {m} against the committed {q}", r.id));
                }
            }
            _ => bad.push(format!("{}: no committed value", r.id)),
        }
    }
    bad
}
