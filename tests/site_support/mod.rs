//! The site simulator of `tests/site_sim.rs`: an office site of `ports` access ports (48 per
//! switch) over `days` days, every device a real stack (the corpus frames of
//! `tests/desk_support`, rewritten to its MAC), driven through the Engine's public API the way
//! the pipeline drives it: each frame decoded into an observation, folded into
//! `cybriq::pipeline::Devices` (the latest observation per signal kind, announcements expiring
//! after their TTL, another LLDP agent replacing the first), its DNA and identity built there
//! by the project's dna/refdb code, then `Engine::observe`; port tables every 15 minutes
//! (`Engine::polled`), `Engine::tick` every 5 minutes, and the engine's resets handed back
//! to `Devices::forget`.
//!
//! Population (per port): a phone with a PC behind it (the PC there on working days, arriving
//! 07:30-09:30 and leaving 16:30-18:30), a phone alone, a laptop alone on working days, a
//! desktop or server around the clock (DHCP only, lldpd + DHCP, or two LLDP agents behind one
//! MAC), a DHCP-only IoT device / AP, a Hikvision camera (NDAA), or nothing; ports 45-48 of
//! every switch are hot desks (`transient`) with a few visiting laptops a day.
//!
//! Churn that must stay silent: DHCP renewals, reboots (ARP, then DHCP, then the announcement
//! 40 s later), link flaps, a switch unreachable for four hours, partial FDB walks, a phone
//! replaced while its PC stays behind it (the old MAC lingering in the FDB for 5 minutes).
//! Real changes with the events they must raise: firmware updates with a reboot
//! (`device-firmware-shift`), like-for-like replacements (`device-departed` +
//! `device-appeared`), different-MAC swaps and cloned-MAC swaps (`device-substituted`),
//! spoofers replaying a departed phone's CDP (`device-substituted`), rogue switches with 19
//! more MACs (`port-topology-changed`), Hikvision cameras plugged in (`device-appeared` +
//! `ndaa-prohibited-detected`), phones moved to another port (`device-appeared`, and
//! `port-orphaned` for the port left dark 14 days).
//!
//! Announcements are sent every `announce_every` (default 10 min, coarser than the 30-60 s of
//! real devices, to keep the run short) and every other frame of an announcing device right
//! after one of its announcements, so nothing expires between two frames of a device that
//! stays, as with real intervals. Deterministic for a seed.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use cybriq::attribution::PortRef;
use cybriq::config::Config;
use cybriq::dna::PortFacts;
use cybriq::engine::{Engine, Sighting};
use cybriq::event::{Event, EventType as T};
use cybriq::observe::Observation;
use cybriq::pipeline::Devices;
use cybriq::snmp::{PortTable, SwitchInfo};
use cybriq::wire::{LinkType, MacAddr, frame};

use crate::desk_support::{self as f, DAY, HOUR, MIN};
use crate::engine_support::soak::Outcome;
use crate::engine_support::{builder, dna_of, refdb};

/// Size and seed of a run.
#[derive(Debug, Clone, Copy)]
pub struct SiteParams {
    pub ports: usize,
    pub days: i64,
    pub seed: u64,
    /// Interval of LLDP/CDP announcements, seconds.
    pub announce_every: i64,
    /// SNMP poll interval, seconds.
    pub poll_every: i64,
}

impl Default for SiteParams {
    fn default() -> Self {
        SiteParams {
            ports: 144,
            days: 30,
            seed: 11,
            announce_every: 10 * MIN,
            poll_every: 15 * MIN,
        }
    }
}

/// What a run produced, beyond the scores.
#[derive(Debug, Default)]
pub struct SiteOutcome {
    pub outcome: Outcome,
    /// Port-days simulated (ports × days).
    pub port_days: f64,
    /// Devices that took part.
    pub devices: usize,
    /// Every device-substituted raised, with what was planted on its port.
    pub substitutions: Vec<(Event, String)>,
    /// Planted changes, by kind.
    pub planted: BTreeMap<&'static str, usize>,
    /// Events that carried `impersonation: true` / `moved_from`, by port.
    pub impersonations: Vec<usize>,
    pub moved: Vec<usize>,
    /// Spoofer and move ports.
    pub spoof_ports: Vec<usize>,
    pub move_ports: Vec<usize>,
    /// Per port: its name and what was planted there.
    pub ports: Vec<(String, &'static str)>,
}

impl SiteOutcome {
    /// Every (port, event type) of `types` whose count differs from the truth: port, what was
    /// planted there, type, expected, fired (beyond what was optional).
    pub fn mismatches(&self, types: &[T]) -> Vec<String> {
        let o = &self.outcome;
        let keys: std::collections::BTreeSet<(usize, T)> = o
            .fired
            .keys()
            .chain(o.expected.keys())
            .copied()
            .filter(|(_, t)| types.contains(t))
            .collect();
        keys.into_iter()
            .filter_map(|k| {
                let e = o.expected.get(&k).copied().unwrap_or(0);
                let f = o.fired.get(&k).copied().unwrap_or(0);
                let opt = o.optional.get(&k).copied().unwrap_or(0);
                (f < e || f > e + opt).then(|| {
                    let (name, what) = &self.ports[k.0];
                    format!("{name} ({what}): {} expected {e}, fired {f}", k.1.as_str())
                })
            })
            .collect()
    }
}

impl SiteOutcome {
    /// False device-substituted per 1,000 port-days.
    pub fn false_subs_per_kpd(&self) -> f64 {
        let s = self.outcome.scores()[&T::DeviceSubstituted];
        f64::from(s.fired - s.true_pos) * 1000.0 / self.port_days
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Phone7970,
    Phone7912,
    Windows,
    MacOs,
    Linux,
    Udhcp,
    Aruba,
    Rpi,
    LinuxHost,
    TwoAgents,
    Camera,
    /// A Raspberry Pi replaying a phone's CDP frame.
    Spoofer,
}

const OUI: [(Kind, [u8; 3]); 12] = [
    (Kind::Phone7970, [0x00, 0x12, 0xda]),
    (Kind::Phone7912, [0x00, 0x1b, 0x53]),
    (Kind::Windows, [0xd4, 0xbe, 0xd9]),
    (Kind::MacOs, [0x3c, 0x22, 0xfb]),
    (Kind::Linux, [0x00, 0x90, 0xf5]),
    (Kind::Udhcp, [0x00, 0x1e, 0xc0]),
    (Kind::Aruba, [0x00, 0x0b, 0x86]),
    (Kind::Rpi, [0xb8, 0x27, 0xeb]),
    (Kind::LinuxHost, [0x00, 0x23, 0x54]),
    (Kind::TwoAgents, [0x50, 0x6b, 0x4b]),
    (Kind::Camera, [0x08, 0xa1, 0x89]),
    (Kind::Spoofer, [0xb8, 0x27, 0xeb]),
];

fn decode(ts: i64, bytes: &[u8]) -> Observation {
    Observation::from_frame(f::at(ts), &frame::decode(LinkType::Ethernet, bytes))
        .expect("a control-plane frame")
}

/// A device's frames, decoded once.
struct Frames {
    announce: Vec<Observation>,
    announce_fw: Option<Observation>,
    dhcp: Option<Observation>,
    arp: Observation,
}

fn frames(kind: Kind, m: MacAddr, spoofed: Option<MacAddr>) -> Frames {
    let d = |b: Vec<u8>| Some(decode(0, &b));
    type Bytes = Vec<u8>;
    let (announce, fw, dhcp): (Vec<Bytes>, Option<Bytes>, Option<Bytes>) = match kind {
        Kind::Phone7970 => (
            vec![f::phone7970_cdp(m, &[])],
            Some(f::phone7970_cdp(m, &[(f::FW_OLD, f::FW_NEW)])),
            Some(f::cisco_phone_dhcp(m)),
        ),
        Kind::Phone7912 => (
            vec![f::phone7912_cdp(m)],
            None,
            Some(f::cisco_phone_dhcp(m)),
        ),
        Kind::Windows => (vec![], None, Some(f::windows_dhcp(m))),
        Kind::MacOs => (vec![], None, Some(f::macos_dhcp(m))),
        Kind::Linux => (vec![], None, Some(f::linux_dhcp(m))),
        Kind::Udhcp => (vec![], None, Some(f::udhcp_dhcp(m))),
        Kind::Aruba => (vec![], None, Some(f::aruba_dhcp(m))),
        Kind::Rpi => (vec![], None, Some(f::rpi_dhcp(m))),
        Kind::LinuxHost => (vec![f::os_lldpd(m)], None, Some(f::linux_dhcp(m))),
        Kind::TwoAgents => (
            vec![f::nic_firmware_lldp(m), f::os_lldpd(m)],
            None,
            Some(f::linux_dhcp(m)),
        ),
        Kind::Camera => (vec![f::hikvision_frame(m)], None, Some(f::udhcp_dhcp(m))),
        Kind::Spoofer => {
            let victim = spoofed.expect("the spoofed phone");
            let mut cdp = f::phone7970_cdp(victim, &[]);
            cdp[6..12].copy_from_slice(&m.0);
            (vec![cdp], None, Some(f::rpi_dhcp(m)))
        }
    };
    Frames {
        announce: announce.iter().map(|b| decode(0, b)).collect(),
        announce_fw: fw.and_then(d),
        dhcp: dhcp.and_then(d),
        arp: decode(0, &f::arp_from(m, [10, m.0[3], m.0[4], m.0[5]])),
    }
}

struct Dev {
    mac: MacAddr,
    port: usize,
    kind: Kind,
    fr: Frames,
    fw: bool,
    plugged: bool,
    /// Still in the FDB after unplugging, until then.
    linger: i64,
    /// DHCP renewal interval.
    renew: i64,
    announces: u64,
    /// Bumped on every plug/unplug: scheduled frames of an older epoch are dropped.
    epoch: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum What {
    Arp,
    Dhcp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    Poll(usize),
    Tick,
    Send(usize, u32, What),
    Announce(usize, u32),
    Renew(usize, u32),
    Plug(usize),
    /// Plug back after a reboot or link flap of the given epoch: dropped when the device was
    /// unplugged for good (replaced, moved away) meanwhile.
    Replug(usize, u32),
    Unplug(usize),
    /// Unplug and plug back after the given seconds (reboot, link flap).
    Bounce(usize, i64),
    Firmware(usize),
    SwitchDown(usize),
    SwitchUp(usize),
    Partial(usize),
}

const PER_SWITCH: usize = 48;
/// Ports 45-48 of every switch are hot desks.
const HOT_FROM: usize = 44;

struct Sim {
    p: SiteParams,
    rng: fastrand::Rng,
    engine: Engine,
    devices: Devices,
    devs: Vec<Dev>,
    refs: Vec<PortRef>,
    index: HashMap<PortRef, usize>,
    q: BinaryHeap<Reverse<(i64, u64, Action)>>,
    seq: u64,
    next_mac: u32,
    sw_down: Vec<bool>,
    partial: Vec<bool>,
    /// Extra MACs in a port's FDB that never speak (behind a rogue switch).
    silent: Vec<Vec<MacAddr>>,
    /// Each port's role and its first residents.
    roles: Vec<Role>,
    residents: Vec<Vec<usize>>,
    /// (from, port, MAC) of silent MACs still to come, latest first.
    pending_silent: Vec<(i64, usize, MacAddr)>,
    out: SiteOutcome,
    plant: Vec<Option<&'static str>>,
    events: Vec<Event>,
    facts: PortFacts,
}

impl Sim {
    fn push(&mut self, t: i64, a: Action) {
        self.seq += 1;
        self.q.push(Reverse((t, self.seq, a)));
    }

    fn exp(&mut self, port: usize, t: T) {
        *self.out.outcome.expected.entry((port, t)).or_default() += 1;
    }

    fn opt(&mut self, port: usize, t: T, n: u32) {
        *self.out.outcome.optional.entry((port, t)).or_default() += n;
    }

    fn mac_for(&mut self, kind: Kind) -> MacAddr {
        let oui = OUI.iter().find(|(k, _)| *k == kind).unwrap().1;
        self.next_mac += 1;
        let b = self.next_mac.to_be_bytes();
        MacAddr([oui[0], oui[1], oui[2], b[1], b[2], b[3]])
    }

    /// A new device (unplugged).
    fn add(
        &mut self,
        kind: Kind,
        port: usize,
        mac: Option<MacAddr>,
        spoofed: Option<MacAddr>,
    ) -> usize {
        let mac = mac.unwrap_or_else(|| self.mac_for(kind));
        let renew = match kind {
            Kind::Linux | Kind::Udhcp => 30 * MIN,
            Kind::Rpi | Kind::Spoofer | Kind::MacOs => HOUR,
            Kind::Phone7970 | Kind::Phone7912 | Kind::Camera => 12 * HOUR,
            _ => 4 * HOUR,
        };
        self.devs.push(Dev {
            mac,
            port,
            kind,
            fr: frames(kind, mac, spoofed),
            fw: false,
            plugged: false,
            linger: 0,
            renew,
            announces: 0,
            epoch: 0,
        });
        self.devs.len() - 1
    }

    fn sight(&mut self, d: usize, t: i64, o: &Observation) {
        let mut o = o.clone();
        o.ts = f::at(t);
        let dev = &self.devs[d];
        let pr = &self.refs[dev.port];
        let mac = dev.mac;
        let pid = self.devices.port_id(pr);
        if self.devices.port_facts(pid).is_none() {
            self.devices.set_port_facts(pr, Some(self.facts.clone()));
        }
        self.devices.observe(pid, mac, &o, None);
        let Some((dna, identity)) = self.devices.built(pid, mac, builder(), refdb()) else {
            return;
        };
        let s = Sighting {
            port: pr,
            mac,
            observation: &o,
            dna,
            identity,
        };
        self.engine.observe(&s, &mut self.events);
        self.out.outcome.observations += 1;
    }

    fn table(&self, sw: usize, t: i64) -> PortTable {
        let name = format!("sw-{sw:03}");
        if self.sw_down[sw] {
            let mut u = PortTable::unreachable(
                SwitchInfo {
                    name,
                    ..SwitchInfo::default()
                },
                "timeout",
            );
            u.polled_at = Some(f::at(t));
            return u;
        }
        let lo = sw * PER_SWITCH;
        let hi = (lo + PER_SWITCH).min(self.p.ports);
        let mut ports: Vec<(String, bool, Vec<MacAddr>)> = (lo..hi)
            .map(|i| (self.refs[i].port.clone(), false, self.silent[i].clone()))
            .collect();
        for d in &self.devs {
            if (lo..hi).contains(&d.port) && (d.plugged || d.linger > t) {
                let p = &mut ports[d.port - lo];
                p.1 |= d.plugged;
                p.2.push(d.mac);
            }
        }
        for p in &mut ports {
            p.2.sort();
            p.2.dedup();
            if self.partial[sw] {
                p.2.clear();
            }
        }
        f::poller_table(&name, &ports, self.partial[sw], t)
    }

    fn plug(&mut self, d: usize, t: i64) {
        let dev = &mut self.devs[d];
        dev.plugged = true;
        dev.epoch += 1;
        let e = dev.epoch;
        let announces = !dev.fr.announce.is_empty();
        let renew = dev.renew;
        self.push(t + 1, Action::Send(d, e, What::Arp));
        self.push(t + 3, Action::Send(d, e, What::Dhcp));
        if announces {
            self.push(t + 40, Action::Announce(d, e));
        } else {
            let first = renew.min(20 * MIN);
            self.push(t + first, Action::Renew(d, e));
        }
    }

    /// Hands the engine's resets to `Devices` and scores the events raised.
    fn collect(&mut self) {
        for (pr, mac, before) in self.engine.take_resets() {
            if let Some(pid) = self.devices.find_port(&pr) {
                self.devices.forget(pid, mac, before);
            }
        }
        for e in self.events.drain(..) {
            let pr = PortRef {
                switch: e.switch.clone().unwrap_or_default(),
                port: e.port.clone(),
            };
            let Some(&i) = self.index.get(&pr) else {
                continue;
            };
            *self.out.outcome.fired.entry((i, e.event)).or_default() += 1;
            self.out.outcome.events += 1;
            self.out.outcome.log.push(e.clone());
            if e.event == T::DeviceSubstituted {
                let what = self.plant[i].unwrap_or("nothing planted").to_owned();
                self.out.substitutions.push((e.clone(), what));
            }
            let json = serde_json::to_value(&e).unwrap_or_default();
            if json.get("impersonation") == Some(&serde_json::Value::Bool(true)) {
                self.out.impersonations.push(i);
            }
            if json.get("moved_from").is_some_and(|v| !v.is_null()) {
                self.out.moved.push(i);
            }
        }
    }

    fn step(&mut self, t: i64, a: Action) {
        match a {
            Action::Poll(sw) => {
                let tb = self.table(sw, t);
                self.engine.polled(&tb, f::at(t), &mut self.events);
                self.partial[sw] = false;
                self.push(t + self.p.poll_every, Action::Poll(sw));
            }
            Action::Tick => {
                self.engine.tick(f::at(t), &mut self.events);
                self.push(t + 5 * MIN, Action::Tick);
            }
            Action::Send(d, e, what) => {
                if self.devs[d].epoch != e || !self.devs[d].plugged {
                    return;
                }
                let o = match what {
                    What::Arp => Some(self.devs[d].fr.arp.clone()),
                    What::Dhcp => self.devs[d].fr.dhcp.clone(),
                };
                if let Some(o) = o {
                    self.sight(d, t, &o);
                }
            }
            Action::Announce(d, e) => {
                let dev = &self.devs[d];
                if dev.epoch != e || !dev.plugged {
                    return;
                }
                let n = dev.announces as usize;
                let o = match (&dev.fr.announce_fw, dev.fw) {
                    (Some(fw), true) => fw.clone(),
                    _ => dev.fr.announce[n % dev.fr.announce.len()].clone(),
                };
                let every = (dev.renew / self.p.announce_every).max(1) as u64;
                let renew_now = dev.announces % every == every - 1;
                self.devs[d].announces += 1;
                self.sight(d, t, &o);
                if renew_now {
                    self.push(t + 5, Action::Send(d, e, What::Dhcp));
                }
                let j = self.p.announce_every / 20;
                let next = t + self.p.announce_every + self.rng.i64(-j..=j);
                self.push(next, Action::Announce(d, e));
            }
            Action::Renew(d, e) => {
                let dev = &self.devs[d];
                if dev.epoch != e || !dev.plugged {
                    return;
                }
                let renew = dev.renew;
                self.push(t, Action::Send(d, e, What::Dhcp));
                self.push(t + 2, Action::Send(d, e, What::Arp));
                self.push(t + renew, Action::Renew(d, e));
            }
            Action::Plug(d) => self.plug(d, t),
            Action::Replug(d, e) => {
                if self.devs[d].epoch == e {
                    self.plug(d, t);
                }
            }
            Action::Unplug(d) => {
                let dev = &mut self.devs[d];
                dev.plugged = false;
                dev.epoch += 1;
            }
            Action::Bounce(d, down) => {
                // A reboot or link flap of a device that is not plugged in (replaced, moved
                // away, or already down) does nothing: it must not plug it back.
                if !self.devs[d].plugged {
                    return;
                }
                self.devs[d].plugged = false;
                self.devs[d].epoch += 1;
                let e = self.devs[d].epoch;
                self.push(t + down, Action::Replug(d, e));
            }
            Action::Firmware(d) => {
                // Updated while down (a reboot in progress): it comes back with the new
                // firmware when it is plugged back.
                self.devs[d].fw = true;
                if !self.devs[d].plugged {
                    return;
                }
                self.devs[d].plugged = false;
                self.devs[d].epoch += 1;
                let e = self.devs[d].epoch;
                self.push(t + 2 * MIN, Action::Replug(d, e));
            }
            Action::SwitchDown(sw) => self.sw_down[sw] = true,
            Action::SwitchUp(sw) => self.sw_down[sw] = false,
            Action::Partial(sw) => self.partial[sw] = true,
        }
        self.collect();
    }
}

fn config() -> Config {
    Config::parse(
        r#"
[sensor]
site = "sim"

[[port_profile]]
name = "hotdesk"
ports = ["Gi1/0/45-48"]
transient = true
controls = ["SOC2/CC6.1"]

[[port_profile]]
name = "desks"
ports = ["Gi1/0/1-44"]
max_macs = 2
controls = ["SOC2/CC6.1"]
"#,
        "site-sim",
    )
    .expect("site config")
}

/// Working days (Monday to Friday; day 0 is a Monday).
fn workday(d: i64) -> bool {
    d.rem_euclid(7) < 5
}

/// Runs the simulation.
/// Plants scale with the site (the counts are per 2,000 ports), at least one of each.
fn count(s: &Sim, n: f64) -> usize {
    ((n * s.p.ports as f64 / 2000.0).round() as usize).max(1)
}

/// Ports of the given roles with nothing planted yet, shuffled.
fn pool(s: &mut Sim, want: &[Role]) -> Vec<usize> {
    let mut v: Vec<usize> = (0..s.p.ports)
        .filter(|&i| want.contains(&s.roles[i]) && s.plant[i].is_none())
        .collect();
    s.rng.shuffle(&mut v);
    v
}

/// A time on a working day in [from, to), between 09:30 and 16:00.
fn day_at(s: &mut Sim, from: i64, to: i64) -> i64 {
    let d = loop {
        let d = s.rng.i64(from..to.max(from + 1));
        if workday(d) {
            break d;
        }
    };
    d * DAY + s.rng.i64(9 * HOUR + 30 * MIN..16 * HOUR)
}

fn planted(s: &mut Sim, i: usize, what: &'static str) {
    s.plant[i] = Some(what);
    *s.out.planted.entry(what).or_default() += 1;
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    PhonePc,
    Phone,
    Laptop,
    Host,
    Iot,
    Camera,
    Empty,
    Hot,
}

/// A hot desk: one to three visiting laptops a working day, each a laptop of its own; each
/// may be recorded appearing and leaving, never judged.
fn hot_desk(s: &mut Sim, i: usize) {
    let pcs = [Kind::Windows, Kind::Windows, Kind::MacOs, Kind::Linux];
    let pick = |rng: &mut fastrand::Rng, v: &[Kind]| v[rng.usize(..v.len())];
    // One to three visitors a working day, each a laptop of its own.
    for day in (0..s.p.days).filter(|&d| workday(d)) {
        let mut t = day * DAY + s.rng.i64(8 * HOUR..10 * HOUR);
        for _ in 0..s.rng.usize(1..=3) {
            let k = pick(&mut s.rng, &pcs);
            let d = s.add(k, i, None, None);
            let stay = s.rng.i64(HOUR..4 * HOUR);
            s.push(t, Action::Plug(d));
            s.push(t + stay, Action::Unplug(d));
            s.opt(i, T::DeviceAppeared, 1);
            s.opt(i, T::DeviceDeparted, 1);
            t += stay + s.rng.i64(10 * MIN..HOUR);
        }
    }
}

/// A PC or laptop on port `i` on working days (arriving 07:30-09:30, leaving 16:30-18:30);
/// `alone`: a laptop with nothing else on the port (its link down at night).
fn commuter(s: &mut Sim, i: usize, alone: bool) {
    let pcs = [Kind::Windows, Kind::Windows, Kind::MacOs, Kind::Linux];
    let k = pcs[s.rng.usize(..pcs.len())];
    let d = s.add(k, i, None, None);
    s.residents[i].push(d);
    s.exp(i, T::DeviceAppeared);
    let weekends = (0..s.p.days).filter(|d| d % 7 == 5).count() as u32;
    // A weekend away may read as a departure while the pattern knows only nights; a laptop
    // alone on its port may also be departed on its first evening, before any pattern.
    s.opt(i, T::DeviceDeparted, weekends + u32::from(alone));
    let arrive = s.rng.i64(7 * HOUR + 30 * MIN..9 * HOUR + 30 * MIN);
    let leave = s.rng.i64(16 * HOUR + 30 * MIN..18 * HOUR + 30 * MIN);
    for day in (0..s.p.days).filter(|&d| workday(d)) {
        s.push(day * DAY + arrive, Action::Plug(d));
        s.push(day * DAY + leave, Action::Unplug(d));
    }
}

/// Who is on each port, and the events their arrival must raise.
fn populate(s: &mut Sim) {
    let p = s.p;
    // Population.
    let pick = |rng: &mut fastrand::Rng, v: &[Kind]| v[rng.usize(..v.len())];
    for i in 0..p.ports {
        let r = s.rng.f64();
        let role = if i % PER_SWITCH >= HOT_FROM {
            Role::Hot
        } else if r < 0.40 {
            Role::PhonePc
        } else if r < 0.55 {
            Role::Phone
        } else if r < 0.72 {
            Role::Laptop
        } else if r < 0.84 {
            Role::Host
        } else if r < 0.92 {
            Role::Iot
        } else if r < 0.935 {
            Role::Camera
        } else {
            Role::Empty
        };
        s.roles.push(role);
        let phones = [Kind::Phone7970, Kind::Phone7970, Kind::Phone7912];
        let always = |s: &mut Sim, k: Kind| {
            let d = s.add(k, i, None, None);
            let t0 = s.rng.i64(0..30 * MIN);
            s.push(t0, Action::Plug(d));
            s.residents[i].push(d);
            s.exp(i, T::DeviceAppeared);
            d
        };
        match role {
            Role::PhonePc | Role::Laptop => {
                if role == Role::PhonePc {
                    let k = pick(&mut s.rng, &phones);
                    always(s, k);
                }
                commuter(s, i, role == Role::Laptop);
            }
            Role::Phone => {
                let k = pick(&mut s.rng, &phones);
                always(s, k);
            }
            Role::Host => {
                let k = pick(
                    &mut s.rng,
                    &[
                        Kind::Windows,
                        Kind::Linux,
                        Kind::Windows,
                        Kind::LinuxHost,
                        Kind::LinuxHost,
                        Kind::TwoAgents,
                    ],
                );
                always(s, k);
            }
            Role::Iot => {
                let k = pick(&mut s.rng, &[Kind::Udhcp, Kind::Aruba, Kind::Rpi]);
                always(s, k);
            }
            Role::Camera => {
                always(s, Kind::Camera);
                s.exp(i, T::NdaaProhibitedDetected);
            }
            Role::Empty => {}
            Role::Hot => hot_desk(s, i),
        }
    }
}

/// Real changes that are no attack: firmware updates, like-for-like replacements, a phone
/// replaced while its PC stays behind it.
fn plant_replacements(s: &mut Sim) {
    let p = s.p;
    let last = p.days - 1;
    // Firmware updates of 7970 phones (with a reboot: DHCP first, then the new CDP).
    let mut fw_ports = pool(s, &[Role::Phone, Role::PhonePc]);
    fw_ports.retain(|&i| s.devs[s.residents[i][0]].kind == Kind::Phone7970);
    for &i in fw_ports.iter().take(count(s, 60.0)) {
        planted(s, i, "firmware update");
        let t = day_at(s, 2, last);
        s.push(t, Action::Firmware(s.residents[i][0]));
        s.exp(i, T::DeviceFirmwareShift);
    }
    // Like-for-like replacements of devices there around the clock.
    for i in pool(s, &[Role::Phone, Role::Host, Role::Iot])
        .into_iter()
        .take(count(s, 60.0))
    {
        planted(s, i, "like-for-like");
        let old = s.residents[i][0];
        let t = day_at(s, 2, last);
        let k = s.devs[old].kind;
        let new = s.add(k, i, None, None);
        s.push(t, Action::Unplug(old));
        let gap = s.rng.i64(5 * MIN..60 * MIN);
        s.push(t + gap, Action::Plug(new));
        s.exp(i, T::DeviceDeparted);
        s.exp(i, T::DeviceAppeared);
    }
    // A phone replaced while its PC stays behind it (during working hours): the old MAC
    // lingers in the FDB for 5 minutes, the PC re-links behind the new phone.
    for i in pool(s, &[Role::PhonePc]).into_iter().take(count(s, 20.0)) {
        planted(s, i, "phone replaced, PC behind");
        let (old, pc) = (s.residents[i][0], s.residents[i][1]);
        let t = (day_at(s, 2, last) / DAY) * DAY + 11 * HOUR;
        let k = s.devs[old].kind;
        let new = s.add(k, i, None, None);
        s.devs[old].linger = t + 5 * MIN;
        s.push(t, Action::Unplug(old));
        s.push(t + 2 * MIN, Action::Plug(new));
        s.push(t, Action::Bounce(pc, 150));
        s.exp(i, T::DeviceDeparted);
        s.exp(i, T::DeviceAppeared);
    }
}

/// Swaps, clones, spoofers, rogue switches, NDAA cameras, moves.
fn plant_attacks(s: &mut Sim) {
    let p = s.p;
    let last = p.days - 1;
    let end = p.days * DAY;
    // Different-MAC swaps: another kind of device with its own MAC takes the port.
    let victims = pool(s, &[Role::Phone, Role::Host]);
    for i in victims.into_iter().take(count(s, 20.0)) {
        let old = s.residents[i][0];
        let k = match s.devs[old].kind {
            Kind::Phone7970 | Kind::Phone7912 => Kind::Linux,
            Kind::Windows => Kind::Rpi,
            _ => Kind::Windows,
        };
        if !clearly_other(&s.devs[old].fr, &frames(k, s.devs[old].mac, None)) {
            continue;
        }
        planted(s, i, "different-MAC swap");
        let t = day_at(s, 3, last);
        let new = s.add(k, i, None, None);
        s.push(t, Action::Unplug(old));
        let gap = s.rng.i64(2 * MIN..30 * MIN);
        s.push(t + gap, Action::Plug(new));
        s.exp(i, T::DeviceSubstituted);
        s.opt(i, T::DeviceDeparted, 1);
    }
    // Cloned-MAC swaps: another stack behind the same MAC, renewing DHCP every 30 minutes.
    for i in pool(s, &[Role::Phone, Role::Host])
        .into_iter()
        .take(count(s, 20.0))
    {
        let old = s.residents[i][0];
        let m = s.devs[old].mac;
        let k = match s.devs[old].kind {
            Kind::Linux => Kind::MacOs,
            _ => Kind::Linux,
        };
        if !clearly_other(&s.devs[old].fr, &frames(k, m, None)) {
            continue;
        }
        planted(s, i, "cloned-MAC swap");
        let t = day_at(s, 3, last);
        let new = s.add(k, i, Some(m), None);
        s.push(t, Action::Unplug(old));
        let gap = s.rng.i64(2 * MIN..10 * MIN);
        s.push(t + gap, Action::Plug(new));
        s.exp(i, T::DeviceSubstituted);
    }
    // Spoofers: a Raspberry Pi replaying the departed 7970's CDP frame.
    let mut spoof = pool(s, &[Role::Phone]);
    spoof.retain(|&i| s.devs[s.residents[i][0]].kind == Kind::Phone7970);
    for i in spoof.into_iter().take(count(s, 10.0)) {
        planted(s, i, "CDP spoofer");
        let old = s.residents[i][0];
        let t = day_at(s, 3, last);
        let victim = s.devs[old].mac;
        let new = s.add(Kind::Spoofer, i, None, Some(victim));
        s.push(t, Action::Unplug(old));
        let gap = s.rng.i64(2 * MIN..10 * MIN);
        s.push(t + gap, Action::Plug(new));
        s.exp(i, T::DeviceSubstituted);
        s.opt(i, T::DeviceDeparted, 1);
        s.out.spoof_ports.push(i);
    }
    // Rogue switches: 19 more MACs behind a desktop's port (the jump shows in the FDB
    // first), three of them speaking DHCP an hour later.
    for i in pool(s, &[Role::Host]).into_iter().take(count(s, 5.0)) {
        planted(s, i, "rogue switch");
        let t = day_at(s, 3, last);
        for k in 0..19 {
            if k < 3 {
                let kind = [Kind::Linux, Kind::MacOs, Kind::Rpi][k];
                // In the FDB from the start, speaking an hour later.
                let d = s.add(kind, i, None, None);
                let m = s.devs[d].mac;
                s.silent_from(i, m, t);
                s.push(t + HOUR + k as i64 * 20, Action::Plug(d));
            } else {
                let m = s.mac_for(Kind::Windows);
                // Behind the switch from `t` on: added when the port is next polled.
                s.silent_from(i, m, t);
            }
        }
        s.exp(i, T::PortTopologyChanged);
    }
    // Hikvision cameras plugged into empty ports.
    for i in pool(s, &[Role::Empty]).into_iter().take(count(s, 5.0)) {
        planted(s, i, "NDAA camera plugged in");
        let t = day_at(s, 2, last);
        let d = s.add(Kind::Camera, i, None, None);
        s.push(t, Action::Plug(d));
        s.exp(i, T::DeviceAppeared);
        s.exp(i, T::NdaaProhibitedDetected);
    }
    // Phones moved to an empty port.
    let mut empties = pool(s, &[Role::Empty]);
    for i in pool(s, &[Role::Phone]).into_iter().take(count(s, 10.0)) {
        let Some(to) = empties.pop() else { break };
        planted(s, i, "moved away");
        planted(s, to, "moved here");
        let old = s.residents[i][0];
        let t = day_at(s, 3, last);
        let k = s.devs[old].kind;
        let m = s.devs[old].mac;
        let new = s.add(k, to, Some(m), None);
        s.push(t, Action::Unplug(old));
        s.push(t + 30 * MIN, Action::Plug(new));
        s.exp(to, T::DeviceAppeared);
        s.opt(i, T::DeviceDeparted, 1);
        // The port it left stays dark: orphaned 14 days later (optional within a few hours
        // of the end: the timer runs on ticks, and a switch outage may hold it back).
        let orphaned = t + 14 * DAY;
        if orphaned + 6 * HOUR <= end {
            s.exp(i, T::PortOrphaned);
        } else if orphaned < end {
            s.opt(i, T::PortOrphaned, 1);
        }
        s.out.move_ports.push(to);
    }
}

/// Everyday churn that must stay silent.
fn churn(s: &mut Sim) {
    let p = s.p;
    let last = p.days - 1;
    let end = p.days * DAY;
    let n_sw = p.ports.div_ceil(PER_SWITCH);
    // Everyday churn: reboots of devices there around the clock (about one in ten days),
    // link flaps, partial walks, a switch unreachable for four hours.
    for i in 0..p.ports {
        for &d in &s.residents[i].clone() {
            if !matches!(
                s.roles[i],
                Role::Phone | Role::PhonePc | Role::Host | Role::Iot | Role::Camera
            ) || matches!(s.devs[d].kind, Kind::Windows | Kind::MacOs | Kind::Linux)
                && s.roles[i] == Role::PhonePc
            {
                continue;
            }
            let mut day = s.rng.i64(1..11);
            while day < last {
                let t = day * DAY + s.rng.i64(0..DAY);
                let down = s.rng.i64(60..150);
                s.push(t, Action::Bounce(d, down));
                day += s.rng.i64(5..15);
            }
        }
    }
    for i in pool(s, &[Role::Phone, Role::Host, Role::Iot, Role::PhonePc])
        .into_iter()
        .take(count(s, 300.0))
    {
        let d = s.residents[i][0];
        for _ in 0..3 {
            let t = s.rng.i64(DAY..end - DAY);
            let down = s.rng.i64(60..180);
            s.push(t, Action::Bounce(d, down));
        }
    }
    for _ in 0..count(s, 20.0) {
        let sw = s.rng.usize(..n_sw);
        let t = s.rng.i64(DAY..end - DAY) / p.poll_every * p.poll_every;
        s.push(t, Action::Partial(sw));
    }
    let sw = n_sw / 2;
    let t = s.rng.i64(5 * DAY..end - DAY);
    s.push(t, Action::SwitchDown(sw));
    s.push(t + 4 * HOUR, Action::SwitchUp(sw));
}

pub fn run(p: SiteParams) -> SiteOutcome {
    let n_sw = p.ports.div_ceil(PER_SWITCH);
    let refs: Vec<PortRef> = (0..p.ports)
        .map(|i| PortRef {
            switch: format!("sw-{:03}", i / PER_SWITCH),
            port: format!("Gi1/0/{}", i % PER_SWITCH + 1),
        })
        .collect();
    let index = refs
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, r)| (r, i))
        .collect();
    let mut s = Sim {
        p,
        rng: fastrand::Rng::with_seed(p.seed),
        engine: Engine::new(&config()).with_seed(p.seed),
        devices: Devices::new(4096),
        devs: Vec::new(),
        refs,
        index,
        q: BinaryHeap::new(),
        seq: 0,
        next_mac: 0,
        sw_down: vec![false; n_sw],
        partial: vec![false; n_sw],
        silent: vec![Vec::new(); p.ports],
        pending_silent: Vec::new(),
        roles: Vec::with_capacity(p.ports),
        residents: vec![Vec::new(); p.ports],
        out: SiteOutcome::default(),
        plant: vec![None; p.ports],
        events: Vec::new(),
        facts: PortFacts {
            speed_mbps: Some(1000),
            ..PortFacts::default()
        },
    };
    populate(&mut s);
    plant_replacements(&mut s);
    plant_attacks(&mut s);
    churn(&mut s);
    let end = p.days * DAY;
    for sw in 0..n_sw {
        let first = (sw as i64 * 17) % p.poll_every;
        s.push(first, Action::Poll(sw));
    }
    s.push(5 * MIN, Action::Tick);
    s.pending_silent.sort_by_key(|x| Reverse(x.0));

    while let Some(Reverse((t, _, a))) = s.q.pop() {
        if t >= end {
            break;
        }
        s.apply_silent(t);
        s.step(t, a);
    }
    s.out.port_days = (p.ports as f64) * (p.days as f64);
    s.out.ports = (0..p.ports)
        .map(|i| {
            let r = &s.refs[i];
            (
                format!("{}/{}", r.switch, r.port),
                s.plant[i].unwrap_or("nothing planted"),
            )
        })
        .collect();
    s.out.devices = s.devs.len();
    s.out
}

/// Whether a device's own full DNA and another's are clearly apart (below 0.55), so a swap
/// between them is a real change whatever the families compared.
fn clearly_other(a: &Frames, b: &Frames) -> bool {
    let all = |x: &Frames| -> Vec<Observation> {
        x.announce.iter().chain(x.dhcp.iter()).cloned().collect()
    };
    dna_of(&all(a)).similarity(&dna_of(&all(b))) < 0.55
}

impl Sim {
    fn silent_from(&mut self, port: usize, m: MacAddr, t: i64) {
        self.pending_silent.push((t, port, m));
    }

    fn apply_silent(&mut self, t: i64) {
        while let Some(&(at, port, m)) = self.pending_silent.last() {
            if at > t {
                break;
            }
            self.pending_silent.pop();
            self.silent[port].push(m);
        }
    }
}
