//! Search spaces: the distributions hyperparameters are drawn from, and the values drawn.

use crate::error::{Error, Result};
use rand::RngExt;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A hyperparameter's value, as records hold it (never an index into a choice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// A whole number (integer spaces).
    Int(i64),
    /// A real number.
    Float(f64),
    /// A string (a choice among names).
    Str(String),
}

impl Value {
    /// The value as a number (booleans and strings: `None`).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::Float(v) => Some(*v),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(v) => write!(f, "{v}"),
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) if *v != 0.0 && !(1e-4..1e6).contains(&v.abs()) => write!(f, "{v:e}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Str(v) => write!(f, "{v}"),
        }
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Str(v.to_string())
    }
}

/// A trial's hyperparameters by name.
pub type Params = BTreeMap<String, Value>;

/// The distribution of one hyperparameter.
///
/// In a TOML study file: `{ distribution = "log_uniform", low = 1e-3, high = 1.0 }`,
/// `{ distribution = "choice", values = ["tanh", "sigmoid"] }`, ...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Space {
    /// Uniform on `[low, high]`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// `exp` of a uniform on `[ln low, ln high]` (`0 < low < high`).
    LogUniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// A uniform value rounded to a multiple of `q`, kept in `[low, high]`.
    QUniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
        /// The step.
        q: f64,
    },
    /// A log-uniform value rounded to a multiple of `q`, kept in `[low, high]`.
    QLogUniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
        /// The step.
        q: f64,
    },
    /// A whole number in `[low, high]`, each equally likely.
    Int {
        /// Lower bound (inclusive).
        low: i64,
        /// Upper bound (inclusive).
        high: i64,
    },
    /// One of the values (numbers, strings or booleans), each equally likely.
    Choice {
        /// The values.
        values: Vec<Value>,
    },
    /// Normal of mean `mu` and standard deviation `sigma`.
    Normal {
        /// Mean.
        mu: f64,
        /// Standard deviation (> 0).
        sigma: f64,
    },
    /// `exp` of a normal of mean `mu` and standard deviation `sigma`.
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm (> 0).
        sigma: f64,
    },
}

/// Where a space lives for the samplers: an interval of the real line (in log coordinates for
/// the logarithmic spaces), a normal prior, or categories.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Domain {
    /// `[low, high]`.
    Interval(f64, f64),
    /// The real line, with a normal prior.
    Line(f64, f64),
    /// `n` categories.
    Categories(usize),
}

impl Space {
    /// Checks the bounds (errors name the hyperparameter `name`).
    pub fn validate(&self, name: &str) -> Result<()> {
        let bad = |reason: String| {
            Err(Error::InvalidParameter {
                name: "search space",
                value: name.to_string(),
                reason,
            })
        };
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        match self {
            Space::Uniform { low, high } | Space::QUniform { low, high, .. }
                if !(finite(&[*low, *high]) && low < high) =>
            {
                bad(format!("needs finite low < high (got {low}, {high})"))
            }
            Space::LogUniform { low, high } | Space::QLogUniform { low, high, .. }
                if !(finite(&[*low, *high]) && *low > 0.0 && low < high) =>
            {
                bad(format!(
                    "a logarithmic space needs 0 < low < high (got {low}, {high})"
                ))
            }
            Space::QUniform { q, .. } | Space::QLogUniform { q, .. }
                if !(q.is_finite() && *q > 0.0) =>
            {
                bad(format!("the step q must be > 0 (got {q})"))
            }
            Space::Int { low, high } if low > high => {
                bad(format!("needs low <= high (got {low}, {high})"))
            }
            Space::Choice { values } if values.is_empty() => bad("a choice of nothing".into()),
            Space::Normal { mu, sigma } | Space::LogNormal { mu, sigma }
                if !(finite(&[*mu, *sigma]) && *sigma > 0.0) =>
            {
                bad(format!(
                    "needs a finite mu and sigma > 0 (got {mu}, {sigma})"
                ))
            }
            _ => Ok(()),
        }
    }

    /// Whether the space is logarithmic (report axes are then logarithmic).
    pub fn is_log(&self) -> bool {
        matches!(
            self,
            Space::LogUniform { .. } | Space::QLogUniform { .. } | Space::LogNormal { .. }
        )
    }

    /// The samplers' coordinates of the space.
    pub(crate) fn domain(&self) -> Domain {
        match *self {
            Space::Uniform { low, high } | Space::QUniform { low, high, .. } => {
                Domain::Interval(low, high)
            }
            Space::LogUniform { low, high } | Space::QLogUniform { low, high, .. } => {
                Domain::Interval(low.ln(), high.ln())
            }
            Space::Int { low, high } => Domain::Interval(low as f64 - 0.5, high as f64 + 0.5),
            Space::Normal { mu, sigma } | Space::LogNormal { mu, sigma } => Domain::Line(mu, sigma),
            Space::Choice { ref values } => Domain::Categories(values.len()),
        }
    }

    /// The value at coordinate `z` (for categories, `z` is the index).
    pub(crate) fn value_at(&self, z: f64) -> Value {
        let round = |v: f64, q: f64, low: f64, high: f64| {
            let r = (v / q).round() * q;
            // the multiple of q nearest to v within the bounds
            if r < low {
                r + q
            } else if r > high {
                r - q
            } else {
                r
            }
            .clamp(low, high)
        };
        match self {
            Space::Uniform { low, high } => Value::Float(z.clamp(*low, *high)),
            Space::LogUniform { low, high } => Value::Float(z.exp().clamp(*low, *high)),
            Space::QUniform { low, high, q } => Value::Float(round(z, *q, *low, *high)),
            Space::QLogUniform { low, high, q } => Value::Float(round(z.exp(), *q, *low, *high)),
            Space::Int { low, high } => Value::Int((z.round() as i64).clamp(*low, *high)),
            Space::Normal { .. } => Value::Float(z),
            Space::LogNormal { .. } => Value::Float(z.exp()),
            Space::Choice { values } => values[(z as usize).min(values.len() - 1)].clone(),
        }
    }

    /// The coordinate of a value drawn from this space (`None` if it cannot be one).
    pub(crate) fn coordinate(&self, v: &Value) -> Option<f64> {
        match self {
            Space::Choice { values } => values.iter().position(|c| c == v).map(|i| i as f64),
            Space::LogUniform { .. } | Space::QLogUniform { .. } | Space::LogNormal { .. } => {
                v.as_f64().filter(|x| *x > 0.0).map(f64::ln)
            }
            _ => v.as_f64(),
        }
    }

    /// A value drawn from the prior.
    pub fn sample(&self, rng: &mut impl rand::Rng) -> Value {
        let z = match self.domain() {
            Domain::Interval(a, b) => a + (b - a) * rng.random::<f64>(),
            Domain::Line(mu, sigma) => Normal::new(mu, sigma)
                .expect("sigma checked > 0")
                .sample(rng),
            Domain::Categories(n) => rng.random_range(0..n) as f64,
        };
        self.value_at(z)
    }
}
