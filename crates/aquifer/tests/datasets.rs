//! Datasets: generators against known values and invariants, loaders against the documented
//! contents of the shipped files, helpers and bad input.

use aquifer::datasets::{self, *};
use aquifer::Error;

#[test]
fn mackey_glass_follows_the_reference_scheme() {
    // One RK4 step per sample with x(t - tau) from the history, as ReservoirPy; with a constant
    // history the first step has a closed form.
    let p = MackeyGlass {
        history: Some(vec![1.2; 17]),
        ..Default::default()
    };
    let s = mackey_glass(&p, 2000).unwrap();
    let f = |x: f64| -0.1 * x + 0.2 * 1.2 / (1.0 + 1.2f64.powi(10));
    let k1 = f(1.2);
    let k2 = f(1.2 + 0.5 * k1);
    let k3 = f(1.2 + 0.5 * k2);
    let k4 = f(1.2 + k3);
    assert_eq!(s[(0, 0)], 1.2);
    assert!((s[(1, 0)] - (1.2 + k1 / 6.0 + k2 / 3.0 + k3 / 3.0 + k4 / 6.0)).abs() < 1e-15);
    // the attractor of tau = 17 lives in about [0.4, 1.35]
    let tail: Vec<f64> = (500..2000).map(|i| s[(i, 0)]).collect();
    let (lo, hi) = tail
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    assert!(
        lo > 0.3 && lo < 0.6 && hi > 1.2 && hi < 1.45,
        "range [{lo}, {hi}]"
    );
    // seeded random history: reproducible, and different seeds differ
    let a = mackey_glass(&MackeyGlass::default(), 100).unwrap();
    let b = mackey_glass(&MackeyGlass::default(), 100).unwrap();
    let c = mackey_glass(
        &MackeyGlass {
            seed: 1,
            ..Default::default()
        },
        100,
    )
    .unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(mackey_glass(
        &MackeyGlass {
            history: Some(vec![1.0; 3]),
            ..Default::default()
        },
        10
    )
    .is_err());
    // a step so small that the history would not fit in memory is an error, not an abort
    let tiny = MackeyGlass {
        h: 1e-12,
        ..Default::default()
    };
    assert!(matches!(
        mackey_glass(&tiny, 10),
        Err(Error::InvalidParameter { name: "h", .. })
    ));
    let zero = MackeyGlass {
        h: 0.0,
        ..Default::default()
    };
    assert!(mackey_glass(&zero, 10).is_err());
}

#[test]
fn lorenz_rossler_multiscroll_stay_on_their_attractors() {
    let l = lorenz(&Lorenz::default(), 5000).unwrap();
    assert_eq!((l.nrows(), l.ncols()), (5000, 3));
    assert_eq!(l[(0, 0)], 1.0);
    let zmax = (0..5000).map(|i| l[(i, 2)]).fold(f64::MIN, f64::max);
    let xmax = (0..5000).map(|i| l[(i, 0)].abs()).fold(0.0, f64::max);
    assert!(
        zmax > 40.0 && zmax < 50.0 && xmax > 15.0 && xmax < 22.0,
        "z {zmax} x {xmax}"
    );
    // the fixed point (sqrt(b(r-1)), sqrt(b(r-1)), r-1) is stationary
    let c = (8.0f64 / 3.0 * 27.0).sqrt();
    let fp = lorenz(
        &Lorenz {
            x0: [c, c, 27.0],
            ..Default::default()
        },
        50,
    )
    .unwrap();
    assert!((fp[(49, 0)] - c).abs() < 1e-9 && (fp[(49, 2)] - 27.0).abs() < 1e-9);
    let r = rossler(&Rossler::default(), 3000).unwrap();
    let rz = (0..3000).map(|i| r[(i, 2)]).fold(f64::MIN, f64::max);
    assert!(rz > 5.0 && rz < 30.0, "{rz}");
    let m = multiscroll(&Multiscroll::default(), 3000).unwrap();
    assert!((0..3000).all(|i| m[(i, 0)].abs() < 40.0));
}

#[test]
fn maps_have_known_values() {
    let h = henon_map(&Henon::default(), 3).unwrap();
    assert_eq!((h[(1, 0)], h[(1, 1)]), (1.0, 0.0));
    assert_eq!((h[(2, 0)], h[(2, 1)]), (1.0 - 1.4, 0.3));
    let l = logistic_map(&Logistic::default(), 3).unwrap();
    assert_eq!(l[(1, 0)], 3.9 * 0.25);
    assert!(logistic_map(
        &Logistic {
            x0: 1.5,
            ..Default::default()
        },
        3
    )
    .is_err());
    assert!(logistic_map(
        &Logistic {
            r: -1.0,
            ..Default::default()
        },
        3
    )
    .is_err());
}

#[test]
fn narma_satisfies_its_recurrence() {
    let p = Narma::narma10();
    let (u, y) = narma(
        &Narma {
            transient: 0,
            ..p.clone()
        },
        300,
    )
    .unwrap();
    // row t of y is y[t+1] = 0.3 y[t] + 0.05 y[t] sum_{i<10} y[t-i] + 1.5 u[t-9] u[t] + 0.1
    let yy = |t: usize| if t == 0 { 0.0 } else { y[(t - 1, 0)] };
    for t in 20..300 {
        let sum: f64 = (0..10).map(|i| yy(t - i)).sum();
        let expect = 0.3 * yy(t) + 0.05 * yy(t) * sum + 1.5 * u[(t - 9, 0)] * u[(t, 0)] + 0.1;
        assert!((y[(t, 0)] - expect).abs() < 1e-14, "step {t}");
    }
    assert!((0..300).all(|t| (0.0..0.5).contains(&u[(t, 0)])));
    assert!(narma(
        &Narma {
            order: 0,
            ..p.clone()
        },
        10
    )
    .is_err());
    // a divergent system is reported, not returned as NaN
    let wild = Narma { a2: 5.0, ..p };
    assert!(matches!(narma(&wild, 2000), Err(Error::Data { .. })));
}

#[test]
fn lorenz96_and_mso() {
    let s = lorenz96(
        &Lorenz96 {
            n: 8,
            ..Default::default()
        },
        1000,
    )
    .unwrap();
    assert_eq!(s.ncols(), 8);
    assert_eq!(s[(0, 0)], 8.01);
    assert!(s[(999, 3)].abs() < 20.0);
    assert!(lorenz96(
        &Lorenz96 {
            n: 3,
            ..Default::default()
        },
        10
    )
    .is_err());
    let m = mso(500, &MSO_FREQUENCIES[..2], true).unwrap();
    let (lo, hi) = (0..500)
        .map(|i| m[(i, 0)])
        .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(v), h.max(v)));
    assert!((lo + 1.0).abs() < 1e-12 && (hi - 1.0).abs() < 1e-12);
    let raw = mso(10, &[0.2], false).unwrap();
    assert!((raw[(3, 0)] - 0.6f64.sin()).abs() < 1e-15);
}

#[test]
fn shipped_real_data_match_their_provenance() {
    let jv = japanese_vowels().unwrap();
    assert_eq!((jv.train.len(), jv.test.len()), (270, 370));
    let per_speaker = |labels: &[usize]| {
        (0..9)
            .map(|c| labels.iter().filter(|&&l| l == c).count())
            .collect::<Vec<_>>()
    };
    assert_eq!(per_speaker(&jv.train_labels), vec![30; 9]);
    assert_eq!(
        per_speaker(&jv.test_labels),
        vec![31, 35, 88, 44, 29, 24, 40, 50, 29]
    );
    assert_eq!(jv.train.iter().map(|s| s.nrows()).sum::<usize>(), 4274);
    assert_eq!(jv.test.iter().map(|s| s.nrows()).sum::<usize>(), 5687);
    assert_eq!(jv.train[0][(0, 0)], 1.860936);
    assert_eq!(jv.train[0][(0, 1)], -0.207383);
    let oh = JapaneseVowels::one_hot(&jv.train_labels[..1]);
    assert_eq!((oh[0].ncols(), oh[0][(0, 0)]), (9, 1.0));

    let m = sunspots_monthly().unwrap();
    assert_eq!(m.nrows(), 3120);
    assert_eq!(m[(0, 0)], 58.0);
    assert!((0..3120).all(|i| (0.0..=253.8).contains(&m[(i, 0)])));
    assert_eq!(sunspots_yearly().unwrap().nrows(), 309);
    let l = santafe_laser().unwrap();
    assert_eq!(l.nrows(), 10093);
    assert_eq!((l[(0, 0)], l[(1, 0)]), (86.0, 141.0));
}

#[test]
fn forecasting_and_splits() {
    let s = aquifer::series::column(&[0., 1., 2., 3., 4., 5.]);
    let (x, y) = forecasting(&s, 2).unwrap();
    assert_eq!((x.nrows(), x[(3, 0)], y[(0, 0)]), (4, 3.0, 2.0));
    let ((xa, ya), (xb, yb)) = split(&x, &y, 3).unwrap();
    assert_eq!(
        (xa.nrows(), xb.nrows(), ya[(2, 0)], yb[(0, 0)]),
        (3, 1, 4.0, 5.0)
    );
    assert!(forecasting(&s, 0).is_err());
    assert!(forecasting(&s, 6).is_err());
    assert!(split(&x, &y, 0).is_err());
    assert!(split(&x, &y, 4).is_err());
    assert!(split(&x, &s, 2).is_err());
    assert!(datasets::split_series(&s, 10).is_err());
}

#[test]
fn mackey_glass_matches_reservoirpy_given_the_same_history() {
    // Reference values printed by ReservoirPy 0.4.2 (whose update is MgScheme::ReservoirPy04):
    //   mackey_glass(300, history=1.0 + 0.01 * np.arange(17))
    //   mackey_glass(100, tau=30, h=0.5, history=1.1 + 0.005 * np.arange(60), x0=1.0)
    let p = MackeyGlass {
        history: Some((0..17).map(|i| 1.0 + 0.01 * i as f64).collect()),
        scheme: MgScheme::ReservoirPy04,
        ..Default::default()
    };
    let s = mackey_glass(&p, 300).unwrap();
    let expected = [
        (0, 1.2),
        (1, 1.18157),
        (2, 1.161133180112088),
        (50, 1.2568215293765803),
        (100, 1.1512763735210352),
        (299, 1.0514240232397882),
    ];
    for (t, v) in expected {
        assert!(
            (s[(t, 0)] - v).abs() < 1e-12,
            "step {t}: {} vs {v}",
            s[(t, 0)]
        );
    }
    let p = MackeyGlass {
        tau: 30,
        h: 0.5,
        x0: 1.0,
        history: Some((0..60).map(|i| 1.1 + 0.005 * i as f64).collect()),
        scheme: MgScheme::ReservoirPy04,
        ..Default::default()
    };
    let s = mackey_glass(&p, 100).unwrap();
    for (t, v) in [
        (1, 1.0107639112877438),
        (10, 1.025354512749773),
        (99, 2.229778316539911),
    ] {
        assert!(
            (s[(t, 0)] - v).abs() < 1e-12,
            "step {t}: {} vs {v}",
            s[(t, 0)]
        );
    }
}

#[test]
fn rabinovich_fabrikant_and_the_double_scroll_follow_tight_tolerance_solutions() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/odes");
    let read = |name: &str| aquifer::io::read_table(dir.join(name)).unwrap().data;
    for (name, ours) in [
        (
            "rabinovich_fabrikant.npy",
            datasets::rabinovich_fabrikant(&RabinovichFabrikant::default(), 200).unwrap(),
        ),
        (
            "double_scroll.npy",
            datasets::double_scroll(&DoubleScroll::default(), 200).unwrap(),
        ),
    ] {
        let reference = read(name);
        let worst = (0..200)
            .flat_map(|t| (0..3).map(move |j| (t, j)))
            .map(|(t, j)| (ours[(t, j)] - reference[(t, j)]).abs())
            .fold(0.0, f64::max);
        println!("{name}: largest difference over 200 samples {worst:.1e}");
        assert!(worst < 1e-8, "{name}: {worst}");
    }
    // parameters are checked
    let bad = DoubleScroll {
        r2: 0.0,
        ..DoubleScroll::default()
    };
    assert!(matches!(
        datasets::double_scroll(&bad, 10),
        Err(Error::InvalidParameter { name: "r2", .. })
    ));
    let bad = RabinovichFabrikant {
        alpha: f64::NAN,
        ..RabinovichFabrikant::default()
    };
    assert!(datasets::rabinovich_fabrikant(&bad, 10).is_err());
}

#[test]
fn kuramoto_sivashinsky_matches_reservoirpy_and_stays_bounded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kuramoto");
    let smaller = KuramotoSivashinsky {
        n: 64,
        scale: 8.0,
        contour_points: 8,
        h: 0.1,
        ..KuramotoSivashinsky::default()
    };
    for (name, p, rows) in [
        ("default.npy", KuramotoSivashinsky::default(), 101),
        ("n64_m8_h0.1.npy", smaller, 51),
    ] {
        let reference = aquifer::io::read_table(dir.join(name)).unwrap().data;
        let ours = kuramoto_sivashinsky(&p, rows).unwrap();
        assert_eq!((ours.nrows(), ours.ncols()), (rows, p.n));
        let worst = (0..rows)
            .flat_map(|t| (0..p.n).map(move |j| (t, j)))
            .map(|(t, j)| (ours[(t, j)] - reference[(t, j)]).abs())
            .fold(0.0, f64::max);
        println!("{name}: largest difference from ReservoirPy over {rows} steps {worst:.1e}");
        assert!(worst < 1e-10, "{name}: {worst}");
    }
    // 10^4 steps (2500 time units): chaotic, bounded, and the warm-up skips rows
    let long = kuramoto_sivashinsky(&KuramotoSivashinsky::default(), 10_000).unwrap();
    let peak = long
        .col_iter()
        .flat_map(|c| c.iter().copied())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let late = long.subrows(9_000, 1_000);
    let spread = late
        .col(0)
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    println!("10^4 steps: largest |u| {peak:.2}, u(x_1) over the last 1000 steps in {spread:?}");
    assert!(
        peak < 10.0 && spread.1 - spread.0 > 1.0,
        "{peak} {spread:?}"
    );
    let skipped = kuramoto_sivashinsky(
        &KuramotoSivashinsky {
            warmup: 9_000,
            ..KuramotoSivashinsky::default()
        },
        1_000,
    )
    .unwrap();
    assert_eq!(skipped, late.to_owned());
    // parameters are checked
    for (bad, name) in [
        (
            KuramotoSivashinsky {
                n: 63,
                ..Default::default()
            },
            "n",
        ),
        (
            KuramotoSivashinsky {
                h: 0.0,
                ..Default::default()
            },
            "h",
        ),
        (
            KuramotoSivashinsky {
                scale: f64::NAN,
                ..Default::default()
            },
            "scale",
        ),
        (
            KuramotoSivashinsky {
                contour_points: 0,
                ..Default::default()
            },
            "contour_points",
        ),
    ] {
        match kuramoto_sivashinsky(&bad, 10) {
            Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    let short = KuramotoSivashinsky {
        x0: Some(vec![0.0; 5]),
        ..Default::default()
    };
    assert!(matches!(
        kuramoto_sivashinsky(&short, 10),
        Err(Error::ShapeMismatch { .. })
    ));
}
