//! The generated authorisation matrix: every endpoint × every scope × allowlisted / not ×
//! every token state (valid, expired, rotated within and after the 24 h grace, revoked) ×
//! `Authorization: Bearer` / `X-API-Key`, against the running server. The expected answer of
//! each cell is computed from the rules before the request is sent:
//! token (401 `invalid_token`) → source address (403 `ip_not_allowed`) → scope
//! (403 `scope_insufficient`) → the endpoint's own answer. Every response, whatever its
//! status, carries a request id and the rate-limit headers.

#[path = "api_support/mod.rs"]
mod support;

use cybriq::api::auth::Scope;
use serde_json::json;
use support::nac::FakeNac;
use support::{Carry, Server, TokenState, token};

struct Endpoint {
    method: &'static str,
    path: String,
    /// `None`: any valid token.
    scope: Option<Scope>,
    /// Mutates the token (each cell gets fresh tokens anyway).
    rotate: bool,
    /// JSON body.
    body: Option<serde_json::Value>,
    /// The endpoint's own answer once authorised.
    ok: (u16, &'static str),
}

/// The NAC hand-offs: `soar-action`, both NACs configured (a fake that accepts).
fn nac_endpoints(event_id: &str) -> Vec<Endpoint> {
    [
        (
            "cisco-ise/quarantine",
            json!({"event_id": event_id, "policy": "Quarantine"}),
        ),
        (
            "forescout/quarantine",
            json!({"event_id": event_id, "policy": "Quarantine"}),
        ),
        (
            "cisco-ise/release",
            json!({"event_id": event_id, "policy": "Quarantine"}),
        ),
        ("forescout/release", json!({"event_id": event_id})),
    ]
    .into_iter()
    .map(|(p, body)| Endpoint {
        method: "POST",
        path: format!("/api/v1/integrations/{p}"),
        scope: Some(Scope::SoarAction),
        rotate: false,
        body: Some(body),
        ok: (200, ""),
    })
    .collect()
}

fn endpoints(event_id: &str) -> Vec<Endpoint> {
    let get = |path: String, scope| Endpoint {
        method: "GET",
        path,
        scope,
        rotate: false,
        body: None,
        ok: (200, ""),
    };
    let write = |method, path: String, body: serde_json::Value, ok| Endpoint {
        method,
        path,
        scope: Some(Scope::EventsWrite),
        rotate: false,
        body: Some(body),
        ok,
    };
    let now = cybriq::api::Clock::default().now();
    let later = |h: i64| {
        cybriq::store::query::rfc3339_secs(cybriq::clock::Timestamp(now.0 + h * 3_600_000_000))
    };
    let mut v = vec![
        get(
            "/api/v1/inventory?limit=5".into(),
            Some(Scope::InventoryRead),
        ),
        get("/api/v1/inventory/count".into(), Some(Scope::InventoryRead)),
        get(
            "/api/v1/inventory/diff?baseline=2026-01-01".into(),
            Some(Scope::InventoryRead),
        ),
        get(
            format!("/api/v1/devices/{}", support::dna(1)),
            Some(Scope::InventoryRead),
        ),
        get(
            format!("/api/v1/devices/{}/timeline", support::dna(1)),
            Some(Scope::InventoryRead),
        ),
        get("/api/v1/drift/by-port".into(), Some(Scope::EventsRead)),
        get(
            format!("/api/v1/drift/by-device/{}", support::dna(1)),
            Some(Scope::EventsRead),
        ),
        get("/api/v1/auth/whoami".into(), None),
        get("/api/v1/metrics".into(), None),
        get("/api/v1/change-windows".into(), Some(Scope::EventsRead)),
        Endpoint {
            method: "POST",
            path: "/api/v1/auth/rotate".into(),
            scope: None,
            rotate: true,
            body: Some(json!({})),
            ok: (200, ""),
        },
        write(
            "POST",
            format!("/api/v1/events/{event_id}/acknowledge"),
            json!({"operator": "soar-bot", "reason": "triaged"}),
            (200, ""),
        ),
        write(
            "POST",
            format!("/api/v1/events/{event_id}/suppress"),
            json!({"duration": "1h", "operator": "soar-bot", "reason": "triaged"}),
            (201, ""),
        ),
        write(
            "POST",
            "/api/v1/change-windows".into(),
            json!({"name": "CHG1", "switch": "*", "start": later(0), "end": later(2),
                   "operator": "noc", "reason": "refresh"}),
            (201, ""),
        ),
        // An unknown id: the endpoint's own answer is 404 (a real one is cancelled once).
        write(
            "DELETE",
            "/api/v1/change-windows/cw_01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
            json!(null),
            (404, "not_found"),
        ),
    ];
    v.extend(nac_endpoints(event_id));
    v
}

fn expected(ep: &Endpoint, scope: Scope, allowed: bool, state: TokenState) -> (u16, &'static str) {
    if !state.authenticates() {
        (401, "invalid_token")
    } else if !allowed {
        (403, "ip_not_allowed")
    } else if ep.scope.is_some_and(|s| s != scope) {
        (403, "scope_insufficient")
    } else if ep.rotate && state == TokenState::RotatedRecently {
        (409, "conflict")
    } else {
        ep.ok
    }
}

#[test]
fn every_endpoint_scope_allowlist_token_state_and_carrier_answers_as_specified() {
    let dir = support::TempDir::new("authz");
    let now = cybriq::api::Clock::default().now();
    cybriq::store::open(&cybriq::store::db_path(&dir.0)).unwrap();
    support::seed(&dir.0, 5, now);
    // Budgets large enough that the matrix itself is never rate-limited.
    let fake = FakeNac::start();
    let s = Server::start_with(
        dir,
        "read_per_minute = 1000000\nwrite_per_minute = 1000000",
        fake.integrations(),
    );
    let store = s.tokens();
    let c = s.client();
    let mut cells = 0;
    let mut failures = Vec::new();
    let event_id: String = cybriq::store::open(&cybriq::store::db_path(&s.dir.0))
        .unwrap()
        .query_row(
            "SELECT event_id FROM events ORDER BY seq LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for ep in endpoints(&event_id) {
        // No credential at all.
        let r = c.request(ep.method, &ep.path, None, None);
        if (r.status, r.code().as_str()) != (401, "invalid_token") {
            failures.push(format!(
                "{} {} without a token: {}",
                ep.method, ep.path, r.status
            ));
        }
        for scope in Scope::ALL {
            // Allowlisted: 127.0.0.1 is inside; not: a documentation range only. Read scopes
            // may also have no allowlist (any address).
            let mut allows: Vec<(&[&str], bool)> =
                vec![(&["127.0.0.0/8"], true), (&["192.0.2.0/24"], false)];
            if !scope.needs_allowlist() {
                allows.push((&[], true));
            }
            for (allow, allowed) in allows {
                for state in TokenState::ALL {
                    for carry in [Carry::Bearer, Carry::ApiKey] {
                        let t = token(&store, now, &[scope], allow, state);
                        let want = expected(&ep, scope, allowed, state);
                        let body = ep.body.as_ref().filter(|b| !b.is_null());
                        let r = c.request(ep.method, &ep.path, Some((&t.token, carry)), body);
                        cells += 1;
                        let got_code = if r.status < 300 {
                            String::new()
                        } else {
                            r.code()
                        };
                        let cell = format!(
                            "{} {} scope={scope} allow={allow:?} state={state:?} carry={carry:?}",
                            ep.method, ep.path
                        );
                        if (r.status, got_code.as_str()) != want {
                            failures.push(format!(
                                "{cell}: want {want:?}, got {} {got_code}",
                                r.status
                            ));
                        }
                        let rid = r.header("x-request-id").unwrap_or("");
                        if !rid.starts_with("req_")
                            || r.header("x-rate-limit-remaining").is_none()
                            || r.header("x-rate-limit-reset").is_none()
                        {
                            failures.push(format!("{cell}: headers {:?}", r.headers));
                        }
                        if r.status >= 300 && r.json()["error"]["request_id"] != rid {
                            failures.push(format!("{cell}: request_id differs from the header"));
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cells >= 15 * 5 * 2 * 5 * 2, "{cells}");
    // Only the cells that pass the guard reached the NAC: per NAC endpoint, the valid and
    // the recently rotated soar-action token, allowlisted, by both carriers.
    assert_eq!(fake.take().len(), 4 * 2 * 2);
    println!("{cells} cells as specified");
}

#[test]
fn scopes_are_never_widened_and_write_scopes_need_an_allowlist() {
    let s = Server::start("authz-issue", "");
    let store = s.tokens();
    let now = s.clock.now();
    for scope in [Scope::EventsWrite, Scope::SoarAction] {
        let e = store
            .issue_code(
                now,
                &cybriq::api::auth::IssueRequest {
                    scope: vec![scope],
                    ip_allowlist: vec![],
                    token_lifetime_secs: 86_400,
                    name: None,
                },
            )
            .unwrap_err();
        assert!(e.to_string().contains("allowlist"), "{e}");
    }
    // A rotated token's successor carries exactly the old scope.
    let t = token(&store, now, &[Scope::EventsRead], &[], TokenState::Valid);
    let r = s
        .client()
        .post("/api/v1/auth/rotate", Some(&t.token), &json!({}));
    assert_eq!(r.json()["scope"], json!(["events:read"]));
    // An issue code older than 24 h no longer exchanges.
    let old = store
        .issue_code(
            cybriq::clock::Timestamp(now.0 - 25 * 3600 * 1_000_000),
            &cybriq::api::auth::IssueRequest {
                scope: vec![Scope::EventsRead],
                ip_allowlist: vec![],
                token_lifetime_secs: 86_400,
                name: None,
            },
        )
        .unwrap();
    let r = s
        .client()
        .post("/api/v1/auth/token", None, &json!({"issue_code": old.code}));
    assert_eq!((r.status, r.code().as_str()), (401, "invalid_token"));
}
