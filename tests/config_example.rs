//! `deploy/sensor.example.toml` documents every key: it must parse and validate as shipped,
//! every section the configuration knows must appear in it, and every key line must carry a
//! comment or sit in a commented section.

use cybriq::config::Config;

const EXAMPLE: &str = include_str!("../deploy/sensor.example.toml");

/// The example with its `/etc/cybriq/` files (TLS certificates, SNMP keys) made for real in a
/// temporary directory: a CA and a client certificate from rcgen.
fn with_real_files() -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("config-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["siem.example.net".into()]).unwrap();
    std::fs::write(dir.join("siem-ca.pem"), ck.cert.pem()).unwrap();
    let client = rcgen::generate_simple_self_signed(vec!["sensor".into()]).unwrap();
    std::fs::write(dir.join("sensor.pem"), client.cert.pem()).unwrap();
    std::fs::write(dir.join("sensor.key"), client.signing_key.serialize_pem()).unwrap();
    std::fs::write(dir.join("access-2.auth"), "auth-passphrase\n").unwrap();
    std::fs::write(dir.join("access-2.priv"), "priv-passphrase\n").unwrap();
    std::fs::write(dir.join("ise-ca.pem"), ck.cert.pem()).unwrap();
    std::fs::write(dir.join("ise.password"), "ers-password\n").unwrap();
    EXAMPLE.replace("/etc/cybriq/", &format!("{}/", dir.display()))
}

#[test]
fn example_config_parses_and_validates() {
    // Every key is known and well typed (serde, deny_unknown_fields), the TLS block included.
    let typed: Config = toml::from_str(EXAMPLE).unwrap_or_else(|e| panic!("{e}"));
    assert!(typed.destination[0].tls.is_some());
    // And it validates, with the files it names present.
    let cfg = Config::parse(&with_real_files(), "deploy/sensor.example.toml")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cfg.sensor.site, "hq-campus");
    assert_eq!(cfg.capture.len(), 2);
    assert_eq!(cfg.switch.len(), 2);
    assert_eq!(cfg.destination.len(), 2);
    assert_eq!(cfg.port_profile.len(), 2);
    assert_eq!(cfg.change_window.len(), 1);
    assert_eq!(cfg.suppression.len(), 1);
    assert_eq!(cfg.events, cybriq::config::events::Events::default());
    assert_eq!(
        cfg.retention,
        cybriq::config::retention::Retention::default()
    );
    // The NAC clients build from it (the ISE password file and CA read; Forescout's password
    // comes from the environment, which this test does not set: named by its key).
    let ise = cfg.integrations.cisco_ise.clone().unwrap();
    assert!(cybriq::integrations::ise::Ise::build(&ise).is_ok());
    let fs = cfg.integrations.forescout.clone().unwrap();
    let e = cybriq::integrations::forescout::Forescout::build(&fs)
        .unwrap_err()
        .to_string();
    assert!(e.contains("integrations.forescout.password"), "{e}");
}

#[test]
fn example_config_shows_every_section() {
    for section in [
        "[sensor]",
        "[[capture]]",
        "[[capture.vlan]]",
        "[[switch]]",
        "[[destination]]",
        "[destination.tls]",
        "[refdb]",
        "[dna]",
        "[dna.weights]",
        "[events]",
        "[[port_profile]]",
        "[[change_window]]",
        "[[suppression]]",
        "[api]",
        "[retention]",
        "[metrics]",
        "[integrations.cisco_ise]",
        "[integrations.forescout]",
    ] {
        assert!(
            EXAMPLE.contains(section),
            "{section} missing from the example"
        );
    }
}

#[test]
fn the_commented_metrics_block_enables_the_listener() {
    let on = EXAMPLE.replacen("# [metrics]", "[metrics]", 1).replacen(
        "# listen = \"127.0.0.1:9464\"",
        "listen = \"127.0.0.1:9464\"",
        1,
    );
    let cfg: Config = toml::from_str(&on).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        cfg.metrics.listen_addr().unwrap(),
        Some("127.0.0.1:9464".parse().unwrap())
    );
    let off: Config = toml::from_str(EXAMPLE).unwrap();
    assert_eq!(off.metrics.listen, None, "off as shipped");
}

#[test]
fn a_misspelt_key_in_the_example_is_named() {
    let bad = EXAMPLE.replacen("snaplen = 2048", "snap_len = 2048", 1);
    let err = Config::parse(&bad, "example").unwrap_err().to_string();
    assert!(err.contains("snap_len"), "{err}");
}
