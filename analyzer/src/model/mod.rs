//! The model of a node rebuilt from a snapshot: typed ids, the model's types, and the pure
//! functions that join parsed files into pods, containers, processes, namespaces and cgroups.

pub mod build;
pub mod ids;
pub mod types;

pub use build::build;
pub use ids::*;
pub use types::*;
