//! `aquifer plot`: draw a series (and optionally a second one to compare) to PNG or SVG.

use crate::error::{Error, Result};
use crate::outputs::{self, Kind};
use crate::plot::{self, Line, Panel, Stroke, PALETTE};
use crate::table;
use std::path::{Path, PathBuf};

/// Arguments of `aquifer plot`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The series to draw (CSV or .npy).
    pub data: PathBuf,
    /// Columns to draw: names, 0-based indices or ranges `first:last` of either, comma-separated
    /// (default: every column).
    #[arg(long)]
    pub columns: Option<String>,
    /// A second series drawn dashed over the first (e.g. predictions over the truth).
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// Columns of the second series (default: every column).
    #[arg(long)]
    pub compare_columns: Option<String>,
    /// Steps of the second series are shifted by this many (e.g. where a generation starts).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// First step drawn.
    #[arg(long, default_value_t = 0)]
    pub from: usize,
    /// Last step drawn (exclusive; default: the end).
    #[arg(long)]
    pub to: Option<usize>,
    /// Title above the chart (default: the file name).
    #[arg(long)]
    pub title: Option<String>,
    /// The picture: PNG, or SVG with a `.svg` extension.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Width and height in pixels.
    #[arg(long, default_value_t = 1000)]
    pub width: u32,
    /// Height in pixels.
    #[arg(long, default_value_t = 400)]
    pub height: u32,
}

/// The lines of the chosen columns of a file, labelled `stem` (and the column), and the names
/// of those columns.
fn lines(
    path: &Path,
    stem: &str,
    spec: Option<&str>,
    offset: usize,
    range: (usize, Option<usize>),
    stroke: Stroke,
    palette_start: usize,
) -> Result<(Vec<Line>, Vec<String>)> {
    let t = table::read(path)?;
    let cols = t.select(spec)?;
    let stem = stem.to_string();
    let label = |j: usize| {
        if cols.len() == 1 {
            stem.clone()
        } else {
            format!("{stem}: {}", t.names[j])
        }
    };
    let rows = t.data.nrows();
    let (from, to) = (range.0, range.1.unwrap_or(usize::MAX));
    let first = from.saturating_sub(offset).min(rows);
    let last = to.saturating_sub(offset).min(rows);
    let lines = cols
        .iter()
        .enumerate()
        .map(|(k, &j)| Line {
            label: label(j),
            start: offset + first,
            values: (first..last.max(first)).map(|i| t.data[(i, j)]).collect(),
            color: PALETTE[(palette_start + k) % PALETTE.len()],
            stroke,
        })
        .collect();
    Ok((lines, cols.iter().map(|&j| t.names[j].clone()).collect()))
}

/// How lines of each file are labelled: the file's stem, or, when both files have the same
/// stem, the paths as given.
fn stems(data: &Path, compare: Option<&Path>) -> (String, String) {
    let stem = |p: &Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let (a, b) = (stem(data), compare.map(stem).unwrap_or_default());
    if compare.is_some() && a == b {
        let shown = |p: &Path| p.display().to_string();
        (shown(data), compare.map(shown).unwrap_or_default())
    } else {
        (a, b)
    }
}

/// The y axis: the columns drawn (up to three distinct names), or `value`.
fn y_label(names: &[String]) -> String {
    let mut distinct: Vec<&str> = Vec::new();
    for n in names {
        if !distinct.contains(&n.as_str()) {
            distinct.push(n);
        }
    }
    if distinct.len() <= 3 {
        distinct.join(", ")
    } else {
        "value".into()
    }
}

/// Draws the picture.
pub fn run(args: &Args) -> Result<()> {
    let mut read = vec![args.data.as_path()];
    read.extend(args.compare.as_deref());
    outputs::check(&read, &[(&args.out, Kind::Picture, "--out")])?;
    if args.to.is_some_and(|to| to <= args.from) {
        return Err(Error::usage("--to must be greater than --from"));
    }
    let range = (args.from, args.to);
    let (stem, compare_stem) = stems(&args.data, args.compare.as_deref());
    let (mut all, mut names) = lines(
        &args.data,
        &stem,
        args.columns.as_deref(),
        0,
        range,
        Stroke::Solid,
        0,
    )?;
    if let Some(other) = &args.compare {
        let n = all.len();
        let (more, more_names) = lines(
            other,
            &compare_stem,
            args.compare_columns.as_deref(),
            args.offset,
            range,
            Stroke::Dashed,
            n,
        )?;
        all.extend(more);
        names.extend(more_names);
    }
    if all.iter().all(|l| l.values.is_empty()) {
        return Err(Error::usage(format!(
            "no rows in the range {}..{}",
            args.from,
            args.to.map_or("end".into(), |t| t.to_string())
        )));
    }
    let title = args.title.clone().unwrap_or_else(|| {
        args.data
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let panel = Panel {
        title,
        x_label: "step".into(),
        y_label: y_label(&names),
        lines: all,
    };
    plot::draw(&args.out, &[panel], args.width, args.height)?;
    println!("wrote {}", args.out.display());
    Ok(())
}
