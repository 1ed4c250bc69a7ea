//! Helpers for the engine tests: real devices from the corpus (observations, DNA, identity),
//! rewritten to new MACs and times, and a small harness around the engine.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use cybriq::attribution::PortRef;
use cybriq::capture::read_all;
use cybriq::clock::Timestamp;
use cybriq::config::Config;
use cybriq::dna::{Dna, DnaBuilder, DnaParams, Facts};
use cybriq::engine::{Engine, Sighting};
use cybriq::event::{Event, EventType};
use cybriq::observe::{Observation, Signal};
use cybriq::refdb::profile::Profile;
use cybriq::refdb::{DeviceClass, Identity, NdaaStatus, RefDb};
use cybriq::wire::{MacAddr, frame};

#[path = "../common/mod.rs"]
mod common;

/// `tests/data/` and every capture in it (the corpus walker the oracle tests use).
pub use common::{all_captures as captures, data_dir};

/// One real device of the corpus.
#[derive(Debug, Clone)]
pub struct Device {
    /// Capture it came from (relative to tests/data).
    pub rel: String,
    /// Its MAC in the capture.
    pub mac: MacAddr,
    /// Its observations (server replies and ARP left out).
    pub obs: Vec<Observation>,
    /// DNA over all of them.
    pub dna: Dna,
    /// Identity.
    pub identity: Identity,
}

pub fn builder() -> &'static DnaBuilder {
    static B: OnceLock<DnaBuilder> = OnceLock::new();
    B.get_or_init(|| DnaBuilder::new(DnaParams::default()))
}

pub fn refdb() -> &'static RefDb {
    static R: OnceLock<RefDb> = OnceLock::new();
    R.get_or_init(|| RefDb::builtin().expect("builtin refdb"))
}

/// DNA of a set of observations.
pub fn dna_of(obs: &[Observation]) -> Dna {
    let mut f = Facts::new();
    for o in obs {
        f.observe(o);
    }
    builder().build(&f)
}

/// Identity of a set of observations (all about one MAC).
pub fn identity_of(obs: &[Observation]) -> Identity {
    let mut p = Profile::new(obs.first().and_then(|o| o.mac));
    for o in obs {
        p.add_observation(o);
    }
    refdb().resolve(&p)
}

/// Every real device (LLDP/CDP/EDP/FDP speakers with ≥ 4 DNA tokens) of the corpus.
pub fn devices() -> &'static [Device] {
    static D: OnceLock<Vec<Device>> = OnceLock::new();
    D.get_or_init(|| {
        let mut out = Vec::new();
        for path in captures() {
            let rel = path
                .strip_prefix(data_dir())
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let crafted = rel.contains("malformed")
                || rel.contains("fuzzer")
                || rel.starts_with("ladvd/broken")
                || (rel.starts_with("ladvd/") && !rel.contains("good") && !rel.contains("/pcap/"));
            if crafted {
                continue;
            }
            let Ok((link, recs, _)) = read_all(&path) else {
                continue;
            };
            let mut by: BTreeMap<MacAddr, Vec<Observation>> = BTreeMap::new();
            for (ts, d) in &recs {
                let Some(o) = Observation::from_frame(*ts, &frame::decode(link, d)) else {
                    continue;
                };
                let keep = match &o.signal {
                    Signal::Dhcp(d) => d.from_client,
                    Signal::Arp(_) => false,
                    _ => true,
                };
                if let (true, Some(m)) = (keep, o.mac) {
                    by.entry(m).or_default().push(o);
                }
            }
            for (mac, obs) in by {
                if !obs
                    .iter()
                    .any(|o| matches!(o.proto(), "lldp" | "cdp" | "edp" | "fdp"))
                {
                    continue;
                }
                let dna = dna_of(&obs);
                if dna.tokens.len() < 4 {
                    continue;
                }
                let identity = identity_of(&obs);
                out.push(Device {
                    rel: rel.clone(),
                    mac,
                    obs,
                    dna,
                    identity,
                });
            }
        }
        out
    })
}

/// A MAC from a number (locally unique, universal OUI kept from `like` when given).
pub fn mac(n: u32, like: Option<MacAddr>) -> MacAddr {
    let b = n.to_be_bytes();
    match like {
        Some(m) => MacAddr([m.0[0], m.0[1], m.0[2], b[1], b[2], b[3]]),
        None => MacAddr([0x00, 0x50, 0x56, b[1], b[2], b[3]]),
    }
}

/// The observations of a device rewritten to another MAC.
pub fn with_mac(obs: &[Observation], m: MacAddr) -> Vec<Observation> {
    obs.iter()
        .map(|o| {
            let mut o = o.clone();
            o.mac = Some(m);
            o.src_mac = Some(m);
            if let Signal::Dhcp(d) = &mut o.signal {
                d.chaddr = Some(m);
            }
            o
        })
        .collect()
}

/// A version with its last number incremented (`1.2.3` → `1.2.4`).
pub fn bump(v: &str) -> String {
    let b = v.as_bytes();
    let mut end = None;
    for i in (0..b.len()).rev() {
        if b[i].is_ascii_digit() {
            end = Some(i + 1);
            break;
        }
    }
    let Some(e) = end else {
        return v.to_owned();
    };
    let mut s = e;
    while s > 0 && b[s - 1].is_ascii_digit() {
        s -= 1;
    }
    let n: u64 = v[s..e].parse().unwrap_or(0);
    format!("{}{:0w$}{}", &v[..s], n + 1, &v[e..], w = e - s)
}

/// The versions the device's firmware profile finds in its texts, as written.
pub fn raw_versions(obs: &[Observation]) -> Vec<String> {
    let mut f = Facts::new();
    obs.iter().for_each(|o| f.observe(o));
    let texts: Vec<(cybriq::dna::firmware::Field, String)> =
        f.texts().map(|(k, t)| (k, t.to_owned())).collect();
    let p = builder()
        .profiles()
        .select(texts.iter().map(|(_, t)| t.as_str()));
    let mut out = Vec::new();
    for (field, t) in &texts {
        let lower = t.to_lowercase();
        for v in p.extract(*field, t).versions {
            if let Some(at) = lower.find(&v.version) {
                let raw = t[at..at + v.version.len()].to_owned();
                if !out.contains(&raw) {
                    out.push(raw);
                }
            }
        }
    }
    out
}

/// The observations with every version-bearing text rewritten by `f`.
pub fn edit_texts(obs: &[Observation], f: &dyn Fn(&str) -> String) -> Vec<Observation> {
    obs.iter()
        .map(|o| {
            let mut o = o.clone();
            let g = |s: &mut Option<String>| {
                if let Some(x) = s.as_mut() {
                    *x = f(x);
                }
            };
            match &mut o.signal {
                Signal::Lldp(l) => {
                    g(&mut l.system_description);
                    g(&mut l.inventory.software_revision);
                    g(&mut l.inventory.firmware_revision);
                }
                Signal::Cdp(c) => g(&mut c.software_version),
                Signal::Edp(n) | Signal::Fdp(n) => g(&mut n.software_version),
                Signal::Dhcp(d) => g(&mut d.vendor_class),
                _ => {}
            }
            o
        })
        .collect()
}

/// The same device after a firmware update (every version bumped), when it carries versions.
pub fn firmware_update(obs: &[Observation]) -> Option<Vec<Observation>> {
    let versions = raw_versions(obs);
    if versions.is_empty() {
        return None;
    }
    Some(edit_texts(obs, &|t: &str| {
        let mut t = t.to_owned();
        for v in &versions {
            t = t.replace(v.as_str(), &bump(v));
        }
        t
    }))
}

/// A device of the corpus as it appears on a test site: MAC, observations, DNA, identity.
#[derive(Debug, Clone)]
pub struct Dev {
    pub mac: MacAddr,
    pub obs: Vec<Observation>,
    pub dna: Dna,
    pub identity: Identity,
}

impl Dev {
    /// A corpus device under a new MAC (OUI kept).
    pub fn from(d: &Device, n: u32) -> Dev {
        let m = mac(n, Some(d.mac));
        Dev::with(d, m)
    }

    /// A corpus device under exactly this MAC.
    pub fn with(d: &Device, m: MacAddr) -> Dev {
        let obs = with_mac(&d.obs, m);
        let dna = dna_of(&obs);
        let identity = identity_of(&obs);
        Dev {
            mac: m,
            obs,
            dna,
            identity,
        }
    }

    /// Its first LLDP/CDP observation (the one tests send), or its first.
    pub fn frame(&self) -> &Observation {
        self.obs
            .iter()
            .find(|o| matches!(o.proto(), "lldp" | "cdp"))
            .unwrap_or(&self.obs[0])
    }
}

/// Picks corpus devices by a predicate, distinct by DNA id.
pub fn pick(f: impl Fn(&Device) -> bool) -> Vec<&'static Device> {
    let mut seen = std::collections::BTreeSet::new();
    devices()
        .iter()
        .filter(|d| f(d) && seen.insert(d.dna.id.clone()))
        .collect()
}

pub fn class_is(d: &Device, c: DeviceClass) -> bool {
    d.identity.class == c
}

pub fn prohibited(d: &Device) -> bool {
    d.identity.ndaa_status == NdaaStatus::Prohibited
}

/// Seconds → timestamp from a fixed epoch (2026-05-01T00:00:00Z).
pub fn at(secs: i64) -> Timestamp {
    Timestamp((1_777_593_600 + secs) * 1_000_000)
}

pub const MIN: i64 = 60;
pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;

/// An engine around a config, with helpers to feed it.
pub struct Site {
    pub engine: Engine,
    pub events: Vec<Event>,
}

impl Site {
    pub fn new(toml: &str) -> Site {
        let cfg = Config::parse(toml, "test").expect("config");
        Site {
            engine: Engine::new(&cfg).with_seed(7),
            events: Vec::new(),
        }
    }

    /// The device says something on (switch, port) at `t` (its LLDP/CDP frame).
    pub fn see(&mut self, sw: &str, port: &str, dev: &Dev, t: i64) -> Vec<Event> {
        let mut o = dev.frame().clone();
        o.ts = at(t);
        self.see_obs(sw, port, dev, &o)
    }

    /// The device sends a specific observation (its `ts` is used as is).
    pub fn see_obs(&mut self, sw: &str, port: &str, dev: &Dev, o: &Observation) -> Vec<Event> {
        let pr = PortRef {
            switch: sw.into(),
            port: port.into(),
        };
        let s = Sighting {
            port: &pr,
            mac: dev.mac,
            observation: o,
            dna: &dev.dna,
            identity: &dev.identity,
        };
        let mut out = Vec::new();
        self.engine.observe(&s, &mut out);
        self.events.extend(out.iter().cloned());
        out
    }

    pub fn tick(&mut self, t: i64) -> Vec<Event> {
        let mut out = Vec::new();
        self.engine.tick(at(t), &mut out);
        self.events.extend(out.iter().cloned());
        out
    }

    pub fn polled(&mut self, table: &cybriq::snmp::PortTable, t: i64) -> Vec<Event> {
        let mut out = Vec::new();
        self.engine.polled(table, at(t), &mut out);
        self.events.extend(out.iter().cloned());
        out
    }
}

/// The types of a list of events.
pub fn types(ev: &[Event]) -> Vec<EventType> {
    ev.iter().map(|e| e.event).collect()
}

/// The events of one type.
pub fn of(ev: &[Event], t: EventType) -> Vec<&Event> {
    ev.iter().filter(|e| e.event == t).collect()
}

/// A port table of one switch: (port name, link up, MACs in the FDB).
pub fn table(sw: &str, ports: &[(&str, bool, &[MacAddr])]) -> cybriq::snmp::PortTable {
    use cybriq::snmp::{MacEntry, Port, PortTable, SwitchInfo};
    PortTable {
        switch: SwitchInfo {
            name: sw.into(),
            ..SwitchInfo::default()
        },
        ports: ports
            .iter()
            .enumerate()
            .map(|(i, (name, up, macs))| Port {
                if_index: i as u32 + 1,
                name: (*name).into(),
                oper_status: Some(if *up { "up" } else { "down" }.into()),
                macs: macs
                    .iter()
                    .map(|m| MacEntry {
                        mac: m.to_string(),
                        vlan: Some(10),
                    })
                    .collect(),
                ..Port::default()
            })
            .collect(),
        ..PortTable::default()
    }
}

/// An unreachable switch's table.
pub fn unreachable(sw: &str) -> cybriq::snmp::PortTable {
    cybriq::snmp::PortTable::unreachable(
        cybriq::snmp::SwitchInfo {
            name: sw.into(),
            ..Default::default()
        },
        "timeout",
    )
}

/// A Hikvision camera built from a real LLDP frame of the corpus: a Hikvision MAC, and the
/// camera's system name, description and LLDP-MED inventory in place of the original device's.
pub fn hikvision(n: u32) -> Dev {
    let base = devices()
        .iter()
        .find(|d| d.rel == "tcpdump/lldp_mudurl.pcap")
        .expect("corpus LLDP device");
    let m = mac(n, Some("08:a1:89:00:00:00".parse().unwrap()));
    let obs: Vec<Observation> = with_mac(&base.obs, m)
        .into_iter()
        .map(|mut o| {
            if let Signal::Lldp(l) = &mut o.signal {
                l.system_name = Some("DS-2CD2T47G2-L".into());
                l.system_description = Some("Hikvision DS-2CD2T47G2-L V5.7.3 build 220112".into());
                l.inventory.manufacturer = Some("Hikvision".into());
                l.inventory.model_name = Some("DS-2CD2T47G2-L".into());
                l.mud_url = None;
                // A camera is a station, not an access point.
                l.caps_system = 1 << 7;
                l.caps_enabled = 1 << 7;
            }
            o
        })
        .collect();
    let dna = dna_of(&obs);
    let identity = identity_of(&obs);
    Dev {
        mac: m,
        obs,
        dna,
        identity,
    }
}
pub mod soak;

/// The DHCP client messages of the first client in a corpus capture (server replies and
/// releases left out).
pub fn dhcp_client(rel: &str) -> Vec<Observation> {
    let (link, recs, _) = read_all(&data_dir().join(rel)).expect("capture");
    let mut out: Vec<Observation> = Vec::new();
    for (ts, d) in &recs {
        let Some(o) = Observation::from_frame(*ts, &frame::decode(link, d)) else {
            continue;
        };
        if matches!(&o.signal, Signal::Dhcp(d) if d.from_client && !matches!(d.message_type, Some(4 | 7)))
            && out.first().is_none_or(|f| f.mac == o.mac)
        {
            out.push(o);
        }
    }
    assert!(!out.is_empty(), "no DHCP client in {rel}");
    out
}

/// A device made of `dev`'s own signals plus `extra` observations (rewritten to its MAC).
pub fn plus(dev: &Dev, extra: &[Observation]) -> Dev {
    let mut obs = dev.obs.clone();
    obs.extend(with_mac(extra, dev.mac));
    Dev {
        mac: dev.mac,
        dna: dna_of(&obs),
        identity: identity_of(&obs),
        obs,
    }
}

/// A device that says only `obs` (rewritten to `m`).
pub fn only(obs: &[Observation], m: MacAddr) -> Dev {
    let obs = with_mac(obs, m);
    Dev {
        mac: m,
        dna: dna_of(&obs),
        identity: identity_of(&obs),
        obs,
    }
}
