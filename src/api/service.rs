//! The API under `cybriq run`: its own thread and runtime, SIGHUP reloading the certificate.

use std::sync::Arc;

use super::{ApiContext, Clock, StartError, launch, tls, tls_source};

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
/// Suppressions and change windows posted to it go to `engine` (the pipeline's inbox).
pub fn start(
    cfg: &crate::config::Config,
    engine: Option<super::EngineLink>,
) -> Result<Option<Running>, StartError> {
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
        integrations: cfg.integrations.clone(),
        engine,
    };
    // Fail at start-up, not on the thread, when the certificate, a NAC's secret or CA file is
    // unusable.
    tls::load(&tls_source(&ctx.params, &ctx.data_dir, &ctx.hostname))?;
    crate::integrations::Nac::build(&ctx.integrations)?;
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
