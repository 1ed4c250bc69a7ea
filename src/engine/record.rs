//! Port records: what the store persists so the engine resumes with the same residents,
//! baselines (every mode), presence patterns, hold-downs and flap state after a restart.
//!
//! `state` (JSON, written whenever the port changed) holds [`PortData`]; `baseline_meta`
//! (JSON, written only when a baseline of the port changed) holds every resident's modes with
//! their vectors. The `baseline` BLOB column of format 2 (one baseline per port) is no longer
//! written. A record whose DNA parameters (dimension, weights) differ from the engine's
//! resumes with its residents but without their baselines: they re-learn quietly.

use serde::{Deserialize, Serialize};

use super::port::{PortData, PortState};
use super::{Engine, profile_for};
use crate::attribution::PortRef;
use crate::dna::{Baseline, BaselineState};
use crate::wire::MacAddr;

/// One port's persisted state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortRecord {
    /// Switch.
    pub switch: String,
    /// Interface.
    pub port: String,
    /// Format 2's single baseline vector (read for compatibility, not written).
    pub baseline: Option<Vec<f32>>,
    /// Every resident's baselines (JSON). From `take_dirty`: only when a baseline changed
    /// since the port's last record (`None`: unchanged).
    pub baseline_meta: Option<String>,
    /// Everything else the engine needs to resume (JSON).
    pub state: String,
}

/// The JSON of [`PortRecord::state`] (format 3).
#[derive(Debug, Clone, Deserialize)]
struct Saved {
    /// Record format version.
    v: u32,
    data: PortData,
    /// Digest of the DNA parameters the baselines were learned with.
    #[serde(default)]
    dna: u64,
}

/// [`Saved`] borrowed, for writing.
#[derive(Serialize)]
struct SavedRef<'a> {
    v: u32,
    data: &'a PortData,
    dna: u64,
}

/// The JSON of [`PortRecord::baseline_meta`] (format 3).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Baselines {
    v: u32,
    /// Digest of the DNA parameters.
    dna: u64,
    /// Per resident, its modes.
    residents: Vec<(MacAddr, Vec<BaselineState>)>,
}

const FORMAT: u32 = 3;

impl Engine {
    /// The records of the ports changed since the last call.
    pub fn take_dirty(&mut self) -> Vec<PortRecord> {
        let dirty = std::mem::take(&mut self.dirty);
        let mut out = Vec::with_capacity(dirty.len());
        for idx in dirty {
            // None: taken already by `take_dirty_of` (and maybe listed again since).
            if let Some(r) = take_record(&mut self.ports[idx as usize], self.dna_digest) {
                out.push(r);
            }
        }
        out
    }

    /// The records of at most `max` of the ports changed since the last call (the others stay
    /// changed, for the next call): the pipeline streams 50,000 changed ports to the store in
    /// chunks instead of holding all their records at once. Call until it returns nothing.
    pub fn take_dirty_some(&mut self, max: usize) -> Vec<PortRecord> {
        let mut out = Vec::with_capacity(max.min(self.dirty.len()));
        while out.len() < max {
            let Some(idx) = self.dirty.pop() else { break };
            if let Some(r) = take_record(&mut self.ports[idx as usize], self.dna_digest) {
                out.push(r);
            }
        }
        out
    }

    /// The records of the ports `(switch, interface)` among `ports` that changed since their
    /// last record, clearing their mark (the other changed ports stay for the next
    /// [`take_dirty`](Self::take_dirty)). The pipeline commits them in the same transaction as
    /// the events those ports raised, so that after a `kill -9` a port's state and the events
    /// it raised are both stored or both not. Cost: one lookup per port asked for.
    pub fn take_dirty_of<'a>(
        &mut self,
        ports: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<PortRecord> {
        let mut out = Vec::new();
        for (switch, name) in ports {
            let Some(&idx) = self.switches.get(switch).and_then(|s| s.ports.get(name)) else {
                continue;
            };
            if let Some(r) = take_record(&mut self.ports[idx as usize], self.dna_digest) {
                out.push(r);
            }
        }
        out
    }

    /// Restores ports from their records (after a restart, before any sighting). Records that
    /// do not parse, or of an older format, are skipped (the port starts afresh); ports whose
    /// controls differ from the current profiles raise `compliance-control-drift` at the first
    /// `tick`.
    pub fn restore(&mut self, records: Vec<PortRecord>) {
        for r in records {
            let Ok(saved) = serde_json::from_str::<Saved>(&r.state) else {
                continue;
            };
            if saved.v < FORMAT {
                continue;
            }
            let same_dna = saved.dna == self.dna_digest;
            let baselines = r
                .baseline_meta
                .as_deref()
                .and_then(|m| serde_json::from_str::<Baselines>(m).ok())
                .filter(|b| b.dna == self.dna_digest && same_dna);
            let pr = PortRef {
                switch: r.switch,
                port: r.port,
            };
            let idx = self.port_index(&pr);
            let params = self.baseline;
            let p = &mut self.ports[idx as usize];
            p.profile = profile_for(&self.profiles, &pr);
            p.d = saved.data;
            if let Some(t) = p.d.last_activity
                && t > self.now
            {
                self.now = t;
            }
            if let Some(b) = baselines {
                for (mac, modes) in b.residents {
                    if let Some(res) = p.d.residents.iter_mut().find(|x| x.mac == mac) {
                        res.modes = modes
                            .into_iter()
                            .filter_map(|s| Baseline::from_state(s, params))
                            .collect();
                    }
                }
            }
            // Residents that left keep no baseline they cannot be compared by.
            if !same_dna {
                p.d.residents.retain(|x| !x.departed);
                p.baseline_version += 1;
            }
            // A resident whose judgement was waiting for its DNA is judged again on its next
            // sighting (the DNA is not persisted).
            for x in p.d.residents.iter_mut() {
                x.deviant_since = None;
            }
            p.dirty = !same_dna;
            p.recorded_baseline = if same_dna {
                Some(p.baseline_version)
            } else {
                None
            };
            let macs: Vec<MacAddr> = p.d.residents.iter().map(|x| x.mac).collect();
            for m in macs {
                let v = self.locations.entry(m).or_default();
                if !v.contains(&idx) {
                    v.push(idx);
                }
            }
            // Evaluate at the first tick (controls may have changed with the configuration).
            let p = &mut self.ports[idx as usize];
            p.scheduled = Some(i64::MIN);
            self.heap.push(std::cmp::Reverse((i64::MIN, idx)));
        }
        self.moves_dirty = true;
        self.dirty.retain(|&i| self.ports[i as usize].dirty);
        self.resume_pending = true;
    }
}

/// The port's record if it changed since the last one, clearing its mark (the baselines go
/// with it when they changed since they were last recorded).
fn take_record(p: &mut PortState, digest: u64) -> Option<PortRecord> {
    if !p.dirty {
        return None;
    }
    p.dirty = false;
    let with_baseline = p.recorded_baseline != Some(p.baseline_version);
    p.recorded_baseline = Some(p.baseline_version);
    Some(record(p, with_baseline, digest))
}

fn record(p: &PortState, with_baseline: bool, digest: u64) -> PortRecord {
    let baseline_meta = with_baseline.then(|| {
        let b = Baselines {
            v: FORMAT,
            dna: digest,
            residents: p
                .d
                .residents
                .iter()
                .filter(|r| !r.modes.is_empty())
                .map(|r| (r.mac, r.modes.iter().map(Baseline::state).collect()))
                .collect(),
        };
        serde_json::to_string(&b).unwrap_or_default()
    });
    let saved = SavedRef {
        v: FORMAT,
        data: &p.d,
        dna: digest,
    };
    PortRecord {
        switch: p.port.switch.clone(),
        port: p.port.port.clone(),
        baseline: None,
        baseline_meta,
        state: serde_json::to_string(&saved).unwrap_or_default(),
    }
}
