use std::path::Path;

use super::*;
use crate::refdb::oui::{Assignment, OuiRegistry};
use crate::refdb::{ClassMap, NdaaList, RuleSet};

const RULES: &str = r#"format = "cybriq-fingerprints"
version = 1
name = "t"
[[vendor]]
name = "Cisco"
regex = '^cisco'
[[rule]]
id = "oui"
signal = "oui.org"
regex = '^(.+)$'
vendor = "$1"
weight = 0.5
[[rule]]
id = "plat"
signal = "cdp.platform"
regex = '^cisco (WS-C\S+)'
vendor = "Cisco"
model = "$1"
class = "switch"
weight = 0.9
[[rule]]
id = "caps"
signal = "cdp.caps"
regex = 'switch'
class = "switch"
weight = 0.5
[[rule]]
id = "phone"
signal = "lldp.caps"
equals = "telephone"
class = "ip-phone"
weight = 0.7
[[rule]]
id = "hik"
signal = "dhcp.vci"
equals = "hikvision"
vendor = "Huawei"
weight = 0.4
[[rule]]
id = "win"
signal = "dhcp.prl"
equals = "1,15,3,6,44,46,47,31,33,121,249,43"
class = "workstation"
os = "Windows 10"
weight = 0.45
[[rule]]
id = "a"
signal = "dhcp.vci"
equals = "x"
class = "printer"
weight = 0.4
[[rule]]
id = "b"
signal = "dhcp.vci"
equals = "x"
class = "camera"
weight = 0.4
"#;

const NDAA: &str = r#"format = "cybriq-ndaa889"
version = 1
[[entity]]
name = "Huawei Technologies Company"
group = "Huawei"
relation = "covered"
status = "prohibited"
patterns = ['\bhuawei\b']
ouis = ["00E0FC"]
source = "s. 889"
[[entity]]
name = "Amcrest"
group = "Dahua"
relation = "oem-brand"
status = "unknown"
patterns = ['amcrest']
source = "IPVM"
"#;

const CLASSES: &str = r#"format = "cybriq-class-map"
version = 1
[[os_family]]
name = "Windows"
pattern = '\bwindows\b'
not_vendors = '^apple$'
"#;

fn db() -> RefDb {
    let oui = OuiRegistry::from_assignments([
        crate::refdb::oui::parse_prefix("00000C", "Cisco Systems, Inc").unwrap(),
        crate::refdb::oui::parse_prefix("00E0FC", "HUAWEI TECHNOLOGIES CO.,LTD").unwrap(),
        crate::refdb::oui::parse_prefix("9C8ECD", "Amcrest Technologies").unwrap(),
        crate::refdb::oui::parse_prefix("000393", "Apple, Inc.").unwrap(),
        Assignment {
            prefix: 0x0050_c200_0000,
            bits: 24,
            org: "IEEE Registration Authority".into(),
        },
    ]);
    let mut rules = RuleSet::default();
    rules.add_file(RULES, Path::new("t.toml")).unwrap();
    let ndaa = NdaaList::parse(NDAA, Path::new("n.toml")).unwrap();
    RefDb::from_parts(
        oui,
        rules,
        ndaa,
        ClassMap::parse(CLASSES, Path::new("c.toml")).unwrap(),
        "test",
        String::new(),
    )
}

fn profile(mac: &str, signals: &[(&'static str, &str)]) -> Profile {
    let mut p = Profile::new(Some(mac.parse().unwrap()));
    for (k, v) in signals {
        p.add(k, v);
    }
    p.observations = 1;
    p
}

fn run(p: &Profile) -> Identity {
    resolve(p, &db())
}

#[test]
fn agreeing_signals_raise_certainty_and_two_sources_corroborate_the_vendor() {
    let oui_only = run(&profile("00:00:0c:01:02:03", &[]));
    assert_eq!(oui_only.vendor.as_deref(), Some("Cisco"));
    assert_eq!(oui_only.class, DeviceClass::Unknown);
    assert!((oui_only.confidence - 0.5).abs() < 1e-9);
    assert_eq!(oui_only.certainty.class, 0.0);

    let plat = run(&profile(
        "00:00:0c:01:02:03",
        &[("cdp.platform", "cisco WS-C2960-24TT-L")],
    ));
    assert_eq!(plat.model.as_deref(), Some("WS-C2960-24TT-L"));
    assert_eq!(plat.class, DeviceClass::Switch);
    // OUI (the MAC) and CDP (an announcement) name Cisco: corroborated.
    assert!((plat.confidence - 0.95).abs() < 1e-9, "{plat:?}");
    assert_eq!(plat.confidence, plat.certainty.vendor);
    assert!(plat.certainty.model <= plat.certainty.vendor);

    let all = run(&profile(
        "00:00:0c:01:02:03",
        &[
            ("cdp.platform", "cisco WS-C2960-24TT-L"),
            ("cdp.caps", "switch,igmp"),
        ],
    ));
    assert!(all.certainty.class > plat.certainty.class, "{all:?}");
    assert_eq!(all.certainty.vendor, plat.certainty.vendor);
    assert!(all.evidence.iter().all(|e| e.effect == Effect::Agrees));
    assert_eq!(all.evidence.len(), 3);
    assert_eq!(&*all.evidence[0].rule, "t:plat");
}

#[test]
fn a_contradiction_lowers_only_the_attribute_it_contradicts() {
    let agree = run(&profile(
        "00:00:0c:01:02:03",
        &[("cdp.platform", "cisco WS-C2960-24TT-L")],
    ));
    let contra = run(&profile(
        "00:00:0c:01:02:03",
        &[
            ("cdp.platform", "cisco WS-C2960-24TT-L"),
            ("lldp.caps", "telephone"),
        ],
    ));
    assert_eq!(contra.class, DeviceClass::Switch);
    assert!(contra.certainty.class < agree.certainty.class, "{contra:?}");
    assert_eq!(contra.certainty.vendor, agree.certainty.vendor);
    assert_eq!(contra.confidence, agree.confidence);
    let c: Vec<_> = contra
        .evidence
        .iter()
        .filter(|e| e.effect == Effect::Contradicts)
        .collect();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].class, Some(DeviceClass::IpPhone));
    assert_eq!(c[0].contradicts, ["class"]);
}

#[test]
fn rules_that_disagree_on_one_value_share_its_weight() {
    let id = run(&profile("00:00:0c:01:02:03", &[("dhcp.vci", "x")]));
    // Printer and camera share 0.4: 0.2 each; the winner is contradicted by the other 0.2.
    assert!((id.certainty.class - 0.18).abs() < 1e-9, "{id:?}");
    // The vendor (the OUI alone) is untouched by the class dispute.
    assert!((id.certainty.vendor - 0.5).abs() < 1e-9);
}

#[test]
fn an_os_that_does_not_run_on_the_vendor_is_a_contradiction() {
    let prl = "1,15,3,6,44,46,47,31,33,121,249,43";
    let dell = run(&profile("00:00:0c:01:02:03", &[("dhcp.prl", prl)]));
    assert_eq!(dell.os.as_deref(), Some("Windows 10"));
    let mac = run(&profile("00:03:93:01:02:03", &[("dhcp.prl", prl)]));
    assert_eq!(mac.vendor.as_deref(), Some("Apple"));
    // 0.45 × (1 − 0.5): below what is reported, even on the OUI's word alone.
    assert_eq!(mac.os, None, "{mac:?}");
    let e = mac.evidence.iter().find(|e| &*e.rule == "t:win").unwrap();
    assert_eq!(e.effect, Effect::Contradicts);
    assert!(e.contradicts.contains("os"));
    assert!(
        e.note
            .as_deref()
            .unwrap()
            .contains("Windows does not run on Apple")
    );
    assert_eq!(mac.certainty.os, 0.0);
    // The class claim of the same rule is not touched.
    assert_eq!(mac.class, DeviceClass::Workstation);
}

#[test]
fn locally_administered_macs_have_no_oui_vendor() {
    let id = run(&profile("02:00:0c:01:02:03", &[]));
    assert!(id.locally_administered);
    assert_eq!(id.local_quadrant, Some("AAI"));
    assert!(id.oui.is_none());
    assert_eq!(id.vendor, None);
    assert_eq!(id.confidence, 0.0);
    assert_eq!(id.ndaa_status, NdaaStatus::Unknown);
    assert_eq!(&*id.evidence[0].rule, "builtin:locally-administered");
}

#[test]
fn ieee_ra_blocks_name_no_vendor() {
    let id = run(&profile("00:50:c2:01:02:03", &[]));
    assert_eq!(id.oui.unwrap().org, "IEEE Registration Authority");
    assert_eq!(id.vendor, None);
}

#[test]
fn ndaa_status_by_oui_name_and_oem_brand() {
    let h = run(&profile("00:e0:fc:01:02:03", &[]));
    assert_eq!(h.ndaa_status, NdaaStatus::Prohibited);
    assert_eq!(
        h.ndaa_entity.as_deref(),
        Some("Huawei Technologies Company")
    );
    assert_eq!(h.ndaa_source.as_deref(), Some("s. 889"));
    assert_eq!(h.ndaa_group.as_deref(), Some("Huawei"));

    // A Huawei manufacturer string on a MAC that is not Huawei's.
    let m = run(&profile(
        "00:00:0c:01:02:03",
        &[("lldp.med.manufacturer", "Huawei")],
    ));
    assert_eq!(m.ndaa_status, NdaaStatus::Prohibited);

    let a = run(&profile("9c:8e:cd:01:02:03", &[]));
    assert_eq!(a.ndaa_status, NdaaStatus::Unknown);
    assert_eq!(a.ndaa_entity.as_deref(), Some("Amcrest"));

    let c = run(&profile("00:00:0c:01:02:03", &[]));
    assert_eq!(c.ndaa_status, NdaaStatus::Clean);
    assert_eq!(c.ndaa_entity, None);
}

#[test]
fn json_has_the_contract_keys() {
    let id = run(&profile(
        "00:00:0c:01:02:03",
        &[("cdp.platform", "cisco WS-C2960-24TT-L")],
    ));
    let v = serde_json::to_value(&id).unwrap();
    for k in [
        "mac",
        "vendor",
        "model",
        "class",
        "confidence",
        "ndaa_status",
        "evidence",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert_eq!(v["class"], "switch");
    assert_eq!(v["ndaa_status"], "clean");
    assert_eq!(v["mac"], "00:00:0c:01:02:03");
    assert_eq!(v["evidence"][0]["effect"], "agrees");
}

#[test]
fn a_losing_covered_vendor_makes_the_status_unknown_not_clean() {
    let id = run(&profile(
        "00:00:0c:01:02:03",
        &[
            ("cdp.platform", "cisco WS-C2960-24TT-L"),
            ("dhcp.vci", "hikvision"),
        ],
    ));
    assert_eq!(id.vendor.as_deref(), Some("Cisco"));
    assert_eq!(id.ndaa_status, NdaaStatus::Unknown);
    assert_eq!(
        id.ndaa_entity.as_deref(),
        Some("Huawei Technologies Company")
    );
}
