//! Ethernet II / IEEE 802.3 header, 802.1Q/802.1ad VLAN tags and 802.2 LLC/SNAP.

use super::bytes::be_u16;
use super::{Error, MacAddr, Result};

/// EtherType values the sensor dispatches on.
pub mod ethertype {
    /// IPv4.
    pub const IPV4: u16 = 0x0800;
    /// ARP.
    pub const ARP: u16 = 0x0806;
    /// IEEE 802.1Q customer VLAN tag.
    pub const VLAN: u16 = 0x8100;
    /// IEEE 802.1ad service VLAN tag (QinQ outer tag).
    pub const QINQ: u16 = 0x88a8;
    /// Pre-standard QinQ tags some switches still send.
    pub const QINQ_OLD: u16 = 0x9100;
    /// Pre-standard QinQ tag, second variant.
    pub const QINQ_OLD2: u16 = 0x9200;
    /// IPv6.
    pub const IPV6: u16 = 0x86dd;
    /// IEEE 802.1X EAPOL.
    pub const EAPOL: u16 = 0x888e;
    /// IEEE 802.1AB LLDP.
    pub const LLDP: u16 = 0x88cc;

    /// Whether `t` introduces a VLAN tag.
    pub fn is_vlan(t: u16) -> bool {
        matches!(t, VLAN | QINQ | QINQ_OLD | QINQ_OLD2)
    }
}

mod field {
    use core::ops::{Range, RangeFrom};
    pub const DST: Range<usize> = 0..6;
    pub const SRC: Range<usize> = 6..12;
    pub const ETHERTYPE: Range<usize> = 12..14;
    pub const PAYLOAD: RangeFrom<usize> = 14..;
}

/// Length of the Ethernet header without tags.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// A read/write view of an Ethernet header and what follows it.
#[derive(Debug, Clone)]
pub struct Frame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Frame<T> {
    /// Wraps a buffer after checking it holds the 14-byte header; no accessor panics afterwards.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::len("ethernet", 0, HEADER_LEN, len));
        }
        Ok(Frame { buffer })
    }

    /// Destination address.
    pub fn dst_addr(&self) -> MacAddr {
        MacAddr::from_bytes(&self.buffer.as_ref()[field::DST]).unwrap_or_default()
    }

    /// Source address.
    pub fn src_addr(&self) -> MacAddr {
        MacAddr::from_bytes(&self.buffer.as_ref()[field::SRC]).unwrap_or_default()
    }

    /// EtherType (Ethernet II, > 1500) or length (IEEE 802.3, ≤ 1500).
    pub fn ethertype(&self) -> u16 {
        be_u16(self.buffer.as_ref(), field::ETHERTYPE.start).unwrap_or(0)
    }

    /// Everything after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Frame<T> {
    /// Writes the header fields.
    pub fn set_header(&mut self, dst: MacAddr, src: MacAddr, ethertype: u16) {
        let b = self.buffer.as_mut();
        b[field::DST].copy_from_slice(&dst.0);
        b[field::SRC].copy_from_slice(&src.0);
        b[field::ETHERTYPE].copy_from_slice(&ethertype.to_be_bytes());
    }
}

/// One 802.1Q tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VlanTag {
    /// Priority code point.
    pub pcp: u8,
    /// Drop-eligible indicator.
    pub dei: bool,
    /// VLAN identifier (0 = priority tag only).
    pub vid: u16,
}

impl VlanTag {
    /// Decodes a tag control information word.
    pub fn from_tci(tci: u16) -> Self {
        VlanTag {
            pcp: (tci >> 13) as u8,
            dei: tci & 0x1000 != 0,
            vid: tci & 0x0fff,
        }
    }

    /// The tag control information word.
    pub fn tci(&self) -> u16 {
        ((self.pcp as u16 & 7) << 13) | ((self.dei as u16) << 12) | (self.vid & 0x0fff)
    }
}

/// Most VLAN tags kept per frame; more is an anomaly (a loop of tags is not a real frame).
pub const MAX_VLANS: usize = 4;

/// The VLAN IDs of a frame, outer first, without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Vlans {
    ids: [u16; MAX_VLANS],
    len: u8,
}

impl Vlans {
    /// Adds a VLAN ID; returns false when full.
    pub fn push(&mut self, vid: u16) -> bool {
        if (self.len as usize) < MAX_VLANS {
            self.ids[self.len as usize] = vid;
            self.len += 1;
            true
        } else {
            false
        }
    }

    /// The IDs, outer first.
    pub fn as_slice(&self) -> &[u16] {
        &self.ids[..self.len as usize]
    }
}

impl serde::Serialize for Vlans {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

/// An IEEE 802.2 LLC header, with its SNAP extension when DSAP = SSAP = 0xAA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Llc {
    /// Destination service access point.
    pub dsap: u8,
    /// Source service access point.
    pub ssap: u8,
    /// Control field (first byte; U-format frames have only this one).
    pub control: u8,
    /// SNAP organisation code and protocol id, when present.
    pub snap: Option<([u8; 3], u16)>,
    /// Length of the LLC (+SNAP) header.
    pub header_len: usize,
}

impl Llc {
    /// SAP of the IEEE 802.1D spanning tree protocol.
    pub const SAP_STP: u8 = 0x42;
    /// SAP announcing a SNAP header.
    pub const SAP_SNAP: u8 = 0xaa;

    /// Parses an LLC header at the start of an 802.3 payload.
    pub fn parse(buf: &[u8]) -> Result<Llc> {
        if buf.len() < 3 {
            return Err(Error::len("llc", 0, 3, buf.len()));
        }
        let (dsap, ssap, control) = (buf[0], buf[1], buf[2]);
        // I- and S-format frames carry a two-byte control field.
        let mut header_len = if control & 3 == 3 { 3 } else { 4 };
        if buf.len() < header_len {
            return Err(Error::len("llc", 0, header_len, buf.len()));
        }
        let mut snap = None;
        if dsap == Self::SAP_SNAP && ssap == Self::SAP_SNAP && header_len == 3 {
            if buf.len() < 8 {
                return Err(Error::len("llc.snap", 3, 5, buf.len() - 3));
            }
            snap = Some((
                [buf[3], buf[4], buf[5]],
                u16::from_be_bytes([buf[6], buf[7]]),
            ));
            header_len = 8;
        }
        Ok(Llc {
            dsap,
            ssap,
            control,
            snap,
            header_len,
        })
    }

    /// Writes an LLC U-frame header (and SNAP when set) into `buf`; returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> usize {
        buf[0] = self.dsap;
        buf[1] = self.ssap;
        buf[2] = self.control;
        if let Some((oui, pid)) = self.snap {
            buf[3..6].copy_from_slice(&oui);
            buf[6..8].copy_from_slice(&pid.to_be_bytes());
            8
        } else {
            3
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Start of tcpdump/802.1ad_QinQ.pcap frame 1: 802.1ad outer tag, 802.1Q inner tag, ARP.
    const QINQ: [u8; 22] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, 0x88, 0xa8, 0x00,
        0xc8, 0x81, 0x00, 0x07, 0xd1, 0x08, 0x06,
    ];

    #[test]
    fn deconstruct() {
        let f = Frame::new_checked(&QINQ[..]).unwrap();
        assert_eq!(f.dst_addr(), MacAddr::BROADCAST);
        assert_eq!(f.src_addr().to_string(), "00:20:d2:5a:fb:3f");
        assert_eq!(f.ethertype(), ethertype::QINQ);
        assert_eq!(VlanTag::from_tci(0x00c8).vid, 200);
        assert_eq!(VlanTag::from_tci(0x07d1).vid, 2001);
        assert!(Frame::new_checked(&QINQ[..13]).is_err());
    }

    #[test]
    fn construct() {
        let mut buf = [0u8; 14];
        let mut f = Frame::new_checked(&mut buf[..]).unwrap();
        f.set_header(
            MacAddr::BROADCAST,
            MacAddr([0, 0x20, 0xd2, 0x5a, 0xfb, 0x3f]),
            ethertype::QINQ,
        );
        assert_eq!(&buf[..], &QINQ[..14]);
    }

    #[test]
    fn llc_snap_parse_and_emit() {
        // CDP: AA AA 03 00 00 0C 20 00
        let b = [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00, 0x02];
        let l = Llc::parse(&b).unwrap();
        assert_eq!(l.snap, Some(([0, 0, 0x0c], 0x2000)));
        assert_eq!(l.header_len, 8);
        let mut out = [0u8; 8];
        assert_eq!(l.emit(&mut out), 8);
        assert_eq!(out, b[..8]);
        // STP: 42 42 03
        let s = Llc::parse(&[0x42, 0x42, 0x03, 0, 0]).unwrap();
        assert_eq!((s.dsap, s.snap, s.header_len), (Llc::SAP_STP, None, 3));
        assert!(Llc::parse(&[0xaa, 0xaa, 0x03, 0]).is_err());
    }

    #[test]
    fn vlan_tci_round_trip() {
        let t = VlanTag {
            pcp: 5,
            dei: true,
            vid: 4094,
        };
        assert_eq!(VlanTag::from_tci(t.tci()), t);
        let mut v = Vlans::default();
        for i in 0..MAX_VLANS as u16 {
            assert!(v.push(i));
        }
        assert!(!v.push(9));
        assert_eq!(v.as_slice().len(), MAX_VLANS);
    }
}
