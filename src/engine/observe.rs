//! Sightings: residents and their activity and presence pattern, identity conditions, 802.1X
//! and topology evidence carried by frames.

use super::port::{PortData, Resident, Stage};
use super::{Engine, Sighting};
use crate::attribution::PortRef;
use crate::clock::Timestamp;
use crate::dna::DnaId;
use crate::event::{Event, EventType};
use crate::observe::{Observation, Signal};
use crate::refdb::{DeviceClass, Identity, NdaaStatus};
use crate::wire::MacAddr;

/// LLDP capability bits.
const LLDP_BRIDGE: u16 = 1 << 2;
const LLDP_WLAN_AP: u16 = 1 << 3;
const LLDP_TELEPHONE: u16 = 1 << 5;
/// CDP capability bits.
const CDP_BRIDGES: u32 = 0x02 | 0x04 | 0x08;
const CDP_PHONE: u32 = 0x80;

/// Gaps shorter than this are bursts (DHCP exchanges, retransmissions), not signal intervals.
const BURST_US: i64 = 10_000_000;

/// Evidence signals that claim an identity.
const CLAIMS: [&str; 6] = [
    "cdp.platform",
    "lldp.sysdescr",
    "lldp.med.model",
    "lldp.med.manufacturer",
    "edp.platform",
    "fdp.platform",
];

/// Evidence signals that are the sender's own hard facts.
const HARD: [&str; 7] = [
    "oui.org",
    "dhcp.prl",
    "dhcp.options",
    "dhcp.ttl",
    "dhcpv6.oro",
    "dhcpv6.options",
    "eap.",
];

/// Whether an identity's claims (announcements) are contradicted by its hard signals: a
/// vendor is claimed, at least two hard signals of different kinds (the OUI, the DHCP
/// fingerprint, the TTL, the EAP method) name a vendor, and none of them names a claimed one.
/// One disagreeing signal alone is not enough (a MAC rewritten by a lab, a generic DHCP
/// client). Returns too whether any hard signal disputes the claim (enough to flag a
/// substitution as impersonation), and the claimed vendor.
pub(super) fn contradiction(id: &Identity) -> (bool, bool, Option<String>) {
    let claimed: Vec<&str> = id
        .evidence
        .iter()
        .filter(|e| CLAIMS.contains(&e.signal))
        .filter_map(|e| e.vendor.as_deref())
        .collect();
    let same = |a: &str, b: &str| {
        let (a, b) = (a.to_lowercase(), b.to_lowercase());
        a.contains(&b) || b.contains(&a)
    };
    let mut kinds: Vec<&str> = Vec::new();
    let mut agrees = false;
    for e in id
        .evidence
        .iter()
        .filter(|e| !(e.signal == "oui.org" && id.locally_administered))
    {
        let (Some(kind), Some(v)) = (
            HARD.iter().find(|h| e.signal.starts_with(**h)),
            e.vendor.as_deref(),
        ) else {
            continue;
        };
        agrees |= claimed.iter().any(|c| same(c, v));
        let kind = if kind.starts_with("dhcp") {
            "dhcp"
        } else {
            kind
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let claim = claimed.first().map(|c| (*c).to_owned());
    let contradicted = !claimed.is_empty() && kinds.len() >= 2 && !agrees;
    let disputed = !claimed.is_empty() && !kinds.is_empty() && !agrees;
    (contradicted, disputed, claim)
}

impl Engine {
    /// Handles one sighting; events go to `out`. Timers due at the sighting's time run first.
    pub fn observe(&mut self, s: &Sighting<'_>, out: &mut Vec<Event>) {
        self.tick(s.observation.ts, out);
        self.sight(s.port, s.mac, s.observation, Some(s), out);
    }

    /// Handles a sighting of a MAC whose DNA (`dna`) and identity are what they were when it
    /// was last seen on this port (the pipeline found nothing new in what it said), without
    /// them, when nothing needs them: the MAC is a settled resident with that DNA, matching
    /// its baseline, with no fold or confidence report due. Returns false when the full
    /// sighting is needed ([`observe`](Self::observe)); the sighting is then not counted.
    /// The result is the same as `observe` with the same DNA and identity.
    pub fn observe_known(
        &mut self,
        port: &PortRef,
        mac: MacAddr,
        observation: &Observation,
        dna: &DnaId,
        out: &mut Vec<Event>,
    ) -> bool {
        let ts = observation.ts;
        self.tick(ts, out);
        if !self.known_suffices(port, mac, dna, ts) {
            return false;
        }
        self.sight(port, mac, observation, None, out);
        true
    }

    /// Whether a sighting of `mac` with its previous DNA `dna` needs neither the DNA nor the
    /// identity (see [`observe_known`](Self::observe_known)).
    fn known_suffices(&self, port: &PortRef, mac: MacAddr, dna: &DnaId, ts: Timestamp) -> bool {
        let Some(&idx) = self
            .switches
            .get(&port.switch)
            .and_then(|s| s.ports.get(&port.port))
        else {
            return false;
        };
        let p = &self.ports[idx as usize];
        let Some(r) = p.d.resident(mac) else {
            return false;
        };
        if r.stage != Stage::Settled
            || r.dna != *dna
            || r.modes.is_empty()
            || r.pending.is_some()
            || r.deviant_since.is_some()
            || r.band != super::Band::Match
        {
            return false;
        }
        let fold_due = match &r.folded {
            Some((d, t)) => d != dna || ts.0 - t.0 >= self.p.refresh_us,
            None => true,
        };
        !fold_due && (r.confidence - r.reported_confidence).abs() <= self.p.confidence_delta + 1e-9
    }

    /// One sighting, with its DNA and identity (`full`) or without (see
    /// [`observe_known`](Self::observe_known)); the timers have run.
    fn sight(
        &mut self,
        port: &PortRef,
        mac: MacAddr,
        observation: &Observation,
        full: Option<&Sighting<'_>>,
        out: &mut Vec<Event>,
    ) {
        let ts = observation.ts;
        self.em.stats.observations += 1;
        let idx = self.port_index(port);
        self.touch(idx);
        let i = idx as usize;
        {
            let d = &mut self.ports[i].d;
            d.last_activity = Some(d.last_activity.map_or(ts, |t| t.max(ts)));
            d.orphaned = false;
        }
        if self.port_evidence(idx, mac, observation, out) {
            self.schedule(idx, ts);
            return;
        }
        let pos = self.ports[i].d.position(mac);
        match (pos, full) {
            (Some(k), None) => {
                self.seen(idx, k, observation);
                self.identity_conditions(idx, k, None, ts, out);
            }
            (None, None) => return,
            (Some(k), Some(s)) => {
                self.seen(idx, k, observation);
                self.refresh(idx, k, s);
                match self.ports[i].d.residents[k].stage {
                    Stage::Newcomer => {
                        self.ports[i].d.residents[k].pending = Some(Box::new(s.dna.clone()));
                        self.settle_newcomer(idx, k, ts, out);
                    }
                    Stage::Settled => {
                        self.judge_own(idx, k, Some(s.dna), ts, out);
                        // A DNA waiting for its judgement is not judged by its identity either.
                        if self.ports[i].d.residents[k].pending.is_none() {
                            self.identity_conditions(idx, k, Some(s.dna), ts, out);
                        }
                    }
                }
            }
            (None, Some(s)) => {
                let k = self.arrive(idx, s);
                self.settle_newcomer(idx, k, ts, out);
            }
        }
        self.topology(idx, ts, out);
        self.schedule(idx, ts);
    }

    /// Frames that are evidence about the port rather than a device speaking for itself
    /// (802.1X from the authenticator, BPDUs); notes bridge neighbors. Returns true when the
    /// frame is handled (no resident update).
    fn port_evidence(
        &mut self,
        idx: u32,
        mac: MacAddr,
        observation: &Observation,
        out: &mut Vec<Event>,
    ) -> bool {
        let i = idx as usize;
        let ts = observation.ts;
        match &observation.signal {
            Signal::Eapol(e) => {
                self.ports[i].d.eapol_seen = true;
                // From the authenticator toward the device: the frame's sender is not the
                // device it is about (`observe` makes an authenticator's unicast frame about
                // its destination).
                let from_authenticator = observation.src_mac.is_some_and(|s| s != mac);
                match e.eap_code {
                    Some(3) if from_authenticator => {
                        if let Some(k) = self.ports[i].d.position(mac) {
                            let r = &mut self.ports[i].d.residents[k];
                            r.enrolled = true;
                            r.unenrolled = false;
                        }
                        return true;
                    }
                    Some(1 | 4) if from_authenticator => return true,
                    Some(1 | 3 | 4) => {
                        // An authenticator's message sent by the device itself: an anomaly,
                        // never a success.
                        self.ports[i].d.forged_success += u32::from(e.eap_code == Some(3));
                        self.em.stats.untrusted_eap += 1;
                        return true;
                    }
                    _ => {}
                }
                if e.packet_type == 2
                    && let Some(k) = self.ports[i].d.position(mac)
                {
                    // EAPOL-Logoff: an authenticated device stops.
                    let r = &mut self.ports[i].d.residents[k];
                    if r.enrolled && !r.unenrolled && r.present() {
                        r.enrolled = false;
                        r.unenrolled = true;
                        self.raise_device(idx, k, EventType::UnenrolledFlagged, ts, out);
                    }
                }
            }
            Signal::Stp(_) => {
                self.ports[i].d.bpdu_at = Some(ts);
                self.topology(idx, ts, out);
                return true;
            }
            Signal::Lldp(l)
                if (l.caps_enabled | l.caps_system) & LLDP_BRIDGE != 0
                    && (l.caps_enabled | l.caps_system) & (LLDP_TELEPHONE | LLDP_WLAN_AP) == 0 =>
            {
                self.ports[i].d.bridge_at = Some(ts);
            }
            Signal::Cdp(c)
                if c.capabilities & CDP_BRIDGES != 0 && c.capabilities & CDP_PHONE == 0 =>
            {
                self.ports[i].d.bridge_at = Some(ts);
            }
            _ => {}
        }
        false
    }

    /// A MAC new to the port: a newcomer (room made by forgetting the resident heard least
    /// recently, gone ones first).
    fn arrive(&mut self, idx: u32, s: &Sighting<'_>) -> usize {
        let i = idx as usize;
        let ts = s.observation.ts;
        let max = self.p.max_tracked_macs;
        while self.ports[i].d.residents.len() >= max {
            let d = &self.ports[i].d;
            let Some(pos) = d
                .residents
                .iter()
                .enumerate()
                .min_by_key(|(_, r)| (!r.departed, r.last_seen))
                .map(|(p, _)| p)
            else {
                break;
            };
            self.remove_resident(idx, pos);
        }
        let mut r = Resident::new(s.mac, s.dna.id.clone(), ts);
        r.ttl_us = ttl_us(s.observation);
        r.leaving = leaving(s.observation);
        if is_announcement(s.observation) {
            r.announced_at = Some(ts);
        }
        r.pending = Some(Box::new(s.dna.clone()));
        // A port holds one or two residents: grow by one (a Vec's first allocation would
        // hold four of these 440-byte records).
        self.ports[i].d.residents.reserve_exact(1);
        self.ports[i].d.residents.push(r);
        self.locations.entry(s.mac).or_default().push(idx);
        let k = self.ports[i].d.residents.len() - 1;
        self.refresh(idx, k, s);
        k
    }

    /// Removes a resident from a port (forgotten, or moved away), remembering it as the port's
    /// last device.
    pub(super) fn remove_resident(&mut self, idx: u32, pos: usize) -> Resident {
        let i = idx as usize;
        let r = self.ports[i].d.residents.remove(pos);
        self.ports[i].d.last_dna = Some(r.dna.clone());
        self.ports[i].d.last_mac = Some(r.mac);
        for n in self.ports[i].d.residents.iter_mut() {
            if n.successor_of == Some(r.mac) {
                n.successor_of = None;
            }
        }
        if let Some(v) = self.locations.get_mut(&r.mac) {
            v.retain(|&q| q != idx);
            if v.is_empty() {
                self.locations.remove(&r.mac);
            }
        }
        if !r.modes.is_empty() {
            self.ports[i].baseline_version += 1;
        }
        self.moves_dirty = true;
        self.resets
            .push((self.ports[i].port.clone(), r.mac, r.last_seen));
        self.touch(idx);
        r
    }

    /// Takes a resident's identity fields from a fresh resolution (no allocation when
    /// unchanged), its serial and whether its claims are contradicted.
    fn refresh(&mut self, idx: u32, k: usize, s: &Sighting<'_>) {
        let r = &mut self.ports[idx as usize].d.residents[k];
        let id = s.identity;
        if r.vendor.as_deref() != id.vendor.as_deref() {
            r.vendor = id.vendor.clone();
        }
        if r.model.as_deref() != id.model.as_deref() {
            r.model = id.model.clone();
        }
        r.class = id.class;
        r.class_certainty = id.certainty.class;
        r.confidence = id.confidence;
        r.ndaa = id.ndaa_status;
        // Claims and their contradiction come with the DNA (the same facts): checked again
        // only when it changed.
        let same = r.dna == s.dna.id && r.sightings > 1;
        if !same {
            r.dna = s.dna.id.clone();
        }
        if let Some(serial) = s.dna.identity.serials.first()
            && r.serial.as_deref() != Some(serial.as_str())
        {
            r.serial = Some(serial.clone());
        }
        if !same {
            let (contradicted, disputed, claim) = contradiction(id);
            r.contradicted = contradicted;
            r.disputed = disputed;
            if r.claim != claim {
                r.claim = claim;
            }
        }
        if r.stage == Stage::Newcomer {
            r.reported_confidence = r.confidence;
        }
    }

    /// A resident's activity: interval, presence pattern (a return after an absence), last
    /// sighting, TTL, leaving.
    fn seen(&mut self, idx: u32, k: usize, observation: &Observation) {
        let ts = observation.ts;
        let ttl = ttl_us(observation);
        let wait = self.base_wait(idx, k);
        let i = idx as usize;
        let mac = {
            let r = &mut self.ports[i].d.residents[k];
            let gap = ts.0 - r.last_seen.0;
            // Its first gap is its interval (a device that speaks hourly is not absent each
            // hour); after that a silence past its wait is an absence.
            let first_gap = r.interval_us.is_none() && r.absences == 0 && gap >= BURST_US;
            if r.departed || (gap >= wait && !first_gap) {
                // Back after an absence: its pattern learns how long it stays away.
                r.absences = r.absences.saturating_add(1);
                r.absence_us = r.absence_us.max(gap);
                r.since = ts;
                r.departed = false;
                r.succeeded = false;
                r.silent = false;
                r.unenrolled = false;
                r.enrolled = false;
            } else if gap >= BURST_US {
                r.interval_us = Some(match r.interval_us {
                    None => gap,
                    Some(iv) => iv + (gap - iv) / 4,
                });
            }
            if is_announcement(observation) {
                if let Some(at) = r.announced_at {
                    let g = ts.0 - at.0;
                    if g >= BURST_US && g < wait {
                        r.announce_us = if r.announce_us == 0 {
                            g
                        } else {
                            r.announce_us.max(r.announce_us + (g - r.announce_us) / 4)
                        };
                    }
                }
                r.announced_at = Some(ts);
            }
            r.last_seen = r.last_seen.max(ts);
            r.sightings += 1;
            r.silent = false;
            if ttl > 0 {
                r.ttl_us = ttl;
            }
            r.leaving = leaving(observation);
            r.mac
        };
        // It speaks: whoever arrived while it was silent did not take its place.
        for n in self.ports[i].d.residents.iter_mut() {
            if n.successor_of == Some(mac) {
                n.successor_of = None;
            }
        }
    }

    /// The conditions of a settled resident's identity: NDAA, class, confidence. `dna` tells
    /// partial evidence apart (without it, none is assumed).
    pub(super) fn identity_conditions(
        &mut self,
        idx: u32,
        k: usize,
        dna: Option<&crate::dna::Dna>,
        ts: Timestamp,
        out: &mut Vec<Event>,
    ) {
        let i = idx as usize;
        let class = {
            let r = &self.ports[i].d.residents[k];
            if r.stage != Stage::Settled || r.departed {
                return;
            }
            r.class
        };
        let (classes_ok, expected_empty) = {
            let prof = self.profile(idx);
            (prof.classes.contains(&class), prof.classes.is_empty())
        };
        let (ndaa_c, class_c, delta) = (
            self.p.ndaa_confidence,
            self.p.class_confidence,
            self.p.confidence_delta,
        );
        let r = &mut self.ports[i].d.residents[k];
        let (confidence, class_certainty, ndaa_status) = (r.confidence, r.class_certainty, r.ndaa);
        // NDAA: fires at or above the threshold, once per device while it resolves to a covered entity.
        let prohibited = ndaa_status == NdaaStatus::Prohibited;
        let ndaa_fire = prohibited && confidence >= ndaa_c && !r.ndaa_active;
        // It clears only when the device no longer resolves to a covered entity: a dip of
        // certainty while it still does is partial evidence (a reboot speaking one family at
        // a time, OUI first), not a change, and must not re-page when the announcements return.
        if !prohibited {
            r.ndaa_active = false;
        }
        if ndaa_fire {
            r.ndaa_active = true;
        }
        // Class: a class outside the profile's expected classes, gated on the certainty of the
        // class itself (a vendor can be certain while its class is not, and the other way).
        let mismatch = !expected_empty
            && class != DeviceClass::Unknown
            && class_certainty >= class_c
            && !classes_ok;
        let class_fire = mismatch && !r.class_active;
        if !mismatch && (classes_ok || expected_empty) {
            r.class_active = false;
        }
        if class_fire {
            r.class_active = true;
        }
        // Confidence: moved by more than the delta since it was last reported; not on partial
        // evidence (a family of its baseline missing), and while its baseline learns a rise is
        // the identity settling as the device says more: recorded, not raised.
        let (partial, learning) = r.modes.first().map_or((false, false), |b| {
            (dna.is_some_and(|d| b.partial(d)), b.learning(ts))
        });
        let moved = (confidence - r.reported_confidence).abs() > delta + 1e-9;
        let settling = learning && confidence > r.reported_confidence;
        let other_mode = r.modes.len() > 1 && r.mode != r.report_mode;
        let conf_fire = moved && !partial && !settling && !other_mode;
        if moved && !partial && !other_mode {
            r.reported_confidence = confidence;
            r.report_mode = r.mode;
        }
        if ndaa_fire {
            self.raise_device(idx, k, EventType::NdaaProhibitedDetected, ts, out);
        }
        if class_fire {
            self.raise_device(idx, k, EventType::DeviceClassMismatch, ts, out);
        }
        if conf_fire {
            self.raise_device(idx, k, EventType::VendorHintConfidenceChanged, ts, out);
        }
    }

    /// Whether 802.1X applies to a port: its profile requires it, or the switch enforces it.
    pub(super) fn dot1x_applies(&self, idx: u32) -> bool {
        self.profile(idx).dot1x_required || self.ports[idx as usize].d.dot1x_enforced
    }

    /// Re-evaluates port-topology-changed: more present residents than the profile allows, a
    /// bridge neighbor or BPDUs, or a crowded forwarding table, within the hold (unless the
    /// profile expects network gear).
    pub(super) fn topology(&mut self, idx: u32, now: Timestamp, out: &mut Vec<Event>) {
        let (active, offender) = self.topology_condition(idx, now);
        let i = idx as usize;
        let was = self.ports[i].d.topology_active;
        self.ports[i].d.topology_active = active;
        if active && !was && !self.topology_known(idx, now) {
            let dna = self.ports[i].d.primary().map(|r| r.dna.to_string());
            let mut e = self.em.event(
                EventType::PortTopologyChanged,
                now,
                &self.ports[i],
                offender,
            );
            e.device_dna = dna;
            self.emit(idx, e, out);
        }
    }

    /// How long topology evidence holds: the longer of `topology_hold` and the departure
    /// minimum, so evidence from devices that speak rarely does not lapse between frames.
    pub(super) fn topology_hold(&self) -> i64 {
        self.p.topology_hold_us.max(self.p.departure_us)
    }

    /// How long a resident counts for the topology condition after it last spoke: the hold,
    /// or 3× its usual interval (6× the hold while it is not known: DHCP renewals hours
    /// apart must not clear and raise the condition again), or its TTL.
    pub(super) fn topology_fresh(&self, r: &Resident) -> i64 {
        let hold = self.topology_hold();
        r.interval_us
            .map_or(6 * hold, |iv| (iv as f64 * self.p.interval_multiple) as i64)
            .max(hold)
            .max(r.ttl_us)
    }

    /// Whether the port shows an extra hop (a bridge neighbor, BPDUs, a crowded forwarding
    /// table) at `now`, unless its profile expects network gear: devices behind it are
    /// covered by `port-topology-changed`, not `device-appeared` one by one.
    pub(super) fn extra_hop(&self, idx: u32, now: Timestamp) -> bool {
        let d = &self.ports[idx as usize].d;
        let hold = self.topology_hold();
        let recent = |t: Option<Timestamp>| t.is_some_and(|t| now.0 - t.0 < hold);
        // The profile's classes only once there is evidence (asked on every sighting).
        let evidence = recent(d.bridge_at) || recent(d.bpdu_at) || recent(d.crowded_at);
        evidence
            && !self.profile(idx).classes.iter().any(|c| {
                matches!(
                    c,
                    DeviceClass::Switch | DeviceClass::WirelessAp | DeviceClass::Router
                )
            })
    }

    /// Whether resident `r` of port `d` is on the port now for the topology condition:
    /// judged, not departed, not gone, not replaced, and heard recently enough
    /// (`topology_fresh`).
    fn counts_for_topology(&self, d: &PortData, r: &Resident, now: Timestamp) -> bool {
        r.present() && !r.succeeded && !d.gone(r) && now.0 - r.last_seen.0 < self.topology_fresh(r)
    }

    /// One page per change of the port's set: whether the condition, rising again, is only
    /// "more residents than the profile allows" with residents that were all counted when it
    /// last paged (a PC behind two phones coming back each morning), not an extra hop. Notes
    /// the set when it is a change.
    fn topology_known(&mut self, idx: u32, now: Timestamp) -> bool {
        let hop = self.extra_hop(idx, now);
        let d = &self.ports[idx as usize].d;
        let counted: Vec<MacAddr> = d
            .residents
            .iter()
            .filter(|r| self.counts_for_topology(d, r, now))
            .map(|r| r.mac)
            .collect();
        let d = &mut self.ports[idx as usize].d;
        // Residents the port no longer remembers are no longer part of the paged set.
        let residents = &d.residents;
        d.topology_paged
            .retain(|m| residents.iter().any(|r| r.mac == *m));
        let known = !hop && counted.iter().all(|m| d.topology_paged.contains(m));
        if !known {
            d.topology_paged = counted;
        }
        known
    }

    /// Whether the topology condition holds at `now`, and the MAC that tipped it.
    pub(super) fn topology_condition(&self, idx: u32, now: Timestamp) -> (bool, Option<MacAddr>) {
        let prof = self.profile(idx);
        let d = &self.ports[idx as usize].d;
        // Residents on the port now: judged, not departed, not gone, not replaced, and heard
        // recently enough (`topology_fresh`).
        let mut n = 0;
        let mut newest: Option<&Resident> = None;
        for r in &d.residents {
            if self.counts_for_topology(d, r, now) {
                n += 1;
                if newest.is_none_or(|x| r.first_seen >= x.first_seen) {
                    newest = Some(r);
                }
            }
        }
        let too_many = n > prof.max_macs;
        (too_many || self.extra_hop(idx, now), newest.map(|r| r.mac))
    }
}

/// The LLDP TTL / CDP hold time of a sighting, µs (0 when it carries none).
fn ttl_us(o: &Observation) -> i64 {
    match &o.signal {
        Signal::Lldp(l) => i64::from(l.ttl.unwrap_or(0)) * 1_000_000,
        Signal::Cdp(c) => i64::from(c.ttl) * 1_000_000,
        _ => 0,
    }
}

/// Whether the frame is a periodic announcement (LLDP, CDP, EDP, FDP).
fn is_announcement(o: &Observation) -> bool {
    matches!(
        o.signal,
        Signal::Lldp(_) | Signal::Cdp(_) | Signal::Edp(_) | Signal::Fdp(_)
    )
}

/// Whether the frame says the device is leaving (LLDP shutdown: TTL 0; EAPOL-Logoff).
fn leaving(o: &Observation) -> bool {
    match &o.signal {
        Signal::Lldp(l) => l.ttl == Some(0),
        Signal::Eapol(e) => e.packet_type == 2,
        _ => false,
    }
}
