//! NVAR: ReservoirPy 0.4.2's features column for column, and the node in graphs (NVAR -> ridge,
//! closed loop with its readout fed back), over many series, saved and loaded.

use aquifer::datasets::Lorenz;
use aquifer::faer::Mat;
use aquifer::model::Model;
use aquifer::nodes::{Monomials, Nvar, NvarParams};
use aquifer::prelude::*;
use aquifer::readout::{Ridge, RidgeParams};
use aquifer::traits::Step;
use std::path::Path;

fn fixture(name: &str) -> Mat<f64> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reservoirpy_nvar")
        .join(name);
    aquifer::io::read_table(path).unwrap().data
}

#[test]
fn features_equal_reservoirpy_column_for_column() {
    for (k, s, p, d) in [
        (2, 1, 2, 3),
        (3, 2, 2, 2),
        (2, 3, 3, 2),
        (4, 1, 2, 1),
        (1, 1, 3, 4),
    ] {
        let name = format!("k{k}_s{s}_p{p}_d{d}");
        let x = fixture(&format!("{name}_input.npy"));
        let want = fixture(&format!("{name}_features.npy"));
        let mut nvar = Nvar::builder()
            .delay(k)
            .strides(s)
            .order(p)
            .build(d)
            .unwrap();
        let got = nvar.run(&x).unwrap();
        assert_eq!(got.ncols(), want.ncols(), "{name}");
        // the same products in the same order: equal to the last bit
        assert_eq!(got, want, "{name}");
    }
}

/// A sine sampled every 0.1 (its next value is a linear function of its last two).
fn sine(from: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(n, 1, |t, _| (0.1 * (from + t) as f64).sin())
}

#[test]
fn an_nvar_feeds_a_ridge_readout_in_a_graph_and_generates_in_closed_loop() {
    // NVAR -> ridge, fitted and run like any graph, then saved and loaded
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let nvar = b.node("nvar", Nvar::builder().delay(2).order(2).build(1).unwrap());
    let out = b.ridge(
        "readout",
        RidgeParams {
            ridge: 1e-10,
            fit_bias: true,
        },
        1,
    );
    b.chain(&[u, nvar, out]);
    let mut model = b.build().unwrap();
    let x = sine(0, 400);
    let y = sine(1, 400);
    model
        .fit(std::slice::from_ref(&x), std::slice::from_ref(&y), 10)
        .unwrap();
    model.reset();
    let pred = model.run(&x).unwrap();
    let pred = pred.get("readout").unwrap();
    let worst = (10..400)
        .map(|t| (pred[(t, 0)] - y[(t, 0)]).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-6, "one step ahead: {worst}");
    let path = std::env::temp_dir().join(format!("aquifer-nvar-{}.aqm", std::process::id()));
    model.save(&path).unwrap();
    let mut loaded = Model::load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    model.reset();
    loaded.reset();
    let more = sine(400, 50);
    assert_eq!(
        loaded.run(&more).unwrap().get("readout").unwrap(),
        model.run(&more).unwrap().get("readout").unwrap()
    );
    // many series at once, each from the reset taps, as one by one
    model.reset();
    let series = [sine(0, 30), sine(100, 45), sine(7, 12)];
    let many = model.run_many(&series).unwrap();
    for (x, m) in series.iter().zip(&many) {
        model.reset();
        assert_eq!(m.get("readout"), model.run(x).unwrap().get("readout"));
    }

    // closed loop: the readout's prediction is the NVAR's next input
    let mut b = Model::builder();
    let nvar = b.node("nvar", Nvar::builder().delay(2).order(2).build(1).unwrap());
    let out = b.ridge(
        "readout",
        RidgeParams {
            ridge: 1e-10,
            fit_bias: true,
        },
        1,
    );
    b.connect(nvar, out).feedback(out, nvar);
    let mut model = b.build().unwrap();
    let none = Mat::<f64>::zeros(400, 0);
    model
        .fit(std::slice::from_ref(&none), &[sine(1, 400)], 10)
        .unwrap();
    model.reset();
    let generated = model.generate(200, sine(1, 100)).unwrap();
    let generated = generated.get("readout").unwrap();
    // the teacher ends at sin(0.1 * 100); generation goes on from there
    let truth = sine(101, 200);
    let worst = (0..200)
        .map(|t| (generated[(t, 0)] - truth[(t, 0)]).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-4, "closed loop over 200 steps: {worst}");
}

#[test]
fn the_nvar_as_esn_users_know_it_runs_over_many_series_in_parallel() {
    let params = NvarParams {
        delay: 3,
        strides: 2,
        order: 3,
        monomials: Monomials::UpTo,
        constant: true,
    };
    let mut nvar = params.build(2).unwrap();
    let xs: Vec<Mat<f64>> = (0..9)
        .map(|k| Mat::from_fn(20 + k * 5, 2, |t, j| ((t + 3 * k + j) as f64 * 0.3).cos()))
        .collect();
    let many = nvar.run_many(&xs).unwrap();
    let alone = aquifer::parallel::Parallelism::sequential()
        .install(|| nvar.clone().run_many(&xs).unwrap())
        .unwrap();
    for ((x, m), a) in xs.iter().zip(&many).zip(&alone) {
        let mut fresh = params.build(2).unwrap();
        let one = fresh.run(x).unwrap();
        assert_eq!(*m, one);
        assert_eq!(*a, one);
        assert_eq!(one[(0, 0)], 1.0, "the constant comes first");
    }
    // the taps are left as they were
    assert!(nvar.state().iter().all(|v| *v == 0.0));
    // bad input is an error naming it
    assert!(matches!(
        nvar.run(Mat::<f64>::zeros(5, 3)),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut bad = Mat::<f64>::zeros(5, 2);
    bad[(3, 1)] = f64::NAN;
    assert!(matches!(
        nvar.run(&bad),
        Err(Error::NonFinite { row: 3, col: 1, .. })
    ));
}

/// One NG-RC trial on Lorenz-63 as `examples/ngrc.rs` runs it (dt = 0.025, 28 features,
/// ridge 2.5e-6 on the increments, 200 + 400 points, 44 in closed loop), with the training
/// data perturbed by noise of std 1e-3: the test NRMSE is of the paper's order.
#[test]
fn ngrc_forecasts_lorenz_over_one_lyapunov_time() {
    let (warmup, train, test) = (200, 400, 44);
    let fine = datasets::lorenz(
        &Lorenz {
            x0: [17.67715816276679, 12.931379185960404, 43.91404334248268],
            h: 0.025 / 50.0,
            ..Lorenz::default()
        },
        (warmup + train + test) * 50 + 1,
    )
    .unwrap();
    let x = Mat::from_fn(warmup + train + test + 1, 3, |t, j| fine[(t * 50, j)]);
    let noise = aquifer::init::random_dense(
        x.nrows(),
        3,
        aquifer::init::Values::normal(0.0, 1e-3),
        1.0,
        7,
    )
    .unwrap();
    let seen = &x + &noise;
    let mut nvar = Nvar::builder()
        .monomials(Monomials::UpTo)
        .constant(true)
        .build(3)
        .unwrap();
    let features = nvar.run(seen.subrows(0, warmup + train)).unwrap();
    let delta = Mat::from_fn(train, 3, |i, j| {
        seen[(warmup + i + 1, j)] - seen[(warmup + i, j)]
    });
    let mut readout = Ridge::with_params(RidgeParams {
        ridge: 2.5e-6,
        fit_bias: false,
    })
    .unwrap();
    readout
        .fit(&[features.subrows(warmup, train)], &[delta.as_ref()], 0)
        .unwrap();
    // closed loop from the trajectory's last training point
    nvar.reset();
    let (mut f, mut d) = (vec![0.0; 28], vec![0.0; 3]);
    let end = warmup + train;
    let row = |t: usize| -> Vec<f64> { (0..3).map(|j| x[(t, j)]).collect() };
    nvar.step(&row(end - 2), &mut f).unwrap();
    let mut u = row(end - 1);
    let sigma: Vec<f64> = (0..3)
        .map(|j| {
            let c = x.col(j);
            let m = c.iter().sum::<f64>() / c.nrows() as f64;
            (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / c.nrows() as f64).sqrt()
        })
        .collect();
    let mut sum = 0.0;
    for t in 0..test {
        nvar.step(&u, &mut f).unwrap();
        readout.step(&f, &mut d).unwrap();
        u.iter_mut().zip(&d).for_each(|(a, b)| *a += b);
        for j in 0..3 {
            sum += ((u[j] - x[(end + t, j)]) / sigma[j]).powi(2);
        }
    }
    let nrmse = (sum / (3 * test) as f64).sqrt();
    println!("NG-RC Lorenz-63 test NRMSE over one Lyapunov time: {nrmse:.2e}");
    assert!(nrmse < 3e-3, "{nrmse}");
}
