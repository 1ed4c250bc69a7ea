//! The API's TLS: rustls with ring (the project's only crypto provider), TLS 1.2 and 1.3.
//!
//! The certificate is the configured PEM chain and key, or a self-signed one generated on
//! first use into the data directory (`api-cert.pem`, `api-key.pem`, the key mode 0600) for
//! the host name and `localhost`. Its SHA-256 fingerprint is logged at start and printed by
//! `cybriq api fingerprint`, so clients can pin it. [`load`] is called again on SIGHUP and the
//! running server switches to the new certificate for new connections
//! ([`axum_server::tls_rustls::RustlsConfig::reload_from_config`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// File name of the self-signed certificate in the data directory.
pub const SELF_SIGNED_CERT: &str = "api-cert.pem";
/// File name of its key.
pub const SELF_SIGNED_KEY: &str = "api-key.pem";

/// Why the certificate could not be loaded or generated.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A PEM file held nothing usable.
    #[error("{path}: {what}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What was missing or malformed.
        what: String,
    },
    /// rustls refused the certificate or key.
    #[error("certificate or key refused: {0}")]
    Rustls(#[from] rustls::Error),
    /// The self-signed certificate could not be generated.
    #[error("generating the self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A loaded certificate: the rustls configuration and the leaf's fingerprint.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// For the server.
    pub config: Arc<ServerConfig>,
    /// SHA-256 of the leaf certificate (DER), `AB:CD:…` upper-case hex.
    pub fingerprint: String,
    /// The certificate file used.
    pub cert_path: PathBuf,
}

/// Where the certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Configured files.
    Files {
        /// PEM chain.
        cert: PathBuf,
        /// PEM key.
        key: PathBuf,
    },
    /// Self-signed in this directory, generated when missing.
    SelfSigned {
        /// The data directory.
        dir: PathBuf,
        /// Host names to put in the certificate besides `localhost`.
        names: Vec<String>,
    },
}

/// SHA-256 fingerprint of a DER certificate as `AB:CD:…`.
pub fn fingerprint(der: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    d.as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TlsError + '_ {
    move |source| TlsError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Generates the self-signed certificate into `dir` unless both files exist.
fn ensure_self_signed(dir: &Path, names: &[String]) -> Result<(PathBuf, PathBuf), TlsError> {
    let cert = dir.join(SELF_SIGNED_CERT);
    let key = dir.join(SELF_SIGNED_KEY);
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut sans = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    for n in names {
        if !n.is_empty() && !sans.contains(n) {
            sans.push(n.clone());
        }
    }
    let ck = rcgen::generate_simple_self_signed(sans)?;
    write_private(&key, ck.signing_key.serialize_pem().as_bytes())?;
    write_private(&cert, ck.cert.pem().as_bytes())?;
    tracing::info!(cert = %cert.display(), fingerprint = %fingerprint(ck.cert.der()),
        "Generated the API's self-signed certificate.");
    Ok((cert, key))
}

/// Writes `data` to `path`, a new file created 0600 (the key, and the certificate beside it:
/// the data directory is the service user's alone).
fn write_private(path: &Path, data: &[u8]) -> Result<(), TlsError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io(path))?;
    f.write_all(data).map_err(io(path))
}

/// The certificate and key files of a source (generating the self-signed pair if needed).
pub fn files(source: &Source) -> Result<(PathBuf, PathBuf), TlsError> {
    match source {
        Source::Files { cert, key } => Ok((cert.clone(), key.clone())),
        Source::SelfSigned { dir, names } => ensure_self_signed(dir, names),
    }
}

/// The fingerprint of the source's leaf certificate (generating a self-signed one if needed).
pub fn source_fingerprint(source: &Source) -> Result<String, TlsError> {
    let (cert, _) = files(source)?;
    let chain = read_chain(&cert)?;
    Ok(fingerprint(chain[0].as_ref()))
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = std::fs::read(path).map_err(io(path))?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            path: path.to_owned(),
            what: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::Pem {
            path: path.to_owned(),
            what: "no CERTIFICATE block".into(),
        });
    }
    Ok(chain)
}

/// Loads (or generates) the certificate and builds the server configuration.
pub fn load(source: &Source) -> Result<Loaded, TlsError> {
    let (cert_path, key_path) = files(source)?;
    let chain = read_chain(&cert_path)?;
    let key_pem = std::fs::read(&key_path).map_err(io(&key_path))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError::Pem {
        path: key_path.clone(),
        what: format!("no usable private key: {e}"),
    })?;
    let fingerprint = fingerprint(chain[0].as_ref());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Loaded {
        config: Arc::new(config),
        fingerprint,
        cert_path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_is_generated_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("cybriq-api-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let src = Source::SelfSigned {
            dir: dir.clone(),
            names: vec!["sensor-1".into()],
        };
        let a = load(&src).unwrap();
        let b = load(&src).unwrap();
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_eq!(a.fingerprint.len(), 32 * 3 - 1);
        assert_eq!(source_fingerprint(&src).unwrap(), a.fingerprint);
        use std::os::unix::fs::PermissionsExt;
        for f in [SELF_SIGNED_KEY, SELF_SIGNED_CERT] {
            let mode = std::fs::metadata(dir.join(f)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_files_are_named() {
        let dir = std::env::temp_dir().join(format!("cybriq-api-tls-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cert = dir.join("c.pem");
        std::fs::write(&cert, "not pem").unwrap();
        let e = load(&Source::Files {
            cert: cert.clone(),
            key: dir.join("missing.pem"),
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("c.pem"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
