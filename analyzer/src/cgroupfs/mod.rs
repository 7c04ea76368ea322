//! Pure parsers for cgroup control files, and the v1 and v2 hierarchies behind one interface.
//!
//! [`CgroupSetup::detect`] looks at a snapshot once and decides which hierarchies exist and which
//! one carries each controller; [`CgroupSetup::facts`] then reads any cgroup's limits and usage
//! through the v1 or v2 implementation without the caller knowing the node's layout.

mod parse;
mod setup;

pub use crate::procfs::ParseError;
pub use parse::{parse_cpu_max, parse_flat_keyed, parse_limit, parse_procs, V1_UNLIMITED_FLOOR};
pub use setup::{
    CgroupFacts, CgroupPath, CgroupSetup, FileProblem, Hierarchy, Version, PIDS_NEAR_MAX_PERCENT,
    THROTTLED_PERIODS_TROUBLE_PERCENT, V2_NAME,
};
