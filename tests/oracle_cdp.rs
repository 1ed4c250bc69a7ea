//! CDP, EDP and FDP decodes agree with the tshark oracle on every corpus capture, and with
//! tcpdump's `-v` text for the two tcpdump CDP captures.

mod common;

use common::{Agreement, KnownWrong, ours, rel, tshark_all, tshark_one};
use serde_json::Value;

/// Fields where an oracle is wrong, or where we decode differently on purpose.
const KNOWN_WRONG: &[KnownWrong] = &[
    KnownWrong {
        file: "ladvd/cdp/00.empty.pcap",
        frame: 1,
        field: "cdp.version",
        reason: "the 802.3 length leaves 1 byte of CDP; tshark reads the header from the bytes past it",
    },
    KnownWrong {
        file: "ladvd/cdp/01.header.broken.pcap",
        frame: 1,
        field: "cdp.version",
        reason: "the 802.3 length leaves 2 bytes of CDP; tshark reads the header from the bytes past it",
    },
    KnownWrong {
        file: "ladvd/cdp/01.header.broken.pcap",
        frame: 1,
        field: "cdp.ttl",
        reason: "the 802.3 length leaves 2 bytes of CDP; tshark reads the header from the bytes past it",
    },
    KnownWrong {
        file: "ladvd/edp/00.empty.pcap",
        frame: 1,
        field: "edp.version",
        reason: "1 byte of EDP inside the 802.3 length: no header to decode; tshark reads past it",
    },
    KnownWrong {
        file: "ladvd/edp/01.header.broken.pcap",
        frame: 1,
        field: "edp.version",
        reason: "4 bytes of EDP inside the 802.3 length, header is 16; tshark decodes the fragment",
    },
    KnownWrong {
        file: "ladvd/fdp/00.empty.pcap",
        frame: 1,
        field: "fdp.version",
        reason: "1 byte of FDP inside the 802.3 length; tshark reads the header from the bytes past it",
    },
    KnownWrong {
        file: "ladvd/fdp/01.header.broken.pcap",
        frame: 1,
        field: "fdp.version",
        reason: "2 bytes of FDP inside the 802.3 length; tshark reads the header from the bytes past it",
    },
    KnownWrong {
        file: "ladvd/fdp/01.header.broken.pcap",
        frame: 1,
        field: "fdp.ttl",
        reason: "2 bytes of FDP inside the 802.3 length; tshark reads the header from the bytes past it",
    },
];

fn list(v: &Value, path: &str) -> Vec<String> {
    let mut cur = v;
    for k in path.split('.') {
        match cur.get(k) {
            Some(x) => cur = x,
            None => return Vec::new(),
        }
    }
    cur.as_array()
        .map(|a| {
            a.iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    o => o.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn hex_u32(s: &str) -> Option<u32> {
    u32::from_str_radix(s.trim_start_matches("0x"), 16).ok()
}

const CDP_CAPS: [(&str, &str); 11] = [
    ("cdp.capabilities.router", "router"),
    ("cdp.capabilities.trans_bridge", "transparent-bridge"),
    ("cdp.capabilities.src_bridge", "source-route-bridge"),
    ("cdp.capabilities.switch", "switch"),
    ("cdp.capabilities.host", "host"),
    ("cdp.capabilities.igmp_capable", "igmp"),
    ("cdp.capabilities.repeater", "repeater"),
    ("cdp.capabilities.voip_phone", "voip-phone"),
    ("cdp.capabilities.remote", "remotely-managed"),
    ("cdp.capabilities.cvta", "cvta"),
    ("cdp.capabilities.mac_relay", "mac-relay"),
];

fn check_cdp(a: &mut Agreement, file: &str, n: u64, o: &Value, t: &Value) {
    let f = |k: &str| format!("cdp.{k}");
    a.eq(
        file,
        n,
        "cdp.version",
        ours(o, &f("version")),
        tshark_one(t, "cdp.version"),
    );
    a.eq(
        file,
        n,
        "cdp.ttl",
        ours(o, &f("ttl")),
        tshark_one(t, "cdp.ttl"),
    );
    if let Some(s) = tshark_one(t, "cdp.checksum.status") {
        let good = (s == "1").to_string();
        a.eq(
            file,
            n,
            "cdp.checksum_ok",
            ours(o, &f("checksum_ok")),
            Some(good),
        );
    }
    let simple = [
        ("device_id", "cdp.deviceid"),
        ("port_id", "cdp.portid"),
        ("platform", "cdp.platform"),
        ("vtp_domain", "cdp.vtp_management_domain"),
        ("native_vlan", "cdp.native_vlan"),
        ("voice_vlan", "cdp.voice_vlan"),
        ("power_mw", "cdp.power_consumption"),
        ("power_available.request_id", "cdp.request_id"),
        ("power_available.management_id", "cdp.management_id"),
    ];
    for (ours_k, their_k) in simple {
        // tshark puts the power-request IDs under the same field names; skip those.
        if ours_k.starts_with("power_available") && ours(o, "cdp.power_available").is_none() {
            continue;
        }
        a.eq(
            file,
            n,
            &f(ours_k),
            ours(o, &f(ours_k)),
            tshark_one(t, their_k),
        );
    }
    for (ours_k, their_k) in [
        ("trust", "cdp.trust_bitmap"),
        ("untrusted_cos", "cdp.untrusted_port_cos"),
    ] {
        let theirs = tshark_one(t, their_k)
            .and_then(|s| hex_u32(&s))
            .map(|x| x.to_string());
        a.eq(file, n, &f(ours_k), ours(o, &f(ours_k)), theirs);
    }
    let duplex = tshark_one(t, "cdp.duplex").map(|d| match d.as_str() {
        "0" => "half".to_string(),
        "1" => "full".to_string(),
        x => format!("unknown-{x}"),
    });
    a.eq(file, n, "cdp.duplex", ours(o, &f("duplex")), duplex);
    let sw = tshark_all(t, "cdp.software_version");
    let sw = (!sw.is_empty()).then(|| sw.join("\n"));
    a.eq(
        file,
        n,
        "cdp.software_version",
        ours(o, &f("software_version")),
        sw,
    );
    // Power available: tshark lists both values under one field name.
    if ours(o, "cdp.power_available").is_some() {
        let pa = tshark_all(t, "cdp.power_available");
        let pa: Vec<String> = pa
            .iter()
            .map(|s| s.trim_end_matches("mW").to_string())
            .collect();
        let mine = vec![
            ours(o, "cdp.power_available.available_mw").unwrap_or_default(),
            ours(o, "cdp.power_available.management_mw").unwrap_or_default(),
        ];
        a.eq(file, n, "cdp.power_available", mine, pa);
    }
    let req = tshark_all(t, "cdp.power_requested");
    if !req.is_empty() {
        a.eq(
            file,
            n,
            "cdp.power_request.levels_mw",
            list(o, "cdp.power_request.levels_mw"),
            req,
        );
    }
    // Addresses then management addresses, in wire order (tshark uses one field name for both).
    let mut mine = Vec::new();
    for ty in list(o, "cdp.tlv_order") {
        match ty.as_str() {
            "2" => mine.extend(list(o, "cdp.addresses")),
            "22" => mine.extend(list(o, "cdp.management_addresses")),
            _ => {}
        }
    }
    let mut theirs = Vec::new();
    for x in tshark_all(t, "cdp.nrgyz.ip_address")
        .into_iter()
        .chain(tshark_all(t, "cdp.nrgyz.ipv6_address"))
    {
        theirs.push(x);
    }
    mine.sort();
    theirs.sort();
    a.eq(file, n, "cdp.addresses", mine, theirs);
    if tshark_one(t, "cdp.capabilities").is_some() {
        let caps = list(o, "cdp.capabilities");
        for (tk, name) in CDP_CAPS {
            let theirs = tshark_one(t, tk).map(|s| s == "1");
            a.eq(
                file,
                n,
                &format!("cdp.capabilities.{name}"),
                Some(caps.iter().any(|c| c == name)),
                theirs,
            );
        }
    }
    // serde_json sorts tshark's object keys, so only the multiset of TLV types is comparable.
    let mut order: Vec<u32> = list(o, "cdp.tlv_order")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let mut theirs: Vec<u32> = tshark_all(t, "cdp.tlv.type")
        .iter()
        .filter_map(|s| hex_u32(s))
        .collect();
    order.sort_unstable();
    theirs.sort_unstable();
    a.eq(file, n, "cdp.tlv_order", order, theirs);
}

fn check_edp(a: &mut Agreement, file: &str, n: u64, o: &Value, t: &Value) {
    a.eq(
        file,
        n,
        "edp.version",
        ours(o, "edp.version"),
        tshark_one(t, "edp.version"),
    );
    a.eq(
        file,
        n,
        "edp.sequence",
        ours(o, "edp.sequence"),
        tshark_one(t, "edp.seqno"),
    );
    a.eq(
        file,
        n,
        "edp.machine_mac",
        ours(o, "edp.machine_mac"),
        tshark_one(t, "edp.midmac"),
    );
    if let Some(s) = tshark_one(t, "edp.checksum.status") {
        a.eq(
            file,
            n,
            "edp.checksum_ok",
            ours(o, "edp.checksum_ok"),
            Some((s == "1").to_string()),
        );
    }
    a.eq(
        file,
        n,
        "edp.display_name",
        ours(o, "edp.display_name"),
        tshark_one(t, "edp.display.string"),
    );
    a.eq(
        file,
        n,
        "edp.slot",
        ours(o, "edp.slot"),
        tshark_one(t, "edp.info.slot"),
    );
    a.eq(
        file,
        n,
        "edp.port",
        ours(o, "edp.port"),
        tshark_one(t, "edp.info.port"),
    );
    let v = ["major1", "major2", "sustaining", "internal"]
        .iter()
        .map(|k| tshark_one(t, &format!("edp.info.version.{k}")))
        .collect::<Option<Vec<_>>>()
        .map(|v| v.join("."));
    a.eq(
        file,
        n,
        "edp.software_version",
        ours(o, "edp.software_version"),
        v,
    );
}

fn check_fdp(a: &mut Agreement, file: &str, n: u64, o: &Value, t: &Value) {
    a.eq(
        file,
        n,
        "fdp.version",
        ours(o, "fdp.version"),
        tshark_one(t, "fdp.version"),
    );
    a.eq(
        file,
        n,
        "fdp.ttl",
        ours(o, "fdp.ttl"),
        tshark_one(t, "fdp.holdtime"),
    );
    // String TLVs: each object carrying fdp.string.text, with its nested type.
    let mut strings: Vec<(String, String)> = Vec::new();
    fn walk(v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(text)) = m.get("fdp.string.text") {
                    if let Some(ty) = tshark_one(v, "fdp.tlv.type") {
                        out.push((ty, text.clone()));
                    }
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(t.get("fdp").unwrap_or(t), &mut strings);
    for (ty, key) in [
        ("1", "device_id"),
        ("3", "port_id"),
        ("4", "capabilities"),
        ("5", "software_version"),
        ("6", "platform"),
    ] {
        let theirs = strings
            .iter()
            .find(|(t, _)| t == ty)
            .map(|(_, s)| s.clone());
        let k = format!("fdp.{key}");
        a.eq(file, n, &k, ours(o, &k), theirs);
    }
    if ours(o, "fdp.addresses").is_some() || tshark_one(t, "fdp.net").is_some() {
        a.eq(
            file,
            n,
            "fdp.addresses",
            list(o, "fdp.addresses"),
            tshark_all(t, "fdp.net.ip"),
        );
    }
}

#[test]
fn cdp_edp_fdp_agree_with_tshark() {
    let mut a = Agreement::new("tshark", KNOWN_WRONG);
    for cap in common::all_captures() {
        let file = rel(&cap);
        let ours_all = common::decode(&cap);
        let Some(theirs) = common::tshark(&cap) else {
            continue;
        };
        for (n, o) in &ours_all {
            let proto = o["proto"].as_str().unwrap_or("");
            let Some(t) = theirs.get(n) else { continue };
            match proto {
                "cdp" if t.get("cdp").is_some() => check_cdp(&mut a, &file, *n, o, t),
                "edp" if t.get("edp").is_some() => check_edp(&mut a, &file, *n, o, t),
                "fdp" if t.get("fdp").is_some() => check_fdp(&mut a, &file, *n, o, t),
                _ => {}
            }
        }
    }
    a.finish(600);
}
