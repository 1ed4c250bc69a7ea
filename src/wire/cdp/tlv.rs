//! The CDP TLV format, shared with FDP: a 2-byte type, a 2-byte length that counts the 4-byte
//! header, then the value.

use crate::wire::{Error, Result};

/// Bytes of a TLV header (type and length).
pub const HEADER_LEN: usize = 4;

/// Most TLVs a decoder keeps from one message; the rest become one anomaly.
pub const MAX_TLVS: usize = 256;

/// One TLV as found on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawTlv<'a> {
    /// TLV type.
    pub kind: u16,
    /// Offset of the TLV header in the walked buffer.
    pub offset: usize,
    /// The value (after the header).
    pub value: &'a [u8],
}

/// Walks type/length/value entries. A truncated or impossible TLV is an `Err` item, after which
/// the walk ends (the rest of the buffer cannot be framed).
#[derive(Debug, Clone)]
pub struct TlvIter<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    layer: &'static str,
}

impl<'a> TlvIter<'a> {
    /// Walks `buf`; offsets in items and errors are reported as `base + offset in buf`.
    pub fn new(buf: &'a [u8], base: usize, layer: &'static str) -> Self {
        TlvIter {
            buf,
            pos: 0,
            base,
            layer,
        }
    }

    /// Offset (in `buf`) of the next TLV.
    pub fn pos(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Result<RawTlv<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.buf.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let off = self.base + self.pos;
        if rest.len() < HEADER_LEN {
            self.pos = self.buf.len();
            return Some(Err(Error::len(self.layer, off, HEADER_LEN, rest.len())));
        }
        let kind = u16::from_be_bytes([rest[0], rest[1]]);
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        if len < HEADER_LEN {
            self.pos = self.buf.len();
            return Some(Err(Error::content(
                self.layer,
                off + 2,
                "TLV length shorter than its header",
            )));
        }
        if len > rest.len() {
            self.pos = self.buf.len();
            return Some(Err(Error::len(self.layer, off, len, rest.len())));
        }
        self.pos += len;
        Some(Ok(RawTlv {
            kind,
            offset: off,
            value: &rest[HEADER_LEN..len],
        }))
    }
}

/// Writes a TLV header for a value of `value_len` bytes into `buf[..4]`. Values longer than a
/// TLV can carry have their length clamped (emit never panics; such a Repr cannot come from
/// parse).
pub fn emit_header(buf: &mut [u8], kind: u16, value_len: usize) {
    let len = u16::try_from(value_len + HEADER_LEN).unwrap_or(u16::MAX);
    buf[0..2].copy_from_slice(&kind.to_be_bytes());
    buf[2..4].copy_from_slice(&len.to_be_bytes());
}

/// The ones'-complement sum of `buf` as big-endian words (RFC 1071), not yet complemented. An
/// odd final byte is added as the high byte of a word, unless `cisco_odd` is set: Cisco's CDP
/// implementation adds it as a signed low byte instead (a byte >= 0x80 subtracts).
pub fn ones_sum(buf: &[u8], cisco_odd: bool) -> u16 {
    let mut sum: i64 = 0;
    let mut chunks = buf.chunks_exact(2);
    for c in &mut chunks {
        sum += i64::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [b] = chunks.remainder() {
        sum += if cisco_odd {
            i64::from(*b as i8)
        } else {
            i64::from(*b) << 8
        };
    }
    // Ones'-complement arithmetic is arithmetic modulo 0xffff (with 0xffff standing for 0).
    let r = sum.rem_euclid(0xffff);
    if r == 0 && sum != 0 { 0xffff } else { r as u16 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_and_reports_truncation() {
        let buf = [0, 1, 0, 6, b'a', b'b', 0, 2, 0, 9, 1];
        let mut it = TlvIter::new(&buf, 4, "t");
        let t = it.next().unwrap().unwrap();
        assert_eq!((t.kind, t.offset, t.value), (1, 4, &b"ab"[..]));
        assert_eq!(it.next(), Some(Err(Error::len("t", 10, 9, 5))));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn short_length_is_an_error_not_a_loop() {
        let buf = [0, 1, 0, 0, 0, 1, 0, 0];
        let mut it = TlvIter::new(&buf, 0, "t");
        assert!(matches!(it.next(), Some(Err(Error::Content { .. }))));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn ones_sum_odd_byte() {
        assert_eq!(ones_sum(&[0x12, 0x34, 0x56], false), 0x1234 + 0x5600);
        assert_eq!(ones_sum(&[0x12, 0x34, 0x56], true), 0x1234 + 0x56);
        assert_eq!(ones_sum(&[0x00, 0x01, 0x80], true), 0xff80);
        assert_eq!(ones_sum(&[0xff, 0xff], false), 0xffff);
    }
}
