//! `cybriq config check`: every problem of a configuration, each named by its key path.
//!
//! [`Config::validate`] stops at the first problem (the daemon refuses the file either way).
//! [`check`] runs the same validators so that one bad entry does not hide the next: every
//! section on its own, every element of an array of tables on its own (its problems keep their
//! own index: `switch[3].address`), then each whole list again for what involves several
//! entries (duplicate names). Then what the daemon builds from the file: SNMP secrets
//! resolved (`{ file = … }`, `{ env = … }`), the reference database and firmware profiles loaded,
//! the API's parameters. TOML and unknown-key errors stop the check: serde reads no further.

use super::{Config, ConfigError, capture, change_window, destination, port_profile, switch};

/// A problem: the key path (`switch[1].auth_key`; the file for a parse error) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key path with array indices, or the file name when the file does not parse.
    pub key: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl Problem {
    fn from_error(e: &ConfigError) -> Problem {
        match e {
            ConfigError::Invalid { key, message } | ConfigError::Secret { key, message } => {
                Problem {
                    key: key.clone(),
                    message: message.clone(),
                }
            }
            ConfigError::Parse {
                origin,
                line,
                column,
                message,
            } => Problem {
                key: format!("{origin}:{line}:{column}"),
                message: message.trim().to_owned(),
            },
            ConfigError::Io { path, source } => Problem {
                key: path.display().to_string(),
                message: source.to_string(),
            },
        }
    }
}

/// Every problem of the configuration text `text` (from `origin`); empty when the daemon would
/// accept and start with it (captures and destinations are not opened).
pub fn check(text: &str, origin: &str) -> Vec<Problem> {
    let cfg: Config = match toml::from_str(text) {
        Ok(c) => c,
        Err(e) => return vec![Problem::from_error(&ConfigError::parse(origin, text, &e))],
    };
    let mut found = Found::default();
    validators(&cfg, &mut found);
    builds(&cfg, &mut found);
    found.0
}

/// Problems in the order found, each once.
#[derive(Default)]
struct Found(Vec<Problem>);

impl Found {
    fn add(&mut self, r: Result<(), ConfigError>) {
        if let Err(e) = r {
            self.push(Problem::from_error(&e));
        }
    }

    fn push(&mut self, p: Problem) {
        if !self.0.contains(&p) {
            self.0.push(p);
        }
    }

    /// Runs a list validator on each element alone, then on the elements that passed alone
    /// together (what involves several: duplicates); each problem keeps its element's index.
    fn each<T: Clone>(
        &mut self,
        name: &str,
        list: &[T],
        validate: impl Fn(&[T]) -> Result<(), ConfigError>,
    ) {
        let mut valid = Vec::new();
        for (i, item) in list.iter().enumerate() {
            match validate(std::slice::from_ref(item)) {
                Ok(()) => valid.push(i),
                Err(e) => self.push(reindexed(Problem::from_error(&e), name, &[i])),
            }
        }
        let together: Vec<T> = valid.iter().map(|&i| list[i].clone()).collect();
        if let Err(e) = validate(&together) {
            self.push(reindexed(Problem::from_error(&e), name, &valid));
        }
    }
}

/// `p` with the index of `name[j]` at the start of its key replaced by `index[j]` (the
/// validator saw a sub-list; the operator's file has other indices).
fn reindexed(mut p: Problem, name: &str, index: &[usize]) -> Problem {
    let Some(rest) = p.key.strip_prefix(name).and_then(|r| r.strip_prefix('[')) else {
        return p;
    };
    let Some((j, tail)) = rest.split_once(']') else {
        return p;
    };
    if let Some(&i) = j.parse::<usize>().ok().and_then(|j| index.get(j)) {
        p.key = format!("{name}[{i}]{tail}");
    }
    p
}

/// What [`Config::validate`] checks, section by section and entry by entry.
fn validators(cfg: &Config, found: &mut Found) {
    if cfg.sensor.site.trim().is_empty() {
        found.add(Err(ConfigError::invalid(
            "sensor.site",
            "must not be empty",
        )));
    }
    found.each("destination", &cfg.destination, destination::validate);
    found.add(cfg.refdb.validate());
    found.each("switch", &cfg.switch, switch::validate_all);
    found.add(cfg.dna.validate());
    found.each("capture", &cfg.capture, capture::validate_all);
    found.add(cfg.events.validate());
    found.each(
        "port_profile",
        &cfg.port_profile,
        port_profile::validate_all,
    );
    found.each(
        "change_window",
        &cfg.change_window,
        change_window::validate_windows,
    );
    found.each(
        "suppression",
        &cfg.suppression,
        change_window::validate_suppressions,
    );
    found.add(cfg.api.validate());
    found.add(cfg.retention.validate());
    found.add(cfg.metrics.validate(cfg.api.listen.as_deref()));
}

/// What the daemon builds from the configuration before it runs.
fn builds(cfg: &Config, found: &mut Found) {
    for (i, s) in cfg.switch.iter().enumerate() {
        // A switch already found invalid is not built (its build would fail the same way).
        let key = format!("switch[{i}]");
        let dotted = format!("{key}.");
        if !found.0.iter().any(|p| p.key.starts_with(&dotted)) {
            found.add(s.target(&key).map(|_| ()));
        }
    }
    if let Err(e) = cfg.refdb.load() {
        found.push(Problem {
            key: "refdb.dir".into(),
            message: e.to_string(),
        });
    }
    found.add(cfg.dna.load_profiles().map(|_| ()));
    found.add(cfg.api.params().map(|_| ()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        check(text, "t.toml").into_iter().map(|p| p.key).collect()
    }

    #[test]
    fn the_shipped_example_has_no_problem_but_the_files_and_variables_it_names() {
        let text = include_str!("../../deploy/sensor.example.toml");
        let problems = check(text, "sensor.example.toml");
        // The example names a CA file, SNMPv3 key files and an environment variable this
        // machine does not have: each is reported by its key, and nothing else.
        for p in &problems {
            assert!(
                p.key.ends_with("_file") || p.key.ends_with("_key") || p.key.ends_with("community"),
                "{p}"
            );
        }
        let k: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert!(k.contains(&"destination[0].tls.ca_file"), "{k:?}");
        assert!(k.contains(&"switch[0].community"), "{k:?}");
    }

    #[test]
    fn every_bad_entry_is_named_not_only_the_first() {
        let text = r#"
[sensor]
site = " "

[[switch]]
name = "a"
address = "10.0.0.1"
community = "x"

[[switch]]
name = "b"
address = "10.0.0.2"
community = "x"
poll_interval_secs = 1

[[switch]]
name = "c"
address = "10.0.0.3"
community = "x"
retries = 99

[[switch]]
name = "a"
address = "10.0.0.4"
community = "x"

[[destination]]
name = "bad name"
mode = "udp"
address = "siem:514"

[[destination]]
name = "ok"
mode = "udp"
address = "nowhere"
"#;
        let k = keys(text);
        assert!(k.contains(&"sensor.site".to_owned()), "{k:?}");
        for key in [
            "switch[1].poll_interval_secs",
            "switch[2].retries",
            "switch[3].name",
        ] {
            assert!(k.contains(&key.to_owned()), "{key}: {k:?}");
        }
        assert!(!k.iter().any(|k| k.starts_with("switch[0].")), "{k:?}");
        assert!(k.contains(&"destination[0].name".to_owned()), "{k:?}");
        assert!(k.contains(&"destination[1].address".to_owned()), "{k:?}");
    }

    #[test]
    fn a_parse_error_names_the_file_line_and_key() {
        let p = check("[sensor]\nsite = \"a\"\nsiet = \"b\"\n", "x.toml");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].key, "x.toml:3:1");
        assert!(p[0].message.contains("siet"), "{}", p[0]);
    }

    #[test]
    fn keys_are_reindexed_to_the_file() {
        let p = |k: &str| Problem {
            key: k.into(),
            message: String::new(),
        };
        assert_eq!(
            reindexed(p("switch[1].name"), "switch", &[0, 2]).key,
            "switch[2].name"
        );
        assert_eq!(reindexed(p("switch[0]"), "switch", &[5]).key, "switch[5]");
        assert_eq!(
            reindexed(p("sensor.site"), "switch", &[5]).key,
            "sensor.site"
        );
    }

    #[test]
    fn a_valid_file_has_no_problem() {
        assert!(check("[sensor]\nsite = \"a\"\n", "t").is_empty());
    }

    #[test]
    fn a_missing_secret_is_named_once_the_rest_is_valid() {
        let text = "[[switch]]\nname = \"a\"\naddress = \"10.0.0.1\"\n\
                    community = { env = \"CYBRIQ_TEST_NO_SUCH_VARIABLE_9\" }\n";
        assert_eq!(keys(text), vec!["switch[0].community".to_owned()]);
    }
}
