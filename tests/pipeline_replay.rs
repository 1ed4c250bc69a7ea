//! `cybriq replay` end to end on corpus captures: attribution by `--tap` and by `--fdb` port
//! tables (as `cybriq poll --json` writes them), the per-port summary, `--json` events only on
//! stdout, state kept with `--data-dir`, and clear errors for bad arguments.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cybriq::event::Event;

const DHCP: &str = "tests/data/tcpdump/dhcp-rfc3004.pcap";
const DHCP_MAC: &str = "00:0c:29:1f:74:06";
const LLDP_CDP: &str = "tests/data/tcpdump/LLDP_and_CDP.pcap";

fn cybriq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cybriq"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cybriq")
}

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("replay-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The DHCP capture, then the same exchange again five minutes later (a renewal): a device
/// whose first device is judged once its DNA is mature (port model v2: announcements or the
/// settle window, at least 90 s), which a five-second capture alone never is.
fn dhcp_renewed(dir: &Path) -> String {
    let b = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(DHCP)).unwrap();
    assert_eq!(&b[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "little-endian µs pcap");
    let mut out = b.clone();
    let mut at = 24;
    while at + 16 <= b.len() {
        let mut rec = b[at..at + 16].to_vec();
        let secs = u32::from_le_bytes(rec[0..4].try_into().unwrap()) + 300;
        rec[0..4].copy_from_slice(&secs.to_le_bytes());
        let len = u32::from_le_bytes(rec[8..12].try_into().unwrap()) as usize;
        out.extend_from_slice(&rec);
        out.extend_from_slice(&b[at + 16..at + 16 + len]);
        at += 16 + len;
    }
    let p = dir.join("dhcp-renewed.pcap");
    std::fs::write(&p, out).unwrap();
    p.to_str().unwrap().to_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The summary row of a port: the line starting with `switch` and `port`.
fn summary_row<'a>(text: &'a str, switch: &str, port: &str) -> Option<&'a str> {
    text.lines().find(|l| {
        let mut w = l.split_whitespace();
        w.next() == Some(switch) && w.next() == Some(port)
    })
}

#[test]
fn tap_attributes_every_frame_to_one_port() {
    let o = cybriq(&["replay", "--tap", "access-1:Gi1/0/7", DHCP]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let row = summary_row(&out, "access-1", "Gi1/0/7").unwrap_or_else(|| panic!("{out}"));
    assert!(row.contains(DHCP_MAC), "{row}");
    assert!(row.contains("dna:"), "{row}");
    assert!(stderr(&o).contains("attributed"), "{}", stderr(&o));
}

#[test]
fn fdb_file_from_poll_json_attributes_by_mac() {
    let d = tmp("fdb");
    let fdb = d.join("poll.json");
    // What `cybriq poll --json` prints for one switch: the DHCP client on Gi1/0/3, and the
    // server's MAC behind the uplink (never an edge location).
    std::fs::write(
        &fdb,
        format!(
            r#"{{"switch":{{"name":"access-2","sys_descr":"Cisco IOS"}},"status":"ok","ports":[{{"if_index":3,"name":"Gi1/0/3","oper_status":"up","macs":[{{"mac":"{DHCP_MAC}","vlan":10}}],"neighbors":[],"uplink":false}},{{"if_index":48,"name":"Gi1/0/48","oper_status":"up","macs":[{{"mac":"00:10:18:00:00:00","vlan":10}}],"neighbors":[],"uplink":true}}],"arp":[],"anomalies":[]}}
"#
        ),
    )
    .unwrap();
    let o = cybriq(&["replay", "--fdb", fdb.to_str().unwrap(), DHCP]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let row = summary_row(&out, "access-2", "Gi1/0/3").unwrap_or_else(|| panic!("{out}"));
    assert!(row.contains(DHCP_MAC), "{row}");
    assert!(
        summary_row(&out, "access-2", "Gi1/0/48").is_none(),
        "nothing is attributed to the uplink:\n{out}"
    );
}

#[test]
fn json_prints_events_only_and_every_line_is_one() {
    let d = tmp("json");
    let dhcp = dhcp_renewed(&d);
    let o = cybriq(&[
        "replay",
        "--json",
        "--seed",
        "7",
        "--tap",
        "access-1:Gi1/0/7",
        &dhcp,
        LLDP_CDP,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let mut n = 0;
    for line in out.lines() {
        let e: Event =
            serde_json::from_str(line).unwrap_or_else(|err| panic!("not an event: {err}: {line}"));
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for k in ["event", "event_id", "severity", "timestamp", "site", "port"] {
            assert!(v.get(k).is_some(), "{k} missing: {line}");
        }
        assert_eq!(e.port, "Gi1/0/7");
        n += 1;
    }
    assert!(
        n >= 1,
        "a device on a port without a baseline appears:\n{out}"
    );
    assert!(out.contains("\"device-appeared\""), "{out}");
    // The summary went to stderr.
    assert!(summary_row(&stderr(&o), "access-1", "Gi1/0/7").is_some());
    // Same seed, same ids.
    let again = cybriq(&[
        "replay",
        "--json",
        "--seed",
        "7",
        "--tap",
        "access-1:Gi1/0/7",
        &dhcp,
        LLDP_CDP,
    ]);
    assert_eq!(stdout(&again), out);
}

#[test]
fn data_dir_keeps_baselines_between_replays() {
    let d = tmp("state");
    let dir = d.to_str().unwrap();
    let src = tmp("state-src");
    let dhcp = dhcp_renewed(&src);
    let first = cybriq(&[
        "replay",
        "--json",
        "--data-dir",
        dir,
        "--tap",
        "sw:Gi1/0/1",
        &dhcp,
    ]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("device-appeared"));
    let c = rusqlite::Connection::open(d.join("cybriq.sqlite3")).unwrap();
    let n: i64 = c
        .query_row("SELECT COUNT(*) FROM port_state", [], |r| r.get(0))
        .unwrap();
    assert!(n >= 1);
    let events: i64 = c
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        events as usize,
        stdout(&first).lines().count(),
        "every event is stored"
    );
    let devices: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM devices WHERE mac = ?1",
            [DHCP_MAC],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(devices, 1);
    drop(c);
    // The same device again on the same port: the stored baseline matches, nothing appears.
    let second = cybriq(&[
        "replay",
        "--json",
        "--data-dir",
        dir,
        "--tap",
        "sw:Gi1/0/1",
        &dhcp,
    ]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        !stdout(&second).contains("device-appeared")
            && !stdout(&second).contains("device-substituted"),
        "{}",
        stdout(&second)
    );
}

#[test]
fn bad_arguments_are_clear_errors() {
    let o = cybriq(&["replay", "--tap", "no-colon", DHCP]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("SWITCH:PORT"), "{}", stderr(&o));

    let d = tmp("bad");
    let fdb = d.join("bad.json");
    std::fs::write(&fdb, "{\"switch\": 3}").unwrap();
    let o = cybriq(&["replay", "--fdb", fdb.to_str().unwrap(), DHCP]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.json"), "{}", stderr(&o));

    let o = cybriq(&["replay", "Cargo.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    let cfg = d.join("bad.toml");
    std::fs::write(&cfg, "[sensor]\nsite = \"x\"\nbogus = 1\n").unwrap();
    let o = cybriq(&["replay", "--config", cfg.to_str().unwrap(), DHCP]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bogus"), "{}", stderr(&o));
}
