//! Fingerprint rules: the `cybriq-fingerprints` file format (version 1), its validation, and
//! matching of a device's signals against it.
//!
//! A rule file is TOML (documented in `reference-db/README.md`):
//!
//! ```toml
//! format = "cybriq-fingerprints"
//! version = 1
//! name = "cybriq"                # names the rule set in evidence
//! source = "…"                   # where the rules come from
//! licence = "…"                  # the licence of the rules
//!
//! [[vendor]]                     # canonical vendor names
//! name = "Cisco"
//! regex = '^cisco\b'
//!
//! [[rule]]
//! id = "cdp-catalyst"
//! signal = "cdp.platform"        # see SIGNALS
//! regex = '^cisco (WS-C\S+)'     # or: equals = "…" (whole value, case-insensitive)
//! vendor = "Cisco"
//! model = "$1"                   # templates may use the regex captures
//! class = "switch"
//! os = "…"
//! weight = 0.9                   # (0, 1]: how sure this signal alone makes us
//! ```
//!
//! Pure: files are parsed from text; reading them is the caller's business.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;

use super::class::DeviceClass;
use super::error::RefdbError;
use super::tomlpos::{LineIndex, key_line, parse_error};

/// The `format` value of a rule file.
pub const FORMAT: &str = "cybriq-fingerprints";
/// The highest `version` this build reads.
pub const VERSION: u32 = 1;

/// The signals a rule may match, with what their values look like.
pub const SIGNALS: &[(&str, &str)] = &[
    ("mac", "source MAC, lower-case colon hex"),
    (
        "oui.org",
        "IEEE registry organisation of the MAC (universal MACs only)",
    ),
    (
        "proto",
        "a protocol the device spoke: lldp, cdp, edp, fdp, dhcp, dhcpv6, arp, eapol, stp, mdns, ssdp",
    ),
    ("lldp.sysname", "LLDP system name"),
    ("lldp.sysdescr", "LLDP system description"),
    (
        "lldp.caps",
        "LLDP enabled capabilities (system ones when none enabled), e.g. `bridge,router`",
    ),
    ("lldp.med.class", "LLDP-MED device class 1-4"),
    ("lldp.med.model", "LLDP-MED model name"),
    ("lldp.med.manufacturer", "LLDP-MED manufacturer"),
    ("lldp.med.hardware", "LLDP-MED hardware revision"),
    ("lldp.med.firmware", "LLDP-MED firmware revision"),
    ("lldp.med.software", "LLDP-MED software revision"),
    ("lldp.port_description", "LLDP port description"),
    ("lldp.mud", "RFC 8520 MUD URL"),
    ("cdp.device_id", "CDP device ID"),
    ("cdp.platform", "CDP platform"),
    ("cdp.software", "CDP software version text"),
    ("cdp.caps", "CDP capabilities, e.g. `router,switch,igmp`"),
    ("edp.device_id", "EDP display name"),
    ("edp.platform", "EDP platform"),
    ("edp.software", "EDP software version"),
    ("fdp.device_id", "FDP device ID"),
    ("fdp.platform", "FDP platform"),
    ("fdp.software", "FDP software version"),
    (
        "dhcp.prl",
        "DHCPv4 option 55 list in order, e.g. `1,3,6,15`",
    ),
    (
        "dhcp.role",
        "`server` or `relay`: the device sent DHCPv4 replies, or relayed client messages",
    ),
    ("dhcp.options", "DHCPv4 option codes in wire order"),
    ("dhcp.vci", "DHCPv4 vendor class identifier (option 60)"),
    ("dhcp.hostname", "DHCPv4 host name (option 12)"),
    ("dhcp.user_class", "DHCPv4 user class (option 77)"),
    ("dhcp.ttl", "IP TTL of the client's DHCPv4 packets"),
    ("dhcpv6.vci", "DHCPv6 vendor class: `ENTERPRISE:data`"),
    ("dhcpv6.oro", "DHCPv6 option request list in order"),
    ("dhcpv6.options", "DHCPv6 option codes in wire order"),
    ("dhcpv6.enterprise", "DHCPv6 enterprise numbers seen"),
    ("eap.identity", "EAP identity"),
    (
        "mdns.service",
        "DNS-SD service type the device announces, e.g. `_ipp._tcp`",
    ),
    ("mdns.instance", "DNS-SD service instance name"),
    ("mdns.host", "mDNS host name, without `.local`"),
    (
        "mdns.txt",
        "identity TXT pair `key=value`, key lower-case: ty, product, usb_mfg, usb_mdl, mfg, mdl, md, model, am",
    ),
    ("mdns.hinfo", "mDNS HINFO as `cpu os`"),
    (
        "ssdp.server",
        "SSDP `SERVER` header (NOTIFY, search responses)",
    ),
    ("ssdp.user_agent", "SSDP `USER-AGENT` header (M-SEARCH)"),
    (
        "ssdp.type",
        "SSDP `NT` of a NOTIFY or `ST` of a search response, e.g. `urn:schemas-upnp-org:device:MediaRenderer:1`",
    ),
];

/// Whether `s` is a known signal name; returns the static name.
pub fn signal_name(s: &str) -> Option<&'static str> {
    SIGNALS.iter().find(|(n, _)| *n == s).map(|(n, _)| *n)
}

/// How a rule matches a signal value.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// The whole value, compared case-insensitively (stored lower-case).
    Equals(String),
    /// A case-insensitive regular expression (unanchored unless it anchors itself).
    Regex(Pattern),
}

/// A rule's regular expression. A rule whose claim has no capture references is matched
/// through its signal's automaton ([`RegexSet`], which validates the pattern at load), so its
/// own [`Regex`] is compiled only when first needed: compiling each of them at load was most
/// of the load time.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    fn compiled(re: Regex) -> Pattern {
        Pattern {
            source: re.as_str().to_owned(),
            compiled: OnceLock::from(Some(re)),
        }
    }

    fn deferred(source: &str) -> Pattern {
        Pattern {
            source: source.to_owned(),
            compiled: OnceLock::new(),
        }
    }

    /// The pattern text.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The compiled expression (`None` only for a pattern that does not compile alone, which
    /// loading rejects).
    pub fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| compile(&self.source).ok())
            .as_ref()
    }

    /// Compiles the pattern now: the load-time check of a deferred pattern.
    fn check(&self) -> Result<(), String> {
        match self.compiled.get() {
            Some(_) => Ok(()),
            None => {
                let re = compile(&self.source)?;
                let _ = self.compiled.set(Some(re));
                Ok(())
            }
        }
    }
}

/// One validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Identifier (`<set>:<id>`, or `<set>:rule[N]` when the file gives none), shared with
    /// the evidence naming the rule.
    pub id: Arc<str>,
    /// The rule set (file) name.
    pub set: Arc<str>,
    /// Line of the rule in its file.
    pub line: usize,
    /// The signal it matches.
    pub signal: &'static str,
    /// How.
    pub matcher: Matcher,
    /// Vendor template.
    pub vendor: Option<String>,
    /// Model template.
    pub model: Option<String>,
    /// Device class.
    pub class: Option<DeviceClass>,
    /// Operating system template.
    pub os: Option<String>,
    /// Weight in (0, 1].
    pub weight: f32,
    /// Position in its [`RuleSet`] (load order).
    pub index: usize,
    /// Some template refers to a capture (`$1`): the claim depends on the value.
    pub templated: bool,
}

/// What a matching rule claims, with templates filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// Vendor (raw; canonicalise with [`RuleSet::canonical_vendor`]).
    pub vendor: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Class.
    pub class: Option<DeviceClass>,
    /// Operating system.
    pub os: Option<String>,
}

fn normalise(t: &Option<String>) -> Option<String> {
    let t = t.as_ref()?;
    let s = t.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

impl Rule {
    /// The claim of a rule without capture references (the same for every value it matches).
    fn fixed_claim(&self) -> Claim {
        Claim {
            vendor: self.vendor.clone(),
            model: self.model.clone(),
            class: self.class,
            os: self.os.clone(),
        }
    }

    /// The claim of this rule on `value`, or `None` when it does not match.
    pub fn apply(&self, value: &str) -> Option<Claim> {
        let fill = |t: &Option<String>, caps: Option<&regex::Captures<'_>>| -> Option<String> {
            let t = t.as_ref()?;
            let s = match caps {
                Some(c) if t.contains('$') => {
                    let mut out = String::new();
                    c.expand(t, &mut out);
                    out
                }
                _ => t.clone(),
            };
            let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
            (!s.is_empty()).then_some(s)
        };
        match &self.matcher {
            Matcher::Equals(v) => (value.to_lowercase() == *v).then(|| Claim {
                vendor: fill(&self.vendor, None),
                model: fill(&self.model, None),
                class: self.class,
                os: fill(&self.os, None),
            }),
            Matcher::Regex(r) => {
                let c = r.regex()?.captures(value)?;
                Some(Claim {
                    vendor: fill(&self.vendor, Some(&c)),
                    model: fill(&self.model, Some(&c)),
                    class: self.class,
                    os: fill(&self.os, Some(&c)),
                })
            }
        }
    }
}

/// A vendor alias: raw names matching `regex` are reported as `name`.
#[derive(Debug, Clone)]
pub struct VendorAlias {
    /// Canonical name.
    pub name: String,
    /// Case-insensitive pattern over raw vendor / organisation names.
    pub regex: Regex,
}

/// Rules indexed by signal: exact values in a hash map, regexes in file order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    exact: HashMap<&'static str, HashMap<String, Vec<usize>>>,
    regex: HashMap<&'static str, Vec<usize>>,
    /// Per signal, one automaton over all of its regexes (same order as `regex`): one pass
    /// over a value finds the candidate rules, whose captures are then taken.
    regex_sets: HashMap<&'static str, RegexSet>,
    vendors: Vec<VendorAlias>,
    vendor_set: Option<RegexSet>,
    sets: Vec<SetInfo>,
}

fn build_set<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Option<RegexSet> {
    RegexSetBuilder::new(patterns)
        .case_insensitive(true)
        .size_limit(1 << 24)
        .build()
        .ok()
}

/// Provenance of one loaded rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetInfo {
    /// `name`.
    pub name: String,
    /// `source`.
    pub source: String,
    /// `licence`.
    pub licence: String,
    /// Number of rules.
    pub rules: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    format: String,
    version: u32,
    name: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    vendor: Vec<toml::Spanned<RawVendor>>,
    #[serde(default)]
    rule: Vec<toml::Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendor {
    name: String,
    regex: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default)]
    id: Option<String>,
    signal: String,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    equals: Option<String>,
    #[serde(default)]
    vendor: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    class: Option<String>,
    #[serde(default)]
    os: Option<String>,
    weight: f64,
}

fn compile(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("invalid regular expression: {e}"))
}

fn max_capture_ref(t: &str) -> usize {
    let b = t.as_bytes();
    let mut max = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let mut j = i + 1;
            if j < b.len() && b[j] == b'{' {
                j += 1;
            }
            let s = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > s {
                max = max.max(t[s..j].parse().unwrap_or(usize::MAX));
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    max
}

impl RuleSet {
    /// Parses and validates one rule file and adds it to the set. `file` names it in errors.
    pub fn add_file(&mut self, text: &str, file: &Path) -> Result<(), RefdbError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| parse_error(file, text, &e))?;
        let top = 0..text.len();
        if raw.format != FORMAT {
            return Err(RefdbError::invalid(
                file,
                key_line(text, &top, "format"),
                "format",
                format!("expected \"{FORMAT}\", found \"{}\"", raw.format),
            ));
        }
        if raw.version == 0 || raw.version > VERSION {
            return Err(RefdbError::invalid(
                file,
                key_line(text, &top, "version"),
                "version",
                format!(
                    "version {} is not supported (this build reads 1..={VERSION})",
                    raw.version
                ),
            ));
        }
        if raw.name.trim().is_empty() || self.sets.iter().any(|s| s.name == raw.name) {
            return Err(RefdbError::invalid(
                file,
                key_line(text, &top, "name"),
                "name",
                format!(
                    "the rule set name must be non-empty and unique (\"{}\")",
                    raw.name
                ),
            ));
        }
        let set: Arc<str> = Arc::from(raw.name.as_str());
        for (i, v) in raw.vendor.iter().enumerate() {
            let span = v.span();
            let v = v.get_ref();
            let regex = compile(&v.regex).map_err(|m| {
                RefdbError::invalid(
                    file,
                    key_line(text, &span, "regex"),
                    format!("vendor[{i}].regex"),
                    m,
                )
            })?;
            if v.name.trim().is_empty() {
                return Err(RefdbError::invalid(
                    file,
                    key_line(text, &span, "name"),
                    format!("vendor[{i}].name"),
                    "must not be empty",
                ));
            }
            self.vendors.push(VendorAlias {
                name: v.name.trim().to_owned(),
                regex,
            });
        }
        let mut ids: HashMap<Arc<str>, usize> = HashMap::new();
        let first_new = self.rules.len();
        let lines = LineIndex::new(text);
        for (i, r) in raw.rule.iter().enumerate() {
            let span = r.span();
            let checked =
                validate_rule(text, file, &set, i, &span, r.get_ref(), &lines).and_then(|rule| {
                    match ids.insert(rule.id.clone(), rule.line) {
                        Some(prev) => Err(RefdbError::invalid(
                            file,
                            key_line(text, &span, "id"),
                            format!("rule[{i}].id"),
                            format!("`{}` is already used on line {prev}", rule.id),
                        )),
                        None => Ok(rule),
                    }
                });
            match checked {
                Ok(rule) => self.push(rule),
                Err(e) => {
                    // A deferred pattern that does not compile, of an earlier rule or of this
                    // one (whose signal is checked before it), is the first error.
                    self.check_patterns(first_new, text, file, &raw.rule)?;
                    let this = r.get_ref();
                    if signal_name(&this.signal).is_some() && this.equals.is_none() {
                        if let Some(e) = this
                            .regex
                            .as_deref()
                            .and_then(|p| pattern_error(text, file, i, &span, p))
                        {
                            return Err(e);
                        }
                    }
                    return Err(e);
                }
            }
        }
        let touched: std::collections::BTreeSet<&'static str> = self.rules[first_new..]
            .iter()
            .filter(|r| matches!(r.matcher, Matcher::Regex(_)))
            .map(|r| r.signal)
            .collect();
        for signal in touched {
            let ix = &self.regex[signal];
            let set = build_set(ix.iter().map(|&i| match &self.rules[i].matcher {
                Matcher::Regex(r) => r.as_str(),
                Matcher::Equals(_) => "",
            }));
            match set {
                Some(set) => {
                    self.regex_sets.insert(signal, set);
                }
                None => {
                    // Without the automaton every pattern is matched alone: each must compile.
                    self.check_patterns(first_new, text, file, &raw.rule)?;
                    self.regex_sets.remove(signal);
                }
            }
        }
        if !raw.vendor.is_empty() {
            self.vendor_set = build_set(self.vendors.iter().map(|a| a.regex.as_str()));
        }
        self.sets.push(SetInfo {
            name: raw.name,
            source: raw.source,
            licence: raw.licence,
            rules: self.rules.len() - first_new,
        });
        Ok(())
    }

    /// Compiles the deferred patterns of the rules from `first` on (those of the file being
    /// added), in order; the first that does not compile is the error, named as validation
    /// names it.
    fn check_patterns(
        &self,
        first: usize,
        text: &str,
        file: &Path,
        raw: &[toml::Spanned<RawRule>],
    ) -> Result<(), RefdbError> {
        for (i, rule) in self.rules[first..].iter().enumerate() {
            if let Matcher::Regex(p) = &rule.matcher
                && p.check().is_err()
                && let Some(e) = pattern_error(text, file, i, &raw[i].span(), p.as_str())
            {
                return Err(e);
            }
        }
        Ok(())
    }

    fn push(&mut self, mut rule: Rule) {
        let idx = self.rules.len();
        rule.index = idx;
        match &rule.matcher {
            Matcher::Equals(v) => self
                .exact
                .entry(rule.signal)
                .or_default()
                .entry(v.clone())
                .or_default()
                .push(idx),
            Matcher::Regex(_) => self.regex.entry(rule.signal).or_default().push(idx),
        }
        self.rules.push(rule);
    }

    /// Every rule matching `value` of `signal`, with its claim.
    pub fn matches<'a>(&'a self, signal: &str, value: &str) -> Vec<(&'a Rule, Claim)> {
        let mut out = Vec::new();
        if let Some(m) = self.exact.get(signal) {
            let hit = if value
                .bytes()
                .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
            {
                m.get(&value.to_lowercase())
            } else {
                m.get(value)
            };
            // The hash lookup is the match: the claim of an `equals` rule has no captures.
            for &i in hit.into_iter().flatten() {
                let r = &self.rules[i];
                out.push((r, r.fixed_claim()));
            }
        }
        if let Some(ix) = self.regex.get(signal) {
            let mut apply = |i: usize, known: bool| {
                let r = &self.rules[i];
                if known && !r.templated {
                    out.push((r, r.fixed_claim()));
                } else if let Some(c) = r.apply(value) {
                    out.push((r, c));
                }
            };
            match self.regex_sets.get(signal) {
                // The set already matched: only templated rules need their captures.
                Some(set) => set.matches(value).iter().for_each(|k| apply(ix[k], true)),
                None => ix.iter().for_each(|&i| apply(i, false)),
            }
        }
        out
    }

    /// The canonical name of a raw vendor or organisation name: the first alias whose pattern
    /// matches, else the name without corporate suffixes (`, Inc.`, `Co., Ltd.`, …).
    pub fn canonical_vendor(&self, raw: &str) -> String {
        let first = match &self.vendor_set {
            Some(set) => set.matches(raw).iter().next(),
            None => self.vendors.iter().position(|a| a.regex.is_match(raw)),
        };
        match first {
            Some(i) => self.vendors[i].name.clone(),
            None => strip_corporate(raw),
        }
    }

    /// The vendor alias naming `raw`, first match.
    pub fn alias(&self, raw: &str) -> Option<&str> {
        let first = match &self.vendor_set {
            Some(set) => set.matches(raw).iter().next(),
            None => self.vendors.iter().position(|a| a.regex.is_match(raw)),
        };
        first.map(|i| self.vendors[i].name.as_str())
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The loaded rule files.
    pub fn sets(&self) -> &[SetInfo] {
        &self.sets
    }
}

/// Removes trailing corporate forms and punctuation from an organisation name.
pub fn strip_corporate(raw: &str) -> String {
    const SUFFIXES: &[&str] = &[
        "incorporated",
        "corporation",
        "inc",
        "corp",
        "co",
        "ltd",
        "limited",
        "llc",
        "gmbh",
        "ag",
        "sa",
        "s.a",
        "s.p.a",
        "spa",
        "bv",
        "b.v",
        "ab",
        "oy",
        "as",
        "a/s",
        "kg",
        "plc",
        "pty",
        "pte",
        "srl",
        "s.r.l",
        "company",
    ];
    let mut s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    loop {
        let t = s.trim_end_matches([',', '.', ' ', ';']).to_owned();
        let lower = t.to_lowercase();
        let cut = SUFFIXES.iter().find_map(|suf| {
            let stem = lower.strip_suffix(suf)?;
            (stem.ends_with([' ', ',']) && stem.trim_end_matches([',', ' ']).len() > 1)
                .then_some(stem.len())
        });
        match cut {
            Some(n) => s = t[..n].to_owned(),
            None => return t,
        }
    }
}

/// The error of rule `i`'s pattern, when it does not compile.
fn pattern_error(
    text: &str,
    file: &Path,
    i: usize,
    span: &Range<usize>,
    pattern: &str,
) -> Option<RefdbError> {
    let m = compile(pattern).err()?;
    Some(RefdbError::invalid(
        file,
        key_line(text, span, "regex"),
        format!("rule[{i}].regex"),
        m,
    ))
}

fn validate_rule(
    text: &str,
    file: &Path,
    set: &Arc<str>,
    i: usize,
    span: &Range<usize>,
    r: &RawRule,
    lines: &LineIndex,
) -> Result<Rule, RefdbError> {
    let err = |key: &str, m: String| {
        RefdbError::invalid(
            file,
            key_line(text, span, key),
            format!("rule[{i}].{key}"),
            m,
        )
    };
    let signal = signal_name(&r.signal).ok_or_else(|| {
        let names: Vec<&str> = SIGNALS.iter().map(|(n, _)| *n).collect();
        err(
            "signal",
            format!("unknown signal `{}`; one of {}", r.signal, names.join(", ")),
        )
    })?;
    let templated = [&r.vendor, &r.model, &r.os]
        .iter()
        .any(|t| t.as_deref().is_some_and(|t| t.contains('$')));
    let (matcher, groups) = match (&r.regex, &r.equals) {
        // Only a rule whose templates refer to captures needs its own expression at load (for
        // its group count, and to fill them in); the others' patterns are validated by the
        // signal's automaton, or compiled alone when it cannot be built.
        (Some(p), None) if templated => {
            let re = compile(p).map_err(|m| err("regex", m))?;
            let g = re.captures_len() - 1;
            (Matcher::Regex(Pattern::compiled(re)), g)
        }
        (Some(p), None) => (Matcher::Regex(Pattern::deferred(p)), 0),
        (None, Some(v)) => {
            if v.is_empty() {
                return Err(err("equals", "must not be empty".into()));
            }
            (Matcher::Equals(v.to_lowercase()), 0)
        }
        _ => {
            return Err(err(
                "regex",
                "a rule has exactly one of `regex` and `equals`".into(),
            ));
        }
    };
    for (key, t) in [("vendor", &r.vendor), ("model", &r.model), ("os", &r.os)] {
        if let Some(t) = t {
            if t.trim().is_empty() {
                return Err(err(key, "must not be empty when present".into()));
            }
            let m = max_capture_ref(t);
            if m > groups {
                return Err(err(
                    key,
                    format!("refers to capture ${m} but the pattern has {groups} group(s)"),
                ));
            }
        }
    }
    let class = match &r.class {
        Some(c) => Some(c.parse::<DeviceClass>().map_err(|m| err("class", m))?),
        None => None,
    };
    if r.vendor.is_none() && r.model.is_none() && class.is_none() && r.os.is_none() {
        return Err(err(
            "vendor",
            "a rule claims at least one of vendor, model, class, os".into(),
        ));
    }
    if !(r.weight > 0.0 && r.weight <= 1.0) {
        return Err(err(
            "weight",
            format!("{} is out of range (0, 1]", r.weight),
        ));
    }
    let id: Arc<str> = match &r.id {
        Some(id) if !id.trim().is_empty() => format!("{set}:{}", id.trim()).into(),
        Some(_) => return Err(err("id", "must not be empty when present".into())),
        None => format!("{set}:rule[{i}]").into(),
    };
    let keep = |t: &Option<String>| {
        if templated { t.clone() } else { normalise(t) }
    };
    Ok(Rule {
        id,
        set: set.clone(),
        line: lines.line(span.start),
        signal,
        matcher,
        vendor: keep(&r.vendor),
        model: keep(&r.model),
        class,
        os: keep(&r.os),
        weight: r.weight as f32,
        index: 0,
        templated,
    })
}

#[cfg(test)]
mod tests;
