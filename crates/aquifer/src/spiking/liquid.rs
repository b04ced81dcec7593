//! The liquid: a recurrent reservoir of leaky integrate-and-fire (LIF) neurons.
//!
//! Per step, for each sample of a batch, with `s[t-1]` the spikes of the previous step:
//!
//! ```text
//! mem = beta mem + W_in x[t] + W_rec s[t-1]
//! s[t] = mem >= threshold
//! mem = mem - threshold s[t]      (Reset::Subtract)   or   mem = 0 where s[t]   (Reset::Zero)
//! ```
//!
//! With a refractory period of `r` steps, a neuron that spiked ignores its inputs, keeps its
//! membrane at the reset value and cannot spike for the next `r` steps.
//!
//! `W_rec` comes from a topology of [`init::networks`](crate::init::networks) with Dale's law
//! (outgoing weights of excitatory neurons `>= 0`, of inhibitory ones `<= 0`), rescaled to
//! `spectral_radius`; `W_in` is uniform in `(-input_scaling, input_scaling)` at
//! `input_connectivity`. Every parameter of [`LiquidParams`] is used: `connectivity` is the
//! Erdos-Renyi probability and sets the default degree of the other topologies.
//!
//! Propagation is event driven by default: the recurrent input of a step is built from the
//! outgoing synapses of the neurons that spiked, so a step costs their fan-out, not `nnz(W)`.
//! [`Propagation::Dense`] visits every synapse instead; both add the same terms in the same
//! order and give identical spikes.
//!
//! ```
//! use aquifer::spiking::{Liquid, LiquidParams};
//! let liquid = Liquid::new(&LiquidParams { units: 200, seed: 1, ..Default::default() }, 64)?;
//! let mut state = liquid.init_state(8);
//! let x = faer::Mat::from_fn(8, 64, |b, j| ((b + j) % 5) as f64);
//! liquid.step(x.as_ref(), &mut state)?;
//! assert_eq!(state.spikes().nrows(), 8);
//! assert_eq!(state.spikes().ncols(), 200);
//! # Ok::<(), aquifer::Error>(())
//! ```

use crate::error::{check_positive, Error, Result};
use crate::init::networks::{self, Inhibition, Synapse};
use crate::init::{self, Csr, InputScaling, Values};
use crate::kernel;
use faer::{Mat, MatRef};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Who connects to whom in the liquid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Topology {
    /// Every ordered pair with probability `rc_connectivity`.
    ErdosRenyi,
    /// Watts-Strogatz: `k` nearest neighbours (default: the even number nearest
    /// `rc_connectivity (N - 1)`), each link rewired with probability `p_rewire`.
    SmallWorld {
        /// Neighbours per neuron (even, < N).
        k: Option<usize>,
        /// Rewiring probability.
        p_rewire: f64,
    },
    /// Barabasi-Albert: `m` links per new neuron (default: `rc_connectivity (N - 1) / 2`,
    /// at least 1), so that the mean degree matches `rc_connectivity`.
    ScaleFree {
        /// Links per new neuron (`1 <= m < N`).
        m: Option<usize>,
    },
}

/// What a spike does to the membrane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reset {
    /// Subtract the threshold (keeps the excess).
    Subtract,
    /// Set the membrane to zero.
    Zero,
}

/// How spikes reach their targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Propagation {
    /// Through the outgoing synapses of the neurons that spiked.
    EventDriven,
    /// Through every synapse (a sparse matrix-vector product with the spike vector).
    Dense,
}

/// Hyperparameters of a [`Liquid`]. Defaults follow the spiking-reservoir API Aquifer matches
/// (connectivity 0.1, spectral radius 0.9, 80% excitatory, Erdos-Renyi, input scaling 1) with
/// membrane decay 0.9 and threshold 1; inhibition is balanced by default (see
/// [`networks`](crate::init::networks)).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiquidParams {
    /// Number of neurons.
    pub units: usize,
    /// Connection probability (Erdos-Renyi), or the density the other topologies aim at.
    #[serde(alias = "connectivity")]
    pub rc_connectivity: f64,
    /// Spectral radius of `W_rec`.
    pub spectral_radius: f64,
    /// Fraction of excitatory neurons.
    pub exc_ratio: f64,
    /// Strength of inhibitory synapses.
    pub inhibition: Inhibition,
    /// Membrane decay per step, in `[0, 1]`.
    pub beta: f64,
    /// Spike threshold (> 0).
    pub threshold: f64,
    /// Reset after a spike.
    pub reset: Reset,
    /// Refractory period in steps.
    pub refractory: usize,
    /// Topology of `W_rec`.
    pub topology: Topology,
    /// Scale of the input weights.
    pub input_scaling: f64,
    /// Fraction of nonzero input weights.
    pub input_connectivity: f64,
    /// How spikes propagate.
    pub propagation: Propagation,
    /// Seed of every random choice.
    pub seed: u64,
}

impl Default for LiquidParams {
    fn default() -> Self {
        LiquidParams {
            units: 200,
            rc_connectivity: 0.1,
            spectral_radius: 0.9,
            exc_ratio: 0.8,
            inhibition: Inhibition::Balanced,
            beta: 0.9,
            threshold: 1.0,
            reset: Reset::Subtract,
            refractory: 0,
            topology: Topology::ErdosRenyi,
            input_scaling: 1.0,
            input_connectivity: 1.0,
            propagation: Propagation::EventDriven,
            seed: 0,
        }
    }
}

impl LiquidParams {
    /// Checks every hyperparameter.
    pub fn validate(&self) -> Result<()> {
        if self.units < 2 {
            return Err(Error::invalid(
                "units",
                self.units,
                "a liquid needs >= 2 neurons",
            ));
        }
        if !(self.rc_connectivity > 0.0 && self.rc_connectivity <= 1.0) {
            return Err(Error::invalid(
                "rc_connectivity",
                self.rc_connectivity,
                "must be in (0, 1]",
            ));
        }
        crate::error::check_non_negative("spectral_radius", self.spectral_radius)?;
        if !(0.0..=1.0).contains(&self.exc_ratio) {
            return Err(Error::invalid(
                "exc_ratio",
                self.exc_ratio,
                "must be in [0, 1]",
            ));
        }
        if !(0.0..=1.0).contains(&self.beta) {
            return Err(Error::invalid("beta", self.beta, "must be in [0, 1]"));
        }
        check_positive("threshold", self.threshold)?;
        crate::error::check_non_negative("input_scaling", self.input_scaling)?;
        if !(self.input_connectivity > 0.0 && self.input_connectivity <= 1.0) {
            return Err(Error::invalid(
                "input_connectivity",
                self.input_connectivity,
                "must be in (0, 1]",
            ));
        }
        if self.refractory > u32::MAX as usize {
            return Err(Error::invalid(
                "refractory",
                self.refractory,
                "must fit in u32",
            ));
        }
        if let Topology::SmallWorld { p_rewire, .. } = self.topology {
            if !(0.0..=1.0).contains(&p_rewire) {
                return Err(Error::invalid("p_rewire", p_rewire, "must be in [0, 1]"));
            }
        }
        Ok(())
    }

    /// The synapses of the chosen topology.
    pub fn synapses(&self) -> Result<Vec<Synapse>> {
        let n = self.units;
        let seed = crate::rng::derive(self.seed, 0);
        let degree = self.rc_connectivity * (n - 1) as f64;
        match self.topology {
            Topology::ErdosRenyi => networks::erdos_renyi(n, self.rc_connectivity, seed),
            Topology::SmallWorld { k, p_rewire } => {
                let k = k.unwrap_or_else(|| ((degree / 2.0).round() as usize).max(1) * 2);
                networks::watts_strogatz(n, k, p_rewire, seed)
            }
            Topology::ScaleFree { m } => {
                let m = m.unwrap_or_else(|| ((degree / 2.0).round() as usize).max(1));
                networks::barabasi_albert(n, m, seed)
            }
        }
    }
}

/// A LIF liquid (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Liquid {
    params: LiquidParams,
    inputs: usize,
    excitatory: usize,
    /// `W_rec` by target neuron (row `i`: synapses into `i`).
    w: Csr,
    /// `W_rec` by source neuron (row `j`: synapses out of `j`, with their targets).
    fan_out: Csr,
    /// `W_in`, `N x F` row-major.
    win: Vec<f64>,
}

/// The state of a batch: membranes, last spikes and refractory counters.
#[derive(Debug, Clone, PartialEq)]
pub struct LiquidState {
    batch: usize,
    units: usize,
    /// `batch x units`, row-major.
    mem: Vec<f64>,
    /// Per sample, the neurons that spiked at the last step, ascending.
    active: Vec<Vec<u32>>,
    /// `batch x units`: steps of refractoriness left.
    refractory: Vec<u32>,
}

impl LiquidState {
    /// Samples in the batch.
    pub fn batch(&self) -> usize {
        self.batch
    }
    /// Membrane potentials (`batch x units`).
    pub fn membrane(&self) -> Mat<f64> {
        Mat::from_fn(self.batch, self.units, |b, i| self.mem[b * self.units + i])
    }
    /// Spikes of the last step (`batch x units`, 0 or 1).
    pub fn spikes(&self) -> Mat<f64> {
        let mut s = Mat::zeros(self.batch, self.units);
        for (b, active) in self.active.iter().enumerate() {
            for &i in active {
                s[(b, i as usize)] = 1.0;
            }
        }
        s
    }
    /// The neurons of sample `b` that spiked at the last step, ascending.
    pub fn spiking(&self, b: usize) -> &[u32] {
        &self.active[b]
    }
    /// One sample's view for the per-sample kernel.
    pub(crate) fn sample_mut(&mut self) -> impl Iterator<Item = SampleState<'_>> {
        let n = self.units;
        self.mem
            .chunks_mut(n)
            .zip(self.active.iter_mut())
            .zip(self.refractory.chunks_mut(n))
            .map(|((mem, active), refractory)| SampleState {
                mem,
                active,
                refractory,
            })
    }
}

/// One sample of a [`LiquidState`].
pub(crate) struct SampleState<'a> {
    pub(crate) mem: &'a mut [f64],
    pub(crate) active: &'a mut Vec<u32>,
    pub(crate) refractory: &'a mut [u32],
}

/// Per-thread scratch of the kernel.
pub(crate) struct Scratch {
    rec: Vec<f64>,
    dense_spikes: Vec<f64>,
}

impl Liquid {
    /// A liquid for inputs of `inputs` features.
    pub fn new(params: &LiquidParams, inputs: usize) -> Result<Self> {
        params.validate()?;
        if inputs == 0 {
            return Err(Error::invalid("inputs", 0, "must be >= 1"));
        }
        let n = params.units;
        let synapses = params.synapses()?;
        let w = networks::dale_matrix(
            n,
            &synapses,
            params.exc_ratio,
            params.inhibition,
            None,
            crate::rng::derive(params.seed, 1),
        )?;
        let mut w = w;
        if !synapses.is_empty() {
            init::scale_spectral_radius(&mut w, params.spectral_radius)?;
        }
        let win = init::input_matrix(
            n,
            inputs,
            Values::uniform(-1.0, 1.0),
            params.input_connectivity,
            &InputScaling::Scalar(params.input_scaling),
            crate::rng::derive(params.seed, 2),
        )?;
        Self::from_matrices(params, w, win)
    }

    /// A liquid from given matrices: `w` (`N x N`, `w[i, j]` from `j` to `i`) and `win`
    /// (`N x F`); the topology, connectivity, ratio and radius in `params` are then not used.
    pub fn from_matrices(params: &LiquidParams, w: Csr, win: Mat<f64>) -> Result<Self> {
        params.validate()?;
        let n = w.nrows();
        if w.ncols() != n || win.nrows() != n || win.ncols() == 0 {
            return Err(Error::shape(
                "liquid matrices",
                format!("W {n} x {n} and W_in {n} x F"),
                format!(
                    "W {n} x {}, W_in {} x {}",
                    w.ncols(),
                    win.nrows(),
                    win.ncols()
                ),
            ));
        }
        crate::series::check_finite_slice("W_rec", w.val())?;
        crate::series::check_finite("W_in", win.as_ref())?;
        let mut by_source: Vec<(usize, usize, f64)> = Vec::with_capacity(w.val().len());
        let sym = w.symbolic();
        for i in 0..n {
            let range = sym.row_range(i);
            for (k, &j) in sym.col_idx()[range.clone()].iter().enumerate() {
                by_source.push((j as usize, i, w.val()[range.start + k]));
            }
        }
        by_source.sort_by_key(|e| (e.0, e.1));
        let fan_out = init::csr_from_sorted(n, n, &by_source)?;
        let inputs = win.ncols();
        let win = (0..n)
            .flat_map(|i| (0..inputs).map(move |j| (i, j)))
            .map(|(i, j)| win[(i, j)])
            .collect();
        let mut params = *params;
        params.units = n;
        Ok(Liquid {
            params,
            inputs,
            excitatory: networks::excitatory_count(n, params.exc_ratio)?,
            w,
            fan_out,
            win,
        })
    }

    /// The hyperparameters.
    pub fn params(&self) -> &LiquidParams {
        &self.params
    }
    /// Number of neurons.
    pub fn units(&self) -> usize {
        self.w.nrows()
    }
    /// Input features.
    pub fn input_dim(&self) -> usize {
        self.inputs
    }
    /// Number of excitatory neurons (the first ones).
    pub fn excitatory(&self) -> usize {
        self.excitatory
    }
    /// `W_rec` (`w[i, j]`: synapse from `j` to `i`).
    pub fn w(&self) -> &Csr {
        &self.w
    }
    /// `W_in` (`N x F`).
    pub fn win(&self) -> Mat<f64> {
        let f = self.inputs;
        Mat::from_fn(self.units(), f, |i, j| self.win[i * f + j])
    }
    /// `W_in`, `N x F` row-major.
    pub(crate) fn win_flat(&self) -> &[f64] {
        &self.win
    }
    /// Uses another propagation (the spikes do not change, only the cost).
    pub fn set_propagation(&mut self, propagation: Propagation) {
        self.params.propagation = propagation;
    }

    /// The state of a batch at rest: zero membranes, no spikes.
    pub fn init_state(&self, batch: usize) -> LiquidState {
        let n = self.units();
        LiquidState {
            batch,
            units: n,
            mem: vec![0.0; batch * n],
            active: vec![Vec::new(); batch],
            refractory: vec![0; batch * n],
        }
    }

    pub(crate) fn scratch(&self) -> Scratch {
        Scratch {
            rec: vec![0.0; self.units()],
            dense_spikes: vec![0.0; self.units()],
        }
    }

    fn check_state(&self, state: &LiquidState) -> Result<()> {
        if state.units != self.units() {
            return Err(Error::shape(
                "liquid state",
                format!("{} units", self.units()),
                format!("{} units", state.units),
            ));
        }
        Ok(())
    }

    fn check_input(&self, what: &str, x: MatRef<'_, f64>, batch: usize) -> Result<()> {
        if x.nrows() != batch || x.ncols() != self.inputs {
            return Err(Error::shape(
                what,
                format!("{batch} x {}", self.inputs),
                format!("{} x {}", x.nrows(), x.ncols()),
            ));
        }
        crate::series::check_finite(what, x)
    }

    /// One step for a batch: `x` is `batch x inputs`; the state advances in place (its
    /// [`spikes`](LiquidState::spikes) are the new spikes).
    pub fn step(&self, x: MatRef<'_, f64>, state: &mut LiquidState) -> Result<()> {
        self.check_state(state)?;
        self.check_input("liquid input", x, state.batch)?;
        let mut scratch = self.scratch();
        let mut row = vec![0.0; self.inputs];
        for (b, mut s) in state.sample_mut().enumerate() {
            row.iter_mut().enumerate().for_each(|(j, v)| *v = x[(b, j)]);
            self.step_sample(&row, &mut s, &mut scratch);
        }
        Ok(())
    }

    /// A whole sequence, time-major: `x_seq[t]` is `batch x inputs`. Starts from `state` (or
    /// rest) and returns the spikes of every step (`x_seq.len()` matrices `batch x units`) and
    /// the final state. Samples run in parallel.
    pub fn forward_sequence(
        &self,
        x_seq: &[Mat<f64>],
        state: Option<LiquidState>,
    ) -> Result<(Vec<Mat<f64>>, LiquidState)> {
        let batch = match (&state, x_seq.first()) {
            (Some(s), _) => s.batch,
            (None, Some(x)) => x.nrows(),
            (None, None) => {
                return Err(Error::Empty {
                    what: "input sequence".into(),
                })
            }
        };
        let mut state = state.unwrap_or_else(|| self.init_state(batch));
        self.check_state(&state)?;
        for (t, x) in x_seq.iter().enumerate() {
            self.check_input(&format!("input at step {t}"), x.as_ref(), batch)?;
        }
        let n = self.units();
        let steps = x_seq.len();
        // per sample: the neurons that spiked at each step
        let per_sample: Vec<Vec<Vec<u32>>> = state
            .sample_mut()
            .enumerate()
            .collect::<Vec<_>>()
            .into_par_iter()
            .map_init(
                || (self.scratch(), vec![0.0; self.inputs]),
                |(scratch, row), (b, mut s)| {
                    (0..steps)
                        .map(|t| {
                            row.iter_mut()
                                .enumerate()
                                .for_each(|(j, v)| *v = x_seq[t][(b, j)]);
                            self.step_sample(row, &mut s, scratch);
                            s.active.clone()
                        })
                        .collect()
                },
            )
            .collect();
        let spikes = (0..steps)
            .map(|t| {
                let mut m = Mat::zeros(batch, n);
                for (b, sample) in per_sample.iter().enumerate() {
                    for &i in &sample[t] {
                        m[(b, i as usize)] = 1.0;
                    }
                }
                m
            })
            .collect();
        Ok((spikes, state))
    }

    /// The LIF update of one sample (see the module documentation).
    pub(crate) fn step_sample(&self, x: &[f64], s: &mut SampleState<'_>, scratch: &mut Scratch) {
        let n = self.units();
        let f = self.inputs;
        let rec = &mut scratch.rec;
        match self.params.propagation {
            Propagation::EventDriven => {
                rec.iter_mut().for_each(|v| *v = 0.0);
                kernel::add_spikes_by_source(&self.fan_out, s.active, rec);
            }
            Propagation::Dense => {
                let dense = &mut scratch.dense_spikes;
                dense.iter_mut().for_each(|v| *v = 0.0);
                for &j in s.active.iter() {
                    dense[j as usize] = 1.0;
                }
                kernel::spikes_dense_product(&self.w, dense, rec);
            }
        }
        let p = &self.params;
        s.active.clear();
        for i in 0..n {
            if s.refractory[i] > 0 {
                s.refractory[i] -= 1;
                continue;
            }
            let row = &self.win[i * f..(i + 1) * f];
            let drive: f64 = row.iter().zip(x).map(|(w, u)| w * u).sum();
            let mut m = p.beta * s.mem[i] + drive + rec[i];
            if m >= p.threshold {
                s.active.push(i as u32);
                m = match p.reset {
                    Reset::Subtract => m - p.threshold,
                    Reset::Zero => 0.0,
                };
                s.refractory[i] = p.refractory as u32;
            }
            s.mem[i] = m;
        }
    }
}
