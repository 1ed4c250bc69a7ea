//! Firmware profiles (`firmware-profiles/*.toml`): which text fields carry firmware versions,
//! how to extract them, how versions order, and what build noise to strip.
//!
//! One file per vendor family. The files in the repository are compiled in
//! ([`FirmwareProfiles::embedded`]); [`FirmwareProfiles::load_dir`] reads a directory instead
//! (hot reload: build a new set and swap it in; a set that fails validation is rejected whole,
//! with an error naming the file, the line and the key). The format is documented in
//! `firmware-profiles/README.md`.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::{Regex, RegexSet};
use serde::Deserialize;
use toml::Spanned;

use super::text;

/// The schema version this build reads.
pub const SCHEMA: u32 = 1;

/// The profile files compiled into the binary: `(file name, text)`.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "arista.toml",
        include_str!("../../firmware-profiles/arista.toml"),
    ),
    (
        "aruba-procurve.toml",
        include_str!("../../firmware-profiles/aruba-procurve.toml"),
    ),
    (
        "avaya.toml",
        include_str!("../../firmware-profiles/avaya.toml"),
    ),
    (
        "axis.toml",
        include_str!("../../firmware-profiles/axis.toml"),
    ),
    (
        "cisco-ios.toml",
        include_str!("../../firmware-profiles/cisco-ios.toml"),
    ),
    (
        "cisco-ipphone.toml",
        include_str!("../../firmware-profiles/cisco-ipphone.toml"),
    ),
    (
        "cisco-nxos.toml",
        include_str!("../../firmware-profiles/cisco-nxos.toml"),
    ),
    (
        "cisco-smb.toml",
        include_str!("../../firmware-profiles/cisco-smb.toml"),
    ),
    (
        "comware.toml",
        include_str!("../../firmware-profiles/comware.toml"),
    ),
    (
        "dahua.toml",
        include_str!("../../firmware-profiles/dahua.toml"),
    ),
    (
        "extreme.toml",
        include_str!("../../firmware-profiles/extreme.toml"),
    ),
    (
        "foundry.toml",
        include_str!("../../firmware-profiles/foundry.toml"),
    ),
    (
        "hikvision.toml",
        include_str!("../../firmware-profiles/hikvision.toml"),
    ),
    (
        "hp-printer.toml",
        include_str!("../../firmware-profiles/hp-printer.toml"),
    ),
    (
        "juniper.toml",
        include_str!("../../firmware-profiles/juniper.toml"),
    ),
    (
        "linux.toml",
        include_str!("../../firmware-profiles/linux.toml"),
    ),
    (
        "poly.toml",
        include_str!("../../firmware-profiles/poly.toml"),
    ),
];

/// A text field of a device's observations that profiles refer to by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// `lldp.system_description`
    LldpSystemDescription,
    /// `lldp.med.software_revision`
    LldpMedSoftware,
    /// `lldp.med.firmware_revision`
    LldpMedFirmware,
    /// `lldp.med.hardware_revision`
    LldpMedHardware,
    /// `lldp.med.model_name`
    LldpMedModel,
    /// `lldp.med.manufacturer`
    LldpMedManufacturer,
    /// `cdp.software_version`
    CdpSoftware,
    /// `cdp.platform`
    CdpPlatform,
    /// `neighbor.software_version` (EDP, FDP)
    NeighborSoftware,
    /// `neighbor.platform` (EDP, FDP)
    NeighborPlatform,
    /// `dhcp.vendor_class` (option 60)
    DhcpVendorClass,
    /// `dhcpv6.vendor_class`
    Dhcpv6VendorClass,
}

impl Field {
    /// Every field.
    pub const ALL: [Field; 12] = [
        Field::LldpSystemDescription,
        Field::LldpMedSoftware,
        Field::LldpMedFirmware,
        Field::LldpMedHardware,
        Field::LldpMedModel,
        Field::LldpMedManufacturer,
        Field::CdpSoftware,
        Field::CdpPlatform,
        Field::NeighborSoftware,
        Field::NeighborPlatform,
        Field::DhcpVendorClass,
        Field::Dhcpv6VendorClass,
    ];

    /// The name used in profile files.
    pub fn name(self) -> &'static str {
        match self {
            Field::LldpSystemDescription => "lldp.system_description",
            Field::LldpMedSoftware => "lldp.med.software_revision",
            Field::LldpMedFirmware => "lldp.med.firmware_revision",
            Field::LldpMedHardware => "lldp.med.hardware_revision",
            Field::LldpMedModel => "lldp.med.model_name",
            Field::LldpMedManufacturer => "lldp.med.manufacturer",
            Field::CdpSoftware => "cdp.software_version",
            Field::CdpPlatform => "cdp.platform",
            Field::NeighborSoftware => "neighbor.software_version",
            Field::NeighborPlatform => "neighbor.platform",
            Field::DhcpVendorClass => "dhcp.vendor_class",
            Field::Dhcpv6VendorClass => "dhcpv6.vendor_class",
        }
    }

    /// The field of a name, if there is one.
    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == s)
    }

    /// Fields whose whole text is about software, whatever the profile.
    pub fn always_firmware(self) -> bool {
        matches!(
            self,
            Field::LldpMedSoftware
                | Field::LldpMedFirmware
                | Field::CdpSoftware
                | Field::NeighborSoftware
        )
    }

    /// Fields whose whole value is a version string when no rule extracts one.
    fn whole_version(self) -> bool {
        matches!(self, Field::LldpMedSoftware | Field::LldpMedFirmware)
    }

    /// Fields the generic version pattern is tried on when no profile rule matched.
    fn may_carry_version(self) -> bool {
        !matches!(
            self,
            Field::LldpMedModel
                | Field::LldpMedManufacturer
                | Field::LldpMedHardware
                | Field::CdpPlatform
                | Field::NeighborPlatform
        )
    }
}

/// A profile file or set was rejected.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// A file or the directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not valid TOML, misses a key, has an unknown key, or a value is invalid.
    #[error("{file}: line {line}: {key}: {message}")]
    Invalid {
        /// File name.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// The key (`version[1].pattern`), empty when the file as a whole is wrong.
        key: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    schema: Spanned<u32>,
    name: Spanned<String>,
    vendor: String,
    description: String,
    #[serde(default)]
    priority: i32,
    #[serde(rename = "match")]
    matches: Vec<Spanned<String>>,
    #[serde(default)]
    firmware_fields: Vec<Spanned<String>>,
    #[serde(default)]
    strip: Vec<Spanned<String>>,
    #[serde(default)]
    version: Vec<RuleFile>,
    #[serde(default)]
    model: Vec<RuleFile>,
    #[serde(default)]
    example: Vec<ExampleFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    fields: Vec<Spanned<String>>,
    pattern: Spanned<String>,
    #[serde(default = "default_train")]
    train: Spanned<usize>,
}

fn default_train() -> Spanned<usize> {
    Spanned::new(0..0, 2)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleFile {
    field: Spanned<String>,
    text: String,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    models: Vec<String>,
    #[serde(default)]
    matches: Option<bool>,
}

#[derive(Debug, Clone)]
struct Rule {
    fields: Vec<Field>,
    pattern: Regex,
    train: usize,
}

/// One vendor family's profile.
#[derive(Debug, Clone)]
pub struct Profile {
    name: String,
    vendor: String,
    description: String,
    priority: i32,
    matches: Vec<Regex>,
    firmware_fields: Vec<Field>,
    strip: Vec<Regex>,
    versions: Vec<Rule>,
    models: Vec<Rule>,
    file: String,
}

/// A version found in a field, with its release train (`12.2(44)SE` → `12.2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundVersion {
    /// The version, lower case.
    pub version: String,
    /// The first `train` components joined by dots, when the version has more than that.
    pub train: Option<String>,
}

/// What a profile makes of one field's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// Versions, in order of appearance.
    pub versions: Vec<FoundVersion>,
    /// Model names (lower case).
    pub models: Vec<String>,
    /// The text with build noise and the versions removed.
    pub rest: String,
}

impl Profile {
    /// The profile's name (`cisco-ios`), used in `fw:` tokens.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The vendor.
    pub fn vendor(&self) -> &str {
        &self.vendor
    }

    /// One-line description.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The file it came from.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Whether `field`'s words are firmware (`fw.text:`) rather than identity text.
    pub fn is_firmware_field(&self, field: Field) -> bool {
        field.always_firmware() || self.firmware_fields.contains(&field)
    }

    /// Whether this profile applies to a text.
    pub fn matches(&self, text: &str) -> bool {
        self.matches.iter().any(|r| r.is_match(text))
    }

    /// Versions, models and remaining text of one field.
    pub fn extract(&self, field: Field, raw: &str) -> Extracted {
        let mut cleaned = text::strip(raw, &self.strip);
        let mut out = Extracted::default();
        let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
        for rule in self.versions.iter().filter(|r| r.fields.contains(&field)) {
            for c in rule.pattern.captures_iter(&cleaned) {
                if let Some(m) = c.get(1) {
                    push_version(&mut out.versions, m.as_str(), rule.train);
                    spans.push(m.range());
                }
            }
        }
        if out.versions.is_empty() {
            if field.whole_version() {
                let v = cleaned.trim();
                if !v.is_empty() {
                    push_version(&mut out.versions, v, 2);
                    spans.push(0..cleaned.len());
                }
            } else if field.may_carry_version() {
                for c in text::generic_version().captures_iter(&cleaned) {
                    if let Some(m) = c.get(1) {
                        push_version(&mut out.versions, m.as_str(), 2);
                        spans.push(m.range());
                    }
                }
            }
        }
        for rule in self.models.iter().filter(|r| r.fields.contains(&field)) {
            for c in rule.pattern.captures_iter(&cleaned) {
                if let Some(m) = c.get(1) {
                    let m = text::normalise(m.as_str());
                    if !m.is_empty() && !out.models.contains(&m) {
                        out.models.push(m);
                    }
                }
            }
        }
        spans.sort_by_key(|r| std::cmp::Reverse(r.start));
        for r in spans {
            if r.end <= cleaned.len() && cleaned.is_char_boundary(r.start) {
                cleaned.replace_range(r, " ");
            }
        }
        out.rest = cleaned;
        out
    }
}

fn push_version(out: &mut Vec<FoundVersion>, v: &str, train: usize) {
    let version = text::normalise(v);
    if version.is_empty() || out.iter().any(|f| f.version == version) {
        return;
    }
    let comps: Vec<&str> = version
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect();
    let train = (train > 0 && comps.len() > train).then(|| comps[..train].join("."));
    out.push(FoundVersion { version, train });
}

/// Orders two version strings component by component (`12.2(44)SE` < `12.2(55)SE3` <
/// `15.0(2)SE`; `H.08.89` < `H.10.74`): numbers numerically, letters alphabetically, a number
/// after letters, a longer version after its prefix.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn comps(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for ch in s.to_ascii_lowercase().chars() {
            if !ch.is_ascii_alphanumeric() {
                out.push((false, String::new()));
                continue;
            }
            let digit = ch.is_ascii_digit();
            match out.last_mut() {
                Some((d, cur)) if !cur.is_empty() && *d == digit => cur.push(ch),
                _ => out.push((digit, ch.to_string())),
            }
        }
        out.retain(|(_, s)| !s.is_empty());
        out
    }
    let (x, y) = (comps(a), comps(b));
    for (p, q) in x.iter().zip(&y) {
        let o = match (p.0, q.0) {
            (true, true) => {
                let (pt, qt) = (p.1.trim_start_matches('0'), q.1.trim_start_matches('0'));
                pt.len().cmp(&qt.len()).then_with(|| pt.cmp(qt))
            }
            (false, false) => p.1.cmp(&q.1),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    x.len().cmp(&y.len())
}

/// A validated set of profiles, tried in priority order (higher first, then by name), with the
/// built-in generic profile last.
#[derive(Debug, Clone)]
pub struct FirmwareProfiles {
    profiles: Vec<Profile>,
    set: RegexSet,
    owner: Vec<usize>,
    generic: Profile,
}

impl FirmwareProfiles {
    /// The profiles shipped in `firmware-profiles/`, compiled in.
    pub fn embedded() -> &'static FirmwareProfiles {
        static P: OnceLock<FirmwareProfiles> = OnceLock::new();
        P.get_or_init(|| {
            FirmwareProfiles::from_texts(
                EMBEDDED.iter().map(|(f, t)| (f.to_string(), t.to_string())),
            )
            .expect("the embedded firmware profiles are valid (checked by tests)")
        })
    }

    /// Every `*.toml` file of a directory.
    pub fn load_dir(dir: &Path) -> Result<FirmwareProfiles, ProfileError> {
        let rd = std::fs::read_dir(dir).map_err(|e| ProfileError::Io {
            path: dir.to_owned(),
            source: e,
        })?;
        let mut files = Vec::new();
        for e in rd {
            let e = e.map_err(|e| ProfileError::Io {
                path: dir.to_owned(),
                source: e,
            })?;
            let p = e.path();
            if p.extension().is_some_and(|x| x == "toml") {
                let t = std::fs::read_to_string(&p).map_err(|e| ProfileError::Io {
                    path: p.clone(),
                    source: e,
                })?;
                files.push((p.to_string_lossy().into_owned(), t));
            }
        }
        files.sort();
        FirmwareProfiles::from_texts(files)
    }

    /// Profiles from `(file name, text)` pairs. Names must be unique.
    pub fn from_texts(
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<FirmwareProfiles, ProfileError> {
        let mut profiles: Vec<Profile> = Vec::new();
        for (file, t) in files {
            let p = parse_profile(&file, &t)?;
            if let Some(o) = profiles.iter().find(|o| o.name == p.name) {
                return Err(ProfileError::Invalid {
                    file,
                    line: 0,
                    key: "name".into(),
                    message: format!("profile {:?} is also defined in {}", p.name, o.file),
                });
            }
            profiles.push(p);
        }
        profiles.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.name.cmp(&b.name)));
        let mut pats = Vec::new();
        let mut owner = Vec::new();
        for (i, p) in profiles.iter().enumerate() {
            for r in &p.matches {
                pats.push(r.as_str().to_owned());
                owner.push(i);
            }
        }
        let set = RegexSet::new(&pats).map_err(|e| ProfileError::Invalid {
            file: "(set)".into(),
            line: 0,
            key: "match".into(),
            message: e.to_string(),
        })?;
        Ok(FirmwareProfiles {
            profiles,
            set,
            owner,
            generic: generic_profile(),
        })
    }

    /// The profiles, in the order they are tried (the generic one not included).
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// A profile by name (`generic` for the fallback).
    pub fn get(&self, name: &str) -> Option<&Profile> {
        if name == self.generic.name {
            return Some(&self.generic);
        }
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The generic profile: no vendor rules, the generic version pattern only.
    pub fn generic(&self) -> &Profile {
        &self.generic
    }

    /// The first profile (in priority order) whose `match` patterns hit any of the texts, else
    /// the generic one.
    pub fn select<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> &Profile {
        let mut best: Option<usize> = None;
        for t in texts {
            for m in self.set.matches(t).iter() {
                let o = self.owner[m];
                best = Some(best.map_or(o, |b| b.min(o)));
            }
            if best == Some(0) {
                break;
            }
        }
        best.map_or(&self.generic, |i| &self.profiles[i])
    }
}

fn generic_profile() -> Profile {
    Profile {
        name: "generic".into(),
        vendor: String::new(),
        description: "Fallback: dotted version numbers in software and description fields.".into(),
        priority: i32::MIN,
        matches: Vec::new(),
        firmware_fields: Vec::new(),
        strip: Vec::new(),
        versions: Vec::new(),
        models: Vec::new(),
        file: "(built in)".into(),
    }
}

fn line_of(text: &str, span: std::ops::Range<usize>) -> usize {
    if span.start == 0 && span.end == 0 {
        return 0;
    }
    text[..span.start.min(text.len())].matches('\n').count() + 1
}

fn parse_profile(file: &str, t: &str) -> Result<Profile, ProfileError> {
    let invalid =
        |span: std::ops::Range<usize>, key: &str, message: String| ProfileError::Invalid {
            file: file.to_owned(),
            line: line_of(t, span),
            key: key.to_owned(),
            message,
        };
    let pf: ProfileFile = toml::from_str(t).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        ProfileError::Invalid {
            file: file.to_owned(),
            line: if span == (0..0) { 0 } else { line_of(t, span) },
            key: String::new(),
            message: e.message().trim().to_owned(),
        }
    })?;
    if *pf.schema.get_ref() != SCHEMA {
        return Err(invalid(
            pf.schema.span(),
            "schema",
            format!(
                "schema {} is not supported (this build reads {SCHEMA})",
                pf.schema.get_ref()
            ),
        ));
    }
    let name = pf.name.get_ref();
    if name.is_empty()
        || name == "generic"
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(invalid(
            pf.name.span(),
            "name",
            "must be lower-case letters, digits and dashes, and not \"generic\"".into(),
        ));
    }
    let regex = |s: &Spanned<String>, key: String| {
        Regex::new(s.get_ref()).map_err(|e| invalid(s.span(), &key, format!("bad pattern: {e}")))
    };
    let field = |s: &Spanned<String>, key: String| {
        Field::parse(s.get_ref()).ok_or_else(|| {
            let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
            invalid(
                s.span(),
                &key,
                format!(
                    "unknown field {:?} (one of: {})",
                    s.get_ref(),
                    names.join(", ")
                ),
            )
        })
    };
    if pf.matches.is_empty() {
        return Err(invalid(
            0..0,
            "match",
            "at least one pattern is required".into(),
        ));
    }
    let matches = pf
        .matches
        .iter()
        .enumerate()
        .map(|(i, s)| regex(s, format!("match[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let firmware_fields = pf
        .firmware_fields
        .iter()
        .enumerate()
        .map(|(i, s)| field(s, format!("firmware_fields[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let strip = pf
        .strip
        .iter()
        .enumerate()
        .map(|(i, s)| regex(s, format!("strip[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let rules = |v: &[RuleFile], what: &str| -> Result<Vec<Rule>, ProfileError> {
        v.iter()
            .enumerate()
            .map(|(i, r)| {
                let pattern = regex(&r.pattern, format!("{what}[{i}].pattern"))?;
                if pattern.captures_len() < 2 {
                    return Err(invalid(
                        r.pattern.span(),
                        &format!("{what}[{i}].pattern"),
                        "needs a capture group (the version or model is group 1)".into(),
                    ));
                }
                if r.fields.is_empty() {
                    return Err(invalid(
                        r.pattern.span(),
                        &format!("{what}[{i}].fields"),
                        "at least one field is required".into(),
                    ));
                }
                let fields = r
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(j, f)| field(f, format!("{what}[{i}].fields[{j}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                let train = *r.train.get_ref();
                if train > 6 {
                    return Err(invalid(
                        r.train.span(),
                        &format!("{what}[{i}].train"),
                        "must be 0 (no train) to 6 components".into(),
                    ));
                }
                Ok(Rule {
                    fields,
                    pattern,
                    train,
                })
            })
            .collect()
    };
    let p = Profile {
        name: name.clone(),
        vendor: pf.vendor,
        description: pf.description,
        priority: pf.priority,
        matches,
        firmware_fields,
        strip,
        versions: rules(&pf.version, "version")?,
        models: rules(&pf.model, "model")?,
        file: file.to_owned(),
    };
    // Examples are part of the file's contract: each must extract what it says.
    for (i, ex) in pf.example.iter().enumerate() {
        let f = field(&ex.field, format!("example[{i}].field"))?;
        if ex.matches.unwrap_or(true) != p.matches(&ex.text) {
            return Err(invalid(
                ex.field.span(),
                &format!("example[{i}].matches"),
                format!("the match patterns do not agree on {:?}", ex.text),
            ));
        }
        let got = p.extract(f, &ex.text);
        let versions: Vec<&str> = got.versions.iter().map(|v| v.version.as_str()).collect();
        let want: Vec<String> = ex.versions.iter().map(|v| text::normalise(v)).collect();
        if versions != want {
            return Err(invalid(
                ex.field.span(),
                &format!("example[{i}].versions"),
                format!(
                    "extracted {versions:?} from {:?}, the example says {want:?}",
                    ex.text
                ),
            ));
        }
        let want: Vec<String> = ex.models.iter().map(|v| text::normalise(v)).collect();
        if !want.is_empty() && got.models != want {
            return Err(invalid(
                ex.field.span(),
                &format!("example[{i}].models"),
                format!(
                    "extracted {:?} from {:?}, the example says {want:?}",
                    got.models, ex.text
                ),
            ));
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_profiles_load_and_cover_the_required_families() {
        let p = FirmwareProfiles::embedded();
        for n in [
            "cisco-ios",
            "cisco-nxos",
            "cisco-ipphone",
            "aruba-procurve",
            "juniper",
            "arista",
            "poly",
            "avaya",
            "axis",
            "hikvision",
            "dahua",
            "hp-printer",
            "linux",
        ] {
            assert!(p.get(n).is_some(), "{n}");
        }
        assert_eq!(p.get("generic").unwrap().name(), "generic");
    }

    #[test]
    fn selection_by_text() {
        let p = FirmwareProfiles::embedded();
        let sel = |t: &str| p.select([t]).name().to_owned();
        assert_eq!(
            sel("Cisco IOS Software, C3560 Software (C3560-ADVIPSERVICESK9-M), Version 12.2(44)SE"),
            "cisco-ios"
        );
        assert_eq!(
            sel("ProCurve J4900A Switch 2626, revision H.10.74, ROM H.08.02"),
            "aruba-procurve"
        );
        assert_eq!(sel("Cisco IP Phone 7912"), "cisco-ipphone");
        assert_eq!(sel("Something else 1.2"), "generic");
    }

    #[test]
    fn cisco_ios_versions_and_trains() {
        let p = FirmwareProfiles::embedded().get("cisco-ios").unwrap();
        let e = p.extract(
            Field::CdpSoftware,
            "Cisco IOS Software, C3560 Software (C3560-ADVIPSERVICESK9-M), Version 12.2(44)SE, RELEASE SOFTWARE (fc1)\nCopyright (c) 1986-2008 by Cisco Systems, Inc.\nCompiled Sat 05-Jan-08 00:15 by weiliu",
        );
        assert_eq!(e.versions.len(), 1, "{e:?}");
        assert_eq!(e.versions[0].version, "12.2(44)se");
        assert_eq!(e.versions[0].train.as_deref(), Some("12.2"));
        assert!(
            !e.rest.contains("weiliu") && !e.rest.contains("12.2"),
            "{}",
            e.rest
        );
    }

    #[test]
    fn version_ordering() {
        assert_eq!(
            compare_versions("12.2(44)SE", "12.2(55)SE3"),
            Ordering::Less
        );
        assert_eq!(
            compare_versions("15.0(2)SE", "12.2(55)SE3"),
            Ordering::Greater
        );
        assert_eq!(compare_versions("H.08.89", "H.10.74"), Ordering::Less);
        assert_eq!(compare_versions("1.0.8.3", "1.0.8.3"), Ordering::Equal);
        assert_eq!(compare_versions("16.9.3", "16.12.1"), Ordering::Less);
        assert_eq!(compare_versions("4.20.5F", "4.20.5"), Ordering::Greater);
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let bad = "schema = 1\nname = \"x\"\nvendor = \"X\"\ndescription = \"d\"\nmatch = ['x']\n\n[[version]]\nfields = ['cdp.software_version']\npattern = '(unclosed'\n";
        let e =
            FirmwareProfiles::from_texts([("x.toml".to_string(), bad.to_string())]).unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("x.toml") && s.contains("line 9") && s.contains("version[0].pattern"),
            "{s}"
        );

        let bad = "schema = 1\nname = \"x\"\nvendor = \"X\"\ndescription = \"d\"\nmatch = ['x']\nfirmware_fields = ['lldp.nope']\n";
        let s = FirmwareProfiles::from_texts([("y.toml".to_string(), bad.to_string())])
            .unwrap_err()
            .to_string();
        assert!(
            s.contains("y.toml") && s.contains("line 6") && s.contains("firmware_fields[0]"),
            "{s}"
        );

        let bad = "schema = 1\nname = \"x\"\nvendor = \"X\"\ndescription = \"d\"\nmatch = ['x']\nbogus = 1\n";
        let s = FirmwareProfiles::from_texts([("z.toml".to_string(), bad.to_string())])
            .unwrap_err()
            .to_string();
        assert!(
            s.contains("z.toml") && s.contains("line 6") && s.contains("bogus"),
            "{s}"
        );

        let bad = "schema = 1\nname = \"x\"\nvendor = \"X\"\ndescription = \"d\"\nmatch = ['x']\n[[version]]\nfields = ['cdp.software_version']\npattern = 'V (\\S+)'\n[[example]]\nfield = 'cdp.software_version'\ntext = 'x V 1.2'\nversions = ['1.3']\n";
        let s = FirmwareProfiles::from_texts([("w.toml".to_string(), bad.to_string())])
            .unwrap_err()
            .to_string();
        assert!(
            s.contains("w.toml") && s.contains("example[0].versions") && s.contains("line 10"),
            "{s}"
        );
    }

    #[test]
    fn shipped_directory_loads_like_the_embedded_set() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("firmware-profiles");
        let p = FirmwareProfiles::load_dir(&dir).unwrap();
        assert_eq!(
            p.profiles().len(),
            FirmwareProfiles::embedded().profiles().len()
        );
        assert_eq!(
            EMBEDDED.len(),
            p.profiles().len(),
            "a file in firmware-profiles/ is not embedded"
        );
    }
}
