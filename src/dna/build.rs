//! The DNA builder: facts → weighted tokens → feature-hashed, normalised vector and id.
//!
//! Text processing (profile selection, version extraction, word splitting) depends only on a
//! device's texts, and a token's hash slots only on the token, so both are memoised in bounded
//! caches inside the builder: a device that keeps sending the same frames costs a few hash-map
//! look-ups and the vector arithmetic. One observation's structural tokens are written back to
//! back into a per-thread scratch buffer (no map, no per-token `format!`); their sorted order
//! and slots are memoised by that buffer's content, so a repeated frame is neither sorted nor
//! looked up token by token again. The only per-token allocation left is the token string the
//! [`Dna`] keeps for explanations.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use super::facts::{Scratch, observe_into, port_into};
use super::firmware::{self, Field, FirmwareProfiles};
use super::text;
use super::{Dna, DnaId, DnaParams, Facts, Family, PortFacts, WeightedToken};
use crate::observe::Observation;
use crate::score::Vector;

/// Cached text results and token slots beyond these counts are dropped (the cache is cleared
/// and refilled), bounding memory whatever the input.
const MAX_TEXT_ENTRIES: usize = 4096;
const MAX_STRUCT_ENTRIES: usize = 4096;
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

/// A token on its way into the vector, borrowed from the scratch space, the facts or the
/// text cache.
#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    family: Family,
    token: &'a str,
    weight: f32,
    slots: Option<Slots>,
}

thread_local! {
    /// Reused by [`DnaBuilder::build_one`] on each thread (keeps its capacity).
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Concatenates parts into one exactly sized string.
fn cat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|p| s.push_str(p));
    s
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

/// One observation's structural tokens, sorted by token, with their slots: memoised by the
/// scratch's token list (keys back to back, families, weights), which every hit compares.
#[derive(Debug)]
struct StructTokens {
    /// The keys back to back, in insertion order.
    keys: String,
    /// Per token in insertion order: end of its key in `keys`, family, weight bits.
    meta: Vec<(u32, Family, u32)>,
    /// Sorted by key: key range in `keys`, family, weight, slots.
    sorted: Vec<(u32, u32, Family, f32, Slots)>,
}

impl StructTokens {
    fn same(&self, s: &Scratch) -> bool {
        self.keys == s.keys
            && self.meta.len() == s.toks.len()
            && self
                .meta
                .iter()
                .zip(&s.toks)
                .all(|(m, t)| m.0 == t.1 && m.1 == t.2 && m.2 == t.3.to_bits())
    }
}

/// The hasher of maps whose keys are already seeded 64-bit hashes.
#[derive(Debug, Default, Clone, Copy)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type KeyMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<KeyHasher>>;

#[derive(Debug, Default)]
struct Cache {
    texts: KeyMap<Arc<TextTokens>>,
    structural: KeyMap<Arc<StructTokens>>,
    /// foldhash with a random seed per cache: several times cheaper than SipHash on short
    /// tokens, and still not predictable from outside.
    slots: HashMap<String, Slots, foldhash::fast::RandomState>,
}

/// Builds DNAs with fixed parameters and firmware profiles. Cheap to share (`&self` methods,
/// an internal lock around the caches); cloning gives empty caches.
#[derive(Debug)]
pub struct DnaBuilder {
    params: DnaParams,
    profiles: Arc<FirmwareProfiles>,
    cache: Mutex<Cache>,
    /// Random per builder, so cache keys cannot be predicted from outside.
    seed: foldhash::fast::RandomState,
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
            seed: foldhash::fast::RandomState::default(),
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

    /// The DNA of one observation (and optionally its port's facts): the same DNA as
    /// [`build`](Self::build) of [`Facts::of`] the observation (plus the port).
    pub fn build_one(&self, o: &Observation, port: Option<&PortFacts>) -> Dna {
        // (A fresh scratch if the thread's is gone: a build from a thread-local destructor.)
        let mut s = SCRATCH.try_with(|c| c.take()).unwrap_or_default();
        s.clear();
        observe_into(&mut s, o);
        if let Some(p) = port {
            port_into(&mut s, p);
        }
        // The order Facts keeps: texts by field (insertion order within one), tokens by key
        // (unique after the sink merged repeats).
        s.texts.sort_by_key(|t| t.0);
        let texts = self.text_tokens(s.texts.iter().map(|t| (t.0, s.text_at(t))));
        let structural = self.struct_tokens(&s);
        let identity = std::mem::take(&mut s.identity);
        let keys = structural.keys.as_str();
        let dna = self.finish(
            structural.sorted.iter().map(|t| Tok {
                family: t.2,
                token: &keys[t.0 as usize..t.1 as usize],
                weight: t.3,
                slots: Some(t.4),
            }),
            &texts,
            identity,
        );
        let _ = SCRATCH.try_with(|c| *c.borrow_mut() = s);
        dna
    }

    /// The DNA of a device's merged facts.
    pub fn build(&self, facts: &Facts) -> Dna {
        let texts = self.text_tokens(facts.texts());
        self.finish(
            facts.tokens().iter().map(|(k, (f, w))| Tok {
                family: *f,
                token: k.as_str(),
                weight: *w,
                slots: None,
            }),
            &texts,
            facts.identity().clone(),
        )
    }

    /// The structural tokens of one observation's scratch, sorted, with their slots
    /// (memoised by the token list).
    fn struct_tokens(&self, s: &Scratch) -> Arc<StructTokens> {
        // The keys alone pick the entry; their boundaries, families and weights are compared
        // with the entry's on a hit.
        let mut h = self.seed.build_hasher();
        h.write(s.keys.as_bytes());
        h.write_usize(s.toks.len());
        let key = h.finish();
        if let Some(t) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .structural
            .get(&key)
            && t.same(s)
        {
            return t.clone();
        }
        let keys = s.keys.clone();
        let b = keys.as_bytes();
        let mut sorted: Vec<(u32, u32, Family, f32)> =
            s.toks.iter().map(|t| (t.0, t.1, t.2, t.3)).collect();
        // Keys are unique (the sink merged repeats): an unstable sort gives one order.
        sorted.sort_unstable_by(|x, y| {
            b[x.0 as usize..x.1 as usize].cmp(&b[y.0 as usize..y.1 as usize])
        });
        let ((_, base), (_, fw)) = self.ranges();
        let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let sorted = sorted
            .into_iter()
            .map(|(a, e, f, w)| {
                let firmware = f == Family::Firmware;
                let n = if firmware { fw } else { base };
                let slots = self.slots(&mut c, &keys[a as usize..e as usize], firmware, n);
                (a, e, f, w, slots)
            })
            .collect();
        let t = Arc::new(StructTokens {
            meta: s.toks.iter().map(|t| (t.1, t.2, t.3.to_bits())).collect(),
            keys,
            sorted,
        });
        if c.structural.len() >= MAX_STRUCT_ENTRIES {
            c.structural.clear();
        }
        c.structural.insert(key, t.clone());
        t
    }

    /// `structural` must be sorted by token.
    fn finish<'a>(
        &self,
        structural: impl Iterator<Item = Tok<'a>>,
        texts: &TextTokens,
        identity: super::HardIdentity,
    ) -> Dna {
        // Both lists are sorted by token, and text-derived tokens never share a key with
        // structural ones (distinct prefixes): merge them.
        let (lo, _) = structural.size_hint();
        let mut all: Vec<Tok<'_>> = Vec::with_capacity(lo + texts.tokens.len());
        fn text_tok(x: &RawToken) -> Tok<'_> {
            Tok {
                family: x.family,
                token: x.token.as_str(),
                weight: x.weight,
                slots: x.slots,
            }
        }
        let mut b = texts.tokens.iter().peekable();
        for t in structural {
            while let Some(x) = b.next_if(|x| x.token.as_str() < t.token) {
                all.push(text_tok(x));
            }
            all.push(t);
        }
        all.extend(b.map(text_tok));
        let (vector, max, tokens) = self.vectorise(&all);
        Dna {
            id: DnaId::of_max(&vector, max),
            vector,
            tokens,
            profile: texts.profile.clone(),
            identity,
        }
    }

    fn text_tokens<'a>(
        &self,
        texts: impl Iterator<Item = (Field, &'a str)> + Clone,
    ) -> Arc<TextTokens> {
        let mut h = self.seed.build_hasher();
        for (f, t) in texts.clone() {
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
            && t.texts.len() == texts.clone().count()
            && t.texts
                .iter()
                .zip(texts.clone())
                .all(|((f, x), (g, y))| *f == g && x == y)
        {
            return t.clone();
        }
        let t = Arc::new(self.make_text_tokens(texts));
        let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if c.texts.len() >= MAX_TEXT_ENTRIES {
            c.texts.clear();
        }
        c.texts.insert(key, t.clone());
        t
    }

    fn make_text_tokens<'a>(
        &self,
        texts: impl Iterator<Item = (Field, &'a str)> + Clone,
    ) -> TextTokens {
        let mut out: Vec<RawToken> = Vec::new();
        let profile = self.profiles.select(texts.clone().map(|(_, t)| t));
        let pname = profile.name().to_owned();
        let mut versions: Vec<firmware::FoundVersion> = Vec::new();
        let mut fw_words: Vec<String> = Vec::new();
        let mut descr_words: Vec<String> = Vec::new();
        let extracted: Vec<(Field, firmware::Extracted)> = texts
            .clone()
            .map(|(field, t)| (field, profile.extract(field, t)))
            .collect();
        for (_, ex) in &extracted {
            for v in &ex.versions {
                if !versions.iter().any(|x| x.version == v.version) {
                    versions.push(v.clone());
                }
            }
        }
        for (field, ex) in extracted {
            // A version found in one field is removed from every other field's text too.
            let mut lower = text::normalise(&ex.rest);
            for v in &versions {
                if lower.contains(v.version.as_str()) {
                    lower = lower.replace(v.version.as_str(), " ");
                }
            }
            // Normalised once: the words and the whole-text tokens below both use it.
            let norm = text::normalise(&lower);
            for m in &ex.models {
                push(Family::Model, cat(&["model:", m]), 1.0, &mut out);
            }
            if profile.is_firmware_field(field) {
                text::words_of_normalised(&norm, 24, |w| {
                    if !fw_words.iter().any(|x| x == w) {
                        fw_words.push(w.to_owned());
                    }
                });
                continue;
            }
            if norm.is_empty() {
                continue;
            }
            match field {
                Field::LldpSystemDescription => {
                    text::words_of_normalised(&norm, 24, |w| {
                        if !descr_words.iter().any(|x| x == w) {
                            descr_words.push(w.to_owned());
                        }
                    });
                }
                Field::LldpMedModel => push(
                    Family::Model,
                    cat(&["lldp.med.model:", &norm]),
                    1.0,
                    &mut out,
                ),
                Field::CdpPlatform => {
                    push(Family::Model, cat(&["cdp.platform:", &norm]), 1.0, &mut out)
                }
                Field::NeighborPlatform => push(
                    Family::Model,
                    cat(&["neighbor.platform:", &norm]),
                    1.0,
                    &mut out,
                ),
                Field::LldpMedManufacturer => push(
                    Family::LldpText,
                    cat(&["lldp.med.mfr:", &norm]),
                    1.0,
                    &mut out,
                ),
                Field::LldpMedHardware => push(
                    Family::LldpText,
                    cat(&["lldp.med.hw:", &norm]),
                    0.5,
                    &mut out,
                ),
                Field::DhcpVendorClass => {
                    push(Family::Dhcp, cat(&["dhcp.vci:", &norm]), 1.2, &mut out)
                }
                Field::Dhcpv6VendorClass => {
                    push(Family::Dhcpv6, cat(&["dhcpv6.vc:", &norm]), 1.2, &mut out)
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
                push(Family::LldpText, cat(&["lldp.descr:", &d]), w, &mut out);
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
                cat(&["fw:", &pname, ":", &all.join("+")]),
                1.0,
                &mut out,
            );
            for v in &versions {
                push(
                    Family::Firmware,
                    cat(&["fw.v:", &pname, ":", &v.version]),
                    0.2,
                    &mut out,
                );
                if let Some(tr) = &v.train {
                    push(
                        Family::Firmware,
                        cat(&["fw.train:", &pname, ":", tr]),
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
                push(Family::Firmware, cat(&["fw.text:", &d]), w, &mut out);
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
            texts: texts.map(|(f, t)| (f, t.to_owned())).collect(),
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
    /// Returns the vector, the largest of its components' magnitudes, and the weighted tokens.
    fn vectorise(&self, raw: &[Tok<'_>]) -> (Vector, f32, Vec<WeightedToken>) {
        debug_assert!(raw.windows(2).all(|w| w[0].token <= w[1].token));
        let ((_, base_dims), (fw_lo, fw_dims)) = self.ranges();
        let d = base_dims + fw_dims;
        // Σ raw weight² per family.
        let mut mass = [0.0f32; 13];
        for t in raw {
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
        // The token strings are made before the vector is allocated: a build then takes the
        // small blocks the previous DNA freed before it asks for a large one, which keeps the
        // allocator from consolidating them on every build.
        let mut tokens = Vec::with_capacity(raw.len());
        for t in raw {
            let e = t.weight * scale[t.family as usize];
            if e != 0.0 {
                tokens.push(WeightedToken {
                    token: t.token.to_owned(),
                    family: t.family,
                    weight: e,
                });
            }
        }
        let mut v = vec![0.0f32; d];
        let mut total = 0.0f32;
        // Locked only for a token without precomputed slots (tokens of merged facts).
        let mut cache = None;
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
                None => self.slots(
                    cache.get_or_insert_with(|| {
                        self.cache.lock().unwrap_or_else(|e| e.into_inner())
                    }),
                    t.token,
                    firmware,
                    n,
                ),
            };
            let part = e / f32::from(s.k).sqrt();
            for j in 0..usize::from(s.k) {
                let x = if s.signs >> j & 1 == 0 { part } else { -part };
                v[lo + usize::from(s.idx[j])] += x;
            }
            total += e * e;
        }
        drop(cache);
        let norm = total.sqrt();
        if norm > 0.0 {
            tokens.iter_mut().for_each(|t| t.weight /= norm);
        }
        // Normalise in a fixed order (the same bits on every machine): eight running sums,
        // and eight running maxima of the magnitudes (for the id's quantisation).
        let mut acc = [0.0f32; 8];
        let mut top = [0.0f32; 8];
        for c in v.chunks(8) {
            for ((a, m), x) in acc.iter_mut().zip(top.iter_mut()).zip(c) {
                *a += x * x;
                let y = x.abs();
                *m = if y > *m { y } else { *m };
            }
        }
        let sq = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        let mut max = top.iter().fold(0.0f32, |m, &y| if y > m { y } else { m });
        if sq > 0.0 {
            let inv = 1.0 / sq.sqrt();
            v.iter_mut().for_each(|x| *x *= inv);
            // Rounding is monotonic: the largest scaled magnitude is the scaled largest one.
            max *= inv;
        }
        match Vector::from_normalised(v) {
            Ok(vector) => (vector, max, tokens),
            Err(_) => (
                Vector::from_normalised(vec![0.0; d]).expect("a zero vector is finite"),
                0.0,
                tokens,
            ),
        }
    }
}
