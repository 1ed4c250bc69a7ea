//! Comparisons that explain themselves: the similarity, and the tokens that moved it most.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Family, WeightedToken};
use crate::score::{Vector, similarity};

/// How a token differs between the baseline and the current DNA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// In the current DNA only.
    Added,
    /// In the baseline only.
    Removed,
    /// In both, with a different weight.
    Reweighted,
}

/// One feature that moved the similarity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The token (`fw:cisco-ios:12.2(55)se`).
    pub token: String,
    /// Its family.
    pub family: Family,
    /// Added, removed or reweighted.
    pub change: ChangeKind,
    /// Its share of the dissimilarity: ½ (w_baseline − w_current)², summing (over all tokens,
    /// without hash collisions) to 1 − similarity.
    pub contribution: f32,
}

impl Change {
    /// The name events carry in `changed`: `+` (added), `-` (removed) or `~` (in both, with
    /// another weight), then the feature's `family.feature` name without its value, so the
    /// comma-separated list can be split: `+dhcp.prl`, `-lldp.med.model`, `+oui.prefix`.
    pub fn label(&self) -> String {
        let c = match self.change {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Reweighted => '~',
        };
        format!("{c}{}", feature_name(&self.token))
    }
}

/// The `family.feature` name of a token (the part before its first `:`), without the value.
/// Names of one word get the feature they stand for (`oui:001b54` → `oui.prefix`,
/// `fw:cisco-ios:…` → `fw.versions`); anything that could split a list is replaced.
pub fn feature_name(token: &str) -> String {
    let name = token.split_once(':').map_or(token, |(n, _)| n);
    let name = match name {
        "oui" => "oui.prefix",
        "model" => "model.name",
        "fw" => "fw.versions",
        n if !n.contains('.') => return format!("{}.value", clean_name(n)),
        n => n,
    };
    clean_name(name)
}

fn clean_name(n: &str) -> String {
    n.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A similarity and what moved it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Cosine similarity clamped to [0, 1].
    pub similarity: f32,
    /// Changed tokens, largest contribution first (ties by token), at most `limit`.
    pub changed: Vec<Change>,
}

/// Compares a baseline (vector and weighted tokens) with a current DNA; `limit` caps `changed`.
/// Vectors of different dimensions have similarity 0.
pub fn compare(
    base: (&Vector, &[WeightedToken]),
    current: (&Vector, &[WeightedToken]),
    limit: usize,
) -> Comparison {
    let mut m: BTreeMap<&str, (Family, f32, f32)> = BTreeMap::new();
    for t in base.1 {
        m.entry(&t.token).or_insert((t.family, 0.0, 0.0)).1 = t.weight;
    }
    for t in current.1 {
        m.entry(&t.token).or_insert((t.family, 0.0, 0.0)).2 = t.weight;
    }
    let mut changed: Vec<Change> = m
        .into_iter()
        .filter_map(|(tok, (family, a, b))| {
            let d = a - b;
            let contribution = 0.5 * d * d;
            if contribution < 1e-6 {
                return None;
            }
            let change = if a == 0.0 {
                ChangeKind::Added
            } else if b == 0.0 {
                ChangeKind::Removed
            } else {
                ChangeKind::Reweighted
            };
            Some(Change {
                token: tok.to_owned(),
                family,
                change,
                contribution,
            })
        })
        .collect();
    changed.sort_by(|x, y| {
        y.contribution
            .total_cmp(&x.contribution)
            .then_with(|| x.token.cmp(&y.token))
    });
    changed.truncate(limit);
    let similarity = if base.0.dim() == current.0.dim() {
        similarity(base.0, current.0)
    } else {
        0.0
    };
    Comparison {
        similarity,
        changed,
    }
}
