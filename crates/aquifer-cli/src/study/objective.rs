//! The built-in objective of `aquifer search`: build the model a trial's configuration makes,
//! run it once over the training and validation series, and score every ridge value (and
//! warm-up) of the grid from one eigendecomposition of the training statistics.

use super::{base_of, Loss, StudyFile};
use crate::classes::Classes;
use crate::commands::fit::{self, Pairs};
use crate::config::Config;
use crate::error::{Error, Result};
use aquifer::classify;
use aquifer::faer::{Mat, MatRef};
use aquifer::readout::RidgeStats;
use aquifer::search::{Evaluation, Instance, Params, RidgeGrid, Value};
use std::path::{Path, PathBuf};

/// How the validation data is taken.
#[derive(Debug)]
enum Split {
    /// One series: its first `train` rows train, the rest validate (the state carries on).
    Rows { train: usize },
    /// Several series: these (by index) validate, each from the zero state.
    Series { validation: Vec<usize> },
}

/// A study's data and model, ready to evaluate trials.
#[derive(Debug)]
pub struct Task {
    file: PathBuf,
    base: PathBuf,
    pairs: Pairs,
    classes: Option<Classes>,
    split: Split,
    model: toml::Table,
    loss: Loss,
    ridges: Vec<f64>,
    warmups: Option<Vec<usize>>,
}

/// The training statistics after each warm-up of `warmups`, every row of the features read
/// once: each series is cut at the warm-ups into segments whose statistics, merged from the
/// last row backwards, give those of the rows after each warm-up.
fn training_stats(
    train: &[(Mat<f64>, Mat<f64>)],
    warmups: &[usize],
) -> Result<std::collections::BTreeMap<usize, RidgeStats>> {
    let mut cuts: Vec<usize> = warmups.to_vec();
    cuts.sort_unstable();
    cuts.dedup();
    let mut by_warmup: std::collections::BTreeMap<usize, RidgeStats> = Default::default();
    for (f, y) in train {
        let rows = f.nrows();
        if let Some(&w) = cuts.iter().find(|&&w| w >= rows) {
            return Err(Error::usage(format!(
                "warmup = {w} leaves no training rows of a series of {rows} rows"
            )));
        }
        let mut after: Option<RidgeStats> = None;
        let mut end = rows;
        for &w in cuts.iter().rev() {
            let segment = RidgeStats::from_series(f.subrows(w, end - w), y.subrows(w, end - w), 0)?;
            match &mut after {
                Some(acc) => acc.merge(&segment)?,
                None => after = Some(segment),
            }
            end = w;
            let so_far = after.as_ref().expect("set above");
            match by_warmup.get_mut(&w) {
                Some(acc) => acc.merge(so_far)?,
                None => {
                    by_warmup.insert(w, so_far.clone());
                }
            }
        }
    }
    Ok(by_warmup)
}

/// A study value as a configuration value.
fn toml_value(v: &Value) -> toml::Value {
    match v {
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Int(i) => toml::Value::Integer(*i),
        Value::Float(f) => toml::Value::Float(*f),
        Value::Str(s) => toml::Value::String(s.clone()),
    }
}

/// Sets `value` at the dotted `key` of `table` (`reservoir.leak_rate`), making tables on the way.
fn set_dotted(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<()> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().expect("split gives one part at least");
    let mut t = table;
    for p in parts {
        let entry = t
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = entry.as_table_mut().ok_or_else(|| {
            Error::usage(format!(
                "[space] \"{key}\": `{p}` is not a table of the model"
            ))
        })?;
    }
    t.insert(last.to_string(), value);
    Ok(())
}

impl Task {
    /// Loads the data of the study file `path` and splits it.
    pub fn new(path: &Path, f: &StudyFile) -> Result<Self> {
        let base = base_of(path);
        let tables = f.tables(&base)?;
        let d = &f.data;
        if !(d.validation > 0.0 && d.validation < 1.0) {
            return Err(Error::usage(format!(
                "[data] validation = {}: the fraction kept for validation must be in (0, 1)",
                d.validation
            )));
        }
        let (pairs, classes) = match &d.classes {
            Some(spec) => {
                let (p, c) = fit::classified(&tables, d.inputs.as_deref(), spec, d.last)?;
                (p, Some(c))
            }
            None => (
                fit::pairs(
                    &tables,
                    d.inputs.as_deref(),
                    d.targets.as_deref(),
                    d.horizon,
                )?,
                None,
            ),
        };
        let n = pairs.xs.len();
        let split = if n == 1 {
            let rows = pairs.xs[0].nrows();
            let train = ((1.0 - d.validation) * rows as f64).round() as usize;
            if train == 0 || train >= rows {
                return Err(Error::usage(format!(
                    "[data] validation = {} of {rows} rows leaves no training or no validation rows",
                    d.validation
                )));
            }
            Split::Rows { train }
        } else {
            let k = ((d.validation * n as f64).round() as usize).clamp(1, n - 1);
            // a seeded shuffle (series ordered by a hash of the seed and their index): files
            // are often ordered by class
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&i| aquifer::rng::derive(f.seed, i as u64));
            let mut validation = order[..k].to_vec();
            validation.sort_unstable();
            Split::Series { validation }
        };
        let (ridges, warmups) = f.grid()?;
        let task = Task {
            file: path.to_path_buf(),
            base,
            pairs,
            classes,
            split,
            model: f.model.clone(),
            loss: f.loss.unwrap_or(if d.classes.is_some() {
                Loss::Accuracy
            } else {
                Loss::Nrmse
            }),
            ridges,
            warmups,
        };
        // every key of the space must be a key of the configuration
        let mut probe = Params::new();
        for (name, space) in &f.space {
            probe.insert(name.clone(), space.sample(&mut aquifer::rng::from_seed(0)));
        }
        task.config(&probe, 0)?;
        Ok(task)
    }

    /// The ridge values of the closed-form grid.
    pub fn ridges(&self) -> &[f64] {
        &self.ridges
    }

    /// The fit configuration of a trial: the model with the trial's values and `seed` (its low
    /// 63 bits: a TOML integer is signed).
    pub fn model_table(&self, params: &Params, seed: u64) -> Result<toml::Table> {
        let mut table = self.model.clone();
        let seed = (seed & i64::MAX as u64) as i64;
        table.insert("seed".into(), toml::Value::Integer(seed));
        for (key, v) in params {
            set_dotted(&mut table, key, toml_value(v))?;
        }
        Ok(table)
    }

    fn config(&self, params: &Params, seed: u64) -> Result<Config> {
        let table = self.model_table(params, seed)?;
        let text = toml::to_string(&table).map_err(|e| Error::usage(e.to_string()))?;
        crate::config::parse(&text, Path::new("[model]")).map_err(|e| Error::Config {
            path: self.file.clone(),
            reason: format!("[model] with the values of [space]: {e}"),
        })
    }

    /// The validation loss of one instance at every point of the grid.
    pub fn evaluate(&self, params: &Params, instance: &Instance) -> aquifer::Result<Evaluation> {
        self.evaluate_here(params, instance)
            .map_err(|e| aquifer::Error::Objective(e.to_string()))
    }

    fn evaluate_here(&self, params: &Params, instance: &Instance) -> Result<Evaluation> {
        let cfg = self.config(params, instance.seed)?;
        let (xs, ys) = (&self.pairs.xs, &self.pairs.ys);
        let outputs = ys[0].ncols();
        // training and validation features: one run per series from zero
        let (train_idx, val_idx): (Vec<usize>, Vec<usize>) = match &self.split {
            Split::Rows { .. } => (vec![0], vec![]),
            Split::Series { validation } => (0..xs.len()).partition(|i| !validation.contains(i)),
        };
        let train_xs: Vec<Mat<f64>> = match &self.split {
            Split::Rows { train } => vec![xs[0].subrows(0, *train).to_owned()],
            Split::Series { .. } => train_idx.iter().map(|&i| xs[i].clone()).collect(),
        };
        let (mut node, with_inputs) = cfg.features(&self.base, &train_xs, outputs)?;
        let mut features = |x: MatRef<'_, f64>| -> Result<Mat<f64>> {
            node.reset();
            let f = node.run(x)?;
            Ok(if with_inputs {
                Mat::from_fn(f.nrows(), f.ncols() + x.ncols(), |t, j| {
                    if j < f.ncols() {
                        f[(t, j)]
                    } else {
                        x[(t, j - f.ncols())]
                    }
                })
            } else {
                f
            })
        };
        // (features, targets, rows skipped before the loss) of the training and validation series
        type Part = (Mat<f64>, Mat<f64>);
        let (train, val): (Vec<Part>, Vec<Part>) = match &self.split {
            Split::Rows { train } => {
                let f = features(xs[0].as_ref())?;
                let rows = f.nrows();
                (
                    vec![(
                        f.subrows(0, *train).to_owned(),
                        ys[0].subrows(0, *train).to_owned(),
                    )],
                    vec![(
                        f.subrows(*train, rows - train).to_owned(),
                        ys[0].subrows(*train, rows - train).to_owned(),
                    )],
                )
            }
            Split::Series { .. } => {
                let mut part = |idx: &[usize]| -> Result<Vec<Part>> {
                    idx.iter()
                        .map(|&i| Ok((features(xs[i].as_ref())?, ys[i].clone())))
                        .collect()
                };
                (part(&train_idx)?, part(&val_idx)?)
            }
        };
        let warmups = self.warmups.clone().unwrap_or_else(|| vec![cfg.warmup]);
        let sampled_ridge = params.get("readout.ridge").and_then(Value::as_f64);
        let ridges = sampled_ridge.map_or_else(|| self.ridges.clone(), |r| vec![r]);
        let mut grid = Vec::with_capacity(warmups.len() * ridges.len());
        let stats_by_warmup = training_stats(&train, &warmups)?;
        for &w in &warmups {
            let stats = &stats_by_warmup[&w];
            let solver = RidgeGrid::new(stats, cfg.readout.fit_bias)?;
            // the rows scored: after the warm-up of each validation series (the rows of one
            // split series follow its training rows: nothing to skip)
            let skip = match self.split {
                Split::Rows { .. } => 0,
                Split::Series { .. } => w,
            };
            let mut per_ridge: Vec<Vec<(Mat<f64>, MatRef<'_, f64>)>> =
                vec![Vec::new(); ridges.len()];
            for (f, y) in &val {
                let rows = f.nrows().saturating_sub(skip);
                if rows == 0 {
                    continue;
                }
                let predicted = solver.predict(f.subrows(skip, rows), &ridges)?;
                for (k, p) in predicted.into_iter().enumerate() {
                    per_ridge[k].push((p, y.subrows(skip, rows)));
                }
            }
            for (k, &r) in ridges.iter().enumerate() {
                let loss = self.loss_of(&per_ridge[k])?;
                let mut point = Params::new();
                if sampled_ridge.is_none() {
                    point.insert("readout.ridge".into(), Value::Float(r));
                }
                if self.warmups.is_some() {
                    point.insert("warmup".into(), Value::Int(w as i64));
                }
                grid.push((point, loss));
            }
        }
        Ok(Evaluation { grid })
    }

    /// The loss over the validation series (predictions, targets).
    fn loss_of(&self, parts: &[(Mat<f64>, MatRef<'_, f64>)]) -> Result<f64> {
        if parts.is_empty() {
            return Err(Error::usage(
                "no validation rows left after the warm-up: lower warmup or raise [data] validation",
            ));
        }
        if self.loss == Loss::Accuracy {
            let last = self.classes.as_ref().and_then(|c| c.last);
            let mut right = 0;
            for (p, y) in parts {
                let truth = classify::argmax(y.row(0).iter().copied());
                if classify::decide(p.as_ref(), last)? == truth {
                    right += 1;
                }
            }
            return Ok(right as f64 / parts.len() as f64);
        }
        let m = parts[0].1.ncols();
        let (mut sse, mut sum, mut sum2) = (vec![0.0; m], vec![0.0; m], vec![0.0; m]);
        let mut n = 0usize;
        for (p, y) in parts {
            for t in 0..y.nrows() {
                for j in 0..m {
                    let (v, e) = (y[(t, j)], p[(t, j)] - y[(t, j)]);
                    sse[j] += e * e;
                    sum[j] += v;
                    sum2[j] += v * v;
                }
            }
            n += y.nrows();
        }
        let n = n as f64;
        let var: Vec<f64> = (0..m)
            .map(|j| (sum2[j] / n - (sum[j] / n).powi(2)).max(0.0))
            .collect();
        let mse = sse.iter().sum::<f64>() / (n * m as f64);
        Ok(match self.loss {
            Loss::Mse => mse,
            Loss::Rmse => mse.sqrt(),
            Loss::Nrmse => {
                (0..m)
                    .map(|j| (sse[j] / n).sqrt() / var[j].sqrt())
                    .sum::<f64>()
                    / m as f64
            }
            Loss::R2 => (0..m).map(|j| 1.0 - sse[j] / (n * var[j])).sum::<f64>() / m as f64,
            Loss::Accuracy => unreachable!("handled above"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_by_warm_up_equal_those_formed_directly() {
        let series = |k: usize| {
            let f = Mat::from_fn(300 + 50 * k, 4, |t, j| {
                ((t * (j + 1) + k) as f64 * 0.13).sin()
            });
            let y = Mat::from_fn(f.nrows(), 2, |t, j| f[(t, j)] - 0.3 * f[(t, 3)]);
            (f, y)
        };
        let train = vec![series(0), series(1)];
        let warmups = [100, 0, 20, 100];
        let got = training_stats(&train, &warmups).unwrap();
        assert_eq!(got.len(), 3);
        for &w in &warmups {
            let mut direct: Option<RidgeStats> = None;
            for (f, y) in &train {
                let s = RidgeStats::from_series(f.as_ref(), y.as_ref(), w).unwrap();
                match &mut direct {
                    Some(acc) => acc.merge(&s).unwrap(),
                    None => direct = Some(s),
                }
            }
            let (a, b) = (&got[&w], direct.unwrap());
            assert_eq!(a.count(), b.count());
            for i in 0..4 {
                assert!((a.mean_x()[i] - b.mean_x()[i]).abs() < 1e-12);
                for j in 0..4 {
                    assert!(
                        (a.cxx()[(i, j)] - b.cxx()[(i, j)]).abs()
                            < 1e-9 * b.cxx()[(i, i)].abs().max(1.0)
                    );
                }
                for j in 0..2 {
                    assert!(
                        (a.cxy()[(i, j)] - b.cxy()[(i, j)]).abs()
                            < 1e-9 * b.cxx()[(i, i)].abs().max(1.0)
                    );
                }
            }
        }
        assert!(training_stats(&train, &[300]).is_err());
    }
}
