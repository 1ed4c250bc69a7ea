//! The common keys of every decoded frame against tshark: the frame is found and has the same
//! protocol, capture time (from tshark's own calendar rendering of it), Ethernet addresses and
//! VLAN IDs.

mod common;

use common::{Agreement, KnownWrong, tshark_all, tshark_one};

/// Where tshark's view differs from ours on purpose.
const KNOWN_WRONG: &[KnownWrong] = &[];

/// Our protocol names, as tshark names them in `frame.protocols`.
const PROTOS: &[(&str, &str)] = &[
    ("lldp", "lldp"),
    ("cdp", "cdp"),
    ("edp", "edp"),
    ("fdp", "fdp"),
    ("dhcp", "dhcp"),
    ("dhcpv6", "dhcpv6"),
    ("arp", "arp"),
    ("eapol", "eapol"),
    ("stp", "stp"),
];

/// `Oct  2, 2010 03:00:41.163180000 UTC` -> `2010-10-02T03:00:41.163180Z`.
fn rfc3339_from_tshark(s: &str) -> String {
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = s.split_whitespace().collect();
    let mon = months.iter().position(|m| *m == parts[0]).expect("month") + 1;
    let day: u32 = parts[1].trim_end_matches(',').parse().expect("day");
    let year = parts[2];
    let (hms, frac) = parts[3].split_once('.').expect("fraction");
    assert_eq!(parts[4], "UTC", "oracle generated in UTC");
    format!("{year}-{mon:02}-{day:02}T{hms}.{}Z", &frac[..6])
}

#[test]
fn common_keys_agree_with_tshark() {
    let mut a = Agreement::new("tshark", KNOWN_WRONG);
    let mut frames_seen = 0;
    for cap in common::all_captures() {
        let Some(oracle) = common::tshark(&cap) else {
            continue;
        };
        let file = common::rel(&cap);
        let ours = common::decode(&cap);
        for (n, layers) in &oracle {
            let protocols = layers["frame"]["frame.protocols"].as_str().unwrap_or("");
            let tokens: Vec<&str> = protocols.split(':').collect();
            let Some(&(name, _)) = PROTOS.iter().rev().find(|(_, t)| tokens.contains(t)) else {
                continue;
            };
            // DHCPv4 inside ICMP errors and the like are not frames the sensor reads.
            if tokens.contains(&"icmp") || tokens.contains(&"icmpv6") {
                continue;
            }
            frames_seen += 1;
            let Some(v) = ours.get(n) else {
                a.eq(&file, *n, "proto", None::<&str>, Some(name));
                continue;
            };
            a.eq(&file, *n, "proto", v["proto"].as_str(), Some(name));
            let ts = layers["frame"]["frame.time"]
                .as_str()
                .map(rfc3339_from_tshark);
            a.eq(&file, *n, "ts", v["ts"].as_str().map(str::to_owned), ts);
            if let Some(eth) = layers.get("eth").filter(|e| e.is_object()) {
                a.eq(
                    &file,
                    *n,
                    "src_mac",
                    v["src_mac"].as_str(),
                    eth["eth.src"].as_str(),
                );
                a.eq(
                    &file,
                    *n,
                    "dst_mac",
                    v["dst_mac"].as_str(),
                    eth["eth.dst"].as_str(),
                );
            }
            // tshark's output keeps only the 802.1Q layer, not an 802.1ad outer tag, so its
            // VLAN IDs are the innermost of ours.
            let theirs: Vec<u64> = layers
                .get("vlan")
                .map(|l| tshark_all(l, "vlan.id"))
                .unwrap_or_default()
                .iter()
                .filter_map(|s| s.parse().ok())
                .collect();
            let vl: Vec<u64> = v["vlans"]
                .as_array()
                .expect("vlans")
                .iter()
                .filter_map(|x| x.as_u64())
                .collect();
            let suffix = vl[vl.len().saturating_sub(theirs.len())..].to_vec();
            a.eq(&file, *n, "vlans", suffix, theirs);
            let _ = tshark_one(layers, "frame.number");
        }
    }
    assert!(frames_seen > 400, "only {frames_seen} oracle frames");
    a.finish(1800);
}

#[test]
fn qinq_tags_outer_first() {
    let v = common::decode(&common::data("tcpdump/802.1ad_QinQ.pcap"));
    assert_eq!(v[&1]["vlans"], serde_json::json!([200, 2001]));
}

#[test]
fn linux_cooked_has_source_but_no_destination() {
    let v = common::decode(&common::data("zeek/linuxsll-arp.pcap"));
    assert_eq!(v[&1]["src_mac"], "cc:2d:e0:26:19:99");
    assert!(v[&1]["dst_mac"].is_null());
}
