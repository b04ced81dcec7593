//! Next-generation reservoir computing on Lorenz-63 and on the double-scroll circuit, as
//! Gauthier, Bollt, Griffith & Barbosa (Nature Communications 12, 5564, 2021) set them up, with
//! Aquifer's NVAR and ridge readout.
//!
//! Lorenz-63:
//! - the trajectory: sampled every dt = 0.025 from a point on the attractor, RK4 with 50 steps
//!   per sample; each sample is checked against the previous one advanced by 1000 RK4 steps
//!   (the largest difference is printed: the local error of the data);
//! - features: k = 2 taps, s = 1, a constant, the 6 linear and 21 quadratic terms (28);
//! - readout: ridge 2.5e-6 over all 28 features (no separate intercept), learning the increment
//!   `x(t+1) - x(t)`; the forecast adds it back;
//! - windows: warm-up 5 time units (200 points), training 10 (400 points), test one Lyapunov
//!   time (1.104, 44 points) in closed loop; 10 trials, each window shifted 10 time units further
//!   along the trajectory.
//!
//! The double-scroll circuit (`V1`, `V2`, `I`; R1 1.2, R2 3.44, R4 0.193, 2 I_r 4.5e-5, beta
//! 11.6):
//! - sampled every dt = 0.25 (RK4, steps of 0.0025), from the paper's initial condition;
//! - features: k = 2, s = 1, the 6 linear and the 56 cubic terms only (62; the system is odd
//!   under `x -> -x`, so no constant and no quadratic terms);
//! - readout: ridge 1e-3 (the paper's script), on the increments;
//! - windows: warm-up 1 time unit (4 points), training 100 (400 points), test one Lyapunov time
//!   (the largest exponent estimated here by Benettin's method); 10 trials 100 time units apart.
//!
//! NRMSE: the root mean square over the three variables of the error divided by each variable's
//! standard deviation over the attractor (the whole trajectory). Each set-up also runs with its
//! training data perturbed by small Gaussian noise (seeded: std 1e-3 for Lorenz-63, 1e-4 for
//! the double scroll), which regularises the fit.
//!
//! Run: `cargo run --release -p aquifer-cli --example ngrc [-- lorenz|double-scroll]` (both by
//! default); plots of the first noisy trial's forecast over the truth go to
//! `docs/img/ngrc-lorenz.png` and `docs/img/ngrc-double-scroll.png`.

use aquifer::faer::{Mat, MatRef};
use aquifer_cli::plot::{picture, Line, Panel, Stroke, PALETTE};
use aquifer_cli::science::ngrc::{lyapunov, trial, Setup, DOUBLE_SCROLL, LORENZ, TRIALS};
use std::path::Path;

/// The medians and divergences of a set-up's trials; prints each trial; returns the first
/// trial's forecast.
fn run_trials(
    s: &Setup,
    title: &str,
    x: MatRef<'_, f64>,
    noise: MatRef<'_, f64>,
    test: usize,
    sigma: &[f64; 3],
) -> aquifer::Result<Mat<f64>> {
    println!("{title}");
    println!("  trial  start (time)  train NRMSE  test NRMSE (one Lyapunov time, closed loop)");
    let (mut trains, mut tests) = (Vec::new(), Vec::new());
    let mut first = None;
    for k in 0..TRIALS {
        let start = k * s.shift;
        let (train, test, forecast) = trial(s, x, noise, start, test, sigma)?;
        let shown = if test.is_finite() {
            format!("{test:.2e}")
        } else {
            "diverged".to_string()
        };
        println!(
            "  {k:>5}  {:>12.1}  {train:>11.2e}  {shown:>10}",
            start as f64 * s.dt
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

/// Runs a set-up on accurate and on noisy training data; plots the noisy first trial.
fn run(s: &Setup) -> Result<(), Box<dyn std::error::Error>> {
    let lyapunov_time = match s.lyapunov_time {
        Some(t) => t,
        None => {
            let lambda = lyapunov(s, s.x0, 8000)?;
            println!(
                "{}: largest Lyapunov exponent (Benettin, {} time units) {lambda:.4}, Lyapunov time {:.2}",
                s.name,
                8000.0 * s.dt,
                1.0 / lambda
            );
            1.0 / lambda
        }
    };
    let test = (lyapunov_time / s.dt).round() as usize;
    let n = (TRIALS - 1) * s.shift + s.warmup + s.train + test + 1;
    let x = (s.trajectory)(s.x0, s.dt, n)?;
    // the data's local error: samples against the previous one advanced with 1000 steps
    let mut local = 0.0f64;
    for t in (0..n - 1).step_by(7) {
        let finer = (s.trajectory)([x[(t, 0)], x[(t, 1)], x[(t, 2)]], s.dt / 1000.0, 1001)?;
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
        "{} from the paper's initial condition, dt = {}, {n} samples; largest local error of a \
         sample (against 1000 finer steps): {local:.1e}",
        s.name, s.dt
    );
    println!(
        "NVAR k = 2, s = 1: {} features; ridge {:e} on the increments; warm-up {}, training {}, \
         test {test} points (one Lyapunov time, {lyapunov_time:.3}); windows {} time units apart\n",
        s.features,
        s.ridge,
        s.warmup,
        s.train,
        s.shift as f64 * s.dt
    );
    let clean = Mat::<f64>::zeros(n, 3);
    run_trials(
        s,
        "as the paper sets it up, on the accurate trajectory:",
        x.as_ref(),
        clean.as_ref(),
        test,
        &sigma,
    )?;
    let unit = aquifer::init::random_dense(n, 3, aquifer::init::Values::normal(0.0, 1.0), 1.0, 7)?;
    let noise = Mat::from_fn(n, 3, |t, j| unit[(t, j)] * s.noise);
    println!();
    let forecast = run_trials(
        s,
        &format!(
            "the same, the training data perturbed by Gaussian noise of std {:e} (seed 7):",
            s.noise
        ),
        x.as_ref(),
        noise.as_ref(),
        test,
        &sigma,
    )?;
    // the first trial's forecast over the truth, one panel per variable
    let start = s.warmup + s.train;
    let before = 40.min(start);
    let panels: Vec<Panel> = s
        .variables
        .iter()
        .enumerate()
        .map(|(j, name)| Panel {
            title: format!(
                "NG-RC on {} (training noise {:e}): {name}, one Lyapunov time, trial 0",
                s.name, s.noise
            ),
            x_label: format!("step (dt = {})", s.dt),
            y_label: name.to_string(),
            lines: vec![
                Line {
                    label: "truth".into(),
                    start: start - before,
                    values: (start - before..start + test).map(|t| x[(t, j)]).collect(),
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
    let plot = Path::new(s.plot);
    let bytes = picture(plot, &panels, 900, 260)?;
    if let Some(dir) = plot.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    aquifer::io::write_atomic(plot, &bytes)?;
    println!("wrote {}\n", plot.display());
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let which = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    match which.as_str() {
        "lorenz" => run(&LORENZ),
        "double-scroll" => run(&DOUBLE_SCROLL),
        "all" => {
            run(&LORENZ)?;
            run(&DOUBLE_SCROLL)
        }
        other => Err(format!("unknown system `{other}`: lorenz, double-scroll or all").into()),
    }
}
