//! `aquifer`: reservoir computing from the shell. Every failure prints one line naming the
//! problem and exits with a non-zero status.

use clap::error::ErrorKind;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    quiet_broken_pipe();
    let cli = match aquifer_cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
            }
            eprintln!("{} (see aquifer --help)", one_line(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    match aquifer_cli::execute(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A command-line parsing error on one line: its message and details, without the usage.
fn one_line(message: &str) -> String {
    message
        .lines()
        .take_while(|l| !l.starts_with("Usage:"))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Restores the default action of SIGPIPE (which Rust ignores), so that output into a closed
/// pipe (`aquifer info m.aqf | head`) ends the process quietly, as it ends `cat`, instead of
/// failing in the middle of a `println!`.
fn quiet_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: called once at the start of `main`, before any thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
