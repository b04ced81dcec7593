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
use crate::grad::{self, Adam, AdamParams, Affine, Layers, Schedule, Scheduled};
pub use crate::grad::{Head, TrainingReport};
use crate::io::{ModelFile, Tensor};
use crate::series::{check_finite, check_finite_slice, check_pairs, check_series, views, AsSeries};
use crate::traits::{Classify, Fit, Persist, Run, Targets};
use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

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
        self.head.validate()
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
    /// The trained layers; `None` before the first fit.
    pub(crate) layers: Option<Layers>,
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
            layers: None,
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
        let mut layers = Layers::draw(params.head, f, outputs, &mut rng);
        let lengths: Vec<usize> = layers.tensors().iter().map(|t| t.len()).collect();
        let schedule = params.schedule;
        let mut adam = Adam::new(schedule.adam, &lengths)?;
        let rows = |idx: &[usize]| Mat::from_fn(idx.len(), f, |r, j| xs[(idx[r], j)]);
        let subset = |idx: &[usize]| targets.select(idx);
        let step = |l: &mut Layers, idx: &[usize]| {
            let (loss, mut grads) = loss_and_gradients(l, rows(idx).as_ref(), &subset(idx))?;
            schedule.clip(&mut grads.tensors_mut())?;
            adam.step(&mut l.tensors_mut(), &grads.tensors())?;
            Ok(loss)
        };
        // the held-out samples, gathered once
        let mut held_out = None;
        let validation_loss = |l: &Layers, idx: &[usize]| {
            let (vx, vt) = held_out.get_or_insert_with(|| (rows(idx), subset(idx)));
            Ok(loss_and_gradients(l, vx.as_ref(), vt)?.0)
        };
        let (report, _) = schedule.run(n, &mut layers, step, validation_loss, |_, _| {})?;
        layers.check_finite()?;
        *self = GradientReadout {
            params: *params,
            features: f,
            outputs,
            mean,
            scale,
            layers: Some(layers),
            report: Some(report),
        };
        Ok(())
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
        let Some(layers) = &self.layers else {
            return Err(Error::NotFitted {
                what: "gradient readout".into(),
            });
        };
        Ok(layers
            .forward(self.standardise(x)?.as_ref())
            .output()
            .clone())
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
                Ok(grad::argmax(out.row(0).iter().copied()))
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
            fitted: self.layers.is_some(),
        })?;
        let t = &mut file.tensors;
        if let Some(layers) = &self.layers {
            t.insert("mean".into(), Tensor::vector(self.mean.clone()));
            t.insert("scale".into(), Tensor::vector(self.scale.clone()));
            // each layer's weights are stored `in x out`
            for (k, map) in layers.maps().iter().enumerate() {
                t.insert(
                    format!("layers.{k}.w"),
                    Tensor::matrix(map.weights().transpose()),
                );
                t.insert(format!("layers.{k}.b"), Tensor::vector(map.bias().to_vec()));
            }
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
        let mut maps = Vec::new();
        for (k, (inputs, outputs)) in shapes.into_iter().enumerate() {
            let w = file.f64_matrix(&format!("layers.{k}.w"), inputs, outputs)?;
            check_finite("readout weights", w.as_ref())?;
            // `in x out` in the file, `out x in` (row-major) in memory
            let w = (0..outputs)
                .flat_map(|o| (0..inputs).map(move |i| (i, o)))
                .map(|(i, o)| w[(i, o)])
                .collect();
            let b = vector(&format!("layers.{k}.b"), outputs)?;
            maps.push(Affine::from_parts(w, b, inputs).expect("lengths read above"));
        }
        readout.layers = Some(Layers::from_maps(maps).expect("the shapes of a head"));
        Ok(readout)
    }
}

/// The loss of `layers` on a batch of standardised features and the gradient of every layer.
fn loss_and_gradients(
    layers: &Layers,
    xs: MatRef<'_, f64>,
    targets: &OwnedTargets,
) -> Result<(f64, Layers)> {
    let pass = layers.forward(xs);
    let (loss, d_out) = match targets {
        OwnedTargets::Classes(l) => grad::softmax_cross_entropy(pass.output().as_ref(), l)?,
        OwnedTargets::Values(y) => grad::mse(pass.output().as_ref(), y.as_ref())?,
    };
    let mut grads = layers.zeros_like();
    layers.backward(xs, &pass, d_out.as_ref(), &mut grads);
    Ok((loss, grads))
}

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
    fn mlp_gradients_of_both_losses_match_finite_differences() {
        let x = Mat::from_fn(7, 3, |i, j| ((i * 3 + j) as f64 * 0.61).sin());
        let layers = Layers::draw(Head::Mlp { hidden: 5 }, 3, 4, &mut crate::rng::from_seed(4));
        for targets in [
            OwnedTargets::Classes(vec![0, 3, 1, 2, 2, 0, 1]),
            OwnedTargets::Values(Mat::from_fn(7, 4, |i, j| (i + j) as f64 * 0.1)),
        ] {
            let loss = |l: &Layers| loss_and_gradients(l, x.as_ref(), &targets).unwrap().0;
            let (_, grads) = loss_and_gradients(&layers, x.as_ref(), &targets).unwrap();
            let h = 1e-6;
            for t in 0..4 {
                for k in 0..layers.tensors()[t].len() {
                    let (mut plus, mut minus) = (layers.clone(), layers.clone());
                    plus.tensors_mut()[t][k] += h;
                    minus.tensors_mut()[t][k] -= h;
                    let fd = (loss(&plus) - loss(&minus)) / (2.0 * h);
                    assert!(
                        (fd - grads.tensors()[t][k]).abs() < 1e-7,
                        "tensor {t} [{k}]"
                    );
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
