//! DHCPv4 decoding agrees with the oracles: tshark JSON for every capture, tcpdump's `-v` text,
//! Zeek's logs and Suricata's EVE expectations where they cover DHCP.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Agreement, KnownWrong, ours, tshark_all, tshark_one};
use serde_json::Value;

/// Fields where an oracle is wrong or decodes a value differently on purpose.
const KNOWN_WRONG: &[KnownWrong] = &[
    KnownWrong {
        file: "suricata-verify/dhcp-eve-extended/input.pcap",
        frame: 0,
        field: "dhcp.hostname",
        reason: "Suricata keeps the trailing NUL the Synology client sends (\"nas1\\u0000\"); \
                 text fields here drop trailing NULs by design (wire::text::Text)",
    },
    KnownWrong {
        file: "suricata-verify/dhcp-eve-extended/input.pcap",
        frame: 1,
        field: "dhcp.parameter_request_list",
        reason: "Suricata's EVE `params` leaves out the codes it has no name for (here 28 and 2 \
                 of 1,28,2,3,15,6,12), so its positions are not option 55's positions",
    },
];

/// The `dhcp` frames of a capture: frame index → our JSON `dhcp` object (plus the frame).
fn dhcp_frames(path: &Path) -> BTreeMap<u64, Value> {
    common::decode(path)
        .into_iter()
        .filter(|(_, v)| v["proto"] == "dhcp")
        .collect()
}

fn msg_name(n: &str) -> String {
    const NAMES: [&str; 18] = [
        "discover",
        "offer",
        "request",
        "decline",
        "ack",
        "nak",
        "release",
        "inform",
        "forcerenew",
        "leasequery",
        "leaseunassigned",
        "leaseunknown",
        "leaseactive",
        "bulkleasequery",
        "leasequerydone",
        "activeleasequery",
        "leasequerystatus",
        "tls",
    ];
    let n: usize = n.parse().unwrap_or(0);
    NAMES
        .get(n.wrapping_sub(1))
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("unknown-{n}"))
}

/// Our list field as comma-joined text (`[1,3,6]` → `1,3,6`).
fn list(v: &Value, path: &str) -> Option<String> {
    let mut cur = v;
    for k in path.split('.') {
        cur = cur.get(k)?;
    }
    let a = cur.as_array()?;
    Some(
        a.iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                o => o.to_string(),
            })
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// Our option values of one code, hex.
fn opt_values(d: &Value, code: u64) -> Vec<String> {
    d["options"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|o| o["code"].as_u64() == Some(code))
                .map(|o| o["value"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn unhex_colons(s: &str) -> String {
    s.replace(':', "")
}

fn hex_ip(h: &str) -> Option<String> {
    let b: Vec<u8> = (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect();
    (b.len() >= 4).then(|| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]))
}

/// tshark's options of one option-tree level: (type, tree) pairs, pad and end dropped.
fn tshark_level(dhcp: &Value) -> Vec<(String, Value)> {
    let types: Vec<String> = match &dhcp["dhcp.option.type"] {
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => vec![],
    };
    let trees: Vec<Value> = match &dhcp["dhcp.option.type_tree"] {
        Value::Array(a) => a.clone(),
        Value::Null => vec![],
        o => vec![o.clone()],
    };
    types
        .into_iter()
        .zip(trees)
        .filter(|(_, t)| {
            t.get("dhcp.option.end").is_none() && t.get("dhcp.option.padding").is_none()
        })
        .collect()
}

/// tshark's options in RFC 2131 order: the options field, then `file`, then `sname` (tshark
/// nests the overloaded fields inside option 52, sname first).
fn tshark_options(dhcp: &Value) -> Vec<(String, Value)> {
    let top = tshark_level(dhcp);
    let mut out = Vec::new();
    let mut over = Vec::new();
    for (t, tree) in top {
        if t == "52" {
            for (key, area) in [
                ("Boot file name option overload", 0),
                ("Server host name option overload", 1),
            ] {
                if let Some(sub) = tree.get(key) {
                    over.push((area, tshark_level(sub)));
                }
            }
        }
        out.push((t, tree));
    }
    over.sort_by_key(|(a, _)| *a);
    for (_, l) in over {
        out.extend(l);
    }
    out
}

fn compare_tshark(a: &mut Agreement, file: &str, n: u64, d: &Value, ip: &Value, t: &Value) {
    let f = |name: &str| tshark_one(t, name);
    a.eq(
        file,
        n,
        "dhcp.ip_ttl",
        ours(d, "ip_ttl"),
        tshark_one(ip, "ip.ttl"),
    );
    let op = f("dhcp.type").map(|o| match o.as_str() {
        "1" => "request".to_string(),
        "2" => "reply".to_string(),
        x => format!("unknown-{x}"),
    });
    a.eq(file, n, "dhcp.op", ours(d, "op"), op);
    let htype =
        f("dhcp.hw.type").and_then(|h| u8::from_str_radix(h.trim_start_matches("0x"), 16).ok());
    a.eq(
        file,
        n,
        "dhcp.htype",
        ours(d, "htype"),
        htype.map(|h| h.to_string()),
    );
    a.eq(file, n, "dhcp.hops", ours(d, "hops"), f("dhcp.hops"));
    a.eq(file, n, "dhcp.xid", ours(d, "xid"), f("dhcp.id"));
    a.eq(file, n, "dhcp.secs", ours(d, "secs"), f("dhcp.secs"));
    let flags =
        f("dhcp.flags").and_then(|h| u16::from_str_radix(h.trim_start_matches("0x"), 16).ok());
    let flags = flags.map(|v| {
        if v & 0x7fff == 0 {
            (v & 0x8000 != 0).to_string()
        } else {
            v.to_string()
        }
    });
    a.eq(file, n, "dhcp.flags", ours(d, "flags"), flags);
    for (k, tk) in [
        ("ciaddr", "dhcp.ip.client"),
        ("yiaddr", "dhcp.ip.your"),
        ("siaddr", "dhcp.ip.server"),
        ("giaddr", "dhcp.ip.relay"),
    ] {
        a.eq(file, n, &format!("dhcp.{k}"), ours(d, k), f(tk));
    }
    if let Some(mac) = f("dhcp.hw.mac_addr") {
        a.eq(file, n, "dhcp.chaddr", ours(d, "chaddr"), Some(mac));
    }
    if t.get("dhcp.option.type").is_none() {
        return;
    }
    let overload = ours(d, "overload");
    if !matches!(overload.as_deref(), Some("2" | "3")) {
        a.eq(
            file,
            n,
            "dhcp.sname",
            ours(d, "sname").unwrap_or_default(),
            f("dhcp.server").unwrap_or_default(),
        );
    }
    if !matches!(overload.as_deref(), Some("1" | "3")) {
        a.eq(
            file,
            n,
            "dhcp.file",
            ours(d, "file").unwrap_or_default(),
            f("dhcp.file").unwrap_or_default(),
        );
    }
    let opts = tshark_options(t);
    let order: Vec<&str> = opts.iter().map(|(c, _)| c.as_str()).collect();
    a.eq(
        file,
        n,
        "dhcp.options_order",
        list(d, "options_order").unwrap_or_default(),
        order.join(","),
    );
    for (i, (c, tree)) in opts.iter().enumerate() {
        let theirs = tree["dhcp.option.value"]
            .as_str()
            .map(unhex_colons)
            .unwrap_or_default();
        let mine = ours(d, &format!("options.{i}.value")).unwrap_or_default();
        a.eq(
            file,
            n,
            &format!("dhcp.options.{i}.value (option {c})"),
            mine,
            theirs,
        );
    }
    a.eq(
        file,
        n,
        "dhcp.message_type",
        ours(d, "message_type"),
        f("dhcp.option.dhcp").map(|m| msg_name(&m)),
    );
    let prl = tshark_all(t, "dhcp.option.request_list_item");
    if !prl.is_empty() || ours(d, "parameter_request_list").is_some() {
        a.eq(
            file,
            n,
            "dhcp.parameter_request_list",
            list(d, "parameter_request_list").unwrap_or_default(),
            prl.join(","),
        );
    }
    for (k, tk) in [
        ("hostname", "dhcp.option.hostname"),
        ("vendor_class", "dhcp.option.vendor_class_id"),
        ("requested_ip", "dhcp.option.requested_ip_address"),
        ("server_id", "dhcp.option.dhcp_server_id"),
        ("lease_time", "dhcp.option.ip_address_lease_time"),
        ("renewal_time", "dhcp.option.renewal_time_value"),
        ("rebinding_time", "dhcp.option.rebinding_time_value"),
        ("max_message_size", "dhcp.option.dhcp_max_message_size"),
        ("overload", "dhcp.option.option_overload"),
        ("client_fqdn.name", "dhcp.fqdn.name"),
        (
            "relay_agent.subscriber_id",
            "dhcp.option.agent_information_option.subscriber_id",
        ),
    ] {
        let mine = ours(d, k);
        let theirs = f(tk);
        if mine.is_some() || theirs.is_some() {
            a.eq(file, n, &format!("dhcp.{k}"), mine, theirs);
        }
    }
    for (k, tk) in [
        (
            "relay_agent.circuit_id",
            "dhcp.option.agent_information_option.agent_circuit_id",
        ),
        (
            "relay_agent.remote_id",
            "dhcp.option.agent_information_option.agent_remote_id",
        ),
    ] {
        let mine = ours(d, k);
        let theirs = f(tk).map(|s| unhex_colons(&s));
        if mine.is_some() || theirs.is_some() {
            a.eq(file, n, &format!("dhcp.{k}"), mine, theirs);
        }
    }
    if let Some(fl) = f("dhcp.fqdn.flags") {
        let fl = u8::from_str_radix(fl.trim_start_matches("0x"), 16)
            .ok()
            .map(|x| x.to_string());
        a.eq(
            file,
            n,
            "dhcp.client_fqdn.flags",
            ours(d, "client_fqdn.flags"),
            fl,
        );
    }
    // Client id: the whole option value, type byte included.
    let cid = opts.iter().find(|(c, _)| c == "61");
    if cid.is_some() || ours(d, "client_id").is_some() {
        let theirs = cid.and_then(|(_, t)| t["dhcp.option.value"].as_str().map(unhex_colons));
        a.eq(file, n, "dhcp.client_id", ours(d, "client_id"), theirs);
    }
    // User class: tshark lists the RFC 3004 instances' data as hex.
    let uc = tshark_all(t, "dhcp.option.user_class.data");
    if !uc.is_empty() {
        let mine: Vec<String> = d["user_class"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| {
                        s.as_str()
                            .unwrap_or("")
                            .bytes()
                            .map(|b| format!("{b:02x}"))
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let theirs: Vec<String> = uc.iter().map(|s| unhex_colons(s)).collect();
        a.eq(file, n, "dhcp.user_class", mine, theirs);
    }
}

#[test]
fn dhcpv4_agrees_with_tshark() {
    let mut a = Agreement::new("tshark", KNOWN_WRONG);
    let mut files = 0;
    for cap in common::all_captures() {
        let frames = dhcp_frames(&cap);
        if frames.is_empty() {
            continue;
        }
        let Some(ts) = common::tshark(&cap) else {
            continue;
        };
        files += 1;
        let file = common::rel(&cap);
        for (n, v) in &frames {
            let Some(t) = ts.get(n) else {
                a.eq(&file, *n, "dhcp (frame in tshark)", true, false);
                continue;
            };
            let Some(td) = t.get("dhcp") else {
                // tshark did not decode DHCP here: it must be a frame we also found broken.
                let broken = v["anomalies"].as_array().is_some_and(|x| !x.is_empty());
                a.eq(&file, *n, "dhcp (tshark decodes)", broken, true);
                continue;
            };
            compare_tshark(&mut a, &file, *n, &v["dhcp"], &t["ip"], td);
        }
        // Every DHCP frame tshark decodes is one of ours.
        for (n, t) in &ts {
            if t.get("dhcp").is_some() {
                a.eq(
                    &file,
                    *n,
                    "dhcp (frame decoded)",
                    frames.contains_key(n),
                    true,
                );
            }
        }
    }
    assert!(
        files >= 20,
        "only {files} captures with DHCP and a tshark oracle"
    );
    a.finish(2500);
}

/// Records of a tcpdump `-#` text output: frame number → the record's lines.
fn tcpdump_records(text: &str) -> BTreeMap<u64, Vec<String>> {
    let mut out: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut cur = None;
    for line in text.lines() {
        let t = line.trim_start();
        if !line.starts_with('\t') && line.starts_with(' ') {
            if let Some((num, _)) = t.split_once(' ') {
                if let Ok(n) = num.parse::<u64>() {
                    if line.len() - t.len() <= 5 && t[num.len()..].starts_with("  ") {
                        cur = Some(n);
                        out.entry(n).or_default();
                        continue;
                    }
                }
            }
        }
        if let Some(n) = cur {
            out.entry(n).or_default().push(line.to_string());
        }
    }
    out
}

/// The value after `prefix` on a line of the record (`"Hostname (12), length 8: "`), quotes
/// dropped.
fn td_value(rec: &[String], prefix: &str) -> Option<String> {
    rec.iter().find_map(|l| {
        // Option lines are indented by a tab and four spaces; deeper lines are their contents.
        if l.starts_with("\t     ") {
            return None;
        }
        let t = l.trim_start();
        let rest = t.strip_prefix(prefix)?;
        let v = rest.split_once(": ").map(|x| x.1).unwrap_or(rest);
        Some(v.trim().trim_matches('"').to_string())
    })
}

#[test]
fn dhcpv4_agrees_with_tcpdump() {
    let mut a = Agreement::new("tcpdump", KNOWN_WRONG);
    for (cap, out) in [
        ("tcpdump/dcb_ets.pcap", "tcpdump/dcb_ets.out"),
        ("tcpdump/dcb_pfc.pcap", "tcpdump/dcb_pfc.out"),
        ("tcpdump/dcb_qcn.pcap", "tcpdump/dcb_qcn.out"),
        ("tcpdump/dhcp-mud.pcap", "tcpdump/dhcp-mud.out"),
        (
            "tcpdump/dhcp-option-108.pcapng",
            "tcpdump/dhcp-option-108.out",
        ),
        ("tcpdump/dhcp-option-33.pcap", "tcpdump/dhcp-option-33.out"),
        ("tcpdump/dhcp-rfc3004.pcap", "tcpdump/dhcp-rfc3004-v.out"),
        ("tcpdump/dhcp-rfc4388.pcap", "tcpdump/dhcp-rfc4388.out"),
        ("tcpdump/dhcp-rfc5859.pcap", "tcpdump/dhcp-rfc5859-v.out"),
        (
            "tcpdump/dhcpv4v6-rfc5970-rfc8572.pcap",
            "tcpdump/dhcpv4v6-rfc5970-rfc8572.out",
        ),
        ("tcpdump/eapon1.pcap", "tcpdump/eapon1-v.out"),
    ] {
        let frames = dhcp_frames(&common::data(cap));
        let text = std::fs::read_to_string(common::data(out)).expect("tcpdump output");
        let recs = tcpdump_records(&text);
        assert!(!frames.is_empty(), "{cap}: no DHCP frames");
        for (n, v) in &frames {
            let d = &v["dhcp"];
            let Some(rec) = recs.get(n) else {
                a.eq(cap, *n, "dhcp (frame in tcpdump)", true, false);
                continue;
            };
            let head = rec.first().cloned().unwrap_or_default();
            let xid = head
                .split("xid 0x")
                .nth(1)
                .and_then(|x| x.split([',', ' ']).next())
                .and_then(|x| u32::from_str_radix(x, 16).ok())
                .map(|x| format!("0x{x:08x}"));
            a.eq(cap, *n, "dhcp.xid", ours(d, "xid"), xid);
            let op = if head.contains("BOOTP/DHCP, Request") {
                "request"
            } else if head.contains("BOOTP/DHCP, Reply") {
                "reply"
            } else {
                "?"
            };
            a.eq(cap, *n, "dhcp.op", ours(d, "op").unwrap_or_default(), op);
            if let Some(mac) = td_value(rec, "Client-Ethernet-Address ") {
                a.eq(cap, *n, "dhcp.chaddr", ours(d, "chaddr"), Some(mac));
            }
            for (k, p) in [
                ("ciaddr", "Client-IP "),
                ("yiaddr", "Your-IP "),
                ("siaddr", "Server-IP "),
                ("giaddr", "Gateway-IP "),
            ] {
                let theirs = td_value(rec, p).unwrap_or_else(|| "0.0.0.0".into());
                a.eq(
                    cap,
                    *n,
                    &format!("dhcp.{k}"),
                    ours(d, k).unwrap_or_default(),
                    theirs,
                );
            }
            for (k, p) in [
                ("hostname", "Hostname (12)"),
                ("vendor_class", "Vendor-Class (60)"),
                ("requested_ip", "Requested-IP (50)"),
                ("server_id", "Server-ID (54)"),
                ("lease_time", "Lease-Time (51)"),
                ("renewal_time", "RN (58)"),
                ("rebinding_time", "RB (59)"),
                ("max_message_size", "MSZ (57)"),
            ] {
                let mine = ours(d, k);
                let theirs = td_value(rec, p);
                if mine.is_some() || theirs.is_some() {
                    a.eq(cap, *n, &format!("dhcp.{k}"), mine, theirs);
                }
            }
            if let Some(m) = td_value(rec, "DHCP-Message (53)") {
                let m = match m.as_str() {
                    "NACK" => "nak".to_string(),
                    "Lease Query" => "leasequery".into(),
                    "Lease Unassigned" => "leaseunassigned".into(),
                    "Lease Unknown" => "leaseunknown".into(),
                    "Lease Active" => "leaseactive".into(),
                    x => x.to_lowercase(),
                };
                a.eq(
                    cap,
                    *n,
                    "dhcp.message_type",
                    ours(d, "message_type"),
                    Some(m),
                );
            }
            // Option order: the option lines of the rfc1048 extensions ("\t    Name (code), ...").
            let codes: Vec<String> = rec
                .iter()
                .filter(|l| l.starts_with("\t    ") && !l.starts_with("\t     "))
                .filter_map(|l| {
                    let open = l.find(" (")?;
                    let close = l[open..].find(')')? + open;
                    let c = &l[open + 2..close];
                    (c.parse::<u8>().is_ok() && l[close..].starts_with("), length"))
                        .then(|| c.to_string())
                })
                .filter(|c| c != "0" && c != "255")
                .collect();
            if !codes.is_empty() {
                a.eq(
                    cap,
                    *n,
                    "dhcp.options_order",
                    list(d, "options_order").unwrap_or_default(),
                    codes.join(","),
                );
            }
            // Parameter request list: the codes in parentheses on the lines after the option.
            if let Some(i) = rec
                .iter()
                .position(|l| l.trim_start().starts_with("Parameter-Request (55)"))
            {
                let mut prl = Vec::new();
                for l in rec[i + 1..]
                    .iter()
                    .take_while(|l| l.starts_with("\t      "))
                {
                    for part in l.split('(').skip(1) {
                        if let Some(c) = part.split(')').next() {
                            if c.parse::<u8>().is_ok() {
                                prl.push(c.to_string());
                            }
                        }
                    }
                }
                a.eq(
                    cap,
                    *n,
                    "dhcp.parameter_request_list",
                    list(d, "parameter_request_list").unwrap_or_default(),
                    prl.join(","),
                );
            }
            // User class instances.
            let inst: Vec<String> = rec
                .iter()
                .filter_map(|l| {
                    let t = l.trim_start();
                    t.starts_with("instance#")
                        .then(|| t.split('"').nth(1).unwrap_or("").to_string())
                })
                .collect();
            if !inst.is_empty() {
                a.eq(
                    cap,
                    *n,
                    "dhcp.user_class",
                    list(d, "user_class").unwrap_or_default(),
                    inst.join(","),
                );
            }
        }
    }
    a.finish(600);
}

/// Rows of a Zeek log: field name → value.
fn zeek_rows(rel: &str) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(common::data(rel)).expect("zeek log");
    let mut fields = Vec::new();
    let mut rows = Vec::new();
    for l in text.lines() {
        if let Some(f) = l.strip_prefix("#fields\t") {
            fields = f.split('\t').map(String::from).collect();
        } else if !l.starts_with('#') {
            rows.push(
                fields
                    .iter()
                    .cloned()
                    .zip(l.split('\t').map(String::from))
                    .collect(),
            );
        }
    }
    rows
}

/// Zeek's escaping of a byte string (`\x13` for non-printables).
fn zeek_escape(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if (0x20..0x7f).contains(&c) && c != b'\\' {
                (c as char).to_string()
            } else {
                format!("\\x{c:02x}")
            }
        })
        .collect()
}

fn unhex(h: &str) -> Vec<u8> {
    (0..h.len() / 2)
        .filter_map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
        .collect()
}

#[test]
fn dhcpv4_agrees_with_zeek() {
    let mut a = Agreement::new("zeek", KNOWN_WRONG);
    for (cap, log) in [
        ("zeek/dhcp.pcap", "zeek/expected/dhcp.pcap.dhcp.log"),
        (
            "zeek/dhcp_ack_subscriber_id_and_agent_remote_id.pcap",
            "zeek/expected/dhcp_ack_subscriber_id_and_agent_remote_id.pcap.sub-opts.dhcp.log",
        ),
        (
            "zeek/dhcp_discover_param_req_and_client_id.pcap",
            "zeek/expected/dhcp_discover_param_req_and_client_id.pcap.dhcp.log",
        ),
        (
            "zeek/dhcp_inform.pcap",
            "zeek/expected/dhcp_inform.pcap.dhcp.log",
        ),
        (
            "zeek/dhcp_flood.pcap",
            "zeek/expected/dhcp_flood.pcap.max-msg-types-8.dhcp.log",
        ),
        (
            "zeek/dhcp_flood.pcap",
            "zeek/expected/dhcp_flood.pcap.max-uids-5.dhcp.log",
        ),
    ] {
        let frames = dhcp_frames(&common::data(cap));
        let ds: Vec<&Value> = frames.values().map(|v| &v["dhcp"]).collect();
        let has = |k: &str, val: &str| ds.iter().any(|d| ours(d, k).as_deref() == Some(val));
        // Message types: Zeek's per-transaction lists, added up, are our frames' types.
        let mut zt: BTreeMap<String, usize> = BTreeMap::new();
        let mut our_t: BTreeMap<String, usize> = BTreeMap::new();
        for d in &ds {
            *our_t
                .entry(ours(d, "message_type").unwrap_or_default().to_uppercase())
                .or_default() += 1;
        }
        for row in zeek_rows(log) {
            for t in row["msg_types"].split(',') {
                *zt.entry(t.to_string()).or_default() += 1;
            }
            for (zk, k) in [
                ("mac", "chaddr"),
                ("host_name", "hostname"),
                ("requested_addr", "requested_ip"),
                ("assigned_addr", "yiaddr"),
                ("server_addr", "server_id"),
            ] {
                let v = &row[zk];
                if v != "-" {
                    // (Zeek's client_addr is the IP source address, not a DHCP field.)
                    a.eq(
                        cap,
                        0,
                        &format!("dhcp.{k} (zeek {zk} {v})"),
                        has(k, v),
                        true,
                    );
                }
            }
            if let Some(lt) = row.get("lease_time").filter(|v| *v != "-") {
                let secs = lt.split('.').next().unwrap_or("");
                a.eq(cap, 0, "dhcp.lease_time", has("lease_time", secs), true);
            }
            for (zk, k) in [
                ("circuit_id", "relay_agent.circuit_id"),
                ("agent_remote_id", "relay_agent.remote_id"),
            ] {
                if let Some(v) = row.get(zk) {
                    let mine = ds
                        .iter()
                        .find_map(|d| ours(d, k))
                        .map(|h| zeek_escape(&unhex(&h)));
                    a.eq(cap, 0, &format!("dhcp.{k}"), mine, Some(v.clone()));
                }
            }
            if let Some(v) = row.get("subscriber_id") {
                let mine = ds.iter().find_map(|d| ours(d, "relay_agent.subscriber_id"));
                a.eq(
                    cap,
                    0,
                    "dhcp.relay_agent.subscriber_id",
                    mine,
                    Some(v.clone()),
                );
            }
        }
        a.eq(cap, 0, "dhcp.message_type (counts)", our_t, zt);
    }
    // hw-type0: the client identifier, hardware type 0 then a text id.
    let frames = dhcp_frames(&common::data("zeek/hw-type0.pcap"));
    let text =
        std::fs::read_to_string(common::data("zeek/expected/hw-type0.pcap.out.txt")).unwrap();
    let line = text.lines().find(|l| l.contains("hwtype=")).unwrap();
    let hwtype: u8 = line
        .split("hwtype=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let hwaddr = line.split("hwaddr=").nth(1).unwrap().trim_end_matches(']');
    let mut want = format!("{hwtype:02x}");
    want.extend(hwaddr.bytes().map(|b| format!("{b:02x}")));
    let d = &frames.values().next().unwrap()["dhcp"];
    a.eq(
        "zeek/hw-type0.pcap",
        1,
        "dhcp.client_id",
        ours(d, "client_id"),
        Some(want),
    );
    // Options 2, 4, 5 and 42 of the time-and-nameserver reply.
    let frames = dhcp_frames(&common::data("zeek/dhcp_time_and_nameserver.pcap"));
    let text = std::fs::read_to_string(common::data(
        "zeek/expected/dhcp_time_and_nameserver.pcap.options.txt",
    ))
    .unwrap();
    for l in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((name, val)) = l.split_once(", ") else {
            continue;
        };
        let code = match name {
            "time_offset" => 2,
            "timeserver_list" => 4,
            "nameserver_list" => 6,
            "ntpserver_list" => 42,
            _ => continue,
        };
        let mine: Option<String> = frames.values().find_map(|v| {
            let h = opt_values(&v["dhcp"], code).into_iter().next()?;
            Some(if code == 2 {
                let b = unhex(&h);
                i32::from_be_bytes(b.get(..4)?.try_into().ok()?).to_string()
            } else {
                let ips: Vec<String> = unhex(&h)
                    .chunks(4)
                    .map(|c| format!("{}.{}.{}.{}", c[0], c[1], c[2], c[3]))
                    .collect();
                format!("[{}]", ips.join(", "))
            })
        });
        a.eq(
            "zeek/dhcp_time_and_nameserver.pcap",
            0,
            &format!("dhcp.options.{code}"),
            mine,
            Some(val.to_string()),
        );
    }
    a.finish(60);
}

/// The DHCP `match:` blocks of a Suricata `test.yaml`: key → value, quotes dropped.
fn suricata_checks(rel: &str) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(common::data(rel)).expect("test.yaml");
    let mut out = Vec::new();
    let mut cur: Option<BTreeMap<String, String>> = None;
    let mut in_match = false;
    for l in text.lines() {
        let t = l.trim();
        if t.starts_with("- filter:") {
            out.extend(cur.take());
            cur = Some(BTreeMap::new());
            in_match = false;
        } else if t == "match:" {
            in_match = true;
        } else if in_match && l.starts_with("      ") {
            if let (Some(m), Some((k, v))) = (cur.as_mut(), t.split_once(": ")) {
                let v = v.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|x| x.strip_suffix('"'))
                    .unwrap_or(v);
                m.insert(k.to_string(), v.replace("\\u0000", "\0"));
            }
        } else if !l.starts_with("      ") {
            in_match = false;
        }
    }
    out.extend(cur);
    out.into_iter()
        .filter(|m| m.get("event_type").map(String::as_str) == Some("dhcp"))
        .collect()
}

#[test]
fn dhcpv4_agrees_with_suricata() {
    let mut a = Agreement::new("suricata", KNOWN_WRONG);
    let params = |name: &str| -> String {
        match name {
            "subnet_mask" => "1",
            "router" => "3",
            "dns_server" => "6",
            "domain" => "15",
            _ => "?",
        }
        .to_string()
    };
    for dir in [
        "dhcp-eve-extended",
        "dhcp-eve-extended-option-60",
        "dhcp-option-52-overload",
        "dhcp-option-52-overload-both",
    ] {
        let cap = format!("suricata-verify/{dir}/input.pcap");
        let frames = dhcp_frames(&common::data(&cap));
        for m in suricata_checks(&format!("suricata-verify/{dir}/test.yaml")) {
            let n: u64 = m["pcap_cnt"].parse().unwrap();
            let d = &frames[&n]["dhcp"];
            for (k, v) in &m {
                let (field, mine) = match k.as_str() {
                    "dhcp.id" => (
                        "dhcp.xid",
                        ours(d, "xid")
                            .and_then(|x| u32::from_str_radix(&x[2..], 16).ok())
                            .map(|x| x.to_string()),
                    ),
                    "dhcp.type" => ("dhcp.op", ours(d, "op")),
                    "dhcp.dhcp_type" => ("dhcp.message_type", ours(d, "message_type")),
                    "dhcp.client_mac" => ("dhcp.chaddr", ours(d, "chaddr")),
                    "dhcp.hostname" => ("dhcp.hostname", ours(d, "hostname")),
                    "dhcp.vendor_class_identifier" => {
                        ("dhcp.vendor_class", ours(d, "vendor_class"))
                    }
                    "dhcp.lease_time" => ("dhcp.lease_time", ours(d, "lease_time")),
                    "dhcp.renewal_time" => ("dhcp.renewal_time", ours(d, "renewal_time")),
                    "dhcp.rebinding_time" => ("dhcp.rebinding_time", ours(d, "rebinding_time")),
                    "dhcp.assigned_ip" => ("dhcp.yiaddr", ours(d, "yiaddr")),
                    "dhcp.client_ip" => ("dhcp.ciaddr", ours(d, "ciaddr")),
                    "dhcp.next_server_ip" => ("dhcp.siaddr", ours(d, "siaddr")),
                    "dhcp.relay_ip" => ("dhcp.giaddr", ours(d, "giaddr")),
                    // Suricata shows an Ethernet client id as a MAC, without the type byte.
                    "dhcp.client_id" => (
                        "dhcp.client_id",
                        ours(d, "client_id").map(|h| {
                            unhex(&h[2..])
                                .iter()
                                .map(|b| format!("{b:02x}"))
                                .collect::<Vec<_>>()
                                .join(":")
                        }),
                    ),
                    "dhcp.routers[0]" => (
                        "dhcp.options (3)",
                        opt_values(d, 3).first().and_then(|h| hex_ip(h)),
                    ),
                    "dhcp.dns_servers[0]" => (
                        "dhcp.options (6)",
                        opt_values(d, 6).first().and_then(|h| hex_ip(h)),
                    ),
                    "dhcp.subnet_mask" => (
                        "dhcp.options (1)",
                        opt_values(d, 1).first().and_then(|h| hex_ip(h)),
                    ),
                    p if p.starts_with("dhcp.params[") => {
                        let i: usize = p[12..p.len() - 1].parse().unwrap();
                        let mine = ours(d, &format!("parameter_request_list.{i}"));
                        a.eq(
                            &cap,
                            n,
                            "dhcp.parameter_request_list",
                            mine,
                            Some(params(v)),
                        );
                        continue;
                    }
                    _ => continue,
                };
                a.eq(&cap, n, field, mine, Some(v.clone()));
            }
        }
    }
    a.finish(45);
}
