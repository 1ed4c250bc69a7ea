//! Judgement of mature DNAs: a resident against its own baselines (case (a): a cloned MAC;
//! firmware shifts; a second mode of one device), and a newcomer against the residents whose
//! place it may take (case (b), like-for-like) or the port it moved from.

use super::Engine;
use super::band::Band;
use super::port::{Resident, Stage};
use super::raise::round;
use crate::clock::Timestamp;
use crate::dna::{Baseline, Dna, DnaId, Family, Update, families};
use crate::event::{Event, EventType, MovedFrom};

/// Most modes a device's baseline holds (one device speaking a few ways).
pub(super) const MAX_MODES: usize = 3;

/// Families that say little about which device it is on their own.
const WEAK: u16 = 1 << Family::Oui as u16 | 1 << Family::Port as u16 | 1 << Family::Ip as u16;

/// Announcement families (the last a booting device speaks).
const ANNOUNCE: u16 = 1 << Family::Lldp as u16 | 1 << Family::Cdp as u16;

/// Whether the DNA carries every (not weak) family of the baseline.
pub(super) fn covers(b: &Baseline, dna: &Dna) -> bool {
    let mine = b.families() & !WEAK;
    families(dna) & mine == mine
}

/// The best mode of a resident for a DNA: (mode index, similarity).
pub(super) fn best_mode(modes: &[Baseline], dna: &Dna) -> Option<(usize, f32)> {
    modes
        .iter()
        .enumerate()
        .map(|(i, b)| (i, b.similarity(dna)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// A predecessor a newcomer is compared with: (position, mode, similarity, gone).
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub pos: usize,
    pub mode: usize,
    pub similarity: f32,
    pub gone: bool,
}

impl Engine {
    /// The settle window of a device: `settle_multiple` × its longest announcement interval,
    /// within `settle_min`..`settle_max`.
    pub(super) fn settle_of(&self, r: &Resident) -> i64 {
        let by = (r.announce_us as f64 * self.p.settle_multiple) as i64;
        by.clamp(self.p.settle_min_us, self.p.settle_max_us)
    }

    /// The residents of the port a newcomer at position `k` may take the place of: judged,
    /// with a baseline, not replaced yet, and gone or silent since the newcomer came.
    pub(super) fn candidates(&self, idx: u32, k: usize, dna: &Dna) -> Vec<Candidate> {
        let d = &self.ports[idx as usize].d;
        let n = &d.residents[k];
        let mut v = Vec::new();
        for (pos, r) in d.residents.iter().enumerate() {
            if pos == k || r.stage != Stage::Settled || r.succeeded || r.modes.is_empty() {
                continue;
            }
            let gone = d.gone(r);
            if !gone && r.last_seen >= n.first_seen {
                continue;
            }
            if let Some((mode, similarity)) = best_mode(&r.modes, dna) {
                v.push(Candidate {
                    pos,
                    mode,
                    similarity,
                    gone,
                });
            }
        }
        v
    }

    /// The deadline at which a newcomer's DNA is mature whatever it says.
    pub(super) fn newcomer_deadline(&self, idx: u32, k: usize) -> i64 {
        let d = &self.ports[idx as usize].d;
        let n = &d.residents[k];
        let settle = d
            .residents
            .iter()
            .filter(|r| r.mac != n.mac && r.stage == Stage::Settled && !r.succeeded)
            .map(|r| self.settle_of(r))
            .max()
            .unwrap_or(self.p.settle_min_us);
        n.first_seen.0.saturating_add(settle)
    }

    /// A newcomer said something (or its settle deadline passed): judged once mature.
    pub(super) fn settle_newcomer(
        &mut self,
        idx: u32,
        k: usize,
        now: Timestamp,
        out: &mut Vec<Event>,
    ) {
        let i = idx as usize;
        let Some(dna) = self.ports[i].d.residents[k].pending.take() else {
            return;
        };
        let cands = self.candidates(idx, k, &dna);
        let deadline = self.newcomer_deadline(idx, k);
        let best = cands
            .iter()
            .copied()
            .max_by(|a, b| a.similarity.total_cmp(&b.similarity));
        let mature = now.0 >= deadline
            || match best {
                // A gone predecessor: mature once it has spoken in the predecessor's families.
                Some(c) if c.gone => {
                    families(&dna) & !WEAK != 0
                        && covers(&self.ports[i].d.residents[c.pos].modes[c.mode], &dna)
                }
                // A silent one may still speak: wait for the settle window.
                Some(_) => false,
                // Nothing to compare with: announcements are the last a device says.
                None => families(&dna) & ANNOUNCE != 0,
            };
        if !mature {
            self.ports[i].d.residents[k].pending = Some(dna);
            return;
        }
        self.judge_newcomer(idx, k, &dna, &cands, now, out);
    }

    /// Judges a mature newcomer: a move, a replacement (like-for-like or substitution), or a
    /// device that appeared beside the others.
    fn judge_newcomer(
        &mut self,
        idx: u32,
        k: usize,
        dna: &Dna,
        cands: &[Candidate],
        now: Timestamp,
        out: &mut Vec<Event>,
    ) {
        let i = idx as usize;
        let transient = self.profile(idx).transient;
        {
            let r = &mut self.ports[i].d.residents[k];
            r.stage = Stage::Settled;
            r.band = Band::Match;
            r.similarity = Some(1.0);
            r.folded = Some((dna.id.clone(), now));
            r.reported_confidence = r.confidence;
            r.modes = vec![Baseline::new(dna, now, self.baseline)];
            r.baseline_vendor = Some(r.vendor_label());
        }
        self.ports[i].baseline_version += 1;
        self.ports[i].d.carried = true;
        // A device found elsewhere only by its LLDP-MED serial (another MAC) does not pre-empt
        // the judgement against a predecessor (gone or silent) it would substitute: a serial
        // is a claim, and a
        // newcomer replaying a departed device's announcements is what case (b) is for.
        let contradicted = self.ports[i].d.residents[k].contradicted;
        let would_substitute = cands
            .iter()
            .any(|c| f64::from(c.similarity) < self.p.substitution || contradicted);
        if let Some((from, modes)) = self.find_move(idx, k, dna, !would_substitute) {
            let r = &mut self.ports[i].d.residents[k];
            if !modes.is_empty() {
                r.modes = modes;
            }
            let mut e = self.device_event(idx, k, EventType::DeviceAppeared, now);
            e.unenrolled = self
                .dot1x_applies(idx)
                .then_some(!self.ports[i].d.residents[k].enrolled);
            e.moved_from = Some(from);
            self.emit(idx, e, out);
            self.identity_conditions(idx, k, Some(dna), now, out);
            return;
        }
        // Behind an extra hop (a switch at the desk) newcomers replace nobody.
        let best = if transient || self.extra_hop(idx, now) {
            None
        } else {
            cands
                .iter()
                .copied()
                .max_by(|a, b| a.similarity.total_cmp(&b.similarity))
        };
        let Some(c) = best else {
            // Behind an extra hop (a switch at the desk) the port's topology event covers it.
            if !self.extra_hop(idx, now) {
                self.appeared(idx, k, None, now, out);
            }
            self.identity_conditions(idx, k, Some(dna), now, out);
            return;
        };
        let sim = f64::from(c.similarity);
        let contradicted = self.ports[i].d.residents[k].contradicted;
        let like = sim >= self.p.substitution && !contradicted;
        if !c.gone && !like {
            // Beside a silent resident that may still be there: an extra device (a PC behind
            // the phone). Compared with it if it turns out to be gone.
            let pm = self.ports[i].d.residents[c.pos].mac;
            let r = &mut self.ports[i].d.residents[k];
            r.successor_of = Some(pm);
            r.similarity = Some(c.similarity);
            if !self.extra_hop(idx, now) {
                self.appeared(idx, k, None, now, out);
            }
            self.identity_conditions(idx, k, Some(dna), now, out);
            return;
        }
        self.replace(idx, c.pos, k, dna, c, now, out);
        self.identity_conditions(idx, k, Some(dna), now, out);
    }

    /// Newcomer `k` takes the place of resident `pos` (matched as `c`): like-for-like
    /// (departed + appeared) or a substitution.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn replace(
        &mut self,
        idx: u32,
        pos: usize,
        k: usize,
        dna: &Dna,
        c: Candidate,
        now: Timestamp,
        out: &mut Vec<Event>,
    ) {
        let i = idx as usize;
        let sim = f64::from(c.similarity);
        let contradicted = self.ports[i].d.residents[k].contradicted;
        let disputed = self.ports[i].d.residents[k].disputed;
        let like = sim >= self.p.substitution && !contradicted;
        let (prev, prev_vendor, claims_same) = {
            let p = &self.ports[i].d.residents[pos];
            let n = &self.ports[i].d.residents[k];
            let label = p
                .baseline_vendor
                .clone()
                .unwrap_or_else(|| p.vendor_label());
            let claims = n.claim.as_deref().is_some_and(|c| {
                p.vendor
                    .as_deref()
                    .is_some_and(|v| v.eq_ignore_ascii_case(c))
                    || label.to_lowercase().contains(&c.to_lowercase())
            });
            let same = claims || n.vendor_label() == label;
            (p.modes[c.mode].id(), label, same)
        };
        if !self.ports[i].d.residents[pos].departed {
            self.depart(idx, pos, now, out);
        }
        self.ports[i].d.residents[pos].succeeded = true;
        self.ports[i].d.residents[k].similarity = Some(c.similarity);
        self.flip(idx, now);
        let changed = self.ports[i].d.residents[pos].modes[c.mode].compare(dna, self.p.changed);
        if like {
            self.appeared(idx, k, Some((prev, sim, changed.changed)), now, out);
            return;
        }
        let mut e = self.device_event(idx, k, EventType::DeviceSubstituted, now);
        e.previous_dna = Some(prev.to_string());
        e.similarity = Some(round(sim));
        e.threshold = Some(self.p.substitution);
        e.previous_vendor = Some(prev_vendor);
        e.changed = changed.changed.iter().map(|x| x.label()).collect();
        if (contradicted || disputed) && claims_same {
            e.impersonation = Some(true);
        }
        self.ports[i].d.residents[k].suspect = Some(dna.id.clone());
        self.ports[i].d.residents[k].band = Band::Substituted;
        self.emit_change(idx, e, out);
    }

    /// Raises device-appeared for resident `k`, with the comparison against the device it
    /// replaced when there is one.
    fn appeared(
        &mut self,
        idx: u32,
        k: usize,
        cmp: Option<(DnaId, f64, Vec<crate::dna::Change>)>,
        now: Timestamp,
        out: &mut Vec<Event>,
    ) {
        let applies = self.dot1x_applies(idx);
        let enrolled = self.ports[idx as usize].d.residents[k].enrolled;
        let mut e = self.device_event(idx, k, EventType::DeviceAppeared, now);
        // Only where 802.1X applies: elsewhere `false` would read as "authenticated".
        e.unenrolled = applies.then_some(!enrolled);
        if let Some((prev, sim, changed)) = cmp {
            e.previous_dna = Some(prev.to_string());
            e.similarity = Some(round(sim));
            e.threshold = Some(self.p.substitution);
            e.changed = changed.iter().map(|c| c.label()).collect();
        }
        self.emit(idx, e, out);
    }

    /// A settled resident's DNA (`dna`, or the one pending when its settle deadline passed)
    /// against its own baselines.
    pub(super) fn judge_own(
        &mut self,
        idx: u32,
        k: usize,
        dna: Option<&Dna>,
        now: Timestamp,
        out: &mut Vec<Event>,
    ) {
        let i = idx as usize;
        let fresh = dna.is_some();
        let owned;
        let dna = match dna {
            Some(d) => d,
            None => match self.ports[i].d.residents[k].pending.take() {
                Some(d) => {
                    owned = d;
                    &*owned
                }
                None => return,
            },
        };
        let r = &mut self.ports[i].d.residents[k];
        // No baseline (a DNA parameter change re-learns quietly) or one of another dimension:
        // learnt again from its first mature DNA, without a judgement.
        if r.modes.is_empty() || r.modes.iter().any(|b| b.dim() != dna.vector.dim()) {
            let since = *r.deviant_since.get_or_insert(now);
            let settle = (r.announce_us as f64 * self.p.settle_multiple) as i64;
            let settle = settle.clamp(self.p.settle_min_us, self.p.settle_max_us);
            if families(dna) & ANNOUNCE == 0 && now.0 - since.0 < settle {
                r.pending = Some(Box::new(dna.clone()));
                return;
            }
            r.modes = vec![Baseline::new(dna, now, self.baseline)];
            r.baseline_vendor = Some(r.vendor_label());
            r.band = Band::Match;
            r.similarity = Some(1.0);
            r.deviant_since = None;
            r.pending = None;
            r.folded = Some((dna.id.clone(), now));
            self.ports[i].baseline_version += 1;
            return;
        }
        let version = self.ports[i].baseline_version;
        let r = &mut self.ports[i].d.residents[k];
        let best = match &r.memo {
            Some((id, v, m, s)) if *id == dna.id && *v == version && *m < r.modes.len() => {
                Some((*m, *s))
            }
            _ => best_mode(&r.modes, dna),
        };
        let Some((mode, s)) = best else {
            return;
        };
        r.memo = Some((dna.id.clone(), version, mode, s));
        // A DNA that only gains families on a baseline still learning, or on one of weak
        // families only (a device heard through ARP alone until its settle deadline): learning,
        // the mode starts again from the fuller DNA.
        let mine = r.modes[mode].families() & !WEAK;
        let theirs = families(dna) & !WEAK;
        let gains = theirs != mine && theirs & mine == mine;
        if gains && (mine == 0 || r.modes[mode].learning(now)) {
            r.modes[mode] = Baseline::new(dna, now, self.baseline);
            // The identity learns with it: the certainty reported for the thinner DNA (a
            // host's NIC-firmware LLDP agent before its OS agent says more) is no reference
            // for a confidence change.
            r.reported_confidence = r.confidence;
            r.report_mode = mode as u8;
            r.mode = mode as u8;
            r.band = Band::Match;
            r.similarity = Some(1.0);
            r.deviant_since = None;
            r.pending = None;
            r.folded = Some((dna.id.clone(), now));
            self.ports[i].baseline_version += 1;
            return;
        }
        let sim = f64::from(s);
        r.similarity = Some(s);
        let band = self.bands.next(r.band, sim);
        if band == Band::Match {
            self.matched(idx, k, mode, dna, now);
            return;
        }
        let settle = self.settle_of(&self.ports[i].d.residents[k]);
        let r = &mut self.ports[i].d.residents[k];
        let since = *r.deviant_since.get_or_insert(now);
        if fresh {
            r.deviant_seen = r.deviant_seen.saturating_add(1);
        }
        // Judged at the end of its settle window once seen twice, or of a second window when
        // heard once (a laptop renewing every 30 minutes is judged in minutes, two agents
        // alternating every 10 minutes come back first).
        let wait = if r.deviant_seen >= 2 {
            settle
        } else {
            2 * settle
        };
        if now.0 - since.0 < wait {
            // Not mature: judged if it still differs at the end of the settle window.
            r.pending = Some(Box::new(dna.clone()));
            return;
        }
        r.pending = None;
        let before = r.band;
        if band == Band::Substituted {
            let known_suspect = r.suspect.as_ref() == Some(&dna.id);
            r.band = Band::Substituted;
            if known_suspect && before != Band::Substituted {
                // The suspect is back after the original: not judged into a second page, but
                // a port flipping more than `flap_changes` times in the window raises its one
                // event marked `flapping`.
                self.flip(idx, now);
                if self.flap_guard(idx, now) == super::raise::Flap::RaiseFlapping {
                    self.own_substitution(idx, k, mode, dna, sim, false, now, out);
                }
                return;
            }
            if known_suspect || before == Band::Substituted {
                return;
            }
            let claims_own = r.claim.as_deref().is_some_and(|c| {
                r.baseline_vendor
                    .as_deref()
                    .is_some_and(|v| v.to_lowercase().contains(&c.to_lowercase()))
            });
            let impersonation = r.contradicted || r.disputed && claims_own;
            self.own_substitution(idx, k, mode, dna, sim, impersonation, now, out);
            return;
        }
        // The firmware band.
        if before != Band::Match {
            r.band = band;
            return;
        }
        let b = &r.modes[mode];
        let firmware = b.firmware_changed(dna)
            && f64::from(b.similarity_beside_firmware(dna)) >= self.bands.firmware;
        if r.contradicted {
            // A contradicted claim never earns a firmware shift.
            r.band = Band::Substituted;
            self.own_substitution(idx, k, mode, dna, sim, true, now, out);
            return;
        }
        if !firmware {
            // Moved for another reason (another DHCP client behind the MAC while the old
            // device's announcements are still within their TTL): judged again when it
            // moves on; no new baseline from it.
            r.band = band;
            return;
        }
        let c = b.compare(dna, self.p.changed);
        let prev = b.id();
        // The same device before the update (the contract's previous_vendor where known).
        let prev_vendor = r.baseline_vendor.clone().or_else(|| Some(r.vendor_label()));
        let mut e = self.device_event(idx, k, EventType::DeviceFirmwareShift, now);
        e.previous_dna = Some(prev.to_string());
        e.previous_vendor = prev_vendor;
        e.similarity = Some(round(sim));
        e.threshold = Some(self.p.substitution);
        e.changed = c.changed.iter().map(|x| x.label()).collect();
        e.ndaa_status = None;
        self.flip(idx, now);
        self.emit_change(idx, e, out);
        // The update is accepted: this mode starts again from the new firmware.
        let r = &mut self.ports[i].d.residents[k];
        r.modes[mode] = Baseline::new(dna, now, self.baseline);
        r.band = Band::Match;
        r.similarity = Some(1.0);
        r.deviant_since = None;
        r.folded = Some((dna.id.clone(), now));
        self.ports[i].baseline_version += 1;
    }

    /// Case (a): the resident's own mature DNA is below the substitution threshold.
    #[allow(clippy::too_many_arguments)]
    fn own_substitution(
        &mut self,
        idx: u32,
        k: usize,
        mode: usize,
        dna: &Dna,
        sim: f64,
        impersonation: bool,
        now: Timestamp,
        out: &mut Vec<Event>,
    ) {
        let i = idx as usize;
        let (c, prev, prev_vendor) = {
            let r = &mut self.ports[i].d.residents[k];
            r.suspect = Some(dna.id.clone());
            r.reported_confidence = r.confidence;
            let b = &r.modes[mode];
            let label = r.baseline_vendor.clone().or_else(|| Some(r.vendor_label()));
            (b.compare(dna, self.p.changed), b.id(), label)
        };
        self.flip(idx, now);
        let mut e = self.device_event(idx, k, EventType::DeviceSubstituted, now);
        e.previous_dna = Some(prev.to_string());
        e.similarity = Some(round(sim));
        e.threshold = Some(self.p.substitution);
        e.previous_vendor = prev_vendor;
        e.changed = c.changed.iter().map(|x| x.label()).collect();
        if impersonation {
            e.impersonation = Some(true);
        }
        self.emit_change(idx, e, out);
    }

    /// The resident's DNA matches mode `mode`: a deviation ends (the original back after a
    /// substitution is recorded, not paged; a DNA that came and went within the settle window
    /// is a second way the device speaks), and the mode learns.
    fn matched(&mut self, idx: u32, k: usize, mode: usize, dna: &Dna, now: Timestamp) {
        let i = idx as usize;
        let refresh = self.p.refresh_us;
        let params = self.baseline;
        let r = &mut self.ports[i].d.residents[k];
        let mut changed = false;
        let mut back = false;
        if r.deviant_since.take().is_some() {
            let alt = r.pending.take();
            if r.band == Band::Substituted {
                back = true;
            } else if let Some(alt) = alt
                && r.modes.len() < MAX_MODES
                && !r.contradicted
            {
                r.modes.push(Baseline::new(&alt, now, params));
                changed = true;
            }
        }
        r.band = Band::Match;
        r.pending = None;
        r.deviant_seen = 0;
        r.mode = mode as u8;
        let due = match &r.folded {
            Some((d, t)) => *d != dna.id || now.0 - t.0 >= refresh,
            None => true,
        };
        if due {
            r.folded = Some((dna.id.clone(), now));
            if !matches!(r.modes[mode].update(dna, now), Update::Rejected { .. }) {
                changed = true;
            }
        }
        if changed {
            self.ports[i].baseline_version += 1;
        }
        if back {
            // The original is back: recorded (a flip), not paged; its confidence is the
            // reported one again.
            let r = &mut self.ports[i].d.residents[k];
            r.reported_confidence = r.confidence;
            self.flip(idx, now);
        }
    }

    /// Finds the port a newcomer moved from: the same device (same MAC, or the same LLDP-MED
    /// serial found by the top-k search over departed baselines) that left another port, with
    /// a DNA at or above the substitution threshold against its baseline; the serial search
    /// only when `by_serial`. Takes it off that port and returns where it was and its
    /// baselines.
    fn find_move(
        &mut self,
        idx: u32,
        k: usize,
        dna: &Dna,
        by_serial: bool,
    ) -> Option<(MovedFrom, Vec<Baseline>)> {
        let (mac, first, serial) = {
            let r = &self.ports[idx as usize].d.residents[k];
            (r.mac, r.first_seen, r.serial.clone())
        };
        let mut best: Option<(u32, usize, f32)> = None;
        let consider = |best: &mut Option<(u32, usize, f32)>, q: u32, pos: usize, s: f32| {
            if best.is_none_or(|(_, _, b)| s > b) {
                *best = Some((q, pos, s));
            }
        };
        for &q in self.locations.get(&mac).into_iter().flatten() {
            if q == idx {
                continue;
            }
            let d = &self.ports[q as usize].d;
            let Some(pos) = d.position(mac) else { continue };
            let r = &d.residents[pos];
            let left = r.departed || d.gone(r) || r.last_seen < first;
            if r.stage != Stage::Settled || !left {
                continue;
            }
            if let Some((_, s)) = best_mode(&r.modes, dna)
                && f64::from(s) >= self.p.substitution
            {
                consider(&mut best, q, pos, s);
            }
        }
        if best.is_none()
            && by_serial
            && let Some(serial) = serial
        {
            for (q, m, s) in self.departed_like(dna, 4) {
                let d = &self.ports[q as usize].d;
                if q == idx || f64::from(s) < self.p.firmware {
                    continue;
                }
                if let Some(pos) = d.position(m)
                    && d.residents[pos].serial.as_deref() == Some(serial.as_str())
                {
                    consider(&mut best, q, pos, s);
                }
            }
        }
        let (q, pos, _) = best?;
        let from = MovedFrom {
            switch: self.ports[q as usize].port.switch.clone(),
            port: self.ports[q as usize].port.port.clone(),
        };
        // It stays remembered there (departed, replaced by nobody): back there later, it is a
        // returning resident, not another move.
        let (modes, absences, absence_us, interval, announce) = {
            let r = &mut self.ports[q as usize].d.residents[pos];
            r.departed = true;
            r.pending = None;
            r.deviant_since = None;
            (
                r.modes.clone(),
                r.absences,
                r.absence_us,
                r.interval_us,
                r.announce_us,
            )
        };
        self.touch(q);
        self.moves_dirty = true;
        let n = &mut self.ports[idx as usize].d.residents[k];
        n.absences = absences;
        n.absence_us = absence_us;
        n.interval_us = interval;
        n.announce_us = announce;
        Some((from, modes))
    }
}
