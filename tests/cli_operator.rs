//! The operator's comforts as a user runs them: `cybriq --version`, `cybriq config check`.

use std::process::Command;

fn cybriq(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cybriq"))
        .args(args)
        .output()
        .expect("run cybriq")
}

#[test]
fn version_names_the_revision_and_the_reference_database() {
    let short = String::from_utf8(cybriq(&["-V"]).stdout).unwrap();
    assert!(short.starts_with("cybriq 0.1.0 (git "), "{short}");
    let long = String::from_utf8(cybriq(&["--version"]).stdout).unwrap();
    assert!(long.contains("git revision: "), "{long}");
    let check = cybriq(&["refdb", "check"]);
    let shown = String::from_utf8_lossy(&check.stdout);
    let digest = long.trim().rsplit(' ').next().unwrap();
    assert!(
        digest.starts_with("blake3:") && shown.contains(digest),
        "{long} / {shown}"
    );
}

#[test]
fn config_check_names_every_problem_and_fails() {
    let dir = std::env::temp_dir().join(format!("cybriq-config-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[sensor]\nsite = \"\"\n\n[dna]\ndimension = 17\n\n[[capture]]\ninterface = \"eth1\"\nsnaplen = 10\n",
    )
    .unwrap();
    let out = cybriq(&["config", "check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let keys: Vec<&str> = text.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(
        keys,
        ["sensor.site", "dna.dimension", "capture[0].snaplen"],
        "{text}"
    );

    let good = dir.join("good.toml");
    std::fs::write(&good, "[sensor]\nsite = \"hq\"\n").unwrap();
    let out = cybriq(&["config", "check", good.to_str().unwrap()]);
    assert!(out.status.success() && out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ok"));

    let out = cybriq(&[
        "config",
        "check",
        dir.join("missing.toml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
