//! The shipped reference database: every file loads, the third-party rule files sit beside
//! their licences, and the NDAA list's OUIs agree with the shipped IEEE registry.

use std::path::{Path, PathBuf};

use cybriq::refdb::{NdaaStatus, RefDb};
use cybriq::wire::MacAddr;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reference-db")
}

#[test]
fn directory_and_builtin_copies_load() {
    let d = RefDb::load(&dir()).expect("reference-db loads");
    assert!(d.oui.len() > 40_000);
    let names: Vec<&str> = d.rules.sets().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "cybriq",
            "cybriq-discovery",
            "satori-dhcp",
            "fingerbank-dhcp"
        ]
    );
    let b = RefDb::builtin().expect("builtin loads");
    assert_eq!(b.oui.len(), d.oui.len());
    assert_eq!(b.rules.sets().len(), 4);
    assert_eq!(b.rules.rules().len(), d.rules.rules().len());
    assert_eq!(b.ndaa.entities().len(), d.ndaa.entities().len());
    assert_eq!(b.origin, "builtin");
    assert!(
        b.digest.starts_with("blake3:") && b.digest.len() == 39,
        "{}",
        b.digest
    );
    // Loading again gives an independent value (the daemon swaps it in).
    let again = RefDb::load(&dir()).unwrap();
    assert_eq!(again.rules.rules().len(), d.rules.rules().len());
}

/// One database: the copy built into the binary is the shipped directory, file for file.
#[test]
fn the_builtin_copy_is_the_shipped_directory() {
    let d = RefDb::load(&dir()).unwrap();
    let b = RefDb::builtin().unwrap();
    let mut on_disk: Vec<String> = vec![
        "oui.txt".into(),
        "ndaa889.toml".into(),
        "class-map.toml".into(),
    ];
    let mut rules: Vec<String> = std::fs::read_dir(dir().join("rules"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .map(|n| format!("rules/{n}"))
        .collect();
    rules.sort();
    on_disk.extend(rules);
    let built: Vec<(&str, &str)> = RefDb::builtin_files().collect();
    let names: Vec<&str> = built.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names, on_disk,
        "the built-in copy has other files than reference-db/"
    );
    for (name, text) in built {
        let disk = std::fs::read_to_string(dir().join(name)).unwrap();
        assert!(
            disk == text,
            "built-in {name} differs from reference-db/{name}: rebuild"
        );
    }
    assert_eq!(b.digest, d.digest);
    assert_eq!(
        d.describe(),
        format!("reference database: {} ({})", dir().display(), d.digest)
    );
}

#[test]
fn third_party_rule_files_keep_their_licences_beside_them() {
    let d = RefDb::load(&dir()).unwrap();
    for s in d.rules.sets() {
        assert!(!s.source.is_empty() && !s.licence.is_empty(), "{}", s.name);
    }
    let rules = dir().join("rules");
    assert!(rules.join("satori-dhcp.LICENSE").is_file());
    let gpl = std::fs::read_to_string(rules.join("satori-dhcp.LICENSE")).unwrap();
    assert!(gpl.contains("GNU GENERAL PUBLIC LICENSE") && gpl.contains("Version 2"));
    assert!(rules.join("fingerbank-dhcp.LICENSE.odbl-10.txt").is_file());
    assert!(rules.join("fingerbank-dhcp.LICENSE.dbcl-10.txt").is_file());
}

#[test]
fn ndaa_entries_cover_the_five_groups_with_sources_and_registry_ouis() {
    let d = RefDb::load(&dir()).unwrap();
    let list = d.ndaa.entities();
    for g in ["Huawei", "ZTE", "Hytera", "Hikvision", "Dahua"] {
        assert!(
            list.iter()
                .any(|e| e.group == g && e.status == NdaaStatus::Prohibited),
            "{g}"
        );
    }
    assert!(list.iter().all(|e| !e.source.is_empty()));
    // Every listed OUI is in the registry under a name the entity's patterns match.
    let mut listed = 0;
    for e in list {
        for (prefix, bits) in &e.ouis {
            listed += 1;
            let b = prefix.to_be_bytes();
            let mac = MacAddr([b[2], b[3], b[4], b[5], b[6], b[7]]);
            let m = d.oui.lookup(&mac).expect("listed OUI is registered");
            assert_eq!(m.bits, *bits);
            assert!(
                e.patterns.iter().any(|p| p.is_match(m.org))
                    || e.name.to_lowercase().contains(&m.org.to_lowercase()[..4]),
                "{} lists {mac} held by {}",
                e.name,
                m.org
            );
        }
    }
    assert!(listed > 1500, "{listed}");
    // Completeness: every registry assignment held by a covered company or its subsidiaries
    // is listed (found by OUI, not only by name).
    let reg = std::fs::read_to_string(dir().join("oui.txt")).unwrap();
    for line in reg.lines().filter(|l| !l.starts_with('#')) {
        let (hex, org) = line.split_once('\t').unwrap();
        let Some(e) = d.ndaa.by_name(org) else {
            continue;
        };
        let v = u64::from_str_radix(hex, 16).unwrap() << (48 - 4 * hex.len());
        let b = v.to_be_bytes();
        let mac = MacAddr([b[2], b[3], b[4], b[5], b[6], b[7]]);
        assert!(
            d.ndaa.by_mac(&mac).is_some(),
            "{hex} {org} matches {} but is not listed: re-run scripts/gen-ndaa889.py",
            e.name
        );
    }
}

#[test]
fn ndaa_statuses_of_known_macs() {
    let d = RefDb::load(&dir()).unwrap();
    let cases = [
        ("00:e0:fc:00:00:01", NdaaStatus::Prohibited, "Huawei"),
        ("44:19:b6:00:00:01", NdaaStatus::Prohibited, "Hikvision"),
        ("3c:ef:8c:00:00:01", NdaaStatus::Prohibited, "Dahua"),
        ("00:00:0c:00:00:01", NdaaStatus::Clean, "Cisco"),
    ];
    for (mac, status, vendor) in cases {
        let id = d.lookup_mac(mac.parse().unwrap());
        assert_eq!(id.ndaa_status, status, "{mac}: {id:?}");
        assert_eq!(id.vendor.as_deref(), Some(vendor), "{mac}");
    }
}

#[test]
fn the_format_documentation_lists_every_signal() {
    let doc = std::fs::read_to_string(dir().join("README.md")).unwrap();
    for (name, _) in cybriq::refdb::rules::SIGNALS {
        assert!(doc.contains(&format!("`{name}`")), "README misses `{name}`");
    }
}
