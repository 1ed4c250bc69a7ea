use proptest::prelude::*;

use super::*;

/// A camera's `ssdp:alive` for its root device, in the layout UPnP Device Architecture 2.0
/// section 1.2.2 gives (values modelled on a Hikvision IP camera's advertisement).
const NOTIFY: &[u8] = b"NOTIFY * HTTP/1.1\r\n\
HOST: 239.255.255.250:1900\r\n\
CACHE-CONTROL: max-age=1800\r\n\
LOCATION: http://192.0.2.64:49152/rootDesc.xml\r\n\
NT: upnp:rootdevice\r\n\
NTS: ssdp:alive\r\n\
SERVER: Linux/3.10, UPnP/1.0, Hikvision-Webs/1.0\r\n\
USN: uuid:5f2a3c4e-0000-1000-8000-c056e3a1b2c3::upnp:rootdevice\r\n\
\r\n";

/// A Windows control point's search (section 1.3.2).
const MSEARCH: &[u8] = b"M-SEARCH * HTTP/1.1\r\n\
HOST: 239.255.255.250:1900\r\n\
MAN: \"ssdp:discover\"\r\n\
MX: 1\r\n\
ST: urn:dial-multiscreen-org:service:dial:1\r\n\
USER-AGENT: Microsoft Edge/120.0 Windows\r\n\
\r\n";

fn decode_ok(b: &[u8]) -> (Repr<'_>, Anomalies) {
    let mut an = Vec::new();
    let r = decode(b, &mut an).expect("start line");
    (r, an)
}

#[test]
fn deconstruct() {
    let (line, rest) = next_line(NOTIFY).unwrap();
    assert_eq!(line, b"NOTIFY * HTTP/1.1");
    assert!(rest.starts_with(b"HOST:"));
    assert_eq!(start_kind(line), Ok((Kind::Notify, None)));
    assert_eq!(
        start_kind(b"HTTP/1.1 200 OK"),
        Ok((Kind::Response, Some(200)))
    );
    assert_eq!(trim(b" \tx y\t "), b"x y");
}

#[test]
fn construct() {
    let r = Repr {
        kind: Kind::MSearch,
        start_line: Text(b"M-SEARCH * HTTP/1.1"),
        status: None,
        headers: vec![
            Header {
                name: Text(b"HOST"),
                value: Text(b"239.255.255.250:1900"),
            },
            Header {
                name: Text(b"MAN"),
                value: Text(b"\"ssdp:discover\""),
            },
            Header {
                name: Text(b"MX"),
                value: Text(b"1"),
            },
            Header {
                name: Text(b"ST"),
                value: Text(b"urn:dial-multiscreen-org:service:dial:1"),
            },
            Header {
                name: Text(b"USER-AGENT"),
                value: Text(b"Microsoft Edge/120.0 Windows"),
            },
        ],
    };
    let mut buf = vec![0u8; r.buffer_len()];
    r.emit(&mut buf);
    assert_eq!(buf, MSEARCH);
}

#[test]
fn parse() {
    let (r, an) = decode_ok(NOTIFY);
    assert!(an.is_empty(), "{an:?}");
    assert_eq!(r.kind, Kind::Notify);
    assert_eq!(r.headers.len(), 7);
    assert_eq!(
        r.server().unwrap().to_string(),
        "Linux/3.10, UPnP/1.0, Hikvision-Webs/1.0"
    );
    assert_eq!(
        r.get("server"),
        r.server(),
        "names compare case-insensitively"
    );
    assert_eq!(r.nt().unwrap().to_string(), "upnp:rootdevice");
    assert_eq!(r.nts().unwrap().to_string(), "ssdp:alive");
    assert!(r.usn().unwrap().to_string().starts_with("uuid:5f2a3c4e"));
    assert_eq!(
        r.location().unwrap().to_string(),
        "http://192.0.2.64:49152/rootDesc.xml"
    );
    assert_eq!(r.st(), None);
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["kind"], "notify");
    assert_eq!(j["headers"][5]["name"], "SERVER");
    assert!(j.get("status").is_none());
    assert!(
        r.to_string()
            .starts_with("notify nts \"ssdp:alive\" nt \"upnp:rootdevice\"")
    );
    let (m, an) = decode_ok(MSEARCH);
    assert!(an.is_empty());
    assert_eq!(m.kind, Kind::MSearch);
    assert_eq!(
        m.user_agent().unwrap().to_string(),
        "Microsoft Edge/120.0 Windows"
    );
    let ok = b"HTTP/1.1 200 OK\r\nst: upnp:rootdevice\r\nserver:Linux UPnP/1.0 x\r\n\r\n";
    let (o, an) = decode_ok(ok);
    assert!(an.is_empty());
    assert_eq!((o.kind, o.status), (Kind::Response, Some(200)));
    assert_eq!(o.server().unwrap().to_string(), "Linux UPnP/1.0 x");
}

#[test]
fn emit() {
    let (r, _) = decode_ok(NOTIFY);
    let mut buf = vec![0u8; r.buffer_len()];
    r.emit(&mut buf);
    assert_eq!(buf, NOTIFY);
    // Bare LF line ends parse the same and emit as CRLF.
    let lf: Vec<u8> = NOTIFY.iter().copied().filter(|&b| b != b'\r').collect();
    let (again, an) = decode_ok(&lf);
    assert!(an.is_empty());
    assert_eq!(again, r);
}

#[test]
fn malformed_and_truncated_are_precise() {
    let mut an = Vec::new();
    assert_eq!(
        decode(b"GET / HTTP/1.1", &mut an),
        Err(Error::len("ssdp", 0, 15, 14)),
        "no line end"
    );
    assert_eq!(
        decode(b"hello world\r\n\r\n", &mut an),
        Err(Error::content("ssdp", 0, "not an HTTP-over-UDP start line"))
    );
    assert_eq!(
        decode(b"HTTP/1.1 2000 OK\r\n\r\n", &mut an),
        Err(Error::content("ssdp", 0, "not an HTTP-over-UDP start line"))
    );
    // Cut short inside the SERVER line: what parsed is kept, the cut is an anomaly.
    let cut = &NOTIFY[..NOTIFY.len() - 80];
    let (r, an) = decode_ok(cut);
    assert_eq!(r.headers.len(), 6);
    assert!(r.server().unwrap().to_string().starts_with("Linux/3.10"));
    assert!(
        matches!(
            an[..],
            [Error::Len {
                layer: "ssdp.headers",
                ..
            }]
        ),
        "{an:?}"
    );
    let (r, an) = decode_ok(b"NOTIFY * HTTP/1.1\r\nno colon here\r\n: empty\r\nNT: x\r\n\r\n");
    assert_eq!(r.headers.len(), 1);
    assert_eq!(
        an,
        [
            Error::content("ssdp.header", 19, "header line without a colon"),
            Error::content("ssdp.header", 34, "empty header name"),
        ]
    );
    let mut many = b"NOTIFY * HTTP/1.1\r\n".to_vec();
    for i in 0..60 {
        many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let (r, an) = decode_ok(&many);
    assert_eq!(r.headers.len(), MAX_HEADERS);
    assert!(matches!(
        an[..],
        [Error::Content {
            kind: "more than 48 headers",
            ..
        }]
    ));
}

proptest! {
    /// Messages built from arbitrary header names and values parse, re-emit and parse the same.
    #[test]
    fn round_trip(
        hs in proptest::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,12}", "[ -~]{0,40}"), 0..10),
    ) {
        let mut m = b"NOTIFY * HTTP/1.1\r\n".to_vec();
        for (n, v) in &hs {
            m.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        m.extend_from_slice(b"\r\n");
        let (r, an) = decode_ok(&m);
        prop_assert!(an.is_empty());
        prop_assert_eq!(r.headers.len(), hs.len());
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut buf);
        prop_assert_eq!(decode_ok(&buf).0, r);
    }

    /// Arbitrary bytes never panic.
    #[test]
    fn arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        crate::wire::fuzzing::ssdp(&b);
    }
}
