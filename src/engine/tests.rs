//! Unit tests of the engine's helpers (the event scenarios are in tests/engine_events.rs).

use super::*;

fn cfg(toml: &str) -> Config {
    Config::parse(toml, "test").unwrap()
}

#[test]
fn first_matching_profile_applies() {
    let c = cfg(r#"
[[port_profile]]
name = "a"
switch = "sw1"
ports = ["Gi1/0/1-8"]
controls = ["X/1", "Y/2", "X/1"]
dot1x_controls = ["Z/3", "Y/2"]
[[port_profile]]
name = "b"
ports = ["*"]
max_macs = 5
"#);
    let profiles = compile_profiles(&c);
    let pr = |s: &str, p: &str| PortRef {
        switch: s.into(),
        port: p.into(),
    };
    assert_eq!(profile_for(&profiles, &pr("sw1", "Gi1/0/3")), Some(0));
    assert_eq!(profile_for(&profiles, &pr("sw2", "Gi1/0/3")), Some(1));
    assert_eq!(profile_for(&profiles, &pr("sw1", "Gi1/0/9")), Some(1));
    assert_eq!(effective_controls(&profiles[0], false), ["X/1", "Y/2"]);
    assert_eq!(
        effective_controls(&profiles[0], true),
        ["X/1", "Y/2", "Z/3"]
    );
    assert!(same_controls(
        &["a".to_owned(), "b".to_owned()],
        &["b".to_owned(), "a".to_owned()]
    ));
    assert!(!same_controls(&["a".to_owned()], &["b".to_owned()]));
}

#[test]
fn a_fresh_engine_has_nothing_to_say() {
    let mut e = Engine::new(&Config::default()).with_seed(1);
    let mut out = Vec::new();
    e.tick(Timestamp(1_000_000), &mut out);
    assert!(out.is_empty());
    assert!(e.ports().is_empty());
    assert!(e.take_dirty().is_empty());
    assert_eq!(e.stats().ports, 0);
}
