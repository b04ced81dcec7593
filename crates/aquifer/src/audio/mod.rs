//! Sound: WAV files read into samples ([`read_wav`]), noise at a chosen signal-to-noise ratio
//! ([`add_noise`]), and mel-frequency cepstral coefficients ([`mfcc`]), the features a reservoir
//! classifies spoken words from.
//!
//! ```
//! use aquifer::audio::{mfcc, MfccParams};
//! // a 440 Hz tone, half a second at 8 kHz
//! let tone: Vec<f64> = (0..4000).map(|i| (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 8000.0).sin()).collect();
//! let m = mfcc(&tone, 8000, &MfccParams::default())?;
//! assert_eq!((m.nrows(), m.ncols()), (51, 13)); // 10 ms hops, 13 coefficients
//! # Ok::<(), aquifer::Error>(())
//! ```

mod mfcc;
mod wav;

pub use mfcc::{mel_filters, mfcc, MfccParams};
pub use wav::{add_noise, read_wav, Wav};
