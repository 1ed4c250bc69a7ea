//! A fake NAC for the hand-off tests: an HTTPS server (axum + rustls, ring) on 127.0.0.1:0
//! with a certificate signed by a CA generated here. It records every request and, in its
//! normal mode, answers as the documented APIs do, checking what they check: Cisco ISE's ERS
//! (`PUT /ers/config/ancendpoint/{apply,clear}`: basic auth, JSON media types, the
//! `OperationAdditionalData` body, the CSRF token and session cookie when CSRF is on) and
//! Forescout's DEX (`POST /fsapi/niCore/Hosts`: basic auth `user@account`, XML, an `FSAPI`
//! request). Other modes answer a fixed reply or never answer.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::TempDir;

pub const ISE_USER: &str = "ers-admin";
pub const ISE_PASSWORD: &str = "ise-secret";
pub const FS_USER: &str = "cybriq";
pub const FS_ACCOUNT: &str = "soar";
pub const FS_PASSWORD: &str = "fs-secret";
pub const CSRF_TOKEN: &str = "7d2b6c1a-csrf";
pub const SESSION: &str = "APPSESSIONID=0E3F9A";

/// A CA and a server certificate it signed.
pub struct Pki {
    pub ca_pem: String,
    pub cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

impl Pki {
    /// A new CA and a certificate for `names` signed by it.
    pub fn new(names: &[&str]) -> Pki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "cybriq test NAC CA");
        ca.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let mut p =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        p.distinguished_name
            .push(rcgen::DnType::CommonName, names[0]);
        let cert = p.signed_by(&key, &issuer).unwrap();
        Pki {
            ca_pem: ca_cert.pem(),
            cert_der: cert.der().to_vec(),
            key_der: key.serialize_der(),
        }
    }

    /// The server certificate's SHA-256 as `cybriq api fingerprint` prints it.
    pub fn pin(&self) -> String {
        cybriq::api::tls::fingerprint(&self.cert_der)
    }
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

/// How the fake answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// As the documented API does (see the module doc).
    Normal,
    /// This status, headers and body, whatever the request.
    Fixed {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Never.
    Hang,
}

#[derive(Clone)]
struct Shared {
    seen: Arc<Mutex<Vec<Seen>>>,
    reply: Arc<Mutex<Reply>>,
    csrf: Arc<Mutex<bool>>,
}

/// A running fake NAC.
pub struct FakeNac {
    pub addr: SocketAddr,
    pub pki: Pki,
    pub dir: TempDir,
    shared: Shared,
    handle: axum_server::Handle<SocketAddr>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeNac {
    /// Starts one with a certificate for `localhost` and 127.0.0.1.
    pub fn start() -> FakeNac {
        let pki = Pki::new(&["localhost", "127.0.0.1"]);
        let dir = TempDir::new("nac");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(pki.cert_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key_der.clone())),
            )
            .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let shared = Shared {
            seen: Arc::default(),
            reply: Arc::new(Mutex::new(Reply::Normal)),
            csrf: Arc::default(),
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = axum_server::Handle::<SocketAddr>::new();
        let (h, s) = (handle.clone(), shared.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = axum::Router::new().fallback(answer).with_state(s);
                let tls = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(config));
                let _ = axum_server::from_tcp_rustls(listener, tls)
                    .unwrap()
                    .handle(h)
                    .serve(app.into_make_service())
                    .await;
            });
        });
        FakeNac {
            addr,
            pki,
            dir,
            shared,
            handle,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    pub fn set(&self, r: Reply) {
        *self.shared.reply.lock().unwrap() = r;
    }

    /// Whether ISE checks the CSRF token and session cookie.
    pub fn require_csrf(&self, on: bool) {
        *self.shared.csrf.lock().unwrap() = on;
    }

    /// The requests received since the last call.
    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.shared.seen.lock().unwrap())
    }

    /// The CA certificate as a file.
    pub fn ca_file(&self) -> std::path::PathBuf {
        let p = self.dir.0.join("nac-ca.pem");
        std::fs::write(&p, &self.pki.ca_pem).unwrap();
        p
    }

    /// `[integrations]` pointing both NACs at this fake (pinned; Forescout's property
    /// `connect_cybriq_q`).
    pub fn integrations(&self) -> cybriq::config::integrations::Integrations {
        let ise = self.secret_file("ise.pw", ISE_PASSWORD);
        let fs = self.secret_file("fs.pw", FS_PASSWORD);
        toml::from_str(&format!(
            "[cisco_ise]\nurl = \"{url}\"\nusername = \"{ISE_USER}\"\n\
             password = {{ file = \"{ise}\" }}\npin_sha256 = \"{pin}\"\n\
             [forescout]\nurl = \"{url}\"\nusername = \"{FS_USER}\"\n\
             dex_account = \"{FS_ACCOUNT}\"\npassword = {{ file = \"{fs}\" }}\n\
             pin_sha256 = \"{pin}\"\nproperty = \"connect_cybriq_q\"\n",
            url = self.url(),
            pin = self.pki.pin(),
            ise = ise.display(),
            fs = fs.display(),
        ))
        .unwrap()
    }

    /// A password file.
    pub fn secret_file(&self, name: &str, value: &str) -> std::path::PathBuf {
        let p = self.dir.0.join(name);
        std::fs::write(&p, format!("{value}\n")).unwrap();
        p
    }
}

impl Drop for FakeNac {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn ers_error(status: u16, title: &str) -> Response {
    let body = serde_json::json!({"ERSResponse": {"operation": "PUT-update-ancendpoint",
        "messages": [{"title": title, "type": "ERROR", "code": "Application resource validation exception"}],
        "link": {"rel": "related", "href": "https://ise/ers/config/ancendpoint", "type": "application/xml"}}});
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn bare(status: u16) -> Response {
    StatusCode::from_u16(status).unwrap().into_response()
}

async fn answer(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = Seen {
        method: method.to_string(),
        path: uri.path().to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: body.to_vec(),
    };
    s.seen.lock().unwrap().push(seen.clone());
    let reply = s.reply.lock().unwrap().clone();
    match reply {
        Reply::Hang => std::future::pending::<Response>().await,
        Reply::Fixed {
            status,
            headers,
            body,
        } => {
            let mut r = (StatusCode::from_u16(status).unwrap(), body).into_response();
            for (k, v) in headers {
                r.headers_mut().append(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            r
        }
        Reply::Normal => normal(&seen, *s.csrf.lock().unwrap()),
    }
}

fn normal(r: &Seen, csrf: bool) -> Response {
    match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/ers/config/ancendpoint/versioninfo") => {
            if r.header("authorization") != Some(&basic(ISE_USER, ISE_PASSWORD)) {
                return bare(401);
            }
            let mut resp = (
                StatusCode::OK,
                [("content-type", "application/json")],
                r#"{"VersionInfo":{"currentServerVersion":"1.2","supportedVersions":"1.0,1.1,1.2"}}"#,
            )
                .into_response();
            if r.header("x-csrf-token") == Some("fetch") {
                let h = resp.headers_mut();
                h.insert("x-csrf-token", CSRF_TOKEN.parse().unwrap());
                h.append(
                    "set-cookie",
                    format!("{SESSION}; Path=/; Secure; HttpOnly")
                        .parse()
                        .unwrap(),
                );
                h.append("set-cookie", "JSESSIONID=9A1; Path=/ers".parse().unwrap());
            }
            resp
        }
        ("PUT", "/ers/config/ancendpoint/apply" | "/ers/config/ancendpoint/clear") => ise(r, csrf),
        ("POST", "/fsapi/niCore/Hosts") => forescout(r),
        _ => bare(404),
    }
}

fn ise(r: &Seen, csrf: bool) -> Response {
    if r.header("authorization") != Some(&basic(ISE_USER, ISE_PASSWORD)) {
        return bare(401);
    }
    if csrf {
        let cookie = r.header("cookie").unwrap_or("");
        if r.header("x-csrf-token") != Some(CSRF_TOKEN) || !cookie.contains(SESSION) {
            return bare(403);
        }
    }
    if r.header("content-type") != Some("application/json") {
        return ers_error(415, "Unsupported media type");
    }
    if r.header("accept") != Some("application/json") {
        return bare(406);
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&r.body) else {
        return ers_error(400, "Bad request: malformed JSON");
    };
    let data = v["OperationAdditionalData"]["additionalData"].as_array();
    let ok = data.is_some_and(|d| {
        d.iter()
            .all(|e| e["name"].is_string() && e["value"].is_string())
            && d.iter().any(|e| e["name"] == "macAddress")
    });
    if !ok {
        return ers_error(400, "Bad request: OperationAdditionalData");
    }
    bare(204)
}

fn forescout(r: &Seen) -> Response {
    if r.header("authorization") != Some(&basic(&format!("{FS_USER}@{FS_ACCOUNT}"), FS_PASSWORD)) {
        return bare(401);
    }
    let fsapi = |code: &str, msg: &str| {
        (
            StatusCode::OK,
            [("content-type", "application/xml")],
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FSAPI TYPE=\"response\" API_VERSION=\"2.0\">\
                 <STATUS><CODE>{code}</CODE><MESSAGE>{msg}</MESSAGE></STATUS></FSAPI>"
            ),
        )
            .into_response()
    };
    if r.header("content-type") != Some("application/xml") {
        return fsapi("FSAPI_BAD_REQUEST", "Content-Type must be application/xml");
    }
    let text = String::from_utf8_lossy(&r.body).to_string();
    let Ok(doc) = roxmltree::Document::parse(&text) else {
        return fsapi("FSAPI_BAD_XML", "Request is not well-formed XML");
    };
    let root = doc.root_element();
    let key = doc.descendants().find(|n| n.has_tag_name("HOST_KEY"));
    if root.tag_name().name() != "FSAPI"
        || root.attribute("TYPE") != Some("request")
        || key.and_then(|k| k.attribute("NAME")) != Some("mac")
    {
        return fsapi("FSAPI_BAD_REQUEST", "Not an FSAPI host request");
    }
    fsapi("FSAPI_OK", "Successfully updated host properties")
}
