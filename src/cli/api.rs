//! `cybriq api fingerprint --config FILE`: the SHA-256 fingerprint of the API's certificate
//! (the configured one, or the self-signed one in the data directory, generated now if the
//! sensor has not started yet), for clients that pin it.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;

/// Arguments of `cybriq api`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print the SHA-256 fingerprint of the API's TLS certificate.
    Fingerprint {
        /// The sensor configuration.
        #[arg(long)]
        config: PathBuf,
    },
}

/// Runs `cybriq api`.
pub fn run(args: Args) -> ExitCode {
    super::init_tracing_quiet();
    let Command::Fingerprint { config } = args.command;
    let result = Config::load(&config)
        .map_err(|e| e.to_string())
        .and_then(|cfg| {
            let params = cfg.api.params().map_err(|e| e.to_string())?;
            let host = if cfg.sensor.hostname.is_empty() {
                crate::emit::system_hostname()
            } else {
                cfg.sensor.hostname.clone()
            };
            let src = crate::api::tls_source(&params, &cfg.sensor.data_dir, &host);
            crate::api::tls::source_fingerprint(&src).map_err(|e| e.to_string())
        });
    match result {
        Ok(fp) => {
            println!("SHA256 Fingerprint={fp}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cybriq: error: {e}");
            ExitCode::from(2)
        }
    }
}
