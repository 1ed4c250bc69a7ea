//! The one error type of the wire layer.
//!
//! Length problems are kept apart from content problems (as etherparse does): a frame cut short by
//! the snap length is a different finding from a frame whose bytes lie. Both are cheap (`Copy`,
//! static strings only), so a parser can record many of them as anomalies without allocating.

use core::fmt;

/// Result of a wire-layer parse.
pub type Result<T> = core::result::Result<T, Error>;

/// What went wrong while parsing a frame.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// The buffer ends before the field or structure does.
    Len {
        /// Protocol layer or structure, e.g. `"lldp.tlv"`.
        layer: &'static str,
        /// Offset of the structure in the layer's buffer.
        offset: usize,
        /// Bytes the structure needs.
        required: usize,
        /// Bytes that were there.
        len: usize,
    },
    /// The bytes are there but say something impossible or invalid.
    Content {
        /// Protocol layer or structure, e.g. `"cdp"`.
        layer: &'static str,
        /// Offset of the offending field in the layer's buffer.
        offset: usize,
        /// What is wrong, as a short phrase: `"bad version"`, `"duplicate TLV"`.
        kind: &'static str,
    },
}

impl Error {
    /// A length error.
    pub const fn len(layer: &'static str, offset: usize, required: usize, len: usize) -> Self {
        Error::Len {
            layer,
            offset,
            required,
            len,
        }
    }

    /// A content error.
    pub const fn content(layer: &'static str, offset: usize, kind: &'static str) -> Self {
        Error::Content {
            layer,
            offset,
            kind,
        }
    }

    /// The layer the error was found in.
    pub fn layer(&self) -> &'static str {
        match self {
            Error::Len { layer, .. } | Error::Content { layer, .. } => layer,
        }
    }

    /// The same error, with its offset moved by `base` (when a nested parser reports relative to
    /// its own buffer and the caller wants offsets in the enclosing one).
    pub fn shifted(self, base: usize) -> Self {
        match self {
            Error::Len {
                layer,
                offset,
                required,
                len,
            } => Error::Len {
                layer,
                offset: offset + base,
                required,
                len,
            },
            Error::Content {
                layer,
                offset,
                kind,
            } => Error::Content {
                layer,
                offset: offset + base,
                kind,
            },
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Len {
                layer,
                offset,
                required,
                len,
            } => write!(
                f,
                "{layer}: truncated at offset {offset}: needs {required} bytes, {len} present"
            ),
            Error::Content {
                layer,
                offset,
                kind,
            } => write!(f, "{layer}: {kind} at offset {offset}"),
        }
    }
}

impl std::error::Error for Error {}

impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Anomalies met while parsing one frame, in the order they were met.
pub type Anomalies = Vec<Error>;
