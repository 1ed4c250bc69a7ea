//! A three-week site on one switch, written as a capture of real corpus frames (MACs, times and
//! a few texts rewritten) plus a series of SNMP port tables, replayed through `cybriq replay`:
//! exactly the expected events, no more, no fewer.
//!
//! The site ("access-1", Gi1/0/1-7), from real frames of `tests/data`:
//! - Gi1/0/1 Cisco IP Phone 7970, CDP (`ladvd/cdp/49.good.phone.pcap` #2, "SIP70.8-5-3S");
//!   day 5 a firmware update inside an approved change window: "SIP70.8-5-4S".
//! - Gi1/0/2 Cisco IP Phone 7912, CDP (`ladvd/cdp/49.good.phone.pcap` #1); day 8 unplugged and,
//!   after 35 minutes of dark link, a laptop with the phone's MAC plugged in (dhclient of
//!   Pop!_OS, `zeek/dhcp_time_and_nameserver.pcap` #1).
//! - Gi1/0/3 Broadcom BCM91100 reference IP phone, CDP (`assimilation/cdp-BCM1100.pcap`).
//! - Gi1/0/4 an Aruba AP heard through DHCP (`zeek/dhcp.pcap` #3, vendor class "ArubaAP"; the
//!   corpus has no LLDP frame of an AP); its DHCP client is silent for 8 days (days 12-20)
//!   while its link stays up and its MAC stays in the forwarding table.
//! - Gi1/0/5 a Hikvision camera: the LLDP frame of `tcpdump/lldp_mudurl.pcap` #1 re-encoded
//!   with a Hikvision MAC, system name/description, station capability and LLDP-MED inventory
//!   (manufacturer, model, firmware) in place of the Ubuntu host's (NDAA §889).
//! - Gi1/0/6 a laptop (Pop!_OS dhclient, as above); day 10 an unmanaged switch inserted in
//!   front of it, with a MacBook (`tcpdump/dhcp-option-108.pcapng` #1) and a VMware-hosted
//!   client (`tcpdump/dhcp-rfc3004.pcap` #3) behind it: 3 MACs where the profile allows 2.
//! - Gi1/0/7 a laptop (`tcpdump/dhcp-rfc3004.pcap` #3, under an Intel OUI: the capture's own
//!   VMware OUI makes it a virtual machine, a server, rightly a class mismatch on a desk port)
//!   unplugged on day 3: the port is dark
//!   (link down, no frames) for 15 days, and the same laptop comes back on day 18.
//!
//! No printer: the corpus has no frame from a printer (no LLDP/CDP/DHCP of one), and making one
//! up from another device's frames would test the made-up strings, not the product.
//! The phones speak CDP only: the corpus has no DHCP from a Cisco phone.
//! CDP every 170 s (hold time 180 s), LLDP every 110 s (TTL 120 s): coarser than the usual
//! 60 s / 30 s but within each announcement's lifetime, to keep the debug-build replay well
//! under a minute; DHCP renewals every 4 h; polls every 30 min; 21 days.

mod scenario_support;

use std::collections::BTreeMap;
use std::process::Command;

use cybriq::clock::Timestamp;
use cybriq::event::{Event, EventType as T, NdaaStatus};
use cybriq::wire::MacAddr;
use scenario_support::*;

const SW: &str = "access-1";
const MIN: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// Length of the scenario.
const END: i64 = 21 * DAY;
const PORTS: usize = 7;

/// Seconds → timestamp from 2026-05-04T00:00:00Z (a Monday).
fn at(secs: i64) -> Timestamp {
    Timestamp((1_777_852_800 + secs) * 1_000_000)
}

fn day_of(t: Timestamp) -> i64 {
    (t.0 / 1_000_000 - 1_777_852_800).div_euclid(DAY)
}

const CONFIG: &str = r#"
[sensor]
site = "branch-7"

[events]
substitution_threshold = 0.65
firmware_threshold = 0.85
hysteresis = 0.03
departure = "15m"
departure_interval_multiple = 3.0
silence = "7d"
orphan = "14d"
confidence_delta = 0.2
ndaa_confidence = 0.85
topology_hold = "1h"

[[port_profile]]
name = "voice"
switch = "access-1"
ports = ["Gi1/0/1-3"]
expected_classes = ["ip-phone"]
max_macs = 2
controls = ["PCI-4.0/12.5.1", "SOC2/CC6.1"]

[[port_profile]]
name = "wireless"
switch = "access-1"
ports = ["Gi1/0/4"]
expected_classes = ["wireless-ap"]
max_macs = 2
controls = ["SOC2/CC6.1"]

[[port_profile]]
name = "cameras"
switch = "access-1"
ports = ["Gi1/0/5"]
expected_classes = ["camera"]
max_macs = 1
controls = ["NDAA-889", "NIST-800-171/3.4.1"]

[[port_profile]]
name = "desks"
switch = "access-1"
ports = ["Gi1/0/6-7"]
expected_classes = ["workstation"]
max_macs = 2
controls = ["SOC2/CC6.1"]

[[change_window]]
name = "CHG0040117 phone firmware"
switch = "access-1"
ports = ["Gi1/0/1"]
start = "2026-05-09T09:00:00Z"
end = "2026-05-09T12:00:00Z"
"#;

fn mac(s: &str) -> MacAddr {
    s.parse().unwrap()
}

fn port_name(p: usize) -> String {
    format!("Gi1/0/{p}")
}

struct Site {
    speakers: Vec<Speaker>,
    // Named MACs for the expected list.
    phone_a: MacAddr,
    phone_b: MacAddr,
    bcm: MacAddr,
    ap: MacAddr,
    cam: MacAddr,
    laptop1: MacAddr,
    laptop2: MacAddr,
    macbook: MacAddr,
    vmhost: MacAddr,
}

fn site() -> Site {
    let phone_a = mac("00:12:da:40:01:01");
    let phone_b = mac("00:1b:53:40:02:02");
    let bcm = mac("00:60:b9:40:03:03");
    let ap = mac("00:0b:86:40:04:04");
    let cam = mac("08:a1:89:40:05:05");
    let laptop1 = mac("00:90:f5:40:06:06");
    let laptop2 = mac("3c:a9:f4:40:07:07");
    let macbook = mac("42:b4:44:40:06:16");
    let vmhost = mac("00:0c:29:40:06:26");

    let c7970 = corpus_frame("ladvd/cdp/49.good.phone.pcap", 2);
    let c7912 = corpus_frame("ladvd/cdp/49.good.phone.pcap", 1);
    let cbcm = corpus_frame("assimilation/cdp-BCM1100.pcap", 1);
    let aruba = corpus_frame("zeek/dhcp.pcap", 3);
    let popos = corpus_frame("zeek/dhcp_time_and_nameserver.pcap", 1);
    let mbp = corpus_frame("tcpdump/dhcp-option-108.pcapng", 1);
    let vm = corpus_frame("tcpdump/dhcp-rfc3004.pcap", 3);

    let all = vec![(0, END)];
    // Day 5, 10:00: the 7970 reboots into new firmware.
    let fw = 5 * DAY + 10 * HOUR;
    // Day 8, 09:05: the 7912 unplugged; 09:40 a laptop with its MAC plugged in.
    let unplug = 8 * DAY + 9 * HOUR + 5 * MIN;
    let clone_in = 8 * DAY + 9 * HOUR + 40 * MIN;
    // Day 10, 10:00: an unmanaged switch in front of laptop 1 (the unplug lasts seconds,
    // between two polls).
    let hub = 10 * DAY + 10 * HOUR;
    // Days 12-20: the AP's DHCP client silent.
    let (quiet_from, quiet_to) = (12 * DAY + 6 * HOUR, 20 * DAY + 6 * HOUR);
    // Days 3-18: Gi1/0/7 dark.
    let (dark_from, dark_to) = (3 * DAY + 9 * HOUR, 18 * DAY + 9 * HOUR);

    let speakers = vec![
        Speaker {
            port: 1,
            mac: phone_a,
            frame: cdp_as(&c7970, phone_a, &[]),
            period: 170,
            offset: 7,
            talk: vec![(0, fw)],
            once: vec![],
            plugged: all.clone(),
        },
        Speaker {
            port: 1,
            mac: phone_a,
            frame: cdp_as(&c7970, phone_a, &[("SIP70.8-5-3S", "SIP70.8-5-4S")]),
            period: 170,
            offset: 3 * MIN,
            talk: vec![(fw, END)],
            once: vec![],
            plugged: vec![],
        },
        Speaker {
            port: 2,
            mac: phone_b,
            frame: cdp_as(&c7912, phone_b, &[]),
            period: 170,
            offset: 31,
            talk: vec![(0, unplug)],
            once: vec![],
            plugged: vec![(0, unplug)],
        },
        Speaker {
            port: 2,
            mac: phone_b,
            frame: dhcp_as(&popos, phone_b),
            period: 4 * HOUR,
            offset: 20,
            talk: vec![(clone_in, END)],
            once: vec![],
            plugged: vec![(clone_in, END)],
        },
        Speaker {
            port: 3,
            mac: bcm,
            frame: cdp_as(&cbcm, bcm, &[]),
            period: 170,
            offset: 53,
            talk: all.clone(),
            once: vec![],
            plugged: all.clone(),
        },
        Speaker {
            port: 4,
            mac: ap,
            frame: dhcp_as(&aruba, ap),
            period: 4 * HOUR,
            offset: 20 * MIN,
            talk: vec![(0, quiet_from), (quiet_to, END)],
            once: vec![],
            plugged: all.clone(),
        },
        Speaker {
            port: 5,
            mac: cam,
            frame: hikvision_frame(cam),
            period: 110,
            offset: 11,
            talk: all.clone(),
            once: vec![],
            plugged: all.clone(),
        },
        Speaker {
            port: 6,
            mac: laptop1,
            frame: dhcp_as(&popos, laptop1),
            period: 4 * HOUR,
            offset: 40 * MIN,
            talk: all.clone(),
            // Reconnected behind the unmanaged switch: a DHCP request first.
            once: vec![hub + 5],
            plugged: all.clone(),
        },
        Speaker {
            port: 6,
            mac: macbook,
            frame: dhcp_as(&mbp, macbook),
            period: 4 * HOUR,
            offset: 30,
            talk: vec![(hub, END)],
            once: vec![],
            plugged: vec![(hub, END)],
        },
        Speaker {
            port: 6,
            mac: vmhost,
            frame: dhcp_as(&vm, vmhost),
            period: 4 * HOUR,
            offset: 60,
            talk: vec![(hub, END)],
            once: vec![],
            plugged: vec![(hub, END)],
        },
        Speaker {
            port: 7,
            mac: laptop2,
            frame: dhcp_as(&vm, laptop2),
            period: 4 * HOUR,
            offset: 10 * MIN,
            talk: vec![(0, dark_from), (dark_to, END)],
            once: vec![],
            plugged: vec![(0, dark_from), (dark_to, END)],
        },
    ];
    Site {
        speakers,
        phone_a,
        phone_b,
        bcm,
        ap,
        cam,
        laptop1,
        laptop2,
        macbook,
        vmhost,
    }
}

/// One expected event: type, port number, MAC, day.
type Key = (T, usize, MacAddr, i64);

fn key_of(e: &Event) -> (T, String, String, i64) {
    (
        e.event,
        e.port.clone(),
        e.mac.clone().unwrap_or_default(),
        day_of(e.timestamp),
    )
}

#[test]
fn three_weeks_of_a_site_replay_to_exactly_the_expected_events() {
    let s = site();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("site-scenario-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // The capture.
    let mut frames = Vec::new();
    for sp in &s.speakers {
        for t in sp.times() {
            frames.push((at(t), sp.frame.clone()));
        }
    }
    let n_frames = frames.len();
    let pcap = dir.join("site.pcap");
    write_capture(&pcap, &mut frames);

    // The polls, every 30 minutes from 00:15 on day 0.
    let mut fdb = String::new();
    let mut t = 15 * MIN;
    while t <= END {
        let ports: Vec<(String, bool, Vec<MacAddr>)> = (1..=PORTS)
            .map(|p| {
                let mut macs: Vec<MacAddr> = s
                    .speakers
                    .iter()
                    .filter(|sp| sp.port == p && sp.plugged_at(t))
                    .map(|sp| sp.mac)
                    .collect();
                macs.sort();
                macs.dedup();
                (port_name(p), !macs.is_empty(), macs)
            })
            .collect();
        fdb.push_str(&serde_json::to_string(&poll(SW, at(t), &ports)).unwrap());
        fdb.push('\n');
        t += 30 * MIN;
    }
    let fdb_path = dir.join("polls.json");
    std::fs::write(&fdb_path, fdb).unwrap();
    let cfg = dir.join("site.toml");
    std::fs::write(&cfg, CONFIG).unwrap();

    // The expected events, from the story.
    let expected: Vec<Key> = vec![
        // Day 0: every device takes its port; the Hikvision camera is NDAA-prohibited.
        (T::DeviceAppeared, 1, s.phone_a, 0),
        (T::DeviceAppeared, 2, s.phone_b, 0),
        (T::DeviceAppeared, 3, s.bcm, 0),
        (T::DeviceAppeared, 4, s.ap, 0),
        (T::DeviceAppeared, 5, s.cam, 0),
        (T::NdaaProhibitedDetected, 5, s.cam, 0),
        (T::DeviceAppeared, 6, s.laptop1, 0),
        (T::DeviceAppeared, 7, s.laptop2, 0),
        // Day 3: laptop 2 unplugged; departs once silent for 3x its 4 h DHCP interval and a
        // poll shows its link down (its last renewal was 08:10, so at 20:10).
        (T::DeviceDeparted, 7, s.laptop2, 3),
        // Day 5: the 7970's firmware update.
        (T::DeviceFirmwareShift, 1, s.phone_a, 5),
        // Day 8: the 7912 departs (link down in the 09:15 poll, silent 15 min), then a laptop
        // with its MAC: a different stack behind the same MAC.
        (T::DeviceDeparted, 2, s.phone_b, 8),
        (T::DeviceSubstituted, 2, s.phone_b, 8),
        // Day 10: three MACs behind the desk port.
        (T::PortTopologyChanged, 6, s.vmhost, 10),
        // Port model v2: the two devices behind the unmanaged switch are residents of the
        // port (each appeared once mature). The VM host's class (`server`) rests on its OUI
        // alone (certainty 0.32, under the 0.5 class threshold): no class mismatch.
        (T::DeviceAppeared, 6, s.vmhost, 10),
        (T::DeviceAppeared, 6, s.macbook, 10),
        // Day 17: Gi1/0/7 dark for 14 days since its last frame (day 3, 08:10).
        (T::PortOrphaned, 7, s.laptop2, 17),
        // Day 18: the same laptop comes back. Port model v2: a known device returning to its
        // port is recorded, not device-appeared again.
        // Day 19: the AP said nothing for 7 days (last renewal day 12, 04:20) with link up.
        (T::DeviceSilentExtended, 4, s.ap, 19),
    ];

    let started = std::time::Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_cybriq"))
        .args(["replay", "--config"])
        .arg(&cfg)
        .arg("--fdb")
        .arg(&fdb_path)
        .args(["--json", "--seed", "1"])
        .arg(&pcap)
        .output()
        .expect("run cybriq replay");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "replay failed:\n{stderr}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let events: Vec<Event> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not an event ({e}): {l}")))
        .collect();
    let listing = events
        .iter()
        .map(|e| {
            format!(
                "  day {:>2} {} {:<32} {:<8} {:<18} sim={:?} vendor={:?} conf={:?} ndaa={:?} cw={:?} changed={:?}",
                day_of(e.timestamp),
                e.timestamp.rfc3339_millis(),
                e.event.as_str(),
                e.port,
                e.mac.as_deref().unwrap_or("-"),
                e.similarity,
                e.vendor,
                e.confidence,
                e.ndaa_status,
                e.change_window_match,
                e.changed,
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!(
        "{n_frames} frames over {} days, {} events in {elapsed:.1?}:\n{listing}",
        END / DAY,
        events.len()
    );

    // Exactly the expected (event, port, MAC, day), as multisets.
    let mut want: BTreeMap<(T, String, String, i64), usize> = BTreeMap::new();
    for (t, p, m, d) in &expected {
        *want
            .entry((*t, port_name(*p), m.to_string(), *d))
            .or_default() += 1;
    }
    let mut got: BTreeMap<(T, String, String, i64), usize> = BTreeMap::new();
    for e in &events {
        *got.entry(key_of(e)).or_default() += 1;
    }
    let missing: Vec<_> = want
        .iter()
        .filter(|(k, n)| got.get(*k).copied().unwrap_or(0) < **n)
        .collect();
    let extra: Vec<_> = got
        .iter()
        .filter(|(k, n)| want.get(*k).copied().unwrap_or(0) < **n)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nunexpected: {extra:#?}\nall events:\n{listing}"
    );

    // Fields of the key events.
    let one = |t: T, port: usize| -> &Event {
        events
            .iter()
            .find(|e| e.event == t && e.port == port_name(port))
            .unwrap()
    };
    for e in &events {
        assert_eq!(e.site, "branch-7");
        assert_eq!(e.switch.as_deref(), Some(SW));
    }
    let sub = one(T::DeviceSubstituted, 2);
    let sim = sub.similarity.expect("similarity");
    assert!(sim < 0.65, "{sim}");
    assert_eq!(sub.threshold, Some(0.65));
    assert_eq!(sub.mitre, ["T1200", "T1556"]);
    assert_eq!(sub.controls, ["PCI-4.0/12.5.1", "SOC2/CC6.1"]);
    assert_eq!(sub.change_window_match, Some(false));
    assert!(
        sub.previous_vendor
            .as_deref()
            .is_some_and(|v| v.contains("7912")),
        "{sub:?}"
    );
    assert!(sub.previous_dna.is_some() && sub.device_dna != sub.previous_dna);

    let fw = one(T::DeviceFirmwareShift, 1);
    let sim = fw.similarity.expect("similarity");
    assert!((0.65..0.85).contains(&sim), "{sim}");
    assert_eq!(fw.mitre, ["T1601"]);
    assert_eq!(fw.change_window_match, Some(true), "inside CHG0040117");
    assert!(
        fw.changed.iter().any(|c| c[1..].starts_with("fw.")),
        "{:?}",
        fw.changed
    );

    let ndaa = one(T::NdaaProhibitedDetected, 5);
    assert_eq!(ndaa.ndaa_status, Some(NdaaStatus::Prohibited));
    assert!(ndaa.confidence.is_some_and(|c| c >= 0.85), "{ndaa:?}");
    assert_eq!(ndaa.mitre, ["T1199"]);
    assert_eq!(ndaa.controls, ["NDAA-889", "NIST-800-171/3.4.1"]);
    assert!(
        ndaa.vendor
            .as_deref()
            .is_some_and(|v| v.starts_with("Hikvision"))
    );

    let topo = one(T::PortTopologyChanged, 6);
    assert_eq!(topo.mitre, ["T1200", "T1557"]);
    assert_eq!(topo.change_window_match, Some(false));

    // The MACs behind the unmanaged switch are residents beside the laptop (port model v2:
    // appeared once), replacing nobody.
    for m in [s.macbook, s.vmhost] {
        let m = m.to_string();
        assert!(
            events
                .iter()
                .filter(|e| e.mac.as_deref() == Some(m.as_str()))
                .all(|e| matches!(
                    e.event,
                    T::PortTopologyChanged | T::DeviceAppeared | T::DeviceClassMismatch
                )),
            "{m}:\n{listing}"
        );
    }

    // The laptop back on Gi1/0/7 on day 18 is its port's known device: it appeared once (day
    // 0), its return is recorded, not raised (port model v2).
    let appeared7 = events
        .iter()
        .filter(|e| e.event == T::DeviceAppeared && e.port == port_name(7))
        .count();
    assert_eq!(appeared7, 1);

    if std::env::var_os("KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
