//! `aquifer search` from the shell: a study recorded and resumed, its best trial a `fit`
//! configuration that reproduces its validation loss, failures recorded, Ctrl-C keeps every
//! finished trial, classification by accuracy, and bad study files named.

mod common;

use common::*;
use std::path::Path;

const STUDY: &str = r#"seed = 4
trials = 12
batch = 4
instances_per_trial = 2

[data]
files = ["mg.csv"]
horizon = 1
validation = 0.2

[model]
warmup = 50
[model.reservoir]
units = 60

[space]
"reservoir.spectral_radius" = { distribution = "log_uniform", low = 0.2, high = 1.5 }
"reservoir.leak_rate" = { distribution = "uniform", low = 0.1, high = 1.0 }
"reservoir.input_scaling" = { distribution = "choice", values = [0.1, 0.5, 1.0] }

[ridge]
low = 1e-10
high = 1e-2
count = 9
"#;

fn records(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn setup(d: &Path) {
    ok(
        d,
        &["dataset", "mackey-glass", "--steps", "1500", "-o", "mg.csv"],
    );
    write(d, "mg.toml", STUDY);
}

#[test]
fn a_study_is_recorded_resumed_and_its_best_trial_refits_to_its_loss() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let out = ok(d, &["search", "mg.toml", "--trials", "8"]);
    assert!(out.contains("8 of 8 trials finished (0 failed)"), "{out}");
    let lines = records(&d.join("mg.jsonl"));
    assert_eq!(lines.len(), 9);
    assert_eq!(lines[0]["record"], "study");
    for t in &lines[1..] {
        // values, never indices; the ridge chosen from the grid; one loss per instance
        let s = t["params"]["reservoir.input_scaling"].as_f64().unwrap();
        assert!([0.1, 0.5, 1.0].contains(&s), "{t}");
        assert!(t["params"]["readout.ridge"].as_f64().is_some(), "{t}");
        assert_eq!(t["losses"].as_array().unwrap().len(), 2);
        assert_eq!(t["seeds"].as_array().unwrap().len(), 2);
        assert!(t["seconds"].as_f64().unwrap() >= 0.0);
    }
    // resumed to the file's budget: numbering goes on
    let out = ok(d, &["search", "--resume", "mg.jsonl"]);
    assert!(out.contains("12 of 12 trials finished"), "{out}");
    let lines = records(&d.join("mg.jsonl"));
    let mut numbers: Vec<u64> = lines[1..]
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (0..12).collect::<Vec<_>>());

    // the best trial as a fit configuration: fitted on the training rows and scored on the
    // validation rows, it gives the first instance's recorded loss
    let best = ok(d, &["search", "--best", "mg.jsonl"]);
    let first = best.lines().next().unwrap();
    assert!(first.starts_with("# best trial"), "{best}");
    write(d, "best.toml", &best);
    let number: u64 = first.split_whitespace().nth(3).unwrap().parse().unwrap();
    let trial = lines[1..]
        .iter()
        .find(|t| t["number"].as_u64() == Some(number))
        .unwrap();
    let mg = std::fs::read_to_string(d.join("mg.csv")).unwrap();
    let rows: Vec<&str> = mg.lines().skip(1).collect();
    // 1499 pairs: the first 1199 train, the other 300 validate
    let train = 1199;
    write(
        d,
        "train.csv",
        &format!("x\n{}\n", rows[..=train].join("\n")),
    );
    write(d, "val.csv", &format!("x\n{}\n", rows[train..].join("\n")));
    ok(
        d,
        &[
            "fit",
            "-c",
            "best.toml",
            "train.csv",
            "--horizon",
            "1",
            "-o",
            "b.aqf",
        ],
    );
    // every validation row counts (the state goes on from training: no warm-up)
    let scored = ok(d, &["score", "b.aqf", "val.csv", "--warmup", "0"]);
    let nrmse: f64 = scored
        .lines()
        .find(|l| l.starts_with('x'))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let recorded = trial["losses"][0].as_f64().unwrap();
    assert!(
        (nrmse - recorded).abs() < 1e-3 * recorded,
        "refit {nrmse} vs recorded {recorded}"
    );
    // a records file is not overwritten
    let e = fails(d, &["search", "mg.toml"]);
    assert!(e.contains("exists already"), "{e}");
}

#[test]
fn failing_trials_are_recorded_and_the_study_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    // leak rates above 1 are refused by the reservoir: those trials fail, the others run
    let study = STUDY.replace(
        r#""reservoir.leak_rate" = { distribution = "uniform", low = 0.1, high = 1.0 }"#,
        r#""reservoir.leak_rate" = { distribution = "uniform", low = 0.5, high = 1.5 }"#,
    );
    write(d, "bad.toml", &study);
    let out = ok(d, &["search", "bad.toml"]);
    let lines = records(&d.join("bad.jsonl"));
    let failed: Vec<&serde_json::Value> = lines[1..]
        .iter()
        .filter(|t| t["error"].is_string())
        .collect();
    assert!(!failed.is_empty() && failed.len() < 12, "{out}");
    for t in failed {
        assert!(
            t["params"]["reservoir.leak_rate"].as_f64().unwrap() > 1.0,
            "{t}"
        );
        assert!(t["error"].as_str().unwrap().contains("leak_rate"), "{t}");
        assert!(t["loss"].is_null());
    }
    assert!(out.contains("12 of 12 trials finished"), "{out}");
}

#[test]
fn sequences_are_classified_by_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "jv.toml",
        r#"trials = 4
batch = 4
[data]
dataset = "japanese-vowels"
inputs = "c0:c11"
classes = "speaker0:speaker8"
last = 5
validation = 0.25
[model.reservoir]
units = 100
[space]
"reservoir.spectral_radius" = { distribution = "uniform", low = 0.5, high = 1.2 }
"reservoir.leak_rate" = { distribution = "log_uniform", low = 0.05, high = 0.5 }
"#,
    );
    let out = ok(d, &["search", "jv.toml"]);
    let best: f64 = out
        .lines()
        .find(|l| l.starts_with("best:"))
        .unwrap()
        .split_whitespace()
        .nth(5)
        .unwrap()
        .parse()
        .unwrap();
    assert!(best > 0.85 && best <= 1.0, "{out}");
    let lines = records(&d.join("jv.jsonl"));
    assert_eq!(lines[0]["direction"], "maximize");
    assert_eq!(lines[0]["loss"], "accuracy");
}

#[test]
fn bad_study_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let run = |text: &str| {
        write(d, "s.toml", text);
        let e = fails(d, &["search", "s.toml"]);
        assert!(!d.join("s.jsonl").exists(), "{e}");
        e
    };
    let e = run(&STUDY.replace("trials = 12", "trails = 12"));
    assert!(e.contains("s.toml") && e.contains("trails"), "{e}");
    let e = run(&STUDY.replace(r#""reservoir.leak_rate""#, r#""reservoir.leak""#));
    assert!(e.contains("leak"), "{e}");
    let e = run(&STUDY.replace("low = 0.2, high = 1.5", "low = 0.0, high = 1.5"));
    assert!(
        e.contains("reservoir.spectral_radius") && e.contains("0 < low"),
        "{e}"
    );
    let e = run(&STUDY.replace("validation = 0.2", "validation = 1.5"));
    assert!(e.contains("validation"), "{e}");
    let e = run(&STUDY.replace("files = [\"mg.csv\"]", "dataset = \"lorenz-63\""));
    assert!(e.contains("lorenz-63"), "{e}");
    let e = run(&STUDY.replace("[ridge]", "loss = \"accuracy\"\n[ridge]"));
    assert!(e.contains("accuracy"), "{e}");
    let e = fails(d, &["search", "--resume", "nothing.jsonl"]);
    assert!(e.contains("nothing.jsonl"), "{e}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_keeps_every_finished_trial_and_the_study_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    // a slower study: many trials of a larger reservoir
    let slow = STUDY
        .replace("trials = 12", "trials = 400")
        .replace("units = 60", "units = 300");
    write(d, "slow.toml", &slow);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_aquifer"))
        .args(["--quiet", "search", "slow.toml"])
        .current_dir(d)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let path = d.join("slow.jsonl");
    let start = std::time::Instant::now();
    while std::fs::read_to_string(&path).map_or(0, |t| t.lines().count()) < 4 {
        assert!(start.elapsed().as_secs() < 120, "no trial finished");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("stopped early"), "{text}");
    let kept = records(&path);
    let finished = kept.len() - 1;
    assert!((3..400).contains(&finished), "{finished}");
    assert!(
        text.contains(&format!("{finished} of 400 trials finished")),
        "{text}"
    );
    // every line is whole, and resuming goes on from there
    let out = ok(
        d,
        &[
            "search",
            "--resume",
            "slow.jsonl",
            "--trials",
            &(finished + 2).to_string(),
        ],
    );
    assert!(
        out.contains(&format!(
            "{} of {} trials finished",
            finished + 2,
            finished + 2
        )),
        "{out}"
    );
}

#[test]
fn the_report_draws_every_figure_into_a_self_contained_page() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    ok(d, &["search", "mg.toml"]);
    let out = ok(d, &["report", "mg.jsonl"]);
    assert!(out.contains("wrote mg-report"), "{out}");
    let r = d.join("mg-report");
    for png in ["loss", "pairs", "progress", "spread"] {
        let bytes = std::fs::read(r.join(format!("{png}.png"))).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{png}");
    }
    let page = std::fs::read_to_string(r.join("report.html")).unwrap();
    assert_eq!(page.matches("<figure class=\"plot\"><svg").count(), 4);
    // nothing to fetch: no link, script or image from elsewhere (SVG namespaces aside)
    let outside = page
        .replace("http://www.w3.org/2000/svg", "")
        .replace("http://www.w3.org/1999/xlink", "");
    assert!(
        !outside.contains("http://") && !outside.contains("https://") && !outside.contains("src=")
    );
    let records = records(&d.join("mg.jsonl"));
    let best = records[1..]
        .iter()
        .filter(|t| t["loss"].is_number())
        .min_by(|a, b| {
            a["loss"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["loss"].as_f64().unwrap())
        })
        .unwrap();
    assert!(
        page.contains(&format!("Best trial: {} with nrmse", best["number"])),
        "best trial not shown"
    );
    let csv = std::fs::read_to_string(r.join("trials.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 13);
    assert!(
        lines[0].starts_with("number,loss,spread,seconds,error,"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("reservoir.input_scaling") && lines[0].contains("readout.ridge"));
    // the folder is not written over
    let e = fails(d, &["report", "mg.jsonl"]);
    assert!(e.contains("not empty"), "{e}");

    // the page as a browser renders it: headless Chromium measures every figure and shows the
    // best trial (.ci/run installs Chromium; elsewhere the check needs it on the PATH)
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs Chromium for the page check"
        );
        eprintln!("note: no Chromium on the PATH: the rendered page is not checked");
        return;
    };
    let url = format!(
        "file://{}",
        r.join("report.html").canonicalize().unwrap().display()
    );
    let dom = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--dump-dom",
            &url,
        ])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let rendered = dom
        .split("data-rendered=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| {
            panic!(
                "the page's script did not run: {}",
                &dom[..dom.len().min(300)]
            )
        });
    let sizes: Vec<(u32, u32)> = rendered
        .split(' ')
        .map(|s| {
            let (w, h) = s.split_once('x').unwrap();
            (w.parse().unwrap(), h.parse().unwrap())
        })
        .collect();
    assert_eq!(sizes.len(), 4, "{rendered}");
    assert!(
        sizes.iter().all(|&(w, h)| w >= 300 && h >= 200),
        "{rendered}"
    );
    assert!(dom.contains(&format!("Best trial: {}", best["number"])));
    let shot = r.join("shot.png");
    let status = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1280,1600",
            &format!("--screenshot={}", shot.display()),
            &url,
        ])
        .output()
        .unwrap();
    assert!(status.status.success());
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
}

#[test]
fn warm_ups_are_solved_for_beside_the_ridge() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let study = STUDY
        .replace("trials = 12", "trials = 4")
        .replace("count = 9\n", "count = 9\nwarmups = [20, 200]\n");
    write(d, "w.toml", &study);
    ok(d, &["search", "w.toml"]);
    let lines = records(&d.join("w.jsonl"));
    assert_eq!(lines.len(), 5);
    for t in &lines[1..] {
        let w = t["params"]["warmup"].as_i64().unwrap();
        assert!(w == 20 || w == 200, "{t}");
    }
    let best = ok(d, &["search", "--best", "w.jsonl"]);
    assert!(
        best.contains("warmup = 20\n") || best.contains("warmup = 200\n"),
        "{best}"
    );
    // a warm-up in [space] and in [ridge] warmups is refused
    write(
        d,
        "both.toml",
        &study.replace(
            "[space]\n",
            "[space]\nwarmup = { distribution = \"int\", low = 10, high = 100 }\n",
        ),
    );
    let e = fails(d, &["search", "both.toml"]);
    assert!(e.contains("warmup"), "{e}");
}

#[test]
fn trials_run_by_separate_processes_are_each_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    // the records first, then a "job array": trials 0-3, each started twice, all at once
    let out = ok(d, &["search", "mg.toml", "--trials", "0"]);
    assert!(out.contains("0 of 0 trials"), "{out}");
    std::thread::scope(|s| {
        for k in [0, 1, 2, 3, 0, 1, 2, 3] {
            s.spawn(move || {
                let k = k.to_string();
                ok(d, &["search", "--resume", "mg.jsonl", "--trial", &k]);
            });
        }
    });
    let lines = records(&d.join("mg.jsonl"));
    let mut numbers: Vec<u64> = lines[1..]
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, vec![0, 1, 2, 3], "every trial once");
    // a trial recorded already is not run again
    let out = ok(d, &["search", "--resume", "mg.jsonl", "--trial", "2"]);
    assert!(out.contains("recorded already"), "{out}");
    // TPE: trial 9 draws from batches 0 and 1, and batch 1 is not recorded
    let err = fails(d, &["search", "--resume", "mg.jsonl", "--trial", "9"]);
    assert!(err.contains("not recorded yet (first: 4)"), "{err}");
    // the same trials as one process running the study: same hyperparameters, same losses
    let other = tempfile::tempdir().unwrap();
    let o = other.path();
    setup(o);
    ok(o, &["search", "mg.toml", "--trials", "4"]);
    let sequential = records(&o.join("mg.jsonl"));
    for t in &lines[1..] {
        let same = sequential[1..]
            .iter()
            .find(|u| u["number"] == t["number"])
            .unwrap();
        assert_eq!(t["params"], same["params"]);
        assert_eq!(t["losses"], same["losses"]);
    }
    // the study goes on from the shared records as from its own
    let out = ok(d, &["search", "--resume", "mg.jsonl", "--trials", "8"]);
    assert!(out.contains("8 of 8 trials finished"), "{out}");
}
