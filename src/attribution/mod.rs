//! Port attribution.
/// A switch port.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct PortRef {
    /// Switch name.
    pub switch: String,
    /// Interface name.
    pub port: String,
}
