//! Writing classic pcap files (microsecond timestamps), for building test and benchmark captures
//! and for exporting frames. Plain `std::io`, no libpcap needed.

use std::io::{self, Write};

use crate::clock::Timestamp;

/// LINKTYPE numbers for [`PcapWriter::new`].
pub mod linktype {
    /// Ethernet.
    pub const ETHERNET: u32 = 1;
    /// Linux cooked capture v1.
    pub const LINUX_SLL: u32 = 113;
    /// Cisco HDLC.
    pub const C_HDLC: u32 = 104;
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: u32 = 276;
}

/// Writes a classic (little-endian, microsecond) pcap file.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    snaplen: u32,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header.
    pub fn new(mut out: W, linktype: u32, snaplen: u32) -> io::Result<Self> {
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h[4..6].copy_from_slice(&2u16.to_le_bytes());
        h[6..8].copy_from_slice(&4u16.to_le_bytes());
        h[16..20].copy_from_slice(&snaplen.to_le_bytes());
        h[20..24].copy_from_slice(&linktype.to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter { out, snaplen })
    }

    /// Writes one record; frames longer than the snap length are cut, keeping their wire length.
    pub fn write(&mut self, ts: Timestamp, data: &[u8]) -> io::Result<()> {
        let cap = data.len().min(self.snaplen as usize);
        let mut r = [0u8; 16];
        r[0..4].copy_from_slice(&(ts.secs() as u32).to_le_bytes());
        r[4..8].copy_from_slice(&ts.subsec_micros().to_le_bytes());
        r[8..12].copy_from_slice(&(cap as u32).to_le_bytes());
        r[12..16].copy_from_slice(&(data.len() as u32).to_le_bytes());
        self.out.write_all(&r)?;
        self.out.write_all(&data[..cap])
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
