//! The micro-scenario raises each of the twelve types once, with the fields docs/events.md
//! ("The twelve event types") gives each (written before the scenario ran).

use std::collections::BTreeSet;

use super::*;
use crate::engine::mitre::techniques;
use crate::event::{EventType as T, NdaaStatus};

fn outcome() -> Outcome {
    run("hq", Timestamp(1_778_432_892_000_000), 7).expect("scenario")
}

/// docs/events.md, the type's "Fields", beside the six every event has.
fn documented(t: T) -> &'static [&'static str] {
    match t {
        T::DeviceSubstituted => &[
            "switch",
            "device_dna",
            "previous_dna",
            "current_dna",
            "similarity",
            "threshold",
            "previous_vendor",
            "current_vendor",
            "vendor",
            "confidence",
            "ndaa_status",
            "mitre",
            "controls",
            "change_window_match",
            "changed",
            "mac",
        ],
        T::NdaaProhibitedDetected => &[
            "switch",
            "device_dna",
            "vendor",
            "confidence",
            "ndaa_status",
            "mitre",
            "controls",
            "mac",
        ],
        T::PortTopologyChanged => &[
            "switch",
            "device_dna",
            "mitre",
            "controls",
            "change_window_match",
        ],
        T::DeviceAppeared => &[
            "switch",
            "device_dna",
            "vendor",
            "confidence",
            "ndaa_status",
            "controls",
            "mac",
        ],
        T::DeviceClassMismatch => &[
            "switch",
            "device_dna",
            "vendor",
            "confidence",
            "mitre",
            "controls",
            "mac",
        ],
        T::ComplianceControlDrift => &["switch", "device_dna", "controls", "change_window_match"],
        T::UnenrolledFlagged => &["switch", "device_dna", "vendor", "mitre", "controls", "mac"],
        T::DeviceDeparted => &["switch", "device_dna", "vendor", "controls", "mac"],
        T::DeviceFirmwareShift => &[
            "switch",
            "device_dna",
            "previous_dna",
            "current_dna",
            "similarity",
            "threshold",
            "previous_vendor",
            "current_vendor",
            "vendor",
            "confidence",
            "controls",
            "change_window_match",
            "changed",
            "mac",
        ],
        T::DeviceSilentExtended => &["switch", "device_dna", "vendor", "mac"],
        T::VendorHintConfidenceChanged => &[
            "switch",
            "device_dna",
            "vendor",
            "confidence",
            "ndaa_status",
            "mac",
        ],
        T::PortOrphaned => &["switch", "previous_dna", "controls"],
    }
}

/// The fields an event carries (present, not empty).
fn carried(e: &Event) -> BTreeSet<String> {
    let v = serde_json::to_value(e).expect("json");
    v.as_object()
        .expect("object")
        .iter()
        .filter(|(_, x)| !x.is_null() && x.as_array().is_none_or(|a| !a.is_empty()))
        .map(|(k, _)| k.clone())
        .collect()
}

#[test]
fn exactly_one_event_of_each_type_with_its_documented_fields() {
    let o = outcome();
    let setup: Vec<(T, &str)> = o.setup.iter().map(|e| (e.event, e.port.as_str())).collect();
    let mut expected: Vec<(T, &str)> = ["Gi1/0/1", "Gi1/0/2", "Gi1/0/4", "Gi1/0/6", "Gi1/0/7"]
        .into_iter()
        .chain(["Gi1/0/5", "Gi1/0/3", "Gi1/0/9"])
        .map(|p| (T::DeviceAppeared, p))
        .collect();
    expected.push((T::DeviceDeparted, "Gi1/0/3"));
    let mut sorted = setup.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected, "{:#?}", o.setup);
    let mut types: Vec<T> = o.events.iter().map(|e| e.event).collect();
    types.sort_by_key(|t| T::ALL.iter().position(|x| x == t));
    assert_eq!(types, T::ALL, "{:#?}", o.events);
    for e in &o.events {
        let has = carried(e);
        for f in documented(e.event) {
            assert!(has.contains(*f), "{:?} lacks {f}: {e:#?}", e.event);
        }
        assert_eq!(e.site, "hq");
        assert_eq!(e.switch.as_deref(), Some(SWITCH));
        assert_eq!(e.severity, e.event.severity());
        assert_eq!(e.mitre, techniques(e.event), "{:?}", e.event);
        // Contract: current_dna/current_vendor exactly on change events, equal to the current.
        assert_eq!(
            e.current_dna.is_some(),
            e.device_dna.is_some() && e.previous_dna.is_some()
        );
        assert_eq!(
            e.current_dna,
            e.current_dna.as_ref().and(e.device_dna.clone())
        );
        assert_eq!(e.current_vendor.is_some(), e.current_dna.is_some());
        // `changed` items are names without values.
        for c in &e.changed {
            assert!(
                c.starts_with(['+', '-']) && !c.contains([':', ',', '=']),
                "{c}"
            );
        }
    }
    let one = |t: T| o.events.iter().find(|e| e.event == t).expect("raised");
    let sub = one(T::DeviceSubstituted);
    assert_eq!(sub.threshold, Some(0.65));
    assert!(sub.similarity.unwrap() < 0.65, "{sub:#?}");
    assert_eq!(sub.previous_vendor.as_deref(), Some("Cisco 7970"));
    assert_eq!(sub.current_vendor, sub.vendor);
    assert_eq!(sub.change_window_match, Some(false));
    let fw = one(T::DeviceFirmwareShift);
    // Judged against the substitution threshold (the spec's `threshold`: "configured
    // substitution threshold"), its similarity within the firmware band above it.
    assert_eq!(fw.threshold, Some(0.65));
    assert!((0.65..0.85).contains(&fw.similarity.unwrap()), "{fw:#?}");
    assert_eq!(fw.previous_vendor.as_deref(), Some("Cisco 7970"));
    assert_eq!(fw.vendor.as_deref(), Some("Cisco 7970"));
    assert!(
        fw.changed.iter().any(|c| c[1..].starts_with("fw.")),
        "{:?}",
        fw.changed
    );
    let ndaa = one(T::NdaaProhibitedDetected);
    assert_eq!(ndaa.ndaa_status, Some(NdaaStatus::Prohibited));
    assert!(ndaa.confidence.unwrap() >= 0.85);
    assert!(ndaa.vendor.as_deref().unwrap().starts_with("Hikvision"));
    assert_eq!(ndaa.port, "Gi1/0/13");
    assert_eq!(one(T::DeviceAppeared).port, "Gi1/0/13");
    let mismatch = one(T::DeviceClassMismatch);
    assert_eq!(mismatch.port, "Gi1/0/13", "a camera on a phone port");
    assert!(mismatch.confidence.unwrap() >= 0.85);
    let departed = one(T::DeviceDeparted);
    let phone = o
        .setup
        .iter()
        .find(|e| e.port == "Gi1/0/1")
        .expect("appeared");
    assert_eq!(
        (departed.port.as_str(), &departed.mac),
        ("Gi1/0/1", &phone.mac)
    );
    assert_eq!(sub.previous_dna, phone.device_dna);
    assert_eq!(sub.port, "Gi1/0/1");
    assert_ne!(sub.mac, departed.mac, "another device took the port");
    let unenrolled = one(T::UnenrolledFlagged);
    assert_eq!(unenrolled.port, "Gi1/0/9", "the port that requires 802.1X");
    let drift = one(T::ComplianceControlDrift);
    assert!(
        drift.controls.iter().any(|c| c == "PCI-4.0/8.3.1"),
        "{drift:#?}"
    );
    let orphan = one(T::PortOrphaned);
    assert_eq!(orphan.port, "Gi1/0/3");
    assert_eq!(orphan.device_dna, None);
    let gone = o
        .setup
        .iter()
        .find(|e| e.event == T::DeviceDeparted)
        .expect("departed");
    assert_eq!(orphan.previous_dna, gone.device_dna);
}

#[test]
fn seeded_runs_give_the_same_events() {
    let (a, b) = (outcome(), outcome());
    assert_eq!(a.events, b.events);
    let c = run("hq", Timestamp(1_778_432_892_000_000), 8).expect("scenario");
    assert_ne!(a.events[0].event_id, c.events[0].event_id);
}

#[test]
fn any_site_name_is_carried_as_is() {
    let site = "site \"q\" ]\\ z\u{fc}rich\n\t=";
    let o = run(site, Timestamp(0), 1).expect("scenario");
    assert_eq!(o.events.len(), 12);
    assert!(o.events.iter().all(|e| e.site == site));
}
