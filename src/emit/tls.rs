//! rustls client configuration for a TLS destination (RFC 5425): a CA bundle or a pinned
//! server certificate, the server name, an optional client certificate. No plaintext fallback.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::destination::Tls;

/// Why a TLS configuration could not be built; names the key.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// A file could not be read or holds nothing usable.
    #[error("{key}: {message}")]
    File {
        /// The configuration key (`destination[0].tls.ca_file`).
        key: String,
        /// What was wrong.
        message: String,
    },
    /// rustls rejected the combination (for example a key that does not match).
    #[error("{key}: {source}")]
    Rustls {
        /// The configuration key.
        key: String,
        /// rustls's error.
        source: rustls::Error,
    },
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certs(key: &str, path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let err = |message: String| TlsSetupError::File {
        key: key.to_owned(),
        message,
    };
    let list = CertificateDer::pem_file_iter(path)
        .map_err(|e| err(format!("{}: {e}", path.display())))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(format!("{}: {e}", path.display())))?;
    if list.is_empty() {
        return Err(err(format!("{} holds no PEM certificate", path.display())));
    }
    Ok(list)
}

/// Builds the client configuration; `prefix` is the destination's key (`destination[1]`).
pub fn client_config(t: &Tls, prefix: &str) -> Result<Arc<ClientConfig>, TlsSetupError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|source| TlsSetupError::Rustls {
            key: format!("{prefix}.tls"),
            source,
        })?;
    let builder = if let Some(ca) = &t.ca_file {
        let key = format!("{prefix}.tls.ca_file");
        let mut roots = RootCertStore::empty();
        for c in certs(&key, ca)? {
            roots.add(c).map_err(|source| TlsSetupError::Rustls {
                key: key.clone(),
                source,
            })?;
        }
        builder.with_root_certificates(roots)
    } else if let Some(pin) = &t.pinned_cert_file {
        let key = format!("{prefix}.tls.pinned_cert_file");
        let cert = certs(&key, pin)?.swap_remove(0);
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned {
                cert,
                algs: provider.signature_verification_algorithms,
            }))
    } else {
        return Err(TlsSetupError::File {
            key: format!("{prefix}.tls.ca_file"),
            message: "missing: give ca_file or pinned_cert_file".into(),
        });
    };
    let cfg = match (&t.client_cert_file, &t.client_key_file) {
        (Some(c), Some(k)) => {
            let chain = certs(&format!("{prefix}.tls.client_cert_file"), c)?;
            let kkey = format!("{prefix}.tls.client_key_file");
            let pk = PrivateKeyDer::from_pem_file(k).map_err(|e| TlsSetupError::File {
                key: kkey.clone(),
                message: format!("{}: {e}", k.display()),
            })?;
            builder
                .with_client_auth_cert(chain, pk)
                .map_err(|source| TlsSetupError::Rustls { key: kkey, source })?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(Arc::new(cfg))
}

/// The server name to verify: `server_name`, else the host of the address.
pub fn server_name(t: &Tls, host: &str) -> Option<ServerName<'static>> {
    let n = t.server_name.as_deref().unwrap_or(host);
    ServerName::try_from(n.to_owned()).ok()
}

/// Accepts exactly one server certificate (byte for byte), whatever its issuer, name or dates;
/// the handshake signature is still verified against it.
#[derive(Debug)]
struct Pinned {
    cert: CertificateDer<'static>,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.cert.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}
