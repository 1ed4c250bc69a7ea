//! Identity accuracy on the corpus: every device whose vendor, model or kind
//! `tests/data/CORPUS-README.md` names, resolved from all of its observations in the capture.
//! The expectation table below is transcribed by hand from the README's descriptions (not from
//! the resolver's output); the MAC picks the device in the capture. Vendor right for ≥ 90 %,
//! class right for ≥ 80 %; the misses are printed.

mod common;

use std::path::Path;

use cybriq::capture::read_all;
use cybriq::observe::Observation;
use cybriq::refdb::{Identity, RefDb};
use cybriq::wire::frame;
use regex::Regex;

/// (capture, device MAC or "" for a link without MACs, vendor pattern or "", class or "",
/// the README's words).
const EXPECTED: &[(&str, &str, &str, &str, &str)] = &[
    (
        "tcpdump/LLDP_and_CDP.pcap",
        "00:18:ba:98:68:8f",
        "^Cisco$",
        "switch",
        "Cisco Catalyst 3560 S1/S2",
    ),
    (
        "tcpdump/LLDP_and_CDP.pcap",
        "00:19:2f:a7:b2:8d",
        "^Cisco$",
        "switch",
        "Cisco Catalyst 3560 S1/S2",
    ),
    (
        "tcpdump/3560_CDP.pcap",
        "00:19:06:ea:b8:85",
        "^Cisco$",
        "switch",
        "Cisco WS-C3560G-24PS",
    ),
    (
        "tcpdump/dhcp-mud.pcap",
        "b8:27:eb:b8:53:c8",
        "^Raspberry Pi$",
        "iot",
        "Raspberry Pi",
    ),
    (
        "tcpdump/dhcpv6-mud.pcap",
        "00:23:eb:10:2c:29",
        "^Raspberry Pi$",
        "iot",
        "the Raspberry Pi above",
    ),
    (
        "tcpdump/dhcp-option-108.pcapng",
        "42:b4:44:b4:f0:ee",
        "^Apple$",
        "workstation",
        "macOS client MacBookPro",
    ),
    (
        "tcpdump/dhcpv4v6-rfc5970-rfc8572.pcap",
        "00:00:44:01:00:00",
        "^Arista",
        "switch",
        "Arista zero-touch provisioning",
    ),
    (
        "tcpdump/dhcpv6-vendor-specific-information.pcap",
        "00:17:10:00:62:28",
        "",
        "router",
        "cable modem (docsis3.0)",
    ),
    (
        "tcpdump/eapon1.pcap",
        "00:04:23:57:a5:7a",
        "^Intel$",
        "workstation",
        "Intel client; Windows host MSFT 5.0",
    ),
    (
        "tcpdump/eapon1.pcap",
        "00:0c:ce:88:31:9a",
        "^Cisco$",
        "",
        "Cisco authenticator",
    ),
    (
        "tcpdump/dcb_ets.pcap",
        "08:00:27:0d:f1:3c",
        "VirtualBox",
        "",
        "VirtualBox Linux hosts",
    ),
    (
        "tcpdump/dcb_ets.pcap",
        "08:00:27:42:ba:59",
        "VirtualBox",
        "",
        "VirtualBox Linux hosts",
    ),
    (
        "tcpdump/dcb_ets.pcap",
        "08:00:27:46:e8:84",
        "VirtualBox",
        "",
        "VirtualBox Linux hosts",
    ),
    (
        "zeek/lldp.pcap",
        "00:22:2d:81:db:10",
        "^SMC",
        "switch",
        "SMC GS8P-Smart switch",
    ),
    (
        "zeek/cdp-v1.pcap",
        "00:e0:1e:d5:d5:15",
        "^Cisco$",
        "router",
        "Cisco 1601 router",
    ),
    (
        "zeek/linuxsll-arp.pcap",
        "cc:2d:e0:26:19:99",
        "^MikroTik$",
        "",
        "MikroTik sender",
    ),
    (
        "zeek/linuxsll-arp.pcap",
        "00:50:56:8b:3f:0d",
        "^VMware$",
        "",
        "VMware sender",
    ),
    (
        "zeek/linuxsll-arp.pcap",
        "00:50:56:8b:cf:fa",
        "^VMware$",
        "",
        "VMware sender",
    ),
    (
        "zeek/arp-leak.pcap",
        "52:54:00:12:34:57",
        "QEMU",
        "",
        "QEMU MAC",
    ),
    (
        "zeek/dhcp_flood.pcap",
        "90:b1:1c:99:49:29",
        "^Dell$",
        "",
        "Dell host",
    ),
    (
        "zeek/dhcp_flood.pcap",
        "00:0c:29:40:0e:ef",
        "^VMware$",
        "server",
        "VMware server",
    ),
    (
        "zeek/dhcp_time_and_nameserver.pcap",
        "00:90:f5:91:cd:1f",
        "",
        "workstation",
        "Pop!_OS Linux client",
    ),
    (
        "lldpd/sg200.pcap",
        "00:35:35:35:35:35",
        "^Cisco$",
        "switch",
        "Cisco SG200-08P switch",
    ),
    (
        "lldpd/8023bt.pcap",
        "c0:64:e4:a9:9b:82",
        "^Cisco$",
        "switch",
        "Cisco Catalyst 9000",
    ),
    (
        "lldpd/med-loc-malformed.pcap",
        "0a:c0:de:9d:0a:74",
        "",
        "ip-phone",
        "LLDP-MED class III endpoint",
    ),
    (
        "lldpd/connectx.pcap",
        "50:6b:4b:f6:1e:b1",
        "^(Mellanox|NVIDIA)",
        "server",
        "Mellanox ConnectX NIC",
    ),
    (
        "assimilation/lldp.detailed.pcap",
        "00:01:30:f9:ad:a0",
        "^Extreme Networks$",
        "switch",
        "Extreme Summit300-48",
    ),
    (
        "assimilation/lldpmed_civicloc.pcap",
        "00:13:21:57:ca:7f",
        "^HPE?$",
        "switch",
        "HP ProCurve Switch 2600-8-PWR",
    ),
    (
        "assimilation/procurve.lldp.pcap",
        "00:25:61:94:32:4a",
        "^HPE?$",
        "switch",
        "HP ProCurve Switch 2824",
    ),
    (
        "assimilation/cdp.pcap",
        "00:e0:1e:d5:d5:15",
        "^Cisco$",
        "router",
        "Cisco 1601 router",
    ),
    (
        "assimilation/cdp_v2.pcap",
        "00:0b:be:18:9a:41",
        "^Cisco$",
        "switch",
        "Cisco WS-C2950-12",
    ),
    (
        "assimilation/cdp_v2_voice.pcap",
        "00:0b:be:18:9a:41",
        "^Cisco$",
        "switch",
        "same switch",
    ),
    (
        "assimilation/cdp_v2_hdlc.pcap",
        "",
        "^Cisco$",
        "router",
        "Cisco 7206VXR",
    ),
    (
        "assimilation/cdp-BCM1100.pcap",
        "00:60:b9:c1:40:27",
        "^Broadcom$",
        "ip-phone",
        "Broadcom BCM91100 reference IP phone",
    ),
    (
        "assimilation/n0.eth2.cdp.pcap",
        "00:0f:23:b0:62:84",
        "^Cisco$",
        "switch",
        "Cisco WS-C3750G-24TS",
    ),
    (
        "assimilation/n0.eth2.cdp-2.pcap",
        "00:0f:23:b0:62:84",
        "^Cisco$",
        "switch",
        "same switch",
    ),
    (
        "ladvd/cdp/41.good.small.pcap",
        "00:e0:1e:d5:d5:15",
        "^Cisco$",
        "router",
        "CDPv1 R1 (subset of the 1601 router)",
    ),
    (
        "ladvd/cdp/43.good.big.pcap",
        "00:05:74:0a:59:73",
        "^Cisco$",
        "switch",
        "Cisco WS-C6509",
    ),
    (
        "ladvd/cdp/44.good.bcm.pcap",
        "00:60:b9:c1:40:27",
        "^Broadcom$",
        "ip-phone",
        "Broadcom BCM91100 phone",
    ),
    (
        "ladvd/cdp/45.good.6504.pcap",
        "00:30:f2:71:c5:0d",
        "^Cisco$",
        "switch",
        "Cisco WS-C6504-E",
    ),
    (
        "ladvd/cdp/46.good.2811.pcap",
        "00:1a:6d:f5:0d:50",
        "^Cisco$",
        "router",
        "Cisco 2811 router",
    ),
    (
        "ladvd/cdp/47.good.vlan.pcap",
        "00:17:94:3d:f3:02",
        "^Cisco$",
        "switch",
        "Cisco WS-C2970G-24TS-E",
    ),
    (
        "ladvd/cdp/48.good.vlan.pcap",
        "00:1b:53:5a:6e:01",
        "^Cisco$",
        "switch",
        "Cisco WS-C2960G-24TC-L",
    ),
    (
        "ladvd/cdp/49.good.phone.pcap",
        "00:1b:53:48:9e:e0",
        "^Cisco$",
        "ip-phone",
        "Cisco IP Phone 7912",
    ),
    (
        "ladvd/cdp/49.good.phone.pcap",
        "00:12:da:db:d3:4e",
        "^Cisco$",
        "ip-phone",
        "Cisco IP Phone 7970",
    ),
    (
        "ladvd/cdp/50.good.mikrotik.pcap",
        "00:50:56:28:a0:1c",
        "^MikroTik$",
        "router",
        "MikroTik RouterOS",
    ),
    (
        "ladvd/edp/41.good.small.pcap",
        "00:e0:2b:00:00:01",
        "^Extreme Networks$",
        "",
        "Extreme Discovery Protocol",
    ),
    (
        "ladvd/edp/42.good.medium.pcap",
        "00:01:30:1d:52:d0",
        "^Extreme Networks$",
        "",
        "EDP from SW1",
    ),
    (
        "ladvd/edp/pcap/edp.trace",
        "00:01:30:1d:52:d0",
        "^Extreme Networks$",
        "",
        "EDP SW1",
    ),
    (
        "ladvd/edp/pcap/edp1.trace",
        "00:e0:2b:00:00:01",
        "^Extreme Networks$",
        "",
        "EDP HD000002",
    ),
    (
        "ladvd/fdp/41.good.bi.pcap",
        "00:04:80:f7:f9:40",
        "^(Foundry Networks|Brocade)$",
        "switch",
        "Foundry BigIron",
    ),
    (
        "ladvd/fdp/42.good.rx.pcap",
        "00:0c:db:e4:1c:00",
        "^(Foundry Networks|Brocade)$",
        "switch",
        "Foundry/Brocade (BigIron) RX",
    ),
    (
        "ladvd/fdp/43.good.mlx.pcap",
        "00:12:f2:c3:19:00",
        "^(Foundry Networks|Brocade)$",
        "router",
        "Foundry/Brocade (NetIron) MLX",
    ),
    (
        "ladvd/fdp/pcap/bi.pcap",
        "00:04:80:f7:f9:40",
        "^(Foundry Networks|Brocade)$",
        "switch",
        "BigIron",
    ),
    (
        "ladvd/fdp/pcap/rx.pcap",
        "00:0c:db:e4:1c:00",
        "^(Foundry Networks|Brocade)$",
        "switch",
        "RX",
    ),
    (
        "ladvd/fdp/pcap/mlx.pcap",
        "00:12:f2:c3:19:00",
        "^(Foundry Networks|Brocade)$",
        "router",
        "MLX",
    ),
    (
        "ladvd/lldp/42.good.big.pcap",
        "00:01:30:f9:ad:a0",
        "^Extreme Networks$",
        "switch",
        "Extreme Summit300-48",
    ),
    (
        "ladvd/lldp/43.good.lldpmed.pcap",
        "00:13:21:57:ca:7f",
        "^HPE?$",
        "switch",
        "HP ProCurve 2600-8-PWR",
    ),
    (
        "ladvd/lldp/44.good.spaces.pcap",
        "00:0d:9d:c2:40:27",
        "^HPE?$",
        "switch",
        "HP ProCurve Switch 2626",
    ),
    (
        "ladvd/lldp/45.good.vlan.pcap",
        "00:1b:53:5a:6e:01",
        "^Cisco$",
        "switch",
        "Cisco Catalyst 2960",
    ),
    (
        "ladvd/lldp/46.good.d-link.pcap",
        "00:80:c8:00:00:00",
        "^D-Link$",
        "switch",
        "D-Link switch",
    ),
    (
        "ladvd/lldp/47.good.nexus.pcap",
        "00:0d:ec:ab:cd:ef",
        "^Cisco$",
        "switch",
        "Cisco Nexus",
    ),
    (
        "ladvd/lldp/48.good.4500G.pcap",
        "00:1e:c1:42:42:42",
        "^3Com$",
        "switch",
        "3Com Switch 4500G",
    ),
    (
        "ladvd/lldp/49.good.ipmi.pcap",
        "00:25:90:05:9a:46",
        "",
        "server",
        "server BMC",
    ),
    (
        "ladvd/lldp/51.good.chassis.pcap",
        "00:25:90:05:9a:46",
        "",
        "server",
        "BMC frame",
    ),
    (
        "ladvd/lldp/52.good.chassis.pcap",
        "00:25:90:05:9a:46",
        "",
        "server",
        "BMC frame",
    ),
    (
        "ladvd/lldp/53.good.ipv6.pcap",
        "00:25:90:05:9a:46",
        "",
        "server",
        "BMC frame",
    ),
    (
        "suricata-verify/dhcp-eve-extended/input.pcap",
        "00:11:32:17:49:f0",
        "^Synology$",
        "server",
        "Synology NAS",
    ),
    (
        "suricata-verify/dhcp-eve-extended-option-60/input.pcap",
        "28:cf:da:dc:8d:76",
        "",
        "workstation",
        "Windows DHCP client",
    ),
    (
        "suricata-verify/decode-arp-2/arp.pcap",
        "00:1d:09:f0:92:ab",
        "^Dell$",
        "",
        "Dell MAC",
    ),
    (
        "suricata-verify/decode-arp-2/arp.pcap",
        "00:1a:6b:6c:0c:cc",
        "^Universal Global Scientific",
        "",
        "Universal Global Scientific MAC",
    ),
];

fn identities(db: &RefDb, rel: &str) -> Vec<Identity> {
    let (link, recs, _) = read_all(&common::data(rel)).expect("capture");
    let obs: Vec<Observation> = recs
        .iter()
        .filter_map(|(ts, d)| Observation::from_frame(*ts, &frame::decode(link, d)))
        .collect();
    db.resolve_all(&obs)
}

#[test]
fn corpus_devices_resolve_with_vendor_90_and_class_80_percent() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference-db");
    let db = RefDb::load(&dir).expect("reference-db loads");
    let (mut v_n, mut v_ok, mut c_n, mut c_ok) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for (cap, mac, vendor, class, words) in EXPECTED {
        let ids = identities(&db, cap);
        let want_mac = (!mac.is_empty()).then(|| mac.to_string());
        let id = ids
            .iter()
            .find(|i| i.mac == want_mac)
            .unwrap_or_else(|| panic!("{cap}: no device {mac:?} in the capture"));
        if !vendor.is_empty() {
            v_n += 1;
            let got = id.vendor.as_deref().unwrap_or("");
            if Regex::new(vendor).unwrap().is_match(got) {
                v_ok += 1;
            } else {
                misses.push(format!(
                    "vendor {cap} {mac} ({words}): want /{vendor}/, got {got:?} (confidence {})",
                    id.confidence
                ));
            }
        }
        if !class.is_empty() {
            c_n += 1;
            if id.class.as_str() == *class {
                c_ok += 1;
            } else {
                misses.push(format!(
                    "class  {cap} {mac} ({words}): want {class}, got {} (confidence {})",
                    id.class, id.confidence
                ));
            }
        }
    }
    let vr = f64::from(v_ok) / f64::from(v_n);
    let cr = f64::from(c_ok) / f64::from(c_n);
    println!(
        "devices: {}; vendor {v_ok}/{v_n} = {:.1} %; class {c_ok}/{c_n} = {:.1} %",
        EXPECTED.len(),
        vr * 100.0,
        cr * 100.0
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(v_n >= 60 && c_n >= 50, "expectation table too small");
    assert!(vr >= 0.90, "vendor accuracy {vr:.3} < 0.90: {misses:#?}");
    assert!(cr >= 0.80, "class accuracy {cr:.3} < 0.80: {misses:#?}");
}

#[test]
fn the_builtin_copy_resolves_platforms_without_third_party_databases() {
    let db = RefDb::builtin().expect("builtin loads");
    let ids = identities(&db, "ladvd/cdp/49.good.phone.pcap");
    assert_eq!(ids.len(), 2);
    for id in ids {
        assert_eq!(id.vendor.as_deref(), Some("Cisco"));
        assert_eq!(id.class.as_str(), "ip-phone");
        assert!(id.confidence >= 0.85, "{id:?}");
    }
}
