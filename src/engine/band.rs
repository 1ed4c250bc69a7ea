//! Similarity bands with hysteresis.
//!
//! A port's occupant is in one of three bands with respect to the port's baseline: `Match`
//! (similarity ≥ firmware threshold, 0.85), `Firmware` (substitution threshold 0.65 ≤ s < 0.85)
//! or `Substituted` (s < 0.65). The band only changes when the similarity leaves the hysteresis
//! band (± `hysteresis`, default 0.03) around a threshold **on the other side**: from `Match` a
//! device moves to `Firmware` below 0.82 and to `Substituted` below 0.62; from `Substituted` it
//! clears only at 0.68 or above; from `Firmware` it returns to `Match` at 0.88 or above. A
//! similarity hovering at a threshold (0.64, 0.66, 0.64, …) therefore never alternates events.
//! A first comparison (a new occupant) uses the plain thresholds: there is no previous band.

use serde::{Deserialize, Serialize};

/// Where a similarity stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// Matches the baseline.
    #[default]
    Match,
    /// In the firmware-shift band.
    Firmware,
    /// Below the substitution threshold.
    Substituted,
}

/// The thresholds and the hysteresis half-width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bands {
    /// Substitution threshold.
    pub substitution: f64,
    /// Firmware band top.
    pub firmware: f64,
    /// Hysteresis half-width.
    pub hysteresis: f64,
}

impl Bands {
    /// The band of a first comparison (plain thresholds).
    pub fn initial(&self, s: f64) -> Band {
        if s < self.substitution {
            Band::Substituted
        } else if s < self.firmware {
            Band::Firmware
        } else {
            Band::Match
        }
    }

    /// The band after a new similarity, given the current band.
    pub fn next(&self, current: Band, s: f64) -> Band {
        let h = self.hysteresis;
        match current {
            Band::Match => {
                if s < self.substitution - h {
                    Band::Substituted
                } else if s < self.firmware - h {
                    Band::Firmware
                } else {
                    Band::Match
                }
            }
            Band::Firmware => {
                if s < self.substitution - h {
                    Band::Substituted
                } else if s >= self.firmware + h {
                    Band::Match
                } else {
                    Band::Firmware
                }
            }
            Band::Substituted => {
                if s >= self.firmware + h {
                    Band::Match
                } else if s >= self.substitution + h {
                    Band::Firmware
                } else {
                    Band::Substituted
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Bands = Bands {
        substitution: 0.65,
        firmware: 0.85,
        hysteresis: 0.03,
    };

    #[test]
    fn hovering_does_not_alternate() {
        let mut b = Band::Match;
        let mut changes = 0;
        for s in [0.84, 0.86, 0.83, 0.87, 0.84] {
            let n = B.next(b, s);
            changes += usize::from(n != b);
            b = n;
        }
        assert_eq!((b, changes), (Band::Match, 0));
        let mut b = B.initial(0.64);
        assert_eq!(b, Band::Substituted);
        for s in [0.66, 0.64, 0.67, 0.63, 0.66] {
            b = B.next(b, s);
            assert_eq!(b, Band::Substituted, "{s}");
        }
        assert_eq!(B.next(b, 0.68), Band::Firmware);
        assert_eq!(B.next(Band::Match, 0.63), Band::Firmware);
        assert_eq!(B.next(Band::Match, 0.61), Band::Substituted);
        assert_eq!(B.next(Band::Firmware, 0.88), Band::Match);
        assert_eq!(B.initial(0.65), Band::Firmware);
        assert_eq!(B.initial(0.85), Band::Match);
    }
}
