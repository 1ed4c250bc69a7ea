//! Reading pcap / pcapng capture files through libpcap.

use std::path::{Path, PathBuf};

use crate::clock::Timestamp;
use crate::wire::LinkType;

/// Why a capture file could not be read.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// libpcap could not open the file: missing, unreadable, or not a pcap/pcapng capture.
    #[error("{path}: cannot read as a pcap/pcapng capture: {reason}")]
    Open {
        /// The file.
        path: PathBuf,
        /// libpcap's message.
        reason: String,
    },
    /// The capture's link type is not one the sensor decodes.
    #[error(
        "{path}: link type {linktype} ({name}) is not supported (Ethernet, Linux cooked v1/v2 and Cisco HDLC are)"
    )]
    UnsupportedLinkType {
        /// The file.
        path: PathBuf,
        /// LINKTYPE number.
        linktype: i32,
        /// libpcap's name for it.
        name: String,
    },
    /// A record could not be read (typically a file cut short); records before it were read.
    #[error("{path}: read error after {records} records: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Records read before the error.
        records: u64,
        /// libpcap's message.
        reason: String,
    },
}

/// One captured frame.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// Capture time.
    pub ts: Timestamp,
    /// Length on the wire (may exceed `data.len()` when the snap length cut it).
    pub wire_len: u32,
    /// The captured bytes.
    pub data: &'a [u8],
}

/// A capture file open for reading, record by record.
pub struct FileReader {
    cap: pcap::Capture<pcap::Offline>,
    link: LinkType,
    path: PathBuf,
    records: u64,
}

impl std::fmt::Debug for FileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileReader")
            .field("path", &self.path)
            .field("link", &self.link)
            .field("records", &self.records)
            .finish()
    }
}

impl FileReader {
    /// Opens a pcap or pcapng file.
    pub fn open(path: &Path) -> Result<FileReader, CaptureError> {
        let cap = pcap::Capture::from_file(path).map_err(|e| CaptureError::Open {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let dl = cap.get_datalink();
        let link =
            LinkType::from_linktype(dl.0).ok_or_else(|| CaptureError::UnsupportedLinkType {
                path: path.to_owned(),
                linktype: dl.0,
                name: dl.get_name().unwrap_or_else(|_| "unknown".into()),
            })?;
        Ok(FileReader {
            cap,
            link,
            path: path.to_owned(),
            records: 0,
        })
    }

    /// The file's link type.
    pub fn link_type(&self) -> LinkType {
        self.link
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records read so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The next record, `Ok(None)` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, CaptureError> {
        match self.cap.next_packet() {
            Ok(p) => {
                self.records += 1;
                Ok(Some(Record {
                    ts: Timestamp::from_secs_micros(p.header.ts.tv_sec, p.header.ts.tv_usec),
                    wire_len: p.header.len,
                    data: p.data,
                }))
            }
            Err(pcap::Error::NoMorePackets) => Ok(None),
            Err(e) => Err(CaptureError::Read {
                path: self.path.clone(),
                records: self.records,
                reason: e.to_string(),
            }),
        }
    }
}

/// A whole capture in memory: its link type, every (timestamp, bytes) record, and the read
/// error that ended it early, if one did.
pub type Loaded = (LinkType, Vec<(Timestamp, Vec<u8>)>, Option<CaptureError>);

/// Every record of a file, copied. A read error after some records ends the list there (the
/// error is returned beside what was read).
pub fn read_all(path: &Path) -> Result<Loaded, CaptureError> {
    let mut r = FileReader::open(path)?;
    let mut v = Vec::new();
    loop {
        match r.next_record() {
            Ok(Some(rec)) => v.push((rec.ts, rec.data.to_vec())),
            Ok(None) => return Ok((r.link_type(), v, None)),
            Err(e) => return Ok((r.link_type(), v, Some(e))),
        }
    }
}
