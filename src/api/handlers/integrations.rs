//! Reference section 12, the NAC hand-off: `POST /api/v1/integrations/{cisco-ise,forescout}/
//! quarantine` (event id + policy name → the hand-off's job id) and the release action
//! `POST /api/v1/integrations/{cisco-ise,forescout}/release` (the reference names none; it
//! clears what quarantine set). Scope `soar-action`, whose tokens always carry an IP
//! allowlist. The event's stored MAC is what the NAC is asked about.
//!
//! Every call is in the audit trail of its event, which the drift and device views show:
//! `nac.quarantine.requested` before the NAC is asked (no request leaves without a trace), then
//! `nac.quarantine.accepted` or `nac.quarantine.failed` with the NAC's answer (`nac.release.*`
//! likewise). The NAC call and its result entry run in a task of their own, so a caller hanging
//! up does not lose the result. An unconfigured integration answers 422 naming it; a NAC that
//! refuses answers `502 nac_rejected`, one that cannot be reached or trusted
//! `502 nac_unavailable`, one that does not answer in time `504 nac_timeout`.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::devices::window_start;
use crate::api::error::{ApiError, ErrorBody, Fields};
use crate::api::input::{ApiJson, Params};
use crate::api::{AppState, Caller};
use crate::integrations::{Accepted, Handoff, Kind, NacError};
use crate::store::query::rfc3339_secs;

/// Quarantine body (both NACs).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuarantineRequest {
    /// The event whose device is to be quarantined (`evt_` + ULID).
    #[schema(pattern = "^evt_[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub event_id: String,
    /// The NAC policy: the ISE ANC policy name, or the value Forescout's DEX property is set
    /// to (what its quarantine policy matches); 1–128 characters.
    #[schema(
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$",
        max_length = 128
    )]
    pub policy: String,
}

/// Cisco ISE release body.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IseReleaseRequest {
    /// The event whose device is to be released.
    #[schema(pattern = "^evt_[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub event_id: String,
    /// The ANC policy to clear (sent as `policyName`; absent: ISE clears the endpoint's ANC
    /// assignment whatever it is).
    #[schema(
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$",
        max_length = 128
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
}

/// Forescout release body: the configured DEX properties are deleted from the host.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForescoutReleaseRequest {
    /// The event whose device is to be released.
    #[schema(pattern = "^evt_[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub event_id: String,
}

/// What every hand-off body carries: the event id and the policy, if any.
trait HandoffBody {
    fn parts(&self) -> (&str, Option<&str>);
}

impl HandoffBody for QuarantineRequest {
    fn parts(&self) -> (&str, Option<&str>) {
        (&self.event_id, Some(&self.policy))
    }
}

impl HandoffBody for IseReleaseRequest {
    fn parts(&self) -> (&str, Option<&str>) {
        (&self.event_id, self.policy.as_deref())
    }
}

impl HandoffBody for ForescoutReleaseRequest {
    fn parts(&self) -> (&str, Option<&str>) {
        (&self.event_id, None)
    }
}

/// The hand-off as the NAC accepted it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffResponse {
    /// The hand-off's job id (`nac_` + ULID; neither NAC returns one of its own), in the
    /// event's audit trail with the NAC's answer.
    pub job_id: String,
    /// `cisco-ise` or `forescout`.
    pub integration: String,
    /// `quarantine` or `release`.
    pub action: String,
    /// `accepted`.
    pub status: String,
    /// The event.
    pub event_id: String,
    /// The device's MAC the NAC was asked about (lower-case colon hex).
    pub mac: String,
    /// The policy sent (`null`: none).
    pub policy: Option<String>,
    /// The NAC's HTTP status.
    pub nac_status: u16,
    /// What the NAC answered (`HTTP 204`, `FSAPI_OK: …`).
    pub nac_answer: String,
    /// When requested (RFC 3339 UTC).
    pub requested_at: String,
}

fn event_id(v: &str, fields: &mut Fields) -> String {
    match v.parse::<crate::event::EventId>() {
        Ok(id) => id.to_string(),
        Err(_) => {
            fields.insert(
                "event_id".into(),
                "not an event id (`evt_` + 26-character ULID)".into(),
            );
            String::new()
        }
    }
}

fn policy(v: &str, fields: &mut Fields) {
    let n = v.chars().count();
    if v.trim().is_empty() || n > 128 || v.chars().any(char::is_control) {
        fields.insert(
            "policy".into(),
            "1 to 128 characters, not blank, no control characters".into(),
        );
    }
}

/// What the caller asked, before the event is looked up.
struct Ask {
    kind: Kind,
    release: bool,
    event_id: String,
    policy: Option<String>,
}

impl Ask {
    fn action(&self) -> &'static str {
        if self.release {
            "release"
        } else {
            "quarantine"
        }
    }
}

/// Checks the integration and the body's values (422 naming each problem).
fn ask(
    state: &AppState,
    kind: Kind,
    release: bool,
    id: &str,
    pol: Option<&str>,
) -> Result<Ask, ApiError> {
    if !state.nac.configured(kind) {
        return Err(ApiError::field(
            "integration",
            format!(
                "{} is not configured ({} in the sensor configuration)",
                kind.as_str(),
                kind.section()
            ),
        ));
    }
    let mut fields = Fields::new();
    let event_id = event_id(id, &mut fields);
    if let Some(p) = pol {
        policy(p, &mut fields);
    }
    if !fields.is_empty() {
        return Err(ApiError::fields(fields));
    }
    Ok(Ask {
        kind,
        release,
        event_id,
        policy: pol.map(str::to_owned),
    })
}

/// The audit entry's detail.
fn detail(
    job: &str,
    a: &Ask,
    mac: &str,
    outcome: Option<&Result<Accepted, NacError>>,
) -> serde_json::Value {
    let mut d = serde_json::json!({
        "job_id": job,
        "integration": a.kind.as_str(),
        "mac": mac,
        "policy": a.policy,
    });
    match outcome {
        None => {}
        Some(Ok(acc)) => {
            d["nac_status"] = acc.status.into();
            d["nac_answer"] = acc.answer.clone().into();
        }
        Some(Err(e)) => {
            if let NacError::Rejected { status, .. } = e {
                d["nac_status"] = (*status).into();
            }
            d["error"] = e.to_string().into();
        }
    }
    d
}

/// Who made the call, for the audit trail.
#[derive(Clone)]
struct Trace {
    token_id: String,
    request_id: String,
    job: String,
}

/// Appends `nac.<action>.<what>` to the event's audit trail.
async fn record(
    state: &AppState,
    t: &Trace,
    a: &Ask,
    what: &str,
    d: serde_json::Value,
) -> Result<(), ApiError> {
    let action = format!("nac.{}.{what}", a.action());
    let (t, eid) = (t.clone(), a.event_id.clone());
    state
        .blocking(move |s| {
            s.tokens
                .audit(s.clock.now(), &t.request_id, &t.token_id, &action, &eid, &d)
                .map(|_| ())
                .map_err(ApiError::internal)
        })
        .await
}

/// The MAC of a stored event (lower-case colon hex), or a 422 saying it has none.
fn event_mac(ev: &crate::store::query::StoredEvent, event_id: &str) -> Result<String, ApiError> {
    ev.json["mac"]
        .as_str()
        .filter(|m| crate::integrations::parse_mac(m).is_some())
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| {
            ApiError::field(
                "event_id",
                format!("event {event_id} names no device MAC to hand off"),
            )
        })
}

/// Looks the event up, records the request, asks the NAC (in a task of its own, which also
/// records the result), answers with the result.
async fn hand_off(
    state: AppState,
    caller: crate::api::auth::TokenRecord,
    a: Ask,
) -> Result<Json<HandoffResponse>, ApiError> {
    let now = state.clock.now();
    let since = window_start(&state, now);
    let eid = a.event_id.clone();
    let ev = state
        .blocking(move |s| s.read.event(&eid, since).map_err(ApiError::internal))
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!("no event {} in the history window", a.event_id))
        })?;
    let mac = event_mac(&ev, &a.event_id)?;
    let trace = Trace {
        token_id: caller.id,
        request_id: crate::api::error::request_id(),
        job: format!(
            "nac_{}",
            ulid::Ulid::from_parts(now.0.max(0) as u64 / 1000, fastrand::u128(..))
        ),
    };
    record(
        &state,
        &trace,
        &a,
        "requested",
        detail(&trace.job, &a, &mac, None),
    )
    .await?;
    let h = Handoff {
        event_id: a.event_id.clone(),
        mac: mac.clone(),
        policy: a.policy.clone(),
    };
    let (s, t) = (state.clone(), trace.clone());
    let task = tokio::spawn(async move {
        let outcome = s
            .nac
            .call(a.kind, a.release, &h)
            .await
            .unwrap_or(Err(NacError::Unreachable("not configured".into())));
        let what = if outcome.is_ok() {
            "accepted"
        } else {
            "failed"
        };
        let d = detail(&t.job, &a, &h.mac, Some(&outcome));
        if let Err(e) = record(&s, &t, &a, what, d).await {
            tracing::error!(job_id = %t.job, error = %e, "The NAC hand-off's result is not in the audit trail.");
        }
        (a, outcome)
    });
    let (a, outcome) = task.await.map_err(ApiError::internal)?;
    let acc = outcome.map_err(|error| ApiError::Nac {
        label: a.kind.label(),
        job: trace.job.clone(),
        error,
    })?;
    tracing::info!(job_id = %trace.job, integration = a.kind.as_str(), action = a.action(),
        event_id = %a.event_id, %mac, status = acc.status, "NAC hand-off accepted.");
    Ok(Json(HandoffResponse {
        job_id: trace.job,
        integration: a.kind.as_str().into(),
        action: a.action().into(),
        status: "accepted".into(),
        event_id: a.event_id,
        mac,
        policy: a.policy,
        nac_status: acc.status,
        nac_answer: acc.answer,
        requested_at: rfc3339_secs(now),
    }))
}

macro_rules! nac_path {
    ($fn:ident, $path:literal, $body:ty, $kind:expr, $release:literal, $summary:literal) => {
        #[doc = $summary]
        #[utoipa::path(post, path = $path, tag = "integrations",
            request_body = $body,
            security(("bearer" = []), ("api_key" = [])),
            responses(
                (status = 200, description = "The NAC accepted it", body = HandoffResponse),
                (status = 401, description = "Bad, expired or revoked token", body = ErrorBody),
                (status = 403, description = "Scope or source address not allowed", body = ErrorBody),
                (status = 404, description = "No such event (or outside the history window)", body = ErrorBody),
                (status = 413, description = "Body too large", body = ErrorBody),
                (status = 415, description = "Not JSON", body = ErrorBody),
                (status = 422, description = "The body did not validate, the event names no MAC, or the integration is not configured", body = ErrorBody),
                (status = 429, description = "Rate limited", body = ErrorBody),
                (status = 502, description = "The NAC refused (`nac_rejected`) or could not be reached or trusted (`nac_unavailable`)", body = ErrorBody),
                (status = 504, description = "The NAC did not answer in time (`nac_timeout`)", body = ErrorBody),
            ))]
        pub async fn $fn(
            State(state): State<AppState>,
            Extension(Caller(caller)): Extension<Caller>,
            p: Params,
            ApiJson(body): ApiJson<$body>,
        ) -> Result<Json<HandoffResponse>, ApiError> {
            p.finish()?;
            let (id, pol) = body.parts();
            let a = ask(&state, $kind, $release, id, pol)?;
            hand_off(state, caller, a).await
        }
    };
}

nac_path!(
    ise_quarantine,
    "/api/v1/integrations/cisco-ise/quarantine",
    QuarantineRequest,
    Kind::CiscoIse,
    false,
    "Hand off to Cisco ISE: apply an ANC policy to the event's device (ERS `ancendpoint/apply`)."
);
nac_path!(
    forescout_quarantine,
    "/api/v1/integrations/forescout/quarantine",
    QuarantineRequest,
    Kind::Forescout,
    false,
    "Hand off to Forescout: set the DEX property its quarantine policy acts on, for the event's device."
);
nac_path!(
    ise_release,
    "/api/v1/integrations/cisco-ise/release",
    IseReleaseRequest,
    Kind::CiscoIse,
    true,
    "Release through Cisco ISE: clear the ANC policy of the event's device (ERS `ancendpoint/clear`)."
);
nac_path!(
    forescout_release,
    "/api/v1/integrations/forescout/release",
    ForescoutReleaseRequest,
    Kind::Forescout,
    true,
    "Release through Forescout: delete the DEX properties quarantine set on the event's device."
);
