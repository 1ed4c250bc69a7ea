use proptest::prelude::*;

use super::*;

/// A printer's DNS-SD announcement as avahi and CUPS printers send it (built by hand, names
/// compressed): PTR `_ipp._tcp.local` → `Office Printer._ipp._tcp.local`, its SRV (port 631 on
/// `printer1.local`), TXT (`ty`, `usb_MFG`, `usb_MDL`), the host's A record and HINFO.
const PRINTER: [u8; 226] = [
    0x00, 0x00, 0x84, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x04, 0x5f, 0x69, 0x70,
    0x70, 0x04, 0x5f, 0x74, 0x63, 0x70, 0x05, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x00, 0x00, 0x0c, 0x00,
    0x01, 0x00, 0x00, 0x11, 0x94, 0x00, 0x11, 0x0e, 0x4f, 0x66, 0x66, 0x69, 0x63, 0x65, 0x20, 0x50,
    0x72, 0x69, 0x6e, 0x74, 0x65, 0x72, 0xc0, 0x0c, 0xc0, 0x27, 0x00, 0x21, 0x80, 0x01, 0x00, 0x00,
    0x00, 0x78, 0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0x02, 0x77, 0x08, 0x70, 0x72, 0x69, 0x6e, 0x74,
    0x65, 0x72, 0x31, 0xc0, 0x16, 0xc0, 0x27, 0x00, 0x10, 0x80, 0x01, 0x00, 0x00, 0x11, 0x94, 0x00,
    0x58, 0x09, 0x74, 0x78, 0x74, 0x76, 0x65, 0x72, 0x73, 0x3d, 0x31, 0x19, 0x74, 0x79, 0x3d, 0x48,
    0x50, 0x20, 0x4c, 0x61, 0x73, 0x65, 0x72, 0x4a, 0x65, 0x74, 0x20, 0x50, 0x72, 0x6f, 0x20, 0x4d,
    0x34, 0x30, 0x34, 0x64, 0x6e, 0x0a, 0x75, 0x73, 0x62, 0x5f, 0x4d, 0x46, 0x47, 0x3d, 0x48, 0x50,
    0x1b, 0x75, 0x73, 0x62, 0x5f, 0x4d, 0x44, 0x4c, 0x3d, 0x4c, 0x61, 0x73, 0x65, 0x72, 0x4a, 0x65,
    0x74, 0x20, 0x50, 0x72, 0x6f, 0x20, 0x4d, 0x34, 0x30, 0x34, 0x64, 0x6e, 0x0c, 0x72, 0x70, 0x3d,
    0x69, 0x70, 0x70, 0x2f, 0x70, 0x72, 0x69, 0x6e, 0x74, 0xc0, 0x4a, 0x00, 0x01, 0x80, 0x01, 0x00,
    0x00, 0x00, 0x78, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x1f, 0xc0, 0x4a, 0x00, 0x0d, 0x80, 0x01, 0x00,
    0x00, 0x00, 0x78, 0x00, 0x0d, 0x06, 0x58, 0x38, 0x36, 0x5f, 0x36, 0x34, 0x05, 0x4c, 0x49, 0x4e,
    0x55, 0x58,
];

fn decode_ok(b: &[u8]) -> (Repr<'_>, Anomalies) {
    let mut an = Vec::new();
    let r = decode(b, &mut an).expect("header present");
    (r, an)
}

#[test]
fn deconstruct() {
    let p = Packet::new_checked(&PRINTER[..]).unwrap();
    assert_eq!(p.id(), 0);
    assert_eq!(p.flags(), 0x8400);
    assert_eq!(
        (p.qdcount(), p.ancount(), p.nscount(), p.arcount()),
        (0, 4, 0, 1)
    );
    let (n, end) = Name::parse(&PRINTER, HEADER_LEN).unwrap();
    assert_eq!(n.to_string(), "_ipp._tcp.local");
    assert_eq!(end, 29);
    assert_eq!(n.wire_len(), 17);
    // The instance name ends in a pointer back to the service type.
    let (inst, end) = Name::parse(&PRINTER, 39).unwrap();
    assert_eq!(inst.to_string(), "Office Printer._ipp._tcp.local");
    assert_eq!(end, 56);
    assert!(inst.ends_with("_ipp._tcp.local") && !inst.ends_with("_tcp.example"));
}

#[test]
fn construct() {
    let mut buf = [0u8; HEADER_LEN];
    let mut p = Packet::new_unchecked(&mut buf[..]);
    p.set_id(0);
    p.set_flags(0x8400);
    p.set_counts(0, 4, 0, 1);
    assert_eq!(buf, PRINTER[..HEADER_LEN]);
}

#[test]
fn parse() {
    let (r, an) = decode_ok(&PRINTER);
    assert!(an.is_empty(), "{an:?}");
    assert!(r.response && r.questions.is_empty());
    assert_eq!(r.answers.len(), 4);
    assert_eq!(r.additional.len(), 1);
    let ptr = &r.answers[0];
    assert_eq!(
        (ptr.rtype, ptr.ttl, ptr.cache_flush),
        (RrType::Ptr, 4500, false)
    );
    let RData::Ptr(inst) = &ptr.data else {
        panic!("{ptr:?}")
    };
    assert_eq!(inst.to_string(), "Office Printer._ipp._tcp.local");
    let RData::Srv { port, target, .. } = &r.answers[1].data else {
        panic!()
    };
    assert_eq!(
        (*port, target.to_string().as_str()),
        (631, "printer1.local")
    );
    assert!(r.answers[1].cache_flush);
    let RData::Txt(t) = &r.answers[2].data else {
        panic!()
    };
    assert_eq!(t.get("TY"), Some(&b"HP LaserJet Pro M404dn"[..]));
    assert_eq!(t.get("usb_mfg"), Some(&b"HP"[..]));
    assert_eq!(t.get("missing"), None);
    assert_eq!(r.answers[3].data, RData::A(Ipv4Addr::new(192, 0, 2, 31)));
    assert_eq!(r.answers[3].name.to_string(), "printer1.local");
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["answers"][0]["type"], "PTR");
    assert_eq!(j["answers"][0]["data"], "Office Printer._ipp._tcp.local");
    assert_eq!(j["answers"][1]["data"]["port"], 631);
    assert_eq!(j["answers"][2]["data"][1], "ty=HP LaserJet Pro M404dn");
    assert_eq!(j["additional"][0]["data"]["os"], "LINUX");
    let line = r.to_string();
    assert!(
        line.starts_with("response; _ipp._tcp.local PTR Office Printer._ipp._tcp.local; "),
        "{line}"
    );
    assert!(line.contains("printer1.local A 192.0.2.31"), "{line}");
}

#[test]
fn emit() {
    let (r, _) = decode_ok(&PRINTER);
    let mut buf = vec![0u8; r.buffer_len()];
    r.emit(&mut buf);
    // Names are written uncompressed: longer than the original, and the same message.
    assert!(buf.len() > PRINTER.len());
    let (again, an) = decode_ok(&buf);
    assert!(an.is_empty(), "{an:?}");
    assert_eq!(again, r);
}

fn header(qd: u16, an: u16) -> Vec<u8> {
    let mut m = vec![0u8; HEADER_LEN];
    Packet::new_unchecked(&mut m[..]).set_counts(qd, an, 0, 0);
    m
}

#[test]
fn a_pointer_loop_is_an_error_not_a_hang() {
    // Question name at 12 is a pointer to itself.
    let mut m = header(1, 0);
    m.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1]);
    let (r, an) = decode_ok(&m);
    assert!(r.questions.is_empty());
    assert_eq!(
        an,
        [Error::content("mdns.name", 12, "compression pointer loop")]
    );
    // Two names pointing at each other.
    let mut m = header(2, 0);
    m.extend_from_slice(&[
        0x01, b'a', 0xc0, 0x14, 0, 1, 0, 1, 0x01, b'b', 0xc0, 0x0c, 0, 1, 0, 1,
    ]);
    let (_, an) = decode_ok(&m);
    assert!(
        matches!(
            an[0],
            Error::Content {
                kind: "compression pointer loop",
                ..
            }
        ),
        "{an:?}"
    );
}

#[test]
fn bad_pointers_labels_and_lengths_are_precise() {
    let mut m = header(1, 0);
    m.extend_from_slice(&[0xc0, 0xff, 0, 1, 0, 1]);
    assert_eq!(
        decode_ok(&m).1,
        [Error::content(
            "mdns.pointer",
            12,
            "compression pointer past the end"
        )]
    );
    let mut m = header(1, 0);
    m.extend_from_slice(&[0x41, b'a', 0, 0, 1, 0, 1]);
    assert_eq!(
        decode_ok(&m).1,
        [Error::content("mdns.label", 12, "reserved label type")]
    );
    let mut m = header(1, 0);
    m.extend_from_slice(&[0x05, b'a', b'b']);
    assert_eq!(decode_ok(&m).1, [Error::len("mdns.label", 12, 6, 3)]);
    // 5 labels of 63 bytes: 320 bytes, over the 255-byte limit.
    let mut m = header(1, 0);
    for _ in 0..5 {
        m.push(63);
        m.extend_from_slice(&[b'x'; 63]);
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    assert_eq!(
        decode_ok(&m).1,
        [Error::content(
            "mdns.name",
            12,
            "name longer than 255 bytes"
        )]
    );
    // Counts that promise more than the datagram holds: reserved space stays bounded.
    let m = header(0xffff, 0xffff);
    let (r, an) = decode_ok(&m);
    assert!(r.questions.capacity() <= MAX_RECORDS && r.answers.capacity() == 0);
    assert_eq!(an, [Error::len("mdns.questions", 12, 0xffff * 5, 0)]);
    assert_eq!(
        decode(&PRINTER[..11], &mut Vec::new()),
        Err(Error::len("mdns", 0, 12, 11))
    );
}

#[test]
fn a_cut_record_keeps_the_records_before_it() {
    let (r, an) = decode_ok(&PRINTER[..150]);
    assert_eq!(r.answers.len(), 2, "PTR and SRV are whole");
    assert!(
        matches!(
            an[..],
            [Error::Len {
                layer: "mdns.record",
                ..
            }]
        ),
        "{an:?}"
    );
    // A TXT string running past its record: the TXT is an error, with the offset in the message.
    // The record's length is known: it is kept as bytes and the message goes on.
    let mut m = PRINTER;
    m[107] = 0x7f;
    let (r, an) = decode_ok(&m);
    assert_eq!((r.answers.len(), r.additional.len()), (4, 1));
    assert_eq!(r.answers[2].data, RData::Other(Hex(&m[97..185])));
    assert_eq!(r.answers[3].data, RData::A(Ipv4Addr::new(192, 0, 2, 31)));
    assert!(
        matches!(
            an[..],
            [Error::Len {
                layer: "mdns.txt",
                offset: 108,
                required: 127,
                ..
            }]
        ),
        "{an:?}"
    );
    // Trailing bytes after the last record.
    let mut m = PRINTER.to_vec();
    m.push(0);
    assert_eq!(
        decode_ok(&m).1,
        [Error::content(
            "mdns",
            PRINTER.len(),
            "bytes after the last record"
        )]
    );
}

fn label() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 1..20)
}

fn rdata_strategy() -> impl Strategy<Value = (u16, Vec<u8>)> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| (1u16, a.to_vec())),
        any::<[u8; 16]>().prop_map(|a| (28u16, a.to_vec())),
        proptest::collection::vec(label(), 0..5).prop_map(|items| {
            let mut d = Vec::new();
            for i in items {
                d.push(i.len() as u8);
                d.extend_from_slice(&i);
            }
            (16u16, d)
        }),
        proptest::collection::vec(any::<u8>(), 0..30).prop_map(|d| (99u16, d)),
    ]
}

proptest! {
    /// Built messages (uncompressed names, assorted records) parse, re-emit byte for byte, and
    /// parse to the same value.
    #[test]
    fn round_trip(
        names in proptest::collection::vec(proptest::collection::vec(label(), 0..4), 1..4),
        recs in proptest::collection::vec(rdata_strategy(), 0..4),
        ttl in any::<u32>(),
        flush in any::<bool>(),
    ) {
        let mut m = header(names.len() as u16, recs.len() as u16);
        let name_bytes = |labels: &Vec<Vec<u8>>| {
            let mut b = Vec::new();
            for l in labels {
                b.push(l.len() as u8);
                b.extend_from_slice(l);
            }
            b.push(0);
            b
        };
        for n in &names {
            m.extend(name_bytes(n));
            m.extend_from_slice(&[0, 12, 0x80, 1]);
        }
        for (t, d) in &recs {
            m.extend(name_bytes(&names[0]));
            m.extend_from_slice(&t.to_be_bytes());
            m.extend_from_slice(&(if flush { 0x8001u16 } else { 1 }).to_be_bytes());
            m.extend_from_slice(&ttl.to_be_bytes());
            m.extend_from_slice(&(d.len() as u16).to_be_bytes());
            m.extend_from_slice(d);
        }
        let (r, an) = decode_ok(&m);
        prop_assert!(an.is_empty(), "{:?}", an);
        prop_assert_eq!(r.buffer_len(), m.len());
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut buf);
        prop_assert_eq!(&buf, &m);
        prop_assert_eq!(decode_ok(&buf).0, r);
    }

    /// Arbitrary bytes never panic.
    #[test]
    fn arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        crate::wire::fuzzing::mdns(&b);
    }
}
