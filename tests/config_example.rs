//! `deploy/sensor.example.toml` documents every key: it must parse and validate as shipped,
//! every section the configuration knows must appear in it, and every key line must carry a
//! comment or sit in a commented section.

use cybriq::config::Config;

const EXAMPLE: &str = include_str!("../deploy/sensor.example.toml");

#[test]
fn example_config_parses_and_validates() {
    let cfg = Config::parse(EXAMPLE, "deploy/sensor.example.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cfg.sensor.site, "hq-campus");
    assert_eq!(cfg.capture.len(), 2);
    assert_eq!(cfg.switch.len(), 2);
    assert_eq!(cfg.destination.len(), 2);
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
    ] {
        assert!(EXAMPLE.contains(section), "{section} missing from the example");
    }
}

#[test]
fn a_misspelt_key_in_the_example_is_named() {
    let bad = EXAMPLE.replacen("snaplen = 2048", "snap_len = 2048", 1);
    let err = Config::parse(&bad, "example").unwrap_err().to_string();
    assert!(err.contains("snap_len"), "{err}");
}
