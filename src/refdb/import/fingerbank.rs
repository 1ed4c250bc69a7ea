//! Importer for Fingerbank's `dhcp_fingerprints.conf` (PacketFence, ODbL 1.0 / DbCL 1.0).
//!
//! INI-like: `[class N]` sections give class names and member ranges of OS ids; `[os N]`
//! sections give a `description`, optional `vendor_id` (option 60 strings) and `fingerprints`
//! (option-55 lists), multi-line values in `<<EOT … EOT` blocks. Each list or string becomes one
//! rule (option 55 weight 0.4, option 60 weight 0.5).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::toml_str;
use crate::refdb::classmap::ClassMap;
use crate::refdb::error::RefdbError;

#[derive(Debug, Default)]
struct Section {
    kind: String,
    id: u32,
    line: usize,
    keys: BTreeMap<String, Vec<String>>,
}

fn parse_sections(text: &str, file: &Path) -> Result<Vec<Section>, RefdbError> {
    let mut out: Vec<Section> = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, raw)) = lines.next() {
        let n = i + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if let Some(h) = l.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            let (kind, id) = h.split_once(' ').ok_or_else(|| {
                RefdbError::invalid(file, n, "section", format!("`[{h}]`: expected `[kind N]`"))
            })?;
            let id = id.trim().parse().map_err(|_| {
                RefdbError::invalid(file, n, "section", format!("`[{h}]`: N is not a number"))
            })?;
            out.push(Section {
                kind: kind.to_owned(),
                id,
                line: n,
                keys: BTreeMap::new(),
            });
            continue;
        }
        let (k, v) = l.split_once('=').ok_or_else(|| {
            RefdbError::invalid(file, n, "(line)", format!("`{l}`: expected `key=value`"))
        })?;
        let sec = out
            .last_mut()
            .ok_or_else(|| RefdbError::invalid(file, n, k.trim(), "key outside of any section"))?;
        let v = v.trim();
        let values = if v == "<<EOT" {
            let mut vals = Vec::new();
            loop {
                let Some((_, b)) = lines.next() else {
                    return Err(RefdbError::invalid(
                        file,
                        n,
                        k.trim(),
                        "`<<EOT` block is not closed by `EOT`",
                    ));
                };
                let b = b.trim();
                if b == "EOT" {
                    break;
                }
                if !b.is_empty() && !b.starts_with('#') {
                    vals.push(b.to_owned());
                }
            }
            vals
        } else {
            vec![v.to_owned()]
        };
        sec.keys
            .entry(k.trim().to_owned())
            .or_default()
            .extend(values);
    }
    Ok(out)
}

fn members(spec: &str) -> Vec<(u32, u32)> {
    spec.split(',')
        .filter_map(|r| {
            let r = r.trim();
            match r.split_once('-') {
                Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
                None => r.parse().ok().map(|x| (x, x)),
            }
        })
        .collect()
}

/// Converts `dhcp_fingerprints.conf` text into a `cybriq-fingerprints` rule file; `map` gives
/// each `[os N]`'s class from its `[class N]` group and description (one without an entry
/// there is an error: every type is reviewed before it is imported).
pub fn import(text: &str, file: &Path, map: &ClassMap) -> Result<String, RefdbError> {
    let sections = parse_sections(text, file)?;
    let version = text
        .lines()
        .next()
        .and_then(|l| l.split("Version").nth(1))
        .and_then(|s| s.split_whitespace().next())
        .map(str::to_owned)
        .unwrap_or_default();
    // Later (more specific) ranges win: class 16 "Dead OSes" lists 102-106 after class 1.
    let mut classes: Vec<((u32, u32), String)> = Vec::new();
    for s in sections.iter().filter(|s| s.kind == "class") {
        let desc = s
            .keys
            .get("description")
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default();
        let m = s
            .keys
            .get("members")
            .and_then(|v| v.first())
            .ok_or_else(|| {
                RefdbError::invalid(file, s.line, format!("class {}.members", s.id), "missing")
            })?;
        for r in members(m) {
            classes.push((r, desc.clone()));
        }
    }
    let class_of = |id: u32| {
        classes
            .iter()
            .filter(|((a, b), _)| (*a..=*b).contains(&id))
            .min_by_key(|((a, b), _)| b - a)
            .map(|(_, d)| d.as_str())
            .unwrap_or("")
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Imported by `cybriq refdb import-fingerbank` from Fingerbank dhcp_fingerprints.conf {version}.\n\
         # Do not edit: re-import instead. Licence: ODbL 1.0 (database) and DbCL 1.0 (contents),\n\
         # see fingerbank-dhcp.LICENSE.odbl-10.txt and fingerbank-dhcp.LICENSE.dbcl-10.txt beside this file.\n\
         format = \"cybriq-fingerprints\"\nversion = 1\nname = \"fingerbank-dhcp\"\n\
         source = {}\nlicence = \"ODbL-1.0 AND DbCL-1.0\"\n",
        toml_str(&format!(
            "Fingerbank dhcp_fingerprints.conf {version} (Inverse inc.), via github.com/karottc/fingerbank"
        ))
    );
    let mut count = 0;
    for s in sections.iter().filter(|s| s.kind == "os") {
        let Some(desc) = s.keys.get("description").and_then(|v| v.first()) else {
            return Err(RefdbError::invalid(
                file,
                s.line,
                format!("os {}.description", s.id),
                "missing",
            ));
        };
        let group = class_of(s.id);
        let entry = map.fingerbank_entry(group, desc).ok_or_else(|| {
            RefdbError::invalid(
                file,
                s.line,
                format!("os {}.description", s.id),
                format!("`{desc}` of class `{group}` has no entry in the class map"),
            )
        })?;
        let (class, os_like) = (entry.class, entry.os);
        let claim = |out: &mut String| {
            if let Some(c) = class {
                let _ = writeln!(out, "class = \"{c}\"");
            }
            if os_like {
                let _ = writeln!(out, "os = {}", toml_str(&desc.replace('$', "$$")));
            } else {
                let _ = writeln!(out, "model = {}", toml_str(&desc.replace('$', "$$")));
            }
        };
        let mut k = 0;
        for (key, signal, weight) in [
            ("fingerprints", "dhcp.prl", 0.4),
            ("vendor_id", "dhcp.vci", 0.5),
        ] {
            let mut seen = std::collections::BTreeSet::new();
            for v in s.keys.get(key).into_iter().flatten() {
                if !seen.insert(v.to_lowercase()) {
                    continue;
                }
                count += 1;
                let _ = writeln!(
                    out,
                    "[[rule]]\nid = \"os{}.{k}\"\nsignal = \"{signal}\"",
                    s.id
                );
                let _ = writeln!(out, "equals = {}", toml_str(v));
                claim(&mut out);
                let _ = writeln!(out, "weight = {weight}\n");
                k += 1;
            }
        }
    }
    if count == 0 {
        return Err(RefdbError::invalid(
            file,
            1,
            "fingerprints",
            "no [os N] fingerprints found",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refdb::class::DeviceClass;
    use crate::refdb::rules::RuleSet;

    fn map() -> ClassMap {
        ClassMap::parse(
            "format = \"cybriq-class-map\"\nversion = 1\n\
             [[fingerbank]]\ngroup = \"Windows\"\nclass = \"workstation\"\nos = true\n\
             [[fingerbank]]\ngroup = \"Routers and APs\"\ndescription = 'access point'\nclass = \"wireless-ap\"\n",
            Path::new("class-map.toml"),
        )
        .unwrap()
    }

    const C: &str = "# dhcp_fingerprints.conf  Version 6.8.2  Date 20140609\n\
[class 1]\ndescription=Windows\nmembers=100-199\n\n[class 4]\ndescription=Routers and APs\nmembers=400-499\n\n\
[os 100]\ndescription=Microsoft Windows XP\nvendor_id=<<EOT\nMSFT 5.0\nEOT\nfingerprints=<<EOT\n1,15,3,6,44,46,47,31,33,249,43\n1,15,3,6,44,46,47,31,33,249,43\nEOT\n\n\
[os 423]\ndescription=Aruba Access Point\nfingerprints=<<EOT\n1,3,6,12,15,17,43,60\nEOT\n";

    #[test]
    fn converts_sections_to_rules_that_load() {
        let text = import(C, Path::new("fb.conf"), &map()).unwrap();
        let mut s = RuleSet::default();
        s.add_file(&text, Path::new("fb.toml")).unwrap();
        assert_eq!(s.rules().len(), 3);
        let m = s.matches("dhcp.vci", "MSFT 5.0");
        assert_eq!(m[0].1.class, Some(DeviceClass::Workstation));
        assert_eq!(m[0].1.os.as_deref(), Some("Microsoft Windows XP"));
        let m = s.matches("dhcp.prl", "1,3,6,12,15,17,43,60");
        assert_eq!(m[0].1.class, Some(DeviceClass::WirelessAp));
        assert_eq!(m[0].1.model.as_deref(), Some("Aruba Access Point"));
        assert!(text.contains("6.8.2"));
    }

    #[test]
    fn errors_name_the_line() {
        let e = import(
            "[os 1]\ndescription=x\nfingerprints=<<EOT\n1,2\n",
            Path::new("fb.conf"),
            &map(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("fb.conf:3: fingerprints:"), "{e}");
        let e = import("[os x]\n", Path::new("fb.conf"), &map())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("fb.conf:1: section:"), "{e}");
    }
}
