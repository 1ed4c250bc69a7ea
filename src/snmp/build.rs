//! The port-table builder: walked variables in, [`PortTable`] out. Pure (no I/O), so it runs on
//! a recording's variables as well as on a live poll.
//!
//! # How each part is joined to a port (ifIndex)
//! - FDB: Q-BRIDGE `dot1qTpFdbPort` (VLAN from `dot1qVlanFdbId`, else the FDB id itself, as
//!   most agents use one FDB per VLAN), then BRIDGE `dot1dTpFdbPort` in the default context (no
//!   VLAN) and in each Cisco `community@vlan` context (that VLAN); bridge port → ifIndex through
//!   `dot1dBasePortIfIndex` of the same context (the default context's as a fallback). Port 0
//!   (the switch itself) and `invalid` entries are skipped.
//! - LLDP: `lldpRemLocalPortNum` → `lldpLocPortTable`: the local port ID or description that
//!   names an interface (ifName, ifDescr), else the port number itself when it is an ifIndex.
//! - CDP: the cache is indexed by ifIndex.
//! - PoE: `pethPsePortGroupIndex.pethPsePortIndex` → the interface whose name ends in
//!   `<group>…/<port>` (Cisco stacks, `Gi1/0/5`), else the port index when it is an ethernet
//!   ifIndex (HP, Arista, most others).
//! - 802.1X: `dot1xPaePortNumber` is an ifIndex (Cisco, HP), else a bridge port.
//!
//! # Uplinks (netdisco's reasoning)
//! A port is an uplink, and so no edge location for attribution, when
//! 1. it has an LLDP neighbor whose enabled capabilities (supported ones when none are enabled)
//!    include `bridge` or `router`, and not `telephone` or `wlanAccessPoint` (phones and APs
//!    advertise a bridge for the PC or clients behind them, yet are end devices);
//! 2. it has a CDP neighbor with the `router` or `switch` capability and not `phone`
//!    (`trans-bridge` alone is what APs advertise);
//! 3. a MAC behind it belongs to another switch polled in the same cycle (its bridge address,
//!    LLDP chassis MAC or an interface MAC): [`mark_cross_switch_uplinks`];
//!
//! More distinct MACs behind a port than an edge port carries ([`BuildOptions::edge_mac_limit`])
//! do not make it an uplink: a port whose neighbor is not network gear and whose forwarding
//! table jumps to 20 MACs is a switch plugged in at a desk. It is marked
//! [`crowded`](super::table::Port::crowded) and the engine raises `port-topology-changed`.

use std::collections::{BTreeMap, BTreeSet};

use super::oid;
use super::table::{
    ArpEntry, Dot1x, MacEntry, MedInventory, Neighbor, Poe, Port, PortTable, SwitchInfo,
};
use super::value::{Mib, Value, format_hex, format_mac, oid_to_string};

/// Tunables of the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildOptions {
    /// A port with more distinct MACs than this (and no neighbor that makes it an uplink) is
    /// [`Port::crowded`](super::table::Port::crowded): a switch behind an edge port.
    pub edge_mac_limit: usize,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions { edge_mac_limit: 16 }
    }
}

/// Everything one poll walked from a switch.
#[derive(Debug, Clone, Default)]
pub struct Walked {
    /// Default context (the plain community, or the v3 default context).
    pub main: Mib,
    /// Per-VLAN contexts (Cisco `community@vlan`), by VLAN.
    pub vlan_contexts: BTreeMap<u16, Mib>,
    /// Anomalies met while walking (partial walks, malformed replies).
    pub anomalies: Vec<String>,
    /// Some walk stopped short: the table built from it is [`PortTable::partial`].
    pub partial: bool,
}

/// Builds the port table of one switch.
pub fn build(mut switch: SwitchInfo, walked: &Walked, opts: &BuildOptions) -> PortTable {
    let m = &walked.main;
    let mut anomalies = walked.anomalies.clone();

    switch.sys_descr = m.get(oid::SYS_DESCR).and_then(Value::as_text);
    switch.sys_object_id = m.get(oid::SYS_OBJECT_ID).and_then(Value::as_text);
    switch.sys_name = m
        .get(oid::SYS_NAME)
        .and_then(Value::as_text)
        .filter(|s| !s.is_empty());
    let (model, serial) = chassis(m);
    switch.model = model;
    switch.serial = serial;

    let mut ports = interfaces(m);
    let idx_of: BTreeMap<u32, usize> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| (p.if_index, i))
        .collect();

    let mut macs: BTreeMap<u32, BTreeSet<MacEntry>> = BTreeMap::new();
    fdb(walked, &idx_of, &mut macs, &mut anomalies);
    for (if_index, set) in macs {
        let p = &mut ports[idx_of[&if_index]];
        // A MAC seen with a VLAN makes its VLAN-less duplicate (default-context BRIDGE-MIB) redundant.
        let with_vlan: BTreeSet<&str> = set
            .iter()
            .filter(|e| e.vlan.is_some())
            .map(|e| e.mac.as_str())
            .collect();
        p.macs = set
            .iter()
            .filter(|e| e.vlan.is_some() || !with_vlan.contains(e.mac.as_str()))
            .cloned()
            .collect();
    }

    for (if_index, n) in lldp_neighbors(m, &ports, &idx_of, &mut anomalies) {
        ports[idx_of[&if_index]].neighbors.push(n);
    }
    for (if_index, n) in cdp_neighbors(m) {
        match idx_of.get(&if_index) {
            Some(&i) => ports[i].neighbors.push(n),
            None => anomalies.push(format!(
                "CDP neighbor {} on unknown ifIndex {if_index}",
                n.chassis_id.as_deref().unwrap_or("?")
            )),
        }
    }
    poe(m, &mut ports, &idx_of, &mut anomalies);
    dot1x(m, &mut ports, &idx_of, &mut anomalies);

    for p in &mut ports {
        if let Some(reason) = uplink_reason(p) {
            p.uplink = true;
            p.uplink_reason = Some(reason);
        } else {
            let distinct: BTreeSet<&str> = p.macs.iter().map(|e| e.mac.as_str()).collect();
            p.crowded = distinct.len() > opts.edge_mac_limit;
        }
    }

    PortTable {
        switch,
        status: super::table::Reachability::Ok,
        reason: None,
        polled_at: None,
        arp: arp(m),
        own_macs: own_macs(m),
        ports,
        anomalies,
        partial: walked.partial,
    }
}

/// Marks ports behind which a MAC of another switch in `tables` appears (rule 3).
pub fn mark_cross_switch_uplinks(tables: &mut [PortTable]) {
    let owners: Vec<(usize, BTreeSet<String>)> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (i, t.own_macs.clone()))
        .collect();
    for (i, t) in tables.iter_mut().enumerate() {
        for p in t.ports.iter_mut().filter(|p| !p.uplink) {
            let hit = p.macs.iter().find_map(|e| {
                owners
                    .iter()
                    .find(|(j, set)| *j != i && set.contains(&e.mac))
                    .map(|(j, _)| (e.mac.clone(), *j))
            });
            if let Some((mac, _)) = hit {
                p.uplink = true;
                p.uplink_reason = Some(format!("MAC {mac} belongs to another polled switch"));
            }
        }
    }
}

fn single_index(idx: &[u32]) -> Option<u32> {
    match idx {
        [i] => Some(*i),
        _ => None,
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_bytes()
        .map_or_else(|| v.as_text(), |b| Some(display_bytes(b)))
}

/// Text when the bytes are printable (trailing NULs dropped), colon hex otherwise.
pub fn display_bytes(b: &[u8]) -> String {
    let end = b.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
    let b = &b[..end];
    match std::str::from_utf8(b) {
        Ok(s)
            if s.chars()
                .all(|c| !c.is_control() || c == '\n' || c == '\r' || c == '\t') =>
        {
            s.to_owned()
        }
        _ => format_hex(b),
    }
}

fn interfaces(m: &Mib) -> Vec<Port> {
    let mut by_index: BTreeMap<u32, Port> = BTreeMap::new();
    fn entry(m: &mut BTreeMap<u32, Port>, i: u32) -> &mut Port {
        m.entry(i).or_insert_with(|| Port {
            if_index: i,
            ..Port::default()
        })
    }
    for (idx, v) in m.column(oid::IF_DESCR) {
        if let Some(i) = single_index(idx) {
            entry(&mut by_index, i).descr = text(v);
        }
    }
    for (idx, v) in m.column(oid::IF_NAME) {
        if let Some(i) = single_index(idx) {
            entry(&mut by_index, i).name = text(v).unwrap_or_default();
        }
    }
    for (idx, v) in m.column(oid::IF_ALIAS) {
        if let Some(i) = single_index(idx) {
            entry(&mut by_index, i).alias = text(v);
        }
    }
    for (idx, v) in m.column(oid::IF_TYPE) {
        if let Some(i) = single_index(idx) {
            entry(&mut by_index, i).if_type = v.as_u64().and_then(|t| u32::try_from(t).ok());
        }
    }
    for (idx, v) in m.column(oid::IF_OPER_STATUS) {
        if let Some(i) = single_index(idx) {
            entry(&mut by_index, i).oper_status = v.as_i64().map(oper_status);
        }
    }
    for (idx, v) in m.column(oid::IF_HIGH_SPEED) {
        if let Some(i) = single_index(idx) {
            entry(&mut by_index, i).speed_mbps = v.as_u64();
        }
    }
    by_index
        .into_values()
        .map(|mut p| {
            if p.name.is_empty() {
                p.name = p.descr.clone().unwrap_or_else(|| p.if_index.to_string());
            }
            p
        })
        .collect()
}

fn oper_status(v: i64) -> String {
    match v {
        1 => "up",
        2 => "down",
        3 => "testing",
        4 => "unknown",
        5 => "dormant",
        6 => "notPresent",
        7 => "lowerLayerDown",
        _ => return format!("unknown({v})"),
    }
    .to_owned()
}

fn chassis(m: &Mib) -> (Option<String>, Option<String>) {
    let col = |c: u32| {
        let mut p = oid::ENT_PHYSICAL_ENTRY.to_vec();
        p.push(c);
        p
    };
    let class = col(5);
    let serial_col = col(11);
    let model_col = col(13);
    let nonempty = |o: &[u32]| {
        m.get(o)
            .and_then(text)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let get = |c: &Vec<u32>, idx: &[u32]| {
        let mut o = c.clone();
        o.extend_from_slice(idx);
        nonempty(&o)
    };
    // The first chassis (class 3) with a model name; else the first chassis; else any entity.
    let chassis: Vec<Vec<u32>> = m
        .column(&class)
        .filter(|(_, v)| v.as_i64() == Some(3))
        .map(|(i, _)| i.to_vec())
        .collect();
    let pick = chassis
        .iter()
        .find(|i| get(&model_col, i).is_some())
        .or(chassis.first())
        .cloned()
        .or_else(|| {
            m.column(&model_col)
                .find(|(_, v)| text(v).is_some_and(|s| !s.trim().is_empty()))
                .map(|(i, _)| i.to_vec())
        });
    match pick {
        Some(i) => (get(&model_col, &i), get(&serial_col, &i)),
        None => (None, None),
    }
}

fn base_ports(m: &Mib) -> BTreeMap<u32, u32> {
    m.column(oid::DOT1D_BASE_PORT_IF_INDEX)
        .filter_map(|(idx, v)| Some((single_index(idx)?, u32::try_from(v.as_u64()?).ok()?)))
        .collect()
}

fn fdb(
    walked: &Walked,
    idx_of: &BTreeMap<u32, usize>,
    out: &mut BTreeMap<u32, BTreeSet<MacEntry>>,
    anomalies: &mut Vec<String>,
) {
    let m = &walked.main;
    let main_ports = base_ports(m);
    let mut unknown: BTreeSet<u32> = BTreeSet::new();
    let mut resolve = |ctx_ports: &BTreeMap<u32, u32>, bp: u32| -> Option<u32> {
        let ifi = ctx_ports
            .get(&bp)
            .or_else(|| main_ports.get(&bp))
            .copied()
            .or_else(|| {
                // No dot1dBasePortIfIndex at all: agents of this kind number bridge ports by ifIndex.
                (ctx_ports.is_empty() && main_ports.is_empty() && idx_of.contains_key(&bp))
                    .then_some(bp)
            });
        match ifi {
            Some(i) if idx_of.contains_key(&i) => Some(i),
            _ => {
                unknown.insert(bp);
                None
            }
        }
    };

    // Q-BRIDGE: fdbId → VLAN.
    let fdb_vlan: BTreeMap<u32, u16> = m
        .column(oid::DOT1Q_VLAN_FDB_ID)
        .filter_map(|(idx, v)| {
            let vlan = u16::try_from(*idx.last()?).ok()?;
            Some((u32::try_from(v.as_u64()?).ok()?, vlan))
        })
        .collect();
    let status_of = |col: &[u32], idx: &[u32], mib: &Mib| {
        let mut o = col.to_vec();
        o.extend_from_slice(idx);
        mib.get(&o).and_then(Value::as_i64)
    };
    for (idx, v) in m.column(oid::DOT1Q_TP_FDB_PORT) {
        let (Some((&fdb_id, mac)), Some(bp)) = (idx.split_first(), v.as_u64()) else {
            continue;
        };
        let Some(mac) = mac_from_index(mac) else {
            anomalies.push(format!(
                "dot1qTpFdbPort index {} is not fdbId.MAC",
                oid_to_string(idx)
            ));
            continue;
        };
        if bp == 0 || status_of(oid::DOT1Q_TP_FDB_STATUS, idx, m) == Some(2) {
            continue;
        }
        let vlan = fdb_vlan.get(&fdb_id).copied().or_else(|| {
            u16::try_from(fdb_id)
                .ok()
                .filter(|v| (1..=4094).contains(v))
        });
        if let Some(i) = u32::try_from(bp)
            .ok()
            .and_then(|bp| resolve(&BTreeMap::new(), bp))
        {
            out.entry(i).or_default().insert(MacEntry { mac, vlan });
        }
    }

    let contexts = std::iter::once((None, m, BTreeMap::new())).chain(
        walked
            .vlan_contexts
            .iter()
            .map(|(vlan, mib)| (Some(*vlan), mib, base_ports(mib))),
    );
    for (vlan, mib, ctx_ports) in contexts {
        for (idx, v) in mib.column(oid::DOT1D_TP_FDB_PORT) {
            let Some(bp) = v.as_u64() else { continue };
            let Some(mac) = mac_from_index(idx) else {
                anomalies.push(format!(
                    "dot1dTpFdbPort index {} is not a MAC",
                    oid_to_string(idx)
                ));
                continue;
            };
            if bp == 0 || status_of(oid::DOT1D_TP_FDB_STATUS, idx, mib) == Some(2) {
                continue;
            }
            if let Some(i) = u32::try_from(bp)
                .ok()
                .and_then(|bp| resolve(&ctx_ports, bp))
            {
                out.entry(i).or_default().insert(MacEntry { mac, vlan });
            }
        }
    }
    for bp in unknown {
        anomalies.push(format!(
            "FDB entries on bridge port {bp}, which maps to no interface"
        ));
    }
}

fn mac_from_index(idx: &[u32]) -> Option<String> {
    if idx.len() != 6 || idx.iter().any(|&b| b > 255) {
        return None;
    }
    let b: Vec<u8> = idx.iter().map(|&x| x as u8).collect();
    format_mac(&b)
}

const LLDP_CAPS: [&str; 11] = [
    "other",
    "repeater",
    "bridge",
    "wlanAccessPoint",
    "router",
    "telephone",
    "docsisCableDevice",
    "stationOnly",
    "cVLANComponent",
    "sVLANComponent",
    "twoPortMACRelay",
];

/// LLDP capability names of a BITS value (bit 0 is the high bit of the first octet).
pub fn lldp_caps(b: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, name) in LLDP_CAPS.iter().enumerate() {
        if b.get(i / 8)
            .is_some_and(|byte| byte & (0x80 >> (i % 8)) != 0)
        {
            out.push((*name).to_owned());
        }
    }
    out
}

const CDP_CAPS: [(u32, &str); 11] = [
    (0x01, "router"),
    (0x02, "trans-bridge"),
    (0x04, "source-route-bridge"),
    (0x08, "switch"),
    (0x10, "host"),
    (0x20, "igmp"),
    (0x40, "repeater"),
    (0x80, "phone"),
    (0x100, "remote"),
    (0x200, "cvta"),
    (0x400, "two-port-mac-relay"),
];

/// CDP capability names of the cdpCacheCapabilities octets (a 32-bit big-endian mask).
pub fn cdp_caps(b: &[u8]) -> Vec<String> {
    let mask = b
        .iter()
        .take(4)
        .fold(0u32, |acc, &x| (acc << 8) | u32::from(x));
    CDP_CAPS
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, n)| (*n).to_owned())
        .collect()
}

fn lldp_id(subtype: Option<i64>, b: &[u8], chassis: bool) -> String {
    // Chassis subtypes: 4 MAC, 5 network address. Port subtypes: 3 MAC, 4 network address.
    let (mac, net) = if chassis { (4, 5) } else { (3, 4) };
    match subtype {
        Some(s) if s == mac && b.len() == 6 => format_mac(b).unwrap_or_default(),
        Some(s) if s == net => inet_family_address(b).unwrap_or_else(|| display_bytes(b)),
        _ => display_bytes(b),
    }
}

/// An IANA address-family-prefixed address (1 IPv4, 2 IPv6).
fn inet_family_address(b: &[u8]) -> Option<String> {
    match b.split_first()? {
        (1, a) => inet_address(1, a),
        (2, a) => inet_address(2, a),
        _ => None,
    }
}

fn inet_address(family: u32, a: &[u8]) -> Option<String> {
    match (family, a.len()) {
        (1, 4) => Some(std::net::Ipv4Addr::new(a[0], a[1], a[2], a[3]).to_string()),
        (2, 16) => {
            let arr: [u8; 16] = a.try_into().ok()?;
            Some(std::net::Ipv6Addr::from(arr).to_string())
        }
        _ => None,
    }
}

fn lldp_local_ports(m: &Mib, ports: &[Port], idx_of: &BTreeMap<u32, usize>) -> BTreeMap<u32, u32> {
    let mut by_name: BTreeMap<&str, u32> = BTreeMap::new();
    for p in ports {
        if let Some(d) = p.descr.as_deref() {
            by_name.entry(d).or_insert(p.if_index);
        }
    }
    for p in ports {
        by_name.insert(p.name.as_str(), p.if_index);
    }
    let col = |c: u32, n: u32| {
        let mut o = oid::LLDP_LOC_PORT_TABLE.to_vec();
        o.extend([c, n]);
        m.get(&o).and_then(Value::as_bytes).map(display_bytes)
    };
    let nums: BTreeSet<u32> = m
        .column(oid::LLDP_LOC_PORT_TABLE)
        .filter_map(|(idx, _)| match idx {
            [_, n] => Some(*n),
            _ => None,
        })
        .collect();
    let mut out = BTreeMap::new();
    for n in nums {
        let names = [col(3, n), col(4, n)];
        let named: Vec<u32> = names
            .iter()
            .flatten()
            .filter_map(|s| by_name.get(s.as_str()).copied())
            .collect();
        let ifi = if idx_of.contains_key(&n) && (named.is_empty() || named.contains(&n)) {
            Some(n)
        } else {
            named.first().copied()
        };
        if let Some(i) = ifi {
            out.insert(n, i);
        }
    }
    out
}

fn lldp_neighbors(
    m: &Mib,
    ports: &[Port],
    idx_of: &BTreeMap<u32, usize>,
    anomalies: &mut Vec<String>,
) -> Vec<(u32, Neighbor)> {
    let local = lldp_local_ports(m, ports, idx_of);
    // Remote rows keyed by (localPortNum, remIndex); the time mark is ignored.
    let mut rows: BTreeMap<(u32, u32), BTreeMap<u32, &Value>> = BTreeMap::new();
    for (idx, v) in m.column(oid::LLDP_REM_ENTRY) {
        if let [col, _tm, lp, ri] = idx {
            rows.entry((*lp, *ri)).or_default().insert(*col, v);
        }
    }
    let mut mgmt: BTreeMap<(u32, u32), String> = BTreeMap::new();
    for (idx, _) in m.column(oid::LLDP_REM_MAN_ADDR_IF_SUBTYPE) {
        if let [_tm, lp, ri, family, len, addr @ ..] = idx {
            if *len as usize != addr.len() || addr.iter().any(|&b| b > 255) {
                continue;
            }
            let bytes: Vec<u8> = addr.iter().map(|&b| b as u8).collect();
            let text = inet_address(*family, &bytes).unwrap_or_else(|| format_hex(&bytes));
            // Prefer IPv4 when a neighbor advertises several addresses.
            let e = mgmt.entry((*lp, *ri)).or_insert_with(|| text.clone());
            if *family == 1 && e.contains(':') {
                *e = text;
            }
        }
    }
    let mut inventory: BTreeMap<(u32, u32), MedInventory> = BTreeMap::new();
    for (idx, v) in m.column(oid::LLDP_MED_REM_INVENTORY) {
        if let [col, _tm, lp, ri] = idx {
            let s = text(v)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty());
            let inv = inventory.entry((*lp, *ri)).or_default();
            match col {
                1 => inv.hardware_revision = s,
                2 => inv.firmware_revision = s,
                3 => inv.software_revision = s,
                4 => inv.serial = s,
                5 => inv.manufacturer = s,
                6 => inv.model = s,
                _ => {}
            }
        }
    }

    let mut out = Vec::new();
    for ((lp, ri), cols) in rows {
        let bytes = |c: u32| cols.get(&c).and_then(|v| v.as_bytes());
        let int = |c: u32| cols.get(&c).and_then(|v| v.as_i64());
        let s = |c: u32| bytes(c).map(display_bytes).filter(|s| !s.is_empty());
        let caps = match bytes(12).map(lldp_caps) {
            Some(c) if !c.is_empty() => c,
            _ => bytes(11).map(lldp_caps).unwrap_or_default(),
        };
        let inv = inventory
            .remove(&(lp, ri))
            .filter(|i| *i != MedInventory::default());
        let n = Neighbor {
            protocol: "lldp".into(),
            chassis_id: bytes(5).map(|b| lldp_id(int(4), b, true)),
            port_id: bytes(7).map(|b| lldp_id(int(6), b, false)),
            system_name: s(9),
            system_description: s(10),
            platform: inv.as_ref().and_then(|i| i.model.clone()),
            capabilities: caps,
            management_address: mgmt.get(&(lp, ri)).cloned(),
            port_description: s(8),
            inventory: inv,
        };
        let ifi = local
            .get(&lp)
            .copied()
            .or_else(|| idx_of.contains_key(&lp).then_some(lp));
        match ifi {
            Some(i) => out.push((i, n)),
            None => anomalies.push(format!(
                "LLDP neighbor {} on local port {lp}, which maps to no interface",
                n.system_name
                    .as_deref()
                    .or(n.chassis_id.as_deref())
                    .unwrap_or("?")
            )),
        }
    }
    out
}

fn cdp_neighbors(m: &Mib) -> Vec<(u32, Neighbor)> {
    let mut rows: BTreeMap<(u32, u32), BTreeMap<u32, &Value>> = BTreeMap::new();
    for (idx, v) in m.column(oid::CDP_CACHE_ENTRY) {
        if let [col, ifi, dev] = idx {
            rows.entry((*ifi, *dev)).or_default().insert(*col, v);
        }
    }
    rows.into_iter()
        .map(|((ifi, _), cols)| {
            let bytes = |c: u32| cols.get(&c).and_then(|v| v.as_bytes());
            let s = |c: u32| bytes(c).map(display_bytes).filter(|s| !s.is_empty());
            let addr_type = cols.get(&3).and_then(|v| v.as_i64()).unwrap_or(1);
            let address = bytes(4)
                .filter(|b| !b.is_empty())
                .map(|b| match (addr_type, b.len()) {
                    (1, 4) | (20, 4) => inet_address(1, b).unwrap_or_default(),
                    (20, 16) | (2, 16) => inet_address(2, b).unwrap_or_default(),
                    _ => format_hex(b),
                });
            let device_id = s(6);
            (
                ifi,
                Neighbor {
                    protocol: "cdp".into(),
                    chassis_id: device_id.clone(),
                    port_id: s(7),
                    system_name: device_id,
                    system_description: s(5),
                    platform: s(8),
                    capabilities: bytes(9).map(cdp_caps).unwrap_or_default(),
                    management_address: address,
                    port_description: None,
                    inventory: None,
                },
            )
        })
        .collect()
}

fn poe(m: &Mib, ports: &mut [Port], idx_of: &BTreeMap<u32, usize>, anomalies: &mut Vec<String>) {
    let mut rows: BTreeMap<(u32, u32), Poe> = BTreeMap::new();
    for (idx, v) in m.column(oid::PETH_PSE_PORT_ENTRY) {
        let [col, group, port] = idx else { continue };
        let e = rows.entry((*group, *port)).or_default();
        let n = v.as_i64();
        match col {
            3 => e.admin_enabled = n.map(|n| n == 1),
            6 => {
                e.status = n.map(|n| {
                    match n {
                        1 => "disabled",
                        2 => "searching",
                        3 => "deliveringPower",
                        4 => "fault",
                        5 => "test",
                        6 => "otherFault",
                        _ => return format!("unknown({n})"),
                    }
                    .to_owned()
                })
            }
            10 => e.class = n.and_then(|n| u8::try_from(n - 1).ok()).filter(|c| *c <= 8),
            _ => {}
        }
    }
    for ((group, port), state) in rows {
        let by_name: Vec<u32> = ports
            .iter()
            .filter(|p| name_matches_group_port(&p.name, group, port))
            .map(|p| p.if_index)
            .collect();
        let ifi = match by_name.as_slice() {
            [one] => Some(*one),
            _ => idx_of
                .get(&port)
                .filter(|&&i| matches!(ports[i].if_type, Some(6) | Some(117) | None))
                .map(|_| port),
        };
        match ifi {
            Some(i) => ports[idx_of[&i]].poe = Some(state),
            None => anomalies.push(format!("PoE port {group}.{port} maps to no interface")),
        }
    }
}

/// `Gi1/0/5` is group 1 port 5; so is `GigabitEthernet1/5`.
fn name_matches_group_port(name: &str, group: u32, port: u32) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    if parts.len() < 2 {
        return false;
    }
    let first: String = parts[0]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .collect();
    first.parse() == Ok(group) && parts[parts.len() - 1].parse() == Ok(port)
}

fn dot1x(m: &Mib, ports: &mut [Port], idx_of: &BTreeMap<u32, usize>, anomalies: &mut Vec<String>) {
    let bridge = base_ports(m);
    let mut rows: BTreeMap<u32, Dot1x> = BTreeMap::new();
    for (idx, v) in m.column(oid::DOT1X_AUTH_CONFIG_ENTRY) {
        let [col, pn] = idx else { continue };
        let Some(n) = v.as_i64() else { continue };
        let e = rows.entry(*pn).or_default();
        let name = |names: &[&str]| {
            usize::try_from(n - 1)
                .ok()
                .and_then(|i| names.get(i))
                .map_or_else(|| format!("unknown({n})"), |s| (*s).to_owned())
        };
        match col {
            1 => {
                e.pae_state = Some(name(&[
                    "initialize",
                    "disconnected",
                    "connecting",
                    "authenticating",
                    "authenticated",
                    "aborting",
                    "held",
                    "forceAuth",
                    "forceUnauth",
                    "restart",
                ]))
            }
            5 => e.port_status = Some(name(&["authorized", "unauthorized"])),
            6 => e.port_control = Some(name(&["forceUnauthorized", "auto", "forceAuthorized"])),
            _ => {}
        }
    }
    for (pn, state) in rows {
        let ifi = if idx_of.contains_key(&pn) {
            Some(pn)
        } else {
            bridge.get(&pn).copied().filter(|i| idx_of.contains_key(i))
        };
        match ifi {
            Some(i) => ports[idx_of[&i]].dot1x = Some(state),
            None => anomalies.push(format!("802.1X port {pn} maps to no interface")),
        }
    }
}

fn arp(m: &Mib) -> Vec<ArpEntry> {
    let mut set = BTreeSet::new();
    for (idx, v) in m.column(oid::IP_NET_TO_MEDIA_PHYS) {
        if let ([_ifi, a, b, c, d], Some(mac)) = (idx, v.as_bytes().and_then(format_mac)) {
            if [a, b, c, d].iter().all(|&&x| x <= 255) && mac != "00:00:00:00:00:00" {
                set.insert(ArpEntry {
                    mac,
                    ip: format!("{a}.{b}.{c}.{d}"),
                });
            }
        }
    }
    for (idx, v) in m.column(oid::IP_NET_TO_PHYSICAL_PHYS) {
        if let ([_ifi, family, len, addr @ ..], Some(mac)) =
            (idx, v.as_bytes().and_then(format_mac))
        {
            if *len as usize == addr.len() && addr.iter().all(|&x| x <= 255) {
                let bytes: Vec<u8> = addr.iter().map(|&x| x as u8).collect();
                if let Some(ip) = inet_address(*family, &bytes) {
                    if mac != "00:00:00:00:00:00" {
                        set.insert(ArpEntry { mac, ip });
                    }
                }
            }
        }
    }
    set.into_iter().collect()
}

fn own_macs(m: &Mib) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    let mut add = |b: &[u8]| {
        if let Some(s) = format_mac(b) {
            if s != "00:00:00:00:00:00" {
                set.insert(s);
            }
        }
    };
    if let Some(b) = m
        .get(oid::DOT1D_BASE_BRIDGE_ADDRESS)
        .and_then(Value::as_bytes)
    {
        add(b);
    }
    let subtype = m
        .get(oid::LLDP_LOC_CHASSIS_ID_SUBTYPE)
        .and_then(Value::as_i64);
    if subtype == Some(4) {
        if let Some(b) = m.get(oid::LLDP_LOC_CHASSIS_ID).and_then(Value::as_bytes) {
            add(b);
        }
    }
    for (_, v) in m.column(oid::IF_PHYS_ADDRESS) {
        if let Some(b) = v.as_bytes() {
            add(b);
        }
    }
    set
}

fn uplink_reason(p: &Port) -> Option<String> {
    for n in &p.neighbors {
        let has = |c: &str| n.capabilities.iter().any(|x| x == c);
        let who = n
            .system_name
            .as_deref()
            .or(n.chassis_id.as_deref())
            .unwrap_or("?");
        match n.protocol.as_str() {
            "lldp"
                if (has("bridge") || has("router"))
                    && !has("telephone")
                    && !has("wlanAccessPoint") =>
            {
                return Some(format!("LLDP neighbor {who} is a bridge/router"));
            }
            "cdp" if (has("router") || has("switch")) && !has("phone") => {
                return Some(format!("CDP neighbor {who} is a router/switch"));
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests;
