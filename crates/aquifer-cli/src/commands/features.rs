//! `aquifer features`: features computed from raw recordings, one series file per recording.

use crate::error::{Error, Result};
use crate::outputs::Folder;
use aquifer::audio::{add_noise, mfcc, read_wav, MfccParams};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The kinds of features.
#[derive(Debug, clap::Subcommand)]
pub enum Features {
    /// Mel-frequency cepstral coefficients of WAV files (as librosa.feature.mfcc): one series
    /// per file, a row every `--hop` samples, a column per coefficient.
    Mfcc(MfccArgs),
}

/// Arguments of `aquifer features mfcc`.
#[derive(Debug, clap::Args)]
pub struct MfccArgs {
    /// The WAV files (PCM or float; channels averaged).
    #[arg(required = true)]
    pub wavs: Vec<PathBuf>,
    /// The folder to write: one file per recording, named as it (`.npy`, or `.csv` with
    /// `--csv`); it must not exist or be empty.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Write CSV files (columns mfcc0, mfcc1, ...) instead of .npy.
    #[arg(long)]
    pub csv: bool,
    /// Samples per frame (the FFT's length).
    #[arg(long, default_value_t = 256)]
    pub n_fft: usize,
    /// Samples between frames.
    #[arg(long, default_value_t = 80)]
    pub hop: usize,
    /// Mel bands.
    #[arg(long, default_value_t = 40)]
    pub n_mels: usize,
    /// Coefficients kept.
    #[arg(long, default_value_t = 13)]
    pub n_mfcc: usize,
    /// Lowest filter frequency (Hz).
    #[arg(long, default_value_t = 0.0)]
    pub fmin: f64,
    /// Highest filter frequency (Hz; default: half the sample rate).
    #[arg(long)]
    pub fmax: Option<f64>,
    /// Floor of the log mel spectrum, in dB below its loudest value.
    #[arg(long, default_value_t = 80.0)]
    pub top_db: f64,
    /// Add white Gaussian noise at this signal-to-noise ratio (dB) before the features.
    #[arg(long)]
    pub snr: Option<f64>,
    /// Seed of the noise (each file's noise is drawn from it and the file's position).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Writes the features of every file.
pub fn run(f: &Features) -> Result<()> {
    match f {
        Features::Mfcc(args) => run_mfcc(args),
    }
}

fn run_mfcc(args: &MfccArgs) -> Result<()> {
    let params = MfccParams {
        n_fft: args.n_fft,
        hop: args.hop,
        n_mels: args.n_mels,
        n_mfcc: args.n_mfcc,
        fmin: args.fmin,
        fmax: args.fmax,
        top_db: Some(args.top_db),
    };
    let ext = if args.csv { "csv" } else { "npy" };
    let mut names = BTreeSet::new();
    for w in &args.wavs {
        let stem = w
            .file_stem()
            .ok_or_else(|| Error::usage(format!("{}: not a file name", w.display())))?;
        if !names.insert(stem.to_os_string()) {
            return Err(Error::usage(format!(
                "two recordings are named {}: their feature files would collide",
                stem.to_string_lossy()
            )));
        }
    }
    let folder = Folder::create(&args.out, "--out")?;
    let columns: Vec<String> = (0..args.n_mfcc).map(|k| format!("mfcc{k}")).collect();
    let mut frames = 0;
    for (i, w) in args.wavs.iter().enumerate() {
        let wav = read_wav(w)?;
        let samples = match args.snr {
            Some(snr) => add_noise(&wav.samples, snr, aquifer::rng::derive(args.seed, i as u64))?,
            None => wav.samples,
        };
        let m = mfcc(&samples, wav.sample_rate, &params)
            .map_err(|e| Error::usage(format!("{}: {e}", w.display())))?;
        frames += m.nrows();
        let stem = w.file_stem().expect("checked above").to_string_lossy();
        aquifer::io::write_table(folder.join(format!("{stem}.{ext}")), &columns, m.as_ref())?;
    }
    folder.commit()?;
    println!(
        "wrote {}: {} {ext} files, {frames} frames of {} coefficients",
        args.out.display(),
        args.wavs.len(),
        args.n_mfcc
    );
    Ok(())
}
