//! The read side the API serves: every query the handlers make, behind [`ReadStore`].
//!
//! The appliance's implementation is [`SqliteRead`] over the sensor's own database; a fleet
//! store (PostgreSQL, `cybriq hub`) implements the same trait, so the handlers do not change.
//! Every list is keyset-paginated: a page is the rows after the [`Cursor`] the previous page
//! returned, in a fixed total order (devices by MAC, events in the order raised), so a row that
//! exists for the whole walk is returned exactly once however many rows are written meanwhile.
//! The cursor is opaque to clients (`next_cursor`; `null` at the end).

pub mod changes;
pub mod schema;
mod sqlite;

use serde::Serialize;
use utoipa::ToSchema;

use super::StoreError;
use super::controls::{ChangeWindowRow, ChangeWindowView, SuppressionRow, SuppressionView};
use crate::clock::Timestamp;

pub use changes::FeatureChange;
pub use sqlite::{Pool, SqliteRead};

/// The key a page starts after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// Inventory: the last MAC returned.
    Device(String),
    /// Events: the last sequence number returned.
    Event(i64),
    /// A device timeline: the last entry id returned.
    Observation(i64),
    /// Change windows: the last sequence number returned.
    ChangeWindow(i64),
}

/// Why a cursor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Not a cursor this API issued.
    #[error("not a cursor this API issued")]
    Malformed,
    /// A cursor of another list.
    #[error("a cursor of another list")]
    WrongList,
}

const CURSOR_VERSION: &str = "c1";

impl Cursor {
    /// The opaque text form (`next_cursor`).
    pub fn encode(&self) -> String {
        let raw = match self {
            Cursor::Device(mac) => format!("{CURSOR_VERSION}:d:{mac}"),
            Cursor::Event(seq) => format!("{CURSOR_VERSION}:e:{seq}"),
            Cursor::Observation(id) => format!("{CURSOR_VERSION}:o:{id}"),
            Cursor::ChangeWindow(seq) => format!("{CURSOR_VERSION}:w:{seq}"),
        };
        let mut out = String::with_capacity(raw.len() * 2);
        for b in raw.bytes() {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    /// Parses a cursor of the list `kind` (`'d'` devices, `'e'` events, `'o'` timelines).
    fn decode(s: &str, kind: char) -> Result<Cursor, CursorError> {
        if s.is_empty() || s.len() % 2 != 0 || s.len() > 512 {
            return Err(CursorError::Malformed);
        }
        let bytes: Option<Vec<u8>> = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
            .collect();
        let raw = bytes
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or(CursorError::Malformed)?;
        let mut parts = raw.splitn(3, ':');
        let (v, k, key) = (parts.next(), parts.next(), parts.next());
        if v != Some(CURSOR_VERSION) {
            return Err(CursorError::Malformed);
        }
        let key = key.ok_or(CursorError::Malformed)?;
        match k {
            Some("d") if kind == 'd' && !key.is_empty() => Ok(Cursor::Device(key.to_owned())),
            Some("e") if kind == 'e' => key
                .parse::<i64>()
                .map(Cursor::Event)
                .map_err(|_| CursorError::Malformed),
            Some("o") if kind == 'o' => key
                .parse::<i64>()
                .map(Cursor::Observation)
                .map_err(|_| CursorError::Malformed),
            Some("w") if kind == 'w' => key
                .parse::<i64>()
                .map(Cursor::ChangeWindow)
                .map_err(|_| CursorError::Malformed),
            Some("d" | "e" | "o" | "w") => Err(CursorError::WrongList),
            _ => Err(CursorError::Malformed),
        }
    }

    /// Parses an inventory cursor.
    pub fn device(s: &str) -> Result<Cursor, CursorError> {
        Cursor::decode(s, 'd')
    }

    /// Parses an event-list cursor.
    pub fn event(s: &str) -> Result<Cursor, CursorError> {
        Cursor::decode(s, 'e')
    }

    /// Parses a timeline cursor.
    pub fn observation(s: &str) -> Result<Cursor, CursorError> {
        Cursor::decode(s, 'o')
    }

    /// Parses a change-window list cursor.
    pub fn change_window(s: &str) -> Result<Cursor, CursorError> {
        Cursor::decode(s, 'w')
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows, in the list's order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` at the end.
    pub next: Option<Cursor>,
}

/// Inventory filters (reference section 8, plus "where is this MAC plugged in").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InventoryFilter {
    /// Site.
    pub site: Option<String>,
    /// VLAN the device was last seen on.
    pub vlan: Option<u16>,
    /// Case-insensitive substring of vendor + model.
    pub vendor: Option<String>,
    /// `prohibited`, `clean` or `unknown`.
    pub ndaa_status: Option<String>,
    /// First seen strictly after.
    pub first_seen_after: Option<Timestamp>,
    /// Last seen strictly before.
    pub last_seen_before: Option<Timestamp>,
    /// Lower-case colon hex.
    pub mac: Option<String>,
    /// IPv4 or IPv6 address as text.
    pub ip: Option<String>,
    /// Switch name.
    pub switch: Option<String>,
    /// Interface name.
    pub port: Option<String>,
}

/// Drift-history filters (reference section 10).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Site.
    pub site: Option<String>,
    /// Switch name.
    pub switch: Option<String>,
    /// Interface name.
    pub port: Option<String>,
    /// Raised at or after.
    pub since: Option<Timestamp>,
    /// Raised before.
    pub until: Option<Timestamp>,
}

/// One device in the inventory (reference section 8).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DeviceSummary {
    /// Current Device DNA (`null` before the first DNA is built).
    pub device_dna: Option<String>,
    /// Hardware address, lower-case colon hex.
    pub mac: String,
    /// Site.
    pub site: String,
    /// Switch it was last seen behind.
    pub switch: Option<String>,
    /// Port it was last seen on.
    pub port: Option<String>,
    /// VLAN it was last seen on.
    pub vlan: Option<u16>,
    /// IP address it was last seen with.
    pub ip: Option<String>,
    /// Vendor and model from the reference database.
    pub vendor: Option<String>,
    /// Device class (`ip-phone`, `camera`, …).
    pub class: Option<String>,
    /// Identity confidence, 0 to 1.
    pub confidence: Option<f64>,
    /// `prohibited`, `clean` or `unknown`.
    pub ndaa_status: String,
    /// First seen (RFC 3339 UTC).
    pub first_seen: String,
    /// Last seen (RFC 3339 UTC).
    pub last_seen: String,
}

/// One stored event (its JSON as raised, keys as the syslog field reference).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Order raised.
    pub seq: i64,
    /// When raised.
    pub ts: Timestamp,
    /// The event object.
    pub json: serde_json::Value,
}

/// One entry of a device's similarity history.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SimilarityPoint {
    /// The event that carried it.
    pub event_id: String,
    /// Its type.
    pub event: String,
    /// When (RFC 3339 UTC).
    pub timestamp: String,
    /// Similarity of current to previous DNA.
    pub similarity: f64,
    /// The previous DNA.
    pub previous_dna: Option<String>,
}

/// One weighted token of a device's signal set.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, ToSchema)]
pub struct Signal {
    /// The token (`lldp.med.model:cp-8851`).
    pub token: String,
    /// Its feature family.
    pub family: String,
    /// Its weight in the DNA vector.
    pub weight: f64,
}

/// A device's full record (reference section 9).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DeviceDetail {
    /// The inventory fields.
    #[serde(flatten)]
    pub summary: DeviceSummary,
    /// Resolved model.
    pub model: Option<String>,
    /// LLDP-MED serial number.
    pub serial: Option<String>,
    /// Framework controls the device's port carries (from its latest event that lists them).
    pub controls: Vec<String>,
    /// Ids of the events tied to this device, oldest first (at most 1,000, the newest).
    pub events: Vec<String>,
    /// The collected signal set: the DNA's weighted tokens.
    pub signals: Vec<Signal>,
    /// Similarity of each change event, oldest first.
    pub similarity_history: Vec<SimilarityPoint>,
    /// Other MACs currently carrying the same DNA.
    pub other_macs: Vec<String>,
    /// The audit trail of its events (acknowledgements, suppressions, …) and of the change
    /// windows listed, oldest first.
    pub audit: Vec<AuditEntry>,
    /// Suppressions posted for this device (or for its port, from events without a device),
    /// newest first.
    pub suppressions: Vec<SuppressionView>,
    /// Change windows that are not over and cover its port.
    pub change_windows: Vec<ChangeWindowView>,
}

/// One entry of a device's per-port timeline (store table `observations`): written when the
/// device is first seen on a port, when its DNA changes, and when it speaks a protocol for the
/// first time there.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TimelinePoint {
    /// Order written (the cursor key).
    #[serde(skip)]
    pub id: i64,
    /// Frame time (RFC 3339 UTC, microseconds).
    pub timestamp: String,
    /// Hardware address.
    pub mac: String,
    /// Switch attributed.
    pub switch: Option<String>,
    /// Port attributed.
    pub port: Option<String>,
    /// Protocol of the frame (`lldp`, `dhcp`, …).
    pub proto: String,
    /// How the port was found (`tap`, `neighbor`, `fdb`, `option82`).
    pub via: Option<String>,
    /// The device's DNA after this observation.
    pub device_dna: Option<String>,
    /// Its DNA before this observation (the previous entry of the same MAC; `null` for its
    /// first entry).
    pub previous_dna: Option<String>,
    /// The features whose values differ between `previous_dna` and `device_dna`, with both
    /// sides' values (the values behind an event's `changed`); empty when the DNA did not
    /// change, `null` when the token list of either DNA is not stored.
    pub changed: Option<Vec<FeatureChange>>,
}

/// A device whose DNA or port differs between the baseline and now.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Changed {
    /// Port now.
    pub port: Option<String>,
    /// Switch now.
    pub switch: Option<String>,
    /// Hardware address.
    pub mac: String,
    /// DNA at the baseline.
    pub from: Option<String>,
    /// DNA now.
    pub to: Option<String>,
    /// Similarity of the latest change event since the baseline that says one (`null`: none did).
    pub similarity: Option<f64>,
    /// Port at the baseline (differs from `port` for a move).
    pub previous_port: Option<String>,
    /// Switch at the baseline.
    pub previous_switch: Option<String>,
}

/// How one device differs between a baseline and now.
#[derive(Debug, Clone, PartialEq)]
pub enum DiffEntry {
    /// First seen after the baseline.
    Added(DeviceSummary),
    /// Seen before the baseline and not since.
    Removed(DeviceSummary),
    /// Seen on both sides, with another DNA or on another port now.
    Changed(Changed),
}

impl DiffEntry {
    /// The device's MAC (the diff's order and cursor).
    pub fn mac(&self) -> &str {
        match self {
            DiffEntry::Added(d) | DiffEntry::Removed(d) => &d.mac,
            DiffEntry::Changed(c) => &c.mac,
        }
    }
}

/// One entry of the audit trail (acknowledge, suppress, change-window, quarantine calls).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Order appended.
    #[serde(skip)]
    pub seq: i64,
    /// What it concerns (an event id, a device DNA, a token id).
    #[serde(skip)]
    pub target: String,
    /// `event.acknowledged`, …
    pub action: String,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// The token that made the call.
    pub token_id: Option<String>,
    /// The request that made it.
    pub request_id: Option<String>,
    /// What the caller said (operator, reason, note, …).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// What the API reads. Implementations are blocking (the server calls them off its async
/// threads) and safe to call from several threads at once.
pub trait ReadStore: Send + Sync + 'static {
    /// A number that changes whenever anything is committed to the store (by any process),
    /// so the API may answer an identical read from its last answer while it stays the same;
    /// `None` when the store cannot tell (nothing is then answered from memory).
    fn generation(&self) -> Option<u64> {
        None
    }

    /// One inventory page after `after` (`None`: the first), at most `limit` devices by MAC.
    fn inventory(
        &self,
        f: &InventoryFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<DeviceSummary>, StoreError>;

    /// How many devices match.
    fn inventory_count(&self, f: &InventoryFilter) -> Result<u64, StoreError>;

    /// The device currently carrying `dna` (the most recently seen one when several do), if it
    /// was seen at or after `seen_since`.
    fn device(&self, dna: &str, seen_since: Timestamp) -> Result<Option<DeviceDetail>, StoreError>;

    /// Events matching `f` in the order raised.
    fn events(
        &self,
        f: &EventFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<StoredEvent>, StoreError>;

    /// Events tied to a DNA (as current, previous or device DNA, or raised for a MAC that
    /// carries it), in the order raised; `None` when no device or event knows the DNA.
    fn events_by_device(
        &self,
        dna: &str,
        f: &EventFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Option<Page<StoredEvent>>, StoreError>;

    /// The devices that differ between `baseline` and now, by MAC: added (first seen after
    /// it), removed (seen before it and not since), changed (the DNA or port of its latest
    /// timeline entry at the baseline is not today's).
    fn inventory_diff(
        &self,
        baseline: Timestamp,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<DiffEntry>, StoreError>;

    /// The timeline of a DNA: entries that carry it or belong to a MAC that carries it now, in
    /// the order written; `None` when neither a device nor an entry knows the DNA.
    fn timeline(
        &self,
        dna: &str,
        f: &EventFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Option<Page<TimelinePoint>>, StoreError>;

    /// The event with this id (`evt_…`), if raised at or after `since`.
    fn event(&self, event_id: &str, since: Timestamp) -> Result<Option<StoredEvent>, StoreError>;

    /// The audit trail of these targets, oldest first.
    fn audit(&self, targets: &[String]) -> Result<Vec<AuditEntry>, StoreError>;

    /// The suppressions posted for a device's MAC, or for its (switch, port) from events
    /// without a device, newest first (at most 100).
    fn suppressions_of(
        &self,
        mac: &str,
        switch: Option<&str>,
        port: Option<&str>,
    ) -> Result<Vec<SuppressionRow>, StoreError>;

    /// Change windows in the order created after `after` (`current`: only those neither
    /// cancelled nor over at `now`).
    fn change_windows(
        &self,
        after: Option<&Cursor>,
        limit: usize,
        current: bool,
        now: Timestamp,
    ) -> Result<Page<ChangeWindowRow>, StoreError>;

    /// One change window by id (`cw_…`).
    fn change_window(&self, id: &str) -> Result<Option<ChangeWindowRow>, StoreError>;
}

/// A timestamp as RFC 3339 UTC with second precision (`2026-05-10T17:08:12Z`), as the
/// reference's API samples show.
pub fn rfc3339_secs(ts: Timestamp) -> String {
    let s = Timestamp(ts.secs() * 1_000_000)
        .rfc3339_millis()
        .to_string();
    match s.strip_suffix(".000Z") {
        Some(head) => format!("{head}Z"),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        let d = Cursor::Device("00:11:22:33:44:55".into());
        assert_eq!(Cursor::device(&d.encode()).unwrap(), d);
        let e = Cursor::Event(42);
        assert_eq!(Cursor::event(&e.encode()).unwrap(), e);
        assert_eq!(Cursor::event(&d.encode()), Err(CursorError::WrongList));
        assert_eq!(Cursor::device(&e.encode()), Err(CursorError::WrongList));
        let o = Cursor::Observation(7);
        assert_eq!(Cursor::observation(&o.encode()).unwrap(), o);
        assert_eq!(Cursor::event(&o.encode()), Err(CursorError::WrongList));
        let w = Cursor::ChangeWindow(3);
        assert_eq!(Cursor::change_window(&w.encode()).unwrap(), w);
        assert_eq!(Cursor::event(&w.encode()), Err(CursorError::WrongList));
        for bad in ["", "zz", "abc", "6331", &"00".repeat(300)] {
            assert_eq!(Cursor::device(bad), Err(CursorError::Malformed), "{bad}");
        }
        let forged: String = "c1:e:x".bytes().map(|b| format!("{b:02x}")).collect();
        assert_eq!(Cursor::event(&forged), Err(CursorError::Malformed));
    }

    #[test]
    fn api_times_have_second_precision() {
        assert_eq!(
            rfc3339_secs(Timestamp::from_secs_micros(1_778_432_892, 482_113)),
            "2026-05-10T17:08:12Z"
        );
    }
}
