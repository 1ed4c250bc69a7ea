//! `GET /api/v1/metrics`: the sensor's Prometheus metrics (docs/metrics.md), the text the
//! `[metrics]` listener serves, here behind a token (any scope).

use axum::http::header;
use axum::response::IntoResponse;

use crate::api::error::{ApiError, ErrorBody};

/// The sensor's metrics in the Prometheus text format (version 0.0.4).
#[utoipa::path(get, path = "/api/v1/metrics", tag = "operations",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Every metric now (Prometheus text format 0.0.4)",
            body = String, content_type = "text/plain"),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Source address not allowed", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn metrics() -> Result<impl IntoResponse, ApiError> {
    let t = crate::telemetry::install().map_err(ApiError::internal)?;
    Ok((
        [(header::CONTENT_TYPE, crate::telemetry::CONTENT_TYPE)],
        t.render(),
    ))
}
