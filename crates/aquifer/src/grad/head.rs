//! The layers every gradient trainer reads its features with: an affine map ([`Affine`]), or
//! a stack of them with ReLU between ([`Layers`]: linear, or an MLP with one hidden layer),
//! on rows of features, forward and backward.
//!
//! Weights are stored row-major, `outputs x inputs`, in one flat vector: the layout the
//! optimiser updates in place and the model files hold, so a training step copies nothing.
//!
//! ```
//! use aquifer::grad::{Head, Layers};
//! let mut rng = aquifer::rng::from_seed(1);
//! let layers = Layers::draw(Head::Mlp { hidden: 8 }, 3, 2, &mut rng);
//! let x = faer::Mat::from_fn(5, 3, |i, j| (i + j) as f64 * 0.1);
//! let pass = layers.forward(x.as_ref());
//! assert_eq!((pass.output().nrows(), pass.output().ncols()), (5, 2));
//! // the gradient of the sum of the outputs, and of the inputs
//! let mut grads = layers.zeros_like();
//! let d_x = layers.backward(x.as_ref(), &pass, faer::Mat::ones(5, 2).as_ref(), &mut grads);
//! assert_eq!((d_x.nrows(), d_x.ncols()), (5, 3));
//! ```

use crate::error::{Error, Result};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use rand::Rng;
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

impl Head {
    /// Checks that an MLP has hidden units.
    pub fn validate(&self) -> Result<()> {
        match self {
            Head::Mlp { hidden: 0 } => Err(Error::invalid("hidden", 0, "must be >= 1")),
            _ => Ok(()),
        }
    }
}

/// An affine map of rows, `y = x Wᵀ + b`: weights `outputs x inputs` (row-major) and a bias
/// per output.
#[derive(Debug, Clone, PartialEq)]
pub struct Affine {
    w: Vec<f64>,
    b: Vec<f64>,
    inputs: usize,
}

impl Affine {
    /// A map from its weights (`outputs x inputs`, row-major) and bias (`outputs`). `None` if
    /// the lengths disagree.
    pub fn from_parts(w: Vec<f64>, b: Vec<f64>, inputs: usize) -> Option<Self> {
        (w.len() == b.len() * inputs).then_some(Affine { w, b, inputs })
    }

    /// PyTorch's default initialisation: weights then biases from `U(-1/sqrt(inputs),
    /// 1/sqrt(inputs))`, weights drawn row by row.
    pub fn draw(inputs: usize, outputs: usize, rng: &mut impl Rng) -> Self {
        let a = 1.0 / (inputs.max(1) as f64).sqrt();
        let u = Uniform::new_inclusive(-a, a).expect("a finite bound");
        let w = (0..inputs * outputs).map(|_| u.sample(rng)).collect();
        let b = (0..outputs).map(|_| u.sample(rng)).collect();
        Affine { w, b, inputs }
    }

    /// A map of zeros (a gradient accumulator).
    pub fn zeros(inputs: usize, outputs: usize) -> Self {
        Affine {
            w: vec![0.0; inputs * outputs],
            b: vec![0.0; outputs],
            inputs,
        }
    }

    /// Features read.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Values produced.
    pub fn outputs(&self) -> usize {
        self.b.len()
    }

    /// The weights, `outputs x inputs`.
    pub fn weights(&self) -> MatRef<'_, f64> {
        MatRef::from_row_major_slice(&self.w, self.outputs(), self.inputs)
    }

    fn weights_mut(&mut self) -> MatMut<'_, f64> {
        let o = self.outputs();
        MatMut::from_row_major_slice_mut(&mut self.w, o, self.inputs)
    }

    /// The bias.
    pub fn bias(&self) -> &[f64] {
        &self.b
    }

    /// The weights (row-major) and the bias, as the optimiser sees them.
    pub fn tensors(&self) -> [&[f64]; 2] {
        [&self.w, &self.b]
    }

    /// The weights (row-major) and the bias, to update.
    pub fn tensors_mut(&mut self) -> [&mut [f64]; 2] {
        [&mut self.w, &mut self.b]
    }

    /// `x Wᵀ + b` for rows `x` (`n x inputs`): `n x outputs`.
    pub fn forward(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        let mut y = Mat::from_fn(x.nrows(), self.outputs(), |_, j| self.b[j]);
        matmul(
            y.as_mut(),
            Accum::Add,
            x,
            self.weights().transpose(),
            1.0,
            Par::Seq,
        );
        y
    }

    /// Adds the gradient of the weights and bias to `g`, from the rows `x` the map read and
    /// the gradient `dy` of its outputs.
    pub fn accumulate(&self, x: MatRef<'_, f64>, dy: MatRef<'_, f64>, g: &mut Affine) {
        matmul(
            g.weights_mut().transpose_mut(),
            Accum::Add,
            x.transpose(),
            dy,
            1.0,
            Par::Seq,
        );
        for (j, gb) in g.b.iter_mut().enumerate() {
            *gb += (0..dy.nrows()).map(|i| dy[(i, j)]).sum::<f64>();
        }
    }

    /// Every weight and bias times `share`.
    pub(crate) fn scaled(&self, share: f64) -> Affine {
        let scale = |v: &[f64]| v.iter().map(|x| share * x).collect();
        Affine {
            w: scale(&self.w),
            b: scale(&self.b),
            inputs: self.inputs,
        }
    }

    /// Adds `share` times `other` (of the same shape).
    pub(crate) fn add_scaled(&mut self, share: f64, other: &Affine) {
        for (a, x) in self.tensors_mut().into_iter().zip(other.tensors()) {
            a.iter_mut().zip(x).for_each(|(a, x)| *a += share * x);
        }
    }

    /// The gradient of the inputs, `dy W`.
    pub fn input_gradient(&self, dy: MatRef<'_, f64>) -> Mat<f64> {
        let mut dx = Mat::zeros(dy.nrows(), self.inputs);
        matmul(
            dx.as_mut(),
            Accum::Replace,
            dy,
            self.weights(),
            1.0,
            Par::Seq,
        );
        dx
    }
}

/// A [`Head`]'s layers: one [`Affine`] map (linear), or two with a ReLU between (MLP).
#[derive(Debug, Clone, PartialEq)]
pub struct Layers {
    layers: Vec<Affine>,
}

/// What a forward pass of [`Layers`] keeps for the backward pass.
#[derive(Debug, Clone)]
pub struct Pass {
    output: Mat<f64>,
    /// The hidden pre-activations (MLP).
    hidden: Option<Mat<f64>>,
}

impl Pass {
    /// The outputs, `n x outputs`.
    pub fn output(&self) -> &Mat<f64> {
        &self.output
    }
}

fn relu(z: &Mat<f64>) -> Mat<f64> {
    Mat::from_fn(z.nrows(), z.ncols(), |i, j| z[(i, j)].max(0.0))
}

impl Layers {
    /// Freshly drawn layers of `head` from `inputs` features to `outputs` values (see
    /// [`Affine::draw`]; the hidden layer first).
    pub fn draw(head: Head, inputs: usize, outputs: usize, rng: &mut impl Rng) -> Self {
        let layers = match head {
            Head::Linear => vec![Affine::draw(inputs, outputs, rng)],
            Head::Mlp { hidden } => vec![
                Affine::draw(inputs, hidden, rng),
                Affine::draw(hidden, outputs, rng),
            ],
        };
        Layers { layers }
    }

    /// Layers from their maps: one (linear) or two (MLP, each reading the last's outputs).
    /// `None` for another count or mismatched widths.
    pub fn from_maps(layers: Vec<Affine>) -> Option<Self> {
        let chained = layers.windows(2).all(|w| w[0].outputs() == w[1].inputs());
        ((1..=2).contains(&layers.len()) && chained).then_some(Layers { layers })
    }

    /// The maps, input side first.
    pub fn maps(&self) -> &[Affine] {
        &self.layers
    }

    /// Layers of the same shapes holding zeros (a gradient accumulator).
    pub fn zeros_like(&self) -> Self {
        Layers {
            layers: self
                .layers
                .iter()
                .map(|l| Affine::zeros(l.inputs(), l.outputs()))
                .collect(),
        }
    }

    /// Every weight and bias, input side first, as the optimiser sees them.
    pub fn tensors(&self) -> Vec<&[f64]> {
        self.layers.iter().flat_map(Affine::tensors).collect()
    }

    /// Every weight and bias, to update.
    pub fn tensors_mut(&mut self) -> Vec<&mut [f64]> {
        self.layers
            .iter_mut()
            .flat_map(Affine::tensors_mut)
            .collect()
    }

    /// The outputs for rows `x` (`n x inputs`).
    pub fn forward(&self, x: MatRef<'_, f64>) -> Pass {
        match &self.layers[..] {
            [out] => Pass {
                output: out.forward(x),
                hidden: None,
            },
            [hid, out] => {
                let z = hid.forward(x);
                Pass {
                    output: out.forward(relu(&z).as_ref()),
                    hidden: Some(z),
                }
            }
            _ => unreachable!("one or two layers, checked when built"),
        }
    }

    /// Adds the gradients of every layer to `g`, from the rows `x` and the pass that read
    /// them and the gradient `d_out` of the outputs; returns the gradient of `x`.
    pub fn backward(
        &self,
        x: MatRef<'_, f64>,
        pass: &Pass,
        d_out: MatRef<'_, f64>,
        g: &mut Layers,
    ) -> Mat<f64> {
        match (&self.layers[..], &pass.hidden) {
            ([out], _) => {
                out.accumulate(x, d_out, &mut g.layers[0]);
                out.input_gradient(d_out)
            }
            ([hid, out], Some(z)) => {
                out.accumulate(relu(z).as_ref(), d_out, &mut g.layers[1]);
                let dh = out.input_gradient(d_out);
                let dz = Mat::from_fn(z.nrows(), z.ncols(), |i, j| {
                    if z[(i, j)] > 0.0 {
                        dh[(i, j)]
                    } else {
                        0.0
                    }
                });
                hid.accumulate(x, dz.as_ref(), &mut g.layers[0]);
                hid.input_gradient(dz.as_ref())
            }
            _ => unreachable!("a pass of these layers"),
        }
    }

    /// Checks that every weight and bias is finite, naming the first that is not.
    pub fn check_finite(&self) -> Result<()> {
        for map in &self.layers {
            crate::series::check_finite("trained weights", map.weights())?;
            crate::series::check_finite_slice("trained biases", &map.b)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loss `sum(y * c)` for fixed coefficients `c`, whose output gradient is `c`.
    fn loss(layers: &Layers, x: &Mat<f64>, c: &Mat<f64>) -> f64 {
        let y = layers.forward(x.as_ref()).output;
        (0..y.nrows())
            .flat_map(|i| (0..y.ncols()).map(move |j| (i, j)))
            .map(|(i, j)| y[(i, j)] * c[(i, j)])
            .sum()
    }

    #[test]
    fn gradients_match_finite_differences_for_both_heads() {
        let x = Mat::from_fn(6, 4, |i, j| ((i * 4 + j) as f64 * 0.53).sin());
        let c = Mat::from_fn(6, 3, |i, j| ((i + 2 * j) as f64 * 0.41).cos());
        for head in [Head::Linear, Head::Mlp { hidden: 5 }] {
            let layers = Layers::draw(head, 4, 3, &mut crate::rng::from_seed(3));
            let pass = layers.forward(x.as_ref());
            let mut g = layers.zeros_like();
            let dx = layers.backward(x.as_ref(), &pass, c.as_ref(), &mut g);
            let h = 1e-6;
            let n_tensors = layers.tensors().len();
            for t in 0..n_tensors {
                for k in 0..layers.tensors()[t].len() {
                    let (mut plus, mut minus) = (layers.clone(), layers.clone());
                    plus.tensors_mut()[t][k] += h;
                    minus.tensors_mut()[t][k] -= h;
                    let numeric = (loss(&plus, &x, &c) - loss(&minus, &x, &c)) / (2.0 * h);
                    let analytic = g.tensors()[t][k];
                    assert!((numeric - analytic).abs() < 1e-6, "{head:?} {t} {k}");
                }
            }
            for (i, j) in [(0, 0), (3, 2), (5, 3)] {
                let (mut plus, mut minus) = (x.clone(), x.clone());
                plus[(i, j)] += h;
                minus[(i, j)] -= h;
                let numeric = (loss(&layers, &plus, &c) - loss(&layers, &minus, &c)) / (2.0 * h);
                assert!((numeric - dx[(i, j)]).abs() < 1e-6, "{head:?} dx");
            }
        }
    }

    #[test]
    fn shapes_are_checked_when_built_from_parts() {
        assert!(Affine::from_parts(vec![0.0; 6], vec![0.0; 2], 3).is_some());
        assert!(Affine::from_parts(vec![0.0; 5], vec![0.0; 2], 3).is_none());
        let a = Affine::zeros(3, 4);
        let b = Affine::zeros(4, 2);
        assert!(Layers::from_maps(vec![a.clone(), b.clone()]).is_some());
        assert!(Layers::from_maps(vec![b, a.clone()]).is_none());
        assert!(Layers::from_maps(vec![]).is_none());
        assert!(Layers::from_maps(vec![a.clone(), a.clone(), a]).is_none());
    }
}
