//! Attribution on real data: port tables polled from snmpsim serving the five switch
//! recordings (`tests/data/snmp/`), observations decoded from corpus frames whose device MAC is
//! rewritten (every occurrence of the MAC's bytes in the frame: Ethernet source, ARP sender,
//! DHCP chaddr and client-id) to MACs the recorded FDBs hold. Each must land on the port the
//! recording says (its expected Net-SNMP walk, joined independently of the poller), a MAC known
//! only behind uplinks must not, CDP/LLDP frames carrying a recorded neighbor's identity land on
//! the port that neighbor is recorded on, and the corpus's only option-82 frame (free text)
//! stays unattributed by option 82.

mod common;
mod snmp_support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use std::time::Duration;

use cybriq::attribution::{Attributor, PortRef, Via};
use cybriq::capture::read_all;
use cybriq::observe::{Observation, Signal};
use cybriq::snmp::{
    Credentials, PollOptions, PortTable, Reachability, SwitchInfo, Target, Timing, poll_all,
};
use cybriq::wire::{LinkType, MacAddr, frame};
use snmp_support::{RECORDINGS, Snmpsim, expected};

/// Ethernet corpus frames, per protocol, whose device MAC occurs in the frame bytes.
fn templates() -> BTreeMap<&'static str, Vec<(Vec<u8>, MacAddr)>> {
    let mut out: BTreeMap<&'static str, Vec<(Vec<u8>, MacAddr)>> = BTreeMap::new();
    for cap in common::all_captures() {
        let Ok((LinkType::Ethernet, recs, _)) = read_all(&cap) else {
            continue;
        };
        for (ts, d) in recs.iter().take(50) {
            let Some(o) = Observation::from_frame(*ts, &frame::decode(LinkType::Ethernet, d))
            else {
                continue;
            };
            let Some(m) = o.mac.filter(|m| !m.is_multicast() && m.0 != [0; 6]) else {
                continue;
            };
            let v = out.entry(o.proto()).or_default();
            if v.len() < 4 && find(d, &m.0).is_some() {
                v.push((d.clone(), m));
            }
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The frame with every occurrence of `old` replaced by `new`, decoded.
fn rewritten(frame_bytes: &[u8], old: MacAddr, new: MacAddr) -> Observation {
    let mut b = frame_bytes.to_vec();
    while let Some(i) = find(&b, &old.0) {
        b[i..i + 6].copy_from_slice(&new.0);
    }
    let o = Observation::from_frame(
        cybriq::clock::Timestamp(1),
        &frame::decode(LinkType::Ethernet, &b),
    )
    .expect("rewritten frame decodes");
    assert_eq!(o.mac, Some(new), "device MAC rewritten");
    o
}

/// The five recordings polled once (snmpsim started for it and stopped after), shared by the
/// tests; `None` when snmpsim is missing outside CI.
fn tables() -> Option<&'static Vec<PortTable>> {
    static TABLES: OnceLock<Option<Vec<PortTable>>> = OnceLock::new();
    TABLES
        .get_or_init(|| Snmpsim::start(1).map(|sim| poll_recordings(&sim)))
        .as_ref()
}

fn poll_recordings(sim: &Snmpsim) -> Vec<PortTable> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let targets: Vec<Target> = RECORDINGS
        .iter()
        .map(|n| Target {
            name: (*n).into(),
            address: format!("127.0.0.1:{}", sim.port),
            creds: Credentials::V2c {
                community: (*n).into(),
            },
            timing: Timing {
                timeout: Duration::from_millis(3000),
                retries: 2,
            },
            max_repetitions: 25,
            max_in_flight: 4,
        })
        .collect();
    let polls = rt.block_on(poll_all(&targets, &PollOptions::default()));
    polls
        .into_iter()
        .map(|p| {
            assert_eq!(p.table.status, Reachability::Ok, "{:?}", p.table.reason);
            p.table
        })
        .collect()
}

#[test]
fn recorded_port_tables_place_corpus_frames_on_the_recorded_ports() {
    let Some(tables) = tables() else { return };
    let tpl = templates();
    for proto in ["arp", "dhcp", "lldp", "cdp"] {
        assert!(tpl.contains_key(proto), "no corpus {proto} frame");
    }
    let frames: Vec<&(Vec<u8>, MacAddr)> = ["arp", "dhcp", "lldp", "cdp", "eapol", "stp"]
        .iter()
        .filter_map(|p| tpl.get(p))
        .flatten()
        .collect();

    // Where the recordings put each MAC: edge and uplink locations from the tables, and the
    // (MAC, port) pairs of the expected walks.
    let mut edge: BTreeMap<MacAddr, BTreeSet<PortRef>> = BTreeMap::new();
    let mut behind_uplink: BTreeSet<MacAddr> = BTreeSet::new();
    for t in tables {
        for p in &t.ports {
            for e in &p.macs {
                let m: MacAddr = e.mac.parse().unwrap();
                if p.uplink {
                    behind_uplink.insert(m);
                } else {
                    edge.entry(m)
                        .or_default()
                        .insert(PortRef::new(&t.switch.name, &p.name));
                }
            }
        }
    }
    let uplink_only: Vec<MacAddr> = behind_uplink
        .iter()
        .filter(|m| !edge.contains_key(m))
        .copied()
        .collect();
    let walks: BTreeMap<&str, BTreeSet<(String, String)>> =
        RECORDINGS.iter().map(|n| (*n, expected(n).fdb)).collect();
    assert!(
        edge.len() >= 40,
        "edge MACs in the recordings: {}",
        edge.len()
    );
    assert!(
        uplink_only.len() >= 100,
        "uplink-only MACs: {}",
        uplink_only.len()
    );

    let mut a = Attributor::new(Vec::new(), 100_000);
    // Frames seen before any poll wait, and are released by the tables that know them.
    let early: Vec<MacAddr> = edge.keys().take(10).copied().collect();
    for (i, m) in early.iter().enumerate() {
        let (f, old) = frames[i % frames.len()];
        assert!(a.attribute("span0", rewritten(f, *old, *m)).is_none());
    }
    assert_eq!(a.stats().pending, early.len() as u64);
    let mut released = Vec::new();
    for t in tables {
        released.extend(a.update(t));
    }
    assert_eq!(released.len(), early.len());
    assert_eq!(a.stats().pending, 0);

    let check = |m: MacAddr, got: &PortRef| {
        assert!(
            edge[&m].contains(got),
            "{m} placed on {got}, not on an edge port of it"
        );
        assert!(
            walks[got.switch.as_str()].contains(&(m.to_string(), got.port.clone())),
            "{m} on {got}: the recording's walk disagrees"
        );
    };
    for r in &released {
        assert_eq!(r.via, Via::Fdb);
        check(r.observation.mac.unwrap(), &r.port);
    }

    // Every edge MAC, through every kind of corpus frame in turn.
    let mut per_switch: BTreeMap<String, usize> = BTreeMap::new();
    for (i, m) in edge.keys().enumerate() {
        let (f, old) = frames[i % frames.len()];
        let obs = rewritten(f, *old, *m);
        let proto = obs.proto();
        let got = a
            .attribute("span0", obs)
            .unwrap_or_else(|| panic!("{m} ({proto}) not attributed"));
        // A corpus LLDP/CDP frame keeps its own (unrecorded) neighbor identity: the FDB places it.
        assert_eq!(got.via, Via::Fdb, "{m} ({proto})");
        check(*m, &got.port);
        *per_switch.entry(got.port.switch.clone()).or_default() += 1;
    }
    assert!(per_switch.len() >= 3, "edge MACs on {per_switch:?}");

    // MACs the recordings hold only behind uplinks are not placed: they wait.
    let before = a.stats().pending;
    for (i, m) in uplink_only.iter().enumerate() {
        let (f, old) = frames[i % frames.len()];
        assert!(
            a.attribute("span0", rewritten(f, *old, *m)).is_none(),
            "{m}"
        );
    }
    assert_eq!(a.stats().pending, before + uplink_only.len() as u64);

    // A switch that stops answering keeps its last table.
    let hpe = tables
        .iter()
        .find(|t| t.switch.name == "hpe-procurve-516733-b21")
        .unwrap();
    let down = PortTable::unreachable(
        SwitchInfo {
            name: hpe.switch.name.clone(),
            ..SwitchInfo::default()
        },
        "timeout",
    );
    assert!(a.update(&down).is_empty());
    let hpe_mac = edge
        .iter()
        .find(|(_, ports)| ports.iter().all(|p| p.switch == hpe.switch.name))
        .map(|(m, _)| *m)
        .expect("an HPE edge MAC");
    let (f, old) = frames[0];
    let got = a.attribute("span0", rewritten(f, *old, hpe_mac)).unwrap();
    check(hpe_mac, &got.port);
}

#[test]
fn recorded_neighbor_tables_place_cdp_and_lldp_frames_on_their_local_port() {
    let Some(tables) = tables() else { return };
    let tpl = templates();
    let mut a = Attributor::new(Vec::new(), 1000);
    for t in tables {
        a.update(t);
    }
    let device = MacAddr([0x02, 0, 0, 0, 0, 0x42]);

    // CDP: the expected walks give (local port, device ID, device port) from cdpCacheTable.
    let mut keys: BTreeMap<(String, String), Vec<PortRef>> = BTreeMap::new();
    for n in RECORDINGS {
        for (local, dev, dport) in expected(n).cdp {
            if !dev.is_empty() && !dport.is_empty() {
                keys.entry((dev.to_lowercase(), dport.to_lowercase()))
                    .or_default()
                    .push(PortRef::new(n, local));
            }
        }
    }
    let (cdp_frame, cdp_mac) = &tpl["cdp"][0];
    let mut cdp_checked = 0;
    for ((dev, dport), ports) in &keys {
        if ports.len() != 1 {
            continue; // the same neighbor on two recorded ports: not a fair question
        }
        let mut o = rewritten(cdp_frame, *cdp_mac, device);
        let Signal::Cdp(c) = &mut o.signal else {
            panic!("not CDP")
        };
        // Upper-cased: the comparison ignores case.
        c.device_id = Some(dev.to_uppercase());
        c.port_id = Some(dport.clone());
        let got = a.attribute("span0", o).expect("CDP neighbor attributed");
        assert_eq!(
            (got.via, &got.port),
            (Via::Neighbor, &ports[0]),
            "{dev} {dport}"
        );
        cdp_checked += 1;
    }
    assert!(cdp_checked >= 50, "CDP neighbors checked: {cdp_checked}");

    // LLDP: the expected walks list (chassis, port, name) of lldpRemTable; the local port is
    // the table's (the walk has no join for it).
    let walked: BTreeSet<(String, String)> = RECORDINGS
        .iter()
        .flat_map(|n| expected(n).lldp)
        .map(|(c, p, _)| (c, p))
        .collect();
    let (lldp_frame, lldp_mac) = &tpl["lldp"][0];
    let mut lldp_checked = 0;
    for t in tables {
        for p in &t.ports {
            for n in p.neighbors.iter().filter(|n| n.protocol == "lldp") {
                let (Some(c), Some(pid)) = (&n.chassis_id, &n.port_id) else {
                    continue;
                };
                assert!(walked.contains(&(c.clone(), pid.clone())), "{c} {pid}");
                let mut o = rewritten(lldp_frame, *lldp_mac, device);
                let Signal::Lldp(l) = &mut o.signal else {
                    panic!("not LLDP")
                };
                // A MAC chassis ID as the frame decoder writes it; the table's spelling differs
                // only in case or separators, which the comparison ignores.
                let chassis = match c.parse::<MacAddr>() {
                    Ok(m) if c.len() == 17 => (4, m.to_string().to_uppercase().replace(':', "-")),
                    _ => (7, c.clone()),
                };
                l.chassis_id = Some(chassis);
                l.port_id = Some((5, pid.clone()));
                let got = a.attribute("span0", o).expect("LLDP neighbor attributed");
                assert_eq!(got.via, Via::Neighbor);
                assert_eq!(got.port, PortRef::new(&t.switch.name, &p.name), "{c} {pid}");
                lldp_checked += 1;
            }
        }
    }
    assert!(lldp_checked >= 10, "LLDP neighbors checked: {lldp_checked}");
}

#[test]
fn the_corpus_option_82_frame_is_not_placed_by_option_82() {
    // zeek/dhcp_ack_subscriber_id_and_agent_remote_id.pcap: circuit-id "this is only a
    // test...", remote-id 0x13. No table is needed to show the format is not decoded, and with
    // tables that do not know the chaddr it waits; with one that does, the FDB places it.
    let (link, recs, _) = read_all(&common::data(
        "zeek/dhcp_ack_subscriber_id_and_agent_remote_id.pcap",
    ))
    .unwrap();
    assert_eq!(link, LinkType::Ethernet);
    let (d, o) = recs
        .iter()
        .find_map(|(ts, d)| {
            let o = Observation::from_frame(*ts, &frame::decode(link, d))?;
            matches!(&o.signal, Signal::Dhcp(x) if x.circuit_id.is_some()).then_some((d, o))
        })
        .expect("the option-82 frame");
    let chaddr = o.mac.unwrap();
    let mut a = Attributor::new(Vec::new(), 10);
    let mut t = PortTable {
        switch: SwitchInfo {
            name: "sw".into(),
            ..SwitchInfo::default()
        },
        ports: vec![cybriq::snmp::Port {
            if_index: 1,
            name: "Gi1/0/1".into(),
            ..Default::default()
        }],
        ..PortTable::default()
    };
    a.update(&t);
    assert!(a.attribute("span0", o.clone()).is_none());
    assert_eq!(a.stats().option82, 0);
    let client = MacAddr([0x00, 0x1b, 0x54, 0x12, 0x34, 0x56]);
    t.ports[0].macs.push(cybriq::snmp::MacEntry {
        mac: client.to_string(),
        vlan: None,
    });
    let released = a.update(&t);
    assert!(released.is_empty());
    let got = a.attribute("span0", rewritten(d, chaddr, client)).unwrap();
    assert_eq!(
        (got.via, got.port),
        (Via::Fdb, PortRef::new("sw", "Gi1/0/1"))
    );
}
