//! Reference section 6: `POST /api/v1/auth/token`, `GET /api/v1/auth/whoami`,
//! `POST /api/v1/auth/rotate`.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::auth::{Minted, Scope, TokenRecord};
use crate::api::error::{ApiError, ErrorBody};
use crate::api::input::ApiJson;
use crate::api::{AppState, Caller};
use crate::clock::Timestamp;
use crate::store::query::rfc3339_secs;

/// `POST /api/v1/auth/token` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeRequest {
    /// The one-time issue code (`ic_…`) from `cybriq token issue-code`.
    #[schema(pattern = "^ic_[0-9a-f]{64}$")]
    pub issue_code: String,
}

/// A minted token (reference section 6).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The bearer token (`cbq_live_pk_…`); shown once, stored only hashed.
    pub token: String,
    /// Its public id (`tok_…`, for `cybriq token list|revoke`).
    pub token_id: String,
    /// Scopes.
    pub scope: Vec<Scope>,
    /// Expiry (RFC 3339 UTC).
    pub expires_at: String,
    /// Allowed source networks (empty: any).
    pub ip_allowlist: Vec<String>,
    /// Rotate before this (RFC 3339 UTC): `api.rotation_lead` before expiry.
    pub rotation_deadline: String,
}

/// `GET /api/v1/auth/whoami`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoamiResponse {
    /// `tok_…`.
    pub token_id: String,
    /// Integration name given at issue.
    pub name: Option<String>,
    /// Scopes.
    pub scope: Vec<Scope>,
    /// Allowed source networks (empty: any).
    pub ip_allowlist: Vec<String>,
    /// Minted (RFC 3339 UTC).
    pub created_at: String,
    /// Expiry (RFC 3339 UTC); for a rotated token 24 h after the rotation at most.
    pub expires_at: String,
    /// Rotate before this (RFC 3339 UTC).
    pub rotation_deadline: String,
    /// Seconds of validity left.
    pub remaining_seconds: i64,
    /// 30, 7 or 1 once expiry is that many days away or closer; `null` before.
    pub expiry_warning_days: Option<i64>,
    /// The successor's id once this token was rotated.
    pub rotated_to: Option<String>,
}

fn nets(r: &TokenRecord) -> Vec<String> {
    r.ip_allowlist.iter().map(|n| n.to_string()).collect()
}

fn deadline(state: &AppState, r: &TokenRecord) -> String {
    let lead = i64::try_from(state.params.rotation_lead_secs)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000);
    rfc3339_secs(Timestamp(
        r.expires_at.0.saturating_sub(lead).max(r.created_at.0),
    ))
}

fn token_response(state: &AppState, m: Minted) -> TokenResponse {
    TokenResponse {
        rotation_deadline: deadline(state, &m.record),
        expires_at: rfc3339_secs(m.record.expires_at),
        ip_allowlist: nets(&m.record),
        scope: m.record.scope,
        token_id: m.record.id,
        token: m.token,
    }
}

/// Exchange a one-time issue code for a bearer token. Single use: the code burns on the
/// first call.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth",
    request_body = ExchangeRequest,
    responses(
        (status = 200, description = "The token", body = TokenResponse),
        (status = 401, description = "Unknown, used or expired issue code", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Malformed body", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn exchange(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ExchangeRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    if !body.issue_code.starts_with(crate::api::auth::CODE_PREFIX) {
        return Err(ApiError::field(
            "issue_code",
            "an issue code starts with ic_",
        ));
    }
    let now = state.clock.now();
    let minted = state
        .blocking(move |s| {
            s.tokens
                .exchange(now, &body.issue_code)
                .map_err(ApiError::internal)
        })
        .await?
        .map_err(|f| ApiError::InvalidToken(f.message()))?;
    tracing::info!(token = %minted.record.id, name = minted.record.name.as_deref().unwrap_or(""),
        scope = %minted.record.scope.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","),
        "API token issued.");
    Ok(Json(token_response(&state, minted)))
}

/// The calling token's scope and remaining validity.
#[utoipa::path(get, path = "/api/v1/auth/whoami", tag = "auth",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The calling token", body = WhoamiResponse),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Source address not allowed", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn whoami(
    State(state): State<AppState>,
    Extension(Caller(rec)): Extension<Caller>,
) -> Json<WhoamiResponse> {
    let now = state.clock.now();
    Json(WhoamiResponse {
        rotation_deadline: deadline(&state, &rec),
        remaining_seconds: (rec.expires_at.0 - now.0).max(0) / 1_000_000,
        expiry_warning_days: rec.expiry_warning(now).map(|w| w.days),
        created_at: rfc3339_secs(rec.created_at),
        expires_at: rfc3339_secs(rec.expires_at),
        ip_allowlist: nets(&rec),
        token_id: rec.id,
        name: rec.name,
        scope: rec.scope,
        rotated_to: rec.successor,
    })
}

/// Mint a successor token with identical scope and allowlist; the calling token stays valid
/// for 24 hours. A token is rotated once: rotate its successor next time.
#[utoipa::path(post, path = "/api/v1/auth/rotate", tag = "auth",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The successor", body = TokenResponse),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Source address not allowed", body = ErrorBody),
        (status = 409, description = "Already rotated: rotate its successor", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn rotate(
    State(state): State<AppState>,
    Extension(Caller(rec)): Extension<Caller>,
) -> Result<Json<TokenResponse>, ApiError> {
    let now = state.clock.now();
    let old = rec.id.clone();
    let minted = state
        .blocking(move |s| s.tokens.rotate(now, &rec).map_err(ApiError::internal))
        .await?
        .ok_or(ApiError::Conflict(
            "this token was already rotated: rotate its successor (whoami shows rotated_to)",
        ))?;
    tracing::info!(token = %old, successor = %minted.record.id, "API token rotated.");
    Ok(Json(token_response(&state, minted)))
}
