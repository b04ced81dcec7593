//! WAV files (`hound`) as samples in `[-1, 1]`, and seeded noise.

use crate::error::{Error, Result};
use rand_distr::{Distribution, StandardNormal};
use std::path::Path;

/// A sound: mono samples (channels averaged) in `[-1, 1]` and the sample rate in Hz.
#[derive(Debug, Clone, PartialEq)]
pub struct Wav {
    /// The samples.
    pub samples: Vec<f64>,
    /// Samples per second.
    pub sample_rate: u32,
}

/// Reads a PCM (8 to 32-bit integer) or IEEE float WAV file; integer samples are scaled by
/// `2^(bits - 1)` (as librosa and soundfile do), channels averaged.
pub fn read_wav(path: impl AsRef<Path>) -> Result<Wav> {
    let path = path.as_ref();
    let bad = |reason: String| Error::Data {
        source_name: path.display().to_string(),
        reason,
    };
    let mut reader = hound::WavReader::open(path).map_err(|e| match e {
        hound::Error::IoError(io) => Error::Io {
            path: path.to_path_buf(),
            source: io,
        },
        other => bad(format!("not a readable WAV file: {other}")),
    })?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels);
    if channels == 0 || spec.sample_rate == 0 {
        return Err(bad(
            "a WAV file with no channels or a zero sample rate".into()
        ));
    }
    let interleaved: Vec<f64> = match spec.sample_format {
        hound::SampleFormat::Int => {
            if !(1..=32).contains(&spec.bits_per_sample) {
                return Err(bad(format!("{} bits per sample", spec.bits_per_sample)));
            }
            let scale = f64::from(2u32.pow(u32::from(spec.bits_per_sample) - 1));
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| f64::from(v) / scale))
                .collect::<std::result::Result<_, _>>()
        }
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .map(|s| s.map(f64::from))
            .collect::<std::result::Result<_, _>>(),
    }
    .map_err(|e| bad(format!("damaged samples: {e}")))?;
    if interleaved.is_empty() {
        return Err(bad("no samples".into()));
    }
    crate::series::check_finite_slice("WAV samples", &interleaved)?;
    let samples = interleaved
        .chunks(channels)
        .map(|frame| frame.iter().sum::<f64>() / channels as f64)
        .collect();
    Ok(Wav {
        samples,
        sample_rate: spec.sample_rate,
    })
}

/// `samples` plus white Gaussian noise whose power is the signal's mean power divided by
/// `10^(snr_db / 10)`, drawn from `seed`.
///
/// ```
/// let s: Vec<f64> = (0..10_000).map(|i| (i as f64 / 7.0).sin()).collect();
/// let noisy = aquifer::audio::add_noise(&s, 10.0, 1)?;
/// let p = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64;
/// let noise: Vec<f64> = noisy.iter().zip(&s).map(|(a, b)| a - b).collect();
/// let snr = 10.0 * (p(&s) / p(&noise)).log10();
/// assert!((snr - 10.0).abs() < 0.2);
/// # Ok::<(), aquifer::Error>(())
/// ```
pub fn add_noise(samples: &[f64], snr_db: f64, seed: u64) -> Result<Vec<f64>> {
    if !snr_db.is_finite() {
        return Err(Error::invalid("snr_db", snr_db, "must be finite"));
    }
    crate::series::check_finite_slice("samples", samples)?;
    if samples.is_empty() {
        return Err(Error::Empty {
            what: "samples".into(),
        });
    }
    let power = samples.iter().map(|x| x * x).sum::<f64>() / samples.len() as f64;
    let sd = (power / 10f64.powf(snr_db / 10.0)).sqrt();
    let mut rng = crate::rng::from_seed(seed);
    Ok(samples
        .iter()
        .map(|x| {
            let z: f64 = StandardNormal.sample(&mut rng);
            x + sd * z
        })
        .collect())
}
