//! The `aquifer` command line: reservoir computing from the shell.
//!
//! `aquifer demo` forecasts and generates Mackey-Glass and draws the result; `fit` makes a model
//! file from a TOML configuration and CSV/.npy series; `run` and `generate` use it; `info`
//! describes it; `dataset` writes built-in datasets; `plot` draws series; `bench harvest` times
//! the reservoir kernel. Every failure is one line naming the problem and a non-zero exit.

pub mod commands;
pub mod config;
pub mod error;
pub mod plot;
pub mod progress;
pub mod table;

pub use error::{Error, Result};

use clap::{Parser, Subcommand};
use commands::{bench, dataset, demo, fit, info, plot as plot_cmd, predict};

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "aquifer",
    version,
    about = "Reservoir computing from the shell: echo state networks on CSV and .npy series"
)]
pub struct Cli {
    /// No progress bars.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Threads to use: `auto` (the cores, or RAYON_NUM_THREADS) or a number. Results are the
    /// same, bit for bit, whatever it is.
    #[arg(long, global = true, default_value = "auto", value_name = "N|auto")]
    pub threads: aquifer::parallel::Parallelism,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Forecast and generate Mackey-Glass with an ESN: a table of scores and a plot.
    Demo(demo::Args),
    /// Fit a model (TOML configuration, CSV/.npy series) and write a model file.
    Fit(fit::Args),
    /// Run a model file over a series; write its predictions (and states).
    #[command(visible_alias = "predict")]
    Run(predict::RunArgs),
    /// Warm a model up on a series, then feed its predictions back: write the generated series.
    Generate(predict::GenerateArgs),
    /// Print a model file's kind, configuration and tensor shapes.
    Info(info::Args),
    /// Write a built-in dataset to CSV or .npy (one row per time step).
    Dataset(dataset::Args),
    /// Draw a series (and a second one to compare) to PNG or SVG.
    Plot(plot_cmd::Args),
    /// Timings of the core kernels.
    #[command(subcommand)]
    Bench(bench::Bench),
}

/// Runs a parsed command line.
pub fn execute(cli: &Cli) -> Result<()> {
    cli.threads.install(|| execute_here(cli))?
}

/// Runs the command on this thread's pool.
fn execute_here(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Demo(a) => demo::run(a).map(|_| ()),
        Command::Fit(a) => fit::run(a, cli.quiet).map(|_| ()),
        Command::Run(a) => predict::run(a),
        Command::Generate(a) => predict::generate(a, cli.quiet),
        Command::Info(a) => info::run(a),
        Command::Dataset(a) => dataset::run(a),
        Command::Plot(a) => plot_cmd::run(a),
        Command::Bench(b) => bench::run(b),
    }
}
