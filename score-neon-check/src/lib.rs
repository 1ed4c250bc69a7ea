//! The cybriq kernel file, compiled on its own so that it can be cross-built for aarch64 and
//! tested under qemu without the rest of the crate (which links libpcap).

#[path = "../../src/score/kernel.rs"]
mod kernel;

pub use kernel::{Kernel, dot_i8_scalar, dot_scalar};
