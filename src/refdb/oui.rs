//! The IEEE OUI registry (MA-L 24-bit, MA-M 28-bit, MA-S/IAB 36-bit assignments) and
//! longest-prefix lookup of a MAC address in it.
//!
//! The shipped compact file (`reference-db/oui.txt`) is one assignment per line: the prefix in
//! upper-case hex (6 digits MA-L, 7 MA-M, 9 MA-S/IAB), a tab, the organisation name. The first
//! line is the format tag `#!cybriq-oui 1`; other lines starting with `#` are comments.
//! Pure: parsing and lookup work on text already read.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::error::RefdbError;
use crate::wire::MacAddr;

/// The format tag on the first line of a compact OUI file.
pub const FORMAT_TAG: &str = "#!cybriq-oui 1";

/// One assignment: a prefix of 24, 28 or 36 bits and its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The prefix, left-aligned in the low 48 bits of a MAC value (bits beyond `bits` are 0).
    pub prefix: u64,
    /// 24, 28 or 36.
    pub bits: u8,
    /// Organisation name as registered.
    pub org: String,
}

impl Assignment {
    /// `MA-L`, `MA-M` or `MA-S` by prefix length.
    pub fn registry(&self) -> &'static str {
        registry_name(self.bits)
    }

    /// The prefix as upper-case hex digits (6, 7 or 9).
    pub fn hex(&self) -> String {
        let digits = usize::from(self.bits / 4);
        let v = self.prefix >> (48 - u32::from(self.bits));
        format!("{v:0digits$X}")
    }
}

fn registry_name(bits: u8) -> &'static str {
    match bits {
        24 => "MA-L",
        28 => "MA-M",
        _ => "MA-S",
    }
}

/// The result of a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OuiMatch<'a> {
    /// Organisation name.
    pub org: &'a str,
    /// Matched prefix length in bits (24, 28 or 36).
    pub bits: u8,
    /// `MA-L`, `MA-M` or `MA-S`.
    pub registry: &'static str,
}

/// The registry: three exact-match tables, searched longest prefix first.
#[derive(Debug, Clone, Default)]
pub struct OuiRegistry {
    orgs: Vec<Box<str>>,
    by_len: [HashMap<u64, u32>; 3],
}

const LENS: [u8; 3] = [36, 28, 24];

fn slot(bits: u8) -> usize {
    match bits {
        36 => 0,
        28 => 1,
        _ => 2,
    }
}

fn mac_value(mac: &MacAddr) -> u64 {
    mac.as_bytes()
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
}

impl OuiRegistry {
    /// Builds a registry from assignments. A later duplicate of a prefix replaces an earlier one.
    pub fn from_assignments(list: impl IntoIterator<Item = Assignment>) -> OuiRegistry {
        let mut r = OuiRegistry::default();
        let mut intern: HashMap<String, u32> = HashMap::new();
        for a in list {
            let idx = match intern.get(&a.org) {
                Some(i) => *i,
                None => {
                    let i = r.orgs.len() as u32;
                    r.orgs.push(a.org.clone().into_boxed_str());
                    intern.insert(a.org, i);
                    i
                }
            };
            r.by_len[slot(a.bits)].insert(a.prefix, idx);
        }
        r
    }

    /// Parses the compact format. `file` names the source in errors.
    pub fn parse(text: &str, file: &Path) -> Result<OuiRegistry, RefdbError> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, l)) if l.trim_end() == FORMAT_TAG => {}
            _ => {
                return Err(RefdbError::invalid(
                    file,
                    1,
                    "format",
                    format!("the first line must be `{FORMAT_TAG}`"),
                ));
            }
        }
        let mut list = Vec::new();
        let mut seen: HashMap<(u64, u8), usize> = HashMap::new();
        for (i, line) in lines {
            let n = i + 1;
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (hex, org) = line.split_once('\t').ok_or_else(|| {
                RefdbError::invalid(file, n, "prefix", "expected `PREFIX<TAB>ORGANISATION`")
            })?;
            let a = parse_prefix(hex, org.trim())
                .map_err(|m| RefdbError::invalid(file, n, "prefix", m))?;
            if a.org.is_empty() {
                return Err(RefdbError::invalid(
                    file,
                    n,
                    "organisation",
                    "empty organisation name",
                ));
            }
            if let Some(first) = seen.insert((a.prefix, a.bits), n) {
                return Err(RefdbError::invalid(
                    file,
                    n,
                    "prefix",
                    format!("{hex} is listed twice (first on line {first})"),
                ));
            }
            list.push(a);
        }
        Ok(OuiRegistry::from_assignments(list))
    }

    /// Longest-prefix lookup: MA-S (36 bits) first, then MA-M (28), then MA-L (24).
    pub fn lookup(&self, mac: &MacAddr) -> Option<OuiMatch<'_>> {
        let v = mac_value(mac);
        for bits in LENS {
            let key = v & !((1u64 << (48 - u32::from(bits))) - 1);
            if let Some(i) = self.by_len[slot(bits)].get(&key) {
                return Some(OuiMatch {
                    org: &self.orgs[*i as usize],
                    bits,
                    registry: registry_name(bits),
                });
            }
        }
        None
    }

    /// Number of assignments (all lengths).
    pub fn len(&self) -> usize {
        self.by_len.iter().map(HashMap::len).sum()
    }

    /// Whether the registry is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every assignment, sorted by prefix then length (the order of the compact file).
    pub fn assignments(&self) -> Vec<Assignment> {
        let mut v: Vec<Assignment> = LENS
            .iter()
            .flat_map(|&bits| {
                self.by_len[slot(bits)]
                    .iter()
                    .map(move |(p, i)| Assignment {
                        prefix: *p,
                        bits,
                        org: self.orgs[*i as usize].to_string(),
                    })
            })
            .collect();
        v.sort_by_key(|a| (a.prefix, a.bits));
        v
    }

    /// The compact file text (format tag, `header` as comment lines, then the assignments).
    pub fn to_compact(&self, header: &[String]) -> String {
        let mut out = String::with_capacity(self.len() * 32);
        out.push_str(FORMAT_TAG);
        out.push('\n');
        for h in header {
            let _ = writeln!(out, "# {h}");
        }
        for a in self.assignments() {
            let _ = writeln!(out, "{}\t{}", a.hex(), a.org);
        }
        out
    }
}

/// Parses a hex prefix of 6, 7 or 9 digits (separators `:`/`-` allowed) into an assignment.
pub fn parse_prefix(hex: &str, org: &str) -> Result<Assignment, String> {
    // The compact file's own form (plain hex digits, one space between words) without
    // allocating per digit or word; anything else takes the general path below.
    let h = hex.trim();
    if matches!(h.len(), 6 | 7 | 9)
        && h.bytes().all(|b| b.is_ascii_hexdigit())
        && !org.contains("  ")
        && org.trim() == org
        && !org.chars().any(|c| c.is_whitespace() && c != ' ')
    {
        let bits: u8 = match h.len() {
            6 => 24,
            7 => 28,
            _ => 36,
        };
        let v = h.bytes().fold(0u64, |acc, b| {
            (acc << 4) | u64::from((b as char).to_digit(16).unwrap_or(0))
        });
        return Ok(Assignment {
            prefix: v << (48 - u32::from(bits)),
            bits,
            org: org.to_owned(),
        });
    }
    let digits: String = hex
        .trim()
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    let bits: u8 = match digits.len() {
        6 => 24,
        7 => 28,
        9 => 36,
        n => {
            return Err(format!(
                "`{hex}`: a prefix has 6 (MA-L), 7 (MA-M) or 9 (MA-S) hex digits, not {n}"
            ));
        }
    };
    let v = u64::from_str_radix(&digits, 16).map_err(|_| format!("`{hex}` is not hex"))?;
    Ok(Assignment {
        prefix: v << (48 - u32::from(bits)),
        bits,
        org: org.split_whitespace().collect::<Vec<_>>().join(" "),
    })
}

/// Whether a MAC is locally administered (U/L bit set): randomised (private Wi-Fi addresses,
/// Android/iOS/Windows MAC randomisation) or assigned by software (VMs, containers, bonds).
/// Such a MAC has no IEEE holder; its "OUI" says nothing about the vendor.
pub fn is_locally_administered(mac: &MacAddr) -> bool {
    mac.is_local()
}

/// The IEEE Structured Local Address Plan quadrant of a locally administered MAC (IEEE
/// 802c-2017): `ELI` (extended local identifier, a CID holder's), `SAI` (standard assigned),
/// `AAI` (administratively assigned) or `reserved`; `None` for a universal MAC.
pub fn sla_quadrant(mac: &MacAddr) -> Option<&'static str> {
    let b = mac.as_bytes()[0];
    if b & 2 == 0 {
        return None;
    }
    Some(match (b >> 2) & 3 {
        0b10 => "ELI",
        0b11 => "SAI",
        0b00 => "AAI",
        _ => "reserved",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(s: &str) -> MacAddr {
        s.parse().unwrap()
    }

    const SAMPLE: &str = "#!cybriq-oui 1\n# comment\n70B3D5\tIEEE Registration Authority\n70B3D5F2F\tTELEPLATFORMS\n00000C\tCisco Systems, Inc\n208593B\tIOG Products LLC\n208593\tIEEE Registration Authority\n";

    #[test]
    fn longest_prefix_wins() {
        let r = OuiRegistry::parse(SAMPLE, Path::new("t")).unwrap();
        assert_eq!(r.len(), 5);
        let m = r.lookup(&mac("70:b3:d5:f2:f1:23")).unwrap();
        assert_eq!((m.org, m.bits, m.registry), ("TELEPLATFORMS", 36, "MA-S"));
        let m = r.lookup(&mac("70:b3:d5:f3:01:23")).unwrap();
        assert_eq!((m.org, m.bits), ("IEEE Registration Authority", 24));
        let m = r.lookup(&mac("20:85:93:b0:00:01")).unwrap();
        assert_eq!(
            (m.org, m.bits, m.registry),
            ("IOG Products LLC", 28, "MA-M")
        );
        let m = r.lookup(&mac("00:00:0c:07:ac:01")).unwrap();
        assert_eq!(m.org, "Cisco Systems, Inc");
        assert!(r.lookup(&mac("00:00:0d:00:00:00")).is_none());
    }

    #[test]
    fn compact_round_trip() {
        let r = OuiRegistry::parse(SAMPLE, Path::new("t")).unwrap();
        let text = r.to_compact(&["h".into()]);
        let r2 = OuiRegistry::parse(&text, Path::new("t")).unwrap();
        assert_eq!(r.assignments(), r2.assignments());
        assert!(text.starts_with("#!cybriq-oui 1\n# h\n00000C\tCisco"));
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = OuiRegistry::parse("#!cybriq-oui 1\n00000C\tA\n00000\tB\n", Path::new("o.txt"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("o.txt:3: prefix:"), "{e}");
        let e = OuiRegistry::parse("#!cybriq-oui 1\n00000C\tA\n00000c\tB\n", Path::new("o.txt"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("o.txt:3: prefix:") && e.contains("line 2"),
            "{e}"
        );
        let e = OuiRegistry::parse("00000C\tA\n", Path::new("o.txt"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("o.txt:1: format:"), "{e}");
        let e = OuiRegistry::parse("#!cybriq-oui 1\n00000C \n", Path::new("o.txt"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("o.txt:2: prefix:"), "{e}");
    }

    #[test]
    fn local_and_randomised_macs() {
        assert!(is_locally_administered(&mac("da:a1:19:00:00:01")));
        assert!(is_locally_administered(&mac("52:54:00:12:34:56")));
        assert!(!is_locally_administered(&mac("00:1b:54:00:00:01")));
        assert_eq!(sla_quadrant(&mac("02:42:ac:11:00:02")), Some("AAI"));
        assert_eq!(sla_quadrant(&mac("0a:00:00:00:00:00")), Some("ELI"));
        assert_eq!(sla_quadrant(&mac("0e:00:00:00:00:00")), Some("SAI"));
        assert_eq!(sla_quadrant(&mac("00:1b:54:00:00:01")), None);
    }
}
