//! Shared by the `tests/api_*.rs` tests: the whole API server on 127.0.0.1:0 over TLS (its own
//! runtime thread, stopped on drop), a blocking HTTPS client that pins the server's
//! certificate by its SHA-256 fingerprint (as an integration would after
//! `cybriq api fingerprint`), tokens in every state, and a seeded store.
#![allow(dead_code)]

pub mod nac;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cybriq::api::auth::{IssueRequest, Minted, Scope, TokenStore, parse_net};
use cybriq::api::{ApiContext, Clock};
use cybriq::clock::Timestamp;
use cybriq::config::api::Api;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// A temporary directory removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!(
            "cybriq-api-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.0.as_os_str().is_empty() {
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running server.
pub struct Server {
    pub addr: std::net::SocketAddr,
    pub dir: TempDir,
    pub clock: Clock,
    pub reload: Arc<tokio::sync::Notify>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

/// `[api]` for tests: the given TOML lines over the defaults.
pub fn api_config(extra: &str) -> Api {
    toml::from_str(extra).unwrap()
}

impl Server {
    /// Starts a server on a new data directory with `[api]` from `extra` TOML.
    pub fn start(name: &str, extra: &str) -> Server {
        Server::start_in(TempDir::new(name), extra)
    }

    /// Starts a server on `dir`.
    pub fn start_in(dir: TempDir, extra: &str) -> Server {
        Server::start_full(dir, extra, Clock::default(), None, Default::default())
    }

    /// Starts a server on `dir` with NAC integrations.
    pub fn start_with(
        dir: TempDir,
        extra: &str,
        integrations: cybriq::config::integrations::Integrations,
    ) -> Server {
        Server::start_full(dir, extra, Clock::default(), None, integrations)
    }

    /// Starts a server on `dir` with this clock, handing suppressions and change windows to
    /// `engine` (a pipeline's inbox).
    pub fn start_linked(
        dir: TempDir,
        extra: &str,
        clock: Clock,
        engine: Option<cybriq::api::EngineLink>,
    ) -> Server {
        Server::start_full(dir, extra, clock, engine, Default::default())
    }

    /// Starts a server on `dir` with this clock, engine inbox and NAC integrations.
    pub fn start_full(
        dir: TempDir,
        extra: &str,
        clock: Clock,
        engine: Option<cybriq::api::EngineLink>,
        integrations: cybriq::config::integrations::Integrations,
    ) -> Server {
        let params = api_config(extra).params().unwrap();
        // The store exists before the server (as under `cybriq run`), and so does the
        // certificate (`cybriq run` checks it before serving).
        cybriq::store::open(&cybriq::store::db_path(&dir.0)).unwrap();
        cybriq::api::tls::load(&cybriq::api::tls_source(&params, &dir.0, "sensor-test")).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let ctx = ApiContext {
            params,
            data_dir: dir.0.clone(),
            site: "hq-bldg-3".into(),
            hostname: "sensor-test".into(),
            clock: clock.clone(),
            read: None,
            integrations,
            engine,
        };
        let reload = Arc::new(tokio::sync::Notify::new());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let r = reload.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(cybriq::api::launch(
                ctx,
                listener,
                async move {
                    let _ = rx.await;
                },
                r,
            ))
            .map_err(|e| e.to_string())
        });
        Server {
            addr,
            dir,
            clock,
            reload,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// The certificate's fingerprint as `cybriq api fingerprint` prints it.
    pub fn fingerprint(&self) -> String {
        let src = cybriq::api::tls::Source::SelfSigned {
            dir: self.dir.0.clone(),
            names: vec![],
        };
        cybriq::api::tls::source_fingerprint(&src).unwrap()
    }

    /// A client pinning the server's self-signed certificate.
    pub fn client(&self) -> Client {
        Client::new(self.addr, &self.fingerprint())
    }

    /// The token store (same database and hashing key as the server's).
    pub fn tokens(&self) -> TokenStore {
        TokenStore::open(&self.dir.0).unwrap()
    }

    /// Stops the server and returns what `launch` returned.
    pub fn stop(mut self) -> Result<(), String> {
        self.shutdown()
    }

    /// Stops the server and hands its data directory over (a restart on the same store).
    pub fn stop_keeping_dir(mut self) -> TempDir {
        self.shutdown().unwrap();
        TempDir(std::mem::take(&mut self.dir.0))
    }

    fn shutdown(&mut self) -> Result<(), String> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        match self.thread.take() {
            Some(t) => t.join().unwrap(),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Accepts exactly the certificate with this SHA-256 fingerprint.
#[derive(Debug)]
pub struct Pin {
    fingerprint: String,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Pin {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if cybriq::api::tls::fingerprint(end_entity.as_ref()) == self.fingerprint {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "certificate fingerprint mismatch".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// One HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {} {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The error code of an error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

/// A blocking HTTPS/1.1 client, one connection per request.
#[derive(Clone)]
pub struct Client {
    addr: std::net::SocketAddr,
    config: Arc<rustls::ClientConfig>,
}

/// How a request carries its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carry {
    Bearer,
    ApiKey,
}

impl Client {
    pub fn new(addr: std::net::SocketAddr, fingerprint: &str) -> Client {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pin {
                fingerprint: fingerprint.to_owned(),
                provider,
            }))
            .with_no_client_auth();
        Client {
            addr,
            config: Arc::new(config),
        }
    }

    /// Sends a raw request head (without the final blank line) and body.
    pub fn raw(&self, head: &str, body: &[u8]) -> std::io::Result<Response> {
        let name = ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(self.config.clone(), name)
            .map_err(std::io::Error::other)?;
        let sock = TcpStream::connect(self.addr)?;
        sock.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut tls = rustls::StreamOwned::new(conn, sock);
        let mut req = head.as_bytes().to_vec();
        req.extend_from_slice(
            format!(
                "\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        );
        req.extend_from_slice(body);
        tls.write_all(&req)?;
        tls.flush()?;
        let mut out = Vec::new();
        match tls.read_to_end(&mut out) {
            Ok(_) => {}
            // A peer closing without close_notify after a complete response.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !out.is_empty() => {}
            Err(e) => return Err(e),
        }
        Ok(parse(&out))
    }

    /// A request with an optional token and JSON body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<(&str, Carry)>,
        body: Option<&serde_json::Value>,
    ) -> Response {
        let mut head = format!("{method} {path} HTTP/1.1");
        match token {
            Some((t, Carry::Bearer)) => head.push_str(&format!("\r\nAuthorization: Bearer {t}")),
            Some((t, Carry::ApiKey)) => head.push_str(&format!("\r\nX-API-Key: {t}")),
            None => {}
        }
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        if body.is_some() {
            head.push_str("\r\nContent-Type: application/json");
        }
        self.raw(&head, &bytes).unwrap()
    }

    pub fn get(&self, path: &str, token: &str) -> Response {
        self.request("GET", path, Some((token, Carry::Bearer)), None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &serde_json::Value) -> Response {
        self.request("POST", path, token.map(|t| (t, Carry::Bearer)), Some(body))
    }
}

fn parse(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end: {}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
}

/// Microseconds in a day.
pub const DAY: i64 = 86_400 * 1_000_000;

/// The states a token can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Valid,
    Expired,
    /// Rotated an hour ago: still valid (24 h grace).
    RotatedRecently,
    /// Rotated 25 h ago: no longer valid.
    RotatedLongAgo,
    Revoked,
}

impl TokenState {
    pub const ALL: [TokenState; 5] = [
        TokenState::Valid,
        TokenState::Expired,
        TokenState::RotatedRecently,
        TokenState::RotatedLongAgo,
        TokenState::Revoked,
    ];

    /// Whether requests with it authenticate.
    pub fn authenticates(self) -> bool {
        matches!(self, TokenState::Valid | TokenState::RotatedRecently)
    }
}

/// Mints a token through an issue code, then puts it in `state`.
pub fn token(
    store: &TokenStore,
    now: Timestamp,
    scope: &[Scope],
    allow: &[&str],
    state: TokenState,
) -> Minted {
    let at = match state {
        TokenState::Expired => Timestamp(now.0 - 100 * DAY),
        TokenState::RotatedLongAgo => Timestamp(now.0 - 25 * 3600 * 1_000_000),
        TokenState::RotatedRecently => Timestamp(now.0 - 3600 * 1_000_000),
        _ => now,
    };
    let req = IssueRequest {
        scope: scope.to_vec(),
        ip_allowlist: allow.iter().map(|a| parse_net(a).unwrap()).collect(),
        token_lifetime_secs: 90 * 86_400,
        name: Some("test".into()),
    };
    let code = store.issue_code(at, &req).unwrap();
    let m = store.exchange(at, &code.code).unwrap().unwrap();
    match state {
        TokenState::RotatedLongAgo | TokenState::RotatedRecently => {
            store.rotate(at, &m.record).unwrap().unwrap();
        }
        TokenState::Revoked => {
            assert!(store.revoke(now, &m.record.id).unwrap());
        }
        _ => {}
    }
    m
}

/// Writes `n` devices (MACs 02:00:…, DNAs dna:<hex of i>, VLAN 10-12, IP 10.x.y.z) and their
/// events through the store writer.
pub fn seed(dir: &Path, n: usize, now: Timestamp) {
    use cybriq::event::{Event, EventType};
    use cybriq::store::{DeviceRow, Write, Writer, WriterSettings};
    let db = cybriq::store::db_path(dir);
    let w = Writer::start(&db, WriterSettings::default(), None).unwrap();
    for i in 0..n {
        w.send(Write::Device(device(i, now)));
    }
    // Events on the first devices: a substitution with similarity, an appearance.
    let mut events = Vec::new();
    for i in 0..n.min(20) {
        let mut e = Event::new(
            EventType::DeviceSubstituted,
            Timestamp(now.0 - (20 - i as i64) * 60_000_000),
            i as u128 + 1,
            "hq-bldg-3",
            port(i),
        );
        e.switch = Some(switch(i).into());
        e.previous_dna = Some(format!("dna:old{i:028x}"));
        e.device_dna = Some(dna(i));
        e.similarity = Some(0.31);
        e.threshold = Some(0.65);
        e.mitre = vec!["T1200".into(), "T1556".into()];
        e.controls = vec!["PCI-4.0/12.5.1".into(), "SOC2/CC6.1".into()];
        e.mac = Some(mac(i));
        events.push(e);
    }
    w.send(Write::Events {
        events,
        states: Vec::new(),
    });
    w.stop();
    let _ = DeviceRow::clone;
}

pub fn mac(i: usize) -> String {
    let b = (i as u32).to_be_bytes();
    format!("02:00:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3])
}

pub fn dna(i: usize) -> String {
    format!("dna:{i:032x}")
}

pub fn switch(i: usize) -> &'static str {
    if i % 2 == 0 {
        "edge-sw-04"
    } else {
        "core-sw-02"
    }
}

pub fn port(i: usize) -> String {
    format!("Gi1/0/{}", i % 48 + 1)
}

pub fn device(i: usize, now: Timestamp) -> cybriq::store::DeviceRow {
    cybriq::store::DeviceRow {
        mac: mac(i),
        switch: Some(switch(i).into()),
        port: Some(port(i)),
        vendor: Some(if i % 10 == 0 { "Hikvision" } else { "Cisco" }.into()),
        model: Some(
            if i % 10 == 0 {
                "DS-2CD2143G2-I"
            } else {
                "IP Phone 8851"
            }
            .into(),
        ),
        class: Some(if i % 10 == 0 { "camera" } else { "ip-phone" }.into()),
        confidence: Some(0.92),
        ndaa_status: Some(if i % 10 == 0 { "prohibited" } else { "clean" }.into()),
        serial: None,
        dna: Some(dna(i)),
        tokens: Some(
            "[{\"token\":\"lldp.med.model:ip-phone-8851\",\"family\":\"model\",\"weight\":0.7}]"
                .into(),
        ),
        vlan: Some(10 + (i % 3) as u16),
        ip: Some({
            let n = i + 1;
            format!("10.{}.{}.{}", n / 65536, n / 256 % 256, n % 256)
        }),
        first_seen: Timestamp(now.0 - 30 * DAY + i as i64),
        last_seen: Timestamp(now.0 - 60_000_000),
        observations: 3,
    }
}
