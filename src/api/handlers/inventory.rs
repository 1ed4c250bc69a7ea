//! Reference section 8: `GET /api/v1/inventory`, `GET /api/v1/inventory/count`.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::input::Params;
use crate::store::query::{
    Changed, Cursor, DeviceSummary, DiffEntry, InventoryFilter, rfc3339_secs,
};

/// Inventory filters (all optional; combined with AND).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct InventoryQuery {
    /// Site identifier.
    #[param(pattern = "\\S")]
    site: Option<String>,
    /// VLAN the device was last seen on (1–4094).
    #[param(minimum = 1, maximum = 4094)]
    vlan: Option<u16>,
    /// Case-insensitive substring of vendor and model.
    #[param(pattern = "\\S")]
    vendor: Option<String>,
    /// `prohibited`, `clean` or `unknown`.
    #[param(pattern = "^(prohibited|clean|unknown)$")]
    ndaa_status: Option<String>,
    /// First seen after (RFC 3339; a date `YYYY-MM-DD` is midnight UTC).
    #[param(format = DateTime)]
    first_seen_after: Option<String>,
    /// Last seen before (RFC 3339; a date `YYYY-MM-DD` is midnight UTC).
    #[param(format = DateTime)]
    last_seen_before: Option<String>,
    /// Hardware address (`aa:bb:cc:dd:ee:ff`, `aa-bb-…`, `aabb.ccdd.eeff`, `aabbccddeeff`).
    #[param(
        pattern = "^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{4}[.][0-9A-Fa-f]{4}[.][0-9A-Fa-f]{4}$|^[0-9A-Fa-f]{12}$"
    )]
    mac: Option<String>,
    /// IP address (IPv4; IPv6 is accepted too).
    #[param(format = Ipv4)]
    ip: Option<String>,
    /// Switch name.
    #[param(pattern = "\\S")]
    switch: Option<String>,
    /// Interface name (`Gi1/0/24`).
    #[param(pattern = "\\S")]
    port: Option<String>,
}

/// Paging (list endpoints only).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageQuery {
    /// Page size, 1 to `api.max_page` (1000); 100 by default.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// `next_cursor` of the previous inventory page (opaque).
    #[param(pattern = "^63313a643a([2-7][0-9a-f]){1,200}$")]
    cursor: Option<String>,
}

/// Paging of event lists.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct EventPageQuery {
    /// Page size, 1 to `api.max_page` (1000); 100 by default.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page of this list (opaque).
    #[param(pattern = "^63313a653a(3[0-9]){1,18}$")]
    cursor: Option<String>,
}

/// One inventory page.
#[derive(Debug, Serialize, ToSchema)]
pub struct InventoryPage {
    /// Devices, by MAC.
    pub devices: Vec<DeviceSummary>,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/inventory/count`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountResponse {
    /// Devices matching the filters.
    pub count: u64,
}

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 100;

/// Reads the inventory filters.
pub fn filter(p: &mut Params) -> InventoryFilter {
    InventoryFilter {
        site: p.str("site"),
        vlan: p.parse("vlan", |s| match s.parse::<u16>() {
            Ok(v) if (1..=4094).contains(&v) => Ok(v),
            _ => Err("a VLAN id from 1 to 4094".into()),
        }),
        vendor: p.str("vendor"),
        ndaa_status: p.parse("ndaa_status", |s| match s {
            "prohibited" | "clean" | "unknown" => Ok(s.to_owned()),
            _ => Err("one of prohibited, clean, unknown".into()),
        }),
        first_seen_after: p.time("first_seen_after"),
        last_seen_before: p.time("last_seen_before"),
        mac: p.parse("mac", |s| {
            s.parse::<crate::wire::MacAddr>()
                .map(|m| m.to_string())
                .map_err(|e| format!("not a MAC address: {e}"))
        }),
        ip: p.parse("ip", |s| {
            s.parse::<std::net::IpAddr>()
                .map(|a| a.to_canonical().to_string())
                .map_err(|_| "not an IPv4 or IPv6 address".into())
        }),
        switch: p.str("switch"),
        port: p.str("port"),
    }
}

/// Every observed device, by MAC, cursor-paginated.
#[utoipa::path(get, path = "/api/v1/inventory", tag = "inventory",
    params(InventoryQuery, PageQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "One page", body = InventoryPage),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
        (status = 422, description = "A parameter did not validate", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    mut p: Params,
) -> Result<Json<InventoryPage>, ApiError> {
    let f = filter(&mut p);
    let limit = p.limit(DEFAULT_LIMIT, state.params.max_page);
    let after = p.cursor(Cursor::device);
    p.finish()?;
    let page = state
        .blocking(move |s| {
            s.read
                .inventory(&f, after.as_ref(), limit)
                .map_err(ApiError::internal)
        })
        .await?;
    Ok(Json(InventoryPage {
        devices: page.items,
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// How many devices match the filters.
#[utoipa::path(get, path = "/api/v1/inventory/count", tag = "inventory",
    params(InventoryQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The count", body = CountResponse),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
        (status = 422, description = "A parameter did not validate", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn count(
    State(state): State<AppState>,
    mut p: Params,
) -> Result<Json<CountResponse>, ApiError> {
    let f = filter(&mut p);
    p.finish()?;
    let count = state
        .blocking(move |s| s.read.inventory_count(&f).map_err(ApiError::internal))
        .await?;
    Ok(Json(CountResponse { count }))
}

/// `GET /api/v1/inventory/diff` parameters.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DiffQuery {
    /// The baseline (RFC 3339; a date is midnight UTC), in the past.
    #[param(format = DateTime)]
    baseline: String,
}

/// The inventory now against a baseline time (reference section 8).
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffResponse {
    /// The baseline (RFC 3339 UTC).
    pub baseline_at: String,
    /// Now (RFC 3339 UTC).
    pub current_at: String,
    /// First seen after the baseline.
    pub added: Vec<DeviceSummary>,
    /// Seen before the baseline and not since.
    pub removed: Vec<DeviceSummary>,
    /// Seen on both sides with another DNA or on another port now (`from` → `to`).
    pub changed: Vec<Changed>,
    /// The three lists are one walk over the devices by MAC: pass as `cursor` for the rest;
    /// `null` at the end.
    pub next_cursor: Option<String>,
}

/// Diff the current inventory against a baseline timestamp: added, removed and changed
/// devices, from the stored history (each device's timeline and events).
#[utoipa::path(get, path = "/api/v1/inventory/diff", tag = "inventory",
    params(DiffQuery, PageQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "One page of the diff", body = DiffResponse),
        (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
        (status = 422, description = "A parameter did not validate", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
pub async fn diff(
    State(state): State<AppState>,
    mut p: Params,
) -> Result<Json<DiffResponse>, ApiError> {
    let now = state.clock.now();
    let baseline = p.time("baseline");
    if baseline.is_none() && p.str("baseline").is_none() {
        p.error(
            "baseline",
            "required (`2026-02-01T00:00:00Z` or `2026-02-01`)",
        );
    }
    let limit = p.limit(DEFAULT_LIMIT, state.params.max_page);
    let after = p.cursor(Cursor::device);
    if baseline.is_some_and(|b| b > now) {
        p.error("baseline", "must not be in the future");
    }
    p.finish()?;
    let baseline = baseline.unwrap_or(now);
    let page = state
        .blocking(move |s| {
            s.read
                .inventory_diff(baseline, after.as_ref(), limit)
                .map_err(ApiError::internal)
        })
        .await?;
    let mut out = DiffResponse {
        baseline_at: rfc3339_secs(baseline),
        current_at: rfc3339_secs(now),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        next_cursor: page.next.map(|c| c.encode()),
    };
    for e in page.items {
        match e {
            DiffEntry::Added(d) => out.added.push(d),
            DiffEntry::Removed(d) => out.removed.push(d),
            DiffEntry::Changed(c) => out.changed.push(c),
        }
    }
    Ok(Json(out))
}
