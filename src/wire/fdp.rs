//! Foundry Discovery Protocol (the bytes after the SNAP header, OUI 00-e0-52, PID 0x2000).
//!
//! A 4-byte header (version, hold time, checksum) and CDP-format TLVs, walked by the shared
//! [`cdp::tlv`](super::cdp::tlv) walker. The checksum is kept as sent (Foundry's algorithm is
//! not documented, and tshark does not verify it either).

use core::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::cdp::tlv::{self, HEADER_LEN};
use super::cdp::{Addresses, Lines, Order, UnknownTlv, Unknowns, parse_tlvs};
use super::text::{Hex, Text};
use super::{Anomalies, Error, Result};

const LAYER: &str = "fdp";

/// Byte ranges of the FDP header.
mod field {
    use core::ops::Range;
    pub const VERSION: usize = 0;
    pub const TTL: usize = 1;
    pub const CHECKSUM: Range<usize> = 2..4;
    pub const TLVS: usize = 4;
}

/// Bytes of the FDP header.
pub const HEADER_LEN_FDP: usize = field::TLVS;

/// A checked view of an FDP message.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer holding at least the 4-byte header.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN_FDP {
            return Err(Error::len(LAYER, 0, HEADER_LEN_FDP, len));
        }
        Ok(Packet { buffer })
    }

    /// Protocol version.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION]
    }

    /// Hold time, seconds.
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// Checksum as sent.
    pub fn checksum(&self) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[field::CHECKSUM.start], b[field::CHECKSUM.start + 1]])
    }

    /// The TLV bytes.
    pub fn tlv_bytes(&self) -> &[u8] {
        &self.buffer.as_ref()[field::TLVS..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the version.
    pub fn set_version(&mut self, v: u8) {
        self.buffer.as_mut()[field::VERSION] = v;
    }

    /// Sets the hold time.
    pub fn set_ttl(&mut self, v: u8) {
        self.buffer.as_mut()[field::TTL] = v;
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&v.to_be_bytes());
    }

    /// The TLV bytes, writable.
    pub fn tlv_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::TLVS..]
    }
}

/// FDP TLV type numbers.
pub mod kind {
    /// Device ID.
    pub const DEVICE_ID: u16 = 1;
    /// Network addresses (CDP address-list format).
    pub const NET: u16 = 2;
    /// Port (interface) name.
    pub const PORT_ID: u16 = 3;
    /// Capabilities, as text.
    pub const CAPABILITIES: u16 = 4;
    /// Software version.
    pub const VERSION: u16 = 5;
    /// Platform.
    pub const PLATFORM: u16 = 6;
}

/// One FDP TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tlv<'a> {
    /// Device ID (1).
    DeviceId(Text<'a>),
    /// Addresses (2).
    Net(Addresses<'a>),
    /// Port (3).
    PortId(Text<'a>),
    /// Capabilities (4), text such as `Router` or `Switch`.
    Capabilities(Text<'a>),
    /// Software version (5).
    Version(Text<'a>),
    /// Platform (6).
    Platform(Text<'a>),
    /// Another TLV (VLAN bitmap 0x101, tagging 0x102, ...) or a malformed known one.
    Unknown {
        /// TLV type.
        kind: u16,
        /// Value as sent.
        value: Hex<'a>,
    },
}

impl<'a> Tlv<'a> {
    /// Decodes a TLV value.
    pub fn parse(k: u16, v: &'a [u8]) -> Result<Tlv<'a>> {
        Ok(match k {
            kind::DEVICE_ID => Tlv::DeviceId(Text(v)),
            kind::NET => match Addresses::parse(v, "fdp.tlv") {
                (a, None) => Tlv::Net(a),
                (_, Some(e)) => return Err(e),
            },
            kind::PORT_ID => Tlv::PortId(Text(v)),
            kind::CAPABILITIES => Tlv::Capabilities(Text(v)),
            kind::VERSION => Tlv::Version(Text(v)),
            kind::PLATFORM => Tlv::Platform(Text(v)),
            _ => Tlv::Unknown {
                kind: k,
                value: Hex(v),
            },
        })
    }

    /// The TLV type number.
    pub fn kind(&self) -> u16 {
        match self {
            Tlv::DeviceId(_) => kind::DEVICE_ID,
            Tlv::Net(_) => kind::NET,
            Tlv::PortId(_) => kind::PORT_ID,
            Tlv::Capabilities(_) => kind::CAPABILITIES,
            Tlv::Version(_) => kind::VERSION,
            Tlv::Platform(_) => kind::PLATFORM,
            Tlv::Unknown { kind, .. } => *kind,
        }
    }

    fn value(&self) -> &'a [u8] {
        match self {
            Tlv::DeviceId(t)
            | Tlv::PortId(t)
            | Tlv::Capabilities(t)
            | Tlv::Version(t)
            | Tlv::Platform(t) => t.0,
            Tlv::Net(a) => a.bytes(),
            Tlv::Unknown { value, .. } => value.0,
        }
    }

    /// Bytes on the wire, header included.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.value().len()
    }

    /// Writes the TLV into `buf` (at least `buffer_len()` bytes).
    pub fn emit(&self, buf: &mut [u8]) {
        let v = self.value();
        tlv::emit_header(buf, self.kind(), v.len());
        buf[HEADER_LEN..HEADER_LEN + v.len()].copy_from_slice(v);
    }
}

/// A decoded FDP message.
#[derive(Debug, Clone, PartialEq)]
pub struct Repr<'a> {
    /// Protocol version.
    pub version: u8,
    /// Hold time, seconds.
    pub ttl: u8,
    /// Checksum as sent (written back as is by `emit`).
    pub checksum: u16,
    /// TLVs in wire order.
    pub tlvs: Vec<Tlv<'a>>,
}

macro_rules! first {
    ($(#[$doc:meta])* $name:ident -> $t:ty, $pat:pat => $val:expr) => {
        $(#[$doc])*
        pub fn $name(&self) -> Option<$t> {
            self.tlvs.iter().find_map(|t| match t {
                $pat => Some($val),
                _ => None,
            })
        }
    };
}

impl<'a> Repr<'a> {
    /// Decodes a checked packet, recording anomalies.
    pub fn parse(packet: &Packet<&'a [u8]>, anomalies: &mut Anomalies) -> Result<Repr<'a>> {
        let buf: &'a [u8] = packet.buffer;
        let tlvs = parse_tlvs(
            "fdp.tlv",
            &buf[field::TLVS..],
            field::TLVS,
            anomalies,
            &|k, v| {
                Tlv::parse(k, v).map_err(|e| {
                    (
                        e,
                        Tlv::Unknown {
                            kind: k,
                            value: Hex(v),
                        },
                    )
                })
            },
            &|t: &Tlv| t.kind(),
            &|t: &Tlv| matches!(t, Tlv::Unknown { .. }),
        );
        let r = Repr {
            version: packet.version(),
            ttl: packet.ttl(),
            checksum: packet.checksum(),
            tlvs,
        };
        if r.device_id().is_none() {
            anomalies.push(Error::content(LAYER, buf.len(), "no Device ID TLV"));
        }
        Ok(r)
    }

    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN_FDP + self.tlvs.iter().map(Tlv::buffer_len).sum::<usize>()
    }

    /// Writes the message into `buf[..buffer_len()]`.
    pub fn emit(&self, buf: &mut [u8]) {
        let len = self.buffer_len();
        let mut p = Packet::new_unchecked(&mut buf[..len]);
        p.set_version(self.version);
        p.set_ttl(self.ttl);
        p.set_checksum(self.checksum);
        let out = p.tlv_bytes_mut();
        let mut off = 0;
        for t in &self.tlvs {
            t.emit(&mut out[off..]);
            off += t.buffer_len();
        }
    }

    first!(/// Device ID.
        device_id -> Text<'a>, Tlv::DeviceId(t) => *t);
    first!(/// Addresses.
        addresses -> Addresses<'a>, Tlv::Net(a) => *a);
    first!(/// Port.
        port_id -> Text<'a>, Tlv::PortId(t) => *t);
    first!(/// Capabilities text.
        capabilities -> Text<'a>, Tlv::Capabilities(t) => *t);
    first!(/// Software version.
        software_version -> Text<'a>, Tlv::Version(t) => *t);
    first!(/// Platform.
        platform -> Text<'a>, Tlv::Platform(t) => *t);
}

fn unknown_of<'x>(t: &'x Tlv<'_>) -> Option<UnknownTlv<'x>> {
    match t {
        Tlv::Unknown { kind, value } => Some(UnknownTlv {
            kind: *kind,
            value: *value,
        }),
        _ => None,
    }
}

impl Serialize for Repr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("version", &self.version)?;
        m.serialize_entry("ttl", &self.ttl)?;
        macro_rules! opt {
            ($key:literal, $v:expr) => {
                if let Some(v) = $v {
                    m.serialize_entry($key, &v)?;
                }
            };
        }
        opt!("device_id", self.device_id());
        opt!("addresses", self.addresses());
        opt!("port_id", self.port_id());
        opt!("capabilities", self.capabilities());
        opt!("software_version", self.software_version().map(Lines));
        opt!("platform", self.platform());
        let unknown = Unknowns(&self.tlvs, unknown_of);
        if !unknown.is_empty() {
            m.serialize_entry("unknown_tlvs", &unknown)?;
        }
        m.serialize_entry("tlv_order", &Order(&self.tlvs, Tlv::kind))?;
        m.end()
    }
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{} ttl {}", self.version, self.ttl)?;
        if let Some(d) = self.device_id() {
            write!(f, " device \"{d}\"")?;
        }
        if let Some(p) = self.port_id() {
            write!(f, " port \"{p}\"")?;
        }
        if let Some(p) = self.platform() {
            write!(f, " platform \"{p}\"")?;
        }
        if let Some(a) = self.addresses() {
            for a in a.addresses() {
                write!(f, " addr {a}")?;
            }
        }
        Ok(())
    }
}

/// Decodes an FDP message (lax): `Err` only when the 4-byte header is missing.
pub fn decode<'a>(buf: &'a [u8], anomalies: &mut Anomalies) -> Result<Repr<'a>> {
    let p = Packet::new_checked(buf)?;
    Repr::parse(&p, anomalies)
}

#[cfg(test)]
mod tests;
