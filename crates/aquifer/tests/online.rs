//! Online readouts: RLS and LMS against closed-form least squares, ReservoirPy 0.4.2's values,
//! tracking with forgetting, FORCE learning of a periodic pattern, and bad input.

use aquifer::prelude::*;
use aquifer::readout::{Lms, LmsParams, Rls, RlsParams};
use faer::Mat;

/// The deterministic series of the ReservoirPy comparison: three features, two targets.
fn reference_series(t_len: usize) -> (Mat<f64>, Mat<f64>) {
    let x = Mat::from_fn(t_len, 3, |t, j| match j {
        0 => (0.1 * t as f64).sin(),
        1 => (0.37 * t as f64).cos(),
        _ => ((t * 7) % 11) as f64 / 11.0,
    });
    let y = Mat::from_fn(t_len, 2, |t, m| {
        let (w, b) = if m == 0 {
            ([1.5, -2.0, 0.5], 0.3)
        } else {
            ([-1.0, 0.25, 2.0], -1.0)
        };
        (0..3).map(|j| w[j] * x[(t, j)]).sum::<f64>() + b
    });
    (x, y)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn rls_and_lms_match_reservoirpy() {
    // Printed by ReservoirPy 0.4.2: RLS(alpha=1e-1, forgetting=0.99).partial_fit(x, y) and
    // LMS(learning_rate=0.05).partial_fit(x, y) on reference_series(200).
    let rpy_rls_w = [
        1.5199989797401157,
        -1.015314264977897,
        -1.9967919389200144,
        0.24738706698456617,
        1.3043439169145885,
        1.4243056636624807,
    ];
    let rpy_rls_b = [-0.1258213267796123, -0.695329940659475];
    let rpy_lms_w = [
        1.4702248220795167,
        -0.9796199336023101,
        -1.991381560150782,
        0.2580670275220977,
        0.35654374177015413,
        1.0191548348362507,
    ];
    let rpy_lms_b = [0.3701439107467059, -0.5320380408648319];
    let (x, y) = reference_series(200);

    let mut rls = Rls::new(
        3,
        2,
        RlsParams {
            alpha: 1e-1,
            forgetting: 0.99,
            ..Default::default()
        },
    )
    .unwrap();
    rls.partial_fit(&x, &y).unwrap();
    let w = rls.weights().0;
    for f in 0..3 {
        for m in 0..2 {
            assert!(
                close(w[(f, m)], rpy_rls_w[2 * f + m], 1e-9),
                "RLS W[{f},{m}]"
            );
        }
    }
    for (m, (b, r)) in rls.weights().1.iter().zip(rpy_rls_b).enumerate() {
        assert!(close(*b, r, 1e-9), "RLS b[{m}]");
    }

    let mut lms = Lms::new(
        3,
        2,
        LmsParams {
            learning_rate: 0.05,
            ..Default::default()
        },
    )
    .unwrap();
    lms.partial_fit(&x, &y).unwrap();
    let w = lms.weights().0;
    for f in 0..3 {
        for m in 0..2 {
            assert!(
                close(w[(f, m)], rpy_lms_w[2 * f + m], 1e-12),
                "LMS W[{f},{m}]"
            );
        }
    }
    for (m, (b, r)) in lms.weights().1.iter().zip(rpy_lms_b).enumerate() {
        assert!(close(*b, r, 1e-12), "LMS b[{m}]");
    }
}

#[test]
fn rls_without_forgetting_is_recursive_ridge() {
    // With lambda = 1 and no bias, RLS from P0 = I / alpha solves (X'X + alpha I) W = X'Y
    // exactly after every step: compare with the closed-form ridge readout.
    let (x, y) = reference_series(300);
    let alpha = 0.5;
    let mut rls = Rls::new(
        3,
        2,
        RlsParams {
            alpha,
            forgetting: 1.0,
            fit_bias: false,
        },
    )
    .unwrap();
    let outputs = rls.partial_fit(&x, &y).unwrap();
    let mut ridge = Ridge::with_params(RidgeParams {
        ridge: alpha,
        fit_bias: false,
    })
    .unwrap();
    ridge.fit(&[&x], &[&y], 0).unwrap();
    let (a, b) = (rls.weights().0, ridge.weights().unwrap().clone());
    assert!((&a - &b).norm_max() < 1e-10, "{a:?} vs {b:?}");
    // P stays exactly symmetric
    let p = rls.p();
    for i in 0..3 {
        for j in 0..3 {
            assert_eq!(p[(i, j)], p[(j, i)]);
        }
    }
    assert_eq!((outputs.nrows(), outputs.ncols()), (300, 2));
    assert_eq!(rls.steps(), 300);
}

#[test]
fn forgetting_tracks_a_changing_system() {
    // The mapping flips sign halfway: with forgetting 0.95 RLS follows, with 1.0 it averages.
    let n = 600;
    let x = Mat::from_fn(n, 2, |t, j| ((t * (3 + 2 * j)) % 13) as f64 / 13.0 - 0.5);
    let y = Mat::from_fn(n, 1, |t, _| {
        let s = if t < n / 2 { 1.0 } else { -1.0 };
        s * (2.0 * x[(t, 0)] - x[(t, 1)])
    });
    let params = |forgetting| RlsParams {
        alpha: 1e-2,
        forgetting,
        fit_bias: false,
    };
    let mut tracking = Rls::new(2, 1, params(0.95)).unwrap();
    let mut averaging = Rls::new(2, 1, params(1.0)).unwrap();
    tracking.partial_fit(&x, &y).unwrap();
    averaging.partial_fit(&x, &y).unwrap();
    assert!((tracking.weights().0[(0, 0)] + 2.0).abs() < 1e-6);
    assert!((averaging.weights().0[(0, 0)] + 2.0).abs() > 1.0);
}

#[test]
fn force_learning_keeps_generating_a_periodic_pattern() {
    // FORCE (Sussillo and Abbott 2009): the readout's output is fed back into the reservoir
    // while RLS keeps it close to the target; afterwards the loop runs free.
    let target = |t: usize| {
        let t = t as f64;
        0.5 * (2.0 * std::f64::consts::PI * t / 50.0).sin()
            + 0.3 * (2.0 * std::f64::consts::PI * t / 25.0).sin()
    };
    let mut reservoir = Reservoir::builder()
        .units(300)
        .spectral_radius(1.2)
        .leak_rate(0.5)
        .input_connectivity(1.0)
        .input_scaling(1.0)
        .seed(3)
        .build(1)
        .unwrap();
    let mut rls = Rls::new(
        300,
        1,
        RlsParams {
            alpha: 1.0,
            ..Default::default()
        },
    )
    .unwrap();
    let mut z = [0.0];
    let train_steps = 3000;
    for t in 0..train_steps {
        let state = reservoir.step(&z).unwrap().to_vec();
        rls.train_step(&state, &[target(t)], &mut z).unwrap();
    }
    // free run: the output drives the reservoir, no more learning
    let mut worst: f64 = 0.0;
    let free = 500;
    for t in train_steps..train_steps + free {
        let state = reservoir.step(&z).unwrap().to_vec();
        rls.step(&state, &mut z).unwrap();
        worst = worst.max((z[0] - target(t)).abs());
    }
    println!("FORCE: worst error over {free} free-running steps {worst:.2e} (amplitude 0.8)");
    assert!(worst < 0.05, "free-running error {worst}");
}

#[test]
fn bad_input_is_a_typed_error() {
    let bad = |p: RlsParams| Rls::new(2, 1, p).unwrap_err();
    assert!(matches!(
        bad(RlsParams {
            alpha: 0.0,
            ..Default::default()
        }),
        Error::InvalidParameter { name: "alpha", .. }
    ));
    assert!(matches!(
        bad(RlsParams {
            forgetting: 1.5,
            ..Default::default()
        }),
        Error::InvalidParameter {
            name: "forgetting",
            ..
        }
    ));
    assert!(Lms::new(
        2,
        1,
        LmsParams {
            learning_rate: -1.0,
            ..Default::default()
        }
    )
    .is_err());
    assert!(Rls::new(0, 1, RlsParams::default()).is_err());
    let mut rls = Rls::new(2, 1, RlsParams::default()).unwrap();
    let mut out = [0.0];
    assert!(matches!(
        rls.train_step(&[1.0], &[1.0], &mut out),
        Err(Error::ShapeMismatch { .. })
    ));
    let e = rls
        .train_step(&[1.0, f64::NAN], &[1.0], &mut out)
        .unwrap_err();
    assert!(matches!(e, Error::NonFinite { col: 1, .. }), "{e}");
    assert_eq!(rls.steps(), 0);
    // LMS with a learning rate far too large diverges: an error, not NaN weights
    let mut lms = Lms::new(
        1,
        1,
        LmsParams {
            learning_rate: 10.0,
            ..Default::default()
        },
    )
    .unwrap();
    let x = Mat::from_fn(2000, 1, |_, _| 1.0);
    let y = Mat::from_fn(2000, 1, |_, _| 1.0);
    let e = lms.partial_fit(&x, &y).unwrap_err();
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
}
