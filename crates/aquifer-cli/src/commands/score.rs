//! `aquifer score`: how well a model file does on series whose answers are known.
//!
//! A classifier (`fit --classes`) is scored by its accuracy over the files (one series each,
//! its class read from the class columns it was trained on) and a confusion matrix. Any other
//! ESN or graph is scored on its targets, read by the names and horizon recorded at `fit` (or
//! given): NRMSE (by the truth's standard deviation), RMSE and R² per target, over every file's
//! steps after the warm-up.

use crate::classes::{confusion_table, label_of};
use crate::error::{Error, Result};
use crate::table::Table;
use crate::trained::{load, unfitted, Loaded, Training};
use aquifer::faer::Mat;
use aquifer::metrics::Confusion;
use std::path::PathBuf;

/// Arguments of `aquifer score`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// The series to score on (CSV or .npy), one per file, each holding its answers: the class
    /// columns of a classifier, or the target columns.
    #[arg(required = true)]
    pub data: Vec<PathBuf>,
    /// Input columns, chosen as for `run` (default: the columns named as in the training files,
    /// or every column).
    #[arg(long)]
    pub inputs: Option<String>,
    /// Target columns, chosen as --inputs (default: those the model was fitted on).
    #[arg(long)]
    pub targets: Option<String>,
    /// Targets are this many steps after the inputs (default: as fitted).
    #[arg(long)]
    pub horizon: Option<usize>,
    /// Steps not scored at the start of each series (default: the warm-up of the fit).
    #[arg(long)]
    pub warmup: Option<usize>,
    /// For a classifier: a series' class is the one with the largest mean score over its last
    /// K steps (default: as fitted).
    #[arg(long, value_name = "K")]
    pub last: Option<usize>,
    /// Start every series from the zero state (the default for a model fitted on several series).
    #[arg(long, conflicts_with = "keep_state")]
    pub reset: bool,
    /// Start every series from the saved state (the end of the last training series).
    #[arg(long = "continue")]
    pub keep_state: bool,
}

/// Scores the model and prints the result.
pub fn run(args: &Args) -> Result<()> {
    score(args).map_err(|e| unfitted(&args.model, e))
}

fn score(args: &Args) -> Result<()> {
    if args.last == Some(0) {
        return Err(Error::usage("--last must be at least 1 step"));
    }
    let (mut loaded, training) = load(&args.model)?;
    let (from_zero, note) = training.starts_from_zero(args.reset, args.keep_state);
    if from_zero {
        loaded.reset();
    }
    match &training.classes {
        Some(_) => classification(args, &mut loaded, &training)?,
        None => regression(args, &mut loaded, &training)?,
    }
    if let Some(note) = note {
        eprintln!("{note}");
    }
    Ok(())
}

fn classification(args: &Args, loaded: &mut Loaded, training: &Training) -> Result<()> {
    let classes = training.classes.as_ref().expect("a classifier");
    if args.targets.is_some() || args.horizon.is_some() || args.warmup.is_some() {
        return Err(Error::usage(
            "--targets, --horizon and --warmup score a forecaster; a classifier is scored on \
             its class columns",
        ));
    }
    let last = args.last.or(classes.last);
    let mut truth = Vec::with_capacity(args.data.len());
    let decided = super::predict::classify_files(
        loaded,
        training,
        classes,
        &args.data,
        args.inputs.as_deref(),
        last,
        |t: &Table| {
            let label = label_of(t, &classes.columns_in(t)?)?;
            truth.push(classes.index(&label, &t.path)?);
            Ok(())
        },
    )?;
    let predicted: Vec<usize> = decided.iter().map(|d| d.class).collect();
    let confusion = Confusion::new(&truth, &predicted, classes.names.len())?;
    println!(
        "accuracy {:.2}% ({} of {} series; classes decided over {})",
        100.0 * confusion.accuracy(),
        confusion.correct(),
        confusion.total(),
        last.map_or("every step".to_string(), |k| format!("the last {k} steps"))
    );
    print!("{}", confusion_table(&confusion, &classes.names));
    Ok(())
}

/// Running sums of one target column: its mean and spread (Welford), and the squared error.
#[derive(Debug, Default, Clone)]
struct Column {
    n: f64,
    mean: f64,
    m2: f64,
    sse: f64,
}

impl Column {
    fn push(&mut self, y: f64, y_hat: f64) {
        self.n += 1.0;
        let d = y - self.mean;
        self.mean += d / self.n;
        self.m2 += d * (y - self.mean);
        self.sse += (y - y_hat).powi(2);
    }

    fn merge(&mut self, o: &Column) {
        let n = self.n + o.n;
        if n == 0.0 {
            return;
        }
        let d = o.mean - self.mean;
        self.m2 += o.m2 + d * d * self.n * o.n / n;
        self.mean += d * o.n / n;
        self.n = n;
        self.sse += o.sse;
    }

    /// (NRMSE by the standard deviation, RMSE, R²).
    fn scores(&self) -> (f64, f64, f64) {
        let rmse = (self.sse / self.n).sqrt();
        let std = (self.m2 / self.n).sqrt();
        (rmse / std, rmse, 1.0 - self.sse / self.m2)
    }
}

fn regression(args: &Args, loaded: &mut Loaded, training: &Training) -> Result<()> {
    let horizon = args.horizon.or(training.horizon).unwrap_or(0);
    let warmup = args.warmup.or(training.warmup).unwrap_or(0);
    let target_spec = match (&args.targets, &training.targets) {
        (Some(spec), _) => Some(spec.clone()),
        (None, Some(names)) => Some(names.join(",")),
        // unnamed training columns: as `fit`, the targets default to the inputs
        (None, None) => args.inputs.clone(),
    };
    if target_spec.is_none() && horizon == 0 {
        return Err(Error::usage(
            "the model does not record its targets: name them with --targets (and --horizon)",
        ));
    }
    let width = loaded.input_dim();
    let spec = args.inputs.as_deref();
    let mut columns: Vec<Column> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let (mut series, mut steps) = (0, 0);
    let input = |t: &Table| -> Result<Mat<f64>> {
        let rows = t.data.nrows();
        if rows <= horizon + warmup {
            return Err(Error::data(
                &t.path,
                format!(
                    "{rows} rows: too short for a horizon of {horizon} and a warm-up of {warmup}"
                ),
            ));
        }
        let x = training.select(t, width, spec, "input")?;
        Ok(x.subrows(0, rows - horizon).to_owned())
    };
    super::predict::in_batches(loaded, None, &args.data, input, |tables, _, _, outs| {
        for (t, y_hat) in tables.iter().zip(outs) {
            let tc = t.select(target_spec.as_deref())?;
            if tc.len() != y_hat.ncols() {
                return Err(Error::data(
                    &t.path,
                    format!(
                        "{} target columns selected, the model gives {} outputs; choose them \
                         with --targets",
                        tc.len(),
                        y_hat.ncols()
                    ),
                ));
            }
            if columns.is_empty() {
                columns = vec![Column::default(); tc.len()];
                names = tc.iter().map(|&j| t.names[j].clone()).collect();
            }
            let y = t.columns(&tc, horizon, t.data.nrows());
            for (j, c) in columns.iter_mut().enumerate() {
                for i in warmup..y.nrows() {
                    c.push(y[(i, j)], y_hat[(i, j)]);
                }
            }
            series += 1;
            steps += y.nrows() - warmup;
        }
        Ok(())
    })?;
    println!(
        "scored {series} series ({steps} steps after a warm-up of {warmup} each, horizon {horizon})"
    );
    let width = names.iter().map(String::len).max().unwrap_or(0).max(7);
    println!(
        "{:<width$} {:>12} {:>12} {:>12}",
        "target", "NRMSE", "RMSE", "R2"
    );
    let mut pooled = Column::default();
    for (name, c) in names.iter().zip(&columns) {
        let (nrmse, rmse, r2) = c.scores();
        println!("{name:<width$} {nrmse:>12.4e} {rmse:>12.4e} {r2:>12.6}");
        pooled.merge(c);
    }
    if columns.len() > 1 {
        // pooled as ReservoirPy's metrics pool: every value of every target
        let (nrmse, rmse, r2) = pooled.scores();
        println!(
            "{:<width$} {nrmse:>12.4e} {rmse:>12.4e} {r2:>12.6}",
            "(pooled)"
        );
    }
    Ok(())
}
