//! Every failure of the command line: one readable line naming the problem, non-zero exit,
//! nothing half-written.

mod common;

use common::*;

const CONFIG: &str = "[reservoir]\nunits = 30\n";

#[test]
fn missing_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "esn.toml", CONFIG);
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "nope.toml",
            "a.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(e.contains("nope.toml") && e.contains("No such file"), "{e}");
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "esn.toml",
            "a.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(e.contains("a.csv") && e.contains("No such file"), "{e}");
    let e = fails(d, &["run", "none.aqf", "a.csv", "-o", "p.csv"]);
    assert!(e.contains("none.aqf"), "{e}");
    let e = fails(d, &["plot", "none.csv", "-o", "p.png"]);
    assert!(e.contains("none.csv"), "{e}");
}

#[test]
fn bad_data_is_reported_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "esn.toml", CONFIG);
    let fit = |file: &str| {
        fails(
            d,
            &[
                "fit",
                "-c",
                "esn.toml",
                file,
                "--horizon",
                "1",
                "-o",
                "m.aqf",
            ],
        )
    };
    write(d, "nan.csv", "x\n0.1\n0.2\nNaN\n0.4\n");
    let e = fit("nan.csv");
    assert!(
        e.contains("nan.csv: line 4, column 1: non-finite value NaN"),
        "{e}"
    );
    write(d, "text.csv", "x,y\n1,2\n3,abc\n");
    let e = fit("text.csv");
    assert!(
        e.contains("text.csv: line 3, column 2: `abc` is not a number"),
        "{e}"
    );
    write(d, "ragged.csv", "1,2\n3,4\n5\n");
    let e = fit("ragged.csv");
    assert!(
        e.contains("line 3: 1 fields where the first row has 2"),
        "{e}"
    );
    write(d, "empty.csv", "x\n");
    assert!(fit("empty.csv").contains("no rows"));
    std::fs::write(d.join("junk.npy"), b"\x93NUMPY garbage").unwrap();
    assert!(fit("junk.npy").contains("junk.npy: not a valid .npy file"));
    write(d, "short.csv", "x\n1\n");
    assert!(fit("short.csv").contains("too short for a horizon of 1"));
    // warm-up longer than the series
    write(d, "warm.toml", "warmup = 10\n[reservoir]\nunits = 30\n");
    write(d, "five.csv", "x\n1\n2\n3\n4\n5\n");
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "warm.toml",
            "five.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(e.contains("warm"), "{e}");
    assert!(!d.join("m.aqf").exists());
}

#[test]
fn bad_configurations_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "x.csv", "x\n1\n2\n3\n4\n5\n6\n");
    let fit = |cfg: &str| {
        write(d, "c.toml", cfg);
        fails(
            d,
            &[
                "fit",
                "-c",
                "c.toml",
                "x.csv",
                "--horizon",
                "1",
                "-o",
                "m.aqf",
            ],
        )
    };
    let e = fit("[reservoir]\nunits = 30\nleak = 0.3\n");
    assert!(
        e.contains("c.toml: line 3") && e.contains("unknown field `leak`"),
        "{e}"
    );
    let e = fit("[reservoir]\nunits = -3\n");
    assert!(e.contains("c.toml: line 2"), "{e}");
    let e = fit("[reservoir]\nunits = 30\nrc_connectivity = 1.5\n");
    assert!(e.contains("rc_connectivity") && e.contains("1.5"), "{e}");
    let e = fit("[readout]\nridge = 1e-3\n");
    assert!(e.contains("no model: add a [reservoir] table"), "{e}");
    let e = fit("[reservoir]\nactivation = \"swish\"\n");
    assert!(e.contains("swish"), "{e}");
    let e = fit("[reservoir\n");
    assert!(e.contains("c.toml: line 1"), "{e}");
}

#[test]
fn usage_mistakes_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "esn.toml", CONFIG);
    write(d, "uv.csv", "u,v\n1,2\n2,3\n3,4\n4,5\n5,6\n");
    let e = fails(d, &["fit", "-c", "esn.toml", "uv.csv", "-o", "m.aqf"]);
    assert!(e.contains("--horizon must be >= 1"), "{e}");
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "esn.toml",
            "uv.csv",
            "--inputs",
            "w",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(e.contains("no column `w` (columns: u, v)"), "{e}");
    ok(
        d,
        &[
            "fit",
            "-c",
            "esn.toml",
            "uv.csv",
            "--inputs",
            "u",
            "--targets",
            "v",
            "-o",
            "m.aqf",
        ],
    );
    // the input column is found by its training name; chosen otherwise, it must fit
    ok(d, &["run", "m.aqf", "uv.csv", "-o", "p.csv"]);
    let e = fails(
        d,
        &["run", "m.aqf", "uv.csv", "--inputs", "u,v", "-o", "p.csv"],
    );
    assert!(
        e.contains("2 input columns selected (u, v), the model takes 1"),
        "{e}"
    );
    write(d, "ab.csv", "a,b\n1,2\n2,3\n");
    let e = fails(d, &["run", "m.aqf", "ab.csv", "-o", "p.csv"]);
    assert!(e.contains("no column u (the model's inputs are u"), "{e}");
    ok(
        d,
        &["run", "m.aqf", "uv.csv", "--inputs", "0", "-o", "p.csv"],
    );
    // a corrupt model file
    let bytes = std::fs::read(d.join("m.aqf")).unwrap();
    let mut bad = bytes.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    std::fs::write(d.join("bad.aqf"), &bad).unwrap();
    let e = fails(
        d,
        &["run", "bad.aqf", "uv.csv", "--inputs", "u", "-o", "p2.csv"],
    );
    assert!(e.contains("bad.aqf"), "{e}");
    assert!(!d.join("p2.csv").exists());
    // an output that cannot be written leaves the old one intact
    let e = fails(
        d,
        &[
            "run",
            "m.aqf",
            "uv.csv",
            "--inputs",
            "u",
            "-o",
            "/no/such/dir/p.csv",
        ],
    );
    assert!(e.contains("/no/such/dir/p.csv"), "{e}");
}

#[test]
fn argument_mistakes_are_one_line_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let e = fails(d, &["fit", "-c", "x.toml", "a.csv"]);
    assert!(e.contains("--out"), "{e}");
    let e = fails(d, &["dataset", "no-such-set", "--out", "x.csv"]);
    assert!(
        e.contains("no-such-set") && e.contains("mackey-glass"),
        "{e}"
    );
    let e = fails(d, &["run", "m.aqf", "x.csv", "-o", "p.csv", "--frobnicate"]);
    assert!(e.contains("--frobnicate"), "{e}");
    let o = aquifer_in(d, &["--help"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("demo"));
}
