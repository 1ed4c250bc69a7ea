//! Configuration errors: each names where (file, line, key) and what is allowed.

use std::path::PathBuf;

/// Why a configuration was rejected.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not valid TOML, or a key/value serde rejected (unknown key, wrong type, missing key).
    #[error("{origin}: line {line}, column {column}: {message}")]
    Parse {
        /// File name or other origin.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was wrong (names the key).
        message: String,
    },
    /// Parsed, but a value is out of range or inconsistent.
    #[error("{key}: {message}")]
    Invalid {
        /// Dotted key, with indices for arrays of tables: `switch[2].address`.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A secret could not be resolved (missing file or environment variable).
    #[error("{key}: {message}")]
    Secret {
        /// The key holding the secret.
        key: String,
        /// What is missing (never the secret itself).
        message: String,
    },
}

impl ConfigError {
    /// An invalid-value error for `key`.
    pub fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }

    /// A parse error with the line and column of its span in `text`.
    pub fn parse(origin: &str, text: &str, e: &toml::de::Error) -> Self {
        let (line, column) = match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                (line, column)
            }
            None => (0, 0),
        };
        ConfigError::Parse {
            origin: origin.to_owned(),
            line,
            column,
            message: e.message().trim().to_owned(),
        }
    }
}
