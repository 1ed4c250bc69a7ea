//! Answers kept between commits (`[api] response_cache_ms`, src/api/cache.rs) are never stale
//! past a commit, whoever commits: expected before the run —
//! - a device written by the pipeline's writer after an inventory read is in the next read;
//! - a token revoked by another connection (as `cybriq token revoke` does) is refused by the
//!   very next request, though it was checked a moment before;
//! - an identical read between commits gets the same bytes;
//! - with `response_cache_ms = 0` the answers are the same (nothing is kept).

#[path = "api_support/mod.rs"]
mod support;

use cybriq::api::auth::Scope;
use support::{Server, TokenState, token};

fn write_device(s: &Server, i: usize) {
    let now = s.clock.now();
    let w = cybriq::store::Writer::start(
        &cybriq::store::db_path(&s.dir.0),
        cybriq::store::WriterSettings::default(),
        None,
    )
    .unwrap();
    w.send(cybriq::store::Write::Device(support::device(i, now)));
    w.stop();
}

fn macs(body: &serde_json::Value) -> Vec<String> {
    body["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["mac"].as_str().unwrap().to_owned())
        .collect()
}

fn run(extra: &str) {
    let s = Server::start("cache", extra);
    support::seed(&s.dir.0, 3, s.clock.now());
    let minted = token(
        &s.tokens(),
        s.clock.now(),
        &[Scope::InventoryRead],
        &[],
        TokenState::Valid,
    );
    let c = s.client();
    let a = c.get("/api/v1/inventory?limit=100", &minted.token);
    let b = c.get("/api/v1/inventory?limit=100", &minted.token);
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(a.body, b.body, "between commits: the same answer");
    assert_eq!(macs(&a.json()).len(), 3);

    write_device(&s, 7);
    let after = c.get("/api/v1/inventory?limit=100", &minted.token);
    assert_eq!(after.status, 200);
    assert_eq!(
        macs(&after.json()).len(),
        4,
        "the device committed after the last read is in the next one"
    );

    s.tokens().revoke(s.clock.now(), &minted.record.id).unwrap();
    let refused = c.get("/api/v1/inventory?limit=100", &minted.token);
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (401, "invalid_token"),
        "revoked by another connection: refused at once"
    );
}

#[test]
fn answers_kept_between_commits_are_never_stale_past_one() {
    run("");
}

#[test]
fn without_the_cache_the_answers_are_the_same() {
    run("response_cache_ms = 0");
}
