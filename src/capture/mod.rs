//! Packet sources. The only user of libpcap in the crate.
//!
//! [`file`] reads pcap and pcapng files (replay and `cybriq decode`); [`write`] writes pcap
//! files (test and benchmark captures).

pub mod file;
pub mod filter;
pub mod live;
pub mod write;

pub use file::{CaptureError, FileReader, Record, read_all};
pub use filter::control_plane_filter;
pub use live::{CaptureStats, Frame, LiveCapture, LiveError, StatsHandle};
pub use write::PcapWriter;
