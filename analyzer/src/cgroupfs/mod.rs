//! Pure parsers for cgroup control files, and the v1 and v2 hierarchies behind one interface.

mod parse;

pub use crate::procfs::ParseError;
pub use parse::{parse_cpu_max, parse_flat_keyed, parse_limit, parse_procs, V1_UNLIMITED_FLOOR};
