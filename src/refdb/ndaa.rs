//! The NDAA FY2019 Section 889 list: covered entities (Huawei, ZTE, Hytera, Hikvision, Dahua),
//! their subsidiaries and affiliates, and OEM / white-label brands, each with name patterns,
//! IEEE OUIs and a source. File format `cybriq-ndaa889` version 1 (see `reference-db/README.md`).
//! Pure: parses text, matches names and MACs.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use regex::{Regex, RegexBuilder, RegexSetBuilder};
use serde::{Deserialize, Serialize};

use super::error::RefdbError;
use super::oui::parse_prefix;
use super::tomlpos::{check_header, key_line, parse_error};
use crate::wire::MacAddr;

/// The `format` value of the NDAA file.
pub const FORMAT: &str = "cybriq-ndaa889";

/// Section 889 status of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NdaaStatus {
    /// Produced by a covered entity (or its subsidiary / affiliate).
    Prohibited,
    /// Vendor identified and not on the list.
    Clean,
    /// Vendor not identified, or an OEM brand whose products may come from a covered entity.
    Unknown,
}

impl NdaaStatus {
    /// `prohibited`, `clean` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            NdaaStatus::Prohibited => "prohibited",
            NdaaStatus::Clean => "clean",
            NdaaStatus::Unknown => "unknown",
        }
    }
}

impl fmt::Display for NdaaStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an entity relates to the covered company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// Named in Section 889(f)(3).
    Covered,
    /// Owned or controlled by a covered entity.
    Subsidiary,
    /// Affiliate of a covered entity.
    Affiliate,
    /// Formerly owned by a covered entity (products of that period may be covered).
    FormerSubsidiary,
    /// A brand that sells a covered entity's products under its own name.
    OemBrand,
}

/// One list entry.
#[derive(Debug, Clone)]
pub struct Entity {
    /// Legal or brand name.
    pub name: String,
    /// The covered company it belongs to (`Huawei`, `ZTE`, `Hytera`, `Hikvision`, `Dahua`).
    pub group: String,
    /// Relation to the covered company.
    pub relation: Relation,
    /// Status a device of this entity gets.
    pub status: NdaaStatus,
    /// Patterns over vendor, organisation and manufacturer names (case-insensitive).
    pub patterns: Vec<Regex>,
    /// IEEE assignments (prefix, bits).
    pub ouis: Vec<(u64, u8)>,
    /// Where the entry comes from.
    pub source: String,
    /// Free-text note.
    pub note: String,
    /// Line in the file.
    pub line: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    format: String,
    version: u32,
    #[serde(default)]
    updated: String,
    #[serde(default)]
    entity: Vec<toml::Spanned<RawEntity>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    name: String,
    group: String,
    relation: Relation,
    status: NdaaStatus,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(default)]
    ouis: Vec<String>,
    source: String,
    #[serde(default)]
    note: String,
}

/// The loaded list.
#[derive(Debug, Clone, Default)]
pub struct NdaaList {
    entities: Vec<Entity>,
    /// foldhash: looked up on every resolution, several times cheaper than SipHash.
    by_oui: HashMap<(u64, u8), usize, foldhash::fast::RandomState>,
    /// Every entity's patterns in one automaton, and the entity of each pattern.
    names: Option<regex::RegexSet>,
    pattern_entity: Vec<usize>,
    /// The file's `updated` date.
    pub updated: String,
}

const GROUPS: [&str; 5] = ["Huawei", "ZTE", "Hytera", "Hikvision", "Dahua"];

impl NdaaList {
    /// Parses and validates the list. `file` names it in errors.
    pub fn parse(text: &str, file: &Path) -> Result<NdaaList, RefdbError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| parse_error(file, text, &e))?;
        check_header(file, text, &raw.format, raw.version, FORMAT)?;
        let mut list = NdaaList {
            updated: raw.updated,
            ..NdaaList::default()
        };
        for (i, e) in raw.entity.iter().enumerate() {
            let span = e.span();
            let e = e.get_ref();
            let err = |key: &str, m: String| {
                RefdbError::invalid(
                    file,
                    key_line(text, &span, key),
                    format!("entity[{i}].{key}"),
                    m,
                )
            };
            if e.name.trim().is_empty() {
                return Err(err("name", "must not be empty".into()));
            }
            if !GROUPS.contains(&e.group.as_str()) {
                return Err(err(
                    "group",
                    format!("`{}` is not one of {}", e.group, GROUPS.join(", ")),
                ));
            }
            if e.source.trim().is_empty() {
                return Err(err("source", "every entry needs a source".into()));
            }
            if e.patterns.is_empty() && e.ouis.is_empty() {
                return Err(err(
                    "patterns",
                    "an entry needs name patterns, OUIs, or both".into(),
                ));
            }
            let mut patterns = Vec::new();
            for p in &e.patterns {
                let re = RegexBuilder::new(p)
                    .case_insensitive(true)
                    .build()
                    .map_err(|x| err("patterns", format!("`{p}`: {x}")))?;
                patterns.push(re);
            }
            let mut ouis = Vec::new();
            for o in &e.ouis {
                let a = parse_prefix(o, "").map_err(|m| err("ouis", m))?;
                if let Some(prev) = list.by_oui.insert((a.prefix, a.bits), list.entities.len()) {
                    return Err(err(
                        "ouis",
                        format!(
                            "{o} is already listed for {}",
                            list.entities
                                .get(prev)
                                .map_or(e.name.as_str(), |x| x.name.as_str())
                        ),
                    ));
                }
                ouis.push((a.prefix, a.bits));
            }
            list.entities.push(Entity {
                name: e.name.trim().to_owned(),
                group: e.group.clone(),
                relation: e.relation,
                status: e.status,
                patterns,
                ouis,
                source: e.source.trim().to_owned(),
                note: e.note.clone(),
                line: key_line(text, &span, "name"),
            });
        }
        let pats: Vec<(usize, &str)> = list
            .entities
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.patterns.iter().map(move |p| (i, p.as_str())))
            .collect();
        list.pattern_entity = pats.iter().map(|(i, _)| *i).collect();
        list.names = RegexSetBuilder::new(pats.iter().map(|(_, p)| *p))
            .case_insensitive(true)
            .build()
            .ok();
        Ok(list)
    }

    /// The entries.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// The entry whose OUI list holds the MAC's prefix (longest prefix first).
    pub fn by_mac(&self, mac: &MacAddr) -> Option<&Entity> {
        let v = mac
            .as_bytes()
            .iter()
            .fold(0u64, |a, b| (a << 8) | u64::from(*b));
        [36u8, 28, 24].iter().find_map(|&bits| {
            let key = v & !((1u64 << (48 - u32::from(bits))) - 1);
            self.by_oui.get(&(key, bits)).map(|i| &self.entities[*i])
        })
    }

    /// The first entry (prohibited ones first) one of whose patterns matches `name`.
    pub fn by_name(&self, name: &str) -> Option<&Entity> {
        self.by_name_index(name).map(|i| &self.entities[i])
    }

    /// [`NdaaList::by_name`], as an index into [`NdaaList::entities`].
    pub fn by_name_index(&self, name: &str) -> Option<usize> {
        if let Some(set) = &self.names {
            let hits: Vec<usize> = set
                .matches(name)
                .iter()
                .map(|k| self.pattern_entity[k])
                .collect();
            let first = |ok: &dyn Fn(&Entity) -> bool| {
                hits.iter()
                    .copied()
                    .filter(|&i| ok(&self.entities[i]))
                    .min()
            };
            return first(&|e| e.status == NdaaStatus::Prohibited).or_else(|| first(&|_| true));
        }
        let hit = |e: &Entity| e.patterns.iter().any(|p| p.is_match(name));
        self.entities
            .iter()
            .position(|e| e.status == NdaaStatus::Prohibited && hit(e))
            .or_else(|| self.entities.iter().position(hit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = r#"format = "cybriq-ndaa889"
version = 1
[[entity]]
name = "Huawei Technologies Company"
group = "Huawei"
relation = "covered"
status = "prohibited"
patterns = ['\bhuawei\b']
ouis = ["00E0FC", "A4C64F1"]
source = "Pub. L. 115-232 s. 889(f)(3)(A)"
[[entity]]
name = "Amcrest"
group = "Dahua"
relation = "oem-brand"
status = "unknown"
patterns = ['\bamcrest\b']
source = "x"
"#;

    #[test]
    fn matches_by_oui_and_name() {
        let l = NdaaList::parse(T, Path::new("n.toml")).unwrap();
        let m: MacAddr = "00:e0:fc:01:02:03".parse().unwrap();
        assert_eq!(l.by_mac(&m).unwrap().group, "Huawei");
        let m: MacAddr = "a4:c6:4f:12:02:03".parse().unwrap();
        assert!(l.by_mac(&m).is_some());
        let m: MacAddr = "a4:c6:4f:22:02:03".parse().unwrap();
        assert!(l.by_mac(&m).is_none());
        assert_eq!(
            l.by_name("HUAWEI TECHNOLOGIES CO.,LTD").unwrap().status,
            NdaaStatus::Prohibited
        );
        assert_eq!(l.by_name("Amcrest").unwrap().status, NdaaStatus::Unknown);
        assert!(l.by_name("Cisco").is_none());
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let bad = T.replace("source = \"x\"", "source = \"\"");
        let e = NdaaList::parse(&bad, Path::new("n.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("n.toml:17: entity[1].source:"), "{e}");
        let bad = T.replace("\"A4C64F1\"", "\"A4C6\"");
        let e = NdaaList::parse(&bad, Path::new("n.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("n.toml:9: entity[0].ouis:"), "{e}");
        let bad = T.replace("group = \"Dahua\"", "group = \"Acme\"");
        let e = NdaaList::parse(&bad, Path::new("n.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("n.toml:13: entity[1].group:"), "{e}");
        let bad = T.replace("relation = \"oem-brand\"", "relation = \"friend\"");
        let e = NdaaList::parse(&bad, Path::new("n.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("n.toml:14: relation:"), "{e}");
    }
}
