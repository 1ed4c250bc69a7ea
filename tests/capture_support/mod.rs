//! Helpers of the live-capture test and benchmark: corpus control-plane frames, ordinary user
//! traffic, VLAN tagging, a network namespace with a veth pair (removed on drop), and tcpreplay.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use cybriq::capture::{PcapWriter, read_all, write::linktype};
use cybriq::clock::Timestamp;
use cybriq::wire::{LinkType, frame};
use etherparse::PacketBuilder;

/// `tests/data/`.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Every capture file of the corpus (not the tshark oracle outputs), sorted.
pub fn corpus_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if !p.ends_with("oracle-tshark") {
                    walk(&p, out);
                }
            } else if p
                .extension()
                .is_some_and(|x| x == "pcap" || x == "pcapng" || x == "trace")
            {
                out.push(p);
            }
        }
    }
    let mut v = Vec::new();
    walk(&data_dir(), &mut v);
    v.sort();
    v
}

/// A corpus frame with where it came from.
#[derive(Debug, Clone)]
pub struct CorpusFrame {
    /// File, relative to `tests/data/`, and 1-based record number.
    pub origin: String,
    /// Link type of the file.
    pub link: LinkType,
    /// The bytes.
    pub data: Vec<u8>,
    /// The control-plane protocol the sensor's decoder finds in it, if any (mDNS and SSDP are
    /// not counted as one: the default filter drops them).
    pub proto: Option<frame::Proto>,
}

/// Every frame of every corpus capture, classified by the sensor's own decoder.
pub fn corpus_frames() -> Vec<CorpusFrame> {
    let mut out = Vec::new();
    for f in corpus_files() {
        let Ok((link, recs, _)) = read_all(&f) else {
            continue;
        };
        let rel = f
            .strip_prefix(data_dir())
            .unwrap_or(&f)
            .to_string_lossy()
            .into_owned();
        for (i, (_, data)) in recs.into_iter().enumerate() {
            // mDNS and SSDP are kept only with `mdns_ssdp` on: for the filter they are the
            // optional user traffic the tests judge by their UDP ports, not control frames.
            let proto = frame::decode(link, &data)
                .payload
                .proto()
                .filter(|p| !matches!(p, frame::Proto::Mdns | frame::Proto::Ssdp));
            out.push(CorpusFrame {
                origin: format!("{rel}#{}", i + 1),
                link,
                data,
                proto,
            });
        }
    }
    out
}

/// The Ethernet control-plane frames of the corpus that fit a veth of MTU `mtu`.
pub fn control_frames(mtu: usize) -> Vec<CorpusFrame> {
    corpus_frames()
        .into_iter()
        .filter(|f| {
            f.link == LinkType::Ethernet
                && f.proto.is_some()
                && f.data.len() >= 14
                && f.data.len() <= mtu + 14
        })
        .collect()
}

/// `frame` with a tag (`tpid`, `vid`) inserted after the MACs (outermost).
pub fn tagged(frame: &[u8], tpid: u16, vid: u16) -> Vec<u8> {
    let mut v = frame[..12].to_vec();
    v.extend(tpid.to_be_bytes());
    v.extend(vid.to_be_bytes());
    v.extend(&frame[12..]);
    v
}

/// Ordinary user traffic: TCP, UDP (DNS, NTP, VXLAN, syslog, and mDNS/SSDP), ICMP and ICMPv6,
/// `n` frames from `macs` distinct source MACs, some of them VLAN-tagged.
pub fn user_traffic(n: usize, macs: u32) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(n);
    let payload = [0x5au8; 64];
    for i in 0..n {
        let m = (i as u32) % macs.max(1);
        let src = [0x02, 0x10, (m >> 16) as u8, (m >> 8) as u8, m as u8, 0x01];
        let dst = [0x02, 0x20, 0, 0, (i % 7) as u8, 0x02];
        let s4 = [10, (m >> 16) as u8, (m >> 8) as u8, m as u8];
        let d4 = [192, 0, 2, (i % 250) as u8 + 1];
        let s6 = [
            0xfd,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            (m >> 16) as u8,
            0,
            (m >> 8) as u8,
            0,
            m as u8,
        ];
        let d6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        let mut v = Vec::with_capacity(160);
        let eth = PacketBuilder::ethernet2(src, dst);
        let r = match i % 10 {
            0 => eth
                .ipv4(s4, d4, 64)
                .tcp(40000 + (i % 1000) as u16, 443, i as u32, 64240)
                .write(&mut v, &payload),
            1 => eth
                .ipv4(s4, d4, 64)
                .tcp(50000, 80, i as u32, 64240)
                .write(&mut v, &payload),
            2 => eth
                .ipv6(s6, d6, 64)
                .tcp(40001, 22, i as u32, 64240)
                .write(&mut v, &payload),
            3 => eth.ipv4(s4, d4, 64).udp(53000, 53).write(&mut v, &payload),
            4 => eth.ipv4(s4, d4, 64).udp(123, 123).write(&mut v, &payload),
            5 => eth
                .ipv4(s4, d4, 64)
                .udp(41000, 4789)
                .write(&mut v, &payload),
            6 => eth.ipv6(s6, d6, 64).udp(41001, 514).write(&mut v, &payload),
            7 => eth
                .ipv4(s4, [224, 0, 0, 251], 255)
                .udp(5353, 5353)
                .write(&mut v, &payload),
            8 => eth
                .ipv4(s4, [239, 255, 255, 250], 4)
                .udp(41002, 1900)
                .write(&mut v, &payload),
            _ => {
                if i % 20 == 9 {
                    eth.ipv4(s4, d4, 64)
                        .icmpv4_echo_request(1, i as u16)
                        .write(&mut v, &payload)
                } else {
                    eth.ipv6(s6, d6, 64)
                        .icmpv6_echo_request(1, i as u16)
                        .write(&mut v, &payload)
                }
            }
        };
        r.expect("build frame");
        let v = match i % 5 {
            3 => tagged(&v, 0x8100, 10 + (i % 100) as u16),
            4 => tagged(&tagged(&v, 0x8100, 200), 0x88a8, 300),
            _ => v,
        };
        out.push(v);
    }
    out
}

/// Whether a user-traffic frame is mDNS or SSDP (kept when `mdns_ssdp` is on).
pub fn is_mdns_ssdp(f: &[u8]) -> bool {
    let Ok(p) = etherparse::SlicedPacket::from_ethernet(f) else {
        return false;
    };
    matches!(p.transport, Some(etherparse::TransportSlice::Udp(u))
        if [5353, 1900].contains(&u.destination_port()) || [5353, 1900].contains(&u.source_port()))
}

/// Writes an Ethernet pcap.
pub fn write_pcap(path: &Path, frames: impl IntoIterator<Item = impl AsRef<[u8]>>) -> usize {
    let out = std::io::BufWriter::new(std::fs::File::create(path).expect("create pcap"));
    let mut w = PcapWriter::new(out, linktype::ETHERNET, 65535).expect("pcap header");
    let mut n = 0;
    for f in frames {
        w.write(Timestamp(1_700_000_000_000_000 + n as i64 * 10), f.as_ref())
            .expect("write frame");
        n += 1;
    }
    w.finish().expect("flush");
    n
}

/// Whether this process runs as root (needed for namespaces and capture).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Whether `prog` is on PATH.
pub fn have(prog: &str) -> bool {
    Command::new(prog)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Runs a command, panicking with its stderr when it fails.
pub fn run(cmd: &str, args: &[&str]) -> Output {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

static SEQ: AtomicU32 = AtomicU32::new(0);

/// A network namespace holding one end of a veth pair; the other end is in this (root)
/// namespace, up, with IPv6 off so the kernel sends nothing of its own. Removed on drop, also
/// when the test fails.
#[derive(Debug)]
pub struct VethNs {
    /// Namespace name.
    pub ns: String,
    /// The end in this namespace: capture here.
    pub host_if: String,
    /// The end inside the namespace: inject here.
    pub ns_if: String,
}

impl VethNs {
    /// Creates `cyq<pid>-<n>` with the veth pair, MTU `mtu`.
    pub fn new(mtu: u32) -> VethNs {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id() % 100_000;
        let g = VethNs {
            ns: format!("cyq{pid}-{n}"),
            host_if: format!("cqh{pid}x{n}"),
            ns_if: format!("cqn{pid}x{n}"),
        };
        run("ip", &["netns", "add", &g.ns]);
        run(
            "ip",
            &[
                "link", "add", &g.host_if, "type", "veth", "peer", "name", &g.ns_if, "netns", &g.ns,
            ],
        );
        let mtu = mtu.to_string();
        let _ = std::fs::write(
            format!("/proc/sys/net/ipv6/conf/{}/disable_ipv6", g.host_if),
            "1",
        );
        g.exec(&[
            "sysctl",
            "-q",
            "-w",
            &format!("net.ipv6.conf.{}.disable_ipv6=1", g.ns_if),
        ]);
        run("ip", &["link", "set", &g.host_if, "mtu", &mtu, "up"]);
        g.exec(&["ip", "link", "set", &g.ns_if, "mtu", &mtu, "up"]);
        g
    }

    /// Runs a command inside the namespace, panicking when it fails.
    pub fn exec(&self, args: &[&str]) -> Output {
        let mut a = vec!["netns", "exec", self.ns.as_str()];
        a.extend_from_slice(args);
        run("ip", &a)
    }

    /// Starts a command inside the namespace.
    pub fn spawn(&self, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", self.ns.as_str()]).args(args);
        c
    }

    /// `tcpreplay` of `pcap` out of the namespace end; `rate` is its timing flag
    /// (`--topspeed`, `--pps=20000`). Returns (packets sent, failed) from its report.
    pub fn tcpreplay(&self, pcap: &Path, rate: &str) -> (u64, u64, String) {
        let out = self.exec(&[
            "tcpreplay",
            "-i",
            &self.ns_if,
            rate,
            pcap.to_str().expect("utf-8 path"),
        ]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let sent = field(&text, "Successful packets:");
        let failed = field(&text, "Failed packets:");
        (sent, failed, text)
    }
}

/// The number after `label` in a tcpreplay/tcpdump report.
pub fn field(text: &str, label: &str) -> u64 {
    text.lines()
        .find_map(|l| {
            let rest = &l[l.find(label)? + label.len()..];
            rest.split_whitespace().next()?.parse().ok()
        })
        .unwrap_or(0)
}

impl Drop for VethNs {
    fn drop(&mut self) {
        // Deleting the namespace destroys its veth end, and with it the pair.
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).status();
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_if])
            .stderr(Stdio::null())
            .status();
    }
}

/// Root and tcpreplay, or why not: `None` means go; `Some(reason)` means skip (outside CI) —
/// under CI=true a missing requirement panics instead.
pub fn live_requirements() -> Option<String> {
    let why = if !is_root() {
        Some("not root: network namespaces and live capture need root".to_owned())
    } else if !have("tcpreplay") {
        Some("tcpreplay is not installed (scripts/setup.sh installs it)".to_owned())
    } else if !have("ip") {
        Some("iproute2 (`ip`) is not installed".to_owned())
    } else {
        None
    };
    if let Some(w) = &why {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true" && v != "1"),
            "CI: {w}"
        );
    }
    why
}
