//! The Debian package, on this machine, as an operator installs it (docs/install.md).
//!
//! One test, in order, because every step changes the system's package database:
//! 1. `scripts/build-deb.sh` packages the test build's binary (no release build: the package is
//!    the same but for the binary's optimisation) twice, revisions 1 and 2; `lintian` reports no
//!    error on revision 1 (its warnings are printed).
//! 2. `dpkg -i` revision 1: the `cybriq` system user (no login shell), `/var/lib/cybriq` 0750
//!    cybriq:cybriq, the conffile `/etc/cybriq/sensor.toml` root:cybriq 0640, the unit, man
//!    pages, completions and the reference data. `systemd-analyze verify` accepts the installed
//!    unit, `systemd-analyze security --offline=true` rates it at most [`MAX_EXPOSURE`].
//! 3. The conffile is edited into a lab configuration, and the installed binary runs as the
//!    package's user with CAP_NET_RAW and CAP_NET_ADMIN alone (setpriv, as the unit grants
//!    them), capturing on a veth from a network namespace where lldpd talks LLDP: the device
//!    reaches the store, `READY=1` and `WATCHDOG=1` reach a notification socket, the database
//!    is the user's, 0600.
//! 4. `dpkg -i` revision 2 (an upgrade) keeps the edited conffile, its mode and the data;
//!    `dpkg -r` removes the program and keeps the conffile and data; `dpkg -P` removes both.
//!
//! Needs root, dpkg, cargo-deb and lintian (scripts/setup.sh), systemd-analyze, setpriv, ip,
//! tc and lldpd; without them it says why and passes, except under CI=true. It refuses to run
//! where a cybriq package is already installed (it would purge it).

mod netns_lab;
mod snmp_support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use netns_lab::{Lab, Lldpd, Proc, device, wait_for};

const TEST: &str = "package";
/// `systemd-analyze security` exposure of the shipped unit (1.8 measured with systemd 252; the
/// scale is 0 = fully locked down .. 10 = unprotected; up to 2.0 systemd rates "OK").
const MAX_EXPOSURE: f64 = 1.8;
const CONFFILE: &str = "/etc/cybriq/sensor.toml";
const DATA: &str = "/var/lib/cybriq";
const UNIT: &str = "/usr/lib/systemd/system/cybriq.service";
const DEV_MAC: &str = "00:04:0d:ab:cd:61";
/// CAP_NET_ADMIN (12) and CAP_NET_RAW (13), as /proc/PID/status shows capability sets.
const NET_CAPS: u64 = (1 << 12) | (1 << 13);

#[test]
fn the_package_installs_runs_confined_upgrades_and_purges() {
    let tools = [
        "dpkg",
        "dpkg-deb",
        "lintian",
        "systemd-analyze",
        "setpriv",
        "ip",
        "tc",
        "lldpd",
    ];
    if !netns_lab::ready(TEST, &tools) {
        return;
    }
    if !have_cargo_deb() {
        netns_lab::skip(TEST, "cargo-deb not installed (scripts/setup.sh)");
        return;
    }
    if installed() {
        netns_lab::skip(
            TEST,
            "a cybriq package is installed here; the test would purge it",
        );
        return;
    }
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("package-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (rev1, rev2) = (build(&dir, 1), build(&dir, 2));
    lintian(&rev1);

    let _purge = PurgeOnDrop;
    dpkg(&["-i", rev1.to_str().unwrap()]);
    check_installed();
    check_unit();

    let edited = lab_capture(&dir);

    dpkg(&["-i", rev2.to_str().unwrap()]);
    assert_eq!(version(), "0.1.0-2", "upgraded");
    assert_eq!(
        read(CONFFILE),
        edited,
        "the upgrade kept the edited conffile"
    );
    assert_mode(CONFFILE, 0o640, "root", "cybriq");
    assert!(
        Path::new(DATA).join("cybriq.sqlite3").exists(),
        "the upgrade kept the data"
    );

    dpkg(&["-r", "cybriq"]);
    assert!(!Path::new("/usr/bin/cybriq").exists(), "removed");
    assert!(!Path::new(UNIT).exists(), "unit removed");
    assert_eq!(read(CONFFILE), edited, "remove keeps conffiles");
    assert!(
        Path::new(DATA).join("cybriq.sqlite3").exists(),
        "remove keeps the data"
    );

    dpkg(&["-P", "cybriq"]);
    for gone in [CONFFILE, "/etc/cybriq", DATA] {
        assert!(!Path::new(gone).exists(), "{gone} left after purge");
    }
    assert!(!installed(), "dpkg still knows cybriq after purge");
    let so = sh("dpkg-statoverride", &["--list"]);
    assert!(
        !stdout(&so).contains(CONFFILE),
        "statoverride left after purge"
    );
    // The system user stays, as Debian keeps system users (postrm says why).
    assert!(sh_ok("getent", &["passwd", "cybriq"]));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Step 2: user, directories, modes, conffile, data files.
fn check_installed() {
    let pw = stdout(&sh("getent", &["passwd", "cybriq"]));
    let f: Vec<&str> = pw.trim().split(':').collect();
    assert_eq!(f.len(), 7, "{pw}");
    assert_ne!(f[2], "0", "cybriq is not root");
    assert!(f[2].parse::<u32>().unwrap() < 1000, "a system uid: {pw}");
    assert_eq!(f[5], DATA, "home");
    assert!(f[6].ends_with("nologin"), "no login shell: {pw}");
    assert_mode(DATA, 0o750, "cybriq", "cybriq");
    assert_mode(CONFFILE, 0o640, "root", "cybriq");
    let conffiles = stdout(&sh("dpkg-query", &["-W", "-f=${Conffiles}", "cybriq"]));
    assert!(conffiles.contains(CONFFILE), "not a conffile: {conffiles}");
    assert_eq!(
        read(CONFFILE),
        read(&format!(
            "{}/deploy/sensor.example.toml",
            env!("CARGO_MANIFEST_DIR")
        )),
        "the conffile is the example configuration"
    );
    assert_mode("/usr/bin/cybriq", 0o755, "root", "root");
    for f in [
        UNIT,
        "/usr/lib/sysusers.d/cybriq.conf",
        "/usr/lib/tmpfiles.d/cybriq.conf",
        "/usr/share/man/man1/cybriq.1.gz",
        "/usr/share/man/man1/cybriq-run.1.gz",
        "/usr/share/bash-completion/completions/cybriq",
        "/usr/share/zsh/vendor-completions/_cybriq",
        "/usr/share/fish/vendor_completions.d/cybriq.fish",
        "/usr/share/cybriq/reference-db/oui.txt",
        "/usr/share/cybriq/reference-db/rules/00-cybriq.toml",
        "/usr/share/cybriq/firmware-profiles/linux.toml",
        "/usr/share/doc/cybriq/copyright",
        "/usr/share/doc/cybriq/install.md",
    ] {
        assert!(Path::new(f).is_file(), "{f} not installed");
    }
    // The shipped reference data is the copy built into the binary (same digest).
    let v = stdout(&sh("/usr/bin/cybriq", &["--version"]));
    let check = sh(
        "/usr/bin/cybriq",
        &["refdb", "check", "--db", "/usr/share/cybriq/reference-db"],
    );
    let shown = format!(
        "{}{}",
        stdout(&check),
        String::from_utf8_lossy(&check.stderr)
    );
    let digest = v.rsplit(' ').next().unwrap().trim();
    assert!(digest.starts_with("blake3:"), "{v}");
    assert!(
        shown.contains(digest),
        "--version {v} vs refdb check {shown}"
    );
}

/// Step 2: the installed unit verifies and keeps its exposure score.
fn check_unit() {
    let verify = sh("systemd-analyze", &["verify", UNIT]);
    assert!(
        verify.status.success() && verify.stderr.is_empty() && verify.stdout.is_empty(),
        "systemd-analyze verify: {}{}",
        stdout(&verify),
        String::from_utf8_lossy(&verify.stderr)
    );
    let sec = sh("systemd-analyze", &["security", "--offline=true", UNIT]);
    let text = stdout(&sec);
    let score = exposure(&text).unwrap_or_else(|| panic!("no exposure level in:\n{text}"));
    eprintln!("systemd-analyze security: cybriq.service exposure {score}");
    assert!(
        score <= MAX_EXPOSURE,
        "exposure {score} > {MAX_EXPOSURE}:\n{text}"
    );
    let unit = read(UNIT);
    for line in [
        "User=cybriq",
        "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN",
        "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN",
        "Type=notify",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "ReadWritePaths=/var/lib/cybriq",
    ] {
        assert!(unit.lines().any(|l| l == line), "unit lacks {line}");
    }
}

/// The number after "Overall exposure level for cybriq.service:".
fn exposure(text: &str) -> Option<f64> {
    let line = text
        .lines()
        .find(|l| l.contains("Overall exposure level"))?;
    line.split(':')
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Step 3: the edited conffile, the sensor as the unit runs it, a frame from a namespace.
/// Returns the edited conffile's text.
fn lab_capture(dir: &Path) -> String {
    let mut lab = Lab::new();
    let cfg = format!(
        "# Edited by tests/package.rs: the lab's SPAN veth as a TAP.\n[sensor]\nsite = \"package-lab\"\n\
         data_dir = \"{DATA}\"\n\n[[capture]]\ninterface = \"{}\"\ntap = {{ switch = \"lab-sw\", port = \"Gi1/0/7\" }}\n",
        lab.span(0)
    );
    std::fs::write(CONFFILE, &cfg).unwrap();
    // The notification socket a unit's manager would listen on; the sensor's user writes to it.
    let notify_dir = dir.join("notify");
    std::fs::create_dir_all(&notify_dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&notify_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let sock_path = notify_dir.join("notify.sock");
    let notify = UnixDatagram::bind(&sock_path).unwrap();
    std::fs::set_permissions(&sock_path, std::fs::Permissions::from_mode(0o666)).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();

    let log = dir.join("sensor.log");
    let sensor = confined_sensor(&sock_path, &log);
    let _diag = netns_lab::Diagnostics {
        test: TEST,
        data: PathBuf::from(DATA),
        log: log.clone(),
    };
    let ready = wait_for("READY=1 from the sensor", 60, || {
        received(&notify).filter(|m| m.contains("READY=1"))
    });
    assert!(ready.contains("STATUS=Running: 1 capture(s)"), "{ready}");
    check_confinement(&sensor);

    let dev = lab.plug(1, DEV_MAC);
    let _lldpd = Lldpd {
        descr: "Linux package-lab 6.1.0 x86_64",
        med: Some(3),
        tx_interval: Some(2),
        ..Lldpd::default()
    }
    .start(&dev, dir);
    let (sw, port, _) = wait_for("the lab device in the store", 60, || {
        device(Path::new(DATA), DEV_MAC)
    });
    assert_eq!((sw.as_str(), port.as_str()), ("lab-sw", "Gi1/0/7"));
    wait_for("WATCHDOG=1 from the sensor", 30, || {
        received(&notify).filter(|m| m.contains("WATCHDOG=1"))
    });
    let pid = sensor.0.id().to_string();
    sh("kill", &["-TERM", &pid]);
    wait_for("STOPPING=1 from the sensor", 30, || {
        received(&notify).filter(|m| m.contains("STOPPING=1"))
    });
    let mut sensor = sensor;
    let status = sensor.0.wait().unwrap();
    assert!(status.success(), "cybriq run exited {status}");
    let db = Path::new(DATA).join("cybriq.sqlite3");
    assert_mode(db.to_str().unwrap(), 0o600, "cybriq", "cybriq");
    cfg
}

/// `/usr/bin/cybriq run` as user cybriq with CAP_NET_RAW and CAP_NET_ADMIN only (what the unit
/// grants), notifying `socket` with a 2 s watchdog.
fn confined_sensor(socket: &Path, log: &Path) -> Proc {
    let child = Command::new("setpriv")
        .args([
            "--reuid=cybriq",
            "--regid=cybriq",
            "--init-groups",
            "--inh-caps=-all,+net_raw,+net_admin",
            "--ambient-caps=-all,+net_raw,+net_admin",
            "--bounding-set=-all,+net_raw,+net_admin",
            "--no-new-privs",
            "--",
            "/usr/bin/cybriq",
            "run",
            "--config",
            CONFFILE,
        ])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("RUST_LOG", "info")
        .env("NOTIFY_SOCKET", socket)
        .env("WATCHDOG_USEC", "2000000")
        .current_dir("/")
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(log).unwrap()))
        .spawn()
        .expect("start setpriv");
    Proc(child)
}

/// The running sensor's identity and capability sets: cybriq, and the two network capabilities
/// effective, permitted, ambient and bounding, nothing else.
fn check_confinement(sensor: &Proc) {
    let status = read(&format!("/proc/{}/status", sensor.0.id()));
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("{name} not in status"))
    };
    let uid = stdout(&sh("id", &["-u", "cybriq"])).trim().to_owned();
    assert!(
        field("Uid:").split_whitespace().all(|u| u == uid),
        "{}",
        field("Uid:")
    );
    for set in ["CapEff:", "CapPrm:", "CapAmb:", "CapBnd:"] {
        let v = u64::from_str_radix(&field(set), 16).unwrap();
        assert_eq!(v, NET_CAPS, "{set} {v:#x}");
    }
    assert_eq!(field("NoNewPrivs:"), "1");
}

/// One datagram from the notification socket, if one arrives within its timeout.
fn received(sock: &UnixDatagram) -> Option<String> {
    let mut buf = [0u8; 4096];
    let n = sock.recv(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

/// Builds the package of revision `rev` from the test build's binary; its path.
fn build(dir: &Path, rev: u32) -> PathBuf {
    let out = dir.join(format!("rev{rev}"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-deb.sh");
    let rev_arg = rev.to_string();
    let o = Command::new(&script)
        .args(["--binary", env!("CARGO_BIN_EXE_cybriq"), "--output"])
        .arg(&out)
        .args(["--", "--fast", "--deb-revision", &rev_arg])
        .output()
        .expect("run scripts/build-deb.sh");
    assert!(
        o.status.success(),
        "build-deb.sh: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let deb = out.join(format!("cybriq_0.1.0-{rev}_{}.deb", arch()));
    assert!(deb.is_file(), "{} not built", deb.display());
    deb
}

/// lintian on the package: no error; warnings printed.
fn lintian(deb: &Path) {
    let o = Command::new("lintian")
        .arg(deb)
        .output()
        .expect("run lintian");
    let text = stdout(&o);
    eprintln!("lintian:\n{text}");
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("E:")).collect();
    assert!(errors.is_empty(), "lintian errors:\n{}", errors.join("\n"));
    assert!(
        o.status.success(),
        "lintian failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// dpkg with `args`; waits (up to 10 min) while another dpkg or apt holds the lock.
fn dpkg(args: &[&str]) {
    let o = wait_for("the dpkg lock", 600, || {
        let o = Command::new("dpkg")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let locked = String::from_utf8_lossy(&o.stderr).contains("lock");
        (o.status.success() || !locked).then_some(o)
    });
    assert!(
        o.status.success(),
        "dpkg {}: {}{}",
        args.join(" "),
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Purges the package when the test ends, passed or not.
struct PurgeOnDrop;

impl Drop for PurgeOnDrop {
    fn drop(&mut self) {
        if installed() {
            let _ = Command::new("dpkg")
                .args(["-P", "cybriq"])
                .stdout(Stdio::null())
                .status();
        }
    }
}

/// Whether dpkg has cybriq installed or half-installed (anything but not-installed/purged).
fn installed() -> bool {
    let o = sh("dpkg-query", &["-W", "-f=${db:Status-Status}", "cybriq"]);
    o.status.success() && !matches!(stdout(&o).trim(), "" | "not-installed")
}

fn version() -> String {
    stdout(&sh("dpkg-query", &["-W", "-f=${Version}", "cybriq"]))
        .trim()
        .to_owned()
}

fn arch() -> String {
    stdout(&sh("dpkg", &["--print-architecture"]))
        .trim()
        .to_owned()
}

fn have_cargo_deb() -> bool {
    Command::new("cargo")
        .args(["deb", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `path` has permission bits `mode` and owner `user`:`group`.
fn assert_mode(path: &str, mode: u32, user: &str, group: &str) {
    let m = std::fs::metadata(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(
        m.permissions().mode() & 0o7777,
        mode,
        "{path} mode {:o}",
        m.permissions().mode()
    );
    let id = |flag: &str, name: &str| -> u32 {
        stdout(&sh("id", &[flag, name])).trim().parse().unwrap()
    };
    let gid = stdout(&sh("getent", &["group", group]));
    let gid: u32 = gid.split(':').nth(2).unwrap().parse().unwrap();
    assert_eq!(m.uid(), id("-u", user), "{path} owner");
    assert_eq!(m.gid(), gid, "{path} group");
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn sh(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

fn sh_ok(program: &str, args: &[&str]) -> bool {
    sh(program, args).status.success()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_exposure_line_is_read() {
    let text = "  NAME  DESCRIPTION  EXPOSURE\n✗ PrivateNetwork= ... 0.5\n\n\
                → Overall exposure level for cybriq.service: 1.8 OK 🙂\n";
    assert_eq!(exposure(text), Some(1.8));
    assert_eq!(exposure("nothing"), None);
}
