use super::*;

const HEAD: &str = "format = \"cybriq-fingerprints\"\nversion = 1\nname = \"t\"\n";

fn load(body: &str) -> Result<RuleSet, String> {
    let mut s = RuleSet::default();
    s.add_file(&format!("{HEAD}{body}"), Path::new("r.toml"))
        .map_err(|e| e.to_string())?;
    Ok(s)
}

#[test]
fn regex_rules_fill_templates_from_captures() {
    let s = load(
        "[[rule]]\nid = \"cat\"\nsignal = \"cdp.platform\"\nregex = '^cisco\\s+(WS-C\\S+)'\n\
         vendor = \"Cisco\"\nmodel = \"Catalyst $1\"\nclass = \"switch\"\nweight = 0.9\n",
    )
    .unwrap();
    let m = s.matches("cdp.platform", "cisco WS-C3560G-24PS");
    assert_eq!(m.len(), 1);
    assert_eq!(&*m[0].0.id, "t:cat");
    assert_eq!(m[0].0.line, 4);
    assert_eq!(m[0].1.model.as_deref(), Some("Catalyst WS-C3560G-24PS"));
    assert_eq!(m[0].1.class, Some(DeviceClass::Switch));
    assert!(s.matches("cdp.platform", "Cisco IP Phone 7970").is_empty());
    assert!(s.matches("lldp.sysdescr", "cisco WS-C3560").is_empty());
}

#[test]
fn equals_rules_are_case_insensitive_and_indexed() {
    let s = load(
        "[[rule]]\nsignal = \"dhcp.vci\"\nequals = \"MSFT 5.0\"\nos = \"Windows\"\nclass = \"workstation\"\nweight = 0.6\n",
    )
    .unwrap();
    assert_eq!(s.matches("dhcp.vci", "msft 5.0").len(), 1);
    assert!(s.matches("dhcp.vci", "MSFT 5.0 x").is_empty());
    assert_eq!(&*s.rules()[0].id, "t:rule[0]");
}

#[test]
fn errors_name_file_line_and_key() {
    let cases = [
        (
            "[[rule]]\nsignal = \"cdp.plat\"\nequals = \"x\"\nclass = \"switch\"\nweight = 0.5\n",
            "r.toml:5: rule[0].signal: unknown signal",
        ),
        (
            "[[rule]]\nsignal = \"cdp.platform\"\nequals = \"x\"\nclass = \"phone\"\nweight = 0.5\n",
            "r.toml:7: rule[0].class: unknown class `phone`",
        ),
        (
            "[[rule]]\nsignal = \"cdp.platform\"\nequals = \"x\"\nclass = \"switch\"\nweight = 1.5\n",
            "r.toml:8: rule[0].weight: 1.5 is out of range",
        ),
        (
            "[[rule]]\nsignal = \"cdp.platform\"\nregex = '('\nclass = \"switch\"\nweight = 0.5\n",
            "r.toml:6: rule[0].regex: invalid regular expression",
        ),
        (
            "[[rule]]\nsignal = \"cdp.platform\"\nregex = 'a'\nmodel = \"$1\"\nweight = 0.5\n",
            "r.toml:7: rule[0].model: refers to capture $1",
        ),
        (
            "[[rule]]\nsignal = \"cdp.platform\"\nregex = 'a'\nequals = \"a\"\nclass = \"switch\"\nweight = 0.5\n",
            "rule[0].regex: a rule has exactly one",
        ),
        (
            "[[rule]]\nsignal = \"cdp.platform\"\nregex = 'a'\nweight = 0.5\n",
            "r.toml:4: rule[0].vendor: a rule claims at least one",
        ),
        (
            "[[rule]]\nsignal = \"cdp.platform\"\nregex = 'a'\nclass = \"switch\"\nweight = 0.5\ncolour = 1\n",
            "r.toml:9: colour: unknown field",
        ),
        (
            "[[rule]]\nid = \"a\"\nsignal = \"cdp.platform\"\nregex = 'a'\nclass = \"switch\"\nweight = 0.5\n\
             [[rule]]\nid = \"a\"\nsignal = \"cdp.platform\"\nregex = 'b'\nclass = \"switch\"\nweight = 0.5\n",
            "r.toml:11: rule[1].id: `t:a` is already used on line 4",
        ),
        (
            "[[vendor]]\nname = \"Cisco\"\nregex = '['\n",
            "r.toml:6: vendor[0].regex:",
        ),
    ];
    for (body, want) in cases {
        let e = load(body).unwrap_err();
        assert!(e.contains(want), "{e}\nwanted: {want}");
    }
    let mut s = RuleSet::default();
    let e = s
        .add_file(
            "format = \"other\"\nversion = 1\nname = \"t\"\n",
            Path::new("r.toml"),
        )
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("r.toml:1: format:"), "{e}");
    let e = s
        .add_file(
            "format = \"cybriq-fingerprints\"\nversion = 9\nname = \"t\"\n",
            Path::new("r.toml"),
        )
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("r.toml:2: version:"), "{e}");
}

#[test]
fn vendor_aliases_and_corporate_suffixes() {
    let s = load("[[vendor]]\nname = \"HPE\"\nregex = '^(hewlett[ -]packard|hp\\b|procurve)'\n")
        .unwrap();
    assert_eq!(s.canonical_vendor("Hewlett Packard"), "HPE");
    assert_eq!(s.canonical_vendor("ProCurve Networking by HP"), "HPE");
    assert_eq!(s.canonical_vendor("Cisco Systems, Inc"), "Cisco Systems");
    assert_eq!(
        s.canonical_vendor("Hangzhou Hikvision Digital Technology Co.,Ltd."),
        "Hangzhou Hikvision Digital Technology"
    );
    assert_eq!(s.canonical_vendor("Dell Inc."), "Dell");
    assert_eq!(s.canonical_vendor("Synology Incorporated"), "Synology");
    assert_eq!(s.canonical_vendor("AG"), "AG");
}
