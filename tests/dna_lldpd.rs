//! Firmware updates from a real LLDP agent: lldpd (`-S` sets the system description) runs in a
//! network namespace created by the test, on one end of a veth pair; tcpdump captures its
//! LLDPDUs on the other end; the captures go through the decoder and the DNA builder.
//!
//! Needs root (or password-less `sudo -n`), `ip`, `lldpd` and `tcpdump` (scripts/setup.sh
//! installs them). Without them the test is skipped with a message, except under CI
//! (`CI=true`), where it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cybriq::capture::read_all;
use cybriq::dna::{Dna, DnaBuilder, DnaParams, Facts};
use cybriq::observe::Observation;
use cybriq::wire::frame;

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The prefix that runs a command as root: none for root, `sudo -n` when that works, else
/// `None`.
fn as_root() -> Option<Vec<&'static str>> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        return Some(Vec::new());
    }
    let sudo = Command::new("sudo")
        .args(["-n", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    sudo.then(|| vec!["sudo", "-n"])
}

/// `ip ARGS…` as root.
fn root_cmd(prefix: &[&str], program: &str) -> Command {
    match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(program);
            c
        }
        None => Command::new(program),
    }
}

fn lldpd_path() -> Option<PathBuf> {
    ["/usr/sbin/lldpd", "/sbin/lldpd", "/usr/local/sbin/lldpd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Two namespaces joined by a veth pair; removed on drop.
struct Netns {
    a: String,
    b: String,
    prefix: Vec<&'static str>,
}

impl Netns {
    fn ip(&self, args: &[&str]) {
        let st = root_cmd(&self.prefix, "ip")
            .args(args)
            .status()
            .expect("run ip");
        assert!(st.success(), "ip {}", args.join(" "));
    }

    fn new(prefix: Vec<&'static str>) -> Netns {
        let id = std::process::id();
        let n = Netns {
            a: format!("cbq-dna-a-{id}"),
            b: format!("cbq-dna-b-{id}"),
            prefix,
        };
        let ip = |args: &[&str]| n.ip(args);
        ip(&["netns", "add", &n.a]);
        ip(&["netns", "add", &n.b]);
        ip(&[
            "link",
            "add",
            "cbqa0",
            "netns",
            &n.a,
            "address",
            "02:cb:00:00:00:0a",
            "type",
            "veth",
            "peer",
            "name",
            "cbqb0",
            "netns",
            &n.b,
        ]);
        ip(&["-n", &n.a, "link", "set", "cbqa0", "up"]);
        ip(&["-n", &n.b, "link", "set", "cbqb0", "up"]);
        ip(&["-n", &n.a, "link", "set", "lo", "up"]);
        n
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b] {
            let _ = root_cmd(&self.prefix, "ip")
                .args(["netns", "del", ns])
                .status();
        }
    }
}

/// Stops a process this test started: SIGTERM (which sudo relays), then SIGKILL after 3 s.
struct Kill(Child, Vec<&'static str>);
impl Drop for Kill {
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let _ = root_cmd(&self.1, "kill").args(["-TERM", &pid]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if self.0.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs lldpd with `args` in namespace a and returns the DNA of the first LLDPDU seen in b.
fn capture(ns: &Netns, lldpd: &Path, args: &[&str], tag: &str) -> Dna {
    let dir = std::env::temp_dir().join(format!("cybriq-dna-lldpd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pcap = dir.join(format!("{tag}.pcap"));
    let _ = std::fs::remove_file(&pcap);
    let mut tcpdump = Command::new("ip")
        .args([
            "netns", "exec", &ns.b, "tcpdump", "-q", "-U", "-i", "cbqb0", "-c", "1", "-w",
        ])
        .arg(&pcap)
        .arg("ether proto 0x88cc")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpdump");
    std::thread::sleep(Duration::from_millis(500));
    let sock = dir.join(format!("{tag}.sock"));
    let agent = Kill(
        root_cmd(&ns.prefix, "ip")
            .args(["netns", "exec", &ns.a])
            .arg(lldpd)
            .args(["-d", "-I", "cbqa0", "-u"])
            .arg(&sock)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("lldpd"),
        ns.prefix.clone(),
    );
    let start = Instant::now();
    loop {
        if tcpdump.try_wait().expect("wait tcpdump").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = tcpdump.kill();
            panic!("no LLDPDU from lldpd {args:?} within 20 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(agent);
    let (link, recs, _) = read_all(&pcap).expect("capture");
    let mut f = Facts::new();
    for (ts, d) in &recs {
        if let Some(o) = Observation::from_frame(*ts, &frame::decode(link, d)) {
            f.observe(&o);
        }
    }
    assert!(f.observations() > 0, "{tag}: no LLDP observation decoded");
    DnaBuilder::new(DnaParams::default()).build(&f)
}

#[test]
fn lldpd_firmware_update_lands_in_the_band_and_another_system_below() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let lldpd = lldpd_path();
    let root = as_root();
    let (Some(prefix), Some(lldpd), true, true) = (root, lldpd, have("ip"), have("tcpdump")) else {
        let msg = "dna_lldpd: needs root or sudo -n, ip, tcpdump and lldpd (scripts/setup.sh)";
        assert!(!ci, "{msg}");
        eprintln!("{msg}: skipped");
        return;
    };
    let ns = Netns::new(prefix);
    let old = "Debian GNU/Linux 12 (bookworm) Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64";
    let new = "Debian GNU/Linux 12 (bookworm) Linux 6.1.0-21-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.90-1 (2024-05-03) x86_64";
    let a = capture(&ns, &lldpd, &["-S", old], "old");
    let again = capture(&ns, &lldpd, &["-S", old], "again");
    let b = capture(&ns, &lldpd, &["-S", new], "new");
    let other = capture(
        &ns,
        &lldpd,
        &[
            "-S",
            "Cisco IP Phone 8851, V3, sip88xx.12-8-1-0001-455",
            "-M",
            "3",
            "-P",
            "CP-8851",
        ],
        "other",
    );
    assert!(
        a.tokens.iter().any(|t| t.token.starts_with("fw:linux:")),
        "{:?}",
        a.tokens
    );
    eprintln!(
        "lldpd: re-observed {:.3}, kernel update {:.3}, other system {:.3}",
        a.similarity(&again),
        a.similarity(&b),
        a.similarity(&other)
    );
    let s = a.similarity(&again);
    assert!(s >= 0.85, "re-observed: {s}");
    let s = a.similarity(&b);
    assert!((0.65..0.85).contains(&s), "kernel update: {s}");
    let s = a.similarity(&other);
    assert!(s < 0.65, "other system: {s}");
}
