//! Drift events: what the engine raises and the emitter, store and API consume.
//!
//! Contract: `spec/sensor-syslog-and-api-reference.txt` sections 2–5 and DESIGN.md section 6.
//! An [`Event`] carries the six fields every event has (`event_id`, `event`, `severity`,
//! `timestamp`, `site`, `port`) and the optional event-specific fields of the field reference,
//! declared in the order the reference's sample messages show them, so serialisation (JSON for
//! the store and API, structured data for syslog) keeps that order. JSON keys are the
//! structured-data field names. Pure: no I/O, no clock (the caller hands in the time and the
//! randomness of the event id).

mod id;
pub mod sample;
pub mod scenario;
pub(crate) mod time;
mod types;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

pub use id::{EventId, EventIdError};
pub use time::{TimeParseError, parse_rfc3339};
pub use types::{EventType, NdaaStatus, Priority, Severity};

/// One drift event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// `evt_` + ULID; unique across the deployment (SIEMs de-duplicate on it).
    pub event_id: EventId,
    /// One of the twelve event types.
    pub event: EventType,
    /// `high` / `medium` / `low` (the type's default, see [`EventType::severity`]).
    pub severity: Severity,
    /// When the event was raised, UTC, millisecond precision.
    #[serde(with = "time::millis")]
    pub timestamp: Timestamp,
    /// Customer-assigned site identifier.
    pub site: String,
    /// Switch host name or management identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch: Option<String>,
    /// Switch interface (`Gi1/0/24`).
    pub port: String,
    /// Current Device DNA (device-scoped events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_dna: Option<String>,
    /// Prior Device DNA on the same port (change events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_dna: Option<String>,
    /// Change events: the current Device DNA (equal to `device_dna`), the name the
    /// reference's sample message gives it. Set by [`Event::fill_change_fields`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_dna: Option<String>,
    /// Current vs previous similarity, 0 to 1 (change events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// The configured threshold the similarity was compared with (change events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Vendor + model resolved for the previous occupant (substitutions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_vendor: Option<String>,
    /// Change events: vendor + model of the current device (equal to `vendor`, `unknown` when
    /// none was resolved). Set by [`Event::fill_change_fields`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_vendor: Option<String>,
    /// Vendor + model resolved from the reference database (identity-resolved events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Reference-database match confidence, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// NDAA Section 889 status (NDAA events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ndaa_status: Option<NdaaStatus>,
    /// MITRE ATT&CK technique ids (`T1200`); comma-separated in syslog.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mitre: Vec<String>,
    /// Framework-control ids the port carries (`PCI-4.0/12.5.1`); comma-separated in syslog.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<String>,
    /// Whether an approved change window covers the event's time and port (change events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_window_match: Option<bool>,
    /// The features that moved the similarity most, as `+family.feature` / `-family.feature`
    /// names without values (`+lldp.med.model`, `-dhcp.prl`), so an analyst sees why;
    /// comma-separated in syslog (the values are in the device timeline).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// device-appeared: whether the device has not (yet) authenticated with 802.1X.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unenrolled: Option<bool>,
    /// Hardware address of the device concerned, lower-case colon hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// Set (true) only on the one event raised for a port flipping between DNAs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flapping: Option<bool>,
    /// device-substituted: the newcomer claims the departed device's identity (CDP platform,
    /// LLDP system description, LLDP-MED model) while its hard signals contradict it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impersonation: Option<bool>,
    /// device-appeared: the port a known DNA moved from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<MovedFrom>,
}

/// Where a device that moved came from (`moved_from` of device-appeared).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovedFrom {
    /// Switch name.
    pub switch: String,
    /// Interface name.
    pub port: String,
}

impl MovedFrom {
    /// `switch/port`, as RFC 5424 and CEF carry it (the switch first: split at the first `/`).
    pub fn joined(&self) -> String {
        format!("{}/{}", self.switch, self.port)
    }
}

impl Event {
    /// A new event with the six always-present fields; `random` supplies the 80 random bits of
    /// the ULID. The timestamp is truncated to the millisecond (the precision syslog carries),
    /// so an event read back from JSON or syslog equals the one raised.
    pub fn new(
        event: EventType,
        timestamp: Timestamp,
        random: u128,
        site: impl Into<String>,
        port: impl Into<String>,
    ) -> Event {
        let timestamp = Timestamp(timestamp.0 - timestamp.0.rem_euclid(1000));
        Event {
            event_id: EventId::new(timestamp, random),
            event,
            severity: event.severity(),
            timestamp,
            site: site.into(),
            switch: None,
            port: port.into(),
            device_dna: None,
            previous_dna: None,
            current_dna: None,
            similarity: None,
            threshold: None,
            previous_vendor: None,
            current_vendor: None,
            vendor: None,
            confidence: None,
            ndaa_status: None,
            mitre: Vec::new(),
            controls: Vec::new(),
            change_window_match: None,
            changed: Vec::new(),
            unenrolled: None,
            mac: None,
            flapping: None,
            impersonation: None,
            moved_from: None,
        }
    }

    /// Fills the fields derived from others, once, right before the event is stored and sent:
    /// on change events (those with `previous_dna` and a current device, `device_dna`)
    /// `current_dna` = `device_dna` and `current_vendor` = `vendor` (or `unknown`), as the
    /// reference's sample message shows; elsewhere (a port-orphaned event names only the
    /// device that was there) both are cleared. `changed` loses repeated names (two words of one system
    /// description both read `+lldp.descr`), keeping the first (largest) one's place.
    pub fn fill_change_fields(&mut self) {
        if self.previous_dna.is_some() && self.device_dna.is_some() {
            self.current_dna = self.device_dna.clone();
            self.current_vendor = Some(
                self.vendor
                    .clone()
                    .filter(|v| !v.trim().is_empty())
                    .unwrap_or_else(|| "unknown".to_owned()),
            );
        } else {
            self.current_dna = None;
            self.current_vendor = None;
        }
        let mut seen = std::collections::HashSet::new();
        self.changed.retain(|c| seen.insert(c.clone()));
    }

    /// The event's priority (P1 pages, P4 is informational).
    pub fn priority(&self) -> Priority {
        self.event.priority()
    }

    /// Appends the human summary (the syslog MSG) to `out`:
    /// `Substituted device on port Gi1/0/24, switch core-sw-02, site hq-bldg-3. Severity high.`
    pub fn write_summary(&self, out: &mut String) {
        out.push_str(self.event.summary_phrase());
        if self.event == EventType::DeviceAppeared && self.unenrolled == Some(true) {
            out.push_str(" (unenrolled)");
        }
        out.push_str(" on port ");
        out.push_str(&self.port);
        if let Some(sw) = &self.switch {
            out.push_str(", switch ");
            out.push_str(sw);
        }
        out.push_str(", site ");
        out.push_str(&self.site);
        out.push_str(". Severity ");
        out.push_str(self.severity.as_str());
        out.push('.');
    }

    /// The human summary as a new string.
    pub fn summary(&self) -> String {
        let mut s = String::with_capacity(96);
        self.write_summary(&mut s);
        s
    }

    /// Rounds a score to 4 decimals, the precision events carry (`0.31`, `0.6512`).
    pub fn round_score(v: f64) -> f64 {
        (v * 10_000.0).round() / 10_000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn substituted() -> Event {
        let mut e = Event::new(
            EventType::DeviceSubstituted,
            Timestamp::from_secs_micros(1_778_432_892, 482_113),
            7,
            "hq-bldg-3",
            "Gi1/0/24",
        );
        e.switch = Some("core-sw-02".into());
        e.previous_dna = Some("dna:5f8d2a1b".into());
        e.device_dna = Some("dna:7e9c4d2f".into());
        e.similarity = Some(0.31);
        e.threshold = Some(0.65);
        e.mitre = vec!["T1200".into(), "T1556".into()];
        e.controls = vec!["PCI-4.0/12.5.1".into(), "SOC2/CC6.1".into()];
        e
    }

    #[test]
    fn summary_matches_the_reference_sample() {
        assert_eq!(
            substituted().summary(),
            "Substituted device on port Gi1/0/24, switch core-sw-02, site hq-bldg-3. Severity high."
        );
    }

    #[test]
    fn json_round_trips_in_reference_order() {
        let e = substituted();
        let j = serde_json::to_string(&e).unwrap();
        assert!(j.starts_with(
            "{\"event_id\":\"evt_01KR9DRQJ20000000000000007\",\"event\":\"device-substituted\",\"severity\":\"high\",\"timestamp\":\"2026-05-10T17:08:12.482Z\",\"site\":\"hq-bldg-3\",\"switch\":\"core-sw-02\",\"port\":\"Gi1/0/24\""
        ), "{j}");
        let back: Event = serde_json::from_str(&j).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.timestamp.0 % 1000, 0);
    }

    #[test]
    fn unknown_json_key_is_rejected() {
        let mut v = serde_json::to_value(substituted()).unwrap();
        v["bogus"] = serde_json::json!(1);
        assert!(serde_json::from_value::<Event>(v).is_err());
    }
}
