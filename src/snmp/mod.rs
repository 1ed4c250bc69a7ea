//! The SNMP poller: what the site's switches know about their ports.
//!
//! Per switch, one poll walks the system group, IF-MIB, BRIDGE-MIB and Q-BRIDGE-MIB forwarding
//! tables (Cisco per-VLAN `community@vlan` contexts when there is no Q-BRIDGE FDB), LLDP-MIB
//! (local ports, remote table, management addresses, LLDP-MED inventory), CISCO-CDP-MIB,
//! POWER-ETHERNET-MIB, IEEE8021-PAE-MIB, ENTITY-MIB and the ARP/ND cache, then builds a
//! [`PortTable`]: per port its MACs (with VLAN), LLDP/CDP neighbors, PoE and 802.1X state, and
//! whether it is an uplink (see [`build`] for the reasoning).
//!
//! Layers: [`value`] (owned values), [`oid`] (what is walked), [`client`] (one session on
//! `snmp2` + tokio: timeouts, retries, bounds, counters), [`walk`] (GETBULK/GETNEXT walks that
//! stop on a non-increasing OID), [`build`] (pure: variables → port table), [`poller`] (many
//! switches at once), [`snmprec`] (reads snmpsim recordings, for tests and offline builds).
//!
//! A switch that does not answer is `unreachable` with the reason, never a table of empty
//! ports; malformed or partial replies keep what decoded and add an anomaly.

pub mod build;
pub mod client;
pub mod error;
pub mod oid;
pub mod poller;
pub mod snmprec;
pub mod table;
pub mod value;
pub mod walk;

pub use build::{BuildOptions, Walked, build as build_port_table, mark_cross_switch_uplinks};
pub use client::{AuthProto, Credentials, PrivProto, Timing};
pub use error::SnmpError;
pub use poller::{
    PollOptions, PollStats, SwitchPoll, Target, mark_uplinks, poll_all, poll_all_with, poll_each,
    poll_switch,
};
pub use table::{
    ArpEntry, Dot1x, MacEntry, MedInventory, Neighbor, Poe, Port, PortTable, Reachability,
    SwitchInfo,
};
pub use value::{Mib, Value, Varbind};
