use std::path::Path;

use super::*;
use crate::refdb::oui::Assignment;

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

fn db() -> (OuiRegistry, RuleSet, NdaaList) {
    let oui = OuiRegistry::from_assignments([
        crate::refdb::oui::parse_prefix("00000C", "Cisco Systems, Inc").unwrap(),
        crate::refdb::oui::parse_prefix("00E0FC", "HUAWEI TECHNOLOGIES CO.,LTD").unwrap(),
        crate::refdb::oui::parse_prefix("9C8ECD", "Amcrest Technologies").unwrap(),
        Assignment {
            prefix: 0x0050_c200_0000,
            bits: 24,
            org: "IEEE Registration Authority".into(),
        },
    ]);
    let mut rules = RuleSet::default();
    rules.add_file(RULES, Path::new("t.toml")).unwrap();
    let ndaa = NdaaList::parse(NDAA, Path::new("n.toml")).unwrap();
    (oui, rules, ndaa)
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
    let (o, r, n) = db();
    resolve(p, &o, &r, &n)
}

#[test]
fn agreeing_signals_raise_confidence() {
    let oui_only = run(&profile("00:00:0c:01:02:03", &[]));
    assert_eq!(oui_only.vendor.as_deref(), Some("Cisco"));
    assert_eq!(oui_only.class, DeviceClass::Unknown);
    assert!((oui_only.confidence - 0.5).abs() < 1e-9);

    let plat = run(&profile(
        "00:00:0c:01:02:03",
        &[("cdp.platform", "cisco WS-C2960-24TT-L")],
    ));
    assert_eq!(plat.model.as_deref(), Some("WS-C2960-24TT-L"));
    assert_eq!(plat.class, DeviceClass::Switch);
    assert!(plat.confidence > oui_only.confidence);

    let all = run(&profile(
        "00:00:0c:01:02:03",
        &[
            ("cdp.platform", "cisco WS-C2960-24TT-L"),
            ("cdp.caps", "switch,igmp"),
        ],
    ));
    assert!(all.confidence > plat.confidence, "{all:?}");
    assert!(all.evidence.iter().all(|e| e.effect == Effect::Agrees));
    assert_eq!(all.evidence.len(), 3);
    assert_eq!(all.evidence[0].rule, "t:plat");
}

#[test]
fn contradicting_signals_lower_confidence_and_are_listed() {
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
    assert!(contra.confidence < agree.confidence, "{contra:?}");
    let c: Vec<_> = contra
        .evidence
        .iter()
        .filter(|e| e.effect == Effect::Contradicts)
        .collect();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].class, Some(DeviceClass::IpPhone));
}

#[test]
fn rules_that_disagree_on_one_value_share_its_weight() {
    let id = run(&profile("00:00:0c:01:02:03", &[("dhcp.vci", "x")]));
    let w: Vec<f32> = id
        .evidence
        .iter()
        .filter(|e| e.signal == "dhcp.vci")
        .map(|e| e.weight)
        .collect();
    assert_eq!(w, [0.2, 0.2]);
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
    assert_eq!(id.evidence[0].rule, "builtin:locally-administered");
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
