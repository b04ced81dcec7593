//! Time series on disk for the command line: the core library's CSV and `.npy` readers and
//! writers ([`aquifer::io::read_table`]), with column selection by name, index or range.
//!
//! CSV: comma-separated numbers, an optional header line of column names (a first line none of
//! whose fields is a number, unless `--header yes|no` says otherwise), `#` comment lines. `.npy`: a 1-D (one column) or
//! 2-D (`T x F`) array of float64, float32, int64 or int32, in C or Fortran order. Reading
//! checks every value: a missing, unparsable or non-finite value is an error naming the file,
//! its line (CSV) or row, and its column.

use crate::error::{Error, Result};
use aquifer::faer::Mat;
use aquifer::io::{parse_table_with, table_bytes, Header, TableFormat};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static HEADER: OnceLock<Header> = OnceLock::new();

/// Sets how the first line of every CSV file read is taken (from `--header`; once per process).
pub fn set_header(header: Header) {
    let _ = HEADER.set(header);
}

/// A series read from a file: its column names and values (`T x F`).
#[derive(Debug, Clone)]
pub struct Table {
    /// The file it came from.
    pub path: PathBuf,
    /// Column names: the CSV header, or `0`, `1`, ... without one.
    pub names: Vec<String>,
    /// The values, one row per time step.
    pub data: Mat<f64>,
}

/// Whether `path` names a `.npy` file (otherwise it is read and written as CSV).
pub fn is_npy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// Reads a CSV or `.npy` file as a series.
pub fn read(path: &Path) -> Result<Table> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let (names, data) = from_bytes(&bytes, is_npy(path)).map_err(|r| Error::data(path, r))?;
    Ok(Table {
        path: path.to_path_buf(),
        names,
        data,
    })
}

impl Table {
    /// The indices of the columns named in `spec`: a comma-separated list of column names,
    /// 0-based indices, or inclusive ranges `first:last` of either (`c0:c11`, `0:3`); names
    /// take precedence. `None` selects every column.
    pub fn select(&self, spec: Option<&str>) -> Result<Vec<usize>> {
        let Some(spec) = spec else {
            return Ok((0..self.data.ncols()).collect());
        };
        let mut cols = Vec::new();
        for item in spec.split(',').map(str::trim) {
            if let Ok(j) = self.column(item) {
                cols.push(j);
                continue;
            }
            match item.split_once(':') {
                Some((a, b)) => {
                    let (a, b) = (self.column(a.trim())?, self.column(b.trim())?);
                    if a > b {
                        return Err(Error::data(
                            &self.path,
                            format!("column range `{item}` runs backwards"),
                        ));
                    }
                    cols.extend(a..=b);
                }
                None => return Err(self.column(item).unwrap_err()),
            }
        }
        Ok(cols)
    }

    /// The index of one column, by name or 0-based index.
    fn column(&self, item: &str) -> Result<usize> {
        if let Some(j) = self.names.iter().position(|n| n == item) {
            return Ok(j);
        }
        match item.parse::<usize>() {
            Ok(j) if j < self.data.ncols() => Ok(j),
            _ => Err(Error::data(
                &self.path,
                format!("no column `{item}` (columns: {})", self.names.join(", ")),
            )),
        }
    }

    /// The chosen columns, rows `from..to`.
    pub fn columns(&self, cols: &[usize], from: usize, to: usize) -> Mat<f64> {
        Mat::from_fn(to - from, cols.len(), |i, j| self.data[(from + i, cols[j])])
    }
}

/// Parses the bytes of a `.npy` (if `npy`) or CSV file: column names and values, at least one
/// row; the error says what is wrong and where.
pub fn from_bytes(bytes: &[u8], npy: bool) -> std::result::Result<(Vec<String>, Mat<f64>), String> {
    let format = if npy {
        TableFormat::Npy
    } else {
        TableFormat::Csv
    };
    let header = HEADER.get().copied().unwrap_or_default();
    match parse_table_with(bytes, format, header, "") {
        Ok(t) => Ok((t.names, t.data)),
        Err(aquifer::Error::Data { reason, .. }) => Err(reason),
        Err(aquifer::Error::Empty { .. }) => Err("no rows of data".into()),
        Err(other) => Err(other.to_string()),
    }
}

/// Writes a series to CSV (with a header of `names`) or `.npy` (float64, C order), chosen by
/// the extension; atomically.
pub fn write(path: &Path, names: &[String], data: &Mat<f64>) -> Result<()> {
    let bytes =
        table_bytes(names, data.as_ref(), TableFormat::of_path(path)).map_err(|e| match e {
            aquifer::Error::Data { reason, .. } => Error::data(path, reason),
            other => other.into(),
        })?;
    aquifer::io::write_atomic(path, &bytes)?;
    Ok(())
}

/// Column names `prefix0`, `prefix1`, ...
pub fn numbered(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|j| format!("{prefix}{j}")).collect()
}
