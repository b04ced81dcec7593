//! Intrinsic plasticity: over training, the units' output distributions move to the target
//! (tanh units to a Gaussian, sigmoid units to an exponential).

use aquifer::activation::Activation;
use aquifer::faer::Mat;
use aquifer::nodes::plastic::column_moments;
use aquifer::nodes::{IpParams, IpReservoir};
use aquifer::prelude::*;

fn input() -> Mat<f64> {
    let mg = datasets::mackey_glass(&MackeyGlass::default(), 3000).unwrap();
    let (lo, hi) = mg
        .col(0)
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    Mat::from_fn(3000, 1, |t, _| 2.0 * (mg[(t, 0)] - lo) / (hi - lo) - 1.0)
}

/// Mean over units of |mean - mu| and of |std - sigma| (or of the mean alone).
fn distance(ip: &mut IpReservoir, u: &Mat<f64>, mu: f64, sigma: Option<f64>) -> (f64, f64) {
    ip.reset();
    let y = ip.run(u).unwrap();
    let m = column_moments(y.subrows(200, y.nrows() - 200));
    let n = m.len() as f64;
    let dm = m.iter().map(|(a, _)| (a - mu).abs()).sum::<f64>() / n;
    let ds = sigma.map_or(0.0, |s| {
        m.iter().map(|(_, b)| (b - s).abs()).sum::<f64>() / n
    });
    (dm, ds)
}

#[test]
fn tanh_units_move_to_the_gaussian_target() {
    let u = input();
    let params = IpParams {
        mu: 0.0,
        sigma: 0.2,
        learning_rate: 5e-4,
        epochs: 10,
    };
    let mut ip = IpReservoir::builder()
        .units(100)
        .spectral_radius(0.95)
        .input_connectivity(1.0)
        .seed(3)
        .build(1, params)
        .unwrap();
    let before = distance(&mut ip, &u, 0.0, Some(0.2));
    ip.fit(&[&u], 100).unwrap();
    let after = distance(&mut ip, &u, 0.0, Some(0.2));
    println!(
        "tanh / Gaussian(0, 0.2): |mean - mu|, |std - sigma| before {before:?}, after {after:?}"
    );
    assert!(after.1 < 0.5 * before.1, "{before:?} -> {after:?}");
    assert!(after.1 < 0.05 && after.0 < 0.05, "{after:?}");
}

#[test]
fn sigmoid_units_move_to_the_exponential_target() {
    let u = input();
    let params = IpParams {
        mu: 0.2,
        learning_rate: 1e-3,
        epochs: 10,
        ..IpParams::default()
    };
    let mut ip = IpReservoir::builder()
        .units(100)
        .spectral_radius(0.95)
        .input_connectivity(1.0)
        .activation(Activation::Sigmoid)
        .seed(3)
        .build(1, params)
        .unwrap();
    // an exponential of mean mu has standard deviation mu too
    let before = distance(&mut ip, &u, 0.2, Some(0.2));
    ip.fit(&[&u], 100).unwrap();
    let after = distance(&mut ip, &u, 0.2, Some(0.2));
    println!(
        "sigmoid / Exponential(0.2): |mean - mu|, |std - mu| before {before:?}, after {after:?}"
    );
    assert!(after.0 < 0.5 * before.0, "{before:?} -> {after:?}");
    assert!(after.0 < 0.05, "{after:?}");
}

#[test]
fn bad_parameters_are_named_and_it_saves() {
    let b = || IpReservoir::builder().units(20).seed(1);
    let bad = |p: IpParams, a: Activation| b().activation(a).build(1, p).unwrap_err();
    let named = |e: Error| match e {
        Error::InvalidParameter { name, .. } => name,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        named(bad(
            IpParams {
                sigma: 0.0,
                ..Default::default()
            },
            Activation::Tanh
        )),
        "sigma"
    );
    assert_eq!(
        named(bad(
            IpParams {
                mu: 0.0,
                ..Default::default()
            },
            Activation::Sigmoid
        )),
        "mu"
    );
    assert_eq!(
        named(bad(IpParams::default(), Activation::Relu)),
        "activation"
    );
    assert_eq!(
        named(bad(
            IpParams {
                learning_rate: -1.0,
                ..Default::default()
            },
            Activation::Tanh
        )),
        "learning_rate"
    );
    let mut ip = b()
        .build(
            1,
            IpParams {
                epochs: 2,
                ..Default::default()
            },
        )
        .unwrap();
    let u = input();
    ip.fit(&[u.subrows(0, 500)], 10).unwrap();
    let (gain, _) = ip.gain_and_bias();
    assert!(gain.iter().any(|g| *g != 1.0), "the gains moved");
    let back = IpReservoir::from_part(&ip.to_part().unwrap()).unwrap();
    let (mut a, mut c) = (ip.clone(), back);
    assert_eq!(
        a.run(u.subrows(500, 100)).unwrap(),
        c.run(u.subrows(500, 100)).unwrap()
    );
}
