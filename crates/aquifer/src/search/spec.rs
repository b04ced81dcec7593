//! What a study is: its spaces, sampler, seed, batches, instances and loss (the first line of
//! its records).

use super::space::Space;
use super::tpe::TpeParams;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How the next trials' hyperparameters are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Sampler {
    /// Independently from each space's prior.
    Random,
    /// Tree-structured Parzen estimator ([`TpeParams`]).
    Tpe(TpeParams),
}

/// Whether the loss is minimised (errors) or maximised (accuracy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Smaller is better.
    #[default]
    Minimize,
    /// Larger is better.
    Maximize,
}

impl Direction {
    /// The loss as a value to minimise.
    pub fn signed(self, loss: f64) -> f64 {
        match self {
            Direction::Minimize => loss,
            Direction::Maximize => -loss,
        }
    }
}

/// What a study is: recorded first in its records file, so that it can be resumed and
/// reported on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudySpec {
    /// A name for reports.
    pub name: String,
    /// The hyperparameters and their spaces.
    pub space: BTreeMap<String, Space>,
    /// The sampler.
    pub sampler: Sampler,
    /// Seed of the sampler and of every instance.
    pub seed: u64,
    /// Trials drawn together from the same history (and run in parallel). The samples depend
    /// on it, never on the number of threads.
    pub batch: usize,
    /// Instances (models with different seeds) per trial.
    pub instances: usize,
    /// Whether the loss is minimised or maximised.
    pub direction: Direction,
    /// The loss's name, for reports (`nrmse`, `accuracy`, ...).
    pub loss: String,
    /// What the objective needs besides the parameters (the command line keeps its model
    /// configuration and data here); not read by the study.
    #[serde(default)]
    pub context: serde_json::Value,
}

impl StudySpec {
    /// A study of `space` with the TPE sampler, batches of 4, one instance, minimising.
    pub fn new(name: &str, space: BTreeMap<String, Space>, seed: u64) -> Self {
        StudySpec {
            name: name.to_string(),
            space,
            sampler: Sampler::Tpe(TpeParams::default()),
            seed,
            batch: 4,
            instances: 1,
            direction: Direction::Minimize,
            loss: "loss".into(),
            context: serde_json::Value::Null,
        }
    }

    /// Checks the spaces and counts.
    pub fn validate(&self) -> Result<()> {
        for (name, s) in &self.space {
            s.validate(name)?;
        }
        if self.batch == 0 {
            return Err(Error::invalid("batch", 0, "must be >= 1"));
        }
        if self.instances == 0 {
            return Err(Error::invalid("instances_per_trial", 0, "must be >= 1"));
        }
        if let Sampler::Tpe(p) = self.sampler {
            if p.candidates == 0 {
                return Err(Error::invalid("candidates", 0, "must be >= 1"));
            }
            if !(p.prior_weight.is_finite() && p.prior_weight > 0.0) {
                return Err(Error::invalid(
                    "prior_weight",
                    p.prior_weight,
                    "must be > 0",
                ));
            }
        }
        Ok(())
    }
}
