//! The kernel BPF filter of the live capture: only the control-plane frames the sensor reads.
//!
//! A SPAN port of a busy access switch carries gigabits of user traffic the sensor has no use
//! for. [`control_plane_filter`] builds a libpcap expression that keeps LLDP, CDP/VTP/DTP/PAgP/
//! UDLD, EDP, FDP, STP (and PVST+), EAPOL, ARP, DHCPv4, DHCPv6 and optionally mDNS/SSDP, also
//! inside one or two 802.1Q/802.1ad tags, so the kernel drops everything else before it is
//! copied to user space.
//!
//! The MAC-addressed protocols (CDP/VTP/DTP/PAgP/UDLD to 01:00:0c:cc:cc:cc, PVST+ to
//! 01:00:0c:cc:cc:cd, EDP to 00:e0:2b:00:00:00, FDP to 01:e0:52:cc:cc:cc, STP to
//! 01:80:c2:00:00:00) are all IEEE 802.3 frames with an 802.2 LLC (SNAP) header, and so is ARP
//! in SNAP (RFC 1042); the filter keeps them with one `llc` test (length field ≤ 1500) rather
//! than a destination-MAC list, which would miss SNAP ARP and cost every user frame five more
//! comparisons. User traffic is Ethernet II and fails that test at once.
//!
//! In classic BPF the `vlan` keyword shifts the offsets of everything after it, for the rest of
//! the expression; the tagged forms are therefore nested: `X or (vlan and (X or (vlan and X)))`.

use crate::wire::LinkType;

/// Destination MACs of the LLC/SNAP control protocols, with what they are; the filter keeps
/// their frames through its `llc` test (every one is an 802.3 LLC frame).
pub const CONTROL_DST_MACS: [(&str, &str); 5] = [
    ("01:00:0c:cc:cc:cc", "Cisco CDP/VTP/DTP/PAgP/UDLD"),
    ("01:00:0c:cc:cc:cd", "Cisco PVST+"),
    ("00:e0:2b:00:00:00", "Extreme EDP"),
    ("01:e0:52:cc:cc:cc", "Foundry FDP"),
    ("01:80:c2:00:00:00", "IEEE 802.1D/w/s STP bridge group"),
];

/// EtherTypes whose frames are always kept: LLDP, EAPOL.
pub const CONTROL_ETHERTYPES: [(u16, &str); 2] = [(0x88cc, "LLDP"), (0x888e, "EAPOL")];

/// UDP ports always kept: DHCPv4 server/client, DHCPv6 client/server.
pub const CONTROL_UDP_PORTS: [u16; 4] = [67, 68, 546, 547];

/// UDP ports kept when mDNS/SSDP is enabled.
pub const DISCOVERY_UDP_PORTS: [u16; 2] = [5353, 1900];

/// The untagged core of the Ethernet expression (no outer parentheses).
fn ethernet_core(mdns_ssdp: bool) -> String {
    let mut terms: Vec<String> = Vec::new();
    for (ty, _) in CONTROL_ETHERTYPES {
        terms.push(format!("ether proto 0x{ty:04x}"));
    }
    terms.push("arp".into());
    // 802.3 + 802.2 LLC/SNAP: every protocol of CONTROL_DST_MACS, and SNAP ARP.
    terms.push("llc".into());
    terms.push(udp_ports(mdns_ssdp));
    terms.join(" or ")
}

fn udp_ports(mdns_ssdp: bool) -> String {
    let mut ports: Vec<u16> = CONTROL_UDP_PORTS.to_vec();
    if mdns_ssdp {
        ports.extend(DISCOVERY_UDP_PORTS);
    }
    let ports: Vec<String> = ports.iter().map(|p| format!("port {p}")).collect();
    format!("(udp and ({}))", ports.join(" or "))
}

/// The BPF expression (libpcap syntax) for an Ethernet capture that keeps only control-plane
/// frames, untagged or inside one or two VLAN tags. `mdns_ssdp` adds mDNS (UDP 5353) and SSDP
/// (UDP 1900).
pub fn control_plane_filter(mdns_ssdp: bool) -> String {
    let x = ethernet_core(mdns_ssdp);
    format!("({x}) or (vlan and (({x}) or (vlan and ({x}))))")
}

/// The expression for a Linux cooked capture (SLL v1 or v2, the `any` device). Those headers
/// carry no destination MAC and libpcap has no `vlan` for them (the kernel strips tags into
/// metadata), so the MAC-addressed protocols are kept as "any 802.2 LLC frame" (protocol field
/// 0x0004): CDP, STP, EDP and FDP are LLC/SNAP frames, and user traffic is not.
pub fn cooked_control_plane_filter(v2: bool, mdns_ssdp: bool) -> String {
    let mut terms: Vec<String> = Vec::new();
    for (ty, _) in CONTROL_ETHERTYPES {
        terms.push(format!("ether proto 0x{ty:04x}"));
    }
    terms.push("arp".into());
    // The protocol field: bytes 14..16 of an SLL header, 0..2 of an SLL2 header.
    terms.push(format!("link[{}:2] = 0x0004", if v2 { 0 } else { 14 }));
    terms.push(udp_ports(mdns_ssdp));
    terms.join(" or ")
}

/// The default filter for a capture of `link` type.
pub fn control_plane_filter_for(link: LinkType, mdns_ssdp: bool) -> String {
    match link {
        LinkType::LinuxSll => cooked_control_plane_filter(false, mdns_ssdp),
        LinkType::LinuxSll2 => cooked_control_plane_filter(true, mdns_ssdp),
        _ => control_plane_filter(mdns_ssdp),
    }
}

/// The libpcap LINKTYPE number of a link type.
pub fn linktype_number(link: LinkType) -> i32 {
    match link {
        LinkType::Ethernet => 1,
        LinkType::LinuxSll => 113,
        LinkType::LinuxSll2 => 276,
        LinkType::CiscoHdlc => 104,
    }
}

/// Compiles `expr` for `link` with libpcap (optimised, as the live capture does), returning the
/// program so callers can run it over frames in user space (`BpfProgram::filter`), or libpcap's
/// message when it does not compile.
pub fn compile(expr: &str, link: LinkType) -> Result<pcap::BpfProgram, String> {
    let dead =
        pcap::Capture::dead(pcap::Linktype(linktype_number(link))).map_err(|e| e.to_string())?;
    dead.compile(expr, true).map_err(|e| e.to_string())
}

/// Whether `expr` compiles for an Ethernet capture; libpcap's message when it does not.
pub fn check(expr: &str) -> Result<(), String> {
    compile(expr, LinkType::Ethernet).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_filters_compile_for_their_link_types() {
        for m in [false, true] {
            check(&control_plane_filter(m)).unwrap();
            for l in [LinkType::LinuxSll, LinkType::LinuxSll2] {
                compile(&control_plane_filter_for(l, m), l).unwrap();
            }
        }
    }

    #[test]
    fn mdns_ssdp_ports_only_when_asked() {
        assert!(!control_plane_filter(false).contains("5353"));
        assert!(!control_plane_filter(false).contains("1900"));
        assert!(control_plane_filter(true).contains("port 5353"));
        assert!(control_plane_filter(true).contains("port 1900"));
    }

    #[test]
    fn vlan_forms_are_nested_so_offsets_shift_once_per_tag() {
        let f = control_plane_filter(false);
        assert_eq!(f.matches("vlan").count(), 2);
        let x = format!("({})", ethernet_core(false));
        assert_eq!(f, format!("{x} or (vlan and ({x} or (vlan and {x})))"));
    }

    #[test]
    fn bad_expression_gives_libpcap_message() {
        let e = check("ether proto 0x88cc or bogus_keyword").unwrap_err();
        assert!(!e.is_empty());
        assert!(check("").is_ok(), "empty expression keeps everything");
    }

    fn eth(dst: [u8; 6], ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut v = dst.to_vec();
        v.extend([0x02, 0, 0, 0, 0, 1]);
        v.extend(ethertype.to_be_bytes());
        v.extend(payload);
        v
    }

    fn tagged(frame: &[u8], tpid: u16, vid: u16) -> Vec<u8> {
        let mut v = frame[..12].to_vec();
        v.extend(tpid.to_be_bytes());
        v.extend(vid.to_be_bytes());
        v.extend(&frame[12..]);
        v
    }

    #[test]
    fn lldp_and_eapol_kept_untagged_single_and_double_tagged() {
        let prog = compile(&control_plane_filter(false), LinkType::Ethernet).unwrap();
        let lldp = eth([1, 0x80, 0xc2, 0, 0, 0x0e], 0x88cc, &[0u8; 46]);
        let eapol = eth([1, 0x80, 0xc2, 0, 0, 3], 0x888e, &[0u8; 46]);
        let ipv4_tcp = {
            let mut p = vec![
                0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
            ];
            p.extend([0x01, 0xbb, 0xc0, 0x00]);
            p.extend([0u8; 16]);
            eth([0, 1, 2, 3, 4, 5], 0x0800, &p)
        };
        for f in [&lldp, &eapol] {
            assert!(prog.filter(f));
            let one = tagged(f, 0x8100, 10);
            assert!(prog.filter(&one));
            assert!(prog.filter(&tagged(&one, 0x88a8, 20)));
        }
        assert!(!prog.filter(&ipv4_tcp));
        assert!(!prog.filter(&tagged(&ipv4_tcp, 0x8100, 10)));
    }

    #[test]
    fn llc_frames_to_every_control_mac_are_kept() {
        let prog = compile(&control_plane_filter(false), LinkType::Ethernet).unwrap();
        for (mac, what) in CONTROL_DST_MACS {
            let m: crate::wire::MacAddr = mac.parse().unwrap();
            // 802.3 length 38, LLC SNAP header, 35 more bytes.
            let mut llc = vec![0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00];
            llc.resize(38, 0);
            let f = eth(m.0, 38, &llc);
            assert!(prog.filter(&f), "{what}");
            assert!(prog.filter(&tagged(&f, 0x8100, 5)), "{what} tagged");
        }
    }

    /// tcpdump as an independent compiler of the same expression (`tcpdump -d`), when installed.
    #[test]
    fn tcpdump_accepts_the_expression() {
        let Ok(out) = std::process::Command::new("tcpdump")
            .args(["-d", "-y", "EN10MB", &control_plane_filter(true)])
            .output()
        else {
            assert!(
                std::env::var_os("CI").is_none(),
                "tcpdump not installed (scripts/setup.sh installs it)"
            );
            eprintln!("tcpdump not installed: oracle skipped");
            return;
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("ret"), "{text}");
        // Same instruction count as our own compilation.
        let ours = compile(&control_plane_filter(true), LinkType::Ethernet).unwrap();
        assert_eq!(
            ours.get_instructions().len(),
            text.lines().count(),
            "{text}"
        );
    }
}
