//! `aquifer dataset NAME`: built-in datasets to CSV or .npy.

use crate::error::{Error, Result};
use crate::table::{self, Table};
use aquifer::datasets::{
    self, DoubleScroll, Henon, KuramotoSivashinsky, Logistic, Lorenz, Lorenz96, MackeyGlass,
    Multiscroll, Narma, RabinovichFabrikant, Rossler,
};
use aquifer::faer::Mat;
use clap::ValueEnum;
use std::path::{Path, PathBuf};

/// The datasets the command line can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Name {
    /// Mackey-Glass (tau = 17), one column.
    MackeyGlass,
    /// Lorenz system, columns x, y, z.
    Lorenz,
    /// Rossler system, columns x, y, z.
    Rossler,
    /// Henon map, columns x, y.
    Henon,
    /// Logistic map (r = 3.9).
    Logistic,
    /// NARMA-10: input u and target y.
    Narma10,
    /// Lorenz-96 with 36 variables.
    Lorenz96,
    /// Chen's double-scroll system, columns x, y, z.
    Multiscroll,
    /// Rabinovich-Fabrikant system, columns x, y, z.
    RabinovichFabrikant,
    /// The double-scroll electronic circuit (next-generation reservoir computing's second
    /// system), columns v1, v2, i.
    DoubleScroll,
    /// Kuramoto-Sivashinsky equation on 128 grid points of [0, 32 pi], sampled every 0.25,
    /// columns u0..u127.
    KuramotoSivashinsky,
    /// MSO-8 (eight superimposed sines), normalised to [-1, 1].
    Mso8,
    /// Monthly sunspot numbers 1749-2008 (real data, `--steps` and `--seed` ignored).
    Sunspots,
    /// Yearly sunspot numbers 1700-2008 (real data, `--steps` and `--seed` ignored).
    SunspotsYearly,
    /// Santa Fe laser intensities (real data, `--steps` and `--seed` ignored).
    SantafeLaser,
    /// Japanese vowels (real data): `--out` is a folder that receives one CSV per utterance,
    /// `train_000.csv` ... `test_369.csv`, with the 12 cepstral coefficients `c0`..`c11` and
    /// the speaker one-hot `speaker0`..`speaker8` repeated on every row.
    JapaneseVowels,
}

/// Arguments of `aquifer dataset`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which dataset.
    #[arg(value_enum)]
    name: Name,
    /// Number of time steps.
    #[arg(long, default_value_t = 2000)]
    steps: usize,
    /// Seed (for datasets with random parts: Mackey-Glass history, NARMA input).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output file: CSV (with a header line), or .npy with a `.npy` extension.
    #[arg(long, short)]
    out: PathBuf,
}

fn build(args: &Args) -> aquifer::Result<(Vec<String>, Mat<f64>)> {
    generate(args.name, args.steps, args.seed)
}

/// The series of a dataset (every generated one, and the shipped series) and its column names.
/// The Japanese vowels, many series, are read with [`tables`].
pub fn generate(name: Name, steps: usize, seed: u64) -> aquifer::Result<(Vec<String>, Mat<f64>)> {
    let cols = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let n = steps;
    Ok(match name {
        Name::MackeyGlass => {
            let p = MackeyGlass {
                seed,
                ..Default::default()
            };
            (cols(&["x"]), datasets::mackey_glass(&p, n)?)
        }
        Name::Lorenz => (
            cols(&["x", "y", "z"]),
            datasets::lorenz(&Lorenz::default(), n)?,
        ),
        Name::Rossler => (
            cols(&["x", "y", "z"]),
            datasets::rossler(&Rossler::default(), n)?,
        ),
        Name::Henon => (
            cols(&["x", "y"]),
            datasets::henon_map(&Henon::default(), n)?,
        ),
        Name::Logistic => (
            cols(&["x"]),
            datasets::logistic_map(&Logistic::default(), n)?,
        ),
        Name::Narma10 => {
            let (u, y) = datasets::narma(
                &Narma {
                    seed,
                    ..Narma::narma10()
                },
                n,
            )?;
            (
                cols(&["u", "y"]),
                Mat::from_fn(n, 2, |i, j| if j == 0 { u[(i, 0)] } else { y[(i, 0)] }),
            )
        }
        Name::Lorenz96 => {
            let s = datasets::lorenz96(&Lorenz96::default(), n)?;
            ((0..s.ncols()).map(|j| format!("x{j}")).collect(), s)
        }
        Name::Multiscroll => (
            cols(&["x", "y", "z"]),
            datasets::multiscroll(&Multiscroll::default(), n)?,
        ),
        Name::RabinovichFabrikant => (
            cols(&["x", "y", "z"]),
            datasets::rabinovich_fabrikant(&RabinovichFabrikant::default(), n)?,
        ),
        Name::DoubleScroll => (
            cols(&["v1", "v2", "i"]),
            datasets::double_scroll(&DoubleScroll::default(), n)?,
        ),
        Name::KuramotoSivashinsky => {
            let s = datasets::kuramoto_sivashinsky(&KuramotoSivashinsky::default(), n)?;
            ((0..s.ncols()).map(|j| format!("u{j}")).collect(), s)
        }
        Name::Mso8 => (
            cols(&["x"]),
            datasets::mso(n, &datasets::MSO_FREQUENCIES, true)?,
        ),
        Name::Sunspots => (cols(&["sunspots"]), datasets::sunspots_monthly()?),
        Name::SunspotsYearly => (cols(&["sunspots"]), datasets::sunspots_yearly()?),
        Name::JapaneseVowels => {
            return Err(aquifer::Error::Unsupported {
                operation: "one series of the Japanese vowels",
                reason: "the dataset is 640 series: read it with `tables`".into(),
            })
        }
        Name::SantafeLaser => (cols(&["intensity"]), datasets::santafe_laser()?),
    })
}

/// A dataset as tables, named `dataset NAME` (one per series): one for a generated or shipped
/// series; for the Japanese vowels, the 270 training utterances with the columns of
/// `aquifer dataset japanese-vowels` (`c0`..`c11`, `speaker0`..`speaker8`).
pub fn tables(name: Name, steps: usize, seed: u64) -> Result<Vec<Table>> {
    let label = name
        .to_possible_value()
        .map_or_else(|| format!("{name:?}"), |v| v.get_name().to_string());
    if let Name::JapaneseVowels = name {
        let jv = datasets::japanese_vowels()?;
        let names = vowel_columns();
        return Ok(jv
            .train
            .iter()
            .zip(&jv.train_labels)
            .enumerate()
            .map(|(k, (x, &l))| Table {
                path: PathBuf::from(format!("dataset {label}, train_{k:03}")),
                names: names.clone(),
                data: utterance(x, l),
            })
            .collect());
    }
    if steps == 0 {
        return Err(Error::usage("a dataset needs at least 1 step"));
    }
    let (names, data) = generate(name, steps, seed)?;
    Ok(vec![Table {
        path: PathBuf::from(format!("dataset {label}")),
        names,
        data,
    }])
}

/// The columns of a Japanese vowels utterance: the cepstral coefficients, then the speaker.
fn vowel_columns() -> Vec<String> {
    let mut names: Vec<String> = (0..12).map(|j| format!("c{j}")).collect();
    names.extend((0..9).map(|j| format!("speaker{j}")));
    names
}

/// An utterance with its speaker one-hot on every row.
fn utterance(x: &Mat<f64>, label: usize) -> Mat<f64> {
    Mat::from_fn(x.nrows(), 21, |i, j| {
        if j < 12 {
            x[(i, j)]
        } else if j - 12 == label {
            1.0
        } else {
            0.0
        }
    })
}

/// Writes every utterance of the Japanese vowels into the folder `dir`, which must not exist
/// or be empty: the files are written into a folder beside it, renamed into place at the end,
/// so that a failure leaves nothing.
fn japanese_vowels(dir: &Path) -> Result<()> {
    let folder = crate::outputs::Folder::create(dir, "--out")?;
    let counts = japanese_vowels_into(&folder)?;
    folder.commit()?;
    for (set, n) in counts {
        println!("wrote {n} {set} utterances to {}", dir.display());
    }
    Ok(())
}

/// Writes the utterances into `dir`; returns the count of each set.
fn japanese_vowels_into(dir: &crate::outputs::Folder) -> Result<Vec<(&'static str, usize)>> {
    let jv = datasets::japanese_vowels()?;
    let mut counts = Vec::new();
    let names = vowel_columns();
    let sets = [
        ("train", &jv.train, &jv.train_labels),
        ("test", &jv.test, &jv.test_labels),
    ];
    for (set, series, labels) in sets {
        for (k, (x, &label)) in series.iter().zip(labels.iter()).enumerate() {
            table::write(
                &dir.join(format!("{set}_{k:03}.csv")),
                &names,
                &utterance(x, label),
            )?;
        }
        counts.push((set, series.len()));
    }
    Ok(counts)
}

/// Writes the dataset to CSV or .npy (atomically) and reports its shape.
pub fn run(args: &Args) -> Result<()> {
    if let Name::JapaneseVowels = args.name {
        return japanese_vowels(&args.out);
    }
    // the series and its integration's work: a few columns (36 for Lorenz-96, 128 for
    // Kuramoto-Sivashinsky), twice
    let cols = match args.name {
        Name::Lorenz96 => 36,
        Name::KuramotoSivashinsky => 128,
        _ => 3,
    };
    crate::memory::check(
        &format!("a dataset of {} steps", args.steps),
        "--steps",
        crate::memory::values(args.steps, cols * 2),
    )?;
    crate::outputs::check(&[], &[(&args.out, crate::outputs::Kind::Series, "--out")])?;
    if args.steps == 0 {
        return Err(Error::usage("--steps must be at least 1"));
    }
    let (header, data) = build(args)?;
    table::write(&args.out, &header, &data)?;
    println!(
        "wrote {} x {} to {}",
        data.nrows(),
        data.ncols(),
        args.out.display()
    );
    Ok(())
}
