//! The metrics listener: plain HTTP serving `GET /metrics` on the `[metrics] listen` address,
//! on a thread of its own with a one-thread runtime, stopped with the daemon.
//!
//! It has no authentication: bind it to loopback or a management network (the REST API serves
//! the same text behind a token at `GET /api/v1/metrics`).

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::routing::get;

use super::{CONTENT_TYPE, Telemetry, TelemetryError};

/// How long open scrapes get at stop.
const GRACE: Duration = Duration::from_secs(2);

/// The router: `GET /metrics` (anything else 404, another method 405).
pub fn router(t: &'static Telemetry) -> Router {
    Router::new().route(
        "/metrics",
        get(move || async move { ([(header::CONTENT_TYPE, CONTENT_TYPE)], t.render()) }),
    )
}

/// Serves [`router`] on `listener` until `shutdown` resolves (open scrapes then finish).
pub async fn serve(
    listener: std::net::TcpListener,
    t: &'static Telemetry,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let l = tokio::net::TcpListener::from_std(listener)?;
    axum::serve(l, router(t))
        .with_graceful_shutdown(shutdown)
        .await
}

/// The listener running on its own thread.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// The bound address (the actual port when the configuration said 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the listener (open scrapes get a moment) and waits for its thread (dropping it
    /// does the same).
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Binds `addr` and serves `t` there on a thread of its own.
pub fn start(addr: SocketAddr, t: &'static Telemetry) -> Result<Server, TelemetryError> {
    let io = |what| {
        move |source| TelemetryError::Io {
            addr: addr.to_string(),
            what,
            source,
        }
    };
    let listener = std::net::TcpListener::bind(addr).map_err(io("bind"))?;
    let bound = listener.local_addr().map_err(io("bind"))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(io("runtime"))?;
    let (stop, rx) = tokio::sync::watch::channel(false);
    let thread = std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
                let _ = rx.wait_for(|s| *s).await;
            };
            let graceful = stopped(rx.clone());
            let served = rt.block_on(async move {
                tokio::select! {
                    r = serve(listener, t, graceful) => r,
                    () = async { stopped(rx).await; tokio::time::sleep(GRACE).await } => Ok(()),
                }
            });
            if let Err(e) = served {
                tracing::error!(error = %e, "The metrics listener stopped with an error.");
            }
        })
        .map_err(io("thread"))?;
    tracing::info!(addr = %bound, "Metrics listening (plain HTTP): GET /metrics.");
    Ok(Server {
        addr: bound,
        stop,
        thread: Some(thread),
    })
}
