//! The port-table builder on the recordings themselves (no network): every FDB entry mapped to
//! its port name, every LLDP and CDP neighbor and the sysDescr agree with what Net-SNMP walked
//! from the same recordings (`tests/data/snmp/expected-walks/`).

mod snmp_support;

use cybriq::snmp::{BuildOptions, Mib, SwitchInfo, Walked, build_port_table};
use snmp_support::{RECORDINGS, assert_agrees, recording};

fn offline(name: &str) -> cybriq::snmp::PortTable {
    let walked = Walked {
        main: recording(name).into_iter().collect::<Mib>(),
        ..Walked::default()
    };
    build_port_table(
        SwitchInfo {
            name: name.into(),
            ..SwitchInfo::default()
        },
        &walked,
        &BuildOptions::default(),
    )
}

#[test]
fn every_recording_agrees_with_its_expected_walk() {
    for name in RECORDINGS {
        let t = offline(name);
        assert_agrees(name, &t);
    }
}

#[test]
fn identity_and_uplinks_of_the_recordings() {
    let t = offline("cisco-c3750");
    assert_eq!(t.switch.model.as_deref(), Some("WS-C3750G-12S-S"));
    assert!(t.switch.serial.is_some());
    // Gi1/0/12 carries CDP neighbors that are switches and routers: an uplink.
    let p = t.port_by_name("Gi1/0/12").unwrap();
    assert!(p.uplink, "{p:?}");
    // The AP-only port Gi1/0/1 (Aironet access points, trans-bridge) is not.
    let ap = t.port_by_name("Gi1/0/1").unwrap();
    assert!(
        ap.neighbors
            .iter()
            .all(|n| n.platform.as_deref().is_some_and(|p| p.contains("AIR-")))
    );
    assert!(!ap.uplink, "{ap:?}");

    let a = offline("arista-dcs-7150s-52-cl");
    assert_eq!(a.switch.model.as_deref(), Some("DCS-7150S-52-CL"));
    let lldp_ports: Vec<_> = a.ports.iter().filter(|p| !p.neighbors.is_empty()).collect();
    assert!(!lldp_ports.is_empty() && lldp_ports.iter().all(|p| p.uplink));
    assert!(!a.arp.is_empty());

    let hp = offline("hpe-procurve-516733-b21");
    assert!(
        hp.ports
            .iter()
            .any(|p| p.macs.iter().any(|m| m.vlan.is_some()))
    );
    assert!(hp.ports.iter().any(|p| p.dot1x.is_some()));

    let c3560 = offline("cisco-c3560");
    assert!(
        c3560.ports.iter().any(|p| p.dot1x.is_some()),
        "802.1X state"
    );
    assert!(!c3560.arp.is_empty());
}

#[test]
fn json_round_trip() {
    for name in RECORDINGS {
        let t = offline(name);
        let j = serde_json::to_string(&t).unwrap();
        let back: cybriq::snmp::PortTable = serde_json::from_str(&j).unwrap();
        assert_eq!(back.ports, t.ports);
        assert_eq!(back.switch, t.switch);
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        for k in ["switch", "ports", "arp", "anomalies"] {
            assert!(v.get(k).is_some(), "{k}");
        }
        for k in ["name", "sys_descr", "sys_object_id", "model", "serial"] {
            assert!(v["switch"].get(k).is_some(), "switch.{k}");
        }
        let p = &v["ports"][0];
        for k in [
            "if_index",
            "name",
            "descr",
            "alias",
            "oper_status",
            "speed_mbps",
            "macs",
            "neighbors",
            "poe",
            "dot1x",
            "uplink",
        ] {
            assert!(p.get(k).is_some(), "ports[].{k}");
        }
    }
}
