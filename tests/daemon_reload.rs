//! `cybriq run` and SIGHUP, as an operator meets them: destinations added, removed and
//! changed while the sensor runs, a broken file refused with the running configuration kept,
//! restart-only keys named, each switch polled on its own interval, and a configuration the
//! sensor cannot start with exiting 78 (`EX_CONFIG`) with one line naming the key.
//!
//! The SIEMs are UDP sockets of the test; events are put in the sensor's outbox the way
//! another process of the sensor would (one transaction on its database), so each event's
//! path to each destination is known exactly. The switches are snmpsim serving the project's
//! recordings (`scripts/setup-snmpsim.sh`); without snmpsim the test is skipped with a
//! message, except under CI (`CI=true`), where it fails.

mod snmp_support;

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cybriq::clock::Timestamp;
use cybriq::event::{EventType, sample};

struct Sensor(Child);

impl Drop for Sensor {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(config: &Path) -> Sensor {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(config.with_extension("log"))
        .unwrap();
    Sensor(
        Command::new(env!("CARGO_BIN_EXE_cybriq"))
            .args(["run", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start cybriq run"),
    )
}

fn hup(s: &Sensor) {
    let st = Command::new("kill")
        .args(["-HUP", &s.0.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

fn log(config: &Path) -> String {
    std::fs::read_to_string(config.with_extension("log")).unwrap_or_default()
}

/// Waits until the log holds `n` lines containing `text`.
fn wait_log(config: &Path, text: &str, n: usize, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let l = log(config);
        if l.lines().filter(|x| x.contains(text)).count() >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "waited {secs} s for {n} x {text:?}; log:\n{l}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Puts one event (its id made from `tag`) in the sensor's outbox; returns its id.
fn enqueue(data: &Path, tag: u128) -> String {
    let c = rusqlite::Connection::open(data.join("cybriq.sqlite3")).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    let ev = sample::event(
        EventType::DeviceAppeared,
        Timestamp(1_765_000_000_000_000),
        0x4567_89ab_cdef_0000_0000 | tag,
        "lab",
    );
    cybriq::emit::outbox::enqueue_in(&c, std::slice::from_ref(&ev)).unwrap();
    ev.event_id.to_string()
}

/// A SIEM on a UDP socket.
struct Siem {
    sock: UdpSocket,
    got: Vec<String>,
}

impl Siem {
    fn new() -> Siem {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        Siem {
            sock,
            got: Vec::new(),
        }
    }

    fn port(&self) -> u16 {
        self.sock.local_addr().unwrap().port()
    }

    /// Reads for `secs`, or until a message containing `until` arrives.
    fn read(&mut self, secs: u64, until: Option<&str>) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut b = [0u8; 65536];
        while Instant::now() < deadline {
            if let Ok(n) = self.sock.recv(&mut b) {
                self.got.push(String::from_utf8_lossy(&b[..n]).into_owned());
                if until.is_some_and(|u| self.got.last().unwrap().contains(u)) {
                    return;
                }
            }
        }
    }

    fn has(&self, id: &str) -> bool {
        self.got.iter().any(|m| m.contains(id))
    }

    fn message(&self, id: &str) -> &str {
        self.got.iter().find(|m| m.contains(id)).unwrap()
    }
}

fn destination(name: &str, port: u16, format: &str) -> String {
    format!(
        "[[destination]]\nname = \"{name}\"\nmode = \"udp\"\naddress = \"127.0.0.1:{port}\"\nformat = \"{format}\"\n"
    )
}

fn config(dir: &Path, sim_port: u16, hostname: &str, slow_secs: u64, dests: &str) -> String {
    format!(
        r#"
[sensor]
site = "lab"
hostname = "{hostname}"
data_dir = "{data}"

[[switch]]
name = "fast"
address = "127.0.0.1:{sim_port}"
community = "lab-sw"
poll_interval_secs = 10
timeout_ms = 500
retries = 0

[[switch]]
name = "slow"
address = "127.0.0.1:{sim_port}"
community = "tiny-cisco"
poll_interval_secs = {slow_secs}
edge_mac_limit = 4
timeout_ms = 500
retries = 0

{dests}
"#,
        data = dir.join("data").display(),
    )
}

fn polled(config: &Path, switch: &str) -> usize {
    let key = format!("switch={switch} ");
    log(config)
        .lines()
        .filter(|l| l.contains("Polled.") && l.contains(&key))
        .count()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn snmpsim() -> Option<snmp_support::Snmpsim> {
    let sim = snmp_support::Snmpsim::start(1);
    if sim.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "snmpsim is required under CI (scripts/setup-snmpsim.sh)"
        );
        eprintln!("daemon_reload: skipped: snmpsim not installed (scripts/setup-snmpsim.sh)");
    }
    sim
}

#[test]
fn sighup_applies_destinations_and_switches_and_refuses_a_broken_file() {
    let Some(sim) = snmpsim() else {
        return;
    };
    let dir = scratch("daemon-reload");
    let data = dir.join("data");
    let cfg = dir.join("sensor.toml");
    let (mut a, mut b) = (Siem::new(), Siem::new());
    std::fs::write(
        &cfg,
        config(
            &dir,
            sim.port,
            "s1",
            600,
            &destination("a", a.port(), "rfc5424"),
        ),
    )
    .unwrap();
    let s = start(&cfg);
    wait_log(&cfg, "Sensor running.", 1, 60);

    // Expected: the event reaches "a" only (there is no "b" yet).
    let e1 = enqueue(&data, 1);
    a.read(20, Some(&e1));
    assert!(a.has(&e1), "a receives e1");

    // "a" removed, "b" added. Expected: the log says so; e2 reaches "b", not "a".
    std::fs::write(
        &cfg,
        config(
            &dir,
            sim.port,
            "s1",
            600,
            &destination("b", b.port(), "rfc5424"),
        ),
    )
    .unwrap();
    hup(&s);
    wait_log(&cfg, "Reloaded:", 1, 30);
    let l = log(&cfg);
    assert!(
        l.lines()
            .any(|x| x.contains("Destination added") && x.contains("destination=b")),
        "{l}"
    );
    assert!(
        l.lines().any(|x| x.contains("Destination removed")
            && x.contains("destination=a")
            && x.contains("WARN")),
        "{l}"
    );
    let e2 = enqueue(&data, 2);
    b.read(20, Some(&e2));
    a.read(2, None);
    assert!(b.has(&e2), "b receives e2");
    assert!(!a.has(&e2), "removed a receives nothing more");
    assert!(
        !b.has(&e1),
        "an added destination starts at the end of the outbox"
    );

    // A broken file. Expected: an ERROR naming the key; nothing changes (e3 still reaches b).
    std::fs::write(
        &cfg,
        config(
            &dir,
            sim.port,
            "s1",
            600,
            &destination("b", b.port(), "rfc5424"),
        )
        .replace("[sensor]\n", "[sensor]\nsiet = \"typo\"\n"),
    )
    .unwrap();
    hup(&s);
    wait_log(&cfg, "Reload refused", 1, 30);
    let refused = log(&cfg)
        .lines()
        .find(|x| x.contains("Reload refused"))
        .unwrap()
        .to_owned();
    assert!(
        refused.contains("ERROR") && refused.contains("siet"),
        "{refused}"
    );
    let e3 = enqueue(&data, 3);
    b.read(20, Some(&e3));
    assert!(b.has(&e3), "the running configuration stays in force");

    // "b" changed to CEF, the host name changed (restart-only), "slow" now every 10 s.
    // Expected: b restarted from its position (e4 arrives as CEF), a WARN names
    // sensor.hostname, and "slow" is polled again within about 10 s.
    let slow_before = polled(&cfg, "slow");
    std::fs::write(
        &cfg,
        config(&dir, sim.port, "s2", 10, &destination("b", b.port(), "cef")),
    )
    .unwrap();
    hup(&s);
    wait_log(&cfg, "Reloaded:", 2, 30);
    let l = log(&cfg);
    assert!(
        l.lines()
            .any(|x| x.contains("Destination changed") && x.contains("destination=b")),
        "{l}"
    );
    assert!(
        l.lines()
            .any(|x| x.contains("WARN") && x.contains("sensor.hostname") && x.contains("restart")),
        "{l}"
    );
    let e4 = enqueue(&data, 4);
    b.read(20, Some(&e4));
    assert!(b.has(&e4));
    assert!(b.message(&e4).contains("CEF:0|"), "{}", b.message(&e4));
    // Until now "slow" (600 s) was polled once, at start.
    assert_eq!(slow_before, 1, "slow polled once in its first 600 s");
    let deadline = Instant::now() + Duration::from_secs(40);
    while polled(&cfg, "slow") < 3 {
        assert!(Instant::now() < deadline, "slow polled on its new interval");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Meanwhile "fast" (10 s) kept its own pace.
    let fast = polled(&cfg, "fast");
    assert!(fast >= 2, "fast polled every 10 s: {fast}");
    drop(s);
    let l = log(&cfg);
    assert!(!l.contains("panicked"), "{l}");
}

#[test]
fn a_configuration_that_cannot_start_exits_78_naming_the_key() {
    let dir = scratch("daemon-exit78");
    let cfg = dir.join("sensor.toml");
    std::fs::write(
        &cfg,
        format!(
            "[sensor]\ndata_dir = \"{}\"\n[[switch]]\nname = \"x\"\naddress = \"127.0.0.1\"\ncommunity = \"c\"\npoll_interval_secs = 1\n",
            dir.join("data").display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cybriq"))
        .args(["run", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("cybriq: error:"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains("switch[0].poll_interval_secs"), "{line}");
}
