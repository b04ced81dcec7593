//! Echo state networks on real tasks: Mackey-Glass forecasting and generation, NARMA-10, memory
//! capacity; state semantics and bad input.

use aquifer::nodes::ReservoirParams;
use aquifer::prelude::*;
use faer::Mat;

fn mackey_glass_split() -> (datasets::Pair, datasets::Pair) {
    let series = datasets::mackey_glass(&MackeyGlass::default(), 4101).unwrap();
    let (x, y) = datasets::forecasting(&series, 1).unwrap();
    datasets::split(&x, &y, 3100).unwrap()
}

#[test]
fn mackey_glass_one_step_forecast_n500() {
    let ((x_train, y_train), (x_test, y_test)) = mackey_glass_split();
    assert_eq!(y_test.nrows(), 1000);
    let mut esn = Esn::builder()
        .units(500)
        .leak_rate(0.5)
        .spectral_radius(0.9)
        .ridge(1e-9)
        .input_to_readout(true)
        .seed(1)
        .build(1, 1)
        .unwrap();
    esn.fit(&[&x_train], &[&y_train], 100).unwrap();
    let y_pred = esn.run(&x_test).unwrap();
    let e = metrics::nrmse(&y_test, &y_pred, Norm::Range).unwrap();
    println!("Mackey-Glass one-step NRMSE (range) over 1000 steps: {e:.3e}");
    assert!(e <= 1e-3, "NRMSE {e}");
    assert!(metrics::r2(&y_test, &y_pred).unwrap() > 0.9999);
}

#[test]
fn mackey_glass_closed_loop_generation() {
    let ((x_train, y_train), (x_test, _)) = mackey_glass_split();
    // closed loops need more regularisation than one-step forecasts
    let mut esn = Esn::builder()
        .units(500)
        .leak_rate(0.3)
        .spectral_radius(1.25)
        .ridge(1e-6)
        .seed(1)
        .build(1, 1)
        .unwrap();
    esn.fit(&[&x_train], &[&y_train], 100).unwrap();
    esn.reset();
    let warm = x_test.subrows(0, 300);
    let generated = esn.generate(500, warm).unwrap();
    // row k estimates the series k + 1 steps after the last warm-up row, i.e. x_test[300 + k]
    let truth = x_test.subrows(300, 500).to_owned();
    let vpt = metrics::valid_prediction_time(&truth, &generated, 0.4).unwrap();
    println!("Mackey-Glass closed-loop valid prediction time: {vpt} steps");
    assert!(vpt >= 150, "valid prediction time {vpt}");
}

#[test]
fn narma10_n200() {
    let (u, y) = datasets::narma(&Narma::narma10(), 10000).unwrap();
    let ((u_train, y_train), (u_test, y_test)) = datasets::split(&u, &y, 8000).unwrap();
    let params = ReservoirParams {
        units: 200,
        spectral_radius: Some(0.8),
        input_scaling: 0.1.into(),
        input_connectivity: 1.0,
        rc_connectivity: 0.3,
        win_values: Values::uniform(-1.0, 1.0),
        bias: BiasInit::None,
        seed: 1,
        ..Default::default()
    };
    let mut esn = Esn::builder()
        .reservoir_params(params)
        .ridge(1e-10)
        .input_to_readout(true)
        .build(1, 1)
        .unwrap();
    esn.fit(&[&u_train], &[&y_train], 200).unwrap();
    let y_pred = esn.run(&u_test).unwrap();
    let e = metrics::nrmse(&y_test, &y_pred, Norm::Std).unwrap();
    println!("NARMA-10 NRMSE (std), N = 200: {e:.3}");
    assert!(e <= 0.25, "NRMSE {e}");
}

#[test]
fn memory_capacity_linear_vs_tanh() {
    let n = 50;
    let build = |act| {
        Reservoir::builder()
            .units(n)
            .spectral_radius(0.95)
            .input_scaling(0.5)
            .input_connectivity(1.0)
            .bias(BiasInit::None)
            .activation(act)
            .seed(3)
            .build(1)
            .unwrap()
    };
    let linear = metrics::memory_capacity(
        &mut build(Activation::Identity),
        2 * n,
        4000,
        2000,
        1e-10,
        7,
    )
    .unwrap();
    let tanh = metrics::memory_capacity(&mut build(Activation::Tanh), 2 * n, 4000, 2000, 1e-10, 7)
        .unwrap();
    println!(
        "memory capacity, N = {n}: linear {:.2}, tanh {:.2}",
        linear.total, tanh.total
    );
    assert!(linear.total <= n as f64 + 1e-6, "MC {} > N", linear.total);
    assert!(linear.total > tanh.total);
    assert!(linear.total > 0.5 * n as f64);
    assert!(linear.per_delay[0] > 0.99, "the last input is remembered");
    assert!(linear.per_delay.iter().all(|r| (0.0..=1.0).contains(r)));
}

#[test]
fn fit_leaves_the_last_training_state_and_multi_series_pools() {
    let ((x_train, y_train), (x_test, _)) = mackey_glass_split();
    let mut esn = Esn::builder()
        .units(100)
        .leak_rate(0.3)
        .seed(5)
        .build(1, 1)
        .unwrap();
    let mut r = esn.reservoir().clone();
    let states = r.run(&x_train).unwrap();
    esn.fit(&[&x_train], &[&y_train], 10).unwrap();
    let last: Vec<f64> = states.row(states.nrows() - 1).iter().copied().collect();
    assert_eq!(esn.reservoir().state(), last.as_slice());
    // two halves as two series give (almost) the same readout as the whole (only the second
    // half's warm start differs), and exactly the same as the pooled statistics
    let a = x_train.subrows(0, 1550).to_owned();
    let b = x_train.subrows(1550, 1550).to_owned();
    let ya = y_train.subrows(0, 1550).to_owned();
    let yb = y_train.subrows(1550, 1550).to_owned();
    esn.reset();
    esn.fit(&[&a, &b], &[&ya, &yb], 10).unwrap();
    let mut r = esn.reservoir().clone();
    r.reset();
    let sa = r.run(&a).unwrap();
    r.reset();
    let sb = r.run(&b).unwrap();
    let mut readout = Ridge::new(1e-6).unwrap();
    readout.fit(&[&sa, &sb], &[&ya, &yb], 10).unwrap();
    let w1 = esn.readout().weights().unwrap();
    let w2 = readout.weights().unwrap();
    for i in 0..w1.nrows() {
        assert!((w1[(i, 0)] - w2[(i, 0)]).abs() < 1e-9 * (1.0 + w2[(i, 0)].abs()));
    }
    // run_many on an ESN equals runs from the same state
    esn.reset();
    let many = esn.run_many(&[&x_test, &a]).unwrap();
    esn.reset();
    assert_eq!(many[0], esn.run(&x_test).unwrap());
}

#[test]
fn bad_input_is_a_typed_error() {
    let mut esn = Esn::builder().units(30).seed(1).build(2, 1).unwrap();
    let x = Mat::from_fn(20, 2, |i, j| (i + j) as f64 * 0.01);
    let y = Mat::from_fn(20, 1, |i, _| i as f64 * 0.01);
    assert!(matches!(esn.run(&x), Err(Error::NotFitted { .. })));
    assert!(matches!(
        esn.fit(&[&x], &[&y], 20),
        Err(Error::WarmupTooLong { .. })
    ));
    assert!(matches!(
        esn.fit(&[&x], &[&x], 0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        esn.fit(&[&y], &[&y], 0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        esn.fit(&[&x, &x], &[&y], 0),
        Err(Error::SeriesCountMismatch { .. })
    ));
    esn.fit(&[&x], &[&y], 2).unwrap();
    assert!(
        matches!(esn.generate(10, &x), Err(Error::ShapeMismatch { .. })),
        "2 inputs, 1 output"
    );
    assert!(Esn::builder().build(1, 0).is_err());
    assert!(Esn::builder().ridge(-1.0).build(1, 1).is_err());
}

#[test]
fn free_run_continues_generate_bit_for_bit() {
    let series = datasets::mackey_glass(&MackeyGlass::default(), 1500).unwrap();
    let (x, y) = datasets::forecasting(&series, 1).unwrap();
    let mut esn = Esn::builder()
        .units(80)
        .leak_rate(0.3)
        .spectral_radius(1.1)
        .input_to_readout(true)
        .seed(5)
        .build(1, 1)
        .unwrap();
    esn.fit(&[x.subrows(0, 1200)], &[y.subrows(0, 1200)], 100)
        .unwrap();
    let mut whole = esn.clone();
    let all = whole.generate(300, x.subrows(1200, 100)).unwrap();
    let first = esn.generate(120, x.subrows(1200, 100)).unwrap();
    let last: Vec<f64> = first.row(119).iter().copied().collect();
    let rest = esn.free_run(181, &last).unwrap();
    assert_eq!(all.subrows(0, 120), first);
    assert_eq!(all.subrows(119, 181), rest);
    // checked input
    assert!(matches!(
        esn.free_run(3, &[f64::NAN]),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        esn.free_run(3, &[1.0, 2.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    let unfitted = Esn::builder().units(10).build(1, 1).unwrap();
    assert!(matches!(
        unfitted.clone().free_run(3, &[1.0]),
        Err(Error::NotFitted { .. })
    ));
}

#[test]
fn merged_statistics_fit_like_one_fit() {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for seed in 0..5 {
        let (u, y) = datasets::narma(
            &Narma {
                seed,
                ..Narma::narma10()
            },
            400,
        )
        .unwrap();
        xs.push(u);
        ys.push(y);
    }
    let mut a = Esn::builder().units(60).seed(9).build(1, 1).unwrap();
    let mut b = a.clone();
    a.fit(&xs, &ys, 30).unwrap();
    let mut stats = b.statistics(&xs[..2], &ys[..2], 30).unwrap();
    b.reset();
    stats
        .merge(&b.statistics(&xs[2..], &ys[2..], 30).unwrap())
        .unwrap();
    assert_eq!(stats.count(), 5 * 370);
    // statistics leave the state where fit does: the last state of the last series
    assert_eq!(b.reservoir().state(), a.reservoir().state());
    b.fit_statistics(&stats).unwrap();
    let (wa, wb) = (
        a.readout().weights().unwrap(),
        b.readout().weights().unwrap(),
    );
    assert!((wa - wb).norm_max() <= 1e-9 * wa.norm_max());
    let other = Esn::builder().units(61).seed(9).build(1, 1).unwrap();
    assert!(matches!(
        other.clone().fit_statistics(&stats),
        Err(Error::ShapeMismatch { .. })
    ));
    // run_with_states: the same predictions as run, and the states of the reservoir
    let mut c = a.clone();
    let mut r = a.reservoir().clone();
    let (p, s) = a.run_with_states(&xs[0]).unwrap();
    assert_eq!(p, c.run(&xs[0]).unwrap());
    assert_eq!(s, r.run(&xs[0]).unwrap());
    assert_eq!(a.reservoir().state(), c.reservoir().state());
}

#[test]
fn given_matrices_are_used_as_they_are() {
    use aquifer::nodes::GivenMatrices;
    let drawn = Reservoir::builder().units(30).seed(4).build(2).unwrap();
    let params = ReservoirParams {
        units: 30,
        spectral_radius: None,
        seed: 99,
        ..Default::default()
    };
    let given = GivenMatrices {
        w: Some(drawn.w().clone()),
        win: Some(drawn.win().clone()),
        bias: Some(drawn.bias().to_vec()),
    };
    let mut imported = params.build_with(2, given).unwrap();
    let mut original = drawn.clone();
    let u = aquifer::init::random_dense(50, 2, Values::uniform(-1.0, 1.0), 1.0, 1).unwrap();
    assert_eq!(imported.run(&u).unwrap(), original.run(&u).unwrap());
    // a given W is rescaled when a spectral radius is asked for
    let rescaled = ReservoirParams {
        spectral_radius: Some(0.5),
        ..params.clone()
    }
    .build_with(
        2,
        GivenMatrices {
            w: Some(drawn.w().clone()),
            ..Default::default()
        },
    )
    .unwrap();
    let sr = aquifer::init::spectral_radius(rescaled.w()).unwrap();
    assert!((sr - 0.5).abs() < 1e-9, "{sr}");
    // shapes are checked
    let wrong = GivenMatrices {
        win: Some(aquifer::faer::Mat::zeros(30, 3)),
        ..Default::default()
    };
    assert!(matches!(
        params.build_with(2, wrong),
        Err(Error::ShapeMismatch { .. })
    ));
}
