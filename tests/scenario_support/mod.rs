//! Helpers of the site scenario: real corpus frames rewritten to new MACs, times and texts
//! (source MAC, DHCP chaddr and client identifier, CDP device IDs, LLDP TLVs re-encoded with
//! valid lengths, CDP checksums recomputed), a pcap writer for a time-sorted frame list, and
//! port tables as `cybriq poll --json` writes them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use cybriq::capture::{PcapWriter, read_all, write::linktype};
use cybriq::clock::Timestamp;
use cybriq::snmp::{MacEntry, Port, PortTable, SwitchInfo};
use cybriq::wire::{LinkType, MacAddr};

/// `tests/data/`.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Record `n` (1-based) of a corpus capture (Ethernet link type).
pub fn corpus_frame(rel: &str, n: usize) -> Vec<u8> {
    let (link, recs, _) = read_all(&data_dir().join(rel)).expect("corpus capture");
    assert_eq!(link, LinkType::Ethernet, "{rel}");
    recs.into_iter()
        .nth(n - 1)
        .unwrap_or_else(|| panic!("{rel} has no record {n}"))
        .1
}

/// The frame's source MAC.
pub fn src_mac(f: &[u8]) -> MacAddr {
    MacAddr(f[6..12].try_into().unwrap())
}

/// Replaces every occurrence of `from` by `to` (same length) in `buf[start..]`; how many.
fn replace_all(buf: &mut [u8], start: usize, from: &[u8], to: &[u8]) -> usize {
    assert_eq!(from.len(), to.len(), "same-length rewrite only");
    let mut n = 0;
    let mut i = start;
    while i + from.len() <= buf.len() {
        if &buf[i..i + from.len()] == from {
            buf[i..i + from.len()].copy_from_slice(to);
            n += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    n
}

fn hex_upper(m: MacAddr) -> String {
    m.0.iter().map(|b| format!("{b:02X}")).collect()
}

/// A DHCP client frame (untagged IPv4/UDP 68→67) rewritten to `mac`: source MAC, chaddr, and a
/// client identifier of type 1 (Ethernet); the UDP checksum is cleared (optional over IPv4).
pub fn dhcp_as(frame: &[u8], mac: MacAddr) -> Vec<u8> {
    let mut d = frame.to_vec();
    assert_eq!(&d[12..14], &[0x08, 0x00], "IPv4");
    let ihl = usize::from(d[14] & 0x0f) * 4;
    let udp = 14 + ihl;
    assert_eq!(d[udp + 1], 68, "from a DHCP client");
    let old = src_mac(&d);
    d[6..12].copy_from_slice(&mac.0);
    d[udp + 6] = 0;
    d[udp + 7] = 0;
    let bootp = udp + 8;
    d[bootp + 28..bootp + 34].copy_from_slice(&mac.0);
    // Options after the magic cookie.
    let mut i = bootp + 240;
    while i < d.len() {
        let code = d[i];
        if code == 255 {
            break;
        }
        if code == 0 {
            i += 1;
            continue;
        }
        let len = usize::from(d[i + 1]);
        if code == 61 && len == 7 && d[i + 2] == 1 && d[i + 3..i + 9] == old.0 {
            d[i + 3..i + 9].copy_from_slice(&mac.0);
        }
        i += 2 + len;
    }
    d
}

/// A CDP frame (802.3 + SNAP) rewritten to `mac` (source MAC, and a device ID that spells the
/// old MAC), with same-length text edits, and its checksum recomputed.
pub fn cdp_as(frame: &[u8], mac: MacAddr, edits: &[(&str, &str)]) -> Vec<u8> {
    let mut d = frame.to_vec();
    let len = usize::from(u16::from_be_bytes([d[12], d[13]]));
    assert!(len < 1536 && d[14..17] == [0xaa, 0xaa, 0x03], "802.3 SNAP");
    let old = src_mac(&d);
    d[6..12].copy_from_slice(&mac.0);
    let end = 14 + len;
    let cdp = &mut d[22..end];
    replace_all(cdp, 4, hex_upper(old).as_bytes(), hex_upper(mac).as_bytes());
    for (from, to) in edits {
        let n = replace_all(cdp, 4, from.as_bytes(), to.as_bytes());
        assert!(n > 0, "{from:?} not in the CDP frame");
    }
    let mut p = cybriq::wire::cdp::Packet::new_checked(cdp).expect("CDP");
    p.fill_checksum();
    assert!(p.verify_checksum());
    d
}

/// One LLDP TLV: type and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    pub ty: u8,
    pub value: Vec<u8>,
}

impl Tlv {
    pub fn new(ty: u8, value: impl Into<Vec<u8>>) -> Tlv {
        Tlv {
            ty,
            value: value.into(),
        }
    }

    /// An organizationally specific TLV (type 127).
    pub fn org(oui: [u8; 3], subtype: u8, value: &[u8]) -> Tlv {
        let mut v = oui.to_vec();
        v.push(subtype);
        v.extend_from_slice(value);
        Tlv::new(127, v)
    }

    /// OUI and subtype of an organizationally specific TLV.
    pub fn org_id(&self) -> Option<([u8; 3], u8)> {
        (self.ty == 127 && self.value.len() >= 4)
            .then(|| ([self.value[0], self.value[1], self.value[2]], self.value[3]))
    }
}

/// The TLVs of an untagged LLDP frame (End TLV left out).
pub fn lldp_tlvs(frame: &[u8]) -> Vec<Tlv> {
    assert_eq!(&frame[12..14], &[0x88, 0xcc], "untagged LLDP");
    let mut out = Vec::new();
    let mut i = 14;
    while i + 2 <= frame.len() {
        let h = u16::from_be_bytes([frame[i], frame[i + 1]]);
        let (ty, len) = ((h >> 9) as u8, usize::from(h & 0x1ff));
        if ty == 0 {
            break;
        }
        out.push(Tlv::new(ty, &frame[i + 2..i + 2 + len]));
        i += 2 + len;
    }
    out
}

/// An LLDP frame from `dst`, `src` and TLVs (each length re-encoded; End TLV appended).
pub fn lldp_frame(dst: [u8; 6], src: MacAddr, tlvs: &[Tlv]) -> Vec<u8> {
    let mut d = dst.to_vec();
    d.extend_from_slice(&src.0);
    d.extend_from_slice(&[0x88, 0xcc]);
    for t in tlvs {
        assert!(t.value.len() < 512);
        let h = (u16::from(t.ty) << 9) | t.value.len() as u16;
        d.extend_from_slice(&h.to_be_bytes());
        d.extend_from_slice(&t.value);
    }
    d.extend_from_slice(&[0, 0]);
    while d.len() < 60 {
        d.push(0);
    }
    d
}

/// A pcap of `frames` (sorted by time here).
pub fn write_capture(path: &Path, frames: &mut [(Timestamp, Vec<u8>)]) {
    frames.sort_by_key(|(t, _)| *t);
    let out = std::io::BufWriter::new(std::fs::File::create(path).expect("create pcap"));
    let mut w = PcapWriter::new(out, linktype::ETHERNET, 65535).expect("pcap header");
    for (t, f) in frames.iter() {
        w.write(*t, f).expect("write frame");
    }
    w.finish().expect("flush");
}

/// A port table of one switch polled at `at`: (port name, link up, FDB MACs).
pub fn poll(sw: &str, at: Timestamp, ports: &[(String, bool, Vec<MacAddr>)]) -> PortTable {
    PortTable {
        switch: SwitchInfo {
            name: sw.into(),
            ..SwitchInfo::default()
        },
        polled_at: Some(at),
        ports: ports
            .iter()
            .enumerate()
            .map(|(i, (name, up, macs))| Port {
                if_index: i as u32 + 1,
                name: name.clone(),
                oper_status: Some(if *up { "up" } else { "down" }.into()),
                speed_mbps: up.then_some(1000),
                macs: macs
                    .iter()
                    .map(|m| MacEntry {
                        mac: m.to_string(),
                        vlan: Some(10),
                    })
                    .collect(),
                ..Port::default()
            })
            .collect(),
        ..PortTable::default()
    }
}

/// The Hikvision camera of the site scenario and the demo: the Ubuntu host's LLDP frame of
/// `tcpdump/lldp_mudurl.pcap` with the camera's MAC, names, station
/// capability and LLDP-MED inventory; the RFC 8520 MUD URL TLV left out.
pub fn hikvision_frame(m: MacAddr) -> Vec<u8> {
    let f = corpus_frame("tcpdump/lldp_mudurl.pcap", 1);
    let dst: [u8; 6] = f[0..6].try_into().unwrap();
    let mut out = Vec::new();
    for t in lldp_tlvs(&f) {
        match t.ty {
            // Chassis ID / port ID by MAC (subtype 4 / 3).
            1 | 2 if t.value.len() == 7 => {
                let mut v = vec![t.value[0]];
                v.extend_from_slice(&m.0);
                out.push(Tlv::new(t.ty, v));
            }
            5 => out.push(Tlv::new(5, "DS-2CD2T47G2-L")),
            6 => out.push(Tlv::new(6, "Hikvision DS-2CD2T47G2-L V5.7.3 build 220112")),
            // System capabilities: station only, enabled.
            7 => out.push(Tlv::new(7, [0x00, 0x80, 0x00, 0x80])),
            127 if t.org_id() == Some(([0x00, 0x00, 0x5e], 1)) => {}
            _ => out.push(t),
        }
    }
    const MED: [u8; 3] = [0x00, 0x12, 0xbb];
    out.push(Tlv::org(MED, 6, b"V5.7.3"));
    out.push(Tlv::org(MED, 9, b"Hikvision"));
    out.push(Tlv::org(MED, 10, b"DS-2CD2T47G2-L"));
    lldp_frame(dst, m, &out)
}

/// One device speaking on one port (the site scenario's and the demo's story).
pub struct Speaker {
    pub port: usize,
    pub mac: MacAddr,
    /// The frame it sends (already rewritten to `mac`).
    pub frame: Vec<u8>,
    pub period: i64,
    pub offset: i64,
    /// When it speaks: [from, to).
    pub talk: Vec<(i64, i64)>,
    /// Extra single frames (a DHCP request on reconnect).
    pub once: Vec<i64>,
    /// When its link is up and its MAC in the forwarding table: [from, to).
    pub plugged: Vec<(i64, i64)>,
}

impl Speaker {
    /// When it sends its frame, in order.
    pub fn times(&self) -> Vec<i64> {
        let mut v = self.once.clone();
        for &(a, b) in &self.talk {
            let mut t = a + self.offset;
            while t < b {
                v.push(t);
                t += self.period;
            }
        }
        v.sort_unstable();
        v
    }

    /// Whether its link is up at `t`.
    pub fn plugged_at(&self, t: i64) -> bool {
        self.plugged.iter().any(|&(a, b)| a <= t && t < b)
    }
}
