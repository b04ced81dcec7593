//! Readouts trained by gradient descent on fixed features: a linear map or a one-hidden-layer
//! MLP (ReLU), with the softmax cross-entropy (classification) or the mean squared error
//! (regression), Adam, mini-batches shuffled by seed, optional gradient clipping, and early
//! stopping on a validation split. Features are standardised with the training set's mean and
//! standard deviation, which the readout keeps.
//!
//! A readout maps each row independently. It learns from [`Targets::Series`] (every row
//! after the warmup, MSE), or from one value ([`Targets::Last`], MSE) or one class
//! ([`Targets::Classes`], cross-entropy) per series, read at its last row. Samples of static
//! features are one-row series: [`series::rows`](crate::series::rows) views the rows of a
//! feature matrix that way.
//!
//! ```
//! use aquifer::prelude::*;
//! use aquifer::readout::{GradientParams, GradientReadout, Head};
//! // two classes separated by the sign of x0 - x1
//! let x = faer::Mat::from_fn(200, 2, |i, j| ((i * (j + 3)) as f64 * 0.37).sin());
//! let labels: Vec<usize> = (0..200).map(|i| (x[(i, 0)] > x[(i, 1)]) as usize).collect();
//! let params = GradientParams { head: Head::Linear, ..Default::default() }.epochs(200);
//! let mut readout = GradientReadout::new(params, 2, 2)?;
//! let samples = aquifer::series::rows(x.as_ref());
//! readout.fit(&samples, Targets::Classes { labels: &labels, classes: 2 }, 0)?;
//! let predicted = readout.classify(&samples)?;
//! let correct = predicted.iter().zip(&labels).filter(|(p, l)| p == l).count();
//! assert!(correct >= 190, "{correct}");
//! let report = readout.report().unwrap();
//! assert!(report.train_loss.last() < report.train_loss.first());
//! # Ok::<(), aquifer::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::io::{ModelFile, Tensor};
pub use crate::optim::TrainingReport;
use crate::optim::{self, Adam, AdamParams, Schedule, Scheduled};
use crate::series::{check_finite, check_finite_slice, check_pairs, check_series, views, AsSeries};
use crate::traits::{Classify, Fit, Persist, Run, Targets};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rand_distr::{Distribution, Uniform};
use serde::{Deserialize, Serialize};

/// The map from features to outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Head {
    /// `y = W x + b`.
    Linear,
    /// `y = W2 relu(W1 x + b1) + b2`.
    Mlp {
        /// Hidden units.
        hidden: usize,
    },
}

/// Hyperparameters of a [`GradientReadout`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GradientParams {
    /// Linear or MLP.
    pub head: Head,
    /// Adam, epochs, batches, clipping, validation split and early stopping, and the seed of
    /// the initial weights, the split and the batch order. Defaults: learning rate 1e-2, 100
    /// epochs, batches of 64, no clipping, patience 10, seed 0.
    pub schedule: Schedule,
}

impl Default for GradientParams {
    fn default() -> Self {
        GradientParams {
            head: Head::Linear,
            schedule: Schedule {
                adam: AdamParams {
                    learning_rate: 1e-2,
                    ..Default::default()
                },
                epochs: 100,
                batch_size: 64,
                clip: None,
                validation_fraction: 0.0,
                patience: 10,
                seed: 0,
            },
        }
    }
}

impl Scheduled for GradientParams {
    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }
}

impl GradientParams {
    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        self.schedule.validate()?;
        if let Head::Mlp { hidden: 0 } = self.head {
            return Err(Error::invalid("hidden", 0, "must be >= 1"));
        }
        Ok(())
    }
}

/// What the outputs are trained against, one row or label per training row.
enum RowTargets<'a> {
    Classes(&'a [usize]),
    Values(MatRef<'a, f64>),
}

/// A readout trained by gradient descent (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct GradientReadout {
    pub(crate) params: GradientParams,
    pub(crate) features: usize,
    pub(crate) outputs: usize,
    pub(crate) mean: Vec<f64>,
    pub(crate) scale: Vec<f64>,
    /// Layers: weights `in x out` and biases `out`; one layer (linear) or two (MLP); none
    /// before the first fit.
    pub(crate) layers: Vec<Layer>,
    pub(crate) report: Option<TrainingReport>,
}

impl GradientReadout {
    /// An untrained readout from `features` inputs to `outputs` outputs (target columns, or
    /// classes).
    pub fn new(params: GradientParams, features: usize, outputs: usize) -> Result<Self> {
        params.validate()?;
        if features == 0 || outputs == 0 {
            return Err(Error::invalid(
                "readout dimensions",
                format!("{features} -> {outputs}"),
                "must be >= 1",
            ));
        }
        Ok(GradientReadout {
            params,
            features,
            outputs,
            mean: Vec::new(),
            scale: Vec::new(),
            layers: Vec::new(),
            report: None,
        })
    }

    /// The report of the last training (losses per epoch, the epoch kept).
    pub fn report(&self) -> Option<&TrainingReport> {
        self.report.as_ref()
    }

    /// Trains on the rows of `x` (`n x F`) against one target row or label each, from
    /// freshly drawn weights.
    fn train(&mut self, x: MatRef<'_, f64>, targets: RowTargets<'_>) -> Result<()> {
        let (params, outputs) = (&self.params, self.outputs);
        let (n, f) = (x.nrows(), x.ncols());
        if n == 0 || f == 0 {
            return Err(Error::Empty {
                what: "training features".into(),
            });
        }
        check_finite("training features", x)?;
        // standardisation from the training samples
        let mean: Vec<f64> = (0..f)
            .map(|j| (0..n).map(|i| x[(i, j)]).sum::<f64>() / n as f64)
            .collect();
        let scale: Vec<f64> = (0..f)
            .map(|j| {
                let var = (0..n).map(|i| (x[(i, j)] - mean[j]).powi(2)).sum::<f64>() / n as f64;
                if var > 0.0 {
                    1.0 / var.sqrt()
                } else {
                    1.0
                }
            })
            .collect();
        let xs = Mat::from_fn(n, f, |i, j| (x[(i, j)] - mean[j]) * scale[j]);
        let mut rng = crate::rng::from_seed(crate::rng::derive(params.schedule.seed, 7));
        let mut layer = |fan_in: usize, fan_out: usize| {
            // PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases
            let a = 1.0 / (fan_in as f64).sqrt();
            let u = Uniform::new_inclusive(-a, a).expect("a finite bound");
            let w = Mat::from_fn(fan_in, fan_out, |_, _| u.sample(&mut rng));
            let b = (0..fan_out).map(|_| u.sample(&mut rng)).collect();
            (w, b)
        };
        let layers = match params.head {
            Head::Linear => vec![layer(f, outputs)],
            Head::Mlp { hidden } => vec![layer(f, hidden), layer(hidden, outputs)],
        };
        let mut model = GradientReadout {
            params: *params,
            features: f,
            outputs,
            mean,
            scale,
            layers,
            report: None,
        };
        let lengths: Vec<usize> = model
            .layers
            .iter()
            .flat_map(|(w, b)| [w.nrows() * w.ncols(), b.len()])
            .collect();
        let schedule = params.schedule;
        let mut adam = Adam::new(schedule.adam, &lengths)?;
        let rows = |idx: &[usize]| Mat::from_fn(idx.len(), f, |r, j| xs[(idx[r], j)]);
        let subset = |idx: &[usize]| targets.select(idx);
        let step = |model: &mut GradientReadout, idx: &[usize]| {
            let (loss, mut grads) = model.loss_and_gradients(rows(idx).as_ref(), &subset(idx))?;
            let mut flat: Vec<Vec<f64>> = grads
                .iter_mut()
                .flat_map(|(gw, gb)| [optim::flatten(gw), std::mem::take(gb)])
                .collect();
            schedule.clip(&mut flat.iter_mut().map(Vec::as_mut_slice).collect::<Vec<_>>())?;
            let mut weights: Vec<Vec<f64>> = model
                .layers
                .iter()
                .flat_map(|(w, b)| [optim::flatten(w), b.clone()])
                .collect();
            {
                let mut p: Vec<&mut [f64]> = weights.iter_mut().map(Vec::as_mut_slice).collect();
                let g: Vec<&[f64]> = flat.iter().map(Vec::as_slice).collect();
                adam.step(&mut p, &g)?;
            }
            for (k, (w, b)) in model.layers.iter_mut().enumerate() {
                optim::unflatten(&weights[2 * k], w);
                b.copy_from_slice(&weights[2 * k + 1]);
            }
            Ok(loss)
        };
        // the held-out samples, gathered once
        let mut held_out = None;
        let validation_loss = |model: &GradientReadout, idx: &[usize]| {
            let (vx, vt) = held_out.get_or_insert_with(|| (rows(idx), subset(idx)));
            Ok(model.loss_and_gradients(vx.as_ref(), vt)?.0)
        };
        let (report, _) = schedule.run(n, &mut model, step, validation_loss, |_, _| {})?;
        for (w, b) in &model.layers {
            check_finite("trained weights", w.as_ref())?;
            check_finite_slice("trained biases", b)?;
        }
        model.report = Some(report);
        *self = model;
        Ok(())
    }

    /// Forward pass on standardised features; returns the outputs and the hidden
    /// pre-activations (MLP).
    fn forward(&self, xs: MatRef<'_, f64>) -> (Mat<f64>, Option<Mat<f64>>) {
        let affine = |x: MatRef<'_, f64>, (w, b): &(Mat<f64>, Vec<f64>)| {
            let mut out = Mat::from_fn(x.nrows(), w.ncols(), |_, j| b[j]);
            matmul(out.as_mut(), Accum::Add, x, w.as_ref(), 1.0, Par::Seq);
            out
        };
        match self.layers.len() {
            1 => (affine(xs, &self.layers[0]), None),
            _ => {
                let z = affine(xs, &self.layers[0]);
                let h = Mat::from_fn(z.nrows(), z.ncols(), |i, j| z[(i, j)].max(0.0));
                (affine(h.as_ref(), &self.layers[1]), Some(z))
            }
        }
    }

    /// The loss on a batch of standardised features and the gradient of every layer.
    fn loss_and_gradients(
        &self,
        xs: MatRef<'_, f64>,
        targets: &OwnedTargets,
    ) -> Result<(f64, Vec<Layer>)> {
        let (out, z) = self.forward(xs);
        let (loss, d_out) = match targets {
            OwnedTargets::Classes(l) => optim::softmax_cross_entropy(out.as_ref(), l)?,
            OwnedTargets::Values(y) => optim::mse(out.as_ref(), y.as_ref())?,
        };
        let grad_of = |input: MatRef<'_, f64>, d: &Mat<f64>| {
            let mut gw = Mat::zeros(input.ncols(), d.ncols());
            matmul(
                gw.as_mut(),
                Accum::Replace,
                input.transpose(),
                d.as_ref(),
                1.0,
                Par::Seq,
            );
            let gb = (0..d.ncols())
                .map(|j| (0..d.nrows()).map(|i| d[(i, j)]).sum())
                .collect();
            (gw, gb)
        };
        Ok(match z {
            None => (loss, vec![grad_of(xs, &d_out)]),
            Some(z) => {
                let h = Mat::from_fn(z.nrows(), z.ncols(), |i, j| z[(i, j)].max(0.0));
                let second = grad_of(h.as_ref(), &d_out);
                let mut dh = Mat::zeros(z.nrows(), z.ncols());
                let w2 = &self.layers[1].0;
                matmul(
                    dh.as_mut(),
                    Accum::Replace,
                    d_out.as_ref(),
                    w2.transpose(),
                    1.0,
                    Par::Seq,
                );
                let dz = Mat::from_fn(z.nrows(), z.ncols(), |i, j| {
                    if z[(i, j)] > 0.0 {
                        dh[(i, j)]
                    } else {
                        0.0
                    }
                });
                (loss, vec![grad_of(xs, &dz), second])
            }
        })
    }

    fn standardise(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        if x.ncols() != self.mean.len() {
            return Err(Error::shape(
                "readout features",
                format!("_ x {}", self.mean.len()),
                format!("{} x {}", x.nrows(), x.ncols()),
            ));
        }
        check_finite("readout features", x)?;
        Ok(Mat::from_fn(x.nrows(), x.ncols(), |i, j| {
            (x[(i, j)] - self.mean[j]) * self.scale[j]
        }))
    }

    /// The outputs (class scores, or regression values) for features `x` (`n x F`).
    fn predict(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        if self.layers.is_empty() {
            return Err(Error::NotFitted {
                what: "gradient readout".into(),
            });
        }
        Ok(self.forward(self.standardise(x)?.as_ref()).0)
    }

    /// The hyperparameters.
    pub fn params(&self) -> &GradientParams {
        &self.params
    }
}

impl Fit for GradientReadout {
    fn fit<'y, S: AsSeries + Sync>(
        &mut self,
        x: &[S],
        y: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<()> {
        let y = y.into();
        let xs = views(x);
        if xs.is_empty() {
            return Err(Error::Empty {
                what: "training series".into(),
            });
        }
        if y.len() != xs.len() {
            return Err(Error::SeriesCountMismatch {
                inputs: xs.len(),
                targets: y.len(),
            });
        }
        for (k, s) in xs.iter().enumerate() {
            check_series(&format!("training series {k}"), *s, Some(self.features))?;
        }
        if y.outputs() != self.outputs {
            return Err(Error::shape(
                y.kind(),
                format!("{} outputs (the readout's)", self.outputs),
                format!("{} outputs", y.outputs()),
            ));
        }
        let last_rows = || {
            Mat::from_fn(xs.len(), self.features, |k, j| {
                xs[k][(xs[k].nrows() - 1, j)]
            })
        };
        match &y {
            Targets::Series(ys) => {
                check_pairs(&xs, ys, Some(self.features), Some(self.outputs))?;
                if let Some((k, s)) = xs.iter().enumerate().find(|(_, s)| warmup >= s.nrows()) {
                    return Err(Error::WarmupTooLong {
                        warmup,
                        len: s.nrows(),
                        series: k,
                    });
                }
                let rows: usize = xs.iter().map(|s| s.nrows() - warmup).sum();
                let (mut px, mut py) = (
                    Mat::zeros(rows, self.features),
                    Mat::zeros(rows, self.outputs),
                );
                let mut at = 0;
                for (s, t) in xs.iter().zip(ys) {
                    let r = s.nrows() - warmup;
                    px.as_mut()
                        .subrows_mut(at, r)
                        .copy_from(s.subrows(warmup, r));
                    py.as_mut()
                        .subrows_mut(at, r)
                        .copy_from(t.subrows(warmup, r));
                    at += r;
                }
                self.train(px.as_ref(), RowTargets::Values(py.as_ref()))
            }
            Targets::Last(v) => {
                check_finite("last-step targets", *v)?;
                self.train(last_rows().as_ref(), RowTargets::Values(*v))
            }
            Targets::Classes { labels, classes } => {
                if *classes < 2 {
                    return Err(Error::invalid("classes", classes, "must be >= 2"));
                }
                if let Some(&l) = labels.iter().find(|&&l| l >= *classes) {
                    return Err(Error::invalid(
                        "class label",
                        l,
                        &format!("must be < {classes}"),
                    ));
                }
                self.train(last_rows().as_ref(), RowTargets::Classes(labels))
            }
        }
    }
}

impl Run for GradientReadout {
    /// The outputs (class scores, or regression values) of each row (`T x outputs`).
    type Output = Mat<f64>;
    fn run(&mut self, x: impl AsSeries) -> Result<Mat<f64>> {
        self.predict(x.as_series())
    }
    fn run_many<S: AsSeries + Sync>(&mut self, xs: &[S]) -> Result<Vec<Mat<f64>>> {
        xs.iter().map(|x| self.predict(x.as_series())).collect()
    }
}

impl Classify for GradientReadout {
    /// The most likely class at the last row of each series.
    fn classify<S: AsSeries + Sync>(&self, xs: &[S]) -> Result<Vec<usize>> {
        xs.iter()
            .map(|x| {
                let x = x.as_series();
                if x.nrows() == 0 {
                    return Err(Error::Empty {
                        what: "series to classify".into(),
                    });
                }
                let out = self.predict(x.subrows(x.nrows() - 1, 1))?;
                Ok(crate::optim::argmax(out.row(0).iter().copied()))
            })
            .collect()
    }
}

/// The configuration part of a saved [`GradientReadout`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedGradient {
    params: GradientParams,
    features: usize,
    outputs: usize,
    fitted: bool,
}

/// A readout saves its hyperparameters and, once trained, its standardisation and layers
/// (kind `gradient_readout`).
impl Persist for GradientReadout {
    const KIND: &'static str = "gradient_readout";

    fn to_part(&self) -> Result<ModelFile> {
        let mut file = ModelFile::empty(Self::KIND);
        file.set_config(&SavedGradient {
            params: self.params,
            features: self.features,
            outputs: self.outputs,
            fitted: !self.layers.is_empty(),
        })?;
        let t = &mut file.tensors;
        if !self.layers.is_empty() {
            t.insert("mean".into(), Tensor::vector(self.mean.clone()));
            t.insert("scale".into(), Tensor::vector(self.scale.clone()));
        }
        for (k, (w, b)) in self.layers.iter().enumerate() {
            t.insert(format!("layers.{k}.w"), Tensor::matrix(w.as_ref()));
            t.insert(format!("layers.{k}.b"), Tensor::vector(b.clone()));
        }
        Ok(file)
    }

    fn from_part(file: &ModelFile) -> Result<Self> {
        crate::traits::check_kind(file, Self::KIND)?;
        let c: SavedGradient = file.config_as()?;
        let mut readout = GradientReadout::new(c.params, c.features, c.outputs)?;
        if !c.fitted {
            return Ok(readout);
        }
        let (f, o) = (c.features, c.outputs);
        // sizes must be those of tensors present in the file before anything is allocated
        if file.shape_of("mean") != Some(&[f]) {
            return Err(Error::Data {
                source_name: "model file".into(),
                reason: format!("`mean` does not hold {f} features"),
            });
        }
        let shapes = match c.params.head {
            Head::Linear => vec![(f, o)],
            Head::Mlp { hidden } => vec![(f, hidden), (hidden, o)],
        };
        let vector = |name: &str, len: usize| -> Result<Vec<f64>> {
            let v = file.f64_tensor(name, &[len])?;
            check_finite_slice(name, v)?;
            Ok(v.to_vec())
        };
        readout.mean = vector("mean", f)?;
        readout.scale = vector("scale", f)?;
        for (k, (rows, cols)) in shapes.into_iter().enumerate() {
            let w = file.f64_matrix(&format!("layers.{k}.w"), rows, cols)?;
            check_finite("readout weights", w.as_ref())?;
            readout
                .layers
                .push((w, vector(&format!("layers.{k}.b"), cols)?));
        }
        Ok(readout)
    }
}

/// A layer: weights (`in x out`) and biases (`out`).
type Layer = (Mat<f64>, Vec<f64>);

/// Targets of a batch.
enum OwnedTargets {
    Classes(Vec<usize>),
    Values(Mat<f64>),
}

impl RowTargets<'_> {
    fn select(&self, idx: &[usize]) -> OwnedTargets {
        match self {
            RowTargets::Classes(l) => OwnedTargets::Classes(idx.iter().map(|&k| l[k]).collect()),
            RowTargets::Values(y) => {
                OwnedTargets::Values(Mat::from_fn(idx.len(), y.ncols(), |r, j| y[(idx[r], j)]))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mlp_gradients_match_finite_differences() {
        let x = Mat::from_fn(7, 3, |i, j| ((i * 3 + j) as f64 * 0.61).sin());
        let mut rng = crate::rng::from_seed(4);
        let u = Uniform::new(-0.8, 0.8).unwrap();
        let mut model = GradientReadout {
            params: GradientParams {
                head: Head::Mlp { hidden: 5 },
                ..Default::default()
            },
            features: 3,
            outputs: 4,
            report: None,
            mean: vec![0.0; 3],
            scale: vec![1.0; 3],
            layers: vec![
                (
                    Mat::from_fn(3, 5, |_, _| u.sample(&mut rng)),
                    (0..5).map(|_| u.sample(&mut rng)).collect(),
                ),
                (
                    Mat::from_fn(5, 4, |_, _| u.sample(&mut rng)),
                    (0..4).map(|_| u.sample(&mut rng)).collect(),
                ),
            ],
        };
        for targets in [
            OwnedTargets::Classes(vec![0, 3, 1, 2, 2, 0, 1]),
            OwnedTargets::Values(Mat::from_fn(7, 4, |i, j| (i + j) as f64 * 0.1)),
        ] {
            let (_, grads) = model.loss_and_gradients(x.as_ref(), &targets).unwrap();
            let h = 1e-6;
            for l in 0..2 {
                for i in 0..model.layers[l].0.nrows() {
                    for j in 0..model.layers[l].0.ncols() {
                        let w0 = model.layers[l].0[(i, j)];
                        model.layers[l].0[(i, j)] = w0 + h;
                        let plus = model.loss_and_gradients(x.as_ref(), &targets).unwrap().0;
                        model.layers[l].0[(i, j)] = w0 - h;
                        let minus = model.loss_and_gradients(x.as_ref(), &targets).unwrap().0;
                        model.layers[l].0[(i, j)] = w0;
                        let fd = (plus - minus) / (2.0 * h);
                        assert!(
                            (fd - grads[l].0[(i, j)]).abs() < 1e-7,
                            "layer {l} w[{i},{j}]"
                        );
                    }
                }
                for j in 0..model.layers[l].1.len() {
                    let b0 = model.layers[l].1[j];
                    model.layers[l].1[j] = b0 + h;
                    let plus = model.loss_and_gradients(x.as_ref(), &targets).unwrap().0;
                    model.layers[l].1[j] = b0 - h;
                    let minus = model.loss_and_gradients(x.as_ref(), &targets).unwrap().0;
                    model.layers[l].1[j] = b0;
                    assert!(((plus - minus) / (2.0 * h) - grads[l].1[j]).abs() < 1e-7);
                }
            }
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let x = Mat::from_fn(10, 2, |i, j| (i + j) as f64);
        let rows = crate::series::rows(x.as_ref());
        let p = GradientParams::default();
        let classes = |labels: &'static [usize], classes| Targets::Classes { labels, classes };
        let fit = |p: GradientParams, rows: &[MatRef<'_, f64>], t: Targets<'_>| {
            GradientReadout::new(p, 2, 2)?.fit(rows, t, 0)
        };
        assert!(fit(p, &rows, classes(&[0; 9], 2)).is_err());
        assert!(fit(p, &rows, classes(&[2; 10], 2)).is_err());
        assert!(fit(p, &rows, classes(&[0; 10], 3)).is_err());
        let bad = GradientParams {
            head: Head::Mlp { hidden: 0 },
            ..p
        };
        assert!(fit(bad, &rows, classes(&[0; 10], 2)).is_err());
        let bad = p.validation_fraction(1.0);
        assert!(fit(bad, &rows, classes(&[0; 10], 2)).is_err());
        let mut nan = x.clone();
        nan[(3, 1)] = f64::NAN;
        let nan_rows = crate::series::rows(nan.as_ref());
        assert!(matches!(
            fit(p, &nan_rows, classes(&[0; 10], 2)),
            Err(Error::NonFinite { .. })
        ));
        let mut model = GradientReadout::new(p, 2, 2).unwrap();
        assert!(matches!(
            model.run(x.as_ref()),
            Err(Error::NotFitted { .. })
        ));
        model
            .fit(&rows, classes(&[0, 1, 0, 1, 0, 1, 0, 1, 0, 1], 2), 0)
            .unwrap();
        assert!(model.run(Mat::<f64>::zeros(2, 3)).is_err());
    }
}
