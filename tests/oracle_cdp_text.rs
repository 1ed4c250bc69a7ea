//! CDP against the two oracles besides tshark: tcpdump's `-v` text (`tcpdump/cdp-v.out`,
//! `tcpdump/lldp_cdp-ev.out`) and the Assimilation project's expected neighbour records
//! (`assimilation/expected-assimilation.json`; names, platform, version, capabilities, VLAN,
//! duplex and port only — its addresses disagree with the frames, see the corpus README).

mod common;

use std::collections::BTreeMap;

use common::{Agreement, KnownWrong};
use serde_json::Value;

/// Where these oracles are wrong, with the reason.
const KNOWN_WRONG: &[KnownWrong] = &[];

/// CDP capability bits by our names.
const CAPS: &[(&str, u32)] = &[
    ("router", 0x01),
    ("transparent-bridge", 0x02),
    ("source-route-bridge", 0x04),
    ("switch", 0x08),
    ("host", 0x10),
    ("igmp", 0x20),
    ("repeater", 0x40),
    ("voip-phone", 0x80),
    ("remotely-managed", 0x100),
    ("cvta", 0x200),
    ("mac-relay", 0x400),
];

fn caps_mask(v: &Value) -> u32 {
    v["cdp"]["capabilities"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| CAPS.iter().find(|(n, _)| Some(*n) == c.as_str()))
                .fold(0, |m, (_, b)| m | b)
        })
        .unwrap_or(0)
}

/// One CDP frame as tcpdump prints it: header facts and `TLV name -> value text`, with
/// continuation lines (the version string) joined by `\n`.
#[derive(Debug, Default)]
struct TcpdumpCdp {
    version: String,
    ttl: String,
    tlvs: Vec<(String, String)>,
}

fn parse_tcpdump(text: &str) -> BTreeMap<u64, TcpdumpCdp> {
    let mut out = BTreeMap::new();
    let mut cur: Option<(u64, TcpdumpCdp)> = None;
    for line in text.lines() {
        if !line.starts_with('\t') {
            if let Some((n, c)) = cur.take() {
                out.insert(n, c);
            }
            let Some(pos) = line.find("CDPv") else {
                continue;
            };
            let n: u64 = line.split_whitespace().next().unwrap().parse().unwrap();
            let rest = &line[pos + 4..];
            let version = rest.split(',').next().unwrap().to_string();
            let ttl = rest
                .split("ttl: ")
                .nth(1)
                .and_then(|s| s.split('s').next())
                .unwrap_or("")
                .to_string();
            cur = Some((
                n,
                TcpdumpCdp {
                    version,
                    ttl,
                    tlvs: Vec::new(),
                },
            ));
        } else if let Some((_, c)) = cur.as_mut() {
            if let Some(cont) = line.strip_prefix("\t  ") {
                if let Some(last) = c.tlvs.last_mut() {
                    if !last.1.is_empty() {
                        last.1.push('\n');
                    }
                    last.1.push_str(cont);
                }
            } else if let Some((name, value)) = line.trim_start().split_once(" (0x") {
                let value = value
                    .split_once("bytes: ")
                    .or_else(|| value.split_once("byte: "))
                    .map_or("", |(_, v)| v);
                c.tlvs
                    .push((name.to_string(), value.trim_end().to_string()));
            }
        }
    }
    if let Some((n, c)) = cur {
        out.insert(n, c);
    }
    out
}

fn quoted(s: &str) -> String {
    s.trim_matches('\'').to_string()
}

#[test]
fn cdp_agrees_with_tcpdump() {
    let mut a = Agreement::new("tcpdump", KNOWN_WRONG);
    for (cap, out) in [
        ("tcpdump/3560_CDP.pcap", "tcpdump/cdp-v.out"),
        ("tcpdump/LLDP_and_CDP.pcap", "tcpdump/lldp_cdp-ev.out"),
    ] {
        let text = std::fs::read_to_string(common::data(out)).unwrap();
        let theirs = parse_tcpdump(&text);
        assert!(!theirs.is_empty(), "{out}: no CDP frames parsed");
        let ours = common::decode(&common::data(cap));
        for (n, t) in &theirs {
            let o = &ours[n];
            let c = &o["cdp"];
            a.eq(
                cap,
                *n,
                "cdp.version",
                c["version"].to_string(),
                t.version.clone(),
            );
            a.eq(cap, *n, "cdp.ttl", c["ttl"].to_string(), t.ttl.clone());
            let mut addresses = Vec::new();
            let mut mgmt = Vec::new();
            for (name, value) in &t.tlvs {
                let f = |k: &str| common::ours(o, k);
                match name.as_str() {
                    "Device-ID" => a.eq(
                        cap,
                        *n,
                        "cdp.device_id",
                        f("cdp.device_id"),
                        Some(quoted(value)),
                    ),
                    "Platform" => a.eq(
                        cap,
                        *n,
                        "cdp.platform",
                        f("cdp.platform"),
                        Some(quoted(value)),
                    ),
                    "Port-ID" => a.eq(
                        cap,
                        *n,
                        "cdp.port_id",
                        f("cdp.port_id"),
                        Some(quoted(value)),
                    ),
                    "VTP Management Domain" => a.eq(
                        cap,
                        *n,
                        "cdp.vtp_domain",
                        f("cdp.vtp_domain"),
                        Some(quoted(value)),
                    ),
                    "Native VLAN ID" => a.eq(
                        cap,
                        *n,
                        "cdp.native_vlan",
                        f("cdp.native_vlan"),
                        Some(value.clone()),
                    ),
                    "Duplex" => a.eq(cap, *n, "cdp.duplex", f("cdp.duplex"), Some(value.clone())),
                    "Version String" => a.eq(
                        cap,
                        *n,
                        "cdp.software_version",
                        f("cdp.software_version"),
                        Some(value.clone()),
                    ),
                    "Capability" => {
                        let hex = value
                            .trim_start_matches('(')
                            .split(')')
                            .next()
                            .and_then(|h| u32::from_str_radix(h.trim_start_matches("0x"), 16).ok());
                        a.eq(cap, *n, "cdp.capabilities", Some(caps_mask(o)), hex);
                    }
                    "Address" => addresses.push(value.rsplit(' ').next().unwrap().to_string()),
                    "Management Addresses" => {
                        mgmt.push(value.rsplit(' ').next().unwrap().to_string())
                    }
                    _ => {}
                }
            }
            let list = |k: &str| -> Vec<String> {
                c[k].as_array()
                    .map(|x| {
                        x.iter()
                            .filter_map(|s| s.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            if !addresses.is_empty() {
                a.eq(cap, *n, "cdp.addresses", list("addresses"), addresses);
            }
            if !mgmt.is_empty() {
                a.eq(
                    cap,
                    *n,
                    "cdp.management_addresses",
                    list("management_addresses"),
                    mgmt,
                );
            }
        }
    }
    a.finish(60);
}

/// Assimilation's capability names for the CDP bits.
fn assimilation_caps(mask: u32) -> Vec<String> {
    let names = [
        (0x01, "router"),
        (0x02, "tb-bridge"),
        (0x04, "srcroute-bridge"),
        (0x08, "bridge"),
        (0x10, "host"),
        (0x20, "igmp-filter"),
        (0x40, "repeater"),
    ];
    names
        .iter()
        .filter(|(b, _)| mask & b != 0)
        .map(|(_, n)| n.to_string())
        .collect()
}

#[test]
fn cdp_agrees_with_assimilation() {
    let text =
        std::fs::read_to_string(common::data("assimilation/expected-assimilation.json")).unwrap();
    let expected: Value = serde_json::from_str(&text).unwrap();
    let mut a = Agreement::new("assimilation", KNOWN_WRONG);
    for (name, exp) in expected.as_object().unwrap() {
        let file = format!("assimilation/{name}");
        let ours = common::decode(&common::data(&file));
        let Some((n, o)) = ours.iter().find(|(_, v)| v["proto"] == "cdp") else {
            continue;
        };
        let f = |k: &str| common::ours(o, k);
        let s = |k: &str| exp[k].as_str().map(str::to_owned);
        a.eq(
            &file,
            *n,
            "cdp.device_id",
            f("cdp.device_id"),
            s("ChassisId"),
        );
        a.eq(
            &file,
            *n,
            "cdp.platform",
            f("cdp.platform"),
            s("SystemPlatform"),
        );
        a.eq(
            &file,
            *n,
            "cdp.software_version",
            f("cdp.software_version"),
            s("SystemVersion"),
        );
        if exp.get("VLANManagementDomain").is_some() {
            a.eq(
                &file,
                *n,
                "cdp.vtp_domain",
                f("cdp.vtp_domain"),
                s("VLANManagementDomain"),
            );
        }
        let mut want: Vec<String> = exp["SystemCapabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        want.sort();
        let mut got = assimilation_caps(caps_mask(o));
        got.sort();
        a.eq(&file, *n, "cdp.capabilities", got, want);
        for (port, p) in exp["ports"].as_object().unwrap() {
            a.eq(
                &file,
                *n,
                "cdp.port_id",
                f("cdp.port_id"),
                Some(port.clone()),
            );
            let mac = o["src_mac"].as_str().map(|m| m.replace(':', "-"));
            a.eq(
                &file,
                *n,
                "src_mac",
                mac,
                p["sourceMAC"].as_str().map(str::to_owned),
            );
            if let Some(v) = p.get("VlanId") {
                a.eq(
                    &file,
                    *n,
                    "cdp.native_vlan",
                    f("cdp.native_vlan"),
                    Some(v.to_string()),
                );
            }
            if let Some(v) = p.get("duplex") {
                a.eq(
                    &file,
                    *n,
                    "cdp.duplex",
                    f("cdp.duplex"),
                    v.as_str().map(str::to_owned),
                );
            }
            if let Some(v) = p.get("CiscoUnTrustedPortCOS") {
                a.eq(
                    &file,
                    *n,
                    "cdp.untrusted_cos",
                    f("cdp.untrusted_cos"),
                    Some(v.to_string()),
                );
            }
        }
    }
    a.finish(30);
}
