//! Gated reservoirs trained by BPTT: the adding problem, the copy task against a plain ESN,
//! digits read pixel by pixel, loss reduction on every task, reproducibility, bad input.

use aquifer::gated::{tasks, GatedModel, GatedParams, GatedTraining, Target};
use aquifer::grad::TrainingReport;
use aquifer::prelude::*;
use aquifer::Error;
use faer::Mat;

fn training(epochs: usize, learning_rate: f64) -> GatedTraining {
    GatedTraining::default()
        .epochs(epochs)
        .batch_size(32)
        .clip(Some(5.0))
        .learning_rate(learning_rate)
}

fn params(units: usize) -> GatedParams {
    GatedParams {
        units,
        rc_connectivity: 0.2,
        seed: 1,
        ..Default::default()
    }
}

/// A model built for `xs` and `target`, trained with `t`, and its training report.
fn fit_gated(
    p: &GatedParams,
    xs: &[Mat<f64>],
    target: &Target,
    t: &GatedTraining,
    on_epoch: impl FnMut(usize, &TrainingReport),
) -> aquifer::Result<(GatedModel, TrainingReport)> {
    let inputs = xs.first().map_or(1, |x| x.ncols());
    let mut model = GatedModel::new(p, *t, inputs, Targets::from(target).outputs())?;
    model.fit_with_progress(xs, target, 0, on_epoch)?;
    let report = model.report().cloned().unwrap_or_default();
    Ok((model, report))
}

#[test]
fn the_adding_problem_is_solved_far_below_the_mean_predictor() {
    let (xs, target) = tasks::adding_problem(2000, 100, 1).unwrap();
    let (xt, tt) = tasks::adding_problem(500, 100, 2).unwrap();
    let (mut model, report) =
        fit_gated(&params(32), &xs, &target, &training(8, 1e-2), |_, _| {}).unwrap();
    let pred = model.run_many(&xt).unwrap();
    let Target::LastValues(y) = &tt else {
        unreachable!()
    };
    let mse = (0..500)
        .map(|k| (pred[k][(0, 0)] - y[(k, 0)]).powi(2))
        .sum::<f64>()
        / 500.0;
    println!(
        "adding problem T=100: test MSE {mse:.5} (mean predictor 0.167), losses {:?}",
        report.train_loss
    );
    assert!(mse < 0.02, "{mse}");
}

#[test]
fn the_gated_model_beats_a_plain_esn_on_the_copy_task() {
    let (xs, target) = tasks::copy_task(2000, 5, 10, 1).unwrap();
    let (xt, tt) = tasks::copy_task(300, 5, 10, 2).unwrap();
    let (Target::Sequences(ys), Target::Sequences(yt)) = (&target, &tt) else {
        unreachable!()
    };
    let mse = |pred: &[Mat<f64>]| {
        pred.iter()
            .zip(yt)
            .map(|(p, y)| aquifer::metrics::mse(y, p).unwrap())
            .sum::<f64>()
            / pred.len() as f64
    };
    let (mut model, _) =
        fit_gated(&params(64), &xs, &target, &training(15, 5e-3), |_, _| {}).unwrap();
    let gated = mse(&model.run_many(&xt).unwrap());
    let mut esn = Esn::builder()
        .units(64)
        .spectral_radius(0.9)
        .leak_rate(0.5)
        .ridge(1e-4)
        .seed(1)
        .build(10, 10)
        .unwrap();
    esn.fit(&xs, ys, 0).unwrap();
    let esn_pred: Vec<Mat<f64>> = xt
        .iter()
        .map(|x| {
            esn.reset();
            esn.run(x).unwrap()
        })
        .collect();
    let plain = mse(&esn_pred);
    println!("copy task (5 symbols, delay 10): gated {gated:.4}, ESN {plain:.4}, blanks 0.0500");
    assert!(gated < 0.9 * plain, "gated {gated} vs ESN {plain}");
}

#[test]
fn digits_read_pixel_by_pixel_reach_ninety_percent() {
    let ((xs, target), (xt, tt)) = tasks::digits_pixels(450, 0).unwrap();
    let t = GatedTraining {
        refit_ridge: Some(1e-4),
        ..training(20, 1e-2)
    };
    let (model, report) = fit_gated(&params(96), &xs, &target, &t, |_, _| {}).unwrap();
    let Target::Classes { labels, .. } = &tt else {
        unreachable!()
    };
    let predicted = model.classify(&xt).unwrap();
    let accuracy =
        predicted.iter().zip(labels).filter(|(p, l)| p == l).count() as f64 / labels.len() as f64;
    println!(
        "digits pixel by pixel (64 steps), H=96: {:.1}% (loss {:.3} -> {:.3})",
        100.0 * accuracy,
        report.train_loss[0],
        report.train_loss.last().unwrap()
    );
    assert!(accuracy >= 0.9, "{accuracy}");
}

#[test]
fn training_reduces_the_loss_on_every_task() {
    let ((mnist, mnist_target), _) = tasks::mnist1d_sequences().unwrap();
    let Target::Classes { labels, classes } = mnist_target else {
        unreachable!()
    };
    let few = Target::Classes {
        labels: labels[..400].to_vec(),
        classes,
    };
    /// A task's name, samples, target and BPTT window.
    type Case = (&'static str, Vec<Mat<f64>>, Target, Option<usize>);
    let cases: Vec<Case> = vec![
        {
            let (x, t) = tasks::copy_task(300, 4, 6, 3).unwrap();
            ("copy", x, t, None)
        },
        {
            let (x, t) = tasks::adding_problem(300, 50, 3).unwrap();
            ("adding", x, t, None)
        },
        {
            let (x, t) = tasks::delayed_response(300, 40, 5, 3).unwrap();
            (
                "delayed response, truncated BPTT (window 10)",
                x,
                t,
                Some(10),
            )
        },
        {
            let (x, t) = tasks::mackey_glass_forecast(200, 50, 3).unwrap();
            ("Mackey-Glass", x, t, None)
        },
        ("MNIST-1D", mnist[..400].to_vec(), few, None),
    ];
    for (name, xs, target, window) in cases {
        let t = GatedTraining {
            window,
            ..training(4, 1e-2)
        };
        let (_, report) = fit_gated(&params(24), &xs, &target, &t, |_, _| {}).unwrap();
        println!("{name}: {:?}", report.train_loss);
        assert!(
            report.train_loss[3] < report.train_loss[0],
            "{name}: {:?}",
            report.train_loss
        );
    }
}

#[test]
fn the_same_seed_trains_the_same_model_and_early_stopping_keeps_the_best() {
    let (xs, target) = tasks::delayed_response(200, 30, 3, 5).unwrap();
    let t = training(6, 1e-2).validation_fraction(0.2).patience(2);
    let fit = || fit_gated(&params(16), &xs, &target, &t, |_, _| {}).unwrap();
    let (a, report) = fit();
    let (b, _) = fit();
    assert_eq!(a.reservoir().weights(), b.reservoir().weights());
    assert_eq!(a.head(), b.head());
    assert_eq!(report.validation_loss.len(), report.train_loss.len());
    let best = report.validation_loss[report.best_epoch - 1];
    assert!(report.validation_loss.iter().all(|&l| l >= best));
    let mut epochs_seen = 0;
    fit_gated(&params(16), &xs, &target, &t, |e, _| epochs_seen = e).unwrap();
    assert_eq!(epochs_seen, report.train_loss.len());
}

#[test]
fn bad_input_is_a_typed_error() {
    let (xs, target) = tasks::adding_problem(20, 10, 1).unwrap();
    let fit = |p: &GatedParams, xs: &[Mat<f64>], target: &Target, t: &GatedTraining| {
        fit_gated(p, xs, target, t, |_, _| {}).map(|_| ())
    };
    let ok = training(1, 1e-2);
    let lr0 = training(1, 0.0);
    assert!(matches!(
        fit(&params(8), &xs, &target, &lr0),
        Err(Error::InvalidParameter { .. })
    ));
    let neg = training(1, -1.0);
    assert!(matches!(
        fit(&params(8), &xs, &target, &neg),
        Err(Error::InvalidParameter { .. })
    ));
    let dense = GatedParams {
        rc_connectivity: 1.5,
        ..params(8)
    };
    assert!(matches!(
        fit(&dense, &xs, &target, &ok),
        Err(Error::InvalidParameter { .. })
    ));
    let none: Vec<Mat<f64>> = Vec::new();
    assert!(matches!(
        fit(
            &params(8),
            &none,
            &Target::LastValues(Mat::zeros(0, 1)),
            &ok
        ),
        Err(Error::Empty { .. })
    ));
    let mut nan = xs.clone();
    nan[3][(4, 0)] = f64::NAN;
    assert!(matches!(
        fit(&params(8), &nan, &target, &ok),
        Err(Error::NonFinite { .. })
    ));
    let mut ragged = xs.clone();
    ragged[5] = Mat::zeros(9, 2);
    assert!(matches!(
        fit(&params(8), &ragged, &target, &ok),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut wide = xs.clone();
    wide[2] = Mat::zeros(10, 3);
    assert!(matches!(
        fit(&params(8), &wide, &target, &ok),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        fit(&params(8), &xs[..10], &target, &ok),
        Err(Error::ShapeMismatch { .. })
    ));
    let bad_label = Target::Classes {
        labels: vec![3; 20],
        classes: 2,
    };
    assert!(matches!(
        fit(&params(8), &xs, &bad_label, &ok),
        Err(Error::InvalidParameter { .. })
    ));
    let window0 = GatedTraining {
        window: Some(0),
        ..ok
    };
    assert!(matches!(
        fit(&params(8), &xs, &target, &window0),
        Err(Error::InvalidParameter { .. })
    ));
    let (mut model, _) = fit_gated(&params(8), &xs, &target, &ok, |_, _| {}).unwrap();
    assert!(
        model.classify(&xs).is_err(),
        "a regression model does not classify"
    );
    assert!(matches!(
        model.run_many(&[Mat::<f64>::zeros(5, 3)]),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn a_trained_model_round_trips_through_a_model_file() {
    use aquifer::io::ModelFile;
    let (xs, target) = tasks::delayed_response(100, 20, 2, 7).unwrap();
    let p = GatedParams {
        layers: 2,
        ..params(12)
    };
    let (mut model, _) = fit_gated(&p, &xs, &target, &training(2, 1e-2), |_, _| {}).unwrap();
    let dir = std::env::temp_dir().join(format!("aquifer-gated-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gated.aqm");
    model.save(&path).unwrap();
    let mut loaded = GatedModel::load(&path).unwrap();
    assert_eq!(
        loaded.run_many(&xs[..10]).unwrap(),
        model.run_many(&xs[..10]).unwrap()
    );
    assert_eq!(loaded.reservoir().weights(), model.reservoir().weights());
    // a classifier without input bias as well
    let (cx, ct) = tasks::digits_pixels(1700, 0).unwrap().0;
    let q = GatedParams {
        input_bias: false,
        ..params(8)
    };
    let (classifier, _) = fit_gated(&q, &cx, &ct, &training(1, 1e-2), |_, _| {}).unwrap();
    let again = GatedModel::from_part(&classifier.to_part().unwrap()).unwrap();
    assert_eq!(
        again.classify(&cx).unwrap(),
        classifier.classify(&cx).unwrap()
    );
    // damaged files
    let good = model.to_part().unwrap();
    let bytes = good.to_bytes().unwrap();
    let load = |b: &[u8]| ModelFile::from_bytes(b).and_then(|f| GatedModel::from_part(&f));
    for pos in (0..bytes.len()).step_by(bytes.len() / 200 + 1) {
        assert!(load(&bytes[..pos]).is_err(), "truncated at {pos}");
        let mut flipped = bytes.clone();
        flipped[pos] ^= 0x40;
        assert!(load(&flipped).is_err(), "flipped byte {pos}");
    }
    let refused = |f: ModelFile, needle: &str| {
        let err = GatedModel::from_part(&f).unwrap_err().to_string();
        assert!(err.contains(needle), "`{needle}` not in {err}");
    };
    let mut other = good.clone();
    other.kind = "esn".into();
    refused(other, "not a `gated`");
    let mut extra = good.clone();
    extra.config["surprise"] = serde_json::json!(1);
    refused(extra, "surprise");
    let mut huge = good.clone();
    huge.config["params"]["units"] = serde_json::json!(1u64 << 40);
    refused(huge, "head");
    let mut deep = good.clone();
    deep.config["params"]["layers"] = serde_json::json!(1u64 << 40);
    refused(deep, "layers");
    let mut nan = good;
    if let Some(aquifer::io::Tensor::F64 { data, .. }) = nan.tensors.get_mut("layers.1.w_g") {
        data[0] = f64::NAN;
    }
    assert!(matches!(
        GatedModel::from_part(&nan),
        Err(Error::NonFinite { .. })
    ));
}
