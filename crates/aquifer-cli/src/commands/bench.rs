//! `aquifer bench`: timings of the core kernels, to compare with peers from the shell.

use crate::error::{Error, Result};

use aquifer::init::{self, Values};
use aquifer::nodes::Reservoir;
use std::time::Instant;

/// Benchmarks.
#[derive(Debug, clap::Subcommand)]
pub enum Bench {
    /// Run a reservoir over a random input; the last line is `steps_per_second: <number>`.
    Harvest {
        /// Number of reservoir units.
        #[arg(long, default_value_t = 500)]
        units: usize,
        /// Number of time steps.
        #[arg(long, default_value_t = 10_000)]
        steps: usize,
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
    },
}

/// Runs a benchmark and prints its result.
pub fn run(b: &Bench) -> Result<()> {
    let Bench::Harvest {
        units,
        steps,
        connectivity,
        seed,
        repeat,
        json,
    } = *b;
    if steps == 0 || repeat == 0 {
        return Err(Error::usage("--steps and --repeat must be at least 1"));
    }
    let mut r = Reservoir::builder()
        .units(units)
        .rc_connectivity(connectivity)
        .spectral_radius(0.9)
        .leak_rate(0.3)
        .seed(seed)
        .build(1)?;
    let u = init::random_dense(
        steps,
        1,
        Values::uniform(-1.0, 1.0),
        1.0,
        seed.wrapping_add(1),
    )?;
    let mut best = f64::INFINITY;
    for _ in 0..repeat {
        r.reset();
        let t = Instant::now();
        std::hint::black_box(r.run(&u)?);
        best = best.min(t.elapsed().as_secs_f64());
    }
    let sps = steps as f64 / best;
    if json {
        let v = serde_json::json!({
            "bench": "harvest", "units": units, "steps": steps, "connectivity": connectivity,
            "seed": seed, "seconds": best, "steps_per_second": sps,
        });
        println!("{v}");
    } else {
        println!("harvest: {units} units, connectivity {connectivity}, {steps} steps, best of {repeat}: {best:.4} s");
        println!("steps_per_second: {sps:.1}");
    }
    Ok(())
}
