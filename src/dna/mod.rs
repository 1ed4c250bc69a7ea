//! Device DNA: a fixed-length fingerprint of what a device says about itself.
//!
//! Contract:
//! - [`Facts`] merges the [`Observation`](crate::observe::Observation)s of one device (LLDP
//!   incl. MED inventory and TLV order, CDP, EDP/FDP, DHCPv4 client messages, DHCPv6, EAP,
//!   STP, the IP TTL, the OUI) and optional SNMP [`PortFacts`].
//! - [`DnaBuilder::build`] turns facts into tokens per signal family (`oui:001b54`,
//!   `lldp.caps:bridge,telephone`, `lldp.tlvs:1,2,3,…`, `dhcp.prl:1,3,6,15,119,252`,
//!   `cdp.platform:cisco ip phone 7912`, `ip.ttl:64`, `eap.method:peap`, `poe.class:4`, …).
//!   Free text is normalised (lower case, build noise dropped); the fields the device's
//!   [firmware profile](firmware) names as version-bearing give `fw:` tokens instead.
//! - Tokens are feature-hashed with blake3 into `dimension` f32 (default 256). Each family's
//!   tokens share the family's weight (config `[dna.weights]`); the `fw:` tokens together take
//!   a fixed share of the vector (`firmware_share`) in their own quarter of the dimensions, so
//!   a firmware update moves a DNA by about that share (into 0.65–0.85) whatever else the
//!   device sends, and a different model (the `model` family differs) falls below 0.65.
//!   The vector is L2-normalised; its id is `dna:` + hex of blake3 over the i8-quantised
//!   vector (first 16 bytes), the same on every run and machine.
//! - The weighted tokens stay with the [`Dna`], so [`compare`] can say which features moved
//!   the similarity most. Hard identity (MACs, LLDP-MED serials, chassis IDs) is kept beside
//!   the DNA, never in it.
//! - [`Baseline`]: the mean over a learning window, then an exponentially weighted mean fed
//!   only by observations that match (similarity ≥ the match threshold).
//!
//! Pure: no logging, no threads; the only I/O is [`FirmwareProfiles::load_dir`].

mod baseline;
mod explain;
mod facts;
pub mod firmware;
pub mod text;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use baseline::{Baseline, BaselineParams, Update};
pub use explain::{Change, ChangeKind, Comparison, compare};
pub use facts::{Facts, HardIdentity, PortFacts};
pub use firmware::{FirmwareProfiles, ProfileError};

use crate::observe::Observation;
use crate::score::Vector;
use firmware::Field;

/// A signal family: tokens of a family share the family's weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Model names: LLDP-MED model, CDP/EDP/FDP platform, models a profile extracts.
    Model,
    /// The MAC's OUI (`oui:local` for a locally administered, e.g. randomised, MAC).
    Oui,
    /// LLDP structure: capabilities, TLV order, ID subtypes, TTL, MED class, name shape.
    Lldp,
    /// LLDP text: system description words, manufacturer, hardware revision, port naming.
    LldpText,
    /// CDP structure: capabilities, TLV order, version, hold time, port naming.
    Cdp,
    /// DHCPv4 client: option 55, option order, max size, client-id type, vendor class,
    /// host-name shape, user class.
    Dhcp,
    /// DHCPv6 client: option request list, option order, DUID type, enterprise numbers.
    Dhcpv6,
    /// 802.1X: EAP method, EAPOL-Start.
    Eap,
    /// IP TTL / hop limit of DHCP packets.
    Ip,
    /// Port facts: PoE class, speed, MAU type.
    Port,
    /// EDP / FDP.
    Neighbor,
    /// Spanning tree spoken by the device.
    Stp,
    /// Firmware: versions, release trains and software text (`fw:`).
    Firmware,
}

impl Family {
    /// Every family, in a fixed order.
    pub const ALL: [Family; 13] = [
        Family::Model,
        Family::Oui,
        Family::Lldp,
        Family::LldpText,
        Family::Cdp,
        Family::Dhcp,
        Family::Dhcpv6,
        Family::Eap,
        Family::Ip,
        Family::Port,
        Family::Neighbor,
        Family::Stp,
        Family::Firmware,
    ];

    /// The config key (`lldp_text`).
    pub fn name(self) -> &'static str {
        match self {
            Family::Model => "model",
            Family::Oui => "oui",
            Family::Lldp => "lldp",
            Family::LldpText => "lldp_text",
            Family::Cdp => "cdp",
            Family::Dhcp => "dhcp",
            Family::Dhcpv6 => "dhcpv6",
            Family::Eap => "eap",
            Family::Ip => "ip",
            Family::Port => "port",
            Family::Neighbor => "neighbor",
            Family::Stp => "stp",
            Family::Firmware => "fw",
        }
    }
}

/// Weights of the families (not the firmware family, which takes `firmware_share`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FamilyWeights(pub [f32; 13]);

impl FamilyWeights {
    /// The weight of a family.
    pub fn get(&self, f: Family) -> f32 {
        self.0[f as usize]
    }

    /// Sets a family's weight.
    pub fn set(&mut self, f: Family, w: f32) {
        self.0[f as usize] = w;
    }
}

impl Default for FamilyWeights {
    fn default() -> Self {
        let mut w = FamilyWeights([1.0; 13]);
        w.set(Family::Model, 3.0);
        w.set(Family::Oui, 0.7);
        w.set(Family::Lldp, 1.0);
        w.set(Family::LldpText, 1.2);
        w.set(Family::Cdp, 1.0);
        w.set(Family::Dhcp, 1.5);
        w.set(Family::Dhcpv6, 1.0);
        w.set(Family::Eap, 0.7);
        w.set(Family::Ip, 0.5);
        w.set(Family::Port, 0.7);
        w.set(Family::Neighbor, 1.0);
        w.set(Family::Stp, 0.5);
        w.set(Family::Firmware, 0.0);
        w
    }
}

/// DNA parameters (from `[dna]`).
#[derive(Debug, Clone, PartialEq)]
pub struct DnaParams {
    /// Vector dimension D (≥ 16, a multiple of 4).
    pub dimension: usize,
    /// Family weights.
    pub weights: FamilyWeights,
    /// Share of the vector's squared norm held by the `fw:` tokens when any are present.
    pub firmware_share: f32,
}

impl Default for DnaParams {
    fn default() -> Self {
        DnaParams {
            dimension: 256,
            weights: FamilyWeights::default(),
            firmware_share: 0.27,
        }
    }
}

/// A token with its effective weight in the vector (Σ weight² ≈ 1 over a DNA's tokens).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightedToken {
    /// The token (`dhcp.prl:1,3,6`).
    pub token: String,
    /// Its family.
    pub family: Family,
    /// Effective weight.
    pub weight: f32,
}

/// A DNA id: `dna:` and 32 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DnaId(pub String);

impl fmt::Display for DnaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl DnaId {
    /// The id of a vector: blake3 over its i8 quantisation, first 16 bytes, hex.
    pub fn of(v: &Vector) -> DnaId {
        let (q, _) = v.quantise();
        let bytes: Vec<u8> = q.iter().map(|&x| x as u8).collect();
        let h = blake3::hash(&bytes);
        let mut s = String::with_capacity(36);
        s.push_str("dna:");
        for b in &h.as_bytes()[..16] {
            s.push_str(&format!("{b:02x}"));
        }
        DnaId(s)
    }
}

/// A device's DNA.
#[derive(Debug, Clone, PartialEq)]
pub struct Dna {
    /// Stable id of the vector.
    pub id: DnaId,
    /// The L2-normalised vector.
    pub vector: Vector,
    /// The tokens and their effective weights, sorted by token.
    pub tokens: Vec<WeightedToken>,
    /// The firmware profile that applied (`generic` when none did).
    pub profile: String,
    /// Hard identity, beside the DNA.
    pub identity: HardIdentity,
}

impl Dna {
    /// Cosine similarity with another DNA, clamped to [0, 1].
    pub fn similarity(&self, other: &Dna) -> f32 {
        crate::score::similarity(&self.vector, &other.vector)
    }
}

/// Builds DNAs with fixed parameters and firmware profiles.
#[derive(Debug, Clone)]
pub struct DnaBuilder {
    params: DnaParams,
    profiles: std::sync::Arc<FirmwareProfiles>,
}

/// A token before weighting.
struct RawToken {
    family: Family,
    token: String,
    weight: f32,
}

impl DnaBuilder {
    /// A builder with `params` and the embedded firmware profiles.
    pub fn new(params: DnaParams) -> DnaBuilder {
        DnaBuilder {
            params,
            profiles: std::sync::Arc::new(FirmwareProfiles::embedded().clone()),
        }
    }

    /// A builder with other profiles (loaded from a directory, or reloaded).
    pub fn with_profiles(params: DnaParams, profiles: std::sync::Arc<FirmwareProfiles>) -> Self {
        DnaBuilder { params, profiles }
    }

    /// The parameters.
    pub fn params(&self) -> &DnaParams {
        &self.params
    }

    /// The firmware profiles in use.
    pub fn profiles(&self) -> &FirmwareProfiles {
        &self.profiles
    }

    /// The DNA of one observation (and optionally its port's facts).
    pub fn build_one(&self, o: &Observation, port: Option<&PortFacts>) -> Dna {
        let mut f = Facts::of(o);
        if let Some(p) = port {
            f.port(p);
        }
        self.build(&f)
    }

    /// The DNA of a device's merged facts.
    pub fn build(&self, facts: &Facts) -> Dna {
        let (raw, profile) = self.raw_tokens(facts);
        let (vector, tokens) = self.vectorise(raw);
        Dna {
            id: DnaId::of(&vector),
            vector,
            tokens,
            profile,
            identity: facts.identity().clone(),
        }
    }

    fn raw_tokens(&self, facts: &Facts) -> (Vec<RawToken>, String) {
        let mut out: Vec<RawToken> = facts
            .tokens()
            .iter()
            .map(|(k, (f, w))| RawToken {
                family: *f,
                token: k.clone(),
                weight: *w,
            })
            .collect();
        let profile = self.profiles.select(facts.texts().map(|(_, t)| t));
        let pname = profile.name().to_owned();
        let mut versions: Vec<firmware::FoundVersion> = Vec::new();
        let mut fw_words: Vec<String> = Vec::new();
        let mut descr_words: Vec<String> = Vec::new();
        let push = |family: Family, token: String, weight: f32, out: &mut Vec<RawToken>| {
            if let Some(t) = out.iter_mut().find(|t| t.token == token) {
                t.weight = t.weight.max(weight);
            } else {
                out.push(RawToken {
                    family,
                    token,
                    weight,
                });
            }
        };
        let extracted: Vec<(Field, firmware::Extracted)> = facts
            .texts()
            .map(|(field, t)| (field, profile.extract(field, t)))
            .collect();
        for (_, ex) in &extracted {
            for v in &ex.versions {
                if !versions.iter().any(|x| x.version == v.version) {
                    versions.push(v.clone());
                }
            }
        }
        for (field, mut ex) in extracted {
            // A version found in one field is removed from every other field's text too.
            let mut lower = text::normalise(&ex.rest);
            for v in &versions {
                if lower.contains(v.version.as_str()) {
                    lower = lower.replace(v.version.as_str(), " ");
                }
            }
            ex.rest = lower;
            for m in &ex.models {
                push(Family::Model, format!("model:{m}"), 1.0, &mut out);
            }
            if profile.is_firmware_field(field) {
                for w in text::words(&ex.rest, 24) {
                    if !fw_words.contains(&w) {
                        fw_words.push(w);
                    }
                }
                continue;
            }
            let norm = text::normalise(&ex.rest);
            if norm.is_empty() {
                continue;
            }
            match field {
                Field::LldpSystemDescription => {
                    for w in text::words(&ex.rest, 24) {
                        if !descr_words.contains(&w) {
                            descr_words.push(w);
                        }
                    }
                }
                Field::LldpMedModel => push(
                    Family::Model,
                    format!("lldp.med.model:{norm}"),
                    1.0,
                    &mut out,
                ),
                Field::CdpPlatform => {
                    push(Family::Model, format!("cdp.platform:{norm}"), 1.0, &mut out)
                }
                Field::NeighborPlatform => push(
                    Family::Model,
                    format!("neighbor.platform:{norm}"),
                    1.0,
                    &mut out,
                ),
                Field::LldpMedManufacturer => push(
                    Family::LldpText,
                    format!("lldp.med.mfr:{norm}"),
                    1.0,
                    &mut out,
                ),
                Field::LldpMedHardware => push(
                    Family::LldpText,
                    format!("lldp.med.hw:{norm}"),
                    0.5,
                    &mut out,
                ),
                Field::DhcpVendorClass => {
                    push(Family::Dhcp, format!("dhcp.vci:{norm}"), 1.2, &mut out)
                }
                Field::Dhcpv6VendorClass => {
                    push(Family::Dhcpv6, format!("dhcpv6.vc:{norm}"), 1.2, &mut out)
                }
                Field::LldpMedSoftware
                | Field::LldpMedFirmware
                | Field::CdpSoftware
                | Field::NeighborSoftware => {}
            }
        }
        // System description words share one token's worth of weight.
        if !descr_words.is_empty() {
            let w = 1.0 / (descr_words.len() as f32).sqrt();
            for d in descr_words {
                push(Family::LldpText, format!("lldp.descr:{d}"), w, &mut out);
            }
        }
        // Firmware: one token for the whole set of versions (any change moves it), light
        // tokens per version and release train (they say what changed and keep an update
        // within a train a little closer), and the software text's words.
        if !versions.is_empty() {
            let mut all: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
            all.sort_unstable();
            push(
                Family::Firmware,
                format!("fw:{pname}:{}", all.join("+")),
                1.0,
                &mut out,
            );
            for v in &versions {
                push(
                    Family::Firmware,
                    format!("fw.v:{pname}:{}", v.version),
                    0.2,
                    &mut out,
                );
                if let Some(tr) = &v.train {
                    push(
                        Family::Firmware,
                        format!("fw.train:{pname}:{tr}"),
                        0.2,
                        &mut out,
                    );
                }
            }
        }
        // Software text words share a tenth of the firmware mass (all of it without versions).
        if !fw_words.is_empty() {
            let mass = if versions.is_empty() { 1.0 } else { 0.1 };
            let w = (mass / fw_words.len() as f32).sqrt();
            for d in fw_words {
                push(Family::Firmware, format!("fw.text:{d}"), w, &mut out);
            }
        }
        (out, pname)
    }

    fn vectorise(&self, mut raw: Vec<RawToken>) -> (Vector, Vec<WeightedToken>) {
        raw.sort_by(|a, b| a.token.cmp(&b.token));
        let d = self.params.dimension.max(4);
        let fw_dims = (d / 2).max(1);
        let base_dims = d - fw_dims;
        // Σ raw weight² per family.
        let mut mass = [0.0f32; 13];
        for t in &raw {
            mass[t.family as usize] += t.weight * t.weight;
        }
        let w = &self.params.weights;
        let mut base_mass = 0.0f32;
        let mut scale = [0.0f32; 13];
        for f in Family::ALL {
            if f == Family::Firmware || mass[f as usize] == 0.0 {
                continue;
            }
            let wf = w.get(f);
            base_mass += wf * wf;
            scale[f as usize] = wf / mass[f as usize].sqrt();
        }
        let fw = Family::Firmware as usize;
        if mass[fw] > 0.0 {
            let s = self.params.firmware_share.clamp(0.0, 0.95);
            let fw_mass = if base_mass > 0.0 {
                s / (1.0 - s) * base_mass
            } else {
                1.0
            };
            scale[fw] = (fw_mass / mass[fw]).sqrt();
        }
        let mut v = vec![0.0f32; d];
        let mut tokens = Vec::with_capacity(raw.len());
        let mut total = 0.0f64;
        for t in raw {
            let e = t.weight * scale[t.family as usize];
            if e == 0.0 {
                continue;
            }
            let (lo, n) = if t.family == Family::Firmware {
                (base_dims, fw_dims)
            } else {
                (0, base_dims)
            };
            // k slots (4 for identity tokens, 8 for firmware tokens) with their signs, from one
            // blake3 hash: 2 bytes per slot, sign bits from byte 31. Spreading a token over
            // several slots keeps any single collision small.
            let k = if t.family == Family::Firmware { 8 } else { 4 };
            let h = blake3::hash(t.token.as_bytes());
            let b = h.as_bytes();
            let part = e / (k as f32).sqrt();
            let mut used = [usize::MAX; 8];
            for j in 0..k {
                let mut slot = usize::from(u16::from_le_bytes([b[2 * j], b[2 * j + 1]])) % n;
                // A token's own slots are distinct (probe on), so it cannot cancel itself.
                while n >= k && used[..j].contains(&slot) {
                    slot = (slot + 1) % n;
                }
                used[j] = slot;
                v[lo + slot] += if b[31] >> j & 1 == 0 { part } else { -part };
            }
            total += f64::from(e) * f64::from(e);
            tokens.push(WeightedToken {
                token: t.token,
                family: t.family,
                weight: e,
            });
        }
        let norm = total.sqrt() as f32;
        if norm > 0.0 {
            tokens.iter_mut().for_each(|t| t.weight /= norm);
        }
        let vector = Vector::new(v).unwrap_or_else(|_| {
            Vector::from_normalised(vec![0.0; d]).expect("a zero vector is finite")
        });
        (vector, tokens)
    }
}

#[cfg(test)]
mod tests;
