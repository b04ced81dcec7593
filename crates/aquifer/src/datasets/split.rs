//! Forecasting pairs and train/test splits.

use crate::error::{Error, Result};
use crate::series::{check_series, AsSeries};
use faer::Mat;

/// Inputs and targets for forecasting `horizon` steps ahead: `x = s[0..T-k]`, `y = s[k..T]`.
///
/// ```
/// let s = aquifer::series::column(&[1., 2., 3., 4.]);
/// let (x, y) = aquifer::datasets::forecasting(&s, 1)?;
/// assert_eq!((x[(0, 0)], y[(0, 0)], x.nrows()), (1.0, 2.0, 3));
/// # Ok::<(), aquifer::Error>(())
/// ```
pub fn forecasting(series: impl AsSeries, horizon: usize) -> Result<(Mat<f64>, Mat<f64>)> {
    let s = series.as_series();
    check_series("series", s, None)?;
    if horizon == 0 || horizon >= s.nrows() {
        return Err(Error::invalid(
            "horizon",
            horizon,
            &format!(
                "must lie in [1, {}) for a series of {} steps",
                s.nrows(),
                s.nrows()
            ),
        ));
    }
    let t = s.nrows() - horizon;
    Ok((s.subrows(0, t).to_owned(), s.subrows(horizon, t).to_owned()))
}

/// Splits a series into its first `n_train` rows and the rest.
pub fn split_series(series: impl AsSeries, n_train: usize) -> Result<(Mat<f64>, Mat<f64>)> {
    let s = series.as_series();
    if n_train == 0 || n_train >= s.nrows() {
        return Err(Error::invalid(
            "n_train",
            n_train,
            &format!(
                "must lie in [1, {}) for a series of {} steps",
                s.nrows(),
                s.nrows()
            ),
        ));
    }
    Ok((
        s.subrows(0, n_train).to_owned(),
        s.subrows(n_train, s.nrows() - n_train).to_owned(),
    ))
}

/// Inputs and targets of one split: `(x, y)`.
pub type Pair = (Mat<f64>, Mat<f64>);

/// Train/test pair of pairs: `((x_train, y_train), (x_test, y_test))`, the first `n_train`
/// rows for training.
pub fn split(x: impl AsSeries, y: impl AsSeries, n_train: usize) -> Result<(Pair, Pair)> {
    let (x, y) = (x.as_series(), y.as_series());
    if x.nrows() != y.nrows() {
        return Err(Error::shape(
            "targets to split",
            format!("{} rows (as the inputs)", x.nrows()),
            format!("{} rows", y.nrows()),
        ));
    }
    let (x_tr, x_te) = split_series(x, n_train)?;
    let (y_tr, y_te) = split_series(y, n_train)?;
    Ok(((x_tr, y_tr), (x_te, y_te)))
}
