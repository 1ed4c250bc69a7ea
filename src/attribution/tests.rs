//! Unit tests of the attribution rules, their precedence and the waiting queue.

use std::net::Ipv4Addr;

use super::option82::{Circuit, RemoteId, decode_circuit_id, decode_remote_id};
use super::*;
use crate::clock::Timestamp;
use crate::observe::{Arp, Cdp, Dhcp, Lldp};
use crate::snmp::{MacEntry, Neighbor, Port, SwitchInfo};
use crate::wire::MacAddr;

fn mac(s: &str) -> MacAddr {
    s.parse().unwrap()
}

fn base(m: Option<&str>, vlans: &[u16], signal: Signal) -> Observation {
    Observation {
        ts: Timestamp(1_700_000_000_000_000),
        mac: m.map(mac),
        src_mac: m.map(mac),
        vlans: vlans.to_vec(),
        ip_ttl: None,
        anomalies: 0,
        signal,
    }
}

fn arp(m: &str, vlans: &[u16]) -> Observation {
    base(Some(m), vlans, Signal::Arp(Arp::default()))
}

fn lldp(src: &str, chassis: (u8, &str), port: (u8, &str)) -> Observation {
    base(
        Some(src),
        &[],
        Signal::Lldp(Lldp {
            chassis_id: Some((chassis.0, chassis.1.into())),
            port_id: Some((port.0, port.1.into())),
            ..Lldp::default()
        }),
    )
}

fn cdp(src: &str, device: &str, port: &str) -> Observation {
    base(
        Some(src),
        &[],
        Signal::Cdp(Cdp {
            device_id: Some(device.into()),
            port_id: Some(port.into()),
            ..Cdp::default()
        }),
    )
}

fn dhcp(src: &str, chaddr: &str, circuit: Option<&[u8]>, remote: Option<&[u8]>) -> Observation {
    let mut o = base(
        Some(chaddr),
        &[],
        Signal::Dhcp(Dhcp {
            from_client: true,
            message_type: Some(1),
            xid: 7,
            chaddr: Some(mac(chaddr)),
            client_id: None,
            hostname: None,
            vendor_class: None,
            prl: Vec::new(),
            options_order: Vec::new(),
            max_message_size: None,
            requested_ip: None,
            ciaddr: Ipv4Addr::UNSPECIFIED,
            yiaddr: Ipv4Addr::UNSPECIFIED,
            giaddr: Ipv4Addr::new(10, 0, 0, 1),
            user_class: Vec::new(),
            fqdn: None,
            circuit_id: circuit.map(<[u8]>::to_vec),
            remote_id: remote.map(<[u8]>::to_vec),
        }),
    );
    o.src_mac = Some(mac(src));
    o
}

fn port(if_index: u32, name: &str, macs: &[(&str, Option<u16>)]) -> Port {
    Port {
        if_index,
        name: name.into(),
        descr: None,
        macs: macs
            .iter()
            .map(|(m, v)| MacEntry {
                mac: (*m).into(),
                vlan: *v,
            })
            .collect(),
        ..Port::default()
    }
}

fn uplink(mut p: Port) -> Port {
    p.uplink = true;
    p.uplink_reason = Some("test".into());
    p
}

fn table(name: &str, ports: Vec<Port>) -> PortTable {
    PortTable {
        switch: SwitchInfo {
            name: name.into(),
            ..SwitchInfo::default()
        },
        ports,
        ..PortTable::default()
    }
}

fn neighbor(protocol: &str, chassis: &str, port_id: &str) -> Neighbor {
    Neighbor {
        protocol: protocol.into(),
        chassis_id: Some(chassis.into()),
        port_id: Some(port_id.into()),
        ..Neighbor::default()
    }
}

fn at(a: &Option<Attributed>) -> Option<(String, String, Via)> {
    a.as_ref()
        .map(|a| (a.port.switch.clone(), a.port.port.clone(), a.via))
}

fn want(s: &str, p: &str, via: Via) -> Option<(String, String, Via)> {
    Some((s.into(), p.into(), via))
}

const DEV: &str = "00:1b:54:00:00:01";
const DEV2: &str = "00:1b:54:00:00:02";

#[test]
fn tap_map_wins_over_every_table() {
    let mut a = Attributor::new(
        vec![
            TapRule {
                interface: "span0".into(),
                vlan: None,
                port: PortRef::new("tap-sw", "Gi9/0/1"),
            },
            TapRule {
                interface: "span0".into(),
                vlan: Some(20),
                port: PortRef::new("tap-sw", "Gi9/0/20"),
            },
        ],
        100,
    );
    a.update(&table("sw1", vec![port(1, "Gi1/0/1", &[(DEV, None)])]));
    assert_eq!(
        at(&a.attribute("span0", arp(DEV, &[]))),
        want("tap-sw", "Gi9/0/1", Via::Tap)
    );
    // The outermost tag decides.
    assert_eq!(
        at(&a.attribute("span0", arp(DEV, &[20, 30]))),
        want("tap-sw", "Gi9/0/20", Via::Tap)
    );
    assert_eq!(
        at(&a.attribute("span0", arp(DEV, &[30, 20]))),
        want("tap-sw", "Gi9/0/1", Via::Tap)
    );
    // Another interface: no tap, the FDB answers.
    assert_eq!(
        at(&a.attribute("span1", arp(DEV, &[]))),
        want("sw1", "Gi1/0/1", Via::Fdb)
    );
    let st = a.stats();
    assert_eq!((st.tap, st.fdb, st.pending), (3, 1, 0));
}

#[test]
fn neighbor_table_wins_over_fdb_and_normalises_mac_chassis_ids() {
    let mut a = Attributor::new(Vec::new(), 100);
    let mut p7 = port(7, "Gi1/0/7", &[]);
    // The SNMP table renders the chassis MAC as a spaced upper-case hex string.
    p7.neighbors
        .push(neighbor("lldp", "00 1B 54 00 00 01", "Gi0/1"));
    let mut p8 = port(8, "Gi1/0/8", &[]);
    p8.neighbors
        .push(neighbor("lldp", "001b.5400.0002", "eth0"));
    let mut p9 = port(9, "Gi1/0/9", &[]);
    p9.neighbors
        .push(neighbor("cdp", "SEP001B54000003", "Port 1"));
    a.update(&table(
        "sw1",
        vec![port(1, "Gi1/0/1", &[(DEV, None), (DEV2, None)]), p7, p8, p9],
    ));
    // The source MAC is in the FDB on Gi1/0/1, yet the neighbor entry names Gi1/0/7.
    assert_eq!(
        at(&a.attribute("span0", lldp(DEV, (4, DEV), (5, "gi0/1")))),
        want("sw1", "Gi1/0/7", Via::Neighbor)
    );
    assert_eq!(
        at(&a.attribute("span0", lldp(DEV2, (4, "00:1B:54:00:00:02"), (7, "eth0")))),
        want("sw1", "Gi1/0/8", Via::Neighbor)
    );
    assert_eq!(
        at(&a.attribute(
            "span0",
            cdp("00:1b:54:00:00:03", "sep001b54000003", "Port 1")
        )),
        want("sw1", "Gi1/0/9", Via::Neighbor)
    );
    // Same chassis, another port ID: not that neighbor; the FDB places it.
    assert_eq!(
        at(&a.attribute("span0", lldp(DEV, (4, DEV), (5, "gi0/2")))),
        want("sw1", "Gi1/0/1", Via::Fdb)
    );
    // An LLDP key never matches a CDP entry.
    assert_eq!(
        at(&a.attribute(
            "span0",
            lldp("00:1b:54:00:00:03", (7, "SEP001B54000003"), (7, "Port 1"))
        )),
        None
    );
}

#[test]
fn neighbor_on_an_uplink_still_names_that_port() {
    let mut a = Attributor::new(Vec::new(), 100);
    let mut p = uplink(port(49, "Te1/1/1", &[]));
    p.neighbors
        .push(neighbor("cdp", "core-1.example", "Te2/0/1"));
    a.update(&table("sw1", vec![p]));
    assert_eq!(
        at(&a.attribute("span0", cdp(DEV, "CORE-1.example", "Te2/0/1"))),
        want("sw1", "Te1/1/1", Via::Neighbor)
    );
}

#[test]
fn fdb_prefers_the_entry_in_the_frames_vlan() {
    let mut a = Attributor::new(Vec::new(), 100);
    a.update(&table(
        "sw1",
        vec![
            port(1, "Gi1/0/1", &[(DEV, Some(10))]),
            port(2, "Gi1/0/2", &[(DEV, Some(20))]),
        ],
    ));
    assert_eq!(
        at(&a.attribute("s", arp(DEV, &[20]))),
        want("sw1", "Gi1/0/2", Via::Fdb)
    );
    assert_eq!(
        at(&a.attribute("s", arp(DEV, &[10]))),
        want("sw1", "Gi1/0/1", Via::Fdb)
    );
    // Untagged, or in a VLAN no entry has: still placed (deterministically).
    assert_eq!(
        at(&a.attribute("s", arp(DEV, &[]))),
        want("sw1", "Gi1/0/1", Via::Fdb)
    );
    assert_eq!(
        at(&a.attribute("s", arp(DEV, &[99]))),
        want("sw1", "Gi1/0/1", Via::Fdb)
    );
}

#[test]
fn uplinks_are_never_edge_locations() {
    let mut a = Attributor::new(Vec::new(), 100);
    // sw2 is updated last, yet the MAC is behind its uplink: sw1's edge port wins.
    a.update(&table("sw1", vec![port(3, "Gi1/0/3", &[(DEV, Some(10))])]));
    a.update(&table(
        "sw2",
        vec![uplink(port(
            49,
            "Te1/1/1",
            &[(DEV, Some(10)), (DEV2, Some(10))],
        ))],
    ));
    assert_eq!(
        at(&a.attribute("s", arp(DEV, &[10]))),
        want("sw1", "Gi1/0/3", Via::Fdb)
    );
    // Known only behind an uplink: not attributed, it waits.
    assert_eq!(at(&a.attribute("s", arp(DEV2, &[10]))), None);
    assert_eq!(a.stats().pending, 1);
    // Even a VLAN match on the uplink does not beat the edge entry in another VLAN.
    a.update(&table(
        "sw2",
        vec![uplink(port(49, "Te1/1/1", &[(DEV, Some(30))]))],
    ));
    assert_eq!(
        at(&a.attribute("s", arp(DEV, &[30]))),
        want("sw1", "Gi1/0/3", Via::Fdb)
    );
}

#[test]
fn a_moved_mac_goes_to_the_most_recent_table() {
    let mut a = Attributor::new(Vec::new(), 100);
    let t1 = table("sw1", vec![port(3, "Gi1/0/3", &[(DEV, None)])]);
    let t2 = table("sw2", vec![port(5, "ge-0/0/5", &[(DEV, None)])]);
    a.update(&t1);
    a.update(&t2);
    assert_eq!(
        at(&a.attribute("s", arp(DEV, &[]))),
        want("sw2", "ge-0/0/5", Via::Fdb)
    );
    a.update(&t1);
    assert_eq!(
        at(&a.attribute("s", arp(DEV, &[]))),
        want("sw1", "Gi1/0/3", Via::Fdb)
    );
    // sw1 forgets it: sw2's (older) entry is all that is left.
    a.update(&table("sw1", vec![port(3, "Gi1/0/3", &[])]));
    assert_eq!(
        at(&a.attribute("s", arp(DEV, &[]))),
        want("sw2", "ge-0/0/5", Via::Fdb)
    );
    // Within one table, the port with fewer MACs behind it.
    a.update(&table(
        "sw3",
        vec![
            port(1, "Gi1/0/1", &[(DEV2, None), ("00:1b:54:00:00:09", None)]),
            port(2, "Gi1/0/2", &[(DEV2, None)]),
        ],
    ));
    assert_eq!(
        at(&a.attribute("s", arp(DEV2, &[]))),
        want("sw3", "Gi1/0/2", Via::Fdb)
    );
}

#[test]
fn relayed_dhcp_is_placed_by_chaddr_not_by_the_relays_source_mac() {
    let router = "00:00:0c:9f:f0:01";
    let mut a = Attributor::new(Vec::new(), 100);
    a.update(&table(
        "sw1",
        vec![
            port(2, "Gi1/0/2", &[(DEV, None)]),
            uplink(port(49, "Gi1/0/49", &[(router, None)])),
        ],
    ));
    assert_eq!(
        at(&a.attribute("s", dhcp(router, DEV, None, None))),
        want("sw1", "Gi1/0/2", Via::Fdb)
    );
}

#[test]
fn fdb_wins_over_option_82_and_option_82_places_what_the_fdb_does_not_know() {
    let mut a = Attributor::new(Vec::new(), 100);
    a.update(&table(
        "sw1",
        vec![
            port(2, "Gi1/0/2", &[(DEV, None)]),
            port(24, "Gi1/0/24", &[]),
        ],
    ));
    let circuit: &[u8] = &[0, 4, 0, 10, 1, 24];
    assert_eq!(
        at(&a.attribute("s", dhcp(DEV, DEV, Some(circuit), None))),
        want("sw1", "Gi1/0/2", Via::Fdb)
    );
    assert_eq!(
        at(&a.attribute("s", dhcp(DEV2, DEV2, Some(circuit), None))),
        want("sw1", "Gi1/0/24", Via::Option82)
    );
    let st = a.stats();
    assert_eq!((st.fdb, st.option82), (1, 1));
}

#[test]
fn waiting_observations_are_released_in_arrival_order_when_a_table_learns_their_mac() {
    let mut a = Attributor::new(Vec::new(), 100);
    assert!(a.attribute("s", arp(DEV, &[])).is_none());
    assert!(a.attribute("s", arp(DEV2, &[])).is_none());
    assert!(a.attribute("s", arp(DEV, &[])).is_none());
    assert_eq!(a.stats().pending, 3);
    // A table that does not know DEV2 releases only DEV's two.
    let out = a.update(&table("sw1", vec![port(4, "Gi1/0/4", &[(DEV, None)])]));
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|o| o.port == PortRef::new("sw1", "Gi1/0/4")));
    assert!(out.iter().all(|o| o.observation.mac == Some(mac(DEV))));
    assert_eq!(a.stats().pending, 1);
    // DEV2 behind an uplink still waits; on an edge port it is released.
    assert!(
        a.update(&table(
            "sw2",
            vec![uplink(port(1, "Gi0/1", &[(DEV2, None)]))]
        ))
        .is_empty()
    );
    let out = a.update(&table("sw3", vec![port(5, "Gi0/5", &[(DEV2, None)])]));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].port, PortRef::new("sw3", "Gi0/5"));
    let st = a.stats();
    assert_eq!((st.pending, st.released, st.fdb, st.evicted), (0, 3, 3, 0));
}

#[test]
fn released_observations_keep_global_arrival_order_across_macs() {
    let mut a = Attributor::new(Vec::new(), 100);
    let order = [DEV, DEV2, DEV, DEV2];
    for (i, m) in order.iter().enumerate() {
        let mut o = arp(m, &[]);
        o.ts = Timestamp(i as i64);
        assert!(a.attribute("s", o).is_none());
    }
    let out = a.update(&table(
        "sw1",
        vec![
            port(1, "Gi0/1", &[(DEV, None)]),
            port(2, "Gi0/2", &[(DEV2, None)]),
        ],
    ));
    let ts: Vec<i64> = out.iter().map(|o| o.observation.ts.0).collect();
    assert_eq!(ts, vec![0, 1, 2, 3]);
}

#[test]
fn pending_is_bounded_oldest_first_and_counts_evictions() {
    let mut a = Attributor::with_per_mac_bound(Vec::new(), 3, 2);
    let macs = [
        "00:1b:54:00:00:0a",
        "00:1b:54:00:00:0b",
        "00:1b:54:00:00:0c",
        "00:1b:54:00:00:0d",
    ];
    for m in macs {
        assert!(a.attribute("s", arp(m, &[])).is_none());
    }
    let st = a.stats();
    assert_eq!((st.pending, st.evicted), (3, 1));
    // The oldest (0a) went: a table that knows every MAC releases only the other three.
    let all: Vec<(&str, Option<u16>)> = macs.iter().map(|m| (*m, None)).collect();
    let out = a.update(&table("sw1", vec![port(1, "Gi0/1", &all)]));
    let released: Vec<String> = out
        .iter()
        .map(|o| o.observation.mac.unwrap().to_string())
        .collect();
    assert_eq!(released, macs[1..].to_vec());

    // Per MAC: at most 2 wait, the MAC's oldest is evicted.
    let mut a = Attributor::with_per_mac_bound(Vec::new(), 100, 2);
    for i in 0..5 {
        let mut o = arp(DEV, &[]);
        o.ts = Timestamp(i);
        assert!(a.attribute("s", o).is_none());
    }
    assert_eq!((a.stats().pending, a.stats().evicted), (2, 3));
    let out = a.update(&table("sw1", vec![port(1, "Gi0/1", &[(DEV, None)])]));
    let ts: Vec<i64> = out.iter().map(|o| o.observation.ts.0).collect();
    assert_eq!(ts, vec![3, 4]);

    // A zero bound keeps nothing.
    let mut a = Attributor::new(Vec::new(), 0);
    assert!(a.attribute("s", arp(DEV, &[])).is_none());
    assert_eq!((a.stats().pending, a.stats().evicted), (0, 1));
}

#[test]
fn waiting_observations_expire_by_age_oldest_first() {
    let mut a = Attributor::new(Vec::new(), 100);
    for (m, t) in [
        ("00:1b:54:00:00:0a", 10),
        ("00:1b:54:00:00:0b", 20),
        ("00:1b:54:00:00:0a", 30),
        ("00:1b:54:00:00:0c", 40),
    ] {
        let mut o = arp(m, &[]);
        o.ts = Timestamp(t);
        assert!(a.attribute("s", o).is_none());
    }
    assert_eq!(a.expire(Timestamp(5)), 0);
    assert_eq!(a.expire(Timestamp(31)), 3);
    assert_eq!((a.stats().pending, a.stats().evicted), (1, 3));
    // What is left is still released by a table that places it.
    let out = a.update(&table(
        "sw1",
        vec![port(1, "Gi0/1", &[("00:1b:54:00:00:0c", None)])],
    ));
    assert_eq!(out.len(), 1);
    assert_eq!(a.expire(Timestamp(i64::MAX)), 0);
}

#[test]
fn observations_without_a_mac_are_not_kept() {
    let mut a = Attributor::new(Vec::new(), 10);
    assert!(
        a.attribute("s", base(None, &[], Signal::Arp(Arp::default())))
            .is_none()
    );
    let st = a.stats();
    assert_eq!((st.pending, st.dropped_no_mac), (0, 1));
}

#[test]
fn an_unreachable_table_erases_nothing() {
    let mut a = Attributor::new(Vec::new(), 10);
    let mut p = port(3, "Gi1/0/3", &[(DEV, None)]);
    p.neighbors.push(neighbor("lldp", DEV2, "eth0"));
    a.update(&table("sw1", vec![p]));
    let down = PortTable::unreachable(
        SwitchInfo {
            name: "sw1".into(),
            ..SwitchInfo::default()
        },
        "timeout",
    );
    assert!(a.update(&down).is_empty());
    assert_eq!(
        at(&a.attribute("s", arp(DEV, &[]))),
        want("sw1", "Gi1/0/3", Via::Fdb)
    );
    assert_eq!(
        at(&a.attribute("s", lldp(DEV2, (4, DEV2), (5, "eth0")))),
        want("sw1", "Gi1/0/3", Via::Neighbor)
    );
    let st = a.stats();
    assert_eq!((st.tables, st.unreachable_tables, st.fdb_macs), (1, 1, 1));
    // A reachable table that lost the MAC does erase it.
    a.update(&table("sw1", vec![port(3, "Gi1/0/3", &[])]));
    assert_eq!(at(&a.attribute("s", arp(DEV, &[]))), None);
}

#[test]
fn a_neighbor_that_appears_later_releases_a_waiting_lldp_frame() {
    let mut a = Attributor::new(Vec::new(), 10);
    assert!(a.attribute("s", lldp(DEV, (4, DEV), (5, "eth0"))).is_none());
    let mut p = port(6, "Gi1/0/6", &[]);
    p.neighbors
        .push(neighbor("lldp", "00-1B-54-00-00-01", "eth0"));
    let out = a.update(&table("sw1", vec![p]));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].via, Via::Neighbor);
    assert_eq!(out[0].port, PortRef::new("sw1", "Gi1/0/6"));
}

#[test]
fn via_and_port_serialise_as_documented() {
    assert_eq!(
        serde_json::to_string(&Via::Option82).unwrap(),
        "\"option82\""
    );
    assert_eq!(serde_json::to_string(&Via::Fdb).unwrap(), "\"fdb\"");
    assert_eq!(
        serde_json::to_value(PortRef::new("sw1", "Gi1/0/1")).unwrap(),
        serde_json::json!({"switch": "sw1", "port": "Gi1/0/1"})
    );
}

// ---- Option 82: every documented format, then resolution against tables. ----

#[test]
fn option82_cisco_binary_circuit_and_remote_id() {
    // Cisco IOS default: sub-option 1 value = type 0, len 4, VLAN 10, module 1, port 24.
    assert_eq!(
        decode_circuit_id(&[0x00, 0x04, 0x00, 0x0a, 0x01, 0x18]),
        Some(Circuit::VlanModulePort {
            vlan: 10,
            module: 1,
            port: 24
        })
    );
    // Sub-option 2 value = type 0, len 6, the switch's MAC.
    assert_eq!(
        decode_remote_id(&[0x00, 0x06, 0x00, 0x1b, 0x54, 0xaa, 0xbb, 0xcc]),
        Some(RemoteId::Mac(mac("00:1b:54:aa:bb:cc")))
    );
}

#[test]
fn option82_ascii_circuit_formats() {
    let iface = |name: &str, node: Option<&str>, vlan: Option<&str>| {
        Some(Circuit::Interface {
            name: name.into(),
            node: node.map(Into::into),
            vlan: vlan.map(Into::into),
        })
    };
    assert_eq!(
        decode_circuit_id(b"Gi1/0/24"),
        iface("Gi1/0/24", None, None)
    );
    assert_eq!(
        decode_circuit_id(b"GigabitEthernet1/0/24"),
        iface("GigabitEthernet1/0/24", None, None)
    );
    assert_eq!(
        decode_circuit_id(b"Gi1/0/24:10"),
        iface("Gi1/0/24", None, Some("10"))
    );
    assert_eq!(
        decode_circuit_id(b"ge-0/0/1.0:vlan"),
        iface("ge-0/0/1.0", None, Some("vlan"))
    );
    assert_eq!(
        decode_circuit_id(b"ex4300-a:ge-0/0/1.0:default"),
        iface("ge-0/0/1.0", Some("ex4300-a"), Some("default"))
    );
    assert_eq!(decode_circuit_id(b"1/1/24"), iface("1/1/24", None, None));
    assert_eq!(decode_circuit_id(b"eth0/1"), iface("eth0/1", None, None));
    assert_eq!(
        decode_circuit_id(b"olt-7 eth 1/24:100"),
        iface("eth1/24", Some("olt-7"), Some("100"))
    );
    assert_eq!(decode_circuit_id(b"24"), Some(Circuit::IfIndex(24)));
    assert_eq!(decode_circuit_id(b"24\0"), Some(Circuit::IfIndex(24)));
    // Cisco configured string: type 1, length, text.
    assert_eq!(
        decode_circuit_id(b"\x01\x08Gi2/0/13"),
        iface("Gi2/0/13", None, None)
    );
}

#[test]
fn option82_remote_id_formats() {
    assert_eq!(
        decode_remote_id(&[0x00, 0x1b, 0x54, 0xaa, 0xbb, 0xcc]),
        Some(RemoteId::Mac(mac("00:1b:54:aa:bb:cc")))
    );
    assert_eq!(
        decode_remote_id(&[10, 0, 0, 2]),
        Some(RemoteId::Ip("10.0.0.2".parse().unwrap()))
    );
    assert_eq!(
        decode_remote_id(b"001b.54aa.bbcc"),
        Some(RemoteId::Mac(mac("00:1b:54:aa:bb:cc")))
    );
    assert_eq!(
        decode_remote_id(b"10.0.0.2"),
        Some(RemoteId::Ip("10.0.0.2".parse().unwrap()))
    );
    assert_eq!(
        decode_remote_id(b"\x01\x09sw-floor2"),
        Some(RemoteId::Name("sw-floor2".into()))
    );
    assert_eq!(
        decode_remote_id(b"sw-floor2"),
        Some(RemoteId::Name("sw-floor2".into()))
    );
    assert_eq!(decode_remote_id(&[0xff, 0x00, 0x01]), None);
}

#[test]
fn option82_undecodable_formats_stay_undecoded() {
    // The corpus's only option-82 frame (zeek/dhcp_ack_subscriber_id_and_agent_remote_id.pcap)
    // carries free text in the circuit-id and one binary byte as remote-id.
    assert_eq!(decode_circuit_id(b"this is only a test..."), None);
    assert_eq!(decode_remote_id(&[0x13]), None);
    for bad in [
        &b""[..],
        &[0x00, 0x04, 0x00, 0x0a, 0x01][..],
        &[0x02, 0x04, 0x00, 0x0a, 0x01, 0x18][..],
        &[0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02][..],
        &b"a:b:c:Gi1/0/1"[..],
    ] {
        assert_eq!(decode_circuit_id(bad), None, "{bad:?}");
    }
}

fn described(mut p: Port, descr: &str) -> Port {
    p.descr = Some(descr.into());
    p
}

fn option82_fixture() -> Attributor {
    let mut a = Attributor::new(Vec::new(), 100);
    // A Cisco 3750 stack: Fa and Gi ports share numbers; Gi1/0/1 is the uplink.
    let mut cisco = table(
        "cisco-stack",
        vec![
            described(port(10001, "Fa1/0/1", &[]), "FastEthernet1/0/1"),
            described(port(10024, "Fa1/0/24", &[]), "FastEthernet1/0/24"),
            uplink(described(
                port(10101, "Gi1/0/1", &[]),
                "GigabitEthernet1/0/1",
            )),
            described(port(10602, "Fa2/0/2", &[]), "FastEthernet2/0/2"),
            port(1, "Vl1", &[]),
        ],
    );
    cisco.switch.sys_name = Some("C3750-Stack.corp.example".into());
    cisco.own_macs.insert("00:1b:54:aa:bb:cc".into());
    a.update(&cisco);
    let mut junos = table(
        "ex4300-a",
        vec![port(513, "ge-0/0/1", &[]), port(514, "ge-0/0/1.0", &[])],
    );
    junos.switch.address = Some("10.0.0.7:161".into());
    a.update(&junos);
    a.update(&table(
        "procurve",
        vec![port(5, "5", &[]), port(24, "24", &[])],
    ));
    a.update(&table(
        "cx6300",
        vec![port(1024, "1/1/24", &[]), port(1023, "1/1/23", &[])],
    ));
    a
}

fn via82(a: &Attributor, circuit: &[u8], remote: Option<&[u8]>) -> Option<(String, String)> {
    option82::resolve(Some(circuit), remote, &a.reg)
        .map(|(s, p)| (a.reg.get(s).name.clone(), a.reg.port(s, p).name.clone()))
}

fn sp(s: &str, p: &str) -> Option<(String, String)> {
    Some((s.into(), p.into()))
}

#[test]
fn option82_resolves_each_format_to_the_right_switch_port() {
    let a = option82_fixture();
    let cisco_mac: &[u8] = &[0, 6, 0x00, 0x1b, 0x54, 0xaa, 0xbb, 0xcc];
    // Binary: module 2 port 2 is unique; module 1 port 24 only on the Cisco stack.
    assert_eq!(
        via82(&a, &[0, 4, 0, 10, 2, 2], Some(cisco_mac)),
        sp("cisco-stack", "Fa2/0/2")
    );
    assert_eq!(
        via82(&a, &[0, 4, 0, 10, 1, 24], Some(cisco_mac)),
        sp("cisco-stack", "Fa1/0/24")
    );
    // Module 1 port 1: Fa1/0/1 and Gi1/0/1; the uplink is dropped.
    assert_eq!(
        via82(&a, &[0, 4, 0, 10, 1, 1], Some(cisco_mac)),
        sp("cisco-stack", "Fa1/0/1")
    );
    // Interface names by ifName or ifDescr, long or short, remote-id by sysName.
    assert_eq!(
        via82(&a, b"FastEthernet1/0/24", Some(b"c3750-stack")),
        sp("cisco-stack", "Fa1/0/24")
    );
    assert_eq!(via82(&a, b"Fa2/0/2:10", None), sp("cisco-stack", "Fa2/0/2"));
    // Junos: host prefix names the switch; the physical port wins over the unit.
    assert_eq!(
        via82(&a, b"ex4300-a:ge-0/0/1.0:default", None),
        sp("ex4300-a", "ge-0/0/1")
    );
    // Remote-id as the polled IP address.
    assert_eq!(
        via82(&a, b"ge-0/0/1.0:v10", Some(&[10, 0, 0, 7])),
        sp("ex4300-a", "ge-0/0/1")
    );
    // HPE ifIndex with the switch named by remote-id.
    assert_eq!(via82(&a, b"5", Some(b"procurve")), sp("procurve", "5"));
    // ArubaOS-CX port name.
    assert_eq!(via82(&a, b"1/1/24", None), sp("cx6300", "1/1/24"));
    // TR-101 style with the node name.
    assert_eq!(
        via82(&a, b"cx6300 eth 1/1/23:100", None),
        sp("cx6300", "1/1/23")
    );
}

#[test]
fn option82_leaves_ambiguous_or_unknown_circuits_unattributed() {
    let a = option82_fixture();
    // `24` is a ProCurve ifIndex, but the remote-id names a switch that is not polled.
    assert_eq!(via82(&a, b"24", Some(b"unknown-switch")), None);
    // Without a remote-id, ifIndex 5 is unique (only the ProCurve has it).
    assert_eq!(via82(&a, b"5", None), sp("procurve", "5"));
    // Cisco binary with a MAC that no known switch owns.
    assert_eq!(
        via82(&a, &[0, 4, 0, 10, 1, 24], Some(&[0, 6, 1, 2, 3, 4, 5, 6])),
        None
    );
    // A port that does not exist.
    assert_eq!(via82(&a, b"Gi9/0/9", None), None);
    // Free text.
    assert_eq!(via82(&a, b"this is only a test...", Some(&[0x13])), None);
}

#[test]
fn option82_binary_circuit_matching_two_switches_is_ambiguous() {
    let mut a = Attributor::new(Vec::new(), 10);
    a.update(&table("a", vec![port(1, "Gi1/0/5", &[])]));
    a.update(&table("b", vec![port(1, "Gi1/0/5", &[])]));
    assert_eq!(via82(&a, &[0, 4, 0, 1, 1, 5], None), None);
    assert_eq!(via82(&a, b"Gi1/0/5", Some(b"B")), sp("b", "Gi1/0/5"));
}
