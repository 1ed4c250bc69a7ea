//! Reference section 10: `GET /api/v1/drift/by-port`, `GET /api/v1/drift/by-device/{device_dna}`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::devices::{path_segment, window_start};
use super::inventory::{DEFAULT_LIMIT, EventPageQuery};
use crate::api::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::input::Params;
use crate::store::query::{AuditEntry, Cursor, EventFilter, Page, StoredEvent};

/// Drift-history filters.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DriftQuery {
    /// Site identifier.
    #[param(pattern = "\\S")]
    site: Option<String>,
    /// Switch name.
    #[param(pattern = "\\S")]
    switch: Option<String>,
    /// Interface name (`Gi1/0/24`).
    #[param(pattern = "\\S")]
    port: Option<String>,
    /// Raised at or after (RFC 3339; a date is midnight UTC); the history window's start by
    /// default and at the earliest.
    #[param(format = DateTime)]
    since: Option<String>,
    /// Raised before (RFC 3339; a date is midnight UTC).
    #[param(format = DateTime)]
    until: Option<String>,
}

/// A device's drift events (device-scoped filters).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DeviceDriftQuery {
    /// Raised at or after (RFC 3339; a date is midnight UTC); the history window's start by
    /// default and at the earliest.
    #[param(format = DateTime)]
    since: Option<String>,
    /// Raised before (RFC 3339; a date is midnight UTC).
    #[param(format = DateTime)]
    until: Option<String>,
}

/// One drift event as raised (the syslog field reference's names; `mitre` and `controls` as
/// arrays). Change events carry `current_dna` beside `previous_dna`.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub struct DriftEvent {
    /// `evt_` + ULID.
    event_id: String,
    /// One of the twelve event types.
    event: String,
    /// `high`, `medium` or `low`.
    severity: String,
    /// RFC 3339 UTC.
    timestamp: String,
    /// Site.
    site: String,
    /// Switch.
    switch: Option<String>,
    /// Port.
    port: String,
    /// Prior DNA on the port (change events).
    previous_dna: Option<String>,
    /// Current DNA (change events).
    current_dna: Option<String>,
    /// Current DNA (device-scoped events).
    device_dna: Option<String>,
    /// Similarity, 0 to 1 (change events).
    similarity: Option<f64>,
    /// MITRE ATT&CK technique ids.
    mitre: Option<Vec<String>>,
    /// Framework-control ids.
    controls: Option<Vec<String>>,
    /// Its audit trail (acknowledgements, …), when it has one.
    audit: Option<Vec<AuditEntry>>,
}

/// A page of drift events.
#[derive(Debug, Serialize, ToSchema)]
pub struct DriftPage {
    /// Events in the order raised.
    #[schema(value_type = Vec<DriftEvent>)]
    pub events: Vec<serde_json::Value>,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

fn view(e: StoredEvent) -> serde_json::Value {
    let mut j = e.json;
    if let Some(o) = j.as_object_mut()
        && !o.contains_key("current_dna")
        && o.contains_key("previous_dna")
        && let Some(d) = o.get("device_dna").cloned()
    {
        o.insert("current_dna".into(), d);
    }
    j
}

/// The page's events as served, each with its audit trail (`audit`, when it has one).
fn page(state: &AppState, p: Page<StoredEvent>) -> Result<DriftPage, ApiError> {
    let ids: Vec<String> = p
        .items
        .iter()
        .filter_map(|e| {
            e.json
                .get("event_id")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .collect();
    let audit = state.read.audit(&ids).map_err(ApiError::internal)?;
    let events = p
        .items
        .into_iter()
        .map(|e| {
            let mut j = view(e);
            let id = j
                .get("event_id")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned();
            let trail: Vec<&AuditEntry> = audit.iter().filter(|a| a.target == id).collect();
            if !trail.is_empty()
                && let (Some(o), Ok(v)) = (j.as_object_mut(), serde_json::to_value(&trail))
            {
                o.insert("audit".into(), v);
            }
            j
        })
        .collect();
    Ok(DriftPage {
        events,
        next_cursor: p.next.map(|c| c.encode()),
    })
}

fn times(state: &AppState, p: &mut Params, f: &mut EventFilter) {
    let floor = window_start(state, state.clock.now());
    f.since = Some(p.time("since").map_or(floor, |t| t.max(floor)));
    // An empty range (until before since or the window's start) is no events, not an error.
    f.until = p.time("until");
}

/// Every drift event on every port of a site, in the order raised.
#[utoipa::path(get, path = "/api/v1/drift/by-port", tag = "drift",
    params(DriftQuery, EventPageQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "One page", body = DriftPage),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
        (status = 422, description = "A parameter did not validate", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn by_port(
    State(state): State<AppState>,
    mut p: Params,
) -> Result<Json<DriftPage>, ApiError> {
    let mut f = EventFilter {
        site: p.str("site"),
        switch: p.str("switch"),
        port: p.str("port"),
        ..EventFilter::default()
    };
    times(&state, &mut p, &mut f);
    let limit = p.limit(DEFAULT_LIMIT, state.params.max_page);
    let after = p.cursor(Cursor::event);
    p.finish()?;
    let events = state
        .blocking(move |s| {
            let p = s
                .read
                .events(&f, after.as_ref(), limit)
                .map_err(ApiError::internal)?;
            page(s, p)
        })
        .await?;
    Ok(Json(events))
}

/// Drift events tied to a device fingerprint across its lifetime, including moves between
/// ports, in the order raised. 404 when neither a device nor an event knows the DNA.
#[utoipa::path(get, path = "/api/v1/drift/by-device/{device_dna}", tag = "drift",
    params(("device_dna" = String, Path, description = "Device DNA (`dna:…`)", pattern = "^dna[A-Za-z0-9:_.-]{0,125}$"),
        DeviceDriftQuery, EventPageQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "One page", body = DriftPage),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
        (status = 404, description = "Unknown DNA", body = ErrorBody),
        (status = 422, description = "A parameter did not validate", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn by_device(
    State(state): State<AppState>,
    dna: Result<Path<String>, PathRejection>,
    mut p: Params,
) -> Result<Json<DriftPage>, ApiError> {
    let dna = super::device_dna(&path_segment(dna, "device_dna")?)?;
    let mut f = EventFilter::default();
    times(&state, &mut p, &mut f);
    let limit = p.limit(DEFAULT_LIMIT, state.params.max_page);
    let after = p.cursor(Cursor::event);
    p.finish()?;
    let d = dna.clone();
    let events = state
        .blocking(move |s| {
            s.read
                .events_by_device(&d, &f, after.as_ref(), limit)
                .map_err(ApiError::internal)?
                .map(|p| page(s, p))
                .transpose()
        })
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no device or event knows {dna}")))?;
    Ok(Json(events))
}
