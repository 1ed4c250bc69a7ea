//! `cybriq decode` as a user runs it: exit codes, output shapes, bad input.

mod common;

use std::process::Command;

fn cybriq(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cybriq"))
        .args(args)
        .output()
        .expect("run cybriq")
}

fn path(rel: &str) -> String {
    common::data(rel).to_string_lossy().into_owned()
}

#[test]
fn json_lines_one_per_decoded_frame() {
    let out = cybriq(&["decode", "--json", &path("tcpdump/LLDP_and_CDP.pcap")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), 12);
    assert_eq!(lines.iter().filter(|v| v["proto"] == "lldp").count(), 8);
    assert_eq!(lines.iter().filter(|v| v["proto"] == "cdp").count(), 4);
    assert_eq!(lines[0]["frame"], 1);
    assert_eq!(lines[0]["ts"], "2010-10-02T03:00:34.141848Z");
    assert_eq!(lines[2]["src_mac"], "00:19:2f:a7:b2:8d");
}

#[test]
fn other_protocols_are_skipped_and_indices_stay_file_based() {
    // eapon1.pcap: 114 frames, of which 41 EAPOL, 10 DHCP, 5 ARP, 3 SSDP M-SEARCH (the rest
    // NetBIOS/SMB etc.).
    let out = cybriq(&["decode", "--json", &path("tcpdump/eapon1.pcap")]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let v: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(v.len(), 59);
    assert_eq!(v.iter().filter(|x| x["proto"] == "ssdp").count(), 3);
    assert!(v.iter().any(|x| x["frame"].as_u64().unwrap() > 100));
}

#[test]
fn text_mode_one_line_per_frame() {
    let out = cybriq(&[
        "decode",
        &path("tcpdump/802.1ad_QinQ.pcap"),
        &path("tcpdump/dhcp-option-108.pcapng"),
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("vlan 200 vlan 2001 ARP")
    );
}

#[test]
fn not_a_capture_exits_2_with_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("cybriq-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bogus = dir.join("notes.txt");
    std::fs::write(&bogus, "this is not a capture\n").unwrap();
    let out = cybriq(&["decode", "--json", bogus.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("notes.txt") && err.contains("pcap"), "{err}");
    assert!(out.stdout.is_empty());

    // A missing file too; and a good file beside a bad one is still decoded.
    let out = cybriq(&[
        "decode",
        "--json",
        dir.join("missing.pcap").to_str().unwrap(),
        &path("zeek/lldp.pcap"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn truncated_capture_keeps_the_records_before_the_cut() {
    let src = std::fs::read(common::data("tcpdump/LLDP_and_CDP.pcap")).unwrap();
    let dir = std::env::temp_dir().join(format!("cybriq-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cut = dir.join("cut.pcap");
    std::fs::write(&cut, &src[..src.len() - 50]).unwrap();
    let out = cybriq(&["decode", "--json", cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 11);
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unsupported_link_type_is_named() {
    // A pcap header with LINKTYPE 9 (PPP) and no records.
    let mut h = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    h.extend_from_slice(&65535u32.to_le_bytes());
    h.extend_from_slice(&9u32.to_le_bytes());
    let f = std::env::temp_dir().join(format!("cybriq-ppp-{}.pcap", std::process::id()));
    std::fs::write(&f, h).unwrap();
    let out = cybriq(&["decode", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("link type 9"));
    std::fs::remove_file(&f).ok();
}
