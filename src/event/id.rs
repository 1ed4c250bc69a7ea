//! Event ids: `evt_` followed by a ULID (48-bit millisecond time, 80 random bits, Crockford
//! base32), as the reference's samples show (`evt_01HQ8M9N...`). Ids sort by creation time.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ulid::Ulid;

use crate::clock::Timestamp;

/// The prefix of every event id.
pub const PREFIX: &str = "evt_";

/// An event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(Ulid);

/// Why a string is not an event id.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventIdError {
    /// Not 26 Crockford base32 characters after the optional `evt_` prefix.
    #[error("not an event id (evt_ + 26-character ULID)")]
    Malformed,
}

impl EventId {
    /// The id for an event raised at `ts`, with the low 80 bits of `random` as its random part.
    pub fn new(ts: Timestamp, random: u128) -> EventId {
        let ms = ts.0.div_euclid(1000).max(0) as u64;
        EventId(Ulid::from_parts(ms, random))
    }

    /// The millisecond timestamp encoded in the id.
    pub fn timestamp_ms(&self) -> u64 {
        self.0.timestamp_ms()
    }

    /// The ULID.
    pub fn ulid(&self) -> Ulid {
        self.0
    }

    /// Writes `evt_` + the 26 ULID characters into `out` (no allocation).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let mut buf = [0u8; ulid::ULID_LEN];
        out.extend_from_slice(PREFIX.as_bytes());
        out.extend_from_slice(self.0.array_to_str(&mut buf).as_bytes());
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; ulid::ULID_LEN];
        f.write_str(PREFIX)?;
        f.write_str(self.0.array_to_str(&mut buf))
    }
}

impl FromStr for EventId {
    type Err = EventIdError;
    /// Accepts `evt_<ULID>` and a bare ULID.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let body = s.strip_prefix(PREFIX).unwrap_or(s);
        Ulid::from_string(body)
            .map(EventId)
            .map_err(|_| EventIdError::Malformed)
    }
}

impl Serialize for EventId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_parse_and_order() {
        let a = EventId::new(Timestamp(1_778_432_892_482_000), 1);
        let b = EventId::new(Timestamp(1_778_432_892_483_000), 0);
        let s = a.to_string();
        assert!(s.starts_with("evt_01") && s.len() == 30, "{s}");
        assert_eq!(s.parse::<EventId>().unwrap(), a);
        assert_eq!(s[4..].parse::<EventId>().unwrap(), a);
        assert!(a < b && a.to_string() < b.to_string());
        assert_eq!(a.timestamp_ms(), 1_778_432_892_482);
        assert!("evt_xyz".parse::<EventId>().is_err());
        let mut v = Vec::new();
        a.write_to(&mut v);
        assert_eq!(v, s.as_bytes());
    }
}
