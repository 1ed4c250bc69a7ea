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
    /// The baseline vector (unnormalised mean), stored as a BLOB.
    pub baseline: Option<Vec<f32>>,
    /// Everything else the engine needs to resume.
    pub state: serde_json::Value,
}

/// The JSON of [`PortRecord::state`].
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Saved {
    /// Record format version.
    v: u32,
    data: PortData,
    baseline: Option<BaselineMeta>,
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
            let p = &mut self.ports[idx as usize];
            p.dirty = false;
            out.push(record(p));
        }
        out
    }

    /// Restores ports from their records (after a restart, before any sighting). Records that
    /// do not parse are skipped; ports whose controls differ from the current profiles raise
    /// `compliance-control-drift` at the first `tick`.
    pub fn restore(&mut self, records: Vec<PortRecord>) {
        for r in records {
            let Ok(saved) = serde_json::from_value::<Saved>(r.state) else {
                continue;
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
            if let (Some(mean), Some(m)) = (r.baseline, saved.baseline) {
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

fn record(p: &PortState) -> PortRecord {
    let meta = p.baseline.as_ref().map(|b| {
        let s = b.state();
        (
            s.mean,
            BaselineMeta {
                started: s.started,
                updated: s.updated,
                samples: s.samples,
                tokens: s.tokens,
                presence: s.presence,
            },
        )
    });
    let (mean, meta) = match meta {
        Some((m, x)) => (Some(m), Some(x)),
        None => (None, None),
    };
    let saved = Saved {
        v: 1,
        data: p.d.clone(),
        baseline: meta,
    };
    PortRecord {
        switch: p.port.switch.clone(),
        port: p.port.port.clone(),
        baseline: mean,
        state: serde_json::to_value(&saved).unwrap_or(serde_json::Value::Null),
    }
}
