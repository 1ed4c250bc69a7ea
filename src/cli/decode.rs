//! `cybriq decode FILE... [--json]`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::decode::{self, Format};

/// Arguments of `cybriq decode`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Capture files (pcap or pcapng).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// One JSON object per decoded frame instead of a readable line.
    #[arg(long)]
    json: bool,
}

/// Exit 0 when every file was read (anomalies or not), 2 when a file was not a readable capture,
/// 1 when the output could not be written.
pub fn run(args: Args) -> ExitCode {
    let format = if args.json {
        Format::Json
    } else {
        Format::Text
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut code = ExitCode::SUCCESS;
    for path in &args.files {
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
