//! `aquifer demo`: Mackey-Glass forecasting and closed-loop generation, a table and a plot,
//! with no input file.

use crate::error::Result;
use crate::outputs::Kind;
use crate::plot::{self, Line, Panel, Stroke, PALETTE};
use aquifer::faer::MatRef;
use aquifer::prelude::*;
use aquifer::traits::{Fit, Persist, Run, Stateful};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `aquifer demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the plot (PNG, or SVG with a `.svg` extension).
    #[arg(long, short, default_value = "aquifer-demo.png")]
    pub out: PathBuf,
    /// Also save the fitted model to this file.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Reservoir units.
    #[arg(long, default_value_t = 500)]
    pub units: usize,
    /// Seed of the reservoir.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

const TRAIN: usize = 4000;
const WARMUP: usize = 100;
const WARM_GEN: usize = 200;
const GENERATE: usize = 500;
const VPT_THRESHOLD: f64 = 0.4;

/// What the demo measured.
#[derive(Debug, Clone, Copy)]
pub struct Scores {
    /// One-step NRMSE (range) over the test set.
    pub nrmse: f64,
    /// One-step R2 over the test set.
    pub r2: f64,
    /// NRMSE (range) of the first 100 generated steps.
    pub gen_nrmse: f64,
    /// Valid prediction time of the generation, in steps.
    pub vpt: usize,
    /// Fit time in seconds.
    pub fit_seconds: f64,
}

/// Fits, forecasts, generates, prints the table and writes the plot.
pub fn run(args: &Args) -> Result<Scores> {
    let mut written = vec![(args.out.as_path(), Kind::Picture, "--out")];
    if let Some(save) = &args.save {
        written.push((save, Kind::Model, "--save"));
    }
    crate::outputs::check(&[], &written)?;
    let builder = Esn::builder()
        .units(args.units)
        .leak_rate(0.3)
        .spectral_radius(1.25)
        .ridge(1e-6)
        .seed(args.seed);
    crate::memory::check(
        &format!("a network of {} units", args.units),
        "--units",
        builder.memory(1, 1),
    )?;
    let series = datasets::mackey_glass(&MackeyGlass::default(), TRAIN + 1001)?;
    let (x, y) = datasets::forecasting(&series, 1)?;
    let ((x_train, y_train), (x_test, y_test)) = datasets::split(&x, &y, TRAIN)?;

    let mut esn = builder.build(1, 1)?;
    let start = Instant::now();
    esn.fit(&[&x_train], &[&y_train], WARMUP)?;
    let fit_seconds = start.elapsed().as_secs_f64();
    // the fitted model's bytes, written with the plot at the end (both or neither)
    let model = match &args.save {
        Some(_) => Some(esn.to_part()?.to_bytes()?),
        None => None,
    };

    // One step ahead over the test set, continuing from the end of training.
    let y_pred = esn.run(&x_test)?;
    let nrmse = metrics::nrmse(&y_test, &y_pred, Norm::Range)?;
    let r2 = metrics::r2(&y_test, &y_pred)?;

    // Closed loop: warm up on the first test steps, then feed predictions back.
    esn.reset();
    let generated = esn.generate(GENERATE, x_test.subrows(0, WARM_GEN))?;
    let truth = x_test.subrows(WARM_GEN, GENERATE);
    let vpt = metrics::valid_prediction_time(truth, &generated, VPT_THRESHOLD)?;
    let gen_nrmse = metrics::nrmse(
        truth.subrows(0, 100),
        generated.subrows(0, 100),
        Norm::Range,
    )?;

    println!(
        "Mackey-Glass (tau = 17): ESN with {} units, trained on {TRAIN} steps",
        args.units
    );
    println!("  {:<46} {:>12}", "metric", "value");
    println!(
        "  {:<46} {:>12.3e}",
        "one-step NRMSE (range), 1000 test steps", nrmse
    );
    println!("  {:<46} {:>12.6}", "one-step R2", r2);
    println!(
        "  {:<46} {:>12.3e}",
        "generation NRMSE (range), first 100 steps", gen_nrmse
    );
    println!(
        "  {:<46} {:>12}",
        format!("valid prediction time (threshold {VPT_THRESHOLD})"),
        // never below the threshold over the whole generation: a lower bound only
        if vpt >= GENERATE {
            format!(">= {vpt} steps")
        } else {
            format!("{vpt} steps")
        }
    );
    println!(
        "  {:<46} {:>12}",
        "fit time (harvest + ridge)",
        format!("{:.1} ms", fit_seconds * 1e3)
    );

    let col = |m: MatRef<'_, f64>| m.col(0).iter().copied().collect::<Vec<f64>>();
    let shown = 500;
    let panels = [
        Panel {
            title: "One-step-ahead forecast (test set)".into(),
            x_label: "test step".into(),
            y_label: "x".into(),
            lines: vec![
                Line {
                    label: "truth".into(),
                    start: 0,
                    values: col(y_test.subrows(0, shown)),
                    color: PALETTE[0],
                    stroke: Stroke::Solid,
                },
                Line {
                    label: "prediction".into(),
                    start: 0,
                    values: col(y_pred.subrows(0, shown)),
                    color: PALETTE[1],
                    stroke: Stroke::Dashed,
                },
            ],
        },
        Panel {
            title: format!("Closed-loop generation after {WARM_GEN} warm-up steps"),
            x_label: "test step".into(),
            y_label: "x".into(),
            lines: vec![
                Line {
                    label: "truth".into(),
                    start: 0,
                    values: col(x_test.subrows(0, WARM_GEN + GENERATE)),
                    color: PALETTE[0],
                    stroke: Stroke::Solid,
                },
                Line {
                    label: "generation".into(),
                    start: WARM_GEN,
                    values: col(generated.as_ref()),
                    color: PALETTE[2],
                    stroke: Stroke::Dashed,
                },
            ],
        },
    ];
    let picture = plot::picture(&args.out, &panels, 1000, 320)?;
    let mut files = vec![(args.out.as_path(), picture.as_slice())];
    if let (Some(path), Some(bytes)) = (&args.save, &model) {
        files.push((path, bytes));
    }
    aquifer::io::write_all_atomic(&files)?;
    println!("plot: {}", args.out.display());
    if let Some(path) = &args.save {
        println!("model: {}", path.display());
    }
    Ok(Scores {
        nrmse,
        r2,
        gen_nrmse,
        vpt,
        fit_seconds,
    })
}
