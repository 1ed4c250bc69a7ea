//! Decoded views over DHCPv6 option values. Each view borrows the option's bytes; validation
//! (at parse time) reports what is malformed, and serialisation walks the bytes again, stopping
//! quietly where validation already complained.

use core::fmt;
use std::net::Ipv6Addr;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::super::arp::code_enum;
use super::super::bytes::be_u16;
use super::super::{Anomalies, Error, Hex, MacAddr, Text};
use super::{OptionIter, code, u32_at};

code_enum! {
    /// DUID type.
    DuidType: u16 {
        /// Link-layer address plus time.
        Llt = 1 => "llt",
        /// Enterprise number plus identifier.
        En = 2 => "en",
        /// Link-layer address.
        Ll = 3 => "ll",
        /// UUID (RFC 6355).
        Uuid = 4 => "uuid",
    }
}

/// A DUID (client or server identifier), as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duid<'a>(pub &'a [u8]);

impl<'a> Duid<'a> {
    /// The DUID type, `None` when fewer than two bytes.
    pub fn duid_type(&self) -> Option<DuidType> {
        be_u16(self.0, 0).map(DuidType::from)
    }

    /// Bytes the type's fixed part needs.
    fn fixed_len(t: DuidType) -> usize {
        match t {
            DuidType::Llt => 8,
            DuidType::En => 6,
            DuidType::Ll => 4,
            DuidType::Uuid => 18,
            DuidType::Unknown(_) => 2,
        }
    }

    /// The enterprise number of a DUID-EN.
    pub fn enterprise(&self) -> Option<u32> {
        match self.duid_type()? {
            DuidType::En => u32_at(self.0, 2),
            _ => None,
        }
    }

    pub(super) fn validate(&self, off: usize, an: &mut Anomalies) {
        match self.duid_type() {
            None => an.push(Error::len("dhcpv6.duid", off, 2, self.0.len())),
            Some(t) => {
                let need = Self::fixed_len(t);
                if self.0.len() < need || (t == DuidType::Uuid && self.0.len() != need) {
                    an.push(Error::len("dhcpv6.duid", off, need, self.0.len()));
                }
            }
        }
    }
}

/// A link-layer address: a MAC when six bytes, hex otherwise.
fn link_addr<S: SerializeMap>(m: &mut S, b: &[u8]) -> Result<(), S::Error> {
    match MacAddr::from_bytes(b) {
        Some(mac) => m.serialize_entry("link_layer_addr", &mac),
        None => m.serialize_entry("link_layer_addr", &Hex(b)),
    }
}

impl Serialize for Duid<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let b = self.0;
        let mut m = s.serialize_map(None)?;
        if let Some(t) = self.duid_type() {
            m.serialize_entry("type", &t)?;
            if b.len() >= Duid::fixed_len(t) {
                match t {
                    DuidType::Llt => {
                        m.serialize_entry("hw_type", &be_u16(b, 2))?;
                        m.serialize_entry("time", &u32_at(b, 4))?;
                        link_addr(&mut m, &b[8..])?;
                    }
                    DuidType::En => {
                        m.serialize_entry("enterprise", &u32_at(b, 2))?;
                        m.serialize_entry("identifier", &Hex(&b[6..]))?;
                    }
                    DuidType::Ll => {
                        m.serialize_entry("hw_type", &be_u16(b, 2))?;
                        link_addr(&mut m, &b[4..])?;
                    }
                    DuidType::Uuid => m.serialize_entry("uuid", &Hex(&b[2..]))?,
                    DuidType::Unknown(_) => {}
                }
            }
        }
        m.serialize_entry("hex", &Hex(b))?;
        m.end()
    }
}

/// The option request option: a list of option codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Oro<'a>(pub &'a [u8]);

impl Oro<'_> {
    /// The requested codes (a trailing odd byte is ignored).
    pub fn codes(&self) -> impl Iterator<Item = u16> + '_ {
        self.0
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
    }
}

impl Serialize for Oro<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.codes())
    }
}

/// Walks a list of `u16` length-prefixed items (user class data, vendor class data).
fn items(b: &[u8]) -> impl Iterator<Item = Result<&[u8], usize>> + '_ {
    let mut off = 0;
    core::iter::from_fn(move || {
        if off >= b.len() {
            return None;
        }
        let start = off;
        let len = usize::from(be_u16(b, off).unwrap_or(u16::MAX));
        match b.get(off + 2..off + 2 + len) {
            Some(item) => {
                off += 2 + len;
                Some(Ok(item))
            }
            None => {
                off = b.len();
                Some(Err(start))
            }
        }
    })
}

/// A list of length-prefixed text items (user class; vendor class data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextList<'a>(pub &'a [u8]);

impl<'a> TextList<'a> {
    /// The complete items, in order (a truncated last item is left out; `decode` reported it).
    pub fn items(&self) -> impl Iterator<Item = Text<'a>> + 'a {
        items(self.0).filter_map(|i| i.ok()).map(Text)
    }

    pub(super) fn validate(&self, layer: &'static str, off: usize, an: &mut Anomalies) {
        if let Some(Err(at)) = items(self.0).find(|i| i.is_err()) {
            an.push(Error::content(
                layer,
                off + at,
                "item length past the option",
            ));
        }
    }
}

impl Serialize for TextList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.items())
    }
}

/// Vendor class (16): enterprise number and data items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VendorClass<'a> {
    /// Enterprise number.
    pub enterprise: u32,
    /// Data items.
    pub data: TextList<'a>,
}

impl<'a> VendorClass<'a> {
    pub(super) fn parse(d: &'a [u8], off: usize, an: &mut Anomalies) -> Option<Self> {
        let Some(enterprise) = u32_at(d, 0) else {
            an.push(Error::len("dhcpv6.vendor_class", off, 4, d.len()));
            return None;
        };
        let data = TextList(&d[4..]);
        data.validate("dhcpv6.vendor_class", off + 4, an);
        Some(VendorClass { enterprise, data })
    }
}

/// Sub-options of vendor-specific information, serialised as `{code, value}` objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubOptions<'a>(pub &'a [u8]);

impl Serialize for SubOptions<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(OptionIter::new(self.0, "").map_while(|o| o.ok()))
    }
}

/// Vendor-specific information (17): enterprise number and raw sub-options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VendorOpts<'a> {
    /// Enterprise number.
    pub enterprise: u32,
    /// Sub-options.
    pub options: SubOptions<'a>,
}

impl<'a> VendorOpts<'a> {
    pub(super) fn parse(d: &'a [u8], off: usize, an: &mut Anomalies) -> Option<Self> {
        let Some(enterprise) = u32_at(d, 0) else {
            an.push(Error::len("dhcpv6.vendor_opts", off, 4, d.len()));
            return None;
        };
        for o in OptionIter::new(&d[4..], "dhcpv6.vendor_opts") {
            if let Err(e) = o {
                an.push(e.shifted(off + 4));
            }
        }
        Some(VendorOpts {
            enterprise,
            options: SubOptions(&d[4..]),
        })
    }
}

code_enum! {
    /// Kind of identity association.
    IaKind: u16 {
        /// Non-temporary addresses.
        Na = 3 => "na",
        /// Temporary addresses.
        Ta = 4 => "ta",
        /// Prefix delegation.
        Pd = 25 => "pd",
    }
}

/// An identity association (IA_NA, IA_TA or IA_PD) with its nested options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ia<'a> {
    /// Kind.
    pub kind: IaKind,
    /// IAID.
    pub iaid: u32,
    /// T1 (not for IA_TA).
    pub t1: Option<u32>,
    /// T2 (not for IA_TA).
    pub t2: Option<u32>,
    /// Nested options.
    pub options: &'a [u8],
}

impl<'a> Ia<'a> {
    pub(super) fn parse(c: u16, d: &'a [u8], off: usize, an: &mut Anomalies) -> Option<Self> {
        let kind = IaKind::from(c);
        let fixed = if kind == IaKind::Ta { 4 } else { 12 };
        if d.len() < fixed {
            an.push(Error::len("dhcpv6.ia", off, fixed, d.len()));
            return None;
        }
        let ia = Ia {
            kind,
            iaid: u32_at(d, 0).unwrap_or(0),
            t1: (fixed == 12).then(|| u32_at(d, 4).unwrap_or(0)),
            t2: (fixed == 12).then(|| u32_at(d, 8).unwrap_or(0)),
            options: &d[fixed..],
        };
        let noff = off + fixed;
        for o in OptionIter::new(ia.options, "dhcpv6.ia.option") {
            match o {
                Err(e) => an.push(e.shifted(noff)),
                Ok(o) => {
                    let need = match o.code {
                        code::IAADDR => 24,
                        code::IAPREFIX => 25,
                        code::STATUS_CODE => 2,
                        _ => 0,
                    };
                    if o.data().len() < need {
                        an.push(Error::len("dhcpv6.ia.option", noff, need, o.data().len()));
                    }
                }
            }
        }
        Some(ia)
    }
}

struct IaAddrs<'a>(&'a [u8]);

impl Serialize for IaAddrs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for o in OptionIter::new(self.0, "").map_while(|o| o.ok()) {
            let d = o.data();
            if o.code == code::IAADDR && d.len() >= 24 {
                let a: [u8; 16] = d[..16].try_into().unwrap_or([0; 16]);
                seq.serialize_element(&Lifetimes {
                    key: "address",
                    value: Ipv6Addr::from(a).to_string(),
                    preferred_lifetime: u32_at(d, 16).unwrap_or(0),
                    valid_lifetime: u32_at(d, 20).unwrap_or(0),
                })?;
            } else if o.code == code::IAPREFIX && d.len() >= 25 {
                let a: [u8; 16] = d[9..25].try_into().unwrap_or([0; 16]);
                seq.serialize_element(&Lifetimes {
                    key: "prefix",
                    value: format!("{}/{}", Ipv6Addr::from(a), d[8]),
                    preferred_lifetime: u32_at(d, 0).unwrap_or(0),
                    valid_lifetime: u32_at(d, 4).unwrap_or(0),
                })?;
            }
        }
        seq.end()
    }
}

struct Lifetimes {
    key: &'static str,
    value: String,
    preferred_lifetime: u32,
    valid_lifetime: u32,
}

impl Serialize for Lifetimes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry(self.key, &self.value)?;
        m.serialize_entry("preferred_lifetime", &self.preferred_lifetime)?;
        m.serialize_entry("valid_lifetime", &self.valid_lifetime)?;
        m.end()
    }
}

impl Serialize for Ia<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", &self.kind)?;
        m.serialize_entry("iaid", &self.iaid)?;
        if let (Some(t1), Some(t2)) = (self.t1, self.t2) {
            m.serialize_entry("t1", &t1)?;
            m.serialize_entry("t2", &t2)?;
        }
        let key = if self.kind == IaKind::Pd {
            "prefixes"
        } else {
            "addresses"
        };
        m.serialize_entry(key, &IaAddrs(self.options))?;
        let status = OptionIter::new(self.options, "")
            .map_while(|o| o.ok())
            .find(|o| o.code == code::STATUS_CODE)
            .and_then(|o| Status::parse(o.data()));
        if let Some(st) = status {
            m.serialize_entry("status", &st)?;
        }
        m.end()
    }
}

code_enum! {
    /// DHCPv6 status code.
    StatusCode: u16 {
        /// Success.
        Success = 0 => "success",
        /// Unspecified failure.
        UnspecFail = 1 => "unspec-fail",
        /// No addresses available.
        NoAddrsAvail = 2 => "no-addrs-avail",
        /// No binding.
        NoBinding = 3 => "no-binding",
        /// Not on link.
        NotOnLink = 4 => "not-on-link",
        /// Use multicast.
        UseMulticast = 5 => "use-multicast",
        /// No prefix available.
        NoPrefixAvail = 6 => "no-prefix-avail",
    }
}

/// A status code option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Status<'a> {
    /// Code.
    pub code: StatusCode,
    /// Message.
    pub message: Text<'a>,
}

impl<'a> Status<'a> {
    pub(super) fn parse(d: &'a [u8]) -> Option<Self> {
        Some(Status {
            code: StatusCode::from(be_u16(d, 0)?),
            message: Text(&d[2..]),
        })
    }
}

/// A DNS name in wire format (labels, no compression), displayed dotted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsName<'a>(pub &'a [u8]);

/// Splits the first name off `b`: (name bytes including the terminating zero if any, whether
/// it was well formed).
/// Whether `b` is a sequence of complete labels that ends with the buffer (a partial name, as
/// RFC 4704 allows in the Client FQDN option).
fn is_partial_name(b: &[u8]) -> bool {
    let mut off = 0;
    while off < b.len() {
        let l = usize::from(b[off]);
        if l == 0 || l > 63 || off + 1 + l > b.len() {
            return false;
        }
        off += 1 + l;
    }
    true
}

fn split_name(b: &[u8]) -> (&[u8], bool) {
    let mut off = 0;
    loop {
        match b.get(off) {
            None => return (b, b.is_empty()),
            Some(0) => return (&b[..off + 1], true),
            Some(&l) if l > 63 => return (b, false),
            Some(&l) => {
                if off + 1 + usize::from(l) > b.len() {
                    return (b, false);
                }
                off += 1 + usize::from(l);
            }
        }
    }
}

impl fmt::Display for DnsName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        let mut off = 0;
        let mut first = true;
        while let Some(&l) = b.get(off) {
            if l == 0 || l > 63 {
                break;
            }
            let Some(label) = b.get(off + 1..off + 1 + usize::from(l)) else {
                break;
            };
            if !first {
                f.write_str(".")?;
            }
            first = false;
            fmt::Display::fmt(&Text(label), f)?;
            off += 1 + usize::from(l);
        }
        Ok(())
    }
}

impl Serialize for DnsName<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Client FQDN (39): flags and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fqdn<'a> {
    /// Flags (S 0x01, O 0x02, N 0x04).
    pub flags: u8,
    /// Name (may be partial, without the terminating zero).
    pub name: DnsName<'a>,
}

impl<'a> Fqdn<'a> {
    pub(super) fn parse(d: &'a [u8], off: usize, an: &mut Anomalies) -> Option<Self> {
        let (&flags, name) = d.split_first()?;
        let (n, ok) = split_name(name);
        // RFC 4704 section 4.2: a partial name is sent without the terminating zero label.
        if !ok && !is_partial_name(name) {
            an.push(Error::content("dhcpv6.fqdn", off + 1, "malformed name"));
        } else if n.len() < name.len() {
            an.push(Error::content(
                "dhcpv6.fqdn",
                off + 1 + n.len(),
                "bytes after the name",
            ));
        }
        Some(Fqdn {
            flags,
            name: DnsName(name),
        })
    }
}

/// A list of DNS names (domain search list, 24).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainList<'a>(pub &'a [u8]);

impl<'a> DomainList<'a> {
    /// The names.
    pub fn names(&self) -> impl Iterator<Item = DnsName<'a>> {
        let mut rest = self.0;
        core::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            let (n, ok) = split_name(rest);
            rest = if ok { &rest[n.len()..] } else { &[] };
            Some(DnsName(n))
        })
    }

    pub(super) fn validate(&self, off: usize, an: &mut Anomalies) {
        let mut rest = self.0;
        while !rest.is_empty() {
            let (n, ok) = split_name(rest);
            if !ok {
                an.push(Error::content(
                    "dhcpv6.domain_list",
                    off + self.0.len() - rest.len(),
                    "malformed name",
                ));
                return;
            }
            rest = &rest[n.len()..];
        }
    }
}

impl Serialize for DomainList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}
