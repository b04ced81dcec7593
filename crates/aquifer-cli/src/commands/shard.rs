//! `aquifer stats`, `aquifer merge`, `aquifer solve`: a fit split into steps any scheduler
//! can run (Slurm job arrays, HyperQueue, GNU parallel). Each shard of the training files
//! becomes a statistics file (`stats`), the files are merged (`merge`, in the order given),
//! and the readout is solved once (`solve`). Statistics files use the model-file format
//! (versioned, checksummed, written atomically): the readout's mergeable statistics (kind
//! `ridge-statistics`), and in their `about` record the configuration they were made with, the
//! data's columns and sizes, and the network's state after the shard's last series.
//!
//! Shards of whole batches of 8 files (as `fit` batches them), merged in the order of the
//! files, give the model `fit` gives on all the files, bit for bit; any other split gives the
//! same model up to rounding.

use super::fit::{self, Args as FitArgs};
use crate::config::{self, Network};
use crate::error::{Error, Result};
use crate::outputs::{self, Kind};
use aquifer::faer::Mat;
use aquifer::io::ModelFile;
use aquifer::model::ModelState;
use aquifer::readout::RidgeStats;
use aquifer::traits::{Persist, Stateful};
use std::path::{Path, PathBuf};

/// Arguments of `aquifer merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Statistics files (from `aquifer stats` or `merge`), merged in this order.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the merged statistics.
    #[arg(long, short)]
    pub out: PathBuf,
}

/// Arguments of `aquifer solve`.
#[derive(Debug, clap::Args)]
pub struct SolveArgs {
    /// The model configuration (TOML): the one the statistics were made with.
    #[arg(long, short)]
    pub config: PathBuf,
    /// The statistics file (from `aquifer stats` or `merge`).
    pub stats: PathBuf,
    /// Where to write the model file.
    #[arg(long, short)]
    pub out: PathBuf,
}

/// The configuration as a TOML value (comments and layout do not count).
fn config_value(path: &Path) -> Result<toml::Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    toml::from_str(&text).map_err(|e| Error::usage(format!("{}: {e}", path.display())))
}

/// The network's whole state as JSON (an ESN's reservoir; a graph's every node and delayed
/// edge), as `fit` leaves it.
fn state_json(network: &Network) -> serde_json::Result<serde_json::Value> {
    match network {
        Network::Esn(esn) => serde_json::to_value(esn.state()),
        Network::Graph(model, _) => serde_json::to_value(model.state()),
    }
}

/// Sets the state a statistics file recorded, checked against the network.
fn set_state_json(network: &mut Network, state: &serde_json::Value, path: &Path) -> Result<()> {
    let bad = |e: String| Error::data(path, format!("its `state`: {e}"));
    match network {
        Network::Esn(esn) => {
            let s: Vec<f64> =
                serde_json::from_value(state.clone()).map_err(|e| bad(e.to_string()))?;
            esn.set_state(&s).map_err(|e| bad(e.to_string()))
        }
        Network::Graph(model, _) => {
            let s: ModelState =
                serde_json::from_value(state.clone()).map_err(|e| bad(e.to_string()))?;
            model.set_state(&s).map_err(|e| bad(e.to_string()))
        }
    }
}

/// A statistics file's content: the statistics and the `about` record.
fn read(path: &Path) -> Result<(RidgeStats, serde_json::Value)> {
    let part = aquifer::io::read(path)?;
    let stats = RidgeStats::from_part(&part)
        .map_err(|e| Error::data(path, format!("not a statistics file: {e}")))?;
    for key in [
        "config", "inputs", "targets", "warmup", "state", "series", "steps",
    ] {
        if part.about.get(key).is_none() {
            return Err(Error::data(
                path,
                format!("a statistics file without `{key}` (not written by `aquifer stats`?)"),
            ));
        }
    }
    Ok((stats, part.about))
}

/// Writes statistics and their record.
fn write(path: &Path, stats: &RidgeStats, about: serde_json::Value) -> Result<()> {
    let mut part: ModelFile = stats.to_part()?;
    part.about = about;
    aquifer::io::write(path, &part)?;
    Ok(())
}

/// `aquifer stats`: the readout statistics of some training files.
pub fn stats(args: &FitArgs, quiet: bool) -> Result<()> {
    let mut inputs: Vec<&Path> = args.data.iter().map(PathBuf::as_path).collect();
    inputs.push(&args.config);
    outputs::check(&inputs, &[(&args.out, Kind::Model, "--out")])?;
    let cfg = config::load(&args.config)?;
    if matches!(cfg.kind(), "ip" | "local") {
        return Err(Error::usage(format!(
            "{}: kind = \"{}\" learns its reservoir from all the training inputs before the \
             readout, so statistics of separate shards would not add up to a fit of all the \
             data; fit it with `aquifer fit`",
            args.config.display(),
            cfg.kind()
        )));
    }
    let (pairs, classes) = fit::load_data(args, &cfg)?;
    let mut network = fit::build(args, &cfg, &pairs)?;
    let (xs, ys) = (&pairs.xs, &pairs.ys);
    let stats = match &mut network {
        Network::Esn(esn) => fit::esn_statistics(esn, xs, ys, cfg.warmup, quiet)?,
        Network::Graph(model, _) => fit::graph_statistics(model, xs, ys, cfg.warmup)?,
    };
    let steps: usize = xs.iter().map(|x| x.nrows()).sum();
    let mut about = serde_json::json!({
        "made_by": "aquifer stats",
        "config": config_value(&args.config)?,
        "config_file": args.config.display().to_string(),
        "kind": cfg.kind(),
        "warmup": cfg.warmup,
        "horizon": args.horizon,
        "series": xs.len(),
        "steps": steps,
        "inputs": pairs.input_names,
        "targets": pairs.target_names,
        "state": state_json(&network).map_err(|e| Error::usage(e.to_string()))?,
    });
    if let Some(classes) = &classes {
        about["classes"] = classes.to_json();
    }
    write(&args.out, &stats, about)?;
    println!(
        "statistics of {} series ({steps} steps, {} rows after the warm-ups): {} features -> \
         {} targets",
        xs.len(),
        stats.count(),
        stats.features(),
        stats.targets()
    );
    println!("wrote {}", args.out.display());
    Ok(())
}

/// `aquifer merge`: statistics files into one, in the order given.
pub fn merge(args: &MergeArgs) -> Result<()> {
    let inputs: Vec<&Path> = args.files.iter().map(PathBuf::as_path).collect();
    outputs::check(&inputs, &[(&args.out, Kind::Model, "--out")])?;
    let (mut stats, mut about) = read(&args.files[0])?;
    for path in &args.files[1..] {
        let (s, a) = read(path)?;
        for key in [
            "config", "inputs", "targets", "warmup", "horizon", "classes",
        ] {
            if a.get(key) != about.get(key) {
                return Err(Error::data(
                    path,
                    format!(
                        "its `{key}` differs from {}'s: statistics merge only when made with \
                         the same configuration and columns",
                        args.files[0].display()
                    ),
                ));
            }
        }
        stats
            .merge(&s)
            .map_err(|e| Error::data(path, e.to_string()))?;
        for key in ["series", "steps"] {
            let sum = about[key].as_u64().unwrap_or(0) + a[key].as_u64().unwrap_or(0);
            about[key] = sum.into();
        }
        // as `fit`, the network ends in the state of the last series
        about["state"] = a["state"].clone();
    }
    about["made_by"] = "aquifer merge".into();
    about["merged"] = args.files.len().into();
    write(&args.out, &stats, about)?;
    println!(
        "merged {} statistics files: {} rows, {} features -> {} targets",
        args.files.len(),
        stats.count(),
        stats.features(),
        stats.targets()
    );
    println!("wrote {}", args.out.display());
    Ok(())
}

/// `aquifer solve`: a model file from statistics and the configuration they were made with.
pub fn solve(args: &SolveArgs) -> Result<()> {
    outputs::check(
        &[&args.config, &args.stats],
        &[(&args.out, Kind::Model, "--out")],
    )?;
    let cfg = config::load(&args.config)?;
    let (stats, about) = read(&args.stats)?;
    if about["config"] != serde_json::to_value(config_value(&args.config)?).unwrap_or_default() {
        return Err(Error::usage(format!(
            "{} was made with another configuration than {} (its `about` record holds the \
             one it was made with)",
            args.stats.display(),
            args.config.display()
        )));
    }
    let names = |key: &str| -> Vec<String> {
        about[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (inputs, targets) = (names("inputs"), names("targets"));
    let base = args.config.parent().unwrap_or(Path::new("."));
    // the kinds `stats` accepts do not learn from the inputs: only their width matters
    let shape = [Mat::<f64>::zeros(0, inputs.len())];
    let mut network = cfg.network(base, &shape, targets.len())?;
    match &mut network {
        Network::Esn(esn) => esn.fit_statistics(&stats)?,
        Network::Graph(model, _) => {
            model.fit_statistics(&[(config::READOUT.to_string(), stats.clone())])?
        }
    }
    set_state_json(&mut network, &about["state"], &args.stats)?;
    let mut part = network.to_part()?;
    part.about = fit::about(
        "aquifer solve",
        &args.config,
        &cfg,
        serde_json::json!({
            "horizon": about["horizon"],
            "series": about["series"],
            "steps": about["steps"],
            "inputs": inputs,
            "targets": targets,
        }),
    );
    if let Some(classes) = about.get("classes") {
        part.about["classes"] = classes.clone();
    }
    aquifer::io::write(&args.out, &part)?;
    println!(
        "solved {} from {} rows of {} series",
        network.describe(),
        stats.count(),
        about["series"]
    );
    println!("wrote {}", args.out.display());
    Ok(())
}
