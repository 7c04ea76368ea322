//! nodesnap's analyzer as a library: load a snapshot, parse its files, build the model, derive
//! findings, and render terminal views, JSON/YAML and the HTML report.
//!
//! Data flows one way: `snapshot` (bytes) -> `procfs`/`cgroupfs` (typed values) -> `model`
//! (joined) -> `findings` -> `views`/`report` (text). Nothing here reads the live system.

pub mod cgroupfs;
pub mod findings;
#[cfg(test)]
pub(crate) mod fixture;
pub mod model;
pub mod procfs;
pub mod report;
pub mod snapshot;
pub mod views;
