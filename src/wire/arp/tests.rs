use proptest::prelude::*;

use super::*;

/// `zeek/arp-who-has.pcap` frame 1, after the EtherType: request who-has 10.0.0.1 tell 10.0.0.2.
const REQUEST: [u8; 28] = [
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x78, 0x31, 0xc1, 0xc6, 0x3f, 0xc2, 0x0a, 0x00,
    0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01,
];

fn mac(s: &str) -> MacAddr {
    let mut m = [0u8; 6];
    for (i, p) in s.split(':').enumerate() {
        m[i] = u8::from_str_radix(p, 16).unwrap();
    }
    MacAddr(m)
}

fn request_repr() -> Repr<'static> {
    Repr {
        operation: Operation::Request,
        htype: 1,
        ptype: 0x0800,
        hlen: 6,
        plen: 4,
        sender_mac: Some(HwAddr::Mac(mac("78:31:c1:c6:3f:c2"))),
        sender_ip: Some(ProtoAddr::Ipv4(Ipv4Addr::new(10, 0, 0, 2))),
        target_mac: Some(HwAddr::Mac(MacAddr([0; 6]))),
        target_ip: Some(ProtoAddr::Ipv4(Ipv4Addr::new(10, 0, 0, 1))),
        gratuitous: false,
        probe: false,
    }
}

#[test]
fn deconstruct() {
    let p = Packet::new_checked(&REQUEST[..]).unwrap();
    assert_eq!(p.htype(), 1);
    assert_eq!(p.ptype(), 0x0800);
    assert_eq!(p.hlen(), 6);
    assert_eq!(p.plen(), 4);
    assert_eq!(p.operation(), 1);
    assert_eq!(p.sender_hardware_addr(), Some(&REQUEST[8..14]));
    assert_eq!(p.sender_protocol_addr(), Some(&[10, 0, 0, 2][..]));
    assert_eq!(p.target_hardware_addr(), Some(&[0u8; 6][..]));
    assert_eq!(p.target_protocol_addr(), Some(&[10, 0, 0, 1][..]));
    assert_eq!(p.packet_len(), 28);
}

#[test]
fn construct() {
    let mut buf = [0u8; 28];
    let mut p = Packet::new_unchecked(&mut buf[..]);
    p.set_htype(1);
    p.set_ptype(0x0800);
    p.set_hlen(6);
    p.set_plen(4);
    p.set_operation(1);
    p.set_addrs(&[&REQUEST[8..14], &[10, 0, 0, 2], &[0; 6], &[10, 0, 0, 1]]);
    assert_eq!(buf, REQUEST);
}

#[test]
fn parse() {
    let mut an = Vec::new();
    let r = decode(&REQUEST, &mut an).unwrap();
    assert!(an.is_empty());
    assert_eq!(r, request_repr());
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["operation"], "request");
    assert_eq!(j["sender_mac"], "78:31:c1:c6:3f:c2");
    assert_eq!(j["target_ip"], "10.0.0.1");
    assert!(j.get("gratuitous").is_none());
    assert_eq!(
        r.to_string(),
        "request sender 78:31:c1:c6:3f:c2 10.0.0.2 target 00:00:00:00:00:00 10.0.0.1"
    );
}

#[test]
fn emit() {
    let r = request_repr();
    assert_eq!(r.buffer_len(), 28);
    let mut buf = [0u8; 28];
    r.emit(&mut buf);
    assert_eq!(buf, REQUEST);
}

#[test]
fn padding_is_not_an_anomaly() {
    let mut b = REQUEST.to_vec();
    b.extend_from_slice(&[0; 18]);
    let mut an = Vec::new();
    assert_eq!(decode(&b, &mut an).unwrap(), request_repr());
    assert!(an.is_empty());
}

#[test]
fn gratuitous_and_probe() {
    let mut b = REQUEST;
    b[24..28].copy_from_slice(&[10, 0, 0, 2]);
    let r = decode(&b, &mut Vec::new()).unwrap();
    assert!(r.gratuitous && !r.probe);
    assert_eq!(serde_json::to_value(&r).unwrap()["gratuitous"], true);
    let mut b = REQUEST;
    b[14..18].copy_from_slice(&[0, 0, 0, 0]);
    let r = decode(&b, &mut Vec::new()).unwrap();
    assert!(r.probe && !r.gratuitous);
}

/// `tcpdump/malformed/arp-too-long-tha.pcap`: hlen 14 on a frame too short for the target.
#[test]
fn too_long_hardware_address_keeps_header() {
    let mut b = vec![0x30, 0x30, 0x08, 0x00, 0x0e, 0x04, 0x00, 0x01];
    b.extend_from_slice(&[0x30; 30]);
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(an.len(), 1);
    assert_eq!(r.htype, 0x3030);
    assert_eq!(r.operation, Operation::Request);
    assert_eq!(r.sender_mac, Some(HwAddr::Raw(Hex(&[0x30; 14]))));
    assert_eq!(
        r.sender_ip,
        Some(ProtoAddr::Ipv4(Ipv4Addr::new(48, 48, 48, 48)))
    );
    assert_eq!(r.target_mac, None);
    assert_eq!(serde_json::to_value(&r).unwrap()["operation"], "request");
    let mut out = vec![0; r.buffer_len()];
    r.emit(&mut out);
    assert_eq!(out, &b[..out.len()]);
}

#[test]
fn short_header_is_an_error() {
    assert!(decode(&[0, 1, 8, 0, 6], &mut Vec::new()).is_err());
    let r = decode(&[0, 1, 8, 0, 6, 4, 0, 99], &mut Vec::new()).unwrap();
    assert_eq!(serde_json::to_value(&r).unwrap()["operation"], "unknown-99");
}

proptest! {
    #[test]
    fn round_trip(htype: u16, ptype in prop_oneof![Just(0x0800u16), any::<u16>()], op: u16,
                  hw in proptest::collection::vec(any::<u8>(), 0..40),
                  pr in proptest::collection::vec(any::<u8>(), 0..40)) {
        let (h, p) = (hw.len() / 2, pr.len() / 2);
        let mut buf = vec![0u8; HEADER_LEN];
        let mut pk = Packet::new_unchecked(&mut buf[..]);
        pk.set_htype(htype);
        pk.set_ptype(ptype);
        pk.set_hlen(h as u8);
        pk.set_plen(p as u8);
        pk.set_operation(op);
        buf.extend_from_slice(&hw[..h]);
        buf.extend_from_slice(&pr[..p]);
        buf.extend_from_slice(&hw[h..2 * h]);
        buf.extend_from_slice(&pr[p..2 * p]);
        let mut an = Vec::new();
        let r = decode(&buf, &mut an).unwrap();
        prop_assert!(an.is_empty());
        let mut out = vec![0u8; r.buffer_len()];
        r.emit(&mut out);
        prop_assert_eq!(&out, &buf);
        let again = decode(&out, &mut an).unwrap();
        prop_assert!(an.is_empty());
        prop_assert_eq!(again, r);
    }
}

proptest! {
    /// The fuzz property on arbitrary bytes (a short stand-in for the cargo-fuzz target).
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        crate::wire::fuzzing::arp(&data);
    }
}
