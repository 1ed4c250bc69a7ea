//! The poller against real agents on loopback: snmpsim serving the five switch recordings
//! (v2c GETBULK and v1 GETNEXT) side by side with fault peers written here (silent, garbage,
//! looping, slow). Every snmpsim switch must agree with its expected walk; each fault peer is
//! reported with its state; the poll stays within its time and request bounds.

mod snmp_support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use cybriq::snmp::{Credentials, PollOptions, Reachability, Target, Timing, poll_all};
use snmp_support::{Fault, RECORDINGS, Snmpsim, assert_agrees, spawn_fault_peer};

fn target(name: &str, port: u16, creds: Credentials, timeout_ms: u64, retries: u32) -> Target {
    Target {
        name: name.into(),
        address: format!("127.0.0.1:{port}"),
        creds,
        timing: Timing {
            timeout: Duration::from_millis(timeout_ms),
            retries,
        },
        max_repetitions: 25,
        max_in_flight: 4,
    }
}

#[test]
fn recordings_and_fault_peers_in_one_poll() {
    let Some(sim) = Snmpsim::start(1) else { return };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let (silent, silent_n) = spawn_fault_peer(Fault::Silent);
    let (garbage, _) = spawn_fault_peer(Fault::Garbage);
    let (looping, _) = spawn_fault_peer(Fault::Looping);
    let (slow, _) = spawn_fault_peer(Fault::Slow(700));

    let v2 = |c: &str| Credentials::V2c {
        community: c.into(),
    };
    let mut targets: Vec<Target> = RECORDINGS
        .iter()
        .map(|n| target(n, sim.port, v2(n), 3000, 2))
        .collect();
    // SNMPv1 (GETNEXT walks) on one recording.
    targets.push(target(
        "v1:cisco-c3750",
        sim.port,
        Credentials::V1 {
            community: "cisco-c3750".into(),
        },
        3000,
        2,
    ));
    // Cisco without Q-BRIDGE: MACs come from the community@vlan contexts, with their VLAN.
    targets.push(target("tiny-cisco", sim.port, v2("tiny-cisco"), 3000, 2));
    targets.push(target("silent", silent, v2("public"), 300, 2));
    targets.push(target("garbage", garbage, v2("public"), 300, 1));
    targets.push(target("looping", looping, v2("public"), 300, 1));
    // 700 ms replies against a 500 ms first timeout: the doubled retry timeout gets them.
    targets.push(target("slow", slow, v2("public"), 500, 2));

    let started = Instant::now();
    let polls = rt.block_on(poll_all(&targets, &PollOptions::default()));
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(150), "poll took {elapsed:?}");

    for (i, name) in RECORDINGS.iter().enumerate() {
        let p = &polls[i];
        assert_eq!(
            p.table.status,
            Reachability::Ok,
            "{name}: {:?}",
            p.table.reason
        );
        assert_agrees(name, &p.table);
        assert!(
            p.stats.requests > 10 && p.stats.varbinds > 100,
            "{name}: {:?}",
            p.stats
        );
    }
    let v1 = &polls[5];
    assert_eq!(v1.table.status, Reachability::Ok);
    assert_agrees("cisco-c3750", &v1.table);
    // GETNEXT: one request per variable, so many more requests than the GETBULK poll.
    assert!(
        v1.stats.requests > 3 * polls[2].stats.requests,
        "{:?} vs {:?}",
        v1.stats,
        polls[2].stats
    );

    let tc = &polls[6].table;
    assert_eq!(tc.status, Reachability::Ok, "{:?}", tc.reason);
    assert!(tc.anomalies.is_empty(), "{:?}", tc.anomalies);
    let macs = |n: &str| tc.port_by_name(n).unwrap().macs.clone();
    assert_eq!(
        macs("Gi1/0/1"),
        vec![cybriq::snmp::MacEntry {
            mac: "00:1b:54:00:00:01".into(),
            vlan: Some(1)
        }]
    );
    assert_eq!(
        macs("Gi1/0/2"),
        vec![cybriq::snmp::MacEntry {
            mac: "00:1b:54:00:00:0a".into(),
            vlan: Some(10)
        }]
    );
    assert!(tc.anomalies.is_empty(), "{:?}", tc.anomalies);

    let s = &polls[7].table;
    assert_eq!(s.status, Reachability::Unreachable);
    assert!(
        s.reason
            .as_deref()
            .unwrap()
            .contains("no reply after 3 attempts"),
        "{:?}",
        s.reason
    );
    assert!(s.ports.is_empty());
    // Only the system walk was tried, within its retries: no flood of a dead switch.
    assert_eq!(silent_n.load(Ordering::Relaxed), 3);
    assert_eq!(polls[7].stats.requests, 3);

    let g = &polls[8].table;
    assert_eq!(g.status, Reachability::Unreachable);
    assert!(
        g.reason.as_deref().unwrap().contains("malformed"),
        "{:?}",
        g.reason
    );

    let l = &polls[9].table;
    assert_eq!(l.status, Reachability::Ok);
    assert!(
        l.anomalies.iter().any(|a| a.contains("non-increasing")),
        "{:?}",
        l.anomalies
    );
    assert_eq!(l.switch.sys_descr.as_deref(), Some("loop"));

    let w = &polls[10];
    assert_eq!(w.table.status, Reachability::Ok, "{:?}", w.table.reason);
    assert_eq!(
        w.table.switch.sys_descr.as_deref(),
        Some("Slow Test Switch")
    );
    assert!(w.stats.timeouts >= 1, "{:?}", w.stats);
}
