//! Attribution speed with site-sized tables: 1,000 switches × 50 ports (50,000 ports; 48 edge
//! ports and 2 uplinks each) holding 100,000 MACs (two per edge port, the rest behind uplinks
//! and in several VLANs), plus LLDP neighbors on a tenth of the edge ports.
//!
//! Measured (criterion, one core):
//! - `attribute/mixed`: a stream of observations: 80 % ARP/DHCP from MACs on edge ports (FDB),
//!   10 % LLDP frames of recorded neighbors (neighbor table), 10 % unknown MACs (they wait;
//!   the queue's bound evicts the oldest);
//! - `attribute/naive_scan`: the same FDB question answered by scanning every port of every
//!   table (what a table-less implementation would do), for the ratio;
//! - `update/all_tables`: loading all 1,000 tables (indexing 100,000 MACs).
//!
//! Under `cargo test --benches` (no `--bench` argument) the tables are 100 times smaller.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput};

use cybriq::attribution::Attributor;
use cybriq::clock::Timestamp;
use cybriq::observe::{Arp, Lldp, Observation, Signal};
use cybriq::snmp::{MacEntry, Neighbor, Port, PortTable, SwitchInfo};
use cybriq::wire::MacAddr;

fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn mac(i: u32) -> MacAddr {
    let b = i.to_be_bytes();
    MacAddr([0x00, 0x1b, b[0], b[1], b[2], b[3]])
}

struct Site {
    tables: Vec<PortTable>,
    edge_macs: Vec<MacAddr>,
    neighbors: Vec<(String, String)>,
}

fn site(switches: u32) -> Site {
    let mut tables = Vec::new();
    let mut edge_macs = Vec::new();
    let mut neighbors = Vec::new();
    let mut next = 0u32;
    for s in 0..switches {
        let mut ports = Vec::new();
        for p in 1..=48u32 {
            let mut port = Port {
                if_index: p,
                name: format!("Gi1/0/{p}"),
                ..Port::default()
            };
            for _ in 0..2 {
                let m = mac(next);
                next += 1;
                edge_macs.push(m);
                port.macs.push(MacEntry {
                    mac: m.to_string(),
                    vlan: Some(10 + (p % 4) as u16),
                });
            }
            if p % 10 == 0 {
                let chassis = format!("02:00:{:02x}:{:02x}:00:{p:02x}", s >> 8, s & 0xff);
                port.neighbors.push(Neighbor {
                    protocol: "lldp".into(),
                    chassis_id: Some(chassis.clone()),
                    port_id: Some("eth0".into()),
                    ..Neighbor::default()
                });
                neighbors.push((chassis, "eth0".into()));
            }
            ports.push(port);
        }
        // Two uplinks: 2 MACs each of other switches' edge devices (as a real uplink carries).
        for u in 0..2u32 {
            let mut port = Port {
                if_index: 49 + u,
                name: format!("Te1/1/{}", u + 1),
                uplink: true,
                ..Port::default()
            };
            for k in 0..2u32 {
                let m = mac(((s + 1) % switches) * 96 + u * 2 + k);
                port.macs.push(MacEntry {
                    mac: m.to_string(),
                    vlan: Some(10),
                });
            }
            ports.push(port);
        }
        tables.push(PortTable {
            switch: SwitchInfo {
                name: format!("sw{s:04}"),
                ..SwitchInfo::default()
            },
            ports,
            ..PortTable::default()
        });
    }
    Site {
        tables,
        edge_macs,
        neighbors,
    }
}

fn observations(site: &Site, n: usize) -> Vec<Observation> {
    let mut rng = fastrand::Rng::with_seed(7);
    (0..n)
        .map(|i| {
            let kind = rng.u8(0..10);
            let (m, signal) = if kind < 8 {
                (
                    site.edge_macs[rng.usize(0..site.edge_macs.len())],
                    Signal::Arp(Arp::default()),
                )
            } else if kind == 8 {
                let (c, p) = &site.neighbors[rng.usize(0..site.neighbors.len())];
                (
                    c.parse().unwrap(),
                    Signal::Lldp(Lldp {
                        chassis_id: Some((4, c.clone())),
                        port_id: Some((5, p.clone())),
                        ..Lldp::default()
                    }),
                )
            } else {
                (mac(0x00ff_0000 + i as u32), Signal::Arp(Arp::default()))
            };
            Observation {
                ts: Timestamp(i as i64),
                mac: Some(m),
                src_mac: Some(m),
                vlans: vec![10 + rng.u16(0..4)],
                ip_ttl: None,
                anomalies: 0,
                signal,
            }
        })
        .collect()
}

fn naive(tables: &[PortTable], m: &MacAddr) -> Option<(String, String)> {
    let s = m.to_string();
    tables.iter().find_map(|t| {
        t.ports
            .iter()
            .find(|p| !p.uplink && p.macs.iter().any(|e| e.mac == s))
            .map(|p| (t.switch.name.clone(), p.name.clone()))
    })
}

fn main() {
    let switches = if bench_mode() { 1000 } else { 10 };
    let site = site(switches);
    let ports: usize = site.tables.iter().map(|t| t.ports.len()).sum();
    let macs: usize = site
        .tables
        .iter()
        .map(|t| t.ports.iter().map(|p| p.macs.len()).sum::<usize>())
        .sum();
    eprintln!(
        "attribution bench: {} switches, {ports} ports, {macs} FDB entries ({} edge MACs)",
        site.tables.len(),
        site.edge_macs.len()
    );
    let obs = observations(&site, 10_000);
    let mut c = Criterion::default().configure_from_args();

    let mut a = Attributor::new(Vec::new(), 50_000);
    for t in &site.tables {
        a.update(t);
    }
    {
        let mut g = c.benchmark_group("attribute");
        g.throughput(Throughput::Elements(obs.len() as u64));
        g.bench_function("mixed", |b| {
            b.iter_batched(
                || obs.clone(),
                |batch| {
                    for o in batch {
                        black_box(a.attribute("span0", o));
                    }
                },
                BatchSize::LargeInput,
            )
        });
        let sample: Vec<MacAddr> = obs.iter().take(50).filter_map(|o| o.mac).collect();
        g.throughput(Throughput::Elements(sample.len() as u64));
        g.sample_size(10);
        g.bench_function("naive_scan", |b| {
            b.iter(|| {
                for m in &sample {
                    black_box(naive(&site.tables, m));
                }
            })
        });
        g.finish();
    }
    let st = a.stats();
    eprintln!(
        "stats: fdb {} neighbor {} pending {} evicted {} fdb_macs {}",
        st.fdb, st.neighbor, st.pending, st.evicted, st.fdb_macs
    );
    assert!(st.fdb > 0 && st.neighbor > 0 && st.pending > 0);

    let mut g = c.benchmark_group("update");
    g.throughput(Throughput::Elements(site.tables.len() as u64));
    g.sample_size(10);
    g.bench_function("all_tables", |b| {
        b.iter(|| {
            let mut a = Attributor::new(Vec::new(), 1000);
            for t in &site.tables {
                black_box(a.update(t));
            }
            a
        })
    });
    g.finish();
    c.final_summary();
}
