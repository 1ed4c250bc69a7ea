//! Packet sources. The only user of libpcap in the crate.
//!
//! [`file`] reads pcap and pcapng files (replay and `cybriq decode`).

pub mod file;

pub use file::{CaptureError, FileReader, Record};
