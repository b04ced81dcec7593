//! Gated reservoirs (ESGP) on the tasks of ESGP 0.1.0's README, each beside a plain ESN of the
//! same number of units: the tasks, their metrics, the ESN baseline and one training.
//! `--example gated_tasks` prints them with a progress bar per epoch.

use super::{timed, Row, Size, SEEDS};
use crate::error::Result;
use aquifer::faer::Mat;
use aquifer::gated::{tasks, GatedModel, GatedParams, GatedTraining, Target};
use aquifer::prelude::*;

/// A task: training and test data, hidden units, epochs, learning rate.
pub struct Task {
    pub train: (Vec<Mat<f64>>, Target),
    pub test: (Vec<Mat<f64>>, Target),
    pub hidden: usize,
    pub epochs: usize,
    pub learning_rate: f64,
}

/// The metric of a task: MSE over every output (sequences: the mean over the series;
/// last values: over the last rows) or accuracy (the argmax of the last row).
pub fn score(pred: &[Mat<f64>], target: &Target) -> aquifer::Result<(String, f64)> {
    let last_row = |p: &Mat<f64>| p.nrows() - 1;
    Ok(match target {
        Target::Sequences(ys) => {
            let mut sum = 0.0;
            for (p, y) in pred.iter().zip(ys) {
                sum += metrics::mse(y, p)?;
            }
            ("MSE".into(), sum / pred.len() as f64)
        }
        Target::LastValues(y) => {
            let last = Mat::from_fn(pred.len(), y.ncols(), |k, j| {
                pred[k][(last_row(&pred[k]), j)]
            });
            ("MSE".into(), metrics::mse(y, &last)?)
        }
        Target::Classes { labels, .. } => {
            let decided: Vec<usize> = pred
                .iter()
                .map(|p| {
                    let r = last_row(p);
                    (0..p.ncols())
                        .max_by(|&a, &b| p[(r, a)].total_cmp(&p[(r, b)]))
                        .unwrap_or(0)
                })
                .collect();
            ("accuracy".into(), metrics::accuracy(labels, &decided)?)
        }
    })
}

/// A plain ESN of `units` units: ridge on every state (sequences) or on the last state.
pub fn esn_baseline(task: &Task, units: usize) -> aquifer::Result<Vec<Mat<f64>>> {
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

/// Trains ESGP on `task` with `seed` (calling `on_epoch` after each epoch) and fits the ESN
/// baseline: (metric name, ESGP's test value, the ESN's, ESGP's training seconds).
pub fn train(
    task: &Task,
    seed: u64,
    on_epoch: impl FnMut(usize, f64),
) -> aquifer::Result<(String, f64, f64, f64)> {
    let r = train_and_predict(task, seed, on_epoch)?;
    Ok((r.metric, r.gated, r.esn, r.seconds))
}

/// What one training gives: the metric, both models' test values and predictions, the time.
struct Trained {
    metric: String,
    gated: f64,
    esn: f64,
    seconds: f64,
    gated_pred: Vec<Mat<f64>>,
    esn_pred: Vec<Mat<f64>>,
}

fn train_and_predict(
    task: &Task,
    seed: u64,
    mut on_epoch: impl FnMut(usize, f64),
) -> aquifer::Result<Trained> {
    let params = GatedParams {
        units: task.hidden,
        rc_connectivity: 0.2,
        seed,
        ..Default::default()
    };
    let training = GatedTraining::default()
        .epochs(task.epochs)
        .batch_size(32)
        .clip(Some(5.0))
        .learning_rate(task.learning_rate);
    let start = std::time::Instant::now();
    let (xs, target) = (&task.train.0, &task.train.1);
    let outputs = Targets::from(target).outputs();
    let mut model = GatedModel::new(&params, training, xs[0].ncols(), outputs)?;
    model.fit_with_progress(xs, target, 0, |e, r| {
        on_epoch(e, r.train_loss.last().copied().unwrap_or(f64::NAN))
    })?;
    let seconds = start.elapsed().as_secs_f64();
    let gated_pred = model.run_many(&task.test.0)?;
    let (metric, gated) = score(&gated_pred, &task.test.1)?;
    let esn_pred = esn_baseline(task, task.hidden)?;
    let (_, esn) = score(&esn_pred, &task.test.1)?;
    Ok(Trained {
        metric,
        gated,
        esn,
        seconds,
        gated_pred,
        esn_pred,
    })
}

/// Mean absolute error over every output of sequence targets (each series weighted by its
/// number of values).
fn mae(pred: &[Mat<f64>], target: &Target) -> aquifer::Result<f64> {
    let Target::Sequences(ys) = target else {
        return Ok(f64::NAN);
    };
    let (mut sum, mut count) = (0.0, 0usize);
    for (p, y) in pred.iter().zip(ys) {
        let n = p.nrows() * p.ncols();
        sum += metrics::mae(y, p)? * n as f64;
        count += n;
    }
    Ok(sum / count as f64)
}

/// ESGP 0.1.0's README figures (30 epochs): (its task, ESGP++, its ESN).
fn readme(name: &str) -> (&'static str, f64, f64) {
    match name {
        "copy" => ("copy task MSE", 3.13, 4.99),
        "adding" => ("adding problem MSE", 0.05, 0.17),
        "delayed" => ("delayed response MSE", 0.081, 0.082),
        "mackey-glass" => ("Mackey-Glass MAE", 0.000363, 0.001378),
        _ => ("sequential MNIST accuracy", 0.7594, 0.1214),
    }
}

/// One row per task: ESGP's test value over the seeds, beside the same-size ESN's, and the
/// README's two figures (its tasks differ in scale, so the comparable part is ESGP against
/// the ESN of each).
pub(super) fn rows(size: Size) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (name, task) in all_tasks(size)? {
        rows.push(timed(|| {
            let (mut values, mut esn) = (Vec::new(), Vec::new());
            let mut metric = String::new();
            for seed in SEEDS {
                let r = train_and_predict(&task, seed, |_, _| {})?;
                if name == "mackey-glass" {
                    metric = "MAE".into();
                    values.push(mae(&r.gated_pred, &task.test.1)?);
                    esn.push(mae(&r.esn_pred, &task.test.1)?);
                } else {
                    metric = r.metric;
                    values.push(r.gated);
                    esn.push(r.esn);
                }
            }
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let (g, e) = (mean(&values), mean(&esn));
            let (what, lit_g, lit_e) = readme(name);
            let pct = metric == "accuracy";
            let show = |v: f64| {
                if pct {
                    format!("{:.1}%", 100.0 * v)
                } else if v >= 0.01 {
                    format!("{v:.3}")
                } else {
                    format!("{v:.2e}")
                }
            };
            let verdict = if pct {
                format!(
                    "ESN of the same size {}: {:+.1} points (README: {:+.1})",
                    show(e),
                    100.0 * (g - e),
                    100.0 * (lit_g - lit_e)
                )
            } else {
                format!(
                    "ESN of the same size {}: ESGP/ESN {} (README: {:.2})",
                    show(e),
                    if g / e >= 0.01 {
                        format!("{:.2}", g / e)
                    } else {
                        format!("{:.1e}", g / e)
                    },
                    lit_g / lit_e
                )
            };
            Ok(Row {
                id: format!("esgp-{name}"),
                task: format!("ESGP, {}", task_name(name)),
                setup: format!(
                    "H={}, 1 layer, 20% recurrent connectivity, Adam lr {}, batch 32, clip 5, {} \
                     epochs, {} training / {} test sequences; ESN: leak 0.5, sr 0.9, ridge 1e-4",
                    task.hidden,
                    task.learning_rate,
                    task.epochs,
                    task.train.0.len(),
                    task.test.0.len()
                ),
                metric,
                literature: format!(
                    "ESGP 0.1.0 README, {what}: ESGP++ {}, ESN {}",
                    show(lit_g),
                    show(lit_e)
                ),
                values,
                higher_is_better: pct,
                verdict,
                seconds: 0.0,
            })
        })?);
    }
    Ok(rows)
}

fn task_name(name: &str) -> &'static str {
    match name {
        "copy" => "copy task (5 symbols, delay 10)",
        "adding" => "adding problem (T = 100)",
        "delayed" => "delayed response (delay 10, T = 50)",
        "mackey-glass" => "Mackey-Glass one step (sequences of 100)",
        "digits" => "digits pixel by pixel (64 steps; a small sequential image task)",
        _ => "MNIST-1D (40 steps)",
    }
}

/// Every task by name, at the example's sizes (`Size::Full`) or reduced.
pub fn all_tasks(size: Size) -> aquifer::Result<Vec<(&'static str, Task)>> {
    let full = size == Size::Full;
    let n = |a: usize, b: usize| if full { a } else { b };
    let mut all = vec![
        (
            "copy",
            Task {
                train: tasks::copy_task(n(2000, 300), 5, 10, 1)?,
                test: tasks::copy_task(n(300, 100), 5, 10, 2)?,
                hidden: n(64, 32),
                epochs: n(15, 3),
                learning_rate: 5e-3,
            },
        ),
        (
            "adding",
            Task {
                train: tasks::adding_problem(n(2000, 300), 100, 1)?,
                test: tasks::adding_problem(n(500, 100), 100, 2)?,
                hidden: 32,
                epochs: n(10, 3),
                learning_rate: 1e-2,
            },
        ),
        (
            "delayed",
            Task {
                train: tasks::delayed_response(n(1000, 200), 50, 10, 1)?,
                test: tasks::delayed_response(n(200, 100), 50, 10, 2)?,
                hidden: n(64, 32),
                epochs: n(15, 3),
                learning_rate: 5e-3,
            },
        ),
        (
            "mackey-glass",
            Task {
                train: tasks::mackey_glass_forecast(n(500, 100), 100, 1)?,
                test: tasks::mackey_glass_forecast(100, 100, 2)?,
                hidden: n(64, 32),
                epochs: n(15, 3),
                learning_rate: 5e-3,
            },
        ),
    ];
    let (train, test) = tasks::digits_pixels(450, 0)?;
    all.push((
        "digits",
        Task {
            train,
            test,
            hidden: n(96, 32),
            epochs: n(20, 2),
            learning_rate: 1e-2,
        },
    ));
    if full {
        let (train, test) = tasks::mnist1d_sequences()?;
        all.push((
            "mnist1d",
            Task {
                train,
                test,
                hidden: 96,
                epochs: 20,
                learning_rate: 5e-3,
            },
        ));
    }
    Ok(all)
}
