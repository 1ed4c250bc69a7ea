//! ARP (RFC 826) and its relatives (RARP, InARP): the payload after EtherType 0x0806.
//!
//! The fixed header is 8 bytes; the four addresses follow with the lengths the header gives.
//! Hardware addresses are MACs when `hlen` is 6 and hex otherwise; protocol addresses are IPv4
//! when `ptype` is 0x0800 and `plen` is 4, hex otherwise. Addresses cut short by the frame are an
//! anomaly (the header is kept); bytes after the addresses are Ethernet padding, not an anomaly.

use core::fmt;
use std::net::Ipv4Addr;

use serde::{Serialize, Serializer};

use super::{Anomalies, Error, Hex, MacAddr, Result};

/// Declares a code enum that keeps unknown values and serialises as its lower-case name
/// (`unknown-<n>` for codes it does not know). Shared by the misc parsers.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident : $ty:ty { $($(#[$vm:meta])* $var:ident = $val:literal => $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $var,)*
            /// A code this decoder does not know.
            Unknown($ty),
        }
        impl From<$ty> for $name {
            fn from(v: $ty) -> Self {
                match v {
                    $($val => $name::$var,)*
                    o => $name::Unknown(o),
                }
            }
        }
        impl From<$name> for $ty {
            fn from(v: $name) -> $ty {
                match v {
                    $($name::$var => $val,)*
                    $name::Unknown(o) => o,
                }
            }
        }
        impl $name {
            /// The lower-case name, or `None` for an unknown code.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $($name::$var => Some($s),)*
                    $name::Unknown(_) => None,
                }
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
                match self.name() {
                    Some(n) => s.serialize_str(n),
                    None => s.serialize_str(&$crate::wire::text::code_name(None, u32::from(<$ty>::from(*self)))),
                }
            }
        }
        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "unknown-{}", <$ty>::from(*self)),
                }
            }
        }
    };
}
pub(crate) use code_enum;

/// Byte ranges of the fixed header.
mod field {
    use core::ops::Range;
    pub const HTYPE: Range<usize> = 0..2;
    pub const PTYPE: Range<usize> = 2..4;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: Range<usize> = 6..8;
    pub const ADDRS: usize = 8;
}

/// Length of the fixed header.
pub const HEADER_LEN: usize = field::ADDRS;

/// Hardware type Ethernet.
pub const HTYPE_ETHERNET: u16 = 1;
/// Protocol type IPv4.
pub const PTYPE_IPV4: u16 = 0x0800;

code_enum! {
    /// ARP operation code.
    Operation: u16 {
        /// ARP request.
        Request = 1 => "request",
        /// ARP reply.
        Reply = 2 => "reply",
        /// RARP request.
        RarpRequest = 3 => "rarp-request",
        /// RARP reply.
        RarpReply = 4 => "rarp-reply",
        /// DRARP request.
        DrarpRequest = 5 => "drarp-request",
        /// DRARP reply.
        DrarpReply = 6 => "drarp-reply",
        /// DRARP error.
        DrarpError = 7 => "drarp-error",
        /// InARP request.
        InarpRequest = 8 => "inarp-request",
        /// InARP reply.
        InarpReply = 9 => "inarp-reply",
        /// ARP NAK.
        ArpNak = 10 => "arp-nak",
    }
}

/// A read-only or writable view of an ARP packet; the fixed header is known to be present.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer holding at least the fixed header.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::len("arp", 0, HEADER_LEN, len));
        }
        Ok(Packet { buffer })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn u16_at(&self, r: core::ops::Range<usize>) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[r.start], b[r.start + 1]])
    }

    /// Hardware type (1 = Ethernet).
    pub fn htype(&self) -> u16 {
        self.u16_at(field::HTYPE)
    }

    /// Protocol type (0x0800 = IPv4).
    pub fn ptype(&self) -> u16 {
        self.u16_at(field::PTYPE)
    }

    /// Hardware address length.
    pub fn hlen(&self) -> u8 {
        self.buffer.as_ref()[field::HLEN]
    }

    /// Protocol address length.
    pub fn plen(&self) -> u8 {
        self.buffer.as_ref()[field::PLEN]
    }

    /// Operation code.
    pub fn operation(&self) -> u16 {
        self.u16_at(field::OPER)
    }

    /// Total length the header's address lengths call for.
    pub fn packet_len(&self) -> usize {
        HEADER_LEN + 2 * (usize::from(self.hlen()) + usize::from(self.plen()))
    }

    fn addr(&self, idx: usize) -> Option<&[u8]> {
        let (h, p) = (usize::from(self.hlen()), usize::from(self.plen()));
        let (start, len) = match idx {
            0 => (HEADER_LEN, h),
            1 => (HEADER_LEN + h, p),
            2 => (HEADER_LEN + h + p, h),
            _ => (HEADER_LEN + 2 * h + p, p),
        };
        self.buffer.as_ref().get(start..start + len)
    }

    /// Sender hardware address, `None` when the frame ends before it does.
    pub fn sender_hardware_addr(&self) -> Option<&[u8]> {
        self.addr(0)
    }

    /// Sender protocol address, `None` when cut short.
    pub fn sender_protocol_addr(&self) -> Option<&[u8]> {
        self.addr(1)
    }

    /// Target hardware address, `None` when cut short.
    pub fn target_hardware_addr(&self) -> Option<&[u8]> {
        self.addr(2)
    }

    /// Target protocol address, `None` when cut short.
    pub fn target_protocol_addr(&self) -> Option<&[u8]> {
        self.addr(3)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn set_u16(&mut self, r: core::ops::Range<usize>, v: u16) {
        self.buffer.as_mut()[r].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the hardware type.
    pub fn set_htype(&mut self, v: u16) {
        self.set_u16(field::HTYPE, v)
    }

    /// Sets the protocol type.
    pub fn set_ptype(&mut self, v: u16) {
        self.set_u16(field::PTYPE, v)
    }

    /// Sets the hardware address length.
    pub fn set_hlen(&mut self, v: u8) {
        self.buffer.as_mut()[field::HLEN] = v
    }

    /// Sets the protocol address length.
    pub fn set_plen(&mut self, v: u8) {
        self.buffer.as_mut()[field::PLEN] = v
    }

    /// Sets the operation code.
    pub fn set_operation(&mut self, v: u16) {
        self.set_u16(field::OPER, v)
    }

    /// Writes the address bytes after the header (as many as fit).
    pub fn set_addrs(&mut self, addrs: &[&[u8]]) {
        let buf = self.buffer.as_mut();
        let mut off = HEADER_LEN;
        for a in addrs {
            let end = (off + a.len()).min(buf.len());
            let n = end.saturating_sub(off);
            if let Some(dst) = buf.get_mut(off..end) {
                dst.copy_from_slice(&a[..n]);
            }
            off = end;
        }
    }
}

/// A hardware address: a MAC when it is six bytes long, hex otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HwAddr<'a> {
    /// A six-byte MAC address.
    Mac(MacAddr),
    /// Any other length.
    Raw(Hex<'a>),
}

impl<'a> HwAddr<'a> {
    fn from_bytes(b: &'a [u8]) -> Self {
        match MacAddr::from_bytes(b) {
            Some(m) => HwAddr::Mac(m),
            None => HwAddr::Raw(Hex(b)),
        }
    }

    /// The address bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            HwAddr::Mac(m) => m.as_bytes(),
            HwAddr::Raw(h) => h.0,
        }
    }

    /// Whether every byte is zero.
    pub fn is_zero(&self) -> bool {
        self.bytes().iter().all(|&b| b == 0)
    }
}

impl Serialize for HwAddr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        match self {
            HwAddr::Mac(m) => m.serialize(s),
            HwAddr::Raw(h) => h.serialize(s),
        }
    }
}

impl fmt::Display for HwAddr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HwAddr::Mac(m) => m.fmt(f),
            HwAddr::Raw(h) => h.fmt(f),
        }
    }
}

/// A protocol address: IPv4 when the protocol type is IPv4 and it is four bytes long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtoAddr<'a> {
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// Anything else, as hex.
    Raw(Hex<'a>),
}

impl<'a> ProtoAddr<'a> {
    fn from_bytes(ptype: u16, b: &'a [u8]) -> Self {
        match <[u8; 4]>::try_from(b) {
            Ok(a) if ptype == PTYPE_IPV4 => ProtoAddr::Ipv4(Ipv4Addr::from(a)),
            _ => ProtoAddr::Raw(Hex(b)),
        }
    }

    fn write(&self, out: &mut [u8]) -> usize {
        match self {
            ProtoAddr::Ipv4(a) => {
                out[..4].copy_from_slice(&a.octets());
                4
            }
            ProtoAddr::Raw(h) => {
                out[..h.0.len()].copy_from_slice(h.0);
                h.0.len()
            }
        }
    }
}

impl Serialize for ProtoAddr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        match self {
            ProtoAddr::Ipv4(a) => s.collect_str(a),
            ProtoAddr::Raw(h) => h.serialize(s),
        }
    }
}

impl fmt::Display for ProtoAddr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtoAddr::Ipv4(a) => a.fmt(f),
            ProtoAddr::Raw(h) => h.fmt(f),
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A decoded ARP packet. Addresses the frame does not hold completely are `None`; since they
/// follow one another, the present ones are always a prefix of sender-hw, sender-proto,
/// target-hw, target-proto.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repr<'a> {
    /// Operation code.
    pub operation: Operation,
    /// Hardware type.
    pub htype: u16,
    /// Protocol type.
    pub ptype: u16,
    /// Hardware address length as sent.
    pub hlen: u8,
    /// Protocol address length as sent.
    pub plen: u8,
    /// Sender hardware address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_mac: Option<HwAddr<'a>>,
    /// Sender protocol address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_ip: Option<ProtoAddr<'a>>,
    /// Target hardware address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_mac: Option<HwAddr<'a>>,
    /// Target protocol address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_ip: Option<ProtoAddr<'a>>,
    /// Gratuitous ARP: IPv4 sender and target addresses equal and not 0.0.0.0.
    #[serde(skip_serializing_if = "is_false")]
    pub gratuitous: bool,
    /// ARP probe (RFC 5227): a request from sender 0.0.0.0.
    #[serde(skip_serializing_if = "is_false")]
    pub probe: bool,
}

impl<'a> Repr<'a> {
    /// Decodes a checked packet; addresses past the end of the buffer give one anomaly.
    pub fn parse(packet: &Packet<&'a [u8]>, anomalies: &mut Anomalies) -> Result<Repr<'a>> {
        let buf: &'a [u8] = packet.buffer;
        let p = Packet::new_unchecked(buf);
        let ptype = p.ptype();
        let mut r = Repr {
            operation: Operation::from(p.operation()),
            htype: p.htype(),
            ptype,
            hlen: p.hlen(),
            plen: p.plen(),
            sender_mac: None,
            sender_ip: None,
            target_mac: None,
            target_ip: None,
            gratuitous: false,
            probe: false,
        };
        let (h, pl) = (usize::from(r.hlen), usize::from(r.plen));
        let get = |start: usize, len: usize| buf.get(start..start + len);
        r.sender_mac = get(HEADER_LEN, h).map(HwAddr::from_bytes);
        r.sender_ip = get(HEADER_LEN + h, pl).map(|b| ProtoAddr::from_bytes(ptype, b));
        r.target_mac = get(HEADER_LEN + h + pl, h).map(HwAddr::from_bytes);
        r.target_ip = get(HEADER_LEN + 2 * h + pl, pl).map(|b| ProtoAddr::from_bytes(ptype, b));
        let need = p.packet_len();
        if buf.len() < need {
            anomalies.push(Error::len(
                "arp.addresses",
                HEADER_LEN,
                need - HEADER_LEN,
                buf.len() - HEADER_LEN,
            ));
        }
        if let (Some(ProtoAddr::Ipv4(s)), Some(ProtoAddr::Ipv4(t))) = (r.sender_ip, r.target_ip) {
            r.gratuitous = s == t && !s.is_unspecified();
            r.probe = s.is_unspecified() && r.operation == Operation::Request;
        }
        Ok(r)
    }

    /// Bytes `emit` writes: the header and the addresses present.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + self.sender_mac.map_or(0, |a| a.bytes().len())
            + self.target_mac.map_or(0, |a| a.bytes().len())
            + self.sender_ip.map_or(0, |a| self.proto_len(&a))
            + self.target_ip.map_or(0, |a| self.proto_len(&a))
    }

    fn proto_len(&self, a: &ProtoAddr<'_>) -> usize {
        match a {
            ProtoAddr::Ipv4(_) => 4,
            ProtoAddr::Raw(h) => h.0.len(),
        }
    }

    /// Writes the packet into `buf` (at least `buffer_len()` bytes).
    pub fn emit(&self, buf: &mut [u8]) {
        let mut p = Packet::new_unchecked(&mut buf[..]);
        p.set_htype(self.htype);
        p.set_ptype(self.ptype);
        p.set_hlen(self.hlen);
        p.set_plen(self.plen);
        p.set_operation(u16::from(self.operation));
        let mut off = HEADER_LEN;
        let hw = |a: &Option<HwAddr<'_>>, off: &mut usize, buf: &mut [u8]| {
            if let Some(a) = a {
                let b = a.bytes();
                buf[*off..*off + b.len()].copy_from_slice(b);
                *off += b.len();
            }
        };
        hw(&self.sender_mac, &mut off, buf);
        if let Some(a) = &self.sender_ip {
            off += a.write(&mut buf[off..]);
        }
        hw(&self.target_mac, &mut off, buf);
        if let Some(a) = &self.target_ip {
            a.write(&mut buf[off..]);
        }
    }
}

/// Decodes an ARP packet (the bytes after the EtherType). `Err` only when the 8-byte header is
/// cut short.
pub fn decode<'a>(buf: &'a [u8], anomalies: &mut Anomalies) -> Result<Repr<'a>> {
    let p = Packet::new_checked(buf)?;
    Repr::parse(&p, anomalies)
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.operation)?;
        if self.sender_mac.is_some() || self.sender_ip.is_some() {
            f.write_str(" sender")?;
        }
        if let Some(a) = &self.sender_mac {
            write!(f, " {a}")?;
        }
        if let Some(a) = &self.sender_ip {
            write!(f, " {a}")?;
        }
        if self.target_mac.is_some() || self.target_ip.is_some() {
            f.write_str(" target")?;
        }
        if let Some(a) = &self.target_mac {
            write!(f, " {a}")?;
        }
        if let Some(a) = &self.target_ip {
            write!(f, " {a}")?;
        }
        if self.gratuitous {
            f.write_str(" gratuitous")?;
        }
        if self.probe {
            f.write_str(" probe")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
