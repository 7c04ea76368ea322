//! The ground level: value types every layer speaks, with no dependency on any other part of
//! the analyzer. The parsers (`procfs`, `cgroupfs`) return them, the model carries them, the
//! findings and front ends read them.
//!
//! - `ids`: pids, namespace inodes and types, container, pod and runtime ids, QoS classes;
//! - `cgroup`: the cgroup mode, limits and usage counters the control files hold;
//! - `signals`: pressure, memory breakdown, local memory events, the node's headroom.

pub mod cgroup;
pub mod ids;
pub mod signals;

pub use cgroup::{CgroupMode, EventsCounted, Limit, Limits, SubtreeEvents, Usage};
pub use ids::*;
pub use signals::{
    CgroupStat, FileNr, Headroom, HeadroomLimit, MemoryBreakdown, MemoryEvents, Pressure,
    PressureLine, ResourcePressure,
};
