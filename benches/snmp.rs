//! SNMP poll benchmark: the poller against net-snmp's `snmpbulkwalk`, both through a UDP relay
//! that holds every datagram 10 ms each way (this kernel has no netem), in front of snmpsim
//! serving the five switch recordings as 50 switches (each recording behind ten relay ports,
//! i.e. ten switch addresses).
//!
//! `cargo bench --bench snmp` prints, for both clients: wall time, PDUs (requests through the
//! relay), variables received, CPU time (user+sys) and CPU per 1,000 variables; and the agent's
//! CPU time, to show how close the poll is to the agent-bound floor. Criterion also times the
//! pure port-table builder on each recording. `CYBRIQ_BENCH_SNMP_SWITCHES` (default 50) and
//! `CYBRIQ_BENCH_SNMP_SEQ_SWITCHES` (default: the same) shorten the run.
//!
//! Under `cargo test` (no `--bench` argument) only the builder runs once, without peers.

#[path = "../tests/snmp_support/mod.rs"]
#[allow(unused_imports)]
mod snmp_support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::Criterion;
use cybriq::snmp::value::oid_to_string;
use cybriq::snmp::{
    BuildOptions, Credentials, Mib, PollOptions, SwitchInfo, Target, Timing, Walked,
    build_port_table, oid, poll_all,
};
use tokio::net::UdpSocket;

const RELAY_ENV: &str = "CYBRIQ_SNMP_RELAY";
const DELAY: Duration = Duration::from_millis(10);
const MAX_REPS: u32 = 25;

fn main() {
    if let Ok(spec) = std::env::var(RELAY_ENV) {
        relay_main(&spec);
        return;
    }
    let bench = std::env::args().any(|a| a == "--bench");
    let recordings: Vec<(&str, Mib)> = snmp_support::RECORDINGS
        .iter()
        .map(|n| (*n, snmp_support::recording(n).into_iter().collect()))
        .collect();
    if !bench {
        for (name, mib) in &recordings {
            let t = build(name, mib);
            assert!(!t.ports.is_empty(), "{name}");
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    for (name, mib) in &recordings {
        c.bench_function(&format!("build_port_table/{name}"), |b| {
            b.iter(|| build(name, mib))
        });
    }
    c.final_summary();
    side_by_side();
}

fn build(name: &str, mib: &Mib) -> cybriq::snmp::PortTable {
    let walked = Walked {
        main: mib.clone(),
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

fn env_usize(k: &str, d: usize) -> usize {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

/// (user+sys) CPU seconds of a process from /proc (self or a pid); children reaped when `children`.
fn cpu_seconds(pid: Option<u32>, children: bool) -> f64 {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".into(),
    };
    let s = std::fs::read_to_string(path).unwrap_or_default();
    let rest = s.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // After the command name: state is f[0]; utime f[11], stime f[12], cutime f[13], cstime f[14].
    let ticks = if children {
        f[13] + f[14]
    } else {
        f[11] + f[12]
    };
    ticks / 100.0
}

fn relay_stats(control: u16) -> (u64, u64, u64) {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    s.send_to(b"stats", ("127.0.0.1", control)).unwrap();
    let mut buf = [0u8; 256];
    let n = s.recv(&mut buf).unwrap();
    let t = String::from_utf8_lossy(&buf[..n]).to_string();
    let v: Vec<u64> = t.split_whitespace().map(|x| x.parse().unwrap()).collect();
    (v[0], v[1], v[2])
}

fn side_by_side() {
    let switches = env_usize("CYBRIQ_BENCH_SNMP_SWITCHES", 50);
    let seq_switches = env_usize("CYBRIQ_BENCH_SNMP_SEQ_SWITCHES", switches).min(switches);
    let Some(walker) = snmp_support::require("snmpbulkwalk") else {
        return;
    };
    let Some(sim) = snmp_support::Snmpsim::start(1) else {
        return;
    };

    // The relay: a child process (this binary), so its CPU is not counted as the poller's.
    let mut relay = Command::new(std::env::current_exe().unwrap())
        .env(
            RELAY_ENV,
            format!("{switches} {} {}", sim.port, DELAY.as_millis()),
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(relay.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ports: Vec<u16> = line
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    let (control, ports) = ports.split_first().unwrap();
    let community = |i: usize| snmp_support::RECORDINGS[i % snmp_support::RECORDINGS.len()];

    let targets: Vec<Target> = (0..switches)
        .map(|i| Target {
            name: format!("sw{i}-{}", community(i)),
            address: format!("127.0.0.1:{}", ports[i]),
            creds: Credentials::V2c {
                community: community(i).into(),
            },
            timing: Timing {
                timeout: Duration::from_secs(5),
                retries: 2,
            },
            max_repetitions: MAX_REPS,
            max_in_flight: 4,
        })
        .collect();

    // Poller: every switch at once.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _ = relay_stats(*control);
    let agent0 = cpu_seconds(Some(sim.pid()), false);
    let cpu0 = cpu_seconds(None, false);
    let t0 = Instant::now();
    let polls = rt.block_on(poll_all(&targets, &PollOptions::default()));
    let poll_wall = t0.elapsed().as_secs_f64();
    let poll_cpu = cpu_seconds(None, false) - cpu0;
    let poll_agent = cpu_seconds(Some(sim.pid()), false) - agent0;
    let (poll_pdus, _, poll_vbs) = relay_stats(*control);
    let unreachable = polls
        .iter()
        .filter(|p| p.table.status != cybriq::snmp::Reachability::Ok)
        .count();
    for p in &polls[..snmp_support::RECORDINGS.len().min(polls.len())] {
        snmp_support::assert_agrees(
            &p.table.switch.name[p.table.switch.name.find('-').unwrap() + 1..],
            &p.table,
        );
    }

    // net-snmp: the same subtrees, one switch after another, one walk after another.
    let subtrees: Vec<String> = oid::poll_subtrees()
        .iter()
        .map(|o| oid_to_string(o))
        .collect();
    let agent1 = cpu_seconds(Some(sim.pid()), false);
    let ccpu0 = cpu_seconds(None, true);
    let t1 = Instant::now();
    for (i, t) in targets.iter().enumerate().take(seq_switches) {
        for s in &subtrees {
            let st = Command::new(&walker)
                .args([
                    "-v2c",
                    "-c",
                    community(i),
                    "-On",
                    &format!("-Cr{MAX_REPS}"),
                    "-t",
                    "5",
                    "-r",
                    "2",
                ])
                .arg(&t.address)
                .arg(s)
                .env("MIBS", "")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(st.success(), "snmpbulkwalk {} {s}", t.address);
        }
    }
    let seq_wall = t1.elapsed().as_secs_f64();
    let seq_cpu = cpu_seconds(None, true) - ccpu0;
    let seq_agent = cpu_seconds(Some(sim.pid()), false) - agent1;
    let (seq_pdus, _, seq_vbs) = relay_stats(*control);
    let _ = relay.kill();
    let _ = relay.wait();

    let scale = switches as f64 / seq_switches as f64;
    let per_k = |cpu: f64, vbs: u64| cpu * 1000.0 / vbs.max(1) as f64;
    let report = format!(
        "SNMP poll of {switches} switches (5 recordings x {}), relay +{} ms each way, max-repetitions {MAX_REPS}\n\
         poller:       wall {poll_wall:8.2} s  PDUs {poll_pdus:7}  varbinds {poll_vbs:8}  CPU {poll_cpu:6.2} s  CPU/1k vb {:7.4} s  agent CPU {poll_agent:7.2} s ({:.0}% of wall)  unreachable {unreachable}\n\
         snmpbulkwalk: wall {seq_wall:8.2} s  PDUs {seq_pdus:7}  varbinds {seq_vbs:8}  CPU {seq_cpu:6.2} s  CPU/1k vb {:7.4} s  agent CPU {seq_agent:7.2} s  ({seq_switches} switches sequentially{})\n\
         ratios: wall {:.2}x faster (sequential scaled to {switches} switches: {:.1} s), PDUs poller/net-snmp {:.3}, CPU per 1k varbinds poller/net-snmp {:.3}\n\
         agent-bound floor: the agent spent {poll_agent:.2} s CPU serving the poll; the poll took {poll_wall:.2} s wall ({:.0}% of the floor's time is the agent)\n",
        switches / 5,
        DELAY.as_millis(),
        per_k(poll_cpu, poll_vbs),
        100.0 * poll_agent / poll_wall,
        per_k(seq_cpu, seq_vbs),
        if seq_switches < switches {
            ", scaled below"
        } else {
            ""
        },
        seq_wall * scale / poll_wall,
        seq_wall * scale,
        poll_pdus as f64 / (seq_pdus as f64 * scale),
        per_k(poll_cpu, poll_vbs) / per_k(seq_cpu, seq_vbs),
        100.0 * poll_agent / poll_wall,
    );
    print!("{report}");
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-snmp-report.txt"),
        &report,
    );
}

/// The relay process: `count upstream_port delay_ms`. Prints `control p1 p2 …` on stdout.
fn relay_main(spec: &str) {
    let v: Vec<u64> = spec
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let (count, upstream, delay) = (v[0] as usize, v[1] as u16, Duration::from_millis(v[2]));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let requests = Arc::new(AtomicU64::new(0));
        let responses = Arc::new(AtomicU64::new(0));
        let varbinds = Arc::new(AtomicU64::new(0));
        let control = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut line = control.local_addr().unwrap().port().to_string();
        let mut listeners = Vec::new();
        for _ in 0..count {
            let l = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            line.push_str(&format!(" {}", l.local_addr().unwrap().port()));
            listeners.push(l);
        }
        println!("{line}");
        for l in listeners {
            let (rq, rs, vb) = (requests.clone(), responses.clone(), varbinds.clone());
            tokio::spawn(async move {
                let mut ups: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
                let mut buf = vec![0u8; 65536];
                loop {
                    let Ok((n, client)) = l.recv_from(&mut buf).await else {
                        return;
                    };
                    rq.fetch_add(1, Ordering::Relaxed);
                    let up = match ups.get(&client) {
                        Some(u) => u.clone(),
                        None => {
                            let u = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
                            u.connect(("127.0.0.1", upstream)).await.unwrap();
                            let (u2, l2, rs, vb) = (u.clone(), l.clone(), rs.clone(), vb.clone());
                            tokio::spawn(async move {
                                let mut b = vec![0u8; 65536];
                                loop {
                                    let Ok(n) = u2.recv(&mut b).await else { return };
                                    rs.fetch_add(1, Ordering::Relaxed);
                                    if let Ok(p) = snmp2::Pdu::from_bytes(&b[..n]) {
                                        vb.fetch_add(p.varbinds.count() as u64, Ordering::Relaxed);
                                    }
                                    let data = b[..n].to_vec();
                                    let l3 = l2.clone();
                                    tokio::spawn(async move {
                                        tokio::time::sleep(delay).await;
                                        let _ = l3.send_to(&data, client).await;
                                    });
                                }
                            });
                            ups.insert(client, u.clone());
                            u
                        }
                    };
                    let data = buf[..n].to_vec();
                    tokio::spawn(async move {
                        tokio::time::sleep(delay).await;
                        let _ = up.send(&data).await;
                    });
                }
            });
        }
        let mut buf = [0u8; 64];
        loop {
            let Ok((_, from)) = control.recv_from(&mut buf).await else {
                return;
            };
            let msg = format!(
                "{} {} {}",
                requests.swap(0, Ordering::Relaxed),
                responses.swap(0, Ordering::Relaxed),
                varbinds.swap(0, Ordering::Relaxed)
            );
            let _ = control.send_to(msg.as_bytes(), from).await;
        }
    });
}
