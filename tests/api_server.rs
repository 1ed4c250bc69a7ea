//! The API server end to end over TLS on 127.0.0.1:0: the token life cycle, the endpoints'
//! answers on a seeded store, bad input (each a 4xx naming its field, never a 5xx), rate
//! limits, certificate reload, and the committed OpenAPI document.

#[path = "api_support/mod.rs"]
mod support;

use cybriq::api::auth::Scope;
use serde_json::json;
use support::{Carry, Server, TokenState, token};

fn now(s: &Server) -> cybriq::clock::Timestamp {
    s.clock.now()
}

#[test]
fn an_issue_code_is_exchanged_once_for_a_token_that_works_as_bearer_and_api_key() {
    let s = Server::start("flow", "");
    let c = s.client();
    let store = s.tokens();
    let code = store
        .issue_code(
            now(&s),
            &cybriq::api::auth::IssueRequest {
                scope: vec![Scope::InventoryRead, Scope::EventsRead],
                ip_allowlist: vec![cybriq::api::auth::parse_net("127.0.0.0/8").unwrap()],
                token_lifetime_secs: 90 * 86_400,
                name: Some("splunk".into()),
            },
        )
        .unwrap();
    let r = c.post(
        "/api/v1/auth/token",
        None,
        &json!({"issue_code": code.code}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    let tok = j["token"].as_str().unwrap().to_owned();
    assert!(tok.starts_with("cbq_live_pk_"));
    assert_eq!(j["scope"], json!(["events:read", "inventory:read"]));
    assert_eq!(j["ip_allowlist"], json!(["127.0.0.0/8"]));
    let exp = cybriq::event::parse_rfc3339(j["expires_at"].as_str().unwrap()).unwrap();
    let dl = cybriq::event::parse_rfc3339(j["rotation_deadline"].as_str().unwrap()).unwrap();
    assert_eq!((exp.0 - dl.0) / support::DAY, 15);
    // Burnt.
    let again = c.post(
        "/api/v1/auth/token",
        None,
        &json!({"issue_code": code.code}),
    );
    assert_eq!(
        (again.status, again.code().as_str()),
        (401, "invalid_token")
    );
    // Both carriers.
    for carry in [Carry::Bearer, Carry::ApiKey] {
        let w = c.request("GET", "/api/v1/auth/whoami", Some((&tok, carry)), None);
        assert_eq!(w.status, 200);
        assert_eq!(w.json()["name"], "splunk");
        assert_eq!(w.json()["expiry_warning_days"], json!(null));
        assert!(w.header("x-request-id").unwrap().starts_with("req_"));
        assert!(w.header("x-rate-limit-remaining").is_some());
        assert!(w.header("x-rate-limit-reset").is_some());
    }
    // Rotation: a successor with the same scope and allowlist; the old one still works, once.
    let r = c.post("/api/v1/auth/rotate", Some(&tok), &json!({}));
    assert_eq!(r.status, 200);
    let next = r.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["scope"], j["scope"]);
    assert_eq!(r.json()["ip_allowlist"], j["ip_allowlist"]);
    let w = c.get("/api/v1/auth/whoami", &tok);
    assert_eq!(w.status, 200);
    assert_eq!(w.json()["rotated_to"], r.json()["token_id"]);
    assert!(w.json()["remaining_seconds"].as_i64().unwrap() <= 86_400);
    let again = c.post("/api/v1/auth/rotate", Some(&tok), &json!({}));
    assert_eq!((again.status, again.code().as_str()), (409, "conflict"));
    // Revoked by the CLI's store call: refused at once.
    let id = r.json()["token_id"].as_str().unwrap().to_owned();
    assert!(store.revoke(now(&s), &id).unwrap());
    let w = c.get("/api/v1/auth/whoami", &next);
    assert_eq!((w.status, w.code().as_str()), (401, "invalid_token"));
    assert!(w.header("www-authenticate").is_some());
    s.stop().unwrap();
}

#[test]
fn expiry_warnings_show_in_whoami() {
    let s = Server::start("warn", "");
    let store = s.tokens();
    let t = token(
        &store,
        cybriq::clock::Timestamp(now(&s).0 - 85 * support::DAY),
        &[Scope::EventsRead],
        &[],
        TokenState::Valid,
    );
    let w = s.client().get("/api/v1/auth/whoami", &t.token);
    assert_eq!(w.status, 200);
    assert_eq!(w.json()["expiry_warning_days"], 7);
}

fn seeded(name: &str) -> (Server, String) {
    let dir = support::TempDir::new(name);
    let now = cybriq::api::Clock::default().now();
    cybriq::store::open(&cybriq::store::db_path(&dir.0)).unwrap();
    support::seed(&dir.0, 50, now);
    let s = Server::start_in(dir, "");
    let t = token(
        &s.tokens(),
        now,
        &[Scope::InventoryRead, Scope::EventsRead],
        &[],
        TokenState::Valid,
    );
    (s, t.token)
}

#[test]
fn inventory_filters_count_and_device_detail() {
    let (s, t) = seeded("inventory");
    let c = s.client();
    let all = c.get("/api/v1/inventory", &t);
    assert_eq!(all.status, 200);
    let j = all.json();
    assert_eq!(j["devices"].as_array().unwrap().len(), 50);
    assert_eq!(j["next_cursor"], json!(null));
    let d0 = &j["devices"][0];
    for key in [
        "device_dna",
        "site",
        "switch",
        "port",
        "vendor",
        "ndaa_status",
        "first_seen",
        "last_seen",
    ] {
        assert!(d0.get(key).is_some(), "{key} missing: {d0}");
    }
    assert_eq!(d0["site"], "hq-bldg-3");
    assert_eq!(d0["vendor"], "Hikvision DS-2CD2143G2-I");
    assert!(
        d0["first_seen"].as_str().unwrap().ends_with(":00Z")
            || d0["first_seen"].as_str().unwrap().ends_with('Z')
    );

    let q = |path: &str| c.get(path, &t).json();
    let prohibited = q("/api/v1/inventory?ndaa_status=prohibited");
    assert_eq!(prohibited["devices"].as_array().unwrap().len(), 5);
    assert!(
        prohibited["devices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["ndaa_status"] == "prohibited")
    );
    assert_eq!(
        q("/api/v1/inventory/count?ndaa_status=prohibited")["count"],
        5
    );
    assert_eq!(q("/api/v1/inventory/count?vendor=hikvision")["count"], 5);
    assert_eq!(q("/api/v1/inventory/count")["count"], 50);
    assert_eq!(q("/api/v1/inventory/count?site=elsewhere")["count"], 0);
    assert_eq!(q("/api/v1/inventory/count?site=hq-bldg-3")["count"], 50);
    // Where is this MAC plugged in (any common spelling).
    let m = support::mac(7);
    let cisco = m.replace(':', "").to_uppercase();
    let dotted = format!("{}.{}.{}", &cisco[..4], &cisco[4..8], &cisco[8..]);
    let one = q(&format!("/api/v1/inventory?mac={dotted}"));
    assert_eq!(one["devices"][0]["mac"], m.as_str());
    assert_eq!(one["devices"][0]["port"], support::port(7).as_str());
    let by_port = q(&format!(
        "/api/v1/inventory?switch={}&port={}",
        support::switch(7),
        support::port(7).replace('/', "%2F")
    ));
    assert!(
        by_port["devices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["mac"] == m.as_str())
    );
    let ip = one["devices"][0]["ip"].as_str().unwrap().to_owned();
    assert_eq!(q(&format!("/api/v1/inventory/count?ip={ip}"))["count"], 1);
    let vlan = one["devices"][0]["vlan"].as_u64().unwrap();
    let n_vlan = q(&format!("/api/v1/inventory/count?vlan={vlan}"))["count"]
        .as_u64()
        .unwrap();
    assert!(n_vlan > 0 && n_vlan < 50, "{n_vlan}");
    let future = "2999-01-01T00:00:00Z";
    assert_eq!(
        q(&format!(
            "/api/v1/inventory/count?first_seen_after={future}"
        ))["count"],
        0
    );
    assert_eq!(
        q(&format!(
            "/api/v1/inventory/count?last_seen_before={future}"
        ))["count"],
        50
    );

    // Device detail.
    let d = c.get(&format!("/api/v1/devices/{}", support::dna(3)), &t);
    assert_eq!(d.status, 200);
    let d = d.json();
    assert_eq!(d["mac"], support::mac(3).as_str());
    assert_eq!(d["controls"], json!(["PCI-4.0/12.5.1", "SOC2/CC6.1"]));
    assert_eq!(d["events"].as_array().unwrap().len(), 1);
    assert_eq!(d["similarity_history"][0]["similarity"], 0.31);
    assert_eq!(d["signals"][0]["family"], "model");
    let missing = c.get(&format!("/api/v1/devices/{}", support::dna(999)), &t);
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (404, "not_found")
    );
}

#[test]
fn drift_history_by_port_and_by_device() {
    let (s, t) = seeded("drift");
    let c = s.client();
    let all = c.get("/api/v1/drift/by-port?site=hq-bldg-3", &t).json();
    let events = all["events"].as_array().unwrap();
    assert_eq!(events.len(), 20);
    let ts: Vec<&str> = events
        .iter()
        .map(|e| e["timestamp"].as_str().unwrap())
        .collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "chronological: {ts:?}");
    let e = &events[0];
    assert_eq!(e["event"], "device-substituted");
    assert_eq!(e["current_dna"], e["device_dna"]);
    assert_eq!(e["mitre"], json!(["T1200", "T1556"]));
    let port = support::port(4).replace('/', "%2F");
    let one = c
        .get(
            &format!(
                "/api/v1/drift/by-port?switch={}&port={port}",
                support::switch(4)
            ),
            &t,
        )
        .json();
    assert_eq!(one["events"].as_array().unwrap().len(), 1);
    assert_eq!(
        c.get("/api/v1/drift/by-port?site=nowhere", &t).json()["events"],
        json!([])
    );
    assert_eq!(
        c.get("/api/v1/drift/by-port?until=2000-01-01", &t).json()["events"],
        json!([]),
        "until before the window's start"
    );
    let dev = c
        .get(&format!("/api/v1/drift/by-device/{}", support::dna(4)), &t)
        .json();
    assert_eq!(dev["events"].as_array().unwrap().len(), 1);
    // Known only as a previous DNA: still answers.
    let prev = c.get(
        "/api/v1/drift/by-device/dna:old0000000000000000000000000004",
        &t,
    );
    assert_eq!(prev.status, 200);
    assert_eq!(prev.json()["events"].as_array().unwrap().len(), 1);
    let none = c.get("/api/v1/drift/by-device/dna:ffff", &t);
    assert_eq!((none.status, none.code().as_str()), (404, "not_found"));
    // Paging through events: each exactly once.
    let mut seen = Vec::new();
    let mut path = "/api/v1/drift/by-port?limit=7".to_owned();
    loop {
        let p = c.get(&path, &t).json();
        for e in p["events"].as_array().unwrap() {
            seen.push(e["event_id"].as_str().unwrap().to_owned());
        }
        match p["next_cursor"].as_str() {
            Some(cur) => path = format!("/api/v1/drift/by-port?limit=7&cursor={cur}"),
            None => break,
        }
    }
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!((seen.len(), dedup.len()), (20, 20));
}

/// Every malformed request is a 4xx in the reference's error format with `fields`; none is a
/// 5xx.
#[test]
fn bad_input_is_a_4xx_naming_the_field() {
    let (s, t) = seeded("bad");
    let c = s.client();
    let get = |path: &str| c.get(path, &t);
    let cases: Vec<(&str, &str)> = vec![
        ("/api/v1/inventory?limit=0", "limit"),
        ("/api/v1/inventory?limit=abc", "limit"),
        ("/api/v1/inventory?limit=100000", "limit"),
        ("/api/v1/inventory?vlan=5000", "vlan"),
        ("/api/v1/inventory?vlan=x", "vlan"),
        ("/api/v1/inventory?ndaa_status=banned", "ndaa_status"),
        (
            "/api/v1/inventory?first_seen_after=yesterday",
            "first_seen_after",
        ),
        (
            "/api/v1/inventory?last_seen_before=2026-13-01",
            "last_seen_before",
        ),
        ("/api/v1/inventory?mac=zz:zz", "mac"),
        ("/api/v1/inventory?ip=10.0.0.300", "ip"),
        ("/api/v1/inventory?cursor=nonsense", "cursor"),
        ("/api/v1/inventory?bogus=1", "bogus"),
        ("/api/v1/inventory?site=a&site=b", "site"),
        ("/api/v1/inventory?site=", "site"),
        ("/api/v1/inventory/count?limit=5", "limit"),
        ("/api/v1/drift/by-port?since=last-week", "since"),
        ("/api/v1/drift/by-port?until=2026-05-01T25:00:00Z", "until"),
        ("/api/v1/devices/not-a-dna", "device_dna"),
        ("/api/v1/devices/dna:00?x=1", "x"),
    ];
    for (path, field) in cases {
        let r = get(path);
        assert_eq!(
            r.status,
            422,
            "{path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let j = r.json();
        assert_eq!(j["error"]["code"], "validation_failed", "{path}");
        assert!(j["error"]["fields"][field].is_string(), "{path}: {j}");
        assert!(
            j["error"]["request_id"]
                .as_str()
                .unwrap()
                .starts_with("req_")
        );
    }
    // A cursor from another list.
    let inv = c.get("/api/v1/inventory?limit=1", &t).json();
    let cur = inv["next_cursor"].as_str().unwrap();
    let r = get(&format!("/api/v1/drift/by-port?cursor={cur}"));
    assert_eq!(r.status, 422);
    assert!(
        r.json()["error"]["fields"]["cursor"]
            .as_str()
            .unwrap()
            .contains("another list")
    );

    // Bodies.
    let post = |body: &[u8], ctype: Option<&str>| {
        let mut head = "POST /api/v1/auth/token HTTP/1.1".to_owned();
        if let Some(ct) = ctype {
            head.push_str(&format!("\r\nContent-Type: {ct}"));
        }
        c.raw(&head, body).unwrap()
    };
    let json_ct = Some("application/json");
    for (body, field) in [
        (&b"{\"issue_code\": "[..], "body"),
        (b"[1, 2]", "body"),
        (b"{\"issue_code\": 42}", "issue_code"),
        (
            b"{\"issue_code\": \"ic_x\", \"scope\": [\"events:write\"]}",
            "scope",
        ),
        (b"{}", "body"),
        (b"{\"issue_code\": \"cbq_live_pk_00\"}", "issue_code"),
    ] {
        let r = post(body, json_ct);
        assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(body));
        assert!(
            r.json()["error"]["fields"][field].is_string(),
            "{}",
            r.json()
        );
    }
    let r = post(b"{\"issue_code\": \"ic_00\"}", Some("text/plain"));
    assert_eq!((r.status, r.code().as_str()), (415, "validation_failed"));
    let big = format!("{{\"issue_code\": \"{}\"}}", "a".repeat(70 * 1024));
    let r = post(big.as_bytes(), json_ct);
    assert_eq!(r.status, 413);
    assert!(r.json()["error"]["fields"]["body"].is_string());
    // A well-formed but unknown code: 401, not 422.
    let r = post(
        format!("{{\"issue_code\": \"ic_{}\"}}", "0".repeat(64)).as_bytes(),
        json_ct,
    );
    assert_eq!((r.status, r.code().as_str()), (401, "invalid_token"));

    // Unknown paths and methods.
    let r = get("/api/v1/nope");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    let r = c.request(
        "DELETE",
        "/api/v1/inventory",
        Some((&t, Carry::Bearer)),
        None,
    );
    assert_eq!(r.status, 405);
    assert!(r.header("x-request-id").is_some());
    // Malformed authorization.
    for auth in [
        "Basic abc",
        "Bearer",
        "Bearer cbq_live_pk_zz",
        "Bearer ic_00",
    ] {
        let r = c
            .raw(
                &format!("GET /api/v1/inventory HTTP/1.1\r\nAuthorization: {auth}"),
                b"",
            )
            .unwrap();
        assert_eq!(
            (r.status, r.code().as_str()),
            (401, "invalid_token"),
            "{auth}"
        );
    }
}

#[test]
fn rate_limits_answer_429_with_retry_after() {
    let s = Server::start("rate", "read_per_minute = 1\nwrite_per_minute = 1");
    let t = token(
        &s.tokens(),
        now(&s),
        &[Scope::EventsRead],
        &[],
        TokenState::Valid,
    );
    let c = s.client();
    let first = c.get("/api/v1/auth/whoami", &t.token);
    assert_eq!(first.status, 200);
    assert_eq!(first.header("x-rate-limit-remaining"), Some("0"));
    let second = c.get("/api/v1/auth/whoami", &t.token);
    assert_eq!(
        (second.status, second.code().as_str()),
        (429, "rate_limited")
    );
    let retry: u64 = second.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(second.header("x-rate-limit-remaining"), Some("0"));
    // Another token has its own budget.
    let u = token(
        &s.tokens(),
        now(&s),
        &[Scope::EventsRead],
        &[],
        TokenState::Valid,
    );
    assert_eq!(c.get("/api/v1/auth/whoami", &u.token).status, 200);
}

#[test]
fn the_certificate_is_reloaded_on_signal_and_the_server_stops_cleanly() {
    let dir = support::TempDir::new("reload");
    let (cert, key) = (dir.0.join("c.pem"), dir.0.join("k.pem"));
    let write = |name: &str| {
        let ck = rcgen::generate_simple_self_signed(vec![name.to_owned()]).unwrap();
        std::fs::write(&cert, ck.cert.pem()).unwrap();
        std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
        cybriq::api::tls::fingerprint(ck.cert.der())
    };
    let first = write("localhost");
    let cfg = format!(
        "cert = {:?}\nkey = {:?}",
        cert.display().to_string(),
        key.display().to_string()
    );
    let s = Server::start_in(dir, &cfg);
    let r = support::Client::new(s.addr, &first).request("GET", "/api/v1/openapi.json", None, None);
    assert_eq!(r.status, 200);
    let second = write("localhost");
    s.reload.notify_one();
    let c2 = support::Client::new(s.addr, &second);
    let mut ok = false;
    for _ in 0..100 {
        if c2.raw("GET /api/v1/openapi.json HTTP/1.1", b"").is_ok() {
            ok = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(ok, "the new certificate is served after the reload");
    assert!(
        support::Client::new(s.addr, &first)
            .raw("GET /api/v1/openapi.json HTTP/1.1", b"")
            .is_err()
    );
    let addr = s.addr;
    s.stop().unwrap();
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "listener closed"
    );
}

/// The committed `deploy/openapi.json` is the served document (`UPDATE_OPENAPI=1` rewrites it).
#[test]
fn the_committed_openapi_document_is_the_served_one() {
    let s = Server::start("openapi", "");
    let r = s
        .client()
        .request("GET", "/api/v1/openapi.json", None, None);
    assert_eq!(r.status, 200);
    assert!(r.header("x-rate-limit-remaining").is_some());
    let served = String::from_utf8(r.body.clone()).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&served).unwrap();
    for p in [
        "/api/v1/auth/token",
        "/api/v1/auth/whoami",
        "/api/v1/auth/rotate",
        "/api/v1/inventory",
        "/api/v1/inventory/count",
        "/api/v1/devices/{device_dna}",
        "/api/v1/drift/by-port",
        "/api/v1/drift/by-device/{device_dna}",
        "/api/v1/integrations/cisco-ise/quarantine",
        "/api/v1/integrations/forescout/quarantine",
        "/api/v1/integrations/cisco-ise/release",
        "/api/v1/integrations/forescout/release",
        "/api/v1/events/{event_id}/suppress",
        "/api/v1/change-windows",
        "/api/v1/change-windows/{change_window_id}",
        "/api/v1/metrics",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing");
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &served).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == served,
        "deploy/openapi.json differs from the served document; run \
         UPDATE_OPENAPI=1 cargo test --test api_server the_committed_openapi and commit it"
    );
}

#[test]
fn acknowledging_an_event_appends_to_its_audit_trail() {
    let (s, read) = seeded("ack");
    let store = s.tokens();
    let w = token(
        &store,
        now(&s),
        &[Scope::EventsWrite],
        &["127.0.0.1"],
        TokenState::Valid,
    )
    .token;
    let c = s.client();
    let first = c.get("/api/v1/drift/by-port?limit=1", &read).json();
    let id = first["events"][0]["event_id"].as_str().unwrap().to_owned();
    let dna = first["events"][0]["device_dna"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(first["events"][0].get("audit").is_none());
    let path = format!("/api/v1/events/{id}/acknowledge");
    let body = json!({"operator": "alice@soc", "reason": "known swap", "note": "CHG-1234"});
    let r = c.post(&path, Some(&w), &body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["operator"], "alice@soc");
    let r2 = c.post(
        &path,
        Some(&w),
        &json!({"operator": "bob", "reason": "second look"}),
    );
    assert_eq!(r2.status, 200);
    // The event and device views show the trail, oldest first.
    let ev = c.get("/api/v1/drift/by-port?limit=1", &read).json();
    let trail = ev["events"][0]["audit"].as_array().unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[0]["action"], "event.acknowledged");
    assert_eq!(trail[0]["detail"]["reason"], "known swap");
    assert_eq!(trail[1]["detail"]["operator"], "bob");
    assert!(trail[0]["request_id"].as_str().unwrap().starts_with("req_"));
    let dev = c.get(&format!("/api/v1/devices/{dna}"), &read).json();
    assert_eq!(dev["audit"].as_array().unwrap().len(), 2);
    // Bad calls write nothing.
    for (p, b, status, field) in [
        (
            path.clone(),
            json!({"operator": "", "reason": "x"}),
            422,
            "operator",
        ),
        (
            path.clone(),
            json!({"operator": "a", "reason": "x", "extra": 1}),
            422,
            "extra",
        ),
        (path.clone(), json!({"operator": "a"}), 422, "body"),
        (
            path.clone(),
            json!({"operator": 1, "reason": "x"}),
            422,
            "operator",
        ),
        (
            "/api/v1/events/evt_nope/acknowledge".into(),
            json!({"operator": "a", "reason": "x"}),
            422,
            "event_id",
        ),
    ] {
        let r = c.post(&p, Some(&w), &b);
        assert_eq!(
            r.status,
            status,
            "{b}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert!(
            r.json()["error"]["fields"][field].is_string(),
            "{b}: {}",
            r.json()
        );
    }
    let unknown = c.post(
        "/api/v1/events/evt_01KR9DRQJ20000000000000007/acknowledge",
        Some(&w),
        &json!({"operator": "a", "reason": "x"}),
    );
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (404, "not_found")
    );
    // A read token may not acknowledge.
    let r = c.post(&path, Some(&read), &body);
    assert_eq!((r.status, r.code().as_str()), (403, "scope_insufficient"));
    let n: i64 = cybriq::store::open(&cybriq::store::db_path(&s.dir.0))
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM api_audit WHERE action = 'event.acknowledged'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn the_inventory_diff_against_a_baseline_lists_added_removed_and_changed() {
    let dir = support::TempDir::new("diff");
    let now = cybriq::api::Clock::default().now();
    let day = support::DAY;
    let c = cybriq::store::open(&cybriq::store::db_path(&dir.0)).unwrap();
    let dev = |mac: &str, port: &str, dna: &str, first: i64, last: i64| {
        c.execute(
            "INSERT INTO devices (mac, switch, port, vendor, model, ndaa_status, dna, first_seen, \
             last_seen, observations) VALUES (?1, 'sw3-fl2', ?2, 'Crestron', 'DM-MD8x8', 'clean', ?3, ?4, ?5, 1)",
            rusqlite::params![mac, port, dna, now.0 - first * day, now.0 - last * day],
        )
        .unwrap();
    };
    let obs = |mac: &str, port: &str, dna: &str, ago: i64| {
        c.execute(
            "INSERT INTO observations (mac, ts, switch, port, proto, dna) VALUES (?1, ?2, 'sw3-fl2', ?3, 'lldp', ?4)",
            rusqlite::params![mac, now.0 - ago * day, port, dna],
        )
        .unwrap();
    };
    // Everyday: the same device on the same port, before and after: not in the diff.
    dev("02:00:00:00:00:01", "port-01", "dna:aa01", 30, 0);
    obs("02:00:00:00:00:01", "port-01", "dna:aa01", 30);
    // Swapped DNA behind the same MAC on port-47 (a substitution event says 0.31).
    dev("02:00:00:00:00:47", "port-47", "dna:5b8e", 30, 0);
    obs("02:00:00:00:00:47", "port-47", "dna:7a4f", 30);
    obs("02:00:00:00:00:47", "port-47", "dna:5b8e", 2);
    // Moved from port-03 to port-33, same DNA.
    dev("02:00:00:00:00:33", "port-33", "dna:cc33", 30, 0);
    obs("02:00:00:00:00:33", "port-03", "dna:cc33", 30);
    obs("02:00:00:00:00:33", "port-33", "dna:cc33", 1);
    // Gone: seen before the baseline, not since.
    dev("02:00:00:00:00:04", "port-04", "dna:4f5c", 30, 10);
    // New since the baseline.
    dev("02:00:00:00:00:19", "port-19", "dna:8c2e", 1, 0);
    let mut e = cybriq::event::Event::new(
        cybriq::event::EventType::DeviceSubstituted,
        cybriq::clock::Timestamp(now.0 - 2 * day),
        9,
        "hq-bldg-3",
        "port-47",
    );
    e.similarity = Some(0.31);
    e.mac = Some("02:00:00:00:00:47".into());
    let w = cybriq::store::Writer::start(
        &cybriq::store::db_path(&dir.0),
        cybriq::store::WriterSettings::default(),
        None,
    )
    .unwrap();
    w.send(cybriq::store::Write::Events {
        events: vec![e],
        states: Vec::new(),
    });
    w.stop();
    drop(c);
    let s = Server::start_in(dir, "");
    let t = token(
        &s.tokens(),
        now,
        &[Scope::InventoryRead],
        &[],
        TokenState::Valid,
    )
    .token;
    let cl = s.client();
    let baseline = cybriq::store::query::rfc3339_secs(cybriq::clock::Timestamp(now.0 - 5 * day));
    let d = cl.get(&format!("/api/v1/inventory/diff?baseline={baseline}"), &t);
    assert_eq!(d.status, 200, "{}", String::from_utf8_lossy(&d.body));
    let d = d.json();
    assert_eq!(d["baseline_at"], baseline.as_str());
    let macs = |k: &str| -> Vec<String> {
        d[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x["mac"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(macs("added"), ["02:00:00:00:00:19"]);
    assert_eq!(macs("removed"), ["02:00:00:00:00:04"]);
    assert_eq!(macs("changed"), ["02:00:00:00:00:33", "02:00:00:00:00:47"]);
    let swap = &d["changed"][1];
    assert_eq!(
        (
            swap["port"].as_str(),
            swap["from"].as_str(),
            swap["to"].as_str()
        ),
        (Some("port-47"), Some("dna:7a4f"), Some("dna:5b8e"))
    );
    assert_eq!(swap["similarity"], 0.31);
    let moved = &d["changed"][0];
    assert_eq!(
        (moved["previous_port"].as_str(), moved["port"].as_str()),
        (Some("port-03"), Some("port-33"))
    );
    assert_eq!(moved["similarity"], json!(null));
    assert_eq!(d["added"][0]["port"], "port-19");
    // The moved device's timeline: both ports, in order, paged one entry at a time.
    let tl = cl
        .get("/api/v1/devices/dna:cc33/timeline?limit=1", &t)
        .json();
    assert_eq!(tl["timeline"][0]["port"], "port-03");
    assert_eq!(tl["timeline"][0]["proto"], "lldp");
    let cur = tl["next_cursor"].as_str().unwrap();
    let tl2 = cl
        .get(
            &format!("/api/v1/devices/dna:cc33/timeline?limit=1&cursor={cur}"),
            &t,
        )
        .json();
    assert_eq!(tl2["timeline"][0]["port"], "port-33");
    assert_eq!(tl2["next_cursor"], json!(null));
    let since = cybriq::store::query::rfc3339_secs(cybriq::clock::Timestamp(now.0 - 5 * day));
    let recent = cl
        .get(
            &format!("/api/v1/devices/dna:cc33/timeline?since={since}"),
            &t,
        )
        .json();
    assert_eq!(recent["timeline"].as_array().unwrap().len(), 1);
    let none = cl.get("/api/v1/devices/dna:ffff/timeline", &t);
    assert_eq!((none.status, none.code().as_str()), (404, "not_found"));
    let wrong = cl.get(
        &format!("/api/v1/devices/dna:cc33/timeline?cursor={cur}x"),
        &t,
    );
    assert_eq!(wrong.status, 422);
    assert_eq!(d["next_cursor"], json!(null));
    // Paged: the same entries, one per page.
    let mut seen = 0;
    let mut path = format!("/api/v1/inventory/diff?baseline={baseline}&limit=1");
    loop {
        let p = cl.get(&path, &t).json();
        seen += ["added", "removed", "changed"]
            .iter()
            .map(|k| p[*k].as_array().unwrap().len())
            .sum::<usize>();
        match p["next_cursor"].as_str() {
            Some(cur) => {
                path = format!("/api/v1/inventory/diff?baseline={baseline}&limit=1&cursor={cur}")
            }
            None => break,
        }
    }
    assert_eq!(seen, 4);
    for bad in [
        "",
        "?baseline=last-quarter",
        "?baseline=2999-01-01",
        "?baseline=2026-01-01&x=1",
    ] {
        let r = cl.get(&format!("/api/v1/inventory/diff{bad}"), &t);
        assert_eq!(r.status, 422, "{bad}");
    }
}
