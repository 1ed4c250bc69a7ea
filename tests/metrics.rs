//! `cybriq run` with `[metrics] listen`: the listener serves `GET /metrics` in the Prometheus
//! text format (read strictly), and the series count what happened: a switch that answered
//! polled `ok`, one that does not answer polled `unreachable`, an event delivered to the
//! SIEM, a refused reload; SIGTERM stops the listener with the daemon.
//!
//! A second test captures on a veth (root and tcpreplay; skipped with a reason otherwise) and
//! finds every replayed frame counted for its interface.
//!
//! The first test needs no root: the SIEM is a UDP socket of the test, the event is put in the
//! outbox the way another process of the sensor would, the answering switch is snmpsim
//! serving a recording (`scripts/setup-snmpsim.sh`; without it the test is skipped with a
//! message, except under CI), the silent one a UDP socket of the test that never answers.

mod capture_support;
mod snmp_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cybriq::clock::Timestamp;
use cybriq::event::{EventType, sample};
use cybriq::telemetry::exposition::{self, Exposition};

struct Sensor(Child);

impl Drop for Sensor {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn log(config: &Path) -> String {
    std::fs::read_to_string(config.with_extension("log")).unwrap_or_default()
}

/// Waits until a log line contains `text`; returns it.
fn wait_log(config: &Path, text: &str, secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(l) = log(config).lines().find(|l| l.contains(text)) {
            return l.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "waited {secs} s for {text:?}; log:\n{}",
            log(config)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn signal(s: &Sensor, sig: &str) {
    let st = Command::new("kill")
        .args([sig, &s.0.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

/// One HTTP/1.1 request; returns the status line, the headers (lower-cased names) and body.
fn get(addr: SocketAddr, path: &str) -> (String, Vec<(String, String)>, String) {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    c.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.lines();
    let status = lines.next().unwrap().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn scrape(addr: SocketAddr) -> Exposition {
    let (status, headers, body) = get(addr, "/metrics");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let ct = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.as_str());
    assert!(
        ct.is_some_and(|v| v.starts_with("text/plain; version=0.0.4")),
        "{headers:?}"
    );
    assert!(
        !headers.iter().any(|(k, _)| k == "transfer-encoding"),
        "a plain body: {headers:?}"
    );
    exposition::parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"))
}

fn config(dir: &Path, sim_port: u16, silent_port: u16, siem_port: u16, extra: &str) -> String {
    format!(
        r#"
[sensor]
site = "lab"
hostname = "metrics-test"
data_dir = "{data}"
{extra}
[[switch]]
name = "answers"
address = "127.0.0.1:{sim_port}"
community = "lab-sw"
poll_interval_secs = 600
timeout_ms = 1000
retries = 0

[[switch]]
name = "silent"
address = "127.0.0.1:{silent_port}"
community = "nobody"
poll_interval_secs = 600
timeout_ms = 200
retries = 0

[[destination]]
name = "siem"
mode = "udp"
address = "127.0.0.1:{siem_port}"

[metrics]
listen = "127.0.0.1:0"
"#,
        data = dir.join("data").display(),
    )
}

/// Starts `cybriq run` and waits until it runs; returns it and the metrics listener's address
/// (the configuration asks for port 0: the log line names the port).
fn start(cfg: &Path) -> (Sensor, SocketAddr) {
    let logfile = std::fs::File::create(cfg.with_extension("log")).unwrap();
    let s = Sensor(
        Command::new(env!("CARGO_BIN_EXE_cybriq"))
            .args(["run", "--config"])
            .arg(cfg)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::from(logfile))
            .spawn()
            .expect("start cybriq run"),
    );
    let line = wait_log(cfg, "Metrics listening", 60);
    let addr: SocketAddr = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("addr="))
        .unwrap_or_else(|| panic!("{line}"))
        .parse()
        .unwrap();
    wait_log(cfg, "Sensor running.", 60);
    (s, addr)
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Puts one event in the sensor's outbox; returns its id.
fn enqueue(data: &Path) -> String {
    let c = rusqlite::Connection::open(data.join("cybriq.sqlite3")).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    let ev = sample::event(
        EventType::DeviceAppeared,
        Timestamp(1_765_000_000_000_000),
        0x7e57_0000_0000_0000_0001,
        "lab",
    );
    cybriq::emit::outbox::enqueue_in(&c, std::slice::from_ref(&ev)).unwrap();
    ev.event_id.to_string()
}

/// Scrapes until `done` holds (the series are updated by the sensor's threads as they go).
fn scrape_until(addr: SocketAddr, secs: u64, done: impl Fn(&Exposition) -> bool) -> Exposition {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let e = scrape(addr);
        if done(&e) {
            return e;
        }
        assert!(
            Instant::now() < deadline,
            "waited {secs} s; last scrape: {e:#?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn metrics_listener_counts_polls_deliveries_and_reloads() {
    let Some(sim) = snmp_support::Snmpsim::start(1) else {
        assert!(
            std::env::var("CI").is_err(),
            "snmpsim is required under CI (scripts/setup-snmpsim.sh)"
        );
        eprintln!("metrics: skipped: snmpsim not installed (scripts/setup-snmpsim.sh)");
        return;
    };
    let dir = scratch("metrics");
    let data = dir.join("data");
    let cfg = dir.join("sensor.toml");
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let siem = UdpSocket::bind("127.0.0.1:0").unwrap();
    siem.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let (silent_port, siem_port) = (
        silent.local_addr().unwrap().port(),
        siem.local_addr().unwrap().port(),
    );
    std::fs::write(&cfg, config(&dir, sim.port, silent_port, siem_port, "")).unwrap();
    let (s, addr) = start(&cfg);

    // Expected before anything happened: every event type and both reload results at 0.
    let e = scrape(addr);
    for t in EventType::ALL {
        assert_eq!(
            e.value("cybriq_events_total", &[("type", t.as_str())]),
            Some(0.0)
        );
    }
    assert_eq!(
        e.value("cybriq_config_reloads_total", &[("result", "refused")]),
        Some(0.0)
    );

    // One event reaches the SIEM.
    let id = enqueue(&data);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut b = [0u8; 65536];
    loop {
        if let Ok(n) = siem.recv(&mut b)
            && String::from_utf8_lossy(&b[..n]).contains(&id)
        {
            break;
        }
        assert!(Instant::now() < deadline, "the SIEM never got {id}");
    }
    // A broken file: the reload is refused.
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text.replace("[sensor]\n", "[sensor]\nsiet = 1\n")).unwrap();
    signal(&s, "-HUP");
    wait_log(&cfg, "Reload refused", 30);

    let v =
        |e: &Exposition, name: &str, labels: &[(&str, &str)]| e.value(name, labels).unwrap_or(0.0);
    let e = scrape_until(addr, 30, |e| {
        v(
            e,
            "cybriq_snmp_polls_total",
            &[("switch", "answers"), ("result", "ok")],
        ) >= 1.0
            && v(
                e,
                "cybriq_snmp_polls_total",
                &[("switch", "silent"), ("result", "unreachable")],
            ) >= 1.0
            && v(e, "cybriq_emit_delivered_total", &[("destination", "siem")]) >= 1.0
            && v(e, "cybriq_config_reloads_total", &[("result", "refused")]) >= 1.0
            && v(e, "cybriq_store_commit_duration_seconds_count", &[]) >= 1.0
            // Sampled by the one-second tick.
            && v(e, "cybriq_store_batches_total", &[]) >= 1.0
    });
    // The silent switch: unreachable, never ok, its request timed out.
    assert_eq!(
        v(
            &e,
            "cybriq_snmp_polls_total",
            &[("switch", "silent"), ("result", "ok")]
        ),
        0.0
    );
    assert_eq!(
        e.value("cybriq_snmp_switch_reachable", &[("switch", "silent")]),
        Some(0.0)
    );
    assert!(v(&e, "cybriq_snmp_timeouts_total", &[("switch", "silent")]) >= 1.0);
    assert_eq!(
        e.value("cybriq_snmp_switch_reachable", &[("switch", "answers")]),
        Some(1.0)
    );
    assert!(v(&e, "cybriq_snmp_requests_total", &[("switch", "answers")]) >= 1.0);
    let polls = v(
        &e,
        "cybriq_snmp_poll_duration_seconds_count",
        &[("switch", "answers")],
    );
    assert!(polls >= 1.0, "{polls}");
    assert_eq!(
        v(
            &e,
            "cybriq_snmp_poll_duration_seconds_bucket",
            &[("switch", "answers"), ("le", "+Inf")]
        ),
        polls
    );
    // Delivery: sent, one latency sample per delivered event, nothing waiting or dropped.
    let siem_l = [("destination", "siem")];
    assert!(v(&e, "cybriq_emit_sent_total", &siem_l) >= 1.0);
    assert_eq!(
        v(&e, "cybriq_emit_delivery_latency_seconds_count", &siem_l),
        v(&e, "cybriq_emit_delivered_total", &siem_l)
    );
    assert_eq!(v(&e, "cybriq_emit_dropped_total", &siem_l), 0.0);
    // The refused reload: counted, nothing applied; the reference database was not the cause.
    assert_eq!(
        v(&e, "cybriq_config_reloads_total", &[("result", "ok")]),
        0.0
    );
    assert_eq!(
        e.value("cybriq_config_last_reload_successful", &[]),
        Some(0.0)
    );
    assert_eq!(
        v(&e, "cybriq_refdb_reloads_total", &[("result", "failed")]),
        0.0
    );
    // Queues and the store.
    assert_eq!(
        e.value("cybriq_pipeline_queue_capacity", &[]),
        Some(65_536.0)
    );
    assert!(e.value("cybriq_pipeline_queue_depth", &[]).is_some());
    assert!(v(&e, "cybriq_store_batches_total", &[]) >= 1.0);
    assert_eq!(
        e.types
            .get("cybriq_store_commit_duration_seconds")
            .map(String::as_str),
        Some("histogram")
    );
    assert_eq!(
        e.value(
            "cybriq_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );
    // Every family is documented and typed.
    for s in &e.samples {
        assert!(s.name.starts_with("cybriq_"), "{s:?}");
    }
    for f in e.types.keys() {
        assert!(e.help.contains_key(f), "{f} has no # HELP");
    }
    // Only GET /metrics.
    let (status, _, _) = get(addr, "/other");
    assert!(status.starts_with("HTTP/1.1 404"), "{status}");

    // SIGTERM: the daemon stops cleanly and the listener with it.
    signal(&s, "-TERM");
    let mut s = s;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(st) = s.0.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "the sensor did not stop");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}; log:\n{}", log(&cfg));
    assert!(TcpStream::connect(addr).is_err(), "the listener stopped");
    let l = log(&cfg);
    assert!(!l.contains("panicked"), "{l}");
}

#[test]
fn every_captured_frame_is_counted_for_its_interface() {
    if let Some(why) = capture_support::live_requirements() {
        eprintln!("metrics capture test skipped: {why}");
        return;
    }
    let net = capture_support::VethNs::new(1500);
    let dir = scratch("metrics-capture");
    let control: Vec<Vec<u8>> = capture_support::control_frames(1500)
        .into_iter()
        .map(|f| f.data)
        .take(100)
        .collect();
    let pcap = dir.join("control.pcap");
    let n = capture_support::write_pcap(&pcap, &control) as f64;
    let cfg = dir.join("sensor.toml");
    std::fs::write(
        &cfg,
        format!(
            "[sensor]\nsite = \"lab\"\ndata_dir = \"{}\"\n[[capture]]\ninterface = \"{}\"\n\
             [metrics]\nlisten = \"127.0.0.1:0\"\n",
            dir.join("data").display(),
            net.host_if
        ),
    )
    .unwrap();
    let (_s, addr) = start(&cfg);
    wait_log(&cfg, "Capturing.", 30);
    let (sent, _, report) = net.tcpreplay(&pcap, "--pps=2000");
    assert_eq!(sent as f64, n, "{report}");
    let iface = [("interface", net.host_if.as_str())];
    let v =
        |e: &Exposition, name: &str, labels: &[(&str, &str)]| e.value(name, labels).unwrap_or(0.0);
    // Expected: every frame read and processed by the pipeline, none dropped.
    let e = scrape_until(addr, 30, |e| {
        v(e, "cybriq_capture_frames_received_total", &iface) >= n
            && v(e, "cybriq_pipeline_frames_total", &[]) >= n
    });
    assert!(v(&e, "cybriq_capture_bytes_total", &iface) >= n * 60.0);
    for d in [
        "cybriq_capture_kernel_dropped_total",
        "cybriq_capture_if_dropped_total",
        "cybriq_capture_channel_dropped_total",
    ] {
        assert_eq!(e.value(d, &iface), Some(0.0), "{d}");
    }
    assert!(e.value("cybriq_capture_queue_depth", &iface).is_some());
    // (At least: the kernel may send a frame of its own on the veth.)
    assert!(v(&e, "cybriq_pipeline_frames_total", &[]) >= n);
}
