//! `[api]`: the REST API over TLS (DESIGN.md section 8, reference sections 6–13).
//!
//! No `listen` means no API. The certificate is `cert` + `key` (PEM) when both are given, else a
//! self-signed one generated on first start into `sensor.data_dir` (see [`crate::api::tls`]).

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

use super::{ConfigError, parse_duration_secs};

/// `[api]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Api {
    /// Address and port the API listens on (`"0.0.0.0:8443"`); no API when absent.
    #[serde(default)]
    pub listen: Option<String>,
    /// Server certificate chain (PEM); with `key`. Self-signed into the data directory when
    /// neither is set.
    #[serde(default)]
    pub cert: Option<PathBuf>,
    /// Private key of `cert` (PEM: PKCS#8, PKCS#1 or SEC1).
    #[serde(default)]
    pub key: Option<PathBuf>,
    /// Largest request body accepted, in bytes; larger is refused with 413.
    #[serde(default = "d_body")]
    pub max_body_bytes: usize,
    /// Events and devices older than this answer 404 `not_found` (`60d`, the reference's window).
    #[serde(default = "d_window")]
    pub history_window: String,
    /// Lifetime of a token minted from an issue code when the code does not say (`90d`).
    #[serde(default = "d_expiry")]
    pub token_expiry: String,
    /// `rotation_deadline` is this long before a token's expiry (`15d`).
    #[serde(default = "d_rotation_lead")]
    pub rotation_lead: String,
    /// Read endpoints: requests per minute per token (burst: twice the rate for 10 s).
    #[serde(default = "d_read_rate")]
    pub read_per_minute: u32,
    /// Write and SOAR endpoints: requests per minute per token (burst as for reads).
    #[serde(default = "d_write_rate")]
    pub write_per_minute: u32,
    /// Largest `limit` a list endpoint accepts.
    #[serde(default = "d_max_limit")]
    pub max_page: u32,
    /// Longest `duration` of a suppression posted through the API (`30d`).
    #[serde(default = "d_max_control")]
    pub max_suppression: String,
    /// Longest change window (`end` − `start`) posted through the API (`30d`).
    #[serde(default = "d_max_control")]
    pub max_change_window: String,
    /// How long (milliseconds) an identical read request may be answered from the last
    /// answer while the database has not changed since (0: never; at most 60,000). Tokens
    /// are checked against the store on every request whatever this says.
    #[serde(default = "d_response_cache_ms")]
    pub response_cache_ms: u64,
}

fn d_body() -> usize {
    64 * 1024
}
fn d_window() -> String {
    "60d".into()
}
fn d_expiry() -> String {
    "90d".into()
}
fn d_rotation_lead() -> String {
    "15d".into()
}
fn d_read_rate() -> u32 {
    600
}
fn d_write_rate() -> u32 {
    60
}
fn d_max_limit() -> u32 {
    1000
}
fn d_max_control() -> String {
    "30d".into()
}
fn d_response_cache_ms() -> u64 {
    1000
}

impl Default for Api {
    fn default() -> Self {
        Api {
            listen: None,
            cert: None,
            key: None,
            max_body_bytes: d_body(),
            history_window: d_window(),
            token_expiry: d_expiry(),
            rotation_lead: d_rotation_lead(),
            read_per_minute: d_read_rate(),
            write_per_minute: d_write_rate(),
            max_page: d_max_limit(),
            max_suppression: d_max_control(),
            max_change_window: d_max_control(),
            response_cache_ms: d_response_cache_ms(),
        }
    }
}

/// `[api]` checked: durations in seconds, the address parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiParams {
    /// Listen address, when the API is on.
    pub listen: Option<SocketAddr>,
    /// Certificate and key files, when configured.
    pub cert_key: Option<(PathBuf, PathBuf)>,
    /// Body limit in bytes.
    pub max_body_bytes: usize,
    /// `history_window` in seconds.
    pub history_window_secs: u64,
    /// `token_expiry` in seconds.
    pub token_expiry_secs: u64,
    /// `rotation_lead` in seconds.
    pub rotation_lead_secs: u64,
    /// Read requests per minute per token.
    pub read_per_minute: u32,
    /// Write/SOAR requests per minute per token.
    pub write_per_minute: u32,
    /// Largest page.
    pub max_page: u32,
    /// `max_suppression` in seconds.
    pub max_suppression_secs: u64,
    /// `max_change_window` in seconds.
    pub max_change_window_secs: u64,
    /// `response_cache_ms`.
    pub response_cache_ms: u64,
}

fn duration(key: &str, v: &str) -> Result<u64, ConfigError> {
    match parse_duration_secs(v) {
        Some(s) if s > 0 => Ok(s),
        _ => Err(ConfigError::invalid(
            format!("api.{key}"),
            format!("{v:?} is not a positive duration (`90d`, `12h`, `30m`, `45s`)"),
        )),
    }
}

impl Api {
    /// Checks the section and returns its parameters.
    pub fn params(&self) -> Result<ApiParams, ConfigError> {
        let listen = match &self.listen {
            None => None,
            Some(s) => Some(s.parse::<SocketAddr>().map_err(|_| {
                ConfigError::invalid(
                    "api.listen",
                    format!("{s:?} is not an address and port (`0.0.0.0:8443`, `[::]:8443`)"),
                )
            })?),
        };
        let cert_key = match (&self.cert, &self.key) {
            (Some(c), Some(k)) => Some((c.clone(), k.clone())),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::invalid(
                    "api.key",
                    "missing: api.cert needs its private key",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::invalid(
                    "api.cert",
                    "missing: api.key needs its certificate",
                ));
            }
        };
        if !(1024..=16 * 1024 * 1024).contains(&self.max_body_bytes) {
            return Err(ConfigError::invalid(
                "api.max_body_bytes",
                format!("{} is not in [1024, 16777216]", self.max_body_bytes),
            ));
        }
        for (key, v) in [
            ("read_per_minute", self.read_per_minute),
            ("write_per_minute", self.write_per_minute),
        ] {
            if !(1..=1_000_000).contains(&v) {
                return Err(ConfigError::invalid(
                    format!("api.{key}"),
                    format!("{v} is not in [1, 1000000]"),
                ));
            }
        }
        if !(1..=10_000).contains(&self.max_page) {
            return Err(ConfigError::invalid(
                "api.max_page",
                format!("{} is not in [1, 10000]", self.max_page),
            ));
        }
        if self.response_cache_ms > 60_000 {
            return Err(ConfigError::invalid(
                "api.response_cache_ms",
                format!("{} is not in [0, 60000]", self.response_cache_ms),
            ));
        }
        let token_expiry_secs = duration("token_expiry", &self.token_expiry)?;
        let rotation_lead_secs = duration("rotation_lead", &self.rotation_lead)?;
        if rotation_lead_secs >= token_expiry_secs {
            return Err(ConfigError::invalid(
                "api.rotation_lead",
                format!(
                    "{} must be shorter than api.token_expiry ({})",
                    self.rotation_lead, self.token_expiry
                ),
            ));
        }
        Ok(ApiParams {
            listen,
            cert_key,
            max_body_bytes: self.max_body_bytes,
            history_window_secs: duration("history_window", &self.history_window)?,
            token_expiry_secs,
            rotation_lead_secs,
            read_per_minute: self.read_per_minute,
            write_per_minute: self.write_per_minute,
            max_page: self.max_page,
            max_suppression_secs: duration("max_suppression", &self.max_suppression)?,
            max_change_window_secs: duration("max_change_window", &self.max_change_window)?,
            response_cache_ms: self.response_cache_ms,
        })
    }

    /// Checks the section.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.params().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<ApiParams, ConfigError> {
        let a: Api = toml::from_str(s).map_err(|e| ConfigError::parse("t", s, &e))?;
        a.params()
    }

    #[test]
    fn defaults_are_the_references() {
        let p = parse("").unwrap();
        assert_eq!(p.listen, None);
        assert_eq!(p.history_window_secs, 60 * 86_400);
        assert_eq!(p.token_expiry_secs, 90 * 86_400);
        assert_eq!((p.read_per_minute, p.write_per_minute), (600, 60));
    }

    #[test]
    fn bad_values_name_their_key() {
        for (toml, key) in [
            ("listen = \"localhost\"", "api.listen"),
            ("cert = \"/c.pem\"", "api.key"),
            ("key = \"/k.pem\"", "api.cert"),
            ("history_window = \"60x\"", "api.history_window"),
            ("token_expiry = \"0d\"", "api.token_expiry"),
            ("rotation_lead = \"91d\"", "api.rotation_lead"),
            ("read_per_minute = 0", "api.read_per_minute"),
            ("max_body_bytes = 10", "api.max_body_bytes"),
            ("max_page = 0", "api.max_page"),
            ("max_suppression = \"-1d\"", "api.max_suppression"),
            ("max_change_window = \"0s\"", "api.max_change_window"),
        ] {
            let e = parse(toml).unwrap_err().to_string();
            assert!(e.contains(key), "{toml}: {e}");
        }
        let e = parse("lisen = \"0.0.0.0:1\"").unwrap_err().to_string();
        assert!(e.contains("lisen"), "{e}");
    }
}
