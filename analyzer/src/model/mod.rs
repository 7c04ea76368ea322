//! The model of a node rebuilt from a snapshot: typed ids, the model's types, and the pure
//! functions that join parsed files into pods, containers, processes, namespaces and cgroups.

pub mod build;
pub mod cgroup_path;
pub mod classify;
pub mod counted_once;
pub mod gather;
pub mod ids;
pub mod inputs;
pub mod names;
pub mod roles;
pub mod sos;
pub mod types;
pub mod window;

pub use build::{build, build_owned};
pub use cgroup_path::{CgroupPath, CgroupPaths, MAX_CGROUP_DEPTH, MAX_CGROUP_PATH_BYTES};
pub use ids::*;
pub use types::*;
pub use window::Window;

#[cfg(test)]
mod cgroup_forms_test;
#[cfg(test)]
pub(crate) mod layout_test;
#[cfg(test)]
mod seed_test;
#[cfg(test)]
mod signals_test;
#[cfg(test)]
pub(crate) mod testkit;
