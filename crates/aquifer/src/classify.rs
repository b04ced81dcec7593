//! Sequence classification: one class per series, from a readout trained at every step.
//!
//! A reservoir classifier's readout is fitted on [`one_hot`] targets (the series' class
//! repeated at every step); over a new series its outputs are one score per class and step, and
//! [`decide`] takes the class whose score has the largest mean over the last `k` steps (or over
//! every step). [`crate::metrics::Confusion`] counts the results.
//!
//! ```
//! use aquifer::classify::{decide, one_hot};
//! use aquifer::faer::mat;
//!
//! let target = one_hot(2, 3, 4).unwrap(); // class 2 of 3, at each of 4 steps
//! assert_eq!(target[(0, 2)], 1.0);
//! assert_eq!(target[(3, 0)], 0.0);
//!
//! // scores of 3 classes over 3 steps: class 0 on average, class 1 at the last step
//! let scores = mat![[0.9, 0.0, 0.1], [0.8, 0.1, 0.1], [0.2, 0.7, 0.1]];
//! assert_eq!(decide(&scores, None).unwrap(), 0);
//! assert_eq!(decide(&scores, Some(1)).unwrap(), 1);
//! ```

use crate::error::{Error, Result};
use crate::series::{check_series, AsSeries};
use faer::Mat;

/// The target series of a series of `rows` steps in class `class` of `classes`: 1 in the
/// class's column, 0 elsewhere, at every step.
pub fn one_hot(class: usize, classes: usize, rows: usize) -> Result<Mat<f64>> {
    if class >= classes {
        return Err(Error::invalid(
            "class",
            class,
            &format!("must be below the number of classes, {classes}"),
        ));
    }
    crate::memory::check(
        || format!("one-hot targets of {rows} x {classes}"),
        crate::memory::values(rows, classes, 1),
    )?;
    Ok(Mat::from_fn(rows, classes, |_, j| {
        f64::from(u8::from(j == class))
    }))
}

/// The class of each row of one-hot (or score) rows `y` (`T x classes`): the column of its
/// largest value, the first of equals.
///
/// ```
/// use aquifer::faer::mat;
/// let y = mat![[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]];
/// assert_eq!(aquifer::classify::from_one_hot(&y).unwrap(), [1, 0]);
/// ```
pub fn from_one_hot(y: impl AsSeries) -> Result<Vec<usize>> {
    let y = y.as_series();
    check_series("one-hot rows", y, None)?;
    Ok((0..y.nrows())
        .map(|t| argmax(y.row(t).iter().copied()))
        .collect())
}

/// Each class's mean score over the last `last` steps of `scores` (`T x classes`), or over
/// every step when `last` is `None`; a series shorter than `last` is averaged whole.
pub fn mean_scores(scores: impl AsSeries, last: Option<usize>) -> Result<Vec<f64>> {
    let scores = scores.as_series();
    check_series("class scores", scores, None)?;
    if last == Some(0) {
        return Err(Error::invalid("last", 0, "must be at least 1 step"));
    }
    let rows = scores.nrows();
    let from = rows - last.unwrap_or(rows).min(rows);
    let n = (rows - from) as f64;
    Ok((0..scores.ncols())
        .map(|j| (from..rows).map(|t| scores[(t, j)]).sum::<f64>() / n)
        .collect())
}

/// The class of a series: the column of `scores` (`T x classes`) with the largest mean over the
/// last `last` steps (every step when `None`); a tie goes to the first such class.
pub fn decide(scores: impl AsSeries, last: Option<usize>) -> Result<usize> {
    let means = mean_scores(scores, last)?;
    Ok(argmax(means))
}

/// The index of the largest value (the first of equals; NaNs never win); 0 when empty.
///
/// ```
/// assert_eq!(aquifer::classify::argmax([0.1, 0.7, 0.7, 0.2]), 1);
/// ```
pub fn argmax(values: impl IntoIterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (j, v) in values.into_iter().enumerate() {
        if v > best.1 {
            best = (j, v);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::mat;

    #[test]
    fn the_mean_over_the_last_steps_decides() {
        let s = mat![[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]];
        assert_eq!(mean_scores(&s, None).unwrap(), vec![1.0 / 3.0, 2.0 / 3.0]);
        assert_eq!(
            mean_scores(&s, Some(10)).unwrap(),
            vec![1.0 / 3.0, 2.0 / 3.0]
        );
        assert_eq!(decide(&s, Some(2)).unwrap(), 1);
        let first = mat![[1.0, 0.0], [0.0, 0.0]];
        assert_eq!(decide(&first, Some(2)).unwrap(), 0);
        assert_eq!(
            decide(&first, Some(1)).unwrap(),
            0,
            "a tie goes to the first class"
        );
    }

    #[test]
    fn bad_requests_are_errors() {
        assert!(matches!(
            one_hot(3, 3, 2),
            Err(Error::InvalidParameter { name: "class", .. })
        ));
        let s = mat![[1.0, f64::NAN]];
        assert!(matches!(decide(&s, None), Err(Error::NonFinite { .. })));
        assert!(matches!(
            decide(mat![[1.0]], Some(0)),
            Err(Error::InvalidParameter { name: "last", .. })
        ));
        assert!(decide(Mat::<f64>::zeros(0, 2), None).is_err());
    }
}
