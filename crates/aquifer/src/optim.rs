//! Gradient training tools shared by every model trained by gradient descent: the Adam
//! optimiser, gradient-norm clipping, the MSE and softmax cross-entropy losses with their
//! gradients, seeded mini-batches, early stopping, and the epoch loop of [`Schedule::run`].
//!
//! Parameters are flat `f64` slices (one per tensor); a model hands its tensors and their
//! gradients to [`Adam::step`] in a fixed order.
//!
//! ```
//! use aquifer::optim::{Adam, AdamParams};
//! // minimise (w - 3)^2
//! let mut w = vec![0.0_f64];
//! let mut adam = Adam::new(AdamParams { learning_rate: 0.1, ..Default::default() }, &[1])?;
//! for _ in 0..500 {
//!     let grad = vec![2.0 * (w[0] - 3.0)];
//!     adam.step(&mut [&mut w[..]], &[&grad[..]])?;
//! }
//! assert!((w[0] - 3.0).abs() < 1e-3);
//! # Ok::<(), aquifer::Error>(())
//! ```

use crate::error::{check_positive, Error, Result};
use faer::{Mat, MatRef};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// Hyperparameters of [`Adam`] (defaults: Kingma & Ba's, as PyTorch's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdamParams {
    /// Step size (> 0).
    pub learning_rate: f64,
    /// Decay of the first-moment estimate, in `[0, 1)`.
    pub beta1: f64,
    /// Decay of the second-moment estimate, in `[0, 1)`.
    pub beta2: f64,
    /// Added to the root of the second moment (> 0).
    pub eps: f64,
}

impl Default for AdamParams {
    fn default() -> Self {
        AdamParams {
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

impl AdamParams {
    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        check_positive("learning_rate", self.learning_rate)?;
        check_positive("eps", self.eps)?;
        for (name, b) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::invalid(name, b, "must be in [0, 1)"));
            }
        }
        Ok(())
    }
}

/// The Adam optimiser (Kingma & Ba 2015) with bias correction, over a fixed list of tensors.
#[derive(Debug, Clone)]
pub struct Adam {
    params: AdamParams,
    m: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
    t: u64,
}

impl Adam {
    /// An optimiser for tensors of the given lengths.
    pub fn new(params: AdamParams, lengths: &[usize]) -> Result<Self> {
        params.validate()?;
        Ok(Adam {
            params,
            m: lengths.iter().map(|&n| vec![0.0; n]).collect(),
            v: lengths.iter().map(|&n| vec![0.0; n]).collect(),
            t: 0,
        })
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// One update of every tensor from its gradient. Non-finite gradients are an error and
    /// leave the parameters unchanged.
    pub fn step(&mut self, params: &mut [&mut [f64]], grads: &[&[f64]]) -> Result<()> {
        if params.len() != self.m.len() || grads.len() != self.m.len() {
            return Err(Error::shape(
                "Adam tensors",
                format!("{} tensors", self.m.len()),
                format!("{} parameters and {} gradients", params.len(), grads.len()),
            ));
        }
        for (k, (p, g)) in params.iter().zip(grads).enumerate() {
            if p.len() != self.m[k].len() || g.len() != self.m[k].len() {
                return Err(Error::shape(
                    format!("Adam tensor {k}"),
                    format!("{} values", self.m[k].len()),
                    format!("{} parameters and {} gradients", p.len(), g.len()),
                ));
            }
            crate::series::check_finite_slice("gradient", g)?;
        }
        self.t += 1;
        let AdamParams {
            learning_rate,
            beta1,
            beta2,
            eps,
        } = self.params;
        let c1 = 1.0 - beta1.powi(self.t.min(i32::MAX as u64) as i32);
        let c2 = 1.0 - beta2.powi(self.t.min(i32::MAX as u64) as i32);
        for (k, (p, g)) in params.iter_mut().zip(grads).enumerate() {
            for ((w, &gi), (m, v)) in p
                .iter_mut()
                .zip(g.iter())
                .zip(self.m[k].iter_mut().zip(self.v[k].iter_mut()))
            {
                *m = beta1 * *m + (1.0 - beta1) * gi;
                *v = beta2 * *v + (1.0 - beta2) * gi * gi;
                *w -= learning_rate * (*m / c1) / ((*v / c2).sqrt() + eps);
            }
        }
        Ok(())
    }
}

/// Scales the gradients so that their joint Euclidean norm is at most `max_norm` (as PyTorch's
/// `clip_grad_norm_`); returns the norm before clipping.
pub fn clip_grad_norm(grads: &mut [&mut [f64]], max_norm: f64) -> Result<f64> {
    check_positive("max_norm", max_norm)?;
    let norm = grads
        .iter()
        .flat_map(|g| g.iter())
        .map(|v| v * v)
        .sum::<f64>()
        .sqrt();
    if norm > max_norm {
        let scale = max_norm / (norm + 1e-6);
        grads
            .iter_mut()
            .for_each(|g| g.iter_mut().for_each(|v| *v *= scale));
    }
    Ok(norm)
}

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

/// The mini-batches of one epoch: `0..n` shuffled with a generator derived from `(seed,
/// epoch)` (so every epoch differs and every run repeats), cut into batches of `batch_size`
/// (the last one may be smaller).
pub fn batches(n: usize, batch_size: usize, seed: u64, epoch: u64) -> Result<Vec<Vec<usize>>> {
    if batch_size == 0 {
        return Err(Error::invalid("batch_size", 0, "must be >= 1"));
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut crate::rng::stream(seed, epoch));
    Ok(order.chunks(batch_size).map(<[usize]>::to_vec).collect())
}

/// What training did: the loss of every epoch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainingReport {
    /// Mean training loss per epoch.
    pub train_loss: Vec<f64>,
    /// Validation loss per epoch (empty without a validation split).
    pub validation_loss: Vec<f64>,
    /// The epoch (1-based) whose parameters were kept.
    pub best_epoch: usize,
}

/// The part of a gradient trainer's hyperparameters that every trainer shares, and the epoch
/// loop they drive: seeded mini-batches of the training samples, the mean training loss per
/// epoch, and with a validation split, early stopping that keeps the best epoch's model.
///
/// Each trainer's parameters embed one ([`GatedTraining`](crate::gated::GatedTraining),
/// [`SurrogateParams`](crate::spiking::SurrogateParams),
/// [`GradientParams`](crate::readout::GradientParams)) with the trainer's own defaults, and
/// [`Scheduled`] sets its fields on any of them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// The optimiser.
    pub adam: AdamParams,
    /// Passes over the training samples (at most).
    pub epochs: usize,
    /// Samples per mini-batch.
    pub batch_size: usize,
    /// Gradient-norm clipping, if any.
    pub clip: Option<f64>,
    /// Fraction of the samples held out for early stopping (0: none).
    pub validation_fraction: f64,
    /// Epochs without a better validation loss before stopping.
    pub patience: usize,
    /// Seed of the validation split and the batch order.
    pub seed: u64,
}

/// Parameters that embed a [`Schedule`]: chainable setters of its fields, written once for
/// every trainer, that keep the trainer's own defaults for the others.
///
/// ```
/// use aquifer::gated::GatedTraining;
/// use aquifer::optim::Scheduled;
/// let t = GatedTraining::default().epochs(5).learning_rate(1e-3).seed(7);
/// assert_eq!((t.schedule.epochs, t.schedule.seed), (5, 7));
/// assert_eq!(t.schedule.clip, GatedTraining::default().schedule.clip);
/// ```
pub trait Scheduled: Sized {
    /// The embedded schedule.
    fn schedule_mut(&mut self) -> &mut Schedule;
    /// Sets the optimiser.
    fn adam(mut self, adam: AdamParams) -> Self {
        self.schedule_mut().adam = adam;
        self
    }
    /// Sets Adam's learning rate.
    fn learning_rate(mut self, learning_rate: f64) -> Self {
        self.schedule_mut().adam.learning_rate = learning_rate;
        self
    }
    /// Sets the number of epochs (at most).
    fn epochs(mut self, epochs: usize) -> Self {
        self.schedule_mut().epochs = epochs;
        self
    }
    /// Sets the mini-batch size.
    fn batch_size(mut self, batch_size: usize) -> Self {
        self.schedule_mut().batch_size = batch_size;
        self
    }
    /// Sets the gradient-norm clipping.
    fn clip(mut self, clip: Option<f64>) -> Self {
        self.schedule_mut().clip = clip;
        self
    }
    /// Sets the fraction of samples held out for early stopping.
    fn validation_fraction(mut self, fraction: f64) -> Self {
        self.schedule_mut().validation_fraction = fraction;
        self
    }
    /// Sets the epochs without improvement before stopping.
    fn patience(mut self, patience: usize) -> Self {
        self.schedule_mut().patience = patience;
        self
    }
    /// Sets the seed of the initial weights, the validation split and the batch order.
    fn seed(mut self, seed: u64) -> Self {
        self.schedule_mut().seed = seed;
        self
    }
}

impl Schedule {
    /// Checks the optimiser, `epochs >= 1`, `batch_size >= 1`, a positive clipping norm, and a
    /// validation fraction in `[0, 1)`.
    pub fn validate(&self) -> Result<()> {
        self.adam.validate()?;
        if self.epochs == 0 {
            return Err(Error::invalid("epochs", 0, "must be >= 1"));
        }
        if self.batch_size == 0 {
            return Err(Error::invalid("batch_size", 0, "must be >= 1"));
        }
        if let Some(c) = self.clip {
            check_positive("clip", c)?;
        }
        if !(0.0..1.0).contains(&self.validation_fraction) {
            return Err(Error::invalid(
                "validation_fraction",
                self.validation_fraction,
                "must be in [0, 1)",
            ));
        }
        Ok(())
    }

    /// Rescales `grads` to the clipping norm, if there is one.
    pub fn clip(&self, grads: &mut [&mut [f64]]) -> Result<()> {
        match self.clip {
            Some(c) => clip_grad_norm(grads, c).map(|_| ()),
            None => Ok(()),
        }
    }

    /// Trains `model` on `n` samples. `step(model, batch)` takes one optimiser step on the
    /// samples `batch` and returns their mean loss; `validation_loss(model, held_out)` scores
    /// the held-out samples after each epoch (only with a validation split), and the model of
    /// the best epoch is kept when training ends. `on_epoch(epoch, report)` runs after each
    /// epoch. Returns the report and the indices of the training samples.
    pub fn run<M: Clone>(
        &self,
        n: usize,
        model: &mut M,
        mut step: impl FnMut(&mut M, &[usize]) -> Result<f64>,
        mut validation_loss: impl FnMut(&M, &[usize]) -> Result<f64>,
        mut on_epoch: impl FnMut(usize, &TrainingReport),
    ) -> Result<(TrainingReport, Vec<usize>)> {
        let (val_idx, train_idx) = validation_split(n, self.validation_fraction, self.seed)?;
        let mut report = TrainingReport::default();
        let mut stopping = EarlyStopping::new(self.patience);
        let mut best = (!val_idx.is_empty()).then(|| model.clone());
        for epoch in 0..self.epochs {
            let mut total = 0.0;
            for batch in batches(train_idx.len(), self.batch_size, self.seed, epoch as u64)? {
                let idx: Vec<usize> = batch.iter().map(|&k| train_idx[k]).collect();
                total += step(model, &idx)? * idx.len() as f64;
            }
            report.train_loss.push(total / train_idx.len() as f64);
            if let Some(best) = &mut best {
                let loss = validation_loss(model, &val_idx)?;
                report.validation_loss.push(loss);
                if stopping.record(loss) {
                    best.clone_from(model);
                    report.best_epoch = epoch + 1;
                }
            } else {
                report.best_epoch = epoch + 1;
            }
            on_epoch(epoch + 1, &report);
            if best.is_some() && stopping.should_stop() {
                break;
            }
        }
        if let Some(best) = best {
            *model = best;
        }
        Ok((report, train_idx))
    }
}

/// A seeded split of `0..n` into `(validation, training)` samples, the validation part holding
/// `round(fraction n)` of them. An error if nothing is left to train on.
pub fn validation_split(n: usize, fraction: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
    let mut order = batches(n, n.max(1), seed, u64::MAX)?.concat();
    let n_val = (fraction * n as f64).round() as usize;
    if n_val >= n {
        return Err(Error::invalid(
            "validation_fraction",
            fraction,
            "leaves no training samples",
        ));
    }
    let train = order.split_off(n_val);
    Ok((order, train))
}

/// A matrix's values, row-major (the layout [`Adam`] sees).
pub(crate) fn flatten(m: &Mat<f64>) -> Vec<f64> {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)]))
        .collect()
}

/// Writes row-major values back into a matrix of the same shape.
pub(crate) fn unflatten(v: &[f64], m: &mut Mat<f64>) {
    let c = m.ncols();
    for i in 0..m.nrows() {
        for j in 0..c {
            m[(i, j)] = v[i * c + j];
        }
    }
}

/// Early stopping on a validation loss: remembers the best loss and the epoch it was reached,
/// and says when `patience` epochs have passed without an improvement.
#[derive(Debug, Clone)]
pub struct EarlyStopping {
    patience: usize,
    best: f64,
    best_epoch: usize,
    epoch: usize,
}

impl EarlyStopping {
    /// Stops after `patience` epochs without a better validation loss.
    pub fn new(patience: usize) -> Self {
        EarlyStopping {
            patience,
            best: f64::INFINITY,
            best_epoch: 0,
            epoch: 0,
        }
    }
    /// Records an epoch's validation loss; returns whether it is the best so far (the caller
    /// then keeps a copy of the parameters).
    pub fn record(&mut self, loss: f64) -> bool {
        self.epoch += 1;
        if loss < self.best {
            self.best = loss;
            self.best_epoch = self.epoch;
            true
        } else {
            false
        }
    }
    /// Whether training should stop.
    pub fn should_stop(&self) -> bool {
        self.epoch - self.best_epoch >= self.patience
    }
    /// The best validation loss so far.
    pub fn best(&self) -> f64 {
        self.best
    }
}

/// The position of the largest value (the last one among equals; 0 for none): the class a
/// row of scores votes for.
pub(crate) fn argmax(values: impl Iterator<Item = f64>) -> usize {
    values
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(0, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_matches_the_published_update() {
        // first step: m = (1 - b1) g, v = (1 - b2) g^2, so the step is lr * g / (|g| + eps')
        let mut w = [1.0, -2.0];
        let g = vec![0.5, -4.0];
        let p = AdamParams::default();
        let mut adam = Adam::new(p, &[2]).unwrap();
        adam.step(&mut [&mut w[..]], &[&g[..]]).unwrap();
        for (k, (&w0, &gi)) in [1.0, -2.0].iter().zip(&g).enumerate() {
            let expected = w0 - p.learning_rate * gi / (gi.abs() + p.eps);
            assert!((w[k] - expected).abs() < 1e-15, "{} vs {expected}", w[k]);
        }
        assert!(adam
            .step(&mut [&mut w[..]], &[&[f64::NAN, 0.0][..]])
            .is_err());
        assert!(Adam::new(
            AdamParams {
                learning_rate: 0.0,
                ..p
            },
            &[1]
        )
        .is_err());
        assert!(Adam::new(AdamParams { beta1: 1.0, ..p }, &[1]).is_err());
    }

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

    #[test]
    fn clipping_batches_and_early_stopping() {
        let mut a = [3.0];
        let mut b = [4.0];
        let norm = clip_grad_norm(&mut [&mut a[..], &mut b[..]], 1.0).unwrap();
        assert_eq!(norm, 5.0);
        assert!(((a[0] * a[0] + b[0] * b[0]).sqrt() - 1.0).abs() < 1e-6);
        let e0 = batches(10, 4, 1, 0).unwrap();
        assert_eq!(e0.iter().map(Vec::len).collect::<Vec<_>>(), [4, 4, 2]);
        let mut all: Vec<usize> = e0.concat();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(e0, batches(10, 4, 1, 0).unwrap());
        assert_ne!(e0, batches(10, 4, 1, 1).unwrap());
        let mut stop = EarlyStopping::new(2);
        assert!(stop.record(1.0) && !stop.should_stop());
        assert!(!stop.record(1.5) && !stop.should_stop());
        assert!(!stop.record(1.2) && stop.should_stop());
        assert_eq!(stop.best(), 1.0);
    }
}
