//! Request input: query parameters and JSON bodies, every problem a 4xx naming its field.
//!
//! Query strings are read as name/value pairs and each parameter parsed by the handler through
//! [`Params`], which collects every error (unknown, repeated, empty, malformed) before
//! answering one 422 with all of them. JSON bodies ([`ApiJson`]) must be `application/json`,
//! within the body limit (413), and deserialise with unknown keys refused; the error names the
//! path of the offending key (`timeframe.since`).

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::{ApiError, Fields};
use crate::clock::Timestamp;
use crate::store::query::Cursor;

/// Query parameters being parsed.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
    used: BTreeSet<String>,
    errors: Fields,
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = form_pairs(q)?;
        Ok(Params {
            pairs,
            ..Params::default()
        })
    }
}

/// Splits `a=1&b=x%20y` into decoded pairs.
fn form_pairs(q: &str) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for part in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let (Some(k), Some(v)) = (decode(k), decode(v)) else {
            return Err(ApiError::field("query", "not valid percent-encoded UTF-8"));
        };
        out.push((k, v));
    }
    Ok(out)
}

fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let h = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Parses a time parameter: RFC 3339 (`2026-05-01T00:00:00Z`) or a date (`2026-05-01`,
/// midnight UTC).
pub fn parse_time(s: &str) -> Result<Timestamp, String> {
    let full = if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.to_owned()
    };
    crate::event::parse_rfc3339(&full)
        .map_err(|_| "not an RFC 3339 time (`2026-05-01T00:00:00Z`) or date (`2026-05-01`)".into())
}

impl Params {
    /// The value of `name` (at most once, not empty).
    pub fn str(&mut self, name: &str) -> Option<String> {
        self.used.insert(name.to_owned());
        let mut found = self.pairs.iter().filter(|(k, _)| k == name);
        let first = found.next()?.1.clone();
        if found.next().is_some() {
            self.errors
                .insert(name.into(), "given more than once".into());
            return None;
        }
        if first.trim().is_empty() {
            self.errors.insert(name.into(), "must not be empty".into());
            return None;
        }
        Some(first)
    }

    /// `name` parsed by `f`, whose error message goes into `fields`.
    pub fn parse<T>(&mut self, name: &str, f: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        let v = self.str(name)?;
        match f(&v) {
            Ok(t) => Some(t),
            Err(e) => {
                self.errors.insert(name.into(), e);
                None
            }
        }
    }

    /// A time parameter.
    pub fn time(&mut self, name: &str) -> Option<Timestamp> {
        self.parse(name, parse_time)
    }

    /// `limit`: 1 to `max`, `default` when absent.
    pub fn limit(&mut self, default: u32, max: u32) -> usize {
        self.parse("limit", |s| match s.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n as usize),
            _ => Err(format!("an integer from 1 to {max}")),
        })
        .unwrap_or(default.min(max) as usize)
    }

    /// `cursor`, parsed by `f` (the list's cursor kind).
    pub fn cursor(
        &mut self,
        f: impl FnOnce(&str) -> Result<Cursor, crate::store::query::CursorError>,
    ) -> Option<Cursor> {
        self.parse("cursor", |s| {
            f(s).map_err(|e| format!("{e}; pass next_cursor as returned"))
        })
    }

    /// Records an error for `name`.
    pub fn error(&mut self, name: &str, what: impl Into<String>) {
        self.errors.insert(name.into(), what.into());
    }

    /// Fails with every error collected, and with every parameter the endpoint does not take.
    pub fn finish(mut self) -> Result<(), ApiError> {
        for (k, _) in &self.pairs {
            if !self.used.contains(k) {
                self.errors
                    .insert(k.clone(), "unknown parameter for this endpoint".into());
            }
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::fields(self.errors))
        }
    }
}

/// A JSON body deserialised with every problem a 4xx naming its field.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let limit = state.params.max_body_bytes;
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge(limit)
            } else {
                ApiError::field("body", e.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Deserialises `bytes`, naming the path of the first problem.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.trim_ascii_start().first() != Some(&b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        // `unknown field `x``: the path already ends with it.
        let field = match (inner.classify(), unknown_field(&msg)) {
            (_, Some(name)) if path == "." => name.to_owned(),
            (serde_json::error::Category::Syntax | serde_json::error::Category::Eof, _) => {
                "body".into()
            }
            _ if path == "." => "body".into(),
            _ => path,
        };
        let what = match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                format!("malformed JSON: {msg}")
            }
            _ if unknown_field(&msg).is_some() => "unknown field".into(),
            _ => strip_position(&msg),
        };
        ApiError::field(field, what)
    })
}

fn unknown_field(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        issue_code: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u32,
    }

    fn fields(e: ApiError) -> Fields {
        match e {
            ApiError::Validation { fields, .. } => fields,
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn json_errors_name_their_field() {
        let f = fields(parse_json::<Body>(b"{\"issue_code\": 3}").unwrap_err());
        assert!(f["issue_code"].contains("invalid type"), "{f:?}");
        let f = fields(parse_json::<Body>(b"{\"issue_code\": \"x\", \"bogus\": 1}").unwrap_err());
        assert_eq!(
            f.get("bogus").map(String::as_str),
            Some("unknown field"),
            "{f:?}"
        );
        let f = fields(
            parse_json::<Body>(b"{\"issue_code\": \"x\", \"inner\": {\"n\": -1}}").unwrap_err(),
        );
        assert!(f.contains_key("inner.n"), "{f:?}");
        let f = fields(parse_json::<Body>(b"{\"issue_code\": ").unwrap_err());
        assert!(f["body"].starts_with("malformed JSON"), "{f:?}");
        let f = fields(parse_json::<Body>(b"{}").unwrap_err());
        assert!(f["body"].contains("issue_code"), "{f:?}");
        assert!(parse_json::<Body>(b"{\"issue_code\": \"ic_1\"}").is_ok());
    }

    #[test]
    fn params_collect_every_problem() {
        let mut p = Params {
            pairs: form_pairs("limit=0&since=yesterday&vlan=1&vlan=2&site=&x%20y=1").unwrap(),
            ..Params::default()
        };
        p.limit(100, 1000);
        p.time("since");
        p.str("vlan");
        p.str("site");
        let f = fields(p.finish().unwrap_err());
        assert_eq!(
            f.keys().collect::<Vec<_>>(),
            ["limit", "since", "site", "vlan", "x y"]
        );
        assert!(form_pairs("a=%zz").is_err() && form_pairs("a=%ff").is_err());
        assert_eq!(
            parse_time("2026-05-01").unwrap(),
            parse_time("2026-05-01T00:00:00Z").unwrap()
        );
    }
}
