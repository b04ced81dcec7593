//! The `aquifer` command line: reservoir computing from the shell.
//!
//! `aquifer demo` forecasts and generates Mackey-Glass and draws the result; `fit` makes a model
//! file (a forecaster, or a classifier with `--classes`) from a TOML configuration and CSV/.npy
//! series; `run`, `predict`, `score` and `generate` use it; `info` describes it; `search` tunes hyperparameters; `dataset` writes
//! built-in datasets; `plot` draws series; `bench harvest` times the reservoir kernel. Every failure is one line naming the problem and a non-zero exit.

pub mod classes;
pub mod commands;
pub mod config;
pub mod error;
pub mod memory;
pub mod outputs;
pub mod plot;
pub mod progress;
pub mod report;
pub mod science;
pub mod study;
pub mod table;
pub mod trained;

pub use error::{Error, Result};

use clap::{Parser, Subcommand};
use commands::{
    bench, dataset, demo, features, fit, generate, info, plot as plot_cmd, predict,
    report as report_cmd, score, search, shard,
};

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
    /// The most memory a command may plan to take (`8G`, `500M`...): a larger model, dataset,
    /// generation or picture is refused before anything is allocated, with what it would take.
    /// Never more than the memory available.
    #[arg(long, global = true, default_value = "4G", value_name = "SIZE")]
    pub max_memory: memory::Size,
    /// Whether the first line of a CSV file holds column names: `auto` (when none of its
    /// fields is a number), `yes` (even `0,1`), `no` (every line is data).
    #[arg(
        long,
        global = true,
        default_value = "auto",
        value_name = "auto|yes|no"
    )]
    pub header: aquifer::io::Header,
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
    /// The readout statistics of some training files (a shard of a fit), as `fit` takes them:
    /// a statistics file for `merge` and `solve`.
    Stats(fit::Args),
    /// Merge statistics files (from `stats` or `merge`), in the order given, into one.
    Merge(shard::MergeArgs),
    /// Solve a model from a statistics file and the configuration it was made with: the model
    /// `fit` gives on all the shards' files.
    Solve(shard::SolveArgs),
    /// Run a model file over one series or many; write its outputs at every step (and states).
    Run(predict::RunArgs),
    /// As `run`; with a classifier (`fit --classes`), one class per input file.
    Predict(predict::RunArgs),
    /// Print how well a model does on series with known answers: a classifier's accuracy and
    /// confusion matrix, a forecaster's NRMSE, RMSE and R² per target.
    Score(score::Args),
    /// Search hyperparameters (TOML study file): random or TPE, in parallel, recorded in JSON
    /// lines and resumable; the ridge is solved for in closed form.
    Search(search::Args),
    /// Draw a study's report: PNG plots, one self-contained HTML page, a CSV of its trials.
    Report(report_cmd::Args),
    /// Warm a model up on a series, then feed its predictions back: write the generated series.
    Generate(generate::GenerateArgs),
    /// Print a model file's kind, configuration and tensor shapes.
    Info(info::Args),
    /// Write a built-in dataset to CSV or .npy (one row per time step).
    Dataset(dataset::Args),
    /// Draw a series (and a second one to compare) to PNG or SVG.
    Plot(plot_cmd::Args),
    /// Features from raw recordings: `features mfcc WAV... --out DIR`.
    #[command(subcommand)]
    Features(features::Features),
    /// Timings of the core kernels.
    #[command(subcommand)]
    Bench(bench::Bench),
}

/// Runs a parsed command line.
pub fn execute(cli: &Cli) -> Result<()> {
    memory::set_max(cli.max_memory);
    table::set_header(cli.header);
    cli.threads.install(|| execute_here(cli))?
}

/// Runs the command on this thread's pool.
fn execute_here(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Demo(a) => demo::run(a).map(|_| ()),
        Command::Fit(a) => fit::run(a, cli.quiet).map(|_| ()),
        Command::Stats(a) => shard::stats(a, cli.quiet),
        Command::Merge(a) => shard::merge(a),
        Command::Solve(a) => shard::solve(a),
        Command::Run(a) => predict::run(a, predict::Mode::Run),
        Command::Predict(a) => predict::run(a, predict::Mode::Predict),
        Command::Score(a) => score::run(a),
        Command::Search(a) => search::run(a, cli.quiet),
        Command::Report(a) => report_cmd::run(a),
        Command::Generate(a) => generate::run(a, cli.quiet),
        Command::Info(a) => info::run(a),
        Command::Dataset(a) => dataset::run(a),
        Command::Plot(a) => plot_cmd::run(a),
        Command::Features(f) => features::run(f),
        Command::Bench(b) => bench::run(b, cli.quiet),
    }
}
