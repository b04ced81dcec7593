//! Chaotic systems predicted in closed loop: the valid prediction time of an ESN on Lorenz-63,
//! Lorenz-96 and Kuramoto-Sivashinsky, in Lyapunov times.

use super::{timed, Row, Size, SEEDS};
use crate::error::Result;
use crate::plot::{Line, Panel, Stroke, PALETTE};
use aquifer::datasets::lyapunov::{largest_lyapunov_exponent, System, LORENZ63};
use aquifer::datasets::{self, KuramotoSivashinsky, Lorenz, Lorenz96};
use aquifer::faer::Mat;
use aquifer::metrics;
use aquifer::model::Esn;
use aquifer::prelude::*;
use aquifer::scaler::StandardScaler;

/// An ESN predicting a system's next state from its present one, then generating alone.
#[derive(Debug, Clone, Copy)]
pub(super) struct ClosedLoop {
    /// Reservoir units.
    pub units: usize,
    /// Spectral radius.
    pub sr: f64,
    /// Leak rate.
    pub leak: f64,
    /// Input scaling.
    pub input_scaling: f64,
    /// Recurrent connectivity.
    pub connectivity: f64,
    /// Bias scaling (uniform bias in `[-b, b]`).
    pub bias: f64,
    /// Ridge.
    pub ridge: f64,
    /// Training steps (after `warmup`).
    pub train: usize,
    /// Teacher-forced steps before each trial's closed loop (and before training).
    pub warmup: usize,
    /// Closed-loop trials, spread along the test part of the trajectory.
    pub trials: usize,
    /// Steps generated per trial (longer than the valid time).
    pub horizon: usize,
}

impl ClosedLoop {
    /// Rows of trajectory this setup consumes.
    pub fn rows(&self) -> usize {
        self.warmup + self.train + 1 + self.trials * (self.warmup + self.horizon)
    }

    /// An unfitted ESN of this setup for `inputs` inputs and `outputs` outputs.
    fn esn(&self, inputs: usize, outputs: usize, seed: u64) -> Result<Esn> {
        Ok(Esn::builder()
            .units(self.units)
            .spectral_radius(self.sr)
            .leak_rate(self.leak)
            .input_scaling(self.input_scaling)
            .input_connectivity(1.0)
            .rc_connectivity(self.connectivity)
            .bias(aquifer::nodes::BiasInit::Random {
                values: aquifer::init::Values::Uniform {
                    low: -1.0,
                    high: 1.0,
                },
                connectivity: 1.0,
                scaling: self.bias,
            })
            .ridge(self.ridge)
            .seed(seed)
            .build(inputs, outputs)?)
    }

    /// Row of the standardised trajectory where trial `k`'s closed loop starts, after its
    /// teacher-forced warm-up.
    fn trial_start(&self, k: usize) -> usize {
        self.warmup + self.train + 1 + k * (self.warmup + self.horizon) + self.warmup
    }

    /// The standardised trajectory and every trial's closed loop (`horizon x D` each), for
    /// one reservoir seed. `series` is the trajectory (`rows() x D`).
    pub fn forecasts(&self, series: &Mat<f64>, seed: u64) -> Result<(Mat<f64>, Vec<Mat<f64>>)> {
        let d = series.ncols();
        let z = StandardScaler::fit(&[series.as_ref()])?.transform(series)?;
        let mut e = self.esn(d, d, seed)?;
        let n = self.warmup + self.train;
        e.fit(&[z.subrows(0, n)], &[z.subrows(1, n)], self.warmup)?;
        let mut out = Vec::with_capacity(self.trials);
        for k in 0..self.trials {
            e.reset();
            let warm = z.subrows(self.trial_start(k) - self.warmup, self.warmup);
            out.push(e.generate(self.horizon, warm)?);
        }
        Ok((z, out))
    }
}

/// Valid prediction time (steps, error threshold 0.4 of the attractor's std per variable)
/// of every trial.
fn valid_steps(c: &ClosedLoop, z: &Mat<f64>, forecasts: &[Mat<f64>]) -> Result<Vec<usize>> {
    let ones = vec![1.0; z.ncols()];
    forecasts
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let truth = z.subrows(c.trial_start(k), c.horizon);
            Ok(metrics::valid_prediction_time_scaled(
                truth,
                g.as_ref(),
                0.4,
                &ones,
            )?)
        })
        .collect()
}

/// Parallel local reservoirs (Pathak et al. 2018) for a system on a ring of `D` variables:
/// reservoir `i` sees the variables of its group (`group` of them) and `overlap` neighbours on
/// each side, and predicts its group's next values; in closed loop, each step's predictions of
/// every group make the next step's inputs. `D` must be a multiple of `group`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Parallel {
    /// The reservoirs' shared setup (`trials`, `horizon`, `warmup`, `train` as for one).
    pub each: ClosedLoop,
    /// Variables per group.
    pub group: usize,
    /// Neighbours seen on each side.
    pub overlap: usize,
}

impl Parallel {
    /// The input patch of group `i` at every row of `z` (`T x D`): columns `i g - l .. (i + 1) g
    /// + l`, wrapping around the ring.
    fn patch(&self, z: aquifer::faer::MatRef<'_, f64>, i: usize) -> Mat<f64> {
        let d = z.ncols();
        let width = self.group + 2 * self.overlap;
        Mat::from_fn(z.nrows(), width, |t, j| {
            z[(t, (i * self.group + d + j - self.overlap) % d)]
        })
    }

    /// The standardised trajectory and every trial's closed loop, reservoir `i` seeded
    /// `seed * 1000 + i`.
    pub fn forecasts(&self, series: &Mat<f64>, seed: u64) -> Result<(Mat<f64>, Vec<Mat<f64>>)> {
        let c = self.each;
        let d = series.ncols();
        if !d.is_multiple_of(self.group) {
            return Err(crate::error::Error::usage(format!(
                "{d} variables do not split into groups of {}",
                self.group
            )));
        }
        let groups = d / self.group;
        let z = StandardScaler::fit(&[series.as_ref()])?.transform(series)?;
        let n = c.warmup + c.train;
        let mut esns = Vec::with_capacity(groups);
        for i in 0..groups {
            let mut e = c.esn(
                self.group + 2 * self.overlap,
                self.group,
                seed * 1000 + i as u64,
            )?;
            let x = self.patch(z.subrows(0, n), i);
            let y = z
                .subrows(1, n)
                .subcols(i * self.group, self.group)
                .to_owned();
            e.fit(&[&x], &[&y], c.warmup)?;
            esns.push(e);
        }
        let mut out = Vec::with_capacity(c.trials);
        for k in 0..c.trials {
            let start = c.trial_start(k) - c.warmup;
            let mut now = Mat::zeros(1, d);
            // teacher-forced warm-up: the last predictions are the first generated row
            for (i, e) in esns.iter_mut().enumerate() {
                e.reset();
                let p = e.run(self.patch(z.subrows(start, c.warmup), i))?;
                now.as_mut()
                    .subcols_mut(i * self.group, self.group)
                    .copy_from(p.subrows(c.warmup - 1, 1));
            }
            let mut g = Mat::zeros(c.horizon, d);
            g.as_mut().subrows_mut(0, 1).copy_from(&now);
            for t in 1..c.horizon {
                let mut next = Mat::zeros(1, d);
                for (i, e) in esns.iter_mut().enumerate() {
                    let p = e.run(self.patch(now.as_ref(), i))?;
                    next.as_mut()
                        .subcols_mut(i * self.group, self.group)
                        .copy_from(&p);
                }
                g.as_mut().subrows_mut(t, 1).copy_from(&next);
                now = next;
            }
            out.push(g);
        }
        Ok((z, out))
    }
}

/// A row of valid times: the mean over the trials of each seed, in Lyapunov times.
fn vpt_row(
    id: &str,
    task: &str,
    setup: String,
    literature: &str,
    per_step: f64,
    mut valid: impl FnMut(u64) -> Result<Vec<usize>>,
) -> Result<Row> {
    timed(|| {
        let mut values = Vec::new();
        for seed in SEEDS {
            let steps = valid(seed)?;
            let mean = steps.iter().sum::<usize>() as f64 / steps.len() as f64;
            values.push(mean * per_step);
        }
        Ok(Row {
            id: id.into(),
            task: task.into(),
            setup,
            metric: "valid time (Lyapunov times)".into(),
            literature: literature.into(),
            values,
            higher_is_better: true,
            verdict: "reference figure".into(),
            seconds: 0.0,
        })
    })
}

/// The trajectory's second stretch of `len` rows (the first, after `skip`, chose the
/// hyperparameters).
fn test_stretch(series: Mat<f64>, len: usize) -> Mat<f64> {
    series.subrows(series.nrows() - len, len).to_owned()
}

/// One closed-loop task: how it predicts, its trajectory, the time between samples and the
/// largest Lyapunov exponent.
struct Setup {
    how: How,
    series: Mat<f64>,
    dt: f64,
    lambda: f64,
}

/// One reservoir or parallel local ones.
enum How {
    One(ClosedLoop),
    Parallel(Parallel),
}

impl Setup {
    fn each(&self) -> &ClosedLoop {
        match &self.how {
            How::One(c) => c,
            How::Parallel(p) => &p.each,
        }
    }
    fn forecasts(&self, seed: u64) -> Result<(Mat<f64>, Vec<Mat<f64>>)> {
        match &self.how {
            How::One(c) => c.forecasts(&self.series, seed),
            How::Parallel(p) => p.forecasts(&self.series, seed),
        }
    }
}

/// Lorenz-63 with one reservoir: h = 0.02.
fn lorenz63(size: Size) -> Result<Setup> {
    let full = size == Size::Full;
    let c = ClosedLoop {
        units: if full { 500 } else { 100 },
        sr: 1.0,
        leak: 1.0,
        input_scaling: 0.05,
        connectivity: 0.02,
        bias: 0.5,
        ridge: 1e-10,
        train: 10_000,
        warmup: 200,
        trials: if full { 10 } else { 4 },
        horizon: 1500,
    };
    let h = 0.02;
    let series = datasets::lorenz(
        &Lorenz {
            h,
            ..Default::default()
        },
        1000 + 2 * c.rows(),
    )?;
    Ok(Setup {
        series: test_stretch(series, c.rows()),
        how: How::One(c),
        dt: h,
        lambda: LORENZ63,
    })
}

/// Lorenz-96 (40 variables, F = 8) with 20 parallel reservoirs: h = 0.05.
fn lorenz96(size: Size) -> Result<Setup> {
    let full = size == Size::Full;
    let l96 = Lorenz96 {
        n: 40,
        h: 0.05,
        warmup: 2000,
        ..Default::default()
    };
    let p = Parallel {
        each: ClosedLoop {
            units: if full { 500 } else { 100 },
            sr: 0.5,
            leak: 1.0,
            input_scaling: 0.1,
            connectivity: 0.02,
            bias: 0.5,
            ridge: 1e-6,
            train: if full { 10_000 } else { 3000 },
            warmup: 200,
            trials: if full { 10 } else { 3 },
            horizon: 400,
        },
        group: 2,
        overlap: 2,
    };
    let lambda = largest_lyapunov_exponent(&System::Lorenz96(l96.clone()), 200.0)?;
    let series = test_stretch(datasets::lorenz96(&l96, 2 * p.each.rows())?, p.each.rows());
    Ok(Setup {
        how: How::Parallel(p),
        series,
        dt: 0.05,
        lambda,
    })
}

/// Kuramoto-Sivashinsky (L = 22, 64 points) with 8 parallel reservoirs: h = 0.25.
fn kuramoto_sivashinsky(size: Size) -> Result<Setup> {
    let full = size == Size::Full;
    let ks = KuramotoSivashinsky {
        n: 64,
        scale: 22.0 / (2.0 * std::f64::consts::PI),
        h: 0.25,
        warmup: 1000,
        ..Default::default()
    };
    let p = Parallel {
        each: ClosedLoop {
            units: if full { 1000 } else { 150 },
            sr: 0.9,
            leak: 1.0,
            input_scaling: 0.05,
            connectivity: 0.02,
            bias: 0.5,
            ridge: 1e-8,
            train: if full { 10_000 } else { 3000 },
            warmup: 200,
            trials: if full { 10 } else { 3 },
            horizon: 800,
        },
        group: 8,
        overlap: 6,
    };
    let lambda = largest_lyapunov_exponent(&System::KuramotoSivashinsky(ks.clone()), 1000.0)?;
    let series = test_stretch(
        datasets::kuramoto_sivashinsky(&ks, 2 * p.each.rows())?,
        p.each.rows(),
    );
    Ok(Setup {
        how: How::Parallel(p),
        series,
        dt: 0.25,
        lambda,
    })
}

/// The rows of one setup.
fn setup_row(id: &str, task: &str, setup: String, literature: &str, s: &Setup) -> Result<Row> {
    vpt_row(id, task, setup, literature, s.dt * s.lambda, |seed| {
        let (z, f) = s.forecasts(seed)?;
        valid_steps(s.each(), &z, &f)
    })
}

/// Lorenz-63, Lorenz-96 (40 variables) and Kuramoto-Sivashinsky (L = 22) in closed loop.
pub(super) fn valid_times(size: Size) -> Result<Vec<Row>> {
    let l63 = lorenz63(size)?;
    let c = l63.each();
    let mut rows = vec![setup_row(
        "vpt-lorenz63",
        "Lorenz-63, ESN in closed loop",
        format!(
            "N={}, sr 1.0, input scaling 0.05, bias U(-0.5, 0.5), 2% connectivity, ridge 1e-10; \
             h=0.02, standardised; train 10000 steps; {} trials of 200 warm-up steps; error \
             threshold 0.4; lambda = 0.9056",
            c.units, c.trials
        ),
        "several Lyapunov times for ESNs of a few hundred units (Pathak et al. 2017, Chaos 27)",
        &l63,
    )?];
    let l96 = lorenz96(size)?;
    let c = l96.each();
    rows.push(setup_row(
        "vpt-lorenz96",
        "Lorenz-96 (40 variables, F = 8), parallel reservoirs in closed loop",
        format!(
            "20 reservoirs of N={} (2 variables each, 2 neighbours each side), sr 0.5, input \
             scaling 0.1, ridge 1e-6; h=0.05; train {} steps; {} trials; threshold 0.4; \
             lambda = {:.3} (Benettin)",
            c.units, c.train, c.trials, l96.lambda
        ),
        "a few Lyapunov times with parallel reservoirs (Pathak et al. 2018 scheme; Vlachas et \
         al. 2020)",
        &l96,
    )?);
    let ks = kuramoto_sivashinsky(size)?;
    let c = ks.each();
    rows.push(setup_row(
        "vpt-ks",
        "Kuramoto-Sivashinsky (L = 22, 64 points), parallel reservoirs in closed loop",
        format!(
            "8 reservoirs of N={} (8 points each, 6 neighbours each side; Pathak et al.: 5000 \
             units, 70000 training steps), sr 0.9, input scaling 0.05, ridge 1e-8; h=0.25; \
             train {} steps; {} trials; threshold 0.4; lambda = {:.4} (Benettin)",
            c.units, c.train, c.trials, ks.lambda
        ),
        "about 8 Lyapunov times at full scale (Pathak et al. 2018, PRL 120, L = 200)",
        &ks,
    )?);
    Ok(rows)
}

/// The figures: Lorenz-63's first trial against the truth, and the normalised error of each
/// system's first trial over Lyapunov times (seed 0).
pub(super) fn figures(size: Size) -> Result<Vec<(String, Vec<Panel>)>> {
    let l63 = lorenz63(size)?;
    let (z, f) = l63.forecasts(0)?;
    let c = l63.each();
    let shown = 600.min(c.horizon);
    let truth = z.subrows(c.trial_start(0), shown);
    let panels = ["x", "y", "z"]
        .iter()
        .enumerate()
        .map(|(j, name)| Panel {
            title: format!(
                "Lorenz-63 {name} (standardised), ESN N={} in closed loop; {shown} steps = {:.1} \
                 Lyapunov times",
                c.units,
                shown as f64 * l63.dt * l63.lambda
            ),
            x_label: "step".into(),
            y_label: (*name).into(),
            lines: vec![
                line(
                    "truth",
                    truth.col(j).iter().copied().collect(),
                    0,
                    Stroke::Solid,
                ),
                line(
                    "ESN",
                    f[0].col(j).iter().take(shown).copied().collect(),
                    1,
                    Stroke::Dashed,
                ),
            ],
        })
        .collect();
    let mut figures = vec![("science-lorenz63".to_string(), panels)];
    let mut errors = Vec::new();
    for (name, s) in [
        ("Lorenz-63", l63),
        ("Lorenz-96", lorenz96(size)?),
        ("Kuramoto-Sivashinsky", kuramoto_sivashinsky(size)?),
    ] {
        let (z, f) = s.forecasts(0)?;
        let c = s.each();
        let truth = z.subrows(c.trial_start(0), c.horizon);
        let e: Vec<f64> = (0..c.horizon)
            .map(|t| {
                let d = z.ncols() as f64;
                ((0..z.ncols())
                    .map(|j| (truth[(t, j)] - f[0][(t, j)]).powi(2))
                    .sum::<f64>()
                    / d)
                    .sqrt()
            })
            .collect();
        let per_step = s.dt * s.lambda;
        errors.push(Panel {
            title: format!(
                "{name}: normalised error, first trial (a step is {per_step:.4} \
                 Lyapunov times)"
            ),
            x_label: "step".into(),
            y_label: "error".into(),
            lines: vec![
                line(
                    "error",
                    e.iter().map(|v| v.min(2.0)).collect(),
                    0,
                    Stroke::Solid,
                ),
                line("0.4", vec![0.4; c.horizon], 2, Stroke::Dashed),
            ],
        });
    }
    figures.push(("science-error-growth".to_string(), errors));
    Ok(figures)
}

/// A line of the palette's `colour`-th colour.
pub(super) fn line(label: &str, values: Vec<f64>, colour: usize, stroke: Stroke) -> Line {
    Line {
        label: label.into(),
        start: 0,
        values,
        color: PALETTE[colour],
        stroke,
    }
}
