//! Standardisation of series: each feature shifted to zero mean and scaled to unit standard
//! deviation, with the statistics of the training series, then applied to any series and
//! undone on predictions.
//!
//! ```
//! use aquifer::faer::mat;
//! use aquifer::scaler::StandardScaler;
//! let train = mat![[1.0, 10.0], [3.0, 10.0]];
//! let s = StandardScaler::fit(&[&train])?;
//! assert_eq!(s.mean(), [2.0, 10.0]);
//! assert_eq!(s.std(), [1.0, 1.0]); // a constant feature is only centred
//! let z = s.transform(&train)?;
//! assert_eq!(z[(0, 0)], -1.0);
//! assert_eq!(s.inverse_transform(&z)?, train);
//! # Ok::<(), aquifer::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::series::{check_series, views, AsSeries};
use faer::Mat;
use serde::{Deserialize, Serialize};

/// Per-feature mean and standard deviation, learned from series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl StandardScaler {
    /// The mean and (population) standard deviation of each feature over every row of
    /// `series`. A feature whose deviation is zero keeps a scale of 1 (it is only centred).
    pub fn fit<S: AsSeries>(series: &[S]) -> Result<Self> {
        let xs = views(series);
        let first = xs.first().ok_or(Error::Empty {
            what: "series to standardise".into(),
        })?;
        let f = first.ncols();
        for x in &xs {
            check_series("series to standardise", *x, Some(f))?;
        }
        let rows: usize = xs.iter().map(|x| x.nrows()).sum();
        let mean: Vec<f64> = (0..f)
            .map(|j| {
                xs.iter()
                    .flat_map(|x| x.col(j).iter().copied())
                    .sum::<f64>()
                    / rows as f64
            })
            .collect();
        let std = (0..f)
            .map(|j| {
                let var = xs
                    .iter()
                    .flat_map(|x| x.col(j).iter().map(|v| (v - mean[j]).powi(2)))
                    .sum::<f64>()
                    / rows as f64;
                let s = var.sqrt();
                if s > 0.0 {
                    s
                } else {
                    1.0
                }
            })
            .collect();
        Ok(StandardScaler { mean, std })
    }

    /// From given means and standard deviations (each > 0).
    pub fn from_parts(mean: Vec<f64>, std: Vec<f64>) -> Result<Self> {
        if mean.len() != std.len() || mean.is_empty() {
            return Err(Error::shape(
                "scaler",
                "as many means as deviations, at least one",
                format!("{} means, {} deviations", mean.len(), std.len()),
            ));
        }
        if let Some(s) = std.iter().find(|s| !(**s > 0.0 && s.is_finite())) {
            return Err(Error::invalid("std", s, "must be finite and > 0"));
        }
        crate::series::check_finite_slice("means", &mean)?;
        Ok(StandardScaler { mean, std })
    }

    /// The means.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The standard deviations (1 for constant features).
    pub fn std(&self) -> &[f64] {
        &self.std
    }

    /// `(x - mean) / std`, feature by feature.
    pub fn transform(&self, x: impl AsSeries) -> Result<Mat<f64>> {
        let x = x.as_series();
        check_series("series to standardise", x, Some(self.mean.len()))?;
        Ok(Mat::from_fn(x.nrows(), x.ncols(), |t, j| {
            (x[(t, j)] - self.mean[j]) / self.std[j]
        }))
    }

    /// `z std + mean`: back to the original units.
    pub fn inverse_transform(&self, z: impl AsSeries) -> Result<Mat<f64>> {
        let z = z.as_series();
        check_series("standardised series", z, Some(self.mean.len()))?;
        Ok(Mat::from_fn(z.nrows(), z.ncols(), |t, j| {
            z[(t, j)] * self.std[j] + self.mean[j]
        }))
    }
}
