use super::*;

fn o(base: &[u32], idx: &[u32]) -> Vec<u32> {
    let mut v = base.to_vec();
    v.extend_from_slice(idx);
    v
}

fn col(entry: &[u32], c: u32, idx: &[u32]) -> Vec<u32> {
    let mut v = entry.to_vec();
    v.push(c);
    v.extend_from_slice(idx);
    v
}

fn s(x: &str) -> Value {
    Value::Str(x.as_bytes().to_vec())
}

/// A two-port switch: ifIndex 1 "Gi1/0/1", 2 "Gi1/0/2", 3 "Po1" (LAG); bridge ports 1..3.
fn base() -> Mib {
    let mut m = Mib::new();
    m.insert(oid::SYS_DESCR.to_vec(), s("Test switch"));
    m.insert(
        oid::SYS_OBJECT_ID.to_vec(),
        Value::Oid(vec![1, 3, 6, 1, 4, 1, 9, 1, 516]),
    );
    for (i, n) in [(1, "Gi1/0/1"), (2, "Gi1/0/2"), (3, "Po1")] {
        m.insert(o(oid::IF_NAME, &[i]), s(n));
        m.insert(o(oid::IF_DESCR, &[i]), s(&format!("GigabitEthernet{n}")));
        m.insert(
            o(oid::IF_TYPE, &[i]),
            Value::Int(if i == 3 { 161 } else { 6 }),
        );
        m.insert(o(oid::IF_OPER_STATUS, &[i]), Value::Int(1));
        m.insert(o(oid::IF_HIGH_SPEED, &[i]), Value::Gauge32(1000));
        m.insert(
            o(oid::DOT1D_BASE_PORT_IF_INDEX, &[i]),
            Value::Int(i64::from(i)),
        );
    }
    m
}

fn mac_idx(last: u32) -> Vec<u32> {
    vec![0, 0x1b, 0x54, 0, 0, last]
}

fn run(walked: &Walked) -> PortTable {
    build(
        SwitchInfo {
            name: "t".into(),
            ..SwitchInfo::default()
        },
        walked,
        &BuildOptions { edge_mac_limit: 3 },
    )
}

#[test]
fn fdb_maps_bridge_ports_and_keeps_vlans() {
    let mut m = base();
    // Q-BRIDGE: fdbId 5 is VLAN 20; fdbId 30 has no mapping (VLAN = fdbId).
    m.insert(o(oid::DOT1Q_VLAN_FDB_ID, &[0, 20]), Value::Gauge32(5));
    m.insert(
        o(oid::DOT1Q_TP_FDB_PORT, &[&[5][..], &mac_idx(1)].concat()),
        Value::Int(1),
    );
    m.insert(
        o(oid::DOT1Q_TP_FDB_PORT, &[&[30][..], &mac_idx(2)].concat()),
        Value::Int(2),
    );
    // The switch itself (port 0) and an invalid entry are skipped.
    m.insert(
        o(oid::DOT1Q_TP_FDB_PORT, &[&[5][..], &mac_idx(3)].concat()),
        Value::Int(0),
    );
    m.insert(
        o(oid::DOT1Q_TP_FDB_PORT, &[&[5][..], &mac_idx(4)].concat()),
        Value::Int(2),
    );
    m.insert(
        o(oid::DOT1Q_TP_FDB_STATUS, &[&[5][..], &mac_idx(4)].concat()),
        Value::Int(2),
    );
    // BRIDGE-MIB duplicate of a Q-BRIDGE entry (no VLAN): dropped in favour of the VLAN one.
    m.insert(o(oid::DOT1D_TP_FDB_PORT, &mac_idx(1)), Value::Int(1));
    // A bridge port with no interface: an anomaly, not a crash.
    m.insert(o(oid::DOT1D_TP_FDB_PORT, &mac_idx(9)), Value::Int(77));
    let t = run(&Walked {
        main: m,
        ..Walked::default()
    });
    let p1 = t.port(1).unwrap();
    assert_eq!(
        p1.macs,
        vec![MacEntry {
            mac: "00:1b:54:00:00:01".into(),
            vlan: Some(20)
        }]
    );
    assert_eq!(t.port(2).unwrap().macs[0].vlan, Some(30));
    assert_eq!(t.port(2).unwrap().macs.len(), 1);
    assert!(
        t.anomalies.iter().any(|a| a.contains("bridge port 77")),
        "{:?}",
        t.anomalies
    );
}

#[test]
fn per_vlan_contexts_give_macs_their_vlan() {
    let mut ctx = Mib::new();
    // In the VLAN 10 context bridge port 7 is ifIndex 2.
    ctx.insert(o(oid::DOT1D_BASE_PORT_IF_INDEX, &[7]), Value::Int(2));
    ctx.insert(o(oid::DOT1D_TP_FDB_PORT, &mac_idx(5)), Value::Int(7));
    let mut w = Walked {
        main: base(),
        ..Walked::default()
    };
    w.vlan_contexts.insert(10, ctx);
    let t = run(&w);
    assert_eq!(
        t.port(2).unwrap().macs,
        vec![MacEntry {
            mac: "00:1b:54:00:00:05".into(),
            vlan: Some(10)
        }]
    );
}

#[test]
fn uplink_rules_and_near_misses() {
    let mut m = base();
    let rem = |c: u32, lp: u32| col(oid::LLDP_REM_ENTRY, c, &[0, lp, 1]);
    // Port 1: an LLDP phone advertising bridge + telephone: not an uplink.
    m.insert(rem(4, 1), Value::Int(4));
    m.insert(rem(5, 1), Value::Str(vec![0, 0x1b, 0x54, 1, 1, 1]));
    m.insert(rem(9, 1), s("phone-1"));
    m.insert(rem(12, 1), Value::Str(vec![0x24, 0x00])); // bridge, telephone
    // Port 2: an LLDP neighbor that is a bridge and router: uplink.
    m.insert(rem(4, 2), Value::Int(4));
    m.insert(rem(5, 2), Value::Str(vec![0, 0x1b, 0x54, 2, 2, 2]));
    m.insert(rem(9, 2), s("dist-1"));
    m.insert(rem(12, 2), Value::Str(vec![0x28, 0x00])); // bridge, router
    m.insert(col(oid::LLDP_LOC_PORT_TABLE, 3, &[1]), s("Gi1/0/1"));
    m.insert(col(oid::LLDP_LOC_PORT_TABLE, 3, &[2]), s("Gi1/0/2"));
    // Port 3: exactly the edge limit of MACs: not crowded; one more makes it crowded (a switch
    // behind an edge port), never an uplink.
    for k in 0..3 {
        m.insert(o(oid::DOT1D_TP_FDB_PORT, &mac_idx(20 + k)), Value::Int(3));
    }
    let w = Walked {
        main: m.clone(),
        ..Walked::default()
    };
    let t = run(&w);
    let p1 = t.port(1).unwrap();
    assert_eq!(p1.neighbors[0].capabilities, vec!["bridge", "telephone"]);
    assert!(!p1.uplink);
    let p2 = t.port(2).unwrap();
    assert!(p2.uplink && p2.uplink_reason.as_deref().unwrap().contains("dist-1"));
    assert_eq!(
        p2.neighbors[0].chassis_id.as_deref(),
        Some("00:1b:54:02:02:02")
    );
    assert!(!t.port(3).unwrap().uplink);
    assert!(!t.port(3).unwrap().crowded);
    assert!(!t.partial);

    m.insert(o(oid::DOT1D_TP_FDB_PORT, &mac_idx(30)), Value::Int(3));
    let t = run(&Walked {
        main: m,
        partial: true,
        ..Walked::default()
    });
    assert!(!t.port(3).unwrap().uplink);
    assert!(t.port(3).unwrap().crowded);
    assert!(!t.port(2).unwrap().crowded, "an uplink is not crowded");
    assert!(t.partial);
}

#[test]
fn cdp_caps_decide_uplinks() {
    let mut m = base();
    let c = |k: u32, ifi: u32| col(oid::CDP_CACHE_ENTRY, k, &[ifi, 1]);
    // AP: trans-bridge + IGMP → edge.
    m.insert(c(6, 1), s("ap-1"));
    m.insert(c(8, 1), s("cisco AIR-CAP1602I-E-K9"));
    m.insert(c(9, 1), Value::Str(vec![0, 0, 0, 0x22]));
    m.insert(c(3, 1), Value::Int(1));
    m.insert(c(4, 1), Value::Str(vec![10, 0, 0, 5]));
    // Switch → uplink.
    m.insert(c(6, 2), s("access-2"));
    m.insert(c(9, 2), Value::Str(vec![0, 0, 0, 0x28]));
    let t = run(&Walked {
        main: m,
        ..Walked::default()
    });
    let ap = &t.port(1).unwrap().neighbors[0];
    assert_eq!(ap.capabilities, vec!["trans-bridge", "igmp"]);
    assert_eq!(ap.management_address.as_deref(), Some("10.0.0.5"));
    assert!(!t.port(1).unwrap().uplink);
    assert!(t.port(2).unwrap().uplink);
}

#[test]
fn poe_and_dot1x_are_joined_to_their_ports() {
    let mut m = base();
    let pe = |c: u32, g: u32, p: u32| col(oid::PETH_PSE_PORT_ENTRY, c, &[g, p]);
    // Cisco stack naming: group 1 port 2 is Gi1/0/2.
    m.insert(pe(3, 1, 2), Value::Int(1));
    m.insert(pe(6, 1, 2), Value::Int(3));
    m.insert(pe(10, 1, 2), Value::Int(4)); // class3
    // Group 2 port 9 matches nothing: an anomaly.
    m.insert(pe(6, 2, 9), Value::Int(2));
    let dx = |c: u32, p: u32| col(oid::DOT1X_AUTH_CONFIG_ENTRY, c, &[p]);
    m.insert(dx(1, 1), Value::Int(5));
    m.insert(dx(5, 1), Value::Int(1));
    m.insert(dx(6, 1), Value::Int(2));
    let t = run(&Walked {
        main: m,
        ..Walked::default()
    });
    assert_eq!(
        t.port(2).unwrap().poe,
        Some(Poe {
            admin_enabled: Some(true),
            status: Some("deliveringPower".into()),
            class: Some(3)
        })
    );
    assert!(t.anomalies.iter().any(|a| a.contains("PoE port 2.9")));
    assert_eq!(
        t.port(1).unwrap().dot1x,
        Some(Dot1x {
            pae_state: Some("authenticated".into()),
            port_status: Some("authorized".into()),
            port_control: Some("auto".into())
        })
    );
}

#[test]
fn cross_switch_macs_mark_uplinks() {
    let mut a = base();
    a.insert(o(oid::DOT1D_TP_FDB_PORT, &mac_idx(0x42)), Value::Int(1));
    let mut b = base();
    b.insert(
        oid::DOT1D_BASE_BRIDGE_ADDRESS.to_vec(),
        Value::Str(vec![0, 0x1b, 0x54, 0, 0, 0x42]),
    );
    let mut tables = vec![
        run(&Walked {
            main: a,
            ..Walked::default()
        }),
        run(&Walked {
            main: b,
            ..Walked::default()
        }),
    ];
    assert!(!tables[0].port(1).unwrap().uplink);
    mark_cross_switch_uplinks(&mut tables);
    assert!(tables[0].port(1).unwrap().uplink);
    assert!(!tables[1].port(1).unwrap().uplink);
}

#[test]
fn arp_from_both_tables_and_id_formats() {
    let mut m = base();
    m.insert(
        o(oid::IP_NET_TO_MEDIA_PHYS, &[1, 10, 0, 0, 9]),
        Value::Str(vec![0, 1, 2, 3, 4, 5]),
    );
    let mut v6 = vec![1, 2, 16];
    v6.extend([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    m.insert(
        o(oid::IP_NET_TO_PHYSICAL_PHYS, &v6),
        Value::Str(vec![0, 1, 2, 3, 4, 6]),
    );
    let t = run(&Walked {
        main: m,
        ..Walked::default()
    });
    assert_eq!(t.arp.len(), 2);
    assert!(
        t.arp
            .iter()
            .any(|a| a.ip == "10.0.0.9" && a.mac == "00:01:02:03:04:05")
    );
    assert!(t.arp.iter().any(|a| a.ip == "fe80::1"));
    assert_eq!(lldp_id(Some(5), &[1, 192, 0, 2, 1], true), "192.0.2.1");
    assert_eq!(display_bytes(b"Gi1/0/1\0"), "Gi1/0/1");
    assert_eq!(display_bytes(&[1, 2, 0xff]), "01:02:ff");
    assert_eq!(
        cdp_caps(&[0, 0, 0x04, 0x90]),
        vec!["host", "phone", "two-port-mac-relay"]
    );
}

#[test]
fn empty_walk_gives_no_ports_but_is_not_unreachable() {
    let t = run(&Walked::default());
    assert!(t.ports.is_empty());
    assert_eq!(t.status, super::super::table::Reachability::Ok);
}
