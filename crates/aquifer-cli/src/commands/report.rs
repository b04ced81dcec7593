//! `aquifer report`: a study's pictures, one self-contained HTML page and a CSV of its trials.

use crate::error::{Error, Result};
use crate::outputs::Folder;
use crate::report;
use aquifer::search::read_records;
use std::path::PathBuf;

/// Arguments of `aquifer report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study's records (`aquifer search` writes them).
    pub records: PathBuf,
    /// The folder to write (default: the records' name with `-report`); it must not exist or
    /// be empty.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

/// Writes the report.
pub fn run(args: &Args) -> Result<()> {
    let (spec, trials) = read_records(&args.records)?;
    if trials.is_empty() {
        return Err(Error::usage(format!(
            "{}: no trial recorded yet",
            args.records.display()
        )));
    }
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .records
            .file_stem()
            .map_or("study".into(), |s| s.to_string_lossy().to_string());
        args.records.with_file_name(format!("{stem}-report"))
    });
    let folder = Folder::create(&out, "--out")?;
    let figures = report::figures(&spec, &trials);
    let mut inline = Vec::with_capacity(figures.len());
    for f in &figures {
        aquifer::io::write_atomic(folder.join(format!("{}.png", f.name)), &f.png()?)?;
        inline.push((f.title.clone(), f.svg()?));
    }
    let page = report::html(&spec, &trials, &inline);
    aquifer::io::write_atomic(folder.join("report.html"), page.as_bytes())?;
    let csv = report::csv(&spec, &trials);
    aquifer::io::write_atomic(folder.join("trials.csv"), csv.as_bytes())?;
    folder.commit()?;
    let names: Vec<String> = figures.iter().map(|f| format!("{}.png", f.name)).collect();
    println!(
        "wrote {}: report.html, trials.csv, {} ({} trials)",
        out.display(),
        names.join(", "),
        trials.len()
    );
    Ok(())
}
