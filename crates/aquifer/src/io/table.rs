//! Series on disk: CSV and NumPy `.npy` files, one row per time step.
//!
//! CSV: comma-separated numbers, an optional header line of column names, `#` comment lines.
//! The first line is a header when none of its fields is a number ([`Header::Auto`]), so a
//! malformed number in an otherwise numeric first line is an error, never a header; a header of
//! numbers (`0,1`, as pandas writes) needs [`Header::Yes`]. `.npy`: a 1-D (one column) or
//! 2-D (`T x F`) array of float64, float32, int64 or int32, in C or Fortran order. Reading
//! checks every value: a missing, unparsable or non-finite value is an error naming the source,
//! its line (CSV) or row, and its column. Writing is atomic.
//!
//! ```
//! use aquifer::io::{read_table, write_table};
//! let dir = std::env::temp_dir().join(format!("aquifer-doc-table-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let x = faer::Mat::from_fn(4, 2, |t, j| (t * 2 + j) as f64 * 0.5);
//! for name in ["x.csv", "x.npy"] {
//!     write_table(dir.join(name), &["a".into(), "b".into()], x.as_ref())?;
//!     assert_eq!(read_table(dir.join(name))?.data, x);
//! }
//! assert_eq!(read_table(dir.join("x.csv"))?.names, ["a", "b"]);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::atomic::AtomicFile;
use crate::error::{Error, Result};
use faer::{Mat, MatRef};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A series read from a file: column names and values (`T x F`).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column names: the CSV header, or `0`, `1`, ... without one.
    pub names: Vec<String>,
    /// The values, one row per time step.
    pub data: Mat<f64>,
}

/// How a series is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Comma-separated values.
    Csv,
    /// A NumPy `.npy` array.
    Npy,
}

impl TableFormat {
    /// `.npy` files by their extension, CSV otherwise.
    pub fn of_path(path: &Path) -> Self {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
        {
            TableFormat::Npy
        } else {
            TableFormat::Csv
        }
    }
}

/// Whether the first line of a CSV file holds column names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// When none of its fields is a number.
    #[default]
    Auto,
    /// Always (even `0,1`).
    Yes,
    /// Never: every line is data.
    No,
}

impl std::str::FromStr for Header {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Header::Auto),
            "yes" => Ok(Header::Yes),
            "no" => Ok(Header::No),
            _ => Err(format!("`{s}`: expected auto, yes or no")),
        }
    }
}

/// Reads a CSV or `.npy` file (by its extension) as a series.
pub fn read_table(path: impl AsRef<Path>) -> Result<Table> {
    read_table_with(path, Header::Auto)
}

/// [`read_table`] with a rule for the CSV header.
pub fn read_table_with(path: impl AsRef<Path>, header: Header) -> Result<Table> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_table_with(
        &bytes,
        TableFormat::of_path(path),
        header,
        &path.display().to_string(),
    )
}

/// Parses the bytes of a CSV or `.npy` file: column names and values, at least one row. Errors
/// are [`Error::Data`] naming `source_name` and what is wrong where.
pub fn parse_table(bytes: &[u8], format: TableFormat, source_name: &str) -> Result<Table> {
    parse_table_with(bytes, format, Header::Auto, source_name)
}

/// [`parse_table`] with a rule for the CSV header.
pub fn parse_table_with(
    bytes: &[u8],
    format: TableFormat,
    header: Header,
    source_name: &str,
) -> Result<Table> {
    let bad = |reason: String| Error::Data {
        source_name: source_name.to_string(),
        reason,
    };
    let (names, data) = match format {
        TableFormat::Npy => {
            let data = npy_from_bytes(bytes).map_err(bad)?;
            ((0..data.ncols()).map(|j| j.to_string()).collect(), data)
        }
        TableFormat::Csv => csv_from_bytes(bytes, header).map_err(bad)?,
    };
    if data.nrows() == 0 {
        return Err(Error::Empty {
            what: format!("{source_name} (no rows of data)"),
        });
    }
    Ok(Table { names, data })
}

/// The bytes of a series as CSV (a header of `names`, then values that read back exactly) or
/// `.npy` (float64, C order).
pub fn table_bytes(
    names: &[String],
    data: MatRef<'_, f64>,
    format: TableFormat,
) -> Result<Vec<u8>> {
    let failed = |e: std::io::Error| Error::Data {
        source_name: "series being written".into(),
        reason: e.to_string(),
    };
    let sink = Sink::default();
    let shape = (data.nrows(), data.ncols());
    let mut encoder = Encoder::new(sink.clone(), names, shape, format).map_err(failed)?;
    encoder.push(data).map_err(failed)?;
    encoder.finish().map_err(failed)?;
    Ok(sink.take())
}

/// Writes a series to CSV (with a header of `names`) or `.npy`, chosen by the extension;
/// atomically.
pub fn write_table(path: impl AsRef<Path>, names: &[String], data: MatRef<'_, f64>) -> Result<()> {
    let mut w = TableWriter::create(path, names, (data.nrows(), data.ncols()))?;
    w.push(data)?;
    w.finish()
}

/// Values encoded between two writes to the file.
const DRAIN_VALUES: usize = 1 << 15;

/// A series written to a file block of rows by block, so that it is never all held at once:
/// CSV or `.npy` by the file's extension, as [`write_table`] writes it. The shape is given
/// first (a `.npy` header holds it); `names` are the CSV header (none if empty). The file appears whole, atomically, at
/// [`TableWriter::finish`]; a writer dropped before (an error on the way) leaves nothing.
///
/// ```
/// use aquifer::io::{read_table, TableWriter};
/// let path = std::env::temp_dir().join(format!("aquifer-doc-writer-{}.npy", std::process::id()));
/// let x = faer::Mat::from_fn(10, 2, |t, j| (t + j) as f64);
/// let mut w = TableWriter::create(&path, &["a".into(), "b".into()], (10, 2))?;
/// w.push(x.subrows(0, 4))?;
/// w.push(x.subrows(4, 6))?;
/// w.finish()?;
/// assert_eq!(read_table(&path)?.data, x);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), aquifer::Error>(())
/// ```
#[derive(Debug)]
pub struct TableWriter {
    out: AtomicFile,
    encoder: Encoder,
    sink: Sink,
    rows: usize,
    cols: usize,
    written: usize,
}

impl TableWriter {
    /// Starts a file of `rows x cols` values at `path`, with the column names `names` (as many
    /// as columns, or none).
    pub fn create(
        path: impl AsRef<Path>,
        names: &[String],
        (rows, cols): (usize, usize),
    ) -> Result<Self> {
        let path = path.as_ref();
        if !names.is_empty() && names.len() != cols {
            return Err(Error::shape(
                "column names",
                format!("{cols} names"),
                format!("{} names", names.len()),
            ));
        }
        let out = AtomicFile::create(path)?;
        let sink = Sink::default();
        let encoder = Encoder::new(
            sink.clone(),
            names,
            (rows, cols),
            TableFormat::of_path(path),
        )
        .map_err(|e| out.error(e))?;
        let mut w = TableWriter {
            out,
            encoder,
            sink,
            rows,
            cols,
            written: 0,
        };
        w.drain()?;
        Ok(w)
    }

    /// Appends rows (`k x names.len()`).
    pub fn push(&mut self, block: MatRef<'_, f64>) -> Result<()> {
        if block.ncols() != self.cols || self.written + block.nrows() > self.rows {
            return Err(Error::shape(
                "rows written to a table",
                format!("{} rows of {} columns in all", self.rows, self.cols),
                format!(
                    "{} more rows of {} columns after {}",
                    block.nrows(),
                    block.ncols(),
                    self.written
                ),
            ));
        }
        // a few hundred kilobytes at a time from the encoder to the file
        let step = (DRAIN_VALUES / self.cols.max(1)).max(1);
        for at in (0..block.nrows()).step_by(step) {
            let rows = block.subrows(at, step.min(block.nrows() - at));
            self.encoder.push(rows).map_err(|e| self.out.error(e))?;
            self.drain()?;
        }
        self.written += block.nrows();
        Ok(())
    }

    /// Completes the file: every announced row must have been written.
    pub fn finish(self) -> Result<()> {
        Self::finish_all(vec![self])
    }

    /// Completes several files together: each is flushed to disk first, then all are put in
    /// place, so that an error in one leaves none of them.
    pub fn finish_all(writers: Vec<TableWriter>) -> Result<()> {
        let mut done = Vec::with_capacity(writers.len());
        for mut w in writers {
            if w.written != w.rows {
                return Err(Error::shape(
                    "rows written to a table",
                    format!("{} rows", w.rows),
                    format!("{} rows", w.written),
                ));
            }
            let encoder = std::mem::replace(&mut w.encoder, Encoder::Done);
            encoder.finish().map_err(|e| w.out.error(e))?;
            w.drain()?;
            w.out.file().sync_all().map_err(|e| w.out.error(e))?;
            done.push(w.out);
        }
        for out in done {
            out.commit()?;
        }
        Ok(())
    }

    /// Moves the encoded bytes to the file.
    fn drain(&mut self) -> Result<()> {
        let bytes = self.sink.take();
        let mut file = self.out.file();
        file.write_all(&bytes).map_err(|e| self.out.error(e))
    }
}

/// Where an encoder puts its bytes, taken out by its owner after each block (the encoders own
/// their writer and would drop unflushed bytes with it).
#[derive(Debug, Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Sink {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut v = self.0.lock().unwrap_or_else(|e| e.into_inner());
        v.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Rows of a series encoded as CSV or `.npy`.
enum Encoder {
    Csv(Box<csv::Writer<Sink>>),
    Npy(npyz::NpyWriter<f64, Sink>),
    Done,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Encoder::Csv(_) => "Encoder::Csv",
            Encoder::Npy(_) => "Encoder::Npy",
            Encoder::Done => "Encoder::Done",
        })
    }
}

impl Encoder {
    /// Writes the header: CSV column names (if any), or the `.npy` shape.
    fn new(
        sink: Sink,
        names: &[String],
        (rows, cols): (usize, usize),
        format: TableFormat,
    ) -> std::io::Result<Self> {
        Ok(match format {
            TableFormat::Npy => {
                use npyz::WriterBuilder;
                let w = npyz::WriteOptions::<f64>::new()
                    .default_dtype()
                    .shape(&[rows as u64, cols as u64])
                    .writer(sink)
                    .begin_nd()?;
                Encoder::Npy(w)
            }
            TableFormat::Csv => {
                let mut w = csv::Writer::from_writer(sink);
                if !names.is_empty() {
                    w.write_record(names).map_err(std::io::Error::other)?;
                }
                w.flush()?;
                Encoder::Csv(Box::new(w))
            }
        })
    }

    /// Appends rows.
    fn push(&mut self, data: MatRef<'_, f64>) -> std::io::Result<()> {
        match self {
            Encoder::Npy(w) => {
                for i in 0..data.nrows() {
                    for j in 0..data.ncols() {
                        w.push(&data[(i, j)])?;
                    }
                }
            }
            Encoder::Csv(w) => {
                for i in 0..data.nrows() {
                    // `{:?}` prints the shortest decimal that reads back to the same bits
                    w.write_record((0..data.ncols()).map(|j| format!("{:?}", data[(i, j)])))
                        .map_err(std::io::Error::other)?;
                }
                w.flush()?;
            }
            Encoder::Done => unreachable!("no rows after finish"),
        }
        Ok(())
    }

    /// Completes the encoding (the `.npy` writer checks the count of values).
    fn finish(self) -> std::io::Result<()> {
        match self {
            Encoder::Npy(w) => w.finish(),
            Encoder::Csv(mut w) => w.flush(),
            Encoder::Done => Ok(()),
        }
    }
}

pub(crate) fn csv_from_bytes(
    bytes: &[u8],
    header: Header,
) -> std::result::Result<(Vec<String>, Mat<f64>), String> {
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
        let is_header = match header {
            Header::Auto => record.iter().all(|f| f.parse::<f64>().is_err()),
            Header::Yes => true,
            Header::No => false,
        };
        if is_first && is_header {
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
                } else if field.contains([';', '\t']) {
                    format!(
                        "line {line}, column {}: `{field}` is not a number (fields are \
                         separated by commas; this file seems to use semicolons or tabs)",
                        j + 1
                    )
                } else {
                    format!("line {line}, column {}: `{field}` is not a number", j + 1)
                }
            })?;
            if v.is_infinite() && !field.to_ascii_lowercase().contains("inf") {
                return Err(format!(
                    "line {line}, column {}: `{field}` overflows a 64-bit float (magnitude \
                     above 1.8e308)",
                    j + 1
                ));
            }
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

/// Refuses a `.npy` header that a plain numeric array never has, before the header parser sees
/// it: that parser reads general Python literals, and its time grows exponentially with nesting
/// (a 291-byte header of nested `[` took over 500 s). A numeric array's header is one dictionary
/// holding a type string, a boolean and one tuple of integers: no list, nothing deeper.
fn check_npy_header(bytes: &[u8]) -> std::result::Result<(), String> {
    const MAGIC: &[u8] = b"\x93NUMPY";
    if bytes.len() < 12 || !bytes.starts_with(MAGIC) {
        return Ok(()); // too short or not .npy: the parser says so
    }
    let (len, start): (usize, usize) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        _ => {
            let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            (usize::try_from(len).unwrap_or(usize::MAX), 12)
        }
    };
    let header = &bytes[start..start.saturating_add(len).min(bytes.len())];
    let mut depth = 0usize;
    for &c in header {
        match c {
            b'[' => {
                return Err(
                    "not a valid .npy file: its header holds a list or a bracketed \
                            type (a structured, nested or date type); plain numeric arrays only"
                        .into(),
                )
            }
            b'{' | b'(' => {
                depth += 1;
                if depth > 2 {
                    return Err(
                        "not a valid .npy file: its header nests brackets more than two deep"
                            .into(),
                    );
                }
            }
            b'}' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

pub(crate) fn npy_from_bytes(bytes: &[u8]) -> std::result::Result<Mat<f64>, String> {
    check_npy_header(bytes)?;
    let file = npyz::NpyFile::new(bytes).map_err(|e| {
        // the parser's message may draw the header over several lines: one line here
        let text = e.to_string();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        format!("not a valid .npy file: {text}")
    })?;
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
    if cols == 0 {
        return Err(format!(
            "an array of shape {shape:?} has no columns: a series needs at least one feature"
        ));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_table_written_in_blocks_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let x = Mat::from_fn(7, 3, |t, j| (t as f64 - 2.5) * 0.1f64.powi(j as i32));
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        for name in ["x.csv", "x.npy"] {
            let mut w = TableWriter::create(d.join(name), &names, (7, 3)).unwrap();
            for (at, k) in [(0, 2), (2, 0), (2, 5)] {
                w.push(x.subrows(at, k)).unwrap();
            }
            // more rows than announced, or other columns, are refused
            assert!(w.push(x.subrows(0, 1)).is_err());
            assert!(w.push(x.subcols(0, 2).subrows(0, 0)).is_err());
            w.finish().unwrap();
            let back = read_table(d.join(name)).unwrap();
            assert_eq!(back.data, x);
            if name.ends_with("csv") {
                assert_eq!(back.names, names);
            }
            // the bytes of a whole write
            let bytes = table_bytes(&names, x.as_ref(), TableFormat::of_path(Path::new(name)));
            assert_eq!(std::fs::read(d.join(name)).unwrap(), bytes.unwrap());
        }
        assert_eq!(files(d), ["x.csv", "x.npy"]);
        // abandoned, short, or one of several failing: nothing new appears, nothing is replaced
        let w = TableWriter::create(d.join("y.csv"), &names, (7, 3)).unwrap();
        drop(w);
        let mut short = TableWriter::create(d.join("x.npy"), &names, (7, 3)).unwrap();
        short.push(x.subrows(0, 3)).unwrap();
        assert!(short.finish().is_err());
        let mut full = TableWriter::create(d.join("z.csv"), &names, (1, 3)).unwrap();
        full.push(x.subrows(0, 1)).unwrap();
        let short = TableWriter::create(d.join("w.npy"), &names, (2, 3)).unwrap();
        assert!(TableWriter::finish_all(vec![full, short]).is_err());
        assert_eq!(files(d), ["x.csv", "x.npy"]);
        assert_eq!(read_table(d.join("x.npy")).unwrap().data, x);
    }

    #[test]
    fn csv_header_is_detected_and_values_are_checked() {
        let (names, m) = csv_from_bytes(b"a,b\n1,2\n# note\n3,4.5\n", Header::Auto).unwrap();
        assert_eq!(names, ["a", "b"]);
        assert_eq!((m.nrows(), m.ncols()), (2, 2));
        assert_eq!(m[(1, 1)], 4.5);
        let (names, m) = csv_from_bytes(b"1,2\n3,4\n", Header::Auto).unwrap();
        assert_eq!(names, ["0", "1"]);
        assert_eq!(m[(1, 0)], 3.0);
        let e = csv_from_bytes(b"a,b\n1,2\n3,x\n", Header::Auto).unwrap_err();
        assert_eq!(e, "line 3, column 2: `x` is not a number");
        let e = csv_from_bytes(b"1,2\n3,NaN\n", Header::Auto).unwrap_err();
        assert!(
            e.starts_with("line 2, column 2: non-finite value NaN"),
            "{e}"
        );
        let e = csv_from_bytes(b"1,2\n3\n", Header::Auto).unwrap_err();
        assert_eq!(e, "line 2: 1 fields where the first row has 2");
        let e = csv_from_bytes(b"1,2\n3,\n", Header::Auto).unwrap_err();
        assert_eq!(e, "line 2, column 2: empty value");
    }

    #[test]
    fn a_first_line_is_a_header_only_when_none_of_its_fields_is_a_number() {
        // a malformed number in an otherwise numeric first line is an error, not a header
        let e = csv_from_bytes(b"1,\n2,3\n", Header::Auto).unwrap_err();
        assert_eq!(e, "line 1, column 2: empty value");
        let e = csv_from_bytes(b"1.2.3,4\n5,6\n", Header::Auto).unwrap_err();
        assert_eq!(e, "line 1, column 1: `1.2.3` is not a number");
        // a header of numbers, as pandas writes, is data unless said otherwise
        let (names, m) = csv_from_bytes(b"0,1\n5,6\n", Header::Auto).unwrap();
        assert_eq!((names, m.nrows()), (vec!["0".to_string(), "1".into()], 2));
        let (names, m) = csv_from_bytes(b"0,1\n5,6\n", Header::Yes).unwrap();
        assert_eq!((names, m.nrows()), (vec!["0".to_string(), "1".into()], 1));
        assert_eq!(m[(0, 1)], 6.0);
        let e = csv_from_bytes(b"1e400,2\n", Header::Auto).unwrap_err();
        assert!(
            e.starts_with("line 1, column 1: `1e400` overflows a 64-bit float"),
            "{e}"
        );
        let e = csv_from_bytes(b"a;b\n1;2\n", Header::Auto).unwrap_err();
        assert!(e.contains("seems to use semicolons"), "{e}");
        let e = csv_from_bytes(b"a,b\n5,6\n", Header::No).unwrap_err();
        assert_eq!(e, "line 1, column 1: `a` is not a number");
        assert_eq!("YES".parse::<Header>(), Ok(Header::Yes));
        assert!("maybe".parse::<Header>().is_err());
    }

    #[test]
    fn a_hostile_npy_header_is_refused_at_once() {
        // found by fuzzing: nested brackets in the header dictionary made the parser take
        // minutes
        let header = format!(
            "{{'descr': '<f{}8', 'fortran_order': False, 'shape': (30, 2, {}), }}",
            "[".repeat(40),
            "[".repeat(60)
        );
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        let start = std::time::Instant::now();
        let e = npy_from_bytes(&bytes).unwrap_err();
        assert!(e.contains("header holds a list"), "{e}");
        let deep = "{'descr': '<f8', 'fortran_order': False, 'shape': ((((30,),),),), }";
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(deep.len() as u16).to_le_bytes());
        bytes.extend_from_slice(deep.as_bytes());
        let e = npy_from_bytes(&bytes).unwrap_err();
        assert!(e.contains("more than two deep"), "{e}");
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn npy_round_trip_and_fortran_order() {
        let dir = std::env::temp_dir().join(format!("aquifer-npy-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("m.npy");
        let m = Mat::from_fn(3, 2, |i, j| (i * 10 + j) as f64 + 0.25);
        write_table(&p, &[], m.as_ref()).unwrap();
        let back = read_table(&p).unwrap();
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
