//! Models on the shipped real data: Japanese vowels speaker classification, Santa Fe laser and
//! sunspot forecasting.

use aquifer::prelude::*;
use faer::Mat;

/// Mean reservoir state over each utterance (one row per utterance).
fn mean_states(r: &Reservoir, series: &[Mat<f64>]) -> Mat<f64> {
    let states = r.run_many(series).unwrap();
    Mat::from_fn(states.len(), r.units(), |i, j| {
        let s = &states[i];
        s.col(j).iter().sum::<f64>() / s.nrows() as f64
    })
}

#[test]
fn japanese_vowels_speakers_are_recognised() {
    let jv = datasets::japanese_vowels().unwrap();
    let r = Reservoir::builder()
        .units(500)
        .spectral_radius(0.9)
        .leak_rate(0.1)
        .input_scaling(0.5)
        .input_connectivity(1.0)
        .seed(7)
        .build(12)
        .unwrap();
    let x_train = mean_states(&r, &jv.train);
    let x_test = mean_states(&r, &jv.test);
    let one_hot = |labels: &[usize]| {
        Mat::from_fn(labels.len(), datasets::JAPANESE_VOWELS_CLASSES, |i, j| {
            if labels[i] == j {
                1.0
            } else {
                0.0
            }
        })
    };
    let mut readout = Ridge::new(1e-4).unwrap();
    readout
        .fit(&[&x_train], &[&one_hot(&jv.train_labels)], 0)
        .unwrap();
    let scores = readout.run(&x_test).unwrap();
    let correct = (0..scores.nrows())
        .filter(|&i| {
            let best = (0..scores.ncols())
                .max_by(|&a, &b| scores[(i, a)].total_cmp(&scores[(i, b)]))
                .unwrap();
            best == jv.test_labels[i]
        })
        .count();
    let accuracy = correct as f64 / scores.nrows() as f64;
    println!(
        "Japanese vowels test accuracy: {accuracy:.3} ({correct} / {})",
        scores.nrows()
    );
    assert!(accuracy >= 0.9, "accuracy {accuracy}");
}

#[test]
fn santafe_laser_one_step_forecast() {
    let laser = datasets::santafe_laser().unwrap();
    // scale intensities (0-255) to about [0, 1]
    let s = Mat::from_fn(laser.nrows(), 1, |i, _| laser[(i, 0)] / 255.0);
    let (x, y) = datasets::forecasting(&s, 1).unwrap();
    let ((x_train, y_train), (x_test, y_test)) = datasets::split(&x, &y, 8000).unwrap();
    let mut esn = Esn::builder()
        .units(500)
        .spectral_radius(0.9)
        .leak_rate(1.0)
        .input_scaling(1.0)
        .input_connectivity(1.0)
        .ridge(1e-6)
        .input_to_readout(true)
        .seed(2)
        .build(1, 1)
        .unwrap();
    esn.fit(&[&x_train], &[&y_train], 200).unwrap();
    let y_pred = esn.run(&x_test).unwrap();
    let e = metrics::nrmse(&y_test, &y_pred, Norm::Std).unwrap();
    println!("Santa Fe laser one-step NRMSE (std): {e:.3}");
    // predicting the last value would score about 1.0 on this series
    let naive = metrics::nrmse(&y_test, &x_test, Norm::Std).unwrap();
    println!("  persistence baseline: {naive:.3}");
    assert!(
        e < 0.3 && e < naive / 2.0,
        "NRMSE {e} vs persistence {naive}"
    );
}

#[test]
fn sunspots_beat_persistence() {
    let m = datasets::sunspots_monthly().unwrap();
    let s = Mat::from_fn(m.nrows(), 1, |i, _| m[(i, 0)] / 100.0);
    let (x, y) = datasets::forecasting(&s, 1).unwrap();
    let ((x_train, y_train), (x_test, y_test)) = datasets::split(&x, &y, 2500).unwrap();
    let mut esn = Esn::builder()
        .units(200)
        .spectral_radius(0.9)
        .leak_rate(0.5)
        .input_connectivity(1.0)
        .ridge(1e-3)
        .input_to_readout(true)
        .seed(3)
        .build(1, 1)
        .unwrap();
    esn.fit(&[&x_train], &[&y_train], 100).unwrap();
    let y_pred = esn.run(&x_test).unwrap();
    let e = metrics::rmse(&y_test, &y_pred).unwrap();
    let naive = metrics::rmse(&y_test, &x_test).unwrap();
    println!("sunspots one-step RMSE {e:.4} vs persistence {naive:.4}");
    assert!(e < naive, "RMSE {e} vs persistence {naive}");
}
