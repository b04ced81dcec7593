//! Training a gated reservoir with a linear head: sequence-to-sequence (MSE at every step) or
//! last-step regression (MSE) and classification (softmax cross-entropy), with Adam,
//! gradient-norm clipping, seeded mini-batches, full or truncated BPTT, early stopping on a
//! validation split, and an optional closed-form (ridge) refit of the head on the learned
//! states.

use super::{GatedParams, GatedReservoir, LayerWeights};
use crate::error::{Error, Result};
use crate::grad::{self, Adam, AdamParams, Affine, Schedule, Scheduled};
use crate::readout::{Ridge, TrainingReport};
use crate::series::AsSeries;
use crate::traits::{Classify, Fit, Run, Stateful, Step, Targets};
use faer::Mat;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Targets owned by a task (see [`tasks`](super::tasks)); `&target` converts into the
/// borrowed [`Targets`] that [`Fit::fit`] takes.
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

impl<'a> From<&'a Target> for Targets<'a> {
    fn from(t: &'a Target) -> Self {
        match t {
            Target::Sequences(s) => Targets::from(s),
            Target::LastValues(m) => Targets::Last(m.as_ref()),
            Target::Classes { labels, classes } => Targets::Classes {
                labels,
                classes: *classes,
            },
        }
    }
}

/// The loss a kind of [`Targets`] implies.
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
    /// Adam, epochs, batches (samples of a batch must have equal lengths), clipping,
    /// validation split and early stopping, and the seed of the head's initial weights, the
    /// split and the batch order. Defaults: learning rate 1e-2, 30 epochs, batches of 32,
    /// clipping at 1, patience 5, seed 0.
    pub schedule: Schedule,
    /// Truncated BPTT window in steps (`None`: full BPTT).
    pub window: Option<usize>,
    /// After training, refit the head in closed form with this ridge on the learned states.
    pub refit_ridge: Option<f64>,
}

impl Default for GatedTraining {
    fn default() -> Self {
        GatedTraining {
            schedule: Schedule {
                adam: AdamParams {
                    learning_rate: 1e-2,
                    ..Default::default()
                },
                epochs: 30,
                batch_size: 32,
                clip: Some(1.0),
                validation_fraction: 0.0,
                patience: 5,
                seed: 0,
            },
            window: None,
            refit_ridge: None,
        }
    }
}

impl Scheduled for GatedTraining {
    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }
}

impl GatedTraining {
    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        self.schedule.validate()?;
        if self.window == Some(0) {
            return Err(Error::invalid("window", 0, "must be >= 1"));
        }
        if let Some(r) = self.refit_ridge {
            crate::error::check_non_negative("refit_ridge", r)?;
        }
        Ok(())
    }
}

/// A gated reservoir and its linear head, trained end to end by [`Fit::fit`].
///
/// Built untrained by [`GatedModel::new`] (weights drawn from the seeds); `fit` draws them
/// again from the same seeds and trains, so fitting twice on the same data gives the same
/// model. [`Run::run`] continues from the internal state (zero after `new`, `fit` and
/// `reset`); [`Run::run_many`] and [`Classify::classify`] run each series from it.
#[derive(Debug, Clone)]
pub struct GatedModel {
    pub(super) reservoir: GatedReservoir,
    /// `H -> O`.
    pub(super) head: Affine,
    pub(super) loss: Loss,
    pub(super) sequence: bool,
    pub(super) training: GatedTraining,
    pub(super) fitted: bool,
    /// The internal state (`layers` matrices `1 x H`).
    pub(super) state: Vec<Mat<f64>>,
    pub(super) report: Option<TrainingReport>,
}

/// Samples per parallel chunk of a mini-batch (fixed, so that results do not depend on the
/// number of threads).
const CHUNK: usize = 16;

/// One mini-batch, time-major.
struct Batch {
    xs: Vec<Mat<f64>>,
    idx: Vec<usize>,
}

fn loss_of(targets: &Targets<'_>) -> Loss {
    match targets {
        Targets::Classes { .. } => Loss::CrossEntropy,
        _ => Loss::Mse,
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
    /// An untrained model: a reservoir for `inputs` features (its weights drawn from
    /// `params.seed`) and a head of `outputs` values (target columns, or classes; drawn from
    /// `training.schedule.seed`), trained later with `training`.
    pub fn new(
        params: &GatedParams,
        training: GatedTraining,
        inputs: usize,
        outputs: usize,
    ) -> Result<Self> {
        training.validate()?;
        if outputs == 0 {
            return Err(Error::invalid("outputs", 0, "must be >= 1"));
        }
        let reservoir = GatedReservoir::new(params, inputs)?;
        let (o, h, seed) = (outputs, params.units, training.schedule.seed);
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
            head: Affine::from_parts(
                (0..o)
                    .flat_map(|i| (0..h).map(move |j| (i, j)))
                    .map(|ij| head[ij])
                    .collect(),
                (0..o).map(|i| head[(i, h)]).collect(),
                h,
            )
            .expect("o x h weights"),
            loss: Loss::Mse,
            sequence: true,
            training,
            fitted: false,
            state: reservoir.zero_state(1),
            reservoir,
            report: None,
        })
    }

    /// The reservoir.
    pub fn reservoir(&self) -> &GatedReservoir {
        &self.reservoir
    }
    /// The head: weights (`O x H`) and bias.
    pub fn head(&self) -> &Affine {
        &self.head
    }

    /// The training hyperparameters.
    pub fn training(&self) -> &GatedTraining {
        &self.training
    }
    /// The report of the last training (losses per epoch, the epoch kept).
    pub fn report(&self) -> Option<&TrainingReport> {
        self.report.as_ref()
    }

    /// [`Fit::fit`], calling `on_epoch` after every epoch (for progress display).
    pub fn fit_with_progress<'y, S: AsSeries>(
        &mut self,
        series: &[S],
        targets: impl Into<Targets<'y>>,
        warmup: usize,
        mut on_epoch: impl FnMut(usize, &TrainingReport),
    ) -> Result<()> {
        let target = &targets.into();
        let training = self.training;
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
        if target.outputs() != self.head.outputs() {
            return Err(Error::shape(
                target.kind(),
                format!("{} outputs (the model's)", self.head.outputs()),
                format!("{} outputs", target.outputs()),
            ));
        }
        match target {
            Targets::Series(ys) => {
                let o = target.outputs();
                for (k, (y, x)) in ys.iter().zip(series).enumerate() {
                    if y.nrows() != x.as_series().nrows() || y.ncols() != o || o == 0 {
                        return Err(Error::shape(
                            format!("target series {k}"),
                            format!("{} x {o}", x.as_series().nrows()),
                            format!("{} x {}", y.nrows(), y.ncols()),
                        ));
                    }
                    crate::series::check_finite(&format!("target series {k}"), *y)?;
                    if warmup >= y.nrows() {
                        return Err(Error::WarmupTooLong {
                            warmup,
                            len: y.nrows(),
                            series: k,
                        });
                    }
                }
            }
            Targets::Last(y) => {
                if y.ncols() == 0 {
                    return Err(Error::Empty {
                        what: "target columns".into(),
                    });
                }
                crate::series::check_finite("targets", *y)?;
            }
            Targets::Classes { labels, classes } => {
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
        let params = *self.reservoir.params();
        let mut model = GatedModel::new(&params, training, inputs, self.head.outputs())?;
        model.loss = loss_of(target);
        model.sequence = matches!(target, Targets::Series(_));
        let lengths: Vec<usize> = model.tensor_lengths();
        let schedule = training.schedule;
        let mut adam = Adam::new(schedule.adam, &lengths)?;
        let step = |model: &mut GatedModel, idx: &[usize]| {
            let b = Batch {
                xs: time_major(series, idx)?,
                idx: idx.to_vec(),
            };
            let (loss, grads) =
                model.loss_and_gradients(&b, target, warmup, training.window, true)?;
            let mut flat = flatten_all(&grads.0, &grads.1);
            schedule.clip(&mut flat.iter_mut().map(Vec::as_mut_slice).collect::<Vec<_>>())?;
            model.apply(&mut adam, &flat)?;
            Ok(loss)
        };
        let validation_loss = |model: &GatedModel, idx: &[usize]| {
            model.evaluate(series, target, warmup, idx, schedule.batch_size)
        };
        let (report, train_idx) =
            schedule.run(n, &mut model, step, validation_loss, &mut on_epoch)?;
        if let Some(ridge) = training.refit_ridge {
            model.refit_head(
                series,
                target,
                warmup,
                &train_idx,
                ridge,
                schedule.batch_size,
            )?;
        }
        model.fitted = true;
        model.report = Some(report);
        *self = model;
        Ok(())
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
        v.extend(self.head.tensors().map(<[f64]>::len));
        v
    }

    /// One Adam step with flat gradients in the order of `tensor_lengths`.
    fn apply(&mut self, adam: &mut Adam, grads: &[Vec<f64>]) -> Result<()> {
        let mut flat = flatten_all(self.reservoir.weights(), &self.head);
        {
            let mut p: Vec<&mut [f64]> = flat.iter_mut().map(Vec::as_mut_slice).collect();
            let g: Vec<&[f64]> = grads.iter().map(Vec::as_slice).collect();
            adam.step(&mut p, &g)?;
        }
        let mut it = flat.into_iter();
        for w in self.reservoir.weights_mut() {
            grad::unflatten(&it.next().expect("w_in"), &mut w.w_in);
            w.b_in = it.next().expect("b_in");
            grad::unflatten(&it.next().expect("w_g"), &mut w.w_g);
            w.b_g = it.next().expect("b_g");
        }
        for t in self.head.tensors_mut() {
            t.copy_from_slice(&it.next().expect("head"));
        }
        Ok(())
    }

    /// The batch loss (mean over samples; for sequences, over steps and outputs too) and the
    /// gradients of the reservoir and the head. A batch is cut into fixed chunks of
    /// [`CHUNK`] samples that run in parallel and are merged in order, weighted by their size:
    /// the result does not depend on the number of threads.
    #[allow(clippy::type_complexity)]
    fn loss_and_gradients(
        &self,
        batch: &Batch,
        target: &Targets<'_>,
        warmup: usize,
        window: Option<usize>,
        gradients: bool,
    ) -> Result<(f64, (Vec<LayerWeights>, Affine))> {
        let n = batch.idx.len();
        if n <= CHUNK {
            return self.chunk_loss_and_gradients(batch, target, warmup, window, gradients);
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
            .map(|c| self.chunk_loss_and_gradients(c, target, warmup, window, gradients))
            .collect::<Result<_>>()?;
        let mut loss = 0.0;
        let mut total: Option<(Vec<LayerWeights>, Affine)> = None;
        for (c, (l, (layers, g_head))) in chunks.iter().zip(parts) {
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
                        g_head.scaled(share),
                    ))
                }
                Some((t_layers, t_head)) => {
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
                    t_head.add_scaled(share, &g_head);
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
        target: &Targets<'_>,
        warmup: usize,
        window: Option<usize>,
        gradients: bool,
    ) -> Result<(f64, (Vec<LayerWeights>, Affine))> {
        let run = self.reservoir.forward(&batch.xs, None)?;
        let outs = run.outputs();
        let (steps, b, h) = (outs.len(), batch.idx.len(), self.reservoir.units());
        let o = self.head.outputs();
        let mut d_outputs: Vec<Mat<f64>> = (0..steps).map(|_| Mat::zeros(b, h)).collect();
        let mut g_head = Affine::zeros(h, o);
        let mut loss = 0.0;
        let mut head_back = |t: usize, dy: &Mat<f64>, d_outputs: &mut Vec<Mat<f64>>| {
            self.head
                .accumulate(outs[t].as_ref(), dy.as_ref(), &mut g_head);
            d_outputs[t] = self.head.input_gradient(dy.as_ref());
        };
        match target {
            Targets::Series(ys) => {
                // the loss is the mean over the steps after the warmup
                let scored = (steps - warmup) as f64;
                for t in warmup..steps {
                    let y = self.head.forward(outs[t].as_ref());
                    let truth = Mat::from_fn(b, o, |r, k| ys[batch.idx[r]][(t, k)]);
                    let (l, dy) = grad::mse(y.as_ref(), truth.as_ref())?;
                    loss += l / scored;
                    let dy = Mat::from_fn(b, o, |r, k| dy[(r, k)] / scored);
                    head_back(t, &dy, &mut d_outputs);
                }
            }
            Targets::Last(ys) => {
                let y = self.head.forward(outs[steps - 1].as_ref());
                let truth = Mat::from_fn(b, o, |r, k| ys[(batch.idx[r], k)]);
                let (l, dy) = grad::mse(y.as_ref(), truth.as_ref())?;
                loss = l;
                head_back(steps - 1, &dy, &mut d_outputs);
            }
            Targets::Classes { labels, .. } => {
                let y = self.head.forward(outs[steps - 1].as_ref());
                let l_batch: Vec<usize> = batch.idx.iter().map(|&k| labels[k]).collect();
                let (l, dy) = grad::softmax_cross_entropy(y.as_ref(), &l_batch)?;
                loss = l;
                head_back(steps - 1, &dy, &mut d_outputs);
            }
        }
        let layers = if gradients {
            self.reservoir.backward(&run, &d_outputs, window)?
        } else {
            Vec::new()
        };
        Ok((loss, (layers, g_head)))
    }

    /// Mean loss over the samples `idx`, in batches.
    fn evaluate<S: AsSeries>(
        &self,
        series: &[S],
        target: &Targets<'_>,
        warmup: usize,
        idx: &[usize],
        batch_size: usize,
    ) -> Result<f64> {
        let mut total = 0.0;
        for chunk in idx.chunks(batch_size) {
            let b = Batch {
                xs: time_major(series, chunk)?,
                idx: chunk.to_vec(),
            };
            let loss = self.loss_and_gradients(&b, target, warmup, None, false)?.0;
            total += loss * chunk.len() as f64;
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
        let h = self.reservoir.units();
        for chunk in idx.chunks(batch_size) {
            // every sample of the chunk starts from the internal state
            let start: Vec<Mat<f64>> = self
                .state
                .iter()
                .map(|s| Mat::from_fn(chunk.len(), h, |_, j| s[(0, j)]))
                .collect();
            let run = self
                .reservoir
                .forward(&time_major(series, chunk)?, Some(&start))?;
            let outs = run.outputs();
            for r in 0..chunk.len() {
                out.push(if self.sequence {
                    Mat::from_fn(outs.len(), self.reservoir.units(), |t, i| outs[t][(r, i)])
                } else {
                    let last = &outs[outs.len() - 1];
                    Mat::from_fn(1, self.reservoir.units(), |_, i| last[(r, i)])
                });
            }
        }
        Ok(out)
    }

    fn refit_head<S: AsSeries>(
        &mut self,
        series: &[S],
        target: &Targets<'_>,
        warmup: usize,
        idx: &[usize],
        ridge: f64,
        batch_size: usize,
    ) -> Result<()> {
        let mut states = self.states(series, idx, batch_size)?;
        let o = self.head.outputs();
        let targets: Vec<Mat<f64>> = match target {
            Targets::Series(ys) => {
                for s in &mut states {
                    *s = s.subrows(warmup, s.nrows() - warmup).to_owned();
                }
                idx.iter()
                    .map(|&k| ys[k].subrows(warmup, ys[k].nrows() - warmup).to_owned())
                    .collect()
            }
            Targets::Last(y) => idx
                .iter()
                .map(|&k| Mat::from_fn(1, o, |_, j| y[(k, j)]))
                .collect(),
            Targets::Classes { labels, .. } => idx
                .iter()
                .map(|&k| Mat::from_fn(1, o, |_, j| (labels[k] == j) as u8 as f64))
                .collect(),
        };
        // pooled into one matrix each: per-sample statistics would cost H x H per sample
        let rows: usize = states.iter().map(Mat::nrows).sum();
        let h = self.reservoir.units();
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
        self.head = Affine::from_parts(
            (0..o)
                .flat_map(|i| (0..h).map(move |j| w[(j, i)]))
                .collect(),
            b.to_vec(),
            h,
        )
        .expect("h -> o weights");
        Ok(())
    }

    fn check_fitted(&self) -> Result<()> {
        if self.fitted {
            Ok(())
        } else {
            Err(Error::NotFitted {
                what: "gated model".into(),
            })
        }
    }

    /// [`Run::run_many`], which leaves the state unchanged.
    fn run_each<S: AsSeries>(&self, series: &[S]) -> Result<Vec<Mat<f64>>> {
        self.check_fitted()?;
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
        Ok(states
            .iter()
            .map(|s| self.head.forward(s.as_ref()))
            .collect())
    }

    /// The head's output for the last layer's state.
    fn output_of_state(&self) -> Mat<f64> {
        self.head.forward(self.state[self.state.len() - 1].as_ref())
    }
}

impl Fit for GatedModel {
    /// Draws the weights again from the seeds and trains them (see [`GatedTraining`]):
    /// towards target series (MSE at every step after `warmup`), last-step values (MSE) or
    /// classes (softmax cross-entropy at the last step). Samples of a mini-batch must have
    /// equal lengths. The internal state is zero afterwards.
    fn fit<'y, S: AsSeries + Sync>(
        &mut self,
        x: &[S],
        y: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<()> {
        self.fit_with_progress(x, y, warmup, |_, _| {})
    }
}

impl Run for GatedModel {
    /// `T x O` for a model trained on target series; `1 x O` (the last step's values or class
    /// scores) for one trained on last values or classes.
    type Output = Mat<f64>;

    fn run(&mut self, x: impl AsSeries) -> Result<Mat<f64>> {
        self.check_fitted()?;
        let x = x.as_series();
        crate::series::check_series("input series", x, Some(self.reservoir.input_dim()))?;
        let xs: Vec<Mat<f64>> = (0..x.nrows())
            .map(|t| Mat::from_fn(1, x.ncols(), |_, j| x[(t, j)]))
            .collect();
        let run = self.reservoir.forward(&xs, Some(&self.state))?;
        let outs = run.outputs();
        let h = self.reservoir.units();
        let states = if self.sequence {
            Mat::from_fn(outs.len(), h, |t, i| outs[t][(0, i)])
        } else {
            outs[outs.len() - 1].clone()
        };
        self.state = run.final_state();
        Ok(self.head.forward(states.as_ref()))
    }

    fn run_many<S: AsSeries + Sync>(&mut self, series: &[S]) -> Result<Vec<Mat<f64>>> {
        self.run_each(series)
    }
}

impl Classify for GatedModel {
    fn classify<S: AsSeries + Sync>(&self, series: &[S]) -> Result<Vec<usize>> {
        if self.loss != Loss::CrossEntropy {
            return Err(Error::Unsupported {
                operation: "classify",
                reason: "the gated model was not trained on classes".into(),
            });
        }
        Ok(self
            .run_each(series)?
            .iter()
            .map(|y| grad::argmax(y.row(0).iter().copied()))
            .collect())
    }
}

impl Step for GatedModel {
    /// One step of the stacked cells from the internal state; `out` receives the head's
    /// output for the new state.
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        self.check_fitted()?;
        if out.len() != self.head.outputs() {
            return Err(Error::shape(
                "gated model step output",
                format!("{} values", self.head.outputs()),
                format!("{} values", out.len()),
            ));
        }
        let x = Mat::from_fn(1, x.len(), |_, j| x[j]);
        self.reservoir.step(&x, &mut self.state)?;
        let y = self.output_of_state();
        out.iter_mut().enumerate().for_each(|(j, o)| *o = y[(0, j)]);
        Ok(())
    }
}

impl Stateful for GatedModel {
    /// One `1 x H` matrix per layer.
    type State = Vec<Mat<f64>>;
    fn reset(&mut self) {
        self.state = self.reservoir.zero_state(1);
    }
    fn state(&self) -> Vec<Mat<f64>> {
        self.state.clone()
    }
    fn set_state(&mut self, state: &Vec<Mat<f64>>) -> Result<()> {
        let (layers, h) = (self.reservoir.params().layers, self.reservoir.units());
        if state.len() != layers || state.iter().any(|m| m.nrows() != 1 || m.ncols() != h) {
            return Err(Error::shape(
                "gated model state",
                format!("{layers} layers of 1 x {h}"),
                format!(
                    "{:?}",
                    state
                        .iter()
                        .map(|m| (m.nrows(), m.ncols()))
                        .collect::<Vec<_>>()
                ),
            ));
        }
        for (l, m) in state.iter().enumerate() {
            crate::series::check_finite(&format!("gated state of layer {l}"), m.as_ref())?;
        }
        self.state.clone_from(state);
        Ok(())
    }
}

fn flatten_all(layers: &[LayerWeights], head: &Affine) -> Vec<Vec<f64>> {
    let mut v: Vec<Vec<f64>> = layers
        .iter()
        .flat_map(|w| {
            [
                grad::flatten(&w.w_in),
                w.b_in.clone(),
                grad::flatten(&w.w_g),
                w.b_g.clone(),
            ]
        })
        .collect();
    v.extend(head.tensors().map(<[f64]>::to_vec));
    v
}
