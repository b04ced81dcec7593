//! Spoken digits from WAV files: MFCCs, an echo state network classifier, the
//! accent-independent split (trained on four eSpeak accents, tested on the fifth, `en-029`),
//! and the test recordings under white noise at several signal-to-noise ratios.
//!
//!     cargo run --release -p aquifer --example spoken_digits [-- DATA_DIR]
//!
//! The recordings are `data/spoken_digits` (600 files; see its README). Three seeds per
//! setting; the noise is seeded too.

use aquifer::audio::{add_noise, mfcc, read_wav, MfccParams};
use aquifer::model::{Esn, EsnClassifier};
use aquifer::prelude::*;
use aquifer::scaler::StandardScaler;
use std::path::PathBuf;
use std::time::Instant;

struct Recording {
    samples: Vec<f64>,
    rate: u32,
    digit: usize,
    test: bool,
}

fn main() -> aquifer::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/spoken_digits")
        });
    let mut recordings = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| aquifer::Error::Io {
            path: dir.clone(),
            source: e,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    paths.sort();
    for p in &paths {
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        let mut parts = name.split('_');
        let digit: usize = parts
            .next()
            .and_then(|d| d.parse().ok())
            .expect("digit_accent_...");
        let accent = parts.next().expect("an accent");
        let wav = read_wav(p)?;
        recordings.push(Recording {
            samples: wav.samples,
            rate: wav.sample_rate,
            digit,
            test: accent == "en-029",
        });
    }
    let (train, test): (Vec<&Recording>, Vec<&Recording>) =
        recordings.iter().partition(|r| !r.test);
    println!(
        "spoken digits: {} recordings, training on {} (four accents), testing on {} (en-029)",
        recordings.len(),
        train.len(),
        test.len()
    );
    let params = MfccParams::default();
    let features = |r: &Recording, snr: Option<f64>, seed: u64| -> aquifer::Result<Mat<f64>> {
        let s = match snr {
            Some(db) => add_noise(&r.samples, db, seed)?,
            None => r.samples.clone(),
        };
        mfcc(&s, r.rate, &params)
    };
    let t0 = Instant::now();
    let snrs = [None, Some(20.0), Some(10.0), Some(5.0), Some(0.0)];
    let truth: Vec<usize> = test.iter().map(|r| r.digit).collect();
    // trained on the clean recordings; then on every training recording clean and at each
    // noise level (multi-condition training: the classifier has heard the noise it meets)
    for (title, conditions) in [
        ("trained on clean recordings", &snrs[..1]),
        (
            "trained on clean and noisy recordings (20, 10, 5, 0 dB)",
            &snrs[..],
        ),
    ] {
        let mut x_train = Vec::new();
        let mut labels = Vec::new();
        for (k, snr) in conditions.iter().enumerate() {
            for (i, r) in train.iter().enumerate() {
                x_train.push(features(r, *snr, 100_000 + (k * train.len() + i) as u64)?);
                labels.push(r.digit);
            }
        }
        let scaler = StandardScaler::fit(&x_train)?;
        let x_train: Vec<Mat<f64>> = x_train
            .iter()
            .map(|x| scaler.transform(x))
            .collect::<aquifer::Result<_>>()?;
        println!();
        println!("{title}: {} series", x_train.len());
        println!("  test SNR   accuracy (3 seeds)        per seed");
        let mut classifiers = Vec::new();
        for seed in 0..3u64 {
            let builder = Esn::builder()
                .units(1000)
                .leak_rate(0.2)
                .spectral_radius(0.9)
                .input_scaling(0.3)
                .ridge(1e-4)
                .seed(seed);
            let mut clf = EsnClassifier::new(&builder, params.n_mfcc, 10, None)?;
            clf.fit(
                &x_train,
                Targets::Classes {
                    labels: &labels,
                    classes: 10,
                },
                0,
            )?;
            classifiers.push(clf);
        }
        for snr in snrs {
            let mut accs = Vec::new();
            for (seed, clf) in classifiers.iter().enumerate() {
                let x_test: Vec<Mat<f64>> = test
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        scaler.transform(features(r, snr, 1000 * seed as u64 + i as u64)?)
                    })
                    .collect::<aquifer::Result<_>>()?;
                let predicted = clf.classify(&x_test)?;
                accs.push(metrics::accuracy(&truth, &predicted)?);
            }
            let mean = accs.iter().sum::<f64>() / accs.len() as f64;
            let sd =
                (accs.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / accs.len() as f64).sqrt();
            let label = snr.map_or("clean".to_string(), |d| format!("{d} dB"));
            let each: Vec<String> = accs.iter().map(|a| format!("{:.1}%", 100.0 * a)).collect();
            println!(
                "  {label:>8}   {:5.1}% +/- {:4.1}%         {}",
                100.0 * mean,
                100.0 * sd,
                each.join(" ")
            );
        }
    }
    println!("total {:.1} s", t0.elapsed().as_secs_f64());
    Ok(())
}
