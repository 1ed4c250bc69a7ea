//! Harness of the desk scenarios (`tests/engine_desks.rs`): the devices of an office written as
//! real corpus frames (MACs, addresses and a few texts rewritten; lengths and checksums
//! re-encoded), their plug/talk timeline ([`Speaker`]s), a series of SNMP port tables of one
//! switch derived from who is plugged where (with partial walks and unreachable polls on
//! request), all replayed through `cybriq replay --config … --fdb … --json --seed 1`; and an
//! exact comparison of the events with the ones written down before the run.
//!
//! Frames of real stacks (every one from `tests/data`, see each builder):
//! - Cisco IP Phone 7970 / 7912 CDP (`ladvd/cdp/49.good.phone.pcap` #2 / #1);
//! - a Cisco phone's DHCP: the Pop!_OS dhclient DISCOVER of
//!   `zeek/dhcp_time_and_nameserver.pcap` #1 with the phone's host name, vendor class and
//!   parameter request list (what a CP-7970G sends; the corpus has no DHCP of a Cisco phone);
//! - laptops: Pop!_OS dhclient (`zeek/dhcp_time_and_nameserver.pcap` #1), macOS
//!   (`tcpdump/dhcp-option-108.pcapng` #1), Windows "MSFT 5.0"
//!   (`suricata-verify/dhcp-eve-extended-option-60/input.pcap` #1), BusyBox udhcp 1.36.1
//!   (`suricata-verify/dhcp-option-52-overload/input.pcap` #1), Raspberry Pi dhcpcd
//!   (`tcpdump/dhcp-mud.pcap` #1);
//! - ARP requests (`zeek/arp-who-has.pcap` #1); EAPOL-Start and EAP-Success
//!   (`tcpdump/eapon1.pcap` #17 / #24);
//! - a host's two LLDP agents: the Mellanox ConnectX-4 NIC firmware agent
//!   (`lldpd/connectx.pcap` #1) and the OS's lldpd (`tcpdump/lldp_mudurl.pcap` #1); a
//!   Supermicro IPMI BMC's LLDP (`ladvd/lldp/49.good.ipmi.pcap` #1);
//! - the Hikvision camera of [`hikvision_frame`].
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cybriq::clock::Timestamp;
use cybriq::event::{Event, EventType as T};
use cybriq::snmp::{PortTable, SwitchInfo};
use cybriq::wire::MacAddr;

pub use crate::scenario_support::*;

pub const SW: &str = "desk-sw";
pub const MIN: i64 = 60;
pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;
/// 2026-05-04T00:00:00Z, a Monday.
const EPOCH: i64 = 1_777_852_800;

/// Seconds → timestamp from Monday 2026-05-04T00:00:00Z.
pub fn at(secs: i64) -> Timestamp {
    Timestamp((EPOCH + secs) * 1_000_000)
}

/// Seconds since the scenario's epoch.
pub fn secs_of(t: Timestamp) -> i64 {
    t.0.div_euclid(1_000_000) - EPOCH
}

/// Day `d`, `h`:`m`.
pub fn hm(d: i64, h: i64, m: i64) -> i64 {
    d * DAY + h * HOUR + m * MIN
}

pub fn mac(s: &str) -> MacAddr {
    s.parse().expect("MAC")
}

pub fn port_name(p: usize) -> String {
    format!("Gi1/0/{p}")
}

// ---------------------------------------------------------------------------------------------
// Frames

/// Re-encodes a DHCP client frame's options: each `(code, value)` replaces the option of that
/// code or is added before the End option; `drop` codes are removed. IPv4 total length, header
/// checksum and UDP length are recomputed (the UDP checksum is left at zero, optional over
/// IPv4).
pub fn dhcp_options(frame: &[u8], set: &[(u8, &[u8])], drop: &[u8]) -> Vec<u8> {
    assert_eq!(&frame[12..14], &[0x08, 0x00], "IPv4");
    let ihl = usize::from(frame[14] & 0x0f) * 4;
    let udp = 14 + ihl;
    let opts_at = udp + 8 + 240;
    let mut opts: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut i = opts_at;
    while i < frame.len() {
        let code = frame[i];
        if code == 255 {
            break;
        }
        if code == 0 {
            i += 1;
            continue;
        }
        let len = usize::from(frame[i + 1]);
        opts.push((code, frame[i + 2..i + 2 + len].to_vec()));
        i += 2 + len;
    }
    opts.retain(|(c, _)| !drop.contains(c));
    for (code, value) in set {
        match opts.iter_mut().find(|(c, _)| c == code) {
            Some(o) => o.1 = value.to_vec(),
            None => opts.push((*code, value.to_vec())),
        }
    }
    let mut d = frame[..opts_at].to_vec();
    for (c, v) in &opts {
        assert!(v.len() < 256);
        d.push(*c);
        d.push(v.len() as u8);
        d.extend_from_slice(v);
    }
    d.push(255);
    while d.len() < udp + 8 + 300 {
        d.push(0);
    }
    let ip_len = (d.len() - 14) as u16;
    d[16..18].copy_from_slice(&ip_len.to_be_bytes());
    let udp_len = (d.len() - udp) as u16;
    d[udp + 4..udp + 6].copy_from_slice(&udp_len.to_be_bytes());
    d[udp + 6] = 0;
    d[udp + 7] = 0;
    d[24] = 0;
    d[25] = 0;
    let mut sum = 0u32;
    for w in d[14..14 + ihl].chunks(2) {
        sum += u32::from(u16::from_be_bytes([w[0], w[1]]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    d[24..26].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    d
}

/// The first DHCP client frame (record `n`) of a corpus capture, rewritten to `m`.
pub fn dhcp_of(rel: &str, n: usize, m: MacAddr) -> Vec<u8> {
    dhcp_as(&corpus_frame(rel, n), m)
}

/// Pop!_OS dhclient (Linux laptop).
pub fn linux_dhcp(m: MacAddr) -> Vec<u8> {
    dhcp_of("zeek/dhcp_time_and_nameserver.pcap", 1, m)
}

/// macOS (MacBook Pro).
pub fn macos_dhcp(m: MacAddr) -> Vec<u8> {
    dhcp_of("tcpdump/dhcp-option-108.pcapng", 1, m)
}

/// Windows ("MSFT 5.0").
pub fn windows_dhcp(m: MacAddr) -> Vec<u8> {
    dhcp_of(
        "suricata-verify/dhcp-eve-extended-option-60/input.pcap",
        1,
        m,
    )
}

/// BusyBox udhcp 1.36.1 (an embedded device).
pub fn udhcp_dhcp(m: MacAddr) -> Vec<u8> {
    dhcp_of("suricata-verify/dhcp-option-52-overload/input.pcap", 1, m)
}

/// Raspberry Pi dhcpcd 6.11.5 (with its MUD URL). The capture has the request as a relay
/// forwarded it; here it is as the client sent it: from port 68, broadcast, no relay address,
/// hop count 0.
pub fn rpi_dhcp(m: MacAddr) -> Vec<u8> {
    let mut f = corpus_frame("tcpdump/dhcp-mud.pcap", 1);
    let udp = 14 + usize::from(f[14] & 0x0f) * 4;
    f[0..6].copy_from_slice(&[0xff; 6]);
    f[udp..udp + 2].copy_from_slice(&68u16.to_be_bytes());
    f[26..30].copy_from_slice(&[0, 0, 0, 0]);
    f[30..34].copy_from_slice(&[255, 255, 255, 255]);
    let bootp = udp + 8;
    f[bootp + 3] = 0;
    f[bootp + 24..bootp + 28].copy_from_slice(&[0, 0, 0, 0]);
    dhcp_options(&dhcp_as(&f, m), &[], &[])
}

/// Aruba AP (vendor class "ArubaAP").
pub fn aruba_dhcp(m: MacAddr) -> Vec<u8> {
    dhcp_of("zeek/dhcp.pcap", 3, m)
}

/// What a Cisco CP-7970G sends in its DHCP DISCOVER: host name `SEP<MAC>`, the Cisco phone
/// vendor class, and its parameter request list (TFTP server 150 and 66 among them), on the
/// Pop!_OS dhclient frame (no FQDN option).
pub fn cisco_phone_dhcp(m: MacAddr) -> Vec<u8> {
    let host = format!(
        "SEP{}",
        m.0.iter().map(|b| format!("{b:02X}")).collect::<String>()
    );
    dhcp_options(
        &linux_dhcp(m),
        &[
            (12, host.as_bytes()),
            (55, &[1, 66, 6, 3, 15, 150, 35]),
            (60, b"Cisco Systems, Inc. IP Phone CP-7970G"),
        ],
        &[81, 119],
    )
}

/// The Cisco IP Phone 7970's CDP frame rewritten to `m`, with same-length text edits.
pub fn phone7970_cdp(m: MacAddr, edits: &[(&str, &str)]) -> Vec<u8> {
    cdp_as(&corpus_frame("ladvd/cdp/49.good.phone.pcap", 2), m, edits)
}

/// The Cisco IP Phone 7912's CDP frame rewritten to `m`.
pub fn phone7912_cdp(m: MacAddr) -> Vec<u8> {
    cdp_as(&corpus_frame("ladvd/cdp/49.good.phone.pcap", 1), m, &[])
}

/// The 7970's firmware as its CDP frame spells it, and the version after an update.
pub const FW_OLD: &str = "SIP70.8-5-3S";
pub const FW_NEW: &str = "SIP70.8-5-4S";

/// An ARP request from `m` (sender `ip`) for the gateway.
pub fn arp_from(m: MacAddr, ip: [u8; 4]) -> Vec<u8> {
    let mut f = corpus_frame("zeek/arp-who-has.pcap", 1);
    assert_eq!(&f[12..14], &[0x08, 0x06], "ARP");
    f[6..12].copy_from_slice(&m.0);
    f[22..28].copy_from_slice(&m.0);
    f[28..32].copy_from_slice(&ip);
    f
}

/// EAPOL-Start from the supplicant `m` (to the PAE group address).
pub fn eapol_start(m: MacAddr) -> Vec<u8> {
    let mut f = corpus_frame("tcpdump/eapon1.pcap", 17);
    assert_eq!((f[15], &f[12..14]), (1, &[0x88, 0x8e][..]), "EAPOL-Start");
    f[0..6].copy_from_slice(&[0x01, 0x80, 0xc2, 0x00, 0x00, 0x03]);
    f[6..12].copy_from_slice(&m.0);
    f
}

/// An EAP-Success *sent by the device `m` itself* (the authenticator's frame of eapon1 with
/// the device as its source): a forgery, not an authentication.
pub fn forged_eap_success(m: MacAddr) -> Vec<u8> {
    let mut f = corpus_frame("tcpdump/eapon1.pcap", 24);
    assert_eq!((f[15], f[18]), (0, 3), "EAP-Success");
    f[0..6].copy_from_slice(&[0x01, 0x80, 0xc2, 0x00, 0x00, 0x03]);
    f[6..12].copy_from_slice(&m.0);
    f
}

/// An LLDP frame with chassis ID and port ID rewritten to `m` (MAC subtypes), `m` its source.
fn lldp_as(frame: &[u8], m: MacAddr) -> Vec<u8> {
    let dst: [u8; 6] = frame[0..6].try_into().unwrap();
    let tlvs: Vec<Tlv> = lldp_tlvs(frame)
        .into_iter()
        .map(|t| match t.ty {
            1 | 2 if t.value.len() == 7 => {
                let mut v = vec![t.value[0]];
                v.extend_from_slice(&m.0);
                Tlv::new(t.ty, v)
            }
            _ => t,
        })
        .collect();
    lldp_frame(dst, m, &tlvs)
}

/// The NIC-firmware LLDP agent of a Mellanox ConnectX-4 Lx (chassis and port by MAC, TTL 48,
/// port description only), as `m`.
pub fn nic_firmware_lldp(m: MacAddr) -> Vec<u8> {
    lldp_as(&corpus_frame("lldpd/connectx.pcap", 1), m)
}

/// A Supermicro IPMI BMC's LLDP agent (`ladvd/lldp/49.good.ipmi.pcap` #1), as `m`.
pub fn ipmi_lldp(m: MacAddr) -> Vec<u8> {
    lldp_as(&corpus_frame("ladvd/lldp/49.good.ipmi.pcap", 1), m)
}

/// The OS's lldpd on a Linux host (Ubuntu's frame of `tcpdump/lldp_mudurl.pcap`), as `m`.
pub fn os_lldpd(m: MacAddr) -> Vec<u8> {
    lldp_as(&corpus_frame("tcpdump/lldp_mudurl.pcap", 1), m)
}

// ---------------------------------------------------------------------------------------------
// Timelines

/// A speaker that sends `frame` every `period` s from `from` (+`offset`) to `to`, plugged
/// [from, to).
pub fn talk(
    port: usize,
    m: MacAddr,
    frame: Vec<u8>,
    period: i64,
    offset: i64,
    spans: &[(i64, i64)],
) -> Speaker {
    Speaker {
        port,
        mac: m,
        frame,
        period,
        offset,
        talk: spans.to_vec(),
        once: vec![],
        plugged: spans.to_vec(),
    }
}

/// A frame sent once at each of `times` (plugged nowhere: the talkers' spans say that).
pub fn once(port: usize, m: MacAddr, frame: Vec<u8>, times: &[i64]) -> Speaker {
    Speaker {
        port,
        mac: m,
        frame,
        period: 1,
        offset: 0,
        talk: vec![],
        once: times.to_vec(),
        plugged: vec![],
    }
}

/// A MAC in the forwarding table during `spans` that says nothing.
pub fn silent(port: usize, m: MacAddr, spans: &[(i64, i64)]) -> Speaker {
    Speaker {
        port,
        mac: m,
        frame: Vec::new(),
        period: 1,
        offset: 0,
        talk: vec![],
        once: vec![],
        plugged: spans.to_vec(),
    }
}

/// How a device boots on a link that comes up at `t`: an ARP at `t + 1`, then (when it has a
/// DHCP client) a DHCP DISCOVER at `t + 3`; its announcements (periodic talkers) start later.
pub fn boot(port: usize, m: MacAddr, ip: [u8; 4], dhcp: Option<&[u8]>, t: i64) -> Vec<Speaker> {
    let mut v = vec![once(port, m, arp_from(m, ip), &[t + 1])];
    if let Some(d) = dhcp {
        v.push(once(port, m, d.to_vec(), &[t + 3]));
    }
    v
}

// ---------------------------------------------------------------------------------------------
// SNMP

/// The port table of switch `sw` polled at `t`, built by the poller's own table builder
/// (`cybriq::snmp::build_port_table`, its uplink rules included) from what its walks return:
/// IF-MIB (ifDescr, ifName, ifOperStatus, ifHighSpeed), dot1dBasePortIfIndex and the BRIDGE-MIB
/// forwarding table (dot1dTpFdbPort, dot1dTpFdbStatus `learned`). `ports`: (name, link up, FDB
/// MACs), ifIndex and bridge port by position from 1. `partial`: the FDB walk stopped early
/// (the walk's anomaly recorded as the poller records it).
pub fn poller_table(
    sw: &str,
    ports: &[(String, bool, Vec<MacAddr>)],
    partial: bool,
    t: i64,
) -> PortTable {
    use cybriq::snmp::oid;
    use cybriq::snmp::value::{Mib, Value};
    let col = |c: &[u32], idx: &[u32]| -> Vec<u32> {
        let mut o = c.to_vec();
        o.extend_from_slice(idx);
        o
    };
    let mut m = Mib::new();
    for (k, (name, up, macs)) in ports.iter().enumerate() {
        let i = k as u32 + 1;
        m.insert(
            col(oid::IF_DESCR, &[i]),
            Value::Str(name.clone().into_bytes()),
        );
        m.insert(
            col(oid::IF_NAME, &[i]),
            Value::Str(name.clone().into_bytes()),
        );
        m.insert(
            col(oid::IF_OPER_STATUS, &[i]),
            Value::Int(if *up { 1 } else { 2 }),
        );
        m.insert(
            col(oid::IF_HIGH_SPEED, &[i]),
            Value::Gauge32(if *up { 1000 } else { 0 }),
        );
        m.insert(
            col(oid::DOT1D_BASE_PORT_IF_INDEX, &[i]),
            Value::Int(i64::from(i)),
        );
        for mac in macs {
            let idx: Vec<u32> = mac.0.iter().map(|b| u32::from(*b)).collect();
            m.insert(col(oid::DOT1D_TP_FDB_PORT, &idx), Value::Int(i64::from(i)));
            m.insert(col(oid::DOT1D_TP_FDB_STATUS, &idx), Value::Int(3));
        }
    }
    let anomalies = if partial {
        vec![
            "walk of 1.3.6.1.2.1.17.4.3.1.2 stopped after 3 variables: timeout (no response after 3 attempts)"
                .to_owned(),
        ]
    } else {
        Vec::new()
    };
    let walked = cybriq::snmp::Walked {
        main: m,
        anomalies,
        partial,
        ..cybriq::snmp::Walked::default()
    };
    let mut table = cybriq::snmp::build_port_table(
        SwitchInfo {
            name: sw.into(),
            ..SwitchInfo::default()
        },
        &walked,
        &cybriq::snmp::BuildOptions::default(),
    );
    table.polled_at = Some(at(t));
    table
}

// ---------------------------------------------------------------------------------------------
// A scenario and its run

/// One desk scenario on switch [`SW`], ports Gi1/0/1..=`ports`.
pub struct Story {
    pub name: &'static str,
    /// `cybriq` configuration (TOML).
    pub config: String,
    pub ports: usize,
    pub speakers: Vec<Speaker>,
    /// First poll.
    pub start: i64,
    pub end: i64,
    /// SNMP poll interval (polls at `start + poll_every / 2`, then every `poll_every`).
    pub poll_every: i64,
    /// Polls whose FDB walk stopped early: at those times the walk returned no entry of the
    /// listed ports, and the table records the stopped walk as the poller does.
    pub partial: Vec<(i64, Vec<usize>)>,
    /// Spans during which the switch does not answer its polls.
    pub unreachable: Vec<(i64, i64)>,
}

impl Story {
    pub fn new(name: &'static str, config: &str, ports: usize, end: i64) -> Story {
        Story {
            name,
            config: config.to_owned(),
            ports,
            speakers: Vec::new(),
            start: 0,
            end,
            poll_every: 5 * MIN,
            partial: Vec::new(),
            unreachable: Vec::new(),
        }
    }

    /// The first poll at or after `t`.
    pub fn poll_at(&self, t: i64) -> i64 {
        let first = self.start + self.poll_every / 2;
        if t <= first {
            return first;
        }
        first + (t - first + self.poll_every - 1) / self.poll_every * self.poll_every
    }

    pub fn add(&mut self, s: Speaker) -> &mut Story {
        self.speakers.push(s);
        self
    }

    pub fn extend(&mut self, v: impl IntoIterator<Item = Speaker>) -> &mut Story {
        self.speakers.extend(v);
        self
    }

    /// The switch's table at `t` ([`poller_table`]).
    fn table(&self, t: i64) -> PortTable {
        let partial = self.partial.iter().find(|(pt, _)| *pt == t);
        let ports: Vec<(String, bool, Vec<MacAddr>)> = (1..=self.ports)
            .map(|p| {
                let mut macs: Vec<MacAddr> = self
                    .speakers
                    .iter()
                    .filter(|s| s.port == p && s.plugged_at(t))
                    .map(|s| s.mac)
                    .collect();
                macs.sort();
                macs.dedup();
                let up = !macs.is_empty();
                if partial.is_some_and(|(_, ps)| ps.contains(&p)) {
                    macs.clear();
                }
                (port_name(p), up, macs)
            })
            .collect();
        poller_table(SW, &ports, partial.is_some(), t)
    }

    /// Replays the story; the events (parsed, and as JSON objects for the fields a newer
    /// engine adds).
    pub fn run(&self) -> Vec<Fired> {
        self.run_with(None)
    }

    /// Replays the frames and polls of [`Story::start`, `end`), keeping the sensor's state in
    /// `data_dir` when given (`--data-dir`: a later part of the story resumes from it).
    pub fn run_with(&self, data_dir: Option<&Path>) -> Vec<Fired> {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "desk-{}-{}",
            self.name,
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut frames: Vec<(Timestamp, Vec<u8>)> = Vec::new();
        for s in &self.speakers {
            if s.frame.is_empty() {
                continue;
            }
            for t in s.times() {
                if self.start <= t && t < self.end {
                    frames.push((at(t), s.frame.clone()));
                }
            }
        }
        let pcap = dir.join("desk.pcap");
        write_capture(&pcap, &mut frames);
        let mut fdb = String::new();
        let mut t = self.start + self.poll_every / 2;
        while t <= self.end {
            let table = if self.unreachable.iter().any(|&(a, b)| a <= t && t < b) {
                let mut u = PortTable::unreachable(
                    SwitchInfo {
                        name: SW.into(),
                        ..SwitchInfo::default()
                    },
                    "timeout",
                );
                u.polled_at = Some(at(t));
                u
            } else {
                self.table(t)
            };
            fdb.push_str(&serde_json::to_string(&table).unwrap());
            fdb.push('\n');
            t += self.poll_every;
        }
        let fdb_path = dir.join("polls.json");
        std::fs::write(&fdb_path, fdb).unwrap();
        let cfg = dir.join("desk.toml");
        std::fs::write(&cfg, &self.config).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_cybriq"))
            .args(["replay", "--config"])
            .arg(&cfg)
            .arg("--fdb")
            .arg(&fdb_path)
            .args(["--json", "--seed", "1"])
            .args(data_dir.map(|d| {
                let mut a = std::ffi::OsString::from("--data-dir=");
                a.push(d);
                a
            }))
            .arg(&pcap)
            .output()
            .expect("run cybriq replay");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success(),
            "{}: replay failed:\n{stderr}",
            self.name
        );
        let out: Vec<Fired> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| {
                let json: serde_json::Value =
                    serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
                let event: Event =
                    serde_json::from_str(l).unwrap_or_else(|e| panic!("not an event ({e}): {l}"));
                Fired { event, json }
            })
            .collect();
        eprintln!(
            "{}: {} frames, {} events:\n{}",
            self.name,
            frames.len(),
            out.len(),
            listing(&out)
        );
        if std::env::var_os("KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        out
    }
}

/// A raised event: parsed, and as its JSON object.
#[derive(Debug, Clone)]
pub struct Fired {
    pub event: Event,
    pub json: serde_json::Value,
}

impl Fired {
    pub fn secs(&self) -> i64 {
        secs_of(self.event.timestamp)
    }
}

/// One line per event (the first 80, then a count).
pub fn listing(ev: &[Fired]) -> String {
    let mut lines: Vec<String> = ev
        .iter()
        .take(80)
        .map(|f| {
            let e = &f.event;
            let s = f.secs();
            format!(
                "  d{} {:02}:{:02}:{:02} {:<32} {:<9} {:<18} sim={:?} prev={:?} dna={:?} imp={} moved={} flap={} changed={:?}",
                s.div_euclid(DAY),
                s.rem_euclid(DAY) / HOUR,
                s.rem_euclid(HOUR) / MIN,
                s.rem_euclid(MIN),
                e.event.as_str(),
                e.port,
                e.mac.as_deref().unwrap_or("-"),
                e.similarity,
                e.previous_dna,
                e.device_dna,
                f.json.get("impersonation").unwrap_or(&serde_json::Value::Null),
                f.json.get("moved_from").unwrap_or(&serde_json::Value::Null),
                f.json.get("flapping").unwrap_or(&serde_json::Value::Null),
                e.changed,
            )
        })
        .collect();
    if ev.len() > 80 {
        lines.push(format!("  … and {} more", ev.len() - 80));
    }
    lines.join("\n")
}

/// An expected event: type, port, MAC (None: any), within [from, to) seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    pub t: T,
    pub port: usize,
    pub mac: Option<MacAddr>,
    pub from: i64,
    pub to: i64,
}

pub fn want(t: T, port: usize, mac: MacAddr, from: i64, to: i64) -> Want {
    Want {
        t,
        port,
        mac: Some(mac),
        from,
        to,
    }
}

/// An expected event naming any MAC.
pub fn want_any(t: T, port: usize, from: i64, to: i64) -> Want {
    Want {
        t,
        port,
        mac: None,
        from,
        to,
    }
}

fn matches(w: &Want, f: &Fired) -> bool {
    let s = f.secs();
    f.event.event == w.t
        && f.event.port == port_name(w.port)
        && w.mac
            .is_none_or(|m| f.event.mac.as_deref() == Some(m.to_string().as_str()))
        && w.from <= s
        && s < w.to
}

/// Checks that the events are exactly `required` (each once) plus at most one of each of
/// `allowed`; returns, per required entry, the event that matched it.
pub fn exactly<'a>(
    name: &str,
    ev: &'a [Fired],
    required: &[Want],
    allowed: &[Want],
) -> Vec<&'a Fired> {
    let mut used = vec![false; ev.len()];
    let mut found: Vec<Option<&Fired>> = vec![None; required.len()];
    for (k, w) in required.iter().enumerate() {
        if let Some(i) = (0..ev.len()).find(|&i| !used[i] && matches(w, &ev[i])) {
            used[i] = true;
            found[k] = Some(&ev[i]);
        }
    }
    let mut allowed_used = vec![false; allowed.len()];
    for i in 0..ev.len() {
        if used[i] {
            continue;
        }
        if let Some(k) =
            (0..allowed.len()).find(|&k| !allowed_used[k] && matches(&allowed[k], &ev[i]))
        {
            allowed_used[k] = true;
            used[i] = true;
        }
    }
    let missing: Vec<&Want> = required
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(w, _)| w)
        .collect();
    let extra: Vec<&Fired> = ev
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(f, _)| f)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{name}: missing {missing:#?}\nunexpected:\n{}\nall events:\n{}",
        listing(&extra.into_iter().cloned().collect::<Vec<_>>()),
        listing(ev)
    );
    found.into_iter().map(|f| f.unwrap()).collect()
}

/// Events of one type.
pub fn of_type(ev: &[Fired], t: T) -> Vec<&Fired> {
    ev.iter().filter(|f| f.event.event == t).collect()
}

/// Counts per (type, port).
pub fn counts(ev: &[Fired]) -> BTreeMap<(T, String), usize> {
    let mut m = BTreeMap::new();
    for f in ev {
        *m.entry((f.event.event, f.event.port.clone())).or_default() += 1;
    }
    m
}

/// The scenario data directory (unused unless a test keeps files).
pub fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}
