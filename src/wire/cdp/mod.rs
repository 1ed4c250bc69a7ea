//! Cisco Discovery Protocol, versions 1 and 2 (the bytes after the SNAP header, or after the
//! Cisco HDLC header).
//!
//! A 4-byte header (version, TTL, checksum) and type/length/value entries whose length counts
//! the 4-byte TLV header. The [`tlv`] walker and the [`addr`] address lists are shared with FDP.
//!
//! [`Repr`] keeps the TLVs in wire order (so `emit` reproduces the message, duplicates and
//! unknown TLVs included); its JSON object shows the first TLV of each kind under its key, every
//! unknown or malformed TLV under `unknown_tlvs`, and the wire order under `tlv_order`.

use core::fmt;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::text::{Hex, Text, code_name};
use super::{Anomalies, Error, Result};

pub mod addr;
pub mod tlv;

pub use addr::{Address, Addresses, Prefixes};
use tlv::{HEADER_LEN, MAX_TLVS, TlvIter};

const LAYER: &str = "cdp";
const LAYER_TLV: &str = "cdp.tlv";

/// Byte ranges of the CDP header.
mod field {
    use core::ops::Range;
    pub const VERSION: usize = 0;
    pub const TTL: usize = 1;
    pub const CHECKSUM: Range<usize> = 2..4;
    pub const TLVS: usize = 4;
}

/// Bytes of the CDP header.
pub const HEADER_LEN_CDP: usize = field::TLVS;

/// A checked view of a CDP message.
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
        if len < HEADER_LEN_CDP {
            return Err(Error::len(LAYER, 0, HEADER_LEN_CDP, len));
        }
        Ok(Packet { buffer })
    }

    /// The protocol version (1 or 2).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION]
    }

    /// Time to live, in seconds.
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// The checksum as sent.
    pub fn checksum(&self) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[field::CHECKSUM.start], b[field::CHECKSUM.start + 1]])
    }

    /// Whether the checksum verifies (ones'-complement sum over the whole message, with Cisco's
    /// sign-extended odd final byte; the standard RFC 1071 padding is accepted too).
    pub fn verify_checksum(&self) -> bool {
        let b = self.buffer.as_ref();
        tlv::ones_sum(b, true) == 0xffff || tlv::ones_sum(b, false) == 0xffff
    }

    /// The TLV bytes after the header.
    pub fn tlv_bytes(&self) -> &[u8] {
        &self.buffer.as_ref()[field::TLVS..]
    }

    /// The whole buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the version.
    pub fn set_version(&mut self, v: u8) {
        self.buffer.as_mut()[field::VERSION] = v;
    }

    /// Sets the TTL.
    pub fn set_ttl(&mut self, v: u8) {
        self.buffer.as_mut()[field::TTL] = v;
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&v.to_be_bytes());
    }

    /// Computes and writes the checksum over the whole buffer.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let sum = tlv::ones_sum(self.buffer.as_ref(), true);
        self.set_checksum(!sum);
    }

    /// The TLV bytes, writable.
    pub fn tlv_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::TLVS..]
    }
}

/// CDP TLV type numbers.
pub mod kind {
    /// Device ID.
    pub const DEVICE_ID: u16 = 0x01;
    /// Addresses.
    pub const ADDRESSES: u16 = 0x02;
    /// Port ID.
    pub const PORT_ID: u16 = 0x03;
    /// Capabilities.
    pub const CAPABILITIES: u16 = 0x04;
    /// Software version.
    pub const SOFTWARE_VERSION: u16 = 0x05;
    /// Platform.
    pub const PLATFORM: u16 = 0x06;
    /// IP prefixes.
    pub const PREFIXES: u16 = 0x07;
    /// VTP management domain.
    pub const VTP_DOMAIN: u16 = 0x09;
    /// Native VLAN.
    pub const NATIVE_VLAN: u16 = 0x0a;
    /// Duplex.
    pub const DUPLEX: u16 = 0x0b;
    /// Appliance (voice) VLAN reply.
    pub const VOICE_VLAN: u16 = 0x0e;
    /// Appliance (voice) VLAN query.
    pub const VOICE_VLAN_QUERY: u16 = 0x0f;
    /// Power consumption, mW.
    pub const POWER: u16 = 0x10;
    /// MTU.
    pub const MTU: u16 = 0x11;
    /// Extended trust bitmap.
    pub const TRUST: u16 = 0x12;
    /// CoS for untrusted ports.
    pub const UNTRUSTED_COS: u16 = 0x13;
    /// System name.
    pub const SYSTEM_NAME: u16 = 0x14;
    /// System object ID.
    pub const SYSTEM_OID: u16 = 0x15;
    /// Management addresses.
    pub const MANAGEMENT_ADDRESSES: u16 = 0x16;
    /// Physical location.
    pub const LOCATION: u16 = 0x17;
    /// Power requested.
    pub const POWER_REQUEST: u16 = 0x19;
    /// Power available.
    pub const POWER_AVAILABLE: u16 = 0x1a;
}

/// Capability bits of TLV 4, lowest bit first.
pub const CAPABILITY_NAMES: [&str; 11] = [
    "router",
    "transparent-bridge",
    "source-route-bridge",
    "switch",
    "host",
    "igmp",
    "repeater",
    "voip-phone",
    "remotely-managed",
    "cvta",
    "mac-relay",
];

/// The capabilities bitmap (TLV 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities(pub u32);

impl Capabilities {
    /// Names of the bits set; unknown bits as `unknown-<bit>`.
    pub fn names(&self) -> impl Iterator<Item = std::borrow::Cow<'static, str>> + '_ {
        (0..32u32)
            .filter(|b| self.0 & (1 << b) != 0)
            .map(|b| code_name(CAPABILITY_NAMES.get(b as usize).copied(), b))
    }
}

impl Serialize for Capabilities {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

/// Duplex (TLV 0x0b).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplex {
    /// Half duplex (0).
    Half,
    /// Full duplex (1).
    Full,
    /// Another value.
    Unknown(u8),
}

impl Duplex {
    /// From the wire byte.
    pub fn from_u8(v: u8) -> Self {
        match v {
            0 => Duplex::Half,
            1 => Duplex::Full,
            n => Duplex::Unknown(n),
        }
    }

    /// The wire byte.
    pub fn to_u8(self) -> u8 {
        match self {
            Duplex::Half => 0,
            Duplex::Full => 1,
            Duplex::Unknown(n) => n,
        }
    }

    /// Lower-case name.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Duplex::Half => Some("half"),
            Duplex::Full => Some("full"),
            Duplex::Unknown(_) => None,
        }
    }
}

impl Serialize for Duplex {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&code_name(self.name(), u32::from(self.to_u8())))
    }
}

/// Power request (TLV 0x19): request and management IDs, then requested levels in mW.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowerRequest<'a>(&'a [u8]);

impl<'a> PowerRequest<'a> {
    /// Checks a value: 4 bytes of IDs, then whole 4-byte levels.
    pub fn parse(v: &'a [u8]) -> Option<Self> {
        (v.len() >= 4 && v.len() % 4 == 0).then_some(PowerRequest(v))
    }

    /// The value bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }

    /// Request ID.
    pub fn request_id(&self) -> u16 {
        u16::from_be_bytes([self.0[0], self.0[1]])
    }

    /// Management ID.
    pub fn management_id(&self) -> u16 {
        u16::from_be_bytes([self.0[2], self.0[3]])
    }

    /// Requested power levels, mW.
    pub fn levels_mw(&self) -> impl Iterator<Item = u32> + 'a {
        self.0[4..]
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
    }
}

impl Serialize for PowerRequest<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        struct Levels<'b>(PowerRequest<'b>);
        impl Serialize for Levels<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
                s.collect_seq(self.0.levels_mw())
            }
        }
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("request_id", &self.request_id())?;
        m.serialize_entry("management_id", &self.management_id())?;
        m.serialize_entry("levels_mw", &Levels(*self))?;
        m.end()
    }
}

/// Power available (TLV 0x1a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PowerAvailable {
    /// Request ID.
    pub request_id: u16,
    /// Management ID.
    pub management_id: u16,
    /// Power available, mW.
    pub available_mw: u32,
    /// Management power level, mW.
    pub management_mw: u32,
}

/// One CDP TLV, decoded. TLVs whose value does not fit their type are kept as
/// [`Tlv::Unknown`] (with an anomaly), so the bytes are never lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tlv<'a> {
    /// Device ID (1).
    DeviceId(Text<'a>),
    /// Addresses (2).
    Addresses(Addresses<'a>),
    /// Port ID (3).
    PortId(Text<'a>),
    /// Capabilities (4).
    Capabilities(Capabilities),
    /// Software version (5).
    SoftwareVersion(Text<'a>),
    /// Platform (6).
    Platform(Text<'a>),
    /// IP prefixes (7).
    Prefixes(Prefixes<'a>),
    /// VTP management domain (9).
    VtpDomain(Text<'a>),
    /// Native VLAN (0x0a).
    NativeVlan(u16),
    /// Duplex (0x0b).
    Duplex(Duplex),
    /// Appliance VLAN reply (0x0e): appliance ID and VLAN.
    VoiceVlan(u8, u16),
    /// Appliance VLAN query (0x0f): appliance ID and VLAN.
    VoiceVlanQuery(u8, u16),
    /// Power consumption in mW (0x10).
    Power(u16),
    /// MTU (0x11).
    Mtu(u32),
    /// Extended trust bitmap (0x12).
    Trust(u8),
    /// CoS for untrusted ports (0x13).
    UntrustedCos(u8),
    /// System name (0x14).
    SystemName(Text<'a>),
    /// System object ID, BER-encoded (0x15).
    SystemOid(Hex<'a>),
    /// Management addresses (0x16).
    ManagementAddresses(Addresses<'a>),
    /// Location (0x17): a location-type byte, then text.
    Location(u8, Text<'a>),
    /// Power request (0x19).
    PowerRequest(PowerRequest<'a>),
    /// Power available (0x1a).
    PowerAvailable(PowerAvailable),
    /// Any other TLV, or a known one whose value is malformed.
    Unknown {
        /// TLV type.
        kind: u16,
        /// The value as sent.
        value: Hex<'a>,
    },
}

fn u16_at(v: &[u8]) -> u16 {
    u16::from_be_bytes([v[0], v[1]])
}

fn u32_at(v: &[u8]) -> u32 {
    u32::from_be_bytes([v[0], v[1], v[2], v[3]])
}

impl<'a> Tlv<'a> {
    /// Decodes a TLV value. A value that does not fit the type gives `Err` (the caller keeps it
    /// as [`Tlv::Unknown`]).
    pub fn parse(kind: u16, v: &'a [u8]) -> Result<Tlv<'a>> {
        let bad = |what| Err(Error::content(LAYER_TLV, 0, what));
        Ok(match kind {
            kind::DEVICE_ID => Tlv::DeviceId(Text(v)),
            kind::ADDRESSES | kind::MANAGEMENT_ADDRESSES => {
                let (a, err) = Addresses::parse(v, LAYER_TLV);
                if let Some(e) = err {
                    return Err(e);
                }
                if kind == kind::ADDRESSES {
                    Tlv::Addresses(a)
                } else {
                    Tlv::ManagementAddresses(a)
                }
            }
            kind::PORT_ID => Tlv::PortId(Text(v)),
            kind::CAPABILITIES if v.len() == 4 => Tlv::Capabilities(Capabilities(u32_at(v))),
            kind::CAPABILITIES => return bad("capabilities TLV not 4 bytes"),
            kind::SOFTWARE_VERSION => Tlv::SoftwareVersion(Text(v)),
            kind::PLATFORM => Tlv::Platform(Text(v)),
            kind::PREFIXES => Tlv::Prefixes(Prefixes::parse(v, LAYER_TLV)?),
            kind::VTP_DOMAIN => Tlv::VtpDomain(Text(v)),
            kind::NATIVE_VLAN if v.len() == 2 => Tlv::NativeVlan(u16_at(v)),
            kind::NATIVE_VLAN => return bad("native VLAN TLV not 2 bytes"),
            kind::DUPLEX if v.len() == 1 => Tlv::Duplex(Duplex::from_u8(v[0])),
            kind::DUPLEX => return bad("duplex TLV not 1 byte"),
            kind::VOICE_VLAN if v.len() == 3 => Tlv::VoiceVlan(v[0], u16_at(&v[1..])),
            kind::VOICE_VLAN_QUERY if v.len() == 3 => Tlv::VoiceVlanQuery(v[0], u16_at(&v[1..])),
            kind::VOICE_VLAN | kind::VOICE_VLAN_QUERY => return bad("voice VLAN TLV not 3 bytes"),
            kind::POWER if v.len() == 2 => Tlv::Power(u16_at(v)),
            kind::POWER => return bad("power TLV not 2 bytes"),
            kind::MTU if v.len() == 4 => Tlv::Mtu(u32_at(v)),
            kind::MTU => return bad("MTU TLV not 4 bytes"),
            kind::TRUST if v.len() == 1 => Tlv::Trust(v[0]),
            kind::TRUST => return bad("trust bitmap TLV not 1 byte"),
            kind::UNTRUSTED_COS if v.len() == 1 => Tlv::UntrustedCos(v[0]),
            kind::UNTRUSTED_COS => return bad("untrusted CoS TLV not 1 byte"),
            kind::SYSTEM_NAME => Tlv::SystemName(Text(v)),
            kind::SYSTEM_OID => Tlv::SystemOid(Hex(v)),
            kind::LOCATION => match v.split_first() {
                Some((t, rest)) => Tlv::Location(*t, Text(rest)),
                None => return bad("empty location TLV"),
            },
            kind::POWER_REQUEST => match PowerRequest::parse(v) {
                Some(p) => Tlv::PowerRequest(p),
                None => return bad("power request TLV length not 4 + 4n"),
            },
            kind::POWER_AVAILABLE if v.len() == 12 => Tlv::PowerAvailable(PowerAvailable {
                request_id: u16_at(v),
                management_id: u16_at(&v[2..]),
                available_mw: u32_at(&v[4..]),
                management_mw: u32_at(&v[8..]),
            }),
            kind::POWER_AVAILABLE => return bad("power available TLV not 12 bytes"),
            _ => Tlv::Unknown {
                kind,
                value: Hex(v),
            },
        })
    }

    /// The TLV type number.
    pub fn kind(&self) -> u16 {
        match self {
            Tlv::DeviceId(_) => kind::DEVICE_ID,
            Tlv::Addresses(_) => kind::ADDRESSES,
            Tlv::PortId(_) => kind::PORT_ID,
            Tlv::Capabilities(_) => kind::CAPABILITIES,
            Tlv::SoftwareVersion(_) => kind::SOFTWARE_VERSION,
            Tlv::Platform(_) => kind::PLATFORM,
            Tlv::Prefixes(_) => kind::PREFIXES,
            Tlv::VtpDomain(_) => kind::VTP_DOMAIN,
            Tlv::NativeVlan(_) => kind::NATIVE_VLAN,
            Tlv::Duplex(_) => kind::DUPLEX,
            Tlv::VoiceVlan(..) => kind::VOICE_VLAN,
            Tlv::VoiceVlanQuery(..) => kind::VOICE_VLAN_QUERY,
            Tlv::Power(_) => kind::POWER,
            Tlv::Mtu(_) => kind::MTU,
            Tlv::Trust(_) => kind::TRUST,
            Tlv::UntrustedCos(_) => kind::UNTRUSTED_COS,
            Tlv::SystemName(_) => kind::SYSTEM_NAME,
            Tlv::SystemOid(_) => kind::SYSTEM_OID,
            Tlv::ManagementAddresses(_) => kind::MANAGEMENT_ADDRESSES,
            Tlv::Location(..) => kind::LOCATION,
            Tlv::PowerRequest(_) => kind::POWER_REQUEST,
            Tlv::PowerAvailable(_) => kind::POWER_AVAILABLE,
            Tlv::Unknown { kind, .. } => *kind,
        }
    }

    /// Bytes of the value.
    pub fn value_len(&self) -> usize {
        match self {
            Tlv::DeviceId(t)
            | Tlv::PortId(t)
            | Tlv::SoftwareVersion(t)
            | Tlv::Platform(t)
            | Tlv::VtpDomain(t)
            | Tlv::SystemName(t) => t.0.len(),
            Tlv::Addresses(a) | Tlv::ManagementAddresses(a) => a.bytes().len(),
            Tlv::Capabilities(_) | Tlv::Mtu(_) => 4,
            Tlv::Prefixes(p) => p.bytes().len(),
            Tlv::NativeVlan(_) | Tlv::Power(_) => 2,
            Tlv::Duplex(_) | Tlv::Trust(_) | Tlv::UntrustedCos(_) => 1,
            Tlv::VoiceVlan(..) | Tlv::VoiceVlanQuery(..) => 3,
            Tlv::SystemOid(h) | Tlv::Unknown { value: h, .. } => h.0.len(),
            Tlv::Location(_, t) => 1 + t.0.len(),
            Tlv::PowerRequest(p) => p.bytes().len(),
            Tlv::PowerAvailable(_) => 12,
        }
    }

    /// Bytes the TLV takes on the wire, header included.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.value_len()
    }

    /// Writes the value into `v` (exactly `value_len()` bytes).
    fn emit_value(&self, v: &mut [u8]) {
        match self {
            Tlv::DeviceId(t)
            | Tlv::PortId(t)
            | Tlv::SoftwareVersion(t)
            | Tlv::Platform(t)
            | Tlv::VtpDomain(t)
            | Tlv::SystemName(t) => v.copy_from_slice(t.0),
            Tlv::Addresses(a) | Tlv::ManagementAddresses(a) => v.copy_from_slice(a.bytes()),
            Tlv::Capabilities(c) => v.copy_from_slice(&c.0.to_be_bytes()),
            Tlv::Mtu(m) => v.copy_from_slice(&m.to_be_bytes()),
            Tlv::Prefixes(p) => v.copy_from_slice(p.bytes()),
            Tlv::NativeVlan(n) | Tlv::Power(n) => v.copy_from_slice(&n.to_be_bytes()),
            Tlv::Duplex(d) => v[0] = d.to_u8(),
            Tlv::Trust(b) | Tlv::UntrustedCos(b) => v[0] = *b,
            Tlv::VoiceVlan(a, n) | Tlv::VoiceVlanQuery(a, n) => {
                v[0] = *a;
                v[1..3].copy_from_slice(&n.to_be_bytes());
            }
            Tlv::SystemOid(h) | Tlv::Unknown { value: h, .. } => v.copy_from_slice(h.0),
            Tlv::Location(t, text) => {
                v[0] = *t;
                v[1..].copy_from_slice(text.0);
            }
            Tlv::PowerRequest(p) => v.copy_from_slice(p.bytes()),
            Tlv::PowerAvailable(p) => {
                v[0..2].copy_from_slice(&p.request_id.to_be_bytes());
                v[2..4].copy_from_slice(&p.management_id.to_be_bytes());
                v[4..8].copy_from_slice(&p.available_mw.to_be_bytes());
                v[8..12].copy_from_slice(&p.management_mw.to_be_bytes());
            }
        }
    }

    /// Writes the TLV (header and value) into `buf` (at least `buffer_len()` bytes).
    pub fn emit(&self, buf: &mut [u8]) {
        let n = self.value_len();
        tlv::emit_header(buf, self.kind(), n);
        self.emit_value(&mut buf[HEADER_LEN..HEADER_LEN + n]);
    }
}

/// A decoded CDP message.
#[derive(Debug, Clone, PartialEq)]
pub struct Repr<'a> {
    /// Protocol version.
    pub version: u8,
    /// Time to live, seconds.
    pub ttl: u8,
    /// Whether the checksum verified (`emit` always writes a correct one).
    pub checksum_ok: bool,
    /// The TLVs in wire order.
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
    /// Decodes a checked packet; problems that leave the rest readable become anomalies.
    pub fn parse(packet: &Packet<&'a [u8]>, anomalies: &mut Anomalies) -> Result<Repr<'a>> {
        let buf: &'a [u8] = packet.buffer;
        let version = packet.version();
        if !(1..=2).contains(&version) {
            anomalies.push(Error::content(LAYER, field::VERSION, "unknown CDP version"));
        }
        let checksum_ok = packet.verify_checksum();
        if !checksum_ok {
            anomalies.push(Error::content(LAYER, field::CHECKSUM.start, "bad checksum"));
        }
        let tlvs = parse_tlvs(
            LAYER_TLV,
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
            version,
            ttl: packet.ttl(),
            checksum_ok,
            tlvs,
        };
        if r.device_id().is_none() {
            anomalies.push(Error::content(LAYER, buf.len(), "no Device ID TLV"));
        }
        Ok(r)
    }

    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN_CDP + self.tlvs.iter().map(Tlv::buffer_len).sum::<usize>()
    }

    /// Writes the message, with a correct checksum, into `buf[..buffer_len()]`.
    pub fn emit(&self, buf: &mut [u8]) {
        let len = self.buffer_len();
        let mut p = Packet::new_unchecked(&mut buf[..len]);
        p.set_version(self.version);
        p.set_ttl(self.ttl);
        let mut off = 0;
        let out = p.tlv_bytes_mut();
        for t in &self.tlvs {
            t.emit(&mut out[off..]);
            off += t.buffer_len();
        }
        p.fill_checksum();
    }

    first!(/// Device ID.
        device_id -> Text<'a>, Tlv::DeviceId(t) => *t);
    first!(/// Addresses.
        addresses -> Addresses<'a>, Tlv::Addresses(a) => *a);
    first!(/// Port ID.
        port_id -> Text<'a>, Tlv::PortId(t) => *t);
    first!(/// Capabilities.
        capabilities -> Capabilities, Tlv::Capabilities(c) => *c);
    first!(/// Software version.
        software_version -> Text<'a>, Tlv::SoftwareVersion(t) => *t);
    first!(/// Platform.
        platform -> Text<'a>, Tlv::Platform(t) => *t);
    first!(/// IP prefixes.
        prefixes -> Prefixes<'a>, Tlv::Prefixes(p) => *p);
    first!(/// VTP management domain.
        vtp_domain -> Text<'a>, Tlv::VtpDomain(t) => *t);
    first!(/// Native VLAN.
        native_vlan -> u16, Tlv::NativeVlan(n) => *n);
    first!(/// Duplex.
        duplex -> Duplex, Tlv::Duplex(d) => *d);
    first!(/// Voice VLAN (appliance VLAN reply).
        voice_vlan -> u16, Tlv::VoiceVlan(_, n) => *n);
    first!(/// Voice VLAN query.
        voice_vlan_query -> u16, Tlv::VoiceVlanQuery(_, n) => *n);
    first!(/// Power consumption, mW.
        power_mw -> u16, Tlv::Power(n) => *n);
    first!(/// Power request.
        power_request -> PowerRequest<'a>, Tlv::PowerRequest(p) => *p);
    first!(/// Power available.
        power_available -> PowerAvailable, Tlv::PowerAvailable(p) => *p);
    first!(/// MTU.
        mtu -> u32, Tlv::Mtu(n) => *n);
    first!(/// Trust bitmap.
        trust -> u8, Tlv::Trust(n) => *n);
    first!(/// CoS for untrusted ports.
        untrusted_cos -> u8, Tlv::UntrustedCos(n) => *n);
    first!(/// System name.
        system_name -> Text<'a>, Tlv::SystemName(t) => *t);
    first!(/// System OID.
        system_oid -> Hex<'a>, Tlv::SystemOid(h) => *h);
    first!(/// Management addresses.
        management_addresses -> Addresses<'a>, Tlv::ManagementAddresses(a) => *a);
    first!(/// Location text.
        location -> Text<'a>, Tlv::Location(_, t) => *t);
}

/// Walks TLVs into a list, recording anomalies: a TLV whose value does not fit its type is kept
/// through `fallback` (from `parse`'s error); duplicates of known types, truncated TLVs and
/// more than [`MAX_TLVS`] TLVs are reported. Shared by CDP and FDP.
pub(crate) fn parse_tlvs<'a, T>(
    layer: &'static str,
    buf: &'a [u8],
    base: usize,
    anomalies: &mut Anomalies,
    parse: &dyn Fn(u16, &'a [u8]) -> core::result::Result<T, (Error, T)>,
    kind_of: &dyn Fn(&T) -> u16,
    is_unknown: &dyn Fn(&T) -> bool,
) -> Vec<T> {
    let mut tlvs: Vec<T> = Vec::new();
    for item in TlvIter::new(buf, base, layer) {
        let raw = match item {
            Ok(r) => r,
            Err(e) => {
                anomalies.push(e);
                break;
            }
        };
        if tlvs.len() >= MAX_TLVS {
            anomalies.push(Error::content(layer, raw.offset, "more than 256 TLVs"));
            break;
        }
        let t = match parse(raw.kind, raw.value) {
            Ok(t) => t,
            Err((e, fallback)) => {
                anomalies.push(e.shifted(raw.offset + HEADER_LEN));
                fallback
            }
        };
        if !is_unknown(&t)
            && tlvs
                .iter()
                .any(|o| !is_unknown(o) && kind_of(o) == kind_of(&t))
        {
            anomalies.push(Error::content(layer, raw.offset, "duplicate TLV"));
        }
        tlvs.push(t);
    }
    tlvs
}

/// A text serialised without trailing NULs, CRs and newlines (CDP software versions end in
/// one on some platforms).
pub(crate) struct Lines<'a>(pub Text<'a>);

impl Serialize for Lines<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let mut b = self.0.bytes();
        while let [rest @ .., 0 | b'\n' | b'\r'] = b {
            b = rest;
        }
        Text(b).serialize(s)
    }
}

/// `{type, value}` for an unknown TLV.
#[derive(serde::Serialize)]
pub(crate) struct UnknownTlv<'a> {
    #[serde(rename = "type")]
    pub kind: u16,
    pub value: Hex<'a>,
}

/// Serialises the type numbers of TLVs in order.
pub(crate) struct Order<'r, T>(pub &'r [T], pub fn(&T) -> u16);

impl<T> Serialize for Order<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for t in self.0 {
            seq.serialize_element(&(self.1)(t))?;
        }
        seq.end()
    }
}

/// Serialises the unknown TLVs of a list.
pub(crate) struct Unknowns<'r, T>(pub &'r [T], pub for<'x> fn(&'x T) -> Option<UnknownTlv<'x>>);

impl<T> Unknowns<'_, T> {
    pub(crate) fn is_empty(&self) -> bool {
        !self.0.iter().any(|t| (self.1)(t).is_some())
    }
}

impl<T> Serialize for Unknowns<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for u in self.0.iter().filter_map(self.1) {
            seq.serialize_element(&u)?;
        }
        seq.end()
    }
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
        m.serialize_entry("checksum_ok", &self.checksum_ok)?;
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
        opt!("prefixes", self.prefixes());
        opt!("vtp_domain", self.vtp_domain());
        opt!("native_vlan", self.native_vlan());
        opt!("duplex", self.duplex());
        opt!("voice_vlan", self.voice_vlan());
        opt!("voice_vlan_query", self.voice_vlan_query());
        opt!("power_mw", self.power_mw());
        opt!("power_request", self.power_request());
        opt!("power_available", self.power_available());
        opt!("mtu", self.mtu());
        opt!("trust", self.trust());
        opt!("untrusted_cos", self.untrusted_cos());
        opt!("system_name", self.system_name());
        opt!("system_oid", self.system_oid());
        opt!("management_addresses", self.management_addresses());
        opt!("location", self.location());
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
        if let Some(v) = self.native_vlan() {
            write!(f, " vlan {v}")?;
        }
        if let Some(v) = self.voice_vlan() {
            write!(f, " voice-vlan {v}")?;
        }
        if !self.checksum_ok {
            f.write_str(" bad-checksum")?;
        }
        Ok(())
    }
}

/// Decodes a CDP message (the lax entry point): `Err` only when the 4-byte header is missing.
pub fn decode<'a>(buf: &'a [u8], anomalies: &mut Anomalies) -> Result<Repr<'a>> {
    let p = Packet::new_checked(buf)?;
    Repr::parse(&p, anomalies)
}

#[cfg(test)]
mod tests;
