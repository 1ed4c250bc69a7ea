//! Extreme Discovery Protocol (the bytes after the SNAP header, OUI 00-e0-2b, PID 0x00bb).
//!
//! A 16-byte header (version, reserved, length of the whole message, RFC 1071 checksum,
//! sequence number, machine-ID type and MAC), then TLVs: marker `0x99`, type, 2-byte length
//! counting the 4-byte TLV header. Display (1), Info (2) and VLAN (5) are decoded; Null (0) ends
//! the list; ESRP, EAPS, ELRP and others are kept raw. Bytes past the header's length (Ethernet
//! padding) are ignored.

use core::fmt;
use std::net::Ipv4Addr;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::cdp::tlv::ones_sum;
use super::cdp::{Order, UnknownTlv, Unknowns};
use super::text::{Hex, Text};
use super::{Anomalies, Error, MacAddr, Result};

const LAYER: &str = "edp";
const LAYER_TLV: &str = "edp.tlv";

/// Byte ranges of the EDP header.
mod field {
    use core::ops::Range;
    pub const VERSION: usize = 0;
    pub const RESERVED: usize = 1;
    pub const LENGTH: Range<usize> = 2..4;
    pub const CHECKSUM: Range<usize> = 4..6;
    pub const SEQUENCE: Range<usize> = 6..8;
    pub const MACHINE_ID_TYPE: Range<usize> = 8..10;
    pub const MACHINE_MAC: Range<usize> = 10..16;
    pub const TLVS: usize = 16;
}

/// Bytes of the EDP header.
pub const HEADER_LEN: usize = field::TLVS;
/// Bytes of a TLV header.
pub const TLV_HEADER_LEN: usize = 4;
/// The TLV marker byte.
pub const TLV_MARKER: u8 = 0x99;
const MAX_TLVS: usize = 256;

/// A checked view of an EDP message.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

fn be16(b: &[u8], r: core::ops::Range<usize>) -> u16 {
    u16::from_be_bytes([b[r.start], b[r.start + 1]])
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer holding at least the 16-byte header.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::len(LAYER, 0, HEADER_LEN, len));
        }
        Ok(Packet { buffer })
    }

    /// Protocol version.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION]
    }

    /// Reserved byte.
    pub fn reserved(&self) -> u8 {
        self.buffer.as_ref()[field::RESERVED]
    }

    /// Length of the message, header included, as sent.
    pub fn length(&self) -> u16 {
        be16(self.buffer.as_ref(), field::LENGTH)
    }

    /// Checksum as sent.
    pub fn checksum(&self) -> u16 {
        be16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// Sequence number.
    pub fn sequence(&self) -> u16 {
        be16(self.buffer.as_ref(), field::SEQUENCE)
    }

    /// Machine ID type (0 = MAC).
    pub fn machine_id_type(&self) -> u16 {
        be16(self.buffer.as_ref(), field::MACHINE_ID_TYPE)
    }

    /// Machine MAC address.
    pub fn machine_mac(&self) -> MacAddr {
        let b = &self.buffer.as_ref()[field::MACHINE_MAC];
        MacAddr([b[0], b[1], b[2], b[3], b[4], b[5]])
    }

    /// The message as the length field bounds it (the whole buffer if the field lies).
    pub fn message(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        let n = usize::from(self.length());
        if (HEADER_LEN..=b.len()).contains(&n) {
            &b[..n]
        } else {
            b
        }
    }

    /// Whether the checksum verifies over the message.
    pub fn verify_checksum(&self) -> bool {
        ones_sum(self.message(), false) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the version.
    pub fn set_version(&mut self, v: u8) {
        self.buffer.as_mut()[field::VERSION] = v;
    }

    /// Sets the reserved byte.
    pub fn set_reserved(&mut self, v: u8) {
        self.buffer.as_mut()[field::RESERVED] = v;
    }

    /// Sets the length.
    pub fn set_length(&mut self, v: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the sequence number.
    pub fn set_sequence(&mut self, v: u16) {
        self.buffer.as_mut()[field::SEQUENCE].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the machine ID type.
    pub fn set_machine_id_type(&mut self, v: u16) {
        self.buffer.as_mut()[field::MACHINE_ID_TYPE].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the machine MAC.
    pub fn set_machine_mac(&mut self, m: MacAddr) {
        self.buffer.as_mut()[field::MACHINE_MAC].copy_from_slice(&m.0);
    }

    /// Computes and writes the checksum over the whole buffer.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let s = ones_sum(self.buffer.as_ref(), false);
        self.set_checksum(!s);
    }
}

/// EDP TLV types.
pub mod kind {
    /// Null (end of list).
    pub const NULL: u8 = 0;
    /// Display name.
    pub const DISPLAY: u8 = 1;
    /// Slot, port and software version.
    pub const INFO: u8 = 2;
    /// VLAN.
    pub const VLAN: u8 = 5;
}

/// The Info TLV (2): slot, port, virtual chassis, software version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Info<'a> {
    /// Slot, 0-based as sent (shown 1-based).
    pub slot: u16,
    /// Port, 0-based as sent (shown 1-based).
    pub port: u16,
    /// Virtual chassis ID.
    pub virtual_chassis: u16,
    /// Reserved (6 bytes as sent).
    pub reserved: Hex<'a>,
    /// Version: major, minor, sustaining, internal.
    pub version: [u8; 4],
    /// Virtual chassis connections and anything after, as sent.
    pub rest: Hex<'a>,
}

/// The VLAN TLV (5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vlan<'a> {
    /// Flags (0x80: IP address set).
    pub flags: u8,
    /// Reserved byte.
    pub reserved1: u8,
    /// VLAN ID.
    pub id: u16,
    /// Reserved (4 bytes as sent).
    pub reserved2: Hex<'a>,
    /// IP address of the VLAN interface.
    pub ip: Ipv4Addr,
    /// VLAN name.
    pub name: Text<'a>,
}

impl Serialize for Vlan<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("name", &until_nul(self.name))?;
        m.serialize_entry("ip", &self.ip)?;
        m.end()
    }
}

/// One EDP TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tlv<'a> {
    /// Null (0): end of the list; its value as sent.
    Null(Hex<'a>),
    /// Display name (1).
    Display(Text<'a>),
    /// Info (2).
    Info(Info<'a>),
    /// VLAN (5).
    Vlan(Vlan<'a>),
    /// ESRP, EAPS, ELRP and any other TLV, or a malformed known one.
    Unknown {
        /// TLV type.
        kind: u8,
        /// Value as sent.
        value: Hex<'a>,
    },
}

impl<'a> Tlv<'a> {
    /// Decodes a TLV value.
    pub fn parse(k: u8, v: &'a [u8]) -> Result<Tlv<'a>> {
        Ok(match k {
            kind::NULL => Tlv::Null(Hex(v)),
            kind::DISPLAY => Tlv::Display(Text(v)),
            kind::INFO if v.len() >= 16 => Tlv::Info(Info {
                slot: u16::from_be_bytes([v[0], v[1]]),
                port: u16::from_be_bytes([v[2], v[3]]),
                virtual_chassis: u16::from_be_bytes([v[4], v[5]]),
                reserved: Hex(&v[6..12]),
                version: [v[12], v[13], v[14], v[15]],
                rest: Hex(&v[16..]),
            }),
            kind::INFO => {
                return Err(Error::content(
                    LAYER_TLV,
                    0,
                    "info TLV shorter than 16 bytes",
                ));
            }
            kind::VLAN if v.len() >= 12 => Tlv::Vlan(Vlan {
                flags: v[0],
                reserved1: v[1],
                id: u16::from_be_bytes([v[2], v[3]]),
                reserved2: Hex(&v[4..8]),
                ip: Ipv4Addr::new(v[8], v[9], v[10], v[11]),
                name: Text(&v[12..]),
            }),
            kind::VLAN => {
                return Err(Error::content(
                    LAYER_TLV,
                    0,
                    "VLAN TLV shorter than 12 bytes",
                ));
            }
            _ => Tlv::Unknown {
                kind: k,
                value: Hex(v),
            },
        })
    }

    /// TLV type.
    pub fn kind(&self) -> u8 {
        match self {
            Tlv::Null(_) => kind::NULL,
            Tlv::Display(_) => kind::DISPLAY,
            Tlv::Info(_) => kind::INFO,
            Tlv::Vlan(_) => kind::VLAN,
            Tlv::Unknown { kind, .. } => *kind,
        }
    }

    fn value_len(&self) -> usize {
        match self {
            Tlv::Null(h) | Tlv::Unknown { value: h, .. } => h.0.len(),
            Tlv::Display(t) => t.0.len(),
            Tlv::Info(i) => 6 + i.reserved.0.len() + 4 + i.rest.0.len(),
            Tlv::Vlan(v) => 4 + v.reserved2.0.len() + 4 + v.name.0.len(),
        }
    }

    /// Bytes on the wire, header included.
    pub fn buffer_len(&self) -> usize {
        TLV_HEADER_LEN + self.value_len()
    }

    /// Writes the TLV into `buf` (at least `buffer_len()` bytes).
    pub fn emit(&self, buf: &mut [u8]) {
        let n = self.value_len();
        buf[0] = TLV_MARKER;
        buf[1] = self.kind();
        let len = u16::try_from(n + TLV_HEADER_LEN).unwrap_or(u16::MAX);
        buf[2..4].copy_from_slice(&len.to_be_bytes());
        let v = &mut buf[TLV_HEADER_LEN..TLV_HEADER_LEN + n];
        match self {
            Tlv::Null(h) | Tlv::Unknown { value: h, .. } => v.copy_from_slice(h.0),
            Tlv::Display(t) => v.copy_from_slice(t.0),
            Tlv::Info(i) => {
                v[0..2].copy_from_slice(&i.slot.to_be_bytes());
                v[2..4].copy_from_slice(&i.port.to_be_bytes());
                v[4..6].copy_from_slice(&i.virtual_chassis.to_be_bytes());
                let r = 6 + i.reserved.0.len();
                v[6..r].copy_from_slice(i.reserved.0);
                v[r..r + 4].copy_from_slice(&i.version);
                v[r + 4..].copy_from_slice(i.rest.0);
            }
            Tlv::Vlan(x) => {
                v[0] = x.flags;
                v[1] = x.reserved1;
                v[2..4].copy_from_slice(&x.id.to_be_bytes());
                let r = 4 + x.reserved2.0.len();
                v[4..r].copy_from_slice(x.reserved2.0);
                v[r..r + 4].copy_from_slice(&x.ip.octets());
                v[r + 4..].copy_from_slice(x.name.0);
            }
        }
    }
}

/// A decoded EDP message.
#[derive(Debug, Clone, PartialEq)]
pub struct Repr<'a> {
    /// Protocol version.
    pub version: u8,
    /// Reserved header byte.
    pub reserved: u8,
    /// Whether the checksum verified (`emit` always writes a correct one).
    pub checksum_ok: bool,
    /// Sequence number.
    pub sequence: u16,
    /// Machine ID type.
    pub machine_id_type: u16,
    /// Machine MAC.
    pub machine_mac: MacAddr,
    /// TLVs in wire order.
    pub tlvs: Vec<Tlv<'a>>,
}

impl<'a> Repr<'a> {
    /// Decodes a checked packet, recording anomalies.
    pub fn parse(packet: &Packet<&'a [u8]>, anomalies: &mut Anomalies) -> Result<Repr<'a>> {
        let buf: &'a [u8] = packet.buffer;
        let len = usize::from(packet.length());
        let msg: &'a [u8] = if len < HEADER_LEN {
            anomalies.push(Error::content(
                LAYER,
                field::LENGTH.start,
                "length shorter than the header",
            ));
            buf
        } else if len > buf.len() {
            anomalies.push(Error::len(LAYER, 0, len, buf.len()));
            buf
        } else {
            if buf[len..].iter().any(|&b| b != 0) {
                anomalies.push(Error::content(LAYER, len, "bytes after the message"));
            }
            &buf[..len]
        };
        if packet.version() != 1 {
            anomalies.push(Error::content(LAYER, field::VERSION, "unknown EDP version"));
        }
        let checksum_ok = packet.verify_checksum();
        if !checksum_ok {
            anomalies.push(Error::content(LAYER, field::CHECKSUM.start, "bad checksum"));
        }
        let mut tlvs = Vec::new();
        let mut pos = HEADER_LEN;
        let mut ended = false;
        while pos < msg.len() {
            let rest = &msg[pos..];
            if rest.len() < TLV_HEADER_LEN {
                anomalies.push(Error::len(LAYER_TLV, pos, TLV_HEADER_LEN, rest.len()));
                break;
            }
            if rest[0] != TLV_MARKER {
                anomalies.push(Error::content(LAYER_TLV, pos, "bad TLV marker"));
                break;
            }
            let n = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
            if n < TLV_HEADER_LEN {
                anomalies.push(Error::content(
                    LAYER_TLV,
                    pos + 2,
                    "TLV length shorter than its header",
                ));
                break;
            }
            if n > rest.len() {
                anomalies.push(Error::len(LAYER_TLV, pos, n, rest.len()));
                break;
            }
            if tlvs.len() >= MAX_TLVS {
                anomalies.push(Error::content(LAYER_TLV, pos, "more than 256 TLVs"));
                break;
            }
            if ended {
                anomalies.push(Error::content(LAYER_TLV, pos, "TLV after Null"));
            }
            let v = &rest[TLV_HEADER_LEN..n];
            let t = Tlv::parse(rest[1], v).unwrap_or_else(|e| {
                anomalies.push(e.shifted(pos + TLV_HEADER_LEN));
                Tlv::Unknown {
                    kind: rest[1],
                    value: Hex(v),
                }
            });
            if matches!(t, Tlv::Display(_) | Tlv::Info(_))
                && tlvs
                    .iter()
                    .any(|o: &Tlv| o.kind() == t.kind() && !matches!(o, Tlv::Unknown { .. }))
            {
                anomalies.push(Error::content(LAYER_TLV, pos, "duplicate TLV"));
            }
            ended |= matches!(t, Tlv::Null(_));
            tlvs.push(t);
            pos += n;
        }
        Ok(Repr {
            version: packet.version(),
            reserved: packet.reserved(),
            checksum_ok,
            sequence: packet.sequence(),
            machine_id_type: packet.machine_id_type(),
            machine_mac: packet.machine_mac(),
            tlvs,
        })
    }

    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.tlvs.iter().map(Tlv::buffer_len).sum::<usize>()
    }

    /// Writes the message, with its length and a correct checksum, into `buf[..buffer_len()]`.
    pub fn emit(&self, buf: &mut [u8]) {
        let len = self.buffer_len();
        let mut p = Packet::new_unchecked(&mut buf[..len]);
        p.set_version(self.version);
        p.set_reserved(self.reserved);
        p.set_length(u16::try_from(len).unwrap_or(u16::MAX));
        p.set_sequence(self.sequence);
        p.set_machine_id_type(self.machine_id_type);
        p.set_machine_mac(self.machine_mac);
        let mut off = HEADER_LEN;
        for t in &self.tlvs {
            t.emit(&mut buf[off..]);
            off += t.buffer_len();
        }
        Packet::new_unchecked(&mut buf[..len]).fill_checksum();
    }

    /// Display name, up to its first NUL (switches send a fixed-size, NUL-terminated field
    /// with stale bytes after the terminator).
    pub fn display_name(&self) -> Option<Text<'a>> {
        self.tlvs.iter().find_map(|t| match t {
            Tlv::Display(d) => Some(until_nul(*d)),
            _ => None,
        })
    }

    /// Info TLV.
    pub fn info(&self) -> Option<Info<'a>> {
        self.tlvs.iter().find_map(|t| match t {
            Tlv::Info(i) => Some(*i),
            _ => None,
        })
    }

    /// VLAN TLVs.
    pub fn vlans(&self) -> impl Iterator<Item = &Vlan<'a>> + '_ {
        self.tlvs.iter().filter_map(|t| match t {
            Tlv::Vlan(v) => Some(v),
            _ => None,
        })
    }
}

/// The text up to its first NUL.
pub fn until_nul(t: Text<'_>) -> Text<'_> {
    let b = t.bytes();
    Text(b.iter().position(|&c| c == 0).map_or(b, |n| &b[..n]))
}

/// Software version as `major.minor.sustaining.internal`.
struct Version([u8; 4]);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

fn unknown_of<'x>(t: &'x Tlv<'_>) -> Option<UnknownTlv<'x>> {
    match t {
        Tlv::Unknown { kind, value } => Some(UnknownTlv {
            kind: u16::from(*kind),
            value: *value,
        }),
        _ => None,
    }
}

fn kind16(t: &Tlv<'_>) -> u16 {
    u16::from(t.kind())
}

impl Serialize for Repr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        struct Vlans<'r, 'a>(&'r Repr<'a>);
        impl Serialize for Vlans<'_, '_> {
            fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(None)?;
                for v in self.0.vlans() {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
        }
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("version", &self.version)?;
        m.serialize_entry("checksum_ok", &self.checksum_ok)?;
        m.serialize_entry("sequence", &self.sequence)?;
        m.serialize_entry("machine_mac", &self.machine_mac)?;
        if let Some(d) = self.display_name() {
            m.serialize_entry("display_name", &d)?;
        }
        if let Some(i) = self.info() {
            m.serialize_entry("slot", &(u32::from(i.slot) + 1))?;
            m.serialize_entry("port", &(u32::from(i.port) + 1))?;
            m.serialize_entry("software_version", &format_args!("{}", Version(i.version)))?;
        }
        if self.vlans().next().is_some() {
            m.serialize_entry("vlans", &Vlans(self))?;
        }
        let unknown = Unknowns(&self.tlvs, unknown_of);
        if !unknown.is_empty() {
            m.serialize_entry("unknown_tlvs", &unknown)?;
        }
        m.serialize_entry("tlv_order", &Order(&self.tlvs, kind16))?;
        m.end()
    }
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "v{} seq {} mac {}",
            self.version, self.sequence, self.machine_mac
        )?;
        if let Some(d) = self.display_name() {
            write!(f, " name \"{d}\"")?;
        }
        if let Some(i) = self.info() {
            write!(
                f,
                " slot {} port {} version {}",
                u32::from(i.slot) + 1,
                u32::from(i.port) + 1,
                Version(i.version)
            )?;
        }
        for v in self.vlans() {
            write!(f, " vlan {} \"{}\" {}", v.id, until_nul(v.name), v.ip)?;
        }
        Ok(())
    }
}

/// Decodes an EDP message (lax): `Err` only when the 16-byte header is missing.
pub fn decode<'a>(buf: &'a [u8], anomalies: &mut Anomalies) -> Result<Repr<'a>> {
    let p = Packet::new_checked(buf)?;
    Repr::parse(&p, anomalies)
}

#[cfg(test)]
mod tests;
