//! What the benchmark rows need, checked: Lyapunov exponents, valid time against a given scale,
//! memory capacity in one solve, a new ridge without the data, statistics leaving the state as
//! fit, the standard scaler, Mackey-Glass from a finer integration.

use aquifer::datasets::lyapunov::{largest_lyapunov_exponent, System, LORENZ63, ROSSLER};
use aquifer::datasets::{DoubleScroll, Lorenz, MackeyGlass, Rossler};
use aquifer::metrics::{self, memory_capacity_of, valid_prediction_time_scaled};
use aquifer::model::Model;
use aquifer::prelude::*;
use aquifer::scaler::StandardScaler;

#[test]
fn lyapunov_exponents_match_the_literature() {
    let lorenz = largest_lyapunov_exponent(
        &System::Lorenz(Lorenz {
            h: 0.01,
            ..Lorenz::default()
        }),
        400.0,
    )
    .unwrap();
    println!("Lorenz-63: {lorenz:.4} (literature {LORENZ63})");
    assert!((lorenz - LORENZ63).abs() < 0.03 * LORENZ63, "{lorenz}");
    let rossler = largest_lyapunov_exponent(
        &System::Rossler(Rossler {
            h: 0.05,
            ..Rossler::default()
        }),
        4000.0,
    )
    .unwrap();
    println!("Rossler: {rossler:.4} (literature {ROSSLER})");
    assert!((rossler - ROSSLER).abs() < 0.1 * ROSSLER, "{rossler}");
    let scroll =
        largest_lyapunov_exponent(&System::DoubleScroll(DoubleScroll::default()), 2000.0).unwrap();
    println!("double scroll: {scroll:.4}");
    assert!((0.07..0.12).contains(&scroll), "{scroll}");
    let mg =
        largest_lyapunov_exponent(&System::MackeyGlass(MackeyGlass::default()), 3000.0).unwrap();
    println!("Mackey-Glass tau = 17: {mg:.5}");
    assert!((0.002..0.02).contains(&mg), "{mg}");
    assert!(largest_lyapunov_exponent(&System::Lorenz(Lorenz::default()), -1.0).is_err());
}

#[test]
fn valid_time_against_a_given_scale() {
    let y = Mat::from_fn(200, 2, |t, j| ((t + 7 * j) as f64 / 9.0).sin());
    let y_hat = Mat::from_fn(200, 2, |t, j| y[(t, j)] + 0.003 * t as f64);
    let own: Vec<f64> = (0..2)
        .map(|j| {
            let c: Vec<f64> = y.col(j).iter().copied().collect();
            let m = c.iter().sum::<f64>() / 200.0;
            (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / 200.0).sqrt()
        })
        .collect();
    assert_eq!(
        valid_prediction_time_scaled(&y, &y_hat, 0.4, &own).unwrap(),
        metrics::valid_prediction_time(&y, &y_hat, 0.4).unwrap()
    );
    // a larger scale forgives more: the error passes 0.4 x 2 = 0.8 after step 266 (never here)
    assert_eq!(
        valid_prediction_time_scaled(&y, &y_hat, 0.4, &[2.0, 2.0]).unwrap(),
        200
    );
    assert_eq!(
        valid_prediction_time_scaled(&y, &y_hat, 0.4, &[0.5, 0.5]).unwrap(),
        67
    );
    assert!(valid_prediction_time_scaled(&y, &y_hat, 0.4, &[1.0]).is_err());
    assert!(valid_prediction_time_scaled(&y, &y_hat, 0.4, &[1.0, 0.0]).is_err());
    assert!((metrics::lyapunov_times(100, 0.02, LORENZ63) - 1.8112).abs() < 1e-12);
}

#[test]
fn memory_capacity_in_one_solve_equals_one_solve_per_delay() {
    let mut r = Reservoir::builder()
        .units(40)
        .spectral_radius(0.9)
        .input_scaling(0.3)
        .seed(5)
        .build(1)
        .unwrap();
    let (max_delay, train, test, ridge, seed) = (60, 1500, 500, 1e-8, 3);
    let mut states = None;
    let mc = memory_capacity_of(
        |u| {
            let s = r.run(u)?;
            states = Some((u.to_owned(), s.clone()));
            Ok(s)
        },
        max_delay,
        train,
        test,
        ridge,
        seed,
    )
    .unwrap();
    // the same, one ridge readout per delay, written out
    let (u, s) = states.unwrap();
    let washout = 100;
    for k in 1..=max_delay {
        let target = |start: usize, len: usize| Mat::from_fn(len, 1, |i, _| u[(start + i - k, 0)]);
        let mut one = Ridge::new(ridge).unwrap();
        one.fit(&[s.subrows(washout, train)], &[target(washout, train)], 0)
            .unwrap();
        let pred = one.run(s.subrows(washout + train, test)).unwrap();
        let truth = target(washout + train, test);
        let (a, b): (Vec<f64>, Vec<f64>) = (
            truth.col(0).iter().copied().collect(),
            pred.col(0).iter().copied().collect(),
        );
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let (va, vb): (f64, f64) = (
            a.iter().map(|x| (x - ma).powi(2)).sum(),
            b.iter().map(|y| (y - mb).powi(2)).sum(),
        );
        let r2 = (cov * cov / (va * vb)).min(1.0);
        assert!((mc.per_delay[k - 1] - r2).abs() < 1e-9, "delay {k}");
    }
    assert!(mc.total <= 40.0 + 1e-9);
}

fn series() -> (Mat<f64>, Mat<f64>) {
    let s = datasets::mackey_glass(&MackeyGlass::default(), 1500).unwrap();
    datasets::forecasting(&s, 1).unwrap()
}

#[test]
fn a_new_ridge_without_the_data() {
    let (x, y) = series();
    // a model graph: the readout solved again from its statistics equals a fit at that ridge
    let build = |ridge: f64| {
        let mut b = Model::builder();
        let u = b.input("u", 1);
        let r = b.node(
            "reservoir",
            Reservoir::builder().units(60).seed(2).build(1).unwrap(),
        );
        let out = b.ridge(
            "readout",
            RidgeParams {
                ridge,
                ..RidgeParams::default()
            },
            1,
        );
        b.chain(&[u, r, out]);
        b.build().unwrap()
    };
    let mut coarse = build(1.0);
    coarse.fit(&[&x], &[&y], 50).unwrap();
    coarse.set_ridge("readout", 1e-9).unwrap();
    let mut fine = build(1e-9);
    fine.fit(&[&x], &[&y], 50).unwrap();
    assert_eq!(
        coarse.weights("readout").unwrap(),
        fine.weights("readout").unwrap()
    );
    assert!(coarse.set_ridge("reservoir", 1e-3).is_err());
    assert!(coarse.set_ridge("readout", -1.0).is_err());
    // a network loaded from a file has no statistics
    let mut esn = Esn::builder().units(60).seed(2).build(1, 1).unwrap();
    esn.fit(&[&x], &[&y], 50).unwrap();
    let path = std::env::temp_dir().join(format!("aquifer-ridge-{}.aqf", std::process::id()));
    esn.save(&path).unwrap();
    let mut loaded = Esn::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let err = loaded.set_ridge(1e-3).unwrap_err().to_string();
    assert!(err.contains("fit it again"), "{err}");
}

#[test]
fn statistics_leave_the_state_as_fit() {
    let (x, y) = series();
    let mut a = Esn::builder().units(50).seed(1).build(1, 1).unwrap();
    let mut b = a.clone();
    a.fit(&[&x], &[&y], 10).unwrap();
    let stats = b.statistics(&[&x], &[&y], 10).unwrap();
    assert_eq!(a.state(), b.state());
    b.fit_statistics(&stats).unwrap();
    assert_eq!(a.run(&x).unwrap(), b.run(&x).unwrap());
}

#[test]
fn the_standard_scaler() {
    let a = Mat::from_fn(50, 2, |t, j| t as f64 * (j + 1) as f64);
    let b = Mat::from_fn(30, 2, |t, j| -(t as f64) + j as f64);
    let s = StandardScaler::fit(&[&a, &b]).unwrap();
    let z: Vec<Mat<f64>> = [&a, &b].iter().map(|m| s.transform(*m).unwrap()).collect();
    for j in 0..2 {
        let all: Vec<f64> = z
            .iter()
            .flat_map(|m| m.col(j).iter().copied().collect::<Vec<_>>())
            .collect();
        let mean = all.iter().sum::<f64>() / 80.0;
        let var = all.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 80.0;
        assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12);
    }
    let back = s.inverse_transform(&z[0]).unwrap();
    assert!((0..50).all(|t| (back[(t, 1)] - a[(t, 1)]).abs() < 1e-9));
    assert!(s.transform(Mat::<f64>::zeros(3, 3)).is_err());
    assert!(StandardScaler::fit::<Mat<f64>>(&[]).is_err());
    assert!(StandardScaler::from_parts(vec![0.0], vec![0.0]).is_err());
}

#[test]
fn mackey_glass_from_a_finer_integration() {
    let fine = datasets::mackey_glass(
        &MackeyGlass {
            h: 0.1,
            ..MackeyGlass::default()
        },
        10 * 99 + 1,
    )
    .unwrap();
    let sampled = datasets::mackey_glass(
        &MackeyGlass {
            h: 0.1,
            subsample: 10,
            ..MackeyGlass::default()
        },
        100,
    )
    .unwrap();
    for i in 0..100 {
        assert_eq!(sampled[(i, 0)], fine[(10 * i, 0)]);
    }
    assert!(datasets::mackey_glass(
        &MackeyGlass {
            subsample: 0,
            ..MackeyGlass::default()
        },
        10
    )
    .is_err());
}

#[test]
fn the_esn_classifier_runs_every_series_from_zero() {
    use aquifer::classify::{decide, one_hot};
    use aquifer::model::EsnClassifier;
    let xs: Vec<Mat<f64>> = (0..30)
        .map(|k| {
            Mat::from_fn(20 + k % 7, 2, |t, j| {
                ((t * (k % 3 + 1) + j) as f64 / 5.0).sin()
            })
        })
        .collect();
    let labels: Vec<usize> = (0..30).map(|k| k % 3).collect();
    let builder = Esn::builder().units(40).seed(4).ridge(1e-6);
    let mut clf = EsnClassifier::new(&builder, 2, 3, Some(5)).unwrap();
    clf.fit(
        &xs,
        Targets::Classes {
            labels: &labels,
            classes: 3,
        },
        0,
    )
    .unwrap();
    // the same by hand: one-hot targets, fit, and each series run from zero
    let mut esn = builder.build(2, 3).unwrap();
    let targets: Vec<Mat<f64>> = xs
        .iter()
        .zip(&labels)
        .map(|(x, &c)| one_hot(c, 3, x.nrows()).unwrap())
        .collect();
    esn.fit(&xs, &targets, 0).unwrap();
    let by_hand: Vec<usize> = xs
        .iter()
        .map(|x| {
            esn.reset();
            decide(esn.run(x).unwrap(), Some(5)).unwrap()
        })
        .collect();
    assert_eq!(clf.classify(&xs).unwrap(), by_hand);
    assert!(clf.esn().state().iter().all(|&v| v == 0.0));
    assert_eq!(clf.scores(&xs[..2]).unwrap().len(), 2);
    // errors
    assert!(clf
        .fit(
            &xs,
            Targets::Classes {
                labels: &labels,
                classes: 4
            },
            0
        )
        .is_err());
    assert!(clf
        .fit(
            &xs[..3],
            Targets::Classes {
                labels: &labels,
                classes: 3
            },
            0
        )
        .is_err());
    assert!(EsnClassifier::new(&builder, 2, 1, None).is_err());
    assert!(clf.set_last(Some(0)).is_err());
}

#[test]
fn kuramoto_sivashinsky_has_a_lyapunov_estimate_near_the_literature() {
    use aquifer::datasets::lyapunov::{largest_lyapunov_exponent, System};
    use aquifer::datasets::KuramotoSivashinsky;
    // L = 22 (scale 22 / 2 pi), 64 points: about 0.043-0.048 per time unit in the literature
    let p = KuramotoSivashinsky {
        n: 64,
        scale: 22.0 / (2.0 * std::f64::consts::PI),
        h: 0.25,
        warmup: 400,
        ..Default::default()
    };
    let l = largest_lyapunov_exponent(&System::KuramotoSivashinsky(p), 1000.0).unwrap();
    assert!((0.035..0.06).contains(&l), "{l}");
}
