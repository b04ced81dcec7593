//! Real series forecast one step ahead: the Santa Fe laser and the monthly sunspot numbers,
//! hyperparameters chosen on a validation stretch, scored on a later test stretch.

use super::{timed, Row, Size, SEEDS};
use crate::error::Result;
use aquifer::datasets;
use aquifer::faer::{Mat, MatRef};
use aquifer::metrics::{self, Norm};
use aquifer::model::Esn;
use aquifer::prelude::*;

/// Normalised mean squared error: the MSE divided by the variance of the truth (the
/// std-normalised NRMSE, squared).
fn nmse(y: MatRef<'_, f64>, y_hat: MatRef<'_, f64>) -> Result<f64> {
    Ok(metrics::nrmse(y, y_hat, Norm::Std)?.powi(2))
}

/// Where a series is cut: training rows (after `warmup`), then validation, then test.
#[derive(Debug, Clone, Copy)]
struct Cuts {
    warmup: usize,
    train: usize,
    valid: usize,
    test: usize,
}

/// The grid searched on the validation stretch: (spectral radius, leak, input scaling), and
/// for each, every ridge (solved again from the statistics, without harvesting again).
const GRID: [(f64, f64, f64); 6] = [
    (0.9, 1.0, 0.5),
    (0.9, 1.0, 1.0),
    (1.1, 1.0, 0.5),
    (0.9, 0.5, 0.5),
    (0.5, 1.0, 1.0),
    (1.1, 0.5, 1.0),
];
const RIDGES: [f64; 6] = [1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1.0];

/// Test NMSE of the configuration best on validation, and that configuration.
fn best_on_validation(
    z: &Mat<f64>,
    cuts: Cuts,
    units: usize,
    seed: u64,
) -> Result<(f64, (f64, f64, f64, f64))> {
    let (x, y) = datasets::forecasting(z, 1)?;
    let fit_rows = cuts.warmup + cuts.train;
    let mut best = (f64::INFINITY, (0.0, 0.0, 0.0, 0.0), 0.0);
    for &(sr, leak, scaling) in &GRID {
        let mut e = Esn::builder()
            .units(units)
            .spectral_radius(sr)
            .leak_rate(leak)
            .input_scaling(scaling)
            .input_to_readout(true)
            .seed(seed)
            .build(1, 1)?;
        e.fit(
            &[x.subrows(0, fit_rows)],
            &[y.subrows(0, fit_rows)],
            cuts.warmup,
        )?;
        let after_training = e.state();
        for &ridge in &RIDGES {
            e.set_ridge(ridge)?;
            e.set_state(&after_training)?;
            let v = e.run(x.subrows(fit_rows, cuts.valid + cuts.test))?;
            let valid = nmse(y.subrows(fit_rows, cuts.valid), v.subrows(0, cuts.valid))?;
            if valid < best.0 {
                let test = nmse(
                    y.subrows(fit_rows + cuts.valid, cuts.test),
                    v.subrows(cuts.valid, cuts.test),
                )?;
                best = (valid, (sr, leak, scaling, ridge), test);
            }
        }
    }
    Ok((best.2, best.1))
}

/// NMSE of predicting each value by the one before it, on the test stretch.
fn persistence(z: &Mat<f64>, cuts: Cuts) -> Result<f64> {
    let start = cuts.warmup + cuts.train + cuts.valid;
    nmse(z.subrows(start + 1, cuts.test), z.subrows(start, cuts.test))
}

/// The two rows.
pub(super) fn rows(size: Size) -> Result<Vec<Row>> {
    let full = size == Size::Full;
    let units = if full { 400 } else { 100 };
    let mut rows = Vec::new();
    let tasks = [
        (
            "santafe",
            "Santa Fe laser, one step ahead",
            datasets::santafe_laser()?,
            Cuts {
                warmup: 200,
                train: if full { 4000 } else { 2000 },
                valid: 1000,
                test: 2000,
            },
            "about 1e-2 NMSE for ESNs of a few hundred units (e.g. Rodan & Tino 2011, IEEE TNN \
             22)",
        ),
        (
            "sunspots",
            "sunspots (monthly), one month ahead",
            datasets::sunspots_monthly()?,
            Cuts {
                warmup: 100,
                train: 2000,
                valid: 400,
                test: 600,
            },
            "- (no agreed figure; see the persistence baseline)",
        ),
    ];
    for (id, task, series, cuts, literature) in tasks {
        rows.push(timed(|| {
            // scaled to [0, 1] by the training stretch's range
            let head = series.subrows(0, cuts.warmup + cuts.train);
            let (lo, hi) = head
                .col(0)
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(*v), b.max(*v))
                });
            let z = Mat::from_fn(series.nrows(), 1, |t, _| (series[(t, 0)] - lo) / (hi - lo));
            let mut values = Vec::new();
            let mut chosen = Vec::new();
            for seed in SEEDS {
                let (test, c) = best_on_validation(&z, cuts, units, seed)?;
                values.push(test);
                chosen.push(format!(
                    "sr {} leak {} in {} ridge {:e}",
                    c.0, c.1, c.2, c.3
                ));
            }
            let base = persistence(&z, cuts)?;
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            Ok(Row {
                id: format!("{id}-one-step"),
                task: task.into(),
                setup: format!(
                    "N={units}, input to readout; scaled to [0, 1]; train {} after {} warm-up, \
                     validation {}, test {}; spectral radius, leak, input scaling and ridge \
                     chosen on validation from 6 x 6 settings per seed (chosen: {})",
                    cuts.train,
                    cuts.warmup,
                    cuts.valid,
                    cuts.test,
                    chosen.join("; ")
                ),
                metric: "NMSE (MSE / variance)".into(),
                literature: literature.into(),
                values,
                higher_is_better: false,
                verdict: match id {
                    "santafe" if mean < 0.8e-2 => format!(
                        "beaten; {:.0}x below persistence (NMSE {base:.3})",
                        base / mean
                    ),
                    "santafe" if mean < 1.5e-2 => format!(
                        "reached; {:.0}x below persistence (NMSE {base:.3})",
                        base / mean
                    ),
                    _ => format!("{:.1}x below persistence (NMSE {base:.3})", base / mean),
                },
                seconds: 0.0,
            })
        })?);
    }
    Ok(rows)
}
