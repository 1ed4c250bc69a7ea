//! A finite, L2-normalised f32 vector.

use super::ScoreError;

/// A finite f32 vector, L2-normalised at construction (an all-zero vector stays zero).
#[derive(Debug, Clone, PartialEq)]
pub struct Vector(Box<[f32]>);

impl Vector {
    /// Checks every component is finite, then scales to unit length (the scale is computed in
    /// f64 so that huge and denormal inputs normalise without overflow or underflow).
    pub fn new(mut v: Vec<f32>) -> Result<Vector, ScoreError> {
        if v.is_empty() {
            return Err(ScoreError::Empty);
        }
        check_finite(&v)?;
        let norm = v
            .iter()
            .map(|&x| f64::from(x) * f64::from(x))
            .sum::<f64>()
            .sqrt();
        if norm > 0.0 {
            for x in &mut v {
                *x = (f64::from(*x) / norm) as f32;
            }
        }
        Ok(Vector(v.into_boxed_slice()))
    }

    /// Wraps components that are already finite and normalised (as produced by this crate's
    /// own builders), checking finiteness only.
    pub fn from_normalised(v: Vec<f32>) -> Result<Vector, ScoreError> {
        if v.is_empty() {
            return Err(ScoreError::Empty);
        }
        check_finite(&v)?;
        Ok(Vector(v.into_boxed_slice()))
    }

    /// The components.
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.0.len()
    }

    /// True when every component is zero (nothing was observed).
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&x| x == 0.0)
    }

    /// The i8 quantisation used for DNA ids and the candidate pass: `round(x / max|x| · 127)`,
    /// with the scale `max|x| / 127` (0 for a zero vector).
    pub fn quantise(&self) -> (Vec<i8>, f32) {
        quantise(&self.0)
    }
}

/// Rejects NaN and infinities (a branch-free scan first, the position only on failure).
fn check_finite(v: &[f32]) -> Result<(), ScoreError> {
    if v.iter().fold(false, |bad, x| bad | !x.is_finite()) {
        let (index, &value) = v
            .iter()
            .enumerate()
            .find(|(_, x)| !x.is_finite())
            .expect("a non-finite component was seen");
        return Err(ScoreError::NotFinite { index, value });
    }
    Ok(())
}

/// Quantises finite components to i8 in -127..=127 with one scale (`x ≈ q · scale`).
pub(crate) fn quantise(v: &[f32]) -> (Vec<i8>, f32) {
    let max = v.iter().fold(0.0f32, |m, &x| m.max(x.abs()));
    if max == 0.0 {
        return (vec![0; v.len()], 0.0);
    }
    let inv = 127.0 / max;
    let q = v
        .iter()
        .map(|&x| {
            // Round half away from zero without a libm call (`f32::round`).
            let y = x * inv;
            (y + 0.5f32.copysign(y)).clamp(-127.0, 127.0) as i8
        })
        .collect();
    (q, max / 127.0)
}
