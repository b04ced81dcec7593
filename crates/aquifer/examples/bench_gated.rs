//! Training speed of a gated reservoir on the adding problem, for the side-by-side comparison
//! with the PyTorch original (`bench/compare_esgp.py`). Trains `steps` mini-batch steps
//! (forward, backward, Adam) and prints one JSON line: seconds per training step and the test
//! MSE on 500 fresh sequences.
//!
//! `cargo run --release -p aquifer --example bench_gated -- HIDDEN LENGTH BATCH STEPS`

use aquifer::gated::{tasks, GatedModel, GatedParams, GatedTraining, Target};
use aquifer::grad::Scheduled;
use aquifer::traits::{Fit, Run};
use std::time::Instant;

fn main() -> aquifer::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: HIDDEN LENGTH BATCH STEPS"))
        .collect();
    let [hidden, length, batch, steps] = args[..] else {
        panic!("usage: bench_gated HIDDEN LENGTH BATCH STEPS");
    };
    let (xs, target) = tasks::adding_problem(batch * steps, length, 1)?;
    let (xt, tt) = tasks::adding_problem(500, length, 2)?;
    // the original's configuration: 10% of recurrent weights, radius 0.9, no input bias
    let params = GatedParams {
        units: hidden,
        rc_connectivity: 0.1,
        spectral_radius: 0.9,
        input_bias: false,
        seed: 1,
        ..Default::default()
    };
    let training = GatedTraining::default()
        .epochs(1)
        .batch_size(batch)
        .clip(Some(1.0))
        .learning_rate(1e-2);
    let start = Instant::now();
    let mut model = GatedModel::new(&params, training, 2, 1)?;
    model.fit(&xs, &target, 0)?;
    let per_step = start.elapsed().as_secs_f64() / steps as f64;
    let pred = model.run_many(&xt)?;
    let Target::LastValues(y) = &tt else {
        unreachable!("the adding problem has last-step values")
    };
    let mse = (0..500)
        .map(|k| (pred[k][(0, 0)] - y[(k, 0)]).powi(2))
        .sum::<f64>()
        / 500.0;
    println!(
        "{{\"hidden\": {hidden}, \"length\": {length}, \"batch\": {batch}, \"steps\": {steps}, \"seconds_per_step\": {per_step}, \"test_mse\": {mse}}}"
    );
    Ok(())
}
