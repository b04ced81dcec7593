//! Input matrices and biases.

use super::random::{random_dense, Values};
use crate::error::{Error, Result};
use faer::Mat;
use serde::{Deserialize, Serialize};

/// Input scaling: one gain for every input, or one gain per input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum InputScaling {
    /// The same gain for every input feature.
    Scalar(f64),
    /// One gain per input feature.
    PerColumn(Vec<f64>),
}

impl Default for InputScaling {
    fn default() -> Self {
        InputScaling::Scalar(1.0)
    }
}

impl From<f64> for InputScaling {
    fn from(v: f64) -> Self {
        InputScaling::Scalar(v)
    }
}

impl From<Vec<f64>> for InputScaling {
    fn from(v: Vec<f64>) -> Self {
        InputScaling::PerColumn(v)
    }
}

impl InputScaling {
    /// The gain of input column `j` (of `inputs`), checking the length of a per-column scaling.
    pub(crate) fn gains(&self, inputs: usize) -> Result<Vec<f64>> {
        let g = match self {
            InputScaling::Scalar(s) => vec![*s; inputs],
            InputScaling::PerColumn(v) => {
                if v.len() != inputs {
                    return Err(Error::shape(
                        "per-column input scaling",
                        format!("{inputs} values (one per input)"),
                        format!("{} values", v.len()),
                    ));
                }
                v.clone()
            }
        };
        if let Some(bad) = g.iter().find(|x| !x.is_finite()) {
            return Err(Error::invalid("input_scaling", bad, "must be finite"));
        }
        Ok(g)
    }
}

/// An input matrix `Win` of shape `units x inputs`: random values at the given connectivity,
/// column `j` multiplied by the input scaling of input `j`.
///
/// ```
/// use aquifer::init::{input_matrix, InputScaling, Values};
/// let win = input_matrix(100, 2, Values::bernoulli(0.5), 1.0, &InputScaling::PerColumn(vec![1.0, 0.1]), 3)?;
/// assert_eq!(win[(0, 1)].abs(), 0.1);
/// # Ok::<(), aquifer::Error>(())
/// ```
pub fn input_matrix(
    units: usize,
    inputs: usize,
    values: Values,
    connectivity: f64,
    scaling: &InputScaling,
    seed: u64,
) -> Result<Mat<f64>> {
    if units == 0 {
        return Err(Error::invalid("units", 0, "must be >= 1"));
    }
    if inputs == 0 {
        return Err(Error::invalid("input dimension", 0, "must be >= 1"));
    }
    let gains = scaling.gains(inputs)?;
    let mut w = random_dense(units, inputs, values, connectivity, seed)?;
    for (j, g) in gains.iter().enumerate() {
        w.col_mut(j).iter_mut().for_each(|v| *v *= g);
    }
    Ok(w)
}

/// A random bias vector of `units` values at the given connectivity, multiplied by `scaling`.
pub fn bias(
    units: usize,
    values: Values,
    connectivity: f64,
    scaling: f64,
    seed: u64,
) -> Result<Vec<f64>> {
    if !scaling.is_finite() {
        return Err(Error::invalid("bias_scaling", scaling, "must be finite"));
    }
    let b = random_dense(units, 1, values, connectivity, seed)?;
    Ok(b.col(0).iter().map(|v| v * scaling).collect())
}
