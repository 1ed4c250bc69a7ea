//! Per-port baselines: a learning window, then an exponentially weighted mean fed only by
//! observations that match.
//!
//! **Partial evidence.** A device does not say everything at once: a phone may be heard through
//! DHCP minutes before its first LLDP frame, and a DNA built from one signal family is not
//! comparable with one built from three (a DHCP-only DNA against the same phone's LLDP+DHCP DNA
//! scores 0.2–0.65 on the corpus). So the baseline keeps how often each family was present
//! (an average of 0/1 with the same weights as the mean) and [`Baseline::similarity`] compares
//! on the families both sides carry when their family sets differ: the cosine of the token
//! weights of the shared signal families, leaving out the model and firmware families, which
//! are drawn from several signals (for equal family sets, the SIMD cosine of the hashed vectors,
//! which it approximates). When the only shared families are weak ones (OUI, port facts, IP TTL),
//! there is nothing to compare and the full cosine is used.

use std::sync::Arc;

use super::explain::{Comparison, compare};
use super::intern::intern;
use super::{Dna, DnaId, Family, WeightedToken};
use crate::clock::Timestamp;
use crate::score::{Vector, similarity};

/// Baseline parameters (from `[dna]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BaselineParams {
    /// Learning window, microseconds (default 24 h).
    pub learning_window_us: i64,
    /// EWMA factor α: the weight of a matching observation once learning is over.
    pub ewma_alpha: f32,
    /// Similarity at or above which an observation matches and updates the baseline.
    pub match_threshold: f32,
}

impl Default for BaselineParams {
    fn default() -> Self {
        BaselineParams {
            learning_window_us: 24 * 3600 * 1_000_000,
            ewma_alpha: 0.1,
            match_threshold: 0.85,
        }
    }
}

/// What an observation did to a baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Update {
    /// Still learning: folded into the mean.
    Learning {
        /// Similarity to the baseline before the update.
        similarity: f32,
    },
    /// Matched (similarity ≥ threshold): folded into the EWMA.
    Matched {
        /// Similarity to the baseline before the update.
        similarity: f32,
    },
    /// Did not match: the baseline is unchanged.
    Rejected {
        /// Similarity to the baseline.
        similarity: f32,
    },
}

/// A port's (or device's) baseline DNA.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    params: BaselineParams,
    started: Timestamp,
    updated: Timestamp,
    samples: u64,
    /// The running mean during learning, the EWMA afterwards, is `vector · norm`: kept as the
    /// normalised vector, packed, and its length (not twice, and not in f32: a baseline is
    /// 1.5 kB smaller, which counts at 50,000 ports).
    vector: Packed,
    norm: f32,
    /// Weighted tokens, sorted by token.
    tokens: Vec<BaseToken>,
    /// How often each family (indexed like [`Family::ALL`]) was present, 0–1.
    presence: [f32; FAMILIES],
}

const FAMILIES: usize = Family::ALL.len();

/// A token of the baseline, its family and its weight.
#[derive(Debug, Clone, PartialEq)]
struct BaseToken {
    /// Shared with every other baseline carrying it ([`intern`]).
    token: Arc<str>,
    family: Family,
    weight: f32,
}

/// A vector stored as i16 components and one scale: half the memory of f32. Each component is
/// within `scale / 2` of the f32 one (≈ 1e-5 for a unit vector of dimension 256), which moves a
/// cosine similarity by less than 1e-4, below the precision events report it with.
#[derive(Debug, Clone, PartialEq)]
struct Packed {
    q: Box<[i16]>,
    scale: f32,
}

impl Packed {
    fn pack(v: &[f32]) -> Packed {
        let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / 32767.0 } else { 0.0 };
        let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
        Packed {
            q: v.iter()
                .map(|x| (x * inv).round().clamp(-32767.0, 32767.0) as i16)
                .collect(),
            scale,
        }
    }

    fn dim(&self) -> usize {
        self.q.len()
    }

    /// The unit vector (normalised again after unpacking).
    fn vector(&self) -> Vector {
        let v: Vec<f32> = self.q.iter().map(|&x| f32::from(x) * self.scale).collect();
        Vector::new(v).unwrap_or_else(|_| {
            Vector::from_normalised(vec![0.0; self.q.len().max(1)]).expect("zeros are finite")
        })
    }
}

/// The L2 length of `v`, computed in f64.
fn length(v: &[f32]) -> f32 {
    v.iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt() as f32
}

/// A family counts as part of the baseline when present in at least half of what it learned.
const PRESENT: f32 = 0.5;

/// Families that say little about which device it is on their own.
const WEAK: u16 = bit(Family::Oui) | bit(Family::Port) | bit(Family::Ip);

/// Families drawn from several signals (the model from LLDP-MED, CDP or the DHCP vendor class;
/// versions from all of them): with different signals on each side they compare different
/// things, so a partial comparison leaves them out.
const DERIVED: u16 = bit(Family::Model) | bit(Family::Firmware);

const fn bit(f: Family) -> u16 {
    1 << f as u16
}

/// The families a DNA carries, as a bit set.
pub fn families(dna: &Dna) -> u16 {
    dna.tokens
        .iter()
        .filter(|t| t.weight != 0.0)
        .fold(0, |m, t| m | bit(t.family))
}

fn presence_of(dna: &Dna) -> [f32; FAMILIES] {
    let m = families(dna);
    std::array::from_fn(|i| if m >> i & 1 == 1 { 1.0 } else { 0.0 })
}

/// Tokens whose EWMA weight falls below this are forgotten.
const FORGET: f32 = 1e-3;

impl Baseline {
    /// Starts learning from a first DNA at `ts`.
    pub fn new(first: &Dna, ts: Timestamp, params: BaselineParams) -> Baseline {
        Baseline {
            params,
            started: ts,
            updated: ts,
            samples: 1,
            vector: Packed::pack(first.vector.as_slice()),
            norm: length(first.vector.as_slice()),
            tokens: sorted_tokens(first.tokens.iter().map(|t| BaseToken {
                token: intern(&t.token),
                family: t.family,
                weight: t.weight,
            })),
            presence: presence_of(first),
        }
    }

    /// The families the baseline carries (present in at least half of what it learned).
    pub fn families(&self) -> u16 {
        self.presence
            .iter()
            .enumerate()
            .filter(|(_, p)| **p >= PRESENT)
            .fold(0, |m, (i, _)| m | 1 << i)
    }

    /// Whether the DNA lacks a (not weak) signal family the baseline carries: partial evidence
    /// (announcements expired or not heard yet).
    pub fn partial(&self, dna: &Dna) -> bool {
        let mine = self.families() & !WEAK;
        families(dna) & mine != mine
    }

    /// Similarity on the families both carry, firmware left out: what a firmware update does
    /// not change (the device's structure, model, DHCP client, …).
    pub fn similarity_beside_firmware(&self, dna: &Dna) -> f32 {
        let (mine, theirs) = (self.families(), families(dna));
        let mut shared = mine & theirs & !bit(Family::Firmware);
        if mine != theirs {
            shared &= !DERIVED;
        }
        if shared & !WEAK == 0 {
            return self.similarity(dna);
        }
        self.shared_similarity(dna, shared)
    }

    /// Whether the DNA carries a firmware token (`fw:`) the baseline does not: a version
    /// changed. A DNA that moved for other reasons (another DHCP client behind a MAC whose
    /// stale announcements still count) is not a firmware update.
    pub fn firmware_changed(&self, dna: &Dna) -> bool {
        let max = self
            .tokens
            .iter()
            .filter(|t| t.family == Family::Firmware)
            .map(|t| t.weight)
            .fold(0.0f32, f32::max);
        dna.tokens
            .iter()
            .filter(|t| t.family == Family::Firmware && t.weight > 0.0)
            .any(|t| self.weight(&t.token).is_none_or(|w| w < 0.25 * max))
    }

    /// Whether the learning window is still open at `now`.
    pub fn learning(&self, now: Timestamp) -> bool {
        now.0.saturating_sub(self.started.0) < self.params.learning_window_us
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        self.vector.dim()
    }

    /// When learning started.
    pub fn started(&self) -> Timestamp {
        self.started
    }

    /// When the baseline last changed.
    pub fn updated(&self) -> Timestamp {
        self.updated
    }

    /// Observations folded in.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// The normalised baseline vector.
    pub fn vector(&self) -> Vector {
        self.vector.vector()
    }

    /// The id of the baseline vector.
    pub fn id(&self) -> DnaId {
        DnaId::of(&self.vector())
    }

    /// The baseline's weighted tokens, sorted by token.
    pub fn tokens(&self) -> Vec<WeightedToken> {
        self.tokens
            .iter()
            .map(|t| WeightedToken {
                token: t.token.to_string(),
                family: t.family,
                weight: t.weight,
            })
            .collect()
    }

    /// The weight of a token in the baseline.
    fn weight(&self, token: &str) -> Option<f32> {
        self.tokens
            .binary_search_by(|t| (*t.token).cmp(token))
            .ok()
            .map(|i| self.tokens[i].weight)
    }

    /// Similarity of a DNA to the baseline (0 when the dimensions differ): on the families
    /// both carry when their family sets differ (see the module documentation).
    pub fn similarity(&self, dna: &Dna) -> f32 {
        if dna.vector.dim() != self.vector.dim() {
            return 0.0;
        }
        let (mine, theirs) = (self.families(), families(dna));
        let shared = mine & theirs & !DERIVED;
        if mine == theirs || shared & !WEAK == 0 {
            return similarity(&self.vector(), &dna.vector);
        }
        self.shared_similarity(dna, shared)
    }

    /// Cosine of the token weights of the families in `shared`.
    fn shared_similarity(&self, dna: &Dna, shared: u16) -> f32 {
        let inside = |f: Family| shared & bit(f) != 0;
        let (mut dot, mut a2, mut b2) = (0.0f64, 0.0f64, 0.0f64);
        for t in dna.tokens.iter().filter(|t| inside(t.family)) {
            let w = f64::from(t.weight);
            b2 += w * w;
            if let Some(m) = self.weight(&t.token) {
                dot += w * f64::from(m);
            }
        }
        for t in self.tokens.iter().filter(|t| inside(t.family)) {
            a2 += f64::from(t.weight) * f64::from(t.weight);
        }
        if a2 <= 0.0 || b2 <= 0.0 {
            return 0.0;
        }
        ((dot / (a2.sqrt() * b2.sqrt())) as f32).clamp(-1.0, 1.0)
    }

    /// Similarity and the (at most `limit`) tokens that moved it most.
    pub fn compare(&self, dna: &Dna, limit: usize) -> Comparison {
        let toks = self.tokens();
        let v = self.vector();
        let mut c = compare((&v, &toks), (&dna.vector, &dna.tokens), limit);
        c.similarity = self.similarity(dna);
        c
    }

    /// Folds an observation's DNA in: always while learning (running mean), afterwards only
    /// when it matches (EWMA with α). Only complete evidence feeds it: a DNA carrying fewer
    /// signal families than the baseline (announcements expired, a device heard through one
    /// protocol so far) is not folded, and while learning, a DNA carrying more families
    /// (the device's LLDP heard after its DHCP) restarts the mean from that DNA, so the
    /// baseline is not an average of partial and complete pictures (which would blunt a later
    /// firmware or stack change).
    pub fn update(&mut self, dna: &Dna, ts: Timestamp) -> Update {
        let similarity = self.similarity(dna);
        if dna.vector.dim() != self.vector.dim() {
            return Update::Rejected { similarity };
        }
        let (mine, theirs) = (self.families() & !WEAK, families(dna) & !WEAK);
        if mine != theirs && theirs & mine == theirs {
            // Fewer families: partial evidence.
            return Update::Rejected { similarity };
        }
        if self.learning(ts) && mine != theirs && mine & theirs == mine {
            let started = self.started;
            *self = Baseline::new(dna, ts, self.params);
            self.started = started;
            return Update::Learning { similarity };
        }
        let result = if self.learning(ts) {
            // Running mean: mean += (x - mean) / n.
            self.samples += 1;
            let a = 1.0 / self.samples as f32;
            self.fold(dna, a);
            Update::Learning { similarity }
        } else if similarity >= self.params.match_threshold {
            self.samples += 1;
            self.fold(dna, self.params.ewma_alpha);
            Update::Matched { similarity }
        } else {
            return Update::Rejected { similarity };
        };
        self.updated = ts;
        result
    }

    fn fold(&mut self, dna: &Dna, a: f32) {
        let mut mean = self.mean();
        for (m, x) in mean.iter_mut().zip(dna.vector.as_slice()) {
            *m += a * (x - *m);
        }
        let norm = length(&mean);
        if let Ok(v) = Vector::new(mean) {
            self.vector = Packed::pack(v.as_slice());
            self.norm = norm;
        }
        // Both token lists are sorted: merge them, decaying the baseline's weights by 1 − α and
        // adding α × the DNA's.
        let old = std::mem::take(&mut self.tokens);
        let mut merged: Vec<BaseToken> = Vec::with_capacity(old.len() + dna.tokens.len());
        let add = |merged: &mut Vec<BaseToken>, d: &WeightedToken| match merged.last_mut() {
            Some(last) if *last.token == *d.token => last.weight += a * d.weight,
            _ => merged.push(BaseToken {
                token: intern(&d.token),
                family: d.family,
                weight: a * d.weight,
            }),
        };
        // A DNA's tokens are sorted by token (`Dna::tokens`); one built by hand may not be.
        let mut sorted: Vec<&WeightedToken> = dna.tokens.iter().collect();
        if !sorted.is_sorted_by(|x, y| x.token <= y.token) {
            sorted.sort_by(|x, y| x.token.cmp(&y.token));
        }
        let mut new = sorted.into_iter().peekable();
        for mut t in old {
            t.weight *= 1.0 - a;
            while let Some(d) = new.next_if(|d| *d.token < *t.token) {
                add(&mut merged, d);
            }
            while let Some(d) = new.next_if(|d| *d.token == *t.token) {
                t.weight += a * d.weight;
            }
            merged.push(t);
        }
        for d in new {
            add(&mut merged, d);
        }
        merged.retain(|t| t.weight >= FORGET);
        merged.shrink_to_fit();
        self.tokens = merged;
        let now = presence_of(dna);
        for (p, x) in self.presence.iter_mut().zip(now) {
            *p += a * (x - *p);
        }
    }
}

/// Everything a [`Baseline`] needs to resume after a restart (the engine persists it per port).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BaselineState {
    /// When learning started, µs.
    pub started: Timestamp,
    /// When the baseline last changed, µs.
    pub updated: Timestamp,
    /// Observations folded in.
    pub samples: u64,
    /// The unnormalised running mean / EWMA (the baseline vector before normalisation).
    pub mean: Vec<f32>,
    /// The weighted tokens.
    pub tokens: Vec<WeightedToken>,
    /// How often each family was present, by family (absent in states written before it was
    /// kept: then every family with a token counts as present).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub presence: Vec<(Family, f32)>,
}

impl Baseline {
    /// The state to persist.
    pub fn state(&self) -> BaselineState {
        BaselineState {
            started: self.started,
            updated: self.updated,
            samples: self.samples,
            mean: self.mean(),
            tokens: self.tokens(),
            presence: Family::ALL
                .iter()
                .zip(self.presence)
                .filter(|(_, p)| *p > 0.0)
                .map(|(f, p)| (*f, p))
                .collect(),
        }
    }

    /// The unnormalised mean (what [`BaselineState::mean`] holds).
    pub fn mean(&self) -> Vec<f32> {
        self.vector()
            .as_slice()
            .iter()
            .map(|&x| x * self.norm)
            .collect()
    }

    /// A baseline from a persisted state; `None` when the mean is empty, zero or not finite.
    pub fn from_state(s: BaselineState, params: BaselineParams) -> Option<Baseline> {
        let norm = length(&s.mean);
        let vector = Vector::new(s.mean).ok()?;
        if vector.is_zero() {
            return None;
        }
        let mut presence = [0.0f32; FAMILIES];
        if s.presence.is_empty() {
            for t in &s.tokens {
                presence[t.family as usize] = 1.0;
            }
        } else {
            for (f, p) in &s.presence {
                presence[*f as usize] = p.clamp(0.0, 1.0);
            }
        }
        Some(Baseline {
            params,
            started: s.started,
            updated: s.updated,
            samples: s.samples,
            vector: Packed::pack(vector.as_slice()),
            norm,
            tokens: sorted_tokens(s.tokens.into_iter().map(|t| BaseToken {
                token: intern(&t.token),
                family: t.family,
                weight: t.weight,
            })),
            presence,
        })
    }
}

/// Tokens sorted by token, one entry per token (the last of duplicates wins, as a map would).
fn sorted_tokens(tokens: impl Iterator<Item = BaseToken>) -> Vec<BaseToken> {
    let mut v: Vec<BaseToken> = tokens.collect();
    v.sort_by(|a, b| a.token.cmp(&b.token));
    let mut out: Vec<BaseToken> = Vec::with_capacity(v.len());
    for t in v {
        match out.last_mut() {
            Some(last) if last.token == t.token => *last = t,
            _ => out.push(t),
        }
    }
    out
}
