//! `aquifer run` (predictions, optionally states) and `aquifer generate` (closed loop).

use crate::error::{Error, Result};
use crate::outputs::{self, Kind};
use crate::progress;
use crate::table::{self, numbered};
use aquifer::faer::Mat;
use aquifer::io::TableWriter;
use aquifer::model::{Esn, Model, Outputs};
use aquifer::traits::{Persist, Run, Stateful};
use std::path::{Path, PathBuf};

/// Arguments of `aquifer run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The model file (an ESN, or a graph saved with `Model::save`).
    pub model: PathBuf,
    /// The input series (CSV or .npy).
    pub data: PathBuf,
    /// Input columns: names, 0-based indices or ranges `first:last` of either (`c0:c11`),
    /// comma-separated (default: the columns named as in the training files, or every column).
    #[arg(long)]
    pub inputs: Option<String>,
    /// Where to write the predictions (CSV or .npy).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Also write the reservoir states (one column per unit) to this file.
    #[arg(long)]
    pub states: Option<PathBuf>,
    /// Start from the zero state instead of the saved one (the end of training). The default
    /// for a model fitted on several series (each started from zero).
    #[arg(long, conflicts_with = "keep_state")]
    pub reset: bool,
    /// Continue from the saved state (the end of the last training series) even for a model
    /// fitted on several series.
    #[arg(long = "continue")]
    pub keep_state: bool,
}

/// Arguments of `aquifer generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The model file: an ESN whose outputs match its inputs, or a graph without input nodes
    /// whose readouts feed back.
    pub model: PathBuf,
    /// The series the closed loop warms up on (teacher-forced), CSV or .npy: an ESN's inputs,
    /// or a graph's readout outputs.
    #[arg(long)]
    pub warm: PathBuf,
    /// Columns of the warm-up series: names, 0-based indices or ranges `first:last` of either
    /// (`c0:c11`), comma-separated (default: the columns named as in the training files, or
    /// every column).
    #[arg(long)]
    pub inputs: Option<String>,
    /// Number of steps to generate.
    #[arg(long)]
    pub steps: usize,
    /// Where to write the generated series (CSV or .npy).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Start the warm-up from the zero state instead of the saved one. The default for a
    /// model fitted on several series.
    #[arg(long, conflicts_with = "keep_state")]
    pub reset: bool,
    /// Continue from the saved state even for a model fitted on several series.
    #[arg(long = "continue")]
    pub keep_state: bool,
}

/// What `aquifer fit` recorded about the training data.
#[derive(Debug, Default)]
struct Training {
    /// The input columns' names, when the training files named them.
    inputs: Option<Vec<String>>,
    /// The number of training series.
    series: usize,
}

impl Training {
    fn of(about: &serde_json::Value) -> Self {
        let names = about["inputs"].as_array().map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        });
        // numbered columns (a file without a header, or .npy) name positions, not columns
        let named = names.filter(|n| {
            !n.is_empty() && n.iter().enumerate().any(|(j, name)| *name != j.to_string())
        });
        Training {
            inputs: named,
            series: about["series"].as_u64().unwrap_or(1) as usize,
        }
    }

    /// Whether to start from zero: asked for, or the default for a model fitted on several
    /// series, with a note to print once the command succeeds (the default differs from a
    /// one-series model's).
    fn starts_from_zero(&self, reset: bool, keep_state: bool) -> (bool, Option<String>) {
        if reset || keep_state || self.series <= 1 {
            return (reset, None);
        }
        let note = format!(
            "note: the model was fitted on {} series, each from the zero state: started from \
             zero (--continue goes on from the end of the last training series)",
            self.series
        );
        (true, Some(note))
    }

    /// The column selection: the user's, else the training columns by name when the file
    /// has them all (in any order), else every column.
    fn columns(&self, spec: Option<&str>, t: &table::Table) -> Result<Option<String>> {
        let path = &t.path;
        let (None, Some(names)) = (spec, &self.inputs) else {
            return Ok(spec.map(str::to_string));
        };
        let missing: Vec<&str> = names
            .iter()
            .filter(|n| !t.names.contains(n))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            return Ok(Some(names.join(",")));
        }
        if t.names.iter().enumerate().all(|(j, n)| *n == j.to_string()) {
            // no header: the columns are taken by position
            return Ok(None);
        }
        Err(Error::data(
            path,
            format!(
                "no column{} {} (the model's inputs are {}, as in its training files; choose \
                 others with --inputs)",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                names.join(", ")
            ),
        ))
    }
}

/// A loaded model file: an echo state network, or a graph saved with `Model::save`.
enum Loaded {
    Esn(Box<Esn>),
    Graph(Box<Model>),
}

fn load(path: &Path) -> Result<(Loaded, Training)> {
    let file = aquifer::io::read(path)?;
    let model = match file.kind.as_str() {
        "model" => Loaded::Graph(Box::new(Model::from_part(&file)?)),
        _ => Loaded::Esn(Box::new(Esn::from_part(&file)?)),
    };
    Ok((model, Training::of(&file.about)))
}

/// Every output of a graph side by side, columns named `<node><k>`.
fn outputs_table(outputs: &Outputs) -> (Vec<String>, Mat<f64>) {
    let rows = outputs.series.first().map_or(0, |(_, m)| m.nrows());
    let cols: usize = outputs.series.iter().map(|(_, m)| m.ncols()).sum();
    let mut names = Vec::with_capacity(cols);
    let mut data = Mat::zeros(rows, cols);
    let mut at = 0;
    for (name, m) in &outputs.series {
        for k in 0..m.ncols() {
            names.push(format!("{name}{k}"));
            for t in 0..rows {
                data[(t, at)] = m[(t, k)];
            }
            at += 1;
        }
    }
    (names, data)
}

fn load_columns(
    width: usize,
    path: &Path,
    spec: Option<&str>,
    what: &str,
    training: &Training,
) -> Result<Mat<f64>> {
    let t = table::read(path)?;
    let spec = training.columns(spec, &t)?;
    let spec = spec.as_deref();
    let cols = t.select(spec)?;
    if cols.len() != width {
        return Err(Error::data(
            path,
            format!(
                "{} {what} columns selected ({}), the model takes {width}{}",
                cols.len(),
                cols.iter()
                    .map(|&j| t.names[j].as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                if spec.is_none() {
                    "; choose them with --inputs"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok(t.columns(&cols, 0, t.data.nrows()))
}

fn load_inputs(
    esn: &Esn,
    path: &Path,
    spec: Option<&str>,
    training: &Training,
) -> Result<Mat<f64>> {
    load_columns(esn.input_dim(), path, spec, "input", training)
}

/// Runs the model over a series and writes predictions (and states).
pub fn run(args: &RunArgs) -> Result<()> {
    run_model(args).map_err(|e| unfitted(&args.model, e))
}

/// Warms the model up and generates; writes the generated series.
pub fn generate(args: &GenerateArgs, quiet: bool) -> Result<()> {
    generate_from(args, quiet).map_err(|e| unfitted(&args.model, e))
}

/// An unfitted model named by its file, with the command that fits one.
fn unfitted(model: &Path, e: Error) -> Error {
    match e {
        Error::Aquifer(aquifer::Error::NotFitted { what }) => Error::usage(format!(
            "{}: its {what} is not fitted; make a fitted model file with `aquifer fit`",
            model.display()
        )),
        e => e,
    }
}

fn run_model(args: &RunArgs) -> Result<()> {
    let mut written = vec![(args.out.as_path(), Kind::Series, "--out")];
    if let Some(states) = &args.states {
        written.push((states, Kind::Series, "--states"));
    }
    outputs::check(&[&args.model, &args.data], &written)?;
    let (loaded, training) = load(&args.model)?;
    let (from_zero, note) = training.starts_from_zero(args.reset, args.keep_state);
    let mut esn = match loaded {
        Loaded::Esn(esn) => *esn,
        Loaded::Graph(mut model) => {
            if args.states.is_some() {
                return Err(Error::Usage(
                    "--states needs an ESN model file; a graph's node states are read from Rust"
                        .into(),
                ));
            }
            if from_zero {
                model.reset();
            }
            let x = load_columns(
                model.input_dim(),
                &args.data,
                args.inputs.as_deref(),
                "input",
                &training,
            )?;
            let (names, data) = outputs_table(&model.run(&x)?);
            table::write(&args.out, &names, &data)?;
            println!(
                "wrote {} x {} outputs ({}) to {}",
                data.nrows(),
                data.ncols(),
                model.output_names().join(", "),
                args.out.display()
            );
            return Ok(());
        }
    };
    if from_zero {
        esn.reset();
    }
    let x = load_inputs(&esn, &args.data, args.inputs.as_deref(), &training)?;
    // predictions and states go to their files chunk by chunk, never all held at once
    let rows = x.nrows();
    let (outputs, units) = (esn.output_dim(), esn.reservoir().units());
    let mut pred_out = TableWriter::create(&args.out, &numbered("y", outputs), (rows, outputs))?;
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
    if let Some(note) = note {
        eprintln!("{note}");
    }
    Ok(())
}

/// Steps generated between progress updates.
const CHUNK: usize = 2000;

fn generate_from(args: &GenerateArgs, quiet: bool) -> Result<()> {
    outputs::check(
        &[&args.model, &args.warm],
        &[(&args.out, Kind::Series, "--out")],
    )?;
    let (loaded, training) = load(&args.model)?;
    let (from_zero, note) = training.starts_from_zero(args.reset, args.keep_state);
    let mut esn = match loaded {
        Loaded::Esn(esn) => *esn,
        Loaded::Graph(mut model) => {
            if from_zero {
                model.reset();
            }
            let warm = load_columns(
                model.target_dim(),
                &args.warm,
                args.inputs.as_deref(),
                "teacher",
                &training,
            )?;
            let (names, data) = outputs_table(&model.generate(args.steps, &warm)?);
            table::write(&args.out, &names, &data)?;
            println!(
                "wrote {} x {} generated steps to {}",
                data.nrows(),
                data.ncols(),
                args.out.display()
            );
            return Ok(());
        }
    };
    if from_zero {
        esn.reset();
    }
    let warm = load_inputs(&esn, &args.warm, args.inputs.as_deref(), &training)?;
    let n = args.steps;
    let d = esn.output_dim();
    crate::memory::check(
        &format!("a generated series of {n} steps"),
        "--steps",
        crate::memory::values(n, d),
    )?;
    let mut out = Mat::zeros(n, d);
    let bar = progress::bar(n as u64, "steps", quiet);
    // The first piece warms up; later ones continue the loop from the last generated row,
    // which `free_run` repeats as its row 0.
    let mut done = 0;
    while done < n {
        let len = CHUNK.min(n - done);
        if done == 0 {
            let piece = esn.generate(len, &warm)?;
            out.as_mut().subrows_mut(0, len).copy_from(&piece);
        } else {
            let last: Vec<f64> = out.row(done - 1).iter().copied().collect();
            let piece = esn.free_run(len + 1, &last)?;
            out.as_mut()
                .subrows_mut(done, len)
                .copy_from(piece.subrows(1, len));
        }
        done += len;
        bar.set_position(done as u64);
    }
    bar.finish_and_clear();
    table::write(&args.out, &numbered("y", d), &out)?;
    println!("wrote {n} x {d} generated steps to {}", args.out.display());
    if let Some(note) = note {
        eprintln!("{note}");
    }
    Ok(())
}
