//! Time series on disk: CSV and NumPy `.npy` files, one row per time step.
//!
//! CSV: comma-separated numbers, an optional header line of column names (detected: a first
//! line with a field that is not a number), `#` comment lines. `.npy`: a 1-D (one column) or
//! 2-D (`T x F`) array of float64, float32, int64 or int32, in C or Fortran order. Reading
//! checks every value: a missing, unparsable or non-finite value is an error naming the file,
//! its line (CSV) or row, and its column.

use crate::error::{Error, Result};
use aquifer::faer::Mat;
use std::path::{Path, PathBuf};

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
    let (names, data) = if npy {
        let data = npy_from_bytes(bytes)?;
        ((0..data.ncols()).map(|j| j.to_string()).collect(), data)
    } else {
        csv_from_bytes(bytes)?
    };
    if data.nrows() == 0 {
        return Err("no rows of data".into());
    }
    Ok((names, data))
}

fn csv_from_bytes(bytes: &[u8]) -> std::result::Result<(Vec<String>, Mat<f64>), String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut names: Option<Vec<String>> = None;
    let mut values: Vec<f64> = Vec::new();
    let mut width = 0;
    let mut rows = 0;
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(p) => format!("line {}: {e}", p.line()),
            None => e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let is_first = names.is_none() && rows == 0;
        if is_first && record.iter().any(|f| f.parse::<f64>().is_err()) {
            names = Some(record.iter().map(str::to_string).collect());
            width = record.len();
            continue;
        }
        if width == 0 {
            width = record.len();
        }
        if record.len() != width {
            return Err(format!(
                "line {line}: {} fields where the first row has {width}",
                record.len()
            ));
        }
        for (j, field) in record.iter().enumerate() {
            let v: f64 = field.parse().map_err(|_| {
                if field.is_empty() {
                    format!("line {line}, column {}: empty value", j + 1)
                } else {
                    format!("line {line}, column {}: `{field}` is not a number", j + 1)
                }
            })?;
            if !v.is_finite() {
                return Err(format!(
                    "line {line}, column {}: non-finite value {v} (data row {rows})",
                    j + 1
                ));
            }
            values.push(v);
        }
        rows += 1;
    }
    let names = names.unwrap_or_else(|| (0..width).map(|j| j.to_string()).collect());
    let data = Mat::from_fn(rows, width, |i, j| values[i * width + j]);
    Ok((names, data))
}

fn npy_from_bytes(bytes: &[u8]) -> std::result::Result<Mat<f64>, String> {
    let file = npyz::NpyFile::new(bytes).map_err(|e| format!("not a valid .npy file: {e}"))?;
    let shape: Vec<u64> = file.shape().to_vec();
    let fortran = file.order() == npyz::Order::Fortran;
    let (rows, cols) = match shape[..] {
        [t] => (t, 1),
        [t, f] => (t, f),
        _ => {
            return Err(format!(
                "a {}-dimensional array; expected 1 (one column) or 2 (time x features)",
                shape.len()
            ))
        }
    };
    // Every element takes at least four bytes: refuse absurd shapes before allocating.
    let len = rows
        .checked_mul(cols)
        .filter(|&n| n <= bytes.len() as u64 / 4);
    let Some(len) = len else {
        return Err(format!(
            "shape {shape:?} does not fit in a {}-byte file",
            bytes.len()
        ));
    };
    let dtype = file.dtype();
    let flat: Vec<f64> = match file.try_data::<f64>() {
        Ok(r) => r.collect::<std::io::Result<_>>(),
        Err(file) => match file.try_data::<f32>() {
            Ok(r) => r.map(|v| v.map(f64::from)).collect(),
            Err(file) => match file.try_data::<i64>() {
                Ok(r) => r.map(|v| v.map(|x| x as f64)).collect(),
                Err(file) => match file.try_data::<i32>() {
                    Ok(r) => r.map(|v| v.map(f64::from)).collect(),
                    Err(_) => {
                        return Err(format!(
                            "unsupported dtype {}; expected float64, float32, int64 or int32",
                            dtype.descr()
                        ))
                    }
                },
            },
        },
    }
    .map_err(|e| format!("truncated or corrupt data: {e}"))?;
    if flat.len() as u64 != len {
        return Err(format!("{} values for shape {shape:?}", flat.len()));
    }
    let (rows, cols) = (rows as usize, cols as usize);
    let at = |i: usize, j: usize| {
        if fortran {
            flat[j * rows + i]
        } else {
            flat[i * cols + j]
        }
    };
    for i in 0..rows {
        for j in 0..cols {
            let v = at(i, j);
            if !v.is_finite() {
                return Err(format!("row {i}, column {j}: non-finite value {v}"));
            }
        }
    }
    Ok(Mat::from_fn(rows, cols, at))
}

/// Writes a series to CSV (with a header of `names`) or `.npy` (float64, C order), chosen by
/// the extension; atomically.
pub fn write(path: &Path, names: &[String], data: &Mat<f64>) -> Result<()> {
    let bytes = if is_npy(path) {
        let mut out = Vec::new();
        {
            use npyz::WriterBuilder;
            let mut w = npyz::WriteOptions::<f64>::new()
                .default_dtype()
                .shape(&[data.nrows() as u64, data.ncols() as u64])
                .writer(&mut out)
                .begin_nd()
                .map_err(|e| Error::io(path, e))?;
            for i in 0..data.nrows() {
                for j in 0..data.ncols() {
                    w.push(&data[(i, j)]).map_err(|e| Error::io(path, e))?;
                }
            }
            w.finish().map_err(|e| Error::io(path, e))?;
        }
        out
    } else {
        let mut w = csv::Writer::from_writer(Vec::new());
        let failed = |e: csv::Error| Error::data(path, e.to_string());
        w.write_record(names).map_err(failed)?;
        for i in 0..data.nrows() {
            w.write_record((0..data.ncols()).map(|j| format!("{:?}", data[(i, j)])))
                .map_err(failed)?;
        }
        w.into_inner()
            .map_err(|e| Error::data(path, e.to_string()))?
    };
    aquifer::io::write_atomic(path, &bytes)?;
    Ok(())
}

/// Column names `prefix0`, `prefix1`, ...
pub fn numbered(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|j| format!("{prefix}{j}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_header_is_detected_and_values_are_checked() {
        let (names, m) = csv_from_bytes(b"a,b\n1,2\n# note\n3,4.5\n").unwrap();
        assert_eq!(names, ["a", "b"]);
        assert_eq!((m.nrows(), m.ncols()), (2, 2));
        assert_eq!(m[(1, 1)], 4.5);
        let (names, m) = csv_from_bytes(b"1,2\n3,4\n").unwrap();
        assert_eq!(names, ["0", "1"]);
        assert_eq!(m[(1, 0)], 3.0);
        let e = csv_from_bytes(b"a,b\n1,2\n3,x\n").unwrap_err();
        assert_eq!(e, "line 3, column 2: `x` is not a number");
        let e = csv_from_bytes(b"1,2\n3,NaN\n").unwrap_err();
        assert!(
            e.starts_with("line 2, column 2: non-finite value NaN"),
            "{e}"
        );
        let e = csv_from_bytes(b"1,2\n3\n").unwrap_err();
        assert_eq!(e, "line 2: 1 fields where the first row has 2");
        let e = csv_from_bytes(b"1,2\n3,\n").unwrap_err();
        assert_eq!(e, "line 2, column 2: empty value");
    }

    #[test]
    fn npy_round_trip_and_fortran_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.npy");
        let m = Mat::from_fn(3, 2, |i, j| (i * 10 + j) as f64 + 0.25);
        write(&p, &[], &m).unwrap();
        let back = read(&p).unwrap();
        assert_eq!(back.data, m);
        // A hand-made Fortran-order float32 array: [[1, 2], [3, 4]] stored column by column.
        let mut bytes = Vec::new();
        {
            use npyz::WriterBuilder;
            let mut w = npyz::WriteOptions::<f32>::new()
                .default_dtype()
                .shape(&[2, 2])
                .order(npyz::Order::Fortran)
                .writer(&mut bytes)
                .begin_nd()
                .unwrap();
            for v in [1.0f32, 3.0, 2.0, 4.0] {
                w.push(&v).unwrap();
            }
            w.finish().unwrap();
        }
        let f = npy_from_bytes(&bytes).unwrap();
        assert_eq!(f, Mat::from_fn(2, 2, |i, j| (2 * i + j + 1) as f64));
        // Truncation is an error, never a panic.
        for cut in 0..bytes.len() {
            assert!(npy_from_bytes(&bytes[..cut]).is_err());
        }
    }
}
