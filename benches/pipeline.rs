//! Replay throughput through decode + attribution + DNA + engine + store, and memory with
//! 100,000 devices on 50,000 ports.
//!
//! The capture is built from real corpus frames (LLDP, LLDP-MED, CDP, DHCP client messages):
//! each frame is a template whose source MAC (and DHCP `chaddr`) is rewritten to one of
//! 100,000 device MACs; the FDB puts two MACs on each of 50,000 ports on 200 switches. With
//! `--bench` the capture has 1,000,000 frames, each device speaking once a minute (ten
//! minutes of capture; `CYBRIQ_BENCH_SPAN_S` sets another span), and the report (frames/s,
//! peak RSS, and, side by side on the same capture, the decode-only rate of the same binary)
//! goes to `target/bench-pipeline-report.txt`; under `cargo test` a small capture runs once.
//! `CYBRIQ_BENCH_FRAMES=N` shortens the capture, `CYBRIQ_BENCH_REPLAY_ONLY=1` skips the
//! decode-only pass (for a heap profiler), `CYBRIQ_BENCH_NO_STORE=1` runs without the store.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use cybriq::capture::{PcapWriter, read_all};
use cybriq::clock::Timestamp;
use cybriq::config::Config;
use cybriq::dna::DnaBuilder;
use cybriq::observe::{Observation, Signal};
use cybriq::pipeline::replay::{Pace, replay};
use cybriq::pipeline::{Pipeline, Settings};
use cybriq::refdb::RefDb;
use cybriq::snmp::{MacEntry, Port, PortTable, Reachability, SwitchInfo};
use cybriq::store::{Writer, WriterSettings};
use cybriq::wire::{LinkType, MacAddr, frame};

const SWITCHES: usize = 200;
const PORTS_PER_SWITCH: usize = 250;
const DEVICES: usize = 100_000;
/// Time of the capture's first frame, µs.
const CAPTURE_START: i64 = 1_760_000_000_000_000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn device_mac(i: usize) -> MacAddr {
    // Universal MACs from a handful of real vendor OUIs.
    const OUIS: [[u8; 3]; 4] = [
        [0x00, 0x04, 0x0d],
        [0x00, 0x1b, 0x54],
        [0x00, 0x0c, 0x29],
        [0x3c, 0x52, 0x82],
    ];
    let o = OUIS[i % OUIS.len()];
    let n = i as u32;
    MacAddr([o[0], o[1], o[2], (n >> 16) as u8, (n >> 8) as u8, n as u8])
}

/// Untagged Ethernet templates whose device MAC sits where `rewrite` puts it.
fn templates() -> Vec<Vec<u8>> {
    let files = [
        "tcpdump/LLDP_and_CDP.pcap",
        "tcpdump/3560_CDP.pcap",
        "lldpd/sg200.pcap",
        "ladvd/cdp/49.good.phone.pcap",
        "tcpdump/dhcp-mud.pcap",
        "tcpdump/dhcp-rfc3004.pcap",
        "tcpdump/dhcp-option-33.pcap",
    ];
    let mut out = Vec::new();
    for f in files {
        let (link, recs, _) = read_all(&root().join("tests/data").join(f)).expect("capture");
        if link != LinkType::Ethernet {
            continue;
        }
        for (ts, d) in recs {
            let mut d = d.clone();
            let probe = MacAddr([0x00, 0x04, 0x0d, 0xfe, 0xfe, 0xfe]);
            if !rewrite(&mut d, probe) {
                continue;
            }
            let Some(o) = Observation::from_frame(ts, &frame::decode(LinkType::Ethernet, &d))
            else {
                continue;
            };
            let client = match &o.signal {
                Signal::Dhcp(x) => x.from_client,
                Signal::Lldp(_) | Signal::Cdp(_) => true,
                _ => false,
            };
            if client && o.mac == Some(probe) {
                out.push(d);
            }
        }
    }
    assert!(out.len() >= 5, "templates: {}", out.len());
    out
}

/// Rewrites the source MAC, and a DHCP client's chaddr; false when the frame is tagged or too
/// short.
fn rewrite(d: &mut [u8], mac: MacAddr) -> bool {
    if d.len() < 14 || d[12..14] == [0x81, 0x00] {
        return false;
    }
    d[6..12].copy_from_slice(&mac.0);
    let ipv4_udp =
        d[12..14] == [0x08, 0x00] && d.len() > 14 + 20 + 8 + 34 && d[14] == 0x45 && d[23] == 17;
    if ipv4_udp {
        let sport = u16::from_be_bytes([d[34], d[35]]);
        if sport == 68 {
            d[70..76].copy_from_slice(&mac.0);
        }
    }
    true
}

fn tables() -> Vec<PortTable> {
    (0..SWITCHES)
        .map(|s| PortTable {
            switch: SwitchInfo {
                name: format!("access-{s:03}"),
                ..SwitchInfo::default()
            },
            status: Reachability::Ok,
            ports: (0..PORTS_PER_SWITCH)
                .map(|p| {
                    let port = s * PORTS_PER_SWITCH + p;
                    Port {
                        if_index: p as u32 + 1,
                        name: format!("Gi1/0/{}", p + 1),
                        oper_status: Some("up".into()),
                        speed_mbps: Some(1000),
                        macs: [2 * port, 2 * port + 1]
                            .into_iter()
                            .map(|i| MacEntry {
                                mac: device_mac(i).to_string(),
                                vlan: Some(10),
                            })
                            .collect(),
                        ..Port::default()
                    }
                })
                .collect(),
            ..PortTable::default()
        })
        .collect()
}

/// Capture time the frames span, µs: each device speaks once a minute (as LLDP and CDP agents
/// announce: 30-60 s), unless `CYBRIQ_BENCH_SPAN_S` says otherwise (86400: the whole capture
/// over a day, each device heard every 2.4 h, its announcements expired between frames).
fn span_us(frames: usize) -> i64 {
    let rounds = frames.div_ceil(DEVICES).max(1) as i64;
    std::env::var("CYBRIQ_BENCH_SPAN_S")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .map_or(rounds * 60_000_000, |s| s * 1_000_000)
}

fn build_capture(path: &Path, frames: usize) {
    let t = templates();
    let f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut w = PcapWriter::new(f, 1, 65535).unwrap();
    let start = CAPTURE_START;
    let step = span_us(frames) / frames.max(1) as i64;
    let mut buf = Vec::new();
    for k in 0..frames {
        let dev = k % DEVICES;
        buf.clear();
        buf.extend_from_slice(&t[dev % t.len()]);
        rewrite(&mut buf, device_mac(dev));
        w.write(Timestamp(start + k as i64 * step), &buf).unwrap();
    }
    w.finish().unwrap();
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// On-CPU seconds of this process's threads, by thread name (`/proc/self/task/*/schedstat`).
fn thread_cpu() -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
        let ns = std::fs::read_to_string(p.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .unwrap_or(0.0);
        out.push((name.trim().to_owned(), ns / 1e9));
    }
    out
}

/// On-CPU seconds of the calling thread.
fn own_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    // CYBRIQ_BENCH_FRAMES overrides the frame count (a shorter run under a heap profiler).
    let frames = std::env::var("CYBRIQ_BENCH_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 1_000_000 } else { 5_000 });
    let dir = root().join("target/bench-pipeline");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cap = dir.join("site.pcap");
    build_capture(&cap, frames);
    let tables = tables();

    let cfg = Config::default();
    let writer = Arc::new(
        Writer::start(&dir.join("cybriq.sqlite3"), WriterSettings::default(), None).unwrap(),
    );
    let mut p = Pipeline::new(
        &cfg,
        Settings::default(),
        DnaBuilder::new(cfg.dna.params()),
        Arc::new(RefDb::builtin().unwrap()),
        Vec::new(),
        // CYBRIQ_BENCH_NO_STORE: the pipeline thread alone (where the time goes).
        std::env::var_os("CYBRIQ_BENCH_NO_STORE")
            .is_none()
            .then(|| writer.clone()),
    )
    .with_seed(1);
    // The port tables are handed in at the capture's start (as `replay` does with tables that
    // carry no poll time) and then dropped: 50,000 ports of poller output are the benchmark's
    // input, not the pipeline's memory.
    let t0 = Instant::now();
    let cpu0 = own_cpu();
    for t in &tables {
        p.table(t, Timestamp(CAPTURE_START));
    }
    drop(tables);
    let rss_before = peak_rss_mb();
    let mut out = replay(
        &mut p,
        std::slice::from_ref(&cap),
        &[],
        Pace::AsFastAsPossible,
    )
    .unwrap();
    // Everything is committed (`finish` waits for the store): the threads' CPU time so far is
    // the run's. On a shared machine the wall time depends on the others' load; the busier of
    // the two threads bounds the rate on two free cores.
    let cpu_pipeline = own_cpu() - cpu0;
    let cpu_writer: f64 = thread_cpu()
        .iter()
        .filter(|(n, _)| n == "store-writer")
        .map(|(_, s)| s)
        .sum();
    // The whole run from the tables on (`replay`'s own elapsed time is a part of it), until
    // every write is committed.
    writer.stop();
    out.elapsed = t0.elapsed();
    let ws = writer.stats();
    let (batches, writes, rows) = (
        ws.batches.load(std::sync::atomic::Ordering::Relaxed),
        ws.writes.load(std::sync::atomic::Ordering::Relaxed),
        ws.rows.load(std::sync::atomic::Ordering::Relaxed),
    );
    // Events by type, from the store (what the engine made of the site).
    let by_type: Vec<String> = cybriq::store::open(&dir.join("cybriq.sqlite3"))
        .ok()
        .and_then(|c| {
            let mut st = c
                .prepare("SELECT event, COUNT(*) FROM events GROUP BY event ORDER BY event")
                .ok()?;
            st.query_map([], |r| {
                Ok(format!(
                    "{} {}",
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(0)?
                ))
            })
            .ok()?
            .collect::<Result<Vec<_>, _>>()
            .ok()
        })
        .unwrap_or_default();
    let rate = out.frames as f64 / out.elapsed.as_secs_f64();
    let s = p.stats();
    // Peak RSS of the replay alone (the decode-only pass below holds the whole capture in
    // memory, so it runs after this reading).
    let rss_replay = peak_rss_mb();
    drop(p);

    if std::env::var_os("CYBRIQ_BENCH_REPLAY_ONLY").is_some() {
        // Under a heap profiler: the decode-only pass holds the whole capture and would hide
        // the replay's peak.
        eprintln!("peak RSS of the replay {rss_replay:.0} MB");
        return;
    }
    // Decode only, same capture, same binary: the floor the pipeline is compared with.
    let t0 = Instant::now();
    let (link, recs, _) = read_all(&cap).unwrap();
    let mut n = 0u64;
    for (ts, d) in &recs {
        if Observation::from_frame(*ts, &frame::decode(link, d)).is_some() {
            n += 1;
        }
    }
    let decode_rate = recs.len() as f64 / t0.elapsed().as_secs_f64();
    drop(recs);

    let text = format!(
        "Replay through decode + attribution + DNA + engine + store ({} frames, {} devices, {} ports, {:.0} s of capture):\n  \
         pipeline      {rate:>12.0} frames/s ({:.2} s)\n  \
         decode only   {decode_rate:>12.0} frames/s  (pipeline / decode = {:.3})\n  \
         observations {n}, attributed {}, DNA builds {}, events {} ({}), devices kept {}\n  \
         store: {writes} writes, {rows} rows after coalescing, {batches} transactions\n  \
         CPU: pipeline thread {cpu_pipeline:.2} s, store writer {cpu_writer:.2} s \
         (on two free cores ≈ {:.0} frames/s)\n  \
         peak RSS {:.0} MB (before the replay {:.0} MB; target ≤ 300 MB)",
        out.frames,
        DEVICES.min(frames),
        SWITCHES * PORTS_PER_SWITCH,
        span_us(frames) as f64 / 1e6,
        out.elapsed.as_secs_f64(),
        rate / decode_rate,
        s.attributed,
        s.dna_builds,
        s.events,
        by_type.join(", "),
        s.devices,
        out.frames as f64 / cpu_pipeline.max(cpu_writer).max(1e-9),
        rss_replay,
        rss_before,
    );
    eprintln!("{text}");
    assert!(s.attributed > 0, "nothing attributed: {s:?}");
    if full {
        let _ = std::fs::write(root().join("target/bench-pipeline-report.txt"), text + "\n");
    }
}
