//! Helpers shared by the command-line tests.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The longest any command may take in a test.
const TIME_LIMIT: Duration = Duration::from_secs(120);

/// Runs the `aquifer` binary in `dir` with `args`, killed (and the test failed) if it runs past
/// the time limit.
pub fn aquifer_in(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aquifer"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // read both pipes as they fill, so that a talkative command never blocks
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).map(|_| bytes)
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("piped")));
    let err = drain(Box::new(child.stderr.take().expect("piped")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the binary is waited for") {
            break status;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            panic!("aquifer {args:?} ran past {TIME_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: out.join().expect("reader").expect("stdout"),
        stderr: err.join().expect("reader").expect("stderr"),
    }
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
