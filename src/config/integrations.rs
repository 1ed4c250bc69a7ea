//! `[integrations.cisco_ise]` and `[integrations.forescout]`: the NACs the SOAR quarantine
//! hand-off asks (reference section 12; we never quarantine ports ourselves).
//!
//! Both talk HTTPS only and verify the NAC's certificate, never skip it: against the CA
//! certificates in `ca` (PEM), or by the SHA-256 fingerprint of the NAC's own certificate in
//! `pin_sha256` (the form `cybriq api fingerprint` prints; colons and case do not matter).
//! Exactly one of the two. Passwords come from `{ file = … }` or `{ env = … }`, never from the
//! configuration file itself. An integration that is absent answers `422 validation_failed`
//! naming it. The running clients are built from this by [`crate::integrations`].

use std::path::PathBuf;

use serde::Deserialize;

use super::{ConfigError, Secret, parse_duration_secs};

/// `[integrations]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Integrations {
    /// Cisco ISE (ERS ANC endpoint apply / clear); off when absent.
    #[serde(default)]
    pub cisco_ise: Option<CiscoIse>,
    /// Forescout (Data Exchange web service host-property update); off when absent.
    #[serde(default)]
    pub forescout: Option<Forescout>,
}

/// Where the NAC is, how its certificate is verified, how long a call may take: the keys
/// both sections share (`url`, `ca`, `pin_sha256`, `server_name`, `timeout`).
#[derive(Debug, Clone, PartialEq)]
pub struct Peer<'a> {
    /// `url`.
    pub url: &'a str,
    /// `ca`.
    pub ca: Option<&'a PathBuf>,
    /// `pin_sha256`.
    pub pin_sha256: Option<&'a str>,
    /// `server_name`.
    pub server_name: Option<&'a str>,
    /// `timeout`.
    pub timeout: &'a str,
}

fn d_timeout() -> String {
    "10s".into()
}

/// `[integrations.cisco_ise]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CiscoIse {
    /// Base URL, `https://host[:port]` without a path (default port: 9060, ISE's ERS port).
    pub url: String,
    /// CA certificates (PEM) the NAC's chain must lead to; or `pin_sha256`.
    #[serde(default)]
    pub ca: Option<PathBuf>,
    /// SHA-256 fingerprint of the NAC's certificate (64 hex digits, colons allowed); or `ca`.
    #[serde(default)]
    pub pin_sha256: Option<String>,
    /// Name the certificate must carry when it differs from the URL's host (for example when
    /// the URL is an address); with `ca` only.
    #[serde(default)]
    pub server_name: Option<String>,
    /// Longest a call may take, connection and answer included (`10s`; 1 s to 2 min); the
    /// caller gets `504 nac_timeout` after it.
    #[serde(default = "d_timeout")]
    pub timeout: String,
    /// ERS admin user (basic auth).
    pub username: String,
    /// Its password: `{ file = "/etc/cybriq/ise.password" }` or `{ env = "ISE_PASSWORD" }`.
    pub password: Secret,
    /// Fetch an `X-CSRF-TOKEN` before each change (ISE with CSRF check enabled for ERS).
    #[serde(default)]
    pub csrf: bool,
}

/// `[integrations.forescout]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Forescout {
    /// Base URL, `https://host[:port]` without a path (default port: 443).
    pub url: String,
    /// CA certificates (PEM) the NAC's chain must lead to; or `pin_sha256`.
    #[serde(default)]
    pub ca: Option<PathBuf>,
    /// SHA-256 fingerprint of the NAC's certificate (64 hex digits, colons allowed); or `ca`.
    #[serde(default)]
    pub pin_sha256: Option<String>,
    /// Name the certificate must carry when it differs from the URL's host (for example when
    /// the URL is an address); with `ca` only.
    #[serde(default)]
    pub server_name: Option<String>,
    /// Longest a call may take, connection and answer included (`10s`; 1 s to 2 min); the
    /// caller gets `504 nac_timeout` after it.
    #[serde(default = "d_timeout")]
    pub timeout: String,
    /// Data Exchange web-service user; basic auth is `username@dex_account`.
    pub username: String,
    /// Data Exchange account the user belongs to.
    pub dex_account: String,
    /// The user's password: `{ file = … }` or `{ env = … }`.
    pub password: Secret,
    /// DEX host property set to the requested policy name (the Forescout policy that
    /// quarantines acts on it); deleted on release.
    pub property: String,
    /// DEX host property set to the event id (optional; deleted on release).
    #[serde(default)]
    pub event_property: Option<String>,
}

/// How the NAC's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Chain to these CA certificates, name checked.
    Ca(PathBuf),
    /// The end-entity certificate's SHA-256 (32 bytes).
    Pin([u8; 32]),
}

/// A [`Peer`] checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerParams {
    /// Host (DNS name or address, without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// How the certificate is checked.
    pub trust: Trust,
    /// Name checked against the certificate (the host unless `server_name` is set).
    pub server_name: String,
    /// Timeout in seconds.
    pub timeout_secs: u64,
}

/// Parses a SHA-256 fingerprint: 64 hex digits, with or without `:` between bytes.
pub fn parse_pin(s: &str) -> Option<[u8; 32]> {
    let hex: String = s.trim().chars().filter(|c| *c != ':').collect();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

macro_rules! peer_of {
    ($s:expr) => {
        Peer {
            url: &$s.url,
            ca: $s.ca.as_ref(),
            pin_sha256: $s.pin_sha256.as_deref(),
            server_name: $s.server_name.as_deref(),
            timeout: &$s.timeout,
        }
    };
}

impl Peer<'_> {
    /// `ca` or `pin_sha256`, exactly one.
    fn trust(&self, key: &str) -> Result<Trust, ConfigError> {
        let bad = |k: &str, m: String| ConfigError::invalid(format!("{key}.{k}"), m);
        Ok(match (self.ca, self.pin_sha256) {
            (Some(ca), None) => Trust::Ca(ca.clone()),
            (None, Some(p)) => Trust::Pin(parse_pin(p).ok_or_else(|| {
                bad(
                    "pin_sha256",
                    "not a SHA-256 fingerprint (64 hex digits, colons allowed)".into(),
                )
            })?),
            (Some(_), Some(_)) => {
                return Err(bad(
                    "pin_sha256",
                    "give either ca or pin_sha256, not both".into(),
                ));
            }
            (None, None) => {
                return Err(bad(
                    "ca",
                    "missing: the NAC's certificate is verified by a CA file (ca) or a \
                     SHA-256 pin (pin_sha256), never skipped"
                        .into(),
                ));
            }
        })
    }

    /// Checks the URL, trust and timeout; `key` is the section (`integrations.cisco_ise`).
    pub fn params(&self, key: &str, default_port: u16) -> Result<PeerParams, ConfigError> {
        let bad = |k: &str, m: String| ConfigError::invalid(format!("{key}.{k}"), m);
        let uri: axum::http::Uri = self.url.parse().map_err(|_| {
            bad(
                "url",
                format!("{:?} is not a URL (`https://nac.example.com`)", self.url),
            )
        })?;
        if uri.scheme_str() != Some("https") {
            return Err(bad(
                "url",
                format!("{:?}: only https:// is allowed", self.url),
            ));
        }
        let path_ok = uri.path_and_query().is_none_or(|p| p.as_str() == "/");
        let host = uri.host().unwrap_or("");
        if host.is_empty() || !path_ok || self.url.contains('@') {
            return Err(bad(
                "url",
                format!(
                    "{:?} must be `https://host[:port]` (no path, query or user)",
                    self.url
                ),
            ));
        }
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let trust = self.trust(key)?;
        if self.server_name.is_some() && matches!(trust, Trust::Pin(_)) {
            return Err(bad(
                "server_name",
                "only with ca (a pin identifies the certificate itself)".into(),
            ));
        }
        let server_name = self.server_name.unwrap_or(&host).to_owned();
        if rustls_pki_types::ServerName::try_from(server_name.as_str()).is_err() {
            return Err(bad(
                "server_name",
                format!("{server_name:?} is not a DNS name or address"),
            ));
        }
        let timeout_secs = match parse_duration_secs(self.timeout) {
            Some(s) if (1..=120).contains(&s) => s,
            _ => {
                return Err(bad(
                    "timeout",
                    format!("{:?} is not a duration from 1s to 2m", self.timeout),
                ));
            }
        };
        Ok(PeerParams {
            host,
            port: uri.port_u16().unwrap_or(default_port),
            trust,
            server_name,
            timeout_secs,
        })
    }
}

/// A user name usable in HTTP basic auth (`key` names it in errors).
fn check_user(key: &str, v: &str) -> Result<(), ConfigError> {
    if v.trim().is_empty() || v.contains(':') || v.chars().any(char::is_control) {
        return Err(ConfigError::invalid(
            key,
            "must be non-empty, without `:` or control characters",
        ));
    }
    Ok(())
}

/// A secret that is not written into the configuration file.
fn check_secret(key: &str, s: &Secret) -> Result<(), ConfigError> {
    if matches!(s, Secret::Inline(_)) {
        return Err(ConfigError::invalid(
            key,
            "give the password as { file = \"…\" } or { env = \"…\" }, not inline",
        ));
    }
    Ok(())
}

/// A DEX property name (`connect_cybriq_quarantine`): letters, digits, `_`, `-`, `.`.
fn check_property(key: &str, v: &str) -> Result<(), ConfigError> {
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::invalid(
            key,
            format!("{v:?} is not a property name (letters, digits, `_`, `-`, `.`)"),
        ))
    }
}

impl CiscoIse {
    /// Checks the section.
    pub fn validate(&self) -> Result<PeerParams, ConfigError> {
        const K: &str = "integrations.cisco_ise";
        let p = peer_of!(self).params(K, 9060)?;
        check_user(&format!("{K}.username"), &self.username)?;
        check_secret(&format!("{K}.password"), &self.password)?;
        Ok(p)
    }
}

impl Forescout {
    /// Checks the section.
    pub fn validate(&self) -> Result<PeerParams, ConfigError> {
        const K: &str = "integrations.forescout";
        let p = peer_of!(self).params(K, 443)?;
        check_user(&format!("{K}.username"), &self.username)?;
        check_user(&format!("{K}.dex_account"), &self.dex_account)?;
        if self.username.contains('@') {
            return Err(ConfigError::invalid(
                format!("{K}.username"),
                "without `@`: the account goes in dex_account",
            ));
        }
        check_secret(&format!("{K}.password"), &self.password)?;
        check_property(&format!("{K}.property"), &self.property)?;
        if let Some(e) = &self.event_property {
            check_property(&format!("{K}.event_property"), e)?;
            if *e == self.property {
                return Err(ConfigError::invalid(
                    format!("{K}.event_property"),
                    "must differ from property",
                ));
            }
        }
        Ok(p)
    }
}

impl Integrations {
    /// Checks both sections.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(i) = &self.cisco_ise {
            i.validate()?;
        }
        if let Some(f) = &self.forescout {
            f.validate()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Integrations, ConfigError> {
        let i: Integrations = toml::from_str(s).map_err(|e| ConfigError::parse("t", s, &e))?;
        i.validate()?;
        Ok(i)
    }

    const PIN: &str = "9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08";

    fn ise(extra: &str) -> String {
        format!(
            "[cisco_ise]\nurl = \"https://ise.example.com\"\nusername = \"ers\"\n\
             password = {{ env = \"ISE_PW\" }}\n{extra}\n"
        )
    }

    #[test]
    fn a_complete_section_parses_with_defaults() {
        let i = parse(&ise(&format!("pin_sha256 = \"{PIN}\""))).unwrap();
        let c = i.cisco_ise.unwrap();
        let p = c.validate().unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.timeout_secs),
            ("ise.example.com", 9060, 10)
        );
        assert!(matches!(p.trust, Trust::Pin(b) if b[0] == 0x9f && b[31] == 0x08));
        assert!(!c.csrf);
        let f = parse(
            "[forescout]\nurl = \"https://[2001:db8::5]:8443\"\nusername = \"cybriq\"\n\
             dex_account = \"soar\"\npassword = { file = \"/etc/fs.pw\" }\nca = \"/etc/ca.pem\"\n\
             server_name = \"em.example.com\"\nproperty = \"connect_cybriq_q\"\ntimeout = \"30s\"\n",
        )
        .unwrap()
        .forescout
        .unwrap();
        let p = f.validate().unwrap();
        assert_eq!((p.host.as_str(), p.port), ("2001:db8::5", 8443));
        assert_eq!(p.server_name, "em.example.com");
        assert_eq!(p.timeout_secs, 30);
    }

    #[test]
    fn bad_values_name_their_key() {
        let pin = format!("pin_sha256 = \"{PIN}\"");
        for (toml, key) in [
            (ise(""), "integrations.cisco_ise.ca"),
            (
                ise(&format!("{pin}\nca = \"/c\"")),
                "integrations.cisco_ise.pin_sha256",
            ),
            (
                ise("pin_sha256 = \"abcd\""),
                "integrations.cisco_ise.pin_sha256",
            ),
            (
                ise(&format!("{pin}\ntimeout = \"0s\"")),
                "integrations.cisco_ise.timeout",
            ),
            (
                ise(&format!("{pin}\ntimeout = \"5m\"")),
                "integrations.cisco_ise.timeout",
            ),
            (
                ise(&format!("{pin}\nserver_name = \"x\"")),
                "integrations.cisco_ise.server_name",
            ),
            (
                ise(&pin).replace("https://ise.example.com", "http://ise.example.com"),
                "integrations.cisco_ise.url",
            ),
            (
                ise(&pin).replace("https://ise.example.com", "https://ise.example.com/ers"),
                "integrations.cisco_ise.url",
            ),
            (
                ise(&pin).replace("{ env = \"ISE_PW\" }", "\"hunter2\""),
                "integrations.cisco_ise.password",
            ),
            (
                ise(&pin).replace("\"ers\"", "\"a:b\""),
                "integrations.cisco_ise.username",
            ),
        ] {
            let e = parse(&toml).unwrap_err().to_string();
            assert!(e.contains(key), "{toml}: {e}");
        }
        let fs = |extra: &str| {
            format!(
                "[forescout]\nurl = \"https://em\"\nusername = \"u\"\ndex_account = \"a\"\n\
                 password = {{ env = \"P\" }}\n{pin}\n{extra}\n"
            )
        };
        for (toml, key) in [
            (fs("property = \"a b\""), "integrations.forescout.property"),
            (
                fs("property = \"p\"\nevent_property = \"p\""),
                "integrations.forescout.event_property",
            ),
            (
                fs("property = \"p\"").replace("\"u\"", "\"u@a\""),
                "integrations.forescout.username",
            ),
        ] {
            let e = parse(&toml).unwrap_err().to_string();
            assert!(e.contains(key), "{toml}: {e}");
        }
        let e = parse(&fs("property = \"p\"\ncsrf = true"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("csrf"), "{e}");
        let e = parse(&fs("")).unwrap_err().to_string();
        assert!(e.contains("property"), "{e}");
    }

    #[test]
    fn pins_parse_with_or_without_colons() {
        let a = parse_pin(PIN).unwrap();
        assert_eq!(parse_pin(&PIN.replace(':', "").to_lowercase()), Some(a));
        assert_eq!(parse_pin("9F:86"), None);
        assert_eq!(parse_pin(&"zz".repeat(32)), None);
    }
}
