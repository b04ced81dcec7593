//! The epoch loop every gradient trainer shares: its hyperparameters ([`Schedule`], embedded
//! in each trainer's parameters, and the [`Scheduled`] setters), seeded mini-batches and
//! validation split, early stopping and the report.

use super::adam::{clip_grad_norm, AdamParams};
use crate::error::{check_positive, Error, Result};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

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
/// use aquifer::grad::Scheduled;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_and_early_stopping() {
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
