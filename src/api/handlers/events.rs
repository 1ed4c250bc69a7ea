//! Reference section 12 (SOAR actions): `POST /api/v1/events/{event_id}/acknowledge`.
//! Every call is appended to the audit trail (`api_audit`, append-only), which the drift and
//! device views show.

use axum::Extension;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::devices::{path_segment, window_start};
use crate::api::error::{ApiError, ErrorBody, Fields};
use crate::api::input::{ApiJson, Params};
use crate::api::{AppState, Caller};
use crate::store::query::rfc3339_secs;

/// `POST /api/v1/events/{event_id}/acknowledge` body.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeRequest {
    /// Who acknowledges (the SOAR's operator identity), 1–200 characters.
    #[schema(pattern = "\\S", max_length = 200)]
    pub operator: String,
    /// Why, 1–500 characters.
    #[schema(pattern = "\\S", max_length = 500)]
    pub reason: String,
    /// Free-form note, up to 4,000 characters.
    #[schema(max_length = 4000)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The acknowledgement as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcknowledgeResponse {
    /// The event.
    pub event_id: String,
    /// When recorded (RFC 3339 UTC).
    pub acknowledged_at: String,
    /// Who.
    pub operator: String,
    /// Why.
    pub reason: String,
    /// Note.
    pub note: Option<String>,
}

fn check_len(fields: &mut Fields, name: &str, v: &str, min: usize, max: usize) {
    let n = v.trim().chars().count();
    if n < min || v.chars().count() > max {
        fields.insert(name.into(), format!("{min} to {max} characters"));
    }
}

/// Mark an event acknowledged (operator, reason, note); part of the event's audit trail.
#[utoipa::path(post, path = "/api/v1/events/{event_id}/acknowledge", tag = "events",
    params(("event_id" = String, Path, description = "Event id (`evt_` + ULID)", pattern = "^evt_[0-7][0-9A-HJKMNP-TV-Z]{25}$")),
    request_body = AcknowledgeRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Recorded", body = AcknowledgeResponse),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
        (status = 404, description = "No such event (or outside the history window)", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "The body did not validate", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn acknowledge(
    State(state): State<AppState>,
    Extension(Caller(caller)): Extension<Caller>,
    id: Result<Path<String>, PathRejection>,
    p: Params,
    ApiJson(body): ApiJson<AcknowledgeRequest>,
) -> Result<Json<AcknowledgeResponse>, ApiError> {
    let id = path_segment(id, "event_id")?;
    let event_id = id
        .parse::<crate::event::EventId>()
        .map_err(|_| ApiError::field("event_id", "not an event id (`evt_` + 26-character ULID)"))?
        .to_string();
    p.finish()?;
    let mut fields = Fields::new();
    check_len(&mut fields, "operator", &body.operator, 1, 200);
    check_len(&mut fields, "reason", &body.reason, 1, 500);
    if let Some(n) = &body.note {
        check_len(&mut fields, "note", n, 0, 4000);
    }
    if !fields.is_empty() {
        return Err(ApiError::fields(fields));
    }
    let now = state.clock.now();
    let since = window_start(&state, now);
    let request_id = crate::api::error::request_id();
    let detail = serde_json::to_value(&body).map_err(ApiError::internal)?;
    let eid = event_id.clone();
    state
        .blocking(move |s| {
            if s.read
                .event(&eid, since)
                .map_err(ApiError::internal)?
                .is_none()
            {
                return Err(ApiError::NotFound(format!(
                    "no event {eid} in the history window"
                )));
            }
            s.tokens
                .audit(
                    now,
                    &request_id,
                    &caller.id,
                    "event.acknowledged",
                    &eid,
                    &detail,
                )
                .map_err(ApiError::internal)
        })
        .await?;
    tracing::info!(event_id = %event_id, operator = %body.operator, "Event acknowledged.");
    Ok(Json(AcknowledgeResponse {
        event_id,
        acknowledged_at: rfc3339_secs(now),
        operator: body.operator,
        reason: body.reason,
        note: body.note,
    }))
}
