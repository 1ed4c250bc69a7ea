//! Port tables from files: what `cybriq poll --json` prints (one JSON object per switch, one
//! per line), also accepted as one object, an array, or pretty-printed objects one after the
//! other. `cybriq replay --fdb FILE` reads them.

use std::path::{Path, PathBuf};

use crate::snmp::PortTable;

/// Why a port-table file could not be used.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum FdbError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A value in it is not a port table.
    #[error("{path}: table {index}: {source} (expected what `cybriq poll --json` prints)")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based position of the bad value.
        index: usize,
        /// serde_json's error (with line and column).
        source: serde_json::Error,
    },
    /// The file holds no table.
    #[error("{path}: no port table in the file")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Reads every port table in a file.
pub fn load(path: &Path) -> Result<Vec<PortTable>, FdbError> {
    let text = std::fs::read_to_string(path).map_err(|source| FdbError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(&text)
        .map_err(|(index, source)| FdbError::Json {
            path: path.to_owned(),
            index,
            source,
        })
        .and_then(|v| {
            if v.is_empty() {
                Err(FdbError::Empty {
                    path: path.to_owned(),
                })
            } else {
                Ok(v)
            }
        })
}

/// Parses the tables of a text; on error, the 1-based index of the bad value.
pub fn parse(text: &str) -> Result<Vec<PortTable>, (usize, serde_json::Error)> {
    let mut out = Vec::new();
    let stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    for (i, v) in stream.enumerate() {
        let v = v.map_err(|e| (i + 1, e))?;
        match v {
            serde_json::Value::Array(items) => {
                for (j, item) in items.into_iter().enumerate() {
                    out.push(serde_json::from_value(item).map_err(|e| (i + j + 1, e))?);
                }
            }
            other => out.push(serde_json::from_value(other).map_err(|e| (i + 1, e))?),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"switch":{"name":"sw1"},"status":"ok","ports":[{"if_index":1,"name":"Gi1/0/1","macs":[{"mac":"00:11:22:33:44:55","vlan":10}],"neighbors":[],"uplink":false}],"arp":[],"anomalies":[]}"#;

    #[test]
    fn lines_arrays_and_pretty_objects() {
        assert_eq!(parse(ONE).unwrap().len(), 1);
        assert_eq!(parse(&format!("{ONE}\n{ONE}\n")).unwrap().len(), 2);
        assert_eq!(parse(&format!("[{ONE},{ONE}]")).unwrap().len(), 2);
        let v: serde_json::Value = serde_json::from_str(ONE).unwrap();
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        assert_eq!(parse(&format!("{pretty}\n{pretty}")).unwrap().len(), 2);
    }

    #[test]
    fn bad_value_is_named() {
        let (i, _) = parse(&format!("{ONE}\n{{\"switch\": 3}}")).unwrap_err();
        assert_eq!(i, 2);
    }
}
