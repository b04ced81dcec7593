//! `aquifer plot`: draw a series (and optionally a second one to compare) to PNG or SVG.

use crate::error::{Error, Result};
use crate::plot::{self, Line, Panel, Stroke, PALETTE};
use crate::table;
use std::path::{Path, PathBuf};

/// Arguments of `aquifer plot`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The series to draw (CSV or .npy).
    pub data: PathBuf,
    /// Columns to draw: names or 0-based indices (default: every column).
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

fn lines(
    path: &Path,
    spec: Option<&str>,
    offset: usize,
    range: (usize, Option<usize>),
    stroke: Stroke,
    palette_start: usize,
) -> Result<Vec<Line>> {
    let t = table::read(path)?;
    let cols = t.select(spec)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
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
    Ok(cols
        .iter()
        .enumerate()
        .map(|(k, &j)| Line {
            label: label(j),
            start: offset + first,
            values: (first..last.max(first)).map(|i| t.data[(i, j)]).collect(),
            color: PALETTE[(palette_start + k) % PALETTE.len()],
            stroke,
        })
        .collect())
}

/// Draws the picture.
pub fn run(args: &Args) -> Result<()> {
    if args.to.is_some_and(|to| to <= args.from) {
        return Err(Error::usage("--to must be greater than --from"));
    }
    let range = (args.from, args.to);
    let mut all = lines(
        &args.data,
        args.columns.as_deref(),
        0,
        range,
        Stroke::Solid,
        0,
    )?;
    if let Some(other) = &args.compare {
        let n = all.len();
        all.extend(lines(
            other,
            args.compare_columns.as_deref(),
            args.offset,
            range,
            Stroke::Dashed,
            n,
        )?);
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
        lines: all,
    };
    plot::draw(&args.out, &[panel], args.width, args.height)?;
    println!("wrote {}", args.out.display());
    Ok(())
}
