//! `cybriq demo`: the bundled scenario (`deploy/demo/`) is what its generator writes, and the
//! built binary replays it, from any directory, to exactly the story's events.
//!
//! Regenerate the bundled files after changing the story or the corpus helpers:
//! `CYBRIQ_WRITE_DEMO=1 cargo test --test demo write_demo`.

mod demo_scenario;
mod scenario_support;

use std::path::{Path, PathBuf};

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/demo")
}

/// With `CYBRIQ_WRITE_DEMO=1`, writes `deploy/demo/{site.pcap,fdb.json,sensor.toml}`;
/// otherwise checks that the committed files are exactly what the generator produces.
#[test]
fn write_demo() {
    let files = demo_scenario::generate();
    let dir = demo_dir();
    if std::env::var_os("CYBRIQ_WRITE_DEMO").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("site.pcap"), &files.pcap).unwrap();
        std::fs::write(dir.join("fdb.json"), &files.fdb).unwrap();
        std::fs::write(dir.join("sensor.toml"), &files.config).unwrap();
        eprintln!(
            "wrote {}: site.pcap {} bytes, fdb.json {} bytes, sensor.toml {} bytes",
            dir.display(),
            files.pcap.len(),
            files.fdb.len(),
            files.config.len()
        );
        return;
    }
    let read = |name: &str| {
        std::fs::read(dir.join(name)).unwrap_or_else(|e| {
            panic!(
                "deploy/demo/{name}: {e} (regenerate: CYBRIQ_WRITE_DEMO=1 cargo test --test demo write_demo)"
            )
        })
    };
    let hint = "differs from what the generator writes; regenerate with \
                CYBRIQ_WRITE_DEMO=1 cargo test --test demo write_demo and commit";
    assert!(read("site.pcap") == files.pcap, "deploy/demo/site.pcap {hint}");
    assert!(
        read("fdb.json") == files.fdb.as_bytes(),
        "deploy/demo/fdb.json {hint}"
    );
    assert!(
        read("sensor.toml") == files.config.as_bytes(),
        "deploy/demo/sensor.toml {hint}"
    );
    assert!(
        files.pcap.len() < 512 * 1024,
        "the bundled capture should stay small: {} bytes",
        files.pcap.len()
    );
}
