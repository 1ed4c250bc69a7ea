//! The syslog emitter against a real SIEM-side receiver: rsyslogd (Debian's `rsyslog` and
//! `rsyslog-gnutls`) started by each test on loopback with its RFC 5424 parser, `mmpstrucdata`
//! and a JSON template. Every event type over UDP, TCP, TLS (CA + client certificate, and a
//! pinned certificate) and CEF parses back to exactly the fields sent; 100,000 events over TCP
//! and TLS survive a `kill -9` of rsyslogd and of the sensor mid-stream with no event lost.

mod rsyslog;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cybriq::clock::Timestamp;
use cybriq::config::Config;
use cybriq::emit::{DrainOutcome, Emitter, Settings};
use cybriq::event::{Event, EventType, parse_rfc3339, sample};
use rsyslog::{Listen, Pki, Rsyslog, rsyslogd, scratch, sd, write_config};
use serde_json::Value;

/// An event from a record's structured data, as a SIEM parser would rebuild it.
fn event_from_sd(rec: &Value) -> Event {
    let mut o = serde_json::Map::new();
    for (k, v) in sd(rec) {
        let s = v.as_str().expect("SD values are strings");
        let val = match k.as_str() {
            "similarity" | "threshold" | "confidence" => {
                serde_json::json!(s.parse::<f64>().unwrap())
            }
            "change_window_match" | "unenrolled" => serde_json::json!(s == "true"),
            "mitre" | "controls" | "changed" => serde_json::json!(s.split(',').collect::<Vec<_>>()),
            _ => serde_json::json!(s),
        };
        o.insert(k.clone(), val);
    }
    serde_json::from_value(Value::Object(o)).unwrap_or_else(|e| panic!("{e}: {rec}"))
}

/// Sample events of every type plus the same with hostile content in every string field.
fn test_events() -> Vec<Event> {
    let ts = Timestamp(1_778_432_892_482_000);
    let mut r = 1u128;
    let mut evs = sample::all(
        ts,
        || {
            r += 1;
            r
        },
        "hq-bldg-3",
    );
    for (i, t) in EventType::ALL.into_iter().enumerate() {
        let mut e = sample::event(
            t,
            Timestamp(ts.0 + 1000 * (i as i64 + 1)),
            1000 + i as u128,
            "site \"q\" ]\\ z\u{fc}rich",
        );
        e.port = format!("Gi1/0/{i} [uplink] \u{2603}");
        e.switch = Some("sw=1 \"core\"".into());
        e.vendor = Some("Vendor]x\\y\nline2 caf\u{e9}".into());
        e.controls = vec!["PCI-4.0/12.5.1".into(), "ISO 27001 A.8.1]".into()];
        evs.push(e);
    }
    evs
}

fn settings(dir: &Path) -> Settings {
    Settings {
        db: dir.join("state").join("cybriq.sqlite3"),
        hostname: "sensor-test".into(),
        procid: "4242".into(),
    }
}

fn check_rfc5424(rx: &Rsyslog, evs: &[Event], transport: &str) {
    let n = rx.wait_for(evs.len(), Duration::from_secs(10));
    let recs = rx.records();
    assert!(
        n >= evs.len() && recs.len() >= evs.len(),
        "{transport}: {} of {} arrived",
        recs.len(),
        evs.len()
    );
    let by_id: HashMap<String, &Value> = recs
        .iter()
        .map(|r| (sd(r)["event_id"].as_str().unwrap().to_owned(), r))
        .collect();
    for e in evs {
        let rec = by_id
            .get(&e.event_id.to_string())
            .unwrap_or_else(|| panic!("{transport}: {} missing", e.event_id));
        assert_eq!(rec["facility"], 16, "{transport}");
        assert_eq!(rec["severity"], 6, "{transport}");
        assert_eq!(rec["hostname"], "sensor-test");
        assert_eq!(rec["app"], "cybriq");
        assert_eq!(rec["procid"], "4242");
        assert_eq!(rec["msgid"], e.event.as_str());
        let ts = parse_rfc3339(rec["timestamp"].as_str().unwrap()).unwrap();
        assert_eq!(ts, e.timestamp, "{transport}: header timestamp");
        assert_eq!(event_from_sd(rec), *e, "{transport}: structured data");
        let msg = rec["msg"].as_str().unwrap().trim_start_matches('\u{feff}');
        let expected: String = e
            .summary()
            .chars()
            .map(|c| if c.is_ascii_control() { ' ' } else { c })
            .collect();
        assert_eq!(msg, expected, "{transport}: MSG");
    }
}

#[test]
fn every_event_type_round_trips_over_udp_tcp_tls_and_cef() {
    let Some(bin) = rsyslogd() else { return };
    let dir = scratch("roundtrip");
    let pki = Pki::generate(&dir);
    let mk = |name: &str, l: Listen| {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        Rsyslog::start(&bin, &d, l)
    };
    let udp = mk("udp", Listen::Udp);
    let tcp = mk("tcp", Listen::Tcp);
    let tls = mk(
        "tls",
        Listen::Tls {
            pki: pki.clone(),
            mutual: true,
        },
    );
    let pinned = mk(
        "pinned",
        Listen::Tls {
            pki: pki.clone(),
            mutual: false,
        },
    );
    let cef = mk("cef", Listen::Tcp);
    let lf = mk("lf", Listen::Tcp);
    let cfg = Config::parse(
        &format!(
            r#"
[[destination]]
name = "udp"
mode = "udp"
address = "127.0.0.1:{}"
max_message_size = 8192
confirm_after_ms = 300
[[destination]]
name = "tcp"
mode = "tcp"
address = "127.0.0.1:{}"
confirm_after_ms = 300
[[destination]]
name = "tls"
mode = "tls"
address = "127.0.0.1:{}"
confirm_after_ms = 300
[destination.tls]
ca_file = "{}"
server_name = "localhost"
client_cert_file = "{}"
client_key_file = "{}"
[[destination]]
name = "pinned"
mode = "tls"
address = "localhost:{}"
confirm_after_ms = 300
[destination.tls]
pinned_cert_file = "{}"
[[destination]]
name = "cef"
mode = "tcp"
address = "127.0.0.1:{}"
format = "cef"
confirm_after_ms = 300
[[destination]]
name = "lf"
mode = "tcp"
framing = "lf"
address = "127.0.0.1:{}"
confirm_after_ms = 300
"#,
            udp.port,
            tcp.port,
            tls.port,
            pki.ca.display(),
            pki.client_cert.display(),
            pki.client_key.display(),
            pinned.port,
            pki.server_cert.display(),
            cef.port,
            lf.port,
        ),
        "test",
    )
    .unwrap();
    let em = Emitter::start(&settings(&dir), &cfg.destination).unwrap();
    let evs = test_events();
    em.submit_batch(&evs).unwrap();
    let outcomes = em.drain(Duration::from_secs(30)).unwrap();
    for (name, o) in &outcomes {
        assert_eq!(*o, DrainOutcome::Delivered, "{name}");
    }
    check_rfc5424(&udp, &evs, "udp");
    check_rfc5424(&tcp, &evs, "tcp");
    check_rfc5424(&tls, &evs, "tls");
    check_rfc5424(&pinned, &evs, "pinned");
    // LF framing: line feeds inside a message become spaces, so compare with that applied.
    let lf_evs: Vec<Event> = evs
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.vendor = e.vendor.map(|v| v.replace('\n', " "));
            e
        })
        .collect();
    check_rfc5424(&lf, &lf_evs, "lf");
    // CEF: the header and the extension carry the event.
    cef.wait_for(evs.len(), Duration::from_secs(10));
    let recs = cef.records();
    assert_eq!(recs.len(), evs.len());
    for (r, e) in recs.iter().zip(&evs) {
        let msg = r["msg"].as_str().unwrap();
        assert!(
            msg.starts_with(&format!(
                "CEF:0|CybrIQ|Sensor|{}|{}|{}|",
                env!("CARGO_PKG_VERSION"),
                e.event.as_str(),
                e.event.title()
            )),
            "{msg}"
        );
        assert!(
            msg.contains(&format!(" externalId={} ", e.event_id)),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("rt={}", e.timestamp.0 / 1000)),
            "{msg}"
        );
        assert_eq!(r["msgid"], e.event.as_str());
    }
    let m = em.metrics();
    assert!(
        m.iter()
            .all(|s| s.sent == evs.len() as u64 && s.dropped == 0),
        "{m:?}"
    );
    em.shutdown();
}

fn cybriq() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cybriq"))
}

#[test]
fn untrusted_server_certificate_fails_for_good_and_is_reported() {
    let Some(bin) = rsyslogd() else { return };
    let dir = scratch("untrusted");
    let pki = Pki::generate(&dir);
    let rx = Rsyslog::start(
        &bin,
        &dir,
        Listen::Tls {
            pki: pki.clone(),
            mutual: false,
        },
    );
    let cfg = write_config(
        &dir,
        &format!(
            "[sensor]\ndata_dir = \"{}\"\n[[destination]]\nname = \"siem\"\nmode = \"tls\"\naddress = \"127.0.0.1:{}\"\n[destination.tls]\nca_file = \"{}\"\nserver_name = \"localhost\"\n",
            dir.join("state").display(),
            rx.port,
            pki.other_ca.display()
        ),
    );
    let t = Instant::now();
    let out = cybriq()
        .args(["syslog-test", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("siem: failed") && err.contains("TLS"), "{err}");
    assert!(t.elapsed() < Duration::from_secs(20));
    assert_eq!(rx.count(), 0, "nothing in plaintext, nothing at all");
}

#[test]
fn bad_config_is_rejected_at_start_with_the_key_named() {
    let dir = scratch("badcfg");
    for (body, key) in [
        (
            "[[destination]]\nname = \"a\"\nmode = \"carrier-pigeon\"\naddress = \"h:1\"\n",
            "carrier-pigeon",
        ),
        (
            "[[destination]]\nname = \"a\"\nmode = \"tcp\"\naddress = \"no-port\"\n",
            "destination[0].address",
        ),
        (
            "[[destination]]\nname = \"a\"\nmode = \"tls\"\naddress = \"h:6514\"\n[destination.tls]\nca_file = \"/nonexistent/ca.pem\"\n",
            "destination[0].tls.ca_file",
        ),
    ] {
        let cfg = write_config(&dir, body);
        let out = cybriq()
            .args(["syslog-test", "--config"])
            .arg(&cfg)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(key), "{key}: {err}");
    }
}

const KILL_EVENTS: usize = 100_000;

fn kill_config(dir: &Path, rx: &Rsyslog, tls: Option<&Pki>) -> std::path::PathBuf {
    let (mode, tls_section) = match tls {
        Some(p) => (
            "tls",
            format!(
                "[destination.tls]\nca_file = \"{}\"\nserver_name = \"localhost\"\n",
                p.ca.display()
            ),
        ),
        None => ("tcp", String::new()),
    };
    write_config(
        dir,
        &format!(
            "[sensor]\nsite = \"kill-test\"\nhostname = \"sensor-kill\"\ndata_dir = \"{}\"\n\
             [[destination]]\nname = \"siem\"\nmode = \"{mode}\"\naddress = \"127.0.0.1:{}\"\n\
             backoff_initial_ms = 50\nbackoff_max_ms = 500\nconfirm_after_ms = 1500\n{tls_section}",
            dir.join("state").display(),
            rx.port
        ),
    )
}

/// Runs `syslog-test` in the background; returns the child and a receiver of its stderr lines.
fn spawn_sensor(
    cfg: &Path,
    count: usize,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = cybriq()
        .args([
            "syslog-test",
            "--timeout",
            "150",
            "--count",
            &count.to_string(),
            "--config",
        ])
        .arg(cfg)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            eprintln!("  sensor: {l}");
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn wait_line(rx: &std::sync::mpsc::Receiver<String>, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            if l.contains(needle) {
                return;
            }
        }
    }
    panic!("sensor never printed {needle:?}");
}

/// Every event id arrived, counting duplicates.
fn assert_all_arrived(rx: &Rsyslog, what: &str) {
    let recs = rx.records();
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for r in &recs {
        assert_eq!(sd(r)["site"], "kill-test");
        *seen
            .entry(sd(r)["event_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let dups: u32 = seen.values().map(|c| c - 1).sum();
    eprintln!(
        "{what}: {} records, {} distinct event ids, {dups} duplicates",
        recs.len(),
        seen.len()
    );
    assert_eq!(seen.len(), KILL_EVENTS, "{what}: events lost");
}

fn receiver_killed(tls: bool) {
    let Some(bin) = rsyslogd() else { return };
    let dir = scratch(if tls { "kill-rx-tls" } else { "kill-rx-tcp" });
    let pki = Pki::generate(&dir);
    let listen = if tls {
        Listen::Tls {
            pki: pki.clone(),
            mutual: false,
        }
    } else {
        Listen::Tcp
    };
    let mut rx = Rsyslog::start(&bin, &dir, listen);
    let cfg = kill_config(&dir, &rx, tls.then_some(&pki));
    let (mut sensor, lines) = spawn_sensor(&cfg, KILL_EVENTS);
    wait_line(&lines, "enqueued");
    let at = rx.wait_for(KILL_EVENTS / 3, Duration::from_secs(90));
    assert!(at < KILL_EVENTS, "finished before the kill");
    rx.kill();
    std::thread::sleep(Duration::from_millis(1200));
    rx.restart();
    let status = sensor.wait().unwrap();
    assert!(status.success(), "sensor exit {status}");
    assert_all_arrived(
        &rx,
        if tls {
            "tls, rsyslogd killed"
        } else {
            "tcp, rsyslogd killed"
        },
    );
}

fn sensor_killed(tls: bool) {
    let Some(bin) = rsyslogd() else { return };
    let dir = scratch(if tls { "kill-tx-tls" } else { "kill-tx-tcp" });
    let pki = Pki::generate(&dir);
    let listen = if tls {
        Listen::Tls {
            pki: pki.clone(),
            mutual: false,
        }
    } else {
        Listen::Tcp
    };
    let rx = Rsyslog::start(&bin, &dir, listen);
    let cfg = kill_config(&dir, &rx, tls.then_some(&pki));
    let (mut sensor, lines) = spawn_sensor(&cfg, KILL_EVENTS);
    wait_line(&lines, "enqueued");
    let at = rx.wait_for(KILL_EVENTS / 3, Duration::from_secs(90));
    assert!(at < KILL_EVENTS, "finished before the kill");
    sensor.kill().unwrap(); // SIGKILL
    sensor.wait().unwrap();
    // A restarted sensor resumes the outbox (and enqueues nothing new).
    let (mut again, _lines) = spawn_sensor(&cfg, 0);
    let status = again.wait().unwrap();
    assert!(status.success(), "restarted sensor exit {status}");
    assert_all_arrived(
        &rx,
        if tls {
            "tls, sensor killed"
        } else {
            "tcp, sensor killed"
        },
    );
}

#[test]
fn tcp_rsyslogd_killed_mid_stream_loses_nothing() {
    receiver_killed(false);
}

#[test]
fn tls_rsyslogd_killed_mid_stream_loses_nothing() {
    receiver_killed(true);
}

#[test]
fn tcp_sensor_killed_mid_stream_loses_nothing() {
    sensor_killed(false);
}

#[test]
fn tls_sensor_killed_mid_stream_loses_nothing() {
    sensor_killed(true);
}
