use super::*;

/// `ladvd/edp/pcap/edp1.trace` frame 1, the EDP bytes after the SNAP header (316 bytes; the
/// display name field is zero-filled after "HD000002", so the zeros are added in code).
fn edp1() -> Vec<u8> {
    let mut b = vec![
        0x01, 0x00, 0x01, 0x3c, 0x72, 0x88, 0x98, 0xc6, 0x00, 0x00, 0x00, 0x04, 0x96, 0x10, 0xaa,
        0x10, // header
        0x99, 0x02, 0x00, 0x24, 0x00, 0x07, 0x00, 0x3b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x0b, 0x02, 0x02, 0x04, // info ...
    ];
    b.extend_from_slice(&[0; 16]); // ... virtual chassis connections
    b.extend_from_slice(&[0x99, 0x01, 0x01, 0x04]);
    b.extend_from_slice(b"HD000002");
    b.extend_from_slice(&[0; 248]);
    b.extend_from_slice(&[0x99, 0x00, 0x00, 0x04]);
    b
}

#[test]
fn deconstruct_parse_emit() {
    let buf = edp1();
    let p = Packet::new_checked(&buf[..]).unwrap();
    assert_eq!(
        (p.version(), p.length(), p.checksum(), p.sequence()),
        (1, 316, 0x7288, 39110)
    );
    assert_eq!(p.machine_mac().to_string(), "00:04:96:10:aa:10");
    assert!(p.verify_checksum());
    let mut an = Vec::new();
    let r = decode(&buf, &mut an).unwrap();
    assert!(an.is_empty(), "{an:?}");
    assert_eq!(r.display_name().unwrap().to_string(), "HD000002");
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["slot"], 8);
    assert_eq!(j["port"], 60);
    assert_eq!(j["software_version"], "11.2.2.4");
    assert_eq!(j["tlv_order"], serde_json::json!([2, 1, 0]));
    let mut out = vec![0u8; r.buffer_len()];
    r.emit(&mut out);
    assert_eq!(out, buf);
}

#[test]
fn construct() {
    let real = edp1();
    let mut buf = real.clone();
    buf[..16].fill(0);
    let mut p = Packet::new_unchecked(&mut buf[..]);
    p.set_version(1);
    p.set_length(316);
    p.set_sequence(39110);
    p.set_machine_mac(MacAddr([0x00, 0x04, 0x96, 0x10, 0xaa, 0x10]));
    p.fill_checksum();
    assert_eq!(buf, real);
}

#[test]
fn vlan_round_trip_and_broken_tlvs() {
    let r = Repr {
        version: 1,
        reserved: 0,
        checksum_ok: true,
        sequence: 7,
        machine_id_type: 0,
        machine_mac: MacAddr([0, 1, 2, 3, 4, 5]),
        tlvs: vec![
            Tlv::Display(Text(b"sw")),
            Tlv::Vlan(Vlan {
                flags: 0x80,
                reserved1: 0,
                id: 10,
                reserved2: Hex(&[0; 4]),
                ip: Ipv4Addr::new(10, 0, 0, 1),
                name: Text(b"Default\0"),
            }),
            Tlv::Null(Hex(&[])),
        ],
    };
    let mut buf = vec![0u8; r.buffer_len()];
    r.emit(&mut buf);
    let mut an = Vec::new();
    let back = decode(&buf, &mut an).unwrap();
    assert!(an.is_empty(), "{an:?}");
    assert_eq!(back, r);
    let j = serde_json::to_value(&back).unwrap();
    assert_eq!(
        j["vlans"],
        serde_json::json!([{"id": 10, "name": "Default", "ip": "10.0.0.1"}])
    );
    // A lying TLV length and a bad marker: anomalies, the rest kept.
    let mut bad = edp1();
    bad[16 + 36 + 2] = 0xff;
    let mut an = Vec::new();
    let r = decode(&bad, &mut an).unwrap();
    assert!(r.info().is_some() && r.display_name().is_none());
    assert!(an.len() >= 2, "{an:?}");
    let mut bad = edp1();
    bad[16] = 0x98;
    let mut an = Vec::new();
    assert!(decode(&bad, &mut an).unwrap().tlvs.is_empty());
    assert!(decode(&bad[..10], &mut an).is_err());
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(1u8..=0x7e, 1..40)
    }

    proptest! {
        /// `Repr → emit → decode` gives the same `Repr`, with no anomalies.
        #[test]
        fn round_trip(name in text(), vname in text(), seq: u16, mac: [u8; 6],
                      slot: u16, port: u16, vc: u16, reserved: [u8; 6], version: [u8; 4],
                      rest in proptest::collection::vec(any::<u8>(), 0..20),
                      vid in 0u16..4096, ip: [u8; 4], reserved2: [u8; 4],
                      unk in proptest::collection::vec(any::<u8>(), 0..20)) {
            let r = Repr {
                version: 1,
                reserved: 0,
                checksum_ok: true,
                sequence: seq,
                machine_id_type: 0,
                machine_mac: MacAddr(mac),
                tlvs: vec![
                    Tlv::Info(Info {
                        slot,
                        port,
                        virtual_chassis: vc,
                        reserved: Hex(&reserved),
                        version,
                        rest: Hex(&rest),
                    }),
                    Tlv::Display(Text(&name)),
                    Tlv::Vlan(Vlan {
                        flags: 0x80,
                        reserved1: 0,
                        id: vid,
                        reserved2: Hex(&reserved2),
                        ip: ip.into(),
                        name: Text(&vname),
                    }),
                    Tlv::Unknown { kind: 0x0e, value: Hex(&unk) },
                    Tlv::Null(Hex(&[])),
                ],
            };
            let mut buf = vec![0u8; r.buffer_len()];
            r.emit(&mut buf);
            let mut an = Vec::new();
            let back = decode(&buf, &mut an).unwrap();
            prop_assert!(an.is_empty(), "{:?}", an);
            prop_assert_eq!(back, r);
        }
    }
}
