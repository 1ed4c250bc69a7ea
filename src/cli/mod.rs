//! The `cybriq` command line: argument definitions and one runner per subcommand.
//!
//! `main.rs` only calls [`main`]. Each subcommand lives in its own file, takes its parsed
//! arguments and returns the process exit code; the work itself is done by the library modules.

mod decode;
mod poll;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Switch-port device-fingerprint sensor.
#[derive(Debug, Parser)]
#[command(name = "cybriq", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode the control-plane frames (LLDP, CDP, EDP, FDP, DHCP, DHCPv6, ARP, EAPOL, STP) of
    /// pcap/pcapng files: one line, or one JSON object, per frame.
    Decode(decode::Args),
    /// Poll switches over SNMP once (interfaces, forwarding tables, LLDP/CDP neighbors, PoE,
    /// 802.1X) and print each switch's port table.
    Poll(Box<poll::Args>),
}

/// Parses the command line and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Decode(a) => decode::run(a),
        Command::Poll(a) => poll::run(*a),
    }
}
