//! Facts: what the observations of one device (and its port, from SNMP) say, merged.
//!
//! Structural tokens (capabilities, TLV and option orders, …) are made here as observations
//! arrive; free-text fields are kept as text until the DNA is built, because what a text
//! means (which part is a version) depends on the firmware profile the whole device selects.

use std::collections::BTreeMap;

use super::Family;
use super::firmware::Field;
use super::text::{normalise, port_shape, shape};
use crate::observe::{Observation, Signal};
use crate::wire::MacAddr;

/// At most this many distinct texts per field and tokens per device (hostile input cannot grow
/// a device's facts without bound).
const MAX_TEXTS_PER_FIELD: usize = 4;
const MAX_TOKENS: usize = 256;
/// Longest text kept per field, in bytes.
const MAX_TEXT_LEN: usize = 512;

/// Port facts from the SNMP poller (IF-MIB, POWER-ETHERNET-MIB, MAU-MIB).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortFacts {
    /// Operational speed in Mb/s (`ifHighSpeed`).
    pub speed_mbps: Option<u32>,
    /// Full duplex (`dot3StatsDuplexStatus` / MAU type), when known.
    pub full_duplex: Option<bool>,
    /// PoE class the PSE detected (`pethPsePortPowerClassifications`, 0-8).
    pub poe_class: Option<u8>,
    /// PoE power drawn, mW.
    pub poe_power_mw: Option<u32>,
}

/// Hard identity: kept beside the DNA, never inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HardIdentity {
    /// Device MACs seen (first is the one the device was observed by).
    pub macs: Vec<MacAddr>,
    /// LLDP-MED serial numbers.
    pub serials: Vec<String>,
    /// LLDP chassis IDs.
    pub chassis_ids: Vec<String>,
    /// Names the device gave itself (LLDP system name, CDP device ID, DHCP host name).
    pub names: Vec<String>,
}

/// The merged facts of one device.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    tokens: BTreeMap<String, (Family, f32)>,
    texts: BTreeMap<Field, Vec<String>>,
    identity: HardIdentity,
    observations: u64,
}

use crate::observe::CDP_CAPABILITY_TOKENS as CDP_CAPS;
use crate::wire::lldp::CAPABILITY_NAMES as LLDP_CAPS;

fn cap_names(bits: u32, names: &[&str]) -> String {
    let mut out = String::new();
    for i in 0..32 {
        if bits & (1 << i) != 0 {
            if !out.is_empty() {
                out.push(',');
            }
            match names.get(i) {
                Some(n) => out.push_str(n),
                None => out.push_str(&format!("bit{i}")),
            }
        }
    }
    if out.is_empty() {
        out.push_str("none");
    }
    out
}

fn join<T: std::fmt::Display>(v: &[T]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(v.len() * 4);
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{x}");
    }
    s
}

fn eap_method(t: u8) -> String {
    match t {
        4 => "md5".into(),
        5 => "otp".into(),
        6 => "gtc".into(),
        13 => "tls".into(),
        17 => "leap".into(),
        18 => "sim".into(),
        21 => "ttls".into(),
        23 => "aka".into(),
        25 => "peap".into(),
        26 => "mschapv2".into(),
        29 => "mschapv2-legacy".into(),
        43 => "fast".into(),
        50 => "aka-prime".into(),
        52 => "pwd".into(),
        55 => "teap".into(),
        t => format!("type{t}"),
    }
}

impl Facts {
    /// Empty facts.
    pub fn new() -> Facts {
        Facts::default()
    }

    /// Facts of one observation.
    pub fn of(o: &Observation) -> Facts {
        let mut f = Facts::new();
        f.observe(o);
        f
    }

    /// The structural tokens and the hard identity, taken apart.
    pub fn into_parts(self) -> (BTreeMap<String, (Family, f32)>, HardIdentity) {
        (self.tokens, self.identity)
    }

    /// Number of observations merged.
    pub fn observations(&self) -> u64 {
        self.observations
    }

    /// Hard identity seen so far.
    pub fn identity(&self) -> &HardIdentity {
        &self.identity
    }

    /// The structural tokens: key → (family, relative weight).
    pub fn tokens(&self) -> &BTreeMap<String, (Family, f32)> {
        &self.tokens
    }

    /// The text fields, each with up to four distinct values.
    pub fn texts(&self) -> impl Iterator<Item = (Field, &str)> {
        self.texts
            .iter()
            .flat_map(|(f, v)| v.iter().map(move |s| (*f, s.as_str())))
    }

    fn tok(&mut self, family: Family, key: String, weight: f32) {
        if self.tokens.len() >= MAX_TOKENS && !self.tokens.contains_key(&key) {
            return;
        }
        let e = self.tokens.entry(key).or_insert((family, weight));
        e.1 = e.1.max(weight);
    }

    fn text(&mut self, field: Field, s: &Option<String>) {
        let Some(s) = s.as_deref() else { return };
        let s = s.trim_matches(|c: char| c.is_whitespace() || c == '\0');
        if s.is_empty() {
            return;
        }
        let mut end = s.len().min(MAX_TEXT_LEN);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let s = &s[..end];
        let v = self.texts.entry(field).or_default();
        if v.len() < MAX_TEXTS_PER_FIELD && !v.iter().any(|x| x == s) {
            v.push(s.to_owned());
        }
    }

    fn name(&mut self, s: &Option<String>) {
        if let Some(s) = s.as_deref().map(str::trim).filter(|s| !s.is_empty())
            && self.identity.names.len() < 8
            && !self.identity.names.iter().any(|x| x == s)
        {
            self.identity.names.push(s.to_owned());
        }
    }

    /// Adds the port's SNMP facts.
    pub fn port(&mut self, p: &PortFacts) {
        if let Some(s) = p.speed_mbps {
            self.tok(Family::Port, format!("port.speed:{s}"), 1.0);
        }
        if let Some(d) = p.full_duplex {
            let d = if d { "full" } else { "half" };
            self.tok(Family::Port, format!("port.duplex:{d}"), 0.5);
        }
        if let Some(c) = p.poe_class {
            self.tok(Family::Port, format!("poe.class:{c}"), 1.0);
        }
    }

    /// Merges one observation.
    pub fn observe(&mut self, o: &Observation) {
        self.observations += 1;
        if let Some(m) = o.mac
            && !self.identity.macs.contains(&m)
        {
            if self.identity.macs.is_empty() {
                let b = m.0;
                let key = if b[0] & 0x02 != 0 {
                    "oui:local".to_owned()
                } else {
                    format!("oui:{:02x}{:02x}{:02x}", b[0], b[1], b[2])
                };
                self.tok(Family::Oui, key, 1.0);
            }
            if self.identity.macs.len() < 8 {
                self.identity.macs.push(m);
            }
        }
        match &o.signal {
            Signal::Lldp(l) => self.lldp(l),
            Signal::Cdp(c) => self.cdp(c),
            Signal::Edp(n) | Signal::Fdp(n) => {
                let proto = o.proto();
                self.tok(Family::Neighbor, format!("{proto}.speaks"), 0.5);
                if let Some(p) = &n.port_id {
                    self.tok(
                        Family::Neighbor,
                        format!("{proto}.port:{}", port_shape(p)),
                        0.5,
                    );
                }
                self.text(Field::NeighborPlatform, &n.platform);
                self.text(Field::NeighborSoftware, &n.software_version);
                self.name(&n.device_id);
            }
            // DECLINE and RELEASE carry little beyond the state of a lease.
            Signal::Dhcp(d) if d.from_client && !matches!(d.message_type, Some(4 | 7)) => {
                if !d.prl.is_empty() {
                    self.tok(Family::Dhcp, format!("dhcp.prl:{}", join(&d.prl)), 1.5);
                }
                // Option order without the options that depend on the lease's state
                // (requested address, server ID, lease time, overload, pad, end), so that
                // DISCOVER, REQUEST and renewals give the same token.
                let order: Vec<u8> = d
                    .options_order
                    .iter()
                    .copied()
                    .filter(|o| !matches!(o, 0 | 50 | 51 | 52 | 54 | 255))
                    .collect();
                if !order.is_empty() {
                    self.tok(Family::Dhcp, format!("dhcp.opts:{}", join(&order)), 0.7);
                }
                if let Some(m) = d.max_message_size {
                    self.tok(Family::Dhcp, format!("dhcp.maxsize:{m}"), 0.7);
                }
                if let Some(t) = d.client_id.as_ref().and_then(|c| c.first()) {
                    self.tok(Family::Dhcp, format!("dhcp.cid.type:{t}"), 0.5);
                }
                if let Some(h) = &d.hostname {
                    self.tok(
                        Family::Dhcp,
                        format!("dhcp.hostname.shape:{}", shape(h)),
                        0.4,
                    );
                }
                for u in d.user_class.iter().take(4) {
                    self.tok(Family::Dhcp, format!("dhcp.uc:{}", normalise(u)), 0.5);
                }
                if let Some(t) = o.ip_ttl {
                    self.tok(Family::Ip, format!("ip.ttl:{t}"), 1.0);
                }
                self.text(Field::DhcpVendorClass, &d.vendor_class);
                self.name(&d.hostname);
            }
            Signal::Dhcp(_) => {}
            Signal::Dhcpv6(d) if matches!(d.message_type, 1 | 3 | 4 | 5 | 6 | 8 | 9 | 11) => {
                if !d.oro.is_empty() {
                    self.tok(Family::Dhcpv6, format!("dhcpv6.oro:{}", join(&d.oro)), 1.5);
                }
                if !d.options_order.is_empty() {
                    self.tok(
                        Family::Dhcpv6,
                        format!("dhcpv6.opts.{}:{}", d.message_type, join(&d.options_order)),
                        0.7,
                    );
                }
                if let Some(duid) = &d.duid
                    && duid.len() >= 2
                {
                    let t = u16::from_be_bytes([duid[0], duid[1]]);
                    self.tok(Family::Dhcpv6, format!("dhcpv6.duid.type:{t}"), 0.5);
                }
                for e in d.enterprise_numbers.iter().take(4) {
                    self.tok(Family::Dhcpv6, format!("dhcpv6.ent:{e}"), 0.7);
                }
                for u in d.user_class.iter().take(4) {
                    self.tok(Family::Dhcpv6, format!("dhcpv6.uc:{}", normalise(u)), 0.5);
                }
                if let Some(t) = o.ip_ttl {
                    self.tok(Family::Ip, format!("ip.hlim:{t}"), 1.0);
                }
                let vc = d.vendor_class.as_ref().map(|(_, items)| items.join(" "));
                self.text(Field::Dhcpv6VendorClass, &vc);
            }
            Signal::Dhcpv6(_) => {}
            Signal::Eapol(e) => {
                if e.packet_type == 1 {
                    self.tok(Family::Eap, "eapol.start".into(), 0.5);
                }
                if e.eap_code == Some(2)
                    && let Some(t) = e.eap_type
                    && t > 3
                {
                    self.tok(Family::Eap, format!("eap.method:{}", eap_method(t)), 1.0);
                }
            }
            Signal::Stp(s) => {
                self.tok(
                    Family::Stp,
                    format!("stp.proto:{}", normalise(&s.protocol)),
                    1.0,
                );
            }
            Signal::Arp(_) => {}
        }
    }

    fn lldp(&mut self, l: &crate::observe::Lldp) {
        if l.ttl == Some(0) {
            // A shutdown LLDPDU says the device is leaving; it describes nothing.
            return;
        }
        self.tok(
            Family::Lldp,
            format!(
                "lldp.caps:{}",
                cap_names(u32::from(l.caps_system), &LLDP_CAPS)
            ),
            1.0,
        );
        if l.caps_enabled != l.caps_system {
            self.tok(
                Family::Lldp,
                format!(
                    "lldp.caps.enabled:{}",
                    cap_names(u32::from(l.caps_enabled), &LLDP_CAPS)
                ),
                0.5,
            );
        }
        if !l.tlv_order.is_empty() {
            self.tok(
                Family::Lldp,
                format!("lldp.tlvs:{}", l.tlv_order.join(",")),
                1.0,
            );
        }
        if let Some((st, v)) = &l.chassis_id {
            self.tok(Family::Lldp, format!("lldp.chassis.subtype:{st}"), 0.5);
            if !self.identity.chassis_ids.contains(v) && self.identity.chassis_ids.len() < 4 {
                self.identity.chassis_ids.push(v.clone());
            }
        }
        if let Some((st, _)) = &l.port_id {
            self.tok(Family::Lldp, format!("lldp.port.subtype:{st}"), 0.5);
        }
        if let Some(t) = l.ttl {
            self.tok(Family::Lldp, format!("lldp.ttl:{t}"), 0.5);
        }
        if let Some(c) = l.med_class {
            self.tok(Family::Lldp, format!("lldp.med.class:{c}"), 1.0);
        }
        if let Some(m) = l.mau_type {
            self.tok(Family::Port, format!("lldp.mau:{m}"), 0.7);
        }
        if let Some(c) = l.poe_class {
            self.tok(Family::Port, format!("poe.class:{c}"), 1.0);
        }
        if let Some(n) = &l.system_name {
            self.tok(Family::Lldp, format!("lldp.name.shape:{}", shape(n)), 0.4);
        }
        if let Some(p) = &l.port_description {
            self.tok(
                Family::LldpText,
                format!("lldp.portdesc:{}", port_shape(p)),
                0.7,
            );
        }
        if let Some(u) = &l.mud_url {
            self.tok(Family::LldpText, format!("lldp.mud:{}", normalise(u)), 1.0);
        }
        self.text(Field::LldpSystemDescription, &l.system_description);
        let inv = &l.inventory;
        self.text(Field::LldpMedSoftware, &inv.software_revision);
        self.text(Field::LldpMedFirmware, &inv.firmware_revision);
        self.text(Field::LldpMedHardware, &inv.hardware_revision);
        self.text(Field::LldpMedModel, &inv.model_name);
        self.text(Field::LldpMedManufacturer, &inv.manufacturer);
        if let Some(s) = inv
            .serial_number
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            && !self.identity.serials.iter().any(|x| x == s)
            && self.identity.serials.len() < 4
        {
            self.identity.serials.push(s.to_owned());
        }
        self.name(&l.system_name);
    }

    fn cdp(&mut self, c: &crate::observe::Cdp) {
        self.tok(
            Family::Cdp,
            format!("cdp.caps:{}", cap_names(c.capabilities, &CDP_CAPS)),
            1.0,
        );
        if !c.tlv_order.is_empty() {
            self.tok(Family::Cdp, format!("cdp.tlvs:{}", join(&c.tlv_order)), 1.0);
        }
        self.tok(Family::Cdp, format!("cdp.version:{}", c.version), 0.5);
        self.tok(Family::Cdp, format!("cdp.ttl:{}", c.ttl), 0.5);
        if let Some(d) = &c.device_id {
            self.tok(Family::Cdp, format!("cdp.id.shape:{}", shape(d)), 0.4);
        }
        if let Some(p) = &c.port_id {
            self.tok(Family::Cdp, format!("cdp.port:{}", port_shape(p)), 0.7);
        }
        self.text(Field::CdpPlatform, &c.platform);
        self.text(Field::CdpSoftware, &c.software_version);
        self.name(&c.device_id);
    }
}
