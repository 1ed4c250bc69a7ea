//! Cisco ISE through ERS (External RESTful Services, port 9060): Adaptive Network Control.
//!
//! Quarantine is `PUT /ers/config/ancendpoint/apply`, release `PUT /ers/config/ancendpoint/clear`,
//! both with basic auth of an ERS admin, `Content-Type` and `Accept: application/json`, and
//! `{"OperationAdditionalData": {"additionalData": [{"name": "macAddress", "value": MAC},
//! {"name": "policyName", "value": POLICY}]}}` (a release without a policy sends the MAC
//! only). ISE answers 204 (newer releases 200): anything in 200–204 is success. Errors come as
//! `{"ERSResponse": {"messages": [{"title", "type", "code"}]}}` (400, 404, 415, 500) or without
//! a body (401, 403, 406). With `csrf = true` an `X-CSRF-TOKEN` is fetched first
//! (`GET /ers/config/ancendpoint/versioninfo` with `X-CSRF-TOKEN: fetch`) on the same
//! connection, and sent back with the session cookies ISE set.

use axum::http::{Method, header};
use serde::Deserialize;

use super::https::{Answer, Conn};
use super::{Accepted, Handoff, Https, NacError, basic_auth, clip, parse_mac, trust};
use crate::config::ConfigError;
use crate::config::integrations::CiscoIse;

/// Path of the quarantine call.
pub const APPLY: &str = "/ers/config/ancendpoint/apply";
/// Path of the release call.
pub const CLEAR: &str = "/ers/config/ancendpoint/clear";
/// Path of the CSRF-token fetch.
pub const CSRF_FETCH: &str = "/ers/config/ancendpoint/versioninfo";
const JSON: &str = "application/json";

/// A configured Cisco ISE.
pub struct Ise {
    https: Https,
    authorization: String,
    csrf: bool,
}

impl std::fmt::Debug for Ise {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the Authorization header (the password, base64-encoded).
        f.debug_struct("Ise")
            .field("https", &self.https)
            .finish_non_exhaustive()
    }
}

impl Ise {
    /// Builds the client (password resolved, CA read).
    pub fn build(c: &CiscoIse) -> Result<Ise, ConfigError> {
        const K: &str = "integrations.cisco_ise";
        let p = c.validate()?;
        let tls = trust::client_config(&p.trust, K)?;
        let password = c.password.resolve(&format!("{K}.password"))?;
        Ok(Ise {
            https: Https::new(&p, tls).map_err(|m| ConfigError::invalid(format!("{K}.url"), m))?,
            authorization: basic_auth(&c.username, &password),
            csrf: c.csrf,
        })
    }

    /// Applies (`release == false`) or clears the ANC policy of the handoff's MAC.
    pub async fn call(&self, release: bool, h: &Handoff) -> Result<Accepted, NacError> {
        let body = request_body(&h.mac, h.policy.as_deref());
        let path = if release { CLEAR } else { APPLY };
        self.https
            .within(async {
                let mut conn = self.https.connect().await?;
                let mut extra: Vec<(&str, String)> = Vec::new();
                if self.csrf {
                    let (token, cookies) = self.fetch_csrf(&mut conn).await?;
                    extra.push(("x-csrf-token", token));
                    if !cookies.is_empty() {
                        extra.push(("cookie", cookies));
                    }
                }
                let mut headers = vec![
                    ("authorization", self.authorization.as_str()),
                    ("content-type", JSON),
                    ("accept", JSON),
                ];
                headers.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
                let a = conn.send(Method::PUT, path, &headers, body).await?;
                judge(&a)
            })
            .await
    }

    /// The CSRF token and the cookies to send it with.
    async fn fetch_csrf(&self, conn: &mut Conn) -> Result<(String, String), NacError> {
        let a = conn
            .send(
                Method::GET,
                CSRF_FETCH,
                &[
                    ("authorization", self.authorization.as_str()),
                    ("accept", JSON),
                    ("x-csrf-token", "fetch"),
                ],
                Vec::new(),
            )
            .await?;
        judge(&a)?;
        let token = a
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("fetch"))
            .ok_or_else(|| NacError::Rejected {
                status: a.status,
                detail: "the CSRF fetch answered without an X-CSRF-TOKEN (is CSRF check \
                         enabled on ISE? if not, set csrf = false)"
                    .into(),
            })?
            .to_owned();
        Ok((token, cookies(&a)))
    }
}

/// The `Cookie` header carrying back every `name=value` the answer set.
fn cookies(a: &Answer) -> String {
    a.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .filter(|c| c.contains('='))
        .collect::<Vec<_>>()
        .join("; ")
}

/// ISE's MAC form: upper-case colon hex.
pub fn ise_mac(mac: &str) -> String {
    match parse_mac(mac) {
        Some(b) => b
            .iter()
            .map(|x| format!("{x:02X}"))
            .collect::<Vec<_>>()
            .join(":"),
        None => mac.to_ascii_uppercase(),
    }
}

/// The JSON body of an apply or clear.
pub fn request_body(mac: &str, policy: Option<&str>) -> Vec<u8> {
    let mut data = vec![serde_json::json!({"name": "macAddress", "value": ise_mac(mac)})];
    if let Some(p) = policy {
        data.push(serde_json::json!({"name": "policyName", "value": p}));
    }
    serde_json::json!({"OperationAdditionalData": {"additionalData": data}})
        .to_string()
        .into_bytes()
}

#[derive(Deserialize)]
struct ErsBody {
    #[serde(rename = "ERSResponse")]
    ers: ErsResponse,
}

#[derive(Deserialize)]
struct ErsResponse {
    #[serde(default)]
    messages: Vec<ErsMessage>,
}

#[derive(Deserialize)]
struct ErsMessage {
    #[serde(default)]
    title: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    code: String,
}

/// What an answer without a body means.
fn bare(status: u16) -> &'static str {
    match status {
        401 => "ISE refused the ERS credentials (username/password)",
        403 => {
            "the ERS user is not allowed to do this (ERS Admin group, ERS enabled for read/write?)"
        }
        404 => "not found",
        406 => "ISE cannot answer in application/json",
        415 => "ISE did not accept the request's media type",
        _ => "no error body",
    }
}

/// Success (200–204) or the refusal ISE's answer describes.
pub fn judge(a: &Answer) -> Result<Accepted, NacError> {
    if (200..=204).contains(&a.status) {
        return Ok(Accepted {
            status: a.status,
            answer: format!("HTTP {}", a.status),
        });
    }
    let detail = match serde_json::from_slice::<ErsBody>(&a.body) {
        Ok(b) if !b.ers.messages.is_empty() => b
            .ers
            .messages
            .iter()
            .map(|m| {
                let mut s = clip(&m.title, 300);
                let tags: Vec<&str> = [m.kind.as_str(), m.code.as_str()]
                    .into_iter()
                    .filter(|t| !t.is_empty())
                    .collect();
                if !tags.is_empty() {
                    s.push_str(&format!(" ({})", clip(&tags.join(", "), 100)));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ if a.body.iter().all(u8::is_ascii_whitespace) => bare(a.status).to_owned(),
        _ => format!(
            "{}; body not an ERSResponse: {}",
            bare(a.status),
            clip(&String::from_utf8_lossy(&a.body), 200)
        ),
    };
    Err(NacError::Rejected {
        status: a.status,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec().into(),
        }
    }

    #[test]
    fn the_body_is_the_documented_one() {
        let b: serde_json::Value =
            serde_json::from_slice(&request_body("00:11:22:aa:bb:cc", Some("Quarantine"))).unwrap();
        assert_eq!(
            b,
            serde_json::json!({"OperationAdditionalData": {"additionalData": [
                {"name": "macAddress", "value": "00:11:22:AA:BB:CC"},
                {"name": "policyName", "value": "Quarantine"}]}})
        );
        let b: serde_json::Value =
            serde_json::from_slice(&request_body("00:11:22:aa:bb:cc", None)).unwrap();
        assert_eq!(
            b["OperationAdditionalData"]["additionalData"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn success_is_200_to_204_and_errors_say_what_ise_said() {
        for s in [200, 201, 204] {
            assert_eq!(judge(&answer(s, "")).unwrap().status, s);
        }
        let e = judge(&answer(
            404,
            r#"{"ERSResponse":{"operation":"PUT-update-ancendpoint","messages":[{"title":"ANC policy not found: Quarantine","type":"ERROR","code":"Resource not found exception"}],"link":{}}}"#,
        ))
        .unwrap_err();
        assert_eq!(
            e,
            NacError::Rejected {
                status: 404,
                detail: "ANC policy not found: Quarantine (ERROR, Resource not found exception)"
                    .into()
            }
        );
        let e = judge(&answer(401, "")).unwrap_err().to_string();
        assert!(e.contains("401") && e.contains("credentials"), "{e}");
        let e = judge(&answer(500, "<html>oops</html>"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("500") && e.contains("oops"), "{e}");
        assert!(judge(&answer(205, "")).is_err());
    }
}
