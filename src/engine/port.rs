//! Per-port state: the occupant, the baseline that outlives it, link and forwarding-table facts
//! from SNMP, neighbor capabilities, 802.1X state, controls, and the de-duplication flags of
//! every condition (a condition fires on its inactive → active transition only).

use serde::{Deserialize, Serialize};

use super::band::Band;
use crate::attribution::PortRef;
use crate::clock::Timestamp;
use crate::dna::{Baseline, DnaId};
use crate::refdb::{DeviceClass, NdaaStatus};
use crate::wire::MacAddr;

/// The device occupying a port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Occupant {
    /// Its MAC.
    pub mac: MacAddr,
    /// LLDP-MED serial number, when it sent one.
    pub serial: Option<String>,
    /// Its current DNA id.
    pub dna: DnaId,
    /// Resolved vendor.
    pub vendor: Option<String>,
    /// Resolved model.
    pub model: Option<String>,
    /// Resolved class.
    pub class: DeviceClass,
    /// Identity confidence.
    pub confidence: f64,
    /// NDAA status.
    pub ndaa: NdaaStatus,
    /// The confidence last reported (appearance or the last confidence event).
    pub reported_confidence: f64,
    /// When it took the port.
    pub since: Timestamp,
    /// Last sighting.
    pub last_seen: Timestamp,
    /// Sightings.
    pub sightings: u64,
    /// Its usual signal interval (EWMA of gaps ≥ 10 s), µs.
    pub interval_us: Option<i64>,
    /// Its LLDP/CDP TTL, µs.
    pub ttl_us: i64,
    /// Similarity band against the port's baseline.
    pub band: Band,
    /// Last similarity to the baseline.
    pub similarity: Option<f32>,
    /// 802.1X success seen for it.
    pub enrolled: bool,
    /// It said it is leaving (LLDP TTL 0 / EAPOL-Logoff).
    pub leaving: bool,
    /// device-departed raised (it is no longer on the port).
    pub departed: bool,
    /// device-silent-extended active.
    pub silent: bool,
    /// unenrolled-flagged raised for it.
    pub unenrolled: bool,
    /// ndaa-prohibited-detected active.
    pub ndaa_active: bool,
    /// device-class-mismatch active.
    pub class_active: bool,
    /// DNA last folded into the baseline, and when.
    pub folded: Option<(DnaId, Timestamp)>,
}

impl Occupant {
    /// `Vendor Model` as events carry it (`unknown` when unresolved).
    pub fn vendor_label(&self) -> String {
        vendor_label(self.vendor.as_deref(), self.model.as_deref())
    }
}

/// `Vendor Model`, `Vendor`, `Model` or `unknown`.
pub fn vendor_label(vendor: Option<&str>, model: Option<&str>) -> String {
    match (vendor, model) {
        (Some(v), Some(m)) if m.to_lowercase().starts_with(&v.to_lowercase()) => m.to_owned(),
        (Some(v), Some(m)) => format!("{v} {m}"),
        (Some(v), None) => v.to_owned(),
        (None, Some(m)) => m.to_owned(),
        (None, None) => "unknown".to_owned(),
    }
}

/// The persistent facts of a port (everything but the baseline object and the scheduler's
/// bookkeeping).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PortData {
    /// The occupant.
    pub occupant: Option<Occupant>,
    /// Vendor label of the device the baseline was learned from.
    pub baseline_vendor: Option<String>,
    /// Other MACs seen on the port, with their last sighting.
    pub extras: Vec<(MacAddr, Timestamp)>,
    /// Last control-plane activity on the port (any MAC).
    pub last_activity: Option<Timestamp>,
    /// The port has carried a device.
    pub carried: bool,
    /// DNA of the last occupant (for port-orphaned).
    pub last_dna: Option<DnaId>,
    /// MAC of the last occupant.
    pub last_mac: Option<MacAddr>,
    /// Link state from the last poll.
    pub link_up: Option<bool>,
    /// Last time a poll saw the link down.
    pub link_down_at: Option<Timestamp>,
    /// When the port was last polled.
    pub polled_at: Option<Timestamp>,
    /// MACs of the forwarding table at the last poll.
    pub fdb: Vec<MacAddr>,
    /// Last bridge-capable LLDP/CDP neighbor (frame or SNMP neighbor table).
    pub bridge_at: Option<Timestamp>,
    /// Last BPDU received from the port.
    pub bpdu_at: Option<Timestamp>,
    /// port-topology-changed active.
    pub topology_active: bool,
    /// EAPOL seen on the port.
    pub eapol_seen: bool,
    /// The switch enforces 802.1X on the port (SNMP port control `auto`).
    pub dot1x_enforced: bool,
    /// SNMP says the port is authorised (802.1X).
    pub dot1x_authorized: Option<bool>,
    /// port-orphaned raised.
    pub orphaned: bool,
    /// The controls last announced for the port.
    pub controls: Vec<String>,
}

/// A port as the engine keeps it.
#[derive(Debug, Clone)]
pub struct PortState {
    /// Which port.
    pub port: PortRef,
    /// Index of the port profile that applies (`None`: defaults).
    pub profile: Option<usize>,
    /// Persistent facts.
    pub d: PortData,
    /// The baseline: outlives its occupant.
    pub baseline: Option<Baseline>,
    /// Id of the baseline vector (kept in step with it).
    pub baseline_id: Option<DnaId>,
    /// Bumped on every baseline change (memoised similarities are compared against it).
    pub baseline_version: u64,
    /// (DNA id, baseline version) of the last similarity computed.
    pub scored: Option<(DnaId, u64)>,
    /// Earliest timer entry queued for the port.
    pub scheduled: Option<i64>,
    /// Changed since the last `take_dirty`.
    pub dirty: bool,
    /// Baseline version in the last record taken (its baseline is not written again).
    pub recorded_baseline: Option<u64>,
}

impl PortState {
    /// A fresh port.
    pub fn new(port: PortRef, profile: Option<usize>) -> PortState {
        PortState {
            port,
            profile,
            d: PortData::default(),
            baseline: None,
            baseline_id: None,
            baseline_version: 0,
            scored: None,
            scheduled: None,
            dirty: true,
            recorded_baseline: None,
        }
    }

    /// Replaces the baseline (or starts one).
    pub fn set_baseline(&mut self, b: Baseline) {
        self.baseline_id = Some(b.id());
        self.baseline = Some(b);
        self.baseline_version += 1;
    }

    /// The occupant, when it is still on the port (not departed).
    pub fn present(&self) -> Option<&Occupant> {
        self.d.occupant.as_ref().filter(|o| !o.departed)
    }

    /// Whether the occupant is gone for good enough to be replaced by another MAC: departed,
    /// said it was leaving, the link went down since it last spoke, or a poll after its last
    /// sighting no longer has it in the forwarding table while the newcomer is.
    pub fn occupant_gone(&self, newcomer: MacAddr) -> bool {
        let Some(o) = &self.d.occupant else {
            return true;
        };
        if o.departed || o.leaving {
            return true;
        }
        if self.d.link_down_at.is_some_and(|t| t >= o.last_seen) {
            return true;
        }
        self.d.polled_at.is_some_and(|t| t >= o.last_seen)
            && !self.d.fdb.is_empty()
            && !self.d.fdb.contains(&o.mac)
            && self.d.fdb.contains(&newcomer)
    }
}
