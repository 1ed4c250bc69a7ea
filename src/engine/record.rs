//! Port records: what the store persists so the engine resumes with the same baselines and
//! state after a restart.

use serde::{Deserialize, Serialize};

use super::port::{PortData, PortState};
use super::{Engine, profile_for};
use crate::attribution::PortRef;
use crate::clock::Timestamp;
use crate::dna::{Baseline, BaselineState, WeightedToken};

/// One port's persisted state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortRecord {
    /// Switch.
    pub switch: String,
    /// Interface.
    pub port: String,
    /// The baseline vector (unnormalised mean), stored as a BLOB. From `take_dirty`: only
    /// when the baseline changed since the port's last record (`None`: unchanged).
    pub baseline: Option<Vec<f32>>,
    /// The baseline's counters and tokens (JSON), with the same rule.
    pub baseline_meta: Option<String>,
    /// Everything else the engine needs to resume (JSON).
    pub state: String,
}

/// The JSON of [`PortRecord::state`]. Version 1 carried the baseline's meta inside; version 2
/// keeps it in [`PortRecord::baseline_meta`].
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Saved {
    /// Record format version.
    v: u32,
    data: PortData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineMeta>,
}

/// [`Saved`] borrowed, for writing.
#[derive(Serialize)]
struct SavedRef<'a> {
    v: u32,
    data: &'a PortData,
}

/// The baseline besides its vector.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BaselineMeta {
    started: Timestamp,
    updated: Timestamp,
    samples: u64,
    tokens: Vec<WeightedToken>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    presence: Vec<(crate::dna::Family, f32)>,
}

impl Engine {
    /// The records of the ports changed since the last call.
    pub fn take_dirty(&mut self) -> Vec<PortRecord> {
        let dirty = std::mem::take(&mut self.dirty);
        let mut out = Vec::with_capacity(dirty.len());
        for idx in dirty {
            // None: taken already by `take_dirty_of` (and maybe listed again since).
            if let Some(r) = take_record(&mut self.ports[idx as usize]) {
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
            if let Some(r) = take_record(&mut self.ports[idx as usize]) {
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
            if let Some(r) = take_record(&mut self.ports[idx as usize]) {
                out.push(r);
            }
        }
        out
    }

    /// Restores ports from their records (after a restart, before any sighting). Records that
    /// do not parse are skipped; ports whose controls differ from the current profiles raise
    /// `compliance-control-drift` at the first `tick`.
    pub fn restore(&mut self, records: Vec<PortRecord>) {
        for r in records {
            let Ok(saved) = serde_json::from_str::<Saved>(&r.state) else {
                continue;
            };
            let meta = match r.baseline_meta.as_deref() {
                Some(m) => serde_json::from_str::<BaselineMeta>(m).ok(),
                None => saved.baseline,
            };
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
            p.dirty = false;
            // The next record writes the baseline in full (rows from before migration 3 kept it
            // inside the state).
            p.recorded_baseline = None;
            if let (Some(mean), Some(m)) = (r.baseline, meta) {
                let st = BaselineState {
                    started: m.started,
                    updated: m.updated,
                    samples: m.samples,
                    mean,
                    tokens: m.tokens,
                    presence: m.presence,
                };
                if let Some(b) = Baseline::from_state(st, params) {
                    p.set_baseline(b);
                }
            }
            // Evaluate at the first tick (controls may have changed with the configuration).
            p.scheduled = Some(i64::MIN);
            self.heap.push(std::cmp::Reverse((i64::MIN, idx)));
        }
        self.dirty.retain(|&i| self.ports[i as usize].dirty);
        self.resume_pending = true;
    }
}

/// The port's record if it changed since the last one, clearing its mark (the baseline goes
/// with it when it changed since it was last recorded).
fn take_record(p: &mut PortState) -> Option<PortRecord> {
    if !p.dirty {
        return None;
    }
    p.dirty = false;
    let with_baseline = p.recorded_baseline != Some(p.baseline_version);
    p.recorded_baseline = Some(p.baseline_version);
    Some(record(p, with_baseline))
}

fn record(p: &PortState, with_baseline: bool) -> PortRecord {
    let (baseline, baseline_meta) = match (&p.baseline, with_baseline) {
        (Some(b), true) => {
            let s = b.state();
            let meta = BaselineMeta {
                started: s.started,
                updated: s.updated,
                samples: s.samples,
                tokens: s.tokens,
                presence: s.presence,
            };
            (Some(s.mean), serde_json::to_string(&meta).ok())
        }
        _ => (None, None),
    };
    let saved = SavedRef { v: 2, data: &p.d };
    PortRecord {
        switch: p.port.switch.clone(),
        port: p.port.port.clone(),
        baseline,
        baseline_meta,
        state: serde_json::to_string(&saved).unwrap_or_default(),
    }
}
