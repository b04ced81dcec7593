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

/// Parses a numeric CSV with a header; returns the header and the rows.
fn parse_csv(name: &str, text: &str) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let data_err = |reason: String| Error::Data {
        source_name: name.to_string(),
        reason,
    };
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| data_err(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| data_err(e.to_string()))?;
        let row = rec
            .iter()
            .map(|f| {
                f.trim()
                    .parse::<f64>()
                    .map_err(|_| data_err(format!("line {}: `{f}` is not a number", i + 2)))
            })
            .collect::<Result<Vec<f64>>>()?;
        rows.push(row);
    }
    Ok((header, rows))
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
