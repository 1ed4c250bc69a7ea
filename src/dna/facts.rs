//! Facts: what the observations of one device (and its port, from SNMP) say, merged.
//!
//! Structural tokens (capabilities, TLV and option orders, …) are made here as observations
//! arrive; free-text fields are kept as text until the DNA is built, because what a text
//! means (which part is a version) depends on the firmware profile the whole device selects.

use std::collections::BTreeMap;

use super::Family;
use super::firmware::Field;
use super::text::{normalise_into, port_shape_into, shape_into};
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

/// Where [`observe_into`] puts what an observation says: [`Facts`] (a device's merged facts)
/// or the builder's reusable scratch space (one observation, no per-token allocation).
pub(crate) trait Sink {
    /// Adds a structural token whose key `key` appends to the (empty) buffer it is given;
    /// a key seen before keeps its family and the larger weight. At most [`MAX_TOKENS`].
    fn tok(&mut self, family: Family, weight: f32, key: impl FnOnce(&mut String));
    /// Adds a text (already trimmed and clipped): at most [`MAX_TEXTS_PER_FIELD`] distinct
    /// values per field.
    fn text(&mut self, field: Field, s: &str);
    /// The hard identity.
    fn identity(&mut self) -> &mut HardIdentity;
}

/// Appends the decimal digits of `n` (what `Display` writes, without the formatting machinery).
pub(crate) fn push_num(b: &mut String, n: impl Into<u64>) {
    let mut n: u64 = n.into();
    // One and two digits (most TLV types, option codes and counts) without the loop.
    if n < 10 {
        b.push(char::from(b'0' + n as u8));
        return;
    }
    if n < 100 {
        b.push(char::from(b'0' + (n / 10) as u8));
        b.push(char::from(b'0' + (n % 10) as u8));
        return;
    }
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &tmp[i..] {
        b.push(char::from(d));
    }
}

/// Appends `prefix` then the numbers joined by commas.
fn push_list<T: Copy + Into<u64>>(b: &mut String, prefix: &str, v: &[T]) {
    b.reserve(prefix.len() + 3 * v.len());
    b.push_str(prefix);
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            b.push(',');
        }
        push_num(b, *x);
    }
}

fn push_cap_names(out: &mut String, bits: u32, names: &[&str]) {
    if bits == 0 {
        out.push_str("none");
        return;
    }
    // The set bits, lowest first.
    let mut rest = bits;
    while rest != 0 {
        let i = rest.trailing_zeros();
        rest &= rest - 1;
        match names.get(i as usize) {
            Some(n) => out.push_str(n),
            None => {
                out.push_str("bit");
                push_num(out, i);
            }
        }
        if rest != 0 {
            out.push(',');
        }
    }
}

fn eap_method(t: u8) -> Option<&'static str> {
    Some(match t {
        4 => "md5",
        5 => "otp",
        6 => "gtc",
        13 => "tls",
        17 => "leap",
        18 => "sim",
        21 => "ttls",
        23 => "aka",
        25 => "peap",
        26 => "mschapv2",
        29 => "mschapv2-legacy",
        43 => "fast",
        50 => "aka-prime",
        52 => "pwd",
        55 => "teap",
        _ => return None,
    })
}

/// A text as kept: trimmed of whitespace and NULs, at most [`MAX_TEXT_LEN`] bytes (cut at a
/// character boundary); `None` when empty.
fn clip(s: &Option<String>) -> Option<&str> {
    let s = s.as_deref()?;
    let s = s.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    if s.is_empty() {
        return None;
    }
    let mut end = s.len().min(MAX_TEXT_LEN);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Some(&s[..end])
}

fn text(sink: &mut impl Sink, field: Field, s: &Option<String>) {
    if let Some(s) = clip(s) {
        sink.text(field, s);
    }
}

fn name(sink: &mut impl Sink, s: &Option<String>) {
    if let Some(s) = s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let id = sink.identity();
        if id.names.len() < 8 && !id.names.iter().any(|x| x == s) {
            id.names.push(s.to_owned());
        }
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
    pub fn texts(&self) -> impl Iterator<Item = (Field, &str)> + Clone {
        self.texts
            .iter()
            .flat_map(|(f, v)| v.iter().map(move |s| (*f, s.as_str())))
    }

    /// Adds the port's SNMP facts.
    pub fn port(&mut self, p: &PortFacts) {
        port_into(self, p);
    }

    /// Merges one observation.
    pub fn observe(&mut self, o: &Observation) {
        self.observations += 1;
        observe_into(self, o);
    }
}

impl Sink for Facts {
    fn tok(&mut self, family: Family, weight: f32, key: impl FnOnce(&mut String)) {
        let mut k = String::with_capacity(32);
        key(&mut k);
        if let Some(e) = self.tokens.get_mut(&k) {
            e.1 = e.1.max(weight);
        } else if self.tokens.len() < MAX_TOKENS {
            self.tokens.insert(k, (family, weight));
        }
    }

    fn text(&mut self, field: Field, s: &str) {
        let v = self.texts.entry(field).or_default();
        if v.len() < MAX_TEXTS_PER_FIELD && !v.iter().any(|x| x == s) {
            v.push(s.to_owned());
        }
    }

    fn identity(&mut self) -> &mut HardIdentity {
        &mut self.identity
    }
}

/// What one observation contributes, in a reusable buffer: structural token keys back to
/// back in one string, texts in another (the builder's per-thread scratch space).
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Token keys, back to back.
    pub keys: String,
    /// (key range in `keys`, family, weight), in insertion order.
    pub toks: Vec<(u32, u32, Family, f32)>,
    /// Texts, back to back.
    pub text_buf: String,
    /// (field, text range in `text_buf`), in insertion order.
    pub texts: Vec<(Field, u32, u32)>,
    /// Hard identity.
    pub identity: HardIdentity,
}

impl Scratch {
    /// Empties everything, keeping the capacity.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.toks.clear();
        self.text_buf.clear();
        self.texts.clear();
        self.identity = HardIdentity::default();
    }

    /// A text.
    pub fn text_at(&self, t: &(Field, u32, u32)) -> &str {
        &self.text_buf[t.1 as usize..t.2 as usize]
    }
}

impl Sink for Scratch {
    fn tok(&mut self, family: Family, weight: f32, key: impl FnOnce(&mut String)) {
        let start = self.keys.len();
        key(&mut self.keys);
        let end = self.keys.len();
        let keys = self.keys.as_bytes();
        let k = &keys[start..end];
        if let Some(e) = self
            .toks
            .iter_mut()
            .find(|t| t.1 - t.0 == (end - start) as u32 && &keys[t.0 as usize..t.1 as usize] == k)
        {
            e.3 = e.3.max(weight);
            self.keys.truncate(start);
        } else if self.toks.len() < MAX_TOKENS {
            self.toks.push((start as u32, end as u32, family, weight));
        } else {
            self.keys.truncate(start);
        }
    }

    fn text(&mut self, field: Field, s: &str) {
        let buf = &self.text_buf;
        let mut n = 0;
        for t in self.texts.iter().filter(|t| t.0 == field) {
            if &buf[t.1 as usize..t.2 as usize] == s {
                return;
            }
            n += 1;
        }
        if n < MAX_TEXTS_PER_FIELD {
            let start = self.text_buf.len();
            self.text_buf.push_str(s);
            self.texts
                .push((field, start as u32, self.text_buf.len() as u32));
        }
    }

    fn identity(&mut self) -> &mut HardIdentity {
        &mut self.identity
    }
}

/// Adds the port's SNMP facts to a sink.
pub(crate) fn port_into(sink: &mut impl Sink, p: &PortFacts) {
    if let Some(s) = p.speed_mbps {
        sink.tok(Family::Port, 1.0, |b| {
            b.push_str("port.speed:");
            push_num(b, s);
        });
    }
    if let Some(d) = p.full_duplex {
        let d = if d {
            "port.duplex:full"
        } else {
            "port.duplex:half"
        };
        sink.tok(Family::Port, 0.5, |b| b.push_str(d));
    }
    if let Some(c) = p.poe_class {
        sink.tok(Family::Port, 1.0, |b| {
            b.push_str("poe.class:");
            push_num(b, c);
        });
    }
}

/// What one observation says, into a sink.
pub(crate) fn observe_into(sink: &mut impl Sink, o: &Observation) {
    if let Some(m) = o.mac
        && !sink.identity().macs.contains(&m)
    {
        if sink.identity().macs.is_empty() {
            let b = m.0;
            sink.tok(Family::Oui, 1.0, |k| {
                if b[0] & 0x02 != 0 {
                    k.push_str("oui:local");
                } else {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    k.push_str("oui:");
                    for x in &b[..3] {
                        k.push(char::from(HEX[usize::from(x >> 4)]));
                        k.push(char::from(HEX[usize::from(x & 15)]));
                    }
                }
            });
        }
        let id = sink.identity();
        if id.macs.len() < 8 {
            id.macs.push(m);
        }
    }
    match &o.signal {
        Signal::Lldp(l) => lldp(sink, l),
        Signal::Cdp(c) => cdp(sink, c),
        Signal::Edp(n) | Signal::Fdp(n) => {
            let proto = o.proto();
            sink.tok(Family::Neighbor, 0.5, |b| {
                b.push_str(proto);
                b.push_str(".speaks");
            });
            if let Some(p) = &n.port_id {
                sink.tok(Family::Neighbor, 0.5, |b| {
                    b.push_str(proto);
                    b.push_str(".port:");
                    port_shape_into(b, p);
                });
            }
            text(sink, Field::NeighborPlatform, &n.platform);
            text(sink, Field::NeighborSoftware, &n.software_version);
            name(sink, &n.device_id);
        }
        // DECLINE and RELEASE carry little beyond the state of a lease.
        Signal::Dhcp(d) if d.from_client && !matches!(d.message_type, Some(4 | 7)) => {
            if !d.prl.is_empty() {
                sink.tok(Family::Dhcp, 1.5, |b| push_list(b, "dhcp.prl:", &d.prl));
            }
            // Option order without the options that depend on the lease's state
            // (requested address, server ID, lease time, overload, pad, end), so that
            // DISCOVER, REQUEST and renewals give the same token.
            let keep = |o: &u8| !matches!(o, 0 | 50 | 51 | 52 | 54 | 255);
            if d.options_order.iter().any(keep) {
                sink.tok(Family::Dhcp, 0.7, |b| {
                    b.push_str("dhcp.opts:");
                    for (i, o) in d.options_order.iter().filter(|o| keep(o)).enumerate() {
                        if i > 0 {
                            b.push(',');
                        }
                        push_num(b, *o);
                    }
                });
            }
            if let Some(m) = d.max_message_size {
                sink.tok(Family::Dhcp, 0.7, |b| {
                    b.push_str("dhcp.maxsize:");
                    push_num(b, m);
                });
            }
            if let Some(t) = d.client_id.as_ref().and_then(|c| c.first()) {
                sink.tok(Family::Dhcp, 0.5, |b| {
                    b.push_str("dhcp.cid.type:");
                    push_num(b, *t);
                });
            }
            if let Some(h) = &d.hostname {
                sink.tok(Family::Dhcp, 0.4, |b| {
                    b.push_str("dhcp.hostname.shape:");
                    shape_into(b, h);
                });
            }
            for u in d.user_class.iter().take(4) {
                sink.tok(Family::Dhcp, 0.5, |b| {
                    b.push_str("dhcp.uc:");
                    normalise_into(b, u);
                });
            }
            if let Some(t) = o.ip_ttl {
                sink.tok(Family::Ip, 1.0, |b| {
                    b.push_str("ip.ttl:");
                    push_num(b, t);
                });
            }
            text(sink, Field::DhcpVendorClass, &d.vendor_class);
            name(sink, &d.hostname);
        }
        Signal::Dhcp(_) => {}
        Signal::Dhcpv6(d) if matches!(d.message_type, 1 | 3 | 4 | 5 | 6 | 8 | 9 | 11) => {
            if !d.oro.is_empty() {
                sink.tok(Family::Dhcpv6, 1.5, |b| push_list(b, "dhcpv6.oro:", &d.oro));
            }
            if !d.options_order.is_empty() {
                sink.tok(Family::Dhcpv6, 0.7, |b| {
                    b.push_str("dhcpv6.opts.");
                    push_num(b, d.message_type);
                    push_list(b, ":", &d.options_order);
                });
            }
            if let Some(duid) = &d.duid
                && duid.len() >= 2
            {
                let t = u16::from_be_bytes([duid[0], duid[1]]);
                sink.tok(Family::Dhcpv6, 0.5, |b| {
                    b.push_str("dhcpv6.duid.type:");
                    push_num(b, t);
                });
            }
            for e in d.enterprise_numbers.iter().take(4) {
                sink.tok(Family::Dhcpv6, 0.7, |b| {
                    b.push_str("dhcpv6.ent:");
                    push_num(b, *e);
                });
            }
            for u in d.user_class.iter().take(4) {
                sink.tok(Family::Dhcpv6, 0.5, |b| {
                    b.push_str("dhcpv6.uc:");
                    normalise_into(b, u);
                });
            }
            if let Some(t) = o.ip_ttl {
                sink.tok(Family::Ip, 1.0, |b| {
                    b.push_str("ip.hlim:");
                    push_num(b, t);
                });
            }
            if let Some((_, items)) = &d.vendor_class {
                text(sink, Field::Dhcpv6VendorClass, &Some(items.join(" ")));
            }
        }
        Signal::Dhcpv6(_) => {}
        Signal::Eapol(e) => {
            if e.packet_type == 1 {
                sink.tok(Family::Eap, 0.5, |b| b.push_str("eapol.start"));
            }
            if e.eap_code == Some(2)
                && let Some(t) = e.eap_type
                && t > 3
            {
                sink.tok(Family::Eap, 1.0, |b| {
                    b.push_str("eap.method:");
                    match eap_method(t) {
                        Some(m) => b.push_str(m),
                        None => {
                            b.push_str("type");
                            push_num(b, t);
                        }
                    }
                });
            }
        }
        Signal::Stp(s) => {
            sink.tok(Family::Stp, 1.0, |b| {
                b.push_str("stp.proto:");
                normalise_into(b, &s.protocol);
            });
        }
        // Service discovery is identity evidence only: it adds nothing to the DNA, whose
        // feature layout the baselines depend on.
        Signal::Arp(_) | Signal::Mdns(_) | Signal::Ssdp(_) => {}
    }
}

fn lldp(sink: &mut impl Sink, l: &crate::observe::Lldp) {
    if l.ttl == Some(0) {
        // A shutdown LLDPDU says the device is leaving; it describes nothing.
        return;
    }
    sink.tok(Family::Lldp, 1.0, |b| {
        b.push_str("lldp.caps:");
        push_cap_names(b, u32::from(l.caps_system), &LLDP_CAPS);
    });
    if l.caps_enabled != l.caps_system {
        sink.tok(Family::Lldp, 0.5, |b| {
            b.push_str("lldp.caps.enabled:");
            push_cap_names(b, u32::from(l.caps_enabled), &LLDP_CAPS);
        });
    }
    if !l.tlv_order.is_empty() {
        sink.tok(Family::Lldp, 1.0, |b| {
            b.push_str("lldp.tlvs:");
            b.push_str(&l.tlv_order);
        });
    }
    if let Some((st, v)) = &l.chassis_id {
        sink.tok(Family::Lldp, 0.5, |b| {
            b.push_str("lldp.chassis.subtype:");
            push_num(b, *st);
        });
        let id = sink.identity();
        if !id.chassis_ids.contains(v) && id.chassis_ids.len() < 4 {
            id.chassis_ids.push(v.clone());
        }
    }
    if let Some((st, _)) = &l.port_id {
        sink.tok(Family::Lldp, 0.5, |b| {
            b.push_str("lldp.port.subtype:");
            push_num(b, *st);
        });
    }
    if let Some(t) = l.ttl {
        sink.tok(Family::Lldp, 0.5, |b| {
            b.push_str("lldp.ttl:");
            push_num(b, t);
        });
    }
    if let Some(c) = l.med_class {
        sink.tok(Family::Lldp, 1.0, |b| {
            b.push_str("lldp.med.class:");
            push_num(b, c);
        });
    }
    if let Some(m) = l.mau_type {
        sink.tok(Family::Port, 0.7, |b| {
            b.push_str("lldp.mau:");
            push_num(b, m);
        });
    }
    if let Some(c) = l.poe_class {
        sink.tok(Family::Port, 1.0, |b| {
            b.push_str("poe.class:");
            push_num(b, c);
        });
    }
    if let Some(n) = &l.system_name {
        sink.tok(Family::Lldp, 0.4, |b| {
            b.push_str("lldp.name.shape:");
            shape_into(b, n);
        });
    }
    if let Some(p) = &l.port_description {
        sink.tok(Family::LldpText, 0.7, |b| {
            b.push_str("lldp.portdesc:");
            port_shape_into(b, p);
        });
    }
    if let Some(u) = &l.mud_url {
        sink.tok(Family::LldpText, 1.0, |b| {
            b.push_str("lldp.mud:");
            normalise_into(b, u);
        });
    }
    text(sink, Field::LldpSystemDescription, &l.system_description);
    let inv = &l.inventory;
    text(sink, Field::LldpMedSoftware, &inv.software_revision);
    text(sink, Field::LldpMedFirmware, &inv.firmware_revision);
    text(sink, Field::LldpMedHardware, &inv.hardware_revision);
    text(sink, Field::LldpMedModel, &inv.model_name);
    text(sink, Field::LldpMedManufacturer, &inv.manufacturer);
    if let Some(s) = inv
        .serial_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let id = sink.identity();
        if !id.serials.iter().any(|x| x == s) && id.serials.len() < 4 {
            id.serials.push(s.to_owned());
        }
    }
    name(sink, &l.system_name);
}

fn cdp(sink: &mut impl Sink, c: &crate::observe::Cdp) {
    sink.tok(Family::Cdp, 1.0, |b| {
        b.push_str("cdp.caps:");
        push_cap_names(b, c.capabilities, &CDP_CAPS);
    });
    if !c.tlv_order.is_empty() {
        sink.tok(Family::Cdp, 1.0, |b| {
            push_list(b, "cdp.tlvs:", &c.tlv_order)
        });
    }
    sink.tok(Family::Cdp, 0.5, |b| {
        b.push_str("cdp.version:");
        push_num(b, c.version);
    });
    sink.tok(Family::Cdp, 0.5, |b| {
        b.push_str("cdp.ttl:");
        push_num(b, c.ttl);
    });
    if let Some(d) = &c.device_id {
        sink.tok(Family::Cdp, 0.4, |b| {
            b.push_str("cdp.id.shape:");
            shape_into(b, d);
        });
    }
    if let Some(p) = &c.port_id {
        sink.tok(Family::Cdp, 0.7, |b| {
            b.push_str("cdp.port:");
            port_shape_into(b, p);
        });
    }
    text(sink, Field::CdpPlatform, &c.platform);
    text(sink, Field::CdpSoftware, &c.software_version);
    name(sink, &c.device_id);
}
