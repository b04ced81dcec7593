//! Sequence classification and many series from the shell: `fit --classes`, `predict` and
//! `score`, `run` over many files into a folder or one file.

mod common;

use aquifer::faer::Mat;
use aquifer::prelude::*;
use common::*;
use std::path::Path;

/// The shipped example configuration.
fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .display()
        .to_string()
}

/// The rows of a CSV file written by `predict` with a classifier: (file, class, scores).
fn class_rows(path: &Path) -> Vec<(String, String, Vec<f64>)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("file,class,"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let scores = f[2..].iter().map(|v| v.parse().unwrap()).collect();
            (f[0].to_string(), f[1].to_string(), scores)
        })
        .collect()
}

#[test]
fn japanese_vowels_are_classified_from_the_shell_as_the_library_would() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["dataset", "japanese-vowels", "--out", "jv"]);
    let config = example("japanese-vowels.toml");
    let train: Vec<String> = (0..270).map(|k| format!("jv/train_{k:03}.csv")).collect();
    let test: Vec<String> = (0..370).map(|k| format!("jv/test_{k:03}.csv")).collect();
    let mut args = vec!["fit", "-c", &config, "--inputs", "c0:c11"];
    args.extend([
        "--classes",
        "speaker0:speaker8",
        "--last",
        "10",
        "-o",
        "jv.aqf",
    ]);
    args.extend(train.iter().map(String::as_str));
    let out = ok(d, &args);
    assert!(out.contains("on 270 series"), "{out}");
    assert!(out.contains("9 classes: speaker0, speaker1"), "{out}");

    let mut args = vec!["score", "jv.aqf"];
    args.extend(test.iter().map(String::as_str));
    let scored = aquifer_in(d, &args);
    assert!(scored.status.success());
    assert!(scored.stderr.is_empty(), "a classifier needs no note");
    let scored = String::from_utf8(scored.stdout).unwrap();
    let correct: usize = scored
        .split_once('(')
        .and_then(|(_, r)| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{scored}"));
    println!("{scored}");
    // the literature's 98-99% for one ESN; this seed gives 364 of 370
    assert!(correct >= 363, "{scored}");
    assert!(scored.contains("the last 10 steps"), "{scored}");
    let table: Vec<&str> = scored.lines().skip(1).collect();
    assert_eq!(table.len(), 10, "a header and a row per speaker: {scored}");
    assert!(table[0].starts_with("true \\ predicted") && table[0].ends_with("recall"));

    let mut args = vec!["predict", "jv.aqf", "-o", "classes.csv"];
    args.extend(test.iter().map(String::as_str));
    let out = ok(d, &args);
    assert!(out.contains("classes of 370 series"), "{out}");
    let rows = class_rows(&d.join("classes.csv"));
    assert_eq!(rows.len(), 370);
    // the same classes as the library: each series from zero, the mean over its last 10 steps
    let esn = Esn::load(d.join("jv.aqf")).unwrap();
    let mut agree = 0;
    for (k, (file, class, scores)) in rows.iter().enumerate() {
        assert_eq!(*file, test[k]);
        let s = read(&d.join(file));
        let mut fresh = esn.clone();
        fresh.reset();
        let p = fresh.run(s.subcols(0, 12)).unwrap();
        let means = aquifer::classify::mean_scores(&p, Some(10)).unwrap();
        for (a, b) in means.iter().zip(scores) {
            assert!(
                (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                "{file}: {a} vs {b}"
            );
        }
        let decided = aquifer::classify::argmax(means.iter().copied());
        assert_eq!(*class, format!("speaker{decided}"), "{file}");
        agree += usize::from(s[(0, 12 + decided)] == 1.0);
    }
    assert_eq!(agree, correct, "predict and score count alike");
}

/// Two classes of short series, with a label column: a sine around 0.5 (label 3) or -0.5
/// (label 7).
fn labelled(d: &Path, name: &str, label: i64, phase: f64, rows: usize) {
    let level = if label == 3 { 0.5 } else { -0.5 };
    let mut text = String::from("u,label\n");
    for t in 0..rows {
        let u = level + 0.3 * (0.4 * t as f64 + phase).sin();
        text.push_str(&format!("{u},{label}\n"));
    }
    write(d, name, &text);
}

#[test]
fn a_label_column_names_the_classes_and_bad_labels_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "c.toml",
        "seed = 3\nwarmup = 0\n[reservoir]\nunits = 60\n[readout]\nridge = 1e-4\n",
    );
    let mut train = Vec::new();
    for k in 0..12 {
        let label = if k % 2 == 0 { 3 } else { 7 };
        let name = format!("train{k}.csv");
        labelled(d, &name, label, k as f64, 30);
        train.push(name);
    }
    let mut args = vec!["fit", "-c", "c.toml", "--inputs", "u", "--classes", "label"];
    args.extend(["-o", "c.aqf"]);
    args.extend(train.iter().map(String::as_str));
    let out = ok(d, &args);
    assert!(
        out.contains("2 classes: 3, 7 (labels of column label; decided over every step)"),
        "{out}"
    );
    labelled(d, "a.csv", 3, 0.5, 25);
    labelled(d, "b.csv", 7, 2.5, 25);
    let out = ok(d, &["score", "c.aqf", "a.csv", "b.csv"]);
    assert!(out.starts_with("accuracy 100.00% (2 of 2 series"), "{out}");
    ok(d, &["predict", "c.aqf", "a.csv", "b.csv", "-o", "p.csv"]);
    let rows = class_rows(&d.join("p.csv"));
    let classes: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(classes, ["3", "7"]);
    // `run` on a classifier writes its scores at every step, named by class
    ok(d, &["run", "c.aqf", "a.csv", "-o", "scores.csv"]);
    let header = std::fs::read_to_string(d.join("scores.csv")).unwrap();
    assert!(header.starts_with("3,7\n"), "{header}");

    labelled(d, "five.csv", 5, 0.0, 20);
    let e = fails(d, &["score", "c.aqf", "five.csv"]);
    assert!(
        e.contains("five.csv: class 5 is not one of the model's classes (3, 7)"),
        "{e}"
    );
    write(d, "changes.csv", "u,label\n0.1,3\n0.2,7\n");
    let e = fails(d, &["score", "c.aqf", "changes.csv"]);
    assert!(
        e.contains("row 2: the class changes within the series"),
        "{e}"
    );
    write(d, "half.csv", "u,label\n0.1,3.5\n");
    let e = fails(d, &["score", "c.aqf", "half.csv"]);
    assert!(
        e.contains("class label 3.5 in column `label` is not a whole number"),
        "{e}"
    );
    let e = fails(d, &["predict", "c.aqf", "a.csv", "-o", "p.npy"]);
    assert!(e.contains("classes are written as CSV"), "{e}");
    let e = fails(
        d,
        &["predict", "c.aqf", "a.csv", "-o", "q.csv", "--last", "0"],
    );
    assert!(e.contains("--last must be at least 1 step"), "{e}");
    let e = fails(d, &["run", "c.aqf", "a.csv", "-o", "q.csv", "--last", "3"]);
    assert!(e.contains("use it with `predict` or `score`"), "{e}");
    // one class only, a class column also an input, one-hot columns that are not
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "c.toml",
            "a.csv",
            "--classes",
            "label",
            "-o",
            "x.aqf",
        ],
    );
    assert!(e.contains("is both an input and a class column"), "{e}");
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "c.toml",
            "a.csv",
            "--inputs",
            "u",
            "--classes",
            "label",
            "-o",
            "x.aqf",
        ],
    );
    assert!(e.contains("every training series is of class 3"), "{e}");
    write(d, "hot.csv", "u,a,b\n0.1,1,0\n0.2,1,1\n");
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "c.toml",
            "hot.csv",
            "--inputs",
            "u",
            "--classes",
            "a:b",
            "-o",
            "x.aqf",
        ],
    );
    assert!(
        e.contains("row 2: the class columns a..b are not one-hot"),
        "{e}"
    );
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "c.toml",
            "a.csv",
            "--classes",
            "label",
            "--horizon",
            "1",
            "-o",
            "x.aqf",
        ],
    );
    assert!(e.contains("--horizon") && e.contains("--classes"), "{e}");
}

#[test]
fn run_over_many_files_writes_a_folder_or_one_file_as_single_runs_would() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut series = Vec::new();
    for (k, seed) in ["1", "2", "3"].iter().enumerate() {
        let name = format!("s{k}.csv");
        let steps = (300 + 50 * k).to_string();
        ok(
            d,
            &[
                "dataset",
                "mackey-glass",
                "--steps",
                &steps,
                "--seed",
                seed,
                "--out",
                &name,
            ],
        );
        series.push(name);
    }
    write(
        d,
        "m.toml",
        "seed = 7\nwarmup = 50\n[reservoir]\nunits = 80\nleak_rate = 0.3\n[readout]\nridge = 1e-7\n",
    );
    let mut args = vec!["fit", "-c", "m.toml", "--horizon", "1", "-o", "m.aqf"];
    args.extend(series.iter().map(String::as_str));
    ok(d, &args);

    // every file's outputs as the library computes them, each from zero
    let esn = Esn::load(d.join("m.aqf")).unwrap();
    let expected: Vec<(Mat<f64>, Mat<f64>)> = series
        .iter()
        .map(|s| {
            let mut fresh = esn.clone();
            fresh.reset();
            fresh.run_with_states(read(&d.join(s))).unwrap()
        })
        .collect();
    let close = |a: &Mat<f64>, b: &Mat<f64>, what: &str| {
        assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()), "{what}");
        for i in 0..a.nrows() {
            for j in 0..a.ncols() {
                let (x, y) = (a[(i, j)], b[(i, j)]);
                assert!(
                    (x - y).abs() <= 1e-12 * x.abs().max(1.0),
                    "{what} ({i}, {j})"
                );
            }
        }
    };

    let mut args = vec!["run", "m.aqf", "-o", "preds", "--states", "states"];
    args.extend(series.iter().map(String::as_str));
    let out = ok(d, &args);
    assert!(
        out.contains("outputs of 3 series (1050 rows of 1 columns)"),
        "{out}"
    );
    for (s, (p, x)) in series.iter().zip(&expected) {
        close(&read(&d.join("preds").join(s)), p, s);
        close(&read(&d.join("states").join(s)), x, s);
    }
    // into one file each, numbered by a first column `series`
    let mut args = vec!["run", "m.aqf", "-o", "all.npy", "--states", "states.csv"];
    args.extend(series.iter().map(String::as_str));
    ok(d, &args);
    let all = read(&d.join("all.npy"));
    let states = read(&d.join("states.csv"));
    assert_eq!((all.nrows(), all.ncols(), states.ncols()), (1050, 2, 81));
    let mut at = 0;
    for (k, (p, x)) in expected.iter().enumerate() {
        let rows = p.nrows();
        assert!((0..rows).all(|i| all[(at + i, 0)] == k as f64 && states[(at + i, 0)] == k as f64));
        close(
            &all.subcols(1, 1).subrows(at, rows).to_owned(),
            p,
            "all.npy",
        );
        close(
            &states.subcols(1, 80).subrows(at, rows).to_owned(),
            x,
            "states.csv",
        );
        at += rows;
    }

    // a forecaster is scored on its targets, read as fitted (horizon 1, warm-up 50)
    let mut args = vec!["score", "m.aqf"];
    args.extend(series.iter().map(String::as_str));
    let out = ok(d, &args);
    assert!(
        out.starts_with("scored 3 series (897 steps after a warm-up of 50 each, horizon 1)"),
        "{out}"
    );
    let mut truth = Vec::new();
    let mut guess = Vec::new();
    for (s, (p, _)) in series.iter().zip(&expected) {
        let x = read(&d.join(s));
        for t in 50..x.nrows() - 1 {
            truth.push(x[(t + 1, 0)]);
            guess.push(p[(t, 0)]);
        }
    }
    let nrmse = metrics::nrmse(
        aquifer::series::column(&truth),
        aquifer::series::column(&guess),
        metrics::Norm::Std,
    )
    .unwrap();
    let printed: f64 = out
        .lines()
        .nth(2)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (printed - nrmse).abs() <= 1e-4 * nrmse,
        "{printed} vs {nrmse}: {out}"
    );

    // refused: a folder that is not empty, two inputs of one name, one folder for both
    let e = fails(d, &["run", "m.aqf", "s0.csv", "s1.csv", "-o", "preds"]);
    assert!(
        e.contains("--out preds: the folder exists and is not empty"),
        "{e}"
    );
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::copy(d.join("s0.csv"), d.join("sub/s0.csv")).unwrap();
    let e = fails(d, &["run", "m.aqf", "s0.csv", "sub/s0.csv", "-o", "fresh"]);
    assert!(e.contains("two inputs are named s0.csv"), "{e}");
    let e = fails(
        d,
        &[
            "run", "m.aqf", "s0.csv", "s1.csv", "-o", "x.csv", "--states", "x.csv",
        ],
    );
    assert!(e.contains("both name"), "{e}");
    let e = fails(d, &["run", "m.aqf", "s0.csv", "s1.csv", "-o", "x.npz"]);
    assert!(e.contains("several series go to a folder"), "{e}");
    assert!(!d.join("fresh").exists() && !d.join("x.csv").exists() && !d.join("x.npz").exists());
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "dataset",
            "mackey-glass",
            "--steps",
            "200",
            "--out",
            "s.csv",
        ],
    );
    write(d, "m.toml", "seed = 1\n[reservoir]\nunits = 20\n");
    ok(
        d,
        &[
            "fit",
            "-c",
            "m.toml",
            "s.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_aquifer"))
        .current_dir(d)
        .args(["info", "m.aqf"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once, as `| head -0` would
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
}
