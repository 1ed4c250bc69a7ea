//! Unit tests on real frames from the corpus, hand-made malformed messages, and a proptest
//! round trip.

use super::*;

/// `tests/data/zeek/dhcp_ack_subscriber_id_and_agent_remote_id.pcap` frame 1, UDP payload: a
/// relayed DHCPACK with option 82 (circuit id, remote id, subscriber id).
static ACK: [u8; 337] = [
    0x02, 0x01, 0x06, 0x00, 0x00, 0x00, 0x3d, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xc0, 0xa8, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x28, 0x00,
    0xfa, 0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x82, 0x53, 0x63,
    0x35, 0x01, 0x05, 0x3a, 0x04, 0x00, 0x00, 0x07, 0x08, 0x3b, 0x04, 0x00, 0x00, 0x0c, 0x2e, 0x33,
    0x04, 0x00, 0x00, 0x0e, 0x10, 0x36, 0x04, 0x0a, 0x0a, 0x00, 0x01, 0x01, 0x04, 0xff, 0xff, 0xff,
    0x00, 0x52, 0x24, 0x01, 0x16, 0x74, 0x68, 0x69, 0x73, 0x20, 0x69, 0x73, 0x20, 0x6f, 0x6e, 0x6c,
    0x79, 0x20, 0x61, 0x20, 0x74, 0x65, 0x73, 0x74, 0x2e, 0x2e, 0x2e, 0x02, 0x01, 0x13, 0x06, 0x07,
    0x2d, 0x73, 0x75, 0x62, 0x49, 0x44, 0x2d, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00,
];

/// `tests/data/tcpdump/dhcp-rfc3004.pcap` frame 1: DHCPDISCOVER with an RFC 3004 user class.
const RFC3004: &str = concat!(
    "0101060006e328640000000000000000000000000000000000000000000c291f74060000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363",
    "3501013204c0a801043707011c02030f060c4d25077375626f707431117375626f7074322d3132333435363738390a73",
    "75626f7074332d3132ff0000"
);

/// `tests/data/suricata-verify/dhcp-option-52-overload-both/input.pcap` frame 1: DHCPDISCOVER
/// with option overload 3 (options in `file` and `sname`).
const OVERLOAD_BOTH: &str = concat!(
    "01010600ac2effff000000000000000000000000000000000000000000006c82dc4e000000000000000000003814736e",
    "616d65206669656c64206f7665726c6f6164ff0000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000381866696c65206e616d65206669656c64206f7665726c6f6164ff000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363",
    "3501013902024e3704011c032b330400000e10340103380750616464696e67003d070100006c82dc4eff"
);

/// `tests/data/suricata-verify/dhcp-eve-extended-option-60/input.pcap` frame 1: Windows
/// DHCPREQUEST with client FQDN (option 81) and vendor class "MSFT 5.0".
const MSFT: &str = concat!(
    "01010600e01cc718000000000000000000000000000000000000000028cfdadc8d760000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363",
    "3501033d070128cfdadc8d763204c0a8016f0c0c4e69636b734d6163426f6f6b510f0000004e69636b734d6163426f6f",
    "6b3c084d53465420352e30370c010f03062c2e2f1f2179f92bff"
);

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn json(r: &Repr<'_>) -> serde_json::Value {
    serde_json::to_value(r).unwrap()
}

#[test]
fn deconstruct() {
    let p = Packet::new_checked(&ACK[..]).unwrap();
    assert_eq!(p.op(), 2);
    assert_eq!(p.htype(), 1);
    assert_eq!(p.hlen(), 6);
    assert_eq!(p.hops(), 0);
    assert_eq!(p.xid(), 0x3d11);
    assert_eq!(p.secs(), 0);
    assert_eq!(p.flags(), 0);
    assert_eq!(p.ciaddr(), Ipv4Addr::UNSPECIFIED);
    assert_eq!(p.yiaddr(), Ipv4Addr::new(192, 168, 0, 10));
    assert_eq!(p.siaddr(), Ipv4Addr::UNSPECIFIED);
    assert_eq!(p.giaddr(), Ipv4Addr::UNSPECIFIED);
    assert_eq!(&p.chaddr()[..6], &[0x00, 0x0a, 0x28, 0x00, 0xfa, 0x42]);
    assert!(p.sname().iter().all(|&b| b == 0));
    assert!(p.file().iter().all(|&b| b == 0));
    assert_eq!(p.magic_cookie(), Some(MAGIC_COOKIE));
    assert_eq!(&p.options()[..3], &[53, 1, 5]);
    let codes: Vec<u8> = OptionIter::new(p.options(), 240, Area::Options)
        .map(|o| o.unwrap().code)
        .collect();
    assert_eq!(codes, [53, 58, 59, 51, 54, 1, 82]);
}

#[test]
fn construct() {
    let mut buf = vec![0u8; ACK.len()];
    let mut p = Packet::new_unchecked(&mut buf[..]);
    p.set_op(2);
    p.set_htype(1);
    p.set_hlen(6);
    p.set_hops(0);
    p.set_xid(0x3d11);
    p.set_secs(0);
    p.set_flags(0);
    p.set_ciaddr(Ipv4Addr::UNSPECIFIED);
    p.set_yiaddr(Ipv4Addr::new(192, 168, 0, 10));
    p.set_siaddr(Ipv4Addr::UNSPECIFIED);
    p.set_giaddr(Ipv4Addr::UNSPECIFIED);
    p.chaddr_mut()[..6].copy_from_slice(&[0x00, 0x0a, 0x28, 0x00, 0xfa, 0x42]);
    let opts: &[(u8, &[u8])] = &[
        (53, &[5]),
        (58, &[0, 0, 0x07, 0x08]),
        (59, &[0, 0, 0x0c, 0x2e]),
        (51, &[0, 0, 0x0e, 0x10]),
        (54, &[10, 10, 0, 1]),
        (1, &[255, 255, 255, 0]),
        (82, &ACK[275..311]),
    ];
    let v = p.vendor_area_mut();
    v[..4].copy_from_slice(&MAGIC_COOKIE);
    let mut off = 4;
    for (c, val) in opts {
        v[off] = *c;
        v[off + 1] = val.len() as u8;
        v[off + 2..off + 2 + val.len()].copy_from_slice(val);
        off += 2 + val.len();
    }
    v[off] = 255;
    assert_eq!(&buf[..], &ACK[..]);
}

#[test]
fn parse() {
    let mut an = Vec::new();
    let r = decode(&ACK, &mut an).unwrap();
    assert_eq!(an, []);
    assert_eq!(r.op, Op::Reply);
    assert_eq!(r.message_type, Some(MessageType(5)));
    assert_eq!(r.xid, 0x3d11);
    assert_eq!(
        r.chaddr.mac(),
        Some(MacAddr([0x00, 0x0a, 0x28, 0x00, 0xfa, 0x42]))
    );
    assert_eq!(r.yiaddr, Ipv4Addr::new(192, 168, 0, 10));
    assert_eq!(r.server_id, Some(Ipv4Addr::new(10, 10, 0, 1)));
    assert_eq!(r.lease_time, Some(3600));
    assert_eq!(r.renewal_time, Some(1800));
    assert_eq!(r.rebinding_time, Some(3118));
    let ra = r.relay_agent.as_ref().unwrap();
    assert_eq!(ra.circuit_id(), Some(&b"this is only a test..."[..]));
    assert_eq!(ra.remote_id(), Some(&[0x13][..]));
    assert_eq!(ra.subscriber_id(), Some(&b"-subID-"[..]));
    assert_eq!(r.options_order, [53, 58, 59, 51, 54, 1, 82]);
    assert_eq!(r.sname, None);
    assert_eq!(r.file, None);
    let j = json(&r);
    assert_eq!(j["xid"], "0x00003d11");
    assert_eq!(j["flags"], false);
    assert_eq!(j["message_type"], "ack");
    assert_eq!(j["relay_agent"]["remote_id"], "13");
    assert_eq!(j["relay_agent"]["subscriber_id"], "-subID-");
    assert_eq!(j["options"][0]["code"], 53);
    assert_eq!(j["options"][0]["value"], "05");
    assert!(j.get("hostname").is_none());
    assert_eq!(
        r.to_string(),
        "reply ack xid 0x00003d11 chaddr 00:0a:28:00:fa:42 yiaddr 192.168.0.10 server 10.10.0.1 lease 3600"
    );
}

#[test]
fn emit() {
    let mut an = Vec::new();
    let r = decode(&ACK, &mut an).unwrap();
    assert_eq!(r.buffer_len(), ACK.len());
    let mut buf = vec![0xaa; r.buffer_len()];
    r.emit(&mut buf);
    assert_eq!(&buf[..], &ACK[..]);
    for h in [RFC3004, OVERLOAD_BOTH, MSFT] {
        let b = unhex(h);
        let r = decode(&b, &mut an).unwrap();
        let mut out = vec![0; r.buffer_len()];
        r.emit(&mut out);
        assert_eq!(out, b);
    }
    assert_eq!(an, []);
}

#[test]
fn user_class_rfc3004() {
    let b = unhex(RFC3004);
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(an, []);
    let j = json(&r);
    assert_eq!(
        j["user_class"],
        serde_json::json!(["subopt1", "subopt2-123456789", "subopt3-12"])
    );
    assert_eq!(
        j["parameter_request_list"],
        serde_json::json!([1, 28, 2, 3, 15, 6, 12])
    );
    assert_eq!(j["requested_ip"], "192.168.1.4");
    // Plain text, as many clients send it.
    assert_eq!(
        serde_json::to_value(UserClass(Cow::Borrowed(b"iPXE"))).unwrap(),
        serde_json::json!(["iPXE"])
    );
}

#[test]
fn overload_both_reads_file_then_sname() {
    let b = unhex(OVERLOAD_BOTH);
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(an, []);
    assert_eq!(r.overload, Some(3));
    assert_eq!(r.sname, None);
    assert_eq!(r.file, None);
    assert_eq!(r.options_order, [53, 57, 55, 51, 52, 56, 61, 56, 56]);
    let areas: Vec<Area> = r.options.iter().map(|o| o.area).collect();
    assert_eq!(areas[7], Area::File);
    assert_eq!(areas[8], Area::Sname);
    assert_eq!(r.options[7].value, b"file name field overload");
    assert_eq!(r.options[8].value, b"sname field overload");
    assert_eq!(r.lease_time, Some(3600));
}

#[test]
fn client_fqdn_ascii() {
    let b = unhex(MSFT);
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(an, []);
    let j = json(&r);
    assert_eq!(j["client_fqdn"]["name"], "NicksMacBook");
    assert_eq!(j["vendor_class"], "MSFT 5.0");
    assert_eq!(j["hostname"], "NicksMacBook");
    assert_eq!(j["client_id"], "0128cfdadc8d76");
}

/// A DHCP message: the ACK's fixed header with the given options, End and no padding.
fn message(opts: &[(u8, &[u8])]) -> Vec<u8> {
    let mut b = ACK[..240].to_vec();
    for (c, v) in opts {
        b.push(*c);
        b.push(v.len() as u8);
        b.extend_from_slice(v);
    }
    b.push(255);
    b
}

#[test]
fn decoded_options() {
    let search = b"\x03eng\x07example\x03com\x00\x03lab\xc0\x04";
    let b = message(&[
        (53, &[1]),
        (81, b"\x05\x00\x00\x04host\x07example\x03com\x00"),
        (93, &[0, 7, 0, 9]),
        (94, &[1, 3, 16]),
        (
            97,
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        ),
        (119, search),
        (121, &[24, 10, 1, 2, 10, 0, 0, 1, 0, 10, 0, 0, 254]),
        (124, &[0, 0, 0x0d, 0xe9, 6, 5, b'h', b'e', b'l', b'l', b'o']),
        (125, &[0, 0, 0x0d, 0xe9, 4, 1, 2, 0xab, 0xcd]),
        (82, &[1, 2, b'g', b'0', 5, 4, 10, 0, 0, 1, 9, 1, 0xff]),
    ]);
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(an, []);
    let j = json(&r);
    assert_eq!(
        j["client_fqdn"],
        serde_json::json!({"flags": 5, "name": "host.example.com"})
    );
    assert_eq!(j["client_arch"], serde_json::json!([7, 9]));
    assert_eq!(
        j["client_ndi"],
        serde_json::json!({"type": 1, "major": 3, "minor": 16})
    );
    assert_eq!(j["client_uuid"], "01020304-0506-0708-090a-0b0c0d0e0f10");
    assert_eq!(
        j["domain_search"],
        serde_json::json!(["eng.example.com", "lab.example.com"])
    );
    assert_eq!(
        j["classless_routes"],
        serde_json::json!([
            {"destination": "10.1.2.0/24", "router": "10.0.0.1"},
            {"destination": "0.0.0.0/0", "router": "10.0.0.254"}
        ])
    );
    assert_eq!(
        j["vi_vendor_class"],
        serde_json::json!([{"enterprise": 3561, "data": ["68656c6c6f"]}])
    );
    assert_eq!(
        j["vi_vendor_info"],
        serde_json::json!([{"enterprise": 3561, "suboptions": [{"code": 1, "value": "abcd"}]}])
    );
    assert_eq!(
        j["relay_agent"],
        serde_json::json!({"circuit_id": "6730", "link_selection": "10.0.0.1", "other": [{"code": 9, "value": "ff"}]})
    );
}

#[test]
fn split_options_are_joined() {
    let b = message(&[
        (53, &[3]),
        (12, b"split-"),
        (55, &[1, 3]),
        (12, b"host"),
        (55, &[6]),
    ]);
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(an, []);
    let j = json(&r);
    assert_eq!(j["hostname"], "split-host");
    assert_eq!(j["parameter_request_list"], serde_json::json!([1, 3, 6]));
    assert_eq!(r.options.len(), 5);
}

#[test]
fn anomalies_keep_what_parsed() {
    let mut an = Vec::new();
    // Truncated option: the earlier options are kept.
    let mut b = message(&[(53, &[1]), (12, b"host")]);
    b.pop();
    b.extend_from_slice(&[60, 20, b'x']);
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(r.hostname.as_deref(), Some(&b"host"[..]));
    assert!(matches!(
        an[..],
        [Error::Len {
            layer: "dhcp.option",
            ..
        }]
    ));
    let mut out = vec![0; r.buffer_len()];
    r.emit(&mut out);
    assert_eq!(out, b);

    // Missing and duplicated message type, bad lengths.
    an.clear();
    decode(&message(&[(12, b"h")]), &mut an).unwrap();
    assert_eq!(an, [Error::content("dhcp", 240, "no message type option")]);
    an.clear();
    let b = message(&[(53, &[1]), (53, &[3]), (51, &[0, 1])]);
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(r.message_type, Some(MessageType(1)));
    assert_eq!(r.lease_time, None);
    assert_eq!(an.len(), 2);

    // No magic cookie: plain BOOTP, header kept.
    an.clear();
    let mut b = ACK.to_vec();
    b[236] = 0;
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(r.xid, 0x3d11);
    assert!(r.options.is_empty());
    assert_eq!(an, [Error::content("dhcp", 236, "no magic cookie")]);
    let mut out = vec![0; r.buffer_len()];
    r.emit(&mut out);
    assert_eq!(out, b);

    // Fixed header cut short: nothing usable.
    assert!(decode(&ACK[..200], &mut an).is_err());

    // Overload pointing at garbage, pointer loop in domain search, bad overload value.
    an.clear();
    let mut b = message(&[
        (53, &[1]),
        (52, &[1]),
        (119, b"\x03abc\xc0\x00\x03def\xc0\x05"),
    ]);
    b[108] = 7;
    b[109] = 200;
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(r.overload, Some(1));
    assert_eq!(an.len(), 2, "{an:?}");
    an.clear();
    decode(&message(&[(53, &[1]), (52, &[9])]), &mut an).unwrap();
    assert_eq!(
        an,
        [Error::content("dhcp.option", 243, "bad option overload")]
    );
}

#[test]
fn option_count_is_capped() {
    let many: Vec<(u8, &[u8])> = (0..400).map(|_| (200u8, &[][..])).collect();
    let mut opts = vec![(53u8, &[1u8][..])];
    opts.extend(many);
    let b = message(&opts);
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(r.options.len(), MAX_OPTIONS);
    assert_eq!(an.len(), 1);
    let mut out = vec![0; r.buffer_len()];
    r.emit(&mut out);
    assert_eq!(out, b);
}

#[test]
fn never_panics_on_prefixes_and_corruptions() {
    for h in [RFC3004, OVERLOAD_BOTH, MSFT] {
        let b = unhex(h);
        for n in 0..=b.len() {
            crate::wire::fuzzing::dhcpv4(&b[..n]);
        }
        for i in 236..b.len() {
            let mut c = b.clone();
            c[i] ^= 0xff;
            crate::wire::fuzzing::dhcpv4(&c);
        }
    }
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    fn option() -> impl Strategy<Value = (u8, Vec<u8>)> {
        (1u8..=254, proptest::collection::vec(any::<u8>(), 0..40))
            .prop_filter("53 and 52 are set separately", |(c, _)| {
                *c != 53 && *c != 52
            })
    }

    proptest! {
        #[test]
        fn round_trip(
            op in 1u8..=2,
            xid in any::<u32>(),
            secs in any::<u16>(),
            bcast in any::<bool>(),
            addrs in any::<[u8; 16]>(),
            mac in any::<[u8; 6]>(),
            mtype in 1u8..=18,
            opts in proptest::collection::vec(option(), 0..12),
            pads in 0usize..4,
            trailer in 0usize..20,
        ) {
            let mut b = vec![0u8; 240];
            b[0] = op;
            b[1] = 1;
            b[2] = 6;
            b[4..8].copy_from_slice(&xid.to_be_bytes());
            b[8..10].copy_from_slice(&secs.to_be_bytes());
            b[10] = if bcast { 0x80 } else { 0 };
            b[12..28].copy_from_slice(&addrs);
            b[28..34].copy_from_slice(&mac);
            b[236..240].copy_from_slice(&MAGIC_COOKIE);
            b.extend_from_slice(&[53, 1, mtype]);
            b.extend(std::iter::repeat_n(0, pads));
            for (c, v) in &opts {
                b.push(*c);
                b.push(v.len() as u8);
                b.extend_from_slice(v);
            }
            b.push(255);
            b.extend(std::iter::repeat_n(0, trailer));
            let mut an = Vec::new();
            let r = decode(&b, &mut an).unwrap();
            // Structured options may find their own faults in random data; the walk may not.
            prop_assert!(an.iter().all(|e| e.layer().starts_with("dhcp.option.") || matches!(e, Error::Content { kind: "bad option length" | "duplicate option" | "odd length", .. })), "{an:?}");
            prop_assert_eq!(r.options.len(), opts.len() + 1);
            prop_assert_eq!(r.message_type, Some(MessageType(mtype)));
            prop_assert_eq!(r.xid, xid);
            prop_assert_eq!(r.chaddr.mac(), Some(MacAddr(mac)));
            let mut out = vec![0; r.buffer_len()];
            r.emit(&mut out);
            prop_assert_eq!(&out, &b);
            let mut an2 = Vec::new();
            let r2 = decode(&out, &mut an2).unwrap();
            prop_assert_eq!(r2, r);
            prop_assert_eq!(an2, an);
        }

        #[test]
        fn clean_round_trip(
            xid in any::<u32>(),
            host in "[a-z0-9-]{1,30}",
            vendor in "[ -~]{1,40}",
            prl in proptest::collection::vec(1u8..=254, 1..20),
            lease in any::<u32>(),
        ) {
            let lb = lease.to_be_bytes();
            let mut b = message(&[(53, &[3]), (12, host.as_bytes()), (60, vendor.as_bytes()), (55, &prl), (51, &lb)]);
            b[4..8].copy_from_slice(&xid.to_be_bytes());
            let mut an = Vec::new();
            let r = decode(&b, &mut an).unwrap();
            prop_assert_eq!(&an, &Vec::<Error>::new());
            let mut out = vec![0; r.buffer_len()];
            r.emit(&mut out);
            let r2 = decode(&out, &mut an).unwrap();
            prop_assert!(an.is_empty());
            prop_assert_eq!(&r2, &r);
            let j = json(&r2);
            prop_assert_eq!(j["hostname"].as_str(), Some(host.as_str()));
            prop_assert_eq!(j["vendor_class"].as_str(), Some(vendor.as_str()));
            prop_assert_eq!(r2.lease_time, Some(lease));
            prop_assert_eq!(r2.parameter_request_list.as_deref(), Some(&prl[..]));
        }
    }
}

#[test]
fn corpus_malformed_bootp() {
    // `tests/data/tcpdump/malformed/bootp_asan.pcap` (and `-2`) frame 1, UDP payload: 11 bytes
    // of a BOOTP header (the IP packet is a fragment, so frame decoding never hands it over).
    let b = [
        0x00, 0x00, 0x00, 0x0d, 0x14, 0x00, 0x00, 0x00, 0x0d, 0x00, 0xff,
    ];
    let mut an = Vec::new();
    assert_eq!(
        decode(&b, &mut an),
        Err(Error::len("dhcp", 0, HEADER_LEN, 11))
    );
    crate::wire::fuzzing::dhcpv4(&b);
}
