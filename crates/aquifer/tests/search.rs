//! Hyperparameter search: samplers find known optima, TPE beats random, failures are recorded,
//! interrupted studies resume to the samples of an uninterrupted one, records round-trip, and
//! the closed-form ridge grid equals refitting at each ridge.

use aquifer::faer::Mat;
use aquifer::parallel::Parallelism;
use aquifer::readout::{Ridge, RidgeParams, RidgeStats};
use aquifer::search::*;
use aquifer::traits::{Fit, Run};
use aquifer::Error;
use std::collections::BTreeMap;

fn space() -> BTreeMap<String, Space> {
    [
        (
            "x".to_string(),
            Space::Uniform {
                low: -5.0,
                high: 5.0,
            },
        ),
        (
            "y".to_string(),
            Space::LogUniform {
                low: 1e-6,
                high: 1.0,
            },
        ),
        (
            "act".to_string(),
            Space::Choice {
                values: vec!["tanh".into(), "relu".into(), "identity".into()],
            },
        ),
    ]
    .into()
}

/// An objective with its optimum at x = 1, y = 1e-3, act = relu (loss 0).
fn objective(p: &Params, _: &Instance) -> aquifer::Result<Evaluation> {
    let x = p["x"].as_f64().unwrap();
    let y = p["y"].as_f64().unwrap();
    let act = match p.get("act") {
        Some(Value::Str(s)) if s == "relu" => 0.0,
        Some(Value::Str(_)) => 5.0,
        None => 0.0,
        other => panic!("a choice recorded as {other:?}"),
    };
    Ok(((x - 1.0).powi(2) + (y.log10() + 3.0).powi(2) + act).into())
}

fn best_of(sampler: Sampler, seed: u64, trials: usize) -> f64 {
    best_in(space(), sampler, seed, trials)
}

fn best_in(space: BTreeMap<String, Space>, sampler: Sampler, seed: u64, trials: usize) -> f64 {
    let mut spec = StudySpec::new("t", space, seed);
    spec.sampler = sampler;
    let mut study = Study::new(spec).unwrap();
    study.optimize(trials, objective).unwrap();
    study.best().unwrap().loss.unwrap()
}

#[test]
fn both_samplers_find_a_known_optimum() {
    let random = best_of(Sampler::Random, 1, 400);
    let tpe = best_of(Sampler::Tpe(TpeParams::default()), 1, 150);
    println!("best loss: random (400 trials) {random:.3e}, TPE (150 trials) {tpe:.3e}");
    assert!(random < 0.3, "random: {random}");
    assert!(tpe < 0.05, "TPE: {tpe}");
}

#[test]
fn tpe_beats_random_on_the_same_budget() {
    // a smooth objective: the two continuous hyperparameters
    let mut smooth = space();
    smooth.remove("act");
    let seeds = 0..12u64;
    let mean = |sampler: Sampler| {
        seeds
            .clone()
            .map(|s| best_in(smooth.clone(), sampler, s, 100))
            .sum::<f64>()
            / seeds.clone().count() as f64
    };
    let (random, tpe) = (
        mean(Sampler::Random),
        mean(Sampler::Tpe(TpeParams::default())),
    );
    println!("mean best loss over 12 seeds, 100 trials: random {random:.3e}, TPE {tpe:.3e}");
    assert!(tpe < 0.3 * random, "TPE {tpe} vs random {random}");
}

#[test]
fn failing_trials_are_recorded_and_the_study_completes() {
    let mut study = Study::new(StudySpec::new("f", space(), 3)).unwrap();
    study
        .optimize(40, |p, i| {
            let x = p["x"].as_f64().unwrap();
            match i.trial % 4 {
                1 => Err(Error::Solve("no solution".into())),
                2 if x > 0.0 => panic!("boom at {x}"),
                3 => Ok(f64::NAN.into()),
                _ => objective(p, i),
            }
        })
        .unwrap();
    let t = study.trials();
    assert_eq!(t.len(), 40);
    assert_eq!(
        t.iter().map(|t| t.number).collect::<Vec<_>>(),
        (0..40).collect::<Vec<_>>()
    );
    for trial in t {
        match trial.number % 4 {
            1 => assert_eq!(
                trial.error.as_deref(),
                Some("linear solve failed: no solution")
            ),
            3 => assert!(
                trial.error.as_ref().unwrap().contains("not finite"),
                "{trial:?}"
            ),
            2 if trial.params["x"].as_f64().unwrap() > 0.0 => {
                assert!(
                    trial.error.as_ref().unwrap().contains("panicked: boom"),
                    "{trial:?}"
                )
            }
            _ => assert!(trial.is_ok(), "{trial:?}"),
        }
        if !trial.is_ok() {
            assert_eq!(trial.loss, None);
        }
    }
    assert!(study.best().unwrap().is_ok());
}

#[test]
fn an_interrupted_study_resumes_to_the_samples_of_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = StudySpec::new("r", space(), 11);
    spec.batch = 4;
    spec.instances = 2;
    // uninterrupted, on two threads
    let whole = dir.path().join("whole.jsonl");
    let mut study = Study::recorded(spec.clone(), &whole).unwrap();
    study.threads(Parallelism::threads(2).unwrap());
    study.optimize(30, objective).unwrap();
    let expected = study.trials().to_vec();

    // stopped after 9 trials (in the middle of a batch), then resumed on one thread
    let part = dir.path().join("part.jsonl");
    let mut study = Study::recorded(spec.clone(), &part).unwrap();
    let stop = study.stop_flag();
    study.threads(Parallelism::threads(1).unwrap());
    study.on_trial(move |_, so_far| {
        if so_far.len() >= 9 {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
    study.optimize(30, objective).unwrap();
    let stopped = study.trials().len();
    assert!((9..30).contains(&stopped), "{stopped}");
    drop(study);
    let mut resumed = Study::resume(&part).unwrap();
    assert_eq!(resumed.trials().len(), stopped);
    resumed.optimize(30, objective).unwrap();
    let got = resumed.trials();
    assert_eq!(got.len(), 30);
    for (a, b) in got.iter().zip(&expected) {
        assert_eq!(
            (a.number, &a.params, a.loss, &a.seeds),
            (b.number, &b.params, b.loss, &b.seeds)
        );
        assert_eq!(a.losses.len(), 2);
    }
    // the records hold the same trials, and a larger budget goes on numbering
    let (read_spec, read) = read_records(&part).unwrap();
    assert_eq!(read_spec, spec);
    let mut sorted = read.clone();
    sorted.sort_by_key(|t| t.number);
    assert_eq!(sorted, got.to_vec());
    resumed.optimize(34, objective).unwrap();
    assert_eq!(resumed.trials().last().unwrap().number, 33);
    // a records file is never overwritten
    let e = Study::recorded(spec, &part).unwrap_err().to_string();
    assert!(e.contains("exists already"), "{e}");
}

#[test]
fn a_torn_last_line_is_skipped_and_other_damage_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    let mut study = Study::recorded(StudySpec::new("t", space(), 2), &path).unwrap();
    study.optimize(5, objective).unwrap();
    drop(study);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}{{\"record\":\"trial\",\"num")).unwrap();
    assert_eq!(read_records(&path).unwrap().1.len(), 5);
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&path, format!("{}\nnot json\n{}\n", lines[0], lines[1])).unwrap();
    let e = read_records(&path).unwrap_err().to_string();
    assert!(e.contains("line 2"), "{e}");
    std::fs::write(&path, format!("{}\n", lines[1])).unwrap();
    let e = read_records(&path).unwrap_err().to_string();
    assert!(e.contains("no study description"), "{e}");
}

#[test]
fn spaces_draw_values_of_their_kind_and_bad_ones_are_named() {
    let space: BTreeMap<String, Space> = [
        (
            "q".to_string(),
            Space::QUniform {
                low: 0.0,
                high: 1.0,
                q: 0.25,
            },
        ),
        (
            "ql".to_string(),
            Space::QLogUniform {
                low: 1.0,
                high: 1000.0,
                q: 5.0,
            },
        ),
        ("n".to_string(), Space::Int { low: 2, high: 5 }),
        (
            "b".to_string(),
            Space::Choice {
                values: vec![true.into(), false.into()],
            },
        ),
        (
            "g".to_string(),
            Space::Normal {
                mu: 3.0,
                sigma: 0.1,
            },
        ),
        (
            "lg".to_string(),
            Space::LogNormal {
                mu: 0.0,
                sigma: 0.5,
            },
        ),
    ]
    .into();
    for sampler in [Sampler::Random, Sampler::Tpe(TpeParams::default())] {
        let mut spec = StudySpec::new("v", space.clone(), 5);
        spec.sampler = sampler;
        let mut study = Study::new(spec).unwrap();
        study
            .optimize(60, |p, _| Ok(p["g"].as_f64().unwrap().into()))
            .unwrap();
        for t in study.trials() {
            let q = t.params["q"].as_f64().unwrap();
            assert!((q * 4.0).fract() == 0.0 && (0.0..=1.0).contains(&q), "{q}");
            let ql = t.params["ql"].as_f64().unwrap();
            assert!(
                (ql / 5.0).fract().abs() < 1e-9 && (1.0..=1000.0).contains(&ql),
                "{ql}"
            );
            assert!(
                matches!(t.params["n"], Value::Int(2..=5)),
                "{:?}",
                t.params["n"]
            );
            assert!(matches!(t.params["b"], Value::Bool(_)));
            assert!(t.params["lg"].as_f64().unwrap() > 0.0);
        }
    }
    for (bad, what) in [
        (
            Space::LogUniform {
                low: 0.0,
                high: 1.0,
            },
            "0 < low < high",
        ),
        (
            Space::Uniform {
                low: 1.0,
                high: 1.0,
            },
            "low < high",
        ),
        (
            Space::QUniform {
                low: 0.0,
                high: 1.0,
                q: 0.0,
            },
            "q must be > 0",
        ),
        (Space::Int { low: 3, high: 2 }, "low <= high"),
        (Space::Choice { values: vec![] }, "nothing"),
        (
            Space::Normal {
                mu: 0.0,
                sigma: -1.0,
            },
            "sigma > 0",
        ),
    ] {
        let spec = StudySpec::new("bad", [("p".to_string(), bad)].into(), 0);
        let e = Study::new(spec).unwrap_err().to_string();
        assert!(e.contains(what) && e.contains('p'), "{e}");
    }
}

#[test]
fn the_ridge_grid_equals_refitting_at_each_ridge() {
    // features of a small reservoir-like map, two targets
    let x = Mat::from_fn(600, 40, |t, j| {
        ((t as f64 * 0.05 * (j + 1) as f64) + j as f64).sin().tanh()
    });
    let y = Mat::from_fn(600, 2, |t, k| {
        x[(t, 3)] - 0.5 * x[(t, 7 + k)] + 0.1 * ((t * (k + 2)) as f64 * 0.37).sin()
    });
    let (xt, yt) = (x.subrows(0, 400), y.subrows(0, 400));
    let (xv, yv) = (x.subrows(400, 200), y.subrows(400, 200));
    let ridges = log_grid(1e-8, 10.0, 10).unwrap();
    for fit_bias in [true, false] {
        let stats = RidgeStats::from_series(xt, yt, 20).unwrap();
        let grid = RidgeGrid::new(&stats, fit_bias).unwrap();
        let predictions = grid.predict(xv, &ridges).unwrap();
        for (r, p) in ridges.iter().zip(&predictions) {
            let mut ridge = Ridge::with_params(RidgeParams {
                ridge: *r,
                fit_bias,
            })
            .unwrap();
            ridge.fit(&[xt], &[yt], 20).unwrap();
            let refit = ridge.run(xv).unwrap();
            let mse = |p: &Mat<f64>| {
                (0..200)
                    .flat_map(|t| (0..2).map(move |k| (t, k)))
                    .map(|(t, k)| (p[(t, k)] - yv[(t, k)]).powi(2))
                    .sum::<f64>()
                    / 400.0
            };
            let (a, b) = (mse(p), mse(&refit));
            assert!(
                (a - b).abs() <= 1e-9 * b.max(1e-12),
                "ridge {r}, bias {fit_bias}: {a} vs {b}"
            );
            let (w, _) = grid.weights(*r);
            assert_eq!((w.nrows(), w.ncols()), (40, 2));
        }
    }
    assert!(log_grid(0.0, 1.0, 3).is_err());
    let grid = RidgeGrid::new(&RidgeStats::from_series(xt, yt, 0).unwrap(), true).unwrap();
    assert!(grid.predict(x.subcols(0, 3), &[1.0]).is_err());
    assert!(grid.predict(xv, &[-1.0]).is_err());
}

#[test]
fn one_trial_at_a_time_is_recorded_once_even_after_a_torn_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.jsonl");
    let spec = StudySpec::new("one", space(), 5);
    let objective = |p: &Params, _: &Instance| -> aquifer::Result<Evaluation> {
        Ok((p["x"].as_f64().unwrap() - 1.0).powi(2).into())
    };
    // in memory: the same hyperparameters and losses as `optimize` gives trials 0-3
    let mut all = Study::new(spec.clone()).unwrap();
    let expected = all.optimize(4, objective).unwrap().to_vec();
    drop(Study::recorded(spec, &path).unwrap());
    for k in [2, 0, 3, 1] {
        let mut s = Study::resume(&path).unwrap();
        let t = s
            .run_trial(k, objective)
            .unwrap()
            .expect("not recorded yet");
        assert_eq!(t.params, expected[k].params);
        assert_eq!(t.loss, expected[k].loss);
    }
    // a crash while a line was written leaves it cut short: the next append removes it
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"record\":\"tri"))
        .unwrap();
    let mut s = Study::resume(&path).unwrap();
    assert!(
        s.run_trial(2, objective).unwrap().is_none(),
        "recorded already"
    );
    assert!(s.run_trial(4, objective).unwrap().is_some());
    let (_, trials) = read_records(&path).unwrap();
    let mut numbers: Vec<usize> = trials.iter().map(|t| t.number).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, vec![0, 1, 2, 3, 4]);
    // a study kept in memory has no records to share
    let mut memory = Study::new(StudySpec::new("m", space(), 5)).unwrap();
    assert!(memory.run_trial(0, objective).is_err());
}
