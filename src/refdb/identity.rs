//! Identity resolution: a device's profile → evidence → vendor, model, class and OS, each with
//! its own certainty in [0, 1], and the NDAA Section 889 status.
//!
//! Certainty model (per attribute, as Cisco ISE's certainty factors):
//! - Every matching rule is one piece of evidence with a weight w in (0, 1], claiming some of
//!   vendor, model, class and OS. Rules that disagree about one attribute of the *same* value
//!   share its weight for that attribute only.
//! - For each attribute, the value with the highest support wins; support is the noisy-OR
//!   `1 − Π(1 − w)` of the evidence naming it, so agreeing signals raise it.
//! - Vendor corroboration: when evidence from two independent sources (the MAC's IEEE
//!   registration, announcements (LLDP/CDP/EDP/FDP), DHCP, 802.1X, service discovery
//!   (mDNS/SSDP)), each of weight ≥
//!   [`CORROBORATING_WEIGHT`], names the same vendor, that vendor wins over uncorroborated
//!   rivals and its certainty is at least [`CORROBORATED`]: a universal MAC registered to a
//!   vendor plus any one agreeing signal is a near-certain vendor. Only a rival as strong
//!   (itself corroborated, or with a piece of evidence at least as heavy as the vendor's
//!   heaviest) lowers that floor, by `(1 − s/2)` for its support s; weaker rivals (a DHCP
//!   stack shared by many vendors, which a database attributes to one) lower only the
//!   noisy-OR part.
//! - A contradiction (evidence naming another value of the same attribute) multiplies that
//!   attribute's certainty by `(1 − w/2)`; it does not touch the others (class evidence that
//!   disagrees says nothing against the vendor).
//! - The model is taken only from evidence that agrees with the vendor, and is never more
//!   certain than the vendor. An OS whose family does not run on the resolved vendor's hardware
//!   (`class-map.toml` `[[os_family]]`) is contradicted by the vendor's certainty; below
//!   [`MIN_REPORTED`] no OS is reported.
//! - `confidence` (what events carry) is the vendor's certainty: the certainty of the reported
//!   vendor (+ model) label. NDAA decisions use it.
//!
//! The evidence is listed with its effect on each attribute, so an analyst sees why.

use std::sync::Arc;

use serde::Serialize;
use smallvec::SmallVec;

use super::class::DeviceClass;
use super::ndaa::{Entity, NdaaStatus, Relation};
use super::oui::sla_quadrant;
use super::profile::Profile;
use super::rules::{Rule, strip_corporate};
use super::{Claimed, RefDb, ValueClaim};

/// Certainty a vendor named by two independent sources reaches at least.
pub const CORROBORATED: f64 = 0.9;
/// Weight a piece of evidence needs to corroborate a vendor.
pub const CORROBORATING_WEIGHT: f32 = 0.2;
/// A class, OS or model below this certainty is not reported (one ordinary DHCP or platform
/// rule is above it; a claim contradicted by a vendor that is more likely than not, or a
/// parameter list many databases attribute to different kinds of device, is below).
pub const MIN_REPORTED: f64 = 0.3;

/// How a piece of evidence relates to the resolved identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Names the resolved value of every attribute it claims.
    Agrees,
    /// Names another value of at least one attribute.
    Contradicts,
    /// Informational (no claim).
    Neutral,
}

/// Where a piece of evidence comes from: independent sources corroborate each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The MAC: its IEEE registration, MAC-prefix rules.
    Mac,
    /// LLDP, CDP, EDP, FDP announcements.
    Announcement,
    /// DHCPv4 / DHCPv6 client messages.
    Dhcp,
    /// 802.1X.
    Eap,
    /// mDNS / DNS-SD and SSDP service discovery.
    Discovery,
    /// Which protocols the device speaks.
    Protocol,
}

impl Source {
    fn of(signal: &str) -> Source {
        let family = signal.split('.').next().unwrap_or(signal);
        match family {
            "mac" | "oui" => Source::Mac,
            "lldp" | "cdp" | "edp" | "fdp" => Source::Announcement,
            "dhcp" | "dhcpv6" => Source::Dhcp,
            "eap" => Source::Eap,
            "mdns" | "ssdp" => Source::Discovery,
            _ => Source::Protocol,
        }
    }
}

/// One piece of evidence. Its texts are shared with the database and its claim cache
/// (`Arc<str>`): resolving a device allocates no copy of a rule id, value or claim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The signal (`cdp.platform`, `oui.org`, …).
    pub signal: &'static str,
    /// The value seen.
    #[serde(serialize_with = "ser_str")]
    pub value: Arc<str>,
    /// The rule that matched (`<set>:<id>`), or `builtin:<what>`.
    #[serde(serialize_with = "ser_str")]
    pub rule: Arc<str>,
    /// Where the signal comes from.
    pub source: Source,
    /// Claimed vendor (canonical).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_str"
    )]
    pub vendor: Option<Arc<str>>,
    /// Claimed model.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_str"
    )]
    pub model: Option<Arc<str>>,
    /// Claimed class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<DeviceClass>,
    /// Claimed operating system.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_str"
    )]
    pub os: Option<Arc<str>>,
    /// The rule's weight.
    pub weight: f32,
    /// Relation to the result (all attributes together).
    pub effect: Effect,
    /// The attributes whose resolved value it names (`vendor`, `model`, `class`, `os`).
    #[serde(skip_serializing_if = "Attrs::is_empty")]
    pub agrees: Attrs,
    /// The attributes of which it names another value, or whose resolved value rules it out.
    #[serde(skip_serializing_if = "Attrs::is_empty")]
    pub contradicts: Attrs,
    /// Why, when the contradiction is not a plain disagreement (`Windows does not run on
    /// Apple hardware`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn ser_str<S: serde::Serializer>(s: &Arc<str>, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s)
}

fn ser_opt_str<S: serde::Serializer>(s: &Option<Arc<str>>, ser: S) -> Result<S::Ok, S::Error> {
    match s {
        Some(s) => ser.serialize_some(&**s),
        None => ser.serialize_none(),
    }
}

/// A set of attributes (`vendor`, `model`, `class`, `os`), listed and serialised in that
/// order: an array of names in JSON.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Attrs(u8);

impl Attrs {
    const NAMES: [&'static str; 4] = ["vendor", "model", "class", "os"];

    fn insert(&mut self, a: Attr) {
        self.0 |= 1 << a as u8;
    }

    /// No attribute.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set holds the attribute named `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.iter().any(|n| n == name)
    }

    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        let bits = self.0;
        Self::NAMES
            .iter()
            .enumerate()
            .filter(move |(i, _)| bits & (1 << i) != 0)
            .map(|(_, n)| *n)
    }

    /// The names joined by `sep`.
    pub fn join(&self, sep: &str) -> String {
        self.iter().collect::<Vec<_>>().join(sep)
    }
}

impl std::fmt::Debug for Attrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<const N: usize> PartialEq<[&str; N]> for Attrs {
    fn eq(&self, other: &[&str; N]) -> bool {
        self.iter().eq(other.iter().copied())
    }
}

impl Serialize for Attrs {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.iter())
    }
}

/// The OUI registry's answer for a universal MAC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OuiInfo {
    /// Organisation.
    pub org: String,
    /// `MA-L`, `MA-M` or `MA-S`.
    pub registry: &'static str,
    /// Prefix length in bits.
    pub bits: u8,
}

/// The certainty of each attribute, in [0, 1], three decimals (0 when not resolved).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Certainty {
    /// Of the vendor (the entity, for NDAA).
    pub vendor: f64,
    /// Of the model.
    pub model: f64,
    /// Of the class.
    pub class: f64,
    /// Of the operating system.
    pub os: f64,
}

/// A device's resolved identity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identity {
    /// The device MAC (lower-case colon hex), `null` when the link has none.
    pub mac: Option<String>,
    /// Vendor (canonical name).
    pub vendor: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Device class.
    pub class: DeviceClass,
    /// Operating system.
    pub os: Option<String>,
    /// Certainty of the reported vendor (+ model) label: `certainty.vendor`.
    pub confidence: f64,
    /// Per-attribute certainty.
    pub certainty: Certainty,
    /// Section 889 status.
    pub ndaa_status: NdaaStatus,
    /// The list entry that decided a `prohibited` or `unknown` status.
    pub ndaa_entity: Option<String>,
    /// The covered company that entry belongs to (`Hikvision` for an OEM brand of it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ndaa_group: Option<String>,
    /// That entry's source.
    pub ndaa_source: Option<String>,
    /// The MAC's IEEE assignment (universal MACs).
    pub oui: Option<OuiInfo>,
    /// The MAC is locally administered: randomised or software-assigned; its OUI says nothing.
    pub locally_administered: bool,
    /// IEEE 802c quadrant of a locally administered MAC (`ELI`, `SAI`, `AAI`, `reserved`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_quadrant: Option<&'static str>,
    /// Number of observations the identity was resolved from.
    pub observations: usize,
    /// The evidence, strongest first.
    pub evidence: Vec<Evidence>,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The short name a list entry's devices are reported under when no vendor alias names them:
/// the covered company for covered entities, else the entry's name without a parenthesis
/// or corporate form (`LTS (LT Security)` → `LTS`).
fn entity_brand(e: &Entity) -> String {
    if e.relation == Relation::Covered {
        return e.group.clone();
    }
    let base = e.name.split(" (").next().unwrap_or(&e.name);
    strip_corporate(base)
}

/// The canonical vendor of a raw name: a vendor alias of the rules, else a Section 889 entry
/// (so an OEM brand's names resolve to one entity), else the name without corporate suffixes.
pub(crate) fn canonical(db: &RefDb, raw: &str) -> String {
    if let Some(a) = db.rules.alias(raw) {
        return a.to_owned();
    }
    match db.ndaa.by_name(raw) {
        Some(e) => entity_brand(e),
        None => strip_corporate(raw),
    }
}

/// Which attribute of a piece of evidence (its number is its bit in [`Attrs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attr {
    Vendor = 0,
    Model = 1,
    Class = 2,
    Os = 3,
}

impl Attr {
    /// The claim of `e` on this attribute.
    fn claim(self, e: &Evidence) -> Option<ClaimRef<'_>> {
        match self {
            Attr::Vendor => e.vendor.as_ref().map(ClaimRef::Text),
            Attr::Model => e.model.as_ref().map(ClaimRef::Text),
            Attr::Class => e
                .class
                .filter(|c| *c != DeviceClass::Unknown)
                .map(ClaimRef::Class),
            Attr::Os => e.os.as_ref().map(ClaimRef::Text),
        }
    }
}

/// One attribute's claim of a piece of evidence.
#[derive(Clone, Copy)]
enum ClaimRef<'a> {
    Text(&'a Arc<str>),
    Class(DeviceClass),
}

impl ClaimRef<'_> {
    /// The same claim: texts equal but for ASCII case (shared texts compare by pointer first).
    fn same(&self, other: &ClaimRef<'_>) -> bool {
        match (self, other) {
            (ClaimRef::Text(a), ClaimRef::Text(b)) => {
                Arc::ptr_eq(a, b) || a.eq_ignore_ascii_case(b)
            }
            (ClaimRef::Class(a), ClaimRef::Class(b)) => a == b,
            _ => false,
        }
    }
}

/// Scratch per piece of evidence, on the stack for ordinary devices (a few dozen pieces).
type PerPiece<T> = SmallVec<[T; 48]>;
/// Scratch per distinct value of one attribute.
type PerValue<T> = SmallVec<[T; 16]>;
/// Scratch per signal value of a device.
pub(crate) type PerSignal<T> = SmallVec<[T; 32]>;

/// The claims of one attribute as small ids: claims equal but for ASCII case share an id.
struct Keys {
    /// Per piece of evidence.
    ids: PerPiece<Option<u16>>,
    /// Per id, the first piece naming it.
    first: PerValue<usize>,
}

impl Keys {
    fn new(evidence: &[Evidence], attr: Attr) -> Keys {
        let mut first: PerValue<usize> = SmallVec::new();
        let ids = evidence
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let t = attr.claim(e)?;
                let k = first
                    .iter()
                    .position(|&j| attr.claim(&evidence[j]).is_some_and(|x| x.same(&t)));
                Some(match k {
                    Some(k) => k as u16,
                    None => {
                        first.push(i);
                        (first.len() - 1) as u16
                    }
                })
            })
            .collect();
        Keys { ids, first }
    }
}

/// Weight of each piece of evidence for one attribute: rules that disagree about this
/// attribute of the same value (`group`: pieces from one signal value share a number) share
/// the weight.
fn shared_weights(evidence: &[Evidence], group: &[u32], keys: &Keys) -> PerPiece<f32> {
    let mut out = PerPiece::with_capacity(evidence.len());
    let mut distinct: PerValue<u16> = SmallVec::new();
    // The pieces of one group are contiguous (see `decide`): count its distinct claims once.
    for run in group.chunk_by(|a, b| a == b) {
        let range = out.len()..out.len() + run.len();
        distinct.clear();
        for k in keys.ids[range.clone()].iter().flatten() {
            if !distinct.contains(k) {
                distinct.push(*k);
            }
        }
        for i in range {
            out.push(match keys.ids[i] {
                Some(_) => evidence[i].weight / distinct.len() as f32,
                None => 0.0,
            });
        }
    }
    out
}

/// One attribute's vote: the winning value's id and its certainty.
struct Vote {
    key: Option<u16>,
    certainty: f64,
}

/// Support for one value of an attribute.
#[derive(Debug, Clone, Copy, Default)]
struct Support {
    /// Noisy-OR of the evidence naming it.
    total: f64,
    /// Its strongest single piece.
    max: f32,
    /// Named by two independent sources (vendor only).
    corroborated: bool,
}

fn source_bit(s: Source) -> u8 {
    match s {
        Source::Mac => 1,
        Source::Announcement => 2,
        Source::Dhcp => 4,
        Source::Eap => 8,
        Source::Discovery => 16,
        Source::Protocol => 0,
    }
}

/// Picks the value with the highest support; `w[i]` is evidence i's (shared, penalised)
/// weight; `corroborate` applies the vendor rule: a value named by two independent sources is
/// at least [`CORROBORATED`], lowered only by a rival claim as strong (itself corroborated,
/// or with a piece at least as heavy as the value's heaviest).
fn vote(evidence: &[Evidence], group: &[u32], keys: &Keys, w: &[f32], corroborate: bool) -> Vote {
    let n = keys.first.len();
    // One observed value is one piece of evidence per claim, however many rules make it:
    // per (value, claim) only the heaviest counts.
    let mut pieces: PerPiece<(u32, usize, f32, Source)> = SmallVec::new();
    for (i, k) in keys.ids.iter().enumerate() {
        let Some(k) = k.map(usize::from) else {
            continue;
        };
        match pieces.iter_mut().find(|p| p.0 == group[i] && p.1 == k) {
            Some(p) => p.2 = p.2.max(w[i]),
            None => pieces.push((group[i], k, w[i], evidence[i].source)),
        }
    }
    // Per value: (miss, max, source bits).
    let mut acc: PerValue<(f64, f32, u8)> = smallvec::smallvec![(1.0f64, 0.0f32, 0u8); n];
    for &(_, k, wi, src) in &pieces {
        let a = &mut acc[k];
        a.0 *= 1.0 - f64::from(wi);
        a.1 = a.1.max(wi);
        if wi >= CORROBORATING_WEIGHT {
            a.2 |= source_bit(src);
        }
    }
    let sup: PerValue<Support> = acc
        .iter()
        .map(|&(miss, max, bits)| Support {
            total: 1.0 - miss,
            max,
            corroborated: corroborate && bits.count_ones() >= 2,
        })
        .collect();
    let best = (0..n).max_by(|&a, &b| {
        let (x, y) = (sup[a], sup[b]);
        (x.corroborated, x.total)
            .partial_cmp(&(y.corroborated, y.total))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(x.max.total_cmp(&y.max))
            .then(b.cmp(&a))
    });
    let Some(best) = best else {
        return Vote {
            key: None,
            certainty: 0.0,
        };
    };
    // Evidence naming another value of this attribute lowers its certainty.
    let contra = pieces
        .iter()
        .filter(|p| p.1 != best)
        .fold(1.0f64, |acc, p| acc * (1.0 - f64::from(p.2) / 2.0));
    let mut certainty = sup[best].total * contra;
    if sup[best].corroborated {
        let floor = (0..n)
            .filter(|&k| k != best && (sup[k].corroborated || sup[k].max >= sup[best].max))
            .fold(CORROBORATED, |acc, k| acc * (1.0 - sup[k].total / 2.0));
        certainty = certainty.max(floor);
    }
    Vote {
        key: Some(best as u16),
        certainty,
    }
}

/// A piece of evidence before it is built: its value, claim, rule and the OS it carries (a
/// merged duplicate may add one).
struct Pending<'a> {
    signal: &'static str,
    source: Source,
    value: &'a Arc<str>,
    claim: &'a ValueClaim,
    rule: &'a Rule,
    os: Option<&'a Arc<str>>,
}

/// Collects the evidence of a profile: one piece per (rule, value), duplicates of one claim on
/// one value merged.
/// `pre` holds the pieces found before (the MAC's).
fn collect(
    profile: &Profile,
    db: &RefDb,
    oui_org: Option<&str>,
    pre: Option<Evidence>,
) -> Vec<Evidence> {
    let values = profile
        .signals
        .iter()
        .flat_map(|(k, v)| v.iter().map(|v| (*k, v.as_str())))
        .chain(oui_org.map(|o| ("oui.org", o)));
    let signals: PerSignal<(&'static str, Claimed)> = db.claims_of(values);
    // Rules already matched (on another value of their signal), sorted.
    let mut seen_rules: PerPiece<usize> = SmallVec::new();
    let rules = db.rules.rules();
    // Per value: its rules' claims, strongest first, then the pieces kept (with the OS a
    // merged duplicate adds); only those become evidence.
    let mut found: PerValue<(&ValueClaim, &Rule)> = SmallVec::new();
    let mut kept: PerPiece<Pending<'_>> = SmallVec::new();
    for (signal, claimed) in &signals {
        let source = Source::of(signal);
        found.clear();
        for c in claimed.claims.iter() {
            match seen_rules.binary_search(&c.rule) {
                Ok(_) => continue,
                Err(at) => seen_rules.insert(at, c.rule),
            }
            found.push((c, &rules[c.rule]));
        }
        // One value is one piece of evidence however many rules (of one or several
        // databases) say the same about it: keep the strongest per claim.
        found.sort_by(|a, b| b.1.weight.total_cmp(&a.1.weight));
        let from = kept.len();
        for &(e, rule) in &found {
            let same = kept[from..].iter_mut().find(|k| {
                k.claim.vendor == e.vendor
                    && k.claim.class == e.class
                    && (k.claim.model == e.model || e.model.is_none())
            });
            match same {
                Some(k) => {
                    if k.os.is_none() {
                        k.os = e.os.as_ref();
                    }
                }
                None => kept.push(Pending {
                    signal,
                    source,
                    value: &claimed.value,
                    claim: e,
                    rule,
                    os: e.os.as_ref(),
                }),
            }
        }
    }
    // Sized once: the returned vector is the one allocation that holds the pieces.
    let mut evidence = Vec::with_capacity(kept.len() + usize::from(pre.is_some()));
    evidence.extend(pre);
    evidence.extend(kept.iter().map(|k| Evidence {
        signal: k.signal,
        value: k.value.clone(),
        rule: k.rule.id.clone(),
        source: k.source,
        vendor: k.claim.vendor.clone(),
        model: k.claim.model.clone(),
        class: k.claim.class,
        os: k.os.cloned(),
        weight: k.rule.weight,
        effect: Effect::Neutral,
        agrees: Attrs::default(),
        contradicts: Attrs::default(),
        note: None,
    }));
    evidence
}

/// The resolved attributes and certainties.
struct Resolved {
    vendor: Option<String>,
    model: Option<String>,
    class: DeviceClass,
    os: Option<String>,
    certainty: Certainty,
}

/// The strongest piece of evidence naming the winning value (its spelling is reported).
fn spelled(evidence: &[Evidence], keys: &Keys, key: Option<u16>) -> Option<usize> {
    let key = key?;
    (0..evidence.len())
        .filter(|&i| keys.ids[i] == Some(key))
        .max_by(|&a, &b| evidence[a].weight.total_cmp(&evidence[b].weight))
}

/// Marks each piece of evidence with the attributes it agrees with or contradicts.
fn mark_effects(
    evidence: &mut [Evidence],
    attrs: &[(Attr, &Keys, Option<u16>)],
    ruled_out: &[Option<usize>],
    vendor: Option<&str>,
    db: &RefDb,
) {
    for (i, e) in evidence.iter_mut().enumerate() {
        for (attr, keys, key) in attrs {
            let Some(mine) = keys.ids[i] else { continue };
            if *attr == Attr::Os && ruled_out[i].is_some() {
                e.contradicts.insert(*attr);
                e.note = ruled_out[i].zip(vendor).map(|(f, v)| {
                    let name = &db.classmap.os_families[f].name;
                    format!("{name} does not run on {v} hardware")
                });
            } else if *key == Some(mine) {
                e.agrees.insert(*attr);
            } else {
                e.contradicts.insert(*attr);
            }
        }
        e.effect = if !e.contradicts.is_empty() {
            Effect::Contradicts
        } else if !e.agrees.is_empty() {
            Effect::Agrees
        } else {
            Effect::Neutral
        };
    }
}

/// Pieces from one signal value are contiguous: numbers the runs.
fn groups(evidence: &[Evidence]) -> PerPiece<u32> {
    let mut group = PerPiece::with_capacity(evidence.len());
    for i in 0..evidence.len() {
        let same = i > 0
            && evidence[i].signal == evidence[i - 1].signal
            && (Arc::ptr_eq(&evidence[i].value, &evidence[i - 1].value)
                || evidence[i].value == evidence[i - 1].value);
        let g = match group.last() {
            Some(&g) if same => g,
            Some(&g) => g + 1,
            None => 0,
        };
        group.push(g);
    }
    group
}

fn decide(evidence: &mut [Evidence], db: &RefDb) -> Resolved {
    let group = groups(evidence);
    let kv = Keys::new(evidence, Attr::Vendor);
    let v = vote(
        evidence,
        &group,
        &kv,
        &shared_weights(evidence, &group, &kv),
        true,
    );
    let vendor_at = spelled(evidence, &kv, v.key);
    let vendor = vendor_at.and_then(|i| evidence[i].vendor.as_deref());

    let kc = Keys::new(evidence, Attr::Class);
    let c = vote(
        evidence,
        &group,
        &kc,
        &shared_weights(evidence, &group, &kc),
        false,
    );
    let class = spelled(evidence, &kc, c.key)
        .and_then(|i| evidence[i].class)
        .unwrap_or(DeviceClass::Unknown);

    // The model comes only from evidence that does not name another vendor, and is never more
    // certain than the vendor.
    let km = Keys::new(evidence, Attr::Model);
    let mut wm = shared_weights(evidence, &group, &km);
    for (i, w) in wm.iter_mut().enumerate() {
        if kv.ids[i].is_some() && kv.ids[i] != v.key {
            *w = 0.0;
        }
    }
    let m = vote(evidence, &group, &km, &wm, false);
    let model_c = if vendor.is_some() {
        m.certainty.min(v.certainty)
    } else {
        m.certainty
    };
    let model = spelled(evidence, &km, m.key)
        .filter(|_| model_c >= MIN_REPORTED)
        .and_then(|i| evidence[i].model.as_deref());

    // OS: a family that does not run on the resolved vendor's hardware is contradicted by it
    // (per piece, the family that rules it out).
    let ko = Keys::new(evidence, Attr::Os);
    let ruled_out: PerPiece<Option<usize>> = evidence
        .iter()
        .map(|e| {
            let (os, vendor) = (e.os.as_deref()?, vendor?);
            let (f, fam) = db.classmap.os_family_index(os)?;
            (!fam.runs_on(vendor)).then_some(f)
        })
        .collect();
    let mut wo = shared_weights(evidence, &group, &ko);
    for (i, w) in wo.iter_mut().enumerate() {
        if ruled_out[i].is_some() {
            *w *= 1.0 - v.certainty as f32;
        }
    }
    let o = vote(evidence, &group, &ko, &wo, false);
    let os = spelled(evidence, &ko, o.key)
        .filter(|_| o.certainty >= MIN_REPORTED)
        .and_then(|i| evidence[i].os.as_deref());

    let (vendor, model, os) = (
        vendor.map(str::to_owned),
        model.map(str::to_owned),
        os.map(str::to_owned),
    );
    let reported = |r: bool, k: Option<u16>| if r { k } else { None };
    mark_effects(
        evidence,
        &[
            (Attr::Vendor, &kv, reported(vendor.is_some(), v.key)),
            (Attr::Model, &km, reported(model.is_some(), m.key)),
            (
                Attr::Class,
                &kc,
                reported(class != DeviceClass::Unknown, c.key),
            ),
            (Attr::Os, &ko, reported(os.is_some(), o.key)),
        ],
        &ruled_out,
        vendor.as_deref(),
        db,
    );
    let shown = |r: bool, x: f64| round3(if r { x } else { 0.0 });
    Resolved {
        certainty: Certainty {
            vendor: shown(vendor.is_some(), v.certainty),
            model: shown(model.is_some(), model_c),
            class: shown(class != DeviceClass::Unknown, c.certainty),
            os: shown(os.is_some(), o.certainty),
        },
        vendor,
        model,
        class,
        os,
    }
}

/// Section 889: `(status, entity, group, source)`.
fn ndaa(
    profile: &Profile,
    db: &RefDb,
    vendor: Option<&str>,
    oui: Option<&OuiInfo>,
    evidence: &[Evidence],
) -> (NdaaStatus, Option<String>, Option<String>, Option<String>) {
    let names = vendor
        .into_iter()
        .chain(oui.map(|o| o.org.as_str()))
        .chain(profile.values("lldp.med.manufacturer"));
    let hits: PerValue<&Entity> = profile
        .mac
        .as_ref()
        .filter(|m| !m.is_local())
        .and_then(|m| db.ndaa.by_mac(m))
        .into_iter()
        .chain(names.filter_map(|n| db.ndaa_by_name(n)))
        .collect();
    let decided = hits
        .iter()
        .find(|e| e.status == NdaaStatus::Prohibited)
        .or_else(|| hits.first());
    let entry = |e: &Entity, s: NdaaStatus| {
        (
            s,
            Some(e.name.clone()),
            Some(e.group.clone()),
            Some(e.source.clone()),
        )
    };
    if let Some(e) = decided {
        return entry(e, e.status);
    }
    // Evidence naming a covered vendor that lost the vote (a Hikvision option 60 on another
    // brand's MAC, say) does not make the device prohibited, but it is not clean either.
    let doubt = evidence
        .iter()
        .filter(|e| e.contradicts.contains("vendor") && e.weight >= 0.3)
        .filter_map(|e| db.ndaa_by_name(e.vendor.as_deref()?))
        .find(|x| x.status == NdaaStatus::Prohibited);
    match doubt {
        Some(e) => entry(e, NdaaStatus::Unknown),
        None if vendor.is_some() => (NdaaStatus::Clean, None, None, None),
        None => (NdaaStatus::Unknown, None, None, None),
    }
}

/// Orders the evidence strongest first, ties by signal name, else as collected (a stable
/// sort of small keys, then the pieces moved into place: no scratch copy of the pieces).
fn sort_strongest_first(evidence: &mut [Evidence]) {
    let mut order: PerPiece<u16> = (0..evidence.len() as u16).collect();
    order.sort_unstable_by(|&a, &b| {
        let (x, y) = (&evidence[usize::from(a)], &evidence[usize::from(b)]);
        y.weight
            .total_cmp(&x.weight)
            .then_with(|| x.signal.cmp(y.signal))
            .then(a.cmp(&b))
    });
    // Position i takes the piece at order[i]: follow each cycle once.
    for i in 0..order.len() {
        let mut cur = i;
        loop {
            let next = usize::from(order[cur]);
            order[cur] = cur as u16;
            if next == i {
                break;
            }
            evidence.swap(cur, next);
            cur = next;
        }
    }
}

/// Resolves one profile against a database.
pub fn resolve(profile: &Profile, db: &RefDb) -> Identity {
    let mut oui_info = None;
    let mut local = false;
    let mut quadrant = None;
    let mut pre = None;
    if let Some(mac) = &profile.mac {
        if mac.is_local() {
            local = true;
            quadrant = sla_quadrant(mac);
            pre = Some(Evidence {
                signal: "mac",
                value: mac.to_string().into(),
                rule: "builtin:locally-administered".into(),
                source: Source::Mac,
                vendor: None,
                model: None,
                class: None,
                os: None,
                weight: 0.0,
                effect: Effect::Neutral,
                agrees: Attrs::default(),
                contradicts: Attrs::default(),
                note: Some("randomised or software-assigned: the OUI names no vendor".into()),
            });
        } else if let Some(m) = db.oui.lookup(mac) {
            oui_info = Some(OuiInfo {
                org: m.org.to_owned(),
                registry: m.registry,
                bits: m.bits,
            });
        }
    }
    // Blocks the IEEE RA keeps for MA-M/MA-S holders, and private assignments, name no vendor.
    let org = oui_info
        .as_ref()
        .map(|o| o.org.as_str())
        .filter(|o| !matches!(*o, "IEEE Registration Authority" | "Private"));
    let mut evidence = collect(profile, db, org, pre);
    let r = decide(&mut evidence, db);
    sort_strongest_first(&mut evidence);
    let (ndaa_status, ndaa_entity, ndaa_group, ndaa_source) = ndaa(
        profile,
        db,
        r.vendor.as_deref(),
        oui_info.as_ref(),
        &evidence,
    );
    Identity {
        mac: profile.mac.map(|m| m.to_string()),
        vendor: r.vendor,
        model: r.model,
        class: r.class,
        os: r.os,
        confidence: r.certainty.vendor,
        certainty: r.certainty,
        ndaa_status,
        ndaa_entity,
        ndaa_group,
        ndaa_source,
        oui: oui_info,
        locally_administered: local,
        local_quadrant: quadrant,
        observations: profile.observations,
        evidence,
    }
}

#[cfg(test)]
mod tests;
