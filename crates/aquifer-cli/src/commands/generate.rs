//! `aquifer generate`: warm a model up on a series, then feed its predictions back.

use crate::error::{Error, Result};
use crate::outputs::{self, Kind};
use crate::progress;
use crate::table::{self, numbered};
use crate::trained::{load, outputs_table, unfitted, Loaded, Training};
use aquifer::faer::Mat;
use aquifer::model::Model;
use aquifer::traits::{Run, Stateful, Step};
use std::path::PathBuf;

/// Arguments of `aquifer generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The model file: an ESN (or a graph made by `aquifer fit`) whose outputs match its
    /// inputs, or a graph without input nodes whose readouts feed back.
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

/// Warms the model up and generates; writes the generated series.
pub fn run(args: &GenerateArgs, quiet: bool) -> Result<()> {
    generate_from(args, quiet).map_err(|e| unfitted(&args.model, e))
}

/// A graph fed by its inputs (as `aquifer fit` makes for the `ip`, `es2n` and `nvar` kinds)
/// generates as an echo state network: it runs over the warm-up inputs, then each output row
/// is the next input.
fn generate_fed_back(
    args: &GenerateArgs,
    training: &Training,
    model: &mut Model,
    quiet: bool,
) -> Result<()> {
    let width: usize = model.input_dim();
    let warm = training.read(&args.warm, width, args.inputs.as_deref(), "input")?;
    let outputs = model.run(&warm)?;
    let (names, last) = outputs_table(&outputs);
    if names.len() != width {
        return Err(Error::usage(format!(
            "{}: the model's {} outputs cannot feed back into its {width} inputs",
            args.model.display(),
            names.len()
        )));
    }
    let n = args.steps;
    crate::memory::check(
        &format!("a generated series of {n} steps"),
        "--steps",
        crate::memory::values(n, width),
    )?;
    let mut out = Mat::zeros(n, width);
    let mut row: Vec<f64> = last.row(last.nrows() - 1).iter().copied().collect();
    let mut next = vec![0.0; width];
    let bar = progress::bar(n as u64, "steps", quiet);
    for t in 0..n {
        out.as_mut()
            .row_mut(t)
            .iter_mut()
            .zip(&row)
            .for_each(|(o, v)| *o = *v);
        if t + 1 < n {
            model.step(&row, &mut next)?;
            std::mem::swap(&mut row, &mut next);
        }
        if t % CHUNK == 0 {
            bar.set_position(t as u64);
        }
    }
    bar.finish_and_clear();
    table::write(&args.out, &names, &out)?;
    println!(
        "wrote {n} x {width} generated steps to {}",
        args.out.display()
    );
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
        Loaded::Graph(mut model) if model.input_dim() > 0 => {
            if from_zero {
                model.reset();
            }
            generate_fed_back(args, &training, &mut model, quiet)?;
            if let Some(note) = note {
                eprintln!("{note}");
            }
            return Ok(());
        }
        Loaded::Graph(mut model) => {
            if from_zero {
                model.reset();
            }
            let warm = training.read(
                &args.warm,
                model.target_dim(),
                args.inputs.as_deref(),
                "teacher",
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
    let warm = training.read(&args.warm, esn.input_dim(), args.inputs.as_deref(), "input")?;
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
