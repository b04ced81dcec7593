//! The echo state network: a [`Reservoir`] and a [`Ridge`] readout, optionally with the input
//! fed to the readout too (the `[1, u, x]` features of the classic ESN).
//!
//! State semantics: `fit` harvests every training series from the reservoir's current state (zero
//! after `build` or `reset`) and then leaves the reservoir in the last state of the **last**
//! training series, so that `run` on the continuation of a single training series goes on
//! seamlessly (as in ReservoirPy). `run` and `generate` continue from the current state.
//!
//! ```
//! use aquifer::prelude::*;
//! let series = datasets::mackey_glass(&MackeyGlass::default(), 1200)?;
//! let (x, y) = datasets::forecasting(&series, 1)?;
//! let ((x_train, y_train), (x_test, y_test)) = datasets::split(&x, &y, 1000)?;
//! let mut esn = Esn::builder().units(100).leak_rate(0.3).ridge(1e-7).seed(1).build(1, 1)?;
//! esn.fit(&[x_train], &[y_train], 100)?;
//! let y_pred = esn.run(&x_test)?;
//! assert!(metrics::nrmse(&y_test, &y_pred, Norm::Range)? < 0.05);
//! # Ok::<(), aquifer::Error>(())
//! ```

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::io::ModelFile;
use crate::kernel::BLOCK;
use crate::nodes::reservoir::{reservoir_setters, Reservoir, ReservoirParams};
use crate::nodes::reservoir_part::SavedReservoir;
use crate::readout::stream::StatsStream;
use crate::readout::{Ridge, RidgeParams, RidgeStats};
use crate::series::{check_pairs, check_series, views, AsSeries};
use crate::traits::{Fit, Persist, Run, Stateful, Step, Targets};
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Mat, MatRef};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The configuration part of a saved [`Esn`]: the reservoir's part configuration as the
/// reservoir gives it (its tensors under `reservoir.`), the readout's under `readout.`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedEsn {
    reservoir: Value,
    outputs: usize,
    input_to_readout: bool,
    readout: RidgeParams,
    fitted: bool,
}

/// The configuration of an [`Esn`] written before its reservoir part was embedded as it is
/// (the reservoir's settings inlined); still read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedConfig {
    units: usize,
    inputs: usize,
    outputs: usize,
    activation: Activation,
    /// Scalar leak rate, or `None` when the per-unit rates are in the tensor `leak_rate`.
    leak_rate: Option<f64>,
    noise_in: f64,
    noise_rc: f64,
    noise_seed: u64,
    /// Words of the noise stream used so far (0 in files that predate it).
    #[serde(default)]
    noise_position: u64,
    input_to_readout: bool,
    readout: RidgeParams,
    fitted: bool,
}

/// Builder of an [`Esn`]: reservoir hyperparameters, readout hyperparameters, wiring.
#[derive(Debug, Clone, Default)]
pub struct EsnBuilder {
    reservoir: ReservoirParams,
    readout: RidgeParams,
    input_to_readout: bool,
}

impl EsnBuilder {
    reservoir_setters!(reservoir);

    /// Ridge regularisation of the readout.
    pub fn ridge(mut self, ridge: f64) -> Self {
        self.readout.ridge = ridge;
        self
    }
    /// Whether the readout fits an intercept (default true).
    pub fn fit_bias(mut self, yes: bool) -> Self {
        self.readout.fit_bias = yes;
        self
    }
    /// Whether the input is fed to the readout beside the reservoir state (default false).
    pub fn input_to_readout(mut self, yes: bool) -> Self {
        self.input_to_readout = yes;
        self
    }
    /// Replaces the readout hyperparameters.
    pub fn readout_params(mut self, params: RidgeParams) -> Self {
        self.readout = params;
        self
    }

    /// The most bytes the network takes to be built and fitted on series of any length, for
    /// `inputs` input and `outputs` output features: the reservoir's
    /// ([`ReservoirParams::memory`]), a chunk of states, and the readout's statistics and
    /// solve (about `(N + M)^2` values per thread plus three). The command line compares it
    /// with the memory available before it builds anything.
    ///
    /// ```
    /// use aquifer::prelude::*;
    /// let small = Esn::builder().units(100).memory(1, 1);
    /// let large = Esn::builder().units(10_000).memory(1, 1);
    /// assert!(small < 20_000_000 && large > 2_000_000_000);
    /// ```
    pub fn memory(&self, inputs: usize, outputs: usize) -> u128 {
        let n = self.reservoir.units;
        let features = n + if self.input_to_readout { inputs } else { 0 };
        self.reservoir
            .memory(inputs)
            .saturating_add(crate::memory::values(RUN_CHUNK, features, 2))
            .saturating_add(StatsStream::memory(features, outputs))
    }

    /// Builds the network for `inputs` input and `outputs` output features.
    pub fn build(&self, inputs: usize, outputs: usize) -> Result<Esn> {
        if outputs == 0 {
            return Err(Error::invalid("output dimension", 0, "must be >= 1"));
        }
        let reservoir = self.reservoir.build(inputs)?;
        Esn::new(
            reservoir,
            Ridge::with_params(self.readout)?,
            self.input_to_readout,
            outputs,
        )
    }
}

/// An echo state network (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Esn {
    reservoir: Reservoir,
    readout: Ridge,
    input_to_readout: bool,
    outputs: usize,
    /// Scratch for [`Step::step`] with input-to-readout: `[u, x]` (empty otherwise).
    step_features: Vec<f64>,
}

impl Esn {
    /// A builder with default hyperparameters.
    pub fn builder() -> EsnBuilder {
        EsnBuilder::default()
    }

    /// Assembles a network from a reservoir and a readout (fitted or not).
    pub fn new(
        reservoir: Reservoir,
        readout: Ridge,
        input_to_readout: bool,
        outputs: usize,
    ) -> Result<Self> {
        let step_features = vec![
            0.0;
            if input_to_readout {
                reservoir.input_dim() + reservoir.units()
            } else {
                0
            }
        ];
        let esn = Esn {
            reservoir,
            readout,
            input_to_readout,
            outputs,
            step_features,
        };
        if let Some(w) = esn.readout.weights() {
            if w.nrows() != esn.feature_dim() || w.ncols() != outputs {
                return Err(Error::shape(
                    "readout weights",
                    format!("{} x {outputs}", esn.feature_dim()),
                    format!("{} x {}", w.nrows(), w.ncols()),
                ));
            }
        }
        Ok(esn)
    }

    /// The reservoir.
    pub fn reservoir(&self) -> &Reservoir {
        &self.reservoir
    }
    /// The reservoir, mutably (e.g. to set its state).
    pub fn reservoir_mut(&mut self) -> &mut Reservoir {
        &mut self.reservoir
    }
    /// The readout.
    pub fn readout(&self) -> &Ridge {
        &self.readout
    }
    /// Whether the input is fed to the readout.
    pub fn input_to_readout(&self) -> bool {
        self.input_to_readout
    }
    /// Number of input features.
    pub fn input_dim(&self) -> usize {
        self.reservoir.input_dim()
    }
    /// Number of output features.
    pub fn output_dim(&self) -> usize {
        self.outputs
    }
    /// Number of readout features (`N`, or `F + N` with input-to-readout).
    pub fn feature_dim(&self) -> usize {
        self.reservoir.units()
            + if self.input_to_readout {
                self.input_dim()
            } else {
                0
            }
    }
    fn features(&self, u: MatRef<'_, f64>, states: Mat<f64>) -> Mat<f64> {
        if !self.input_to_readout {
            return states;
        }
        let f = u.ncols();
        Mat::from_fn(states.nrows(), f + states.ncols(), |t, j| {
            if j < f {
                u[(t, j)]
            } else {
                states[(t, j - f)]
            }
        })
    }

    /// The readout statistics of paired series, each harvested from the current state, after
    /// `warmup` steps of each; the reservoir is left in the last state of the last series, as
    /// [`Fit::fit`] leaves it. Statistics of several batches [merge](RidgeStats::merge) exactly
    /// (start each batch from the same state, as `fit` starts every series); then
    /// [`Esn::fit_statistics`] solves them. This is how to fit on more data than fits in memory
    /// at once.
    ///
    /// ```
    /// use aquifer::prelude::*;
    /// let series = datasets::mackey_glass(&MackeyGlass::default(), 600)?;
    /// let (x, y) = datasets::forecasting(&series, 1)?;
    /// let mut esn = Esn::builder().units(50).seed(3).build(1, 1)?;
    /// let (a, b) = (x.subrows(0, 300), x.subrows(300, 299));
    /// let (ya, yb) = (y.subrows(0, 300), y.subrows(300, 299));
    /// let start = esn.state();
    /// let mut stats = esn.statistics(&[a], &[ya], 20)?;
    /// esn.set_state(&start)?;
    /// stats.merge(&esn.statistics(&[b], &[yb], 20)?)?;
    /// esn.fit_statistics(&stats)?;
    /// assert_eq!(stats.count(), 280 + 279);
    /// # Ok::<(), aquifer::Error>(())
    /// ```
    pub fn statistics<'y, S: AsSeries + Sync>(
        &mut self,
        inputs: &[S],
        targets: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<RidgeStats> {
        let targets = targets.into();
        let ys = targets.series("an echo state network")?;
        let (stats, final_state) = self.harvest(inputs, ys, warmup)?;
        self.reservoir.set_state(&final_state)?;
        Ok(stats)
    }

    /// Solves the readout from statistics made by [`Esn::statistics`] (and keeps them, for
    /// [`Esn::set_ridge`]); the reservoir state is unchanged.
    pub fn fit_statistics(&mut self, stats: &RidgeStats) -> Result<()> {
        if stats.features() != self.feature_dim() || stats.targets() != self.outputs {
            return Err(Error::shape(
                "readout statistics (features x targets)",
                format!("{} x {}", self.feature_dim(), self.outputs),
                format!("{} x {}", stats.features(), stats.targets()),
            ));
        }
        self.readout.solve_owned_stats(stats.clone())
    }

    /// Fits as [`Fit::fit`] does (same states, same final state), but solves the readout from
    /// the harvested rows by QR ([`Ridge::fit_lstsq`]) rather than from their statistics: about
    /// twice the correct digits when the states are ill-conditioned, as when a chaotic series
    /// is generated in closed loop for many steps and every digit of the readout counts (the
    /// `mg-jaeger-haas` row of `aquifer bench science`). Every row after the warm-ups is held
    /// at once (`T x F` values).
    ///
    /// ```
    /// use aquifer::prelude::*;
    /// let series = datasets::mackey_glass(&MackeyGlass::default(), 800)?;
    /// let (x, y) = datasets::forecasting(&series, 1)?;
    /// let mut qr = Esn::builder().units(60).ridge(1e-6).seed(4).build(1, 1)?;
    /// qr.fit_lstsq(&[&x], &[&y], 50)?;
    /// let mut normal = Esn::builder().units(60).ridge(1e-6).seed(4).build(1, 1)?;
    /// normal.fit(&[&x], &[&y], 50)?;
    /// assert_eq!(qr.state(), normal.state());
    /// let (a, b) = (qr.readout().weights().unwrap(), normal.readout().weights().unwrap());
    /// assert!((a - b).norm_max() < 1e-6 * b.norm_max());
    /// # Ok::<(), aquifer::Error>(())
    /// ```
    pub fn fit_lstsq<'y, S: AsSeries + Sync>(
        &mut self,
        inputs: &[S],
        targets: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<()> {
        let targets = targets.into();
        let ys = targets.series("an echo state network")?;
        let rows = self.harvest_rows(inputs, ys, warmup)?;
        let mut x = Mat::zeros(rows, self.feature_dim());
        let mut y = Mat::zeros(rows, self.outputs);
        let mut at = 0;
        let last = self.harvest_into(inputs, ys, warmup, RUN_CHUNK, |f, t| {
            x.as_mut().subrows_mut(at, f.nrows()).copy_from(f);
            y.as_mut().subrows_mut(at, t.nrows()).copy_from(t);
            at += f.nrows();
            Ok(())
        })?;
        self.readout.solve_lstsq(x, y)?;
        self.reservoir.set_state(&last)
    }

    /// Changes the readout's ridge and solves it again from the statistics of the last fit,
    /// without harvesting again (the state is unchanged). A network loaded from a file has no
    /// statistics: fit it again.
    ///
    /// ```
    /// use aquifer::prelude::*;
    /// let series = datasets::mackey_glass(&MackeyGlass::default(), 800)?;
    /// let (x, y) = datasets::forecasting(&series, 1)?;
    /// let mut esn = Esn::builder().units(80).ridge(1e-2).seed(1).build(1, 1)?;
    /// esn.fit(&[&x], &[&y], 50)?;
    /// esn.set_ridge(1e-8)?;
    /// let mut direct = Esn::builder().units(80).ridge(1e-8).seed(1).build(1, 1)?;
    /// direct.fit(&[&x], &[&y], 50)?;
    /// assert_eq!(esn.readout().weights(), direct.readout().weights());
    /// # Ok::<(), aquifer::Error>(())
    /// ```
    pub fn set_ridge(&mut self, ridge: f64) -> Result<()> {
        self.readout.set_ridge(ridge)
    }

    /// Statistics of every pair harvested from the current state, and the last state of the
    /// last series.
    ///
    /// The states are never all held at once: a series longer than a chunk of steps (a few
    /// thousand) runs chunk by chunk on the single-series kernel, each chunk's features folded
    /// into the statistics and dropped; shorter series run side by side in groups
    /// ([`Reservoir::run_many`]). The statistics are formed in fixed blocks of rows, so the
    /// result is the same, bit for bit, whatever the chunks, groups and threads.
    fn harvest<S: AsSeries + Sync>(
        &self,
        inputs: &[S],
        ys: &[MatRef<'_, f64>],
        warmup: usize,
    ) -> Result<(RidgeStats, Vec<f64>)> {
        let rows = self.harvest_rows(inputs, ys, warmup)?;
        let mut stream = StatsStream::new(self.feature_dim(), self.outputs, Some(rows))?;
        let chunk = stream.capacity().max(RUN_CHUNK);
        let last = self.harvest_into(inputs, ys, warmup, chunk, |f, y| stream.push(f, y))?;
        Ok((stream.finish()?, last))
    }

    /// Checks the pairs of a harvest and returns its number of rows after the warm-ups.
    fn harvest_rows<S: AsSeries + Sync>(
        &self,
        inputs: &[S],
        ys: &[MatRef<'_, f64>],
        warmup: usize,
    ) -> Result<usize> {
        let xs = views(inputs);
        check_pairs(&xs, ys, Some(self.input_dim()), Some(self.outputs))?;
        if let Some((i, x)) = xs.iter().enumerate().find(|(_, x)| warmup >= x.nrows()) {
            return Err(Error::WarmupTooLong {
                warmup,
                len: x.nrows(),
                series: i,
            });
        }
        for (i, y) in ys.iter().enumerate() {
            crate::series::check_finite(&format!("target series {i}"), *y)?;
        }
        Ok(xs.iter().map(|x| x.nrows() - warmup).sum())
    }

    /// Harvests checked pairs from the current state, `chunk` steps at a time, handing each
    /// piece's features and targets after the warm-up to `push`, in order; returns the last
    /// state of the last series.
    fn harvest_into<S: AsSeries + Sync>(
        &self,
        inputs: &[S],
        ys: &[MatRef<'_, f64>],
        warmup: usize,
        chunk: usize,
        mut push: impl FnMut(MatRef<'_, f64>, MatRef<'_, f64>) -> Result<()>,
    ) -> Result<Vec<f64>> {
        let xs = views(inputs);
        let reservoir = &self.reservoir;
        let mut last = reservoir.state().to_vec();
        // folds the states of rows `start..` of series `i` into the statistics
        let mut fold = |i: usize, start: usize, states: MatRef<'_, f64>| -> Result<()> {
            let len = states.nrows();
            last = states.row(len - 1).iter().copied().collect();
            let skip = warmup.saturating_sub(start).min(len);
            let u = xs[i].subrows(start, len);
            let joined;
            let features = if self.input_to_readout {
                joined = self.features(u, states.to_owned());
                joined.as_ref()
            } else {
                states
            };
            crate::series::check_finite(
                &format!("reservoir states of series {i} (from step {start})"),
                features,
            )?;
            push(
                features.subrows(skip, len - skip),
                ys[i].subrows(start + skip, len - skip),
            )
        };
        let mut chunk_states = Mat::zeros(0, 0);
        let mut i = 0;
        while i < xs.len() {
            let long = |x: &MatRef<'_, f64>| x.nrows() > chunk || reservoir.is_noisy();
            if long(&xs[i]) {
                let mut state = reservoir.state().to_vec();
                let mut rng = reservoir.series_rng(i);
                if chunk_states.nrows() == 0 {
                    chunk_states = Mat::zeros(chunk, reservoir.units());
                }
                for start in (0..xs[i].nrows()).step_by(chunk) {
                    let len = chunk.min(xs[i].nrows() - start);
                    let u = xs[i].subrows(start, len);
                    let mut states = chunk_states.as_mut().subrows_mut(0, len);
                    reservoir.run_into(u, &mut state, &mut rng, states.rb_mut())?;
                    fold(i, start, states.rb())?;
                }
                i += 1;
                continue;
            }
            // a group of short series, at least a block of them or a few chunks of rows
            let mut end = i;
            let mut group_rows = 0;
            while end < xs.len() && !long(&xs[end]) && (end - i < BLOCK || group_rows < 4 * chunk) {
                group_rows += xs[end].nrows();
                end += 1;
            }
            for (k, states) in reservoir.run_many(&xs[i..end])?.iter().enumerate() {
                fold(i + k, 0, states.as_ref())?;
            }
            i = end;
        }
        Ok(last)
    }

    /// Like [`Esn::run`], and also returns the reservoir states: `(predictions, states)`,
    /// `T x M` and `T x N`.
    pub fn run_with_states(&mut self, x: impl AsSeries) -> Result<(Mat<f64>, Mat<f64>)> {
        let x = x.as_series();
        let mut pred = Mat::zeros(x.nrows(), self.outputs);
        let mut states = Mat::zeros(x.nrows(), self.reservoir.units());
        let mut at = 0;
        self.run_in_chunks(x, |p, s| {
            pred.as_mut().subrows_mut(at, p.nrows()).copy_from(p);
            states.as_mut().subrows_mut(at, s.nrows()).copy_from(s);
            at += p.nrows();
            Ok(())
        })?;
        Ok((pred, states))
    }

    /// Runs over a series a chunk of steps (a few thousand) at a time, from the current state,
    /// and hands each chunk's predictions (`k x M`) and reservoir states (`k x N`) to `sink`,
    /// in order: the states of a long series are never all held at once. The values are those
    /// of [`Esn::run_with_states`], bit for bit.
    ///
    /// ```
    /// use aquifer::prelude::*;
    /// let series = datasets::mackey_glass(&MackeyGlass::default(), 300)?;
    /// let (x, y) = datasets::forecasting(&series, 1)?;
    /// let mut esn = Esn::builder().units(40).seed(2).build(1, 1)?;
    /// esn.fit(&[&x], &[&y], 20)?;
    /// esn.reset();
    /// let mut rows = 0;
    /// esn.run_in_chunks(&x, |pred, states| {
    ///     assert_eq!((pred.ncols(), states.ncols()), (1, 40));
    ///     rows += pred.nrows();
    ///     Ok(())
    /// })?;
    /// assert_eq!(rows, x.nrows());
    /// # Ok::<(), aquifer::Error>(())
    /// ```
    pub fn run_in_chunks(
        &mut self,
        x: impl AsSeries,
        mut sink: impl FnMut(MatRef<'_, f64>, MatRef<'_, f64>) -> Result<()>,
    ) -> Result<()> {
        if !self.readout.is_fitted() {
            return Err(not_fitted());
        }
        let x = x.as_series();
        check_series("input series", x, Some(self.input_dim()))?;
        let mut buffer = Mat::zeros(RUN_CHUNK.min(x.nrows()), self.reservoir.units());
        for start in (0..x.nrows()).step_by(RUN_CHUNK) {
            let u = x.subrows(start, RUN_CHUNK.min(x.nrows() - start));
            let mut states = buffer.as_mut().subrows_mut(0, u.nrows());
            self.reservoir.run_to(u, states.rb_mut())?;
            check_states(states.rb(), start)?;
            let pred = if self.input_to_readout {
                self.readout.predict(self.features(u, states.to_owned()))?
            } else {
                self.readout.predict(states.rb())?
            };
            sink(pred.as_ref(), states.rb())?;
        }
        Ok(())
    }

    /// Closed-loop generation: runs over `warm_input` (teacher-forced), then feeds each
    /// prediction back as the next input for `n` steps. Row `k` of the result estimates the input
    /// series `k + 1` steps after the last warm-up row (row 0 is the warm-up's last prediction).
    /// Needs as many outputs as inputs.
    pub fn generate(&mut self, n: usize, warm_input: impl AsSeries) -> Result<Mat<f64>> {
        if self.outputs != self.input_dim() {
            return Err(Error::shape(
                "generation (outputs are fed back as inputs)",
                format!("{} outputs", self.input_dim()),
                format!("{} outputs", self.outputs),
            ));
        }
        let warm = warm_input.as_series();
        check_series("warm-up input", warm, Some(self.input_dim()))?;
        if n == 0 {
            return Ok(Mat::zeros(0, self.outputs));
        }
        let warm_pred = self.run(warm)?;
        let first: Vec<f64> = warm_pred
            .row(warm_pred.nrows() - 1)
            .iter()
            .copied()
            .collect();
        self.free_run(n, &first)
    }

    /// The closed loop without a warm-up: row 0 is `first` (an output, e.g. the last row of a
    /// previous [`Esn::generate`] or `free_run`), and each next row is the network's prediction
    /// with the previous row fed back as input, continuing from the current state. Generating
    /// in pieces this way gives the same series as one call, bit for bit.
    pub fn free_run(&mut self, n: usize, first: &[f64]) -> Result<Mat<f64>> {
        if self.outputs != self.input_dim() {
            return Err(Error::shape(
                "generation (outputs are fed back as inputs)",
                format!("{} outputs", self.input_dim()),
                format!("{} outputs", self.outputs),
            ));
        }
        if !self.readout.is_fitted() {
            return Err(not_fitted());
        }
        crate::memory::check(
            || format!("a generated series of {n} steps"),
            crate::memory::values(n, self.outputs, 1),
        )?;
        let d = self.outputs;
        if first.len() != d {
            return Err(Error::shape(
                "first output of the closed loop",
                format!("{d} values"),
                format!("{} values", first.len()),
            ));
        }
        if let Some(j) = first.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "first output of the closed loop".into(),
                row: 0,
                col: j,
                value: first[j],
            });
        }
        let mut out = Mat::zeros(n, d);
        let mut y = first.to_vec();
        let mut feat = vec![0.0; self.feature_dim()];
        let mut next = vec![0.0; d];
        for k in 0..n {
            for (j, v) in y.iter().enumerate() {
                out[(k, j)] = *v;
            }
            if k + 1 == n {
                break;
            }
            let state = self.reservoir.step(&y)?;
            let off = if self.input_to_readout { d } else { 0 };
            feat[off..].copy_from_slice(state);
            if self.input_to_readout {
                feat[..d].copy_from_slice(&y);
            }
            self.readout.predict_into(&feat, &mut next)?;
            if let Some(j) = next.iter().position(|v| !v.is_finite()) {
                return Err(Error::NonFinite {
                    what: "generated series (the closed loop diverged)".into(),
                    row: k + 1,
                    col: j,
                    value: next[j],
                });
            }
            std::mem::swap(&mut y, &mut next);
        }
        Ok(out)
    }
}

impl Fit for Esn {
    /// Fits the readout on paired input and target series, discarding the first `warmup` steps
    /// of each. Series are harvested together ([`Reservoir::run_many`]) and reduced in parallel.
    fn fit<'y, S: AsSeries + Sync>(
        &mut self,
        inputs: &[S],
        targets: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<()> {
        let targets = targets.into();
        let ys = targets.series("an echo state network")?;
        let (stats, final_state) = self.harvest(inputs, ys, warmup)?;
        self.readout.solve_owned_stats(stats)?;
        self.reservoir.set_state(&final_state)
    }
}

impl Run for Esn {
    type Output = Mat<f64>;

    /// Runs the network over an input series from the current state; returns the predictions
    /// (`T x M`).
    fn run(&mut self, x: impl AsSeries) -> Result<Mat<f64>> {
        // chunk by chunk, so that the states of a long series are never all held at once
        let x = x.as_series();
        let mut out = Mat::zeros(x.nrows(), self.outputs);
        let mut at = 0;
        self.run_in_chunks(x, |pred, _| {
            out.as_mut().subrows_mut(at, pred.nrows()).copy_from(pred);
            at += pred.nrows();
            Ok(())
        })?;
        Ok(out)
    }

    /// Runs many series in parallel, each from the current state; the state is left unchanged.
    fn run_many<S: AsSeries + Sync>(&mut self, inputs: &[S]) -> Result<Vec<Mat<f64>>> {
        if !self.readout.is_fitted() {
            return Err(not_fitted());
        }
        let xs = views(inputs);
        let states = self.reservoir.run_many(&xs)?;
        xs.par_iter()
            .zip(states)
            .map(|(x, s)| self.readout.predict(self.features(*x, s)))
            .collect()
    }
}

impl Step for Esn {
    /// One step: the reservoir moves on with input `x` and the readout writes its prediction
    /// into `out`.
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        if !self.readout.is_fitted() {
            return Err(not_fitted());
        }
        let state = self.reservoir.step(x)?;
        if self.input_to_readout {
            // `x` has the input width: `reservoir.step` checked it
            let (u, s) = self.step_features.split_at_mut(x.len());
            u.copy_from_slice(x);
            s.copy_from_slice(state);
            self.readout.predict_into(&self.step_features, out)
        } else {
            self.readout.predict_into(state, out)
        }
    }
}

impl Stateful for Esn {
    /// The reservoir's state (`N` values).
    type State = Vec<f64>;
    /// Resets the reservoir state to zeros (the readout stays fitted).
    fn reset(&mut self) {
        self.reservoir.reset();
    }
    fn state(&self) -> Vec<f64> {
        self.reservoir.state().to_vec()
    }
    fn set_state(&mut self, state: &Vec<f64>) -> Result<()> {
        self.reservoir.set_state(state)
    }
}

/// Saving keeps the matrices, the current state and the readout; [`Persist::load`] gives back a
/// network whose predictions are identical, bit for bit, and whose noise streams go on where
/// they were.
impl Persist for Esn {
    const KIND: &'static str = "esn";

    /// The network as a model-file part (kind `esn`): the reservoir's tensors under
    /// `reservoir.`, the readout's under `readout.`.
    fn to_part(&self) -> Result<ModelFile> {
        let mut file = ModelFile::empty(Self::KIND);
        let (_, reservoir) = file.embed("reservoir.", self.reservoir.to_part()?);
        let mut readout = ModelFile::empty(Ridge::KIND);
        self.readout.save_tensors(&mut readout);
        file.embed("readout.", readout);
        file.set_config(&SavedEsn {
            reservoir,
            outputs: self.outputs,
            input_to_readout: self.input_to_readout,
            readout: *self.readout.params(),
            fitted: self.readout.is_fitted(),
        })?;
        Ok(file)
    }

    /// Rebuilds a network from a part, checking kinds, shapes and values.
    fn from_part(file: &ModelFile) -> Result<Self> {
        crate::traits::check_kind(file, Self::KIND)?;
        if file.config.get("reservoir").is_none() {
            return Self::from_inlined(file);
        }
        let c: SavedEsn = file.config_as()?;
        if c.outputs == 0 {
            return Err(bad("absurd sizes: 0 outputs".into()));
        }
        let reservoir =
            Reservoir::from_part(&file.part("reservoir.", Reservoir::KIND, c.reservoir))?;
        let features = reservoir.units()
            + if c.input_to_readout {
                reservoir.input_dim()
            } else {
                0
            };
        let readout = Ridge::load_tensors(
            &file.part("readout.", Ridge::KIND, Value::Null),
            features,
            c.outputs,
            c.readout,
            c.fitted,
        )?;
        Esn::new(reservoir, readout, c.input_to_readout, c.outputs)
    }
}

impl Esn {
    /// Reads the configuration layout written before the reservoir part was embedded.
    fn from_inlined(file: &ModelFile) -> Result<Self> {
        let c: SavedConfig = file.config_as()?;
        if c.outputs == 0 {
            return Err(bad("absurd sizes: 0 outputs".into()));
        }
        let saved = SavedReservoir {
            units: c.units,
            inputs: c.inputs,
            activation: c.activation,
            leak_rate: c.leak_rate,
            noise_in: c.noise_in,
            noise_rc: c.noise_rc,
            noise_seed: c.noise_seed,
            noise_position: c.noise_position,
        };
        let reservoir =
            Reservoir::from_saved(&saved, &file.part("reservoir.", "reservoir", Value::Null))?;
        let features = c.units + if c.input_to_readout { c.inputs } else { 0 };
        let readout = Ridge::load_tensors(
            &file.part("readout.", "ridge", Value::Null),
            features,
            c.outputs,
            c.readout,
            c.fitted,
        )?;
        Esn::new(reservoir, readout, c.input_to_readout, c.outputs)
    }
}

/// Steps per chunk when a long series runs: the states held at once.
const RUN_CHUNK: usize = 4096;

/// States that overflowed are named as such, with their step in the series.
fn check_states(states: MatRef<'_, f64>, first_row: usize) -> Result<()> {
    crate::series::check_finite("reservoir states", states).map_err(|e| match e {
        Error::NonFinite {
            row, col, value, ..
        } => Error::NonFinite {
            what: "reservoir states, which overflowed (an unstable reservoir: lower \
                   spectral_radius or input_scaling, or use a bounded activation)"
                .into(),
            row: first_row + row,
            col,
            value,
        },
        e => e,
    })
}

fn not_fitted() -> Error {
    Error::NotFitted {
        what: "echo state network".into(),
    }
}

fn bad(reason: String) -> Error {
    Error::Data {
        source_name: "model file".into(),
        reason,
    }
}
