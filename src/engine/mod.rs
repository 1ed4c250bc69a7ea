//! The drift engine: per-port residents, their baselines, timers, and the twelve drift events.
//!
//! Contract: DESIGN.md section 6 ("Port model") and `spec/sensor-syslog-and-api-reference.txt`
//! sections 2–5. The pipeline hands the engine [`Sighting`]s (an attributed observation with the
//! DNA and identity of its MAC on that port), SNMP port tables ([`Engine::polled`], including
//! unreachable switches) and the time ([`Engine::tick`]); the engine appends [`Event`]s.
//!
//! - **Residents.** A port holds the devices (MACs) attributed to it ([`port::Resident`]), each
//!   with its own DNA, its own baseline (a few modes: one host with a NIC-firmware LLDP agent
//!   and an OS lldpd behind one MAC is one device), presence pattern, first/last sighting,
//!   intervals and 802.1X state. A phone with a PC behind it is two residents; the PC going
//!   home changes nothing about the phone. Residents that left stay remembered with their
//!   baselines for `remember_departed` (30 days): a newcomer is compared with them and a
//!   returning device is recognised (recorded, not `device-appeared` again).
//! - **Maturity.** Nothing is judged on a DNA that is not mature. A newcomer is mature when it
//!   has spoken in every family of the gone resident it is compared with, or said an
//!   announcement (LLDP/CDP, the last a booting device says) when there is nothing to compare
//!   with, or when the settle window (`settle_multiple` × the longest announcement interval of
//!   the device it is compared with, within `settle_min`..`settle_max`) has passed since its
//!   first frame; the settle deadline judges it even if it says nothing more. A resident's own
//!   DNA that leaves its baseline is judged only if it still differs at the end of its settle
//!   window: a DNA that comes back within it (two agents alternating) becomes another mode, a
//!   DNA that only gains families still matches on the families both carry (learning). No
//!   single frame of a booting device seeds a baseline: the first baseline is its first mature
//!   DNA.
//! - **Substitution** ([`judge`]): (a) a resident's mature DNA below 0.65 against its own
//!   baseline (a cloned MAC); (b) a newcomer taking the place of an established resident that
//!   is gone (departed, said it was leaving, link down or out of a complete forwarding table
//!   since it last spoke), below 0.65 against it. At or above 0.65: like-for-like
//!   (`device-departed` for the old one, `device-appeared` with the comparison for the new).
//!   A newcomer beside a resident that is silent but not known to be gone is an extra device
//!   (`device-appeared`), compared with that resident if it turns out to be gone. Ports whose
//!   profile is `transient` judge no newcomer.
//! - **Contradiction.** Announcements that claim a vendor the sender's hard signals (OUI, DHCP
//!   fingerprint, TTL, EAP) contradict never earn like-for-like or a firmware shift; a newcomer
//!   claiming the departed device's identity that way is `device-substituted` with
//!   `impersonation`.
//! - **Moves.** A mature newcomer whose MAC is a resident that left another port (or, for a
//!   device with an LLDP-MED serial, the same serial found by the SIMD top-k search over the
//!   baselines of departed residents, [`moves`]) with a DNA at or above 0.65 against its
//!   baseline moved: `device-appeared` carries `moved_from`, the baselines move with it.
//! - **One page per change** ([`raise`]): the suspect DNA after a substitution is not judged
//!   into a second page while it stays; the original returning is recorded (a flip), not
//!   paged. A hold-down (`hold_down`, 1 h) per (port, device, event type); a port flipping
//!   more than `flap_changes` times within `flap_window` raises one event marked `flapping`,
//!   then stays quiet until it has not flipped for `flap_stable`.
//! - **Hysteresis** ([`band`]): a similarity band changes only when the similarity leaves the
//!   ± 0.03 band around a threshold on the other side.
//! - **Presence patterns.** A resident that came back after an absence departs only once
//!   absent for `absence_multiple` × its longest usual absence: a laptop is not departed each
//!   evening nor appeared each morning.
//! - **Trusted inputs.** 802.1X success counts only from the authenticator (an EAP-Success
//!   whose sender is not the device, or the switch's PAE state); one the device sends itself
//!   is counted as an anomaly. `unenrolled` and `unenrolled-flagged` only where 802.1X applies
//!   (the profile requires it or the switch enforces it). A partial SNMP table moves no
//!   departure; a crowded edge port (forwarding table past `edge_mac_limit`) is a topology
//!   change. A change of the DNA parameters re-learns baselines quietly.
//! - **Timers** ([`timers`]) run on the time handed in (`observation.ts`, `polled(now)`,
//!   `tick(now)`): the daemon hands a monotonic clock, so a wall-clock step fires nothing.
//!   Departure after the longer of 15 min, 3× the device's usual signal interval, its
//!   LLDP/CDP TTL and its presence pattern — on a polled port only once a complete poll taken
//!   after its last frame shows the link down or its MAC gone; never while its switch is
//!   unreachable, nor within the wait after the switch answers again or the engine resumed;
//!   4 h 802.1X grace; 7 d silence (link up); 14 d orphan (dark).
//! - **Change windows and suppressions** ([`windows`]), configured or posted through the API
//!   at run time ([`controls`], [`Engine::control`]); **MITRE** ([`mitre`]).
//!
//! Pure: no I/O, no logging, no threads, no wall clock. Event ids are ULIDs whose random part
//! comes from a fastrand RNG seeded from the OS, or from [`Engine::with_seed`].

pub mod band;
pub mod controls;
pub mod judge;
pub mod mitre;
pub mod moves;
mod observe;
mod poll;
pub mod port;
pub mod raise;
mod record;
mod summary;
pub mod timers;
pub mod windows;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use serde::Serialize;

use crate::attribution::PortRef;
use crate::clock::Timestamp;
use crate::config::Config;
use crate::config::events::EventParams;
use crate::config::port_profile::{PortRange, switch_matches};
use crate::dna::{BaselineParams, Dna};
use crate::event::{Event, EventType};
use crate::observe::Observation;
use crate::refdb::{DeviceClass, Identity};
use crate::wire::MacAddr;

pub use band::{Band, Bands};
pub use controls::{Control, Controls};
pub use port::{PortData, PortState, Resident, Stage};
pub use record::PortRecord;
pub use summary::PortSummary;
pub use windows::{Suppress, Window};

/// One attributed observation with the DNA and identity of its MAC on that port.
#[derive(Debug, Clone, Copy)]
pub struct Sighting<'a> {
    /// The port.
    pub port: &'a PortRef,
    /// The device's MAC.
    pub mac: MacAddr,
    /// The frame's facts (`ts` is its time).
    pub observation: &'a Observation,
    /// DNA of all this MAC has said on this port so far.
    pub dna: &'a Dna,
    /// Reference-database resolution of the same.
    pub identity: &'a Identity,
}

/// A port profile, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Name.
    pub name: String,
    switch: String,
    ranges: Vec<PortRange>,
    /// Expected classes (empty: any).
    pub classes: Vec<DeviceClass>,
    /// Most MACs a port may show.
    pub max_macs: usize,
    /// Controls.
    pub controls: Vec<String>,
    /// Controls carried while 802.1X is enforced.
    pub dot1x_controls: Vec<String>,
    /// 802.1X required.
    pub dot1x_required: bool,
    /// Hot desk / lab bench: newcomers are not judged against who was there.
    pub transient: bool,
}

/// The defaults of a port no profile matches.
static DEFAULT_PROFILE: Profile = Profile {
    name: String::new(),
    switch: String::new(),
    ranges: Vec::new(),
    classes: Vec::new(),
    max_macs: 2,
    controls: Vec::new(),
    dot1x_controls: Vec::new(),
    dot1x_required: false,
    transient: false,
};

/// Counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EngineStats {
    /// Sightings handled.
    pub observations: u64,
    /// Port tables handled.
    pub polls: u64,
    /// Events raised, per type (in [`EventType::ALL`] order).
    pub events: [u64; 12],
    /// Events silenced by a suppression.
    pub suppressed: u64,
    /// Events not raised again within their hold-down, or on a flapping port.
    pub held: u64,
    /// EAP Request/Success/Failure frames sent by a device itself (never trusted).
    pub untrusted_eap: u64,
    /// Ports tracked.
    pub ports: usize,
}

/// foldhash with a random seed per map: several lookups per sighting and per polled port
/// (SipHash over switch and interface names was a visible share of a sighting).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Per-switch state.
#[derive(Debug, Clone, Default)]
struct SwitchState {
    /// Answered its last poll (or never polled).
    reachable: bool,
    /// When it answered again after being unreachable.
    reachable_since: Option<Timestamp>,
    /// Its ports, by interface name.
    ports: FastMap<String, u32>,
}

/// Event construction and filtering (site, RNG, windows, suppressions, counters).
#[derive(Debug)]
struct Emitter {
    site: String,
    rng: fastrand::Rng,
    controls: Controls,
    stats: EngineStats,
}

impl Emitter {
    /// An event of type `t` at `ts` on port `p`, with the fields every event of the engine
    /// carries (switch, controls, MITRE, change-window match for change events, MAC).
    fn event(&mut self, t: EventType, ts: Timestamp, p: &PortState, mac: Option<MacAddr>) -> Event {
        let mut e = Event::new(
            t,
            ts,
            self.rng.u128(..),
            self.site.as_str(),
            p.port.port.as_str(),
        );
        e.switch = Some(p.port.switch.clone());
        e.controls = p.d.controls.clone();
        e.mitre = mitre::techniques(t)
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        if mitre::is_change_event(t) {
            let ts = e.timestamp;
            e.change_window_match =
                Some(
                    self.controls
                        .covers(&self.site, &p.port.switch, &p.port.port, ts),
                );
        }
        e.mac = mac.map(|m| m.to_string());
        e
    }

    /// Raises an event unless a suppression silences it.
    fn push(&mut self, e: Event, mac: Option<MacAddr>, out: &mut Vec<Event>) {
        let sw = e.switch.as_deref().unwrap_or("");
        if self
            .controls
            .silences(e.event, mac, sw, &e.port, e.timestamp)
        {
            self.stats.suppressed += 1;
            return;
        }
        let i = EventType::ALL
            .iter()
            .position(|t| *t == e.event)
            .unwrap_or(0);
        self.stats.events[i] += 1;
        let mut e = e;
        e.fill_change_fields();
        out.push(e);
    }
}

/// The drift engine.
#[derive(Debug)]
pub struct Engine {
    p: EventParams,
    bands: Bands,
    baseline: BaselineParams,
    profiles: Vec<Profile>,
    em: Emitter,
    /// Every port's state, by index. Boxed: a state is several hundred bytes, and 50,000 of
    /// them inline would be copied on growth and leave up to half the capacity unused.
    #[allow(clippy::vec_box)]
    ports: Vec<Box<PortState>>,
    switches: FastMap<String, SwitchState>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    dirty: Vec<u32>,
    resets: Vec<(PortRef, MacAddr, Timestamp)>,
    /// The ports each MAC is a resident of (moves).
    locations: FastMap<MacAddr, Vec<u32>>,
    /// The baselines of departed residents, for the top-k search of moves (rebuilt when
    /// `moves_dirty`).
    moves: moves::MoveIndex,
    moves_dirty: bool,
    /// Digest of the `[dna]` parameters baselines are learned with.
    dna_digest: u64,
    now: Timestamp,
    /// After `restore`: the first time handed in (set by the first `tick`); timers wait from
    /// there, as after a switch that answers again (the sensor heard nothing while it was down).
    resumed: Option<Timestamp>,
    /// `restore` ran and no time has been handed in since.
    resume_pending: bool,
}

fn compile_profiles(cfg: &Config) -> Vec<Profile> {
    cfg.port_profile
        .iter()
        .map(|p| Profile {
            name: p.name.clone(),
            switch: p.switch.clone(),
            ranges: p.ranges(),
            classes: p.classes(),
            max_macs: p.max_macs,
            controls: p.controls.clone(),
            dot1x_controls: p.dot1x_controls.clone(),
            dot1x_required: p.dot1x_required,
            transient: p.transient,
        })
        .collect()
}

impl Engine {
    /// An engine for a (validated) configuration: `[sensor].site`, `[events]`,
    /// `[[port_profile]]`, `[[change_window]]`, `[[suppression]]` and the `[dna]` baseline
    /// parameters. Values that do not validate fall back to their defaults.
    pub fn new(cfg: &Config) -> Engine {
        let p = cfg.events.params().unwrap_or_else(|_| {
            crate::config::events::Events::default()
                .params()
                .expect("defaults")
        });
        Engine {
            bands: Bands {
                substitution: p.substitution,
                firmware: p.firmware,
                hysteresis: p.hysteresis,
            },
            p,
            baseline: cfg.dna.baseline(),
            profiles: compile_profiles(cfg),
            em: Emitter {
                site: cfg.sensor.site.clone(),
                rng: fastrand::Rng::new(),
                controls: Controls::new(config_windows(cfg), config_suppressions(cfg)),
                stats: EngineStats::default(),
            },
            ports: Vec::new(),
            switches: FastMap::default(),
            heap: BinaryHeap::new(),
            dirty: Vec::new(),
            resets: Vec::new(),
            locations: FastMap::default(),
            moves: moves::MoveIndex::default(),
            moves_dirty: true,
            dna_digest: dna_digest(&cfg.dna.params()),
            now: Timestamp(i64::MIN),
            resumed: None,
            resume_pending: false,
        }
    }

    /// Deterministic event ids (replay, tests).
    pub fn with_seed(mut self, seed: u64) -> Engine {
        self.em.rng = fastrand::Rng::with_seed(seed);
        self
    }

    /// Adds an approved change window as if configured (a reload replaces it).
    pub fn add_change_window(&mut self, w: Window) {
        self.em.controls.add_config_window(w);
    }

    /// Adds a suppression as if configured (a reload replaces it).
    pub fn add_suppression(&mut self, s: Suppress) {
        self.em.controls.add_config_suppression(s);
    }

    /// Applies a suppression or change window posted through the API (honoured from the next
    /// event raised; a reload keeps it) and drops the API controls that are over at `now`.
    pub fn control(&mut self, c: Control, now: Timestamp) {
        self.em.controls.apply(c);
        self.em.controls.expire(now);
    }

    /// Drops the API suppressions and change windows that are over at `now`.
    pub fn expire_controls(&mut self, now: Timestamp) {
        self.em.controls.expire(now);
    }

    /// The suppressions and change windows in force.
    pub fn controls(&self) -> &Controls {
        &self.em.controls
    }

    /// Applies a new configuration (hot reload): thresholds, timers, profiles, windows and
    /// suppressions. Ports whose controls change raise `compliance-control-drift` at `now`.
    pub fn reconfigure(&mut self, cfg: &Config, now: Timestamp, out: &mut Vec<Event>) {
        let fresh = Engine::new(cfg);
        self.p = fresh.p;
        self.bands = fresh.bands;
        self.baseline = fresh.baseline;
        self.profiles = fresh.profiles;
        self.em.site = fresh.em.site;
        self.em
            .controls
            .set_config(config_windows(cfg), config_suppressions(cfg));
        if fresh.dna_digest != self.dna_digest {
            // Other DNA parameters: baselines re-learn quietly from the next DNAs.
            self.dna_digest = fresh.dna_digest;
            for p in self.ports.iter_mut() {
                p.d.residents.retain(|r| !r.departed);
                for r in p.d.residents.iter_mut() {
                    r.modes.clear();
                    r.pending = None;
                    r.deviant_since = None;
                    r.band = Band::Match;
                }
                p.baseline_version += 1;
            }
            self.moves_dirty = true;
        }
        for i in 0..self.ports.len() {
            let pr = &self.ports[i].port;
            self.ports[i].profile = profile_for(&self.profiles, pr);
            self.evaluate(i as u32, now, out);
        }
    }

    /// Counters.
    pub fn stats(&self) -> EngineStats {
        let mut s = self.em.stats.clone();
        s.ports = self.ports.len();
        s
    }

    /// (port, MAC, time) triples whose facts heard before `time` the pipeline should forget,
    /// since the last call: the device left the port (departed, or replaced after the link went
    /// down), so the next device with that MAC there is judged on what it says itself.
    pub fn take_resets(&mut self) -> Vec<(PortRef, MacAddr, Timestamp)> {
        std::mem::take(&mut self.resets)
    }

    /// The profile that applies to a port.
    fn profile(&self, idx: u32) -> &Profile {
        match self.ports[idx as usize].profile {
            Some(i) => &self.profiles[i],
            None => &DEFAULT_PROFILE,
        }
    }

    /// The port's index, creating its state.
    fn port_index(&mut self, port: &PortRef) -> u32 {
        self.port_index_of(&port.switch, &port.port)
    }

    /// The index of (switch, interface), creating its state (no allocation when it exists).
    fn port_index_of(&mut self, switch: &str, name: &str) -> u32 {
        if let Some(&i) = self.switches.get(switch).and_then(|s| s.ports.get(name)) {
            return i;
        }
        let port = &PortRef {
            switch: switch.to_owned(),
            port: name.to_owned(),
        };
        let i = self.ports.len() as u32;
        let mut st = PortState::new(port.clone(), profile_for(&self.profiles, port));
        st.d.controls = effective_controls(
            match st.profile {
                Some(k) => &self.profiles[k],
                None => &DEFAULT_PROFILE,
            },
            false,
        );
        self.ports.push(Box::new(st));
        self.dirty.push(i);
        self.switches
            .entry(port.switch.clone())
            .or_insert_with(|| SwitchState {
                reachable: true,
                ..SwitchState::default()
            })
            .ports
            .insert(port.port.clone(), i);
        i
    }

    /// Marks a port changed.
    fn touch(&mut self, idx: u32) {
        let p = &mut self.ports[idx as usize];
        if !p.dirty {
            p.dirty = true;
            self.dirty.push(idx);
        }
    }
}

/// A digest of the DNA parameters (dimension, weights, firmware share): baselines learned
/// under other parameters cannot be compared with today's DNAs.
fn dna_digest(p: &crate::dna::DnaParams) -> u64 {
    let mut h = blake3::Hasher::new();
    h.update(&(p.dimension as u64).to_le_bytes());
    for w in p.weights.0 {
        h.update(&w.to_le_bytes());
    }
    h.update(&p.firmware_share.to_le_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h.finalize().as_bytes()[..8]);
    u64::from_le_bytes(b)
}

/// The configuration's change windows, compiled.
fn config_windows(cfg: &Config) -> Vec<Window> {
    cfg.change_window
        .iter()
        .filter_map(Window::compile)
        .collect()
}

/// The configuration's suppressions, compiled.
fn config_suppressions(cfg: &Config) -> Vec<Suppress> {
    cfg.suppression
        .iter()
        .filter_map(Suppress::compile)
        .collect()
}

/// The first profile that selects a port.
fn profile_for(profiles: &[Profile], port: &PortRef) -> Option<usize> {
    profiles.iter().position(|p| {
        switch_matches(&p.switch, &port.switch) && p.ranges.iter().any(|r| r.matches(&port.port))
    })
}

/// Controls a port carries: the profile's, plus its 802.1X controls while 802.1X is enforced;
/// in profile order, without duplicates.
fn effective_controls(p: &Profile, dot1x_enforced: bool) -> Vec<String> {
    let mut c: Vec<String> = Vec::with_capacity(p.controls.len());
    let extra: &[String] = if dot1x_enforced {
        &p.dot1x_controls
    } else {
        &[]
    };
    for x in p.controls.iter().chain(extra) {
        if !c.contains(x) {
            c.push(x.clone());
        }
    }
    c
}

/// Whether two control lists carry the same set.
#[cfg(test)]
fn same_controls(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

#[cfg(test)]
mod tests;
