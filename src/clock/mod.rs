//! Time as the sensor sees it: capture timestamps and RFC 3339 formatting.
//!
//! Every stage of the pipeline takes its time from a [`Timestamp`] handed to it (the frame's
//! capture time in replay, wall time live), never from the system clock directly. Pure: no I/O.

use core::fmt;

/// Microseconds since the Unix epoch, UTC. Serialises as the integer.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// From seconds and microseconds (as in a pcap record header).
    pub fn from_secs_micros(secs: i64, micros: i64) -> Self {
        Timestamp(secs.saturating_mul(1_000_000).saturating_add(micros))
    }

    /// Whole seconds since the epoch.
    pub fn secs(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// Microseconds past the second.
    pub fn subsec_micros(self) -> u32 {
        self.0.rem_euclid(1_000_000) as u32
    }

    /// RFC 3339 with microseconds, UTC: `2026-05-10T17:08:12.482113Z`.
    pub fn rfc3339_micros(self) -> Rfc3339 {
        Rfc3339 {
            ts: self,
            digits: 6,
        }
    }

    /// RFC 3339 with milliseconds, UTC: `2026-05-10T17:08:12.482Z`.
    pub fn rfc3339_millis(self) -> Rfc3339 {
        Rfc3339 {
            ts: self,
            digits: 3,
        }
    }
}

/// A timestamp being formatted as RFC 3339 (see [`Timestamp::rfc3339_micros`]).
#[derive(Debug, Clone, Copy)]
pub struct Rfc3339 {
    ts: Timestamp,
    digits: u8,
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm, proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl Rfc3339 {
    /// The text into a fixed buffer; returns the buffer and the length used. (Formatting through
    /// `write!` costs several times more, and this runs once per decoded frame.)
    fn to_buf(self) -> ([u8; 32], usize) {
        fn put(b: &mut [u8], mut v: u64, width: usize) {
            for i in (0..width).rev() {
                b[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        }
        let secs = self.ts.secs();
        let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400) as u64;
        let mut b = [0u8; 32];
        let mut n = 0;
        // Years outside 0..=9999 do not fit RFC 3339; show them with their sign and digits.
        if (0..=9999).contains(&y) {
            put(&mut b[..4], y as u64, 4);
            n += 4;
        } else {
            let t = y.to_string();
            let t = &t.as_bytes()[..t.len().min(12)];
            b[..t.len()].copy_from_slice(t);
            n += t.len();
        }
        b[n] = b'-';
        put(&mut b[n + 1..], mo as u64, 2);
        b[n + 3] = b'-';
        put(&mut b[n + 4..], d as u64, 2);
        b[n + 6] = b'T';
        put(&mut b[n + 7..], sod / 3600, 2);
        b[n + 9] = b':';
        put(&mut b[n + 10..], sod / 60 % 60, 2);
        b[n + 12] = b':';
        put(&mut b[n + 13..], sod % 60, 2);
        b[n + 15] = b'.';
        n += 16;
        let us = self.ts.subsec_micros() as u64;
        if self.digits == 3 {
            put(&mut b[n..], us / 1000, 3);
            n += 3;
        } else {
            put(&mut b[n..], us, 6);
            n += 6;
        }
        b[n] = b'Z';
        (b, n + 1)
    }
}

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (b, n) = self.to_buf();
        // Only ASCII digits and punctuation were written.
        f.write_str(core::str::from_utf8(&b[..n]).map_err(|_| fmt::Error)?)
    }
}

impl serde::Serialize for Rfc3339 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (b, n) = self.to_buf();
        s.serialize_str(core::str::from_utf8(&b[..n]).map_err(serde::ser::Error::custom)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(
            Timestamp(0).rfc3339_micros().to_string(),
            "1970-01-01T00:00:00.000000Z"
        );
        // 2026-05-10T17:08:12.482113Z
        let t = Timestamp::from_secs_micros(1_778_432_892, 482_113);
        assert_eq!(
            t.rfc3339_micros().to_string(),
            "2026-05-10T17:08:12.482113Z"
        );
        assert_eq!(t.rfc3339_millis().to_string(), "2026-05-10T17:08:12.482Z");
        // Leap day and a pre-epoch instant.
        let leap = Timestamp::from_secs_micros(951_782_400, 0);
        assert_eq!(
            leap.rfc3339_micros().to_string(),
            "2000-02-29T00:00:00.000000Z"
        );
        let pre = Timestamp(-1);
        assert_eq!(
            pre.rfc3339_micros().to_string(),
            "1969-12-31T23:59:59.999999Z"
        );
    }
}
