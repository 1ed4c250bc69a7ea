use proptest::prelude::*;

use super::*;

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// `tcpdump/eapon1.pcap` frame 19, after the EtherType: EAP Response/Identity.
const IDENTITY: &str = "01 00 00 2d 02 02 00 2d 01 31 32 39 35 30 32 33 38 32
    30 30 30 35 33 39 31 40 6d 6e 63 30 32 33 2e 6d 63 63 32 39 35 2e 6f 77 6c 61 6e 2e 6f 72 67";
const ID_TEXT: &[u8] = b"1295023820005391@mnc023.mcc295.owlan.org";

/// `tcpdump/eapon1.pcap` frame 25: EAPOL-Key, RC4 descriptor.
const KEY: &str = "01 03 00 39 01 00 0d 00 00 40 60 55 11 00 9b 6a ba 18
    85 0f 27 ac 38 ae 1a ca 82 53 85 8f 26 02 5d 11 31 5d 47 c7 7d 85 47 a0 20 d8 cb 9d 49 43 9a f1
    d1 53 d2 ba 5c cf 63 c3 a2 26 b8";

fn identity_repr(b: &[u8]) -> Repr<'_> {
    Repr {
        version: 1,
        packet_type: PacketType::EapPacket,
        length: 45,
        eap: Some(Eap {
            code: EapCode::Response,
            id: 2,
            length: 45,
            eap_type: Some(EapType::Identity),
            identity: Some(Text(ID_TEXT)),
            nak_types: None,
            expanded_vendor: None,
            tls_flags: None,
            tls_length: None,
            data: &b[9..],
        }),
        key: None,
        body: &b[4..],
    }
}

#[test]
fn deconstruct() {
    let b = unhex(IDENTITY);
    let p = Packet::new_checked(&b[..]).unwrap();
    assert_eq!(p.version(), 1);
    assert_eq!(p.packet_type(), 0);
    assert_eq!(p.body_len(), 45);
    assert_eq!(p.body(), &b[4..]);
    assert_eq!(&p.body()[5..], ID_TEXT);
}

#[test]
fn construct() {
    let b = unhex(IDENTITY);
    let mut buf = vec![0u8; b.len()];
    let mut p = Packet::new_unchecked(&mut buf[..]);
    p.set_version(1);
    p.set_packet_type(0);
    p.set_body_len(45);
    p.body_mut()[..5].copy_from_slice(&[2, 2, 0, 45, 1]);
    p.body_mut()[5..].copy_from_slice(ID_TEXT);
    assert_eq!(buf, b);
}

#[test]
fn parse() {
    let b = unhex(IDENTITY);
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert!(an.is_empty(), "{an:?}");
    assert_eq!(r, identity_repr(&b));
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["packet_type"], "eap-packet");
    assert_eq!(j["eap"]["code"], "response");
    assert_eq!(j["eap"]["type"], "identity");
    assert_eq!(
        j["eap"]["identity"],
        "1295023820005391@mnc023.mcc295.owlan.org"
    );
    assert!(j.get("key").is_none());
}

#[test]
fn emit() {
    let b = unhex(IDENTITY);
    let r = identity_repr(&b);
    let mut out = vec![0u8; r.buffer_len()];
    r.emit(&mut out);
    assert_eq!(out, b);
}

#[test]
fn key_descriptor() {
    let b = unhex(KEY);
    let mut an = Vec::new();
    let r = decode(&b, &mut an).unwrap();
    assert!(an.is_empty(), "{an:?}");
    let k = r.key.unwrap();
    assert_eq!(k.descriptor_type, KeyDescriptor::Rc4);
    assert_eq!(k.key_length, Some(13));
    assert_eq!(k.replay_counter, Some(70782488215707));
    assert_eq!(k.key_index, Some(2));
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["packet_type"], "key");
    assert_eq!(j["key"]["descriptor_type"], "rc4");
}

#[test]
fn eap_methods() {
    let mut an = Vec::new();
    // NAK proposing PEAP and TTLS.
    let b = [1, 0, 0, 7, 2, 9, 0, 7, 3, 25, 21];
    let r = decode(&b, &mut an).unwrap();
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["eap"]["nak_types"], serde_json::json!(["peap", "ttls"]));
    // PEAP start with the L bit.
    let b = [1, 0, 0, 10, 1, 9, 0, 10, 25, 0xa0, 0, 0, 1, 0];
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(r.eap.as_ref().unwrap().tls_flags, Some(0xa0));
    assert_eq!(r.eap.as_ref().unwrap().tls_length, Some(256));
    // Expanded type.
    let b = [1, 0, 0, 12, 1, 9, 0, 12, 254, 0, 0x01, 0x37, 0, 0, 0, 1];
    let r = decode(&b, &mut an).unwrap();
    assert_eq!(
        r.eap.as_ref().unwrap().expanded_vendor,
        Some(ExpandedVendor {
            vendor_id: 311,
            vendor_type: 1
        })
    );
    assert!(an.is_empty(), "{an:?}");
    // Success has no type.
    let r = decode(&[1, 0, 0, 4, 3, 9, 0, 4], &mut an).unwrap();
    assert_eq!(serde_json::to_value(&r).unwrap()["eap"]["code"], "success");
    assert!(an.is_empty());
    let r = decode(&[3, 1, 0, 0], &mut an).unwrap();
    assert_eq!(serde_json::to_value(&r).unwrap()["packet_type"], "start");
    assert!(an.is_empty());
}

/// `tcpdump/malformed/eap_extract_read2_asan.pcap`: version 155, EAP packet with body length 0.
#[test]
fn malformed_keeps_header() {
    let mut an = Vec::new();
    let r = decode(&[0x9b, 0, 0, 0, 4], &mut an).unwrap();
    assert_eq!(r.version, 155);
    assert_eq!(r.eap, None);
    assert_eq!(an.len(), 1);
    // Body length past the frame, EAP length past the body.
    an.clear();
    let r = decode(&[1, 0, 0, 40, 1, 1, 0, 30, 1, b'a'], &mut an).unwrap();
    assert_eq!(an.len(), 2);
    assert_eq!(r.eap.unwrap().identity, Some(Text(b"a")));
    assert!(decode(&[1, 0, 0], &mut an).is_err());
}

proptest! {
    #[test]
    fn round_trip(version: u8, code in 1u8..7, id: u8, t: u8, data in proptest::collection::vec(any::<u8>(), 0..64),
                  ptype in 0u8..10, pad in proptest::collection::vec(any::<u8>(), 0..8)) {
        let mut eap = vec![code, id, 0, 0, t];
        eap.extend_from_slice(&data);
        let l = eap.len() as u16;
        eap[2..4].copy_from_slice(&l.to_be_bytes());
        let mut buf = vec![version, ptype, 0, 0];
        buf[2..4].copy_from_slice(&l.to_be_bytes());
        buf.extend_from_slice(&eap);
        let framed = [buf.clone(), pad].concat();
        let mut an = Vec::new();
        let r = decode(&framed, &mut an).unwrap();
        let mut out = vec![0u8; r.buffer_len()];
        r.emit(&mut out);
        prop_assert_eq!(&out, &buf);
        let mut an2 = Vec::new();
        let again = decode(&out, &mut an2).unwrap();
        if ptype == 0 && (code == 1 || code == 2) && (1..=4).contains(&t) {
            prop_assert!(an.is_empty(), "{:?}", an);
        }
        prop_assert_eq!(an, an2);
        prop_assert_eq!(again, r);
    }
}

proptest! {
    /// The fuzz property on arbitrary bytes (a short stand-in for the cargo-fuzz target).
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        crate::wire::fuzzing::eapol(&data);
    }
}
