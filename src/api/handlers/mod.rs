//! One handler file per reference section: [`auth`] (6), [`inventory`] (8), [`devices`] (9),
//! [`drift`] (10), [`events`], [`controls`] and [`integrations`] (12), and the sensor's own
//! [`metrics`]. [`routes`] groups them by the access they need.

pub mod auth;
pub mod controls;
pub mod devices;
pub mod drift;
pub mod events;
pub mod integrations;
pub mod inventory;
pub mod metrics;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Scope;
use super::error::ApiError;
use super::ratelimit::Class;
use super::{Access, AppState, group};

/// Read routes answered from [`super::cache`] while the store has not changed (the layer runs
/// inside the group's guard).
fn cached(r: OpenApiRouter<AppState>, state: &AppState) -> OpenApiRouter<AppState> {
    r.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        super::cache::answers,
    ))
}

/// The routes and their OpenAPI document.
pub fn routes(state: &AppState) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let public = OpenApiRouter::new().routes(routes!(auth::exchange));
    let me_read = OpenApiRouter::new()
        .routes(routes!(auth::whoami))
        .routes(routes!(metrics::metrics));
    let me_write = OpenApiRouter::new().routes(routes!(auth::rotate));
    let inventory = OpenApiRouter::new()
        .routes(routes!(inventory::list))
        .routes(routes!(inventory::count))
        .routes(routes!(inventory::diff))
        .routes(routes!(devices::detail))
        .routes(routes!(devices::timeline));
    let events = OpenApiRouter::new()
        .routes(routes!(drift::by_port))
        .routes(routes!(drift::by_device))
        .routes(routes!(controls::list_windows));
    let writes = OpenApiRouter::new()
        .routes(routes!(events::acknowledge))
        .routes(routes!(controls::suppress))
        .routes(routes!(controls::create_window))
        .routes(routes!(controls::cancel_window));
    let soar = OpenApiRouter::new()
        .routes(routes!(integrations::ise_quarantine))
        .routes(routes!(integrations::forescout_quarantine))
        .routes(routes!(integrations::ise_release))
        .routes(routes!(integrations::forescout_release));
    let (router, doc) = OpenApiRouter::with_openapi(super::openapi::ApiDoc::openapi())
        .merge(group(public, state, Access::Public, Class::Write))
        .merge(group(me_read, state, Access::Token(None), Class::Read))
        .merge(group(me_write, state, Access::Token(None), Class::Write))
        .merge(group(
            cached(inventory, state),
            state,
            Access::Token(Some(Scope::InventoryRead)),
            Class::Read,
        ))
        .merge(group(
            cached(events, state),
            state,
            Access::Token(Some(Scope::EventsRead)),
            Class::Read,
        ))
        .merge(group(
            writes,
            state,
            Access::Token(Some(Scope::EventsWrite)),
            Class::Write,
        ))
        .merge(group(
            soar,
            state,
            Access::Token(Some(Scope::SoarAction)),
            Class::Write,
        ))
        .split_for_parts();
    let json = super::openapi::render(&doc);
    let openapi = OpenApiRouter::new().route(
        "/api/v1/openapi.json",
        axum::routing::get(move || {
            let body = json.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body,
                )
            }
        }),
    );
    let (openapi, _) = group(openapi, state, Access::Public, Class::Read).split_for_parts();
    (router.merge(openapi), doc)
}

/// A DNA from a path: `dna:` ids as the sensor writes them, or another store's form
/// (`dna_sha256:…`): letters, digits, `:`, `_`, `-`, `.`, up to 128 characters.
pub fn device_dna(s: &str) -> Result<String, ApiError> {
    let ok = !s.is_empty()
        && s.len() <= 128
        && s.starts_with("dna")
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.'));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(ApiError::field(
            "device_dna",
            "not a Device DNA (`dna:` followed by hex digits)",
        ))
    }
}
