//! cybriq: a switch-port device-fingerprint sensor.
//!
//! One appliance per site listens on a switch SPAN port for the control-plane frames that
//! identify devices (LLDP, CDP, EDP, FDP, DHCPv4/v6, ARP, EAPOL, STP), polls the switches over
//! SNMP, builds a Device DNA per switch port, and raises drift events to the SOC's SIEM.
//!
//! Modules, in data-flow order: [`capture`] (libpcap) → [`wire`] (pure parsers) → [`decode`]
//! (the `cybriq decode` output). [`clock`] gives every stage its time.

pub mod capture;
pub mod cli;
pub mod clock;
pub mod config;
pub mod decode;
pub mod dna;
pub mod observe;
pub mod score;
pub mod wire;
