//! The README's command-line tour runs as written, command after command.

mod common;

use common::*;
use std::path::Path;

#[test]
fn the_readme_tour_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = &readme[readme
        .find("## Command line")
        .expect("a command-line section")..];
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a sh block in the command-line section");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("examples")).unwrap();
    std::fs::copy(
        root.join("examples/mackey-glass.toml"),
        d.join("examples/mackey-glass.toml"),
    )
    .unwrap();
    let mut ran = 0;
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        let args: Vec<&str> = line
            .strip_prefix("aquifer ")
            .unwrap_or_else(|| panic!("not an aquifer command: {line}"))
            .split_whitespace()
            .collect();
        let out = ok(d, &args);
        assert!(!out.is_empty(), "{line}: printed nothing");
        ran += 1;
    }
    assert!(ran >= 7, "the tour shows every main command");
    // what the tour promises exists and holds what it says
    let forecast = read(&d.join("forecast.csv"));
    assert_eq!((forecast.nrows(), forecast.ncols()), (2000, 1));
    assert_eq!(read(&d.join("states.npy")).ncols(), 500);
    assert_eq!(read(&d.join("generated.csv")).nrows(), 1000);
    assert!(std::fs::read(d.join("generated.png"))
        .unwrap()
        .starts_with(b"\x89PNG"));
}
