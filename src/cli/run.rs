//! `cybriq run --config FILE`: the appliance daemon (see [`crate::pipeline::daemon`]).

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The sensor configuration (TOML; see deploy/sensor.example.toml).
    #[arg(long)]
    config: PathBuf,
}

/// Exit status of a configuration the sensor cannot start with (`EX_CONFIG`, sysexits.h); the
/// unit's `RestartPreventExitStatus=78` keeps systemd from restarting it until it is fixed.
pub const EXIT_CONFIG: u8 = 78;

/// Exit 0 after a clean stop, 78 when the configuration (or a file or directory it names) is
/// unusable, 2 on any other failure to start (a capture interface, the API socket).
pub fn run(args: Args) -> ExitCode {
    super::init_tracing();
    match crate::pipeline::daemon::run(&args.config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "The sensor could not run.");
            eprintln!("cybriq: error: {e}");
            ExitCode::from(if e.is_config() { EXIT_CONFIG } else { 2 })
        }
    }
}
