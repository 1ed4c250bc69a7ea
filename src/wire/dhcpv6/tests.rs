use proptest::prelude::*;

use super::*;

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// `tcpdump/dhcpv6-ia-na.pcap` frame 2, the UDP payload: Advertise with IA_NA, DUID-LL client,
/// DUID-LLT server.
const ADVERTISE: &str = "0290b45c000300280203040500000e1000001518000500182a0000010001020038e6b22ec440acdf0000119400001c20
    0001000a000300010001020304050002000e000100011846488c001122334455";

fn advertise_repr(b: &[u8]) -> Repr<'_> {
    let mut r = Repr::empty(MessageType::Advertise);
    r.transaction_id = Some(0x90b45c);
    r.options = vec![
        Opt {
            code: 3,
            value: Hex(&b[8..48]),
        },
        Opt {
            code: 1,
            value: Hex(&b[52..62]),
        },
        Opt {
            code: 2,
            value: Hex(&b[66..80]),
        },
    ];
    r.ia = vec![Ia {
        kind: IaKind::Na,
        iaid: 0x02030405,
        t1: Some(3600),
        t2: Some(5400),
        options: &b[20..48],
    }];
    r.client_duid = Some(Duid(&b[52..62]));
    r.server_duid = Some(Duid(&b[66..80]));
    r
}

#[test]
fn deconstruct() {
    let b = unhex(ADVERTISE);
    let p = Packet::new_checked(&b[..]).unwrap();
    assert_eq!(p.msg_type(), 2);
    assert_eq!(p.transaction_id(), 0x90b45c);
    let opts: Vec<_> = OptionIter::new(p.options(), "t")
        .map(|o| o.unwrap())
        .collect();
    assert_eq!(opts.iter().map(|o| o.code).collect::<Vec<_>>(), [3, 1, 2]);
    assert_eq!(opts[1].data(), &b[52..62]);
}

#[test]
fn construct() {
    let b = unhex(ADVERTISE);
    let mut buf = vec![0u8; b.len()];
    let mut p = Packet::new_unchecked(&mut buf[..]);
    p.set_msg_type(2);
    p.set_transaction_id(0x90b45c);
    let mut off = 4;
    off += emit_option(3, &b[8..48], &mut buf[off..]);
    off += emit_option(1, &b[52..62], &mut buf[off..]);
    emit_option(2, &b[66..80], &mut buf[off..]);
    assert_eq!(buf, b);
}

#[test]
fn parse() {
    let b = unhex(ADVERTISE);
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert!(an.is_empty(), "{an:?}");
    assert_eq!(r, advertise_repr(&b));
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["message_type"], "advertise");
    assert_eq!(j["transaction_id"], "90b45c");
    assert_eq!(j["client_duid"]["type"], "ll");
    assert_eq!(j["client_duid"]["link_layer_addr"], "00:01:02:03:04:05");
    assert_eq!(j["server_duid"]["type"], "llt");
    assert_eq!(j["server_duid"]["time"], 407259276);
    assert_eq!(j["server_duid"]["hex"], "000100011846488c001122334455");
    assert_eq!(j["ia"][0]["type"], "na");
    assert_eq!(
        j["ia"][0]["addresses"][0]["address"],
        "2a00:1:1:200:38e6:b22e:c440:acdf"
    );
    assert_eq!(j["ia"][0]["addresses"][0]["valid_lifetime"], 7200);
    assert_eq!(j["options_order"], serde_json::json!([3, 1, 2]));
    assert_eq!(j["options"][1]["value"], "00030001000102030405");
    assert!(j.get("oro").is_none());
    assert!(!r.to_string().contains('\n'));
}

#[test]
fn emit() {
    let b = unhex(ADVERTISE);
    let r = advertise_repr(&b);
    assert_eq!(r.buffer_len(), b.len());
    let mut out = vec![0u8; b.len()];
    r.emit(&mut out);
    assert_eq!(out, b);
}

#[test]
fn decoded_options() {
    let mut b = vec![1, 0, 0, 1];
    let mut opt = |c: u16, d: &[u8]| {
        b.extend_from_slice(&c.to_be_bytes());
        b.extend_from_slice(&(d.len() as u16).to_be_bytes());
        b.extend_from_slice(d);
    };
    opt(1, &[0, 2, 0, 0, 0, 9, 0xaa, 0xbb]);
    opt(6, &[0, 23, 0, 24]);
    opt(8, &[0, 100]);
    opt(15, &[0, 3, b'a', b'b', b'c']);
    opt(
        16,
        &[
            0, 0, 0x01, 0x37, 0, 8, b'M', b'S', b'F', b'T', b' ', b'5', b'.', b'0',
        ],
    );
    opt(39, &[1, 4, b'h', b'o', b's', b't', 3, b'l', b'a', b'n', 0]);
    opt(
        24,
        &[
            3, b'f', b'o', b'o', 0, 3, b'b', b'a', b'r', 3, b'c', b'o', b'm', 0,
        ],
    );
    opt(14, &[]);
    opt(13, &[0, 2, b'n', b'o']);
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert!(an.is_empty(), "{an:?}");
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["client_duid"]["type"], "en");
    assert_eq!(j["client_duid"]["enterprise"], 9);
    assert_eq!(j["client_duid"]["identifier"], "aabb");
    assert_eq!(j["oro"], serde_json::json!([23, 24]));
    assert_eq!(j["elapsed_time"], 100);
    assert_eq!(j["user_class"], serde_json::json!(["abc"]));
    assert_eq!(
        j["vendor_class"],
        serde_json::json!({"enterprise": 311, "data": ["MSFT 5.0"]})
    );
    assert_eq!(j["enterprise_numbers"], serde_json::json!([9, 311]));
    assert_eq!(
        j["fqdn"],
        serde_json::json!({"flags": 1, "name": "host.lan"})
    );
    assert_eq!(j["domain_list"], serde_json::json!(["foo", "bar.com"]));
    assert_eq!(j["rapid_commit"], true);
    assert_eq!(
        j["status_code"],
        serde_json::json!({"code": "no-addrs-avail", "message": "no"})
    );
}

#[test]
fn lying_lengths_keep_what_parsed() {
    let b = unhex(ADVERTISE);
    // Cut inside the server-id option.
    let mut an = Vec::new();
    let r = decode(&b[..70], &mut an).unwrap();
    assert_eq!(an.len(), 2, "{an:?}"); // lying option length, DUID too short
    assert_eq!(r.options.len(), 3);
    assert_eq!(r.options[2].data(), &b[66..70]);
    assert!(r.client_duid.is_some());
    // IA with a nested option cut short.
    let mut b2 = b[..48].to_vec();
    b2[7] = 0x24; // IA_NA length 36 instead of 40 -> IAADDR truncated.
    b2.truncate(44);
    an.clear();
    let r = decode(&b2, &mut an).unwrap();
    assert_eq!(an.len(), 1, "{an:?}");
    assert_eq!(r.ia.len(), 1);
    assert!(decode(&[1, 2, 3], &mut an).is_err());
    // A relay header cut short.
    an.clear();
    let r = decode(&[12, 0, 0, 0, 0], &mut an).unwrap();
    assert_eq!(r.message_type, MessageType::RelayForw);
    assert_eq!(an.len(), 1);
}

#[test]
fn relay_nesting_is_bounded() {
    let inner = unhex(ADVERTISE);
    let mut msg = inner.clone();
    for _ in 0..20 {
        let mut m = vec![12u8, 1];
        m.extend_from_slice(&[0; 32]);
        m.extend_from_slice(&9u16.to_be_bytes());
        m.extend_from_slice(&(msg.len() as u16).to_be_bytes());
        m.extend_from_slice(&msg);
        msg = m;
    }
    let mut an = Vec::new();
    let r = decode(&msg, &mut an).unwrap();
    assert!(!an.is_empty());
    let mut depth = 0;
    let mut cur = &r;
    while let Some(next) = cur.relay.as_ref().and_then(|x| x.message.as_deref()) {
        cur = next;
        depth += 1;
    }
    assert!(depth < MAX_RELAY_DEPTH);
    let mut out = vec![0; r.buffer_len()];
    r.emit(&mut out);
    assert_eq!(out, msg);
}

/// `tcpdump/dhcpv6-vendor-specific-information.pcap` frame 1 starts with a relay-forw.
#[test]
fn relay_message_decodes() {
    let inner = unhex(ADVERTISE);
    let mut m = vec![12u8, 1];
    m.extend_from_slice(&[0xfc; 32]);
    m.extend_from_slice(&9u16.to_be_bytes());
    m.extend_from_slice(&(inner.len() as u16).to_be_bytes());
    m.extend_from_slice(&inner);
    let mut an = Vec::new();
    let r = decode(&m, &mut an).unwrap();
    assert!(an.is_empty(), "{an:?}");
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["relay"]["hop_count"], 1);
    assert_eq!(j["relay"]["message"]["message_type"], "advertise");
    assert!(j.get("transaction_id").is_none());
}

proptest! {
    #[test]
    fn round_trip(mt in 1u8..40, xid in 0u32..0x100_0000,
                  opts in proptest::collection::vec((any::<u16>(), proptest::collection::vec(any::<u8>(), 0..24)), 0..8)) {
        let relay = MessageType::from(mt).is_relay();
        let mut buf = vec![mt, 0, 0, 0];
        if relay {
            buf.resize(RELAY_HEADER_LEN, 7);
        } else {
            buf[1..4].copy_from_slice(&xid.to_be_bytes()[1..]);
        }
        // Options that parse cleanly: unknown codes (above 200) with any bytes.
        for (c, d) in &opts {
            let c = 200 + c % 1000;
            buf.extend_from_slice(&c.to_be_bytes());
            buf.extend_from_slice(&(d.len() as u16).to_be_bytes());
            buf.extend_from_slice(d);
        }
        let mut an = Vec::new();
        let r = decode(&buf, &mut an).unwrap();
        let mut out = vec![0u8; r.buffer_len()];
        r.emit(&mut out);
        prop_assert_eq!(&out, &buf);
        let mut an2 = Vec::new();
        let again = decode(&out, &mut an2).unwrap();
        prop_assert_eq!(&an, &an2);
        prop_assert_eq!(again, r);
        if !relay {
            prop_assert!(an.is_empty());
        }
    }
}

/// `tcpdump/malformed/dhcp6_reconf_asan.pcap` frame 1, the UDP payload: a relay-reply whose
/// options are two empty reconfigure-message options and no relay message.
#[test]
fn malformed_reconf_relay() {
    let b = unhex(
        "0d1d030010ed00ff0f01000f0000007f007fffb63a640000000000c12300581c0d00 0013 0000 0013 0000",
    );
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(r.message_type, MessageType::RelayRepl);
    assert_eq!(r.relay.as_ref().unwrap().hop_count, 0x1d);
    assert_eq!(r.options.len(), 2);
    assert_eq!(
        an,
        vec![Error::content("dhcpv6.relay", 0, "no relay message option")]
    );
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["relay"]["link"], "300:10ed:ff:f01:f:0:7f:7f");
    assert_eq!(j["options_order"], serde_json::json!([19, 19]));
}

proptest! {
    /// The fuzz property on arbitrary bytes (a short stand-in for the cargo-fuzz target).
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        crate::wire::fuzzing::dhcpv6(&data);
    }
}

#[test]
fn client_fqdn_partial_name_is_not_an_anomaly() {
    // tcpdump/dhcpv6-mud.pcap: the Raspberry Pi sends flags 0x01 and the partial name
    // "raspberrypi" without a terminating zero label (RFC 4704 section 4.2).
    let mut an = Vec::new();
    let f = super::views::Fqdn::parse(b"\x01\x0braspberrypi", 0, &mut an).unwrap();
    assert!(an.is_empty(), "{an:?}");
    assert_eq!(f.name.to_string(), "raspberrypi");
    // A label running past the end is still malformed.
    let mut an = Vec::new();
    super::views::Fqdn::parse(b"\x01\x0craspberrypi", 0, &mut an).unwrap();
    assert_eq!(an.len(), 1);
}
