//! A study's records: one JSON-lines file, the study's description first, then one line per
//! finished trial, appended and flushed as each trial finishes, so that a crash loses nothing.

use super::space::Params;
use super::spec::StudySpec;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One finished trial, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// The trial's number (from 0).
    pub number: usize,
    /// The hyperparameters: those sampled, and those the objective chose (the ridge from its
    /// grid), as values.
    pub params: Params,
    /// The loss: the mean over the instances, at the grid point chosen; `None` if the trial
    /// failed.
    pub loss: Option<f64>,
    /// The loss of each instance at that grid point.
    pub losses: Vec<f64>,
    /// The standard deviation of `losses`.
    pub spread: Option<f64>,
    /// The seed of each instance.
    pub seeds: Vec<u64>,
    /// Wall-clock seconds the trial took.
    pub seconds: f64,
    /// Why the trial failed (an error, or a loss that is not finite).
    pub error: Option<String>,
}

impl Trial {
    /// Whether the trial finished with a finite loss.
    pub fn is_ok(&self) -> bool {
        self.loss.is_some_and(f64::is_finite)
    }
}

/// A line of a records file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
enum Line {
    Study(Box<StudySpec>),
    Trial(Box<Trial>),
}

/// An open records file, appended to trial by trial.
#[derive(Debug)]
pub struct Records {
    path: PathBuf,
    file: std::fs::File,
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn json_error(path: &Path, e: serde_json::Error) -> Error {
    Error::Data {
        source_name: path.display().to_string(),
        reason: e.to_string(),
    }
}

impl Records {
    /// A new records file holding `spec`; an existing file is an error (resume it instead).
    pub fn create(path: &Path, spec: &StudySpec) -> Result<Self> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => io_error(
                    path,
                    std::io::Error::new(
                        e.kind(),
                        "the file exists already: resume the study, or choose another file",
                    ),
                ),
                _ => io_error(path, e),
            })?;
        let line = serde_json::to_string(&Line::Study(Box::new(spec.clone())))
            .map_err(|e| json_error(path, e))?;
        writeln!(file, "{line}").map_err(|e| io_error(path, e))?;
        file.sync_data().map_err(|e| io_error(path, e))?;
        Ok(Records {
            path: path.to_path_buf(),
            file,
        })
    }

    /// The records file at `path`, opened to append to.
    pub fn append(path: &Path) -> Result<Self> {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io_error(path, e))?;
        Ok(Records {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends one finished trial (one line, written at once and flushed).
    pub fn push(&mut self, trial: &Trial) -> Result<()> {
        let mut line = serde_json::to_string(&Line::Trial(Box::new(trial.clone())))
            .map_err(|e| json_error(&self.path, e))?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|_| self.file.flush())
            .map_err(|e| io_error(&self.path, e))
    }

    /// The path of the file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `trial` to the records file at `path` unless a trial of its number is there
    /// already, holding an exclusive lock on the file meanwhile, so that several processes
    /// (the jobs of an array, retried tasks) may finish trials at once: none is lost, none is
    /// written twice. A last line cut short by a crash is removed first. Returns whether the
    /// trial was written.
    pub fn push_once(path: &Path, trial: &Trial) -> Result<bool> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| io_error(path, e))?;
        file.lock().map_err(|e| io_error(path, e))?;
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| io_error(path, e))?;
        let complete = text.rfind('\n').map_or(0, |i| i + 1);
        let recorded = text[..complete].lines().any(|l| {
            matches!(serde_json::from_str::<Line>(l), Ok(Line::Trial(t)) if t.number == trial.number)
        });
        if recorded {
            return Ok(false);
        }
        let mut line = serde_json::to_string(&Line::Trial(Box::new(trial.clone())))
            .map_err(|e| json_error(path, e))?;
        line.push('\n');
        file.set_len(complete as u64)
            .and_then(|_| file.seek(SeekFrom::Start(complete as u64)))
            .and_then(|_| file.write_all(line.as_bytes()))
            .and_then(|_| file.sync_data())
            .map_err(|e| io_error(path, e))?;
        // the lock goes with the file
        Ok(true)
    }
}

/// Reads a records file: the study's description and its trials in file order. A last line
/// cut short (a crash while writing it) is skipped; any other unreadable line is an error
/// naming it.
pub fn read(path: &Path) -> Result<(StudySpec, Vec<Trial>)> {
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e))?;
    let corrupt = |line: usize, reason: String| Error::Data {
        source_name: path.display().to_string(),
        reason: format!("line {line}: {reason}"),
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut spec = None;
    let mut trials = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let parsed: std::result::Result<Line, _> = serde_json::from_str(l);
        match parsed {
            Ok(Line::Study(s)) if i == 0 => spec = Some(*s),
            Ok(Line::Study(_)) => {
                return Err(corrupt(i + 1, "a second study description".into()));
            }
            Ok(Line::Trial(t)) => trials.push(*t),
            // the last line, cut short by a crash while it was written
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {}
            Err(e) => return Err(corrupt(i + 1, e.to_string())),
        }
    }
    let spec = spec.ok_or_else(|| {
        corrupt(
            1,
            "no study description (not the records of `aquifer search`?)".into(),
        )
    })?;
    Ok((spec, trials))
}
