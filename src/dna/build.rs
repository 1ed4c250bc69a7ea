//! The DNA builder: facts → weighted tokens → feature-hashed, normalised vector and id.
//!
//! Text processing (profile selection, version extraction, word splitting) depends only on a
//! device's texts, and a token's hash slots only on the token, so both are memoised in bounded
//! caches inside the builder: a device that keeps sending the same frames costs a few hash-map
//! look-ups and the vector arithmetic.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use super::firmware::{self, Field, FirmwareProfiles};
use super::text;
use super::{Dna, DnaId, DnaParams, Facts, Family, PortFacts, WeightedToken};
use crate::observe::Observation;
use crate::score::Vector;

/// Cached text results and token slots beyond these counts are dropped (the cache is cleared
/// and refilled), bounding memory whatever the input.
const MAX_TEXT_ENTRIES: usize = 4096;
const MAX_SLOT_ENTRIES: usize = 65_536;

/// A token before weighting.
#[derive(Debug, Clone)]
struct RawToken {
    family: Family,
    token: String,
    weight: f32,
    /// Precomputed slots (text-derived tokens carry them in the cache).
    slots: Option<Slots>,
}

/// The text-derived tokens of a set of texts, and the profile that applied.
#[derive(Debug)]
struct TextTokens {
    /// The texts these tokens were made from (checked on every cache hit: a hash collision,
    /// accidental or crafted by a device, never hands one device another's tokens).
    texts: Vec<(Field, String)>,
    tokens: Vec<RawToken>,
    profile: String,
}

/// Where a token lands: up to 8 slots with their signs (bit j of `signs` set = negative).
#[derive(Debug, Clone, Copy)]
struct Slots {
    idx: [u16; 8],
    k: u8,
    signs: u8,
}

#[derive(Debug, Default)]
struct Cache {
    texts: HashMap<u64, Arc<TextTokens>>,
    slots: HashMap<String, Slots>,
}

/// Builds DNAs with fixed parameters and firmware profiles. Cheap to share (`&self` methods,
/// an internal lock around the caches); cloning gives empty caches.
#[derive(Debug)]
pub struct DnaBuilder {
    params: DnaParams,
    profiles: Arc<FirmwareProfiles>,
    cache: Mutex<Cache>,
    /// Random per builder, so cache keys cannot be predicted from outside.
    seed: std::collections::hash_map::RandomState,
}

impl Clone for DnaBuilder {
    fn clone(&self) -> Self {
        DnaBuilder::with_profiles(self.params.clone(), self.profiles.clone())
    }
}

fn push(family: Family, token: String, weight: f32, out: &mut Vec<RawToken>) {
    if let Some(t) = out.iter_mut().find(|t| t.token == token) {
        t.weight = t.weight.max(weight);
    } else {
        out.push(RawToken {
            family,
            token,
            weight,
            slots: None,
        });
    }
}

impl DnaBuilder {
    /// A builder with `params` and the embedded firmware profiles.
    pub fn new(params: DnaParams) -> DnaBuilder {
        DnaBuilder::with_profiles(params, Arc::new(FirmwareProfiles::embedded().clone()))
    }

    /// A builder with other profiles (loaded from a directory, or reloaded).
    pub fn with_profiles(params: DnaParams, profiles: Arc<FirmwareProfiles>) -> Self {
        DnaBuilder {
            params,
            profiles,
            cache: Mutex::new(Cache::default()),
            seed: std::collections::hash_map::RandomState::new(),
        }
    }

    /// The parameters.
    pub fn params(&self) -> &DnaParams {
        &self.params
    }

    /// The firmware profiles in use.
    pub fn profiles(&self) -> &FirmwareProfiles {
        &self.profiles
    }

    /// Empties the caches (benchmarks of the cold path; memory is bounded without it).
    pub fn clear_cache(&self) {
        let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        *c = Cache::default();
    }

    /// The DNA of one observation (and optionally its port's facts).
    pub fn build_one(&self, o: &Observation, port: Option<&PortFacts>) -> Dna {
        let mut f = Facts::of(o);
        if let Some(p) = port {
            f.port(p);
        }
        let texts = self.text_tokens(&f);
        let (tokens, identity) = f.into_parts();
        let raw = tokens
            .into_iter()
            .map(|(token, (family, weight))| RawToken {
                family,
                token,
                weight,
                slots: None,
            })
            .collect();
        self.finish(raw, &texts, identity)
    }

    /// The DNA of a device's merged facts.
    pub fn build(&self, facts: &Facts) -> Dna {
        let texts = self.text_tokens(facts);
        let raw = facts
            .tokens()
            .iter()
            .map(|(k, (f, w))| RawToken {
                family: *f,
                token: k.clone(),
                weight: *w,
                slots: None,
            })
            .collect();
        self.finish(raw, &texts, facts.identity().clone())
    }

    fn finish(&self, raw: Vec<RawToken>, texts: &TextTokens, identity: super::HardIdentity) -> Dna {
        // Both lists are sorted by token, and text-derived tokens never share a key with
        // structural ones (distinct prefixes): merge them.
        let mut all = Vec::with_capacity(raw.len() + texts.tokens.len());
        let mut b = texts.tokens.iter().peekable();
        for t in raw {
            while let Some(x) = b.next_if(|x| x.token < t.token) {
                all.push(x.clone());
            }
            all.push(t);
        }
        all.extend(b.cloned());
        let (vector, tokens) = self.vectorise(all);
        Dna {
            id: DnaId::of(&vector),
            vector,
            tokens,
            profile: texts.profile.clone(),
            identity,
        }
    }

    fn text_tokens(&self, facts: &Facts) -> Arc<TextTokens> {
        let mut h = self.seed.build_hasher();
        for (f, t) in facts.texts() {
            f.hash(&mut h);
            t.hash(&mut h);
        }
        let key = h.finish();
        if let Some(t) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .texts
            .get(&key)
            && t.texts.len() == facts.texts().count()
            && t.texts
                .iter()
                .zip(facts.texts())
                .all(|((f, x), (g, y))| *f == g && x == y)
        {
            return t.clone();
        }
        let t = Arc::new(self.make_text_tokens(facts));
        let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if c.texts.len() >= MAX_TEXT_ENTRIES {
            c.texts.clear();
        }
        c.texts.insert(key, t.clone());
        t
    }

    fn make_text_tokens(&self, facts: &Facts) -> TextTokens {
        let mut out: Vec<RawToken> = Vec::new();
        let profile = self.profiles.select(facts.texts().map(|(_, t)| t));
        let pname = profile.name().to_owned();
        let mut versions: Vec<firmware::FoundVersion> = Vec::new();
        let mut fw_words: Vec<String> = Vec::new();
        let mut descr_words: Vec<String> = Vec::new();
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
        out.sort_unstable_by(|a, b| a.token.cmp(&b.token));
        {
            let (base, fw) = self.ranges();
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            for t in &mut out {
                let firmware = t.family == Family::Firmware;
                let n = if firmware { fw.1 } else { base.1 };
                t.slots = Some(self.slots(&mut cache, &t.token, firmware, n));
            }
        }
        TextTokens {
            texts: facts.texts().map(|(f, t)| (f, t.to_owned())).collect(),
            tokens: out,
            profile: pname,
        }
    }

    /// The slots of a token in a range of `n` dimensions (memoised).
    fn slots(&self, cache: &mut Cache, token: &str, firmware: bool, n: usize) -> Slots {
        if let Some(s) = cache.slots.get(token) {
            return *s;
        }
        // k slots (4 for identity tokens, 8 for firmware tokens) with their signs, from one
        // blake3 hash: 2 bytes per slot, sign bits from byte 31. Spreading a token over
        // several slots keeps any single collision small.
        let k = if firmware { 8 } else { 4 };
        let h = blake3::hash(token.as_bytes());
        let b = h.as_bytes();
        let mut s = Slots {
            idx: [0; 8],
            k: k as u8,
            signs: b[31],
        };
        for j in 0..k {
            let mut slot = usize::from(u16::from_le_bytes([b[2 * j], b[2 * j + 1]])) % n;
            // A token's own slots are distinct (probe on), so it cannot cancel itself.
            while n >= k && s.idx[..j].contains(&(slot as u16)) {
                slot = (slot + 1) % n;
            }
            s.idx[j] = slot as u16;
        }
        if cache.slots.len() >= MAX_SLOT_ENTRIES {
            cache.slots.clear();
        }
        cache.slots.insert(token.to_owned(), s);
        s
    }

    /// The base and firmware dimension ranges: (start, length).
    fn ranges(&self) -> ((usize, usize), (usize, usize)) {
        let d = self.params.dimension.clamp(4, usize::from(u16::MAX));
        let fw_dims = (d / 2).max(1);
        ((0, d - fw_dims), (d - fw_dims, fw_dims))
    }

    /// `raw` must be sorted by token (the summation order, hence the id, depends on it).
    fn vectorise(&self, raw: Vec<RawToken>) -> (Vector, Vec<WeightedToken>) {
        debug_assert!(raw.windows(2).all(|w| w[0].token <= w[1].token));
        let ((_, base_dims), (fw_lo, fw_dims)) = self.ranges();
        let d = base_dims + fw_dims;
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
        let mut total = 0.0f32;
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        for t in raw {
            let e = t.weight * scale[t.family as usize];
            if e == 0.0 {
                continue;
            }
            let firmware = t.family == Family::Firmware;
            let (lo, n) = if firmware {
                (fw_lo, fw_dims)
            } else {
                (0, base_dims)
            };
            let s = match t.slots {
                Some(s) => s,
                None => self.slots(&mut cache, &t.token, firmware, n),
            };
            let part = e / f32::from(s.k).sqrt();
            for j in 0..usize::from(s.k) {
                let x = if s.signs >> j & 1 == 0 { part } else { -part };
                v[lo + usize::from(s.idx[j])] += x;
            }
            total += e * e;
            tokens.push(WeightedToken {
                token: t.token,
                family: t.family,
                weight: e,
            });
        }
        drop(cache);
        let norm = total.sqrt();
        if norm > 0.0 {
            tokens.iter_mut().for_each(|t| t.weight /= norm);
        }
        // Normalise in a fixed order (the same bits on every machine): eight running sums.
        let mut acc = [0.0f32; 8];
        for c in v.chunks(8) {
            for (a, x) in acc.iter_mut().zip(c) {
                *a += x * x;
            }
        }
        let sq = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        if sq > 0.0 {
            let inv = 1.0 / sq.sqrt();
            v.iter_mut().for_each(|x| *x *= inv);
        }
        let vector = Vector::from_normalised(v).unwrap_or_else(|_| {
            Vector::from_normalised(vec![0.0; d]).expect("a zero vector is finite")
        });
        (vector, tokens)
    }
}
