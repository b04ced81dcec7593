//! Reservoir dynamics: the update equation, the echo state property, reproducibility, the
//! block path, noise and state handling, and bad input.

use aquifer::init::{self, Values};
use aquifer::prelude::*;
use faer::Mat;

/// The update equation written as plainly as possible, with the standard library's tanh.
fn reference_run(
    r: &Reservoir,
    x: &Mat<f64>,
    x0: &[f64],
    lr: &[f64],
    f: fn(f64) -> f64,
) -> Mat<f64> {
    let n = r.units();
    let w = r.w().to_dense();
    let mut state = x0.to_vec();
    let mut out = Mat::zeros(x.nrows(), n);
    for t in 0..x.nrows() {
        let mut next = vec![0.0; n];
        for i in 0..n {
            let mut pre = r.bias()[i];
            for j in 0..x.ncols() {
                pre += r.win()[(i, j)] * x[(t, j)];
            }
            for k in 0..n {
                pre += w[(i, k)] * state[k];
            }
            next[i] = (1.0 - lr[i]) * state[i] + lr[i] * f(pre);
        }
        state = next;
        for i in 0..n {
            out[(t, i)] = state[i];
        }
    }
    out
}

fn input(t: usize, f: usize, seed: u64) -> Mat<f64> {
    init::random_dense(t, f, Values::uniform(-1.0, 1.0), 1.0, seed).unwrap()
}

fn max_abs_diff(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()));
    let mut m = 0.0f64;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            m = m.max((a[(i, j)] - b[(i, j)]).abs());
        }
    }
    m
}

#[test]
fn update_matches_the_reference_loop() {
    for (lr, act, f) in [
        (0.3, Activation::Tanh, f64::tanh as fn(f64) -> f64),
        (1.0, Activation::Sigmoid, |x: f64| 1.0 / (1.0 + (-x).exp())),
        (0.5, Activation::Relu, |x: f64| x.max(0.0)),
        (0.7, Activation::Identity, |x: f64| x),
        (0.2, Activation::Softplus, |x: f64| {
            x.max(0.0) + (-x.abs()).exp().ln_1p()
        }),
    ] {
        let mut r = Reservoir::builder()
            .units(80)
            .leak_rate(lr)
            .activation(act)
            .spectral_radius(0.9)
            .seed(3)
            .build(2)
            .unwrap();
        let x = input(200, 2, 1);
        let states = r.run(&x).unwrap();
        let reference = reference_run(&r, &x, &vec![0.0; 80], &[lr; 80], f);
        let d = max_abs_diff(&states, &reference);
        assert!(d < 1e-12, "{act:?}: max difference {d}");
    }
}

#[test]
fn per_unit_leak_rates_and_continuation() {
    let lr: Vec<f64> = (0..50).map(|i| 0.05 + 0.9 * i as f64 / 49.0).collect();
    let mut r = Reservoir::builder()
        .units(50)
        .leak_rate(lr.clone())
        .seed(8)
        .build(1)
        .unwrap();
    let x = input(120, 1, 2);
    let all = r.run(&x).unwrap();
    let reference = reference_run(&r, &x, &[0.0; 50], &lr, f64::tanh);
    assert!(max_abs_diff(&all, &reference) < 1e-12);
    // run continues from the current state: two halves equal the whole, bit for bit
    r.reset();
    let a = r.run(x.subrows(0, 60)).unwrap();
    let b = r.run(x.subrows(60, 60)).unwrap();
    assert_eq!(a, all.subrows(0, 60).to_owned());
    assert_eq!(b, all.subrows(60, 60).to_owned());
    // step gives the same states as run
    r.reset();
    for t in 0..120 {
        let u = [x[(t, 0)]];
        let s = r.step(&u).unwrap().to_vec();
        let row: Vec<f64> = all.row(t).iter().copied().collect();
        assert_eq!(s, row, "step {t}");
    }
}

#[test]
fn echo_state_property() {
    let mut r = Reservoir::builder()
        .units(200)
        .spectral_radius(0.8)
        .leak_rate(0.5)
        .seed(4)
        .build(1)
        .unwrap();
    let x = input(400, 1, 5);
    let start_a: Vec<f64> = (0..200).map(|i| (i as f64 * 0.37).sin()).collect();
    let start_b: Vec<f64> = (0..200).map(|i| -(i as f64 * 0.11).cos()).collect();
    r.set_state(&start_a).unwrap();
    let a = r.run(&x).unwrap();
    r.set_state(&start_b).unwrap();
    let b = r.run(&x).unwrap();
    let first: f64 = (0..200)
        .map(|i| (a[(0, i)] - b[(0, i)]).abs())
        .fold(0.0, f64::max);
    let last: f64 = (0..200)
        .map(|i| (a[(399, i)] - b[(399, i)]).abs())
        .fold(0.0, f64::max);
    assert!(first > 0.1, "the starts differ: {first}");
    assert!(
        last < 1e-10,
        "states converge under a contracting reservoir: {last}"
    );
}

#[test]
fn same_seed_same_bits() {
    let build = |seed| {
        Reservoir::builder()
            .units(300)
            .seed(seed)
            .noise_rc(0.01)
            .noise_in(0.01)
            .build(2)
            .unwrap()
    };
    let (mut a, mut b, mut c) = (build(9), build(9), build(10));
    assert_eq!(a.w().val(), b.w().val());
    assert_eq!(a.win(), b.win());
    assert_eq!(a.bias(), b.bias());
    assert_ne!(a.w().val(), c.w().val());
    let x = input(50, 2, 1);
    let (sa, sb, sc) = (a.run(&x).unwrap(), b.run(&x).unwrap(), c.run(&x).unwrap());
    assert_eq!(sa, sb);
    assert_ne!(sa, sc);
    // reset restarts the noise stream
    a.reset();
    assert_eq!(a.run(&x).unwrap(), sa);
}

#[test]
fn noise_perturbs_the_states() {
    let x = input(100, 1, 1);
    let mut clean = Reservoir::builder().units(60).seed(1).build(1).unwrap();
    let mut noisy = Reservoir::builder()
        .units(60)
        .seed(1)
        .noise_rc(0.05)
        .build(1)
        .unwrap();
    let d = max_abs_diff(&clean.run(&x).unwrap(), &noisy.run(&x).unwrap());
    assert!(d > 1e-3 && d < 1.0, "{d}");
    let many = noisy.run_many(&[&x, &x]).unwrap();
    assert_ne!(many[0], many[1], "each series has its own noise stream");
    assert_eq!(
        many,
        noisy.run_many(&[&x, &x]).unwrap(),
        "and they are reproducible"
    );
}

#[test]
fn run_many_equals_run_bit_for_bit() {
    let mut r = Reservoir::builder()
        .units(150)
        .leak_rate(0.4)
        .seed(2)
        .build(3)
        .unwrap();
    let start: Vec<f64> = (0..150).map(|i| (i as f64).sin() * 0.1).collect();
    r.set_state(&start).unwrap();
    let series: Vec<Mat<f64>> = (0..19).map(|i| input(20 + 7 * i, 3, i as u64)).collect();
    let many = r.run_many(&series).unwrap();
    assert_eq!(
        r.state(),
        start.as_slice(),
        "run_many leaves the state unchanged"
    );
    for (i, s) in series.iter().enumerate() {
        r.set_state(&start).unwrap();
        assert_eq!(many[i], r.run(s).unwrap(), "series {i}");
    }
}

#[test]
fn one_series_takes_the_single_series_kernel_with_the_same_bits_as_a_block() {
    // large enough for a step split over two threads
    let r = Reservoir::builder()
        .units(600)
        .leak_rate(0.3)
        .seed(9)
        .build(2)
        .unwrap();
    let x = input(400, 2, 5);
    let alone = r.run_many(&[&x]).unwrap();
    let in_block = r.run_many(&[&x, &x]).unwrap();
    assert_eq!(alone[0], in_block[0]);
    assert_eq!(alone[0], in_block[1]);
    assert_eq!(alone[0], r.clone().run(&x).unwrap());
}

#[test]
fn imported_matrices_are_used_as_given() {
    let w = init::ring(4, 0.5).unwrap();
    let win = Mat::from_fn(4, 1, |i, _| i as f64);
    let mut r = Reservoir::from_matrices(
        w,
        win,
        vec![0.0; 4],
        LeakRate::Scalar(1.0),
        Activation::Identity,
    )
    .unwrap();
    let s = r.run(aquifer::series::column(&[1.0, 0.0])).unwrap();
    assert_eq!(
        s.row(0).iter().copied().collect::<Vec<_>>(),
        vec![0.0, 1.0, 2.0, 3.0]
    );
    // unit i receives 0.5 * unit i-1 (cyclic)
    assert_eq!(
        s.row(1).iter().copied().collect::<Vec<_>>(),
        vec![1.5, 0.0, 0.5, 1.0]
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let mut r = Reservoir::builder().units(20).seed(1).build(2).unwrap();
    assert!(matches!(
        r.run(input(10, 3, 1)),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        r.run(Mat::<f64>::zeros(0, 2)),
        Err(Error::Empty { .. })
    ));
    let mut bad = input(10, 2, 1);
    bad[(4, 1)] = f64::NAN;
    match r.run(&bad) {
        Err(Error::NonFinite { row, col, .. }) => assert_eq!((row, col), (4, 1)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(r.step(&[1.0]), Err(Error::ShapeMismatch { .. })));
    assert!(matches!(
        r.step(&[1.0, f64::INFINITY]),
        Err(Error::NonFinite { .. })
    ));
    assert!(r.set_state(&[0.0; 3]).is_err());
    assert!(r.run_many::<Mat<f64>>(&[]).is_err());
    let invalid = [
        Reservoir::builder().units(0).build(1),
        Reservoir::builder().leak_rate(0.0).build(1),
        Reservoir::builder().leak_rate(1.5).build(1),
        Reservoir::builder()
            .units(3)
            .leak_rate(vec![0.5, 0.5])
            .build(1),
        Reservoir::builder().spectral_radius(-1.0).build(1),
        Reservoir::builder().rc_connectivity(0.0).build(1),
        Reservoir::builder().input_connectivity(1.1).build(1),
        Reservoir::builder().noise_rc(-0.1).build(1),
        Reservoir::builder().input_scaling(vec![1.0, 2.0]).build(1),
        Reservoir::builder().build(0),
    ];
    for (i, r) in invalid.iter().enumerate() {
        assert!(
            matches!(
                r,
                Err(Error::InvalidParameter { .. }) | Err(Error::ShapeMismatch { .. })
            ),
            "case {i}: {r:?}"
        );
    }
}

#[test]
fn large_reservoirs_split_across_threads_give_the_same_states() {
    // 900 units at connectivity 0.1: 81k nonzeros, so `run` splits each step between two
    // threads (and `step` across the rayon pool), while `run_many` propagates serially by
    // blocks. All must agree exactly, and with the plain reference loop.
    let lr: Vec<f64> = (0..900).map(|i| 0.2 + 0.1 * (i % 7) as f64).collect();
    let mut r = Reservoir::builder()
        .units(900)
        .leak_rate(lr.clone())
        .spectral_radius(0.95)
        .seed(12)
        .build(1)
        .unwrap();
    assert!(r.w().compute_nnz() > 60_000);
    let x = input(150, 1, 3);
    let alone = r.run(&x).unwrap();
    let last: Vec<f64> = alone.row(149).iter().copied().collect();
    assert_eq!(r.state(), last.as_slice());
    r.reset();
    let many = r.run_many(&[&x, &x.subrows(0, 100).to_owned()]).unwrap();
    assert_eq!(alone, many[0]);
    assert_eq!(alone.subrows(0, 100).to_owned(), many[1]);
    for t in 0..150 {
        let s = r.step(&[x[(t, 0)]]).unwrap().to_vec();
        assert_eq!(
            s,
            alone.row(t).iter().copied().collect::<Vec<_>>(),
            "step {t}"
        );
    }
    let reference = reference_run(&r, &x, &[0.0; 900], &lr, f64::tanh);
    assert!(max_abs_diff(&alone, &reference) < 1e-12);
    // a mid-size reservoir (two threads per step, no rayon split) with state noise is
    // reproducible
    let build = || {
        Reservoir::builder()
            .units(300)
            .noise_rc(0.01)
            .seed(4)
            .build(1)
            .unwrap()
    };
    let (mut a, mut b) = (build(), build());
    assert_eq!(a.run(&x).unwrap(), b.run(&x).unwrap());
}
