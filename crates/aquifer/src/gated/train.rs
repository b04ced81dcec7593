//! Training a gated reservoir with a linear head: sequence-to-sequence (MSE at every step) or
//! last-step regression (MSE) and classification (softmax cross-entropy), with Adam,
//! gradient-norm clipping, seeded mini-batches, full or truncated BPTT, early stopping on a
//! validation split, and an optional closed-form (ridge) refit of the head on the learned
//! states.

use super::{GatedParams, GatedReservoir, LayerWeights};
use crate::error::{Error, Result};
use crate::optim::{self, Adam, AdamParams, Schedule};
use crate::readout::{Ridge, TrainingReport};
use crate::series::AsSeries;
use crate::traits::Fit;
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// What the model is trained to produce.
#[derive(Debug, Clone)]
pub enum Target {
    /// An output series per sample (`T_i x O`), scored by the MSE at every step.
    Sequences(Vec<Mat<f64>>),
    /// One output row per sample (`n x O`), scored by the MSE at the last step.
    LastValues(Mat<f64>),
    /// One class per sample, scored by the softmax cross-entropy at the last step.
    Classes {
        /// The class of each sample.
        labels: Vec<usize>,
        /// Number of classes.
        classes: usize,
    },
}

/// The loss a [`Target`] implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// Mean squared error.
    Mse,
    /// Softmax cross-entropy.
    CrossEntropy,
}

/// Hyperparameters of gradient training.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatedTraining {
    /// The optimiser.
    pub adam: AdamParams,
    /// Passes over the training set (at most).
    pub epochs: usize,
    /// Samples per mini-batch (samples of a batch must have equal lengths).
    pub batch_size: usize,
    /// Gradient-norm clipping, if any.
    pub clip: Option<f64>,
    /// Truncated BPTT window in steps (`None`: full BPTT).
    pub window: Option<usize>,
    /// Fraction of the samples held out for early stopping (0: none).
    pub validation_fraction: f64,
    /// Epochs without a better validation loss before stopping.
    pub patience: usize,
    /// After training, refit the head in closed form with this ridge on the learned states.
    pub refit_ridge: Option<f64>,
    /// Seed of the head's initial weights, the validation split and the batch order.
    pub seed: u64,
}

impl Default for GatedTraining {
    fn default() -> Self {
        GatedTraining {
            adam: AdamParams {
                learning_rate: 1e-2,
                ..Default::default()
            },
            epochs: 30,
            batch_size: 32,
            clip: Some(1.0),
            window: None,
            validation_fraction: 0.0,
            patience: 5,
            refit_ridge: None,
            seed: 0,
        }
    }
}

impl GatedTraining {
    /// The hyperparameters every gradient trainer shares.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            adam: self.adam,
            epochs: self.epochs,
            batch_size: self.batch_size,
            clip: self.clip,
            validation_fraction: self.validation_fraction,
            patience: self.patience,
            seed: self.seed,
        }
    }

    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        self.schedule().validate()?;
        if self.window == Some(0) {
            return Err(Error::invalid("window", 0, "must be >= 1"));
        }
        if let Some(r) = self.refit_ridge {
            crate::error::check_non_negative("refit_ridge", r)?;
        }
        Ok(())
    }
}

/// A gated reservoir and its linear head.
#[derive(Debug, Clone)]
pub struct GatedModel {
    pub(super) reservoir: GatedReservoir,
    /// `O x H`.
    pub(super) head_w: Mat<f64>,
    pub(super) head_b: Vec<f64>,
    pub(super) loss: Loss,
    pub(super) sequence: bool,
}

/// Samples per parallel chunk of a mini-batch (fixed, so that results do not depend on the
/// number of threads).
const CHUNK: usize = 16;

/// One mini-batch, time-major.
struct Batch {
    xs: Vec<Mat<f64>>,
    idx: Vec<usize>,
}

impl Target {
    fn len(&self) -> usize {
        match self {
            Target::Sequences(s) => s.len(),
            Target::LastValues(m) => m.nrows(),
            Target::Classes { labels, .. } => labels.len(),
        }
    }
    fn outputs(&self) -> usize {
        match self {
            Target::Sequences(s) => s.first().map_or(0, |m| m.ncols()),
            Target::LastValues(m) => m.ncols(),
            Target::Classes { classes, .. } => *classes,
        }
    }
    fn loss(&self) -> Loss {
        match self {
            Target::Classes { .. } => Loss::CrossEntropy,
            _ => Loss::Mse,
        }
    }
}

fn time_major<S: AsSeries>(series: &[S], idx: &[usize]) -> Result<Vec<Mat<f64>>> {
    let first = series[idx[0]].as_series();
    let (t_len, f) = (first.nrows(), first.ncols());
    for &k in idx {
        let s = series[k].as_series();
        if s.nrows() != t_len || s.ncols() != f {
            return Err(Error::shape(
                format!("sample {k} of a mini-batch"),
                format!("{t_len} x {f} like the others of its batch"),
                format!("{} x {}", s.nrows(), s.ncols()),
            ));
        }
    }
    Ok((0..t_len)
        .map(|t| Mat::from_fn(idx.len(), f, |b, j| series[idx[b]].as_series()[(t, j)]))
        .collect())
}

impl GatedModel {
    /// An untrained model: a reservoir for `inputs` features and a head for `target`.
    fn new(params: &GatedParams, inputs: usize, target: &Target, seed: u64) -> Result<Self> {
        let reservoir = GatedReservoir::new(params, inputs)?;
        let (o, h) = (target.outputs(), params.hidden);
        let a = 1.0 / (h as f64).sqrt();
        let head = crate::init::input_matrix(
            o,
            h + 1,
            crate::init::Values::uniform(-a, a),
            1.0,
            &crate::init::InputScaling::Scalar(1.0),
            crate::rng::derive(seed, 13),
        )?;
        Ok(GatedModel {
            reservoir,
            head_w: Mat::from_fn(o, h, |i, j| head[(i, j)]),
            head_b: (0..o).map(|i| head[(i, h)]).collect(),
            loss: target.loss(),
            sequence: matches!(target, Target::Sequences(_)),
        })
    }

    /// The reservoir.
    pub fn reservoir(&self) -> &GatedReservoir {
        &self.reservoir
    }
    /// The head: weights (`O x H`) and bias.
    pub fn head(&self) -> (&Mat<f64>, &[f64]) {
        (&self.head_w, &self.head_b)
    }

    /// Trains a new model on `series` (each `T_i x F`; batch-first: one series per sample)
    /// towards `target`, calling `on_epoch` after every epoch (for progress display).
    pub fn fit<S: AsSeries>(
        params: &GatedParams,
        series: &[S],
        target: &Target,
        training: &GatedTraining,
        mut on_epoch: impl FnMut(usize, &TrainingReport),
    ) -> Result<(Self, TrainingReport)> {
        training.validate()?;
        let n = series.len();
        if n == 0 {
            return Err(Error::Empty {
                what: "training samples".into(),
            });
        }
        if target.len() != n {
            return Err(Error::shape(
                "targets",
                format!("{n} samples"),
                format!("{} samples", target.len()),
            ));
        }
        let inputs = series[0].as_series().ncols();
        for (k, s) in series.iter().enumerate() {
            crate::series::check_series(&format!("sample {k}"), s.as_series(), Some(inputs))?;
        }
        match target {
            Target::Sequences(ys) => {
                let o = target.outputs();
                for (k, (y, x)) in ys.iter().zip(series).enumerate() {
                    if y.nrows() != x.as_series().nrows() || y.ncols() != o || o == 0 {
                        return Err(Error::shape(
                            format!("target series {k}"),
                            format!("{} x {o}", x.as_series().nrows()),
                            format!("{} x {}", y.nrows(), y.ncols()),
                        ));
                    }
                    crate::series::check_finite(&format!("target series {k}"), y.as_ref())?;
                }
            }
            Target::LastValues(y) => {
                if y.ncols() == 0 {
                    return Err(Error::Empty {
                        what: "target columns".into(),
                    });
                }
                crate::series::check_finite("targets", y.as_ref())?;
            }
            Target::Classes { labels, classes } => {
                if *classes < 2 {
                    return Err(Error::invalid("classes", classes, "must be >= 2"));
                }
                if let Some(l) = labels.iter().find(|&&l| l >= *classes) {
                    return Err(Error::invalid(
                        "class label",
                        l,
                        &format!("must be < {classes}"),
                    ));
                }
            }
        }
        let mut model = GatedModel::new(params, inputs, target, training.seed)?;
        let lengths: Vec<usize> = model.tensor_lengths();
        let mut adam = Adam::new(training.adam, &lengths)?;
        let schedule = training.schedule();
        let step = |model: &mut GatedModel, idx: &[usize]| {
            let b = Batch {
                xs: time_major(series, idx)?,
                idx: idx.to_vec(),
            };
            let (loss, grads) = model.loss_and_gradients(&b, target, training.window, true)?;
            let mut flat = flatten_all(&grads.0, &grads.1, &grads.2);
            schedule.clip(&mut flat.iter_mut().map(Vec::as_mut_slice).collect::<Vec<_>>())?;
            model.apply(&mut adam, &flat)?;
            Ok(loss)
        };
        let validation_loss = |model: &GatedModel, idx: &[usize]| {
            model.evaluate(series, target, idx, training.batch_size)
        };
        let (report, train_idx) =
            schedule.run(n, &mut model, step, validation_loss, &mut on_epoch)?;
        if let Some(ridge) = training.refit_ridge {
            model.refit_head(series, target, &train_idx, ridge, training.batch_size)?;
        }
        Ok((model, report))
    }

    fn tensor_lengths(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .reservoir
            .weights()
            .iter()
            .flat_map(|w| {
                [
                    w.w_in.nrows() * w.w_in.ncols(),
                    w.b_in.len(),
                    w.w_g.nrows() * w.w_g.ncols(),
                    w.b_g.len(),
                ]
            })
            .collect();
        v.push(self.head_w.nrows() * self.head_w.ncols());
        v.push(self.head_b.len());
        v
    }

    /// One Adam step with flat gradients in the order of `tensor_lengths`.
    fn apply(&mut self, adam: &mut Adam, grads: &[Vec<f64>]) -> Result<()> {
        let (layers, head_w, head_b) = (
            self.reservoir.weights().to_vec(),
            self.head_w.clone(),
            self.head_b.clone(),
        );
        let mut flat = flatten_all(&layers, &head_w, &head_b);
        {
            let mut p: Vec<&mut [f64]> = flat.iter_mut().map(Vec::as_mut_slice).collect();
            let g: Vec<&[f64]> = grads.iter().map(Vec::as_slice).collect();
            adam.step(&mut p, &g)?;
        }
        let mut it = flat.into_iter();
        for w in self.reservoir.weights_mut() {
            optim::unflatten(&it.next().expect("w_in"), &mut w.w_in);
            w.b_in = it.next().expect("b_in");
            optim::unflatten(&it.next().expect("w_g"), &mut w.w_g);
            w.b_g = it.next().expect("b_g");
        }
        optim::unflatten(&it.next().expect("head"), &mut self.head_w);
        self.head_b = it.next().expect("head bias");
        Ok(())
    }

    /// `y = out W^T + b` for one step of a batch.
    fn head_apply(&self, out: MatRef<'_, f64>) -> Mat<f64> {
        let mut y = Mat::from_fn(out.nrows(), self.head_w.nrows(), |_, o| self.head_b[o]);
        matmul(
            y.as_mut(),
            Accum::Add,
            out,
            self.head_w.transpose(),
            1.0,
            Par::Seq,
        );
        y
    }

    /// The batch loss (mean over samples; for sequences, over steps and outputs too) and the
    /// gradients of the reservoir and the head. A batch is cut into fixed chunks of
    /// [`CHUNK`] samples that run in parallel and are merged in order, weighted by their size:
    /// the result does not depend on the number of threads.
    #[allow(clippy::type_complexity)]
    fn loss_and_gradients(
        &self,
        batch: &Batch,
        target: &Target,
        window: Option<usize>,
        gradients: bool,
    ) -> Result<(f64, (Vec<LayerWeights>, Mat<f64>, Vec<f64>))> {
        let n = batch.idx.len();
        if n <= CHUNK {
            return self.chunk_loss_and_gradients(batch, target, window, gradients);
        }
        let chunks: Vec<Batch> = (0..n)
            .step_by(CHUNK)
            .map(|start| {
                let len = CHUNK.min(n - start);
                Batch {
                    xs: batch
                        .xs
                        .iter()
                        .map(|x| x.subrows(start, len).to_owned())
                        .collect(),
                    idx: batch.idx[start..start + len].to_vec(),
                }
            })
            .collect();
        let parts: Vec<_> = chunks
            .par_iter()
            .map(|c| self.chunk_loss_and_gradients(c, target, window, gradients))
            .collect::<Result<_>>()?;
        let mut loss = 0.0;
        let mut total: Option<(Vec<LayerWeights>, Mat<f64>, Vec<f64>)> = None;
        for (c, (l, (layers, gw, gb))) in chunks.iter().zip(parts) {
            let share = c.idx.len() as f64 / n as f64;
            loss += share * l;
            let scaled =
                |m: &Mat<f64>| Mat::from_fn(m.nrows(), m.ncols(), |i, j| share * m[(i, j)]);
            let scaled_v = |v: &[f64]| v.iter().map(|x| share * x).collect::<Vec<f64>>();
            match &mut total {
                None => {
                    total = Some((
                        layers
                            .iter()
                            .map(|w| LayerWeights {
                                w_in: scaled(&w.w_in),
                                b_in: scaled_v(&w.b_in),
                                w_g: scaled(&w.w_g),
                                b_g: scaled_v(&w.b_g),
                            })
                            .collect(),
                        scaled(&gw),
                        scaled_v(&gb),
                    ))
                }
                Some((t_layers, t_gw, t_gb)) => {
                    for (t, w) in t_layers.iter_mut().zip(&layers) {
                        t.w_in += scaled(&w.w_in);
                        t.w_g += scaled(&w.w_g);
                        t.b_in
                            .iter_mut()
                            .zip(&w.b_in)
                            .for_each(|(a, x)| *a += share * x);
                        t.b_g
                            .iter_mut()
                            .zip(&w.b_g)
                            .for_each(|(a, x)| *a += share * x);
                    }
                    *t_gw += scaled(&gw);
                    t_gb.iter_mut().zip(&gb).for_each(|(a, x)| *a += share * x);
                }
            }
        }
        Ok((loss, total.expect("at least two chunks")))
    }

    /// [`GatedModel::loss_and_gradients`] for one chunk.
    #[allow(clippy::type_complexity)]
    fn chunk_loss_and_gradients(
        &self,
        batch: &Batch,
        target: &Target,
        window: Option<usize>,
        gradients: bool,
    ) -> Result<(f64, (Vec<LayerWeights>, Mat<f64>, Vec<f64>))> {
        let run = self.reservoir.forward(&batch.xs, None)?;
        let outs = run.outputs();
        let (steps, b, h) = (outs.len(), batch.idx.len(), self.reservoir.hidden());
        let o = self.head_w.nrows();
        let mut d_outputs: Vec<Mat<f64>> = (0..steps).map(|_| Mat::zeros(b, h)).collect();
        let mut g_w = Mat::<f64>::zeros(o, h);
        let mut g_b = vec![0.0; o];
        let mut loss = 0.0;
        let mut head_back = |t: usize, dy: &Mat<f64>, d_outputs: &mut Vec<Mat<f64>>| {
            matmul(
                g_w.as_mut(),
                Accum::Add,
                dy.transpose(),
                outs[t].as_ref(),
                1.0,
                Par::Seq,
            );
            for (k, gb) in g_b.iter_mut().enumerate() {
                *gb += (0..b).map(|r| dy[(r, k)]).sum::<f64>();
            }
            matmul(
                d_outputs[t].as_mut(),
                Accum::Replace,
                dy.as_ref(),
                self.head_w.as_ref(),
                1.0,
                Par::Seq,
            );
        };
        match target {
            Target::Sequences(ys) => {
                for t in 0..steps {
                    let y = self.head_apply(outs[t].as_ref());
                    let truth = Mat::from_fn(b, o, |r, k| ys[batch.idx[r]][(t, k)]);
                    let (l, dy) = optim::mse(y.as_ref(), truth.as_ref())?;
                    loss += l / steps as f64;
                    let dy = Mat::from_fn(b, o, |r, k| dy[(r, k)] / steps as f64);
                    head_back(t, &dy, &mut d_outputs);
                }
            }
            Target::LastValues(ys) => {
                let y = self.head_apply(outs[steps - 1].as_ref());
                let truth = Mat::from_fn(b, o, |r, k| ys[(batch.idx[r], k)]);
                let (l, dy) = optim::mse(y.as_ref(), truth.as_ref())?;
                loss = l;
                head_back(steps - 1, &dy, &mut d_outputs);
            }
            Target::Classes { labels, .. } => {
                let y = self.head_apply(outs[steps - 1].as_ref());
                let l_batch: Vec<usize> = batch.idx.iter().map(|&k| labels[k]).collect();
                let (l, dy) = optim::softmax_cross_entropy(y.as_ref(), &l_batch)?;
                loss = l;
                head_back(steps - 1, &dy, &mut d_outputs);
            }
        }
        let layers = if gradients {
            self.reservoir.backward(&run, &d_outputs, window)?
        } else {
            Vec::new()
        };
        Ok((loss, (layers, g_w, g_b)))
    }

    /// Mean loss over the samples `idx`, in batches.
    fn evaluate<S: AsSeries>(
        &self,
        series: &[S],
        target: &Target,
        idx: &[usize],
        batch_size: usize,
    ) -> Result<f64> {
        let mut total = 0.0;
        for chunk in idx.chunks(batch_size) {
            let b = Batch {
                xs: time_major(series, chunk)?,
                idx: chunk.to_vec(),
            };
            total += self.loss_and_gradients(&b, target, None, false)?.0 * chunk.len() as f64;
        }
        Ok(total / idx.len() as f64)
    }

    /// Last-layer states of each sample: every step (sequences) or the last one.
    fn states<S: AsSeries>(
        &self,
        series: &[S],
        idx: &[usize],
        batch_size: usize,
    ) -> Result<Vec<Mat<f64>>> {
        let mut out = Vec::with_capacity(idx.len());
        for chunk in idx.chunks(batch_size) {
            let run = self.reservoir.forward(&time_major(series, chunk)?, None)?;
            let outs = run.outputs();
            for r in 0..chunk.len() {
                out.push(if self.sequence {
                    Mat::from_fn(outs.len(), self.reservoir.hidden(), |t, i| outs[t][(r, i)])
                } else {
                    let last = &outs[outs.len() - 1];
                    Mat::from_fn(1, self.reservoir.hidden(), |_, i| last[(r, i)])
                });
            }
        }
        Ok(out)
    }

    fn refit_head<S: AsSeries>(
        &mut self,
        series: &[S],
        target: &Target,
        idx: &[usize],
        ridge: f64,
        batch_size: usize,
    ) -> Result<()> {
        let states = self.states(series, idx, batch_size)?;
        let o = self.head_w.nrows();
        let targets: Vec<Mat<f64>> = match target {
            Target::Sequences(ys) => idx.iter().map(|&k| ys[k].clone()).collect(),
            Target::LastValues(y) => idx
                .iter()
                .map(|&k| Mat::from_fn(1, o, |_, j| y[(k, j)]))
                .collect(),
            Target::Classes { labels, .. } => idx
                .iter()
                .map(|&k| Mat::from_fn(1, o, |_, j| (labels[k] == j) as u8 as f64))
                .collect(),
        };
        // pooled into one matrix each: per-sample statistics would cost H x H per sample
        let rows: usize = states.iter().map(Mat::nrows).sum();
        let h = self.reservoir.hidden();
        let mut x = Mat::zeros(rows, h);
        let mut y = Mat::zeros(rows, o);
        let mut at = 0;
        for (s, t) in states.iter().zip(&targets) {
            x.as_mut().subrows_mut(at, s.nrows()).copy_from(s);
            y.as_mut().subrows_mut(at, t.nrows()).copy_from(t);
            at += s.nrows();
        }
        let mut readout = Ridge::new(ridge)?;
        readout.fit(&[x], &[y], 0)?;
        let (w, b) = (
            readout.weights().expect("fitted"),
            readout.intercept().expect("fitted"),
        );
        self.head_w = Mat::from_fn(o, h, |i, j| w[(j, i)]);
        self.head_b = b.to_vec();
        Ok(())
    }

    /// The outputs for each sample: a series (`T_i x O`, sequence models) or one row
    /// (`1 x O`, last-step models: regression values or class scores).
    pub fn predict<S: AsSeries>(&self, series: &[S]) -> Result<Vec<Mat<f64>>> {
        if series.is_empty() {
            return Err(Error::Empty {
                what: "series list".into(),
            });
        }
        for (k, s) in series.iter().enumerate() {
            crate::series::check_series(
                &format!("sample {k}"),
                s.as_series(),
                Some(self.reservoir.input_dim()),
            )?;
        }
        let idx: Vec<usize> = (0..series.len()).collect();
        // samples run one by one, so they may have different lengths
        let states = self.states(series, &idx, 1)?;
        Ok(states.iter().map(|s| self.head_apply(s.as_ref())).collect())
    }

    /// The most likely class of each sample (classification models).
    pub fn classify<S: AsSeries>(&self, series: &[S]) -> Result<Vec<usize>> {
        if self.loss != Loss::CrossEntropy {
            return Err(Error::invalid(
                "classify",
                "a regression model",
                "the model was not trained on classes",
            ));
        }
        Ok(self
            .predict(series)?
            .iter()
            .map(|y| {
                (0..y.ncols())
                    .max_by(|&a, &b| y[(0, a)].total_cmp(&y[(0, b)]))
                    .unwrap_or(0)
            })
            .collect())
    }
}

fn flatten_all(layers: &[LayerWeights], head_w: &Mat<f64>, head_b: &[f64]) -> Vec<Vec<f64>> {
    let mut v: Vec<Vec<f64>> = layers
        .iter()
        .flat_map(|w| {
            [
                optim::flatten(&w.w_in),
                w.b_in.clone(),
                optim::flatten(&w.w_g),
                w.b_g.clone(),
            ]
        })
        .collect();
    v.push(optim::flatten(head_w));
    v.push(head_b.to_vec());
    v
}
