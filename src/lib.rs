//! cybriq: a switch-port device-fingerprint sensor.
//!
//! One appliance per site listens on a switch SPAN port for the control-plane frames that
//! identify devices (LLDP, CDP, EDP, FDP, DHCPv4/v6, ARP, EAPOL, STP), polls the switches over
//! SNMP, builds a Device DNA per switch port, and raises drift events to the SOC's SIEM.
//!
//! Modules, in data-flow order: [`capture`] (libpcap) → [`wire`] (pure parsers) → [`observe`]
//! (per-frame device facts); [`snmp`] (port tables from the switches); [`dna`] (Device DNA from a
//! device's observations) scored by [`score`] (SIMD kernels), identity from [`refdb`];
//! → [`event`] (the twelve drift events) → [`emit`] (RFC 5424 / CEF to every destination through
//! the [`store`]'s durable outbox). [`decode`] is the `cybriq decode`
//! output, [`config`] the TOML configuration, [`clock`] gives every stage its time.

pub mod api;
pub mod attribution;
pub mod capture;
pub mod cli;
pub mod clock;
pub mod config;
pub mod decode;
pub mod dna;
pub mod emit;
pub mod engine;
pub mod event;
pub mod integrations;
pub mod observe;
pub mod pipeline;
pub mod refdb;
pub mod score;
pub mod snmp;
pub mod store;
pub mod telemetry;
pub mod wire;
