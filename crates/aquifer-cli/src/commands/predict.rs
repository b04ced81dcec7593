//! `aquifer run` (predictions, optionally states) and `aquifer generate` (closed loop).

use crate::error::{Error, Result};
use crate::progress;
use crate::table::{self, numbered};
use aquifer::faer::Mat;
use aquifer::model::Esn;
use std::path::{Path, PathBuf};

/// Arguments of `aquifer run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The model file.
    pub model: PathBuf,
    /// The input series (CSV or .npy).
    pub data: PathBuf,
    /// Input columns: names or 0-based indices (default: every column).
    #[arg(long)]
    pub inputs: Option<String>,
    /// Where to write the predictions (CSV or .npy).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Also write the reservoir states (one column per unit) to this file.
    #[arg(long)]
    pub states: Option<PathBuf>,
    /// Start from the zero state instead of the saved one (the end of training).
    #[arg(long)]
    pub reset: bool,
}

/// Arguments of `aquifer generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The model file (its outputs must match its inputs).
    pub model: PathBuf,
    /// The series the closed loop warms up on (teacher-forced), CSV or .npy.
    #[arg(long)]
    pub warm: PathBuf,
    /// Columns of the warm-up series (default: every column).
    #[arg(long)]
    pub inputs: Option<String>,
    /// Number of steps to generate.
    #[arg(long)]
    pub steps: usize,
    /// Where to write the generated series (CSV or .npy).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Start the warm-up from the zero state instead of the saved one.
    #[arg(long)]
    pub reset: bool,
}

fn load_inputs(esn: &Esn, path: &Path, spec: Option<&str>) -> Result<Mat<f64>> {
    let t = table::read(path)?;
    let cols = t.select(spec)?;
    if cols.len() != esn.input_dim() {
        return Err(Error::data(
            path,
            format!(
                "{} input columns selected ({}), the model takes {}{}",
                cols.len(),
                cols.iter()
                    .map(|&j| t.names[j].as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                esn.input_dim(),
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

/// Runs the model over a series and writes predictions (and states).
pub fn run(args: &RunArgs) -> Result<()> {
    let mut esn = Esn::load(&args.model)?;
    if args.reset {
        esn.reset();
    }
    let x = load_inputs(&esn, &args.data, args.inputs.as_deref())?;
    let (pred, states) = esn.run_with_states(&x)?;
    table::write(&args.out, &numbered("y", pred.ncols()), &pred)?;
    println!(
        "wrote {} x {} predictions to {}",
        pred.nrows(),
        pred.ncols(),
        args.out.display()
    );
    if let Some(path) = &args.states {
        table::write(path, &numbered("x", states.ncols()), &states)?;
        println!(
            "wrote {} x {} states to {}",
            states.nrows(),
            states.ncols(),
            path.display()
        );
    }
    Ok(())
}

/// Steps generated between progress updates.
const CHUNK: usize = 2000;

/// Warms the model up and generates; writes the generated series.
pub fn generate(args: &GenerateArgs, quiet: bool) -> Result<()> {
    let mut esn = Esn::load(&args.model)?;
    if args.reset {
        esn.reset();
    }
    let warm = load_inputs(&esn, &args.warm, args.inputs.as_deref())?;
    let n = args.steps;
    let d = esn.output_dim();
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
    Ok(())
}
