//! The JSON object of one decoded frame.
//!
//! Common keys: `file`, `frame` (1-based index in the file), `ts` (RFC 3339, microseconds, UTC),
//! `src_mac`, `dst_mac` (lower-case colon hex; `null` on link types without them), `vlans` (outer
//! first), `proto`, `anomalies` (strings), then an object named after `proto` holding the
//! protocol's decoded fields (its `Repr`'s serialisation; `{}` when the header itself was
//! unreadable). The `dhcp` object also carries `ip_ttl`, and `dhcpv6` `ip_hop_limit`, from the
//! carrying IP packet.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::clock::Timestamp;
use crate::wire::{Frame, Payload};

/// Serialises a decoded frame with its file context.
#[derive(Debug)]
pub struct FrameJson<'f, 'a> {
    /// File name as given on the command line.
    pub file: &'f str,
    /// 1-based index of the frame in its file.
    pub index: u64,
    /// Capture time.
    pub ts: Timestamp,
    /// The decoded frame.
    pub frame: &'f Frame<'a>,
}

/// The `dhcp` object: the protocol's fields, then `ip_ttl` (flattening serialises straight
/// through, without buffering).
#[derive(Serialize)]
struct Dhcp<'r, R> {
    #[serde(flatten)]
    repr: &'r R,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip_ttl: Option<u8>,
}

/// The `dhcpv6` object: the protocol's fields, then `ip_hop_limit`.
#[derive(Serialize)]
struct Dhcpv6<'r, R> {
    #[serde(flatten)]
    repr: &'r R,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip_hop_limit: Option<u8>,
}

struct Empty;

impl Serialize for Empty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_map(Some(0))?.end()
    }
}

fn entry<M: SerializeMap, R: Serialize>(
    m: &mut M,
    key: &str,
    r: &Option<R>,
) -> Result<(), M::Error> {
    match r {
        Some(r) => m.serialize_entry(key, r),
        None => m.serialize_entry(key, &Empty),
    }
}

impl Serialize for FrameJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.frame;
        let mut m = s.serialize_map(Some(9))?;
        m.serialize_entry("file", self.file)?;
        m.serialize_entry("frame", &self.index)?;
        m.serialize_entry("ts", &self.ts.rfc3339_micros())?;
        m.serialize_entry("src_mac", &f.src_mac)?;
        m.serialize_entry("dst_mac", &f.dst_mac)?;
        m.serialize_entry("vlans", &f.vlans)?;
        let proto = f.payload.proto().map(|p| p.name()).unwrap_or("other");
        m.serialize_entry("proto", proto)?;
        m.serialize_entry("anomalies", &f.anomalies)?;
        let ttl = f.ip.map(|ip| ip.ttl);
        match &f.payload {
            Payload::Lldp(r) => entry(&mut m, proto, r)?,
            Payload::Cdp(r) => entry(&mut m, proto, r)?,
            Payload::Edp(r) => entry(&mut m, proto, r)?,
            Payload::Fdp(r) => entry(&mut m, proto, r)?,
            Payload::Dhcp(Some(r)) => m.serialize_entry(
                proto,
                &Dhcp {
                    repr: r,
                    ip_ttl: ttl,
                },
            )?,
            Payload::Dhcpv6(Some(r)) => m.serialize_entry(
                proto,
                &Dhcpv6 {
                    repr: r,
                    ip_hop_limit: ttl,
                },
            )?,
            // The header was unreadable: the IP facts are still worth keeping.
            Payload::Dhcp(None) => m.serialize_entry(
                proto,
                &Dhcp {
                    repr: &Empty,
                    ip_ttl: ttl,
                },
            )?,
            Payload::Dhcpv6(None) => m.serialize_entry(
                proto,
                &Dhcpv6 {
                    repr: &Empty,
                    ip_hop_limit: ttl,
                },
            )?,
            Payload::Arp(r) => entry(&mut m, proto, r)?,
            Payload::Eapol(r) => entry(&mut m, proto, r)?,
            Payload::Stp(r) => entry(&mut m, proto, r)?,
            Payload::Mdns(r) => entry(&mut m, proto, r)?,
            Payload::Ssdp(r) => entry(&mut m, proto, r)?,
            Payload::Other => {}
        }
        m.end()
    }
}
