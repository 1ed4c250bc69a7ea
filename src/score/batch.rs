//! Batch scoring of one vector against a matrix of baselines, exact top-k, and the i8-quantised
//! candidate pass with f32 re-ranking.

use ndarray::{Array2, ArrayView1, Axis};

use super::vector::quantise;
use super::{Kernel, ScoreError, Vector, clamp01};

/// One search result: the row and its similarity (cosine clamped to [0, 1]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Row index in the matrix.
    pub index: usize,
    /// Similarity, in [0, 1].
    pub score: f32,
}

/// Baselines as the rows of an `n × dim` f32 matrix (row-major).
#[derive(Debug, Clone)]
pub struct Matrix {
    rows: Array2<f32>,
    kernel: Kernel,
}

impl Matrix {
    /// An empty matrix of rows of `dim` components, scored with the detected kernel.
    pub fn new(dim: usize) -> Matrix {
        Matrix {
            rows: Array2::zeros((0, dim)),
            kernel: super::kernel(),
        }
    }

    /// A matrix from existing rows (each expected L2-normalised). Rejects non-finite values
    /// and makes the layout row-major contiguous.
    pub fn from_array(rows: Array2<f32>) -> Result<Matrix, ScoreError> {
        if let Some(i) = rows.iter().position(|x| !x.is_finite()) {
            let value = rows.iter().nth(i).copied().unwrap_or(f32::NAN);
            return Err(ScoreError::NotFinite { index: i, value });
        }
        let rows = if rows.is_standard_layout() {
            rows
        } else {
            rows.as_standard_layout().into_owned()
        };
        Ok(Matrix {
            rows,
            kernel: super::kernel(),
        })
    }

    /// The same matrix scored with another kernel (benchmarks and tests).
    pub fn with_kernel(mut self, kernel: Kernel) -> Matrix {
        self.kernel = kernel;
        self
    }

    /// Appends a row; returns its index.
    pub fn push(&mut self, v: &Vector) -> Result<usize, ScoreError> {
        self.check_dim(v)?;
        self.rows
            .push_row(ArrayView1::from(v.as_slice()))
            .map_err(|_| ScoreError::Dimension {
                expected: self.dim(),
                got: v.dim(),
            })?;
        Ok(self.rows.nrows() - 1)
    }

    /// Replaces row `i` (a baseline that was updated).
    pub fn set_row(&mut self, i: usize, v: &Vector) -> Result<(), ScoreError> {
        self.check_dim(v)?;
        self.rows.row_mut(i).assign(&ArrayView1::from(v.as_slice()));
        Ok(())
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.nrows()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.nrows() == 0
    }

    /// Row dimension.
    pub fn dim(&self) -> usize {
        self.rows.ncols()
    }

    /// The underlying matrix.
    pub fn array(&self) -> &Array2<f32> {
        &self.rows
    }

    /// Row `i` as a slice.
    pub fn row(&self, i: usize) -> &[f32] {
        let d = self.dim();
        &self.flat()[i * d..(i + 1) * d]
    }

    fn flat(&self) -> &[f32] {
        self.rows
            .as_slice()
            .expect("Matrix rows are kept in standard layout")
    }

    fn check_dim(&self, v: &Vector) -> Result<(), ScoreError> {
        if v.dim() != self.dim() {
            return Err(ScoreError::Dimension {
                expected: self.dim(),
                got: v.dim(),
            });
        }
        Ok(())
    }

    /// Raw cosine of `q` against every row, into `out` (cleared first).
    pub fn score_into(&self, q: &Vector, out: &mut Vec<f32>) -> Result<(), ScoreError> {
        self.check_dim(q)?;
        out.clear();
        out.reserve(self.len());
        let d = self.dim();
        if d == 0 {
            return Ok(());
        }
        let k = self.kernel;
        let qs = q.as_slice();
        out.extend(self.flat().chunks_exact(d).map(|r| k.dot(r, qs)));
        Ok(())
    }

    /// Similarity (clamped) of `q` against every row.
    pub fn scores(&self, q: &Vector) -> Result<Vec<f32>, ScoreError> {
        let mut v = Vec::new();
        self.score_into(q, &mut v)?;
        v.iter_mut().for_each(|x| *x = clamp01(*x));
        Ok(v)
    }

    /// Exact top-k: the `k` rows most similar to `q`, best first (ties by lower index).
    pub fn top_k(&self, q: &Vector, k: usize) -> Result<Vec<Hit>, ScoreError> {
        let mut s = Vec::new();
        self.score_into(q, &mut s)?;
        Ok(top_k_of(&s, k))
    }
}

/// The `k` best of raw scores, best first, ties broken by lower index; scores clamped.
pub fn top_k_of(scores: &[f32], k: usize) -> Vec<Hit> {
    let mut best: Vec<Hit> = Vec::with_capacity(k + 1);
    if k == 0 {
        return best;
    }
    for (index, &score) in scores.iter().enumerate() {
        if best.len() == k && score <= best[k - 1].score {
            continue;
        }
        // Insert after every hit with a score >= this one (keeps lower indices first on ties).
        let at = best.partition_point(|h| h.score >= score);
        best.insert(at, Hit { index, score });
        best.truncate(k);
    }
    best.iter_mut().for_each(|h| h.score = clamp01(h.score));
    best
}

/// An i8 copy of a [`Matrix`] (one scale per row) for a fast candidate pass.
#[derive(Debug, Clone)]
pub struct QuantisedMatrix {
    rows: Array2<i8>,
    scales: Vec<f32>,
    kernel: Kernel,
}

impl QuantisedMatrix {
    /// Quantises every row of `m`: `round(x / max|row| · 127)`.
    pub fn build(m: &Matrix) -> QuantisedMatrix {
        let d = m.dim();
        let mut rows = Array2::<i8>::zeros((m.len(), d));
        let mut scales = Vec::with_capacity(m.len());
        for (i, mut out) in rows.axis_iter_mut(Axis(0)).enumerate() {
            let (q, s) = quantise(m.row(i));
            out.assign(&ArrayView1::from(&q[..]));
            scales.push(s);
        }
        QuantisedMatrix {
            rows,
            scales,
            kernel: m.kernel,
        }
    }

    /// The same matrix scored with another kernel.
    pub fn with_kernel(mut self, kernel: Kernel) -> QuantisedMatrix {
        self.kernel = kernel;
        self
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.scales.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }

    /// Approximate cosine of `q` against every row, into `out` (cleared first).
    pub fn score_into(&self, q: &Vector, out: &mut Vec<f32>) -> Result<(), ScoreError> {
        let d = self.rows.ncols();
        if q.dim() != d {
            return Err(ScoreError::Dimension {
                expected: d,
                got: q.dim(),
            });
        }
        out.clear();
        out.reserve(self.len());
        if d == 0 {
            return Ok(());
        }
        let (qq, qs) = q.quantise();
        let k = self.kernel;
        let flat = self
            .rows
            .as_slice()
            .expect("QuantisedMatrix rows are kept in standard layout");
        out.extend(
            flat.chunks_exact(d)
                .zip(&self.scales)
                .map(|(r, &s)| k.dot_i8(r, &qq) as f32 * (s * qs)),
        );
        Ok(())
    }

    /// Top-k by an i8 candidate pass over `candidates` (at least `k`) rows, re-ranked with the
    /// exact f32 rows of `exact` (the matrix this copy was built from).
    pub fn top_k(
        &self,
        exact: &Matrix,
        q: &Vector,
        k: usize,
        candidates: usize,
    ) -> Result<Vec<Hit>, ScoreError> {
        let mut s = Vec::new();
        self.score_into(q, &mut s)?;
        let cand = top_k_of_raw(&s, candidates.max(k));
        let ek = exact.kernel;
        let mut hits: Vec<Hit> = cand
            .into_iter()
            .map(|index| Hit {
                index,
                score: ek.dot(exact.row(index), q.as_slice()),
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        hits.truncate(k);
        hits.iter_mut().for_each(|h| h.score = clamp01(h.score));
        Ok(hits)
    }
}

/// Indices of the `k` best raw scores (unclamped, so negative scores still rank).
fn top_k_of_raw(scores: &[f32], k: usize) -> Vec<usize> {
    let mut best: Vec<(usize, f32)> = Vec::with_capacity(k + 1);
    if k == 0 {
        return Vec::new();
    }
    for (i, &s) in scores.iter().enumerate() {
        if best.len() == k && s <= best[k - 1].1 {
            continue;
        }
        let at = best.partition_point(|h| h.1 >= s);
        best.insert(at, (i, s));
        best.truncate(k);
    }
    best.into_iter().map(|(i, _)| i).collect()
}
