//! DHCPv4 / BOOTP (RFC 951, RFC 2131, RFC 2132 and the option RFCs), from the UDP payload.
//!
//! [`Packet`] is a checked view of the 236-byte fixed header and what follows; [`Repr`] is the
//! decoded message: the header, every option in wire order with its raw bytes (`options`), and
//! the options the sensor fingerprints on, decoded. Option overload (52) is followed: options
//! continue in `file` then `sname` (RFC 2131 order). RFC 3396 split options (the same code
//! repeated) are concatenated for decoding and kept separately in `options`.
//!
//! [`decode`] is lax: it fails only when the fixed header is cut short; everything else that is
//! wrong (no magic cookie, truncated option, missing or duplicate message type, bad option
//! lengths, an overload pointing at garbage, a domain-search pointer loop) is an anomaly and
//! everything that parsed is kept.

use core::fmt;
use std::borrow::Cow;
use std::net::Ipv4Addr;

use serde::{Serialize, Serializer};

use super::{Anomalies, Error, Hex, MacAddr, Result, Text};

pub mod options;

pub use options::{
    Area, ClasslessRoutes, ClientArch, ClientFqdn, ClientNdi, ClientUuid, Data, DhcpOption,
    DomainSearch, OptionIter, RelayAgent, UserClass, ViVendorClass, ViVendorInfo,
};
use options::{code, ipv4};

#[cfg(test)]
mod tests;

/// Byte ranges of the fixed header.
mod field {
    #![allow(missing_docs)]
    pub type Field = core::ops::Range<usize>;
    pub const OP: usize = 0;
    pub const HTYPE: usize = 1;
    pub const HLEN: usize = 2;
    pub const HOPS: usize = 3;
    pub const XID: Field = 4..8;
    pub const SECS: Field = 8..10;
    pub const FLAGS: Field = 10..12;
    pub const CIADDR: Field = 12..16;
    pub const YIADDR: Field = 16..20;
    pub const SIADDR: Field = 20..24;
    pub const GIADDR: Field = 24..28;
    pub const CHADDR: Field = 28..44;
    pub const SNAME: Field = 44..108;
    pub const FILE: Field = 108..236;
    pub const MAGIC: Field = 236..240;
    pub const OPTIONS: usize = 240;
}

/// Length of the fixed BOOTP header (up to and including `file`).
pub const HEADER_LEN: usize = field::FILE.end;

/// The DHCP magic cookie (99.130.83.99).
pub const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];

/// Most options kept from one message.
pub const MAX_OPTIONS: usize = 256;

/// A read/write view of a DHCPv4 message.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer holding at least the fixed header; no accessor panics afterwards.
    pub fn new_checked(buffer: T) -> Result<Packet<T>> {
        let p = Packet::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks that the fixed header is there.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::len("dhcp", 0, HEADER_LEN, len));
        }
        Ok(())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn addr(&self, f: field::Field) -> Ipv4Addr {
        ipv4(&self.b()[f]).unwrap_or(Ipv4Addr::UNSPECIFIED)
    }

    /// Message op code (1 request, 2 reply).
    pub fn op(&self) -> u8 {
        self.b()[field::OP]
    }

    /// Hardware address type (1 = Ethernet).
    pub fn htype(&self) -> u8 {
        self.b()[field::HTYPE]
    }

    /// Hardware address length.
    pub fn hlen(&self) -> u8 {
        self.b()[field::HLEN]
    }

    /// Relay hops.
    pub fn hops(&self) -> u8 {
        self.b()[field::HOPS]
    }

    /// Transaction id.
    pub fn xid(&self) -> u32 {
        u32::from_be_bytes([self.b()[4], self.b()[5], self.b()[6], self.b()[7]])
    }

    /// Seconds since the client began.
    pub fn secs(&self) -> u16 {
        u16::from_be_bytes([self.b()[8], self.b()[9]])
    }

    /// Flags (bit 15: broadcast).
    pub fn flags(&self) -> u16 {
        u16::from_be_bytes([self.b()[10], self.b()[11]])
    }

    /// Client address.
    pub fn ciaddr(&self) -> Ipv4Addr {
        self.addr(field::CIADDR)
    }

    /// "Your" (assigned) address.
    pub fn yiaddr(&self) -> Ipv4Addr {
        self.addr(field::YIADDR)
    }

    /// Next server address.
    pub fn siaddr(&self) -> Ipv4Addr {
        self.addr(field::SIADDR)
    }

    /// Relay agent address.
    pub fn giaddr(&self) -> Ipv4Addr {
        self.addr(field::GIADDR)
    }

    /// The 16-byte client hardware address field.
    pub fn chaddr(&self) -> &[u8] {
        &self.b()[field::CHADDR]
    }

    /// The 64-byte server host name field.
    pub fn sname(&self) -> &[u8] {
        &self.b()[field::SNAME]
    }

    /// The 128-byte boot file name field.
    pub fn file(&self) -> &[u8] {
        &self.b()[field::FILE]
    }

    /// The four bytes after `file`, if present.
    pub fn magic_cookie(&self) -> Option<[u8; 4]> {
        self.b().get(field::MAGIC)?.try_into().ok()
    }

    /// The bytes after `file` (the vendor / options area, cookie included).
    pub fn vendor_area(&self) -> &[u8] {
        &self.b()[HEADER_LEN..]
    }

    /// The option bytes after the magic cookie (empty when too short).
    pub fn options(&self) -> &[u8] {
        self.b().get(field::OPTIONS..).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn bm(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    /// Sets the op code.
    pub fn set_op(&mut self, v: u8) {
        self.bm()[field::OP] = v;
    }

    /// Sets the hardware type.
    pub fn set_htype(&mut self, v: u8) {
        self.bm()[field::HTYPE] = v;
    }

    /// Sets the hardware address length.
    pub fn set_hlen(&mut self, v: u8) {
        self.bm()[field::HLEN] = v;
    }

    /// Sets the hop count.
    pub fn set_hops(&mut self, v: u8) {
        self.bm()[field::HOPS] = v;
    }

    /// Sets the transaction id.
    pub fn set_xid(&mut self, v: u32) {
        self.bm()[field::XID].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the seconds field.
    pub fn set_secs(&mut self, v: u16) {
        self.bm()[field::SECS].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the flags.
    pub fn set_flags(&mut self, v: u16) {
        self.bm()[field::FLAGS].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the client address.
    pub fn set_ciaddr(&mut self, a: Ipv4Addr) {
        self.bm()[field::CIADDR].copy_from_slice(&a.octets());
    }

    /// Sets the assigned address.
    pub fn set_yiaddr(&mut self, a: Ipv4Addr) {
        self.bm()[field::YIADDR].copy_from_slice(&a.octets());
    }

    /// Sets the next server address.
    pub fn set_siaddr(&mut self, a: Ipv4Addr) {
        self.bm()[field::SIADDR].copy_from_slice(&a.octets());
    }

    /// Sets the relay agent address.
    pub fn set_giaddr(&mut self, a: Ipv4Addr) {
        self.bm()[field::GIADDR].copy_from_slice(&a.octets());
    }

    /// The client hardware address field, writable.
    pub fn chaddr_mut(&mut self) -> &mut [u8] {
        &mut self.bm()[field::CHADDR]
    }

    /// The server name field, writable.
    pub fn sname_mut(&mut self) -> &mut [u8] {
        &mut self.bm()[field::SNAME]
    }

    /// The boot file field, writable.
    pub fn file_mut(&mut self) -> &mut [u8] {
        &mut self.bm()[field::FILE]
    }

    /// The bytes after `file`, writable (cookie, then options).
    pub fn vendor_area_mut(&mut self) -> &mut [u8] {
        &mut self.bm()[HEADER_LEN..]
    }
}

/// BOOTP op code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// BOOTREQUEST (1).
    Request,
    /// BOOTREPLY (2).
    Reply,
    /// Any other value.
    Unknown(u8),
}

impl Op {
    /// The op for a wire value.
    pub fn from_u8(v: u8) -> Op {
        match v {
            1 => Op::Request,
            2 => Op::Reply,
            v => Op::Unknown(v),
        }
    }

    /// The wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            Op::Request => 1,
            Op::Reply => 2,
            Op::Unknown(v) => v,
        }
    }

    /// The lower-case name, if known.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Op::Request => Some("request"),
            Op::Reply => Some("reply"),
            Op::Unknown(_) => None,
        }
    }
}

impl Serialize for Op {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&super::text::code_name(self.name(), self.to_u8().into()))
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::text::code_name(self.name(), self.to_u8().into()))
    }
}

/// DHCP message type (option 53).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageType(pub u8);

impl MessageType {
    /// Names of types 1..=18 (RFC 2131, 3203, 4388, 6926, 7724, 8996bis "tls").
    const NAMES: [&'static str; 18] = [
        "discover",
        "offer",
        "request",
        "decline",
        "ack",
        "nak",
        "release",
        "inform",
        "forcerenew",
        "leasequery",
        "leaseunassigned",
        "leaseunknown",
        "leaseactive",
        "bulkleasequery",
        "leasequerydone",
        "activeleasequery",
        "leasequerystatus",
        "tls",
    ];

    /// The lower-case name, if known.
    pub fn name(self) -> Option<&'static str> {
        Self::NAMES.get((self.0 as usize).wrapping_sub(1)).copied()
    }
}

impl Serialize for MessageType {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&super::text::code_name(self.name(), self.0.into()))
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::text::code_name(self.name(), self.0.into()))
    }
}

/// The client hardware address: a MAC address when htype is 1 and hlen 6, else the hex of the
/// first `hlen` bytes (at most 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chaddr<'a> {
    /// Hardware type.
    pub htype: u8,
    /// Hardware address length as sent.
    pub hlen: u8,
    /// The 16-byte field as sent.
    pub field: &'a [u8],
}

impl Chaddr<'_> {
    /// The MAC address, when the field holds an Ethernet address.
    pub fn mac(&self) -> Option<MacAddr> {
        if self.htype == 1 && self.hlen == 6 {
            MacAddr::from_bytes(self.field.get(..6)?)
        } else {
            None
        }
    }

    /// The address bytes (`hlen` of them, at most the field).
    pub fn bytes(&self) -> &[u8] {
        &self.field[..(self.hlen as usize).min(self.field.len())]
    }
}

impl Serialize for Chaddr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        match self.mac() {
            Some(m) => m.serialize(s),
            None => Hex(self.bytes()).serialize(s),
        }
    }
}

impl fmt::Display for Chaddr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mac() {
            Some(m) => m.fmt(f),
            None => Hex(self.bytes()).fmt(f),
        }
    }
}

/// Serialises the flags: the broadcast bit as a bool when the reserved bits are zero, else the
/// whole field as a number.
fn ser_flags<S: Serializer>(v: &u16, s: S) -> core::result::Result<S::Ok, S::Error> {
    if v & 0x7fff == 0 {
        s.serialize_bool(v & 0x8000 != 0)
    } else {
        s.serialize_u16(*v)
    }
}

/// A decoded DHCPv4 / BOOTP message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repr<'a> {
    /// Op code: `request` or `reply`.
    pub op: Op,
    /// Hardware type.
    pub htype: u8,
    /// Hardware address length (shown through `chaddr`).
    #[serde(skip)]
    pub hlen: u8,
    /// Relay hops.
    pub hops: u8,
    /// DHCP message type (option 53); absent for plain BOOTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_type: Option<MessageType>,
    /// Transaction id, shown as `0x` and eight hex digits.
    #[serde(serialize_with = "options::ser_xid")]
    pub xid: u32,
    /// Seconds elapsed.
    pub secs: u16,
    /// Flags: the broadcast bit as a bool, or the whole field as a number when reserved bits
    /// are set.
    #[serde(serialize_with = "ser_flags")]
    pub flags: u16,
    /// Client address.
    pub ciaddr: Ipv4Addr,
    /// Assigned address.
    pub yiaddr: Ipv4Addr,
    /// Next server address.
    pub siaddr: Ipv4Addr,
    /// Relay agent address.
    pub giaddr: Ipv4Addr,
    /// Client hardware address.
    pub chaddr: Chaddr<'a>,
    /// Server host name, when not overloaded and not empty (up to the first NUL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sname: Option<Text<'a>>,
    /// Boot file name, when not overloaded and not empty (up to the first NUL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<Text<'a>>,
    /// The 64-byte `sname` field as sent.
    #[serde(skip)]
    pub sname_field: &'a [u8],
    /// The 128-byte `file` field as sent.
    #[serde(skip)]
    pub file_field: &'a [u8],
    /// Whether the magic cookie was there (a DHCP message, not plain BOOTP).
    #[serde(skip)]
    pub magic: bool,
    /// Option codes in wire order (pad and end excluded), overloaded areas after the options.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options_order: Vec<u8>,
    /// Option 55, parameter request list: codes in order.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_codes"
    )]
    pub parameter_request_list: Option<Data<'a>>,
    /// Option 60, vendor class identifier.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_text"
    )]
    pub vendor_class: Option<Data<'a>>,
    /// Option 12, host name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_text"
    )]
    pub hostname: Option<Data<'a>>,
    /// Option 61, client identifier: hex of the whole value, type byte included.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_hex"
    )]
    pub client_id: Option<Data<'a>>,
    /// Option 50, requested IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_ip: Option<Ipv4Addr>,
    /// Option 54, server identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_id: Option<Ipv4Addr>,
    /// Option 51, lease time in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_time: Option<u32>,
    /// Option 58, renewal (T1) time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renewal_time: Option<u32>,
    /// Option 59, rebinding (T2) time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rebinding_time: Option<u32>,
    /// Option 57, maximum message size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_message_size: Option<u16>,
    /// Option 81, client FQDN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_fqdn: Option<ClientFqdn<'a>>,
    /// Option 77, user class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_class: Option<UserClass<'a>>,
    /// Option 82, relay agent information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay_agent: Option<RelayAgent<'a>>,
    /// Option 93, client system architectures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_arch: Option<ClientArch<'a>>,
    /// Option 94, client network interface identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ndi: Option<ClientNdi>,
    /// Option 97, client machine UUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_uuid: Option<ClientUuid<'a>>,
    /// Option 119, domain search list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_search: Option<DomainSearch<'a>>,
    /// Option 121, classless static routes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classless_routes: Option<ClasslessRoutes<'a>>,
    /// Option 124, V-I vendor class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vi_vendor_class: Option<ViVendorClass<'a>>,
    /// Option 125, V-I vendor-specific information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vi_vendor_info: Option<ViVendorInfo<'a>>,
    /// Option 52, option overload (1 file, 2 sname, 3 both).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overload: Option<u8>,
    /// Every option in wire order: `{code, value}` (value as hex).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<DhcpOption<'a>>,
    /// Bytes of the options field after the last option kept: pads, End, padding, or a
    /// truncated option (kept so `emit` reproduces the message). Without a magic cookie, the
    /// whole vendor area.
    #[serde(skip)]
    pub tail: &'a [u8],
}

fn ser_opt_text<S: Serializer>(
    d: &Option<Data<'_>>,
    s: S,
) -> core::result::Result<S::Ok, S::Error> {
    match d {
        Some(d) => options::ser_text(d, s),
        None => s.serialize_none(),
    }
}

fn ser_opt_hex<S: Serializer>(d: &Option<Data<'_>>, s: S) -> core::result::Result<S::Ok, S::Error> {
    match d {
        Some(d) => options::ser_hex(d, s),
        None => s.serialize_none(),
    }
}

fn ser_opt_codes<S: Serializer>(
    d: &Option<Data<'_>>,
    s: S,
) -> core::result::Result<S::Ok, S::Error> {
    match d {
        Some(d) => options::ser_codes(d, s),
        None => s.serialize_none(),
    }
}

/// Text up to the first NUL, or `None` when empty.
fn c_text(b: &[u8]) -> Option<Text<'_>> {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    (end > 0).then(|| Text(&b[..end]))
}

/// Where each option code first occurs and whether it repeats.
struct Index {
    first: [u16; 256],
    count: [u8; 256],
}

impl Index {
    fn new(opts: &[DhcpOption<'_>]) -> Self {
        let mut ix = Index {
            first: [u16::MAX; 256],
            count: [0; 256],
        };
        for (i, o) in opts.iter().enumerate() {
            let c = o.code as usize;
            if ix.count[c] == 0 {
                ix.first[c] = i as u16;
            }
            ix.count[c] = ix.count[c].saturating_add(1);
        }
        ix
    }

    /// The option's data (concatenated when split, RFC 3396) and the offset of its first
    /// instance.
    fn joined<'a>(&self, opts: &[DhcpOption<'a>], c: u8) -> Option<(Data<'a>, usize)> {
        let first = opts.get(self.first[c as usize] as usize)?;
        if self.count[c as usize] == 1 {
            return Some((Cow::Borrowed(first.value), first.offset));
        }
        let mut v = Vec::new();
        for o in opts.iter().filter(|o| o.code == c) {
            v.extend_from_slice(o.value);
        }
        Some((Cow::Owned(v), first.offset))
    }

    /// A fixed-size option: the first instance; duplicates and wrong lengths are anomalies.
    fn fixed<'a, const N: usize>(
        &self,
        opts: &[DhcpOption<'a>],
        c: u8,
        anomalies: &mut Anomalies,
    ) -> Option<[u8; N]> {
        let first = opts.get(self.first[c as usize] as usize)?;
        if self.count[c as usize] > 1 {
            anomalies.push(Error::content(
                "dhcp.option",
                first.offset,
                "duplicate option",
            ));
        }
        match first.value.try_into() {
            Ok(a) => Some(a),
            Err(_) => {
                anomalies.push(Error::content(
                    "dhcp.option",
                    first.offset,
                    "bad option length",
                ));
                None
            }
        }
    }
}

impl<'a> Repr<'a> {
    /// Decodes a message from a checked packet, pushing what was wrong to `anomalies`.
    pub fn parse(packet: &Packet<&'a [u8]>, anomalies: &mut Anomalies) -> Result<Repr<'a>> {
        packet.check_len()?;
        let buf: &'a [u8] = packet.buffer;
        let p = packet;
        let hlen = p.hlen();
        if hlen > 16 {
            anomalies.push(Error::content(
                "dhcp",
                field::HLEN,
                "hardware address length over 16",
            ));
        }
        let mut repr = Repr {
            op: Op::from_u8(p.op()),
            htype: p.htype(),
            hlen,
            hops: p.hops(),
            message_type: None,
            xid: p.xid(),
            secs: p.secs(),
            flags: p.flags(),
            ciaddr: p.ciaddr(),
            yiaddr: p.yiaddr(),
            siaddr: p.siaddr(),
            giaddr: p.giaddr(),
            chaddr: Chaddr {
                htype: p.htype(),
                hlen,
                field: &buf[field::CHADDR],
            },
            sname: None,
            file: None,
            sname_field: &buf[field::SNAME],
            file_field: &buf[field::FILE],
            magic: false,
            options_order: Vec::new(),
            parameter_request_list: None,
            vendor_class: None,
            hostname: None,
            client_id: None,
            requested_ip: None,
            server_id: None,
            lease_time: None,
            renewal_time: None,
            rebinding_time: None,
            max_message_size: None,
            client_fqdn: None,
            user_class: None,
            relay_agent: None,
            client_arch: None,
            client_ndi: None,
            client_uuid: None,
            domain_search: None,
            classless_routes: None,
            vi_vendor_class: None,
            vi_vendor_info: None,
            overload: None,
            options: Vec::new(),
            tail: &buf[HEADER_LEN..],
        };
        repr.magic = p.magic_cookie() == Some(MAGIC_COOKIE);
        if !repr.magic {
            let vend = buf.len() - HEADER_LEN;
            anomalies.push(if vend < 4 {
                Error::len("dhcp.cookie", HEADER_LEN, 4, vend)
            } else {
                Error::content("dhcp", HEADER_LEN, "no magic cookie")
            });
        } else {
            repr.parse_options(buf, anomalies);
        }
        let overloaded_file = matches!(repr.overload, Some(1 | 3));
        let overloaded_sname = matches!(repr.overload, Some(2 | 3));
        if !overloaded_sname {
            repr.sname = c_text(repr.sname_field);
        }
        if !overloaded_file {
            repr.file = c_text(repr.file_field);
        }
        Ok(repr)
    }

    /// Walks the options field, the overloaded areas, and decodes the known options.
    fn parse_options(&mut self, buf: &'a [u8], anomalies: &mut Anomalies) {
        let area = &buf[field::OPTIONS..];
        let mut it = OptionIter::new(area, field::OPTIONS, Area::Options);
        let mut opts: Vec<DhcpOption<'a>> = Vec::with_capacity(24);
        let mut errored = false;
        for o in it.by_ref() {
            match o {
                Ok(o) if opts.len() < MAX_OPTIONS => opts.push(o),
                Ok(o) => {
                    anomalies.push(Error::content("dhcp.option", o.offset, "too many options"));
                    errored = true;
                    break;
                }
                Err(e) => {
                    anomalies.push(e);
                    errored = true;
                }
            }
        }
        // Everything after the last option kept is the tail (pads, End, padding, garbage).
        let kept_end = opts
            .last()
            .map(|o| o.offset + 2 + o.value.len())
            .unwrap_or(field::OPTIONS);
        self.tail = &buf[kept_end..];
        if !errored && it.end_at().is_none() {
            anomalies.push(Error::content("dhcp.option", buf.len(), "no end option"));
        }

        // Option overload: options continue in `file`, then `sname`.
        if let Some(o) = opts.iter().find(|o| o.code == code::OVERLOAD) {
            match o.value {
                [v @ 1..=3] => {
                    self.overload = Some(*v);
                    let areas = [
                        (*v & 1 != 0, field::FILE, Area::File),
                        (*v & 2 != 0, field::SNAME, Area::Sname),
                    ];
                    for (on, range, which) in areas {
                        if !on {
                            continue;
                        }
                        let start = range.start;
                        for x in OptionIter::new(&buf[range], start, which) {
                            match x {
                                Ok(x) if opts.len() < MAX_OPTIONS => opts.push(x),
                                Ok(x) => {
                                    anomalies.push(Error::content(
                                        "dhcp.option",
                                        x.offset,
                                        "too many options",
                                    ));
                                    break;
                                }
                                Err(e) => anomalies.push(e),
                            }
                        }
                    }
                }
                _ => anomalies.push(Error::content(
                    "dhcp.option",
                    o.offset,
                    "bad option overload",
                )),
            }
        }

        let ix = Index::new(&opts);
        match ix.fixed::<1>(&opts, code::MESSAGE_TYPE, anomalies) {
            Some([t]) => self.message_type = Some(MessageType(t)),
            None if ix.count[code::MESSAGE_TYPE as usize] == 0 => anomalies.push(Error::content(
                "dhcp",
                field::OPTIONS,
                "no message type option",
            )),
            None => {}
        }
        let ip = |a: [u8; 4]| Ipv4Addr::from(a);
        self.requested_ip = ix.fixed(&opts, code::REQUESTED_IP, anomalies).map(ip);
        self.server_id = ix.fixed(&opts, code::SERVER_ID, anomalies).map(ip);
        self.lease_time = ix
            .fixed(&opts, code::LEASE_TIME, anomalies)
            .map(u32::from_be_bytes);
        self.renewal_time = ix
            .fixed(&opts, code::RENEWAL_TIME, anomalies)
            .map(u32::from_be_bytes);
        self.rebinding_time = ix
            .fixed(&opts, code::REBINDING_TIME, anomalies)
            .map(u32::from_be_bytes);
        self.max_message_size = ix
            .fixed(&opts, code::MAX_MESSAGE_SIZE, anomalies)
            .map(u16::from_be_bytes);
        self.client_ndi = ix
            .fixed(&opts, code::CLIENT_NDI, anomalies)
            .map(|[kind, major, minor]: [u8; 3]| ClientNdi { kind, major, minor });
        let j = |c| ix.joined(&opts, c);
        self.parameter_request_list = j(code::PARAMETER_REQUEST_LIST).map(|d| d.0);
        self.vendor_class = j(code::VENDOR_CLASS).map(|d| d.0);
        self.hostname = j(code::HOST_NAME).map(|d| d.0);
        self.client_id = j(code::CLIENT_ID).map(|d| d.0);
        self.user_class = j(code::USER_CLASS).map(|d| UserClass(d.0));
        if let Some((d, off)) = j(code::CLIENT_FQDN) {
            let f = ClientFqdn(d);
            options::validate_fqdn(&f, off, anomalies);
            self.client_fqdn = Some(f);
        }
        if let Some((d, off)) = j(code::RELAY_AGENT) {
            options::validate_relay(&d, off, anomalies);
            self.relay_agent = Some(RelayAgent(d));
        }
        if let Some((d, off)) = j(code::CLIENT_ARCH) {
            if d.len() % 2 != 0 {
                anomalies.push(Error::content("dhcp.option.93", off, "odd length"));
            }
            self.client_arch = Some(ClientArch(d));
        }
        self.client_uuid = j(code::CLIENT_UUID).map(|d| ClientUuid(d.0));
        if let Some((d, off)) = j(code::DOMAIN_SEARCH) {
            let s = DomainSearch(d);
            options::validate_search(&s, off, anomalies);
            self.domain_search = Some(s);
        }
        if let Some((d, off)) = j(code::CLASSLESS_ROUTES) {
            let r = ClasslessRoutes(d);
            options::validate_routes(&r, off, anomalies);
            self.classless_routes = Some(r);
        }
        if let Some((d, off)) = j(code::VI_VENDOR_CLASS) {
            options::validate_vi_class(&d, off, anomalies);
            self.vi_vendor_class = Some(ViVendorClass(d));
        }
        if let Some((d, off)) = j(code::VI_VENDOR_INFO) {
            options::validate_vi_info(&d, off, anomalies);
            self.vi_vendor_info = Some(ViVendorInfo(d));
        }
        self.options_order = opts.iter().map(|o| o.code).collect();
        self.options = opts;
    }

    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        let opts: usize = self
            .options
            .iter()
            .filter(|o| o.area == Area::Options)
            .map(DhcpOption::wire_len)
            .sum();
        HEADER_LEN + if self.magic { 4 } else { 0 } + opts + self.tail.len()
    }

    /// Writes the message into `buf` (at least `buffer_len()` bytes). Options found in an
    /// overloaded `file`/`sname` are written as part of those fields.
    pub fn emit(&self, buf: &mut [u8]) {
        let mut p = Packet::new_unchecked(&mut buf[..self.buffer_len()]);
        p.set_op(self.op.to_u8());
        p.set_htype(self.htype);
        p.set_hlen(self.hlen);
        p.set_hops(self.hops);
        p.set_xid(self.xid);
        p.set_secs(self.secs);
        p.set_flags(self.flags);
        p.set_ciaddr(self.ciaddr);
        p.set_yiaddr(self.yiaddr);
        p.set_siaddr(self.siaddr);
        p.set_giaddr(self.giaddr);
        copy_padded(p.chaddr_mut(), self.chaddr.field);
        copy_padded(p.sname_mut(), self.sname_field);
        copy_padded(p.file_mut(), self.file_field);
        let out = p.vendor_area_mut();
        let mut off = 0;
        if self.magic {
            out[..4].copy_from_slice(&MAGIC_COOKIE);
            off = 4;
            for o in self.options.iter().filter(|o| o.area == Area::Options) {
                let pads = o.pad_before as usize;
                out[off..off + pads].fill(0);
                off += pads;
                out[off] = o.code;
                out[off + 1] = o.value.len() as u8;
                out[off + 2..off + 2 + o.value.len()].copy_from_slice(o.value);
                off += 2 + o.value.len();
            }
        }
        out[off..off + self.tail.len()].copy_from_slice(self.tail);
    }
}

/// Copies `src` into `dst`, zero-filling or cutting to `dst`'s length.
fn copy_padded(dst: &mut [u8], src: &[u8]) {
    let n = src.len().min(dst.len());
    dst[..n].copy_from_slice(&src[..n]);
    dst[n..].fill(0);
}

/// Decodes a DHCPv4 message (the UDP payload). Fails only when the fixed header is cut short.
pub fn decode<'a>(buf: &'a [u8], anomalies: &mut Anomalies) -> Result<Repr<'a>> {
    let packet = Packet::new_checked(buf)?;
    Repr::parse(&packet, anomalies)
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.op)?;
        if let Some(t) = self.message_type {
            write!(f, " {t}")?;
        }
        write!(f, " xid 0x{:08x} chaddr {}", self.xid, self.chaddr)?;
        for (name, a) in [
            ("ciaddr", self.ciaddr),
            ("yiaddr", self.yiaddr),
            ("giaddr", self.giaddr),
        ] {
            if !a.is_unspecified() {
                write!(f, " {name} {a}")?;
            }
        }
        if let Some(a) = self.requested_ip {
            write!(f, " requested {a}")?;
        }
        if let Some(a) = self.server_id {
            write!(f, " server {a}")?;
        }
        if let Some(h) = &self.hostname {
            write!(f, " host \"{}\"", Text(h))?;
        }
        if let Some(q) = &self.client_fqdn {
            write!(f, " fqdn \"{q}\"")?;
        }
        if let Some(v) = &self.vendor_class {
            write!(f, " vendor \"{}\"", Text(v))?;
        }
        if let Some(l) = self.lease_time {
            write!(f, " lease {l}")?;
        }
        if let Some(prl) = &self.parameter_request_list {
            f.write_str(" prl ")?;
            for (i, c) in prl.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}
