//! `aquifer info MODEL`: what a model file holds.

use crate::error::{Error, Result};
use std::path::PathBuf;

/// Arguments of `aquifer info`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model file.
    path: PathBuf,
}

/// Prints the model's kind, format and library versions, configuration and tensor shapes.
pub fn run(args: &Args) -> Result<()> {
    let file = aquifer::io::read(&args.path)?;
    println!("model: {}", file.kind);
    println!(
        "format: {} version {}",
        aquifer::io::FORMAT,
        aquifer::io::FORMAT_VERSION
    );
    if let Some(version) = &file.written_by {
        println!("written by: aquifer {version}");
    }
    if !file.about.is_null() {
        // what `aquifer fit` recorded: columns, seed, spectral radius, warm-up, series
        println!("about:");
        let pretty = serde_json::to_string_pretty(&file.about)
            .map_err(|e| Error::data(&args.path, e.to_string()))?;
        for line in pretty.lines() {
            println!("  {line}");
        }
    }
    println!("configuration:");
    let pretty = serde_json::to_string_pretty(&file.config)
        .map_err(|e| Error::data(&args.path, e.to_string()))?;
    for line in pretty.lines() {
        println!("  {line}");
    }
    println!("tensors:");
    for name in file.tensors.keys() {
        let shape = file.shape_of(name).unwrap_or(&[]);
        let shape: Vec<String> = shape.iter().map(usize::to_string).collect();
        println!("  {name}: [{}]", shape.join(", "));
    }
    Ok(())
}
