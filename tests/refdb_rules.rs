//! The shipped rules on platform strings that are not in the corpus: typical LLDP system
//! descriptions, CDP platforms, LLDP-MED inventory and DHCP option 60 values as vendors document
//! them. Guards against rules that only fit the corpus.

use std::path::Path;

use cybriq::refdb::{Profile, RefDb};

fn db() -> RefDb {
    RefDb::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("reference-db")).unwrap()
}

/// (signal, value, vendor or "", class or "").
const CASES: &[(&str, &str, &str, &str)] = &[
    ("cdp.platform", "cisco C9300-48P", "Cisco", "switch"),
    ("cdp.platform", "cisco C1000-24P-4G-L", "Cisco", "switch"),
    ("cdp.platform", "cisco ISR4331/K9", "Cisco", "router"),
    ("cdp.platform", "Cisco CISCO2911/K9", "Cisco", "router"),
    ("cdp.platform", "cisco C1111-8P", "Cisco", "router"),
    (
        "cdp.platform",
        "cisco AIR-AP2802I-E-K9",
        "Cisco",
        "wireless-ap",
    ),
    ("cdp.platform", "cisco C9120AXI-E", "Cisco", "wireless-ap"),
    ("cdp.platform", "Cisco IP Phone 8851", "Cisco", "ip-phone"),
    ("cdp.platform", "cisco N9K-C93180YC-EX", "Cisco", "switch"),
    ("cdp.platform", "Cisco Webex Room Kit", "Cisco", "av-system"),
    ("cdp.platform", "Polycom VVX 410", "Poly", "ip-phone"),
    (
        "lldp.sysdescr",
        "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E2",
        "Cisco",
        "switch",
    ),
    (
        "lldp.sysdescr",
        "Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.7(3)M5",
        "Cisco",
        "router",
    ),
    (
        "lldp.sysdescr",
        "Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.9.4a",
        "Cisco",
        "switch",
    ),
    (
        "lldp.sysdescr",
        "Juniper Networks, Inc. ex2300-c-12p Ethernet Switch, kernel JUNOS 20.4R3-S2.6",
        "Juniper Networks",
        "switch",
    ),
    (
        "lldp.sysdescr",
        "Juniper Networks, Inc. srx340 internet router, kernel JUNOS 21.2R3",
        "Juniper Networks",
        "router",
    ),
    (
        "lldp.sysdescr",
        "Arista Networks EOS version 4.28.3M running on an Arista Networks DCS-7050SX3-48YC8",
        "Arista Networks",
        "switch",
    ),
    (
        "lldp.sysdescr",
        "Aruba JL256A 2930F-48G-PoE+-4SFP+ Switch, revision WC.16.10.0009",
        "Aruba",
        "switch",
    ),
    (
        "lldp.sysdescr",
        "ArubaOS (MODEL: 325), Version 8.10.0.2",
        "Aruba",
        "wireless-ap",
    ),
    (
        "lldp.sysdescr",
        "HP J9773A 2530-24G-PoEP Switch, revision YA.16.10.0009",
        "HP",
        "switch",
    ),
    (
        "lldp.sysdescr",
        "Meraki MS220-8P Cloud Managed PoE Switch",
        "Cisco",
        "switch",
    ),
    (
        "lldp.sysdescr",
        "Meraki MR46 Cloud Managed AP",
        "Cisco",
        "wireless-ap",
    ),
    (
        "lldp.sysdescr",
        "Dell EMC Networking OS10 Enterprise",
        "Dell",
        "switch",
    ),
    (
        "lldp.sysdescr",
        "Huawei Versatile Routing Platform Software VRP (R) software, Version 5.170 (S5720 V200R019C10SPC500)",
        "Huawei",
        "switch",
    ),
    (
        "lldp.sysdescr",
        "Huawei Versatile Routing Platform Software VRP (R) software, Version 5.160 (AR2220 V200R010C10SPC700)",
        "Huawei",
        "router",
    ),
    (
        "lldp.sysdescr",
        "FortiGate-100F v7.2.5,build1517,230606 (GA.F)",
        "Fortinet",
        "router",
    ),
    (
        "lldp.sysdescr",
        "MikroTik RouterOS 7.11 (stable) CRS326-24G-2S+",
        "MikroTik",
        "switch",
    ),
    (
        "lldp.sysdescr",
        "AXIS P3245-LV Network Camera 10.12.114",
        "Axis",
        "camera",
    ),
    (
        "lldp.sysdescr",
        "HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI23900013",
        "HP",
        "printer",
    ),
    (
        "lldp.sysdescr",
        "VMware ESXi 7.0.3 build-20328353",
        "VMware",
        "server",
    ),
    (
        "lldp.sysdescr",
        "Tridium JACE-8000 Niagara 4.10",
        "",
        "building-automation",
    ),
    (
        "lldp.sysdescr",
        "Siemens, SIMATIC NET, CP 343-1 Lean, 6GK7 343-1CX10-0XE0",
        "",
        "industrial-control",
    ),
    (
        "lldp.sysdescr",
        "Philips IntelliVue MX450 patient monitor",
        "",
        "medical",
    ),
    ("lldp.med.model", "VVX 410", "Poly", "ip-phone"),
    ("lldp.med.model", "CP-8851", "Cisco", "ip-phone"),
    (
        "dhcp.vci",
        "Cisco Systems, Inc. IP Phone CP-7841",
        "Cisco",
        "ip-phone",
    ),
    ("dhcp.vci", "Polycom-VVX410", "Poly", "ip-phone"),
    ("dhcp.vci", "android-dhcp-13", "", "mobile"),
    ("dhcp.vci", "MSFT 5.0", "", "workstation"),
    ("dhcp.vci", "Hewlett-Packard JetDirect", "HP", "printer"),
    ("dhcp.hostname", "SEP0023AB123456", "Cisco", "ip-phone"),
];

#[test]
fn platform_strings_beyond_the_corpus() {
    let db = db();
    let mut bad = Vec::new();
    for (signal, value, vendor, class) in CASES {
        let mut p = Profile::new(None);
        let name = cybriq::refdb::rules::signal_name(signal).expect("known signal");
        p.add(name, value);
        let id = db.resolve(&p);
        let v_ok = vendor.is_empty() || id.vendor.as_deref() == Some(*vendor);
        let c_ok = class.is_empty() || id.class.as_str() == *class;
        if !(v_ok && c_ok) {
            bad.push(format!(
                "{signal} {value:?}: want {vendor}/{class}, got {:?}/{}",
                id.vendor, id.class
            ));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn randomised_mac_with_only_dhcp_is_still_classified() {
    // Android with MAC randomisation: no OUI vendor, class from option 60.
    let db = db();
    let mut p = Profile::new(Some("da:a1:19:12:34:56".parse().unwrap()));
    p.add("dhcp.vci", "android-dhcp-13");
    p.add("dhcp.hostname", "android-5f2a9c1b2d3e4f50");
    let id = db.resolve(&p);
    assert!(id.locally_administered);
    assert_eq!(id.vendor, None);
    assert_eq!(id.class.as_str(), "mobile");
    assert!(
        id.os.as_deref().unwrap_or("").starts_with("Android"),
        "{:?}",
        id.os
    );
    assert_eq!(id.ndaa_status.as_str(), "unknown");
}
