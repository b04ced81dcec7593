//! `aquifer bench`: timings of the core kernels, to compare with peers from the shell.

use crate::error::{Error, Result};

use aquifer::datasets::{self, Narma};
use aquifer::faer::Mat;
use aquifer::init::{self, Values};
use aquifer::nodes::Reservoir;
use aquifer::prelude::{Esn, Fit};
use std::time::Instant;

/// The reservoir every benchmark builds.
#[derive(Debug, clap::Args)]
pub struct Shape {
    /// Number of reservoir units.
    #[arg(long, default_value_t = 500)]
    units: usize,
    /// Connectivity of the recurrent matrix.
    #[arg(long, default_value_t = 0.1)]
    connectivity: f64,
    /// Seed of the reservoir and the input.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Repetitions; the best is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Print one JSON object instead.
    #[arg(long)]
    json: bool,
}

/// Arguments of `aquifer bench science`.
#[derive(Debug, clap::Args)]
pub struct ScienceArgs {
    /// The reduced run (smaller reservoirs and series: seconds).
    #[arg(long)]
    quick: bool,
    /// With --quick: compare each row with the committed values in this JSON file and fail
    /// if one is out of tolerance.
    #[arg(long, requires = "quick")]
    check: Option<std::path::PathBuf>,
    /// Write the table (Markdown) here.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Write the values of the full and the quick run (JSON) here, for --check.
    #[arg(long, conflicts_with = "quick")]
    values: Option<std::path::PathBuf>,
    /// The spoken-digit recordings.
    #[arg(long, default_value = "data/spoken_digits")]
    data: std::path::PathBuf,
    /// ReservoirPy's values for the rows it can run (JSON from bench/science_reservoirpy.py,
    /// run just before on the same machine): shown beside Aquifer's, with the time ratio.
    #[arg(long)]
    reservoirpy: Option<std::path::PathBuf>,
    /// Draw the table's figures (science-*.png) into this directory.
    #[arg(long)]
    plots: Option<std::path::PathBuf>,
}

/// Benchmarks.
#[derive(Debug, clap::Subcommand)]
pub enum Bench {
    /// The field's benchmark tasks beside their literature values (3 seeds each): a Markdown
    /// table; `--quick --check FILE` for CI.
    Science(ScienceArgs),
    /// Run a reservoir over a random input; the last line is `steps_per_second: <number>`.
    Harvest {
        #[command(flatten)]
        shape: Shape,
        /// Number of time steps.
        #[arg(long, default_value_t = 10_000)]
        steps: usize,
    },
    /// Run a reservoir over many random series at once; the last line is
    /// `steps_per_second: <number>` (steps of all series).
    RunMany {
        #[command(flatten)]
        shape: Shape,
        /// Number of series.
        #[arg(long, default_value_t = 64)]
        series: usize,
        /// Steps of each series.
        #[arg(long, default_value_t = 1000)]
        steps: usize,
    },
    /// Fit echo state networks of several configurations (spectral radius, leak rate) one
    /// after the other on NARMA-10, as a hyperparameter sweep does; the last line is
    /// `fits_per_second: <number>`.
    Sweep {
        #[command(flatten)]
        shape: Shape,
        /// Number of configurations.
        #[arg(long, default_value_t = 20)]
        configs: usize,
        /// Training steps.
        #[arg(long, default_value_t = 2000)]
        steps: usize,
    },
}

/// The best of `repeat` timings of `f`, in seconds.
fn best_of(repeat: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..repeat {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best)
}

fn reservoir(shape: &Shape, spectral_radius: f64, leak_rate: f64) -> Result<Reservoir> {
    Ok(Reservoir::builder()
        .units(shape.units)
        .rc_connectivity(shape.connectivity)
        .spectral_radius(spectral_radius)
        .leak_rate(leak_rate)
        .seed(shape.seed)
        .build(1)?)
}

fn random_input(steps: usize, seed: u64) -> Result<Mat<f64>> {
    Ok(init::random_dense(
        steps,
        1,
        Values::uniform(-1.0, 1.0),
        1.0,
        seed,
    )?)
}

/// Prints a result: a summary line and `<unit>: <value>`, or one JSON object.
fn report(
    shape: &Shape,
    name: &str,
    detail: serde_json::Value,
    seconds: f64,
    unit: &str,
    value: f64,
) {
    if shape.json {
        let mut v = serde_json::json!({
            "bench": name, "units": shape.units, "connectivity": shape.connectivity,
            "seed": shape.seed, "seconds": seconds, unit: value,
        });
        if let (Some(v), serde_json::Value::Object(d)) = (v.as_object_mut(), detail) {
            v.extend(d);
        }
        println!("{v}");
    } else {
        let detail: Vec<String> = detail
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        println!(
            "{name}: {} units, connectivity {}, {}, best of {}: {seconds:.4} s",
            shape.units,
            shape.connectivity,
            detail.join(", "),
            shape.repeat
        );
        println!("{unit}: {value:.1}");
    }
}

/// Runs a benchmark and prints its result.
pub fn run(b: &Bench, quiet: bool) -> Result<()> {
    if let Bench::Science(args) = b {
        return science(args, quiet);
    }
    let (shape, steps) = match b {
        Bench::Science(_) => unreachable!("handled above"),
        Bench::Harvest { shape, steps }
        | Bench::RunMany { shape, steps, .. }
        | Bench::Sweep { shape, steps, .. } => (shape, *steps),
    };
    if steps == 0 || shape.repeat == 0 {
        return Err(Error::usage("--steps and --repeat must be at least 1"));
    }
    let params = aquifer::nodes::ReservoirParams {
        units: shape.units,
        rc_connectivity: shape.connectivity,
        ..Default::default()
    };
    crate::memory::check(
        &format!("a reservoir of {} units", shape.units),
        "--units",
        params.memory(1),
    )?;
    let series = match b {
        Bench::RunMany { series, .. } => *series,
        _ => 1,
    };
    crate::memory::check(
        &format!("{series} x {steps} steps of {} states", shape.units),
        "--steps",
        crate::memory::values(steps.saturating_mul(series), shape.units.saturating_add(1)),
    )?;
    match b {
        Bench::Science(_) => unreachable!("handled above"),
        Bench::Harvest { .. } => {
            let mut r = reservoir(shape, 0.9, 0.3)?;
            let u = random_input(steps, shape.seed.wrapping_add(1))?;
            let best = best_of(shape.repeat, || {
                r.reset();
                std::hint::black_box(r.run(&u)?);
                Ok(())
            })?;
            let detail = serde_json::json!({ "steps": steps });
            report(
                shape,
                "harvest",
                detail,
                best,
                "steps_per_second",
                steps as f64 / best,
            );
        }
        Bench::RunMany { series, .. } => {
            if *series == 0 {
                return Err(Error::usage("--series must be at least 1"));
            }
            let r = reservoir(shape, 0.9, 0.3)?;
            let us = (0..*series)
                .map(|k| random_input(steps, shape.seed.wrapping_add(1 + k as u64)))
                .collect::<Result<Vec<_>>>()?;
            let best = best_of(shape.repeat, || {
                std::hint::black_box(r.run_many(&us)?);
                Ok(())
            })?;
            let total = (series * steps) as f64;
            let detail = serde_json::json!({ "series": series, "steps": steps });
            report(
                shape,
                "run_many",
                detail,
                best,
                "steps_per_second",
                total / best,
            );
        }
        Bench::Sweep { configs, .. } => {
            if *configs == 0 {
                return Err(Error::usage("--configs must be at least 1"));
            }
            let (u, y) = datasets::narma(&Narma::default(), steps)?;
            let best = best_of(shape.repeat, || {
                for k in 0..*configs {
                    // a grid over spectral radius and leak rate
                    let sr = 0.5 + 0.5 * (k % 5) as f64 / 4.0;
                    let lr = 0.1 + 0.9 * (k / 5) as f64 / (configs.div_ceil(5).max(2) - 1) as f64;
                    let mut esn = Esn::builder()
                        .units(shape.units)
                        .rc_connectivity(shape.connectivity)
                        .spectral_radius(sr)
                        .leak_rate(lr.min(1.0))
                        .seed(shape.seed)
                        .ridge(1e-6)
                        .build(1, 1)?;
                    esn.fit(&[&u], &[&y], 100)?;
                    std::hint::black_box(&esn);
                }
                Ok(())
            })?;
            let detail = serde_json::json!({ "configs": configs, "steps": steps });
            report(
                shape,
                "sweep",
                detail,
                best,
                "fits_per_second",
                *configs as f64 / best,
            );
        }
    }
    Ok(())
}

/// `aquifer bench science`.
fn science(args: &ScienceArgs, quiet: bool) -> Result<()> {
    use crate::science::{self, Committed, Size};
    let bar = crate::progress::bar(science::TASKS, "tasks", quiet);
    let size = if args.quick { Size::Quick } else { Size::Full };
    let t = Instant::now();
    let rows = science::run_all(size, &args.data, |task| {
        bar.set_message(task.to_string());
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    let total = t.elapsed().as_secs_f64();
    let peer = match &args.reservoirpy {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let peer: science::Peer = serde_json::from_str(&text)
                .map_err(|e| Error::usage(format!("{}: {e}", path.display())))?;
            Some(peer)
        }
        None => None,
    };
    let table = science::markdown(&rows, total, peer.as_ref());
    match &args.out {
        Some(path) => {
            let page = format!("{}{table}{}", science::PREAMBLE, science::FIGURES);
            aquifer::io::write_atomic(path, page.as_bytes())?;
            println!("wrote {}", path.display());
        }
        None => print!("{table}"),
    }
    if let Some(dir) = &args.plots {
        for path in science::figures(size, dir)? {
            println!("wrote {}", path.display());
        }
    }
    if let Some(path) = &args.values {
        let quick = science::run_all(Size::Quick, &args.data, |_| {})?;
        let committed = Committed {
            rows: rows
                .iter()
                .map(|r| {
                    let q = quick.iter().find(|q| q.id == r.id).map(|q| q.mean());
                    (r.id.clone(), Some(r.mean()), q)
                })
                .chain(
                    quick
                        .iter()
                        .filter(|q| !rows.iter().any(|r| r.id == q.id))
                        .map(|q| (q.id.clone(), None, Some(q.mean()))),
                )
                .collect(),
        };
        let json = serde_json::to_string_pretty(&committed).expect("values serialise");
        aquifer::io::write_atomic(path, json.as_bytes())?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = &args.check {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let committed: Committed = serde_json::from_str(&text)
            .map_err(|e| Error::usage(format!("{}: {e}", path.display())))?;
        let bad = science::check(&rows, &committed);
        if !bad.is_empty() {
            return Err(Error::usage(format!(
                "rows out of tolerance of {}: {}",
                path.display(),
                bad.join("; ")
            )));
        }
        println!("every row within tolerance of {}", path.display());
    }
    Ok(())
}
