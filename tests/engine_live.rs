//! The drift engine live: `cybriq run` on a simulated SPAN port with real devices (lldpd and
//! dhclient in network namespaces, the lab of `tests/netns_lab`) and a real SNMP agent
//! (snmpsim serving `tests/data/snmp/synthetic/lab-sw.snmprec`), reading the events the sensor
//! stores. One test function runs the three scenarios in sequence (they share one lab and one
//! sensor, and live tests must not run in parallel):
//!
//! 0. **Coming up.** Each device is first heard through one signal family and through the
//!    other once the sensor has attributed it (the phone on Gi1/0/1 DHCP first, the others
//!    LLDP first) → one `device-appeared` each and no drift event: a DNA that gains a signal
//!    family is no new device (`vendor-hint-confidence-changed` may report the identity firming
//!    up as LLDP-MED is heard).
//! 1. **Same MAC, other stack.** An Avaya-phone-like device on Gi1/0/1 (lldpd with LLDP-MED
//!    class 3, an Avaya deskphone description and inventory; dhclient sending the Avaya vendor
//!    class and a phone's parameter-request list) is replaced by a Linux laptop with the same
//!    MAC (lldpd without LLDP-MED, an Ubuntu description; dhclient with a dhcpcd-style vendor
//!    class, another request list and host name) → exactly one `device-substituted` for that
//!    MAC/port (similarity below the 0.65 threshold, `previous_dna` ≠ `device_dna`, `changed`
//!    filled), no firmware shift or departure, and no substitution for the untouched devices.
//! 2. **Firmware update.** A Cisco-8851-like phone on Gi1/0/2 restarts lldpd (SIGTERM: it sends
//!    its shutdown LLDPDU) with only the LLDP-MED software revision changed, `sip88xx.12-8-1-…`
//!    → `sip88xx.14-2-1-…` (the `cisco-ipphone` firmware profile reads the version after the
//!    load prefix, so train 12.8 → 14.2) → exactly one `device-firmware-shift`, similarity in
//!    [0.65, 0.85), no `device-substituted`.
//! 3. **A bridge on a desk port.** A workstation on Gi1/0/3 (lldpd and dhclient), whose port
//!    profile allows one MAC (`max_macs = 1`), gets a Linux bridge in its namespace with a
//!    second device (a sub-namespace running dhclient) behind it → one `port-topology-changed`
//!    naming the second MAC, by MAC count (STP stays off on the bridge, so no BPDUs), and no
//!    device event on that port. Gi1/0/3 is mirrored onto a second SPAN session that the
//!    configuration attributes with a static `tap` (lab-sw Gi1/0/3): the second device is not
//!    in the recording's FDB, and adding it there would put two MACs on the port from the
//!    first poll on.
//!
//! Short timers: lldpd transmits every second (TTL 4 s), dhclient sends a DISCOVER every 1–2 s
//! (no DHCP server), the SNMP poll runs every 10 s, the `[dna]` learning window is 10 s.
//! Failures print every stored event and the sensor's log.
//!
//! Needs root, `ip`, `tc`, `lldpd`, `dhclient` and snmpsim (scripts/setup.sh,
//! scripts/setup-snmpsim.sh); skipped with a message without them, except under CI.

mod netns_lab;
mod snmp_support;

use std::path::Path;
use std::time::Duration;

use cybriq::event::{Event, EventType};
use netns_lab::{
    Diagnostics, Lab, Lldpd, Proc, db, device, dhclient_conf, event_line, events, sensor, wait_for,
};

const TEST: &str = "engine_live";
const PHONE_MAC: &str = "00:04:0d:ab:cd:01";
const CISCO_MAC: &str = "00:1b:54:ab:cd:02";
const DESK_MAC: &str = "00:1b:54:ab:cd:03";
const BEHIND_MAC: &str = "f8:bc:12:ab:cd:04";

/// DISCOVER every 1–2 s while no server answers, for ten minutes.
const DHCP_TIMERS: &str = "timeout 600; retry 1; initial-interval 1; backoff-cutoff 2;\n";

fn avaya_phone(ns: &str, dir: &Path) -> Proc {
    Lldpd {
        descr: "Avaya 9611G IP Deskphone, SIP Release 7.1.2.0.14",
        med: Some(3),
        tx_interval: Some(1),
        inventory: &[
            ("software-revision", "S96x1_SALBR7_1_2_0_14_V474.tar"),
            ("model", "9611G"),
            ("manufacturer", "Avaya"),
        ],
    }
    .start(ns, dir)
}

fn avaya_dhcp(ns: &str, dir: &Path) -> Proc {
    let conf = format!(
        "send host-name \"AVX00040DABCD01\";\n\
         send vendor-class-identifier \"ccp.avaya.com\";\n\
         request subnet-mask, routers, domain-name-servers, domain-name, ntp-servers;\n\
         {DHCP_TIMERS}"
    );
    dhclient_conf(ns, "eth0", dir, "avaya", &conf)
}

fn laptop_lldp(ns: &str, dir: &Path, descr: &str) -> Proc {
    Lldpd {
        descr,
        med: None,
        tx_interval: Some(1),
        inventory: &[],
    }
    .start(ns, dir)
}

fn laptop_dhcp(ns: &str, iface: &str, dir: &Path, tag: &str, host: &str) -> Proc {
    let conf = format!(
        "send host-name \"{host}\";\n\
         send vendor-class-identifier \"dhcpcd-9.4.1:Linux-6.5.0-28-generic:x86_64:GenuineIntel\";\n\
         request subnet-mask, broadcast-address, time-offset, routers, domain-name,\n\
         \x20 domain-name-servers, domain-search, host-name, ntp-servers, interface-mtu;\n\
         {DHCP_TIMERS}"
    );
    dhclient_conf(ns, iface, dir, tag, &conf)
}

fn desk_dhcp(ns: &str, dir: &Path) -> Proc {
    let conf = format!(
        "send host-name \"lab-desk\";\n\
         request subnet-mask, broadcast-address, time-offset, routers, domain-name,\n\
         \x20 domain-name-servers, domain-search, host-name, interface-mtu;\n\
         {DHCP_TIMERS}"
    );
    dhclient_conf(ns, "eth0", dir, "desk", &conf)
}

fn cisco_phone(ns: &str, dir: &Path, load: &str) -> Proc {
    Lldpd {
        descr: "Cisco IP Phone CP-8851",
        med: Some(3),
        tx_interval: Some(1),
        inventory: &[
            ("software-revision", load),
            ("model", "CP-8851"),
            ("manufacturer", "Cisco Systems, Inc."),
        ],
    }
    .start(ns, dir)
}

fn cisco_dhcp(ns: &str, dir: &Path) -> Proc {
    let conf = format!(
        "send host-name \"SEP001B54ABCD02\";\n\
         send vendor-class-identifier \"Cisco Systems, Inc. IP Phone CP-8851\";\n\
         request subnet-mask, routers, domain-name-servers, tftp-server-name;\n\
         {DHCP_TIMERS}"
    );
    dhclient_conf(ns, "eth0", dir, "cisco", &conf)
}

/// Events of type `t` on `port` stored after sequence number `after`.
fn of(evs: &[(i64, Event)], after: i64, t: EventType, port: &str) -> Vec<Event> {
    evs.iter()
        .filter(|(s, e)| *s > after && e.event == t && e.port == port)
        .map(|(_, e)| e.clone())
        .collect()
}

/// The highest stored sequence number (0: none).
fn watermark(data: &Path) -> i64 {
    events(data).last().map_or(0, |(s, _)| *s)
}

/// Whether the sensor stored an observation of protocol `proto` from `mac`.
fn observed(data: &Path, mac: &str, proto: &str) -> bool {
    data.join("cybriq.sqlite3").exists()
        && db(data)
            .query_row(
                "SELECT COUNT(*) FROM observations WHERE mac = ?1 AND proto = ?2",
                [mac, proto],
                |r| r.get::<_, i64>(0),
            )
            .is_ok_and(|n| n > 0)
}

#[test]
fn substitution_firmware_shift_and_topology_from_real_devices() {
    if !netns_lab::ready(TEST, &["ip", "tc", "lldpd", "dhclient"]) {
        return;
    }
    let Some(sim) = netns_lab::snmpsim(TEST) else {
        return;
    };
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("engine-live-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data");
    let config = dir.join("sensor.toml");

    let mut lab = Lab::new();
    let tap_span = lab.add_span();
    let d1 = lab.plug(1, PHONE_MAC);
    let d2 = lab.plug(2, CISCO_MAC);
    let d3 = lab.plug_to(3, DESK_MAC, 1);
    std::fs::write(
        &config,
        format!(
            r#"
[sensor]
site = "lab"
hostname = "sensor-lab"
data_dir = "{data}"

[[capture]]
interface = "{span}"

[[capture]]
interface = "{tap_span}"
tap = {{ switch = "lab-sw", port = "Gi1/0/3" }}

[[switch]]
name = "lab-sw"
address = "127.0.0.1:{port}"
version = "2c"
community = "lab-sw"
poll_interval_secs = 10

[dna]
learning_window = "10s"

[events]
topology_hold = "10m"
# Port model v2: a DNA is judged once mature; the lab's devices announce every second, so
# its settle window is scaled down with them (defaults 90 s .. 10 min).
settle_min = "3s"
settle_max = "6s"

[[port_profile]]
name = "desk"
switch = "lab-sw"
ports = ["Gi1/0/3"]
max_macs = 1
"#,
            data = data.display(),
            span = lab.span(0),
            port = sim.port,
        ),
    )
    .unwrap();
    let _diag = Diagnostics {
        test: TEST,
        data: data.clone(),
        log: config.with_extension("log"),
    };
    let s = sensor(&config);

    // Bring the devices up, each heard through one signal family first and the other once
    // the sensor has attributed it: the phone on Gi1/0/1 DHCP first, the phone on Gi1/0/2 and
    // the workstation LLDP first. A DNA that gains a family is no new device.
    let c1 = avaya_dhcp(&d1, &dir);
    let l2 = cisco_phone(&d2, &dir, "sip88xx.12-8-1-0001-455");
    let _l3 = laptop_lldp(
        &d3,
        &dir,
        "Debian GNU/Linux 12 (bookworm) Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64",
    );
    for (mac, port) in [
        (PHONE_MAC, "Gi1/0/1"),
        (CISCO_MAC, "Gi1/0/2"),
        (DESK_MAC, "Gi1/0/3"),
    ] {
        let (sw, p, _) = wait_for(&format!("{mac} attributed"), 40, || device(&data, mac));
        assert_eq!((sw.as_str(), p.as_str()), ("lab-sw", port), "{mac}");
    }
    let l1 = avaya_phone(&d1, &dir);
    let _c2 = cisco_dhcp(&d2, &dir);
    let _c3 = desk_dhcp(&d3, &dir);
    for (mac, proto) in [(PHONE_MAC, "lldp"), (CISCO_MAC, "dhcp"), (DESK_MAC, "dhcp")] {
        wait_for(&format!("{proto} from {mac}"), 20, || {
            observed(&data, mac, proto).then_some(())
        });
    }
    // A few more frames of each: one device-appeared per device, and no drift event (an
    // identity that firms up as LLDP-MED is heard may report its confidence).
    std::thread::sleep(Duration::from_secs(3));
    let evs = events(&data);
    for (s, e) in &evs {
        eprintln!("startup: {}", event_line(*s, e));
        assert!(
            matches!(
                e.event,
                EventType::DeviceAppeared | EventType::VendorHintConfidenceChanged
            ),
            "devices coming up: {}",
            event_line(*s, e)
        );
    }
    for mac in [PHONE_MAC, CISCO_MAC, DESK_MAC] {
        let n = evs
            .iter()
            .filter(|(_, e)| e.event == EventType::DeviceAppeared && e.mac.as_deref() == Some(mac))
            .count();
        assert_eq!(n, 1, "one device-appeared for {mac}");
    }

    // 1. Same MAC, other stack: the phone is unplugged, a laptop with its MAC plugged in.
    let mark = watermark(&data);
    l1.stop();
    c1.stop();
    let _l1 = laptop_lldp(
        &d1,
        &dir,
        "Ubuntu 22.04.4 LTS Linux 6.5.0-28-generic #29~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC x86_64",
    );
    let _c1 = laptop_dhcp(&d1, "eth0", &dir, "laptop", "lab-laptop");
    wait_for("device-substituted on Gi1/0/1", 30, || {
        of(
            &events(&data),
            mark,
            EventType::DeviceSubstituted,
            "Gi1/0/1",
        )
        .into_iter()
        .next()
    });
    // More frames of the laptop: nothing else fires.
    std::thread::sleep(Duration::from_secs(4));
    let evs = events(&data);
    let subs = of(&evs, mark, EventType::DeviceSubstituted, "Gi1/0/1");
    assert_eq!(subs.len(), 1, "one device-substituted on Gi1/0/1");
    let e = &subs[0];
    eprintln!("scenario 1: {}", event_line(0, e));
    assert_eq!(e.mac.as_deref(), Some(PHONE_MAC));
    assert_eq!(e.switch.as_deref(), Some("lab-sw"));
    assert_eq!(e.threshold, Some(0.65));
    let sim1 = e.similarity.expect("similarity");
    assert!(sim1 < 0.65, "similarity {sim1}");
    assert!(e.previous_dna.is_some() && e.device_dna.is_some());
    assert_ne!(e.previous_dna, e.device_dna);
    assert!(!e.changed.is_empty(), "changed");
    assert!(e.mitre.iter().any(|m| m == "T1200"), "MITRE {:?}", e.mitre);
    for t in [EventType::DeviceFirmwareShift, EventType::DeviceDeparted] {
        assert!(
            of(&evs, mark, t, "Gi1/0/1").is_empty(),
            "no {} on Gi1/0/1 around the swap",
            t.as_str()
        );
    }
    for port in ["Gi1/0/2", "Gi1/0/3"] {
        assert!(
            of(&evs, 0, EventType::DeviceSubstituted, port).is_empty(),
            "no substitution on the untouched {port}"
        );
    }

    // 2. Firmware update: lldpd restarted with only the software revision changed.
    let mark = watermark(&data);
    l2.stop();
    let _l2 = cisco_phone(&d2, &dir, "sip88xx.14-2-1-0001-14");
    let fw = wait_for("device-firmware-shift on Gi1/0/2", 30, || {
        of(
            &events(&data),
            mark,
            EventType::DeviceFirmwareShift,
            "Gi1/0/2",
        )
        .into_iter()
        .next()
    });
    eprintln!("scenario 2: {}", event_line(0, &fw));
    // More frames of the new firmware (and DHCP): nothing else fires.
    std::thread::sleep(Duration::from_secs(4));
    let evs = events(&data);
    assert_eq!(
        of(&evs, mark, EventType::DeviceFirmwareShift, "Gi1/0/2").len(),
        1,
        "one device-firmware-shift"
    );
    assert_eq!(fw.mac.as_deref(), Some(CISCO_MAC));
    let sim2 = fw.similarity.expect("similarity");
    assert!((0.65..0.85).contains(&sim2), "firmware similarity {sim2}");
    assert_ne!(fw.previous_dna, fw.device_dna);
    assert!(
        fw.changed.iter().any(|c| c == "+fw.versions"),
        "a new version among the changes (names without values): {:?}",
        fw.changed
    );
    assert!(
        evs.iter()
            .all(|(s, e)| *s <= mark || e.event != EventType::DeviceSubstituted),
        "no device-substituted after the firmware update"
    );

    // 3. An unmanaged switch on the desk port: a bridge with a second device behind it.
    let mark = watermark(&data);
    let behind = lab.netns(&format!("cbq-d3b-{}", lab.id));
    netns_lab::run_in(&d3, &["ip", "link", "add", "br0", "type", "bridge"]);
    netns_lab::run_in(&d3, &["ip", "link", "set", "eth0", "master", "br0"]);
    netns_lab::run(
        "ip",
        &[
            "-n", &d3, "link", "add", "p1", "type", "veth", "peer", "name", "eth0", "netns",
            &behind,
        ],
    );
    netns_lab::run_in(
        &behind,
        &["ip", "link", "set", "eth0", "address", BEHIND_MAC],
    );
    netns_lab::run_in(&d3, &["ip", "link", "set", "p1", "master", "br0"]);
    for l in ["p1", "br0"] {
        netns_lab::run_in(&d3, &["ip", "link", "set", l, "up"]);
    }
    netns_lab::run_in(&behind, &["ip", "link", "set", "eth0", "up"]);
    let _c4 = laptop_dhcp(&behind, "eth0", &dir, "behind", "lab-laptop-2");
    let topo = wait_for("port-topology-changed on Gi1/0/3", 30, || {
        of(
            &events(&data),
            mark,
            EventType::PortTopologyChanged,
            "Gi1/0/3",
        )
        .into_iter()
        .next()
    });
    eprintln!("scenario 3: {}", event_line(0, &topo));
    std::thread::sleep(Duration::from_secs(3));
    let evs = events(&data);
    assert_eq!(
        of(&evs, mark, EventType::PortTopologyChanged, "Gi1/0/3").len(),
        1,
        "one port-topology-changed"
    );
    assert_eq!(
        topo.mac.as_deref(),
        Some(BEHIND_MAC),
        "the MAC that tipped it"
    );
    assert_eq!(topo.switch.as_deref(), Some("lab-sw"));
    for t in [EventType::DeviceSubstituted, EventType::DeviceDeparted] {
        assert!(
            of(&evs, mark, t, "Gi1/0/3").is_empty(),
            "a device behind a bridge is no {} on Gi1/0/3",
            t.as_str()
        );
    }
    // Port model v2: the device behind it is a resident of the port; it may appear (once),
    // unless the bridge announced itself (then the topology event covers it).
    assert!(
        of(&evs, mark, EventType::DeviceAppeared, "Gi1/0/3").len() <= 1,
        "at most one device-appeared on Gi1/0/3"
    );
    // Nothing fired elsewhere meanwhile.
    assert!(
        evs.iter().all(|(s, e)| *s <= mark || e.port == "Gi1/0/3"),
        "only Gi1/0/3 changed"
    );

    drop(s);
    let log = std::fs::read_to_string(config.with_extension("log")).unwrap_or_default();
    assert!(!log.contains("panicked"), "the sensor panicked:\n{log}");
    for (s, e) in events(&data) {
        eprintln!("all: {}", event_line(s, &e));
    }
}
