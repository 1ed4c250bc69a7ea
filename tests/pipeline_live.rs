//! `cybriq run` on a simulated SPAN port, with real devices and a real SNMP agent.
//!
//! The test builds, in network namespaces it creates (and removes, even when it fails):
//! device namespaces each with one veth into a "switch" namespace, where `tc mirred` mirrors
//! every frame the devices send onto `span0` — a SPAN session (the `u32` classifier matching
//! everything: some kernels lack `matchall`). `span0`'s peer lives in the root
//! namespace, where `cybriq run` captures it. The devices are real: `lldpd` (LLDP-MED with
//! `-M`, a description with `-S`) and `dhclient`. snmpsim serves `lab-sw`, a small recording
//! written for this test (tests/data/snmp/synthetic/lab-sw.snmprec) whose Q-BRIDGE FDB puts the
//! devices' MACs on Gi1/0/1–3 and 40 MACs on the uplink Gi1/0/48, so the sensor must attribute
//! each device through the FDB. The test reads the sensor's SQLite database to see what it
//! learned, changes the devices (new firmware description, a device added) and finally kills
//! the sensor with SIGKILL at random moments and restarts it, checking that the database is
//! never corrupt and that the ports' baselines survive.
//!
//! The lab (namespaces, SPAN mirroring, lldpd, dhclient, the sensor) is `tests/netns_lab`,
//! shared with `engine_live`.
//!
//! Needs root, `ip`, `tc`, `lldpd`, `dhclient` and snmpsim (scripts/setup.sh and
//! scripts/setup-snmpsim.sh install them). Without them the test is skipped with a message,
//! except under CI (`CI=true`), where it fails.

mod netns_lab;
mod snmp_support;

use std::path::Path;
use std::time::Duration;

use netns_lab::{Lab, db, device, dhclient, lldpd, sensor, wait_for};

const DEV1_MAC: &str = "00:04:0d:ab:cd:01";
const DEV2_MAC: &str = "00:1b:54:ab:cd:02";

#[test]
fn span_devices_are_attributed_through_the_fdb_and_survive_kill_9() {
    const TEST: &str = "pipeline_live";
    if !netns_lab::ready(TEST, &["ip", "tc", "lldpd", "dhclient"]) {
        return;
    }
    let Some(sim) = netns_lab::snmpsim(TEST) else {
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("pipeline-live-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut lab = Lab::new();
    let config = dir.join("sensor.toml");
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

[[switch]]
name = "lab-sw"
address = "127.0.0.1:{port}"
version = "2c"
community = "lab-sw"
poll_interval_secs = 10
"#,
            data = dir.join("data").display(),
            span = lab.span(0),
            port = sim.port,
        ),
    )
    .unwrap();
    let data = dir.join("data");

    // One phone-like device: LLDP-MED and DHCP.
    let d1 = lab.plug(1, DEV1_MAC);
    let mut s = sensor(&config);
    let mut l1 = lldpd(&d1, &dir, "Avaya 9611G SIP 7.1.2.0.14");
    let _c1 = dhclient(&d1, &dir);
    let (sw, port, dna1) = wait_for("device 1 attributed", 60, || device(&data, DEV1_MAC));
    assert_eq!(
        (sw.as_str(), port.as_str()),
        ("lab-sw", "Gi1/0/1"),
        "FDB attribution"
    );

    // Firmware update: lldpd restarted with a new description; the stored DNA changes.
    drop(l1);
    l1 = lldpd(&d1, &dir, "Avaya 9611G SIP 7.2.0.5");
    let dna1b = wait_for("device 1 DNA to change", 60, || {
        device(&data, DEV1_MAC).and_then(|(_, _, d)| (d != dna1).then_some(d))
    });
    assert_ne!(dna1, dna1b);

    // A second device plugged in.
    let d2 = lab.plug(2, DEV2_MAC);
    let _l2 = lldpd(&d2, &dir, "Linux lab-camera 6.1.0 armv7l");
    let (_, port2, _) = wait_for("device 2 attributed", 60, || device(&data, DEV2_MAC));
    assert_eq!(port2, "Gi1/0/2");

    // The timeline holds both devices.
    let n: i64 = db(&data)
        .query_row("SELECT COUNT(DISTINCT mac) FROM observations", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(n >= 2, "timeline rows for {n} devices");

    // SIGKILL at random moments, restart each time: never corrupt, baselines kept.
    // Port model v2 keeps every resident's baselines in `baseline_meta`; quiet state is
    // flushed once a minute, state that raised an event with the event.
    wait_for("port state stored", 120, || {
        let n: i64 = db(&data)
            .query_row(
                "SELECT COUNT(*) FROM port_state WHERE baseline_meta IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .ok()?;
        (n >= 1).then_some(())
    });
    let mut rng = fastrand::Rng::with_seed(u64::from(std::process::id()));
    for round in 0..6 {
        std::thread::sleep(Duration::from_millis(rng.u64(200..2500)));
        let _ = s.0.kill();
        let _ = s.0.wait();
        let ok: String = db(&data)
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok", "integrity after SIGKILL {round}");
        let before: Vec<(String, String, String)> = {
            let c = db(&data);
            let mut st = c
                .prepare("SELECT switch, port, baseline_meta FROM port_state WHERE baseline_meta IS NOT NULL ORDER BY switch, port")
                .unwrap();
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        assert!(!before.is_empty(), "baselines survive SIGKILL {round}");
        s = sensor(&config);
        // The restarted sensor logs how many port states it restored.
        let log = config.with_extension("log");
        wait_for("restart to restore the port states", 30, || {
            let text = std::fs::read_to_string(&log).ok()?;
            let count = text.matches("port states restored").count();
            (count == round + 2).then_some(())
        });
    }
    drop(s);
    drop(l1);
    let text = std::fs::read_to_string(config.with_extension("log")).unwrap_or_default();
    assert!(!text.contains("panicked"), "the sensor panicked:\n{text}");
}
