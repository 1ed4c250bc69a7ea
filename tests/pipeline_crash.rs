//! `kill -9` in the middle of a replay raises no event twice and loses none.
//!
//! A generated site capture (corpus LLDP, CDP and DHCP client frames with their device MAC
//! rewritten; the FDB file puts one device on each of a few hundred ports, which first speak one
//! after the other and then keep talking) is replayed into a data directory by a child
//! `cybriq replay`, which is killed with SIGKILL several times mid-stream (each time once more
//! events are stored than before) and started again on the same data directory until one run
//! completes. A restarted replay hands the capture in from its start again, as a restarted
//! sensor hears the same devices again: what the store had committed before the kill must be
//! consistent (each port's state together with the events it raised), so that nothing stored is
//! raised again and nothing raised but lost is missing. The result is compared with an
//! uninterrupted replay of the same capture: the same events (type, switch, port, MAC, time),
//! each exactly once in `events` and once in the syslog outbox, and the same final port
//! summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cybriq::capture::{PcapWriter, read_all};
use cybriq::clock::Timestamp;
use cybriq::observe::{Observation, Signal};
use cybriq::wire::{LinkType, MacAddr, frame};

const PORTS: usize = 400;
/// Capture start, µs.
const T0: i64 = 1_760_000_000_000_000;
/// Port `i`'s device first speaks at `T0 + i × STAGGER`.
const STAGGER_US: i64 = 5_000_000;
/// Then every `EVERY`.
const EVERY_US: i64 = 60_000_000;
/// Until `T0 + PORTS × STAGGER + TAIL`.
const TAIL_US: i64 = 1_800_000_000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> PathBuf {
    let d =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("crash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn device_mac(i: usize) -> MacAddr {
    const OUIS: [[u8; 3]; 3] = [[0x00, 0x04, 0x0d], [0x00, 0x1b, 0x54], [0x00, 0x0c, 0x29]];
    let o = OUIS[i % OUIS.len()];
    MacAddr([o[0], o[1], o[2], 0x5a, (i >> 8) as u8, i as u8])
}

/// Rewrites the source MAC (and a DHCP client's chaddr); false for tagged or short frames.
fn rewrite(d: &mut [u8], mac: MacAddr) -> bool {
    if d.len() < 14 || d[12..14] == [0x81, 0x00] {
        return false;
    }
    d[6..12].copy_from_slice(&mac.0);
    let ipv4_udp =
        d[12..14] == [0x08, 0x00] && d.len() > 14 + 20 + 8 + 34 && d[14] == 0x45 && d[23] == 17;
    if ipv4_udp && u16::from_be_bytes([d[34], d[35]]) == 68 {
        d[70..76].copy_from_slice(&mac.0);
    }
    true
}

/// Device frames from the corpus whose sender is the rewritten MAC.
fn templates() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for f in [
        "tcpdump/LLDP_and_CDP.pcap",
        "lldpd/sg200.pcap",
        "ladvd/cdp/49.good.phone.pcap",
        "tcpdump/dhcp-rfc3004.pcap",
    ] {
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
            let from_device = match &o.signal {
                Signal::Dhcp(x) => x.from_client,
                Signal::Lldp(_) | Signal::Cdp(_) => true,
                _ => false,
            };
            if from_device && o.mac == Some(probe) {
                out.push(d);
                // One frame per file: each device repeats one announcement.
                break;
            }
        }
    }
    assert!(out.len() >= 3, "templates: {}", out.len());
    out
}

/// Writes the capture and the FDB file into `dir`.
fn scenario(dir: &Path) -> (PathBuf, PathBuf) {
    let t = templates();
    let end = T0 + PORTS as i64 * STAGGER_US + TAIL_US;
    let mut frames: Vec<(i64, usize)> = Vec::new();
    for i in 0..PORTS {
        let mut ts = T0 + i as i64 * STAGGER_US;
        while ts < end {
            frames.push((ts, i));
            ts += EVERY_US;
        }
    }
    frames.sort();
    let cap = dir.join("site.pcap");
    let f = std::io::BufWriter::new(std::fs::File::create(&cap).unwrap());
    let mut w = PcapWriter::new(f, 1, 65535).unwrap();
    let mut buf = Vec::new();
    for (ts, i) in frames {
        buf.clear();
        buf.extend_from_slice(&t[i % t.len()]);
        rewrite(&mut buf, device_mac(i));
        w.write(Timestamp(ts), &buf).unwrap();
    }
    w.finish().unwrap();
    let ports: Vec<serde_json::Value> = (0..PORTS)
        .map(|i| {
            serde_json::json!({
                "if_index": i + 1,
                "name": format!("Gi1/0/{}", i + 1),
                "oper_status": "up",
                "macs": [{"mac": device_mac(i).to_string(), "vlan": 10}],
                "neighbors": [],
                "uplink": false,
            })
        })
        .collect();
    let fdb = dir.join("fdb.json");
    let table = serde_json::json!({
        "switch": {"name": "access-1"},
        "status": "ok",
        "ports": ports,
        "arp": [],
        "anomalies": [],
    });
    std::fs::write(&fdb, table.to_string()).unwrap();
    (cap, fdb)
}

fn replay(data: &Path, cap: &Path, fdb: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cybriq"));
    c.args(["replay", "--json", "--data-dir"])
        .arg(data)
        .arg("--fdb")
        .arg(fdb)
        .arg(cap)
        .current_dir(root());
    c
}

/// The port summary a completed replay printed (stderr with `--json`), without its timing line
/// and without the similarity column: each port's switch, name, MAC, identity, DNA and state.
/// (The similarity is a score against the baseline, which a restarted replay folds the frames
/// it hears again into: it may show once more or once less.)
fn summary(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| !l.starts_with("cybriq:") && !l.starts_with("SWITCH"))
        .map(|l| {
            let mut w: Vec<&str> = l.split_whitespace().collect();
            if let Some(i) = w.iter().position(|x| x.starts_with("dna:"))
                && i + 1 < w.len()
            {
                w.remove(i + 1);
            }
            w.join(" ")
        })
        .collect()
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("cybriq.sqlite3")).unwrap()
}

fn stored_events(dir: &Path) -> i64 {
    // The child may be creating the file or migrating: not there yet reads as none.
    let p = dir.join("cybriq.sqlite3");
    if !p.exists() {
        return 0;
    }
    let Ok(c) =
        rusqlite::Connection::open_with_flags(&p, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    let _ = c.busy_timeout(Duration::from_secs(5));
    c.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap_or(0)
}

/// (event, switch, port, MAC, timestamp) → how many times stored; and the outbox's event ids
/// → how many times queued, beside the ids of `events`.
type Key = (String, String, String, String, i64);

fn events_of(dir: &Path) -> (BTreeMap<Key, usize>, BTreeMap<String, usize>, Vec<String>) {
    let c = db(dir);
    let mut st = c
        .prepare(
            "SELECT event, COALESCE(switch, ''), port, COALESCE(mac, ''), ts, event_id FROM events",
        )
        .unwrap();
    let mut keys = BTreeMap::new();
    let mut ids = Vec::new();
    let rows = st
        .query_map([], |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                r.get::<_, String>(5)?,
            ))
        })
        .unwrap();
    for row in rows {
        let (k, id) = row.unwrap();
        *keys.entry(k).or_insert(0) += 1;
        ids.push(id);
    }
    let mut outbox = BTreeMap::new();
    let mut st = c.prepare("SELECT event_id FROM emit_outbox").unwrap();
    for id in st.query_map([], |r| r.get::<_, String>(0)).unwrap() {
        *outbox.entry(id.unwrap()).or_insert(0) += 1;
    }
    (keys, outbox, ids)
}

#[test]
fn kill_9_mid_replay_raises_no_event_twice_and_loses_none() {
    let d = tmp("scenario");
    let (cap, fdb) = scenario(&d);

    // Uninterrupted: the expected events and the expected final state.
    let reference = d.join("reference");
    let out = replay(&reference, &cap, &fdb)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected_summary = summary(&out.stderr);
    assert!(expected_summary.len() >= PORTS, "{expected_summary:?}");
    let (expected, _, _) = events_of(&reference);
    let total: usize = expected.values().sum();
    assert!(
        total >= PORTS,
        "the scenario raises at least one event per port: {total}"
    );
    assert!(expected.values().all(|&n| n == 1), "{expected:?}");

    // Killed whenever some more events were stored than at the previous kill, then restarted.
    let crashed = d.join("crashed");
    let mut kills = 0;
    let mut mid_stream = 0;
    let mut at_last_kill = 0i64;
    let step = (total / 5).max(1) as i64;
    let final_out = loop {
        let mut child = replay(&crashed, &cap, &fdb)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let killed = loop {
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            if kills < 4 && stored_events(&crashed) >= at_last_kill + step {
                child.kill().unwrap(); // SIGKILL
                break true;
            }
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "replay did not finish"
            );
            std::thread::sleep(Duration::from_millis(2));
        };
        let out = child.wait_with_output().unwrap();
        if !killed {
            break out;
        }
        kills += 1;
        at_last_kill = stored_events(&crashed);
        if (at_last_kill as usize) < total {
            mid_stream += 1;
        }
    };
    assert!(
        final_out.status.success(),
        "{}",
        String::from_utf8_lossy(&final_out.stderr)
    );
    assert!(
        mid_stream >= 1,
        "no kill landed mid-stream ({kills} kills); the test proved nothing"
    );

    let (got, outbox, ids) = events_of(&crashed);
    let twice: Vec<_> = got.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "raised more than once: {twice:?}");
    let lost: Vec<_> = expected.keys().filter(|k| !got.contains_key(*k)).collect();
    assert!(lost.is_empty(), "lost across kill -9: {lost:?}");
    let extra: Vec<_> = got.keys().filter(|k| !expected.contains_key(*k)).collect();
    assert!(
        extra.is_empty(),
        "not raised by the uninterrupted replay: {extra:?}"
    );
    // The syslog outbox holds each stored event exactly once, and nothing else.
    assert_eq!(outbox.len(), ids.len(), "outbox {outbox:?}");
    for id in &ids {
        assert_eq!(outbox.get(id), Some(&1), "event {id} in the outbox");
    }
    // The same state as the uninterrupted replay: every port, its device, identity, DNA and
    // state.
    let got_summary = summary(&final_out.stderr);
    assert_eq!(got_summary.len(), expected_summary.len(), "{got_summary:?}");
    let differ: Vec<_> = got_summary
        .iter()
        .zip(&expected_summary)
        .filter(|(a, b)| a != b)
        .collect();
    assert!(
        differ.is_empty(),
        "(after kill -9, uninterrupted): {differ:?}"
    );
    let _ = std::fs::remove_dir_all(&d);
}
