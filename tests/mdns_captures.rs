//! mDNS and SSDP on the committed capture (`tests/data/mdns/discovery.pcap`, made by
//! `tests/mdns_live.rs` with real avahi-daemon and minidlnad; see its README):
//! - our decode agrees with tshark's (the committed `discovery.tshark.tsv`) on every frame's
//!   PTR targets, TXT strings, SRV targets, A records and SSDP `SERVER`;
//! - `cybriq decode` shows them, in text and JSON;
//! - each device's identity: the printer is an HP printer of its model, the Cast receiver a
//!   Google Chromecast, the plain Linux host's discovery names no vendor, the Hikvision camera
//!   is NDAA-prohibited at the event threshold;
//! - every prefix of every frame (a snap length cutting it anywhere), and hand-made malformed
//!   messages, decode with precise anomalies and never panic;
//! - `[[capture]] mdns_ssdp` decides whether the pipeline uses them.

mod mdns_support;
mod netns_lab;
mod snmp_support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cybriq::clock::Timestamp;
use cybriq::config::Config;
use cybriq::decode::{Format, decode_file};
use cybriq::dna::DnaBuilder;
use cybriq::observe::{Observation, Signal};
use cybriq::pipeline::{Pipeline, Settings};
use cybriq::refdb::RefDb;
use cybriq::wire::{Error, LinkType, Payload, frame};

fn capture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mdns/discovery.pcap")
}

fn frames() -> Vec<(Timestamp, Vec<u8>)> {
    let (link, recs, _) = cybriq::capture::read_all(&capture()).unwrap();
    assert_eq!(link, LinkType::Ethernet);
    recs
}

#[test]
fn the_decode_agrees_with_tshark() {
    let oracle = std::fs::read_to_string(capture().with_extension("tshark.tsv")).unwrap();
    let n = mdns_support::agree(
        "mdns/discovery.pcap",
        &mdns_support::our_fields(&capture()),
        &oracle,
    );
    assert!(n >= 40, "{n} frames");
}

#[test]
fn cybriq_decode_shows_them() {
    let mut text = Vec::new();
    let s = decode_file(&capture(), Format::Text, &mut text).unwrap();
    assert_eq!(s.decoded, s.records, "every frame is mDNS or SSDP");
    assert_eq!(s.with_anomalies, 0);
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains(" MDNS response; "), "{text}");
    assert!(text.contains("; _ipp._tcp.local PTR HP LaserJet Pro M404dn (A1B2C3)._ipp._tcp.local"));
    assert!(text.contains("\"ty=HP LaserJet Pro M404dn\""));
    assert!(text.contains(" SSDP notify nts \"ssdp:alive\" nt \"upnp:rootdevice\""));
    assert!(text.contains("server \"Linux/3.10, UPnP/1.0, Hikvision DS-2CD2143G2-I/5.7.3\""));
    let json = cybriq::decode::decode_file_values(&capture()).unwrap();
    let m = json.iter().find(|v| v["proto"] == "mdns").unwrap();
    assert!(m["mdns"]["questions"].is_array() && m["mdns"]["answers"].is_array());
    let s = json.iter().find(|v| v["proto"] == "ssdp").unwrap();
    assert_eq!(s["ssdp"]["kind"], "notify");
    assert_eq!(s["ssdp"]["headers"][0]["name"], "HOST");
}

#[test]
fn identities() {
    mdns_support::check_identities(&capture());
}

#[test]
fn observations_carry_the_identity_strings() {
    let obs = mdns_support::observations(&capture());
    let printer: Vec<_> = obs
        .iter()
        .filter(|o| o.mac.map(|m| m.to_string()).as_deref() == Some(mdns_support::PRINTER))
        .filter_map(|o| match &o.signal {
            Signal::Mdns(m) if m.response => Some(m),
            _ => None,
        })
        .collect();
    let all = |f: fn(&cybriq::observe::Mdns) -> &Vec<String>| -> Vec<String> {
        let mut v: Vec<String> = printer.iter().flat_map(|m| f(m).clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(all(|m| &m.services), ["_ipp._tcp", "_pdl-datastream._tcp"]);
    assert_eq!(all(|m| &m.instances), ["HP LaserJet Pro M404dn (A1B2C3)"]);
    assert_eq!(all(|m| &m.hosts), ["printer1"]);
    assert_eq!(
        all(|m| &m.txt),
        [
            "product=(HP LaserJet Pro M404dn)",
            "ty=HP LaserJet Pro M404dn",
            "usb_mdl=LaserJet Pro M404dn",
            "usb_mfg=HP",
        ]
    );
    let dlna = obs.iter().find_map(|o| match &o.signal {
        Signal::Ssdp(s) if s.server.is_some() && s.kind == "notify" => Some(s),
        _ => None,
    });
    let dlna = dlna.unwrap();
    assert_eq!(
        dlna.server.as_deref(),
        Some("Debian DLNADOC/1.50 UPnP/1.0 MiniDLNA/1.3.0")
    );
}

#[test]
fn every_prefix_of_every_frame_decodes_with_anomalies_never_a_panic() {
    for (i, (ts, f)) in frames().iter().enumerate() {
        // Ethernet + IPv4 + UDP headers: 42 bytes; cut anywhere in the message after them.
        for cut in 42..f.len() {
            let d = frame::decode(LinkType::Ethernet, &f[..cut]);
            assert!(
                matches!(d.payload, Payload::Mdns(_) | Payload::Ssdp(_)),
                "frame {} cut at {cut}",
                i + 1
            );
            assert!(
                !d.anomalies.is_empty(),
                "frame {} cut at {cut}: no anomaly",
                i + 1
            );
            let _ = Observation::from_frame(*ts, &d);
        }
    }
}

/// An Ethernet/IPv4/UDP frame from `sport` to `dport` carrying `payload`.
fn udp_frame(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 9], [1, 0, 0x5e, 0, 0, 0xfb])
        .ipv4([192, 0, 2, 9], [224, 0, 0, 251], 255)
        .udp(sport, dport);
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, payload).unwrap();
    out
}

#[test]
fn malformed_messages_are_precise_anomalies() {
    let cases: [(u16, &[u8], Vec<Error>); 4] = [
        (5353, &[0, 0, 0x84, 0], vec![Error::len("mdns", 0, 12, 4)]),
        (
            5353,
            &[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1],
            vec![Error::content("mdns.name", 12, "compression pointer loop")],
        ),
        (
            1900,
            b"\x00\x01binary\r\n\r\n",
            vec![Error::content("ssdp", 0, "not an HTTP-over-UDP start line")],
        ),
        // Cut inside a header name: the cut and the colon-less rest, at the line's offset.
        (
            1900,
            b"NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\nSERV",
            vec![
                Error::len("ssdp.headers", 40, 6, 4),
                Error::content("ssdp.header", 40, "header line without a colon"),
            ],
        ),
    ];
    for (port, payload, want) in cases {
        let f = udp_frame(port, port, payload);
        let d = frame::decode(LinkType::Ethernet, &f);
        assert_eq!(d.anomalies, want, "{payload:?}");
    }
}

fn pipeline(toml: &str) -> Pipeline {
    let cfg = Config::parse(toml, "test").unwrap();
    Pipeline::new(
        &cfg,
        Settings::default(),
        DnaBuilder::new(cfg.dna.params()),
        Arc::new(RefDb::builtin().unwrap()),
        Vec::new(),
        None,
    )
}

#[test]
fn the_capture_key_decides_whether_they_are_used() {
    let base = "[sensor]\nsite = \"s\"\n[[capture]]\ninterface = \"span0\"\n";
    let mut off = pipeline(base);
    let mut on = pipeline(&format!("{base}mdns_ssdp = true\n"));
    let recs = frames();
    for (ts, f) in &recs {
        off.frame("span0", LinkType::Ethernet, *ts, f);
        on.frame("span0", LinkType::Ethernet, *ts, f);
        // Another interface without the key: not used either.
        on.frame("span1", LinkType::Ethernet, *ts, f);
    }
    let (a, b) = (off.stats(), on.stats());
    assert_eq!(a.observations, 0, "{a:?}");
    assert_eq!(a.not_control_plane, recs.len() as u64);
    assert_eq!(b.observations, recs.len() as u64, "{b:?}");
    assert_eq!(b.not_control_plane, recs.len() as u64);
}

/// What the same devices resolve to from their MACs alone (the docs/mdns-ssdp.md table's
/// "without" column): discovery is what names the model, the class and the camera's vendor.
#[test]
fn without_discovery_the_identities_are_weaker() {
    use cybriq::refdb::{DeviceClass, NdaaStatus, profile::Profile};
    let db = RefDb::builtin().unwrap();
    let alone = |mac: &str| db.resolve(&Profile::new(Some(mac.parse().unwrap())));
    let with = |mac: &str| mdns_support::identity(&capture(), mac);
    let (p0, p1) = (alone(mdns_support::PRINTER), with(mdns_support::PRINTER));
    eprintln!(
        "printer: {:?} {:?} {:.3} -> {:.3}",
        p0.vendor, p0.class, p0.confidence, p1.confidence
    );
    assert_eq!(p0.vendor.as_deref(), Some("HP"));
    assert!(
        p0.model.is_none() && p0.class != DeviceClass::Printer,
        "{p0:?}"
    );
    assert!(p1.confidence > p0.confidence);
    let c0 = alone(mdns_support::CAST);
    eprintln!("cast: {:?} {:?} {:.3}", c0.vendor, c0.class, c0.confidence);
    assert!(
        c0.model.is_none() && c0.class != DeviceClass::AvSystem,
        "{c0:?}"
    );
    let h0 = alone(mdns_support::CAMERA);
    assert!(h0.vendor.is_none(), "{h0:?}");
    assert_eq!(h0.ndaa_status, NdaaStatus::Unknown);
    let h1 = with(mdns_support::CAMERA);
    eprintln!(
        "camera: {:?} {:?} {:.3}",
        h1.vendor, h1.model, h1.confidence
    );
    assert_eq!(h1.model.as_deref(), Some("DS-2CD2143G2-I"), "{h1:?}");
    let (l0, l1) = (alone(mdns_support::LINUX), with(mdns_support::LINUX));
    eprintln!(
        "linux: {:?} {:?} {:.3} / {:?} {:?} {:.3}",
        l0.vendor, l0.class, l0.confidence, l1.vendor, l1.class, l1.confidence
    );
    assert_eq!(l0.vendor, l1.vendor);
}

/// The pipeline keeps a device's mDNS (SSDP) evidence as the union of its messages, and
/// rebuilds its identity as that grows, though its DNA stays the same: after the printer's
/// last message (its goodbye) it is the identity of everything it said.
#[test]
fn a_device_s_discovery_evidence_accumulates_in_the_pipeline() {
    use cybriq::attribution::PortRef;
    use cybriq::pipeline::devices::Devices;
    let db = RefDb::builtin().unwrap();
    let b = DnaBuilder::new(cybriq::dna::DnaParams::default());
    let mut d = Devices::new(100);
    let port = d.port_id(&PortRef {
        switch: "sw".into(),
        port: "Gi1/0/1".into(),
    });
    let all = mdns_support::observations(&capture());
    for who in [
        mdns_support::PRINTER,
        mdns_support::CAMERA,
        mdns_support::LINUX,
    ] {
        let mac: cybriq::wire::MacAddr = who.parse().unwrap();
        let (mut rebuilt, mut dnas) = (0, std::collections::BTreeSet::new());
        let mut last = None;
        for o in all.iter().filter(|o| o.mac == Some(mac)) {
            rebuilt += usize::from(d.observe(port, mac, o, None).changed);
            let (dna, id) = d.built(port, mac, &b, &db).unwrap();
            dnas.insert(dna.id.to_string());
            last = Some(id.clone());
        }
        let (got, want) = (last.unwrap(), mdns_support::identity(&capture(), who));
        assert_eq!(
            (&got.vendor, &got.model, got.class, got.ndaa_status),
            (&want.vendor, &want.model, want.class, want.ndaa_status),
            "{who}"
        );
        // The camera repeats one NOTIFY: it changes once; the others' evidence grows.
        let want_changes = if who == mdns_support::CAMERA { 1 } else { 2 };
        assert!(rebuilt >= want_changes, "{who}: changed {rebuilt} times");
        assert_eq!(dnas.len(), 1, "{who}: one DNA throughout");
    }
}
