//! Gated reservoirs (ESGP) on each benchmark task, beside a plain ESN of the same number of
//! units with a ridge readout. Prints the task's metric for both and the training time, with a
//! progress bar per epoch.
//!
//! `cargo run --release -p aquifer --example gated_tasks [copy|adding|delayed|mackey-glass|digits|mnist1d]`
//! (no argument: every task).

use aquifer::gated::{tasks, GatedModel, GatedParams, GatedTraining, Target};
use aquifer::prelude::*;
use faer::Mat;
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Instant;

struct Task {
    name: &'static str,
    train: (Vec<Mat<f64>>, Target),
    test: (Vec<Mat<f64>>, Target),
    hidden: usize,
    epochs: usize,
    learning_rate: f64,
}

/// The metric of a task: MSE over every output (sequences, last values) or accuracy.
fn score(pred: &[Mat<f64>], target: &Target) -> (String, f64) {
    match target {
        Target::Sequences(ys) => {
            let mse = pred
                .iter()
                .zip(ys)
                .map(|(p, y)| {
                    let n = (p.nrows() * p.ncols()) as f64;
                    (0..p.nrows())
                        .flat_map(|t| (0..p.ncols()).map(move |c| (t, c)))
                        .map(|(t, c)| (p[(t, c)] - y[(t, c)]).powi(2))
                        .sum::<f64>()
                        / n
                })
                .sum::<f64>()
                / pred.len() as f64;
            ("MSE".into(), mse)
        }
        Target::LastValues(y) => {
            let last = |p: &Mat<f64>, j: usize| p[(p.nrows() - 1, j)];
            let mse = pred
                .iter()
                .enumerate()
                .map(|(k, p)| {
                    (0..y.ncols())
                        .map(|j| (last(p, j) - y[(k, j)]).powi(2))
                        .sum::<f64>()
                        / y.ncols() as f64
                })
                .sum::<f64>()
                / pred.len() as f64;
            ("MSE".into(), mse)
        }
        Target::Classes { labels, .. } => {
            let correct = pred
                .iter()
                .zip(labels)
                .filter(|(p, l)| {
                    let r = p.nrows() - 1;
                    (0..p.ncols()).max_by(|&a, &b| p[(r, a)].total_cmp(&p[(r, b)])) == Some(**l)
                })
                .count();
            ("accuracy".into(), correct as f64 / labels.len() as f64)
        }
    }
}

/// A plain ESN of `units` units: ridge on every state (sequences) or on the last state.
fn esn_baseline(task: &Task, units: usize) -> aquifer::Result<Vec<Mat<f64>>> {
    let (xs, target) = &task.train;
    let inputs = xs[0].ncols();
    let reservoir = Reservoir::builder()
        .units(units)
        .spectral_radius(0.9)
        .leak_rate(0.5)
        .seed(1)
        .build(inputs)?;
    let states = reservoir.run_many(xs)?;
    let test_states = reservoir.run_many(&task.test.0)?;
    let last = |s: &Mat<f64>| Mat::from_fn(1, s.ncols(), |_, j| s[(s.nrows() - 1, j)]);
    let mut ridge = Ridge::new(1e-4)?;
    match target {
        Target::Sequences(ys) => {
            ridge.fit(&states, ys, 0)?;
            test_states.iter().map(|s| ridge.run(s)).collect()
        }
        Target::LastValues(_) | Target::Classes { .. } => {
            let x = Mat::from_fn(states.len(), units, |k, j| {
                states[k][(states[k].nrows() - 1, j)]
            });
            let y = match target {
                Target::LastValues(y) => y.clone(),
                Target::Classes { labels, classes } => {
                    Mat::from_fn(labels.len(), *classes, |k, c| (labels[k] == c) as u8 as f64)
                }
                Target::Sequences(_) => unreachable!("handled above"),
            };
            ridge.fit(&[x], &[y], 0)?;
            test_states.iter().map(|s| ridge.run(last(s))).collect()
        }
    }
}

fn run(task: &Task) -> aquifer::Result<()> {
    let params = GatedParams {
        units: task.hidden,
        rc_connectivity: 0.2,
        seed: 1,
        ..Default::default()
    };
    let training = GatedTraining::default()
        .epochs(task.epochs)
        .batch_size(32)
        .clip(Some(5.0))
        .learning_rate(task.learning_rate);
    let bar = ProgressBar::new(task.epochs as u64).with_style(
        ProgressStyle::with_template("  {prefix} [{bar:30}] epoch {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(task.name);
    let start = Instant::now();
    let (xs, target) = (&task.train.0, &task.train.1);
    let outputs = Targets::from(target).outputs();
    let mut model = GatedModel::new(&params, training, xs[0].ncols(), outputs)?;
    model.fit_with_progress(xs, target, 0, |e, r| {
        bar.set_position(e as u64);
        bar.set_message(format!(
            "loss {:.4}",
            r.train_loss.last().copied().unwrap_or(f64::NAN)
        ));
    })?;
    bar.finish_and_clear();
    let train_time = start.elapsed().as_secs_f64();
    let (metric, gated) = score(&model.run_many(&task.test.0)?, &task.test.1);
    let start = Instant::now();
    let (_, esn) = score(&esn_baseline(task, task.hidden)?, &task.test.1);
    let esn_time = start.elapsed().as_secs_f64();
    println!(
        "{:<14} {metric:<8} ESGP H={:<4} {gated:>8.4} ({train_time:5.1} s, {} epochs)   ESN N={:<4} {esn:>8.4} ({esn_time:4.1} s)",
        task.name, task.hidden, task.epochs, task.hidden
    );
    Ok(())
}

fn main() -> aquifer::Result<()> {
    let which = std::env::args().nth(1);
    let wanted = |name: &str| which.as_deref().is_none_or(|w| w == name);
    let mut all: Vec<Box<dyn Fn() -> aquifer::Result<Task>>> = Vec::new();
    all.push(Box::new(|| {
        Ok(Task {
            name: "copy",
            train: tasks::copy_task(2000, 5, 10, 1)?,
            test: tasks::copy_task(300, 5, 10, 2)?,
            hidden: 64,
            epochs: 15,
            learning_rate: 5e-3,
        })
    }));
    all.push(Box::new(|| {
        Ok(Task {
            name: "adding",
            train: tasks::adding_problem(2000, 100, 1)?,
            test: tasks::adding_problem(500, 100, 2)?,
            hidden: 32,
            epochs: 10,
            learning_rate: 1e-2,
        })
    }));
    all.push(Box::new(|| {
        Ok(Task {
            name: "delayed",
            train: tasks::delayed_response(1000, 50, 10, 1)?,
            test: tasks::delayed_response(200, 50, 10, 2)?,
            hidden: 64,
            epochs: 15,
            learning_rate: 5e-3,
        })
    }));
    all.push(Box::new(|| {
        Ok(Task {
            name: "mackey-glass",
            train: tasks::mackey_glass_forecast(500, 100, 1)?,
            test: tasks::mackey_glass_forecast(100, 100, 2)?,
            hidden: 64,
            epochs: 15,
            learning_rate: 5e-3,
        })
    }));
    all.push(Box::new(|| {
        let (train, test) = tasks::digits_pixels(450, 0)?;
        Ok(Task {
            name: "digits",
            train,
            test,
            hidden: 96,
            epochs: 20,
            learning_rate: 1e-2,
        })
    }));
    all.push(Box::new(|| {
        let (train, test) = tasks::mnist1d_sequences()?;
        Ok(Task {
            name: "mnist1d",
            train,
            test,
            hidden: 96,
            epochs: 20,
            learning_rate: 5e-3,
        })
    }));
    for make in &all {
        let task = make()?;
        if wanted(task.name) {
            run(&task)?;
        }
    }
    Ok(())
}
