//! The NAC hand-off (reference section 12) against fake NACs written here
//! (`api_support/nac.rs`: HTTPS on 127.0.0.1:0, a generated CA): the documented request shapes
//! (method, path, headers, basic auth, body), success, every error shape, ISE's CSRF token,
//! a NAC that never answers, certificates that do not verify; the audit trail the event and
//! device views show; and the 4xx answers before any NAC is asked.

#[path = "api_support/mod.rs"]
mod support;

use cybriq::api::auth::Scope;
use cybriq::config::integrations::Integrations;
use serde_json::{Value, json};
use support::nac::{self, FakeNac, Pki, Reply};
use support::{Server, TempDir, TokenState, token};

/// `[integrations.cisco_ise]` for `fake` with `extra` keys (trust among them).
fn ise_section(fake: &FakeNac, extra: &str) -> String {
    let pw = fake.secret_file("ise.pw", nac::ISE_PASSWORD);
    format!(
        "[cisco_ise]\nurl = \"{}\"\nusername = \"{}\"\npassword = {{ file = \"{}\" }}\n{extra}\n",
        fake.url(),
        nac::ISE_USER,
        pw.display()
    )
}

/// `[integrations.forescout]` for `fake` with `extra` keys.
fn forescout_section(fake: &FakeNac, extra: &str) -> String {
    let pw = fake.secret_file("fs.pw", nac::FS_PASSWORD);
    format!(
        "[forescout]\nurl = \"{}\"\nusername = \"{}\"\ndex_account = \"{}\"\n\
         password = {{ file = \"{}\" }}\nproperty = \"connect_cybriq_quarantine\"\n\
         event_property = \"connect_cybriq_event\"\n{extra}\n",
        fake.url(),
        nac::FS_USER,
        nac::FS_ACCOUNT,
        pw.display()
    )
}

fn pin(fake: &FakeNac) -> String {
    format!("pin_sha256 = \"{}\"", fake.pki.pin())
}

/// A server with seeded events, the given `[integrations]`, a `soar-action` token and a
/// read token.
struct Rig {
    s: Server,
    soar: String,
    read: String,
    event_id: String,
    mac: String,
}

fn rig(name: &str, integrations: &str) -> Rig {
    let dir = TempDir::new(name);
    let now = cybriq::api::Clock::default().now();
    cybriq::store::open(&cybriq::store::db_path(&dir.0)).unwrap();
    support::seed(&dir.0, 3, now);
    let (event_id, mac): (String, String) = cybriq::store::open(&cybriq::store::db_path(&dir.0))
        .unwrap()
        .query_row(
            "SELECT event_id, mac FROM events ORDER BY seq LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let i: Integrations = toml::from_str(integrations).unwrap();
    let s = Server::start_with(dir, "write_per_minute = 100000", i);
    let store = s.tokens();
    let soar = token(
        &store,
        now,
        &[Scope::SoarAction],
        &["127.0.0.0/8"],
        TokenState::Valid,
    )
    .token;
    let read = token(
        &store,
        now,
        &[Scope::EventsRead, Scope::InventoryRead],
        &[],
        TokenState::Valid,
    )
    .token;
    Rig {
        s,
        soar,
        read,
        event_id,
        mac,
    }
}

impl Rig {
    fn post(&self, path: &str, body: &Value) -> support::Response {
        self.s.client().post(path, Some(&self.soar), body)
    }

    fn quarantine(&self, nac: &str, policy: &str) -> support::Response {
        self.post(
            &format!("/api/v1/integrations/{nac}/quarantine"),
            &json!({"event_id": self.event_id, "policy": policy}),
        )
    }

    /// The event's audit trail as the drift view shows it.
    fn audit(&self) -> Vec<Value> {
        let r = self
            .s
            .client()
            .get("/api/v1/drift/by-port?limit=100", &self.read);
        assert_eq!(r.status, 200);
        let ev = r.json()["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event_id"] == self.event_id.as_str())
            .cloned()
            .unwrap();
        ev["audit"].as_array().cloned().unwrap_or_default()
    }
}

fn basic(user: &str, pw: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}"))
    )
}

#[test]
fn ise_quarantine_and_release_send_the_documented_requests() {
    let fake = FakeNac::start();
    let r = rig("nac-ise", &ise_section(&fake, &pin(&fake)));
    let resp = r.quarantine("cisco-ise", "Quarantine_Policy");
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let b = resp.json();
    assert!(b["job_id"].as_str().unwrap().starts_with("nac_"), "{b}");
    assert_eq!(b["integration"], "cisco-ise");
    assert_eq!(b["action"], "quarantine");
    assert_eq!(b["status"], "accepted");
    assert_eq!(b["event_id"], r.event_id.as_str());
    assert_eq!(b["mac"], r.mac.as_str());
    assert_eq!(b["policy"], "Quarantine_Policy");
    assert_eq!(b["nac_status"], 204);
    let seen = fake.take();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let q = &seen[0];
    assert_eq!(
        (q.method.as_str(), q.path.as_str()),
        ("PUT", "/ers/config/ancendpoint/apply")
    );
    assert_eq!(
        q.header("authorization"),
        Some(basic(nac::ISE_USER, nac::ISE_PASSWORD).as_str())
    );
    assert_eq!(q.header("content-type"), Some("application/json"));
    assert_eq!(q.header("accept"), Some("application/json"));
    assert_eq!(
        q.header("host"),
        Some(format!("127.0.0.1:{}", fake.addr.port()).as_str())
    );
    let mac = r.mac.to_uppercase();
    assert_eq!(
        q.json(),
        json!({"OperationAdditionalData": {"additionalData": [
            {"name": "macAddress", "value": mac},
            {"name": "policyName", "value": "Quarantine_Policy"}]}})
    );
    // Newer ISE answers 200.
    fake.set(Reply::Fixed {
        status: 200,
        headers: vec![],
        body: String::new(),
    });
    let resp = r.quarantine("cisco-ise", "Quarantine_Policy");
    assert_eq!(
        (resp.status, resp.json()["nac_status"].clone()),
        (200, json!(200))
    );
    fake.set(Reply::Normal);
    fake.take();
    // Release: ancendpoint/clear, with the policy when given, the MAC alone otherwise.
    let resp = r.post(
        "/api/v1/integrations/cisco-ise/release",
        &json!({"event_id": r.event_id, "policy": "Quarantine_Policy"}),
    );
    assert_eq!(
        (resp.status, resp.json()["action"].clone()),
        (200, json!("release"))
    );
    let resp = r.post(
        "/api/v1/integrations/cisco-ise/release",
        &json!({"event_id": r.event_id}),
    );
    assert_eq!(resp.status, 200);
    let seen = fake.take();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_eq!(
            (s.method.as_str(), s.path.as_str()),
            ("PUT", "/ers/config/ancendpoint/clear")
        );
    }
    assert_eq!(
        seen[0].json()["OperationAdditionalData"]["additionalData"][1]["value"],
        "Quarantine_Policy"
    );
    assert_eq!(
        seen[1].json(),
        json!({"OperationAdditionalData": {"additionalData": [{"name": "macAddress", "value": mac}]}})
    );
    // Every call is in the event's audit trail, request then result, with the job id.
    let audit = r.audit();
    let actions: Vec<&str> = audit
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "nac.quarantine.requested",
            "nac.quarantine.accepted",
            "nac.quarantine.requested",
            "nac.quarantine.accepted",
            "nac.release.requested",
            "nac.release.accepted",
            "nac.release.requested",
            "nac.release.accepted",
        ]
    );
    assert_eq!(audit[1]["detail"]["job_id"], b["job_id"]);
    assert_eq!(audit[1]["detail"]["nac_status"], 204);
    assert_eq!(audit[1]["detail"]["mac"], r.mac.as_str());
    assert!(audit[1]["token_id"].as_str().unwrap().starts_with("tok_"));
    assert!(audit[1]["request_id"].as_str().unwrap().starts_with("req_"));
    // The device view shows the same trail.
    let d =
        r.s.client()
            .get(&format!("/api/v1/devices/{}", support::dna(0)), &r.read);
    assert_eq!(d.status, 200);
    let trail = d.json()["audit"].as_array().unwrap().len();
    assert_eq!(trail, 8);
}

#[test]
fn ise_errors_map_to_nac_codes_and_are_audited() {
    let fake = FakeNac::start();
    let r = rig("nac-ise-err", &ise_section(&fake, &pin(&fake)));
    let ers = |title: &str| {
        json!({"ERSResponse": {"operation": "PUT-update-ancendpoint",
            "messages": [{"title": title, "type": "ERROR", "code": "CRUD operation exception"}]}})
        .to_string()
    };
    let cases = [
        (
            400,
            ers("Bad request: macAddress"),
            "Bad request: macAddress (ERROR, CRUD operation exception)",
        ),
        (404, ers("ANC policy Q not found"), "ANC policy Q not found"),
        (415, ers("Unsupported media type"), "Unsupported media type"),
        (500, ers("Internal error"), "Internal error"),
        (401, String::new(), "credentials"),
        (403, String::new(), "ERS Admin"),
        (406, String::new(), "application/json"),
    ];
    for (status, body, says) in &cases {
        fake.set(Reply::Fixed {
            status: *status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.clone(),
        });
        let resp = r.quarantine("cisco-ise", "Q");
        assert_eq!(
            (resp.status, resp.code()),
            (502, "nac_rejected".into()),
            "{status}"
        );
        let m = resp.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(
            m.contains("Cisco ISE")
                && m.contains(&format!("HTTP {status}"))
                && m.contains(says)
                && m.contains("nac_"),
            "{status}: {m}"
        );
        assert!(
            resp.json()["error"]["request_id"]
                .as_str()
                .unwrap()
                .starts_with("req_")
        );
    }
    let audit = r.audit();
    assert_eq!(audit.len(), 2 * cases.len());
    for (i, (status, _, _)) in cases.iter().enumerate() {
        let res = &audit[2 * i + 1];
        assert_eq!(res["action"], "nac.quarantine.failed");
        assert_eq!(res["detail"]["nac_status"], *status);
        assert!(
            res["detail"]["error"]
                .as_str()
                .unwrap()
                .contains(&format!("HTTP {status}"))
        );
        assert_eq!(audit[2 * i]["detail"]["job_id"], res["detail"]["job_id"]);
    }
}

#[test]
fn ise_wrong_credentials_are_refused_by_the_nac() {
    let fake = FakeNac::start();
    let section = ise_section(&fake, &pin(&fake));
    std::fs::write(fake.dir.0.join("ise.pw"), "not-the-password\n").unwrap();
    let r = rig("nac-ise-cred", &section);
    let resp = r.quarantine("cisco-ise", "Q");
    assert_eq!((resp.status, resp.code()), (502, "nac_rejected".into()));
    assert!(
        resp.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("401")
    );
}

#[test]
fn ise_csrf_token_is_fetched_and_sent_back_with_the_session() {
    let fake = FakeNac::start();
    fake.require_csrf(true);
    let r = rig(
        "nac-csrf",
        &ise_section(&fake, &format!("{}\ncsrf = true", pin(&fake))),
    );
    let resp = r.quarantine("cisco-ise", "Q");
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let seen = fake.take();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("GET", "/ers/config/ancendpoint/versioninfo")
    );
    assert_eq!(seen[0].header("x-csrf-token"), Some("fetch"));
    assert_eq!(
        seen[0].header("authorization"),
        Some(basic(nac::ISE_USER, nac::ISE_PASSWORD).as_str())
    );
    assert_eq!(seen[1].path, "/ers/config/ancendpoint/apply");
    assert_eq!(seen[1].header("x-csrf-token"), Some(nac::CSRF_TOKEN));
    assert_eq!(
        seen[1].header("cookie"),
        Some(format!("{}; JSESSIONID=9A1", nac::SESSION).as_str())
    );
    // An ISE that hands out no token: refused, saying so.
    fake.set(Reply::Fixed {
        status: 200,
        headers: vec![],
        body: "{}".into(),
    });
    let resp = r.quarantine("cisco-ise", "Q");
    assert_eq!((resp.status, resp.code()), (502, "nac_rejected".into()));
    assert!(
        resp.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("X-CSRF-TOKEN")
    );
    assert_eq!(fake.take().len(), 1, "no change is sent without a token");
}

#[test]
fn an_ise_without_the_csrf_fetch_is_refused_when_it_requires_one() {
    let fake = FakeNac::start();
    fake.require_csrf(true);
    let r = rig("nac-nocsrf", &ise_section(&fake, &pin(&fake)));
    let resp = r.quarantine("cisco-ise", "Q");
    assert_eq!((resp.status, resp.code()), (502, "nac_rejected".into()));
    assert!(
        resp.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("403")
    );
}

#[test]
fn a_nac_that_never_answers_times_out() {
    let fake = FakeNac::start();
    fake.set(Reply::Hang);
    let r = rig(
        "nac-hang",
        &format!(
            "{}\n{}",
            ise_section(&fake, &format!("{}\ntimeout = \"1s\"", pin(&fake))),
            forescout_section(&fake, &format!("{}\ntimeout = \"1s\"", pin(&fake)))
        ),
    );
    for nac in ["cisco-ise", "forescout"] {
        let resp = r.quarantine(nac, "Q");
        assert_eq!(
            (resp.status, resp.code()),
            (504, "nac_timeout".into()),
            "{nac}"
        );
        assert!(
            resp.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("within 1 s")
        );
    }
    let audit = r.audit();
    assert_eq!(audit.len(), 4);
    assert_eq!(audit[1]["action"], "nac.quarantine.failed");
    assert_eq!(audit[3]["detail"]["integration"], "forescout");
    assert!(
        audit[3]["detail"]["error"]
            .as_str()
            .unwrap()
            .contains("no answer within 1 s")
    );
}

#[test]
fn certificates_are_verified_never_skipped() {
    let fake = FakeNac::start();
    let other = Pki::new(&["localhost", "127.0.0.1"]);
    let other_ca = fake.dir.0.join("other-ca.pem");
    std::fs::write(&other_ca, &other.ca_pem).unwrap();
    let ca = fake.ca_file();
    // The right CA: accepted, name checked against the URL's address.
    let r = rig(
        "nac-ca",
        &ise_section(&fake, &format!("ca = \"{}\"", ca.display())),
    );
    assert_eq!(r.quarantine("cisco-ise", "Q").status, 200);
    assert_eq!(fake.take().len(), 1);
    drop(r);
    // A server name the certificate does not carry; another CA; another certificate's pin;
    // nothing listening. Each refused before any request is sent.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    for (name, section, says) in [
        (
            "nac-name",
            ise_section(
                &fake,
                &format!(
                    "ca = \"{}\"\nserver_name = \"ise.example.com\"",
                    ca.display()
                ),
            ),
            "certificate",
        ),
        (
            "nac-otherca",
            ise_section(&fake, &format!("ca = \"{}\"", other_ca.display())),
            "certificate",
        ),
        (
            "nac-pin",
            ise_section(&fake, &format!("pin_sha256 = \"{}\"", other.pin())),
            "certificate",
        ),
        (
            "nac-closed",
            ise_section(&fake, &pin(&fake))
                .replace(&fake.url(), &format!("https://127.0.0.1:{}", closed.port())),
            "connecting",
        ),
    ] {
        let r = rig(name, &section);
        let resp = r.quarantine("cisco-ise", "Q");
        assert_eq!(
            (resp.status, resp.code()),
            (502, "nac_unavailable".into()),
            "{name}"
        );
        let m = resp.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(m.contains(says), "{name}: {m}");
        assert!(fake.take().is_empty(), "{name}: a request was sent");
        assert_eq!(r.audit()[1]["action"], "nac.quarantine.failed");
    }
}

#[test]
fn forescout_quarantine_and_release_send_fsapi_requests() {
    let fake = FakeNac::start();
    let r = rig("nac-fs", &forescout_section(&fake, &pin(&fake)));
    let resp = r.quarantine("forescout", "cybriq-quarantine");
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let b = resp.json();
    assert_eq!(b["integration"], "forescout");
    assert_eq!(
        b["nac_answer"],
        "FSAPI_OK: Successfully updated host properties"
    );
    let seen = fake.take();
    assert_eq!(seen.len(), 1);
    let q = &seen[0];
    assert_eq!(
        (q.method.as_str(), q.path.as_str()),
        ("POST", "/fsapi/niCore/Hosts")
    );
    assert_eq!(q.header("content-type"), Some("application/xml"));
    assert_eq!(
        q.header("authorization"),
        Some(
            basic(
                &format!("{}@{}", nac::FS_USER, nac::FS_ACCOUNT),
                nac::FS_PASSWORD
            )
            .as_str()
        )
    );
    let text = q.text();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(
        (root.tag_name().name(), root.attribute("TYPE")),
        ("FSAPI", Some("request"))
    );
    let tx = doc
        .descendants()
        .find(|n| n.has_tag_name("TRANSACTION"))
        .unwrap();
    assert_eq!(tx.attribute("TYPE"), Some("update"));
    let key = doc
        .descendants()
        .find(|n| n.has_tag_name("HOST_KEY"))
        .unwrap();
    assert_eq!(key.attribute("NAME"), Some("mac"));
    assert_eq!(
        key.attribute("VALUE"),
        Some(r.mac.replace(':', "").as_str())
    );
    let props: Vec<(String, String)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("PROPERTY"))
        .map(|p| {
            let v = p
                .children()
                .find(|n| n.has_tag_name("VALUE"))
                .and_then(|v| v.text());
            (
                p.attribute("NAME").unwrap().to_owned(),
                v.unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        props,
        [
            (
                "connect_cybriq_quarantine".to_owned(),
                "cybriq-quarantine".to_owned()
            ),
            ("connect_cybriq_event".to_owned(), r.event_id.clone()),
        ]
    );
    // Release deletes both properties.
    let resp = r.post(
        "/api/v1/integrations/forescout/release",
        &json!({"event_id": r.event_id}),
    );
    assert_eq!(resp.status, 200);
    let text = fake.take()[0].text();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let tx = doc
        .descendants()
        .find(|n| n.has_tag_name("TRANSACTION"))
        .unwrap();
    assert_eq!(tx.attribute("TYPE"), Some("delete"));
    let names: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("PROPERTY"))
        .filter_map(|p| p.attribute("NAME"))
        .collect();
    assert_eq!(names, ["connect_cybriq_quarantine", "connect_cybriq_event"]);
    // Refusals: another FSAPI code, an HTTP error, an answer that is not FSAPI.
    let fsapi = |code: &str| {
        format!(
            "<FSAPI TYPE=\"response\" API_VERSION=\"2.0\"><STATUS><CODE>{code}</CODE>\
             <MESSAGE>Property connect_cybriq_quarantine is not defined</MESSAGE></STATUS></FSAPI>"
        )
    };
    for (status, body, says) in [
        (
            200,
            fsapi("FSAPI_BAD_REQUEST"),
            "FSAPI_BAD_REQUEST: Property connect_cybriq_quarantine is not defined",
        ),
        (500, fsapi("FSAPI_ERROR"), "HTTP 500: FSAPI_ERROR"),
        (401, String::new(), "credentials"),
        (200, "<html>login</html>".to_owned(), "not an FSAPI answer"),
    ] {
        fake.set(Reply::Fixed {
            status,
            headers: vec![("content-type".into(), "application/xml".into())],
            body,
        });
        let resp = r.quarantine("forescout", "cybriq-quarantine");
        assert_eq!(
            (resp.status, resp.code()),
            (502, "nac_rejected".into()),
            "{says}"
        );
        let m = resp.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(m.contains("Forescout") && m.contains(says), "{m}");
    }
    let audit = r.audit();
    assert_eq!(audit.len(), 12);
    assert_eq!(audit[3]["action"], "nac.release.accepted");
    assert_eq!(audit[5]["action"], "nac.quarantine.failed");
}

#[test]
fn bad_requests_unconfigured_integrations_and_unknown_events_never_reach_a_nac() {
    let bare = rig("nac-none", "");
    for (nac, section) in [
        ("cisco-ise", "[integrations.cisco_ise]"),
        ("forescout", "[integrations.forescout]"),
    ] {
        let resp = bare.quarantine(nac, "Q");
        assert_eq!(
            (resp.status, resp.code()),
            (422, "validation_failed".into())
        );
        let f = resp.json()["error"]["fields"]["integration"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(f.contains(nac) && f.contains(section), "{f}");
    }
    drop(bare);
    let fake = FakeNac::start();
    let r = rig(
        "nac-bad",
        &format!(
            "{}\n{}",
            ise_section(&fake, &pin(&fake)),
            forescout_section(&fake, &pin(&fake))
        ),
    );
    let unknown = "evt_01HQ8M9N0000000000000000AB";
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (
            "cisco-ise/quarantine",
            json!({"event_id": unknown, "policy": "Q"}),
            404,
            "not_found",
        ),
        (
            "cisco-ise/quarantine",
            json!({"event_id": "evt_1", "policy": "Q"}),
            422,
            "event_id",
        ),
        (
            "cisco-ise/quarantine",
            json!({"event_id": r.event_id, "policy": " "}),
            422,
            "policy",
        ),
        (
            "cisco-ise/quarantine",
            json!({"event_id": r.event_id, "policy": "x".repeat(129)}),
            422,
            "policy",
        ),
        (
            "cisco-ise/quarantine",
            json!({"event_id": r.event_id}),
            422,
            "policy",
        ),
        (
            "cisco-ise/quarantine",
            json!({"event_id": r.event_id, "policy": "Q", "mac": "x"}),
            422,
            "mac",
        ),
        (
            "forescout/quarantine",
            json!({"event_id": r.event_id, "policy": "a\u{7}b"}),
            422,
            "policy",
        ),
        (
            "forescout/release",
            json!({"event_id": r.event_id, "policy": "Q"}),
            422,
            "policy",
        ),
        ("cisco-ise/release", json!({"event_id": 7}), 422, "event_id"),
    ];
    for (path, body, status, what) in cases {
        let resp = r.post(&format!("/api/v1/integrations/{path}"), &body);
        assert_eq!(
            resp.status,
            status,
            "{path} {body}: {}",
            String::from_utf8_lossy(&resp.body)
        );
        if status == 422 {
            let fields = resp.json()["error"]["fields"].clone();
            assert!(fields.to_string().contains(what), "{path} {body}: {fields}");
        } else {
            assert_eq!(resp.code(), what);
        }
    }
    // Not JSON at all.
    let resp = r.s.client().request(
        "POST",
        "/api/v1/integrations/cisco-ise/quarantine",
        Some((&r.soar, support::Carry::Bearer)),
        None,
    );
    assert!(resp.status == 415 || resp.status == 422, "{}", resp.status);
    // An event that names no MAC.
    let mut e = cybriq::event::Event::new(
        cybriq::event::EventType::PortOrphaned,
        cybriq::api::Clock::default().now(),
        999,
        "hq-bldg-3",
        "Gi1/0/40",
    );
    e.switch = Some("edge-sw-04".into());
    let id = e.event_id.to_string();
    let w = cybriq::store::Writer::start(
        &cybriq::store::db_path(&r.s.dir.0),
        cybriq::store::WriterSettings::default(),
        None,
    )
    .unwrap();
    w.send(cybriq::store::Write::Events {
        events: vec![e],
        states: Vec::new(),
    });
    w.stop();
    let resp = r.post(
        "/api/v1/integrations/cisco-ise/quarantine",
        &json!({"event_id": id, "policy": "Q"}),
    );
    assert_eq!(resp.status, 422, "{}", String::from_utf8_lossy(&resp.body));
    assert!(
        resp.json()["error"]["fields"]["event_id"]
            .as_str()
            .unwrap()
            .contains("MAC")
    );
    assert!(fake.take().is_empty(), "no NAC was asked");
    assert!(r.audit().is_empty(), "nothing was handed off");
}

#[test]
fn start_up_refuses_unreadable_secrets_and_ca_files_by_key() {
    let fake = FakeNac::start();
    let section = ise_section(&fake, "ca = \"/nonexistent/ca.pem\"");
    let i: Integrations = toml::from_str(&section).unwrap();
    let e = cybriq::integrations::Nac::build(&i)
        .unwrap_err()
        .to_string();
    assert!(e.contains("integrations.cisco_ise.ca"), "{e}");
    let section = forescout_section(&fake, &pin(&fake)).replace(
        &fake.dir.0.join("fs.pw").display().to_string(),
        "/nonexistent/fs.pw",
    );
    let i: Integrations = toml::from_str(&section).unwrap();
    let e = cybriq::integrations::Nac::build(&i)
        .unwrap_err()
        .to_string();
    assert!(e.contains("integrations.forescout.password"), "{e}");
    let not_pem = fake.secret_file("junk.pem", "not a certificate");
    let i: Integrations = toml::from_str(&ise_section(
        &fake,
        &format!("ca = \"{}\"", not_pem.display()),
    ))
    .unwrap();
    let e = cybriq::integrations::Nac::build(&i)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("integrations.cisco_ise.ca") && e.contains("no PEM"),
        "{e}"
    );
}

#[test]
fn an_oversized_answer_is_a_refusal_and_clients_never_show_their_password() {
    let fake = FakeNac::start();
    fake.set(Reply::Fixed {
        status: 500,
        headers: vec![],
        body: "x".repeat(cybriq::integrations::MAX_ANSWER + 1),
    });
    let r = rig("nac-big", &ise_section(&fake, &pin(&fake)));
    let resp = r.quarantine("cisco-ise", "Q");
    assert_eq!((resp.status, resp.code()), (502, "nac_rejected".into()));
    assert!(
        resp.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("larger than")
    );
    let nac = cybriq::integrations::Nac::build(&fake.integrations()).unwrap();
    let shown = format!("{nac:?}");
    let b64 = basic(nac::ISE_USER, nac::ISE_PASSWORD);
    assert!(
        !shown.contains(nac::ISE_PASSWORD) && !shown.contains(&b64[6..]),
        "{shown}"
    );
}
