//! `aquifer run` and `aquifer predict`: a model file over one series or many.
//!
//! One long series streams through the model chunk by chunk, its predictions (and states)
//! written as they come. Several files are several series, each from the same start state,
//! run in parallel in batches; their outputs go to a folder (one file per input) or to one
//! file with a first column `series`. `predict` on a classifier writes one class per file.

use crate::classes::Classes;
use crate::error::{Error, Result};
use crate::outputs::{self, Folder, Kind};
use crate::table::{self, numbered, Table};
use crate::trained::{load, unfitted, Loaded, Training};
use aquifer::faer::Mat;
use aquifer::io::{table_bytes, TableFormat, TableWriter};
use aquifer::model::Esn;
use std::path::{Path, PathBuf};

/// Arguments of `aquifer run` and `aquifer predict`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The model file (an ESN, or a graph saved with `Model::save`).
    pub model: PathBuf,
    /// The input series (CSV or .npy): one file, or several, each a series of its own started
    /// from the same state (run in parallel).
    #[arg(required = true)]
    pub data: Vec<PathBuf>,
    /// Input columns: names, 0-based indices or ranges `first:last` of either (`c0:c11`),
    /// comma-separated (default: the columns named as in the training files, or every column).
    #[arg(long)]
    pub inputs: Option<String>,
    /// Where to write the predictions (CSV or .npy). With several input files: a folder (one
    /// file per input, named as it), or one .csv/.npy file whose first column `series` numbers
    /// the inputs from 0. `predict` with a classifier writes one row per input file (CSV):
    /// the file, its class and each class's score.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Also write the reservoir states (one column per unit) to this file (with several input
    /// files: a folder or one file, as --out).
    #[arg(long)]
    pub states: Option<PathBuf>,
    /// For a classifier: a series' class is the one with the largest mean score over its last
    /// K steps (default: as `fit --last` set it, or every step).
    #[arg(long, value_name = "K")]
    pub last: Option<usize>,
    /// Start from the zero state instead of the saved one (the end of training). The default
    /// for a model fitted on several series (each started from zero).
    #[arg(long, conflicts_with = "keep_state")]
    pub reset: bool,
    /// Continue from the saved state (the end of the last training series) even for a model
    /// fitted on several series.
    #[arg(long = "continue")]
    pub keep_state: bool,
}

/// What is written: every step's outputs, or (`predict` on a classifier) one class per series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `aquifer run`: the outputs at every step.
    Run,
    /// `aquifer predict`: as `run`, or classes for a classifier.
    Predict,
}

/// Runs the model over the series and writes what `mode` asks for.
pub fn run(args: &RunArgs, mode: Mode) -> Result<()> {
    run_model(args, mode).map_err(|e| unfitted(&args.model, e))
}

/// Series read and run together at most: this many files, or about this many rows.
const BATCH_FILES: usize = 256;
const BATCH_ROWS: usize = 1 << 18;

/// Runs `loaded` over the series of `files` in batches (memory bounded by a batch; the
/// series of a batch run in parallel), each from the model's current state: `input` makes a
/// file's input series, `each` receives a batch's tables, their input series, the output
/// columns' names and the outputs.
pub fn in_batches(
    loaded: &mut Loaded,
    classes: Option<&Classes>,
    files: &[PathBuf],
    input: impl Fn(&Table) -> Result<Mat<f64>>,
    mut each: impl FnMut(&[Table], &[Mat<f64>], &[String], Vec<Mat<f64>>) -> Result<()>,
) -> Result<()> {
    let mut tables = Vec::new();
    let mut xs = Vec::new();
    let mut rows = 0;
    for (k, path) in files.iter().enumerate() {
        let t = table::read(path)?;
        let x = input(&t)?;
        rows += x.nrows();
        tables.push(t);
        xs.push(x);
        if k + 1 == files.len() || tables.len() >= BATCH_FILES || rows >= BATCH_ROWS {
            let (names, outs) = loaded.run_many(&xs, classes)?;
            each(&tables, &xs, &names, outs)?;
            tables.clear();
            xs.clear();
            rows = 0;
        }
    }
    Ok(())
}

fn run_model(args: &RunArgs, mode: Mode) -> Result<()> {
    if args.last == Some(0) {
        return Err(Error::usage("--last must be at least 1 step"));
    }
    let (mut loaded, training) = load(&args.model)?;
    let classes = training.classes.clone();
    match (&classes, mode) {
        (Some(c), Mode::Predict) => return predict_classes(args, loaded, &training, c),
        (None, _) if args.last.is_some() => {
            return Err(Error::usage(format!(
                "--last: {} is not a classifier (fit one with `fit --classes`)",
                args.model.display()
            )))
        }
        (Some(_), Mode::Run) if args.last.is_some() => {
            return Err(Error::usage(
                "--last chooses the steps that decide a class: use it with `predict` or `score`",
            ))
        }
        _ => {}
    }
    if matches!(loaded, Loaded::Graph(_)) && args.states.is_some() {
        return Err(Error::Usage(
            "--states needs an ESN model file; a graph's node states are read from Rust".into(),
        ));
    }
    let (from_zero, note) = training.starts_from_zero(args.reset, args.keep_state);
    if from_zero {
        loaded.reset();
    }
    match loaded {
        Loaded::Esn(esn) if args.data.len() == 1 => {
            stream_one(args, *esn, &training, classes.as_ref())?
        }
        loaded => run_files(args, loaded, &training, classes.as_ref())?,
    }
    if let Some(note) = note {
        eprintln!("{note}");
    }
    Ok(())
}

/// One series through an ESN: predictions and states go to their files chunk by chunk, never
/// all held at once.
fn stream_one(
    args: &RunArgs,
    mut esn: Esn,
    training: &Training,
    classes: Option<&Classes>,
) -> Result<()> {
    let mut written = vec![(args.out.as_path(), Kind::Series, "--out")];
    if let Some(states) = &args.states {
        written.push((states, Kind::Series, "--states"));
    }
    outputs::check(&[&args.model, &args.data[0]], &written)?;
    let x = training.read(
        &args.data[0],
        esn.input_dim(),
        args.inputs.as_deref(),
        "input",
    )?;
    let rows = x.nrows();
    let (outputs, units) = (esn.output_dim(), esn.reservoir().units());
    let names = classes.map_or_else(|| numbered("y", outputs), |c| c.names.clone());
    let mut pred_out = TableWriter::create(&args.out, &names, (rows, outputs))?;
    let mut states_out = match &args.states {
        Some(path) => Some(TableWriter::create(
            path,
            &numbered("x", units),
            (rows, units),
        )?),
        None => None,
    };
    esn.run_in_chunks(&x, |pred, states| {
        pred_out.push(pred)?;
        match &mut states_out {
            Some(w) => w.push(states),
            None => Ok(()),
        }
    })?;
    TableWriter::finish_all(std::iter::once(pred_out).chain(states_out).collect())?;
    println!(
        "wrote {rows} x {outputs} predictions to {}",
        args.out.display()
    );
    if let Some(path) = &args.states {
        println!("wrote {rows} x {units} states to {}", path.display());
    }
    Ok(())
}

/// Where the outputs of several series go.
enum Sink {
    /// One file per series, named as its input, in a folder.
    Folder(Folder),
    /// One file, the series one after the other, numbered in a first column `series`.
    Combined {
        path: PathBuf,
        names: Vec<String>,
        parts: Vec<Mat<f64>>,
    },
}

/// The two kinds of [`Sink`].
enum SinkKind {
    Folder,
    Combined,
}

impl Sink {
    /// Whether `path` names one file (`.csv`, `.txt`, `.npy`) or a folder.
    fn new_kind(path: &Path) -> SinkKind {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("csv" | "txt" | "npy") => SinkKind::Combined,
            _ => SinkKind::Folder,
        }
    }

    /// A folder, or one file when `path` names a series file (`.csv`, `.txt`, `.npy`).
    fn new(path: &Path, option: &str, inputs: &[PathBuf]) -> Result<Self> {
        if let SinkKind::Combined = Sink::new_kind(path) {
            let read: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
            outputs::check(&read, &[(path, Kind::Series, option)])?;
            return Ok(Sink::Combined {
                path: path.to_path_buf(),
                names: Vec::new(),
                parts: Vec::new(),
            });
        }
        if path.extension().is_some() && !path.is_dir() {
            return Err(Error::usage(format!(
                "{option} {}: several series go to a folder (a name without extension) or to \
                 one .csv or .npy file",
                path.display()
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for input in inputs {
            let name = input.file_name().unwrap_or_default();
            if !seen.insert(name) {
                return Err(Error::usage(format!(
                    "{option} {}: two inputs are named {}; write to one file instead \
                     ({option} NAME.csv)",
                    path.display(),
                    name.to_string_lossy()
                )));
            }
        }
        Ok(Sink::Folder(Folder::create(path, option)?))
    }

    /// Takes the output of the series read from `input`, the `series`-th.
    fn push(
        &mut self,
        input: &Path,
        series: usize,
        names: &[String],
        data: Mat<f64>,
    ) -> Result<()> {
        match self {
            Sink::Folder(folder) => {
                let name = input.file_name().unwrap_or_default();
                table::write(&folder.join(name), names, &data)
            }
            Sink::Combined {
                names: all, parts, ..
            } => {
                if all.is_empty() {
                    all.push("series".to_string());
                    all.extend(names.iter().cloned());
                }
                let numbered = Mat::from_fn(data.nrows(), data.ncols() + 1, |i, j| match j {
                    0 => series as f64,
                    _ => data[(i, j - 1)],
                });
                parts.push(numbered);
                Ok(())
            }
        }
    }

    /// The combined file's path and bytes (written with the other outputs), or the folder to
    /// commit.
    fn finish(self) -> Result<Finished> {
        match self {
            Sink::Folder(folder) => Ok(Finished::Folder(folder)),
            Sink::Combined { path, names, parts } => {
                let rows: usize = parts.iter().map(|p| p.nrows()).sum();
                let cols = names.len();
                crate::memory::check(
                    &format!("{rows} x {cols} outputs in one file"),
                    "--out",
                    crate::memory::values(rows, cols),
                )?;
                let mut all = Mat::zeros(rows, cols);
                let mut at = 0;
                for p in parts {
                    all.as_mut().subrows_mut(at, p.nrows()).copy_from(&p);
                    at += p.nrows();
                }
                let bytes = table_bytes(&names, all.as_ref(), TableFormat::of_path(&path))?;
                Ok(Finished::File(path, bytes))
            }
        }
    }
}

/// A finished output, waiting to be put in place with the others.
enum Finished {
    Folder(Folder),
    File(PathBuf, Vec<u8>),
}

/// Puts every finished output in place: the files together (all or none), then the folders.
fn commit(finished: Vec<Finished>) -> Result<()> {
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for f in finished {
        match f {
            Finished::File(path, bytes) => files.push((path, bytes)),
            Finished::Folder(folder) => folders.push(folder),
        }
    }
    let refs: Vec<(&Path, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_path(), b.as_slice()))
        .collect();
    aquifer::io::write_all_atomic(&refs)?;
    for folder in folders {
        folder.commit()?;
    }
    Ok(())
}

/// Several files (or one through a graph): outputs to a folder or one file.
fn run_files(
    args: &RunArgs,
    mut loaded: Loaded,
    training: &Training,
    classes: Option<&Classes>,
) -> Result<()> {
    let mut read: Vec<PathBuf> = args.data.clone();
    read.push(args.model.clone());
    let single = args.data.len() == 1;
    if single {
        // one series through a graph: its outputs to one file, without a series column
        outputs::check(
            &[&args.model, &args.data[0]],
            &[(&args.out, Kind::Series, "--out")],
        )?;
    }
    if let (Some(states), false) = (&args.states, single) {
        let files = |p: &Path| matches!(Sink::new_kind(p), SinkKind::Combined);
        if files(&args.out) && files(states) {
            let read: Vec<&Path> = read.iter().map(PathBuf::as_path).collect();
            outputs::check(
                &read,
                &[
                    (&args.out, Kind::Series, "--out"),
                    (states, Kind::Series, "--states"),
                ],
            )?;
        }
    }
    let mut out = (!single)
        .then(|| Sink::new(&args.out, "--out", &read))
        .transpose()?;
    let mut states = match (&args.states, single) {
        (Some(path), false) => Some(Sink::new(path, "--states", &read)?),
        _ => None,
    };
    if let (Some(Sink::Folder(a)), Some(Sink::Folder(b))) = (&out, &states) {
        if a.path() == b.path() {
            return Err(Error::usage("--out and --states both name one folder"));
        }
    }
    let width = loaded.input_dim();
    let start = match &loaded {
        Loaded::Esn(esn) => Some((**esn).clone()),
        Loaded::Graph(_) => None,
    };
    let output_nodes = match &loaded {
        Loaded::Graph(model) => model.output_names().join(", "),
        Loaded::Esn(_) => String::new(),
    };
    let spec = args.inputs.as_deref();
    let mut series = 0;
    let mut shape = (0, 0);
    in_batches(
        &mut loaded,
        classes,
        &args.data,
        |t| training.select(t, width, spec, "input"),
        |tables, xs, names, outs| {
            for ((t, x), y) in tables.iter().zip(xs).zip(outs) {
                shape = (shape.0 + y.nrows(), y.ncols());
                match &mut out {
                    Some(sink) => sink.push(&t.path, series, names, y)?,
                    None => table::write(&args.out, names, &y)?,
                }
                if let (Some(sink), Some(esn)) = (&mut states, &start) {
                    let (_, s) = esn.clone().run_with_states(x)?;
                    sink.push(&t.path, series, &numbered("x", s.ncols()), s)?;
                }
                series += 1;
            }
            Ok(())
        },
    )?;
    let finished: Vec<Finished> = out
        .into_iter()
        .chain(states)
        .map(Sink::finish)
        .collect::<Result<_>>()?;
    commit(finished)?;
    if single {
        println!(
            "wrote {} x {} outputs ({output_nodes}) to {}",
            shape.0,
            shape.1,
            args.out.display()
        );
    } else {
        println!(
            "wrote the outputs of {series} series ({} rows of {} columns) to {}",
            shape.0,
            shape.1,
            args.out.display()
        );
        if let Some(path) = &args.states {
            println!("wrote their states to {}", path.display());
        }
    }
    Ok(())
}

/// `predict` with a classifier: one row per input file, its class and each class's score.
fn predict_classes(
    args: &RunArgs,
    mut loaded: Loaded,
    training: &Training,
    classes: &Classes,
) -> Result<()> {
    if args.states.is_some() {
        return Err(Error::usage(
            "--states: `predict` with a classifier writes one class per series; \
             `run --states` writes the states",
        ));
    }
    if table::is_npy(&args.out) {
        return Err(Error::usage(format!(
            "--out {}: classes are written as CSV (they name files and classes)",
            args.out.display()
        )));
    }
    let mut read: Vec<&Path> = args.data.iter().map(PathBuf::as_path).collect();
    read.push(&args.model);
    outputs::check(&read, &[(&args.out, Kind::Series, "--out")])?;
    let (from_zero, note) = training.starts_from_zero(args.reset, args.keep_state);
    if from_zero {
        loaded.reset();
    }
    let last = args.last.or(classes.last);
    let decided = classify_files(
        &mut loaded,
        training,
        classes,
        &args.data,
        args.inputs.as_deref(),
        last,
        |_| Ok(()),
    )?;
    let mut csv = String::from("file,class");
    for name in &classes.names {
        csv.push(',');
        csv.push_str(&csv_field(name));
    }
    csv.push('\n');
    let mut counts = vec![0usize; classes.names.len()];
    for (path, d) in args.data.iter().zip(&decided) {
        counts[d.class] += 1;
        csv.push_str(&csv_field(&path.display().to_string()));
        csv.push(',');
        csv.push_str(&csv_field(&classes.names[d.class]));
        for s in &d.scores {
            csv.push_str(&format!(",{s}"));
        }
        csv.push('\n');
    }
    aquifer::io::write_atomic(&args.out, csv.as_bytes())?;
    let summary: Vec<String> = classes
        .names
        .iter()
        .zip(&counts)
        .filter(|(_, &n)| n > 0)
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    println!(
        "wrote the classes of {} series to {} ({})",
        decided.len(),
        args.out.display(),
        summary.join(", ")
    );
    if let Some(note) = note {
        eprintln!("{note}");
    }
    Ok(())
}

/// A series' class and each class's mean score.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The class chosen.
    pub class: usize,
    /// Each class's mean score over the deciding steps.
    pub scores: Vec<f64>,
}

/// The class of each file's series (its inputs chosen by `spec` or by the training columns),
/// decided over the last `last` steps; `table` sees each file's table (to read its truth).
pub fn classify_files(
    loaded: &mut Loaded,
    training: &Training,
    classes: &Classes,
    files: &[PathBuf],
    spec: Option<&str>,
    last: Option<usize>,
    mut table: impl FnMut(&Table) -> Result<()>,
) -> Result<Vec<Decided>> {
    let width = loaded.input_dim();
    let mut decided = Vec::with_capacity(files.len());
    in_batches(
        loaded,
        Some(classes),
        files,
        |t| training.select(t, width, spec, "input"),
        |tables, _, _, outs| {
            for (t, scores) in tables.iter().zip(outs) {
                table(t)?;
                if scores.ncols() != classes.names.len() {
                    return Err(Error::usage(format!(
                        "the model has {} outputs but records {} classes",
                        scores.ncols(),
                        classes.names.len()
                    )));
                }
                let means = aquifer::classify::mean_scores(&scores, last)?;
                decided.push(Decided {
                    class: aquifer::classify::argmax(means.iter().copied()),
                    scores: means,
                });
            }
            Ok(())
        },
    )?;
    Ok(decided)
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
