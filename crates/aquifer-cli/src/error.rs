//! The command line's errors: each prints as one line naming the problem.

use std::path::{Path, PathBuf};

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error of the library (shapes, hyperparameters, non-finite values, model files...).
    #[error(transparent)]
    Aquifer(#[from] aquifer::Error),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A data file (CSV or .npy) is malformed or holds values that cannot be used.
    #[error("{}: {reason}", path.display())]
    Data {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line, row or column where it applies.
        reason: String,
    },
    /// A model configuration file is invalid.
    #[error("{}: {reason}", path.display())]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong (the key, and the line where it applies).
        reason: String,
    },
    /// The arguments contradict each other or the data.
    #[error("{0}")]
    Usage(String),
    /// A plot could not be drawn.
    #[error("plot {}: {reason}", path.display())]
    Plot {
        /// The picture file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// The command line's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A data error about `path`.
    pub fn data(path: &Path, reason: impl Into<String>) -> Self {
        Error::Data {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    /// An I/O error about `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A usage error.
    pub fn usage(reason: impl Into<String>) -> Self {
        Error::Usage(reason.into())
    }
}
