//! NDAA Section 889 resolution with the shipped database (the copy built into the binary):
//! - every entry of `ndaa889.toml` with a registered OUI: a synthetic device with that OUI
//!   (universal MAC) plus one agreeing signal resolves to the entry's status; for prohibited
//!   entries (covered entities, subsidiaries, affiliates and OEM / white-label brands) at a
//!   vendor certainty ≥ 0.85, the `ndaa-prohibited-detected` threshold; the OUI alone is
//!   `prohibited` below it;
//! - a near miss (a clean vendor whose name merely contains a covered brand's letters) is clean;
//! - the canonical cameras: a Hikvision speaking LLDP, and one speaking only DHCP.

use cybriq::refdb::profile::Profile;
use cybriq::refdb::{DeviceClass, Identity, NdaaStatus, RefDb};
use cybriq::wire::MacAddr;

const THRESHOLD: f64 = 0.85;

fn db() -> &'static RefDb {
    static D: std::sync::OnceLock<RefDb> = std::sync::OnceLock::new();
    D.get_or_init(|| RefDb::builtin().expect("builtin"))
}

fn mac_in(prefix: u64, bits: u8) -> MacAddr {
    // Host part 0x123456 (within every prefix length), then the prefix.
    let v = prefix | (0x12_3456u64 & ((1u64 << (48 - u32::from(bits))) - 1));
    let b = v.to_be_bytes();
    MacAddr([b[2], b[3], b[4], b[5], b[6], b[7]])
}

fn resolve(mac: MacAddr, signals: &[(&'static str, &str)]) -> Identity {
    let mut p = Profile::new(Some(mac));
    for (k, v) in signals {
        p.add(k, v);
    }
    db().resolve(&p)
}

#[test]
fn every_entity_with_an_oui_plus_one_agreeing_signal_reaches_its_status() {
    let mut checked = 0;
    for e in db().ndaa.entities() {
        let Some(&(prefix, bits)) = e.ouis.first() else {
            println!("{}: no registered OUI (tested by name below)", e.name);
            continue;
        };
        let mac = mac_in(prefix, bits);
        assert!(!mac.is_local(), "{}", e.name);
        let org = db().oui.lookup(&mac).expect("registered").org.to_owned();
        // The OUI alone: the status, below the event threshold.
        let alone = resolve(mac, &[]);
        assert_eq!(
            alone.ndaa_status, e.status,
            "{} OUI alone: {alone:?}",
            e.name
        );
        assert!(alone.confidence < THRESHOLD, "{}: {alone:?}", e.name);
        // Plus one agreeing signal: the device announces its maker (LLDP-MED manufacturer).
        let id = resolve(mac, &[("lldp.med.manufacturer", &org)]);
        assert_eq!(id.ndaa_status, e.status, "{}: {id:?}", e.name);
        assert_eq!(id.ndaa_entity.as_deref(), Some(e.name.as_str()), "{id:?}");
        assert_eq!(id.ndaa_group.as_deref(), Some(e.group.as_str()));
        if e.status == NdaaStatus::Prohibited {
            assert!(
                id.certainty.vendor >= THRESHOLD && id.confidence >= THRESHOLD,
                "{} ({org}) OUI + manufacturer: vendor certainty {} < {THRESHOLD}: {id:#?}",
                e.name,
                id.certainty.vendor
            );
        }
        println!(
            "{:48} {:10} {:?} -> {} {:.3}",
            e.name,
            format!("{:?}", e.relation),
            id.vendor,
            id.ndaa_status,
            id.confidence
        );
        checked += 1;
    }
    assert!(checked >= 16, "{checked}");
}

#[test]
fn entities_without_an_oui_are_found_by_name() {
    for e in db().ndaa.entities().iter().filter(|e| e.ouis.is_empty()) {
        // A random (locally administered) MAC: the name is the only evidence.
        let mac: MacAddr = "02:11:22:33:44:55".parse().unwrap();
        let id = resolve(mac, &[("lldp.med.manufacturer", &e.name)]);
        assert_eq!(id.ndaa_status, e.status, "{}: {id:?}", e.name);
        assert_eq!(id.ndaa_entity.as_deref(), Some(e.name.as_str()));
    }
}

#[test]
fn oem_brands_resolve_to_their_covered_entity() {
    for e in db()
        .ndaa
        .entities()
        .iter()
        .filter(|e| format!("{:?}", e.relation) == "OemBrand")
    {
        assert_eq!(e.status, NdaaStatus::Prohibited, "{}", e.name);
        let &(prefix, bits) = e.ouis.first().expect("OEM brand OUI");
        let org = db()
            .oui
            .lookup(&mac_in(prefix, bits))
            .unwrap()
            .org
            .to_owned();
        let id = resolve(
            mac_in(prefix, bits),
            &[("lldp.med.manufacturer", &org), ("lldp.caps", "station")],
        );
        assert_eq!(id.ndaa_status, NdaaStatus::Prohibited, "{id:?}");
        assert!(["Hikvision", "Dahua"].contains(&id.ndaa_group.as_deref().unwrap()));
        assert!(id.confidence >= THRESHOLD, "{id:?}");
    }
}

/// Clean vendors whose names contain a covered brand's letters: real IEEE holders where the
/// registry has one (MAC in their block), else a made-up name announced from a random MAC.
#[test]
fn near_misses_are_clean() {
    let real = [
        ("Aztech Electronics Pte Ltd", "zte"),
        ("ZTEC Instruments, Inc.", "zte"),
        ("Naztec, Inc.", "zte"),
        ("Shenztech Ltd", "zte"),
        ("Shanghai Dahua Scale Factory", "dahua"),
        ("SHENZHEN HONOR ELECTRONIC CO.,LTD", "honor"),
        ("VoltServer", "lts"),
        ("VaultStor Corporation", "lts"),
    ];
    let reg = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/reference-db/oui.txt"))
        .unwrap();
    for (org, brand) in real {
        let line = reg
            .lines()
            .find(|l| l.split_once('\t').is_some_and(|(_, o)| o == org))
            .unwrap_or_else(|| panic!("{org} is in the registry"));
        let hex = line.split('\t').next().unwrap();
        let bits = (hex.len() * 4) as u8;
        let prefix = u64::from_str_radix(hex, 16).unwrap() << (48 - u32::from(bits));
        let id = resolve(mac_in(prefix, bits), &[("lldp.med.manufacturer", org)]);
        assert_eq!(id.ndaa_status, NdaaStatus::Clean, "{org} ({brand}): {id:?}");
        assert_eq!(id.ndaa_entity, None);
    }
    let made_up = [
        "Huaweil Logistics",
        "Chuawei Devices",
        "HiSiliconix",
        "Hyteram Systems",
        "Norsatek",
        "Sepurator Instruments",
        "Shikvision Optics",
        "Ezvizor",
        "Shikrobotics",
        "LTSystems",
        "Dahuang Foods",
        "Limousine Systems",
        "Florexa",
        "Camcrest Labs",
        "Zteam Networks",
        "Honorable Devices",
    ];
    let random: MacAddr = "06:11:22:33:44:55".parse().unwrap();
    for name in made_up {
        let id = resolve(random, &[("lldp.med.manufacturer", name)]);
        assert_eq!(id.ndaa_status, NdaaStatus::Clean, "{name}: {id:?}");
    }
}

fn hikvision_mac() -> MacAddr {
    let e = db()
        .ndaa
        .entities()
        .iter()
        .find(|e| e.name.starts_with("Hangzhou Hikvision"))
        .unwrap();
    let (p, b) = e.ouis[0];
    mac_in(p, b)
}

#[test]
fn a_hikvision_camera_speaking_lldp_is_prohibited_whatever_its_class_evidence() {
    let id = resolve(
        hikvision_mac(),
        &[
            ("proto", "lldp"),
            ("proto", "dhcp"),
            ("lldp.sysdescr", "HIKVISION DS-2CD2143G2-I V5.7.3"),
            ("lldp.sysname", "DS-2CD2143G2-I"),
            ("lldp.caps", "station"),
            ("dhcp.vci", "udhcp 1.22.1"),
            ("dhcp.prl", "1,3,6,12,15,28,42"),
        ],
    );
    assert_eq!(id.vendor.as_deref(), Some("Hikvision"));
    assert_eq!(id.model.as_deref(), Some("DS-2CD2143G2-I"));
    assert_eq!(id.ndaa_status, NdaaStatus::Prohibited);
    assert!(id.confidence >= THRESHOLD, "{id:#?}");
    assert_eq!(id.class, DeviceClass::Camera, "{id:#?}");
}

#[test]
fn a_hikvision_camera_speaking_only_dhcp_is_prohibited() {
    let id = resolve(
        hikvision_mac(),
        &[
            ("proto", "dhcp"),
            ("dhcp.hostname", "DS-2CD2143G2-I"),
            ("dhcp.vci", "udhcp 1.22.1"),
            ("dhcp.prl", "1,3,6,12,15,28,42"),
        ],
    );
    assert_eq!(id.vendor.as_deref(), Some("Hikvision"));
    assert_eq!(id.ndaa_status, NdaaStatus::Prohibited);
    assert!(id.confidence >= THRESHOLD, "{id:#?}");
    assert_eq!(id.class, DeviceClass::Camera);
    // Its OUI alone: prohibited, but not certain enough to page.
    let alone = resolve(hikvision_mac(), &[("proto", "dhcp")]);
    assert_eq!(alone.ndaa_status, NdaaStatus::Prohibited);
    assert!(alone.confidence < THRESHOLD);
}

#[test]
fn a_randomised_mac_claiming_hikvision_once_does_not_page() {
    // One announcement, no registered OUI: the vendor, not yet near-certain.
    let mac: MacAddr = "02:aa:bb:cc:dd:ee".parse().unwrap();
    let id = resolve(mac, &[("lldp.sysdescr", "HIKVISION DS-2CD2143G2-I V5.7.3")]);
    assert_eq!(id.ndaa_status, NdaaStatus::Prohibited);
    assert!(id.confidence < THRESHOLD, "{id:?}");
}
