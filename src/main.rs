//! The `cybriq` command: thin argument parsing over the library.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cybriq::decode::{self, Format};

/// Switch-port device-fingerprint sensor.
#[derive(Debug, Parser)]
#[command(name = "cybriq", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode the control-plane frames (LLDP, CDP, EDP, FDP, DHCP, DHCPv6, ARP, EAPOL, STP) of
    /// pcap/pcapng files: one line, or one JSON object, per frame.
    Decode {
        /// Capture files (pcap or pcapng).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One JSON object per decoded frame instead of a readable line.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Decode { files, json } => run_decode(&files, json),
    }
}

/// Exit 0 when every file was read (anomalies or not), 2 when a file was not a readable capture,
/// 1 when the output could not be written.
fn run_decode(files: &[PathBuf], json: bool) -> ExitCode {
    let format = if json { Format::Json } else { Format::Text };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut code = ExitCode::SUCCESS;
    for path in files {
        match decode::decode_file(path, format, &mut out) {
            Ok(summary) => {
                if let Some(e) = summary.read_error {
                    eprintln!("cybriq: warning: {e}");
                }
            }
            Err(decode::DecodeError::Capture(e)) => {
                eprintln!("cybriq: error: {e}");
                code = ExitCode::from(2);
            }
            Err(decode::DecodeError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                return code;
            }
            Err(e) => {
                eprintln!("cybriq: error: {e}");
                return ExitCode::from(1);
            }
        }
    }
    if let Err(e) = out.flush() {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("cybriq: error: writing output: {e}");
            return ExitCode::from(1);
        }
    }
    code
}
