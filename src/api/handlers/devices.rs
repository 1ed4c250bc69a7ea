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
/// event ids, the port's controls, its suppressions and the change windows over its port. 404 when no device seen within `api.history_window`
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
    let now = state.clock.now();
    let since = window_start(&state, now);
    let d = dna.clone();
    state
        .blocking(move |s| {
            let Some(mut dev) = s.read.device(&d, since).map_err(ApiError::internal)? else {
                return Ok(None);
            };
            let ctl = super::controls::device_controls(
                s,
                &dev.summary.mac,
                dev.summary.switch.as_deref(),
                dev.summary.port.as_deref(),
                now,
            )?;
            let mut targets = ctl.audit_targets;
            targets.extend(dev.events.iter().cloned());
            dev.audit = s.read.audit(&targets).map_err(ApiError::internal)?;
            dev.suppressions = ctl.suppressions;
            dev.change_windows = ctl.change_windows;
            Ok(Some(dev))
        })
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no device {dna} seen in the history window")))
}

/// Timeline filters and paging.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TimelineQuery {
    /// Entries at or after (RFC 3339; a date is midnight UTC); the history window's start by
    /// default and at the earliest.
    #[param(format = DateTime)]
    since: Option<String>,
    /// Entries before (RFC 3339; a date is midnight UTC).
    #[param(format = DateTime)]
    until: Option<String>,
    /// Page size, 1 to `api.max_page` (1000); 100 by default.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page of this timeline (opaque).
    #[param(pattern = "^63313a6f3a(3[0-9]){1,18}$")]
    cursor: Option<String>,
}

/// One page of a device's timeline.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TimelinePage {
    /// Entries in the order written.
    pub timeline: Vec<crate::store::query::TimelinePoint>,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

/// Per-port time series of a device: each first sighting on a port, DNA change and first use
/// of a protocol there, with the port, the protocol and how the port was attributed. 404 when
/// neither a device nor a timeline entry knows the DNA.
#[utoipa::path(get, path = "/api/v1/devices/{device_dna}/timeline", tag = "devices",
    params(("device_dna" = String, Path, description = "Device DNA (`dna:…`)", pattern = "^dna[A-Za-z0-9:_.-]{0,125}$"),
        TimelineQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "One page", body = TimelinePage),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
        (status = 404, description = "Unknown DNA", body = ErrorBody),
        (status = 422, description = "A parameter did not validate", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn timeline(
    State(state): State<AppState>,
    dna: Result<Path<String>, PathRejection>,
    mut p: Params,
) -> Result<Json<TimelinePage>, ApiError> {
    let dna = super::device_dna(&path_segment(dna, "device_dna")?)?;
    let floor = window_start(&state, state.clock.now());
    let f = crate::store::query::EventFilter {
        since: Some(p.time("since").map_or(floor, |t| t.max(floor))),
        until: p.time("until"),
        ..Default::default()
    };
    let limit = p.limit(super::inventory::DEFAULT_LIMIT, state.params.max_page);
    let after = p.cursor(crate::store::query::Cursor::observation);
    p.finish()?;
    let d = dna.clone();
    let page = state
        .blocking(move |s| {
            s.read
                .timeline(&d, &f, after.as_ref(), limit)
                .map_err(ApiError::internal)
        })
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no device or timeline entry knows {dna}")))?;
    Ok(Json(TimelinePage {
        timeline: page.items,
        next_cursor: page.next.map(|c| c.encode()),
    }))
}
