//! One readable line per decoded frame:
//! `#12 2026-05-10T17:08:12.482113Z 00:1b:54:aa:bb:cc > 01:80:c2:00:00:0e vlan 10 LLDP <summary> [anomalies: …]`.

use core::fmt;

use crate::clock::Timestamp;
use crate::wire::{Frame, Payload};

/// A frame being formatted as a line.
#[derive(Debug)]
pub struct Line<'f, 'a> {
    /// 1-based index in the file.
    pub index: u64,
    /// Capture time.
    pub ts: Timestamp,
    /// The frame.
    pub frame: &'f Frame<'a>,
}

fn opt<T: fmt::Display>(f: &mut fmt::Formatter<'_>, r: &Option<T>) -> fmt::Result {
    match r {
        Some(r) => write!(f, " {r}"),
        None => f.write_str(" (undecodable)"),
    }
}

impl fmt::Display for Line<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fr = self.frame;
        write!(f, "#{} {}", self.index, self.ts.rfc3339_micros())?;
        match fr.src_mac {
            Some(m) => write!(f, " {m}")?,
            None => f.write_str(" ?")?,
        }
        if let Some(m) = fr.dst_mac {
            write!(f, " > {m}")?;
        }
        for v in fr.vlans.as_slice() {
            write!(f, " vlan {v}")?;
        }
        if let Some(ip) = fr.ip {
            write!(
                f,
                " {}.{} > {}.{} ttl {}",
                ip.src, ip.src_port, ip.dst, ip.dst_port, ip.ttl
            )?;
        }
        let name = fr.payload.proto().map(|p| p.name()).unwrap_or("other");
        write!(f, " {}", name.to_ascii_uppercase())?;
        match &fr.payload {
            Payload::Lldp(r) => opt(f, r)?,
            Payload::Cdp(r) => opt(f, r)?,
            Payload::Edp(r) => opt(f, r)?,
            Payload::Fdp(r) => opt(f, r)?,
            Payload::Dhcp(r) => opt(f, r)?,
            Payload::Dhcpv6(r) => opt(f, r)?,
            Payload::Arp(r) => opt(f, r)?,
            Payload::Eapol(r) => opt(f, r)?,
            Payload::Stp(r) => opt(f, r)?,
            Payload::Mdns(r) => opt(f, r)?,
            Payload::Ssdp(r) => opt(f, r)?,
            Payload::Other => {}
        }
        if !fr.anomalies.is_empty() {
            f.write_str(" [anomalies: ")?;
            for (i, a) in fr.anomalies.iter().enumerate() {
                if i > 0 {
                    f.write_str("; ")?;
                }
                write!(f, "{a}")?;
            }
            f.write_str("]")?;
        }
        Ok(())
    }
}
