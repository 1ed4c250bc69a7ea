//! Helpers for the SNMP tests: the recordings and expected walks in `tests/data/snmp/`, what
//! the port table must say according to those walks, and an snmpsim agent on loopback.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cybriq::snmp::value::{format_mac, parse_oid};
use cybriq::snmp::{PortTable, Varbind, snmprec};

/// The five recordings (community = file name without `.snmprec.bz2`).
pub const RECORDINGS: [&str; 5] = [
    "arista-dcs-7150s-52-cl",
    "cisco-c3560",
    "cisco-c3750",
    "cisco-n5000-uk9",
    "hpe-procurve-516733-b21",
];

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/snmp")
}

/// The variables of a recording.
pub fn recording(name: &str) -> Vec<Varbind> {
    let f = std::fs::File::open(data_dir().join(format!("{name}.snmprec.bz2"))).unwrap();
    let mut text = String::new();
    bzip2::read::BzDecoder::new(f)
        .read_to_string(&mut text)
        .unwrap();
    snmprec::parse(&text).unwrap()
}

/// A value as Net-SNMP printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkVal {
    Int(i64),
    Bytes(Vec<u8>),
    Other(String),
}

impl WalkVal {
    pub fn int(&self) -> Option<i64> {
        match self {
            WalkVal::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            WalkVal::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

/// Parses `snmpbulkwalk -On` output (multi-line strings continue on following lines).
pub fn parse_walk(text: &str) -> BTreeMap<Vec<u32>, WalkVal> {
    let mut entries: Vec<(Vec<u32>, String)> = Vec::new();
    for line in text.lines() {
        let head = line.split_once(" = ").and_then(|(o, _)| {
            (o.starts_with('.') && o[1..].chars().all(|c| c.is_ascii_digit() || c == '.'))
                .then(|| parse_oid(o))
                .flatten()
        });
        match head {
            Some(oid) => entries.push((oid, line.split_once(" = ").unwrap().1.to_owned())),
            None => {
                if let Some(last) = entries.last_mut() {
                    last.1.push('\n');
                    last.1.push_str(line);
                }
            }
        }
    }
    entries
        .into_iter()
        .map(|(oid, v)| {
            let val = if v == "\"\"" {
                WalkVal::Bytes(Vec::new())
            } else if let Some(s) = v.strip_prefix("STRING: ") {
                let s = s.strip_prefix('"').unwrap_or(s);
                let s = s.strip_suffix('"').unwrap_or(s);
                WalkVal::Bytes(s.replace("\\\"", "\"").into_bytes())
            } else if let Some(h) = v.strip_prefix("Hex-STRING: ") {
                WalkVal::Bytes(
                    h.split_whitespace()
                        .map(|b| u8::from_str_radix(b, 16).unwrap())
                        .collect(),
                )
            } else if let Some(i) = v.strip_prefix("INTEGER: ") {
                WalkVal::Int(i.trim().parse().unwrap())
            } else {
                WalkVal::Other(v)
            };
            (oid, val)
        })
        .collect()
}

pub fn walk_of(name: &str) -> BTreeMap<Vec<u32>, WalkVal> {
    parse_walk(
        &std::fs::read_to_string(data_dir().join(format!("expected-walks/{name}.walk.txt")))
            .unwrap(),
    )
}

fn column<'a>(
    w: &'a BTreeMap<Vec<u32>, WalkVal>,
    prefix: &'a [u32],
) -> impl Iterator<Item = (&'a [u32], &'a WalkVal)> {
    w.range(prefix.to_vec()..)
        .take_while(move |(k, _)| k.starts_with(prefix))
        .map(move |(k, v)| (&k[prefix.len()..], v))
}

fn printable(b: &[u8]) -> String {
    let end = b.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
    let b = &b[..end];
    match std::str::from_utf8(b) {
        Ok(s)
            if !s
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') =>
        {
            s.to_owned()
        }
        _ => b
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

/// What the expected walk says the port table must contain.
#[derive(Debug, Default)]
pub struct Expected {
    pub sys_descr: String,
    /// (MAC, port name) for every FDB entry on a bridge port that maps to an interface.
    pub fdb: BTreeSet<(String, String)>,
    /// (chassis id, port id, system name) of every LLDP remote.
    pub lldp: BTreeSet<(String, String, String)>,
    pub lldp_rows: usize,
    /// (local port name, device id, device port) of every CDP cache entry.
    pub cdp: BTreeSet<(String, String, String)>,
    pub cdp_rows: usize,
}

pub fn expected(name: &str) -> Expected {
    let w = walk_of(name);
    let mut e = Expected {
        sys_descr: printable(
            w.get(&parse_oid("1.3.6.1.2.1.1.1.0").unwrap())
                .and_then(WalkVal::bytes)
                .unwrap(),
        ),
        ..Expected::default()
    };
    let mut if_name: BTreeMap<u32, String> = BTreeMap::new();
    for (i, v) in column(&w, &[1, 3, 6, 1, 2, 1, 2, 2, 1, 2]) {
        if_name.insert(i[0], printable(v.bytes().unwrap()));
    }
    for (i, v) in column(&w, &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1]) {
        let n = printable(v.bytes().unwrap());
        if !n.is_empty() {
            if_name.insert(i[0], n);
        }
    }
    let base: BTreeMap<u32, u32> = column(&w, &[1, 3, 6, 1, 2, 1, 17, 1, 4, 1, 2])
        .map(|(i, v)| (i[0], v.int().unwrap() as u32))
        .collect();
    let mac = |i: &[u32]| format_mac(&i.iter().map(|&b| b as u8).collect::<Vec<_>>()).unwrap();
    let mut add = |m: String, bp: i64| {
        if bp != 0 {
            if let Some(n) = base.get(&(bp as u32)).and_then(|i| if_name.get(i)) {
                e.fdb.insert((m, n.clone()));
            }
        }
    };
    for (i, v) in column(&w, &[1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 2]) {
        add(mac(i), v.int().unwrap());
    }
    for (i, v) in column(&w, &[1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 2]) {
        add(mac(&i[1..]), v.int().unwrap());
    }
    let mut rows: BTreeMap<(u32, u32, u32), BTreeMap<u32, &WalkVal>> = BTreeMap::new();
    for (i, v) in column(&w, &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1]) {
        rows.entry((i[1], i[2], i[3])).or_default().insert(i[0], v);
    }
    e.lldp_rows = rows.len();
    for cols in rows.values() {
        let id = |sub: u32, val: u32, mac_sub: i64| {
            let b = cols[&val].bytes().unwrap();
            if cols[&sub].int() == Some(mac_sub) && b.len() == 6 {
                format_mac(b).unwrap()
            } else {
                printable(b)
            }
        };
        e.lldp.insert((
            id(4, 5, 4),
            id(6, 7, 3),
            cols.get(&9)
                .and_then(|v| v.bytes())
                .map(printable)
                .unwrap_or_default(),
        ));
    }
    let mut cdp: BTreeMap<(u32, u32), BTreeMap<u32, &WalkVal>> = BTreeMap::new();
    for (i, v) in column(&w, &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1]) {
        cdp.entry((i[1], i[2])).or_default().insert(i[0], v);
    }
    e.cdp_rows = cdp.len();
    for ((ifi, _), cols) in &cdp {
        e.cdp.insert((
            if_name[ifi].clone(),
            printable(cols[&6].bytes().unwrap()),
            printable(cols[&7].bytes().unwrap()),
        ));
    }
    e
}

/// Asserts that `t` agrees with the expected walk of `name`.
pub fn assert_agrees(name: &str, t: &PortTable) {
    let e = expected(name);
    // Net-SNMP prints a CR LF inside a string as a plain line break.
    assert_eq!(
        t.switch.sys_descr.as_deref().map(|s| s.replace('\r', "")),
        Some(e.sys_descr.replace('\r', "")),
        "{name}: sysDescr"
    );
    let fdb: BTreeSet<(String, String)> = t
        .ports
        .iter()
        .flat_map(|p| p.macs.iter().map(move |m| (m.mac.clone(), p.name.clone())))
        .collect();
    assert_eq!(fdb, e.fdb, "{name}: FDB entries by port name");
    let mut lldp = BTreeSet::new();
    let mut lldp_n = 0;
    let mut cdp = BTreeSet::new();
    let mut cdp_n = 0;
    for p in &t.ports {
        for n in &p.neighbors {
            let s = |o: &Option<String>| o.clone().unwrap_or_default();
            if n.protocol == "lldp" {
                lldp_n += 1;
                lldp.insert((s(&n.chassis_id), s(&n.port_id), s(&n.system_name)));
            } else {
                cdp_n += 1;
                cdp.insert((p.name.clone(), s(&n.system_name), s(&n.port_id)));
            }
        }
    }
    assert_eq!(lldp_n, e.lldp_rows, "{name}: LLDP neighbor count");
    assert_eq!(lldp, e.lldp, "{name}: LLDP neighbors");
    assert_eq!(cdp_n, e.cdp_rows, "{name}: CDP neighbor count");
    assert_eq!(cdp, e.cdp, "{name}: CDP neighbors");
}

/// A program on PATH (or in the snmpsim venv), or a clear failure under CI.
pub fn require(program: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(program))
            .find(|f| f.is_file())
    });
    if found.is_none() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "{program} is required under CI=true (run scripts/setup.sh and scripts/setup-snmpsim.sh)"
            );
        }
        eprintln!("skipping: {program} not found on PATH");
    }
    found
}

/// snmpsim's responder: on PATH, or installed by scripts/setup-snmpsim.sh.
pub fn snmpsim_binary() -> Option<PathBuf> {
    let venv = if unsafe_root() {
        PathBuf::from("/var/cache/cybriq-test/snmpsim-venv/bin/snmpsim-command-responder")
    } else {
        PathBuf::from(std::env::var("HOME").unwrap_or_default())
            .join(".cache/cybriq/snmpsim-venv/bin/snmpsim-command-responder")
    };
    let custom = std::env::var_os("SNMPSIM_RESPONDER").map(PathBuf::from);
    if let Some(p) = custom.filter(|p| p.is_file()) {
        return Some(p);
    }
    if venv.is_file() {
        return Some(venv);
    }
    require("snmpsim-command-responder")
}

fn unsafe_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A free UDP port on loopback.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An snmpsim agent serving copies of the recordings on loopback; killed on drop.
pub struct Snmpsim {
    child: Child,
    pub port: u16,
    _dir: PathBuf,
}

impl Snmpsim {
    /// Starts snmpsim on the recordings, each also served as `<name>-<k>` for k in 1..copies
    /// (symlinks), and waits until every community answers.
    pub fn start(copies: usize) -> Option<Snmpsim> {
        let bin = snmpsim_binary()?;
        let root = unsafe_root();
        // A data and cache directory readable by `nobody` (snmpsim drops privileges as root);
        // the cache survives between runs so indexing happens once.
        let base = if root {
            PathBuf::from("/var/cache/cybriq-test")
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/snmpsim")
        };
        let data = base.join(format!("data-{copies}"));
        let cache = base.join("cache");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(&cache).unwrap();
        for name in RECORDINGS {
            let src = data_dir().join(format!("{name}.snmprec.bz2"));
            let dst = data.join(format!("{name}.snmprec.bz2"));
            if !dst.exists() {
                std::fs::copy(&src, &dst).unwrap();
            }
            for k in 1..copies {
                let l = data.join(format!("{name}-{k}.snmprec.bz2"));
                if !l.exists() {
                    std::os::unix::fs::symlink(&dst, &l).unwrap();
                }
            }
        }
        // Small synthetic recordings written for this project (Cisco per-VLAN contexts).
        for e in std::fs::read_dir(data_dir().join("synthetic")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), data.join(e.file_name())).unwrap();
        }
        let _ = Command::new("chmod")
            .args(["-R", "a+rwX"])
            .arg(&base)
            .status();
        let port = free_udp_port();
        let mut cmd = Command::new(bin);
        cmd.arg(format!("--data-dir={}", data.display()))
            .arg(format!("--cache-dir={}", cache.display()))
            .arg(format!("--agent-udpv4-endpoint=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if root {
            cmd.args(["--process-user=nobody", "--process-group=nogroup"]);
        }
        let child = cmd.spawn().expect("start snmpsim");
        let sim = Snmpsim {
            child,
            port,
            _dir: data,
        };
        // First start indexes each recording (about 10 s each); wait for every community.
        let deadline = Instant::now() + Duration::from_secs(240);
        for name in RECORDINGS {
            while !sim.answers(name) {
                assert!(Instant::now() < deadline, "snmpsim did not answer {name}");
                std::thread::sleep(Duration::from_millis(300));
            }
        }
        Some(sim)
    }

    /// Process id of the agent.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// True when `community` answers a GET of sysDescr.0.
    pub fn answers(&self, community: &str) -> bool {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let pkt = v2c_get_sysdescr(community.as_bytes());
        let _ = s.send_to(&pkt, ("127.0.0.1", self.port));
        let mut buf = [0u8; 2048];
        s.recv_from(&mut buf).is_ok()
    }
}

impl Drop for Snmpsim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A v2c GET of sysDescr.0, BER-encoded by hand.
pub fn v2c_get_sysdescr(community: &[u8]) -> Vec<u8> {
    let oid = [0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0];
    let mut vb = oid.to_vec();
    vb.extend([0x05, 0x00]);
    let vb = tlv(0x30, &vb);
    let vbl = tlv(0x30, &vb);
    let mut pdu = vec![0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00];
    pdu.extend(vbl);
    let pdu = tlv(0xa0, &pdu);
    let mut msg = vec![0x02, 0x01, 0x01];
    msg.extend(tlv(0x04, community));
    msg.extend(pdu);
    tlv(0x30, &msg)
}

/// BER TLV with a definite length.
pub fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = body.len();
    if n < 128 {
        v.push(n as u8);
    } else if n < 256 {
        v.extend([0x81, n as u8]);
    } else {
        v.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(body);
    v
}

/// BER encoding of an OID.
pub fn ber_oid(oid: &[u32]) -> Vec<u8> {
    let mut body = vec![(oid[0] * 40 + oid[1]) as u8];
    for &c in &oid[2..] {
        let mut chunk = vec![(c & 0x7f) as u8];
        let mut v = c >> 7;
        while v > 0 {
            chunk.push(((v & 0x7f) as u8) | 0x80);
            v >>= 7;
        }
        chunk.reverse();
        body.extend(chunk);
    }
    tlv(0x06, &body)
}

/// A value in a hand-made response.
#[derive(Debug, Clone)]
pub enum Reply {
    Str(Vec<u8>),
    Oid(Vec<u32>),
    End,
    NoSuchObject,
}

/// A v1/v2c Response PDU (BER) to `req_id` with these varbinds.
pub fn response(version: i64, community: &[u8], req_id: i32, vbs: &[(Vec<u32>, Reply)]) -> Vec<u8> {
    let mut list = Vec::new();
    for (oid, v) in vbs {
        let mut vb = ber_oid(oid);
        match v {
            Reply::Str(b) => vb.extend(tlv(0x04, b)),
            Reply::Oid(o) => vb.extend(ber_oid(o)),
            Reply::End => vb.extend([0x82, 0x00]),
            Reply::NoSuchObject => vb.extend([0x80, 0x00]),
        }
        list.extend(tlv(0x30, &vb));
    }
    let mut pdu = tlv(0x02, &req_id.to_be_bytes());
    pdu.extend([0x02, 0x01, 0x00, 0x02, 0x01, 0x00]);
    pdu.extend(tlv(0x30, &list));
    let mut msg = tlv(0x02, &[version as u8]);
    msg.extend(tlv(0x04, community));
    msg.extend(tlv(0xa2, &pdu));
    tlv(0x30, &msg)
}

/// How a fault peer behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Never answers.
    Silent,
    /// Answers every request with bytes that are not SNMP.
    Garbage,
    /// Answers every request with sysDescr.0, so a walk never advances past it.
    Looping,
    /// A small healthy agent (system group only) that answers after this many milliseconds.
    Slow(u64),
}

/// A fault peer on a loopback UDP port, in its own thread; returns the port and a request counter.
pub fn spawn_fault_peer(kind: Fault) -> (u16, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::sync::atomic::{AtomicU64, Ordering};
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sock.local_addr().unwrap().port();
    let count = std::sync::Arc::new(AtomicU64::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        let system: Vec<(Vec<u32>, Reply)> = vec![
            (
                vec![1, 3, 6, 1, 2, 1, 1, 1, 0],
                Reply::Str(b"Slow Test Switch".to_vec()),
            ),
            (
                vec![1, 3, 6, 1, 2, 1, 1, 2, 0],
                Reply::Oid(vec![1, 3, 6, 1, 4, 1, 99999]),
            ),
            (
                vec![1, 3, 6, 1, 2, 1, 1, 5, 0],
                Reply::Str(b"slow".to_vec()),
            ),
        ];
        loop {
            let Ok((n, from)) = sock.recv_from(&mut buf) else {
                return;
            };
            c.fetch_add(1, Ordering::Relaxed);
            let req = &buf[..n];
            let Ok(pdu) = snmp2::Pdu::from_bytes(req) else {
                continue;
            };
            let version = pdu.version().map(|v| v as i64).unwrap_or(1);
            let community = pdu.community.to_vec();
            let req_id = pdu.req_id;
            let all_asked: Vec<Vec<u32>> = pdu
                .varbinds
                .clone()
                .filter_map(|(o, _)| o.iter().map(|it| it.map(|x| x as u32).collect()))
                .collect();
            let asked = all_asked.first().cloned().unwrap_or_default();
            let is_get = pdu.message_type == snmp2::MessageType::GetRequest;
            let reply = match kind {
                Fault::Silent => continue,
                Fault::Garbage => b"\x30\x03\x02\x01\xffthis is not SNMP at all".to_vec(),
                Fault::Looping => response(
                    version,
                    &community,
                    req_id,
                    &[(
                        vec![1, 3, 6, 1, 2, 1, 1, 1, 0],
                        Reply::Str(b"loop".to_vec()),
                    )],
                ),
                Fault::Slow(ms) if is_get => {
                    std::thread::sleep(Duration::from_millis(ms));
                    let vbs: Vec<(Vec<u32>, Reply)> = all_asked
                        .iter()
                        .map(|a| {
                            let v = system
                                .iter()
                                .find(|(o, _)| o == a)
                                .map_or(Reply::NoSuchObject, |(_, v)| v.clone());
                            (a.clone(), v)
                        })
                        .collect();
                    response(version, &community, req_id, &vbs)
                }
                Fault::Slow(ms) => {
                    std::thread::sleep(Duration::from_millis(ms));
                    let next: Vec<(Vec<u32>, Reply)> =
                        system.iter().filter(|(o, _)| *o > asked).cloned().collect();
                    let vbs = if next.is_empty() {
                        vec![(asked.clone(), Reply::End)]
                    } else {
                        next
                    };
                    response(version, &community, req_id, &vbs)
                }
            };
            let _ = sock.send_to(&reply, from);
        }
    });
    (port, count)
}
