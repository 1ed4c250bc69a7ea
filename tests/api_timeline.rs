//! The device timeline shows the feature values behind a change: a Cisco 7970 on a desk port
//! updates its firmware on day 2 (reboot: DHCP first, CDP with the new version 40 s later); the
//! real replay (`cybriq replay --data-dir`) stores what it saw, the API serves it.
//!
//! Expected before the run: the phone's timeline holds an entry whose `previous_dna` is the
//! DNA before the update and whose `changed` lists the firmware features (the names the
//! event's `changed` carries) with the old version before and the new one after, and nothing
//! about features that did not change (its platform, its DHCP options, its OUI); entries
//! without a DNA change carry an empty list.

mod desk_support;
mod scenario_support;
#[path = "api_support/mod.rs"]
mod support;

use cybriq::api::auth::Scope;
use desk_support::*;
use support::{Server, TempDir, TokenState, token};

const CFG: &str = r#"
[sensor]
site = "hq-3"
"#;

const PHONE: &str = "00:12:da:40:01:01";

#[test]
fn a_firmware_update_shows_the_old_and_new_version_in_the_timeline() {
    let end = 3 * DAY;
    let mut s = Story::new("timeline-firmware", CFG, 2, end);
    let ph = mac(PHONE);
    let t0 = hm(0, 8, 0);
    let fw = hm(2, 10, 0);
    let dhcp = cisco_phone_dhcp(ph);
    s.extend(boot(1, ph, [10, 20, 30, 1], Some(&dhcp), t0));
    s.add(talk(1, ph, phone7970_cdp(ph, &[]), 60, 40, &[(t0, fw)]));
    s.extend(boot(1, ph, [10, 20, 30, 1], Some(&dhcp), fw + 2 * MIN));
    s.add(talk(
        1,
        ph,
        phone7970_cdp(ph, &[(FW_OLD, FW_NEW)]),
        60,
        40,
        &[(fw + 2 * MIN, end)],
    ));
    let dir = TempDir::new("timeline");
    let events = s.run_with(Some(&dir.0));
    let shift = events
        .iter()
        .find(|f| f.event.event == cybriq::event::EventType::DeviceFirmwareShift)
        .expect("the update is a firmware shift");
    let (before, after) = (
        shift.event.previous_dna.clone().unwrap(),
        shift.event.device_dna.clone().unwrap(),
    );

    // The story ran in May 2026: a history window that reaches back to it.
    let server = Server::start_in(dir, "history_window = \"3650d\"");
    let t = token(
        &server.tokens(),
        server.clock.now(),
        &[Scope::InventoryRead],
        &[],
        TokenState::Valid,
    )
    .token;
    let r = server
        .client()
        .get(&format!("/api/v1/devices/{after}/timeline?limit=500"), &t);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let tl = r.json();
    let entries = tl["timeline"].as_array().unwrap();
    let change = entries
        .iter()
        .find(|e| e["previous_dna"] == before.as_str() && e["device_dna"] == after.as_str())
        .unwrap_or_else(|| panic!("no entry from {before} to {after}: {entries:#?}"));
    let changed = change["changed"].as_array().unwrap();
    // The firmware tokens (`fw.versions`, `fw.v`: the names the event's `changed` carries),
    // each with the old version before and the new one after, and nothing else.
    let event_names: Vec<String> = shift
        .event
        .changed
        .iter()
        .map(|n| n.trim_start_matches(['+', '-', '~']).to_owned())
        .collect();
    assert!(!changed.is_empty(), "{change:#?}");
    for c in changed {
        let values = |k: &str| -> Vec<String> {
            c[k].as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        let f = c["feature"].as_str().unwrap();
        assert!(f.starts_with("fw."), "only the firmware changed: {c:#?}");
        assert!(
            event_names.iter().any(|n| n == f),
            "{f} not in {event_names:?}"
        );
        assert!(
            values("before").iter().any(|v| v.contains("8-5-3")),
            "{c:#?}"
        );
        assert!(
            values("after").iter().any(|v| v.contains("8-5-4")),
            "{c:#?}"
        );
    }
    // Entries where the DNA stayed the same list nothing.
    for e in entries {
        if e["previous_dna"] == e["device_dna"] {
            assert_eq!(e["changed"], serde_json::json!([]), "{e:#?}");
        }
    }
}
