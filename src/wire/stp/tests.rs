use proptest::prelude::*;

use super::*;

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// `tcpdump/evb.pcap` frame 1, after the LLC header: an MSTP BPDU, no MSTI records.
const MSTP: &str = "0000 0302 3c80 0008 0027 0df1 3c00 0000 0080 0008 0027 0df1 3c80 0300 0014 0002
    000f 0000 0040 0044 6566 6175 6c74 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000
    0000 0000 00ac 3617 7f50 283c d4b8 3821 d8ab 26de 6200 0000 0080 0008 0027 0df1 3c14";

fn id() -> BridgeId {
    BridgeId {
        priority: 0x8000,
        system_id: 0,
        mac: MacAddr([0x08, 0x00, 0x27, 0x0d, 0xf1, 0x3c]),
    }
}

fn mstp_repr(b: &[u8]) -> Repr<'_> {
    Repr {
        protocol: "mstp",
        protocol_id: 0,
        version: 3,
        bpdu_type: BpduType::Rst,
        flags: Some(Flags(0x3c)),
        port_role: Some(PortRole::Designated),
        root_id: Some(id()),
        root_path_cost: Some(0),
        bridge_id: Some(id()),
        port_id: Some(0x8003),
        message_age: Some(Timer(0)),
        max_age: Some(Timer(20 * 256)),
        hello_time: Some(Timer(2 * 256)),
        forward_delay: Some(Timer(15 * 256)),
        version1_length: Some(0),
        mst: Some(Mst {
            version3_len: 64,
            format_selector: 0,
            config_name: Text(&b[39..71]),
            revision: 0,
            digest: Hex(&b[73..89]),
            cist_internal_root_path_cost: 0,
            cist_bridge_id: id(),
            remaining_hops: 20,
            msti: vec![],
        }),
        pvst_vlan: None,
        trailer: &[],
    }
}

#[test]
fn deconstruct() {
    let b = unhex(MSTP);
    assert_eq!(b.len(), 102);
    let p = Packet::new_checked(&b[..]).unwrap();
    assert_eq!(p.protocol_id(), 0);
    assert_eq!(p.version(), 3);
    assert_eq!(p.bpdu_type(), 2);
    assert_eq!(p.flags(), Some(0x3c));
    assert_eq!(p.root_id(), Some(id()));
    assert_eq!(p.root_path_cost(), Some(0));
    assert_eq!(p.bridge_id(), Some(id()));
    assert_eq!(p.port_id(), Some(0x8003));
    assert_eq!(p.max_age(), Some(0x1400));
    assert_eq!(p.hello_time(), Some(0x0200));
    assert_eq!(p.forward_delay(), Some(0x0f00));
    assert_eq!(p.version1_len(), Some(0));
    assert_eq!(p.version3_len(), Some(64));
    assert_eq!(&p.mst_config_name().unwrap()[..7], b"Default");
    assert_eq!(p.mst_digest().unwrap()[0], 0xac);
    assert_eq!(p.cist_bridge_id(), Some(id()));
}

#[test]
fn construct() {
    let b = unhex(MSTP);
    let mut buf = vec![0u8; 102];
    let mut p = Packet::new_unchecked(&mut buf[..]);
    p.set_header(0, 3, 2);
    p.set_config(0x3c, id(), 0, id(), 0x8003, [0, 0x1400, 0x0200, 0x0f00]);
    p.set_version1_len(0);
    p.set_mst(mstp_repr(&b).mst.as_ref().unwrap());
    assert_eq!(buf, b);
}

#[test]
fn parse() {
    let b = unhex(MSTP);
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert!(an.is_empty(), "{an:?}");
    assert_eq!(r, mstp_repr(&b));
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["protocol"], "mstp");
    assert_eq!(j["bpdu_type"], "rst");
    assert_eq!(j["flags"], serde_json::json!(["learning", "forwarding"]));
    assert_eq!(j["port_role"], "designated");
    assert_eq!(
        j["root_id"],
        serde_json::json!({"priority": 32768, "system_id": 0, "mac": "08:00:27:0d:f1:3c"})
    );
    assert_eq!(j["max_age"], 20.0);
    assert_eq!(j["mst"]["config_name"], "Default");
    assert_eq!(j["mst"]["digest"], "ac36177f50283cd4b83821d8ab26de62");
    assert_eq!(j["mst"]["remaining_hops"], 20);
    assert!(!r.to_string().contains('\n'));
}

#[test]
fn emit() {
    let b = unhex(MSTP);
    let r = mstp_repr(&b);
    assert_eq!(r.buffer_len(), 102);
    let mut out = vec![0u8; 102];
    r.emit(&mut out);
    assert_eq!(out, b);
}

#[test]
fn tcn_and_truncated() {
    let mut an = Vec::new();
    let r = decode(&[0, 0, 0, 0x80], &mut an).unwrap();
    assert_eq!(r.bpdu_type, BpduType::Tcn);
    assert!(an.is_empty());
    assert_eq!(serde_json::to_value(&r).unwrap()["bpdu_type"], "tcn");
    let b = unhex(MSTP);
    let r = decode(&b[..20], &mut an).unwrap();
    assert_eq!(an.len(), 1);
    assert_eq!(r.root_id, None);
    assert!(decode(&b[..3], &mut an).is_err());
    // MSTP with a version-3 length promising two records that are not there.
    let mut b2 = b.clone();
    b2[36..38].copy_from_slice(&96u16.to_be_bytes());
    an.clear();
    let r = decode(&b2, &mut an).unwrap();
    assert_eq!(an.len(), 1);
    assert!(r.mst.unwrap().msti.is_empty());
}

#[test]
fn pvst_trailer() {
    let b = unhex(MSTP);
    let mut cfg = b[..35].to_vec();
    cfg[2] = 0;
    cfg[3] = 0;
    cfg.extend_from_slice(&[0, 0, 0, 2, 0, 10]);
    let mut an = Vec::new();
    let r = decode(&cfg, &mut an).unwrap();
    assert!(an.is_empty());
    assert_eq!(r.protocol, "stp");
    assert_eq!(r.pvst_vlan, Some(10));
    assert_eq!(r.port_role, None);
    let mut out = vec![0; r.buffer_len()];
    r.emit(&mut out);
    assert_eq!(out, cfg); // With zero padding before the TLV (and not a TLV when the padding is not zero).
    let mut padded = cfg[..35].to_vec();
    padded.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 20]);
    assert_eq!(decode(&padded, &mut an).unwrap().pvst_vlan, Some(20));
    padded[35] = 1;
    assert_eq!(decode(&padded, &mut an).unwrap().pvst_vlan, None);
    assert!(an.is_empty());
}

fn bridge_id() -> impl Strategy<Value = BridgeId> {
    (0u16..16, 0u16..4096, any::<[u8; 6]>()).prop_map(|(p, s, m)| BridgeId {
        priority: p << 12,
        system_id: s,
        mac: MacAddr(m),
    })
}

proptest! {
    #[test]
    fn round_trip(version in 3u8..5, flags: u8, root in bridge_id(), bridge in bridge_id(), cist in bridge_id(),
                  cost: u32, port: u16, timers: [u16; 4], name: [u8; 32], digest: [u8; 16], rev: u16,
                  hops: u8, n in 0usize..4, rec: [u8; 16]) {
        let mstis: Vec<Msti> = (0..n).map(|i| {
            let mut r = rec;
            r[0] = r[0].wrapping_add(i as u8);
            Msti::parse(&r)
        }).collect();
        let r = Repr {
            protocol: "mstp", protocol_id: 0, version, bpdu_type: BpduType::Rst,
            flags: Some(Flags(flags)), port_role: Some(Flags(flags).port_role()),
            root_id: Some(root), root_path_cost: Some(cost), bridge_id: Some(bridge), port_id: Some(port),
            message_age: Some(Timer(timers[0])), max_age: Some(Timer(timers[1])),
            hello_time: Some(Timer(timers[2])), forward_delay: Some(Timer(timers[3])),
            version1_length: Some(0),
            mst: Some(Mst { version3_len: (64 + 16 * n) as u16, format_selector: 0, config_name: Text(&name),
                revision: rev, digest: Hex(&digest), cist_internal_root_path_cost: cost,
                cist_bridge_id: cist, remaining_hops: hops, msti: mstis }),
            pvst_vlan: None, trailer: &[],
        };
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut buf);
        let mut an = Vec::new();
        let again = decode(&buf, &mut an).unwrap();
        prop_assert!(an.is_empty());
        prop_assert_eq!(again, r);
    }
}

proptest! {
    /// The fuzz property on arbitrary bytes (a short stand-in for the cargo-fuzz target).
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        crate::wire::fuzzing::stp(&data);
    }
}
