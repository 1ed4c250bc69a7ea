//! Address lists (CDP TLVs 2 and 0x16, FDP TLV 2) and IP prefixes (CDP TLV 7).
//!
//! Both are kept as validated views of the TLV value: `emit` copies the bytes back, and the
//! entries are decoded when serialised or iterated, so parsing allocates nothing.

use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::ser::{Serialize, SerializeSeq, Serializer};

use crate::wire::text::Hex;
use crate::wire::{Error, Result};

/// Protocol type NLPID, with protocol `0xcc` for IPv4.
const PT_NLPID: u8 = 1;
/// Protocol type 802.2, with an LLC/SNAP protocol ending in the EtherType (`0x86dd` for IPv6).
const PT_8022: u8 = 2;
const NLPID_IP: [u8; 1] = [0xcc];
const SNAP_IPV6: [u8; 8] = [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x86, 0xdd];

/// One address entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address<'a> {
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// Another protocol, kept raw.
    Other {
        /// Protocol type (1 NLPID, 2 802.2).
        protocol_type: u8,
        /// Protocol identifier bytes.
        protocol: &'a [u8],
        /// Address bytes.
        address: &'a [u8],
    },
}

impl fmt::Display for Address<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Ip(ip) => ip.fmt(f),
            Address::Other { address, .. } => Hex(address).fmt(f),
        }
    }
}

impl Serialize for Address<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A validated address-list TLV value: a 4-byte count, then that many entries
/// (protocol type, protocol length, protocol, 2-byte address length, address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addresses<'a>(&'a [u8]);

impl<'a> Addresses<'a> {
    /// Checks a TLV value. On error the value is still returned (iteration yields the entries
    /// that could be read), with the first problem found.
    pub fn parse(value: &'a [u8], layer: &'static str) -> (Addresses<'a>, Option<Error>) {
        let a = Addresses(value);
        if value.len() < 4 {
            return (a, Some(Error::len(layer, 0, 4, value.len())));
        }
        let mut it = a.iter();
        let mut n = 0u32;
        for e in &mut it {
            if e.is_none() {
                return (
                    a,
                    Some(Error::content(layer, it.pos, "truncated address entry")),
                );
            }
            n += 1;
        }
        if n < a.count() {
            return (
                a,
                Some(Error::content(
                    layer,
                    it.pos,
                    "fewer addresses than counted",
                )),
            );
        }
        if it.pos < value.len() {
            return (
                a,
                Some(Error::content(
                    layer,
                    it.pos,
                    "bytes after the address list",
                )),
            );
        }
        (a, None)
    }

    /// The value bytes, as sent.
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The address count field.
    pub fn count(&self) -> u32 {
        crate::wire::bytes::be_u32(self.0, 0).unwrap_or(0)
    }

    /// The entries that can be read (a malformed entry ends the list).
    pub fn iter(&self) -> AddrIter<'a> {
        AddrIter {
            buf: self.0,
            pos: 4,
            left: self.count(),
            failed: false,
        }
    }

    /// The readable entries, decoded (stops at the first malformed one).
    pub fn addresses(&self) -> impl Iterator<Item = Address<'a>> + 'a {
        self.iter().map_while(|a| a)
    }

    /// Encodes IP addresses as an address-list value (for building frames in tests).
    pub fn encode(ips: &[IpAddr], out: &mut Vec<u8>) {
        out.extend_from_slice(&(ips.len() as u32).to_be_bytes());
        for ip in ips {
            match ip {
                IpAddr::V4(v4) => {
                    out.extend_from_slice(&[PT_NLPID, 1, NLPID_IP[0], 0, 4]);
                    out.extend_from_slice(&v4.octets());
                }
                IpAddr::V6(v6) => {
                    out.extend_from_slice(&[PT_8022, 8]);
                    out.extend_from_slice(&SNAP_IPV6);
                    out.extend_from_slice(&[0, 16]);
                    out.extend_from_slice(&v6.octets());
                }
            }
        }
    }
}

impl Serialize for Addresses<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for a in self.addresses() {
            seq.serialize_element(&a)?;
        }
        seq.end()
    }
}

/// Iterator over address entries: `Some(None)` for a malformed entry, after which it ends.
#[derive(Debug, Clone)]
pub struct AddrIter<'a> {
    buf: &'a [u8],
    pos: usize,
    left: u32,
    failed: bool,
}

impl<'a> AddrIter<'a> {
    fn entry(&mut self) -> Option<Address<'a>> {
        let b = self.buf;
        let p = self.pos;
        let ptype = *b.get(p)?;
        let plen = usize::from(*b.get(p + 1)?);
        let protocol = b.get(p + 2..p + 2 + plen)?;
        let q = p + 2 + plen;
        let alen = usize::from(crate::wire::bytes::be_u16(b, q)?);
        let address = b.get(q + 2..q + 2 + alen)?;
        self.pos = q + 2 + alen;
        Some(match (ptype, address.len()) {
            (PT_NLPID, 4) if protocol == NLPID_IP => Address::Ip(IpAddr::V4(Ipv4Addr::from(
                <[u8; 4]>::try_from(address).ok()?,
            ))),
            (PT_8022, 16) if protocol == SNAP_IPV6 => Address::Ip(IpAddr::V6(Ipv6Addr::from(
                <[u8; 16]>::try_from(address).ok()?,
            ))),
            _ => Address::Other {
                protocol_type: ptype,
                protocol,
                address,
            },
        })
    }
}

impl<'a> Iterator for AddrIter<'a> {
    type Item = Option<Address<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 || self.failed {
            return None;
        }
        self.left -= 1;
        let e = self.entry();
        if e.is_none() {
            self.failed = true;
        }
        Some(e)
    }
}

/// A validated IP-prefix TLV value: 5-byte entries (IPv4 network, prefix length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefixes<'a>(&'a [u8]);

impl<'a> Prefixes<'a> {
    /// Checks a TLV value (a multiple of 5 bytes).
    pub fn parse(value: &'a [u8], layer: &'static str) -> Result<Prefixes<'a>> {
        if value.len() % 5 != 0 {
            return Err(Error::content(
                layer,
                0,
                "IP prefix list not a multiple of 5 bytes",
            ));
        }
        Ok(Prefixes(value))
    }

    /// The value bytes, as sent.
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The prefixes.
    pub fn iter(&self) -> impl Iterator<Item = (Ipv4Addr, u8)> + 'a {
        self.0
            .chunks_exact(5)
            .map(|c| (Ipv4Addr::new(c[0], c[1], c[2], c[3]), c[4]))
    }
}

struct Prefix(Ipv4Addr, u8);

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.0, self.1)
    }
}

impl Serialize for Prefixes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for (a, l) in self.iter() {
            seq.serialize_element(&format_args!("{}", Prefix(a, l)))?;
        }
        seq.end()
    }
}
