//! The reviewed class map (`reference-db/class-map.toml`, format `cybriq-class-map` 1): how the
//! device types of imported databases (satori, Fingerbank) map onto our classes, and which
//! operating-system families only run on (or never run on) some vendors' hardware.
//!
//! ```toml
//! format = "cybriq-class-map"
//! version = 1
//!
//! [[satori]]                    # first matching entry wins
//! device_type = "Multimedia Device"
//! os_class = "iOS"              # optional: any os_class when absent
//! class = "mobile"              # a class, or "none": the type names no class of ours
//!
//! [[fingerbank]]
//! group = "Routers and APs"     # the [class N] description
//! description = 'access point'  # optional regex over the [os N] description
//! class = "wireless-ap"
//! os = false                    # the [os N] descriptions are OS names (else model names)
//!
//! [[os_family]]
//! name = "Windows"
//! pattern = '\bwindows\b'       # over an OS claim (case-insensitive)
//! not_vendors = '^apple$'       # hardware this OS does not run on (by default)
//! only_vendors = '…'            # or: the only hardware it runs on
//! ```
//!
//! Pure: parsed from text.

use std::path::Path;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use super::class::DeviceClass;
use super::error::RefdbError;
use super::tomlpos::{check_header, key_line, parse_error};

/// The `format` value of the class map.
pub const FORMAT: &str = "cybriq-class-map";

/// One satori entry.
#[derive(Debug, Clone)]
pub struct SatoriEntry {
    /// `device_type`, lower-case, trimmed.
    pub device_type: String,
    /// `os_class`, lower-case, trimmed (`None`: any).
    pub os_class: Option<String>,
    /// The class (`None`: the type names no class of ours).
    pub class: Option<DeviceClass>,
}

/// One Fingerbank entry.
#[derive(Debug, Clone)]
pub struct FingerbankEntry {
    /// `[class N]` description, lower-case, trimmed.
    pub group: String,
    /// Pattern over the `[os N]` description (`None`: any).
    pub description: Option<Regex>,
    /// The class (`None`: none of ours).
    pub class: Option<DeviceClass>,
    /// The descriptions are operating systems.
    pub os: bool,
}

/// An OS family and the hardware it runs on.
#[derive(Debug, Clone)]
pub struct OsFamily {
    /// Name (for the evidence).
    pub name: String,
    /// Pattern over an OS claim.
    pub pattern: Regex,
    /// Vendors whose hardware does not run it.
    pub not_vendors: Option<Regex>,
    /// The only vendors whose hardware runs it.
    pub only_vendors: Option<Regex>,
}

impl OsFamily {
    /// Whether a device of `vendor` can run this family.
    pub fn runs_on(&self, vendor: &str) -> bool {
        self.not_vendors
            .as_ref()
            .is_none_or(|r| !r.is_match(vendor))
            && self
                .only_vendors
                .as_ref()
                .is_none_or(|r| r.is_match(vendor))
    }
}

/// The loaded map.
#[derive(Debug, Clone, Default)]
pub struct ClassMap {
    /// satori entries in file order.
    pub satori: Vec<SatoriEntry>,
    /// Fingerbank entries in file order.
    pub fingerbank: Vec<FingerbankEntry>,
    /// OS families in file order.
    pub os_families: Vec<OsFamily>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    format: String,
    version: u32,
    #[serde(default)]
    satori: Vec<toml::Spanned<RawSatori>>,
    #[serde(default)]
    fingerbank: Vec<toml::Spanned<RawFingerbank>>,
    #[serde(default)]
    os_family: Vec<toml::Spanned<RawOs>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSatori {
    device_type: String,
    #[serde(default)]
    os_class: Option<String>,
    class: String,
    #[serde(default)]
    #[allow(dead_code)]
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFingerbank {
    group: String,
    #[serde(default)]
    description: Option<String>,
    class: String,
    #[serde(default)]
    os: bool,
    #[serde(default)]
    #[allow(dead_code)]
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOs {
    name: String,
    pattern: String,
    #[serde(default)]
    not_vendors: Option<String>,
    #[serde(default)]
    only_vendors: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: String,
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

fn class_or_none(s: &str) -> Result<Option<DeviceClass>, String> {
    if s == "none" {
        Ok(None)
    } else {
        s.parse::<DeviceClass>()
            .map(Some)
            .map_err(|m| format!("{m}, or none"))
    }
}

fn regex(p: &str) -> Result<Regex, String> {
    RegexBuilder::new(p)
        .case_insensitive(true)
        .build()
        .map_err(|e| format!("`{p}`: {e}"))
}

impl ClassMap {
    /// Parses and validates the map. `file` names it in errors.
    pub fn parse(text: &str, file: &Path) -> Result<ClassMap, RefdbError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| parse_error(file, text, &e))?;
        check_header(file, text, &raw.format, raw.version, FORMAT)?;
        let mut map = ClassMap::default();
        for (i, e) in raw.satori.iter().enumerate() {
            let span = e.span();
            let e = e.get_ref();
            let err = |key: &str, m: String| {
                RefdbError::invalid(
                    file,
                    key_line(text, &span, key),
                    format!("satori[{i}].{key}"),
                    m,
                )
            };
            map.satori.push(SatoriEntry {
                device_type: norm(&e.device_type),
                os_class: e.os_class.as_deref().map(norm),
                class: class_or_none(&e.class).map_err(|m| err("class", m))?,
            });
        }
        for (i, e) in raw.fingerbank.iter().enumerate() {
            let span = e.span();
            let e = e.get_ref();
            let err = |key: &str, m: String| {
                RefdbError::invalid(
                    file,
                    key_line(text, &span, key),
                    format!("fingerbank[{i}].{key}"),
                    m,
                )
            };
            if e.group.trim().is_empty() {
                return Err(err("group", "must not be empty".into()));
            }
            map.fingerbank.push(FingerbankEntry {
                group: norm(&e.group),
                description: match &e.description {
                    Some(d) => Some(regex(d).map_err(|m| err("description", m))?),
                    None => None,
                },
                class: class_or_none(&e.class).map_err(|m| err("class", m))?,
                os: e.os,
            });
        }
        for (i, e) in raw.os_family.iter().enumerate() {
            let span = e.span();
            let e = e.get_ref();
            let err = |key: &str, m: String| {
                RefdbError::invalid(
                    file,
                    key_line(text, &span, key),
                    format!("os_family[{i}].{key}"),
                    m,
                )
            };
            let opt = |key: &str, v: &Option<String>| match v {
                Some(p) => regex(p).map(Some).map_err(|m| err(key, m)),
                None => Ok(None),
            };
            let fam = OsFamily {
                name: e.name.trim().to_owned(),
                pattern: regex(&e.pattern).map_err(|m| err("pattern", m))?,
                not_vendors: opt("not_vendors", &e.not_vendors)?,
                only_vendors: opt("only_vendors", &e.only_vendors)?,
            };
            if fam.name.is_empty() {
                return Err(err("name", "must not be empty".into()));
            }
            map.os_families.push(fam);
        }
        Ok(map)
    }

    /// The satori entry for a fingerprint's `device_type` and `os_class`, first match.
    pub fn satori_entry(&self, device_type: &str, os_class: &str) -> Option<&SatoriEntry> {
        let (t, o) = (norm(device_type), norm(os_class));
        self.satori
            .iter()
            .find(|e| e.device_type == t && e.os_class.as_ref().is_none_or(|c| *c == o))
    }

    /// The Fingerbank entry for an `[os N]` of class `group` described as `description`.
    pub fn fingerbank_entry(&self, group: &str, description: &str) -> Option<&FingerbankEntry> {
        let g = norm(group);
        self.fingerbank.iter().find(|e| {
            e.group == g
                && e.description
                    .as_ref()
                    .is_none_or(|r| r.is_match(description))
        })
    }

    /// The OS family of an OS claim, first match.
    pub fn os_family(&self, os: &str) -> Option<&OsFamily> {
        self.os_families.iter().find(|f| f.pattern.is_match(os))
    }

    /// [`ClassMap::os_family`] with the family's index in `os_families`.
    pub fn os_family_index(&self, os: &str) -> Option<(usize, &OsFamily)> {
        self.os_families
            .iter()
            .enumerate()
            .find(|(_, f)| f.pattern.is_match(os))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = r#"format = "cybriq-class-map"
version = 1
[[satori]]
device_type = "Multimedia Device"
os_class = "iOS"
class = "mobile"
[[satori]]
device_type = "Multimedia Device"
class = "av-system"
[[fingerbank]]
group = "Routers and APs"
description = 'access point'
class = "wireless-ap"
[[os_family]]
name = "Windows"
pattern = '\bwindows\b'
not_vendors = '^apple$'
"#;

    #[test]
    fn first_match_wins_and_os_families_know_their_hardware() {
        let m = ClassMap::parse(T, Path::new("c.toml")).unwrap();
        let c = |t, o| m.satori_entry(t, o).and_then(|e| e.class);
        assert_eq!(c("Multimedia Device", "iOS"), Some(DeviceClass::Mobile));
        assert_eq!(
            c(" multimedia device ", "Linux"),
            Some(DeviceClass::AvSystem)
        );
        assert!(m.satori_entry("Printer", "").is_none());
        assert!(
            m.fingerbank_entry("Routers and APs", "Cisco Access Point")
                .is_some()
        );
        assert!(
            m.fingerbank_entry("Routers and APs", "Netgear Router")
                .is_none()
        );
        let w = m.os_family("Microsoft Windows 10").unwrap();
        assert!(!w.runs_on("Apple") && w.runs_on("Dell"));
    }

    #[test]
    fn errors_name_the_key() {
        let bad = T.replace("class = \"mobile\"", "class = \"phone\"");
        let e = ClassMap::parse(&bad, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.toml:6: satori[0].class:"), "{e}");
        let bad = T.replace("'^apple$'", "'(('");
        let e = ClassMap::parse(&bad, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.toml:17: os_family[0].not_vendors:"), "{e}");
    }
}
