//! RFC 3339 parsing for event timestamps (formatting is [`crate::clock::Rfc3339`]).

use crate::clock::Timestamp;

/// Why a timestamp did not parse.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeParseError {
    /// Not `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, or a field out of range.
    #[error("not an RFC 3339 timestamp")]
    Malformed,
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses an RFC 3339 date-time (any offset, `T` or `t`, fraction of any length, truncated to
/// microseconds) into a UTC [`Timestamp`].
pub fn parse_rfc3339(s: &str) -> Result<Timestamp, TimeParseError> {
    let b = s.as_bytes();
    let num = |r: core::ops::Range<usize>| -> Result<i64, TimeParseError> {
        let part = b.get(r).ok_or(TimeParseError::Malformed)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err(TimeParseError::Malformed);
        }
        Ok(part.iter().fold(0i64, |a, &c| a * 10 + (c - b'0') as i64))
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(TimeParseError::Malformed);
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return Err(TimeParseError::Malformed);
    }
    let mut i = 19;
    let mut micros = 0i64;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 6 {
                micros = micros * 10 + (b[i] - b'0') as i64;
            }
            i += 1;
        }
        if i == start {
            return Err(TimeParseError::Malformed);
        }
        for _ in (i - start)..6 {
            micros *= 10;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return Err(TimeParseError::Malformed);
            }
            let o = oh * 3600 + om * 60;
            if sign == b'-' { -o } else { o }
        }
        _ => return Err(TimeParseError::Malformed),
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset;
    Ok(Timestamp::from_secs_micros(secs, micros))
}

/// Serde for a [`Timestamp`] as RFC 3339 with milliseconds, UTC.
pub(crate) mod millis {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::clock::Timestamp;

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&t.rfc3339_millis())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

/// Serde for an optional [`Timestamp`] as RFC 3339 with milliseconds, UTC (`null` = none).
pub(crate) mod millis_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::clock::Timestamp;

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(&t.rfc3339_millis()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        match <Option<std::borrow::Cow<'de, str>>>::deserialize(d)? {
            Some(s) => super::parse_rfc3339(&s)
                .map(Some)
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_clock_formats_and_offsets() {
        let t = Timestamp::from_secs_micros(1_778_432_892, 482_113);
        assert_eq!(parse_rfc3339(&t.rfc3339_micros().to_string()).unwrap(), t);
        assert_eq!(
            parse_rfc3339("2026-05-10T19:08:12.482113+02:00").unwrap(),
            t
        );
        assert_eq!(
            parse_rfc3339("2026-05-10T17:08:12Z").unwrap(),
            Timestamp::from_secs_micros(1_778_432_892, 0)
        );
        assert_eq!(
            parse_rfc3339("1969-12-31T23:59:59.999999Z").unwrap(),
            Timestamp(-1)
        );
        for bad in [
            "",
            "2026-05-10",
            "2026-13-10T00:00:00Z",
            "2026-05-10T17:08:12",
            "2026-05-10T17:08:12.Z",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn round_trip(us in -2_000_000_000_000_000i64..4_000_000_000_000_000i64) {
            let t = Timestamp(us);
            proptest::prop_assert_eq!(parse_rfc3339(&t.rfc3339_micros().to_string()).unwrap(), t);
        }
    }
}
