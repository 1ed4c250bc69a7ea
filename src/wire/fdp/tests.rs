use super::*;

/// `ladvd/fdp/41.good.bi.pcap` frame 1, the FDP header and its first three TLVs (after the
/// SNAP header; the frame continues with capabilities, platform, version, VLAN map, tagging).
static BI: [u8; 57] = [
    0x01, 0x0a, 0x58, 0x61, 0x00, 0x01, 0x00, 0x0b, 0x64, 0x6f, 0x65, 0x74, 0x6e, 0x69, 0x78, 0x00,
    0x02, 0x00, 0x11, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0xcc, 0x00, 0x04, 0x5b, 0xc8, 0x11, 0x0b,
    0x00, 0x03, 0x00, 0x0f, 0x65, 0x74, 0x68, 0x65, 0x72, 0x6e, 0x65, 0x74, 0x33, 0x2f, 0x31, 0x00,
    0x04, 0x00, 0x0a, 0x53, 0x77, 0x69, 0x74, 0x63, 0x68,
];

#[test]
fn deconstruct_construct() {
    let p = Packet::new_checked(&BI[..]).unwrap();
    assert_eq!((p.version(), p.ttl(), p.checksum()), (1, 10, 0x5861));
    let mut buf = [0u8; 57];
    let mut q = Packet::new_unchecked(&mut buf[..]);
    q.set_version(1);
    q.set_ttl(10);
    q.set_checksum(0x5861);
    q.tlv_bytes_mut().copy_from_slice(p.tlv_bytes());
    assert_eq!(buf, BI);
}

#[test]
fn parse_emit() {
    let mut an = Vec::new();
    let r = decode(&BI, &mut an).unwrap();
    assert!(an.is_empty(), "{an:?}");
    assert_eq!(r.device_id().unwrap().to_string(), "doetnix");
    assert_eq!(r.port_id().unwrap().to_string(), "ethernet3/1");
    assert_eq!(r.capabilities().unwrap().to_string(), "Switch");
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["addresses"], serde_json::json!(["91.200.17.11"]));
    assert_eq!(j["tlv_order"], serde_json::json!([1, 2, 3, 4]));
    let mut out = vec![0u8; r.buffer_len()];
    r.emit(&mut out);
    assert_eq!(out, BI);
}

#[test]
fn broken_device_id_is_an_anomaly() {
    let mut b = BI;
    b[7] = 0xff;
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert!(r.tlvs.is_empty());
    assert_eq!(an.len(), 2, "{an:?}");
}

mod prop {
    use super::*;
    use proptest::prelude::*;
    use std::net::IpAddr;

    fn text() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(1u8..=0x7e, 1..40)
    }

    proptest! {
        /// `Repr → emit → decode` gives the same `Repr`, with no anomalies.
        #[test]
        fn round_trip(dev in text(), port in text(), caps in text(), ver in text(),
                      plat in text(), ttl: u8, checksum: u16,
                      ips in proptest::collection::vec(any::<[u8; 4]>(), 0..4),
                      unk in proptest::collection::vec(any::<u8>(), 0..20)) {
            let ips: Vec<IpAddr> = ips.into_iter().map(IpAddr::from).collect();
            let mut addrs = Vec::new();
            crate::wire::cdp::Addresses::encode(&ips, &mut addrs);
            let r = Repr {
                version: 1,
                ttl,
                checksum,
                tlvs: vec![
                    Tlv::DeviceId(Text(&dev)),
                    Tlv::Net(crate::wire::cdp::Addresses::parse(&addrs, "t").0),
                    Tlv::PortId(Text(&port)),
                    Tlv::Capabilities(Text(&caps)),
                    Tlv::Version(Text(&ver)),
                    Tlv::Platform(Text(&plat)),
                    Tlv::Unknown { kind: 0x0101, value: Hex(&unk) },
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
