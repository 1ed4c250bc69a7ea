//! Similarity scoring: cosine kernels, batch scoring against a matrix of baselines, top-k search.
//!
//! Contract:
//! - A [`Vector`] holds finite f32 only (NaN and infinities are rejected when it is built) and
//!   is L2-normalised unless it is all zeros, so cosine similarity is a dot product.
//!   [`similarity`] clamps it to [0, 1].
//! - [`Kernel`] picks AVX-512F, AVX2+FMA (x86_64) or NEON (aarch64) at run time, with a scalar
//!   fallback; every kernel agrees with the scalar loop within 1e-5 on normalised vectors.
//! - [`Matrix`] holds baselines as rows of an `ndarray` matrix; [`Matrix::top_k`] is exact
//!   search; [`QuantisedMatrix`] keeps an i8 copy (per-row scale) for a candidate pass that the
//!   f32 rows then re-rank ([`QuantisedMatrix::top_k`]).
//!
//! Pure: no I/O, no logging. `unsafe` is confined to `kernel.rs`.

mod batch;
mod kernel;
mod vector;

pub use batch::{Hit, Matrix, QuantisedMatrix, top_k_of};
pub use kernel::{Kernel, dot_i8_scalar, dot_scalar};
pub use vector::Vector;

/// Why a vector or matrix could not be built or used.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    /// A component is NaN or infinite.
    #[error("component {index} is not a finite number ({value})")]
    NotFinite {
        /// Index of the first offending component.
        index: usize,
        /// Its value.
        value: f32,
    },
    /// The vector is empty.
    #[error("vector is empty")]
    Empty,
    /// Two dimensions that must agree do not.
    #[error("dimension mismatch: expected {expected}, got {got}")]
    Dimension {
        /// The matrix's (or first vector's) dimension.
        expected: usize,
        /// The offending dimension.
        got: usize,
    },
}

/// Cosine similarity of two normalised vectors with `kernel`, clamped to [0, 1].
/// Panics if the dimensions differ.
#[inline]
pub fn similarity_with(kernel: Kernel, a: &Vector, b: &Vector) -> f32 {
    clamp01(kernel.dot(a.as_slice(), b.as_slice()))
}

/// Cosine similarity with the fastest kernel of this CPU, clamped to [0, 1].
#[inline]
pub fn similarity(a: &Vector, b: &Vector) -> f32 {
    similarity_with(kernel(), a, b)
}

/// The kernel detected once for this process.
pub fn kernel() -> Kernel {
    static K: std::sync::OnceLock<Kernel> = std::sync::OnceLock::new();
    *K.get_or_init(Kernel::detect)
}

#[inline]
fn clamp01(x: f32) -> f32 {
    x.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests;
