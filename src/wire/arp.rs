//! Placeholder for the arp parser (being written).

use serde::Serialize;

use super::{Anomalies, Result};

/// Decoded arp message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repr<'a> {
    /// Raw bytes.
    #[serde(skip)]
    pub raw: &'a [u8],
}

impl Repr<'_> {
    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        self.raw.len()
    }

    /// Writes the message into `buf` (at least `buffer_len()` bytes).
    pub fn emit(&self, buf: &mut [u8]) {
        buf[..self.raw.len()].copy_from_slice(self.raw);
    }
}

/// Decodes a arp message.
pub fn decode<'a>(buf: &'a [u8], _anomalies: &mut Anomalies) -> Result<Repr<'a>> {
    Ok(Repr { raw: buf })
}

impl core::fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} bytes", self.raw.len())
    }
}
