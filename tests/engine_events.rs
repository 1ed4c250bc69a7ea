//! Every drift event type: a scenario that makes it fire with the exact fields, and the
//! near-misses that must not fire. Devices are real corpus devices (their own frames, DNA and
//! identity), rewritten to new MACs and times.

mod engine_support;

use cybriq::engine::port::vendor_label;
use cybriq::event::{EventType as T, NdaaStatus, Severity};
use cybriq::observe::{Eapol, Observation, Signal, Stp};
use engine_support::*;

const SW: &str = "core-sw-02";

const CFG: &str = r#"
[sensor]
site = "hq-bldg-3"

[[port_profile]]
name = "voice"
switch = "core-sw-02"
ports = ["Gi1/0/1-24"]
expected_classes = ["ip-phone", "workstation"]
max_macs = 2
controls = ["PCI-4.0/12.5.1", "SOC2/CC6.1"]
dot1x_controls = ["PCI-4.0/8.3.1"]

[[port_profile]]
name = "cameras"
ports = ["Gi1/0/25-40"]
expected_classes = ["camera"]
controls = ["NDAA-889", "CMMC-L2/CM.L2-3.4.1", "NIST-800-171/3.4.1"]
dot1x_required = true

[[port_profile]]
name = "secure"
ports = ["Gi1/0/41-48"]
dot1x_required = true

[[port_profile]]
name = "uplinks"
ports = ["Te1/1/1-4"]
expected_classes = ["switch", "router"]
max_macs = 64
"#;

fn corpus(rel: &str, mac: &str) -> &'static Device {
    devices()
        .iter()
        .find(|d| d.rel == rel && d.mac.to_string() == mac)
        .unwrap_or_else(|| panic!("{rel} {mac} not in the corpus"))
}

/// Cisco IP Phone 7970 (CDP).
fn phone(n: u32) -> Dev {
    Dev::from(
        corpus("ladvd/cdp/49.good.phone.pcap", "00:12:da:db:d3:4e"),
        n,
    )
}

/// Supermicro IPMI (LLDP): the "laptop" that takes a phone's place.
fn server(n: u32) -> Dev {
    Dev::from(
        corpus("ladvd/lldp/49.good.ipmi.pcap", "00:25:90:05:9a:46"),
        n,
    )
}

/// HP ProCurve switch (LLDP, bridge capability).
fn procurve(n: u32) -> Dev {
    Dev::from(
        corpus("ladvd/lldp/43.good.lldpmed.pcap", "00:13:21:57:ca:7f"),
        n,
    )
}

/// The phone's MAC with another device's frames (a cloned MAC, a different stack).
fn clone_of(victim: &Dev, impostor: &Dev) -> Dev {
    let d = Device {
        rel: String::new(),
        mac: impostor.mac,
        obs: impostor.obs.clone(),
        dna: impostor.dna.clone(),
        identity: impostor.identity.clone(),
    };
    Dev::with(&d, victim.mac)
}

/// The device after a firmware update.
fn updated(d: &Dev) -> Dev {
    let obs = firmware_update(&d.obs).expect("versions");
    Dev {
        mac: d.mac,
        dna: dna_of(&obs),
        identity: identity_of(&obs),
        obs,
    }
}

fn controls(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// A phone settled on Gi1/0/24 for two days (baseline learned); returns the site and the time.
fn settled(site: &mut Site, dev: &Dev, port: &str) -> i64 {
    let mut t = 0;
    while t <= 2 * DAY {
        site.see(SW, port, dev, t);
        t += 2 * MIN;
    }
    t
}

/// The similarity the engine judges `new` by against a baseline learned from `old` alone
/// (on the families both carry, since the phone speaks CDP and the impostor LLDP).
fn judged(old: &Dev, new: &Dev) -> f64 {
    let b = cybriq::dna::Baseline::new(&old.dna, at(0), Default::default());
    f64::from(b.similarity(&new.dna))
}

/// Port model v2: a DNA is judged once mature. `dev` keeps talking every 30 s for the longest
/// settle window (10 minutes) from `t`; returns every event raised meanwhile and the time after.
fn talks(site: &mut Site, dev: &Dev, port: &str, t: i64) -> (Vec<cybriq::event::Event>, i64) {
    let mut ev = Vec::new();
    let mut x = t;
    while x <= t + 10 * MIN {
        ev.extend(site.see(SW, port, dev, x));
        x += 30;
    }
    (ev, x)
}

fn baseline_of(site: &Site, port: &str) -> String {
    site.engine
        .ports()
        .into_iter()
        .find(|p| p.port == port)
        .and_then(|p| p.baseline)
        .expect("baseline")
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// device-substituted

#[test]
fn cloned_mac_with_another_stack_is_substituted_with_every_field() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    let t = settled(&mut s, &p, "Gi1/0/24");
    assert_eq!(types(&s.events), [T::DeviceAppeared]);
    let base = baseline_of(&s, "Gi1/0/24");
    let imp = clone_of(&p, &server(2));
    // Judged once mature (its settle window: twice the phone's 2-minute interval), once.
    let first = s.see(SW, "Gi1/0/24", &imp, t + 30);
    assert!(
        first.is_empty(),
        "not judged before it is mature: {first:#?}"
    );
    let (ev, after) = talks(&mut s, &imp, "Gi1/0/24", t + 60);
    // A server on a voice port is also a class mismatch.
    assert_eq!(
        types(&ev),
        [T::DeviceSubstituted, T::DeviceClassMismatch],
        "{ev:#?}"
    );
    let e = &ev[0];
    assert_eq!(e.severity, Severity::High);
    assert_eq!(e.site, "hq-bldg-3");
    assert_eq!(e.switch.as_deref(), Some(SW));
    assert_eq!(e.port, "Gi1/0/24");
    assert_eq!(e.previous_dna.as_deref(), Some(base.as_str()));
    assert_eq!(
        e.device_dna.as_deref(),
        Some(imp.dna.id.to_string().as_str())
    );
    let sim = judged(&p, &imp);
    assert!(sim < 0.65, "{sim}");
    assert!(
        (e.similarity.unwrap() - sim).abs() < 0.02,
        "{:?} vs {sim}",
        e.similarity
    );
    assert_eq!(e.threshold, Some(0.65));
    assert_eq!(e.previous_vendor.as_deref(), Some("Cisco 7970"));
    // What the reference database makes of the impostor (a Cisco MAC, a Supermicro stack).
    let label = vendor_label(
        imp.identity.vendor.as_deref(),
        imp.identity.model.as_deref(),
    );
    assert_eq!(e.vendor.as_deref(), Some(label.as_str()));
    assert_eq!(
        e.confidence,
        Some(cybriq::event::Event::round_score(imp.identity.confidence))
    );
    assert_eq!(e.ndaa_status, Some(NdaaStatus::Clean));
    assert_eq!(e.mitre, ["T1200", "T1556"]);
    assert_eq!(e.controls, controls(&["PCI-4.0/12.5.1", "SOC2/CC6.1"]));
    assert_eq!(e.change_window_match, Some(false));
    assert_eq!(e.mac.as_deref(), Some(p.mac.to_string().as_str()));
    assert!(
        !e.changed.is_empty() && e.changed.len() <= 5,
        "{:?}",
        e.changed
    );
    assert!(e.changed.iter().all(|c| c.starts_with(['+', '-', '~'])));
    assert!(e.event_id.to_string().starts_with("evt_"));
    assert!(
        e.timestamp.0 - at(t + 30).0 >= 240_000_000,
        "after the settle window"
    );
    // The impostor keeps talking: the same condition does not fire twice.
    for k in 1..20 {
        let ev = s.see(SW, "Gi1/0/24", &imp, after + k * 60);
        assert!(of(&ev, T::DeviceSubstituted).is_empty(), "{ev:#?}");
    }
    // The real phone comes back: recorded, not paged; the same impostor again is not judged
    // into a second page while it stays.
    let back = s.see(SW, "Gi1/0/24", &p, after + 30 * MIN);
    assert!(back.is_empty(), "{back:#?}");
    let (ev, _) = talks(&mut s, &imp, "Gi1/0/24", after + 31 * MIN);
    assert!(of(&ev, T::DeviceSubstituted).is_empty(), "{ev:#?}");
}

#[test]
fn another_mac_of_another_kind_after_the_phone_left_is_substituted() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    let t = settled(&mut s, &p, "Gi1/0/3");
    // Unplugged: the switch sees the link down, then a laptop-like device takes the port.
    s.polled(&table(SW, &[("Gi1/0/3", false, &[])]), t + 60);
    let lap = server(9);
    let (ev, _) = talks(&mut s, &lap, "Gi1/0/3", t + 120);
    assert_eq!(
        types(&ev),
        [
            T::DeviceDeparted,
            T::DeviceSubstituted,
            T::DeviceClassMismatch
        ],
        "{ev:#?}"
    );
    assert_eq!(ev[0].mac.as_deref(), Some(p.mac.to_string().as_str()));
    assert_eq!(ev[1].mac.as_deref(), Some(lap.mac.to_string().as_str()));
    assert_eq!(ev[1].previous_vendor.as_deref(), Some("Cisco 7970"));
    assert!(
        of(&s.events, T::DeviceAppeared).len() == 1,
        "only the phone appeared"
    );
}

#[test]
fn thresholds_just_above_and_below_with_real_dnas() {
    let p = phone(1);
    let imp = clone_of(&p, &server(2));
    let sim = judged(&p, &imp);
    for (thr, fires) in [(sim - 0.01, false), (sim + 0.01, true)] {
        let cfg = format!(
            "{CFG}\n[events]\nhysteresis = 0.0\nsubstitution_threshold = {thr}\nfirmware_threshold = {}\n",
            (thr + 0.2).min(0.99)
        );
        let mut s = Site::new(&cfg);
        let t = settled(&mut s, &p, "Gi1/0/24");
        let (ev, _) = talks(&mut s, &imp, "Gi1/0/24", t + 30);
        assert_eq!(
            of(&ev, T::DeviceSubstituted).len(),
            usize::from(fires),
            "threshold {thr} similarity {sim}: {ev:#?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// device-firmware-shift and hysteresis

#[test]
fn firmware_update_is_a_firmware_shift_once() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    let t = settled(&mut s, &p, "Gi1/0/5");
    let base = baseline_of(&s, "Gi1/0/5");
    let u = updated(&p);
    let sim = f64::from(p.dna.similarity(&u.dna));
    assert!((0.65..0.82).contains(&sim), "{sim}");
    let (ev, after) = talks(&mut s, &u, "Gi1/0/5", t + 60);
    assert_eq!(types(&ev), [T::DeviceFirmwareShift], "{ev:#?}");
    let e = &ev[0];
    assert_eq!(e.severity, Severity::Low);
    assert_eq!(e.previous_dna.as_deref(), Some(base.as_str()));
    assert_eq!(e.device_dna.as_deref(), Some(u.dna.id.to_string().as_str()));
    assert!((e.similarity.unwrap() - sim).abs() < 0.02);
    assert_eq!(e.threshold, Some(0.65));
    assert_eq!(e.vendor.as_deref(), Some("Cisco 7970"));
    assert_eq!(e.mitre, ["T1601"]);
    assert_eq!(e.change_window_match, Some(false));
    assert!(e.changed[0][1..].starts_with("fw."), "{:?}", e.changed);
    // Accepted: the new firmware is the baseline now; nothing more.
    for k in 1..30 {
        assert!(s.see(SW, "Gi1/0/5", &u, after + k * 600).is_empty());
    }
    // Near-miss: the same DNA re-observed raises nothing.
    let mut s2 = Site::new(CFG);
    let t2 = settled(&mut s2, &p, "Gi1/0/5");
    assert!(s2.see(SW, "Gi1/0/5", &p, t2 + 60).is_empty());
}

#[test]
fn similarity_hovering_at_a_threshold_does_not_alternate() {
    let p = phone(1);
    let u = updated(&p);
    let sim = f64::from(p.dna.similarity(&u.dna));
    // The firmware band top put 0.01 above the update's similarity: it hovers at the threshold.
    let run = |h: f64| {
        let cfg = format!(
            "{CFG}\n[events]\nfirmware_threshold = {}\nhysteresis = {h}\n",
            sim + 0.01
        );
        let mut s = Site::new(&cfg);
        let mut t = settled(&mut s, &p, "Gi1/0/6");
        let before = s.events.len();
        for k in 0..40 {
            t += 5 * MIN;
            s.see(SW, "Gi1/0/6", if k % 2 == 0 { &u } else { &p }, t);
        }
        s.events[before..].to_vec()
    };
    let with = run(0.03);
    assert!(with.is_empty(), "with hysteresis: {with:#?}");
    // Without hysteresis the band alternates every 5 minutes for 200 minutes: each DNA comes
    // back within the other's settle window, so the device speaks two ways (two modes of its
    // baseline), and the hold-down would keep anything else to one event an hour.
    let without = run(0.0);
    let n = of(&without, T::DeviceFirmwareShift).len();
    assert!(n <= 1, "{without:#?}");
    assert!(
        of(&without, T::DeviceSubstituted).is_empty(),
        "{without:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// device-appeared / device-departed

#[test]
fn first_device_on_an_empty_port_appears_with_every_field() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    let ev = s.see(SW, "Gi1/0/7", &p, 0);
    assert_eq!(types(&ev), [T::DeviceAppeared]);
    let e = &ev[0];
    assert_eq!(e.severity, Severity::Medium);
    assert_eq!(e.device_dna.as_deref(), Some(p.dna.id.to_string().as_str()));
    assert_eq!(e.previous_dna, None);
    assert_eq!(e.similarity, None);
    assert_eq!(e.vendor.as_deref(), Some("Cisco 7970"));
    assert_eq!(
        e.confidence,
        Some(cybriq::event::Event::round_score(p.identity.confidence))
    );
    assert!(e.confidence.unwrap() > 0.95);
    assert_eq!(e.ndaa_status, Some(NdaaStatus::Clean));
    assert_eq!(
        e.unenrolled, None,
        "no 802.1X on the voice port: no unenrolled field"
    );
    assert_eq!(e.mitre, ["T1200"]);
    assert_eq!(e.change_window_match, Some(false));
    assert_eq!(e.timestamp, at(0));
    // On a port that requires 802.1X it is unenrolled until it authenticates.
    let ev = s.see(SW, "Gi1/0/30", &phone(2), 10);
    assert_eq!(ev[0].unenrolled, Some(true));
    // Seen again: nothing.
    assert!(s.see(SW, "Gi1/0/7", &p, 60).is_empty());
}

#[test]
fn like_for_like_replacement_is_departed_plus_appeared() {
    let mut s = Site::new(CFG);
    let old = phone(1);
    let t = settled(&mut s, &old, "Gi1/0/8");
    let base = baseline_of(&s, "Gi1/0/8");
    // The old phone goes silent; 15 minutes later it has departed.
    let last = t - 2 * MIN;
    assert!(s.tick(last + 14 * MIN).is_empty());
    let ev = s.tick(last + 15 * MIN);
    assert_eq!(types(&ev), [T::DeviceDeparted], "{ev:#?}");
    let d = &ev[0];
    assert_eq!(d.severity, Severity::Low);
    assert_eq!(d.mac.as_deref(), Some(old.mac.to_string().as_str()));
    assert_eq!(
        d.device_dna.as_deref(),
        Some(old.dna.id.to_string().as_str())
    );
    assert!(d.mitre.is_empty());
    // The same model with another MAC arrives: appeared, compared with the port's baseline.
    let new = phone(2);
    let ev = s.see(SW, "Gi1/0/8", &new, t + HOUR);
    assert_eq!(types(&ev), [T::DeviceAppeared], "{ev:#?}");
    let a = &ev[0];
    assert_eq!(a.previous_dna.as_deref(), Some(base.as_str()));
    assert!(a.similarity.unwrap() >= 0.85, "{:?}", a.similarity);
    assert_eq!(a.threshold, Some(0.65));
    assert_eq!(a.mac.as_deref(), Some(new.mac.to_string().as_str()));
}

#[test]
fn a_new_mac_beside_a_present_occupant_is_not_a_replacement() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    let t = settled(&mut s, &p, "Gi1/0/9");
    // A PC behind the phone: a second resident, within the profile's 2. It appeared (once,
    // when mature), and nothing is judged against the phone, which is still there.
    let pc = server(5);
    let mut ev = Vec::new();
    for k in 0..20 {
        ev.extend(s.see(SW, "Gi1/0/9", &pc, t + k * 60));
        ev.extend(s.see(SW, "Gi1/0/9", &p, t + k * 60 + 30));
    }
    // (A server-class device is a resident of the voice port: a class mismatch too.)
    assert_eq!(
        types(&ev),
        [T::DeviceAppeared, T::DeviceClassMismatch],
        "{ev:#?}"
    );
    assert!(ev.iter().all(|e| e.mac == Some(pc.mac.to_string())));
    assert_eq!(ev[0].previous_dna, None);
}

#[test]
fn departure_waits_for_the_devices_own_interval_and_ttl() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    // A device that speaks once an hour: not established yet (present for less than the
    // learning window), a silence says nothing about its pattern; once established it
    // departs only after 3 hours (3x its interval) of silence.
    let mut t = 0;
    for _ in 0..30 {
        s.see(SW, "Gi1/0/10", &p, t);
        t += HOUR;
    }
    assert_eq!(types(&s.events), [T::DeviceAppeared], "{:#?}", s.events);
    let last = t - HOUR;
    assert!(s.tick(last + 2 * HOUR + 59 * MIN).is_empty());
    assert_eq!(types(&s.tick(last + 3 * HOUR + MIN)), [T::DeviceDeparted]);
}

#[test]
fn no_departures_while_the_switch_is_unreachable_or_the_fdb_still_has_the_device() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    let t = settled(&mut s, &p, "Gi1/0/11");
    // SNMP outage for 5 hours.
    s.polled(&unreachable(SW), t + 60);
    for k in 1..=30 {
        let ev = s.tick(t + k * 10 * MIN);
        assert!(ev.is_empty(), "during the outage: {ev:#?}");
    }
    // It answers again with the link down: the departure still waits 15 minutes from now.
    let back = t + 5 * HOUR + 10 * MIN;
    assert!(
        s.polled(&table(SW, &[("Gi1/0/11", false, &[])]), back)
            .is_empty()
    );
    assert!(s.tick(back + 14 * MIN).is_empty());
    assert_eq!(types(&s.tick(back + 16 * MIN)), [T::DeviceDeparted]);

    // Link up and the MAC in the forwarding table: the device is still there, just quiet.
    let mut s = Site::new(CFG);
    let t = settled(&mut s, &p, "Gi1/0/12");
    for k in 1..=48 {
        let ev = s.polled(&table(SW, &[("Gi1/0/12", true, &[p.mac])]), t + k * 5 * MIN);
        assert!(ev.is_empty(), "{ev:#?}");
    }
    // The FDB ages it out: now it departs.
    let ev = s.polled(&table(SW, &[("Gi1/0/12", true, &[])]), t + 5 * HOUR);
    assert_eq!(types(&ev), [T::DeviceDeparted]);
}

// ---------------------------------------------------------------------------------------------
// ndaa-prohibited-detected

#[test]
fn hikvision_camera_is_ndaa_prohibited_once() {
    let cam = hikvision(3);
    assert_eq!(cam.identity.vendor.as_deref(), Some("Hikvision"));
    assert!(
        cam.identity.confidence >= 0.85,
        "{}",
        cam.identity.confidence
    );
    let mut s = Site::new(CFG);
    let ev = s.see(SW, "Gi2/0/06", &cam, 0);
    assert_eq!(
        types(&ev),
        [T::DeviceAppeared, T::NdaaProhibitedDetected],
        "{ev:#?}"
    );
    let e = &ev[1];
    assert_eq!(e.severity, Severity::High);
    assert_eq!(e.port, "Gi2/0/06");
    assert!(
        e.vendor.as_deref().unwrap().starts_with("Hikvision"),
        "{:?}",
        e.vendor
    );
    assert_eq!(
        e.confidence,
        Some(cybriq::event::Event::round_score(cam.identity.confidence))
    );
    assert_eq!(e.ndaa_status, Some(NdaaStatus::Prohibited));
    assert_eq!(e.mitre, ["T1199"]);
    assert_eq!(
        e.device_dna.as_deref(),
        Some(cam.dna.id.to_string().as_str())
    );
    assert_eq!(e.change_window_match, None, "not a change event");
    for k in 1..10 {
        assert!(s.see(SW, "Gi2/0/06", &cam, k * 60).is_empty());
    }
    // Near-miss: the confidence threshold just above the identity's confidence.
    let cfg = format!(
        "{CFG}\n[events]\nndaa_confidence = {}\n",
        cam.identity.confidence + 0.01
    );
    let mut s = Site::new(&cfg);
    let ev = s.see(SW, "Gi2/0/06", &cam, 0);
    assert_eq!(types(&ev), [T::DeviceAppeared]);
}

// ---------------------------------------------------------------------------------------------
// device-class-mismatch

#[test]
fn server_on_a_voice_port_is_a_class_mismatch() {
    let mut s = Site::new(CFG);
    let srv = server(4);
    let ev = s.see(SW, "Gi1/0/12", &srv, 0);
    assert_eq!(
        types(&ev),
        [T::DeviceAppeared, T::DeviceClassMismatch],
        "{ev:#?}"
    );
    let e = &ev[1];
    assert_eq!(e.severity, Severity::Medium);
    assert_eq!(e.vendor.as_deref(), Some("Supermicro"));
    assert_eq!(e.mitre, ["T1200"]);
    assert_eq!(e.controls, controls(&["PCI-4.0/12.5.1", "SOC2/CC6.1"]));
    assert_eq!(e.change_window_match, Some(false));
    assert!(s.see(SW, "Gi1/0/12", &srv, 60).is_empty());
    // Near-misses: a phone on the voice port; the server on a port without a profile.
    assert_eq!(
        types(&s.see(SW, "Gi1/0/13", &phone(1), 0)),
        [T::DeviceAppeared]
    );
    assert_eq!(
        types(&s.see(SW, "Gi3/0/1", &server(6), 0)),
        [T::DeviceAppeared]
    );
}

// ---------------------------------------------------------------------------------------------
// device-silent-extended

#[test]
fn link_up_and_silent_for_seven_days() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    let t = settled(&mut s, &p, "Gi1/0/14");
    let last = t - 2 * MIN;
    let poll =
        |s: &mut Site, when: i64| s.polled(&table(SW, &[("Gi1/0/14", true, &[p.mac])]), when);
    let mut when = last + HOUR;
    while when < last + 7 * DAY - HOUR {
        assert!(poll(&mut s, when).is_empty(), "at {}", when - last);
        when += 6 * HOUR;
    }
    assert!(poll(&mut s, last + 7 * DAY - 60).is_empty());
    let ev = poll(&mut s, last + 7 * DAY);
    assert_eq!(types(&ev), [T::DeviceSilentExtended], "{ev:#?}");
    assert_eq!(ev[0].severity, Severity::Low);
    assert_eq!(
        ev[0].device_dna.as_deref(),
        Some(p.dna.id.to_string().as_str())
    );
    assert!(poll(&mut s, last + 8 * DAY).is_empty(), "once");
    // It speaks: clears; silent again for 7 days: fires again.
    s.see(SW, "Gi1/0/14", &p, last + 8 * DAY + 60);
    assert_eq!(
        types(&poll(&mut s, last + 15 * DAY + 120)),
        [T::DeviceSilentExtended]
    );
}

// ---------------------------------------------------------------------------------------------
// unenrolled-flagged

/// An EAPOL frame about `dev`: from the device itself, except an authenticator's message
/// (EAP Request/Success/Failure), which the switch sends toward the device.
fn eap(dev: &Dev, t: i64, packet_type: u8, code: Option<u8>) -> Observation {
    let switch: cybriq::wire::MacAddr = "00:1b:54:aa:00:01".parse().unwrap();
    let authenticator = matches!(code, Some(1 | 3 | 4));
    forged_eap(
        dev,
        t,
        packet_type,
        code,
        if authenticator { switch } else { dev.mac },
    )
}

/// An EAPOL frame about `dev` sent by `src`.
fn forged_eap(
    dev: &Dev,
    t: i64,
    packet_type: u8,
    code: Option<u8>,
    src: cybriq::wire::MacAddr,
) -> Observation {
    Observation {
        ts: at(t),
        mac: Some(dev.mac),
        src_mac: Some(src),
        vlans: vec![],
        ip_ttl: None,
        anomalies: 0,
        signal: Signal::Eapol(Eapol {
            packet_type,
            eap_code: code,
            eap_type: None,
            identity: None,
        }),
    }
}

#[test]
fn no_8021x_within_the_grace_window_is_unenrolled() {
    let mut s = Site::new(CFG);
    let cam = phone(7);
    s.see(SW, "Gi1/0/41", &cam, 0);
    let mut t = 0;
    while t < 4 * HOUR - MIN {
        t += 10 * MIN;
        let ev = s.see(SW, "Gi1/0/41", &cam, t.min(4 * HOUR - MIN));
        assert!(
            of(&ev, T::UnenrolledFlagged).is_empty(),
            "inside the grace window at {t}"
        );
    }
    let ev = s.tick(4 * HOUR);
    assert_eq!(types(&ev), [T::UnenrolledFlagged], "{ev:#?}");
    assert_eq!(ev[0].severity, Severity::Medium);
    assert_eq!(ev[0].mitre, ["T1200"]);
    assert_eq!(ev[0].mac.as_deref(), Some(cam.mac.to_string().as_str()));
    assert!(s.tick(4 * HOUR + 5 * MIN).is_empty(), "once");

    // Authenticated within the grace window: nothing; then EAPOL-Logoff: it stopped.
    let mut s = Site::new(CFG);
    let mut t = 0;
    while t <= 6 * HOUR {
        s.see(SW, "Gi1/0/42", &cam, t);
        if t == 3 * HOUR {
            s.see_obs(SW, "Gi1/0/42", &cam, &eap(&cam, t + 1, 0, Some(3)));
        }
        t += 10 * MIN;
    }
    assert_eq!(types(&s.events), [T::DeviceAppeared], "{:#?}", s.events);
    let ev = s.see_obs(SW, "Gi1/0/42", &cam, &eap(&cam, t, 2, None));
    assert_eq!(types(&ev), [T::UnenrolledFlagged], "{ev:#?}");

    // A success frame the device sends itself is no authentication: still unenrolled.
    let mut s = Site::new(CFG);
    s.see(SW, "Gi1/0/43", &cam, 0);
    s.see_obs(
        SW,
        "Gi1/0/43",
        &cam,
        &forged_eap(&cam, 60, 0, Some(3), cam.mac),
    );
    let mut t = 0;
    while t < 4 * HOUR {
        t += 10 * MIN;
        s.see(SW, "Gi1/0/43", &cam, t);
    }
    assert_eq!(
        types(&s.events),
        [T::DeviceAppeared, T::UnenrolledFlagged],
        "{:#?}",
        s.events
    );
    assert_eq!(s.engine.stats().untrusted_eap, 1);

    // A port where 802.1X does not apply: nothing after 5 hours.
    let mut s = Site::new(CFG);
    s.see(SW, "Gi1/0/15", &cam, 0);
    assert!(of(&s.tick(5 * HOUR), T::UnenrolledFlagged).is_empty());
}

// ---------------------------------------------------------------------------------------------
// vendor-hint-confidence-changed

#[test]
fn identity_confidence_moving_more_than_the_delta() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    // First heard by its MAC alone (OUI evidence), then its CDP identifies it fully.
    let weak = Dev {
        identity: refdb().lookup_mac(p.mac),
        ..p.clone()
    };
    let delta = p.identity.confidence - weak.identity.confidence;
    assert!(delta > 0.2, "{delta}");
    // While the port's baseline learns, a rise is the identity settling: not raised.
    s.see(SW, "Gi1/0/16", &weak, 0);
    assert!(s.see(SW, "Gi1/0/16", &p, 60).is_empty());
    // After learning, the same move is raised.
    let mut s = Site::new(CFG);
    s.see(SW, "Gi1/0/16", &weak, 0);
    s.see(SW, "Gi1/0/16", &weak, DAY + HOUR);
    let ev = s.see(SW, "Gi1/0/16", &p, 2 * DAY);
    assert_eq!(types(&ev), [T::VendorHintConfidenceChanged], "{ev:#?}");
    assert_eq!(ev[0].severity, Severity::Low);
    assert_eq!(
        ev[0].confidence,
        Some(cybriq::event::Event::round_score(p.identity.confidence))
    );
    assert_eq!(ev[0].vendor.as_deref(), Some("Cisco 7970"));
    assert_eq!(ev[0].mitre, ["T1036"]);
    assert!(s.see(SW, "Gi1/0/16", &p, 2 * DAY + 120).is_empty());
    // Near-miss: a move of exactly the delta does not fire.
    let mut s = Site::new(CFG);
    let mut a = p.clone();
    a.identity.confidence = 0.8;
    s.see(SW, "Gi1/0/17", &a, 0);
    a.identity.confidence = 0.6;
    assert!(s.see(SW, "Gi1/0/17", &a, 60).is_empty());
    a.identity.confidence = 0.59;
    assert_eq!(
        types(&s.see(SW, "Gi1/0/17", &a, 120)),
        [T::VendorHintConfidenceChanged]
    );
}

// ---------------------------------------------------------------------------------------------
// port-orphaned

#[test]
fn a_port_dark_for_fourteen_days_is_orphaned() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    let t = settled(&mut s, &p, "Gi1/0/18");
    let last = t - 2 * MIN;
    s.polled(&table(SW, &[("Gi1/0/18", false, &[])]), last + MIN);
    let ev = s.tick(last + HOUR);
    assert_eq!(types(&ev), [T::DeviceDeparted]);
    assert!(s.tick(last + 14 * DAY - MIN).is_empty());
    let ev = s.tick(last + 14 * DAY);
    assert_eq!(types(&ev), [T::PortOrphaned], "{ev:#?}");
    let e = &ev[0];
    assert_eq!(e.severity, Severity::Low);
    assert_eq!(
        e.previous_dna.as_deref(),
        Some(p.dna.id.to_string().as_str())
    );
    assert_eq!(e.controls, controls(&["PCI-4.0/12.5.1", "SOC2/CC6.1"]));
    assert!(s.tick(last + 20 * DAY).is_empty(), "once");
    let st = s
        .engine
        .ports()
        .into_iter()
        .find(|x| x.port == "Gi1/0/18")
        .unwrap();
    assert_eq!(st.state, "dark");
    // Near-miss: link up (something is plugged in, even silent): not orphaned.
    let mut s = Site::new(CFG);
    let t = settled(&mut s, &p, "Gi1/0/19");
    s.tick(t + HOUR);
    for d in 1..=15 {
        let ev = s.polled(&table(SW, &[("Gi1/0/19", true, &[])]), t + d * DAY);
        assert!(of(&ev, T::PortOrphaned).is_empty(), "{ev:#?}");
    }
}

// ---------------------------------------------------------------------------------------------
// compliance-control-drift

fn dot1x_table(control: &str, status: &str) -> cybriq::snmp::PortTable {
    let mut t = table(SW, &[("Gi1/0/20", true, &[])]);
    t.ports[0].dot1x = Some(cybriq::snmp::Dot1x {
        pae_state: Some("authenticated".into()),
        port_status: Some(status.into()),
        port_control: Some(control.into()),
    });
    t
}

#[test]
fn controls_change_with_8021x_enforcement() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    s.see(SW, "Gi1/0/20", &p, 0);
    let ev = s.polled(&dot1x_table("auto", "authorized"), 60);
    assert_eq!(types(&ev), [T::ComplianceControlDrift], "{ev:#?}");
    let e = &ev[0];
    assert_eq!(e.severity, Severity::Medium);
    assert_eq!(
        e.controls,
        controls(&["PCI-4.0/12.5.1", "SOC2/CC6.1", "PCI-4.0/8.3.1"])
    );
    assert_eq!(e.change_window_match, Some(false));
    assert!(e.mitre.is_empty());
    // Same state again: nothing.
    assert!(s.polled(&dot1x_table("auto", "authorized"), 120).is_empty());
    // Enforcement switched off: drift back.
    let ev = s.polled(&dot1x_table("forceAuthorized", "authorized"), 180);
    assert_eq!(types(&ev), [T::ComplianceControlDrift]);
    assert_eq!(ev[0].controls, controls(&["PCI-4.0/12.5.1", "SOC2/CC6.1"]));
}

#[test]
fn controls_changed_by_configuration_drift_after_restore() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    s.see(SW, "Gi1/0/21", &p, 0);
    let recs = s.engine.take_dirty();
    let cfg2 = CFG.replace(
        "controls = [\"PCI-4.0/12.5.1\", \"SOC2/CC6.1\"]",
        "controls = [\"PCI-4.0/12.5.1\"]",
    );
    let mut s2 = Site::new(&cfg2);
    s2.engine.restore(recs);
    let ev = s2.tick(60);
    assert_eq!(types(&ev), [T::ComplianceControlDrift], "{ev:#?}");
    assert_eq!(ev[0].controls, controls(&["PCI-4.0/12.5.1"]));
}

// ---------------------------------------------------------------------------------------------
// port-topology-changed

#[test]
fn more_macs_than_the_profile_allows_is_a_topology_change() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    let t = settled(&mut s, &p, "Gi1/0/22");
    // Residents talk every 30 s from `from` for 12 minutes (every newcomer matures).
    let talk = |s: &mut Site, devs: &[&Dev], from: i64| {
        let mut ev = Vec::new();
        let mut x = from;
        while x < from + 12 * MIN {
            for (n, d) in devs.iter().enumerate() {
                ev.extend(
                    s.see(SW, "Gi1/0/22", d, x + n as i64)
                        .into_iter()
                        .filter(|e| e.event != T::DeviceClassMismatch),
                );
            }
            x += 30;
        }
        ev
    };
    let (a, b) = (server(20), server(21));
    let ev = talk(&mut s, &[&p, &a], t);
    assert_eq!(types(&ev), [T::DeviceAppeared], "2 MACs: allowed: {ev:#?}");
    let ev = talk(&mut s, &[&p, &a, &b], t + 12 * MIN);
    assert_eq!(
        types(&ev),
        [T::DeviceAppeared, T::PortTopologyChanged],
        "{ev:#?}"
    );
    let e = &ev[1];
    assert_eq!(e.severity, Severity::Medium);
    assert_eq!(e.mac.as_deref(), Some(b.mac.to_string().as_str()));
    assert_eq!(e.mitre, ["T1200", "T1557"]);
    assert_eq!(e.change_window_match, Some(false));
    let ev = talk(&mut s, &[&p, &a, &b, &server(22)], t + 24 * MIN);
    assert_eq!(types(&ev), [T::DeviceAppeared], "once: {ev:#?}");
    // The extra devices leave; after the hold it clears, and a new third one fires again.
    for k in 1..=24 {
        s.see(SW, "Gi1/0/22", &p, t + 36 * MIN + k * 5 * MIN);
    }
    s.tick(t + 3 * HOUR);
    // (Phones this time: a server like the silent ones would take one's place, like for like.)
    let ev = talk(&mut s, &[&p, &phone(23)], t + 3 * HOUR);
    assert_eq!(types(&ev), [T::DeviceAppeared], "{ev:#?}");
    let ev = talk(
        &mut s,
        &[&p, &phone(23), &phone(24)],
        t + 3 * HOUR + 12 * MIN,
    );
    assert_eq!(
        types(&ev),
        [T::DeviceAppeared, T::PortTopologyChanged],
        "{ev:#?}"
    );
}

#[test]
fn a_bridge_or_bpdus_on_an_edge_port_is_a_topology_change() {
    let mut s = Site::new(CFG);
    let sw = procurve(30);
    let ev = s.see(SW, "Gi1/0/23", &sw, 0);
    assert!(of(&ev, T::PortTopologyChanged).len() == 1, "{ev:#?}");
    // On an uplink whose profile expects switches: no topology event.
    let ev = s.see(SW, "Te1/1/1", &procurve(31), 0);
    assert!(of(&ev, T::PortTopologyChanged).is_empty(), "{ev:#?}");
    // A phone is a bridge too (PC port) but not an extra hop.
    let ev = s.see(SW, "Gi1/0/2", &phone(32), 0);
    assert!(of(&ev, T::PortTopologyChanged).is_empty(), "{ev:#?}");
    // BPDUs from an unmanaged switch behind the phone.
    let bpdu = Observation {
        ts: at(60),
        mac: Some(mac(33, None)),
        src_mac: Some(mac(33, None)),
        vlans: vec![],
        ip_ttl: None,
        anomalies: 0,
        signal: Signal::Stp(Stp {
            protocol: "rstp".into(),
            ..Stp::default()
        }),
    };
    let ev = s.see_obs(SW, "Gi1/0/2", &phone(32), &bpdu);
    assert_eq!(types(&ev), [T::PortTopologyChanged]);
}

// ---------------------------------------------------------------------------------------------
// change windows and suppressions

#[test]
fn change_window_marks_events_that_still_fire() {
    let p = phone(1);
    let imp = clone_of(&p, &server(2));
    let cfg = format!(
        "{CFG}\n[[change_window]]\nname = \"CHG0012345\"\nswitch = \"{SW}\"\nports = [\"Gi1/0/1-24\"]\nstart = \"2026-05-03T00:00:00Z\"\nend = \"2026-05-03T06:00:00Z\"\n"
    );
    let mut s = Site::new(&cfg);
    let t = settled(&mut s, &p, "Gi1/0/24");
    assert_eq!(
        s.events[0].change_window_match,
        Some(false),
        "appeared before the window"
    );
    // 2026-05-03T00:00Z is 2 days after the epoch of `at`.
    assert!(t > 2 * DAY && t < 2 * DAY + HOUR);
    let (ev, _) = talks(&mut s, &imp, "Gi1/0/24", t + 30);
    assert_eq!(types(&ev)[0], T::DeviceSubstituted);
    assert_eq!(ev[0].change_window_match, Some(true));
    // Another port outside the window's ranges: not marked.
    let ev = s.see(SW, "Gi1/0/30", &phone(3), 2 * DAY + HOUR);
    let a = of(&ev, T::DeviceAppeared);
    assert_eq!(
        (a[0].port.as_str(), a[0].change_window_match),
        ("Gi1/0/30", Some(false))
    );
    // The impostor's departure on Gi1/0/24 at the same time is inside the window.
    let d = of(&ev, T::DeviceDeparted);
    assert_eq!(
        (d[0].port.as_str(), d[0].change_window_match),
        ("Gi1/0/24", Some(true))
    );
}

#[test]
fn suppression_silences_matching_events_only() {
    let p = phone(1);
    let cfg = format!(
        "{CFG}\n[[suppression]]\nmac = \"{}\"\nevents = [\"device-departed\"]\nuntil = \"2026-06-01T00:00:00Z\"\nreason = \"desk move\"\n",
        p.mac
    );
    let mut s = Site::new(&cfg);
    let t = settled(&mut s, &p, "Gi1/0/4");
    let ev = s.tick(t + HOUR);
    assert!(ev.is_empty(), "{ev:#?}");
    assert_eq!(s.engine.stats().suppressed, 1);
    // It comes back: a known device, recorded; a clone of it is not suppressed.
    assert!(s.see(SW, "Gi1/0/4", &p, t + 2 * HOUR).is_empty());
    let (ev, _) = talks(
        &mut s,
        &clone_of(&p, &server(2)),
        "Gi1/0/4",
        t + 2 * HOUR + 60,
    );
    assert_eq!(of(&ev, T::DeviceSubstituted).len(), 1, "{ev:#?}");
}

// ---------------------------------------------------------------------------------------------
// restart, ids, inventory

#[test]
fn restart_resumes_with_the_same_baselines() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    let t = settled(&mut s, &p, "Gi1/0/24");
    let before = s.engine.ports();
    let recs = s.engine.take_dirty();
    assert!(!recs.is_empty());
    assert!(s.engine.take_dirty().is_empty(), "nothing changed since");
    // Round-trip through JSON as the store would.
    let recs: Vec<cybriq::engine::PortRecord> =
        serde_json::from_str(&serde_json::to_string(&recs).unwrap()).unwrap();
    let mut s2 = Site::new(CFG);
    s2.engine.restore(recs);
    assert_eq!(s2.engine.ports(), before);
    // The occupant is known: no second device-appeared; the cloned MAC is still caught.
    assert!(s2.see(SW, "Gi1/0/24", &p, t + 60).is_empty());
    let (ev, after) = talks(&mut s2, &clone_of(&p, &server(2)), "Gi1/0/24", t + 120);
    assert_eq!(types(&ev), [T::DeviceSubstituted, T::DeviceClassMismatch]);
    // Timers resume too.
    assert_eq!(types(&s2.tick(after + 3 * HOUR)), [T::DeviceDeparted]);
}

#[test]
fn seeded_engines_give_the_same_event_ids() {
    let run = || {
        let mut s = Site::new(CFG);
        let p = phone(1);
        settled(&mut s, &p, "Gi1/0/1");
        s.tick(10 * DAY);
        s.events
            .iter()
            .map(|e| e.event_id.to_string())
            .collect::<Vec<_>>()
    };
    let a = run();
    assert!(a.len() >= 2);
    assert_eq!(a, run());
    let mut ids = a.clone();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), a.len());
}

#[test]
fn inventory_summaries_are_sorted_and_stateful() {
    let mut s = Site::new(CFG);
    s.see(SW, "Gi1/0/9", &phone(1), 0);
    s.see(SW, "Gi1/0/10", &phone(2), 0);
    s.see("access-sw-01", "Gi1/0/1", &server(3), 0);
    let ports = s.engine.ports();
    let keys: Vec<(String, String)> = ports
        .iter()
        .map(|p| (p.switch.clone(), p.port.clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(ports.iter().all(|p| p.state == "learning"));
    s.tick(2 * DAY);
    assert!(s.engine.ports().iter().all(|p| p.state == "departed"));
    let j = serde_json::to_value(&s.engine.ports()[0]).unwrap();
    for k in [
        "switch",
        "port",
        "mac",
        "vendor",
        "class",
        "confidence",
        "dna",
        "baseline",
        "similarity",
        "state",
        "last_seen",
    ] {
        assert!(j.get(k).is_some(), "{k}");
    }
}

#[test]
fn a_restart_after_downtime_does_not_depart_everyone_at_once() {
    let mut s = Site::new(CFG);
    let p = phone(1);
    let t = settled(&mut s, &p, "Gi1/0/24");
    let recs = s.engine.take_dirty();
    // The sensor was down for five hours: it heard nothing, the phone did not leave.
    let mut s2 = Site::new(CFG);
    s2.engine.restore(recs);
    let back = t + 5 * HOUR;
    assert!(s2.tick(back).is_empty());
    assert!(s2.tick(back + 14 * MIN).is_empty());
    // Still silent 15 minutes after the sensor came back: now it departed.
    assert_eq!(types(&s2.tick(back + 15 * MIN)), [T::DeviceDeparted]);
}

// ---------------------------------------------------------------------------------------------
// Partial evidence: a DNA that gained or lost a signal family

/// DHCP clients of three corpus captures (two Linux dhclients and a MUD-URL client).
const DHCP_CAPTURES: [&str; 3] = [
    "zeek/dhcp.pcap",
    "tcpdump/dhcp-mud.pcap",
    "suricata-verify/dhcp-eve-extended/input.pcap",
];

#[test]
fn a_device_heard_first_through_dhcp_then_cdp_is_not_substituted() {
    for rel in DHCP_CAPTURES {
        let p = phone(1);
        let dhcp = dhcp_client(rel);
        let first = only(&dhcp, p.mac);
        let full = plus(&p, &dhcp);
        // Without the family rule this pair scores far below the threshold.
        assert!(first.dna.similarity(&full.dna) < 0.65, "{rel}");
        let mut s = Site::new(CFG);
        let mut o = first.obs[0].clone();
        o.ts = at(0);
        s.see_obs(SW, "Gi1/0/24", &first, &o);
        // 40 s later the phone's CDP frame: the DNA gains the CDP families.
        let mut t = 40;
        while t < 2 * DAY {
            s.see(SW, "Gi1/0/24", &full, t);
            t += 5 * MIN;
        }
        // The confidence rises with the CDP evidence (vendor-hint-confidence-changed); nothing
        // says the device changed.
        let changed = [
            T::DeviceSubstituted,
            T::DeviceFirmwareShift,
            T::DeviceDeparted,
        ];
        let bad = |ev: &[cybriq::event::Event]| ev.iter().any(|e| changed.contains(&e.event));
        assert!(
            !bad(&s.events),
            "{rel}: {:?}",
            s.events
                .iter()
                .map(|e| (e.event, e.similarity, e.timestamp))
                .collect::<Vec<_>>()
        );
        assert_eq!(of(&s.events, T::DeviceAppeared).len(), 1);
        // And the other way round: a phone settled with CDP + DHCP, whose announcements
        // expired (only its DHCP renewals are left) is the same phone.
        let mut o = first.obs[0].clone();
        o.ts = at(t);
        s.see_obs(SW, "Gi1/0/24", &first, &o);
        assert!(
            !bad(&s.events),
            "{rel}: {:?}",
            s.events
                .iter()
                .map(|e| (e.event, e.similarity, e.timestamp))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_new_mac_whose_first_frame_is_dhcp_is_judged_on_dhcp() {
    let dhcp = dhcp_client("zeek/dhcp.pcap");
    let other = dhcp_client("tcpdump/dhcp-mud.pcap");
    let p = phone(1);
    let full = plus(&p, &dhcp);
    // Like for like: another phone with the same DHCP client, first heard through DHCP.
    let mut s = Site::new(CFG);
    let t = settled(&mut s, &full, "Gi1/0/24");
    let twin = only(&dhcp, mac(77, Some(p.mac)));
    let mut o = twin.obs[0].clone();
    o.ts = at(t + DAY);
    s.tick(t + DAY - 1);
    let mut ev = s.see_obs(SW, "Gi1/0/24", &twin, &o);
    ev.extend(s.tick(t + DAY + 10 * MIN));
    assert!(of(&ev, T::DeviceSubstituted).is_empty(), "{ev:#?}");
    // Another DHCP client behind a new MAC is judged on its DHCP: substituted.
    let mut s = Site::new(CFG);
    let t = settled(&mut s, &full, "Gi1/0/24");
    s.tick(t + DAY - 1);
    let stranger = only(&other, mac(78, Some(p.mac)));
    let mut o = stranger.obs[0].clone();
    o.ts = at(t + DAY);
    let mut ev = s.see_obs(SW, "Gi1/0/24", &stranger, &o);
    // Judged once mature: it lacks the phone's CDP, so at the end of its settle window.
    ev.extend(s.tick(t + DAY + 10 * MIN));
    assert_eq!(of(&ev, T::DeviceSubstituted).len(), 1, "{ev:#?}");
}

#[test]
fn a_clone_behind_stale_announcements_is_substituted_when_they_expire() {
    let p = phone(1);
    let phone_dhcp = dhcp_client("zeek/dhcp.pcap");
    let full = plus(&p, &phone_dhcp);
    for rel in &DHCP_CAPTURES[1..] {
        let laptop_dhcp = dhcp_client(rel);
        let mut s = Site::new(CFG);
        let t = settled(&mut s, &full, "Gi1/0/24");
        // A laptop with the phone's MAC: its DHCP request replaces the phone's while the
        // phone's last CDP frame is still within its hold time, so the DNA is a mix that can
        // score anywhere from the match band into the firmware band.
        let mixed = plus(&p, &laptop_dhcp);
        let mut o = mixed.obs.last().unwrap().clone();
        o.ts = at(t + 20);
        let ev = s.see_obs(SW, "Gi1/0/24", &mixed, &o);
        // Never a firmware update (no version changed), so no new baseline from the mix.
        assert!(of(&ev, T::DeviceFirmwareShift).is_empty(), "{rel}: {ev:#?}");
        // The CDP hold time runs out: the laptop's own DNA is judged.
        let laptop = only(&laptop_dhcp, p.mac);
        let mut o = laptop.obs[0].clone();
        o.ts = at(t + 5 * MIN);
        s.see_obs(SW, "Gi1/0/24", &laptop, &o);
        // Its ARP a second later: a deviation is judged once seen twice.
        o.ts = at(t + 5 * MIN + 1);
        s.see_obs(SW, "Gi1/0/24", &laptop, &o);
        s.tick(t + 15 * MIN);
        assert_eq!(
            of(&s.events, T::DeviceSubstituted).len(),
            1,
            "{rel} (mix scored {}): {:#?}",
            judged(&full, &mixed),
            s.events
        );
    }
}

#[test]
fn a_firmware_update_of_a_device_first_heard_through_dhcp_is_a_firmware_shift() {
    // The baseline restarts from the fuller DNA when the CDP frame comes (it is not an
    // average of the DHCP-only and the complete pictures), so a later version change lands in
    // the firmware band as it does for a device heard through CDP first.
    let p = phone(1);
    let dhcp = dhcp_client("zeek/dhcp.pcap");
    let first = only(&dhcp, p.mac);
    let full = plus(&p, &dhcp);
    let mut s = Site::new(CFG);
    let mut o = first.obs[0].clone();
    o.ts = at(0);
    s.see_obs(SW, "Gi1/0/24", &first, &o);
    let mut t = 40;
    while t < 2 * DAY {
        s.see(SW, "Gi1/0/24", &full, t);
        t += 5 * MIN;
    }
    let new = updated(&full);
    let (ev, _) = talks(&mut s, &new, "Gi1/0/24", t);
    assert_eq!(types(&ev), [T::DeviceFirmwareShift], "{ev:#?}");
    let sim = ev[0].similarity.unwrap();
    assert!((0.65..0.85).contains(&sim), "{sim}");
}
