//! A bounds-checked reader over a byte slice.
//!
//! Every read either returns the bytes or an [`Error::Len`] naming the layer and offset, so a
//! parser built on it cannot index out of bounds and cannot loop: each successful read advances.

use super::{Error, Result};

/// Reads big-endian integers and sub-slices from a buffer, front to back.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    layer: &'static str,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`; errors name `layer`.
    pub fn new(buf: &'a [u8], layer: &'static str) -> Self {
        Cursor { buf, pos: 0, layer }
    }

    /// Offset of the next byte to read.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The bytes not yet read, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.remaining() < n {
            return Err(Error::len(self.layer, self.pos, n, self.remaining()));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Takes every byte not yet read.
    pub fn take_rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }

    /// Takes a fixed-size array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// Reads one byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// Reads a big-endian u16.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian 24-bit integer.
    pub fn u24(&mut self) -> Result<u32> {
        let a: [u8; 3] = self.array()?;
        Ok(u32::from_be_bytes([0, a[0], a[1], a[2]]))
    }

    /// Reads a big-endian u32.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian u64.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }
}

/// Big-endian u16 at `off`, or `None` past the end.
#[inline]
pub fn be_u16(buf: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_be_bytes(buf.get(off..off + 2)?.try_into().ok()?))
}

/// Big-endian u32 at `off`, or `None` past the end.
#[inline]
pub fn be_u32(buf: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_be_bytes(buf.get(off..off + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_reports_truncation() {
        let mut c = Cursor::new(&[1, 2, 3, 4, 5], "t");
        assert_eq!(c.u16().unwrap(), 0x0102);
        assert_eq!(c.u24().unwrap(), 0x030405);
        assert!(c.is_empty());
        assert_eq!(c.u8(), Err(Error::len("t", 5, 1, 0)));
        assert_eq!(be_u16(&[1], 0), None);
        assert_eq!(be_u32(&[0, 0, 0, 7], 0), Some(7));
    }
}
