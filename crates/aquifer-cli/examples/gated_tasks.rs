//! Gated reservoirs (ESGP) on each benchmark task, beside a plain ESN of the same number of
//! units with a ridge readout. Prints the task's metric for both and the training time, with a
//! progress bar per epoch.
//!
//! `cargo run --release -p aquifer-cli --example gated_tasks [copy|adding|delayed|mackey-glass|digits|mnist1d]`
//! (no argument: every task).

use aquifer_cli::science::gated::{all_tasks, train, Task};
use aquifer_cli::science::Size;
use indicatif::{ProgressBar, ProgressStyle};

fn run(name: &str, task: &Task) -> aquifer::Result<()> {
    let bar = ProgressBar::new(task.epochs as u64).with_style(
        ProgressStyle::with_template("  {prefix} [{bar:30}] epoch {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(name.to_string());
    let (metric, gated, esn, train_time) = train(task, 1, |e, loss| {
        bar.set_position(e as u64);
        bar.set_message(format!("loss {loss:.4}"));
    })?;
    bar.finish_and_clear();
    println!(
        "{name:<14} {metric:<8} ESGP H={:<4} {gated:>8.4} ({train_time:5.1} s, {} epochs)   ESN N={:<4} {esn:>8.4}",
        task.hidden, task.epochs, task.hidden
    );
    Ok(())
}

fn main() -> aquifer::Result<()> {
    let which = std::env::args().nth(1);
    let wanted = |name: &str| which.as_deref().is_none_or(|w| w == name);
    for (name, task) in all_tasks(Size::Full)? {
        if wanted(name) {
            run(name, &task)?;
        }
    }
    Ok(())
}
