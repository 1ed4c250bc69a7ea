//! A switch lab in network namespaces for the live tests (`pipeline_live`, `engine_live`).
//!
//! [`Lab`] builds a "switch" namespace and device namespaces, each device's `eth0` a veth
//! into the switch (`hN` there). `tc mirred` mirrors every frame a device sends onto a SPAN
//! veth whose other end is in the root namespace, where `cybriq run` captures it (the `u32`
//! classifier matching everything: some kernels lack `matchall`). A lab can have several SPAN
//! sessions ([`Lab::add_span`]), so a test can give one of them a static `tap` attribution.
//! Devices are real programs: `lldpd` ([`Lldpd`], LLDP-MED, description, inventory, transmit
//! interval), `dhclient` ([`dhclient`], [`dhclient_conf`]) and BusyBox `udhcpc` ([`udhcpc`]); a
//! device can be given a PC port behind it, as an IP phone has ([`Lab::pc_port`]).
//!
//! Everything is removed on drop, also when a test fails: [`Proc`] kills its process, [`Lab`]
//! kills what still runs in its namespaces and deletes them.
//!
//! Needs root, `ip`, `tc`, `lldpd` and `dhclient` (scripts/setup.sh installs them); [`skip`]
//! turns a missing one into a skip with a message, except under CI (`CI=true`), where it is a
//! failure.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::snmp_support::Snmpsim;

/// Whether `cmd` is on PATH.
pub fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether the test runs as root.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Skips `test` with a message (returns true), or panics under CI.
pub fn skip(test: &str, why: &str) -> bool {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{test} cannot run under CI: {why}");
    }
    eprintln!("{test} skipped: {why}");
    true
}

/// Checks root and the peers; false (after a message, or a panic under CI) when the test
/// cannot run.
pub fn ready(test: &str, tools: &[&str]) -> bool {
    if !is_root() {
        return !skip(test, "needs root for network namespaces");
    }
    for t in tools {
        let found = if *t == "lldpd" {
            lldpd_path().is_some()
        } else {
            have(t)
        };
        if !found {
            return !skip(test, &format!("{t} not installed (scripts/setup.sh)"));
        }
    }
    true
}

/// An snmpsim agent on loopback serving the recordings of `tests/data/snmp` (the lab's switch
/// is `lab-sw`); None (after [`skip`]) when snmpsim is not installed.
pub fn snmpsim(test: &str) -> Option<Snmpsim> {
    let sim = Snmpsim::start(1);
    if sim.is_none() {
        skip(test, "snmpsim not installed (scripts/setup-snmpsim.sh)");
    }
    sim
}

/// Runs a command; panics unless it succeeds.
pub fn run(program: &str, args: &[&str]) {
    let st = Command::new(program)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(st.success(), "{program} {}", args.join(" "));
}

/// Runs a command inside namespace `ns`; panics unless it succeeds.
pub fn run_in(ns: &str, args: &[&str]) {
    let mut all = vec!["netns", "exec", ns];
    all.extend_from_slice(args);
    run("ip", &all);
}

/// Where lldpd is installed.
pub fn lldpd_path() -> Option<PathBuf> {
    ["/usr/sbin/lldpd", "/sbin/lldpd", "/usr/local/sbin/lldpd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// The namespaces and links of the lab; removed on drop.
pub struct Lab {
    /// Suffix of every name (the test's process id).
    pub id: u32,
    /// The switch namespace.
    pub sw: String,
    /// Every other namespace, in creation order (removed in reverse).
    namespaces: Vec<String>,
    /// Root-namespace ends of the SPAN sessions (`span{k}` in the switch namespace).
    spans: Vec<String>,
}

impl Lab {
    /// A switch namespace with one SPAN session.
    pub fn new() -> Lab {
        let id = std::process::id() % 100_000;
        let mut lab = Lab {
            id,
            sw: format!("cbq-sw-{id}"),
            namespaces: Vec::new(),
            spans: Vec::new(),
        };
        run("ip", &["netns", "add", &lab.sw]);
        run("ip", &["-n", &lab.sw, "link", "set", "lo", "up"]);
        lab.add_span();
        lab
    }

    /// Adds a SPAN session: `span{k}` in the switch namespace, its peer (the returned name)
    /// in the root namespace, where the sensor captures it.
    pub fn add_span(&mut self) -> String {
        let k = self.spans.len();
        let root = if k == 0 {
            format!("cbqspan{}", self.id)
        } else {
            format!("cbqspan{k}-{}", self.id)
        };
        let inner = format!("span{k}");
        run(
            "ip",
            &[
                "link", "add", &root, "type", "veth", "peer", "name", &inner, "netns", &self.sw,
            ],
        );
        // Registered before anything else can fail, so Drop removes it.
        self.spans.push(root.clone());
        run("ip", &["link", "set", &root, "up"]);
        run("ip", &["-n", &self.sw, "link", "set", &inner, "up"]);
        root
    }

    /// The root-namespace end of SPAN session `k`.
    pub fn span(&self, k: usize) -> &str {
        &self.spans[k]
    }

    /// Creates a namespace (with `lo` up) that the lab removes on drop.
    pub fn netns(&mut self, name: &str) -> String {
        run("ip", &["netns", "add", name]);
        self.namespaces.push(name.to_owned());
        run("ip", &["-n", name, "link", "set", "lo", "up"]);
        name.to_owned()
    }

    /// A device namespace whose `eth0` (MAC `mac`) plugs into switch-side `hN`, mirrored onto
    /// SPAN session 0.
    pub fn plug(&mut self, n: usize, mac: &str) -> String {
        self.plug_to(n, mac, 0)
    }

    /// A device namespace whose `eth0` (MAC `mac`) plugs into switch-side `hN`, mirrored onto
    /// SPAN session `span`.
    pub fn plug_to(&mut self, n: usize, mac: &str, span: usize) -> String {
        let ns = self.netns(&format!("cbq-d{n}-{}", self.id));
        let host = format!("h{n}");
        run(
            "ip",
            &[
                "link", "add", "eth0", "netns", &ns, "address", mac, "type", "veth", "peer",
                "name", &host, "netns", &self.sw,
            ],
        );
        run("ip", &["-n", &ns, "link", "set", "eth0", "up"]);
        run("ip", &["-n", &self.sw, "link", "set", &host, "up"]);
        run_in(&self.sw, &["tc", "qdisc", "add", "dev", &host, "ingress"]);
        let dev = format!("span{span}");
        run_in(
            &self.sw,
            &[
                "tc", "filter", "add", "dev", &host, "parent", "ffff:", "protocol", "all", "u32",
                "match", "u32", "0", "0", "action", "mirred", "egress", "mirror", "dev", &dev,
            ],
        );
        ns
    }
}

impl Default for Lab {
    fn default() -> Self {
        Lab::new()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in self.namespaces.iter().rev().chain([&self.sw]) {
            // Processes left in a namespace (lldpd, dhclient) die with it only when killed.
            if let Ok(o) = Command::new("ip").args(["netns", "pids", ns]).output() {
                for pid in String::from_utf8_lossy(&o.stdout).split_whitespace() {
                    let _ = Command::new("kill").args(["-9", pid]).status();
                }
            }
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
        // Deleting the switch namespace removed the veth pairs; delete what may be left.
        for span in &self.spans {
            let _ = Command::new("ip")
                .args(["link", "del", span])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A process killed on drop.
pub struct Proc(pub Child);

impl Proc {
    /// Stops the process the way an init system would (SIGTERM, so lldpd sends its shutdown
    /// LLDPDU), then SIGKILL after 3 s.
    pub fn stop(mut self) {
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if self.0.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An lldpd instance on a namespace's `eth0`.
#[derive(Debug, Clone, Default)]
pub struct Lldpd<'a> {
    /// System description (`-S`).
    pub descr: &'a str,
    /// LLDP-MED class (`-M`); None: no LLDP-MED.
    pub med: Option<u8>,
    /// Transmit interval in seconds (`configure lldp tx-interval`); None: lldpd's default.
    pub tx_interval: Option<u32>,
    /// LLDP-MED inventory (`configure inventory KEY "VALUE"`): `software-revision`, `model`,
    /// `manufacturer`, …
    pub inventory: &'a [(&'a str, &'a str)],
}

impl Lldpd<'_> {
    /// Starts lldpd in `ns` (control socket, pid and configuration files in `dir`).
    pub fn start(&self, ns: &str, dir: &Path) -> Proc {
        let ctl = dir.join(format!("lldpd-{ns}.ctl"));
        let pid = dir.join(format!("lldpd-{ns}.pid"));
        let _ = std::fs::remove_file(&ctl);
        let lldpd = lldpd_path().expect("lldpd");
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns]).arg(lldpd).arg("-d");
        let class;
        if let Some(m) = self.med {
            class = m.to_string();
            cmd.args(["-M", &class]);
        }
        cmd.args(["-S", self.descr, "-I", "eth0", "-u"])
            .arg(&ctl)
            .arg("-p")
            .arg(&pid);
        if self.tx_interval.is_some() || !self.inventory.is_empty() {
            let mut conf = String::new();
            if let Some(t) = self.tx_interval {
                conf.push_str(&format!("configure lldp tx-interval {t}\n"));
            }
            for (k, v) in self.inventory {
                conf.push_str(&format!("configure inventory {k} \"{v}\"\n"));
            }
            let file = dir.join(format!("lldpd-{ns}.conf"));
            std::fs::write(&file, conf).expect("write lldpd.conf");
            cmd.arg("-O").arg(file);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start lldpd");
        Proc(child)
    }
}

/// A phone-like lldpd (LLDP-MED class 3, description `descr`, default transmit interval).
pub fn lldpd(ns: &str, dir: &Path, descr: &str) -> Proc {
    Lldpd {
        descr,
        med: Some(3),
        ..Lldpd::default()
    }
    .start(ns, dir)
}

/// dhclient on `eth0` of `ns`, host name `lab-phone`, the system's dhclient.conf.
pub fn dhclient(ns: &str, dir: &Path) -> Proc {
    let lease = dir.join(format!("dhclient-{ns}.leases"));
    let pid = dir.join(format!("dhclient-{ns}.pid"));
    let child = Command::new("ip")
        .args(["netns", "exec", ns, "dhclient", "-d", "-v", "-lf"])
        .arg(&lease)
        .arg("-pf")
        .arg(&pid)
        .args(["-H", "lab-phone", "eth0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dhclient");
    Proc(child)
}

/// dhclient on `iface` of `ns` with the configuration text `conf` (what it sends and
/// requests; add `initial-interval 1; backoff-cutoff 2;` for a DISCOVER every 1–2 s while no
/// server answers). The script is `/bin/true`: the lab has no DHCP server, and a lease must
/// never touch the host's resolver.
pub fn dhclient_conf(ns: &str, iface: &str, dir: &Path, tag: &str, conf: &str) -> Proc {
    let file = dir.join(format!("dhclient-{tag}.conf"));
    std::fs::write(&file, conf).expect("write dhclient.conf");
    let lease = dir.join(format!("dhclient-{tag}.leases"));
    let pid = dir.join(format!("dhclient-{tag}.pid"));
    let _ = std::fs::remove_file(&lease);
    let child = Command::new("ip")
        .args(["netns", "exec", ns, "dhclient", "-d", "-v", "-cf"])
        .arg(&file)
        .arg("-lf")
        .arg(&lease)
        .arg("-pf")
        .arg(&pid)
        .args(["-sf", "/bin/true", iface])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dhclient");
    Proc(child)
}

/// `cybriq run --config CONFIG`, its stderr appended to CONFIG with extension `log`.
pub fn sensor(config: &Path) -> Proc {
    let child = Command::new(env!("CARGO_BIN_EXE_cybriq"))
        .args(["run", "--config"])
        .arg(config)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(config.with_extension("log"))
                .unwrap(),
        ))
        .spawn()
        .expect("start cybriq run");
    Proc(child)
}

/// A connection to the sensor's database in data directory `dir`.
pub fn db(dir: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(dir.join("cybriq.sqlite3")).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    c
}

/// (switch, port, dna) of a device, once the sensor has stored it.
pub fn device(dir: &Path, mac: &str) -> Option<(String, String, String)> {
    if !dir.join("cybriq.sqlite3").exists() {
        return None;
    }
    db(dir)
        .query_row(
            "SELECT switch, port, dna FROM devices WHERE mac = ?1",
            [mac],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok()
}

/// Polls `f` every 250 ms until it returns Some, for at most `secs`; panics with `what` then.
pub fn wait_for<T>(what: &str, secs: u64, f: impl FnMut() -> Option<T>) -> T {
    try_wait_for(secs, f).unwrap_or_else(|| panic!("timed out waiting for {what}"))
}

/// Polls `f` every 250 ms until it returns Some, for at most `secs`.
pub fn try_wait_for<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

impl Lab {
    /// Gives the device in namespace `ns` (its `eth0` plugged in with MAC `mac`) a PC port, as
    /// an IP phone has: a bridge `br0` (MAC `mac`, STP off) over `eth0` and `p1`, and a new
    /// namespace `pc` whose `eth0` (MAC `pc_mac`) is `p1`'s peer. The phone's own IP stack
    /// (dhclient) runs on `br0`, its lldpd on `eth0`. Returns the PC's namespace.
    pub fn pc_port(&mut self, ns: &str, mac: &str, pc: &str, pc_mac: &str) -> String {
        let pc = self.netns(pc);
        run_in(
            ns,
            &["ip", "link", "add", "br0", "address", mac, "type", "bridge"],
        );
        run_in(ns, &["ip", "link", "set", "eth0", "master", "br0"]);
        run(
            "ip",
            &[
                "-n", ns, "link", "add", "p1", "type", "veth", "peer", "name", "eth0", "netns", &pc,
            ],
        );
        run_in(&pc, &["ip", "link", "set", "eth0", "address", pc_mac]);
        run_in(ns, &["ip", "link", "set", "p1", "master", "br0"]);
        for l in ["p1", "br0"] {
            run_in(ns, &["ip", "link", "set", l, "up"]);
        }
        run_in(&pc, &["ip", "link", "set", "eth0", "up"]);
        pc
    }
}

/// BusyBox udhcpc on `iface` of `ns` in the foreground, host name `host`: a DISCOVER every
/// second, three at a time, while no server answers. The script is `/bin/true` (the lab has no
/// DHCP server, and a lease must never touch the host).
pub fn udhcpc(ns: &str, iface: &str, host: &str) -> Proc {
    let hostname = format!("hostname:{host}");
    let child = Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            "udhcpc",
            "-f",
            "-i",
            iface,
            "-s",
            "/bin/true",
        ])
        .args(["-t", "3", "-T", "1", "-A", "1", "-x", &hostname])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start udhcpc");
    Proc(child)
}

/// Every event the sensor stored under `data`, with its sequence number (none before the
/// database exists).
pub fn events(data: &Path) -> Vec<(i64, cybriq::event::Event)> {
    if !data.join("cybriq.sqlite3").exists() {
        return Vec::new();
    }
    cybriq::store::read::events(&db(data), 0, 100_000).unwrap_or_default()
}

/// One stored event as a line of a failing test's diagnostics.
pub fn event_line(seq: i64, e: &cybriq::event::Event) -> String {
    format!(
        "#{seq} {} {} {} mac={} similarity={:?} threshold={:?} previous={:?} dna={:?} changed={:?}",
        e.timestamp.rfc3339_millis(),
        e.event.as_str(),
        e.port,
        e.mac.as_deref().unwrap_or("-"),
        e.similarity,
        e.threshold,
        e.previous_dna,
        e.device_dna,
        e.changed
    )
}

/// Prints every stored event and the sensor's log when the test fails.
pub struct Diagnostics {
    /// The test's name, heading the output.
    pub test: &'static str,
    /// The sensor's data directory.
    pub data: PathBuf,
    /// The sensor's log file.
    pub log: PathBuf,
}

impl Drop for Diagnostics {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        eprintln!("---- {}: events stored ----", self.test);
        for (s, e) in events(&self.data) {
            eprintln!("{}", event_line(s, &e));
        }
        eprintln!("---- {}: sensor log ----", self.test);
        eprintln!(
            "{}",
            std::fs::read_to_string(&self.log).unwrap_or_else(|e| format!("(no log: {e})"))
        );
    }
}
