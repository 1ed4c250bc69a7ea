//! A phone with a PC behind it, live (issue 11): `cybriq run` on SPAN sessions of the netns lab
//! (`tests/netns_lab`), each desk a phone namespace (lldpd with LLDP-MED class 3 on `eth0`,
//! dhclient on its bridge) with a PC port (`Lab::pc_port`) and a PC namespace behind it, each
//! desk's SPAN session attributed with a static `tap`:
//!
//! - Gi1/0/1: the phone boots first (LLDP, then DHCP), the PC (dhclient, a Linux laptop's
//!   request) once the sensor has attributed the phone;
//! - Gi1/0/2: the PC (BusyBox udhcpc) boots first, the phone once the PC is attributed.
//!
//! Then each PC "goes home" (its client stopped, its link down for 15 s) and comes back.
//! Expected, written before the run: exactly one `device-appeared` per device (four), and no
//! other event at all: two residents of a port are neither a substitution nor a topology
//! change, whichever spoke first, and a PC leaving and returning is recorded, not paged.
//!
//! lldpd transmits every second; dhclient and udhcpc send a DISCOVER every 1-2 s (no DHCP
//! server). Needs root, `ip`, `tc`, `lldpd`, `dhclient` and `udhcpc` (scripts/setup.sh); skipped
//! with a message without them, except under CI. Needs engine v2.

mod netns_lab;
mod snmp_support;

use std::path::Path;
use std::time::Duration;

use cybriq::event::{Event, EventType};
use netns_lab::{
    Diagnostics, Lab, Lldpd, Proc, device, dhclient_conf, event_line, events, sensor, udhcpc,
    wait_for,
};

const TEST: &str = "engine_live_desk";
const PHONE_A: &str = "00:1b:54:ab:d1:01";
const PC_A: &str = "d4:be:d9:ab:d1:11";
const PHONE_B: &str = "00:1b:54:ab:d2:01";
const PC_B: &str = "d4:be:d9:ab:d2:11";

const DHCP_TIMERS: &str = "timeout 600; retry 1; initial-interval 1; backoff-cutoff 2;\n";

fn phone_lldp(ns: &str, dir: &Path) -> Proc {
    Lldpd {
        descr: "Cisco IP Phone CP-8851",
        med: Some(3),
        tx_interval: Some(1),
        inventory: &[
            ("software-revision", "sip88xx.14-2-1-0001-14"),
            ("model", "CP-8851"),
            ("manufacturer", "Cisco Systems, Inc."),
        ],
    }
    .start(ns, dir)
}

fn phone_dhcp(ns: &str, dir: &Path, tag: &str, host: &str) -> Proc {
    let conf = format!(
        "send host-name \"{host}\";\n\
         send vendor-class-identifier \"Cisco Systems, Inc. IP Phone CP-8851\";\n\
         request subnet-mask, routers, domain-name-servers, tftp-server-name;\n\
         {DHCP_TIMERS}"
    );
    dhclient_conf(ns, "br0", dir, tag, &conf)
}

fn laptop_dhcp(ns: &str, dir: &Path, tag: &str) -> Proc {
    let conf = format!(
        "send host-name \"lab-pc\";\n\
         request subnet-mask, broadcast-address, time-offset, routers, domain-name,\n\
         \x20 domain-name-servers, domain-search, host-name, ntp-servers, interface-mtu;\n\
         {DHCP_TIMERS}"
    );
    dhclient_conf(ns, "eth0", dir, tag, &conf)
}

/// Stops a PC's DHCP client and takes its link down for 15 s (it went home), then up again.
fn away_and_back(ns: &str, client: Proc) {
    client.stop();
    netns_lab::run_in(ns, &["ip", "link", "set", "eth0", "down"]);
    std::thread::sleep(Duration::from_secs(15));
    netns_lab::run_in(ns, &["ip", "link", "set", "eth0", "up"]);
}

#[test]
fn phone_with_a_pc_behind_it_in_both_boot_orders() {
    if !netns_lab::ready(TEST, &["ip", "tc", "lldpd", "dhclient", "udhcpc"]) {
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("engine-live-desk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data");
    let config = dir.join("sensor.toml");

    let mut lab = Lab::new();
    let span_a = lab.add_span();
    let span_b = lab.add_span();
    let phone_a = lab.plug_to(1, PHONE_A, 1);
    let phone_b = lab.plug_to(2, PHONE_B, 2);
    let pc_a = lab.pc_port(&phone_a, PHONE_A, &format!("cbq-d1pc-{}", lab.id), PC_A);
    let pc_b = lab.pc_port(&phone_b, PHONE_B, &format!("cbq-d2pc-{}", lab.id), PC_B);
    std::fs::write(
        &config,
        format!(
            r#"
[sensor]
site = "lab"
hostname = "sensor-lab"
data_dir = "{data}"

[[capture]]
interface = "{span_a}"
tap = {{ switch = "lab-sw", port = "Gi1/0/1" }}

[[capture]]
interface = "{span_b}"
tap = {{ switch = "lab-sw", port = "Gi1/0/2" }}

[dna]
learning_window = "10s"

[[port_profile]]
name = "desks"
switch = "lab-sw"
ports = ["Gi1/0/1-2"]
max_macs = 2
"#,
            data = data.display(),
        ),
    )
    .unwrap();
    let _diag = Diagnostics {
        test: TEST,
        data: data.clone(),
        log: config.with_extension("log"),
    };
    let s = sensor(&config);

    // Gi1/0/1: the phone first; Gi1/0/2: the PC first.
    let _la = phone_lldp(&phone_a, &dir);
    let _ca = phone_dhcp(&phone_a, &dir, "phone-a", "SEP001B54ABD101");
    let pcb_client = udhcpc(&pc_b, "eth0", "lab-pc-b");
    for (mac, port) in [(PHONE_A, "Gi1/0/1"), (PC_B, "Gi1/0/2")] {
        let (sw, p, _) = wait_for(&format!("{mac} attributed"), 60, || device(&data, mac));
        assert_eq!((sw.as_str(), p.as_str()), ("lab-sw", port), "{mac}");
    }
    let pca_client = laptop_dhcp(&pc_a, &dir, "pc-a");
    let _lb = phone_lldp(&phone_b, &dir);
    let _cb = phone_dhcp(&phone_b, &dir, "phone-b", "SEP001B54ABD201");
    for (mac, port) in [(PC_A, "Gi1/0/1"), (PHONE_B, "Gi1/0/2")] {
        let (sw, p, _) = wait_for(&format!("{mac} attributed"), 60, || device(&data, mac));
        assert_eq!((sw.as_str(), p.as_str()), ("lab-sw", port), "{mac}");
    }
    // Each device appears once it is mature (at most the settle window after its first
    // frame).
    let appeared = |evs: &[(i64, Event)], mac: &str| {
        evs.iter()
            .filter(|(_, e)| e.event == EventType::DeviceAppeared && e.mac.as_deref() == Some(mac))
            .count()
    };
    wait_for("four device-appeared", 300, || {
        let evs = events(&data);
        [PHONE_A, PC_A, PHONE_B, PC_B]
            .iter()
            .all(|m| appeared(&evs, m) > 0)
            .then_some(())
    });

    // The PCs go home and come back.
    away_and_back(&pc_a, pca_client);
    let _pca = laptop_dhcp(&pc_a, &dir, "pc-a-2");
    away_and_back(&pc_b, pcb_client);
    let _pcb = udhcpc(&pc_b, "eth0", "lab-pc-b");
    std::thread::sleep(Duration::from_secs(20));

    let evs = events(&data);
    for (s, e) in &evs {
        eprintln!("{TEST}: {}", event_line(*s, e));
    }
    for (mac, port) in [
        (PHONE_A, "Gi1/0/1"),
        (PC_A, "Gi1/0/1"),
        (PHONE_B, "Gi1/0/2"),
        (PC_B, "Gi1/0/2"),
    ] {
        assert_eq!(appeared(&evs, mac), 1, "one device-appeared for {mac}");
        assert!(
            evs.iter()
                .any(|(_, e)| e.mac.as_deref() == Some(mac) && e.port == port),
            "{mac} on {port}"
        );
    }
    let other: Vec<String> = evs
        .iter()
        .filter(|(_, e)| e.event != EventType::DeviceAppeared)
        .map(|(s, e)| event_line(*s, e))
        .collect();
    assert!(
        other.is_empty(),
        "no drift event beyond the appearances:\n{}",
        other.join("\n")
    );
    assert_eq!(evs.len(), 4, "four events");

    drop(s);
    let log = std::fs::read_to_string(config.with_extension("log")).unwrap_or_default();
    assert!(!log.contains("panicked"), "the sensor panicked:\n{log}");
}
