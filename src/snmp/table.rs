//! The port table: what one poll learned about one switch. Plain serde structs; `cybriq poll
//! --json` prints them and replay reads them back (`--fdb FILE`), so they are `Deserialize` too.

use serde::{Deserialize, Serialize};

/// Whether the switch answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Reachability {
    /// The switch answered (possibly with anomalies).
    #[default]
    Ok,
    /// The switch did not answer its first request; `reason` says why. Its ports are unknown,
    /// never "empty".
    Unreachable,
}

/// One switch's port table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PortTable {
    /// Identity of the switch.
    pub switch: SwitchInfo,
    /// `ok` or `unreachable`.
    #[serde(default)]
    pub status: Reachability,
    /// Why the switch is unreachable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the poll finished (RFC 3339, UTC). `cybriq replay --fdb` applies a table with a
    /// time at that point of the capture's clock, so a series of polls replays as it happened;
    /// one without is applied before the first frame.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::event::time::millis_opt"
    )]
    pub polled_at: Option<crate::clock::Timestamp>,
    /// Every interface of the switch, by ifIndex.
    #[serde(default)]
    pub ports: Vec<Port>,
    /// MAC → IP pairs from the switch's ARP/ND cache (ipNetToMedia, ipNetToPhysical).
    #[serde(default)]
    pub arp: Vec<ArpEntry>,
    /// What was malformed, partial or inconsistent in the replies (data kept as far as it went).
    #[serde(default)]
    pub anomalies: Vec<String>,
    /// Some walk stopped short (timeout, error, the switch stopped answering, VLAN contexts not
    /// answered): the table holds what was read, so a MAC or link missing from it is no
    /// evidence that a device left (the engine raises no departure from a partial table).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// The switch's own MACs (bridge address, LLDP chassis MAC, interface MACs): used to spot a
    /// port that leads to another polled switch. Not serialised.
    #[serde(skip)]
    pub own_macs: std::collections::BTreeSet<String>,
}

/// System and entity identity of a switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SwitchInfo {
    /// Configured name (or the target given on the command line).
    pub name: String,
    /// Address polled (`host:port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// sysDescr.0
    #[serde(default)]
    pub sys_descr: Option<String>,
    /// sysObjectID.0, dotted.
    #[serde(default)]
    pub sys_object_id: Option<String>,
    /// sysName.0
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sys_name: Option<String>,
    /// Chassis model (ENTITY-MIB entPhysicalModelName of the chassis).
    #[serde(default)]
    pub model: Option<String>,
    /// Chassis serial number (entPhysicalSerialNum).
    #[serde(default)]
    pub serial: Option<String>,
}

/// One interface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Port {
    /// ifIndex.
    pub if_index: u32,
    /// ifName (ifDescr when the agent has no ifXTable).
    pub name: String,
    /// ifDescr.
    #[serde(default)]
    pub descr: Option<String>,
    /// ifAlias (the operator's description).
    #[serde(default)]
    pub alias: Option<String>,
    /// ifType (IANAifType number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_type: Option<u32>,
    /// ifOperStatus: `up`, `down`, `testing`, `unknown`, `dormant`, `notPresent`,
    /// `lowerLayerDown`.
    #[serde(default)]
    pub oper_status: Option<String>,
    /// ifHighSpeed in Mb/s.
    #[serde(default)]
    pub speed_mbps: Option<u64>,
    /// MACs the forwarding table puts behind this port.
    #[serde(default)]
    pub macs: Vec<MacEntry>,
    /// LLDP and CDP neighbors the switch sees on this port.
    #[serde(default)]
    pub neighbors: Vec<Neighbor>,
    /// PoE state (POWER-ETHERNET-MIB), when the port is a PSE port.
    #[serde(default)]
    pub poe: Option<Poe>,
    /// 802.1X authenticator state (IEEE8021-PAE-MIB), when the port has one.
    #[serde(default)]
    pub dot1x: Option<Dot1x>,
    /// True when the port leads to other network gear rather than to an end device.
    #[serde(default)]
    pub uplink: bool,
    /// Why the port is an uplink.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uplink_reason: Option<String>,
    /// More distinct MACs behind the port than an edge port carries (`edge_mac_limit`) while
    /// nothing says it leads to network gear: a switch behind an edge port (the engine raises
    /// `port-topology-changed`), not an uplink.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub crowded: bool,
}

/// A MAC in the forwarding table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MacEntry {
    /// Lower-case colon hex.
    pub mac: String,
    /// VLAN the entry was learned in, when known.
    #[serde(default)]
    pub vlan: Option<u16>,
}

/// An LLDP or CDP neighbor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Neighbor {
    /// `lldp` or `cdp`.
    pub protocol: String,
    /// LLDP chassis ID (MAC as colon hex, addresses as text) or CDP device ID.
    #[serde(default)]
    pub chassis_id: Option<String>,
    /// LLDP port ID or CDP device port.
    #[serde(default)]
    pub port_id: Option<String>,
    /// LLDP system name (CDP: the device ID).
    #[serde(default)]
    pub system_name: Option<String>,
    /// LLDP system description or CDP software version.
    #[serde(default)]
    pub system_description: Option<String>,
    /// CDP platform or LLDP-MED model name.
    #[serde(default)]
    pub platform: Option<String>,
    /// Enabled capabilities by name (LLDP: `bridge`, `router`, `wlanAccessPoint`, `telephone`,
    /// …; CDP: `router`, `trans-bridge`, `switch`, `host`, `phone`, …).
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Management address (IPv4/IPv6 text, other families as hex).
    #[serde(default)]
    pub management_address: Option<String>,
    /// LLDP port description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_description: Option<String>,
    /// LLDP-MED inventory of the neighbor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<MedInventory>,
}

/// LLDP-MED remote inventory (lldpXMedRemInventoryTable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MedInventory {
    /// Hardware revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_revision: Option<String>,
    /// Firmware revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_revision: Option<String>,
    /// Software revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_revision: Option<String>,
    /// Serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Manufacturer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// Model name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// PoE state of a PSE port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Poe {
    /// pethPsePortAdminEnable.
    #[serde(default)]
    pub admin_enabled: Option<bool>,
    /// pethPsePortDetectionStatus: `disabled`, `searching`, `deliveringPower`, `fault`, `test`,
    /// `otherFault`.
    #[serde(default)]
    pub status: Option<String>,
    /// Power class 0–4 (pethPsePortPowerClassifications).
    #[serde(default)]
    pub class: Option<u8>,
}

/// 802.1X authenticator state of a port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Dot1x {
    /// dot1xAuthPaeState: `initialize`, `disconnected`, `connecting`, `authenticating`,
    /// `authenticated`, `aborting`, `held`, `forceAuth`, `forceUnauth`, `restart`.
    #[serde(default)]
    pub pae_state: Option<String>,
    /// dot1xAuthAuthControlledPortStatus: `authorized` or `unauthorized`.
    #[serde(default)]
    pub port_status: Option<String>,
    /// dot1xAuthAuthControlledPortControl: `forceUnauthorized`, `auto`, `forceAuthorized`.
    #[serde(default)]
    pub port_control: Option<String>,
}

/// One ARP/ND cache entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ArpEntry {
    /// Lower-case colon hex.
    pub mac: String,
    /// IPv4 or IPv6 address.
    pub ip: String,
}

impl PortTable {
    /// A table for a switch that did not answer.
    pub fn unreachable(switch: SwitchInfo, reason: impl Into<String>) -> Self {
        PortTable {
            switch,
            status: Reachability::Unreachable,
            reason: Some(reason.into()),
            ..PortTable::default()
        }
    }

    /// The port with this ifIndex.
    pub fn port(&self, if_index: u32) -> Option<&Port> {
        self.ports.iter().find(|p| p.if_index == if_index)
    }

    /// The port named `name` (ifName).
    pub fn port_by_name(&self, name: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.name == name)
    }
}
