//! `aquifer bench science --quick --check docs/science.json`: the reduced table stays within
//! tolerance of the committed values, and a drifted value is caught.

mod common;

use common::*;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn the_quick_table_matches_the_committed_values() {
    let out = ok(
        root(),
        &[
            "bench",
            "science",
            "--quick",
            "--quiet",
            "--check",
            "docs/science.json",
        ],
    );
    assert!(out.contains("every row within tolerance"), "{out}");
    assert!(out.contains("| NARMA-10, N = 100 |"), "{out}");
}

#[test]
fn a_drifted_row_is_caught() {
    let d = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("docs/science.json")).unwrap();
    let mut values: serde_json::Value = serde_json::from_str(&text).unwrap();
    let row = values["rows"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r[0] == "narma10-100")
        .unwrap();
    row[2] = serde_json::json!(row[2].as_f64().unwrap() * 1.1);
    let drifted = d.path().join("drifted.json");
    std::fs::write(&drifted, values.to_string()).unwrap();
    let err = fails(
        root(),
        &[
            "bench",
            "science",
            "--quick",
            "--quiet",
            "--check",
            drifted.to_str().unwrap(),
        ],
    );
    assert!(err.contains("narma10-100"), "{err}");
}
