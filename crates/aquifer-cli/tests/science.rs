//! `aquifer bench science --quick --check docs/science.json`: the reduced table stays within
//! tolerance of the committed values, and a drifted value is caught.

mod common;

use common::*;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn the_quick_table_matches_the_committed_values_with_peers_and_figures() {
    let d = tempfile::tempdir().unwrap();
    // a peer's run with one row (as bench/science_reservoirpy.py writes it)
    let peer = d.path().join("peer.json");
    std::fs::write(
        &peer,
        r#"{"reservoirpy": "0.4.2", "rows": {"narma10-100": {"values": [0.5, 0.7], "seconds": 100.0}}}"#,
    )
    .unwrap();
    let plots = d.path().join("img");
    let out = ok(
        root(),
        &[
            "bench",
            "science",
            "--quick",
            "--quiet",
            "--check",
            "docs/science.json",
            "--reservoirpy",
            peer.to_str().unwrap(),
            "--plots",
            plots.to_str().unwrap(),
        ],
    );
    assert!(out.contains("every row within tolerance"), "{out}");
    let narma = out
        .lines()
        .find(|l| l.starts_with("| NARMA-10, N = 100 |"))
        .unwrap_or_else(|| panic!("{out}"));
    // the peer's mean and spread, and the ratio of the times
    assert!(narma.contains("| 0.600 +/- 0.100 |"), "{narma}");
    assert!(narma.trim_end().ends_with("x |"), "{narma}");
    let jv = out
        .lines()
        .find(|l| l.starts_with("| Japanese vowels"))
        .unwrap();
    assert!(jv.contains("- (no such feature)"), "{jv}");
    for name in ["mackey-glass", "memory", "lorenz63", "error-growth"] {
        let png = std::fs::read(plots.join(format!("science-{name}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{name}");
    }
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
