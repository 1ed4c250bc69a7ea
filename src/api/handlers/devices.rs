//! Reference section 9: `GET /api/v1/devices/{device_dna}`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};

use crate::api::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::input::Params;
use crate::clock::Timestamp;
use crate::store::query::DeviceDetail;

/// The start of the history window at `now`.
pub fn window_start(state: &AppState, now: Timestamp) -> Timestamp {
    let w = i64::try_from(state.params.history_window_secs)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000);
    Timestamp(now.0.saturating_sub(w))
}

/// A path segment, or the rejection as a 422 naming it.
pub fn path_segment(
    p: Result<Path<String>, PathRejection>,
    name: &str,
) -> Result<String, ApiError> {
    p.map(|Path(s)| s)
        .map_err(|e| ApiError::field(name, e.body_text()))
}

/// The full record of the device carrying a DNA: signal set, identity, similarity history,
/// event ids, the port's controls. 404 when no device seen within `api.history_window`
/// carries it.
#[utoipa::path(get, path = "/api/v1/devices/{device_dna}", tag = "devices",
    params(("device_dna" = String, Path, description = "Device DNA (`dna:…`)", pattern = "^dna[A-Za-z0-9:_.-]{0,125}$")),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The device", body = DeviceDetail),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
        (status = 404, description = "No such device (or outside the history window)", body = ErrorBody),
        (status = 422, description = "Not a Device DNA", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn detail(
    State(state): State<AppState>,
    dna: Result<Path<String>, PathRejection>,
    p: Params,
) -> Result<Json<DeviceDetail>, ApiError> {
    let dna = super::device_dna(&path_segment(dna, "device_dna")?)?;
    p.finish()?;
    let since = window_start(&state, state.clock.now());
    let d = dna.clone();
    state
        .blocking(move |s| {
            let Some(mut dev) = s.read.device(&d, since).map_err(ApiError::internal)? else {
                return Ok(None);
            };
            dev.audit = s.read.audit(&dev.events).map_err(ApiError::internal)?;
            Ok(Some(dev))
        })
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no device {dna} seen in the history window")))
}
