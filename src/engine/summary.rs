//! Port summaries (the inventory view of the engine).

use serde::Serialize;

use super::Engine;
use crate::clock::Timestamp;
use crate::dna::DnaId;
use crate::wire::MacAddr;

/// One port as the inventory shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortSummary {
    /// Switch.
    pub switch: String,
    /// Interface.
    pub port: String,
    /// MAC of its (longest-present) resident (also after it departed).
    pub mac: Option<MacAddr>,
    /// Resolved vendor.
    pub vendor: Option<String>,
    /// Resolved class.
    pub class: Option<String>,
    /// Identity confidence.
    pub confidence: Option<f32>,
    /// The resident's DNA.
    pub dna: Option<DnaId>,
    /// The resident's (first) baseline.
    pub baseline: Option<DnaId>,
    /// The resident's similarity to its baseline.
    pub similarity: Option<f32>,
    /// `occupied`, `learning` (baseline still learning), `substituted`, `departed`, `dark`
    /// (link down or orphaned), `empty` (never carried a device) or `unreachable` (its switch
    /// does not answer SNMP).
    pub state: String,
    /// Last sighting of the resident (or last activity on the port).
    pub last_seen: Option<Timestamp>,
}

impl Engine {
    /// Every port, sorted by (switch, port). A port with several residents shows its
    /// longest-present one (the phone, not the PC behind it).
    pub fn ports(&self) -> Vec<PortSummary> {
        let mut v: Vec<PortSummary> = self
            .ports
            .iter()
            .map(|p| {
                let o = p.d.primary();
                let reachable = self
                    .switches
                    .get(&p.port.switch)
                    .is_none_or(|s| s.reachable);
                let state = if !reachable {
                    "unreachable"
                } else if p.d.orphaned
                    || (p.d.link_up == Some(false) && o.is_none_or(|o| o.departed))
                {
                    "dark"
                } else {
                    match o {
                        None if p.d.carried => "departed",
                        None => "empty",
                        Some(o) if o.departed => "departed",
                        Some(o) if o.band == super::Band::Substituted => "substituted",
                        Some(o)
                            if o.stage == super::port::Stage::Newcomer
                                || o.modes.first().is_some_and(|b| b.learning(self.now)) =>
                        {
                            "learning"
                        }
                        Some(_) => "occupied",
                    }
                };
                PortSummary {
                    switch: p.port.switch.clone(),
                    port: p.port.port.clone(),
                    mac: o.map(|o| o.mac),
                    vendor: o.and_then(|o| o.vendor.clone()),
                    class: o.map(|o| o.class.as_str().to_owned()),
                    confidence: o.map(|o| o.confidence as f32),
                    dna: o.map(|o| o.dna.clone()),
                    baseline: o.and_then(|o| o.baseline_id()),
                    similarity: o.and_then(|o| o.similarity),
                    state: state.to_owned(),
                    last_seen: o.map(|o| o.last_seen).or(p.d.last_activity),
                }
            })
            .collect();
        v.sort_by(|a, b| (&a.switch, &a.port).cmp(&(&b.switch, &b.port)));
        v
    }
}
