//! Mackey-Glass forecasting and closed-loop generation with an echo state network.
//!
//! Run with `cargo run --release -p aquifer --example mackey_glass`.

use aquifer::prelude::*;
use std::time::Instant;

fn main() -> aquifer::Result<()> {
    let series = datasets::mackey_glass(&MackeyGlass::default(), 5001)?;
    let (x, y) = datasets::forecasting(&series, 1)?;
    let ((x_train, y_train), (x_test, y_test)) = datasets::split(&x, &y, 4000)?;

    let mut esn = Esn::builder()
        .units(500)
        .leak_rate(0.3)
        .spectral_radius(1.25)
        .ridge(1e-6)
        .seed(42)
        .build(1, 1)?;
    let start = Instant::now();
    esn.fit(&[&x_train], &[&y_train], 100)?;
    let fit_time = start.elapsed();

    // One-step-ahead forecast on the test set (the reservoir continues from the training end).
    let y_pred = esn.run(&x_test)?;
    let nrmse = metrics::nrmse(&y_test, &y_pred, Norm::Range)?;
    let r2 = metrics::r2(&y_test, &y_pred)?;

    // Closed loop: warm up on 200 test steps, then feed predictions back for 500 steps.
    esn.reset();
    let warm = x_test.subrows(0, 200);
    let generated = esn.generate(500, warm)?;
    let truth = x_test.subrows(200, 500);
    let vpt = metrics::valid_prediction_time(truth, &generated, 0.4)?;
    let gen_nrmse = metrics::nrmse(
        truth.subrows(0, 100),
        generated.subrows(0, 100),
        Norm::Range,
    )?;

    println!("Mackey-Glass (tau = 17), ESN with 500 units, trained on 4000 steps");
    println!("{:<44} {:>12}", "metric", "value");
    println!(
        "{:<44} {:>12.3e}",
        "one-step NRMSE (range), 1000 test steps", nrmse
    );
    println!("{:<44} {:>12.6}", "one-step R2", r2);
    println!(
        "{:<44} {:>12.3e}",
        "generation NRMSE (range), first 100 steps", gen_nrmse
    );
    println!(
        "{:<44} {:>12}",
        "valid prediction time (threshold 0.4)",
        format!("{vpt} steps")
    );
    println!(
        "{:<44} {:>12}",
        "fit time (harvest + ridge)",
        format!("{:.1} ms", fit_time.as_secs_f64() * 1e3)
    );
    Ok(())
}
