//! The wire layer: pure parsers for the control-plane frames the sensor reads.
//!
//! Contract:
//! - No I/O, no allocation beyond the decoded representation, no logging, no panics on any input,
//!   and no loops that do not consume input.
//! - Each protocol module follows the smoltcp pattern: a checked zero-copy `Packet` view, a
//!   decoded `Repr<'a>` borrowing from the frame with `parse`, `buffer_len` and `emit`, and a
//!   module-level `decode(buf, &mut anomalies) -> Result<Repr>` that keeps what parsed and records
//!   what was wrong. `decode` returns `Err` only when nothing of the message could be decoded.
//! - Code enums keep unknown values (`Unknown(n)`); an unknown code is never an error.
//! - `Repr` serialises (serde) to the JSON keys of `cybriq decode --json` and displays as a
//!   one-line summary.
//! - [`frame::decode`] is the entry point from link-layer bytes.

pub mod bytes;
pub mod error;
pub mod ethernet;
pub mod frame;
pub mod fuzzing;
pub mod link;
pub mod text;

pub mod arp;
pub mod cdp;
pub mod dhcpv4;
pub mod dhcpv6;
pub mod eapol;
pub mod edp;
pub mod fdp;
pub mod lldp;
pub mod mdns;
pub mod ssdp;
pub mod stp;

pub use error::{Anomalies, Error, Result};
pub use frame::{Frame, IpMeta, Payload, Proto};
pub use link::LinkType;
pub use text::{Hex, MacAddr, Text};
