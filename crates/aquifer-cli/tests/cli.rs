//! End-to-end tests of the `aquifer` binary.

use std::process::Command;

fn aquifer(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_aquifer"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("aquifer-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn dataset_writes_a_csv_with_a_header() {
    let out = temp("lorenz.csv");
    let o = aquifer(&[
        "dataset",
        "lorenz",
        "--steps",
        "100",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 101);
    assert_eq!(lines[0], "x,y,z");
    assert_eq!(lines[1], "1.0,1.0,1.0");
    // values read back exactly as the library computes them
    let expected = aquifer::datasets::lorenz(&Default::default(), 100).unwrap();
    let last: Vec<f64> = lines[100].split(',').map(|v| v.parse().unwrap()).collect();
    assert_eq!(
        last,
        vec![expected[(99, 0)], expected[(99, 1)], expected[(99, 2)]]
    );

    let narma = temp("narma.csv");
    let o = aquifer(&[
        "dataset",
        "narma10",
        "--steps",
        "50",
        "--seed",
        "3",
        "--out",
        narma.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert!(std::fs::read_to_string(&narma)
        .unwrap()
        .starts_with("u,y\n"));
    let laser = temp("laser.csv");
    assert!(
        aquifer(&["dataset", "santafe-laser", "--out", laser.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(
        std::fs::read_to_string(&laser).unwrap().lines().count(),
        10094
    );
}

#[test]
fn bad_arguments_print_one_line_and_fail() {
    let o = aquifer(&["dataset", "no-such-set", "--out", "x.csv"]);
    assert!(!o.status.success());
    let o = aquifer(&[
        "dataset",
        "mackey-glass",
        "--steps",
        "0",
        "--out",
        temp("mg.csv").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: ")
            && err.contains("--steps must be at least 1")
            && err.lines().count() == 1,
        "{err}"
    );
    let o = aquifer(&["dataset", "henon", "--out", "/no/such/dir/h.csv"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("/no/such/dir/h.csv"));
    let o = aquifer(&["bench", "harvest", "--units", "50", "--connectivity", "1.5"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("connectivity"));
}

#[test]
fn bench_harvest_reports_steps_per_second() {
    let o = aquifer(&[
        "bench", "harvest", "--units", "100", "--steps", "500", "--repeat", "1",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let last = text.lines().last().unwrap();
    let value: f64 = last
        .strip_prefix("steps_per_second: ")
        .expect("last line format")
        .parse()
        .unwrap();
    assert!(value > 0.0 && value.is_finite());
    let o = aquifer(&[
        "bench", "harvest", "--units", "100", "--steps", "500", "--repeat", "1", "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["units"], 100);
    assert!(v["steps_per_second"].as_f64().unwrap() > 0.0);
}

#[test]
fn info_describes_a_model_file_and_refuses_a_corrupt_one() {
    use aquifer::prelude::*;
    let esn = Esn::builder()
        .units(40)
        .input_to_readout(true)
        .seed(2)
        .build(3, 2)
        .unwrap();
    let path = temp("model.aqf");
    esn.save(&path).unwrap();
    let o = aquifer(&["info", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("model: esn"), "{text}");
    assert!(text.contains("\"units\": 40"), "{text}");
    assert!(text.contains("reservoir.win: [40, 3]"), "{text}");
    // truncate the file: one error line, non-zero exit
    let bytes = std::fs::read(&path).unwrap();
    let broken = temp("broken.aqf");
    std::fs::write(&broken, &bytes[..bytes.len() / 2]).unwrap();
    let o = aquifer(&["info", broken.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("broken.aqf") && err.lines().count() == 1,
        "{err}"
    );
}
