//! `cybriq token issue-code|list|revoke --config FILE …`: API tokens (reference section 6).
//!
//! `issue-code` mints a single-use issue code (`ic_…`, valid 24 h) that an integration
//! exchanges at `POST /api/v1/auth/token` for its bearer token; the code is printed once and
//! stored only hashed. Exit codes: 0 done, 1 nothing to revoke, 2 bad arguments or store.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::api::Clock;
use crate::api::auth::{IssueRequest, Scope, TokenStore, parse_net};
use crate::config::{Config, parse_duration_secs};
use crate::store::query::rfc3339_secs;

/// Arguments of `cybriq token`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Mint a single-use issue code (valid 24 h) for one integration.
    IssueCode(IssueArgs),
    /// List tokens (never their secrets).
    List(ListArgs),
    /// Revoke a token at once.
    Revoke(RevokeArgs),
}

#[derive(Debug, clap::Args)]
struct IssueArgs {
    /// The sensor configuration (its `sensor.data_dir` holds the tokens).
    #[arg(long)]
    config: PathBuf,
    /// Scopes: events:read, inventory:read, events:write, soar-action, compliance:read.
    #[arg(long, required = true, num_args = 1.., value_delimiter = ',')]
    scope: Vec<String>,
    /// Source networks allowed (CIDR or address); mandatory for events:write and soar-action.
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    allow: Vec<String>,
    /// Lifetime of the token (`90d`, `12h`); `api.token_expiry` by default.
    #[arg(long)]
    expires: Option<String>,
    /// Name of the integration (shown by `token list` and in logs).
    #[arg(long)]
    name: Option<String>,
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    /// The sensor configuration.
    #[arg(long)]
    config: PathBuf,
}

#[derive(Debug, clap::Args)]
struct RevokeArgs {
    /// The sensor configuration.
    #[arg(long)]
    config: PathBuf,
    /// The token's id (`tok_…`, from `token list`).
    id: String,
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("cybriq: error: {msg}");
    ExitCode::from(2)
}

fn open(config: &std::path::Path) -> Result<(Config, TokenStore), String> {
    let cfg = Config::load(config).map_err(|e| e.to_string())?;
    let store = TokenStore::open(&cfg.sensor.data_dir).map_err(|e| e.to_string())?;
    Ok((cfg, store))
}

/// Runs `cybriq token`.
pub fn run(args: Args) -> ExitCode {
    super::init_tracing_quiet();
    match args.command {
        Command::IssueCode(a) => issue(a),
        Command::List(a) => list(a),
        Command::Revoke(a) => revoke(a),
    }
}

fn issue(a: IssueArgs) -> ExitCode {
    let (cfg, store) = match open(&a.config) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let mut scope = Vec::new();
    for s in &a.scope {
        match s.trim().parse::<Scope>() {
            Ok(x) => scope.push(x),
            Err(e) => return fail(format!("--scope: {e}")),
        }
    }
    let mut ip_allowlist = Vec::new();
    for n in &a.allow {
        match parse_net(n) {
            Ok(x) => ip_allowlist.push(x),
            Err(e) => return fail(format!("--allow: {e}")),
        }
    }
    let expires = a.expires.unwrap_or_else(|| cfg.api.token_expiry.clone());
    let Some(token_lifetime_secs) = parse_duration_secs(&expires).filter(|s| *s > 0) else {
        return fail(format!(
            "--expires: {expires:?} is not a duration (`90d`, `12h`)"
        ));
    };
    let req = IssueRequest {
        scope,
        ip_allowlist,
        token_lifetime_secs,
        name: a.name,
    };
    match store.issue_code(Clock::default().now(), &req) {
        Ok(code) => {
            println!("{}", code.code);
            eprintln!(
                "Issue code valid until {} (single use). Exchange it with POST /api/v1/auth/token.",
                rfc3339_secs(code.expires_at)
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("--{e}")),
    }
}

fn list(a: ListArgs) -> ExitCode {
    let (_, store) = match open(&a.config) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let now = Clock::default().now();
    let tokens = match store.list() {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    println!(
        "{:<21} {:<16} {:<9} {:<21} {:<40} ALLOW",
        "ID", "NAME", "STATE", "EXPIRES", "SCOPE"
    );
    for t in tokens {
        let state = if t.revoked_at.is_some() {
            "revoked"
        } else if t.expires_at <= now {
            "expired"
        } else if t.successor.is_some() {
            "rotated"
        } else {
            "active"
        };
        let scope: Vec<&str> = t.scope.iter().map(|s| s.as_str()).collect();
        let allow: Vec<String> = t.ip_allowlist.iter().map(|n| n.to_string()).collect();
        println!(
            "{:<21} {:<16} {:<9} {:<21} {:<40} {}",
            t.id,
            t.name.as_deref().unwrap_or("-"),
            state,
            rfc3339_secs(t.expires_at),
            scope.join(","),
            if allow.is_empty() {
                "any".to_owned()
            } else {
                allow.join(",")
            }
        );
    }
    ExitCode::SUCCESS
}

fn revoke(a: RevokeArgs) -> ExitCode {
    let (_, store) = match open(&a.config) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    match store.revoke(Clock::default().now(), &a.id) {
        Ok(true) => {
            eprintln!("Revoked {}.", a.id);
            ExitCode::SUCCESS
        }
        Ok(false) => {
            eprintln!("cybriq: no active token {}", a.id);
            ExitCode::from(1)
        }
        Err(e) => fail(e),
    }
}
