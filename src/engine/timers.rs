//! Timers: departure, 802.1X grace, silence, orphan, topology hold, control drift.
//!
//! Each port has at most one useful entry in a min-heap: the earliest time one of its timers can
//! fire. An entry is queued only when it is earlier than the one already queued; a popped entry
//! that is no longer the port's earliest is skipped, and a port whose timers all moved later is
//! re-queued after evaluation. Activity (a sighting, a poll) re-evaluates the port directly.

use std::cmp::Reverse;

use super::{Engine, Profile, effective_controls};

/// The occupant facts the timers need (copied, so the port can be changed meanwhile).
struct Present {
    mac: crate::wire::MacAddr,
    last_seen: Timestamp,
    since: Timestamp,
    silent: bool,
    enrolled: bool,
    unenrolled: bool,
}

/// Whether `current` is the set of controls the profile gives (without allocating).
fn controls_match(p: &Profile, dot1x: bool, current: &[String]) -> bool {
    let extra: &[String] = if dot1x { &p.dot1x_controls } else { &[] };
    let want = || p.controls.iter().chain(extra);
    want().all(|c| current.contains(c)) && current.iter().all(|c| want().any(|w| w == c))
}
use crate::clock::Timestamp;
use crate::event::{Event, EventType};

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

    /// How long the port's occupant may stay silent before it departs: the longer of the
    /// departure minimum, `departure_interval_multiple` × its usual signal interval, and its
    /// LLDP/CDP TTL.
    pub(super) fn departure_wait(&self, idx: u32) -> i64 {
        let Some(o) = self.ports[idx as usize].d.occupant.as_ref() else {
            return self.p.departure_us;
        };
        let by_interval = o
            .interval_us
            .map_or(0, |iv| (iv as f64 * self.p.interval_multiple) as i64);
        self.p.departure_us.max(by_interval).max(o.ttl_us)
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

    /// Whether SNMP holds a silent occupant on its port. A port that is never polled leaves
    /// departure to silence alone; on a polled port a departure also needs a poll taken after
    /// the occupant last spoke that shows the link down or its MAC gone from the forwarding
    /// table (DESIGN.md: "link down or FDB aged out, no signals for 15 min").
    fn snmp_holds(&self, idx: u32) -> bool {
        let d = &self.ports[idx as usize].d;
        let (Some(o), Some(polled)) = (d.occupant.as_ref(), d.polled_at) else {
            return false;
        };
        if polled < o.last_seen {
            return true;
        }
        d.link_up == Some(true) && d.fdb.contains(&o.mac)
    }

    /// Evaluates every timer and condition of a port at `now`, then re-queues it.
    pub(super) fn evaluate(&mut self, idx: u32, now: Timestamp, out: &mut Vec<Event>) {
        let i = idx as usize;
        let (reachable, since) = self.reachability(idx);
        // Controls.
        if !controls_match(
            self.profile(idx),
            self.ports[i].d.dot1x_enforced,
            &self.ports[i].d.controls,
        ) {
            let want = effective_controls(self.profile(idx), self.ports[i].d.dot1x_enforced);
            self.ports[i].d.controls = want;
            self.touch(idx);
            let mac = self.ports[i].present().map(|o| o.mac);
            let dna = self.ports[i].present().map(|o| o.dna.to_string());
            let mut e = self
                .em
                .event(EventType::ComplianceControlDrift, now, &self.ports[i], mac);
            e.device_dna = dna;
            self.em.push(e, mac, out);
        }
        let wait = self.departure_wait(idx);
        let applies = self.dot1x_applies(idx);
        let present = self.ports[i].present().map(|o| Present {
            mac: o.mac,
            last_seen: o.last_seen,
            since: o.since,
            silent: o.silent,
            enrolled: o.enrolled,
            unenrolled: o.unenrolled,
        });
        if let Some(o) = present {
            let from = since.map_or(o.last_seen, |s| s.max(o.last_seen));
            // Departure.
            if reachable && now.0 - from.0 >= wait && !self.snmp_holds(idx) {
                if let Some(x) = self.ports[i].d.occupant.as_mut() {
                    x.departed = true;
                }
                self.touch(idx);
                self.raise_device(idx, EventType::DeviceDeparted, now, out);
                let port = self.ports[i].port.clone();
                self.resets.push((port, o.mac, now));
            } else {
                // Silence: link up, nothing said for `silence`.
                if reachable
                    && !o.silent
                    && self.ports[i].d.link_up == Some(true)
                    && now.0 - from.0 >= self.p.silence_us
                {
                    if let Some(x) = self.ports[i].d.occupant.as_mut() {
                        x.silent = true;
                    }
                    self.touch(idx);
                    self.raise_device(idx, EventType::DeviceSilentExtended, now, out);
                }
                // 802.1X grace: never authenticated within the grace window, or authenticated
                // and the switch no longer authorises it.
                let lapsed = o.enrolled && self.ports[i].d.dot1x_authorized == Some(false);
                let never = !o.enrolled && now.0 - o.since.0 >= self.p.grace_us;
                if applies && !o.unenrolled && (never || lapsed) {
                    if let Some(x) = self.ports[i].d.occupant.as_mut() {
                        x.unenrolled = true;
                        if lapsed {
                            x.enrolled = false;
                        }
                    }
                    self.touch(idx);
                    self.raise_device(idx, EventType::UnenrolledFlagged, now, out);
                }
            }
        }
        // Orphan: carried a device, no occupant on it, dark (link not up) for `orphan`.
        {
            let d = &self.ports[i].d;
            let dark_from = d.last_activity.map(|t| since.map_or(t, |s| s.max(t)));
            if reachable
                && d.carried
                && !d.orphaned
                && self.ports[i].present().is_none()
                && d.link_up != Some(true)
                && dark_from.is_some_and(|t| now.0 - t.0 >= self.p.orphan_us)
            {
                self.ports[i].d.orphaned = true;
                self.touch(idx);
                let (mac, dna) = {
                    let d = &self.ports[i].d;
                    let o = d.occupant.as_ref();
                    (
                        o.map(|o| o.mac).or(d.last_mac),
                        o.map(|o| o.dna.to_string())
                            .or_else(|| d.last_dna.clone().map(|x| x.to_string())),
                    )
                };
                let mut e = self
                    .em
                    .event(EventType::PortOrphaned, now, &self.ports[i], mac);
                e.previous_dna = dna;
                self.em.push(e, mac, out);
            }
        }
        // Topology clears when its evidence ages out.
        if self.ports[i].d.topology_active {
            self.topology(idx, now, out);
        }
        self.schedule(idx, now);
    }

    /// The earliest future time (after `now`) one of the port's timers can fire.
    fn next_deadline(&self, idx: u32, now: Timestamp) -> Option<i64> {
        let i = idx as usize;
        let d = &self.ports[i].d;
        let (_, since) = self.reachability(idx);
        let mut best: Option<i64> = None;
        let mut consider = |t: i64| {
            if t > now.0 && best.is_none_or(|b| t < b) {
                best = Some(t);
            }
        };
        if let Some(o) = self.ports[i].present() {
            let from = since.map_or(o.last_seen, |s| s.max(o.last_seen)).0;
            consider(from.saturating_add(self.departure_wait(idx)));
            if !o.silent {
                consider(from.saturating_add(self.p.silence_us));
            }
            if !o.unenrolled && !o.enrolled && self.dot1x_applies(idx) {
                consider(o.since.0.saturating_add(self.p.grace_us));
            }
        } else if d.carried && !d.orphaned {
            if let Some(t) = d.last_activity {
                let from = since.map_or(t, |s| s.max(t)).0;
                consider(from.saturating_add(self.p.orphan_us));
            }
        }
        if d.topology_active {
            let hold = self.topology_hold(idx);
            for t in [d.bridge_at, d.bpdu_at, d.polled_at].into_iter().flatten() {
                consider(t.0.saturating_add(hold));
            }
            for (_, t) in &d.extras {
                consider(t.0.saturating_add(hold));
            }
        }
        best
    }

    /// Queues the port's next deadline when it is earlier than the one queued.
    pub(super) fn schedule(&mut self, idx: u32, now: Timestamp) {
        let Some(t) = self.next_deadline(idx, now) else {
            return;
        };
        let p = &mut self.ports[idx as usize];
        if p.scheduled.is_none_or(|s| t < s) {
            p.scheduled = Some(t);
            self.heap.push(Reverse((t, idx)));
        }
    }
}
