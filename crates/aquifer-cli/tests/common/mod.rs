//! Helpers shared by the command-line tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `aquifer` binary in `dir` with `args`.
pub fn aquifer_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aquifer"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs it and asserts success; returns stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let o = aquifer_in(dir, args);
    assert!(
        o.status.success(),
        "aquifer {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Runs it, asserts failure with exactly one `error: ` line on stderr; returns that line.
pub fn fails(dir: &Path, args: &[&str]) -> String {
    let o = aquifer_in(dir, args);
    assert!(!o.status.success(), "aquifer {args:?} should fail");
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.starts_with("error: ") && err.lines().count() == 1,
        "aquifer {args:?}: not one error line: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    err.trim_end().to_string()
}

/// Writes `text` to `dir/name`; returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Reads a series written by the command line.
pub fn read(path: &Path) -> aquifer::faer::Mat<f64> {
    aquifer_cli::table::read(path).unwrap().data
}

/// The fixture folder.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}
