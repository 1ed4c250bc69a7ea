//! Per-port baselines: a learning window, then an exponentially weighted mean fed only by
//! observations that match.

use std::collections::BTreeMap;

use super::explain::{Comparison, compare};
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
    /// Unnormalised running mean during learning, the EWMA afterwards.
    mean: Vec<f32>,
    vector: Vector,
    tokens: BTreeMap<String, (Family, f32)>,
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
            mean: first.vector.as_slice().to_vec(),
            vector: first.vector.clone(),
            tokens: first
                .tokens
                .iter()
                .map(|t| (t.token.clone(), (t.family, t.weight)))
                .collect(),
        }
    }

    /// Whether the learning window is still open at `now`.
    pub fn learning(&self, now: Timestamp) -> bool {
        now.0.saturating_sub(self.started.0) < self.params.learning_window_us
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
    pub fn vector(&self) -> &Vector {
        &self.vector
    }

    /// The id of the baseline vector.
    pub fn id(&self) -> DnaId {
        DnaId::of(&self.vector)
    }

    /// The baseline's weighted tokens, sorted by token.
    pub fn tokens(&self) -> Vec<WeightedToken> {
        self.tokens
            .iter()
            .map(|(k, (f, w))| WeightedToken {
                token: k.clone(),
                family: *f,
                weight: *w,
            })
            .collect()
    }

    /// Similarity of a DNA to the baseline (0 when the dimensions differ).
    pub fn similarity(&self, dna: &Dna) -> f32 {
        if dna.vector.dim() != self.vector.dim() {
            return 0.0;
        }
        similarity(&self.vector, &dna.vector)
    }

    /// Similarity and the (at most `limit`) tokens that moved it most.
    pub fn compare(&self, dna: &Dna, limit: usize) -> Comparison {
        let toks = self.tokens();
        let mut c = compare((&self.vector, &toks), (&dna.vector, &dna.tokens), limit);
        c.similarity = self.similarity(dna);
        c
    }

    /// Folds an observation's DNA in: always while learning (running mean), afterwards only
    /// when it matches (EWMA with α).
    pub fn update(&mut self, dna: &Dna, ts: Timestamp) -> Update {
        let similarity = self.similarity(dna);
        if dna.vector.dim() != self.mean.len() {
            return Update::Rejected { similarity };
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
        for (m, x) in self.mean.iter_mut().zip(dna.vector.as_slice()) {
            *m += a * (x - *m);
        }
        if let Ok(v) = Vector::new(self.mean.clone()) {
            self.vector = v;
        }
        for (_, w) in self.tokens.values_mut() {
            *w *= 1.0 - a;
        }
        for t in &dna.tokens {
            let e = self
                .tokens
                .entry(t.token.clone())
                .or_insert((t.family, 0.0));
            e.1 += a * t.weight;
        }
        self.tokens.retain(|_, (_, w)| *w >= FORGET);
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
}

impl Baseline {
    /// The state to persist.
    pub fn state(&self) -> BaselineState {
        BaselineState {
            started: self.started,
            updated: self.updated,
            samples: self.samples,
            mean: self.mean.clone(),
            tokens: self.tokens(),
        }
    }

    /// The unnormalised mean (what [`BaselineState::mean`] holds).
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// A baseline from a persisted state; `None` when the mean is empty, zero or not finite.
    pub fn from_state(s: BaselineState, params: BaselineParams) -> Option<Baseline> {
        let vector = Vector::new(s.mean.clone()).ok()?;
        if vector.is_zero() {
            return None;
        }
        Some(Baseline {
            params,
            started: s.started,
            updated: s.updated,
            samples: s.samples,
            mean: s.mean,
            vector,
            tokens: s
                .tokens
                .into_iter()
                .map(|t| (t.token, (t.family, t.weight)))
                .collect(),
        })
    }
}
