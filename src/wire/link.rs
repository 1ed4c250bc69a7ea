//! Link-layer encapsulations other than Ethernet: Linux cooked capture v1/v2 and Cisco HDLC.
//!
//! These are what libpcap writes for captures on Linux's "any" device and on serial links.
//! They carry no destination MAC; the source address is kept when it is six bytes long.

use super::bytes::{be_u16, be_u32};
use super::{Error, MacAddr, Result};

/// A link type this crate decodes, from the capture file's DLT/LINKTYPE number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkType {
    /// LINKTYPE_ETHERNET (1).
    Ethernet,
    /// LINKTYPE_LINUX_SLL (113).
    LinuxSll,
    /// LINKTYPE_LINUX_SLL2 (276).
    LinuxSll2,
    /// LINKTYPE_C_HDLC (104).
    CiscoHdlc,
}

impl LinkType {
    /// The link type for a LINKTYPE number, if it is one this crate decodes.
    pub fn from_linktype(n: i32) -> Option<LinkType> {
        match n {
            1 => Some(LinkType::Ethernet),
            113 => Some(LinkType::LinuxSll),
            276 => Some(LinkType::LinuxSll2),
            104 => Some(LinkType::CiscoHdlc),
            _ => None,
        }
    }
}

/// The protocol field of a cooked header: an EtherType, or one of these pseudo-types.
pub mod sll_protocol {
    /// Novell 802.3 frames without an 802.2 header.
    pub const NOVELL_802_3: u16 = 0x0001;
    /// Frames with an 802.2 LLC header.
    pub const LLC: u16 = 0x0004;
}

/// A decoded Linux cooked header (v1 or v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cooked {
    /// Packet type: 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us.
    pub packet_type: u16,
    /// ARPHRD_ type of the interface.
    pub hatype: u16,
    /// The link-layer source address when it is a six-byte MAC.
    pub src: Option<MacAddr>,
    /// EtherType or pseudo-type ([`sll_protocol`]).
    pub protocol: u16,
    /// Interface index (v2 only).
    pub ifindex: Option<u32>,
    /// Header length: 16 (v1) or 20 (v2).
    pub header_len: usize,
}

impl Cooked {
    /// Parses a LINUX_SLL (v1) header.
    pub fn parse_v1(b: &[u8]) -> Result<Cooked> {
        if b.len() < 16 {
            return Err(Error::len("sll", 0, 16, b.len()));
        }
        let halen = be_u16(b, 4).unwrap_or(0) as usize;
        Ok(Cooked {
            packet_type: be_u16(b, 0).unwrap_or(0),
            hatype: be_u16(b, 2).unwrap_or(0),
            src: (halen == 6)
                .then(|| MacAddr::from_bytes(&b[6..12]))
                .flatten(),
            protocol: be_u16(b, 14).unwrap_or(0),
            ifindex: None,
            header_len: 16,
        })
    }

    /// Parses a LINUX_SLL2 header.
    pub fn parse_v2(b: &[u8]) -> Result<Cooked> {
        if b.len() < 20 {
            return Err(Error::len("sll2", 0, 20, b.len()));
        }
        let halen = b[11] as usize;
        Ok(Cooked {
            protocol: be_u16(b, 0).unwrap_or(0),
            ifindex: be_u32(b, 4),
            hatype: be_u16(b, 8).unwrap_or(0),
            packet_type: b[10] as u16,
            src: (halen == 6)
                .then(|| MacAddr::from_bytes(&b[12..18]))
                .flatten(),
            header_len: 20,
        })
    }
}

/// A Cisco HDLC header: address, control, protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CiscoHdlc {
    /// 0x0f unicast, 0x8f broadcast.
    pub address: u8,
    /// Protocol: an EtherType, or 0x2000 for CDP.
    pub protocol: u16,
}

impl CiscoHdlc {
    /// Header length.
    pub const LEN: usize = 4;
    /// Protocol number of CDP on Cisco HDLC.
    pub const PROTO_CDP: u16 = 0x2000;

    /// Parses the header.
    pub fn parse(b: &[u8]) -> Result<CiscoHdlc> {
        if b.len() < Self::LEN {
            return Err(Error::len("chdlc", 0, Self::LEN, b.len()));
        }
        Ok(CiscoHdlc {
            address: b[0],
            protocol: be_u16(b, 2).unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cooked_v1_and_v2() {
        // zeek/linuxsll-arp.pcap frame 1 header: broadcast, ARPHRD_ETHER, halen 6, ARP.
        let v1 = [
            0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x00, 0x0c, 0x42, 0x3d, 0xe3, 0xc4, 0x00, 0x00,
            0x08, 0x06,
        ];
        let c = Cooked::parse_v1(&v1).unwrap();
        assert_eq!(c.protocol, 0x0806);
        assert_eq!(c.src.unwrap().to_string(), "00:0c:42:3d:e3:c4");
        assert!(Cooked::parse_v1(&v1[..15]).is_err());

        let v2 = [
            0x08, 0x06, 0, 0, 0, 0, 0, 3, 0x00, 0x01, 0x01, 0x06, 1, 2, 3, 4, 5, 6, 0, 0,
        ];
        let c = Cooked::parse_v2(&v2).unwrap();
        assert_eq!((c.protocol, c.ifindex, c.packet_type), (0x0806, Some(3), 1));
        assert_eq!(c.src, Some(MacAddr([1, 2, 3, 4, 5, 6])));
        assert_eq!(LinkType::from_linktype(276), Some(LinkType::LinuxSll2));
        assert_eq!(LinkType::from_linktype(9), None);
    }

    #[test]
    fn chdlc() {
        let h = CiscoHdlc::parse(&[0x8f, 0x00, 0x20, 0x00]).unwrap();
        assert_eq!(h.protocol, CiscoHdlc::PROTO_CDP);
        assert!(CiscoHdlc::parse(&[0x8f]).is_err());
    }
}
