//! `cybriq decode`: capture files to one readable line or one JSON object per decoded frame.
//!
//! The JSON keys are a contract other tools rely on (see [`json`]). Frames of protocols the
//! sensor does not read are skipped; a frame that is recognised but malformed is still printed,
//! with what parsed and its anomalies.

pub mod json;
pub mod text;

use std::io::Write;
use std::path::Path;

use crate::capture::{CaptureError, FileReader};
use crate::wire::frame;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One readable line per frame.
    Text,
    /// One JSON object per frame.
    Json,
}

/// What decoding one file found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSummary {
    /// Records in the file.
    pub records: u64,
    /// Records printed (control-plane frames).
    pub decoded: u64,
    /// Decoded frames that had at least one anomaly.
    pub with_anomalies: u64,
    /// A read error that ended the file early (records before it were decoded).
    pub read_error: Option<String>,
}

/// Why decoding a file failed.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file could not be opened as a capture.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

/// Decodes every frame of `path`, writing lines to `out`.
pub fn decode_file(
    path: &Path,
    format: Format,
    out: &mut impl Write,
) -> Result<FileSummary, DecodeError> {
    let mut reader = FileReader::open(path)?;
    let link = reader.link_type();
    let name = path.to_string_lossy().into_owned();
    let mut summary = FileSummary::default();
    let mut index = 0u64;
    loop {
        let rec = match reader.next_record() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => {
                summary.read_error = Some(e.to_string());
                break;
            }
        };
        index += 1;
        let f = frame::decode(link, rec.data);
        if f.payload.proto().is_none() {
            continue;
        }
        summary.decoded += 1;
        if !f.anomalies.is_empty() {
            summary.with_anomalies += 1;
        }
        match format {
            Format::Json => {
                let j = json::FrameJson {
                    file: &name,
                    index,
                    ts: rec.ts,
                    frame: &f,
                };
                serde_json::to_writer(&mut *out, &j).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            }
            Format::Text => {
                writeln!(
                    out,
                    "{}",
                    text::Line {
                        index,
                        ts: rec.ts,
                        frame: &f
                    }
                )?;
            }
        }
    }
    summary.records = index;
    Ok(summary)
}

/// Decodes a file to JSON values (for tests and tools that want the objects in memory).
pub fn decode_file_values(path: &Path) -> Result<Vec<serde_json::Value>, DecodeError> {
    let mut buf = Vec::new();
    decode_file(path, Format::Json, &mut buf)?;
    Ok(buf
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect())
}
