//! Series conventions and validation.
//!
//! A series is a matrix with one row per time step and one column per feature (`T x F`, `f64`),
//! as in ReservoirPy and numpy's `(timesteps, features)`. Several series are a slice of such
//! matrices; their lengths may differ. Functions accept anything that implements [`AsSeries`]:
//! an owned [`Mat`], a view [`MatRef`] (e.g. a slice of rows of a longer series), or references
//! to either.

use crate::error::{Error, Result};
use faer::{Mat, MatMut, MatRef};

/// Anything that can be viewed as a `T x F` series.
pub trait AsSeries {
    /// A view of the series.
    fn as_series(&self) -> MatRef<'_, f64>;
}

impl AsSeries for Mat<f64> {
    fn as_series(&self) -> MatRef<'_, f64> {
        self.as_ref()
    }
}

impl AsSeries for MatRef<'_, f64> {
    fn as_series(&self) -> MatRef<'_, f64> {
        *self
    }
}

impl AsSeries for MatMut<'_, f64> {
    fn as_series(&self) -> MatRef<'_, f64> {
        self.as_ref()
    }
}

impl<S: AsSeries + ?Sized> AsSeries for &S {
    fn as_series(&self) -> MatRef<'_, f64> {
        (**self).as_series()
    }
}

/// Checks that a series is non-empty, has `features` columns (if given) and only finite values.
pub fn check_series(what: &str, x: MatRef<'_, f64>, features: Option<usize>) -> Result<()> {
    if x.nrows() == 0 {
        return Err(Error::Empty {
            what: what.to_string(),
        });
    }
    if let Some(f) = features {
        if x.ncols() != f {
            return Err(Error::shape(
                what,
                format!("(_, {f})"),
                format!("({}, {})", x.nrows(), x.ncols()),
            ));
        }
    }
    check_finite(what, x)
}

/// Checks that every value of `x` is finite, naming the first that is not.
pub fn check_finite(what: &str, x: MatRef<'_, f64>) -> Result<()> {
    for j in 0..x.ncols() {
        let col = x.col(j);
        for i in 0..x.nrows() {
            let v = col[i];
            if !v.is_finite() {
                return Err(Error::NonFinite {
                    what: what.to_string(),
                    row: i,
                    col: j,
                    value: v,
                });
            }
        }
    }
    Ok(())
}

/// Checks that a slice is finite, naming the first non-finite value.
pub(crate) fn check_finite_slice(what: &str, x: &[f64]) -> Result<()> {
    match x.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(Error::NonFinite {
            what: what.to_string(),
            row: 0,
            col: i,
            value: x[i],
        }),
        None => Ok(()),
    }
}

/// Checks that paired lists correspond (same count, same lengths), without reading the values.
pub(crate) fn check_pair_counts(
    inputs: &[MatRef<'_, f64>],
    targets: &[MatRef<'_, f64>],
) -> Result<()> {
    if inputs.is_empty() {
        return Err(Error::Empty {
            what: "list of input series".into(),
        });
    }
    if inputs.len() != targets.len() {
        return Err(Error::SeriesCountMismatch {
            inputs: inputs.len(),
            targets: targets.len(),
        });
    }
    for (i, (x, y)) in inputs.iter().zip(targets).enumerate() {
        if x.nrows() == 0 {
            return Err(Error::Empty {
                what: format!("input series {i}"),
            });
        }
        if x.nrows() != y.nrows() {
            return Err(Error::shape(
                format!("target series {i}"),
                format!("{} rows (as its input)", x.nrows()),
                format!("{} rows", y.nrows()),
            ));
        }
    }
    Ok(())
}

/// Checks that paired lists of series correspond: same count, same lengths, given widths.
pub fn check_pairs(
    inputs: &[MatRef<'_, f64>],
    targets: &[MatRef<'_, f64>],
    input_features: Option<usize>,
    target_features: Option<usize>,
) -> Result<()> {
    check_pair_counts(inputs, targets)?;
    for (i, (x, y)) in inputs.iter().zip(targets).enumerate() {
        check_series(&format!("input series {i}"), *x, input_features)?;
        check_series(&format!("target series {i}"), *y, target_features)?;
    }
    Ok(())
}

/// The rows of `x` as one-row series: samples of static features, for models that learn one
/// value or class per series.
///
/// ```
/// let x = faer::Mat::from_fn(3, 2, |i, j| (i * 2 + j) as f64);
/// let samples = aquifer::series::rows(x.as_ref());
/// assert_eq!(samples.len(), 3);
/// assert_eq!(samples[2][(0, 1)], 5.0);
/// ```
pub fn rows(x: MatRef<'_, f64>) -> Vec<MatRef<'_, f64>> {
    (0..x.nrows()).map(|i| x.subrows(i, 1)).collect()
}

/// Views of a list of series.
pub(crate) fn views<S: AsSeries>(list: &[S]) -> Vec<MatRef<'_, f64>> {
    list.iter().map(|s| s.as_series()).collect()
}

/// Builds a `T x F` matrix from row-major data.
///
/// ```
/// let x = aquifer::series::from_rows(2, 3, &[1., 2., 3., 4., 5., 6.]).unwrap();
/// assert_eq!(x[(1, 0)], 4.0);
/// ```
pub fn from_rows(rows: usize, cols: usize, data: &[f64]) -> Result<Mat<f64>> {
    if data.len() != rows * cols {
        return Err(Error::shape(
            "row-major data",
            format!("{} values ({rows} x {cols})", rows * cols),
            format!("{} values", data.len()),
        ));
    }
    Ok(Mat::from_fn(rows, cols, |i, j| data[i * cols + j]))
}

/// A single-column series from a slice.
pub fn column(data: &[f64]) -> Mat<f64> {
    Mat::from_fn(data.len(), 1, |i, _| data[i])
}
