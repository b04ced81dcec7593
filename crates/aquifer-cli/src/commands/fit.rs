//! `aquifer fit`: a model from a TOML configuration and CSV/.npy training series.

use crate::classes::{label_of, Classes};
use crate::config::{self, Network};
use crate::error::{Error, Result};
use crate::outputs::{self, Kind};
use crate::progress;
use crate::table::{self, Table};
use aquifer::faer::Mat;
use aquifer::model::Esn;
use aquifer::readout::RidgeStats;
use aquifer::traits::Stateful;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `aquifer fit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model configuration (TOML).
    #[arg(long, short)]
    pub config: PathBuf,
    /// Training files (CSV or .npy), one series each, one row per time step.
    #[arg(required = true)]
    pub data: Vec<PathBuf>,
    /// Input columns: names, 0-based indices or ranges `first:last` of either (`c0:c11`), comma-separated (default: every column).
    #[arg(long)]
    pub inputs: Option<String>,
    /// Target columns, chosen as --inputs (default: the input columns, which then needs
    /// --horizon >= 1).
    #[arg(long)]
    pub targets: Option<String>,
    /// Targets are taken this many steps after the inputs (1 = one-step-ahead forecasting).
    #[arg(long, default_value_t = 0)]
    pub horizon: usize,
    /// Sequence classification: the columns that give each series' class, chosen as --inputs:
    /// one 0/1 column per class (`speaker0:speaker8`), or one column of whole-number labels.
    /// The readout learns the class at every step; `predict` gives one class per file and
    /// `score` counts them. Replaces --targets and --horizon.
    #[arg(long, conflicts_with_all = ["targets", "horizon"], value_name = "COLUMNS")]
    pub classes: Option<String>,
    /// With --classes: a series' class is the one with the largest mean readout output over its
    /// last K steps (default: over every step). `predict` and `score` can override it.
    #[arg(long, requires = "classes", value_name = "K")]
    pub last: Option<usize>,
    /// Where to write the model file.
    #[arg(long, short)]
    pub out: PathBuf,
}

/// Several series, one per file.
pub type Series = Vec<Mat<f64>>;

/// Series fitted together per batch of statistics.
pub const BATCH: usize = 8;

/// Input and target series from data files, with the names of the chosen columns.
#[derive(Debug)]
pub struct Pairs {
    /// One input series per file.
    pub xs: Series,
    /// One target series per file.
    pub ys: Series,
    /// The input columns' names (from the first file).
    pub input_names: Vec<String>,
    /// The target columns' names.
    pub target_names: Vec<String>,
}

/// Input series and one-hot class targets from data files (`fit --classes`), and the classes.
pub fn load_classified(
    files: &[PathBuf],
    inputs: Option<&str>,
    classes: &str,
    last: Option<usize>,
) -> Result<(Pairs, Classes)> {
    let tables = files
        .iter()
        .map(|f| table::read(f))
        .collect::<Result<Vec<_>>>()?;
    classified(&tables, inputs, classes, last)
}

/// Input series and one-hot class targets from tables (see [`load_classified`]).
pub fn classified(
    tables: &[Table],
    inputs: Option<&str>,
    classes: &str,
    last: Option<usize>,
) -> Result<(Pairs, Classes)> {
    if last == Some(0) {
        return Err(Error::usage("--last must be at least 1 step"));
    }
    let files: Vec<PathBuf> = tables.iter().map(|t| t.path.clone()).collect();
    let files = &files[..];
    let mut xs = Vec::with_capacity(files.len());
    let mut labels = Vec::with_capacity(files.len());
    let mut names: Option<(Vec<String>, Vec<String>)> = None;
    for t in tables {
        let path = &t.path;
        let ic = t.select(inputs)?;
        let cc = t.select(Some(classes))?;
        if let Some(j) = cc.iter().find(|j| ic.contains(j)) {
            return Err(Error::data(
                path,
                format!(
                    "column `{}` is both an input and a class column; choose the inputs with --inputs",
                    t.names[*j]
                ),
            ));
        }
        check_same_columns(&mut names, t, &ic, &cc, files)?;
        labels.push(label_of(t, &cc)?);
        xs.push(t.columns(&ic, 0, t.data.nrows()));
    }
    let (input_names, class_columns) = names.unwrap_or_default();
    let classes = Classes::from_training(&labels, class_columns, last);
    if classes.names.len() < 2 {
        return Err(Error::usage(format!(
            "--classes {}: every training series is of class {}; a classifier needs two classes or more",
            classes.columns.join(","),
            classes.names.first().map_or("?", String::as_str)
        )));
    }
    let mut ys = Vec::with_capacity(files.len());
    for ((path, x), label) in files.iter().zip(&xs).zip(&labels) {
        ys.push(classes.targets(classes.index(label, path)?, x.nrows())?);
    }
    let pairs = Pairs {
        xs,
        ys,
        input_names,
        target_names: classes.names.clone(),
    };
    Ok((pairs, classes))
}

/// Checks that a file names its chosen input and target columns as the first file did.
fn check_same_columns(
    names: &mut Option<(Vec<String>, Vec<String>)>,
    t: &Table,
    ic: &[usize],
    tc: &[usize],
    files: &[PathBuf],
) -> Result<()> {
    let named = |cols: &[usize]| cols.iter().map(|&j| t.names[j].clone()).collect();
    let these: (Vec<String>, Vec<String>) = (named(ic), named(tc));
    match names {
        None => *names = Some(these),
        Some(first) if *first != these => {
            return Err(Error::data(
                &t.path,
                format!(
                    "columns {} -> {} where {} has {} -> {}",
                    these.0.join(","),
                    these.1.join(","),
                    files[0].display(),
                    first.0.join(","),
                    first.1.join(",")
                ),
            ))
        }
        Some(_) => {}
    }
    Ok(())
}

/// Input and target series from data files: column selection, then targets shifted by
/// `horizon` steps. Files whose headers name the chosen columns differently are refused.
pub fn load_pairs(
    files: &[PathBuf],
    inputs: Option<&str>,
    targets: Option<&str>,
    horizon: usize,
) -> Result<Pairs> {
    let tables = files
        .iter()
        .map(|f| table::read(f))
        .collect::<Result<Vec<_>>>()?;
    pairs(&tables, inputs, targets, horizon)
}

/// Input and target series from tables (see [`load_pairs`]).
pub fn pairs(
    tables: &[Table],
    inputs: Option<&str>,
    targets: Option<&str>,
    horizon: usize,
) -> Result<Pairs> {
    if targets.is_none() && horizon == 0 {
        return Err(Error::usage(
            "the targets default to the inputs, so --horizon must be >= 1 \
             (or name target columns with --targets)",
        ));
    }
    let files: Vec<PathBuf> = tables.iter().map(|t| t.path.clone()).collect();
    let files = &files[..];
    let mut xs = Vec::with_capacity(files.len());
    let mut ys = Vec::with_capacity(files.len());
    let mut names: Option<(Vec<String>, Vec<String>)> = None;
    for t in tables {
        let path = &t.path;
        let ic = t.select(inputs)?;
        let tc = match targets {
            Some(spec) => t.select(Some(spec))?,
            None => ic.clone(),
        };
        check_same_columns(&mut names, t, &ic, &tc, files)?;
        let rows = t.data.nrows();
        if rows <= horizon {
            return Err(Error::data(
                path,
                format!("{rows} rows: too short for a horizon of {horizon}"),
            ));
        }
        xs.push(t.columns(&ic, 0, rows - horizon));
        ys.push(t.columns(&tc, horizon, rows));
    }
    let (input_names, target_names) = names.unwrap_or_default();
    Ok(Pairs {
        xs,
        ys,
        input_names,
        target_names,
    })
}

/// The training data of a `fit` (or `stats`) command line: the pairs, the classes if any,
/// checked against the configuration's warm-up.
pub fn load_data(args: &Args, cfg: &config::Config) -> Result<(Pairs, Option<Classes>)> {
    let (pairs, classes) = match &args.classes {
        Some(spec) => {
            let (pairs, classes) =
                load_classified(&args.data, args.inputs.as_deref(), spec, args.last)?;
            (pairs, Some(classes))
        }
        None => {
            let pairs = load_pairs(
                &args.data,
                args.inputs.as_deref(),
                args.targets.as_deref(),
                args.horizon,
            )?;
            (pairs, None)
        }
    };
    // a series too short for the warm-up is named by its file
    let short = pairs.xs.iter().position(|x| x.nrows() <= cfg.warmup);
    if let Some(k) = short {
        return Err(Error::data(
            &args.data[k],
            format!(
                "{} rows (after the horizon): too short for warmup = {} (in {})",
                pairs.xs[k].nrows(),
                cfg.warmup,
                args.config.display()
            ),
        ));
    }
    Ok((pairs, classes))
}

/// Builds the configuration's network for the training data.
pub fn build(args: &Args, cfg: &config::Config, pairs: &Pairs) -> Result<Network> {
    let base = args.config.parent().unwrap_or(Path::new("."));
    let xs = &pairs.xs;
    cfg.network(base, xs, pairs.ys[0].ncols())
        .map_err(|e| match e {
            // a series stored as features x time looks like a few steps of many inputs
            Error::Usage(m) if xs[0].ncols() > xs[0].nrows() => Error::Usage(format!(
                "{m} ({} has {} rows and {} columns: a series is one row per time step; \
                 transpose it if its rows are features)",
                args.data[0].display(),
                xs[0].nrows(),
                xs[0].ncols()
            )),
            e => e,
        })
}

/// Fits and writes the model; returns it.
pub fn run(args: &Args, quiet: bool) -> Result<Network> {
    let mut inputs: Vec<&Path> = args.data.iter().map(PathBuf::as_path).collect();
    inputs.push(&args.config);
    outputs::check(&inputs, &[(&args.out, Kind::Model, "--out")])?;
    let cfg = config::load(&args.config)?;
    let (pairs, classes) = load_data(args, &cfg)?;
    let (xs, ys) = (&pairs.xs, &pairs.ys);
    let start = Instant::now();
    let mut network = build(args, &cfg, &pairs)?;
    match &mut network {
        Network::Esn(esn) => fit_esn(esn, xs, ys, cfg.warmup, quiet)?,
        Network::Graph(model, _) => {
            let stats = graph_statistics(model, xs, ys, cfg.warmup)?;
            model.fit_statistics(&[(crate::config::READOUT.to_string(), stats)])?
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let steps: usize = xs.iter().map(|x| x.nrows()).sum();
    // what the model was made from: `info` shows it, `run` reads the columns by these names
    let mut part = network.to_part()?;
    part.about = about(
        "aquifer fit",
        &args.config,
        &cfg,
        serde_json::json!({
            "horizon": args.horizon,
            "series": xs.len(),
            "steps": steps,
            "inputs": pairs.input_names,
            "targets": pairs.target_names,
        }),
    );
    if let Some(classes) = &classes {
        part.about["classes"] = classes.to_json();
    }
    aquifer::io::write(&args.out, &part)?;
    println!(
        "fitted {} on {} series ({steps} steps, warm-up {} each): {} inputs -> {} targets in {:.2} s",
        network.describe(),
        xs.len(),
        cfg.warmup,
        xs[0].ncols(),
        ys[0].ncols(),
        seconds
    );
    if let Some(classes) = &classes {
        let from = if classes.columns == classes.names {
            String::new()
        } else {
            format!("labels of column {}; ", classes.columns.join(","))
        };
        println!(
            "{} classes: {} ({from}decided over {})",
            classes.names.len(),
            classes.names.join(", "),
            classes
                .last
                .map_or("every step".to_string(), |k| format!("the last {k} steps"))
        );
    }
    println!("wrote {}", args.out.display());
    Ok(network)
}

/// Fits an echo state network's readout from [`esn_statistics`].
fn fit_esn(
    esn: &mut Esn,
    xs: &[Mat<f64>],
    ys: &[Mat<f64>],
    warmup: usize,
    quiet: bool,
) -> Result<()> {
    let stats = esn_statistics(esn, xs, ys, warmup, quiet)?;
    esn.fit_statistics(&stats)?;
    Ok(())
}

/// The readout statistics of an echo state network over many series, in batches of
/// [`BATCH`] series whose statistics merge in order (with a progress bar when there are
/// several). As `fit`: every series from the same state; the network is left in the last
/// state of the last series. `aquifer stats` over shards of whole batches, merged in order,
/// gives these statistics bit for bit.
pub fn esn_statistics(
    esn: &mut Esn,
    xs: &[Mat<f64>],
    ys: &[Mat<f64>],
    warmup: usize,
    quiet: bool,
) -> Result<RidgeStats> {
    let bar = progress::bar(xs.len() as u64, "series", quiet || xs.len() <= BATCH);
    let mut stats: Option<RidgeStats> = None;
    let start = esn.state();
    for (bx, by) in xs.chunks(BATCH).zip(ys.chunks(BATCH)) {
        esn.set_state(&start)?;
        let s = esn.statistics(bx, by, warmup)?;
        match &mut stats {
            Some(acc) => acc.merge(&s)?,
            None => stats = Some(s),
        }
        bar.inc(bx.len() as u64);
    }
    bar.finish_and_clear();
    stats.ok_or_else(|| Error::usage("no training series"))
}

/// The statistics of a graph's readout (the configuration's one, `y`) over many series, in
/// batches of [`BATCH`] series merged in order, as [`esn_statistics`].
pub fn graph_statistics(
    model: &mut aquifer::model::Model,
    xs: &[Mat<f64>],
    ys: &[Mat<f64>],
    warmup: usize,
) -> Result<RidgeStats> {
    let mut stats: Option<RidgeStats> = None;
    let start = model.state();
    for (bx, by) in xs.chunks(BATCH).zip(ys.chunks(BATCH)) {
        model.set_state(&start)?;
        let (_, s) = model
            .statistics(bx, by, warmup)?
            .pop()
            .ok_or_else(|| Error::usage("the model has no readout"))?;
        match &mut stats {
            Some(acc) => acc.merge(&s)?,
            None => stats = Some(s),
        }
    }
    stats.ok_or_else(|| Error::usage("no training series"))
}

/// What a model file was made from (its `about` record, which `info` shows and `run` reads
/// the columns from): the command, the configuration and its main settings, and `data` (the
/// horizon, series, steps and columns).
pub fn about(
    made_by: &str,
    config_path: &Path,
    cfg: &config::Config,
    data: serde_json::Value,
) -> serde_json::Value {
    let mut about = serde_json::json!({
        "made_by": made_by,
        "config": config_path.display().to_string(),
        "kind": cfg.kind(),
        "seed": cfg.seed,
        "spectral_radius": cfg.spectral_radius(),
        "warmup": cfg.warmup,
    });
    if let (Some(a), serde_json::Value::Object(d)) = (about.as_object_mut(), data) {
        a.extend(d);
    }
    about
}
