//! Next-generation reservoir computing on Lorenz-63, as Gauthier, Bollt, Griffith & Barbosa
//! (Nature Communications 12, 5564, 2021) set it up, with Aquifer's NVAR and ridge readout.
//!
//! - the trajectory: sampled every dt = 0.025 from a point on the attractor, RK4 with 5 steps
//!   per sample; each sample is checked against the previous one advanced by 100 RK4 steps
//!   (the largest difference is printed: the local error of the data);
//! - features: k = 2 taps, s = 1, a constant, the 6 linear and 21 quadratic terms (28);
//! - readout: ridge 2.5e-6 over all 28 features (no separate intercept), learning the increment
//!   `x(t+1) - x(t)`; the forecast adds it back;
//! - windows: warm-up 5 time units (200 points), training 10 (400 points), test one Lyapunov
//!   time (1.104, 44 points) in closed loop; 10 trials, each window shifted 10 time units further
//!   along the trajectory;
//! - NRMSE: the root mean square over the three variables of the error divided by each
//!   variable's standard deviation over the attractor (the whole trajectory).
//!
//! Run: `cargo run --release -p aquifer-cli --example ngrc_lorenz [-- PLOT.png]` (default
//! `docs/img/ngrc-lorenz.png`: the first trial's forecast over the truth).

use aquifer::datasets::{self, Lorenz};
use aquifer::faer::{Mat, MatRef};
use aquifer::nodes::{Monomials, Nvar};
use aquifer::readout::{Ridge, RidgeParams};
use aquifer::traits::{Fit, Run, Step};
use aquifer_cli::plot::{picture, Line, Panel, Stroke, PALETTE};
use std::path::PathBuf;

const DT: f64 = 0.025;
const WARMUP: usize = 200;
const TRAIN: usize = 400;
const TEST: usize = 44; // round(1.104 / 0.025)
const TRIALS: usize = 10;
const SHIFT: usize = 400;
/// A point on the attractor (the paper's initial condition).
const X0: [f64; 3] = [17.67715816276679, 12.931379185960404, 43.91404334248268];

/// The NRMSE of `y_hat` against `y`, each variable divided by its standard deviation.
fn nrmse(y: MatRef<'_, f64>, y_hat: MatRef<'_, f64>, sigma: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for t in 0..y.nrows() {
        for j in 0..3 {
            s += ((y[(t, j)] - y_hat[(t, j)]) / sigma[j]).powi(2);
        }
    }
    (s / (3 * y.nrows()) as f64).sqrt()
}

/// One trial on the window that starts at `start`, trained on `x` plus `noise` (zeros, or a
/// small perturbation): (training NRMSE, test NRMSE, forecast); the test starts from the
/// trajectory itself.
fn trial(
    x: MatRef<'_, f64>,
    noise: MatRef<'_, f64>,
    start: usize,
    sigma: &[f64; 3],
) -> aquifer::Result<(f64, f64, Mat<f64>)> {
    let mut nvar = Nvar::builder()
        .delay(2)
        .strides(1)
        .order(2)
        .monomials(Monomials::UpTo)
        .constant(true)
        .build(3)?;
    assert_eq!(nvar.output_dim(), 28);
    let end = start + WARMUP + TRAIN;
    // features of the warm-up and training points; the targets are the next increments
    let seen = Mat::from_fn(WARMUP + TRAIN + 1, 3, |i, j| {
        x[(start + i, j)] + noise[(start + i, j)]
    });
    let features = nvar.run(seen.subrows(0, WARMUP + TRAIN))?;
    let delta = Mat::from_fn(TRAIN, 3, |i, j| {
        let t = WARMUP + i;
        seen[(t + 1, j)] - seen[(t, j)]
    });
    let train = features.subrows(WARMUP, TRAIN).to_owned();
    let mut readout = Ridge::with_params(RidgeParams {
        ridge: 2.5e-6,
        fit_bias: false,
    })?;
    readout.fit(&[&train], &[&delta], 0)?;
    let fitted = readout.run(&train)?;
    let one_step = Mat::from_fn(TRAIN, 3, |i, j| seen[(WARMUP + i, j)] + fitted[(i, j)]);
    let train_nrmse = nrmse(seen.subrows(WARMUP + 1, TRAIN), one_step.as_ref(), sigma);
    // closed loop from the last training point of the trajectory: the taps hold it and the
    // point before; each forecast is the next input
    nvar.reset();
    let mut f = vec![0.0; nvar.output_dim()];
    let mut d = vec![0.0; 3];
    for t in [end - 2, end - 1] {
        let point: Vec<f64> = (0..3).map(|j| x[(t, j)]).collect();
        nvar.step(&point, &mut f)?;
    }
    readout.step(&f, &mut d)?;
    let mut forecast = Mat::zeros(TEST, 3);
    let mut u: Vec<f64> = (0..3).map(|j| x[(end - 1, j)] + d[j]).collect();
    for t in 0..TEST {
        for j in 0..3 {
            forecast[(t, j)] = u[j];
        }
        if u.iter().any(|v| !v.is_finite() || v.abs() > 1e6) {
            // diverged: the rest of the forecast is lost
            for r in t..TEST {
                for j in 0..3 {
                    forecast[(r, j)] = f64::INFINITY;
                }
            }
            break;
        }
        nvar.step(&u, &mut f)?;
        readout.step(&f, &mut d)?;
        for j in 0..3 {
            u[j] += d[j];
        }
    }
    // a forecast that left the attractor counts as infinite error
    let test_nrmse = nrmse(x.subrows(end, TEST), forecast.as_ref(), sigma);
    let test_nrmse = if test_nrmse.is_finite() {
        test_nrmse
    } else {
        f64::INFINITY
    };
    Ok((train_nrmse, test_nrmse, forecast))
}

/// Samples every `DT` of an RK4 integration with steps of `DT / SUBSTEPS`.
const SUBSTEPS: usize = 50;
/// Standard deviation of the noise added to the training data in the regularised runs.
const NOISE: f64 = 1e-3;

/// The medians and divergences of a set-up's trials; prints each trial.
fn run_trials(
    title: &str,
    x: MatRef<'_, f64>,
    noise: MatRef<'_, f64>,
    sigma: &[f64; 3],
) -> aquifer::Result<Mat<f64>> {
    println!("{title}");
    println!("  trial  start (time)  train NRMSE  test NRMSE (one Lyapunov time, closed loop)");
    let (mut trains, mut tests) = (Vec::new(), Vec::new());
    let mut first = None;
    for k in 0..TRIALS {
        let start = k * SHIFT;
        let (train, test, forecast) = trial(x, noise, start, sigma)?;
        let shown = if test.is_finite() {
            format!("{test:.2e}")
        } else {
            "diverged".to_string()
        };
        println!(
            "  {k:>5}  {:>12.1}  {train:>11.2e}  {shown:>10}",
            start as f64 * DT
        );
        trains.push(train);
        tests.push(test);
        first.get_or_insert(forecast);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    };
    let diverged = tests.iter().filter(|t| !t.is_finite()).count();
    println!(
        "  median of {TRIALS}: train NRMSE {:.2e}, test NRMSE {:.2e}; diverged in {diverged} of {TRIALS}",
        median(&mut trains),
        median(&mut tests)
    );
    Ok(first.expect("at least one trial"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let plot = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("docs/img/ngrc-lorenz.png"), PathBuf::from);
    let n = (TRIALS - 1) * SHIFT + WARMUP + TRAIN + TEST + 1;
    let fine = datasets::lorenz(
        &Lorenz {
            x0: X0,
            h: DT / SUBSTEPS as f64,
            ..Lorenz::default()
        },
        (n - 1) * SUBSTEPS + 1,
    )?;
    let x = Mat::from_fn(n, 3, |t, j| fine[(t * SUBSTEPS, j)]);
    // the data's local error: each sample against the previous one advanced by 1000 RK4 steps
    let mut local = 0.0f64;
    for t in (0..n - 1).step_by(7) {
        let finer = datasets::lorenz(
            &Lorenz {
                x0: [x[(t, 0)], x[(t, 1)], x[(t, 2)]],
                h: DT / 1000.0,
                ..Lorenz::default()
            },
            1001,
        )?;
        for j in 0..3 {
            local = local.max((finer[(1000, j)] - x[(t + 1, j)]).abs());
        }
    }
    let sigma: [f64; 3] = std::array::from_fn(|j| {
        let c = x.col(j);
        let m = c.iter().sum::<f64>() / n as f64;
        (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64).sqrt()
    });
    println!(
        "Lorenz-63 from a point on the attractor, dt = {DT}, {n} samples (RK4, {SUBSTEPS} steps \
         a sample); largest local error of a sample (against 1000 RK4 steps): {local:.1e}"
    );
    println!(
        "NVAR k = 2, s = 1: constant + 6 linear + 21 quadratic = 28 features; ridge 2.5e-6 on the \
         increments; warm-up 200, training 400, test 44 points; windows 10 time units apart\n"
    );
    let clean = Mat::<f64>::zeros(n, 3);
    run_trials(
        "as the paper sets it up, on the accurate trajectory:",
        x.as_ref(),
        clean.as_ref(),
        &sigma,
    )?;
    let noise =
        aquifer::init::random_dense(n, 3, aquifer::init::Values::normal(0.0, NOISE), 1.0, 7)?;
    println!();
    let forecast = run_trials(
        &format!(
            "the same, the training data perturbed by Gaussian noise of std {NOISE:e} (seed 7):"
        ),
        x.as_ref(),
        noise.as_ref(),
        &sigma,
    )?;
    // the first trial's forecast over the truth, one panel per variable
    let start = WARMUP + TRAIN;
    let panels: Vec<Panel> = ["x", "y", "z"]
        .iter()
        .enumerate()
        .map(|(j, name)| Panel {
            title: format!(
                "NG-RC on Lorenz-63 (training noise {NOISE:e}): {name}, one Lyapunov time, trial 0"
            ),
            x_label: "step (dt = 0.025)".into(),
            y_label: name.to_string(),
            lines: vec![
                Line {
                    label: "truth".into(),
                    start: start - 40,
                    values: (start - 40..start + TEST).map(|t| x[(t, j)]).collect(),
                    color: PALETTE[0],
                    stroke: Stroke::Solid,
                },
                Line {
                    label: "NG-RC forecast".into(),
                    start,
                    values: forecast.col(j).iter().copied().collect(),
                    color: PALETTE[1],
                    stroke: Stroke::Dashed,
                },
            ],
        })
        .collect();
    let bytes = picture(&plot, &panels, 900, 260)?;
    if let Some(dir) = plot.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    aquifer::io::write_atomic(&plot, &bytes)?;
    println!("wrote {}", plot.display());
    Ok(())
}
