//! `[[destination]]`: where the syslog emitter sends events.
//!
//! ```toml
//! [[destination]]
//! name = "siem"                    # unique; names the outbox cursor and metrics
//! mode = "tls"                     # "udp" | "tcp" | "tls"
//! address = "siem.example.net:6514"
//! format = "rfc5424"               # or "cef"
//! facility = 16                    # 0..=23
//! severity = "fixed"               # or "by-event" (uses severity_map)
//! fixed_severity = 6
//! severity_map = { high = 2, medium = 4, low = 6 }
//! framing = "octet-counting"       # tcp/tls only; or "lf"
//! max_message_size = 8192          # bytes; MSG is shortened to fit
//! outbox_max_events = 1000000      # backlog bound; oldest dropped first, logged at ERROR
//! [destination.tls]
//! ca_file = "/etc/cybriq/siem-ca.pem"      # or pinned_cert_file
//! server_name = "siem.example.net"         # default: the host part of address
//! client_cert_file = "/etc/cybriq/sensor.pem"
//! client_key_file = "/etc/cybriq/sensor.key"
//! ```

use std::path::PathBuf;

use serde::Deserialize;

use super::ConfigError;

/// One syslog destination.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// Unique name (letters, digits, `-`, `_`, `.`): the outbox cursor and the metrics label.
    pub name: String,
    /// Transport.
    pub mode: Mode,
    /// `host:port` (host name, IPv4, or `[IPv6]`).
    pub address: String,
    /// Payload format.
    #[serde(default)]
    pub format: Format,
    /// Syslog facility, 0–23 (16 = local0, the reference's default).
    #[serde(default = "default_facility")]
    pub facility: u8,
    /// How the PRI severity is chosen.
    #[serde(default)]
    pub severity: SeverityPolicy,
    /// Syslog severity (0–7) of every event when `severity = "fixed"`.
    #[serde(default = "default_fixed_severity")]
    pub fixed_severity: u8,
    /// Syslog severity per event severity when `severity = "by-event"`.
    #[serde(default)]
    pub severity_map: SeverityMap,
    /// Stream framing for `tcp` and `tls` (RFC 6587); not allowed with `udp`.
    pub framing: Option<Framing>,
    /// Largest message in bytes (default 2048 over UDP, 8192 over TCP/TLS; at least 480).
    pub max_message_size: Option<usize>,
    /// Most events kept waiting for this destination; beyond it the oldest are dropped.
    #[serde(default = "default_outbox_max_events")]
    pub outbox_max_events: u64,
    /// A message counts as delivered once the connection has stayed up this long after it was
    /// written (TCP/TLS syslog has no acknowledgements); on a failure before that it is resent.
    #[serde(default = "default_confirm_after_ms")]
    pub confirm_after_ms: u64,
    /// First reconnect delay; doubles per failure, with ±50 % jitter.
    #[serde(default = "default_backoff_initial_ms")]
    pub backoff_initial_ms: u64,
    /// Longest reconnect delay.
    #[serde(default = "default_backoff_max_ms")]
    pub backoff_max_ms: u64,
    /// Connect and write timeout.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// TLS settings; required with `mode = "tls"`, not allowed otherwise.
    pub tls: Option<Tls>,
}

/// `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One message per datagram (RFC 5426); no delivery guarantee.
    Udp,
    /// Plain TCP (RFC 6587).
    Tcp,
    /// TLS over TCP (RFC 5425); never falls back to plaintext.
    Tls,
}

/// `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// RFC 5424 with structured data.
    #[default]
    Rfc5424,
    /// CEF in an RFC 5424 envelope.
    Cef,
}

/// `severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeverityPolicy {
    /// `fixed_severity` for every event.
    #[default]
    Fixed,
    /// `severity_map` by event severity.
    ByEvent,
}

/// `severity_map`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityMap {
    /// Syslog severity for `high` events (default 2, critical).
    #[serde(default = "default_high")]
    pub high: u8,
    /// For `medium` events (default 4, warning).
    #[serde(default = "default_medium")]
    pub medium: u8,
    /// For `low` events (default 6, informational).
    #[serde(default = "default_fixed_severity")]
    pub low: u8,
}

impl Default for SeverityMap {
    fn default() -> Self {
        SeverityMap {
            high: default_high(),
            medium: default_medium(),
            low: default_fixed_severity(),
        }
    }
}

/// `framing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framing {
    /// `LEN SP MSG` (RFC 6587 section 3.4.1; RFC 5425).
    #[default]
    OctetCounting,
    /// `MSG LF` for old receivers (line breaks inside a message become spaces).
    Lf,
}

/// `[destination.tls]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// PEM CA bundle the server's certificate must chain to.
    pub ca_file: Option<PathBuf>,
    /// PEM certificate the server must present exactly (pinning; instead of `ca_file`).
    pub pinned_cert_file: Option<PathBuf>,
    /// Name checked against the server's certificate; default: the host of `address`.
    pub server_name: Option<String>,
    /// PEM client certificate chain for mutual TLS.
    pub client_cert_file: Option<PathBuf>,
    /// PEM private key of the client certificate.
    pub client_key_file: Option<PathBuf>,
}

fn default_facility() -> u8 {
    16
}
fn default_fixed_severity() -> u8 {
    6
}
fn default_high() -> u8 {
    2
}
fn default_medium() -> u8 {
    4
}
fn default_outbox_max_events() -> u64 {
    1_000_000
}
fn default_confirm_after_ms() -> u64 {
    2000
}
fn default_backoff_initial_ms() -> u64 {
    250
}
fn default_backoff_max_ms() -> u64 {
    30_000
}
fn default_timeout_ms() -> u64 {
    10_000
}

impl Destination {
    /// The effective maximum message size.
    pub fn max_message_size(&self) -> usize {
        self.max_message_size.unwrap_or(match self.mode {
            Mode::Udp => 2048,
            Mode::Tcp | Mode::Tls => 8192,
        })
    }

    /// `(host, port)` of `address`; brackets removed from an IPv6 literal.
    pub fn host_port(&self) -> Option<(String, u16)> {
        split_host_port(&self.address)
    }
}

/// Splits `host:port` / `[v6]:port`.
pub fn split_host_port(a: &str) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = a.strip_prefix('[') {
        let (h, p) = rest.split_once("]:")?;
        h.parse::<std::net::Ipv6Addr>().ok()?;
        (h, p)
    } else {
        let (h, p) = a.rsplit_once(':')?;
        if h.contains(':') {
            return None;
        }
        (h, p)
    };
    let valid_host = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    let port: u16 = port.parse().ok().filter(|&p| p != 0)?;
    valid_host.then(|| (host.to_owned(), port))
}

fn check_file(key: String, path: &std::path::Path, what: &str) -> Result<(), ConfigError> {
    let text = std::fs::read(path).map_err(|e| {
        ConfigError::invalid(key.clone(), format!("cannot read {}: {e}", path.display()))
    })?;
    if !text.windows(11).any(|w| w == b"-----BEGIN ") {
        return Err(ConfigError::invalid(
            key,
            format!("{} holds no PEM {what}", path.display()),
        ));
    }
    Ok(())
}

/// Validates every destination; errors name the key (`destination[1].tls.ca_file`).
pub fn validate(list: &[Destination]) -> Result<(), ConfigError> {
    let mut names = std::collections::HashSet::new();
    for (i, d) in list.iter().enumerate() {
        let k = |f: &str| format!("destination[{i}].{f}");
        if d.name.is_empty()
            || d.name.len() > 64
            || !d
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(ConfigError::invalid(
                k("name"),
                "must be 1-64 letters, digits, '-', '_' or '.'",
            ));
        }
        if !names.insert(d.name.as_str()) {
            return Err(ConfigError::invalid(
                k("name"),
                format!("{:?} is used by another destination", d.name),
            ));
        }
        if d.host_port().is_none() {
            return Err(ConfigError::invalid(
                k("address"),
                format!(
                    "{:?} is not host:port (IPv6 as [addr]:port, port 1-65535)",
                    d.address
                ),
            ));
        }
        if d.facility > 23 {
            return Err(ConfigError::invalid(k("facility"), "must be 0..=23"));
        }
        if d.fixed_severity > 7 {
            return Err(ConfigError::invalid(k("fixed_severity"), "must be 0..=7"));
        }
        for (f, v) in [
            ("high", d.severity_map.high),
            ("medium", d.severity_map.medium),
            ("low", d.severity_map.low),
        ] {
            if v > 7 {
                return Err(ConfigError::invalid(
                    k(&format!("severity_map.{f}")),
                    "must be 0..=7",
                ));
            }
        }
        if d.mode == Mode::Udp && d.framing.is_some() {
            return Err(ConfigError::invalid(
                k("framing"),
                "applies to mode \"tcp\" and \"tls\" only",
            ));
        }
        let max = d.max_message_size();
        let limit = if d.mode == Mode::Udp { 65_000 } else { 1 << 20 };
        if !(crate::emit::format::MIN_MESSAGE_SIZE..=limit).contains(&max) {
            return Err(ConfigError::invalid(
                k("max_message_size"),
                format!("must be 480..={limit} for mode {:?}", d.mode),
            ));
        }
        if d.outbox_max_events == 0 {
            return Err(ConfigError::invalid(
                k("outbox_max_events"),
                "must be at least 1",
            ));
        }
        if d.backoff_initial_ms == 0 || d.backoff_max_ms < d.backoff_initial_ms {
            return Err(ConfigError::invalid(
                k("backoff_max_ms"),
                "backoff_initial_ms must be > 0 and <= backoff_max_ms",
            ));
        }
        if d.timeout_ms == 0 {
            return Err(ConfigError::invalid(k("timeout_ms"), "must be > 0"));
        }
        match (&d.tls, d.mode) {
            (Some(_), Mode::Udp | Mode::Tcp) => {
                return Err(ConfigError::invalid(
                    k("tls"),
                    "only allowed with mode = \"tls\"",
                ));
            }
            (None, Mode::Tls) => {
                return Err(ConfigError::invalid(
                    k("tls.ca_file"),
                    "mode \"tls\" needs [destination.tls] with ca_file or pinned_cert_file",
                ));
            }
            (Some(t), Mode::Tls) => validate_tls(t, &k)?,
            (None, _) => {}
        }
    }
    Ok(())
}

fn validate_tls(t: &Tls, k: &dyn Fn(&str) -> String) -> Result<(), ConfigError> {
    match (&t.ca_file, &t.pinned_cert_file) {
        (None, None) => {
            return Err(ConfigError::invalid(
                k("tls.ca_file"),
                "missing: give ca_file (CA bundle) or pinned_cert_file",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(ConfigError::invalid(
                k("tls.pinned_cert_file"),
                "give either ca_file or pinned_cert_file, not both",
            ));
        }
        (Some(ca), None) => check_file(k("tls.ca_file"), ca, "certificate")?,
        (None, Some(p)) => check_file(k("tls.pinned_cert_file"), p, "certificate")?,
    }
    if let Some(n) = &t.server_name {
        if rustls_pki_types::ServerName::try_from(n.as_str()).is_err() {
            return Err(ConfigError::invalid(
                k("tls.server_name"),
                format!("{n:?} is not a DNS name or IP address"),
            ));
        }
    }
    match (&t.client_cert_file, &t.client_key_file) {
        (Some(c), Some(key)) => {
            check_file(k("tls.client_cert_file"), c, "certificate")?;
            check_file(k("tls.client_key_file"), key, "private key")?;
        }
        (Some(_), None) => {
            return Err(ConfigError::invalid(
                k("tls.client_key_file"),
                "missing: client_cert_file needs client_key_file",
            ));
        }
        (None, Some(_)) => {
            return Err(ConfigError::invalid(
                k("tls.client_cert_file"),
                "missing: client_key_file needs client_cert_file",
            ));
        }
        (None, None) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn err(toml: &str) -> String {
        Config::parse(toml, "t.toml").unwrap_err().to_string()
    }

    #[test]
    fn minimal_destinations_parse_with_defaults() {
        let c = Config::parse(
            "[[destination]]\nname = \"a\"\nmode = \"udp\"\naddress = \"127.0.0.1:514\"\n\
             [[destination]]\nname = \"b\"\nmode = \"tcp\"\naddress = \"[::1]:1468\"\nformat = \"cef\"\nframing = \"lf\"\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.destination.len(), 2);
        assert_eq!(c.destination[0].facility, 16);
        assert_eq!(c.destination[0].max_message_size(), 2048);
        assert_eq!(c.destination[1].max_message_size(), 8192);
        assert_eq!(c.destination[1].host_port().unwrap(), ("::1".into(), 1468));
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = err("[[destination]]\nname = \"a\"\nmode = \"smtp\"\naddress = \"h:1\"\n");
        assert!(
            e.contains("t.toml") && e.contains("line 3") && e.contains("smtp"),
            "{e}"
        );
        let e = err("[[destination]]\nname = \"a\"\nmode = \"tcp\"\naddress = \"h\"\n");
        assert!(e.starts_with("destination[0].address"), "{e}");
        let e = err("[[destination]]\nname = \"a\"\nmode = \"tcp\"\naddress = \"h:99999\"\n");
        assert!(e.starts_with("destination[0].address"), "{e}");
        let e = err(
            "[[destination]]\nname = \"a\"\nmode = \"udp\"\naddress = \"h:1\"\n\
             [[destination]]\nname = \"b\"\nmode = \"tls\"\naddress = \"h:1\"\n[destination.tls]\nca_file = \"/nonexistent/ca.pem\"\n",
        );
        assert!(
            e.starts_with("destination[1].tls.ca_file") && e.contains("/nonexistent/ca.pem"),
            "{e}"
        );
        let e = err("[[destination]]\nname = \"b\"\nmode = \"tls\"\naddress = \"h:1\"\n");
        assert!(e.starts_with("destination[0].tls.ca_file"), "{e}");
        let e = err(
            "[[destination]]\nname = \"a\"\nmode = \"udp\"\naddress = \"h:1\"\nframing = \"lf\"\n",
        );
        assert!(e.starts_with("destination[0].framing"), "{e}");
        let e = err(
            "[[destination]]\nname = \"a\"\nmode = \"udp\"\naddress = \"h:1\"\nfacility = 24\n",
        );
        assert!(e.starts_with("destination[0].facility"), "{e}");
        let e = err(
            "[[destination]]\nname = \"a\"\nmode = \"udp\"\naddress = \"h:1\"\n\
             [[destination]]\nname = \"a\"\nmode = \"udp\"\naddress = \"h:2\"\n",
        );
        assert!(e.starts_with("destination[1].name"), "{e}");
        let e = err(
            "[[destination]]\nname = \"a\"\nmode = \"udp\"\naddress = \"h:1\"\nseverity_map = { high = 9 }\n",
        );
        assert!(e.starts_with("destination[0].severity_map.high"), "{e}");
        let e = err("[[destination]]\nname = \"a\"\nmode = \"tcp\"\naddres = \"h:1\"\n");
        assert!(e.contains("addres"), "{e}");
    }
}
