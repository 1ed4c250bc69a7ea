//! One captured frame, from link-layer bytes to a decoded control-plane message.
//!
//! [`decode`] peels the link layer (Ethernet II, 802.3 LLC/SNAP, VLAN tags, Linux cooked, Cisco
//! HDLC), IPv4/IPv6/UDP (through `etherparse`'s lax slicing, so frames cut by the snap length
//! still decode), and hands the payload to the protocol parser. It never fails: what could not be
//! decoded becomes an anomaly on the [`Frame`], and everything that did decode is kept.

use std::net::IpAddr;

use etherparse::{IpNumber, LaxIpSlice, UdpSlice};

use super::ethernet::{self, Llc, VlanTag, Vlans, ethertype};
use super::link::{CiscoHdlc, Cooked, LinkType, sll_protocol};
use super::{Anomalies, Error, MacAddr};
use super::{arp, cdp, dhcpv4, dhcpv6, eapol, edp, fdp, lldp, mdns, ssdp, stp};

/// The control-plane protocols the sensor decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    /// IEEE 802.1AB LLDP.
    Lldp,
    /// Cisco Discovery Protocol.
    Cdp,
    /// Extreme Discovery Protocol.
    Edp,
    /// Foundry Discovery Protocol.
    Fdp,
    /// DHCPv4 / BOOTP.
    Dhcp,
    /// DHCPv6.
    Dhcpv6,
    /// ARP.
    Arp,
    /// IEEE 802.1X EAPOL.
    Eapol,
    /// Spanning tree BPDUs (STP, RSTP, MSTP, PVST+).
    Stp,
    /// Multicast DNS / DNS-SD (UDP 5353).
    Mdns,
    /// SSDP (UDP 1900).
    Ssdp,
}

impl Proto {
    /// The lower-case name used as the JSON `proto` value and object key.
    pub fn name(self) -> &'static str {
        match self {
            Proto::Lldp => "lldp",
            Proto::Cdp => "cdp",
            Proto::Edp => "edp",
            Proto::Fdp => "fdp",
            Proto::Dhcp => "dhcp",
            Proto::Dhcpv6 => "dhcpv6",
            Proto::Arp => "arp",
            Proto::Eapol => "eapol",
            Proto::Stp => "stp",
            Proto::Mdns => "mdns",
            Proto::Ssdp => "ssdp",
        }
    }
}

/// The decoded message. `None` inside a variant means the protocol was recognised but its
/// header could not be decoded (the reason is in the frame's anomalies).
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Payload<'a> {
    /// LLDP.
    Lldp(Option<lldp::Repr<'a>>),
    /// CDP.
    Cdp(Option<cdp::Repr<'a>>),
    /// EDP.
    Edp(Option<edp::Repr<'a>>),
    /// FDP.
    Fdp(Option<fdp::Repr<'a>>),
    /// DHCPv4.
    Dhcp(Option<dhcpv4::Repr<'a>>),
    /// DHCPv6.
    Dhcpv6(Option<dhcpv6::Repr<'a>>),
    /// ARP.
    Arp(Option<arp::Repr<'a>>),
    /// EAPOL.
    Eapol(Option<eapol::Repr<'a>>),
    /// STP.
    Stp(Option<stp::Repr<'a>>),
    /// mDNS.
    Mdns(Option<mdns::Repr<'a>>),
    /// SSDP.
    Ssdp(Option<ssdp::Repr<'a>>),
    /// Anything else (not a control-plane protocol the sensor reads).
    Other,
}

impl Payload<'_> {
    /// The protocol, or `None` for [`Payload::Other`].
    pub fn proto(&self) -> Option<Proto> {
        Some(match self {
            Payload::Lldp(_) => Proto::Lldp,
            Payload::Cdp(_) => Proto::Cdp,
            Payload::Edp(_) => Proto::Edp,
            Payload::Fdp(_) => Proto::Fdp,
            Payload::Dhcp(_) => Proto::Dhcp,
            Payload::Dhcpv6(_) => Proto::Dhcpv6,
            Payload::Arp(_) => Proto::Arp,
            Payload::Eapol(_) => Proto::Eapol,
            Payload::Stp(_) => Proto::Stp,
            Payload::Mdns(_) => Proto::Mdns,
            Payload::Ssdp(_) => Proto::Ssdp,
            Payload::Other => return None,
        })
    }
}

/// IP-layer facts about a frame carried over UDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpMeta {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit: a cheap OS fingerprint.
    pub ttl: u8,
    /// UDP source port.
    pub src_port: u16,
    /// UDP destination port.
    pub dst_port: u16,
}

/// A decoded frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame<'a> {
    /// Link-layer source, when the link type has one.
    pub src_mac: Option<MacAddr>,
    /// Link-layer destination, when the link type has one.
    pub dst_mac: Option<MacAddr>,
    /// VLAN IDs, outer first.
    pub vlans: Vlans,
    /// IP/UDP facts for DHCP, DHCPv6, mDNS and SSDP.
    pub ip: Option<IpMeta>,
    /// The decoded message.
    pub payload: Payload<'a>,
    /// What was wrong with the frame, in the order met.
    pub anomalies: Anomalies,
}

impl Frame<'_> {
    fn empty() -> Self {
        Frame {
            src_mac: None,
            dst_mac: None,
            vlans: Vlans::default(),
            ip: None,
            payload: Payload::Other,
            anomalies: Vec::new(),
        }
    }
}

/// Organisation codes and protocol ids of SNAP-encapsulated protocols.
mod snap {
    pub const CISCO: [u8; 3] = [0x00, 0x00, 0x0c];
    pub const EXTREME: [u8; 3] = [0x00, 0xe0, 0x2b];
    pub const FOUNDRY: [u8; 3] = [0x00, 0xe0, 0x52];
    pub const ENCAPSULATED_ETHERNET: [u8; 3] = [0x00, 0x00, 0x00];
    pub const PID_CDP: u16 = 0x2000;
    pub const PID_PVST: u16 = 0x010b;
    pub const PID_EDP: u16 = 0x00bb;
    pub const PID_FDP: u16 = 0x2000;
}

/// UDP ports of DHCPv4 (server, client) and DHCPv6 (client, server).
const DHCP_PORTS: [u16; 2] = [67, 68];
const DHCPV6_PORTS: [u16; 2] = [546, 547];

/// The protocol a UDP port pair carries, DHCP first (as tshark's port table decides).
#[derive(Clone, Copy, PartialEq, Eq)]
enum UdpProto {
    Dhcp,
    Dhcpv6,
    Mdns,
    Ssdp,
}

fn udp_proto(sp: u16, dp: u16) -> Option<UdpProto> {
    let either = |ports: &[u16]| ports.contains(&sp) || ports.contains(&dp);
    if either(&DHCP_PORTS) {
        Some(UdpProto::Dhcp)
    } else if either(&DHCPV6_PORTS) {
        Some(UdpProto::Dhcpv6)
    } else if either(&[mdns::PORT]) {
        Some(UdpProto::Mdns)
    } else if either(&[ssdp::PORT]) {
        Some(UdpProto::Ssdp)
    } else {
        None
    }
}

/// Decodes one frame of the given link type.
pub fn decode(link: LinkType, data: &[u8]) -> Frame<'_> {
    let mut f = Frame::empty();
    match link {
        LinkType::Ethernet => decode_ethernet(data, &mut f),
        LinkType::LinuxSll | LinkType::LinuxSll2 => {
            let parsed = if link == LinkType::LinuxSll {
                Cooked::parse_v1(data)
            } else {
                Cooked::parse_v2(data)
            };
            match parsed {
                Ok(c) => {
                    f.src_mac = c.src;
                    let rest = &data[c.header_len..];
                    match c.protocol {
                        sll_protocol::LLC => decode_llc(rest, &mut f),
                        sll_protocol::NOVELL_802_3 => {}
                        t => decode_ethertype(t, rest, &mut f),
                    }
                }
                Err(e) => f.anomalies.push(e),
            }
        }
        LinkType::CiscoHdlc => match CiscoHdlc::parse(data) {
            Ok(h) if h.protocol == CiscoHdlc::PROTO_CDP => {
                f.payload =
                    Payload::Cdp(run(cdp::decode, &data[CiscoHdlc::LEN..], &mut f.anomalies));
            }
            Ok(h) => decode_ethertype(h.protocol, &data[CiscoHdlc::LEN..], &mut f),
            Err(e) => f.anomalies.push(e),
        },
    }
    f
}

fn decode_ethernet<'a>(data: &'a [u8], f: &mut Frame<'a>) {
    let eth = match ethernet::Frame::new_checked(data) {
        Ok(e) => e,
        Err(e) => {
            f.anomalies.push(e);
            return;
        }
    };
    f.dst_mac = Some(eth.dst_addr());
    f.src_mac = Some(eth.src_addr());
    let mut t = eth.ethertype();
    let mut off = ethernet::HEADER_LEN;
    while ethertype::is_vlan(t) {
        if data.len() < off + 4 {
            f.anomalies
                .push(Error::len("vlan", off, 4, data.len().saturating_sub(off)));
            return;
        }
        let tag = VlanTag::from_tci(u16::from_be_bytes([data[off], data[off + 1]]));
        if !f.vlans.push(tag.vid) {
            f.anomalies
                .push(Error::content("vlan", off, "more than 4 VLAN tags"));
            return;
        }
        t = u16::from_be_bytes([data[off + 2], data[off + 3]]);
        off += 4;
    }
    let rest = &data[off..];
    if t <= 1500 {
        // IEEE 802.3: a length, then LLC. Padding past the length is dropped.
        let len = t as usize;
        let body = if rest.len() < len {
            f.anomalies
                .push(Error::len("ethernet.802_3", off, len, rest.len()));
            rest
        } else {
            &rest[..len]
        };
        decode_llc(body, f);
    } else if t < 0x0600 {
        f.anomalies.push(Error::content(
            "ethernet",
            off - 2,
            "invalid EtherType/length",
        ));
    } else {
        decode_ethertype(t, rest, f);
    }
}

fn decode_llc<'a>(body: &'a [u8], f: &mut Frame<'a>) {
    let llc = match Llc::parse(body) {
        Ok(l) => l,
        Err(e) => {
            f.anomalies.push(e);
            return;
        }
    };
    let rest = &body[llc.header_len..];
    match llc.snap {
        None if llc.dsap == Llc::SAP_STP => {
            f.payload = Payload::Stp(run(stp::decode, rest, &mut f.anomalies));
        }
        None => {}
        Some((oui, pid)) => match (oui, pid) {
            (snap::CISCO, snap::PID_CDP) => {
                f.payload = Payload::Cdp(run(cdp::decode, rest, &mut f.anomalies));
            }
            (snap::CISCO, snap::PID_PVST) => {
                f.payload = Payload::Stp(run(stp::decode, rest, &mut f.anomalies));
            }
            (snap::EXTREME, snap::PID_EDP) => {
                f.payload = Payload::Edp(run(edp::decode, rest, &mut f.anomalies));
            }
            (snap::FOUNDRY, snap::PID_FDP) => {
                f.payload = Payload::Fdp(run(fdp::decode, rest, &mut f.anomalies));
            }
            (snap::ENCAPSULATED_ETHERNET, t) => decode_ethertype(t, rest, f),
            _ => {}
        },
    }
}

fn decode_ethertype<'a>(t: u16, rest: &'a [u8], f: &mut Frame<'a>) {
    match t {
        ethertype::LLDP => f.payload = Payload::Lldp(run(lldp::decode, rest, &mut f.anomalies)),
        ethertype::ARP => f.payload = Payload::Arp(run(arp::decode, rest, &mut f.anomalies)),
        ethertype::EAPOL => f.payload = Payload::Eapol(run(eapol::decode, rest, &mut f.anomalies)),
        ethertype::IPV4 | ethertype::IPV6 => decode_ip(rest, f),
        _ => {}
    }
}

fn decode_ip<'a>(data: &'a [u8], f: &mut Frame<'a>) {
    let Ok((ip, _ext_err)) = LaxIpSlice::from_slice(data) else {
        // Not a well-formed IP header: not a frame the sensor reads, and not worth an anomaly
        // on a SPAN port full of other traffic.
        return;
    };
    let (src, dst, ttl, payload) = match &ip {
        LaxIpSlice::Ipv4(v4) => {
            let h = v4.header();
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                h.ttl(),
                v4.payload(),
            )
        }
        LaxIpSlice::Ipv6(v6) => {
            let h = v6.header();
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                h.hop_limit(),
                v6.payload(),
            )
        }
    };
    // A first fragment (offset 0) still carries the UDP header and the start of the message;
    // later fragments do not, and are not reassembled.
    let first_fragment = match &ip {
        LaxIpSlice::Ipv4(v4) => v4.header().fragments_offset().value() == 0,
        LaxIpSlice::Ipv6(_) => false,
    };
    if payload.ip_number != IpNumber::UDP || (payload.fragmented && !first_fragment) {
        return;
    }
    let Ok(udp) = UdpSlice::from_slice_lax(payload.payload) else {
        return;
    };
    let (sp, dp) = (udp.source_port(), udp.destination_port());
    let is_v4 = matches!(ip, LaxIpSlice::Ipv4(_));
    // Ports decide, as in tcpdump and tshark; the unusual IP version is an anomaly.
    let Some(proto) = udp_proto(sp, dp) else {
        return;
    };
    f.ip = Some(IpMeta {
        src,
        dst,
        ttl,
        src_port: sp,
        dst_port: dp,
    });
    if payload.fragmented {
        f.anomalies.push(Error::content(
            "ip",
            0,
            "first fragment only, not reassembled",
        ));
    } else if payload.incomplete {
        f.anomalies
            .push(Error::content("ip", 0, "packet cut short by the capture"));
    }
    let body = udp.payload();
    let an = &mut f.anomalies;
    f.payload = match proto {
        UdpProto::Dhcp => {
            if !is_v4 {
                an.push(Error::content("ip", 0, "DHCPv4 carried over IPv6"));
            }
            Payload::Dhcp(run(dhcpv4::decode, body, an))
        }
        UdpProto::Dhcpv6 => {
            if is_v4 {
                an.push(Error::content("ip", 0, "DHCPv6 carried over IPv4"));
            }
            Payload::Dhcpv6(run(dhcpv6::decode, body, an))
        }
        UdpProto::Mdns => Payload::Mdns(run(mdns::decode, body, an)),
        UdpProto::Ssdp => Payload::Ssdp(run(ssdp::decode, body, an)),
    };
}

/// Runs a protocol decoder, turning a fatal error into an anomaly.
fn run<'a, R>(
    parse: fn(&'a [u8], &mut Anomalies) -> super::Result<R>,
    buf: &'a [u8],
    anomalies: &mut Anomalies,
) -> Option<R> {
    match parse(buf, anomalies) {
        Ok(r) => Some(r),
        Err(e) => {
            anomalies.push(e);
            None
        }
    }
}
