//! The reviewed class map (`reference-db/class-map.toml`): every device type that occurs in the
//! imported databases has an entry of its own, the shipped rule files are exactly what the
//! importers make of the sources with that map, and the mistakes it was written to end stay
//! ended (an iPad is `mobile`, never `av-system`; a TiVo is not a camera).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cybriq::refdb::import::{fingerbank, satori};
use cybriq::refdb::profile::Profile;
use cybriq::refdb::{ClassMap, DeviceClass, RefDb};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn map() -> ClassMap {
    let p = root().join("reference-db/class-map.toml");
    ClassMap::parse(&std::fs::read_to_string(&p).unwrap(), &p).unwrap()
}

fn satori_xml() -> String {
    std::fs::read_to_string(root().join("tests/data/fingerprints/satori/dhcp.xml")).unwrap()
}

fn fingerbank_conf() -> String {
    let p = root().join("tests/data/fingerprints/fingerbank/dhcp_fingerprints.conf");
    String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned()
}

/// `(device_type, os_class, name)` of every satori fingerprint.
fn satori_types() -> Vec<(String, String, String)> {
    let xml = satori_xml();
    let doc = roxmltree::Document::parse(xml.trim_start_matches('\u{feff}')).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("fingerprint"))
        .map(|n| {
            let a = |k| n.attribute(k).unwrap_or("").trim().to_owned();
            (a("device_type"), a("os_class"), a("name"))
        })
        .collect()
}

#[test]
fn every_satori_type_has_a_reviewed_entry() {
    let m = map();
    let mut pairs = BTreeSet::new();
    for (t, o, name) in satori_types() {
        let e = m.satori_entry(&t, &o).unwrap_or_else(|| {
            panic!("satori {name}: device_type {t:?} os_class {o:?} has no entry")
        });
        assert_eq!(e.device_type, t.to_lowercase(), "{name}");
        pairs.insert((t.to_lowercase(), o.to_lowercase(), e.class));
    }
    println!("satori: {} (device_type, os_class) pairs:", pairs.len());
    for (t, o, c) in &pairs {
        println!("  {t:?} / {o:?} -> {}", c.map_or("none", |c| c.as_str()));
    }
    assert!(pairs.len() >= 60, "{}", pairs.len());
}

#[test]
fn every_fingerbank_type_has_a_reviewed_entry() {
    // The importer fails on an [os N] without an entry: a full import is the check.
    let text = fingerbank::import(&fingerbank_conf(), Path::new("fb.conf"), &map())
        .expect("every Fingerbank type has an entry");
    assert!(text.matches("[[rule]]").count() > 500);
}

#[test]
fn shipped_rule_files_equal_a_fresh_import_with_the_shipped_map() {
    let m = map();
    let s = satori::import(&satori_xml(), Path::new("dhcp.xml"), &m).unwrap();
    let shipped =
        std::fs::read_to_string(root().join("reference-db/rules/50-satori-dhcp.toml")).unwrap();
    assert!(
        s == shipped,
        "50-satori-dhcp.toml is stale: run `cybriq refdb import-satori`"
    );
    let f = fingerbank::import(&fingerbank_conf(), Path::new("fb.conf"), &m).unwrap();
    let shipped =
        std::fs::read_to_string(root().join("reference-db/rules/60-fingerbank-dhcp.toml")).unwrap();
    assert!(
        f == shipped,
        "60-fingerbank-dhcp.toml is stale: run `cybriq refdb import-fingerbank`"
    );
}

#[test]
fn apple_handhelds_are_mobile_and_recorders_are_not_cameras() {
    let m = map();
    for (t, o, name) in satori_types() {
        let class = m.satori_entry(&t, &o).and_then(|e| e.class);
        let n = name.to_lowercase();
        if n.contains("ipad") || n.contains("iphone") || n.contains("ipod") {
            assert_eq!(class, Some(DeviceClass::Mobile), "{name}");
        }
        if ["tivo", "replaytv", "slingbox"]
            .iter()
            .any(|k| n.contains(k))
        {
            assert_ne!(class, Some(DeviceClass::Camera), "{name}");
        }
    }
    let c = |g, d| m.fingerbank_entry(g, d).and_then(|e| e.class);
    assert_eq!(
        c("Smartphones/PDAs/Tablets", "Apple iPod, iPhone or iPad"),
        Some(DeviceClass::Mobile)
    );
    assert_eq!(
        c("Home Audio/Video Equipment", "Arecont Vision"),
        Some(DeviceClass::Camera)
    );
    assert_eq!(
        c("Home Audio/Video Equipment", "TiVo"),
        Some(DeviceClass::AvSystem)
    );
    assert_eq!(
        c("Routers and APs", "Aruba Access Point"),
        Some(DeviceClass::WirelessAp)
    );
}

/// Real DHCP parameter lists of iOS devices (satori's own iPad/iPhone tests): resolved on an
/// Apple MAC they give `mobile`.
#[test]
fn an_iphone_and_an_ipad_resolve_to_mobile() {
    let db = RefDb::builtin().unwrap();
    let xml = satori_xml();
    let doc = roxmltree::Document::parse(xml.trim_start_matches('\u{feff}')).unwrap();
    let mut n = 0;
    for fp in doc.descendants().filter(|x| {
        x.has_tag_name("fingerprint")
            && x.attribute("name")
                .is_some_and(|v| v.contains("iPad") || v.contains("iPhone"))
    }) {
        for t in fp.descendants().filter(|t| t.has_tag_name("test")) {
            let Some(prl) = t.attribute("dhcpoption55") else {
                continue;
            };
            // 00:03:93 is an Apple, Inc. MA-L block.
            let mut p = Profile::new(Some("00:03:93:12:34:56".parse().unwrap()));
            p.add("proto", "dhcp");
            p.add("dhcp.prl", prl);
            let id = db.resolve(&p);
            assert_eq!(id.vendor.as_deref(), Some("Apple"), "{prl}: {id:?}");
            assert_eq!(id.class, DeviceClass::Mobile, "{prl}: {id:?}");
            n += 1;
        }
    }
    assert!(n >= 3, "{n}");
}
