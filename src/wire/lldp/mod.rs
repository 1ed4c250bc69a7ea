//! IEEE 802.1AB LLDP: the LLDPDU after EtherType 0x88cc.
//!
//! An LLDPDU is a list of TLVs, each with a 7-bit type and a 9-bit length. [`Packet`] is the
//! checked view with a TLV walker ([`TlvIter`], a truncated TLV is an error item); [`Repr`] is
//! the decoded message, borrowing every string from the frame. The standard TLVs are decoded
//! here; the organisationally specific ones (IEEE 802.1, IEEE 802.3, LLDP-MED, the RFC 8520 MUD
//! URL) in [`org`]. [`decode`] is lax: it keeps everything that parsed and records one anomaly
//! per problem (truncated TLV, missing, duplicate or misplaced mandatory TLV, data after End,
//! missing End, TLV too short for its subtype, ...).

use core::fmt;
use core::ops::Range;

/// Length of an Ethernet frame check sequence, which may trail the LLDPDU in a capture.
const FCS_LEN: usize = 4;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Serialize, Serializer};

use super::bytes::{be_u16, be_u32};
use super::{Anomalies, Error, Hex, MacAddr, Result, Text};

mod emit;
pub mod org;
#[cfg(test)]
mod tests;

pub use emit::MAX_VALUE_LEN;

pub use org::{Ieee8021, Ieee8023, Med};

/// Error layer names.
const LAYER: &str = "lldp";
const LAYER_TLV: &str = "lldp.tlv";

/// At most this many TLVs are kept per LLDPDU; the rest is reported and dropped.
pub const MAX_TLVS: usize = 256;

/// TLV type codes (IEEE 802.1AB table 8-1).
pub mod tlv_type {
    /// End of LLDPDU.
    pub const END: u8 = 0;
    /// Chassis ID (mandatory, first).
    pub const CHASSIS_ID: u8 = 1;
    /// Port ID (mandatory, second).
    pub const PORT_ID: u8 = 2;
    /// Time to live (mandatory, third).
    pub const TTL: u8 = 3;
    /// Port description.
    pub const PORT_DESCRIPTION: u8 = 4;
    /// System name.
    pub const SYSTEM_NAME: u8 = 5;
    /// System description.
    pub const SYSTEM_DESCRIPTION: u8 = 6;
    /// System capabilities.
    pub const SYSTEM_CAPABILITIES: u8 = 7;
    /// Management address.
    pub const MANAGEMENT_ADDRESS: u8 = 8;
    /// Organisationally specific.
    pub const ORG: u8 = 127;
}

/// Byte ranges of the TLV header and of the organisationally specific TLV prefix.
mod field {
    use core::ops::Range;
    /// TLV header: type (7 bits) and length (9 bits), relative to the TLV start.
    pub const TLV_HEADER: Range<usize> = 0..2;
    /// Organisationally unique identifier, relative to the TLV value.
    pub const ORG_OUI: Range<usize> = 0..3;
    /// Organisationally defined subtype, relative to the TLV value.
    pub const ORG_SUBTYPE: usize = 3;
    /// Organisationally defined information, relative to the TLV value.
    pub const ORG_INFO: usize = 4;
}

/// Length of a TLV header.
pub const TLV_HEADER_LEN: usize = field::TLV_HEADER.end;

/// One TLV as found on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// TLV type (0..=127).
    pub tlv_type: u8,
    /// Offset of the TLV header in the LLDPDU.
    pub offset: usize,
    /// The value (`length` bytes).
    pub value: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// Offset of the value in the LLDPDU.
    pub fn value_offset(&self) -> usize {
        self.offset + TLV_HEADER_LEN
    }

    /// Byte range of the whole TLV in the LLDPDU.
    pub fn range(&self) -> Range<usize> {
        self.offset..self.value_offset() + self.value.len()
    }

    /// For an organisationally specific TLV with at least the OUI and subtype: (OUI, subtype,
    /// information string).
    pub fn org(&self) -> Option<(Oui, u8, &'a [u8])> {
        if self.tlv_type != tlv_type::ORG || self.value.len() < field::ORG_INFO {
            return None;
        }
        let mut o = [0u8; 3];
        o.copy_from_slice(&self.value[field::ORG_OUI]);
        Some((
            Oui(o),
            self.value[field::ORG_SUBTYPE],
            &self.value[field::ORG_INFO..],
        ))
    }
}

/// Walks the TLVs of an LLDPDU. A TLV whose header or value runs past the buffer is an error
/// item, after which the walk ends. The walk does not stop at End; the caller decides.
#[derive(Debug, Clone)]
pub struct TlvIter<'a> {
    buf: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> TlvIter<'a> {
    /// A walker over `buf` (an LLDPDU).
    pub fn new(buf: &'a [u8]) -> Self {
        TlvIter {
            buf,
            pos: 0,
            done: false,
        }
    }

    /// Offset of the next TLV.
    pub fn pos(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Result<Tlv<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.buf.len() {
            return None;
        }
        let rest = self.buf.len() - self.pos;
        let Some(h) = be_u16(self.buf, self.pos) else {
            self.done = true;
            return Some(Err(Error::len(LAYER_TLV, self.pos, TLV_HEADER_LEN, rest)));
        };
        let len = usize::from(h & 0x1ff);
        if rest < TLV_HEADER_LEN + len {
            self.done = true;
            return Some(Err(Error::len(
                LAYER_TLV,
                self.pos,
                TLV_HEADER_LEN + len,
                rest,
            )));
        }
        let start = self.pos + TLV_HEADER_LEN;
        let tlv = Tlv {
            tlv_type: (h >> 9) as u8,
            offset: self.pos,
            value: &self.buf[start..start + len],
        };
        self.pos = start + len;
        Some(Ok(tlv))
    }
}

/// A read/write view of an LLDPDU.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer after checking it holds at least one TLV header; no accessor panics
    /// afterwards.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let len = buffer.as_ref().len();
        if len < TLV_HEADER_LEN {
            return Err(Error::len(LAYER, 0, TLV_HEADER_LEN, len));
        }
        Ok(Packet { buffer })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The LLDPDU bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Type of the TLV whose header is at `offset`, or `None` past the end.
    pub fn tlv_type_at(&self, offset: usize) -> Option<u8> {
        be_u16(self.buffer.as_ref(), offset).map(|h| (h >> 9) as u8)
    }

    /// Length of the TLV whose header is at `offset`, or `None` past the end.
    pub fn tlv_len_at(&self, offset: usize) -> Option<u16> {
        be_u16(self.buffer.as_ref(), offset).map(|h| h & 0x1ff)
    }

    /// Type of the first TLV (Chassis ID in a well-formed LLDPDU).
    pub fn first_tlv_type(&self) -> u8 {
        self.tlv_type_at(0).unwrap_or(0)
    }

    /// Length of the first TLV.
    pub fn first_tlv_len(&self) -> u16 {
        self.tlv_len_at(0).unwrap_or(0)
    }

    /// The TLVs, in wire order.
    pub fn tlvs(&self) -> TlvIter<'_> {
        TlvIter::new(self.buffer.as_ref())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Writes a TLV header at `offset`. Fails when the header or the value it announces would
    /// not fit, or the type or length is out of range.
    pub fn set_tlv_header(&mut self, offset: usize, tlv_type: u8, len: u16) -> Result<()> {
        let buf = self.buffer.as_mut();
        let need = TLV_HEADER_LEN + usize::from(len);
        if tlv_type > 127 || len > 511 {
            return Err(Error::content(
                LAYER_TLV,
                offset,
                "type or length out of range",
            ));
        }
        if buf.len() < offset.saturating_add(need) {
            return Err(Error::len(
                LAYER_TLV,
                offset,
                need,
                buf.len().saturating_sub(offset),
            ));
        }
        let h = (u16::from(tlv_type) << 9) | len;
        buf[offset..offset + TLV_HEADER_LEN].copy_from_slice(&h.to_be_bytes());
        Ok(())
    }

    /// The value of the TLV whose header is at `offset`, for writing.
    pub fn tlv_value_mut(&mut self, offset: usize) -> Result<&mut [u8]> {
        let len = usize::from(self.tlv_len_at(offset).ok_or(Error::len(
            LAYER_TLV,
            offset,
            TLV_HEADER_LEN,
            0,
        ))?);
        let buf = self.buffer.as_mut();
        let start = offset + TLV_HEADER_LEN;
        if buf.len() < start + len {
            return Err(Error::len(
                LAYER_TLV,
                offset,
                TLV_HEADER_LEN + len,
                buf.len() - offset,
            ));
        }
        Ok(&mut buf[start..start + len])
    }
}

/// An organisationally unique identifier. Serialises as six lower-case hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Oui(pub [u8; 3]);

impl Oui {
    /// IEEE 802.1.
    pub const IEEE_802_1: Oui = Oui([0x00, 0x80, 0xc2]);
    /// IEEE 802.3.
    pub const IEEE_802_3: Oui = Oui([0x00, 0x12, 0x0f]);
    /// TIA TR-41 (LLDP-MED).
    pub const MED: Oui = Oui([0x00, 0x12, 0xbb]);
    /// IANA (RFC 8520 MUD URL).
    pub const IANA: Oui = Oui([0x00, 0x00, 0x5e]);
}

impl fmt::Display for Oui {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02x}{:02x}{:02x}", self.0[0], self.0[1], self.0[2])
    }
}

impl Serialize for Oui {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Declares a code enum that keeps unknown values and serialises as a lower-case name
/// (`unknown-<n>` for codes it does not know).
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $code:literal => $var:ident $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $var,)*
            /// A code this decoder does not know.
            Unknown(u8),
        }

        impl From<u8> for $name {
            fn from(c: u8) -> Self {
                match c {
                    $($code => $name::$var,)*
                    other => $name::Unknown(other),
                }
            }
        }

        impl $name {
            /// The code on the wire.
            pub fn code(self) -> u8 {
                match self {
                    $($name::$var => $code,)*
                    $name::Unknown(c) => c,
                }
            }

            /// The lower-case name, or `None` for an unknown code.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $($name::$var => Some($text),)*
                    $name::Unknown(_) => None,
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(&$crate::wire::text::code_name(self.name(), u32::from(self.code())))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
                s.serialize_str(&$crate::wire::text::code_name(self.name(), u32::from(self.code())))
            }
        }
    };
}
pub(crate) use code_enum;

/// Serialises the set bits of `bits` as a list of names (`unknown-<bit>` past the list).
pub(crate) fn ser_bits<S: Serializer>(
    bits: u16,
    names: &[&'static str],
    s: S,
) -> core::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(bits.count_ones() as usize))?;
    for i in 0..16usize {
        if bits & (1 << i) != 0 {
            match names.get(i) {
                Some(n) => seq.serialize_element(n)?,
                None => seq.serialize_element(&format!("unknown-{i}"))?,
            }
        }
    }
    seq.end()
}

/// The value of a Chassis ID or Port ID, decoded by its subtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum IdValue<'a> {
    /// A MAC address (chassis subtype 4, port subtype 3).
    Mac(MacAddr),
    /// A network address (chassis subtype 5, port subtype 4) of family IPv4 or IPv6.
    Ip(IpAddr),
    /// Printable text.
    Text(Text<'a>),
    /// Anything else, as hex.
    Hex(Hex<'a>),
}

impl fmt::Display for IdValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdValue::Mac(m) => m.fmt(f),
            IdValue::Ip(a) => a.fmt(f),
            IdValue::Text(t) => write!(f, "\"{t}\""),
            IdValue::Hex(h) => h.fmt(f),
        }
    }
}

/// A Chassis ID or Port ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Id<'a> {
    /// The ID subtype.
    pub subtype: u8,
    /// The ID, decoded by subtype.
    pub value: IdValue<'a>,
}

/// A text field: the bytes up to the first NUL (as tshark and lldpd read it). Non-NUL bytes
/// after the NUL are hidden from the text and reported.
pub(crate) fn c_text<'a>(
    b: &'a [u8],
    an: &mut Anomalies,
    layer: &'static str,
    off: usize,
) -> Text<'a> {
    match b.iter().position(|&x| x == 0) {
        Some(n) => {
            if b[n..].iter().any(|&x| x != 0) {
                an.push(Error::content(layer, off, "data after NUL in text"));
            }
            Text(&b[..n])
        }
        None => Text(b),
    }
}

/// Whether `b` reads as text: non-empty UTF-8 without control characters (trailing NULs aside).
fn printable(b: &[u8]) -> bool {
    let t = Text(b).trimmed();
    !t.is_empty() && core::str::from_utf8(t).is_ok_and(|s| !s.chars().any(char::is_control))
}

/// An address with an IANA address family number in front (network-address IDs).
fn family_addr(b: &[u8]) -> Option<IpAddr> {
    match b {
        [1, a @ ..] => <[u8; 4]>::try_from(a)
            .ok()
            .map(|a| IpAddr::V4(Ipv4Addr::from(a))),
        [2, a @ ..] => <[u8; 16]>::try_from(a)
            .ok()
            .map(|a| IpAddr::V6(Ipv6Addr::from(a))),
        _ => None,
    }
}

fn id_value(b: &[u8], mac_subtype: bool, net_subtype: bool) -> IdValue<'_> {
    if mac_subtype {
        if let Some(m) = MacAddr::from_bytes(b) {
            return IdValue::Mac(m);
        }
    }
    if net_subtype {
        if let Some(a) = family_addr(b) {
            return IdValue::Ip(a);
        }
    }
    if printable(b) {
        IdValue::Text(Text(b))
    } else {
        IdValue::Hex(Hex(b))
    }
}

/// System capability names, bit 0 first (IEEE 802.1AB table 8-4).
pub const CAPABILITY_NAMES: [&str; 11] = [
    "other",
    "repeater",
    "bridge",
    "wlan-ap",
    "router",
    "telephone",
    "docsis",
    "station",
    "c-vlan",
    "s-vlan",
    "tpmr",
];

/// A capability bit set; serialises as the list of names of the set bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CapBits(pub u16);

impl Serialize for CapBits {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        ser_bits(self.0, &CAPABILITY_NAMES, s)
    }
}

/// The System Capabilities TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// Capabilities the system has.
    pub system: CapBits,
    /// Capabilities enabled.
    pub enabled: CapBits,
}

/// A management address, decoded by its address subtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum MgmtAddress<'a> {
    /// IPv4 (subtype 1) or IPv6 (subtype 2).
    Ip(IpAddr),
    /// An IEEE 802 address (subtype 6).
    Mac(MacAddr),
    /// Anything else, as hex.
    Hex(Hex<'a>),
}

impl fmt::Display for MgmtAddress<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MgmtAddress::Ip(a) => a.fmt(f),
            MgmtAddress::Mac(m) => m.fmt(f),
            MgmtAddress::Hex(h) => h.fmt(f),
        }
    }
}

/// A Management Address TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MgmtAddr<'a> {
    /// The address.
    pub address: MgmtAddress<'a>,
    /// Address subtype (IANA address family number).
    pub subtype: u8,
    /// Interface numbering subtype (1 unknown, 2 ifIndex, 3 system port number).
    pub interface_subtype: u8,
    /// Interface number.
    pub interface_number: u32,
    /// Object identifier of the hardware component, BER-encoded; serialises dotted.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_oid")]
    pub oid: Option<Hex<'a>>,
}

/// Dotted text of a BER-encoded object identifier, or `None` when the encoding is bad.
pub fn oid_text(b: &[u8]) -> Option<String> {
    use fmt::Write;
    let mut out = String::new();
    let mut v: u64 = 0;
    let mut first = true;
    for (i, &x) in b.iter().enumerate() {
        if v > (u64::MAX >> 7) {
            return None;
        }
        v = (v << 7) | u64::from(x & 0x7f);
        if x & 0x80 == 0 {
            if first {
                let (a, r) = if v < 80 {
                    (v / 40, v % 40)
                } else {
                    (2, v - 80)
                };
                let _ = write!(out, "{a}.{r}");
                first = false;
            } else {
                let _ = write!(out, ".{v}");
            }
            v = 0;
        } else if i + 1 == b.len() {
            return None;
        }
    }
    (!first).then_some(out)
}

fn ser_oid<S: Serializer>(oid: &Option<Hex<'_>>, s: S) -> core::result::Result<S::Ok, S::Error> {
    match oid {
        Some(h) => match oid_text(h.0) {
            Some(t) => s.serialize_str(&t),
            None => h.serialize(s),
        },
        None => s.serialize_none(),
    }
}

/// A TLV this decoder does not decode (reserved types, unknown organisations or subtypes, and
/// known subtypes too short to decode), kept raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UnknownTlv<'a> {
    /// TLV type.
    #[serde(rename = "type")]
    pub tlv_type: u8,
    /// OUI of an organisationally specific TLV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oui: Option<Oui>,
    /// Subtype of an organisationally specific TLV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<u8>,
    /// The value (for org TLVs, the information string after OUI and subtype).
    pub value: Hex<'a>,
}

impl<'a> UnknownTlv<'a> {
    /// The raw form of `tlv`.
    pub fn of(tlv: &Tlv<'a>) -> Self {
        match tlv.org() {
            Some((oui, subtype, info)) => UnknownTlv {
                tlv_type: tlv.tlv_type,
                oui: Some(oui),
                subtype: Some(subtype),
                value: Hex(info),
            },
            None => UnknownTlv {
                tlv_type: tlv.tlv_type,
                oui: None,
                subtype: None,
                value: Hex(tlv.value),
            },
        }
    }
}

/// Where the content of one TLV of [`Repr::order`] lives, so that `emit` can encode it from
/// the fields of the [`Repr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// End of LLDPDU.
    End,
    /// [`Repr::chassis_id`].
    ChassisId,
    /// [`Repr::port_id`].
    PortId,
    /// [`Repr::ttl`].
    Ttl,
    /// [`Repr::port_description`].
    PortDescription,
    /// [`Repr::system_name`].
    SystemName,
    /// [`Repr::system_description`].
    SystemDescription,
    /// [`Repr::capabilities`].
    Capabilities,
    /// The next entry of [`Repr::management_addresses`].
    ManagementAddress,
    /// The next entry of [`Repr::unknown_tlvs`].
    Unknown,
    /// A decoded organisationally specific TLV (OUI, subtype): a field of
    /// [`Repr::ieee_802_1`], [`Repr::ieee_802_3`], [`Repr::med`] or [`Repr::mud_url`]; the
    /// list subtypes (PPVID, VLAN name, protocol identity, network policy, location) take the
    /// next entry of their list.
    Org(Oui, u8),
    /// A TLV of this type that no field holds (a duplicate, a malformed TLV, one over a list
    /// cap): [`Slot::wire`] is its value, emitted as is.
    Raw(u8),
}

/// One TLV of an LLDPDU, in wire order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot<'a> {
    /// Which field holds the TLV's content.
    pub field: Field,
    /// The value as received (for [`Field::Org`], the information string after OUI and
    /// subtype; empty for [`Field::Unknown`] and for TLVs added by hand). For [`Field::Raw`]
    /// it is what `emit` writes; for decoded TLVs `emit` encodes the fields and takes from it
    /// only what the fields do not model: reserved bits and the bytes after the decoded part
    /// (a text's NUL terminator, padding).
    pub wire: &'a [u8],
}

/// A decoded LLDPDU. Serialises as the `lldp` object of `cybriq decode --json`.
///
/// `emit` encodes the fields: it walks [`order`](Repr::order), encoding each TLV from the
/// field it names (a field set to `None`, or a list shortened, drops its TLVs), then writes
/// every field the order does not cover (a `Repr` built by hand, an entry added to a list) in
/// the canonical order, before the End TLV. A `Repr` with an empty order gets an End TLV.
#[derive(Debug, Clone, PartialEq)]
pub struct Repr<'a> {
    /// Chassis ID.
    pub chassis_id: Option<Id<'a>>,
    /// Port ID.
    pub port_id: Option<Id<'a>>,
    /// Time to live, seconds (0: the sender is shutting down).
    pub ttl: Option<u16>,
    /// Port description.
    pub port_description: Option<Text<'a>>,
    /// System name.
    pub system_name: Option<Text<'a>>,
    /// System description.
    pub system_description: Option<Text<'a>>,
    /// System capabilities.
    pub capabilities: Option<Capabilities>,
    /// Management addresses, in wire order.
    pub management_addresses: Vec<MgmtAddr<'a>>,
    /// LLDP-MED TLVs.
    pub med: Option<Med<'a>>,
    /// IEEE 802.1 TLVs.
    pub ieee_802_1: Option<Ieee8021<'a>>,
    /// IEEE 802.3 TLVs.
    pub ieee_802_3: Option<Ieee8023>,
    /// RFC 8520 MUD URL.
    pub mud_url: Option<Text<'a>>,
    /// TLVs kept raw.
    pub unknown_tlvs: Vec<UnknownTlv<'a>>,
    /// The TLVs in wire order (from the first TLV up to and including End, or up to the last
    /// whole TLV), each naming the field that holds it. It drives `emit`; it serialises as
    /// `tlv_order`, the types of the TLVs `emit` writes (`"5"`, org TLVs as
    /// `"127/<oui>/<subtype>"`).
    pub order: Vec<Slot<'a>>,
}

impl Repr<'_> {
    /// The TLV types `emit` writes, in order: `"5"`, org TLVs as `"127/<oui>/<subtype>"`.
    pub fn tlv_order(&self) -> Vec<String> {
        let mut order = Vec::with_capacity(self.order.len());
        self.walk(&mut |f, i, wire| order.push(self.token(f, i, wire)));
        order
    }
}

/// The wire-order TLV token of `tlv`: its type, or `127/<oui>/<subtype>`.
pub fn tlv_token(tlv: &Tlv<'_>) -> String {
    match tlv.org() {
        Some((oui, sub, _)) => format!("127/{oui}/{sub}"),
        None => tlv.tlv_type.to_string(),
    }
}

impl Serialize for Repr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        fn opt<M: SerializeStruct, T: Serialize>(
            m: &mut M,
            k: &'static str,
            v: &Option<T>,
        ) -> core::result::Result<(), M::Error> {
            match v {
                Some(v) => m.serialize_field(k, v),
                None => m.skip_field(k),
            }
        }
        fn list<M: SerializeStruct, T: Serialize>(
            m: &mut M,
            k: &'static str,
            v: &[T],
        ) -> core::result::Result<(), M::Error> {
            if v.is_empty() {
                m.skip_field(k)
            } else {
                m.serialize_field(k, v)
            }
        }
        let mut m = s.serialize_struct("Repr", 14)?;
        opt(&mut m, "chassis_id", &self.chassis_id)?;
        opt(&mut m, "port_id", &self.port_id)?;
        opt(&mut m, "ttl", &self.ttl)?;
        opt(&mut m, "port_description", &self.port_description)?;
        opt(&mut m, "system_name", &self.system_name)?;
        opt(&mut m, "system_description", &self.system_description)?;
        opt(&mut m, "capabilities", &self.capabilities)?;
        list(&mut m, "management_addresses", &self.management_addresses)?;
        opt(&mut m, "med", &self.med)?;
        opt(&mut m, "ieee_802_1", &self.ieee_802_1)?;
        opt(&mut m, "ieee_802_3", &self.ieee_802_3)?;
        opt(&mut m, "mud_url", &self.mud_url)?;
        list(&mut m, "unknown_tlvs", &self.unknown_tlvs)?;
        m.serialize_field("tlv_order", &self.tlv_order())?;
        m.end()
    }
}

/// Sets `slot` to `v` unless already set, in which case an anomaly `dup` is recorded.
/// Whether `v` was kept.
fn set_once<T>(
    slot: &mut Option<T>,
    v: T,
    an: &mut Anomalies,
    off: usize,
    dup: &'static str,
) -> bool {
    if slot.is_some() {
        an.push(Error::content(LAYER, off, dup));
        false
    } else {
        *slot = Some(v);
        true
    }
}

impl<'a> Repr<'a> {
    /// An LLDPDU with nothing in it.
    pub fn empty() -> Self {
        Repr {
            chassis_id: None,
            port_id: None,
            ttl: None,
            port_description: None,
            system_name: None,
            system_description: None,
            capabilities: None,
            management_addresses: Vec::new(),
            med: None,
            ieee_802_1: None,
            ieee_802_3: None,
            mud_url: None,
            unknown_tlvs: Vec::new(),
            order: Vec::new(),
        }
    }

    /// Decodes an LLDPDU, recording every problem met in `anomalies` and keeping what parsed.
    /// Fails only when not even one TLV could be read.
    pub fn parse(packet: &Packet<&'a [u8]>, anomalies: &mut Anomalies) -> Result<Repr<'a>> {
        let buf: &'a [u8] = packet.buffer;
        let mut r = Repr::empty();
        r.order = Vec::with_capacity(TlvIter::new(buf).take(MAX_TLVS).count());
        let mut consumed = 0usize;
        let mut end = false;
        let mut truncated = false;
        for (idx, item) in TlvIter::new(buf).enumerate() {
            let tlv = match item {
                Ok(t) => t,
                Err(e) => {
                    if idx == 0 {
                        return Err(e);
                    }
                    anomalies.push(e);
                    truncated = true;
                    break;
                }
            };
            if idx == MAX_TLVS {
                anomalies.push(Error::content(LAYER, tlv.offset, "more than 256 TLVs"));
                truncated = true;
                break;
            }
            consumed = tlv.range().end;
            let slot = r.tlv(&tlv, idx, anomalies);
            r.order.push(slot);
            if tlv.tlv_type == tlv_type::END {
                end = true;
                break;
            }
        }
        if end {
            // Zero padding, optionally followed by the 4-byte Ethernet FCS that some capture
            // setups keep, is not data.
            let trailer = &buf[consumed..];
            let body = &trailer[..trailer.len().saturating_sub(FCS_LEN)];
            if body.iter().any(|&b| b != 0) {
                anomalies.push(Error::content(LAYER, consumed, "data after End TLV"));
            }
        } else if !truncated {
            anomalies.push(Error::content(LAYER, consumed, "missing End TLV"));
        }
        if r.chassis_id.is_none() {
            anomalies.push(Error::content(LAYER, 0, "missing Chassis ID TLV"));
        }
        if r.port_id.is_none() {
            anomalies.push(Error::content(LAYER, 0, "missing Port ID TLV"));
        }
        if r.ttl.is_none() {
            anomalies.push(Error::content(LAYER, 0, "missing TTL TLV"));
        }
        Ok(r)
    }

    /// Decodes one TLV, the `idx`-th of the LLDPDU, into `self`; returns its [`Slot`].
    fn tlv(&mut self, tlv: &Tlv<'a>, idx: usize, an: &mut Anomalies) -> Slot<'a> {
        use tlv_type::*;
        let off = tlv.offset;
        let v = tlv.value;
        let expected = [CHASSIS_ID, PORT_ID, TTL];
        match tlv.tlv_type {
            t @ (CHASSIS_ID | PORT_ID | TTL) if expected.get(idx) != Some(&t) => {
                an.push(Error::content(LAYER, off, "mandatory TLV out of order"));
            }
            END | CHASSIS_ID | PORT_ID | TTL => {}
            _ if idx < 3 => an.push(Error::content(LAYER, off, "mandatory TLV missing")),
            _ => {}
        }
        let raw = Slot {
            field: Field::Raw(tlv.tlv_type),
            wire: v,
        };
        let kept = |field, stored: bool| {
            if stored { Slot { field, wire: v } } else { raw }
        };
        match tlv.tlv_type {
            END => {
                if !v.is_empty() {
                    an.push(Error::content(LAYER, off, "End TLV with non-zero length"));
                }
                kept(Field::End, v.is_empty())
            }
            CHASSIS_ID | PORT_ID => {
                let chassis = tlv.tlv_type == CHASSIS_ID;
                let (short, long, dup) = if chassis {
                    (
                        "Chassis ID too short",
                        "Chassis ID too long",
                        "duplicate Chassis ID TLV",
                    )
                } else {
                    (
                        "Port ID too short",
                        "Port ID too long",
                        "duplicate Port ID TLV",
                    )
                };
                let Some((&subtype, id)) = v.split_first() else {
                    an.push(Error::content(LAYER, off, short));
                    return raw;
                };
                if id.is_empty() {
                    an.push(Error::content(LAYER, off, short));
                } else if id.len() > 255 {
                    an.push(Error::content(LAYER, off, long));
                }
                let (mac, net) = if chassis { (4, 5) } else { (3, 4) };
                let id = Id {
                    subtype,
                    value: id_value(id, subtype == mac, subtype == net),
                };
                let (slot, field) = if chassis {
                    (&mut self.chassis_id, Field::ChassisId)
                } else {
                    (&mut self.port_id, Field::PortId)
                };
                kept(field, set_once(slot, id, an, off, dup))
            }
            TTL => match be_u16(v, 0) {
                Some(t) => {
                    if v.len() != 2 {
                        an.push(Error::content(LAYER, off, "TTL TLV length is not 2"));
                    }
                    let stored = set_once(&mut self.ttl, t, an, off, "duplicate TTL TLV");
                    kept(Field::Ttl, stored)
                }
                None => {
                    an.push(Error::len(LAYER_TLV, tlv.value_offset(), 2, v.len()));
                    raw
                }
            },
            PORT_DESCRIPTION => {
                let t = c_text(v, an, LAYER, off);
                let dup = "duplicate Port Description TLV";
                let stored = set_once(&mut self.port_description, t, an, off, dup);
                kept(Field::PortDescription, stored)
            }
            SYSTEM_NAME => {
                let t = c_text(v, an, LAYER, off);
                let dup = "duplicate System Name TLV";
                let stored = set_once(&mut self.system_name, t, an, off, dup);
                kept(Field::SystemName, stored)
            }
            SYSTEM_DESCRIPTION => {
                let t = c_text(v, an, LAYER, off);
                let dup = "duplicate System Description TLV";
                let stored = set_once(&mut self.system_description, t, an, off, dup);
                kept(Field::SystemDescription, stored)
            }
            SYSTEM_CAPABILITIES => match (be_u16(v, 0), be_u16(v, 2)) {
                (Some(system), Some(enabled)) => {
                    if v.len() != 4 {
                        an.push(Error::content(
                            LAYER,
                            off,
                            "Capabilities TLV length is not 4",
                        ));
                    }
                    let c = Capabilities {
                        system: CapBits(system),
                        enabled: CapBits(enabled),
                    };
                    let dup = "duplicate Capabilities TLV";
                    let stored = set_once(&mut self.capabilities, c, an, off, dup);
                    kept(Field::Capabilities, stored)
                }
                _ => {
                    an.push(Error::len(LAYER_TLV, tlv.value_offset(), 4, v.len()));
                    raw
                }
            },
            MANAGEMENT_ADDRESS => match parse_mgmt(v) {
                Ok(m) => {
                    self.management_addresses.push(m);
                    kept(Field::ManagementAddress, true)
                }
                Err(e) => {
                    an.push(e.shifted(tlv.value_offset()));
                    raw
                }
            },
            ORG => org::parse(self, tlv, an),
            _ => {
                self.unknown_tlvs.push(UnknownTlv::of(tlv));
                Slot {
                    field: Field::Unknown,
                    wire: &[],
                }
            }
        }
    }
}

/// Decodes the value of a Management Address TLV.
fn parse_mgmt(v: &[u8]) -> Result<MgmtAddr<'_>> {
    const L: &str = "lldp.mgmt_address";
    let alen = usize::from(*v.first().ok_or(Error::len(L, 0, 1, 0))?);
    if !(2..=32).contains(&alen) {
        return Err(Error::content(L, 0, "bad management address length"));
    }
    let need = 1 + alen + 6;
    if v.len() < need {
        return Err(Error::len(L, 0, need, v.len()));
    }
    let subtype = v[1];
    let a = &v[2..1 + alen];
    let address = match (subtype, a.len()) {
        (1, 4) | (2, 16) => {
            family_addr(&v[1..1 + alen]).map_or(MgmtAddress::Hex(Hex(a)), MgmtAddress::Ip)
        }
        (6, 6) => MacAddr::from_bytes(a).map_or(MgmtAddress::Hex(Hex(a)), MgmtAddress::Mac),
        _ => MgmtAddress::Hex(Hex(a)),
    };
    let p = 1 + alen;
    let interface_subtype = v[p];
    let interface_number = be_u32(v, p + 1).unwrap_or(0);
    let olen = usize::from(v[p + 5]);
    let o = v
        .get(p + 6..p + 6 + olen)
        .ok_or(Error::len(L, p + 5, 1 + olen, v.len() - p - 5))?;
    if p + 6 + olen != v.len() {
        return Err(Error::content(
            L,
            p + 6 + olen,
            "management address TLV length mismatch",
        ));
    }
    Ok(MgmtAddr {
        address,
        subtype,
        interface_subtype,
        interface_number,
        oid: (!o.is_empty()).then_some(Hex(o)),
    })
}

/// Decodes an LLDPDU (the bytes after EtherType 0x88cc), keeping what parsed and recording
/// what was wrong. Fails only when not even one TLV could be read.
pub fn decode<'a>(buf: &'a [u8], anomalies: &mut Anomalies) -> Result<Repr<'a>> {
    let p = Packet::new_checked(buf)?;
    Repr::parse(&p, anomalies)
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(c) = &self.chassis_id {
            write!(f, "chassis {}", c.value)?;
            sep = " ";
        }
        if let Some(p) = &self.port_id {
            write!(f, "{sep}port {}", p.value)?;
            sep = " ";
        }
        if let Some(t) = self.ttl {
            write!(f, "{sep}ttl {t}")?;
            sep = " ";
        }
        if let Some(n) = &self.system_name {
            write!(f, "{sep}sys \"{n}\"")?;
            sep = " ";
        }
        if let Some(m) = self.med.as_ref().and_then(|m| m.model_name.as_ref()) {
            write!(f, "{sep}model \"{m}\"")?;
            sep = " ";
        }
        if let Some(a) = self.management_addresses.first() {
            write!(f, "{sep}mgmt {}", a.address)?;
            sep = " ";
        }
        if sep.is_empty() {
            write!(f, "{} bytes", self.buffer_len())?;
        }
        Ok(())
    }
}
