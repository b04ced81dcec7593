//! Study files for `aquifer search`: the data, the task, the model configuration, the spaces
//! of its hyperparameters, the loss, the budget and the sampler, in TOML.
//!
//! ```toml
//! name = "mackey-glass"        # for reports (default: the file's name)
//! seed = 1                     # the sampler's and every instance's seed
//! trials = 100                 # the budget
//! sampler = "tpe"              # or "random"; [tpe] startup = 10, candidates = 24
//! batch = 4                    # trials drawn together (and run in parallel)
//! instances_per_trial = 3      # models with different seeds per trial; the loss is their mean
//! loss = "nrmse"               # mse, rmse, nrmse, r2; accuracy with classes
//! records = "mg.jsonl"         # default: the study file's name with .jsonl
//!
//! [data]
//! dataset = "mackey-glass"     # a dataset of `aquifer dataset`, with steps (and seed)
//! steps = 3000
//! # files = ["a.csv"]          # or CSV/.npy files, relative to this file
//! # inputs = "x"               # columns, as `fit --inputs`
//! # targets = "y"              # as `fit --targets`
//! horizon = 1                  # as `fit --horizon`
//! # classes = "speaker0:speaker8"   # classification, as `fit --classes` (with last = 10)
//! validation = 0.2             # the last 20% of the rows of one series, or 20% of the series
//!
//! [model]                      # an `aquifer fit` configuration: fixed values
//! warmup = 100
//! [model.reservoir]
//! units = 500
//!
//! [space]                      # configuration keys (dotted) and their spaces
//! "reservoir.spectral_radius" = { distribution = "log_uniform", low = 0.1, high = 2.0 }
//! "reservoir.leak_rate" = { distribution = "log_uniform", low = 0.01, high = 1.0 }
//!
//! [ridge]                      # solved for in closed form over this grid (the default:
//! low = 1e-12                  # every half decade from 1e-12 to 1)
//! high = 1.0
//! count = 25                   # or values = [1e-8, 1e-6]
//! # warmups = [50, 100, 200]   # (in [ridge]) warm-ups tried on the same features
//! ```

mod objective;

pub use objective::Task;

use crate::commands::dataset::{self, Name};
use crate::error::{Error, Result};
use aquifer::search::{log_grid, Direction, Sampler, Space, StudySpec, TpeParams};
use clap::ValueEnum;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A study file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyFile {
    name: Option<String>,
    #[serde(default)]
    seed: u64,
    trials: usize,
    #[serde(default)]
    sampler: SamplerName,
    #[serde(default)]
    tpe: TpeParams,
    #[serde(default = "four")]
    batch: usize,
    #[serde(default = "one", alias = "instances")]
    instances_per_trial: usize,
    loss: Option<Loss>,
    records: Option<PathBuf>,
    data: DataSection,
    #[serde(default)]
    model: toml::Table,
    #[serde(default)]
    space: BTreeMap<String, Space>,
    #[serde(default)]
    ridge: RidgeSection,
}

fn four() -> usize {
    4
}

fn one() -> usize {
    1
}

/// The sampler's name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SamplerName {
    #[default]
    Tpe,
    Random,
}

/// The loss a study minimises (or, for `r2` and `accuracy`, maximises) on the validation data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    /// Mean squared error over every value.
    Mse,
    /// Its square root.
    Rmse,
    /// Mean over the targets of the RMSE divided by the target's standard deviation.
    Nrmse,
    /// Mean over the targets of the coefficient of determination.
    R2,
    /// Fraction of validation series classified right.
    Accuracy,
}

impl Loss {
    fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::Rmse => "rmse",
            Loss::Nrmse => "nrmse",
            Loss::R2 => "r2",
            Loss::Accuracy => "accuracy",
        }
    }
    fn direction(self) -> Direction {
        match self {
            Loss::R2 | Loss::Accuracy => Direction::Maximize,
            _ => Direction::Minimize,
        }
    }
}

/// `[data]`: where the series come from, and the task.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    dataset: Option<String>,
    #[serde(default = "two_thousand")]
    steps: usize,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    files: Vec<PathBuf>,
    inputs: Option<String>,
    targets: Option<String>,
    #[serde(default)]
    horizon: usize,
    classes: Option<String>,
    last: Option<usize>,
    #[serde(default = "fifth")]
    validation: f64,
}

fn two_thousand() -> usize {
    2000
}

fn fifth() -> f64 {
    0.2
}

/// `[ridge]`: the grid of ridge values (and warm-ups) solved for in closed form.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RidgeSection {
    #[serde(default = "low_ridge")]
    low: f64,
    #[serde(default = "high_ridge")]
    high: f64,
    #[serde(default = "every_half_decade")]
    count: usize,
    values: Option<Vec<f64>>,
    warmups: Option<Vec<usize>>,
}

fn low_ridge() -> f64 {
    1e-12
}
fn high_ridge() -> f64 {
    1.0
}
fn every_half_decade() -> usize {
    25
}

impl Default for RidgeSection {
    fn default() -> Self {
        RidgeSection {
            low: low_ridge(),
            high: high_ridge(),
            count: every_half_decade(),
            values: None,
            warmups: None,
        }
    }
}

/// A parsed study: its description (recorded first in its records) and its records file.
#[derive(Debug)]
pub struct Study {
    /// The description.
    pub spec: StudySpec,
    /// Where the trials are recorded.
    pub records: PathBuf,
    /// The budget.
    pub trials: usize,
}

/// The study file's text and folder, kept in the records so that a study resumes, reports
/// and prints its best configuration without its file.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
struct Context {
    file: PathBuf,
    text: String,
}

/// Reads a study file.
pub fn load(path: &Path) -> Result<Study> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(&text, path)
}

fn parse_file(text: &str, path: &Path) -> Result<StudyFile> {
    toml::from_str(text).map_err(|e| crate::config::toml_error(path, text, e))
}

/// Parses a study file's text (`path` names it and its folder holds its data files).
pub fn parse(text: &str, path: &Path) -> Result<Study> {
    let f = parse_file(text, path)?;
    let bad = |reason: String| Error::Config {
        path: path.to_path_buf(),
        reason,
    };
    if f.trials == 0 {
        return Err(bad("trials must be at least 1".into()));
    }
    if f.space.is_empty() {
        return Err(bad(
            "[space] names no hyperparameter to search (e.g. \"reservoir.spectral_radius\" = { distribution = \"log_uniform\", low = 0.1, high = 2.0 })"
                .into(),
        ));
    }
    let classification = f.data.classes.is_some();
    let loss = f.loss.unwrap_or(if classification {
        Loss::Accuracy
    } else {
        Loss::Nrmse
    });
    if classification != (loss == Loss::Accuracy) {
        return Err(bad(format!(
            "loss = \"{}\" {}",
            loss.name(),
            if classification {
                "with [data] classes: a classification study's loss is \"accuracy\""
            } else {
                "needs [data] classes (a classification study)"
            }
        )));
    }
    let name = f.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map_or("study".into(), |s| s.to_string_lossy().to_string())
    });
    let spec = StudySpec {
        name,
        space: f.space.clone(),
        sampler: match f.sampler {
            SamplerName::Tpe => Sampler::Tpe(f.tpe),
            SamplerName::Random => Sampler::Random,
        },
        seed: f.seed,
        batch: f.batch,
        instances: f.instances_per_trial,
        direction: loss.direction(),
        loss: loss.name().into(),
        context: serde_json::to_value(Context {
            file: path.to_path_buf(),
            text: text.to_string(),
        })
        .map_err(|e| bad(e.to_string()))?,
    };
    spec.validate().map_err(|e| bad(e.to_string()))?;
    let records = match &f.records {
        Some(r) => base_of(path).join(r),
        None => path.with_extension("jsonl"),
    };
    Ok(Study {
        spec,
        records,
        trials: f.trials,
    })
}

/// The folder a study file's paths are relative to.
fn base_of(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The study file a recorded study was made from.
pub fn file_of(spec: &StudySpec) -> Result<(PathBuf, StudyFile)> {
    let c: Context = serde_json::from_value(spec.context.clone()).map_err(|e| {
        Error::usage(format!(
            "the records do not hold their study file (not written by `aquifer search`?): {e}"
        ))
    })?;
    let f = parse_file(&c.text, &c.file)?;
    Ok((c.file, f))
}

impl StudyFile {
    /// The ridge values and warm-ups of the closed-form grid.
    fn grid(&self) -> Result<(Vec<f64>, Option<Vec<usize>>)> {
        let ridges = match &self.ridge.values {
            Some(v) if v.is_empty() => return Err(Error::usage("[ridge] values is empty")),
            Some(v) => {
                if let Some(r) = v.iter().find(|r| !(r.is_finite() && **r >= 0.0)) {
                    return Err(Error::usage(format!(
                        "[ridge] values: {r} is not a ridge (finite, >= 0)"
                    )));
                }
                v.clone()
            }
            None => log_grid(self.ridge.low, self.ridge.high, self.ridge.count)?,
        };
        if let Some(w) = &self.ridge.warmups {
            if w.is_empty() {
                return Err(Error::usage("[ridge] warmups is empty"));
            }
            if self.space.contains_key("warmup") {
                return Err(Error::usage(
                    "warmup is both in [space] and in [ridge] warmups: keep one",
                ));
            }
        }
        Ok((ridges, self.ridge.warmups.clone()))
    }

    /// The tables of the data: a dataset's, or the files'.
    fn tables(&self, base: &Path) -> Result<Vec<crate::table::Table>> {
        let d = &self.data;
        match (&d.dataset, d.files.is_empty()) {
            (Some(_), false) => Err(Error::usage("[data] names a dataset and files: keep one")),
            (None, true) => Err(Error::usage(
                "[data] needs a dataset (e.g. dataset = \"mackey-glass\") or files",
            )),
            (Some(name), true) => {
                let n = Name::from_str(name, true).map_err(|_| {
                    Error::usage(format!(
                        "[data] dataset = \"{name}\": not a dataset (see `aquifer dataset --help`)"
                    ))
                })?;
                dataset::tables(n, d.steps, d.seed)
            }
            (None, false) => d
                .files
                .iter()
                .map(|f| crate::table::read(&base.join(f)))
                .collect(),
        }
    }
}
