//! `aquifer features mfcc`: WAV files to MFCC series, equal to the library's.

mod common;

use aquifer::audio::{add_noise, mfcc, read_wav, MfccParams};
use common::*;
use std::path::{Path, PathBuf};

fn digit(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/spoken_digits")
        .join(name)
}

#[test]
fn mfccs_of_wav_files() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (
        digit("3_en-gb_f2_s140p40.wav"),
        digit("8_en-029_m3_s210p50.wav"),
    );
    let out = ok(
        d.path(),
        &[
            "features",
            "mfcc",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--out",
            "feat",
        ],
    );
    assert!(out.contains("2 npy files"), "{out}");
    for (wav, name) in [
        (&a, "3_en-gb_f2_s140p40.npy"),
        (&b, "8_en-029_m3_s210p50.npy"),
    ] {
        let w = read_wav(wav).unwrap();
        let lib = mfcc(&w.samples, w.sample_rate, &MfccParams::default()).unwrap();
        assert_eq!(read(&d.path().join("feat").join(name)), lib);
    }
    // CSV, other settings, seeded noise
    ok(
        d.path(),
        &[
            "features",
            "mfcc",
            a.to_str().unwrap(),
            "--out",
            "noisy",
            "--csv",
            "--n-mfcc",
            "20",
            "--snr",
            "10",
            "--seed",
            "4",
        ],
    );
    let w = read_wav(&a).unwrap();
    let noisy = add_noise(&w.samples, 10.0, aquifer::rng::derive(4, 0)).unwrap();
    let lib = mfcc(
        &noisy,
        8000,
        &MfccParams {
            n_mfcc: 20,
            ..MfccParams::default()
        },
    )
    .unwrap();
    let got = read(&d.path().join("noisy").join("3_en-gb_f2_s140p40.csv"));
    assert_eq!((got.nrows(), got.ncols()), (lib.nrows(), 20));
    let worst = (0..got.nrows())
        .flat_map(|i| (0..20).map(move |j| (i, j)))
        .map(|(i, j)| (got[(i, j)] - lib[(i, j)]).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-12, "{worst}"); // CSV keeps 17 significant digits
}

#[test]
fn bad_requests() {
    let d = tempfile::tempdir().unwrap();
    let a = digit("3_en-gb_f2_s140p40.wav");
    let a = a.to_str().unwrap();
    let e = fails(d.path(), &["features", "mfcc", a, a, "--out", "f"]);
    assert!(e.contains("collide"), "{e}");
    let e = fails(
        d.path(),
        &["features", "mfcc", a, "--out", "f", "--n-mfcc", "50"],
    );
    assert!(e.contains("n_mfcc"), "{e}");
    write(d.path(), "noise.wav", "not a wave");
    let e = fails(d.path(), &["features", "mfcc", "noise.wav", "--out", "g"]);
    assert!(e.contains("noise.wav") && e.contains("WAV"), "{e}");
    assert!(!d.path().join("g").exists(), "nothing is left behind");
}
