//! Owned SNMP values and variable bindings, independent of the wire library.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One SNMP value, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// INTEGER.
    Int(i64),
    /// OCTET STRING (also BITS).
    Str(Vec<u8>),
    /// OBJECT IDENTIFIER.
    Oid(Vec<u32>),
    /// IpAddress.
    Ip([u8; 4]),
    /// Counter32.
    Counter32(u32),
    /// Gauge32 / Unsigned32.
    Gauge32(u32),
    /// TimeTicks.
    TimeTicks(u32),
    /// Counter64.
    Counter64(u64),
    /// Opaque.
    Opaque(Vec<u8>),
    /// NULL.
    Null,
    /// noSuchObject exception.
    NoSuchObject,
    /// noSuchInstance exception.
    NoSuchInstance,
    /// endOfMibView exception.
    EndOfMibView,
}

impl Value {
    /// The value as an unsigned integer, for any integer type that holds one.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Int(i) => u64::try_from(i).ok(),
            Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => Some(u64::from(v)),
            Value::Counter64(v) => Some(v),
            _ => None,
        }
    }

    /// The value as a signed integer.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i),
            Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => Some(i64::from(v)),
            Value::Counter64(v) => i64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The raw bytes of an OCTET STRING or Opaque.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Str(b) | Value::Opaque(b) => Some(b),
            _ => None,
        }
    }

    /// The value as display text: strings with trailing NULs trimmed (lossy UTF-8), numbers in
    /// decimal, OIDs dotted, addresses dotted quad. `None` for the exceptions and NULL.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::Str(b) | Value::Opaque(b) => {
                let end = b.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
                Some(String::from_utf8_lossy(&b[..end]).into_owned())
            }
            Value::Oid(o) => Some(oid_to_string(o)),
            Value::Ip(a) => Some(format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])),
            Value::Int(_)
            | Value::Counter32(_)
            | Value::Gauge32(_)
            | Value::TimeTicks(_)
            | Value::Counter64(_) => self.as_i64().map(|v| v.to_string()),
            Value::Null | Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView => None,
        }
    }

    /// True for noSuchObject, noSuchInstance and endOfMibView.
    pub fn is_exception(&self) -> bool {
        matches!(
            self,
            Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView
        )
    }
}

/// One variable binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Varbind {
    /// Object identifier.
    pub oid: Vec<u32>,
    /// Value.
    pub value: Value,
}

/// Walked variables of one agent context, ordered by OID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mib {
    vars: BTreeMap<Vec<u32>, Value>,
}

impl Mib {
    /// An empty set.
    pub fn new() -> Self {
        Mib::default()
    }

    /// Adds (or replaces) one variable. Exceptions are not stored.
    pub fn insert(&mut self, oid: Vec<u32>, value: Value) {
        if !value.is_exception() {
            self.vars.insert(oid, value);
        }
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// True when nothing was walked.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// The value at exactly `oid`.
    pub fn get(&self, oid: &[u32]) -> Option<&Value> {
        self.vars.get(oid)
    }

    /// Every variable under `prefix`, as (index after the prefix, value), in OID order.
    pub fn column<'a>(&'a self, prefix: &'a [u32]) -> impl Iterator<Item = (&'a [u32], &'a Value)> {
        self.vars
            .range(prefix.to_vec()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(move |(k, v)| (&k[prefix.len()..], v))
    }

    /// True when any variable lies under `prefix`.
    pub fn has_subtree(&self, prefix: &[u32]) -> bool {
        self.column(prefix).next().is_some()
    }
}

impl FromIterator<Varbind> for Mib {
    fn from_iter<I: IntoIterator<Item = Varbind>>(iter: I) -> Self {
        let mut m = Mib::new();
        for vb in iter {
            m.insert(vb.oid, vb.value);
        }
        m
    }
}

/// Dotted OID text without a leading dot: `1.3.6.1.2.1.1.1.0`.
pub fn oid_to_string(oid: &[u32]) -> String {
    let mut s = String::with_capacity(oid.len() * 4);
    for (i, c) in oid.iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        let _ = write!(s, "{c}");
    }
    s
}

/// Parses dotted OID text (a leading dot is allowed).
pub fn parse_oid(text: &str) -> Option<Vec<u32>> {
    let t = text.strip_prefix('.').unwrap_or(text);
    if t.is_empty() {
        return None;
    }
    t.split('.').map(|p| p.parse().ok()).collect()
}

/// Lower-case colon hex of a MAC address; `None` unless exactly six bytes.
pub fn format_mac(b: &[u8]) -> Option<String> {
    if b.len() != 6 {
        return None;
    }
    let mut s = String::with_capacity(17);
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{x:02x}");
    }
    Some(s)
}

/// Colon hex of any byte string.
pub fn format_hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 3);
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{x:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_iterates_only_its_prefix() {
        let mut m = Mib::new();
        m.insert(vec![1, 3, 6, 1, 2], Value::Int(2));
        m.insert(vec![1, 3, 6, 1, 1, 7], Value::Int(1));
        m.insert(vec![1, 3, 6, 2], Value::Int(3));
        m.insert(vec![1, 3, 6, 1, 9], Value::EndOfMibView);
        let got: Vec<_> = m.column(&[1, 3, 6, 1]).map(|(i, _)| i.to_vec()).collect();
        assert_eq!(got, vec![vec![1, 7], vec![2]]);
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn text_forms() {
        assert_eq!(Value::Str(b"abc\0\0".to_vec()).as_text().unwrap(), "abc");
        assert_eq!(Value::Ip([10, 0, 0, 1]).as_text().unwrap(), "10.0.0.1");
        assert_eq!(parse_oid(".1.3.6").unwrap(), vec![1, 3, 6]);
        assert!(parse_oid("1.x").is_none());
        assert_eq!(
            format_mac(&[0, 0x1b, 0x54, 1, 2, 0xff]).unwrap(),
            "00:1b:54:01:02:ff"
        );
        assert!(format_mac(&[1, 2]).is_none());
    }
}
