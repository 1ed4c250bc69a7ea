//! `cybriq run --config FILE`: the appliance daemon (see [`crate::pipeline::daemon`]).

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The sensor configuration (TOML; see deploy/sensor.example.toml).
    #[arg(long)]
    config: PathBuf,
}

pub fn run(args: Args) -> ExitCode {
    super::init_tracing();
    match crate::pipeline::daemon::run(&args.config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "The sensor could not run.");
            eprintln!("cybriq: error: {e}");
            ExitCode::from(2)
        }
    }
}
