//! `cybriq config check FILE`: every problem of a configuration file, one line each
//! (`key.path: what is wrong`), exit status 1 if there is any (see [`crate::config::check`]).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `cybriq config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check a sensor configuration: print every problem with its key path (exit status 1 if
    /// any, 2 if the file cannot be read); secrets, reference data and firmware profiles are
    /// resolved as `cybriq run` would.
    Check {
        /// The configuration file (TOML).
        file: PathBuf,
    },
}

/// Runs `cybriq config`.
pub fn run(args: Args) -> ExitCode {
    super::init_tracing_quiet();
    let Command::Check { file } = args.command;
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cybriq: error: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let problems = crate::config::check::check(&text, &file.to_string_lossy());
    for p in &problems {
        println!("{p}");
    }
    if problems.is_empty() {
        eprintln!("{}: ok", file.display());
        ExitCode::SUCCESS
    } else {
        eprintln!("{}: {} problem(s)", file.display(), problems.len());
        ExitCode::from(1)
    }
}
