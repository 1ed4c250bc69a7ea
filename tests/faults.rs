//! Faults an operator meets in the first week, each with its expected outcome written first:
//!
//! - **A full disk** (the database's file system has no space left): the store writer logs one
//!   ERROR line per failed attempt naming the failure ("database or disk is full"), keeps the
//!   batch and retries; nothing crashes; once space is back every write lands — the events and
//!   devices in the database equal those of the same replay on a disk with room.
//! - **A SIEM that is down** while events are raised: the events wait in the outbox (the replay
//!   says how many were not delivered and exits 1); the next start delivers each of them once
//!   the SIEM is back, with none lost and none invented.
//! - **An unwritable data directory**: `cybriq run` exits 78 with one `cybriq: error:` line
//!   naming the path (no crash loop: the unit does not restart on 78).
//! - **A missing certificate**: `cybriq run` exits 78 naming `api.cert`.
//!
//! The full-disk and read-only cases mount a small tmpfs in a private mount namespace
//! (`unshare -m`), so they need root; without it they are skipped with a message, except under
//! CI (`CI=true`), where they fail.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CAPTURES: [&str; 3] = [
    "tests/data/tcpdump/LLDP_and_CDP.pcap",
    "tests/data/tcpdump/dhcp-rfc3004.pcap",
    "tests/data/lldpd/sg200.pcap",
];

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cybriq")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Whether the test can mount file systems in a namespace of its own.
fn can_mount(test: &str) -> bool {
    let ok = is_root()
        && Command::new("unshare")
            .args(["-m", "true"])
            .status()
            .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "{test}: needs root and unshare(1) under CI"
        );
        eprintln!("{test}: skipped: needs root and unshare(1)");
    }
    ok
}

/// The replays' arguments: every frame attributed to one port, then the captures.
fn captures() -> Vec<String> {
    let mut v = vec!["--tap".to_owned(), "access-1:Gi1/0/1".to_owned()];
    v.extend(
        CAPTURES
            .iter()
            .map(|c| root().join(c).display().to_string()),
    );
    v
}

fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// What the replay left in a database: event types (sorted) and device rows.
fn contents(db: &Path) -> (Vec<String>, i64) {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT event_id || ' ' || event FROM events ORDER BY event_id")
        .unwrap();
    let events = st
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    (events, count(db, "SELECT COUNT(*) FROM devices"))
}

#[test]
fn a_full_disk_blocks_writes_with_an_error_and_loses_nothing() {
    const TEST: &str = "faults full disk";
    if !can_mount(TEST) {
        return;
    }
    let dir = scratch("faults-full");
    // The same two replays (the first capture, then all) on a disk with room.
    let reference = dir.join("reference");
    for args in [&captures()[..3], &captures()[..]] {
        let st = Command::new(bin())
            .args(["replay", "--seed", "1", "--data-dir"])
            .arg(&reference)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
    }
    let want = contents(&reference.join("cybriq.sqlite3"));
    assert!(!want.0.is_empty() && want.1 > 0, "{want:?}");

    // On a 16 MiB tmpfs: the database is created, then the disk is filled but for 48 KiB (room
    // to open the database, not to write what the replay brings), then the replay runs: the
    // disk fills under it, as on an appliance. The test frees the space once the writer has
    // reported the failure.
    let mnt = dir.join("mnt");
    let out = dir.join("out");
    std::fs::create_dir_all(&mnt).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let script = format!(
        r#"set -e
mount -t tmpfs -o size=16m cybriq-faults "{mnt}"
mkdir "{mnt}/data"
"{bin}" replay --seed 1 --data-dir "{mnt}/data" {first} >/dev/null 2>&1
dd if=/dev/zero of="{mnt}/pad" bs=4k count=12 2>/dev/null
dd if=/dev/zero of="{mnt}/filler" bs=4k 2>/dev/null || true
rm "{mnt}/pad"
echo filled > "{out}/filled"
"{bin}" replay --seed 1 --data-dir "{mnt}/data" {all} > "{out}/events.json" 2> "{out}/replay.log"
echo $? > "{out}/status"
cp "{mnt}/data/cybriq.sqlite3" "{out}/"
"#,
        mnt = mnt.display(),
        out = out.display(),
        bin = bin(),
        first = captures()[..3].join(" "),
        all = captures().join(" "),
    );
    let mut sh = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .spawn()
        .unwrap();
    let log = out.join("replay.log");
    let deadline = Instant::now() + Duration::from_secs(120);
    let failure = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(l) = text.lines().find(|l| l.contains("Store commit failed")) {
            break l.to_owned();
        }
        assert!(
            sh.try_wait().unwrap().is_none(),
            "the replay ended before the disk filled: {text}"
        );
        assert!(
            Instant::now() < deadline,
            "no write failure reported: {text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(failure.contains("ERROR"), "{failure}");
    assert!(
        failure.contains("full") || failure.contains("space"),
        "the line says why: {failure}"
    );
    // Free the space through the namespace's view of its mounts.
    let filler = PathBuf::from(format!("/proc/{}/root", sh.id()))
        .join(mnt.strip_prefix("/").unwrap())
        .join("filler");
    std::fs::remove_file(&filler).unwrap();
    let st = sh.wait().unwrap();
    assert!(st.success(), "the namespace script failed");
    let status = std::fs::read_to_string(out.join("status")).unwrap();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(status.trim(), "0", "{text}");
    assert!(!text.contains("panicked"), "{text}");
    let got = contents(&out.join("cybriq.sqlite3"));
    assert_eq!(got, want, "what the full disk held back landed, all of it");
}

/// A TCP SIEM that keeps every octet-counted message it receives.
fn siem(listener: TcpListener) -> Arc<Mutex<String>> {
    let got = Arc::new(Mutex::new(String::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { break };
            let g = g.clone();
            std::thread::spawn(move || {
                let mut b = [0u8; 65536];
                while let Ok(n) = s.read(&mut b) {
                    if n == 0 {
                        break;
                    }
                    g.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&b[..n]));
                }
            });
        }
    });
    got
}

#[test]
fn a_siem_that_is_down_gets_every_event_once_it_is_back() {
    let dir = scratch("faults-siem");
    // A port nobody listens on yet.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cfg = dir.join("sensor.toml");
    std::fs::write(
        &cfg,
        format!(
            "[sensor]\nsite = \"lab\"\n\n[[destination]]\nname = \"siem\"\nmode = \"tcp\"\n\
             address = \"127.0.0.1:{port}\"\nbackoff_initial_ms = 100\nbackoff_max_ms = 500\n\
             confirm_after_ms = 200\n"
        ),
    )
    .unwrap();
    let data = dir.join("data");
    let down = Command::new(bin())
        .args([
            "replay",
            "--seed",
            "1",
            "--drain-timeout-secs",
            "2",
            "--config",
        ])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(&data)
        .args(captures())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&down.stderr);
    assert_eq!(down.status.code(), Some(1), "{err}");
    assert!(
        err.contains("destination siem:") && err.contains("events not delivered"),
        "{err}"
    );
    let db = data.join("cybriq.sqlite3");
    let (events, _) = contents(&db);
    assert!(!events.is_empty());

    // The SIEM is back; the next start (a replay of nothing new) delivers the backlog.
    let got = siem(TcpListener::bind(("127.0.0.1", port)).unwrap());
    let empty = dir.join("empty.pcap");
    // A pcap header and no record.
    let mut h = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    h.extend([0u8; 8]);
    h.extend(65535u32.to_le_bytes());
    h.extend(1u32.to_le_bytes());
    std::fs::write(&empty, h).unwrap();
    let up = Command::new(bin())
        .args(["replay", "--drain-timeout-secs", "30", "--config"])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(&data)
        .arg(&empty)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&up.stderr);
    assert!(up.status.success(), "{err}");
    assert!(err.contains("every event delivered"), "{err}");
    let text = got.lock().unwrap().clone();
    for e in &events {
        let id = e.split(' ').next().unwrap();
        assert_eq!(
            text.matches(&format!("event_id=\"{id}\"")).count(),
            1,
            "{id} delivered once"
        );
    }
    assert_eq!(
        text.matches("event_id=\"").count(),
        events.len(),
        "nothing invented"
    );
}

fn run_exit(cfg_text: &str, name: &str) -> (Option<i32>, String) {
    let dir = scratch(name);
    let cfg = dir.join("sensor.toml");
    std::fs::write(&cfg, cfg_text.replace("DIR", &dir.display().to_string())).unwrap();
    let out = Command::new(bin())
        .args(["run", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn error_line(err: &str) -> &str {
    err.lines()
        .find(|l| l.starts_with("cybriq: error:"))
        .unwrap_or_else(|| panic!("no error line: {err}"))
}

#[test]
fn an_unwritable_data_directory_exits_78_naming_it() {
    // A data directory below a regular file cannot be created, root or not.
    let (code, err) = run_exit(
        "[sensor]\ndata_dir = \"DIR/sensor.toml/data\"\n",
        "faults-notdir",
    );
    assert_eq!(code, Some(78), "{err}");
    assert!(error_line(&err).contains("sensor.toml/data"), "{err}");
    // A read-only file system (root only: a read-only tmpfs in a private mount namespace).
    if !can_mount("faults read-only data directory") {
        return;
    }
    let dir = scratch("faults-ro");
    let mnt = dir.join("ro");
    std::fs::create_dir_all(&mnt).unwrap();
    let cfg = dir.join("sensor.toml");
    std::fs::write(
        &cfg,
        format!("[sensor]\ndata_dir = \"{}/data\"\n", mnt.display()),
    )
    .unwrap();
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs -o ro cybriq-ro \"{}\" && exec \"{}\" run --config \"{}\"",
            mnt.display(),
            bin(),
            cfg.display()
        ))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{err}");
    let line = error_line(&err);
    assert!(
        line.contains("/ro/data") && line.contains("Read-only"),
        "{line}"
    );
}

#[test]
fn a_missing_certificate_exits_78_naming_the_key() {
    let (code, err) = run_exit(
        "[sensor]\ndata_dir = \"DIR/data\"\n[api]\nlisten = \"127.0.0.1:0\"\ncert = \"DIR/none.pem\"\nkey = \"DIR/none.key\"\n",
        "faults-cert",
    );
    assert_eq!(code, Some(78), "{err}");
    let line = error_line(&err);
    assert!(line.contains("none.pem"), "{line}");
}
