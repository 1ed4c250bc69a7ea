//! The REST API (DESIGN.md section 8; contract: the reference's sections 6–13): axum over
//! rustls, TLS only.
//!
//! [`launch`] serves the API on a listener it is given until a shutdown future resolves, so
//! tests run the whole server on port 0 and stop it cleanly; [`start`] is what `cybriq run`
//! calls: the server on its own thread and runtime, the certificate reloaded on SIGHUP.
//!
//! Every request gets an id (`req_…`): the `X-Request-Id` header of its response, the
//! `request_id` of an error body, and a field of every log line about it. Every endpoint but
//! the token exchange and the OpenAPI document needs a bearer token (`Authorization: Bearer
//! cbq_live_pk_…` or `X-API-Key: cbq_live_pk_…`); the guard checks, in this order, the token
//! (401 `invalid_token`), the source address against its allowlist (403 `ip_not_allowed`), the
//! endpoint's scope (403 `scope_insufficient`) and the rate limit (429 `rate_limited`), and
//! puts `X-Rate-Limit-Remaining` / `X-Rate-Limit-Reset` on every response. Handlers read
//! through [`crate::store::query::ReadStore`], off the async threads.

pub mod auth;
pub mod cache;
pub mod error;
mod guard;
mod handlers;
pub mod input;
pub mod link;
mod openapi;
pub mod ratelimit;
mod service;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;

use crate::clock::Timestamp;
use crate::config::api::ApiParams;
use crate::store::query::ReadStore;
use auth::{TokenRecord, TokenStore};
use error::ApiError;
use ratelimit::Limits;

pub(crate) use guard::group;
pub use guard::{Access, Caller};
pub use link::EngineLink;
pub use service::{Running, start};

/// The API's wall clock; tests move it forward to expire tokens.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_us: Arc<AtomicI64>,
}

impl Clock {
    /// Now (system time plus the offset).
    pub fn now(&self) -> Timestamp {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(
            i64::try_from(d.as_micros())
                .unwrap_or(i64::MAX)
                .saturating_add(self.offset_us.load(Ordering::Relaxed)),
        )
    }

    /// Moves the clock forward by `d` (tests).
    pub fn advance(&self, d: Duration) {
        self.offset_us.fetch_add(
            i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
            Ordering::Relaxed,
        );
    }
}

/// What the server needs besides its listener.
#[derive(Clone)]
pub struct ApiContext {
    /// `[api]`, validated.
    pub params: ApiParams,
    /// `sensor.data_dir`: the database, the token-hashing key, a self-signed certificate.
    pub data_dir: PathBuf,
    /// `sensor.site`.
    pub site: String,
    /// Host name for a self-signed certificate.
    pub hostname: String,
    /// The wall clock.
    pub clock: Clock,
    /// The read side (`None`: the SQLite database in `data_dir`).
    pub read: Option<Arc<dyn ReadStore>>,
    /// `[integrations]`: the NACs of the quarantine hand-off.
    pub integrations: crate::config::integrations::Integrations,
    /// The engine's inbox for suppressions and change windows (`None`: no pipeline runs with
    /// this server; controls are stored and applied at the next start).
    pub engine: Option<EngineLink>,
}

impl std::fmt::Debug for ApiContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiContext")
            .field("params", &self.params)
            .field("data_dir", &self.data_dir)
            .field("site", &self.site)
            .finish_non_exhaustive()
    }
}

/// Why the API could not start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The certificate.
    #[error("API certificate: {0}")]
    Tls(#[from] tls::TlsError),
    /// The database.
    #[error("API store: {0}")]
    Store(#[from] crate::store::StoreError),
    /// The token store.
    #[error("API tokens: {0}")]
    Tokens(#[from] auth::TokenStoreError),
    /// An integration (`[integrations]`): a secret or CA file that does not load.
    #[error("API integrations: {0}")]
    Integrations(#[from] crate::config::ConfigError),
    /// The socket or a thread.
    #[error("API {what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The error.
        source: std::io::Error,
    },
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// The read side.
    pub read: Arc<dyn ReadStore>,
    /// Tokens and the audit trail.
    pub tokens: Arc<TokenStore>,
    /// Rate limits.
    pub limits: Arc<Limits>,
    /// `[api]`.
    pub params: Arc<ApiParams>,
    /// The clock.
    pub clock: Clock,
    /// The NACs of the quarantine hand-off.
    pub nac: Arc<crate::integrations::Nac>,
    /// Write connections for suppressions and change windows.
    pub db: Arc<crate::store::query::Pool>,
    /// The engine's inbox.
    pub engine: Option<EngineLink>,
    /// `sensor.site`.
    pub site: String,
    /// Answers and token checks of the current store generation.
    pub cache: Arc<cache::Cache>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Runs blocking store work off the async threads.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let s = self.clone();
        let id = error::request_id();
        tokio::task::spawn_blocking(move || {
            let _g = tracing::info_span!("blocking", request_id = %id).entered();
            f(&s)
        })
        .await
        .map_err(ApiError::internal)?
    }
}

/// The router and its OpenAPI document.
pub fn router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, doc) = handlers::routes(&state);
    let router = router
        .fallback_service(guard::not_found(&state))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(state.params.max_body_bytes))
        .layer(middleware::from_fn(guard::request_id))
        .with_state(state);
    (router, doc)
}

fn state(ctx: &ApiContext) -> Result<AppState, StartError> {
    let read = match &ctx.read {
        Some(r) => r.clone(),
        None => Arc::new(crate::store::query::SqliteRead::open(
            &crate::store::db_path(&ctx.data_dir),
            &ctx.site,
        )?),
    };
    Ok(AppState {
        read,
        tokens: Arc::new(TokenStore::open(&ctx.data_dir)?),
        limits: Arc::new(Limits::new(
            ctx.params.read_per_minute,
            ctx.params.write_per_minute,
        )),
        params: Arc::new(ctx.params.clone()),
        clock: ctx.clock.clone(),
        nac: Arc::new(crate::integrations::Nac::build(&ctx.integrations)?),
        db: Arc::new(crate::store::query::Pool::open(
            &crate::store::db_path(&ctx.data_dir),
            2,
        )?),
        engine: ctx.engine.clone(),
        site: ctx.site.clone(),
        cache: Arc::new(cache::Cache::new(std::time::Duration::from_millis(
            ctx.params.response_cache_ms,
        ))),
    })
}

/// Where the certificate of a context comes from.
pub fn tls_source(params: &ApiParams, data_dir: &std::path::Path, hostname: &str) -> tls::Source {
    match &params.cert_key {
        Some((cert, key)) => tls::Source::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        None => tls::Source::SelfSigned {
            dir: data_dir.to_owned(),
            names: vec![hostname.to_owned()],
        },
    }
}

/// Serves the API on `listener` until `shutdown` resolves (then lets open requests finish,
/// for at most 5 s). Each `reload` notification re-reads the certificate; a certificate that
/// does not load is logged and the running one kept.
pub async fn launch(
    ctx: ApiContext,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    reload: Arc<tokio::sync::Notify>,
) -> Result<(), StartError> {
    let io = |what| move |source| StartError::Io { what, source };
    let source = tls_source(&ctx.params, &ctx.data_dir, &ctx.hostname);
    let loaded = tls::load(&source)?;
    let state = state(&ctx)?;
    let (app, _) = router(state.clone());
    listener.set_nonblocking(true).map_err(io("listener"))?;
    let addr = listener.local_addr().map_err(io("listener"))?;
    tracing::info!(%addr, fingerprint = %loaded.fingerprint, cert = %loaded.cert_path.display(),
        "API listening (TLS).");
    let rustls = axum_server::tls_rustls::RustlsConfig::from_config(loaded.config);
    let handle = axum_server::Handle::<SocketAddr>::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(Duration::from_secs(5)));
    });
    let reloader = rustls.clone();
    let reload_task = tokio::spawn(async move {
        loop {
            reload.notified().await;
            match tls::load(&source) {
                Ok(l) => {
                    reloader.reload_from_config(l.config);
                    tracing::info!(fingerprint = %l.fingerprint, "API certificate reloaded.");
                }
                Err(e) => {
                    tracing::error!(error = %e, "API certificate reload failed; keeping the running one.");
                }
            }
        }
    });
    let housekeeping = tokio::spawn(housekeep(state));
    let served = axum_server::from_tcp_rustls(listener, rustls)
        .map_err(io("listener"))?
        .handle(handle)
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await;
    reload_task.abort();
    housekeeping.abort();
    tracing::info!("API stopped.");
    served.map_err(io("serving"))
}

/// How many valid tokens expire within each of the warning thresholds (30, 7, 1 days).
fn expiring(tokens: &[TokenRecord], now: Timestamp) -> Vec<(i64, u64)> {
    const DAY_US: i64 = 86_400_000_000;
    auth::WARN_DAYS
        .iter()
        .map(|&d| {
            let n = tokens
                .iter()
                .filter(|t| {
                    t.revoked_at.is_none()
                        && t.expires_at > now
                        && t.expires_at.0 - now.0 <= d * DAY_US
                })
                .count();
            (d, n as u64)
        })
        .collect()
}

/// Hourly (the first at start): expiry warnings and their gauge, and rate-limit keys
/// forgotten.
async fn housekeep(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        state.limits.housekeep();
        let now = state.clock.now();
        let s = state.clone();
        let r = tokio::task::spawn_blocking(move || {
            s.tokens.warn_expiring(now)?;
            s.tokens.list()
        })
        .await;
        match r {
            Ok(Ok(tokens)) => crate::telemetry::tokens_expiring(&expiring(&tokens, now)),
            Ok(Err(e)) => tracing::warn!(error = %e, "Token expiry check failed."),
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expiring_are_counted_per_threshold_without_revoked_or_expired_ones() {
        const DAY: i64 = 86_400_000_000;
        let now = Timestamp(1_000 * DAY);
        let token = |left_days: f64, revoked: bool| TokenRecord {
            id: "tok_x".into(),
            name: None,
            scope: vec![],
            ip_allowlist: vec![],
            created_at: Timestamp(0),
            expires_at: Timestamp(now.0 + (left_days * DAY as f64) as i64),
            predecessor: None,
            successor: None,
            revoked_at: revoked.then_some(now),
        };
        let tokens = [
            token(0.5, false),
            token(5.0, false),
            token(20.0, false),
            token(60.0, false),
            token(0.5, true),
            token(-1.0, false),
        ];
        assert_eq!(expiring(&tokens, now), [(30, 3), (7, 2), (1, 1)]);
    }
}
