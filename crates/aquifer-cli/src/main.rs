//! `aquifer`: reservoir computing from the shell.
//!
//! Every failure prints one line naming the problem and exits with a non-zero status.

mod bench;
mod dataset;
mod info;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "aquifer",
    version,
    about = "Reservoir computing: echo state networks from the shell"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a built-in dataset to a CSV file (one row per time step, a header line).
    Dataset(dataset::Args),
    /// Print a model file's kind, configuration and tensor shapes.
    Info(info::Args),
    /// Timings of the core kernels.
    #[command(subcommand)]
    Bench(bench::Bench),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dataset(args) => dataset::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Bench(b) => bench::run(&b),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
