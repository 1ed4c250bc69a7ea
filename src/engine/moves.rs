//! Moves: the baselines of residents that left their port, as the rows of a
//! [`score::Matrix`](crate::score::Matrix), searched with the SIMD top-k kernel for a newcomer
//! that may be one of them on another port.
//!
//! The index is rebuilt from the ports when it is needed and something left, moved or came
//! back since the last build (departures are rare next to sightings, searches rarer still: a
//! mature newcomer whose MAC is not a resident elsewhere).

use super::Engine;
use crate::dna::Dna;
use crate::score::{Matrix, Vector};
use crate::wire::MacAddr;

/// The departed residents' baselines.
#[derive(Debug, Default)]
pub struct MoveIndex {
    matrix: Option<Matrix>,
    /// Row → (port index, MAC).
    owners: Vec<(u32, MacAddr)>,
}

impl MoveIndex {
    /// Rows indexed.
    pub fn len(&self) -> usize {
        self.owners.len()
    }

    /// Whether no row is indexed.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }
}

impl Engine {
    /// The `k` departed residents (port index, MAC, similarity) whose first baseline is
    /// nearest to `dna`, best first.
    pub(super) fn departed_like(&mut self, dna: &Dna, k: usize) -> Vec<(u32, MacAddr, f32)> {
        if self.moves_dirty {
            self.rebuild_moves(dna.vector.dim());
        }
        let Some(m) = self.moves.matrix.as_ref() else {
            return Vec::new();
        };
        if m.dim() != dna.vector.dim() {
            return Vec::new();
        }
        m.top_k(&dna.vector, k)
            .unwrap_or_default()
            .into_iter()
            .map(|h| {
                let (q, mac) = self.moves.owners[h.index];
                (q, mac, h.score)
            })
            .collect()
    }

    fn rebuild_moves(&mut self, dim: usize) {
        self.moves_dirty = false;
        let mut m = Matrix::new(dim);
        let mut owners = Vec::new();
        for (q, p) in self.ports.iter().enumerate() {
            for r in p.d.residents.iter().filter(|r| r.departed) {
                let Some(b) = r.modes.first() else { continue };
                let v: Vector = b.vector();
                if v.dim() == dim && m.push(&v).is_ok() {
                    owners.push((q as u32, r.mac));
                }
            }
        }
        self.moves = MoveIndex {
            matrix: (!owners.is_empty()).then_some(m),
            owners,
        };
    }
}
