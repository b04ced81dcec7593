//! Running a model graph through time: whole series node by node where no cycle forbids it,
//! step by step otherwise; teacher-forced offline fitting, online learning, generation.

use super::edge::Edge;
use crate::error::{Error, Result};
use crate::model::node::Slot;
use crate::readout::RidgeStats;
use crate::series::{check_pairs, check_series, views, AsSeries};
use crate::traits::{Fit, PartialFit, Run, Stateful, Step, Targets};
use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

/// Rows the whole-series passes run at a time. Results do not depend on it: states continue
/// from chunk to chunk, and ridge statistics are formed in fixed blocks however rows arrive.
const CHUNK: usize = 4096;

/// Named outputs of a model, in the order of its output nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    /// `(name, series)` pairs.
    pub series: Vec<(String, Mat<f64>)>,
}

impl Outputs {
    /// The series of the output named `name`.
    pub fn get(&self, name: &str) -> Option<&Mat<f64>> {
        self.series.iter().find(|(n, _)| n == name).map(|(_, m)| m)
    }
}

/// What a pass does with the trained nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every node predicts.
    Run,
    /// Offline readouts record their features and emit their targets.
    Fit,
    /// Online readouts learn and emit their outputs.
    PartialFit,
    /// Every trained readout emits the teacher signal (generation warm-up).
    Teacher,
}

/// A snapshot of everything that evolves in time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Snapshot {
    states: Vec<Vec<f64>>,
    hist: Vec<Vec<f64>>,
    hist_pos: Vec<usize>,
    cur: Vec<Vec<f64>>,
}

/// A model: nodes wired by edges with delays (see the [module documentation](super)).
#[derive(Debug)]
pub struct Model {
    pub(super) names: Vec<String>,
    pub(super) slots: Vec<Slot>,
    pub(super) dims: Vec<usize>,
    pub(super) incoming: Vec<Vec<Edge>>,
    /// Topological order of the edges without delay (for stepping).
    pub(super) order: Vec<usize>,
    /// Topological order of all edges, if acyclic (whole-series running).
    pub(super) full_order: Option<Vec<usize>>,
    /// The same without edges out of offline readouts (whole-series fitting).
    pub(super) fit_order: Option<Vec<usize>>,
    pub(super) inputs: Vec<usize>,
    pub(super) outputs: Vec<usize>,
    pub(super) trained: Vec<usize>,
    pub(super) max_delay: Vec<usize>,
    /// Per node, its last `max_delay` outputs (a ring; `hist_pos` is the most recent slot).
    pub(super) hist: Vec<Vec<f64>>,
    pub(super) hist_pos: Vec<usize>,
    /// Per node, its output at the current step.
    pub(super) cur: Vec<Vec<f64>>,
    /// Per node, its gathered input.
    pub(super) xbuf: Vec<Vec<f64>>,
}

impl Model {
    /// Columns of an input series (the input nodes' features).
    pub fn input_dim(&self) -> usize {
        self.inputs.iter().map(|&i| self.dims[i]).sum()
    }
    /// Columns of a target series (the trained readouts' outputs).
    pub fn target_dim(&self) -> usize {
        self.trained.iter().map(|&i| self.dims[i]).sum()
    }
    /// Names of the trained readouts, in the order their columns appear in a target series.
    pub fn trained_names(&self) -> Vec<&str> {
        self.trained
            .iter()
            .map(|&i| self.names[i].as_str())
            .collect()
    }
    /// Names of the output nodes, in order.
    pub fn output_names(&self) -> Vec<&str> {
        self.outputs
            .iter()
            .map(|&i| self.names[i].as_str())
            .collect()
    }
    fn index(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| Error::UnknownNode { name: name.into() })
    }
    /// The trained weights (`F x M`) and bias of the readout named `name`.
    pub fn weights(&self, name: &str) -> Result<Option<(Mat<f64>, Vec<f64>)>> {
        let i = self.index(name)?;
        Ok(self.slots[i].weights())
    }
    /// Changes the ridge of the ridge readout named `name` and solves it again from the
    /// statistics of the last [`Fit::fit`], without running the model again.
    pub fn set_ridge(&mut self, name: &str, ridge: f64) -> Result<()> {
        let i = self.index(name)?;
        let node: Option<&mut dyn std::any::Any> = match &mut self.slots[i] {
            Slot::Offline(n) => Some(n.as_mut()),
            _ => None,
        };
        match node.and_then(|n| n.downcast_mut::<crate::model::RidgeNode>()) {
            Some(r) => r.set_ridge(ridge),
            None => Err(Error::Wiring {
                node: name.into(),
                problem: "is not a ridge readout",
            }),
        }
    }
    /// The state of the node named `name`.
    pub fn node_state(&self, name: &str) -> Result<Vec<f64>> {
        let i = self.index(name)?;
        Ok(self.slots[i].node().map_or_else(Vec::new, |n| n.state()))
    }
    /// Sets the state of the node named `name`.
    pub fn set_node_state(&mut self, name: &str, state: &[f64]) -> Result<()> {
        let i = self.index(name)?;
        match self.slots[i].node_mut() {
            Some(node) => node.set_state(state),
            None => Err(Error::Wiring {
                node: name.into(),
                problem: "is an input and has no state",
            }),
        }
    }

    /// Back to the initial state: every node reset, every delayed edge zero.
    fn reset_all(&mut self) {
        for slot in &mut self.slots {
            if let Some(node) = slot.node_mut() {
                node.reset();
            }
        }
        for h in &mut self.hist {
            h.iter_mut().for_each(|v| *v = 0.0);
        }
        self.hist_pos.iter_mut().for_each(|p| *p = 0);
        for c in &mut self.cur {
            c.iter_mut().for_each(|v| *v = 0.0);
        }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            states: self
                .slots
                .iter()
                .map(|s| s.node().map_or_else(Vec::new, |n| n.state()))
                .collect(),
            hist: self.hist.clone(),
            hist_pos: self.hist_pos.clone(),
            cur: self.cur.clone(),
        }
    }

    fn restore(&mut self, s: &Snapshot) -> Result<()> {
        for (slot, state) in self.slots.iter_mut().zip(&s.states) {
            if let Some(node) = slot.node_mut() {
                node.set_state(state)?;
            }
        }
        self.hist.clone_from(&s.hist);
        self.hist_pos.clone_from(&s.hist_pos);
        self.cur.clone_from(&s.cur);
        Ok(())
    }

    /// `y_i(t - k)` for `k >= 1` from node `i`'s ring.
    fn delayed(&self, i: usize, k: usize) -> &[f64] {
        let d = self.max_delay[i];
        let slot = (self.hist_pos[i] + d - (k - 1)) % d;
        let m = self.dims[i];
        &self.hist[i][slot * m..(slot + 1) * m]
    }

    fn push_history(&mut self, i: usize, y: &[f64]) {
        let d = self.max_delay[i];
        if d == 0 {
            return;
        }
        let m = self.dims[i];
        self.hist_pos[i] = (self.hist_pos[i] + 1) % d;
        let slot = self.hist_pos[i];
        self.hist[i][slot * m..(slot + 1) * m].copy_from_slice(y);
    }

    /// Column offset of trained node `i` in a target row.
    fn target_offset(&self, i: usize) -> usize {
        self.trained
            .iter()
            .take_while(|&&j| j != i)
            .map(|&j| self.dims[j])
            .sum()
    }

    fn check_ready(&self) -> Result<()> {
        for (i, slot) in self.slots.iter().enumerate() {
            if !slot.is_ready() {
                return Err(Error::NotFitted {
                    what: format!("readout `{}`", self.names[i]),
                });
            }
        }
        Ok(())
    }

    /// One step. `u`: the input row; `target`: the target row (for `Fit`, `PartialFit`,
    /// `Teacher`); `features`: per offline node, where to record its input (for `Fit`).
    fn step_once(
        &mut self,
        u: &[f64],
        target: Option<&[f64]>,
        mode: Mode,
        features: &mut [Vec<f64>],
    ) -> Result<()> {
        let mut off = 0;
        for &i in &self.inputs {
            let d = self.dims[i];
            self.cur[i].copy_from_slice(&u[off..off + d]);
            off += d;
        }
        for oi in 0..self.order.len() {
            let i = self.order[oi];
            if matches!(self.slots[i], Slot::Input) {
                continue;
            }
            // gather the input
            let mut x = std::mem::take(&mut self.xbuf[i]);
            let mut at = 0;
            for e in &self.incoming[i] {
                let src = if e.delay == 0 {
                    &self.cur[e.from.0][..]
                } else {
                    self.delayed(e.from.0, e.delay)
                };
                x[at..at + src.len()].copy_from_slice(src);
                at += src.len();
            }
            // the target columns of this node (no allocation: a slice of the caller's row)
            let teacher = match target {
                Some(t) if self.slots[i].is_trained() => {
                    let o = self.target_offset(i);
                    Some(&t[o..o + self.dims[i]])
                }
                _ => None,
            };
            let out = &mut self.cur[i];
            let result = match (&mut self.slots[i], mode, teacher) {
                (Slot::Offline(_), Mode::Fit, Some(t)) => {
                    features[i].extend_from_slice(&x);
                    out.copy_from_slice(t);
                    Ok(())
                }
                (Slot::Offline(_) | Slot::Online(_), Mode::Teacher, Some(t)) => {
                    out.copy_from_slice(t);
                    Ok(())
                }
                (Slot::Online(node), Mode::PartialFit, Some(t)) => node.train_step(&x, t, out),
                (slot, _, _) => match slot.node_mut() {
                    Some(node) => node.step(&x, out),
                    None => unreachable!("inputs are skipped above"),
                },
            };
            self.xbuf[i] = x;
            result.map_err(|e| self.in_node(i, e))?;
        }
        for i in 0..self.slots.len() {
            if self.max_delay[i] > 0 {
                let y = std::mem::take(&mut self.cur[i]);
                self.push_history(i, &y);
                self.cur[i] = y;
            }
        }
        Ok(())
    }

    /// Names the node an error came from.
    pub(super) fn in_node(&self, i: usize, e: Error) -> Error {
        match e {
            e @ Error::InNode { .. } => e,
            e => Error::InNode {
                node: self.names[i].clone(),
                source: Box::new(e),
            },
        }
    }

    /// Runs a whole series node by node in `order` (no cycle among the edges it follows),
    /// [`CHUNK`] rows at a time: every node runs over a chunk before the next chunk starts, the
    /// delayed edges carry the last outputs across, and offline readouts get each chunk's
    /// features as it comes, so memory does not grow with the series. Returns the series of
    /// the nodes in `keep` (the others are empty).
    fn pass_series(
        &mut self,
        order: &[usize],
        u: MatRef<'_, f64>,
        target: Option<MatRef<'_, f64>>,
        mode: Mode,
        warmup: usize,
        keep: &[usize],
    ) -> Result<Vec<Mat<f64>>> {
        let t_len = u.nrows();
        let mut kept = self.kept_series(t_len, keep);
        for start in (0..t_len).step_by(CHUNK) {
            let len = CHUNK.min(t_len - start);
            let skip = warmup.saturating_sub(start).min(len);
            let target = target.map(|t| t.subrows(start, len));
            let out = self.pass_chunk(order, u.subrows(start, len), target, mode, skip)?;
            for &i in keep {
                kept[i].as_mut().subrows_mut(start, len).copy_from(&out[i]);
            }
        }
        Ok(kept)
    }

    /// Zero series of `t_len` rows for the nodes in `keep`, empty ones for the others.
    fn kept_series(&self, t_len: usize, keep: &[usize]) -> Vec<Mat<f64>> {
        (0..self.slots.len())
            .map(|i| {
                if keep.contains(&i) {
                    Mat::zeros(t_len, self.dims[i])
                } else {
                    Mat::zeros(0, 0)
                }
            })
            .collect()
    }

    /// One chunk of [`Model::pass_series`]: every node's output over the chunk. Offline
    /// readouts skip the first `skip` rows when fitting.
    fn pass_chunk(
        &mut self,
        order: &[usize],
        u: MatRef<'_, f64>,
        target: Option<MatRef<'_, f64>>,
        mode: Mode,
        skip: usize,
    ) -> Result<Vec<Mat<f64>>> {
        let t_len = u.nrows();
        let n = self.slots.len();
        let mut out: Vec<Mat<f64>> = (0..n).map(|_| Mat::zeros(0, 0)).collect();
        let mut off = 0;
        for &i in &self.inputs {
            let d = self.dims[i];
            out[i] = u.subcols(off, d).to_owned();
            off += d;
        }
        if mode == Mode::Fit {
            // teacher forcing: offline readouts emit their targets, known in advance
            let tgt = target.expect("targets when fitting");
            for &i in &self.trained {
                if matches!(self.slots[i], Slot::Offline(_)) {
                    let o = self.target_offset(i);
                    out[i] = tgt.subcols(o, self.dims[i]).to_owned();
                }
            }
        }
        for &i in order {
            if matches!(self.slots[i], Slot::Input) {
                continue;
            }
            // one undelayed edge: the source's series as it is; otherwise gathered
            let gathered = match &self.incoming[i][..] {
                [e] if e.delay == 0 => None,
                _ => Some(self.gather(i, &out, t_len)),
            };
            let x = match &gathered {
                Some(x) => x.as_ref(),
                None => out[self.incoming[i][0].from.0].as_ref(),
            };
            let y = match (&mut self.slots[i], mode) {
                (Slot::Offline(node), Mode::Fit) => {
                    if skip < t_len {
                        let r = node.accumulate(x, out[i].as_ref(), skip);
                        r.map_err(|e| self.in_node(i, e))?;
                    }
                    None
                }
                (slot, _) => {
                    let node = slot.node_mut().expect("inputs are skipped above");
                    let y = node.run(x);
                    Some(y.map_err(|e| self.in_node(i, e))?)
                }
            };
            if let Some(y) = y {
                out[i] = y;
            }
        }
        // the delayed edges and current outputs continue from the end of the chunk
        for i in 0..n {
            let d = self.max_delay[i];
            let first = t_len.saturating_sub(d);
            for t in first..t_len {
                let row: Vec<f64> = out[i].row(t).iter().copied().collect();
                self.push_history(i, &row);
            }
            if t_len > 0 {
                let last: Vec<f64> = out[i].row(t_len - 1).iter().copied().collect();
                self.cur[i].copy_from_slice(&last);
            }
        }
        Ok(out)
    }

    /// The input of node `i` over a chunk: its incoming edges' series side by side, delayed
    /// edges reaching back into the history before the chunk.
    fn gather(&self, i: usize, out: &[Mat<f64>], t_len: usize) -> Mat<f64> {
        let mut x = Mat::zeros(t_len, self.xbuf[i].len());
        let mut at = 0;
        for e in &self.incoming[i] {
            let (a, k, d) = (e.from.0, e.delay, self.dims[e.from.0]);
            for t in 0..t_len {
                if t >= k {
                    for j in 0..d {
                        x[(t, at + j)] = out[a][(t - k, j)];
                    }
                } else {
                    let past = self.delayed(a, k - t);
                    for j in 0..d {
                        x[(t, at + j)] = past[j];
                    }
                }
            }
            at += d;
        }
        x
    }

    /// Steps over a whole series; returns the series of the nodes in `keep` (the others are
    /// empty). When fitting, offline readouts get their features every [`CHUNK`] steps.
    fn pass_steps(
        &mut self,
        u: MatRef<'_, f64>,
        target: Option<MatRef<'_, f64>>,
        mode: Mode,
        warmup: usize,
        keep: &[usize],
    ) -> Result<Vec<Mat<f64>>> {
        let t_len = u.nrows();
        let n = self.slots.len();
        let mut out = self.kept_series(t_len, keep);
        let mut features: Vec<Vec<f64>> = vec![Vec::new(); n];
        let mut ur = vec![0.0; u.ncols()];
        let mut tr = vec![0.0; target.map_or(0, |t| t.ncols())];
        let mut recorded_from = 0;
        for t in 0..t_len {
            ur.iter_mut().enumerate().for_each(|(j, v)| *v = u[(t, j)]);
            if let Some(tg) = target {
                tr.iter_mut().enumerate().for_each(|(j, v)| *v = tg[(t, j)]);
            }
            self.step_once(&ur, target.map(|_| &tr[..]), mode, &mut features)?;
            for &i in keep {
                for (j, v) in self.cur[i].iter().enumerate() {
                    out[i][(t, j)] = *v;
                }
            }
            if mode == Mode::Fit && (t + 1 - recorded_from == CHUNK || t + 1 == t_len) {
                let tg = target.expect("targets when fitting");
                let rows = t + 1 - recorded_from;
                self.accumulate_recorded(&mut features, tg.subrows(recorded_from, rows), {
                    warmup.saturating_sub(recorded_from).min(rows)
                })?;
                recorded_from = t + 1;
            }
        }
        Ok(out)
    }

    /// Hands the features recorded while stepping (and the matching target rows) to the
    /// offline readouts, skipping the first `skip` rows, and clears them.
    fn accumulate_recorded(
        &mut self,
        features: &mut [Vec<f64>],
        target: MatRef<'_, f64>,
        skip: usize,
    ) -> Result<()> {
        let rows = target.nrows();
        for k in 0..self.trained.len() {
            let i = self.trained[k];
            let f = self.xbuf[i].len();
            let o = self.target_offset(i);
            let y = target.subcols(o, self.dims[i]);
            let Slot::Offline(node) = &mut self.slots[i] else {
                continue;
            };
            if skip < rows {
                let x = MatRef::from_row_major_slice(&features[i], rows, f);
                let r = node.accumulate(x, y, skip);
                r.map_err(|e| self.in_node(i, e))?;
            }
            features[i].clear();
        }
        Ok(())
    }

    fn collect_outputs(&self, all: Vec<Mat<f64>>) -> Outputs {
        let mut all: Vec<Option<Mat<f64>>> = all.into_iter().map(Some).collect();
        Outputs {
            series: self
                .outputs
                .iter()
                .map(|&i| {
                    (
                        self.names[i].clone(),
                        all[i].take().unwrap_or_else(|| Mat::zeros(0, 0)),
                    )
                })
                .collect(),
        }
    }

    /// Closed-loop generation for a model whose trained readouts feed back and which has no
    /// input nodes: for each row of `warm` (the teacher: columns of a target series) the
    /// readouts emit the teacher while the rest of the model steps; then the model runs free
    /// for `n` steps and those outputs are returned.
    pub fn generate(&mut self, n: usize, warm: impl AsSeries) -> Result<Outputs> {
        if !self.inputs.is_empty() {
            return Err(Error::Unsupported {
                operation: "generate",
                reason: "the model has input nodes (generation needs readouts that feed back \
                         instead)"
                    .into(),
            });
        }
        let warm = warm.as_series();
        check_series("warm-up teacher series", warm, Some(self.target_dim()))?;
        self.check_ready()?;
        let none = Mat::<f64>::zeros(warm.nrows(), 0);
        self.pass_steps(none.as_ref(), Some(warm), Mode::Teacher, 0, &[])?;
        let free = Mat::<f64>::zeros(n, 0);
        let keep = self.outputs.clone();
        let all = self.pass_steps(free.as_ref(), None, Mode::Run, 0, &keep)?;
        Ok(self.collect_outputs(all))
    }
}

impl Run for Model {
    type Output = Outputs;

    /// Runs the model over an input series (columns: the input nodes' features) from the
    /// current state; returns the output nodes' series.
    fn run(&mut self, x: impl AsSeries) -> Result<Outputs> {
        let x = x.as_series();
        check_input(x, self.input_dim())?;
        self.check_ready()?;
        let keep = self.outputs.clone();
        let all = match self.full_order.clone() {
            Some(order) => self.pass_series(&order, x, None, Mode::Run, 0, &keep)?,
            None => self.pass_steps(x, None, Mode::Run, 0, &keep)?,
        };
        Ok(self.collect_outputs(all))
    }

    /// Runs several series, each from the current state, which is left unchanged; returns
    /// their outputs in order.
    fn run_many<S: AsSeries + Sync>(&mut self, inputs: &[S]) -> Result<Vec<Outputs>> {
        let start = self.snapshot();
        let mut all = Vec::with_capacity(inputs.len());
        for x in inputs {
            self.restore(&start)?;
            match self.run(x.as_series()) {
                Ok(o) => all.push(o),
                Err(e) => {
                    self.restore(&start)?;
                    return Err(e);
                }
            }
        }
        self.restore(&start)?;
        Ok(all)
    }
}

impl Model {
    /// Runs the fit's passes over paired series (every series from the current state, as
    /// [`Fit::fit`]) and leaves each offline readout's accumulated rows in it, unsolved.
    fn accumulate_pairs<'y, S: AsSeries + Sync>(
        &mut self,
        inputs: &[S],
        targets: Targets<'y>,
        warmup: usize,
    ) -> Result<()> {
        let xs = views(inputs);
        let ys = targets.series("a model graph")?.to_vec();
        check_pairs(&xs, &ys, None, Some(self.target_dim()))?;
        if !self.slots.iter().any(|s| matches!(s, Slot::Offline(_))) {
            return Err(Error::Unsupported {
                operation: "fit",
                reason: "the model has no offline readout (online readouts learn with \
                         partial_fit)"
                    .into(),
            });
        }
        for (k, (x, y)) in xs.iter().zip(&ys).enumerate() {
            check_input(*x, self.input_dim())?;
            if x.nrows() != y.nrows() {
                return Err(Error::shape(
                    format!("target series {k}"),
                    format!("{} rows", x.nrows()),
                    format!("{} rows", y.nrows()),
                ));
            }
            if warmup >= x.nrows() {
                return Err(Error::WarmupTooLong {
                    warmup,
                    len: x.nrows(),
                    series: k,
                });
            }
        }
        let start = self.snapshot();
        let order = self.fit_order.clone();
        for (k, (x, y)) in xs.iter().zip(&ys).enumerate() {
            if k > 0 {
                self.restore(&start)?;
            }
            match &order {
                Some(order) => self.pass_series(order, *x, Some(*y), Mode::Fit, warmup, &[])?,
                None => self.pass_steps(*x, Some(*y), Mode::Fit, warmup, &[])?,
            };
        }
        Ok(())
    }

    /// The statistics of every offline readout over paired series, harvested as [`Fit::fit`]
    /// harvests them (every series from the current state; the model is left in the last
    /// state of the last series), by readout name, without solving. Statistics of several
    /// batches [merge](RidgeStats::merge) exactly (start each batch from the same state);
    /// [`Model::fit_statistics`] solves them.
    ///
    /// ```
    /// use aquifer::model::Model;
    /// use aquifer::prelude::*;
    /// let series = datasets::mackey_glass(&MackeyGlass::default(), 600)?;
    /// let (x, y) = datasets::forecasting(&series, 1)?;
    /// let mut b = Model::builder();
    /// let u = b.input("u", 1);
    /// let r = b.node("r", Reservoir::builder().units(30).seed(1).build(1)?);
    /// let out = b.ridge("y", RidgeParams::default(), 1);
    /// b.chain(&[u, r, out]);
    /// let mut model = b.build()?;
    /// let start = model.state();
    /// let mut stats = model.statistics(&[x.subrows(0, 300)], &[y.subrows(0, 300)], 20)?;
    /// model.set_state(&start)?;
    /// let more = model.statistics(&[x.subrows(300, 299)], &[y.subrows(300, 299)], 20)?;
    /// stats[0].1.merge(&more[0].1)?;
    /// model.fit_statistics(&stats)?;
    /// assert_eq!(stats[0].0, "y");
    /// # Ok::<(), aquifer::Error>(())
    /// ```
    pub fn statistics<'y, S: AsSeries + Sync>(
        &mut self,
        inputs: &[S],
        targets: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<Vec<(String, RidgeStats)>> {
        self.accumulate_pairs(inputs, targets.into(), warmup)?;
        let mut out = Vec::new();
        for i in 0..self.slots.len() {
            if let Slot::Offline(node) = &mut self.slots[i] {
                let stats = node.take_statistics().map_err(|e| self.in_node(i, e))?;
                out.push((self.names[i].clone(), stats));
            }
        }
        Ok(out)
    }

    /// Solves every offline readout from statistics made by [`Model::statistics`] (one per
    /// readout, by name); the state is unchanged.
    pub fn fit_statistics(&mut self, stats: &[(String, RidgeStats)]) -> Result<()> {
        let readouts: Vec<usize> = (0..self.slots.len())
            .filter(|&i| matches!(self.slots[i], Slot::Offline(_)))
            .collect();
        if readouts.len() != stats.len() {
            return Err(Error::shape(
                "readout statistics",
                format!("{} (one per offline readout)", readouts.len()),
                format!("{}", stats.len()),
            ));
        }
        for i in readouts {
            let name = &self.names[i];
            let s = stats
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.clone())
                .ok_or_else(|| Error::Empty {
                    what: format!("statistics of readout `{name}`"),
                })?;
            if let Slot::Offline(node) = &mut self.slots[i] {
                node.solve_statistics(s).map_err(|e| self.in_node(i, e))?;
            }
        }
        Ok(())
    }
}

impl Fit for Model {
    /// Fits every ridge readout on paired input and target series (see the
    /// [module documentation](self) for teacher forcing and state).
    fn fit<'y, S: AsSeries + Sync>(
        &mut self,
        inputs: &[S],
        targets: impl Into<Targets<'y>>,
        warmup: usize,
    ) -> Result<()> {
        self.accumulate_pairs(inputs, targets.into(), warmup)?;
        for i in 0..self.slots.len() {
            if let Slot::Offline(node) = &mut self.slots[i] {
                node.solve().map_err(|e| self.in_node(i, e))?;
            }
        }
        Ok(())
    }
}

impl PartialFit for Model {
    type Output = Outputs;

    /// Steps the model over a series pair and updates every online readout at each step;
    /// returns the outputs produced while learning.
    fn partial_fit(&mut self, x: impl AsSeries, y: impl AsSeries) -> Result<Outputs> {
        let (x, y) = (x.as_series(), y.as_series());
        check_input(x, self.input_dim())?;
        check_series("target series", y, Some(self.target_dim()))?;
        if x.nrows() != y.nrows() {
            return Err(Error::shape(
                "target series",
                format!("{} rows", x.nrows()),
                format!("{} rows", y.nrows()),
            ));
        }
        if let Some(&i) = self
            .trained
            .iter()
            .find(|&&i| matches!(&self.slots[i], Slot::Offline(n) if !n.is_fitted()))
        {
            return Err(Error::Unsupported {
                operation: "partial_fit",
                reason: format!(
                    "readout `{}` learns with fit, not partial_fit (which trains the online \
                     readouts)",
                    self.names[i]
                ),
            });
        }
        let keep = self.outputs.clone();
        let all = self.pass_steps(x, Some(y), Mode::PartialFit, 0, &keep)?;
        Ok(self.collect_outputs(all))
    }
}

impl Step for Model {
    /// One step: `x` holds the input nodes' features, `out` receives the output nodes'
    /// values side by side, in the order of [`Model::output_names`].
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        let width: usize = self.outputs.iter().map(|&i| self.dims[i]).sum();
        if x.len() != self.input_dim() || out.len() != width {
            return Err(Error::shape(
                "model step",
                format!("{} inputs -> {width} outputs", self.input_dim()),
                format!("{} inputs -> {} outputs", x.len(), out.len()),
            ));
        }
        crate::series::check_finite_slice("model input row", x)?;
        self.check_ready()?;
        self.step_once(x, None, Mode::Run, &mut [])?;
        let mut at = 0;
        for &i in &self.outputs {
            out[at..at + self.dims[i]].copy_from_slice(&self.cur[i]);
            at += self.dims[i];
        }
        Ok(())
    }
}

/// Everything in a [`Model`] that evolves in time: every node's state and every delayed
/// edge's values.
///
/// It serializes with serde (in any format), so that a state can travel to another process
/// holding the same model, which takes it with [`Stateful::set_state`] after checking that it
/// fits its graph:
///
/// ```
/// use aquifer::model::Model;
/// use aquifer::prelude::*;
/// let build = || -> aquifer::Result<Model> {
///     let mut b = Model::builder();
///     let u = b.input("u", 1);
///     let r = b.node("r", Reservoir::builder().units(20).seed(3).build(1)?);
///     b.connect_delayed(u, r, 2);
///     b.build()
/// };
/// let mut here = build()?;
/// here.run(&datasets::mackey_glass(&MackeyGlass::default(), 50)?)?;
/// let wire = serde_json::to_vec(&here.state()).unwrap();
/// let mut there = build()?;
/// there.set_state(&serde_json::from_slice(&wire).unwrap())?;
/// assert_eq!(there.state(), here.state());
/// # Ok::<(), aquifer::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ModelState(Snapshot);

impl Stateful for Model {
    type State = ModelState;
    /// Back to the initial state: every node reset, every delayed edge zero.
    fn reset(&mut self) {
        self.reset_all()
    }
    fn state(&self) -> ModelState {
        ModelState(self.snapshot())
    }
    fn set_state(&mut self, state: &ModelState) -> Result<()> {
        let s = &state.0;
        let same = s.states.len() == self.slots.len()
            && s.hist
                .iter()
                .zip(&self.hist)
                .all(|(a, b)| a.len() == b.len())
            && s.hist_pos.len() == self.slots.len()
            && s.hist_pos
                .iter()
                .zip(&self.max_delay)
                .all(|(&p, &d)| p < d.max(1))
            && s.cur.len() == self.cur.len()
            && s.cur.iter().zip(&self.cur).all(|(a, b)| a.len() == b.len());
        if !same {
            return Err(Error::shape(
                "model state",
                "the state of a model with this graph",
                "the state of another model",
            ));
        }
        for v in s.hist.iter().chain(&s.cur) {
            crate::series::check_finite_slice("model state", v)?;
        }
        let start = self.snapshot();
        self.restore(s).inspect_err(|_| {
            // a node refused its state: leave the model as it was
            let _ = self.restore(&start);
        })
    }
}

fn check_input(x: MatRef<'_, f64>, dim: usize) -> Result<()> {
    if x.ncols() != dim {
        return Err(Error::shape(
            "model input series",
            format!("{dim} columns"),
            format!("{} columns", x.ncols()),
        ));
    }
    crate::series::check_finite("model input series", x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::Reservoir;
    use crate::readout::RidgeParams;

    #[test]
    fn whole_series_and_stepping_agree() {
        // u -> r1 -> r2, u -(2)-> r2, r1 -(1)-> readout, r2 -> readout: acyclic with delays
        let build = || {
            let mut b = Model::builder();
            let u = b.input("u", 1);
            let r1 = Reservoir::builder().units(30).seed(1).build(1).unwrap();
            let r2 = Reservoir::builder().units(20).seed(2).build(31).unwrap();
            let (r1, r2) = (b.node("r1", r1), b.node("r2", r2));
            let out = b.ridge("readout", RidgeParams::default(), 1);
            b.connect(u, r1)
                .connect(r1, r2)
                .connect_delayed(u, r2, 2)
                .connect_delayed(r1, out, 1)
                .connect(r2, out);
            b.build().unwrap()
        };
        let x = Mat::from_fn(300, 1, |t, _| (t as f64 * 0.2).sin());
        let y = Mat::from_fn(300, 1, |t, _| (t as f64 * 0.2 + 0.2).sin());
        let mut a = build();
        let mut b = build();
        let order = a.fit_order.clone().expect("acyclic");
        a.pass_series(&order, x.as_ref(), Some(y.as_ref()), Mode::Fit, 10, &[])
            .unwrap();
        b.pass_steps(x.as_ref(), Some(y.as_ref()), Mode::Fit, 10, &[])
            .unwrap();
        for m in [&mut a, &mut b] {
            if let Slot::Offline(node) = &mut m.slots[3] {
                node.solve().unwrap();
            }
        }
        assert_eq!(a.weights("readout").unwrap(), b.weights("readout").unwrap());
        assert_eq!(a.hist, b.hist);
        assert_eq!(a.cur, b.cur);
        let order = a.full_order.clone().expect("acyclic");
        let sa = a
            .pass_series(&order, x.as_ref(), None, Mode::Run, 0, &[1, 2, 3])
            .unwrap();
        let sb = b
            .pass_steps(x.as_ref(), None, Mode::Run, 0, &[1, 2, 3])
            .unwrap();
        // reservoir states: the same bits; the readout: a matrix product against dot products
        assert_eq!(sa[1..3], sb[1..3]);
        let diff = (&sa[3] - &sb[3]).norm_max();
        assert!(
            diff <= 1e-12 * sb[3].norm_max(),
            "readout differs by {diff}"
        );
    }
}
