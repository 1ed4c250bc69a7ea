//! Reference-database errors: each names the file, the line and the key that was wrong.

use std::path::PathBuf;

/// Why a reference-database file (or an import source) was rejected.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum RefdbError {
    /// A file could not be read or written.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file was read but a value in it is malformed, unknown or out of range.
    #[error("{}:{line}: {key}: {message}", file.display())]
    Invalid {
        /// The file (or `builtin:<name>` for the embedded copy).
        file: PathBuf,
        /// 1-based line of the offending key (or of the record holding it).
        line: usize,
        /// The key, with an index for arrays of tables: `rule[12].class`, or the column of a
        /// line-oriented file: `prefix`.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

impl RefdbError {
    /// An invalid-value error.
    pub fn invalid(
        file: impl Into<PathBuf>,
        line: usize,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        RefdbError::Invalid {
            file: file.into(),
            line,
            key: key.into(),
            message: message.into(),
        }
    }

    /// An I/O error on `file`.
    pub fn io(file: impl Into<PathBuf>, source: std::io::Error) -> Self {
        RefdbError::Io {
            file: file.into(),
            source,
        }
    }
}
