//! `cybriq refdb` as a user runs it: lookups by MAC and by capture (text and JSON), the
//! importers, and a reference database that fails validation.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cybriq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cybriq"))
        .args(args)
        .env_remove("CYBRIQ_REFDB")
        .output()
        .expect("run cybriq")
}

fn db() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reference-db")
        .to_string_lossy()
        .into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cybriq-refdb-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn lookup_mac_of_a_covered_vendor_is_prohibited() {
    let v = json_lines(&cybriq(&[
        "refdb",
        "lookup",
        "--mac",
        "00-E0-FC-12-34-56",
        "--json",
        "--db",
        &db(),
    ]));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["mac"], "00:e0:fc:12:34:56");
    assert_eq!(v[0]["vendor"], "Huawei");
    assert_eq!(v[0]["ndaa_status"], "prohibited");
    assert_eq!(v[0]["ndaa_entity"], "Huawei Technologies Company");
    assert!(v[0]["ndaa_source"].as_str().unwrap().contains("889"));
    assert_eq!(v[0]["oui"]["registry"], "MA-L");

    // An MA-S assignment inside an IEEE RA block.
    let v = json_lines(&cybriq(&[
        "refdb",
        "lookup",
        "--mac",
        "70:b3:d5:f2:f0:01",
        "--json",
        "--db",
        &db(),
    ]));
    assert_eq!(v[0]["oui"]["registry"], "MA-S");
    assert_eq!(v[0]["oui"]["bits"], 36);
    assert_eq!(v[0]["ndaa_status"], "clean");

    let v = json_lines(&cybriq(&[
        "refdb",
        "lookup",
        "--mac",
        "da:a1:19:01:02:03",
        "--json",
        "--db",
        &db(),
    ]));
    assert_eq!(v[0]["locally_administered"], true);
    assert_eq!(v[0]["vendor"], serde_json::Value::Null);
    assert_eq!(v[0]["ndaa_status"], "unknown");
}

#[test]
fn lookup_pcap_gives_one_object_per_source_mac() {
    let v = json_lines(&cybriq(&[
        "refdb",
        "lookup",
        "--pcap",
        &common::data("tcpdump/LLDP_and_CDP.pcap").to_string_lossy(),
        "--json",
        "--db",
        &db(),
    ]));
    assert_eq!(v.len(), 2);
    for d in &v {
        for k in [
            "mac",
            "vendor",
            "model",
            "class",
            "confidence",
            "ndaa_status",
            "evidence",
        ] {
            assert!(d.get(k).is_some(), "missing {k}: {d}");
        }
        assert_eq!(d["vendor"], "Cisco");
        assert_eq!(d["class"], "switch");
        assert!(d["confidence"].as_f64().unwrap() >= 0.9);
        assert!(!d["evidence"].as_array().unwrap().is_empty());
    }
    let models: Vec<&str> = v.iter().map(|d| d["model"].as_str().unwrap()).collect();
    assert_eq!(models, ["WS-C3560-24TS", "WS-C3560G-24PS"]);
}

#[test]
fn lookup_text_lists_identity_and_evidence() {
    let out = cybriq(&[
        "refdb",
        "lookup",
        "--pcap",
        &common::data("ladvd/cdp/49.good.phone.pcap").to_string_lossy(),
        "--db",
        &db(),
    ]);
    assert!(out.status.success());
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(
        t.contains("00:1b:53:48:9e:e0  vendor=Cisco  model=7912  class=ip-phone"),
        "{t}"
    );
    assert!(t.contains("+ cdp.platform \"Cisco IP Phone 7912\""), "{t}");
    assert!(t.contains("ndaa=clean"), "{t}");
}

#[test]
fn bad_input_exits_2_and_a_bad_database_exits_1_naming_file_line_key() {
    let out = cybriq(&["refdb", "lookup", "--mac", "00:11:22", "--db", &db()]);
    assert_eq!(out.status.code(), Some(2));
    let out = cybriq(&[
        "refdb",
        "lookup",
        "--pcap",
        "/nonexistent.pcap",
        "--db",
        &db(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = cybriq(&["refdb", "lookup", "--db", &db()]);
    assert_eq!(out.status.code(), Some(2), "--mac or --pcap is required");

    // A copy of the database with one broken rule.
    let d = scratch("broken");
    std::fs::create_dir_all(d.join("rules")).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference-db");
    for f in ["oui.txt", "ndaa889.toml", "class-map.toml"] {
        std::fs::copy(src.join(f), d.join(f)).unwrap();
    }
    let rules = std::fs::read_to_string(src.join("rules/00-cybriq.toml")).unwrap();
    let broken = rules.replacen("class = \"switch\"", "class = \"swich\"", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("\"swich\""))
        .unwrap()
        + 1;
    std::fs::write(d.join("rules/00-cybriq.toml"), broken).unwrap();
    let out = cybriq(&["refdb", "check", "--db", &d.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("00-cybriq.toml:{line}: rule["))
            && err.contains("].class: unknown class `swich`"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn import_oui_from_ieee_csvs() {
    let d = scratch("ieee");
    std::fs::write(
        d.join("oui.csv"),
        "Registry,Assignment,Organization Name,Organization Address\n\
         MA-L,00E0FC,\"HUAWEI TECHNOLOGIES CO.,LTD\",\"No.2 Xin Cheng Road\nDongguan CN\"\n\
         MA-L,70B3D5,IEEE Registration Authority,x\n",
    )
    .unwrap();
    std::fs::write(
        d.join("oui36.csv"),
        "Registry,Assignment,Organization Name,Organization Address\nMA-S,70B3D5F2F,TELEPLATFORMS,x\n",
    )
    .unwrap();
    let out_file = d.join("out/oui.txt");
    let out = cybriq(&[
        "refdb",
        "import-oui",
        "--from",
        &d.to_string_lossy(),
        "--out",
        &out_file.to_string_lossy(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert!(text.starts_with("#!cybriq-oui 1\n"));
    let rows: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        rows,
        [
            "00E0FC\tHUAWEI TECHNOLOGIES CO.,LTD",
            "70B3D5\tIEEE Registration Authority",
            "70B3D5F2F\tTELEPLATFORMS"
        ]
    );
    // A malformed CSV is rejected with its file and line; nothing is written.
    std::fs::write(
        d.join("mam.csv"),
        "Registry,Assignment,Organization Name,Organization Address\nMA-M,12345,X,y\n",
    )
    .unwrap();
    let out2 = d.join("out/oui2.txt");
    let out = cybriq(&[
        "refdb",
        "import-oui",
        "--from",
        &d.to_string_lossy(),
        "--out",
        &out2.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mam.csv:2: Assignment:"), "{err}");
    assert!(!out2.exists());
    let _ = std::fs::remove_dir_all(&d);
}

/// The shipped compact file is what `import-oui` makes of Debian's `ieee-data` (installed by
/// `scripts/setup.sh`).
#[test]
fn shipped_oui_file_matches_an_import_of_debian_ieee_data() {
    let ieee = Path::new("/usr/share/ieee-data");
    if !ieee.join("oui.csv").is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: /usr/share/ieee-data is missing (apt-get install ieee-data; scripts/setup.sh does)"
        );
        eprintln!("skipped: /usr/share/ieee-data not installed");
        return;
    }
    let d = scratch("debian");
    let out_file = d.join("oui.txt");
    let out = cybriq(&["refdb", "import-oui", "--out", &out_file.to_string_lossy()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    };
    let fresh = rows(&std::fs::read_to_string(&out_file).unwrap());
    let shipped = rows(&std::fs::read_to_string(Path::new(&db()).join("oui.txt")).unwrap());
    assert!(fresh.len() > 40_000, "{}", fresh.len());
    let stamp = std::fs::read_to_string(ieee.join(".lastupdate")).unwrap_or_default();
    let header = std::fs::read_to_string(Path::new(&db()).join("oui.txt")).unwrap();
    if header.contains(&format!("({})", stamp.trim())) {
        assert_eq!(fresh, shipped, "re-run `cybriq refdb import-oui`");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn import_third_party_databases_keeps_their_licences() {
    let corpus = common::data("fingerprints");
    let d = scratch("third");
    let out = cybriq(&[
        "refdb",
        "import-satori",
        &corpus.join("satori/dhcp.xml").to_string_lossy(),
        "--out",
        &d.join("rules/50-satori-dhcp.toml").to_string_lossy(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(d.join("rules/satori-dhcp.LICENSE").is_file());
    let out = cybriq(&[
        "refdb",
        "import-fingerbank",
        &corpus
            .join("fingerbank/dhcp_fingerprints.conf")
            .to_string_lossy(),
        "--out",
        &d.join("rules/60-fingerbank-dhcp.toml").to_string_lossy(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        d.join("rules/fingerbank-dhcp.LICENSE.odbl-10.txt")
            .is_file()
    );
    assert!(
        d.join("rules/fingerbank-dhcp.LICENSE.dbcl-10.txt")
            .is_file()
    );
    // Same as what is shipped.
    let shipped = Path::new(&db()).join("rules");
    for f in ["50-satori-dhcp.toml", "60-fingerbank-dhcp.toml"] {
        assert_eq!(
            std::fs::read_to_string(d.join("rules").join(f)).unwrap(),
            std::fs::read_to_string(shipped.join(f)).unwrap(),
            "{f}: re-run the importer"
        );
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// One database per binary: the same lookup from the checkout (which holds a `reference-db/`)
/// and from an empty directory resolves the same, from the built-in copy, and says so on stderr
/// with the digest of the shipped directory.
#[test]
fn lookups_do_not_depend_on_the_working_directory_and_name_their_database() {
    let pcap = common::data("ladvd/cdp/49.good.phone.pcap");
    let run_in = |dir: &Path| {
        Command::new(env!("CARGO_BIN_EXE_cybriq"))
            .args(["refdb", "lookup", "--json", "--pcap"])
            .arg(&pcap)
            .current_dir(dir)
            .env_remove("CYBRIQ_REFDB")
            .output()
            .expect("run cybriq")
    };
    let checkout = run_in(Path::new(env!("CARGO_MANIFEST_DIR")));
    let elsewhere = run_in(&scratch("cwd"));
    assert!(checkout.status.success() && elsewhere.status.success());
    assert_eq!(checkout.stdout, elsewhere.stdout);
    let shipped = cybriq::refdb::RefDb::load(Path::new(&db())).unwrap();
    let line = format!("cybriq: reference database: builtin ({})", shipped.digest);
    for out in [&checkout, &elsewhere] {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&line), "{err}");
    }
    // A named directory is used and named.
    let out = cybriq(&["refdb", "check", "--db", &db()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "reference database: {} ({})",
            db(),
            shipped.digest
        )),
        "{err}"
    );
}
