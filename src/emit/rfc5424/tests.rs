use proptest::prelude::*;
use syslog_loose::{Variant, parse_message_with_year_exact};

use super::*;
use crate::clock::Timestamp;
use crate::emit::format::{Payload, SeverityMapping};
use crate::event::{EventType, NdaaStatus, Severity, sample};

fn opts(max: usize) -> FormatOptions {
    FormatOptions::new(
        Payload::Rfc5424,
        16,
        SeverityMapping::Fixed(6),
        "ese-bldg-3",
        "4231",
        max,
    )
}

fn fmt(o: &FormatOptions, e: &Event) -> Vec<u8> {
    let mut out = Vec::new();
    let mut s = String::new();
    o.format(e, &mut out, &mut s);
    out
}

fn reference_event() -> Event {
    let mut e = Event::new(
        EventType::DeviceSubstituted,
        Timestamp::from_secs_micros(1_778_432_892, 482_000),
        0x1234,
        "hq-bldg-3",
        "Gi1/0/24",
    );
    e.switch = Some("core-sw-02".into());
    e.previous_dna = Some("dna:5f8d2a1b".into());
    e.device_dna = Some("dna:7e9c4d2f".into());
    e.similarity = Some(0.31);
    e.threshold = Some(0.65);
    e.previous_vendor = Some("Cisco IP Phone 8851".into());
    e.mitre = vec!["T1200".into(), "T1556".into()];
    e.controls = vec!["PCI-4.0/12.5.1".into(), "SOC2/CC6.1".into()];
    e.fill_change_fields();
    e
}

#[test]
fn reference_sample_line() {
    let e = reference_event();
    let line = String::from_utf8(fmt(&opts(8192), &e)).unwrap();
    let expected = format!(
        "<134>1 2026-05-10T17:08:12.482Z ese-bldg-3 cybriq 4231 device-substituted [event@29051 event_id=\"{}\" event=\"device-substituted\" severity=\"high\" timestamp=\"2026-05-10T17:08:12.482Z\" site=\"hq-bldg-3\" switch=\"core-sw-02\" port=\"Gi1/0/24\" device_dna=\"dna:7e9c4d2f\" previous_dna=\"dna:5f8d2a1b\" current_dna=\"dna:7e9c4d2f\" similarity=\"0.31\" threshold=\"0.65\" previous_vendor=\"Cisco IP Phone 8851\" current_vendor=\"unknown\" mitre=\"T1200,T1556\" controls=\"PCI-4.0/12.5.1,SOC2/CC6.1\"] Substituted device on port Gi1/0/24, switch core-sw-02, site hq-bldg-3. Severity high.",
        e.event_id
    );
    assert_eq!(line, expected);
}

#[test]
fn pri_follows_facility_and_severity_mapping() {
    let e = reference_event();
    let mut o = opts(8192);
    o.facility = 4;
    assert!(fmt(&o, &e).starts_with(b"<38>1 "));
    o.severity = SeverityMapping::ByEvent {
        high: 2,
        medium: 4,
        low: 6,
    };
    assert!(fmt(&o, &e).starts_with(b"<34>1 "));
    let mut low = e.clone();
    low.severity = Severity::Low;
    assert!(fmt(&o, &low).starts_with(b"<38>1 "));
}

#[test]
fn param_values_escape_quote_backslash_and_bracket() {
    let mut v = Vec::new();
    escape_param_value(&mut v, r#"a"b\c]d[e=f"#);
    assert_eq!(v, br#"a\"b\\c\]d[e=f"#);
}

#[test]
fn non_ascii_msg_gets_a_bom_ascii_does_not() {
    let mut e = reference_event();
    let ascii = fmt(&opts(8192), &e);
    assert!(!ascii.windows(3).any(|w| w == BOM));
    e.site = "z\u{fc}rich".into();
    let out = fmt(&opts(8192), &e);
    let sd_end = out.windows(2).position(|w| w == b"] ").unwrap();
    assert_eq!(&out[sd_end + 2..sd_end + 5], BOM);
    assert!(String::from_utf8(out).is_ok());
}

#[test]
fn line_breaks_in_msg_become_spaces() {
    let mut e = reference_event();
    e.port = "Gi1/0/24\nfake line".into();
    let out = String::from_utf8(fmt(&opts(8192), &e)).unwrap();
    let msg = &out[out.rfind("] ").unwrap() + 2..];
    assert!(
        !msg.contains('\n') && msg.contains("Gi1/0/24 fake line"),
        "{msg}"
    );
    // The structured data keeps the value as it is.
    assert!(out.contains("port=\"Gi1/0/24\nfake line\""));
}

#[test]
fn truncation_cuts_msg_never_sd_nor_a_character() {
    let mut e = reference_event();
    e.site = "\u{20ac}".repeat(200); // 3 bytes each, appears in SD and MSG
    let full = fmt(&opts(65_536), &e);
    let sd_end = full.windows(2).rposition(|w| w == b"] ").unwrap() + 1;
    for max in [
        sd_end + 10,
        sd_end + 11,
        sd_end + 12,
        sd_end + 100,
        sd_end + 401,
    ] {
        let out = fmt(&opts(max), &e);
        assert!(out.len() <= max, "{} > {max}", out.len());
        assert_eq!(&out[..sd_end], &full[..sd_end], "SD intact at {max}");
        let s = String::from_utf8(out).expect("no split character");
        let strip = |t: &str| t.replace('\u{feff}', "");
        assert!(strip(&String::from_utf8_lossy(&full)).starts_with(&strip(&s)));
    }
    // Header and SD alone over the limit: sent without MSG, SD intact.
    let out = fmt(&opts(500), &e);
    assert_eq!(out, &full[..sd_end]);
}

#[test]
fn every_sample_parses_back_with_syslog_loose() {
    let o = opts(8192);
    for e in sample::all(Timestamp(1_778_432_892_482_000), || 99, "hq") {
        let line = String::from_utf8(fmt(&o, &e)).unwrap();
        let m = parse_message_with_year_exact(&line, |_| 2026, Variant::RFC5424).unwrap();
        let fields = sd_fields(&m);
        assert_eq!(fields["event"], e.event.as_str());
        assert_eq!(m.msgid, Some(e.event.as_str()));
        assert_eq!(fields["event_id"], e.event_id.to_string());
        let back = event_from_fields(&fields);
        assert_eq!(back, e);
    }
}

fn sd_fields(m: &syslog_loose::Message<&str>) -> std::collections::BTreeMap<String, String> {
    assert_eq!(m.structured_data.len(), 1);
    assert_eq!(m.structured_data[0].id, SD_ID);
    m.structured_data[0]
        .params()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Rebuilds an event from its structured data the way a SIEM parser would.
fn event_from_fields(f: &std::collections::BTreeMap<String, String>) -> Event {
    let mut o = serde_json::Map::new();
    for (k, v) in f {
        let val = match k.as_str() {
            "similarity" | "threshold" | "confidence" => {
                serde_json::json!(v.parse::<f64>().unwrap())
            }
            "change_window_match" | "unenrolled" | "flapping" | "impersonation" => {
                serde_json::json!(v == "true")
            }
            "moved_from" => {
                let (sw, port) = v.split_once('/').unwrap();
                serde_json::json!({"switch": sw, "port": port})
            }
            "mitre" | "controls" | "changed" => serde_json::json!(v.split(',').collect::<Vec<_>>()),
            _ => serde_json::json!(v),
        };
        o.insert(k.clone(), val);
    }
    serde_json::from_value(serde_json::Value::Object(o)).unwrap()
}

fn text() -> impl Strategy<Value = String> {
    // Any Unicode, weighted towards the characters that need escaping.
    prop_oneof![any::<String>(), "[\"\\\\\\] =\\[a-z\u{e9}\u{20ac}\n]{0,12}",]
        .prop_filter("non-empty", |s| !s.is_empty())
}

fn item() -> impl Strategy<Value = String> {
    text().prop_filter("no comma in a list item", |s| !s.contains(','))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn any_field_content_round_trips(
        t in 0usize..12, site in text(), port in text(), switch in proptest::option::of(text()),
        vendor in proptest::option::of(text()), dna in proptest::option::of(text()),
        sim in proptest::option::of(0.0f64..1.0), mitre in proptest::collection::vec(item(), 0..3),
        cwm in proptest::option::of(any::<bool>()), ms in 0i64..4_000_000_000_000,
    ) {
        let mut e = Event::new(EventType::ALL[t], Timestamp(ms * 1000), 77, site, port);
        e.switch = switch;
        e.vendor = vendor;
        e.device_dna = dna;
        e.similarity = sim.map(Event::round_score);
        e.mitre = mitre;
        e.change_window_match = cwm;
        e.ndaa_status = Some(NdaaStatus::Unknown);
        let out = fmt(&opts(65_536), &e);
        let line = String::from_utf8(out).unwrap();
        let m = parse_message_with_year_exact(&line, |_| 2026, Variant::RFC5424).unwrap();
        prop_assert_eq!(m.facility.map(|f| f as i32), Some(16));
        prop_assert_eq!(m.hostname, Some("ese-bldg-3"));
        prop_assert_eq!(m.appname, Some("cybriq"));
        prop_assert_eq!(m.msgid, Some(e.event.as_str()));
        prop_assert_eq!(m.timestamp.unwrap().timestamp_millis() * 1000, e.timestamp.0);
        let back = event_from_fields(&sd_fields(&m));
        prop_assert_eq!(back, e);
    }
}

#[test]
fn flapping_impersonation_and_moved_from_round_trip_and_are_omitted_when_none() {
    let mut e = Event::new(
        EventType::DeviceAppeared,
        Timestamp(1_700_000_000_000_000),
        5,
        "hq",
        "Gi1/0/3",
    );
    let o = opts(8192);
    let line = |e: &Event| String::from_utf8(fmt(&o, e)).unwrap();
    let plain = line(&e);
    for k in ["flapping", "impersonation", "moved_from"] {
        assert!(!plain.contains(k), "{plain}");
    }
    e.flapping = Some(true);
    e.impersonation = Some(true);
    e.moved_from = Some(crate::event::MovedFrom {
        switch: "access-sw-01".into(),
        port: "Gi1/0/7".into(),
    });
    let l = line(&e);
    assert!(l.contains(r#"flapping="true""#), "{l}");
    assert!(l.contains(r#"impersonation="true""#), "{l}");
    assert!(l.contains(r#"moved_from="access-sw-01/Gi1/0/7""#), "{l}");
    let m = parse_message_with_year_exact(&l, |_| 2026, Variant::RFC5424).unwrap();
    assert_eq!(event_from_fields(&sd_fields(&m)), e);
    let j = serde_json::to_value(&e).unwrap();
    assert_eq!(j["moved_from"]["switch"], "access-sw-01");
    assert_eq!(j["moved_from"]["port"], "Gi1/0/7");
}
