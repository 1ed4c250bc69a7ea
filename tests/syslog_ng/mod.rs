//! A private syslog-ng for the SIEM parser tests, run from Debian's syslog-ng-core package
//! unpacked by scripts/setup.sh into a cache directory (the package conflicts with rsyslog, so
//! it is never installed): `--no-caps -F` with its own config, persist file, pid file and
//! control socket in the test's scratch directory, its libraries and modules from the unpacked
//! tree. Skips with a printed reason when the tree is missing; fails under CI=true.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The unpacked tree: `CYBRIQ_SYSLOG_NG_ROOT`, else `syslog-ng/root` in setup.sh's cache
/// directory, else `/` when syslog-ng is installed on the system.
pub fn root() -> Option<PathBuf> {
    let cache = std::env::var_os("CYBRIQ_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            use std::os::unix::fs::MetadataExt as _;
            let root_user = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
            if root_user {
                Some(PathBuf::from("/var/cache/cybriq-test"))
            } else {
                std::env::var_os("XDG_CACHE_HOME")
                    .map(PathBuf::from)
                    .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
                    .map(|c| c.join("cybriq"))
            }
        });
    let found = std::env::var_os("CYBRIQ_SYSLOG_NG_ROOT")
        .map(PathBuf::from)
        .into_iter()
        .chain(cache.map(|c| c.join("syslog-ng/root")))
        .chain([PathBuf::from("/")])
        .find(|r| r.join("usr/sbin/syslog-ng").is_file());
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("syslog-ng not found: scripts/setup.sh unpacks syslog-ng-core into its cache");
        }
        eprintln!("SKIPPED: syslog-ng not found (scripts/setup.sh unpacks syslog-ng-core)");
    }
    found
}

/// Directories under `root` holding shared libraries (`usr/lib/syslog-ng`, the multiarch dirs).
fn library_path(root: &Path) -> String {
    let mut dirs = vec![root.join("usr/lib/syslog-ng")];
    for base in ["usr/lib", "lib"] {
        if let Ok(rd) = std::fs::read_dir(root.join(base)) {
            dirs.extend(
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_dir() && p.to_string_lossy().ends_with("-linux-gnu")),
            );
        }
    }
    let mut s = std::env::join_paths(dirs)
        .unwrap()
        .to_string_lossy()
        .into_owned();
    if let Some(old) = std::env::var_os("LD_LIBRARY_PATH") {
        s.push(':');
        s.push_str(&old.to_string_lossy());
    }
    s
}

/// The module directory (`usr/lib/syslog-ng/3.38`).
fn module_path(root: &Path) -> PathBuf {
    std::fs::read_dir(root.join("usr/lib/syslog-ng"))
        .expect("usr/lib/syslog-ng in the syslog-ng tree")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.is_dir()
                && p.file_name().is_some_and(|n| {
                    n.to_string_lossy()
                        .starts_with(|c: char| c.is_ascii_digit())
                })
        })
        .expect("a versioned module directory in usr/lib/syslog-ng")
}

/// A running syslog-ng.
#[derive(Debug)]
pub struct SyslogNg {
    child: Option<Child>,
    pub dir: PathBuf,
    pub tcp_port: u16,
    pub udp_port: u16,
    pub out: PathBuf,
}

impl SyslogNg {
    /// Starts syslog-ng in `dir` with `main` as the configuration body after `@version:`;
    /// `main` may use `` `tcp_port` ``, `` `udp_port` `` and `` `out` `` (free loopback ports and
    /// the output file). Waits until the TCP source accepts.
    pub fn start(root: &Path, dir: &Path, main: &str) -> SyslogNg {
        let tcp_port = super::rsyslog::free_port(false);
        let udp_port = super::rsyslog::free_port(true);
        let out = dir.join("out.jsonl");
        let conf = format!(
            "@version: 3.38\n@define tcp_port \"{tcp_port}\"\n@define udp_port \"{udp_port}\"\n@define out \"{}\"\n\
             options {{ stats_freq(0); keep_hostname(yes); }};\n{main}\n",
            out.display()
        );
        let conf_path = dir.join("syslog-ng.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let log = std::fs::File::create(dir.join("syslog-ng.log")).unwrap();
        let child = Command::new(root.join("usr/sbin/syslog-ng"))
            .env("LD_LIBRARY_PATH", library_path(root))
            .args(["--no-caps", "-F", "-e", "-f"])
            .arg(&conf_path)
            .arg(format!("--module-path={}", module_path(root).display()))
            .arg(format!(
                "--persist-file={}",
                dir.join("syslog-ng.persist").display()
            ))
            .arg(format!("--pidfile={}", dir.join("syslog-ng.pid").display()))
            .arg(format!("--control={}", dir.join("syslog-ng.ctl").display()))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start syslog-ng");
        let mut s = SyslogNg {
            child: Some(child),
            dir: dir.to_owned(),
            tcp_port,
            udp_port,
            out,
        };
        s.wait_ready();
        s
    }

    /// syslog-ng's own log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("syslog-ng.log")).unwrap_or_default()
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.tcp_port)).is_err() {
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "syslog-ng did not listen on {} (exit {exited:?}): {}",
                self.tcp_port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until at least `n` lines are written (or the timeout passes); the lines.
    pub fn lines(&self, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let text = std::fs::read_to_string(&self.out).unwrap_or_default();
            let lines: Vec<String> = text.lines().map(str::to_owned).collect();
            if lines.len() >= n || Instant::now() >= deadline {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SyslogNg {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
