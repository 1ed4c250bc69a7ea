//! Unit tests on real LLDPDUs from the corpus, anomalies, and a proptest round trip.

use proptest::prelude::*;

use super::org::{Location, MedClass, PolicyApp, PortClass, PowerPriority};
use super::*;
use std::net::{IpAddr, Ipv4Addr};

/// `tests/data/ladvd/lldp/41.good.small.pcap`, frame 1, the LLDPDU after the EtherType:
/// chassis MAC 00:04:96:1f:a7:26, port "1/3" (interface name), TTL 120, system name "test", End.
const SMALL: [u8; 27] = [
    0x02, 0x07, 0x04, 0x00, 0x04, 0x96, 0x1f, 0xa7, 0x26, 0x04, 0x04, 0x05, 0x31, 0x2f, 0x33, 0x06,
    0x02, 0x00, 0x78, 0x0a, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00,
];

/// `tests/data/lldpd/8023bt.pcap`, frame 1 (Cisco Catalyst 9000, 802.3bt power).
const BT: &[u8] = include_bytes!("../../../fuzz/seeds/lldp/8023bt.bin");
/// `tests/data/lldpd/sg200.pcap`, frame 1 (Cisco SG200, LLDP-MED inventory and civic location).
const SG200: &[u8] = include_bytes!("../../../fuzz/seeds/lldp/sg200-med.bin");
/// `tests/data/lldpd/med-loc-malformed.pcap`, frame 1 (truncated civic location).
const MED_BAD: &[u8] = include_bytes!("../../../fuzz/seeds/lldp/med-loc-malformed.bin");
/// `tests/data/tcpdump/lldp_mudurl.pcap`, frame 1.
const MUD: &[u8] = include_bytes!("../../../fuzz/seeds/lldp/mudurl.bin");
/// `tests/data/assimilation/lldpmed_civicloc.pcap`, frame 1 (HP ProCurve, MED policy and power).
const PROCURVE: &[u8] = include_bytes!("../../../fuzz/seeds/lldp/procurve-med-civic.bin");

fn dec(b: &[u8]) -> (Repr<'_>, Anomalies) {
    let mut an = Vec::new();
    let r = decode(b, &mut an).expect("decodes");
    (r, an)
}

#[test]
fn deconstruct() {
    let p = Packet::new_checked(&SMALL[..]).unwrap();
    assert_eq!(p.first_tlv_type(), tlv_type::CHASSIS_ID);
    assert_eq!(p.first_tlv_len(), 7);
    assert_eq!(p.tlv_type_at(9), Some(tlv_type::PORT_ID));
    assert_eq!(p.tlv_len_at(9), Some(4));
    let tlvs: Vec<_> = p.tlvs().map(|t| t.unwrap()).collect();
    let types: Vec<u8> = tlvs.iter().map(|t| t.tlv_type).collect();
    assert_eq!(types, [1, 2, 3, 5, 0]);
    assert_eq!(tlvs[1].value, b"\x051/3");
    assert_eq!(tlvs[2].value, [0, 120]);
    assert_eq!(tlvs[3].value, b"test");
    assert_eq!(tlvs[4].range(), 25..27);
}

#[test]
fn construct() {
    let mut buf = [0u8; 27];
    let mut p = Packet::new_unchecked(&mut buf[..]);
    let parts: [(u8, &[u8]); 5] = [
        (1, &[0x04, 0x00, 0x04, 0x96, 0x1f, 0xa7, 0x26]),
        (2, b"\x051/3"),
        (3, &[0, 120]),
        (5, b"test"),
        (0, b""),
    ];
    let mut off = 0;
    for (t, v) in parts {
        p.set_tlv_header(off, t, v.len() as u16).unwrap();
        p.tlv_value_mut(off).unwrap().copy_from_slice(v);
        off += 2 + v.len();
    }
    assert_eq!(buf, SMALL);
    let mut short = [0u8; 3];
    assert!(
        Packet::new_unchecked(&mut short[..])
            .set_tlv_header(0, 5, 4)
            .is_err()
    );
}

#[test]
fn parse() {
    let (r, an) = dec(&SMALL);
    assert!(an.is_empty(), "{an:?}");
    let c = r.chassis_id.unwrap();
    assert_eq!(c.subtype, 4);
    assert_eq!(
        c.value,
        IdValue::Mac(MacAddr([0x00, 0x04, 0x96, 0x1f, 0xa7, 0x26]))
    );
    assert_eq!(r.port_id.unwrap().value, IdValue::Text(Text(b"1/3")));
    assert_eq!(r.ttl, Some(120));
    assert_eq!(r.system_name, Some(Text(b"test")));
    assert_eq!(
        r.to_string(),
        "chassis 00:04:96:1f:a7:26 port \"1/3\" ttl 120 sys \"test\""
    );
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(
        j,
        serde_json::json!({
            "chassis_id": {"subtype": 4, "value": "00:04:96:1f:a7:26"},
            "port_id": {"subtype": 5, "value": "1/3"},
            "ttl": 120,
            "system_name": "test",
            "tlv_order": ["1", "2", "3", "5", "0"]
        })
    );
}

#[test]
fn emit() {
    let (r, _) = dec(&SMALL);
    assert_eq!(r.buffer_len(), SMALL.len());
    let mut buf = [0u8; 27];
    r.emit(&mut buf);
    assert_eq!(buf, SMALL);
    for b in [BT, SG200, MUD, PROCURVE] {
        let (r, _) = dec(b);
        let mut out = vec![0u8; r.buffer_len()];
        r.emit(&mut out);
        assert_eq!(out, &b[..out.len()]);
        assert_eq!(dec(&out).0, r);
    }
}

/// The bytes `r` emits.
fn emitted(r: &Repr<'_>) -> Vec<u8> {
    let mut b = vec![0u8; r.buffer_len()];
    r.emit(&mut b);
    b
}

/// Decodes `b`, asserting there is no anomaly.
fn clean(b: &[u8]) -> Repr<'_> {
    let (r, an) = dec(b);
    assert!(an.is_empty(), "{an:?}");
    r
}

/// Same content: equal JSON (every field), and the decoded copy emits the same bytes.
/// (`==` also compares the bytes as received that `order` keeps, which an edit leaves stale.)
fn same<'b>(again: &Repr<'b>, r: &Repr<'_>, out: &[u8]) {
    assert_eq!(
        serde_json::to_value(again).unwrap(),
        serde_json::to_value(r).unwrap()
    );
    let mut b = vec![0u8; again.buffer_len()];
    again.emit(&mut b);
    assert_eq!(b, out);
}

#[test]
fn emit_encodes_edited_fields() {
    // System name and chassis ID.
    let (mut r, _) = dec(&SMALL);
    r.system_name = Some(Text(b"x"));
    let mac = MacAddr([0x02, 0, 0, 0, 0, 0x01]);
    r.chassis_id = Some(Id {
        subtype: 4,
        value: IdValue::Mac(mac),
    });
    let out = emitted(&r);
    let again = clean(&out);
    assert_eq!(again.system_name, Some(Text(b"x")));
    assert_eq!(again.chassis_id.unwrap().value, IdValue::Mac(mac));
    same(&again, &r, &out);
    assert_eq!(out.len(), SMALL.len() - 3);

    // A MED inventory field (SG200 model name).
    let (mut r, _) = dec(SG200);
    r.med.as_mut().unwrap().model_name = Some(Text(b"Phone 9000"));
    let out = emitted(&r);
    let again = dec(&out).0;
    assert_eq!(
        again.med.as_ref().unwrap().model_name,
        Some(Text(b"Phone 9000"))
    );
    same(&again, &r, &out);

    // The IEEE 802.3 Power via MDI TLV (802.3bt switch).
    let (mut r, _) = dec(BT);
    let p = r.ieee_802_3.as_mut().unwrap().power.as_mut().unwrap();
    p.port_class = PortClass::Pd;
    p.class = 3;
    let at = p.at.as_mut().unwrap();
    at.priority = PowerPriority::Critical;
    at.requested_mw = 25500;
    p.bt.as_mut().unwrap().max_power_mw = 90000;
    let want = *p;
    let out = emitted(&r);
    let again = clean(&out);
    assert_eq!(again.ieee_802_3.unwrap().power, Some(want));
    same(&again, &r, &out);

    // A field set to None drops its TLV; a field the frame lacked is written before End.
    let (mut r, _) = dec(&SMALL);
    r.system_name = None;
    r.port_description = Some(Text(b"uplink"));
    let out = emitted(&r);
    let again = clean(&out);
    assert_eq!(again.system_name, None);
    assert_eq!(again.port_description, Some(Text(b"uplink")));
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["tlv_order"], serde_json::json!(["1", "2", "3", "4", "0"]));
    same(&again, &r, &out);
}

#[test]
fn emit_builds_a_frame_from_fields() {
    let mut r = Repr::empty();
    r.chassis_id = Some(Id {
        subtype: 4,
        value: IdValue::Mac(MacAddr([0, 0x04, 0x96, 0x1f, 0xa7, 0x26])),
    });
    r.port_id = Some(Id {
        subtype: 5,
        value: IdValue::Text(Text(b"1/3")),
    });
    r.ttl = Some(120);
    r.system_name = Some(Text(b"test"));
    let mut out = vec![0u8; r.buffer_len()];
    r.emit(&mut out);
    assert_eq!(out, SMALL);

    // A phone: capabilities, management address, LLDP-MED, 802.3 power, an unknown TLV.
    r.capabilities = Some(Capabilities {
        system: CapBits(0x24),
        enabled: CapBits(0x20),
    });
    r.management_addresses.push(MgmtAddr {
        address: MgmtAddress::Ip(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7))),
        subtype: 1,
        interface_subtype: 2,
        interface_number: 3,
        oid: None,
    });
    r.med = Some(Med {
        device_class: Some(MedClass::EndpointClass3),
        capabilities: Some(org::MedCaps(0x33)),
        model_name: Some(Text(b"CP-8865")),
        manufacturer: Some(Text(b"Cisco")),
        policies: vec![org::Policy {
            application: PolicyApp::Voice,
            unknown: false,
            tagged: true,
            vlan: 50,
            priority: 5,
            dscp: 46,
        }],
        location: vec![Location::Civic {
            what: 2,
            country: Text(b"DE"),
            elements: vec![org::CivicElement {
                ca_type: 3,
                value: Text(b"Berlin"),
            }],
        }],
        ..Med::default()
    });
    r.ieee_802_3 = Some(Ieee8023 {
        power: Some(org::Power8023 {
            port_class: PortClass::Pd,
            supported: false,
            enabled: false,
            pair_control: false,
            pairs: 1,
            class: 4,
            at: Some(org::PowerAt {
                power_type: 2,
                source: 1,
                priority: PowerPriority::High,
                requested_mw: 12900,
                allocated_mw: 12900,
            }),
            bt: None,
        }),
        ..Ieee8023::default()
    });
    r.unknown_tlvs.push(UnknownTlv {
        tlv_type: 127,
        oui: Some(Oui([0x00, 0x01, 0x42])),
        subtype: Some(1),
        value: Hex(&[1, 2, 3]),
    });
    let out = emitted(&r);
    let again = clean(&out);
    let j = serde_json::to_value(&again).unwrap();
    assert_eq!(
        j["tlv_order"],
        serde_json::json!([
            "1",
            "2",
            "3",
            "5",
            "7",
            "8",
            "127/00120f/2",
            "127/0012bb/1",
            "127/0012bb/2",
            "127/0012bb/3",
            "127/0012bb/9",
            "127/0012bb/10",
            "127/000142/1",
            "0"
        ])
    );
    // Equal up to the order list, which the decode fills in.
    let mut r2 = again.clone();
    r2.order.clear();
    assert_eq!(r2, r);
    assert_eq!(serde_json::to_value(&r).unwrap(), j);
}

#[test]
fn ieee_8023bt_power_as_lldpd_decodes_it() {
    let (r, an) = dec(BT);
    assert!(an.is_empty(), "{an:?}");
    let d3 = r.ieee_802_3.unwrap();
    let p = d3.power.unwrap();
    assert_eq!(p.port_class, PortClass::Pse);
    assert!(p.supported && p.enabled && p.pair_control);
    assert_eq!((p.pairs, p.class), (1, 5));
    let at = p.at.unwrap();
    assert_eq!(
        (at.power_type, at.source, at.priority),
        (2, 1, PowerPriority::Low)
    );
    assert_eq!((at.requested_mw, at.allocated_mw), (71000, 51000));
    let bt = p.bt.unwrap();
    assert_eq!((bt.requested_a_mw, bt.requested_b_mw), (35500, 35500));
    assert_eq!((bt.allocated_a_mw, bt.allocated_b_mw), (25500, 25500));
    assert_eq!(
        (
            bt.pse_powering_status,
            bt.pd_powering_status,
            bt.power_pairs_ext
        ),
        (3, 0, 3)
    );
    assert_eq!((bt.class_ext_a, bt.class_ext_b, bt.class_ext), (4, 4, 15));
    assert_eq!(
        (bt.power_type_ext, bt.pd_load, bt.max_power_mw),
        (1, 0, 51000)
    );
    assert_eq!(r.ieee_802_1.as_ref().unwrap().pvid, Some(1));
    assert_eq!(r.unknown_tlvs.len(), 1); // Cisco UPOE
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["tlv_order"][8], "127/0080c2/1");
}

#[test]
fn med_inventory_and_civic_location() {
    let (r, an) = dec(SG200);
    let m = r.med.as_ref().unwrap();
    assert_eq!(m.device_class, Some(MedClass::NetworkConnectivity));
    assert_eq!(m.model_name, Some(Text(b"SG 200-08P")));
    assert_eq!(m.serial_number, Some(Text(b"XXX11111ZZZ")));
    // The SG200 leaks memory after the NUL of two inventory strings: cut and reported.
    assert_eq!(m.manufacturer, Some(Text(b"0xbc00")));
    assert_eq!(m.asset_id, Some(Text(b"1")));
    assert!(an.iter().any(|e| matches!(
        e,
        Error::Content {
            kind: "data after NUL in text",
            ..
        }
    )));
    let Some(Location::Civic {
        country, elements, ..
    }) = m.location.first()
    else {
        panic!("no civic location: {:?}", m.location)
    };
    assert_eq!(*country, Text(b"DE"));
    assert!(elements.iter().any(|e| e.value == Text(b"Berlin")));

    let (r, _) = dec(PROCURVE);
    let m = r.med.unwrap();
    let p = m.policies[0];
    assert_eq!(
        (p.application, p.tagged, p.vlan, p.priority, p.dscp),
        (PolicyApp::Voice, true, 50, 6, 46)
    );
    assert!(m.power.is_some());
}

#[test]
fn malformed_med_location_keeps_the_rest() {
    let (r, an) = dec(MED_BAD);
    assert!(!an.is_empty());
    let m = r.med.unwrap();
    assert_eq!(m.policies[0].application, PolicyApp::Voice);
    let Some(Location::Civic { country, .. }) = m.location.first() else {
        panic!()
    };
    assert_eq!(*country, Text(b"F5")); // as lldpd reads it
}

#[test]
fn mud_url() {
    let (r, _) = dec(MUD);
    assert_eq!(
        r.mud_url.unwrap().to_string(),
        "https://imright.mud.example.com/.well-known/mud/v1/vomitv2.0"
    );
}

#[test]
fn anomalies_keep_partial_results() {
    // Truncated last TLV: the rest is kept.
    let mut b = SMALL[..23].to_vec();
    let (r, an) = dec(&b);
    assert_eq!(r.ttl, Some(120));
    assert!(matches!(
        an[0],
        Error::Len {
            layer: "lldp.tlv",
            offset: 19,
            ..
        }
    ));
    // Missing End.
    let (_, an) = dec(&SMALL[..25]);
    assert_eq!(an, [Error::content("lldp", 25, "missing End TLV")]);
    // Data after End; zero padding and a trailing 4-byte FCS are not data.
    b = SMALL.to_vec();
    b.extend_from_slice(&[0, 0, 7, 0, 0, 0, 0]);
    let (_, an) = dec(&b);
    assert_eq!(an, [Error::content("lldp", 27, "data after End TLV")]);
    b = SMALL.to_vec();
    b.extend_from_slice(&[0, 0, 0, 0, 0xbb, 0x14, 0x27, 0x2c]);
    assert!(dec(&b).1.is_empty());
    // Duplicate system name, and an 802.1 PVID TLV too short for its subtype.
    let mut b = SMALL[..25].to_vec();
    b.extend_from_slice(&[
        0x0a, 0x01, b'x', 0xfe, 0x05, 0x00, 0x80, 0xc2, 0x01, 0x07, 0, 0,
    ]);
    let (r, an) = dec(&b);
    assert_eq!(r.system_name, Some(Text(b"test")));
    assert_eq!(r.unknown_tlvs.len(), 1);
    assert_eq!(an.len(), 2, "{an:?}");
    // No mandatory TLVs.
    let (_, an) = dec(&[0, 0]);
    assert_eq!(an.len(), 3);
    // Nothing decodable.
    assert!(decode(&[0x02], &mut Vec::new()).is_err());
    assert!(decode(&[0x02, 0x07, 0x04], &mut Vec::new()).is_err());
}

#[test]
fn caps_the_number_of_tlvs() {
    let mut b = Vec::new();
    for _ in 0..300 {
        b.extend_from_slice(&[0x12, 0x00]); // reserved type 9, empty
    }
    let (r, an) = dec(&b);
    assert_eq!(r.unknown_tlvs.len(), MAX_TLVS);
    assert!(an.contains(&Error::content("lldp", 512, "more than 256 TLVs")));
}

#[test]
fn oid_decodes_dotted() {
    assert_eq!(
        oid_text(&[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37]).unwrap(),
        "1.3.6.1.4.1.311"
    );
    assert_eq!(oid_text(&[0x2b, 0x86]), None);
}

/// Encodes one TLV.
fn tlv(out: &mut Vec<u8>, t: u8, v: &[u8]) {
    out.extend_from_slice(&((u16::from(t) << 9) | v.len() as u16).to_be_bytes());
    out.extend_from_slice(v);
}

fn org(out: &mut Vec<u8>, oui: [u8; 3], sub: u8, v: &[u8]) {
    let mut b = oui.to_vec();
    b.push(sub);
    b.extend_from_slice(v);
    tlv(out, 127, &b);
}

prop_compose! {
    fn text()(s in "[ -~]{1,40}") -> String { s }
}

proptest! {
    /// Fields → bytes → Repr (no anomalies, fields as generated) → emit → decode → same Repr.
    #[test]
    fn round_trip(
        chassis in any::<[u8; 6]>(),
        port in text(),
        ttl in any::<u16>(),
        name in proptest::option::of(text()),
        descr in proptest::option::of(text()),
        caps in proptest::option::of((0u16..0x800, 0u16..0x800)),
        mgmt in proptest::collection::vec((any::<[u8; 4]>(), any::<u32>()), 0..3),
        pvid in proptest::option::of(any::<u16>()),
        mfs in proptest::option::of(any::<u16>()),
        model in proptest::option::of(text()),
        policy in proptest::option::of((1u8..9, any::<bool>(), 0u16..4096, 0u8..8, 0u8..64)),
        unknown in proptest::collection::vec((9u8..127, proptest::collection::vec(any::<u8>(), 0..20)), 0..3),
    ) {
        let mut b = Vec::new();
        let mut c = vec![4];
        c.extend_from_slice(&chassis);
        tlv(&mut b, 1, &c);
        let mut p = vec![7];
        p.extend_from_slice(port.as_bytes());
        tlv(&mut b, 2, &p);
        tlv(&mut b, 3, &ttl.to_be_bytes());
        if let Some(n) = &name { tlv(&mut b, 5, n.as_bytes()); }
        if let Some(d) = &descr { tlv(&mut b, 6, d.as_bytes()); }
        if let Some((s, e)) = caps {
            let mut v = s.to_be_bytes().to_vec();
            v.extend_from_slice(&e.to_be_bytes());
            tlv(&mut b, 7, &v);
        }
        for (a, n) in &mgmt {
            let mut v = vec![5, 1];
            v.extend_from_slice(a);
            v.push(2);
            v.extend_from_slice(&n.to_be_bytes());
            v.push(0);
            tlv(&mut b, 8, &v);
        }
        if let Some(v) = pvid { org(&mut b, [0x00, 0x80, 0xc2], 1, &v.to_be_bytes()); }
        if let Some(v) = mfs { org(&mut b, [0x00, 0x12, 0x0f], 4, &v.to_be_bytes()); }
        if let Some(m) = &model { org(&mut b, [0x00, 0x12, 0xbb], 10, m.as_bytes()); }
        if let Some((app, tagged, vid, prio, dscp)) = policy {
            let v = (u32::from(app) << 24) | (u32::from(tagged) << 22) | (u32::from(vid) << 9)
                | (u32::from(prio) << 6) | u32::from(dscp);
            org(&mut b, [0x00, 0x12, 0xbb], 2, &v.to_be_bytes());
        }
        for (t, v) in &unknown { tlv(&mut b, *t, v); }
        tlv(&mut b, 0, &[]);

        let mut an = Vec::new();
        let r = decode(&b, &mut an).unwrap();
        prop_assert!(an.is_empty(), "{:?}", an);
        prop_assert_eq!(r.chassis_id.unwrap().value, IdValue::Mac(MacAddr(chassis)));
        prop_assert_eq!(r.port_id.unwrap().value, IdValue::Text(Text(port.as_bytes())));
        prop_assert_eq!(r.ttl, Some(ttl));
        prop_assert_eq!(r.system_name, name.as_ref().map(|n| Text(n.as_bytes())));
        prop_assert_eq!(r.system_description, descr.as_ref().map(|n| Text(n.as_bytes())));
        prop_assert_eq!(r.capabilities.map(|c| (c.system.0, c.enabled.0)), caps);
        prop_assert_eq!(r.management_addresses.len(), mgmt.len());
        prop_assert_eq!(r.ieee_802_1.as_ref().and_then(|d| d.pvid), pvid);
        prop_assert_eq!(r.ieee_802_3.and_then(|d| d.max_frame_size), mfs);
        prop_assert_eq!(r.med.as_ref().and_then(|m| m.model_name), model.as_ref().map(|n| Text(n.as_bytes())));
        if let Some((app, tagged, vid, prio, dscp)) = policy {
            let p = r.med.as_ref().unwrap().policies[0];
            prop_assert_eq!((p.application.code(), p.tagged, p.vlan, p.priority, p.dscp), (app, tagged, vid, prio, dscp));
        }
        prop_assert_eq!(r.unknown_tlvs.len(), unknown.len());

        let mut out = vec![0u8; r.buffer_len()];
        r.emit(&mut out);
        let mut an2 = Vec::new();
        let again = decode(&out, &mut an2).unwrap();
        prop_assert!(an2.is_empty());
        prop_assert_eq!(&again, &r);
        let _ = serde_json::to_string(&again).unwrap();
    }

    /// Arbitrary bytes never panic, and what decodes re-emits and decodes again.
    #[test]
    fn arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..600)) {
        crate::wire::fuzzing::lldp(&b);
    }
}
