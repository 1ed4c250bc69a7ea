//! schemathesis (PyPI, installed by `scripts/setup-schemathesis.sh`) against the live server and
//! the OpenAPI document it serves: generated requests for every operation (schema-valid and
//! not), checked for no 5xx, status codes, content types, headers and bodies that match the
//! document, and schema-valid requests accepted. Bounded: a few examples per operation and a
//! time budget. Without schemathesis the test is skipped with a reason, except under `CI=true`.

#[path = "api_support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::process::Command;

use cybriq::api::auth::Scope;
use support::{Server, TokenState, token};

fn schemathesis() -> Option<PathBuf> {
    let from_env = std::env::var_os("SCHEMATHESIS").map(PathBuf::from);
    let venv = PathBuf::from(if nix_root() {
        "/var/cache/cybriq-test/schemathesis-venv/bin/schemathesis"
    } else {
        ""
    });
    let found = from_env
        .into_iter()
        .chain(std::env::var_os("PATH").into_iter().flat_map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("schemathesis"))
                .collect::<Vec<_>>()
        }))
        .chain(std::iter::once(venv))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "schemathesis is required under CI=true (scripts/setup-schemathesis.sh)"
        );
        eprintln!("skipping: schemathesis not found (run scripts/setup-schemathesis.sh)");
    }
    found
}

fn nix_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

#[test]
fn schemathesis_finds_no_server_error_and_no_response_off_the_schema() {
    let Some(bin) = schemathesis() else { return };
    let dir = support::TempDir::new("schemathesis");
    let now = cybriq::api::Clock::default().now();
    cybriq::store::open(&cybriq::store::db_path(&dir.0)).unwrap();
    support::seed(&dir.0, 30, now);
    // Both NACs configured (a fake that accepts), so the hand-offs answer as in production.
    let fake = support::nac::FakeNac::start();
    let s = Server::start_with(
        dir,
        "read_per_minute = 1000000\nwrite_per_minute = 1000000",
        fake.integrations(),
    );
    let t = token(
        &s.tokens(),
        now,
        &Scope::ALL,
        &["127.0.0.1"],
        TokenState::Valid,
    );
    let cert = s.dir.0.join(cybriq::api::tls::SELF_SIGNED_CERT);
    let origin = format!("https://127.0.0.1:{}", s.addr.port());
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api_support/schemathesis.toml");
    let out = Command::new(&bin)
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(format!("{origin}/api/v1/openapi.json"))
        .arg("--tls-verify")
        .arg(&cert)
        .arg("-H")
        .arg(format!("Authorization: Bearer {}", t.token))
        .args(["--max-examples", "5", "--workers", "1"])
        .args(["--phases", "coverage,fuzzing", "--max-time", "20"])
        .args(["--seed", "1", "--generation-deterministic"])
        // Rotating would replace the token mid-run; it is covered by tests/api_server.rs.
        .args(["--exclude-path", "/api/v1/auth/rotate"])
        .output()
        .expect("schemathesis runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let tail: String = text
        .lines()
        .rev()
        .take(60)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    println!("{tail}");
    assert!(out.status.success(), "schemathesis failed:\n{text}");
}
