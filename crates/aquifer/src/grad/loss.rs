//! Losses with their gradients, and the class a row of scores votes for.

use crate::error::{Error, Result};
use faer::{Mat, MatRef};

/// Mean squared error over every element, and its gradient with respect to `pred`.
pub fn mse(pred: MatRef<'_, f64>, target: MatRef<'_, f64>) -> Result<(f64, Mat<f64>)> {
    if pred.nrows() != target.nrows() || pred.ncols() != target.ncols() || pred.nrows() == 0 {
        return Err(Error::shape(
            "MSE target",
            format!("{} x {}", pred.nrows(), pred.ncols()),
            format!("{} x {}", target.nrows(), target.ncols()),
        ));
    }
    let count = (pred.nrows() * pred.ncols()) as f64;
    let grad = Mat::from_fn(pred.nrows(), pred.ncols(), |i, j| {
        2.0 * (pred[(i, j)] - target[(i, j)]) / count
    });
    let loss = (0..pred.nrows())
        .flat_map(|i| (0..pred.ncols()).map(move |j| (i, j)))
        .map(|(i, j)| (pred[(i, j)] - target[(i, j)]).powi(2))
        .sum::<f64>()
        / count;
    Ok((loss, grad))
}

/// Softmax cross-entropy of `logits` (`B x C`) against class labels, averaged over the
/// batch, and its gradient with respect to the logits (`(softmax - onehot) / B`).
pub fn softmax_cross_entropy(logits: MatRef<'_, f64>, labels: &[usize]) -> Result<(f64, Mat<f64>)> {
    let (b, c) = (logits.nrows(), logits.ncols());
    if labels.len() != b || b == 0 {
        return Err(Error::shape(
            "class labels",
            format!("{b} labels"),
            format!("{} labels", labels.len()),
        ));
    }
    if let Some(&l) = labels.iter().find(|&&l| l >= c) {
        return Err(Error::invalid(
            "class label",
            l,
            &format!("must be < {c} classes"),
        ));
    }
    let mut grad = Mat::zeros(b, c);
    let mut loss = 0.0;
    for i in 0..b {
        let max = (0..c)
            .map(|j| logits[(i, j)])
            .fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = (0..c).map(|j| (logits[(i, j)] - max).exp()).sum();
        let log_sum = max + sum.ln();
        loss += log_sum - logits[(i, labels[i])];
        for j in 0..c {
            grad[(i, j)] =
                ((logits[(i, j)] - log_sum).exp() - (j == labels[i]) as u8 as f64) / b as f64;
        }
    }
    Ok((loss / b as f64, grad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losses_and_their_gradients_agree_with_finite_differences() {
        let logits = Mat::from_fn(3, 4, |i, j| ((i * 4 + j) as f64 * 0.7).sin() * 2.0);
        let labels = [2, 0, 3];
        let target = Mat::from_fn(3, 4, |i, j| (i + j) as f64 * 0.1);
        let (_, g_ce) = softmax_cross_entropy(logits.as_ref(), &labels).unwrap();
        let (_, g_mse) = mse(logits.as_ref(), target.as_ref()).unwrap();
        let h = 1e-6;
        for i in 0..3 {
            for j in 0..4 {
                let mut plus = logits.clone();
                plus[(i, j)] += h;
                let mut minus = logits.clone();
                minus[(i, j)] -= h;
                let ce = |m: &Mat<f64>| softmax_cross_entropy(m.as_ref(), &labels).unwrap().0;
                let sq = |m: &Mat<f64>| mse(m.as_ref(), target.as_ref()).unwrap().0;
                assert!(((ce(&plus) - ce(&minus)) / (2.0 * h) - g_ce[(i, j)]).abs() < 1e-8);
                assert!(((sq(&plus) - sq(&minus)) / (2.0 * h) - g_mse[(i, j)]).abs() < 1e-8);
            }
        }
        // uniform logits: the loss is ln C
        let (l, _) = softmax_cross_entropy(Mat::<f64>::zeros(2, 5).as_ref(), &[1, 4]).unwrap();
        assert!((l - 5f64.ln()).abs() < 1e-15);
        assert!(softmax_cross_entropy(logits.as_ref(), &[0, 1]).is_err());
        assert!(softmax_cross_entropy(logits.as_ref(), &[0, 1, 4]).is_err());
    }
}
