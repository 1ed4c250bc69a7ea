//! A small HTTPS/1.1 client for the NACs: one connection per hand-off (ISE's CSRF fetch and
//! its change share it, with the session cookies ISE set), hyper's client over tokio-rustls,
//! answers read up to [`super::MAX_ANSWER`] bytes. The caller bounds the whole exchange with
//! [`Https::within`].

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, Request, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use rustls::pki_types::ServerName;

use super::{MAX_ANSWER, NacError};
use crate::config::integrations::PeerParams;

/// Where a NAC is and how to reach it.
#[derive(Debug, Clone)]
pub struct Https {
    host: String,
    port: u16,
    server_name: ServerName<'static>,
    tls: Arc<rustls::ClientConfig>,
    timeout: Duration,
    /// `Host` header value.
    authority: String,
}

/// One answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body (at most [`MAX_ANSWER`] bytes).
    pub body: Bytes,
}

/// An open connection.
#[derive(Debug)]
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    driver: tokio::task::JoinHandle<()>,
    authority: String,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl Https {
    /// A client for a checked peer with its TLS configuration.
    pub fn new(p: &PeerParams, tls: Arc<rustls::ClientConfig>) -> Result<Https, String> {
        let server_name = ServerName::try_from(p.server_name.clone())
            .map_err(|e| format!("{:?}: {e}", p.server_name))?;
        let authority = if p.host.contains(':') {
            format!("[{}]:{}", p.host, p.port)
        } else {
            format!("{}:{}", p.host, p.port)
        };
        Ok(Https {
            host: p.host.clone(),
            port: p.port,
            server_name,
            tls,
            timeout: Duration::from_secs(p.timeout_secs),
            authority,
        })
    }

    /// Runs `f` with the configured timeout: past it, [`NacError::Timeout`].
    pub async fn within<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, NacError>>,
    ) -> Result<T, NacError> {
        tokio::time::timeout(self.timeout, f)
            .await
            .unwrap_or(Err(NacError::Timeout {
                secs: self.timeout.as_secs(),
            }))
    }

    /// Connects and shakes hands (certificate verified).
    pub async fn connect(&self) -> Result<Conn, NacError> {
        let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| NacError::Unreachable(format!("connecting to {}: {e}", self.authority)))?;
        let _ = tcp.set_nodelay(true);
        let tls = tokio_rustls::TlsConnector::from(self.tls.clone())
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| {
                NacError::Unreachable(format!("TLS handshake with {}: {e}", self.authority))
            })?;
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
                .await
                .map_err(|e| NacError::Unreachable(format!("HTTP with {}: {e}", self.authority)))?;
        let driver = tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn {
            sender,
            driver,
            authority: self.authority.clone(),
        })
    }
}

impl Conn {
    /// Sends one request (`path` absolute, headers besides `Host`) and reads its answer.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Answer, NacError> {
        let broken = |e: String| NacError::Unreachable(format!("{}: {e}", self.authority));
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.authority.as_str());
        for (k, v) in headers {
            let v = HeaderValue::from_str(v).map_err(|e| broken(format!("header {k}: {e}")))?;
            req = req.header(*k, v);
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| broken(e.to_string()))?;
        self.sender
            .ready()
            .await
            .map_err(|e| broken(e.to_string()))?;
        let resp = self
            .sender
            .send_request(req)
            .await
            .map_err(|e| broken(e.to_string()))?;
        let status = resp.status().as_u16();
        let (parts, body) = resp.into_parts();
        let body = match Limited::new(body, MAX_ANSWER).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return Err(NacError::Rejected {
                    status,
                    detail: format!("answer larger than {MAX_ANSWER} bytes"),
                });
            }
            Err(e) => return Err(broken(format!("reading the answer: {e}"))),
        };
        Ok(Answer {
            status,
            headers: parts.headers,
            body,
        })
    }
}
