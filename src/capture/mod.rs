//! Packet sources. The only user of libpcap in the crate.
//!
//! [`file`] reads pcap and pcapng files (replay and `cybriq decode`); [`write`] writes pcap
//! files (test and benchmark captures).

pub mod file;
pub mod write;

pub use file::{CaptureError, FileReader, Record, read_all};
pub use write::PcapWriter;
