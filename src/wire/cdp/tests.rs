use super::*;
use proptest::prelude::*;
use std::net::IpAddr;

/// `assimilation/cdp-BCM1100.pcap` frame 1, the CDP bytes after the SNAP header.
static BCM: [u8; 64] = [
    0x02, 0xb4, 0x7f, 0x3d, 0x00, 0x05, 0x00, 0x0b, 0x42, 0x43, 0x4d, 0x31, 0x31, 0x30, 0x30, 0x00,
    0x01, 0x00, 0x10, 0x30, 0x30, 0x36, 0x30, 0x42, 0x39, 0x43, 0x31, 0x34, 0x30, 0x32, 0x37, 0x00,
    0x04, 0x00, 0x08, 0x00, 0x00, 0x00, 0x10, 0x00, 0x06, 0x00, 0x0c, 0x42, 0x43, 0x4d, 0x39, 0x31,
    0x31, 0x30, 0x30, 0x00, 0x0e, 0x00, 0x07, 0x01, 0x0f, 0xff, 0x00, 0x10, 0x00, 0x06, 0x19, 0x00,
];

fn bcm_repr() -> Repr<'static> {
    Repr {
        version: 2,
        ttl: 180,
        checksum_ok: true,
        tlvs: vec![
            Tlv::SoftwareVersion(Text(b"BCM1100")),
            Tlv::DeviceId(Text(b"0060B9C14027")),
            Tlv::Capabilities(Capabilities(0x10)),
            Tlv::Platform(Text(b"BCM91100")),
            Tlv::VoiceVlan(1, 4095),
            Tlv::Power(6400),
        ],
    }
}

#[test]
fn deconstruct() {
    let p = Packet::new_checked(&BCM[..]).unwrap();
    assert_eq!(p.version(), 2);
    assert_eq!(p.ttl(), 180);
    assert_eq!(p.checksum(), 0x7f3d);
    assert!(p.verify_checksum());
    assert_eq!(&p.tlv_bytes()[..4], &[0x00, 0x05, 0x00, 0x0b]);
}

#[test]
fn construct() {
    let mut buf = [0u8; 64];
    let mut p = Packet::new_unchecked(&mut buf[..]);
    p.set_version(2);
    p.set_ttl(180);
    p.tlv_bytes_mut().copy_from_slice(&BCM[4..]);
    p.fill_checksum();
    assert_eq!(buf, BCM);
}

#[test]
fn parse() {
    let mut an = Vec::new();
    let r = decode(&BCM, &mut an).unwrap();
    assert!(an.is_empty(), "{an:?}");
    assert_eq!(r, bcm_repr());
    assert_eq!(r.device_id().unwrap().to_string(), "0060B9C14027");
    assert_eq!(r.voice_vlan(), Some(4095));
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["capabilities"], serde_json::json!(["host"]));
    assert_eq!(j["tlv_order"], serde_json::json!([5, 1, 4, 6, 14, 16]));
    assert_eq!(j["power_mw"], 6400);
    assert!(j.get("unknown_tlvs").is_none());
    assert!(!r.to_string().contains('\n'));
}

#[test]
fn emit() {
    let r = bcm_repr();
    assert_eq!(r.buffer_len(), BCM.len());
    let mut buf = [0u8; 64];
    r.emit(&mut buf);
    assert_eq!(buf, BCM);
}

#[test]
fn bad_checksum_duplicate_and_truncation_are_anomalies() {
    let mut f = BCM.to_vec();
    f[3] ^= 1;
    f.extend_from_slice(&[0x00, 0x01, 0x00, 0x06, b'x', b'y']); // duplicate device ID
    f.extend_from_slice(&[0x00, 0x06, 0x00, 0x40, b'z']); // length past the end
    let mut an = Vec::new();
    let r = decode(&f, &mut an).unwrap();
    assert_eq!(r.tlvs.len(), 7);
    assert_eq!(r.device_id().unwrap().to_string(), "0060B9C14027");
    assert!(!r.checksum_ok);
    assert_eq!(an.len(), 3, "{an:?}");
}

#[test]
fn malformed_value_kept_raw() {
    let mut buf = vec![2, 180, 0, 0, 0, 1, 0, 5, b'a', 0, 0x0a, 0, 5, 7];
    Packet::new_unchecked(&mut buf[..]).fill_checksum();
    let mut an = Vec::new();
    let r = decode(&buf, &mut an).unwrap();
    assert_eq!(
        r.tlvs[1],
        Tlv::Unknown {
            kind: 0x0a,
            value: Hex(&[7])
        }
    );
    assert_eq!(an.len(), 1);
    let mut out = vec![0u8; r.buffer_len()];
    r.emit(&mut out);
    assert_eq!(out, buf);
}

#[test]
fn header_only_is_not_an_error_and_short_is() {
    let mut an = Vec::new();
    assert!(decode(&[2, 180], &mut an).is_err());
    assert!(decode(&[2, 180, 0, 0], &mut an).is_ok());
}

fn text() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(1u8..=0x7e, 0..40)
}

proptest! {
    #[test]
    fn round_trip(dev in text(), port in text(), plat in text(), ver in text(),
                  ttl: u8, caps: u32, vlan: u16, duplex: u8, mtu: u32,
                  ips in proptest::collection::vec(any::<[u8; 4]>(), 0..4),
                  ip6 in proptest::collection::vec(any::<[u8; 16]>(), 0..2),
                  unk in proptest::collection::vec(any::<u8>(), 0..20)) {
        let mut addrs = Vec::new();
        let ips: Vec<IpAddr> = ips.into_iter().map(IpAddr::from)
            .chain(ip6.into_iter().map(IpAddr::from)).collect();
        Addresses::encode(&ips, &mut addrs);
        let r = Repr {
            version: 2,
            ttl,
            checksum_ok: true,
            tlvs: vec![
                Tlv::DeviceId(Text(&dev)),
                Tlv::Addresses(Addresses::parse(&addrs, "t").0),
                Tlv::PortId(Text(&port)),
                Tlv::Capabilities(Capabilities(caps)),
                Tlv::SoftwareVersion(Text(&ver)),
                Tlv::Platform(Text(&plat)),
                Tlv::NativeVlan(vlan),
                Tlv::Duplex(Duplex::from_u8(duplex)),
                Tlv::Mtu(mtu),
                Tlv::Unknown { kind: 0x99, value: Hex(&unk) },
            ],
        };
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut buf);
        let mut an = Vec::new();
        let back = decode(&buf, &mut an).unwrap();
        prop_assert!(an.is_empty(), "{:?}", an);
        prop_assert_eq!(back, r);
    }

    #[test]
    fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        crate::wire::fuzzing::cdp(&data);
        crate::wire::fuzzing::fdp(&data);
        crate::wire::fuzzing::edp(&data);
    }
}
