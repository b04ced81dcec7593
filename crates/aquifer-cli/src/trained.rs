//! A model file as `run`, `predict`, `generate` and `score` use it: the model (an ESN or a
//! graph) and what `aquifer fit` recorded about its training (columns, series, classes).

use crate::classes::Classes;
use crate::error::{Error, Result};
use crate::table::{self, numbered, Table};
use aquifer::faer::Mat;
use aquifer::model::{Esn, Model, Outputs};
use aquifer::traits::{Persist, Run, Stateful};
use std::path::Path;

/// What `aquifer fit` recorded about the training data.
#[derive(Debug, Default)]
pub struct Training {
    /// The input columns' names, when the training files named them.
    pub inputs: Option<Vec<String>>,
    /// The target columns' names (`0`, `1`, ... for positions in files without a header).
    pub targets: Option<Vec<String>>,
    /// Targets were taken this many steps after the inputs.
    pub horizon: Option<usize>,
    /// Steps discarded at the start of each training series.
    pub warmup: Option<usize>,
    /// The number of training series.
    pub series: usize,
    /// The classes of a classifier (`fit --classes`).
    pub classes: Option<Classes>,
}

impl Training {
    fn of(about: &serde_json::Value) -> Self {
        let list = |key: &str| {
            about[key].as_array().map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect::<Vec<_>>()
            })
        };
        // numbered columns (a file without a header, or .npy) name positions, not columns
        let names = |key: &str| {
            list(key).filter(|n| {
                !n.is_empty() && n.iter().enumerate().any(|(j, name)| *name != j.to_string())
            })
        };
        let number = |key: &str| about[key].as_u64().map(|v| v as usize);
        Training {
            inputs: names("inputs"),
            targets: list("targets").filter(|n| !n.is_empty()),
            horizon: number("horizon"),
            warmup: number("warmup"),
            series: number("series").unwrap_or(1),
            classes: Classes::from_about(about),
        }
    }

    /// Whether to start from zero: asked for, or the default for a model fitted on several
    /// series, with a note to print once the command succeeds (the default differs from a
    /// one-series model's; a classifier's needs no note).
    pub fn starts_from_zero(&self, reset: bool, keep_state: bool) -> (bool, Option<String>) {
        if reset || keep_state || self.series <= 1 {
            return (reset, None);
        }
        if self.classes.is_some() {
            // a classifier's series are independent by nature: no note
            return (true, None);
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
    fn columns(&self, spec: Option<&str>, t: &Table) -> Result<Option<String>> {
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
            &t.path,
            format!(
                "no column{} {} (the model's inputs are {}, as in its training files; choose \
                 others with --inputs)",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                names.join(", ")
            ),
        ))
    }

    /// The `width` input columns of a series read from `t`: chosen by `spec`, else by the
    /// training columns' names, else every column.
    pub fn select(
        &self,
        t: &Table,
        width: usize,
        spec: Option<&str>,
        what: &str,
    ) -> Result<Mat<f64>> {
        let spec = self.columns(spec, t)?;
        let spec = spec.as_deref();
        let cols = t.select(spec)?;
        if cols.len() != width {
            return Err(Error::data(
                &t.path,
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

    /// Reads the `width` input columns of the series in `path` (see [`Training::select`]).
    pub fn read(
        &self,
        path: &Path,
        width: usize,
        spec: Option<&str>,
        what: &str,
    ) -> Result<Mat<f64>> {
        self.select(&table::read(path)?, width, spec, what)
    }
}

/// A loaded model: an echo state network, or a graph saved with `Model::save`.
#[derive(Debug)]
pub enum Loaded {
    /// An echo state network.
    Esn(Box<Esn>),
    /// A model graph.
    Graph(Box<Model>),
}

impl Loaded {
    /// The number of input columns a series must have.
    pub fn input_dim(&self) -> usize {
        match self {
            Loaded::Esn(esn) => esn.input_dim(),
            Loaded::Graph(model) => model.input_dim(),
        }
    }

    /// Back to the zero state.
    pub fn reset(&mut self) {
        match self {
            Loaded::Esn(esn) => esn.reset(),
            Loaded::Graph(model) => model.reset(),
        }
    }

    /// The outputs of each series from the current state (left unchanged), in parallel, with
    /// the output columns' names: an ESN's `y0`, `y1`, ..., a graph's `<node><k>` (`y0`, ...
    /// for the one readout `aquifer fit` names `y`); a classifier's class names.
    pub fn run_many(
        &mut self,
        xs: &[Mat<f64>],
        classes: Option<&Classes>,
    ) -> Result<(Vec<String>, Vec<Mat<f64>>)> {
        match self {
            Loaded::Esn(esn) => {
                let names = match classes {
                    Some(c) => c.names.clone(),
                    None => numbered("y", esn.output_dim()),
                };
                Ok((names, esn.run_many(xs)?))
            }
            Loaded::Graph(model) => {
                let outputs = model.run_many(xs)?;
                let mut names = Vec::new();
                let tables = outputs
                    .iter()
                    .map(|o| {
                        let (n, data) = outputs_table(o);
                        names = n;
                        data
                    })
                    .collect();
                // a classifier's one readout gives the scores of its classes
                if let Some(c) = classes.filter(|c| c.names.len() == names.len()) {
                    names = c.names.clone();
                }
                Ok((names, tables))
            }
        }
    }
}

/// Reads a model file and its training record.
pub fn load(path: &Path) -> Result<(Loaded, Training)> {
    let file = aquifer::io::read(path)?;
    let model = match file.kind.as_str() {
        "model" => Loaded::Graph(Box::new(Model::from_part(&file)?)),
        _ => Loaded::Esn(Box::new(Esn::from_part(&file)?)),
    };
    Ok((model, Training::of(&file.about)))
}

/// Every output of a graph side by side, columns named `<node><k>`.
pub fn outputs_table(outputs: &Outputs) -> (Vec<String>, Mat<f64>) {
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

/// An unfitted model named by its file, with the command that fits one.
pub fn unfitted(model: &Path, e: Error) -> Error {
    match e {
        Error::Aquifer(aquifer::Error::NotFitted { what }) => Error::usage(format!(
            "{}: its {what} is not fitted; make a fitted model file with `aquifer fit`",
            model.display()
        )),
        e => e,
    }
}
