//! Liquid state machines (spiking LIF liquids, Dale's law) classifying the digits, MNIST-1D
//! and Japanese vowels: spike counts per time bin into a ridge readout.

use super::{timed, Row, Size, SEEDS};
use crate::error::Result;
use aquifer::classify::argmax;
use aquifer::datasets;
use aquifer::faer::Mat;
use aquifer::metrics;
use aquifer::prelude::*;
use aquifer::spiking::{encode, Feature, Liquid, LiquidParams};

/// Test accuracy of a ridge readout on a liquid's spike counts.
fn accuracy(
    liquid: &Liquid,
    train: (&[Mat<f64>], &[usize]),
    test: (&[Mat<f64>], &[usize]),
    bins: usize,
    ridge: f64,
) -> Result<f64> {
    let classes = train.1.iter().max().map_or(0, |m| m + 1);
    let f_train = liquid.features(train.0, Feature::Counts, bins)?.features;
    let f_test = liquid.features(test.0, Feature::Counts, bins)?.features;
    let targets = Mat::from_fn(train.1.len(), classes, |r, c| {
        (train.1[r] == c) as u8 as f64
    });
    let mut readout = Ridge::new(ridge)?;
    readout.fit(&[&f_train], &[&targets], 0)?;
    let scores = readout.run(&f_test)?;
    let guesses: Vec<usize> = (0..scores.nrows())
        .map(|r| argmax(scores.row(r).iter().copied()))
        .collect();
    Ok(metrics::accuracy(test.1, &guesses)?)
}

/// Each series held `k` steps per row (the liquid integrates each value over `k` steps).
fn held(series: &[Mat<f64>], k: usize) -> Result<Vec<Mat<f64>>> {
    Ok(series
        .iter()
        .map(|x| encode::hold(x.as_ref(), k))
        .collect::<aquifer::Result<_>>()?)
}

/// The three rows.
pub(super) fn rows(size: Size) -> Result<Vec<Row>> {
    let full = size == Size::Full;
    let units = if full { 500 } else { 100 };
    let params = |seed: u64| LiquidParams {
        units,
        beta: 0.8,
        seed,
        ..Default::default()
    };
    let mut rows = Vec::new();
    let row = |id: &str, task: &str, setup: String, literature: &str, values: Vec<f64>| Row {
        id: id.into(),
        task: task.into(),
        setup,
        metric: "accuracy".into(),
        literature: literature.into(),
        values,
        higher_is_better: true,
        verdict: "reference figure (mlx-snn publishes no accuracy)".into(),
        seconds: 0.0,
    };

    let digits = datasets::digits()?;
    let (train, test) = digits.split(450, 0)?;
    let pick = |idx: &[usize]| -> Result<(Vec<Mat<f64>>, Vec<usize>)> {
        let series: Vec<Mat<f64>> = idx.iter().map(|&k| digits.rows(k)).collect();
        Ok((
            held(&series, 4)?,
            idx.iter().map(|&k| digits.labels[k]).collect(),
        ))
    };
    let (xtr, ytr) = pick(&train)?;
    let (xte, yte) = pick(&test)?;
    rows.push(timed(|| {
        let mut values = Vec::new();
        for seed in SEEDS {
            let liquid = Liquid::new(&params(1 + seed), 8)?;
            values.push(accuracy(&liquid, (&xtr, &ytr), (&xte, &yte), 8, 10.0)?);
        }
        Ok(row(
            "lsm-digits",
            "LSM, digits 8x8 (one image row per step)",
            format!(
                "N={units} LIF (80% excitatory), beta 0.8; rows held 4 steps; spike counts in 8 \
                 bins; ridge 10; {} training / {} test images",
                ytr.len(),
                yte.len()
            ),
            "- (no LSM figure; pixel classifiers reach 97-99%)",
            values,
        ))
    })?);

    let m = datasets::mnist1d()?;
    let signals = |x: &Mat<f64>, n: usize| -> Result<Vec<Mat<f64>>> {
        let series: Vec<Mat<f64>> = (0..n).map(|k| datasets::Mnist1d::series(x, k)).collect();
        held(&series, 2)
    };
    let (n_train, n_test) = if full {
        (m.train.nrows(), m.test.nrows())
    } else {
        (1000, 300)
    };
    let (xtr, xte) = (signals(&m.train, n_train)?, signals(&m.test, n_test)?);
    let (ytr, yte) = (&m.train_labels[..n_train], &m.test_labels[..n_test]);
    rows.push(timed(|| {
        let mut values = Vec::new();
        for seed in SEEDS {
            let liquid = Liquid::new(&params(2 + seed), 1)?;
            values.push(accuracy(&liquid, (&xtr, ytr), (&xte, yte), 10, 100.0)?);
        }
        Ok(row(
            "lsm-mnist1d",
            "LSM, MNIST-1D (40-step signals)",
            format!(
                "N={units} LIF, beta 0.8; the signal as a current, held 2 steps; spike counts in \
                 10 bins; ridge 100; {n_train} training / {n_test} test signals"
            ),
            "logistic regression 32%, MLP 68%, GRU 91%, CNN 94% (Greydanus 2020)",
            values,
        ))
    })?);

    let jv = datasets::japanese_vowels()?;
    let (xtr, xte) = (held(&jv.train, 3)?, held(&jv.test, 3)?);
    rows.push(timed(|| {
        let mut values = Vec::new();
        for seed in SEEDS {
            let liquid = Liquid::new(&params(3 + seed), 12)?;
            values.push(accuracy(
                &liquid,
                (&xtr, &jv.train_labels),
                (&xte, &jv.test_labels),
                7,
                10.0,
            )?);
        }
        Ok(row(
            "lsm-jv",
            "LSM, Japanese vowels",
            format!(
                "N={units} LIF, beta 0.8; 12 coefficients as currents, held 3 steps; spike counts \
                 in 7 bins; ridge 10; 270/370 split"
            ),
            "98.0%-99%+ for ESNs (the ESN rows above)",
            values,
        ))
    })?);
    Ok(rows)
}
