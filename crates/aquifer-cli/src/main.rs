//! `aquifer`: reservoir computing from the shell. Every failure prints one line naming the
//! problem and exits with a non-zero status.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = aquifer_cli::Cli::parse();
    match aquifer_cli::execute(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
