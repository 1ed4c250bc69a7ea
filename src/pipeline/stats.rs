//! Pipeline counters.

use serde::Serialize;

use crate::attribution::AttributionStats;

/// What the pipeline has processed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PipelineStats {
    /// Frames handed in.
    pub frames: u64,
    /// Frames that carried no control-plane signal.
    pub not_control_plane: u64,
    /// Observations decoded.
    pub observations: u64,
    /// Observations with decode anomalies.
    pub anomalous: u64,
    /// Observations that name no device (a switch's own BPDU without a MAC, …).
    pub no_device: u64,
    /// Observations attributed to a port (directly or after waiting).
    pub attributed: u64,
    /// Observations that had to wait for the FDB.
    pub waiting: u64,
    /// Waiting observations released by a port table.
    pub released: u64,
    /// Port tables handed in.
    pub tables: u64,
    /// Events raised.
    pub events: u64,
    /// Devices known (port, MAC).
    pub devices: u64,
    /// DNA builds.
    pub dna_builds: u64,
    /// Sightings the engine handled without the DNA (nothing new said; see
    /// `Engine::observe_known`).
    pub known: u64,
    /// Devices whose earlier signals were forgotten because they left their port.
    pub forgotten: u64,
    /// Devices forgotten because they were not seen for `[retention] observations_days`.
    pub expired: u64,
    /// The attribution counters.
    pub attribution: Option<AttributionStats>,
}
