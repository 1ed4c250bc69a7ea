//! Organisationally specific TLVs: IEEE 802.1 (00-80-c2), IEEE 802.3 (00-12-0f), LLDP-MED
//! (ANSI/TIA-1057, 00-12-bb) and the RFC 8520 MUD URL (IANA, 00-00-5e). Anything else, and any
//! known subtype too short to decode, is kept raw in [`Repr::unknown_tlvs`](super::Repr).

use serde::{Serialize, Serializer};

use super::{Field, Oui, Repr, Slot, Tlv, UnknownTlv, c_text, code_enum, ser_bits};
use crate::wire::bytes::{be_u16, be_u32};
use crate::wire::{Anomalies, Error, Hex, Text};

const L8021: &str = "lldp.ieee_802_1";
const L8023: &str = "lldp.ieee_802_3";
const LMED: &str = "lldp.med";
const LORG: &str = "lldp.org";

/// At most this many entries are kept in each per-message list (VLAN names, policies, ...).
pub const MAX_LIST: usize = 64;

/// A Port And Protocol VLAN ID TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ppvid {
    /// Port-and-protocol VLAN supported.
    pub supported: bool,
    /// Port-and-protocol VLAN enabled.
    pub enabled: bool,
    /// The PPVID.
    pub ppvid: u16,
}

/// A VLAN Name TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VlanName<'a> {
    /// VLAN ID.
    pub vid: u16,
    /// VLAN name.
    pub name: Text<'a>,
}

/// A link aggregation TLV (IEEE 802.1 subtype 7 or the older IEEE 802.3 subtype 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LinkAggregation {
    /// Aggregation capable.
    pub supported: bool,
    /// Aggregation enabled.
    pub enabled: bool,
    /// Aggregated port ID (ifIndex).
    pub port_id: u32,
}

impl LinkAggregation {
    fn parse(b: &[u8]) -> Option<Self> {
        Some(LinkAggregation {
            supported: b.first()? & 1 != 0,
            enabled: b.first()? & 2 != 0,
            port_id: be_u32(b, 1)?,
        })
    }
}

/// IEEE 802.1 organisationally specific TLVs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Ieee8021<'a> {
    /// Port VLAN ID (untagged VLAN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pvid: Option<u16>,
    /// Port and protocol VLAN IDs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ppvids: Vec<Ppvid>,
    /// VLAN names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vlan_names: Vec<VlanName<'a>>,
    /// Protocol identities (the leading bytes of the protocol's frames), hex.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub protocol_ids: Vec<Hex<'a>>,
    /// Link aggregation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_aggregation: Option<LinkAggregation>,
}

/// The IEEE 802.3 MAC/PHY Configuration/Status TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MacPhy {
    /// Auto-negotiation supported.
    pub autoneg_supported: bool,
    /// Auto-negotiation enabled.
    pub autoneg_enabled: bool,
    /// PMD auto-negotiation advertised capabilities (ifMauAutoNegCapAdvertisedBits).
    pub advertised: u16,
    /// Operational MAU type (dot3MauType).
    pub mau_type: u16,
}

code_enum!(
    /// Power priority (802.3at and LLDP-MED).
    PowerPriority {
        0 => Unspecified "unknown",
        1 => Critical "critical",
        2 => High "high",
        3 => Low "low",
    }
);

code_enum!(
    /// Port class of the IEEE 802.3 Power via MDI TLV.
    PortClass {
        0 => Pd "pd",
        1 => Pse "pse",
    }
);

/// The IEEE 802.3at extension of the Power via MDI TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PowerAt {
    /// Power type as lldpd reports it: 1 (Type 1, bit 7 set) or 2 (Type 2).
    pub power_type: u8,
    /// Power source (bits 5:4; meaning depends on PSE/PD).
    pub source: u8,
    /// Power priority (bits 1:0).
    pub priority: PowerPriority,
    /// PD requested power, mW.
    pub requested_mw: u32,
    /// PSE allocated power, mW.
    pub allocated_mw: u32,
}

/// The IEEE 802.3bt extension of the Power via MDI TLV, decoded as lldpd decodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PowerBt {
    /// PD requested power on mode A, mW.
    pub requested_a_mw: u32,
    /// PD requested power on mode B, mW.
    pub requested_b_mw: u32,
    /// PSE allocated power on alternative A, mW.
    pub allocated_a_mw: u32,
    /// PSE allocated power on alternative B, mW.
    pub allocated_b_mw: u32,
    /// PSE powering status (bits 15:14 of the power status).
    pub pse_powering_status: u8,
    /// PD powered status (bits 13:12).
    pub pd_powering_status: u8,
    /// PSE power pairs (bits 11:10).
    pub power_pairs_ext: u8,
    /// Dual-signature power class, mode A (bits 9:7).
    pub class_ext_a: u8,
    /// Dual-signature power class, mode B (bits 6:4).
    pub class_ext_b: u8,
    /// Power class ext (bits 3:0).
    pub class_ext: u8,
    /// Power type ext, as lldpd numbers it (system setup bits 3:1, plus one).
    pub power_type_ext: u8,
    /// PD load (system setup bit 0).
    pub pd_load: u8,
    /// PSE maximum available power, mW.
    pub max_power_mw: u32,
}

/// The IEEE 802.3 Power via MDI TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Power8023 {
    /// PSE or PD.
    pub port_class: PortClass,
    /// PSE MDI power supported.
    pub supported: bool,
    /// PSE MDI power enabled.
    pub enabled: bool,
    /// PSE pairs control ability.
    pub pair_control: bool,
    /// PSE power pair (1 signal, 2 spare).
    pub pairs: u8,
    /// Power class as sent (1 = class 0 ... 5 = class 4).
    pub class: u8,
    /// 802.3at fields, when the TLV carries them.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub at: Option<PowerAt>,
    /// 802.3bt fields, when the TLV carries them.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub bt: Option<PowerBt>,
}

impl Power8023 {
    fn parse(b: &[u8]) -> Option<Self> {
        let s = *b.first()?;
        let mut p = Power8023 {
            port_class: PortClass::from(s & 1),
            supported: s & 2 != 0,
            enabled: s & 4 != 0,
            pair_control: s & 8 != 0,
            pairs: *b.get(1)?,
            class: *b.get(2)?,
            at: None,
            bt: None,
        };
        if b.len() >= 8 {
            let t = b[3];
            p.at = Some(PowerAt {
                power_type: if t & 0x80 != 0 { 1 } else { 2 },
                source: (t >> 4) & 3,
                priority: PowerPriority::from(t & 3),
                requested_mw: u32::from(be_u16(b, 4)?) * 100,
                allocated_mw: u32::from(be_u16(b, 6)?) * 100,
            });
        }
        if b.len() >= 21 {
            let st = be_u16(b, 16)?;
            let setup = b[18];
            p.bt = Some(PowerBt {
                requested_a_mw: u32::from(be_u16(b, 8)?) * 100,
                requested_b_mw: u32::from(be_u16(b, 10)?) * 100,
                allocated_a_mw: u32::from(be_u16(b, 12)?) * 100,
                allocated_b_mw: u32::from(be_u16(b, 14)?) * 100,
                pse_powering_status: (st >> 14) as u8,
                pd_powering_status: ((st >> 12) & 3) as u8,
                power_pairs_ext: ((st >> 10) & 3) as u8,
                class_ext_a: ((st >> 7) & 7) as u8,
                class_ext_b: ((st >> 4) & 7) as u8,
                class_ext: (st & 0xf) as u8,
                power_type_ext: ((setup >> 1) & 7) + 1,
                pd_load: setup & 1,
                max_power_mw: u32::from(be_u16(b, 19)?) * 100,
            });
        }
        Some(p)
    }
}

/// IEEE 802.3 organisationally specific TLVs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Ieee8023 {
    /// MAC/PHY configuration and status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_phy: Option<MacPhy>,
    /// Power via MDI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power: Option<Power8023>,
    /// Link aggregation (deprecated 802.3 form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_aggregation: Option<LinkAggregation>,
    /// Maximum frame size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_frame_size: Option<u16>,
}

code_enum!(
    /// LLDP-MED device class.
    MedClass {
        0 => NotDefined "not-defined",
        1 => EndpointClass1 "endpoint-class-1",
        2 => EndpointClass2 "endpoint-class-2",
        3 => EndpointClass3 "endpoint-class-3",
        4 => NetworkConnectivity "network-connectivity",
    }
);

/// LLDP-MED capability names, bit 0 first.
pub const MED_CAPABILITY_NAMES: [&str; 6] = [
    "capabilities",
    "network-policy",
    "location",
    "extended-power-pse",
    "extended-power-pd",
    "inventory",
];

/// LLDP-MED capability bits; serialise as a list of names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MedCaps(pub u16);

impl Serialize for MedCaps {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ser_bits(self.0, &MED_CAPABILITY_NAMES, s)
    }
}

code_enum!(
    /// LLDP-MED network policy application type.
    PolicyApp {
        1 => Voice "voice",
        2 => VoiceSignaling "voice-signaling",
        3 => GuestVoice "guest-voice",
        4 => GuestVoiceSignaling "guest-voice-signaling",
        5 => SoftphoneVoice "softphone-voice",
        6 => VideoConferencing "video-conferencing",
        7 => StreamingVideo "streaming-video",
        8 => VideoSignaling "video-signaling",
    }
);

/// An LLDP-MED Network Policy TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Application type.
    pub application: PolicyApp,
    /// Policy unknown (U flag).
    pub unknown: bool,
    /// Tagged (T flag).
    pub tagged: bool,
    /// VLAN ID.
    pub vlan: u16,
    /// Layer-2 priority.
    pub priority: u8,
    /// DSCP value.
    pub dscp: u8,
}

/// One civic address element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CivicElement<'a> {
    /// CA type (RFC 4776).
    #[serde(rename = "type")]
    pub ca_type: u8,
    /// CA value.
    pub value: Text<'a>,
}

/// An LLDP-MED Location Identification TLV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "format", rename_all = "lowercase")]
pub enum Location<'a> {
    /// Coordinate-based LCI (RFC 3825), raw.
    Coordinate {
        /// The 16-byte LCI.
        value: Hex<'a>,
    },
    /// Civic address LCI (RFC 4776).
    Civic {
        /// What the location refers to (0 DHCP server, 1 network element, 2 client).
        what: u8,
        /// ISO 3166 country code.
        country: Text<'a>,
        /// CA elements.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        elements: Vec<CivicElement<'a>>,
    },
    /// Emergency Call Service ELIN.
    Elin {
        /// The ELIN digits.
        value: Text<'a>,
    },
    /// A format this decoder does not know.
    Unknown {
        /// The format code.
        code: u8,
        /// The location data.
        value: Hex<'a>,
    },
}

code_enum!(
    /// LLDP-MED extended power device type.
    MedPowerType {
        0 => Pse "pse",
        1 => Pd "pd",
    }
);

/// The LLDP-MED Extended Power-via-MDI TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MedPower {
    /// PSE or PD.
    #[serde(rename = "type")]
    pub power_type: MedPowerType,
    /// Power source (PSE: 1 primary, 2 backup; PD: 1 PSE, 2 local, 3 both).
    pub source: u8,
    /// Priority.
    pub priority: PowerPriority,
    /// Power value, mW.
    pub value_mw: u32,
}

/// LLDP-MED TLVs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Med<'a> {
    /// Device class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_class: Option<MedClass>,
    /// LLDP-MED capabilities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<MedCaps>,
    /// Hardware revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hardware_revision: Option<Text<'a>>,
    /// Firmware revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware_revision: Option<Text<'a>>,
    /// Software revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_revision: Option<Text<'a>>,
    /// Serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<Text<'a>>,
    /// Manufacturer name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<Text<'a>>,
    /// Model name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_name: Option<Text<'a>>,
    /// Asset ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<Text<'a>>,
    /// Network policies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
    /// Locations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub location: Vec<Location<'a>>,
    /// Extended power via MDI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power: Option<MedPower>,
}

/// Minimum information-string length per subtype (after OUI and subtype), or `None` for a
/// subtype this decoder keeps raw.
fn min_len(oui: Oui, subtype: u8) -> Option<usize> {
    Some(match (oui, subtype) {
        (Oui::IEEE_802_1, 1) => 2,
        (Oui::IEEE_802_1, 2) => 3,
        (Oui::IEEE_802_1, 3) => 3,
        (Oui::IEEE_802_1, 4) => 1,
        (Oui::IEEE_802_1, 7) => 5,
        (Oui::IEEE_802_3, 1) => 5,
        (Oui::IEEE_802_3, 2) => 3,
        (Oui::IEEE_802_3, 3) => 5,
        (Oui::IEEE_802_3, 4) => 2,
        (Oui::MED, 1) => 3,
        (Oui::MED, 2) => 4,
        (Oui::MED, 3) => 1,
        (Oui::MED, 4) => 3,
        (Oui::MED, 5..=11) => 0,
        (Oui::IANA, 1) => 1,
        _ => return None,
    })
}

fn layer(oui: Oui) -> &'static str {
    match oui {
        Oui::IEEE_802_1 => L8021,
        Oui::IEEE_802_3 => L8023,
        Oui::MED => LMED,
        _ => LORG,
    }
}

fn dup(an: &mut Anomalies, l: &'static str, off: usize) {
    an.push(Error::content(l, off, "duplicate TLV"));
}

/// Sets `slot` to `v` unless already set (then a duplicate). Whether `v` was kept.
fn once<T>(slot: &mut Option<T>, v: T, an: &mut Anomalies, l: &'static str, off: usize) -> bool {
    if slot.is_some() {
        dup(an, l, off);
        false
    } else {
        *slot = Some(v);
        true
    }
}

/// Appends `x` unless the list is full. Whether `x` was kept.
fn push_capped<T>(v: &mut Vec<T>, x: T, an: &mut Anomalies, l: &'static str, off: usize) -> bool {
    if v.len() >= MAX_LIST {
        an.push(Error::content(l, off, "too many TLVs of one kind"));
        false
    } else {
        v.push(x);
        true
    }
}

/// Decodes one organisationally specific TLV into `r`; returns its slot in the TLV order.
pub(super) fn parse<'a>(r: &mut Repr<'a>, tlv: &Tlv<'a>, an: &mut Anomalies) -> Slot<'a> {
    let off = tlv.offset;
    let unknown = Slot {
        field: Field::Unknown,
        wire: &[],
    };
    let Some((oui, subtype, b)) = tlv.org() else {
        an.push(Error::len(LORG, off, 2 + 4, 2 + tlv.value.len()));
        r.unknown_tlvs.push(UnknownTlv::of(tlv));
        return unknown;
    };
    let Some(min) = min_len(oui, subtype) else {
        r.unknown_tlvs.push(UnknownTlv::of(tlv));
        return unknown;
    };
    let l = layer(oui);
    if b.len() < min {
        an.push(Error::content(l, off, "TLV too short for its subtype"));
        r.unknown_tlvs.push(UnknownTlv::of(tlv));
        return unknown;
    }
    let stored = match oui {
        Oui::IEEE_802_1 => ieee8021(
            r.ieee_802_1.get_or_insert_with(Default::default),
            subtype,
            b,
            an,
            off,
        ),
        Oui::IEEE_802_3 => ieee8023(
            r.ieee_802_3.get_or_insert_with(Default::default),
            subtype,
            b,
            an,
            off,
        ),
        Oui::MED => med(
            r.med.get_or_insert_with(Default::default),
            subtype,
            b,
            an,
            off,
        ),
        _ => once(&mut r.mud_url, c_text(b, an, l, off), an, l, off),
    };
    if stored {
        Slot {
            field: Field::Org(oui, subtype),
            wire: b,
        }
    } else {
        Slot {
            field: Field::Raw(tlv.tlv_type),
            wire: tlv.value,
        }
    }
}

fn ieee8021<'a>(
    d: &mut Ieee8021<'a>,
    subtype: u8,
    b: &'a [u8],
    an: &mut Anomalies,
    off: usize,
) -> bool {
    let l = L8021;
    match subtype {
        1 => once(&mut d.pvid, be_u16(b, 0).unwrap_or(0), an, l, off),
        2 => {
            let p = Ppvid {
                supported: b[0] & 2 != 0,
                enabled: b[0] & 4 != 0,
                ppvid: be_u16(b, 1).unwrap_or(0),
            };
            push_capped(&mut d.ppvids, p, an, l, off)
        }
        3 => {
            let vid = be_u16(b, 0).unwrap_or(0);
            let n = usize::from(b[2]);
            let name = match b.get(3..3 + n) {
                Some(s) => {
                    if 3 + n != b.len() {
                        an.push(Error::content(l, off, "VLAN name length mismatch"));
                    }
                    s
                }
                None => {
                    an.push(Error::content(l, off, "VLAN name length past the TLV"));
                    &b[3..]
                }
            };
            push_capped(
                &mut d.vlan_names,
                VlanName {
                    vid,
                    name: Text(name),
                },
                an,
                l,
                off,
            )
        }
        4 => {
            let n = usize::from(b[0]);
            let id = match b.get(1..1 + n) {
                Some(s) => s,
                None => {
                    an.push(Error::content(
                        l,
                        off,
                        "protocol identity length past the TLV",
                    ));
                    &b[1..]
                }
            };
            push_capped(&mut d.protocol_ids, Hex(id), an, l, off)
        }
        _ => match LinkAggregation::parse(b) {
            Some(a) => once(&mut d.link_aggregation, a, an, l, off),
            None => false,
        },
    }
}

fn ieee8023(d: &mut Ieee8023, subtype: u8, b: &[u8], an: &mut Anomalies, off: usize) -> bool {
    let l = L8023;
    match subtype {
        1 => {
            let m = MacPhy {
                autoneg_supported: b[0] & 1 != 0,
                autoneg_enabled: b[0] & 2 != 0,
                advertised: be_u16(b, 1).unwrap_or(0),
                mau_type: be_u16(b, 3).unwrap_or(0),
            };
            once(&mut d.mac_phy, m, an, l, off)
        }
        2 => match Power8023::parse(b) {
            Some(p) => {
                if b.len() > 3 && b.len() < 8 || b.len() > 8 && b.len() < 21 {
                    an.push(Error::content(
                        l,
                        off,
                        "Power via MDI TLV has an odd length",
                    ));
                }
                once(&mut d.power, p, an, l, off)
            }
            None => false,
        },
        3 => match LinkAggregation::parse(b) {
            Some(a) => once(&mut d.link_aggregation, a, an, l, off),
            None => false,
        },
        _ => once(&mut d.max_frame_size, be_u16(b, 0).unwrap_or(0), an, l, off),
    }
}

fn med<'a>(d: &mut Med<'a>, subtype: u8, b: &'a [u8], an: &mut Anomalies, off: usize) -> bool {
    let l = LMED;
    match subtype {
        1 => {
            let stored = once(
                &mut d.capabilities,
                MedCaps(be_u16(b, 0).unwrap_or(0)),
                an,
                l,
                off,
            );
            d.device_class = Some(MedClass::from(b[2]));
            stored
        }
        2 => {
            let v = be_u32(b, 0).unwrap_or(0);
            let p = Policy {
                application: PolicyApp::from((v >> 24) as u8),
                unknown: v & (1 << 23) != 0,
                tagged: v & (1 << 22) != 0,
                vlan: ((v >> 9) & 0xfff) as u16,
                priority: ((v >> 6) & 7) as u8,
                dscp: (v & 0x3f) as u8,
            };
            push_capped(&mut d.policies, p, an, l, off)
        }
        3 => {
            let loc = location(b[0], &b[1..], an, off);
            push_capped(&mut d.location, loc, an, l, off)
        }
        4 => {
            let p = MedPower {
                power_type: MedPowerType::from(b[0] >> 6),
                source: (b[0] >> 4) & 3,
                priority: PowerPriority::from(b[0] & 0xf),
                value_mw: u32::from(be_u16(b, 1).unwrap_or(0)) * 100,
            };
            once(&mut d.power, p, an, l, off)
        }
        5 => once(&mut d.hardware_revision, c_text(b, an, l, off), an, l, off),
        6 => once(&mut d.firmware_revision, c_text(b, an, l, off), an, l, off),
        7 => once(&mut d.software_revision, c_text(b, an, l, off), an, l, off),
        8 => once(&mut d.serial_number, c_text(b, an, l, off), an, l, off),
        9 => once(&mut d.manufacturer, c_text(b, an, l, off), an, l, off),
        10 => once(&mut d.model_name, c_text(b, an, l, off), an, l, off),
        _ => once(&mut d.asset_id, c_text(b, an, l, off), an, l, off),
    }
}

/// Decodes a location of format `format` (the data after the format byte).
fn location<'a>(format: u8, b: &'a [u8], an: &mut Anomalies, off: usize) -> Location<'a> {
    let l = LMED;
    match format {
        1 => {
            if b.len() != 16 {
                an.push(Error::content(l, off, "coordinate LCI length is not 16"));
            }
            Location::Coordinate { value: Hex(b) }
        }
        2 => {
            // LCI length, what, country code (2), then CA type/length/value elements.
            let mut what = 0;
            let mut country: &[u8] = &[];
            let mut elements = Vec::new();
            let lci_len = b.first().map_or(0, |&n| usize::from(n));
            let body = match b.get(1..1 + lci_len) {
                Some(s) => s,
                None => {
                    an.push(Error::len("lldp.med.civic", off, 1 + lci_len, b.len()));
                    b.get(1..).unwrap_or_default()
                }
            };
            if body.len() < 3 {
                an.push(Error::content(
                    "lldp.med.civic",
                    off,
                    "civic address too short",
                ));
            }
            if let Some(&w) = body.first() {
                what = w;
            }
            // lldpd reads the country code even when the LCI length leaves no room for it.
            if let Some(c) = b.get(2..4) {
                country = c;
            }
            let mut p = 3;
            while p < body.len() {
                let Some(&[t, n]) = body
                    .get(p..p + 2)
                    .and_then(|s| <&[u8; 2]>::try_from(s).ok())
                else {
                    an.push(Error::len("lldp.med.civic", off, 2, body.len() - p));
                    break;
                };
                let n = usize::from(n);
                let Some(v) = body.get(p + 2..p + 2 + n) else {
                    an.push(Error::len("lldp.med.civic", off, 2 + n, body.len() - p));
                    break;
                };
                if elements.len() >= MAX_LIST {
                    an.push(Error::content(
                        "lldp.med.civic",
                        off,
                        "too many CA elements",
                    ));
                    break;
                }
                elements.push(CivicElement {
                    ca_type: t,
                    value: Text(v),
                });
                p += 2 + n;
            }
            Location::Civic {
                what,
                country: Text(country),
                elements,
            }
        }
        3 => Location::Elin { value: Text(b) },
        code => Location::Unknown {
            code,
            value: Hex(b),
        },
    }
}
