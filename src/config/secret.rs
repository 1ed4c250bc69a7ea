//! Secrets in the configuration: SNMP communities and keys, TLS key passphrases, API keys.
//!
//! In TOML a secret is either a plain string, `{ file = "/etc/cybriq/snmp.key" }` (first line of
//! the file, trailing newline dropped), or `{ env = "CYBRIQ_SNMP_KEY" }`. `Debug` never shows the
//! value.

use std::fmt;

use serde::Deserialize;

use super::ConfigError;

/// A secret value or where to find it.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Secret {
    /// Given inline.
    Inline(String),
    /// Read from a file.
    File {
        /// Path of the file.
        file: std::path::PathBuf,
    },
    /// Read from an environment variable.
    Env {
        /// Variable name.
        env: String,
    },
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Inline(_) => f.write_str("Secret(***)"),
            Secret::File { file } => write!(f, "Secret(file {})", file.display()),
            Secret::Env { env } => write!(f, "Secret(env {env})"),
        }
    }
}

impl Secret {
    /// The secret's value; `key` names it in errors.
    pub fn resolve(&self, key: &str) -> Result<String, ConfigError> {
        match self {
            Secret::Inline(s) => Ok(s.clone()),
            Secret::File { file } => std::fs::read_to_string(file)
                .map(|s| s.lines().next().unwrap_or("").to_owned())
                .map_err(|e| ConfigError::Secret {
                    key: key.to_owned(),
                    message: format!("cannot read secret file {}: {e}", file.display()),
                }),
            Secret::Env { env } => std::env::var(env).map_err(|_| ConfigError::Secret {
                key: key.to_owned(),
                message: format!("environment variable {env} is not set"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        a: Secret,
        b: Secret,
        c: Secret,
    }

    #[test]
    fn three_forms_and_no_leak() {
        let t: T = toml::from_str(
            "a = \"public\"\nb = { env = \"CYBRIQ_TEST_NOT_SET_42\" }\nc = { file = \"/nonexistent/x\" }\n",
        )
        .unwrap();
        assert_eq!(t.a.resolve("a").unwrap(), "public");
        assert!(!format!("{:?}", t.a).contains("public"));
        let e = t.b.resolve("switch[0].community").unwrap_err().to_string();
        assert!(e.contains("switch[0].community") && e.contains("CYBRIQ_TEST_NOT_SET_42"));
        assert!(t.c.resolve("c").is_err());
    }
}
