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
//!   registration, announcements (LLDP/CDP/EDP/FDP), DHCP, 802.1X), each of weight ≥
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

use super::class::DeviceClass;
use super::ndaa::{Entity, NdaaStatus, Relation};
use super::oui::sla_quadrant;
use super::profile::Profile;
use super::rules::{Rule, strip_corporate};
use super::{RefDb, ValueClaim};

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
            _ => Source::Protocol,
        }
    }
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The signal (`cdp.platform`, `oui.org`, …).
    pub signal: &'static str,
    /// The value seen.
    pub value: String,
    /// The rule that matched (`<set>:<id>`), or `builtin:<what>`.
    pub rule: String,
    /// Where the signal comes from.
    pub source: Source,
    /// Claimed vendor (canonical).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Claimed model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Claimed class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<DeviceClass>,
    /// Claimed operating system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// The rule's weight.
    pub weight: f32,
    /// Relation to the result (all attributes together).
    pub effect: Effect,
    /// The attributes whose resolved value it names (`vendor`, `model`, `class`, `os`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub agrees: Vec<&'static str>,
    /// The attributes of which it names another value, or whose resolved value rules it out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contradicts: Vec<&'static str>,
    /// Why, when the contradiction is not a plain disagreement (`Windows does not run on
    /// Apple hardware`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
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

/// Which attribute of a piece of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attr {
    Vendor,
    Model,
    Class,
    Os,
}

impl Attr {
    fn name(self) -> &'static str {
        match self {
            Attr::Vendor => "vendor",
            Attr::Model => "model",
            Attr::Class => "class",
            Attr::Os => "os",
        }
    }

    /// The claim of `e` on this attribute.
    fn text(self, e: &Evidence) -> Option<&str> {
        match self {
            Attr::Vendor => e.vendor.as_deref(),
            Attr::Model => e.model.as_deref(),
            Attr::Class => e
                .class
                .filter(|c| *c != DeviceClass::Unknown)
                .map(DeviceClass::as_str),
            Attr::Os => e.os.as_deref(),
        }
    }
}

/// The claims of one attribute as small ids: claims equal but for ASCII case share an id.
struct Keys {
    /// Per piece of evidence.
    ids: Vec<Option<u16>>,
    /// Per id, the first piece naming it.
    first: Vec<usize>,
}

impl Keys {
    fn new(evidence: &[Evidence], attr: Attr) -> Keys {
        let mut first: Vec<usize> = Vec::new();
        let ids = evidence
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let t = attr.text(e)?;
                let k = first.iter().position(|&j| {
                    attr.text(&evidence[j])
                        .is_some_and(|x| x.eq_ignore_ascii_case(t))
                });
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
fn shared_weights(evidence: &[Evidence], group: &[u32], keys: &Keys) -> Vec<f32> {
    let mut out = Vec::with_capacity(evidence.len());
    let mut distinct: Vec<u16> = Vec::new();
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
    let mut pieces: Vec<(u32, usize, f32, Source)> = Vec::with_capacity(evidence.len());
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
    let mut acc = vec![(1.0f64, 0.0f32, 0u8); n];
    for &(_, k, wi, src) in &pieces {
        let a = &mut acc[k];
        a.0 *= 1.0 - f64::from(wi);
        a.1 = a.1.max(wi);
        if wi >= CORROBORATING_WEIGHT {
            a.2 |= source_bit(src);
        }
    }
    let sup: Vec<Support> = acc
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

/// Collects the evidence of a profile: one piece per (rule, value), duplicates of one claim on
/// one value merged.
/// `evidence` holds the pieces found before (the MAC's).
fn collect(
    profile: &Profile,
    db: &RefDb,
    oui_org: Option<&str>,
    mut evidence: Vec<Evidence>,
) -> Vec<Evidence> {
    let signals: Vec<(&'static str, &str, Arc<[ValueClaim]>)> = profile
        .signals
        .iter()
        .flat_map(|(k, v)| v.iter().map(|v| (*k, v.as_str())))
        .chain(oui_org.map(|o| ("oui.org", o)))
        .map(|(k, v)| (k, v, db.claims(k, v)))
        .collect();
    // Sized once: pieces are large, and growing the vector copies them.
    let claims = signals.iter().map(|s| s.2.len());
    evidence.reserve(claims.clone().sum());
    // Rules already matched (on another value of their signal), sorted.
    let mut seen_rules: Vec<usize> = Vec::new();
    let rules = db.rules.rules();
    // Per value: its rules' claims, strongest first, then the pieces kept (with the OS a
    // merged duplicate adds); only those become evidence.
    let cap = claims.max().unwrap_or(0);
    let mut found: Vec<(&ValueClaim, &Rule)> = Vec::with_capacity(cap);
    let mut kept: Vec<(&ValueClaim, &Rule, Option<&String>)> = Vec::with_capacity(cap);
    for (signal, value, claimed) in &signals {
        let (signal, value) = (*signal, *value);
        found.clear();
        for c in claimed.iter() {
            match seen_rules.binary_search(&c.rule) {
                Ok(_) => continue,
                Err(at) => seen_rules.insert(at, c.rule),
            }
            found.push((c, &rules[c.rule]));
        }
        // One value is one piece of evidence however many rules (of one or several
        // databases) say the same about it: keep the strongest per claim.
        found.sort_by(|a, b| b.1.weight.total_cmp(&a.1.weight));
        kept.clear();
        for &(e, rule) in &found {
            let same = kept.iter_mut().find(|(k, _, _)| {
                k.vendor == e.vendor
                    && k.class == e.class
                    && (k.model == e.model || e.model.is_none())
            });
            match same {
                Some((_, _, os)) => {
                    if os.is_none() {
                        *os = e.os.as_ref();
                    }
                }
                None => kept.push((e, rule, e.os.as_ref())),
            }
        }
        evidence.extend(kept.iter().map(|&(c, rule, os)| Evidence {
            signal,
            value: value.to_owned(),
            rule: rule.id.clone(),
            source: Source::of(signal),
            vendor: c.vendor.clone(),
            model: c.model.clone(),
            class: c.class,
            os: os.cloned(),
            weight: rule.weight,
            effect: Effect::Neutral,
            agrees: Vec::new(),
            contradicts: Vec::new(),
            note: None,
        }));
    }
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

/// The winning value as spelled by the strongest evidence naming it.
fn spelled(evidence: &[Evidence], attr: Attr, keys: &Keys, key: Option<u16>) -> Option<String> {
    let key = key?;
    (0..evidence.len())
        .filter(|&i| keys.ids[i] == Some(key))
        .max_by(|&a, &b| evidence[a].weight.total_cmp(&evidence[b].weight))
        .and_then(|i| attr.text(&evidence[i]).map(str::to_owned))
}

/// Marks each piece of evidence with the attributes it agrees with or contradicts.
fn mark_effects(
    evidence: &mut [Evidence],
    attrs: &[(Attr, &Keys, Option<u16>)],
    ruled_out: &[Option<String>],
) {
    for (i, e) in evidence.iter_mut().enumerate() {
        for (attr, keys, key) in attrs {
            let Some(mine) = keys.ids[i] else { continue };
            if *attr == Attr::Os && ruled_out[i].is_some() {
                e.contradicts.push(attr.name());
                e.note = ruled_out[i].clone();
            } else if *key == Some(mine) {
                e.agrees.push(attr.name());
            } else {
                e.contradicts.push(attr.name());
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

fn decide(evidence: &mut [Evidence], db: &RefDb) -> Resolved {
    // Pieces from one signal value are contiguous: number the runs.
    let mut group = Vec::with_capacity(evidence.len());
    for i in 0..evidence.len() {
        let same = i > 0
            && evidence[i].signal == evidence[i - 1].signal
            && evidence[i].value == evidence[i - 1].value;
        let g = match group.last() {
            Some(&g) if same => g,
            Some(&g) => g + 1,
            None => 0,
        };
        group.push(g);
    }
    let kv = Keys::new(evidence, Attr::Vendor);
    let v = vote(
        evidence,
        &group,
        &kv,
        &shared_weights(evidence, &group, &kv),
        true,
    );
    let vendor = spelled(evidence, Attr::Vendor, &kv, v.key);

    let kc = Keys::new(evidence, Attr::Class);
    let c = vote(
        evidence,
        &group,
        &kc,
        &shared_weights(evidence, &group, &kc),
        false,
    );
    let class = spelled(evidence, Attr::Class, &kc, c.key)
        .and_then(|k| k.parse().ok())
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
    let model = spelled(evidence, Attr::Model, &km, m.key).filter(|_| model_c >= MIN_REPORTED);

    // OS: a family that does not run on the resolved vendor's hardware is contradicted by it.
    let ko = Keys::new(evidence, Attr::Os);
    let ruled_out: Vec<Option<String>> = evidence
        .iter()
        .map(|e| {
            let (os, vendor) = (e.os.as_deref()?, vendor.as_deref()?);
            let fam = db.classmap.os_family(os)?;
            (!fam.runs_on(vendor))
                .then(|| format!("{} does not run on {vendor} hardware", fam.name))
        })
        .collect();
    let mut wo = shared_weights(evidence, &group, &ko);
    for (i, w) in wo.iter_mut().enumerate() {
        if ruled_out[i].is_some() {
            *w *= 1.0 - v.certainty as f32;
        }
    }
    let o = vote(evidence, &group, &ko, &wo, false);
    let os = spelled(evidence, Attr::Os, &ko, o.key).filter(|_| o.certainty >= MIN_REPORTED);

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
    let mut names: Vec<&str> = Vec::new();
    names.extend(vendor);
    if let Some(o) = oui {
        names.push(&o.org);
    }
    names.extend(profile.values("lldp.med.manufacturer"));
    let hits: Vec<&Entity> = profile
        .mac
        .as_ref()
        .filter(|m| !m.is_local())
        .and_then(|m| db.ndaa.by_mac(m))
        .into_iter()
        .chain(names.iter().filter_map(|n| db.ndaa_by_name(n)))
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
        .filter(|e| e.contradicts.contains(&"vendor") && e.weight >= 0.3)
        .filter_map(|e| db.ndaa_by_name(e.vendor.as_deref()?))
        .find(|x| x.status == NdaaStatus::Prohibited);
    match doubt {
        Some(e) => entry(e, NdaaStatus::Unknown),
        None if vendor.is_some() => (NdaaStatus::Clean, None, None, None),
        None => (NdaaStatus::Unknown, None, None, None),
    }
}

/// Resolves one profile against a database.
pub fn resolve(profile: &Profile, db: &RefDb) -> Identity {
    let mut oui_info = None;
    let mut local = false;
    let mut quadrant = None;
    let mut pre: Vec<Evidence> = Vec::new();
    if let Some(mac) = &profile.mac {
        if mac.is_local() {
            local = true;
            quadrant = sla_quadrant(mac);
            pre.push(Evidence {
                signal: "mac",
                value: mac.to_string(),
                rule: "builtin:locally-administered".into(),
                source: Source::Mac,
                vendor: None,
                model: None,
                class: None,
                os: None,
                weight: 0.0,
                effect: Effect::Neutral,
                agrees: Vec::new(),
                contradicts: Vec::new(),
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
    evidence.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| a.signal.cmp(b.signal))
    });
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
