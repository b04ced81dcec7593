//! Sound: WAV files, noise at a signal-to-noise ratio, and MFCCs equal to librosa's.

use aquifer::audio::{add_noise, mel_filters, mfcc, read_wav, MfccParams};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> aquifer::faer::Mat<f64> {
    aquifer::io::read_table(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/mfcc")
            .join(name),
    )
    .unwrap()
    .data
}

#[test]
fn mfccs_equal_librosas() {
    let wav = read_wav(root().join("data/spoken_digits/7_en-us_m1_s175p60.wav")).unwrap();
    assert_eq!(wav.sample_rate, 8000);
    let ours = mfcc(&wav.samples, wav.sample_rate, &MfccParams::default()).unwrap();
    let theirs = fixture("librosa_mfcc_7_en-us_m1_s175p60.npy");
    assert_eq!(
        (ours.nrows(), ours.ncols()),
        (theirs.nrows(), theirs.ncols())
    );
    let mut worst = 0.0f64;
    for i in 0..ours.nrows() {
        for j in 0..ours.ncols() {
            worst = worst.max((ours[(i, j)] - theirs[(i, j)]).abs());
        }
    }
    println!("largest difference from librosa 0.11 (float64 filters): {worst:.2e}");
    assert!(worst < 1e-9, "{worst}");
    // librosa's default float32 filters move the coefficients by less than 1e-6
    let f32 = fixture("librosa_mfcc_f32filters_7_en-us_m1_s175p60.npy");
    let gap = (0..ours.nrows())
        .flat_map(|i| (0..ours.ncols()).map(move |j| (i, j)))
        .map(|(i, j)| (ours[(i, j)] - f32[(i, j)]).abs())
        .fold(0.0, f64::max);
    assert!(gap < 1e-6, "{gap}");
}

#[test]
fn mel_filters_are_unit_area_triangles() {
    let f = mel_filters(8000, 256, 40, 0.0, 4000.0);
    assert_eq!((f.nrows(), f.ncols()), (40, 129));
    for m in 0..40 {
        let row: Vec<f64> = (0..129).map(|k| f[(m, k)]).collect();
        assert!(row.iter().all(|&w| w >= 0.0));
        let peak = row.iter().cloned().fold(0.0, f64::max);
        assert!(peak > 0.0, "band {m} is empty");
    }
}

#[test]
fn noise_and_errors() {
    let s: Vec<f64> = (0..8000).map(|i| (i as f64 / 9.0).sin()).collect();
    let a = add_noise(&s, 5.0, 3).unwrap();
    assert_eq!(a, add_noise(&s, 5.0, 3).unwrap(), "seeded");
    assert_ne!(a, add_noise(&s, 5.0, 4).unwrap());
    assert!(add_noise(&s, f64::NAN, 0).is_err());
    assert!(add_noise(&[], 5.0, 0).is_err());
    let p = MfccParams::default();
    assert!(mfcc(&[], 8000, &p).is_err());
    assert!(mfcc(
        &s,
        8000,
        &MfccParams {
            n_mfcc: 41,
            ..p.clone()
        }
    )
    .is_err());
    assert!(mfcc(
        &s,
        8000,
        &MfccParams {
            fmax: Some(5000.0),
            ..p.clone()
        }
    )
    .is_err());
    assert!(mfcc(
        &s,
        8000,
        &MfccParams {
            hop: 0,
            ..p.clone()
        }
    )
    .is_err());
    assert!(mfcc(&[f64::NAN; 300], 8000, &p).is_err());
    // files that are not WAV, or missing
    let dir = std::env::temp_dir().join(format!("aquifer-wav-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bad.wav"), b"RIFF....not a wave").unwrap();
    let err = read_wav(dir.join("bad.wav")).unwrap_err().to_string();
    assert!(err.contains("bad.wav"), "{err}");
    assert!(matches!(
        read_wav(dir.join("missing.wav")),
        Err(aquifer::Error::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}
