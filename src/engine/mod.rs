//! The drift engine: per-port state, baselines, timers, and the twelve drift events.
//!
//! Contract: DESIGN.md section 6 and `spec/sensor-syslog-and-api-reference.txt` sections 2–5.
//! The pipeline hands the engine [`Sighting`]s (an attributed observation with the DNA and
//! identity of its MAC on that port), SNMP port tables ([`Engine::polled`], including
//! unreachable switches) and the time ([`Engine::tick`]); the engine appends [`Event`]s.
//!
//! - **Occupant and baseline.** A port's first device becomes its occupant and seeds the port's
//!   baseline ([`crate::dna::Baseline`], params from `[dna]`). The baseline outlives its
//!   occupant: a new occupant, whatever its MAC, is compared with it — below the substitution
//!   threshold (0.65) it is `device-substituted`, at or above it a like-for-like replacement
//!   (`device-departed` for the old occupant if it had not departed yet, `device-appeared` for
//!   the new one). `device-appeared` alone is for a port with no baseline yet. The occupant's own
//!   DNA is compared with the baseline on every change: a cloned MAC with another stack falls
//!   below 0.65 (`device-substituted`); a firmware update lands in 0.65–0.85
//!   (`device-firmware-shift`, after which the baseline is re-seeded from the new DNA: the
//!   update is accepted).
//! - **Extra MACs.** A different MAC while the occupant is still present (it spoke since the link
//!   last went down and is still in the forwarding table) is an extra MAC, not a substitution:
//!   more MACs than the port profile allows (default 2) is `port-topology-changed`. It takes
//!   the port only once the occupant is gone.
//! - **Hysteresis** ([`band`]): a similarity band changes only when the similarity leaves the
//!   ± 0.03 band around a threshold on the other side, so a device hovering at 0.65 or 0.85
//!   does not alternate events. Confidence events compare with the last *reported* confidence;
//!   NDAA clears 0.03 below its threshold.
//! - **De-duplication.** Every condition has a flag per port (or per occupant); it fires on the
//!   inactive → active transition only and re-arms when the condition clears (similarity back
//!   out of the band, MAC count back within the profile, bridge/BPDU not seen for
//!   `topology_hold`, the device speaking again, a new occupant).
//! - **Timers** ([`timers`]) run on the time handed in (`observation.ts`, `polled(now)`,
//!   `tick(now)`): departure after the longer of 15 min, 3× the device's usual signal interval
//!   and its LLDP/CDP TTL — on a polled port only once a poll taken after its last frame shows
//!   the link down or its MAC gone from the forwarding table; never while its switch is
//!   unreachable, nor within the wait after the switch answers again; 4 h 802.1X grace (ports whose profile requires 802.1X, where EAPOL
//!   was seen, or where the switch enforces it); 7 d silence (link up); 14 d orphan (dark).
//! - **Change windows and suppressions** ([`windows`]): change events inside an approved
//!   window still fire, with `change_window_match = true`; suppressed events are not raised
//!   (their conditions are still tracked, so they do not fire when the suppression ends).
//! - **MITRE** ([`mitre`]): a documented table per event type.
//!
//! Pure: no I/O, no logging, no threads, no wall clock. Event ids are ULIDs whose random part
//! comes from a fastrand RNG seeded from the OS, or from [`Engine::with_seed`].

pub mod band;
pub mod mitre;
mod observe;
mod poll;
pub mod port;
mod record;
mod summary;
mod timers;
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
pub use port::{Occupant, PortData, PortState};
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
    /// Ports tracked.
    pub ports: usize,
}

/// Per-switch state.
#[derive(Debug, Clone, Default)]
struct SwitchState {
    /// Answered its last poll (or never polled).
    reachable: bool,
    /// When it answered again after being unreachable.
    reachable_since: Option<Timestamp>,
    /// Its ports, by interface name.
    ports: HashMap<String, u32>,
}

/// Event construction and filtering (site, RNG, windows, suppressions, counters).
#[derive(Debug)]
struct Emitter {
    site: String,
    rng: fastrand::Rng,
    windows: Vec<Window>,
    suppress: Vec<Suppress>,
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
            e.change_window_match = Some(
                self.windows
                    .iter()
                    .any(|w| w.covers(&self.site, &p.port.switch, &p.port.port, ts)),
            );
        }
        e.mac = mac.map(|m| m.to_string());
        e
    }

    /// Raises an event unless a suppression silences it.
    fn push(&mut self, e: Event, mac: Option<MacAddr>, out: &mut Vec<Event>) {
        let sw = e.switch.as_deref().unwrap_or("");
        if self
            .suppress
            .iter()
            .any(|s| s.silences(e.event, mac, sw, &e.port, e.timestamp))
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
    switches: HashMap<String, SwitchState>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    dirty: Vec<u32>,
    resets: Vec<(PortRef, MacAddr, Timestamp)>,
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
                windows: cfg
                    .change_window
                    .iter()
                    .filter_map(Window::compile)
                    .collect(),
                suppress: cfg
                    .suppression
                    .iter()
                    .filter_map(Suppress::compile)
                    .collect(),
                stats: EngineStats::default(),
            },
            ports: Vec::new(),
            switches: HashMap::new(),
            heap: BinaryHeap::new(),
            dirty: Vec::new(),
            resets: Vec::new(),
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

    /// Adds an approved change window at run time (the API's change-window endpoint).
    pub fn add_change_window(&mut self, w: Window) {
        self.em.windows.push(w);
    }

    /// Adds a suppression at run time (the API's suppress endpoint).
    pub fn add_suppression(&mut self, s: Suppress) {
        self.em.suppress.push(s);
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
        self.em.windows = fresh.em.windows;
        self.em.suppress = fresh.em.suppress;
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
