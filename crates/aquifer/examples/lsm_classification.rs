//! Liquid state machines on three real classification tasks: scikit-learn's 8x8 digits (one
//! image row per step), MNIST-1D (40-step signals) and Japanese vowels (12 LPC coefficients,
//! 7-29 steps). Each series drives a LIF liquid as input currents; spike counts per time bin
//! feed a ridge readout trained in closed form. On the digits, also: linear and MLP readouts
//! trained with Adam, and a small liquid trained itself by surrogate gradients against the
//! same liquid frozen. Prints accuracy, the firing rates of the excitatory and inhibitory
//! populations, and the time.
//!
//! `cargo run --release -p aquifer --example lsm_classification`

use aquifer::datasets;
use aquifer::prelude::*;
use aquifer::readout::{GradientParams, GradientReadout, Head};
use aquifer::spiking::{encode, Feature, Liquid, LiquidParams, LsmClassifier, SurrogateParams};
use faer::Mat;
use std::time::Instant;

/// Labelled series.
struct Split {
    series: Vec<Mat<f64>>,
    labels: Vec<usize>,
}

/// Trains a ridge readout on the features of `train` and returns the test accuracy and the
/// firing rates.
fn classify(
    liquid: &Liquid,
    train: &Split,
    test: &Split,
    feature: Feature,
    bins: usize,
    ridge: f64,
) -> aquifer::Result<(f64, f64, f64)> {
    let classes = train.labels.iter().max().map_or(0, |m| m + 1);
    let f_train = liquid.features(&train.series, feature, bins)?;
    let f_test = liquid.features(&test.series, feature, bins)?;
    let targets = Mat::from_fn(train.labels.len(), classes, |r, c| {
        (train.labels[r] == c) as u8 as f64
    });
    let mut readout = Ridge::new(ridge)?;
    readout.fit(&[&f_train.features], &[&targets], 0)?;
    let scores = readout.run(&f_test.features)?;
    let correct = (0..test.labels.len())
        .filter(|&r| {
            let guess = (0..classes).max_by(|&a, &b| scores[(r, a)].total_cmp(&scores[(r, b)]));
            guess == Some(test.labels[r])
        })
        .count();
    Ok((
        correct as f64 / test.labels.len() as f64,
        f_train.excitatory_rate,
        f_train.inhibitory_rate,
    ))
}

fn report(task: &str, liquid: &Liquid, result: (f64, f64, f64), start: Instant) {
    let (accuracy, exc, inh) = result;
    println!(
        "{task:<16} N={:<4} accuracy {:5.1}%   firing E {exc:.3} I {inh:.3} spikes/neuron/step   {:.1} s",
        liquid.units(),
        100.0 * accuracy,
        start.elapsed().as_secs_f64()
    );
}

fn main() -> aquifer::Result<()> {
    // Digits: each image row (8 pixels scaled to [0, 1]) held for 4 steps.
    let start = Instant::now();
    let digits = datasets::digits()?;
    let (train, test) = digits.split(450, 0)?;
    let split = |idx: &[usize]| -> aquifer::Result<Split> {
        Ok(Split {
            series: idx
                .iter()
                .map(|&k| encode::hold(digits.rows(k).as_ref(), 4))
                .collect::<aquifer::Result<_>>()?,
            labels: idx.iter().map(|&k| digits.labels[k]).collect(),
        })
    };
    let params = LiquidParams {
        units: 500,
        beta: 0.8,
        seed: 1,
        ..Default::default()
    };
    let liquid = Liquid::new(&params, 8)?;
    let r = classify(
        &liquid,
        &split(&train)?,
        &split(&test)?,
        Feature::Counts,
        8,
        10.0,
    )?;
    report("digits 8x8", &liquid, r, start);

    // The same features, readouts trained by gradient descent.
    let (train_split, test_split) = (split(&train)?, split(&test)?);
    let f_train = liquid
        .features(&train_split.series, Feature::Counts, 8)?
        .features;
    let f_test = liquid
        .features(&test_split.series, Feature::Counts, 8)?
        .features;
    for head in [Head::Linear, Head::Mlp { hidden: 64 }] {
        let start = Instant::now();
        let params = GradientParams {
            head,
            ..Default::default()
        }
        .learning_rate(1e-3)
        .epochs(60)
        .batch_size(32)
        .validation_fraction(0.1)
        .patience(8);
        let mut readout = GradientReadout::new(params, f_train.ncols(), 10)?;
        let targets = Targets::Classes {
            labels: &train_split.labels,
            classes: 10,
        };
        readout.fit(&aquifer::series::rows(f_train.as_ref()), targets, 0)?;
        let rep = readout.report().cloned().unwrap_or_default();
        let predicted = readout.classify(&aquifer::series::rows(f_test.as_ref()))?;
        let correct = predicted
            .iter()
            .zip(&test_split.labels)
            .filter(|(p, l)| p == l)
            .count();
        println!(
            "  {head:?} readout (Adam, {} epochs): accuracy {:5.1}%   {:.1} s",
            rep.train_loss.len(),
            100.0 * correct as f64 / test_split.labels.len() as f64,
            start.elapsed().as_secs_f64()
        );
    }

    // A small liquid (N=25): frozen vs trained by surrogate gradients (rows held 2 steps).
    let held2 = |idx: &[usize]| -> aquifer::Result<Vec<Mat<f64>>> {
        idx.iter()
            .map(|&k| encode::hold(digits.rows(k).as_ref(), 2))
            .collect()
    };
    let (x_train, x_test) = (held2(&train)?, held2(&test)?);
    let small = Liquid::new(
        &LiquidParams {
            units: 25,
            seed: 2,
            ..params
        },
        8,
    )?;
    for trained in [false, true] {
        let start = Instant::now();
        let sp = SurrogateParams {
            bins: 4,
            train_input: trained,
            train_recurrent: trained,
            ..Default::default()
        }
        .epochs(15)
        .seed(4);
        let mut classifier = LsmClassifier::new(small.clone(), sp, 10)?;
        let targets = Targets::Classes {
            labels: &train_split.labels,
            classes: 10,
        };
        classifier.fit(&x_train, targets, 0)?;
        let predicted = classifier.classify(&x_test)?;
        let correct = predicted
            .iter()
            .zip(&test_split.labels)
            .filter(|(p, l)| p == l)
            .count();
        println!(
            "  N=25 liquid {} (15 epochs): accuracy {:5.1}%   {:.1} s",
            if trained {
                "trained by surrogate gradients"
            } else {
                "frozen, readout trained"
            },
            100.0 * correct as f64 / test_split.labels.len() as f64,
            start.elapsed().as_secs_f64()
        );
    }

    // MNIST-1D: the standardised signal as a current, each step held for 2 steps; counts in 20
    // bins.
    let start = Instant::now();
    let m = datasets::mnist1d()?;
    let split = |x: &Mat<f64>, labels: &[usize]| -> aquifer::Result<Split> {
        Ok(Split {
            series: (0..x.nrows())
                .map(|k| encode::hold(datasets::Mnist1d::series(x, k).as_ref(), 2))
                .collect::<aquifer::Result<_>>()?,
            labels: labels.to_vec(),
        })
    };
    let liquid = Liquid::new(&LiquidParams { seed: 2, ..params }, 1)?;
    let (train, test) = (
        split(&m.train, &m.train_labels)?,
        split(&m.test, &m.test_labels)?,
    );
    let r = classify(&liquid, &train, &test, Feature::Counts, 20, 100.0)?;
    report("MNIST-1D", &liquid, r, start);

    // Japanese vowels: 12 coefficients per step, each held for 3 steps; counts in 7 bins (the
    // shortest utterance has 7 steps).
    let start = Instant::now();
    let jv = datasets::japanese_vowels()?;
    let split = |s: &[Mat<f64>], labels: &[usize]| -> aquifer::Result<Split> {
        Ok(Split {
            series: s
                .iter()
                .map(|x| encode::hold(x.as_ref(), 3))
                .collect::<aquifer::Result<_>>()?,
            labels: labels.to_vec(),
        })
    };
    let liquid = Liquid::new(&LiquidParams { seed: 3, ..params }, 12)?;
    let (train, test) = (
        split(&jv.train, &jv.train_labels)?,
        split(&jv.test, &jv.test_labels)?,
    );
    let r = classify(&liquid, &train, &test, Feature::Counts, 7, 10.0)?;
    report("Japanese vowels", &liquid, r, start);
    Ok(())
}
