//! Raising events: the fields of a device event, hold-downs per (port, device, event type),
//! and the flap guard of change events.

use super::Engine;
use super::port::Hold;
use crate::clock::Timestamp;
use crate::event::{Event, EventType, NdaaStatus as EvNdaa};
use crate::refdb::NdaaStatus;
use crate::wire::MacAddr;

pub(super) fn ndaa(s: NdaaStatus) -> EvNdaa {
    match s {
        NdaaStatus::Prohibited => EvNdaa::Prohibited,
        NdaaStatus::Clean => EvNdaa::Clean,
        NdaaStatus::Unknown => EvNdaa::Unknown,
    }
}

pub(super) fn round(v: f64) -> f64 {
    Event::round_score(v)
}

/// What the flap guard says about a change event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flap {
    /// Raise it.
    Raise,
    /// Raise it marked `flapping` (the one event of a flapping port).
    RaiseFlapping,
    /// The port is flapping: stay quiet.
    Quiet,
}

impl Engine {
    /// A device event of type `t` for resident `k` of port `idx`: DNA, vendor, confidence and
    /// the NDAA status where the type carries it.
    pub(super) fn device_event(
        &mut self,
        idx: u32,
        k: usize,
        t: EventType,
        ts: Timestamp,
    ) -> Event {
        let i = idx as usize;
        let mac = self.ports[i].d.residents[k].mac;
        let mut e = self.em.event(t, ts, &self.ports[i], Some(mac));
        let r = &self.ports[i].d.residents[k];
        e.device_dna = Some(r.dna.to_string());
        e.vendor = Some(r.vendor_label());
        e.confidence = Some(round(r.confidence));
        if matches!(
            t,
            EventType::NdaaProhibitedDetected
                | EventType::DeviceClassMismatch
                | EventType::VendorHintConfidenceChanged
                | EventType::DeviceAppeared
                | EventType::DeviceSubstituted
        ) {
            e.ndaa_status = Some(ndaa(r.ndaa));
        }
        e
    }

    /// Raises a device event for resident `k` (see [`device_event`](Self::device_event)).
    pub(super) fn raise_device(
        &mut self,
        idx: u32,
        k: usize,
        t: EventType,
        ts: Timestamp,
        out: &mut Vec<Event>,
    ) {
        let e = self.device_event(idx, k, t, ts);
        self.emit(idx, e, out);
    }

    /// Raises an event unless a hold-down for (port, device, type) is in force; starts one.
    pub(super) fn emit(&mut self, idx: u32, e: Event, out: &mut Vec<Event>) {
        let mac: Option<MacAddr> = e.mac.as_deref().and_then(|m| m.parse().ok());
        let now = e.timestamp.0;
        let hold = self.p.hold_down_us;
        let d = &mut self.ports[idx as usize].d;
        d.holds.retain(|h| h.until > now);
        if d.holds.iter().any(|h| h.mac == mac && h.event == e.event) {
            self.em.stats.held += 1;
            return;
        }
        d.holds.push(Hold {
            mac,
            event: e.event,
            until: now.saturating_add(hold),
        });
        self.touch(idx);
        self.em.push(e, mac, out);
    }

    /// Notes that the port's DNA flipped at `now` (a substitution, the original returning, a
    /// replacement).
    pub(super) fn flip(&mut self, idx: u32, now: Timestamp) {
        let (window, stable) = (self.p.flap_window_us, self.p.flap_stable_us);
        let d = &mut self.ports[idx as usize].d;
        if d.flapping && d.flips.last().is_none_or(|t| now.0 - t.0 >= stable) {
            d.flapping = false;
            d.flap_raised = None;
        }
        d.flips.retain(|t| now.0 - t.0 < window);
        d.flips.push(now);
    }

    /// The flap guard of a change event at `now` (after [`flip`](Self::flip)): more than
    /// `flap_changes` flips within the window raise one event marked `flapping`, then the port
    /// stays quiet until it has not flipped for `flap_stable`.
    pub(super) fn flap_guard(&mut self, idx: u32, now: Timestamp) -> Flap {
        let (window, limit) = (self.p.flap_window_us, self.p.flap_changes as usize);
        let d = &mut self.ports[idx as usize].d;
        if d.flapping {
            return Flap::Quiet;
        }
        let recent = d.flips.iter().filter(|t| now.0 - t.0 < window).count();
        if recent > limit {
            d.flapping = true;
            Flap::RaiseFlapping
        } else {
            Flap::Raise
        }
    }

    /// Raises a change event through the flap guard: the port's one `flapping` event is not
    /// held down; after it, the port is quiet.
    pub(super) fn emit_change(&mut self, idx: u32, mut e: Event, out: &mut Vec<Event>) {
        let d = &self.ports[idx as usize].d;
        let flap = match (d.flapping, d.flap_raised) {
            (true, None) => Flap::RaiseFlapping,
            (true, Some(_)) => Flap::Quiet,
            (false, _) => self.flap_guard(idx, e.timestamp),
        };
        match flap {
            Flap::Quiet => self.em.stats.held += 1,
            Flap::RaiseFlapping => {
                self.ports[idx as usize].d.flap_raised = Some(e.timestamp);
                e.flapping = Some(true);
                let mac = e.mac.as_deref().and_then(|m| m.parse().ok());
                self.touch(idx);
                self.em.push(e, mac, out);
            }
            Flap::Raise => self.emit(idx, e, out),
        }
    }
}
