//! Real series shipped with the library (see `data/README.md` for provenance and licences).

use crate::error::{Error, Result};
use faer::Mat;

const JV_TRAIN: &str = include_str!("../../data/japanese_vowels_train.csv");
const JV_TEST: &str = include_str!("../../data/japanese_vowels_test.csv");
const SUNSPOTS_MONTHLY: &str = include_str!("../../data/sunspots_monthly.csv");
const SUNSPOTS_YEARLY: &str = include_str!("../../data/sunspots_yearly.csv");
const SANTAFE: &str = include_str!("../../data/santafe_laser.csv");

/// Number of classes (speakers) of the Japanese vowels data.
pub const JAPANESE_VOWELS_CLASSES: usize = 9;

/// Parses a shipped numeric CSV with a header (through the library's series reader); returns
/// the header and the rows.
fn parse_csv(name: &str, text: &str) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
    let t = crate::io::parse_table(text.as_bytes(), crate::io::TableFormat::Csv, name)?;
    let rows = (0..t.data.nrows())
        .map(|i| t.data.row(i).iter().copied().collect())
        .collect();
    Ok((t.names, rows))
}

fn column_of(name: &str, text: &str, col: &str) -> Result<Mat<f64>> {
    let (header, rows) = parse_csv(name, text)?;
    let j = header
        .iter()
        .position(|h| h == col)
        .ok_or_else(|| Error::Data {
            source_name: name.to_string(),
            reason: format!("no column `{col}`"),
        })?;
    Ok(Mat::from_fn(rows.len(), 1, |i, _| rows[i][j]))
}

/// Monthly mean sunspot numbers, January 1749 to December 2008 (`3120 x 1`).
pub fn sunspots_monthly() -> Result<Mat<f64>> {
    column_of("sunspots_monthly.csv", SUNSPOTS_MONTHLY, "sunspots")
}

/// Yearly sunspot numbers, 1700 to 2008 (`309 x 1`).
pub fn sunspots_yearly() -> Result<Mat<f64>> {
    column_of("sunspots_yearly.csv", SUNSPOTS_YEARLY, "sunspots")
}

/// The Santa Fe laser series (competition data set A, `10093 x 1`, intensities 0-255).
pub fn santafe_laser() -> Result<Mat<f64>> {
    column_of("santafe_laser.csv", SANTAFE, "intensity")
}

/// The Japanese vowels speaker-classification data (UCI): 12 LPC cepstrum coefficients per step,
/// utterances of 7 to 29 steps, 9 speakers.
#[derive(Debug, Clone)]
pub struct JapaneseVowels {
    /// 270 training utterances (`T_i x 12`).
    pub train: Vec<Mat<f64>>,
    /// Speaker index (0-8) of each training utterance.
    pub train_labels: Vec<usize>,
    /// 370 test utterances.
    pub test: Vec<Mat<f64>>,
    /// Speaker index of each test utterance.
    pub test_labels: Vec<usize>,
}

impl JapaneseVowels {
    /// One-hot targets (`1 x 9` per utterance), as ReservoirPy's loader gives.
    pub fn one_hot(labels: &[usize]) -> Vec<Mat<f64>> {
        labels
            .iter()
            .map(|&l| {
                Mat::from_fn(
                    1,
                    JAPANESE_VOWELS_CLASSES,
                    |_, j| if j == l { 1.0 } else { 0.0 },
                )
            })
            .collect()
    }
}

fn jv_split(name: &str, text: &str) -> Result<(Vec<Mat<f64>>, Vec<usize>)> {
    let (header, rows) = parse_csv(name, text)?;
    if header.len() != 15 || header[0] != "sample" || header[2] != "speaker" {
        return Err(Error::Data {
            source_name: name.to_string(),
            reason: format!("unexpected header {header:?}"),
        });
    }
    let mut series = Vec::new();
    let mut labels = Vec::new();
    let mut current: Vec<&Vec<f64>> = Vec::new();
    let flush = |cur: &mut Vec<&Vec<f64>>, series: &mut Vec<Mat<f64>>, labels: &mut Vec<usize>| {
        if let Some(first) = cur.first() {
            labels.push(first[2] as usize - 1);
            series.push(Mat::from_fn(cur.len(), 12, |i, j| cur[i][3 + j]));
            cur.clear();
        }
    };
    for row in &rows {
        if let Some(first) = current.first() {
            if first[0] != row[0] {
                flush(&mut current, &mut series, &mut labels);
            }
        }
        if !(1.0..=9.0).contains(&row[2]) {
            return Err(Error::Data {
                source_name: name.to_string(),
                reason: format!("speaker {} outside 1-9", row[2]),
            });
        }
        current.push(row);
    }
    flush(&mut current, &mut series, &mut labels);
    Ok((series, labels))
}

/// Loads the Japanese vowels data.
///
/// ```
/// let jv = aquifer::datasets::japanese_vowels()?;
/// assert_eq!((jv.train.len(), jv.test.len()), (270, 370));
/// assert_eq!(jv.train[0].ncols(), 12);
/// # Ok::<(), aquifer::Error>(())
/// ```
pub fn japanese_vowels() -> Result<JapaneseVowels> {
    let (train, train_labels) = jv_split("japanese_vowels_train.csv", JV_TRAIN)?;
    let (test, test_labels) = jv_split("japanese_vowels_test.csv", JV_TEST)?;
    Ok(JapaneseVowels {
        train,
        train_labels,
        test,
        test_labels,
    })
}

const DIGITS: &str = include_str!("../../data/digits_8x8.csv");

/// scikit-learn's 8x8 handwritten digits (1797 images, pixel values 0-16, classes 0-9).
#[derive(Debug, Clone)]
pub struct Digits {
    /// `1797 x 64`: one image per row, pixels row by row (`p{row}_{col}`).
    pub images: Mat<f64>,
    /// The digit of each image.
    pub labels: Vec<usize>,
}

impl Digits {
    /// Image `k` as a series of 8 steps of 8 features (one image row per step), scaled to
    /// `[0, 1]`.
    pub fn rows(&self, k: usize) -> Mat<f64> {
        Mat::from_fn(8, 8, |t, j| self.images[(k, 8 * t + j)] / 16.0)
    }
    /// Image `k` as a series of 64 steps of one feature (pixel by pixel, like sequential
    /// MNIST), scaled to `[0, 1]`.
    pub fn pixels(&self, k: usize) -> Mat<f64> {
        Mat::from_fn(64, 1, |t, _| self.images[(k, t)] / 16.0)
    }
    /// A seeded shuffled split: `(train, test)` image indices with `test` of `test_size`.
    pub fn split(&self, test_size: usize, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
        use rand::seq::SliceRandom;
        let n = self.labels.len();
        if test_size == 0 || test_size >= n {
            return Err(Error::invalid("test_size", test_size, "must be in 1..1797"));
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut crate::rng::from_seed(seed));
        let test = order.split_off(n - test_size);
        Ok((order, test))
    }
}

/// Loads the 8x8 digits.
///
/// ```
/// let digits = aquifer::datasets::digits()?;
/// assert_eq!((digits.images.nrows(), digits.images.ncols()), (1797, 64));
/// assert_eq!(digits.labels[..4], [0, 1, 2, 3]);
/// # Ok::<(), aquifer::Error>(())
/// ```
pub fn digits() -> Result<Digits> {
    let name = "digits_8x8.csv";
    let (header, rows) = parse_csv(name, DIGITS)?;
    if header.len() != 65 || header[64] != "label" {
        return Err(Error::Data {
            source_name: name.to_string(),
            reason: format!("unexpected header of {} columns", header.len()),
        });
    }
    let mut labels = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let l = row[64];
        if !(0.0..=9.0).contains(&l) || l.fract() != 0.0 {
            return Err(Error::Data {
                source_name: name.to_string(),
                reason: format!("line {}: label {l} is not a digit", i + 2),
            });
        }
        labels.push(l as usize);
    }
    Ok(Digits {
        images: Mat::from_fn(rows.len(), 64, |i, j| rows[i][j]),
        labels,
    })
}

const MNIST1D_X_TRAIN: &[u8] = include_bytes!("../../data/mnist1d_x_train.npy");
const MNIST1D_Y_TRAIN: &[u8] = include_bytes!("../../data/mnist1d_y_train.npy");
const MNIST1D_X_TEST: &[u8] = include_bytes!("../../data/mnist1d_x_test.npy");
const MNIST1D_Y_TEST: &[u8] = include_bytes!("../../data/mnist1d_y_test.npy");

/// MNIST-1D (Greydanus 2020): 1-D signals of 40 steps, 10 classes; 4000 train, 1000 test.
#[derive(Debug, Clone)]
pub struct Mnist1d {
    /// `4000 x 40`, standardised: one signal per row.
    pub train: Mat<f64>,
    /// Class of each training signal.
    pub train_labels: Vec<usize>,
    /// `1000 x 40`.
    pub test: Mat<f64>,
    /// Class of each test signal.
    pub test_labels: Vec<usize>,
}

impl Mnist1d {
    /// Row `k` of `signals` as a series of 40 steps of one feature.
    pub fn series(signals: &Mat<f64>, k: usize) -> Mat<f64> {
        Mat::from_fn(signals.ncols(), 1, |t, _| signals[(k, t)])
    }
}

fn mnist1d_split(name: &str, x: &[u8], y: &[u8], rows: usize) -> Result<(Mat<f64>, Vec<usize>)> {
    let npy = crate::io::TableFormat::Npy;
    let x = crate::io::parse_table(x, npy, name)?.data;
    let y = crate::io::parse_table(y, npy, name)?.data;
    let labels_ok = y
        .col(0)
        .iter()
        .all(|&l| (0.0..=9.0).contains(&l) && l.fract() == 0.0);
    if (x.nrows(), x.ncols()) != (rows, 40) || (y.nrows(), y.ncols()) != (rows, 1) || !labels_ok {
        return Err(Error::Data {
            source_name: name.to_string(),
            reason: format!(
                "unexpected shapes {} x {} / {} x {} or labels outside 0-9",
                x.nrows(),
                x.ncols(),
                y.nrows(),
                y.ncols()
            ),
        });
    }
    Ok((x, y.col(0).iter().map(|&l| l as usize).collect()))
}

/// Loads MNIST-1D as generated by the `mnist1d` package with its default arguments (seed 42).
///
/// ```
/// let m = aquifer::datasets::mnist1d()?;
/// assert_eq!((m.train.nrows(), m.test.nrows(), m.train.ncols()), (4000, 1000, 40));
/// # Ok::<(), aquifer::Error>(())
/// ```
pub fn mnist1d() -> Result<Mnist1d> {
    let (train, train_labels) =
        mnist1d_split("mnist1d train", MNIST1D_X_TRAIN, MNIST1D_Y_TRAIN, 4000)?;
    let (test, test_labels) = mnist1d_split("mnist1d test", MNIST1D_X_TEST, MNIST1D_Y_TEST, 1000)?;
    Ok(Mnist1d {
        train,
        train_labels,
        test,
        test_labels,
    })
}
