//! Training the liquid itself: backpropagation through time with a surrogate gradient.
//!
//! A spike `s = H(mem - threshold)` has a zero derivative almost everywhere, so gradients cannot
//! reach `W_in` and `W_rec` through it (a library that backpropagates through the step function
//! as it is trains nothing). Surrogate-gradient learning keeps the step in the forward pass and
//! uses the derivative `g` of a smooth step `G` in the backward pass:
//!
//! | surrogate | smooth step `G(x)` | `g(x) = G'(x)` |
//! |---|---|---|
//! | `FastSigmoid { slope: k }` | `(1 + k x / (1 + k abs(x))) / 2` | `k / (2 (1 + k abs(x))^2)` |
//! | `Arctan { slope: k }` | `1/2 + atan(pi k x / 2) / pi` | `(k / 2) / (1 + (pi k x / 2)^2)` |
//!
//! The classifier trained here reads the firing rate of every neuron in each of `bins` time
//! bins (the [`Feature::Rates`](super::Feature) of the frozen liquid) through a linear layer or
//! an MLP ([`Head`]) with the softmax cross-entropy, and learns it together with `W_in` and, on the
//! existing synapses only, `W_rec` (its sparsity is kept, and after every step weights that
//! would cross zero are clipped to it so that Dale's law still holds). The gradient is exact
//! for the *smooth model* in which every spike is `G(mem - threshold)`, reset term included;
//! the tests check it against finite differences of that model. (A refractory period acts in
//! the hard model only: a held membrane passes its gradient through unchanged.)

use super::features::Feature;
use super::liquid::{Liquid, Reset};
use crate::error::{check_positive, Error, Result};
use crate::grad::{self, Adam, AdamParams, Head, Layers, Schedule, Scheduled, TrainingReport};
use crate::series::{check_series, AsSeries};
use crate::traits::{Classify, Fit, Run, Targets};
use faer::{Mat, MatRef};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The smooth step whose derivative replaces the spike's in the backward pass.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Surrogate {
    /// Fast sigmoid with slope `k`.
    FastSigmoid {
        /// Steepness (> 0).
        slope: f64,
    },
    /// Arctangent with slope `k`.
    Arctan {
        /// Steepness (> 0).
        slope: f64,
    },
}

impl Surrogate {
    fn slope(&self) -> f64 {
        match *self {
            Surrogate::FastSigmoid { slope } | Surrogate::Arctan { slope } => slope,
        }
    }
    /// The smooth step `G(x)`.
    pub fn step(&self, x: f64) -> f64 {
        match *self {
            Surrogate::FastSigmoid { slope: k } => 0.5 * (1.0 + k * x / (1.0 + k * x.abs())),
            Surrogate::Arctan { slope: k } => {
                0.5 + (std::f64::consts::PI * k * x / 2.0).atan() / std::f64::consts::PI
            }
        }
    }
    /// Its derivative `g(x)`.
    pub fn derivative(&self, x: f64) -> f64 {
        match *self {
            Surrogate::FastSigmoid { slope: k } => k / (2.0 * (1.0 + k * x.abs()).powi(2)),
            Surrogate::Arctan { slope: k } => {
                let a = std::f64::consts::PI * k * x / 2.0;
                (k / 2.0) / (1.0 + a * a)
            }
        }
    }
}

/// Hyperparameters of surrogate-gradient training.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SurrogateParams {
    /// The surrogate derivative.
    pub surrogate: Surrogate,
    /// Time bins of the rate features.
    pub bins: usize,
    /// The readout of the rates: linear, or an MLP with one hidden ReLU layer.
    pub head: Head,
    /// Whether `W_in` learns.
    pub train_input: bool,
    /// Whether `W_rec` (its existing synapses) learns.
    pub train_recurrent: bool,
    /// Adam, epochs, series per mini-batch, clipping, validation split and early stopping, and
    /// the seed of the readout's initial weights, the split and the batch order. Defaults:
    /// learning rate 2e-3, 20 epochs, batches of 32, clipping at 5, patience 5, seed 0.
    pub schedule: Schedule,
}

impl Default for SurrogateParams {
    fn default() -> Self {
        SurrogateParams {
            surrogate: Surrogate::FastSigmoid { slope: 5.0 },
            bins: 4,
            head: Head::Linear,
            train_input: true,
            train_recurrent: true,
            schedule: Schedule {
                adam: AdamParams {
                    learning_rate: 2e-3,
                    ..Default::default()
                },
                epochs: 20,
                batch_size: 32,
                clip: Some(5.0),
                validation_fraction: 0.0,
                patience: 5,
                seed: 0,
            },
        }
    }
}

impl Scheduled for SurrogateParams {
    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }
}

impl SurrogateParams {
    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        check_positive("surrogate slope", self.surrogate.slope())?;
        if self.bins == 0 {
            return Err(Error::invalid("bins", 0, "must be >= 1"));
        }
        self.schedule.validate()?;
        self.head.validate()
    }
}

/// A liquid and the readout of its binned firing rates, trained together by [`Fit::fit`] on
/// [`Targets::Classes`]: a layer (linear or MLP) on binned firing rates, and, with
/// `train_input` / `train_recurrent`, the liquid's own weights by surrogate-gradient
/// backpropagation through time (see the [module documentation](self)). With both off, only the
/// layer learns, on the frozen liquid. Every `fit` starts again from the liquid given to
/// [`LsmClassifier::new`].
#[derive(Debug, Clone)]
pub struct LsmClassifier {
    /// The liquid before training.
    pub(super) initial: Liquid,
    /// The liquid with its trained weights.
    pub(super) liquid: Liquid,
    pub(super) params: SurrogateParams,
    pub(super) classes: usize,
    /// `None` before the first fit.
    pub(super) tensors: Option<Tensors>,
    pub(super) report: Option<TrainingReport>,
}

/// Trainable tensors, flat and row-major: `W_in` (`N x F`), `W_rec` values (CSR order), and
/// the layers reading the binned rates (linear, or an MLP).
#[derive(Debug, Clone)]
pub(super) struct Tensors {
    pub(super) win: Vec<f64>,
    pub(super) wrec: Vec<f64>,
    pub(super) head: Layers,
}

impl Tensors {
    fn list(&self) -> Vec<&[f64]> {
        let mut v = vec![&self.win[..], &self.wrec[..]];
        v.extend(self.head.tensors());
        v
    }
    fn list_mut(&mut self) -> Vec<&mut [f64]> {
        let mut v = vec![&mut self.win[..], &mut self.wrec[..]];
        v.extend(self.head.tensors_mut());
        v
    }
    fn zeros_like(&self) -> Tensors {
        Tensors {
            win: vec![0.0; self.win.len()],
            wrec: vec![0.0; self.wrec.len()],
            head: self.head.zeros_like(),
        }
    }

    /// The class scores of one series' features `f`.
    fn scores(&self, f: &[f64]) -> Vec<f64> {
        let x = MatRef::from_row_major_slice(f, 1, f.len());
        self.head
            .forward(x)
            .output()
            .row(0)
            .iter()
            .copied()
            .collect()
    }
}

/// How spikes are computed in a pass.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Spikes {
    /// `H(mem - threshold)`, as the liquid runs.
    Hard,
    /// `G(mem - threshold)`: the smooth model whose exact gradient the backward pass computes
    /// (what the gradient check runs).
    #[cfg_attr(not(test), allow(dead_code))]
    Smooth,
}

impl LsmClassifier {
    /// An untrained classifier of series into `classes` classes, reading `liquid`.
    pub fn new(liquid: Liquid, params: SurrogateParams, classes: usize) -> Result<Self> {
        params.validate()?;
        if classes < 2 {
            return Err(Error::invalid("classes", classes, "must be >= 2"));
        }
        Ok(LsmClassifier {
            initial: liquid.clone(),
            liquid,
            params,
            classes,
            tensors: None,
            report: None,
        })
    }

    /// The liquid with its trained weights.
    pub fn liquid(&self) -> &Liquid {
        &self.liquid
    }
    /// The training hyperparameters.
    pub fn params(&self) -> &SurrogateParams {
        &self.params
    }
    /// The report of the last training (losses per epoch, the epoch kept).
    pub fn report(&self) -> Option<&TrainingReport> {
        self.report.as_ref()
    }

    /// The class scores of each series (`series x classes`).
    fn scores<S: AsSeries + Sync>(&self, series: &[S]) -> Result<Mat<f64>> {
        let tensors = self.tensors.as_ref().ok_or_else(|| Error::NotFitted {
            what: "liquid state machine classifier".into(),
        })?;
        let f = self
            .liquid
            .features(series, Feature::Rates, self.params.bins)?
            .features;
        let mut scores = Mat::zeros(f.nrows(), self.classes);
        for r in 0..f.nrows() {
            let row: Vec<f64> = f.row(r).iter().copied().collect();
            let s = tensors.scores(&row);
            s.iter().enumerate().for_each(|(c, v)| scores[(r, c)] = *v);
        }
        Ok(scores)
    }
}

impl Fit for LsmClassifier {
    /// Trains on `x` (each `T_i x inputs`, at least `bins` steps) towards
    /// [`Targets::Classes`]. The rates are binned over whole series: `warmup` must be 0.
    fn fit<'y, S: AsSeries + Sync>(
        &mut self,
        x: &[S],
        y: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<()> {
        let y = y.into();
        let (labels, classes) = y.classes("a liquid state machine classifier")?;
        if warmup != 0 {
            return Err(Error::invalid(
                "warmup",
                warmup,
                "rates are binned over whole series: use 0",
            ));
        }
        if classes != self.classes {
            return Err(Error::shape(
                "class labels",
                format!("{} classes (the classifier's)", self.classes),
                format!("{classes} classes"),
            ));
        }
        let (liquid, tensors, report) = self.initial.train(x, labels, classes, &self.params)?;
        self.liquid = liquid;
        self.tensors = Some(tensors);
        self.report = Some(report);
        Ok(())
    }
}

impl Run for LsmClassifier {
    /// The class scores of a series (`1 x classes`); each series starts at rest.
    type Output = Mat<f64>;
    fn run(&mut self, x: impl AsSeries) -> Result<Mat<f64>> {
        self.scores(&[x.as_series()])
    }
    fn run_many<S: AsSeries + Sync>(&mut self, xs: &[S]) -> Result<Vec<Mat<f64>>> {
        let s = self.scores(xs)?;
        Ok((0..s.nrows()).map(|r| s.subrows(r, 1).to_owned()).collect())
    }
}

impl Classify for LsmClassifier {
    fn classify<S: AsSeries + Sync>(&self, series: &[S]) -> Result<Vec<usize>> {
        let s = self.scores(series)?;
        Ok((0..s.nrows())
            .map(|r| grad::argmax(s.row(r).iter().copied()))
            .collect())
    }
}

impl Liquid {
    /// Trains the layer (and the liquid's weights) of a classifier: the trained liquid, every
    /// trained tensor and the report.
    fn train<S: AsSeries + Sync>(
        &self,
        series: &[S],
        labels: &[usize],
        classes: usize,
        params: &SurrogateParams,
    ) -> Result<(Liquid, Tensors, TrainingReport)> {
        params.validate()?;
        if series.is_empty() {
            return Err(Error::Empty {
                what: "training series".into(),
            });
        }
        if labels.len() != series.len() {
            return Err(Error::shape(
                "class labels",
                format!("{} labels", series.len()),
                format!("{} labels", labels.len()),
            ));
        }
        if classes < 2 {
            return Err(Error::invalid("classes", classes, "must be >= 2"));
        }
        if let Some(&l) = labels.iter().find(|&&l| l >= classes) {
            return Err(Error::invalid(
                "class label",
                l,
                &format!("must be < {classes}"),
            ));
        }
        for (k, s) in series.iter().enumerate() {
            let s = s.as_series();
            check_series(&format!("training series {k}"), s, Some(self.input_dim()))?;
            if s.nrows() < params.bins {
                return Err(Error::invalid(
                    "bins",
                    params.bins,
                    &format!("series {k} has only {} steps", s.nrows()),
                ));
            }
        }
        let n = self.units();
        let d = params.bins * n;
        let mut rng = crate::rng::from_seed(crate::rng::derive(params.schedule.seed, 11));
        let mut tensors = Tensors {
            win: self.win_flat().to_vec(),
            wrec: self.w().val().to_vec(),
            head: Layers::draw(params.head, d, classes, &mut rng),
        };
        let lengths: Vec<usize> = tensors.list().iter().map(|t| t.len()).collect();
        let schedule = params.schedule;
        let mut adam = Adam::new(schedule.adam, &lengths)?;
        let step = |tensors: &mut Tensors, idx: &[usize]| {
            let (loss, mut grads) =
                self.batch_gradients(tensors, series, labels, idx, params, Spikes::Hard)?;
            if !params.train_input {
                grads.win.iter_mut().for_each(|g| *g = 0.0);
            }
            if !params.train_recurrent {
                grads.wrec.iter_mut().for_each(|g| *g = 0.0);
            }
            schedule.clip(&mut grads.list_mut())?;
            adam.step(&mut tensors.list_mut(), &grads.list())?;
            // the passes read the weights from `tensors`; the liquid is rebuilt once, below
            self.keep_dale(&mut tensors.wrec);
            Ok(loss)
        };
        let validation_loss = |tensors: &Tensors, idx: &[usize]| {
            Ok(self
                .batch_gradients(tensors, series, labels, idx, params, Spikes::Hard)?
                .0)
        };
        let (report, _) =
            schedule.run(series.len(), &mut tensors, step, validation_loss, |_, _| {})?;
        let liquid = self.with_weights(&tensors)?;
        Ok((liquid, tensors, report))
    }

    /// The same liquid with other `W_in` and `W_rec` values (same synapses).
    fn with_weights(&self, t: &Tensors) -> Result<Liquid> {
        let mut w = self.w().clone();
        w.val_mut().copy_from_slice(&t.wrec);
        let f = self.input_dim();
        let win = Mat::from_fn(self.units(), f, |i, j| t.win[i * f + j]);
        Liquid::from_matrices(self.params(), w, win)
    }

    /// Clips recurrent weights that crossed zero back to it: column `j` keeps the sign of
    /// neuron `j`'s population.
    fn keep_dale(&self, wrec: &mut [f64]) {
        let exc = self.excitatory() as u32;
        for (w, &j) in wrec.iter_mut().zip(self.w().symbolic().col_idx()) {
            *w = if j < exc { w.max(0.0) } else { w.min(0.0) };
        }
    }

    /// Mean loss over the series `idx` and the gradient of every tensor (summed over the
    /// series, divided by their number). Series run in parallel; their gradients are added in
    /// order, so the result does not depend on the number of threads.
    fn batch_gradients<S: AsSeries + Sync>(
        &self,
        t: &Tensors,
        series: &[S],
        labels: &[usize],
        idx: &[usize],
        params: &SurrogateParams,
        spikes: Spikes,
    ) -> Result<(f64, Tensors)> {
        let parts: Vec<(f64, Tensors)> = idx
            .par_iter()
            .map(|&k| self.sample_gradients(t, series[k].as_series(), labels[k], params, spikes))
            .collect();
        let scale = 1.0 / idx.len() as f64;
        let mut total = t.zeros_like();
        let mut loss = 0.0;
        for (l, g) in parts {
            loss += l * scale;
            for (acc, part) in total.list_mut().into_iter().zip(g.list()) {
                acc.iter_mut().zip(part).for_each(|(a, v)| *a += v * scale);
            }
        }
        Ok((loss, total))
    }

    /// Forward and backward pass of one series (see the module documentation).
    fn sample_gradients(
        &self,
        t: &Tensors,
        x: faer::MatRef<'_, f64>,
        label: usize,
        params: &SurrogateParams,
        mode: Spikes,
    ) -> (f64, Tensors) {
        let p = self.params();
        let (n, f, steps, bins) = (self.units(), self.input_dim(), x.nrows(), params.bins);
        let d = bins * n;
        let sym = self.w().symbolic();
        let (row_ptr, col) = (sym.row_ptr(), sym.col_idx());
        let surrogate = params.surrogate;
        // forward, keeping the pre-reset membranes, the spikes and the refractory masks
        let mut mem_pre = vec![0.0; steps * n];
        let mut spk = vec![0.0; steps * n];
        let mut held = vec![false; steps * n];
        let mut mem = vec![0.0; n];
        let mut refractory = vec![0u32; n];
        let mut rec = vec![0.0; n];
        let mut counts = vec![0.0; d];
        let bin_start = |b: usize| b * steps / bins;
        let bin_len = |b: usize| (bin_start(b + 1) - bin_start(b)) as f64;
        for s in 0..steps {
            let prev = if s == 0 {
                None
            } else {
                Some(&spk[(s - 1) * n..s * n])
            };
            for (i, r) in rec.iter_mut().enumerate() {
                let mut acc = 0.0;
                if let Some(prev) = prev {
                    for k in row_ptr[i] as usize..row_ptr[i + 1] as usize {
                        acc += t.wrec[k] * prev[col[k] as usize];
                    }
                }
                *r = acc;
            }
            let b = bin_index(s, steps, bins);
            for i in 0..n {
                let at = s * n + i;
                if refractory[i] > 0 {
                    refractory[i] -= 1;
                    mem_pre[at] = mem[i];
                    held[at] = true;
                    continue;
                }
                let row = &t.win[i * f..(i + 1) * f];
                let drive: f64 = row.iter().zip(x.row(s).iter()).map(|(w, u)| w * u).sum();
                let m = p.beta * mem[i] + drive + rec[i];
                mem_pre[at] = m;
                let sp = match mode {
                    Spikes::Hard => (m >= p.threshold) as u8 as f64,
                    Spikes::Smooth => surrogate.step(m - p.threshold),
                };
                spk[at] = sp;
                mem[i] = match p.reset {
                    Reset::Subtract => m - p.threshold * sp,
                    Reset::Zero => m * (1.0 - sp),
                };
                if mode == Spikes::Hard && sp == 1.0 {
                    refractory[i] = p.refractory as u32;
                }
                counts[b * n + i] += sp;
            }
        }
        let features: Vec<f64> = (0..d).map(|j| counts[j] / bin_len(j / n)).collect();
        // readout and loss
        let rates = MatRef::from_row_major_slice(&features, 1, d);
        let pass = t.head.forward(rates);
        let logits: Vec<f64> = pass.output().row(0).iter().copied().collect();
        let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let log_sum = max + logits.iter().map(|l| (l - max).exp()).sum::<f64>().ln();
        let loss = log_sum - logits[label];
        let d_logits: Vec<f64> = (0..logits.len())
            .map(|c| (logits[c] - log_sum).exp() - (c == label) as u8 as f64)
            .collect();
        let mut g = t.zeros_like();
        let d_rates = t.head.backward(
            rates,
            &pass,
            MatRef::from_row_major_slice(&d_logits, 1, d_logits.len()),
            &mut g.head,
        );
        let d_features: Vec<f64> = d_rates.row(0).iter().copied().collect();
        // backward through time
        let mut d_spk_next = vec![0.0; n]; // W_rec^T dm[s + 1]
        let mut d_mem_post = vec![0.0; n]; // d(post-reset membrane of step s) from step s + 1
        let mut dm = vec![0.0; n];
        for s in (0..steps).rev() {
            let b = bin_index(s, steps, bins);
            for i in 0..n {
                let at = s * n + i;
                if held[at] {
                    // the membrane was carried over unchanged and no spike was possible
                    dm[i] = d_mem_post[i];
                    continue;
                }
                let m = mem_pre[at];
                let sp = spk[at];
                let mut ds = d_features[b * n + i] / bin_len(b) + d_spk_next[i];
                let dm_from_post = match p.reset {
                    Reset::Subtract => {
                        ds -= p.threshold * d_mem_post[i];
                        d_mem_post[i]
                    }
                    Reset::Zero => {
                        ds -= m * d_mem_post[i];
                        (1.0 - sp) * d_mem_post[i]
                    }
                };
                dm[i] = dm_from_post + ds * surrogate.derivative(m - p.threshold);
            }
            // to the parameters and to step s - 1
            d_spk_next.iter_mut().for_each(|v| *v = 0.0);
            for i in 0..n {
                let at = s * n + i;
                if held[at] {
                    d_mem_post[i] = dm[i];
                    continue;
                }
                d_mem_post[i] = p.beta * dm[i];
                if dm[i] == 0.0 {
                    continue;
                }
                for (gw, u) in g.win[i * f..(i + 1) * f].iter_mut().zip(x.row(s).iter()) {
                    *gw += dm[i] * u;
                }
                if s > 0 {
                    for k in row_ptr[i] as usize..row_ptr[i + 1] as usize {
                        let j = col[k] as usize;
                        g.wrec[k] += dm[i] * spk[(s - 1) * n + j];
                        d_spk_next[j] += t.wrec[k] * dm[i];
                    }
                }
            }
        }
        (loss, g)
    }
}

/// The time bin of step `s` of `steps` split into `bins` (bin `b` covers
/// `b steps / bins .. (b + 1) steps / bins`).
fn bin_index(s: usize, steps: usize, bins: usize) -> usize {
    // the largest b with b * steps / bins <= s
    let mut b = (s * bins) / steps;
    while b + 1 < bins && (b + 1) * steps / bins <= s {
        b += 1;
    }
    while b > 0 && b * steps / bins > s {
        b -= 1;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grad::Affine;
    use crate::spiking::LiquidParams;

    fn slot(t: &mut Tensors, which: usize, k: usize) -> &mut f64 {
        let mut list = t.list_mut();
        let tensor = std::mem::take(&mut list[which]);
        &mut tensor[k]
    }

    #[test]
    fn the_training_pass_scores_like_the_trained_classifier() {
        let liquid = Liquid::new(
            &LiquidParams {
                units: 30,
                seed: 5,
                ..Default::default()
            },
            2,
        )
        .unwrap();
        let params = SurrogateParams {
            bins: 3,
            ..Default::default()
        };
        let x = Mat::from_fn(20, 2, |s, j| 1.5 * ((s + 3 * j) as f64 * 0.4).sin().abs());
        let d = 3 * 30;
        let out = (0..2 * d).map(|k| ((k as f64) * 0.21).cos()).collect();
        let t = Tensors {
            win: liquid.win_flat().to_vec(),
            wrec: liquid.w().val().to_vec(),
            head: Layers::from_maps(vec![Affine::from_parts(out, vec![0.3, -0.1], d).unwrap()])
                .unwrap(),
        };
        let (loss, _) = liquid.sample_gradients(&t, x.as_ref(), 0, &params, Spikes::Hard);
        let mut classifier = LsmClassifier::new(liquid.clone(), params, 2).unwrap();
        classifier.liquid = liquid.with_weights(&t).unwrap();
        classifier.tensors = Some(t.clone());
        let scores = classifier.scores(&[&x]).unwrap();
        let (ce, _) = grad::softmax_cross_entropy(scores.as_ref(), &[0]).unwrap();
        assert!((ce - loss).abs() < 1e-12, "{ce} vs {loss}");
    }

    #[test]
    fn bins_cover_the_steps_like_the_features() {
        for steps in [7, 8, 40, 41] {
            for bins in 1..=7 {
                for s in 0..steps {
                    let b = bin_index(s, steps, bins);
                    assert!(b * steps / bins <= s && s < (b + 1) * steps / bins);
                }
            }
        }
    }

    /// The backward pass is the exact gradient of the smooth model: finite differences agree.
    #[test]
    fn gradients_match_finite_differences_of_the_smooth_model() {
        for (surrogate, reset, hidden) in [
            (Surrogate::FastSigmoid { slope: 2.0 }, Reset::Subtract, 0),
            (Surrogate::Arctan { slope: 1.5 }, Reset::Zero, 0),
            (Surrogate::FastSigmoid { slope: 3.0 }, Reset::Subtract, 4),
        ] {
            let lp = LiquidParams {
                units: 12,
                rc_connectivity: 0.4,
                spectral_radius: 1.2,
                input_scaling: 1.5,
                reset,
                seed: 3,
                ..Default::default()
            };
            let liquid = Liquid::new(&lp, 2).unwrap();
            let params = SurrogateParams {
                surrogate,
                bins: 3,
                ..Default::default()
            };
            let x = Mat::from_fn(9, 2, |s, j| ((s * 2 + j) as f64 * 0.9).sin() + 0.6);
            let d = params.bins * 12;
            let wave = |k: usize, f: f64| (k as f64 * f).sin() * 0.5;
            let into = if hidden > 0 { hidden } else { d };
            let out = (0..3 * into).map(|k| wave(k, 0.37)).collect();
            let mut maps = vec![Affine::from_parts(out, vec![0.1, -0.2, 0.05], into).unwrap()];
            if hidden > 0 {
                let w = (0..hidden * d).map(|k| wave(k, 0.53)).collect();
                let b = (0..hidden).map(|k| 0.1 + wave(k, 1.1)).collect();
                maps.insert(0, Affine::from_parts(w, b, d).unwrap());
            }
            let t = Tensors {
                win: liquid.win_flat().to_vec(),
                wrec: liquid.w().val().to_vec(),
                head: Layers::from_maps(maps).unwrap(),
            };
            let loss = |t: &Tensors| {
                liquid
                    .sample_gradients(t, x.as_ref(), 1, &params, Spikes::Smooth)
                    .0
            };
            let (_, g) = liquid.sample_gradients(&t, x.as_ref(), 1, &params, Spikes::Smooth);
            let h = 1e-4;
            let mut worst: f64 = 0.0;
            let names: &[&str] = if hidden > 0 {
                &["W_in", "W_rec", "W_hid", "b_hid", "W_out", "b_out"]
            } else {
                &["W_in", "W_rec", "W_out", "b_out"]
            };
            let analytic = g.list();
            for (which, name) in names.iter().enumerate() {
                let len = analytic[which].len();
                let stride = if name.starts_with('W') && which >= 2 {
                    5
                } else {
                    1
                };
                for k in (0..len).step_by(stride) {
                    // fourth-order central difference
                    let at = |step: f64| {
                        let mut moved = t.clone();
                        *slot(&mut moved, which, k) += step;
                        loss(&moved)
                    };
                    let fd = (8.0 * (at(h) - at(-h)) - (at(2.0 * h) - at(-2.0 * h))) / (12.0 * h);
                    let a = analytic[which][k];
                    let err = (fd - a).abs() / (fd.abs() + a.abs()).max(1e-6);
                    worst = worst.max(err);
                    assert!(
                        err < 1e-6,
                        "{surrogate:?} {reset:?} {name}[{k}]: fd {fd} vs {a}"
                    );
                }
            }
            println!("{surrogate:?} {reset:?} hidden {hidden}: worst relative error {worst:.2e}");
        }
    }
}
