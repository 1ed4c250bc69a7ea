//! Importer for satori's DHCP fingerprint database (`fingerprints/dhcp.xml`, GPL-2.0).
//!
//! Each `<fingerprint>` names a device and/or OS; each `<test>` matches the option-55 list
//! (`dhcpoption55`), the option order (`dhcpoptions`) or option 60 (`dhcpvendorcode`),
//! `exact`ly or as a `partial` substring, with a weight 1-10. A test becomes one rule of ours
//! (weight / 10, at most 0.7 for option 60 and 0.45 for option lists, which many devices
//! share: a DHCP fingerprint alone never makes an identity certain);
//! duplicate tests of one fingerprint (the same value for Discover and Request) become one
//! rule. `ipttl` tests are skipped: a TTL of 64 or 128 says little on its own.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use super::toml_str;
use crate::refdb::classmap::ClassMap;
use crate::refdb::error::RefdbError;

/// Option-order tests with fewer codes are skipped.
pub const MIN_OPTIONS: usize = 4;
/// Option-55 tests with fewer codes are skipped.
pub const MIN_PRL: usize = 3;

fn escape_regex(s: &str) -> String {
    regex::escape(s)
}

/// Converts satori `dhcp.xml` text into a `cybriq-fingerprints` rule file; `map` gives each
/// fingerprint's class from its `device_type` and `os_class` (a pair without an entry there is
/// an error: every type is reviewed before it is imported).
pub fn import(xml: &str, file: &Path, map: &ClassMap) -> Result<String, RefdbError> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let doc = roxmltree::Document::parse(xml).map_err(|e| {
        let p = e.pos();
        RefdbError::invalid(file, p.row as usize, "(xml)", e.to_string())
    })?;
    let root = doc.root_element();
    let updated = root.attribute("last_updated").unwrap_or("");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Imported by `cybriq refdb import-satori` from satori's dhcp.xml (last_updated {updated}).\n\
         # Do not edit: re-import instead. Licence: GPL-2.0, see satori-dhcp.LICENSE beside this file.\n\
         format = \"cybriq-fingerprints\"\nversion = 1\nname = \"satori-dhcp\"\n\
         source = {}\nlicence = \"GPL-2.0\"\n",
        toml_str(&format!(
            "https://github.com/xnih/satori fingerprints/dhcp.xml (last_updated {updated})"
        ))
    );
    let line_of = |n: roxmltree::Node<'_, '_>| doc.text_pos_at(n.range().start).row as usize;
    let mut count = 0usize;
    for (fi, fp) in root
        .descendants()
        .filter(|n| n.has_tag_name("fingerprint"))
        .enumerate()
    {
        let attr = |k: &str| fp.attribute(k).unwrap_or("").trim().to_owned();
        let name = attr("name");
        if name.is_empty() {
            return Err(RefdbError::invalid(
                file,
                line_of(fp),
                "fingerprint.name",
                "a fingerprint has a name",
            ));
        }
        let device_type = attr("device_type");
        let device_vendor = attr("device_vendor");
        let os_name = attr("os_name");
        let os_class = attr("os_class");
        let class = map
            .satori_entry(&device_type, &os_class)
            .ok_or_else(|| {
                RefdbError::invalid(
                    file,
                    line_of(fp),
                    "fingerprint.device_type",
                    format!(
                        "device_type `{device_type}` with os_class `{os_class}` has no entry in the class map"
                    ),
                )
            })?
            .class;
        let os = if !os_name.is_empty() {
            Some(os_name)
        } else if device_type.is_empty() {
            Some(name.clone())
        } else {
            None
        };
        let model = (!device_type.is_empty()).then(|| name.clone());
        let vendor = (!device_vendor.is_empty()).then_some(device_vendor);
        if class.is_none() && os.is_none() && vendor.is_none() && model.is_none() {
            continue;
        }
        let mut seen = BTreeSet::new();
        for t in fp.descendants().filter(|n| n.has_tag_name("test")) {
            let (signal, value) = if let Some(v) = t.attribute("dhcpoption55") {
                ("dhcp.prl", v)
            } else if let Some(v) = t.attribute("dhcpoptions") {
                ("dhcp.options", v)
            } else if let Some(v) = t.attribute("dhcpvendorcode") {
                ("dhcp.vci", v)
            } else {
                continue;
            };
            let value = value.trim();
            // Short lists (`53`, `53,54,61`: the option order of an INFORM or RELEASE) are
            // shared by every client and say nothing about the device.
            let codes = value.split(',').count();
            if value.is_empty()
                || (signal == "dhcp.options" && codes < MIN_OPTIONS)
                || (signal == "dhcp.prl" && codes < MIN_PRL)
            {
                continue;
            }
            let partial = match t.attribute("matchtype").unwrap_or("exact") {
                "exact" => false,
                "partial" => true,
                other => {
                    return Err(RefdbError::invalid(
                        file,
                        line_of(t),
                        "test.matchtype",
                        format!("`{other}`: expected exact or partial"),
                    ));
                }
            };
            let w: f64 = t
                .attribute("weight")
                .unwrap_or("5")
                .trim()
                .parse()
                .map_err(|_| {
                    RefdbError::invalid(file, line_of(t), "test.weight", "not a number")
                })?;
            if !seen.insert((signal, partial, value.to_lowercase())) {
                continue;
            }
            // Many devices share one DHCP stack: a parameter list or option order alone is
            // weaker than the MAC's IEEE holder (0.5); a vendor class string can be stronger.
            let cap = if signal == "dhcp.vci" { 0.7 } else { 0.45 };
            let weight = (w / 10.0).clamp(0.1, cap);
            count += 1;
            let _ = writeln!(out, "[[rule]]");
            let _ = writeln!(out, "id = \"f{fi}.{}\"", seen.len() - 1);
            let _ = writeln!(out, "signal = \"{signal}\"");
            if partial {
                let _ = writeln!(out, "regex = {}", toml_str(&escape_regex(value)));
            } else {
                let _ = writeln!(out, "equals = {}", toml_str(value));
            }
            if let Some(v) = &vendor {
                let _ = writeln!(out, "vendor = {}", toml_str(v));
            }
            if let Some(m) = &model {
                let _ = writeln!(out, "model = {}", toml_str(&m.replace('$', "$$")));
            }
            if let Some(c) = class {
                let _ = writeln!(out, "class = \"{c}\"");
            }
            if let Some(o) = &os {
                let _ = writeln!(out, "os = {}", toml_str(&o.replace('$', "$$")));
            }
            let _ = writeln!(out, "weight = {weight:.2}\n");
        }
    }
    if count == 0 {
        return Err(RefdbError::invalid(
            file,
            1,
            "fingerprints",
            "no usable <fingerprint> tests found",
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
             [[satori]]\ndevice_type = \"VoIP Phone\"\nclass = \"ip-phone\"\n\
             [[satori]]\ndevice_type = \"\"\nos_class = \"Windows\"\nclass = \"workstation\"\n",
            Path::new("class-map.toml"),
        )
        .unwrap()
    }

    const X: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DHCP last_updated="2025-05-07"><fingerprints>
<fingerprint name="3Com IP Phone" os_name="" os_class="" device_type="VoIP Phone" device_vendor="3Com">
<dhcp_tests>
<test weight="5" matchtype="exact" dhcptype="Discover" dhcpoption55="1,3,6,15,35,66,58,59,120,184,26"/>
<test weight="5" matchtype="exact" dhcptype="Request" dhcpoption55="1,3,6,15,35,66,58,59,120,184,26"/>
<test weight="10" matchtype="partial" dhcptype="Any" dhcpvendorcode="3Com-Phone (x)"/>
<test weight="1" matchtype="exact" dhcptype="Discover" ipttl="64"/>
</dhcp_tests></fingerprint>
<fingerprint name="Windows 10" os_name="Windows 10" os_class="Windows" device_type="" device_vendor="">
<dhcp_tests><test weight="5" matchtype="exact" dhcptype="Request" dhcpvendorcode="MSFT 5.0"/></dhcp_tests>
</fingerprint>
</fingerprints></DHCP>"#;

    #[test]
    fn converts_tests_to_rules_that_load() {
        let text = import(X, Path::new("dhcp.xml"), &map()).unwrap();
        let mut s = RuleSet::default();
        s.add_file(&text, Path::new("satori.toml")).unwrap();
        assert_eq!(s.rules().len(), 3);
        let m = s.matches("dhcp.prl", "1,3,6,15,35,66,58,59,120,184,26");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].1.vendor.as_deref(), Some("3Com"));
        assert_eq!(m[0].1.class, Some(DeviceClass::IpPhone));
        assert!((m[0].0.weight - 0.45).abs() < 1e-6);
        let m = s.matches("dhcp.vci", "xx 3com-phone (x) 3101");
        assert_eq!(m.len(), 1);
        assert!((m[0].0.weight - 0.7).abs() < 1e-6);
        let m = s.matches("dhcp.vci", "MSFT 5.0");
        assert_eq!(m[0].1.os.as_deref(), Some("Windows 10"));
        assert_eq!(m[0].1.class, Some(DeviceClass::Workstation));
    }

    #[test]
    fn a_type_without_a_class_map_entry_is_an_error() {
        let x = X.replace("device_type=\"VoIP Phone\"", "device_type=\"Hoverboard\"");
        let e = import(&x, Path::new("dhcp.xml"), &map())
            .unwrap_err()
            .to_string();
        assert!(e.contains("Hoverboard") && e.contains("class map"), "{e}");
    }

    #[test]
    fn bad_xml_names_the_line() {
        let e = import("<a>\n<b></a>", Path::new("d.xml"), &map())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("d.xml:2: (xml):"), "{e}");
    }
}
