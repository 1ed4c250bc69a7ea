//! `cybriq poll` as a process: exit codes, JSON for an unreachable switch, config errors.

use std::process::Command;

fn cybriq() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cybriq"))
}

#[test]
fn unreachable_target_prints_json_and_exits_3() {
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let out = cybriq()
        .args([
            "poll",
            "--target",
            &addr,
            "--community",
            "public",
            "--timeout-ms",
            "100",
        ])
        .args(["--retries", "1", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "unreachable");
    assert_eq!(v["switch"]["name"], addr.as_str());
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("no reply after 2 attempts"),
        "{v}"
    );
    assert_eq!(v["ports"].as_array().unwrap().len(), 0);
    // The JSON reads back into the port-table types (replay's `--fdb FILE`).
    let t: cybriq::snmp::PortTable = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(t.status, cybriq::snmp::Reachability::Unreachable);
}

#[test]
fn usage_and_config_errors_exit_2() {
    let out = cybriq()
        .args(["poll", "--target", "127.0.0.1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = cybriq()
        .args([
            "poll",
            "--target",
            "127.0.0.1",
            "--v3-user",
            "u",
            "--auth-proto",
            "SHA3",
            "--auth-key",
            "k",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--auth-proto"));

    let dir = std::env::temp_dir().join(format!("cybriq-poll-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("bad.toml");
    std::fs::write(
        &cfg,
        "[[switch]]\nname = \"a\"\naddress = \"10.0.0.1\"\nversion = \"3\"\n",
    )
    .unwrap();
    let out = cybriq()
        .args(["poll", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("switch[0].user"));
    let _ = std::fs::remove_dir_all(&dir);
}
