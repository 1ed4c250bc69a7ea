//! Sightings: the occupant, extra MACs, baseline comparisons, identity conditions, 802.1X and
//! topology evidence carried by frames.

use super::band::Band;
use super::port::{Occupant, vendor_label};
use super::{Engine, Sighting};
use crate::attribution::PortRef;
use crate::clock::Timestamp;
use crate::dna::{Baseline, Dna, DnaId, Update};
use crate::event::{Event, EventType, NdaaStatus as EvNdaa};
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

pub(super) fn ndaa(s: NdaaStatus) -> EvNdaa {
    match s {
        NdaaStatus::Prohibited => EvNdaa::Prohibited,
        NdaaStatus::Clean => EvNdaa::Clean,
        NdaaStatus::Unknown => EvNdaa::Unknown,
    }
}

fn round(v: f64) -> f64 {
    Event::round_score(v)
}

impl Engine {
    /// Handles one sighting; events go to `out`. Timers due at the sighting's time run first.
    pub fn observe(&mut self, s: &Sighting<'_>, out: &mut Vec<Event>) {
        self.tick(s.observation.ts, out);
        self.sight(s.port, s.mac, s.observation, Some(s), out);
    }

    /// Handles a sighting of a MAC whose DNA (`dna`) and identity are what they were when it
    /// was last seen on this port (the pipeline found nothing new in what it said), without
    /// them, when nothing needs them: the MAC is an extra beside a present occupant, or it is
    /// the occupant, already scored against the current baseline, with no baseline fold, band
    /// move or confidence report due. Returns false when the full sighting is needed
    /// ([`observe`](Self::observe)); the sighting is then not counted (the timers due at its
    /// time have run, which `observe` does again harmlessly). The result is the same as
    /// `observe` with the same DNA and identity: at 100,000 devices speaking in turn the
    /// pipeline cannot keep every built DNA, and rebuilding each one to learn nothing new was
    /// most of its time.
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
        let Some(o) = p.d.occupant.as_ref() else {
            return false;
        };
        if o.mac != mac {
            // An extra beside the occupant, unless it replaces it.
            return !p.occupant_gone(mac);
        }
        if o.departed || o.dna != *dna {
            return false;
        }
        if p.baseline.is_some() {
            let fresh = p
                .scored
                .as_ref()
                .is_some_and(|(d, v)| d == dna && *v == p.baseline_version);
            if !fresh {
                return false;
            }
            let sim = o.similarity.map(f64::from).unwrap_or(1.0);
            if self.bands.next(o.band, sim) != o.band {
                return false;
            }
            let fold_due = match &o.folded {
                Some((d, t)) => d != dna || ts.0 - t.0 >= self.p.refresh_us,
                None => true,
            };
            if o.band == Band::Match && fold_due {
                return false;
            }
        }
        // A confidence move to report would need the DNA's families (partial evidence).
        (o.confidence - o.reported_confidence).abs() <= self.p.confidence_delta + 1e-9
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
            if d.orphaned {
                d.orphaned = false;
            }
        }
        // Frames that are evidence about the port rather than a device speaking for itself.
        match &observation.signal {
            Signal::Eapol(e) => {
                self.ports[i].d.eapol_seen = true;
                match e.eap_code {
                    // Request / success / failure come from the authenticator (the switch).
                    Some(3) => {
                        if let Some(o) = self.ports[i].d.occupant.as_mut() {
                            o.enrolled = true;
                            o.unenrolled = false;
                        }
                        self.schedule(idx, ts);
                        return;
                    }
                    Some(1) | Some(4) => {
                        self.schedule(idx, ts);
                        return;
                    }
                    _ => {}
                }
                if e.packet_type == 2 {
                    // EAPOL-Logoff: an authenticated device stops.
                    let p = &mut self.ports[i];
                    let stop =
                        p.d.occupant
                            .as_ref()
                            .is_some_and(|o| o.mac == mac && o.enrolled && !o.unenrolled);
                    if stop {
                        if let Some(o) = p.d.occupant.as_mut() {
                            o.enrolled = false;
                            o.unenrolled = true;
                        }
                        self.raise_device(idx, EventType::UnenrolledFlagged, ts, out);
                    }
                }
            }
            Signal::Stp(_) => {
                self.ports[i].d.bpdu_at = Some(ts);
                self.topology(idx, ts, out);
                self.schedule(idx, ts);
                return;
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

        let occ = self.ports[i]
            .d
            .occupant
            .as_ref()
            .map(|o| (o.mac, o.departed));
        match (occ, full) {
            (Some((m, false)), None) if m == mac => self.update_known(idx, observation, out),
            (Some((m, _)), None) if m != mac => self.extra(idx, mac, ts),
            // known_suffices admits nothing else.
            (_, None) => return,
            (None, Some(s)) => self.establish(idx, s, out),
            (Some((m, departed)), Some(s)) if m == mac => {
                if departed {
                    self.establish(idx, s, out);
                } else {
                    self.update(idx, s, out);
                }
            }
            (Some(_), Some(s)) => {
                if self.ports[i].occupant_gone(mac) {
                    self.replace(idx, ts, out);
                    self.establish(idx, s, out);
                } else {
                    self.extra(idx, mac, ts);
                }
            }
        }
        self.topology(idx, ts, out);
        self.schedule(idx, ts);
    }

    /// Notes an extra MAC beside the occupant.
    fn extra(&mut self, idx: u32, mac: MacAddr, ts: Timestamp) {
        let max = self.p.max_tracked_macs;
        let d = &mut self.ports[idx as usize].d;
        d.extras.retain(|(m, _)| *m != mac);
        d.extras.push((mac, ts));
        if d.extras.len() > max {
            d.extras.remove(0);
        }
    }

    /// The present occupant leaves because another MAC takes the port.
    fn replace(&mut self, idx: u32, ts: Timestamp, out: &mut Vec<Event>) {
        let i = idx as usize;
        let Some(o) = self.ports[i].d.occupant.as_ref() else {
            return;
        };
        if !o.departed {
            let mac = o.mac;
            self.raise_device(idx, EventType::DeviceDeparted, ts, out);
            let port = self.ports[i].port.clone();
            self.resets.push((port, mac, ts));
        }
        let p = &mut self.ports[i];
        if let Some(o) = p.d.occupant.take() {
            p.d.last_dna = Some(o.dna);
            p.d.last_mac = Some(o.mac);
        }
    }

    /// A device takes the port (first device, a returning device, or a replacement).
    fn establish(&mut self, idx: u32, s: &Sighting<'_>, out: &mut Vec<Event>) {
        let ts = s.observation.ts;
        let i = idx as usize;
        let id = s.identity;
        let mut occ = Occupant {
            mac: s.mac,
            serial: s.dna.identity.serials.first().cloned(),
            dna: s.dna.id.clone(),
            vendor: id.vendor.clone(),
            model: id.model.clone(),
            class: id.class,
            confidence: id.confidence,
            ndaa: id.ndaa_status,
            reported_confidence: id.confidence,
            since: ts,
            last_seen: ts,
            sightings: 1,
            interval_us: None,
            ttl_us: ttl_us(s.observation),
            band: Band::Match,
            similarity: None,
            enrolled: false,
            leaving: false,
            departed: false,
            silent: false,
            unenrolled: false,
            ndaa_active: false,
            class_active: false,
            folded: Some((s.dna.id.clone(), ts)),
        };
        {
            let d = &mut self.ports[i].d;
            d.extras.retain(|(m, _)| *m != s.mac);
            d.carried = true;
            d.orphaned = false;
            // A device coming back keeps its signal pattern (a DHCP-only device that departed
            // before its interval was known does not depart between renewals again).
            if let Some(prev) = d.occupant.as_ref().filter(|o| o.mac == s.mac) {
                let gap = ts.0 - prev.last_seen.0;
                occ.interval_us = match prev.interval_us {
                    Some(iv) if gap >= BURST_US => Some(iv + (gap - iv) / 4),
                    Some(iv) => Some(iv),
                    None if gap >= BURST_US => Some(gap),
                    None => None,
                };
                occ.ttl_us = occ.ttl_us.max(prev.ttl_us);
            }
        }
        occ.leaving = leaving(s.observation);
        let label = vendor_label(id.vendor.as_deref(), id.model.as_deref());
        let limit = self.p.changed;
        let cmp = self.ports[i]
            .baseline
            .as_ref()
            .map(|b| b.compare(s.dna, limit));
        match cmp {
            None => {
                let p = &mut self.ports[i];
                p.set_baseline(Baseline::new(s.dna, ts, self.baseline));
                p.d.baseline_vendor = Some(label.clone());
                p.d.occupant = Some(occ);
                p.scored = Some((s.dna.id.clone(), p.baseline_version));
                self.appeared(idx, ts, None, out);
            }
            Some(c) => {
                let sim = f64::from(c.similarity);
                let band = self.bands.initial(sim);
                let p = &mut self.ports[i];
                occ.similarity = Some(c.similarity);
                let prev = p.baseline_id.clone();
                let prev_vendor = p.d.baseline_vendor.clone();
                if band == Band::Substituted {
                    occ.band = Band::Substituted;
                    p.d.occupant = Some(occ);
                    p.scored = Some((s.dna.id.clone(), p.baseline_version));
                    let mut e = self.em.event(
                        EventType::DeviceSubstituted,
                        ts,
                        &self.ports[i],
                        Some(s.mac),
                    );
                    e.previous_dna = prev.map(|d| d.to_string());
                    e.device_dna = Some(s.dna.id.to_string());
                    e.similarity = Some(round(sim));
                    e.threshold = Some(self.p.substitution);
                    e.previous_vendor = prev_vendor;
                    e.vendor = Some(label);
                    e.confidence = Some(round(id.confidence));
                    e.ndaa_status = Some(ndaa(id.ndaa_status));
                    e.changed = c.changed.iter().map(|c| c.label()).collect();
                    self.em.push(e, Some(s.mac), out);
                } else {
                    // Like-for-like: the baseline continues (re-seeded when the newcomer runs
                    // other firmware, so it does not sit in the firmware band forever).
                    if band == Band::Firmware {
                        p.set_baseline(Baseline::new(s.dna, ts, self.baseline));
                        p.d.baseline_vendor = Some(label.clone());
                    } else if let Some(b) = p.baseline.as_mut()
                        && !matches!(b.update(s.dna, ts), Update::Rejected { .. })
                    {
                        p.baseline_id = Some(b.id());
                        p.baseline_version += 1;
                    }
                    p.d.occupant = Some(occ);
                    p.scored = Some((s.dna.id.clone(), p.baseline_version));
                    self.appeared(idx, ts, Some((prev, sim, c.changed)), out);
                }
            }
        }
        self.identity_checks(idx, id, s.dna, ts, out);
    }

    /// Raises device-appeared (with the comparison against the port's baseline when there was
    /// one).
    fn appeared(
        &mut self,
        idx: u32,
        ts: Timestamp,
        cmp: Option<(Option<crate::dna::DnaId>, f64, Vec<crate::dna::Change>)>,
        out: &mut Vec<Event>,
    ) {
        let i = idx as usize;
        let applies = self.dot1x_applies(idx);
        let Some(o) = self.ports[i].d.occupant.as_ref() else {
            return;
        };
        let mac = o.mac;
        let mut e = self
            .em
            .event(EventType::DeviceAppeared, ts, &self.ports[i], Some(mac));
        e.device_dna = Some(o.dna.to_string());
        e.vendor = Some(o.vendor_label());
        e.confidence = Some(round(o.confidence));
        e.ndaa_status = Some(ndaa(o.ndaa));
        e.unenrolled = Some(applies && !o.enrolled);
        if let Some((prev, sim, changed)) = cmp {
            e.previous_dna = prev.map(|d| d.to_string());
            e.similarity = Some(round(sim));
            e.threshold = Some(self.p.substitution);
            e.changed = changed.iter().map(|c| c.label()).collect();
        }
        self.em.push(e, Some(mac), out);
    }

    /// The present occupant speaks again.
    fn update(&mut self, idx: u32, s: &Sighting<'_>, out: &mut Vec<Event>) {
        let ts = s.observation.ts;
        let i = idx as usize;
        self.seen(idx, s.observation);
        {
            let Some(o) = self.ports[i].d.occupant.as_mut() else {
                return;
            };
            refresh_identity(o, s.identity);
            if let Some(serial) = s.dna.identity.serials.first()
                && o.serial.as_deref() != Some(serial.as_str())
            {
                o.serial = Some(serial.clone());
            }
        }
        self.rescore(idx, s.dna, ts, out);
        self.identity_checks(idx, s.identity, s.dna, ts, out);
    }

    /// The occupant speaks again with its previous DNA and identity (see
    /// [`observe_known`](Self::observe_known)): already scored, nothing to fold, no band move.
    fn update_known(&mut self, idx: u32, observation: &Observation, out: &mut Vec<Event>) {
        self.seen(idx, observation);
        self.identity_conditions(idx, None, observation.ts, out);
    }

    /// The occupant's activity: interval, last sighting, TTL, leaving.
    fn seen(&mut self, idx: u32, observation: &Observation) {
        let ts = observation.ts;
        let ttl = ttl_us(observation);
        {
            let Some(o) = self.ports[idx as usize].d.occupant.as_mut() else {
                return;
            };
            let gap = ts.0 - o.last_seen.0;
            if gap >= BURST_US {
                o.interval_us = Some(match o.interval_us {
                    None => gap,
                    Some(iv) => iv + (gap - iv) / 4,
                });
            }
            o.last_seen = o.last_seen.max(ts);
            o.sightings += 1;
            o.silent = false;
            if ttl > 0 {
                o.ttl_us = ttl;
            }
            o.leaving = leaving(observation);
        }
    }

    /// Compares the occupant's DNA with the baseline (when either changed) and moves its band.
    fn rescore(&mut self, idx: u32, dna: &Dna, ts: Timestamp, out: &mut Vec<Event>) {
        let i = idx as usize;
        let p = &mut self.ports[i];
        let (Some(b), Some(o)) = (p.baseline.as_ref(), p.d.occupant.as_mut()) else {
            return;
        };
        if o.dna != dna.id {
            o.dna = dna.id.clone();
        }
        let fresh = p
            .scored
            .as_ref()
            .is_some_and(|(d, v)| *d == dna.id && *v == p.baseline_version);
        let band_before = o.band;
        let sim = if fresh {
            o.similarity.map(f64::from).unwrap_or(1.0)
        } else {
            let s = b.similarity(dna);
            o.similarity = Some(s);
            p.scored = Some((dna.id.clone(), p.baseline_version));
            f64::from(s)
        };
        let band = self.bands.next(band_before, sim);
        o.band = band;
        let mac = o.mac;
        if band == Band::Match {
            // Fold a matching DNA into the baseline: on a new DNA, or once per refresh period.
            let due = match &o.folded {
                Some((d, t)) => *d != dna.id || ts.0 - t.0 >= self.p.refresh_us,
                None => true,
            };
            if due {
                o.folded = Some((dna.id.clone(), ts));
                if let Some(b) = p.baseline.as_mut()
                    && !matches!(b.update(dna, ts), Update::Rejected { .. })
                {
                    p.baseline_id = Some(b.id());
                    p.baseline_version += 1;
                }
            }
        }
        if band == band_before {
            return;
        }
        let limit = self.p.changed;
        match band {
            Band::Substituted => {
                // Another device: its confidence is reported with the substitution, and later
                // confidence moves are measured from there.
                if let Some(o) = p.d.occupant.as_mut() {
                    o.reported_confidence = o.confidence;
                }
                let c = p.baseline.as_ref().map(|b| b.compare(dna, limit));
                let prev = p.baseline_id.clone().map(|d| d.to_string());
                let prev_vendor = p.d.baseline_vendor.clone();
                let (label, conf, st) = {
                    let o = p.d.occupant.as_ref().expect("occupant");
                    (o.vendor_label(), o.confidence, o.ndaa)
                };
                let mut e =
                    self.em
                        .event(EventType::DeviceSubstituted, ts, &self.ports[i], Some(mac));
                e.previous_dna = prev;
                e.device_dna = Some(dna.id.to_string());
                e.similarity = Some(round(sim));
                e.threshold = Some(self.p.substitution);
                e.previous_vendor = prev_vendor;
                e.vendor = Some(label);
                e.confidence = Some(round(conf));
                e.ndaa_status = Some(ndaa(st));
                e.changed = c
                    .map(|c| c.changed.iter().map(|x| x.label()).collect())
                    .unwrap_or_default();
                self.em.push(e, Some(mac), out);
            }
            // Into the firmware band without a new version, or with the rest of the device
            // changed too: not a firmware update but a DNA that moved for another reason, e.g.
            // another DHCP client behind the MAC while the old device's announcements are
            // still within their TTL. No event and no new baseline: when the stale
            // announcements expire the DNA is judged again, and a different device then falls
            // below the substitution threshold.
            Band::Firmware
                if band_before == Band::Match
                    && !p.baseline.as_ref().is_some_and(|b| {
                        b.firmware_changed(dna)
                            && f64::from(b.similarity_beside_firmware(dna)) >= self.bands.firmware
                    }) => {}
            Band::Firmware if band_before == Band::Match => {
                let c = p.baseline.as_ref().map(|b| b.compare(dna, limit));
                let prev = p.baseline_id.clone().map(|d| d.to_string());
                let (label, conf) = {
                    let o = p.d.occupant.as_ref().expect("occupant");
                    (o.vendor_label(), o.confidence)
                };
                let mut e = self.em.event(
                    EventType::DeviceFirmwareShift,
                    ts,
                    &self.ports[i],
                    Some(mac),
                );
                e.previous_dna = prev;
                e.device_dna = Some(dna.id.to_string());
                e.similarity = Some(round(sim));
                e.threshold = Some(self.p.substitution);
                e.vendor = Some(label.clone());
                e.confidence = Some(round(conf));
                e.changed = c
                    .map(|c| c.changed.iter().map(|x| x.label()).collect())
                    .unwrap_or_default();
                self.em.push(e, Some(mac), out);
                // The update is accepted: the baseline starts again from the new firmware.
                let p = &mut self.ports[i];
                p.set_baseline(Baseline::new(dna, ts, self.baseline));
                p.d.baseline_vendor = Some(label);
                p.scored = Some((dna.id.clone(), p.baseline_version));
                if let Some(o) = p.d.occupant.as_mut() {
                    o.band = Band::Match;
                    o.similarity = Some(1.0);
                    o.folded = Some((dna.id.clone(), ts));
                }
            }
            // Back from substituted into the firmware band: the original stack is back with
            // other firmware; a later firmware-shift is not raised for it (it was never
            // accepted), the band just clears.
            Band::Firmware | Band::Match => {}
        }
    }

    /// NDAA, class and confidence conditions of the occupant.
    fn identity_checks(
        &mut self,
        idx: u32,
        id: &Identity,
        dna: &Dna,
        ts: Timestamp,
        out: &mut Vec<Event>,
    ) {
        if let Some(o) = self.ports[idx as usize].d.occupant.as_mut() {
            refresh_identity(o, id);
        }
        self.identity_conditions(idx, Some(dna), ts, out);
    }

    /// The conditions of the occupant's identity (as last refreshed); `dna` tells partial
    /// evidence apart (without it, none is assumed: only a confidence move needs it).
    fn identity_conditions(
        &mut self,
        idx: u32,
        dna: Option<&Dna>,
        ts: Timestamp,
        out: &mut Vec<Event>,
    ) {
        let i = idx as usize;
        let Some(class) = self.ports[i].d.occupant.as_ref().map(|o| o.class) else {
            return;
        };
        let (classes_ok, expected_empty) = {
            let prof = self.profile(idx);
            (prof.classes.contains(&class), prof.classes.is_empty())
        };
        let p = &mut self.ports[i];
        let Some(o) = p.d.occupant.as_mut() else {
            return;
        };
        let (confidence, ndaa_status) = (o.confidence, o.ndaa);
        // NDAA: fires at or above the threshold, clears 0.03 below it (or when not prohibited).
        let prohibited = ndaa_status == NdaaStatus::Prohibited;
        let ndaa_fire = prohibited && confidence >= self.p.ndaa_confidence && !o.ndaa_active;
        if !prohibited || confidence < self.p.ndaa_confidence - self.p.hysteresis {
            o.ndaa_active = false;
        }
        if ndaa_fire {
            o.ndaa_active = true;
        }
        // Class: a confident class outside the profile's expected classes.
        let mismatch = !expected_empty
            && class != DeviceClass::Unknown
            && confidence >= self.p.class_confidence
            && !classes_ok;
        let class_fire = mismatch && !o.class_active;
        if !mismatch && (classes_ok || expected_empty) {
            o.class_active = false;
        }
        if class_fire {
            o.class_active = true;
        }
        // Confidence: moved by more than the delta since it was last reported. Not on partial
        // evidence (the DNA lacks a family the baseline has: an announcement expired or a
        // shutdown LLDPDU, not heard yet), and while the baseline learns, a rise is the
        // identity settling as the device says more (its LLDP-MED after its DHCP): recorded,
        // not raised.
        let (partial, learning) = p.baseline.as_ref().map_or((false, false), |b| {
            (dna.is_some_and(|d| b.partial(d)), b.learning(ts))
        });
        let moved = (confidence - o.reported_confidence).abs() > self.p.confidence_delta + 1e-9;
        let settling = learning && confidence > o.reported_confidence;
        let conf_fire = moved && !partial && !settling;
        if moved && !partial {
            o.reported_confidence = confidence;
        }
        if ndaa_fire {
            self.raise_device(idx, EventType::NdaaProhibitedDetected, ts, out);
        }
        if class_fire {
            self.raise_device(idx, EventType::DeviceClassMismatch, ts, out);
        }
        if conf_fire {
            self.raise_device(idx, EventType::VendorHintConfidenceChanged, ts, out);
        }
    }

    /// Raises a device-scoped event for the port's occupant (DNA, vendor, confidence and the
    /// type's own fields).
    pub(super) fn raise_device(
        &mut self,
        idx: u32,
        t: EventType,
        ts: Timestamp,
        out: &mut Vec<Event>,
    ) {
        let i = idx as usize;
        let Some(o) = self.ports[i].d.occupant.as_ref() else {
            return;
        };
        let mac = o.mac;
        let mut e = self.em.event(t, ts, &self.ports[i], Some(mac));
        e.device_dna = Some(o.dna.to_string());
        e.vendor = Some(o.vendor_label());
        e.confidence = Some(round(o.confidence));
        match t {
            EventType::NdaaProhibitedDetected | EventType::DeviceClassMismatch => {
                e.ndaa_status = Some(ndaa(o.ndaa));
            }
            EventType::VendorHintConfidenceChanged => {
                e.ndaa_status = Some(ndaa(o.ndaa));
            }
            _ => {}
        }
        self.em.push(e, Some(mac), out);
    }

    /// Whether 802.1X applies to a port: its profile requires it, EAPOL was seen on it, or the
    /// switch enforces it.
    pub(super) fn dot1x_applies(&self, idx: u32) -> bool {
        let d = &self.ports[idx as usize].d;
        self.profile(idx).dot1x_required || d.eapol_seen || d.dot1x_enforced
    }

    /// Re-evaluates port-topology-changed: more MACs than the profile allows, a bridge
    /// neighbor or BPDUs within `topology_hold` (unless the profile expects network gear).
    pub(super) fn topology(&mut self, idx: u32, now: Timestamp, out: &mut Vec<Event>) {
        let (active, offender) = self.topology_condition(idx, now);
        let i = idx as usize;
        let was = self.ports[i].d.topology_active;
        self.ports[i].d.topology_active = active;
        if active && !was {
            let mac = offender;
            let dna = self.ports[i].present().map(|o| o.dna.to_string());
            let mut e = self
                .em
                .event(EventType::PortTopologyChanged, now, &self.ports[i], mac);
            e.device_dna = dna;
            self.em.push(e, mac, out);
        }
    }

    /// How long topology evidence (a bridge, BPDUs, extra MACs) holds: the longer of
    /// `topology_hold` and the occupant's departure wait, so evidence from devices that speak
    /// rarely does not lapse between their frames (which would re-fire the event).
    pub(super) fn topology_hold(&self, idx: u32) -> i64 {
        self.p.topology_hold_us.max(self.departure_wait(idx))
    }

    /// Whether the topology condition holds at `now`, and the MAC that tipped it.
    pub(super) fn topology_condition(
        &self,
        idx: u32,
        now: Timestamp,
    ) -> (bool, Option<crate::wire::MacAddr>) {
        let prof = self.profile(idx);
        let d = &self.ports[idx as usize].d;
        let hold = self.topology_hold(idx);
        let recent = |t: Option<Timestamp>| t.is_some_and(|t| now.0 - t.0 < hold);
        let gear = prof.classes.iter().any(|c| {
            matches!(
                c,
                DeviceClass::Switch | DeviceClass::WirelessAp | DeviceClass::Router
            )
        });
        let present = self.ports[idx as usize].present();
        let mut n = usize::from(present.is_some());
        let mut newest: Option<(crate::wire::MacAddr, Timestamp)> = None;
        for &(m, t) in &d.extras {
            if now.0 - t.0 < hold && present.is_none_or(|o| o.mac != m) {
                n += 1;
                if newest.is_none_or(|(_, x)| t >= x) {
                    newest = Some((m, t));
                }
            }
        }
        // A fresh forwarding table counts too.
        if d.polled_at.is_some_and(|t| now.0 - t.0 < hold) {
            n = n.max(d.fdb.len());
        }
        let too_many = n > prof.max_macs;
        let hop = !gear && (recent(d.bridge_at) || recent(d.bpdu_at));
        let offender = newest.map(|(m, _)| m).or_else(|| present.map(|o| o.mac));
        (too_many || hop, offender)
    }
}

/// Takes the occupant's identity fields from a fresh resolution (no allocation when unchanged).
fn refresh_identity(o: &mut Occupant, id: &Identity) {
    if o.vendor.as_deref() != id.vendor.as_deref() {
        o.vendor = id.vendor.clone();
    }
    if o.model.as_deref() != id.model.as_deref() {
        o.model = id.model.clone();
    }
    o.class = id.class;
    o.confidence = id.confidence;
    o.ndaa = id.ndaa_status;
}

/// The LLDP TTL / CDP hold time of a sighting, µs (0 when it carries none).
fn ttl_us(o: &Observation) -> i64 {
    match &o.signal {
        Signal::Lldp(l) => i64::from(l.ttl.unwrap_or(0)) * 1_000_000,
        Signal::Cdp(c) => i64::from(c.ttl) * 1_000_000,
        _ => 0,
    }
}

/// Whether the frame says the device is leaving (LLDP shutdown: TTL 0; EAPOL-Logoff).
fn leaving(o: &Observation) -> bool {
    match &o.signal {
        Signal::Lldp(l) => l.ttl == Some(0),
        Signal::Eapol(e) => e.packet_type == 2,
        _ => false,
    }
}
