//! Gated reservoirs (ESGP): a reservoir cell whose recurrent matrix stays fixed and sparse
//! while its input and gate weights are learned by backpropagation through time.
//!
//! Per step, for a batch (rows are samples):
//!
//! ```text
//! h~  = tanh(W_in x[t] + b_in + W h[t-1])        W: fixed, sparse (CSR)
//! g   = sigmoid(W_g h~ + b_g)
//! h[t] = g * h~ + (1 - g) * h[t-1]
//! ```
//!
//! `W_in`, `b_in` (optional, on by default), `W_g` and `b_g` are trainable. Layers stack: layer
//! `l + 1` reads layer `l`'s states. `W` is a random sparse matrix at `rc_connectivity` (the
//! fraction of nonzero weights) rescaled so that **the sparse matrix itself** has the requested
//! spectral radius. (The original PyTorch implementation rescales the dense matrix and masks it
//! afterwards, so its effective radius is about `spectral_radius * sqrt(density)`, and it names
//! the kept fraction `sparsity`.)
//!
//! The backward pass ([`GatedReservoir::backward`]) is written for this cell: dense products
//! with faer for `W_in` and `W_g`, the CSR kernel for `W` (`O(nnz)` per sample and step), full
//! or truncated to a window. A finite-difference test checks every trainable parameter.
//!
//! ```
//! use aquifer::gated::{GatedParams, GatedReservoir};
//! let params = GatedParams { units: 32, layers: 2, seed: 1, ..Default::default() };
//! let net = GatedReservoir::new(&params, 3)?;
//! // time-major: 10 steps of a batch of 4 samples with 3 features
//! let xs: Vec<faer::Mat<f64>> = (0..10)
//!     .map(|t| faer::Mat::from_fn(4, 3, |b, j| ((t + b + j) as f64 * 0.3).sin()))
//!     .collect();
//! let run = net.forward(&xs, None)?;
//! assert_eq!(run.outputs().len(), 10);
//! assert_eq!((run.outputs()[9].nrows(), run.outputs()[9].ncols()), (4, 32));
//! assert_eq!(run.final_state().len(), 2); // (layers, B, H)
//! # Ok::<(), aquifer::Error>(())
//! ```

mod file;
pub mod tasks;
mod train;

pub use train::{GatedModel, GatedTraining, Loss, Target};

use crate::error::{Error, Result};
use crate::init::{self, Csr, InputScaling, Values};
use crate::kernel;
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use serde::{Deserialize, Serialize};

/// Hyperparameters of a [`GatedReservoir`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatedParams {
    /// Units per layer.
    #[serde(alias = "hidden")]
    pub units: usize,
    /// Stacked layers.
    pub layers: usize,
    /// Fraction of nonzero recurrent weights, in `(0, 1]`.
    #[serde(alias = "connectivity")]
    pub rc_connectivity: f64,
    /// Spectral radius of each (sparse) recurrent matrix.
    pub spectral_radius: f64,
    /// Whether the input bias `b_in` exists (and learns).
    pub input_bias: bool,
    /// Seed of every initial weight.
    pub seed: u64,
}

impl Default for GatedParams {
    fn default() -> Self {
        GatedParams {
            units: 64,
            layers: 1,
            rc_connectivity: 0.1,
            spectral_radius: 0.9,
            input_bias: true,
            seed: 0,
        }
    }
}

impl GatedParams {
    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        if self.units == 0 {
            return Err(Error::invalid("units", 0, "must be >= 1"));
        }
        if self.layers == 0 {
            return Err(Error::invalid("layers", 0, "must be >= 1"));
        }
        if !(self.rc_connectivity > 0.0 && self.rc_connectivity <= 1.0) {
            return Err(Error::invalid(
                "rc_connectivity",
                self.rc_connectivity,
                "must be in (0, 1] (the fraction of recurrent weights kept)",
            ));
        }
        crate::error::check_non_negative("spectral_radius", self.spectral_radius)?;
        Ok(())
    }
}

/// One layer's trainable weights (or their gradients).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerWeights {
    /// `W_in` (`H x F`).
    pub w_in: Mat<f64>,
    /// `b_in` (`H`; empty without input bias).
    pub b_in: Vec<f64>,
    /// `W_g` (`H x H`).
    pub w_g: Mat<f64>,
    /// `b_g` (`H`).
    pub b_g: Vec<f64>,
}

impl LayerWeights {
    fn zeros_like(&self) -> Self {
        LayerWeights {
            w_in: Mat::zeros(self.w_in.nrows(), self.w_in.ncols()),
            b_in: vec![0.0; self.b_in.len()],
            w_g: Mat::zeros(self.w_g.nrows(), self.w_g.ncols()),
            b_g: vec![0.0; self.b_g.len()],
        }
    }
}

/// A stack of gated reservoir layers (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct GatedReservoir {
    params: GatedParams,
    inputs: usize,
    /// Fixed recurrent matrices, one per layer.
    w: Vec<Csr>,
    /// Trainable weights, one per layer.
    weights: Vec<LayerWeights>,
}

/// What a forward pass keeps for the backward pass, and its outputs.
#[derive(Debug, Clone)]
pub struct GatedRun {
    /// The first layer's input at every step (`B x F`); layer `l > 0` reads layer `l - 1`'s
    /// states. Per layer, per step: `h~` and `g` (`B x H`).
    inputs: Vec<Mat<f64>>,
    candidates: Vec<Vec<Mat<f64>>>,
    gates: Vec<Vec<Mat<f64>>>,
    /// Per layer, the states `h[0..=T]` (`h[0]` the initial state).
    states: Vec<Vec<Mat<f64>>>,
}

impl GatedRun {
    /// The input of layer `l` at step `t`.
    fn layer_input(&self, l: usize, t: usize) -> &Mat<f64> {
        if l == 0 {
            &self.inputs[t]
        } else {
            &self.states[l - 1][t + 1]
        }
    }

    /// The last layer's state at every step (`T` matrices `B x H`).
    pub fn outputs(&self) -> &[Mat<f64>] {
        let last = self.states.last().expect("at least one layer");
        &last[1..]
    }
    /// The state after the last step, per layer (`layers` matrices `B x H`).
    pub fn final_state(&self) -> Vec<Mat<f64>> {
        self.states
            .iter()
            .map(|s| s.last().expect("initial state").clone())
            .collect()
    }
}

impl GatedReservoir {
    /// A stack for inputs of `inputs` features, with seeded initial weights: `W_in`, `b_in`,
    /// `W_g`, `b_g` uniform in `(-1/sqrt(fan_in), 1/sqrt(fan_in))` (PyTorch's default).
    pub fn new(params: &GatedParams, inputs: usize) -> Result<Self> {
        params.validate()?;
        if inputs == 0 {
            return Err(Error::invalid("inputs", 0, "must be >= 1"));
        }
        let h = params.units;
        let mut w = Vec::with_capacity(params.layers);
        let mut weights = Vec::with_capacity(params.layers);
        for l in 0..params.layers {
            let seed = crate::rng::derive(params.seed, l as u64);
            let mut wl = init::random_sparse(
                h,
                h,
                Values::normal(0.0, 1.0),
                params.rc_connectivity,
                crate::rng::derive(seed, 0),
            )?;
            if !wl.val().is_empty() {
                let radius = init::spectral_radius(&wl)?;
                if radius > 0.0 {
                    init::scale_spectral_radius(&mut wl, params.spectral_radius)?;
                }
            }
            w.push(wl);
            let fan_in = if l == 0 { inputs } else { h };
            let uniform = |rows: usize, cols: usize, fan: usize, part: u64| {
                let a = 1.0 / (fan as f64).sqrt();
                init::input_matrix(
                    rows,
                    cols,
                    Values::uniform(-a, a),
                    1.0,
                    &InputScaling::Scalar(1.0),
                    crate::rng::derive(seed, part),
                )
            };
            let column = |len: usize, fan: usize, part: u64| -> Result<Vec<f64>> {
                Ok(uniform(len, 1, fan, part)?.col(0).iter().copied().collect())
            };
            weights.push(LayerWeights {
                w_in: uniform(h, fan_in, fan_in, 1)?,
                b_in: if params.input_bias {
                    column(h, fan_in, 2)?
                } else {
                    Vec::new()
                },
                w_g: uniform(h, h, h, 3)?,
                b_g: column(h, h, 4)?,
            });
        }
        Ok(GatedReservoir {
            params: *params,
            inputs,
            w,
            weights,
        })
    }

    /// The hyperparameters.
    pub fn params(&self) -> &GatedParams {
        &self.params
    }
    /// Input features.
    pub fn input_dim(&self) -> usize {
        self.inputs
    }
    /// Units per layer.
    pub fn units(&self) -> usize {
        self.params.units
    }
    /// The fixed recurrent matrix of layer `l`.
    pub fn recurrent(&self, l: usize) -> &Csr {
        &self.w[l]
    }
    /// The trainable weights, per layer.
    pub fn weights(&self) -> &[LayerWeights] {
        &self.weights
    }
    /// The trainable weights, per layer, to change them.
    pub fn weights_mut(&mut self) -> &mut [LayerWeights] {
        &mut self.weights
    }

    /// The zero state of a batch (`layers` matrices `B x H`).
    pub fn zero_state(&self, batch: usize) -> Vec<Mat<f64>> {
        vec![Mat::zeros(batch, self.params.units); self.params.layers]
    }

    fn check_inputs(&self, xs: &[Mat<f64>], state: Option<&[Mat<f64>]>) -> Result<usize> {
        let Some(first) = xs.first() else {
            return Err(Error::Empty {
                what: "input sequence".into(),
            });
        };
        let batch = first.nrows();
        if batch == 0 {
            return Err(Error::Empty {
                what: "batch".into(),
            });
        }
        for (t, x) in xs.iter().enumerate() {
            if x.nrows() != batch || x.ncols() != self.inputs {
                return Err(Error::shape(
                    format!("input at step {t}"),
                    format!("{batch} x {}", self.inputs),
                    format!("{} x {}", x.nrows(), x.ncols()),
                ));
            }
            crate::series::check_finite(&format!("input at step {t}"), x.as_ref())?;
        }
        if let Some(s) = state {
            let ok = s.len() == self.params.layers
                && s.iter()
                    .all(|m| m.nrows() == batch && m.ncols() == self.params.units);
            if !ok {
                return Err(Error::shape(
                    "hidden state",
                    format!("{} x {batch} x {}", self.params.layers, self.params.units),
                    format!(
                        "{} layers of {:?}",
                        s.len(),
                        s.iter().map(|m| (m.nrows(), m.ncols())).collect::<Vec<_>>()
                    ),
                ));
            }
        }
        Ok(batch)
    }

    /// One step for a batch: `x` is `B x F`; `state` (`layers x B x H`) advances in place.
    /// The last layer's new state is `state[layers - 1]`. Equal, bit for bit, to the same step
    /// inside [`GatedReservoir::forward`].
    pub fn step(&self, x: &Mat<f64>, state: &mut [Mat<f64>]) -> Result<()> {
        let run = self.forward(std::slice::from_ref(x), Some(state))?;
        for (s, new) in state.iter_mut().zip(run.final_state()) {
            *s = new;
        }
        Ok(())
    }

    /// Runs batch-first input: `series[b]` is sample `b`'s sequence (`T x F`, equal lengths).
    /// The same as [`GatedReservoir::forward`] on the time-major transposition.
    pub fn forward_batch_first<S: crate::series::AsSeries>(
        &self,
        series: &[S],
        state: Option<&[Mat<f64>]>,
    ) -> Result<GatedRun> {
        let Some(first) = series.first() else {
            return Err(Error::Empty {
                what: "batch".into(),
            });
        };
        let t_len = first.as_series().nrows();
        for (b, s) in series.iter().enumerate() {
            let s = s.as_series();
            if s.nrows() != t_len || s.ncols() != self.inputs {
                return Err(Error::shape(
                    format!("sample {b}"),
                    format!("{t_len} x {}", self.inputs),
                    format!("{} x {}", s.nrows(), s.ncols()),
                ));
            }
        }
        let xs: Vec<Mat<f64>> = (0..t_len)
            .map(|t| {
                Mat::from_fn(series.len(), self.inputs, |b, j| {
                    series[b].as_series()[(t, j)]
                })
            })
            .collect();
        self.forward(&xs, state)
    }

    /// Runs a time-major sequence (`xs[t]` is `B x F`) from `state` (`layers x B x H`, zero
    /// if `None`); keeps what the backward pass needs.
    pub fn forward(&self, xs: &[Mat<f64>], state: Option<&[Mat<f64>]>) -> Result<GatedRun> {
        let batch = self.check_inputs(xs, state)?;
        let initial = state.map_or_else(|| self.zero_state(batch), <[Mat<f64>]>::to_vec);
        let h_dim = self.params.units;
        let mut run = GatedRun {
            inputs: xs.to_vec(),
            candidates: Vec::new(),
            gates: Vec::new(),
            states: Vec::new(),
        };
        for l in 0..self.params.layers {
            let lw = &self.weights[l];
            let mut states = Vec::with_capacity(xs.len() + 1);
            states.push(initial[l].clone());
            let (mut cands, mut gates) = (Vec::new(), Vec::new());
            for t in 0..xs.len() {
                let x = run.layer_input(l, t);
                let prev = states.last().expect("initial state");
                // a = x W_in^T + b_in + h W^T
                let mut a = Mat::zeros(batch, h_dim);
                for (i, &b) in lw.b_in.iter().enumerate() {
                    a.col_as_slice_mut(i).fill(b);
                }
                matmul(
                    a.as_mut(),
                    Accum::Add,
                    x.as_ref(),
                    lw.w_in.transpose(),
                    1.0,
                    Par::Seq,
                );
                kernel::add_batch_product(&mut a, prev, &self.w[l]);
                // h~ = tanh(a), in place
                for i in 0..h_dim {
                    crate::activation::tanh_in_place(a.col_as_slice_mut(i));
                }
                let cand = a;
                // g = sigmoid(h~ W_g^T + b_g) = (1 + tanh(z / 2)) / 2
                let mut g = Mat::zeros(batch, h_dim);
                for (i, &b) in lw.b_g.iter().enumerate() {
                    g.col_as_slice_mut(i).fill(b);
                }
                matmul(
                    g.as_mut(),
                    Accum::Add,
                    cand.as_ref(),
                    lw.w_g.transpose(),
                    1.0,
                    Par::Seq,
                );
                let mut next = Mat::zeros(batch, h_dim);
                for i in 0..h_dim {
                    let gc = g.col_as_slice_mut(i);
                    gc.iter_mut().for_each(|v| *v *= 0.5);
                    crate::activation::tanh_in_place(gc);
                    gc.iter_mut().for_each(|v| *v = 0.5 + 0.5 * *v);
                    let (c, p) = (cand.col_as_slice(i), prev.col_as_slice(i));
                    for (((n, &gv), &cv), &pv) in next
                        .col_as_slice_mut(i)
                        .iter_mut()
                        .zip(g.col_as_slice(i))
                        .zip(c)
                        .zip(p)
                    {
                        *n = gv * cv + (1.0 - gv) * pv;
                    }
                }
                cands.push(cand);
                gates.push(g);
                states.push(next);
            }
            run.candidates.push(cands);
            run.gates.push(gates);
            run.states.push(states);
        }
        Ok(run)
    }

    /// Checks that `run` is a forward pass of a network shaped like this one and that
    /// `d_outputs` holds a `B x H` gradient per step; returns the steps and the batch size.
    fn check_run(&self, run: &GatedRun, d_outputs: &[Mat<f64>]) -> Result<(usize, usize)> {
        let (layers, h) = (self.params.layers, self.params.units);
        let mismatch = |what: &str, expected: String, got: String| {
            Error::shape(format!("{what} (a run of another network?)"), expected, got)
        };
        let steps = run.inputs.len();
        let batch = run.inputs.first().map_or(0, Mat::nrows);
        if steps == 0 || batch == 0 {
            return Err(Error::Empty {
                what: "gated run".into(),
            });
        }
        if run.states.len() != layers || run.candidates.len() != layers || run.gates.len() != layers
        {
            return Err(mismatch(
                "gated run layers",
                format!("{layers} layers"),
                format!("{} layers", run.states.len()),
            ));
        }
        let shaped = |m: &Mat<f64>, cols: usize| m.nrows() == batch && m.ncols() == cols;
        if !run.inputs.iter().all(|x| shaped(x, self.inputs)) {
            return Err(mismatch(
                "gated run inputs",
                format!("{batch} x {} at every step", self.inputs),
                "other shapes".into(),
            ));
        }
        for l in 0..layers {
            let ok = run.states[l].len() == steps + 1
                && run.candidates[l].len() == steps
                && run.gates[l].len() == steps
                && run.states[l].iter().all(|m| shaped(m, h))
                && run.candidates[l].iter().all(|m| shaped(m, h))
                && run.gates[l].iter().all(|m| shaped(m, h));
            if !ok {
                return Err(mismatch(
                    &format!("gated run of layer {l}"),
                    format!("{steps} steps of {batch} x {h}"),
                    "other shapes".into(),
                ));
            }
        }
        if d_outputs.len() != steps || !d_outputs.iter().all(|m| shaped(m, h)) {
            return Err(Error::shape(
                "output gradients",
                format!("{steps} steps of {batch} x {h}"),
                format!(
                    "{} steps of {:?}",
                    d_outputs.len(),
                    d_outputs.first().map(|m| (m.nrows(), m.ncols()))
                ),
            ));
        }
        Ok((steps, batch))
    }

    /// Backpropagation through time: from the gradient of the loss with respect to the last
    /// layer's output at every step (`d_outputs[t]`, `B x H`), the gradient of every trainable
    /// weight. With `window = Some(k)`, the sequence is cut into consecutive windows of `k`
    /// steps and gradients do not flow from one window into the previous one (truncated BPTT);
    /// `None` is full BPTT. The initial state is a constant.
    pub fn backward(
        &self,
        run: &GatedRun,
        d_outputs: &[Mat<f64>],
        window: Option<usize>,
    ) -> Result<Vec<LayerWeights>> {
        let (steps, batch) = self.check_run(run, d_outputs)?;
        if window == Some(0) {
            return Err(Error::invalid("window", 0, "must be >= 1"));
        }
        let h_dim = self.params.units;
        let mut grads: Vec<LayerWeights> =
            self.weights.iter().map(LayerWeights::zeros_like).collect();
        // gradient arriving at each step's output of the current layer (from above)
        let mut d_from_above: Vec<Mat<f64>> = d_outputs.to_vec();
        for l in (0..self.params.layers).rev() {
            let lw = &self.weights[l];
            let g_l = &mut grads[l];
            let mut d_inputs: Vec<Mat<f64>> = Vec::with_capacity(steps);
            let mut dh_next = Mat::<f64>::zeros(batch, h_dim); // from step t + 1 through h[t]
            for t in (0..steps).rev() {
                if let Some(k) = window {
                    if (t + 1) % k == 0 {
                        // a window ends at step t: nothing flows back from the next window
                        dh_next.fill(0.0);
                    }
                }
                let cand = &run.candidates[l][t];
                let g = &run.gates[l][t];
                let prev = &run.states[l][t];
                // h = g h~ + (1 - g) h_prev: gradients of the gate's input, h~ and h_prev
                let mut dgz = Mat::zeros(batch, h_dim);
                let mut d_cand = Mat::zeros(batch, h_dim);
                let mut dh_prev = Mat::zeros(batch, h_dim);
                for i in 0..h_dim {
                    let (above, next) = (d_from_above[t].col_as_slice(i), dh_next.col_as_slice(i));
                    let (gc, cc, pc) = (
                        g.col_as_slice(i),
                        cand.col_as_slice(i),
                        prev.col_as_slice(i),
                    );
                    let dgz_c = dgz.col_as_slice_mut(i);
                    for b in 0..batch {
                        let dh = above[b] + next[b];
                        dgz_c[b] = dh * (cc[b] - pc[b]) * gc[b] * (1.0 - gc[b]);
                    }
                    let dc = d_cand.col_as_slice_mut(i);
                    for b in 0..batch {
                        dc[b] = (above[b] + next[b]) * gc[b];
                    }
                    let dp = dh_prev.col_as_slice_mut(i);
                    for b in 0..batch {
                        dp[b] = (above[b] + next[b]) * (1.0 - gc[b]);
                    }
                }
                // gz = h~ W_g^T + b_g
                matmul(
                    g_l.w_g.as_mut(),
                    Accum::Add,
                    dgz.transpose(),
                    cand.as_ref(),
                    1.0,
                    Par::Seq,
                );
                for (i, gb) in g_l.b_g.iter_mut().enumerate() {
                    *gb += dgz.col_as_slice(i).iter().sum::<f64>();
                }
                matmul(
                    d_cand.as_mut(),
                    Accum::Add,
                    dgz.as_ref(),
                    lw.w_g.as_ref(),
                    1.0,
                    Par::Seq,
                );
                // h~ = tanh(a)
                let mut da = d_cand;
                for i in 0..h_dim {
                    let cc = cand.col_as_slice(i);
                    for (d, &c) in da.col_as_slice_mut(i).iter_mut().zip(cc) {
                        *d *= 1.0 - c * c;
                    }
                }
                // a = x W_in^T + b_in + h_prev W^T
                let x = run.layer_input(l, t);
                matmul(
                    g_l.w_in.as_mut(),
                    Accum::Add,
                    da.transpose(),
                    x.as_ref(),
                    1.0,
                    Par::Seq,
                );
                for (i, gb) in g_l.b_in.iter_mut().enumerate() {
                    *gb += da.col_as_slice(i).iter().sum::<f64>();
                }
                if l > 0 {
                    let mut dx = Mat::zeros(batch, x.ncols());
                    matmul(
                        dx.as_mut(),
                        Accum::Replace,
                        da.as_ref(),
                        lw.w_in.as_ref(),
                        1.0,
                        Par::Seq,
                    );
                    d_inputs.push(dx);
                }
                kernel::add_batch_transpose_product(&mut dh_prev, &da, &self.w[l]);
                dh_next = dh_prev;
            }
            if l > 0 {
                d_inputs.reverse();
                d_from_above = d_inputs;
            }
        }
        Ok(grads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loss(net: &GatedReservoir, xs: &[Mat<f64>], targets: &[Mat<f64>]) -> f64 {
        let run = net.forward(xs, None).unwrap();
        run.outputs()
            .iter()
            .zip(targets)
            .map(|(o, y)| {
                (0..o.nrows())
                    .flat_map(|b| (0..o.ncols()).map(move |i| (b, i)))
                    .map(|(b, i)| 0.5 * (o[(b, i)] - y[(b, i)]).powi(2))
                    .sum::<f64>()
            })
            .sum()
    }

    /// Entry `k` (row-major) of tensor `which` (`W_in`, `b_in`, `W_g`, `b_g`).
    fn param(w: &mut LayerWeights, which: usize, k: usize) -> &mut f64 {
        match which {
            0 => {
                let c = w.w_in.ncols();
                &mut w.w_in[(k / c, k % c)]
            }
            1 => &mut w.b_in[k],
            2 => {
                let c = w.w_g.ncols();
                &mut w.w_g[(k / c, k % c)]
            }
            _ => &mut w.b_g[k],
        }
    }

    /// Every trainable parameter of a two-layer stack, full BPTT, against central differences.
    #[test]
    fn gradients_match_finite_differences() {
        for input_bias in [true, false] {
            let params = GatedParams {
                units: 6,
                layers: 2,
                rc_connectivity: 0.5,
                spectral_radius: 1.1,
                input_bias,
                seed: 9,
            };
            let mut net = GatedReservoir::new(&params, 3).unwrap();
            let xs: Vec<Mat<f64>> = (0..7)
                .map(|t| Mat::from_fn(2, 3, |b, j| ((t * 3 + j + 5 * b) as f64 * 0.7).sin()))
                .collect();
            let targets: Vec<Mat<f64>> = (0..7)
                .map(|t| Mat::from_fn(2, 6, |b, i| ((t + i + b) as f64 * 0.4).cos() * 0.5))
                .collect();
            let run = net.forward(&xs, None).unwrap();
            let d_out: Vec<Mat<f64>> = run
                .outputs()
                .iter()
                .zip(&targets)
                .map(|(o, y)| Mat::from_fn(o.nrows(), o.ncols(), |b, i| o[(b, i)] - y[(b, i)]))
                .collect();
            let grads = net.backward(&run, &d_out, None).unwrap();
            let h = 1e-5;
            let mut worst: f64 = 0.0;
            for l in 0..2 {
                let shapes = [
                    (0, net.weights[l].w_in.nrows() * net.weights[l].w_in.ncols()),
                    (1, net.weights[l].b_in.len()),
                    (2, net.weights[l].w_g.nrows() * net.weights[l].w_g.ncols()),
                    (3, net.weights[l].b_g.len()),
                ];
                for (which, len) in shapes {
                    for k in 0..len {
                        let analytic = *param(&mut grads[l].clone(), which, k);
                        let v0 = *param(&mut net.weights[l], which, k);
                        let mut at = |dv: f64| {
                            *param(&mut net.weights[l], which, k) = v0 + dv;
                            loss(&net, &xs, &targets)
                        };
                        let fd =
                            (8.0 * (at(h) - at(-h)) - (at(2.0 * h) - at(-2.0 * h))) / (12.0 * h);
                        *param(&mut net.weights[l], which, k) = v0;
                        let err = (fd - analytic).abs() / (fd.abs() + analytic.abs()).max(1e-8);
                        worst = worst.max(err);
                        assert!(
                            err < 1e-6,
                            "layer {l} tensor {which} [{k}]: fd {fd} vs {analytic}"
                        );
                    }
                }
            }
            println!("gated BPTT, input bias {input_bias}: worst relative error {worst:.2e}");
        }
    }

    #[test]
    fn truncation_stops_the_gradient_at_window_boundaries() {
        let params = GatedParams {
            units: 5,
            layers: 1,
            rc_connectivity: 0.6,
            seed: 2,
            ..Default::default()
        };
        let net = GatedReservoir::new(&params, 2).unwrap();
        let xs: Vec<Mat<f64>> = (0..8)
            .map(|t| Mat::from_fn(1, 2, |_, j| ((t + j) as f64).sin()))
            .collect();
        let run = net.forward(&xs, None).unwrap();
        // a gradient on the last output only
        let mut d_out: Vec<Mat<f64>> = (0..8).map(|_| Mat::zeros(1, 5)).collect();
        d_out[7].fill(1.0);
        let full = net.backward(&run, &d_out, None).unwrap();
        let window = net.backward(&run, &d_out, Some(4)).unwrap();
        // the truncated gradient equals the full gradient of the last window alone: run the
        // last 4 steps from the state reached after step 4
        let tail = net
            .forward(
                &xs[4..],
                Some(&run.states.iter().map(|s| s[4].clone()).collect::<Vec<_>>()),
            )
            .unwrap();
        let tail_grad = net.backward(&tail, &d_out[4..], None).unwrap();
        let close = |a: &LayerWeights, b: &LayerWeights| {
            (0..5).all(|i| (0..2).all(|j| (a.w_in[(i, j)] - b.w_in[(i, j)]).abs() < 1e-12))
                && a.b_g.iter().zip(&b.b_g).all(|(x, y)| (x - y).abs() < 1e-12)
        };
        assert!(close(&window[0], &tail_grad[0]));
        assert!(!close(&full[0], &window[0]));
    }

    #[test]
    fn step_and_batch_first_equal_the_time_major_sequence() {
        let net = GatedReservoir::new(
            &GatedParams {
                units: 10,
                layers: 2,
                seed: 4,
                ..Default::default()
            },
            3,
        )
        .unwrap();
        let samples: Vec<Mat<f64>> = (0..4)
            .map(|b| Mat::from_fn(6, 3, |t, j| ((t * 3 + j + 7 * b) as f64 * 0.5).sin()))
            .collect();
        let by_time = net.forward_batch_first(&samples, None).unwrap();
        let mut state = net.zero_state(4);
        for t in 0..6 {
            let x = Mat::from_fn(4, 3, |b, j| samples[b][(t, j)]);
            net.step(&x, &mut state).unwrap();
            assert_eq!(state[1], by_time.outputs()[t]);
        }
        assert_eq!(state, by_time.final_state());
        // continuing from a state equals running the whole sequence
        let first = net
            .forward_batch_first(
                &samples
                    .iter()
                    .map(|s| s.subrows(0, 3).to_owned())
                    .collect::<Vec<_>>(),
                None,
            )
            .unwrap();
        let rest = net
            .forward_batch_first(
                &samples
                    .iter()
                    .map(|s| s.subrows(3, 3).to_owned())
                    .collect::<Vec<_>>(),
                Some(&first.final_state()),
            )
            .unwrap();
        assert_eq!(rest.final_state(), by_time.final_state());
        assert!(net
            .forward_batch_first(&[Mat::<f64>::zeros(6, 3), Mat::zeros(5, 3)], None)
            .is_err());
    }

    #[test]
    fn the_sparse_matrix_has_the_requested_radius() {
        for connectivity in [0.1, 0.5] {
            let net = GatedReservoir::new(
                &GatedParams {
                    units: 200,
                    rc_connectivity: connectivity,
                    spectral_radius: 0.9,
                    ..Default::default()
                },
                1,
            )
            .unwrap();
            let radius = init::spectral_radius(net.recurrent(0)).unwrap();
            assert!((radius - 0.9).abs() < 1e-6, "{radius}");
            let density = net.recurrent(0).val().len() as f64 / 40000.0;
            assert!((density - connectivity).abs() < 0.01);
        }
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let bad = |p: GatedParams| GatedReservoir::new(&p, 2).unwrap_err();
        assert!(matches!(
            bad(GatedParams {
                rc_connectivity: 0.0,
                ..Default::default()
            }),
            Error::InvalidParameter { .. }
        ));
        assert!(matches!(
            bad(GatedParams {
                rc_connectivity: 1.5,
                ..Default::default()
            }),
            Error::InvalidParameter { .. }
        ));
        assert!(matches!(
            bad(GatedParams {
                units: 0,
                ..Default::default()
            }),
            Error::InvalidParameter { .. }
        ));
        let net = GatedReservoir::new(
            &GatedParams {
                units: 4,
                ..Default::default()
            },
            2,
        )
        .unwrap();
        assert!(matches!(net.forward(&[], None), Err(Error::Empty { .. })));
        assert!(matches!(
            net.forward(&[Mat::zeros(0, 2)], None),
            Err(Error::Empty { .. })
        ));
        assert!(matches!(
            net.forward(&[Mat::zeros(3, 5)], None),
            Err(Error::ShapeMismatch { .. })
        ));
        let mut nan = Mat::zeros(3, 2);
        nan[(2, 1)] = f64::NAN;
        assert!(matches!(
            net.forward(&[nan], None),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(
            net.forward(&[Mat::zeros(3, 2)], Some(&[Mat::zeros(2, 4)])),
            Err(Error::ShapeMismatch { .. })
        ));
        // backward: gradients of the wrong shape or count, and runs of other networks, are
        // errors, never a panic
        let xs = vec![Mat::from_fn(3, 2, |b, j| (b + j) as f64 * 0.1); 5];
        let run = net.forward(&xs, None).unwrap();
        let ok = vec![Mat::<f64>::zeros(3, 4); 5];
        assert!(net.backward(&run, &ok, None).is_ok());
        for d in [
            vec![Mat::zeros(3, 4); 4],
            vec![Mat::zeros(2, 4); 5],
            vec![Mat::zeros(3, 5); 5],
        ] {
            assert!(matches!(
                net.backward(&run, &d, None),
                Err(Error::ShapeMismatch { .. })
            ));
        }
        let other = |units, layers, inputs| {
            GatedReservoir::new(
                &GatedParams {
                    units,
                    layers,
                    ..Default::default()
                },
                inputs,
            )
            .unwrap()
        };
        for net2 in [other(5, 1, 2), other(4, 2, 2), other(4, 1, 3)] {
            assert!(matches!(
                net2.backward(&run, &ok, None),
                Err(Error::ShapeMismatch { .. })
            ));
        }
    }
}
