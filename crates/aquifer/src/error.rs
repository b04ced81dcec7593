//! The crate's error type.
//!
//! Every fallible operation returns [`Result`]. Variants name what was wrong with enough context
//! (shapes, positions, values, parameter names) to fix the call without reading the source.

use std::path::PathBuf;

/// Errors returned by Aquifer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two shapes that must agree do not.
    #[error("shape mismatch in {what}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// What was being checked (e.g. "input series 3").
        what: String,
        /// The shape that was required, as text (e.g. "(_, 2)").
        expected: String,
        /// The shape that was given.
        got: String,
    },
    /// A NaN or infinite value was found in data.
    #[error("non-finite value {value} in {what} at row {row}, column {col}")]
    NonFinite {
        /// Which data (e.g. "target series 0").
        what: String,
        /// Row (time step) of the value.
        row: usize,
        /// Column (feature) of the value.
        col: usize,
        /// The offending value.
        value: f64,
    },
    /// A series, batch or list that must not be empty is empty.
    #[error("{what} is empty")]
    Empty {
        /// What was empty.
        what: String,
    },
    /// A hyperparameter is outside its valid range.
    #[error("invalid value for `{name}`: {value} ({reason})")]
    InvalidParameter {
        /// Name of the parameter.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// What the valid range is.
        reason: String,
    },
    /// The warmup would discard every row of a series.
    #[error("warmup of {warmup} steps leaves no training rows in series {series} of length {len}")]
    WarmupTooLong {
        /// The warmup requested.
        warmup: usize,
        /// Length of the series.
        len: usize,
        /// Index of the series.
        series: usize,
    },
    /// Lists of series that must correspond one to one have different lengths.
    #[error("{inputs} input series but {targets} target series")]
    SeriesCountMismatch {
        /// Number of input series.
        inputs: usize,
        /// Number of target series.
        targets: usize,
    },
    /// A readout or model was used to predict before it was fitted.
    #[error("{what} is not fitted: fit it first")]
    NotFitted {
        /// What was not fitted (e.g. "ridge readout `out`").
        what: String,
    },
    /// A model was asked for something it cannot do in its configuration.
    #[error("{operation}: {reason}")]
    Unsupported {
        /// The operation (e.g. "fit", "generate").
        operation: &'static str,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A model was given targets of a kind it does not learn.
    #[error("{model} learns from {expected}, not {given}")]
    UnsupportedTargets {
        /// The model family.
        model: &'static str,
        /// The kind of targets given.
        given: &'static str,
        /// The kind it learns from.
        expected: &'static str,
    },
    /// No node of a model graph has this name.
    #[error("no node named `{name}`")]
    UnknownNode {
        /// The name asked for.
        name: String,
    },
    /// Two nodes of a model graph share a name, or a name is empty.
    #[error("node names must be unique and non-empty: `{name}`")]
    DuplicateNode {
        /// The repeated (or empty) name.
        name: String,
    },
    /// Edges without delay form a cycle.
    #[error("a cycle without delay: {} (give one of its edges a delay >= 1)", nodes.join(" -> "))]
    Cycle {
        /// The nodes along the cycle, the first repeated at the end.
        nodes: Vec<String>,
    },
    /// A node's edges carry another number of features than the node takes.
    #[error("node `{node}` takes {expected} input features but its edges carry {got}")]
    WidthMismatch {
        /// The node.
        node: String,
        /// Features it takes.
        expected: usize,
        /// Features its incoming edges carry.
        got: usize,
    },
    /// A node of a model graph is wired in a way the graph cannot run.
    #[error("node `{node}` {problem}")]
    Wiring {
        /// The node (or the builder index of a node from another builder).
        node: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Something (a user-defined node, for example) has no model-file form.
    #[error("{what} cannot be saved")]
    CannotSave {
        /// What could not be saved, with its type.
        what: String,
    },
    /// An error inside one node of a model graph.
    #[error("node `{node}`: {source}")]
    InNode {
        /// The node's name.
        node: String,
        /// What went wrong there.
        source: Box<Error>,
    },
    /// A linear system could not be solved, even with the stable fallback.
    #[error("linear solve failed: {0}")]
    Solve(String),
    /// An eigenvalue computation failed or did not converge.
    #[error("eigenvalue computation failed: {0}")]
    Eigen(String),
    /// Bundled or user data could not be parsed.
    #[error("data error in {source_name}: {reason}")]
    Data {
        /// Where the data came from (file or dataset name).
        source_name: String,
        /// What was wrong, with the line where known.
        reason: String,
    },
    /// Something would need more memory than this machine could ever hold (see
    /// [`memory`](crate::memory)).
    #[error(
        "{what} would need about {}, more than this machine's {} of memory and swap",
        crate::size::human(*bytes),
        crate::size::human(u128::from(*limit))
    )]
    TooLarge {
        /// What was asked for (e.g. "a reservoir of 100000000 units").
        what: String,
        /// The estimated bytes.
        bytes: u128,
        /// The machine's memory and swap, in bytes.
        limit: u64,
    },
    /// A search objective of the caller's failed (its own error, as text).
    #[error("{0}")]
    Objective(String),
    /// An I/O operation failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Result type of Aquifer.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid(name: &'static str, value: impl std::fmt::Display, reason: &str) -> Self {
        Error::InvalidParameter {
            name,
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }

    /// Shorthand for [`Error::ShapeMismatch`].
    pub(crate) fn shape(
        what: impl Into<String>,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) -> Self {
        Error::ShapeMismatch {
            what: what.into(),
            expected: expected.into(),
            got: got.into(),
        }
    }
}

/// Checks that a connectivity (fraction of nonzero entries) lies in (0, 1].
pub(crate) fn check_connectivity(name: &'static str, value: f64) -> Result<()> {
    if value > 0.0 && value <= 1.0 {
        Ok(())
    } else {
        Err(Error::invalid(name, value, "must lie in (0, 1]"))
    }
}

/// Checks that a value is finite and >= 0.
pub(crate) fn check_non_negative(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(name, value, "must be finite and >= 0"))
    }
}

/// Checks that a value is finite and > 0.
pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(name, value, "must be finite and > 0"))
    }
}

/// Checks that a probability lies in [0, 1].
pub(crate) fn check_probability(name: &'static str, value: f64) -> Result<()> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(name, value, "must lie in [0, 1]"))
    }
}
