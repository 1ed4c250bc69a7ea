//! The guard in front of every endpoint group (token, allowlist, scope, rate limit, in that
//! order; the rate-limit headers on every response) and the request-id middleware.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::{self, Scope, TokenRecord};
use super::error::{self, ApiError};
use super::ratelimit::{Class, Decision};

/// The authenticated caller of a request (an extension the guard adds).
#[derive(Debug, Clone)]
pub struct Caller(pub TokenRecord);

/// Who may call an endpoint group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token (rate-limited by source address).
    Public,
    /// A valid token; with the scope when given.
    Token(Option<Scope>),
}

#[derive(Clone)]
struct Guard {
    state: AppState,
    access: Access,
    class: Class,
}

/// The token of a request: `Authorization: Bearer …` or `X-API-Key: …`.
fn bearer(h: &HeaderMap) -> Option<&str> {
    if let Some(v) = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, rest) = v.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim());
    }
    h.get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    scope: Option<Scope>,
    generation: Option<u64>,
) -> Result<TokenRecord, ApiError> {
    let Some(token) = bearer(headers).map(str::to_owned) else {
        return Err(ApiError::InvalidToken(
            "missing bearer token (Authorization: Bearer … or X-API-Key)",
        ));
    };
    let now = state.clock.now();
    let cached = generation.and_then(|g| state.cache.token(&token, g));
    let rec = match cached {
        // Checked since the last commit: only its expiry can have changed.
        Some(rec) if rec.expires_at <= now => {
            return Err(ApiError::InvalidToken(auth::AuthFailure::Expired.message()));
        }
        Some(rec) => rec,
        None => {
            let t = token.clone();
            let rec = state
                .blocking(move |s| s.tokens.authenticate(now, &t).map_err(ApiError::internal))
                .await?
                .map_err(|f| ApiError::InvalidToken(f.message()))?;
            if let Some(g) = generation {
                state.cache.keep_token(&token, g, rec.clone());
            }
            rec
        }
    };
    if !auth::allowed(&rec.ip_allowlist, ip) {
        return Err(ApiError::IpNotAllowed(ip));
    }
    if let Some(s) = scope
        && !rec.scope.contains(&s)
    {
        return Err(ApiError::ScopeInsufficient(s.as_str()));
    }
    Ok(rec)
}

async fn guard(
    State(g): State<Guard>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = peer.ip().to_canonical();
    // Read once: the token check and the answer cache behind it use the same generation.
    let generation = match g.access {
        Access::Public => None,
        Access::Token(_) => g.state.read.generation(),
    };
    req.extensions_mut()
        .insert(super::cache::Generation(generation));
    let outcome = match g.access {
        Access::Public => Ok(None),
        Access::Token(scope) => authenticate(&g.state, req.headers(), ip, scope, generation)
            .await
            .map(Some),
    };
    let key = match &outcome {
        Ok(Some(rec)) => rec.id.clone(),
        _ => format!("ip:{ip}"),
    };
    let decision = g.state.limits.check(g.class, &key);
    let mut resp = match (outcome, decision) {
        (_, Decision::Deny { retry_after_secs }) => {
            ApiError::RateLimited(retry_after_secs).into_response()
        }
        (Err(e), _) => e.into_response(),
        (Ok(caller), Decision::Allow { .. }) => {
            if let Some(rec) = caller {
                tracing::Span::current().record("token", rec.id.as_str());
                req.extensions_mut().insert(Caller(rec));
            }
            next.run(req).await
        }
    };
    let (remaining, reset) = match decision {
        Decision::Allow {
            remaining,
            reset_secs,
        } => (remaining, reset_secs),
        Decision::Deny { retry_after_secs } => (0, retry_after_secs),
    };
    let h = resp.headers_mut();
    h.insert("x-rate-limit-remaining", HeaderValue::from(remaining));
    h.insert("x-rate-limit-reset", HeaderValue::from(reset));
    resp
}

pub(crate) async fn request_id(req: Request, next: Next) -> Response {
    let id = format!(
        "req_{}",
        ulid::Ulid::from_parts(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0),
            fastrand::u128(..),
        )
    );
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(),
        path = %req.uri().path(), token = tracing::field::Empty);
    let started = std::time::Instant::now();
    let fut = error::REQUEST_ID.scope(id.clone(), next.run(req));
    let mut resp = tracing::Instrument::instrument(fut, span.clone()).await;
    let _g = span.enter();
    tracing::debug!(
        status = resp.status().as_u16(),
        elapsed_us = started.elapsed().as_micros() as u64,
        "Request served."
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

pub(crate) fn group(
    r: utoipa_axum::router::OpenApiRouter<AppState>,
    state: &AppState,
    access: Access,
    class: Class,
) -> utoipa_axum::router::OpenApiRouter<AppState> {
    let g = Guard {
        state: state.clone(),
        access,
        class,
    };
    r.route_layer(middleware::from_fn_with_state(g, guard))
}

/// The answer to a path no endpoint serves (404, through the public guard, so it carries the
/// rate-limit headers too).
pub(crate) fn not_found(state: &AppState) -> axum::Router {
    let g = Guard {
        state: state.clone(),
        access: Access::Public,
        class: Class::Read,
    };
    axum::Router::new()
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .layer(middleware::from_fn_with_state(g, guard))
}
