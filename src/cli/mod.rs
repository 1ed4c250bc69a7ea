//! The `cybriq` command line: argument definitions and one runner per subcommand.
//!
//! `main.rs` only calls [`main`]. Each subcommand lives in its own file, takes its parsed
//! arguments and returns the process exit code; the work itself is done by the library modules.

mod api;
mod assets;
mod config;
mod decode;
mod demo;
mod poll;
mod refdb;
mod replay;
mod run;
mod syslog_test;
mod token;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Switch-port device-fingerprint sensor.
#[derive(Debug, Parser)]
#[command(name = "cybriq", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode the control-plane frames (LLDP, CDP, EDP, FDP, DHCP, DHCPv6, ARP, EAPOL, STP,
    /// mDNS, SSDP) of pcap/pcapng files: one line, or one JSON object, per frame.
    Decode(decode::Args),
    /// Enqueue sample events of every type (or --count N) into the outbox and deliver them to
    /// every configured syslog destination; exits when all are delivered.
    SyslogTest(syslog_test::Args),
    /// Reference database: import the OUI registry and fingerprint databases, look devices up.
    Refdb(refdb::Args),
    /// Poll switches over SNMP once (interfaces, forwarding tables, LLDP/CDP neighbors, PoE,
    /// 802.1X) and print each switch's port table.
    Poll(Box<poll::Args>),
    /// Run the sensor: capture on the SPAN interfaces, poll the switches, attribute, build
    /// DNAs, raise events, store and emit them (until SIGTERM; SIGHUP reloads).
    Run(run::Args),
    /// The sensor pipeline on capture files, with capture time as the clock: prints the
    /// events and a per-port summary.
    Replay(Box<replay::Args>),
    /// The appliance on its embedded defaults: replays a bundled site scenario through the
    /// pipeline (SQLite in a temporary directory) and prints its events and port summary.
    Demo(demo::Args),
    /// API tokens: mint single-use issue codes, list and revoke tokens.
    Token(token::Args),
    /// The REST API: print its certificate's SHA-256 fingerprint.
    Api(api::Args),
    /// Configuration files: check one, naming every problem by its key path.
    Config(config::Args),
    /// Write the man pages and shell completions (for packaging).
    #[command(hide = true)]
    GenerateAssets(assets::Args),
}

/// The command line's definition, with the build's version line (`-V`) and the long one
/// (`--version`: git revision and built-in reference-database digest).
pub(crate) fn command() -> clap::Command {
    let (short, long) = versions();
    Cli::command().version(short).long_version(long)
}

/// `(-V, --version)` texts; computed once per process (leaked: clap keeps `&'static str`).
fn versions() -> (&'static str, &'static str) {
    static TEXTS: std::sync::OnceLock<(&'static str, &'static str)> = std::sync::OnceLock::new();
    *TEXTS.get_or_init(|| {
        let (short, long) = version_texts(
            env!("CARGO_PKG_VERSION"),
            env!("CYBRIQ_GIT_REVISION"),
            &crate::refdb::digest(crate::refdb::RefDb::builtin_files()),
        );
        (short.leak(), long.leak())
    })
}

/// The version lines of a build: `0.1.0 (git 0123abcd4567)` and the long form, which adds the
/// built-in reference database's digest (the one `refdb` commands and events report).
fn version_texts(pkg: &str, git: &str, refdb: &str) -> (String, String) {
    let short = format!("{pkg} (git {git})");
    let long = format!("{pkg}\ngit revision: {git}\nreference database (built in): {refdb}");
    (short, long)
}

/// Parses the command line and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = match command().try_get_matches() {
        Ok(m) => Cli::from_arg_matches(&m).unwrap_or_else(|e| e.exit()),
        Err(e) => e.exit(),
    };
    match cli.command {
        Command::Decode(a) => decode::run(a),
        Command::SyslogTest(a) => syslog_test::run(a),
        Command::Refdb(a) => refdb::run(a),
        Command::Poll(a) => poll::run(*a),
        Command::Run(a) => run::run(a),
        Command::Replay(a) => replay::run(*a),
        Command::Demo(a) => demo::run(a),
        Command::Token(a) => token::run(a),
        Command::Api(a) => api::run(a),
        Command::Config(a) => config::run(a),
        Command::GenerateAssets(a) => assets::run(a),
    }
}

/// Like [`init_tracing`] but at `warn` unless `RUST_LOG` says otherwise (batch commands whose
/// stdout is the product).
pub(crate) fn init_tracing_quiet() {
    if std::env::var_os("RUST_LOG").is_none() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init();
    } else {
        init_tracing();
    }
}

/// Logs to stderr through `tracing` (level from `RUST_LOG`, default `info`); once per process.
pub(crate) fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_names_the_revision_and_the_long_one_the_reference_database() {
        let (short, long) = version_texts("0.1.0", "0123abcd4567", "blake3:00ff");
        assert_eq!(short, "0.1.0 (git 0123abcd4567)");
        assert_eq!(
            long,
            "0.1.0\ngit revision: 0123abcd4567\nreference database (built in): blake3:00ff"
        );
        let (_, built) = versions();
        let digest = crate::refdb::RefDb::builtin().unwrap().digest;
        assert!(built.ends_with(&digest), "{built} vs {digest}");
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        command().debug_assert();
    }
}
