//! Metrics against hand-computed values, and their errors.

use aquifer::metrics::*;
use aquifer::prelude::*;
use aquifer::series::{column, from_rows};

#[test]
fn errors_and_normalisations() {
    let y = column(&[1.0, 2.0, 3.0, 4.0, 10.0]);
    let p = column(&[1.0, 2.0, 3.0, 5.0, 8.0]);
    assert_eq!(mse(&y, &p).unwrap(), 1.0);
    assert_eq!(rmse(&y, &p).unwrap(), 1.0);
    assert_eq!(mae(&y, &p).unwrap(), 0.6);
    assert!((nrmse(&y, &p, Norm::Range).unwrap() - 1.0 / 9.0).abs() < 1e-15);
    // mean 4, variance (9 + 4 + 1 + 0 + 36) / 5 = 10
    assert!((nrmse(&y, &p, Norm::Var).unwrap() - 0.1).abs() < 1e-15);
    assert!((nrmse(&y, &p, Norm::Std).unwrap() - 1.0 / 10f64.sqrt()).abs() < 1e-15);
    assert!((nrmse(&y, &p, Norm::Mean).unwrap() - 0.25).abs() < 1e-15);
    // quartiles by linear interpolation: q1 = 2, q3 = 4
    assert!((nrmse(&y, &p, Norm::Iqr).unwrap() - 0.5).abs() < 1e-15);
    let c = column(&[2.0; 5]);
    assert!(nrmse(&c, &p, Norm::Range).is_err());
}

#[test]
fn r2_per_dimension_and_pooled() {
    let y = from_rows(4, 2, &[1., 0., 2., 0., 3., 1., 4., 1.]).unwrap();
    let p = from_rows(4, 2, &[1., 0., 2., 1., 3., 1., 5., 1.]).unwrap();
    let per = r2_per_dim(&y, &p).unwrap();
    // column 0: ss_tot 5, ss_res 1; column 1: ss_tot 1, ss_res 1
    assert!((per[0] - 0.8).abs() < 1e-15 && per[1].abs() < 1e-15);
    assert!((r2(&y, &p).unwrap() - (1.0 - 2.0 / 6.0)).abs() < 1e-15);
    assert_eq!(r2(&y, &y).unwrap(), 1.0);
}

#[test]
fn valid_prediction_time_counts_steps_below_threshold() {
    let y = column(&[1.0, -1.0, 1.0, -1.0, 1.0, -1.0]); // std 1
    let p = column(&[1.0, -1.0, 1.3, -1.5, 1.0, -1.0]);
    assert_eq!(valid_prediction_time(&y, &p, 0.4).unwrap(), 3);
    assert_eq!(valid_prediction_time(&y, &p, 0.6).unwrap(), 6);
    assert!(valid_prediction_time(&y, &p, 0.0).is_err());
}

#[test]
fn effective_spectral_radius_of_a_leaky_reservoir() {
    let mut w = aquifer::init::random_sparse(100, 100, Values::normal(0.0, 1.0), 0.2, 2).unwrap();
    aquifer::init::scale_spectral_radius(&mut w, 0.9).unwrap();
    assert!((effective_spectral_radius(&w, 1.0).unwrap() - 0.9).abs() < 1e-9);
    // for lr < 1, the radius of (1 - lr) I + lr W: check against the dense eigenvalues
    let lr = 0.3;
    let d = w.to_dense();
    let m = faer::Mat::from_fn(100, 100, |i, j| {
        lr * d[(i, j)] + if i == j { 1.0 - lr } else { 0.0 }
    });
    let exact = aquifer::init::spectral_radius_dense(m.as_ref()).unwrap();
    assert!((effective_spectral_radius(&w, lr).unwrap() - exact).abs() < 1e-9);
    assert!(exact < 1.0 && exact > 0.7);
    assert!(effective_spectral_radius(&w, 0.0).is_err());
}

#[test]
fn shape_and_value_errors() {
    let y = column(&[1.0, 2.0]);
    assert!(matches!(
        mse(&y, column(&[1.0])),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        mse(&y, column(&[1.0, f64::NAN])),
        Err(Error::NonFinite { row: 1, .. })
    ));
    assert!(matches!(
        mse(column(&[]), column(&[])),
        Err(Error::Empty { .. })
    ));
    assert!(r2(column(&[1.0, 1.0]), &y).is_err());
    let mut two_inputs = Reservoir::builder().units(10).build(2).unwrap();
    assert!(memory_capacity(&mut two_inputs, 5, 100, 100, 1e-6, 0).is_err());
}
