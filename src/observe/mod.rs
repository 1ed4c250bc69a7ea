//! Observations: what one decoded control-plane frame says about the device that sent it.
//!
//! The wire layer's `Repr`s borrow from the frame and mirror the protocol; an [`Observation`] is
//! owned, compact and protocol-neutral where it can be: the facts the rest of the sensor uses
//! (attribution by MAC, `chaddr` and option 82; the Device DNA and identity signals; activity for
//! the engine's timers). Pure: no I/O.
//!
//! [`Observation::from_frame`] is the only place that knows both the wire types and this shape.

mod discovery;
mod extract;

use std::net::{IpAddr, Ipv4Addr};

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::wire::{Frame, MacAddr};

/// One frame's worth of device facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Capture time.
    pub ts: Timestamp,
    /// The MAC of the device the observation is about: the frame's source for LLDP, CDP, EDP,
    /// FDP, STP, EAPOL, mDNS and SSDP; the client hardware address for DHCP; the sender hardware address for
    /// ARP; `None` when the frame carries none (Cisco HDLC).
    pub mac: Option<MacAddr>,
    /// The frame's link-layer source, when the link type has one.
    pub src_mac: Option<MacAddr>,
    /// VLAN tags of the frame, outer first.
    pub vlans: Vec<u16>,
    /// IPv4 TTL / IPv6 hop limit of the carrying packet (DHCP, DHCPv6).
    pub ip_ttl: Option<u8>,
    /// Number of anomalies the wire layer recorded on the frame.
    pub anomalies: u16,
    /// The protocol-specific facts.
    pub signal: Signal,
}

/// Protocol-specific facts, tagged by protocol (`"proto": "lldp"`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "proto", rename_all = "lowercase")]
pub enum Signal {
    /// LLDP.
    Lldp(Lldp),
    /// CDP.
    Cdp(Cdp),
    /// Extreme EDP.
    Edp(Neighbor),
    /// Foundry FDP.
    Fdp(Neighbor),
    /// DHCPv4.
    Dhcp(Dhcp),
    /// DHCPv6 (the innermost message of a relay chain).
    Dhcpv6(Dhcpv6),
    /// ARP.
    Arp(Arp),
    /// EAPOL / EAP.
    Eapol(Eapol),
    /// Spanning-tree BPDU.
    Stp(Stp),
    /// Multicast DNS / DNS-SD.
    Mdns(Mdns),
    /// SSDP.
    Ssdp(Ssdp),
}

/// LLDP facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lldp {
    /// Chassis ID subtype and value (MACs colon hex, addresses as text).
    pub chassis_id: Option<(u8, String)>,
    /// Port ID subtype and value.
    pub port_id: Option<(u8, String)>,
    /// TTL in seconds (0 = the device is leaving).
    pub ttl: Option<u16>,
    /// Port description.
    pub port_description: Option<String>,
    /// System name.
    pub system_name: Option<String>,
    /// System description.
    pub system_description: Option<String>,
    /// System capabilities bitmap (bit 0 other, 1 repeater, 2 bridge, 3 WLAN AP, 4 router,
    /// 5 telephone, 6 DOCSIS, 7 station, 8 C-VLAN, 9 S-VLAN, 10 TPMR).
    pub caps_system: u16,
    /// Enabled capabilities bitmap.
    pub caps_enabled: u16,
    /// Management addresses.
    pub management_addresses: Vec<String>,
    /// TLV types in wire order, comma-separated (`"1,2,3,…,127/0012bb/1,0"`; empty when
    /// none): one string, as the DNA's `lldp.tlvs:` token spells it, not one per TLV.
    pub tlv_order: String,
    /// LLDP-MED device class (1-3 endpoints, 4 network connectivity).
    pub med_class: Option<u8>,
    /// LLDP-MED inventory (boxed: seven strings that most LLDP frames do not carry would
    /// otherwise size every observation).
    pub inventory: Box<Inventory>,
    /// PoE class from the 802.3 power TLV (0-8), when sent.
    pub poe_class: Option<u8>,
    /// Power requested/needed in mW (802.3at allocated/requested or LLDP-MED extended power).
    pub power_mw: Option<u32>,
    /// IEEE 802.3 MAU type (speed/duplex of the link).
    pub mau_type: Option<u16>,
    /// Port VLAN ID (802.1).
    pub pvid: Option<u16>,
    /// LLDP-MED voice network policy VLAN.
    pub voice_vlan: Option<u16>,
    /// RFC 8520 MUD URL.
    pub mud_url: Option<String>,
}

/// LLDP-MED inventory strings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// Hardware revision.
    pub hardware_revision: Option<String>,
    /// Firmware revision.
    pub firmware_revision: Option<String>,
    /// Software revision.
    pub software_revision: Option<String>,
    /// Serial number: hard identity, kept beside the DNA, not in it.
    pub serial_number: Option<String>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// Model name.
    pub model_name: Option<String>,
    /// Asset ID.
    pub asset_id: Option<String>,
}

/// CDP facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cdp {
    /// CDP version.
    pub version: u8,
    /// Hold time in seconds.
    pub ttl: u8,
    /// Device ID.
    pub device_id: Option<String>,
    /// Port ID (the sender's own port).
    pub port_id: Option<String>,
    /// Platform.
    pub platform: Option<String>,
    /// Software version text.
    pub software_version: Option<String>,
    /// Capabilities bitmap (0x01 router, 0x02 TB bridge, 0x04 SR bridge, 0x08 switch, 0x10 host,
    /// 0x20 IGMP, 0x40 repeater, 0x80 phone, 0x100 remotely managed, 0x200 CVTA, 0x400 MAC relay).
    pub capabilities: u32,
    /// Addresses (TLV 2).
    pub addresses: Vec<IpAddr>,
    /// Management addresses (TLV 0x16).
    pub management_addresses: Vec<IpAddr>,
    /// Native VLAN.
    pub native_vlan: Option<u16>,
    /// Voice (appliance) VLAN.
    pub voice_vlan: Option<u16>,
    /// Full duplex.
    pub full_duplex: Option<bool>,
    /// Power drawn, mW.
    pub power_mw: Option<u32>,
    /// VTP management domain.
    pub vtp_domain: Option<String>,
    /// TLV types in wire order.
    pub tlv_order: Vec<u16>,
}

/// Short names of the CDP capability bits, lowest bit first, as the DNA and identity tokens spell
/// them (`cdp.caps:router,switch,igmp`).
pub const CDP_CAPABILITY_TOKENS: [&str; 11] = [
    "router",
    "tb-bridge",
    "sr-bridge",
    "switch",
    "host",
    "igmp",
    "repeater",
    "phone",
    "remote",
    "cvta",
    "mac-relay",
];

/// EDP / FDP neighbour facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Neighbor {
    /// Device ID or display name.
    pub device_id: Option<String>,
    /// Port.
    pub port_id: Option<String>,
    /// Platform.
    pub platform: Option<String>,
    /// Software version.
    pub software_version: Option<String>,
}

/// DHCPv4 facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dhcp {
    /// Sent by a client (BOOTREQUEST) rather than a server or relay reply.
    pub from_client: bool,
    /// Message type (option 53).
    pub message_type: Option<u8>,
    /// Transaction ID.
    pub xid: u32,
    /// Client hardware address, when it is a MAC.
    pub chaddr: Option<MacAddr>,
    /// Client identifier (option 61), type byte first.
    pub client_id: Option<Vec<u8>>,
    /// Host name (option 12).
    pub hostname: Option<String>,
    /// Vendor class identifier (option 60).
    pub vendor_class: Option<String>,
    /// Parameter request list (option 55), in order.
    pub prl: Vec<u8>,
    /// Option codes in wire order.
    pub options_order: Vec<u8>,
    /// Maximum message size (option 57).
    pub max_message_size: Option<u16>,
    /// Requested address (option 50).
    pub requested_ip: Option<Ipv4Addr>,
    /// Client address.
    pub ciaddr: Ipv4Addr,
    /// Address the server assigns.
    pub yiaddr: Ipv4Addr,
    /// Relay agent address.
    pub giaddr: Ipv4Addr,
    /// User classes (option 77).
    pub user_class: Vec<String>,
    /// Client FQDN name (option 81).
    pub fqdn: Option<String>,
    /// Relay agent circuit ID (option 82.1).
    pub circuit_id: Option<Vec<u8>>,
    /// Relay agent remote ID (option 82.2).
    pub remote_id: Option<Vec<u8>>,
}

/// DHCPv6 facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dhcpv6 {
    /// Message type.
    pub message_type: u8,
    /// Client DUID, as sent.
    pub duid: Option<Vec<u8>>,
    /// Option request list.
    pub oro: Vec<u16>,
    /// Option codes in wire order.
    pub options_order: Vec<u16>,
    /// Vendor class enterprise number and data items.
    pub vendor_class: Option<(u32, Vec<String>)>,
    /// Every enterprise number seen.
    pub enterprise_numbers: Vec<u32>,
    /// User classes.
    pub user_class: Vec<String>,
    /// Client FQDN.
    pub fqdn: Option<String>,
    /// Relay hops the message came through.
    pub relay_hops: u8,
}

/// ARP facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Arp {
    /// Operation (1 request, 2 reply).
    pub operation: u16,
    /// Sender protocol address.
    pub sender_ip: Option<Ipv4Addr>,
    /// Target protocol address.
    pub target_ip: Option<Ipv4Addr>,
    /// Gratuitous (sender IP = target IP).
    pub gratuitous: bool,
    /// Probe (sender IP 0.0.0.0).
    pub probe: bool,
}

/// EAPOL facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Eapol {
    /// EAPOL packet type (0 EAP, 1 start, 2 logoff, 3 key, ...).
    pub packet_type: u8,
    /// EAP code (1 request, 2 response, 3 success, 4 failure).
    pub eap_code: Option<u8>,
    /// EAP method type (1 identity, 13 TLS, 25 PEAP, ...).
    pub eap_type: Option<u8>,
    /// Identity from an EAP-Response/Identity.
    pub identity: Option<String>,
}

/// Spanning-tree facts: a bridge speaking on an edge port is an extra hop.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stp {
    /// `stp`, `rstp`, `mstp`, …
    pub protocol: String,
    /// Root bridge MAC and priority.
    pub root: Option<(MacAddr, u16)>,
    /// Sending bridge MAC and priority.
    pub bridge: Option<(MacAddr, u16)>,
    /// Port ID.
    pub port_id: Option<u16>,
    /// Topology-change flag.
    pub topology_change: bool,
}

/// mDNS / DNS-SD facts: what a device announces about itself. Only records the device speaks
/// for are read: every section of a response, the authority section of a probe (the records it
/// is about to claim); the answers of a query are other devices' records it already knows.
/// Each list keeps at most [`MDNS_MAX_VALUES`] distinct values of at most [`MDNS_MAX_LEN`] bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mdns {
    /// A response (else a query or probe).
    pub response: bool,
    /// Service types announced, e.g. `_ipp._tcp`, `_googlecast._tcp`.
    pub services: Vec<String>,
    /// Service instance names (the instance label: `Office Printer`).
    pub instances: Vec<String>,
    /// Host names (SRV targets, A/AAAA owners) without `.local`.
    pub hosts: Vec<String>,
    /// Identity TXT pairs as `key=value`, key lower-case: `ty`, `product`, `usb_mfg`,
    /// `usb_mdl`, `mfg`, `mdl`, `md`, `model`, `am` (see [`MDNS_IDENTITY_KEYS`]).
    pub txt: Vec<String>,
    /// HINFO as `cpu os`.
    pub hinfo: Option<String>,
    /// Service types the device asks about (queries): what it browses for.
    pub queries: Vec<String>,
}

/// At most this many values per list of [`Mdns`].
pub const MDNS_MAX_VALUES: usize = 16;
/// Longest value kept, in bytes (longer ones are cut at a character boundary).
pub const MDNS_MAX_LEN: usize = 256;

/// TXT keys that name a make or model (Bonjour Printing 1.2: `ty`, `product`, `usb_MFG`,
/// `usb_MDL`; Google Cast and HomeKit: `md`; AirPlay and `_device-info`: `model`; RAOP: `am`).
pub const MDNS_IDENTITY_KEYS: [&str; 9] = [
    "ty", "product", "usb_mfg", "usb_mdl", "mfg", "mdl", "md", "model", "am",
];

/// SSDP facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ssdp {
    /// `notify`, `m-search`, `response` or `other`.
    pub kind: String,
    /// `SERVER` header (OS, UPnP version, product).
    pub server: Option<String>,
    /// `USER-AGENT` header.
    pub user_agent: Option<String>,
    /// What the device is: `NT` of a NOTIFY, `ST` of a search response (an M-SEARCH's `ST` is
    /// what it looks for, and is not kept). One per message; several once merged
    /// ([`Observation::merge_discovery`]), at most [`MDNS_MAX_VALUES`].
    pub device_types: Vec<String>,
    /// `NTS` (`ssdp:alive`, `ssdp:byebye`).
    pub nts: Option<String>,
    /// `USN`.
    pub usn: Option<String>,
    /// `LOCATION`.
    pub location: Option<String>,
}

impl Observation {
    /// The observation of a decoded frame, or `None` for frames of other protocols and for
    /// frames whose protocol header could not be decoded.
    pub fn from_frame(ts: Timestamp, frame: &Frame<'_>) -> Option<Observation> {
        extract::observe(ts, frame)
    }

    /// Service discovery accumulates: each mDNS or SSDP message says part of what a device
    /// offers (one service's records, one `NT`), so a device's mDNS (SSDP) evidence is the
    /// union of its messages, not the latest one. `self` merged with the newer `o` of the same
    /// protocol: `o`'s frame facts, every list the union (older values first, each list at
    /// most [`MDNS_MAX_VALUES`]), single values `o`'s when it has them. `None` when either is
    /// not mDNS/SSDP or they differ in protocol.
    pub fn merge_discovery(&self, o: &Observation) -> Option<Observation> {
        let signal = match (&self.signal, &o.signal) {
            (Signal::Mdns(a), Signal::Mdns(b)) => Signal::Mdns(discovery::merge_mdns(a, b)),
            (Signal::Ssdp(a), Signal::Ssdp(b)) => Signal::Ssdp(discovery::merge_ssdp(a, b)),
            _ => return None,
        };
        Some(Observation {
            signal,
            ..o.clone()
        })
    }

    /// A hash of the identity evidence an mDNS/SSDP observation carries (0 for other
    /// protocols, whose evidence is in their DNA facts): what a device says changes when it
    /// does, though its DNA does not.
    pub fn discovery_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        match &self.signal {
            Signal::Mdns(m) => m.hash(&mut h),
            Signal::Ssdp(x) => x.hash(&mut h),
            _ => return 0,
        }
        h.finish()
    }

    /// The protocol's name (`lldp`, `cdp`, …), as in `cybriq decode --json`.
    pub fn proto(&self) -> &'static str {
        match &self.signal {
            Signal::Lldp(_) => "lldp",
            Signal::Cdp(_) => "cdp",
            Signal::Edp(_) => "edp",
            Signal::Fdp(_) => "fdp",
            Signal::Dhcp(_) => "dhcp",
            Signal::Dhcpv6(_) => "dhcpv6",
            Signal::Arp(_) => "arp",
            Signal::Eapol(_) => "eapol",
            Signal::Stp(_) => "stp",
            Signal::Mdns(_) => "mdns",
            Signal::Ssdp(_) => "ssdp",
        }
    }
}
