//! Encoding a [`Repr`] from its fields.
//!
//! [`Repr::order`] lists the TLVs in wire order, each naming the field that holds it. The walk
//! visits them in that order, skipping a field that is now `None` or a list entry that is gone,
//! then adds, before the End TLV, every field the order did not cover, in the canonical order.
//! `buffer_len`, `emit` and the `tlv_order` of the JSON all follow the same walk.

use std::net::IpAddr;

use super::org::{Location, Power8023, PowerAt, PowerPriority};
use super::{Field, Id, IdValue, MgmtAddr, MgmtAddress, Oui, Repr, TLV_HEADER_LEN, Text};
use crate::wire::bytes::be_u32;

/// The longest TLV value the 9-bit length can announce; `emit` cuts longer values (only a
/// `Repr` filled in by hand can have them).
pub const MAX_VALUE_LEN: usize = 511;

/// The fields written after the order, when the order does not cover them.
const CANONICAL: [Field; 30] = [
    Field::ChassisId,
    Field::PortId,
    Field::Ttl,
    Field::PortDescription,
    Field::SystemName,
    Field::SystemDescription,
    Field::Capabilities,
    Field::ManagementAddress,
    Field::Org(Oui::IEEE_802_1, 1),
    Field::Org(Oui::IEEE_802_1, 2),
    Field::Org(Oui::IEEE_802_1, 3),
    Field::Org(Oui::IEEE_802_1, 4),
    Field::Org(Oui::IEEE_802_1, 7),
    Field::Org(Oui::IEEE_802_3, 1),
    Field::Org(Oui::IEEE_802_3, 2),
    Field::Org(Oui::IEEE_802_3, 3),
    Field::Org(Oui::IEEE_802_3, 4),
    Field::Org(Oui::MED, 1),
    Field::Org(Oui::MED, 2),
    Field::Org(Oui::MED, 3),
    Field::Org(Oui::MED, 4),
    Field::Org(Oui::MED, 5),
    Field::Org(Oui::MED, 6),
    Field::Org(Oui::MED, 7),
    Field::Org(Oui::MED, 8),
    Field::Org(Oui::MED, 9),
    Field::Org(Oui::MED, 10),
    Field::Org(Oui::MED, 11),
    Field::Org(Oui::IANA, 1),
    Field::Unknown,
];

/// A bounded writer: bytes past the end of `buf` are counted, not written (with an empty
/// `buf` it measures).
struct W<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl W<'_> {
    fn bytes(&mut self, b: &[u8]) {
        let n = b.len().min(self.buf.len().saturating_sub(self.pos));
        if n > 0 {
            self.buf[self.pos..self.pos + n].copy_from_slice(&b[..n]);
        }
        self.pos = self.pos.saturating_add(b.len());
    }
    fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }
    fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }
}

/// `wire` from `n` on (empty past the end).
fn rest(wire: &[u8], n: usize) -> &[u8] {
    wire.get(n..).unwrap_or_default()
}

/// The bits `mask` of `wire[i]` (bits the fields do not model).
fn bits(wire: &[u8], i: usize, mask: u8) -> u8 {
    wire.get(i).map_or(0, |b| b & mask)
}

fn len_u8(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

/// Milliwatts as the 0.1 W units of the wire.
fn deciwatts(mw: u32) -> u16 {
    u16::try_from(mw / 100).unwrap_or(u16::MAX)
}

/// A text field: the text, then what followed it on the wire (its NUL terminator, and any
/// bytes after the NUL).
fn text(t: Option<&Text<'_>>, wire: &[u8], w: &mut W) {
    if let Some(t) = t {
        w.bytes(t.0);
        let nul = wire.iter().position(|&b| b == 0).unwrap_or(wire.len());
        w.bytes(&wire[nul..]);
    }
}

fn ip(a: &IpAddr, w: &mut W) {
    match a {
        IpAddr::V4(a) => w.bytes(&a.octets()),
        IpAddr::V6(a) => w.bytes(&a.octets()),
    }
}

fn id(id: Option<&Id<'_>>, w: &mut W) {
    let Some(id) = id else { return };
    w.u8(id.subtype);
    match &id.value {
        IdValue::Mac(m) => w.bytes(&m.0),
        IdValue::Ip(a) => {
            w.u8(if a.is_ipv4() { 1 } else { 2 });
            ip(a, w);
        }
        IdValue::Text(t) => w.bytes(t.0),
        IdValue::Hex(h) => w.bytes(h.0),
    }
}

fn mgmt(m: &MgmtAddr<'_>, w: &mut W) {
    let alen = match &m.address {
        MgmtAddress::Ip(IpAddr::V4(_)) => 4,
        MgmtAddress::Ip(IpAddr::V6(_)) => 16,
        MgmtAddress::Mac(_) => 6,
        MgmtAddress::Hex(h) => h.0.len(),
    };
    w.u8(len_u8(1 + alen));
    w.u8(m.subtype);
    match &m.address {
        MgmtAddress::Ip(a) => ip(a, w),
        MgmtAddress::Mac(a) => w.bytes(&a.0),
        MgmtAddress::Hex(h) => w.bytes(h.0),
    }
    w.u8(m.interface_subtype);
    w.u32(m.interface_number);
    let oid = m.oid.map_or(&[][..], |h| h.0);
    w.u8(len_u8(oid.len()));
    w.bytes(oid);
}

/// Flags byte: `a` in bit 0, `b` in bit 1, the other bits from the wire.
fn flags2(a: bool, b: bool, wire: &[u8], w: &mut W) {
    w.u8(u8::from(a) | u8::from(b) << 1 | bits(wire, 0, !0x03));
}

fn power8023(p: &Power8023, wire: &[u8], w: &mut W) {
    w.u8((p.port_class.code() & 1)
        | u8::from(p.supported) << 1
        | u8::from(p.enabled) << 2
        | u8::from(p.pair_control) << 3
        | bits(wire, 0, 0xf0));
    w.u8(p.pairs);
    w.u8(p.class);
    if p.at.is_some() || p.bt.is_some() {
        let at = p.at.unwrap_or(PowerAt {
            power_type: 2,
            source: 0,
            priority: PowerPriority::Unspecified,
            requested_mw: 0,
            allocated_mw: 0,
        });
        let type1 = if at.power_type == 1 { 0x80 } else { 0 };
        // Bit 6 (PSE/PD) and bits 3:2 are not modelled.
        w.u8(type1 | (at.source & 3) << 4 | (at.priority.code() & 3) | bits(wire, 3, 0x4c));
        w.u16(deciwatts(at.requested_mw));
        w.u16(deciwatts(at.allocated_mw));
    }
    if let Some(bt) = p.bt {
        w.u16(deciwatts(bt.requested_a_mw));
        w.u16(deciwatts(bt.requested_b_mw));
        w.u16(deciwatts(bt.allocated_a_mw));
        w.u16(deciwatts(bt.allocated_b_mw));
        w.u16(
            u16::from(bt.pse_powering_status & 3) << 14
                | u16::from(bt.pd_powering_status & 3) << 12
                | u16::from(bt.power_pairs_ext & 3) << 10
                | u16::from(bt.class_ext_a & 7) << 7
                | u16::from(bt.class_ext_b & 7) << 4
                | u16::from(bt.class_ext & 0xf),
        );
        w.u8((bt.power_type_ext.wrapping_sub(1) & 7) << 1
            | (bt.pd_load & 1)
            | bits(wire, 18, 0xf0));
        w.u16(deciwatts(bt.max_power_mw));
    }
    // What follows the part the decoder reads (802.3bt autoclass and power down, padding).
    let read = match wire.len() {
        21.. => 21,
        8.. => 8,
        _ => 3,
    };
    w.bytes(rest(wire, read));
}

fn location(loc: &Location<'_>, wire: &[u8], w: &mut W) {
    match loc {
        Location::Coordinate { value } => {
            w.u8(1);
            w.bytes(value.0);
        }
        Location::Civic {
            what,
            country,
            elements,
        } => {
            w.u8(2);
            let body =
                1 + country.0.len() + elements.iter().map(|e| 2 + e.value.0.len()).sum::<usize>();
            w.u8(len_u8(body));
            w.u8(*what);
            w.bytes(country.0);
            for e in elements {
                w.u8(e.ca_type);
                w.u8(len_u8(e.value.0.len()));
                w.bytes(e.value.0);
            }
            if wire.first() == Some(&2) {
                let lci = &wire[1..];
                let n = lci.first().map_or(0, |&n| usize::from(n));
                w.bytes(rest(lci, 1 + n));
            }
        }
        Location::Elin { value } => {
            w.u8(3);
            w.bytes(value.0);
        }
        Location::Unknown { code, value } => {
            w.u8(*code);
            w.bytes(value.0);
        }
    }
}

/// Walk state: the singleton fields written, and the next entry of each list.
#[derive(Default)]
struct Walk {
    done: u32,
    next: [usize; 7],
}

impl<'a> Repr<'a> {
    /// For a field holding one TLV: its bit in [`Walk::done`] and whether it is set.
    fn single(&self, f: Field) -> Option<(u32, bool)> {
        let d1 = self.ieee_802_1.as_ref();
        let d3 = self.ieee_802_3.as_ref();
        let m = self.med.as_ref();
        Some(match f {
            Field::ChassisId => (0, self.chassis_id.is_some()),
            Field::PortId => (1, self.port_id.is_some()),
            Field::Ttl => (2, self.ttl.is_some()),
            Field::PortDescription => (3, self.port_description.is_some()),
            Field::SystemName => (4, self.system_name.is_some()),
            Field::SystemDescription => (5, self.system_description.is_some()),
            Field::Capabilities => (6, self.capabilities.is_some()),
            Field::Org(Oui::IEEE_802_1, 1) => (7, d1.is_some_and(|d| d.pvid.is_some())),
            Field::Org(Oui::IEEE_802_1, 7) => (8, d1.is_some_and(|d| d.link_aggregation.is_some())),
            Field::Org(Oui::IEEE_802_3, 1) => (9, d3.is_some_and(|d| d.mac_phy.is_some())),
            Field::Org(Oui::IEEE_802_3, 2) => (10, d3.is_some_and(|d| d.power.is_some())),
            Field::Org(Oui::IEEE_802_3, 3) => {
                (11, d3.is_some_and(|d| d.link_aggregation.is_some()))
            }
            Field::Org(Oui::IEEE_802_3, 4) => (12, d3.is_some_and(|d| d.max_frame_size.is_some())),
            Field::Org(Oui::MED, 1) => (
                13,
                m.is_some_and(|m| m.capabilities.is_some() || m.device_class.is_some()),
            ),
            Field::Org(Oui::MED, 4) => (14, m.is_some_and(|m| m.power.is_some())),
            Field::Org(Oui::MED, s @ 5..=11) => (10 + u32::from(s), self.med_text(s).is_some()),
            Field::Org(Oui::IANA, 1) => (22, self.mud_url.is_some()),
            _ => return None,
        })
    }

    /// For a field holding a list of TLVs: its index in [`Walk::next`] and its length.
    fn list(&self, f: Field) -> Option<(usize, usize)> {
        let d1 = self.ieee_802_1.as_ref();
        let m = self.med.as_ref();
        Some(match f {
            Field::ManagementAddress => (0, self.management_addresses.len()),
            Field::Unknown => (1, self.unknown_tlvs.len()),
            Field::Org(Oui::IEEE_802_1, 2) => (2, d1.map_or(0, |d| d.ppvids.len())),
            Field::Org(Oui::IEEE_802_1, 3) => (3, d1.map_or(0, |d| d.vlan_names.len())),
            Field::Org(Oui::IEEE_802_1, 4) => (4, d1.map_or(0, |d| d.protocol_ids.len())),
            Field::Org(Oui::MED, 2) => (5, m.map_or(0, |m| m.policies.len())),
            Field::Org(Oui::MED, 3) => (6, m.map_or(0, |m| m.location.len())),
            _ => return None,
        })
    }

    fn med_text(&self, subtype: u8) -> Option<&Text<'a>> {
        let m = self.med.as_ref()?;
        match subtype {
            5 => m.hardware_revision.as_ref(),
            6 => m.firmware_revision.as_ref(),
            7 => m.software_revision.as_ref(),
            8 => m.serial_number.as_ref(),
            9 => m.manufacturer.as_ref(),
            10 => m.model_name.as_ref(),
            11 => m.asset_id.as_ref(),
            _ => None,
        }
    }

    /// Visits `f` (with its wire bytes) if it still has something to write.
    fn visit(
        &self,
        st: &mut Walk,
        f: Field,
        wire: &'a [u8],
        out: &mut dyn FnMut(Field, usize, &'a [u8]),
    ) {
        if let Some((bit, set)) = self.single(f) {
            if set && st.done & (1 << bit) == 0 {
                st.done |= 1 << bit;
                out(f, 0, wire);
            }
        } else if let Some((i, len)) = self.list(f) {
            if st.next[i] < len {
                out(f, st.next[i], wire);
                st.next[i] += 1;
            }
        } else {
            out(f, 0, wire);
        }
    }

    /// Visits every field the order did not cover, in the canonical order.
    fn flush(&self, st: &mut Walk, out: &mut dyn FnMut(Field, usize, &'a [u8])) {
        for f in CANONICAL {
            match self.list(f) {
                Some((i, len)) => {
                    while st.next[i] < len {
                        self.visit(st, f, &[], out);
                    }
                }
                None => self.visit(st, f, &[], out),
            }
        }
    }

    /// Calls `out(field, list index, wire)` for every TLV `emit` writes, in order.
    pub(super) fn walk(&self, out: &mut dyn FnMut(Field, usize, &'a [u8])) {
        let mut st = Walk::default();
        let mut flushed = false;
        for s in &self.order {
            if s.field == Field::End && !flushed {
                self.flush(&mut st, out);
                flushed = true;
            }
            self.visit(&mut st, s.field, s.wire, out);
        }
        if !flushed {
            self.flush(&mut st, out);
            if self.order.is_empty() {
                out(Field::End, 0, &[]);
            }
        }
    }

    /// The TLV type of a walked TLV.
    pub(super) fn type_of(&self, f: Field, i: usize) -> u8 {
        let t = match f {
            Field::End => 0,
            Field::ChassisId => 1,
            Field::PortId => 2,
            Field::Ttl => 3,
            Field::PortDescription => 4,
            Field::SystemName => 5,
            Field::SystemDescription => 6,
            Field::Capabilities => 7,
            Field::ManagementAddress => 8,
            Field::Org(..) => 127,
            Field::Raw(t) => t,
            Field::Unknown => self.unknown_tlvs.get(i).map_or(127, |u| u.tlv_type),
        };
        t & 0x7f
    }

    /// The `tlv_order` token of a walked TLV: its type, or `127/<oui>/<subtype>`.
    pub(super) fn token(&self, f: Field, i: usize, wire: &[u8]) -> String {
        let t = self.type_of(f, i);
        let org = match f {
            Field::Org(o, s) => Some((o, s)),
            Field::Unknown => self
                .unknown_tlvs
                .get(i)
                .and_then(|u| Some((u.oui?, u.subtype?))),
            Field::Raw(_) => match wire {
                [a, b, c, s, ..] => Some((Oui([*a, *b, *c]), *s)),
                _ => None,
            },
            _ => None,
        };
        match org {
            Some((o, s)) if t == 127 => format!("127/{o}/{s}"),
            _ => t.to_string(),
        }
    }

    /// Writes the value of a walked TLV.
    fn put_value(&self, f: Field, i: usize, wire: &[u8], w: &mut W) {
        match f {
            Field::End => {}
            Field::Raw(_) => w.bytes(wire),
            Field::ChassisId => id(self.chassis_id.as_ref(), w),
            Field::PortId => id(self.port_id.as_ref(), w),
            Field::Ttl => {
                w.u16(self.ttl.unwrap_or(0));
                w.bytes(rest(wire, 2));
            }
            Field::PortDescription => text(self.port_description.as_ref(), wire, w),
            Field::SystemName => text(self.system_name.as_ref(), wire, w),
            Field::SystemDescription => text(self.system_description.as_ref(), wire, w),
            Field::Capabilities => {
                if let Some(c) = self.capabilities {
                    w.u16(c.system.0);
                    w.u16(c.enabled.0);
                    w.bytes(rest(wire, 4));
                }
            }
            Field::ManagementAddress => {
                if let Some(m) = self.management_addresses.get(i) {
                    mgmt(m, w);
                }
            }
            Field::Unknown => {
                if let Some(u) = self.unknown_tlvs.get(i) {
                    if let (Some(o), Some(s)) = (u.oui, u.subtype) {
                        w.bytes(&o.0);
                        w.u8(s);
                    }
                    w.bytes(u.value.0);
                }
            }
            Field::Org(oui, s) => {
                w.bytes(&oui.0);
                w.u8(s);
                self.put_org(oui, s, i, wire, w);
            }
        }
    }

    /// Writes the information string of a decoded organisationally specific TLV.
    fn put_org(&self, oui: Oui, s: u8, i: usize, wire: &[u8], w: &mut W) {
        match oui {
            Oui::IEEE_802_1 => {
                let Some(d) = &self.ieee_802_1 else { return };
                match s {
                    1 => {
                        if let Some(v) = d.pvid {
                            w.u16(v);
                            w.bytes(rest(wire, 2));
                        }
                    }
                    2 => {
                        if let Some(p) = d.ppvids.get(i) {
                            w.u8(u8::from(p.supported) << 1
                                | u8::from(p.enabled) << 2
                                | bits(wire, 0, !0x06));
                            w.u16(p.ppvid);
                            w.bytes(rest(wire, 3));
                        }
                    }
                    3 => {
                        if let Some(v) = d.vlan_names.get(i) {
                            w.u16(v.vid);
                            w.u8(len_u8(v.name.0.len()));
                            w.bytes(v.name.0);
                            let n = wire.get(2).map_or(0, |&n| usize::from(n));
                            w.bytes(rest(wire, 3 + n));
                        }
                    }
                    4 => {
                        if let Some(p) = d.protocol_ids.get(i) {
                            w.u8(len_u8(p.0.len()));
                            w.bytes(p.0);
                            let n = wire.first().map_or(0, |&n| usize::from(n));
                            w.bytes(rest(wire, 1 + n));
                        }
                    }
                    7 => {
                        if let Some(a) = d.link_aggregation {
                            flags2(a.supported, a.enabled, wire, w);
                            w.u32(a.port_id);
                            w.bytes(rest(wire, 5));
                        }
                    }
                    _ => w.bytes(wire),
                }
            }
            Oui::IEEE_802_3 => {
                let Some(d) = &self.ieee_802_3 else { return };
                match s {
                    1 => {
                        if let Some(m) = d.mac_phy {
                            flags2(m.autoneg_supported, m.autoneg_enabled, wire, w);
                            w.u16(m.advertised);
                            w.u16(m.mau_type);
                            w.bytes(rest(wire, 5));
                        }
                    }
                    2 => {
                        if let Some(p) = &d.power {
                            power8023(p, wire, w);
                        }
                    }
                    3 => {
                        if let Some(a) = d.link_aggregation {
                            flags2(a.supported, a.enabled, wire, w);
                            w.u32(a.port_id);
                            w.bytes(rest(wire, 5));
                        }
                    }
                    4 => {
                        if let Some(v) = d.max_frame_size {
                            w.u16(v);
                            w.bytes(rest(wire, 2));
                        }
                    }
                    _ => w.bytes(wire),
                }
            }
            Oui::MED => {
                let Some(m) = &self.med else { return };
                match s {
                    1 => {
                        w.u16(m.capabilities.map_or(0, |c| c.0));
                        w.u8(m.device_class.map_or(0, |c| c.code()));
                        w.bytes(rest(wire, 3));
                    }
                    2 => {
                        if let Some(p) = m.policies.get(i) {
                            let reserved = be_u32(wire, 0).unwrap_or(0) & (1 << 21);
                            w.u32(
                                u32::from(p.application.code()) << 24
                                    | u32::from(p.unknown) << 23
                                    | u32::from(p.tagged) << 22
                                    | u32::from(p.vlan & 0xfff) << 9
                                    | u32::from(p.priority & 7) << 6
                                    | u32::from(p.dscp & 0x3f)
                                    | reserved,
                            );
                            w.bytes(rest(wire, 4));
                        }
                    }
                    3 => {
                        if let Some(l) = m.location.get(i) {
                            location(l, wire, w);
                        }
                    }
                    4 => {
                        if let Some(p) = m.power {
                            w.u8((p.power_type.code() & 3) << 6
                                | (p.source & 3) << 4
                                | (p.priority.code() & 0xf));
                            w.u16(deciwatts(p.value_mw));
                            w.bytes(rest(wire, 3));
                        }
                    }
                    5..=11 => text(self.med_text(s), wire, w),
                    _ => w.bytes(wire),
                }
            }
            Oui::IANA if s == 1 => text(self.mud_url.as_ref(), wire, w),
            _ => w.bytes(wire),
        }
    }

    /// Length of the value of a walked TLV (cut at [`MAX_VALUE_LEN`]).
    fn value_len(&self, f: Field, i: usize, wire: &[u8]) -> usize {
        let mut w = W {
            buf: &mut [],
            pos: 0,
        };
        self.put_value(f, i, wire, &mut w);
        w.pos.min(MAX_VALUE_LEN)
    }

    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        let mut n = 0;
        self.walk(&mut |f, i, wire| n += TLV_HEADER_LEN + self.value_len(f, i, wire));
        n
    }

    /// Encodes the fields as TLVs (see [`Repr`]) into `buf[..buffer_len()]`.
    pub fn emit(&self, buf: &mut [u8]) {
        let mut off = 0;
        self.walk(&mut |f, i, wire| {
            let len = self.value_len(f, i, wire);
            let h = (u16::from(self.type_of(f, i)) << 9) | len as u16;
            buf[off..off + TLV_HEADER_LEN].copy_from_slice(&h.to_be_bytes());
            let start = off + TLV_HEADER_LEN;
            let mut w = W {
                buf: &mut buf[start..start + len],
                pos: 0,
            };
            self.put_value(f, i, wire, &mut w);
            off = start + len;
        });
    }
}
