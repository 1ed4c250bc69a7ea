//! The one error type of every handler, in the reference's format (section 13):
//! `{"error": {"code", "message", "fields"?, "request_id"}}`.
//!
//! 4xx bodies say what was wrong; 5xx bodies say nothing beyond the request id, and the log
//! line carrying the same request id says all.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

tokio::task_local! {
    /// The id of the request being served (set by the request-id middleware).
    pub static REQUEST_ID: String;
}

/// The current request's id, or `-` outside a request.
pub fn request_id() -> String {
    REQUEST_ID
        .try_with(|id| id.clone())
        .unwrap_or_else(|_| "-".into())
}

/// What a field (query parameter, body key, path segment) got wrong.
pub type Fields = BTreeMap<String, String>;

/// Why a request failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401 `invalid_token`: no, a malformed, unknown, expired or revoked token.
    #[error("{0}")]
    InvalidToken(&'static str),
    /// 403 `scope_insufficient`: the token lacks the endpoint's scope.
    #[error("this endpoint requires the {0} scope")]
    ScopeInsufficient(&'static str),
    /// 403 `ip_not_allowed`: the source address is not on the token's allowlist.
    #[error("source address {0} is not on this token's allowlist")]
    IpNotAllowed(std::net::IpAddr),
    /// 404 `not_found`.
    #[error("{0}")]
    NotFound(String),
    /// 409 `conflict`: the resource's state does not allow it (a token already rotated).
    #[error("{0}")]
    Conflict(&'static str),
    /// 405 `method_not_allowed`.
    #[error("method not allowed on this path")]
    MethodNotAllowed,
    /// 413 `validation_failed`: the body is larger than the limit.
    #[error("request body larger than {0} bytes")]
    TooLarge(usize),
    /// 415 `validation_failed`: the body is not `application/json`.
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    /// 422 `validation_failed` with what each field got wrong.
    #[error("{message}")]
    Validation {
        /// Summary.
        message: String,
        /// Field → what was wrong.
        fields: Fields,
    },
    /// 429 `rate_limited`, retry after this many seconds.
    #[error("rate limit exceeded; retry after {0} s")]
    RateLimited(u64),
    /// 502 `nac_rejected` / `nac_unavailable`, 504 `nac_timeout`: a NAC hand-off failed (the
    /// body says what the NAC answered: it is the caller's evidence, not our internals).
    #[error("{label} {job}: {error}")]
    Nac {
        /// `Cisco ISE`, `Forescout`.
        label: &'static str,
        /// The hand-off's job id.
        job: String,
        /// What went wrong.
        error: crate::integrations::NacError,
    },
    /// 500: something on our side (logged with the request id; the body says nothing).
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 422 for one field.
    pub fn field(name: impl Into<String>, what: impl Into<String>) -> ApiError {
        let mut fields = Fields::new();
        fields.insert(name.into(), what.into());
        ApiError::Validation {
            message: "the request did not validate".into(),
            fields,
        }
    }

    /// A 422 for several fields (`fields` must not be empty).
    pub fn fields(fields: Fields) -> ApiError {
        ApiError::Validation {
            message: "the request did not validate".into(),
            fields,
        }
    }

    /// A 500 for anything displayable.
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(e.to_string())
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            ApiError::ScopeInsufficient(_) | ApiError::IpNotAllowed(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Nac { error, .. } => match error {
                crate::integrations::NacError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
                _ => StatusCode::BAD_GATEWAY,
            },
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The reference's error code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidToken(_) => "invalid_token",
            ApiError::ScopeInsufficient(_) => "scope_insufficient",
            ApiError::IpNotAllowed(_) => "ip_not_allowed",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooLarge(_)
            | ApiError::UnsupportedMediaType
            | ApiError::Validation { .. } => "validation_failed",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::Nac { error, .. } => match error {
                crate::integrations::NacError::Rejected { .. } => "nac_rejected",
                crate::integrations::NacError::Timeout { .. } => "nac_timeout",
                _ => "nac_unavailable",
            },
            ApiError::Internal(_) => "internal_error",
        }
    }
}

/// The error body (reference section 13).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// `error` of an error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `invalid_token`, `scope_insufficient`, `ip_not_allowed`, `not_found`,
    /// `validation_failed`, `rate_limited`, `method_not_allowed`, `conflict`, `nac_rejected`,
    /// `nac_unavailable`, `nac_timeout` or `internal_error`.
    pub code: String,
    /// What was wrong, for a person.
    pub message: String,
    /// Validation errors: field (query parameter, body key, path segment) → what was wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Fields>,
    /// The id of the request (also the `X-Request-Id` header and in every log line).
    pub request_id: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code();
        let request_id = request_id();
        let message = if matches!(self, ApiError::Nac { .. }) {
            tracing::warn!(%request_id, status = status.as_u16(), code, error = %self, "NAC hand-off failed.");
            self.to_string()
        } else if status.is_server_error() {
            tracing::error!(%request_id, error = %self, "Request failed.");
            "internal error; the server log has the details under this request id".to_owned()
        } else {
            tracing::info!(%request_id, status = status.as_u16(), code, error = %self, "Request refused.");
            self.to_string()
        };
        let retry = match &self {
            ApiError::RateLimited(s) => Some(*s),
            _ => None,
        };
        let fields = match self {
            ApiError::Validation { fields, .. } => Some(fields),
            ApiError::TooLarge(n) => Some(Fields::from([(
                "body".to_owned(),
                format!("larger than {n} bytes"),
            )])),
            ApiError::UnsupportedMediaType => Some(Fields::from([(
                "Content-Type".to_owned(),
                "must be application/json".to_owned(),
            )])),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message,
                fields,
                request_id,
            },
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(s) = retry {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"cybriq\""),
            );
        }
        resp
    }
}
