//! What each MAC has said on each port: the latest observation per kind of signal, and the
//! DNA and identity built from them.
//!
//! A device's DNA is built from what it says *now*: the latest LLDP frame, the latest DHCP
//! client message, the latest EAP method…, one per [`signal_key`], not the union of everything
//! it ever said. So a firmware update replaces the old version string instead of adding to it,
//! and a different stack behind a cloned MAC replaces the old one's signals as it speaks. An
//! observation that says nothing new (a DHCP renewal, the next LLDP frame) does not rebuild
//! the DNA. Built DNAs and identities are cached for the most recently active devices only
//! (`cache_limit`); a device whose cache entry was evicted is rebuilt from its observations,
//! which keeps memory bounded at 100,000 devices. LLDP/CDP/EDP/FDP announcements expire after
//! their own TTL (plus a grace), as on the switch: a device that stopped announcing is judged on
//! what it still says. When the engine says a device left its port, the pipeline forgets it
//! here ([`Devices::forget`]).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::Ipv4Addr;

use crate::attribution::PortRef;
use crate::clock::Timestamp;
use crate::dna::{Dna, DnaBuilder, DnaId, Facts, PortFacts};
use crate::observe::{Observation, Signal};
use crate::refdb::{Identity, RefDb, profile::Profile};
use crate::wire::MacAddr;

/// Every [`signal_key`].
pub const KINDS: [&str; 14] = [
    "lldp",
    "cdp",
    "edp",
    "fdp",
    "dhcp-server",
    "dhcp-release",
    "dhcp",
    "dhcpv6",
    "arp",
    "eapol",
    "eap-authenticator",
    "stp",
    "mdns",
    "ssdp",
];

fn kind_bit(key: &str) -> u16 {
    KINDS.iter().position(|k| *k == key).map_or(0, |i| 1 << i)
}

/// The kind of signal an observation carries; the latest observation of each kind is kept.
/// Server-side DHCP replies and EAP requests from the authenticator are kept apart from what
/// the device itself sends, so they never replace it.
pub fn signal_key(o: &Observation) -> &'static str {
    match &o.signal {
        Signal::Lldp(_) => "lldp",
        Signal::Cdp(_) => "cdp",
        Signal::Edp(_) => "edp",
        Signal::Fdp(_) => "fdp",
        Signal::Dhcp(d) if !d.from_client => "dhcp-server",
        Signal::Dhcp(d) if matches!(d.message_type, Some(4 | 7)) => "dhcp-release",
        Signal::Dhcp(_) => "dhcp",
        Signal::Dhcpv6(_) => "dhcpv6",
        Signal::Arp(_) => "arp",
        Signal::Eapol(e) => match e.eap_code {
            Some(2) | None => "eapol",
            Some(_) => "eap-authenticator",
        },
        Signal::Stp(_) => "stp",
        Signal::Mdns(_) => "mdns",
        Signal::Ssdp(_) => "ssdp",
    }
}

/// One device on one port.
#[derive(Debug)]
pub struct Device {
    /// Latest observation per signal kind, with a fingerprint of the facts it gave (the facts
    /// themselves are rebuilt from the observation when the DNA is: keeping them for 100,000
    /// devices cost more memory than rebuilding them costs time). Boxed, and the vector kept at
    /// its length: most devices speak one or two kinds, and an inline observation is as large
    /// as its largest kind (LLDP).
    latest: Vec<(&'static str, Box<Observation>, u64)>,
    /// Cached DNA and identity (None when evicted or not built yet).
    built: Option<Box<(Dna, Identity)>>,
    /// Id of the DNA last built, and the state it was built from ([`said`] and the port's
    /// facts; kept when the build is evicted: while the state is the same, so are the DNA and
    /// the identity).
    dna: Option<(DnaId, u64)>,
    /// [`said`] of `latest`, kept up to date with it.
    said: u64,
    /// VLAN it was last seen in (the frame's outermost tag, else the forwarding-table entry
    /// that placed it).
    pub vlan: Option<u16>,
    /// IPv4 address it last used ([`ipv4_of`]).
    pub ip: Option<Ipv4Addr>,
    /// First observation.
    pub first_seen: Timestamp,
    /// Last observation.
    pub last_seen: Timestamp,
    /// Observations merged.
    pub observations: u64,
    /// Seen since its row's last sighting and count were handed to the store (it is listed in
    /// [`Devices::take_seen`]).
    seen_pending: bool,
    /// Signal kinds seen so far (for the timeline), as bits of [`KINDS`].
    kinds_seen: u16,
}

/// What [`Devices::observe`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The device was not known on this port before.
    pub new: bool,
    /// Its DNA or identity may have changed (it said something new).
    pub changed: bool,
    /// First observation of this signal kind from it.
    pub new_kind: bool,
}

/// A port's number in the device table ([`Devices::port_id`]): a port's names are kept once,
/// and a sighting resolves them once.
pub type PortId = u32;

/// Every (port, MAC).
#[derive(Debug, Default)]
pub struct Devices {
    /// Devices by (port id, MAC).
    /// (foldhash: several lookups per frame; SipHash over a port's two names was a visible
    /// share of the pipeline thread.)
    map: HashMap<(PortId, MacAddr), Device, foldhash::fast::RandomState>,
    ports: HashMap<PortRef, PortId, foldhash::fast::RandomState>,
    /// The port of each id.
    names: Vec<PortRef>,
    /// The facts the port tables give of each port (speed, PoE class), with their hash, by id.
    port_facts: Vec<Option<(PortFacts, u64)>>,
    /// Devices seen since their last sighting went to the store (see [`Devices::take_seen`]).
    seen: Vec<(u32, MacAddr)>,
    cached: usize,
    /// The devices built, oldest build first (entries whose build was dropped since are
    /// skipped when reached): eviction without a scan of every device.
    built_order: std::collections::VecDeque<(PortId, MacAddr)>,
    cache_limit: usize,
    rebuilds: u64,
}

impl Devices {
    /// An empty table caching at most `cache_limit` built DNAs.
    pub fn new(cache_limit: usize) -> Devices {
        Devices {
            cache_limit: cache_limit.max(1),
            ..Devices::default()
        }
    }

    /// Devices known.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether none are known.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// DNA builds so far.
    pub fn rebuilds(&self) -> u64 {
        self.rebuilds
    }

    /// The id of `port`, numbering it when new.
    pub fn port_id(&mut self, port: &PortRef) -> PortId {
        if let Some(&id) = self.ports.get(port) {
            return id;
        }
        let id = self.names.len() as PortId;
        self.ports.insert(port.clone(), id);
        self.names.push(port.clone());
        self.port_facts.push(None);
        id
    }

    /// The port of an id from [`port_id`](Self::port_id).
    pub fn port(&self, id: PortId) -> &PortRef {
        &self.names[id as usize]
    }

    /// What the port tables say of a port (`None` or the default: nothing).
    pub fn set_port_facts(&mut self, port: &PortRef, facts: Option<PortFacts>) {
        let facts = facts.filter(|f| *f != PortFacts::default());
        if facts.is_none() && !self.ports.contains_key(port) {
            return;
        }
        let id = self.port_id(port) as usize;
        self.port_facts[id] = facts.map(|f| {
            let mut h = std::hash::DefaultHasher::new();
            (f.speed_mbps, f.full_duplex, f.poe_class, f.poe_power_mw).hash(&mut h);
            (f, h.finish())
        });
    }

    /// The port tables' facts of a port.
    pub fn port_facts(&self, id: PortId) -> Option<&PortFacts> {
        self.port_facts.get(id as usize)?.as_ref().map(|(f, _)| f)
    }

    /// What a device says now with its port's facts, as one number: the DNA and identity are
    /// functions of it.
    fn state(&self, id: PortId, dev: &Device) -> u64 {
        match self.port_facts.get(id as usize) {
            Some(Some((_, h))) => dev.said ^ h.rotate_left(17) ^ 0x5a5a_5a5a_5a5a_5a5a,
            _ => dev.said,
        }
    }

    /// Folds one observation of `mac` on port `id` in (`fdb_vlan`: the VLAN of the
    /// forwarding-table entry that placed it). The device is marked seen since its row was
    /// last written ([`take_seen`](Self::take_seen)).
    pub fn observe(
        &mut self,
        id: PortId,
        mac: MacAddr,
        o: &Observation,
        fdb_vlan: Option<u16>,
    ) -> Change {
        let key = signal_key(o);
        let (dev, new) = match self.map.get_mut(&(id, mac)) {
            Some(d) => (d, false),
            None => {
                let d = self.map.entry((id, mac)).or_insert_with(|| Device {
                    latest: Vec::new(),
                    built: None,
                    dna: None,
                    said: said(&[]),
                    vlan: None,
                    ip: None,
                    first_seen: o.ts,
                    last_seen: o.ts,
                    observations: 0,
                    seen_pending: false,
                    kinds_seen: 0,
                });
                (d, true)
            }
        };
        dev.observations += 1;
        dev.last_seen = dev.last_seen.max(o.ts);
        dev.first_seen = dev.first_seen.min(o.ts);
        if let Some(v) = o.vlans.first().copied().or(fdb_vlan) {
            dev.vlan = Some(v);
        }
        if !dev.seen_pending {
            dev.seen_pending = true;
            self.seen.push((id, mac));
        }
        // The commonest sighting: the same announcement or message again, word for word. Only
        // its time moves (and announcements of other kinds may have expired meanwhile); its
        // facts are those already kept, so they are neither extracted nor hashed again.
        if let Some(slot) = dev
            .latest
            .iter_mut()
            .find(|(k, prev, _)| *k == key && same_content(prev, o))
        {
            slot.1.ts = slot.1.ts.max(o.ts);
            let n = dev.latest.len();
            dev.latest
                .retain(|(k, prev, _)| *k == key || valid_until(prev).is_none_or(|u| u >= o.ts));
            let changed = dev.latest.len() != n;
            if changed {
                dev.said = said(&dev.latest);
                if dev.built.take().is_some() {
                    self.cached -= 1;
                }
            }
            return Change {
                new: false,
                changed,
                new_kind: false,
            };
        }
        if let Some(ip) = ipv4_of(o) {
            dev.ip = Some(ip);
        }
        // mDNS/SSDP accumulate (each message says part of what the device offers), and what
        // they say is identity evidence outside the DNA facts: both go into what it says.
        let merged = if matches!(o.signal, Signal::Mdns(_) | Signal::Ssdp(_)) {
            dev.latest
                .iter()
                .find(|(k, _, _)| *k == key)
                .and_then(|(_, prev, _)| prev.merge_discovery(o))
        } else {
            None
        };
        let o = merged.as_ref().unwrap_or(o);
        let facts = fingerprint(&Facts::of(o)) ^ o.discovery_hash();
        let before = dev.said;
        // Neighbor announcements are valid for their own TTL only: what a device stopped
        // saying (a phone unplugged and a laptop with its MAC plugged in) leaves the DNA.
        expire_announcements(&mut dev.latest, o.ts);
        let bit = kind_bit(key);
        let new_kind = dev.kinds_seen & bit == 0;
        dev.kinds_seen |= bit;
        // Another announcing agent behind the same MAC (a new LLDP chassis / system name, a new
        // CDP device ID): another device. What the MAC said before is not its.
        let other_agent = dev.latest.iter().find(|(k, _, _)| *k == key).is_some_and(
            |(_, prev, _)| matches!((agent(prev), agent(o)), (Some(a), Some(b)) if a != b),
        );
        if other_agent {
            dev.latest
                .retain(|(k, prev, _)| *k == key || prev.ts >= o.ts);
        }
        match dev.latest.iter_mut().find(|(k, _, _)| *k == key) {
            Some(slot) => {
                *slot.1 = o.clone();
                slot.2 = facts;
            }
            None => {
                dev.latest.reserve_exact(1);
                dev.latest.push((key, Box::new(o.clone()), facts));
            }
        }
        // Changed: what it says now differs from what it said before. An announcement that
        // expired between two identical ones (a device heard every few hours) changes nothing.
        dev.said = said(&dev.latest);
        let changed = new || dev.said != before;
        if changed && dev.built.take().is_some() {
            self.cached -= 1;
        }
        Change {
            new,
            changed,
            new_kind,
        }
    }

    /// The device's DNA and identity, built now if not cached.
    pub fn built(
        &mut self,
        id: PortId,
        mac: MacAddr,
        builder: &DnaBuilder,
        refdb: &RefDb,
    ) -> Option<&(Dna, Identity)> {
        if self.cached >= self.cache_limit {
            self.evict();
        }
        let now = self.state(id, self.map.get(&(id, mac))?);
        let port_facts = self
            .port_facts
            .get(id as usize)
            .and_then(|f| f.as_ref().map(|(f, _)| f));
        let dev = self.map.get_mut(&(id, mac))?;
        if dev.built.is_some() && dev.dna.as_ref().is_none_or(|(_, s)| *s != now) {
            // Built for other port facts.
            dev.built = None;
            self.cached -= 1;
        }
        if dev.built.is_none() {
            let mut facts = Facts::new();
            let mut profile = Profile::new(Some(mac));
            for (_, o, _) in &dev.latest {
                facts.observe(o);
                profile.add_observation(o);
            }
            if let Some(p) = port_facts {
                facts.port(p);
            }
            let dna = builder.build(&facts);
            let identity = refdb.resolve(&profile);
            dev.dna = Some((dna.id.clone(), now));
            dev.built = Some(Box::new((dna, identity)));
            self.cached += 1;
            self.rebuilds += 1;
            self.built_order.push_back((id, mac));
        }
        dev.built.as_deref()
    }

    /// The id of the DNA last built for a device, when what it says now (and the port's
    /// facts) are what that build was made from: its DNA and identity are still that build's.
    pub fn known_dna(&self, id: PortId, mac: MacAddr) -> Option<&DnaId> {
        let dev = self.map.get(&(id, mac))?;
        let (dna, built) = dev.dna.as_ref()?;
        (*built == self.state(id, dev)).then_some(dna)
    }

    /// Marks a device's row as written with its current sighting and count (a full row): its
    /// sighting is no longer pending.
    pub fn mark_written(&mut self, id: PortId, mac: MacAddr) {
        if let Some(d) = self.map.get_mut(&(id, mac)) {
            d.seen_pending = false;
        }
    }

    /// Calls `f` with each device seen since its last sighting went to the store (port, MAC,
    /// the device), once each, and clears the list. Devices forgotten since are skipped.
    pub fn take_seen(&mut self, mut f: impl FnMut(&PortRef, MacAddr, &Device)) {
        for (id, mac) in std::mem::take(&mut self.seen) {
            if let Some(d) = self.map.get_mut(&(id, mac))
                && d.seen_pending
            {
                d.seen_pending = false;
                f(&self.names[id as usize], mac, d);
            }
        }
    }

    /// Whether a device's last sighting is not in the store yet.
    pub fn is_seen_pending(&self, id: PortId, mac: MacAddr) -> bool {
        self.get(id, mac).is_some_and(|d| d.seen_pending)
    }

    /// The id of a port already numbered.
    pub fn find_port(&self, port: &PortRef) -> Option<PortId> {
        self.ports.get(port).copied()
    }

    /// Devices whose last sighting is not in the store yet.
    pub fn seen_pending(&self) -> usize {
        self.seen.len()
    }

    /// The device record, if known.
    pub fn get(&self, id: PortId, mac: MacAddr) -> Option<&Device> {
        self.map.get(&(id, mac))
    }

    /// Drops every built DNA (new firmware profiles or reference data after a reload).
    pub fn invalidate(&mut self) {
        for d in self.map.values_mut() {
            d.built = None;
            d.dna = None;
        }
        self.cached = 0;
        self.built_order.clear();
    }

    /// Forgets what a device said on a port before `before` (it left: departed or replaced),
    /// so that the next device with its MAC there is judged on what it says itself; what it
    /// said since (it came back) is kept. Whether anything was forgotten.
    pub fn forget(&mut self, id: PortId, mac: MacAddr, before: Timestamp) -> bool {
        let key = (id, mac);
        let Some(d) = self.map.get_mut(&key) else {
            return false;
        };
        let n = d.latest.len();
        d.latest.retain(|(_, o, _)| o.ts >= before);
        if d.latest.len() == n {
            return false;
        }
        d.said = said(&d.latest);
        if d.built.take().is_some() {
            self.cached -= 1;
        }
        if d.latest.is_empty() {
            self.map.remove(&key);
        }
        true
    }

    /// Forgets devices not seen since `before` (their port's state lives in the engine).
    pub fn expire(&mut self, before: Timestamp) -> usize {
        let n = self.map.len();
        let mut dropped_cached = 0;
        self.map.retain(|_, d| {
            let keep = d.last_seen >= before;
            if !keep && d.built.is_some() {
                dropped_cached += 1;
            }
            keep
        });
        self.cached -= dropped_cached;
        n - self.map.len()
    }

    /// Evicts the older half of the cached builds, oldest build first (a device active since
    /// its build was rebuilt or is rebuilt when next needed). Each build is queued once, so
    /// eviction costs what was built since the last one, not a scan of every device.
    fn evict(&mut self) {
        let target = self.cache_limit / 2;
        while self.cached > target {
            let Some(key) = self.built_order.pop_front() else {
                // Out of step (cannot happen): recount.
                self.cached = self.map.values().filter(|d| d.built.is_some()).count();
                return;
            };
            if let Some(d) = self.map.get_mut(&key)
                && d.built.take().is_some()
            {
                self.cached -= 1;
            }
        }
        // Builds dropped by a change leave stale entries: drop them once they dominate.
        if self.built_order.len() > 4 * self.cache_limit.max(16) {
            let map = &self.map;
            self.built_order
                .retain(|k| map.get(k).is_some_and(|d| d.built.is_some()));
        }
    }
}

/// Extra time an announcement is kept past its TTL (a late or lost frame is not a departure).
pub const ANNOUNCEMENT_GRACE_US: i64 = 30_000_000;

/// Hold time assumed for EDP/FDP announcements (their hold time is not kept).
const NEIGHBOR_HOLD_US: i64 = 180_000_000;

/// When an announcement stops being valid: its TTL (LLDP TTL, CDP hold time) after it was
/// heard, plus [`ANNOUNCEMENT_GRACE_US`]. An LLDP TTL of 0 (shutdown) is void at once. Other
/// signals (DHCP, EAP, …) carry no lifetime and stay until replaced.
pub fn valid_until(o: &Observation) -> Option<Timestamp> {
    let ttl_us = match &o.signal {
        Signal::Lldp(l) => match l.ttl {
            Some(0) => return Some(o.ts),
            Some(t) => i64::from(t) * 1_000_000,
            None => NEIGHBOR_HOLD_US,
        },
        Signal::Cdp(c) if c.ttl > 0 => i64::from(c.ttl) * 1_000_000,
        Signal::Cdp(_) | Signal::Edp(_) | Signal::Fdp(_) => NEIGHBOR_HOLD_US,
        _ => return None,
    };
    Some(Timestamp(o.ts.0 + ttl_us + ANNOUNCEMENT_GRACE_US))
}

/// Who sends an announcement: LLDP chassis ID and system name, CDP/EDP/FDP device ID. A
/// shutdown LLDPDU (TTL 0) names nobody new.
fn agent(o: &Observation) -> Option<(Option<&str>, Option<&str>)> {
    match &o.signal {
        Signal::Lldp(l) if l.ttl != Some(0) => Some((
            l.chassis_id.as_ref().map(|(_, c)| c.as_str()),
            l.system_name.as_deref(),
        )),
        Signal::Cdp(c) => Some((c.device_id.as_deref(), None)),
        Signal::Edp(n) | Signal::Fdp(n) => Some((n.device_id.as_deref(), None)),
        _ => None,
    }
}

/// Whether two observations say the same, whenever they were heard.
fn same_content(a: &Observation, b: &Observation) -> bool {
    a.signal == b.signal
        && a.mac == b.mac
        && a.src_mac == b.src_mac
        && a.vlans == b.vlans
        && a.ip_ttl == b.ip_ttl
        && a.anomalies == b.anomalies
}

/// Drops the announcements that expired before `now`; whether any did.
fn expire_announcements(
    latest: &mut Vec<(&'static str, Box<Observation>, u64)>,
    now: Timestamp,
) -> bool {
    let n = latest.len();
    latest.retain(|(_, o, _)| valid_until(o).is_none_or(|until| until >= now));
    latest.len() != n
}

/// What a device says now, as one number: its latest observations' kinds and facts (in any
/// order). With the port's facts ([`Devices::state`]), the DNA and identity are functions of
/// it.
fn said(latest: &[(&'static str, Box<Observation>, u64)]) -> u64 {
    let mut sum = 0u64;
    for (kind, _, facts) in latest {
        let mut h = std::hash::DefaultHasher::new();
        kind.hash(&mut h);
        facts.hash(&mut h);
        sum = sum.wrapping_add(h.finish());
    }
    let mut h = std::hash::DefaultHasher::new();
    sum.hash(&mut h);
    latest.len().hash(&mut h);
    h.finish()
}

/// The IPv4 address an observation shows its device using: an ARP sender address (not a
/// probe's), a DHCP client's `ciaddr` or requested address (REQUEST), the address a server
/// acknowledged (ACK `yiaddr`), a CDP address or an LLDP management address.
pub fn ipv4_of(o: &Observation) -> Option<Ipv4Addr> {
    let usable = |a: &Ipv4Addr| !a.is_unspecified() && !a.is_broadcast() && !a.is_multicast();
    match &o.signal {
        Signal::Arp(a) if !a.probe => a.sender_ip.filter(usable),
        Signal::Dhcp(d) if d.from_client => match d.message_type {
            Some(4 | 7) => None,
            Some(3) => Some(d.ciaddr)
                .filter(usable)
                .or(d.requested_ip.filter(usable)),
            _ => Some(d.ciaddr).filter(usable),
        },
        Signal::Dhcp(d) if d.message_type == Some(5) => Some(d.yiaddr).filter(usable),
        Signal::Cdp(c) => c.addresses.iter().find_map(|a| match a {
            std::net::IpAddr::V4(v) if usable(v) => Some(*v),
            _ => None,
        }),
        Signal::Lldp(l) => l
            .management_addresses
            .iter()
            .find_map(|a| a.parse::<Ipv4Addr>().ok().filter(usable)),
        _ => None,
    }
}

/// A fingerprint of what one observation's facts say (tokens, texts, hard identity), to tell
/// whether the next observation of the same kind says something new.
fn fingerprint(f: &Facts) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    for (k, (family, w)) in f.tokens() {
        k.hash(&mut h);
        family.hash(&mut h);
        w.to_bits().hash(&mut h);
    }
    0xffu8.hash(&mut h);
    for (field, text) in f.texts() {
        field.hash(&mut h);
        text.hash(&mut h);
    }
    0xfeu8.hash(&mut h);
    let id = f.identity();
    id.macs.iter().for_each(|m| m.0.hash(&mut h));
    id.serials.hash(&mut h);
    id.chassis_ids.hash(&mut h);
    id.names.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::{Dhcp, Lldp};

    fn dhcp(from_client: bool, message_type: u8, prl: Vec<u8>) -> Dhcp {
        let any = std::net::Ipv4Addr::UNSPECIFIED;
        Dhcp {
            from_client,
            message_type: Some(message_type),
            xid: 1,
            chaddr: None,
            client_id: None,
            hostname: None,
            vendor_class: None,
            prl,
            options_order: vec![],
            max_message_size: None,
            requested_ip: None,
            ciaddr: any,
            yiaddr: any,
            giaddr: any,
            user_class: vec![],
            fqdn: None,
            circuit_id: None,
            remote_id: None,
        }
    }

    fn port() -> PortRef {
        PortRef {
            switch: "sw1".into(),
            port: "Gi1/0/1".into(),
        }
    }

    fn lldp(ts: i64, descr: &str) -> Observation {
        Observation {
            ts: Timestamp(ts),
            mac: Some("00:04:0d:01:02:03".parse().unwrap()),
            src_mac: Some("00:04:0d:01:02:03".parse().unwrap()),
            vlans: vec![],
            ip_ttl: None,
            anomalies: 0,
            signal: Signal::Lldp(Lldp {
                system_description: Some(descr.into()),
                system_name: Some("phone-1".into()),
                ..Lldp::default()
            }),
        }
    }

    #[test]
    fn same_signal_again_does_not_rebuild_and_a_new_version_does() {
        let mut d = Devices::new(10);
        assert_eq!(d.port_id(&port()), 0);
        let mac: MacAddr = "00:04:0d:01:02:03".parse().unwrap();
        let b = DnaBuilder::new(Default::default());
        let r = RefDb::builtin().unwrap();
        let c = d.observe(0, mac, &lldp(1, "Avaya 9611 SIP 7.1.2"), None);
        assert!(c.new && c.changed && c.new_kind);
        let first = d.built(0, mac, &b, &r).unwrap().0.id.clone();
        let c = d.observe(0, mac, &lldp(2, "Avaya 9611 SIP 7.1.2"), None);
        assert!(!c.new && !c.changed && !c.new_kind);
        assert_eq!(d.built(0, mac, &b, &r).unwrap().0.id, first);
        assert_eq!(d.rebuilds(), 1);
        let c = d.observe(0, mac, &lldp(3, "Avaya 9611 SIP 7.2.0"), None);
        assert!(c.changed);
        let second = d.built(0, mac, &b, &r).unwrap().0.clone();
        assert_ne!(second.id, first);
        // The DNA holds the new version only, not both.
        let fw: Vec<_> = second
            .tokens
            .iter()
            .filter(|t| t.token.starts_with("fw:"))
            .collect();
        assert!(fw.iter().all(|t| !t.token.contains("7.1.2")), "{fw:?}");
    }

    #[test]
    fn devices_not_seen_since_the_retention_are_forgotten() {
        let old: MacAddr = "00:04:0d:01:02:03".parse().unwrap();
        let new: MacAddr = "02:11:22:33:44:55".parse().unwrap();
        let b = DnaBuilder::new(Default::default());
        let r = RefDb::builtin().unwrap();
        let mut d = Devices::new(1);
        assert_eq!(d.port_id(&port()), 0);
        d.observe(0, old, &lldp(1, "Avaya 9611 SIP 7.1.2"), None);
        d.built(0, old, &b, &r).unwrap();
        d.observe(0, new, &lldp(100, "Avaya 9611 SIP 7.1.2"), None);
        assert_eq!(d.expire(Timestamp(50)), 1);
        assert_eq!(d.len(), 1);
        assert!(d.get(0, old).is_none() && d.get(0, new).is_some());
        // The build cache's count followed: building the next one evicts nothing amiss.
        assert!(d.built(0, new, &b, &r).is_some());
        assert_eq!(d.expire(Timestamp(50)), 0);
        // Heard again, the forgotten one is new.
        assert!(
            d.observe(0, old, &lldp(200, "Avaya 9611 SIP 7.1.2"), None)
                .new
        );
    }

    #[test]
    fn server_replies_do_not_replace_the_client_message() {
        let mac: MacAddr = "00:04:0d:01:02:03".parse().unwrap();
        let client = Observation {
            signal: Signal::Dhcp(dhcp(true, 1, vec![1, 3, 6, 15])),
            ..lldp(1, "x")
        };
        let server = Observation {
            signal: Signal::Dhcp(dhcp(false, 2, vec![])),
            ..lldp(2, "x")
        };
        assert_eq!(signal_key(&client), "dhcp");
        assert_eq!(signal_key(&server), "dhcp-server");
        let mut d = Devices::new(10);
        assert_eq!(d.port_id(&port()), 0);
        d.observe(0, mac, &client, None);
        let c = d.observe(0, mac, &server, None);
        assert!(c.new_kind);
        assert_eq!(d.get(0, mac).unwrap().latest.len(), 2);
    }

    #[test]
    fn announcements_expire_after_their_ttl_and_forget_keeps_what_came_later() {
        let mac: MacAddr = "00:04:0d:01:02:03".parse().unwrap();
        let s = |t: i64| t * 1_000_000;
        let mut l = lldp(s(0), "Avaya 9611 SIP 7.1.2");
        if let Signal::Lldp(x) = &mut l.signal {
            x.ttl = Some(120);
        }
        let dh = |t: i64| Observation {
            ts: Timestamp(t),
            signal: Signal::Dhcp(dhcp(true, 3, vec![1, 3, 6, 15])),
            ..lldp(t, "x")
        };
        let mut d = Devices::new(10);
        assert_eq!(d.port_id(&port()), 0);
        d.observe(0, mac, &l, None);
        // Within TTL + grace: the LLDP facts stay.
        let c = d.observe(0, mac, &dh(s(149)), None);
        assert!(c.changed);
        assert_eq!(d.get(0, mac).unwrap().latest.len(), 2);
        let c = d.observe(0, mac, &dh(s(150)), None);
        assert!(!c.changed);
        // Past it: gone, and the DNA is rebuilt.
        let c = d.observe(0, mac, &dh(s(151)), None);
        assert!(c.changed);
        let kinds: Vec<_> = d.get(0, mac).unwrap().latest.iter().map(|x| x.0).collect();
        assert_eq!(kinds, ["dhcp"]);
        // LLDP shutdown (TTL 0) is void at the next observation.
        let mut bye = lldp(s(200), "Avaya 9611 SIP 7.1.2");
        if let Signal::Lldp(x) = &mut bye.signal {
            x.ttl = Some(0);
        }
        d.observe(0, mac, &bye, None);
        d.observe(0, mac, &dh(s(201)), None);
        assert_eq!(d.get(0, mac).unwrap().latest.len(), 1);
        // Forget what was said before 300 s; what came at 300 s stays.
        d.observe(0, mac, &dh(s(300)), None);
        assert!(!d.forget(0, mac, Timestamp(s(300))));
        assert!(d.forget(0, mac, Timestamp(s(301))));
        assert!(d.get(0, mac).is_none());
    }

    #[test]
    fn another_announcing_agent_behind_the_mac_drops_what_the_mac_said_before() {
        let mac: MacAddr = "00:04:0d:01:02:03".parse().unwrap();
        let dh = Observation {
            ts: Timestamp(2),
            signal: Signal::Dhcp(dhcp(true, 3, vec![1, 3, 6, 15])),
            ..lldp(2, "x")
        };
        let mut d = Devices::new(10);
        assert_eq!(d.port_id(&port()), 0);
        d.observe(0, mac, &lldp(1, "Avaya 9611 SIP 7.1.2"), None);
        d.observe(0, mac, &dh, None);
        // The same phone again: both kinds stay.
        d.observe(0, mac, &lldp(3, "Avaya 9611 SIP 7.1.2"), None);
        assert_eq!(d.get(0, mac).unwrap().latest.len(), 2);
        // Another system name: a laptop running lldpd with the phone's MAC.
        let mut other = lldp(4, "Linux laptop 6.1.0");
        if let Signal::Lldp(l) = &mut other.signal {
            l.system_name = Some("laptop-7".into());
        }
        let c = d.observe(0, mac, &other, None);
        assert!(c.changed);
        let kinds: Vec<_> = d.get(0, mac).unwrap().latest.iter().map(|x| x.0).collect();
        assert_eq!(kinds, ["lldp"]);
    }

    #[test]
    fn cache_is_bounded() {
        let b = DnaBuilder::new(Default::default());
        let r = RefDb::builtin().unwrap();
        let mut d = Devices::new(4);
        assert_eq!(d.port_id(&port()), 0);
        for i in 0..20u8 {
            let mac: MacAddr = format!("00:04:0d:01:02:{i:02x}").parse().unwrap();
            let mut o = lldp(i64::from(i), "Avaya 9611 SIP 7.1.2");
            o.mac = Some(mac);
            d.observe(0, mac, &o, None);
            d.built(0, mac, &b, &r).unwrap();
            assert!(d.cached <= 4, "{}", d.cached);
        }
        assert_eq!(d.len(), 20);
        // The most recent builds stay; the oldest went first.
        let mac = |i: u8| -> MacAddr { format!("00:04:0d:01:02:{i:02x}").parse().unwrap() };
        assert!(d.get(0, mac(19)).unwrap().built.is_some());
        assert!(d.get(0, mac(0)).unwrap().built.is_none());
        assert!(d.built_order.len() <= 4 * 16);
    }

    #[test]
    fn vlan_and_ip_come_from_what_the_device_says_and_where_it_was_placed() {
        let mac: MacAddr = "00:04:0d:01:02:03".parse().unwrap();
        let ip = |a: [u8; 4]| Some(Ipv4Addr::from(a));
        let arp = |probe: bool| Observation {
            signal: Signal::Arp(crate::observe::Arp {
                operation: 1,
                sender_ip: if probe { None } else { ip([10, 1, 2, 3]) },
                target_ip: ip([10, 1, 2, 1]),
                gratuitous: false,
                probe,
            }),
            ..lldp(1, "x")
        };
        assert_eq!(ipv4_of(&arp(true)), None);
        assert_eq!(ipv4_of(&arp(false)), ip([10, 1, 2, 3]));
        let mut req = dhcp(true, 3, vec![1, 3, 6]);
        req.requested_ip = ip([10, 9, 8, 7]);
        let req = Observation {
            signal: Signal::Dhcp(req),
            ..lldp(2, "x")
        };
        assert_eq!(ipv4_of(&req), ip([10, 9, 8, 7]));
        let mut release = dhcp(true, 7, vec![]);
        release.ciaddr = Ipv4Addr::new(10, 9, 8, 7);
        let release = Observation {
            signal: Signal::Dhcp(release),
            ..lldp(3, "x")
        };
        assert_eq!(ipv4_of(&release), None);
        let mut ack = dhcp(false, 5, vec![]);
        ack.yiaddr = Ipv4Addr::new(10, 9, 8, 6);
        let ack = Observation {
            signal: Signal::Dhcp(ack),
            ..lldp(4, "x")
        };
        assert_eq!(ipv4_of(&ack), ip([10, 9, 8, 6]));

        let mut d = Devices::new(10);
        assert_eq!(d.port_id(&port()), 0);
        d.observe(0, mac, &req, Some(20));
        let dev = d.get(0, mac).unwrap();
        assert_eq!((dev.vlan, dev.ip), (Some(20), ip([10, 9, 8, 7])));
        // A tagged frame names its VLAN; a frame without an address keeps the last one.
        let mut tagged = lldp(5, "Avaya 9611 SIP 7.1.2");
        tagged.vlans = vec![30];
        d.observe(0, mac, &tagged, Some(20));
        d.observe(0, mac, &release, None);
        let dev = d.get(0, mac).unwrap();
        assert_eq!((dev.vlan, dev.ip), (Some(30), ip([10, 9, 8, 7])));
    }
}
