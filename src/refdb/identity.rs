//! Identity resolution: a device's profile → evidence → vendor, model, class, OS, a confidence
//! in [0, 1] and the NDAA Section 889 status.
//!
//! Every matching rule is one piece of evidence with a weight w in (0, 1]. For vendor and for
//! class, the value with the highest combined support wins, support being the noisy-OR
//! `1 − Π(1 − w)` of the evidence naming it (several agreeing signals raise it, as Cisco ISE's
//! certainty factors do). The confidence is the noisy-OR of the evidence that agrees with the
//! result, multiplied by `(1 − w/2)` for each piece that contradicts it (names another vendor or
//! class). The evidence is listed with its effect, so an analyst sees why.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::class::DeviceClass;
use super::ndaa::{NdaaList, NdaaStatus};
use super::oui::{OuiRegistry, sla_quadrant};
use super::profile::Profile;
use super::rules::RuleSet;

/// How a piece of evidence relates to the resolved identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Names the resolved vendor or class (and nothing else).
    Agrees,
    /// Names another vendor or class.
    Contradicts,
    /// Informational (no claim on vendor or class).
    Neutral,
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The signal (`cdp.platform`, `oui.org`, …).
    pub signal: String,
    /// The value seen.
    pub value: String,
    /// The rule that matched (`<set>:<id>`), or `builtin:<what>`.
    pub rule: String,
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
    /// Weight after sharing among conflicting rules on the same value.
    pub weight: f32,
    /// Relation to the result.
    pub effect: Effect,
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
    /// Confidence in [0, 1], three decimals.
    pub confidence: f64,
    /// Section 889 status.
    pub ndaa_status: NdaaStatus,
    /// The list entry that decided a `prohibited` or OEM `unknown` status.
    pub ndaa_entity: Option<String>,
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

fn noisy_or(ws: impl Iterator<Item = f32>) -> f64 {
    1.0 - ws.fold(1.0f64, |acc, w| acc * (1.0 - f64::from(w)))
}

fn conflicts(a: &Evidence, b: &Evidence) -> bool {
    let v = matches!((&a.vendor, &b.vendor), (Some(x), Some(y)) if !x.eq_ignore_ascii_case(y));
    let c = matches!((a.class, b.class), (Some(x), Some(y)) if x != y);
    v || c
}

/// Resolves one profile.
pub fn resolve(profile: &Profile, oui: &OuiRegistry, rules: &RuleSet, ndaa: &NdaaList) -> Identity {
    let mut signals: Vec<(&str, Vec<&str>)> = profile
        .signals
        .iter()
        .map(|(k, v)| (*k, v.iter().map(String::as_str).collect()))
        .collect();
    let mut oui_info = None;
    let mut local = false;
    let mut quadrant = None;
    let mut evidence: Vec<Evidence> = Vec::new();
    if let Some(mac) = &profile.mac {
        if mac.is_local() {
            local = true;
            quadrant = sla_quadrant(mac);
            evidence.push(Evidence {
                signal: "mac".into(),
                value: mac.to_string(),
                rule: "builtin:locally-administered".into(),
                vendor: None,
                model: None,
                class: None,
                os: None,
                weight: 0.0,
                effect: Effect::Neutral,
            });
        } else if let Some(m) = oui.lookup(mac) {
            oui_info = Some(OuiInfo {
                org: m.org.to_owned(),
                registry: m.registry,
                bits: m.bits,
            });
        }
    }
    // Blocks the IEEE RA keeps for MA-M/MA-S holders, and private assignments, name no vendor.
    if let Some(o) = oui_info
        .as_ref()
        .filter(|o| !matches!(o.org.as_str(), "IEEE Registration Authority" | "Private"))
    {
        signals.push(("oui.org", vec![o.org.as_str()]));
    }

    let mut seen_rules: BTreeSet<&str> = BTreeSet::new();
    for (signal, values) in &signals {
        for value in values {
            let mut found: Vec<Evidence> = Vec::new();
            for (rule, claim) in rules.matches(signal, value) {
                if !seen_rules.insert(rule.id.as_str()) {
                    continue;
                }
                found.push(Evidence {
                    signal: (*signal).to_owned(),
                    value: (*value).to_owned(),
                    rule: rule.id.clone(),
                    vendor: claim.vendor.map(|v| rules.canonical_vendor(&v)),
                    model: claim.model,
                    class: claim.class,
                    os: claim.os,
                    weight: rule.weight,
                    effect: Effect::Neutral,
                });
            }
            // One value is one piece of evidence however many rules (of one or several
            // databases) say the same about it: keep the strongest per claim.
            found.sort_by(|a, b| b.weight.total_cmp(&a.weight));
            let mut kept: Vec<Evidence> = Vec::new();
            for e in found {
                let same = kept.iter_mut().find(|k| {
                    k.vendor == e.vendor
                        && k.class == e.class
                        && (k.model == e.model || e.model.is_none())
                });
                match same {
                    Some(k) => {
                        if k.os.is_none() {
                            k.os = e.os;
                        }
                    }
                    None => kept.push(e),
                }
            }
            let mut found = kept;
            // Rules that disagree about the same value share its weight.
            let n = found.len();
            let disagree = (0..n).any(|i| (i + 1..n).any(|j| conflicts(&found[i], &found[j])));
            if disagree {
                for e in &mut found {
                    e.weight /= n as f32;
                }
            }
            evidence.extend(found);
        }
    }

    // Vendor and class by combined support.
    let mut vendors: HashMap<String, (String, Vec<f32>)> = HashMap::new();
    let mut classes: HashMap<DeviceClass, Vec<f32>> = HashMap::new();
    for e in &evidence {
        if let Some(v) = &e.vendor {
            vendors
                .entry(v.to_lowercase())
                .or_insert_with(|| (v.clone(), Vec::new()))
                .1
                .push(e.weight);
        }
        if let Some(c) = e.class.filter(|c| *c != DeviceClass::Unknown) {
            classes.entry(c).or_default().push(e.weight);
        }
    }
    let best = |ws: &Vec<f32>| {
        (
            noisy_or(ws.iter().copied()),
            ws.iter().copied().fold(0.0f32, f32::max),
        )
    };
    let vendor = vendors
        .values()
        .map(|(name, ws)| (best(ws), name))
        .max_by(|a, b| {
            a.0.0
                .total_cmp(&b.0.0)
                .then(a.0.1.total_cmp(&b.0.1))
                .then(b.1.cmp(a.1))
        })
        .map(|(_, n)| n.clone());
    let class = classes
        .iter()
        .map(|(c, ws)| (best(ws), *c))
        .max_by(|a, b| {
            a.0.0
                .total_cmp(&b.0.0)
                .then(a.0.1.total_cmp(&b.0.1))
                .then(b.1.cmp(&a.1))
        })
        .map_or(DeviceClass::Unknown, |(_, c)| c);

    let vendor_ok = |e: &Evidence| match (&e.vendor, &vendor) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        (Some(_), None) => false,
        (None, _) => true,
    };
    let class_ok = |e: &Evidence| e.class.is_none_or(|c| c == class);
    let model = evidence
        .iter()
        .filter(|e| e.model.is_some() && vendor_ok(e) && class_ok(e))
        .max_by(|a, b| a.weight.total_cmp(&b.weight))
        .and_then(|e| e.model.clone());
    let os = evidence
        .iter()
        .filter(|e| e.os.is_some() && vendor_ok(e) && class_ok(e))
        .max_by(|a, b| a.weight.total_cmp(&b.weight))
        .and_then(|e| e.os.clone());

    let mut agree = Vec::new();
    let mut contra = Vec::new();
    for e in &mut evidence {
        if e.vendor.is_none() && e.class.is_none() && e.model.is_none() && e.os.is_none() {
            continue;
        }
        e.effect = if !vendor_ok(e) || !class_ok(e) {
            contra.push(e.weight);
            Effect::Contradicts
        } else {
            agree.push(e.weight);
            Effect::Agrees
        };
    }
    let mut confidence = noisy_or(agree.into_iter())
        * contra
            .into_iter()
            .fold(1.0f64, |acc, w| acc * (1.0 - f64::from(w) / 2.0));
    if vendor.is_none() && class == DeviceClass::Unknown && os.is_none() {
        confidence = 0.0;
    }
    evidence.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| a.signal.cmp(&b.signal))
    });

    // Section 889.
    let mut names: Vec<&str> = Vec::new();
    if let Some(v) = &vendor {
        names.push(v);
    }
    if let Some(o) = &oui_info {
        names.push(&o.org);
    }
    names.extend(profile.values("lldp.med.manufacturer"));
    let hits: Vec<_> = profile
        .mac
        .as_ref()
        .and_then(|m| ndaa.by_mac(m))
        .into_iter()
        .chain(names.iter().filter_map(|n| ndaa.by_name(n)))
        .collect();
    let decided = hits
        .iter()
        .find(|e| e.status == NdaaStatus::Prohibited)
        .or_else(|| hits.first());
    // Evidence naming a covered vendor that lost the vote (a Hikvision option 60 on an OEM
    // brand's MAC, say) does not make the device prohibited, but it is not clean either.
    let doubt = || {
        evidence
            .iter()
            .filter(|e| e.effect == Effect::Contradicts && e.weight >= 0.3)
            .filter_map(|e| ndaa.by_name(e.vendor.as_deref()?))
            .find(|x| x.status == NdaaStatus::Prohibited)
    };
    let (ndaa_status, ndaa_entity, ndaa_source) = match decided {
        Some(e) => (e.status, Some(e.name.clone()), Some(e.source.clone())),
        None => match doubt() {
            Some(e) => (
                NdaaStatus::Unknown,
                Some(e.name.clone()),
                Some(e.source.clone()),
            ),
            None if vendor.is_some() => (NdaaStatus::Clean, None, None),
            None => (NdaaStatus::Unknown, None, None),
        },
    };

    Identity {
        mac: profile.mac.map(|m| m.to_string()),
        vendor,
        model,
        class,
        os,
        confidence: (confidence * 1000.0).round() / 1000.0,
        ndaa_status,
        ndaa_entity,
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
