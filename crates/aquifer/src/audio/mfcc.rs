//! Mel-frequency cepstral coefficients, computed as librosa 0.11 computes
//! `librosa.feature.mfcc` (checked against it to 1e-9 on a spoken digit): frames of `n_fft`
//! samples every `hop` samples, centred (the signal padded with `n_fft / 2` zeros at each end),
//! a periodic Hann window, the power spectrum (real FFT, `realfft`), `n_mels` triangular mel
//! filters (Slaney's mel scale and area normalisation) from `fmin` to `fmax`, decibels
//! (`10 log10(max(1e-10, S))`, floored `top_db` below the loudest value), and the orthonormal
//! DCT-II, of which the first `n_mfcc` coefficients are kept.

use crate::error::{Error, Result};
use faer::Mat;
use realfft::RealFftPlanner;
use serde::{Deserialize, Serialize};

/// The frames, window, filters and coefficients of [`mfcc`]. The defaults suit 8 kHz speech:
/// 32 ms frames every 10 ms, 40 mel bands, 13 coefficients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MfccParams {
    /// Samples per frame (the FFT's length).
    pub n_fft: usize,
    /// Samples between frames.
    pub hop: usize,
    /// Mel bands.
    pub n_mels: usize,
    /// Coefficients kept (at most `n_mels`).
    pub n_mfcc: usize,
    /// Lowest frequency of the filters (Hz).
    pub fmin: f64,
    /// Highest frequency of the filters (Hz; `None`: half the sample rate).
    pub fmax: Option<f64>,
    /// Decibels below the loudest value where the log spectrum is floored (`None`: no floor).
    pub top_db: Option<f64>,
}

impl Default for MfccParams {
    fn default() -> Self {
        MfccParams {
            n_fft: 256,
            hop: 80,
            n_mels: 40,
            n_mfcc: 13,
            fmin: 0.0,
            fmax: None,
            top_db: Some(80.0),
        }
    }
}

impl MfccParams {
    fn validate(&self, sample_rate: u32) -> Result<f64> {
        if self.n_fft < 2 || self.n_fft > 1 << 20 {
            return Err(Error::invalid(
                "n_fft",
                self.n_fft,
                "must be in 2..=1048576",
            ));
        }
        if self.hop == 0 {
            return Err(Error::invalid("hop", 0, "must be >= 1"));
        }
        if self.n_mels == 0 || self.n_mels > 1024 {
            return Err(Error::invalid("n_mels", self.n_mels, "must be in 1..=1024"));
        }
        if self.n_mfcc == 0 || self.n_mfcc > self.n_mels {
            return Err(Error::invalid(
                "n_mfcc",
                self.n_mfcc,
                &format!("must be in 1..={} (n_mels)", self.n_mels),
            ));
        }
        if sample_rate == 0 {
            return Err(Error::invalid("sample_rate", 0, "must be > 0"));
        }
        let nyquist = f64::from(sample_rate) / 2.0;
        let fmax = self.fmax.unwrap_or(nyquist);
        if !(self.fmin >= 0.0 && self.fmin < fmax && fmax <= nyquist) {
            return Err(Error::invalid(
                "fmin / fmax",
                format!("{} / {fmax}", self.fmin),
                &format!("need 0 <= fmin < fmax <= {nyquist} (half the sample rate)"),
            ));
        }
        if let Some(t) = self.top_db {
            if !(t > 0.0 && t.is_finite()) {
                return Err(Error::invalid("top_db", t, "must be finite and > 0"));
            }
        }
        Ok(fmax)
    }
}

/// Slaney's mel scale: linear below 1 kHz, logarithmic above.
fn hz_to_mel(f: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let (min_log_hz, logstep) = (1000.0, 6.4f64.ln() / 27.0);
    if f >= min_log_hz {
        min_log_hz / f_sp + (f / min_log_hz).ln() / logstep
    } else {
        f / f_sp
    }
}

fn mel_to_hz(m: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let (min_log_hz, logstep) = (1000.0, 6.4f64.ln() / 27.0);
    let min_log_mel = min_log_hz / f_sp;
    if m >= min_log_mel {
        min_log_hz * (logstep * (m - min_log_mel)).exp()
    } else {
        f_sp * m
    }
}

/// The mel filter bank (`n_mels x (n_fft / 2 + 1)`): triangles centred on mel-spaced
/// frequencies from `fmin` to `fmax`, each of unit area (Slaney), as `librosa.filters.mel`.
pub fn mel_filters(
    sample_rate: u32,
    n_fft: usize,
    n_mels: usize,
    fmin: f64,
    fmax: f64,
) -> Mat<f64> {
    let bins = n_fft / 2 + 1;
    let sr = f64::from(sample_rate);
    let fft_freq = |k: usize| k as f64 * sr / n_fft as f64;
    let (lo, hi) = (hz_to_mel(fmin), hz_to_mel(fmax));
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64))
        .collect();
    Mat::from_fn(n_mels, bins, |i, k| {
        let f = fft_freq(k);
        let lower = (f - mel_f[i]) / (mel_f[i + 1] - mel_f[i]);
        let upper = (mel_f[i + 2] - f) / (mel_f[i + 2] - mel_f[i + 1]);
        let w = lower.min(upper).max(0.0);
        w * 2.0 / (mel_f[i + 2] - mel_f[i])
    })
}

/// The MFCCs of `samples` at `sample_rate` (`frames x n_mfcc`, one row every `hop` samples:
/// `1 + len / hop` rows), as described in the [module documentation](self).
pub fn mfcc(samples: &[f64], sample_rate: u32, p: &MfccParams) -> Result<Mat<f64>> {
    let fmax = p.validate(sample_rate)?;
    if samples.is_empty() {
        return Err(Error::Empty {
            what: "sound samples".into(),
        });
    }
    crate::series::check_finite_slice("sound samples", samples)?;
    let (n, half) = (p.n_fft, p.n_fft / 2);
    let padded_len = samples.len() + 2 * half;
    let frames = if padded_len >= n {
        1 + (padded_len - n) / p.hop
    } else {
        return Err(Error::invalid(
            "samples",
            samples.len(),
            "too short for one frame of n_fft samples once padded",
        ));
    };
    crate::memory::check(
        || format!("MFCCs of {frames} frames"),
        crate::memory::values(frames, p.n_mels + n, 1),
    )?;
    let sample = |i: isize| -> f64 {
        if i < 0 || i as usize >= samples.len() {
            0.0
        } else {
            samples[i as usize]
        }
    };
    let window: Vec<f64> = (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos())
        .collect();
    let filters = mel_filters(sample_rate, n, p.n_mels, p.fmin, fmax);
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let (mut input, mut spectrum) = (fft.make_input_vec(), fft.make_output_vec());
    let mut power = vec![0.0; half + 1];
    // decibels of the mel spectrogram, frame by frame
    let mut db = Mat::<f64>::zeros(frames, p.n_mels);
    for f in 0..frames {
        let start = (f * p.hop) as isize - half as isize;
        for (i, v) in input.iter_mut().enumerate() {
            *v = sample(start + i as isize) * window[i];
        }
        fft.process(&mut input, &mut spectrum)
            .map_err(|e| Error::invalid("FFT", e.to_string(), "failed"))?;
        for (pw, c) in power.iter_mut().zip(&spectrum) {
            *pw = c.re * c.re + c.im * c.im;
        }
        for m in 0..p.n_mels {
            let s: f64 = (0..=half).map(|k| filters[(m, k)] * power[k]).sum();
            db[(f, m)] = 10.0 * s.max(1e-10).log10();
        }
    }
    if let Some(top) = p.top_db {
        let loudest = (0..frames)
            .flat_map(|f| (0..p.n_mels).map(move |m| (f, m)))
            .map(|(f, m)| db[(f, m)])
            .fold(f64::NEG_INFINITY, f64::max);
        let floor = loudest - top;
        for f in 0..frames {
            for m in 0..p.n_mels {
                db[(f, m)] = db[(f, m)].max(floor);
            }
        }
    }
    // orthonormal DCT-II over the mel bands
    let bands = p.n_mels as f64;
    let basis = Mat::from_fn(p.n_mels, p.n_mfcc, |j, k| {
        let scale = if k == 0 {
            (1.0 / bands).sqrt()
        } else {
            (2.0 / bands).sqrt()
        };
        scale * (std::f64::consts::PI * k as f64 * (2 * j + 1) as f64 / (2.0 * bands)).cos()
    });
    Ok(&db * &basis)
}
