//! Unit tests of the token store.

use super::*;

fn store(name: &str) -> (TokenStore, PathBuf) {
    let d = std::env::temp_dir().join(format!("cybriq-tokens-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    (TokenStore::open(&d).unwrap(), d)
}

fn req(scope: Vec<Scope>, allow: &[&str]) -> IssueRequest {
    IssueRequest {
        scope,
        ip_allowlist: allow
            .iter()
            .map(|a| crate::api::auth::parse_net(a).unwrap())
            .collect(),
        token_lifetime_secs: 90 * 86_400,
        name: Some("siem".into()),
    }
}

#[test]
fn a_code_is_exchanged_once_and_the_token_authenticates() {
    let (s, d) = store("once");
    let t0 = Timestamp(1_000_000_000_000_000);
    let code = s
        .issue_code(t0, &req(vec![Scope::InventoryRead], &[]))
        .unwrap();
    assert!(code.code.starts_with("ic_") && code.code.len() == 3 + 64);
    let m = s.exchange(t0, &code.code).unwrap().unwrap();
    assert!(m.token.starts_with("cbq_live_pk_"));
    assert_eq!(s.exchange(t0, &code.code).unwrap(), Err(AuthFailure::Used));
    let rec = s.authenticate(t0, &m.token).unwrap().unwrap();
    assert_eq!(rec.scope, vec![Scope::InventoryRead]);
    assert_eq!(rec.expires_at.0 - t0.0, 90 * DAY_US);
    // One flipped secret digit, a wrong prefix, a truncated token.
    let mut bad = m.token.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    assert_eq!(s.authenticate(t0, &bad).unwrap(), Err(AuthFailure::Unknown));
    assert_eq!(
        s.authenticate(t0, "Bearer x").unwrap(),
        Err(AuthFailure::Malformed)
    );
    assert_eq!(
        s.authenticate(t0, &m.token[..40]).unwrap(),
        Err(AuthFailure::Malformed)
    );
    assert_eq!(
        s.authenticate(Timestamp(t0.0 + 90 * DAY_US), &m.token)
            .unwrap(),
        Err(AuthFailure::Expired)
    );
    // No secret in the database.
    let db = std::fs::read(crate::store::db_path(&d)).unwrap();
    let secret = &m.token[TOKEN_PREFIX.len() + 16..];
    assert!(!db.windows(secret.len()).any(|w| w == secret.as_bytes()));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn codes_expire_after_a_day_and_write_scopes_need_an_allowlist() {
    let (s, d) = store("expire");
    let t0 = Timestamp(1_000_000_000_000_000);
    let e = s
        .issue_code(t0, &req(vec![Scope::EventsWrite], &[]))
        .unwrap_err();
    assert!(e.to_string().contains("allow"), "{e}");
    let code = s
        .issue_code(t0, &req(vec![Scope::EventsWrite], &["10.0.0.0/8"]))
        .unwrap();
    let late = Timestamp(t0.0 + CODE_LIFETIME_US);
    assert_eq!(
        s.exchange(late, &code.code).unwrap(),
        Err(AuthFailure::Expired)
    );
    assert_eq!(
        s.exchange(t0, &format!("ic_{}", "0".repeat(64))).unwrap(),
        Err(AuthFailure::Unknown)
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn rotation_keeps_scope_and_limits_the_old_token_to_a_day() {
    let (s, d) = store("rotate");
    let t0 = Timestamp(1_000_000_000_000_000);
    let code = s
        .issue_code(t0, &req(vec![Scope::SoarAction], &["192.0.2.0/24"]))
        .unwrap();
    let m = s.exchange(t0, &code.code).unwrap().unwrap();
    let t1 = Timestamp(t0.0 + DAY_US);
    let next = s.rotate(t1, &m.record).unwrap().unwrap();
    assert_eq!(next.record.scope, m.record.scope);
    assert_eq!(next.record.ip_allowlist, m.record.ip_allowlist);
    assert!(s.rotate(t1, &m.record).unwrap().is_none());
    let old = s.authenticate(t1, &m.token).unwrap().unwrap();
    assert_eq!(old.expires_at.0, t1.0 + ROTATION_GRACE_US);
    assert_eq!(
        s.authenticate(Timestamp(t1.0 + ROTATION_GRACE_US), &m.token)
            .unwrap(),
        Err(AuthFailure::Expired)
    );
    assert!(
        s.authenticate(Timestamp(t1.0 + ROTATION_GRACE_US), &next.token)
            .unwrap()
            .is_ok()
    );
    assert!(s.revoke(t1, &next.record.id).unwrap());
    assert!(!s.revoke(t1, &next.record.id).unwrap());
    assert_eq!(
        s.authenticate(t1, &next.token).unwrap(),
        Err(AuthFailure::Revoked)
    );
    assert_eq!(s.list().unwrap().len(), 2);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn expiry_warnings_are_logged_once_per_threshold() {
    let (s, d) = store("warn");
    let t0 = Timestamp(1_000_000_000_000_000);
    let code = s
        .issue_code(t0, &req(vec![Scope::EventsRead], &[]))
        .unwrap();
    s.exchange(t0, &code.code).unwrap().unwrap();
    assert!(s.warn_expiring(t0).unwrap().is_empty());
    let at = |days: i64| Timestamp(t0.0 + (90 - days) * DAY_US + 1);
    let w: Vec<i64> = s
        .warn_expiring(at(30))
        .unwrap()
        .iter()
        .map(|x| x.1.days)
        .collect();
    assert_eq!(w, vec![30]);
    assert!(s.warn_expiring(at(29)).unwrap().is_empty());
    assert_eq!(s.warn_expiring(at(7)).unwrap()[0].1.days, 7);
    assert_eq!(s.warn_expiring(at(1)).unwrap()[0].1.days, 1);
    assert!(s.warn_expiring(at(1)).unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_audit_trail_is_append_only() {
    let (s, d) = store("audit");
    s.audit(
        Timestamp(1),
        "req_1",
        "tok_1",
        "event.acknowledged",
        "evt_1",
        &serde_json::json!({}),
    )
    .unwrap();
    let c = crate::store::open(&crate::store::db_path(&d)).unwrap();
    assert!(c.execute("UPDATE api_audit SET action = 'x'", []).is_err());
    assert!(c.execute("DELETE FROM api_audit", []).is_err());
    let _ = std::fs::remove_dir_all(&d);
}
