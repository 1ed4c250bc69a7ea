//! Reference section 12 (SOAR actions), the controls the engine honours at once:
//! `POST /api/v1/events/{event_id}/suppress` (the event's device-port pair, for a duration) and
//! change windows `POST/GET /api/v1/change-windows`, `DELETE /api/v1/change-windows/{id}`.
//!
//! Each write is validated whole (every bad key in one 422, nothing written), stored with its
//! audit-trail entry in one transaction (store migration 6), then handed to the engine through
//! the [`EngineLink`](crate::api::EngineLink); the answer is sent once the engine holds it (or
//! after [`ACK_TIMEOUT`](crate::api::link::ACK_TIMEOUT): the control is stored and queued).

use axum::Extension;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::devices::{path_segment, window_start};
use crate::api::error::{ApiError, ErrorBody, Fields};
use crate::api::input::{ApiJson, Params, parse_time};
use crate::api::link::hand_over;
use crate::api::{AppState, Caller};
use crate::clock::Timestamp;
use crate::config::parse_duration_secs;
use crate::config::port_profile::PortRange;
use crate::engine::Control;
use crate::event::EventType;
use crate::store::controls::{
    self as store, AuditNote, Cancelled, ChangeWindowRow, ChangeWindowView, SuppressionRow,
    SuppressionView,
};
use crate::store::query::Cursor;

const WEEK_US: i64 = 7 * 86_400 * 1_000_000;
/// A weekly window repeats for at most a year.
const MAX_RECURRENCE_US: i64 = 366 * 86_400 * 1_000_000;

/// `POST /api/v1/events/{event_id}/suppress` body.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuppressRequest {
    /// How long, from now: a positive whole number and a unit `s`, `m`, `h` or `d` (`4h`,
    /// `7d`), at most `api.max_suppression` (30 days).
    #[schema(pattern = "^[1-9][0-9]{0,8}[smhd]$", example = "4h")]
    pub duration: String,
    /// Who suppresses (the SOAR's operator identity), 1–200 characters.
    #[schema(pattern = "\\S", max_length = 200)]
    pub operator: String,
    /// Why, 1–500 characters.
    #[schema(pattern = "\\S", max_length = 500)]
    pub reason: String,
    /// Free-form note, up to 4,000 characters.
    #[schema(max_length = 4000)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Event types suppressed for the pair (default: the event's own type; a repeated one
    /// counts once).
    #[schema(value_type = Option<Vec<EventName>>, min_items = 1, max_items = 12)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
}

/// `POST /api/v1/change-windows` body.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeWindowRequest {
    /// Change ticket or name (`CHG0012345`), 1–200 characters.
    #[schema(pattern = "\\S", max_length = 200)]
    pub name: String,
    /// Switch, or `*` for every switch of the site.
    #[schema(pattern = "\\S", max_length = 200)]
    pub switch: String,
    /// Port ranges (`Gi1/0/1-24`, `Gi1/0/7`; empty or absent: every port of the switch).
    #[serde(default)]
    #[schema(max_items = 64)]
    pub ports: Vec<String>,
    /// Start (RFC 3339 or `YYYY-MM-DD`).
    #[schema(example = "2026-05-10T22:00:00Z")]
    pub start: String,
    /// End, exclusive (RFC 3339 or `YYYY-MM-DD`); in the future, at most
    /// `api.max_change_window` (30 days) after `start`.
    #[schema(example = "2026-05-11T02:00:00Z")]
    pub end: String,
    /// `none` (default) or `weekly` (repeats every 7 days until `until`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^(none|weekly)$")]
    pub recurrence: Option<String>,
    /// Last day a weekly window may start (needed for `weekly`, at most a year after `start`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Who approves, 1–200 characters.
    #[schema(pattern = "\\S", max_length = 200)]
    pub operator: String,
    /// Why, 1–500 characters.
    #[schema(pattern = "\\S", max_length = 500)]
    pub reason: String,
}

/// One of the twelve event types (the syslog reference's names).
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "kebab-case")]
#[allow(dead_code)]
pub enum EventName {
    /// P1.
    DeviceSubstituted,
    /// P1.
    NdaaProhibitedDetected,
    /// P2.
    PortTopologyChanged,
    /// P2.
    DeviceAppeared,
    /// P2.
    DeviceClassMismatch,
    /// P2.
    ComplianceControlDrift,
    /// P3.
    UnenrolledFlagged,
    /// P3.
    DeviceDeparted,
    /// P3.
    DeviceFirmwareShift,
    /// P3.
    DeviceSilentExtended,
    /// P4.
    VendorHintConfidenceChanged,
    /// P4.
    PortOrphaned,
}

/// One page of change windows.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeWindowPage {
    /// Windows, in the order created.
    pub change_windows: Vec<ChangeWindowView>,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

/// Change-window list filters and paging.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ChangeWindowQuery {
    /// `current` (default: neither cancelled nor over) or `all`.
    #[param(pattern = "^(current|all)$")]
    status: Option<String>,
    /// Page size, 1 to `api.max_page` (1000); 100 by default.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page (opaque).
    #[param(pattern = "^63313a773a(3[0-9]){1,18}$")]
    cursor: Option<String>,
}

fn check_len(fields: &mut Fields, name: &str, v: &str, min: usize, max: usize) {
    let n = v.trim().chars().count();
    if n < min || v.chars().count() > max {
        fields.insert(name.into(), format!("{min} to {max} characters"));
    }
}

/// A new id: `prefix` + ULID.
fn new_id(prefix: &str, now: Timestamp) -> String {
    let ms = u64::try_from(now.0 / 1000).unwrap_or(0);
    format!("{prefix}{}", ulid::Ulid::from_parts(ms, fastrand::u128(..)))
}

/// A duration of the body: seconds, positive and at most `max`.
fn duration_us(v: &str, max_secs: u64) -> Result<i64, String> {
    let strict = v.len() >= 2
        && v[..v.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && v.ends_with(['s', 'm', 'h', 'd']);
    let secs = parse_duration_secs(v)
        .filter(|s| *s > 0 && strict)
        .ok_or_else(|| format!("{v:?} is not a positive duration (`30m`, `4h`, `7d`)"))?;
    if secs > max_secs {
        return Err(format!("longer than api.max_suppression ({} s)", max_secs));
    }
    Ok(secs as i64 * 1_000_000)
}

fn event_types(list: &[String], fields: &mut Fields) -> Vec<EventType> {
    if list.is_empty() || list.len() > EventType::ALL.len() {
        fields.insert("events".into(), "1 to 12 event types".into());
    }
    let mut out = Vec::new();
    for (i, e) in list.iter().enumerate() {
        match e.parse::<EventType>() {
            Ok(t) if !out.contains(&t) => out.push(t),
            Ok(_) => {}
            Err(m) => {
                fields.insert(format!("events[{i}]"), m.to_string());
            }
        }
    }
    out
}

fn text(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key).and_then(|x| x.as_str()).map(str::to_owned)
}

/// Suppress repeated events for the event's device-port pair for a duration.
///
/// The pair is the event's MAC (an event without one: any device of the port) on its switch
/// and port; the types are the event's own unless `events` lists others. The engine raises
/// none of them for the pair until the suppression ends; the call is part of the event's
/// audit trail (`event.suppressed`).
#[utoipa::path(post, path = "/api/v1/events/{event_id}/suppress", tag = "events",
    params(("event_id" = String, Path, description = "Event id (`evt_` + ULID)", pattern = "^evt_[0-7][0-9A-HJKMNP-TV-Z]{25}$")),
    request_body = SuppressRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 201, description = "In force", body = SuppressionView),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
        (status = 404, description = "No such event (or outside the history window)", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "The body did not validate", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn suppress(
    State(state): State<AppState>,
    Extension(Caller(caller)): Extension<Caller>,
    id: Result<Path<String>, PathRejection>,
    p: Params,
    ApiJson(body): ApiJson<SuppressRequest>,
) -> Result<(StatusCode, Json<SuppressionView>), ApiError> {
    let id = path_segment(id, "event_id")?;
    let event_id = id
        .parse::<crate::event::EventId>()
        .map_err(|_| ApiError::field("event_id", "not an event id (`evt_` + 26-character ULID)"))?
        .to_string();
    p.finish()?;
    let mut fields = Fields::new();
    let dur = duration_us(&body.duration, state.params.max_suppression_secs)
        .map_err(|e| fields.insert("duration".into(), e))
        .ok();
    check_len(&mut fields, "operator", &body.operator, 1, 200);
    check_len(&mut fields, "reason", &body.reason, 1, 500);
    if let Some(n) = &body.note {
        check_len(&mut fields, "note", n, 0, 4000);
    }
    let types = body.events.as_deref().map(|l| event_types(l, &mut fields));
    let (Some(dur), true) = (dur, fields.is_empty()) else {
        return Err(ApiError::fields(fields));
    };
    let now = state.clock.now();
    let since = window_start(&state, now);
    let request_id = crate::api::error::request_id();
    let detail = serde_json::to_value(&body).map_err(ApiError::internal)?;
    let sup_id = new_id("sup_", now);
    let row = state
        .blocking(move |s| {
            let Some(ev) = s.read.event(&event_id, since).map_err(ApiError::internal)? else {
                return Err(ApiError::NotFound(format!(
                    "no event {event_id} in the history window"
                )));
            };
            let own = text(&ev.json, "event")
                .and_then(|t| t.parse::<EventType>().ok())
                .ok_or_else(|| ApiError::internal("stored event without a type"))?;
            let row = SuppressionRow {
                id: sup_id.clone(),
                event_id: event_id.clone(),
                mac: text(&ev.json, "mac"),
                device_dna: text(&ev.json, "device_dna"),
                switch: text(&ev.json, "switch").unwrap_or_default(),
                port: text(&ev.json, "port").unwrap_or_default(),
                events: types.unwrap_or_else(|| vec![own]),
                created_at: now,
                until: Timestamp(now.0.saturating_add(dur)),
                token_id: Some(caller.id.clone()),
                operator: body.operator.clone(),
                reason: body.reason.clone(),
                note: body.note.clone(),
            };
            let mut detail = detail;
            detail["suppression_id"] = serde_json::Value::String(sup_id.clone());
            let note = AuditNote {
                request_id: &request_id,
                token_id: &caller.id,
                action: "event.suppressed",
                target: &event_id,
                detail: &detail,
            };
            s.db.with(|c| store::insert_suppression(c, &row, &note))
                .map_err(ApiError::internal)?;
            Ok(row)
        })
        .await?;
    let applied = hand_over(state.engine.clone(), row.control()).await;
    tracing::info!(suppression = %row.id, event_id = %row.event_id, port = %row.port,
        applied, "Suppression in force.");
    Ok((StatusCode::CREATED, Json(row.view(&state.site, now))))
}

/// A validated change-window request as a row.
fn window_row(
    state: &AppState,
    b: &ChangeWindowRequest,
    now: Timestamp,
    caller: &str,
) -> Result<ChangeWindowRow, ApiError> {
    let mut f = Fields::new();
    check_len(&mut f, "name", &b.name, 1, 200);
    check_len(&mut f, "switch", &b.switch, 1, 200);
    check_len(&mut f, "operator", &b.operator, 1, 200);
    check_len(&mut f, "reason", &b.reason, 1, 500);
    if b.ports.len() > 64 {
        f.insert("ports".into(), "at most 64 ranges".into());
    }
    for (i, r) in b.ports.iter().enumerate() {
        if let Err(m) = PortRange::parse(r) {
            f.insert(format!("ports[{i}]"), m);
        }
    }
    let mut time = |k: &str, v: &str| {
        parse_time(v)
            .map_err(|m| {
                f.insert(k.into(), m);
            })
            .ok()
    };
    let start = time("start", &b.start);
    let end = time("end", &b.end);
    let until = b.until.as_deref().and_then(|u| time("until", u));
    let weekly = match b.recurrence.as_deref() {
        None | Some("none") => false,
        Some("weekly") => true,
        Some(_) => {
            f.insert("recurrence".into(), "one of none, weekly".into());
            false
        }
    };
    if let (Some(s), Some(e)) = (start, end) {
        let max = i64::try_from(state.params.max_change_window_secs)
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000);
        if e <= s {
            f.insert("end".into(), "must be after start".into());
        } else if e.0 - s.0 > max {
            f.insert(
                "end".into(),
                format!(
                    "longer than api.max_change_window ({} s) after start",
                    state.params.max_change_window_secs
                ),
            );
        } else if weekly && e.0 - s.0 > WEEK_US {
            f.insert("end".into(), "a weekly window lasts at most 7 days".into());
        } else if !weekly && e <= now {
            f.insert("end".into(), "already past".into());
        }
        match (weekly, until) {
            (true, None) if b.until.is_none() => {
                f.insert("until".into(), "needed for a weekly window".into());
            }
            (true, Some(u)) if u < s || u.0 - s.0 > MAX_RECURRENCE_US => {
                f.insert(
                    "until".into(),
                    "from start to at most a year after it".into(),
                );
            }
            (false, Some(_)) => {
                f.insert("until".into(), "only for a weekly window".into());
            }
            _ => {}
        }
    }
    let (Some(start), Some(end), true) = (start, end, f.is_empty()) else {
        return Err(ApiError::fields(f));
    };
    let mut row = ChangeWindowRow {
        seq: 0,
        id: new_id("cw_", now),
        name: b.name.clone(),
        switch: b.switch.clone(),
        ports: b.ports.clone(),
        start,
        end,
        weekly,
        until,
        expires_at: None,
        created_at: now,
        token_id: Some(caller.to_owned()),
        operator: b.operator.clone(),
        reason: b.reason.clone(),
        cancelled_at: None,
    };
    row.expires_at = row.window("").last_end();
    if row.expires_at.is_some_and(|e| e <= now) {
        return Err(ApiError::field("until", "every occurrence is already past"));
    }
    Ok(row)
}

/// Approve a change window: change events on its ports inside it are raised with
/// `change_window_match = true`.
#[utoipa::path(post, path = "/api/v1/change-windows", tag = "events",
    request_body = ChangeWindowRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 201, description = "Approved", body = ChangeWindowView),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "The body did not validate", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn create_window(
    State(state): State<AppState>,
    Extension(Caller(caller)): Extension<Caller>,
    p: Params,
    ApiJson(body): ApiJson<ChangeWindowRequest>,
) -> Result<(StatusCode, Json<ChangeWindowView>), ApiError> {
    p.finish()?;
    let now = state.clock.now();
    let row = window_row(&state, &body, now, &caller.id)?;
    let request_id = crate::api::error::request_id();
    let detail = serde_json::to_value(&body).map_err(ApiError::internal)?;
    let row = state
        .blocking(move |s| {
            let note = AuditNote {
                request_id: &request_id,
                token_id: &caller.id,
                action: "change_window.created",
                target: &row.id,
                detail: &detail,
            };
            s.db.with(|c| store::insert_window(c, &row, &note))
                .map_err(ApiError::internal)?;
            Ok(row)
        })
        .await?;
    let applied = hand_over(state.engine.clone(), row.control()).await;
    tracing::info!(change_window = %row.id, name = %row.name, applied, "Change window approved.");
    Ok((StatusCode::CREATED, Json(row.view(&state.site, now))))
}

/// Change windows in the order created: current ones (neither cancelled nor over) by default,
/// every one with `status=all`.
#[utoipa::path(get, path = "/api/v1/change-windows", tag = "events",
    params(ChangeWindowQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "One page", body = ChangeWindowPage),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
        (status = 422, description = "A parameter did not validate", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn list_windows(
    State(state): State<AppState>,
    mut p: Params,
) -> Result<Json<ChangeWindowPage>, ApiError> {
    let current = p
        .parse("status", |s| match s {
            "current" => Ok(true),
            "all" => Ok(false),
            _ => Err("one of current, all".into()),
        })
        .unwrap_or(true);
    let limit = p.limit(super::inventory::DEFAULT_LIMIT, state.params.max_page);
    let after = p.cursor(Cursor::change_window);
    p.finish()?;
    let now = state.clock.now();
    let page = state
        .blocking(move |s| {
            s.read
                .change_windows(after.as_ref(), limit, current, now)
                .map_err(ApiError::internal)
        })
        .await?;
    Ok(Json(ChangeWindowPage {
        change_windows: page
            .items
            .iter()
            .map(|w| w.view(&state.site, now))
            .collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// Cancel a change window: from now on it covers nothing (its row and audit trail stay).
#[utoipa::path(delete, path = "/api/v1/change-windows/{change_window_id}", tag = "events",
    params(("change_window_id" = String, Path, description = "Change-window id (`cw_` + ULID)", pattern = "^cw_[0-7][0-9A-HJKMNP-TV-Z]{25}$")),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Cancelled", body = ChangeWindowView),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
        (status = 404, description = "No such change window", body = ErrorBody),
        (status = 409, description = "Already cancelled", body = ErrorBody),
        (status = 422, description = "Not a change-window id", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn cancel_window(
    State(state): State<AppState>,
    Extension(Caller(caller)): Extension<Caller>,
    id: Result<Path<String>, PathRejection>,
    p: Params,
) -> Result<Json<ChangeWindowView>, ApiError> {
    let id = path_segment(id, "change_window_id")?;
    let ok = id
        .strip_prefix("cw_")
        .is_some_and(|u| ulid::Ulid::from_string(u).is_ok() && u.len() == 26);
    if !ok {
        return Err(ApiError::field(
            "change_window_id",
            "not a change-window id (`cw_` + 26-character ULID)",
        ));
    }
    p.finish()?;
    let now = state.clock.now();
    let request_id = crate::api::error::request_id();
    let wid = id.clone();
    let out = state
        .blocking(move |s| {
            let detail = serde_json::json!({ "change_window_id": wid });
            let note = AuditNote {
                request_id: &request_id,
                token_id: &caller.id,
                action: "change_window.cancelled",
                target: &wid,
                detail: &detail,
            };
            s.db.with(|c| store::cancel_window(c, &wid, now, &note))
                .map_err(ApiError::internal)
        })
        .await?;
    let row = match out {
        Cancelled::Done(r) => r,
        Cancelled::Already(_) => {
            return Err(ApiError::Conflict("change window already cancelled"));
        }
        Cancelled::Unknown => return Err(ApiError::NotFound(format!("no change window {id}"))),
    };
    let applied = hand_over(
        state.engine.clone(),
        Control::CancelChangeWindow { id: row.id.clone() },
    )
    .await;
    tracing::info!(change_window = %row.id, applied, "Change window cancelled.");
    Ok(Json(row.view(&state.site, now)))
}

/// The device view's controls.
#[derive(Debug, Default)]
pub struct DeviceControls {
    /// Its suppressions (and its port's, from events without a device), newest first.
    pub suppressions: Vec<SuppressionView>,
    /// The current change windows over its port.
    pub change_windows: Vec<ChangeWindowView>,
    /// The ids whose audit trail the view shows besides its events' (the windows').
    pub audit_targets: Vec<String>,
}

/// The device view's controls: its suppressions, the current windows over its port, and the
/// ids whose audit trail it shows besides its events'.
pub fn device_controls(
    s: &AppState,
    mac: &str,
    switch: Option<&str>,
    port: Option<&str>,
    now: Timestamp,
) -> Result<DeviceControls, ApiError> {
    let sup = s
        .read
        .suppressions_of(mac, switch, port)
        .map_err(ApiError::internal)?;
    let mut windows = Vec::new();
    let mut after = None;
    if let (Some(sw), Some(pt)) = (switch, port) {
        loop {
            let page = s
                .read
                .change_windows(after.as_ref(), 1000, true, now)
                .map_err(ApiError::internal)?;
            windows.extend(page.items.into_iter().filter(|w| w.selects(sw, pt)));
            match page.next {
                Some(c) => after = Some(c),
                None => break,
            }
        }
    }
    Ok(DeviceControls {
        suppressions: sup.iter().map(|r| r.view(&s.site, now)).collect(),
        change_windows: windows.iter().map(|w| w.view(&s.site, now)).collect(),
        audit_targets: windows.iter().map(|w| w.id.clone()).collect(),
    })
}
