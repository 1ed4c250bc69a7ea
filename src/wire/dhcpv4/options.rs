//! DHCP options: the walker over an option area, and the decoded forms of the options the
//! sensor reads.
//!
//! Decoded option values borrow the option data (or own the concatenation of an RFC 3396 split
//! option) and do their formatting when serialised, so that decoding allocates nothing per field.
//! Each decoder validates its data once at parse time and pushes anomalies there; serialisation
//! then shows what was valid.

use std::borrow::Cow;
use std::net::Ipv4Addr;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use crate::wire::{Anomalies, Error, Hex, Result, Text};

/// Option codes the decoder knows by name.
pub mod code {
    /// Pad.
    pub const PAD: u8 = 0;
    /// Host name.
    pub const HOST_NAME: u8 = 12;
    /// Requested IP address.
    pub const REQUESTED_IP: u8 = 50;
    /// IP address lease time.
    pub const LEASE_TIME: u8 = 51;
    /// Option overload.
    pub const OVERLOAD: u8 = 52;
    /// DHCP message type.
    pub const MESSAGE_TYPE: u8 = 53;
    /// Server identifier.
    pub const SERVER_ID: u8 = 54;
    /// Parameter request list.
    pub const PARAMETER_REQUEST_LIST: u8 = 55;
    /// Maximum DHCP message size.
    pub const MAX_MESSAGE_SIZE: u8 = 57;
    /// Renewal (T1) time.
    pub const RENEWAL_TIME: u8 = 58;
    /// Rebinding (T2) time.
    pub const REBINDING_TIME: u8 = 59;
    /// Vendor class identifier.
    pub const VENDOR_CLASS: u8 = 60;
    /// Client identifier.
    pub const CLIENT_ID: u8 = 61;
    /// User class (RFC 3004).
    pub const USER_CLASS: u8 = 77;
    /// Client FQDN (RFC 4702).
    pub const CLIENT_FQDN: u8 = 81;
    /// Relay agent information (RFC 3046).
    pub const RELAY_AGENT: u8 = 82;
    /// Client system architecture (RFC 4578).
    pub const CLIENT_ARCH: u8 = 93;
    /// Client network interface identifier (RFC 4578).
    pub const CLIENT_NDI: u8 = 94;
    /// Client machine identifier (RFC 4578).
    pub const CLIENT_UUID: u8 = 97;
    /// Domain search (RFC 3397).
    pub const DOMAIN_SEARCH: u8 = 119;
    /// Classless static routes (RFC 3442).
    pub const CLASSLESS_ROUTES: u8 = 121;
    /// V-I vendor class (RFC 3925).
    pub const VI_VENDOR_CLASS: u8 = 124;
    /// V-I vendor-specific information (RFC 3925).
    pub const VI_VENDOR_INFO: u8 = 125;
    /// End.
    pub const END: u8 = 255;
}

/// Where an option was found: the options field, or an overloaded `file`/`sname` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Area {
    /// The options field after the magic cookie.
    #[default]
    Options,
    /// The `file` field (option overload 1 or 3).
    File,
    /// The `sname` field (option overload 2 or 3).
    Sname,
}

/// One option as found on the wire (pad and end are not options here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DhcpOption<'a> {
    /// Option code.
    pub code: u8,
    /// Option data as sent.
    #[serde(serialize_with = "crate::wire::text::ser_hex")]
    pub value: &'a [u8],
    /// The area the option was found in.
    #[serde(skip)]
    pub area: Area,
    /// Pad bytes that preceded the option in its area (kept so `emit` reproduces the bytes).
    #[serde(skip)]
    pub pad_before: u16,
    /// Offset of the option's code byte in the message.
    #[serde(skip)]
    pub offset: usize,
}

impl DhcpOption<'_> {
    /// Bytes the option takes on the wire, preceding pads included.
    pub fn wire_len(&self) -> usize {
        self.pad_before as usize + 2 + self.value.len()
    }
}

/// Walks an option area: yields options, skips pads, stops after End. A truncated option is an
/// error item, after which the walk ends.
#[derive(Debug, Clone)]
pub struct OptionIter<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf` in the message, for error offsets.
    base: usize,
    area: Area,
    done: bool,
    /// Offset (in `buf`) of the End option, once met.
    end_at: Option<usize>,
}

impl<'a> OptionIter<'a> {
    /// A walker over `buf`, which sits at offset `base` of the message.
    pub fn new(buf: &'a [u8], base: usize, area: Area) -> Self {
        OptionIter {
            buf,
            pos: 0,
            base,
            area,
            done: false,
            end_at: None,
        }
    }

    /// Offset in the area of the next byte not yet consumed (after the walk: the first byte
    /// after the last complete option; pads and End not included).
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Offset in the area of the End option, if the walk met one.
    pub fn end_at(&self) -> Option<usize> {
        self.end_at
    }
}

impl<'a> Iterator for OptionIter<'a> {
    type Item = Result<DhcpOption<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut p = self.pos;
        while p < self.buf.len() && self.buf[p] == code::PAD {
            p += 1;
        }
        let Some(&c) = self.buf.get(p) else {
            self.done = true;
            return None;
        };
        if c == code::END {
            self.done = true;
            self.end_at = Some(p);
            return None;
        }
        let Some(&len) = self.buf.get(p + 1) else {
            self.done = true;
            return Some(Err(Error::len("dhcp.option", self.base + p, 2, 1)));
        };
        let len = len as usize;
        let Some(value) = self.buf.get(p + 2..p + 2 + len) else {
            self.done = true;
            return Some(Err(Error::len(
                "dhcp.option",
                self.base + p,
                2 + len,
                self.buf.len() - p,
            )));
        };
        let pad_before = u16::try_from(p - self.pos).unwrap_or(u16::MAX);
        self.pos = p + 2 + len;
        Some(Ok(DhcpOption {
            code: c,
            value,
            area: self.area,
            pad_before,
            offset: self.base + p,
        }))
    }
}

/// Option data: borrowed from the frame, or the concatenation of an RFC 3396 split option.
pub type Data<'a> = Cow<'a, [u8]>;

/// Serialises option data as text.
pub fn ser_text<S: Serializer>(d: &Data<'_>, s: S) -> core::result::Result<S::Ok, S::Error> {
    Text(d).serialize(s)
}

/// Serialises option data as hex.
pub fn ser_hex<S: Serializer>(d: &Data<'_>, s: S) -> core::result::Result<S::Ok, S::Error> {
    Hex(d).serialize(s)
}

/// Serialises option data as a list of numbers (parameter request list).
pub fn ser_codes<S: Serializer>(d: &Data<'_>, s: S) -> core::result::Result<S::Ok, S::Error> {
    s.collect_seq(d.iter())
}

/// Serialises a u32 as `0x` and eight hex digits (the transaction id).
pub fn ser_xid<S: Serializer>(x: &u32, s: S) -> core::result::Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("0x{x:08x}"))
}

/// A DNS name in wire format (labels), shown dotted. Validated at parse time; invalid tails are
/// dropped when shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WireName<'b>(&'b [u8]);

impl core::fmt::Display for WireName<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut p = 0;
        let mut first = true;
        while let Some(&l) = self.0.get(p) {
            let l = l as usize;
            if l == 0 || l > 63 {
                break;
            }
            let Some(label) = self.0.get(p + 1..p + 1 + l) else {
                break;
            };
            if !first {
                f.write_str(".")?;
            }
            first = false;
            core::fmt::Display::fmt(&Text(label), f)?;
            p += 1 + l;
        }
        Ok(())
    }
}

/// Whether `d` holds one uncompressed DNS name in wire format (labels ending with a zero
/// label, or running to the end of the data as RFC 4702 partial names do).
fn is_wire_name(d: &[u8]) -> bool {
    let mut p = 0;
    while let Some(&l) = d.get(p) {
        if l == 0 {
            return p + 1 == d.len();
        }
        if l > 63 || p + 1 + l as usize > d.len() {
            return false;
        }
        p += 1 + l as usize;
    }
    p == d.len() && !d.is_empty()
}

/// Option 81, client FQDN (RFC 4702): flags, two deprecated rcodes and a name in ASCII or (flag
/// E) DNS wire format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFqdn<'a>(pub Data<'a>);

impl ClientFqdn<'_> {
    /// The flags byte.
    pub fn flags(&self) -> u8 {
        self.0.first().copied().unwrap_or(0)
    }

    /// The name bytes, after flags and rcodes.
    pub fn name_bytes(&self) -> &[u8] {
        self.0.get(3..).unwrap_or(&[])
    }

    /// Whether the name is in DNS wire format (flag E, and the bytes are labels).
    pub fn is_wire(&self) -> bool {
        self.flags() & 0x04 != 0 && is_wire_name(self.name_bytes())
    }

    fn validate(&self, off: usize, anomalies: &mut Anomalies) {
        if self.0.len() < 3 {
            anomalies.push(Error::len("dhcp.option.81", off, 3, self.0.len()));
        } else if self.flags() & 0x04 != 0 && !self.name_bytes().is_empty() && !self.is_wire() {
            anomalies.push(Error::content("dhcp.option.81", off, "bad DNS name"));
        }
    }
}

impl Serialize for ClientFqdn<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("flags", &self.flags())?;
        if self.is_wire() {
            m.serialize_entry("name", &format_args!("{}", WireName(self.name_bytes())))?;
        } else {
            m.serialize_entry("name", &Text(self.name_bytes()))?;
        }
        m.end()
    }
}

impl core::fmt::Display for ClientFqdn<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.is_wire() {
            WireName(self.name_bytes()).fmt(f)
        } else {
            Text(self.name_bytes()).fmt(f)
        }
    }
}

/// Option 77, user class: an RFC 3004 list of length-prefixed instances, or (as many clients
/// send) one plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserClass<'a>(pub Data<'a>);

impl UserClass<'_> {
    /// Whether the data is a well-formed RFC 3004 list.
    pub fn is_rfc3004(&self) -> bool {
        let d = &self.0[..];
        let mut p = 0;
        while p < d.len() {
            let l = d[p] as usize;
            if l == 0 || p + 1 + l > d.len() {
                return false;
            }
            p += 1 + l;
        }
        !d.is_empty()
    }

    /// The user classes: each RFC 3004 instance, or the whole value as one text.
    pub fn items(&self) -> impl Iterator<Item = Text<'_>> {
        let d = &self.0[..];
        let rfc = self.is_rfc3004();
        let mut p = 0;
        let mut whole = (!rfc).then_some(d);
        core::iter::from_fn(move || {
            if let Some(w) = whole.take() {
                return Some(Text(w));
            }
            if !rfc || p >= d.len() {
                return None;
            }
            let l = d[p] as usize;
            let t = Text(&d[p + 1..p + 1 + l]);
            p += 1 + l;
            Some(t)
        })
    }
}

impl Serialize for UserClass<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.items())
    }
}

/// Walks `code, len, value` sub-options in `d` (relay agent information, V-I vendor info).
/// Yields complete sub-options; a truncated one ends the walk (validate first).
fn suboptions(d: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut p = 0;
    core::iter::from_fn(move || {
        let c = *d.get(p)?;
        let l = *d.get(p + 1)? as usize;
        let v = d.get(p + 2..p + 2 + l)?;
        p += 2 + l;
        Some((c, v))
    })
}

/// Checks that `d` is a sequence of complete `code, len, value` sub-options.
fn check_suboptions(d: &[u8], layer: &'static str, off: usize, anomalies: &mut Anomalies) {
    let mut p = 0;
    while p < d.len() {
        let need = match d.get(p + 1) {
            Some(&l) => 2 + l as usize,
            None => 2,
        };
        if p + need > d.len() {
            anomalies.push(Error::len(layer, off + p, need, d.len() - p));
            return;
        }
        p += need;
    }
}

/// A `{code, value}` pair serialised with the value as hex.
#[derive(Serialize)]
struct Sub<'b> {
    code: u8,
    value: Hex<'b>,
}

/// Option 82, relay agent information (RFC 3046).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayAgent<'a>(pub Data<'a>);

impl RelayAgent<'_> {
    fn find(&self, c: u8) -> Option<&[u8]> {
        suboptions(&self.0).find(|&(x, _)| x == c).map(|(_, v)| v)
    }

    /// Circuit id (sub-option 1).
    pub fn circuit_id(&self) -> Option<&[u8]> {
        self.find(1)
    }

    /// Remote id (sub-option 2).
    pub fn remote_id(&self) -> Option<&[u8]> {
        self.find(2)
    }

    /// Subscriber id (sub-option 6, RFC 3993).
    pub fn subscriber_id(&self) -> Option<&[u8]> {
        self.find(6)
    }

    /// Link selection (sub-option 5, RFC 3527).
    pub fn link_selection(&self) -> Option<Ipv4Addr> {
        self.find(5).and_then(ipv4)
    }
}

impl Serialize for RelayAgent<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(v) = self.circuit_id() {
            m.serialize_entry("circuit_id", &Hex(v))?;
        }
        if let Some(v) = self.remote_id() {
            m.serialize_entry("remote_id", &Hex(v))?;
        }
        if let Some(v) = self.subscriber_id() {
            m.serialize_entry("subscriber_id", &Text(v))?;
        }
        if let Some(v) = self.link_selection() {
            m.serialize_entry("link_selection", &v)?;
        }
        let mut other = suboptions(&self.0).filter(|&(c, _)| !matches!(c, 1 | 2 | 6 | 5));
        if other.next().is_some() {
            let list: Vec<Sub<'_>> = suboptions(&self.0)
                .filter(|&(c, _)| !matches!(c, 1 | 2 | 6 | 5))
                .map(|(code, v)| Sub {
                    code,
                    value: Hex(v),
                })
                .collect();
            m.serialize_entry("other", &list)?;
        }
        m.end()
    }
}

/// Option 93, client system architectures (RFC 4578): a list of 16-bit types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientArch<'a>(pub Data<'a>);

impl Serialize for ClientArch<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_seq(
            self.0
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]])),
        )
    }
}

/// Option 94, client network interface identifier (RFC 4578): type, major, minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClientNdi {
    /// Interface type (1 = UNDI).
    #[serde(rename = "type")]
    pub kind: u8,
    /// Major version.
    pub major: u8,
    /// Minor version.
    pub minor: u8,
}

/// Option 97, client machine identifier (RFC 4578): type 0 then a 16-byte UUID, shown as a UUID
/// string; anything else as hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientUuid<'a>(pub Data<'a>);

impl Serialize for ClientUuid<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        match &self.0[..] {
            [0, u @ ..] if u.len() == 16 => s.collect_str(&format_args!(
                "{}-{}-{}-{}-{}",
                Hex(&u[0..4]),
                Hex(&u[4..6]),
                Hex(&u[6..8]),
                Hex(&u[8..10]),
                Hex(&u[10..16])
            )),
            d => Hex(d).serialize(s),
        }
    }
}

/// Most names kept from one domain-search option, and most pointer jumps per name.
const MAX_NAMES: usize = 64;
const MAX_JUMPS: usize = 32;

/// Reads the DNS name at `start` of `d` (RFC 1035 with compression pointers into `d`), calling
/// `label` for each label. Returns the offset after the name's in-place bytes.
fn read_name<'b>(
    d: &'b [u8],
    start: usize,
    mut label: impl FnMut(&'b [u8]),
) -> core::result::Result<usize, &'static str> {
    let mut p = start;
    let mut after = None;
    let mut jumps = 0;
    loop {
        let Some(&l) = d.get(p) else {
            return Err("truncated DNS name");
        };
        match l {
            0 => return Ok(after.unwrap_or(p + 1)),
            1..=63 => {
                let Some(s) = d.get(p + 1..p + 1 + l as usize) else {
                    return Err("truncated DNS name");
                };
                label(s);
                p += 1 + l as usize;
            }
            0xc0..=0xff => {
                let Some(&lo) = d.get(p + 1) else {
                    return Err("truncated DNS name");
                };
                if after.is_none() {
                    after = Some(p + 2);
                }
                jumps += 1;
                let target = (((l & 0x3f) as usize) << 8) | lo as usize;
                if jumps > MAX_JUMPS || target >= d.len() {
                    return Err("DNS name pointer loop");
                }
                p = target;
            }
            _ => return Err("bad DNS label type"),
        }
    }
}

/// Option 119, domain search list (RFC 3397): DNS names, compression pointers allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSearch<'a>(pub Data<'a>);

impl DomainSearch<'_> {
    fn validate(&self, off: usize, anomalies: &mut Anomalies) {
        let d = &self.0[..];
        let mut p = 0;
        let mut n = 0;
        while p < d.len() {
            match read_name(d, p, |_| {}) {
                Ok(next) => p = next,
                Err(kind) => {
                    anomalies.push(Error::content("dhcp.option.119", off + p, kind));
                    return;
                }
            }
            n += 1;
            if n == MAX_NAMES && p < d.len() {
                anomalies.push(Error::content("dhcp.option.119", off + p, "too many names"));
                return;
            }
        }
    }
}

/// One name of a domain-search list, written through `Display`.
struct SearchName<'b>(&'b [u8], usize);

impl core::fmt::Display for SearchName<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut first = true;
        let mut res = Ok(());
        let _ = read_name(self.0, self.1, |l| {
            if res.is_ok() {
                if !first {
                    res = f.write_str(".");
                }
                first = false;
                if res.is_ok() {
                    res = core::fmt::Display::fmt(&Text(l), f);
                }
            }
        });
        res
    }
}

impl Serialize for DomainSearch<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let d = &self.0[..];
        let mut seq = s.serialize_seq(None)?;
        let mut p = 0;
        let mut n = 0;
        while p < d.len() && n < MAX_NAMES {
            let Ok(next) = read_name(d, p, |_| {}) else {
                break;
            };
            seq.serialize_element(&format_args!("{}", SearchName(d, p)))?;
            p = next;
            n += 1;
        }
        seq.end()
    }
}

/// Option 121, classless static routes (RFC 3442).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClasslessRoutes<'a>(pub Data<'a>);

/// One route: destination prefix, prefix length and router.
fn routes(d: &[u8]) -> impl Iterator<Item = ([u8; 4], u8, Ipv4Addr)> + '_ {
    let mut p = 0;
    core::iter::from_fn(move || {
        let w = *d.get(p)?;
        if w > 32 {
            return None;
        }
        let n = (w as usize).div_ceil(8);
        let dest = d.get(p + 1..p + 1 + n)?;
        let router = ipv4(d.get(p + 1 + n..p + 5 + n)?)?;
        let mut a = [0u8; 4];
        a[..n].copy_from_slice(dest);
        p += 5 + n;
        Some((a, w, router))
    })
}

impl ClasslessRoutes<'_> {
    fn validate(&self, off: usize, anomalies: &mut Anomalies) {
        let d = &self.0[..];
        let mut p = 0;
        while p < d.len() {
            let w = d[p];
            if w > 32 {
                anomalies.push(Error::content(
                    "dhcp.option.121",
                    off + p,
                    "prefix length over 32",
                ));
                return;
            }
            let need = 5 + (w as usize).div_ceil(8);
            if p + need > d.len() {
                anomalies.push(Error::len("dhcp.option.121", off + p, need, d.len() - p));
                return;
            }
            p += need;
        }
    }
}

#[derive(Serialize)]
struct Route {
    destination: String,
    router: Ipv4Addr,
}

impl Serialize for ClasslessRoutes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_seq(routes(&self.0).map(|(a, w, router)| Route {
            destination: format!("{}/{w}", Ipv4Addr::from(a)),
            router,
        }))
    }
}

/// Walks enterprise blocks of options 124/125: `enterprise(4), len(1), data(len)`.
fn enterprises(d: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    let mut p = 0;
    core::iter::from_fn(move || {
        let e = u32::from_be_bytes(d.get(p..p + 4)?.try_into().ok()?);
        let l = *d.get(p + 4)? as usize;
        let v = d.get(p + 5..p + 5 + l)?;
        p += 5 + l;
        Some((e, v))
    })
}

fn check_enterprises(d: &[u8], layer: &'static str, off: usize, anomalies: &mut Anomalies) {
    let mut p = 0;
    while p < d.len() {
        let need = match d.get(p + 4) {
            Some(&l) => 5 + l as usize,
            None => 5,
        };
        if p + need > d.len() {
            anomalies.push(Error::len(layer, off + p, need, d.len() - p));
            return;
        }
        p += need;
    }
}

/// Option 124, V-I vendor class (RFC 3925): per enterprise, a list of opaque data items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViVendorClass<'a>(pub Data<'a>);

/// A list of `len, data` items, shown as hex.
struct Items<'b>(&'b [u8]);

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let d = self.0;
        let mut p = 0;
        s.collect_seq(core::iter::from_fn(move || {
            let l = *d.get(p)? as usize;
            let v = d.get(p + 1..p + 1 + l)?;
            p += 1 + l;
            Some(Hex(v))
        }))
    }
}

#[derive(Serialize)]
struct ClassBlock<'b> {
    enterprise: u32,
    data: Items<'b>,
}

impl Serialize for ViVendorClass<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_seq(enterprises(&self.0).map(|(enterprise, d)| ClassBlock {
            enterprise,
            data: Items(d),
        }))
    }
}

/// Option 125, V-I vendor-specific information (RFC 3925): per enterprise, sub-options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViVendorInfo<'a>(pub Data<'a>);

struct Subs<'b>(&'b [u8]);

impl Serialize for Subs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_seq(suboptions(self.0).map(|(code, v)| Sub {
            code,
            value: Hex(v),
        }))
    }
}

#[derive(Serialize)]
struct InfoBlock<'b> {
    enterprise: u32,
    suboptions: Subs<'b>,
}

impl Serialize for ViVendorInfo<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_seq(enterprises(&self.0).map(|(enterprise, d)| InfoBlock {
            enterprise,
            suboptions: Subs(d),
        }))
    }
}

/// An IPv4 address from exactly four bytes.
pub fn ipv4(b: &[u8]) -> Option<Ipv4Addr> {
    let a: [u8; 4] = b.try_into().ok()?;
    Some(Ipv4Addr::from(a))
}

/// Validation of the structured options, run once at parse time. `off` is the offset of the
/// option's first instance in the message.
pub(super) fn validate_relay(d: &[u8], off: usize, anomalies: &mut Anomalies) {
    check_suboptions(d, "dhcp.option.82", off, anomalies);
}

pub(super) fn validate_vi_class(d: &[u8], off: usize, anomalies: &mut Anomalies) {
    check_enterprises(d, "dhcp.option.124", off, anomalies);
    for (_, items) in enterprises(d) {
        let mut p = 0;
        while p < items.len() {
            p += 1 + items[p] as usize;
        }
        if p != items.len() {
            anomalies.push(Error::content(
                "dhcp.option.124",
                off,
                "truncated vendor class data",
            ));
            return;
        }
    }
}

pub(super) fn validate_vi_info(d: &[u8], off: usize, anomalies: &mut Anomalies) {
    check_enterprises(d, "dhcp.option.125", off, anomalies);
    for (_, subs) in enterprises(d) {
        check_suboptions(subs, "dhcp.option.125", off, anomalies);
    }
}

pub(super) fn validate_fqdn(f: &ClientFqdn<'_>, off: usize, anomalies: &mut Anomalies) {
    f.validate(off, anomalies);
}

pub(super) fn validate_search(f: &DomainSearch<'_>, off: usize, anomalies: &mut Anomalies) {
    f.validate(off, anomalies);
}

pub(super) fn validate_routes(f: &ClasslessRoutes<'_>, off: usize, anomalies: &mut Anomalies) {
    f.validate(off, anomalies);
}
