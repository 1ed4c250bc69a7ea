//! Value types shared by the parsers: MAC addresses, text fields and opaque bytes.
//!
//! Text on the wire is bytes, not always UTF-8 and sometimes NUL-terminated. [`Text`] keeps the
//! bytes (so `emit` round-trips them exactly) and shows them as lossy UTF-8 with trailing NULs
//! dropped; [`Hex`] shows opaque bytes as lower-case hex.

use core::fmt;

use serde::{Serialize, Serializer};

/// An IEEE 802 MAC address. Shows and serialises as lower-case colon hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// The broadcast address.
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);

    /// A MAC address from exactly six bytes.
    pub fn from_bytes(b: &[u8]) -> Option<MacAddr> {
        Some(MacAddr(b.try_into().ok()?))
    }

    /// The six bytes.
    pub fn as_bytes(&self) -> &[u8; 6] {
        &self.0
    }

    /// Whether the group (multicast) bit is set.
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 == 1
    }

    /// Whether the locally-administered bit is set (randomised and virtual MACs).
    pub fn is_local(&self) -> bool {
        self.0[0] & 2 == 2
    }

    /// Formats into a fixed buffer without allocating.
    pub fn to_array_string(&self) -> [u8; 17] {
        let mut out = [b':'; 17];
        for (i, b) in self.0.iter().enumerate() {
            out[i * 3] = HEX[(b >> 4) as usize];
            out[i * 3 + 1] = HEX[(b & 0xf) as usize];
        }
        out
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.to_array_string();
        // The buffer holds only ASCII hex digits and colons.
        f.write_str(core::str::from_utf8(&s).unwrap_or("??"))
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for MacAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.to_array_string();
        s.serialize_str(core::str::from_utf8(&a).unwrap_or("??"))
    }
}

impl core::str::FromStr for MacAddr {
    type Err = &'static str;

    /// Parses `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff`, `aabb.ccdd.eeff` or `aabbccddeeff`
    /// (any case), without allocating: the forwarding tables of every SNMP poll are parsed
    /// with it. Each pair of digits reads as `u8::from_str_radix(pair, 16)` does (a leading
    /// `+` included).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut hex = [0u8; 12];
        let mut n = 0;
        for b in s.bytes().filter(|b| !matches!(b, b':' | b'-' | b'.')) {
            if n == hex.len() {
                return Err("a MAC address has 12 hex digits");
            }
            hex[n] = b;
            n += 1;
        }
        if n != hex.len() {
            return Err("a MAC address has 12 hex digits");
        }
        let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8).ok_or("not hex");
        let mut m = [0u8; 6];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            m[i] = match pair[0] {
                b'+' => digit(pair[1])?,
                hi => digit(hi)? << 4 | digit(pair[1])?,
            };
        }
        Ok(MacAddr(m))
    }
}

impl<'de> serde::Deserialize<'de> for MacAddr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A text field as sent: shown as lossy UTF-8, trailing NUL bytes dropped.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Text<'a>(pub &'a [u8]);

impl<'a> Text<'a> {
    /// The bytes as sent.
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The bytes without trailing NULs.
    pub fn trimmed(&self) -> &'a [u8] {
        let mut b = self.0;
        while let [rest @ .., 0] = b {
            b = rest;
        }
        b
    }

    /// The text as a string, replacing invalid UTF-8 with U+FFFD.
    pub fn to_str_lossy(&self) -> std::borrow::Cow<'a, str> {
        String::from_utf8_lossy(self.trimmed())
    }

    /// Whether the field is empty (after trailing NULs are dropped).
    pub fn is_empty(&self) -> bool {
        self.trimmed().is_empty()
    }
}

impl fmt::Display for Text<'_> {
    /// Control characters are escaped so that a frame cannot forge lines in text output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.to_str_lossy().chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_str_lossy(), f)
    }
}

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match core::str::from_utf8(self.trimmed()) {
            Ok(t) => s.serialize_str(t),
            Err(_) => s.serialize_str(&self.to_str_lossy()),
        }
    }
}

/// Opaque bytes, shown and serialised as lower-case hex without separators.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Hex<'a>(pub &'a [u8]);

impl Hex<'_> {
    /// The hex string.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(self.0.len() * 2);
        for b in self.0 {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 0xf) as usize] as char);
        }
        s
    }
}

impl Hex<'_> {
    /// Writes the hex through a stack buffer, 128 input bytes at a time (no allocation).
    fn write_chunks(&self, mut out: impl FnMut(&str) -> fmt::Result) -> fmt::Result {
        let mut buf = [0u8; 256];
        for chunk in self.0.chunks(128) {
            for (i, b) in chunk.iter().enumerate() {
                buf[2 * i] = HEX[(b >> 4) as usize];
                buf[2 * i + 1] = HEX[(b & 0xf) as usize];
            }
            // Only ASCII hex digits were written.
            out(core::str::from_utf8(&buf[..chunk.len() * 2]).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_chunks(|s| f.write_str(s))
    }
}

impl fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hex({self})")
    }
}

impl Serialize for Hex<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.len() <= 128 {
            let mut buf = [0u8; 256];
            for (i, b) in self.0.iter().enumerate() {
                buf[2 * i] = HEX[(b >> 4) as usize];
                buf[2 * i + 1] = HEX[(b & 0xf) as usize];
            }
            let t = core::str::from_utf8(&buf[..self.0.len() * 2])
                .map_err(serde::ser::Error::custom)?;
            s.serialize_str(t)
        } else {
            s.collect_str(self)
        }
    }
}

/// Serialises a byte slice as lower-case hex (for `#[serde(serialize_with)]`).
pub fn ser_hex<S: Serializer>(b: &&[u8], s: S) -> Result<S::Ok, S::Error> {
    Hex(b).serialize(s)
}

/// The lower-case name of a code, or `unknown-<n>` when the code is not known. Code enums
/// serialise through this so JSON consumers always get a string.
pub fn code_name(name: Option<&'static str>, code: u32) -> std::borrow::Cow<'static, str> {
    match name {
        Some(n) => n.into(),
        None => format!("unknown-{code}").into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_formats_lower_colon_hex() {
        let m = MacAddr([0x00, 0x1B, 0x54, 0xAA, 0x0f, 0xff]);
        assert_eq!(m.to_string(), "00:1b:54:aa:0f:ff");
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"00:1b:54:aa:0f:ff\"");
        assert!(!m.is_multicast());
        assert!(MacAddr([0x01, 0x80, 0xc2, 0, 0, 0x0e]).is_multicast());
    }

    #[test]
    fn mac_parses_common_notations() {
        let want = MacAddr([0x00, 0x1b, 0x54, 0xaa, 0x0f, 0xff]);
        for s in [
            "00:1b:54:aa:0f:ff",
            "00-1B-54-AA-0F-FF",
            "001b.54aa.0fff",
            "001b54aa0fff",
        ] {
            assert_eq!(s.parse::<MacAddr>(), Ok(want), "{s}");
        }
        assert!("00:1b:54".parse::<MacAddr>().is_err());
        assert!("zz:1b:54:aa:0f:ff".parse::<MacAddr>().is_err());
        let m: MacAddr = serde_json::from_str("\"00:1b:54:aa:0f:ff\"").unwrap();
        assert_eq!(m, want);
    }

    /// The allocation-free parser reads every input as the earlier one (digits collected into
    /// a `Vec`, each pair through `u8::from_str_radix`) did.
    #[test]
    fn mac_parse_matches_from_str_radix() {
        fn reference(s: &str) -> Result<MacAddr, &'static str> {
            let hex: Vec<u8> = s
                .bytes()
                .filter(|b| !matches!(b, b':' | b'-' | b'.'))
                .collect();
            if hex.len() != 12 {
                return Err("a MAC address has 12 hex digits");
            }
            let mut m = [0u8; 6];
            for (i, pair) in hex.chunks(2).enumerate() {
                let t = core::str::from_utf8(pair).map_err(|_| "not hex")?;
                m[i] = u8::from_str_radix(t, 16).map_err(|_| "not hex")?;
            }
            Ok(MacAddr(m))
        }
        for s in [
            "+0:1b:54:aa:0f:ff",
            "0+:1b:54:aa:0f:ff",
            "++:1b:54:aa:0f:ff",
            "-0:1b:54:aa:0f:ff",
            "00:1b:54:aa:0f:f\u{e9}",
            "\u{e9}0:1b:54:aa:0f:f",
            "00:1b:54:aa:0f:ff:00",
            "00::1b::54::aa::0f::ff",
            "001b54aa0fff0",
            "001B54AA0FFG",
            "",
            "  1b54aa0fff",
        ] {
            assert_eq!(s.parse::<MacAddr>(), reference(s), "{s:?}");
        }
    }

    #[test]
    fn text_drops_trailing_nul_and_escapes_controls() {
        assert_eq!(Text(b"nas1\0").to_string(), "nas1");
        assert_eq!(Text(b"a\nb").to_string(), "a\\nb");
        assert_eq!(
            serde_json::to_string(&Text(b"a\xffb")).unwrap(),
            "\"a\u{fffd}b\""
        );
        assert_eq!(Hex(&[0x01, 0xab]).to_string(), "01ab");
        let long: Vec<u8> = (0..=255).collect();
        let want: String = long.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(Hex(&long).to_string(), want);
        assert_eq!(
            serde_json::to_string(&Hex(&long)).unwrap(),
            format!("\"{want}\"")
        );
        assert_eq!(
            serde_json::to_string(&Hex(&long[..128])).unwrap(),
            format!("\"{}\"", &want[..256])
        );
    }
}
