//! A private rsyslogd for the emitter tests: started on a loopback port with its own config
//! and work directory (never the system's rsyslog), RFC 5424 parsing plus `mmpstrucdata`, and
//! a JSON template that writes the parsed header and structured data, one line per message.
//! TLS certificates are generated with rcgen.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Whether rsyslogd is on PATH (or in /usr/sbin). Under CI=true a missing peer fails the test.
pub fn rsyslogd() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join("rsyslogd"))
        .find(|p| p.is_file());
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("rsyslogd not found: install rsyslog and rsyslog-gnutls (scripts/setup.sh)");
        }
        eprintln!("SKIPPED: rsyslogd not found (install rsyslog rsyslog-gnutls)");
    }
    found
}

/// A fresh scratch directory under target/.
pub fn scratch(name: &str) -> PathBuf {
    let d =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("emit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A free loopback port (TCP or UDP).
pub fn free_port(udp: bool) -> u16 {
    if udp {
        std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    } else {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }
}

/// Certificates for a TLS test: a CA, a server certificate for `localhost`/127.0.0.1 signed by
/// it, a client certificate signed by it, and an unrelated self-signed certificate.
#[derive(Debug, Clone)]
pub struct Pki {
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    pub other_ca: PathBuf,
}

impl Pki {
    pub fn generate(dir: &Path) -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "cybriq test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf = |names: Vec<String>, cn: &str| {
            let mut p = CertificateParams::new(names).unwrap();
            p.distinguished_name.push(DnType::CommonName, cn);
            let k = KeyPair::generate().unwrap();
            let c = p.signed_by(&k, &ca).unwrap();
            (c.pem(), k.serialize_pem())
        };
        let (sc, sk) = leaf(vec!["localhost".into(), "127.0.0.1".into()], "localhost");
        let (cc, ck) = leaf(vec!["sensor.test".into()], "sensor.test");
        let mut other = CertificateParams::new(Vec::<String>::new()).unwrap();
        other.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let other = other.self_signed(&KeyPair::generate().unwrap()).unwrap();
        let w = |n: &str, s: &str| {
            let p = dir.join(n);
            std::fs::write(&p, s).unwrap();
            p
        };
        Pki {
            ca: w("ca.pem", &ca.pem()),
            server_cert: w("server.pem", &sc),
            server_key: w("server.key", &sk),
            client_cert: w("client.pem", &cc),
            client_key: w("client.key", &ck),
            other_ca: w("other-ca.pem", &other.pem()),
        }
    }
}

/// What the receiver listens with.
#[derive(Debug, Clone)]
pub enum Listen {
    Udp,
    Tcp,
    /// TLS; `mutual` requires a client certificate from the CA.
    Tls {
        pki: Pki,
        mutual: bool,
    },
}

/// A running rsyslogd.
#[derive(Debug)]
pub struct Rsyslog {
    child: Option<Child>,
    pub dir: PathBuf,
    pub port: u16,
    pub out: PathBuf,
    listen: Listen,
    bin: PathBuf,
}

const TEMPLATE: &str = r#"
template(name="cybriq_json" type="list") {
  constant(value="{\"facility\":") property(name="syslogfacility")
  constant(value=",\"severity\":") property(name="syslogseverity")
  constant(value=",\"timestamp\":\"") property(name="timereported" dateFormat="rfc3339" format="json")
  constant(value="\",\"hostname\":\"") property(name="hostname" format="json")
  constant(value="\",\"app\":\"") property(name="app-name" format="json")
  constant(value="\",\"procid\":\"") property(name="procid" format="json")
  constant(value="\",\"msgid\":\"") property(name="msgid" format="json")
  constant(value="\",\"msg\":\"") property(name="msg" format="json")
  constant(value="\",\"sd\":[") property(name="$!rfc5424-sd")
  constant(value="]}\n")
}
"#;

impl Rsyslog {
    /// Starts rsyslogd in `dir` on a free port and waits until it accepts.
    pub fn start(bin: &Path, dir: &Path, listen: Listen) -> Rsyslog {
        let port = free_port(matches!(listen, Listen::Udp));
        Self::start_on(bin, dir, listen, port)
    }

    /// Starts rsyslogd on `port` (used to restart it where it was).
    pub fn start_on(bin: &Path, dir: &Path, listen: Listen, port: u16) -> Rsyslog {
        let work = dir.join("work");
        std::fs::create_dir_all(&work).unwrap();
        let out = dir.join("out.jsonl");
        let mut global = format!(
            "workDirectory=\"{}\" parser.escapeControlCharactersOnReceive=\"off\" maxMessageSize=\"64k\"",
            work.display()
        );
        let input = match &listen {
            Listen::Udp => format!(
                "module(load=\"imudp\")\ninput(type=\"imudp\" port=\"{port}\" address=\"127.0.0.1\")\n"
            ),
            Listen::Tcp => format!(
                "module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"{port}\" address=\"127.0.0.1\")\n"
            ),
            Listen::Tls { pki, mutual } => {
                global.push_str(&format!(
                    " defaultNetstreamDriverCAFile=\"{}\" defaultNetstreamDriverCertFile=\"{}\" defaultNetstreamDriverKeyFile=\"{}\"",
                    pki.ca.display(),
                    pki.server_cert.display(),
                    pki.server_key.display()
                ));
                let auth = if *mutual { "x509/certvalid" } else { "anon" };
                format!(
                    "module(load=\"imtcp\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\" streamDriver.authMode=\"{auth}\")\ninput(type=\"imtcp\" port=\"{port}\" address=\"127.0.0.1\")\n"
                )
            }
        };
        let conf = format!(
            "global({global})\nmain_queue(queue.type=\"Direct\")\nmodule(load=\"mmpstrucdata\")\n{input}{TEMPLATE}\n\
             action(type=\"mmpstrucdata\" sd_name.lowercase=\"off\")\n\
             action(type=\"omfile\" file=\"{}\" template=\"cybriq_json\" asyncWriting=\"off\" flushOnTXEnd=\"on\")\n",
            out.display()
        );
        let conf_path = dir.join("rsyslog.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("rsyslogd.log"))
            .unwrap();
        let child = Command::new(bin)
            .arg("-n")
            .arg("-f")
            .arg(&conf_path)
            .arg("-i")
            .arg(dir.join("rsyslogd.pid"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start rsyslogd");
        let r = Rsyslog {
            child: Some(child),
            dir: dir.to_owned(),
            port,
            out,
            listen,
            bin: bin.to_owned(),
        };
        r.wait_ready();
        r
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ready = match self.listen {
                // imudp binds quickly; give it a moment after the process is up.
                Listen::Udp => {
                    std::thread::sleep(Duration::from_millis(500));
                    true
                }
                _ => std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok(),
            };
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "rsyslogd did not listen on {}: {}",
                self.port,
                std::fs::read_to_string(self.dir.join("rsyslogd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `kill -9`.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_file(self.dir.join("rsyslogd.pid"));
    }

    /// Starts it again on the same port, appending to the same output.
    pub fn restart(&mut self) {
        self.kill();
        let again = Rsyslog::start_on(&self.bin, &self.dir, self.listen.clone(), self.port);
        *self = again;
    }

    /// The parsed output lines (a torn last line from a kill is skipped).
    pub fn records(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Number of lines written so far.
    pub fn count(&self) -> usize {
        std::fs::read(&self.out)
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0)
    }

    /// Waits until at least `n` lines are written.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        loop {
            let c = self.count();
            if c >= n || Instant::now() >= deadline {
                return c;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The structured-data params of a record, `event@29051`.
pub fn sd(record: &Value) -> &serde_json::Map<String, Value> {
    record["sd"][0]["event@29051"]
        .as_object()
        .unwrap_or_else(|| panic!("no event@29051 in {record}"))
}

/// Writes a config file.
pub fn write_config(dir: &Path, body: &str) -> PathBuf {
    let p = dir.join("sensor.toml");
    let mut f = std::fs::File::create(&p).unwrap();
    f.write_all(body.as_bytes()).unwrap();
    p
}

/// rsyslogd running a shipped parser configuration (`deploy/siem/rsyslog-cybriq.conf`) the way
/// its header says to include it: TCP and UDP inputs on free loopback ports routed into the
/// `cybriq` ruleset, `cybriq_output` writing the `cybriq_json` template to `out`.
#[derive(Debug)]
pub struct Shipped {
    child: Option<Child>,
    pub dir: PathBuf,
    pub tcp_port: u16,
    pub udp_port: u16,
    pub out: PathBuf,
}

impl Shipped {
    /// Starts it in `dir` and waits until the TCP input accepts.
    pub fn start(bin: &Path, dir: &Path, shipped_conf: &Path) -> Shipped {
        let work = dir.join("work");
        std::fs::create_dir_all(&work).unwrap();
        let out = dir.join("events.json");
        let (tcp_port, udp_port) = (free_port(false), free_port(true));
        let conf = format!(
            "global(workDirectory=\"{}\" maxMessageSize=\"64k\")\nmain_queue(queue.type=\"Direct\")\n\
             module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"{tcp_port}\" address=\"127.0.0.1\" ruleset=\"cybriq\")\n\
             module(load=\"imudp\")\ninput(type=\"imudp\" port=\"{udp_port}\" address=\"127.0.0.1\" ruleset=\"cybriq\")\n\
             include(file=\"{}\")\n\
             ruleset(name=\"cybriq_output\") {{\n  action(type=\"omfile\" file=\"{}\" template=\"cybriq_json\" asyncWriting=\"off\" flushOnTXEnd=\"on\")\n}}\n",
            work.display(),
            shipped_conf.display(),
            out.display()
        );
        let conf_path = dir.join("rsyslog.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let log = std::fs::File::create(dir.join("rsyslogd.log")).unwrap();
        let child = Command::new(bin)
            .args(["-n", "-f"])
            .arg(&conf_path)
            .arg("-i")
            .arg(dir.join("rsyslogd.pid"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start rsyslogd");
        let s = Shipped {
            child: Some(child),
            dir: dir.to_owned(),
            tcp_port,
            udp_port,
            out,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", tcp_port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "rsyslogd did not listen on {tcp_port}: {}",
                s.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        s
    }

    /// rsyslogd's own log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("rsyslogd.log")).unwrap_or_default()
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

impl Drop for Shipped {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
