//! DHCPv6 (RFC 8415): the UDP payload on ports 546/547.
//!
//! A client/server message is a type byte, a 24-bit transaction id and options; a relay message
//! (relay-forw, relay-repl) is a type byte, a hop count, link and peer addresses and options, one
//! of which (9) holds the relayed message, decoded recursively up to [`MAX_RELAY_DEPTH`] levels.
//! Options are kept in wire order with their raw bytes ([`Opt`]), so `emit` reproduces them; the
//! options a fingerprint needs are decoded into views over those bytes (see [`views`]).
//! A lying option length keeps the option's bytes that are present and gives an anomaly; so do
//! truncated nested options and malformed DUIDs, names and lists.

use core::fmt;
use std::net::Ipv6Addr;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use super::arp::code_enum;
use super::bytes::{be_u16, be_u32};
use super::{Anomalies, Error, Hex, Result};

pub mod views;

pub use views::{
    DomainList, Duid, Fqdn, Ia, IaKind, Oro, Status, TextList, VendorClass, VendorOpts,
};

/// Byte ranges of the message header.
mod field {
    use core::ops::Range;
    pub const MSG_TYPE: usize = 0;
    pub const TXID: Range<usize> = 1..4;
    pub const OPTIONS: usize = 4;
    pub const HOP_COUNT: usize = 1;
    pub const LINK: Range<usize> = 2..18;
    pub const PEER: Range<usize> = 18..34;
    pub const RELAY_OPTIONS: usize = 34;
}

/// Length of a client/server message header.
pub const HEADER_LEN: usize = field::OPTIONS;
/// Length of a relay message header.
pub const RELAY_HEADER_LEN: usize = field::RELAY_OPTIONS;
/// Options kept per message; more give one anomaly.
pub const MAX_OPTIONS: usize = 256;
/// Relay messages decoded inside one another at most.
pub const MAX_RELAY_DEPTH: usize = 8;

/// Option codes this decoder interprets.
pub mod code {
    /// Client identifier (DUID).
    pub const CLIENTID: u16 = 1;
    /// Server identifier (DUID).
    pub const SERVERID: u16 = 2;
    /// Identity association for non-temporary addresses.
    pub const IA_NA: u16 = 3;
    /// Identity association for temporary addresses.
    pub const IA_TA: u16 = 4;
    /// IA address.
    pub const IAADDR: u16 = 5;
    /// Option request option.
    pub const ORO: u16 = 6;
    /// Elapsed time.
    pub const ELAPSED_TIME: u16 = 8;
    /// Relay message.
    pub const RELAY_MSG: u16 = 9;
    /// Status code.
    pub const STATUS_CODE: u16 = 13;
    /// Rapid commit.
    pub const RAPID_COMMIT: u16 = 14;
    /// User class.
    pub const USER_CLASS: u16 = 15;
    /// Vendor class.
    pub const VENDOR_CLASS: u16 = 16;
    /// Vendor-specific information.
    pub const VENDOR_OPTS: u16 = 17;
    /// Reconfigure accept.
    pub const RECONF_ACCEPT: u16 = 20;
    /// Domain search list.
    pub const DOMAIN_LIST: u16 = 24;
    /// Identity association for prefix delegation.
    pub const IA_PD: u16 = 25;
    /// IA prefix.
    pub const IAPREFIX: u16 = 26;
    /// Client FQDN.
    pub const CLIENT_FQDN: u16 = 39;
}

code_enum! {
    /// DHCPv6 message type.
    MessageType: u8 {
        /// Solicit.
        Solicit = 1 => "solicit",
        /// Advertise.
        Advertise = 2 => "advertise",
        /// Request.
        Request = 3 => "request",
        /// Confirm.
        Confirm = 4 => "confirm",
        /// Renew.
        Renew = 5 => "renew",
        /// Rebind.
        Rebind = 6 => "rebind",
        /// Reply.
        Reply = 7 => "reply",
        /// Release.
        Release = 8 => "release",
        /// Decline.
        Decline = 9 => "decline",
        /// Reconfigure.
        Reconfigure = 10 => "reconfigure",
        /// Information-request.
        InformationRequest = 11 => "information-request",
        /// Relay-forward.
        RelayForw = 12 => "relay-forw",
        /// Relay-reply.
        RelayRepl = 13 => "relay-repl",
        /// Leasequery.
        Leasequery = 14 => "leasequery",
        /// Leasequery-reply.
        LeasequeryReply = 15 => "leasequery-reply",
        /// Leasequery-done.
        LeasequeryDone = 16 => "leasequery-done",
        /// Leasequery-data.
        LeasequeryData = 17 => "leasequery-data",
        /// Reconfigure-request.
        ReconfigureRequest = 18 => "reconfigure-request",
        /// Reconfigure-reply.
        ReconfigureReply = 19 => "reconfigure-reply",
        /// DHCPv4-query.
        Dhcpv4Query = 20 => "dhcpv4-query",
        /// DHCPv4-response.
        Dhcpv4Response = 21 => "dhcpv4-response",
        /// Active leasequery.
        ActiveLeasequery = 22 => "activeleasequery",
        /// StartTLS.
        StartTls = 23 => "starttls",
        /// Bind update.
        Bndupd = 24 => "bndupd",
        /// Bind reply.
        Bndreply = 25 => "bndreply",
        /// Pool request.
        Poolreq = 26 => "poolreq",
        /// Pool response.
        Poolresp = 27 => "poolresp",
        /// Update request.
        Updreq = 28 => "updreq",
        /// Update request all.
        Updreqall = 29 => "updreqall",
        /// Update done.
        Upddone = 30 => "upddone",
        /// Connect.
        Connect = 31 => "connect",
        /// Connect reply.
        Connectreply = 32 => "connectreply",
        /// Disconnect.
        Disconnect = 33 => "disconnect",
        /// State.
        State = 34 => "state",
        /// Contact.
        Contact = 35 => "contact",
        /// Address registration inform.
        AddrRegInform = 36 => "addr-reg-inform",
        /// Address registration reply.
        AddrRegReply = 37 => "addr-reg-reply",
    }
}

impl MessageType {
    /// Whether the message has the relay header.
    pub fn is_relay(self) -> bool {
        matches!(self, MessageType::RelayForw | MessageType::RelayRepl)
    }
}

/// One option as sent: code and value bytes (those present, when the length lied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Opt<'a> {
    /// Option code.
    pub code: u16,
    /// Value bytes.
    pub value: Hex<'a>,
}

impl<'a> Opt<'a> {
    /// The value bytes.
    pub fn data(&self) -> &'a [u8] {
        self.value.0
    }
}

/// Walks a DHCPv6 option list: `Ok` per complete option, then one `Err` if the list ends with a
/// truncated header or a length past the end (after which the walk stops).
#[derive(Debug, Clone)]
pub struct OptionIter<'a> {
    buf: &'a [u8],
    off: usize,
    layer: &'static str,
}

impl<'a> OptionIter<'a> {
    /// Walks `buf`; errors name `layer` and offsets are within `buf`.
    pub fn new(buf: &'a [u8], layer: &'static str) -> Self {
        OptionIter { buf, off: 0, layer }
    }

    /// Offset of the next option.
    pub fn offset(&self) -> usize {
        self.off
    }
}

impl<'a> Iterator for OptionIter<'a> {
    type Item = Result<Opt<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.buf.get(self.off..)?;
        if rest.is_empty() {
            return None;
        }
        let off = self.off;
        self.off = self.buf.len();
        if rest.len() < 4 {
            return Some(Err(Error::len(self.layer, off, 4, rest.len())));
        }
        let len = usize::from(be_u16(rest, 2).unwrap_or(0));
        if rest.len() < 4 + len {
            return Some(Err(Error::len(self.layer, off, 4 + len, rest.len())));
        }
        self.off = off + 4 + len;
        Some(Ok(Opt {
            code: be_u16(rest, 0).unwrap_or(0),
            value: Hex(&rest[4..4 + len]),
        }))
    }
}

/// A checked view of a DHCPv6 message: at least the 4-byte header is present.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking.
    pub fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer holding at least the message type and transaction id.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::len("dhcpv6", 0, HEADER_LEN, len));
        }
        Ok(Packet { buffer })
    }

    /// Message type.
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::MSG_TYPE]
    }

    /// Transaction id (client/server messages).
    pub fn transaction_id(&self) -> u32 {
        let b = self.buffer.as_ref();
        u32::from_be_bytes([0, b[1], b[2], b[3]])
    }

    /// Hop count (relay messages).
    pub fn hop_count(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_COUNT]
    }

    /// Link address (relay messages), `None` when cut short.
    pub fn link_address(&self) -> Option<Ipv6Addr> {
        let a: [u8; 16] = self.buffer.as_ref().get(field::LINK)?.try_into().ok()?;
        Some(Ipv6Addr::from(a))
    }

    /// Peer address (relay messages), `None` when cut short.
    pub fn peer_address(&self) -> Option<Ipv6Addr> {
        let a: [u8; 16] = self.buffer.as_ref().get(field::PEER)?.try_into().ok()?;
        Some(Ipv6Addr::from(a))
    }

    /// The option bytes (after the relay header for relay messages; empty when it is cut short).
    pub fn options(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        let start = if MessageType::from(self.msg_type()).is_relay() {
            RELAY_HEADER_LEN
        } else {
            HEADER_LEN
        };
        b.get(start..).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the message type.
    pub fn set_msg_type(&mut self, v: u8) {
        self.buffer.as_mut()[field::MSG_TYPE] = v;
    }

    /// Sets the transaction id (low 24 bits).
    pub fn set_transaction_id(&mut self, v: u32) {
        self.buffer.as_mut()[field::TXID].copy_from_slice(&v.to_be_bytes()[1..]);
    }

    /// Sets the relay header (the buffer holds at least 34 bytes).
    pub fn set_relay(&mut self, hop_count: u8, link: Ipv6Addr, peer: Ipv6Addr) {
        let b = self.buffer.as_mut();
        b[field::HOP_COUNT] = hop_count;
        b[field::LINK].copy_from_slice(&link.octets());
        b[field::PEER].copy_from_slice(&peer.octets());
    }
}

/// Writes one option at the start of `buf`; returns the bytes written.
pub fn emit_option(code: u16, data: &[u8], buf: &mut [u8]) -> usize {
    buf[0..2].copy_from_slice(&code.to_be_bytes());
    buf[2..4].copy_from_slice(&(data.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
    buf[4..4 + data.len()].copy_from_slice(data);
    4 + data.len()
}

/// The relay header of a relay-forw / relay-repl message and the message it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Relay<'a> {
    /// Hop count.
    pub hop_count: u8,
    /// Link address.
    pub link: Ipv6Addr,
    /// Peer address.
    pub peer: Ipv6Addr,
    /// The relayed message (option 9), decoded.
    pub message: Option<Box<Repr<'a>>>,
}

impl Serialize for Relay<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("relay", 4)?;
        m.serialize_field("hop_count", &self.hop_count)?;
        m.serialize_field("link", &self.link)?;
        m.serialize_field("peer", &self.peer)?;
        match &self.message {
            Some(r) => m.serialize_field("message", r)?,
            None => m.skip_field("message")?,
        }
        m.end()
    }
}

/// A decoded DHCPv6 message. `options` holds every option in wire order; the other fields are
/// decoded views of the first option of their code.
#[derive(Debug, Clone, PartialEq)]
pub struct Repr<'a> {
    /// Message type.
    pub message_type: MessageType,
    /// Transaction id (client/server messages; `None` for relays).
    pub transaction_id: Option<u32>,
    /// Relay header and relayed message (relay messages).
    pub relay: Option<Relay<'a>>,
    /// Every option, in wire order (at most [`MAX_OPTIONS`]).
    pub options: Vec<Opt<'a>>,
    /// Client identifier DUID.
    pub client_duid: Option<Duid<'a>>,
    /// Server identifier DUID.
    pub server_duid: Option<Duid<'a>>,
    /// Option request option.
    pub oro: Option<Oro<'a>>,
    /// Elapsed time in hundredths of a second.
    pub elapsed_time: Option<u16>,
    /// User class.
    pub user_class: Option<TextList<'a>>,
    /// Vendor class.
    pub vendor_class: Option<VendorClass<'a>>,
    /// Vendor-specific information.
    pub vendor_opts: Option<VendorOpts<'a>>,
    /// Every enterprise number seen (DUID-EN, vendor class, vendor opts), in order.
    pub enterprise_numbers: Vec<u32>,
    /// Client FQDN.
    pub fqdn: Option<Fqdn<'a>>,
    /// IA_NA, IA_TA and IA_PD options, in order.
    pub ia: Vec<Ia<'a>>,
    /// Status code.
    pub status_code: Option<Status<'a>>,
    /// Rapid commit present.
    pub rapid_commit: bool,
    /// Reconfigure accept present.
    pub reconfigure_accept: bool,
    /// Domain search list.
    pub domain_list: Option<DomainList<'a>>,
}

impl<'a> Repr<'a> {
    fn empty(message_type: MessageType) -> Self {
        Repr {
            message_type,
            transaction_id: None,
            relay: None,
            options: Vec::new(),
            client_duid: None,
            server_duid: None,
            oro: None,
            elapsed_time: None,
            user_class: None,
            vendor_class: None,
            vendor_opts: None,
            enterprise_numbers: Vec::new(),
            fqdn: None,
            ia: Vec::new(),
            status_code: None,
            rapid_commit: false,
            reconfigure_accept: false,
            domain_list: None,
        }
    }

    /// Decodes a checked message.
    pub fn parse(packet: &Packet<&'a [u8]>, anomalies: &mut Anomalies) -> Result<Repr<'a>> {
        Ok(Self::parse_at(packet.buffer, 0, 0, anomalies))
    }

    /// Decodes a message of at least 4 bytes found at `base` in the outer buffer, `depth` relays
    /// deep.
    fn parse_at(buf: &'a [u8], base: usize, depth: usize, anomalies: &mut Anomalies) -> Repr<'a> {
        let p = Packet::new_unchecked(buf);
        let mt = MessageType::from(p.msg_type());
        let mut r = Repr::empty(mt);
        let opts_start = if mt.is_relay() {
            match (p.link_address(), p.peer_address()) {
                (Some(link), Some(peer)) => {
                    r.relay = Some(Relay {
                        hop_count: p.hop_count(),
                        link,
                        peer,
                        message: None,
                    });
                }
                _ => {
                    anomalies.push(Error::len(
                        "dhcpv6.relay",
                        base,
                        RELAY_HEADER_LEN,
                        buf.len(),
                    ));
                    return r;
                }
            }
            RELAY_HEADER_LEN
        } else {
            r.transaction_id = Some(p.transaction_id());
            HEADER_LEN
        };
        let obase = base + opts_start;
        let mut it = OptionIter::new(&buf[opts_start..], "dhcpv6.option");
        while let Some(item) = it.next() {
            let (opt, off) = match item {
                Ok(o) => (o, it.offset() - 4 - o.data().len()),
                Err(e) => {
                    anomalies.push(e.shifted(obase));
                    // Keep the bytes of an option whose length lies.
                    let rest = &buf[opts_start..];
                    let off = match e {
                        Error::Len { offset, .. } => offset,
                        Error::Content { offset, .. } => offset,
                    };
                    match (be_u16(rest, off), rest.get(off + 4..)) {
                        (Some(code), Some(data)) => (
                            Opt {
                                code,
                                value: Hex(data),
                            },
                            off,
                        ),
                        _ => break,
                    }
                }
            };
            if r.options.len() >= MAX_OPTIONS {
                anomalies.push(Error::content(
                    "dhcpv6",
                    obase + off,
                    "more than 256 options",
                ));
                break;
            }
            r.options.push(opt);
            r.interpret(opt, obase + off, depth, anomalies);
        }
        if let Some(relay) = &r.relay {
            if relay.message.is_none() {
                anomalies.push(Error::content(
                    "dhcpv6.relay",
                    base,
                    "no relay message option",
                ));
            }
        }
        r
    }

    /// Fills the decoded view of one option found at `off`.
    fn interpret(&mut self, opt: Opt<'a>, off: usize, depth: usize, an: &mut Anomalies) {
        let d = opt.data();
        let doff = off + 4;
        let dup =
            |an: &mut Anomalies| an.push(Error::content("dhcpv6.option", off, "duplicate option"));
        match opt.code {
            code::CLIENTID | code::SERVERID => {
                let slot = if opt.code == code::CLIENTID {
                    &mut self.client_duid
                } else {
                    &mut self.server_duid
                };
                if slot.is_some() {
                    dup(an);
                    return;
                }
                let duid = Duid(d);
                duid.validate(doff, an);
                if let Some(e) = duid.enterprise() {
                    self.enterprise_numbers.push(e);
                }
                *slot = Some(duid);
            }
            code::ORO => {
                if self.oro.is_some() {
                    return dup(an);
                }
                if d.len() % 2 != 0 {
                    an.push(Error::content("dhcpv6.oro", doff, "odd length"));
                }
                self.oro = Some(Oro(d));
            }
            code::ELAPSED_TIME => {
                if self.elapsed_time.is_some() {
                    return dup(an);
                }
                match be_u16(d, 0) {
                    Some(t) if d.len() == 2 => self.elapsed_time = Some(t),
                    _ => an.push(Error::content("dhcpv6.elapsed_time", doff, "length not 2")),
                }
            }
            code::USER_CLASS => {
                if self.user_class.is_some() {
                    return dup(an);
                }
                let l = TextList(d);
                l.validate("dhcpv6.user_class", doff, an);
                self.user_class = Some(l);
            }
            code::VENDOR_CLASS => match VendorClass::parse(d, doff, an) {
                Some(v) if self.vendor_class.is_none() => {
                    self.enterprise_numbers.push(v.enterprise);
                    self.vendor_class = Some(v);
                }
                Some(v) => {
                    self.enterprise_numbers.push(v.enterprise);
                    dup(an)
                }
                None => {}
            },
            code::VENDOR_OPTS => match VendorOpts::parse(d, doff, an) {
                Some(v) if self.vendor_opts.is_none() => {
                    self.enterprise_numbers.push(v.enterprise);
                    self.vendor_opts = Some(v);
                }
                Some(v) => self.enterprise_numbers.push(v.enterprise),
                None => {}
            },
            code::IA_NA | code::IA_TA | code::IA_PD => {
                if let Some(ia) = Ia::parse(opt.code, d, doff, an) {
                    if self.ia.len() < MAX_OPTIONS {
                        self.ia.push(ia);
                    }
                }
            }
            code::STATUS_CODE => {
                if self.status_code.is_some() {
                    return dup(an);
                }
                match Status::parse(d) {
                    Some(s) => self.status_code = Some(s),
                    None => an.push(Error::len("dhcpv6.status_code", doff, 2, d.len())),
                }
            }
            code::RAPID_COMMIT => self.rapid_commit = true,
            code::RECONF_ACCEPT => self.reconfigure_accept = true,
            code::CLIENT_FQDN => {
                if self.fqdn.is_some() {
                    return dup(an);
                }
                match Fqdn::parse(d, doff, an) {
                    Some(f) => self.fqdn = Some(f),
                    None => an.push(Error::len("dhcpv6.fqdn", doff, 1, 0)),
                }
            }
            code::DOMAIN_LIST => {
                if self.domain_list.is_some() {
                    return dup(an);
                }
                let l = DomainList(d);
                l.validate(doff, an);
                self.domain_list = Some(l);
            }
            code::RELAY_MSG => {
                let Some(relay) = self.relay.as_mut() else {
                    return;
                };
                if relay.message.is_some() {
                    return dup(an);
                }
                if depth + 1 >= MAX_RELAY_DEPTH {
                    an.push(Error::content(
                        "dhcpv6.relay",
                        doff,
                        "relay messages nested too deep",
                    ));
                } else if d.len() < HEADER_LEN {
                    an.push(Error::len("dhcpv6.relay_msg", doff, HEADER_LEN, d.len()));
                } else {
                    relay.message = Some(Box::new(Repr::parse_at(d, doff, depth + 1, an)));
                }
            }
            _ => {}
        }
    }

    fn header_len(&self) -> usize {
        if self.relay.is_some() {
            RELAY_HEADER_LEN
        } else {
            HEADER_LEN
        }
    }

    /// Bytes `emit` writes: the header and every option kept.
    pub fn buffer_len(&self) -> usize {
        self.header_len()
            + self
                .options
                .iter()
                .map(|o| 4 + o.data().len())
                .sum::<usize>()
    }

    /// Writes the message into `buf` (at least `buffer_len()` bytes). A relay message without its
    /// relay header emits as a 4-byte header with its options.
    pub fn emit(&self, buf: &mut [u8]) {
        let mut p = Packet::new_unchecked(&mut buf[..]);
        p.set_msg_type(u8::from(self.message_type));
        match &self.relay {
            Some(r) => p.set_relay(r.hop_count, r.link, r.peer),
            None => p.set_transaction_id(self.transaction_id.unwrap_or(0)),
        }
        let mut off = self.header_len();
        for o in &self.options {
            off += emit_option(o.code, o.data(), &mut buf[off..]);
        }
    }

    /// Option codes in wire order.
    pub fn options_order(&self) -> impl Iterator<Item = u16> + '_ {
        self.options.iter().map(|o| o.code)
    }
}

/// A transaction id, serialised as six hex digits.
struct TxId(u32);

impl Serialize for TxId {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let b = self.0.to_be_bytes();
        Hex(&b[1..]).serialize(s)
    }
}

struct Codes<'r, 'a>(&'r [Opt<'a>]);

impl Serialize for Codes<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|o| o.code))
    }
}

impl Serialize for Repr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("message_type", &self.message_type)?;
        if let Some(t) = self.transaction_id {
            m.serialize_entry("transaction_id", &TxId(t))?;
        }
        if let Some(r) = &self.relay {
            m.serialize_entry("relay", r)?;
        }
        if let Some(d) = &self.client_duid {
            m.serialize_entry("client_duid", d)?;
        }
        if let Some(d) = &self.server_duid {
            m.serialize_entry("server_duid", d)?;
        }
        if let Some(o) = &self.oro {
            m.serialize_entry("oro", o)?;
        }
        if let Some(t) = &self.elapsed_time {
            m.serialize_entry("elapsed_time", t)?;
        }
        if let Some(v) = &self.vendor_class {
            m.serialize_entry("vendor_class", v)?;
        }
        if let Some(v) = &self.vendor_opts {
            m.serialize_entry("vendor_opts", v)?;
        }
        if !self.enterprise_numbers.is_empty() {
            m.serialize_entry("enterprise_numbers", &self.enterprise_numbers)?;
        }
        if let Some(u) = &self.user_class {
            m.serialize_entry("user_class", u)?;
        }
        if let Some(f) = &self.fqdn {
            m.serialize_entry("fqdn", f)?;
        }
        if !self.ia.is_empty() {
            m.serialize_entry("ia", &self.ia)?;
        }
        if let Some(st) = &self.status_code {
            m.serialize_entry("status_code", st)?;
        }
        if self.rapid_commit {
            m.serialize_entry("rapid_commit", &true)?;
        }
        if self.reconfigure_accept {
            m.serialize_entry("reconfigure_accept", &true)?;
        }
        if let Some(d) = &self.domain_list {
            m.serialize_entry("domain_list", d)?;
        }
        m.serialize_entry("options_order", &Codes(&self.options))?;
        m.serialize_entry("options", &self.options)?;
        m.end()
    }
}

/// Decodes a DHCPv6 message (the UDP payload). `Err` only when the 4-byte header is cut short.
pub fn decode<'a>(buf: &'a [u8], anomalies: &mut Anomalies) -> Result<Repr<'a>> {
    let p = Packet::new_checked(buf)?;
    Repr::parse(&p, anomalies)
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message_type)?;
        if let Some(t) = self.transaction_id {
            write!(f, " xid {t:06x}")?;
        }
        if let Some(r) = &self.relay {
            write!(f, " hops {} link {} peer {}", r.hop_count, r.link, r.peer)?;
        }
        if let Some(d) = &self.client_duid {
            write!(f, " client {}", Hex(d.0))?;
        }
        if let Some(v) = &self.vendor_class {
            write!(f, " vendor-class {}", v.enterprise)?;
        }
        if let Some(q) = &self.fqdn {
            write!(f, " fqdn \"{}\"", q.name)?;
        }
        f.write_str(" opts")?;
        for c in self.options_order() {
            write!(f, " {c}")?;
        }
        if let Some(r) = self.relay.as_ref().and_then(|r| r.message.as_ref()) {
            write!(f, " [{r}]")?;
        }
        Ok(())
    }
}

/// Reads a big-endian u32 (for the views).
pub(crate) fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    be_u32(b, off)
}

#[cfg(test)]
mod tests;
