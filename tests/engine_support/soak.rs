//! A simulated site for the soak test and the engine benchmark: `ports` switch ports over
//! `days` days, devices built from real corpus frames, with realistic churn (periodic DHCP-like
//! renewals, firmware updates, like-for-like replacements, link flaps, a switch unreachable for
//! hours with its devices silent) and planted conditions with the events they must raise
//! (cloned-MAC and different-MAC swaps, an unmanaged switch, silent devices, dark ports,
//! NDAA-prohibited cameras). Deterministic for a seed.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::time::Instant;

use cybriq::attribution::PortRef;
use cybriq::config::Config;
use cybriq::dna::Dna;
use cybriq::engine::{Engine, Sighting};
use cybriq::event::{Event, EventType};
use cybriq::observe::Observation;
use cybriq::refdb::{Identity, NdaaStatus};
use cybriq::snmp::PortTable;
use cybriq::wire::MacAddr;

use super::{DAY, HOUR, MIN, at, devices, dna_of, firmware_update, hikvision, identity_of, table};

/// Size and seed of a run.
#[derive(Debug, Clone, Copy)]
pub struct SoakParams {
    /// Switch ports.
    pub ports: usize,
    /// Simulated days.
    pub days: i64,
    /// RNG seed.
    pub seed: u64,
    /// Shortest and longest signal period of a device, seconds.
    pub period: (i64, i64),
    /// SNMP poll interval, seconds.
    pub poll_every: i64,
    /// Measure the time of every `observe` call.
    pub measure: bool,
    /// Hand a device that speaks again with the DNA it had to `Engine::observe_known` first
    /// (as the pipeline does), falling back to `observe` when the engine needs the DNA.
    pub known: bool,
    /// Keep every event (`Outcome::log`).
    pub log: bool,
}

impl Default for SoakParams {
    fn default() -> Self {
        SoakParams {
            ports: 5000,
            days: 30,
            seed: 42,
            period: (60 * MIN, 180 * MIN),
            poll_every: HOUR,
            measure: false,
            known: false,
            log: false,
        }
    }
}

/// What a run produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Events raised, per (port index, type).
    pub fired: BTreeMap<(usize, EventType), u32>,
    /// Events the scenario expects, per (port index, type).
    pub expected: BTreeMap<(usize, EventType), u32>,
    /// Events the scenario allows beyond the expected ones without requiring them, per
    /// (port index, type): they count neither as false positives nor as misses.
    pub optional: BTreeMap<(usize, EventType), u32>,
    /// Ports with planted swaps.
    pub swaps: Vec<usize>,
    /// Sightings handed to the engine.
    pub observations: u64,
    /// Events raised.
    pub events: u64,
    /// Wall time spent inside the engine (observe, polled, tick), seconds.
    pub engine_secs: f64,
    /// Per-observation latency, ns (when measured).
    pub latencies_ns: Vec<u32>,
    /// Sightings `observe_known` handled.
    pub known: u64,
    /// Every event, when logged.
    pub log: Vec<Event>,
}

/// Precision and recall of one event type.
#[derive(Debug, Clone, Copy, Default)]
pub struct Score {
    pub expected: u32,
    pub fired: u32,
    pub true_pos: u32,
}

impl Score {
    pub fn precision(&self) -> f64 {
        if self.fired == 0 {
            1.0
        } else {
            f64::from(self.true_pos) / f64::from(self.fired)
        }
    }
    pub fn recall(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            f64::from(self.true_pos) / f64::from(self.expected)
        }
    }
}

impl Outcome {
    /// Per type: expected, fired, matched (per port, min of expected and fired).
    pub fn scores(&self) -> BTreeMap<EventType, Score> {
        let mut m: BTreeMap<EventType, Score> = EventType::ALL
            .iter()
            .map(|t| (*t, Score::default()))
            .collect();
        let keys: std::collections::BTreeSet<_> =
            self.fired.keys().chain(self.expected.keys()).collect();
        for k in keys {
            let e = self.expected.get(k).copied().unwrap_or(0);
            let f = self.fired.get(k).copied().unwrap_or(0);
            let f = f - f
                .saturating_sub(e)
                .min(self.optional.get(k).copied().unwrap_or(0));
            let s = m.get_mut(&k.1).unwrap();
            s.expected += e;
            s.fired += f;
            s.true_pos += e.min(f);
        }
        m
    }

    /// A table of the scores.
    pub fn report(&self) -> String {
        let mut s = format!(
            "{:<32} {:>8} {:>8} {:>8} {:>9} {:>7}\n",
            "event", "expected", "fired", "matched", "precision", "recall"
        );
        for (t, x) in self.scores() {
            s += &format!(
                "{:<32} {:>8} {:>8} {:>8} {:>9.3} {:>7.3}\n",
                t.as_str(),
                x.expected,
                x.fired,
                x.true_pos,
                x.precision(),
                x.recall()
            );
        }
        s
    }
}

/// A kind of device: one corpus device's DNA and identity, with its firmware-updated variant.
struct Kind {
    obs: Observation,
    dna: Dna,
    identity: Identity,
    fw: Option<(Dna, Identity)>,
}

struct Port {
    pref: PortRef,
    sw: usize,
    kind: usize,
    mac: MacAddr,
    mac_s: String,
    fw: bool,
    present: bool,
    speaking: bool,
    link_up: bool,
    period: i64,
    extras: Vec<MacAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    Speak(usize),
    Poll(usize),
    Tick,
    Unplug(usize),
    Plug { port: usize, kind: usize, mac: u32 },
    Firmware(usize),
    LinkDown(usize),
    LinkUp(usize),
    SwitchDown(usize),
    SwitchUp(usize),
    Mute(usize),
    Unmute(usize),
    Extras(usize),
}

const PORTS_PER_SWITCH: usize = 48;

fn load_kinds() -> (Vec<Kind>, usize) {
    let mut kinds = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for d in devices() {
        if !seen.insert(d.dna.id.clone()) || d.identity.ndaa_status == NdaaStatus::Prohibited {
            continue;
        }
        let fw = firmware_update(&d.obs).and_then(|o| {
            let dna = dna_of(&o);
            // Updates that land clearly in the firmware band (below the hysteresis band).
            let s = d.dna.similarity(&dna);
            (0.66..0.80).contains(&s).then(|| (dna, identity_of(&o)))
        });
        let obs = d
            .obs
            .iter()
            .find(|o| matches!(o.proto(), "lldp" | "cdp"))
            .unwrap_or(&d.obs[0])
            .clone();
        kinds.push(Kind {
            obs,
            dna: d.dna.clone(),
            identity: d.identity.clone(),
            fw,
        });
    }
    let cam = hikvision(1);
    kinds.push(Kind {
        obs: cam.frame().clone(),
        dna: cam.dna.clone(),
        identity: cam.identity.clone(),
        fw: None,
    });
    let hik = kinds.len() - 1;
    (kinds, hik)
}

fn mac_of(n: u32) -> MacAddr {
    let b = n.to_be_bytes();
    MacAddr([0x00, 0x1b, b[0], b[1], b[2], b[3]])
}

/// Runs the simulation.
pub fn run(p: SoakParams) -> Outcome {
    let (kinds, hik) = load_kinds();
    let mut rng = fastrand::Rng::with_seed(p.seed);
    // Access ports that may carry any kind of device (the corpus is rich in switches and
    // routers); at most 2 MACs per port.
    let classes: Vec<String> = cybriq::refdb::class::ALL_CLASSES
        .iter()
        .map(|c| format!("{:?}", c.as_str()))
        .collect();
    let cfg = Config::parse(
        &format!(
            "[sensor]\nsite = \"soak\"\n[[port_profile]]\nname = \"access\"\nports = [\"*\"]\nexpected_classes = [{}]\ncontrols = [\"PCI-4.0/12.5.1\"]\n",
            classes.join(",")
        ),
        "soak",
    )
    .unwrap();
    let mut engine = Engine::new(&cfg).with_seed(p.seed);
    let n_sw = p.ports.div_ceil(PORTS_PER_SWITCH);
    let end = p.days * DAY;
    let mut out = Outcome::default();
    let exp =
        |o: &mut Outcome, port: usize, t: EventType| *o.expected.entry((port, t)).or_default() += 1;

    // Population: ordinary kinds everywhere, 10 Hikvision cameras.
    let ordinary: Vec<usize> = (0..kinds.len()).filter(|&k| k != hik).collect();
    let mut next_mac = 1u32;
    let mut ports: Vec<Port> = (0..p.ports)
        .map(|i| {
            let kind = if i % 500 == 250 {
                hik
            } else {
                ordinary[rng.usize(..ordinary.len())]
            };
            let mac = mac_of(next_mac);
            next_mac += 1;
            Port {
                pref: PortRef {
                    switch: format!("sw-{:03}", i / PORTS_PER_SWITCH),
                    port: format!("Gi1/0/{}", i % PORTS_PER_SWITCH + 1),
                },
                sw: i / PORTS_PER_SWITCH,
                kind,
                mac,
                mac_s: mac.to_string(),
                fw: false,
                present: true,
                speaking: true,
                link_up: true,
                period: rng.i64(p.period.0..=p.period.1),
                extras: Vec::new(),
            }
        })
        .collect();
    for (i, port) in ports.iter().enumerate() {
        exp(&mut out, i, EventType::DeviceAppeared);
        if port.kind == hik {
            exp(&mut out, i, EventType::NdaaProhibitedDetected);
        }
    }

    let mut q: BinaryHeap<Reverse<(i64, u64, Action)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |q: &mut BinaryHeap<Reverse<(i64, u64, Action)>>, t: i64, a: Action| {
        seq += 1;
        q.push(Reverse((t, seq, a)));
    };
    for (i, port) in ports.iter().enumerate() {
        push(
            &mut q,
            rng.i64(0..port.period.min(10 * MIN)),
            Action::Speak(i),
        );
    }
    for s in 0..n_sw {
        push(&mut q, 0, Action::Poll(s));
    }
    push(&mut q, 5 * MIN, Action::Tick);

    // Plants, each on its own port (ports of the unreachable switch and cameras left out).
    let down_sw = n_sw / 2;
    let mut free: Vec<usize> = (0..p.ports)
        .filter(|&i| ports[i].sw != down_sw && ports[i].kind != hik)
        .collect();
    rng.shuffle(&mut free);
    fn take(free: &mut Vec<usize>) -> usize {
        free.pop().expect("enough ports")
    }
    let day = |rng: &mut fastrand::Rng, a: i64, b: i64| rng.i64(a * DAY..b.max(a + 1) * DAY);
    let scale = (p.ports as f64 / 5000.0).max(0.02);
    let count = |n: f64| ((n * scale).round() as usize).max(1);
    // Cloned-MAC swaps: another stack behind the same MAC.
    for _ in 0..count(20.0) {
        let i = take(&mut free);
        let t = day(&mut rng, 3, p.days - 2);
        let imp = loop {
            let k = ordinary[rng.usize(..ordinary.len())];
            if kinds[k].dna.similarity(&kinds[ports[i].kind].dna) < 0.55 {
                break k;
            }
        };
        push(&mut q, t, Action::Unplug(i));
        push(
            &mut q,
            t + rng.i64(2 * MIN..30 * MIN),
            Action::Plug {
                port: i,
                kind: imp,
                mac: 0,
            },
        );
        exp(&mut out, i, EventType::DeviceSubstituted);
        out.swaps.push(i);
    }
    // Different-MAC swaps.
    for _ in 0..count(20.0) {
        let i = take(&mut free);
        let t = day(&mut rng, 3, p.days - 2);
        let imp = loop {
            let k = ordinary[rng.usize(..ordinary.len())];
            if kinds[k].dna.similarity(&kinds[ports[i].kind].dna) < 0.55 {
                break k;
            }
        };
        push(&mut q, t, Action::Unplug(i));
        push(
            &mut q,
            t + rng.i64(2 * MIN..30 * MIN),
            Action::Plug {
                port: i,
                kind: imp,
                mac: next_mac,
            },
        );
        next_mac += 1;
        exp(&mut out, i, EventType::DeviceDeparted);
        exp(&mut out, i, EventType::DeviceSubstituted);
        // Port model v2: judged before a poll shows the old device gone, the newcomer is a
        // device beside it (device-appeared), then substituted when the old one departs.
        *out.optional
            .entry((i, EventType::DeviceAppeared))
            .or_default() += 1;
        out.swaps.push(i);
    }
    // Like-for-like replacements: the same kind with a new MAC.
    for _ in 0..count(100.0) {
        let i = take(&mut free);
        let t = day(&mut rng, 2, p.days - 2);
        push(&mut q, t, Action::Unplug(i));
        push(
            &mut q,
            t + rng.i64(5 * MIN..60 * MIN),
            Action::Plug {
                port: i,
                kind: ports[i].kind,
                mac: next_mac,
            },
        );
        next_mac += 1;
        exp(&mut out, i, EventType::DeviceDeparted);
        exp(&mut out, i, EventType::DeviceAppeared);
    }
    // Firmware updates (kinds with a clear firmware-band update).
    let with_fw: Vec<usize> = free
        .iter()
        .copied()
        .filter(|&i| kinds[ports[i].kind].fw.is_some())
        .take(count(100.0))
        .collect();
    free.retain(|i| !with_fw.contains(i));
    for &i in &with_fw {
        let t = day(&mut rng, 2, p.days - 1);
        push(&mut q, t, Action::LinkDown(i));
        push(&mut q, t + 90, Action::Firmware(i));
        push(&mut q, t + 120, Action::LinkUp(i));
        exp(&mut out, i, EventType::DeviceFirmwareShift);
    }
    // Link flaps: down for one to three minutes; the device stays.
    for _ in 0..count(300.0) {
        let i = take(&mut free);
        for _ in 0..3 {
            let t = day(&mut rng, 1, p.days);
            push(&mut q, t, Action::LinkDown(i));
            push(&mut q, t + rng.i64(60..180), Action::LinkUp(i));
        }
    }
    // An unmanaged switch with three more devices behind it.
    for _ in 0..count(5.0) {
        let i = take(&mut free);
        push(&mut q, day(&mut rng, 4, p.days - 2), Action::Extras(i));
        exp(&mut out, i, EventType::PortTopologyChanged);
        // Port model v2: each device behind it is a resident of the port and appears once.
        for _ in 0..3 {
            exp(&mut out, i, EventType::DeviceAppeared);
        }
    }
    // Devices silent for 8 days, link up.
    for _ in 0..count(3.0) {
        let i = take(&mut free);
        let t = day(&mut rng, 3, (p.days - 9).max(4));
        push(&mut q, t, Action::Mute(i));
        push(&mut q, t + 8 * DAY, Action::Unmute(i));
        exp(&mut out, i, EventType::DeviceSilentExtended);
    }
    // Ports dark for 15+ days.
    for _ in 0..count(3.0) {
        let i = take(&mut free);
        push(
            &mut q,
            day(&mut rng, 2, (p.days - 15).max(3)),
            Action::Unplug(i),
        );
        exp(&mut out, i, EventType::DeviceDeparted);
        exp(&mut out, i, EventType::PortOrphaned);
    }
    // A switch unreachable for four hours, its devices silent.
    let t = day(&mut rng, 5, p.days - 1);
    push(&mut q, t, Action::SwitchDown(down_sw));
    push(&mut q, t + 4 * HOUR, Action::SwitchUp(down_sw));
    let mut sw_down = vec![false; n_sw];

    let index: BTreeMap<PortRef, usize> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| (p.pref.clone(), i))
        .collect();
    let mut templates: Vec<Observation> = kinds.iter().map(|k| k.obs.clone()).collect();
    let extra_kind = ordinary[0];
    let mut events: Vec<Event> = Vec::new();
    // The DNA each (port, MAC) was last sighted with.
    let mut last: std::collections::HashMap<(usize, MacAddr), cybriq::dna::DnaId> =
        std::collections::HashMap::new();
    let mut engine_ns: u128 = 0;
    let mut tables: Vec<PortTable> = (0..n_sw)
        .map(|s| {
            let names: Vec<String> = ports
                .iter()
                .filter(|p| p.sw == s)
                .map(|p| p.pref.port.clone())
                .collect();
            let spec: Vec<(&str, bool, &[MacAddr])> =
                names.iter().map(|n| (n.as_str(), true, &[][..])).collect();
            table(&format!("sw-{s:03}"), &spec)
        })
        .collect();

    while let Some(Reverse((t, _, a))) = q.pop() {
        if t >= end {
            break;
        }
        let now = at(t);
        match a {
            Action::Speak(i) => {
                let port = &ports[i];
                if port.present && port.speaking && port.link_up && !sw_down[port.sw] {
                    let k = &kinds[port.kind];
                    let (dna, id) = match (&k.fw, port.fw) {
                        (Some((d, id)), true) => (d, id),
                        _ => (&k.dna, &k.identity),
                    };
                    let mut macs = vec![port.mac];
                    macs.extend(port.extras.iter().copied());
                    for m in macs {
                        let (dna, id, kind) = if m == port.mac {
                            (dna, id, port.kind)
                        } else {
                            (
                                &kinds[extra_kind].dna,
                                &kinds[extra_kind].identity,
                                extra_kind,
                            )
                        };
                        let o = &mut templates[kind];
                        o.ts = now;
                        o.mac = Some(m);
                        o.src_mac = Some(m);
                        let s = Sighting {
                            port: &port.pref,
                            mac: m,
                            observation: o,
                            dna,
                            identity: id,
                        };
                        let t0 = Instant::now();
                        let known = p.known
                            && last.get(&(i, m)) == Some(&dna.id)
                            && engine.observe_known(&port.pref, m, o, &dna.id, &mut events);
                        if known {
                            out.known += 1;
                        } else {
                            engine.observe(&s, &mut events);
                            last.insert((i, m), dna.id.clone());
                        }
                        let ns = t0.elapsed().as_nanos();
                        engine_ns += ns;
                        if p.measure {
                            out.latencies_ns.push(ns.min(u128::from(u32::MAX)) as u32);
                        }
                        out.observations += 1;
                    }
                }
                let jitter = port.period / 10;
                let next = t + port.period + rng.i64(-jitter..=jitter);
                push(&mut q, next, Action::Speak(i));
            }
            Action::Poll(s) => {
                let down;
                let tbl = if sw_down[s] {
                    down = super::unreachable(&format!("sw-{s:03}"));
                    &down
                } else {
                    let tb = &mut tables[s];
                    for (k, tp) in tb.ports.iter_mut().enumerate() {
                        let i = s * PORTS_PER_SWITCH + k;
                        let port = &ports[i];
                        let up = port.present && port.link_up;
                        tp.oper_status = Some(if up { "up" } else { "down" }.into());
                        tp.macs.clear();
                        if up {
                            for m in std::iter::once(port.mac).chain(port.extras.iter().copied()) {
                                tp.macs.push(cybriq::snmp::MacEntry {
                                    mac: m.to_string(),
                                    vlan: Some(10),
                                });
                            }
                        }
                    }
                    &tables[s]
                };
                let t0 = Instant::now();
                engine.polled(tbl, now, &mut events);
                engine_ns += t0.elapsed().as_nanos();
                push(&mut q, t + p.poll_every, Action::Poll(s));
            }
            Action::Tick => {
                let t0 = Instant::now();
                engine.tick(now, &mut events);
                engine_ns += t0.elapsed().as_nanos();
                push(&mut q, t + 5 * MIN, Action::Tick);
            }
            Action::Unplug(i) => ports[i].present = false,
            Action::Plug { port: i, kind, mac } => {
                let pt = &mut ports[i];
                pt.present = true;
                pt.kind = kind;
                pt.fw = false;
                if mac != 0 {
                    pt.mac = mac_of(mac);
                    pt.mac_s = pt.mac.to_string();
                }
                push(&mut q, t + rng.i64(10..120), Action::Speak(i));
            }
            Action::Firmware(i) => ports[i].fw = true,
            Action::LinkDown(i) => ports[i].link_up = false,
            Action::LinkUp(i) => {
                ports[i].link_up = true;
                push(&mut q, t + rng.i64(10..60), Action::Speak(i));
            }
            Action::SwitchDown(s) => sw_down[s] = true,
            Action::SwitchUp(s) => sw_down[s] = false,
            Action::Mute(i) => ports[i].speaking = false,
            Action::Unmute(i) => ports[i].speaking = true,
            Action::Extras(i) => {
                for _ in 0..3 {
                    ports[i].extras.push(mac_of(next_mac));
                    next_mac += 1;
                }
            }
        }
        for e in events.drain(..) {
            let pr = PortRef {
                switch: e.switch.clone().unwrap_or_default(),
                port: e.port.clone(),
            };
            let i = index[&pr];
            *out.fired.entry((i, e.event)).or_default() += 1;
            out.events += 1;
            if p.log {
                out.log.push(e);
            }
        }
    }
    out.engine_secs = engine_ns as f64 / 1e9;
    out
}
