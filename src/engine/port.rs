//! Per-port state: the port's residents (each device with its own DNA, baselines, presence
//! pattern and 802.1X state), the port's SNMP facts, topology evidence, hold-downs and flap
//! tracking.

use serde::{Deserialize, Serialize};

use super::band::Band;
use crate::attribution::PortRef;
use crate::clock::Timestamp;
use crate::dna::{Baseline, Dna, DnaId};
use crate::event::EventType;
use crate::refdb::{DeviceClass, NdaaStatus};
use crate::wire::MacAddr;

/// Where a resident stands in the port model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// New to the port: its DNA is not mature yet, nothing was raised for it.
    #[default]
    Newcomer,
    /// Judged (appeared, replaced a predecessor, substituted, moved or returned): it has a
    /// baseline of its own.
    Settled,
}

/// One device (MAC) attributed to a port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resident {
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
    /// Certainty of the resolved class (per-attribute, as the reference database keeps it).
    #[serde(default)]
    pub class_certainty: f64,
    /// Identity confidence (the certainty of the reported vendor).
    pub confidence: f64,
    /// NDAA status.
    pub ndaa: NdaaStatus,
    /// The confidence last reported.
    pub reported_confidence: f64,
    /// Its announcements claim an identity its own hard signals contradict.
    #[serde(default)]
    pub contradicted: bool,
    /// A hard signal disputes its claims (a substitution by it is flagged as impersonation).
    #[serde(default)]
    pub disputed: bool,
    /// The mode its latest DNA matched.
    #[serde(default)]
    pub mode: u8,
    /// The mode its DNA matched when its confidence was last reported (a device speaking two
    /// ways has a confidence per way: moving between them is no confidence change).
    #[serde(default)]
    pub report_mode: u8,
    /// The vendor its announcements claim (CDP platform, LLDP system description, LLDP-MED).
    #[serde(default)]
    pub claim: Option<String>,
    /// Vendor label of the device its first baseline was learned from.
    #[serde(default)]
    pub baseline_vendor: Option<String>,
    /// Stage in the port model.
    #[serde(default)]
    pub stage: Stage,
    /// First sighting on this port.
    pub first_seen: Timestamp,
    /// Start of its current stay (after an absence).
    pub since: Timestamp,
    /// Last sighting.
    pub last_seen: Timestamp,
    /// Sightings.
    pub sightings: u64,
    /// Its usual signal interval (EWMA of gaps ≥ 10 s), µs.
    pub interval_us: Option<i64>,
    /// Its longest usual announcement (LLDP/CDP/EDP/FDP) interval, µs (0: none yet).
    #[serde(default)]
    pub announce_us: i64,
    /// Its last announcement.
    #[serde(default)]
    pub announced_at: Option<Timestamp>,
    /// Its LLDP/CDP TTL, µs.
    pub ttl_us: i64,
    /// Similarity band of its DNA against its own baseline.
    pub band: Band,
    /// Last similarity to its baseline.
    pub similarity: Option<f32>,
    /// When its current DNA first stopped matching its baseline (settle window start).
    #[serde(default)]
    pub deviant_since: Option<Timestamp>,
    /// Sightings in a row with a DNA off its baseline (a deviation is judged only once seen
    /// twice: two agents alternating behind one MAC never are).
    #[serde(default)]
    pub deviant_seen: u32,
    /// The DNA a substitution was raised for: not judged into a second page while it stays.
    #[serde(default)]
    pub suspect: Option<DnaId>,
    /// Presence pattern: stays that followed an absence longer than its departure wait.
    #[serde(default)]
    pub absences: u32,
    /// Presence pattern: its longest usual absence, µs.
    #[serde(default)]
    pub absence_us: i64,
    /// Authenticator-confirmed 802.1X success for it.
    pub enrolled: bool,
    /// It said it is leaving (LLDP TTL 0 / EAPOL-Logoff).
    pub leaving: bool,
    /// Gone: device-departed raised (or it was replaced or moved away).
    pub departed: bool,
    /// A newcomer took its place (it is not compared with another newcomer again).
    #[serde(default)]
    pub succeeded: bool,
    /// It arrived after an established resident fell silent and has not been compared with
    /// it: compared when that resident turns out to be gone (case (b) on unpolled ports).
    #[serde(default)]
    pub successor_of: Option<MacAddr>,
    /// device-silent-extended active.
    pub silent: bool,
    /// unenrolled-flagged raised for it.
    pub unenrolled: bool,
    /// ndaa-prohibited-detected active.
    pub ndaa_active: bool,
    /// device-class-mismatch active.
    pub class_active: bool,
    /// DNA last folded into its baseline, and when.
    pub folded: Option<(DnaId, Timestamp)>,
    /// Its baselines: a few modes of one device (index 0 first learned). Persisted apart.
    #[serde(skip)]
    pub modes: Vec<Baseline>,
    /// (DNA id, port baseline version, best mode, similarity) of the last comparison with its
    /// modes: a DNA seen again against unchanged baselines is not compared again.
    #[serde(skip)]
    pub memo: Option<(DnaId, u64, usize, f32)>,
    /// Its latest DNA while it is not mature or not judged yet (judged at the settle deadline
    /// even when it says nothing more).
    #[serde(skip)]
    pub pending: Option<Box<Dna>>,
}

impl Resident {
    /// A newcomer first heard at `ts`.
    pub fn new(mac: MacAddr, dna: DnaId, ts: Timestamp) -> Resident {
        Resident {
            mac,
            serial: None,
            dna,
            vendor: None,
            model: None,
            class: DeviceClass::Unknown,
            class_certainty: 0.0,
            confidence: 0.0,
            ndaa: NdaaStatus::Unknown,
            reported_confidence: 0.0,
            contradicted: false,
            disputed: false,
            mode: 0,
            report_mode: 0,
            claim: None,
            baseline_vendor: None,
            stage: Stage::Newcomer,
            first_seen: ts,
            since: ts,
            last_seen: ts,
            sightings: 1,
            interval_us: None,
            announce_us: 0,
            announced_at: None,
            ttl_us: 0,
            band: Band::Match,
            similarity: None,
            deviant_since: None,
            deviant_seen: 0,
            suspect: None,
            absences: 0,
            absence_us: 0,
            enrolled: false,
            leaving: false,
            departed: false,
            succeeded: false,
            successor_of: None,
            silent: false,
            unenrolled: false,
            ndaa_active: false,
            class_active: false,
            folded: None,
            modes: Vec::new(),
            memo: None,
            pending: None,
        }
    }

    /// `Vendor Model` as events carry it (`unknown` when unresolved).
    pub fn vendor_label(&self) -> String {
        vendor_label(self.vendor.as_deref(), self.model.as_deref())
    }

    /// The id of its first baseline.
    pub fn baseline_id(&self) -> Option<DnaId> {
        self.modes.first().map(Baseline::id)
    }

    /// Judged and still on the port.
    pub fn present(&self) -> bool {
        self.stage == Stage::Settled && !self.departed
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

/// A hold-down: `event` for `mac` on the port is not raised again before `until`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    /// The device.
    pub mac: Option<MacAddr>,
    /// The event type.
    pub event: EventType,
    /// End of the hold-down, µs.
    pub until: i64,
}

/// The persistent facts of a port (everything but the baselines and the scheduler's
/// bookkeeping).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PortData {
    /// Devices attributed to the port, present or gone (gone ones are remembered for
    /// `remember_departed`).
    #[serde(default)]
    pub residents: Vec<Resident>,
    /// Last control-plane activity on the port (any MAC).
    pub last_activity: Option<Timestamp>,
    /// The port has carried a device.
    pub carried: bool,
    /// DNA of the last resident that left (for port-orphaned).
    pub last_dna: Option<DnaId>,
    /// MAC of the last resident that left.
    pub last_mac: Option<MacAddr>,
    /// Link state from the last poll.
    pub link_up: Option<bool>,
    /// Last time a poll saw the link down.
    pub link_down_at: Option<Timestamp>,
    /// When the port was last polled with a complete table.
    pub polled_at: Option<Timestamp>,
    /// MACs of the forwarding table at the last complete poll.
    pub fdb: Vec<MacAddr>,
    /// Last poll that found more MACs behind the port than an edge port carries.
    #[serde(default)]
    pub crowded_at: Option<Timestamp>,
    /// Last complete poll that found no more MACs than an edge port carries.
    #[serde(default)]
    pub uncrowded_at: Option<Timestamp>,
    /// Last bridge-capable LLDP/CDP neighbor (frame or SNMP neighbor table).
    pub bridge_at: Option<Timestamp>,
    /// Last BPDU received from the port.
    pub bpdu_at: Option<Timestamp>,
    /// port-topology-changed active.
    pub topology_active: bool,
    /// The residents counted when port-topology-changed last paged: the condition rising
    /// again with no resident beyond them (and no extra hop) is the same change.
    #[serde(default)]
    pub topology_paged: Vec<MacAddr>,
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
    /// Hold-downs in force.
    #[serde(default)]
    pub holds: Vec<Hold>,
    /// Times the port's DNA flipped (a substitution, the original returning, a replacement)
    /// within the flap window.
    #[serde(default)]
    pub flips: Vec<Timestamp>,
    /// The one `flapping` event was raised; quiet until no flip for `flap_stable`.
    #[serde(default)]
    pub flapping: bool,
    /// When the one `flapping` event was raised (while `flapping`).
    #[serde(default)]
    pub flap_raised: Option<Timestamp>,
    /// EAP-Success frames the device sent itself (not the authenticator): anomalies.
    #[serde(default)]
    pub forged_success: u32,
}

impl PortData {
    /// The resident with this MAC.
    pub fn resident(&self, mac: MacAddr) -> Option<&Resident> {
        self.residents.iter().find(|r| r.mac == mac)
    }

    /// Its position.
    pub fn position(&self, mac: MacAddr) -> Option<usize> {
        self.residents.iter().position(|r| r.mac == mac)
    }

    /// The resident an inventory shows for the port: the longest-present judged resident,
    /// else the one heard last.
    pub fn primary(&self) -> Option<&Resident> {
        self.residents
            .iter()
            .filter(|r| r.present())
            .min_by_key(|r| (r.first_seen, r.mac))
            .or_else(|| self.residents.iter().max_by_key(|r| r.last_seen))
    }

    /// Whether the resident is gone by the port's evidence: departed, said it was leaving, the
    /// link went down since it last spoke, or a complete poll after its last sighting no
    /// longer has it in the forwarding table.
    pub fn gone(&self, r: &Resident) -> bool {
        if r.departed || r.leaving {
            return true;
        }
        if self.link_down_at.is_some_and(|t| t >= r.last_seen) {
            return true;
        }
        self.polled_at.is_some_and(|t| t >= r.last_seen)
            && !self.fdb.is_empty()
            && !self.fdb.contains(&r.mac)
    }
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
    /// Bumped on every baseline change of any resident (the record writes the baselines
    /// again only then).
    pub baseline_version: u64,
    /// Earliest timer entry queued for the port.
    pub scheduled: Option<i64>,
    /// Changed since the last `take_dirty`.
    pub dirty: bool,
    /// Baseline version in the last record taken.
    pub recorded_baseline: Option<u64>,
}

impl PortState {
    /// A fresh port.
    pub fn new(port: PortRef, profile: Option<usize>) -> PortState {
        PortState {
            port,
            profile,
            d: PortData::default(),
            baseline_version: 0,
            scheduled: None,
            dirty: true,
            recorded_baseline: None,
        }
    }
}
