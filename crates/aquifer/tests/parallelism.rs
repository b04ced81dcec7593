//! Every parallel path gives the same bits with 1, 2 and 4 threads, and a fit streamed in
//! chunks equals one made from every state held at once.

use aquifer::gated::{tasks, GatedModel, GatedParams, GatedTraining};
use aquifer::parallel::Parallelism;
use aquifer::prelude::*;
use aquifer::readout::{Rls, RlsParams};
use aquifer::spiking::{Liquid, LiquidParams, LsmClassifier, SurrogateParams};
use faer::Mat;

/// The bits of every value, to compare results exactly (and NaN with NaN).
fn bits(m: &Mat<f64>) -> Vec<u64> {
    (0..m.ncols())
        .flat_map(|j| (0..m.nrows()).map(move |i| (i, j)))
        .map(|ij| m[ij].to_bits())
        .collect()
}

/// `f` run with 1, 2 and 4 threads: the three results.
fn with_threads<R: Send>(f: impl Fn() -> R + Sync) -> Vec<R> {
    [1, 2, 4]
        .iter()
        .map(|&n| {
            Parallelism::threads(n)
                .unwrap()
                .install(|| {
                    assert_eq!(Parallelism::current(), n);
                    f()
                })
                .unwrap()
        })
        .collect()
}

fn assert_all_equal<T: PartialEq + std::fmt::Debug>(what: &str, results: Vec<T>) {
    for (k, r) in results.iter().enumerate().skip(1) {
        assert!(
            r == &results[0],
            "{what}: {} threads differ from 1",
            [1, 2, 4][k]
        );
    }
}

fn input(steps: usize, features: usize, phase: f64) -> Mat<f64> {
    Mat::from_fn(steps, features, |t, j| {
        ((t as f64 * 0.07 + phase) * (j + 1) as f64).sin() + 0.1 * ((t * 7 + j) % 5) as f64
    })
}

#[test]
fn reservoirs_and_their_states_do_not_depend_on_the_thread_count() {
    // large enough for the split step (the team) and the Krylov spectral radius
    let build = |units, c| {
        Reservoir::builder()
            .units(units)
            .rc_connectivity(c)
            .seed(5)
            .build(2)
            .unwrap()
    };
    let x = input(700, 2, 0.0);
    let runs = with_threads(|| {
        let mut sparse = build(800, 0.02);
        let mut dense = build(120, 1.0);
        let states = sparse.run(&x).unwrap();
        let many = sparse
            .run_many(&[input(300, 2, 0.1), input(200, 2, 0.2), input(90, 2, 0.3)])
            .unwrap();
        let many8: Vec<Vec<u64>> = sparse
            .run_many(
                &(0..11)
                    .map(|k| input(50 + k * 10, 2, k as f64))
                    .collect::<Vec<_>>(),
            )
            .unwrap()
            .iter()
            .map(bits)
            .collect();
        (
            bits(&states),
            many.iter().map(bits).collect::<Vec<_>>(),
            many8,
            bits(&dense.run(&x).unwrap()),
        )
    });
    assert_all_equal("reservoir states", runs);
}

#[test]
fn fits_statistics_and_solutions_do_not_depend_on_the_thread_count() {
    let x = input(6000, 1, 0.0);
    let y = Mat::from_fn(6000, 2, |t, j| x[((t + 3) % 6000, 0)] * (j + 1) as f64);
    let short: Vec<Mat<f64>> = (0..9).map(|k| input(120 + 17 * k, 1, k as f64)).collect();
    let short_y: Vec<Mat<f64>> = short
        .iter()
        .map(|s| Mat::from_fn(s.nrows(), 2, |t, j| s[(t, 0)] * (j as f64 - 0.5)))
        .collect();
    let runs = with_threads(|| {
        let mut esn = Esn::builder()
            .units(600)
            .rc_connectivity(0.02)
            .ridge(1e-9)
            .seed(2)
            .build(1, 2)
            .unwrap();
        esn.fit(&[&x], &[&y], 100).unwrap();
        let long = bits(esn.readout().weights().unwrap());
        let stats = esn.statistics(&short, &short_y[..], 10).unwrap();
        let mut esn_many = esn.clone();
        esn_many.fit(&short, &short_y[..], 10).unwrap();
        (
            long,
            bits(&stats.cxx().to_owned()),
            bits(esn_many.readout().weights().unwrap()),
            esn_many.reservoir().state().to_vec(),
        )
    });
    assert_all_equal("ridge fits", runs);
}

#[test]
fn online_gated_and_spiking_training_do_not_depend_on_the_thread_count() {
    let (xs, target) = tasks::delayed_response(96, 25, 4, 3).unwrap();
    let digits_like: Vec<Mat<f64>> = (0..40).map(|k| input(30, 3, k as f64 * 0.37)).collect();
    let labels: Vec<usize> = (0..40).map(|k| k % 3).collect();
    let runs = with_threads(|| {
        // RLS inside a graph fed by a reservoir large enough to split its steps
        let x = input(400, 1, 0.5);
        let y = input(400, 1, 0.9);
        let reservoir = Reservoir::builder()
            .units(500)
            .rc_connectivity(0.03)
            .seed(1)
            .build(1)
            .unwrap();
        let states = reservoir.clone().run(&x).unwrap();
        let mut rls = Rls::new(500, 1, RlsParams::default()).unwrap();
        rls.partial_fit(&states, &y).unwrap();
        let gated_params = GatedParams {
            units: 24,
            rc_connectivity: 0.2,
            seed: 1,
            ..Default::default()
        };
        let training = GatedTraining::default()
            .epochs(2)
            .batch_size(48)
            .learning_rate(1e-2);
        let mut gated = GatedModel::new(&gated_params, training, 1, 1).unwrap();
        gated.fit(&xs, &target, 0).unwrap();
        let liquid = Liquid::new(
            &LiquidParams {
                units: 30,
                seed: 2,
                ..Default::default()
            },
            3,
        )
        .unwrap();
        let params = SurrogateParams {
            bins: 3,
            ..Default::default()
        }
        .epochs(2)
        .batch_size(16);
        let mut lsm = LsmClassifier::new(liquid, params, 3).unwrap();
        lsm.fit(
            &digits_like,
            Targets::Classes {
                labels: &labels,
                classes: 3,
            },
            0,
        )
        .unwrap();
        (
            bits(&rls.weights().0),
            bits(&gated.head().weights().to_owned()),
            bits(&gated.run(&xs[0]).unwrap()),
            lsm.classify(&digits_like).unwrap(),
            bits(&lsm.liquid().win().to_owned()),
        )
    });
    assert_all_equal("online, gated and spiking training", runs);
}

#[test]
fn a_fit_streamed_in_chunks_equals_one_from_every_state_at_once() {
    // long enough for several chunks of states and blocks of statistics
    let x = input(9000, 1, 0.0);
    let y = Mat::from_fn(9000, 1, |t, _| x[((t + 1) % 9000, 0)]);
    let mut esn = Esn::builder()
        .units(200)
        .ridge(1e-8)
        .seed(4)
        .build(1, 1)
        .unwrap();
    esn.fit(&[&x], &[&y], 50).unwrap();
    // the same fit from every state at once: states in memory, then a ridge fit on them
    let mut reservoir = esn.reservoir().clone();
    reservoir.reset();
    let states = reservoir.run(&x).unwrap();
    let mut ridge = Ridge::new(1e-8).unwrap();
    ridge.fit(&[&states], &[&y], 50).unwrap();
    assert_eq!(
        bits(esn.readout().weights().unwrap()),
        bits(ridge.weights().unwrap())
    );
    assert_eq!(esn.readout().intercept(), ridge.intercept());
    // and the statistics of the same rows pushed in pieces of any size
    esn.reset();
    let whole = RidgeStats::from_series(states.as_ref(), y.as_ref(), 50).unwrap();
    assert_eq!(esn.statistics(&[&x], &[&y], 50).unwrap(), whole);
    // running in chunks gives the states of one run
    esn.reset();
    let predicted = esn.run(&x).unwrap();
    let expected = ridge.run(&states).unwrap();
    assert_eq!(bits(&predicted), bits(&expected));
}

#[test]
fn a_model_graph_fit_streamed_in_chunks_equals_one_from_every_feature_at_once() {
    use aquifer::model::Model;
    use aquifer::readout::RidgeParams;
    // a warm-up longer than a chunk, a delayed edge across chunk boundaries; the second graph
    // feeds its reservoir back into itself, so that it is fitted step by step
    let (t_len, warmup) = (9000, 5000);
    let x = input(t_len, 1, 0.3);
    let y = Mat::from_fn(t_len, 1, |t, _| x[((t + 1) % t_len, 0)]);
    let params = RidgeParams {
        ridge: 1e-8,
        fit_bias: true,
    };
    for looped in [false, true] {
        let make = || {
            let inputs = if looped { 61 } else { 1 };
            Reservoir::builder()
                .units(60)
                .seed(8)
                .build(inputs)
                .unwrap()
        };
        let mut b = Model::builder();
        let u = b.input("u", 1);
        let r = b.node("r", make());
        let out = b.ridge("out", params, 1);
        b.connect(u, r).connect(r, out).connect_delayed(u, out, 2);
        if looped {
            b.connect_delayed(r, r, 1);
        }
        let mut model = b.build().unwrap();
        model.fit(&[&x], &[&y], warmup).unwrap();
        // the features at once: the reservoir's states, then the input two steps back
        let mut reservoir = make();
        let mut features = Mat::zeros(t_len, 61);
        let mut last = vec![0.0; 60];
        for t in 0..t_len {
            let mut row = vec![x[(t, 0)]];
            if looped {
                row.extend_from_slice(&last);
            }
            last = reservoir.step(&row).unwrap().to_vec();
            for (j, v) in last.iter().enumerate() {
                features[(t, j)] = *v;
            }
            features[(t, 60)] = if t >= 2 { x[(t - 2, 0)] } else { 0.0 };
        }
        let mut ridge = Ridge::with_params(params).unwrap();
        ridge.fit(&[&features], &[&y], warmup).unwrap();
        let (w, bias) = model.weights("out").unwrap().unwrap();
        assert_eq!(bits(&w), bits(ridge.weights().unwrap()), "looped: {looped}");
        assert_eq!(bias, ridge.intercept().unwrap(), "looped: {looped}");
    }
}
