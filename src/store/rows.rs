//! What the pipeline writes: one plain row type per table, independent of the modules that
//! produce them.

use crate::clock::Timestamp;
use crate::event::Event;

/// A switch after a poll (`switches`).
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchRow {
    /// Configured name.
    pub name: String,
    /// `ok` or `unreachable`.
    pub status: String,
    /// Why it is unreachable.
    pub reason: Option<String>,
    /// sysDescr.
    pub sys_descr: Option<String>,
    /// sysObjectID.
    pub sys_object_id: Option<String>,
    /// Chassis model.
    pub model: Option<String>,
    /// Chassis serial.
    pub serial: Option<String>,
    /// Poll time.
    pub polled_at: Timestamp,
}

/// A switch port after a poll (`ports`).
#[derive(Debug, Clone, PartialEq)]
pub struct PortRow {
    /// Switch name.
    pub switch: String,
    /// Interface name.
    pub port: String,
    /// ifIndex.
    pub if_index: Option<u32>,
    /// ifAlias.
    pub alias: Option<String>,
    /// ifOperStatus.
    pub oper_status: Option<String>,
    /// ifHighSpeed.
    pub speed_mbps: Option<u64>,
    /// Trunk/uplink (not an edge location).
    pub uplink: bool,
    /// MACs the FDB holds behind it.
    pub macs: u32,
    /// PoE class.
    pub poe_class: Option<u8>,
    /// 802.1X PAE state.
    pub dot1x: Option<String>,
    /// Poll time.
    pub updated_at: Timestamp,
}

/// A device (`devices`), keyed by MAC.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRow {
    /// Lower-case colon hex.
    pub mac: String,
    /// Switch it was last attributed to.
    pub switch: Option<String>,
    /// Port it was last attributed to.
    pub port: Option<String>,
    /// Resolved vendor.
    pub vendor: Option<String>,
    /// Resolved model.
    pub model: Option<String>,
    /// Resolved class.
    pub class: Option<String>,
    /// Identity confidence.
    pub confidence: Option<f64>,
    /// NDAA status.
    pub ndaa_status: Option<String>,
    /// LLDP-MED serial.
    pub serial: Option<String>,
    /// Current DNA id.
    pub dna: Option<String>,
    /// The DNA's weighted tokens as JSON (for explain).
    pub tokens: Option<String>,
    /// VLAN it was last seen in (the frame's outermost tag, else the forwarding-table entry
    /// that placed it); `None` in a write: unchanged.
    pub vlan: Option<u16>,
    /// IPv4 address it last used (ARP, DHCP, CDP/LLDP management address); `None` in a write:
    /// unchanged.
    pub ip: Option<String>,
    /// First seen (kept from the first write).
    pub first_seen: Timestamp,
    /// Last seen.
    pub last_seen: Timestamp,
    /// Observations merged so far.
    pub observations: u64,
}

/// A device seen again with nothing new to say (`devices`: its attribution, last sighting and
/// count only; the row exists).
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSeenRow {
    /// Lower-case colon hex.
    pub mac: String,
    /// Switch it was attributed to.
    pub switch: String,
    /// Port it was attributed to.
    pub port: String,
    /// VLAN it was last seen in; `None`: unchanged.
    pub vlan: Option<u16>,
    /// IPv4 address it last used; `None`: unchanged.
    pub ip: Option<String>,
    /// Last seen.
    pub last_seen: Timestamp,
    /// Observations merged so far.
    pub observations: u64,
}

/// One entry of a device's timeline (`observations`).
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationRow {
    /// Device MAC.
    pub mac: String,
    /// Frame time.
    pub ts: Timestamp,
    /// Switch attributed.
    pub switch: Option<String>,
    /// Port attributed.
    pub port: Option<String>,
    /// Protocol (`lldp`, `dhcp`, …).
    pub proto: String,
    /// How the port was found (`tap`, `neighbor`, `fdb`, `option82`).
    pub via: Option<String>,
    /// DNA id after this observation.
    pub dna: Option<String>,
}

/// The engine's state of one port (`port_state`).
#[derive(Debug, Clone, PartialEq)]
pub struct PortStateRow {
    /// Switch name.
    pub switch: String,
    /// Interface name.
    pub port: String,
    /// The baseline vector; `None` in a write: unchanged.
    pub baseline: Option<Vec<f32>>,
    /// The baseline's tokens and counters, JSON; `None` in a write: unchanged.
    pub baseline_meta: Option<String>,
    /// Everything else, JSON.
    pub state: String,
    /// When it changed.
    pub updated_at: Timestamp,
}

/// One write for the [`Writer`](super::Writer).
#[derive(Debug, Clone)]
pub enum Write {
    /// Upsert a switch.
    Switch(SwitchRow),
    /// Upsert a port.
    Port(PortRow),
    /// Upsert a device.
    Device(DeviceRow),
    /// A known device seen again.
    DeviceSeen(DeviceSeenRow),
    /// Append to a timeline.
    Observation(ObservationRow),
    /// Upsert a port's engine state.
    PortState(PortStateRow),
    /// Append events (and put them in the syslog outbox), and upsert the state of the ports
    /// that raised them, all in one transaction: a crash keeps both or neither.
    Events {
        /// The events, in the order raised.
        events: Vec<Event>,
        /// The engine state of the ports that raised them.
        states: Vec<PortStateRow>,
    },
}

/// Little-endian bytes of a vector.
pub fn vector_blob(v: &[f32]) -> Vec<u8> {
    let mut b = Vec::with_capacity(v.len() * 4);
    for x in v {
        b.extend_from_slice(&x.to_le_bytes());
    }
    b
}

/// A vector from its little-endian bytes; `None` when the length is not a multiple of 4.
pub fn blob_vector(b: &[u8]) -> Option<Vec<f32>> {
    if b.len() % 4 != 0 {
        return None;
    }
    Some(
        b.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}
