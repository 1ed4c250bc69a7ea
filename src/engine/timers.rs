//! Timers: settle deadlines, departure, 802.1X grace, silence, orphan, topology hold, control
//! drift.
//!
//! Each port has at most one useful entry in a min-heap: the earliest time one of its timers can
//! fire. An entry is queued only when it is earlier than the one already queued; a popped entry
//! that is no longer the port's earliest is skipped, and a port whose timers all moved later is
//! re-queued after evaluation. Activity (a sighting, a poll) re-evaluates the port directly.
//!
//! The engine knows time only as it is handed in (frame times, `polled(now)`, `tick(now)`):
//! the daemon hands it a monotonic clock, so a step of the wall clock fires nothing.

use std::cmp::Reverse;

use super::port::Stage;
use super::{Engine, Profile, effective_controls};
use crate::clock::Timestamp;
use crate::event::{Event, EventType};

/// The shortest absence a presence pattern is taken to allow: half a week (a laptop seen
/// away for a night has a weekend ahead of it too).
const HALF_WEEK_US: i64 = 84 * 3600 * 1_000_000;

/// Whether `current` is the set of controls the profile gives (without allocating).
fn controls_match(p: &Profile, dot1x: bool, current: &[String]) -> bool {
    let extra: &[String] = if dot1x { &p.dot1x_controls } else { &[] };
    let want = || p.controls.iter().chain(extra);
    want().all(|c| current.contains(c)) && current.iter().all(|c| want().any(|w| w == c))
}

impl Engine {
    /// Runs every timer due at or before `now`.
    pub fn tick(&mut self, now: Timestamp, out: &mut Vec<Event>) {
        if now > self.now {
            self.now = now;
        }
        if self.resume_pending {
            self.resume_pending = false;
            self.resumed = Some(now);
        }
        while let Some(&Reverse((t, idx))) = self.heap.peek() {
            if t > now.0 {
                break;
            }
            self.heap.pop();
            let p = &mut self.ports[idx as usize];
            if p.scheduled != Some(t) {
                continue;
            }
            p.scheduled = None;
            self.evaluate(idx, now, out);
        }
    }

    /// How long resident `k` may stay silent before it departs: the longer of the departure
    /// minimum, `departure_interval_multiple` × its usual signal interval, its LLDP/CDP TTL,
    /// and — once it has come back after an absence — `absence_multiple` × its longest usual
    /// absence (its presence pattern: a laptop that goes home every night does not depart
    /// every night). A resident that is not established yet (present for less than the
    /// learning window, and never back after an absence) waits `absence_multiple` × the
    /// learning window: its first evening says nothing about its pattern (a PC that goes home
    /// at 17:00 on its first day is back in the morning).
    pub(super) fn departure_wait(&self, idx: u32, k: usize) -> i64 {
        let Some(r) = self.ports[idx as usize].d.residents.get(k) else {
            return self.p.departure_us;
        };
        let learning = self.baseline.learning_window_us;
        let by_pattern = if r.absences > 0 {
            let usual = r.absence_us.max(HALF_WEEK_US);
            ((usual as f64 * self.p.absence_multiple) as i64).min(self.p.remember_us)
        } else if r.last_seen.0 - r.first_seen.0 < learning {
            (learning as f64 * self.p.absence_multiple) as i64
        } else {
            0
        };
        self.base_wait(idx, k).max(by_pattern)
    }

    /// The silence after which resident `k` is absent: the longer of the departure minimum,
    /// `departure_interval_multiple` × its usual signal interval and its LLDP/CDP TTL.
    pub(super) fn base_wait(&self, idx: u32, k: usize) -> i64 {
        let Some(r) = self.ports[idx as usize].d.residents.get(k) else {
            return self.p.departure_us;
        };
        let by_interval = r
            .interval_us
            .map_or(0, |iv| (iv as f64 * self.p.interval_multiple) as i64);
        self.p.departure_us.max(by_interval).max(r.ttl_us)
    }

    /// When the port's switch last came back or the engine resumed after a restart (departures
    /// wait from there), and whether the switch is reachable now.
    fn reachability(&self, idx: u32) -> (bool, Option<Timestamp>) {
        let (reachable, since) = match self.switches.get(&self.ports[idx as usize].port.switch) {
            Some(s) => (s.reachable, s.reachable_since),
            None => (true, None),
        };
        let since = match (since, self.resumed) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        (reachable, since)
    }

    /// Whether SNMP holds a silent resident on its port: a port that is never polled leaves
    /// departure to silence alone; on a polled port a departure also needs a complete poll
    /// taken after the resident last spoke that shows the link down or its MAC gone from the
    /// forwarding table.
    fn snmp_holds(&self, idx: u32, k: usize) -> bool {
        let d = &self.ports[idx as usize].d;
        let (Some(r), Some(polled)) = (d.residents.get(k), d.polled_at) else {
            return false;
        };
        if polled < r.last_seen {
            return true;
        }
        d.link_up == Some(true) && d.fdb.contains(&r.mac)
    }

    /// Resident `k` is gone: device-departed (hold-down applies), its facts are forgotten by
    /// the pipeline, and a device that arrived while it was silent is compared with it.
    pub(super) fn depart(&mut self, idx: u32, k: usize, now: Timestamp, out: &mut Vec<Event>) {
        let i = idx as usize;
        let mac = {
            let r = &mut self.ports[i].d.residents[k];
            r.departed = true;
            r.pending = None;
            r.deviant_since = None;
            r.mac
        };
        self.touch(idx);
        self.moves_dirty = true;
        self.raise_device(idx, k, EventType::DeviceDeparted, now, out);
        let port = self.ports[i].port.clone();
        self.resets.push((port, mac, now));
        // Case (b) on a port without SNMP: a newcomer arrived while it was silent.
        let successor = self.ports[i]
            .d
            .residents
            .iter()
            .position(|n| n.successor_of == Some(mac) && n.present());
        if let Some(s) = successor {
            self.ports[i].d.residents[s].successor_of = None;
            let succeeded = self.ports[i].d.residents[k].succeeded;
            if !succeeded && let Some(b) = self.ports[i].d.residents[s].modes.first().cloned() {
                let dna = crate::dna::Dna {
                    id: b.id(),
                    vector: b.vector(),
                    tokens: b.tokens(),
                    profile: String::new(),
                    identity: Default::default(),
                };
                if let Some((mode, similarity)) =
                    super::judge::best_mode(&self.ports[i].d.residents[k].modes, &dna)
                {
                    let c = super::judge::Candidate {
                        pos: k,
                        mode,
                        similarity,
                        gone: true,
                    };
                    if f64::from(similarity) < self.p.substitution {
                        self.replace(idx, k, s, &dna, c, now, out);
                    }
                }
            }
        }
    }

    /// Evaluates every timer and condition of a port at `now`, then re-queues it.
    pub(super) fn evaluate(&mut self, idx: u32, now: Timestamp, out: &mut Vec<Event>) {
        let i = idx as usize;
        let (reachable, since) = self.reachability(idx);
        self.control_drift(idx, now, out);
        // Settle deadlines: DNAs judged whatever they said since.
        for k in 0..self.ports[i].d.residents.len() {
            let (stage, pending, deviant) = {
                let r = &self.ports[i].d.residents[k];
                (r.stage, r.pending.is_some(), r.deviant_since)
            };
            if !pending {
                continue;
            }
            match stage {
                Stage::Newcomer if now.0 >= self.newcomer_deadline(idx, k) => {
                    self.settle_newcomer(idx, k, now, out);
                }
                Stage::Settled
                    if deviant.is_some_and(|t| {
                        now.0 - t.0 >= self.settle_of(&self.ports[i].d.residents[k])
                    }) =>
                {
                    self.judge_own(idx, k, None, now, out);
                    if self.ports[i].d.residents[k].pending.is_none() {
                        self.identity_conditions(idx, k, None, now, out);
                    }
                }
                _ => {}
            }
        }
        let applies = self.dot1x_applies(idx);
        for k in 0..self.ports[i].d.residents.len() {
            let r = &self.ports[i].d.residents[k];
            if !r.present() {
                continue;
            }
            let (last, stay, enrolled, unenrolled) =
                (r.last_seen, r.since, r.enrolled, r.unenrolled);
            let from = since.map_or(last, |s| s.max(last));
            let wait = self.departure_wait(idx, k);
            if reachable && now.0 - from.0 >= wait && !self.snmp_holds(idx, k) {
                self.depart(idx, k, now, out);
                continue;
            }
            // 802.1X grace: never authenticated within the grace window after it came, or
            // authenticated and the switch no longer authorises it.
            let lapsed = enrolled && self.ports[i].d.dot1x_authorized == Some(false);
            let never = !enrolled && now.0 - stay.0 >= self.p.grace_us;
            if reachable && applies && !unenrolled && (never || lapsed) {
                let r = &mut self.ports[i].d.residents[k];
                r.unenrolled = true;
                if lapsed {
                    r.enrolled = false;
                }
                self.touch(idx);
                self.raise_device(idx, k, EventType::UnenrolledFlagged, now, out);
            }
        }
        self.silence(idx, now, reachable, since, out);
        self.orphan(idx, now, reachable, since, out);
        self.forget(idx, now);
        // Topology clears when its evidence ages out.
        if self.ports[i].d.topology_active {
            self.topology(idx, now, out);
        }
        self.schedule_since(idx, now, since);
    }

    /// compliance-control-drift: the controls the port carries changed.
    fn control_drift(&mut self, idx: u32, now: Timestamp, out: &mut Vec<Event>) {
        let i = idx as usize;
        if controls_match(
            self.profile(idx),
            self.ports[i].d.dot1x_enforced,
            &self.ports[i].d.controls,
        ) {
            return;
        }
        let want = effective_controls(self.profile(idx), self.ports[i].d.dot1x_enforced);
        self.ports[i].d.controls = want;
        self.touch(idx);
        let (mac, dna) = match self.ports[i].d.primary().filter(|r| r.present()) {
            Some(r) => (Some(r.mac), Some(r.dna.to_string())),
            None => (None, None),
        };
        let mut e = self
            .em
            .event(EventType::ComplianceControlDrift, now, &self.ports[i], mac);
        e.device_dna = dna;
        self.em.push(e, mac, out);
    }

    /// device-silent-extended: the link up, no control-plane activity on the port for
    /// `silence`, raised once for its longest-present resident.
    fn silence(
        &mut self,
        idx: u32,
        now: Timestamp,
        reachable: bool,
        since: Option<Timestamp>,
        out: &mut Vec<Event>,
    ) {
        let i = idx as usize;
        let d = &self.ports[i].d;
        let Some(last) = d.last_activity else { return };
        let from = since.map_or(last, |s| s.max(last));
        if !reachable || d.link_up != Some(true) || now.0 - from.0 < self.p.silence_us {
            return;
        }
        let Some(k) = d
            .residents
            .iter()
            .enumerate()
            .filter(|(_, r)| r.present())
            .min_by_key(|(_, r)| r.first_seen)
            .map(|(k, _)| k)
        else {
            return;
        };
        if d.residents.iter().any(|r| r.present() && r.silent) {
            return;
        }
        self.ports[i].d.residents[k].silent = true;
        self.touch(idx);
        self.raise_device(idx, k, EventType::DeviceSilentExtended, now, out);
    }

    /// port-orphaned: carried a device, none present, dark (link not up) for `orphan`.
    fn orphan(
        &mut self,
        idx: u32,
        now: Timestamp,
        reachable: bool,
        since: Option<Timestamp>,
        out: &mut Vec<Event>,
    ) {
        let i = idx as usize;
        let d = &self.ports[i].d;
        let dark_from = d.last_activity.map(|t| since.map_or(t, |s| s.max(t)));
        if !reachable
            || !d.carried
            || d.orphaned
            || d.residents.iter().any(|r| r.present())
            || d.link_up == Some(true)
            || dark_from.is_none_or(|t| now.0 - t.0 < self.p.orphan_us)
        {
            return;
        }
        self.ports[i].d.orphaned = true;
        self.touch(idx);
        let (mac, dna) = {
            let d = &self.ports[i].d;
            let last = d.residents.iter().max_by_key(|r| r.last_seen);
            (
                last.map(|r| r.mac).or(d.last_mac),
                last.map(|r| r.dna.to_string())
                    .or_else(|| d.last_dna.clone().map(|x| x.to_string())),
            )
        };
        let mut e = self
            .em
            .event(EventType::PortOrphaned, now, &self.ports[i], mac);
        e.previous_dna = dna;
        self.emit(idx, e, out);
    }

    /// Forgets residents gone for longer than `remember_departed`.
    fn forget(&mut self, idx: u32, now: Timestamp) {
        let keep = self.p.remember_us;
        while let Some(pos) = self.ports[idx as usize]
            .d
            .residents
            .iter()
            .position(|r| r.departed && now.0 - r.last_seen.0 >= keep)
        {
            self.remove_resident(idx, pos);
        }
    }

    /// The earliest future time (after `now`) one of the port's timers can fire.
    /// `since`: the port's [`reachability`](Self::reachability) moment.
    fn next_deadline(&self, idx: u32, now: Timestamp, since: Option<Timestamp>) -> Option<i64> {
        let i = idx as usize;
        let d = &self.ports[i].d;
        let mut best: Option<i64> = None;
        let mut consider = |t: i64| {
            if t > now.0 && best.is_none_or(|b| t < b) {
                best = Some(t);
            }
        };
        let applies = self.dot1x_applies(idx);
        let mut any_present = false;
        for (k, r) in d.residents.iter().enumerate() {
            if r.pending.is_some() {
                match (r.stage, r.deviant_since) {
                    (Stage::Newcomer, _) => consider(self.newcomer_deadline(idx, k)),
                    (Stage::Settled, Some(t)) => {
                        let settle = self.settle_of(r);
                        let wait = if r.deviant_seen >= 2 || r.modes.is_empty() {
                            settle
                        } else {
                            2 * settle
                        };
                        consider(t.0.saturating_add(wait))
                    }
                    _ => {}
                }
            }
            if r.departed {
                consider(r.last_seen.0.saturating_add(self.p.remember_us));
            }
            if !r.present() {
                continue;
            }
            any_present = true;
            let from = since.map_or(r.last_seen, |s| s.max(r.last_seen)).0;
            consider(from.saturating_add(self.departure_wait(idx, k)));
            if !r.unenrolled && !r.enrolled && applies {
                consider(r.since.0.saturating_add(self.p.grace_us));
            }
        }
        if let Some(t) = d.last_activity {
            let from = since.map_or(t, |s| s.max(t)).0;
            if any_present {
                consider(from.saturating_add(self.p.silence_us));
            } else if d.carried && !d.orphaned {
                consider(from.saturating_add(self.p.orphan_us));
            }
        }
        if d.topology_active {
            let hold = self.topology_hold();
            for t in [d.bridge_at, d.bpdu_at, d.crowded_at].into_iter().flatten() {
                consider(t.0.saturating_add(hold));
            }
            for r in &d.residents {
                consider(r.last_seen.0.saturating_add(self.topology_fresh(r)));
            }
        }
        best
    }

    /// Queues the port's next deadline when it is earlier than the one queued.
    pub(super) fn schedule(&mut self, idx: u32, now: Timestamp) {
        let (_, since) = self.reachability(idx);
        self.schedule_since(idx, now, since);
    }

    /// [`schedule`](Self::schedule) with the port's reachability moment already known.
    fn schedule_since(&mut self, idx: u32, now: Timestamp, since: Option<Timestamp>) {
        let Some(t) = self.next_deadline(idx, now, since) else {
            return;
        };
        let p = &mut self.ports[idx as usize];
        if p.scheduled.is_none_or(|s| t < s) {
            p.scheduled = Some(t);
            self.heap.push(Reverse((t, idx)));
        }
    }
}
