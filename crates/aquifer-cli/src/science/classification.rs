//! Classification rows: Japanese vowels, and spoken digits from WAV files.

use super::{esn, timed, Row, Size, SEEDS};
use crate::error::Error;
use crate::error::Result;
use aquifer::audio::{add_noise, mfcc, read_wav, MfccParams};
use aquifer::datasets;
use aquifer::faer::Mat;
use aquifer::metrics;
use aquifer::model::EsnClassifier;
use aquifer::prelude::*;
use aquifer::scaler::StandardScaler;
use std::path::Path;
use std::time::Instant;

/// Japanese vowels (270 training, 370 test utterances), one ESN, classified by the mean
/// output over every step and over the last step.
pub(super) fn japanese_vowels(size: Size) -> Result<Vec<Row>> {
    let units = if size == Size::Full { 500 } else { 100 };
    let jv = datasets::japanese_vowels()?;
    let mut rows = Vec::new();
    for (name, last) in [("mean of every step", None), ("last step", Some(1))] {
        rows.push(timed(|| {
            let mut values = Vec::new();
            for seed in SEEDS {
                let builder = esn(units, 0.1, 0.9, 0.2, 1e-5, seed);
                let mut clf = EsnClassifier::new(&builder, 12, 9, last)?;
                clf.fit(
                    &jv.train,
                    Targets::Classes {
                        labels: &jv.train_labels,
                        classes: 9,
                    },
                    0,
                )?;
                let predicted = clf.classify(&jv.test)?;
                values.push(metrics::accuracy(&jv.test_labels, &predicted)?);
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            Ok(Row {
                id: format!("jv-{}", if last.is_some() { "last" } else { "mean" }),
                task: format!("Japanese vowels, decided by the {name}"),
                setup: format!(
                    "N={units}, leak 0.1, sr 0.9, input scaling 0.2, ridge 1e-5; 270/370 split"
                ),
                metric: "accuracy".into(),
                literature: "98.0%-99%+ (ESN literature, e.g. Jaeger et al. 2007: 98.9%)".into(),
                values,
                higher_is_better: true,
                verdict: if mean >= 0.98 {
                    "reached".into()
                } else {
                    format!("short by {:.1} points", 100.0 * (0.98 - mean))
                },
                seconds: 0.0,
            })
        })?);
    }
    Ok(rows)
}

/// Spoken digits from WAV files (`data/spoken_digits`): MFCCs, train on four accents, test on
/// the fifth, clean and under 10 dB of white noise (multi-condition training).
pub(super) fn spoken_digits(size: Size, data: &Path) -> Result<Vec<Row>> {
    let units = if size == Size::Full { 1000 } else { 200 };
    let mut train = Vec::new();
    let mut test = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(data)
        .map_err(|e| Error::io(data, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    paths.sort();
    if paths.len() != 600 {
        return Err(Error::usage(format!(
            "{}: expected the 600 spoken-digit recordings, found {}",
            data.display(),
            paths.len()
        )));
    }
    for p in &paths {
        let name = p
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let digit: usize = name[..1]
            .parse()
            .map_err(|_| Error::usage(format!("{name}: not a digit")))?;
        let wav = read_wav(p)?;
        if name.split('_').nth(1) == Some("en-029") {
            test.push((wav, digit));
        } else {
            train.push((wav, digit));
        }
    }
    let params = MfccParams::default();
    let feats =
        |w: &aquifer::audio::Wav, snr: Option<f64>, seed: u64| -> aquifer::Result<Mat<f64>> {
            match snr {
                Some(db) => mfcc(&add_noise(&w.samples, db, seed)?, w.sample_rate, &params),
                None => mfcc(&w.samples, w.sample_rate, &params),
            }
        };
    let mut xs = Vec::new();
    let mut labels = Vec::new();
    for (k, snr) in [None, Some(20.0), Some(10.0), Some(5.0), Some(0.0)]
        .iter()
        .enumerate()
    {
        for (i, (w, d)) in train.iter().enumerate() {
            xs.push(feats(w, *snr, 100_000 + (k * train.len() + i) as u64)?);
            labels.push(*d);
        }
    }
    let scaler = StandardScaler::fit(&xs)?;
    let xs: Vec<Mat<f64>> = xs
        .iter()
        .map(|x| scaler.transform(x))
        .collect::<aquifer::Result<_>>()?;
    let truth: Vec<usize> = test.iter().map(|(_, d)| *d).collect();
    let mut rows = Vec::new();
    let t = Instant::now();
    let mut clfs = Vec::new();
    for seed in SEEDS {
        let mut clf = EsnClassifier::new(&esn(units, 0.2, 0.9, 0.3, 1e-4, seed), 13, 10, None)?;
        clf.fit(
            &xs,
            Targets::Classes {
                labels: &labels,
                classes: 10,
            },
            0,
        )?;
        clfs.push(clf);
    }
    let fit_time = t.elapsed().as_secs_f64();
    for (name, snr) in [("clean", None), ("10 dB SNR", Some(10.0))] {
        let t = Instant::now();
        let mut values = Vec::new();
        for (s, clf) in clfs.iter().enumerate() {
            let x_test: Vec<Mat<f64>> = test
                .iter()
                .enumerate()
                .map(|(i, (w, _))| scaler.transform(feats(w, snr, 1000 * s as u64 + i as u64)?))
                .collect::<aquifer::Result<_>>()?;
            values.push(metrics::accuracy(&truth, &clf.classify(&x_test)?)?);
        }
        rows.push(Row {
            id: format!("digits-{}", if snr.is_some() { "10db" } else { "clean" }),
            task: format!("spoken digits (WAV, MFCC), unseen accent, {name}"),
            setup: format!(
                "N={units}, leak 0.2, sr 0.9, input scaling 0.3, ridge 1e-4; 13 MFCCs (librosa's); \
                 trained on 4 accents clean and at 20/10/5/0 dB, tested on en-029"
            ),
            metric: "accuracy".into(),
            literature: "- (data made for this library)".into(),
            values,
            higher_is_better: true,
            verdict: "reference figure".into(),
            seconds: fit_time / 2.0 + t.elapsed().as_secs_f64(),
        });
    }
    Ok(rows)
}
