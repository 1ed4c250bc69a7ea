//! The API's hand-off to the engine: suppressions and change windows posted through the API
//! reach the pipeline thread (which owns the engine) through an [`EngineLink`]; the handler
//! waits for the pipeline's acknowledgement so that, once the answer is sent, every event the
//! engine raises afterwards honours the control.

use std::sync::Arc;
use std::time::Duration;

use crate::engine::Control;

/// Sent back by the pipeline once the engine holds the control.
pub type Ack = tokio::sync::oneshot::Sender<()>;

/// How long a handler waits for the pipeline's acknowledgement. The control is already
/// stored when it waits, so a pipeline that is slow (a full input queue) still gets it, and a
/// restart restores it.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Hands controls to the pipeline (`cybriq run`: a message on its input channel).
#[derive(Clone)]
pub struct EngineLink(Arc<dyn Fn(Control, Ack) -> bool + Send + Sync>);

impl std::fmt::Debug for EngineLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EngineLink")
    }
}

impl EngineLink {
    /// A link calling `send` (blocking allowed: handlers call it off the async threads); it
    /// returns false when the pipeline is gone.
    pub fn new(send: impl Fn(Control, Ack) -> bool + Send + Sync + 'static) -> EngineLink {
        EngineLink(Arc::new(send))
    }

    /// Hands `c` over; `ack` is answered once the engine holds it.
    pub fn send(&self, c: Control, ack: Ack) -> bool {
        (self.0)(c, ack)
    }
}

/// Hands `c` to the engine, when there is one, and waits for it (up to [`ACK_TIMEOUT`]);
/// whether the engine confirmed. Called from a handler after the control is stored.
pub async fn hand_over(link: Option<EngineLink>, c: Control) -> bool {
    let Some(link) = link else {
        return false;
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let sent = tokio::task::spawn_blocking(move || link.send(c, tx))
        .await
        .unwrap_or(false);
    if !sent {
        tracing::warn!(
            "The pipeline is not running: the control is stored and applies at the next start."
        );
        return false;
    }
    match tokio::time::timeout(ACK_TIMEOUT, rx).await {
        Ok(Ok(())) => true,
        _ => {
            tracing::warn!(
                "The pipeline did not confirm the control in time; it is stored and queued."
            );
            false
        }
    }
}
