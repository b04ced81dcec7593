//! Local plasticity: each rule against the rule written out on a 5-unit reservoir, the sparsity
//! pattern kept, Oja's bounded rows, errors, persistence and use in a graph.

use aquifer::faer::Mat;
use aquifer::metrics::Norm;
use aquifer::model::Model;
use aquifer::nodes::{LeakRate, LocalParams, LocalReservoir, LocalRule};
use aquifer::prelude::*;
use aquifer::readout::RidgeParams;
use aquifer::traits::Persist;

fn input(t: usize) -> Mat<f64> {
    Mat::from_fn(t, 2, |t, j| {
        let t = t as f64;
        if j == 0 {
            (0.37 * t).sin()
        } else {
            0.5 * (0.11 * t).cos()
        }
    })
}

fn five(params: LocalParams) -> LocalReservoir {
    LocalReservoir::builder()
        .units(5)
        .rc_connectivity(0.5)
        .input_connectivity(1.0)
        .spectral_radius(0.9)
        .leak_rate(0.7)
        .seed(11)
        .build(2, params)
        .unwrap()
}

fn dense(local: &LocalReservoir) -> Mat<f64> {
    let w = local.reservoir().w();
    let (rp, ci, v) = (w.symbolic().row_ptr(), w.symbolic().col_idx(), w.val());
    let mut m = Mat::zeros(5, 5);
    for i in 0..5 {
        for k in rp[i] as usize..rp[i + 1] as usize {
            m[(i, ci[k] as usize)] = v[k];
        }
    }
    m
}

/// The training written out with dense matrices: the reservoir's equation, then every
/// nonzero weight moved by the rule, row normalisation if asked.
fn reference(local: &LocalReservoir, u: &Mat<f64>, warmup: usize, epochs: usize) -> Mat<f64> {
    let p = *local.params();
    let r = local.reservoir();
    let mut w = dense(local);
    let mask = Mat::from_fn(5, 5, |i, j| w[(i, j)] != 0.0);
    let LeakRate::Scalar(a) = *r.leak_rate() else {
        unreachable!()
    };
    let (eta, theta) = (p.learning_rate, p.bcm_theta);
    for _ in 0..epochs {
        let mut x = [0.0; 5];
        for t in 0..u.nrows() {
            let mut next = [0.0; 5];
            for i in 0..5 {
                let mut net = r.bias()[i];
                for j in 0..5 {
                    net += w[(i, j)] * x[j];
                }
                for f in 0..2 {
                    net += r.win()[(i, f)] * u[(t, f)];
                }
                next[i] = (1.0 - a) * x[i] + a * net.tanh();
            }
            if t >= warmup {
                for i in 0..5 {
                    let y = next[i];
                    for j in 0..5 {
                        if !mask[(i, j)] {
                            continue;
                        }
                        let (pre, wij) = (x[j], w[(i, j)]);
                        w[(i, j)] += match p.rule {
                            LocalRule::Oja => eta * y * (pre - y * wij),
                            LocalRule::AntiOja => -eta * y * (pre - y * wij),
                            LocalRule::Hebbian => eta * pre * y,
                            LocalRule::AntiHebbian => -eta * pre * y,
                            LocalRule::Bcm => eta * pre * y * (y - theta),
                        };
                    }
                    if p.synapse_normalization {
                        let norm = (0..5).map(|j| w[(i, j)].powi(2)).sum::<f64>().sqrt();
                        for j in 0..5 {
                            w[(i, j)] /= norm;
                        }
                    }
                }
            }
            x = next;
        }
    }
    w
}

#[test]
fn every_rule_matches_the_rule_written_out() {
    let u = input(200);
    for rule in LocalRule::ALL {
        for synapse_normalization in [false, true] {
            let params = LocalParams {
                rule,
                learning_rate: 0.01,
                bcm_theta: 0.2,
                synapse_normalization,
                epochs: 2,
            };
            let mut local = five(params);
            let before = dense(&local);
            let expected = reference(&local, &u, 10, 2);
            local.fit(&[&u], 10).unwrap();
            let after = dense(&local);
            let mut moved = 0.0f64;
            for i in 0..5 {
                for j in 0..5 {
                    let (b, a, e) = (before[(i, j)], after[(i, j)], expected[(i, j)]);
                    assert!(
                        (a - e).abs() < 1e-12,
                        "{rule:?} norm={synapse_normalization} W[{i},{j}] {a} vs {e}"
                    );
                    if b == 0.0 {
                        assert_eq!(a, 0.0, "{rule:?}: a zero entry of W changed");
                    }
                    moved = moved.max((a - b).abs());
                }
            }
            assert!(moved > 1e-3, "{rule:?}: W barely moved ({moved})");
            // the sparsity pattern is the same, and the state is back to zero
            let nonzeros = (0..25).filter(|k| before[(k / 5, k % 5)] != 0.0).count();
            assert_eq!(local.reservoir().w().val().len(), nonzeros);
            assert!(local.state().iter().all(|v| *v == 0.0));
        }
    }
}

#[test]
fn oja_keeps_row_norms_bounded_where_hebbian_grows() {
    let u = input(2000);
    let norms = |rule, epochs| {
        let mut local = LocalReservoir::builder()
            .units(50)
            .input_connectivity(0.5)
            .seed(2)
            .build(
                2,
                LocalParams {
                    rule,
                    learning_rate: 0.01,
                    epochs,
                    ..LocalParams::default()
                },
            )
            .unwrap();
        local.fit(&[&u], 0).unwrap();
        let w = local.reservoir().w();
        let rp = w.symbolic().row_ptr();
        (0..50)
            .map(|i| {
                w.val()[rp[i] as usize..rp[i + 1] as usize]
                    .iter()
                    .map(|v| v * v)
                    .sum::<f64>()
                    .sqrt()
            })
            .fold(0.0f64, f64::max)
    };
    // Oja's weights settle at a fixed point (rows of bounded norm); Hebbian ones grow with
    // every pass
    let oja: Vec<f64> = [1, 5, 40].map(|e| norms(LocalRule::Oja, e)).to_vec();
    let hebbian: Vec<f64> = [1, 5, 40].map(|e| norms(LocalRule::Hebbian, e)).to_vec();
    println!("largest row norm after 1, 5, 40 passes: Oja {oja:.3?}, Hebbian {hebbian:.3?}");
    assert!(oja.iter().all(|n| *n < 5.0), "{oja:?}");
    assert!((oja[2] - oja[1]).abs() < 0.01 * oja[1], "{oja:?}");
    assert!(
        hebbian[2] > 5.0 * hebbian[1] && hebbian[1] > 3.0 * hebbian[0],
        "{hebbian:?}"
    );
}

#[test]
fn normalised_rows_have_unit_norm() {
    let mut local = LocalReservoir::builder()
        .units(40)
        .seed(4)
        .build(
            2,
            LocalParams {
                rule: LocalRule::Hebbian,
                synapse_normalization: true,
                ..LocalParams::default()
            },
        )
        .unwrap();
    local.fit(&[&input(300)], 0).unwrap();
    let w = local.reservoir().w();
    let rp = w.symbolic().row_ptr();
    for i in 0..40 {
        let row = &w.val()[rp[i] as usize..rp[i + 1] as usize];
        if !row.is_empty() {
            let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!((norm - 1.0).abs() < 1e-12, "row {i}: {norm}");
        }
    }
}

#[test]
fn overflow_is_an_error_that_keeps_w() {
    let mut local = LocalReservoir::builder()
        .units(30)
        .seed(5)
        .build(
            2,
            LocalParams {
                rule: LocalRule::Hebbian,
                learning_rate: 1e308,
                ..LocalParams::default()
            },
        )
        .unwrap();
    let before = local.reservoir().w().val().to_vec();
    let e = local.fit(&[&input(100)], 0).unwrap_err().to_string();
    assert!(
        e.contains("learning_rate") && e.contains("overflowed"),
        "{e}"
    );
    assert_eq!(local.reservoir().w().val(), &before[..]);

    let bad = |p: LocalParams| {
        LocalReservoir::builder()
            .units(5)
            .build(1, p)
            .unwrap_err()
            .to_string()
    };
    let e = bad(LocalParams {
        learning_rate: -1.0,
        ..LocalParams::default()
    });
    assert!(e.contains("learning_rate"), "{e}");
    let e = bad(LocalParams {
        bcm_theta: f64::NAN,
        ..LocalParams::default()
    });
    assert!(e.contains("bcm_theta"), "{e}");
    let mut local = five(LocalParams::default());
    let e = local
        .fit(&[&input(10).subcols(0, 1)], 0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("input series 0"), "{e}");
    let nan = Mat::from_fn(10, 2, |t, _| if t == 3 { f64::NAN } else { 0.0 });
    assert!(local.fit(&[&nan], 0).is_err());
}

#[test]
fn seeded_saved_and_used_in_a_graph() {
    let u = input(600);
    let fitted = || {
        let mut l = LocalReservoir::builder()
            .units(60)
            .seed(8)
            .build(2, LocalParams::default())
            .unwrap();
        l.fit(&[&u], 10).unwrap();
        l
    };
    let (a, mut b) = (fitted(), fitted());
    assert_eq!(a.reservoir().w().val(), b.reservoir().w().val());

    b.run(u.subrows(0, 50)).unwrap();
    let back = LocalReservoir::from_part(&b.to_part().unwrap()).unwrap();
    assert_eq!(back.reservoir().w().val(), b.reservoir().w().val());
    assert_eq!(back.state(), b.state());
    assert_eq!(back.params(), b.params());

    // the learned reservoir feeds a ridge readout, forecasting the input one step ahead
    let x = u.subrows(0, 599).to_owned();
    let y = u.subrows(1, 599).to_owned();
    let mut g = Model::builder();
    let input = g.input("u", 2);
    let r = g.node("local", a);
    let out = g.ridge("readout", RidgeParams::default(), 2);
    g.chain(&[input, r, out]);
    let mut model = g.build().unwrap();
    model
        .fit(std::slice::from_ref(&x), std::slice::from_ref(&y), 50)
        .unwrap();
    model.reset();
    let p = model.run(&x).unwrap().get("readout").unwrap().to_owned();
    let err = aquifer::metrics::nrmse(y.subrows(100, 499), p.subrows(100, 499), Norm::Std).unwrap();
    assert!(err < 0.1, "NRMSE {err}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.aqm");
    model.save(&path).unwrap();
    let mut loaded = Model::load(&path).unwrap();
    loaded.reset();
    assert_eq!(
        loaded.run(&x).unwrap().get("readout").unwrap().to_owned(),
        p
    );
}
