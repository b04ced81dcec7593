//! `aquifer bench science`: the field's benchmark tasks with fixed seeds, each beside its
//! literature value, written as a Markdown table (and its values as JSON, which `--quick
//! --check` compares a reduced run against).

use crate::error::{Error, Result};
use aquifer::audio::{add_noise, mfcc, read_wav, MfccParams};
use aquifer::datasets::{self, MackeyGlass, Narma};
use aquifer::faer::Mat;
use aquifer::metrics::{self, Norm};
use aquifer::model::{Esn, EsnBuilder, EsnClassifier};
use aquifer::prelude::*;
use aquifer::scaler::StandardScaler;
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

fn esn(units: usize, lr: f64, sr: f64, input_scaling: f64, ridge: f64, seed: u64) -> EsnBuilder {
    Esn::builder()
        .units(units)
        .leak_rate(lr)
        .spectral_radius(sr)
        .input_scaling(input_scaling)
        .ridge(ridge)
        .seed(seed)
}

fn timed(f: impl FnOnce() -> Result<Row>) -> Result<Row> {
    let t = Instant::now();
    let mut row = f()?;
    row.seconds = t.elapsed().as_secs_f64();
    Ok(row)
}

/// Mackey-Glass, the "minimal ESN" of Lukosevicius's practical guide: N = 1000, leak 0.3,
/// spectral radius 1.25, ridge 1e-8, 2000 training steps after 100 of warm-up; the one-step
/// NRMSE over 500 test steps and the NRMSE of 500 steps generated in closed loop.
fn minimal_esn(size: Size) -> Result<Vec<Row>> {
    let units = if size == Size::Full { 1000 } else { 200 };
    let series = datasets::mackey_glass(&MackeyGlass::default(), 2601)?;
    let (x, y) = datasets::forecasting(&series, 1)?;
    let (mut one, mut gen) = (Vec::new(), Vec::new());
    let t = Instant::now();
    for seed in SEEDS {
        let mut e = esn(units, 0.3, 1.25, 1.0, 1e-8, seed)
            .input_to_readout(true)
            .build(1, 1)?;
        e.fit(&[x.subrows(0, 2100)], &[y.subrows(0, 2100)], 100)?;
        let pred = e.run(x.subrows(2100, 500))?;
        one.push(metrics::nrmse(y.subrows(2100, 500), &pred, Norm::Std)?);
        if size == Size::Full {
            // a closed loop is chaotic: the quick run (smaller reservoirs, which can diverge)
            // leaves it out
            e.reset();
            let g = e.generate(500, x.subrows(1600, 500))?;
            gen.push(metrics::nrmse(series.subrows(2100, 500), &g, Norm::Std)?);
        }
    }
    let seconds = t.elapsed().as_secs_f64();
    let setup = format!(
        "N={units}, leak 0.3, sr 1.25, ridge 1e-8, input to readout; MG tau=17 (h=1); train 2000 \
         after 100 warm-up"
    );
    let mut rows = vec![Row {
        id: "mg-minimal-one-step".into(),
        task: "Mackey-Glass, minimal ESN, one step ahead".into(),
        setup: setup.clone(),
        metric: "NRMSE (std), 500 steps".into(),
        literature: "- (the guide reports no figure)".into(),
        values: one,
        higher_is_better: false,
        verdict: "reference figure".into(),
        seconds: seconds / 2.0,
    }];
    if size == Size::Full {
        rows.push(Row {
            id: "mg-minimal-generative".into(),
            task: "Mackey-Glass, minimal ESN, 500 steps generated".into(),
            setup: setup.clone(),
            metric: "NRMSE (std), 500 steps".into(),
            literature: "- (the guide reports no figure)".into(),
            values: gen,
            higher_is_better: false,
            verdict: "reference figure".into(),
            seconds: seconds / 2.0,
        });
    }
    Ok(rows)
}

/// NARMA-10 (Atiya & Parlos constants): NRMSE (std) on 2000 test steps after 5000 training
/// steps, for N = 100, 200, 400.
fn narma10(size: Size) -> Result<Vec<Row>> {
    let sizes: &[(usize, f64)] = if size == Size::Full {
        &[(100, 0.32), (200, 0.21), (400, 0.16)]
    } else {
        &[(100, 0.32)]
    };
    let (train, test) = if size == Size::Full {
        (5000, 2000)
    } else {
        (2000, 1000)
    };
    let mut rows = Vec::new();
    for &(units, lit) in sizes {
        rows.push(timed(|| {
            let mut values = Vec::new();
            for seed in SEEDS {
                let (u, y) = datasets::narma(
                    &Narma {
                        seed: 100 + seed,
                        ..Narma::narma10()
                    },
                    train + test,
                )?;
                let mut e = esn(units, 1.0, 0.9, 0.5, 1e-8, seed)
                    .input_to_readout(true)
                    .build(1, 1)?;
                e.fit(&[u.subrows(0, train)], &[y.subrows(0, train)], 200)?;
                let pred = e.run(u.subrows(train, test))?;
                values.push(metrics::nrmse(y.subrows(train, test), &pred, Norm::Std)?);
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            Ok(Row {
                id: format!("narma10-{units}"),
                task: format!("NARMA-10, N = {units}"),
                setup: format!(
                    "leak 1, sr 0.9, input scaling 0.5, ridge 1e-8, input to readout; train \
                     {train}, test {test}"
                ),
                metric: "NRMSE (std)".into(),
                literature: format!("about {lit} (ESN literature, e.g. Rodan & Tino 2011)"),
                values,
                higher_is_better: false,
                verdict: if mean <= lit * 1.05 {
                    "reached".into()
                } else {
                    format!("short by {:.0}%", 100.0 * (mean / lit - 1.0))
                },
                seconds: 0.0,
            })
        })?);
    }
    Ok(rows)
}

/// Memory capacity (Jaeger 2001) of tanh and linear reservoirs, with the bound MC <= N.
fn memory_capacity(size: Size) -> Result<Vec<Row>> {
    let sizes: &[usize] = if size == Size::Full {
        &[20, 50, 100]
    } else {
        &[20]
    };
    let mut rows = Vec::new();
    for &units in sizes {
        for (name, act) in [("tanh", Activation::Tanh), ("linear", Activation::Identity)] {
            rows.push(timed(|| {
                let mut values = Vec::new();
                for seed in SEEDS {
                    let mut r = Reservoir::builder()
                        .units(units)
                        .spectral_radius(0.95)
                        .input_scaling(0.1)
                        .input_connectivity(1.0)
                        .rc_connectivity(1.0)
                        .activation(act)
                        .seed(seed)
                        .build(1)?;
                    let mc = metrics::memory_capacity(&mut r, 2 * units, 4000, 2000, 1e-10, seed)?;
                    values.push(mc.total);
                }
                let mean = values.iter().sum::<f64>() / values.len() as f64;
                Ok(Row {
                    id: format!("mc-{name}-{units}"),
                    task: format!("memory capacity, N = {units}, {name}"),
                    setup: "dense W, sr 0.95, input scaling 0.1, delays up to 2N, 4000 training \
                            and 2000 test steps, ridge 1e-10"
                        .into(),
                    metric: "MC".into(),
                    literature: format!("at most N = {units} (Jaeger 2001); linear near N"),
                    values,
                    higher_is_better: true,
                    verdict: if mean <= units as f64 + 1e-6 {
                        format!("{:.0}% of the bound", 100.0 * mean / units as f64)
                    } else {
                        "ABOVE THE BOUND".into()
                    },
                    seconds: 0.0,
                })
            })?);
        }
    }
    Ok(rows)
}

/// Japanese vowels (270 training, 370 test utterances), one ESN, classified by the mean
/// output over every step and over the last step.
fn japanese_vowels(size: Size) -> Result<Vec<Row>> {
    let units = if size == Size::Full { 500 } else { 100 };
    let jv = datasets::japanese_vowels()?;
    let mut rows = Vec::new();
    for (name, last) in [("mean of every step", None), ("last step", Some(1))] {
        rows.push(timed(|| {
            let mut values = Vec::new();
            for seed in SEEDS {
                let builder = esn(units, 0.1, 0.9, 0.2, 1e-5, seed);
                let mut clf = EsnClassifier::new(&builder, 12, 9, last)?;
                clf.fit(
                    &jv.train,
                    Targets::Classes {
                        labels: &jv.train_labels,
                        classes: 9,
                    },
                    0,
                )?;
                let predicted = clf.classify(&jv.test)?;
                values.push(metrics::accuracy(&jv.test_labels, &predicted)?);
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            Ok(Row {
                id: format!("jv-{}", if last.is_some() { "last" } else { "mean" }),
                task: format!("Japanese vowels, decided by the {name}"),
                setup: format!(
                    "N={units}, leak 0.1, sr 0.9, input scaling 0.2, ridge 1e-5; 270/370 split"
                ),
                metric: "accuracy".into(),
                literature: "98.0%-99%+ (ESN literature, e.g. Jaeger et al. 2007: 98.9%)".into(),
                values,
                higher_is_better: true,
                verdict: if mean >= 0.98 {
                    "reached".into()
                } else {
                    format!("short by {:.1} points", 100.0 * (0.98 - mean))
                },
                seconds: 0.0,
            })
        })?);
    }
    Ok(rows)
}

/// Spoken digits from WAV files (`data/spoken_digits`): MFCCs, train on four accents, test on
/// the fifth, clean and under 10 dB of white noise (multi-condition training).
fn spoken_digits(size: Size, data: &Path) -> Result<Vec<Row>> {
    let units = if size == Size::Full { 1000 } else { 200 };
    let mut train = Vec::new();
    let mut test = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(data)
        .map_err(|e| Error::io(data, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    paths.sort();
    if paths.len() != 600 {
        return Err(Error::usage(format!(
            "{}: expected the 600 spoken-digit recordings, found {}",
            data.display(),
            paths.len()
        )));
    }
    for p in &paths {
        let name = p
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let digit: usize = name[..1]
            .parse()
            .map_err(|_| Error::usage(format!("{name}: not a digit")))?;
        let wav = read_wav(p)?;
        if name.split('_').nth(1) == Some("en-029") {
            test.push((wav, digit));
        } else {
            train.push((wav, digit));
        }
    }
    let params = MfccParams::default();
    let feats =
        |w: &aquifer::audio::Wav, snr: Option<f64>, seed: u64| -> aquifer::Result<Mat<f64>> {
            match snr {
                Some(db) => mfcc(&add_noise(&w.samples, db, seed)?, w.sample_rate, &params),
                None => mfcc(&w.samples, w.sample_rate, &params),
            }
        };
    let mut xs = Vec::new();
    let mut labels = Vec::new();
    for (k, snr) in [None, Some(20.0), Some(10.0), Some(5.0), Some(0.0)]
        .iter()
        .enumerate()
    {
        for (i, (w, d)) in train.iter().enumerate() {
            xs.push(feats(w, *snr, 100_000 + (k * train.len() + i) as u64)?);
            labels.push(*d);
        }
    }
    let scaler = StandardScaler::fit(&xs)?;
    let xs: Vec<Mat<f64>> = xs
        .iter()
        .map(|x| scaler.transform(x))
        .collect::<aquifer::Result<_>>()?;
    let truth: Vec<usize> = test.iter().map(|(_, d)| *d).collect();
    let mut rows = Vec::new();
    let t = Instant::now();
    let mut clfs = Vec::new();
    for seed in SEEDS {
        let mut clf = EsnClassifier::new(&esn(units, 0.2, 0.9, 0.3, 1e-4, seed), 13, 10, None)?;
        clf.fit(
            &xs,
            Targets::Classes {
                labels: &labels,
                classes: 10,
            },
            0,
        )?;
        clfs.push(clf);
    }
    let fit_time = t.elapsed().as_secs_f64();
    for (name, snr) in [("clean", None), ("10 dB SNR", Some(10.0))] {
        let t = Instant::now();
        let mut values = Vec::new();
        for (s, clf) in clfs.iter().enumerate() {
            let x_test: Vec<Mat<f64>> = test
                .iter()
                .enumerate()
                .map(|(i, (w, _))| scaler.transform(feats(w, snr, 1000 * s as u64 + i as u64)?))
                .collect::<aquifer::Result<_>>()?;
            values.push(metrics::accuracy(&truth, &clf.classify(&x_test)?)?);
        }
        rows.push(Row {
            id: format!("digits-{}", if snr.is_some() { "10db" } else { "clean" }),
            task: format!("spoken digits (WAV, MFCC), unseen accent, {name}"),
            setup: format!(
                "N={units}, leak 0.2, sr 0.9, input scaling 0.3, ridge 1e-4; 13 MFCCs (librosa's); \
                 trained on 4 accents clean and at 20/10/5/0 dB, tested on en-029"
            ),
            metric: "accuracy".into(),
            literature: "- (data made for this library)".into(),
            values,
            higher_is_better: true,
            verdict: "reference figure".into(),
            seconds: fit_time / 2.0 + t.elapsed().as_secs_f64(),
        });
    }
    Ok(rows)
}

/// Every row, in the table's order, with a callback after each task.
pub fn run_all(size: Size, data: &Path, mut done: impl FnMut(&str)) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    rows.extend(minimal_esn(size)?);
    done("Mackey-Glass");
    rows.extend(narma10(size)?);
    done("NARMA-10");
    rows.extend(memory_capacity(size)?);
    done("memory capacity");
    rows.extend(japanese_vowels(size)?);
    done("Japanese vowels");
    rows.extend(spoken_digits(size, data)?);
    done("spoken digits");
    Ok(rows)
}

/// The number of tasks `run_all` reports.
pub const TASKS: u64 = 5;

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

/// Rows of a quick run out of tolerance of the committed quick values: 2% relative, or 2.5
/// points of accuracy (the runs are seeded; a machine with other vector units rounds
/// differently, which a chaotic closed loop or one flipped decision can show).
pub fn check(quick: &[Row], committed: &Committed) -> Vec<String> {
    let mut bad = Vec::new();
    for r in quick {
        match committed.rows.iter().find(|(id, _, _)| *id == r.id) {
            Some((_, _, Some(q))) => {
                let m = r.mean();
                let tolerance = if r.metric == "accuracy" {
                    0.025
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
