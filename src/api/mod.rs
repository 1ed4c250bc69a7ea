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
pub mod error;
mod handlers;
pub mod input;
mod openapi;
pub mod ratelimit;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use crate::clock::Timestamp;
use crate::config::api::ApiParams;
use crate::store::query::ReadStore;
use auth::{Scope, TokenRecord, TokenStore};
use error::ApiError;
use ratelimit::{Class, Decision, Limits};

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

/// The authenticated caller of a request (an extension the guard adds).
#[derive(Debug, Clone)]
pub struct Caller(pub TokenRecord);

/// Who may call an endpoint group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token (rate-limited by source address).
    Public,
    /// A valid token; with the scope when given.
    Token(Option<Scope>),
}

#[derive(Clone)]
struct Guard {
    state: AppState,
    access: Access,
    class: Class,
}

/// The token of a request: `Authorization: Bearer …` or `X-API-Key: …`.
fn bearer(h: &HeaderMap) -> Option<&str> {
    if let Some(v) = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, rest) = v.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim());
    }
    h.get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    scope: Option<Scope>,
) -> Result<TokenRecord, ApiError> {
    let Some(token) = bearer(headers).map(str::to_owned) else {
        return Err(ApiError::InvalidToken(
            "missing bearer token (Authorization: Bearer … or X-API-Key)",
        ));
    };
    let now = state.clock.now();
    let rec = state
        .blocking(move |s| {
            s.tokens
                .authenticate(now, &token)
                .map_err(ApiError::internal)
        })
        .await?
        .map_err(|f| ApiError::InvalidToken(f.message()))?;
    if !auth::allowed(&rec.ip_allowlist, ip) {
        return Err(ApiError::IpNotAllowed(ip));
    }
    if let Some(s) = scope
        && !rec.scope.contains(&s)
    {
        return Err(ApiError::ScopeInsufficient(s.as_str()));
    }
    Ok(rec)
}

async fn guard(
    State(g): State<Guard>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = peer.ip().to_canonical();
    let outcome = match g.access {
        Access::Public => Ok(None),
        Access::Token(scope) => authenticate(&g.state, req.headers(), ip, scope)
            .await
            .map(Some),
    };
    let key = match &outcome {
        Ok(Some(rec)) => rec.id.clone(),
        _ => format!("ip:{ip}"),
    };
    let decision = g.state.limits.check(g.class, &key);
    let mut resp = match (outcome, decision) {
        (_, Decision::Deny { retry_after_secs }) => {
            ApiError::RateLimited(retry_after_secs).into_response()
        }
        (Err(e), _) => e.into_response(),
        (Ok(caller), Decision::Allow { .. }) => {
            if let Some(rec) = caller {
                tracing::Span::current().record("token", rec.id.as_str());
                req.extensions_mut().insert(Caller(rec));
            }
            next.run(req).await
        }
    };
    let (remaining, reset) = match decision {
        Decision::Allow {
            remaining,
            reset_secs,
        } => (remaining, reset_secs),
        Decision::Deny { retry_after_secs } => (0, retry_after_secs),
    };
    let h = resp.headers_mut();
    h.insert("x-rate-limit-remaining", HeaderValue::from(remaining));
    h.insert("x-rate-limit-reset", HeaderValue::from(reset));
    resp
}

async fn request_id(req: Request, next: Next) -> Response {
    let id = format!(
        "req_{}",
        ulid::Ulid::from_parts(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0),
            fastrand::u128(..),
        )
    );
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(),
        path = %req.uri().path(), token = tracing::field::Empty);
    let started = std::time::Instant::now();
    let fut = error::REQUEST_ID.scope(id.clone(), next.run(req));
    let mut resp = tracing::Instrument::instrument(fut, span.clone()).await;
    let _g = span.enter();
    tracing::debug!(
        status = resp.status().as_u16(),
        elapsed_us = started.elapsed().as_micros() as u64,
        "Request served."
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

fn group(
    r: utoipa_axum::router::OpenApiRouter<AppState>,
    state: &AppState,
    access: Access,
    class: Class,
) -> utoipa_axum::router::OpenApiRouter<AppState> {
    let g = Guard {
        state: state.clone(),
        access,
        class,
    };
    r.route_layer(middleware::from_fn_with_state(g, guard))
}

/// The router and its OpenAPI document.
pub fn router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, doc) = handlers::routes(&state);
    let router = router
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(state.params.max_body_bytes))
        .layer(middleware::from_fn(request_id))
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

/// Hourly: expiry warnings, and rate-limit keys forgotten.
async fn housekeep(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        state.limits.housekeep();
        let now = state.clock.now();
        let s = state.clone();
        let r = tokio::task::spawn_blocking(move || s.tokens.warn_expiring(now)).await;
        if let Ok(Err(e)) = r {
            tracing::warn!(error = %e, "Token expiry check failed.");
        }
    }
}

/// The API running on its own thread (for `cybriq run`).
#[derive(Debug)]
pub struct Running {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    signals: signal_hook::iterator::Handle,
}

impl Running {
    /// Stops the server (open requests get 5 s) and waits for its thread.
    pub fn stop(mut self) {
        self.signals.close();
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the API of a configuration when `[api] listen` is set: binds the address, then
/// serves on a thread of its own with a two-thread runtime; SIGHUP reloads the certificate.
pub fn start(cfg: &crate::config::Config) -> Result<Option<Running>, StartError> {
    let params = cfg.api.params().map_err(|e| StartError::Io {
        what: "configuration",
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()),
    })?;
    let Some(addr) = params.listen else {
        return Ok(None);
    };
    let io = |what| move |source| StartError::Io { what, source };
    let listener = std::net::TcpListener::bind(addr).map_err(io("bind"))?;
    let ctx = ApiContext {
        params,
        data_dir: cfg.sensor.data_dir.clone(),
        site: cfg.sensor.site.clone(),
        hostname: if cfg.sensor.hostname.is_empty() {
            crate::emit::system_hostname()
        } else {
            cfg.sensor.hostname.clone()
        },
        clock: Clock::default(),
        read: None,
    };
    // Fail at start-up, not on the thread, when the certificate or store is unusable.
    tls::load(&tls_source(&ctx.params, &ctx.data_dir, &ctx.hostname))?;
    let reload = Arc::new(tokio::sync::Notify::new());
    let mut sigs = signal_hook::iterator::Signals::new([signal_hook::consts::SIGHUP])
        .map_err(io("signal handler"))?;
    let signals = sigs.handle();
    let r = reload.clone();
    std::thread::Builder::new()
        .name("api-sighup".into())
        .spawn(move || {
            for _ in sigs.forever() {
                r.notify_one();
            }
        })
        .map_err(io("thread"))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("api")
        .enable_all()
        .build()
        .map_err(io("runtime"))?;
    let thread = std::thread::Builder::new()
        .name("api".into())
        .spawn(move || {
            let shutdown = async move {
                let _ = rx.await;
            };
            if let Err(e) = rt.block_on(launch(ctx, listener, shutdown, reload)) {
                tracing::error!(error = %e, "The API stopped with an error.");
            }
        })
        .map_err(io("thread"))?;
    Ok(Some(Running {
        stop: Some(tx),
        thread: Some(thread),
        signals,
    }))
}
